"""The graph walker: one topological order, one reverse pass, for `Value` and `Tensor`.

The reverse pass uses each node's `.grad` slot as its accumulator: a node used twice
receives the sum of both paths. Semantics follow PyTorch:

* leaves accumulate across backward calls (`+=`) until `zero_grad()`;
* intermediates are reset at the start of every pass, so a second `backward()`
  never returns 3x (micrograd's bug). A `Value` keeps its intermediate grads for
  drawing; a `Tensor` drops them as soon as they have been passed on (unless
  `retain_grad()` was called), which keeps peak memory low;
* a `Tensor` graph frees its saved arrays after the pass unless `retain_graph=True`;
  walking it again raises an error that says so.
"""
import gc

from .grad_mode import STATE, enable_grad, no_grad


class GraphFreedError(RuntimeError):
    pass


def topological_order(roots, every_node=False):
    """Nodes that need a gradient, every node after all of its parents.

    `every_node=True` also lists constants (nodes that need no gradient), for drawing.

    Iterative depth-first search (never recursive: a chain of a million nodes is fine).
    Nodes hash by identity, so `seen` holds the nodes themselves. viz and gradcheck
    walk graphs through this function too.
    """
    order = []
    append = order.append
    seen = set()
    mark = seen.add
    for root in roots:
        if not (root.requires_grad or every_node) or root in seen:
            continue
        mark(root)
        stack = [(root, iter(_parents_of(root)))]
        push, pop = stack.append, stack.pop
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if (parent.requires_grad or every_node) and parent not in seen:
                    mark(parent)
                    grandparents = parent._parents
                    if grandparents:
                        push((parent, iter(grandparents)))
                        break
                    if grandparents is None:
                        _parents_of(parent)   # raises: the graph was freed
                    append(parent)            # a leaf: no need to visit it
            else:
                pop()
                append(node)
    return order


def _parents_of(node):
    parents = node._parents
    if parents is None:
        raise GraphFreedError(
            f"Trying to backward through a graph a second time (at a {node._op.name!r} "
            "node): its saved arrays were freed after the first backward. "
            "Pass retain_graph=True to the first backward() to walk it again.")
    return parents


def backward(roots, gradients=None, retain_graph=None, create_graph=False, capture=(),
             on_node=None):
    """Run the chain rule from `roots` (seeded with `gradients`, default ones).

    `capture`: ids of non-leaf nodes whose `.grad` must survive the pass (for `grad()`).
    `on_node(node)`: called right after each node has passed its gradient on to its
    parents (viz.backprop_steps draws the pass one step at a time with it).
    """
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed(root, None if gradients is None else gradients[i])
             for i, root in enumerate(roots)]
    if create_graph:   # the backward graph starts from constant nodes
        seeds = [root._lift(seed) for root, seed in zip(roots, seeds)]
    with _cyclic_gc_paused():
        order = topological_order(roots)
    if not order:
        raise RuntimeError("backward(): the output does not require grad (it was made "
                           "under no_grad() or from constants only), so there is nothing "
                           "to differentiate")
    for node in order:
        if node._op is not None:
            node.grad = node._grad_init
    for root, seed in zip(roots, seeds):
        if root.requires_grad:
            old = root.grad
            root.grad = seed if old is None or root._op is not None else old + seed
    mode = enable_grad() if create_graph else no_grad()
    with mode, _cyclic_gc_paused():
        _reverse_pass(order, create_graph, retain_graph, set(capture), on_node)


def _reverse_pass(order, create_graph, retain_graph, capture, on_node):
    anomaly = STATE.anomaly
    free = not retain_graph
    for node in reversed(order):
        op = node._op
        g = node.grad
        if op is None or g is None:   # a leaf, or no path from the root reached it
            continue
        parents = node._parents
        if node._versions is not None:
            _check_versions(node, parents)
        if create_graph:
            grads = op.vjp(node, g, parents, node)
        else:
            grads = op.vjp(node, g, tuple([p.data for p in parents]), node.data)
        if anomaly:
            from .anomaly import check_backward
            check_backward(node, grads)
        for parent, pg in zip(parents, grads):
            if pg is None or not parent.requires_grad:
                continue
            old = parent.grad
            if old is None:
                parent.grad = parent._own_grad(pg, g)
            else:
                parent.grad = old + pg
        if on_node is not None:
            on_node(node)
        if not (node._keeps_grad or node._retains or (capture and id(node) in capture)):
            node.grad = None
        if free and node._frees_graph:
            node._parents = None
            node._saved = None


def _check_versions(node, parents):
    for i, parent in enumerate(parents):
        if parent._version != node._versions[i]:
            raise RuntimeError(
                f"one of the tensors needed for backward was modified in place: input {i} "
                f"(shape {parent.shape}) of a {node._op.name!r} node changed from version "
                f"{node._versions[i]} to {parent._version} after the op used it, so its "
                "gradient would be computed from the wrong numbers. Modify it after "
                "backward(), or compute on a copy (x.data.copy()) instead.")


class _cyclic_gc_paused:
    """Pause Python's cyclic garbage collector while walking a graph.

    The walk allocates many small objects (gradients, stack frames) but no reference
    cycles, so the collector has nothing to find; left on, it would rescan every live
    node of a large graph again and again (about 40% of a 10^6-node backward).
    """

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()
        return False


def _seed(root, gradient):
    if gradient is None:
        return root._ones_seed()
    return root._check_seed(gradient)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """d(outputs)/d(inputs) without touching any `.grad` (like torch.autograd.grad).

    With `create_graph=True` the results are nodes that can be differentiated again.
    """
    single_output = not isinstance(outputs, (list, tuple))
    outputs = [outputs] if single_output else list(outputs)
    single_input = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError(f"grad(): input {x!r} does not require grad, so no "
                               "gradient can flow to it (use requires_grad=True)")
    order = topological_order(outputs)
    in_graph = {id(n) for n in order}
    stash = [(n, n.grad) for n in order if n._op is None]
    stash += [(x, x.grad) for x in inputs if x._op is not None and id(x) in in_graph]
    for node, _ in stash:
        node.grad = node._grad_init
    try:
        backward(outputs, grad_outputs, retain_graph=retain_graph,
                 create_graph=create_graph, capture=[id(x) for x in inputs])
        results = []
        for x in inputs:
            if id(x) not in in_graph or x.grad is None:
                if not allow_unused:
                    raise RuntimeError(f"grad(): input {x!r} was not used to compute the "
                                       "outputs; pass allow_unused=True to get None for it")
                results.append(None)
            else:
                results.append(x.grad)
    finally:
        for node, old in stash:
            node.grad = old
    return results[0] if single_input else results
