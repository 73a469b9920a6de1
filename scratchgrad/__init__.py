"""scratchgrad: a readable autograd engine, its neural-network layer and its drawings.

    from scratchgrad import Value, Tensor, nn, viz
    a = Value(-4.0); b = Value(2.0)
    c = (a * b + b ** 3).tanh(); c.backward(); a.grad      # like micrograd

The engine is `scratchgrad.autograd`, the layers `scratchgrad.nn`, the pictures
`scratchgrad.viz`, the command line `scratchgrad.cli`. `nn` and `viz` are imported on
first use, so `import scratchgrad` (and the command line's `--help`) stays light.
"""
import importlib

from .autograd import (OPS, AnomalyError, GradcheckError, GraphFreedError, Op, Tensor, Value,
                       concatenate, detect_anomaly, dot, enable_grad, grad, gradcheck,
                       gradgradcheck, hessian, hvp, is_grad_enabled, jacobian, jvp, maximum,
                       minimum, no_grad, set_grad_enabled, stack, tensor, vjp, where)

__version__ = "0.1.0"

_LAZY = ("nn", "viz", "autograd")


def __getattr__(name):
    """`scratchgrad.nn` and `scratchgrad.viz` load when first asked for."""
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'scratchgrad' has no attribute {name!r}")


__all__ = ["Value", "Tensor", "tensor", "nn", "viz", "autograd", "OPS", "Op", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad", "gradcheck",
           "gradgradcheck", "GradcheckError", "GraphFreedError", "AnomalyError",
           "detect_anomaly", "jvp", "vjp", "jacobian", "hessian", "hvp", "concatenate",
           "stack", "where", "maximum", "minimum", "dot"]
