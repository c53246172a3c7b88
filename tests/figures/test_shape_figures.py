"""Lesson 1's figures draw exactly what rnn_core computed, in the theme's colours."""

import numpy as np
import pytest

from app.figures.heatmaps import state_heatmap
from app.figures.shapes import (DECODER, GROUPED_ABOVE, LABEL_AT, ROW, memory_figure, parameter_count_figure,
                                sequence_shape_figure, word_state_heatmap, word_ticks)
from app.theme import COLORS
from rnn_core import RNN
from rnn_core.shapes import (MEET_ENDING, MEET_OPENING, MEET_VOCAB, SHAPES, dense_num_parameters, encode, layout,
                             meet_message, state_distance)
from tests.figures.specs import validated


def traces_by_name(fig):
    return {trace.name: trace for trace in fig.data}


def arrows(fig, name):
    return [a for a in fig.layout.annotations if a.name == name]


@pytest.mark.parametrize("gap", [0, 8, 11, 12, 30])
def test_memory_figure_labels_every_word_of_the_message_and_thins_only_the_filler(gap):
    """A reader found "so let's meet" unlabelled at gaps 8 and 30: only filler words may lose their label. Past
    GROUPED_ABOVE words a phone's axis is too narrow for one label per word: the opening and the ending (but the
    blank's word "for") are one phrase each, under the middle of their steps."""
    words = meet_message("afternoon", gap)
    figure = memory_figure(words, np.zeros(len(words)), np.ones(len(words)), len(MEET_OPENING), filler=gap)
    steps = dict(zip(figure.layout.xaxis.tickvals, figure.layout.xaxis.ticktext))
    time_step, last = len(MEET_OPENING) + 1, len(words)
    assert steps[time_step] == "afternoon" and steps[last] == "for"
    if len(words) <= GROUPED_ABOVE:
        message = [t for t in range(len(words)) if not len(MEET_OPENING) < t <= len(MEET_OPENING) + gap]
        assert [steps[t + 1] for t in message] == list(MEET_OPENING) + ["afternoon"] + list(MEET_ENDING)
    else:
        assert steps[(1 + len(MEET_OPENING)) / 2] == " ".join(MEET_OPENING)
        assert steps[(last - len(MEET_ENDING) + 1 + last - 1) / 2 - 0.5] == " ".join(MEET_ENDING[:-1])
    fillers = {t: text for t, text in steps.items() if time_step < t < last - len(MEET_ENDING) + 1}
    assert all(text == words[int(t) - 1] and float(t).is_integer() for t, text in fillers.items())
    assert len(steps) <= 16


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("length", [1, 2, 5, 8])
def test_nodes_and_arrows_match_the_layout(name, length):
    lay = layout(name, length)
    fig = sequence_shape_figure(lay)
    nodes = traces_by_name(fig)
    assert list(nodes["input"].x) == list(lay.inputs)
    assert list(nodes["hidden state"].x) == list(range(lay.steps))
    assert list(nodes["output"].x) == list(lay.outputs)
    for role, trace in (("input", nodes["input"]), ("hidden", nodes["hidden state"]),
                        ("output", nodes["output"])):
        assert set(trace.y) == {ROW[role]}
        if role == "hidden" and name == "many_to_many_delayed":   # two RNNs: the decoder's cell in a second shade
            assert list(trace.marker.color) == [COLORS[role]] * length + [DECODER] * length
            parts = ["encoder"] * length + ["decoder"] * length
            assert all(text.endswith(f"({part} cell)") for text, part in zip(trace.hovertext, parts))
        else:
            assert trace.marker.color == COLORS[role]
    assert len(arrows(fig, "input")) == len(lay.inputs)
    assert len(arrows(fig, "output")) == len(lay.outputs)
    assert len(arrows(fig, "recurrent")) == lay.recurrent_edges
    assert {a.arrowcolor for a in arrows(fig, "recurrent")} <= {COLORS["hidden"]}
    # every recurrent arrow goes one step to the right along the hidden row
    for a in arrows(fig, "recurrent"):
        assert a.ax < a.x and round(a.x) - round(a.ax) == 1 and a.y == a.ay == ROW["hidden"]


def test_expected_counts_for_named_shapes():
    """The counts a student would read off the pictures, for length 4."""
    counts = {name: tuple(len(traces_by_name(sequence_shape_figure(layout(name, 4)))[role].x)
                          for role in ("input", "hidden state", "output")) for name in SHAPES}
    assert counts == {"one_to_one": (1, 1, 1), "one_to_many": (1, 4, 4), "many_to_one": (4, 4, 1),
                      "many_to_many_delayed": (4, 8, 4), "many_to_many_synced": (4, 4, 4)}
    assert arrows(sequence_shape_figure(layout("one_to_one", 4)), "recurrent") == []
    delayed = traces_by_name(sequence_shape_figure(layout("many_to_many_delayed", 3)))
    assert list(delayed["output"].text) == ["y<sub>1</sub>", "y<sub>2</sub>", "y<sub>3</sub>"]  # the decoder's own count
    assert list(delayed["output"].x) == [3, 4, 5]
    assert list(traces_by_name(sequence_shape_figure(layout("many_to_one", 3)))["output"].text) == ["y"]
    assert len(arrows(sequence_shape_figure(layout("many_to_many_delayed", 3)), "section")) == 2


