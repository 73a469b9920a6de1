"""Convolution and pooling (`Tensor` only, NCHW): im2col on `sliding_window_view`.

    unfold (im2col):  x (N, C, H, W)        -> cols (N, C·kh·kw, L),  L = oh·ow
    fold   (col2im):  cols (N, C·kh·kw, L)  -> x (N, C, H, W), overlaps added
    conv2d:           out = W (O, C·kh·kw) @ cols, reshaped to (N, O, oh, ow), + b

`unfold` and `fold` are each other's adjoint, so each is the other's VJP; both are
linear, so each is its own JVP. conv2d is one node; on raw arrays its forward and VJP
run a few images at a time so the columns stay in cache (`conv_blocked.py`), and under
`create_graph=True` its VJP is written with `unfold`, `fold` and `matmul` nodes, so a
gradient of a convolution can be differentiated again. Max pooling keeps the index of
each window's first maximum (ties go to one element, as in PyTorch). No Python loop
runs over pixels; `fold` loops over the kh·kw kernel offsets, conv2d over chunks.
"""

import numpy as np

from . import buffers, conv_blocked, threads
from .backend import is_device_array, namespace
from .grad_mode import STATE
from .node import Node
from .op_table import Op, register
from .ops_shape import GETITEM
from .vjp_math import broadcast_to, data_of, fit_to, tangent_sum


def pair(value, name):
    """An int or a pair of ints as (rows, cols), checked."""

    def whole(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    pair_ = (
        (value, value)
        if whole(value)
        else tuple(value)
        if isinstance(value, (tuple, list, np.ndarray))
        else ()
    )
    if len(pair_) != 2 or not all(whole(v) for v in pair_):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair_[0]), int(pair_[1])


def output_size(size, kernel, stride, padding):
    """How many windows fit along one axis (the output length of a convolution/pool)."""
    return (size + 2 * padding - kernel) // stride + 1


def _windows(x, kernel, stride, padding, fill=0.0):
    """(N, C, oh, ow, kh, kw): a strided view of every window (one padded copy at most)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = namespace(x)
    if ph or pw:
        x = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    return xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def im2col(x, kernel, stride, padding):
    """(N, C·kh·kw, oh·ow) in PyTorch's `unfold` layout (channel-major rows)."""
    win = _windows(x, kernel, stride, padding)
    n, c, oh, ow, kh, kw = win.shape
    rows = win.transpose(0, 1, 4, 5, 2, 3)
    if namespace(x) is not np:
        return rows.reshape(n, c * kh * kw, oh * ow)
    # into a kept array: a fresh big one page-faults on every touch (4x the copy's time
    # for fold's VJP in a DCGAN block); the reverse pass gives it back when passed on
    cols = buffers.empty((n, c, kh, kw, oh, ow), rows.dtype)
    np.copyto(cols, rows)
    return cols.reshape(n, c * kh * kw, oh * ow)


