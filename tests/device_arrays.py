"""The array type the device tests put their tensors on: a pretend device on the CPU by
default (strict_array.py), or a real GPU through CuPy with SCRATCHGRAD_TEST_DEVICE=cuda
(`python -m bench.gpu_check` sets it on a machine with a GPU)."""

import os

import numpy as np
from strict_array import DispatchingArray, StrictArray

ON_GPU = os.environ.get("SCRATCHGRAD_TEST_DEVICE", "").startswith("cuda")


def _cupy():
    import cupy

    return cupy


def strict(array):
    """`array` on the device the table tests use (refusing numpy on the CPU)."""
    return _cupy().asarray(array) if ON_GPU else StrictArray(np.array(array))


def dispatching(array):
    """`array` on the device the training tests use (CuPy-like on the CPU)."""
    return _cupy().asarray(array) if ON_GPU else DispatchingArray(np.array(array))


def on_device(x):
    x = getattr(x, "_data", x)
    return isinstance(x, _cupy().ndarray) if ON_GPU else isinstance(x, StrictArray)


def host(x):
    """Numbers back on the host, as a numpy array, for comparing."""
    x = getattr(x, "_data", x)
    if ON_GPU and isinstance(x, _cupy().ndarray):
        return _cupy().asnumpy(x)
    return x.a if isinstance(x, StrictArray) else np.asarray(x)
