"""Lesson 1 ("Why recurrent networks?") through AppTest: the figures hold rnn_core's numbers at the defaults and at
every control's extremes, in every tab; each sentence's numbers come from the same computation as the figure's;
hostile links are corrected; the checks answer."""

import base64
import contextlib
import io

import numpy as np
import pytest

from app.figures.gradients import fmt_number
from app.figures.shapes import word_ticks
from app.course import page_for
from rnn_core import RNN
from rnn_core.shapes import (MEET_OPENING, MEET_VOCAB, SHAPES, dense_num_parameters, encode, fit_to_length, layout,
                             meet_message, percent, share_left, state_distance)
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, fragment_controls, link_notes,
                               open_section, panel_controls, run_lesson, run_sections)

LESSON = page_for("pages/1_why_rnns.py")
VOCAB = len(MEET_VOCAB)
SECTION = "why_part"  # the URL key of the lesson's tabs
FIXED, ANY_LENGTH, MEMORY, SHAPE_PART = TITLES = ["Fixed size input", "One cell, any length", "Hidden state",
                                                  "Sequence shapes"]


def arr(value):
    """A figure array as NumPy: Plotly 6+ stores NumPy arrays as base64 typed arrays in the JSON."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return data.reshape([int(n) for n in str(shape).split(",")]) if shape else data
    return np.asarray(value, dtype=float)


def traces(fig):
    return {trace.get("name"): trace for trace in fig["data"]}


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def every_section(at):
    """The figures of each tab, in order, opening the tabs of this session one after another."""
    return [figures(open_section(at, SECTION, title)) for title in TITLES]


def link_figures(query=None):
    """The figures of each tab, in order, each tab opened by a link ?query&why_part=title."""
    runs = run_sections(LESSON, query)
    for at in runs:
        assert_ran_cleanly(at)
        assert link_notes(at) == []
    return [figures(at) for at in runs]


def check_figures(section_figures, words, hidden, seed, gap, shape, steps):
    """Every figure of every tab against rnn_core, for the given control values (steps drawn from 1)."""
    (params,), (states,), (memory,), (diagram,) = section_figures
    cell = RNN.random(VOCAB, hidden, seed=seed)
    dense_line, rnn_line, marks = params["data"]
    drawn = range(1, 51) if words >= 20 else range(1, words + 1)   # up to T until the T = 20 check is answered
    np.testing.assert_array_equal(arr(dense_line["x"]), drawn)
    np.testing.assert_array_equal(arr(dense_line["y"]), [dense_num_parameters(VOCAB, t, hidden) for t in drawn])
    np.testing.assert_array_equal(arr(rnn_line["y"]), np.full(50, cell.num_parameters))
    np.testing.assert_array_equal(arr(marks["x"]), [words, words])
    np.testing.assert_array_equal(arr(marks["y"]), [dense_num_parameters(VOCAB, words, hidden), cell.num_parameters])

    sentence = meet_message("afternoon", 50)[:words]
    np.testing.assert_allclose(arr(states["data"][0]["z"]), cell.unroll(encode(sentence)).h.T, rtol=1e-12)
    ticks = word_ticks(words, keep=(words - 1,))
    labels = [f"{t + 1} · {sentence[t]}" if len(ticks) < words else sentence[t] for t in ticks]  # thinned: numbered
    assert states["layout"]["xaxis"]["ticktext"] == labels
    assert states["layout"]["xaxis"]["tickvals"] == [t + 1 for t in ticks]   # step t of word t, from 1

    xa, xb = encode(meet_message("afternoon", gap)), encode(meet_message("evening", gap))
    bars, line = memory["data"]
    np.testing.assert_allclose(arr(line["y"]), state_distance(cell.unroll(xa), cell.unroll(xb)), rtol=1e-12)
    np.testing.assert_allclose(arr(bars["y"]), np.linalg.norm(xa - xb, axis=1))
    np.testing.assert_array_equal(arr(line["x"]), np.arange(1, len(xa) + 1))
    xaxis = memory["layout"]["xaxis"]
    assert dict(zip(xaxis["tickvals"], xaxis["ticktext"]))[len(MEET_OPENING) + 1] == "afternoon | evening"
    italic = [label.startswith("<i>") for label in xaxis["ticktext"]]       # the filler, and only the filler
    words = meet_message("afternoon", gap)
    shown = [words[int(value) - 1] for value in xaxis["tickvals"]]    # a phrase's label sits between its steps
    filler = range(len(MEET_OPENING) + 1, len(MEET_OPENING) + 1 + gap)
    assert italic == [value - 1 in filler for value in xaxis["tickvals"]], (shown, xaxis["ticktext"])

    lay = layout(shape, steps)
    nodes = traces(diagram)
    np.testing.assert_array_equal(arr(nodes["input"]["x"]), lay.inputs)
    np.testing.assert_array_equal(arr(nodes["hidden state"]["x"]), range(lay.steps))
    np.testing.assert_array_equal(arr(nodes["output"]["x"]), lay.outputs)
    recurrent = [a for a in diagram["layout"].get("annotations", []) if a.get("name") == "recurrent"]
    assert len(recurrent) == lay.recurrent_edges


def test_defaults():
    check_figures(link_figures(), words=5, hidden=8, seed=0, gap=3, shape="many_to_one", steps=3)
    at = run_lesson(LESSON)
    assert "Why recurrent networks" in at.title[0].value
    latex = at.latex[0].value   # the equation shows the same counts as the figure
    assert f"= {RNN.random(VOCAB, 8).num_parameters}" in latex
    assert f"= {dense_num_parameters(VOCAB, 5, 8)}" in latex
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"RNN cell: parameters for any length $T$": f"{RNN.random(VOCAB, 8).num_parameters:,}",
                       "Dense layer: parameters for exactly $T = 5$": f"{dense_num_parameters(VOCAB, 5, 8):,}"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("steps", [2, 4])
def test_every_shape_at_both_lengths(shape, steps):
    at = run_lesson(LESSON, {"shape": shape, "steps": str(steps), SECTION: SHAPE_PART})
    assert_ran_cleanly(at)
    (diagram,) = figures(at)
    lay = layout(shape, steps)
    nodes = traces(diagram)
    np.testing.assert_array_equal(arr(nodes["hidden state"]["x"]), range(lay.steps))
    said = text(at)
    assert (f"{len(lay.inputs)} input" in said and f"{lay.steps} hidden state" in said
            and f"{lay.recurrent_edges} recurrent arrow" in said)


def test_one_to_one_hides_steps_drawn_and_keeps_its_value():
    at = run_lesson(LESSON, {SECTION: SHAPE_PART, "steps": "4"})
    at.radio(key="shape").set_value("one_to_one").run()
    assert_ran_cleanly(at)
    assert (panel_controls(at)["box"], panel_controls(at)["more"]) == (["shape"], [])  # Steps drawn does nothing
    assert at.slider(key="steps").value == 4                # but kept, and back when another shape is picked
    at.radio(key="shape").set_value("one_to_many").run()
    assert "steps" in panel_controls(at)["box"] and at.slider(key="steps").value == 4


def test_selecting_a_shape_redraws_the_diagram():
    at = open_section(run_lesson(LESSON), SECTION, SHAPE_PART)
    at.radio(key="shape").set_value("one_to_many").run()
    at.slider(key="steps").set_value(4).run()
    assert_ran_cleanly(at)
    assert "Image captioning" in text(at)
    assert "One-to-many, 4 steps drawn: 1 input, 4 hidden states, 4 outputs and 3 recurrent arrows." in text(at)
    check_figures(every_section(at), words=5, hidden=8, seed=0, gap=3, shape="one_to_many", steps=4)


@pytest.mark.parametrize("words,hidden,gap,seed", [(1, 1, 0, 0), (50, 32, 30, 2**31 - 1), (50, 1, 30, 7)])
def test_control_extremes(words, hidden, gap, seed):
    section_figures = link_figures({"words": str(words), "hidden": str(hidden), "gap": str(gap), "seed": str(seed)})
    check_figures(section_figures, words=words, hidden=hidden, seed=seed, gap=gap, shape="many_to_one", steps=3)


def test_parameter_sentences_follow_the_figure():
    """At T = 1 the dense layer is the smaller one, and the text says so; at T = 50 it says every word adds more."""
    short = run_lesson(LESSON, {"words": "1", "hidden": "32"})
    dense, cell = dense_num_parameters(VOCAB, 1, 32), RNN.random(VOCAB, 32).num_parameters
    assert dense < cell and "At $T = 1$ the dense layer has fewer parameters than the cell" in text(short)
    long = run_lesson(LESSON, {"words": "50", "hidden": "32"})
    assert "At $T = 50$ the dense layer has more parameters than the cell, and every extra word adds more" in text(long)
    assert f"= {dense_num_parameters(VOCAB, 50, 32):,}".replace(",", "{,}") in long.latex[0].value


def test_truncation_and_padding_are_counted():
    long = run_lesson(LESSON, {"words": "13"})
    assert "truncation throws away its last 3 words" in text(long)
    short = run_lesson(LESSON, {"words": "4"})
    assert "padding appends 6 all-zero words" in text(short)


@pytest.mark.parametrize("hidden,answer", [(1, 2), (8, 2), (15, 2), (16, 1), (32, 1)])
def test_predict_dense_against_the_cell(hidden, answer):
    """The check asks how many times as many parameters the dense layer has at T = 20: its line is drawn only up to
    the T on screen until the prediction is made, and the answer and the figure's two points are one computation."""
    at = run_lesson(LESSON, {"hidden": str(hidden)})
    assert arr(figures(at)[0]["data"][0]["x"]).max() == 5          # not read off the figure before predicting
    assert "(the grey line, drawn up to your $T$ until you have made the prediction below)" in text(at)
    at.radio(key="why_predict_dense").set_value(0).run()
    assert any(f"Now move Sequence length T to 20" in i.value for i in at.info)
    assert "drawn up to your $T$ until you have made the prediction below" not in text(at)
    assert arr(figures(at)[0]["data"][0]["x"]).max() == 50         # predicted: the whole line
    at.slider(key="words").set_value(20).run()
    assert_ran_cleanly(at)
    dense, cell = dense_num_parameters(VOCAB, 20, hidden), RNN.random(VOCAB, hidden).num_parameters
    ratio = dense / cell
    assert answer == (0 if ratio < 2 else 1 if ratio <= 10 else 2)
    said = at.error[0].value
    assert said.startswith(f"**The figure shows {'ABC'[answer]}, not A.**")
    assert f"{dense:,}".replace(",", "{,}") in said and f"{ratio:.1f} times as many" in said
    marks = figures(at)[0]["data"][2]
    np.testing.assert_array_equal(arr(marks["y"]), [dense, cell])   # the figure's two points are the sentence's


