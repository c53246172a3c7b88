"""Train the RNN, LSTM and GRU of the memory lab with its default settings at one gap.

    python -m benchmarks.memory_lab --gap 60 --json PATH [--seed 0]

Writes {"gap": 60, "results": {"rnn": {"accuracy", "steps", "seconds"}, "lstm": ..., "gru": ...}}:
held-out accuracy at the end, training steps taken (runs stop early at the target
accuracy) and wall-clock seconds of training, and prints them as a table.
"""

from __future__ import annotations

import argparse
import os
import time

from app.runtime import keep_freed_memory
from benchmarks.report import save_json
from rnn_core import tasks
from rnn_core.train import TrainConfig, train

KINDS = ("rnn", "lstm", "gru")


def run(gap, seed=0, kinds=KINDS):
    results = {}
    for kind in kinds:
        config = TrainConfig(cell=kind, gap=gap, seed=seed)
        start = time.perf_counter()
        result = train(config)
        seconds = time.perf_counter() - start
        results[kind] = {"accuracy": result.accuracy, "steps": result.steps_run, "seconds": round(seconds, 2)}
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gap", type=int, default=60, help=f"filler words, 0 to {tasks.MAX_GAP}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    if not 0 <= args.gap <= tasks.MAX_GAP:
        parser.error(f"--gap must be between 0 and {tasks.MAX_GAP}")
    keep_freed_memory()  # as the app's entrypoint does
    results = run(args.gap, args.seed)
    d = TrainConfig()
    print(f"gap {args.gap}, seed {args.seed}: hidden {d.hidden_size}, batch {d.batch_size}, Adam lr "
          f"{d.learning_rate:g}, clip {d.clip:g}, forget-gate bias {d.forget_bias:g}, update-gate bias "
          f"{d.update_bias:g}, at most {d.steps} steps, stop at {d.target_accuracy:.0%} held-out "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"{'cell':6} {'accuracy':>9} {'steps':>6} {'seconds':>8}")
    for kind, r in results.items():
        print(f"{kind:6} {r['accuracy']:9.3f} {r['steps']:6d} {r['seconds']:8.2f}")
    save_json(args.json, {"gap": args.gap, "results": results})
    return results


if __name__ == "__main__":
    main()
