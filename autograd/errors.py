"""Error classes that are what Python's convention says and what PyTorch raises, both.

PyTorch raises `RuntimeError` when tensors' shapes do not fit (matmul, broadcasting,
reshape, a layer given the wrong input, a state_dict of other shapes) and `IndexError`
for a dim out of range; scratchgrad raised `ValueError` for both. Code ported from
PyTorch catches RuntimeError (`try: model.load_state_dict(sd) except RuntimeError:`),
code written here catches ValueError: each class below is both, so either works.
"""


class ShapeError(ValueError, RuntimeError):
    """Tensors (or a tensor and a layer) whose shapes do not fit; the message names both."""


class DimError(IndexError, ValueError):
    """A dim (axis) out of range for the tensor's number of dimensions."""
