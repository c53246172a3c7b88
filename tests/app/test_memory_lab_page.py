"""Lesson 7 (memory lab) through AppTest: the stored chart and its prediction, Train, the trained models asked a
sentence (with their verdicts explained), inside the LSTM, recompute a gap, shared runs, hostile links."""

import contextlib
import io
import json
import numpy as np
import pytest

from app import lesson as kit
from app.course import REPO_ROOT, page_for
from rnn_core import memory, tasks
from rnn_core.train import TrainConfig, context_spread, context_traces, predict, train
from tests.app.helpers import assert_ran_cleanly, figures, link_notes, plotly_array, run_lesson

LESSON = page_for("pages/7_memory_lab.py")
DATA = REPO_ROOT / "data" / "accuracy_vs_gap.json"
STORED = json.loads(DATA.read_text())
SMALL = {"lab_gap": "3", "lab_steps": "50", "lab_hidden": "6", "lab_seed": "11"}
TRAIN, ASK, INSIDE = {"lab_part": "Train"}, {"lab_part": "Ask the models"}, {"lab_part": "Inside the LSTM"}
SLIDERS = {"Accuracy vs gap": {"lab_shown_gap": (0, 100)},
           "Train": {"lab_gap": (0, 100), "lab_hidden": (4, 64), "lab_steps": (50, 2000), "lab_clip": (0.0, 10.0),
                     "lab_forget_bias": (-3.0, 5.0), "lab_update_bias": (-3.0, 5.0)}}
SCORE_GAPS, SCORE_SIZE = tuple(range(0, 101, 10)), 128


def config(kind, gap=3, steps=50, hidden=6, seed=11, **changes):
    return TrainConfig(cell=kind, gap=gap, steps=steps, hidden_size=hidden, seed=seed, **changes)


def press(at, label):
    [button] = [b for b in at.button if b.label == label]
    return button.click().run(timeout=240)


def texts(at):
    return [m.value for m in at.markdown]


def trained(params):
    """The lab opened on the Train tab with ``params`` and Train pressed."""
    at = press(run_lesson(LESSON, {**params, **TRAIN}), "Train")
    assert_ran_cleanly(at)
    return at


def test_defaults_open_on_the_stored_chart_up_to_gap_20_with_its_numbers_in_the_text():
    at = run_lesson(LESSON)
    assert_ran_cleanly(at)
    assert "Memory lab" in at.title[0].value
    [chart] = figures(at)
    names = list(STORED["variants"])
    assert names == ["rnn", "lstm", "gru", "lstm_b0"]
    shown = [k for k, gap in enumerate(STORED["gaps"]) if gap <= 20]
    for trace, name in zip(chart["data"], names):
        assert list(trace["x"]) == [STORED["gaps"][k] for k in shown]
        np.testing.assert_allclose(plotly_array(trace["y"]), [STORED["accuracy"][name][k] for k in shown])
    assert any("gaps 30 to 100" in note["text"] for note in chart["layout"]["annotations"])
    k = STORED["gaps"].index(20)
    line = next(t for t in texts(at) if t.startswith("Each line is"))
    for name, label in (("rnn", "RNN (tanh)"), ("lstm", "LSTM"), ("gru", "GRU"), ("lstm_b0", "LSTM, b_f = 0")):
        assert f"{label}: {STORED['accuracy'][name][k]:.0%}" in line
    assert STORED["config"] == {**TrainConfig().__dict__}


def test_predict_then_move_the_answer_and_its_numbers_come_from_the_stored_runs():
    at = run_lesson(LESSON)
    check = kit.CHECKS[("memory_lab", "lab_predict_gap")]
    k = STORED["gaps"].index(60)
    cells = ["gru", "lstm", "rnn"]
    lowest = min(cells, key=lambda name: STORED["accuracy"][name][k])
    assert check.kind == "predict" and check.answer == cells.index(lowest)
    wrong = (check.answer + 1) % 3
    at.radio(key="lab_predict_gap").set_value(wrong).run()
    assert any("Now move **Longest gap shown** to 60" in i.value for i in at.info)
    at.slider(key="lab_shown_gap").set_value(60).run()
    assert_ran_cleanly(at)
    [feedback] = [e.value for e in at.error if e.value.startswith("**The figure shows")]
    assert feedback.startswith(f"**The figure shows {kit.LETTERS[check.answer]}, not {kit.LETTERS[wrong]}.**")
    for name in cells:
        assert f"{STORED['accuracy'][name][k]:.0%}" in feedback
    [chart] = figures(at)
    line = chart["data"][list(STORED["variants"]).index(lowest)]
    assert list(line["x"])[-1] == 60 and plotly_array(line["y"])[-1] == pytest.approx(STORED["accuracy"][lowest][k])


