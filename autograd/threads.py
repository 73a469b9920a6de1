"""How many threads the math may use: PyTorch's `set_num_threads` / `get_num_threads`.

scratchgrad's heavy lifting is numpy's BLAS (every matmul, hence every convolution), so
the setting is BLAS's thread count, changed at run time through threadpoolctl (the
library scikit-learn uses for the same job). It is process-wide, as PyTorch's is, and
only changes when you call `set_num_threads`: importing scratchgrad changes nothing.

Why not a thread pool of our own for the elementwise passes (ReLU masks, pooling,
col2im, optimizer updates)? Measured on a 2-core machine, splitting a 7 MB ReLU over two
threads took 684-760 µs against 636-720 µs on one: those passes are limited by memory
bandwidth, not by cores, and OpenBLAS's idle threads spin on the other core. On a many-
core server they may scale; that has not been measured here (see README, Performance).
A split of convolution's im2col copy (45 MB for deep_convnet's second layer at batch
100) over a pool of two threads went from 7.7 to 4.7 ms with BLAS on one thread, but
took 8.2 ms when a BLAS call with two threads had just run: OpenBLAS's idle threads
spin for a while after each call and hold the core the pool wanted. A pool only pays
once it also runs the matmuls (BLAS on one thread, the GEMMs split by columns), which
is a larger change than this one and waits for a many-core machine to measure it on.
"""

import os


def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def get_num_threads():
    """The number of threads BLAS uses now (1 when no BLAS library can be seen)."""
    counts = [
        info["num_threads"] for info in _controller().info() if info.get("user_api") == "blas"
    ]
    return max(counts) if counts else 1


def set_num_threads(n):
    """Let BLAS use `n` threads (every matmul and convolution); process-wide."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a whole number >= 1, got {n!r}")
    _controller().limit(limits=n, user_api="blas")


def available_cores():
    """Cores this process may run on (its CPU affinity), for 'all threads' settings."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
