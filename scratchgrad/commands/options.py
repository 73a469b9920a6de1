"""What the commands accept, as plain data: choices, defaults, data set shapes.

The parser (`scratchgrad.cli`) lists these in `--help` and checks flags against them
without importing `nn` or `viz`, so `scratchgrad --help` and a mistyped flag answer at
once; the commands read the same tables. tests/cli/test_options.py checks every name
and shape here against the libraries, so the two cannot drift apart.
"""

from typing import NamedTuple

OUT_DIR = "scratchgrad-out"  # demo and train write their files here

# --- demo -------------------------------------------------------------------------------
DEMO_STEPS = 100  # micrograd's moons demo: full-batch SGD steps
DEMO_EPOCHS = 30  # the digits MLP

# --- train ------------------------------------------------------------------------------


class DataSet(NamedTuple):
    """What a model needs to know before the data is loaded."""

    features: int  # inputs per sample (pixels for images)
    classes: int
    image_side: int = 0  # side of the square image; 0: not images


DATASETS = {
    "xor": DataSet(2, 2),
    "moons": DataSet(2, 2),
    "circles": DataSet(2, 2),
    "spiral": DataSet(2, 3),
    "digits": DataSet(64, 10, image_side=8),
    "mnist": DataSet(784, 10, image_side=28),
}
IMAGE_DATASETS = tuple(name for name, data in DATASETS.items() if data.image_side)
MNIST_DEFAULT_ROOT = "$SCRATCHGRAD_MNIST or ~/.scratchgrad/mnist"  # nn.datasets.mnist's

MODELS = ("mlp", "cnn")
ACTIVATIONS = ("relu", "tanh", "sigmoid")  # nn.mlp's
OPTIMIZERS = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "adagrad": "Adagrad",  # nn.optim's
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
}

DEFAULT_MODEL = "mlp"
DEFAULT_ACTIVATION = "relu"
DEFAULT_OPTIMIZER = "adam"
DEFAULT_EPOCHS = 20
DEFAULT_SEED = 0
DEFAULT_HIDDEN = {"mlp": (64, 64), "cnn": (100,)}  # cnn: the book's dense layer
DEFAULT_BATCH_SIZE = {"mlp": 32, "cnn": 100}  # cnn: the book's
# The learning rate when --lr is not given, by optimizer and by what is trained. XOR is
# four points (one step an epoch): the adaptive optimizers need a larger step there.
LR_COLUMNS = ("mlp", "cnn", "xor")
DEFAULT_LR = {
    "sgd": {"mlp": 0.1, "cnn": 0.1, "xor": 0.1},
    "momentum": {"mlp": 0.1, "cnn": 0.1, "xor": 0.1},
    "adagrad": {"mlp": 0.1, "cnn": 0.1, "xor": 0.1},
    "rmsprop": {"mlp": 3e-3, "cnn": 1e-3, "xor": 1e-2},
    "adam": {"mlp": 3e-3, "cnn": 1e-3, "xor": 1e-2},
    "adamw": {"mlp": 3e-3, "cnn": 1e-3, "xor": 1e-2},
}


class ConvLayout(NamedTuple):
    """The book's SimpleConvNet sized for an image: one conv layer, stride 1, no padding,
    then a 2x2 max-pool."""

    filters: int
    kernel: int


CNN_LAYOUT = {"digits": ConvLayout(16, 3), "mnist": ConvLayout(30, 5)}

# --- graph ------------------------------------------------------------------------------
GRAPH_FILE = "graph.svg"  # --out's default, and the file written into a folder


def default_lr(optimizer, model, dataset):
    """DEFAULT_LR's entry for this run."""
    return DEFAULT_LR[optimizer]["xor" if dataset == "xor" else model]
