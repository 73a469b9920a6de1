"""Datasets and mini-batches (미니배치): the input side of training.

`DataLoader` yields `(x, y)` batches of `Tensor`s, as PyTorch's does: `x` in a float
dtype, `y` keeping its own (integer labels stay int64, as `cross_entropy` wants).
Shuffling uses its own seeded generator, so a run is reproducible and every sample
appears exactly once per epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Tensor
from ..autograd.backend import Array, ArrayLike
from ..autograd.tensor import as_array, from_numpy
from .init import make_rng

if TYPE_CHECKING:
    from typing_extensions import Self


class _Indexable(Protocol):
    """What a dataset needs to be: a length and items by index (a `Dataset`, a list...)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any, /) -> Any: ...


class Dataset:
    """Anything with `__len__` and `__getitem__(i) -> (x, y)`."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Arrays of equal length, indexed together: `TensorDataset(X, y)[i] == (X[i], y[i])`.

    An item is always a tuple, one entry per array, as in PyTorch (`TensorDataset(X)[i]`
    is `(X[i],)`, and a DataLoader over it yields `(x,)` batches), so code written for
    PyTorch's `batch[0]` gets the batch, never its first row."""

    def __init__(self, *arrays: ArrayLike | Tensor) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays: list[Array] = [np.asarray(getattr(a, "data", a)) for a in arrays]
        # PyTorch's `.tensors`: a Tensor given stays that tensor's storage and version
        # counter (a write through it is counted); an array is wrapped once
        self._tensors = tuple(
            a.detach() if isinstance(a, Tensor) else from_numpy(arr)
            for a, arr in zip(arrays, self.arrays)
        )
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(
                f"TensorDataset arrays have different lengths "
                f"{[len(a) for a in self.arrays]}; they must match"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(a[index] for a in self.arrays)

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The data as Tensors sharing its memory and version counters (PyTorch's)."""
        return self._tensors


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order, without copying them (what
    `random_split` returns: a training and a validation part of one dataset)."""

    def __init__(self, dataset: _Indexable, indices: ArrayLike) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        return self.dataset[self.indices[index]]


def _gather(dataset: _Indexable, indices: Array) -> tuple[Array, ...]:
    """Batch rows, one array per column: one fancy-indexing call for array-backed
    datasets, else a loop (a dataset of single items gives one column)."""
    if isinstance(dataset, TensorDataset):
        return tuple(a[indices] for a in dataset.arrays)
    if isinstance(dataset, Subset):
        return _gather(dataset.dataset, dataset.indices[indices])
    samples = [dataset[int(i)] for i in indices]
    if not isinstance(samples[0], tuple):  # a dataset of single items
        samples = [(sample,) for sample in samples]
    return tuple(np.stack([_host(item) for item in column]) for column in zip(*samples))


def _tuple_items(dataset: _Indexable) -> bool:
    """Whether the dataset's items are tuples (then batches are tuples too, as PyTorch's)."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset) or (
        len(dataset) > 0 and isinstance(dataset[0], tuple)
    )


def _host(item: object) -> Any:
    return item._data if isinstance(item, Tensor) else item


