"""Shared by the benchmarks: write the measured numbers as JSON when --json PATH is given."""

from __future__ import annotations

import json


def save_json(path: str | None, data) -> None:
    """Write data to path as indented JSON; nothing when path is None (no --json)."""
    if path:
        with open(path, "w") as f:
            json.dump(data, f, indent=2)
