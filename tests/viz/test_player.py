"""The notebook player: one self-contained HTML block, every step, bounded size, escaping."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from scratchgrad import nn, viz
from scratchgrad.autograd import OPS, Tensor, Value, topological_order
from scratchgrad.viz import player, renderer

pytestmark = pytest.mark.skipif(
    renderer.find_renderer() is None, reason="no graphviz renderer (pip install graphviz-pure)"
)
NASTY = "</script><script>alert(1)</script>"


def neuron(label_x1="x1"):
    x1, x2 = Value(2.0, label=label_x1), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "o"
    return out


def chain(ops):
    """A graph of about 2 * ops nodes that lays out quickly (a long chain)."""
    x = Value(0.5, label="x")
    y = x
    for i in range(ops):
        y = (y * 1.01).tanh() if i % 2 else y + Value(0.1)
    return y


def player_state(html):
    """The JSON the script carries (its < > & are \\u escapes, valid JSON)."""
    match = re.search(r'var UID="(sgp\w+)",D=(\{.*?\});\nfunction boot', html, re.S)
    assert match, "no player state in the HTML"
    return match.group(1), json.loads(match.group(2))


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(html):
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def test_the_block_is_self_contained_one_svg_one_script_no_urls():
    html = viz.backprop_steps(neuron())._repr_html_()
    tags = parse(html)
    names = [tag for tag, _ in tags.tags]
    assert names.count("svg") == 1 and names.count("script") == 1
    for tag, attrs in tags.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed")
        assert "src" not in attrs or tag == "img"
        for key in ("href", "src", "xlink:href", "action"):
            assert not str(attrs.get(key, "")).lower().startswith(("http:", "https:", "//"))
    assert "http:" not in html and "https:" not in html
    assert "http" not in tags.scripts[0]


def test_every_step_is_in_the_json_forward_then_backward():
    out = neuron()
    steps = viz.backprop_steps(out)
    _, state = player_state(steps._repr_html_())
    drawn = topological_order([out], every_node=True)
    ops = [n for n in topological_order([out]) if n.op is not None]
    assert len(state["steps"]) == len(drawn) + 1 + len(ops)
    assert state["start"] == len(drawn)  # opens at the seed
    assert [s["v"] for s in state["steps"][: len(drawn)]] == list(range(1, len(drawn) + 1))
    assert all(set(s) == {"s", "r", "h", "v", "d"} for s in state["steps"])
    final = {i for s in state["steps"] for i in s["d"]}
    assert final == {i for i, n in enumerate(drawn) if n.requires_grad}
    assert len(steps) == 1 + len(ops)  # the frames are still there


def test_rule_text_uses_the_op_table_and_the_engines_numbers():
    out = neuron()
    _, state = player_state(viz.backprop_steps(out)._repr_html_())
    tanh_step = next(s for s in state["steps"] if s["r"].startswith("tanh:"))
    local = 1 - out.data**2  # d tanh / dx at x
    assert OPS["tanh"].doc.split(";")[1].strip() in tanh_step["r"]
    assert f"= {local:.4g}; upstream 1 \u2192 {local:.4g}" in tanh_step["r"]
    mul = [s["r"] for s in state["steps"] if s["r"].startswith("mul:")]
    assert any("upstream 0.5 \u2192 (-1.5, 1)" in r for r in mul)  # x1.grad, w1.grad


def test_the_numbers_come_from_the_engines_single_walk(monkeypatch):
    from scratchgrad import viz

    walks, vjps = [], []
    real_backward, real_vjp = viz.steps.backward, OPS["tanh"].scalar_vjp
    monkeypatch.setattr(
        viz.steps, "backward", lambda *a, **k: walks.append(k) or real_backward(*a, **k)
    )
    monkeypatch.setattr(OPS["tanh"], "scalar_vjp", lambda *a: vjps.append(1) or real_vjp(*a))
    steps = viz.backprop_steps(neuron())
    steps._repr_html_()
    assert len(walks) == 1 and walks[0]["on_node"] is not None
    assert len(vjps) == 1  # the tanh rule ran once: in the engine's walk


def test_drawn_nodes_have_stable_ids_prefixed_per_block():
    drawing = viz.draw_graph(neuron())
    assert "id=n0" in drawing.source and "id=op2" in drawing.source
    html = drawing._repr_html_()
    uid, state = player_state(html)
    assert f'id="{uid}-n0"' in html and f'id="{uid}-op2"' in html
    assert player_state(drawing._repr_html_())[0] != uid  # two blocks, no clashes
    assert state["start"] == len(state["steps"]) - 1  # a drawing opens complete


def test_draw_graph_shows_as_one_html_block_rendered_once(monkeypatch):
    calls = []
    real = renderer.render_svg
    monkeypatch.setattr(renderer, "render_svg", lambda d, **k: calls.append(1) or real(d, **k))
    drawing = viz.draw_graph(neuron())
    bundle = drawing._repr_mimebundle_()
    drawing._repr_html_()
    assert "text/html" in bundle and len(calls) == 1
    assert repr(drawing).startswith("<scratchgrad.viz.graph.GraphDrawing")  # the terminal repr


def test_nasty_labels_and_titles_stay_text():
    out = neuron(label_x1=NASTY)
    html = viz.draw_graph(out, title=NASTY)._repr_html_()
    assert html.count("<script>") == 1 and html.count("</script>") == 1
    assert "alert(1)" not in parse(html).scripts[0].replace("\\u003c", "<").split("D=")[0]
    _, state = player_state(html)
    assert any(NASTY in n["t"] for n in state["nodes"])  # shown as text, intact
    steps = viz.backprop_steps(neuron(label_x1=NASTY))
    page = steps._repr_html_()
    assert page.count("<script") == 1 and "<script>alert" not in page


def test_tooltips_give_full_numbers_and_clusters_are_named():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = Tensor(np.arange(15.0).reshape(5, 3))
    loss = nn.functional.cross_entropy(model(x), np.array([0, 1, 0, 1, 1]))
    html = viz.backprop_steps(loss, names=dict(model.named_parameters()))._repr_html_()
    _, state = player_state(html)
    weight = next(n for n in state["nodes"] if n["t"].startswith("0.weight"))
    assert "shape (4, 3) float64" in weight["t"] and "mean" in weight["t"]
    assert "min" in weight["t"] and "max" in weight["t"] and "grad norm" in weight["u"]
    assert {n.get("k") for n in state["nodes"]} >= {"cluster_0"}
    assert "<title>cluster_0</title>" in html


def test_a_500_node_graph_stays_small():
    root = chain(200)
    nodes = len(topological_order([root], every_node=True))
    ops = sum(n.op is not None for n in topological_order([root]))
    assert 450 <= nodes <= 550
    steps = viz.backprop_steps(root, max_nodes=600)
    html = steps._repr_html_()
    assert len(html.encode()) < 2_000_000
    _, state = player_state(html)
    assert len(state["steps"]) == nodes + 1 + ops


def test_save_html_writes_a_standalone_page_atomically(tmp_path):
    steps = viz.backprop_steps(neuron())
    path = steps.save_html(tmp_path / "bp.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert [p.name for p in tmp_path.iterdir()] == ["bp.html"]  # no temp file left
    assert viz.draw_graph(neuron()).save_html(tmp_path / "g.html").exists()
    with pytest.raises(ValueError, match="does not exist; create it first"):
        steps.save_html(tmp_path / "missing" / "bp.html")
    with pytest.raises(ValueError, match="built by hand"):
        viz.BackpropSteps([]).save_html(tmp_path / "x.html")


def test_frames_are_drawn_on_first_use_and_match():
    steps = viz.backprop_steps(neuron())
    assert steps._pending is not None and len(steps) == 6
    assert "step 1: tanh" in steps[1].source and steps._pending is None
    assert all(isinstance(frame, viz.Drawing) for frame in steps)
    assert viz.BackpropSteps([])._repr_html_() is None


def test_inline_svg_refuses_a_script():
    with pytest.raises(viz.RenderError, match="script"):
        player.inline_svg("<svg><script>x</script></svg>", "u")


# --- bounded: steps only for drawn nodes, a page of at most MAX_PLAYER_BYTES -----------


def shared_weight_chain(n):
    """h = tanh(w * h + c) n times: the drawn w's gradient is made final by a hidden node."""
    w, h = Value(0.9, label="w"), Value(0.1, label="h0")
    for i in range(n):
        h = (w * h + Value(0.01 * i)).tanh()
    return h