def test_press_train_with_small_settings_shows_the_trainers_numbers():
    at = trained(SMALL)
    results = {kind: train(config(kind)) for kind in ("rnn", "lstm", "gru")}
    metrics = {m.label.split(":")[0]: m.value for m in at.metric}
    assert metrics == {"RNN (tanh)": f"{results['rnn'].accuracy:.1%}", "LSTM": f"{results['lstm'].accuracy:.1%}",
                       "GRU": f"{results['gru'].accuracy:.1%}"}
    [curves] = figures(at)
    for k, result in enumerate(results.values()):
        np.testing.assert_allclose(plotly_array(curves["data"][2 * k]["y"]), result.eval_losses)
        np.testing.assert_allclose(plotly_array(curves["data"][2 * k + 1]["y"]), result.test_accuracies)
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download JSON"]
    line = next(t for t in texts(at) if t.startswith("Left: the training"))
    assert "on 512 [held-out](glossary#held-out-set) sentences at gap 3" in line


def test_before_training_the_train_tab_says_what_to_do_and_what_the_stored_runs_found():
    at = run_lesson(LESSON, {**TRAIN, "lab_seed": "999"})
    assert_ran_cleanly(at)
    assert not figures(at)
    assert any("Press **Train**" in i.value for i in at.info)
    k = STORED["gaps"].index(60)
    stored = next(t for t in texts(at) if t.startswith("In the runs made in advance at gap 60"))
    steps = STORED["steps"]["lstm"][k]
    assert (f"ended at {STORED['accuracy']['lstm'][k]:.0%} with $b_f = 3$ (after {steps[0]}, {steps[1]} and "
            f"{steps[2]} steps)") in stored
    assert f"at {STORED['accuracy']['lstm_b0'][k]:.0%} with $b_f = 0$ (after 1500, 1500 and 1500 steps)" in stored


@pytest.mark.parametrize("bias, gap", [(3.0, 60), (-3.0, 0), (5.0, 100), (0.0, 10)])
def test_the_forget_gate_start_and_its_memory_time_are_computed_from_the_sliders(bias, gap):
    at = run_lesson(LESSON, {**TRAIN, "lab_forget_bias": str(bias), "lab_gap": str(gap)})
    assert_ran_cleanly(at)
    f = 1 / (1 + np.exp(-bias))
    line = next(t for t in texts(at) if "bias sets where the LSTM's memory starts" in t)
    assert f"$f = \\sigma(b_f) = {f:.3f}$" in line and f"\\approx {1 / (1 - f):,.0f}$ steps" in line
    assert f"$f^{{{gap + 3}}} = {f ** (gap + 3):.2g}$" in line


def verdicts(at):
    return next(t for t in texts(at) if t.startswith("- **"))


def test_ask_the_trained_models_the_bars_and_every_number_beside_them_are_computed():
    trained(SMALL)
    at = run_lesson(LESSON, {**SMALL, **ASK})
    assert_ran_cleanly(at)
    sentence = at.text_input(key="lab_sentence").value
    tokens = tasks.encode(sentence)
    bars, by_gap = figures(at)
    models = {kind: train(config(kind)).model for kind in ("rnn", "lstm", "gru")}
    right = memory.right_meal(tokens)
    assert bars["data"][0]["x"][right] == f"{tasks.MEALS[right]} (right)"
    lines = verdicts(at).split("\n")
    for k, (kind, model) in enumerate(models.items()):
        p = predict(model, tokens)
        np.testing.assert_allclose(plotly_array(bars["data"][k]["y"]), p, rtol=1e-6)
        accuracy, confidence = memory.held_out_scores(model, 11, (3,), 512).at(3)
        assert f"gives **{tasks.MEALS[right]}** {p[right]:.0%} on your sentence" in lines[k]
        assert f"at gap 3 it picks the right meal for {accuracy:.0%} and gives it {confidence:.0%}" in lines[k]
        scores = memory.held_out_scores(model, 11, SCORE_GAPS, SCORE_SIZE)
        np.testing.assert_allclose(plotly_array(by_gap["data"][2 * k]["y"]), scores.accuracy)
        np.testing.assert_allclose(plotly_array(by_gap["data"][2 * k + 1]["y"]), scores.confidence)
    shape = memory.sentence_shape(tokens)
    assert shape.gap == 11
    form = next(t for t in texts(at) if t.startswith("Your sentence has its context word"))
    assert "then **11 filler words**" in form and "exactly 3 filler words: yours has 11, a length they never saw" in form
    typed = [d for d in by_gap["data"] if d["name"].endswith("your sentence")]
    assert [list(d["x"]) for d in typed] == [[11]] * 3
    note = next(c.value for c in at.caption if c.value.startswith("What the numbers are measured on"))
    assert "the 512 held-out sentences" in note and "gap 3" in note and "seed 11's test stream" in note \
        and f"{SCORE_SIZE} held-out sentences at each gap" in note and "the one sentence you typed" in note


