"""The one-unit cliff: forward, BPTT gradient vs finite differences, descent with and without clipping."""

import numpy as np
import pytest

from rnn_core import clip_by_norm
from rnn_core.cliff import (H0, ITERATIONS, LEARNING_RATE, START, STEPS, TARGET, cliff_gradient, cliff_loss,
                            cliff_states, cliff_surface, descend)


def test_states_follow_the_recurrence():
    hs = cliff_states(1.7, -0.2, steps=5, h0=0.3)
    h = 0.3
    for t in range(1, 6):
        h = 1.7 * np.tanh(h) - 0.2
        assert hs[t] == pytest.approx(h, rel=1e-15)
    assert cliff_loss(1.7, -0.2, steps=5, h0=0.3, target=0.1) == pytest.approx((h - 0.1) ** 2, rel=1e-14)


def test_surface_is_the_loss_on_the_grid():
    ws, bs = np.linspace(0.5, 3, 7), np.linspace(-1, 1, 5)
    surface = cliff_surface(ws, bs)
    assert surface.shape == (5, 7)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            assert surface[i, j] == pytest.approx(float(cliff_loss(w, b)), rel=1e-14)


@pytest.mark.parametrize("w,b", [(0.8, 0.3), (1.5, 0.1), (2.2, 0.6), (2.6, -0.9), (1.45, -0.16)])
def test_gradient_by_bptt_matches_finite_differences(w, b):
    loss, dw, db = cliff_gradient(w, b)
    assert loss == pytest.approx(float(cliff_loss(w, b)))
    eps = 1e-7
    numeric_w = (cliff_loss(w + eps, b) - cliff_loss(w - eps, b)) / (2 * eps)
    numeric_b = (cliff_loss(w, b + eps) - cliff_loss(w, b - eps)) / (2 * eps)
    assert dw == pytest.approx(float(numeric_w), rel=1e-5, abs=1e-7)
    assert db == pytest.approx(float(numeric_b), rel=1e-5, abs=1e-7)


def test_gradient_is_vectorised():
    w, b = np.array([0.8, 1.5, 2.2]), np.array([0.3, 0.1, 0.6])
    loss, dw, db = cliff_gradient(w, b)
    for k in range(3):
        single = cliff_gradient(w[k], b[k])
        assert (loss[k], dw[k], db[k]) == pytest.approx(tuple(float(v) for v in single), rel=1e-14)


def test_the_wall_has_a_huge_gradient_on_its_face():
    """Across the wall at w = 1.4 the loss jumps by more than 3 within 0.01 of b."""
    bs = np.linspace(-0.2, -0.1, 20001)
    loss, dw, db = cliff_gradient(np.full_like(bs, 1.4), bs)
    assert loss.max() - loss.min() > 3
    assert np.hypot(dw, db).max() > 1e4
    assert np.hypot(dw, db)[0] < 20 and np.hypot(dw, db)[-1] < 20   # the plateaus on either side are gentle


def test_unclipped_descent_is_thrown_far_by_the_cliff():
    plain = descend()
    assert (STEPS, H0, TARGET) == (50, 0.5, 0.7)
    assert plain.points.shape == (ITERATIONS + 1, 2)
    np.testing.assert_allclose(plain.points[0], START)
    k = plain.largest_step_index
    assert plain.largest_step > 100                  # one step of length > 100 in (w, b)
    assert plain.grad_norms[k] > 1e4                 # because the gradient there is > 10^4
    assert plain.largest_step == pytest.approx(LEARNING_RATE * plain.grad_norms[k], rel=1e-12)
    assert np.all(plain.step_lengths[:k] < 0.1)      # before the cliff it walked in small steps
    assert plain.distance_from_start[-1] > 50
    assert plain.losses[-1] > 100 * plain.losses[0]  # and the loss is far worse afterwards


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0, 5.0, 20.0])
def test_clipped_descent_is_not_thrown(threshold):
    plain = descend()
    clipped = descend(clip="norm", threshold=threshold)
    np.testing.assert_allclose(clipped.points[0], plain.points[0])
    assert clipped.largest_step <= LEARNING_RATE * threshold * (1 + 1e-12)
    assert clipped.largest_step < plain.largest_step / 50
    assert clipped.distance_from_start.max() < 1.5
    assert clipped.grad_norms[0] == plain.grad_norms[0]          # the same first gradient, only rescaled
    value_clipped = descend(clip="value", threshold=threshold)
    assert value_clipped.largest_step <= LEARNING_RATE * threshold * np.sqrt(2) * (1 + 1e-12)


def test_clipped_descent_reaches_the_valley():
    clipped = descend(clip="norm", threshold=2.0)
    assert clipped.losses[-1] < 1e-2
    assert clipped.losses[-1] < clipped.losses[0] / 100


def test_clipped_step_is_clip_by_norm_of_the_gradient():
    clipped = descend(clip="norm", threshold=1.0, iterations=3)
    _, dw, db = cliff_gradient(*START)
    step, norm = clip_by_norm({"w": np.asarray(dw), "b": np.asarray(db)}, 1.0)
    assert norm == pytest.approx(np.hypot(dw, db))
    np.testing.assert_allclose(clipped.points[1], np.array(START) - LEARNING_RATE * np.array([step["w"], step["b"]]))


def test_rejects_unknown_clip():
    with pytest.raises(ValueError):
        descend(clip="sideways")
