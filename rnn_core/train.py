"""Training a recurrent cell with a linear readout: one loss at the last step, or one at every step.

The memory lab trains on "let's meet for ___" with a loss at the last step only. One training step
on a minibatch of B sentences of length T:

    h_1 .. h_T = cell.unroll(x)                    forward through time, all B at once
    y = W_hy h_T + b_y                             readout on the last state only
    L = mean_b -log softmax(y_b)[meal_b]           cross-entropy, averaged over the batch
    dL/dy = (softmax(y) - onehot(meal)) / B
    dL/dh_T = W_hy^T dL/dy,  dL/dh_t = 0 from outside for t < T
    grads = cell.backward(trace, dL/dh)            BPTT: every step adds its term
    grads, norm = clip_by_norm(grads, clip)        one global norm, like torch
    params, state = adam_step(params, grads, state, lr)

The text lab (rnn_core.text) trains a character model on a long text with a loss at every step
and truncated BPTT: the text is read in chunks of T characters, the state is carried from one
chunk to the next as a plain value, and the gradient stops at the chunk's start:

    h_1 .. h_T = cell.unroll(x, h_0)               h_0 (and c_0) = the last state of the previous chunk
    y_t = W_hy h_t + b_y                           a readout at every step
    L = mean_{t,b} -log softmax(y_t,b)[next_t,b]   the loss at every step, averaged
    dL/dh_t = W_hy^T dL/dy_t                       the cell adds what flows back from t+1 .. T
    grads = cell.backward(trace, dL/dh)            nothing flows into h_0: the cut of truncated BPTT

Both share ``update`` (clip, then Adam or SGD). Everything is a value: ``train`` returns a new
model and its history, the inputs are untouched, and the same config (seed included) gives the
same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import tasks
from .cells import GRU, LSTM, RNN
from .clipping import clip_by_norm, global_norm
from .optim import adam_init, adam_step, sgd_init, sgd_step
from .readout import Readout, softmax, softmax_cross_entropy

CELL_TYPES = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CELL_LABELS = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
OPTIMIZERS = ("adam", "sgd")
MODEL_STREAM, READOUT_STREAM = 2, 3  # spawn keys of the initial weights (tasks uses 0 and 1)


@dataclass(frozen=True)
class Model:
    """A recurrent cell followed by a linear readout on its last hidden state."""

    cell: RNN | LSTM | GRU
    readout: Readout

    @property
    def kind(self):
        return {RNN: "rnn", LSTM: "lstm", GRU: "gru"}[type(self.cell)]

    @property
    def dtype(self):
        return self.cell.dtype

    @property
    def params(self):
        """dict "cell.weight_ih", ..., "readout.weight", "readout.bias" -> array."""
        out = {f"cell.{name}": p for name, p in self.cell.params.items()}
        out.update({f"readout.{name}": p for name, p in self.readout.params.items()})
        return out

    def with_params(self, params):
        cell = self.cell.replace(**{name[5:]: p for name, p in params.items() if name.startswith("cell.")})
        return replace(self, cell=cell, readout=Readout(params["readout.weight"], params["readout.bias"]))

    def forward(self, x):
        """x (T, B, V) -> (trace, logits (B, O)) with logits = W_hy h_T + b_y."""
        trace = self.cell.unroll(np.asarray(x, dtype=self.dtype))
        return trace, self.readout.forward(trace.hs[-1])

    def probabilities(self, x):
        """(B, O) softmax of the logits: the predicted next-word distribution."""
        return softmax(self.forward(x)[1])


def init_model(kind, hidden_size, *, seed=0, forget_bias=None, update_bias=None, dtype=np.float32,
               input_size=len(tasks.VOCAB), output_size=len(tasks.MEALS)):
    """PyTorch's default initialisation; forget_bias (LSTM) / update_bias (GRU) set b_if / b_iz."""
    if kind not in CELL_TYPES:
        raise ValueError(f"unknown cell {kind!r}; choose one of {sorted(CELL_TYPES)}")
    options = {"lstm": {"forget_bias": forget_bias}, "gru": {"update_bias": update_bias}}.get(kind, {})
    cell_seed = np.random.SeedSequence(int(seed), spawn_key=(MODEL_STREAM,))
    readout_seed = np.random.SeedSequence(int(seed), spawn_key=(READOUT_STREAM,))
    cell = CELL_TYPES[kind].random(input_size, hidden_size, seed=cell_seed, dtype=dtype, **options)
    return Model(cell, Readout.random(hidden_size, output_size, seed=readout_seed, dtype=dtype))


