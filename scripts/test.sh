#!/usr/bin/env bash
# The single test command: browser, balancer, Python dependencies, then the whole suite on 2 workers.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/debian_package.sh
# Playwright cannot download its own browser here: Debian's chromium package. HAProxy for
# tests/test_serve_class.py, which runs scripts/serve_class.sh (the balancer in front of the app).
need_debian_packages /usr/bin/chromium chromium /usr/sbin/haproxy haproxy

PY="$(command -v python || command -v python3)"
# A Debian system Python refuses plain pip installs (PEP 668); CI machines are throwaway.
"$PY" -m pip install -r requirements-test.txt \
    || "$PY" -m pip install --break-system-packages -r requirements-test.txt
"$PY" -m pytest -n 2 "$@"
