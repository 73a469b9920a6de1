"""`python -m bench --smoke` runs and prints its table (timings are never asserted)."""

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_smoke_prints_a_table():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| case | ours | reference |" in result.stdout
    assert "scalar: micrograd demo step" in result.stdout
    assert "deep chain of 10,000 nodes: build, backward" in result.stdout
    assert "micrograd's own code" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("side", ["ours", "torch"])
@pytest.mark.parametrize("model", ["deep", "bn"])
def test_conv_side_runs_deep_convnet_and_batch_norm(side, model):
    """The deep_convnet and BatchNorm2d rows of the full bench (not in --smoke) run on
    both sides."""
    if side == "torch":
        pytest.importorskip("torch")
    from bench.harness import in_subprocess

    out = in_subprocess("bench.conv_side", side, model, 4, 1, 1)
    assert "error" not in out and out["seconds"] > 0, out


def test_gpu_check_says_whether_a_gpu_is_seen():
    import scratchgrad
    from bench.harness import in_subprocess

    assert in_subprocess("bench.gpu_check", "available") == {
        "cuda": scratchgrad.cuda.is_available()
    }