def loss_and_grads(model, x, targets):
    """Mean cross-entropy of the last-step readout and its gradient for every parameter.

    Returns (loss, grads dict named like model.params, accuracy on this batch).
    """
    trace, logits = model.forward(x)
    losses, dlogits = softmax_cross_entropy(logits, targets)
    dlogits = dlogits / len(targets)                                   # mean over the batch
    readout_grads, dh_last = model.readout.backward(trace.hs[-1], dlogits)
    dh = np.zeros_like(trace.hs[1:])
    dh[-1] = dh_last                                                   # the loss sees only h_T
    cell_grads = model.cell.backward(trace, dh).params                 # BPTT through all T steps
    grads = {f"cell.{name}": g for name, g in cell_grads.items()}
    grads.update({f"readout.{name}": g for name, g in readout_grads.items()})
    accuracy = float(np.mean(logits.argmax(axis=1) == targets))
    return float(losses.mean()), grads, accuracy


def unroll(cell, x, state=None):
    """The cell's trace over x from a carried state: (h_0,) or (h_0, c_0) for the LSTM; None: zeros."""
    return cell.unroll(x, *(state or ()))


def last_state(trace):
    """The state after the last step, as unroll takes it: (h_T,) or (h_T, c_T) for the LSTM."""
    return (trace.hs[-1], trace.cs[-1]) if trace.cs is not None else (trace.hs[-1],)


def sequence_loss_and_grads(model, x, targets, state=None):
    """Mean cross-entropy of a readout at every step, and its gradient: one chunk of truncated BPTT.

    x (T, B, V), targets (T, B) class indices, state: the carried (h_0,) or (h_0, c_0) (None: zeros).
    Returns (loss, grads dict named like model.params, the last state). The carried state is a
    value: no gradient flows into it, so backpropagation stops at the chunk's first step.
    """
    trace = unroll(model.cell, x, state)                               # h_1 .. h_T from h_0
    logits = model.readout.forward(trace.hs[1:])                       # y_t = W_hy h_t + b_y, every t
    losses, dlogits = softmax_cross_entropy(logits, targets)           # L_t and dL_t/dy_t
    dlogits = dlogits / losses.size                                    # mean over steps and batch
    readout_grads, dh = model.readout.backward(trace.hs[1:], dlogits)  # dL/dh_t from the loss at t
    cell_grads = model.cell.backward(trace, dh).params                 # + from t+1 .. T: BPTT in the chunk
    grads = {f"cell.{name}": g for name, g in cell_grads.items()}
    grads.update({f"readout.{name}": g for name, g in readout_grads.items()})
    return float(losses.mean()), grads, last_state(trace)


def init_optimizer(params, config):
    """The optimizer's starting state for config.optimizer ("adam" or "sgd")."""
    return adam_init(params) if config.optimizer == "adam" else sgd_init(params)


def update(params, grads, state, config, learning_rate=None):
    """Clip the gradient by its global norm, then one Adam or SGD step.

    config: anything with optimizer, learning_rate, momentum and clip (None: no clipping).
    Returns (new params, new optimizer state, the gradient's global norm before clipping).
    """
    lr = config.learning_rate if learning_rate is None else learning_rate
    if config.clip is not None:
        grads, norm = clip_by_norm(grads, config.clip)
    else:
        norm = global_norm(grads)
    if config.optimizer == "adam":
        params, state = adam_step(params, grads, state, lr)
    else:
        params, state = sgd_step(params, grads, state, lr, config.momentum)
    return params, state, norm


