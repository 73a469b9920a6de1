"""`draw_graph`: a computational graph as a graphviz Digraph, forward and backward.

Each node is a record (label, data, grad); the op that made it is a small ellipse
feeding the record, micrograd style. Fill colour encodes |grad| (see `viz.style`),
parameters have a thick blue border, constants a dashed grey one; a small legend says
so. Tensor nodes made inside an `nn.Module` are grouped into a box named after it.
Graphs larger than `max_nodes` are cut at that many nodes nearest the output, with a
visible note. Every user string (title, labels, names, scopes) goes through
`viz.escape`, so it shows as literal text and never as markup.

Nodes and edges are always written inputs first (topological order): graphviz-pure's
layout takes minutes on a long graph written output first, seconds the other way.

Every drawn value has a stable SVG id (`n3` for its record, `op3` for its op), so the
notebook player (`viz.player`) can find it: in Jupyter a drawing shows as one HTML block
that replays the forward pass node by node (`_repr_html_`, `save_html`). Rendering goes
through `viz.renderer` only; drawing never changes the `graphviz` package's settings.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import graphviz

from ..autograd import Tensor, topological_order
from ..autograd.node import Node
from . import player, renderer
from .escape import dot_text, record_label, record_text
from .style import PALETTE, ZERO_GRAD, fmt, font_color, grad_color, summarize, summarize_grad

GRAPH_ATTRS = {
    "nodesep": "0.2",
    "ranksep": "0.35",
    "fontname": "Helvetica",
    # bounded effort: crossing minimisation and network simplex stop early on big graphs
    "mclimit": "0.3",
    "nslimit": "3",
    "nslimit1": "3",
    "remincross": "false",
}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "10"}
RANKDIRS = ("LR", "RL", "TB", "BT")
DEFAULT_MAX_NODES = 400


class GraphDrawing(renderer.Drawing):
    """What `draw_graph` returns: a bounded `Drawing` that Jupyter shows as the player
    (one HTML block: the SVG plus a forward-pass slider), rendered once."""

    _player_data: player.PlayerData | None = None

    def _repr_html_(self) -> str:
        return player.cached_html(self, self, self._player_data)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str]:
        """The player as text/html (what notebooks show) and the same render as
        image/svg+xml (for exporters without HTML, e.g. PDF): one renderer call."""
        html = self._repr_html_()
        return {"text/html": html, "image/svg+xml": self._html_cache[1]}

    def save_html(self, path: str | Path) -> Path:
        """Write the player as a standalone page (temp file + rename); returns the Path."""
        return player.save_html(path, self, self._player_data)

    def __repr__(self) -> str:
        """Says what the drawing leaves out (nodes beyond max_nodes), without rendering."""
        base = f"<{type(self).__module__}.{type(self).__qualname__}"
        if self._player_data is None:
            return base + f" object at {id(self):#x}>"
        return f"{base}: {player.summary(self._player_data)}>"


class Drawn(NamedTuple):
    """What `_draw` made: the drawing, the drawn nodes (inputs first), one player entry
    and one label per drawn node, how many nodes were left out, and the limit used."""

    dot: GraphDrawing
    shown: list[Any]
    entries: list[dict[str, Any]]
    labels: list[str]
    hidden: int
    max_nodes: int


def draw_graph(
    root: Node | list[Node] | tuple[Node, ...],
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
    cluster_modules: bool = True,
    names: Mapping[str, Node] | None = None,
    highlight: Iterable[Node] | None = None,
    grads: Mapping[Node, Any] | None = None,
    title: object = None,
    legend: bool = True,
    tangents: Mapping[Node, Any] | None = None,
) -> GraphDrawing:
    """Draw the graph that computed `root` (a Value or Tensor, or a list of them).

    Returns a `GraphDrawing` (a `viz.renderer.Drawing`, so a `graphviz.Digraph`): Jupyter
    shows it as the player (`.save_html(path)` writes the same page),
    `viz.render_file(d, "g.svg")` (or `.render("g", format="svg")`) writes a file,
    `.source` is the DOT text (no renderer needed).
    `names`: {name: node} labels for unlabelled nodes, e.g.
    `dict(model.named_parameters())`. `highlight`: nodes to outline in red;
    `grads`: {node: grad} to show instead of `.grad` (used by `backprop_steps`).
    `title` is plain text (markup in it is shown, not interpreted); `legend` adds a
    small key to the colours and borders. `tangents`: {node: tangent} from a forward-mode
    evaluation (`autograd.trace_jvp`, or `viz.draw_jvp`) adds a "tangent" row beside
    each node's data, so forward mode is drawn the way backprop is.
    """
    return with_player(
        _draw(
            root,
            rankdir=rankdir,
            show_data=show_data,
            show_grad=show_grad,
            max_nodes=max_nodes,
            cluster_modules=cluster_modules,
            names=names,
            highlight=highlight,
            grads=grads,
            title=title,
            legend=legend,
            tangents=tangents,
        ),
        title,
    )


def with_player(drawn: Drawn, title: object = None) -> GraphDrawing:
    """The drawing, carrying its player: the forward pass node by node, then the grads."""
    drawn.dot._player_data = player.PlayerData(
        drawn.entries,
        player.forward_steps(drawn.shown, drawn.labels) + player.reveal_step(drawn.entries),
        title=title,
        hidden=drawn.hidden,
        max_nodes=drawn.max_nodes,
    )
    return drawn.dot


def select_nodes(
    roots: Sequence[Node], max_nodes: int = DEFAULT_MAX_NODES
) -> tuple[list[Any], int]:
    """(the nodes drawn, how many the graph has): every node, or the `max_nodes` nearest
    the outputs; inputs first. `backprop_steps` asks first, to record only these."""
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    every = topological_order(roots, every_node=True)
    shown = _nearest(roots, max_nodes, every) if len(every) > max_nodes else every
    return shown, len(every)


def _draw(
    root: Node | list[Node] | tuple[Node, ...],
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
    cluster_modules: bool = True,
    names: Mapping[str, Node] | None = None,
    highlight: Iterable[Node] | None = None,
    grads: Mapping[Node, Any] | None = None,
    title: object = None,
    legend: bool = True,
    tangents: Mapping[Node, Any] | None = None,
    selected: tuple[list[Any], int] | None = None,
) -> Drawn:
    """The drawing and what its player needs (a `Drawn`). `selected`: `select_nodes`'s
    answer for these roots and max_nodes, when the caller already has it."""
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    shown, total = selected or select_nodes(roots, max_nodes)
    index = {node: i for i, node in enumerate(shown)}
    dot = GraphDrawing(
        graph_attr=dict(GRAPH_ATTRS, rankdir=rankdir),
        node_attr=NODE_ATTRS,
        edge_attr={"arrowsize": "0.6"},
    )
    if title is not None and str(title):
        dot.attr(label=dot_text(title), labelloc="t", fontsize="14")
    if legend:
        _add_legend(dot, show_grad, bool(highlight))
    highlight = set(highlight or ())
    label_of = {node: str(name) for name, node in (names or {}).items()}
    clusters: dict[tuple[Any, ...], Any] = {}
    entries, labels = [], []
    for node in shown:
        target = _cluster_for(dot, clusters, node) if cluster_modules else dot
        label = node.label or label_of.get(node, "")
        labels.append(label)
        look = _add_node(
            target,
            node,
            index[node],
            show_data,
            show_grad,
            node in highlight,
            grads,
            label,
            tangents,
        )
        entries.append(
            player.node_entry(node, label, look, grads, target.name if target is not dot else None)
        )
    hidden_inputs: list[Any] = []
    for node in shown:
        for parent in node.parents:
            if parent in index:
                dot.edge(f"n{index[parent]}", _entry(node, index[node]))
            elif not hidden_inputs or hidden_inputs[-1] is not node:
                hidden_inputs.append(node)
    for _key, sub in clusters.items():
        dot.subgraph(sub)
    if len(shown) < total:
        _add_truncation_note(dot, total - len(shown), max_nodes, hidden_inputs, index)
    return Drawn(dot, shown, entries, labels, total - len(shown), max_nodes)


def draw_jvp(
    f: Callable[..., Any], primals: Iterable[Any], tangents: Iterable[Any], **kwargs: Any
) -> GraphDrawing:
    """Forward mode drawn: f's graph with each node's data and its tangent (the derivative
    of that node along `tangents`), computed by `autograd.trace_jvp`. Keyword arguments
    go to `draw_graph` (gradients are not shown: nothing was backpropagated)."""
    from ..autograd import trace_jvp

    out, by_node = trace_jvp(f, primals, tangents)
    kwargs.setdefault("show_grad", False)
    return draw_graph(out, tangents=by_node, **kwargs)


def _nearest(roots: Sequence[Node], limit: int, order: Iterable[Any]) -> list[Any]:
    """The `limit` nodes closest to the outputs (breadth first along parents), listed in
    `order` (topological, inputs first): the order graphviz lays out quickly."""
    seen = set(roots)
    queue = deque(roots)
    picked: set[Node] = set()
    while queue and len(picked) < limit:
        node = queue.popleft()
        picked.add(node)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return [node for node in order if node in picked]


def _entry(node: Any, i: int) -> str:
    """Where incoming edges land: the op ellipse if the node has one, else the record."""
    return f"op{i}" if node.op is not None else f"n{i}"


def _add_node(
    dot: Any,
    node: Any,
    i: int,
    show_data: bool,
    show_grad: bool,
    highlighted: bool,
    grads: Mapping[Node, Any] | None,
    label: str,
    tangents: Mapping[Node, Any] | None = None,
) -> dict[str, Any]:
    """Add the record (and its op ellipse); returns what the player needs to restyle it:
    the grad row as drawn (None without one), the fill and the font colour."""
    grad = grads.get(node) if grads is not None else node.grad
    known = grads is None or node in grads
    rows = [label] if label else []
    if isinstance(node, Tensor) or node.data is None:  # None: freed by backward
        rows.append(f"{tuple(node.shape)} {node.dtype}")
        if show_data:
            rows.append(
                "data " + (summarize(node.data) if node.data is not None else "freed by backward")
            )
    elif show_data:
        rows.append(f"data {fmt(node.data)}")
    if tangents is not None:  # forward mode: d node along the input tangent
        tangent = tangents.get(node)
        rows.append("tangent " + ("0" if tangent is None else summarize_grad(tangent)))
    is_param = node.op is None and node.requires_grad
    is_constant = not node.requires_grad
    grad_row = None
    if show_grad and not is_constant:  # constants need no gradient
        grad_row = "grad " + (summarize_grad(grad) if known else "?")
        rows.append(grad_row)
    fill = "white" if is_constant else grad_color(grad if known and show_grad else None)
    attrs = {
        "shape": "record",
        "style": "filled",
        "fillcolor": fill,
        "id": f"n{i}",
        "fontcolor": font_color(fill),
        "label": record_label(record_text(row) for row in rows),
    }
    if is_param:
        attrs.update(color="#08519c", penwidth="2.5")
    elif is_constant:
        attrs.update(style="filled,dashed", color="#969696", fontcolor="#636363")
    if highlighted:
        attrs.update(color="#e31a1c", penwidth="3.5")
    if node.op is not None:  # the op first: declarations stay inputs-first
        dot.node(
            f"op{i}",
            dot_text(node.op.symbol),
            shape="ellipse",
            style="filled",
            fillcolor="#e0ecf4",
            fontsize="9",
            width="0.3",
            height="0.25",
            tooltip=dot_text(node.op.doc or node.op.name),
            id=f"op{i}",
        )
    dot.node(f"n{i}", **attrs)
    if node.op is not None:
        dot.edge(f"op{i}", f"n{i}")
    return {"grad_row": grad_row, "fill": fill, "font": attrs["fontcolor"]}


def _cluster_for(dot: Any, clusters: dict[tuple[Any, ...], Any], node: Any) -> Any:
    scope = getattr(node, "_scope", ())
    if not scope:
        return dot
    if scope not in clusters:
        name = scope[-1] if len(scope) == 1 else " / ".join(map(str, scope[1:]))
        sub = graphviz.Digraph(name=f"cluster_{len(clusters)}")
        sub.attr(
            label=dot_text(name),
            style="rounded,filled",
            fillcolor="#f7fbff",
            color="#9ecae1",
            fontname="Helvetica",
            fontsize="11",
        )
        clusters[scope] = sub
    return clusters[scope]


def _add_truncation_note(
    dot: Any, hidden: int, max_nodes: int, hidden_inputs: list[Any], index: dict[Any, int]
) -> None:
    note = f"... {hidden} more nodes not drawn\n(max_nodes={max_nodes})"
    dot.node(
        "truncated",
        dot_text(note),
        shape="note",
        style="filled",
        fillcolor="#fff5eb",
        color="#fd8d3c",
    )
    for node in hidden_inputs[:50]:
        dot.edge("truncated", _entry(node, index[node]), style="dashed", color="#fd8d3c")


LEGEND_FONT = {"fontname": "Helvetica", "fontsize": "8"}


def legend_label(show_grad: bool = True, highlight: bool = False) -> str:
    """HTML-like label of the colour key, built from constants only (no user text)."""
    rows = []
    if show_grad:
        swatches = "".join(f'<td bgcolor="{c}" width="10"> </td>' for c in PALETTE)
        rows.append(f'<tr><td colspan="{len(PALETTE) + 3}">fill = |grad|, log scale</td></tr>')
        rows.append(
            f'<tr><td bgcolor="{ZERO_GRAD}">~0</td><td>1e-3</td>{swatches}<td>100</td></tr>'
        )
    keys = [("#08519c", "2", "", "parameter"), ("#969696", "1", ' style="dashed"', "constant")]
    if highlight:
        keys.append(("#e31a1c", "2", "", "this step"))
    cells = "".join(
        f'<td color="{color}" border="{width}"{style}>{text}</td>'
        for color, width, style, text in keys
    )
    rows.append(
        f'<tr><td colspan="{len(PALETTE) + 3}" border="0"><table border="0" '
        f'cellspacing="3" cellpadding="2"><tr>{cells}</tr></table></td></tr>'
    )
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="2">'
        + "".join(rows)
        + "</table>>"
    )


def _add_legend(dot: Any, show_grad: bool, highlight: bool) -> None:
    """One small node, not a cluster: it costs the layout next to nothing."""
    dot.node(
        "legend", legend_label(show_grad, highlight), shape="plaintext", margin="0", **LEGEND_FONT
    )
