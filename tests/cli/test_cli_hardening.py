"""The command line under hostile input: one error boundary, no data loss, no tracebacks.

Every user mistake ends as ONE line "scratchgrad: error: ..." on stderr with exit 2
(130 for Ctrl-C); SCRATCHGRAD_DEBUG=1 lets the exception through. Cases where the engine
may legitimately return a number (its conventions can change) accept exit 0 or 2 but
never an escaped exception.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from scratchgrad import cli
from scratchgrad.cli import main
from scratchgrad.commands import demo, graph, gradcheck, train
from scratchgrad.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, evaluate
from scratchgrad.viz import renderer


@pytest.fixture(autouse=True)
def render_file_contract(monkeypatch):
    """Until viz.renderer.render_file lands (another change), stand in with its contract:
    write only the named file, '.svg' appended when there is no suffix, RenderError else."""
    if hasattr(renderer, "render_file"):
        return

    class RenderError(RuntimeError):
        pass

    def render_file(digraph, path, *, timeout=60.0):
        path = Path(path)
        if not path.suffix:
            path = path.with_name(path.name + ".svg")
        fmt = path.suffix[1:].lower()
        if fmt not in ("svg", "png"):
            raise RenderError(f"cannot write .{fmt}: supported formats are svg, png")
        path.write_bytes(digraph.pipe(format=fmt))
        return path

    monkeypatch.setattr(renderer, "RenderError", RenderError, raising=False)
    monkeypatch.setattr(renderer, "render_file", render_file, raising=False)


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("SCRATCHGRAD_DEBUG", raising=False)


def run_main(capsys, *args):
    """(exit code, stdout, stderr) of one in-process run."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *words):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scratchgrad: error: ") and "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def assert_result_or_one_line(code, err):
    """The engine may answer (exit 0) or refuse (exit 2), never crash."""
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert_one_line_error(code, err)


# 1. data loss ----------------------------------------------------------------------------

def test_graph_leaves_a_file_named_like_the_output_stem_alone(tmp_path, capsys):
    (tmp_path / "report").write_text("my notes")
    code, out, err = run_main(capsys, "graph", "tanh(x)", "--set", "x=1",
                              "--out", str(tmp_path / "report.svg"))
    assert code == 0, err
    assert (tmp_path / "report").read_text() == "my notes"
    assert "<svg" in (tmp_path / "report.svg").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "report.svg"]


def test_graph_out_without_suffix_reports_the_file_written(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "tanh(x)", "--set", "x=1",
                              "--out", str(tmp_path / "notes"))
    assert code == 0, err
    assert (tmp_path / "notes.svg").is_file() and not (tmp_path / "notes").exists()
    assert out.strip().endswith(f"wrote {tmp_path / 'notes.svg'}")


def test_demo_leaves_a_file_named_neuron_alone(tmp_path, capsys):
    (tmp_path / "neuron").write_text("keep me")
    (tmp_path / "unrelated.txt").write_text("mine")
    code, out, err = run_main(capsys, "demo", "--out", str(tmp_path), "--steps", "2",
                              "--epochs", "1", "--no-progress")
    assert code == 0, err
    assert (tmp_path / "neuron").read_text() == "keep me"
    assert "<svg" in (tmp_path / "neuron.svg").read_text()
    wrote = out.strip().splitlines()[-1]
    assert "neuron.svg" in wrote and "unrelated.txt" not in wrote


# 2. one error boundary -----------------------------------------------------------------

@pytest.mark.parametrize("expression, sets", [
    ("1/x", ["x=0"]),
    ("x**-1", ["x=0"]),
    ("x**y", ["x=0", "y=0"]),
    ("sqrt(x)", ["x=0"]),                  # fails (if at all) in the backward pass
    ("log(x)", ["x=0"]),
    ("10.0**400", []),
    ("9" * 400, []),
    ("x**2**2**30", ["x=1"]),
    ("exp(1000*x)", ["x=1"]),
    ("x*1e308*10", ["x=1"]),
    ("(-8)**(1/3)", []),
])
def test_arithmetic_trouble_is_a_result_or_one_line(tmp_path, capsys, expression, sets):
    code, out, err = run_main(capsys, "graph", expression, *(["--set", *sets] if sets else []),
                              "--out", str(tmp_path / "g.svg"))
    assert_result_or_one_line(code, err)


def test_overflowing_literals_name_the_number(capsys, tmp_path):
    code, _, err = run_main(capsys, "graph", "9" * 400, "--out", str(tmp_path / "g.svg"))
    assert_one_line_error(code, err, "too large")
    code, _, err = run_main(capsys, "graph", "1e999", "--out", str(tmp_path / "g.svg"))
    assert_one_line_error(code, err, "1e999", "too large")


