"""What a probe of the day's PyTorch additions found, each against PyTorch: solve's
vector rule and batch broadcasting, norms of zeros (negative orders, the Frobenius
norm's gradient), logaddexp's gradient at inf, einsum over empty dimensions, scatter
with a 0-d index, diff with n=0, grad()/backward(inputs=) running only their inputs'
hooks, and bool / small-int inputs computed in the default dtype (numpy would use
float16 and wrap -x of a uint8 around)."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad

torch = oracle("torch")
RNG = np.random.default_rng(0)


def _same(ours, theirs, **tolerance):
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), **tolerance)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "a_shape, b_shape", [((1, 4, 4), (4, 4)), ((3, 4, 4), (4, 2)), ((3, 4, 4), (3, 4))]
)
def test_solve_broadcasts_and_takes_vectors_as_pytorch(a_shape, b_shape):
    a = RNG.normal(size=a_shape) + 3 * np.eye(4)
    b = RNG.normal(size=b_shape)
    ours = scratchgrad.linalg.solve(scratchgrad.tensor(a), scratchgrad.tensor(b))
    theirs = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
    assert ours.shape == tuple(theirs.shape)
    _same(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
def test_norms_at_zero():
    for lib in (scratchgrad, torch):
        w = lib.zeros(2, 2, dtype=lib.float64, requires_grad=True)
        lib.linalg.matrix_norm(w).backward()
        assert np.all(w.grad.numpy() == 0)  # not NaN
    values = [0.0, 1.0, 2.0]
    for order in (-1, -0.5, -math.inf):
        _same(
            scratchgrad.linalg.vector_norm(scratchgrad.tensor(values), order),
            torch.linalg.vector_norm(torch.tensor(values, dtype=torch.float64), order),
        )


@pytest.mark.oracle
def test_logaddexp_gradient_at_infinity_and_einsum_over_empty_axes():
    found = []
    for lib in (scratchgrad, torch):
        a = lib.tensor([math.inf, 1.0, -math.inf], requires_grad=True)
        b = lib.tensor([1.0, math.inf, 0.0], requires_grad=True)
        lib.logaddexp(a, b).sum().backward()
        empty = lib.einsum("bij,bjk->bik", lib.zeros(0, 2, 3), lib.zeros(0, 3, 4))
        found.append((a.grad.numpy(), b.grad.numpy(), tuple(empty.shape)))
    (ga, gb, shape), (ta, tb, tshape) = found
    np.testing.assert_allclose(ga, ta)
    np.testing.assert_allclose(gb, tb)
    assert shape == tshape == (0, 2, 4)
    assert float(scratchgrad.einsum("i->", scratchgrad.zeros(0))) == 0.0


@pytest.mark.oracle
def test_scatter_with_a_0d_index_and_diff_with_n_0():
    _same(
        scratchgrad.scatter(scratchgrad.zeros(5), 0, scratchgrad.tensor(2), value=3.0),
        torch.scatter(torch.zeros(5), 0, torch.tensor(2), 3.0),
    )
    x = [1.0, 4.0]
    _same(
        scratchgrad.tensor(x).diff(0, prepend=scratchgrad.tensor([0.0])),
        torch.tensor(x).diff(0, prepend=torch.tensor([0.0])),
    )


@pytest.mark.oracle
def test_only_the_inputs_hooks_run_in_grad_and_backward_inputs():
    for lib in (scratchgrad, torch):
        seen = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        w.register_hook(lambda g: seen.append("w"))
        (x * w).sum().backward(inputs=[x])
        lib.autograd.grad((x * w).sum(), x)
        assert seen == [] and w.grad is None


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["exp", "sigmoid", "tan", "sqrt", "log1p"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "bool", "int16"])
def test_small_integers_and_bools_compute_in_the_default_dtype(name, dtype):
    values = np.array([1, 2, 10] if dtype != "bool" else [True, False, True]).astype(dtype)
    ours = getattr(scratchgrad.tensor(values), name)()
    theirs = getattr(torch.tensor(values), name)()  # (float32, PyTorch's default)
    assert ours.dtype == np.float64
    _same(ours, theirs.double(), rtol=1e-6)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")  # PyTorch's own note
def test_matrix_methods_and_spellings():
    a = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    spd = a @ a.T
    ours, theirs = scratchgrad.tensor(a), torch.tensor(a)
    for name in ("det", "logdet", "inverse"):
        _same(getattr(ours, name)(), getattr(theirs, name)(), rtol=1e-10)
    _same(scratchgrad.tensor(spd).cholesky(), torch.tensor(spd).cholesky(), rtol=1e-10)
    _same(ours.slogdet()[1], theirs.slogdet()[1], rtol=1e-10)
    x = scratchgrad.arange(10.0)
    assert [t.shape for t in x.tensor_split(sections=3)] == [(4,), (3,), (3,)]
    assert [t.shape for t in scratchgrad.tensor_split(x, indices=[2, 5])] == [(2,), (3,), (5,)]
    _same(scratchgrad.trapz(x), torch.trapz(torch.arange(10.0, dtype=torch.float64)))
    _same(scratchgrad.sgn(scratchgrad.tensor([-2.0, 0.0])), torch.sgn(torch.tensor([-2.0, 0.0])))
    model = scratchgrad.nn.Linear(2, 2)
    assert model.compile() is None and isinstance(model, scratchgrad.nn.Linear)


@pytest.mark.oracle
def test_integer_products_and_sums_are_int64_as_pytorchs():
    for dtype in ("int8", "uint8", "int16", "bool"):
        values = np.array([100, 100] if dtype != "bool" else [True, True]).astype(dtype)
        for name in ("prod", "sum"):
            ours = getattr(scratchgrad.tensor(values), name)()
            theirs = getattr(torch.tensor(values), name)()
            assert ours.dtype == np.int64 and int(ours) == int(theirs), (dtype, name)


@pytest.mark.oracle
def test_backward_hooks_see_the_forward_hooks_output_and_fresh_grad_outputs():
    found = []
    for lib in (scratchgrad, torch):
        seen = []
        layer = lib.nn.Identity()
        layer.register_forward_hook(lambda m, args, out: out * 3)
        layer.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].numpy().copy()))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        out = layer(x)
        out.sum().backward(retain_graph=True)
        (out * 2).sum().backward()
        found.append((seen, x.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = found
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(our_grad, their_grad)