class DataLoader:
    """Mini-batches of a dataset: `for x, y in DataLoader(ds, batch_size=32, shuffle=True)`.

    Every column comes as a `Tensor`: `x` in a float dtype (float32/float64 kept, or
    `dtype=`), the others (labels, weights) in their own dtype. With `drop_last=True` a
    final short batch is skipped. `seed` fixes the shuffle order. `num_workers` and
    `pin_memory` (PyTorch's) are accepted and do nothing: batches are made in-process.
    """

    def __init__(
        self,
        dataset: _Indexable | Array | Tensor,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        dtype: DTypeLike | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if (
            isinstance(dataset, (tuple, list))
            and len(dataset) >= 2
            and all(hasattr(part, "__len__") for part in dataset)
        ):
            dataset = TensorDataset(*dataset)  # (X, y) or (X, y, w): batches of each
        # rows of one array, or a dataset whose items are not tuples: batches of x alone;
        # a TensorDataset's items are tuples, so its batches are too, even of one column
        self._bare = isinstance(dataset, (np.ndarray, Tensor))
        if isinstance(dataset, (np.ndarray, Tensor)):
            dataset = TensorDataset(dataset)
        self.dataset: _Indexable = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.dtype = dtype
        self.rng: np.random.Generator = make_rng(None, seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        bare = self._bare or not _tuple_items(self.dataset)
        for start in range(0, stop, self.batch_size):
            columns = _gather(self.dataset, order[start : start + self.batch_size])
            x = from_numpy(np.ascontiguousarray(as_array(columns[0], self.dtype)))
            if len(columns) == 1 and bare:
                yield x
            else:  # gathered rows are fresh arrays: the tensors can own them
                yield (x,) + tuple(from_numpy(np.ascontiguousarray(c)) for c in columns[1:])


def random_split(
    dataset: _Indexable, lengths: Sequence[int | float], seed: int | None = None
) -> list[Subset]:
    """Split into non-overlapping `Subset`s of the given lengths (or fractions)."""
    n = len(dataset)
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split lengths must not be negative, got {list(lengths)}")
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1.0) < 1e-9:
        counts = [int(np.floor(f * n)) for f in lengths]
        counts[0] += n - sum(counts)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(
            f"random_split lengths {list(lengths)} add up to {sum(lengths)}, "
            f"but the dataset has {n} samples"
        )
    order = make_rng(None, seed).permutation(n)
    bounds = np.cumsum([0, *lengths])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float = 0.2,
    seed: int | None = None,
    stratify: bool = True,
) -> tuple[Array, Array, Array, Array]:
    """(X_train, X_test, y_train, y_test), shuffled; classes kept in proportion."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size}")
    rng = make_rng(None, seed)
    groups = (
        [np.flatnonzero(y == c) for c in np.unique(y)]
        if stratify and y.dtype.kind in "iub"
        else [np.arange(len(y))]
    )
    test = np.concatenate([rng.permutation(g)[: int(round(len(g) * test_size))] for g in groups])
    if len(test) == 0 or len(test) == len(y):
        side = "test" if len(test) == 0 else "training"
        raise ValueError(
            f"train_test_split: test_size={test_size} of {len(y)} samples "
            f"(split per class) leaves the {side} set empty; use a test_size "
            "that gives each side at least one sample per class"
        )
    mask = np.zeros(len(y), dtype=bool)
    mask[test] = True
    train_idx, test_idx = rng.permutation(np.flatnonzero(~mask)), rng.permutation(test)
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


class Standardizer:
    """x -> (x - mean) / std, with mean and std learned from the training data only."""

    mean: Array
    std: Array

    def fit(self, X: ArrayLike) -> Self:
        """Learn each feature's mean and standard deviation from `X` (training data only).
        Returns self."""
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(axis=0)
        self.std = X.std(axis=0)
        self.std[self.std == 0] = 1.0  # constant features stay finite
        return self

    def transform(self, X: ArrayLike) -> Array:
        """`X` standardised with the statistics `fit` learned (float64)."""
        if not hasattr(self, "mean"):
            raise RuntimeError("Standardizer.transform before fit(): call fit(X_train)")
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.std

    def fit_transform(self, X: ArrayLike) -> Array:
        """`fit(X)`, then `transform(X)`: the training data standardised."""
        return self.fit(X).transform(X)


def standardize(X_train: ArrayLike, *others: ArrayLike) -> tuple[Array, ...]:
    """Standardise `X_train` and any other arrays with the training statistics."""
    scaler = Standardizer().fit(X_train)
    return tuple(scaler.transform(x) for x in (X_train, *others))


def one_hot(
    labels: ArrayLike | Tensor, num_classes: int | None = None, dtype: DTypeLike = np.float64
) -> Array:
    """Integer labels (N,) -> one-hot rows (N, C)."""
    labels = np.asarray(getattr(labels, "data", labels))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer labels, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot labels must be >= 0, got {labels.min()}")
    num_classes = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"label {labels.max()} does not fit num_classes={num_classes}")
    out = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out
