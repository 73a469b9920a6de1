"""Weights that scratchgrad trained itself, shipped for the lessons that the book runs for
hours (as the book ships its own sample_weight.pkl and params.pkl).

    model = nn.pretrained.load("mnist_deep_convnet")      # a model with its weights
    state = nn.pretrained.state_dict("mnist_three_layer_mlp")

`tools/train_pretrained.py NAME` reproduces each file (seeded); the test accuracy each
reaches on MNIST's 10,000 test images is in `ACCURACY` and is checked by the test suite
whenever MNIST is at hand.
"""

from pathlib import Path

import numpy as np

from ..checkpoint import load as _load
from ..layers import Linear, Sequential, Sigmoid
from ..models import deep_convnet

FOLDER = Path(__file__).resolve().parent


def three_layer_mlp(dtype=np.float32):
    """The book's chapter-3 network: 784-50-100-10 with sigmoid hidden layers (its
    sample_weight.pkl has the same shapes, stored (in, out); ours are (out, in))."""
    return Sequential(
        Linear(784, 50, dtype=dtype),
        Sigmoid(),
        Linear(50, 100, dtype=dtype),
        Sigmoid(),
        Linear(100, 10, dtype=dtype),
    )


ARCHITECTURES = {
    "mnist_three_layer_mlp": three_layer_mlp,
    "mnist_deep_convnet": lambda dtype=np.float32: deep_convnet(dtype=dtype),
}
# test accuracy on MNIST's 10,000 test images, as tools/train_pretrained.py printed it
# (tests/nn/test_pretrained.py checks it again whenever MNIST is at hand)
ACCURACY = {
    "mnist_three_layer_mlp": 0.9656,  # SGD 0.5, batch 100, 10 epochs
    "mnist_deep_convnet": 0.9915,
}  # Adam 1e-3, batch 100, 8 epochs


def path(name):
    """The file holding `name`'s weights."""
    if name not in ARCHITECTURES:
        raise KeyError(f"no pretrained weights named {name!r}; available: {sorted(ARCHITECTURES)}")
    return FOLDER / f"{name}.safetensors"


def state_dict(name):
    """The shipped weights as a state_dict of float32 arrays."""
    return _load(path(name))


def load(name, dtype=np.float32):
    """The model `name` with its shipped weights, in eval mode."""
    model = ARCHITECTURES[name](dtype=dtype)
    model.load_state_dict({k: np.asarray(v, dtype=dtype) for k, v in state_dict(name).items()})
    return model.eval()
