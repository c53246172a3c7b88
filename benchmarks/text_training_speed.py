"""How long the text lab's training takes per update on this machine, measured, not estimated.

    python -m benchmarks.text_training_speed [--updates 30]

Times --updates updates of rnn_core.text.text_step per cell, with the configuration that trained the shipped
models (data/text_lab.json: H = 256, 64 streams, chunks of 100 characters, Adam, clipping), one BLAS thread
per process as scripts/train_char_models.py runs them, on a text of random characters from the models'
vocabulary (the cost of an update does not depend on which characters it reads). Prints wall and CPU seconds
per update and what 10,000 updates of the three cells cost: in one process, and in the script's two workers
(the LSTM on one core; the GRU, then the RNN on the other).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from rnn_core import text as tx

RESULTS = Path(__file__).resolve().parents[1] / "data" / "text_lab.json"


def time_updates(config: tx.TextConfig, vocab: str, updates: int) -> tuple[float, float]:
    """Wall and CPU seconds per update, after one update that is not timed (first-touch allocations)."""
    rng = np.random.default_rng(0)
    indices = rng.integers(len(vocab), size=200_000)
    run = tx.start_run(config, vocab, len(indices))
    run, _, _ = tx.text_step(run, indices)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(updates):
        run, _, _ = tx.text_step(run, indices)
    return (time.perf_counter() - wall) / updates, (time.process_time() - cpu) / updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text())
    vocab = results["corpus"]["vocab"]
    per_update = {}
    with threadpool_limits(limits=1):
        for kind, record in results["models"].items():
            config = tx.TextConfig(**record["config"])
            per_update[kind] = time_updates(config, vocab, args.updates)
    steps = next(iter(results["models"].values()))["config"]["steps"]
    print(f"Text lab training speed: {args.updates} timed updates per cell, one BLAS thread, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| cell | wall s / update | CPU s / update | 10,000 updates, wall minutes |")
    print("|---|---:|---:|---:|")
    for kind, (wall, cpu) in per_update.items():
        print(f"| {kind} | {wall:.3f} | {cpu:.3f} | {wall * steps / 60:.1f} |")
    minutes = {kind: wall * steps / 60 for kind, (wall, _) in per_update.items()}
    two_workers = max(minutes["lstm"], minutes["gru"] + minutes["rnn"])
    print(f"\nAll three in one process: {sum(minutes.values()):.1f} minutes; in two workers (LSTM | GRU then RNN): "
          f"{two_workers:.1f} minutes, if each worker has a core of its own.")


if __name__ == "__main__":
    main()