def test_a_long_chains_page_stays_under_the_byte_bound_and_says_what_is_left_out():
    root = chain(20_000)
    every = len(topological_order([root], every_node=True))
    walked = sum(n.op is not None for n in topological_order([root]))
    steps = viz.backprop_steps(root)
    page = steps._repr_html_()
    assert len(page.encode("utf-8")) <= player.MAX_PLAYER_BYTES
    _, state = player_state(page)
    forward = state["start"]
    assert forward == 400 and len(steps) == len(state["steps"]) - forward
    assert all(s["h"] >= 0 or s["d"] for s in state["steps"][forward + 1 :])  # drawn only
    left_out = (
        f"showing {len(state['steps']):,} of {forward + 1 + walked:,} steps; "
        f"{every - 400:,} nodes not drawn (max_nodes=400)"
    )
    assert f'<div class="sgp-note">{left_out}</div>' in page
    assert repr(steps).endswith(f"player: {left_out}>")
    assert f"of {walked + 1:,} backward steps as frames" in repr(steps)


def test_nothing_is_recorded_for_nodes_that_are_not_drawn(monkeypatch):
    snapshots = []
    real = viz.steps._snapshot
    monkeypatch.setattr(viz.steps, "_snapshot", lambda g: snapshots.append(1) or real(g))
    viz.backprop_steps(chain(20_000), max_nodes=100)
    assert len(snapshots) < 5 * 100  # per drawn node, not per node of the graph