def test_memory_sentences_are_the_figures_numbers():
    at = run_lesson(LESSON, {"hidden": "5", "seed": "3", "gap": "17", SECTION: MEMORY})
    assert_ran_cleanly(at)
    cell = RNN.random(VOCAB, 5, seed=3)
    words_a = meet_message("afternoon", 17)
    state_diff = state_distance(cell.unroll(encode(words_a)), cell.unroll(encode(meet_message("evening", 17))))
    time_step = len(MEET_OPENING)
    line = figures(at)[0]["data"][1]
    np.testing.assert_allclose(arr(line["y"]), state_diff, rtol=1e-12)
    change = "fades" if state_diff[-1] < state_diff[time_step] else "grows"
    assert (f"The difference {change} from {fmt_number(state_diff[time_step])} at *afternoon* to {fmt_number(state_diff[-1])} at "
            f"*for*, {len(words_a) - 1 - time_step} steps later") in text(at)
    assert f"only at step {time_step + 1}, the time word (blue bar, {np.sqrt(2):.3g}" in text(at)


def test_hostile_query_params_are_clamped_with_a_note():
    runs = run_sections(LESSON, {"words": "999", "hidden": "-4", "gap": "abc", "seed": "nan",
                                 "shape": "<script>alert(1)</script>", "steps": "1e9"})
    for at in runs:
        assert_ran_cleanly(at)
        assert at.slider(key="words").value == 50 and at.slider(key="hidden").value == 1
        assert at.number_input(key="seed").value == 0
        assert at.slider(key="gap").value == 3 and at.slider(key="steps").value == 4
        assert at.radio(key="shape").value == "many_to_one"
        assert not any("<script>" in note for note in link_notes(at))
        assert len(link_notes(at)) == 6  # every control is created on every tab, each with its note
    check_figures([figures(at) for at in runs], words=50, hidden=1, seed=0, gap=3, shape="many_to_one", steps=4)


