"""Lesson 7 (memory lab) through AppTest: press Train, numbers = the trainer's, typed sentences, hostile links."""

import contextlib
import io
import json

import numpy as np
import pytest

from app.course import REPO_ROOT, page_for
from rnn_core import tasks
from rnn_core.train import TrainConfig, context_spread, context_traces, predict, train
from tests.app.helpers import assert_ran_cleanly, figures, link_notes, plotly_array, run_lesson

LESSON = page_for("pages/7_memory_lab.py")
DATA = REPO_ROOT / "data" / "accuracy_vs_gap.json"
SMALL = {"lab_gap": "3", "lab_steps": "50", "lab_hidden": "6", "lab_seed": "11"}
SLIDERS = {"lab_gap": (0, 100), "lab_hidden": (4, 64), "lab_steps": (50, 2000), "lab_clip": (0.0, 10.0),
           "lab_forget_bias": (-3.0, 5.0), "lab_update_bias": (-3.0, 5.0)}


def config(kind, gap=3, steps=50, hidden=6, seed=11, **changes):
    return TrainConfig(cell=kind, gap=gap, steps=steps, hidden_size=hidden, seed=seed, **changes)


def press(at, label):
    [button] = [b for b in at.button if b.label == label]
    return button.click().run(timeout=180)


def test_defaults_before_training_explain_what_to_do_and_show_the_stored_chart():
    at = run_lesson(LESSON)
    assert_ran_cleanly(at)
    assert "Memory lab" in at.title[0].value
    assert any("Press **Train**" in i.value for i in at.info)
    [chart] = figures(at)  # only accuracy vs gap: nothing trained yet
    stored = json.loads(DATA.read_text())
    for k, kind in enumerate(["rnn", "lstm", "gru"]):
        assert list(chart["data"][k]["x"]) == stored["gaps"]
        np.testing.assert_allclose(plotly_array(chart["data"][k]["y"]), stored["accuracy"][kind])
    assert stored["config"] == {**TrainConfig().__dict__}


def test_press_train_with_small_settings_shows_the_trainers_numbers():
    at = run_lesson(LESSON, SMALL)
    at = press(at, "Train")
    assert_ran_cleanly(at)
    results = {kind: train(config(kind)) for kind in ("rnn", "lstm", "gru")}
    metrics = {m.label.split(":")[0]: m.value for m in at.metric}
    assert metrics == {"RNN (tanh)": f"{results['rnn'].accuracy:.1%}", "LSTM": f"{results['lstm'].accuracy:.1%}",
                       "GRU": f"{results['gru'].accuracy:.1%}"}
    curves, bars, memory, gates, vs_gap = figures(at)
    for k, result in enumerate(results.values()):
        np.testing.assert_allclose(plotly_array(curves["data"][2 * k]["y"]), result.eval_losses)
        np.testing.assert_allclose(plotly_array(curves["data"][2 * k + 1]["y"]), result.test_accuracies)
    tokens = tasks.encode(at.text_input(key="lab_sentence").value)
    for k, result in enumerate(results.values()):
        np.testing.assert_allclose(plotly_array(bars["data"][k]["y"]), predict(result.model, tokens), rtol=1e-6)
    lstm = results["lstm"].model
    unit = int(np.argmax(context_spread(lstm, tokens)))
    assert f"unit {unit}" in memory["layout"]["annotations"][0]["text"]
    for line, trace in zip(memory["data"][:4], context_traces(lstm, tokens).values()):
        np.testing.assert_allclose(plotly_array(line["y"]), trace.c[:, unit], rtol=1e-6)
    np.testing.assert_allclose(plotly_array(gates["data"][1]["customdata"]),
                               lstm.cell.unroll(tasks.one_hot_inputs(tokens[None], np.float32)[:, 0]).gates["f"].T,
                               rtol=1e-6)


def test_show_code_gives_a_pytorch_program_with_the_trained_lstms_probabilities():
    at = press(run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false"}), "Train")
    at.toggle(key="show_code").set_value(True).run(timeout=180)
    assert_ran_cleanly(at)
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(program, "<snippet>", "exec"), namespace)
    tokens = tasks.encode(at.text_input(key="lab_sentence").value)
    model = train(config("lstm")).model
    np.testing.assert_allclose(namespace["probabilities"].detach().numpy(), predict(model, tokens), rtol=1e-5)
    assert [b.proto.label for b in at.get("download_button")][:2] == ["Download CSV", "Download JSON"]


