"""The `reduction=` argument every loss takes: "mean" | "sum" | "none".

PyTorch's older `size_average=` / `reduce=` keywords still work (PyTorch translates
them with a deprecation warning, and so do we).
"""

import warnings

REDUCTIONS = ("mean", "sum", "none")


def reduction_of(reduction, size_average=None, reduce=None):
    """The reduction to use, checked; the legacy keywords override it, as in PyTorch."""
    for name, value in (("size_average", size_average), ("reduce", reduce)):
        if value is not None and not isinstance(value, (bool, int)):
            raise TypeError(
                f"{name} must be True, False or None, got {value!r}; pass the "
                f"reduction by keyword (reduction='sum'): PyTorch's losses take "
                "size_average and reduce before it"
            )
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(
            f"size_average and reduce are deprecated (PyTorch's rule); use "
            f"reduction={reduction!r} instead",
            UserWarning,
            stacklevel=3,
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def reduce(losses, reduction):
    """One number (mean or sum) of per-element losses, or the losses themselves."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses
