"""`draw_graph`: a computational graph as a graphviz Digraph, forward and backward.

Each node is a record (label, data, grad); the op that made it is a small ellipse
feeding the record, micrograd style. Fill colour encodes |grad| (see `viz.style`),
parameters have a thick blue border, constants a dashed grey one. Tensor nodes made
inside an `nn.Module` are grouped into a box named after it. Graphs larger than
`max_nodes` are cut at that many nodes nearest the output, with a visible note.
"""
from collections import deque

import graphviz

from autograd import Tensor, topological_order

from . import renderer
from .style import (escape, font_color, fmt, grad_color, summarize, summarize_grad)

GRAPH_ATTRS = {
    "nodesep": "0.2", "ranksep": "0.35", "fontname": "Helvetica",
    # bounded effort: crossing minimisation and network simplex stop early on big graphs
    "mclimit": "0.3", "nslimit": "3", "nslimit1": "3", "remincross": "false",
}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "10"}


def draw_graph(root, rankdir="LR", show_data=True, show_grad=True, max_nodes=400,
               cluster_modules=True, names=None, highlight=None, grads=None, title=None):
    """Draw the graph that computed `root` (a Value or Tensor, or a list of them).

    Returns a `graphviz.Digraph`: it shows inline in Jupyter, `.render(path,
    format="svg")` writes a file, `.source` is the DOT text (no renderer needed).
    `names`: {name: node} labels for unlabelled nodes, e.g.
    `dict(model.named_parameters())`. `highlight`: nodes to outline in red;
    `grads`: {node: grad} to show instead of `.grad` (used by `backprop_steps`).
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    every = topological_order(roots, every_node=True)
    shown = _nearest(roots, max_nodes) if len(every) > max_nodes else every
    index = {node: i for i, node in enumerate(shown)}
    renderer.configure()
    dot = graphviz.Digraph(graph_attr=dict(GRAPH_ATTRS, rankdir=rankdir),
                           node_attr=NODE_ATTRS, edge_attr={"arrowsize": "0.6"})
    if title:
        dot.attr(label=title, labelloc="t", fontsize="14")
    highlight = set(highlight or ())
    label_of = {node: name for name, node in (names or {}).items()}
    clusters = {}
    for node in shown:
        target = _cluster_for(dot, clusters, node) if cluster_modules else dot
        _add_node(target, node, index[node], show_data, show_grad, node in highlight, grads,
                  node.label or label_of.get(node, ""))
    hidden_inputs = set()
    for node in shown:
        for parent in node.parents:
            if parent in index:
                dot.edge(f"n{index[parent]}", _entry(node, index[node]))
            else:
                hidden_inputs.add(node)
    for key, sub in clusters.items():
        dot.subgraph(sub)
    if len(shown) < len(every):
        _add_truncation_note(dot, len(every) - len(shown), max_nodes, hidden_inputs, index)
    return dot


def _nearest(roots, limit):
    """The `limit` nodes closest to the outputs (breadth first along parents)."""
    seen = set(roots)
    queue = deque(roots)
    picked = []
    while queue and len(picked) < limit:
        node = queue.popleft()
        picked.append(node)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return picked


def _entry(node, i):
    """Where incoming edges land: the op ellipse if the node has one, else the record."""
    return f"op{i}" if node.op is not None else f"n{i}"


def _add_node(dot, node, i, show_data, show_grad, highlighted, grads, label):
    grad = grads.get(node) if grads is not None else node.grad
    known = grads is None or node in grads
    rows = [escape(label)] if label else []
    if isinstance(node, Tensor):
        rows.append(f"{tuple(node.shape)} {node.dtype}")
        if show_data:
            rows.append("data " + escape(summarize(node.data)))
    elif show_data:
        rows.append(f"data {fmt(node.data)}")
    is_param = node.op is None and node.requires_grad
    is_constant = not node.requires_grad
    if show_grad and not is_constant:   # constants need no gradient
        rows.append("grad " + (escape(summarize_grad(grad)) if known else "?"))
    fill = "white" if is_constant else grad_color(grad if known and show_grad else None)
    attrs = {"shape": "record", "style": "filled", "fillcolor": fill,
             "fontcolor": font_color(fill), "label": "{ " + " | ".join(rows) + " }"}
    if is_param:
        attrs.update(color="#08519c", penwidth="2.5")
    elif is_constant:
        attrs.update(style="filled,dashed", color="#969696", fontcolor="#636363")
    if highlighted:
        attrs.update(color="#e31a1c", penwidth="3.5")
    dot.node(f"n{i}", **attrs)
    if node.op is not None:
        dot.node(f"op{i}", escape(node.op.symbol), shape="ellipse", style="filled",
                 fillcolor="#e0ecf4", fontsize="9", width="0.3", height="0.25",
                 tooltip=node.op.doc)
        dot.edge(f"op{i}", f"n{i}")


def _cluster_for(dot, clusters, node):
    scope = getattr(node, "_scope", ())
    if not scope:
        return dot
    if scope not in clusters:
        name = scope[-1] if len(scope) == 1 else " / ".join(scope[1:])
        sub = graphviz.Digraph(name=f"cluster_{len(clusters)}")
        sub.attr(label=name, style="rounded,filled", fillcolor="#f7fbff", color="#9ecae1",
                 fontname="Helvetica", fontsize="11")
        clusters[scope] = sub
    return clusters[scope]


def _add_truncation_note(dot, hidden, max_nodes, hidden_inputs, index):
    dot.node("truncated", f"… {hidden} more nodes not drawn\n(max_nodes={max_nodes})",
             shape="note", style="filled", fillcolor="#fff5eb", color="#fd8d3c")
    for node in list(hidden_inputs)[:50]:
        dot.edge("truncated", _entry(node, index[node]), style="dashed", color="#fd8d3c")