@pytest.mark.parametrize("key,right", [("quiz_dense", 0), ("quiz_shape", 2), ("quiz_memory", 1)])
def test_quiz_feedback(key, right):
    at = run_lesson(LESSON)
    wrong = (right + 1) % 3
    at.radio(key=key).set_value(wrong).run()
    assert at.error[0].value.startswith(f"**Not {'ABC'[wrong]}.**") and not at.success
    at.radio(key=key).set_value(right).run()
    assert at.success[0].value.startswith(f"**{'ABC'[right]} is right.**")


def test_show_code_and_pytorch_print_the_pages_numbers():
    at = run_lesson(LESSON)
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    code = [c.value for c in at.code]
    assert any("def dense_num_parameters" in c for c in code) and any("def fit_to_length" in c for c in code)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(next(c for c in code if c.startswith("import torch")), {})
    assert out.getvalue().strip() == str(RNN.random(VOCAB, 8).num_parameters)   # the metric's number
    at = run_lesson(LESSON, {SECTION: ANY_LENGTH})
    at.toggle(key="show_code").set_value(True).run()
    code = "\n".join(c.value for c in at.code)
    assert "def step(self, x_t, h_prev):" in code and "def run_by_steps" in code and "def unroll(" not in code


def test_every_control_is_in_the_demo_and_each_tab_shows_its_own():
    assert fragment_controls(LESSON.path) == {"why_demo": {"words", "hidden", "gap", "shape", "steps"}}
    expected = [({"words", "hidden"}, set()), ({"words", "hidden"}, {"seed"}), ({"hidden", "gap"}, {"seed"}),
                ({"shape", "steps"}, set())]
    for at, (shown, folded) in zip(run_sections(LESSON), expected):
        panel = panel_controls(at)
        assert (set(panel["box"]), set(panel["more"])) == (shown, folded)


