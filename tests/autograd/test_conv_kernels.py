"""The chunked convolution kernels (autograd/conv_blocked.py) against plain references,
on every path they take: row runs (stride 1, few channels), kernel rows (row runs with
16+ channels), channels-last (many channels), strided windows, col2im for dx where the
flipped-kernel convolution does not apply; one image per chunk, chunks with a short
last one, and the whole batch; one worker and several."""

import numpy as np
import pytest

from scratchgrad.autograd import conv_blocked, threads
from scratchgrad.autograd.ops_conv import col2im, im2col

GEOMETRIES = [
    # (channels, out channels, image hw, kernel, stride, padding)
    (1, 4, (7, 6), (3, 3), (1, 1), (1, 1)),
    (3, 5, (8, 8), (5, 5), (1, 1), (0, 0)),
    (3, 2, (6, 9), (2, 3), (1, 1), (0, 2)),
    (2, 3, (9, 7), (3, 3), (2, 2), (1, 1)),
    (2, 3, (8, 8), (3, 2), (1, 2), (0, 1)),
    (2, 2, (5, 5), (1, 1), (1, 1), (1, 1)),  # padding >= kernel: dx by col2im
    (16, 3, (7, 6), (3, 3), (1, 1), (1, 1)),  # kernel rows
    (17, 2, (6, 8), (2, 3), (1, 1), (0, 2)),  # kernel rows, kh != kw
    (16, 4, (5, 5), (1, 3), (1, 1), (0, 1)),  # kernel rows, one row: no sum
    (18, 2, (5, 6), (3, 1), (1, 1), (1, 0)),  # kernel rows, Wp == ow: nothing thrown away
    (32, 3, (6, 5), (3, 3), (1, 1), (1, 1)),  # channels-last
    (33, 2, (7, 7), (3, 3), (2, 1), (2, 0)),  # channels-last, strided
]


def reference(x, w, stride, padding):
    """Output, and the two gradients of sum(out * g), from im2col with einsum."""
    kernel = w.shape[2:]
    cols = im2col(x, kernel, stride, padding)  # (N, C*kh*kw, L)
    out = np.einsum("ok,nkl->nol", w.reshape(len(w), -1), cols)
    return cols, out


@pytest.fixture(params=["one image", "short last chunk", "whole batch"])
def chunk_bytes(request, monkeypatch):
    sizes = {"one image": 1, "short last chunk": None, "whole batch": 1 << 40}
    size = sizes[request.param]
    if size is None:  # two images per chunk of five: 2 + 2 + 1

        def two(xp, n, per_image):
            return min(n, 2)

        monkeypatch.setattr(conv_blocked, "images_per_chunk", two)
    else:
        monkeypatch.setattr(conv_blocked, "CHUNK_BYTES", size)
    return request.param


@pytest.fixture(params=[1, 3])
def workers(request):
    before = threads.get_num_threads()
    threads.set_num_threads(request.param)
    yield request.param
    threads.set_num_threads(before)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_kernels_match_im2col_on_every_path(geometry, chunk_bytes, workers):
    c, o, (h, w_), kernel, stride, padding = geometry
    rng = np.random.default_rng(sum(map(hash, map(str, geometry))) % 2**32)
    x = rng.standard_normal((5, c, h, w_))
    weight = rng.standard_normal((o, c) + kernel)
    cols, out = reference(x, weight, stride, padding)
    got = conv_blocked.forward(x, weight, stride, padding)
    out = out.reshape(got.shape)
    np.testing.assert_allclose(got, out, rtol=1e-12, atol=1e-12)
    bias = rng.standard_normal(o)  # a column of W against a row of ones in the columns
    with_bias = conv_blocked.forward(x, weight, stride, padding, bias)
    np.testing.assert_allclose(with_bias, got + bias.reshape(1, -1, 1, 1), rtol=1e-12, atol=1e-12)

    g = rng.standard_normal(got.shape)
    g3 = g.reshape(len(g), o, -1)
    dw_ref = np.einsum("nol,nkl->ok", g3, cols).reshape(weight.shape)
    dx_ref = col2im(
        np.einsum("ok,nol->nkl", weight.reshape(o, -1), g3), x.shape, kernel, stride, padding
    )
    dw = conv_blocked.weight_grad(x, g, weight.shape, stride, padding)
    dx = conv_blocked.input_grad(g, weight, x.shape, stride, padding)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-10, atol=1e-10)
    dw_too, db = conv_blocked.weight_grad(x, g, weight.shape, stride, padding, bias=True)
    np.testing.assert_allclose(dw_too, dw, rtol=1e-12, atol=1e-12)  # db: the ones' row
    np.testing.assert_allclose(db, g.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    assert dx.shape == x.shape and dw.shape == weight.shape
    assert dw.flags.c_contiguous and dx.flags.c_contiguous


def test_float32_keeps_its_dtype_and_the_inputs_are_not_written():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 32, 6, 6)).astype(np.float32)
    weight = rng.standard_normal((4, 32, 3, 3)).astype(np.float32)
    x0, w0 = x.copy(), weight.copy()
    out = conv_blocked.forward(x, weight, (1, 1), (1, 1))
    g = np.ones_like(out)
    dx = conv_blocked.input_grad(g, weight, x.shape, (1, 1), (1, 1))
    dw = conv_blocked.weight_grad(x, g, weight.shape, (1, 1), (1, 1))
    assert out.dtype == dx.dtype == dw.dtype == np.float32
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(weight, w0)


