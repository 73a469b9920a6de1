"""Local response normalisation (Krizhevsky et al. 2012, AlexNet), PyTorch's
`F.local_response_norm` and `nn.LocalResponseNorm`: each value divided by its
neighbourhood's activity across channels,

    b_c = a_c / (k + alpha / size * sum_{c' in window(c)} a_{c'}^2) ^ beta,

the window `size` channels wide, from c - size // 2 to c + (size - 1) // 2, with zeros
beyond the first and last channel (so the edges still divide alpha by `size`, as
PyTorch's average pooling over zero padding does). Input (N, C, ...) with at least one
axis after C. Written with table ops (square, pad, slices summed, power, divide), so
gradients come for free to any order.
"""

from ..autograd.errors import ShapeError
from ..autograd.tensor import tensor_sum
from .functional import _node
from .module import Module
from .tensor_functions import pad


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * (sum of x^2 over `size` neighbouring channels)) ^ beta,
    the channels (axis 1) padded with zeros."""
    x = _node(input)
    if x.ndim < 3:
        raise ShapeError(
            f"local_response_norm expects a 3-D or higher input (N, C, ...), got "
            f"{x.ndim} dimensions (shape {tuple(x.shape)})"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be an int >= 1, got {size!r}")
    if x.data.size == 0:
        return x
    n, c = x.shape[:2]
    squares = pad((x * x).reshape(n, c, -1), (0, 0, size // 2, (size - 1) // 2))
    window = tensor_sum([squares[:, i : i + c] for i in range(size)]).reshape(x.shape)
    return x / (window * (alpha / size) + k) ** beta


class LocalResponseNorm(Module):
    """AlexNet's normalisation across `size` neighbouring channels:
    x / (k + alpha / size * sum of x^2) ^ beta. No parameters."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["local_response_norm", "LocalResponseNorm"]
