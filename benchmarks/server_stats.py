"""Shared by the load benchmarks: a server's memory and CPU time from /proc, and percentiles.

psutil is not a dependency: Linux's /proc says all the benchmarks need.
"""

from __future__ import annotations

import os


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/<pid>/status (nan once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, elapsed) CPU seconds of the whole machine so far, summed over its cores, from /proc/stat.

    Busy is everything but idle and I/O wait. The difference of two readings, less the server's and
    the load generator's own CPU time, is what the rest of the machine used meanwhile.
    """
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def process_tree(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of `root` and every living descendant of it, parents before children.

    Found through each process's parent id in /proc/<pid>/stat, so it works for the children
    of a shell script (scripts/serve_class.sh) as well as for a direct child.
    """
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    found, frontier = [(root, command_line(root))], [root]
    while frontier:
        parent = frontier.pop(0)
        children = sorted(pid for pid, ppid in parents.items() if ppid == parent)
        found += [(pid, command_line(pid)) for pid in children]
        frontier += children
    return [(pid, line) for pid, line in found if line]


def command_line(pid: int) -> str:
    """A process's command line, spaces between the arguments ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile with linear interpolation (numpy's default); nan for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
