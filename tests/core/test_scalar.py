"""The one-unit RNN of the warm-ups: the same numbers as the matrix cell, gradients by finite differences."""

import math

import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.scalar import backward, forward

XS = (1.0, 0.5, -1.0)


def test_forward_by_hand():
    fwd = forward(0.5, 0.8, 0.1, XS)
    h1 = math.tanh(0.5 * 1.0 + 0.1)
    h2 = math.tanh(0.5 * 0.5 + 0.8 * h1 + 0.1)
    h3 = math.tanh(-0.5 + 0.8 * h2 + 0.1)
    assert fwd.h == (0.0, h1, h2, h3)


def test_same_numbers_as_the_matrix_cell():
    w_x, w_h, b = 0.7, -1.3, 0.25
    cell = RNN(weight_ih=[[w_x]], weight_hh=[[w_h]], bias_ih=[b], bias_hh=[0.0])
    trace = cell.unroll(np.array(XS)[:, None], h0=np.array([0.4]))
    np.testing.assert_allclose(forward(w_x, w_h, b, XS, h0=0.4).h[1:], trace.h[:, 0], rtol=1e-15)
    grads = cell.backward(trace, np.array([[0.0], [0.0], [trace.h[-1, 0] - 0.3]]))
    result = backward(w_x, w_h, b, XS, target=0.3, h0=0.4)
    np.testing.assert_allclose([result.dw_x, result.dw_h, result.db],
                               [grads.params["weight_ih"][0, 0], grads.params["weight_hh"][0, 0],
                                grads.params["bias_ih"][0]], rtol=1e-12)
    np.testing.assert_allclose(result.dh, grads.h[:, 0], rtol=1e-12)


@pytest.mark.parametrize("w_h", [-2.0, 0.5, 1.5])
def test_every_gradient_by_finite_differences(w_h):
    w_x, b, y, eps = 0.9, -0.2, 0.6, 1e-6
    result = backward(w_x, w_h, b, XS, target=y)
    loss = lambda wx, wh, bb: 0.5 * (forward(wx, wh, bb, XS).h[-1] - y) ** 2  # noqa: E731
    assert result.loss == pytest.approx(loss(w_x, w_h, b), rel=1e-15)
    numeric = [(loss(w_x + eps, w_h, b) - loss(w_x - eps, w_h, b)) / (2 * eps),
               (loss(w_x, w_h + eps, b) - loss(w_x, w_h - eps, b)) / (2 * eps),
               (loss(w_x, w_h, b + eps) - loss(w_x, w_h, b - eps)) / (2 * eps)]
    np.testing.assert_allclose([result.dw_x, result.dw_h, result.db], numeric, rtol=1e-7, atol=1e-10)


def test_the_first_term_of_dw_h_is_zero_when_h0_is_zero():
    result = backward(0.5, 0.8, 0.1, XS, target=0.0)
    assert result.w_h_terms[0] == 0.0 and all(term != 0.0 for term in result.w_h_terms[1:])
