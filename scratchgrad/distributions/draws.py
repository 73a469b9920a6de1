"""Draws from scratchgrad's generator for the distributions whose noise is not a plain
`rand`/`randn`: numpy's Generator draws (gamma, beta, poisson, ...) on the host, in
float64, and the result comes back as a constant Tensor in the parameter's dtype and
device. One place, so every distribution follows `scratchgrad.manual_seed` the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Tensor, tensor
from ..autograd.devices import on_host
from ..autograd.random import default_generator

__all__ = ["drawn", "host"]


def host(param: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    """`param`'s numbers broadcast to `shape`, as a float64 numpy array (no gradient): what
    numpy's draws take as their parameters."""
    return np.broadcast_to(on_host(param.detach()).astype(np.float64), shape)


def drawn(like: Tensor, draw: Callable[[np.random.Generator], Any]) -> Tensor:
    """`draw(generator)` (numpy's numbers) as a constant Tensor of `like`'s dtype and
    device: the noise a sample or rsample is made from."""
    values = np.asarray(draw(default_generator()), dtype=np.float64)
    return tensor(values.astype(like.dtype), device=like.device)