def test_out_naming_a_folder_is_refused(tmp_path, capsys):
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1", "--out", str(tmp_path))
    assert_one_line_error(code, err, "folder")


def test_out_inside_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1",
                            "--out", str(tmp_path / "afile" / "g.svg"))
    assert_one_line_error(code, err, "afile")


def test_unwritable_format_is_one_line_or_a_file(tmp_path, capsys):
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1",
                            "--out", str(tmp_path / "a.pdf"))
    if code == 0:
        assert (tmp_path / "a.pdf").is_file()
    else:
        assert_one_line_error(code, err, "svg")


def test_render_error_is_one_line(tmp_path, capsys, monkeypatch):
    def refuse(digraph, path, *, timeout=60.0):
        raise renderer.RenderError("cannot write .pdf: supported formats are svg, png")
    monkeypatch.setattr(renderer, "render_file", refuse)
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1",
                            "--out", str(tmp_path / "a.pdf"))
    assert_one_line_error(code, err, "supported formats are svg, png")


def test_huge_model_is_refused_before_allocating(capsys, monkeypatch):
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("loaded data for a huge model"))
    code, _, err = run_main(capsys, "train", "--dataset", "digits",
                            "--hidden", "100000,100000")
    assert_one_line_error(code, err, "parameters", "--hidden")


def test_model_larger_than_free_memory_is_refused(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(train, "available_memory", lambda: 10_000)
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--hidden", "64",
                            "--out", str(tmp_path))
    assert_one_line_error(code, err, "GiB", "available")


def test_parameter_count_matches_the_model():
    from scratchgrad import nn
    assert train.parameter_count([64, 100, 10]) == nn.mlp([64, 100, 10]).num_parameters()


