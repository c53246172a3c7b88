"""Every figure a lesson sends is valid Plotly and within the 1 MB budget, at defaults and at maximum.

The figure builders assemble figures from plain dicts without Plotly's per-property validation
(app.figures.common.lean_figure, for speed); this test puts every chart's JSON, exactly as
Streamlit sends it, through plotly.graph_objects with full validation, frames included.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from app.course import available
from benchmarks.settings import maximum_settings
from tests.app.helpers import assert_ran_cleanly, run_sections
from tests.figures.specs import decoded

BUDGET_BYTES = 1_000_000


@pytest.mark.parametrize("setting", ["default", "maximum"])
@pytest.mark.parametrize("lesson", available(), ids=lambda lesson: lesson.url_path)
def test_every_figure_is_valid_plotly_and_under_a_megabyte(lesson, setting):
    params = maximum_settings(lesson) if setting == "maximum" else {}
    charts = []
    for at in run_sections(lesson, params, timeout=300):  # every section (tab) of the lesson
        assert_ran_cleanly(at)
        charts += at.get("plotly_chart")
    assert charts, "every lesson draws at least one chart"
    for chart in charts:
        spec = chart.proto.spec
        assert len(spec.encode()) <= BUDGET_BYTES, (chart.proto.id, len(spec.encode()))
        figure = go.Figure(decoded(json.loads(spec)))  # raises on any invalid property
        assert figure.data or figure.frames
