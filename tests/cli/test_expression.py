"""The expression language of `scratchgrad graph`: a whitelist, evaluated without
recursion, every refusal one line that names what was wrong."""

import pytest
from cli_helpers import assert_one_line_error, run_main

from scratchgrad.cli import main
from scratchgrad.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, evaluate


@pytest.mark.parametrize(
    "expression",
    [
        "*".join(["x"] * 1000),
        "-".join(["x"] * 1000),
        "/".join(["x"] * 1000),
    ],
)
def test_long_flat_chains_evaluate(expression):
    out, leaves = evaluate(expression, {"x": 1.0})
    out.backward()
    assert leaves["x"].grad == leaves["x"].grad  # a number, not an exception


@pytest.mark.parametrize(
    "expression",
    [
        "tanh(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        " " + "-" * 1500 + "x",
        "**".join(["x"] * 500),  # right-associative: real nesting
        "(" * 250 + "x" + ")" * 250,  # the parser's own limit
    ],
)
def test_deep_nesting_is_refused(capsys, expression):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err, "nested")


def test_nesting_just_under_the_limit_works():
    depth = MAX_DEPTH - 1
    out, _ = evaluate("tanh(" * depth + "x" + ")" * depth, {"x": 1.0})
    assert 0 < out.data < 1


@pytest.mark.parametrize(
    "expression, words",
    [
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
        ("tanh(x*", "cannot parse"),
    ],
)
def test_whitelist_refusals_are_one_line(capsys, expression, words):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err, words)


@pytest.mark.parametrize(
    "expression, words",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_LENGTH + 1), "limit"),
        ("x\x00", "cannot parse"),
        ("\u221ax", "cannot parse"),  # √x
        ("x\u00b2", "cannot parse"),  # x²
        ("x\n+ 1", "cannot parse"),
    ],
)
def test_odd_expressions_are_one_line(capsys, expression, words):
    code, _, err = run_main(capsys, "graph", expression, "--set", "x=1")
    assert_one_line_error(code, err, words)


def test_overflowing_literals_name_the_number(capsys, tmp_path):
    code, _, err = run_main(capsys, "graph", "9" * 400, "--out", tmp_path / "g.svg")
    assert_one_line_error(code, err, "too large")
    code, _, err = run_main(capsys, "graph", "1e999", "--out", tmp_path / "g.svg")
    assert_one_line_error(code, err, "1e999", "too large")


@pytest.mark.parametrize(
    "sets, words",
    [
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
        (["x=1", "\uff58=2"], "twice"),
    ],
)
def test_bad_set_values_are_one_line(capsys, sets, words):
    code, _, err = run_main(capsys, "graph", "x", *(["--set", *sets] if sets else []))
    assert_one_line_error(code, err, words)


def test_an_unset_variable_names_the_flag_to_add(capsys):
    code, _, err = run_main(capsys, "graph", "x + y", "--set", "x=1")
    assert_one_line_error(code, err, "'y' has no value", "--set y=")


def test_debug_lets_the_expression_error_through(monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DEBUG", "1")
    with pytest.raises(ExpressionError):
        main(["graph", "x +", "--set", "x=1"])
