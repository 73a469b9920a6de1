"""Function transforms: `jvp`, `vjp`, `jacobian`, `hessian`, `hvp` (torch.func's shapes).

Forward mode runs on the same recorded graph as backprop. `f` is called once on fresh
leaf copies of the primals, which records its graph as usual; then `engine.tangent_pass`
walks that graph parents-first and applies each op's `jvp` rule (the op table's third
column) to push the tangents forward. A jvp therefore costs one forward pass plus one
tangent sweep, and never forms a Jacobian.

    out, t = jvp(f, (x,), (v,))          # t = J v          (one sweep)
    out, pullback = vjp(f, x); u_J, = pullback(u)         # u^T J  (one backward pass)
    J = jacobian(f, x, mode="forward")   # n sweeps (n = x.size); "reverse": m backwards
    H = hessian(f, x)                    # forward-over-reverse: sweeps over a recorded grad
    out, Hv = hvp(f, x, v)

Primals are Tensors, arrays (become Tensors), Values or Python floats (become Values).
An input that does not affect an output has a zero tangent/Jacobian block, and an output
that depends on no input (a constant, `t.detach()`) has zero derivatives in every
transform, as in torch.func (not an error).
"""

import numbers

import numpy as np

from .backend import device_name, is_device_array, namespace
from .engine import grad, tangent_pass, topological_order
from .errors import ShapeError
from .grad_mode import enable_grad
from .node import Node
from .tensor import Tensor, as_array
from .value import Value


def _leaf(x, i):
    """A fresh leaf holding the primal's numbers (Tensors share their array)."""
    if isinstance(x, Value):
        return Value(x.data)
    if isinstance(x, Tensor):
        return Tensor(x.data, requires_grad=True)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    if isinstance(x, Node):
        raise TypeError(f"primal {i} is a {type(x).__name__}; pass Values or Tensors")
    array = as_array(x, what=f"primal {i}")
    return Tensor(array, requires_grad=True)


def _tangent_for(leaf, t, i):
    """`t` as raw data matching the primal's shape and dtype, or a clear error."""
    if isinstance(leaf, Value):
        if isinstance(t, Value):
            t = t.data
        if isinstance(t, np.ndarray) and t.shape != ():
            raise ShapeError(
                f"tangent {i} has shape {t.shape} but primal {i} is a scalar "
                "Value (shape ()); they must match"
            )
        try:
            return float(t)
        except (TypeError, ValueError):
            raise TypeError(
                f"tangent {i} must be a number for a Value primal, got {type(t).__name__}"
            ) from None
    raw = t.data if isinstance(t, Tensor) else t
    exact = isinstance(raw, np.ndarray) or is_device_array(raw)
    array = raw if is_device_array(raw) else as_array(raw, what=f"tangent {i}")
    if array.shape != leaf.shape:
        raise ShapeError(
            f"tangent {i} has shape {array.shape} but primal {i} has shape "
            f"{leaf.shape}; they must match"
        )
    if exact and array.dtype != leaf.dtype:
        raise TypeError(
            f"tangent {i} has dtype {array.dtype} but primal {i} has dtype "
            f"{leaf.dtype}; cast one of them (e.g. v.astype(x.dtype))"
        )
    if device_name(array) != device_name(leaf._data):  # a host direction for a GPU primal
        from .devices import Device, move_array

        array = move_array(array, Device(device_name(leaf._data)))
    return array.astype(leaf.dtype, copy=False)


def _outputs(out, who):
    """(list of output nodes, was it a single node?) or a TypeError naming what came."""
    single = isinstance(out, Node)
    outs = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
    if outs is None or not outs or not all(isinstance(o, Node) for o in outs):
        bad = out if outs is None else next((o for o in outs if not isinstance(o, Node)), out)
        raise TypeError(
            f"{who}: f must return a Tensor or Value (or a tuple of them) "
            f"computed from its inputs, got {type(bad).__name__}: {bad!r:.80}"
        )
    return outs, single


def _constant_like(node, data):
    if isinstance(node, Value):
        return Value(float(data), requires_grad=False)
    return Tensor(data if is_device_array(data) else np.asarray(data), dtype=node.dtype)


def _zeros_like(node):
    if isinstance(node, Value):
        return 0.0
    return namespace(node._data).zeros(node.shape, dtype=node.dtype)  # on node's device


def _record(f, primals, who):
    leaves = [_leaf(x, i) for i, x in enumerate(primals)]
    with enable_grad():
        out = f(*leaves)
    outs, single = _outputs(out, who)
    return leaves, outs, single


def _pack(items, single):
    return items[0] if single else tuple(items)


