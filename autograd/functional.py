"""PyTorch's `torch.autograd.functional`: jacobian, hessian, vjp, jvp, vhp, hvp with its
signatures (`func, inputs, v=None, create_graph=False, strict=False`).

The same derivatives as `autograd.transforms` (torch.func's shapes), on PyTorch's older
API that tutorials use: inputs are a Tensor or a tuple of Tensors, results come back in
the same structure, detached unless `create_graph=True` (then they are graphs that reach
the inputs and whatever `func` closes over, e.g. a model's parameters). An output that
does not depend on an input gives zeros, or an error with `strict=True`.

    J = jacobian(f, x)                    # out.shape + x.shape, one backward per output element
    H = hessian(f, x)                     # x.shape + x.shape
    out, u_J = vjp(f, x, u)               # one backward pass
    out, J_v = jvp(f, x, v)               # one forward-mode sweep (the op table's jvp column)
    out, H_v = hvp(f, x, v)               # two backward passes (vhp: the same, as H is symmetric)
"""

from .backend import namespace
from .engine import grad, tangent_pass, topological_order
from .grad_mode import enable_grad
from .node import Node
from .tensor import Tensor, stack


def _as_tuple(xs, what, who):
    """(tuple of Tensors, was it one Tensor?) or PyTorch's kind of TypeError."""
    if isinstance(xs, Tensor):
        return (xs,), True
    if isinstance(xs, (tuple, list)) and xs and all(isinstance(x, Tensor) for x in xs):
        return tuple(xs), False
    bad = next((x for x in xs if not isinstance(x, Tensor)), xs) if isinstance(xs, tuple) else xs
    raise TypeError(
        f"{who}: the {what} must be a Tensor or a tuple of Tensors, got {type(bad).__name__}"
    )


def _inputs(inputs, create_graph, who):
    """Leaves to differentiate by: the inputs themselves where create_graph keeps their
    graph, else detached copies (the user's tensors are never changed)."""
    xs, single = _as_tuple(inputs, "inputs", who)
    leaves = tuple(
        x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in xs
    )
    return leaves, single


def _call(func, leaves, who):
    with enable_grad():
        out = func(*leaves)
    return _as_tuple(out, "outputs of the user-provided function", who)


def _single_output(func, leaves, who):
    """func's one single-element Tensor output (hessian, vhp, hvp differentiate it)."""
    outs, _ = _call(func, leaves, who)
    if len(outs) != 1 or outs[0].numel() != 1:
        got = f"{len(outs)} outputs" if len(outs) != 1 else f"shape {tuple(outs[0].shape)}"
        raise RuntimeError(
            f"{who}: the function must return a single Tensor of one element, got {got}"
        )
    return outs[0]


def _finish(xs, create_graph):
    return tuple(x if create_graph else x.detach() for x in xs)


def _pack(xs, single):
    return xs[0] if single else xs


def _vectors(v, like, who, what):
    """`v` as a tuple matching `like` in shape; None only where each has one element."""
    if v is None:
        if any(x.numel() != 1 for x in like):
            raise RuntimeError(
                f"{who}: v can only be None if the {what} contains a single element; "
                f"pass v with the {what}'s shape"
            )
        return tuple(x._constant_like(x._ones_seed()) for x in like)
    vs, _ = _as_tuple(v, "v", who)
    if len(vs) != len(like):
        raise RuntimeError(f"{who}: v has {len(vs)} entries but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(
                f"{who}: entry {i} of v has shape {tuple(a.shape)} but entry {i} of the "
                f"{what} has shape {tuple(b.shape)}; they must match"
            )
    return vs


def _grads(outs, leaves, vs, create_graph, strict, who):
    """Σ_k v_k^T d outs_k / d leaves, zeros (or an error under strict) for the leaves
    no output depends on."""
    live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    found = (
        grad(
            [o for o, _ in live],
            list(leaves),
            grad_outputs=[v for _, v in live],
            retain_graph=True,
            create_graph=create_graph,
            allow_unused=True,
        )
        if live
        else (None,) * len(leaves)
    )
    result = []
    for i, (leaf, g) in enumerate(zip(leaves, found)):
        if g is None or (create_graph and strict and not g.requires_grad):
            if strict:
                raise RuntimeError(
                    f"{who}: the output of the user-provided function is independent of "
                    f"input {i}; this is not allowed in strict mode"
                )
            g = leaf._constant_like(leaf._data * 0)
        elif not isinstance(g, Node):
            g = leaf._constant_like(g)
        result.append(g)
    return tuple(result)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): one backward pass; `v` has the outputs' shapes (None for
    one-element outputs)."""
    leaves, single = _inputs(inputs, create_graph, "vjp")
    outs, single_out = _call(func, leaves, "vjp")
    vs = _vectors(v, outs, "vjp", "output")
    grads = _grads(outs, leaves, vs, create_graph, strict, "vjp")
    return _pack(_finish(outs, create_graph), single_out), _pack(
        _finish(grads, create_graph), single
    )


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): one forward-mode sweep over the recorded graph; `v` has the
    inputs' shapes (None for one-element inputs)."""
    leaves, single = _inputs(inputs, create_graph, "jvp")
    vs = _vectors(v, leaves, "jvp", "input")
    outs, single_out = _call(func, leaves, "jvp")
    seeds = {id(leaf): t._data.astype(leaf.dtype, copy=False) for leaf, t in zip(leaves, vs)}
    live = [o for o in outs if o.requires_grad]
    found = tangent_pass(topological_order(live), seeds, create_graph) if live else {}
    tangents = [_tangent(found, o, i, strict, "jvp") for i, o in enumerate(outs)]
    return _pack(_finish(outs, create_graph), single_out), _pack(
        _finish(tangents, create_graph), single
    )


