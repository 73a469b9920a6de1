"""The book's layers (chapters 5-7): `forward` and `backward` on numpy arrays, the
attributes the book's networks read (`W`, `b`, `dW`, `db`, `mask`, `y`, ...), its
numbers.

Each forward records a small graph on scratchgrad Tensors over the layer's own arrays
(no copy where the dtypes agree) and each backward walks it: the derivatives are the
engine's op table, not a second hand-written copy. So `Affine.backward` is exactly
`out.backward(dout)` on `x @ W + b`, and `dW` is `W`'s gradient. The weights stay the
caller's arrays: an optimizer that updates `params['W1']` in place updates the layer.
Arrays come back as plain numpy arrays of numpy's result dtype (float32 images times
float64 weights give float64, as in the book).

What differs from the book: `backward` may be called again for the same forward (the
book's Relu would zero its own dout in place; here dout is never written). The book's
caches `col`, `col_W` and `arg_max` do not exist (the engine keeps what it needs), and
`Pooling` refuses `pad` != 0, where the book's output size ignores the padding.
`SoftmaxWithLoss.backward(dout)` multiplies by dout (the book ignores it; every caller
passes 1). A layer pickles without its graph. Each forward costs about 25 us more than
the book's numpy on tiny batches (the graph's nodes): that is why `numerical_gradient`
runs f under no_grad, where no graph is recorded.
"""

import numpy as np

