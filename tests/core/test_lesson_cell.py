"""Lesson 2's network: W_hh with singular values s_max .. s_max/2, W_ih uniform in [-a, a], and the step-by-step
loop that the unrolled diagram draws, equal to the fast unroll."""

import numpy as np
import pytest

from rnn_core import RNN, sequences
from rnn_core.unrolled import lesson_cell, run_by_steps, spectral_radius


@pytest.mark.parametrize("hidden", [1, 2, 6, 16])
@pytest.mark.parametrize("s_max", [0.1, 1.0, 3.0])
def test_singular_values_and_input_scale(hidden, s_max):
    cell = lesson_cell(4, hidden, "tanh", s_max, 0.7, seed=3)
    np.testing.assert_allclose(np.linalg.svd(cell.weight_hh, compute_uv=False),
                               s_max * np.linspace(1.0, 0.5, hidden), rtol=1e-10)
    assert np.abs(cell.weight_ih).max() <= 0.7 + 1e-12          # uniform in [-a, a]
    base = RNN.random(4, hidden, seed=3)
    np.testing.assert_allclose(cell.weight_ih, 0.7 * np.sqrt(hidden) * base.weight_ih)
    assert spectral_radius(cell.weight_hh) <= s_max + 1e-9        # rho never above s_max


def test_input_scale_zero_gives_the_same_states_for_every_input():
    cell = lesson_cell(4, 5, "tanh", 1.0, 0.0, seed=1)
    words = cell.unroll(sequences.preset("words", 8)).h
    np.testing.assert_array_equal(words, cell.unroll(np.zeros((8, 4))).h)  # W_ih = 0: the biases and h_{t-1} remain
    assert np.abs(words).max() > 0


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("preset,length", [("words", 1), ("sine", 13), ("impulse", 40)])
def test_step_by_step_equals_the_fast_unroll(nonlinearity, preset, length):
    x = sequences.preset(preset, length)
    cell = lesson_cell(x.shape[1], 6, nonlinearity, 1.3, 1.0, seed=2)
    np.testing.assert_allclose(run_by_steps(cell, x), cell.unroll(x).h, rtol=1e-12, atol=1e-15)


def test_impulse_is_at_step_1():
    np.testing.assert_array_equal(sequences.preset("impulse", 4)[:, 0], [1, 0, 0, 0])
    assert "step 1" in sequences.PRESETS["impulse"]
    assert sequences.preset("sine", 2)[0, 0] == 0.0               # x_1 = sin(0)