def test_parameter_figure_plots_the_core_counts():
    cell = RNN.random(4, 8, seed=0)
    lengths = np.arange(1, 51)
    dense = [dense_num_parameters(4, t, 8) for t in lengths]
    fig = parameter_count_figure(lengths, cell.num_parameters, dense, current=7)
    dense_line, rnn_line, marks = fig.data
    np.testing.assert_array_equal(dense_line.y, 8 * lengths * 4 + 8)
    np.testing.assert_array_equal(rnn_line.y, np.full(50, 112))
    assert list(marks.y) == [8 * 7 * 4 + 8, 112] and list(marks.x) == [7, 7]
    assert rnn_line.line.color == COLORS["hidden"]


def test_word_heatmap_is_the_trace():
    words = meet_message("afternoon", 2)
    trace = RNN.random(14, 6, seed=1).unroll(np.random.default_rng(0).normal(size=(len(words), 14)))
    fig = word_state_heatmap(trace.h, words)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), trace.h.T)
    assert list(fig.layout.xaxis.ticktext) == list(words)  # "we" appears twice and keeps both columns
    assert list(fig.layout.xaxis.tickvals) == list(range(1, len(words) + 1))  # steps counted from 1
    assert list(fig.data[0].x) == list(range(1, len(words) + 1))


def test_word_ticks_thin_long_sentences_but_keep_the_key_words():
    assert word_ticks(12) == list(range(12))
    assert word_ticks(14) == [0, 2, 4, 6, 8, 10, 12]
    ticks = word_ticks(50, keep=(4, 49))
    assert {0, 4, 49} <= set(ticks) and 5 not in ticks and len(ticks) <= 13  # 5 would collide with 4
    fig = word_state_heatmap(np.zeros((50, 3)), meet_message("afternoon", 41))
    assert fig.layout.xaxis.ticktext[-1] == "50 · for"              # thinned: each label names its step
    assert fig.layout.xaxis.title.text == "step t · word read"
    assert word_state_heatmap(np.zeros((12, 3)), meet_message("afternoon", 3)).layout.xaxis.ticktext[-1] == "for"


def test_memory_figure_is_the_state_distance():
    words_a, words_b = meet_message("afternoon", 5), meet_message("evening", 5)
    xa, xb = encode(words_a), encode(words_b)
    cell = RNN.random(xa.shape[1], 16, seed=0)
    dist = state_distance(cell.unroll(xa), cell.unroll(xb))
    fig = memory_figure(words_a, np.linalg.norm(xa - xb, axis=1), dist, len(MEET_OPENING))
    bars, line = fig.data
    np.testing.assert_array_equal(line.y, dist)
    assert list(line.x) == list(bars.x) == list(range(1, len(words_a) + 1))   # steps counted from 1
    assert fig.layout.shapes[0].x0 == len(MEET_OPENING) + 1                  # the time word is step 5
    label = fig.layout.annotations[0]
    assert label.x == label.ax == len(words_a)                               # the blank comes after step T
    top = max(np.sqrt(2), dist.max())                     # the label above every bar and point, inside the range
    assert label.ayref == "y" and label.ay == LABEL_AT * top and fig.layout.yaxis.range[1] > (LABEL_AT + 0.3) * top
    expected_bars = np.zeros(len(words_a))
    expected_bars[len(MEET_OPENING)] = np.sqrt(2)  # two one-hot vectors differ in two entries
    np.testing.assert_allclose(bars.y, expected_bars)
    assert bars.marker.color == COLORS["input"] and line.line.color == COLORS["hidden"]


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("length", [2, 3, 4])
def test_nodes_leave_room_for_arrows_on_a_phone(name, length):
    """On a 390 px phone the plot is about 338 px wide: a node takes at most 80% of a step, so the arrows between
    neighbouring nodes stay visible (Steps drawn goes up to 4: the delayed shape then has 8 states)."""
    fig = sequence_shape_figure(layout(name, length))
    low, high = fig.layout.xaxis.range
    step_px = 338 / (high - low)
    assert fig.data[1].marker.size <= 0.8 * step_px, (fig.data[1].marker.size, step_px)


@pytest.mark.parametrize("words, hidden, gap, steps", [(5, 8, 3, 3), (50, 32, 30, 4)])  # lesson 1: default, largest
def test_every_figure_passes_plotlys_validation_unchanged(words, hidden, gap, steps):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    vocab = len(MEET_VOCAB)
    cell = RNN.random(vocab, hidden, seed=0)
    lengths = np.arange(1, 51)
    sentence = meet_message("afternoon", 50)[:words]
    words_a, words_b = meet_message("afternoon", gap), meet_message("evening", gap)
    xa, xb = encode(words_a), encode(words_b)
    figures = {f"{name} shape": sequence_shape_figure(layout(name, steps)) for name in SHAPES}
    figures["titled shape"] = sequence_shape_figure(layout("one_to_one", 1), title="one", names={("input", 0): "x"})
    dense = [dense_num_parameters(vocab, int(t), hidden) for t in lengths]
    figures["parameters"] = parameter_count_figure(lengths, cell.num_parameters, dense, words)
    states = cell.unroll(encode(sentence)).h
    figures["word heatmap"] = word_state_heatmap(states, sentence)
    figures["state heatmap"] = state_heatmap(states, step_labels=sentence, highlight=(words - 1, hidden - 1))
    figures["state heatmap, overflow"] = state_heatmap(np.where(states > 0.5, np.inf, states), name="c")
    figures["memory"] = memory_figure(words_a, np.linalg.norm(xa - xb, axis=1),
                                      state_distance(cell.unroll(xa), cell.unroll(xb)), len(MEET_OPENING))
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
