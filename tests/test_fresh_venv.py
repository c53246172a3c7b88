"""Streamlit Community Cloud installs requirements.txt and nothing else: prove that is enough.

A fresh virtual environment (no system site-packages) gets only `pip install -r requirements.txt`
(pip reads its usual index/cache configuration), then, inside it:
- every lesson runs through the real entrypoint under AppTest with no exception;
- `streamlit run app/streamlit_app.py` serves and answers /_stcore/health, and a lesson page loads.
Slow by nature (an install): one test, a few minutes at most.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.helpers import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent

RUN_EVERY_PAGE = textwrap.dedent("""
    import json, sys
    from streamlit.testing.v1 import AppTest
    sys.path.insert(0, ".")
    from app.course import available
    failures = {}
    for lesson in available():
        at = AppTest.from_file("app/streamlit_app.py", default_timeout=300)
        at.switch_page("../" + lesson.file)
        at.run()
        errors = [e.value for e in at.exception]
        if errors or not at.title:
            failures[lesson.file] = errors or ["no title rendered"]
    print(json.dumps({"lessons": [l.file for l in available()], "failures": failures}))
""")


@pytest.mark.timeout(900)
def test_requirements_txt_alone_runs_every_page(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
                             cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    # Only what requirements.txt brought: the test tools of this environment are absent.
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; "
                            "print([m for m in ('pytest', 'hypothesis', 'torch', 'playwright') if u.find_spec(m)])"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]", probe.stdout + probe.stderr

    pages = subprocess.run([str(python), "-c", RUN_EVERY_PAGE], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert pages.returncode == 0, pages.stderr[-3000:]
    import json
    report = json.loads(pages.stdout.strip().splitlines()[-1])
    assert len(report["lessons"]) >= 6
    assert report["failures"] == {}, report["failures"]

    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "streamlit"), "run", "app/streamlit_app.py",
                               "--server.headless", "true", "--server.address", "127.0.0.1",
                               "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                              cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"streamlit exited with {server.returncode}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "streamlit from the fresh venv never became healthy"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/rnn_unrolled", timeout=30) as response:
            assert response.status == 200 and b"<div id=\"root\">" in response.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
