"""`cdist`: the p-norm distance between every row of one batch of matrices and every row
of another (torch.cdist), composed of table ops.

    d[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p

The differences are formed whole, (..., P, R, M), and their norm taken (`Tensor.norm`),
so the gradient at a distance of 0 is 0, as PyTorch's, not NaN; except for p = 2 on
more than 25 rows, where PyTorch's matrix-product shortcut keeps memory at (P, R). For p = inf every
coordinate that ties for the largest difference gets the full gradient (PyTorch's
cdist), where `amax` would share it out.
"""

from __future__ import annotations

import math
from typing import Any

from .node import Node
from .tensor import Tensor, tensor, where

COMPUTE_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


def cdist(
    x1: Any,
    x2: Any,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """As torch.cdist: x1 (B..., P, M) and x2 (B..., R, M), batch axes broadcast, give
    the (B..., P, R) distances. compute_mode as PyTorch's: for p = 2 on more than 25
    rows (or "use_mm_for_euclid_dist") by matrix products, else the differences."""
    a = x1 if isinstance(x1, Node) else tensor(x1)
    b = x2 if isinstance(x2, Node) else tensor(x2)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("cdist takes Tensors")
    for name, x in (("X1", a), ("X2", b)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"cdist: X1 is {a.dtype} but X2 is {b.dtype} (PyTorch refuses mixed dtypes "
            "too); convert one of them"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for i, (m, n) in enumerate(zip(a.shape[-3::-1], b.shape[-3::-1])):
        if m != n and 1 not in (m, n):
            raise RuntimeError(
                f"cdist: The size of tensor a ({m}) must match the size of tensor b ({n}) "
                f"at non-singleton batch dimension {-3 - i} (shapes {a.shape} and {b.shape})"
            )
    rows = max(a.shape[-2], b.shape[-2])
    by_products = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == COMPUTE_MODES[0] and rows > 25
    )
    if p == 2 and by_products and a.shape[-1]:
        return _euclidean_by_products(a, b)
    diff = a.unsqueeze(-2) - b.unsqueeze(-3)  # (..., P, R, M)
    if diff.shape[-1] == 0:  # rows of no coordinates: all at distance 0
        return diff.abs().sum(-1)
    if p == 0:  # how many coordinates differ: a step, whose gradient is 0 (as PyTorch's)
        return diff.norm(0.0, -1) + where(False, diff, 0.0).sum(-1)
    if p != math.inf:
        return diff.norm(float(p), -1)
    size = diff.abs()
    largest = size.amax(-1, keepdim=True)
    ties = size.data == largest.data
    # the largest value itself, plus 0 that carries the gradient to every tied coordinate
    return largest.detach().squeeze(-1) + where(ties, size - size.detach(), 0.0).sum(-1)


def _euclidean_by_products(a, b):
    """p = 2 as PyTorch's matrix-product shortcut: |a|^2 + |b|^2 - 2 a b^T, without the
    (P, R, M) differences (a 10,000 x 10,000 x 64 float64 batch would be 51 GB). Rounding
    can make a tiny squared distance negative: clamped to 0, whose gradient is 0 (the
    square root's infinite slope at 0 never enters: both `where`s select)."""
    squared = (
        (a * a).sum(-1, keepdim=True)
        + (b * b).sum(-1).unsqueeze(-2)
        - 2.0 * (a @ b.transpose(-2, -1))
    )
    positive = squared.data > 0
    return where(positive, where(positive, squared, 1.0).sqrt(), 0.0)
