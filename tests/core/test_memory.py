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
