"""A lecture hall without browsers: N students as Streamlit sessions over websockets.

    python -m benchmarks.hall [--students 7,30,60,100] [--processes 1,2] [--moves 20] [--think 2]
                              [--ramp 10] [--repeats 1] [--lessons why_rnns,bptt] [--json PATH]

Each student is what a browser is to the server, without drawing anything: an HTTP GET of the
lesson's page (which, behind the balancer of scripts/serve_class.sh, sets the affinity cookie),
then a websocket on /_stcore/stream that speaks Streamlit's own protocol (BackMsg / ForwardMsg
protobufs): a `rerun_script` with the page and its query string opens the lesson, and each move
sends every widget's state with one control changed, the way the browser's widget manager does
(inside a fragment, with the fragment's id). The controls are read from the page's own deltas
(their ids, ranges and options), so nothing here names a lesson's widgets.

Students join over --ramp seconds, round robin over the lessons of app/course.py, and each
makes --moves moves, --think seconds apart (0.5x to 1.5x, at random) after the previous move was
answered. Half of them follow the teacher: every follower of a lesson makes the same moves to the
same values (so whatever the server computes once for a setting is shared). The other half
explore values of their own. A move is timed from the request to the end of its run (the
`script_finished` message); a page load from the GET to the end of the first run.

Reported per class size and server setup (one Streamlit process; N processes behind HAProxy,
scripts/serve_class.sh): move latency median and p95, page load median, errors (failed loads,
closed sockets, runs not finished within --timeout), exceptions shown (exception elements in
the deltas), the servers' resident memory at the class's peak, their CPU time, and how the
sessions were spread over the processes. Every server is started fresh for each class size,
on 127.0.0.1 only, and stopped at the end; every class is cancelled at --time-limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

from benchmarks.report import save_json
from benchmarks.server_stats import cpu_seconds, machine_cpu_seconds, percentile, process_tree, rss_mb

REPO_ROOT = Path(__file__).resolve().parent.parent
FINISHED = ForwardMsg.ScriptFinishedStatus
STREAMLIT_ARGS = ("--server.fileWatcherType", "none")  # the same for every setup: nobody edits files in class
AFFINITY_COOKIE = "STREAMLIT_PROCESS"  # scripts/serve_class.sh: HAProxy's cookie naming a session's process


# ---------------------------------------------------------------------------------------------
# Controls, read from the page's deltas


@dataclass
class Control:
    """One widget as the browser knows it: its id, where it reruns, what values it takes, its value now.

    `kind` says how its value travels in a WidgetState: "number" (sliders, number inputs),
    "option" (selectbox, radio, tabs: the option's text), "options" (segmented controls and
    select sliders: a list of option texts) or "switch" (checkbox, toggle).
    """

    id: str
    kind: str
    label: str
    value: object
    fragment_id: str = ""
    url_key: str = ""            # the query parameter the widget is bound to ("" if none)
    in_main: bool = True         # False in the sidebar
    lo: float = 0.0
    hi: float = 0.0
    step: float = 1.0
    integer: bool = False
    options: tuple[str, ...] = ()
    element: str = ""            # the Streamlit element: slider, selectbox, tab_container, ...
    path: tuple[int, ...] = ()   # where the page draws it (the delta path)
    forced: bool = False         # the server set its value (else the browser keeps the value it has)

    @property
    def movable(self) -> bool:
        """A lesson control a student moves: in the main area and bound to the page address.

        The course binds every lesson control to the URL (shared links); quiz answers, the
        Show-code toggle and the sidebar's presentation switch are not lesson settings.
        """
        if not (self.in_main and self.url_key):
            return False
        if self.kind in ("option", "options"):
            return len(self.options) > 1
        return self.kind == "switch" or self.hi > self.lo

    def state(self, value=None) -> WidgetState:
        """The WidgetState the browser sends for this widget at `value` (default: its value now)."""
        value = self.value if value is None else value
        state = WidgetState(id=self.id)
        if self.kind == "number" and self.element == "slider":
            state.double_array_value.data.append(value)
        elif self.kind == "number":
            state.double_value = value
        elif self.kind == "option":
            state.string_value = value
        elif self.kind == "options":
            state.string_array_value.data.append(value)
        else:
            state.bool_value = value
        return state

    def other_value(self, rng: random.Random):
        """A value different from the current one, drawn with `rng` (on the step grid for numbers)."""
        if self.kind == "switch":
            return not self.value
        if self.kind in ("option", "options"):
            return rng.choice([o for o in self.options if o != self.value])
        steps = min(int(round((self.hi - self.lo) / self.step)) if self.step > 0 else 0,
                    10**6)  # a seed's range: any of a million values is as good as any other
        for _ in range(100):
            value = self.lo + rng.randint(0, steps) * self.step
            value = int(round(value)) if self.integer else round(value, 10)
            if value != self.value:
                return value
        return self.value  # a range of one value: the move sends it again


def _slider(proto, **common) -> Control | None:
    values = list(proto.value) if proto.set_value else list(proto.default)
    if len(values) != 1:  # a range slider: not a lesson control here
        return None
    if proto.type == Slider.SELECT_SLIDER or proto.options:
        return Control(kind="options", value=proto.options[int(values[0])], options=tuple(proto.options),
                       forced=proto.set_value, **common)
    if proto.data_type not in (Slider.INT, Slider.FLOAT):
        return None
    integer = proto.data_type == Slider.INT
    value = int(values[0]) if integer else values[0]
    return Control(kind="number", value=value, lo=proto.min, hi=proto.max, step=proto.step or 1,
                   integer=integer, forced=proto.set_value, **common)


def _choice(proto, **common) -> Control | None:
    if proto.set_value and proto.HasField("raw_value"):
        value = proto.raw_value
    elif proto.HasField("default"):
        value = proto.options[proto.default]
    else:  # nothing picked yet (a quiz): the browser holds no value for it
        return None
    return Control(kind="option", value=value, options=tuple(proto.options), forced=proto.set_value, **common)


def _button_group(proto, **common) -> Control | None:
    options = tuple(option.content for option in proto.options)
    picked = list(proto.raw_values) if proto.set_value else [options[i] for i in proto.default]
    if proto.click_mode != proto.SINGLE_SELECT or len(picked) != 1:
        return None
    return Control(kind="options", value=picked[0], options=options, forced=proto.set_value, **common)


def _number_input(proto, **common) -> Control | None:
    integer = proto.data_type == proto.INT
    value = proto.value if proto.set_value else proto.default
    lo = proto.min if proto.has_min else -1e6
    hi = proto.max if proto.has_max else 1e6
    return Control(kind="number", value=int(value) if integer else value, lo=lo, hi=hi,
                   step=proto.step or 1, integer=integer, forced=proto.set_value, **common)


def _checkbox(proto, **common) -> Control:
    return Control(kind="switch", value=proto.value if proto.set_value else proto.default, forced=proto.set_value,
                   **common)


ELEMENT_READERS = {"slider": _slider, "selectbox": _choice, "radio": _choice, "button_group": _button_group,
                   "number_input": _number_input, "checkbox": _checkbox}


def control_in(message: ForwardMsg) -> Control | None:
    """The widget a delta creates (an element or the tabs block), or None for anything else."""
    delta = message.delta
    path = tuple(message.metadata.delta_path)
    place = dict(fragment_id=delta.fragment_id, in_main=bool(path) and path[0] == 0, path=path)
    if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "tab_container":
        tabs = delta.add_block.tab_container
        return Control(id=tabs.id, kind="option", label="tabs", value=tabs.default_tab_label, options=(),
                       url_key=tabs.query_param_key, element="tab_container", **place) if tabs.id else None
    if delta.WhichOneof("type") != "new_element":
        return None
    element = delta.new_element.WhichOneof("type")
    reader = ELEMENT_READERS.get(element)
    if reader is None:
        return None
    proto = getattr(delta.new_element, element)
    return reader(proto, id=proto.id, label=proto.label, url_key=proto.query_param_key, element=element, **place)


def tab_label(message: ForwardMsg) -> str | None:
    """The label of a tab block (the options of the tab container above it)."""
    delta = message.delta
    if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "tab":
        return delta.add_block.tab.label
    return None


def exception_in(message: ForwardMsg) -> str | None:
    """The text of an exception element (not a warning), or None."""
    delta = message.delta
    if delta.WhichOneof("type") == "new_element" and delta.new_element.WhichOneof("type") == "exception":
        shown = delta.new_element.exception
        if not shown.is_warning:
            return f"{shown.type}: {shown.message}"[:200]
    return None


# ---------------------------------------------------------------------------------------------
# One student: a Streamlit session over a websocket


@dataclass
class Run:
    """One script run as the client saw it."""

    ms: float
    status: str                   # the script_finished status, or "timeout" / "closed"
    exceptions: list[str]
    fragment_id: str = ""


class SessionError(Exception):
    """The session cannot go on (the socket closed, the page was not found, a run never ended)."""


async def http_get(url: str, cookies: dict[str, str]) -> tuple[int, dict[str, str]]:
    """GET a page over a fresh connection; returns the status and the cookies it sets.

    asyncio streams rather than urllib: a hundred students load at once, and a thread pool
    would queue them on the client, not on the server being measured.
    """
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = (f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
               f"Host: {parts.netloc}\r\nAccept: text/html\r\nConnection: close\r\n"
               + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
    writer.write(request.encode("latin-1"))
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        await reader.read()
    finally:
        writer.close()
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    jar = SimpleCookie()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            jar.load(value.strip())
    return status, {name: morsel.value for name, morsel in jar.items()}


def with_parameter(query: str, key: str, value) -> str:
    """The query string with key=value, as the browser writes a bound widget's value into its address."""
    if not key:
        return query
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != key]
    return urlencode(pairs + [(key, text)])


