"""What each piece of a lesson's layout adds to one slider press that redraws the floor's chart.

    python -m benchmarks.layout_costs [--rounds 3] [--presses 9] [--json PATH]

The floor page (benchmarks/floor_app.py: one slider, one Plotly chart) and the lesson skeleton
(benchmarks/skeleton_app.py) with its layout pieces switched on one at a time (``?parts=``),
then all of them, then all of them with the chart drawn with ``theme=None`` (no second draw
by Streamlit's theme), all redrawing the floor's one-line chart. Pages are timed in turn,
round after round (after one untimed visit to each server), so a slow spell of the machine falls
on all of them alike; each press is timed as in benchmarks.latency. For information, not a budget: it shows how much of the 1.5x
the floor allows Streamlit's own layout elements take before a lesson draws anything of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import statistics

from playwright.sync_api import sync_playwright

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, WEBSOCKET_SPY, serve
from benchmarks.latency import open_instrumented, time_presses
from benchmarks.report import save_json

SINGLE_PARTS = ("fragment", "panel", "tabs", "text", "latex", "buttons", "page")
PAGES = ([("floor page", "floor", ""), ("skeleton, no parts", "skeleton", "?parts=")]
         + [(f"+ {part} only", "skeleton", f"?parts={part}") for part in SINGLE_PARTS]
         + [("all parts (the skeleton)", "skeleton", ""),
            ("all parts, chart theme=None", "skeleton", "?theme=none"),
            ("all parts, no chart", "skeleton", "?chart=none")])
SCRIPTS = {"floor": "benchmarks/floor_app.py", "skeleton": "benchmarks/skeleton_app.py"}


def run(rounds: int, presses: int) -> list[dict]:
    times = {name: [] for name, _, _ in PAGES}
    with sync_playwright() as playwright, contextlib.ExitStack() as servers:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(WEBSOCKET_SPY)
        page = context.new_page()
        urls = {name: servers.enter_context(serve(script))[0] for name, script in SCRIPTS.items()}
        for script in SCRIPTS:  # the browser's and each server's first visit, not timed
            open_instrumented(page, urls[script])
            time_presses(page, 5)
        for _ in range(rounds):
            for name, script, query in PAGES:
                open_instrumented(page, f"{urls[script]}/{query}")
                time_presses(page, 2)  # warm up
                times[name] += time_presses(page, presses)[0]
        browser.close()
    medians = {name: statistics.median(timed) for name, timed in times.items()}
    floor, bare = medians["floor page"], medians["skeleton, no parts"]
    return [dict(page=name, query=query, presses=len(times[name]), median_ms=round(medians[name]),
                 ratio_to_floor=round(medians[name] / floor, 2), added_ms=round(medians[name] - bare))
            for name, _, query in PAGES]


def table(rows: list[dict]) -> str:
    lines = ["Slider press redrawing the floor's chart on the floor page and on the lesson skeleton, piece by piece "
             "(headless Chromium, ms; added = median minus the skeleton with no parts)", "",
             "| page | query | presses | median | x floor | added |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {r['page']} | `{r['query'] or '(none)'}` | {r['presses']} | {r['median_ms']} | {r['ratio_to_floor']} | "
              f"{r['added_ms']:+d} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=9)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = run(args.rounds, args.presses)
    print(table(rows))
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
