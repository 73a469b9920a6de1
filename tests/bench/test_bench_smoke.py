"""`python -m bench --smoke` runs and prints its table (timings are never asserted)."""
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_smoke_prints_a_table():
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| case | ours | reference |" in result.stdout
    assert "scalar: micrograd demo step" in result.stdout
    assert "deep chain of 10,000 nodes: build, backward" in result.stdout
    assert "micrograd's own code" in result.stdout
