"""scratchgrad: a readable autograd engine, its neural-network layer and its drawings.

    from scratchgrad import Value, Tensor, nn, viz
    a = Value(-4.0); b = Value(2.0)
    c = (a * b + b ** 3).tanh(); c.backward(); a.grad      # like micrograd

One renamed import away from PyTorch and from micrograd:

    import scratchgrad as torch                  # torch.tensor, torch.zeros, torch.no_grad,
    import scratchgrad.nn as nn                  # nn.Linear, nn.functional as F, ...
    import scratchgrad.optim as optim            # optim.SGD, optim.lr_scheduler.StepLR
    from scratchgrad.utils.data import DataLoader
    from scratchgrad.engine import Value         # micrograd's engine
    from scratchgrad.nn import MLP               # micrograd's nn (node for node)

The engine is `scratchgrad.autograd`, the layers `scratchgrad.nn`, the pictures
`scratchgrad.viz`, the command line `scratchgrad.cli`. `nn`, `viz`, `optim` and `utils`
load on first use, so `import scratchgrad` (and the command line's `--help`) stays light.
"""

import importlib

import numpy as np

from .autograd import (
    OPS,
    AnomalyError,
    Device,
    GradcheckError,
    GraphFreedError,
    Op,
    Tensor,
    Value,
    cuda,
    detect_anomaly,
    device,
    dot,
    enable_grad,
    from_numpy,
    get_default_dtype,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    hvp,
    inference_mode,
    is_grad_enabled,
    jacobian,
    jvp,
    no_grad,
    set_default_dtype,
    set_grad_enabled,
    tensor,
    vjp,
)
from .autograd.devices import accelerator, mps
from .autograd.factories import (
    arange,
    as_tensor,
    empty,
    eye,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .autograd.functions import COMPOSITIONS as _COMPOSITIONS
from .autograd.functions import (  # PyTorch's compositions of table ops (tensor_compositions)
    abs,
    add,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    bmm,
    cat,
    chunk,
    clamp,
    clip,
    cos,
    cumsum,
    div,
    eq,
    equal,
    erf,
    exp,
    expm1,
    flatten,
    flip,
    floor,
    gather,
    histogram,
    index_select,
    is_tensor,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    mv,
    narrow,
    norm,
    numel,
    pow,
    relu,
    reshape,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    sub,
    sum,
    take_along_dim,
    tanh,
    topk,
    transpose,
    tril,
    triu,
    unbind,
    unsqueeze,
    where,
)
from .autograd.random import Generator, manual_seed
from .autograd.threads import get_num_threads, set_num_threads
from .autograd.typed_tensors import TYPED_TENSORS

__version__ = "0.1.0"

# dtypes by PyTorch's names (numpy's types: scratchgrad's tensors hold numpy arrays)
float16 = half = np.float16
float32 = np.float32
float64 = double = np.float64
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8 = np.uint8
long = np.int64
bool = np.bool_
float = float32
int = int32
Size = tuple  # torch.Size: shapes here are numpy's tuples (`x.shape == torch.Size([2, 3])`)
globals().update(TYPED_TENSORS)  # torch.FloatTensor([...]), isinstance(x, torch.LongTensor)

_LAZY = {
    "nn": "nn",
    "viz": "viz",
    "autograd": "autograd",
    "optim": "optim",
    "utils": "utils",
    "backends": "backends",
    "engine": "engine",
    "cli": "cli",
}


def __getattr__(name):
    """`scratchgrad.nn`, `.viz`, `.optim`, `.utils` ... load when first asked for;
    `save`/`load` are nn's checkpoints (PyTorch's `torch.save`/`torch.load`)."""
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{_LAZY[name]}")
    if name in ("save", "load"):
        return getattr(importlib.import_module(f"{__name__}.nn"), name)
    method = f"; the Tensor method exists: x.{name}(...)" if hasattr(Tensor, name) else ""
    raise AttributeError(
        f"module 'scratchgrad' has no attribute {name!r}{method}. scratchgrad has the "
        "part of PyTorch's API that its lessons and the common tutorials use; README.md "
        "('Coming from PyTorch') says what differs"
    )


__all__ = [  # (and the compositions: autograd.functions.COMPOSITIONS)
    "Value",
    "Tensor",
    "tensor",
    "from_numpy",
    "as_tensor",
    "nn",
    "viz",
    "autograd",
    "optim",
    "utils",
    "OPS",
    "Op",
    "no_grad",
    "inference_mode",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "GraphFreedError",
    "AnomalyError",
    "detect_anomaly",
    "jvp",
    "vjp",
    "jacobian",
    "hessian",
    "hvp",
    "dot",
    "save",
    "load",
    "manual_seed",
    "Generator",
    "device",
    "Device",
    "cuda",
    "accelerator",
    "mps",
    "get_default_dtype",
    "set_default_dtype",
    "get_num_threads",
    "set_num_threads",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "full_like",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "randint",
    "randperm",
    "multinomial",
    "normal",
    "arange",
    "linspace",
    "eye",
    "cat",
    "stack",
    "where",
    "maximum",
    "minimum",
    "flatten",
    "pow",
    "reshape",
    "transpose",
    "squeeze",
    "unsqueeze",
    "matmul",
    "mm",
    "add",
    "sub",
    "mul",
    "div",
    "exp",
    "expm1",
    "erf",
    "log",
    "log1p",
    "log10",
    "log2",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sin",
    "cos",
    "clamp",
    "clip",
    "softmax",
    "log_softmax",
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "eq",
    "numel",
    "is_tensor",
    "allclose",
    "histogram",
    "float16",
    "half",
    "float32",
    "float64",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "long",
    "bool",
    "float",
    "int",
    "Size",
    *TYPED_TENSORS,
    *_COMPOSITIONS,
]