def test_nan_in_one_image_stays_in_that_image():
    """Row runs compute thrown-away columns from neighbouring pixels and images: a NaN
    must not leak from them into a real output."""
    x = np.ones((3, 2, 5, 5))
    x[1, 0, 2, 4] = np.nan  # the last column: read by the next row's thrown-away outputs
    weight = np.ones((1, 2, 3, 3))
    out = conv_blocked.forward(x, weight, (1, 1), (1, 1))
    _, expected = reference(x, weight, (1, 1), (1, 1))
    assert np.isfinite(out[0]).all() and np.isfinite(out[2]).all()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected.reshape(out.shape)))
    assert np.isnan(out[1]).sum() == 6  # the pixel's 3x2 neighbourhood at the right edge


@pytest.mark.parametrize("geometry", GEOMETRIES[:3] + GEOMETRIES[6:11], ids=str)
def test_scratch_memory_is_written_before_it_is_read(geometry, monkeypatch):
    """Scratch arrays come uninitialised from the engine's pool: filled with NaN here,
    nothing of them may reach a result (row runs read kw - 1 values past the last
    image, which must be zeroed)."""

    def poisoned(xp, shape, dtype):
        return np.full(shape, np.nan, dtype)

    monkeypatch.setattr(conv_blocked, "_scratch", poisoned)
    c, o, (h, w_), kernel, stride, padding = geometry
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, c, h, w_))
    weight = rng.standard_normal((o, c) + kernel)
    g = rng.standard_normal(conv_blocked.forward(x, weight, stride, padding).shape)
    for result in (
        conv_blocked.forward(x, weight, stride, padding),
        conv_blocked.weight_grad(x, g, weight.shape, stride, padding),
        conv_blocked.input_grad(g, weight, x.shape, stride, padding),
    ):
        assert np.isfinite(result).all()


@pytest.mark.parametrize("bias", [False, True], ids=["no bias", "bias"])
@pytest.mark.parametrize("channels", [1, 16], ids=["columns", "kernel rows"])
def test_an_inf_pixel_spoils_only_the_weights_that_see_it(channels, bias):
    """Row runs read thrown-away columns, whose gradient is zero: 0 * inf must not turn
    weights that never see the pixel into NaN (columns have no row runs; kernel rows
    compute such a result again by columns, bias gradient too)."""
    x = np.ones((2, channels, 5, 5))
    x[0, 0, 1, 0] = np.inf  # column 0: kernel offsets j = 1, 2 never read it (no padding)
    weight = np.ones((1, channels, 3, 3))
    g = np.arange(1.0, 19.0).reshape(2, 1, 3, 3)  # no zero: 0 * inf would be NaN
    cols, _ = reference(x, weight, (1, 1), (0, 0))
    expected = np.einsum("nol,nkl->ok", g.reshape(2, 1, -1), cols).reshape(weight.shape)
    got = conv_blocked.weight_grad(x, g, weight.shape, (1, 1), (0, 0), bias=bias)
    if bias:
        got, db = got
        np.testing.assert_array_equal(db, [g.sum()])
    np.testing.assert_array_equal(got, expected)
    assert np.isfinite(got[0, 0, :, 1:]).all() and np.isinf(got[0, 0, :2, 0]).all()
    assert np.isfinite(got[0, 1:]).all()


