"""AppTest helpers for page tests: run a lesson as a first visit would, read its figures."""

from __future__ import annotations

import ast
import re
import json

import numpy as np

from streamlit.testing.v1 import AppTest

from app.course import REPO_ROOT, Page
from tests.figures.specs import typed_array

ENTRYPOINT = REPO_ROOT / "app" / "streamlit_app.py"


def run_lesson(lesson: Page, query_params: dict | None = None, timeout: float = 60) -> AppTest:
    """Open a lesson through the real entrypoint, as a shared link ?query_params would."""
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=timeout)
    at.switch_page(f"../{lesson.file}")
    at.query_params.update(query_params or {})
    return at.run()


def sections(at: AppTest) -> tuple[str, list[str]] | None:
    """A lesson's section tabs (lesson.sections): their URL key and titles, or None if it has none."""
    stack = [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "tab_container":
            return node.proto.tab_container.query_param_key, [tab.label for tab in node.children.values()]
        stack.extend(getattr(node, "children", {}).values())
    return None


def run_sections(lesson: Page, query_params: dict | None = None, timeout: float = 60) -> list[AppTest]:
    """The lesson opened once per section, in tab order, as links ?query_params&key=title would."""
    first = run_lesson(lesson, query_params, timeout)
    found = sections(first)
    if found is None:
        return [first]
    key, titles = found
    return [first] + [run_lesson(lesson, {**(query_params or {}), key: title}, timeout) for title in titles[1:]]


def section_figures(lesson: Page, query_params: dict | None = None) -> tuple[list[AppTest], list[dict]]:
    """Each section's run and every figure of the lesson, section by section."""
    runs = run_sections(lesson, query_params)
    return runs, [figure for at in runs for figure in figures(at)]


def open_section(at: AppTest, key: str, title: str) -> AppTest:
    """Open a section tab in this session, as a click on it does (only the open tab runs).

    The click sets the tab's value and the browser's address follows it; AppTest keeps the address
    it was opened with, whose section would otherwise win, so both are set."""
    at.session_state[key] = title
    at.query_params[key] = title
    at.run()
    assert_ran_cleanly(at)
    return at


def check_section_tabs(lesson: Page, titles: list[str], charts: list[int], bad_title: str) -> str:
    """The lesson's sections are tabs called `titles`. Opened by its link, each section runs alone: it
    draws its `charts` charts and the closed tabs hold nothing. A title that is not one of them opens
    the first section, with a note. Returns the tabs' URL key."""
    at = run_lesson(lesson)
    key, found = sections(at)
    assert found == titles
    for index, title in enumerate(titles):
        if index:
            at = run_lesson(lesson, {key: title})
        assert_ran_cleanly(at)
        drawn = [len(tab.get("plotly_chart")) for tab in at.tabs]
        assert drawn == [n if i == index else 0 for i, n in enumerate(charts)]
        assert all(not tab.children for i, tab in enumerate(at.tabs) if i != index)  # nothing computed or sent
        assert not link_notes(at)
    at = run_lesson(lesson, {key: bad_title})
    assert link_notes(at) == [f":material/build: Link value for **Part** is not one of the sections; "
                              f"showing {titles[0]}."]
    assert len(at.tabs[0].get("plotly_chart")) == charts[0]
    return key


def figures(at: AppTest) -> list[dict]:
    """Every Plotly figure on the page as its JSON dict (AppTest has no plotly accessor)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def link_notes(at: AppTest) -> list[str]:
    """The captions controls.py shows when it corrected a value from the URL."""
    return [c.value for c in at.caption if c.value.startswith(":material/build: Link value")]


CHECK_FEEDBACK = ("**Not ", "**The figure shows ")  # a wrong pick in a check is an st.error, not a failure


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if not e.value.startswith(CHECK_FEEDBACK)]
    assert not errors, errors


def plotly_array(value) -> np.ndarray:
    """A data array from figure JSON: a plain list, or Plotly's typed array {dtype, bdata, shape}."""
    if isinstance(value, dict) and "bdata" in value:
        return typed_array(value).astype(np.float64)
    return np.array([np.nan if v is None else v for v in np.ravel(value)] if np.ndim(value) == 1 else
                    [[np.nan if v is None else v for v in row] for row in value], dtype=np.float64)


def fragment_controls(page) -> dict[str, set[str]]:
    """The page's module-level @st.fragment functions, each with the keys of the controls it creates."""
    found = {}
    for node in ast.parse(page.read_text()).body:
        if isinstance(node, ast.FunctionDef) and any(ast.unparse(d) == "st.fragment" for d in node.decorator_list):
            found[node.name] = {call.args[1].value for call in ast.walk(node)
                                if isinstance(call, ast.Call) and ast.unparse(call.func).startswith("controls.")
                                and len(call.args) > 1 and isinstance(call.args[1], ast.Constant)}
    return found


CONTROL_CALLS = ("controls.", "gated_cell_controls", "st.slider", "st.number_input", "st.selectbox", "st.toggle",
                 "st.button", "st.segmented_control", "st.text_input", "lesson.predict", "lesson.ControlPanel")


def module_level_controls(page) -> list[str]:
    """The control-creating calls in a page's module-level code, outside every function (expected: none, so that
    every control is in an @st.fragment and reruns only its part of the page)."""
    found = []
    for node in ast.parse(page.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            continue
        found += [ast.unparse(call.func) for call in ast.walk(node) if isinstance(call, ast.Call)
                  and ast.unparse(call.func).startswith(CONTROL_CALLS)]
    return found


def panel_controls(at: AppTest) -> dict[str, list[str]]:
    """The keys of the controls in a lesson's ControlPanel on the open tab: "box" (shown), "more" (under More
    controls) and "kept" (out of sight on this tab, keeping their values), each in page order.

    Each control has a cell of its own (a keyed container) and a style rule that says which of the three it is
    (lesson.ControlPanel.slot); Streamlit puts style-only HTML in its event container, outside the page."""
    states = {}

    def rules(node):
        body = getattr(getattr(node, "proto", None), "body", "") if type(node).__name__ == "Html" else ""
        for state, name in re.findall(r"/\* (\w+) \*/ .*?\.st-key-(\S+?_ctl_\d+)\)", body or ""):
            states[name] = state
        for child in (getattr(node, "children", {}) or {}).values():
            rules(child)

    def widgets(node):
        key = getattr(node, "key", None)
        if key and type(node).__name__ != "Block":
            yield key
        for child in (getattr(node, "children", {}) or {}).values():
            yield from widgets(child)

    found = {"box": [], "more": [], "kept": []}

    def cells(node):
        key = getattr(node, "key", None)
        if key in states:
            found[states[key]] += list(widgets(node))
            return
        for child in (getattr(node, "children", {}) or {}).values():
            cells(child)

    rules(at._tree)
    cells(at.main)
    return found


def moved_step_panel(lesson: Page, prefix: str, section: str, positions: dict[str, int]) -> AppTest:
    """A gated-cell lesson (prefix "lstm" or "gru") opened on one section's tab (?prefix_part=section), with its
    controls moved to `positions` ({control key: value})."""
    at = run_lesson(lesson, {f"{prefix}_part": section})
    for key, value in positions.items():
        at.slider(key=key).set_value(value)
    at.run()
    assert_ran_cleanly(at)
    return at


def check_step_panel_numbers(at: AppTest, lesson: Page, prefix: str, values: dict, state: str, step: int,
                             unit: int) -> None:
    """A gated lesson's cell tab at Step t = step, Unit j = unit (1-based): its equations show `values` (each to
    3 decimals) and state_step, its code prints output[step - 1, unit - 1]; then the gate maps, opened in the
    same session, outline the same square (the one Step t and the one Unit j carry over)."""
    latex = at.get("latex")[0].proto.body
    for value in values.values():
        assert f"{value:.3f}" in latex
    assert f"{state}_{{{step}}}" in latex
    assert any(f"The rows are unit {unit}'s at Step t = {step}" in m.value for m in at.markdown)   # said once, above
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    assert any(f"output[{step - 1}, {unit - 1}]" in code.value for code in at.code)
    open_section(at, f"{prefix}_part", "Gates over time")
    assert (at.slider(key=f"{prefix}_t").value, at.slider(key=f"{prefix}_unit").value) == (step, unit)
    (heatmaps,) = figures(at)
    outline = heatmaps["layout"]["shapes"][0]
    assert (outline["x0"], outline["y0"]) == (step - 0.5, unit - 0.5)