def test_values_are_kept_while_another_tab_is_open():
    at = run_lesson(LESSON, {"hidden": "5", "seed": "3", SECTION: MEMORY})
    at.slider(key="gap").set_value(17).run()
    open_section(at, SECTION, SHAPE_PART)
    at.radio(key="shape").set_value("many_to_many_synced").run()
    at.slider(key="steps").set_value(2).run()
    assert_ran_cleanly(at)
    assert at.slider(key="hidden").value == 5 and at.slider(key="gap").value == 17
    check_figures(every_section(at), words=5, hidden=5, seed=3, gap=17, shape="many_to_many_synced", steps=2)


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, TITLES, [1, 1, 1, 1], "<b>Course</b>")
    at = run_lesson(LESSON, {SECTION: MEMORY, "gap": "9"})
    assert at.slider(key="gap").value == 9 and not link_notes(at)


@pytest.mark.parametrize("words", [1, 5, 9])
def test_padding_sentence_says_which_sentences_teach_the_padded_weights(words):
    """The padded positions' weights multiply zeros: a dense layer's weight gradient, outer(dL/dy, x), is 0 there for
    this sentence and not for one long enough to reach them, which is what the sentence says."""
    at = run_lesson(LESSON, {"words": str(words)})
    padded = 10 - words
    said = text(at)
    assert (f"padding appends {padded} all-zero word{'s' if padded > 1 else ''}; the weights for those positions "
            "multiply zeros, so they learn nothing from your sentence, only from sentences long enough to reach "
            "them") in said and "shorter sentences" not in said
    rng = np.random.default_rng(0)
    upstream = rng.normal(size=8)                                 # dL/dy of the dense layer's 8 units
    for length, learns in ((words, False), (10, True)):
        x, _, _ = fit_to_length(encode(meet_message("afternoon", 50)[:length]), 10)
        grad = np.outer(upstream, x.reshape(-1)).reshape(8, 10, VOCAB)   # dL/dW, one block per position
        assert np.any(grad[:, words:, :] != 0) == learns


