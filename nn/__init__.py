"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""
from . import functional, init, micrograd, optim, scalar
from .checkpoint import CheckpointError, load, save
from .layers import (BatchNorm1d, Dropout, Flatten, Identity, Linear, ReLU, mlp,
                     Sequential, Sigmoid, Softmax, Tanh)
from .conv_layers import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .module import Module, Parameter, StateDictError
from .seeding import manual_seed
from . import data, datasets, models, pretrained
from .data import DataLoader, TensorDataset, one_hot, random_split
from .train import (Callback, EarlyStopping, History, ModelCheckpoint,
                    NonFiniteLossError, evaluate, fit, predict)
