"""PyTorch's `torch.utils.data` path for scratchgrad's data loading (`nn.data`)."""

from ..nn.data import DataLoader, Dataset, Subset, TensorDataset, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "random_split"]