from ...autograd import from_numpy, is_grad_enabled
from ...nn import functional as F
from .functions import (  # the book's `from common.layers import *` has them (__all__)
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
from .util import col2im, im2col

# What the book's `from common.layers import *` gives: its layers, every name of its
# functions module (which it star-imports), im2col / col2im, and numpy as np.
__all__ = [
    "Affine",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "Pooling",
    "Relu",
    "Sigmoid",
    "SoftmaxWithLoss",
    "col2im",
    "cross_entropy_error",
    "identity_function",
    "im2col",
    "mean_squared_error",
    "np",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_loss",
    "step_function",
    "sum_squared_error",
]


def _float_type(*arrays):
    """numpy's result dtype of the arrays, made floating (gradients need it)."""
    dtype = np.result_type(*arrays)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _leaf(array, dtype):
    """A Tensor over `array` (shared when it is a plain array of `dtype`) that needs
    a gradient."""
    array = np.asarray(array, dtype=dtype)
    if type(array) is not np.ndarray or not array.flags.c_contiguous:
        array = np.array(array, dtype=dtype, order="C", subok=False)
    return from_numpy(array).requires_grad_()


class _Recorded:
    """A layer whose forward keeps its graph: `_record` stores the output node and the
    leaves, `_backprop` walks it from dout and returns the leaves' gradients."""

    _out = None
    _leaves = ()

    def _record(self, out, *leaves):
        self._out, self._leaves = out, leaves
        return np.array(out.data, subok=False)

    def __getstate__(self):
        """Pickled without the graph (a network pickles as the book's does); the next
        forward records a new one."""
        state = dict(self.__dict__)
        state.pop("_out", None)
        state.pop("_leaves", None)
        return state

    def _backprop(self, dout):
        if self._out is None or not self._out.requires_grad:
            raise RuntimeError(
                f"{type(self).__name__}.backward() with no recorded forward (none yet, "
                "or one made under no_grad()): call forward first"
            )
        for leaf in self._leaves:
            leaf.grad = None
        self._out.backward(np.asarray(dout, dtype=self._out.dtype), retain_graph=True)
        return [np.asarray(leaf.grad) for leaf in self._leaves]  # plain arrays, as the book's


class Relu(_Recorded):
    """max(x, 0); `mask` marks where x <= 0 (where no gradient passes)."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """max(x, 0), recording the graph; sets `mask`."""
        x_t = _leaf(x, _float_type(x))
        self.mask = x_t.data <= 0
        return self._record(F.relu(x_t), x_t)

    def backward(self, dout):
        """dout where x > 0, else 0."""
        return self._backprop(dout)[0]


class Sigmoid(_Recorded):
    """1 / (1 + exp(-x)); `out` keeps the forward's result, as the book's."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """sigmoid(x), recording the graph; sets `out`."""
        x_t = _leaf(x, _float_type(x))
        self.out = self._record(F.sigmoid(x_t), x_t)
        return self.out

    def backward(self, dout):
        """dout * (1 - out) * out."""
        return self._backprop(dout)[0]


class Affine(_Recorded):
    """x @ W + b, with x flattened to (N, -1) first (the book's "tensor support"); dx
    comes back in x's original shape."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.original_x_shape = None
        self.dW = self.db = None

    def forward(self, x):
        """x (flattened to (N, -1)) @ W + b, recording the graph."""
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        dtype = _float_type(self.x, self.W, self.b)
        x_t, w_t, b_t = (_leaf(a, dtype) for a in (self.x, self.W, self.b))
        return self._record(x_t @ w_t + b_t, x_t, w_t, b_t)

    def backward(self, dout):
        """dx in x's shape; sets dW and db."""
        dx, self.dW, self.db = self._backprop(dout)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss(_Recorded):
    """Softmax then the cross-entropy error, as one layer. forward gives the book's
    loss (delta 1e-7 in the log); backward gives (y - t) / batch_size, the gradient of
    the cross-entropy of the logits (scratchgrad's `cross_entropy`), for one-hot or
    label targets."""

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """The book's loss of softmax(x) against t (labels or one-hot); sets y, t, loss."""
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        if not is_grad_enabled():  # the book's numbers above are all a forward needs
            self._out = None
            return self.loss
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        dtype = _float_type(x2)
        x_t = _leaf(x2, dtype)
        if t.size != self.y.size:  # labels
            target = from_numpy(np.array(t, dtype=np.int64).reshape(-1))
            self._record(F.cross_entropy(x_t, target), x_t)
            return self.loss
        t2 = np.array(t, dtype=dtype).reshape(x2.shape)
        if np.allclose(t2.sum(axis=1), 1.0):  # rows of probabilities (one-hot or not)
            self._record(F.cross_entropy(x_t, from_numpy(t2)), x_t)
        else:  # the book's backward is (y - t) / N whatever t's rows sum to: that is
            # the gradient of (logsumexp(x) - t.x) summed over rows, over N
            shift = x2.max(axis=1, keepdims=True)
            lse = (x_t - shift).exp().sum(axis=1).log() + shift.reshape(-1)
            self._record((lse.sum() - (x_t * from_numpy(t2)).sum()) / len(x2), x_t)
        return self.loss

    def backward(self, dout=1):
        """(y - t) / batch_size, times dout."""
        return self._backprop(dout)[0].reshape(np.shape(self.y))


class Dropout(_Recorded):
    """The book's dropout: in training, keep each value where np.random.rand > ratio
    (numpy's global generator, so np.random.seed gives the book's masks), no rescaling;
    at test time scale by (1 - ratio)."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        """x times a fresh mask in training; x * (1 - ratio) at test time."""
        if not train_flg:
            return x * (1.0 - self.dropout_ratio)
        self.mask = np.random.rand(*x.shape) > self.dropout_ratio
        dtype = _float_type(x)
        x_t = _leaf(x, dtype)
        return self._record(x_t * from_numpy(self.mask.astype(dtype)), x_t)

    def backward(self, dout):
        """dout * mask."""
        return self._backprop(dout)[0]


class BatchNormalization(_Recorded):
    """Batch normalization per feature: a 4-D input is flattened to (N, C*H*W) first,
    as in the book. eps = 1e-6 (the book's 10e-7); running statistics start at zero and
    move by `momentum` toward the batch's mean and biased variance."""

    EPS = 10e-7

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta = gamma, beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean, self.running_var = running_mean, running_var
        self.batch_size = None
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        """Normalized x (per feature) * gamma + beta; in training, moves the running statistics."""
        self.input_shape = x.shape
        x2 = x.reshape(x.shape[0], -1)
        if self.running_mean is None:
            self.running_mean = np.zeros(x2.shape[1])
            self.running_var = np.zeros(x2.shape[1])
        dtype = _float_type(x2, self.gamma, self.beta)
        x_t, g_t, b_t = (_leaf(a, dtype) for a in (x2, self.gamma, self.beta))
        if train_flg:
            out = _batch_normalized(x_t, g_t, b_t, self.EPS)
            mu = x2.mean(axis=0)
            var = np.mean((x2 - mu) ** 2, axis=0)
            self.batch_size = x2.shape[0]
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            out = F.batch_norm(
                x_t, self.running_mean, self.running_var, g_t, b_t, training=False, eps=self.EPS
            )
        return self._record(out, x_t, g_t, b_t).reshape(*self.input_shape)

    def backward(self, dout):
        """dx in x's shape; sets dgamma and dbeta."""
        dx, self.dgamma, self.dbeta = self._backprop(dout.reshape(dout.shape[0], -1))
        return dx.reshape(*self.input_shape)


def _batch_normalized(x_t, g_t, b_t, eps):
    """Training-mode batch norm of (N, D) with the batch's statistics: scratchgrad's one
    op, or for a batch of one (the book's gradient check uses x_train[:1]) the same
    formula in elementwise ops, which give the book's beta and zero gradients there."""
    if len(x_t) > 1:
        return F.batch_norm(x_t, None, None, g_t, b_t, training=True, eps=eps)
    xc = x_t - x_t.mean(axis=0)
    return g_t * xc / ((xc * xc).mean(axis=0) + eps).sqrt() + b_t


class Convolution(_Recorded):
    """2-D convolution (N, C, H, W) * W (FN, C, FH, FW) + b (FN,), with stride and zero
    padding: scratchgrad's conv2d (cache-blocked im2col over all the cores)."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b = W, b
        self.stride, self.pad = stride, pad
        self.x = None
        self.dW = self.db = None

    def forward(self, x):
        """conv2d(x, W) + b, recording the graph."""
        self.x = x
        dtype = _float_type(x, self.W, self.b)
        x_t, w_t, b_t = (_leaf(a, dtype) for a in (x, self.W, self.b))
        out = F.conv2d(x_t, w_t, b_t, stride=self.stride, padding=self.pad)
        return self._record(out, x_t, w_t, b_t)

    def backward(self, dout):
        """dx; sets dW and db."""
        dx, self.dW, self.db = self._backprop(dout)
        return dx


class Pooling(_Recorded):
    """Max pooling over pool_h x pool_w windows; ties go to the first maximum, as
    np.argmax gives them in the book."""

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        if pad:
            raise ValueError(
                f"Pooling(pad={pad}): the book's Pooling computes its output size without "
                "the padding, so pad must be 0; pad the input yourself (np.pad) if you "
                "need it"
            )
        self.pool_h, self.pool_w = pool_h, pool_w
        self.stride, self.pad = stride, pad
        self.x = None

    def forward(self, x):
        """The max of each window, recording the graph."""
        self.x = x
        x_t = _leaf(x, _float_type(x))
        out = F.max_pool2d(x_t, (self.pool_h, self.pool_w), stride=self.stride)
        return self._record(out, x_t)

    def backward(self, dout):
        """dout sent to each window's first maximum."""
        return self._backprop(dout)[0]