def test_a_truncated_player_replays_the_full_players_steps_of_the_drawn_nodes():
    root = shared_weight_chain(40)
    _, full = player_state(viz.backprop_steps(root)._repr_html_())
    assert full["start"] == len(topological_order([root], every_node=True))  # all drawn
    cut = viz.backprop_steps(root, max_nodes=30)
    _, part = player_state(cut._repr_html_())
    by_step = {s["s"]: s["r"] for s in full["steps"][full["start"] :]}
    kept = part["steps"][part["start"] :]
    assert 1 < len(kept) < len(by_step)
    for step in kept:  # same numbers, same rule text
        assert by_step[step["s"]] == step["r"]
    w = next(i for i, n in enumerate(part["nodes"]) if n["t"].startswith("w "))
    finishing = next(s for s in kept if w in s["d"])
    assert finishing["h"] == -1  # a hidden multiply made w's grad final
    full_w = next(n for n in full["nodes"] if n["t"].startswith("w "))
    assert part["nodes"][w]["g"] == full_w["g"]
    assert [frame.source.count("shape=record") for frame in cut] == [30] * len(kept)


def test_the_page_keeps_at_most_max_player_steps(monkeypatch):
    monkeypatch.setattr(player, "MAX_PLAYER_STEPS", 12)
    steps = viz.backprop_steps(neuron())  # 10 forward, seed, 5 backward
    page = steps._repr_html_()
    _, state = player_state(page)
    assert len(state["steps"]) == 12 and state["start"] == 10
    assert (
        "showing the first 12 of 16 steps (page limit: viz.player.MAX_PLAYER_STEPS" in page
        and "showing the first 12 of 16 steps" in repr(steps)
    )
    monkeypatch.setattr(player, "MAX_PLAYER_STEPS", 4)
    _, state = player_state(steps._repr_html_())  # the forward part cannot fit
    assert len(state["steps"]) == 4 and state["start"] == 0
    assert state["steps"][0]["s"].startswith("backward step 0")
    drawing = viz.draw_graph(neuron())
    _, state = player_state(drawing._repr_html_())  # a drawing opens at its end
    assert len(state["steps"]) == 4 and state["steps"][-1]["v"] == 10
    assert state["start"] == 3 and "showing the last 4 of 11 steps" in repr(drawing)


def test_recording_stops_at_max_player_steps(monkeypatch):
    monkeypatch.setattr(player, "MAX_PLAYER_STEPS", 3)
    steps = viz.backprop_steps(neuron())
    assert len(steps) == 1 + 3 and "page limit" in repr(steps)
    assert "step 3: mul" in steps[-1].source or "step 3: add" in steps[-1].source


def test_a_page_over_the_byte_bound_keeps_the_first_steps_that_fit(monkeypatch):
    steps = viz.backprop_steps(chain(300))
    whole = len(steps._repr_html_().encode())
    monkeypatch.setattr(player, "MAX_PLAYER_BYTES", whole - 20_000)
    page = steps._repr_html_()
    _, state = player_state(page)
    assert len(page.encode()) <= player.MAX_PLAYER_BYTES
    assert state["start"] == 400 and 401 < len(state["steps"]) < len(steps) + 400
    assert "showing the first" in page and "MAX_PLAYER_BYTES" in page


def test_a_window_that_drops_earlier_steps_keeps_their_final_grads():
    steps = [{"s": str(k), "r": "", "h": k, "v": 3, "d": [k] if k < 3 else []} for k in range(5)]
    kept = player.kept_steps(steps, 2, 5)
    assert [s["s"] for s in kept] == ["2", "3", "4"] and kept[0]["d"] == [0, 1, 2]
    assert steps[2]["d"] == [2]  # the data is not changed