@pytest.mark.parametrize("error, words", [
    (MemoryError(), "out of memory"),
    (OverflowError("math range error"), "math range error"),
    (ZeroDivisionError("float division by zero"), "division"),
    (FileNotFoundError(2, "No such file or directory", "/no/such"), "/no/such"),
    (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
    (ValueError("first line\nsecond line"), "first line second line"),
])
def test_every_user_error_becomes_one_line(capsys, monkeypatch, error, words):
    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(gradcheck, "run", fail)
    code, _, err = run_main(capsys, "gradcheck")
    assert_one_line_error(code, err, words)


def test_debug_shows_the_exception(capsys, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DEBUG", "1")
    with pytest.raises(ExpressionError):
        main(["graph", "x +", "--set", "x=1"])


def test_ctrl_c_exits_130(capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(gradcheck, "run", interrupt)
    code, _, err = run_main(capsys, "gradcheck")
    assert code == 130 and err.strip() == "scratchgrad: interrupted"


def test_help_returns_zero(capsys):
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and "gradcheck" in out


def test_closed_pipe_ends_quietly(tmp_path):
    """`scratchgrad gradcheck | head -1`: the reader is gone before anything is written."""
    child = subprocess.Popen([sys.executable, "-m", "scratchgrad", "gradcheck"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=120) == cli.EXIT_BROKEN_PIPE
    assert err == ""


# 3. iterative evaluation ---------------------------------------------------------------

def test_flat_sum_of_a_thousand_terms_works(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(graph, "MAX_NODES", 40)     # the drawing is not under test here
    expression = "+".join(["x"] * 1000)
    assert len(expression) == 1999 < MAX_LENGTH
    code, out, err = run_main(capsys, "graph", expression, "--set", "x=1",
                              "--out", str(tmp_path / "sum.svg"))
    assert code == 0, err
    assert "out = 1000;" in out and "d out/d x = 1000;" in out


@pytest.mark.parametrize("expression", [
    "*".join(["x"] * 1000), "-".join(["x"] * 1000), "/".join(["x"] * 1000),
])
def test_long_flat_chains_evaluate(expression):
    out, leaves = evaluate(expression, {"x": 1.0})
    out.backward()
    assert leaves["x"].grad == leaves["x"].grad     # a number, not an exception


@pytest.mark.parametrize("expression", [
    "tanh(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    " " + "-" * 1500 + "x",
    "**".join(["x"] * 500),                        # right-associative: real nesting
    "(" * 250 + "x" + ")" * 250,                   # the parser's own limit
])
def test_deep_nesting_is_still_refused(capsys, expression):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err)
    assert "nested" in err


def test_nesting_just_under_the_limit_works():
    depth = MAX_DEPTH - 1
    out, _ = evaluate("tanh(" * depth + "x" + ")" * depth, {"x": 1.0})
    assert 0 < out.data < 1


@pytest.mark.parametrize("expression, words", [
    ("__import__('os').system('true')", "not allowed"),
    ("x.real", "Attribute"),
    ("(lambda: 1)()", "not allowed"),
    ("[x][0]", "not allowed"),
    ("'abc'", "literal"),
    ("1j", "literal"),
    ("True", "literal"),
    ("f'{x}'", "not allowed"),
    ("(y := x)", "not allowed"),
    ("x if x else x", "not allowed"),
    ("x < 1", "not allowed"),
    ("x % 2", "not allowed"),
    ("x // 2", "not allowed"),
    ("tanh(x, x)", "one argument"),
    ("tanh(*x)", "one argument"),
    ("tanh(x=1)", "not allowed"),
    ("open(x)", "unknown function"),
    ("x +", "cannot parse"),
])
def test_whitelist_refusals_are_one_line(capsys, expression, words):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err, words)


# 4. flags ------------------------------------------------------------------------------

def test_repeated_set_flags_merge(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "x*y*z", "--set", "x=1", "--set", "y=2", "z=3",
                              "--out", str(tmp_path / "g.svg"))
    assert code == 0, err
    assert "out = 6;" in out and "d out/d x = 6" in out and "d out/d z = 2" in out


def test_names_are_nfkc_normalised_like_python(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "\uff58*w", "--set", "x=2", "\uff57=3",
                              "--out", str(tmp_path / "g.svg"))
    assert code == 0, err
    assert "out = 6;" in out and "d out/d x = 3" in out and "d out/d w = 2" in out


def test_the_same_name_twice_is_refused(capsys):
    code, _, err = run_main(capsys, "graph", "x", "--set", "x=1", "--set", "\uff58=2")
    assert_one_line_error(code, err, "twice")


@pytest.mark.parametrize("hidden", ["64,,8", "64,", ",64", "", " ", "64,0", "64,-1",
                                    "a,b", "1.5"])
def test_malformed_hidden_sizes_are_refused(capsys, monkeypatch, hidden):
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("started training"))
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--hidden", hidden)
    assert_one_line_error(code, err, "--hidden")


@pytest.mark.parametrize("args, flag", [
    (["demo", "--epochs", "0"], "--epochs"),
    (["demo", "--epochs", "-3"], "--epochs"),
    (["demo", "--steps", "0"], "--steps"),
    (["demo", "--steps", "-1"], "--steps"),
    (["demo", "--steps", "ten"], "--steps"),
    (["train", "--dataset", "xor", "--epochs", "0"], "--epochs"),
    (["train", "--dataset", "xor", "--batch-size", "0"], "--batch-size"),
    (["train", "--dataset", "xor", "--batch-size", "-8"], "--batch-size"),
    (["train", "--dataset", "xor", "--lr", "0"], "--lr"),
    (["train", "--dataset", "xor", "--lr", "-0.1"], "--lr"),
    (["train", "--dataset", "xor", "--lr", "nan"], "--lr"),
    (["train", "--dataset", "xor", "--lr", "inf"], "--lr"),
    (["train", "--dataset", "xor", "--lr", "1e999"], "--lr"),
    (["train", "--dataset", "xor", "--seed", "-1"], "--seed"),
    (["gradcheck", "--seed", "-1"], "--seed"),
])
def test_bad_counts_and_rates_are_refused_before_any_work(capsys, monkeypatch, args, flag):
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("started training"))
    code, _, err = run_main(capsys, *args)
    assert_one_line_error(code, err, flag)


def test_demo_run_refuses_zero_epochs_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    with pytest.raises(ValueError, match="--epochs"):
        demo.run(tmp_path, steps=5, epochs=0)


# 5. other hostile input ----------------------------------------------------------------

@pytest.mark.parametrize("sets, words", [
    (["x=nan"], "finite"),
    (["x=inf"], "finite"),
    (["x=-inf"], "finite"),
    (["x=1e999"], "finite"),
    (["x="], "not a number"),
    (["x=one"], "not a number"),
    (["x"], "name=number"),
    (["=1"], "name=number"),
    (["1x=1"], "name=number"),
    (["x-y=1"], "name=number"),
    (["if=1", "x=1"], "keyword"),
    (["x=1", "y=2"], "does not use"),
    ([], "has no value"),
])
def test_bad_set_values_are_one_line(capsys, sets, words):
    code, _, err = run_main(capsys, "graph", "x", *(["--set", *sets] if sets else []))
    assert_one_line_error(code, err, words)


@pytest.mark.parametrize("value", ["1e308", "-1e308", "5e-324", "1_000", "\u0661"])
def test_extreme_but_finite_values_never_crash(tmp_path, capsys, value):
    code, _, err = run_main(capsys, "graph", "tanh(x)*x*x", "--set", f"x={value}",
                            "--out", str(tmp_path / "g.svg"))
    assert_result_or_one_line(code, err)


@pytest.mark.parametrize("expression, words", [
    ("", "empty"),
    ("   ", "empty"),
    ("x" * (MAX_LENGTH + 1), "limit"),
    ("x\x00", "cannot parse"),
    ("\u221ax", "cannot parse"),                  # √x
    ("x\u00b2", "cannot parse"),                  # x²
    ("x\n+ 1", "cannot parse"),
])
def test_odd_expressions_are_one_line(capsys, expression, words):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err, words)


