"""Linear readout and softmax cross-entropy.

    y_t = W_hy h_t + b_y                 logits
    p_t = softmax(y_t)
    L   = sum_t -log p_t[target_t]       summed over steps (and batch items)
    dL/dy_t = p_t - onehot(target_t)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Readout:
    weight: np.ndarray  # (O, H)
    bias: np.ndarray    # (O,)

    def __post_init__(self):
        for name in ("weight", "bias"):
            a = np.array(getattr(self, name), dtype=np.result_type(np.asarray(getattr(self, name)).dtype, np.float32))
            a.flags.writeable = False
            object.__setattr__(self, name, a)

    @classmethod
    def random(cls, hidden_size, output_size, *, seed=0, dtype=np.float64):
        """torch.nn.Linear's init: U(-1/sqrt(H), 1/sqrt(H))."""
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(hidden_size)
        return cls(rng.uniform(-k, k, (output_size, hidden_size)).astype(dtype),
                   rng.uniform(-k, k, output_size).astype(dtype))

    @property
    def params(self):
        return {"weight": self.weight, "bias": self.bias}

    def forward(self, h):
        """h: (..., H) -> logits (..., O)."""
        return h @ self.weight.T + self.bias

    def backward(self, h, dlogits):
        """Returns ({"weight", "bias"} gradients, dL/dh)."""
        flat_h, flat_d = h.reshape(-1, h.shape[-1]), dlogits.reshape(-1, dlogits.shape[-1])
        return {"weight": flat_d.T @ flat_h, "bias": flat_d.sum(axis=0)}, dlogits @ self.weight


def softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, targets):
    """Per-position losses -log softmax(logits)[target] and dL/dlogits of their sum.

    logits (..., O), targets (...) integer class indices. Returns (losses (...), dlogits (..., O)).
    """
    targets = np.asarray(targets)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    losses = -np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    dlogits = np.exp(log_probs)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1, axis=-1)
    return losses, dlogits
