"""Character models: read a text one character at a time and predict the next one.

Karpathy's min-char-rnn (2015) with the course's cells. The text is a sequence of characters
x_1 .. x_N, each one-hot over a vocabulary of V characters; the model is a cell and a readout:

    h_t = cell(x_t, h_{t-1})                   h_0 = 0 (and c_0 = 0 for the LSTM)
    y_t = W_hy h_t + b_y                       logits for character t+1 (y_0 = b_y from h_0 = 0)
    p(x_{t+1} | x_1 .. x_t) = softmax(y_t)
    bits(x_{t+1}) = -log2 p(x_{t+1} | x_1 .. x_t)

Bits per character is the mean of bits over a text: 0 would be a model that is always sure and
right, log2 V one that guesses uniformly. Perplexity is 2^(bits per character): the number of
equally likely characters the model is, on average, as unsure as.

Sampling draws x_{t+1} from softmax(y_t / temperature) and feeds it back in.
Attribution: the gradient of log p(x_{t+1} | x_1 .. x_t) with respect to each earlier one-hot
input x_s (s <= t), whose size says how much the prediction depends on that character.

Training (``train_text``) uses truncated BPTT from rnn_core.train: B streams read the text in
chunks of T characters, a loss at every step, the state carried across chunks with the
gradient cut between them, Adam and clipping.

Files: ``save_char_model`` / ``load_char_model`` write and read the course's .npz format:
vocab, weight_ih (G*H, V), weight_hh (G*H, H), bias_ih, bias_hh (G*H,) with PyTorch's names,
shapes and gate order, readout_weight (V, H), readout_bias (V,).

Code counts steps from 0: ``trace.h[t-1]`` holds h_t, and ``indices[t-1]`` is x_t.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from .cells import GRU, LSTM, RNN
from .optim import AdamState, SGDState
from .readout import Readout, softmax
from .train import CELL_TYPES, Model, init_model, init_optimizer, last_state, sequence_loss_and_grads, unroll, update

BLOCKS_TO_KIND = {1: "rnn", 4: "lstm", 3: "gru"}
FILE_KEYS = ("vocab", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "readout_weight", "readout_bias")
LOG2E = 1.0 / np.log(2.0)


# ---------------------------------------------------------------- vocabulary and one-hot inputs

def vocabulary(text):
    """The distinct characters of a text, in code-point order: one string, index = position."""
    return "".join(sorted(set(text)))


@dataclass(frozen=True)
class Encoded:
    """A typed text turned into character indices: what the model can read, and what it cannot.

    indices: (N,) indices of the known characters, in order (the unknown ones are skipped);
    kept: (N,) position of each of them in the original text; unknown: the distinct unknown
    characters in order of first appearance; skipped: how many characters were skipped.
    """

    indices: np.ndarray
    kept: np.ndarray
    unknown: tuple = ()
    skipped: int = 0

    @property
    def length(self):
        return int(self.indices.size)


def encode(vocab, text):
    """Characters -> indices into vocab; characters outside it are skipped and reported."""
    lookup = {ch: k for k, ch in enumerate(vocab)}
    indices, kept, unknown = [], [], {}
    for position, ch in enumerate(text):
        k = lookup.get(ch)
        if k is None:
            unknown.setdefault(ch, None)
        else:
            indices.append(k)
            kept.append(position)
    return Encoded(indices=np.array(indices, dtype=np.int64), kept=np.array(kept, dtype=np.int64),
                   unknown=tuple(unknown), skipped=len(text) - len(indices))


def decode(vocab, indices):
    """Indices -> the text they stand for."""
    return "".join(vocab[int(k)] for k in np.ravel(indices))


def one_hot(indices, size, dtype=np.float32):
    """(N,) or (N, B) indices -> (N, [B,] size) one-hot rows: x_t has a 1 at the index of character t."""
    return np.eye(size, dtype=dtype)[np.asarray(indices)]


# ---------------------------------------------------------------- models and files

@dataclass(frozen=True)
class CharModel(Model):
    """A cell and a readout over a character vocabulary (train.Model plus the characters)."""

    vocab: str = ""

    @property
    def vocab_size(self):
        return len(self.vocab)

    @property
    def hidden_size(self):
        return self.cell.hidden_size


def char_model(kind, vocab, hidden_size, *, seed=0, dtype=np.float32, forget_bias=None, update_bias=None):
    """A freshly initialised character model (PyTorch's initialisation, see train.init_model)."""
    model = init_model(kind, hidden_size, seed=seed, dtype=dtype, forget_bias=forget_bias,
                       update_bias=update_bias, input_size=len(vocab), output_size=len(vocab))
    return CharModel(model.cell, model.readout, vocab)


def model_arrays(model):
    """The course's file format as a dict of arrays (vocab as one string)."""
    cell = model.cell
    return {"vocab": np.array(model.vocab), "weight_ih": cell.weight_ih, "weight_hh": cell.weight_hh,
            "bias_ih": cell.bias_ih, "bias_hh": cell.bias_hh,
            "readout_weight": model.readout.weight, "readout_bias": model.readout.bias}


def save_char_model(path, model):
    """Write the model in the course's .npz format (float32 weights stay float32)."""
    np.savez(path, **model_arrays(model))


def model_from_arrays(arrays, dtype=None):
    """A CharModel from the course's format; the cell kind follows from G = rows of weight_ih / H.

    vocab may be one string or an array of one-character strings. dtype (optional) converts
    the weights, e.g. to float64 for gradient checks.
    """
    vocab = arrays["vocab"]
    vocab = str(vocab) if np.ndim(vocab) == 0 else "".join(str(ch) for ch in np.ravel(vocab))
    weights = {name: np.asarray(arrays[name]) if dtype is None else np.asarray(arrays[name], dtype=dtype)
               for name in FILE_KEYS[1:]}
    rows, hidden = weights["weight_hh"].shape
    if rows % hidden or rows // hidden not in BLOCKS_TO_KIND:
        raise ValueError(f"weight_hh has shape {weights['weight_hh'].shape}: not an RNN, LSTM or GRU")
    if weights["weight_ih"].shape != (rows, len(vocab)):
        raise ValueError(f"weight_ih has shape {weights['weight_ih'].shape}, expected {(rows, len(vocab))}")
    if weights["readout_weight"].shape != (len(vocab), hidden) or weights["readout_bias"].shape != (len(vocab),):
        raise ValueError("the readout does not map the hidden state to the vocabulary")
    cell = CELL_TYPES[BLOCKS_TO_KIND[rows // hidden]](
        weight_ih=weights["weight_ih"], weight_hh=weights["weight_hh"], bias_ih=weights["bias_ih"],
        bias_hh=weights["bias_hh"])
    return CharModel(cell, Readout(weights["readout_weight"], weights["readout_bias"]), vocab)


def load_char_model(path, dtype=None):
    """Read a model written by save_char_model (or by anyone, in the same format)."""
    with np.load(path, allow_pickle=False) as arrays:
        missing = [name for name in FILE_KEYS if name not in arrays.files]
        if missing:
            raise ValueError(f"{path} lacks {missing}")
        return model_from_arrays({name: arrays[name] for name in FILE_KEYS}, dtype)


# ---------------------------------------------------------------- reading a text

def states(model, indices, state=None):
    """The cell's trace over x_1 .. x_N (one sequence): trace.h[t-1] = h_t, gates, c for the LSTM."""
    return unroll(model.cell, one_hot(indices, model.vocab_size, model.dtype), state)


def log_probs(model, hs):
    """(..., H) states -> (..., V) log softmax(W_hy h + b_y): log p of each next character."""
    logits = model.readout.forward(hs)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def final_state(model, x, state=None, chunk=64):
    """The state after reading x (T, B, V), in chunks of time so the trace never holds more than chunk steps."""
    for start in range(0, x.shape[0], chunk):
        state = last_state(unroll(model.cell, x[start:start + chunk], state))
    return state


def text_bits(model, texts, chunk=1024):
    """Bits of every character of each text, each read from h_0 = 0: a list of (N_k,) arrays.

    bits[k][t] = -log2 p(x_{t+1} | x_1 .. x_t) for t = 0 .. N_k - 1 (the first character is
    predicted from h_0 = 0). The texts are read side by side as one batch (shorter ones padded
    at their end, which nothing before the padding can see), chunk characters at a time.
    """
    lengths = [len(t) for t in texts]
    longest = max(lengths)
    batch = np.zeros((longest, len(texts)), dtype=np.int64)
    for k, t in enumerate(texts):
        batch[:len(t), k] = t
    h0 = np.zeros((len(texts), model.hidden_size), dtype=model.dtype)
    state = (h0, h0) if isinstance(model.cell, LSTM) else (h0,)
    bits = np.empty((longest, len(texts)))
    for start in range(0, longest, chunk):
        piece = batch[start:start + chunk]
        before = state[0][None]                                            # h_{start}: predicts x_{start+1}
        trace = unroll(model.cell, one_hot(piece, model.vocab_size, model.dtype), state)
        hs = np.concatenate([before, trace.hs[1:-1]]) if len(piece) > 1 else before  # h_start .. h_{end-1}
        lp = log_probs(model, hs)
        bits[start:start + len(piece)] = -np.take_along_axis(lp, piece[..., None], axis=-1)[..., 0] * LOG2E
        state = last_state(trace)
    return [bits[:n, k] for k, n in enumerate(lengths)]


def bits_per_char(model, texts):
    """Mean bits over every character of the texts together (each text read from h_0 = 0)."""
    return float(np.concatenate(text_bits(model, texts)).mean())


def perplexity(bits):
    """2^bits: as unsure as a uniform choice among this many characters."""
    return float(2.0 ** bits)


# ---------------------------------------------------------------- writing

@dataclass(frozen=True)
class Sample:
    """A sampled text, step by step (step s = 1 .. length draws the s-th new character).

    prompt: (P,) indices read first; drawn: (length,) indices drawn; probs: (length, V) the
    distribution each was drawn from (softmax(y / temperature)); states: (length, H) the hidden
    state from which each was drawn (h after the prompt and the earlier drawn characters).
    """

    prompt: np.ndarray
    drawn: np.ndarray
    probs: np.ndarray
    states: np.ndarray
    temperature: float
    seed: int

    def top(self, k=5):
        """(length, k) indices and (length, k) probabilities of the k most likely characters at each step."""
        order = np.argsort(-self.probs, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(self.probs, order, axis=1)


def tempered(logits, temperature):
    """softmax(y / temperature): below 1 sharper (surer, more repetitive), above 1 flatter (wilder)."""
    return softmax(np.asarray(logits, dtype=np.float64) / temperature)


def sample(model, prompt, length, temperature=1.0, seed=0):
    """Read the prompt, then draw `length` characters one at a time, each fed back in.

        h_P = cell(x_1 .. x_P)                    the prompt (h_0 = 0 if there is none)
        p_s = softmax((W_hy h + b_y) / temperature)
        x_next ~ p_s,   h <- cell(x_next, h)
    The same model, prompt, temperature and seed give the same text.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    rng = np.random.default_rng(seed)
    prompt = np.asarray(prompt, dtype=np.int64)
    V, H = model.vocab_size, model.hidden_size
    zero = np.zeros((1, H), dtype=model.dtype)
    state = (zero, zero) if isinstance(model.cell, LSTM) else (zero,)
    if prompt.size:
        state = final_state(model, one_hot(prompt[:, None], V, model.dtype), state)
    drawn = np.empty(length, dtype=np.int64)
    probs = np.empty((length, V))
    hs = np.empty((length, H))
    for s in range(length):
        hs[s] = state[0][0]
        probs[s] = tempered(model.readout.forward(state[0][0]), temperature)
        drawn[s] = rng.choice(V, p=probs[s])                               # x_next ~ p_s
        state = last_state(unroll(model.cell, one_hot([[drawn[s]]], V, model.dtype), state))
    return Sample(prompt=prompt, drawn=drawn, probs=probs, states=hs, temperature=float(temperature), seed=int(seed))


def sample_certainty(vocab, sample, sure=0.9, unsure=0.5):
    """How sure the sampler was at each step of a sample, in the numbers the lesson says (a dict).

    top: (length,) the largest probability at each step (the top bar); after_break: (length,) whether the
    character read just before the step is a space or a newline (step 1 reads the prompt's last character;
    False without a prompt); n_sure / n_unsure: steps whose top bar has at least `sure` / less than `unsure`;
    mean_after / mean_other: the mean top bar right after a space or newline / elsewhere (None when no step is
    of that kind)."""
    top = sample.probs.max(axis=1)
    last = vocab[int(sample.prompt[-1])] if len(sample.prompt) else None
    previous = [last] + [vocab[int(i)] for i in sample.drawn[:-1]]
    after = np.array([ch in (" ", "\n") for ch in previous], dtype=bool)
    return dict(top=top, after_break=after, n_sure=int(np.sum(top >= sure)), n_unsure=int(np.sum(top < unsure)),
                mean_after=float(top[after].mean()) if after.any() else None,
                mean_other=float(top[~after].mean()) if (~after).any() else None)


SPEAKER_LINE = re.compile(r"^[A-Z][A-Z' ]*[A-Z]\.$")   # "ROMEO." or "FIRST WITCH.": a speaker's name, as printed
WORD = re.compile(r"[A-Za-z']+")


def text_traits(text):
    """What a reader can count in a sample: its lines, its speaker-name lines ("ROMEO." alone on a line, how
    the plays print a speaker), its stage directions ([...] on one line), its words (runs of letters) and
    their mean length in letters (None without words)."""
    lines = text.split("\n")
    words = WORD.findall(text)
    return dict(line_breaks=text.count("\n"),
                speaker_lines=sum(bool(SPEAKER_LINE.match(line.strip())) for line in lines),
                stage_directions=len(re.findall(r"\[[^\]\n]+\]", text)),
                words=len(words),
                mean_word_length=float(np.mean([len(w.replace("'", "")) for w in words])) if words else None)


def whole_words(text):
    """The text without a last, cut word: up to its last space or newline when it ends inside a word."""
    if not text or not text[-1].isalpha():
        return text
    cut = max(text.rfind(" "), text.rfind("\n"))
    return text[:cut] if cut > 0 else text


def known_punctuation(vocab):
    """The characters of a vocabulary that are neither letters, digits nor white space (in vocabulary order)."""
    return "".join(ch for ch in vocab if not ch.isalnum() and not ch.isspace())


# ---------------------------------------------------------------- what a prediction depends on

def input_gradients(model, trace, indices, position):
    """(position, V): d log p(x_{position+1} | x_1 .. x_position) / d x_s for s = 1 .. position.

    trace: the states over the text (states(model, indices)); indices: the text x_1 .. x_N;
    position: t in 1 .. N-1 (the prediction made after reading x_t, of x_{t+1}).

        d log p(x_{t+1}) / d y_t = onehot(x_{t+1}) - softmax(y_t)
        d log p / d h_t = W_hy^T (onehot(x_{t+1}) - softmax(y_t))
        BPTT back from h_t gives d log p / d x_s = W_ih^T d log p / d a_s for every s <= t
    """
    t = int(position)
    if not 1 <= t < len(indices):
        raise ValueError(f"position must be between 1 and {len(indices) - 1}")
    h_t = trace.h[t - 1]
    dlogits = -softmax(model.readout.forward(h_t))
    dlogits[indices[t]] += 1.0                                             # onehot(x_{t+1}) - softmax(y_t)
    dh = np.zeros_like(trace.h)
    dh[t - 1] = model.readout.weight.T @ dlogits                          # the loss sits at step t only
    return model.cell.backward(trace, dh).x[:t]


def dependence(model, trace, indices, position):
    """(position,) ||d log p(x_{t+1}) / d x_s|| for s = 1 .. t: how much the prediction depends on each character."""
    return np.linalg.norm(input_gradients(model, trace, indices, position), axis=-1)


def dependence_by_distance(model, indices, positions, max_distance, batch=64, starts=None):
    """(len(positions), max_distance): ||d log p(x_{p+1}) / d x_{p-d}|| for d = 0 .. max_distance - 1.

    For each position p (1-based, p >= max_distance), the model reads the text up to x_{p - max_distance}
    carrying its state (a constant there: no gradient), then the last max_distance characters with
    the gradient on. Positions run side by side, `batch` at a time. starts: the states
    (h_{p-D},) or (h_{p-D}, c_{p-D}) as (B, H) arrays if they are known (default: states_at).
    """
    positions = np.asarray(positions, dtype=np.int64)
    D, V = int(max_distance), model.vocab_size
    if positions.min() < D or positions.max() >= len(indices):
        raise ValueError("every position needs max_distance characters before it and one after it")
    starts = states_at(model, indices, positions - D) if starts is None else starts   # h_{p-D} for every p
    out = np.empty((len(positions), D))
    for first in range(0, len(positions), batch):
        p = positions[first:first + batch]
        windows = np.stack([indices[q - D:q] for q in p], axis=1)             # x_{p-D+1} .. x_p, (D, B)
        trace = unroll(model.cell, one_hot(windows, V, model.dtype), tuple(s[first:first + batch] for s in starts))
        dlogits = -softmax(model.readout.forward(trace.hs[-1]))               # from h_p
        dlogits[np.arange(len(p)), indices[p]] += 1.0                         # onehot(x_{p+1}) - softmax(y_p)
        dh = np.zeros_like(trace.hs[1:])
        dh[-1] = dlogits @ model.readout.weight                               # d log p / d h_p
        dx = model.cell.backward(trace, dh).x                                 # (D, B, V); row D-1 is x_p
        out[first:first + batch] = np.linalg.norm(dx, axis=-1)[::-1].T        # distance d = 0 first
    return out


def state_history(model, indices):
    """The states after each character, h_0 = 0 first: (hs,) or (hs, cs) for the LSTM, each (N+1, H).

    hs[t] = h_t (hs[0] = h_0 = 0). Enough to restart the model anywhere in the text (dependence_window).
    """
    trace = states(model, indices)
    return (trace.hs[:, 0],) if trace.cs is None else (trace.hs[:, 0], trace.cs[:, 0])


def dependence_window(model, indices, position, window, history):
    """(D,) ||d log p(x_{t+1}) / d x_s|| for s = t-D+1 .. t, oldest first, with D = min(window, t).

    history: state_history(model, indices). The state before the window, h_{t-D}, is read from it as a
    constant, so only the window is run again with the gradient on. The gradients are exact: a
    character inside the window reaches the prediction only through the window.
    """
    t = int(position)
    if not 1 <= t < len(indices):
        raise ValueError(f"position must be between 1 and {len(indices) - 1}")
    D = min(int(window), t)
    starts = tuple(states[t - D][None] for states in history)                 # h_{t-D} (and c_{t-D}), (1, H)
    return dependence_by_distance(model, indices, [t], D, starts=starts)[0][::-1]


def states_at(model, indices, positions, chunk=1024):
    """The state (h_p,) or (h_p, c_p) after reading x_1 .. x_p from h_0 = 0, for each p in positions: (B, H) arrays.

    One pass over the text; p = 0 gives the zero state.
    """
    positions = np.asarray(positions, dtype=np.int64)
    H = model.hidden_size
    picked = [np.zeros((len(positions), H), dtype=model.dtype)
              for _ in range(2 if isinstance(model.cell, LSTM) else 1)]
    zero = np.zeros((1, H), dtype=model.dtype)
    state = tuple(zero for _ in picked)
    end = int(positions.max())
    for start in range(0, end, chunk):
        piece = indices[start:min(start + chunk, end)]
        trace = unroll(model.cell, one_hot(piece[:, None], model.vocab_size, model.dtype), state)
        inside = (positions > start) & (positions <= start + len(piece))
        for k, history in enumerate((trace.hs, trace.cs)[:len(picked)]):
            picked[k][inside] = history[positions[inside] - start, 0]
        state = last_state(trace)
    return tuple(picked)


# ---------------------------------------------------------------- how much context is used

def context_bits(model, indices, ks, positions, batch=512):
    """(len(ks),) mean bits of x_{p+1} when the model has read only x_{p-k+1} .. x_p, starting from h_0 = 0.

    The state is reset k characters back: k = 1 sees the current character only. positions are
    1-based (p >= max(ks)); all of them are scored for every k, so the values compare.
    """
    positions = np.asarray(positions, dtype=np.int64)
    targets = indices[positions]
    out = []
    for k in ks:
        total = 0.0
        for start in range(0, len(positions), batch):
            p = positions[start:start + batch]
            windows = np.stack([indices[q - k:q] for q in p], axis=1)                  # (k, B)
            h = final_state(model, one_hot(windows, model.vocab_size, model.dtype))[0]  # h_p from x_{p-k+1}
            lp = log_probs(model, h)
            total += -lp[np.arange(len(p)), targets[start:start + batch]].sum() * LOG2E
        out.append(total / len(positions))
    return np.array(out)


def context_needed(ks, bits, tolerance=0.01):
    """The smallest k whose bits per character are within `tolerance` of the best over all k: how many
    characters of context a model actually uses (more context no longer helps it)."""
    bits = np.asarray(bits, dtype=np.float64)
    return int(np.asarray(ks)[np.argmax(bits <= bits.min() + tolerance)])


# ---------------------------------------------------------------- inside the units

VOWELS = set("aeiouAEIOU")


def in_brackets(text, open_="[", close="]"):
    """(N,) 1.0 from an opening bracket up to and including its closing one, else 0.0."""
    inside, out = False, np.zeros(len(text))
    for k, ch in enumerate(text):
        if ch == open_:
            inside = True
        out[k] = inside
        if ch == close:
            inside = False
    return out


def in_quotes(text, quote='"'):
    """(N,) 1.0 from an opening quote up to and including the closing one, else 0.0."""
    inside, out = False, np.zeros(len(text))
    for k, ch in enumerate(text):
        if ch == quote and inside:
            out[k] = 1.0
            inside = False
            continue
        if ch == quote:
            inside = True
        out[k] = inside
    return out


def line_position(text):
    """(N,) 1-based position of each character in its line (a newline ends its line)."""
    out, column = np.zeros(len(text)), 0
    for k, ch in enumerate(text):
        column += 1
        out[k] = column
        if ch == "\n":
            column = 0
    return out


FEATURES = {
    "inside [brackets]": lambda text: in_brackets(text),
    "inside quotes": lambda text: in_quotes(text),
    "position in the line": line_position,
    "after a capital": lambda text: np.array([float(k > 0 and text[k - 1].isupper()) for k in range(len(text))]),
    "vowel": lambda text: np.array([float(ch in VOWELS) for ch in text]),
    "consonant": lambda text: np.array([float(ch.isalpha() and ch not in VOWELS) for ch in text]),
}


def feature(name, text):
    """(N,) the value of a named feature at each character (FEATURES: 0/1 flags or a position)."""
    return FEATURES[name](text)


def correlations(activations, values):
    """(H,) Pearson correlation of each unit's activation (N, H) with a feature (N,) over the text.

    NaN for a unit or a feature that does not vary over the text (no correlation is defined).
    """
    a = np.asarray(activations, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    da, dv = a - a.mean(axis=0), v - v.mean()
    spread = np.sqrt((da ** 2).sum(axis=0) * (dv ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 1e-12, (dv @ da) / np.where(spread > 1e-12, spread, 1.0), np.nan)


def rank_units(r, top=10):
    """Units ordered by |correlation|, strongest first (NaN last): (top,) unit indices."""
    key = np.where(np.isnan(r), -1.0, np.abs(r))
    return np.argsort(-key, kind="stable")[:top]


# ---------------------------------------------------------------- training (truncated BPTT)

@dataclass(frozen=True)
class TextConfig:
    """Everything that decides a character model's training; the same config gives the same model."""

    cell: str = "lstm"
    hidden_size: int = 256
    batch_size: int = 64            # B streams reading the text side by side
    chunk: int = 100                # T: characters per truncated-BPTT chunk
    steps: int = 10000              # updates
    learning_rate: float = 0.002
    decay_start: float = 0.6        # the learning rate falls linearly from here (fraction of steps) ...
    final_lr_fraction: float = 0.1  # ... to this fraction of itself at the last step
    optimizer: str = "adam"
    momentum: float = 0.0
    clip: float | None = 1.0
    forget_bias: float | None = 1.0   # LSTM b_if at the start (None: PyTorch's init)
    update_bias: float | None = None  # GRU b_iz at the start
    seed: int = 0
    dtype: str = "float32"

    def __post_init__(self):
        if self.cell not in CELL_TYPES:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {sorted(CELL_TYPES)}")
        for name in ("hidden_size", "batch_size", "chunk", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    def replace(self, **changes):
        return replace(self, **changes)

    def learning_rate_at(self, step):
        """The learning rate of update `step` (1-based): constant, then a linear fall to the end."""
        start = self.decay_start * self.steps
        if step <= start:
            return self.learning_rate
        fraction = (step - start) / max(self.steps - start, 1)
        return self.learning_rate * (1 - (1 - self.final_lr_fraction) * min(fraction, 1.0))


@dataclass(frozen=True)
class TextRun:
    """A training run between two updates: resuming from it gives exactly the numbers of an unbroken run.

    step: updates done; state: the carried (h,) or (h, c) of the B streams (the gradient is cut
    there); offsets: (B,) where each stream started in the text.
    """

    config: TextConfig
    model: CharModel
    optimizer: AdamState | SGDState
    step: int
    state: tuple
    offsets: np.ndarray = field(repr=False)


def start_run(config, vocab, text_length):
    """Step 0: initial weights from the seed, zero states, B streams spread evenly over the text."""
    dtype = np.dtype(config.dtype)
    model = char_model(config.cell, vocab, config.hidden_size, seed=config.seed, dtype=dtype,
                       forget_bias=config.forget_bias, update_bias=config.update_bias)
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(4,)))
    spacing = text_length // config.batch_size
    offsets = (np.arange(config.batch_size) * spacing + rng.integers(spacing)) % text_length
    zero = np.zeros((config.batch_size, config.hidden_size), dtype=dtype)
    state = (zero, zero) if config.cell == "lstm" else (zero,)
    return TextRun(config=config, model=model, optimizer=init_optimizer(model.params, config), step=0,
                   state=state, offsets=offsets)


def chunk_at(indices, offsets, step, length):
    """(length + 1, B) characters: stream b reads indices[offsets[b] + step * length + j] for j = 0 .. length
    (wrapping around the end of the text), so inputs are rows 0..length-1 and targets rows 1..length."""
    where = (offsets[None, :] + step * length + np.arange(length + 1)[:, None]) % len(indices)
    return indices[where]


def text_step(run, indices):
    """One update of truncated BPTT: the next chunk of every stream, loss at every step, clip, Adam.

        x, next = chunk_at(text, offsets, step, T)      (T, B) characters and the ones after them
        loss, grads, state = sequence_loss_and_grads(model, onehot(x), next, carried state)
        params = update(params, grads)                   clip by global norm, Adam
    Returns (the run after the update, loss in nats per character, gradient norm before clipping).
    """
    config = run.config
    chunk = chunk_at(indices, run.offsets, run.step, config.chunk)
    x = one_hot(chunk[:-1], run.model.vocab_size, run.model.dtype)
    loss, grads, state = sequence_loss_and_grads(run.model, x, chunk[1:], run.state)
    params, optimizer, norm = update(run.model.params, grads, run.optimizer, config,
                                     config.learning_rate_at(run.step + 1))
    return replace(run, model=run.model.with_params(params), optimizer=optimizer, step=run.step + 1,
                   state=state), loss, norm


def run_arrays(run):
    """Everything needed to resume a run, as a flat dict of arrays (for np.savez)."""
    out = {f"param.{name}": p for name, p in run.model.params.items()}
    if isinstance(run.optimizer, AdamState):
        out.update({f"adam_m.{name}": m for name, m in run.optimizer.m.items()})
        out.update({f"adam_v.{name}": v for name, v in run.optimizer.v.items()})
    else:
        out.update({f"momentum.{name}": b for name, b in run.optimizer.momentum_buffer.items()})
    out.update({f"state.{k}": s for k, s in enumerate(run.state)})
    out.update(step=np.array(run.step), optimizer_step=np.array(run.optimizer.step), offsets=run.offsets,
               vocab=np.array(run.model.vocab))
    return out


def run_from_arrays(config, arrays):
    """The TextRun saved by run_arrays, under the same config."""
    vocab = str(arrays["vocab"])
    model = char_model(config.cell, vocab, config.hidden_size, dtype=np.dtype(config.dtype))
    params = {name: np.array(arrays[f"param.{name}"]) for name in model.params}
    opt_step = int(arrays["optimizer_step"])
    if config.optimizer == "adam":
        optimizer = AdamState(step=opt_step, m={name: np.array(arrays[f"adam_m.{name}"]) for name in params},
                              v={name: np.array(arrays[f"adam_v.{name}"]) for name in params})
    else:
        optimizer = SGDState(step=opt_step, momentum_buffer={name: np.array(arrays[f"momentum.{name}"])
                                                             for name in params if f"momentum.{name}" in arrays})
    state = tuple(np.array(arrays[f"state.{k}"]) for k in range(2 if config.cell == "lstm" else 1))
    return TextRun(config=config, model=model.with_params(params), optimizer=optimizer, step=int(arrays["step"]),
                   state=state, offsets=np.array(arrays["offsets"]))


def train_text(run, indices, steps, callback=None):
    """`steps` more updates of a run; callback(run, loss, norm) after each. Returns the new run."""
    for _ in range(steps):
        run, loss, norm = text_step(run, indices)
        if callback is not None:
            callback(run, loss, norm)
    return run
