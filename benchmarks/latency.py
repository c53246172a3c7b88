"""Interaction latency in headless Chromium: slider key press -> rerun finished and chart redrawn.

    python -m benchmarks.latency [--presses 15] [--lessons why_rnns,lstm] [--json PATH]

One server runs the app, another the floor page (benchmarks/floor_app.py: one slider, one
Plotly chart). For each lesson and each of its parts (the tabs of lesson.tabs, each opened by
its link), at the defaults and at the maximum settings (every slider at the top of its range),
the first visible slider of the part's controls is pressed --presses times (alternately right
and left, so the view stays where it is) and each press is timed. Where a part shows more than
one slider, its last visible slider is timed too at the defaults, for information.
The floor page is measured the same way, in the same run, before every lesson and after the
last one: the floor drifts within a run (81 to 135 ms in one run on 2026-12-03), so each part is
compared with the floor measured next to it (the mean of the floor medians before and after its
lesson), and the floor's spread over the run is reported.
For information, so is a lesson's skeleton (benchmarks/skeleton_app.py: the course's page layout
with placeholder text and nothing computed) with no chart, the floor's one-line chart, or a chart
like lesson 1's (legend, axis titles): what Streamlit's rendering of a lesson-shaped page costs
before any lesson content.
Also reported: cold start (server start -> health check -> first lesson rendered).

Budgets, for every part: median at defaults <= 2.5 x the floor's median (2x is the aim); p95 at
maximum < 1 s.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from app.course import available
from benchmarks.browser import (CHROMIUM, CHROMIUM_ARGS, INSTRUMENT, QUIET_MS, WEBSOCKET_SPY, lesson_url,
                                percentile, press_and_time_js, serve)
from benchmarks.report import save_json
from benchmarks.settings import maximum_settings
from tests.browser.helpers import settle
from tests.hostile import lesson_controls, section_control

DONE = "[data-testid=stApp][data-test-script-state=notRunning]"
FLOOR_FACTOR = 2.5   # the budget: a lesson-shaped page with no content already costs 1.6-1.8x the floor
FLOOR_AIM = 2.0
PANEL = "default, section's slider"  # the open section's own (last) slider: usually a fragment's
MAX_P95_MS = 1000
SKELETON_CHARTS = ("none", "line", "labelled")  # benchmarks/skeleton_app.py: a lesson's layout, nothing computed


def open_instrumented(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-testid=stMain]", timeout=120_000)
    settle(page, timeout_ms=120_000)  # a part opened by its link may draw in a second run
    page.wait_for_timeout(QUIET_MS)
    seconds = time.perf_counter() - start
    page.evaluate(INSTRUMENT)
    return seconds


def time_presses(page, presses: int, first_key: str = "ArrowRight", which: str = "first") -> tuple[list[float], int]:
    """Press one arrow key `presses` times on the page's first (or last) slider (one step each, turning
    back at an end of the range); returns the timed latencies and how many presses produced no rerun."""
    sliders = page.locator("[data-testid=stSlider]:visible input[type=range]")
    handle = sliders.first if which == "first" else sliders.last
    handle.scroll_into_view_if_needed()
    handle.focus()
    key, times, lost = first_key, [], 0
    for _ in range(presses):
        before = handle.input_value()
        t0 = page.evaluate("performance.now()")
        handle.press(key)  # focuses the slider first: a rerun may have replaced the focused element
        ms = page.evaluate(press_and_time_js(), [t0, QUIET_MS, 15_000])
        if handle.input_value() == before:  # at an end of the range: turn around
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        if ms < 0:  # no finished rerun seen: count it, focus the slider again, go on
            lost += 1
            if lost > max(3, presses // 3):
                raise RuntimeError(f"{lost} of {presses} presses produced no finished rerun within 15 s")
            handle.focus()
            continue
        times.append(ms)
    if page.locator("[data-testid=stException]").count():
        raise RuntimeError("the page shows an exception")
    return times, lost


def sections(lesson) -> list[dict]:
    """The query that opens each section of a lesson ({} for the first, which a plain link opens)."""
    tabs = section_control(lesson_controls(lesson.url_path))
    if tabs is None:
        return [dict(title="", query={})]
    return [dict(title=title, query={} if i == 0 else {tabs.key: title}) for i, title in enumerate(tabs.options)]


def summary(name: str, setting: str, timed: tuple[list[float], int], section: str = "") -> dict:
    times, lost = timed
    return dict(page=name, section=section, setting=setting, presses=len(times), lost=lost, median_ms=round(statistics.median(times)),
                p95_ms=round(percentile(times, 95)), max_ms=round(max(times)))


def run(presses: int, lessons: list, warmup: int = 2) -> dict:
    rows, cold = [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(WEBSOCKET_SPY)
        page = context.new_page()
        with serve("benchmarks/floor_app.py") as (floor_url, _, _), \
                serve("benchmarks/skeleton_app.py") as (skeleton_url, _, _):
            with serve("app/streamlit_app.py") as (app_url, _, healthy_s):
                first = available()[0]
                rendered_s = open_instrumented(page, lesson_url(app_url, first))
                cold = dict(server_healthy_s=round(healthy_s, 2),
                            first_lesson_rendered_s=round(healthy_s + rendered_s, 2), lesson=first.url_path)

                def measure(name, url, setting, first_key="ArrowRight", which="first", section=""):
                    open_instrumented(page, url)
                    time_presses(page, warmup, first_key, which)  # caches and the browser warm up
                    rows.append(summary(name, setting, time_presses(page, presses, first_key, which), section))
                    print(f"  {rows[-1]}", flush=True)

                measure("floor", floor_url, "default (start)")
                for chart in SKELETON_CHARTS:  # for information: the lessons' layout with nothing computed
                    measure("skeleton", f"{skeleton_url}/?chart={chart}", f"chart={chart}")
                for lesson in lessons:
                    measure("floor", floor_url, f"default (before {lesson.url_path})")
                    for section in sections(lesson):
                        try:
                            url = lesson_url(app_url, lesson, urlencode(section["query"]))
                            open_instrumented(page, url)
                            if not page.locator("[data-testid=stSlider]:visible").count():
                                rows.append(dict(page=lesson.url_path, section=section["title"], setting="no slider"))
                                print(f"  {rows[-1]}", flush=True)
                                continue  # a part moved by typing or buttons only (the memory lab's questions)
                            measure(lesson.url_path, url, "default", section=section["title"])
                            open_instrumented(page, url)
                            if page.locator("[data-testid=stSlider]:visible").count() > 1:
                                measure(lesson.url_path, url, PANEL, which="last", section=section["title"])
                            query = urlencode({**maximum_settings(lesson), **section["query"]})
                            measure(lesson.url_path, lesson_url(app_url, lesson, query), "maximum", "ArrowLeft",
                                    section=section["title"])
                        except Exception as error:  # a broken page is a row, not the end of the benchmark
                            rows.append(dict(page=lesson.url_path, section=section["title"], setting="error",
                                             error=str(error)[:200]))
                            print(f"  {rows[-1]}", flush=True)
                measure("floor", floor_url, "default (end)")
        browser.close()
    return dict(cold_start=cold, rows=rows)


def verdicts(result: dict) -> list[dict]:
    """Each row's ratio to the floor measured next to it: the mean of the floor medians measured just
    before and just after its lesson (the floor drifts within a run)."""
    rows = result["rows"]
    floors = [(k, r["median_ms"]) for k, r in enumerate(rows) if r["page"] == "floor" and r["setting"] != "error"]
    overall = statistics.median([ms for _, ms in floors]) if floors else float("nan")

    def local_floor(k):
        before = [ms for j, ms in floors if j < k][-1:]
        after = [ms for j, ms in floors if j > k][:1]
        near = before + after
        return statistics.mean(near) if near else overall

    for k, r in enumerate(rows):
        if r["page"] == "floor" or r["setting"] in ("error", "no slider"):
            r["verdict"] = {"error": "ERROR", "no slider": "(no slider to press)"}.get(r["setting"], "")
            continue
        floor = local_floor(k)
        r["floor_ms"] = round(floor)
        r["ratio_to_floor"] = round(r["median_ms"] / floor, 2)
        if r["page"] == "skeleton" or r["setting"] == PANEL:  # not a budget: for information
            r["verdict"] = "(information)"
        elif r["setting"] == "default":
            r["verdict"] = ("ok" if r["ratio_to_floor"] <= FLOOR_AIM else
                            f"ok (over the {FLOOR_AIM}x aim)" if r["ratio_to_floor"] <= FLOOR_FACTOR else
                            f"MISS (> {FLOOR_FACTOR}x floor)")
        else:
            r["verdict"] = "ok" if r["p95_ms"] < MAX_P95_MS else "MISS (p95 >= 1 s)"
    result["floor_median_ms"] = overall
    result["floor_spread_ms"] = (min(ms for _, ms in floors), max(ms for _, ms in floors)) if floors else None
    return rows


def table(result: dict) -> str:
    rows = verdicts(result)
    cold = result["cold_start"]
    spread = result["floor_spread_ms"]
    lines = [f"Slider key press -> rerun done and chart redrawn, headless Chromium, ms (floor median "
             f"{result['floor_median_ms']:.0f} ms, from {spread[0]} to {spread[1]} ms over the run; each row is "
             f"compared with the floor measured next to it)", "",
             "| page | part | setting | presses timed (lost) | median | p95 | max | floor | x floor | budget |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["setting"] in ("error", "no slider"):
            lines.append(f"| {r['page']} | {r.get('section', '')} | {r['setting']} | | | | | | | "
                         f"{r.get('error', r['verdict'])} |")
        else:
            lines.append(f"| {r['page']} | {r.get('section', '')} | {r['setting']} | {r['presses']} ({r['lost']}) | "
                         f"{r['median_ms']} | {r['p95_ms']} | {r['max_ms']} | {r.get('floor_ms', '')} | "
                         f"{r.get('ratio_to_floor', '')} | {r['verdict']} |")
    lines += ["", f"Cold start: server healthy after {cold['server_healthy_s']} s, first lesson "
              f"({cold['lesson']}) rendered after {cold['first_lesson_rendered_s']} s."]
    return "\n".join(lines)


def lessons_from_args(doc: str, presses: int) -> tuple[argparse.Namespace, list]:
    """The command line of the browser benchmarks (--presses, --lessons, --json) and the lessons it names."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presses", type=int, default=presses)
    parser.add_argument("--lessons", help="comma-separated url paths (default: every lesson)")
    parser.add_argument("--json")
    args = parser.parse_args()
    lessons = available()
    if args.lessons:
        lessons = [lesson for lesson in lessons if lesson.url_path in args.lessons.split(",")]
    return args, lessons


def main() -> None:
    args, lessons = lessons_from_args(__doc__, 15)
    result = run(args.presses, lessons)
    print(table(result))
    save_json(args.json, result)


if __name__ == "__main__":
    main()
