"""Where a move's server time goes, in a real server under a class: py-spy samples, grouped.

    python -m benchmarks.profile_hall [--students 30] [--moves 10] [--think 1] [--rate 250] [--json PATH]

One Streamlit process of the course on 127.0.0.1, warmed up, then a class of benchmarks.hall
students while py-spy (pip install py-spy; it needs ptrace, i.e. root or CAP_SYS_PTRACE) samples
the thread of the server that holds the GIL: the time that one process cannot spread over more
cores. Each sample is charged to one part, the first that matches (from the script's own work to
the server's), and the parts are reported as milliseconds per move (samples / rate / moves), next
to the process's CPU time per move from /proc (which also holds what runs without the GIL):

- the course's numerics (any frame in rnn_core/);
- st.plotly_chart: Streamlit turning a figure spec into its element (JSON, element id);
- figure building (app/figures/ and Plotly, outside st.plotly_chart);
- Streamlit's forward-message hashing (every element is serialised once more to hash it);
- other Streamlit calls from the lesson (widgets, text, caching, fragments);
- the lesson's own Python (pages/, app/ outside the above);
- outside the script: sending (protobuf serialisation, the websocket), the script runner
  (starting runs, widget states) and the rest of the event loop.

Unlike benchmarks.profile_pages (cProfile of one AppTest rerun per lesson), this includes the
server's own work (serialisation, sending, the event loop) and a realistic mix of moves.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

from benchmarks import hall
from benchmarks.report import save_json
from benchmarks.server_stats import cpu_seconds

REPO = str(hall.REPO_ROOT)
# (part, test on the frames of one sample, outermost first); the first part that matches gets the sample
PARTS = [
    ("course numerics (rnn_core)", lambda f: any(f"{REPO}/rnn_core/" in x for x in f)),
    ("st.plotly_chart (spec to element)", lambda f: any("streamlit/elements/plotly_chart.py" in x for x in f)),
    ("figure building (app.figures, Plotly)", lambda f: any(f"{REPO}/app/figures/" in x for x in f)),
    ("forward-message hashing (Streamlit)", lambda f: any("streamlit/runtime/forward_msg_cache.py" in x for x in f)),
    ("other Streamlit calls from the lesson", lambda f: _in_script(f) and any("/streamlit/" in x for x in
                                                                                 _after_script(f))),
    ("the lesson's own Python (pages/, app/)", lambda f: _in_script(f)),
    ("sending (serialisation, websocket)", lambda f: any(s in x for x in f for s in (
        "serialize_forward_msg", "starlette_websocket.py", "/websockets/", "/uvicorn/", "/starlette/"))),
    ("script runner (start, widget states, finish)", lambda f: any("streamlit/runtime/" in x for x in f)),
    ("event loop and the rest", lambda f: True),
]


def _in_script(frames: list[str]) -> bool:
    return any(f"{REPO}/pages/" in x or f"{REPO}/app/" in x for x in frames)


def _after_script(frames: list[str]) -> list[str]:
    """The frames below the course's outermost frame (what the lesson called)."""
    first = next(i for i, x in enumerate(frames) if f"{REPO}/pages/" in x or f"{REPO}/app/" in x)
    return frames[first:]


def parse_raw(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) output: one `frame;frame;... count` line per distinct stack."""
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            stacks.append((stack.split(";"), int(count)))
    return stacks


def charge(stacks: list[tuple[list[str], int]]) -> dict[str, int]:
    """Samples per part (PARTS, first match wins)."""
    parts: dict[str, int] = collections.Counter()
    for frames, count in stacks:
        part = next(name for name, matches in PARTS if matches(frames))
        parts[part] += count
    return dict(parts)


def top_self(stacks: list[tuple[list[str], int]], n: int = 12) -> list[tuple[int, str]]:
    """The functions most often on top of the stack (self time), in samples."""
    counts: dict[str, int] = collections.Counter()
    for frames, count in stacks:
        counts[frames[-1].replace(REPO + "/", "").split("site-packages/")[-1]] += count
    return sorted(((c, f) for f, c in counts.items()), reverse=True)[:n]


def profile(args) -> dict:
    pyspy = shutil.which("py-spy")
    if not pyspy:
        raise SystemExit("py-spy not found: pip install py-spy")
    pages = hall.course_pages(args.lessons)
    klass = SimpleNamespace(moves=args.moves, think=args.think, ramp=args.ramp, seed=0, timeout=60, time_limit=600,
                            processes=[1])
    with tempfile.TemporaryDirectory() as tmp, hall.server(1) as (base_url, pids):
        hall.warm_up(base_url, pages, klass)
        raw = Path(tmp) / "samples.txt"
        sampler = subprocess.Popen([pyspy, "record", "--pid", str(pids[0]), "--rate", str(args.rate), "--format",
                                    "raw", "--full-filenames", "--gil", "--nonblocking", "--output", str(raw)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = cpu_seconds(pids[0])
        result = asyncio.run(hall.run_class(base_url, pages, args.students, klass))
        cpu = cpu_seconds(pids[0]) - cpu_before
        sampler.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        sampler.wait(timeout=60)
        stacks = parse_raw(raw)
        if args.raw:
            shutil.copy(raw, args.raw)
    moves = len(result.moves)
    per_move = {part: round(samples / args.rate * 1e3 / moves, 2) for part, samples in charge(stacks).items()}
    return dict(students=args.students, moves=moves, errors=result.errors[:5], rate=args.rate,
                cpu_ms_per_move=dict(sorted(per_move.items(), key=lambda kv: -kv[1])),
                total_cpu_ms_per_move=round(sum(per_move.values()), 1),
                proc_cpu_ms_per_move=round(cpu * 1e3 / moves, 1),
                move_p50_ms=round(hall.percentile([m.ms for m in result.moves], 50)),
                top_self_samples=top_self(stacks))


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--ramp", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--lessons", type=lambda t: t.split(","), help="url paths (default: the whole course)")
    parser.add_argument("--raw", help="keep py-spy's samples (collapsed stacks) in this file")
    parser.add_argument("--json")
    args = parser.parse_args()
    row = profile(args)
    print(f"{row['students']} students, {row['moves']} moves (median {row['move_p50_ms']} ms); the server's CPU "
          f"time per move (/proc): {row['proc_cpu_ms_per_move']} ms; holding the GIL (py-spy): "
          f"{row['total_cpu_ms_per_move']} ms:\n")
    print("| part | ms per move, holding the GIL | share |\n|---|---:|---:|")
    for part, ms in row["cpu_ms_per_move"].items():
        print(f"| {part} | {ms} | {ms / row['total_cpu_ms_per_move']:.0%} |")
    print("\nMost sampled functions (self):")
    for count, name in row["top_self_samples"]:
        print(f"  {count:6d}  {name}")
    save_json(args.json, row)


if __name__ == "__main__":
    main()