class Session:
    """A browser's Streamlit session, without the drawing: page, widgets, query string, cookies.

        async with Session(base_url, page="bptt", query="") as session:
            first = await session.open()                 # page load: GET + first run
            run = await session.move(control, value)     # one widget changed, timed to script_finished
    """

    def __init__(self, base_url: str, page: str, query: str = "", timeout: float = 60):
        self.base_url, self.page, self.query, self.timeout = base_url, page, query, timeout
        self.cookies: dict[str, str] = {}
        self.widgets: dict[str, Control] = {}    # id -> the widgets on the page now
        self.page_hash = ""
        self.cached: dict[str, int] = {}         # hash of a cacheable message -> the run it was last seen in
        self.runs = 0
        self.session_id = ""
        self.on_message = None                   # called with every ForwardMsg (for tests and probes)
        self._socket = None
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")

    async def open(self) -> Run:
        """Load the page (the balancer's cookie comes with it), open the websocket, run the page once."""
        start = time.perf_counter()
        status, cookies = await http_get(self.url, self.cookies)
        if status != 200:
            raise SessionError(f"GET {self.url} answered {status}")
        self.cookies.update(cookies)
        await self.connect()
        run = await self._rerun(page_name=self.page)
        run.ms = (time.perf_counter() - start) * 1e3
        return run

    async def connect(self, resume: bool = False) -> None:
        """Open the websocket with the session's cookies; with resume, ask for the session it had
        (as a reconnecting browser does: the session id is the third subprotocol entry)."""
        if self._socket is not None:
            await self._socket.close()
        stream = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        protocols = ["streamlit", "xsrf", self.session_id] if resume and self.session_id else ["streamlit"]
        self._socket = await self._stack.enter_async_context(
            connect(stream, subprotocols=protocols, additional_headers=headers, max_size=None,
                    compression=None, open_timeout=self.timeout, origin=None))

    async def rerun(self) -> Run:
        """Run the page again with every widget as it is (what a reconnecting browser asks for)."""
        return await self._rerun()

    def movable(self) -> list[Control]:
        """The lesson controls on the page now, in page order."""
        return [control for control in self.widgets.values() if control.movable]

    async def move(self, control: Control, value) -> Run:
        """Set one control to `value` and rerun as the browser does (its fragment alone if it is in one)."""
        return await self._rerun(changed=(control, value), fragment_id=control.fragment_id)

    def _client_state(self, changed, fragment_id: str, page_name: str) -> BackMsg:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = page_name
        state.fragment_id = fragment_id
        state.context_info.url = self.url
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        changed_id, value = (changed[0].id, changed[1]) if changed else (None, None)
        for control in self.widgets.values():
            state.widget_states.widgets.append(control.state(value if control.id == changed_id else None))
        # the browser keeps the large messages of its last two runs and says which it has
        state.cached_message_hashes.extend(h for h, seen in self.cached.items() if self.runs - seen <= 2)
        return message

    async def _rerun(self, changed=None, fragment_id: str = "", page_name: str = "") -> Run:
        message = self._client_state(changed, fragment_id, page_name)
        if changed:  # the browser holds the new value from the moment it is set, and shows it in the address
            control, value = changed
            self.widgets.get(control.id, control).value = value
            self.query = with_parameter(self.query, control.url_key, value)
        start = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        try:
            status, seen, blocks, exceptions = await asyncio.wait_for(self._read_run(), self.timeout)
        except asyncio.TimeoutError:
            return Run((time.perf_counter() - start) * 1e3, "timeout", [], fragment_id)
        ms = (time.perf_counter() - start) * 1e3
        self.runs += 1
        self._forget_inactive(seen, blocks, status)
        return Run(ms, FINISHED.Name(status), exceptions, fragment_id)

    async def _read_run(self) -> tuple[int, set[str], list[tuple[int, ...]], list[str]]:
        """Read messages until the run ends; returns its status, the widget ids and the block paths
        it drew, and the exceptions it showed."""
        seen: set[str] = set()
        blocks: list[tuple[int, ...]] = []
        exceptions: list[str] = []
        tabs: Control | None = None
        while True:
            try:
                raw = await self._socket.recv()
            except Exception as error:  # the websocket closed under us
                raise SessionError(f"websocket closed: {type(error).__name__}") from error
            message = ForwardMsg.FromString(raw)
            kind = message.WhichOneof("type")
            if self.on_message is not None:
                self.on_message(message)
            if message.metadata.cacheable:
                self.cached[message.hash] = self.runs
            elif kind == "ref_hash" and message.ref_hash in self.cached:
                self.cached[message.ref_hash] = self.runs
            if kind == "delta":
                if message.delta.WhichOneof("type") == "add_block":
                    blocks.append(tuple(message.metadata.delta_path))
                control = control_in(message)
                if control is not None:
                    known = self.widgets.get(control.id)
                    if known is not None and not control.forced:
                        control.value = known.value  # a redrawn widget keeps the value the browser holds
                    self.widgets[control.id] = control
                    seen.add(control.id)
                    tabs = control if control.element == "tab_container" else tabs
                label = tab_label(message)
                if label is not None and tabs is not None:
                    tabs.options += (label,)
                shown = exception_in(message)
                if shown:
                    exceptions.append(shown)
            elif kind == "new_session":
                self.page_hash = message.new_session.page_script_hash
                self.session_id = message.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                self.page_hash = message.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string  # the script set st.query_params
            elif kind == "page_not_found":
                raise SessionError(f"page not found: {self.page!r}")
            elif kind == "script_finished":
                return message.script_finished, seen, blocks, exceptions

    def _forget_inactive(self, seen: set[str], blocks: list[tuple[int, ...]], status: int) -> None:
        """Drop the widgets a run no longer drew, as the browser does with its stale elements.

        A full run redraws the whole page, so every widget it did not send is gone. A fragment
        run redraws its own container (whose block it sends first), with any fragment nested
        in it: a widget it did not send is gone if it was inside one of the blocks it sent
        (a panel on a tab that is no longer open, say), and kept otherwise.
        """
        if status == FINISHED.FINISHED_SUCCESSFULLY:
            stale = [w for w in self.widgets if w not in seen]
        elif status == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            stale = [w for w, c in self.widgets.items()
                     if w not in seen and any(c.path[:len(b)] == b for b in blocks)]
        else:
            stale = []
        for widget in stale:
            del self.widgets[widget]


