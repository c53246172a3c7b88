"""Precompute the memory lab's "accuracy against the gap" chart and store it as data.

    python scripts/precompute_accuracy_vs_gap.py [--gaps 0 10 ... 100] [--seeds 3] [--workers 2]
                                                 [--only lstm_b0] [--gradients-only] [--out data/accuracy_vs_gap.json]

Trains the tanh RNN, the LSTM and the GRU with the lab's default settings
(rnn_core.train.TrainConfig), and the LSTM once more with its forget-gate bias at 0
(variant "lstm_b0"), at every gap, for seeds 0, 1, 2, and records the held-out
accuracy at the end of each run (runs stop early at the target accuracy) and its mean
over the seeds. The page shows the stored curves at once and retrains any single gap
live with exactly the stored settings and seed 0, so a student can check a point.
Runs are spread over --workers processes (about ten minutes on 2 cores). --only trains
the named variants and keeps the others from the existing file (same settings, gaps
and seeds).

It also records, for every variant and gap, how much gradient reaches the first word
before training (rnn_core.memory.start_gradient_log10, the mean over the seeds), which
the page uses to say why a line is where it is. --gradients-only recomputes just that
(a few minutes) and keeps every trained number.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.runtime import keep_freed_memory  # noqa: E402
from rnn_core.memory import start_gradient_log10  # noqa: E402
from rnn_core.train import TrainConfig, train  # noqa: E402

# variant -> how its runs differ from the lab's defaults
VARIANTS = {"rnn": {"cell": "rnn"}, "lstm": {"cell": "lstm"}, "gru": {"cell": "gru"},
            "lstm_b0": {"cell": "lstm", "forget_bias": 0.0}}
DEFAULT_GAPS = list(range(0, 101, 10))
DESCRIPTION = ("Held-out accuracy after training at each gap with the memory lab's default settings (a variant's "
               "changes to them in variants); accuracy is the mean over the seeds, by_seed[variant][gap index][seed] "
               "each run. start_gradient_log10[variant][gap index]: log10 of the spectral norm of d state_T / "
               "d state_1 before training (rnn_core.memory.start_gradient_log10), the mean over the seeds.")


def one_run(config):
    keep_freed_memory()  # as the app's entrypoint does (a worker process's own setting)
    start = time.perf_counter()
    result = train(config)
    return {"accuracy": result.accuracy, "steps": result.steps_run, "seconds": round(time.perf_counter() - start, 2)}


def one_gradient(config, seeds):
    keep_freed_memory()
    return round(start_gradient_log10(config, seeds), 3)


def gradients(base, gaps, seeds, workers):
    """variant -> [log10 of the gradient reaching the first word before training, at each gap]."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {(name, gap): pool.submit(one_gradient, base.replace(**VARIANTS[name], gap=gap), seeds)
                   for name in VARIANTS for gap in gaps}
        return {name: [futures[name, gap].result() for gap in gaps] for name in VARIANTS}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gaps", type=int, nargs="+", default=DEFAULT_GAPS)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="+", choices=sorted(VARIANTS), help="train these variants only and keep "
                        "the others from the existing --out file")
    parser.add_argument("--gradients-only", action="store_true", help="recompute the gradients before training "
                        "only and keep the trained numbers of the existing --out file")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "accuracy_vs_gap.json")
    args = parser.parse_args(argv)
    base = TrainConfig()
    gaps = sorted(args.gaps)
    seeds = list(range(args.seeds))
    kept = {}
    if args.only or args.gradients_only:
        kept = json.loads(args.out.read_text())
        if (kept["config"], kept["gaps"], kept["seeds"]) != (dataclasses.asdict(base), gaps, seeds):
            parser.error(f"{args.out} was computed with other settings, gaps or seeds: recompute every variant")
    if args.gradients_only:
        start = time.perf_counter()
        kept["description"] = DESCRIPTION
        kept["start_gradient_log10"] = gradients(base, gaps, seeds, args.workers)
        args.out.write_text(json.dumps(kept, indent=1) + "\n")
        print(f"wrote the gradients to {args.out} in {time.perf_counter() - start:.0f} s")
        return
    names = args.only or list(VARIANTS)
    jobs = [(name, gap, seed) for gap in gaps for name in names for seed in seeds]
    jobs.sort(key=lambda job: -job[1])  # longest sentences first, so the workers finish together
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {job: pool.submit(one_run, base.replace(**VARIANTS[job[0]], gap=job[1], seed=job[2]))
                   for job in jobs}
        runs = {job: future.result() for job, future in futures.items()}

    def table(field):
        fresh = {name: [[runs[name, gap, seed][field] for seed in seeds] for gap in gaps] for name in names}
        return {name: fresh[name] if name in fresh else kept[field][name] for name in VARIANTS}

    by_seed = table("accuracy")
    out = {
        "description": DESCRIPTION,
        "config": dataclasses.asdict(base),
        "variants": VARIANTS,
        "gaps": gaps,
        "seeds": seeds,
        "accuracy": {name: [round(float(sum(row)) / len(row), 4) for row in by_seed[name]] for name in VARIANTS},
        "by_seed": by_seed,
        "steps": table("steps"),
        "seconds": table("seconds"),
        "start_gradient_log10": gradients(base, gaps, seeds, args.workers),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{'gap':>4} " + " ".join(f"{name:>12}" for name in VARIANTS))
    for k, gap in enumerate(gaps):
        print(f"{gap:4d} " + " ".join(f"{out['accuracy'][name][k]:12.3f}" for name in VARIANTS))
    print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s with {args.workers} workers")


if __name__ == "__main__":
    main()
