"""The core's cost at the scale of a long lesson: T = 1000 steps, H = 64 hidden units.

    python -m benchmarks.core_timings [--repeats 5] [--json PATH]

For RNN (tanh), LSTM and GRU: unroll, backward (dL/dh_t = 1 at every step) and
jacobian_norms, each the median of --repeats runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.report import save_json
from rnn_core import GRU, LSTM, RNN, jacobian_norms

T, H, I = 1000, 64, 8


def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, result


def measure(repeats: int = 5) -> list[dict]:
    x = np.random.default_rng(0).standard_normal((T, I))
    rows = []
    for name, cell in [("RNN", RNN.random(I, H, seed=0)), ("LSTM", LSTM.random(I, H, seed=0)),
                       ("GRU", GRU.random(I, H, seed=0))]:
        unroll_ms, trace = timed(lambda: cell.unroll(x), repeats)
        backward_ms, _ = timed(lambda: cell.backward(trace, np.ones_like(trace.h)), repeats)
        jacobian_ms, _ = timed(lambda: jacobian_norms(cell, trace), repeats)
        rows.append(dict(cell=name, unroll_ms=round(unroll_ms, 1), backward_ms=round(backward_ms, 1),
                         jacobian_norms_ms=round(jacobian_ms, 1),
                         total_ms=round(unroll_ms + backward_ms + jacobian_ms, 1)))
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"Core timings, T = {T}, H = {H}, I = {I} (median, ms)", "",
             "| cell | unroll | backward | jacobian_norms | total |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['cell']} | {r['unroll_ms']} | {r['backward_ms']} | {r['jacobian_norms_ms']} | {r['total_ms']} |"
              for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = measure(args.repeats)
    print(table(rows))
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