# ---------------------------------------------------------------------------------------------
# A class: students who follow the teacher or explore


@dataclass
class Move:
    """One move of one student, for the tables and for the tests."""

    student: int
    page: str
    control: str                  # its URL key (its id if it has none)
    value: object
    ms: float
    status: str
    exceptions: int
    fragment_id: str


@dataclass
class ClassResult:
    moves: list[Move] = field(default_factory=list)
    loads_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    backends: dict[str, int] = field(default_factory=dict)  # affinity cookie value -> sessions
    seconds: float = 0.0
    controls: dict[str, list[Control]] = field(default_factory=dict)  # page -> controls seen on first load


def next_move(session: Session, rng: random.Random) -> tuple[Control, object] | None:
    """Pick a control on the page and a new value for it (None if the page has no control)."""
    controls = session.movable()
    if not controls:
        return None
    control = rng.choice(controls)
    return control, control.other_value(rng)


def teacher_rng(page: str, move: int, seed: int) -> random.Random:
    """The same random choices for every follower of a lesson at its move-th move."""
    return random.Random(f"{seed}:{page}:{move}")


async def student(index: int, base_url: str, page: str, args, result: ClassResult, delay: float) -> None:
    """Join after `delay` s, open `page`, then make args.moves moves, args.think s apart on average."""
    await asyncio.sleep(delay)
    follows = index % 2 == 0
    own = random.Random(f"{args.seed}:explorer:{index}")
    try:
        async with Session(base_url, page, timeout=args.timeout) as session:
            first = await session.open()
            result.loads_ms.append(first.ms)
            result.exceptions += first.exceptions
            result.controls.setdefault(page, session.movable())
            process = session.cookies.get(AFFINITY_COOKIE, "the only process")
            result.backends[process] = result.backends.get(process, 0) + 1
            for number in range(args.moves):
                await asyncio.sleep(args.think * own.uniform(0.5, 1.5))
                choice = next_move(session, teacher_rng(page, number, args.seed) if follows else own)
                if choice is None:
                    result.errors.append(f"student {index}: no control to move on {page or '/'}")
                    return
                control, value = choice
                run = await session.move(control, value)
                result.moves.append(Move(index, page, control.url_key or control.id, value, run.ms, run.status,
                                         len(run.exceptions), run.fragment_id))
                result.exceptions += run.exceptions
                if run.status == "timeout":
                    result.errors.append(f"student {index}: move {number} not finished in {args.timeout} s")
    except (SessionError, OSError, asyncio.TimeoutError) as error:
        result.errors.append(f"student {index}: {type(error).__name__}: {error}"[:200])
    except Exception as error:  # a failure of one student is an error of the class, not the end of it
        result.errors.append(f"student {index}: {type(error).__name__}: {error}"[:200])


