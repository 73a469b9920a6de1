"""scratchgrad leaves other people's graphviz alone: a learner's own `graphviz` code runs
the `dot` it ran before scratchgrad was imported, and SCRATCHGRAD_DOT steers only our
drawings. Only where no `dot` exists does `stand_in_for_missing_dot()` lend plain
graphviz code the bundled graphviz-pure (micrograd's `draw_dot` in a pip-only install).

Each world runs in a fresh interpreter with its own PATH, so this process's graphviz
settings stay as they were."""

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import graphviz
import pytest

from scratchgrad.viz import renderer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fake renderers are sh scripts")
BUNDLED = Path(sysconfig.get_path("scripts")) / "graphviz-pure"  # found without PATH
needs_bundled = pytest.mark.skipif(
    not os.access(BUNDLED, os.X_OK),
    reason="graphviz-pure is not in this environment's scripts folder (pip install graphviz-pure)",
)


def fake_dot(folder, name, marker):
    """A `dot` that logs each call ("<its path> <args>") and answers with a tiny SVG."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        'echo "$0 $*" >> "$FAKE_DOT_LOG"\n'
        "while read -r line; do :; done\n"  # read the DOT (builtins only)
        f'printf \'<svg xmlns="http://www.w3.org/2000/svg"><text>{marker}'
        "</text></svg>'\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def run_world(tmp_path, code, path_dirs, **env):
    """Run `code` in a fresh interpreter whose PATH is only `path_dirs`; its last stdout
    line is JSON."""
    environ = {k: v for k, v in os.environ.items() if k != "SCRATCHGRAD_DOT"}
    environ.update(
        PATH=os.pathsep.join(str(d) for d in path_dirs),
        FAKE_DOT_LOG=str(tmp_path / "dot.log"),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def calls(tmp_path):
    log = tmp_path / "dot.log"
    return log.read_text().splitlines() if log.exists() else []


THEIRS = """
import json, graphviz
def theirs():
    g = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    g.node("a", label="{ data 2.0000 | grad 0.0000 }", shape="record")
    g.edge("a", "b")
    return g.pipe(format="svg").decode()
"""

OURS = """
from scratchgrad import viz
from scratchgrad.autograd import Value
from scratchgrad.viz import renderer
a = Value(2.0, label="a")
out = (a * 3.0).tanh()
drawing = viz.draw_graph(out)
ours = [viz.render_svg(drawing), drawing._repr_mimebundle_()["image/svg+xml"],
        drawing.pipe(format="svg").decode(), viz.backprop_steps(out)._repr_html_()]
stood_in = renderer.stand_in_for_missing_dot()
"""


def test_a_system_dot_stays_theirs_and_scratchgrad_dot_steers_only_ours(tmp_path):
    system = fake_dot(tmp_path / "bin", "dot", "their system dot")
    ours = fake_dot(tmp_path / "ours", "our-dot", "our renderer")
    result = run_world(
        tmp_path,
        THEIRS
        + """
before = (repr(graphviz.backend.dot_command.DOT_BINARY), theirs())
"""
        + OURS
        + """
after = (repr(graphviz.backend.dot_command.DOT_BINARY), theirs())
print(json.dumps({"before": before, "after": after, "ours": ours, "stood_in": stood_in}))
""",
        [tmp_path / "bin"],
        SCRATCHGRAD_DOT=str(ours),
    )
    assert result["before"] == result["after"]
    assert result["before"][0] == repr(Path("dot"))
    assert "their system dot" in result["after"][1]
    assert all("our renderer" in svg for svg in result["ours"])
    assert result["stood_in"] is None  # a dot exists: nothing to stand in for
    their_calls = [line for line in calls(tmp_path) if line.split()[0].endswith("/dot")]
    our_calls = [line for line in calls(tmp_path) if line.split()[0] == str(ours)]
    assert len(their_calls) == 2 and their_calls[0] == their_calls[1]  # before == after
    assert their_calls[0].split()[0] == str(system)
    assert len(our_calls) == 4 and all("-Kdot" not in line for line in our_calls)


def test_a_dot_binary_they_set_stays_set(tmp_path):
    theirs = fake_dot(tmp_path / "theirs", "my-dot", "their chosen dot")
    ours = fake_dot(tmp_path / "ours", "our-dot", "our renderer")
    result = run_world(
        tmp_path,
        THEIRS
        + f"""
graphviz.backend.dot_command.DOT_BINARY = {str(theirs)!r}
before = (repr(graphviz.backend.dot_command.DOT_BINARY), theirs())
"""
        + OURS
        + """
