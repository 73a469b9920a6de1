"""The player in a real browser (headless Chromium): the step in the URL opens, and the
highlighted node and its gradient are the engine's own numbers."""

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from scratchgrad import viz
from scratchgrad.autograd import Value, topological_order
from scratchgrad.viz import player, renderer

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="no `chromium` on PATH (Debian: apt-get install chromium)"
    ),
    pytest.mark.skipif(renderer.find_renderer() is None, reason="no graphviz renderer"),
]


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    out = n.tanh()
    out.label = "o"
    return out


class Nodes(HTMLParser):
    """Per drawn node (by its `<uid>-n<i>` id): its classes and its text lines."""

    def __init__(self):
        super().__init__()
        self.nodes, self.rule, self._stack, self._in_rule = {}, "", [], False
        self.step = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        match = re.fullmatch(r"sgp\w+-n(\d+)", attrs.get("id") or "")
        if tag == "g":
            self._stack.append(int(match.group(1)) if match else None)
            if match:
                self.nodes[int(match.group(1))] = {"class": attrs.get("class", ""), "texts": []}
        if "data-step" in attrs:
            self.step = int(attrs["data-step"])
        self._in_rule = attrs.get("class") == "sgp-r"

    def handle_endtag(self, tag):
        if tag == "g" and self._stack:
            self._stack.pop()
        self._in_rule = False

    def handle_data(self, data):
        if self._in_rule:
            self.rule += data
        owner = next((i for i in reversed(self._stack) if i is not None), None)
        if owner is not None and data.strip():
            self.nodes[owner]["texts"].append(data.strip())


def chromium(*args, tmp_path):
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_step_in_the_url_shows_the_engines_numbers(tmp_path):
    out = neuron()
    steps = viz.backprop_steps(out)
    page = steps.save_html(tmp_path / "player.html")
    drawn = topological_order([out], every_node=True)  # the player's node order
    n = next(node for node in drawn if node.label == "n")
    step = len(drawn) + 2  # seed, tanh, then the add that made n passes its grad

    reference = neuron()  # the same graph, differentiated by autograd directly
    reference.backward()
    expected = {node.label: node.grad for node in topological_order([reference]) if node.label}

    dumped = chromium("--dump-dom", f"{page.as_uri()}#step={step}", tmp_path=tmp_path)
    assert dumped.returncode == 0, dumped.stderr[-500:]
    dom = Nodes()
    dom.feed(dumped.stdout)
    assert dom.step == step
    highlighted = [i for i, node in dom.nodes.items() if "sgp-hl" in node["class"].split()]
    assert highlighted == [drawn.index(n)]
    texts = dom.nodes[drawn.index(n)]["texts"]
    assert "n" in texts and f"grad {expected['n']:.4g}" in texts  # 0.5, the engine's
    assert f"upstream {expected['n']:.4g}" in dom.rule and dom.rule.startswith("add:")
    for label in ("x1", "w1"):  # their users have not passed back yet
        assert "grad ?" in dom.nodes[drawn.index(_named(drawn, label))]["texts"]
    assert f"grad {expected['b']:.4g}" in dom.nodes[drawn.index(_named(drawn, "b"))]["texts"]

    shot = tmp_path / "player.png"
    taken = chromium(
        "--hide-scrollbars",
        f"--screenshot={shot}",
        "--window-size=1200,800",
        f"{page.as_uri()}#step={step}",
        tmp_path=tmp_path,
    )
    assert taken.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _named(nodes, label):
    return next(node for node in nodes if node.label == label)


def test_a_long_chains_bounded_player_runs_and_says_what_it_left_out(tmp_path):
    x = Value(0.5, label="x")
    y = x
    for i in range(5_000):
        y = (y * 1.01).tanh() if i % 2 else y + Value(0.1)
    steps = viz.backprop_steps(y)
    page = steps.save_html(tmp_path / "long.html")
    assert page.stat().st_size <= player.MAX_PLAYER_BYTES
    kept = steps._player_data.shown
    step = steps._player_data.start - kept[0] + 3  # three steps into the backward
    dumped = chromium("--dump-dom", f"{page.as_uri()}#step={step}", tmp_path=tmp_path)
    assert dumped.returncode == 0, dumped.stderr[-500:]
    dom = Nodes()
    dom.feed(dumped.stdout)
    assert dom.step == step
    assert dom.rule.startswith(("tanh:", "mul:", "add:"))
    highlighted = [i for i, node in dom.nodes.items() if "sgp-hl" in node["class"].split()]
    assert highlighted == [steps._player_data.steps[kept[0] + step]["h"]]
    assert player.summary(steps._player_data) in dumped.stdout  # the note, on the page
    assert "nodes not drawn (max_nodes=400)" in player.summary(steps._player_data)