async def run_class(base_url: str, pages: list[str], students: int, args) -> ClassResult:
    """N students round robin over `pages`, joining evenly over args.ramp seconds; bounded by args.time_limit."""
    result = ClassResult()
    start = time.perf_counter()
    tasks = [asyncio.create_task(student(i, base_url, pages[i % len(pages)], args, result,
                                         args.ramp * i / max(students, 1)))
             for i in range(students)]
    done, pending = await asyncio.wait(tasks, timeout=args.time_limit)
    for task in pending:
        task.cancel()
    if pending:
        result.errors.append(f"{len(pending)} student(s) still working at the {args.time_limit} s limit")
        await asyncio.gather(*pending, return_exceptions=True)
    result.seconds = time.perf_counter() - start
    return result


def course_pages(lessons: list[str] | None = None) -> list[str]:
    """The page name (url path) of each lesson of app/course.py, or of those named."""
    from app.course import available

    return [lesson.url_path for lesson in available() if not lessons or lesson.url_path in lessons]


# ---------------------------------------------------------------------------------------------
# Servers: one Streamlit process, or scripts/serve_class.sh


def wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> float:
    """Poll url/_stcore/health until it answers 200; returns the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy in {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group, SIGKILL if it is still there after `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def server(processes: int, script: str = "app/streamlit_app.py", log_dir: Path | None = None):
    """Start the setup on a free loopback port; yields (base URL, pids of the Streamlit processes).

    One process is plain `streamlit run`, as today; more are scripts/serve_class.sh (HAProxy in
    front). The servers are stopped on exit, whatever happens.
    """
    from tests.browser.helpers import free_port

    port = free_port()
    log_dir = log_dir or REPO_ROOT / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    if processes == 1:
        command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
                   "--server.port", str(port), "--server.address", "127.0.0.1", *STREAMLIT_ARGS]
    else:
        command = ["bash", "scripts/serve_class.sh", "--processes", str(processes), "--port", str(port),
                   "--address", "127.0.0.1", "--script", script, "--", *STREAMLIT_ARGS]
    with open(log_dir / f"hall-{processes}p-{port}.log", "w") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_healthy(base_url, process, timeout=180)
            pids = [pid for pid, command in process_tree(process.pid) if " streamlit run " in f" {command} "]
            yield base_url, pids
        finally:
            stop(process)


async def sample_memory(pids: list[int], samples: list[float], stop_event: asyncio.Event) -> None:
    """The servers' total resident memory every half second, until stop_event is set."""
    while not stop_event.is_set():
        samples.append(sum(rss_mb(pid) for pid in pids))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop_event.wait(), 0.5)


