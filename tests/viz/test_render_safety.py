"""The renderer boundary: only the named file is written, renders are bounded in nodes
and time, user text never becomes markup, and a learner's output stays quiet."""

import os
import shutil
import stat
import sysconfig
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import autograd, viz
from scratchgrad.autograd import Tensor, Value
from scratchgrad.viz import renderer
from scratchgrad.viz.escape import MAX_TEXT_CHARS, clean, dot_text, html_escape, record_text

SVG = "{http://www.w3.org/2000/svg}"
POSIX = os.name == "posix"


def _renderers():
    pure = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
    found = [
        ("graphviz-pure", pure if pure.is_file() else shutil.which("graphviz-pure")),
        ("system dot", shutil.which("dot")),
    ]
    return [pytest.param(str(path), id=name) for name, path in found if path] or [
        pytest.param(None, marks=pytest.mark.skip(reason="no graphviz renderer"))
    ]


@pytest.fixture(params=_renderers())
def dot_binary(request, monkeypatch):
    """Each installed renderer in turn, chosen the way users choose: SCRATCHGRAD_DOT."""
    monkeypatch.setenv("SCRATCHGRAD_DOT", request.param)
    return request.param


@pytest.fixture
def fake_renderer(tmp_path, monkeypatch):
    """Point SCRATCHGRAD_DOT at a tiny shell script with the given body."""
    if not POSIX:
        pytest.skip("shell-script renderers need a POSIX shell")

    def make(body):
        script = tmp_path / "fake-dot"
        script.write_text("#!/bin/sh\n" + body + "\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("SCRATCHGRAD_DOT", str(script))
        return script

    return make


def small_drawing(**kwargs):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b).tanh()
    out.backward()
    return viz.draw_graph(out, **kwargs)


