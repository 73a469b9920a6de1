"""`backprop_steps`: the backward pass as a film strip, one drawing per chain-rule step.

It runs one real backward through the engine's own reverse pass (`on_node` hook) and
snapshots which gradients are final after each step: a node's gradient is final once
every node that used it has passed its share back. The node being processed is
outlined in red; nodes whose gradient is not final yet show `grad ?`.

In Jupyter the result shows as one player (`viz.player`): a single SVG, the forward pass
node by node, then these backward steps with each op's local-derivative rule and the
engine's numbers. The per-step drawings themselves are made on first use (indexing,
iterating, `save`): a 500-node graph has hundreds of them, seconds of work the player
does not need.
"""
import numpy as np

from ..autograd import Tensor, topological_order
from ..autograd.engine import backward

from . import player
from .graph import _draw, draw_graph
from .renderer import render_file, render_svg


class BackpropSteps(list):
    """A list of `graphviz.Digraph`s, one per step of the backward pass; shown in
    Jupyter as the player (`_repr_html_`), `save_html(path)` writes it as a page."""

    _pending = None        # (root, draw kwargs, [(node, n finals, title)], finals)
    _drawing = None        # the one drawing the player shows
    _player_data = None

    def _materialize(self):
        """Draw every frame now (once): the list then behaves as a plain list."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        root, kwargs, specs, finals = pending
        frames = [draw_graph(root, highlight=[node], grads=dict(finals[:known]),
                             title=title, **kwargs) for node, known, title in specs]
        list.__setitem__(self, slice(None), frames)

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

    def _repr_html_(self):
        if self._drawing is None:     # a list built by hand: no player, the text repr
            return None
        return player.cached_html(self, self._drawing, self._player_data)

    def save_html(self, path):
        """Write the player as a standalone page (temp file + rename); returns the Path."""
        if self._drawing is None:
            raise ValueError("save_html needs the steps from viz.backprop_steps(root); this "
                             "list was built by hand")
        return player.save_html(path, self._drawing, self._player_data, owner=self)


def _drawing_first(name):
    base = getattr(list, name)

    def method(self, *args, **kwargs):
        self._materialize()
        return base(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = base.__doc__
    return method


for _name in ("__getitem__", "__iter__", "__reversed__", "__repr__", "__contains__",
              "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__",
              "__mul__", "__rmul__", "__iadd__", "__imul__", "__setitem__", "__delitem__",
              "__reduce_ex__", "index", "count", "copy", "append", "extend", "insert", "pop",
              "remove", "reverse", "sort", "clear"):
    setattr(BackpropSteps, _name, _drawing_first(_name))


def _snapshot(grad):
    if isinstance(grad, np.ndarray):
        return grad.copy()
    return grad


def _gain(after, before):
    """What an input's .grad gained in one step (None: it has no gradient)."""
    if after is None:
        return None
    return after if before is None else after - before


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
    finals = [(root, _snapshot(root._ones_seed()))]     # (node, grad) as each became final
    specs = [(root, 1, "step 0: seed d(out)/d(out) = 1")]
    walk = []                 # (node, upstream, gains of its inputs, inputs now final)
    last = {}                 # each input's .grad after the previous step

    def on_node(node):
        finals.append((node, _snapshot(node.grad)))
        gains, seen = [], set()
        for parent in node.parents:
            if parent not in users or parent in seen:   # a constant, or a repeated input
                gains.append(None)
                continue
            seen.add(parent)
            after = _snapshot(parent.grad)
            gains.append(_gain(after, last.get(parent, parent._grad_init)))
            last[parent] = after
        now_final = []
        for parent in node.parents:
            if parent in users:
                users[parent] -= 1
                if users[parent] == 0:
                    finals.append((parent, _snapshot(parent.grad)))
                    now_final.append(parent)
        walk.append((node, _snapshot(node.grad), gains, now_final))
        title = (f"step {len(specs)}: {node.op.name} node passes its gradient to "
                 f"{len(node.parents)} input(s)")
        specs.append((node, len(finals), title))

    backward([root], retain_graph=True, on_node=on_node)
    steps = BackpropSteps([None] * len(specs))
    steps._pending = (root, draw_kwargs, specs, finals)
    steps._drawing, steps._player_data = _player(root, dict(finals), walk, draw_kwargs)
    return steps


def _player(root, grads, walk, draw_kwargs):
    """One drawing with every final gradient, and the states: forward, seed, backward."""
    drawing, shown, entries, labels = _draw(root, grads=grads, **draw_kwargs)
    index = {node: i for i, node in enumerate(shown)}
    forward = player.forward_steps(shown, labels)
    backward_states = [player.seed_step(root, index, len(shown))]
    for number, (node, upstream, gains, now_final) in enumerate(walk, 1):
        backward_states.append(player.backward_step(number, node, upstream, gains, index,
                                                    now_final, len(shown)))
    data = player.PlayerData(entries, forward + backward_states, start=len(forward),
                             title="backprop steps")
    return drawing, data