async def measured_class(base_url: str, pids: list[int], pages: list[str], students: int, args) -> dict:
    """One class on a running setup, with the servers' memory and CPU time around it."""
    samples: list[float] = []
    done = asyncio.Event()
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    client_before = time.process_time()
    machine_before = machine_cpu_seconds()
    sampler = asyncio.create_task(sample_memory(pids, samples, done))
    result = await run_class(base_url, pages, students, args)
    done.set()
    await sampler
    server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    client_cpu = time.process_time() - client_before
    busy, elapsed = (after - before for after, before in zip(machine_cpu_seconds(), machine_before))
    row = summarise(result, students, samples, server_cpu, client_cpu)
    # what else ran on the machine meanwhile (other programs, HAProxy), in cores on average
    row["other_cores"] = round((busy - server_cpu - client_cpu) / max(result.seconds, 1e-9), 2)
    row["machine_cores"] = round(elapsed / max(result.seconds, 1e-9), 1)
    return row


def summarise(result: ClassResult, students: int, rss_samples: list[float], server_cpu: float,
              client_cpu: float) -> dict:
    latencies = [m.ms for m in result.moves if m.status != "timeout"]
    return dict(students=students, moves=len(result.moves), moves_timed=len(latencies),
                move_p50_ms=round(percentile(latencies, 50)), move_p95_ms=round(percentile(latencies, 95)),
                load_p50_ms=round(percentile(result.loads_ms, 50)), load_p95_ms=round(percentile(result.loads_ms, 95)),
                loads=len(result.loads_ms), errors=len(result.errors), error_samples=result.errors[:10],
                exceptions=len(result.exceptions), exception_samples=sorted(set(result.exceptions))[:5],
                rss_peak_mb=round(max(rss_samples, default=float("nan"))), seconds=round(result.seconds, 1),
                server_cpu_s=round(server_cpu, 1), client_cpu_s=round(client_cpu, 1),
                sessions_per_process=sorted(result.backends.values(), reverse=True),
                server_cpu_ms_per_move=round(server_cpu * 1e3 / max(len(result.moves), 1), 1),
                by_lesson=by_lesson(result.moves))


