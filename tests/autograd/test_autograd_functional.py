"""`autograd.functional` (PyTorch's `torch.autograd.functional`): the same numbers as the
torch.func-shaped transforms and as central differences, create_graph results that can
be differentiated again (into the inputs and into weights the function closes over),
strict mode, the user's tensors left alone, clear errors, and PyTorch's own results."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad import autograd
from scratchgrad.autograd import Tensor, functional
from scratchgrad.autograd.numerical import numerical_grad

torch = oracle("torch")

RNG = np.random.default_rng(7)
X = RNG.normal(size=3)
Y = RNG.normal(size=(2, 3))
W = RNG.normal(size=(3, 3))
U2 = RNG.normal(size=2)
V3 = RNG.normal(size=3)
V23 = RNG.normal(size=(2, 3))


def vector_function(lib):
    """R^3 -> R^2, with a weight it closes over."""

    def f(x, w=None):
        w = lib.tensor(W) if w is None else w
        return lib.stack([(x * x).sum(), lib.tanh(w @ x)[0] * x[1]])

    return f


def pair_function(lib):
    """(R^3, R^{2x3}) -> (R^2, R^3): tuple inputs and outputs."""

    def f(x, y):
        return (y @ x).sin(), (y * x).sum(0) + x.exp()

    return f


def scalar_function(lib):
    """(R^3, R^{2x3}) -> R: for the Hessians."""

    def f(x, y):
        return ((y @ x).tanh() ** 2).sum() + (x**3).sum() * y[0, 1]

    return f


def ours(*arrays):
    return tuple(Tensor(a.copy()) for a in arrays)


def assert_close(a, b, atol=1e-10):
    if isinstance(a, tuple):
        # PyTorch's forward-mode jacobian gives lists where its reverse mode gives tuples
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for p, q in zip(a, b):
            assert_close(p, q, atol)
        return
    a = a.data if isinstance(a, Tensor) else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=1e-8)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_matches_the_transforms(strategy):
    f = vector_function(scratchgrad)
    (x,) = ours(X)
    J = functional.jacobian(f, x, strategy=strategy, vectorize=True)
    assert_close(J, autograd.jacobian(f, Tensor(X)).data)
    g = pair_function(scratchgrad)
    blocks = functional.jacobian(g, ours(X, Y), strategy=strategy, vectorize=True)
    expected = autograd.jacobian(g, (Tensor(X), Tensor(Y)))
    assert_close(blocks, tuple(tuple(b.data for b in row) for row in expected))
    assert [[b.shape for b in row] for row in blocks] == [
        [(2, 3), (2, 2, 3)],
        [(3, 3), (3, 2, 3)],
    ]


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian_matches_the_transforms_and_is_symmetric(strategy):
    f = scalar_function(scratchgrad)
    H = functional.hessian(f, ours(X, Y), vectorize=True, outer_jacobian_strategy=strategy)
    expected = autograd.hessian(f, (Tensor(X), Tensor(Y)))
    assert_close(H, tuple(tuple(b.data for b in row) for row in expected))
    np.testing.assert_allclose(H[0][1].data, np.moveaxis(H[1][0].data, -1, 0), atol=1e-12)


def test_vjp_jvp_hvp_vhp_are_products_with_the_jacobian_and_hessian():
    f = vector_function(scratchgrad)
    (x,) = ours(X)
    J = functional.jacobian(f, x).data
    out, uJ = functional.vjp(f, x, Tensor(U2))
    np.testing.assert_allclose(out.data, f(Tensor(X)).data)
    np.testing.assert_allclose(uJ.data, U2 @ J, atol=1e-12)
    _, Jv = functional.jvp(f, x, Tensor(V3))
    np.testing.assert_allclose(Jv.data, J @ V3, atol=1e-12)
    s = scalar_function(scratchgrad)
    (Hxx, Hxy), (Hyx, Hyy) = (
        tuple(b.data for b in row) for row in functional.hessian(s, ours(X, Y))
    )
    v = ours(V3, V23)
    for product in (functional.hvp, functional.vhp):
        value, (hx, hy) = product(s, ours(X, Y), v)
        np.testing.assert_allclose(value.data, s(*ours(X, Y)).data)
        np.testing.assert_allclose(hx.data, Hxx @ V3 + np.tensordot(Hxy, V23, 2), atol=1e-10)
        np.testing.assert_allclose(hy.data, Hyx @ V3 + np.tensordot(Hyy, V23, 2), atol=1e-10)


def test_jacobian_matches_central_differences():
    g = pair_function(scratchgrad)
    blocks = functional.jacobian(g, ours(X, Y))
    for i in range(2):
        for k in range(2 if i == 0 else 3):

            def element(x, y, i=i, k=k):
                return g(x, y)[i][k]

            numeric = numerical_grad(element, [Tensor(X), Tensor(Y)])
            for j in range(2):
                np.testing.assert_allclose(blocks[i][j].data[k], numeric[j], atol=1e-6)


def test_results_are_detached_and_the_users_tensors_untouched():
    x = Tensor(X.copy(), requires_grad=True)
    f = vector_function(scratchgrad)
    results = [
        functional.jacobian(f, x),
        functional.hessian(lambda t: (t**3).sum(), x),
        *functional.vjp(f, x, Tensor(U2)),
        *functional.jvp(f, x, Tensor(V3)),
        *functional.hvp(lambda t: (t**3).sum(), x, Tensor(V3)),
    ]
    assert not any(r.requires_grad for r in results)
    assert x.grad is None and x.requires_grad
    plain = Tensor(X.copy())
    functional.jacobian(f, plain)
    assert not plain.requires_grad and plain.grad is None
    np.testing.assert_array_equal(plain.data, X)


def _sum_of(result):
    if isinstance(result, tuple):
        return sum((_sum_of(r) for r in result), Tensor(0.0))
    return result.sum()


CREATE_GRAPH_CALLS = {
    "jacobian": lambda f, x: functional.jacobian(f, x, create_graph=True),
    "jacobian forward": lambda f, x: functional.jacobian(
        f, x, create_graph=True, vectorize=True, strategy="forward-mode"
    ),
    "hessian": lambda f, x: functional.hessian(lambda t: f(t).sum() ** 2, x, create_graph=True),
    "vjp": lambda f, x: functional.vjp(f, x, Tensor(U2), create_graph=True)[1],
    "jvp": lambda f, x: functional.jvp(f, x, Tensor(V3), create_graph=True)[1],
    "hvp": lambda f, x: functional.hvp(
        lambda t: (f(t) ** 2).sum(), x, Tensor(V3), create_graph=True
    )[1],
}


@pytest.mark.parametrize("name", sorted(CREATE_GRAPH_CALLS))
def test_create_graph_results_differentiate_into_inputs_and_closed_over_weights(name):
    """d/dx and d/dw of sum(result): the graph reaches the input and the weight the
    function closes over (a model's parameters), checked by central differences."""
    call = CREATE_GRAPH_CALLS[name]
    base = vector_function(scratchgrad)

    def total(x, w):
        return _sum_of(call(lambda t: base(t, w), x))

    x = Tensor(X.copy(), requires_grad=True)
    w = Tensor(W.copy(), requires_grad=True)
    total(x, w).backward()
    numeric_x, numeric_w = numerical_grad(total, [Tensor(X), Tensor(W)])
    np.testing.assert_allclose(x.grad, numeric_x, atol=1e-5)
    np.testing.assert_allclose(w.grad, numeric_w, atol=1e-5)


def test_outputs_independent_of_an_input_give_zeros_or_a_strict_error():
    def f(x, y):
        return x * 2.0

    J = functional.jacobian(f, ours(X, Y))
    np.testing.assert_array_equal(J[1].data, np.zeros((3, 2, 3)))
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        functional.jacobian(f, ours(X, Y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        functional.vjp(f, ours(X, Y), Tensor(V3), strict=True)
    with pytest.raises(RuntimeError, match="output 0.*independent.*strict"):
        functional.jvp(lambda x: Tensor(np.ones(3)), ours(X), ours(V3), strict=True)
    _, (t,) = functional.jvp(lambda x: Tensor(np.ones(3)), ours(X), ours(V3))
    np.testing.assert_array_equal(t.data, np.zeros(3))
    # a linear function's Hessian is zero, and a strict one says its gradient is constant
    H = functional.hessian(lambda x: (x * 3.0).sum(), ours(X))
    np.testing.assert_array_equal(H[0][0].data, np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="strict"):
        functional.hessian(lambda x: (x * 3.0).sum(), ours(X), strict=True, create_graph=True)


def test_errors_name_what_was_wrong():
    f = vector_function(scratchgrad)
    with pytest.raises(TypeError, match="inputs must be a Tensor or a tuple of Tensors"):
        functional.jacobian(f, X)
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        functional.jacobian(lambda x: 3.0, Tensor(X))
    with pytest.raises(RuntimeError, match="v can only be None.*single element"):
        functional.vjp(f, Tensor(X))
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        functional.vjp(f, Tensor(X), Tensor(V3))
    with pytest.raises(RuntimeError, match="v has 1 entries but the input has 2"):
        functional.jvp(pair_function(scratchgrad), ours(X, Y), Tensor(V3))
    with pytest.raises(RuntimeError, match=r"single Tensor of one element, got shape \(2,\)"):
        functional.hessian(f, Tensor(X))
    with pytest.raises(RuntimeError, match=r"single Tensor of one element, got shape \(2,\)"):
        functional.hvp(f, Tensor(X), Tensor(V3))
    with pytest.raises(RuntimeError, match="single Tensor of one element, got 2 outputs"):
        functional.hessian(lambda x: (x.sum(), x.sum()), Tensor(X))
    with pytest.raises(ValueError, match="strategy must be"):
        functional.jacobian(f, Tensor(X), strategy="sideways")
    with pytest.raises(ValueError, match="forward-mode strategy needs vectorize=True"):
        functional.jacobian(f, Tensor(X), strategy="forward-mode")


def test_reachable_as_torch_autograd_functional():
    import scratchgrad as renamed

    assert renamed.autograd.functional.jacobian is functional.jacobian
    from scratchgrad.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

    assert all(callable(c) for c in (hessian, hvp, jacobian, jvp, vhp, vjp))


def _theirs(*arrays):
    return tuple(torch.tensor(a) for a in arrays)


def _pytorch_cases():
    """(name, call(lib, inputs, vectors)): the same call made on both libraries."""
    return {
        "jacobian one in one out": lambda lib, F, a: F.jacobian(vector_function(lib), a[0]),
        "jacobian pairs": lambda lib, F, a: F.jacobian(pair_function(lib), a[:2]),
        "jacobian forward": lambda lib, F, a: F.jacobian(
            pair_function(lib), a[:2], vectorize=True, strategy="forward-mode"
        ),
        "hessian pairs": lambda lib, F, a: F.hessian(scalar_function(lib), a[:2]),
        "hessian one": lambda lib, F, a: F.hessian(lambda x: (x.exp() * x).sum(), a[0]),
        "vjp": lambda lib, F, a: F.vjp(vector_function(lib), a[0], a[3]),
        "vjp pairs": lambda lib, F, a: F.vjp(pair_function(lib), a[:2], (a[3], a[2])),
        "jvp": lambda lib, F, a: F.jvp(vector_function(lib), a[0], a[2]),
        "jvp pairs": lambda lib, F, a: F.jvp(pair_function(lib), a[:2], (a[2], a[4])),
        "hvp": lambda lib, F, a: F.hvp(scalar_function(lib), a[:2], (a[2], a[4])),
        "vhp": lambda lib, F, a: F.vhp(scalar_function(lib), a[:2], (a[2], a[4])),
        "scalar vjp without v": lambda lib, F, a: F.vjp(lambda x: (x * x).sum(), a[0]),
        "independent input": lambda lib, F, a: F.jacobian(lambda x, y: x.sin(), a[:2]),
    }


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(_pytorch_cases()))
def test_matches_pytorch(name):
    call = _pytorch_cases()[name]
    arrays = (X, Y, V3, U2, V23)
    mine = call(scratchgrad, functional, ours(*arrays))
    theirs = call(torch, torch.autograd.functional, _theirs(*arrays))
    assert_close(mine, theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CREATE_GRAPH_CALLS))
def test_create_graph_gradients_match_pytorch(name):
    """The same sum-of-result, backward into x and the closed-over weight, on both."""
    x, w = Tensor(X.copy(), requires_grad=True), Tensor(W.copy(), requires_grad=True)
    base = vector_function(scratchgrad)
    _sum_of(CREATE_GRAPH_CALLS[name](lambda t: base(t, w), x)).backward()
    tx = torch.tensor(X, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    F, tbase = torch.autograd.functional, vector_function(torch)
    g = lambda t: tbase(t, tw)  # noqa: E731
    result = {  # PyTorch has no create_graph forward-mode jacobian: compare with reverse
        "jacobian": lambda: F.jacobian(g, tx, create_graph=True),
        "jacobian forward": lambda: F.jacobian(g, tx, create_graph=True),
        "hessian": lambda: F.hessian(lambda t: g(t).sum() ** 2, tx, create_graph=True),
        "vjp": lambda: F.vjp(g, tx, torch.tensor(U2), create_graph=True)[1],
        "jvp": lambda: F.jvp(g, tx, torch.tensor(V3), create_graph=True)[1],
        "hvp": lambda: F.hvp(lambda t: (g(t) ** 2).sum(), tx, torch.tensor(V3), create_graph=True)[
            1
        ],
    }[name]()
    result.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), atol=1e-10)
