"""Shape and selection ops (`Tensor` only): their derivatives move gradients around
without arithmetic, and each is linear, so each is its own forward-mode rule."""

from .backend import namespace
from .op_table import Op, register


def inverse_permutation(axes):
    """The axes that undo `transpose(axes)` (the transpose VJP's permutation)."""
    return tuple(sorted(range(len(axes)), key=axes.__getitem__))


RESHAPE: Op = register(
    "reshape",
    lambda x, shape: x.reshape(shape),
    vjp=lambda node, g, xs, out: (RESHAPE(g, shape=xs[0].shape),),
    linear=True,
    doc="same numbers, new shape;  the VJP reshapes back",
)

TRANSPOSE: Op = register(
    "transpose",
    lambda x, axes: x.transpose(axes),
    vjp=lambda node, g, xs, out: (TRANSPOSE(g, axes=inverse_permutation(node._saved["axes"])),),
    linear=True,
    doc="permute axes;  the VJP applies the inverse permutation",
)

EXPAND = register(
    "expand",
    lambda x, shape: namespace(x).broadcast_to(x, shape),
    vjp=lambda node, g, xs, out: (SUM_TO(g, shape=xs[0].shape),),
    linear=True,
    doc="broadcast to a larger shape;  the VJP sums back (sum_to)",
)


def sum_to_shape(g, shape):
    """Sum `g` over the axes broadcasting added or stretched, down to `shape`."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


SUM_TO: Op = register(
    "sum_to",
    sum_to_shape,
    vjp=lambda node, g, xs, out: (EXPAND(g, shape=xs[0].shape),),
    linear=True,
    doc="sum broadcast axes away (the VJP of expand and of broadcasting)",
)

GETITEM = register(
    "getitem",
    lambda x, index: x[index],
    vjp=lambda node, g, xs, out: (SCATTER_ADD(g, shape=xs[0].shape, index=node._saved["index"]),),
    linear=True,
    symbol="[]",
    doc="indexing;  the VJP adds the gradient back at the indices (repeats accumulate)",
)


def _is_basic(index):
    """Slices, ints, None and ... only: each element is picked at most once."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (slice, int)) or i is None or i is Ellipsis for i in items)


def _scatter_add(g, shape, index):
    xp = namespace(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g  # no repeats possible: a plain write
    else:
        xp.add.at(out, index, g)  # repeated indices accumulate
    return out


SCATTER_ADD: Op = register(
    "scatter_add",
    _scatter_add,
    vjp=lambda node, g, xs, out: (GETITEM(g, index=node._saved["index"]),),
    linear=True,
    doc="zeros with x added at an index (the VJP of indexing)",
)


def _concatenate_vjp(node, g, xs, out):
    axis = node._saved["axis"]
    pieces, start = [], 0
    for x in xs:
        index = (slice(None),) * axis + (slice(start, start + x.shape[axis]),)
        pieces.append(GETITEM(g, index=index))
        start += x.shape[axis]
    return pieces


CONCATENATE = register(
    "concatenate",
    lambda *xs, axis: namespace(xs[0]).concatenate(xs, axis=axis),
    vjp=_concatenate_vjp,
    linear=True,
    arity=None,
    symbol="cat",
    doc="join along an existing axis;  the VJP slices the gradient back apart",
)

STACK = register(
    "stack",
    lambda *xs, axis: namespace(xs[0]).stack(xs, axis=axis),
    vjp=lambda node, g, xs, out: [
        GETITEM(g, index=(slice(None),) * node._saved["axis"] + (i,)) for i in range(len(xs))
    ],
    linear=True,
    arity=None,
    doc="join along a new axis;  the VJP picks each slice",
)

CAST: Op = register(
    "cast",
    lambda x, dtype: x.astype(dtype),
    vjp=lambda node, g, xs, out: (CAST(g, dtype=xs[0].dtype),),
    jvp=lambda node, ts, xs, out: CAST(ts[0], dtype=out.dtype),
    doc="change dtype;  the gradient is cast back to the input's dtype",
)


def _where(a, b, condition):
    return namespace(a).where(condition, a, b)


def _where_partials(node, xs, out):
    return node._saved["condition"], ~node._saved["condition"]


WHERE = register(
    "where",
    _where,
    partials=_where_partials,
    arity=2,
    smooth=False,
    selects=True,
    doc="condition ? a : b (condition: a constant boolean array);  d/da = condition, "
    "d/db = not condition",
)

# The same selection for the piecewise activations composed from it (leaky_relu,
# hardtanh, relu6, prelu, hardsigmoid): PyTorch's own backward of each reads the input,
# so under create_graph their gradients depend on it (a second grad gives zeros, not an
# error, and a gradient penalty gives the layers below zeros, not None). `where` itself
# does not, as torch.where does not.
PIECEWISE_WHERE = register(
    "piecewise_where",
    _where,
    partials=_where_partials,
    arity=2,
    smooth=False,
    selects=True,
    piecewise=True,
    doc="where for piecewise activations: condition ? a : b, gradients tied to a and b "
    "under create_graph",
)
