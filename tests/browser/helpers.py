"""Reusable pieces for browser tests: a Streamlit server, and what a person does on a page.

    with streamlit_server() as base_url:            # its own process on a free port
        page = browser.new_page()
        open_page(page, f"{base_url}/rnn_unrolled")  # waits until the script has finished
        move_slider(page, "Hidden size H", 3)        # arrow keys on the slider
        press_play(page)                             # Plotly's Play button
        plotly_slider_value(page)                    # "after step t = 3" while it plays
        assert_no_exception(page)
        screenshot(page, "rnn_unrolled_played")      # test-artifacts/screenshots/<name>.png
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, TimeoutError as PlaywrightTimeout

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DONE = "[data-testid=stApp][data-test-script-state=notRunning]"
RUNNING = "[data-testid=stApp][data-test-script-state=running]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(script: str = "app/streamlit_app.py", startup_timeout: float = 90, extra_args: tuple[str, ...] = ()):
    """`streamlit run script` on a free loopback port, as the README says; yields
    (base URL, the server process, seconds until it answered its health check)."""
    port = free_port()
    _artifacts()
    log = open(REPO_ROOT / "test-artifacts" / f"streamlit-{port}.log", "w")
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra_args],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - start > startup_timeout:
                raise RuntimeError("streamlit did not become healthy")
            time.sleep(0.05)
        yield base_url, process, time.perf_counter() - start
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@contextlib.contextmanager
def streamlit_server(startup_timeout: float = 90):
    """The course's server; yields its base URL."""
    with serve(startup_timeout=startup_timeout) as (base_url, _, _):
        yield base_url


def _artifacts() -> bool:
    (REPO_ROOT / "test-artifacts").mkdir(exist_ok=True)
    return True


def wait_for_run(page: Page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (after a load or an interaction)."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector(RUNNING, timeout=1_500)  # a rerun may start a moment after the event
    page.wait_for_selector(DONE, timeout=timeout)


def settle(page, quiet_ms: int = 1200, timeout_ms: int = 60_000) -> None:
    """Wait until the script has stopped running and the number of charts has not changed for quiet_ms (a part
    opened by its link may draw its chart in a second run, a moment after the first one ended)."""
    waited, charts, quiet = 0, -1, 0
    while waited < timeout_ms and quiet < quiet_ms:
        page.wait_for_selector(DONE, timeout=timeout_ms)
        now = page.locator("[data-testid=stPlotlyChart]").count()
        quiet = quiet + 200 if now == charts else 0
        charts = now
        page.wait_for_timeout(200)
        waited += 200


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid=stMain]", timeout=60_000)
    wait_for_run(page)


def assert_no_exception(page: Page) -> None:
    errors = page.locator("[data-testid=stException]")
    assert errors.count() == 0, errors.all_inner_texts()


def open_tab(page: Page, title: str) -> None:
    """Click a lesson's section tab and wait for the rerun that draws it (only the open tab runs)."""
    page.get_by_role("tab", name=title, exact=True).click()
    wait_for_run(page)
    page.get_by_role("tab", name=title, exact=True).and_(page.locator("[aria-selected=true]")).wait_for()


def slider(page: Page, label: str):
    """The range input of the st.slider whose label is `label`."""
    return page.locator("[data-testid=stSlider]").filter(has_text=label).locator("input[type=range]")


def move_slider(page: Page, label: str, presses: int) -> None:
    """Focus a slider and press the right (presses > 0) or left arrow key, then wait for the rerun."""
    handle = slider(page, label)
    handle.focus()
    for _ in range(abs(presses)):
        handle.press("ArrowRight" if presses > 0 else "ArrowLeft")
    wait_for_run(page)


def slider_value(page: Page, label: str) -> str:
    return slider(page, label).get_attribute("aria-valuetext") or slider(page, label).input_value()


def press_play(page: Page, chart: int = 0) -> None:
    """Click the Play button of the chart-th Plotly figure on the page."""
    figure = page.locator("[data-testid=stPlotlyChart]").nth(chart)
    figure.scroll_into_view_if_needed()
    figure.locator("g.updatemenu-button").filter(has_text="Play").click()


def plotly_slider_value(page: Page, chart: int = 0) -> str:
    """The 'current value' text of the chart-th figure's Plotly slider (e.g. "after step t = 7").

    Streamlit's Plotly build draws it as the text.slider-label directly inside g.slider-group
    (newer Plotly builds name it text.slider-current-value); tick labels sit deeper.
    """
    figure = page.locator("[data-testid=stPlotlyChart]").nth(chart)
    label = figure.locator("g.slider-group > text.slider-label, text.slider-current-value").first
    return (label.text_content() or "").strip()


def screenshot(page: Page, name: str) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside stMain, so grow the viewport)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 40)})
    page.wait_for_timeout(500)  # let charts re-layout to the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def record_reruns(page) -> list[str]:
    """The fragment id of every rerun the page asks the server for from now on ("" for a whole-page rerun).

    Reads Streamlit's outgoing websocket messages (BackMsg.rerun_script); call it before the
    page opens or before the control moves. A control inside an st.fragment sends its fragment's id.
    """
    from streamlit.proto.BackMsg_pb2 import BackMsg

    reruns: list[str] = []

    def sent(payload):
        if isinstance(payload, bytes):
            message = BackMsg.FromString(payload)
            if message.WhichOneof("type") == "rerun_script":
                reruns.append(message.rerun_script.fragment_id)

    page.on("websocket", lambda websocket: websocket.on("framesent", sent))
    return reruns


def share_link(page) -> str:
    """Open the header's "Copy link to this view" popover and read the link in its code box.

    The popover is lazy: opening it reruns the whole page, so the link has every control's
    current value, including those of a fragment that reran alone."""
    button = page.locator("[data-testid=stPopover] button").filter(has_text="Copy link to this view")
    box = page.locator("[data-testid=stPopoverBody] [data-testid=stCode] code")
    wait_for_run(page)  # a click during a rerun can be lost (CI's two workers make reruns slow)
    for attempt in range(3):
        if attempt:
            page.keyboard.press("Escape")  # a half-open popover: close it and open it again
            wait_for_run(page)
        button.click()
        wait_for_run(page)
        with contextlib.suppress(PlaywrightTimeout):
            box.wait_for(timeout=15_000)
            break
    box.wait_for(timeout=1_000)
    text = box.inner_text().strip()
    page.keyboard.press("Escape")
    return text
