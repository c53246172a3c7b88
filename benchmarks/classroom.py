"""A classroom: N students open lessons at once from one server and move sliders.

    python -m benchmarks.classroom [--sessions 30] [--changes 10] [--stagger 0.5] [--time-limit 600] [--rounds 1]
                                   [--json PATH]

One Streamlit server on 127.0.0.1 (loopback only) and one headless Chromium with one browser
context per student (separate cookies and websocket, i.e. a separate Streamlit session).
Students join --stagger seconds apart, each opens a lesson (round robin over the course)
and makes --changes slider changes, each timed from key press to rerun finished and chart
redrawn. Reported: errors (exceptions on a page, presses with no finished rerun, failed
loads; must be 0), latency p50/p95, and the server's resident memory: cold, warm (after one
visitor opened every lesson once: imports and first-visit caches), at the class's peak, and
after everyone left (--settle seconds later). Bounded: every session is
cancelled at --time-limit, and the script always stops its server and browser.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

from playwright.async_api import async_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from app.course import available
from benchmarks.browser import (CHROMIUM, CHROMIUM_ARGS, INSTRUMENT, QUIET_MS, WEBSOCKET_SPY, lesson_url,
                                percentile, press_and_time_js, rss_mb, serve)
from benchmarks.report import save_json
from benchmarks.server_stats import cpu_seconds

DONE = "[data-testid=stApp][data-test-script-state=notRunning]"


async def student(index: int, browser, url: str, changes: int, delay: float, result: dict) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(WEBSOCKET_SPY)
    try:
        page = await context.new_page()
        # when this student's websocket last sent / received a message, and last received script_finished
        traffic = {"sent": 0.0, "received": 0.0, "finished": 0.0}

        def received(payload):
            now = time.perf_counter()
            traffic["received"] = now
            if isinstance(payload, bytes) and ForwardMsg.FromString(payload).WhichOneof("type") == "script_finished":
                traffic["finished"] = now

        def watch(ws):
            ws.on("framesent", lambda _: traffic.__setitem__("sent", time.perf_counter()))
            ws.on("framereceived", received)
        page.on("websocket", watch)
        start = time.perf_counter()
        await page.goto(url, timeout=180_000)
        await page.wait_for_selector("[data-testid=stSlider] input[type=range]", timeout=180_000)
        await page.wait_for_selector(DONE, timeout=180_000)
        result["loads"].append((time.perf_counter() - start) * 1e3)
        await page.evaluate(INSTRUMENT)
        handle = page.locator("[data-testid=stSlider] input[type=range]").first
        await handle.focus()
        for change in range(changes):
            before = await handle.input_value()
            pressed = time.perf_counter()
            t0 = await page.evaluate("performance.now()")
            await handle.press("ArrowRight" if change % 2 == 0 else "ArrowLeft", timeout=90_000)
            ms = await page.evaluate(press_and_time_js(), [t0, QUIET_MS, 60_000])
            if ms < 0 and traffic["finished"] > pressed:
                # the server finished the rerun, but the page never showed it (see press_and_time_js):
                # timed by the end-of-run message instead, and counted
                result["latencies"].append((traffic["finished"] - pressed) * 1e3)
                result["ended_by_message"] += 1
                await handle.focus()
            elif ms < 0:
                moved = await handle.input_value() != before
                state = await page.locator("[data-testid=stApp]").get_attribute("data-test-script-state")
                sent, answered = traffic["sent"] > pressed, traffic["received"] > traffic["sent"] > pressed
                result["errors"].append(f"student {index}: change {change} had no finished rerun in 60 s (timeout; "
                                        f"slider {'moved' if moved else 'did not move'}, script state {state}, "
                                        f"{'a message was sent' if sent else 'nothing was sent'} to the server"
                                        f"{', and it answered (no script_finished)' if answered else ''})")
                await handle.focus()
            else:
                result["latencies"].append(ms)
        shown = await page.locator("[data-testid=stException]").count()
        if shown:
            result["errors"].append(f"student {index}: {shown} exception(s) on {url} (exception)")
        result["completed"] += 1
    except Exception as error:  # a timeout or a crash of this student's page is an error, not the end
        result["errors"].append(f"student {index}: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()


async def sample_memory(pid: int, samples: list, stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.5)


async def classroom(base_url: str, pid: int, args, lessons) -> dict:
    result = dict(latencies=[], loads=[], errors=[], completed=0, ended_by_message=0)
    samples: list[float] = []
    stop = asyncio.Event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory(pid, samples, stop))
        started = time.perf_counter()
        students = [asyncio.create_task(student(i, browser, lesson_url(base_url, lessons[i % len(lessons)]),
                                                args.changes, i * args.stagger, result))
                    for i in range(args.sessions)]
        done, pending = await asyncio.wait(students, timeout=args.time_limit)
        for task in pending:
            task.cancel()
        if pending:
            result["errors"].append(f"{len(pending)} student(s) still running at the {args.time_limit} s limit")
            await asyncio.gather(*pending, return_exceptions=True)
        result["seconds"] = round(time.perf_counter() - started, 1)
        await browser.close()
        await asyncio.sleep(args.settle)
        stop.set()
        await sampler
    result["rss_samples"] = samples
    return result


async def warm_up(base_url: str, lessons) -> None:
    """One visitor opens every lesson once, so the memory readings compare a warm server with itself."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        for lesson in lessons:
            await page.goto(lesson_url(base_url, lesson), timeout=180_000)
            await page.wait_for_selector("[data-testid=stSlider] input[type=range]", timeout=180_000)
            await page.wait_for_selector(DONE, timeout=180_000)
        await browser.close()


