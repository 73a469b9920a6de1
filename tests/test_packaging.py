"""The package is what the README says it is: import names, and the shadowing guard."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_nn_and_viz_refuse_a_foreign_autograd_package(tmp_path):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("# stands in for HIPS autograd from PyPI\n")
    script = textwrap.dedent("""
        import sys
        for name in ("nn", "viz"):
            try:
                __import__(name)
            except ImportError as err:
                print(name, "->", err)
            else:
                print(name, "-> imported")
    """)
    path = os.pathsep.join([str(tmp_path), str(REPO)])   # the impostor comes first
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": path, "PATH": ""}, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stderr
    for line in lines:
        assert "different package at" in line
        assert str(fake / "__init__.py") in line
        assert "pip uninstall autograd" in line


def test_our_autograd_is_marked():
    import autograd
    assert autograd.__scratchgrad__ is True