def test_a_second_student_with_the_same_settings_gets_the_result_without_training():
    first = press(run_lesson(LESSON, {**SMALL, "lab_seed": "12", "lab_rnn": "false", "lab_gru": "false"}), "Train")
    assert_ran_cleanly(first)
    second = run_lesson(LESSON, {**SMALL, "lab_seed": "12", "lab_rnn": "false", "lab_gru": "false"})
    assert_ran_cleanly(second)
    assert [m.value for m in second.metric] == [m.value for m in first.metric]
    assert not any("Press **Train**" in i.value for i in second.info)


def test_an_unknown_word_gets_a_message_listing_the_vocabulary():
    at = press(run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false"}), "Train")
    at.text_input(key="lab_sentence").input("morning pizza let's meet for").run()
    assert_ran_cleanly(at)
    [warning] = [w.value for w in at.warning if "pizza" in w.value]
    assert all(word in warning for word in tasks.VOCAB)
    assert len(figures(at)) == 2  # the curves and accuracy-vs-gap remain; no prediction for a bad sentence


def test_a_sentence_without_a_context_word_still_works():
    at = press(run_lesson(LESSON, {**SMALL, "lab_rnn": "false", "lab_gru": "false"}), "Train")
    at.text_input(key="lab_sentence").input("the plan let's meet for").run()
    assert_ran_cleanly(at)
    assert len(figures(at)) == 5


@pytest.mark.parametrize("end", [0, 1])
def test_every_slider_at_its_ends_before_training(end):
    at = run_lesson(LESSON, {key: str(ends[end]) for key, ends in SLIDERS.items()})
    assert_ran_cleanly(at)
    for key, ends in SLIDERS.items():
        assert at.slider(key=key).value == ends[end]


@pytest.mark.parametrize("params", [
    {"lab_gap": "0", "lab_hidden": "4", "lab_steps": "50", "lab_clip": "0", "lab_forget_bias": "-3",
     "lab_update_bias": "-3", "lab_lr": "0.03"},
    {"lab_gap": "100", "lab_hidden": "4", "lab_steps": "50", "lab_clip": "10", "lab_forget_bias": "5",
     "lab_update_bias": "5", "lab_lr": "0.001"},
    {"lab_gap": "0", "lab_hidden": "64", "lab_steps": "50", "lab_seed": "2147483647"},
])
def test_training_at_extreme_settings(params):
    at = press(run_lesson(LESSON, params), "Train")
    assert_ran_cleanly(at)
    assert len(at.metric) == 3
    for fig in figures(at):
        for d in fig["data"]:
            if "y" in d:
                assert np.all(np.isfinite(plotly_array(d["y"])))


def test_no_cell_switched_on_disables_train():
    at = run_lesson(LESSON, {"lab_rnn": "false", "lab_lstm": "false", "lab_gru": "false"})
    assert_ran_cleanly(at)
    [button] = [b for b in at.button if b.label == "Train"]
    assert button.disabled


def test_recompute_one_gap_live_draws_the_fresh_point():
    at = run_lesson(LESSON, {"lab_recompute_gap": "0", "lab_rnn": "false", "lab_lstm": "false", "lab_gru": "false"})
    at = press(at, "Recompute this gap")
    assert_ran_cleanly(at)
    stored = json.loads(DATA.read_text())
    base = TrainConfig(**stored["config"])
    chart = figures(at)[-1]
    live = {d["name"]: plotly_array(d["y"])[0] for d in chart["data"] if d["name"].endswith("just now")}
    assert set(live) == {"RNN (tanh), just now", "LSTM, just now", "GRU, just now"}
    assert live["LSTM, just now"] == train(base.replace(cell="lstm", gap=0)).accuracy


def test_hostile_links_are_clamped_and_never_rendered():
    at = run_lesson(LESSON, {"lab_gap": "1000", "lab_hidden": "-3", "lab_steps": "nan", "lab_lr": "**7**",
                             "lab_clip": "inf", "lab_seed": "-5", "lab_lstm": "maybe",
                             "lab_sentence": "<script>alert(1)</script> [x](javascript:alert(1))"})
    assert_ran_cleanly(at)
    assert at.slider(key="lab_gap").value == 100
    assert at.slider(key="lab_hidden").value == 4
    assert at.slider(key="lab_steps").value == TrainConfig().steps
    assert at.selectbox(key="lab_lr").value == TrainConfig().learning_rate
    assert at.slider(key="lab_clip").value == TrainConfig().clip
    assert at.number_input(key="lab_seed").value == 0
    notes = " ".join(link_notes(at))
    assert "Gap" in notes and "**7**" not in notes
    [warning] = [w.value for w in at.warning if "vocabulary" in w.value]
    assert "'script'" in warning and "<script>" not in warning
