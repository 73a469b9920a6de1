"""Devices: tensors live in numpy arrays on the CPU, or in CuPy arrays on an NVIDIA GPU.

CuPy is optional (`pip install scratchgrad[gpu]`, or a `cupy-cuda12x` wheel that
matches your CUDA). It is imported only when a GPU is asked for, never when absent, and
`cuda.is_available()` says the truth: CuPy importable and a device visible.

    x = Tensor(data, device="cuda")         # or x.to("cuda"), x.cuda()
    model.to("cuda")                        # parameters and buffers move in place
    x.to("cpu"); x.device                   # device('cpu')

Mixing devices in one op raises PyTorch's error (`backend.namespace_of`). Moving a
tensor that is part of a graph is recorded (`to_device` is an op), so gradients flow
back to the device the data came from.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, TypeAlias, cast

import numpy as np

from .backend import DEFAULT_DEVICE, Array, device_name, is_device_array
from .op_table import register
from .random import checked_seed

if TYPE_CHECKING:
    from .tensor import Tensor

GPU_HINT = (
    "install CuPy for your CUDA version (pip install 'scratchgrad[gpu]' for CUDA "
    "12, pip install cupy-cuda13x for CUDA 13) on a machine with an NVIDIA GPU"
)


class _DeviceSpec(Protocol):
    """A device object of another library (a `torch.device`): it has a `type`."""

    @property
    def type(self) -> str: ...


#: What names a device: "cpu", "cuda", "cuda:1", a Device or a torch.device.
DeviceLike: TypeAlias = "str | Device | _DeviceSpec"


class Device:
    """Where a tensor lives: `Device("cpu")`, `Device("cuda")`, `Device("cuda:1")`
    (PyTorch's `torch.device`; also accepts a torch.device or another Device)."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, spec: DeviceLike = "cpu", index: int | None = None) -> None:
        if isinstance(spec, Device) or hasattr(spec, "type") and not isinstance(spec, str):
            spec, index = spec.type, getattr(spec, "index", None) if index is None else index
        if not isinstance(spec, str):
            raise TypeError(f"a device is 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda") or (number and not number.isdigit()):
            raise ValueError(
                f"unknown device {spec!r}: scratchgrad runs on 'cpu' (numpy) "
                "and 'cuda' / 'cuda:N' (CuPy)"
            )
        if number:
            index = int(number)
        if kind == "cpu" and index not in (None, 0):
            raise ValueError(f"there is one cpu device, got cpu:{index}")
        self.type = kind
        self.index = index if kind == "cuda" else None

    def __eq__(self, other: object) -> bool:
        try:
            other = Device(cast(Any, other))  # anything not a device: TypeError, not equal
        except (TypeError, ValueError):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


device = Device


class GpuProperties(NamedTuple):
    """What `cuda.get_device_properties` tells (PyTorch's names)."""

    name: str
    total_memory: int
    major: int
    minor: int
    multi_processor_count: int


def _gpu() -> Any:
    """CuPy, when it sees a GPU; PyTorch's kind of RuntimeError otherwise."""
    if not cuda.is_available():
        raise RuntimeError(f"CUDA is not available: no GPU is visible ({GPU_HINT})")
    return _cupy()


def _cupy() -> Any:
    """CuPy, imported on first use; a clear error when it cannot be had."""
    try:
        import cupy
    except ImportError:
        raise RuntimeError(f"CUDA is not available: CuPy is not installed ({GPU_HINT})") from None
    return cupy


class cuda:
    """`scratchgrad.cuda.is_available()` and friends (PyTorch's `torch.cuda`)."""

    #: `torch.cuda.amp` (autocast, GradScaler): set by scratchgrad/amp.py, the top level
    amp: ClassVar[ModuleType]

    @staticmethod
    def is_available() -> bool:
        """True when CuPy imports and sees at least one GPU (never imports CuPy's
        absence into an error)."""
        try:
            import cupy

            return cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:  # not installed, no driver, no device: all mean "no"
            return False

    @staticmethod
    def device_count() -> int:
        """As torch.cuda.device_count: how many GPUs CuPy sees (0 without CuPy or a GPU)."""
        return _cupy().cuda.runtime.getDeviceCount() if cuda.is_available() else 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Seeding boilerplate's `torch.cuda.manual_seed(seed)`: checks the seed and seeds
        nothing more, because a GPU tensor's random numbers are drawn from the generator
        `scratchgrad.manual_seed` seeds (on the CPU, then moved), not from one of its own."""
        checked_seed(seed)

    manual_seed_all = manual_seed

    @staticmethod
    def empty_cache() -> None:
        """As torch.cuda.empty_cache: give CuPy's cached GPU memory back to the driver
        (a no-op when CuPy was never imported)."""
        cupy = sys.modules.get("cupy")
        if cupy is not None:
            cupy.get_default_memory_pool().free_all_blocks()

    @staticmethod
    def is_bf16_supported(including_emulation: bool = True) -> bool:
        """As torch.cuda.is_bf16_supported: False, because numpy and CuPy have no
        bfloat16 (mixed-precision code then takes its float16 or float32 branch)."""
        return False

    @staticmethod
    def current_device() -> int:
        """As torch.cuda.current_device: the index of the GPU new tensors go to."""
        return int(_gpu().cuda.Device().id)

    @staticmethod
    def set_device(device: DeviceLike | int) -> None:
        """As torch.cuda.set_device: make GPU `device` (an index, "cuda:N" or a Device)
        the current one."""
        index = device if isinstance(device, int) else Device(device).index or 0
        _gpu().cuda.Device(index).use()

    @staticmethod
    def get_device_properties(device: DeviceLike | int = 0) -> GpuProperties:
        """As torch.cuda.get_device_properties: name, total_memory (bytes), major and
        minor (compute capability), multi_processor_count."""
        index = device if isinstance(device, int) else Device(device).index or 0
        raw = _gpu().cuda.runtime.getDeviceProperties(index)
        name = raw["name"]
        return GpuProperties(
            name.decode() if isinstance(name, bytes) else str(name),
            int(raw["totalGlobalMem"]),
            int(raw["major"]),
            int(raw["minor"]),
            int(raw["multiProcessorCount"]),
        )

    @staticmethod
    def get_device_name(device: DeviceLike | int = 0) -> str:
        """As torch.cuda.get_device_name: e.g. 'NVIDIA H100 80GB HBM3'."""
        return cuda.get_device_properties(device).name

    @staticmethod
    def memory_allocated(device: DeviceLike | int | None = None) -> int:
        """As torch.cuda.memory_allocated: bytes held by tensors now (CuPy's memory
        pool's used bytes; 0 without a GPU or before one was used)."""
        cupy = sys.modules.get("cupy")
        return int(cupy.get_default_memory_pool().used_bytes()) if cupy is not None else 0

    @staticmethod
    def memory_reserved(device: DeviceLike | int | None = None) -> int:
        """As torch.cuda.memory_reserved: bytes the memory pool holds (used or cached)."""
        cupy = sys.modules.get("cupy")
        return int(cupy.get_default_memory_pool().total_bytes()) if cupy is not None else 0

    @staticmethod
    def synchronize() -> None:
        """As torch.cuda.synchronize: wait for the GPU's queued work (for timing); a no-op
        without a GPU."""
        if cuda.is_available():
            _cupy().cuda.Device().synchronize()


class accelerator:
    """PyTorch's `torch.accelerator` (the newest tutorials' device line:
    `torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
    else "cpu"`): the accelerator here is a CUDA GPU through CuPy, or none."""

    @staticmethod
    def is_available() -> bool:
        """Whether a GPU can be used (`cuda.is_available()`)."""
        return cuda.is_available()

    @staticmethod
    def current_accelerator() -> Device | None:
        """device('cuda') when a GPU can be used, else None (as PyTorch without one)."""
        return Device("cuda") if cuda.is_available() else None

    @staticmethod
    def device_count() -> int:
        """How many GPUs can be used (0 without CuPy or a GPU)."""
        return cuda.device_count()


class mps:
    """Apple's GPU is not supported (PyTorch code asks `torch.backends.mps`)."""

    @staticmethod
    def is_available() -> bool:
        """Always False (as torch.backends.mps.is_available on a machine without MPS)."""
        return False


def set_default_device(device: DeviceLike | None) -> None:
    """As torch.set_default_device: where `Tensor(...)`, `tensor(...)`, the factories
    (`zeros`, `randn`, ...) and so every layer's parameters go when no device is given.
    "cuda" (checked: a GPU must be visible); "cpu" or None for the host, the default."""
    target = None if device is None else Device(device)
    if target is not None and target.type == "cuda":
        _gpu()
        DEFAULT_DEVICE[0] = target
    else:
        DEFAULT_DEVICE[0] = None


def get_default_device() -> Device:
    """As torch.get_default_device: device('cpu') unless `set_default_device` chose a GPU."""
    return DEFAULT_DEVICE[0] or Device("cpu")


def move_array(array: Array, target: Device) -> Array:
    """`array` on the `target` Device (the same object when it is already there)."""
    if target.type == "cpu":
        if isinstance(array, np.ndarray):
            return array
        if not is_device_array(array):
            return np.asarray(array)  # a list or a number
        return _cupy().asnumpy(array)
    cp = _cupy()
    if not cuda.is_available():
        raise RuntimeError(f"CUDA is not available: no GPU is visible to CuPy ({GPU_HINT})")
    with cp.cuda.Device(target.index or 0):
        return cp.asarray(array)


def on_host(x: Any) -> Any:
    """x's numbers as a numpy array (a Tensor's data; a GPU array copied to the host), for
    the few things computed on the CPU whatever the device: numpy's random draws,
    histograms, printing."""
    x = getattr(x, "_data", x)
    return np.asarray(move_array(x, Device("cpu")) if is_device_array(x) else x)


def _to_device_vjp(node: Tensor, g: Any, xs: Sequence[Any], out: Any) -> tuple[Any]:
    return (TO_DEVICE(g, device=Device(device_name(xs[0]))),)


TO_DEVICE = register(
    "to_device",
    lambda x, device: move_array(x, device),
    _to_device_vjp,
    linear=True,
    symbol="to",
    doc="copy to another device;  the gradient goes back to where x was",
)


def to_device(tensor: Tensor, target: DeviceLike) -> Tensor:
    """`tensor` on `target`: itself if already there, a recorded copy if it is part of a
    graph, else a new constant."""
    target = Device(target)
    if Device(device_name(tensor._data)) == target:
        return tensor
    if tensor.requires_grad:
        return tensor._apply(TO_DEVICE, (tensor,), device=target)
    return tensor._constant_like(move_array(tensor._data, target))


def parse_to_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Device | None, np.dtype[Any] | None]:
    """(device or None, dtype or None) from PyTorch's `.to(...)` forms."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword(s) {sorted(kwargs)}")
    for arg in args:
        if hasattr(arg, "_data") and hasattr(arg, "dtype"):  # to(other_tensor)
            device, dtype = device_name(arg._data), arg.dtype
        elif isinstance(arg, (str, Device)):
            device = arg
        elif isinstance(arg, (np.dtype, type)) or not hasattr(arg, "type"):
            dtype = arg
        else:  # a torch.device
            device = arg
    if dtype is not None:
        dtype = np.dtype(dtype)
    return (None if device is None else Device(device)), dtype
