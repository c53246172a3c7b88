"""scripts/serve_class.sh (N Streamlit processes behind HAProxy) and docker-compose.yml, its recipe as
containers: sessions spread over the processes, a session's cookie keeps its websocket, downloads and
reconnection on the process that holds it, health answers through the balancer only while every
process is up, SIGTERM leaves nothing running; the Compose file says what the script does."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from benchmarks import hall
from benchmarks.server_stats import process_tree
from tests.browser.helpers import free_port
from tests import fresh_loop

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "serve_class.sh"
COMPOSE = REPO_ROOT / "docker-compose.yml"


def health(url: str) -> int | None:
    """The status of GET url/_stcore/health, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.1)


def consecutive_free_ports() -> int:
    """A port P such that P and P + 1 are both free on 127.0.0.1 (the two processes' ports)."""
    while True:
        first = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", first + 1))
                return first
            except OSError:
                continue


@contextlib.contextmanager
def hall_of_two(log: Path):
    """serve_class.sh with two processes of tests/hall_app.py on free loopback ports; yields
    (balancer URL, the script's process, the two backends' URLs). The script is stopped at the end."""
    port, backend = free_port(), consecutive_free_ports()
    with open(log, "w") as out:
        script = subprocess.Popen(["bash", str(SCRIPT), "--processes", "2", "--port", str(port), "--address",
                                   "127.0.0.1", "--backend-port", str(backend), "--script", "tests/hall_app.py",
                                   "--", *hall.STREAMLIT_ARGS], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            yield f"http://127.0.0.1:{port}", script, [f"http://127.0.0.1:{backend + i}" for i in range(2)]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(script.pid, signal.SIGKILL)  # only if a test failed before stopping it itself
            script.wait()


def served_by(session: hall.Session) -> tuple[str, str]:
    """Run the page in the session; returns (the port of the process that ran it, its download URL)."""
    seen = {}

    def look(message):
        element = message.delta.new_element
        if element.WhichOneof("type") == "markdown" and "Served by process" in element.markdown.body:
            seen["port"] = re.search(r"on port (\d+)", element.markdown.body).group(1)
        if element.WhichOneof("type") == "download_button":
            seen["download"] = element.download_button.url

    session.on_message = look
    return seen


def test_sessions_spread_and_stay_on_their_process(tmp_path):
    async def visit(url: str, cookies: dict | None = None):
        """A new visitor (or one with these cookies): page, websocket, first run."""
        session = hall.Session(url, "")
        session.cookies.update(cookies or {})
        seen = served_by(session)
        await session.open()
        return session, seen

    async def scenario(url: str):
        first, first_seen = await visit(url)
        second, second_seen = await visit(url)  # first's websocket is open: the other process has fewer
        by_cookie = {}
        for cookies in [first.cookies, second.cookies] * 3:  # same cookie, same process, however busy
            again, seen = await visit(url, {hall.AFFINITY_COOKIE: cookies[hall.AFFINITY_COOKIE]})
            by_cookie.setdefault(cookies[hall.AFFINITY_COOKIE], set()).add(seen["port"])
            await again.__aexit__(None, None, None)
        # a reconnecting browser gets its own session back: only the process that holds it knows its id
        session_id = first.session_id
        await first.connect(resume=True)
        resumed = await first.rerun()
        result = dict(first=first_seen, second=second_seen, by_cookie=by_cookie, resumed=resumed.status,
                      same_id=first.session_id == session_id, cookies=[first.cookies, second.cookies])
        for session in (first, second):
            await session.__aexit__(None, None, None)
        return result

    with hall_of_two(tmp_path / "serve_class.log") as (url, script, backends):
        wait_for(lambda: health(url) == 200, 120, "the balancer answers its health check")
        found = fresh_loop.run(scenario(url))
        cookies = [c[hall.AFFINITY_COOKIE] for c in found["cookies"]]
        assert sorted(cookies) == ["p1", "p2"]
        ports = [found["first"]["port"], found["second"]["port"]]
        assert sorted(ports) == sorted(b.rsplit(":", 1)[1] for b in backends)  # one session on each process
        assert found["by_cookie"] == {cookie: {port} for cookie, port in zip(cookies, ports)}
        assert found["resumed"] == "FINISHED_SUCCESSFULLY" and found["same_id"]
        # a download lives in the memory of the session's process: its cookie reaches it, the other's does not
        download = found["first"]["download"]
        assert download.startswith("/media/")

        def fetch(cookie: str) -> int:
            request = urllib.request.Request(url + download, headers={"Cookie": f"{hall.AFFINITY_COOKIE}={cookie}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status if response.read() == f"port,{ports[0]}\n".encode() else -1
            except urllib.error.HTTPError as error:
                return error.code

        assert [fetch(cookies[0]) for _ in range(3)] == [200, 200, 200]
        assert fetch(cookies[1]) == 404


def test_health_needs_every_process_and_sigterm_stops_everything(tmp_path):
    with hall_of_two(tmp_path / "serve_class.log") as (url, script, backends):
        statuses = []
        wait_for(lambda: statuses.append(health(url)) or statuses[-1] == 200, 120, "the balancer is healthy")
        assert all(health(backend) == 200 for backend in backends)  # when it first answers, every process does
        assert set(statuses[:-1]) <= {None}  # before that the balancer was not even listening
        processes = process_tree(script.pid)[1:]
        streamlit = [pid for pid, command in processes if " streamlit run tests/hall_app.py" in command]
        assert len(streamlit) == 2 and any("haproxy" in command for _, command in processes)

        os.kill(streamlit[1], signal.SIGSTOP)  # a process that stops answering
        try:
            wait_for(lambda: health(url) == 503, 30, "health says 503 while a process is down")
            assert health(backends[0]) == 200  # the other process is fine: the balancer reports the hall
        finally:
            os.kill(streamlit[1], signal.SIGCONT)
        wait_for(lambda: health(url) == 200, 30, "health is back once the process answers")

        script.send_signal(signal.SIGTERM)  # to the script alone, as a supervisor does
        assert script.wait(timeout=30) == 143
        gone = [pid for pid, _ in processes if Path(f"/proc/{pid}").exists()]
        assert gone == [], f"still running after SIGTERM: {gone}"
        assert health(url) is None and all(health(backend) is None for backend in backends)


def script_config(*args: str) -> str:
    return subprocess.run(["bash", str(SCRIPT), "--print-config", *args], capture_output=True, text=True,
                          check=True, timeout=30).stdout


def test_balancer_config_is_valid_haproxy():
    config = script_config("--processes", "3", "--port", "8501", "--address", "127.0.0.1")
    servers = re.findall(r"^\s+server (\S+) (\S+) cookie (\S+)$", config, re.M)
    assert servers == [("p1", "127.0.0.1:8502", "p1"), ("p2", "127.0.0.1:8503", "p2"), ("p3", "127.0.0.1:8504", "p3")]
    assert f"cookie {hall.AFFINITY_COOKIE} insert" in config and "nbsrv(streamlit) lt 3" in config
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"serve_class_check_{os.getpid()}.cfg"
    path.write_text(config)
    try:
        check = subprocess.run(["/usr/sbin/haproxy", "-c", "-f", str(path)], capture_output=True, text=True,
                               timeout=30)
    finally:
        path.unlink()
    assert check.returncode == 0, check.stdout + check.stderr


def test_compose_file_is_the_scripts_recipe():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    apps = sorted(name for name in services if name != "balancer")
    assert apps == ["app-1", "app-2"]
    for name in apps:  # the Dockerfile's image and its own entrypoint: one Streamlit process each
        assert services[name]["build"] == "." and services[name]["image"] == "rnn-explainer"
        assert "command" not in services[name] and "entrypoint" not in services[name]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    default_script = re.search(r'^SCRIPT="(.+)"$', SCRIPT.read_text(), re.M).group(1)
    assert f'"streamlit", "run", "{default_script}", "--server.address=0.0.0.0", "--server.port=8501"' in dockerfile
    balancer = services["balancer"]
    assert balancer["ports"] == ["8501:8501"]
    assert balancer["depends_on"] == {name: {"condition": "service_healthy"} for name in apps}
    (config,) = balancer["configs"]
    assert config["target"] == "/usr/local/etc/haproxy/haproxy.cfg"
    content = compose["configs"][config["source"]]["content"]
    assert "$" not in content  # Compose would interpolate it
    assert content == script_config("--port", "8501", "--backends", ",".join(f"{name}:8501" for name in apps))
