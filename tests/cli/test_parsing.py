"""Parsing: light (no nn, viz or graphviz imported), every default stated in --help, every
bad flag value refused as one line before any work."""

import json
import subprocess
import sys

import pytest
from cli_helpers import assert_one_line_error, run_cli, run_main, subparsers

from scratchgrad import cli
from scratchgrad.commands import demo, options, train

HEAVY = ("scratchgrad.nn", "scratchgrad.viz", "graphviz", "matplotlib")
DRIVER = """
import json, runpy, sys
sys.argv = ["scratchgrad", *sys.argv[1:]]
try:
    runpy.run_module("scratchgrad", run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
heavy = {heavy!r}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(heavy))
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args, code",
    [
        (["--help"], 0),
        (["train", "--help"], 0),
        (["graph", "--help"], 0),
        (["train", "--dataset", "imagenet"], 2),
        (["train", "--dataset", "xor", "--hidden", "a,b"], 2),
        (["graph"], 2),
    ],
)
def test_parsing_imports_no_library(tmp_path, args, code):
    """`python -m scratchgrad --help` (and a typo) must answer without loading nn, viz or
    graphviz: run as -m does, then read sys.modules."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(heavy=HEAVY))
    result = subprocess.run(
        [sys.executable, str(driver), *args], cwd=tmp_path, capture_output=True, text=True
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == code, result.stderr
    assert report["loaded"] == [], report["loaded"]


def test_the_driver_would_see_a_heavy_import(tmp_path):
    """The check above can fail: a command that does import nn shows up in its report."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(heavy=HEAVY))
    result = subprocess.run(
        [sys.executable, str(driver), "train", "--dataset", "moons", "--model", "cnn"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == 2 and "scratchgrad.nn" in report["loaded"]


@pytest.mark.parametrize("command", ["demo", "train", "graph", "gradcheck"])
def test_every_option_states_its_default(command):
    parser = subparsers()[command]
    for action in parser._actions:
        if action.dest == "help" or not action.option_strings:
            continue
        text = action.help or ""
        if action.required:
            assert "required" in text, action.option_strings
        else:
            assert "default" in text, action.option_strings
        if action.default not in (None, False, []):
            assert str(action.default) in text, (action.option_strings, action.default)


def test_train_help_prints_the_learning_rate_table(capsys):
    code, out, _ = run_main(capsys, "train", "--help")
    assert code == 0
    table = out[out.index("default learning rates") :]
    for name, rates in options.DEFAULT_LR.items():
        row = next(line for line in table.splitlines() if line.split()[:1] == [name])
        assert row.split()[1:] == [f"{rates[c]:g}" for c in options.LR_COLUMNS]
    assert options.MNIST_DEFAULT_ROOT in " ".join(out.split())


def test_help_returns_zero(capsys):
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and "gradcheck" in out and "exit status" in out


def test_help_works_as_a_user_runs_it(tmp_path):
    result = run_cli("train", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--mnist-mirror" in result.stdout


@pytest.mark.parametrize("hidden", ["64,,8", "64,", ",64", "", " ", "64,0", "64,-1", "a,b", "1.5"])
def test_malformed_hidden_sizes_are_refused(capsys, monkeypatch, hidden):
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("started training"))
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--hidden", hidden)
    assert_one_line_error(code, err, "--hidden")


def test_hidden_sizes_parse():
    args = cli.build_parser().parse_args(["train", "--dataset", "xor", "--hidden", " 8, 4"])
    assert args.hidden == (8, 4)


@pytest.mark.parametrize(
    "args, flag",
    [
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
        (
            ["train", "--dataset", "mnist", "--download", "--download-timeout", "0"],
            "--download-timeout",
        ),
        (
            ["train", "--dataset", "mnist", "--download", "--download-timeout", "nan"],
            "--download-timeout",
        ),
        (
            ["train", "--dataset", "mnist", "--download", "--mnist-mirror", "mirror.org/mnist"],
            "--mnist-mirror",
        ),
        (
            ["train", "--dataset", "mnist", "--download", "--mnist-mirror", "ftp://m.org/"],
            "--mnist-mirror",
        ),
        (["train", "--dataset", "xor", "--model", "rnn"], "--model"),
        (["train", "--dataset", "xor", "--optimizer", "lbfgs"], "--optimizer"),
        (["train", "--dataset", "xor", "--activation", "gelu"], "--activation"),
        (["train", "--dataset", "imagenet"], "invalid choice"),
        (["gradcheck", "--seed", "-1"], "--seed"),
    ],
)
def test_bad_flag_values_are_refused_before_any_work(capsys, monkeypatch, args, flag):
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("started training"))
    code, _, err = run_main(capsys, *args)
    assert_one_line_error(code, err, flag, "--help")


def test_huge_flag_values_are_quoted_short(capsys):
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--epochs", "9" * 5000)
    assert_one_line_error(code, err, "--epochs")
    assert len(err) < 300


def test_expression_starting_with_minus_gets_a_hint(capsys):
    code, _, err = run_main(capsys, "graph", "-x", "--set", "x=1")
    assert_one_line_error(code, err, '" -x"')


def test_repeated_mirrors_keep_their_order():
    args = cli.build_parser().parse_args(
        [
            "train",
            "--dataset",
            "mnist",
            "--download",
            "--mnist-mirror",
            "https://a.org/m/",
            "--mnist-mirror",
            "file:///srv/mnist",
            "--download-timeout",
            "2.5",
        ]
    )
    assert args.mnist_mirror == ["https://a.org/m/", "file:///srv/mnist"]
    assert args.download_timeout == 2.5


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "--dataset", "imagenet"], "invalid choice"),
        (["train", "--dataset", "xor", "--hidden", "a,b"], "--hidden"),
        (["train", "--dataset", "mnist", "--data-dir", "/no/such/folder"], "does not exist"),
        (["graph", "tanh(x*", "--set", "x=1"], "cannot parse"),
        (["graph", "__import__('os').system('true')"], "not allowed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_as_a_user_sees_it(tmp_path, args, words):
    result = run_cli(*args, cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stderr, words)
    assert result.stdout == ""
