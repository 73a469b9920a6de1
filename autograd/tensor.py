"""`Tensor`: a numpy-backed node for real models, on the same op table and walker.

Dtypes: float32 stays float32 and float64 stays float64; ints, bools and Python lists
become float64 unless `dtype=` says otherwise. Numbers combined with a Tensor take the
Tensor's dtype, so a float32 model keeps float32 activations and gradients.
"""

import numpy as np

from .grad_mode import STATE
from .op_table import OPS
from .operators import Operators
from .ops_elementwise import CLIP, MAXIMUM, MINIMUM, POW, POW_CONST, WHERE
from .ops_linalg import LOG_SOFTMAX, MATMUL, SOFTMAX
from .ops_reduce import MAX, MEAN, MIN, STD, SUM, SUM_N, VAR, normalize_axis
from .ops_shape import CAST, CONCATENATE, EXPAND, GETITEM, RESHAPE, STACK, TRANSPOSE

_FLOAT_KINDS = "f"


def as_array(data, dtype=None, what="Tensor data"):
    """`data` as an ndarray of a float dtype, or a TypeError naming what was wrong."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, str) or (hasattr(data, "shape") and not isinstance(
            data, (np.ndarray, np.generic)) and not hasattr(data, "__array__")):
        raise TypeError(f"{what} must be numbers, got {type(data).__name__}")
    try:
        array = np.asarray(data, dtype=dtype)
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
        array = array.astype(np.float64)
    return array


class Tensor(Operators):
    """An n-dimensional array that remembers how it was computed.

    >>> x = Tensor(np.random.randn(3, 4), requires_grad=True)
    >>> y = (x * 2).relu().sum(); y.backward(); x.grad.shape
    (3, 4)
    """

    __slots__ = ("_data", "grad", "label", "requires_grad", "_fn", "_parents", "_saved",
                 "_pins", "_locked", "_holds_pins", "_retains", "_scope", "_version", "_versions", "__weakref__")
    _grad_init = None     # .grad is None until a backward reaches the tensor
    _keeps_grad = False   # intermediates drop their grad once passed on (retain_grad())
    _frees_graph = True   # saved arrays are released after backward unless retain_graph
    _is_scalar = False
    __array_priority__ = 1000   # ndarray + Tensor -> Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None, label=""):
        self._data = as_array(data, dtype)
        self._version = 0
        self._versions = None
        if requires_grad and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require grad; this one has "
                            f"dtype {self.data.dtype}. Use dtype=np.float32 or float64")
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._parents = ()
        self._saved = None
        self._retains = False
        self._pins = 0
        self._locked = self._holds_pins = False
        self._scope = STATE.scopes

    # --- the engine hooks -------------------------------------------------------------

    def _lift(self, x):
        """Numbers and arrays become constant leaves of this tensor's dtype."""
        if isinstance(x, Tensor):
            return x
        if isinstance(x, Operators):
            raise TypeError(f"cannot combine a Tensor with a {type(x).__name__}: wrap the "
                            "scalar as Tensor(v.data) or use Values throughout")
        ours = self.data.dtype
        if isinstance(x, (float, int)) and not isinstance(x, bool):
            # a number takes our dtype, unless it is a float and we hold integers (PyTorch:
            # int_tensor * 0.5 is a float tensor)
            keep = ours.kind == "f" or isinstance(x, int)
            return _constant(np.asarray(x, dtype=ours if keep else None))
        array = as_array(x, what="an operand of a Tensor op")    # (clear errors first)
        given = x.dtype.kind if isinstance(x, np.ndarray) else np.asarray(x).dtype.kind
        # a float ndarray keeps its dtype (numpy's and PyTorch's promotion); lists, numpy
        # scalars and integer or bool arrays (which as_array made float64) take ours, but
        # floats are never cut down to our integers
        if given != "f" or (ours.kind == "f" and not isinstance(x, np.ndarray)):
            array = array.astype(ours, copy=False)
        return _constant(array)

    @staticmethod
    def _apply(op, inputs, **params):
        try:
            data, saved = op.array(*[x.data for x in inputs], **params)
        except ValueError as err:
            shapes = " and ".join(str(x.data.shape) for x in inputs)
            raise ValueError(f"{op.name}: cannot combine shapes {shapes}: {err}") from None
        out = Tensor.__new__(Tensor)
        out._data = data
        out._version = 0
        out.grad = None
        out.label = ""
        out._retains = False
        out._pins = 0
        out._locked = False
        state = STATE
        out._scope = state.scopes
        for x in inputs:
            if x.requires_grad and state.enabled:
                out.requires_grad = True
                out._fn = op
                out._parents = inputs
                out._saved = saved
                out._versions = tuple([x._version for x in inputs])
                out._holds_pins = _pin_leaves(inputs)
                if state.anomaly:
                    from .anomaly import check_forward
                    check_forward(out)
                return out
        out.requires_grad = False
        out._fn = None
        out._parents = ()
        out._saved = None
        out._versions = None
        out._holds_pins = False
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
                or grad.dtype != self.data.dtype or grad.shape != self.data.shape:
            grad = np.array(np.broadcast_to(grad, self.data.shape), dtype=self.data.dtype)
        return grad

    def _ones_seed(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {self.data.shape}: grad can be implicitly "
                "created only for scalar outputs. Reduce it first (e.g. .sum() or .mean()) "
                "or pass gradient= an array of the same shape")
        return np.ones_like(self.data)

    def _check_seed(self, gradient):
        if isinstance(gradient, Tensor):
            seed = gradient if STATE.enabled and gradient.requires_grad else gradient.data
        else:
            seed = as_array(gradient, what="backward(gradient=...)")
        if seed.shape != self.data.shape:
            raise ValueError(f"backward(gradient=...) has shape {seed.shape} but the tensor "
                             f"has shape {self.data.shape}; they must match")
        return seed if isinstance(seed, Tensor) else seed.astype(self.data.dtype, copy=False)

    # --- attributes ---------------------------------------------------------------------

    @property
    def data(self):
        """The numpy array. Assigning it (also `t.data -= ...`) counts as an in-place edit:
        a graph that saved this tensor then refuses to backward with stale values."""
        return self._data

    @data.setter
    def data(self, value):
        if not isinstance(value, np.ndarray):
            value = as_array(value, what="Tensor.data")
        if self._locked:                      # the lock follows the tensor, not the array
            _unlock(self)
            self._data = value
            _lock(self)
        else:
            self._data = value
        self._version += 1

    def copy_(self, values):
        """Overwrite the numbers in place (PyTorch's `copy_`). Allowed while a graph holds
        this tensor, and counted: that graph's backward then refuses the old numbers."""
        def write(array):
            array[...] = values
        self.edit_in_place(write, self._data)
        return self

    def _scratch_write(self, edit, *args):
        """`edit(*args)` that restores the numbers before it returns (numerical
        differentiation nudges one element and puts it back): no version is counted."""
        return self._unlocked(edit, args, counted=False)

    def edit_in_place(self, edit, *args):
        """Run `edit(*args)`, which writes into this tensor's array, as a counted in-place
        edit (optimizers use it): allowed while a graph holds the tensor, and that graph's
        backward then raises instead of using the new numbers."""
        return self._unlocked(edit, args, counted=True)

    def _unlocked(self, edit, args, counted):
        locked = self._locked
        if locked:
            _unlock(self)
        try:
            return edit(*args)
        finally:
            if locked:
                _lock(self)
            if counted:
                self._version += 1

    def __del__(self):
        if getattr(self, "_holds_pins", False):   # (a failed __init__ never set it)
            unpin_leaves(self)

    def _release_pins(self):
        if self._holds_pins:
            unpin_leaves(self)

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)

    def __len__(self):
        return len(self.data)

    @property
    def T(self):
        return self.transpose()

    @property
    def mT(self):
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.transpose(axes)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape "
                             f"{self.data.shape}")
        return self.data.item()

    def numpy(self):
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self):
        """The same data as a new leaf without history (shares memory, like PyTorch)."""
        return _constant(self.data)

    def retain_grad(self):
        """Keep this non-leaf tensor's `.grad` after backward (leaves always keep it)."""
        self._retains = True
        return self

    def requires_grad_(self, flag=True):
        if not self.is_leaf:
            raise RuntimeError("requires_grad_() only changes leaves; use detach() first")
        if flag and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require grad, not "
                            f"{self.data.dtype}")
        self.requires_grad = bool(flag)
        return self

    def astype(self, dtype):
        """A copy in another float dtype; gradients flow back in the original dtype."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f" and self.requires_grad:
            raise TypeError(f"cannot cast a tensor that requires grad to {dtype}")
        return Tensor._apply(CAST, (self,), dtype=dtype)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, threshold=20, edgeitems=2,
                               prefix="Tensor(")
        extra = ""
        if self._fn is not None:
            extra = f", op={self._fn.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self.label:
            extra += f", label={self.label!r}"
        return f"Tensor({body}{extra})"

    __hash__ = object.__hash__

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.data.shape} is "
                             "ambiguous; use .any() on .data or reduce it first")
        return bool(self.data)

    # comparisons give plain boolean arrays: they have no derivative
    def __lt__(self, other):
        return self.data < _raw(other)

    def __le__(self, other):
        return self.data <= _raw(other)

    def __gt__(self, other):
        return self.data > _raw(other)

    def __ge__(self, other):
        return self.data >= _raw(other)

    def __eq__(self, other):   # elementwise, like numpy; hashing stays by identity
        return self.data == _raw(other)

    def __ne__(self, other):
        return self.data != _raw(other)

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
        target = _resolve_shape(shape, self.data.size)
        if target is None:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} "
                             f"({self.size} elements) into shape {shape}")
        if target == self.data.shape:
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
            index = index.data
        if isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            return Tensor._apply(GETITEM, (self,), index=index)
        except IndexError as err:
            raise IndexError(f"index {index!r} does not fit a tensor of shape "
                             f"{self.shape}: {err}") from None


# --- saved leaves are read-only while a graph holds them ----------------------------------
# A leaf's array (your data, a parameter) is read by the VJPs at backward time. Writing
# into it in between (`x.data[0] = 1`, `np.add(..., out=x.data)`, editing the array the
# Tensor was made from) would give gradients of numbers that no longer exist, silently.
# So while a recorded graph uses a leaf, its array is read-only: such a write fails at
# once. The lock is released when backward frees the graph or the graph is dropped.
# `t.data = new` and `t.copy_(new)` stay allowed: they bump the version counter, which
# backward checks (PyTorch's rule). Intermediate results are not locked.

def _lock(leaf):
    array = leaf._data
    if array.flags.writeable:
        array.flags.writeable = False
        leaf._locked = True


def _unlock(leaf):
    try:
        leaf._data.flags.writeable = True
    except ValueError:   # a view whose base is read-only: it was never ours to unlock
        pass
    leaf._locked = False


def _pin_leaves(inputs):
    pinned = False
    for x in inputs:
        if x._fn is None:
            if x._pins == 0:
                _lock(x)
            x._pins += 1
            pinned = True
    return pinned


def unpin_leaves(node):
    """Release `node`'s hold on its leaf inputs (after backward, or when it is dropped)."""
    node._holds_pins = False
    for x in node._parents or ():
        if x._fn is None and isinstance(x, Tensor) and x._pins > 0:
            x._pins -= 1
            if x._pins == 0 and x._locked:
                _unlock(x)


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


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


def _constant(array):
    t = Tensor.__new__(Tensor)
    t._data = array
    t._version = 0
    t._versions = None
    t.grad = None
    t.label = ""
    t.requires_grad = False
    t._fn = None
    t._parents = ()
    t._saved = None
    t._retains = False
    t._pins = 0
    t._locked = t._holds_pins = False
    t._scope = ()
    return t


def tensor(data, requires_grad=False, dtype=None):
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
