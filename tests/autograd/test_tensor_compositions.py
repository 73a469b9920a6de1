"""PyTorch's methods that are compositions of table ops (autograd/tensor_compositions.py):
values and gradients against PyTorch in float64, and central differences."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad.autograd import gradcheck, gradgradcheck

torch = oracle("torch")

X = np.array(
    [[0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.6, 3.2], [-2.0, 0.9, 0.05, -0.3]], dtype=np.float64
)
INDEX = np.array([[2, 0, 1, 1], [0, 2, 2, 0]])

# name: (function of a tensor, returning a tensor or a tuple of tensors)
CASES = {
    "split 2": lambda t, m: m.split(t, 2, 1),
    "split sizes": lambda t, m: m.split(t, [1, 3], 1),
    "chunk": lambda t, m: t.chunk(2, 0),
    "unbind": lambda t, m: m.unbind(t, 1),
    "narrow": lambda t, m: t.narrow(1, 1, 2),
    "flip": lambda t, m: t.flip([0, 1]),
    "index_select": lambda t, m: t.index_select(1, m.tensor([3, 0, 3])),
    "gather": lambda t, m: t.gather(0, m.tensor(INDEX)),
    "topk": lambda t, m: t.topk(2, dim=1)[0],
    "topk smallest": lambda t, m: m.topk(t, 2, dim=0, largest=False)[0],
    "sort": lambda t, m: t.sort(dim=1, descending=True)[0],
    "tril": lambda t, m: t.tril(),
    "triu 1": lambda t, m: m.triu(t, 1),
    "repeat": lambda t, m: t.repeat(2, 1, 3),
    "bmm": lambda t, m: m.bmm(t.reshape(1, 3, 4), t.reshape(1, 4, 3)),
    "square": lambda t, m: t.square(),
    "logsumexp": lambda t, m: m.logsumexp(t, dim=1),
    "logsumexp keep": lambda t, m: t.logsumexp(0, keepdim=True),
    "amax": lambda t, m: t.amax(1),
    "amin": lambda t, m: m.amin(t, 0, keepdim=True),
    "dot": lambda t, m: m.dot(t[0], t[1]),
    "mv": lambda t, m: m.mv(t, t[0]),
    "norm": lambda t, m: t.norm(),
    "norm dim": lambda t, m: m.norm(t, 2, 1),
    "norm 1": lambda t, m: t.norm(1, 0),
    "norm 3 keep": lambda t, m: t.norm(3, 1, keepdim=True),
    "norm 0.5": lambda t, m: t.norm(0.5),
    "norm inf": lambda t, m: t.norm(float("inf"), 1),
    "norm -inf": lambda t, m: m.norm(t, float("-inf")),
}


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make = CASES[case]
    ours, theirs = sg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out, their_out = _as_tuple(make(ours, sg)), _as_tuple(make(theirs, torch))
    assert len(out) == len(their_out)
    weights = [np.random.default_rng(i).standard_normal(o.shape) for i, o in enumerate(out)]
    for o, t in zip(out, their_out):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-13, atol=1e-15)
    sum(((o * sg.tensor(w)).sum() for o, w in zip(out, weights)), sg.tensor(0.0)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(their_out, weights)).backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "case", ["gather", "topk", "sort", "tril", "repeat", "logsumexp", "mv", "norm 3 keep"]
)
def test_gradients_pass_central_differences(case):
    make = CASES[case]
    gradcheck(
        lambda t: sum(o.sum() * (i + 1) for i, o in enumerate(_as_tuple(make(t, sg)))),
        [sg.tensor(X, requires_grad=True)],
    )


@pytest.mark.oracle
def test_indices_and_constants_match_pytorch():
    y = np.array([[1.0, np.nan, -np.inf, 2.5], [-0.5, 0.5, 1.5, 2.5]])
    ours, theirs = sg.tensor(y), torch.tensor(y)
    for name in ("isnan", "isinf", "isfinite", "sign", "floor", "round"):
        np.testing.assert_array_equal(
            getattr(sg, name)(ours).data, getattr(torch, name)(theirs).numpy()
        )
    z = sg.tensor(X)
    np.testing.assert_array_equal(
        z.topk(3, dim=1).indices.data, torch.tensor(X).topk(3, dim=1).indices.numpy()
    )
    np.testing.assert_array_equal(
        z.argsort(0, descending=True).data, torch.tensor(X).argsort(0, descending=True).numpy()
    )
    assert sg.equal(z, sg.tensor(X)) and not z.equal(sg.tensor(X[:2]))
    assert sg.logsumexp(sg.tensor([-np.inf, -np.inf]), 0).item() == float(
        torch.logsumexp(torch.tensor([-np.inf, -np.inf]), 0)
    )


def test_compositions_refuse_bad_arguments():
    z = sg.tensor(X)
    with pytest.raises(ValueError, match="do not add up"):
        z.split([1, 1], 1)
    with pytest.raises(ValueError, match="out of range"):
        z.topk(5, dim=1)
    with pytest.raises(ValueError, match="bmm multiplies two 3-D"):
        z.bmm(z)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        sg.tensor([1.0]).tril()
    with pytest.raises(ValueError, match="they must match"):
        z.gather(0, sg.tensor([0, 1]))


@pytest.mark.oracle
@pytest.mark.parametrize("options", [{}, {"density": True}, {"bins": 7, "range": (-1.0, 1.0)}])
def test_histogram_matches_pytorch(options):
    x = np.random.default_rng(0).standard_normal(500)
    hist, edges = sg.histogram(sg.tensor(x), **options)
    their_hist, their_edges = torch.histogram(torch.tensor(x), **options)
    np.testing.assert_allclose(hist.data, their_hist.numpy(), rtol=1e-12)
    np.testing.assert_allclose(edges.data, their_edges.numpy(), rtol=1e-12)
    assert sg.histogram(np.zeros(3, np.float32), bins=2).hist.dtype == np.float32


@pytest.mark.oracle
def test_orders_hold_for_unsigned_and_extreme_integers_and_nan():
    """Descending by negation would wrap uint8 and INT64_MIN; NaN counts as largest."""
    for values in (
        np.array([0, 5, 200, 3], np.uint8),
        np.array([np.iinfo(np.int64).min, 0, 5, -7]),
        np.array([1.0, 3.0, np.nan, -2.0]),
    ):
        ours, theirs = sg.tensor(values), torch.tensor(values)
        np.testing.assert_array_equal(ours.topk(2).values.data, theirs.topk(2).values.numpy())
        np.testing.assert_array_equal(
            ours.sort(descending=True).values.data, theirs.sort(descending=True).values.numpy()
        )
        np.testing.assert_array_equal(ours.sort().values.data, theirs.sort().values.numpy())


def test_positions_are_checked_not_wrapped():
    z = sg.tensor(X)
    assert z.narrow(1, -2, 2).shape == (3, 2)
    np.testing.assert_array_equal(z.narrow(1, -2, 2).data, X[:, 2:])
    with pytest.raises(IndexError, match="do not fit"):
        z.narrow(1, 3, 5)
    with pytest.raises(IndexError, match="do not fit"):
        z.gather(1, sg.tensor([[-1], [0], [0]]))
    with pytest.raises(IndexError, match="do not fit"):
        z.index_select(0, sg.tensor([3]))
    taken = sg.take_along_dim(z, sg.tensor([[1], [0], [3]]), 1)
    np.testing.assert_array_equal(taken.data, [[X[0, 1]], [X[1, 0]], [X[2, 3]]])
    np.testing.assert_array_equal(z.take_along_dim(sg.tensor([5, 0])).data, [X.ravel()[5], X[0, 0]])


@pytest.mark.oracle
def test_ties_keep_their_order_in_both_directions_as_pytorchs_stable_sort():
    for values in ([2.0, 1.0, 2.0, 1.0], [1.0, 5.0, 5.0, 4.0], [np.nan, 1.0, np.nan, 1.0]):
        ours, theirs = sg.tensor(values), torch.tensor(values)
        for descending in (False, True):
            np.testing.assert_array_equal(
                ours.sort(descending=descending, stable=True).indices.data,
                theirs.sort(descending=descending, stable=True).indices.numpy(),
            )
        np.testing.assert_array_equal(ours.topk(2).indices.data, theirs.topk(2).indices.numpy())
    rows = np.array([[3, 3, 1], [0, 7, 7]], np.uint8)
    np.testing.assert_array_equal(
        sg.tensor(rows).argsort(1, descending=True).data,
        torch.tensor(rows).argsort(dim=1, descending=True, stable=True).numpy(),
    )


@pytest.mark.oracle
def test_cumsum_floor_division_and_new_tensors_match_pytorch():
    ours, theirs = sg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    w = np.random.default_rng(3).standard_normal(X.shape)
    for dim in (0, 1, -1):
        np.testing.assert_allclose(
            sg.cumsum(ours, dim).data, torch.cumsum(theirs, dim).detach().numpy()
        )
    (ours.cumsum(1) * sg.tensor(w)).sum().backward()
    (theirs.cumsum(1) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-14)
    gradgradcheck(lambda t: (t.cumsum(0) ** 2).sum(), [sg.tensor(X, requires_grad=True)])
    ints = [7, -7, 5, 0]
    for mode in ("floor", "trunc"):
        np.testing.assert_array_equal(
            sg.tensor(ints).div(3, rounding_mode=mode).data,
            torch.tensor(ints).div(3, rounding_mode=mode).numpy(),
        )
    np.testing.assert_array_equal((sg.tensor(ints) // 2).data, (torch.tensor(ints) // 2).numpy())
    made = sg.ones(2, dtype=sg.float32).new_zeros(3, 2)
    assert made.shape == (3, 2) and made.dtype == np.float32
    assert sg.ones(2).new_full((2,), 5.0).tolist() == [5.0, 5.0]


@pytest.mark.oracle
@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, float("inf")])
def test_a_norm_of_zeros_has_pytorchs_zero_gradient_not_nan(p):
    """The root's slope is infinite at 0; PyTorch's gradient there is 0, and so is ours."""
    x = X.copy()
    x[1] = 0.0
    for dim in (None, 1):
        ours, theirs = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours.norm(p, dim).sum().backward()
        theirs.norm(p, dim).sum().backward()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-13, atol=1e-15)
    gradgradcheck(
        lambda t: t.norm(p if p != float("inf") else 2, 1).sum(), [sg.tensor(X, requires_grad=True)]
    )


def test_dot_keeps_micrograds_neuron_and_refuses_what_is_not_two_vectors():
    w, b = [sg.Value(2.0), sg.Value(-1.0)], sg.Value(0.5)
    assert sg.dot(w, [3.0, 4.0], b).data == 2.5
    with pytest.raises(ValueError, match="two 1-D tensors"):
        sg.dot(sg.tensor(X), sg.tensor(X[0]))
    with pytest.raises(ValueError, match="4 and 3 elements"):
        sg.dot(sg.tensor(X[0]), sg.tensor(X[:, 0]))
    with pytest.raises(ValueError, match="mv multiplies"):
        sg.mv(sg.tensor(X), sg.tensor(X))
    with pytest.raises(TypeError, match="give dim"):
        sg.tensor(X).cumsum()
    np.testing.assert_array_equal(sg.tensor(X).cumsum(axis=1).data, np.cumsum(X, axis=1))


def test_factories_take_pytorchs_size_keyword():
    assert sg.rand(size=(1, 2)).shape == (1, 2) and sg.zeros(size=3).shape == (3,)
    assert sg.randn(size=(), requires_grad=True).requires_grad
    assert sg.ones(size=[2, 2]).shape == sg.empty(2, 2).shape == (2, 2)
    with pytest.raises(TypeError, match="give the size once"):
        sg.zeros(2, size=3)
