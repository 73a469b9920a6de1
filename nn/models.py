"""Ready-made models, as plain functions that return a `Sequential` you can read.

model = nn.models.simple_convnet()     # the book's SimpleConvNet (chapter 7)
model = nn.models.deep_convnet()       # in the spirit of the book's chapter 8 net
"""

import numpy as np

from .conv_layers import Conv2d, MaxPool2d
from .convolution import conv_output_shape
from .init import make_rng
from .layers import Dropout, Flatten, Linear, ReLU, Sequential


def simple_convnet(
    input_dim=(1, 28, 28),
    filters=30,
    kernel_size=5,
    hidden=100,
    classes=10,
    *,
    dtype=np.float32,
    seed=None,
):
    """conv(filters @ k x k) - ReLU - max-pool 2 - Linear(hidden) - ReLU - Linear(classes),
    the book's SimpleConvNet (stride 1, no padding); float32 by default, for speed."""
    channels, height, width = input_dim
    gen = make_rng(None, seed)
    oh, ow = conv_output_shape((height, width), kernel_size)
    pooled = filters * (oh // 2) * (ow // 2)
    return Sequential(
        Conv2d(channels, filters, kernel_size, dtype=dtype, rng=gen),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(pooled, hidden, dtype=dtype, rng=gen),
        ReLU(),
        Linear(hidden, classes, dtype=dtype, rng=gen),
    )


def deep_convnet(
    input_dim=(1, 28, 28),
    classes=10,
    widths=(16, 32, 64),
    hidden=128,
    dropout=0.5,
    *,
    dtype=np.float32,
    seed=None,
):
    """Blocks of [3x3 conv (padding 1) - ReLU - 3x3 conv - ReLU - max-pool 2], then
    Linear - ReLU - Dropout - Linear: the shape of the book's chapter-8 network, smaller."""
    channels, height, width = input_dim
    gen = make_rng(None, seed)
    layers = []
    for out_channels in widths:
        layers += [
            Conv2d(channels, out_channels, 3, padding=1, dtype=dtype, rng=gen),
            ReLU(),
            Conv2d(out_channels, out_channels, 3, padding=1, dtype=dtype, rng=gen),
            ReLU(),
            MaxPool2d(2),
        ]
        channels, height, width = out_channels, height // 2, width // 2
    if height < 1 or width < 1:
        raise ValueError(
            f"deep_convnet: {len(widths)} pooling steps are too many for a "
            f"{input_dim[1]}x{input_dim[2]} input; pass fewer widths"
        )
    layers += [
        Flatten(),
        Linear(channels * height * width, hidden, dtype=dtype, rng=gen),
        ReLU(),
        Dropout(dropout, rng=gen),
        Linear(hidden, classes, dtype=dtype, rng=gen),
    ]
    return Sequential(*layers)
