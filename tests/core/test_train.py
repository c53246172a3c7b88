"""The memory-lab trainer: exact gradients, reproducible runs, early stopping, a real learning run."""

import numpy as np
import pytest

from rnn_core import tasks
from rnn_core.readout import softmax_cross_entropy
from rnn_core.train import (Progress, TrainConfig, context_spread, evaluate, init_model, loss_and_grads, predict,
                            sentence_trace, train)
from tests.numeric import numeric_gradient


def numeric_grads(model, x, targets, eps=1e-6):
    params = {name: np.array(p) for name, p in model.params.items()}

    def loss():
        _, logits = model.with_params(params).forward(x)
        return softmax_cross_entropy(logits, targets)[0].mean()

    return {name: numeric_gradient(loss, p, eps) for name, p in params.items()}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_trainer_gradients_equal_finite_differences(kind):
    model = init_model(kind, 3, seed=1, dtype=np.float64, forget_bias=1.0, update_bias=-0.5)
    batch = tasks.sample_batch(np.random.default_rng(0), gap=2, batch_size=3)
    loss, grads, _ = loss_and_grads(model, batch.x, batch.targets)
    numeric = numeric_grads(model, batch.x, batch.targets)
    assert set(grads) == set(numeric) == {"cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh",
                                          "readout.weight", "readout.bias"}
    for name in grads:
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-6, atol=1e-9, err_msg=name)
    assert loss == pytest.approx(softmax_cross_entropy(model.forward(batch.x)[1], batch.targets)[0].mean())


def test_gate_bias_initialisation_is_a_parameter():
    lstm = init_model("lstm", 4, forget_bias=3.0).cell
    np.testing.assert_array_equal(lstm.block("f", "bias_ih"), 3.0)
    np.testing.assert_array_equal(lstm.block("f", "bias_hh"), 0.0)
    gru = init_model("gru", 4, update_bias=2.0).cell
    np.testing.assert_array_equal(gru.block("z", "bias_ih"), 2.0)
    default = init_model("lstm", 4, forget_bias=None).cell
    assert np.all(np.abs(default.block("f", "bias_ih")) <= 0.5)  # PyTorch's U(-1/sqrt(H), 1/sqrt(H))


def test_short_run_at_gap_5_learns_the_lstm_to_high_accuracy():
    config = TrainConfig(cell="lstm", gap=5, hidden_size=16, steps=300, batch_size=32, learning_rate=0.01,
                         forget_bias=1.0, eval_every=10, test_size=256, seed=0)
    result = train(config)
    assert result.accuracy >= 0.95
    assert result.stopped_early and result.steps_run < 300
    assert result.losses[-10:].mean() < 0.6 * np.log(4)  # chance-level loss is ln 4
    # the final model scores exactly the recorded accuracy on the held-out set
    held_out = tasks.held_out_set(0, 5, 256, np.float32)
    assert evaluate(result.model, held_out)[1] == result.accuracy


def test_same_config_same_run_other_seed_other_run():
    config = TrainConfig(cell="gru", gap=3, hidden_size=8, steps=30, batch_size=16, eval_every=10,
                         test_size=64, target_accuracy=None, dtype="float64")
    a, b = train(config), train(config)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.model.cell.weight_hh, b.model.cell.weight_hh)
    c = train(config.replace(seed=1))
    assert not np.array_equal(a.losses, c.losses)


def test_training_does_not_change_its_starting_model():
    config = TrainConfig(cell="rnn", gap=2, hidden_size=5, steps=5, batch_size=4, eval_every=5, test_size=8)
    start = init_model("rnn", 5, seed=0, dtype=np.float32)
    result = train(config)
    np.testing.assert_array_equal(init_model("rnn", 5, seed=0, dtype=np.float32).cell.weight_hh,
                                  start.cell.weight_hh)
    assert not np.array_equal(result.model.cell.weight_hh, start.cell.weight_hh)


def test_progress_callback_sees_every_evaluation():
    seen = []
    config = TrainConfig(cell="lstm", gap=4, hidden_size=6, steps=35, batch_size=8, eval_every=10,
                         test_size=32, target_accuracy=None)
    result = train(config, callback=seen.append)
    assert [p.step for p in seen] == [10, 20, 30, 35]
    assert all(isinstance(p, Progress) for p in seen)
    assert seen[-1].fraction == 1.0
    assert seen[-1].eval_accuracies == tuple(result.test_accuracies)
    np.testing.assert_allclose(seen[1].loss, result.losses[10:20].mean())


def test_clipping_bounds_the_update_and_records_the_norm():
    config = TrainConfig(cell="rnn", gap=10, hidden_size=8, steps=3, batch_size=8, eval_every=3, test_size=8,
                         optimizer="sgd", learning_rate=1.0, clip=1e-3, dtype="float64")
    clipped = train(config)
    start = init_model("rnn", 8, seed=0, dtype=np.float64).params
    moved = np.sqrt(sum(np.sum((clipped.model.params[k] - start[k]) ** 2) for k in start))
    assert moved <= 3 * 1e-3 + 1e-9          # three SGD steps of norm at most lr * clip
    assert np.all(clipped.grad_norms > 1e-3)  # the recorded norms are before clipping
    unclipped = train(config.replace(clip=None))
    np.testing.assert_allclose(unclipped.grad_norms[0], clipped.grad_norms[0])


def test_float32_and_float64_by_choice():
    for dtype in ("float32", "float64"):
        config = TrainConfig(cell="gru", gap=2, hidden_size=4, steps=2, batch_size=4, eval_every=2,
                             test_size=8, dtype=dtype)
        model = train(config).model
        assert all(p.dtype == np.dtype(dtype) for p in model.params.values())


@pytest.mark.parametrize("change", [{"cell": "transformer"}, {"optimizer": "rmsprop"}, {"dtype": "int8"},
                                    {"steps": 0}])
def test_bad_configs_are_refused(change):
    with pytest.raises(ValueError):
        TrainConfig(**change)


def test_predict_and_the_lstm_trace_over_a_typed_sentence():
    model = init_model("lstm", 6, seed=0, forget_bias=3.0)
    tokens = tasks.encode("evening so we talk let's meet for")
    probs = predict(model, tokens)
    assert probs.shape == (4,) and probs.sum() == pytest.approx(1.0, abs=1e-6)
    trace = sentence_trace(model, tokens)
    assert trace.gates["f"].shape == (len(tokens), 6)
    spread = context_spread(model, tokens)
    assert spread.shape == (6,) and np.all(spread >= 0) and spread.max() > 0
    # a sentence whose first word is a filler still has a context slot to vary
    assert context_spread(model, tasks.encode("so let's meet for")).shape == (6,)
