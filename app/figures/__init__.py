"""Pure figure builders: arrays in, plotly.graph_objects.Figure out.

Rules for every module here: import numpy, plotly and app.theme only (never streamlit,
never rnn_core), take the numbers rnn_core computed as arguments, and put them into
the figure unchanged, so a test can compare the figure's data with the core's output.

Modules:
    unrolled  -- unrolled_diagram: the RNN drawn step by step, animated with Plotly frames
    heatmaps  -- state_heatmap: a (time x unit) heatmap of states
    common    -- shared helpers: number formatting, symmetric colour ranges
"""

from .common import fmt, symmetric_range
from .heatmaps import state_heatmap
from .unrolled import unrolled_diagram

__all__ = ["fmt", "symmetric_range", "state_heatmap", "unrolled_diagram"]
