"""`torch.nn.utils`: gradient clipping (the functions live with the optimizers,
`nn.optim.clip`), the flat-vector view of a model's parameters, and `rnn` (padded and
packed batches of sequences), `weight_norm` / `spectral_norm` (the older hook versions;
`parametrizations` has PyTorch's current ones, built on `parametrize`)."""

import numpy as np

from ...autograd import Tensor
from ...autograd.backend import namespace
from ..optim.clip import clip_grad_norm_, clip_grad_value_
from . import parametrizations, parametrize, rnn
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "rnn",
    "spectral_norm",
    "vector_to_parameters",
    "weight_norm",
]


def parameters_to_vector(parameters):
    """Every parameter's numbers, flattened and joined into one tensor (a copy)."""
    arrays = [  # (on their device)
        p._data.reshape(-1) if isinstance(p, Tensor) else np.asarray(p.data).reshape(-1)
        for p in parameters
    ]
    if not arrays:
        raise ValueError("parameters_to_vector: no parameters given")
    return Tensor(namespace(arrays[0]).concatenate(arrays))


def vector_to_parameters(vec, parameters):
    """Write one flat vector's numbers back into the parameters, in order (in place:
    an optimizer keeps working on them)."""
    flat = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    flat = flat.reshape(-1)
    parameters = list(parameters)
    need = sum(int(np.prod(p.shape)) for p in parameters)
    if flat.size != need:
        raise ValueError(
            f"vector_to_parameters: the vector has {flat.size} numbers, the parameters {need}"
        )
    start = 0
    for p in parameters:
        n = int(np.prod(p.shape))
        p.copy_(flat[start : start + n].reshape(p.shape))  # (to p's device, counted)
        start += n