def _unit(node, k):
    """The k-th unit tensor shaped like `node` (a constant)."""
    flat = node._data.reshape(-1) * 0
    flat[k] = 1
    return flat.reshape(node.shape)


def _block(pieces, lead, trail, create_graph):
    """Stack per-element derivatives into one block of shape lead + trail: `pieces[k]`
    is the derivative for element k of the stacked side."""
    joined = (
        stack(pieces)
        if create_graph
        else pieces[0]._constant_like(namespace(pieces[0]._data).stack([p._data for p in pieces]))
    )
    return joined.reshape(lead + trail)


def _reverse_blocks(outs, leaves, create_graph, strict, who):
    """blocks[i][j] = d outs[i] / d leaves[j] (out.shape + leaf.shape): one backward
    pass per output element."""
    blocks = []
    for o in outs:
        rows = [[] for _ in leaves]
        for k in range(o.numel()):
            e = o._constant_like(_unit(o, k))
            for j, g in enumerate(_grads([o], leaves, [e], create_graph, strict, who)):
                rows[j].append(g)
        blocks.append(
            tuple(_block(r, o.shape, x.shape, create_graph) for r, x in zip(rows, leaves))
        )
    return blocks


def _forward_blocks(outs, leaves, create_graph, strict, who):
    """The same blocks by forward mode: one tangent sweep per input element."""
    live = [o for o in outs if o.requires_grad]
    order = topological_order(live) if live else []
    columns = [[[] for _ in leaves] for _ in outs]
    for j, leaf in enumerate(leaves):
        for k in range(leaf.numel()):
            found = tangent_pass(order, {id(leaf): _unit(leaf, k)}, create_graph)
            for i, o in enumerate(outs):
                columns[i][j].append(_tangent(found, o, i, strict, who))
    return [
        tuple(
            _outputs_first(_block(c, leaf.shape, o.shape, create_graph), len(leaf.shape))
            for c, leaf in zip(row, leaves)
        )
        for row, o in zip(columns, outs)
    ]


def _outputs_first(block, lead):
    """A block of shape leaf.shape + out.shape as out.shape + leaf.shape."""
    if lead == 0 or lead == block.ndim:
        return block
    return block.permute(*range(lead, block.ndim), *range(lead))


def _tangent(found, o, i, strict, who):
    """Output i's tangent as a Tensor of its shape (zeros where no tangent reached it)."""
    t = found.get(id(o))
    if t is None:
        if strict:
            raise RuntimeError(
                f"{who}: output {i} of the user-provided function is independent of the "
                "input; this is not allowed in strict mode"
            )
        t = o._data * 0
    t = t if isinstance(t, Node) else o._constant_like(t)
    return t if t.shape == o.shape else t.expand(o.shape)


_STRATEGIES = ("reverse-mode", "forward-mode")


def _strategy(strategy, vectorize, who):
    if strategy not in _STRATEGIES:
        raise ValueError(
            f"{who}: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    if strategy == "forward-mode" and not vectorize:
        raise ValueError(
            f"{who}: the forward-mode strategy needs vectorize=True (as PyTorch's); pass it"
        )
    return _forward_blocks if strategy == "forward-mode" else _reverse_blocks


def jacobian(
    func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"
):
    """d func(inputs) / d inputs, each block out.shape + input.shape: a Tensor for one
    input and one output, a tuple over the inputs (or outputs), a tuple of tuples for
    both. "reverse-mode" makes one backward per output element, "forward-mode" (with
    vectorize=True) one tangent sweep per input element: pick the smaller side."""
    blocks_of = _strategy(strategy, vectorize, "jacobian")
    leaves, single = _inputs(inputs, create_graph, "jacobian")
    outs, single_out = _call(func, leaves, "jacobian")
    blocks = blocks_of(outs, leaves, create_graph, strict, "jacobian")
    rows = [_pack(_finish(row, create_graph), single) for row in blocks]
    return _pack(tuple(rows), single_out)


def _gradient_of(func, leaves, strict, who):
    """The gradient of scalar func as a function, recorded (create_graph) so that it
    can be differentiated again."""

    def gradient(*xs):
        out = _single_output(func, xs, who)
        ones = (out._constant_like(out._ones_seed()),)
        return _grads((out,), xs, ones, True, strict, who)

    return gradient


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of a single-element func: x.shape + x.shape for one input, blocks
    H[i][j] = d² f / d x_i d x_j for a tuple: the jacobian of the recorded gradient."""
    blocks_of = _strategy(outer_jacobian_strategy, vectorize, "hessian")
    leaves, single = _inputs(inputs, create_graph, "hessian")
    grads = _gradient_of(func, leaves, strict, "hessian")(*leaves)
    blocks = blocks_of(grads, leaves, create_graph, strict, "hessian")
    rows = [_pack(_finish(row, create_graph), single) for row in blocks]
    return _pack(tuple(rows), single)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H): two backward passes (the second through the recorded
    gradient); `v` has the inputs' shapes."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): the same numbers as vhp, as H is symmetric for a twice
    differentiable func (PyTorch computes it by another route; ours is vhp's)."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")


def _second_order(func, inputs, v, create_graph, strict, who):
    leaves, single = _inputs(inputs, create_graph, who)
    vs = _vectors(v, leaves, who, "input")
    out = _single_output(func, leaves, who)
    ones = (out._constant_like(out._ones_seed()),)
    grads = _grads((out,), leaves, ones, True, strict, who)
    products = _grads(grads, leaves, vs, create_graph, strict, who)
    return _finish((out,), create_graph)[0], _pack(_finish(products, create_graph), single)
