"""`Tensor`: a numpy-backed node for real models, on the same op table and walker.

Dtypes: float32 stays float32 and float64 stays float64; ints, bools and Python lists
become float64 unless `dtype=` says otherwise (`scratchgrad.tensor` keeps integers, as
`torch.tensor` does). Numbers combined with a Tensor take the Tensor's dtype, so a float32
model keeps float32 activations and gradients.

Memory: `Tensor(x)` copies `x` (as `torch.tensor` does), so your arrays never change
under a graph and never have to be locked; `from_numpy(x)` shares `x`'s memory on
purpose. In-place edits follow PyTorch's version-counter rule (see `storage.py`).
"""

import numpy as np

from . import dtypes
from .grad_mode import STATE
from .op_table import OPS
from .storage import TrackedArray, VersionCounter, tracked_view
from .operators import Operators
from .ops_elementwise import CLIP, MAXIMUM, MINIMUM, POW, POW_CONST, WHERE
from .ops_linalg import LOG_SOFTMAX, MATMUL, SOFTMAX
from .ops_reduce import MAX, MEAN, MIN, STD, SUM, SUM_N, VAR, normalize_axis
from .ops_shape import CAST, CONCATENATE, EXPAND, GETITEM, RESHAPE, STACK, TRANSPOSE

_FLOAT_KINDS = "f"


