"""`EmbeddingBag`: the sum, mean or max of each bag of looked-up rows, without making the
(bags, ids, dim) tensor of the rows one by one (PyTorch's text-classification model:
`EmbeddingBag(vocab, dim)` over a 1-D batch of token ids and the offsets where each
text starts, then a Linear).

Built from the engine's ops, so gradients flow as in PyTorch: the rows are one gather
(`weight[ids]`, whose gradient adds back into the table); a bag's sum is the
`scatter_add` op (the gather's own gradient op, so repeated ids accumulate), the mean
divides it by the bag's count, and the max pads the bags to one length and reduces.
Entries equal to `padding_idx` are left out of their bag (and of the mean's count);
an empty bag gives zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import OPS, Tensor, where
from ..autograd.backend import ArrayLike, is_device_array, namespace
from ..autograd.devices import on_host
from ..autograd.errors import ShapeError
from .dtypes import float_dtype
from .embedding import embedding
from .init import make_rng
from .module import Module, Parameter

MODES = ("sum", "mean", "max")


def _padding(padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"padding_idx must be within num_embeddings ({num}), got {padding_idx}")
    return int(padding_idx) % num


def _bags(
    ids: np.ndarray, offsets: Any, include_last_offset: bool, who: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """(the ids the bags use, each one's bag number, how many bags) of a 1-D input."""
    if offsets is None:
        raise ValueError(f"{who}: offsets has to be a 1D Tensor but got None")
    starts = on_host(offsets)
    if starts.ndim != 1:
        raise ShapeError(f"{who}: offsets has to be a 1D Tensor, got shape {starts.shape}")
    if starts.dtype.kind not in "iu":
        raise TypeError(f"{who}: offsets must be integers, got dtype {starts.dtype}")
    starts = starts.astype(np.int64)
    if include_last_offset:
        if starts.size == 0:
            raise ValueError(f"{who}: include_last_offset=True needs at least one offset")
        starts, end = starts[:-1], int(starts[-1])
    else:
        end = ids.size
    if starts.size and starts[0] != 0:
        raise ValueError(
            f"{who}: offsets[0] has to be 0, i.e. the first bag starts at position 0; "
            f"got {int(starts[0])}"
        )
    bounds = np.append(starts, end)
    if (np.diff(bounds) < 0).any() or end > ids.size:
        raise ValueError(
            f"{who}: offsets must not decrease and must end within the input's length "
            f"{ids.size}, got {bounds.tolist() if include_last_offset else starts.tolist()}"
        )
    return ids[:end], np.repeat(np.arange(starts.size), np.diff(bounds)), int(starts.size)


def _renorm_(weight: Tensor, ids: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's `max_norm`: each row looked up whose `norm_type`-norm exceeds max_norm
    is scaled down to it, in place and outside the graph (a counted edit)."""
    rows = np.unique(ids)
    data = weight._data
    xp = namespace(data)
    at = xp.asarray(rows)
    norms = on_host(xp.linalg.norm(data[at], ord=norm_type, axis=1))
    big = norms > max_norm
    if big.any():
        scale = max_norm / (norms[big] + 1e-7)

        def edit() -> None:
            data[xp.asarray(rows[big])] *= xp.asarray(scale, dtype=data.dtype)[:, None]

        weight.edit_in_place(edit)


def embedding_bag(
    input: ArrayLike | Tensor,
    weight: Tensor,
    offsets: ArrayLike | Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | ArrayLike | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """As torch.nn.functional.embedding_bag: for each bag of ids, the sum, mean or max of
    their rows of `weight` (num, dim) -> (bags, dim).

    `input` is 2-D (bags of one length; `offsets` must be None) or 1-D with `offsets`,
    where each bag starts (`include_last_offset=True`: one more offset, the end of the
    last bag). `per_sample_weights` (input's shape, mode="sum" only) scales each row
    before the sum. Ids equal to `padding_idx` are left out of their bag and of the
    mean's count; an empty bag gives zeros. `max_norm` rescales the rows looked up in
    place first, as PyTorch's. `scale_grad_by_freq=True` and `sparse=True` raise
    NotImplementedError."""
    who = "embedding_bag"
    ids = on_host(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"{who} looks rows up by integer ids, got dtype {ids.dtype}; convert with .long()"
        )
    if weight.ndim != 2:
        raise ShapeError(f"{who}: weight has to be a 2D Tensor, but got {weight.ndim} dimensions")
    if per_sample_weights is not None and tuple(np.shape(per_sample_weights)) != ids.shape:
        raise ShapeError(
            f"{who}: If per_sample_weights ({tuple(np.shape(per_sample_weights))}) is not "
            f"None, then it must have the same shape as the input ({ids.shape})"
        )
    if mode not in MODES:
        raise ValueError(f"{who}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError(
            f"{who}: sparse=True (sparse gradients) is not supported; scratchgrad's "
            "gradients are dense, so leave sparse=False"
        )
    if scale_grad_by_freq:
        raise NotImplementedError(
            f"{who}: scale_grad_by_freq=True is not supported (PyTorch's CPU kernel does "
            "not divide by each id's own count, and scratchgrad does not copy that)"
        )
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"{who}: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode={mode!r})"
        )
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{who}: if input is 2D, then offsets has to be None, as input is treated "
                "as a mini-batch of fixed length sequences"
            )
        count, length = ids.shape
        used, bag = ids.reshape(-1), np.repeat(np.arange(count), length)
    elif ids.ndim == 1:
        used, bag, count = _bags(ids, offsets, include_last_offset, who)
    else:
        raise ShapeError(f"{who}: input has to be 1D or 2D Tensor, but got {ids.ndim} dimensions")
    num, dim = weight.shape
    if used.size and (int(used.min()) < 0 or int(used.max()) >= num):
        raise IndexError(
            f"{who}: ids must be in [0, {num}), got ids from {int(used.min())} to {int(used.max())}"
        )
    pad = _padding(padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, ids.reshape(-1), max_norm, norm_type)
    keep = np.flatnonzero(used != pad) if pad is not None else np.arange(used.size)
    used, bag = used[keep], bag[keep]
    sizes = np.bincount(bag, minlength=count)
    xp = namespace(weight._data)
    if mode == "max" and used.size:
        return _bag_max(weight, used, bag, sizes, xp)
    rows = embedding(xp.asarray(used), weight)
    if per_sample_weights is not None:
        weights = per_sample_weights
        if not isinstance(weights, Tensor):
            weights = Tensor(xp.asarray(weights, dtype=rows.dtype))
        rows = rows * weights.reshape(-1)[xp.asarray(keep)].reshape(-1, 1)
    total = Tensor._apply(OPS["scatter_add"], (rows,), shape=(count, dim), index=xp.asarray(bag))
    if mode == "mean":
        total = total / xp.asarray(np.maximum(sizes, 1)[:, None], dtype=total.dtype)
    return total


def _bag_max(
    weight: Tensor, used: np.ndarray, bag: np.ndarray, sizes: np.ndarray, xp: Any
) -> Tensor:
    """Each bag's largest entries: the bags padded to one length, the padding at -inf."""
    width = int(sizes.max())
    position = np.arange(used.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    grid = np.zeros((sizes.size, width), np.int64)
    filled = np.zeros((sizes.size, width, 1), bool)
    grid[bag, position] = used
    filled[bag, position] = True
    rows = weight[xp.asarray(grid)]
    low = xp.asarray(-np.inf, dtype=rows.dtype)
    largest = where(filled, rows, low).max(axis=1)
    return where((sizes > 0)[:, None], largest, xp.asarray(0, dtype=rows.dtype))


class EmbeddingBag(Module):
    """A (num_embeddings, embedding_dim) table, initialised N(0, 1) as PyTorch's, whose
    forward(input, offsets=None, per_sample_weights=None) gives each bag's sum, mean
    or max of rows (`embedding_bag`); the `padding_idx` row starts at zero and never
    counts."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if num_embeddings < 1 or embedding_dim < 1:
            raise ValueError(
                f"EmbeddingBag needs positive sizes, got num_embeddings={num_embeddings}, "
                f"embedding_dim={embedding_dim}"
            )
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        if sparse or scale_grad_by_freq:
            raise NotImplementedError(
                "EmbeddingBag: sparse=True (sparse gradients) and scale_grad_by_freq=True "
                "are not supported; leave them False"
            )
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding(padding_idx, num_embeddings)
        if _weight is None:
            table = make_rng(rng, seed).standard_normal((num_embeddings, embedding_dim))
            if self.padding_idx is not None:
                table[self.padding_idx] = 0
            dtype = float_dtype(dtype, "EmbeddingBag")
        else:
            raw = getattr(_weight, "_data", _weight)  # (a GPU table stays there: Parameter
            table = raw if is_device_array(raw) else np.array(raw)  # copies it)
            if table.shape != (num_embeddings, embedding_dim):
                raise ShapeError(
                    f"EmbeddingBag: _weight has shape {table.shape}, expected "
                    f"({num_embeddings}, {embedding_dim})"
                )
            dtype = table.dtype if table.dtype.kind == "f" and dtype is None else dtype
            dtype = float_dtype(dtype, "EmbeddingBag")
        self.weight = Parameter(table, dtype=dtype)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset
        if device is not None:
            self._to_device(device)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: ArrayLike | Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag holding a table you have (frozen unless freeze=False)."""
        raw: Any = getattr(embeddings, "_data", embeddings)
        table = raw if is_device_array(raw) else np.asarray(raw)
        if table.ndim != 2:
            raise ShapeError(f"from_pretrained needs a 2-D table, got shape {table.shape}")
        rows, cols = table.shape
        bag = cls(
            rows,
            cols,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            _weight=table,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
        bag.weight.requires_grad_(not freeze)
        return bag

    def forward(
        self,
        input: ArrayLike | Tensor,
        offsets: ArrayLike | Tensor | None = None,
        per_sample_weights: Tensor | None = None,
    ) -> Tensor:
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx!r}"
        return text
