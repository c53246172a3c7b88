"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

from __future__ import annotations

import numpy as np


def global_norm(grads):
    """sqrt(sum of squares of every entry), computed without overflowing for huge entries."""
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in grads.values()]
    flat = np.concatenate(arrays) if arrays else np.zeros(0)
    if flat.size == 0:
        return 0.0
    biggest = np.max(np.abs(flat))
    if biggest == 0 or not np.isfinite(biggest):
        return float(biggest)
    return float(biggest * np.sqrt(np.sum((flat / biggest) ** 2)))


def clip_by_norm(grads, max_norm):
    """Rescale all gradients together so their global L2 norm is at most max_norm.

        scale = min(1, max_norm / (norm + 1e-6));   g <- scale * g

    Keeps the direction of the whole gradient. Returns (clipped dict, norm before clipping).
    """
    total_norm = global_norm(grads)
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return {name: np.asarray(g) * scale for name, g in grads.items()}, total_norm


def clip_by_value(grads, clip_value):
    """Clamp every entry to [-clip_value, clip_value]: changes the direction."""
    return {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}


def clamped_entries(grads, clip_value):
    """How many entries clip_by_value changes: those with |g| > clip_value."""
    return int(sum(np.sum(np.abs(np.asarray(g)) > clip_value) for g in grads.values()))


def direction_change(grads, clipped):
    """The angle in degrees between two gradients given as dicts of arrays (0 if either is zero).

    clip_by_norm's result is at 0 degrees from the gradient it clipped; clip_by_value's generally is not."""
    a = np.concatenate([np.ravel(grads[name]) for name in grads])
    b = np.concatenate([np.ravel(clipped[name]) for name in grads])
    na, nb = global_norm({"a": a}), global_norm({"b": b})
    if na == 0 or nb == 0:
        return 0.0
    cosine = float(np.dot(a / na, b / nb))
    return float(np.degrees(np.arccos(min(1.0, max(-1.0, cosine)))))
