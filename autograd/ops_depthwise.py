"""Depthwise convolution (one filter per channel, MobileNet's): its own table op.

As a grouped im2col + matmul it is a one-row product per image and channel, and as a
sum of kh*kw shifted products of graph nodes (what it was) each product is a pass over
strided rows of ow values and a node with its own backward: 117 ms where PyTorch takes
10 for (100, 32, 28, 28), forward and backward, one thread. Here the kh*kw passes run
over "row runs": the padded image is one flat run per channel, and tap (i, j) reads the
run from i*dh*Wp + j*dw on, oh*Wp values long (the Wp - ow values past each row's end
are computed and thrown away). Long contiguous runs let numpy's loops vectorise; a few
images at a time keep the runs in cache, and the chunks go to the worker threads.

    forward:  out[n, c] = sum_ij w[c, i, j] * xpad[n, c, i*dh : , j*dw : ]   (oh x ow)
    dx:       the same op on g with the flipped kernel and padding (k-1)*d - p
    dW[c,ij]: sum over n and the run of g (zeros past each row's end) * xpad's run from ij

Stride 1 only, and padding at most (k-1)*d (so dx is this op again): nn's conv2d sends
other depthwise convolutions the shifted-products way. Under create_graph the VJP is
this op, indexing and sums as nodes, so it differentiates again.
"""

import numpy as np

from . import threads
from .backend import namespace
from .errors import ShapeError
from .node import Node
from .op_table import register
from .ops_shape import GETITEM, SCATTER_ADD, STACK
from .vjp_math import fit_to, tangent_sum

CHUNK_BYTES = 1 << 20  # a chunk's padded runs, sums and products: measured best at ~1 MB


