"""PyTorch's `torch.backends`, for the lines training scripts write about it.

`torch.backends.mps.is_available()` is False here (no Apple GPU support). scratchgrad
uses no cuDNN: a convolution is GEMMs, on numpy's BLAS or, on a GPU, CuPy's cuBLAS.
So `cudnn.is_available()` is False, and seeding boilerplate's
`torch.backends.cudnn.deterministic = True` / `.benchmark = False` may be set and read
but chooses nothing: there are no cuDNN algorithms to choose between. nanoGPT's
`torch.backends.cuda.matmul.allow_tf32 = True` is kept the same way (CuPy's GEMMs use
the precision of their dtype).
"""

from .autograd.devices import mps  # noqa: F401


class cudnn:
    """The flags of PyTorch's `torch.backends.cudnn`, kept as set (they change nothing)."""

    enabled = True
    benchmark = False
    deterministic = False
    allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        """False: scratchgrad never calls cuDNN."""
        return False


class _Matmul:
    """PyTorch's `torch.backends.cuda.matmul` flags, kept as set (they change nothing)."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


class cuda:
    """PyTorch's `torch.backends.cuda`: its `matmul` flags (kept, changing nothing)."""

    matmul = _Matmul()
