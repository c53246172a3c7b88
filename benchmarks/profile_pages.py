"""Where a rerun's time goes, per lesson: cProfile of one AppTest rerun, self time grouped by layer.

    python -m benchmarks.profile_pages [--setting default|maximum] [--lessons lstm,gru] [--json PATH]

The lesson runs once (so st.cache_data is warm, as after a first visit), a slider moves one step,
and that rerun is profiled. Layers: rnn_core (the maths), app.figures (building Plotly
figures), plotly (figure validation and JSON serialisation), numpy, streamlit (the script
runner, widgets, protobuf), the page and kit code, and the rest (Python's json, copy, ...).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import time

from streamlit.navigation.page import StreamlitPage

from app.course import available
from benchmarks.report import save_json
from benchmarks.settings import maximum_settings
from tests.app.helpers import run_lesson

LAYERS = [("rnn_core", "/rnn_core/"), ("app.figures", "/app/figures/"), ("plotly", "/plotly/"),
          ("plotly", "/_plotly_utils/"), ("numpy", "/numpy/"), ("streamlit", "/streamlit/"), ("pages+kit", "/pages/"), ("pages+kit", "/app/"),
          ("json", "/json/"), ("protobuf", "/google/protobuf/")]


def layer(filename: str) -> str:
    for name, marker in LAYERS:
        if marker in filename:
            return name
    return "other"


def profile(lesson, params: dict) -> dict:
    at = run_lesson(lesson, params, timeout=300)
    sliders = [s for s in at.slider if s.value is not None]
    slider = sliders[0]
    step = slider.step or 1
    target = slider.value - step if slider.value - step >= slider.min else slider.value + step
    slider.set_value(type(slider.value)(target))
    profiler = cProfile.Profile()
    original = StreamlitPage.run

    def profiled_run(page):  # AppTest runs the script in its own thread: profile the page inside it
        return profiler.runcall(original, page)

    StreamlitPage.run = profiled_run
    try:
        start = time.perf_counter()
        at.run()
        wall = time.perf_counter() - start
    finally:
        StreamlitPage.run = original
    stats = pstats.Stats(profiler)
    by_layer: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        by_layer[layer(filename)] = by_layer.get(layer(filename), 0.0) + tottime
    total = sum(by_layer.values())
    top = sorted(((v[3], f"{k[0].split('/site-packages/')[-1].replace('/work/main/', '')}:{k[2]}")
                  for k, v in stats.stats.items()), reverse=True)[:8]
    return dict(lesson=lesson.url_path, slider=slider.key, wall_ms=round(wall * 1e3),
                profiled_ms=round(total * 1e3),
                layers_ms={k: round(v * 1e3) for k, v in sorted(by_layer.items(), key=lambda kv: -kv[1])},
                top_cumulative=[(round(t * 1e3), name) for t, name in top])


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setting", choices=["default", "maximum"], default="maximum")
    parser.add_argument("--lessons")
    parser.add_argument("--json")
    args = parser.parse_args()
    lessons = available()
    if args.lessons:
        lessons = [lesson for lesson in lessons if lesson.url_path in args.lessons.split(",")]
    rows = []
    for lesson in lessons:
        try:
            params = maximum_settings(lesson) if args.setting == "maximum" else {}
            rows.append(profile(lesson, params))
        except Exception as error:  # a lesson that does not run is reported, not fatal
            rows.append(dict(lesson=lesson.url_path, error=str(error)[:200]))
        row = rows[-1]
        print(f"\n{row['lesson']} ({args.setting})", flush=True)
        if "error" in row:
            print(f"  error: {row['error']}")
            continue
        print(f"  rerun after moving {row['slider']}: {row['wall_ms']} ms wall, {row['profiled_ms']} ms profiled")
        print("  self time by layer (ms): " + ", ".join(f"{k} {v}" for k, v in row["layers_ms"].items()))
        for ms, name in row["top_cumulative"]:
            print(f"    {ms:6d} ms cumulative  {name}")
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