def chain(n):
    x = Value(0.5, label="x")
    y = x
    for _ in range(n // 2):
        y = y * 1.0001
    y.backward()
    return y


# --- only the named file -----------------------------------------------------------------


def test_render_file_writes_only_the_named_file(dot_binary, tmp_path):
    (tmp_path / "report").write_text("the user's notes")
    written = viz.render_file(small_drawing(), tmp_path / "report.svg")
    assert written == tmp_path / "report.svg"
    assert (tmp_path / "report").read_text() == "the user's notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "report.svg"]
    assert "</svg>" in written.read_text()


def test_a_path_without_suffix_gets_svg(dot_binary, tmp_path):
    written = viz.render_file(small_drawing(), tmp_path / "graph")
    assert written == tmp_path / "graph.svg" and written.read_text().count("<svg") == 1
    assert not (tmp_path / "graph").exists()


def test_png_from_the_suffix(dot_binary, tmp_path):
    written = viz.render_file(small_drawing(), tmp_path / "g.PNG")
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_digraph_render_writes_the_picture_but_no_source_file(dot_binary, tmp_path):
    (tmp_path / "g").write_text("keep me")
    written = small_drawing().render(tmp_path / "g", format="svg")
    assert written == str(tmp_path / "g.svg") and "<svg" in Path(written).read_text()
    assert (tmp_path / "g").read_text() == "keep me"


def test_overwrite_is_atomic_and_keeps_permissions(dot_binary, tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old")
    target.chmod(0o640)
    viz.render_file(small_drawing(), target)
    assert "<svg" in target.read_text() and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]  # no temp file left


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_a_new_file_follows_the_umask_without_the_umask_being_changed(
    dot_binary, tmp_path, monkeypatch
):
    """Setting the umask to read it would race with other threads creating files (they
    would get mode 0o666 for that moment): on Linux it is read from /proc instead."""
    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", lambda mask: pytest.fail("os.umask was called"))
        written = viz.render_file(small_drawing(), tmp_path / "new.svg")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o640


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    for path in (tmp_path / "out", tmp_path / "pics.svg"):
        path.mkdir(exist_ok=True)
        with pytest.raises(viz.RenderError, match="is a folder; name a file in it"):
            viz.render_file(small_drawing(), path)


def test_a_missing_folder_is_named(dot_binary, tmp_path):
    with pytest.raises(viz.RenderError, match="does not exist"):
        viz.render_file(small_drawing(), tmp_path / "no" / "g.svg")


def test_unsupported_format_names_the_supported_ones(dot_binary, tmp_path):
    with pytest.raises(viz.RenderError, match=r"writes .*\.svg.*use one of those suffixes"):
        viz.render_file(small_drawing(), tmp_path / "g.docx")
    assert not list(tmp_path.iterdir())


def test_graphviz_pure_has_no_pdf(monkeypatch, tmp_path):
    pure = [p.values[0] for p in _renderers() if p.id == "graphviz-pure"]
    if not pure:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("SCRATCHGRAD_DOT", pure[0])
    assert {"svg", "png"} <= set(renderer.supported_formats())
    with pytest.raises(
        viz.RenderError,
        match=r"cannot write g\.pdf: the renderer "
        r"graphviz-pure writes .*\.png.*\.svg",
    ):
        viz.render_file(small_drawing(), tmp_path / "g.pdf")


# --- bounded ---------------------------------------------------------------------------


def test_too_many_nodes_is_refused_before_the_renderer_starts(monkeypatch):
    monkeypatch.setattr(renderer, "_run", lambda *a: pytest.fail("renderer started"))
    big = renderer.Drawing(body=[f"\tn{i} [label=x]\n" for i in range(6000)])
    start = time.perf_counter()
    with pytest.raises(
        viz.RenderError,
        match=r"6000 nodes.*limit of 5000.*smaller "
        r"max_nodes.*sub-graph",
    ):
        viz.render_svg(big)
    assert time.perf_counter() - start < 2


def test_draw_graph_node_count_is_what_the_limit_sees(monkeypatch):
    drawing = viz.draw_graph(chain(40), max_nodes=1000)
    values = drawing.source.count("shape=record")
    ops = drawing.source.count("shape=ellipse")
    assert renderer.count_nodes(drawing) == values + ops + 1  # + the legend
    monkeypatch.setattr(renderer, "MAX_RENDER_NODES", values)
    with pytest.raises(viz.RenderError, match="max_nodes"):
        viz.render_svg(drawing)


def test_count_nodes_of_a_hand_written_digraph():
    import graphviz

    g = graphviz.Digraph()
    g.node("a b", label="x -> y")
    g.edge("a b", "c")
    g.edges([("c", "d"), ("d", "e")])
    g.attr(label="t")
    assert renderer.count_nodes(g) == 4


@pytest.mark.skipif(not POSIX, reason="process groups are POSIX")
def test_timeout_kills_and_reaps_the_renderer_and_its_children(
    fake_renderer, tmp_path, monkeypatch
):
    pids = tmp_path / "pids"
    monkeypatch.setenv("FAKE_DOT_PIDS", str(pids))
    fake_renderer('sleep 30 &\necho "$$ $!" > "$FAKE_DOT_PIDS"\nwait')
    start = time.perf_counter()
    with pytest.raises(viz.RenderError, match=r"longer than 0.5 s and was stopped"):
        viz.render_svg(small_drawing(), timeout=0.5)
    assert time.perf_counter() - start < 5
    shell, sleeper = (int(p) for p in pids.read_text().split())
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(shell, os.WNOHANG)
    assert _gone(sleeper), "the renderer's child is still running"


def _gone(pid, wait=3.0):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True  # dead, waiting for init to reap it
        except FileNotFoundError:
            return True
        except OSError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    return False


def test_a_failing_renderer_gives_one_line(fake_renderer):
    fake_renderer(
        'cat > /dev/null\necho "Warning: odd font" >&2\n'
        'echo "Error: <stdin>: syntax error in line 3" >&2\necho "more" >&2\nexit 3'
    )
    with pytest.raises(viz.RenderError) as info:
        viz.render_svg(small_drawing())
    message = str(info.value)
    assert "\n" not in message and "exit 3" in message and "syntax error in line 3" in message


def test_bad_timeout_is_refused():
    with pytest.raises(ValueError, match="timeout"):
        viz.render_svg(small_drawing(), timeout=0)


def test_truncated_drawings_are_written_inputs_first():
    """graphviz-pure lays out an output-first graph in minutes: keep inputs first."""
    drawing = viz.draw_graph(autograd.sum([chain(30) * float(i) for i in range(20)]), max_nodes=50)
    assert "more nodes not drawn" in drawing.source
    declared, edges = {}, []
    for line in drawing.source.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "->":
            edges.append((parts[0], parts[2]))
        elif parts and parts[0][:1] in "no" and parts[0][-1:].isdigit():
            declared[parts[0]] = len(declared)
    assert len(edges) > 50
    for tail, head in edges:
        if tail != "truncated":
            assert declared[tail] < declared[head], f"{tail} -> {head} points backwards"


def test_truncated_chain_renders_as_fast_as_a_full_one(dot_binary):
    y = chain(500)
    start = time.perf_counter()
    svg = viz.render_svg(viz.draw_graph(y, max_nodes=400), timeout=30)
    assert "more nodes not drawn" in svg and time.perf_counter() - start < 30


# --- escaping --------------------------------------------------------------------------

NASTY = [
    '<<table href="javascript:alert(1)"><tr><td>x</td></tr></table>>',
    "<script>alert(1)</script>",
    "ends in a backslash \\",
    "nul \x00 inside",
    'quote " and \\" and \\N \\G \\l \\n',
    "{record|<port> field}",
    "&lt;b&gt; &amp; &",
    "line\nbreak\r\ttab",
    "lone \ud800 surrogate",
    "x" * 20_000,
    "Σ × ∂ → · μ",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_nasty_titles_labels_and_scopes_render_as_text(dot_binary, text):
    a = Value(2.0, label=text)
    w = Value(-1.0)
    out = (a * w).tanh()
    out.backward()
    x = Tensor(np.ones(2), requires_grad=True)
    with autograd.name_scope("model"), autograd.name_scope(text):
        t = (x * x).sum()
    t.backward()
    svg = viz.render_svg(viz.draw_graph([out, t], title=text, names={text: w}))
    root = ET.fromstring(svg)  # well-formed XML
    assert "<script" not in svg
    for element in root.iter():
        assert not element.tag.endswith("script")
        for name, value in element.attrib.items():
            assert "javascript:" not in value, (name, value)
            assert not name.endswith("href"), (name, value)
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    first_line = clean(text).splitlines()[0]
    assert " ".join(first_line.split())[:40] in " ".join(texts.split())


def test_escapers_leave_no_markup_or_escapes():
    assert str(dot_text("<b>x</b>")) == "<b>x</b>" and type(dot_text("x")).__name__ == "NoHtml"
    assert record_text("a{b|c}<d>") == r"a\{b\|c\}\<d\>"
    assert dot_text("a\\") == "a\\\\" and dot_text('"') == '\\"'
    assert dot_text("x\x00y\ny") == "x?y\\ny"
    assert len(clean("y" * 10_000)) == MAX_TEXT_CHARS
    assert (
        html_escape('<a href="javascript:x">Σ</a>')
        == "&lt;a href=&quot;javascript:x&quot;&gt;&#931;&lt;/a&gt;"
    )


# --- quiet -----------------------------------------------------------------------------


def test_non_ascii_labels_render_without_a_word_on_stderr(dot_binary, capfd):
    a = Value(1.0, label="Σ x·w → ∂L/∂w × 2")
    out = a * 2.0
    out.backward()
    drawing = viz.draw_graph(out, title="∂ · Σ × → — …")
    svg = viz.render_svg(drawing)
    bundle = drawing._repr_mimebundle_()  # what Jupyter calls
    assert "Σ" in svg and "Σ" in bundle["image/svg+xml"]
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


# --- legend ----------------------------------------------------------------------------


def test_legend_explains_the_colours_and_can_be_turned_off(dot_binary):
    svg = viz.render_svg(small_drawing())
    for words in ("|grad|", "parameter", "constant"):
        assert words in svg
    assert "legend" not in small_drawing(legend=False).source
    assert "this step" in viz.backprop_steps(chain(4))[1].source


def test_backprop_steps_save_refuses_a_prefix_with_a_folder(tmp_path):
    with pytest.raises(ValueError, match="prefix"):
        viz.backprop_steps(chain(4)).save(tmp_path, prefix="../escape")
