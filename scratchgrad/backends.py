"""PyTorch's `torch.backends.mps.is_available()`: False here (no Apple GPU support)."""

from .autograd.devices import mps  # noqa: F401
