"""`backprop_steps`: the backward pass as a film strip, one drawing per chain-rule step.

It runs one real backward through the engine's own reverse pass (`on_node` hook) and
snapshots which gradients are final after each step: a node's gradient is final once
every node that used it has passed its share back. The node being processed is
outlined in red; nodes whose gradient is not final yet show `grad ?`.
"""
import numpy as np

from autograd import Tensor, topological_order
from autograd.engine import backward

from .graph import draw_graph
from .renderer import render_file, render_svg


class BackpropSteps(list):
    """A list of `graphviz.Digraph`s, one per step of the backward pass."""

    def to_svgs(self):
        """The steps as SVG strings (needs a renderer)."""
        return [render_svg(step) for step in self]

    def save(self, folder, prefix="step"):
        """Write `folder/step_000.svg`, ... (each through `render_file`); returns the paths."""
        from pathlib import Path
        if not prefix or Path(prefix).name != prefix or prefix in (".", ".."):
            raise ValueError(f"prefix must be a plain file-name start like 'step', got "
                             f"{prefix!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [render_file(step, folder / f"{prefix}_{i:03d}.svg")
                for i, step in enumerate(self)]


def _snapshot(grad):
    if isinstance(grad, np.ndarray):
        return grad.copy()
    return grad


def backprop_steps(root, **draw_kwargs):
    """Zero the leaves' grads, run `root.backward()`, and draw each step.

    Step 0 shows the seed (d root / d root = 1); step k shows the graph after the k-th
    node has passed its gradient to its parents. Returns a `BackpropSteps` list.
    """
    if isinstance(root, Tensor) and root.data.size != 1:
        raise ValueError(f"backprop_steps needs a scalar output, got shape {root.shape}")
    order = topological_order([root])
    if not order:
        raise ValueError("backprop_steps: the output does not require grad; nothing to show")
    users = {node: 0 for node in order}
    for node in order:
        for parent in node.parents:
            if parent in users:
                users[parent] += 1
    for node in order:
        if node.op is None:
            node.grad = node._grad_init
    final = {root: _snapshot(root._ones_seed())}
    frames = BackpropSteps([draw_graph(root, highlight=[root], grads=dict(final),
                                       title="step 0: seed d(out)/d(out) = 1", **draw_kwargs)])

    def on_node(node):
        final[node] = _snapshot(node.grad)
        for parent in node.parents:
            if parent in users:
                users[parent] -= 1
                if users[parent] == 0:
                    final[parent] = _snapshot(parent.grad)
        title = (f"step {len(frames)}: {node.op.name} node passes its gradient to "
                 f"{len(node.parents)} input(s)")
        frames.append(draw_graph(root, highlight=[node], grads=dict(final), title=title,
                                 **draw_kwargs))

    backward([root], retain_graph=True, on_node=on_node)
    return frames
