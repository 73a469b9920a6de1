"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""
from ._engine_check import require_scratchgrad_autograd

require_scratchgrad_autograd("nn")

from . import functional, init, micrograd, optim, scalar  # noqa: E402
from .checkpoint import CheckpointError, load, save  # noqa: E402
from .layers import (BatchNorm1d, Dropout, Flatten, Identity, Linear, ReLU, mlp,  # noqa: E402
                     Sequential, Sigmoid, Softmax, Tanh)
from .conv_layers import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d  # noqa: E402
from .module import Module, Parameter, StateDictError  # noqa: E402
from .seeding import manual_seed  # noqa: E402
from . import data, datasets, models  # noqa: E402
from .data import DataLoader, TensorDataset, one_hot, random_split  # noqa: E402
from .train import (Callback, EarlyStopping, History, ModelCheckpoint,  # noqa: E402
                    NonFiniteLossError, evaluate, fit, predict)
