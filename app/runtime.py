"""Process settings for fast NumPy training (the app and the benchmarks call this once).

Kept out of rnn_core, which imports NumPy only and changes nothing outside itself.
"""

import asyncio.base_events
import ctypes
import functools
import socket
import sys

from threadpoolctl import threadpool_limits


def keep_freed_memory(limit=32 * 2**20):
    """Ask glibc to keep up to `limit` bytes of freed memory for reuse (process-wide, idempotent).

    A training step makes ~20 MB of short-lived NumPy arrays. By default glibc hands
    large freed blocks back to the operating system, and the next step page-faults
    them in again, which takes longer than the arithmetic (measured here: an LSTM
    step at the lab's sizes, 9.6 ms -> 4.9 ms with a 32 MB limit, no faster with 256 MB).
    The limit stays small so that memory freed when a class leaves goes back to the
    system. Returns whether it applied (Linux with glibc only; elsewhere nothing changes).
    """
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3                   # glibc's malloc.h
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 2**20)) and bool(mallopt(M_TRIM_THRESHOLD, int(limit)))


@functools.cache  # the entrypoint runs on every rerun; the limit is set once per process
def one_blas_thread():
    """Run NumPy's matrix products (OpenBLAS) on one thread in this process (process-wide).

    The course's matrices are small (H up to 64) and a server answers many students at once on a few
    cores: OpenBLAS's threads then only wait for each other. Measured here on a busy 2-core machine, a
    (256, 64) @ (64, 64) product: 2.7 ms with OpenBLAS's 2 threads, 0.16 ms with one; a memory-lab
    training step at H = 64: 170-260 ms, and 9-36 ms with one thread. Returns the BLAS libraries limited.
    """
    import numpy  # noqa: F401  (loads OpenBLAS, so that there is a library to limit)

    return threadpool_limits(1, user_api="blas")


def _set_nodelay(sock):
    """asyncio's own rule for TCP_NODELAY, without its test of the socket's protocol number."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def tcp_nodelay():
    """Send each websocket frame at once (TCP_NODELAY) on every connection the server accepts from now on.

    Streamlit 1.67 binds its listening socket with protocol number 0, and asyncio turns Nagle's
    algorithm off only on sockets whose protocol is IPPROTO_TCP: so every websocket kept it on, and
    the later frames of each rerun waited for the browser's delayed acknowledgement, 40 ms on Linux
    (up to 200 ms on Windows). Measured on the floor page: a move took 48 ms from request to the end of
    the run, 6 ms with this (docs/lecture_hall.md). The entrypoint runs once the server is up, so the
    first connection to a fresh server keeps the delay and every later one is fixed. Idempotent.
    Streamlit's own fix would be one line in its _bind_socket (create the socket with IPPROTO_TCP).
    """
    if hasattr(asyncio.base_events, "_set_nodelay"):  # a private name of asyncio (3.11 to 3.13): guarded
        asyncio.base_events._set_nodelay = _set_nodelay
