"""Test-session settings. `python -m pytest -n 2` runs two worker processes on a 2-core
machine; with OpenBLAS's default threads each would start two more and they would fight
over the cores (10x slower matmuls). One BLAS thread per worker (and per notebook kernel,
which inherits the environment) keeps the suite fast. An explicit setting wins."""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
