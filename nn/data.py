"""Datasets (미니배치's raw material): `Dataset`, `TensorDataset`, `Subset`,
`ConcatDataset`, `IterableDataset`, splits and scaling.

The `DataLoader` that batches them is in `loader.py` (samplers in `samplers.py`, batch
making in `collate.py`); it is importable from here too.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Tensor
from ..autograd.backend import Array, ArrayLike, is_device_array, namespace
from ..autograd.devices import on_host
from ..autograd.errors import ArgumentError, DtypeError, ShapeError
from ..autograd.tensor import from_numpy
from .init import make_rng

if TYPE_CHECKING:
    from typing_extensions import Self


class _Indexable(Protocol):
    """What a dataset needs to be: a length and items by index (a `Dataset`, a list...)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any, /) -> Any: ...


class Dataset:
    """Anything with `__len__` and `__getitem__(i) -> (x, y)`; `a + b` joins two."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError

    def __add__(self, other: _Indexable) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples (`__iter__`), for data that is read, not indexed: a
    DataLoader batches them in the order they come."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} is a stream and does not know its length")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is a stream: iterate over it")


class ConcatDataset(Dataset):
    """Datasets one after the other (`ds1 + ds2` makes one too)."""

    def __init__(self, datasets: Iterable[_Indexable]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not take an IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: Any) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a dataset of {n} samples")
        index = index + n if index < 0 else index
        part = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]


def _dataset_array(a: ArrayLike | Tensor) -> Array:
    """A TensorDataset's array: numpy's, or a GPU tensor's own (a data set moved to the
    GPU once, as PyTorch code does, stays there)."""
    data: Any = a.data if isinstance(a, Tensor) else a
    return data if is_device_array(data) else np.asarray(data)


class TensorDataset(Dataset):
    """Arrays of equal length, indexed together: `TensorDataset(X, y)[i] == (X[i], y[i])`.

    An item is always a tuple, one entry per array, as in PyTorch (`TensorDataset(X)[i]`
    is `(X[i],)`, and a DataLoader over it yields `(x,)` batches), so code written for
    PyTorch's `batch[0]` gets the batch, never its first row."""

    def __init__(self, *arrays: ArrayLike | Tensor) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays: list[Array] = [_dataset_array(a) for a in arrays]
        # PyTorch's `.tensors`: a Tensor given stays that tensor's storage and version
        # counter (a write through it is counted); an array is wrapped once
        self._tensors = tuple(
            a.detach() if isinstance(a, Tensor) else from_numpy(arr)
            for a, arr in zip(arrays, self.arrays)
        )
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ShapeError(
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
        at = self.indices[index]
        return self.dataset[int(at) if at.ndim == 0 else at]


def random_split(
    dataset: _Indexable,
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
    seed: int | None = None,
) -> list[Subset]:
    """Split into non-overlapping `Subset`s of the given lengths (or fractions), in an
    order drawn from `generator` (PyTorch's `torch.Generator().manual_seed(42)`) or `seed`."""
    n = len(dataset)
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split lengths must not be negative, got {list(lengths)}")
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1.0) < 1e-9:
        counts = [int(np.floor(f * n)) for f in lengths]
        for i in range(n - sum(counts)):  # the remainder, one each in turn (PyTorch's)
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(
            f"random_split lengths {list(lengths)} add up to {sum(lengths)}, "
            f"but the dataset has {n} samples"
        )
    order = make_rng(generator, seed).permutation(n)
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
    X, y = np.asarray(on_host(X)), np.asarray(on_host(y))  # (from GPU tensors too)
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
    """Integer labels (N,) -> one-hot rows (N, C), in an array of the labels' kind
    (numpy, or CuPy for labels on a GPU). C is the largest label + 1 unless given."""
    raw: Any = labels._data if isinstance(labels, Tensor) else labels  # (a CuPy array's
    # .data is its memory pointer, not its numbers)
    xp = namespace(raw) if is_device_array(raw) else np
    found: Any = xp.asarray(raw)
    if found.dtype.kind not in "iu":
        raise DtypeError(f"one_hot needs integer labels, got dtype {found.dtype}")
    if found.size and found.min() < 0:
        raise ArgumentError(f"one_hot labels must be >= 0, got {found.min()}")
    num_classes = int(found.max()) + 1 if num_classes is None else num_classes
    if found.size and found.max() >= num_classes:
        raise ArgumentError(f"label {found.max()} does not fit num_classes={num_classes}")
    return (xp.arange(num_classes) == found[..., None]).astype(dtype)


from .loader import DataLoader  # noqa: E402,F401  (the loader reads the datasets above)