def by_lesson(moves: list[Move]) -> dict[str, dict]:
    """Move latency median and p95 per lesson page ("/" for the default page)."""
    pages = sorted({m.page for m in moves})
    return {page or "/": dict(moves=len(ms), p50_ms=round(percentile(ms, 50)), p95_ms=round(percentile(ms, 95)))
            for page in pages for ms in [[m.ms for m in moves if m.page == page and m.status != "timeout"]]}


def measure(args) -> list[dict]:
    """Every setup x class size x repeat, each on a freshly started server; rows in run order."""
    pages = course_pages(args.lessons)
    rows = []
    for repeat in range(args.repeats):
        for processes in args.processes:
            for students in args.students:
                with server(processes) as (base_url, pids):
                    warm_up(base_url, pages, args)
                    row = asyncio.run(measured_class(base_url, pids, pages, students, args))
                row.update(processes=processes, repeat=repeat + 1, load_avg=os.getloadavg()[0])
                rows.append(row)
                print(f"  {row}", flush=True)
    return rows


def warm_up(base_url: str, pages: list[str], args) -> None:
    """One visitor opens every lesson once per process, untimed: imports and first-visit caches
    every server gets are not the class's (with affinity, each new visitor lands on the next process)."""
    async def visit(page: str) -> None:
        async with Session(base_url, page, timeout=args.timeout) as session:
            await session.open()

    async def everything() -> None:
        for _ in range(max(args.processes)):
            for page in pages:
                await visit(page)

    asyncio.run(everything())


