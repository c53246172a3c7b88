"""The text lab's models against character n-grams on the two held-out plays.

    python -m benchmarks.text_models [--json PATH] [--work build/text_lab]

Loads models/char_rnn.npz, char_lstm.npz and char_gru.npz, reads The Tempest and Macbeth (held out of
training; fetched with scripts/shakespeare_corpus.py into WORK if needed), and scores every character of
both plays, each read from h_0 = 0: bits per character (the mean of -log2 p of each next character) and
perplexity (2 to that power). Witten-Bell character n-grams (rnn_core.ngram), counted on the same training
text, are scored the same way. Also timed: scoring the two plays, and sampling 200 characters (the lesson's
Write part, one model). Prints a Markdown table; --json writes the numbers. Also prints the training
table from data/text_lab.json (what scripts/train_char_models.py recorded): updates, wall seconds and CPU
seconds per update, wall minutes per model, and what the CPU time implies for two idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import numpy as np

from benchmarks.report import save_json
from rnn_core import ngram
from rnn_core import text as tx
from scripts.shakespeare_corpus import fetch, read_corpus, split

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("rnn", "lstm", "gru")
NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
ORDERS = (3, 5)


def run(work: Path, models_dir: Path) -> dict:
    train, held = split(read_corpus(fetch(work), quiet=True))
    rows = {}
    vocab = tx.vocabulary(train)
    for kind in KINDS:
        path = models_dir / f"char_{kind}.npz"
        model = tx.load_char_model(path)
        assert model.vocab == vocab, "the model's vocabulary is not the training text's"
        indices = [tx.encode(vocab, text).indices for text in held.values()]
        start = time.perf_counter()
        bits = tx.text_bits(model, indices)
        scoring = time.perf_counter() - start
        start = time.perf_counter()
        tx.sample(model, tx.encode(vocab, "ROMEO.\n").indices, 200, 1.0, seed=0)
        sampling = time.perf_counter() - start
        total = float(np.concatenate(bits).mean())
        rows[kind] = {"name": NAMES[kind], "bits": total, "perplexity": 2 ** total,
                      "plays": [float(b.mean()) for b in bits], "hidden": model.hidden_size,
                      "parameters": int(sum(p.size for p in model.params.values())),
                      "file_mb": round(path.stat().st_size / 1e6, 2), "scoring_s": round(scoring, 2),
                      "sample_200_ms": round(1000 * sampling)}
    indices = tx.encode(vocab, train).indices
    for order in ORDERS:
        model = ngram.fit_ngram(indices, order, len(vocab))
        bits = [model.bits(tx.encode(vocab, text).indices) for text in held.values()]
        total = float(np.concatenate(bits).mean())
        rows[f"{order}-gram"] = {"name": f"{order}-gram (Witten-Bell)", "bits": total, "perplexity": 2 ** total,
                                 "plays": [float(b.mean()) for b in bits]}
    return {"held_out": list(held), "characters": [len(text) for text in held.values()], "models": rows,
            "load_average": os.getloadavg()[0]}


def table(result: dict) -> str:
    plays = " | ".join(name.removesuffix("_gut.txt").title() for name in result["held_out"])
    lines = [f"| model | bits per character | perplexity | {plays} | parameters | file | 200 characters sampled |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["models"].values():
        per_play = " | ".join(f"{b:.3f}" for b in row["plays"])
        extra = (f"{row['parameters']:,} | {row['file_mb']:.1f} MB | {row['sample_200_ms']} ms"
                 if "parameters" in row else "counts | | ")
        lines.append(f"| {row['name']} | {row['bits']:.3f} | {row['perplexity']:.2f} | {per_play} | {extra} |")
    return "\n".join(lines)


def cpu_per_update(results: dict) -> dict:
    """CPU seconds per update of each model: as recorded by the script, or, where the run did not record it
    (the LSTM and GRU runs were resumed from before the script counted CPU time), as the training note in the
    same file states it, measured from the processes (those include the held-out evaluations)."""
    stated = {name.lower(): float(value) for name, value in
              re.findall(r"\b(RNN|LSTM|GRU) (\d+\.\d+)", results.get("training_note", ""))}
    return {kind: (results["models"][kind]["cpu_seconds_per_update"] or stated.get(kind),
                   results["models"][kind]["cpu_seconds_per_update"] is not None)
            for kind in KINDS}


def training_table(results: dict) -> tuple[str, dict]:
    """The training cost per model (Markdown), and the totals: CPU minutes of all three, the wall minutes
    they took, and the wall minutes the CPU time implies on two idle cores (the longest model on one core,
    the other two on the other, as the script's two workers run them)."""
    cpu = cpu_per_update(results)
    lines = ["| model | updates | wall seconds per update | CPU seconds per update | wall minutes |",
             "|---|---:|---:|---:|---:|"]
    minutes = {}
    for kind in KINDS:
        record = results["models"][kind]
        updates = record["config"]["steps"]
        per_update, recorded = cpu[kind]
        minutes[kind] = per_update * updates / 60
        lines.append(f"| {NAMES[kind]} | {updates:,} | {record['seconds_per_update']:.3f} | {per_update:.3g}"
                     f"{'' if recorded else ' *'} | {record['training_seconds'] / 60:.1f} |")
    longest = max(minutes, key=minutes.get)
    two_cores = max(minutes[longest], sum(minutes.values()) - minutes[longest])
    totals = {"cpu_minutes": minutes, "wall_minutes": results["training_wall_minutes"],
              "two_idle_cores_minutes": two_cores, "longest": longest}
    lines.append(f"| all three, {results['workers']} workers | | | | {results['training_wall_minutes']:.1f} |")
    return "\n".join(lines), totals


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "text_lab")
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--results", type=Path, default=ROOT / "data" / "text_lab.json")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    trained, totals = training_table(json.loads(args.results.read_text()))
    print("Training (recorded by scripts/train_char_models.py; * measured from the processes, see the note)\n")
    print(trained)
    print(f"\nCPU minutes: " + ", ".join(f"{NAMES[k]} {m:.1f}" for k, m in totals["cpu_minutes"].items())
          + f"; on two idle cores about {totals['two_idle_cores_minutes']:.0f} minutes of wall time "
            f"(measured: {totals['wall_minutes']:.1f} on a loaded machine)\n")
    args.work.mkdir(parents=True, exist_ok=True)
    result = run(args.work, args.models)
    print(f"Held-out bits per character: {', '.join(result['held_out'])} "
          f"({sum(result['characters']):,} characters, each play read from h_0 = 0; timed at load average "
          f"{result['load_average']:.1f} on {os.cpu_count()} cores)\n")
    print(table(result))
    save_json(args.json, dict(result, training=totals))
    return result


if __name__ == "__main__":
    main()
