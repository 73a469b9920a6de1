"""The graph walker: one topological order, one reverse pass, for `Value` and `Tensor`.

The reverse pass uses each node's `.grad` slot as its accumulator: a node used twice
receives the sum of both paths. Semantics follow PyTorch:

* leaves accumulate across backward calls (`+=`) until `zero_grad()`;
* intermediates are reset at the start of every pass, so a second `backward()`
  never returns 3x (micrograd's bug). A `Value` keeps its intermediate grads for
  drawing; a `Tensor` drops them as soon as they have been passed on (unless
  `retain_grad()` was called), which keeps peak memory low;
* a `Tensor` graph frees its saved arrays after the pass unless `retain_graph=True`;
  walking it again raises an error that says so. Its shape stays: freed intermediates
  are replaced by `FreedNode`s (op, shape, dtype, label; no arrays), so the graph can
  still be drawn with its leaves' gradients, and nothing big is pinned by the output.
* a `Value` graph runs each op's float VJP (`scalar_vjp`): no tuples of inputs, no
  broadcasting helpers, one attribute read per input.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast

import numpy as np

from . import hooks
from .backend import namespace
from .buffers import give
from .grad_mode import STATE, enable_grad, no_grad
from .node import Node
from .torch_array import as_grad

if TYPE_CHECKING:
    from .op_table import Op

FREED = object()  # a node's `_saved` after backward released it


class GraphFreedError(RuntimeError):
    """A backward (or jvp) walked a graph whose saved arrays an earlier backward already
    freed; pass `retain_graph=True` to that first backward to walk the graph twice."""


def topological_order(
    roots: Iterable[Node], every_node: bool = False, leaves: bool = True
) -> list[Node]:
    """Nodes that need a gradient, every node after all of its parents.

    `every_node=True` also lists constants (nodes that need no gradient), for drawing.
    `leaves=False` leaves out the inputs (nodes no op made, other than the roots): the
    reverse pass never visits them, and skipping them spares a set lookup per edge.

    Iterative depth-first search (never recursive: a chain of a million nodes is fine).
    Nodes hash by identity, so `seen` holds the nodes themselves. viz and gradcheck
    walk graphs through this function too.
    """
    order: list[Node] = []
    append = order.append
    seen: set[Node] = set()
    mark = seen.add
    for root in roots:
        if not (root.requires_grad or every_node) or root in seen:
            continue
        mark(root)
        stack = [(root, iter(root._parents))]
        push, pop = stack.append, stack.pop
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                grandparents = parent._parents
                if not grandparents:  # a leaf: listed (once) but never visited
                    if leaves and (parent.requires_grad or every_node) and parent not in seen:
                        mark(parent)
                        append(parent)
                    continue
                if (parent.requires_grad or every_node) and parent not in seen:
                    mark(parent)
                    push((parent, iter(grandparents)))
                    break
            else:
                pop()
                append(node)
    return order


def backward(
    tensors: Node | Sequence[Node],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    capture: Collection[int] = (),
    on_node: Callable[[Node], object] | None = None,
    order: list[Node] | None = None,
    inputs: Node | Sequence[Node] | None = None,
) -> None:
    """Run the chain rule from the roots `tensors` (seeded with `grad_tensors`, default
    ones), as `torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph)`.
    A root listed twice is seeded twice; a `retain_grad()` tensor's `.grad` accumulates
    over backward calls, as a leaf's does.

    `inputs`: accumulate into these tensors' `.grad` only (leaves or not), as PyTorch's
    `inputs=`; the graph between them and the roots is all that is walked.
    `capture`: ids of non-leaf nodes whose `.grad` must survive the pass (for `grad()`).
    `on_node(node)`: called right after each node has passed its gradient on to its
    parents (viz.backprop_steps draws the pass one step at a time with it).
    `order`: the nodes to walk (parents first), where `grad()` walks only the part of
    the graph between its outputs and its inputs; default: every node under the roots.
    """
    roots, gradients = tensors, grad_tensors
    if isinstance(roots, Node):
        roots = [roots]
        gradients = None if gradients is None else [gradients]
    if inputs is not None:
        return _accumulate_into(inputs, roots, gradients, retain_graph, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [
        _seed(root, None if gradients is None else gradients[i]) for i, root in enumerate(roots)
    ]
    if create_graph:  # the backward graph starts from constant nodes
        seeds = [root._graph_seed(seed) for root, seed in zip(roots, seeds)]
    if order is None:
        with _cyclic_gc_paused():
            order = topological_order(roots, leaves=False)
        if not order:
            raise RuntimeError(
                "backward(): the output does not require grad (it was made "
                "under no_grad() or from constants only), so there is nothing "
                "to differentiate"
            )
    kept = []  # retain_grad() nodes' earlier gradients, added back after the pass
    retained = []
    for node in order:
        if node._fn is not None:
            if node._retains:
                retained.append(node)
                if node.grad is not None:
                    kept.append((node, node.grad))
            node.grad = node._grad_init
    seeded: set[int] = set()
    for root, seed in zip(roots, seeds):
        if root.requires_grad:
            old = root.grad
            if root._fn is not None and id(root) not in seeded:
                root.grad = seed
                seeded.add(id(root))
            elif old is None:  # a leaf's own array, never the caller's seed itself
                root.grad = root._own_grad(seed, seed)
            else:
                root.grad = old + seed
    mode = enable_grad() if create_graph else no_grad()
    with mode, _cyclic_gc_paused():
        if order and order[-1]._is_scalar and not (create_graph or on_node or STATE.anomaly):
            _reverse_pass_floats(order)
        else:  # array math gives inf/nan like numpy and PyTorch (detect_anomaly finds them)
            with np.errstate(all="ignore"):
                _reverse_pass(order, create_graph, retain_graph, set(capture), on_node)
        for node, old in kept:  # the earlier backward's share, added back
            node.grad = old if node.grad is None else old + node.grad
        for node in retained:  # a leaf's kind of .grad (tensor methods: .numpy(), ...)
            if node.grad is not None and not isinstance(node.grad, Node):
                node.grad = cast(Any, node)._own_grad(node.grad, None)


def _reverse_pass_floats(order: list[Node]) -> None:
    """The reverse pass of a plain `Value` backward, stripped to its core: each op's
    float VJP, then `+=` into the inputs that need a gradient. (`_reverse_pass` below is
    the same walk with hooks, anomaly checks, graph freeing and create_graph.)"""
    for node in reversed(order):
        op = node._fn
        if op is not None:
            op.scalar_backprop(node, node.grad)


def _reverse_pass(
    order: list[Node],
    create_graph: bool,
    retain_graph: bool,
    capture: set[int],
    on_node: Callable[[Node], object] | None,
) -> None:
    anomaly = STATE.anomaly
    scalar = bool(order) and order[-1]._is_scalar and not create_graph
    free = not retain_graph and not scalar
    freed: list[Node] = []
    held: dict[int, list[Any]] = {}  # leaves with hooks: [leaf, its gradient so far]
    for node in reversed(order):
        op = node._fn
        g = node.grad
        if op is None or g is None:  # a leaf, or no path from the root reached it
            continue
        hooked = getattr(node, "_hooks", None)
        if hooked:  # the whole gradient, before it flows down (register_hook)
            g = node.grad = hooks.run(node, g)
        parents = node._parents
        if scalar:
            grads = op.scalar_vjp(node, g)
        else:
            if node._saved is FREED:
                _raise_freed(node)
            if node._versions is not None:
                _check_versions(node, parents)
            if create_graph:
                grads = op.vjp(node, g, parents, node)
                if op.piecewise:  # (imported here: vjp_math imports the op table)
                    from .vjp_math import held_by_inputs

                    grads = held_by_inputs(grads, parents)
            else:
                grads = op.vjp(node, g, tuple([p._data for p in parents]), node._data)
        if anomaly:
            from .anomaly import check_backward

            check_backward(node, grads)
        for parent, pg in zip(parents, grads):
            if pg is None or not parent.requires_grad:
                continue
            if not scalar:  # (numpy counts dtype == None as float64: no `in (None, ...)`)
                dtype = getattr(pg, "dtype", None)
                if dtype is not None and dtype != cast(Any, parent).dtype:
                    pg = _in_dtype_of(parent, pg)
            if (
                parent._fn is None
                and getattr(parent, "_hooks", None)
                and (
                    not capture or id(parent) in capture  # grad(): only its inputs' hooks run
                )
            ):
                _hold(held, parent, pg)  # its hooks see the sum, after the pass
                continue
            old = parent.grad
            if old is None:  # a leaf keeps its own writable array; intermediates need not
                parent.grad = parent._own_grad(pg, g) if parent._fn is None else pg
            elif create_graph and old.__class__ is float and old == 0.0:
                parent.grad = pg  # not a recorded "0 +" node in the grad graph
            else:
                parent.grad = old + pg
        if on_node is not None:
            on_node(node)
        if not (node._keeps_grad or node._retains or (capture and id(node) in capture)):
            node.grad = None
            if g.__class__ is np.ndarray and not hooked:  # kept for reuse if nobody sees it
                give(g, held=1)
        if free and node._frees_graph:
            node._saved = FREED  # the arrays its VJP kept can go now
            freed.append(node)
    if freed:
        _keep_shape_only(freed)
    for leaf, g in held.values():
        g = hooks.run(leaf, g)
        old = leaf.grad
        leaf.grad = leaf._own_grad(g, None) if old is None else old + g


def _in_dtype_of(parent: Any, pg: Any) -> Any:
    """A gradient in its input's dtype, as PyTorch's engine casts each: a float32 leaf
    used with a float64 tensor gets a float32 gradient (an op's VJP gives float64)."""
    if isinstance(pg, Node):
        return cast(Any, pg).to(parent.dtype)
    return pg.astype(parent.dtype)


def _hold(held: dict[int, list[Any]], leaf: Any, pg: Any) -> None:
    """Add `pg` to a hooked leaf's held gradient: a copy of an array (it may be a view of
    `upstream`, which the pass hands back to the buffer pool), the node under create_graph."""
    entry = held.get(id(leaf))
    if entry is not None:
        entry[1] = entry[1] + pg
    else:
        held[id(leaf)] = [leaf, pg if isinstance(pg, Node) else namespace(pg).array(pg)]


def tangent_pass(
    order: Iterable[Node], seeds: dict[int, Any], create_graph: bool = False
) -> dict[int, Any]:
    """Forward mode over a recorded graph: walk `order` (parents before children) and give
    each node the tangent its op's `jvp` computes from its inputs' tangents.

    `seeds` maps id(leaf) -> that leaf's tangent. Nodes no seed reaches get no entry
    (a zero that is never built). With `create_graph=True` the rules run on the nodes,
    so the tangents are nodes too (differentiable again). Returns the dict of tangents.
    """
    tangents = dict(seeds)
    get = tangents.get
    mode = enable_grad() if create_graph else no_grad()
    with mode, np.errstate(all="ignore"):
        for node in order:
            op = node._fn
            if op is None:
                continue
            parents = node._parents
            ts = tuple([get(id(p)) for p in parents])
            if not any(t is not None for t in ts):
                continue
            if node._saved is FREED:
                _raise_freed(node)
            if create_graph:
                tangents[id(node)] = op.jvp(node, ts, parents, node)
            else:
                tangents[id(node)] = op.jvp(node, ts, tuple([p._data for p in parents]), node._data)
    return tangents


def _raise_freed(node: Any) -> NoReturn:
    raise GraphFreedError(
        f"Trying to backward through a graph a second time (at a {node._fn.name!r} "
        "node): its saved arrays were freed after the first backward. "
        "Pass retain_graph=True to the first backward() to walk it again."
    )


class FreedNode(Node):
    """What is left of an intermediate Tensor after backward freed its graph: enough to
    draw it (op, inputs, shape, dtype, label, module scope), no arrays."""

    __slots__ = (
        "_fn",
        "_parents",
        "_saved",
        "label",
        "shape",
        "dtype",
        "_scope",
        "requires_grad",
        "grad",
    )
    _fn: Op  # (always an op: only intermediates are freed)
    _is_scalar = False
    _keeps_grad = False
    _retains = False
    _frees_graph = True
    _versions = None
    _grad_init = None
    data = _data = None

    def __init__(self, node: Any) -> None:
        self._fn = node._fn
        self._saved = FREED
        self.label = node.label
        self.shape = node.shape
        self.dtype = node.dtype
        self._scope = getattr(node, "_scope", ())
        self.requires_grad = True
        self.grad = None

    @property
    def ndim(self) -> int:
        """Number of dimensions (as the tensor it stands in for)."""
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<freed {self._fn.name!r} tensor of shape {self.shape}, dtype {self.dtype}>"


def _keep_shape_only(nodes: list[Any]) -> None:
    """Point the freed graph at `FreedNode`s: the real intermediates (and their arrays)
    are released unless the user holds them; the drawing keeps its shape."""
    stand_ins = {id(n): FreedNode(n) for n in nodes}
    for node in nodes:
        parents = tuple([stand_ins.get(id(p), p) for p in node._parents])
        stand_ins[id(node)]._parents = parents
        node._parents = parents


def _check_versions(node: Any, parents: tuple[Any, ...]) -> None:
    """PyTorch's rule: refuse to backward through numbers that changed since the forward
    (an in-place edit of an input, or of this node's own output, which some VJPs read)."""
    versions = node._versions
    for i, parent in enumerate(parents):
        if parent._vc.value != versions[i]:
            _raise_modified(node, f"input {i}", parent, versions[i])
    if node._vc.value != versions[-1]:
        _raise_modified(node, "its output", node, versions[-1])


def _raise_modified(node: Any, which: str, tensor: Any, then: int) -> NoReturn:
    name = f" {tensor.label!r}" if tensor.label else ""
    raise RuntimeError(
        f"backward(): {which} of a {node._fn.name!r} node (tensor{name} of shape "
        f"{tensor.shape}) was modified in place after the op used it (it changed from "
        f"version {then} to {tensor._vc.value}: a write through .data, new .data, copy_(), "
        "an optimizer step or an in-place op), so its gradient would come from numbers that no "
        "longer exist. Fix: call backward() before changing it, redo the forward after the "
        "change, or change a copy (t.detach().clone(), x.data.copy())."
    )


class _cyclic_gc_paused:
    """Pause Python's cyclic garbage collector while walking a graph.

    The walk allocates many small objects (gradients, stack frames) but no reference
    cycles, so the collector has nothing to find; left on, it would rescan every live
    node of a large graph again and again (about 40% of a 10^6-node backward).
    """

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.was_enabled:
            gc.enable()
        return False


def _seed(root: Node, gradient: Any) -> Any:
    if gradient is None:
        return root._ones_seed()
    return root._check_seed(gradient)


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> Any:
    """d(outputs)/d(inputs) without touching any `.grad` (like torch.autograd.grad): a
    tuple with one gradient per input, also for a single input (`grad(y, x)[0]`).

    With `create_graph=True` the results are nodes that can be differentiated again.
    An input the outputs do not depend on is an error, None with `allow_unused=True`,
    zeros with `materialize_grads=True` (PyTorch's rules).
    """
    if materialize_grads:
        if allow_unused is False:
            raise ValueError(
                "grad(): materialize_grads=True gives zeros for unused inputs; leave "
                "allow_unused out (or pass True) with it"
            )
        allow_unused = True
    single_output = not isinstance(outputs, (list, tuple))
    outputs = [cast(Node, outputs)] if single_output else list(cast(Sequence[Node], outputs))
    single_input = not isinstance(inputs, (list, tuple))
    inputs = [cast(Node, inputs)] if single_input else list(cast(Sequence[Node], inputs))
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError(
                f"grad(): input {x!r} does not require grad, so no "
                "gradient can flow to it (use requires_grad=True)"
            )
    if not any(getattr(y, "requires_grad", False) for y in outputs):
        raise RuntimeError(
            "grad(): the output does not require grad (it was made under no_grad() or "
            "from constants only), so there is nothing to differentiate"
        )
    order = topological_order(outputs)
    in_graph = {id(n) for n in order}
    stash = [(n, n.grad) for n in order]
    stash += [(n, n.grad) for n in (*inputs, *outputs) if id(n) not in in_graph]
    for node, _ in stash:
        node.grad = node._grad_init
    walk = _between(order, inputs)
    walked = {id(n) for n in walk}
    try:
        backward(
            outputs,
            grad_outputs,
            retain_graph=retain_graph,
            create_graph=create_graph,
            capture=[id(x) for x in inputs],
            order=walk,
        )
        results: list[Any] = []
        for x in inputs:
            if id(x) not in in_graph or x.grad is None:
                if not allow_unused:
                    raise RuntimeError(
                        f"grad(): input {x!r} was not used to compute the "
                        "outputs; pass allow_unused=True to get None for it"
                    )
                results.append(_zeros_for(x, create_graph) if materialize_grads else None)
            else:  # an array as a leaf's .grad is, with PyTorch's tensor methods
                g = x.grad
                if x._fn is not None and id(x) not in walked and getattr(x, "_hooks", None):
                    g = hooks.run(x, g)  # an intermediate the pass ended at: not yet run
                results.append(as_grad(g) if g.__class__ is np.ndarray else g)
    finally:
        for node, old in stash:
            node.grad = old
    return tuple(results)  # always a tuple, as PyTorch's (even for one input)


def _between(order: list[Node], inputs: list[Node]) -> list[Node]:
    """The nodes of `order` that have an input among their ancestors: all that a
    gradient with respect to `inputs` passes through. The rest (a model's layers below
    an activation taken as input) is neither walked nor freed, as in PyTorch, so a
    later backward from the same loss still reaches the parameters."""
    reached = {id(x) for x in inputs}
    walk = []
    for node in order:
        if any(id(p) in reached for p in node._parents):
            reached.add(id(node))
            walk.append(node)
    return walk


def _accumulate_into(
    inputs: Node | Sequence[Node],
    roots: Sequence[Node],
    gradients: Any,
    retain_graph: bool | None,
    create_graph: bool,
) -> None:
    """backward(inputs=...): d(roots)/d(input) added to each input's `.grad`, every
    other `.grad` left alone; an input the roots do not depend on keeps its `.grad`."""
    inputs = [inputs] if isinstance(inputs, Node) else list({id(x): x for x in inputs}.values())
    if not inputs:
        raise RuntimeError(
            "backward(): inputs= cannot be empty; leave it out to accumulate into every leaf"
        )
    found = grad(
        list(roots),
        inputs,
        grad_outputs=gradients,
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    for x, g in zip(inputs, found):
        if x._fn is not None and not x._is_scalar:  # PyTorch's: a non-leaf named here
            cast(Any, x).retain_grad()  # keeps its .grad from now on
        if g is None:
            continue
        old = x.grad
        x.grad = x._own_grad(g, g) if old is None else old + g


def _zeros_for(x: Any, create_graph: bool) -> Any:
    """A zero gradient for x, of the kind grad() returns for it (materialize_grads)."""
    if x._is_scalar:
        return 0.0
    zeros = namespace(x._data).zeros_like(x._data)
    return x._constant_like(zeros) if create_graph else as_grad(zeros)
