"""The wheel installs one top-level name, `scratchgrad`, so it lives beside the PyPI
packages that own `autograd` (HIPS autograd), `nn` and `viz`, installed before or after
us, and neither side breaks the other."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OTHERS = ["autograd==1.9.1", "nn==0.1.1", "viz==0.0.5"]  # PyPI's owners of our folder names

pytestmark = pytest.mark.slow


def _pip(python, *args):
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = _pip(sys.executable, "wheel", "--no-deps", "-w", str(out), str(REPO))
    if result.returncode:
        pytest.fail(f"building the wheel failed:\n{result.stderr[-3000:]}")
    return next(out.glob("scratchgrad-*.whl"))


def test_the_wheel_installs_only_scratchgrad(wheel):
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"scratchgrad"}


BOTH_SIDES_WORK = textwrap.dedent("""
    import importlib, importlib.metadata as md, pathlib

    import autograd, autograd.numpy as anp                  # HIPS autograd
    assert abs(autograd.grad(anp.tanh)(0.0) - 1.0) < 1e-12
    import viz                                              # PyPI's terminal plotting 'viz'
    assert 'site-packages/viz/' in viz.__file__
    importlib.import_module('viz.gloss')                    # its modules load
    try:                                                    # PyPI's 'nn' needs TensorFlow,
        import nn                                           # which we do not install: its
    except ModuleNotFoundError as err:                      # own code must be what runs
        assert err.name == 'tensorflow', err
    for dist in ('autograd', 'nn', 'viz'):                  # every file they installed is
        for f in md.files(dist):                            # still theirs, byte for byte
            if f.hash and f.suffix == '.py':
                path = pathlib.Path(f.locate())
                import base64, hashlib
                digest = base64.urlsafe_b64encode(
                    hashlib.new(f.hash.mode, path.read_bytes()).digest()).rstrip(b'=').decode()
                assert digest == f.hash.value, f'{dist}: {f} changed'

    from scratchgrad import Tensor, Value, nn as snn, viz as sviz
    a = Value(2.0); (a * a).backward(); assert a.grad == 4.0
    x = Tensor([1.0, 2.0], requires_grad=True); (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert snn.Linear(2, 1)(x).shape == (1,)
    assert 'scratchgrad' in sviz.__name__
    print('both sides work')
""")


@pytest.mark.parametrize("ours_first", [True, False], ids=["ours-first", "theirs-first"])
def test_beside_the_pypi_packages_that_own_our_folder_names(wheel, tmp_path, ours_first):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    ours = ["install", str(wheel)]
    theirs = ["install", "--no-deps", *OTHERS]  # (nn's TensorFlow is not needed here)
    for step in [ours, theirs] if ours_first else [theirs, ours]:
        result = _pip(python, *step)
        if result.returncode:
            pytest.fail(f"pip {' '.join(step)} failed:\n{result.stderr[-3000:]}")
    run = subprocess.run(
        [str(python), "-c", BOTH_SIDES_WORK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.stdout.strip() == "both sides work", run.stderr[-3000:]
    # and uninstalling either side leaves the other whole
    assert _pip(python, "uninstall", "-y", "autograd").returncode == 0
    check = subprocess.run(
        [
            str(python),
            "-c",
            "from scratchgrad import Tensor, nn; "
            "print(nn.Linear(3, 2)(Tensor([[1.0, 2, 3]])).shape)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert check.stdout.strip() == "(1, 2)", check.stderr[-3000:]
