"""Convolution a few images at a time, so that its columns stay in the CPU's cache.

im2col over a whole batch writes a matrix kh*kw times the input (45 MB for
deep_convnet's second layer at batch 100) out to memory, and the GEMM reads it back:
on one core both wait on memory, not on arithmetic. Done for a chunk of images whose
columns fit in about 2 MB, the copy lands in cache and the GEMM reads it from there.
Measured on one thread (2026-12-05, 2-core EPYC): that layer's forward went from 16.9
to 7.3 ms. The backward builds each chunk's columns again instead of keeping the
forward's (45 MB less memory per layer, and no slower: the copy hits the cache), and,
for stride 1, gets dx as a convolution of the zero-padded gradient with the flipped
kernel: one more cached copy and a GEMM instead of col2im's kh*kw read-add-write passes
over the whole image gradient.

Chunks are independent, so `threads.run_split` hands them to the threads the
`set_num_threads` setting allows: the copies run on every core, not only the GEMMs.
On a GPU (CuPy) the whole batch is one chunk: there is no cache to fit and one big
batched GEMM is what the device wants.

    forward:  out[i] = W (O, C*kh*kw) @ cols(x[i])                     per image i
    dW:       dW^T  += cols(x[i]) (C*kh*kw, L) @ g[i]^T (L, O)             per image i
              kernel rows: dW_r^T += shifted(x[i])[:, r*Wp:][:, :oh*Wp] @ g[i]^T (padded rows)
    dx:       stride 1: conv(pad(g, k-1-p), flip(W)^T);  else col2im(W^T g)
    bias:     [W | b] @ [cols; 1...1] in the forward, and db = the row [cols; 1...1]
              adds to the weight gradient's product (no pass of its own over out or g)
"""

import numpy as np

from . import buffers, threads
from .backend import namespace

CHUNK_BYTES = 2 << 20  # one chunk's columns: about half a core's L2 + L3 share here
CHANNELS_LAST_FROM = 32  # input channels from which the columns are built channels-last
KERNEL_ROWS_FROM = 16  # input channels from which row runs are multiplied by kernel rows

# Where each column layout puts the window view's axes (m, C, oh, ow, kh, kw):
IMAGE_MAJOR = (0, 1, 4, 5, 2, 3)  # (m, C, kh, kw, oh, ow): one (K, L) matrix per image
CHANNELS_LAST = (0, 2, 3, 4, 5, 1)  # (m, oh, ow, kh, kw, C): one (m*L, K) matrix


