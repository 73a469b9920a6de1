"""`scratchgrad.optim` is `scratchgrad.nn.optim` under PyTorch's path (`torch.optim`):
`import scratchgrad.optim as optim; optim.SGD(model.parameters(), lr=0.1)`."""
from ..nn.optim import *  # noqa: F401,F403
from ..nn.optim import __all__  # noqa: F401
from . import lr_scheduler  # noqa: F401
