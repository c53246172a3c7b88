"""Truncated BPTT as frameworks do it: the sequence in chunks of K steps, the state carried, the gradient cut.

    h = h_0
    for each chunk of K steps (the last one may be shorter):
        run the chunk forwards from h and backwards from its own losses
        add the chunk's weight gradients to the update
        h = the chunk's last state, carried on as a plain number: no gradient flows back through it

In PyTorch the last line is ``h = h.detach()`` (Keras keeps the state across batches with
``stateful=True``): the forward pass sees the whole sequence, but the loss at step k is
backpropagated only to the first step of its own chunk. So the loss at the end of a chunk
reaches K steps, the loss at its start only one, and no gradient crosses a chunk boundary.
(Williams & Peng 1990 also describe a sliding window, where every loss reaches exactly K steps:
``rnn_core.bptt.truncated_bptt``. It needs a backward pass per loss, so frameworks cut in chunks.)

Steps are numbered from 0 here (the page shows them from 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bptt import Truncated, many_to_many, masked_gradient
from .cells import PARAM_NAMES


def chunk_mask(length, chunk):
    """(T_loss, T_step) boolean: True where the loss at step k reaches step j when the sequence is cut in chunks.

        keep[k, j] = j <= k and j, k in the same chunk (j // K == k // K)

    K = 1 keeps only each loss's own step; K >= T is full BPTT.
    """
    if chunk < 1:
        raise ValueError(f"a chunk has at least one step, got {chunk}")
    k, j = np.arange(length)[:, None], np.arange(length)[None, :]
    return (j <= k) & (j // chunk == k // chunk)


@dataclass(frozen=True)
class Chunked(Truncated):
    """Truncated BPTT in chunks of K = ``window`` steps next to full BPTT (the fields of Truncated), plus
    the run of each chunk (a ManyToMany started from the state the previous chunk ended in)."""

    runs: tuple = ()

    @property
    def starts(self):
        """The first step of each chunk (0-based)."""
        return [self.window * c for c in range(len(self.runs))]


def chunked_bptt(result, chunk, losses=None):
    """Truncated BPTT with chunks of `chunk` steps, computed as a framework computes it: chunk by chunk.

    result: the full forward and backward pass (rnn_core.bptt.many_to_many). The kept and cut terms
    come from rnn_core.bptt.per_loss (``losses``, computed when not given); the gradient itself is the
    sum of the chunks' own gradients, which the tests check equals the sum of the kept terms.
    """
    runs, h = [], result.h0
    for start in range(0, result.length, chunk):
        piece = slice(start, start + chunk)
        run = many_to_many(result.cell, result.readout, result.x[piece], result.targets[piece], h0=h)
        runs.append(run)
        h = run.trace.h[-1]                                     # carried on; in PyTorch: h = h.detach()
    params = {name: sum(run.grads.params[name] for run in runs) for name in PARAM_NAMES}
    terms = masked_gradient(result, chunk_mask(result.length, chunk), chunk, losses)
    # what is lost is the sum of the cut terms themselves (not full - params, which carries rounding): exactly 0
    # when every cut term is 0, as at T = 2, K = 1, where the only cut term of W_hh multiplies h_0 = 0
    return Chunked(window=int(chunk), params=params, full=terms.full, lost=terms.lost, kept_norms=terms.kept_norms,
                   lost_norms=terms.lost_norms, kept_by_step=terms.kept_by_step, lost_by_step=terms.lost_by_step,
                   runs=tuple(runs))
