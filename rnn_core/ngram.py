"""Character n-gram models with Witten-Bell smoothing: the baseline a recurrent model must beat.

An n-gram model predicts x_t from the n-1 characters before it, h = x_{t-n+1} .. x_{t-1}, by
counting in the training text. Witten & Bell (1991), interpolated as in Chen & Goodman (1998):

    p_n(c | h) = (C(h c) + N1+(h) p_{n-1}(c | h')) / (C(h) + N1+(h))

where C(h c) counts h followed by c, C(h) counts h, N1+(h) is the number of distinct characters
seen after h, and h' is h without its first character. A history never seen (C(h) = 0) falls
back to p_{n-1}(c | h'). The recursion ends in the unigram, interpolated with the uniform
distribution over the V characters:

    p_1(c) = (C(c) + N1+ * 1/V) / (N + N1+)     N characters, N1+ distinct ones seen

The first characters of a text, with fewer than n-1 characters before them, use the longest
history they have. Counts are kept as sorted integer keys (a history read as a number in base V)
and looked up with np.searchsorted: a 5-gram over 5 million characters counts in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _keys(indices, length, base):
    """(N - length + 1,) the windows of `length` characters as integers in base `base`."""
    keys = np.zeros(len(indices) - length + 1, dtype=np.int64)
    for j in range(length):
        keys = keys * base + indices[j:len(indices) - length + 1 + j]
    return keys


@dataclass(frozen=True)
class CountTable:
    """Counts of one order: sorted keys of (history, next) pairs with their counts, and of histories."""

    pair_keys: np.ndarray      # sorted history * V + c
    pair_counts: np.ndarray
    history_keys: np.ndarray   # sorted histories
    history_counts: np.ndarray  # C(h)
    history_types: np.ndarray   # N1+(h): distinct characters seen after h


def _lookup(keys, counts, query):
    """counts[keys == query] for every query, 0 where the key is absent."""
    where = np.searchsorted(keys, query)
    where = np.minimum(where, len(keys) - 1)
    found = keys[where] == query
    return np.where(found, counts[where], 0)


@dataclass(frozen=True)
class NGram:
    """A Witten-Bell n-gram model over a vocabulary of V characters (order n: n-1 characters of history)."""

    order: int
    vocab_size: int
    unigram: np.ndarray          # (V,) p_1(c)
    tables: tuple                # CountTable for history lengths 1 .. order-1

    def probabilities(self, indices):
        """(N,) p(x_t | the up to n-1 characters before it) for every character of a text."""
        indices = np.asarray(indices, dtype=np.int64)
        V = self.vocab_size
        p = self.unigram[indices]                                          # p_1(x_t)
        for length, table in enumerate(self.tables, start=1):             # history of `length` characters
            if len(indices) <= length:
                break
            history = _keys(indices[:-1], length, V)                      # h for x_t, t = length .. N-1
            target = indices[length:]
            count_h = _lookup(table.history_keys, table.history_counts, history)
            types_h = _lookup(table.history_keys, table.history_types, history)
            count_hc = _lookup(table.pair_keys, table.pair_counts, history * V + target)
            lower = p[length:]
            seen = count_h > 0
            mixed = (count_hc + types_h * lower) / np.where(seen, count_h + types_h, 1)
            p = np.concatenate([p[:length], np.where(seen, mixed, lower)])
        return p

    def bits(self, indices):
        """(N,) -log2 p(x_t | history) for every character."""
        return -np.log2(self.probabilities(indices))


def fit_ngram(indices, order, vocab_size):
    """Count a training text (character indices) for a Witten-Bell model of this order (>= 1)."""
    indices = np.asarray(indices, dtype=np.int64)
    V = int(vocab_size)
    counts = np.bincount(indices, minlength=V).astype(np.float64)
    seen = np.count_nonzero(counts)
    unigram = (counts + seen / V) / (len(indices) + seen)
    tables = []
    for length in range(1, order):
        pairs = _keys(indices, length + 1, V)
        pair_keys, pair_counts = np.unique(pairs, return_counts=True)
        histories = _keys(indices[:-1], length, V)
        history_keys, history_counts = np.unique(histories, return_counts=True)
        type_keys, history_types = np.unique(pair_keys // V, return_counts=True)
        assert np.array_equal(type_keys, history_keys)
        tables.append(CountTable(pair_keys, pair_counts, history_keys, history_counts, history_types))
    return NGram(order=int(order), vocab_size=V, unigram=unigram, tables=tuple(tables))
