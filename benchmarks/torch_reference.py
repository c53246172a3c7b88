"""The memory-lab trainer against PyTorch: same weights, same batches, same updates.

    python -m benchmarks.torch_reference [--gap 60] [--seeds 4] [--steps 1500] [--json PATH]

1. Parity: for each cell, copies the NumPy model's initial weights into
   torch.nn.RNN/LSTM/GRU + Linear (float64), feeds both the same 30 training batches
   with Adam and clipping at 1.0, and prints the largest difference of the losses and
   of the final weights (they agree to rounding).
2. The numbers DESIGN.md quotes: trains PyTorch alone on the task (float32, hidden 32,
   batch 64, Adam, clip 1.0), starting from PyTorch's own default initialisation and
   from the lab's gate-bias initialisations, for several seeds, and reports the
   held-out accuracy and the step at which it first reached 95%.

Needs torch (an optional benchmark dependency, never needed by the app or the tests).
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.report import save_json
from rnn_core import tasks
from rnn_core.clipping import clip_by_norm
from rnn_core.optim import adam_init, adam_step
from rnn_core.train import TrainConfig, init_model, loss_and_grads

MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def torch_copy(model, torch):
    """torch.nn cell + Linear holding exactly the NumPy model's weights."""
    module = getattr(torch.nn, MODULES[model.kind])(model.cell.input_size, model.cell.hidden_size)
    linear = torch.nn.Linear(model.cell.hidden_size, model.readout.weight.shape[0])
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    module, linear = module.to(dtype), linear.to(dtype)
    with torch.no_grad():
        for name, value in model.cell.params.items():
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(np.array(value)))
        linear.weight.copy_(torch.from_numpy(np.array(model.readout.weight)))
        linear.bias.copy_(torch.from_numpy(np.array(model.readout.bias)))
    return module, linear


def parity(kind, torch, steps=30, gap=20, lr=0.003):
    model = init_model(kind, 32, seed=0, dtype=np.float64, forget_bias=3.0, update_bias=2.0)
    module, linear = torch_copy(model, torch)
    parameters = list(module.parameters()) + list(linear.parameters())
    optimizer = torch.optim.Adam(parameters, lr=lr)
    params, state = model.params, adam_init(model.params)
    batches = tasks.training_batches(0, gap, 64)
    loss_gap = 0.0
    for _ in range(steps):
        batch = next(batches)
        loss, grads, _ = loss_and_grads(model, batch.x, batch.targets)
        grads, _ = clip_by_norm(grads, 1.0)
        params, state = adam_step(params, grads, state, lr)
        model = model.with_params(params)
        out, _ = module(torch.from_numpy(batch.x))
        torch_loss = torch.nn.functional.cross_entropy(linear(out[-1]), torch.from_numpy(batch.targets))
        optimizer.zero_grad()
        torch_loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        loss_gap = max(loss_gap, abs(torch_loss.item() - loss))
    weight_gap = max(float(np.abs(getattr(module, f"{name}_l0").detach().numpy() - value).max())
                     for name, value in model.cell.params.items())
    return {"max_loss_difference": loss_gap, "max_weight_difference": weight_gap}


def torch_run(kind, gap, seed, steps, torch, gate_bias=None, lr=0.003, target=0.95, eval_every=25):
    """Train PyTorch alone; gate_bias None keeps PyTorch's default init (seeded by torch.manual_seed)."""
    torch.manual_seed(seed)
    hidden = 32
    module = getattr(torch.nn, MODULES[kind])(len(tasks.VOCAB), hidden)
    linear = torch.nn.Linear(hidden, len(tasks.MEALS))
    if gate_bias is not None and kind != "rnn":
        with torch.no_grad():
            module.bias_ih_l0[hidden:2 * hidden] = gate_bias  # LSTM forget gate / GRU update gate
            module.bias_hh_l0[hidden:2 * hidden] = 0.0
    parameters = list(module.parameters()) + list(linear.parameters())
    optimizer = torch.optim.Adam(parameters, lr=lr)
    batches = tasks.training_batches(seed, gap, 64, np.float32)
    held_out = tasks.held_out_set(seed, gap, 512, np.float32)
    x_test, y_test = torch.from_numpy(held_out.x), torch.from_numpy(held_out.targets)
    accuracy, solved_at = 0.0, None
    for step in range(1, steps + 1):
        batch = next(batches)
        out, _ = module(torch.from_numpy(batch.x))
        loss = torch.nn.functional.cross_entropy(linear(out[-1]), torch.from_numpy(batch.targets))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        if step % eval_every == 0:
            with torch.no_grad():
                accuracy = float((linear(module(x_test)[0][-1]).argmax(1) == y_test).float().mean())
            if accuracy >= target:
                solved_at = step
                break
    return {"accuracy": round(accuracy, 3), "solved_at": solved_at}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gap", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=TrainConfig().learning_rate)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install torch==2.13.0): nothing to compare against.")
        return None
    torch.set_num_threads(1)  # a correctness check, not a timing: one thread is robust on a busy machine
    report = {"parity": {}, "runs": {}}
    print("parity, float64, 30 steps of Adam + clip 1.0 from the same weights on the same batches:")
    for kind in MODULES:
        report["parity"][kind] = parity(kind, torch)
        p = report["parity"][kind]
        print(f"  {kind:5} max |loss difference| {p['max_loss_difference']:.1e}, "
              f"max |weight difference| {p['max_weight_difference']:.1e}")
    d = TrainConfig()
    setups = [("rnn", None), ("lstm", None), ("lstm", 0.0), ("lstm", d.forget_bias),
              ("gru", None), ("gru", 0.0), ("gru", d.update_bias)]
    print(f"\nPyTorch alone, gap {args.gap}, lr {args.lr:g}, at most {args.steps} steps, seeds 0..{args.seeds - 1}"
          " (solved = first evaluation at >= 95% held-out accuracy):")
    for kind, bias in setups:
        name = f"{kind} bias {'torch default' if bias is None else f'{bias:+g}'}"
        runs = [torch_run(kind, args.gap, seed, args.steps, torch, gate_bias=bias, lr=args.lr)
                for seed in range(args.seeds)]
        report["runs"][name] = runs
        solved = [r["solved_at"] for r in runs if r["solved_at"] is not None]
        print(f"  {name:24} solved {len(solved)}/{len(runs)}"
              + (f" (steps {sorted(solved)})" if solved else "")
              + f"; final accuracies {[r['accuracy'] for r in runs]}", flush=True)
    save_json(args.json, {"gap": args.gap, "lr": args.lr, "steps": args.steps, **report})
    return report


if __name__ == "__main__":
    main()
