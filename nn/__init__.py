"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""

from . import data, datasets, functional, init, micrograd, models, optim, pretrained, scalar, utils
from .activations import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .adaptive_max import AdaptiveMaxPool1d, AdaptiveMaxPool2d
from .attention import MultiheadAttention
from .bilinear import Bilinear
from .checkpoint import CheckpointError, load, save
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv1d import AvgPool1d, Conv1d, MaxPool1d, MaxUnpool1d
from .conv_layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    MaxPool2d,
    MaxUnpool2d,
)
from .conv_transpose import ConvTranspose2d
from .data import DataLoader, TensorDataset, one_hot, random_split
from .dtypes import DtypeMismatchError
from .embedding import Embedding
from .embedding_bag import EmbeddingBag
from .fold_layers import Fold, Unfold
from .group_norm import GroupNorm, InstanceNorm1d, InstanceNorm2d
from .interpolate import (
    PixelShuffle,
    PixelUnshuffle,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from .layers import (
    BatchNorm1d,
    CosineSimilarity,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    Linear,
    PairwiseDistance,
    Unflatten,
    mlp,
)
from .local_response_norm import LocalResponseNorm
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)

# micrograd's `nn` by renaming: `from micrograd import nn; nn.Neuron(2)` becomes
# `from scratchgrad import nn; nn.Neuron(2)` (micrograd's classes, node for node)
from .micrograd import MLP, Layer, Neuron
from .module import Module, Parameter, StateDictError
from .more_activation_layers import (
    CELU,
    ELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SiLU,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .normalization import LayerNorm
from .padding_layers import (
    CircularPad1d,
    CircularPad2d,
    ConstantPad1d,
    ConstantPad2d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    ZeroPad1d,
    ZeroPad2d,
)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .rms_norm import RMSNorm
from .seeding import manual_seed
from .train import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    NonFiniteLossError,
    evaluate,
    fit,
    predict,
)
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)


def __getattr__(name):
    """A PyTorch name scratchgrad.nn does not have: say so, and where the list is."""
    raise AttributeError(
        f"module 'scratchgrad.nn' has no attribute {name!r}. scratchgrad.nn has the part "
        "of torch.nn that its lessons and the common tutorials use; README.md ('Coming "
        "from PyTorch') says what differs"
    )
