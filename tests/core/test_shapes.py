"""Lesson 1's numbers: sequence layouts, the dense layer's size, the hidden state's memory."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import RNN, Readout
from rnn_core.shapes import (MEET_OPENING, MEET_VOCAB, SHAPES, dense_num_parameters, encode, fit_to_length,
                             layout, meet_message, state_distance)

EXPECTED = {  # (steps, number of inputs, number of outputs, recurrent arrows) for length n
    "one_to_one": lambda n: (1, 1, 1, 0),
    "one_to_many": lambda n: (n, 1, n, n - 1),
    "many_to_one": lambda n: (n, n, 1, n - 1),
    "many_to_many_delayed": lambda n: (2 * n, n, n, 2 * n - 1),
    "many_to_many_synced": lambda n: (n, n, n, n - 1),
}


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(SHAPES), n=st.integers(1, 50))
def test_layout_counts(name, n):
    lay = layout(name, n)
    assert (lay.steps, len(lay.inputs), len(lay.outputs), lay.recurrent_edges) == EXPECTED[name](n)
    assert all(0 <= t < lay.steps for t in lay.inputs + lay.outputs)


def test_layout_positions():
    assert layout("one_to_many", 4).inputs == (0,)
    assert layout("many_to_one", 4).outputs == (3,)
    delayed = layout("many_to_many_delayed", 3)
    assert delayed.inputs == (0, 1, 2) and delayed.outputs == (3, 4, 5)  # the decoder starts after the encoder
    assert layout("many_to_many_synced", 3).outputs == (0, 1, 2)


@pytest.mark.parametrize("bad", [("two_to_two", 3), ("many_to_one", 0)])
def test_layout_rejects(bad):
    with pytest.raises(ValueError):
        layout(*bad)


@settings(max_examples=25, deadline=None)
@given(i=st.integers(1, 6), t=st.integers(1, 12), h=st.integers(1, 9))
def test_dense_parameters_count_an_actual_dense_layer(i, t, h):
    dense = Readout.random(t * i, h)  # a linear layer on the flattened (T, I) sequence
    assert dense_num_parameters(i, t, h) == sum(p.size for p in dense.params.values()) == h * t * i + h


def test_one_rnn_cell_reads_any_length():
    cell = RNN.random(4, 8, seed=3)
    assert cell.num_parameters == 8 * (4 + 8) + 2 * 8 == 112
    for t in (1, 5, 50):
        x = np.random.default_rng(t).normal(size=(t, 4))
        assert cell.unroll(x).h.shape == (t, 8)
    # the dense layer built for 5 steps cannot take 6
    dense = Readout.random(5 * 4, 8)
    with pytest.raises(ValueError):
        dense.forward(np.ones(6 * 4))


def test_fit_to_length_truncates_and_pads():
    x = np.arange(12.0).reshape(6, 2)
    short, dropped, padded = fit_to_length(x, 4)
    np.testing.assert_array_equal(short, x[:4])
    assert (dropped, padded) == (2, 0)
    long, dropped, padded = fit_to_length(x, 9)
    np.testing.assert_array_equal(long[:6], x)
    np.testing.assert_array_equal(long[6:], np.zeros((3, 2)))
    assert (dropped, padded) == (0, 3)


def test_meet_message_and_encoding():
    words = meet_message("afternoon", 3)
    assert words == ("we", "are", "free", "this", "afternoon", "and", "then", "we", "so", "let's", "meet", "for")
    x = encode(words)
    assert x.shape == (12, len(MEET_VOCAB))
    np.testing.assert_array_equal(x.sum(axis=1), np.ones(12))
    assert [MEET_VOCAB[k] for k in x.argmax(axis=1)] == list(words)
    with pytest.raises(ValueError):
        meet_message("noon", 1)


@pytest.mark.parametrize("gap", [0, 4, 20])
def test_state_distance_is_zero_before_the_time_word_and_not_after(gap):
    cell = RNN.random(len(MEET_VOCAB), 16, seed=0)
    a = cell.unroll(encode(meet_message("afternoon", gap)))
    b = cell.unroll(encode(meet_message("evening", gap)))
    d = state_distance(a, b)
    k = len(MEET_OPENING)  # index of the time word
    np.testing.assert_array_equal(d[:k], 0.0)  # identical words so far: identical states
    assert d[k] > 0.1
    assert np.all(d[k:] > 0)  # the state still differs at "for"
    np.testing.assert_allclose(d, np.linalg.norm(a.h - b.h, axis=1))
    # the last word alone is the same in both messages: a model that sees only it cannot tell them apart
    np.testing.assert_array_equal(a.x[-1], b.x[-1])
