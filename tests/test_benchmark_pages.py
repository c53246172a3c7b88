"""The reference pages benchmarks.latency times next to the lessons: each runs, and its slider redraws
exactly what the benchmark says it does (a changed chart, or none)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def opened(script: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(BENCHMARKS / script), default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def after_one_step(at: AppTest) -> AppTest:
    slider = at.slider[0]
    slider.set_value(slider.value + 1)
    return at.run()


def test_floor_page_redraws_its_one_chart():
    at = opened("floor_app.py")
    assert not at.exception and len(at.slider) == 1
    before = chart_specs(at)
    after = chart_specs(after_one_step(at))
    assert len(before) == len(after) == 1 and before[0]["data"] != after[0]["data"]


@pytest.mark.parametrize("chart, traces", [("line", 1), ("labelled", 3)])
def test_skeleton_slider_changes_its_chart(chart, traces):
    at = opened("skeleton_app.py", {"chart": chart})
    assert not at.exception
    assert len(at.slider) == 2 and len(at.number_input) == 1 and len(at.radio) == 3 and len(at.tabs) == 4
    before = chart_specs(at)
    assert len(before) == 1 and len(before[0]["data"]) == traces
    after = chart_specs(after_one_step(at))
    assert before[0]["data"] != after[0]["data"]


def test_skeleton_without_a_chart_and_with_an_unknown_one():
    assert not chart_specs(opened("skeleton_app.py", {"chart": "none"}))
    unknown = opened("skeleton_app.py", {"chart": "<b>pie</b>"})  # falls back to the line chart
    assert not unknown.exception and len(chart_specs(unknown)) == 1


@pytest.mark.parametrize("parts, sliders, tabs, radios, equations", [
    ("", 1, 0, 0, 0), ("panel", 2, 0, 0, 0), ("tabs", 1, 4, 0, 0), ("latex", 1, 0, 0, 1), ("page", 1, 0, 3, 0),
    ("tabs,latex,<b>x</b>", 1, 4, 0, 1)])
def test_skeleton_keeps_only_the_named_parts(parts, sliders, tabs, radios, equations):
    at = opened("skeleton_app.py", {"parts": parts})  # what benchmarks.layout_costs times, piece by piece
    assert not at.exception
    assert (len(at.slider), len(at.tabs), len(at.radio), len(at.latex)) == (sliders, tabs, radios, equations)
    before = chart_specs(at)
    after = chart_specs(after_one_step(at))
    assert len(before) == 1 and before[0]["data"] != after[0]["data"]


def test_skeleton_chart_without_streamlits_theme():
    assert [chart.proto.theme for chart in opened("skeleton_app.py").get("plotly_chart")] == ["streamlit"]
    assert [chart.proto.theme for chart in opened("skeleton_app.py", {"theme": "none"}).get("plotly_chart")] == [""]


def test_layout_costs_times_every_part_of_the_skeleton():
    import ast

    from benchmarks import layout_costs

    source = ast.parse((BENCHMARKS / "skeleton_app.py").read_text())
    parts = next(ast.literal_eval(node.value) for node in source.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PARTS")
    assert layout_costs.SINGLE_PARTS == parts
    queries = [query for _, script, query in layout_costs.PAGES if script == "skeleton"]
    assert {"?parts=", "", "?theme=none"} <= set(queries) and len(queries) == len(set(queries))


def test_latency_compares_each_part_with_the_floor_measured_next_to_it():
    from benchmarks.latency import table, verdicts

    row = lambda page, setting, median, p95=0: dict(page=page, section="", setting=setting, presses=5, lost=0,  # noqa: E731
                                                     median_ms=median, p95_ms=p95, max_ms=p95)
    result = dict(cold_start=dict(server_healthy_s=1, first_lesson_rendered_s=2, lesson="x"), rows=[
        row("floor", "default (before a)", 100), row("a", "default", 190), row("a", "maximum", 0, 990),
        row("floor", "default (before b)", 140), row("b", "default", 300), row("b", "maximum", 0, 1000),
        row("floor", "default (end)", 100)])
    rows = verdicts(result)
    assert [r.get("floor_ms") for r in rows] == [None, 120, 120, None, 120, 120, None]
    assert [r.get("ratio_to_floor") for r in rows if r["page"] != "floor"] == [1.58, 0.0, 2.5, 0.0]
    assert [r["verdict"] for r in rows if r["page"] != "floor"] == ["ok", "ok", "ok (over the 2.0x aim)",
                                                                     "MISS (p95 >= 1 s)"]
    assert result["floor_spread_ms"] == (100, 140) and "from 100 to 140 ms" in table(result)
