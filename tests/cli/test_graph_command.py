"""`scratchgrad graph`: the numbers it prints, the one file it writes, and where."""

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, assert_result_or_one_line, run_cli, run_main

from scratchgrad.commands import graph, options
from scratchgrad.viz import renderer


def test_graph_renders_values_and_grads(tmp_path, capsys):
    out = tmp_path / "g.svg"
    code, printed, err = run_main(
        capsys, "graph", "tanh(x*w + b)", "--set", "x=1", "w=2", "b=0.5", "--out", out
    )
    assert code == 0, err
    t = np.tanh(2.5)
    assert f"out = {t:.6g}" in printed
    assert f"d out/d x = {2 * (1 - t * t):.6g}" in printed
    assert "<svg" in out.read_text()


def test_graph_without_variables(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "2*3", "--out", tmp_path / "g.svg")
    assert code == 0, err
    assert out.startswith("out = 6; wrote ")


def test_default_out_is_graph_svg_in_the_current_folder(tmp_path):
    result = run_cli("graph", "x*2", "--set", "x=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [options.GRAPH_FILE]


# --- where --out writes ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/", "//"])
def test_out_ending_in_a_separator_is_a_folder_that_gets_created(tmp_path, capsys, suffix):
    code, out, err = run_main(
        capsys, "graph", "x*2", "--set", "x=1", "--out", f"{tmp_path / 'newdir'}{suffix}"
    )
    assert code == 0, err
    written = tmp_path / "newdir" / options.GRAPH_FILE
    assert "<svg" in written.read_text()
    assert not (tmp_path / "newdir.svg").exists()
    assert out.strip().endswith(f"wrote {written}")


def test_out_naming_an_existing_folder_writes_into_it(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "x", "--set", "x=1", "--out", tmp_path)
    assert code == 0, err
    assert out.strip().endswith(f"wrote {tmp_path / options.GRAPH_FILE}")
    assert [p.name for p in tmp_path.iterdir()] == [options.GRAPH_FILE]


def test_out_folder_whose_graph_svg_is_a_folder_is_refused(tmp_path, capsys):
    (tmp_path / options.GRAPH_FILE).mkdir()
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1", "--out", tmp_path)
    assert_one_line_error(code, err, "is a folder", "--out")


def test_out_in_a_missing_folder_creates_it(tmp_path, capsys):
    code, _, err = run_main(
        capsys, "graph", "x", "--set", "x=1", "--out", tmp_path / "a" / "b" / "g.svg"
    )
    assert code == 0, err
    assert (tmp_path / "a" / "b" / "g.svg").is_file()


def test_out_without_suffix_gets_svg_and_reports_the_file_written(tmp_path, capsys):
    code, out, err = run_main(
        capsys, "graph", "tanh(x)", "--set", "x=1", "--out", tmp_path / "notes"
    )
    assert code == 0, err
    assert (tmp_path / "notes.svg").is_file() and not (tmp_path / "notes").exists()
    assert out.strip().endswith(f"wrote {tmp_path / 'notes.svg'}")


def test_graph_leaves_a_file_named_like_the_output_stem_alone(tmp_path, capsys):
    (tmp_path / "report").write_text("my notes")
    code, out, err = run_main(
        capsys, "graph", "tanh(x)", "--set", "x=1", "--out", tmp_path / "report.svg"
    )
    assert code == 0, err
    assert (tmp_path / "report").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "report.svg"]


def test_out_inside_a_file_is_one_line_naming_the_file(tmp_path, capsys):
    (tmp_path / "cnn.out").write_text("not a folder")
    for out in (tmp_path / "cnn.out" / "g.svg", f"{tmp_path / 'cnn.out'}/"):
        code, _, err = run_main(capsys, "graph", "x*2", "--set", "x=1", "--out", out)
        assert_one_line_error(code, err, "cnn.out is a file, not a folder")
    assert (tmp_path / "cnn.out").read_text() == "not a folder"


def test_out_file_for_graph_resolves_without_touching_the_disk(tmp_path):
    assert graph.out_file(f"{tmp_path / 'new'}/") == tmp_path / "new" / options.GRAPH_FILE
    assert graph.out_file(tmp_path / "g.png") == tmp_path / "g.png"
    assert not (tmp_path / "new").exists()


# --- renderer failures ----------------------------------------------------------------------