def table(rows: list[dict]) -> str:
    """Median of the repeats per setup and class size, with the spread (min to max) of the repeats."""
    lines = ["| processes | students | move p50 | move p95 | page load p50 | errors | exceptions "
             "| server RSS peak | server CPU | other load (cores) | sessions per process |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    keys = sorted({(r["processes"], r["students"]) for r in rows})
    for processes, students in keys:
        group = [r for r in rows if (r["processes"], r["students"]) == (processes, students)]

        def cell(name: str, unit: str) -> str:
            values = [r[name] for r in group]
            middle = statistics.median(values)
            spread = f" ({min(values):g}-{max(values):g})" if len(values) > 1 else ""
            return f"{middle:g}{unit}{spread}"

        lines.append(f"| {processes} | {students} | {cell('move_p50_ms', ' ms')} | {cell('move_p95_ms', ' ms')} | "
                     f"{cell('load_p50_ms', ' ms')} | {sum(r['errors'] for r in group)} | "
                     f"{sum(r['exceptions'] for r in group)} | {cell('rss_peak_mb', ' MB')} | "
                     f"{cell('server_cpu_s', ' s')} | {cell('other_cores', '')} | "
                     f"{' / '.join(str(r['sessions_per_process']) for r in group)} |")
    return "\n".join(lines)


def lesson_table(rows: list[dict]) -> str:
    """Per lesson, for the largest class of each setup (first repeat): where the waiting is."""
    largest = max(r["students"] for r in rows)
    chosen = [r for r in rows if r["students"] == largest and r["repeat"] == 1]
    pages = sorted({page for r in chosen for page in r["by_lesson"]})
    head = " | ".join(f"{r['processes']} process{'es' if r['processes'] > 1 else ''}: p50 / p95" for r in chosen)
    lines = [f"| lesson ({largest} students) | {head} |", "|---|" + "---:|" * len(chosen)]
    for page in pages:
        cells = [r["by_lesson"].get(page) for r in chosen]
        lines.append(f"| {page} | " + " | ".join(f"{c['p50_ms']} / {c['p95_ms']} ms" if c else "" for c in cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    numbers = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    parser.add_argument("--students", type=numbers, default=[7, 30, 60, 100], help="class sizes, e.g. 7,30")
    parser.add_argument("--processes", type=numbers, default=[1, 2],
                        help="server setups: 1 = one Streamlit process; N > 1 = scripts/serve_class.sh --processes N")
    parser.add_argument("--moves", type=int, default=20, help="moves per student (at least 20 for a real run)")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a move's answer and the next")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the students join")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a run may take before it is an error")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds a class may take in all")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lessons", type=lambda t: t.split(","), help="url paths (default: the whole course)")
    parser.add_argument("--json")
    return parser.parse_args(argv)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    args = parse_args()
    rows = measure(args)
    print(f"\nA lecture hall: {args.moves} moves per student, {args.think} s think time, "
          f"{args.ramp} s ramp, {args.repeats} repeat(s); median (min-max of repeats)\n")
    print(table(rows))
    print()
    print(lesson_table(rows))
    save_json(args.json, rows)
    raise SystemExit(1 if any(r["errors"] for r in rows) else 0)


if __name__ == "__main__":
    main()