after = (repr(graphviz.backend.dot_command.DOT_BINARY), theirs())
print(json.dumps({"before": before, "after": after, "ours": ours, "stood_in": stood_in}))
""",
        [tmp_path / "empty"],
        SCRATCHGRAD_DOT=str(ours),
    )
    assert result["before"] == result["after"] and result["before"][0] == repr(str(theirs))
    assert "their chosen dot" in result["after"][1]
    assert all("our renderer" in svg for svg in result["ours"])
    assert result["stood_in"] is None  # they configured one: leave it
    assert [line.split()[0] for line in calls(tmp_path)].count(str(theirs)) == 2


@needs_bundled
def test_without_any_dot_the_stand_in_draws_micrograds_digraph(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_world(
        tmp_path,
        THEIRS
        + """
try:
    theirs()
    before = "rendered"
except graphviz.ExecutableNotFound:
    before = "no dot"
from scratchgrad.viz import renderer
first, second = renderer.stand_in_for_missing_dot(), renderer.stand_in_for_missing_dot()
from graphviz import Digraph                     # micrograd's draw_dot, as it is used
dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
dot.node(name="1", label="{ data 2.0000 | grad 1.0000 }", shape="record")
dot.node(name="1tanh", label="tanh")
dot.edge("1tanh", "1")
print(json.dumps({"before": before, "first": str(first), "second": str(second),
                  "binary": str(graphviz.backend.dot_command.DOT_BINARY),
                  "pipe": dot.pipe(format="svg").decode(),
                  "jupyter": dot._repr_mimebundle_()["image/svg+xml"],
                  "file": open(dot.render("micrograd")).read()}))
""",
        [tmp_path / "empty"],
    )
    assert result["before"] == "no dot"
    assert result["first"] == result["second"] == result["binary"]
    assert os.path.samefile(result["binary"], BUNDLED)
    for svg in (result["pipe"], result["jupyter"], result["file"]):
        assert "<svg" in svg and "data 2.0000" in svg and "tanh" in svg


def test_stand_in_changes_graphviz_only_when_no_dot_exists(monkeypatch, tmp_path):
    """The decision itself, in this process (monkeypatch puts everything back)."""
    command = graphviz.backend.dot_command
    pure = tmp_path / "graphviz-pure"
    pure.write_text("#!/bin/sh\n")
    pure.chmod(0o755)
    monkeypatch.setattr(renderer, "_bundled", lambda: iter([pure]))
    monkeypatch.setattr(renderer, "_stood_in", None)
    monkeypatch.setattr(command, "DOT_BINARY", Path("dot"))
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    assert renderer.stand_in_for_missing_dot() is None and command.DOT_BINARY == Path("dot")

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert renderer.stand_in_for_missing_dot() == pure and command.DOT_BINARY == pure
    assert renderer.stand_in_for_missing_dot() == pure  # idempotent

    monkeypatch.setattr(command, "DOT_BINARY", "/opt/their/dot")  # they choose later
    assert renderer.stand_in_for_missing_dot() is None
    assert command.DOT_BINARY == "/opt/their/dot"

    monkeypatch.setattr(command, "DOT_BINARY", Path("dot"))
    monkeypatch.setattr(renderer, "_stood_in", None)
    monkeypatch.setattr(renderer, "_bundled", lambda: iter([tmp_path / "missing"]))
    assert renderer.stand_in_for_missing_dot() is None  # nothing to lend
    assert command.DOT_BINARY == Path("dot")


def test_drawing_never_reads_or_writes_graphvizs_dot_binary(monkeypatch, tmp_path):
    """Our renders go through our one bounded call even when graphviz's global is unusable."""
    if renderer.find_renderer() is None:
        pytest.skip("no graphviz renderer")
    from scratchgrad import viz
    from scratchgrad.autograd import Value

    command = graphviz.backend.dot_command
    sentinel = tmp_path / "not-a-dot"
    monkeypatch.setattr(command, "DOT_BINARY", sentinel)
    out = (Value(2.0, label="a") * 3.0).tanh()
    drawing = viz.draw_graph(out)
    assert "<svg" in drawing.pipe(format="svg").decode()
    assert "<svg" in drawing._repr_mimebundle_()["image/svg+xml"]
    assert Path(drawing.render(tmp_path / "g", format="svg")).exists()
    assert "<svg" in viz.backprop_steps(out)._repr_html_()
    plain = renderer.Drawing()  # a bare Drawing: graphviz's own display
    plain.edge("a", "b")
    assert "<svg" in plain._repr_mimebundle_()["image/svg+xml"]
    assert command.DOT_BINARY == sentinel