class _Runs:
    """One depthwise convolution's row-run geometry, and the chunks it works in."""

    def __init__(self, x_shape, kernel, padding, dilation, itemsize):
        self.n, self.c, self.h, self.w = x_shape
        (kh, kw), (ph, pw), (dh, dw) = kernel, padding, dilation
        self.hp, self.wp = self.h + 2 * ph, self.w + 2 * pw
        self.oh, self.ow = self.hp - (kh - 1) * dh, self.wp - (kw - 1) * dw
        self.run = self.oh * self.wp
        # the last tap's run ends (kw - 1) * dw values past the padded image: zeros
        self.plane = self.hp * self.wp + (kw - 1) * dw
        self.offsets = [i * dh * self.wp + j * dw for i in range(kh) for j in range(kw)]
        self.padding = padding
        self.per_image = self.c * (self.plane + 2 * self.run) * itemsize

    def chunk_images(self, xp, count):
        if xp is not np:  # a GPU: the whole batch at once
            return max(1, count)
        return max(1, min(count, CHUNK_BYTES // self.per_image))

    def padded_room(self, xp, m, dtype):
        """Zeros for m images' flat padded planes, and their (m, C, Hp, Wp) grid."""
        flat = xp.zeros((m, self.c, self.plane), dtype=dtype)
        grid = flat[:, :, : self.hp * self.wp].reshape(m, self.c, self.hp, self.wp)
        return flat, grid

    def fill(self, grid, x, s, b):
        """Images s .. s+b of x into the grid's interior (its border stays zero)."""
        (ph, pw) = self.padding
        grid[:b, :, ph : ph + self.h, pw : pw + self.w] = x[s : s + b]

    def over_images(self, x, work):
        """work(start, stop) over the batch, split over the threads when worth it."""
        split = x.__class__ is np.ndarray and threads.get_num_threads() > 1
        min_share = max(1, threads.MIN_SHARE // max(1, self.c * self.run))
        return threads.run_split(self.n, 1, work, split=split, hold_blas=False, min_share=min_share)


def _check(x, weight):
    if weight.ndim != 4 or weight.shape[1] != 1 or weight.shape[0] != x.shape[1]:
        raise ShapeError(
            f"depthwise_conv2d: weight must be (C, 1, kh, kw) for an input of C = "
            f"{x.shape[1]} channels, got {tuple(weight.shape)}"
        )


def depthwise(x, weight, padding, dilation):
    """out (N, C, oh, ow) of x (N, C, H, W) and weight (C, 1, kh, kw), stride 1."""
    _check(x, weight)
    xp = namespace(x)
    runs = _Runs(x.shape, weight.shape[2:], padding, dilation, x.dtype.itemsize)
    c = runs.c
    taps = xp.ascontiguousarray(weight.reshape(c, -1).T).reshape(-1, 1, c, 1).astype(x.dtype)
    out = xp.empty((runs.n, c, runs.oh, runs.ow), dtype=x.dtype)

    def work(start, stop):
        m = runs.chunk_images(xp, stop - start)
        flat, grid = runs.padded_room(xp, m, x.dtype)
        total = xp.empty((m, c, runs.run), dtype=x.dtype)
        term = xp.empty_like(total)
        for s in range(start, stop, m):
            b = min(m, stop - s)
            runs.fill(grid, x, s, b)
            acc, tmp, src = total[:b], term[:b], flat[:b]
            for k, offset in enumerate(runs.offsets):
                window = src[:, :, offset : offset + runs.run]
                if k == 0:
                    xp.multiply(window, taps[0], out=acc)
                else:
                    xp.multiply(window, taps[k], out=tmp)
                    acc += tmp
            out[s : s + b] = acc.reshape(b, c, runs.oh, runs.wp)[..., : runs.ow]

    runs.over_images(x, work)
    return out


def depthwise_weight_grad(x, g, kernel, padding, dilation):
    """dW (C, 1, kh, kw): each tap's run of the padded input against g, summed over the
    images and the run (g is zero past each row's end, so those values drop out)."""
    xp = namespace(x)
    runs = _Runs(x.shape, kernel, padding, dilation, x.dtype.itemsize)
    c = runs.c

    def work(start, stop):
        m = runs.chunk_images(xp, stop - start)
        flat, grid = runs.padded_room(xp, m, x.dtype)
        wide = xp.zeros((m, c, runs.oh, runs.wp), dtype=x.dtype)
        total = xp.zeros((len(runs.offsets), c), dtype=x.dtype)
        for s in range(start, stop, m):
            b = min(m, stop - s)
            runs.fill(grid, x, s, b)
            wide[:b, :, :, : runs.ow] = g[s : s + b]
            rows = wide[:b].reshape(b, c, runs.run)
            for k, offset in enumerate(runs.offsets):
                window = flat[:b, :, offset : offset + runs.run]
                total[k] += xp.einsum("mcl,mcl->c", window, rows)
        return total

    total = sum(runs.over_images(x, work))
    return xp.ascontiguousarray(total.T).reshape(c, 1, *kernel)


def _flipped(weight):
    return GETITEM(
        weight, index=(slice(None), slice(None), slice(None, None, -1), slice(None, None, -1))
    )


def _input_padding(kernel, padding, dilation):
    """dx's padding: the full correlation's (k-1)*d less the forward's."""
    return tuple((k - 1) * d - p for k, p, d in zip(kernel, padding, dilation))


def _forward(x, weight, *, padding, dilation):
    return depthwise(x, weight, padding, dilation)


def _vjp(node, g, xs, out):
    x, weight = xs
    padding, dilation = node._saved["padding"], node._saved["dilation"]
    kernel = tuple(weight.shape[2:])
    needs = [p.requires_grad for p in node._parents]
    back = _input_padding(kernel, padding, dilation)
    gx = gw = None
    if needs[0]:
        gx = DEPTHWISE(g, _flipped(weight), padding=back, dilation=dilation)
    if needs[1]:
        if isinstance(g, Node):
            gw = _weight_grad_nodes(x, g, kernel, padding, dilation)
        else:
            gw = depthwise_weight_grad(
                x, namespace(g).ascontiguousarray(g), kernel, padding, dilation
            )
    return gx, gw


def _weight_grad_nodes(x, g, kernel, padding, dilation):
    """dW as nodes (create_graph): zeros-padded x, each tap's window times g, summed."""
    n, c, h, w = x.shape
    (ph, pw), (dh, dw) = padding, dilation
    oh, ow = g.shape[2:]
    padded = SCATTER_ADD(
        x,
        shape=(n, c, h + 2 * ph, w + 2 * pw),
        index=(slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w)),
    )
    taps = [
        (
            GETITEM(
                padded,
                index=(
                    slice(None),
                    slice(None),
                    slice(i * dh, i * dh + oh),
                    slice(j * dw, j * dw + ow),
                ),
            )
            * g
        ).sum(axis=(0, 2, 3))
        for i in range(kernel[0])
        for j in range(kernel[1])
    ]
    return STACK(*taps, axis=1).reshape((c, 1) + tuple(kernel))


def _jvp(node, ts, xs, out):
    """Bilinear in (x, W): d out = dw(dx, W) + dw(x, dW)."""
    params = {"padding": node._saved["padding"], "dilation": node._saved["dilation"]}
    terms = []
    if ts[0] is not None:
        terms.append(DEPTHWISE(ts[0], xs[1], **params))
    if ts[1] is not None:
        terms.append(DEPTHWISE(xs[0], ts[1], **params))
    return fit_to(tangent_sum(*terms), out)


DEPTHWISE = register(
    "depthwise_conv2d",
    _forward,
    _vjp,
    _jvp,
    symbol="dwconv",
    doc="depthwise 2-D cross-correlation, stride 1 (NCHW; weight C x 1 x kh x kw) as kh*kw "
    "passes over row runs;  dx = the same op on G with the flipped kernel, "
    "dW = each tap's run against G",
)