def col2im(cols, shape, kernel, stride, padding):
    """The adjoint of `im2col`: every column entry added back where it was read."""
    n, c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = output_size(h, kh, sh, ph), output_size(w, kw, sw, pw)
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    padded = (n, c, h + 2 * ph, w + 2 * pw)
    xp = namespace(cols)
    out = buffers.zeros(padded, cols.dtype) if xp is np else xp.zeros(padded, dtype=cols.dtype)
    for i in range(kh):  # kernel offsets only: each step is a whole-array add
        for j in range(kw):
            out[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += cols[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


# --- unfold / fold: each is the other's VJP, both linear -------------------------------

UNFOLD = register(
    "unfold",
    im2col,
    vjp=lambda node, g, xs, out: (FOLD(g, shape=xs[0].shape, **node._saved),),
    linear=True,
    symbol="im2col",
    doc="im2col: every kh x kw window as a column, (N, C*kh*kw, L);  VJP = col2im (fold)",
)

FOLD: Op = register(
    "fold",
    col2im,
    vjp=lambda node, g, xs, out: (
        UNFOLD(
            g,
            kernel=node._saved["kernel"],
            stride=node._saved["stride"],
            padding=node._saved["padding"],
        ),
    ),
    linear=True,
    symbol="col2im",
    doc="col2im: columns added back into an image (overlaps sum);  VJP = im2col (unfold)",
)


def unfold(x, kernel, stride, padding):
    """im2col on raw arrays or nodes (a node records an `unfold` op)."""
    return UNFOLD(x, kernel=kernel, stride=stride, padding=padding)


def fold(cols, shape, kernel, stride, padding):
    """col2im on raw arrays or nodes (a node records a `fold` op)."""
    return FOLD(cols, shape=tuple(shape), kernel=kernel, stride=stride, padding=padding)


# --- conv2d -----------------------------------------------------------------------------


def _conv2d(x, weight, bias=None, *, stride, padding):
    out = conv_blocked.forward(x, weight, stride, padding, bias)
    return out, {"stride": stride, "padding": padding}


def _conv2d_vjp(node, g, xs, out):
    """dx = conv of g with the flipped kernel (or col2im(W^T G)), dW = G cols^T,
    db = sum of G over N, oh, ow (with dW: the row a row of ones in the columns adds to
    its product); chunk by chunk (conv_blocked.py says why)."""
    x, weight = xs[0], xs[1]
    saved = node._saved
    stride, padding = saved["stride"], saved["padding"]
    needs = [p.requires_grad for p in node._parents]
    if isinstance(g, Node):
        return _conv2d_vjp_nodes(g, xs, needs, weight.shape[2:], stride, padding)
    g = namespace(g).ascontiguousarray(g)
    gx = gw = gb = None
    if needs[0]:
        gx = conv_blocked.input_grad(g, weight, x.shape, stride, padding)
    with_bias = len(xs) > 2 and needs[2]
    if needs[1] and with_bias:  # db from dW's product, against a row of ones
        gw, gb = conv_blocked.weight_grad(x, g, weight.shape, stride, padding, bias=True)
    elif needs[1]:
        gw = conv_blocked.weight_grad(x, g, weight.shape, stride, padding)
    elif with_bias:
        gb = g.sum(axis=(0, 2, 3))
    return (gx, gw, gb) if len(xs) > 2 else (gx, gw)


def _conv2d_vjp_nodes(g, xs, needs, kernel, stride, padding):
    """The same VJP recorded as unfold/fold/matmul nodes (for create_graph=True)."""
    x, weight = xs[0], xs[1]
    o = weight.shape[0]
    n, _, oh, ow = g.shape
    g3 = g.reshape((n, o, oh * ow))
    w2 = weight.reshape((o, -1))
    gx = gw = gb = None
    if needs[0]:
        gx = fold(w2.T @ g3, x.shape, kernel, stride, padding)
    if needs[1]:
        cols = unfold(x, kernel, stride, padding)  # (N, CK, L)
        gw = (g3 @ cols.transpose((0, 2, 1))).sum(axis=0).reshape(weight.shape)
    if len(xs) > 2 and needs[2]:
        gb = g.sum(axis=(0, 2, 3))
    return (gx, gw, gb) if len(xs) > 2 else (gx, gw)


def _conv2d_jvp(node, ts, xs, out):
    """conv2d is bilinear in (x, W): d out = conv(dx, W) + conv(x, dW) + db."""
    stride, padding = node._saved["stride"], node._saved["padding"]
    terms = []
    if ts[0] is not None:
        terms.append(CONV2D(ts[0], xs[1], stride=stride, padding=padding))
    if ts[1] is not None:
        terms.append(CONV2D(xs[0], ts[1], stride=stride, padding=padding))
    if len(ts) > 2 and ts[2] is not None:
        terms.append(ts[2].reshape((1, -1, 1, 1)))
    return fit_to(tangent_sum(*terms), out)


CONV2D = register(
    "conv2d",
    _conv2d,
    _conv2d_vjp,
    _conv2d_jvp,
    saves=True,
    arity=None,
    symbol="conv",
    doc="2-D cross-correlation (NCHW; weight out x in x kh x kw) as im2col + matmul;  "
    "dx = conv(G, flipped W) or col2im(W^T G), dW = G cols^T, db = sum G",
)

# --- max pooling ------------------------------------------------------------------------
# A loop over the kh*kw kernel offsets, each a whole-array strided slice: much faster than
# an argmax over a small last axis of a window view. The forward also records which offset
# won each window (one byte per output), so the backward is one masked write per offset
# instead of re-finding the maxima.


def _offset_views(kernel, stride, out_hw):
    """(k, index): for each kernel offset, the slice of the (N, C, oh, ow) values it sees."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    for i in range(kh):
        for j in range(kw):
            yield (
                i * kw + j,
                (
                    slice(None),
                    slice(None),
                    slice(i, i + sh * (oh - 1) + 1, sh),
                    slice(j, j + sw * (ow - 1) + 1, sw),
                ),
            )


def _padded(x, padding, fill):
    ph, pw = padding
    if not (ph or pw):
        return x
    return namespace(x).pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)


def _lowest(dtype):
    """What max pooling pads with: below every value (-inf, or an int type's minimum)."""
    return np.iinfo(dtype).min if np.issubdtype(dtype, np.integer) else -np.inf


def _pooled_hw(shape, kernel, stride, padding):
    return tuple(output_size(shape[2 + i], kernel[i], stride[i], padding[i]) for i in (0, 1))


def _pool_views(x, kernel, stride, padding):
    """The padded input's (N, C, oh, ow) view for every kernel offset, in offset order."""
    xp_ = _padded(x, padding, _lowest(x.dtype))
    out_hw = _pooled_hw(x.shape, kernel, stride, padding)
    return [xp_[where] for _, where in _offset_views(kernel, stride, out_hw)]


def _max_and_winner(views, want_winner, split=False, min_share=1):
    """Each window's max and (if wanted) the offset that holds it, by PyTorch's rule: a
    value replaces the running max if it is larger (so ties keep the first) or NaN (so
    NaN wins). With `split`, the images are shared out over the worker threads.

    The winner is the last offset that replaced the running max: the largest k whose
    `views[k] > running max` held, i.e. a running `maximum` of k * mask (no branchy
    scatter)."""
    xp = namespace(views[0])
    best = xp.empty(views[0].shape, dtype=views[0].dtype)
    winner = None
    if want_winner:
        winner = xp.zeros(best.shape, dtype=np.uint8 if len(views) < 256 else np.int32)

    def work(start, stop):
        per_chunk = _images_per_pool_chunk(xp, best.shape, stop - start)
        first = slice(start, min(stop, start + per_chunk))  # the largest chunk
        scratch = None if winner is None else _running_max_scratch(best[first], winner[first])
        for s in range(start, stop, per_chunk):
            rows = slice(s, min(stop, s + per_chunk))
            part = [view[rows] for view in views]
            _running_max(part, best[rows], None if winner is None else winner[rows], scratch)

    threads.run_split(len(best), 1, work, split=split, hold_blas=False, min_share=min_share)
    return best, winner


POOL_PIECES_FROM = 2 * threads.PIECE  # windows of a share from which it runs in chunks


def _images_per_pool_chunk(xp, shape, count):
    """Images per chunk of a worker's share of a pooling pass (numpy): the whole share
    below POOL_PIECES_FROM windows, else threads.PIECE windows' worth, so that the
    passes over a chunk (five per offset forward, two backward) read and write cache,
    not memory. Off the CPU, one chunk. Measured on the 2-core Xeon with SimpleConvNet's
    (100, 30, 24, 24) float32 input:

    * one thread, forward with winners: 2.34 ms whole, 1.48 ms in chunks of 64K
      windows (16K: 1.73, 128K: 1.80); backward 3.9 -> 2.8 ms in the step (each of its
      four passes writes every cache line of the gradient);
    * two threads (shares of 216K windows), in the step: forward 2.48 -> 2.32 ms and
      backward 2.13 -> 1.77 in chunks, the step 15.5 -> 14.6 ms side by side. (The
      forward alone, outside the step, was faster whole: 1.37 against 1.46 ms. The
      optimizers' pieces keep threads.PIECES_FROM: for Adam two threads' pieces lost.)"""
    per_image = max(1, int(np.prod(shape[1:])))
    if xp is not np or count * per_image < POOL_PIECES_FROM:
        return max(1, count)
    return max(1, threads.PIECE // per_image)


def _running_max_scratch(best, winner):
    """Temporaries for _running_max, made once for all of a worker's chunks."""
    xp = namespace(best)
    return (
        xp.empty(best.shape, dtype=bool),
        xp.empty_like(winner),
        xp.empty_like(best),
    )


def _running_max(views, best, winner, scratch):
    """Fill best (and winner, zeros on entry) for these windows: see _max_and_winner.
    `scratch` (with a winner): temporaries at least as large (_running_max_scratch)."""
    xp = namespace(best)
    xp.copyto(best, views[0])
    if winner is None:
        for view in views[1:]:
            xp.maximum(best, view, out=best)
        return
    m = len(best)  # numpy copies a strided view faster than it compares: `dense`
    larger, step, dense = (array[:m] for array in scratch)
    for k, view in enumerate(views[1:], 1):  # one: copy once, then two contiguous passes
        xp.copyto(dense, view)
        xp.greater(dense, best, out=larger)
        xp.maximum(best, dense, out=best)
        xp.multiply(larger.view(np.uint8), step.dtype.type(k), out=step)
        xp.maximum(winner, step, out=winner)
    if is_device_array(best):  # a GPU: no host round trip to ask whether NaN is there
        for k, view in enumerate(views):
            xp.copyto(winner, winner.dtype.type(k), where=xp.isnan(view))
    elif xp.isnan(best).any():  # rare: the last NaN of a window is its winner
        for k, view in enumerate(views):
            winner[xp.isnan(view)] = k


def _max_pool(x, kernel, stride, padding):
    """Under no_grad no node is recorded, so the winners are not worth finding."""
    views = _pool_views(x, kernel, stride, padding)
    split, min_share = threads.splits(x), threads.share_for(x)
    best, winner = _max_and_winner(views, STATE.enabled, split, min_share)
    if winner is not None and (padding[0] or padding[1]):
        _first_real_wins_ties_with_padding(best, winner, x.dtype, kernel, stride, padding)
    return best, {"kernel": kernel, "stride": stride, "padding": padding, "winner": winner}


def _first_real_wins_ties_with_padding(best, winner, dtype, kernel, stride, padding):
    """A window whose real values all equal the padding's fill (-inf) has no strict
    maximum, so its winner would stay at offset 0, possibly padding, and its gradient
    would be lost. PyTorch gives it to the window's first real element instead."""
    stuck = best == _lowest(dtype)
    if not stuck.any():
        return
    xp = namespace(best)
    (_kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = best.shape[2:]
    first_row = xp.maximum(0, ph - sh * xp.arange(oh))  # per output row / column
    first_col = xp.maximum(0, pw - sw * xp.arange(ow))
    start = (first_row[:, None] * kw + first_col[None, :]).astype(winner.dtype)
    xp.copyto(winner, xp.broadcast_to(start, winner.shape), where=stuck)


def _pool_mask(node, out):
    """(N, C·kh·kw, L)-shaped one-hot of each window's max, as unfold lays it out."""
    kernel, winner = node._saved["kernel"], node._saved["winner"]
    n, c, oh, ow = out.shape
    k = kernel[0] * kernel[1]
    mask = namespace(winner).zeros((n, c, k, oh, ow), dtype=out.dtype)
    for index in range(k):
        mask[:, :, index] = winner == index
    return mask.reshape(n, c * k, oh * ow)


def _max_pool_vjp(node, g, xs, out):
    """The gradient goes to each window's max (added where windows overlap)."""
    saved = node._saved
    kernel, stride, padding, winner = (
        saved["kernel"],
        saved["stride"],
        saved["padding"],
        saved["winner"],
    )
    shape = xs[0].shape
    out = data_of(out)
    n, c, oh, ow = out.shape
    if isinstance(g, Node):  # create_graph: col2im of (one-hot mask x G), as nodes
        k = kernel[0] * kernel[1]
        per_window = broadcast_to(g.reshape((n, c, 1, oh * ow)), (n, c, k, oh * ow))
        spread = per_window.reshape((n, c * k, oh * ow)) * _pool_mask(node, out)
        return (fold(spread, shape, kernel, stride, padding),)
    xp = namespace(g)
    (ph, pw), (h, w) = padding, shape[2:]
    padded = (n, c, h + 2 * ph, w + 2 * pw)
    # windows that tile the input exactly write every element once: no zero fill needed
    tiles = stride == kernel and not (ph or pw) and h % kernel[0] == 0 and w % kernel[1] == 0
    apart = stride[0] >= kernel[0] and stride[1] >= kernel[1]  # windows never overlap
    if xp is np:  # a kept array from an earlier step: no fresh pages to fault
        grad = buffers.empty(padded, g.dtype) if tiles else buffers.zeros(padded, g.dtype)
    else:
        grad = xp.empty(padded, dtype=g.dtype) if tiles else xp.zeros(padded, dtype=g.dtype)

    offsets = list(_offset_views(kernel, stride, (oh, ow)))

    def work(start, stop):  # chunk by chunk: the kh*kw passes over a chunk hit cache
        per_chunk = _images_per_pool_chunk(xp, out.shape, stop - start)
        hit_room = xp.empty((min(per_chunk, stop - start),) + out.shape[1:], dtype=bool)
        for s in range(start, stop, per_chunk):
            rows = slice(s, min(stop, s + per_chunk))
            hit = hit_room[: rows.stop - s]
            for k, where in offsets:
                xp.equal(winner[rows], k, out=hit)
                if apart:
                    xp.multiply(g[rows], hit, out=grad[rows][where])  # in place: no temporary
                else:
                    grad[rows][where] += g[rows] * hit

    split, min_share = threads.splits(grad), threads.share_for(grad)
    threads.run_split(n, 1, work, split=split, hold_blas=False, min_share=min_share)
    return (grad[:, :, ph : ph + h, pw : pw + w],)


def _max_pool_jvp(node, ts, xs, out):
    saved = node._saved
    kernel, stride, padding, winner = (
        saved["kernel"],
        saved["stride"],
        saved["padding"],
        saved["winner"],
    )
    out = data_of(out)
    n, c, oh, ow = out.shape
    t = ts[0]
    if isinstance(t, Node):
        k = kernel[0] * kernel[1]
        picked = unfold(t, kernel, stride, padding) * _pool_mask(node, out)
        return picked.reshape((n, c, k, oh * ow)).sum(axis=2).reshape((n, c, oh, ow))
    tp = _padded(t, padding, 0.0)
    total = namespace(t).zeros(out.shape, dtype=t.dtype)
    for k, where in _offset_views(kernel, stride, out.shape[2:]):
        total += tp[where] * (winner == k)
    return total


MAX_POOL2D = register(
    "max_pool2d",
    _max_pool,
    _max_pool_vjp,
    _max_pool_jvp,
    saves=True,
    smooth=False,
    piecewise=True,
    symbol="maxpool",
    doc="max over each kh x kw window;  the gradient goes to the window's (first) max",
)


def max_pool_indices(x, kernel, stride, padding, width, winner=None):
    """PyTorch's `return_indices`: where each window's max is, as a flat index into its
    (h, w) plane of the unpadded input, int64 (what max_unpool2d reads). `winner` is the
    offset the pool's forward saved when it recorded a node; else it is found here."""
    if winner is None:
        best, winner = _max_and_winner(_pool_views(x, kernel, stride, padding), True)
        if padding[0] or padding[1]:
            _first_real_wins_ties_with_padding(best, winner, x.dtype, kernel, stride, padding)
    xp = namespace(winner)
    (_kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = winner.shape[2:]
    offset = winner.astype(np.int64)
    rows = (xp.arange(oh) * sh - ph)[:, None] + offset // kw
    return rows * width + (xp.arange(ow) * sw - pw)[None, :] + offset % kw


def _unpool_key(xp, indices):
    """The advanced index of (N, C, L) flat positions into an (N, C, H*W) array."""
    n, c = indices.shape[:2]
    return (
        xp.arange(n).reshape(n, 1, 1),
        xp.arange(c).reshape(1, c, 1),
        indices.reshape(n, c, -1),
    )


def _max_unpool(x, indices, size):
    xp = namespace(x)
    n, c = x.shape[:2]
    out = xp.zeros((n, c, size[0] * size[1]), dtype=x.dtype)
    out[_unpool_key(xp, indices)] = x.reshape(n, c, -1)
    return out.reshape(n, c, *size)


def _max_unpool_vjp(node, g, xs, out):
    indices, size = node._saved["indices"], node._saved["size"]
    n, c = xs[0].shape[:2]
    flat = g.reshape((n, c, size[0] * size[1]))
    key = _unpool_key(namespace(indices), indices)
    return (GETITEM(flat, index=key).reshape(xs[0].shape),)


MAX_UNPOOL2D = register(
    "max_unpool2d",
    _max_unpool,
    _max_unpool_vjp,
    linear=True,
    symbol="unpool",
    doc="zeros of the output size with each value put back at its index (max_pool2d's "
    "return_indices);  the VJP gathers the gradient at the indices",
)
