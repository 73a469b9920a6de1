"""A pretend CuPy for the CPU: `cupy` as scratchgrad sees it on a machine with one GPU.

`install(monkeypatch)` puts it in sys.modules, so `scratchgrad.cuda.is_available()` is
True and `Tensor(x, device="cuda")`, `model.to("cuda")`, `nn.fit(..., device="cuda")`
take the very code paths a real GPU takes. Its arrays (`GpuArray`) behave as CuPy 14's
where it matters here: numpy functions dispatch to them, but they can never become numpy
arrays implicitly (`np.asarray(a)` raises TypeError; `.get()` / `cupy.asnumpy(a)` copy
to the host), they meet no host array in arithmetic, their class lives in a `cupy`
module and has no `__array_namespace__`, and the API is bounded by cupy_api.json.
"""

import contextlib
import sys
from types import SimpleNamespace

import cupy_api
import numpy as np
from strict_array import DispatchingArray, NumpyUsed, _DispatchingNamespace


class _CudaDevice:
    """cupy.cuda.Device: a context manager naming a GPU by its index."""

    def __init__(self, index=0):
        if index != 0:
            raise RuntimeError(f"cudaErrorInvalidDevice: the pretend machine has one GPU ({index})")
        self.id = index

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass

    def use(self):
        pass

    def __eq__(self, other):
        return isinstance(other, _CudaDevice) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


#: How many times numbers came back from the pretend GPU: each is a moment where a real
#: host waits for its GPU to finish (bool(a), float(a), a.item(), a.tolist(), a.get()).
round_trips = [0]


class GpuArray(DispatchingArray):
    """A pretend cupy.ndarray (on the CPU)."""

    __slots__ = ()
    __array_namespace__ = None  # CuPy 14 has none; scratchgrad knows it by its module
    device = _CudaDevice(0)

    def __bool__(self):
        round_trips[0] += 1
        return bool(self.a)

    def __float__(self):
        round_trips[0] += 1
        return float(self.a)

    def __int__(self):
        round_trips[0] += 1
        return int(self.a)

    def __getattr__(self, name):
        if name in ("item", "tolist"):
            round_trips[0] += 1
        return super().__getattr__(name)

    def __array__(self, *args, **kwargs):
        raise NumpyUsed(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
            "to construct a NumPy array explicitly."
        )

    def get(self, stream=None, order="C", out=None, blocking=True):
        round_trips[0] += 1
        return self.a.copy()

    def __repr__(self):
        return f"array({self.a!r}) on the pretend GPU"


GpuArray.__module__ = "cupy._core.core"


def _asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    """cupy.asarray: a host array (or list, number) copied to the GPU; a GPU array as is."""
    if isinstance(a, GpuArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    if (
        isinstance(a, DispatchingArray)
        or isinstance(a, (list, tuple))
        and any(isinstance(v, GpuArray) for v in a)
    ):
        raise TypeError("unsupported input for cupy.asarray")
    return GpuArray(np.array(a, dtype=dtype, order=order or "K"))


def _array(a, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    """cupy.array: a copy on the GPU (of a GPU array: made there, no round trip)."""
    if isinstance(a, GpuArray):
        return GpuArray(np.array(a.a, dtype=dtype, copy=True, order=order, ndmin=ndmin))
    return _asarray(np.array(a, dtype=dtype, order=order, ndmin=ndmin))


def _asnumpy(a, stream=None, order="C", out=None, blocking=True):
    return a.get() if isinstance(a, GpuArray) else np.asarray(a)


def module():
    """The pretend `cupy` module."""
    fake = _DispatchingNamespace(np, "cupy")
    fake.array_type = GpuArray
    fake.ndarray = GpuArray
    fake.__version__ = cupy_api.VERSION
    fake.asarray = _asarray
    fake.array = _array
    fake.asnumpy = _asnumpy
    fake.cuda = SimpleNamespace(
        Device=_CudaDevice,
        runtime=SimpleNamespace(
            getDeviceCount=lambda: 1,
            getDeviceProperties=lambda index: {
                "name": b"pretend GPU",
                "totalGlobalMem": 8 << 30,
                "major": 8,
                "minor": 0,
                "multiProcessorCount": 2,
            },
        ),
        Stream=SimpleNamespace(null=SimpleNamespace(synchronize=lambda: None)),
    )
    fake.get_default_memory_pool = lambda: SimpleNamespace(
        free_all_blocks=lambda: None, used_bytes=lambda: 0, total_bytes=lambda: 0
    )
    return fake


def install(monkeypatch):
    """Make `import cupy` give the pretend module for one test."""
    fake = module()
    monkeypatch.setitem(sys.modules, "cupy", fake)
    return fake


@contextlib.contextmanager
def installed():
    """The same outside pytest's monkeypatch (a script, a notebook cell)."""
    saved = sys.modules.get("cupy")
    sys.modules["cupy"] = module()
    try:
        yield sys.modules["cupy"]
    finally:
        if saved is None:
            sys.modules.pop("cupy", None)
        else:
            sys.modules["cupy"] = saved