def as_array(data, dtype=None, what="Tensor data", copy=False):
    """`data` as an ndarray of a float dtype, or a TypeError naming what was wrong.
    `copy=True` guarantees an array that shares no memory with `data`."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, str) or (hasattr(data, "shape") and not isinstance(
            data, (np.ndarray, np.generic)) and not hasattr(data, "__array__")):
        raise TypeError(f"{what} must be numbers, got {type(data).__name__}")
    if isinstance(data, TrackedArray):
        data = data.view(np.ndarray)
    try:
        array = np.array(data, dtype=dtype, copy=True) if copy else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what} must be numbers (a scalar, nested lists of equal length, "
                        f"or an ndarray); got {type(data).__name__}: {err}") from None
    kind = array.dtype.kind
    if kind in "OSUVcmM":
        names = {"O": "object", "S": "bytes", "U": "string", "V": "structured",
                 "c": "complex", "m": "timedelta", "M": "datetime"}
        raise TypeError(f"{what} has dtype {array.dtype} ({names[kind]}); Tensors hold "
                        "real numbers: convert with np.asarray(x, dtype=np.float64)")
    if dtype is None and kind not in _FLOAT_KINDS:
        array = array.astype(dtypes.get_default_dtype())
    elif dtype is None and not isinstance(data, np.ndarray) and array.dtype.kind == "f" \
            and array.dtype != dtypes.get_default_dtype() and not isinstance(data, np.generic):
        array = array.astype(dtypes.get_default_dtype())    # Python floats: the default
    return array


def own_array(data, dtype=None, what="Tensor data"):
    """`data` as a new array of its own: what a Tensor made from user data stores."""
    return as_array(data, dtype, what, copy=True)


class Tensor(Operators):
    """An n-dimensional array that remembers how it was computed.

    >>> x = Tensor(np.random.randn(3, 4), requires_grad=True)
    >>> y = (x * 2).relu().sum(); y.backward(); x.grad.shape
    (3, 4)
    """

    __slots__ = ("_data", "grad", "label", "requires_grad", "_fn", "_parents", "_saved",
                 "_retains", "_scope", "_vc", "_versions", "__weakref__")
    _grad_init = None     # .grad is None until a backward reaches the tensor
    _keeps_grad = False   # intermediates drop their grad once passed on (retain_grad())
    _frees_graph = True   # saved arrays are released after backward unless retain_graph
    _is_scalar = False
    __array_priority__ = 1000   # ndarray + Tensor -> Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None, label=""):
        self._data = own_array(data, dtype)
        self._vc = VersionCounter()
        self._versions = None
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require grad; this one has "
                            f"dtype {self._data.dtype}. Use dtype=np.float32 or float64")
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._parents = ()
        self._saved = None
        self._retains = False
        self._scope = STATE.scopes

    # --- the engine hooks -------------------------------------------------------------

    def _lift(self, x):
        """Numbers and arrays become constant leaves of this tensor's dtype. An array is
        copied (as `torch.tensor` would), so writing into it later cannot change what a
        graph saw; a `.data` view of another tensor is shared, with that tensor's version
        counter."""
        if isinstance(x, Tensor):
            return x
        if isinstance(x, Operators):
            raise TypeError(f"cannot combine a Tensor with a {type(x).__name__}: wrap the "
                            "scalar as Tensor(v.data) or use Values throughout")
        ours = self._data.dtype
        if isinstance(x, (float, int)) and not isinstance(x, bool):
            # a number takes our dtype, unless it is a float and we hold integers (PyTorch:
            # int_tensor * 0.5 is a float tensor)
            keep = ours.kind == "f" or isinstance(x, int)
            return _constant(np.asarray(x, dtype=ours if keep else dtypes.get_default_dtype()))
        counter = x._counter if isinstance(x, TrackedArray) else None
        array = as_array(x, what="an operand of a Tensor op")    # (clear errors first)
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
    def _apply(op, inputs, **params):
        state = STATE
        record = state.enabled and any([x.requires_grad for x in inputs])
        if record and params:
            params = _own_params(params)
        try:
            data, saved = op.array(*[x._data for x in inputs], **params)
        except ValueError as err:
            shapes = " and ".join(str(x._data.shape) for x in inputs)
            raise ValueError(f"{op.name}: cannot combine shapes {shapes}: {err}") from None
        if not isinstance(data, np.ndarray):      # a full reduction gives a numpy scalar
            data = np.asarray(data)
        out = Tensor.__new__(Tensor)
        out._data = data
        out._vc = _counter_of(data, inputs)
        out.grad = None
        out.label = ""
        out._retains = False
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

    def _graph_seed(self, seed):
        """The seed of a create_graph backward, as a constant node."""
        return self._lift(seed)

    def _apply_op(self, name, inputs, **params):
        return Tensor._apply(OPS[name], inputs, **params)

    def _own_grad(self, grad, upstream):
        """A leaf's first gradient: its own writable array of its own dtype."""
        if isinstance(grad, Tensor):
            return grad
        if grad is upstream or not grad.flags.writeable or not grad.flags.owndata \
                or grad.dtype != self._data.dtype or grad.shape != self._data.shape:
            grad = np.array(np.broadcast_to(grad, self._data.shape), dtype=self._data.dtype)
        return grad

    def _ones_seed(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {self._data.shape}: grad can be implicitly "
                "created only for scalar outputs. Reduce it first (e.g. .sum() or .mean()) "
                "or pass gradient= an array of the same shape")
        return np.ones_like(self._data)

    def _check_seed(self, gradient):
        if isinstance(gradient, Tensor):
            seed = gradient if STATE.enabled and gradient.requires_grad else gradient._data
        else:
            seed = as_array(gradient, what="backward(gradient=...)")
        if seed.shape != self._data.shape:
            raise ValueError(f"backward(gradient=...) has shape {seed.shape} but the tensor "
                             f"has shape {self._data.shape}; they must match")
        return seed if isinstance(seed, Tensor) else seed.astype(self._data.dtype, copy=False)

    # --- attributes ---------------------------------------------------------------------

    @property
    def data(self):
        """The numbers, as a numpy array viewing this tensor's storage. Writing through
        it (`t.data[0] = 1`, `t.data -= lr * g`) is an in-place edit: allowed, and counted,
        so a backward through a graph that used the old numbers raises instead of
        computing a wrong gradient (PyTorch's rule; see `autograd/storage.py`)."""
        return tracked_view(self._data, self._vc)

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        elif isinstance(value, TrackedArray) and value._counter is self._vc:
            value = value.view(np.ndarray)        # `t.data -= x` hands our own view back
        else:
            value = own_array(value, what="Tensor.data")
        self._data = value
        self._vc.value += 1

    @property
    def _version(self):
        """How many in-place edits this tensor's storage has had (PyTorch's `_version`)."""
        return self._vc.value

    def copy_(self, values):
        """Overwrite the numbers in place (PyTorch's `copy_`). Allowed while a graph holds
        this tensor, and counted: that graph's backward then refuses the old numbers."""
        if isinstance(values, Tensor):
            values = values._data
        elif isinstance(values, TrackedArray):
            values = values.view(np.ndarray)
        self._data[...] = values
        self._vc.value += 1
        return self

    def _scratch_write(self, edit, *args):
        """`edit(*args)` that restores the numbers before it returns (numerical
        differentiation nudges one element and puts it back): no version is counted."""
        return edit(*args)

    def edit_in_place(self, edit, *args):
        """Run `edit(*args)`, which writes into this tensor's array, as a counted in-place
        edit (optimizers use it): allowed while a graph holds the tensor, and that graph's
        backward then raises instead of using the new numbers."""
        try:
            return edit(*args)
        finally:
            self._vc.value += 1

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)

    def __len__(self):
        return len(self._data)

    @property
    def T(self):
        return self.transpose()

    @property
    def mT(self):
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.transpose(axes)

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape "
                             f"{self._data.shape}")
        return self._data.item()

    def numpy(self):
        """The numbers as a numpy array sharing this tensor's memory (writes are counted
        in-place edits, as through `.data`)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        """What `np.asarray(t)` sees: a read-only view (or a copy when asked for), so numpy
        code cannot write into the tensor behind the version counter's back."""
        if copy or (dtype is not None and np.dtype(dtype) != self._data.dtype):
            return np.array(self._data, dtype=dtype)
        view = self._data.view()
        view.flags.writeable = False
        return view

    def detach(self):
        """The same data as a new leaf without history. It shares memory and the version
        counter with this tensor (PyTorch's rule), so writing into it is seen by graphs
        that saved this one."""
        return _constant(self._data, self._vc)

    def retain_grad(self):
        """Keep this non-leaf tensor's `.grad` after backward (leaves always keep it)."""
        self._retains = True
        return self

    def requires_grad_(self, flag=True):
        if not self.is_leaf:
            raise RuntimeError("requires_grad_() only changes leaves; use detach() first")
        if flag and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require grad, not "
                            f"{self._data.dtype}")
        self.requires_grad = bool(flag)
        return self

    def astype(self, dtype):
        """A copy in another float dtype; gradients flow back in the original dtype."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f" and self.requires_grad:
            raise TypeError(f"cannot cast a tensor that requires grad to {dtype}")
        return Tensor._apply(CAST, (self,), dtype=dtype)

    def __repr__(self):
        body = np.array2string(self._data, precision=4, threshold=20, edgeitems=2,
                               prefix="Tensor(")
        extra = ""
        if self._fn is not None:
            extra = f", op={self._fn.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self._data.dtype != np.float64:
            extra += f", dtype={self._data.dtype}"
        if self.label:
            extra += f", label={self.label!r}"
        return f"Tensor({body}{extra})"

    __hash__ = object.__hash__

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self._data.shape} is "
                             "ambiguous; use .any() on .data or reduce it first")
        return bool(self._data)

    # comparisons give plain boolean arrays: they have no derivative
    def __lt__(self, other):
        return self._data < _raw(other)

    def __le__(self, other):
        return self._data <= _raw(other)

    def __gt__(self, other):
        return self._data > _raw(other)

    def __ge__(self, other):
        return self._data >= _raw(other)

    def __eq__(self, other):   # elementwise, like numpy; hashing stays by identity
        return self._data == _raw(other)

    def __ne__(self, other):
        return self._data != _raw(other)

    # --- in-place arithmetic (PyTorch's `p -= lr * p.grad` under no_grad) ------------------

    def _in_place(self, ufunc, other, name):
        """`self <op>= other` written into this tensor's storage and counted as an edit.
        Refused where PyTorch refuses: on a tensor that requires grad while grad mode is
        on (the change would not be part of any graph)."""
        if self.requires_grad and STATE.enabled:
            where = "a leaf tensor that requires grad" if self._fn is None else \
                "a tensor that is part of a recorded graph"
            raise RuntimeError(
                f"in-place {name} on {where} (shape {self.shape}) is not recorded for "
                "backward. For a parameter update, do it inside `with no_grad():` (or use an "
                "optimizer); inside a model, write `y = y + x` instead of `y += x`.")
        ufunc(self._data, _raw(other), out=self._data)
        self._vc.value += 1
        return self

    def __iadd__(self, other):
        return self._in_place(np.add, other, "addition (+=)")

    def __isub__(self, other):
        return self._in_place(np.subtract, other, "subtraction (-=)")

    def __imul__(self, other):
        return self._in_place(np.multiply, other, "multiplication (*=)")

    def __itruediv__(self, other):
        return self._in_place(np.true_divide, other, "division (/=)")

    def add_(self, other, alpha=1):
        return self._in_place(np.add, _raw(other) * alpha if alpha != 1 else other, "add_")

    def sub_(self, other, alpha=1):
        return self._in_place(np.subtract, _raw(other) * alpha if alpha != 1 else other,
                              "sub_")

    def mul_(self, other):
        return self._in_place(np.multiply, other, "mul_")

    def div_(self, other):
        return self._in_place(np.true_divide, other, "div_")

    def zero_(self):
        """Set every element to 0 in place (counted as an edit)."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to `value` in place (counted as an edit)."""
        if self.requires_grad and STATE.enabled:
            return self._in_place(np.multiply, 0, "fill_")   # (raises the message)
        self._data[...] = _raw(value)
        self._vc.value += 1
        return self

    def clamp_(self, min=None, max=None):
        """Limit to [min, max] in place (counted as an edit)."""
        if min is None and max is None:
            raise ValueError("clamp_() needs min, max or both")
        if self.requires_grad and STATE.enabled:
            return self._in_place(np.multiply, 1, "clamp_")
        np.clip(self._data, min, max, out=self._data)
        self._vc.value += 1
        return self

    # --- ops only tensors have ----------------------------------------------------------

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            return Tensor._apply(POW_CONST, (self,), exponent=exponent)
        return Tensor._apply(POW, (self, self._lift(exponent)))

    def __rpow__(self, base):
        return Tensor._apply(POW, (self._lift(base), self))

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return Tensor._apply(MATMUL, (self._lift(other), self))

    def matmul(self, other):
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ValueError(f"matmul: both operands need at least one dimension, got "
                             f"shapes {self.shape} and {other.shape}")
        return Tensor._apply(MATMUL, (self, other))

    def clip(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clip() needs min, max or both")
        return Tensor._apply(CLIP, (self,), low=min, high=max)

    clamp = clip

    def maximum(self, other):
        return Tensor._apply(MAXIMUM, (self, self._lift(other)))

    def minimum(self, other):
        return Tensor._apply(MINIMUM, (self, self._lift(other)))

    def softmax(self, axis=-1):
        return Tensor._apply(SOFTMAX, (self,), axis=axis)

    def log_softmax(self, axis=-1):
        return Tensor._apply(LOG_SOFTMAX, (self,), axis=axis)

    def _reduce(self, op, axis, keepdims, **extra):
        axes = normalize_axis(axis, self.ndim)
        return Tensor._apply(op, (self,), axis=axes, keepdims=bool(keepdims), **extra)

    def sum(self, axis=None, keepdims=False):
        return self._reduce(SUM, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return self._reduce(MEAN, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return self._reduce(MAX, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return self._reduce(MIN, axis, keepdims)

    def var(self, axis=None, keepdims=False, correction=1):
        return self._reduce(VAR, axis, keepdims, correction=correction)

    def std(self, axis=None, keepdims=False, correction=1):
        return self._reduce(STD, axis, keepdims, correction=correction)

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        target = _resolve_shape(shape, self._data.size)
        if target is None:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} "
                             f"({self.size} elements) into shape {shape}")
        if target == self._data.shape:
            return self
        return Tensor._apply(RESHAPE, (self,), shape=target)

    view = reshape

    def flatten(self, start_axis=0):
        return self.reshape(self.shape[:start_axis] + (-1,))

    def transpose(self, *axes):
        axes = _shape_arg(axes) if axes else tuple(reversed(range(self.ndim)))
        if len(axes) == 2 and self.ndim > 2 and sorted(axes) != list(range(self.ndim)):
            a, b = (ax % self.ndim for ax in axes)   # PyTorch style: swap two axes
            order = list(range(self.ndim))
            order[a], order[b] = order[b], order[a]
            axes = tuple(order)
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)):
            raise ValueError(f"transpose axes {axes} are not a permutation of the "
                             f"{self.ndim} axes of a tensor of shape {self.shape}")
        axes = tuple(a % self.ndim for a in axes)
        return Tensor._apply(TRANSPOSE, (self,), axes=axes)

    def permute(self, *axes):
        return self.transpose(_shape_arg(axes))

    def squeeze(self, axis=None):
        if axis is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            axes = normalize_axis(axis, self.ndim)
            for a in axes:
                if self.shape[a] != 1:
                    raise ValueError(f"cannot squeeze axis {a} of shape {self.shape}: "
                                     "its size is not 1")
            shape = tuple(n for i, n in enumerate(self.shape) if i not in axes)
        return self.reshape(shape)

    def unsqueeze(self, axis):
        ndim = self.ndim + 1
        if not -ndim <= axis < ndim:
            raise ValueError(f"unsqueeze axis {axis} is out of range for a result with "
                             f"{ndim} dimensions")
        shape = list(self.shape)
        shape.insert(axis % ndim, 1)
        return self.reshape(tuple(shape))

    def expand(self, *shape):
        shape = _shape_arg(shape)
        try:
            target = np.broadcast_shapes(self.shape, shape)
        except ValueError:
            target = None
        if target != tuple(shape):
            raise ValueError(f"cannot expand a tensor of shape {self.shape} to shape "
                             f"{shape}: sizes must match or be 1")
        if target == self.shape:
            return self
        return Tensor._apply(EXPAND, (self,), shape=target)

    broadcast_to = expand

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index._data
        if isinstance(index, tuple):
            index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
        try:
            return Tensor._apply(GETITEM, (self,), index=index)
        except IndexError as err:
            raise IndexError(f"index {index!r} does not fit a tensor of shape "
                             f"{self.shape}: {err}") from None


