"""Error classes that are what Python's convention says and what PyTorch raises, both.

PyTorch raises `RuntimeError` when tensors' shapes do not fit (matmul, broadcasting,
reshape, a layer given the wrong input, a state_dict of other shapes) and `IndexError`
for a dim out of range; scratchgrad raised `ValueError` for both. Code ported from
PyTorch catches RuntimeError (`try: model.load_state_dict(sd) except RuntimeError:`),
code written here catches ValueError: each class below is both, so either works.
"""

import numpy as np


class ShapeError(ValueError, RuntimeError):
    """Tensors (or a tensor and a layer) whose shapes do not fit; the message names both."""


class DimError(IndexError, ValueError):
    """A dim (axis) out of range for the tensor's number of dimensions."""


class ArgumentError(ValueError, RuntimeError):
    """An argument's value PyTorch's kernels refuse (a stride of 0, a negative size, k
    larger than the dim, an unknown mode): a RuntimeError there, a ValueError here."""


class DtypeError(TypeError, RuntimeError):
    """A dtype an op cannot take (integers where floats are needed, a float index)."""


class IndexRangeError(IndexError, RuntimeError):
    """Positions out of range where PyTorch raises RuntimeError (gather, scatter,
    narrow) rather than IndexError (plain indexing, embedding)."""


class LinAlgError(np.linalg.LinAlgError, RuntimeError):
    """A matrix the decomposition cannot take (singular, not positive-definite, no
    convergence): numpy's LinAlgError and, as `torch.linalg.LinAlgError`, a RuntimeError."""
