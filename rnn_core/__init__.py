"""rnn_core: recurrent networks in plain NumPy, every gate and gradient visible.

Same parameter names, shapes and equations as torch.nn.RNN / LSTM / GRU.
"""

from .cells import GRU, LSTM, RNN, Grads, Trace, sigmoid
from .clipping import clip_by_norm, clip_by_value, global_norm
from .readout import Readout, softmax, softmax_cross_entropy
from .spectra import (forget_gate_highway, jacobian, jacobian_log_norms, jacobian_norms,
                      matrix_with_singular_values)

__all__ = [
    "RNN", "LSTM", "GRU", "Trace", "Grads", "sigmoid",
    "matrix_with_singular_values", "jacobian_norms", "jacobian_log_norms", "jacobian",
    "forget_gate_highway", "clip_by_norm", "clip_by_value", "global_norm",
    "Readout", "softmax", "softmax_cross_entropy",
]
from . import shapes  # noqa: E402  lesson 1: sequence shapes, dense-layer cost, "let's meet for" messages
from . import gated  # noqa: E402  lessons 5-6: LSTM/GRU presets, hand-set memory, highway, comparisons
from . import bptt, cliff  # noqa: E402  lessons 3-4: many-to-many BPTT, truncation; the Pascanu cliff
from . import optim, tasks, train  # noqa: E402  lesson 7 (memory lab): the recall task, SGD/Adam, the trainer
