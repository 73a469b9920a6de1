"""`scratchgrad demo`: the pictures it leaves in ./scratchgrad-out/, and nothing else."""

import sys

import pytest
from cli_helpers import assert_one_line_error, is_png, run_cli, run_main

from scratchgrad.cli import build_parser
from scratchgrad.commands import demo, options


def test_demo_writes_svg_and_pngs_into_scratchgrad_out(tmp_path):
    result = run_cli("demo", "--steps", "30", "--epochs", "30", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / options.OUT_DIR
    assert options.OUT_DIR == "scratchgrad-out"
    assert "<svg" in (out / "neuron.svg").read_text()
    for name in ("moons_decision_boundary.png", "moons_loss.png", "digits_loss.png"):
        assert is_png(out / name), name
    assert "test accuracy" in result.stdout


def test_demo_leaves_other_files_alone(tmp_path, capsys):
    (tmp_path / "neuron").write_text("keep me")
    (tmp_path / "unrelated.txt").write_text("mine")
    code, out, err = run_main(
        capsys, "demo", "--out", tmp_path, "--steps", "2", "--epochs", "1", "--no-progress"
    )
    assert code == 0, err
    assert (tmp_path / "neuron").read_text() == "keep me"
    assert (tmp_path / "unrelated.txt").read_text() == "mine"
    assert "<svg" in (tmp_path / "neuron.svg").read_text()
    wrote = out.strip().splitlines()[-1]
    assert "neuron.svg" in wrote and "unrelated.txt" not in wrote


def test_demo_run_refuses_zero_epochs_before_training(tmp_path, monkeypatch):
    """Called from Python with a Namespace the parser did not check."""
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    args = build_parser().parse_args(["demo", "--out", str(tmp_path)])
    args.epochs = 0
    with pytest.raises(ValueError, match="--epochs"):
        demo.run(args)


def test_demo_without_matplotlib_is_one_line_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    code, _, err = run_main(capsys, "demo", "--out", tmp_path)
    assert_one_line_error(code, err, "matplotlib", "pip install")


def test_demo_out_naming_a_file_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("")
    monkeypatch.setattr(demo, "train_moons", lambda *a, **k: pytest.fail("started the demo"))
    code, _, err = run_main(capsys, "demo", "--out", tmp_path / "afile" / "sub")
    assert_one_line_error(code, err, "afile is a file, not a folder")