@pytest.mark.parametrize("geometry", GEOMETRIES[6:10], ids=str)
def test_kernel_rows_weight_grad_stands_alone_for_finite_pixels(geometry, monkeypatch, workers):
    """With finite pixels the kernel-row weight gradient is the answer: not computed
    again by columns (which would hide a wrong one), and with uninitialised (NaN)
    scratch, its thrown-away gradient columns are zeroed before they are read."""

    def poisoned(xp, shape, dtype):
        return np.full(shape, np.nan, dtype)

    def no_columns(*args):
        raise AssertionError("kernel rows fell back to columns")

    monkeypatch.setattr(conv_blocked, "_scratch", poisoned)
    monkeypatch.setattr(conv_blocked, "_column_weight_grad", no_columns)
    c, o, (h, w_), kernel, stride, padding = geometry
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, c, h, w_))
    weight = rng.standard_normal((o, c) + kernel)
    geo = conv_blocked._Geometry(np, x.shape, kernel, stride, padding, x.dtype)
    assert geo.kernel_rows
    cols, out = reference(x, weight, stride, padding)
    g = rng.standard_normal(out.shape)  # (N, O, L)
    g4 = g.reshape(5, o, geo.oh, geo.ow)
    dw, db = conv_blocked.weight_grad(x, g4, weight.shape, stride, padding, bias=True)
    np.testing.assert_allclose(
        dw, np.einsum("nol,nkl->ok", g, cols).reshape(weight.shape), rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(db, g.sum(axis=(0, 2)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("per_chunk", [1, 2, 4, 36, 100])
@pytest.mark.parametrize("share", [(0, 100), (0, 50), (50, 100), (3, 4), (10, 17)])
def test_a_share_of_images_is_cut_into_the_fewest_chunks_of_equal_sizes(per_chunk, share):
    geo = conv_blocked._Geometry(np, (100, 1, 28, 28), (5, 5), (1, 1), (0, 0), np.float32)
    geo.per_chunk = per_chunk
    start, stop = share
    chunks = list(geo.chunks(start, stop))
    sizes = [m for _, m in chunks]
    assert [s for s, _ in chunks] == [start] + list(np.cumsum(sizes)[:-1] + start)
    assert sum(sizes) == stop - start and max(sizes) <= per_chunk
    assert len(chunks) == -(-(stop - start) // per_chunk)  # as few as can be
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


def test_an_empty_batch_gives_empty_outputs_and_a_zero_weight_gradient(workers):
    x, weight, g = np.zeros((0, 3, 8, 8)), np.ones((4, 3, 3, 3)), np.zeros((0, 4, 8, 8))
    assert conv_blocked.forward(x, weight, (1, 1), (1, 1)).shape == (0, 4, 8, 8)
    assert not conv_blocked.weight_grad(x, g, weight.shape, (1, 1), (1, 1)).any()
    assert conv_blocked.input_grad(g, weight, x.shape, (1, 1), (1, 1)).shape == x.shape


@pytest.mark.parametrize("frozen", ["weight", "bias", "neither"])
def test_the_bias_gradient_with_or_without_the_weights(frozen, workers):
    """db is summed beside dW (conv_blocked.weight_grad(bias=True)), or alone when the
    weights are frozen; either way it is g summed over images and positions."""
    from scratchgrad import nn, tensor

    rng = np.random.default_rng(9)
    conv = nn.Conv2d(3, 4, 3, padding=1, seed=0).to(dtype=np.float64)
    if frozen != "neither":
        getattr(conv, frozen).requires_grad = False
    g = rng.standard_normal((5, 4, 6, 6))
    conv(tensor(rng.standard_normal((5, 3, 6, 6)))).backward(tensor(g))
    if frozen != "bias":
        np.testing.assert_allclose(conv.bias.grad, g.sum(axis=(0, 2, 3)), rtol=1e-12)
    else:
        assert conv.bias.grad is None
    assert (conv.weight.grad is None) == (frozen == "weight")


def test_kernel_rows_keep_a_nan_in_its_own_image():
    """Kernel rows read each plane on into the next one (for thrown-away columns): a NaN
    at an image's last pixel must not reach the next image's outputs."""
    x = np.ones((3, 16, 5, 5))
    x[1, 15, 4, 4] = np.nan  # the last value of image 1's last plane
    weight = np.ones((2, 16, 3, 3))
    out = conv_blocked.forward(x, weight, (1, 1), (1, 1))
    _, expected = reference(x, weight, (1, 1), (1, 1))
    assert conv_blocked._Geometry(np, x.shape, (3, 3), (1, 1), (1, 1), x.dtype).kernel_rows
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected.reshape(out.shape)))
    assert np.isfinite(out[0]).all() and np.isfinite(out[2]).all()
