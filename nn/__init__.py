"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""
from ._engine_check import require_scratchgrad_autograd

require_scratchgrad_autograd("nn")

from . import functional, init, optim, scalar  # noqa: E402
from .checkpoint import CheckpointError, load, save  # noqa: E402
from .layers import (BatchNorm1d, Dropout, Flatten, Identity, Linear, ReLU,  # noqa: E402
                     Sequential, Sigmoid, Softmax, Tanh)
from .module import Module, Parameter, StateDictError  # noqa: E402