def images_per_chunk(xp, n, column_bytes_per_image):
    """How many images one chunk takes: the whole batch off the CPU, else ~2 MB."""
    if xp is not np:
        return n
    return max(1, min(n, CHUNK_BYTES // max(1, column_bytes_per_image)))


def _scratch(xp, shape, dtype):
    return buffers.empty(shape, dtype) if xp is np else xp.empty(shape, dtype=dtype)


def _strided(xp, base, shape, strides, offset=0):
    """A view of `base`'s memory from its element `offset` on, with these shape and
    byte strides. On numpy, for a contiguous base, an ndarray over its buffer: 0.6 us
    where as_strided takes 3 and sliding_window_view 9, a few times per chunk (numpy
    still checks that the view stays inside the buffer)."""
    if xp is np and base.flags.c_contiguous:
        return np.ndarray(
            shape, base.dtype, buffer=base, offset=offset * base.itemsize, strides=strides
        )
    return xp.lib.stride_tricks.as_strided(base[offset:] if offset else base, shape, strides)


class _Geometry:
    """One convolution's shapes, and how its chunks' columns are built.

    Copying windows is where numpy loses time: it copies a strided view one innermost
    run at a time, and NCHW's runs are one output row (28 values, 7 at deep_convnet's
    last layers). Two ways make the runs long:

    * stride 1, few channels ("row runs"): an output row is built over the padded
      image's whole width, Wp values, of which the last Wp - ow are thrown away. Then
      the oh rows one kernel offset reads are one contiguous run of oh*Wp values, and
      the GEMM does Wp/ow more work (30/28 at 28x28 with padding 1);
    * many channels (>= 32, "channels-last"): the columns are (m*L, kh*kw*C) rows of a
      channels-last copy, where each window row is one run of kw*C values.

    Measured per layer (deep_convnet, batch 100, one thread, copy and GEMM together):
    channels-last took 5.7 vs 6.8 ms at 32 channels and 4.6 vs 6.8 at 64, but 8.9 vs
    7.8 at 16.

    Row runs with 16+ channels go one step further ("kernel rows"): the columns of
    kernel row i are the columns of row 0 moved on by i*Wp, so only the kw shifts of
    each padded image are copied, (m, C*kw, Hp*Wp), and the forward is kh GEMMs, one
    per kernel row, over slices of that copy, added up. A third of the copying, for
    K = C*kw instead of C*kh*kw. Measured (2-core Xeon, one thread, batch 100,
    float32, 3x3, padding 1): 16 -> 16 channels at 28x28 8.9 -> 6.4 ms, 16 -> 32 at
    14x14 3.4 -> 3.2 ms; 5x5 16 -> 16 at 14x14 6.9 -> 4.7 ms. At 8 channels it won or
    lost by 10% (8 -> 8 / 8 -> 16 at 28x28), at 3-4 it lost by 40%."""

    def __init__(self, xp, x_shape, kernel, stride, padding, dtype, row_runs=True, ones=False):
        n, c, h, w = x_shape
        self.xp, self.n, self.c, self.image_hw = xp, n, c, (h, w)
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.hw = (h + 2 * padding[0], w + 2 * padding[1])
        self.oh = (self.hw[0] - kernel[0]) // stride[0] + 1
        self.ow = (self.hw[1] - kernel[1]) // stride[1] + 1
        self.k = c * kernel[0] * kernel[1]
        self.l = self.oh * self.ow
        self.dtype = np.dtype(dtype)
        self.channels_last = xp is np and c >= CHANNELS_LAST_FROM
        self.row_runs = row_runs and not self.channels_last and stride == (1, 1)
        # output columns built per image: whole padded rows with row runs
        self.row = self.hw[1] if self.row_runs else self.ow
        self.built = self.oh * self.row
        self.kernel_rows = self.row_runs and c >= KERNEL_ROWS_FROM
        self.plane = self.hw[0] * self.hw[1]
        # with `ones` the columns end in one more row, of ones: the bias is then one more
        # column of W in the forward's GEMM, and db one more row of the weight
        # gradient's product (kernel rows: of kernel row 0's), not a pass of its own
        self.ones_rows = 1 if ones else 0
        # values of one image's columns: (C*kw + ones_rows, Hp*Wp) with kernel rows,
        # else (K + ones_rows, built)
        self.columns_size = (
            (c * kernel[1] + self.ones_rows) * self.plane
            if self.kernel_rows
            else (self.k + self.ones_rows) * self.built
        )
        self.per_chunk = images_per_chunk(xp, n, self.columns_size * self.dtype.itemsize)

    def chunks(self, start, stop):
        """(first image, image count) of each chunk in [start, stop): as few chunks of
        at most per_chunk images as there can be, of equal sizes (the larger first)."""
        count = max(1, -(-(stop - start) // self.per_chunk))  # an empty batch: one empty chunk
        size, larger = divmod(stop - start, count)
        for i in range(count):
            m = size + (i < larger)
            yield start, m
            start += m

    def split(self, work):
        """run `work(start, stop)` over the images, an equal share per worker thread
        (each then goes through its share chunk by chunk)."""
        return threads.run_split(self.n, 1, work, split=self.xp is np)

    def scratch(self, m, size_per_image, extra=0):
        """Flat room for m images of `size_per_image` values each (and `extra`)."""
        return _scratch(self.xp, (m * size_per_image + extra,), self.dtype)

    def image_room(self, m):
        """Room for m padded (or channels-last) images, or None when x can be read as
        it is. Row runs read kw - 1 values past the last image: they are kept zero."""
        if not (any(self.padding) or self.channels_last or self.row_runs):
            return None
        extra = self.kernel[1] - 1 if self.row_runs else 0
        room = self.scratch(m, self.c * self.hw[0] * self.hw[1], extra)
        if extra:
            room[-extra:] = 0
        return room

    def _placed(self, x, room):
        """x (m, C, H, W) copied into `room` with zero borders, as an NCHW view."""
        m, (ph, pw), (h, w) = len(x), self.padding, self.image_hw
        size = m * self.c * self.hw[0] * self.hw[1]
        if self.channels_last:
            view = room[:size].reshape((m,) + self.hw + (self.c,)).transpose(0, 3, 1, 2)
        else:
            view = room[:size].reshape((m, self.c) + self.hw)
        if ph:
            view[:, :, :ph] = 0
            view[:, :, ph + h :] = 0
        if pw:
            view[:, :, :, :pw] = 0
            view[:, :, :, pw + w :] = 0
        view[:, :, ph : ph + h, pw : pw + w] = x
        return view

    def columns(self, x, room, cols_flat, layout):
        """The columns of m images x (m, C, H, W) in `layout`, copied into cols_flat: a
        (m, K, built) stack of matrices image-major, one (m*L, K) matrix channels-last
        (K + 1 with `ones`, the ones last). With row runs the L axis is oh*Wp long (the
        first ow of each Wp are real)."""
        xp, m, k = self.xp, len(x), self.k + self.ones_rows
        if room is not None:
            x = self._placed(x, room)
        if self.row_runs:  # image-major (m, C, kh, kw, oh*Wp): offset (i, j) at i*Wp + j
            assert layout == IMAGE_MAJOR, "row runs are built image-major only"
            step = self.dtype.itemsize  # room is a fresh 1-D array
            win = _strided(
                xp,
                room,
                (m, self.c) + self.kernel + (self.built,),
                (self.c * self.plane * step, self.plane * step, self.hw[1] * step, step, step),
            )
        else:  # windows (m, C, oh, ow, kh, kw) of x (the placed view, over room)
            (sh, sw), strides = self.stride, x.strides
            win = _strided(
                xp,
                x if room is None else room,
                (m, self.c, self.oh, self.ow) + self.kernel,
                strides[:2] + (strides[2] * sh, strides[3] * sw) + strides[2:],
            ).transpose(layout)
        # (splitting an axis of a slice is always a view: the copies land in cols_flat)
        if layout == IMAGE_MAJOR:  # (m, K, built), the window rows first
            cols = cols_flat[: m * k * self.built].reshape(m, k, self.built)
            xp.copyto(cols[:, : self.k].reshape(win.shape), win)
            if self.ones_rows:
                cols[:, self.k] = 1
            return cols
        cols = cols_flat[: m * k * self.l].reshape(m, self.oh, self.ow, k)  # channels-last
        xp.copyto(cols[..., : self.k].reshape(win.shape), win)
        if self.ones_rows:
            cols[..., self.k] = 1
        return cols.reshape(m * self.l, k)

    def kernel_row_columns(self, x, room, cols_flat):
        """With kernel rows: m images x as (m, C*kw, Hp*Wp), row (c, j) being padded
        plane c read from its j-th value on (into the next plane: thrown-away columns
        only). Kernel row i's columns are then [..., i*Wp : i*Wp + oh*Wp] of it. With
        `ones`, a last row of ones: (m, C*kw + 1, Hp*Wp)."""
        xp, m, c, kw = self.xp, len(x), self.c, self.kernel[1]
        self._placed(x, room)
        step = self.dtype.itemsize  # room is a fresh 1-D array
        rows = cols_flat[: m * self.columns_size].reshape(m, c * kw + self.ones_rows, self.plane)
        shifted = rows[:, : c * kw].reshape(m, c, kw, self.plane)
        for j in range(kw):
            plane_from_j = _strided(
                xp, room, (m, c, self.plane), (c * self.plane * step, self.plane * step, step), j
            )
            xp.copyto(shifted[:, :, j], plane_from_j)
        if self.ones_rows:
            rows[:, c * kw] = 1
        return rows

    def kernel_row_rows(self, i):
        """How many of kernel_row_columns' rows kernel row i's product reads: all C*kw,
        and for row 0 the ones too (the bias is added once)."""
        return self.c * self.kernel[1] + (self.ones_rows if i == 0 else 0)

    def real(self, built):
        """(..., oh*row) columns -> the (..., oh, ow) real outputs (a view)."""
        return built.reshape(built.shape[:-1] + (self.oh, self.row))[..., : self.ow]

    def give(self, *arrays):
        """Scratch arrays back to the engine's pool for the next chunk or step."""
        if self.xp is np:
            for array in arrays:
                if array is not None and array.nbytes >= buffers.MIN_BYTES:
                    buffers.keep(array)


def forward(x, weight, stride, padding, bias=None):
    """conv2d: (N, C, H, W) x (O, C, kh, kw) (+ bias (O,)) -> (N, O, oh, ow). The bias
    is W's last column, against the columns' row of ones: a pass of its own over each
    chunk's output took 0.45 ms of SimpleConvNet's 2.3 ms first-layer forward."""
    xp = namespace(x)
    o = weight.shape[0]
    geo = _Geometry(xp, x.shape, weight.shape[2:], stride, padding, x.dtype, ones=bias is not None)
    out = xp.empty((geo.n, o, geo.oh, geo.ow), dtype=x.dtype)
    if bias is not None:  # in W's dtype: a float64 bias must not make the GEMM float64
        bias = bias.astype(weight.dtype, copy=False)
    kh = weight.shape[2]
    if geo.kernel_rows:  # one (O, C*kw) matrix per kernel row, as the shifted columns
        w_rows = [xp.ascontiguousarray(weight[:, :, i]).reshape(o, -1) for i in range(kh)]
        if bias is not None:  # the first kernel row's product also reads the ones
            w_rows[0] = xp.concatenate([w_rows[0], bias[:, None]], axis=1)
    elif geo.channels_last:  # (kh, kw, C) rows, as the columns, then the bias row
        w2 = weight.transpose(2, 3, 1, 0).reshape(geo.k, o)
        w2 = xp.ascontiguousarray(w2) if bias is None else xp.concatenate([w2, bias[None]])
    else:  # (O, K), then the bias column
        w2 = weight.reshape(o, geo.k)
        w2 = w2 if bias is None else xp.concatenate([w2, bias[:, None]], axis=1)

    def work(start, stop):
        first = next(geo.chunks(start, stop))[1]
        room, cols_flat = geo.image_room(first), geo.scratch(first, geo.columns_size)
        y_flat = (
            None
            if geo.built == geo.l and not (geo.channels_last or geo.kernel_rows)
            else geo.scratch(first, geo.built * o)
        )
        t_flat = geo.scratch(first, geo.built * o) if geo.kernel_rows and kh > 1 else None
        for s, m in geo.chunks(start, stop):
            if geo.kernel_rows:  # sum over kernel rows i of W_i @ (columns moved by i*Wp)
                shifted = geo.kernel_row_columns(x[s : s + m], room, cols_flat)
                y = y_flat[: m * o * geo.built].reshape(m, o, geo.built)
                for i in range(kh):
                    rows = geo.kernel_row_rows(i)
                    part = shifted[:, :rows, i * geo.row : i * geo.row + geo.built]
                    if i == 0:
                        xp.matmul(w_rows[0], part, out=y)
                    else:
                        t = t_flat[: m * o * geo.built].reshape(m, o, geo.built)
                        xp.matmul(w_rows[i], part, out=t)
                        y += t
                xp.copyto(out[s : s + m], geo.real(y))
            elif geo.channels_last:
                cols = geo.columns(x[s : s + m], room, cols_flat, CHANNELS_LAST)
                y = y_flat[: m * geo.l * o].reshape(m * geo.l, o)
                xp.matmul(cols, w2, out=y)
                y = y.reshape(m, geo.oh, geo.ow, o).transpose(0, 3, 1, 2)
                xp.copyto(out[s : s + m], y)
            else:
                cols = geo.columns(x[s : s + m], room, cols_flat, IMAGE_MAJOR)
                if y_flat is None:  # the GEMM's output is the output
                    xp.matmul(w2, cols, out=out[s : s + m].reshape(m, o, geo.l))
                else:
                    y = y_flat[: m * o * geo.built].reshape(m, o, geo.built)
                    xp.matmul(w2, cols, out=y)
                    xp.copyto(out[s : s + m], geo.real(y))
        geo.give(room, cols_flat, y_flat, t_flat)

    geo.split(work)
    return out


def weight_grad(x, g, weight_shape, stride, padding, bias=False):
    """dL/dW = sum over images of cols(x) (C*kh*kw, L) @ g^T (L, O), by chunks; with
    `bias`, (dL/dW, dL/db) where db, g summed over images and positions, is the row
    the columns' row of ones adds to the product (a pass of its own over g, even chunk
    by chunk in cache, took 0.2-0.5 ms of SimpleConvNet's step).

    Per image, (K, L) @ (L, O) with g's own rows was 2.2x faster than one (K, m*L) @
    (m*L, O) product after a transposing copy of g for SimpleConvNet's first layer,
    and 5-10% for deep_convnet's. Where the forward uses kernel rows, so does this
    (`_kernel_row_weight_grad`)."""
    xp = namespace(x)
    if xp is np:
        geo = _Geometry(xp, x.shape, weight_shape[2:], stride, padding, x.dtype, ones=bias)
        if geo.kernel_rows:
            found = _kernel_row_weight_grad(geo, x, g, weight_shape, bias)
            if xp.isfinite(found[0]).all():
                return found if bias else found[0]
    return _column_weight_grad(x, g, weight_shape, stride, padding, bias)


def _summed(geo, work):
    """The workers' parts from geo.split(work), summed in worker order (the same sums
    on every run)."""
    parts = geo.split(work)
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def _kernel_row_weight_grad(geo, x, g, weight_shape, bias):
    """dW by kernel rows, as the forward: kernel row i's weights (O, C*kw) get, per
    image, shifted[:, i*Wp : i*Wp + oh*Wp] (C*kw, oh*Wp) @ g^T (oh*Wp, O), with g
    copied into padded rows of Wp whose thrown-away columns are zero. A third of the
    columns' copying, as in the forward; with g^T copied to (oh*Wp, O) the products
    ran at 45 GMAC/s where (K, L) @ (L, O) ran at 34 (deep_convnet's 16 -> 16 layer).

    The thrown-away columns read real pixels, which meet a zero gradient: right for
    finite pixels, but 0 * inf is NaN. So a result with a NaN or inf in it (rare, and
    then the true gradient has one too, elsewhere) is computed again by columns, which
    only read what each weight sees, and warn as they would have."""
    xp, (o, c, kh, kw) = geo.xp, weight_shape

    def work(start, stop):
        first = next(geo.chunks(start, stop))[1]
        room, cols_flat = geo.image_room(first), geo.scratch(first, geo.columns_size)
        g_flat = geo.scratch(first, geo.built * o)
        total = xp.zeros((kh, c * kw + geo.ones_rows, o), dtype=x.dtype)
        for s, m in geo.chunks(start, stop):
            shifted = geo.kernel_row_columns(x[s : s + m], room, cols_flat)
            g_rows = g_flat[: m * geo.built * o].reshape(m, geo.oh, geo.row, o)
            g_rows[:, :, geo.ow :] = 0
            xp.copyto(g_rows[:, :, : geo.ow], g[s : s + m].transpose(0, 2, 3, 1))
            g_rows = g_rows.reshape(m, geo.built, o)
            with np.errstate(invalid="ignore", over="ignore"):  # such a result is redone
                for i in range(kh):
                    rows = geo.kernel_row_rows(i)
                    part = shifted[:, :rows, i * geo.row : i * geo.row + geo.built]
                    total[i, :rows] += xp.matmul(part, g_rows).sum(axis=0)
        geo.give(room, cols_flat, g_flat)
        return total

    total = _summed(geo, work)
    # total[i, (c, j), o] is dW[o, c, i, j]; total[0, C*kw] is db (the ones' row)
    dw = total[:, : c * kw].reshape(kh, c, kw, o).transpose(3, 1, 0, 2)
    return xp.ascontiguousarray(dw), (total[0, c * kw].copy() if bias else None)


def _column_weight_grad(x, g, weight_shape, stride, padding, bias):
    """dW from each chunk's columns, which read only the pixels each weight sees (no
    row runs: their thrown-away columns would meet a zero gradient, and 0 * inf is NaN)."""
    xp = namespace(x)
    o, c, kh, kw = weight_shape
    geo = _Geometry(xp, x.shape, (kh, kw), stride, padding, x.dtype, row_runs=False, ones=bias)

    def work(start, stop):
        first = next(geo.chunks(start, stop))[1]
        room, cols_flat = geo.image_room(first), geo.scratch(first, geo.columns_size)
        g_flat = geo.scratch(first, o * geo.l) if geo.channels_last else None
        total = xp.zeros((geo.k + geo.ones_rows, o), dtype=x.dtype)
        for s, m in geo.chunks(start, stop):
            if geo.channels_last:  # (m*L, K)^T @ (m*L, O)
                cols = geo.columns(x[s : s + m], room, cols_flat, CHANNELS_LAST)
                g2 = g_flat[: m * o * geo.l].reshape(m, geo.oh, geo.ow, o)
                xp.copyto(g2, g[s : s + m].transpose(0, 2, 3, 1))
                total += cols.T @ g2.reshape(m * geo.l, o)
            else:  # per image (K, L) @ (L, O), summed
                cols = geo.columns(x[s : s + m], room, cols_flat, IMAGE_MAJOR)
                g3 = g[s : s + m].reshape(m, o, geo.l).transpose(0, 2, 1)
                total += xp.matmul(cols, g3).sum(axis=0)
        geo.give(room, cols_flat, g_flat)
        return total

    total = _summed(geo, work)
    bias_total = total[geo.k].copy() if bias else None  # the ones' row
    total = total[: geo.k]
    if geo.channels_last:
        dw = xp.ascontiguousarray(total.T.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))
    else:
        dw = xp.ascontiguousarray(total.T).reshape(weight_shape)
    return (dw, bias_total) if bias else dw


def input_grad(g, weight, x_shape, stride, padding):
    """dL/dx: for stride 1 (and padding < kernel) a convolution of the padded gradient
    with the flipped, transposed kernel; otherwise col2im of W^T g."""
    xp = namespace(g)
    (kh, kw), (ph, pw) = weight.shape[2:], padding
    if stride == (1, 1) and ph < kh and pw < kw:
        flipped = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return forward(g, flipped, (1, 1), (kh - 1 - ph, kw - 1 - pw))
    from .ops_conv import col2im

    o = weight.shape[0]
    n, _, oh, ow = g.shape
    dcols = xp.matmul(weight.reshape(o, -1).T, g.reshape(n, o, oh * ow))
    return xp.ascontiguousarray(col2im(dcols, x_shape, (kh, kw), stride, padding))
