"""rnn_core.memory: shared training runs in the background, the time they have left, and the numbers behind the
memory lab's verdicts (a typed sentence's shape, a trained model on held-out sentences at every gap)."""

import threading
import time

import numpy as np
import pytest

from rnn_core import memory, tasks
from rnn_core.train import Progress, TrainConfig, evaluate, predict, train

SMALL = TrainConfig(gap=3, hidden_size=6, steps=60, batch_size=16, eval_every=10, test_size=64, seed=4,
                    target_accuracy=None)


def wait_until(condition, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


class Gate:
    """A stand-in trainer that reports every 10 steps and waits for the test between reports."""

    def __init__(self):
        self.go = threading.Semaphore(0)
        self.calls = []

    def __call__(self, config, callback):
        self.calls.append(config)
        for step in range(10, config.steps + 1, 10):
            self.go.acquire()
            callback(Progress(step=step, steps=config.steps, loss=1.0, test_accuracy=0.25,
                              eval_steps=(step,), eval_losses=(1.0,), eval_accuracies=(0.25,)))
        return f"trained {config.cell}"


def test_a_run_trains_in_the_background_to_the_trainers_numbers():
    run = memory.SharedRun(SMALL)
    assert memory.start([run], who="a") == [run]
    wait_until(lambda: run.done)
    expected = train(SMALL)
    np.testing.assert_array_equal(run.result.test_accuracies, expected.test_accuracies)
    np.testing.assert_array_equal(run.result.losses, expected.losses)
    assert memory.status([run]).fraction == 1.0 and memory.time_left([run]) == 0.0


def test_a_second_session_shares_the_run_instead_of_training_it_again():
    gate = Gate()
    run = memory.SharedRun(SMALL.replace(steps=20))
    assert memory.start([run], "a", trainer=gate) == [run]
    wait_until(lambda: run.state == memory.RUNNING)
    assert memory.start([run], "b", trainer=gate) == []      # already running: b watches it
    assert run.watchers == {"a", "b"}
    memory.unwatch([run], "a")                                # a leaves; b still waits: not cancelled
    gate.go.release()
    wait_until(lambda: run.progress is not None)
    assert not run.cancelled and run.steps_done == 10
    gate.go.release()
    wait_until(lambda: run.done)
    assert run.result == "trained lstm" and len(gate.calls) == 1


def test_a_run_nobody_waits_for_stops_and_can_be_started_again():
    gate = Gate()
    run = memory.SharedRun(SMALL.replace(steps=30))
    memory.start([run], "a", trainer=gate)
    gate.go.release()
    wait_until(lambda: run.progress is not None)
    memory.unwatch([run], "a")
    assert run.cancelled
    gate.go.release()                                         # the next report sees the flag and stops
    wait_until(lambda: run.state == memory.IDLE)
    assert run.progress is None and run.result is None
    memory.start([run], "b", trainer=gate)                    # someone asks again: it trains from the start
    for _ in range(3):
        gate.go.release()
    wait_until(lambda: run.done)
    assert len(gate.calls) == 2


def test_a_failed_run_says_why_and_the_next_start_tries_again():
    def broken(config, callback):
        raise FloatingPointError("overflow")

    run = memory.SharedRun(SMALL)
    memory.start([run], "a", trainer=broken)
    wait_until(lambda: run.state == memory.FAILED)
    assert memory.status([run]).failed == ("FloatingPointError: overflow",)
    assert memory.start([run], "a") == [run]
    wait_until(lambda: run.done)


def reported(config, step, started, updated, state=memory.RUNNING):
    run = memory.SharedRun(config)
    run.state, run.started, run.updated = state, started, updated
    run.progress = Progress(step=step, steps=config.steps, loss=1.0, test_accuracy=0.5)
    return run


def test_time_left_is_the_steps_left_times_the_measured_time_per_step():
    lstm = reported(SMALL.replace(cell="lstm", steps=1000), step=200, started=100.0, updated=110.0)  # 0.05 s/step
    assert lstm.seconds_per_step() == pytest.approx(0.05)
    assert memory.time_left([lstm], now=110.0) == pytest.approx(800 * 0.05)
    assert memory.time_left([lstm], now=112.0) == pytest.approx(800 * 0.05 - 2)   # 2 s already spent since
    # a cell not started yet: its steps at the measured speed, scaled by STEP_COST
    gru = memory.SharedRun(SMALL.replace(cell="gru", steps=500))
    gru.state = memory.QUEUED
    expected = 800 * 0.05 + 500 * 0.05 * memory.STEP_COST["gru"] / memory.STEP_COST["lstm"]
    assert memory.time_left([lstm, gru], now=110.0) == pytest.approx(expected)
    status = memory.status([lstm, gru], now=110.0)
    assert (status.steps_done, status.steps_planned, status.current) == (200, 1500, lstm)
    assert status.fraction == pytest.approx(200 / 1500)
    assert memory.describe_wait(status.seconds_left) == f"about {round(expected)} s left"


def test_time_left_before_any_report_says_it_is_measuring():
    queued = memory.SharedRun(SMALL)
    queued.state = memory.QUEUED
    assert memory.time_left([queued]) is None
    assert memory.describe_wait(None) == "measuring the speed"
    assert memory.describe_wait(125.4) == "about 2 min 5 s left"
    assert memory.describe_wait(0.2) == "almost done"


@pytest.mark.parametrize("sentence, shape", [
    ("afternoon so we could talk let's meet for", (8, 1, 4, 0, True)),
    ("morning let's meet for", (4, 1, 0, 0, True)),
    ("the plan morning so we let's meet for", (8, 3, 2, 2, True)),
    ("the plan let's meet for", (5, None, None, 0, True)),
    ("evening so we could", (4, 1, None, 0, False)),
])
def test_sentence_shape(sentence, shape):
    found = memory.sentence_shape(tasks.encode(sentence))
    assert (found.words, found.context, found.gap, found.before, found.ends_with_prompt) == shape


def test_a_sentence_at_the_trained_gap_has_the_training_shape():
    tokens = tasks.encode(tasks.example_sentence("evening", 60, seed=3))
    shape = memory.sentence_shape(tokens)
    assert shape.like_training(60) and not shape.like_training(59)
    assert memory.right_meal(tokens) == tasks.MEALS.index("dinner")
    assert memory.right_meal(tasks.encode("the plan let's meet for")) is None


def test_held_out_scores_at_the_trained_gap_are_the_trainers_held_out_numbers():
    result = train(SMALL)
    scores = memory.held_out_scores(result.model, SMALL.seed, (0, SMALL.gap, 9), SMALL.test_size)
    accuracy, confidence = scores.at(SMALL.gap)
    assert accuracy == result.accuracy
    test = tasks.held_out_set(SMALL.seed, SMALL.gap, SMALL.test_size, np.float32)
    assert (accuracy, ) == (evaluate(result.model, test)[1], )
    p = result.model.probabilities(test.x)
    assert confidence == pytest.approx(float(np.mean(p[np.arange(SMALL.test_size), test.targets])), rel=1e-6)
    # one sentence of that set gives the same probabilities through predict
    np.testing.assert_allclose(predict(result.model, test.tokens[0]), p[0], rtol=1e-5)
    assert scores.gaps == (0, SMALL.gap, 9) and len(scores.confidence) == 3


def test_a_session_that_has_gone_stops_counting_at_once_and_stops_watching_after_the_grace():
    live = {"a", "b"}
    run = memory.SharedRun(SMALL)
    run.state = memory.RUNNING
    memory.watch([run], "a", alive=lambda who: who in live)
    memory.watch([run], "b")                                   # keeps the run's liveness test
    assert memory.waiting(run, now=100.0) == 2
    live.discard("b")                                         # b's page was closed
    assert memory.waiting(run, now=100.0) == 1                # not counted any more ...
    assert run.watchers == {"a", "b"}                         # ... but still watching for the grace period
    memory.prune([run], now=100.0 + memory.GRACE - 1)
    assert run.watchers == {"a", "b"} and not run.cancelled
    memory.prune([run], now=100.0 + memory.GRACE)
    assert run.watchers == {"a"} and not run.cancelled
    live.add("b")                                             # a reload: b is back before the grace is over
    live.discard("a")
    memory.prune([run], now=200.0)
    live.add("a")
    memory.prune([run], now=200.0 + memory.GRACE)             # a came back: it still watches
    assert run.watchers == {"a"} and not run.gone
    live.clear()
    memory.prune([run], now=300.0)
    memory.prune([run], now=300.0 + memory.GRACE)
    assert run.watchers == set() and run.cancelled            # nobody left: the run stops at its next report


def test_a_run_whose_only_session_has_gone_stops_at_its_next_report(monkeypatch):
    monkeypatch.setattr(memory, "GRACE", 0.0)
    gate, live = Gate(), {"a"}
    run = memory.SharedRun(SMALL.replace(steps=30))
    memory.start([run], "a", trainer=gate, alive=lambda who: who in live)
    gate.go.release()
    wait_until(lambda: run.progress is not None)
    assert memory.waiting(run) == 1
    live.clear()                                              # the page was closed, nobody said so
    gate.go.release()                                         # the next report notices and stops the run
    wait_until(lambda: run.state == memory.IDLE)
    assert run.result is None and run.watchers == set()


def test_a_sentence_with_another_context_word_in_its_gap_is_not_a_training_sentence():
    shape = memory.sentence_shape(tasks.encode("morning evening so we let's meet for"))
    assert (shape.context, shape.gap, shape.others, shape.fillers) == (1, 3, ("evening",), 2)
    assert not shape.like_training(3)
    assert memory.sentence_shape(tasks.encode("morning so we let's meet for")).others == ()


def test_held_out_answers_count_each_words_chosen_meal():
    result = train(SMALL)
    scores = memory.held_out_scores(result.model, SMALL.seed, (SMALL.gap, 7), 64)
    for k in range(2):
        table = np.array(scores.answers[k])
        assert table.sum() == 64 and np.trace(table) / 64 == scores.accuracy[k]
    test = tasks.held_out_set(SMALL.seed, SMALL.gap, 64, np.float32)
    chosen = result.model.probabilities(test.x).argmax(axis=1)
    assert np.array(scores.answers[0])[test.targets[0], chosen[0]] >= 1
    made_up = memory.HeldOutScores((0,), 128, (0.0,), (0.05,), (((0, 29, 0, 0), (0, 0, 0, 29), (41, 0, 0, 0),
                                                                 (0, 0, 29, 0)),))
    assert made_up.fixed_answers(0) == (1, 3, 0, 2)
    mixed = memory.HeldOutScores((0,), 4, (0.0,), (0.1,), (((0, 1, 1, 0), (0, 0, 0, 1), (1, 0, 0, 0), (0, 0, 0, 0)),))
    assert mixed.fixed_answers(0) is None


def test_start_gradient_is_the_norm_of_the_jacobian_product_and_the_stored_chart_holds_it():
    from rnn_core.spectra import jacobian
    from rnn_core.train import init_model
    config = TrainConfig(cell="rnn", gap=4, hidden_size=5)
    logs = []
    for seed in (0, 1):
        model = init_model("rnn", 5, seed=seed, dtype=np.float64)
        batch = tasks.held_out_set(seed, 4, 3, np.float64)
        for k in range(3):
            product = jacobian(model.cell, model.cell.unroll(batch.x[:, k]), 0)     # d h_T / d h_1
            logs.append(np.log10(np.linalg.norm(product, 2)))
    assert memory.start_gradient_log10(config, (0, 1), sentences=3) == pytest.approx(np.mean(logs))
    import json
    from app.course import REPO_ROOT
    stored = json.loads((REPO_ROOT / "data" / "accuracy_vs_gap.json").read_text())
    k = stored["gaps"].index(10)
    base = TrainConfig(**stored["config"])
    assert stored["start_gradient_log10"]["rnn"][k] == pytest.approx(
        memory.start_gradient_log10(base.replace(cell="rnn", gap=10), stored["seeds"]), abs=1e-3)


def test_unit_memory_tells_a_fan_from_a_fade_and_finds_a_crossing():
    steps = np.arange(10.0)
    fan = memory.unit_memory({"a": 0.1 * steps, "b": -0.1 * steps, "c": 0.05 * steps, "d": 0 * steps}, 0)
    assert fan.fans_out and fan.crossing is None and fan.widest == 9
    assert fan.start == 0 and fan.end == pytest.approx(1.8)
    bump = np.minimum(steps, 9 - steps)                       # apart in the middle, together again at the end
    fade = memory.unit_memory({"a": bump, "b": -bump, "c": 0 * steps, "d": 0.5 * bump}, 0)
    assert not fade.fans_out and fade.widest in (4, 5) and fade.end == 0
    cross = memory.unit_memory({"a": steps, "b": 8 - steps, "c": 0 * steps, "d": 0 * steps}, 1)
    assert cross.crossing == ("a", "b", 5)                    # a - b changes sign between steps 5 and 6
    one = memory.unit_memory({"a": [0.2], "b": [0.1], "c": [0.0], "d": [0.3]}, 0)
    assert one.start == one.end == pytest.approx(0.3) and not one.fans_out


def test_saturated_share_counts_last_states_beyond_the_level():
    result = train(SMALL.replace(cell="rnn"))
    test = tasks.held_out_set(SMALL.seed, SMALL.gap, 64, np.float32)
    last = result.model.cell.unroll(test.x).h[-1]
    assert memory.saturated_share(result.model, SMALL.seed, SMALL.gap, 64, 0.5) == pytest.approx(
        float(np.mean(np.abs(last) > 0.5)))
