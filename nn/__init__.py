"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""
from . import functional, init, micrograd, optim, scalar, utils
from .checkpoint import CheckpointError, load, save
from .activations import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .containers import ModuleDict, ModuleList, Sequential
from .layers import BatchNorm1d, Dropout, Dropout2d, Flatten, Identity, Linear, mlp
from .conv_layers import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .normalization import LayerNorm
from .dtypes import DtypeMismatchError
from .module import Module, Parameter, StateDictError
from .seeding import manual_seed
from . import data, datasets, models, pretrained
from .data import DataLoader, TensorDataset, one_hot, random_split
from .train import (Callback, EarlyStopping, History, ModelCheckpoint,
                    NonFiniteLossError, evaluate, fit, predict)
# micrograd's `nn` by renaming: `from micrograd import nn; nn.Neuron(2)` becomes
# `from scratchgrad import nn; nn.Neuron(2)` (micrograd's classes, node for node)
from .micrograd import MLP, Layer, Neuron
