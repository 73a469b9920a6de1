"""`DataLoader`: mini-batches of a dataset, with PyTorch's arguments and batches.

    for x, y in DataLoader(dataset, batch_size=64, shuffle=True): ...

Which samples, in which order, is a sampler's job (`nn/samplers.py`); how a list of
samples becomes a batch is `collate_fn`'s (`default_collate`, `nn/collate.py`). A
dataset of arrays (`TensorDataset`, or scratchgrad's `(X, y)` tuple) skips both: a
batch is one fancy-indexing call per array, not a Python loop over samples.

scratchgrad's own extras, keyword-only: `seed=` (a shuffle order of its own) and
`dtype=` (the first column cast to it). Given arrays as `(X, y)`, an integer X comes as
floats (the book's images); everything else keeps its dtype, as in PyTorch.
`num_workers`, `pin_memory`, `timeout`, `prefetch_factor`, `persistent_workers` and
`worker_init_fn` are accepted and change nothing: batches are made in the calling
process (PyTorch's `num_workers=0`, where `worker_init_fn` is never called either).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any, cast

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Tensor
from ..autograd.backend import Array, is_device_array
from ..autograd.dtypes import get_default_dtype
from ..autograd.tensor import as_array, from_numpy
from .collate import default_collate, default_convert
from .data import IterableDataset, Subset, TensorDataset, _Indexable
from .init import make_rng
from .samplers import BatchSampler, RandomSampler, Sampler, SequentialSampler


class DataLoader:
    """Mini-batches of a dataset (PyTorch's arguments, in PyTorch's order).

    `shuffle=True` draws a new order each pass, from `generator=` (a
    `scratchgrad.Generator` or numpy Generator), `seed=`, or the generator
    `manual_seed` seeds; `drop_last=True` skips a final short batch; `batch_size=None`
    yields samples one by one, unbatched."""

    def __init__(
        self,
        dataset: _Indexable | Array | Tensor,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[Any] | None = None,
        batch_sampler: Sampler | Iterable[Any] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}")
        self._floats = False  # scratchgrad's (X, y) of arrays: an integer X comes as floats
        if _columns(dataset):
            dataset, self._floats = TensorDataset(*cast(tuple, dataset)), True
        self._bare = isinstance(dataset, (np.ndarray, Tensor))  # rows of one array: x alone
        if isinstance(dataset, (np.ndarray, Tensor)):
            dataset, self._floats = TensorDataset(dataset), isinstance(dataset, np.ndarray)
        self.dataset: Any = dataset
        self._iterable = isinstance(dataset, IterableDataset)
        self._check_options(batch_size, shuffle, sampler, batch_sampler, drop_last)
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.prefetch_factor = worker_init_fn, prefetch_factor
        self.persistent_workers = persistent_workers
        self.collate_fn = collate_fn
        self.dtype = dtype
        self.generator = None if generator is None and seed is None else make_rng(generator, seed)
        if self._iterable:
            self.sampler: Any = None
        elif sampler is not None:
            self.sampler = sampler
        elif self.shuffle:
            self.sampler = RandomSampler(dataset, generator=self.generator)
        else:
            self.sampler = SequentialSampler(dataset)
        if batch_sampler is None and self.batch_size is not None and not self._iterable:
            batch_sampler = BatchSampler(self.sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler

    def _check_options(self, batch_size, shuffle, sampler, batch_sampler, drop_last) -> None:
        """PyTorch's refusals of options that contradict each other."""
        if self._iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError(
                "an IterableDataset gives its own order: shuffle, sampler and "
                "batch_sampler do not apply to it"
            )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                "sampler, and drop_last"
            )

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError when the stream does not know its length
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(cast(Sized, self.batch_sampler))

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._stream()
        elif self.batch_sampler is None:  # batch_size=None: samples one by one
            for index in self.sampler:
                yield (self.collate_fn or default_convert)(self.dataset[index])
        else:
            for indices in self.batch_sampler:
                yield self._batch(indices)

    def _stream(self) -> Iterator[Any]:
        """An IterableDataset's samples, batch_size at a time."""
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            for sample in self.dataset:
                yield (self.collate_fn or default_convert)(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def _batch(self, indices: list[Any]) -> Any:
        arrays = None if self.collate_fn is not None else _array_rows(self.dataset, indices)
        if arrays is None:
            batch = (self.collate_fn or default_collate)([self.dataset[i] for i in indices])
            if self.dtype is not None and self.collate_fn is None:
                batch = _first_cast(batch, self.dtype)
            return batch
        if is_device_array(arrays[0]):
            return self._gpu_batch(arrays)
        if self.dtype is None and self._floats:  # (X, y) arrays: integer X made floats
            x = from_numpy(np.ascontiguousarray(as_array(arrays[0])))
        else:
            x = from_numpy(np.ascontiguousarray(arrays[0], dtype=self.dtype))
        if len(arrays) == 1 and self._bare:
            return x
        # gathered rows are fresh arrays: the tensors can own them; a list, as PyTorch's
        return [x] + [from_numpy(np.ascontiguousarray(c)) for c in arrays[1:]]

    def _gpu_batch(self, arrays: tuple[Array, ...]) -> Any:
        """The rows of a data set that lives on a GPU, gathered there (the same rules as
        for numpy columns: a dtype given, or an integer X of (X, y) made floats)."""
        first = arrays[0]
        if self.dtype is not None:
            first = first.astype(self.dtype)
        elif self._floats and first.dtype.kind in "biu":
            first = first.astype(get_default_dtype())
        tensors = [Tensor(a) for a in (first, *arrays[1:])]
        return tensors[0] if len(arrays) == 1 and self._bare else tensors


def _columns(dataset: Any) -> bool:
    """Is this scratchgrad's `(X, y)` form: a tuple of whole columns (arrays, Tensors or
    nested lists)? (A list is a list of samples, as in PyTorch.) TensorDataset then
    checks that their lengths match."""
    return (
        isinstance(dataset, tuple)
        and len(dataset) >= 2
        and all(
            isinstance(c, list) or (isinstance(c, (np.ndarray, Tensor)) and c.ndim >= 1)
            for c in dataset
        )
    )


def _array_rows(dataset: Any, indices: list[Any]) -> tuple[Array, ...] | None:
    """The batch's rows of an array-backed dataset (a TensorDataset, or Subsets of one)
    by one fancy-indexing call per array; None for any other dataset."""
    at = np.asarray(indices, dtype=np.int64)
    while type(dataset) is Subset:  # (a subclass may change __getitem__)
        at = dataset.indices[at]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:  # a subclass may change __getitem__
        return None
    return tuple(a[at] for a in dataset.arrays)


def _first_cast(batch: Any, dtype: DTypeLike) -> Any:
    """`dtype=`: the batch's first part (x) in that dtype."""
    if isinstance(batch, Tensor):
        return batch.astype(dtype)
    if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], Tensor):
        return type(batch)([batch[0].astype(dtype), *batch[1:]])
    return batch