def _counter_of(data, inputs):
    """The version counter of an op's output: an output that views an input's storage
    (reshape, transpose, basic indexing) shares that input's counter, as PyTorch's views
    do, so a write through either is seen by graphs that saved the other."""
    base = data.base
    for x in inputs:
        own = x._data
        if data is own or (base is not None and (base is own or base is own.base)):
            return x._vc
    return VersionCounter()


def _own_params(params):
    """Arrays passed to a recorded op (labels, masks, indices) are saved for backward:
    copy them, so editing yours afterwards cannot change the gradient."""
    owned = {}
    for name, value in params.items():
        if isinstance(value, np.ndarray):
            value = np.array(value)
        elif isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
            value = tuple(np.array(v) if isinstance(v, np.ndarray) else v for v in value)
        owned[name] = value
    return owned


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _resolve_shape(shape, size):
    """`shape` with one -1 filled in, or None when it cannot hold `size` elements."""
    shape = tuple(int(n) for n in shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in shape):
        return None
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            return None
        shape = shape[:unknown[0]] + (size // known,) + shape[unknown[0] + 1:]
    elif known != size:
        return None
    return shape


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _constant(array, counter=None):
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
    t._scope = ()
    return t


def from_numpy(array):
    """A tensor that shares `array`'s memory (no copy; PyTorch's `torch.from_numpy`).
    Its dtype is the array's, integers included. Writes made through the tensor (`.data`,
    in-place ops, optimizers) are counted; writes into `array` itself are not seen by the
    version counter, exactly as in PyTorch: keep them out of a forward/backward pair."""
    if not isinstance(array, np.ndarray) or isinstance(array, TrackedArray):
        raise TypeError(f"from_numpy() expects a numpy ndarray, got {type(array).__name__}"
                        "; use scratchgrad.tensor(data) to copy other data")
    as_array(array)       # the same dtype checks as every Tensor (no strings, objects, ...)
    return _constant(array)


def tensor(data, requires_grad=False, dtype=None):
    """A new tensor holding a copy of `data` (PyTorch's `torch.tensor`): integers and
    booleans keep their type, floats get the default dtype (float arrays keep theirs)."""
    if dtype is None and not isinstance(data, Tensor):
        probe = np.asarray(data.view(np.ndarray) if isinstance(data, TrackedArray) else data)
        if probe.dtype.kind in "iub":
            dtype = np.int64 if probe.dtype.kind in "iu" and not isinstance(
                data, np.ndarray) else probe.dtype
    elif dtype is None:
        dtype = data._data.dtype
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _lift_all(items):
    items = list(items)
    if not items:
        raise ValueError("need at least one tensor")
    first = next((x for x in items if isinstance(x, Tensor)), None)
    if first is None:
        first = Tensor(items[0])
    return tuple(first._lift(x) for x in items)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (numpy's concatenate, torch.cat)."""
    items = _lift_all(tensors)
    return Tensor._apply(CONCATENATE, items, axis=normalize_axis(axis, items[0].ndim)[0])


def stack(tensors, axis=0):
    """Join tensors along a new axis."""
    items = _lift_all(tensors)
    return Tensor._apply(STACK, items, axis=normalize_axis(axis, items[0].ndim + 1)[0])


def where(condition, a, b):
    """`a` where `condition` else `b`; gradients flow to the chosen side only."""
    condition = np.asarray(_raw(condition), dtype=bool)
    a, b = _lift_all([a, b])
    return Tensor._apply(WHERE, (a, b), condition=condition)


def maximum(a, b):
    a, b = _lift_all([a, b])
    return Tensor._apply(MAXIMUM, (a, b))


def minimum(a, b):
    a, b = _lift_all([a, b])
    return Tensor._apply(MINIMUM, (a, b))


def tensor_sum(tensors):
    items = _lift_all(tensors)
    return items[0] if len(items) == 1 else Tensor._apply(SUM_N, items)
