"""`Tensor`: a numpy-backed node for real models, on the same op table and walker.

Dtypes: float32 stays float32 and float64 stays float64; ints, bools and Python lists
become float64 unless `dtype=` says otherwise (`scratchgrad.tensor` keeps integers, as
`torch.tensor` does). Numbers combined with a Tensor take the Tensor's dtype, so a float32
model keeps float32 activations and gradients.

Memory: `Tensor(x)` copies `x` (as `torch.tensor` does), so your arrays never change
under a graph and never have to be locked; `from_numpy(x)` shares `x`'s memory on
purpose. In-place edits follow PyTorch's version-counter rule (see `storage.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from . import dtypes, hooks
from .backend import (
    DEFAULT_DEVICE,
    Array,
    ArrayLike,
    device_name,
    is_device_array,
    namespace,
    namespace_of,
)
from .errors import ArgumentError, DtypeError, LinAlgError, ShapeError
from .grad_mode import STATE
from .in_place_methods import InPlaceMethods
from .indexing_functions import TensorIndexing
from .op_table import OPS
from .operators import Operators
from .ops_elementwise import MAXIMUM, MINIMUM
from .ops_reduce import SUM_N, normalize_axis
from .ops_shape import CAST, CONCATENATE, PIECEWISE_WHERE, STACK, WHERE
from .set_functions import TensorSets
from .storage import TrackedArray, VersionCounter, tracked_view
from .tensor_arithmetic import TensorArithmetic
from .tensor_compositions import TensorCompositions
from .tensor_extras import TensorExtras
from .tensor_info import TensorInfo
from .tensor_matrix import TensorMatrix
from .tensor_methods import TensorMethods, _frozen, _raw
from .tensor_rearranging import TensorRearranging
from .tensor_special import TensorSpecial
from .tensor_statistics import TensorStatistics
from .tensor_trigonometric import TensorTrigonometric
from .torch_array import as_grad

if TYPE_CHECKING:
    from .devices import DeviceLike
    from .hooks import RemovableHandle
    from .op_table import Op

_FLOAT_KINDS = "f"

_T = TypeVar("_T", bound="Tensor")
_R = TypeVar("_R")


def as_array(
    data: Any, dtype: npt.DTypeLike | None = None, what: str = "Tensor data", copy: bool = False
) -> Array:
    """`data` as an ndarray of a float dtype, or a TypeError naming what was wrong.
    `copy=True` guarantees an array that shares no memory with `data`."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, str) or (
        hasattr(data, "shape")
        and not isinstance(data, (np.ndarray, np.generic))
        and not hasattr(data, "__array__")
    ):
        raise TypeError(f"{what} must be numbers, got {type(data).__name__}")
    if isinstance(data, TrackedArray):
        data = data.view(np.ndarray)
    try:
        array = np.array(data, dtype=dtype, copy=True) if copy else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{what} must be numbers (a scalar, nested lists of equal length, "
            f"or an ndarray); got {type(data).__name__}: {err}"
        ) from None
    kind = array.dtype.kind
    if kind in "OSUVcmM":
        names = {
            "O": "object",
            "S": "bytes",
            "U": "string",
            "V": "structured",
            "c": "complex",
            "m": "timedelta",
            "M": "datetime",
        }
        raise TypeError(
            f"{what} has dtype {array.dtype} ({names[kind]}); Tensors hold "
            "real numbers: convert with np.asarray(x, dtype=np.float64)"
        )
    if dtype is None and kind not in _FLOAT_KINDS:
        array = array.astype(dtypes.get_default_dtype())
    elif (
        dtype is None
        and not isinstance(data, np.ndarray)
        and array.dtype.kind == "f"
        and array.dtype != dtypes.get_default_dtype()
        and not isinstance(data, np.generic)
    ):
        array = array.astype(dtypes.get_default_dtype())  # Python floats: the default
    return array


def own_array(data: Any, dtype: npt.DTypeLike | None = None, what: str = "Tensor data") -> Array:
    """`data` as a new array of its own: what a Tensor made from user data stores. An
    array of another library (a CuPy array on a GPU, or a GPU Tensor's) is copied where
    it lives."""
    if isinstance(data, Tensor):
        data = data._data
    if is_device_array(data):
        xp = namespace(data)
        if dtype is None and data.dtype.kind not in _FLOAT_KINDS:
            dtype = dtypes.get_default_dtype()
        return xp.array(data, dtype=dtype, copy=True)
    return as_array(data, dtype, what, copy=True)


