"""Helpers shared by the figure builders (no Streamlit, no rnn_core)."""

from __future__ import annotations

import math

import numpy as np


def fmt(value: float) -> str:
    """A number for hover text and labels: 3 significant digits, 'overflow' past the float range."""
    value = float(value)
    if math.isnan(value):
        return "NaN (overflow)"
    if math.isinf(value):
        return "+inf (overflow)" if value > 0 else "-inf (overflow)"
    return f"{value:.3g}"


def symmetric_range(*arrays, floor: float = 1.0) -> float:
    """R such that [-R, R] holds every finite value of the arrays, and R >= floor.

    Used as the colour range of diverging colourscales, so 0 is always the middle
    colour and a tanh state in [-1, 1] keeps its colours unless something is larger.
    """
    largest = floor
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            largest = max(largest, float(np.abs(finite).max()))
    return largest


def finite_for_colour(a, bound: float) -> np.ndarray:
    """Values for a colour axis: +-inf become +-bound, NaN becomes 0 (hover text says overflow)."""
    return np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=bound, neginf=-bound)
