"""The JSON size of every figure of every lesson, at default and at maximum settings.

    python -m benchmarks.figure_sizes [--json PATH]

Runs each lesson through the real entrypoint with AppTest (no browser): the JSON is
exactly what Streamlit sends for each st.plotly_chart. Budget: no figure over 1 MB.
"""

from __future__ import annotations

import argparse
import logging

from app.course import available
from benchmarks.report import save_json
from benchmarks.settings import maximum_settings
from tests.app.helpers import run_sections

BUDGET_BYTES = 1_000_000


def measure() -> list[dict]:
    rows = []
    for lesson in available():
        try:
            settings = [("default", {}), ("maximum", maximum_settings(lesson))]
        except AssertionError as error:  # the lesson does not run at its defaults
            rows.append(dict(lesson=lesson.url_path, setting="default", figures=0, largest_kb=0, total_kb=0,
                             exceptions=1, within_budget=False, error=str(error)))
            continue
        for setting, params in settings:
            runs = run_sections(lesson, params, timeout=300)  # every section (tab) of the lesson
            sizes = [len(chart.proto.spec.encode()) for at in runs for chart in at.get("plotly_chart")]
            rows.append(dict(lesson=lesson.url_path, setting=setting, figures=len(sizes),
                             largest_kb=round(max(sizes, default=0) / 1e3, 1),
                             total_kb=round(sum(sizes) / 1e3, 1),
                             exceptions=sum(len(at.exception) for at in runs), within_budget=max(sizes, default=0) <= BUDGET_BYTES))
    return rows


def table(rows: list[dict]) -> str:
    lines = ["Figure JSON per lesson (largest figure and all figures of all its sections; budget 1 MB per figure)", "",
             "| lesson | setting | figures | largest (kB) | lesson total (kB) | within budget |",
             "|---|---|---:|---:|---:|---|"]
    lines += [f"| {r['lesson']} | {r['setting']} | {r['figures']} | {r['largest_kb']} | {r['total_kb']} | "
              f"{'yes' if r['within_budget'] else 'NO'}{' (exception!)' if r['exceptions'] else ''} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = measure()
    print(table(rows))
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