def test_unicode_names_work(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "\u03b8*\u03b8", "--set", "\u03b8=3",
                              "--out", str(tmp_path / "g.svg"))
    assert code == 0, err
    assert "out = 9;" in out


def test_expression_starting_with_minus_gets_a_hint(capsys):
    code, _, err = run_main(capsys, "graph", "-x", "--set", "x=1")
    assert_one_line_error(code, err, '" -x"')


def test_train_out_naming_a_file_fails_before_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("")
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("started training"))
    code, _, err = run_main(capsys, "train", "--dataset", "xor",
                            "--out", str(tmp_path / "afile"))
    assert_one_line_error(code, err, "is a file")


def test_diverging_training_is_one_line(tmp_path, capsys):
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--lr", "1e300",
                            "--epochs", "3", "--no-progress", "--out", str(tmp_path))
    assert_result_or_one_line(code, err)


@pytest.mark.parametrize("expression, sets, part", [
    ("tanh(x) + log(y)", ["x=1", "y=-1"], "'log(y)'"),
    ("1 + (x)**0.5", ["x=-1"], "'(x)**0.5'"),
    ("2 * x / y", ["x=1", "y=0"], "'2 * x / y'"),
])
def test_failed_forward_names_the_subexpression(capsys, expression, sets, part):
    code, _, err = run_main(capsys, "graph", expression, "--set", *sets)
    assert_result_or_one_line(code, err)
    if code == 2:
        assert f"cannot compute {part}" in err


def test_huge_flag_values_are_quoted_short(capsys):
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--epochs", "9" * 5000)
    assert_one_line_error(code, err, "--epochs")
    assert len(err) < 300


def test_graph_without_variables(tmp_path, capsys):
    code, out, err = run_main(capsys, "graph", "2*3", "--out", str(tmp_path / "g.svg"))
    assert code == 0, err
    assert out.startswith("out = 6; wrote ")


def test_train_mnist_download_offline_is_one_line(tmp_path, capsys, monkeypatch):
    """`--download` with every mirror unreachable: one line naming what to fetch, exit 2."""
    import scratchgrad.nn.datasets.download as download
    monkeypatch.setattr(download, "MIRRORS", ["http://127.0.0.1:9/"])
    code = main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "mnist"),
                 "--download", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "train-images-idx3-ubyte.gz" in err


def test_train_cnn_on_digits(tmp_path, capsys):
    code = main(["train", "--dataset", "digits", "--model", "cnn", "--epochs", "2",
                 "--hidden", "32", "--out", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "test accuracy" in out and "digits, cnn:" in out
    assert "final training loss" in out
    assert (tmp_path / "digits_cnn_model.npz").exists()
    assert not (tmp_path / "digits_model.npz").exists()     # an mlp run's files are kept
    assert main(["train", "--dataset", "moons", "--model", "cnn", "--out",
                 str(tmp_path)]) == 2
    assert "needs an image data set" in capsys.readouterr().err
    assert main(["train", "--dataset", "digits", "--model", "cnn", "--hidden", "32,16",
                 "--out", str(tmp_path)]) == 2
    assert "one --hidden size" in capsys.readouterr().err


def test_train_cnn_defaults_to_the_books_simple_convnet(tmp_path, capsys):
    """Dense layer 100 wide and batch 100 unless asked otherwise (16 3x3 filters on the
    8x8 digits: 16*3*3+16 + 16*3*3*100+100 + 100*10+10 parameters)."""
    assert main(["train", "--dataset", "digits", "--model", "cnn", "--epochs", "1",
                 "--out", str(tmp_path), "--no-progress"]) == 0
    assert f"{160 + 14500 + 1010:,} parameters" in capsys.readouterr().out


def test_out_paths_blocked_by_a_file_or_unwritable_name_the_users_path(tmp_path, capsys):
    (tmp_path / "cnn.out").write_text("not a folder")
    assert main(["graph", "x*2", "--set", "x=1", "--out",
                 str(tmp_path / "cnn.out" / "g.svg")]) == 2
    assert "cnn.out is a file, not a folder" in capsys.readouterr().err
    assert main(["train", "--dataset", "mnist", "--data-dir",
                 str(tmp_path / "cnn.out"), "--out", str(tmp_path / "o")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "--download on the command line" in capsys.readouterr().err


def test_unwritable_out_names_the_file_not_a_temp_file(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/x/.g.svg.abc.tmp")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["graph", "x*2", "--set", "x=1", "--out", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "g.svg") in err and ".tmp" not in err
