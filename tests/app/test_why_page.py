"""Lesson 1 ("Why recurrent networks?") through AppTest: the figures hold rnn_core's numbers
at the defaults and at every control's extremes, in every section tab; hostile links are corrected;
the quizzes answer."""

import base64

import numpy as np
import pytest

from app.course import COURSE, available, page_for
from rnn_core import RNN
from rnn_core.shapes import (MEET_OPENING, MEET_VOCAB, SHAPES, dense_num_parameters, encode, layout, meet_message,
                             state_distance)
from app.figures.shapes import word_ticks
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, fragment_controls, link_notes,
                               open_section, run_lesson, run_sections)

LESSON = page_for("pages/1_why_rnns.py")
VOCAB = len(MEET_VOCAB)
SECTION = "why_part"  # the URL key of the lesson's section tabs
TITLES = ["Fixed size input", "One cell, any length", "Hidden state", "Sequence shapes", "Course map"]


def arr(value):
    """A figure array as NumPy: Plotly 6+ stores NumPy arrays as base64 typed arrays in the JSON."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return data.reshape([int(n) for n in str(shape).split(",")]) if shape else data
    return np.asarray(value, dtype=float)


def traces(fig):
    return {trace.get("name"): trace for trace in fig["data"]}


def every_section(at):
    """The figures of each section, in tab order, opening the tabs of this session one after another."""
    return [figures(open_section(at, SECTION, title)) for title in TITLES]


def link_figures(query=None):
    """The figures of each section, in tab order, each section opened by a link ?query&why_part=title."""
    runs = run_sections(LESSON, query)
    for at in runs:
        assert_ran_cleanly(at)
        assert link_notes(at) == []
    return [figures(at) for at in runs]


def check_figures(section_figures, words, hidden, seed, gap, shape, steps):
    """Every figure of every section against rnn_core, for the given control values."""
    (params,), (states,), (memory,), (diagram,), () = section_figures
    cell = RNN.random(VOCAB, hidden, seed=seed)
    dense_line, rnn_line, marks = params["data"]
    np.testing.assert_array_equal(arr(dense_line["y"]), [dense_num_parameters(VOCAB, t, hidden) for t in range(1, 51)])
    np.testing.assert_array_equal(arr(rnn_line["y"]), np.full(50, cell.num_parameters))
    np.testing.assert_array_equal(arr(marks["x"]), [words, words])
    np.testing.assert_array_equal(arr(marks["y"]), [dense_num_parameters(VOCAB, words, hidden), cell.num_parameters])

    sentence = meet_message("afternoon", 50)[:words]
    np.testing.assert_allclose(arr(states["data"][0]["z"]), cell.unroll(encode(sentence)).h.T,
                               rtol=1e-12)
    ticks = word_ticks(words, keep=(words - 1,))
    assert states["layout"]["xaxis"]["ticktext"] == [sentence[t] for t in ticks]

    xa, xb = encode(meet_message("afternoon", gap)), encode(meet_message("evening", gap))
    bars, line = memory["data"]
    np.testing.assert_allclose(arr(line["y"]), state_distance(cell.unroll(xa), cell.unroll(xb)), rtol=1e-12)
    np.testing.assert_allclose(arr(bars["y"]), np.linalg.norm(xa - xb, axis=1))
    xaxis = memory["layout"]["xaxis"]
    assert dict(zip(xaxis["tickvals"], xaxis["ticktext"]))[4] == "afternoon | evening"  # always labelled

    lay = layout(shape, steps)
    nodes = traces(diagram)
    np.testing.assert_array_equal(arr(nodes["input"]["x"]), lay.inputs)
    np.testing.assert_array_equal(arr(nodes["hidden state"]["x"]), range(lay.steps))
    np.testing.assert_array_equal(arr(nodes["output"]["x"]), lay.outputs)
    recurrent = [a for a in diagram["layout"].get("annotations", []) if a.get("name") == "recurrent"]
    assert len(recurrent) == lay.recurrent_edges


def test_defaults():
    check_figures(link_figures(), words=5, hidden=8, seed=0, gap=3, shape="many_to_one", steps=4)
    at = run_lesson(LESSON)
    assert "Why recurrent networks" in at.title[0].value
    # the equation shows the same counts as the figure
    latex = at.latex[0].value
    assert f"= {RNN.random(VOCAB, 8).num_parameters}" in latex
    assert f"= {dense_num_parameters(VOCAB, 5, 8)}" in latex


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("steps", [2, 6])
def test_every_shape_at_both_lengths(shape, steps):
    check_figures(link_figures({"shape": shape, "steps": str(steps)}),
                  words=5, hidden=8, seed=0, gap=3, shape=shape, steps=steps)


def test_selecting_a_shape_redraws_the_diagram():
    at = open_section(run_lesson(LESSON), SECTION, "Sequence shapes")
    at.button_group(key="shape").set_value("one_to_many").run()
    at.slider(key="steps").set_value(6).run()
    assert_ran_cleanly(at)
    assert any("Image captioning" in m.value for m in at.markdown)
    check_figures(every_section(at), words=5, hidden=8, seed=0, gap=3, shape="one_to_many", steps=6)


@pytest.mark.parametrize("words,hidden,gap,seed", [(1, 2, 0, 0), (50, 32, 30, 2**31 - 1), (50, 2, 30, 7)])
def test_control_extremes(words, hidden, gap, seed):
    section_figures = link_figures({"words": str(words), "hidden": str(hidden), "gap": str(gap), "seed": str(seed)})
    check_figures(section_figures, words=words, hidden=hidden, seed=seed, gap=gap, shape="many_to_one", steps=4)


def test_equation_separates_thousands_for_latex():
    at = run_lesson(LESSON, {"words": "50", "hidden": "32"})
    assert f"= {dense_num_parameters(VOCAB, 50, 32):,}".replace(",", "{,}") in at.latex[0].value


def test_truncation_and_padding_are_counted():
    long = run_lesson(LESSON, {"words": "13"})
    assert any("throws away its last 3 words" in m.value for m in long.markdown)
    short = run_lesson(LESSON, {"words": "4"})
    assert any("appends 6 all-zero words" in m.value for m in short.markdown)


def test_hostile_query_params_are_clamped_with_a_note():
    runs = run_sections(LESSON, {"words": "999", "hidden": "-4", "gap": "abc", "seed": "nan",
                                 "shape": "<script>alert(1)</script>", "steps": "1e9"})
    for at in runs:
        assert_ran_cleanly(at)
        assert at.slider(key="words").value == 50
        assert at.slider(key="hidden").value == 2
        assert at.number_input(key="seed").value == 0
        assert not any("<script>" in note for note in link_notes(at))
    _, _, memory_at, shapes_at, _ = runs
    assert memory_at.slider(key="gap").value == 3
    assert shapes_at.slider(key="steps").value == 6
    assert shapes_at.button_group(key="shape").value == "many_to_one"
    # words, hidden and seed above the tabs; gap in the Hidden state tab; shape and steps in Sequence shapes
    assert [len(link_notes(at)) for at in runs] == [3, 3, 4, 5, 3]
    check_figures([figures(at) for at in runs], words=50, hidden=2, seed=0, gap=3, shape="many_to_one", steps=6)


def test_course_map_links_every_built_lesson():
    at = run_lesson(LESSON, {SECTION: "Course map"})
    labels = [link.proto.label for link in at.get("page_link")]
    for item in available():
        assert f"{item.number}. {item.title}" in labels
    summaries = {m.value for m in at.markdown}
    assert all(item.summary in summaries for item in COURSE)


@pytest.mark.parametrize("key,right,wrong", [("quiz_dense", 1, 0), ("quiz_shape", 1, 3), ("quiz_memory", 1, 2)])
def test_quiz_feedback(key, right, wrong):
    at = run_lesson(LESSON)
    at.radio(key=key).set_value(right).run()
    assert [s.value for s in at.success] and at.success[0].value.startswith("Right.")
    at.radio(key=key).set_value(wrong).run()
    assert not at.success and at.error[0].value.startswith("Not quite")


def test_dense_quiz_numbers_come_from_the_core():
    at = run_lesson(LESSON)
    at.radio(key="quiz_dense").set_value(1).run()
    text = at.success[0].value
    assert f"{8 * 10 * VOCAB:,}" in text and f"{8 * 20 * VOCAB:,}" in text
    assert f"{8 * (VOCAB + 8):,}" in text


def test_show_code_reads_the_core_source():
    at = run_lesson(LESSON)
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    code = "\n".join(c.value for c in at.code)
    assert "def unroll(self, x, h0=None):" in code
    assert "def dense_num_parameters" in code and "def state_distance" in code


def test_memory_and_shape_panels_are_fragments_that_redraw_alone():
    """The gap slider and the shape controls live in st.fragment panels (moving them reruns only that
    panel); the panels still draw rnn_core's numbers, with the hidden size and seed of the controls panel."""
    assert fragment_controls(LESSON.path) == {"memory_panel": {"gap"}, "sequence_shape_panel": {"shape", "steps"},
                                              "why_demo": {"words", "hidden"}}
    at = run_lesson(LESSON, {"hidden": "5", "seed": "3", SECTION: "Hidden state"})
    at.slider(key="gap").set_value(17).run()
    assert_ran_cleanly(at)
    cell = RNN.random(VOCAB, 5, seed=3)
    words_a = meet_message("afternoon", 17)
    state_diff = state_distance(cell.unroll(encode(words_a)), cell.unroll(encode(meet_message("evening", 17))))
    time_step = len(MEET_OPENING)
    captions = [c.value for c in at.caption]
    assert any("(H = 5, seed 3)" in c and f"at *for* by {state_diff[-1]:.3g}" in c for c in captions)
    assert any(m.value.startswith(f"The difference fades from {state_diff[time_step]:.3g} at *afternoon* to "
                                  f"{state_diff[-1]:.3g} at *for* ({len(words_a) - 1 - time_step} steps later)")
               for m in at.markdown)
    check_figures(every_section(at), words=5, hidden=5, seed=3, gap=17, shape="many_to_one", steps=4)

    open_section(at, SECTION, "Sequence shapes")
    at.button_group(key="shape").set_value("many_to_many_synced").run()
    at.slider(key="steps").set_value(2).run()
    assert_ran_cleanly(at)
    assert at.slider(key="hidden").value == 5
    assert any(c.value.startswith("Many-to-many, synced with length 2: 2 inputs, 2 hidden states, 2 outputs")
               for c in at.caption)
    check_figures(every_section(at), words=5, hidden=5, seed=3, gap=17, shape="many_to_many_synced", steps=2)


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, TITLES, [1, 1, 1, 1, 0], "<b>Course</b>")
    at = run_lesson(LESSON, {SECTION: "Hidden state", "gap": "9"})
    assert at.slider(key="gap").value == 9 and not link_notes(at)
