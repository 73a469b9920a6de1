"""The corner of torchvision that PyTorch's MNIST examples use, on scratchgrad:
`from torchvision import datasets, transforms` becomes
`from scratchgrad.vision import datasets, transforms`."""

from . import datasets, transforms
