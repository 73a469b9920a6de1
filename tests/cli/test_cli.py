"""The command line end to end, in a temp dir, as a user runs it."""
import subprocess
import sys

import numpy as np
import pytest

from scratchgrad.cli import main


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "scratchgrad", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_writes_svg_and_pngs(tmp_path):
    result = run("demo", "--steps", "30", "--epochs", "30", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "scratchgrad-out"
    assert "<svg" in (out / "neuron.svg").read_text()
    for name in ("moons_decision_boundary.png", "moons_loss.png", "digits_loss.png"):
        assert is_png(out / name), name
    assert "test accuracy" in result.stdout


def test_train_saves_a_loadable_checkpoint_and_plots(tmp_path):
    assert main(["train", "--dataset", "moons", "--hidden", "16", "--epochs", "5",
                 "--out", str(tmp_path), "--no-progress"]) == 0
    from scratchgrad import nn
    state = nn.load(tmp_path / "moons_model.npz")
    model = nn.mlp([2, 16, 2])
    model.load_state_dict(state)
    assert is_png(tmp_path / "moons_decision_boundary.png")
    assert is_png(tmp_path / "moons_history.png")


def test_graph_command_renders_values_and_grads(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "tanh(x*w + b)", "--set", "x=1", "w=2", "b=0.5",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    t = np.tanh(2.5)
    assert f"out = {t:.6g}" in printed
    assert f"d out/d x = {2 * (1 - t * t):.6g}" in printed
    assert "<svg" in out.read_text()


def test_gradcheck_command_passes_every_op(capsys):
    assert main(["gradcheck"]) == 0
    printed = capsys.readouterr().out
    assert "FAILED" not in printed
    from scratchgrad import autograd
    for name in autograd.OPS:
        assert name in printed


@pytest.mark.parametrize("args, words", [
    (["train", "--dataset", "imagenet"], "invalid choice"),
    (["train", "--dataset", "mnist"], "--data-dir"),
    (["train", "--dataset", "mnist", "--data-dir", "/no/such/folder"], "does not exist"),
    (["graph", "tanh(x*", "--set", "x=1"], "cannot parse"),
    (["graph", "__import__('os').system('true')"], "not allowed"),
    (["graph", "x + y", "--set", "x=1"], "'y' has no value"),
    (["train", "--dataset", "xor", "--hidden", "a,b"], "--hidden"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, words):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert words in lines[0]