def jvp(f, primals, tangents):
    """(f(*primals), J·tangents): forward mode, one recorded forward and one tangent sweep.

    `primals` and `tangents` are tuples of the same length; each tangent has its primal's
    shape and dtype. Outputs come back detached, in f's structure (a node or a tuple).
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal"
        )
    leaves, outs, single = _record(f, primals, "jvp")
    seeds = {
        id(leaf): _tangent_for(leaf, t, i) for i, (leaf, t) in enumerate(zip(leaves, tangents))
    }
    found = tangent_pass(topological_order(outs), seeds)
    values = [_constant_like(o, o.data) for o in outs]
    tangent_out = [_constant_like(o, _tangent_data(found, o)) for o in outs]
    return _pack(values, single), _pack(tangent_out, single)


def trace_jvp(f, primals, tangents):
    """(outputs, {node: tangent}): the live recorded graph of f with every node's tangent,
    for drawing forward mode (`viz.draw_jvp`) or inspecting it. Nodes that no tangent
    reaches are absent (their tangent is zero)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"trace_jvp: {len(primals)} primals but {len(tangents)} tangents")
    leaves, outs, single = _record(f, primals, "trace_jvp")
    seeds = {
        id(leaf): _tangent_for(leaf, t, i) for i, (leaf, t) in enumerate(zip(leaves, tangents))
    }
    order = topological_order(outs)
    found = tangent_pass(order, seeds)
    by_node = {node: found[id(node)] for node in order if id(node) in found}
    return _pack(outs, single), by_node


def _tangent_data(found, node):
    t = found.get(id(node))
    if t is None:
        return _zeros_like(node)
    t = t.data if isinstance(t, Node) else t
    return np.broadcast_to(t, np.shape(node.data)) if not isinstance(node, Value) else t


def vjp(f, *primals):
    """(f(*primals), pullback): `pullback(cotangent)` returns cotangent^T J for every
    primal (a tuple), by one backward pass over the graph recorded once."""
    leaves, outs, single = _record(f, primals, "vjp")

    def pullback(*cotangents):
        if len(cotangents) != len(outs):
            raise ValueError(
                f"vjp: f has {len(outs)} output(s) but the pullback got "
                f"{len(cotangents)} cotangent(s)"
            )
        seeds = [_tangent_for(o, c, i) for i, (o, c) in enumerate(zip(outs, cotangents))]
        live = [(o, s) for o, s in zip(outs, seeds) if o.requires_grad]
        if not live:  # f ignores its inputs: every cotangent pulls back to zero
            grads = [None] * len(leaves)
        else:
            grads = grad(
                [o for o, _ in live],
                leaves,
                grad_outputs=[s for _, s in live],
                retain_graph=True,
                allow_unused=True,
            )
        return tuple(
            _constant_like(
                leaf, _zeros_like(leaf) if g is None else (g.data if isinstance(g, Node) else g)
            )
            for leaf, g in zip(leaves, grads)
        )

    return _pack([_constant_like(o, o.data) for o in outs], single), pullback


def _basis(node):
    """Unit tangents e_0, e_1, ... shaped like `node` (a float 1.0 for a Value)."""
    if isinstance(node, Value):
        yield 1.0
        return
    for k in range(node.data.size):
        e = namespace(node._data).zeros(node.data.size, dtype=node.dtype)  # on its device
        e[k] = 1.0
        yield e.reshape(node.shape)


def _shape(node):
    return () if isinstance(node, Value) else node.shape


def _dtype(nodes):
    return np.result_type(*[np.float64 if isinstance(n, Value) else n.dtype for n in nodes])


def _zeros_beside(shape, dtype, leaves):
    """A Jacobian block: zeros on the device of the (Tensor) leaves, numpy for Values."""
    tensor = next((x for x in leaves if isinstance(x, Tensor)), None)
    xp = np if tensor is None else namespace(tensor._data)
    return xp.zeros(shape, dtype=dtype)


