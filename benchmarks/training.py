"""One training step of the memory lab, NumPy (rnn_core) against PyTorch CPU, side by side.

    python -m benchmarks.training [--json PATH] [--rounds 7] [--steps 20]

A step is: forward through T steps, the readout on the last state, cross-entropy,
BPTT, clipping by global norm 1.0 and one Adam update; float32, the lab's sizes
(vocabulary of the task, hidden 32, batch 64, 64 steps = gap 60). Both sides train
the same initial weights on the same fixed batch (making batches is not timed).
PyTorch runs torch.nn.RNN/LSTM/GRU + Linear + torch.optim.Adam with its default
threads (--torch-threads changes that). Rounds alternate NumPy and PyTorch so both
see the same machine load; the median round is reported. On a busy machine PyTorch's
multi-threaded kernels can slow down by orders of magnitude (threads wait for cores
that other processes hold): compare with --torch-threads 1 before drawing conclusions. Without torch installed the script says so and times
NumPy alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from benchmarks.report import save_json
from rnn_core import tasks
from rnn_core.clipping import clip_by_norm
from rnn_core.optim import adam_init, adam_step
from app.runtime import keep_freed_memory
from rnn_core.train import init_model, loss_and_grads

KINDS = ("rnn", "lstm", "gru")
HIDDEN, BATCH, LENGTH, LEARNING_RATE, CLIP = 32, 64, 64, 0.003, 1.0


def numpy_trainer(kind, batch):
    """A closure doing one full training step of our NumPy trainer per call."""
    model = init_model(kind, HIDDEN, seed=0, forget_bias=3.0, dtype=np.float32)
    params = model.params
    state = adam_init(params)

    def step():
        nonlocal model, params, state
        _, grads, _ = loss_and_grads(model, batch.x, batch.targets)
        grads, _ = clip_by_norm(grads, CLIP)
        params, state = adam_step(params, grads, state, LEARNING_RATE)
        model = model.with_params(params)

    return step


def torch_trainer(kind, batch, torch):
    """The same step in PyTorch, from the same initial weights."""
    model = init_model(kind, HIDDEN, seed=0, forget_bias=3.0, dtype=np.float32)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](len(tasks.VOCAB), HIDDEN)
    linear = torch.nn.Linear(HIDDEN, len(tasks.MEALS))
    with torch.no_grad():
        for name, value in model.cell.params.items():
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(np.array(value)))
        linear.weight.copy_(torch.from_numpy(np.array(model.readout.weight)))
        linear.bias.copy_(torch.from_numpy(np.array(model.readout.bias)))
    parameters = list(module.parameters()) + list(linear.parameters())
    optimizer = torch.optim.Adam(parameters, lr=LEARNING_RATE)
    x, targets = torch.from_numpy(batch.x), torch.from_numpy(batch.targets)

    def step():
        optimizer.zero_grad()
        out, _ = module(x)
        loss = torch.nn.functional.cross_entropy(linear(out[-1]), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, CLIP)
        optimizer.step()

    return step


def rate(step, steps):
    """Training steps per second over `steps` calls."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per framework")
    parser.add_argument("--steps", type=int, default=20, help="training steps per round")
    parser.add_argument("--torch-threads", type=int, help="torch.set_num_threads (default: PyTorch's own default)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed (pip install torch==2.13.0): timing NumPy alone.")
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    keep_freed_memory()  # as the app's entrypoint does
    gap = LENGTH - 1 - len(tasks.PROMPT)
    batch = tasks.sample_batch(tasks.stream(0, tasks.TRAIN_STREAM), gap, BATCH, np.float32)
    results = {}
    for kind in KINDS:
        runners = {"numpy": numpy_trainer(kind, batch)}
        if torch is not None:
            runners["torch"] = torch_trainer(kind, batch, torch)
        rates = {name: [] for name in runners}
        for name, step in runners.items():  # warm up
            rate(step, 3)
        for _ in range(args.rounds):
            for name, step in runners.items():
                rates[name].append(rate(step, args.steps))
        results[kind] = {f"{name}_steps_per_s": round(statistics.median(r), 1) for name, r in rates.items()}
        if torch is not None:
            results[kind]["ratio"] = round(results[kind]["numpy_steps_per_s"] / results[kind]["torch_steps_per_s"], 2)
    header = {"sizes": {"vocabulary": len(tasks.VOCAB), "hidden": HIDDEN, "batch": BATCH, "steps": LENGTH,
                        "dtype": "float32"},
              "numpy": np.__version__, "torch": None if torch is None else torch.__version__,
              "torch_threads": None if torch is None else torch.get_num_threads(),
              "cpu_count": os.cpu_count(), "load_average": os.getloadavg()[0]}
    print(f"one training step, hidden {HIDDEN}, batch {BATCH}, {LENGTH} steps, float32 "
          f"(median of {args.rounds} rounds of {args.steps} steps; load average {header['load_average']:.1f})")
    print(f"{'cell':6} {'numpy steps/s':>14} {'torch steps/s':>14} {'numpy/torch':>12}")
    for kind, r in results.items():
        torch_rate = f"{r['torch_steps_per_s']:14.1f}" if torch is not None else f"{'-':>14}"
        ratio = f"{r['ratio']:11.2f}x" if torch is not None else f"{'-':>12}"
        print(f"{kind:6} {r['numpy_steps_per_s']:14.1f} {torch_rate} {ratio}")
    save_json(args.json, {"results": results, **header})
    return results


if __name__ == "__main__":
    main()
