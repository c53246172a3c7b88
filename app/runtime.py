"""Process settings for fast NumPy training (the app and the benchmarks call this once).

Kept out of rnn_core, which imports NumPy only and changes nothing outside itself.
"""

import ctypes
import functools
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
