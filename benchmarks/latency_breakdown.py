"""Where a key press's time goes, for every part of every lesson at its defaults.

    python -m benchmarks.latency_breakdown [--presses 6] [--lessons why_rnns,lstm] [--json PATH]

For the floor page (benchmarks/floor_app.py) and each lesson part, the part's first visible slider
is pressed --presses times (as benchmarks.latency does) while Chromium's sampling CPU profiler
records the page's main thread. The samples are summed per press into:

- plotly: Plotly's bundle (building and drawing the charts);
- streamlit: Streamlit's own frontend (React, emotion and styled-components, the element tree,
  protobuf decoding), markdown and KaTeX apart;
- markdown: the markdown renderer and KaTeX (the lesson's sentences and equations);
- browser: the browser's own work outside JavaScript (style, layout, paint: "(program)") and
  native DOM calls (getBoundingClientRect, setAttribute, ...);
- gc: the garbage collector.

"busy" is their sum per press, measured to the end of the profile, so it also holds the work of
the last press that follows the moment its latency was taken. Next to it: the script's own time
for one rerun of the part, measured in-process with Streamlit's AppTest with warm caches (the
server's share; Streamlit's serialisation and the websocket are not in it).

The profiler slows the page a little: the latency printed here is for orientation, and
benchmarks.latency is the measure of the budget.
"""

from __future__ import annotations

import collections
import statistics
import time
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, WEBSOCKET_SPY, lesson_url, serve
from benchmarks.latency import lessons_from_args, open_instrumented, sections, time_presses
from benchmarks.report import save_json

GROUPS = ("plotly", "streamlit", "markdown", "browser", "gc")
MARKDOWN_BUNDLES = ("StreamlitMarkdown", "katex", "rehype", "remark", "micromark", "mdast", "hast", "markdown")


def group_of(call_frame: dict) -> str | None:
    """The group a profile node's self time counts in (None: idle or the profiler itself)."""
    name, url = call_frame["functionName"], call_frame["url"]
    if name in ("(idle)", "(root)", "(program)") and not url:
        return "browser" if name == "(program)" else None
    if name == "(garbage collector)":
        return "gc"
    if not url:
        return "browser"  # a native DOM or canvas call
    bundle = url.rsplit("/", 1)[-1]
    if bundle.startswith("PlotlyChart") or "plotly" in bundle.lower():
        return "plotly"
    if any(part.lower() in bundle.lower() for part in MARKDOWN_BUNDLES):
        return "markdown"
    if url.startswith(("http", "/")) and "/static/" in url:
        return "streamlit"
    return None  # the benchmark's own JavaScript (the timing loop), Playwright's


def profile_presses(context, page, presses: int) -> tuple[list[float], dict]:
    """Time `presses` presses with the CPU profiler on; returns the latencies and ms per press per group."""
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 250})  # microseconds
    cdp.send("Profiler.start")
    times, _ = time_presses(page, presses)
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {node["id"]: node for node in profile["nodes"]}
    per_group = collections.Counter()
    for node_id, delta_us in zip(profile["samples"], profile["timeDeltas"]):
        group = group_of(nodes[node_id]["callFrame"])
        if group:
            per_group[group] += delta_us / 1000
    return times, {group: per_group[group] / max(len(times), 1) for group in GROUPS}


def script_ms(lesson, query: dict, runs: int = 5) -> float:
    """The median time of a warm rerun of the part in AppTest (the script only)."""
    from tests.app.helpers import run_lesson

    at = run_lesson(lesson, query)
    at.run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(presses: int, lessons: list) -> list[dict]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(WEBSOCKET_SPY)
        page = context.new_page()
        with serve("benchmarks/floor_app.py") as (floor_url, _, _), serve("app/streamlit_app.py") as (app_url, _, _):
            def measure(name, part, url, script=None):
                open_instrumented(page, url)
                if not page.locator("[data-testid=stSlider]:visible").count():
                    return
                time_presses(page, 2)  # caches and the browser warm up
                times, groups = profile_presses(context, page, presses)
                rows.append(dict(page=name, part=part, median_ms=round(statistics.median(times)),
                                 busy_ms=round(sum(groups.values())), **{g: round(ms) for g, ms in groups.items()},
                                 script_ms=None if script is None else round(script)))
                print(f"  {rows[-1]}", flush=True)

            measure("floor", "", floor_url)
            for lesson in lessons:
                for section in sections(lesson):
                    measure(lesson.url_path, section["title"], lesson_url(app_url, lesson, urlencode(section["query"])),
                            script_ms(lesson, section["query"]))
            measure("floor", "", floor_url)
        browser.close()
    return rows


def table(rows: list[dict]) -> str:
    lines = ["Per press, ms: median latency; main-thread time by group (busy = their sum); the script's warm rerun",
             "", "| page | part | latency | busy | plotly | streamlit | markdown | browser | gc | script |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['page']} | {r['part']} | {r['median_ms']} | {r['busy_ms']} | "
                     + " | ".join(str(r[g]) for g in GROUPS) + f" | {'' if r['script_ms'] is None else r['script_ms']} |")
    return "\n".join(lines)


def main() -> None:
    args, lessons = lessons_from_args(__doc__, 6)
    rows = run(args.presses, lessons)
    print(table(rows))
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
