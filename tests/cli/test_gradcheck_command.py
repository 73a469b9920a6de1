"""`scratchgrad gradcheck`: every op of the table, checked; exit 1 if one fails."""

from cli_helpers import run_main

from scratchgrad import autograd
from scratchgrad.commands import gradcheck


def test_gradcheck_command_passes_every_op(capsys):
    code, printed, err = run_main(capsys, "gradcheck")
    assert code == 0, err
    assert "FAILED" not in printed
    for name in autograd.OPS:
        assert name in printed


def test_a_failed_check_exits_1_and_names_it(capsys, monkeypatch):
    rows = [("add", "Tensor", 1e-9, True), ("tanh", "Value", 0.5, False)]
    monkeypatch.setattr(gradcheck, "check_all", lambda seed: rows)
    code, printed, err = run_main(capsys, "gradcheck")
    assert code == 1 and err == ""
    assert printed.strip().splitlines()[-1] == "1 of 2 checks passed; FAILED: tanh (Value)"


def test_seed_reaches_the_checks(capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(gradcheck, "check_all", lambda seed: seen.append(seed) or [])
    assert run_main(capsys, "gradcheck", "--seed", "7")[0] == 0
    assert seen == [7]
