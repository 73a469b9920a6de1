"""Test-session settings, for unit tests and notebooks alike.

`python -m pytest -n 2` runs two worker processes on a 2-core machine; with OpenBLAS's
default threads each would start two more and they would fight over the cores (10x slower
matmuls). One BLAS thread per worker (and per notebook kernel, which inherits the
environment) keeps the suite fast. An explicit setting wins.

Notebook kernels also inherit SCRATCHGRAD_MNIST: when the checkout sits beside a shared
MNIST folder (../shared/data/mnist) and the variable is unset, it points there, so the
notebooks train on real MNIST.

Notebooks run only with --nbmake (`python -m pytest -n 2 --nbmake`); each cell gets
NOTEBOOK_CELL_TIMEOUT seconds unless --nbmake-timeout is given, and each notebook is
marked `notebooks` (`-m "not notebooks"` leaves them out)."""

import os
from pathlib import Path

import pytest

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

_SHARED_MNIST = (Path(__file__).parent / ".." / "shared" / "data" / "mnist").resolve()
if _SHARED_MNIST.is_dir():
    os.environ.setdefault("SCRATCHGRAD_MNIST", str(_SHARED_MNIST))

NOTEBOOK_CELL_TIMEOUT = 120  # seconds; nbmake's own default is 300


def pytest_configure(config):
    if hasattr(config.option, "nbmake_timeout") and not _given(config, "--nbmake-timeout"):
        config.option.nbmake_timeout = NOTEBOOK_CELL_TIMEOUT


def _given(config, flag):
    """Whether `flag` was passed (command line, PYTEST_ADDOPTS or the ini's addopts)."""
    words = [
        *config.invocation_params.args,
        *os.environ.get("PYTEST_ADDOPTS", "").split(),
        *config.getini("addopts"),
    ]
    return any(word == flag or word.startswith(flag + "=") for word in words)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
