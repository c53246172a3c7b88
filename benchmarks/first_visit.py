"""A student's first visit to each lesson: how soon the title and introduction show, how soon the first
figure, and when the page is complete; on a server that has just started (cold) and on one that has
already shown the lesson to someone (warm: every student after the first).

    python -m benchmarks.first_visit [--lessons why_rnns,lstm] [--json PATH]

One new server per lesson, so every cold row pays that lesson's own imports and computations.
Times are from the navigation start in headless Chromium, in seconds.
"""

from __future__ import annotations

import argparse
import logging
import time

from playwright.sync_api import sync_playwright

from app.course import available
from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, lesson_url, serve
from benchmarks.report import save_json

DONE = "[data-testid=stApp][data-test-script-state=notRunning]"


def visit(page, url: str) -> dict:
    """Seconds from the start of the visit until the title, the first chart and the end of the run show."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-testid=stMain] h1", timeout=180_000)
    title = time.perf_counter() - start
    page.wait_for_selector("[data-testid=stPlotlyChart] svg.main-svg", timeout=180_000)
    chart = time.perf_counter() - start
    page.wait_for_selector(DONE, timeout=180_000)
    return dict(title_s=round(title, 2), first_chart_s=round(chart, 2),
                complete_s=round(max(time.perf_counter() - start, chart), 2))


def run(lessons) -> list[dict]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lesson in lessons:
            with serve("app/streamlit_app.py") as (base_url, _, healthy_s):
                for visit_kind in ("cold", "warm"):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # a new student
                    page = context.new_page()
                    rows.append(dict(lesson=lesson.url_path, visit=visit_kind, server_healthy_s=round(healthy_s, 2),
                                     **visit(page, lesson_url(base_url, lesson))))
                    print(f"  {rows[-1]}", flush=True)
                    context.close()
        browser.close()
    return rows


def table(rows: list[dict]) -> str:
    lines = ["A student's first visit, headless Chromium, seconds from navigation start", "",
             "| lesson | visit | title shown | first chart | complete |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r['lesson']} | {r['visit']} | {r['title_s']} | {r['first_chart_s']} | {r['complete_s']} |"
              for r in rows]
    return "\n".join(lines)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", help="comma-separated url paths (default: every lesson)")
    parser.add_argument("--json")
    args = parser.parse_args()
    lessons = [lesson for lesson in available() if not args.lessons or lesson.url_path in args.lessons.split(",")]
    rows = run(lessons)
    print(table(rows))
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