def test_the_sentence_at_the_trained_gap_has_the_training_shape_and_the_page_says_so():
    trained(SMALL)
    at = run_lesson(LESSON, {**SMALL, **ASK})
    at = press(at, "Use a sentence at the trained gap (3 filler words)")
    assert_ran_cleanly(at)
    sentence = at.text_input(key="lab_sentence").value
    assert sentence == tasks.example_sentence("afternoon", 3, 11)
    assert memory.sentence_shape(tasks.encode(sentence)).like_training(3)
    form = next(t for t in texts(at) if t.startswith("Your sentence has its context word"))
    assert "then **3 filler words**" in form and form.endswith("yours has exactly that shape.")


def test_inside_the_lstm_counts_units_and_steps_from_one():
    trained(SMALL)
    at = run_lesson(LESSON, {**SMALL, **INSIDE})
    assert_ran_cleanly(at)
    tokens = tasks.encode(at.text_input(key="lab_sentence").value)
    lstm = train(config("lstm")).model
    index = int(np.argmax(context_spread(lstm, tokens)))
    assert f"Unit {index + 1} holds the context word" in [s.value for s in at.subheader]
    memory_figure, gates = figures(at)
    assert f"unit {index + 1}" in memory_figure["layout"]["annotations"][0]["text"]
    assert list(memory_figure["data"][0]["x"])[0] == 1
    for line, trace in zip(memory_figure["data"][:4], context_traces(lstm, tokens).values()):
        np.testing.assert_allclose(plotly_array(line["y"]), trace.c[:, index], rtol=1e-6)
    f = lstm.cell.unroll(tasks.one_hot_inputs(tokens[None], np.float32)[:, 0]).gates["f"]
    np.testing.assert_allclose(plotly_array(gates["data"][1]["customdata"]), f.T, rtol=1e-6)
    product = at.get("latex")[0].proto.body.strip("$\n")
    assert product == (rf"\prod_{{t=2}}^{{{len(tokens)}}} f_t^{{({index + 1})}} = {np.prod(f[1:, index]):.3f}")


def test_show_code_gives_a_pytorch_program_with_the_trained_lstms_probabilities():
    trained({**SMALL, "lab_rnn": "false", "lab_gru": "false"})
    at = run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false", **ASK})
    at.toggle(key="show_code").set_value(True).run(timeout=180)
    assert_ran_cleanly(at)
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(program, "<snippet>", "exec"), namespace)
    tokens = tasks.encode(at.text_input(key="lab_sentence").value)
    model = train(config("lstm")).model
    np.testing.assert_allclose(namespace["probabilities"].detach().numpy(), predict(model, tokens), rtol=1e-5)


def test_a_second_student_with_the_same_settings_gets_the_result_without_training():
    first = trained({**SMALL, "lab_seed": "12", "lab_rnn": "false", "lab_gru": "false"})
    second = run_lesson(LESSON, {**SMALL, "lab_seed": "12", "lab_rnn": "false", "lab_gru": "false", **TRAIN})
    assert_ran_cleanly(second)
    assert [m.value for m in second.metric] == [m.value for m in first.metric]
    assert not any("Press **Train**" in i.value for i in second.info)


def test_asking_before_training_offers_to_train_here():
    params = {**SMALL, "lab_seed": "13", "lab_rnn": "false", "lab_gru": "false", **ASK}
    at = run_lesson(LESSON, params)
    assert_ran_cleanly(at)
    assert not figures(at)
    assert any(i.value.startswith("Nothing is trained with these settings yet") for i in at.info)
    at = press(at, "Train them now")
    assert_ran_cleanly(at)
    bars, _ = figures(at)
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]),
                               predict(train(config("lstm", seed=13)).model,
                                       tasks.encode(at.text_input(key="lab_sentence").value)), rtol=1e-6)


