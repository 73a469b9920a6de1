"""Gradient clipping, in place, for Tensor and Value parameters (torch.nn.utils names).

clip_grad_norm_: if the total norm ||g|| = (sum_i ||g_i||^p)^(1/p) of all gradients
exceeds max_norm, scale every gradient by max_norm / (||g|| + 1e-6). The direction of
the step is kept; only its length is capped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeAlias, Union

import numpy as np

from ...autograd import Tensor, Value
from ...autograd.backend import Array, is_device_array, namespace, quiet

#: What the clipping functions take: one parameter or an iterable of them.
Parameters: TypeAlias = Union[Tensor, Value, Iterable[Union[Tensor, Value]]]


def _grads(parameters: Parameters) -> list[Tensor | Value]:
    if isinstance(parameters, (Tensor, Value)):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _array(grad: Any) -> Array:
    """A gradient's numbers in float64, on the device they are on."""
    data = grad.data if isinstance(grad, Tensor) else grad
    xp = namespace(data) if is_device_array(data) else np  # a Value's float: numpy
    return xp.asarray(data, dtype=xp.float64)


def _vector_norm(flat: Array, norm_type: float) -> Array:
    """torch.linalg.vector_norm, as a 0-d array on flat's device: inf is the largest |g|,
    -inf the smallest, 0 the number of non-zeros, p (sum |g|^p)^(1/p)."""
    xp = namespace(flat)
    flat = xp.abs(flat)
    if not flat.size:
        return xp.asarray(math.inf if norm_type == -math.inf else 0.0)
    if norm_type == math.inf:
        return flat.max()
    if norm_type == -math.inf:
        return flat.min()
    if norm_type == 0:
        return (flat != 0).sum().astype(xp.float64)
    with quiet(xp):
        return (flat**norm_type).sum() ** (1.0 / norm_type)


def _total_norm(grads: list[Any], norm_type: float) -> float:
    """PyTorch's total: the norm of the per-parameter norms (for p-norms, the norm of all
    gradients as one vector). Computed where the gradients are; one number comes back."""
    per_parameter = [_vector_norm(_array(g).reshape(-1), norm_type) for g in grads]
    return float(_vector_norm(namespace(per_parameter[0]).stack(per_parameter), norm_type))


class NonFiniteNormError(RuntimeError, FloatingPointError):
    """The total gradient norm is NaN or inf (PyTorch raises RuntimeError here)."""


def clip_grad_norm_(
    parameters: Parameters,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> float:
    """Scale gradients so their total `norm_type`-norm is at most `max_norm`.
    Returns the total norm before clipping: a float (numpy's float64, so PyTorch's
    `clip_grad_norm_(...).item()` works too). A NaN or inf norm scales every gradient
    by NaN or 0, as PyTorch's does, unless `error_if_nonfinite` raises instead.
    `foreach` picks PyTorch's kernels, not the numbers: accepted at any value."""
    params = _grads(parameters)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    try:
        norm_type = float(norm_type)  # "inf" works, as in PyTorch
    except (TypeError, ValueError):
        raise ValueError(
            f"clip_grad_norm_: norm_type must be a number or 'inf', got {norm_type!r}"
        ) from None
    if not params:
        return np.float64(0.0)
    total = np.float64(_total_norm([p.grad for p in params], norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise NonFiniteNormError(
            f"clip_grad_norm_: the total gradient norm is {total}; a gradient holds NaN or inf"
        )
    scale = max_norm / (total + 1e-6)
    if not scale >= 1.0:  # PyTorch scales by min(scale, 1), so never up (NaN: by NaN)
        for p in params:
            if isinstance(p, Value) or isinstance(p.grad, Tensor) or p.grad.dtype.kind != "f":
                p.grad = p.grad * scale  # a Tensor (create_graph) or an integer array
            else:
                p.grad *= p.grad.dtype.type(scale)
    return total


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -clip_value), clip_value)
        elif isinstance(p.grad, Tensor):  # a gradient with its own graph
            p.grad = p.grad.clip(-clip_value, clip_value)
        else:
            namespace(p.grad).clip(p.grad, -clip_value, clip_value, out=p.grad)
