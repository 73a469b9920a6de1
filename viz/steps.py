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

Bounded: only the drawn nodes (`max_nodes`, as in `draw_graph`) are followed. A step is
kept when the node passing its gradient is drawn or when it makes a drawn node's
gradient final; the other steps of a long graph are counted, not recorded, and the
player and the repr say how many were left out (`viz.player.summary`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Tensor, topological_order
from ..autograd.engine import backward
from ..autograd.node import Node
from . import player
from .graph import DEFAULT_MAX_NODES, GraphDrawing, _draw, select_nodes, with_player
from .renderer import render_file, render_svg


class BackpropSteps(list):
    """A list of `graphviz.Digraph`s, one per step of the backward pass that involves a
    drawn node (every step, for a graph within max_nodes); shown in Jupyter as the
    player (`_repr_html_`), `save_html(path)` writes it as a page."""

    _pending: tuple[Any, ...] | None = None  # (root, drawn nodes, draw kwargs,
    #  [(node, n finals, title)], finals)
    _drawing: GraphDrawing | None = None  # the one drawing the player shows
    _player_data: player.PlayerData | None = None

    def _materialize(self) -> None:
        """Draw every frame now (once): the list then behaves as a plain list."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        root, selected, kwargs, specs, finals = pending
        frames = [
            with_player(
                _draw(
                    root,
                    highlight=[node],
                    grads=dict(finals[:known]),
                    title=title,
                    selected=selected,
                    **kwargs,
                ),
                title,
            )
            for node, known, title in specs
        ]
        list.__setitem__(self, slice(None), frames)

    def __repr__(self) -> str:
        """What the steps show and leave out, without drawing a frame."""
        if self._player_data is None:  # a list built by hand
            self._materialize()
            return list.__repr__(self)
        data = self._player_data
        frames, walked = list.__len__(self), data.total - data.start  # seed included
        which = (
            f"{frames:,} frames"
            if frames == walked
            else f"{frames:,} of {walked:,} backward steps as frames"
        )
        return f"<BackpropSteps: {which}; player: {player.summary(data)}>"

    def to_svgs(self) -> list[str]:
        """The steps as SVG strings (needs a renderer)."""
        return [render_svg(step) for step in self]

    def save(self, folder: str | Path, prefix: str = "step") -> list[Path]:
        """Write `folder/step_000.svg`, ... (each through `render_file`); returns the paths."""
        if not prefix or Path(prefix).name != prefix or prefix in (".", ".."):
            raise ValueError(f"prefix must be a plain file-name start like 'step', got {prefix!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [render_file(step, folder / f"{prefix}_{i:03d}.svg") for i, step in enumerate(self)]

    def _repr_html_(self) -> str | None:
        if self._drawing is None:  # a list built by hand: no player, the text repr
            return None
        return player.cached_html(self, self._drawing, self._player_data)

    def save_html(self, path: str | Path) -> Path:
        """Write the player as a standalone page (temp file + rename); returns the Path."""
        if self._drawing is None:
            raise ValueError(
                "save_html needs the steps from viz.backprop_steps(root); this "
                "list was built by hand"
            )
        return player.save_html(path, self._drawing, self._player_data, owner=self)


def _drawing_first(name: str) -> Callable[..., Any]:
    base = getattr(list, name)

    def method(self: BackpropSteps, *args: Any, **kwargs: Any) -> Any:
        self._materialize()
        return base(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = base.__doc__
    return method


for _name in (
    "__getitem__",
    "__iter__",
    "__reversed__",
    "__contains__",
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__add__",
    "__mul__",
    "__rmul__",
    "__iadd__",
    "__imul__",
    "__setitem__",
    "__delitem__",
    "__reduce_ex__",
    "index",
    "count",
    "copy",
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "reverse",
    "sort",
    "clear",
):
    setattr(BackpropSteps, _name, _drawing_first(_name))


def _snapshot(grad: Any) -> Any:
    if isinstance(grad, np.ndarray):
        return grad.copy()
    return grad


def _gain(after: Any, before: Any) -> Any:
    """What an input's .grad gained in one step (None: it has no gradient)."""
    if after is None:
        return None
    return after if before is None else after - before


class _Walk:
    """What the engine's walk shows about the drawn nodes, recorded as it happens.

    `users[n]`: the steps still to come that add to drawn node n's gradient (at 0 it is
    final). `watched`: the inputs of steps that may be kept, whose gains their rule text
    reports; every step into a watched input updates `last`, so each gain is exact."""

    def __init__(self, root: Any, order: list[Any], shown: list[Any]) -> None:
        needs_grad = set(order)
        self.drawn = set(shown)
        self.users = dict.fromkeys((n for n in shown if n in needs_grad), 0)
        self.candidates: set[Any] = set()
        self.watched: set[Any] = set()
        for node in order:
            feeds_drawn = False
            for parent in node.parents:
                if parent in self.users:
                    self.users[parent] += 1
                    feeds_drawn = True
            if node in self.drawn or feeds_drawn:
                self.candidates.add(node)
                self.watched.update(p for p in node.parents if p in needs_grad)
        self.finals = [(root, _snapshot(root._ones_seed()))]  # drawn (node, grad) as final
        self.specs = [(root, 1, "step 0: seed d(out)/d(out) = 1")]
        # (step number, node, upstream, gains of its inputs, now final)
        self.kept: list[tuple[int, Any, Any, list[Any], list[Any]]] = []
        # each watched input's .grad after the previous step into it
        self.last: dict[Any, Any] = {}
        self.steps = 0  # every step of the walk, kept or not
        self.cap = player.MAX_PLAYER_STEPS  # backward steps kept; a page shows no more
        self.capped = False  # a step worth keeping came after `cap` were kept

    def on_node(self, node: Any) -> None:
        """The engine's hook: `node` has just passed its gradient to its inputs."""
        self.steps += 1
        watched = [p in self.watched for p in node.parents]
        if node not in self.candidates and not any(watched):
            return  # nothing drawn is touched: count it only
        gains: list[Any] = []
        seen: set[Any] = set()
        for parent, watch in zip(node.parents, watched):
            if not watch or parent in seen:  # a constant, or a repeated input
                gains.append(None)
                continue
            seen.add(parent)
            after = _snapshot(parent.grad)
            gains.append(_gain(after, self.last.get(parent, parent._grad_init)))
            self.last[parent] = after
        if node in self.drawn:
            self.finals.append((node, _snapshot(node.grad)))
        now_final = []
        for parent in node.parents:
            if parent in self.users:
                self.users[parent] -= 1
                if self.users[parent] == 0:
                    self.finals.append((parent, _snapshot(parent.grad)))
                    now_final.append(parent)
        if not (node in self.drawn or now_final):
            return
        if len(self.kept) == self.cap:
            self.capped = True
            return
        self.kept.append((self.steps, node, _snapshot(node.grad), gains, now_final))
        self.specs.append(
            (
                node,
                len(self.finals),
                f"step {self.steps}: {node.op.name} node passes its gradient "
                f"to {len(node.parents)} input(s)",
            )
        )


def backprop_steps(root: Node, **draw_kwargs: Any) -> BackpropSteps:
    """Zero the leaves' grads, run `root.backward()`, and draw each step.

    Step 0 shows the seed (d root / d root = 1); step k shows the graph after the k-th
    node has passed its gradient to its parents. Returns a `BackpropSteps` list with a
    frame per step that involves a drawn node (all of them, for a graph within
    max_nodes); its repr and its player say what was left out.
    """
    if isinstance(root, Tensor) and root.data.size != 1:
        raise ValueError(f"backprop_steps needs a scalar output, got shape {root.shape}")
    order = topological_order([root])
    if not order:
        raise ValueError("backprop_steps: the output does not require grad; nothing to show")
    selected = select_nodes([root], draw_kwargs.get("max_nodes", DEFAULT_MAX_NODES))
    walk = _Walk(root, order, selected[0])
    for node in order:
        if node.op is None:
            node.grad = node._grad_init
    backward([root], retain_graph=True, on_node=walk.on_node)
    steps = BackpropSteps([None] * len(walk.specs))
    steps._pending = (root, selected, draw_kwargs, walk.specs, walk.finals)
    steps._drawing, steps._player_data = _player(root, selected, walk, draw_kwargs)
    return steps


def _player(
    root: Node, selected: tuple[list[Any], int], walk: _Walk, draw_kwargs: dict[str, Any]
) -> tuple[GraphDrawing, player.PlayerData]:
    """One drawing with every final gradient, and the states: forward, seed, backward."""
    drawn = _draw(root, grads=dict(walk.finals), selected=selected, **draw_kwargs)
    index = {node: i for i, node in enumerate(drawn.shown)}
    visible = len(drawn.shown)
    forward = player.forward_steps(drawn.shown, drawn.labels)
    states = [player.seed_step(root, index, visible)]
    for number, node, upstream, gains, now_final in walk.kept:
        states.append(
            player.backward_step(number, node, upstream, gains, index, now_final, visible)
        )
    data = player.PlayerData(
        drawn.entries,
        forward + states,
        start=len(forward),
        title="backprop steps",
        total=len(forward) + 1 + walk.steps,
        hidden=drawn.hidden,
        max_nodes=drawn.max_nodes,
        limit="steps" if walk.capped else None,
    )
    return drawn.dot, data
