"""`scratchgrad.optim` is `scratchgrad.nn.optim` under PyTorch's path (`torch.optim`):
`import scratchgrad.optim as optim; optim.SGD(model.parameters(), lr=0.1)`."""

from ..nn.optim import *  # noqa: F403
from ..nn.optim import __all__
from . import lr_scheduler