def run(args) -> dict:
    lessons = available()
    if args.lessons:
        lessons = [lesson for lesson in lessons if lesson.url_path in args.lessons.split(",")]
    with serve("app/streamlit_app.py") as (base_url, process, _):
        time.sleep(2)
        cold = rss_mb(process.pid)
        asyncio.run(warm_up(base_url, lessons))  # imports and caches a first visit fills: not the class's
        before = rss_mb(process.pid)
        cpu_before = cpu_seconds(process.pid)
        result = asyncio.run(classroom(base_url, process.pid, args, lessons))
        after = rss_mb(process.pid)
        server_cpu = cpu_seconds(process.pid) - cpu_before
        for _ in range(args.rounds - 1):  # the same class again on the same server: does memory keep growing?
            again = asyncio.run(classroom(base_url, process.pid, args, lessons))
            result["errors"] += again["errors"]
            result["rss_samples"] += again["rss_samples"]
            result["after_rounds"] = result.get("after_rounds", []) + [round(rss_mb(process.pid))]
    latencies = result["latencies"]
    return dict(sessions=args.sessions, changes_per_session=args.changes, lessons=[l.url_path for l in lessons],
                completed=result["completed"], errors=result["errors"], changes_timed=len(latencies),
                ended_by_message=result["ended_by_message"],
                seconds=result["seconds"],
                latency_p50_ms=round(percentile(latencies, 50)), latency_p95_ms=round(percentile(latencies, 95)),
                load_p50_ms=round(percentile(result["loads"], 50)), load_p95_ms=round(percentile(result["loads"], 95)),
                rss_cold_mb=round(cold), rss_before_mb=round(before), rss_peak_mb=round(max(result["rss_samples"] + [before])),
                rss_after_mb=round(after), settle_s=args.settle, server_cpu_s=round(server_cpu, 1),
                rss_after_later_rounds_mb=result.get("after_rounds", []))


def table(r: dict) -> str:
    return "\n".join([
        f"Classroom: {r['sessions']} concurrent browser sessions x {r['changes_per_session']} slider changes, "
        f"one server on loopback, {r['seconds']} s (the server used {r['server_cpu_s']} s of CPU)", "",
        "| errors | sessions completed | changes timed | change p50 | change p95 | page load p50 | page load p95 "
        "| server RSS cold | warm, before | peak | after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(r['errors'])} | {r['completed']}/{r['sessions']} | {r['changes_timed']} | {r['latency_p50_ms']} ms | "
        f"{r['latency_p95_ms']} ms | {r['load_p50_ms']} ms | {r['load_p95_ms']} ms | {r['rss_cold_mb']} MB | "
        f"{r['rss_before_mb']} MB | "
        f"{r['rss_peak_mb']} MB | {r['rss_after_mb']} MB ({r['settle_s']} s after) |",
        f"Changes whose end the page did not show, timed by the server's script_finished message: "
        f"{r['ended_by_message']}.",
        *([f"Memory after each later round of the same class: {r['rss_after_later_rounds_mb']} MB."]
          if r["rss_after_later_rounds_mb"] else []),
        *[f"- {e}" for e in r["errors"][:20]]])


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--stagger", type=float, default=0.5, help="seconds between students joining")
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--settle", type=float, default=150,
                        help="seconds to wait before the 'after' memory reading (Streamlit keeps a disconnected "
                             "session for server.disconnectedSessionTTL, 120 s)")
    parser.add_argument("--lessons", help="comma-separated url paths (default: every lesson)")
    parser.add_argument("--rounds", type=int, default=1, help="run the class this many times on one server")
    parser.add_argument("--json")
    args = parser.parse_args()
    result = run(args)
    print(table(result))
    save_json(args.json, result)
    raise SystemExit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