class Tensor(
    TensorCompositions,
    TensorExtras,
    TensorArithmetic,
    TensorRearranging,
    TensorStatistics,
    TensorIndexing,
    TensorSets,
    TensorInfo,
    TensorTrigonometric,
    TensorSpecial,
    TensorMatrix,
    TensorMethods,
    InPlaceMethods,
    Operators,
):
    """An n-dimensional array that remembers how it was computed.

    >>> x = Tensor(np.random.randn(3, 4), requires_grad=True)
    >>> y = (x * 2).relu().sum(); y.backward(); x.grad.shape
    (3, 4)
    """

    __slots__ = (
        "_data",
        "grad",
        "label",
        "requires_grad",
        "_fn",
        "_parents",
        "_saved",
        "_retains",
        "_hooks",
        "_scope",
        "_vc",
        "_versions",
        "__weakref__",
    )
    _grad_init = None  # .grad is None until a backward reaches the tensor
    _keeps_grad = False  # intermediates drop their grad once passed on (retain_grad())
    _frees_graph = True  # saved arrays are released after backward unless retain_graph
    _is_scalar = False
    __array_priority__ = 1000  # ndarray + Tensor -> Tensor.__radd__

    def __init__(
        self,
        data: ArrayLike | Tensor,
        requires_grad: bool = False,
        dtype: npt.DTypeLike | None = None,
        label: str = "",
        device: DeviceLike | None = None,
    ) -> None:
        if not isinstance(requires_grad, (bool, np.bool_)):
            sizes = f"{data!r}, {requires_grad!r}"
            raise TypeError(
                f"Tensor(data, requires_grad): requires_grad must be True or False, got "
                f"{requires_grad!r}. For a tensor of a given shape, as PyTorch's legacy "
                f"torch.Tensor({sizes}), write torch.empty({sizes}) or torch.zeros({sizes})"
            )
        if type(data) is int:
            raise TypeError(
                f"Tensor({data}): PyTorch's legacy torch.Tensor({data}) reads an int as a "
                f"size; scratchgrad's Tensor(data) takes numbers. Write torch.empty({data}) "
                f"for {data} elements, or torch.tensor({data}.0) for the number"
            )
        self._data = own_array(data, dtype)
        if device is None and not is_device_array(self._data):
            device = DEFAULT_DEVICE[0]  # torch.set_default_device's GPU, or None: here
        if device is not None:
            from .devices import Device, move_array

            self._data = move_array(self._data, Device(device))
        self._vc = VersionCounter()
        self._versions = None
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require grad; this one has "
                f"dtype {self._data.dtype}. Use dtype=np.float32 or float64"
            )
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._parents = ()
        self._saved = None
        self._retains = False
        self._hooks = None
        self._scope = STATE.scopes

    # --- the engine hooks -------------------------------------------------------------

    def _lift(self, x: Any) -> Tensor:
        """Numbers and arrays become constant leaves of this tensor's dtype. An array is
        copied (as `torch.tensor` would), so writing into it later cannot change what a
        graph saw; a `.data` view of another tensor is shared, with that tensor's version
        counter."""
        if isinstance(x, Tensor):
            return x
        if isinstance(x, Operators):
            raise TypeError(
                f"cannot combine a Tensor with a {type(x).__name__}: wrap the "
                "scalar as Tensor(v.data) or use Values throughout"
            )
        ours = self._data.dtype
        if isinstance(x, (float, int)) and not isinstance(x, bool):
            # a number takes our dtype, unless it is a float and we hold integers (PyTorch:
            # int_tensor * 0.5 is a float tensor), or we hold bools (bool + 1 is int64)
            if ours.kind == "b":
                dtype = np.dtype(np.int64) if isinstance(x, int) else dtypes.get_default_dtype()
            else:
                keep = ours.kind == "f" or isinstance(x, int)
                dtype = ours if keep else dtypes.get_default_dtype()
            return _constant(namespace(self._data).asarray(x, dtype=dtype))
        if is_device_array(x):
            namespace_of(self._data, x)  # an array of another library: same device?
            return _constant(x)
        counter = x._counter if isinstance(x, TrackedArray) else None
        array = as_array(x, what="an operand of a Tensor op")  # (clear errors first)
        given = x.dtype.kind if isinstance(x, np.ndarray) else np.asarray(x).dtype.kind
        # a float ndarray keeps its dtype (numpy's and PyTorch's promotion); lists, numpy
        # scalars and integer or bool arrays (which as_array made float64) take ours, but
        # floats are never cut down to our integers
        if given != "f" or (ours.kind == "f" and not isinstance(x, np.ndarray)):
            array = array.astype(ours, copy=False)
        if counter is None and isinstance(x, np.ndarray) and np.may_share_memory(array, x):
            array = array.copy()
        return _constant(array, counter)

    @staticmethod
    def _apply(op: Op, inputs: tuple[Tensor, ...], **params: Any) -> Tensor:
        """Run `op`'s forward on the inputs' arrays and record the node (grad mode on and
        some input requiring grad). The one place a Tensor is made by an op."""
        state = STATE
        record = state.enabled and any([x.requires_grad for x in inputs])
        if record and params:
            params = _own_params(params)
        arrays = [x._data for x in inputs]
        kind = arrays[0].__class__
        for array in arrays:
            if array.__class__ is not kind:
                namespace_of(*arrays)  # raises if the devices differ
                break
        try:
            result = _forward(op, arrays, kind, params)
        except TypeError:  # numpy refuses some math on bools (-x): PyTorch makes floats
            if not any(a.dtype.kind == "b" for a in arrays):
                raise
            result = _forward(op, _widened(arrays), kind, params)
        if op.saves:
            data, saved = result
        else:
            data, saved = result, params or None
        if arrays[0].dtype.kind in "biu" and op is not CAST and _computed_narrow(data, arrays):
            # numpy computes bool / small ints in float16 or float32 (and -x of a uint8
            # wraps around); PyTorch computes them in the default dtype: so do we
            result = _forward(op, _widened(arrays), kind, params)
            data, saved = result if op.saves else (result, params or None)
        if not isinstance(data, kind) and (
            isinstance(data, np.generic) or not hasattr(data, "dtype")
        ):  # a full reduction's numpy scalar (not to_device's array of another kind)
            data = namespace(arrays[0]).asarray(data)
        if (
            (data.dtype is not arrays[0].dtype or (arrays[0].ndim == 0 and len(arrays) > 1))
            and data.dtype.kind == "f"
            and op is not CAST
        ):
            data = _float_result(data, arrays, op)
        out = Tensor.__new__(Tensor)
        out._data = data
        out._vc = _counter_of(data, inputs)
        out.grad = None
        out.label = ""
        out._retains = False
        out._hooks = None
        out._scope = state.scopes
        if record:
            out.requires_grad = True
            out._fn = op
            out._parents = inputs
            out._saved = saved
            # versions of the inputs and of the output itself: backward checks both
            out._versions = tuple([x._vc.value for x in inputs]) + (out._vc.value,)
            if state.anomaly:
                from .anomaly import check_forward

                check_forward(out)
            return out
        out.requires_grad = False
        out._fn = None
        out._parents = ()
        out._saved = None
        out._versions = None
        return out

    def _graph_seed(self, seed: Any) -> Tensor:
        """The seed of a create_graph backward, as a constant node."""
        return self._lift(seed)

    def _constant_like(self, array: Any) -> Tensor:
        """A constant leaf holding `array` (made by the engine: no copy). A numpy scalar
        (what `.all()` or a 0-d comparison gives) becomes a 0-d array."""
        return _constant(np.asarray(array) if isinstance(array, np.generic) else array)

    def _own_grad(self, grad: Any, upstream: Any) -> Any:
        """A leaf's first gradient: its own writable array of its own dtype (a GradArray:
        an ndarray that also takes PyTorch's tensor methods, as `p.grad.zero_()`)."""
        if isinstance(grad, Tensor):
            return grad
        flags = grad.flags
        if (
            grad is upstream
            or not getattr(flags, "writeable", True)
            or not flags.owndata
            or grad.dtype != self._data.dtype
            or grad.shape != self._data.shape
        ):
            xp = namespace(grad)
            grad = xp.array(xp.broadcast_to(grad, self._data.shape), dtype=self._data.dtype)
        return as_grad(grad)

    def _ones_seed(self) -> Array:
        if self._data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {self._data.shape}: grad can be implicitly "
                "created only for scalar outputs. Reduce it first (e.g. .sum() or .mean()) "
                "or pass gradient= an array of the same shape"
            )
        return namespace(self._data).ones_like(self._data)

    def _check_seed(self, gradient: Any) -> Any:
        if isinstance(gradient, Tensor):
            seed = gradient if STATE.enabled and gradient.requires_grad else gradient._data
            if seed is gradient and self._fn is None:  # a leaf's grad is never the seed
                seed = gradient._data
        elif is_device_array(gradient):
            namespace_of(self._data, gradient)
            seed = gradient  # an array on our GPU
        else:
            seed = as_array(gradient, what="backward(gradient=...)")
        if seed.shape != self._data.shape:
            raise ShapeError(
                f"backward(gradient=...) has shape {seed.shape} but the tensor "
                f"has shape {self._data.shape}; they must match"
            )
        return seed if isinstance(seed, Tensor) else seed.astype(self._data.dtype, copy=False)

    # --- attributes ---------------------------------------------------------------------

    @property
    def data(self) -> Array:
        """The numbers, as a numpy array viewing this tensor's storage. Writing through
        it (`t.data[0] = 1`, `t.data -= lr * g`) is an in-place edit: allowed, and counted,
        so a backward through a graph that used the old numbers raises instead of
        computing a wrong gradient (PyTorch's rule; see `autograd/storage.py`)."""
        if not isinstance(self._data, np.ndarray):  # a GPU array: handed out as is
            return self._data
        return tracked_view(self._data, self._vc)

    @data.setter
    def data(self, value: ArrayLike | Tensor) -> None:
        if isinstance(value, Tensor):  # a copy: the other tensor keeps its own counter
            value = value._data.copy()
        elif isinstance(value, TrackedArray) and value._counter is self._vc:
            value = value.view(np.ndarray)  # `t.data -= x` hands our own view back:
            if _same_layout(value, self._data):  # written in place, counted already
                return
        elif value is self._data:
            pass  # (a GPU array written in place)
        elif is_device_array(value):
            value = namespace(value).array(value, copy=True)  # stays on its device
        else:
            value = own_array(value, what="Tensor.data")
        self._data = cast(Array, value)  # (an array by now: each branch made one)
        self._vc.value += 1

    @property
    def _version(self) -> int:
        """How many in-place edits this tensor's storage has had (PyTorch's `_version`)."""
        return self._vc.value

    def copy_(self: _T, values: ArrayLike | Tensor) -> _T:
        """Overwrite the numbers in place (PyTorch's `copy_`). Allowed while a graph holds
        this tensor, and counted: that graph's backward then refuses the old numbers."""
        if isinstance(values, Tensor):
            values = values._data
        elif isinstance(values, TrackedArray):
            values = values.view(np.ndarray)
        if is_device_array(self._data) or is_device_array(values):  # across devices
            from .devices import Device, move_array

            if not isinstance(values, (int, float, bool)):
                values = move_array(cast(Any, values), Device(device_name(self._data)))
        self._data[...] = values
        self._vc.value += 1
        return self

    def _scratch_write(self, edit: Callable[..., _R], *args: Any) -> _R:
        """`edit(*args)` that restores the numbers before it returns (numerical
        differentiation nudges one element and puts it back): no version is counted."""
        return edit(*args)

    def edit_in_place(self, edit: Callable[..., _R], *args: Any) -> _R:
        """Run `edit(*args)`, which writes into this tensor's array, as a counted in-place
        edit (optimizers use it): allowed while a graph holds the tensor, and that graph's
        backward then raises instead of using the new numbers."""
        try:
            return edit(*args)
        finally:
            self._vc.value += 1

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape (numpy's tuple)."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype."""
        return self._data.dtype

    def item(self) -> float:
        """The one element as a Python number (float, or int/bool for such dtypes), as
        torch's `item()`; a ValueError for a tensor of several elements."""
        if self._data.size != 1:
            raise ShapeError(
                f"item() needs a tensor with one element, this one has shape {self._data.shape}"
            )
        return self._data.item()

    def numpy(self) -> Array:
        """The numbers as a numpy array sharing this tensor's memory (writes are counted
        in-place edits, as through `.data`). A GPU tensor raises, as in PyTorch: copying
        to the host is spelled `.cpu()`."""
        if is_device_array(self._data):
            raise TypeError(
                f"can't convert {device_name(self._data)} device type tensor to numpy. Use "
                "Tensor.cpu() to copy the tensor to host memory first."
            )
        return self.data

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> Array:
        """What `np.asarray(t)` sees: a read-only view (or a copy when asked for), so numpy
        code cannot write into the tensor behind the version counter's back."""
        if not isinstance(self._data, np.ndarray):
            raise TypeError(
                f"can't convert a {device_name(self._data)} tensor to a numpy "
                "array; copy it to the host first with .cpu()"
            )
        if copy or (dtype is not None and np.dtype(dtype) != self._data.dtype):
            return np.array(self._data, dtype=dtype)
        view = self._data.view()
        view.flags.writeable = False
        return view

    def detach(self) -> Tensor:
        """The same data as a new leaf without history. It shares memory and the version
        counter with this tensor (PyTorch's rule), so writing into it is seen by graphs
        that saved this one."""
        return _constant(self._data, self._vc)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` with this tensor's gradient in each backward; a Tensor it
        returns replaces the gradient (PyTorch's). Returns a handle: `.remove()`."""
        return hooks.register(self, hook)

    def retain_grad(self: _T) -> _T:
        """Keep this non-leaf tensor's `.grad` after backward (leaves always keep it)."""
        self._retains = True
        return self

    def requires_grad_(self: _T, flag: bool = True) -> _T:
        """Start (or stop) tracking gradients for this leaf, in place; returns the tensor
        (as torch's `requires_grad_`). Only floating-point leaves can require grad."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_() only changes leaves; use detach() first")
        if flag and self._data.dtype.kind not in _FLOAT_KINDS:
            raise DtypeError(
                f"only floating-point tensors can require grad, not {self._data.dtype}"
            )
        self.requires_grad = bool(flag)
        return self

    def __repr__(self) -> str:
        from .devices import on_host
        from .printing import array_text

        data = on_host(self._data)  # on a GPU: a host copy is printed
        # PyTorch's print options (set_printoptions): up to 1000 numbers shown whole, else
        # 3 at each edge
        body = array_text(data, prefix="Tensor(")
        extra = ""
        if self._fn is not None:
            extra = f", op={self._fn.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self._data.dtype != np.float64:
            extra += f", dtype={self._data.dtype}"
        if data is not self._data:
            extra += f", device='{device_name(self._data)}'"
        if self.label:
            extra += f", label={self.label!r}"
        return f"Tensor({body}{extra})"

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (`f"{loss:.3f}"`, PyTorch's rule); others as
        their repr, with no format spec."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ShapeError(
                f"the truth value of a tensor of shape {self._data.shape} is "
                "ambiguous; use .any() or .all(), or reduce it first"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor as an index (`range(t)`, `[...][t]`), as in PyTorch."""
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be used as an "
                f"index; this one has dtype {self._data.dtype} and shape "
                f"{self._data.shape}"
            )
        return int(self._data.item())

    # --- in-place arithmetic (PyTorch's `p -= lr * p.grad` under no_grad) ------------------

    def _refuse_in_place(self, name: str) -> None:
        """Raise where PyTorch refuses an in-place edit: on a tensor that requires grad
        while grad mode is on (the change would not be part of any graph)."""
        if self.requires_grad and STATE.enabled:
            where = (
                "a leaf tensor that requires grad"
                if self._fn is None
                else "a tensor that is part of a recorded graph"
            )
            raise RuntimeError(
                f"in-place {name} on {where} (shape {self.shape}) is not recorded for "
                "backward. For a parameter update, do it inside `with no_grad():` (or use an "
                "optimizer); to build a new value, write `y = y + x`."
            )

    def _in_place(self: _T, ufunc: np.ufunc, other: Any, name: str) -> _T:
        """`self <op>= other` written into this tensor's storage and counted as an edit
        (refused on a tensor that requires grad while grad mode is on)."""
        self._refuse_in_place(name)
        try:
            getattr(namespace(self._data), ufunc.__name__)(self._data, _raw(other), out=self._data)
        except TypeError as err:  # numpy's casting refusal (a float into an int tensor)
            raise DtypeError(f"{name} on a {self.dtype} tensor: {err}") from None
        except ValueError as err:  # the result's shape is not this tensor's
            raise ShapeError(f"{name} on a tensor of shape {self.shape}: {err}") from None
        self._vc.value += 1
        return self

    def _augmented(self, ufunc: np.ufunc, op: str, other: Any, name: str) -> Any:
        """`y += x` (and -=, *=, /=). Inside a recorded graph PyTorch records the in-place
        op; here the result is the new node `y + x`, which Python binds to the name y
        (`self.out += self.bias` in makemore's Linear), so gradients flow through it. The
        old node keeps its numbers (PyTorch's other names for y would see the new ones).
        Elsewhere it writes in place, and a leaf that requires grad is refused, as
        in PyTorch."""
        in_graph = self.requires_grad and self._fn is not None
        joins_graph = not self.requires_grad and isinstance(other, Tensor) and other.requires_grad
        if not (STATE.enabled and (in_graph or joins_graph)):
            return self._in_place(ufunc, other, name)
        if joins_graph and (type(self) is not Tensor or self._data.base is not None):
            what = "a view of another tensor" if type(self) is Tensor else type(self).__name__
            raise RuntimeError(
                f"{name}: the right side requires grad, and this tensor is {what}, which "
                "cannot become a node of the graph here (PyTorch writes through it). "
                "Build the new value under a new name (z = y + x), or torch.stack/cat "
                "the parts"
            )
        result = getattr(super(), op)(other)
        if result.shape != self.shape:
            raise RuntimeError(
                f"{name}: the result has shape {result.shape}, the tensor {self.shape}; "
                "an in-place op cannot broadcast the tensor it writes (PyTorch refuses "
                "this too): write y = y + x to get the broadcast result"
            )
        if result.dtype != self.dtype:
            if self.dtype.kind != "f":
                raise TypeError(
                    f"{name}: the result is {result.dtype}, which this tensor's "
                    f"{self.dtype} cannot hold (PyTorch refuses this too); convert first: "
                    "y = y.float()"
                )
            result = result.astype(self.dtype)
        result._retains, result.label = self._retains, self.label
        return result

    def __iadd__(self: _T, other: Tensor | ArrayLike) -> _T:
        return cast(_T, self._augmented(np.add, "__add__", other, "addition (+=)"))

    def __isub__(self: _T, other: Tensor | ArrayLike) -> _T:
        return cast(_T, self._augmented(np.subtract, "__sub__", other, "subtraction (-=)"))

    def __imul__(self: _T, other: Tensor | ArrayLike) -> _T:
        return cast(_T, self._augmented(np.multiply, "__mul__", other, "multiplication (*=)"))

    def __itruediv__(self: _T, other: Tensor | ArrayLike) -> _T:
        return cast(_T, self._augmented(np.true_divide, "__truediv__", other, "division (/=)"))

    def add_(self: _T, other: Any, alpha: float = 1) -> _T:
        """`self += alpha * other` in place (as torch's `add_`): counted as an edit, and
        refused on a tensor that requires grad while grad mode is on."""
        return self._in_place(np.add, _raw(other) * alpha if alpha != 1 else other, "add_")

    def sub_(self: _T, other: Any, alpha: float = 1) -> _T:
        """`self -= alpha * other` in place (as torch's `sub_`): counted as an edit."""
        return self._in_place(np.subtract, _raw(other) * alpha if alpha != 1 else other, "sub_")

    def mul_(self: _T, other: Any) -> _T:
        """`self *= other` in place (as torch's `mul_`): counted as an edit."""
        return self._in_place(np.multiply, other, "mul_")

    def div_(self: _T, other: Any) -> _T:
        """`self /= other` in place (as torch's `div_`): counted as an edit."""
        return self._in_place(np.true_divide, other, "div_")

    def zero_(self: _T) -> _T:
        """Set every element to 0 in place (counted as an edit)."""
        return self.fill_(0)

    def fill_(self: _T, value: Any) -> _T:
        """Set every element to `value` in place (counted as an edit)."""
        self._write(..., value, "fill_")
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value` written in place (PyTorch's indexed assignment, masks and
        index tensors included), counted as an edit. Refused on a tensor that requires
        grad while grad mode is on, and for a value that requires grad: the write would
        not be recorded, and its gradient would be silently lost."""
        self._write(index, value, "indexed assignment (t[...] = value)")

    def _write(self, index: Any, value: Any, name: str) -> None:
        self._refuse_in_place(name)
        if isinstance(value, Tensor) and value.requires_grad and STATE.enabled:
            raise RuntimeError(
                f"{name}: the value (shape {value.shape}) requires grad, and writing "
                "it into a tensor is not recorded for backward, so its gradient would be "
                "lost. Build the tensor from its parts instead (torch.stack, torch.cat, "
                "torch.where), or write value.detach() if no gradient should flow."
            )
        key = tuple(map(_frozen, index)) if isinstance(index, tuple) else _frozen(index)
        try:
            self._data[key] = _raw(value)
        except IndexError as err:
            raise IndexError(
                f"index {key!r} does not fit a tensor of shape {self.shape}: {err}"
            ) from None
        except ValueError as err:  # the value's shape does not fit the indexed part
            raise ShapeError(f"{name}: {err} (tensor of shape {self.shape})") from None
        self._vc.value += 1

    def scatter_(
        self: _T, dim: int, index: Any, src: Any = None, value: Any = None, reduce: Any = None
    ) -> _T:
        """PyTorch's `scatter_`, in place: along `dim`, position index[i][j] gets src[i][j]
        (or `value`): e.g. `zeros(10).scatter_(0, tensor(y), value=1)` is y's one-hot
        row. Counted as an edit, and refused where every in-place edit is."""
        if reduce is not None:
            raise ValueError("scatter_(reduce=...) is not supported (PyTorch deprecates it too)")
        if (src is None) == (value is None):
            raise TypeError("scatter_ takes src= (a tensor) or value= (a number), one of them")
        xp, at = namespace(self._data), _raw(index)
        if at.dtype.kind not in "iu":
            raise TypeError(f"scatter_'s index must hold integers, got dtype {at.dtype}")
        if at.ndim == 0:
            at = at.reshape((1,) * self.ndim)
        if at.ndim != self.ndim:
            raise ShapeError(
                f"scatter_: index has {at.ndim} dimensions, the tensor {self.ndim}; they must match"
            )
        axis = dim + self.ndim if dim < 0 else dim
        # position (i, j, ...) of index writes at (i, ..., index[i, j, ...] on `dim`, ...)
        key = tuple(
            at if a == axis else xp.arange(n).reshape((n,) + (1,) * (at.ndim - 1 - a))
            for a, n in enumerate(at.shape)
        )
        if src is not None:
            src = _raw(src)
            src = src[tuple(slice(0, n) for n in at.shape)] if getattr(src, "ndim", 0) else src
        self._write(key, value if src is None else src, "scatter_")
        return self

    def normal_(self: _T, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> _T:
        """Fill with draws from N(mean, std^2) in place (PyTorch's `normal_`)."""
        from .random import default_generator

        drawn = (generator or default_generator()).normal(mean, std, self.shape)
        self._write(..., drawn, "normal_")
        return self

    def uniform_(self: _T, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> _T:
        """Fill with draws from U(a, b) in place (PyTorch's `uniform_`)."""
        from .random import default_generator

        drawn = (generator or default_generator()).uniform(a, b, self.shape)
        self._write(..., drawn, "uniform_")
        return self

    def clamp_(self: _T, min: Any = None, max: Any = None) -> _T:
        """Limit to [min, max] in place (counted as an edit)."""
        if min is None and max is None:
            raise ValueError("clamp_() needs min, max or both")
        self._refuse_in_place("clamp_")
        namespace(self._data).clip(self._data, min, max, out=self._data)
        self._vc.value += 1
        return self


def _forward(op: Op, arrays: Sequence[Any], kind: type, params: dict[str, Any]) -> Any:
    """op's forward on raw arrays (quiet about inf/nan where the op may make them), with
    a shape error that names the op."""
    try:
        if op.quiet and kind is np.ndarray:
            with np.errstate(all="ignore"):
                return op.forward(*arrays, **params)
        return op.forward(*arrays, **params)
    except ValueError as err:
        if isinstance(err, np.linalg.LinAlgError):  # a matrix, not shapes, was the trouble
            raise LinAlgError(f"{op.name}: {err}") from None
        shapes = " and ".join(str(a.shape) for a in arrays)
        raise ShapeError(f"{op.name}: cannot combine shapes {shapes}: {err}") from None


def _widened(arrays: Sequence[Any]) -> list[Any]:
    """Integer and bool arrays as the default float dtype (float arrays as they are)."""
    want = dtypes.get_default_dtype()
    return [a.astype(want) if a.dtype.kind in "biu" else a for a in arrays]


def _computed_narrow(data: Any, arrays: Sequence[Any]) -> bool:
    """A float result of integer or bool inputs only, narrower than the default dtype."""
    if data.dtype.kind != "f" or data.dtype.itemsize >= dtypes.get_default_dtype().itemsize:
        return False
    return all(a.dtype.kind in "biu" for a in arrays)


def _float_result(data: Any, arrays: Sequence[Any], op: Op) -> Any:
    """PyTorch's dtype for floats: the float inputs' type (of the dimensioned ones, when
    there are any), or the default dtype when there are none (int / int, exp(int));
    numpy would give float64.
    For the table's ops only: an `autograd.Function`'s forward chooses its own dtype."""
    if OPS.get(op.name) is not op:
        return data
    floats = [a for a in arrays if a.dtype.kind == "f"]
    # as PyTorch: a 0-d float tensor does not raise a dimensioned float tensor's dtype
    # (w32 * tensor(0.5) stays float32), only a dimensioned one does
    dimensioned = [a.dtype for a in floats if a.ndim > 0]
    chosen = dimensioned or [a.dtype for a in floats]
    want = np.result_type(*chosen) if chosen else dtypes.get_default_dtype()
    return data if data.dtype == want else data.astype(want)


def _same_layout(a: Any, b: Any) -> bool:
    """Do two arrays view the same memory the same way (one is `b` handed back)?"""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.dtype == b.dtype
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _counter_of(data: Any, inputs: Sequence[Tensor]) -> VersionCounter:
    """The version counter of an op's output: an output that views an input's storage
    (reshape, transpose, basic indexing) shares that input's counter, as PyTorch's views
    do, so a write through either is seen by graphs that saved the other."""
    base = data.base
    for x in inputs:
        own = x._data
        if data is own or (base is not None and (base is own or base is own.base)):
            return x._vc
    return VersionCounter()


def _own_params(params: dict[str, Any]) -> dict[str, Any]:
    """Arrays passed to a recorded op (labels, masks, indices) are saved for backward:
    copy them, so editing yours afterwards cannot change the gradient."""
    owned: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, np.ndarray):
            value = np.array(value)
        elif is_device_array(value):
            value = value.copy()
        elif isinstance(value, tuple) and any(
            isinstance(v, np.ndarray) or is_device_array(v) for v in value
        ):
            value = tuple(
                np.array(v) if isinstance(v, np.ndarray) else v.copy() if is_device_array(v) else v
                for v in value
            )
        owned[name] = value
    return owned


def _constant(array: Any, counter: VersionCounter | None = None) -> Tensor:
    """A leaf holding `array` as is (no copy): for arrays the engine itself made."""
    t = Tensor.__new__(Tensor)
    t._data = array
    t._vc = VersionCounter() if counter is None else counter
    t._versions = None
    t.grad = None
    t.label = ""
    t.requires_grad = False
    t._fn = None
    t._parents = ()
    t._saved = None
    t._retains = False
    t._hooks = None
    t._scope = ()
    return t


def from_numpy(array: Array) -> Tensor:
    """A tensor that shares `array`'s memory (no copy; PyTorch's `torch.from_numpy`).
    Its dtype is the array's, integers included. Writes made through the tensor (`.data`,
    in-place ops, optimizers) are counted; writes into `array` itself are not seen by the
    version counter, exactly as in PyTorch: keep them out of a forward/backward pair."""
    if not isinstance(array, np.ndarray) or isinstance(array, TrackedArray):
        raise TypeError(
            f"from_numpy() expects a numpy ndarray, got {type(array).__name__}"
            "; use scratchgrad.tensor(data) to copy other data"
        )
    as_array(array)  # the same dtype checks as every Tensor (no strings, objects, ...)
    return _constant(array)


def tensor(
    data: ArrayLike | Tensor,
    requires_grad: bool = False,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
) -> Tensor:
    """A new tensor holding a copy of `data` (PyTorch's `torch.tensor`): integers and
    booleans keep their type, floats get the default dtype (float arrays keep theirs);
    `device="cuda"` puts it on the GPU."""
    if dtype is None and not isinstance(data, Tensor):
        probe = data if hasattr(data, "dtype") and hasattr(data, "shape") else np.asarray(data)
        if probe.dtype.kind in "iub":
            dtype = (
                np.int64 if probe.dtype.kind in "iu" and not hasattr(data, "dtype") else probe.dtype
            )
    elif dtype is None:
        dtype = cast(Tensor, data)._data.dtype  # (dtype is None: so data is a Tensor)
    if type(data) is int:  # a number here (Tensor(3) refuses it as PyTorch's size form)
        data = np.asarray(data)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _lift_all(items: Iterable[Any]) -> tuple[Tensor, ...]:
    items = list(items)
    if not items:
        raise ArgumentError("need at least one tensor")
    first = next((x for x in items if isinstance(x, Tensor)), None)
    if first is None:
        first = tensor(items[0])  # (as torch.tensor: an int stays an integer)
    return tuple(first._lift(x) for x in items)


def concatenate(tensors: Iterable[Tensor | ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (numpy's concatenate, torch.cat)."""
    items = _lift_all(tensors)
    return Tensor._apply(CONCATENATE, items, axis=normalize_axis(axis, items[0].ndim)[0])


def stack(
    tensors: Iterable[Tensor | ArrayLike], dim: int | None = None, *, axis: int | None = None
) -> Tensor:
    """Join tensors along a new axis (`dim`, PyTorch's name, or numpy's `axis`; default 0)."""
    if axis is not None and dim is not None:
        raise TypeError("stack() got both axis= and dim=; they mean the same, give one")
    axis = (0 if dim is None else dim) if axis is None else axis
    items = _lift_all(tensors)
    return Tensor._apply(STACK, items, axis=normalize_axis(axis, items[0].ndim + 1)[0])


def where(
    condition: Tensor | ArrayLike,
    a: Tensor | ArrayLike,
    b: Tensor | ArrayLike,
    *,
    piecewise: bool = False,
) -> Tensor:
    """`a` where `condition` else `b`; gradients flow to the chosen side only.
    `piecewise=True` (for activations made of pieces): under create_graph the gradients
    depend on a and b, as PyTorch's fused activations' do (`ops_shape.PIECEWISE_WHERE`)."""
    raw = _raw(condition)
    lifted = list(_lift_all([a, b]))
    if is_device_array(raw):  # numbers go to a GPU condition's device; CPU tensors raise
        lifted = [
            t if isinstance(v, Tensor) else t.to(device_name(raw)) for t, v in zip(lifted, (a, b))
        ]
        namespace_of(lifted[0]._data, raw)
    a, b = lifted
    condition = namespace(a._data).asarray(raw, dtype=bool)
    return Tensor._apply(PIECEWISE_WHERE if piecewise else WHERE, (a, b), condition=condition)


def maximum(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """As torch.maximum: the larger of `a` and `b`, elementwise (broadcast); the gradient
    goes to the chosen side (NaN wins, as in numpy and PyTorch)."""
    a, b = _lift_all([a, b])
    return Tensor._apply(MAXIMUM, (a, b))


def minimum(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """As torch.minimum: the smaller of `a` and `b`, elementwise (broadcast); the gradient
    goes to the chosen side."""
    a, b = _lift_all([a, b])
    return Tensor._apply(MINIMUM, (a, b))


def tensor_sum(tensors: Iterable[Tensor | ArrayLike]) -> Tensor:
    """Σ tensors as one n-ary node (not a chain of binary adds), broadcast together."""
    items = _lift_all(tensors)
    return items[0] if len(items) == 1 else Tensor._apply(SUM_N, items)
