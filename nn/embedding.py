"""`Embedding`: a table of learned vectors, looked up by integer ids (makemore's `C[X]`,
a language model's first layer). The lookup is the engine's indexing op, so the
gradient adds each used row's gradients into the table (repeated ids add up)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Tensor, where
from ..autograd.backend import ArrayLike, is_device_array, value_range
from ..autograd.errors import DtypeError, ShapeError
from .dtypes import float_dtype
from .init import make_rng
from .module import Module, Parameter


def embedding(input: ArrayLike | Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """As torch.nn.functional.embedding: rows of `weight` (num, dim) at the integer ids
    `input` (any shape) -> (*input.shape, dim). Rows looked up at `padding_idx` come
    out as zeros and pass no gradient to the table."""
    raw: Any = input._data if isinstance(input, Tensor) else input
    ids = raw if is_device_array(raw) else np.asarray(raw)
    if ids.dtype.kind not in "iu":
        raise DtypeError(
            f"embedding looks rows up by integer ids, got dtype {ids.dtype}; convert with .long()"
        )
    num = weight.shape[0]
    low, high = value_range(ids) if ids.size else (0, 0)
    if low < 0 or high >= num:
        raise IndexError(f"embedding ids must be in [0, {num}), got ids from {low} to {high}")
    rows = weight[ids]
    if padding_idx is None:
        return rows
    if not -num <= padding_idx < num:
        raise ValueError(f"padding_idx must be within num_embeddings ({num}), got {padding_idx}")
    # the stored rows, but the padding id's pass no gradient: `where` sends each
    # position's gradient to the chosen side only, and the other side is a constant
    pads = (ids == padding_idx % num)[..., None]
    return where(pads, rows.detach(), rows)


class Embedding(Module):
    """A (num_embeddings, embedding_dim) table, initialised N(0, 1) as PyTorch's; the
    `padding_idx` row starts at zero and is never trained."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise ValueError(
                "Embedding's max_norm, scale_grad_by_freq and sparse options are not "
                "supported; leave them at their defaults"
            )
        if num_embeddings < 1 or embedding_dim < 1:
            raise ValueError(
                f"Embedding needs positive sizes, got num_embeddings={num_embeddings}, "
                f"embedding_dim={embedding_dim}"
            )
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx must be within num_embeddings, got {padding_idx}")
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        dtype = float_dtype(dtype, "Embedding")
        table = (
            make_rng(rng, seed).standard_normal((num_embeddings, embedding_dim))
            if _weight is None
            else getattr(_weight, "_data", _weight)  # (Parameter copies it, where it is)
        )
        if padding_idx is not None and _weight is None:
            table[padding_idx] = 0
        self.weight = Parameter(table, requires_grad=not _freeze, dtype=dtype)
        if device is not None:
            self._to_device(device)

    @classmethod
    def from_pretrained(
        cls, embeddings: ArrayLike | Tensor, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding a table you have (frozen unless freeze=False)."""
        raw: Any = getattr(embeddings, "_data", embeddings)
        table = raw if is_device_array(raw) else np.asarray(raw)  # a GPU table stays there
        if table.ndim != 2:
            raise ShapeError(f"from_pretrained needs a 2-D table, got shape {table.shape}")
        num, dim = table.shape
        return cls(
            num,
            dim,
            padding_idx=padding_idx,
            _weight=table,
            _freeze=freeze,
            dtype=table.dtype if table.dtype.kind == "f" else None,
        )

    def forward(self, input: ArrayLike | Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
