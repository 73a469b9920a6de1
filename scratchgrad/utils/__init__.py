"""PyTorch's `torch.utils` path: `from scratchgrad.utils.data import DataLoader`."""

from . import data
