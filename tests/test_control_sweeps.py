"""Property-based sweeps: every lesson, any combination of its controls over their full ranges.

Controls and ranges are read off each lesson's default run (tests/hostile.py), values are
drawn by hypothesis on each slider's step grid (bounds included), set through the URL as a
shared link would, and the page runs through the real entrypoint. Properties:
no exception, every numeric widget in range, no bare NaN/inf anywhere a student can read it
(page text, equations, figure labels and hover text) unless it is named as an overflow, and
figure JSON a browser can parse (no NaN/Infinity tokens, which would leave a blank chart).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.course import available
from tests.app.helpers import run_lesson
from tests.hostile import CHOICES, NUMERIC, SWITCHES, lesson_controls, problems, section_control

LESSONS = available()
TEXT_ELEMENTS = ("markdown", "caption", "latex", "text", "code", "metric", "info", "warning", "success",
                 "error", "title", "header", "subheader")
BARE_NONFINITE = re.compile(r"(?i)(?<![a-z\\])(nan|[-+]?inf(inity)?)(?![a-z])")


def grid_value(control, k: int) -> str:
    value = control.lo + k * control.step
    value = min(value, control.hi)
    return str(int(round(value))) if float(control.step).is_integer() and float(control.lo).is_integer() \
        else repr(round(value, 10))


def url_value(control) -> st.SearchStrategy[str]:
    """A valid URL value for one control, drawn from its whole range."""
    if control.kind in NUMERIC:
        steps = int(round((control.hi - control.lo) / control.step))
        if control.kind == "number_input":  # a seed: the range is 2**31; draw ends and a few values
            return st.one_of(st.sampled_from([control.lo, control.hi]), st.integers(int(control.lo), int(control.hi))) \
                .map(lambda v: str(int(v)))
        return st.integers(0, steps).map(lambda k: grid_value(control, k))
    if control.kind in CHOICES:
        return st.sampled_from(control.options)
    return st.sampled_from(["true", "false"])


def extreme(controls, end: str) -> dict:
    """Every numeric control at one end of its range (choices and switches at their first value)."""
    params = {}
    for control in controls:
        if control.kind in NUMERIC:
            params[control.key] = grid_value(control, 0 if end == "min" else
                                             int(round((control.hi - control.lo) / control.step)))
        elif control.kind in CHOICES and control.options:
            params[control.key] = control.options[0 if end == "min" else -1]
        elif control.kind in SWITCHES:
            params[control.key] = "true" if end == "max" else "false"
    return params


def readable_strings(at) -> list[str]:
    """Everything a student reads: text elements and the strings inside every figure. Plain-text code blocks
    (st.code with no language) are left out: they hold text, never a computed number (the text lab's samples,
    where a character model may well write "Nan" or "Inf", and text a student typed)."""
    strings = []
    for kind in TEXT_ELEMENTS:
        for element in at.get(kind):
            if kind == "code" and getattr(element, "language", None) == "plaintext":
                continue
            strings.append(str(getattr(element, "value", "") or getattr(element, "body", "")))

    def walk(node):
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict) and "bdata" not in node:
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return strings


def unexplained_nonfinite(strings: list[str]) -> list[str]:
    bad = []
    for text in strings:
        for match in BARE_NONFINITE.finditer(text):
            context = text[max(0, match.start() - 60): match.end() + 60]
            if "overflow" not in context.lower():
                bad.append(context)
    return bad


def strict_json_problems(at) -> list[str]:
    def refuse(token):
        raise ValueError(token)

    found = []
    for index, chart in enumerate(at.get("plotly_chart")):
        try:
            json.loads(chart.proto.spec, parse_constant=refuse)
        except ValueError as error:
            found.append(f"figure {index} JSON holds {error} (JSON.parse in the browser rejects it)")
    return found


def check(lesson, params: dict) -> None:
    at = run_lesson(lesson, params)
    found = problems(at) + strict_json_problems(at)
    found += [f"unexplained non-finite text: {text!r}" for text in unexplained_nonfinite(readable_strings(at))]
    assert not found, f"{lesson.url_path} {params}: {found}"


def test_nonfinite_check_can_fail():
    assert unexplained_nonfinite(["loss = nan", "norm inf", "h = -inf at step 3"]) == \
        ["loss = nan", "norm inf", "h = -inf at step 3"]
    assert not unexplained_nonfinite(["NaN (overflow)", "+inf (overflow)", "information", r"\infty", "Infinitely"[:0]])


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_control_at_one_end(lesson, end):
    controls = lesson_controls(lesson.url_path)
    params = extreme(controls, end)
    tabs = section_control(controls)
    for title in tabs.options if tabs else [None]:  # every section, so that each panel's controls run
        check(lesson, {**params, tabs.key: title} if tabs else params)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_random_combinations_over_full_ranges(lesson):
    controls = lesson_controls(lesson.url_path)
    strategy = st.fixed_dictionaries({}, optional={c.key: url_value(c) for c in controls})

    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(params=strategy)
    def sweep(params):
        check(lesson, params)

    sweep()


def test_only_plain_text_code_blocks_are_left_out():
    """A sampled "Nan then wife ..." is text; a NaN in a Python or output block is still found."""
    class Code:
        def __init__(self, value, language):
            self.value, self.language = value, language

    class Run:
        def get(self, kind):
            return [Code("ROMEO.\nNan then wife", "plaintext"), Code("h = nan", "python")] if kind == "code" else []

    strings = readable_strings(Run())
    assert strings == ["h = nan"] and unexplained_nonfinite(strings) == ["h = nan"]