def jacobian(f, inputs, mode="reverse"):
    """d f(*inputs) / d inputs, with shape out.shape + input.shape.

    A tuple of inputs gives a tuple of blocks; a tuple of outputs a tuple (over outputs)
    of those. mode="forward" makes one tangent sweep per input element, mode="reverse"
    one backward pass per output element: pick the side with fewer elements.
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', got {mode!r}")
    single_input = not isinstance(inputs, tuple)
    primals = (inputs,) if single_input else inputs
    leaves, outs, single_output = _record(f, primals, "jacobian")
    dtype = _dtype(list(leaves) + list(outs))
    if mode == "forward":
        blocks = _forward_blocks(outs, [_shape(o) for o in outs], leaves, dtype)
    else:
        blocks = [
            [_zeros_beside(_shape(o) + _shape(x), dtype, leaves) for x in leaves] for o in outs
        ]
        for i, o in enumerate(outs):
            if not o.requires_grad:  # a constant output: its rows stay zero
                continue
            for k, e in enumerate(_basis(o)):
                grads = grad([o], leaves, grad_outputs=[e], retain_graph=True, allow_unused=True)
                for j, (_leaf, g) in enumerate(zip(leaves, grads)):
                    if g is not None:
                        g = g.data if isinstance(g, Node) else g
                        _row_view(blocks[i][j], o)[k] = (
                            g.reshape(-1) if hasattr(g, "reshape") else g
                        )
    result = [[Tensor(b) for b in row] for row in blocks]
    result = [row[0] if single_input else tuple(row) for row in result]
    return result[0] if single_output else tuple(result)


def _forward_blocks(outs, out_shapes, leaves, dtype):
    """blocks[i][j] = d outs[i] / d leaves[j] by forward mode: one tangent sweep over the
    recorded graph per element of each leaf (an `outs` entry of None is a zero row)."""
    blocks = [
        [_zeros_beside(shape + _shape(x), dtype, leaves) for x in leaves] for shape in out_shapes
    ]
    live = [o for o in outs if o is not None and o.requires_grad]
    order = topological_order(live) if live else []
    for j, leaf in enumerate(leaves):
        for k, e in enumerate(_basis(leaf)):
            found = tangent_pass(order, {id(leaf): e})
            for i, o in enumerate(outs):
                if o is not None and id(o) in found:
                    _block_view(blocks[i][j], out_shapes[i], leaf)[..., k] = _tangent_data(found, o)
    return blocks


def _block_view(block, out_shape, leaf):
    """The block as (out.shape..., leaf.size): column k is d out / d leaf_k."""
    return block.reshape(out_shape + (-1,)) if _shape(leaf) else block[..., None]


def _row_view(block, out):
    """The block as (out.size, leaf.size): row k is d out_k / d leaf."""
    return block.reshape(max(int(np.prod(_shape(out))), 1), -1)


def _gradient_graph(f, primals, who):
    """Record f, then its gradient with create_graph=True: the graph forward mode sweeps
    for forward-over-reverse second derivatives."""
    leaves, outs, _ = _record(f, primals, who)
    if len(outs) != 1 or (isinstance(outs[0], Tensor) and outs[0].data.size != 1):
        shape = outs[0].shape if len(outs) == 1 else f"{len(outs)} outputs"
        raise ValueError(f"{who}: f must return one scalar, got {shape}")
    if not outs[0].requires_grad:  # f ignores its inputs: a zero gradient
        return leaves, outs[0], [None] * len(leaves)
    grads = grad(outs[0], leaves, create_graph=True, allow_unused=True)
    return leaves, outs[0], grads


def hvp(f, inputs, v):
    """(f(inputs), H v): the Hessian of scalar f times v, forward-over-reverse (one
    recorded gradient, one tangent sweep over it; the Hessian is never formed)."""
    single = not isinstance(inputs, tuple)
    primals, vs = ((inputs,), (v,)) if single else (inputs, tuple(v))
    if len(vs) != len(primals):
        raise ValueError(f"hvp: {len(primals)} inputs but {len(vs)} vectors")
    leaves, out, grads = _gradient_graph(f, primals, "hvp")
    seeds = {id(leaf): _tangent_for(leaf, t, i) for i, (leaf, t) in enumerate(zip(leaves, vs))}
    live = [g for g in grads if g is not None and g.requires_grad]
    found = tangent_pass(topological_order(live), seeds) if live else {}
    products = [
        _constant_like(leaf, _zeros_like(leaf) if g is None else _tangent_data(found, g))
        for leaf, g in zip(leaves, grads)
    ]
    return _constant_like(out, out.data), products[0] if single else tuple(products)


def hessian(f, inputs):
    """The Hessian of scalar f: shape x.shape + x.shape (blocks for a tuple of inputs),
    built column by column with forward-over-reverse sweeps over one recorded gradient."""
    single = not isinstance(inputs, tuple)
    primals = (inputs,) if single else inputs
    leaves, out, grads = _gradient_graph(f, primals, "hessian")
    blocks = _forward_blocks(grads, [_shape(x) for x in leaves], leaves, _dtype(leaves))
    lead = _shape(out)  # torch.func: out.shape + x.shape + x.shape
    result = [[Tensor(b.reshape(lead + b.shape)) for b in row] for row in blocks]
    return result[0][0] if single else tuple(tuple(row) for row in result)