def test_unwritable_format_is_one_line_or_a_file(tmp_path, capsys):
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1", "--out", tmp_path / "a.pdf")
    if code == 0:
        assert (tmp_path / "a.pdf").is_file()
    else:
        assert_one_line_error(code, err, ".svg")


def test_render_error_is_one_line(tmp_path, capsys, monkeypatch):
    def refuse(digraph, path, *, timeout=60.0):
        raise renderer.RenderError("cannot write .pdf: supported formats are svg, png")

    monkeypatch.setattr(renderer, "render_file", refuse)
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1", "--out", tmp_path / "a.pdf")
    assert_one_line_error(code, err, "supported formats are svg, png")


def test_unwritable_out_names_the_file_not_a_temp_file(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/x/.g.svg.abc.tmp")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = run_main(capsys, "graph", "x*2", "--set", "x=1", "--out", tmp_path / "g.svg")
    assert_one_line_error(code, err, str(tmp_path / "g.svg"))
    assert ".tmp" not in err


# --- arithmetic -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, sets",
    [
        ("1/x", ["x=0"]),
        ("x**-1", ["x=0"]),
        ("x**y", ["x=0", "y=0"]),
        ("sqrt(x)", ["x=0"]),  # fails (if at all) in the backward pass
        ("log(x)", ["x=0"]),
        ("10.0**400", []),
        ("9" * 400, []),
        ("x**2**2**30", ["x=1"]),
        ("exp(1000*x)", ["x=1"]),
        ("x*1e308*10", ["x=1"]),
        ("(-8)**(1/3)", []),
    ],
)
def test_arithmetic_trouble_is_a_result_or_one_line(tmp_path, capsys, expression, sets):
    """An overflow or a missing derivative is the user's input, never a traceback (an
    ArithmeticError escaping here would now be reported as a bug, exit 1)."""
    code, out, err = run_main(
        capsys,
        "graph",
        expression,
        *(["--set", *sets] if sets else []),
        "--out",
        tmp_path / "g.svg",
    )
    assert_result_or_one_line(code, err)


@pytest.mark.parametrize(
    "expression, sets, part",
    [
        ("tanh(x) + log(y)", ["x=1", "y=-1"], "'log(y)'"),
        ("1 + (x)**0.5", ["x=-1"], "'(x)**0.5'"),
        ("2 * x / y", ["x=1", "y=0"], "'2 * x / y'"),
    ],
)
def test_failed_forward_names_the_subexpression(tmp_path, capsys, expression, sets, part):
    code, _, err = run_main(
        capsys, "graph", expression, "--set", *sets, "--out", tmp_path / "g.svg"
    )
    assert_result_or_one_line(code, err)
    if code == 2:
        assert f"cannot compute {part}" in err


def test_flat_sum_of_a_thousand_terms_works(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(graph, "MAX_NODES", 40)  # the drawing is not under test here
    code, out, err = run_main(
        capsys, "graph", "+".join(["x"] * 1000), "--set", "x=1", "--out", tmp_path / "sum.svg"
    )
    assert code == 0, err
    assert "out = 1000;" in out and "d out/d x = 1000;" in out


def test_repeated_set_flags_merge(tmp_path, capsys):
    code, out, err = run_main(
        capsys, "graph", "x*y*z", "--set", "x=1", "--set", "y=2", "z=3", "--out", tmp_path / "g.svg"
    )
    assert code == 0, err
    assert "out = 6;" in out and "d out/d x = 6" in out and "d out/d z = 2" in out


def test_names_are_nfkc_normalised_like_python(tmp_path, capsys):
    code, out, err = run_main(
        capsys, "graph", "\uff58*w", "--set", "x=2", "\uff57=3", "--out", tmp_path / "g.svg"
    )
    assert code == 0, err
    assert "out = 6;" in out and "d out/d x = 3" in out and "d out/d w = 2" in out


def test_unicode_names_work(tmp_path, capsys):
    code, out, err = run_main(
        capsys, "graph", "\u03b8*\u03b8", "--set", "\u03b8=3", "--out", tmp_path / "g.svg"
    )
    assert code == 0, err
    assert "out = 9;" in out


@pytest.mark.parametrize("value", ["1e308", "-1e308", "5e-324", "1_000", "\u0661"])
def test_extreme_but_finite_values_never_crash(tmp_path, capsys, value):
    code, _, err = run_main(
        capsys, "graph", "tanh(x)*x*x", "--set", f"x={value}", "--out", tmp_path / "g.svg"
    )
    assert_result_or_one_line(code, err)