def evaluate(model, batch, chunk=64):
    """(mean cross-entropy, accuracy) on a batch, e.g. the held-out test set.

    Runs `chunk` sentences at a time: small matrix products stay on one core, which is
    much faster than a multi-threaded BLAS on a busy shared machine.
    """
    logits = np.concatenate([model.forward(batch.x[:, start:start + chunk])[1]
                             for start in range(0, batch.size, chunk)])
    losses, _ = softmax_cross_entropy(logits, batch.targets)
    return float(losses.mean()), float(np.mean(logits.argmax(axis=1) == batch.targets))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; the same config gives the same result."""

    cell: str = "lstm"
    gap: int = 60
    hidden_size: int = 32
    steps: int = 1500
    batch_size: int = 64
    learning_rate: float = 0.003
    optimizer: str = "adam"
    momentum: float = 0.0           # SGD only
    clip: float | None = 1.0        # max global gradient norm; None: no clipping
    forget_bias: float | None = 3.0   # LSTM: b_if at the start (None: PyTorch's random init)
    update_bias: float | None = 3.0   # GRU: b_iz at the start (None: PyTorch's random init)
    seed: int = 0
    dtype: str = "float32"
    eval_every: int = 25
    target_accuracy: float | None = 0.95  # stop once held-out accuracy reaches it
    test_size: int = 512

    def __post_init__(self):
        if self.cell not in CELL_TYPES:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {sorted(CELL_TYPES)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {OPTIMIZERS}")
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, not {self.dtype!r}")
        for name in ("steps", "batch_size", "hidden_size", "eval_every", "test_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    def replace(self, **changes):
        return replace(self, **changes)


@dataclass(frozen=True)
class Progress:
    """What the progress callback receives after each evaluation."""

    step: int                 # steps done
    steps: int                # steps planned
    loss: float               # mean training loss over the last eval_every steps
    test_accuracy: float      # held-out accuracy now
    eval_steps: tuple = ()    # every evaluation so far: step, training loss, held-out accuracy
    eval_losses: tuple = ()
    eval_accuracies: tuple = ()

    @property
    def fraction(self):
        return self.step / self.steps


@dataclass(frozen=True)
class TrainResult:
    config: TrainConfig
    model: Model
    losses: np.ndarray           # (steps_run,) training loss at each step
    grad_norms: np.ndarray       # (steps_run,) global gradient norm before clipping
    eval_steps: np.ndarray       # steps at which the held-out set was scored
    eval_losses: np.ndarray      # mean training loss over the preceding eval_every steps
    test_accuracies: np.ndarray  # held-out accuracy at those steps
    stopped_early: bool = False

    @property
    def steps_run(self):
        return int(self.losses.size)

    @property
    def accuracy(self):
        """Final held-out accuracy."""
        return float(self.test_accuracies[-1])


def train(config=TrainConfig(), callback=None):
    """Minibatch BPTT with Adam or SGD and clipping by global norm.

    Scores the held-out set every ``eval_every`` steps and after the last step, calls
    ``callback(Progress)`` each time, and stops early once the held-out accuracy
    reaches ``target_accuracy``.
    """
    dtype = np.dtype(config.dtype)
    model = init_model(config.cell, config.hidden_size, seed=config.seed, dtype=dtype,
                       forget_bias=config.forget_bias, update_bias=config.update_bias)
    batches = tasks.training_batches(config.seed, config.gap, config.batch_size, dtype)
    test = tasks.held_out_set(config.seed, config.gap, config.test_size, dtype)
    params = model.params
    state = init_optimizer(params, config)
    losses, norms, eval_steps, eval_losses, accuracies = [], [], [], [], []
    stopped_early = False
    for step in range(1, config.steps + 1):
        batch = next(batches)
        loss, grads, _ = loss_and_grads(model, batch.x, batch.targets)
        params, state, norm = update(params, grads, state, config)
        model = model.with_params(params)
        losses.append(loss)
        norms.append(norm)
        if step % config.eval_every == 0 or step == config.steps:
            accuracy = evaluate(model, test)[1]
            eval_steps.append(step)
            eval_losses.append(float(np.mean(losses[-config.eval_every:])))
            accuracies.append(accuracy)
            stopped_early = config.target_accuracy is not None and accuracy >= config.target_accuracy
            if callback is not None:
                callback(Progress(step=step, steps=config.steps, loss=eval_losses[-1], test_accuracy=accuracy,
                                  eval_steps=tuple(eval_steps), eval_losses=tuple(eval_losses),
                                  eval_accuracies=tuple(accuracies)))
            if stopped_early:
                break
    return TrainResult(config=config, model=model, losses=np.array(losses), grad_norms=np.array(norms),
                       eval_steps=np.array(eval_steps), eval_losses=np.array(eval_losses),
                       test_accuracies=np.array(accuracies), stopped_early=stopped_early and step < config.steps)


def predict(model, tokens):
    """(T,) word indices of one sentence -> (O,) probabilities of each meal coming next."""
    x = tasks.one_hot_inputs(np.asarray(tokens)[None], model.dtype)
    return model.probabilities(x)[0]


def sentence_trace(model, tokens):
    """The cell's trace over one typed sentence: gates and states at every word."""
    return model.cell.unroll(tasks.one_hot_inputs(np.asarray(tokens)[None], model.dtype)[:, 0])


def context_position(tokens):
    """Where the sentence's first context word is (0 if it has none)."""
    hits = [k for k, token in enumerate(tokens) if tasks.VOCAB[int(token)] in tasks.CONTEXTS]
    return hits[0] if hits else 0


def context_traces(model, tokens, position=None):
    """context word -> the cell's trace over the sentence with that word at `position`.

    position defaults to the sentence's first context word (or its first word).
    """
    position = context_position(tokens) if position is None else position
    traces = {}
    for word in tasks.CONTEXTS:
        variant = np.array(tokens)
        variant[position] = tasks.WORD_INDEX[word]
        traces[word] = sentence_trace(model, variant)
    return traces


def context_spread(model, tokens, position=None):
    """(H,) how much each unit's final memory depends on the context word.

    The sentence is run four times, once with each context word at `position`; the
    spread is the standard deviation across those runs of the last cell state (LSTM)
    or hidden state (RNN, GRU). The unit with the largest spread carries the context.
    """
    traces = context_traces(model, tokens, position)
    finals = [trace.c[-1] if isinstance(model.cell, LSTM) else trace.h[-1] for trace in traces.values()]
    return np.std(np.array(finals), axis=0)
