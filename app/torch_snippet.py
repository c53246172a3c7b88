"""A PyTorch program that rebuilds a lesson's cell with its exact weights and prints the same numbers.

No Streamlit here: ``pytorch_snippet`` returns Python source text, which a page shows
with ``st.code`` (via ``lesson.show_code(..., torch=...)``) and which the tests execute
with PyTorch to compare against rnn_core. Weights are written with ``repr`` of Python
floats, which round-trips float64 exactly, so the snippet computes with the very
weights the page used. rnn_core uses PyTorch's names, shapes and gate order, so
``weight_hh`` becomes ``weight_hh_l0`` and nothing is rearranged.

After running, the snippet's namespace holds ``output`` (the hidden states, (T, H)),
``h_n`` (and ``c_n`` for an LSTM) and, when a loss is given, ``loss`` and ``grads``
(the cell's parameter gradients, under rnn_core's names).
"""

from __future__ import annotations

import numpy as np

_CLASSES = {"RNN": "nn.RNN", "LSTM": "nn.LSTM", "GRU": "nn.GRU"}
_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def literal(array) -> str:
    """A float64 array as a nested Python list literal that round-trips exactly (repr of floats)."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        return repr(float(a))
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ",\n ".join(literal(row) for row in a) + "]"


def _tensor(name: str, array) -> str:
    return f"{name} = torch.tensor({literal(array)}, dtype=torch.float64)\n"


def pytorch_snippet(cell, x, *, h0=None, c0=None, dh=None, readout=None, targets=None,
                    last_readout=None, show: str = "output") -> str:
    """PyTorch source that rebuilds ``cell`` (an rnn_core RNN, LSTM or GRU) and runs it on ``x`` (T, I).

    dh: dL/dh_t arriving from outside the cell, (T, H): the snippet backpropagates
        ``(output * dh).sum()``, which is the loss whose gradient rnn_core's backward(trace, dh) returns.
    readout, targets: an rnn_core Readout and integer targets per step: the snippet adds
        ``nn.Linear`` and a summed cross-entropy, like rnn_core.bptt.many_to_many.
    last_readout: an rnn_core Readout applied to the last state only (a many-to-one model, as in the
        memory lab): the snippet defines ``probabilities = softmax(readout(output[-1]))``.
    show: a Python expression over the snippet's variables, printed at the end.
    """
    kind = type(cell).__name__
    if kind not in _CLASSES:
        raise TypeError(f"expected an rnn_core RNN, LSTM or GRU, got {kind}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be one sequence (T, I), got shape {x.shape}")
    nonlinearity = getattr(cell, "nonlinearity", None)
    manual = nonlinearity == "linear"  # torch.nn.RNN has no linear option: write the loop out
    I, H = cell.input_size, cell.hidden_size
    lines = ["import torch", "from torch import nn", "", "torch.set_printoptions(precision=6, sci_mode=False)", ""]
    if manual:
        lines.append("# A linear RNN (no nonlinearity) is not a torch.nn.RNN option: the update, step by step.")
        params = "".join(_tensor(name, getattr(cell, name)) for name in _NAMES)
        lines.append(params.rstrip("\n"))
        lines.append(", ".join(_NAMES) + " = (p.requires_grad_() for p in (" + ", ".join(_NAMES) + "))")
    else:
        options = f", nonlinearity={nonlinearity!r}" if kind == "RNN" else ""
        lines.append(f"cell = {_CLASSES[kind]}(input_size={I}, hidden_size={H}{options}, dtype=torch.float64)")
        lines.append("with torch.no_grad():  # the weights from the page, exactly")
        for name in _NAMES:
            lines.append(f"    cell.{name}_l0.copy_(torch.tensor({literal(getattr(cell, name))}, dtype=torch.float64))")
    lines.append("")
    lines.append(f"x = torch.tensor({literal(x)}, dtype=torch.float64)  # (T, I) = {tuple(x.shape)}")
    h0_text = "torch.zeros(1, %d, dtype=torch.float64)" % H
    if h0 is not None:
        lines.append(f"h0 = torch.tensor([{literal(np.ravel(h0))}], dtype=torch.float64)")
        h0_text = "h0"
    if kind == "LSTM":
        c0_text = "torch.zeros(1, %d, dtype=torch.float64)" % H
        if c0 is not None:
            lines.append(f"c0 = torch.tensor([{literal(np.ravel(c0))}], dtype=torch.float64)")
            c0_text = "c0"
        lines.append(f"output, (h_n, c_n) = cell(x, ({h0_text}, {c0_text}))  # output[t-1] = h_t (Python counts from 0), (T, H)")
    elif manual:
        lines += [f"h = {h0_text}[0]", "states = []", "for x_t in x:",
                  "    h = x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh",
                  "    states.append(h)", "output = torch.stack(states)  # output[t-1] = h_t (Python counts from 0), (T, H)",
                  "h_n = output[-1:]"]
    else:
        lines.append(f"output, h_n = cell(x, {h0_text})  # output[t-1] = h_t (Python counts from 0), (T, H)")
    if readout is not None or last_readout is not None:
        linear = readout if readout is not None else last_readout
        O = np.asarray(linear.weight).shape[0]
        lines += ["", f"readout = nn.Linear({H}, {O}, dtype=torch.float64)", "with torch.no_grad():",
                  f"    readout.weight.copy_(torch.tensor({literal(linear.weight)}, dtype=torch.float64))",
                  f"    readout.bias.copy_(torch.tensor({literal(linear.bias)}, dtype=torch.float64))"]
    if last_readout is not None:
        lines.append("probabilities = torch.softmax(readout(output[-1]), dim=-1)  # from the last state only")
    if readout is not None:
        if targets is None:
            raise ValueError("a readout needs targets")
        lines += [f"targets = torch.tensor({[int(t) for t in np.ravel(targets)]!r})",
                  "losses = nn.functional.cross_entropy(readout(output), targets, reduction='none')  # L_t",
                  "loss = losses.sum()  # L = sum of the per-step losses"]
    elif dh is not None:
        lines += ["", f"dh = torch.tensor({literal(dh)}, dtype=torch.float64)  # dL/dh_t from outside the cell",
                  "loss = (output * dh).sum()  # a loss whose gradient at h_t is exactly dh[t-1]"]
    if readout is not None or dh is not None:
        lines.append("loss.backward()")
        if manual:
            lines.append("grads = {name: p.grad for name, p in zip(%r, (%s))}" % (_NAMES, ", ".join(_NAMES)))
        else:
            lines.append("grads = {name: getattr(cell, name + '_l0').grad for name in %r}" % (_NAMES,))
    lines += ["", f"print({show})"]
    return "\n".join(lines) + "\n"


def char_model_snippet(kind: str, path: str, text: str, show: str = "output") -> str:
    """PyTorch source that loads one of the course's character models (``models/char_<kind>.npz``, the file
    format of rnn_core.text) into nn.RNN / nn.LSTM / nn.GRU and nn.Linear, reads ``text`` (characters of the
    model's vocabulary only) and defines ``output`` (h_1 .. h_T, (T, H)) and ``probabilities`` ((T, V):
    row t-1 is p(x_{t+1} | x_1 .. x_t)). The weights stay in the file: a character model has too many
    to print."""
    classes = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}
    if kind not in classes:
        raise ValueError(f"kind must be rnn, lstm or gru, not {kind!r}")
    lines = [
        "import torch",
        "import numpy as np",
        "from torch import nn",
        "",
        "torch.set_printoptions(precision=6, sci_mode=False)",
        f"weights = np.load({path!r})  # from the course's repository: run this in its folder",
        "vocab = str(weights['vocab'])",
        "V, H = len(vocab), weights['weight_hh'].shape[1]",
        f"cell = {classes[kind]}(input_size=V, hidden_size=H, dtype=torch.float64)",
        "readout = nn.Linear(H, V, dtype=torch.float64)",
        "with torch.no_grad():  # PyTorch's names, shapes and gate order: nothing is rearranged",
        "    for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):",
        "        getattr(cell, name + '_l0').copy_(torch.from_numpy(weights[name].astype(np.float64)))",
        "    readout.weight.copy_(torch.from_numpy(weights['readout_weight'].astype(np.float64)))",
        "    readout.bias.copy_(torch.from_numpy(weights['readout_bias'].astype(np.float64)))",
        "",
        f"text = {text!r}",
        "x = nn.functional.one_hot(torch.tensor([vocab.index(ch) for ch in text]), V).double()  # (T, V)",
        "output, _ = cell(x)  # output[t-1] = h_t, (T, H); h_0 = 0",
        "probabilities = torch.softmax(readout(output), dim=-1)  # row t-1: p(x_{t+1} | x_1 .. x_t)",
        "",
        f"print({show})",
    ]
    return "\n".join(lines) + "\n"
