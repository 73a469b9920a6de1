"""Fail early and clearly when `import autograd` finds someone else's package.

HIPS autograd (`pip install autograd`) has the same import name as our engine. If it
is installed it can take over `import autograd`, and every later error would be a
confusing "cannot import name 'Tensor'". We check once, at import time.
"""
import importlib


def require_scratchgrad_autograd(importer):
    engine = importlib.import_module("autograd")
    if getattr(engine, "__scratchgrad__", False):
        return engine
    found = getattr(engine, "__file__", None) or "an unknown location"
    raise ImportError(
        f"{importer} needs scratchgrad's autograd engine, but 'import autograd' found a "
        f"different package at {found} (probably HIPS autograd from PyPI, which uses the "
        "same name). Fix: `pip uninstall autograd`, then reinstall scratchgrad "
        "(`pip install -e .` in its folder), or use a separate virtual environment.")
