"""Every figure a lesson sends is valid Plotly and within the 1 MB budget, at defaults and at maximum.

The figure builders assemble figures from plain dicts without Plotly's per-property validation
(app.figures.common.lean_figure, for speed); this test puts every chart's JSON, exactly as
Streamlit sends it, through plotly.graph_objects with full validation, frames included.
The course hands Streamlit its own fast copy of each figure (app.figures.common.plotly_spec); the
test also checks, chart by chart, that this copy is what Plotly's to_dict would have sent.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from app import lesson as lesson_kit
from app.course import available
from app.figures.common import plotly_spec
from benchmarks.settings import maximum_settings
from tests.app.helpers import assert_ran_cleanly, run_sections
from tests.figures.specs import decoded

BUDGET_BYTES = 1_000_000


@pytest.mark.parametrize("setting", ["default", "maximum"])
@pytest.mark.parametrize("lesson", available(), ids=lambda lesson: lesson.url_path)
def test_every_figure_is_valid_plotly_and_under_a_megabyte(lesson, setting, monkeypatch):
    params = maximum_settings(lesson) if setting == "maximum" else {}
    charts, differ, compared = [], [], []

    def checked_spec(figure):
        spec = plotly_spec(figure)
        compared.append(figure)
        if pio.to_json(spec, validate=False) != pio.to_json(figure.to_dict(), validate=False):
            differ.append(figure.layout.title.text)
        return spec

    monkeypatch.setattr(lesson_kit, "plotly_spec", checked_spec)
    for at in run_sections(lesson, params, timeout=300):  # every section (tab) of the lesson
        assert_ran_cleanly(at)
        charts += at.get("plotly_chart")
    assert charts, "every lesson draws at least one chart"
    assert len(compared) == len(charts) and not differ, differ
    for chart in charts:
        spec = chart.proto.spec
        assert len(spec.encode()) <= BUDGET_BYTES, (chart.proto.id, len(spec.encode()))
        figure = go.Figure(decoded(json.loads(spec)))  # raises on any invalid property
        assert figure.data or figure.frames
