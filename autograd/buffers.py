"""Reuse the engine's own big gradient arrays across training steps (numpy only).

A training step allocates and frees the same few large temporaries every time, and a
freshly allocated big block is often new memory to the operating system: every page of
it faults on first touch (measured: ~1,800 faults, about 4 ms of a 17 ms SimpleConvNet
step). Changing glibc's malloc thresholds would fix that for the whole process, which a
library must not do. So the engine keeps the arrays it owns instead:

* the reverse pass hands an intermediate gradient to `give` when it has passed it on,
  and `give` keeps it only if nothing else can see it (no other reference, no view);
* a VJP that needs a new big array asks `empty(shape, dtype)`, which returns a kept
  array of that shape and dtype, or allocates one.

Arrays that reach a user (outputs, leaves' `.grad`, anything retained) are never kept.
The pool is per thread and bounded (`MAX_KEPT_BYTES`); `release()` empties it.
"""

import sys
import threading

import numpy as np

from . import threads

MIN_BYTES = 1 << 18  # smaller blocks come from malloc's own free lists
MAX_KEPT_BYTES = 256 << 20  # per thread


class _Pool(threading.local):
    def __init__(self):
        self.free = {}  # (shape, dtype) -> [arrays]
        self.bytes = 0


_pool = _Pool()


def empty(shape, dtype):
    """An uninitialised array of `shape` and `dtype`: a kept one when there is one."""
    arrays = _pool.free.get((shape, dtype))
    if arrays:
        array = arrays.pop()
        _pool.bytes -= array.nbytes
        return array
    return np.empty(shape, dtype)


def zeros(shape, dtype):
    """A zeroed array of `shape` and `dtype`, reusing a kept one when there is one."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def give(array, held):
    """Keep `array` for reuse if the caller's `held` references are the only ones (no
    other name, container or view can see it). Returns whether it was kept."""
    # references: the caller's `held`, this function's parameter, getrefcount's argument
    if (
        array.__class__ is not np.ndarray
        or array.nbytes < MIN_BYTES
        or sys.getrefcount(array) != held + 2
        or not array.flags.owndata
        or not array.flags.writeable
    ):
        return False
    return keep(array)


def keep(array):
    """Keep a private scratch array (the caller's own, seen by nobody else) for reuse.
    Returns whether it was kept (not when the pool is full)."""
    if _pool.bytes + array.nbytes > MAX_KEPT_BYTES:
        return False
    _pool.free.setdefault((array.shape, array.dtype), []).append(array)
    _pool.bytes += array.nbytes
    return True


def release():
    """Forget every kept array (the memory goes back to malloc)."""
    _pool.free.clear()
    _pool.bytes = 0


def kept_bytes():
    """Bytes kept for reuse in this thread."""
    return _pool.bytes


def multiply(g, d):
    """`g * d` for a gradient `g` and a local derivative `d` that does not change its
    shape or dtype (a mask, a number, an array like g), written into a kept array."""
    if (
        g.__class__ is np.ndarray
        and g.nbytes >= MIN_BYTES
        and (d.__class__ is np.ndarray and d.shape == g.shape and np.result_type(g, d) == g.dtype)
    ):
        return threads.ufunc(np.multiply, g, d, out=empty(g.shape, g.dtype))
    return g * d
