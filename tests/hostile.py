"""Shared by the robustness tests: what a lesson's controls are, and what a hostile run must not do.

A lesson's controls are read off a default run (AppTest widget elements carry key, range and
options), so new controls are covered without editing these tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from app.course import available
from tests.app.helpers import run_sections, sections

NUMERIC = ("slider", "number_input")
WIDGET_CHOICES = ("selectbox", "segmented_control", "radio", "select_slider")
SECTIONS = "tabs"  # a lesson's section tabs (lesson.sections): a choice of title, bound to the URL
CHOICES = WIDGET_CHOICES + (SECTIONS,)
SWITCHES = ("toggle", "checkbox")


@dataclass(frozen=True)
class Control:
    kind: str
    key: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple[str, ...] = field(default=())


def widget_controls(at) -> list[Control]:
    found = []
    for kind in NUMERIC + WIDGET_CHOICES + SWITCHES:
        for element in at.get(kind):
            if not element.key:
                continue
            if kind in NUMERIC:
                found.append(Control(kind, element.key, float(element.min), float(element.max),
                                     float(element.step)))
            elif kind in CHOICES:
                found.append(Control(kind, element.key, options=tuple(str(o) for o in element.options)))
            else:
                found.append(Control(kind, element.key))
    found_tabs = sections(at)
    if found_tabs is not None:
        found.append(Control(SECTIONS, found_tabs[0], options=tuple(found_tabs[1])))
    return found


@lru_cache(maxsize=None)
def lesson_controls(url_path: str) -> tuple[Control, ...]:
    """The keyed widgets a lesson shows at its defaults, in every section (one AppTest run per section,
    cached per process), and the section tabs themselves."""
    lesson = next(lesson for lesson in available() if lesson.url_path == url_path)
    found = {}
    for at in run_sections(lesson):
        assert not at.exception, [e.value for e in at.exception]
        for control in widget_controls(at):
            found.setdefault(control.key, control)
    return tuple(found.values())


def section_control(controls) -> Control | None:
    return next((control for control in controls if control.kind == SECTIONS), None)


def problems(at) -> list[str]:
    """What a run did wrong: exceptions, errors, numeric widgets off their range, unknown options."""
    found = [f"exception: {e.value}" for e in at.exception]
    found += [f"st.error: {e.value}" for e in at.error]
    for kind in NUMERIC:
        for element in at.get(kind):
            value = element.value
            if value is None or not math.isfinite(float(value)):
                found.append(f"{kind} {element.key} has value {value!r}")
            elif not float(element.min) <= float(value) <= float(element.max):
                found.append(f"{kind} {element.key} = {value} outside [{element.min}, {element.max}]")
    for kind in ("selectbox", "segmented_control"):
        for element in at.get(kind):
            if element.value is not None and element.format_func(element.value) not in element.options:
                found.append(f"{kind} {element.key} = {element.value!r} is not an option")
    return found


def shown_text(at) -> list[str]:
    """The body of every text-bearing element and every widget label/value (as the page shows them)."""
    texts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(str(proto))
        children = getattr(node, "children", None) or {}
        for child in children.values() if isinstance(children, dict) else children:
            walk(child)

    walk(at._tree)
    return texts
