"""Weight initialisers: fill a Tensor's data in place, reproducibly.

Why the scale matters: with fan_in inputs of variance 1, a unit's pre-activation has
variance fan_in * Var(w). Keeping it near 1 layer after layer needs
    Xavier/Glorot (tanh, sigmoid):  Var(w) = gain^2 * 2 / (fan_in + fan_out)
    He/Kaiming (ReLU):              Var(w) = gain^2 / fan,  gain = sqrt(2) for ReLU
A uniform U(-a, a) has variance a^2 / 3, so its bound is a = sqrt(3 Var).

Every function takes `generator=` (a `numpy.random.Generator`) or `seed=` (an int);
with neither it draws from the generator `nn.manual_seed` seeded (or a fresh one).
Names follow `torch.nn.init`.
"""

import math

import numpy as np

from ..autograd.backend import is_device_array, namespace
from .seeding import default_generator

_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 0.75,
}


def make_rng(generator=None, seed=None):
    """A numpy Generator from `generator=` or `seed=` (not both)."""
    if generator is not None and seed is not None:
        raise ValueError("pass generator= or seed=, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"generator must be a numpy.random.Generator (from "
                f"np.random.default_rng(seed)), got {type(generator).__name__}"
            )
        return generator
    if seed is None:
        return default_generator()
    return np.random.default_rng(seed)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (PyTorch's table)."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity not in _GAINS:
        raise ValueError(
            f"unknown nonlinearity {nonlinearity!r}; choose from {sorted(_GAINS) + ['leaky_relu']}"
        )
    return _GAINS[nonlinearity]


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel) — PyTorch's layout."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(
            f"fan in/out need a weight with at least 2 dimensions, got shape "
            f"{shape}; use uniform_/normal_/zeros_ for biases"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor, values):
    """Write `values` (host numbers) into a Tensor, an array, or a GPU parameter's
    `.data` (a CuPy array, as in `nn.init.normal_(m.weight.data, 0.0, 0.02)`), where
    it lives."""
    if is_device_array(tensor):
        tensor[...] = namespace(tensor).asarray(values, dtype=tensor.dtype)
        return tensor
    return tensor.copy_(values)


def zeros_(tensor):
    """Fill with 0 in place (biases, as the book starts them)."""
    return _fill(tensor, 0.0)


def ones_(tensor):
    """Fill with 1 in place (batch norm's scale starts there)."""
    return _fill(tensor, 1.0)


def constant_(tensor, value):
    """Fill with `value` in place."""
    return _fill(tensor, value)


def uniform_(tensor, a=0.0, b=1.0, generator=None, seed=None):
    """U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    return _fill(tensor, make_rng(generator, seed).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None, seed=None):
    """N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_ needs std >= 0, got {std}")
    return _fill(tensor, make_rng(generator, seed).normal(mean, std, tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None, seed=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio 2010)."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator, seed)


def xavier_normal_(tensor, gain=1.0, generator=None, seed=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator, seed)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None, seed=None
):
    """U(-b, b) with b = gain * sqrt(3 / fan)  (He et al. 2015; gain sqrt(2) for ReLU)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator, seed)


def kaiming_normal_(
    tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None, seed=None
):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator, seed)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, seed=None):
    """N(mean, std^2) cut to [a, b] (absolute bounds, as PyTorch's; ViT's weights): draws
    outside are drawn again, so the values follow the truncated distribution exactly."""
    if not a < b:
        raise ValueError(f"trunc_normal_ needs a < b, got a={a}, b={b}")
    if std < 0:
        raise ValueError(f"trunc_normal_ needs std >= 0, got {std}")
    rng = make_rng(generator, seed)
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    for _ in range(1000):  # draws inside are kept: a few rounds for the usual bounds
        if not outside.any():
            break
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    else:  # the interval holds almost no mass: what is left goes to its nearer bound
        values = np.clip(values, a, b)
    return _fill(tensor, values)


def orthogonal_(tensor, gain=1.0, generator=None, seed=None):
    """A (semi-)orthogonal matrix times gain (Saxe et al. 2013), from the QR factors of
    a Gaussian matrix with the signs of R's diagonal taken out (PyTorch's recipe); a
    tensor of more than 2 axes is seen as (rows, the rest)."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tuple(shape)}")
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    flat = make_rng(generator, seed).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(shape))


glorot_uniform_, glorot_normal_ = xavier_uniform_, xavier_normal_
he_uniform_, he_normal_ = kaiming_uniform_, kaiming_normal_
