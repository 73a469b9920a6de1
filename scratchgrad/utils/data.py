"""PyTorch's `torch.utils.data` path for scratchgrad's data loading (`nn.data`,
`nn.loader`, `nn.samplers`, `nn.collate`)."""

from ..nn.collate import default_collate, default_convert
from ..nn.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ..nn.samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def get_worker_info():
    """None: batches are made in the calling process, never in a worker (PyTorch gives
    None there too)."""
    return None


__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
