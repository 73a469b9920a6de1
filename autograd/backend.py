"""Which library computes an op: numpy on the CPU, CuPy on a GPU, `floatmath` for Values.

Every forward and derivative in the op table asks `namespace(x)` for the module of its
input and calls that (`xp.exp(x)`), never numpy directly, so a Tensor living on a GPU
never round-trips through the host, and an array type of our own (the tests use one that
refuses numpy) runs the whole table. numpy, CuPy (recognised by its module: CuPy 14 has
no `__array_namespace__`) and any array type with `__array_namespace__` (the Python
array API standard) work.

`floatmath` is the namespace of plain Python floats (a `Value`'s data). It follows
Python's float rules made explicit: where numpy would return inf or nan with a warning,
it raises an error that names the op and the input (`log(0)`, `sqrt(-1)`, `1 / 0`,
`exp(1000)`), because a scalar graph is small and exists to be understood.
"""

import contextlib
import math
import sys
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

#: An array an op computes on: numpy's on the CPU, CuPy's on a GPU (duck-typed as numpy's).
Array: TypeAlias = np.ndarray[Any, Any]
#: What a user may pass where data is expected: an array, a list, a number.
ArrayLike: TypeAlias = npt.ArrayLike


#: Where new tensors go when no device is given (`devices.set_default_device`): None is
#: the host; otherwise a GPU Device.
DEFAULT_DEVICE: list[Any] = [None]


def namespace(x: Any) -> Any:
    """The array module that computes on `x`: numpy, CuPy, ... or `floatmath` for floats."""
    cls = x.__class__
    if cls is np.ndarray:
        return np
    if cls is float:
        return floatmath
    get = getattr(x, "__array_namespace__", None)
    if get is not None:
        xp = get()
        return np if xp.__name__ == "numpy" else xp
    if cls.__module__.startswith("cupy"):  # CuPy 14 has no __array_namespace__
        return sys.modules["cupy"]
    return np  # Python ints, lists: numpy's conversion rules


def is_device_array(x: Any) -> bool:
    """An array of another library (CuPy, or any array-API array) — not numpy's, not a
    number or a list: it stays where it lives instead of being converted by numpy."""
    if isinstance(x, (np.ndarray, np.generic)):
        return False
    return hasattr(x, "__array_namespace__") or x.__class__.__module__.startswith("cupy")


def namespace_of(*xs: Any) -> Any:
    """The one module for several inputs; mixing devices is refused (PyTorch's rule)."""
    first = namespace(xs[0])
    for x in xs[1:]:
        other = namespace(x)
        if other is not first and floatmath not in (first, other):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two "
                f"devices, {device_name(xs[0])} and {device_name(x)}! Move them with "
                ".to(device) first."
            )
    return first


def value_range(array: Any) -> tuple[Any, Any]:
    """(smallest, largest) element of a non-empty array, as Python numbers: from a GPU
    array both come back together, so the host waits for the device once, not twice."""
    xp = namespace(array)
    low, high = xp.stack([array.min(), array.max()]).tolist()
    return low, high


def device_name(array: Any) -> str:
    """'cpu' for numpy arrays and floats, 'cuda:N' for CuPy arrays."""
    device = getattr(array, "device", None)
    if device is None or isinstance(array, np.ndarray) or device == "cpu":
        return "cpu"
    index = getattr(device, "id", None)
    return f"cuda:{index}" if index is not None else str(device)


def quiet(xp: Any) -> contextlib.AbstractContextManager[Any]:
    """Silence inf/nan warnings where the library has them (numpy's errstate)."""
    errstate = getattr(xp, "errstate", None)
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


class floatmath:
    """The namespace of Python floats (a `Value`'s numbers), with errors that teach."""

    @staticmethod
    def exp(x: float) -> float:
        """e^x; an OverflowError that suggests a fix past exp(709.78)."""
        try:
            return math.exp(x)
        except OverflowError:
            raise OverflowError(
                f"exp({x!r}) overflows a float (limit is about "
                "exp(709.78)). Scale the input down or use a "
                "max-subtracted form."
            ) from None

    @staticmethod
    def log(x: float) -> float:
        """Natural log; a ValueError naming the input for x <= 0."""
        if x <= 0.0:
            raise ValueError(
                f"log of a non-positive number: log({x!r}). log is defined "
                "for x > 0; clip the input or add an epsilon."
            )
        return math.log(x)

    @staticmethod
    def sqrt(x: float) -> float:
        """Square root; a ValueError naming the input for x < 0."""
        if x < 0.0:
            raise ValueError(f"sqrt of a negative number: sqrt({x!r}).")
        return math.sqrt(x)

    @staticmethod
    def divide(a: float, b: float) -> float:
        """a / b; a ZeroDivisionError that suggests an epsilon for b == 0."""
        try:
            return a / b
        except ZeroDivisionError:
            raise ZeroDivisionError(
                f"Value division by zero: {a!r} / 0.0. Add a small epsilon to the denominator."
            ) from None

    @staticmethod
    def power(a: float, b: float) -> float:
        """a ** b; an error for 0 ** negative, overflow, or a complex (non-real) result."""
        try:
            out = a**b
        except ZeroDivisionError:
            raise ZeroDivisionError(f"Value power: 0.0 ** {b!r} divides by zero.") from None
        except OverflowError:
            raise OverflowError(f"Value power {a!r} ** {b!r} overflows a float.") from None
        if isinstance(out, complex):
            raise ValueError(
                f"Value power {a!r} ** {b!r} is not a real number (negative "
                "base with a non-integer exponent)."
            )
        return out

    tanh = staticmethod(math.tanh)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    log1p = staticmethod(math.log1p)
    abs = staticmethod(abs)

    @staticmethod
    def maximum(a: float, b: float) -> float:
        """The larger of a and b, NaN if either is NaN (numpy's `maximum` on floats)."""
        return a if a >= b or a != a else b  # NaN wins, as numpy's

    @staticmethod
    def sign(x: float) -> float:
        """-1, 0 or +1 (0 at 0 and at NaN, as PyTorch's abs backward)."""
        return float((x > 0.0) - (x < 0.0))

    @staticmethod
    def where(condition: Any, a: float, b: float) -> float:
        """`a if condition else b` (numpy's `where` on floats)."""
        return a if condition else b


class ieee:
    """Float helpers for derivatives: IEEE results (inf/nan) instead of exceptions, so a
    Value's gradient is the number a Tensor's (and PyTorch's) would be."""

    @staticmethod
    def divide(a: float, b: float) -> float:
        """a / b with IEEE results for b == 0: ±inf, or nan for 0 / 0."""
        if b:
            return a / b
        return math.copysign(math.inf, a) if a else math.nan

    @staticmethod
    def power(a: float, b: float) -> float:
        """a ** b with IEEE results: inf on division by zero or overflow, nan if complex."""
        try:
            out = a**b
        except (ZeroDivisionError, OverflowError):
            return math.inf
        return math.nan if isinstance(out, complex) else out

    @staticmethod
    def log(x: float) -> float:
        """Natural log with IEEE results: -inf at 0, nan below 0."""
        return math.log(x) if x > 0.0 else (-math.inf if x == 0.0 else math.nan)
