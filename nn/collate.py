"""How a `DataLoader` makes one batch out of a list of samples: PyTorch's
`default_collate`, for samples of any shape a Dataset returns.

    tensors, arrays  -> one Tensor, stacked on a new first axis, dtype kept
    numbers          -> a Tensor (Python floats float64, ints int64, bools bool)
    strings          -> the list (a tuple inside a sample) as it is
    dicts            -> a dict of batches, key by key
    tuples / lists   -> a list of batches, position by position (PyTorch's list)

A `collate_fn=` of yours replaces it and receives the list of samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor, stack
from ..autograd.backend import is_device_array, namespace
from ..autograd.errors import ShapeError
from ..autograd.tensor import from_numpy


def default_collate(batch: Sequence[Any]) -> Any:
    """One batch from a list of samples, the way PyTorch's `default_collate` makes it."""
    if len(batch) == 0:
        raise ValueError("default_collate needs at least one sample")
    first = batch[0]
    if isinstance(first, Tensor):
        _same_shapes(batch)
        if any(s.requires_grad for s in batch):  # a recorded stack: gradients flow
            return stack(list(batch))
        xp = namespace(first._data)
        return from_numpy(xp.stack([s._data for s in batch]))
    if isinstance(first, np.ndarray) or is_device_array(first):
        if first.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: arrays of dtype {first.dtype} cannot be batched")
        _same_shapes(batch)
        return from_numpy(namespace(first).stack(batch))
    if isinstance(first, (bool, int, float, np.number, np.bool_)):
        return from_numpy(np.asarray(batch, dtype=np.float64 if isinstance(first, float) else None))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: every sample must have the same number of parts")
        parts = [default_collate(column) for column in zip(*batch)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*parts)
        return parts
    raise TypeError(
        "default_collate: a batch must hold Tensors, numpy arrays, numbers, strings, "
        f"dicts or lists of those; found {type(first).__name__} (pass collate_fn= "
        "to batch it your way)"
    )


def default_convert(sample: Any) -> Any:
    """What a loader with `batch_size=None` yields: each sample with its arrays and
    numbers made Tensors, but not stacked (PyTorch's `default_convert`)."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "OSUV":
        return from_numpy(sample)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(v) for v in sample)
    return sample


def _same_shapes(batch: Any) -> None:
    first = batch[0]
    if any(sample.shape != first.shape for sample in batch):
        raise ShapeError(
            f"default_collate: samples of shapes {tuple(first.shape)} and "
            f"{next(tuple(s.shape) for s in batch if s.shape != first.shape)} cannot be "
            "stacked. (A list is a list of samples, as in PyTorch: for whole columns X, y "
            "pass the tuple (X, y), or TensorDataset(X, y).)"
        )
