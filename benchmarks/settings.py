"""Lesson settings the benchmarks use: 'maximum' is every slider at the top of its range."""

from __future__ import annotations

from app.course import Page
from tests.hostile import NUMERIC, lesson_controls


def maximum_settings(lesson: Page) -> dict[str, str]:
    """URL parameters putting every numeric control of the lesson at its maximum (others at defaults).

    Controls are read off the lesson's default run, so a new slider is included automatically.
    Ranges that depend on another control (a step slider 0..T-1) are re-read once at the new maximum.
    """
    params: dict[str, str] = {}
    for _ in range(2):
        controls = lesson_controls(lesson.url_path) if not params else _controls_at(lesson, params)
        for control in controls:
            if control.kind in NUMERIC and control.kind != "number_input":
                params[control.key] = _fmt(control.hi)
    return params


def _controls_at(lesson: Page, params: dict[str, str]):
    from tests.app.helpers import run_lesson
    from tests.hostile import widget_controls

    return widget_controls(run_lesson(lesson, params, timeout=300))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
