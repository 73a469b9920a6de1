"""`cli.main`, the one place where exceptions become exit statuses: a user's mistake is one
line and exit 2; a bug of ours is the traceback, a line asking to report it, exit 1;
Ctrl-C is 130; a closed pipe ends quietly."""

import importlib
import subprocess
import sys

import pytest
from cli_helpers import assert_one_line_error, run_main

from scratchgrad import cli
from scratchgrad.cli import main
from scratchgrad.commands import UsageError, gradcheck, graph


def fail_with(monkeypatch, error):
    """Make `scratchgrad gradcheck` raise `error` (any command would do)."""

    def run(args, echo=print):
        raise error

    monkeypatch.setattr(gradcheck, "run", run)


def user_errors():
    """One instance of every type the boundary treats as the user's, with a word its line
    must show."""
    from scratchgrad import nn, viz
    from scratchgrad.expression import ExpressionError

    return [
        (UsageError("--hidden must be\nsmall"), "--hidden must be small"),
        (ExpressionError("cannot parse 'x +'"), "cannot parse"),
        (MemoryError(), "out of memory"),
        (FileNotFoundError(2, "No such file or directory", "/no/such"), "/no/such"),
        (PermissionError(13, "Permission denied", "/root/x"), "Permission denied"),
        (nn.datasets.DownloadError("could not download MNIST"), "could not download"),
        (nn.datasets.IDXFormatError("bad magic number"), "bad magic"),
        (nn.CheckpointError("not a checkpoint"), "not a checkpoint"),
        (nn.NonFiniteLossError("loss became nan"), "loss became nan"),
        (nn.optim.NonFiniteGradientError("gradient is inf"), "gradient is inf"),
        (viz.RenderError("the renderer ran too long"), "ran too long"),
        (viz.RendererNotFoundError("no Graphviz renderer found"), "no Graphviz"),
    ]


@pytest.mark.parametrize("index", range(len(user_errors())))
def test_user_errors_are_one_line_and_exit_2(capsys, monkeypatch, index):
    error, words = user_errors()[index]
    fail_with(monkeypatch, error)
    code, _, err = run_main(capsys, "gradcheck")
    assert_one_line_error(code, err, words)


@pytest.mark.parametrize(
    "error",
    [
        TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'"),
        RuntimeError("internal state"),
        ImportError("cannot import name 'fit'"),
        ValueError("operands could not be broadcast together"),
        KeyError("weight"),
        ZeroDivisionError("float division by zero"),
        RecursionError("maximum recursion depth exceeded"),
        AttributeError("'NoneType' object has no attribute 'grad'"),
        AssertionError(),
    ],
)
def test_our_bugs_show_the_traceback_a_report_line_and_exit_1(capsys, monkeypatch, error):
    fail_with(monkeypatch, error)
    code, out, err = run_main(capsys, "gradcheck", "--seed", "3")
    assert code == cli.EXIT_BUG == 1
    lines = err.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert type(error).__name__ in err
    assert lines[-1].startswith("scratchgrad: internal error: this is a bug in scratchgrad")
    assert "report it to the scratchgrad maintainers" in lines[-1]
    assert lines[-1].endswith("the command line: scratchgrad gradcheck --seed 3")
    assert out == ""


def test_the_report_line_quotes_the_command_line_as_a_shell_would(capsys, monkeypatch):
    def run(args, echo=print):
        raise TypeError("bug")

    monkeypatch.setattr(graph, "run", run)
    code, _, err = run_main(capsys, "graph", "x + y", "--set", "x=1", "y=2")
    assert code == 1
    assert err.strip().endswith(": scratchgrad graph 'x + y' --set x=1 y=2")
    monkeypatch.setattr(sys, "argv", ["scratchgrad", "graph", "tanh(x)", "--set", "x=1"])
    assert main() == 1  # no argv: the process's own
    assert capsys.readouterr().err.strip().endswith(": scratchgrad graph 'tanh(x)' --set x=1")


def test_a_bug_in_a_subprocess_exits_1_with_the_report(tmp_path):
    """As a user sees it: a real traceback on stderr, then the report line."""
    script = (
        "import sys\n"
        "from scratchgrad.commands import gradcheck\n"
        "def run(args, echo=print):\n"
        "    return None + 1\n"
        "gradcheck.run = run\n"
        "from scratchgrad.cli import main\n"
        "sys.exit(main(['gradcheck']))\n"
    )
    (tmp_path / "buggy.py").write_text(script)
    result = subprocess.run(
        [sys.executable, "buggy.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "TypeError" in result.stderr and "return None + 1" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("scratchgrad: internal error")


def test_debug_raises_user_errors_and_bugs(capsys, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DEBUG", "1")
    for error in (UsageError("bad flag"), TypeError("bug")):
        fail_with(monkeypatch, error)
        with pytest.raises(type(error)):
            main(["gradcheck"])


def test_ctrl_c_exits_130(capsys, monkeypatch):
    fail_with(monkeypatch, KeyboardInterrupt())
    code, _, err = run_main(capsys, "gradcheck")
    assert code == 130 and err.strip() == "scratchgrad: interrupted"


def test_closed_pipe_ends_quietly(tmp_path):
    """`scratchgrad gradcheck | head -1`: the reader is gone before anything is written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "scratchgrad", "gradcheck"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait() == cli.EXIT_BROKEN_PIPE
    assert err == ""


def test_user_error_table_names_real_exception_types():
    """A renamed or moved class in USER_ERRORS would silently turn a user's mistake into a
    "bug" report: every name must resolve to an exception type."""
    for module_name, names in cli.USER_ERRORS.items():
        module = importlib.import_module(module_name)
        for name in names:
            cls = getattr(module, name, None)
            assert isinstance(cls, type) and issubclass(cls, Exception), (module_name, name)


def test_unloaded_modules_add_no_types(monkeypatch):
    """The table is read from sys.modules: a module never imported contributes nothing
    (its errors cannot have been raised), and nothing is imported to find out."""
    monkeypatch.delitem(sys.modules, "scratchgrad.viz", raising=False)
    before = set(sys.modules)
    types = cli.user_error_types()
    assert set(sys.modules) == before
    assert UsageError in types and OSError in types
    assert not any(t.__module__.startswith("scratchgrad.viz") for t in types)