def test_hidden_state_says_how_much_is_left_as_its_figure_does():
    """The share of the time word's difference left at *for*: one computation for the sentence and the figure's label;
    at the defaults it fades to about 1%, and the text says it fades."""
    for query in ({}, {"gap": "30", "hidden": "1"}, {"gap": "0", "hidden": "32", "seed": "5"}):
        at = run_lesson(LESSON, {SECTION: MEMORY, **query})
        assert_ran_cleanly(at)
        gap, hidden, seed = int(query.get("gap", 3)), int(query.get("hidden", 8)), int(query.get("seed", 0))
        cell = RNN.random(VOCAB, hidden, seed=seed)
        diff = state_distance(cell.unroll(encode(meet_message("afternoon", gap))),
                              cell.unroll(encode(meet_message("evening", gap))))
        k = len(MEET_OPENING)
        left = share_left(diff, k)
        assert left == diff[-1] / diff[k]
        label = next(a for a in figures(at)[0]["layout"]["annotations"] if a.get("name") == "left")["text"]
        assert label == f"at <i>for</i>: {fmt_number(diff[-1])}<br>{percent(left)} of its size at step {k + 1}"
        if diff[-1] < diff[k]:
            only = "" if left < 0.001 else "only "           # never "only less than 0.1%"
            assert f"but it fades: {only}{percent(left)} of the difference it made is left at *for*." in text(at)
        else:
            assert f"at *for* the difference it made is {percent(left)} of what it was" in text(at)
        filler = dict.fromkeys(meet_message("afternoon", gap)[k + 1:k + 1 + gap])   # the italic tick labels
        said = text(at)
        if gap:
            assert "The italic words under the chart (" + ", ".join(f"*{w}*" for w in filler) + ") are filler" in said
        else:
            assert "italic" not in said
        if not query:
            assert percent(left) == "1.3%" and diff[-1] < diff[k]
    assert (percent(0.0004), percent(0.0125), percent(0.45), percent(1.3)) == ("less than 0.1%", "1.2%", "45%", "130%")


def test_delayed_shape_says_encoder_and_decoder_are_two_cells():
    at = run_lesson(LESSON, {SECTION: SHAPE_PART, "shape": "many_to_many_delayed"})
    said = text(at)
    assert "the decoder's (dark orange) another" in said and "Every hidden square is the same cell" not in said
    assert "the orange arrows carry $h_{t-1}$ into step $t$" in said
    synced = text(run_lesson(LESSON, {SECTION: SHAPE_PART, "shape": "many_to_many_synced"}))
    assert "Every hidden square is the same cell with the same weights." in synced


@pytest.mark.parametrize("hidden", [1, 8])
def test_the_cells_count_names_its_biases(hidden):
    said = text(run_lesson(LESSON, {"hidden": str(hidden)}))
    count = RNN.random(VOCAB, hidden).num_parameters
    assert count == hidden * (VOCAB + hidden) + 2 * hidden
    assert f"two bias vectors $b_{{ih}}$ and $b_{{hh}}$ of {hidden} number{'s' if hidden > 1 else ''} each" in said
    assert ("for its 1 unit" in said) == (hidden == 1) and "each of its 1 unit" not in said