def test_an_unknown_word_gets_a_message_listing_the_vocabulary():
    trained({**SMALL, "lab_rnn": "false", "lab_gru": "false"})
    at = run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false", **ASK})
    at.text_input(key="lab_sentence").input("morning pizza let's meet for").run()
    assert_ran_cleanly(at)
    [warning] = [w.value for w in at.warning if "pizza" in w.value]
    assert all(word in warning for word in tasks.VOCAB)
    assert not figures(at)


@pytest.mark.parametrize("sentence, says", [
    ("the plan let's meet for", "has no context word, so no meal is right"),
    ("morning so we could", "does not end with \"let's meet for\""),
    ("the plan morning so we let's meet for", "at step 3 after 2 other words, then **2 filler words**"),
])
def test_sentences_of_other_shapes_are_explained(sentence, says):
    trained({**SMALL, "lab_rnn": "false", "lab_gru": "false"})
    at = run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false", **ASK, "lab_sentence": sentence})
    assert_ran_cleanly(at)
    assert any(says in t for t in texts(at)), texts(at)
    assert len(figures(at)) == 2
    inside = run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false", **INSIDE, "lab_sentence": sentence})
    assert_ran_cleanly(inside)
    assert len(figures(inside)) == 2


@pytest.mark.parametrize("part, end", [(part, end) for part in SLIDERS for end in (0, 1)])
def test_every_slider_at_its_ends_before_training(part, end):
    params = {key: str(ends[end]) for sliders in SLIDERS.values() for key, ends in sliders.items()}
    at = run_lesson(LESSON, {**params, "lab_part": part})
    assert_ran_cleanly(at)
    for key, ends in SLIDERS[part].items():
        assert at.slider(key=key).value == ends[end]
    assert not link_notes(at)


@pytest.mark.parametrize("params", [
    {"lab_gap": "0", "lab_hidden": "4", "lab_steps": "50", "lab_clip": "0", "lab_forget_bias": "-3",
     "lab_update_bias": "-3", "lab_lr": "0.03"},
    {"lab_gap": "100", "lab_hidden": "4", "lab_steps": "50", "lab_clip": "10", "lab_forget_bias": "5",
     "lab_update_bias": "5", "lab_lr": "0.001"},
    {"lab_gap": "0", "lab_hidden": "64", "lab_steps": "50", "lab_seed": "2147483647"},
])
def test_training_at_extreme_settings_then_asking(params):
    at = trained(params)
    assert len(at.metric) == 3
    for part in (ASK, INSIDE):
        asked = run_lesson(LESSON, {**params, **part})
        assert_ran_cleanly(asked)
        for fig in figures(at) + figures(asked):
            for d in fig["data"]:
                if "y" in d:
                    assert np.all(np.isfinite(plotly_array(d["y"])))


def test_no_cell_switched_on_disables_train():
    at = run_lesson(LESSON, {"lab_rnn": "false", "lab_lstm": "false", "lab_gru": "false", **TRAIN})
    assert_ran_cleanly(at)
    [button] = [b for b in at.button if b.label == "Train"]
    assert button.disabled


def test_recompute_one_gap_live_draws_the_fresh_points_of_every_stored_line():
    at = run_lesson(LESSON, {"lab_shown_gap": "0"})
    at = press(at, "Recompute gap 0")
    assert_ran_cleanly(at)
    base = TrainConfig(**STORED["config"])
    [chart] = figures(at)
    live = {d["name"]: plotly_array(d["y"])[0] for d in chart["data"] if d["name"].endswith("just now")}
    assert set(live) == {"RNN (tanh), just now", "LSTM, just now", "GRU, just now", "LSTM, b_f = 0, just now"}
    assert live["LSTM, just now"] == train(base.replace(cell="lstm", gap=0)).accuracy
    assert live["LSTM, b_f = 0, just now"] == train(base.replace(cell="lstm", gap=0, forget_bias=0.0)).accuracy
    same = all(live[f"{name}, just now"] == STORED["by_seed"][key][0][0]
               for key, name in (("rnn", "RNN (tanh)"), ("lstm", "LSTM"), ("gru", "GRU"), ("lstm_b0", "LSTM, b_f = 0")))
    assert any(t.startswith("The runs just made match" if same else "The runs just made differ") for t in texts(at))
