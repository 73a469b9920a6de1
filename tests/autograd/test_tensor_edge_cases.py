"""Adversarial edge cases of `Tensor` ops: values and float64 gradients against PyTorch.

Broadcasting (0-d, size-1 axes, both sides), reductions (axis tuples, negative axes,
keepdims, ties), indexing (negative steps, repeated fancy indices, masks, None,
Ellipsis), shape ops, joins, matmul with 1-D/batched operands, pow/div at the edges,
dtype preservation and the backward API. Only behaviour that is correct today is
pinned here (known bugs are reported, not tested).
"""
import numpy as np
import pytest

from scratchgrad import autograd as ag
from scratchgrad.autograd import GraphFreedError, Tensor, concatenate, maximum, minimum, stack, where

torch = pytest.importorskip("torch")


def _rng():
    return np.random.default_rng(0)


def check(f_ours, f_torch, *arrays, rtol=1e-10, atol=1e-12):
    """Same value, shape and gradients (for a random upstream gradient) as PyTorch."""
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = f_ours(*ours), f_torch(*theirs)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    seed = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(seed)
    tout.backward(torch.tensor(seed))
    for x, t, a in zip(ours, theirs, arrays):
        expected = np.zeros(np.shape(a)) if t.grad is None else t.grad.numpy()
        got = np.zeros(np.shape(a)) if x.grad is None else x.grad
        assert np.shape(got) == expected.shape
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def R(*shape):
    return _rng().standard_normal(shape)


# --- broadcasting -------------------------------------------------------------------------

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
}
SHAPE_PAIRS = [((), (3,)), ((3, 1), (1, 4)), ((1,), (2, 3)), ((2, 1, 3), (4, 1)),
               ((), ()), ((1, 1), (1,)), ((0, 3), (1, 3)), ((5, 1), (0,))]


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_broadcasting_matches_torch(op, sa, sb):
    rng = _rng()
    check(BINARY[op], BINARY[op], rng.standard_normal(sa), rng.standard_normal(sb) + 3.0)


@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_maximum_minimum_pow_broadcasting(sa, sb):
    rng = _rng()
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check(maximum, torch.maximum, a, b)
    check(minimum, torch.minimum, a, b)
    check(lambda x, y: abs(x) ** y, lambda x, y: x.abs() ** y, a, b)


def test_python_and_numpy_operands_on_either_side():
    check(lambda a: 2.0 - a, lambda a: 2.0 - a, R(2, 3))
    check(lambda a: 1.0 / a, lambda a: 1.0 / a, R(2, 3))
    check(lambda a: np.ones((4, 1, 3)) * a, lambda a: torch.ones(4, 1, 3, dtype=torch.float64) * a,
          R(2, 3))
    out = np.ones(3) + Tensor([1.0, 2.0, 3.0])          # ndarray on the left -> Tensor
    assert isinstance(out, Tensor)


# --- reductions ---------------------------------------------------------------------------

def _torch_reduce(fn, t, axis, keepdims):
    dim = tuple(range(t.ndim)) if axis is None else axis
    if fn in ("max", "min"):
        return getattr(torch, "a" + fn)(t, dim=dim, keepdim=keepdims)
    return getattr(t, fn)(dim=dim, keepdim=keepdims)


@pytest.mark.parametrize("fn", ["sum", "mean", "max", "min", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (-1, -3), (1,), [2, 0]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_torch(fn, axis, keepdims):
    check(lambda a: getattr(a, fn)(axis=axis, keepdims=keepdims),
          lambda t: _torch_reduce(fn, t, tuple(axis) if isinstance(axis, list) else axis,
                                  keepdims), R(2, 3, 4))


def test_max_min_ties_split_the_gradient_like_torch_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check(lambda a: a.max(axis=1), lambda t: t.amax(dim=1), x)
    check(lambda a: a.min(axis=0, keepdims=True), lambda t: t.amin(dim=0, keepdim=True), x)
    check(lambda a: a.max(), lambda t: t.amax(), x)
    check(lambda a: a.max(axis=(0, 2), keepdims=True),
          lambda t: t.amax(dim=(0, 2), keepdim=True), np.ones((2, 2, 2)))


def test_var_std_corrections_and_constant_input():
    check(lambda a: a.var(axis=1, correction=2), lambda t: t.var(dim=1, correction=2), R(2, 4))
    check(lambda a: a.var(correction=0), lambda t: t.var(correction=0), np.array([2.0]))
    check(lambda a: a.std(axis=1), lambda t: t.std(dim=1), np.ones((2, 3)))   # grad 0, not nan


def test_reductions_of_empty_and_zero_dim_tensors():
    check(lambda a: a.sum(), lambda t: t.sum(), np.zeros((0, 3)))
    check(lambda a: a.sum(axis=0), lambda t: t.sum(dim=0), np.zeros((0, 3)))
    check(lambda a: a.max(axis=1), lambda t: t.amax(dim=1), np.zeros((0, 3)))
    check(lambda a: a.sum(), lambda t: t.sum(), np.array(2.0))
    check(lambda a: a.max(), lambda t: t.amax(), np.array(2.0))
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0, 3))).mean()                 # torch gives nan; we refuse clearly
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="divides by zero"):
        Tensor([1.0]).var()


def test_sum_over_no_axes_is_the_identity_like_numpy():
    x = Tensor(R(2, 3), requires_grad=True)
    out = x.sum(axis=())
    assert out.shape == (2, 3)
    out.backward(np.full((2, 3), 2.0))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_reduction_axis_errors_are_clear():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same axis twice"):
        x.sum(axis=(0, -2))
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=2)
    assert x.sum(axis=np.int64(1)).shape == (2,)


def test_max_with_nan_and_inf():
    x = Tensor([1.0, np.inf, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    y = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    out = y.max()
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(y.grad, [0.0, 1.0, 0.0])   # the NaN gets the gradient


# --- indexing -----------------------------------------------------------------------------

X45 = R(4, 5)
INDICES = {
    "int and slice": (1, slice(None)),
    "negative ints": (-1, -2),
    "repeated fancy": ([0, 0, 2, 0],),
    "repeated fancy 2d": ([0, 0, 1], [2, 2, 3]),
    "fancy array 2d": (np.array([[0, 1], [1, 1]]),),
    "bool rows": (X45[:, 0] > 0,),
    "bool full": (X45 > 0,),
    "newaxis": (None, slice(None), None),
    "ellipsis": (Ellipsis, 1),
    "ellipsis newaxis": (Ellipsis, None),
    "slice and fancy": (slice(1, 3), [0, 0, 4]),
    "empty slice": (slice(2, 2),),
    "numpy int": (np.int64(2),),
    "None ellipsis fancy": (None, Ellipsis, [2, 2]),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem_matches_torch(name):
    ix = INDICES[name]
    tix = tuple(torch.tensor(i) if isinstance(i, (list, np.ndarray)) else i for i in ix)
    check(lambda a: a[ix], lambda t: t[tix], X45)


def test_negative_step_slices_match_numpy():
    x = Tensor(X45, requires_grad=True)
    y = x[::-1, 4:0:-2]
    np.testing.assert_array_equal(y.data, X45[::-1, 4:0:-2])
    y.backward(np.ones(y.shape))
    expected = np.zeros_like(X45)
    expected[::-1, 4:0:-2] += 1
    np.testing.assert_array_equal(x.grad, expected)


def test_repeated_indices_accumulate_gradients():
    x = Tensor(np.zeros(3), requires_grad=True)
    y = x[np.array([[0, 0], [0, 2]])]
    (y * Tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 0.0, 4.0])
    x = Tensor(np.zeros((3, 3)), requires_grad=True)
    x[[0, 0, 0], [1, 1, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad[0], [0.0, 2.0, 1.0])


def test_second_order_through_repeated_index():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = ag.grad((x[[0, 0, 1]] ** 3).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, [6.0, 12.0, 0.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad, [12.0, 12.0, 0.0])


def test_index_with_tensor_and_zero_dim():
    check(lambda a: a[Tensor(np.array([1, 1]), dtype=np.int64)],
          lambda t: t[torch.tensor([1, 1])], X45)
    check(lambda a: a[...], lambda t: t[...], np.array(3.0))
    check(lambda a: a[None], lambda t: t[None], np.array(3.0))
    with pytest.raises(IndexError, match="integer"):      # Tensor([0, 1]) is float64
        Tensor(X45)[Tensor([0, 1])]


# --- shape ops ----------------------------------------------------------------------------

Y = R(2, 3, 4)
Z = R(1, 3, 1)
SHAPE_OPS = {
    "reshape -1": (lambda a: a.reshape(-1, 4), lambda t: t.reshape(-1, 4), Y),
    "reshape tuple": (lambda a: a.reshape((4, 6)), lambda t: t.reshape((4, 6)), Y),
    "reshape to 0d": (lambda a: a.reshape(()), lambda t: t.reshape(()), np.array([5.0])),
    "reshape from 0d": (lambda a: a.reshape(1, 1), lambda t: t.reshape(1, 1), np.array(5.0)),
    "T": (lambda a: a.T, lambda t: t.permute(2, 1, 0), Y),
    "mT": (lambda a: a.mT, lambda t: t.mT, Y),
    "transpose swap": (lambda a: a.transpose(0, 2), lambda t: t.transpose(0, 2), Y),
    "transpose swap neg": (lambda a: a.transpose(-1, 0), lambda t: t.transpose(-1, 0), Y),
    "transpose full neg": (lambda a: a.transpose(-1, 0, 1), lambda t: t.permute(-1, 0, 1), Y),
    "permute": (lambda a: a.permute(1, 2, 0), lambda t: t.permute(1, 2, 0), Y),
    "permute list": (lambda a: a.permute([2, 0, 1]), lambda t: t.permute([2, 0, 1]), Y),
    "flatten": (lambda a: a.flatten(), lambda t: t.flatten(), Y),
    "flatten 1": (lambda a: a.flatten(1), lambda t: t.flatten(1), Y),
    "flatten -2": (lambda a: a.flatten(-2), lambda t: t.flatten(-2), Y),
    "flatten 0d": (lambda a: a.flatten(), lambda t: t.flatten(), np.array(2.0)),
    "squeeze": (lambda a: a.squeeze(), lambda t: t.squeeze(), Z),
    "squeeze -1": (lambda a: a.squeeze(-1), lambda t: t.squeeze(-1), Z),
    "squeeze tuple": (lambda a: a.squeeze((0, 2)), lambda t: t.squeeze((0, 2)), Z),
    "unsqueeze 3": (lambda a: a.unsqueeze(3), lambda t: t.unsqueeze(3), Z),
    "unsqueeze -2": (lambda a: a.unsqueeze(-2), lambda t: t.unsqueeze(-2), R(2, 3)),
    "expand": (lambda a: a.expand(2, 3, 3), lambda t: t.expand(2, 3, 3), Z),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_ops_match_torch(name):
    ours, theirs, x = SHAPE_OPS[name]
    check(ours, theirs, x)


def test_shape_op_errors_are_clear():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot reshape"):
        x.reshape(4, -1)
    with pytest.raises(ValueError, match="not a permutation"):
        x.transpose(0, 0)
    with pytest.raises(ValueError, match="out of range"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match="size is not 1"):   # torch: a silent no-op
        Tensor(Z).squeeze(1)


# --- joins, where -------------------------------------------------------------------------

def test_concatenate_and_stack_match_torch():
    check(lambda a, b: concatenate([a, b], axis=-1), lambda a, b: torch.cat([a, b], -1),
          R(2, 3), R(2, 1))
    check(lambda a, b: concatenate([a, b]), lambda a, b: torch.cat([a, b]), R(0, 3), R(2, 3))
    check(lambda a, b: stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], -1),
          R(2, 3), R(2, 3))
    check(lambda a, b: stack([a, b]), lambda a, b: torch.stack([a, b]),
          np.array(1.0), np.array(2.0))
    check(lambda a: stack([a, a, a], axis=1), lambda t: torch.stack([t, t, t], 1), R(2, 3))
    check(lambda a: concatenate([a, a]), lambda t: torch.cat([t, t]), R(2, 3))


def test_join_errors_name_the_shapes():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 3\)"):
        concatenate([x, Tensor(np.ones((3, 3)))], axis=1)
    with pytest.raises(ValueError, match="out of range"):
        concatenate([x, x], axis=2)
    with pytest.raises(ValueError, match="same shape"):
        stack([x, Tensor(np.ones((3, 3)))])


def test_where_broadcasts_condition_and_both_branches():
    cond = R(2, 3) > 0
    tcond = torch.tensor(cond)
    check(lambda a, b: where(cond, a, b), lambda a, b: torch.where(tcond, a, b), R(1, 3), R(2, 1))
    check(lambda a: where(cond, a, 0.0), lambda t: torch.where(tcond, t, 0.0), R(2, 3))
    check(lambda a, b: where(cond, a, b), lambda a, b: torch.where(tcond, a, b), R(3), R(3))
    check(lambda a: where(a.data > 0, a, a * 2), lambda t: torch.where(t > 0, t, t * 2), R(3))


def test_maximum_minimum_ties_split_in_half_like_torch():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    check(maximum, torch.maximum, a, b)
    check(minimum, torch.minimum, a, b)
    check(lambda x: maximum(x, x), lambda t: torch.maximum(t, t), a)


# --- matmul -------------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)),
                                   ((5, 2, 3), (3,)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                                   ((1, 2, 3), (5, 3, 4))])
def test_matmul_shapes_match_torch(sa, sb):
    check(lambda a, b: a @ b, lambda a, b: a @ b, R(*sa), R(*sb) + 1.0)


def test_matmul_with_ndarrays_and_itself():
    f64 = torch.float64
    check(lambda a: a @ np.ones((3, 2)), lambda t: t @ torch.ones(3, 2, dtype=f64), R(2, 3))
    check(lambda a: np.ones((2, 2)) @ a, lambda t: torch.ones(2, 2, dtype=f64) @ t, R(2, 3))
    check(lambda a: np.ones(2) @ a, lambda t: torch.ones(2, dtype=f64) @ t, R(2, 3))
    check(lambda a: a @ a, lambda t: t @ t, R(3, 3))
    check(lambda a: a @ a, lambda t: t @ t, R(3))
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor([1.0])


# --- pow, div, clip, abs, exp/log at the edges ---------------------------------------------

def test_pow_edges_match_torch():
    base = np.array([-2.0, 0.0, 4.0])
    for c in (0.5, 3, 2.0, 0, -1, 1, 1.5):
        check(lambda a, c=c: a ** c, lambda t, c=c: t ** c, base)
    check(lambda a, b: a ** b, lambda a, b: a ** b,
          np.array([-2.0, -2.0, 0.0, 0.0, 0.0, -3.0]), np.array([2.0, 0.5, 0.0, 2.0, -1.0, 3.0]))
    check(lambda a: 2.0 ** a, lambda t: 2.0 ** t, R(3))
    check(lambda a: (-2.0) ** a, lambda t: (-2.0) ** t, np.array([2.0, 3.0, 0.5]))
    check(lambda a: 0.0 ** a, lambda t: 0.0 ** t, np.array([2.0, 0.0, -1.0]))
    check(lambda a: a ** np.array([2.0, 3.0]),
          lambda t: t ** torch.tensor([2.0, 3.0], dtype=torch.float64), np.array([-2.0, 3.0]))
    check(lambda a: a ** np.int64(2), lambda t: t ** 2, np.array([-2.0, 3.0]))
    check(lambda a: a ** a, lambda t: t ** t, np.abs(R(3)) + 0.1)


def test_division_by_zero_gives_ieee_values_like_torch():
    check(lambda a, b: a / b, lambda a, b: a / b, np.array([1.0, -1.0, 0.0]), np.zeros(3))
    check(lambda a: a / 0.0, lambda t: t / 0.0, np.array([1.0, -1.0, 0.0]))
    check(lambda a: 1.0 / a, lambda t: 1.0 / t, np.array([1.0, -1.0, 0.0]))


def test_clip_abs_relu_at_the_boundaries():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    check(lambda a: a.clip(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), x)
    check(lambda a: a.clamp(min=0.0), lambda t: t.clamp(min=0.0), x)
    check(lambda a: a.clip(max=0.0), lambda t: t.clamp(max=0.0), x)
    check(lambda a: a.clip(1.0, 0.0), lambda t: t.clamp(1.0, 0.0), np.array([-1.0, 0.5, 2.0]))
    check(lambda a: abs(a), lambda t: abs(t), np.array([-1.0, 0.0, 2.0, np.nan]))
    check(lambda a: a.relu(), lambda t: t.relu(), np.array([-1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="min, max or both"):
        Tensor(x).clip()


@pytest.mark.filterwarnings("error")
def test_unary_extremes_match_torch_without_warnings():
    check(lambda a: a.exp(), lambda t: t.exp(), np.array([-1000.0, 0.0, 710.0, 1000.0]))
    check(lambda a: a.log(), lambda t: t.log(), np.array([0.0, -1.0, 1e-320, np.inf]))
    check(lambda a: a.sqrt(), lambda t: t.sqrt(), np.array([0.0, 4.0, -1.0]))
    check(lambda a: a.sigmoid(), lambda t: t.sigmoid(), np.array([-1000.0, 0.0, 1000.0]))
    check(lambda a: a.tanh(), lambda t: t.tanh(), np.array([-1000.0, 0.0, 1000.0]))
    check(lambda a: a.log_softmax(-1), lambda t: t.log_softmax(-1),
          np.array([[1000.0, 0.0], [1.0, 2.0]]))
    check(lambda a: a.softmax(0), lambda t: t.softmax(0), np.array([[1000.0, 0.0], [1.0, -np.inf]]))


# --- dtypes -------------------------------------------------------------------------------

F32_OPS = {
    "add int": lambda a: a + 1, "mul float": lambda a: a * 2.5, "rdiv": lambda a: 1 / a,
    "pow": lambda a: a ** 2, "pow frac": lambda a: a ** 0.5, "rpow": lambda a: 2 ** a,
    "numpy f64 scalar": lambda a: a * np.float64(2), "int list": lambda a: a + [1, 2, 3],
    "bool array": lambda a: a * np.array([True, False, True]),
    "int array": lambda a: a * np.arange(3), "mean": lambda a: a.mean(),
    "var": lambda a: a.var(), "std": lambda a: a.std(), "max": lambda a: a.max(),
    "clip": lambda a: a.clip(0, 1), "maximum": lambda a: a.maximum(0.5),
    "where": lambda a: where(a.data > 0, a, 0.0), "matmul": lambda a: a @ a,
    "softmax": lambda a: a.softmax(), "sigmoid": lambda a: a.sigmoid(),
    "stack list": lambda a: stack([a, [1.0, 2.0, 3.0]]), "ag.sum": lambda a: ag.sum([a, a]),
    "fancy index": lambda a: a[[0, 0]],
}


@pytest.mark.parametrize("name", list(F32_OPS))
def test_float32_stays_float32(name):
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    out = F32_OPS[name](x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_float64_operands_promote_but_gradients_keep_the_leaf_dtype():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for other in (np.ones(3), Tensor(np.ones(3))):
        x.grad = None
        out = x * other
        assert out.dtype == np.float64
        out.sum().backward()
        assert x.grad.dtype == np.float32
    x.grad = None
    x.astype(np.float64).sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_data_and_grad_rules():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor([True]).dtype == np.float64
    assert Tensor(np.array([1, 2]), requires_grad=True).dtype == np.float64
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)
    i = Tensor([1, 2], dtype=np.int64)
    with pytest.raises(TypeError, match="floating-point"):
        i.requires_grad_()
    np.testing.assert_allclose((i / 2).data, [0.5, 1.0])
    np.testing.assert_allclose((i * Tensor([1.5, 1.5])).data, [1.5, 3.0])
    assert i.mean().item() == 1.5


# --- item, numpy, comparisons -------------------------------------------------------------

def test_item_numpy_and_data():
    assert Tensor([[3.5]]).item() == 3.5
    assert type(Tensor(np.float32(3.5)).item()) is float
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()
    a = np.ones(2)
    t = Tensor(a)
    assert t.numpy() is t.data and np.shares_memory(t.numpy(), a)
    d = Tensor(a, requires_grad=True).detach()
    assert not d.requires_grad and np.shares_memory(d.data, a)


def test_comparisons_return_boolean_tensors():
    """PyTorch's rule: `a == b` is a bool Tensor (no gradient), so `.sum().item()` works."""
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 3.0])
    for result, expected in [(a == b, [True, False]), (a != b, [False, True]),
                             (a < 2, [True, False]), (2 > b, [True, False]),
                             (2.0 < b, [False, True]), (np.array([2.0, 2.0]) < b, [False, True]),
                             (a <= b, [True, True]), (a >= 2, [False, True])]:
        assert isinstance(result, Tensor) and result.dtype == bool
        assert not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
    assert hash(a) != hash(b) and a in {a}
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a)
    assert bool(Tensor([1.0])) is True


# --- the backward API ---------------------------------------------------------------------

def test_shared_subexpression_gradients_add_up():
    check(lambda a: (lambda s: s * s + s.exp() * s)(a * 2),
          lambda t: (lambda s: s * s + s.exp() * s)(t * 2), R(3))
    check(lambda a: a * a, lambda t: t * t, R(3))
    check(lambda a: a / a, lambda t: t / t, R(3))
    check(lambda a: a - a, lambda t: t - t, R(3))


def test_backward_twice_with_retain_graph_accumulates():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0, 12.0])
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        y.backward()


def test_backward_twice_without_retain_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(GraphFreedError, match="second time"):
        y.backward()


def test_backward_seeds():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="must match"):
        (x * 2).backward(np.ones(4))
    with pytest.raises(ValueError, match="must match"):
        (x * 2).backward(np.ones(()))
    (x * 2).backward([1, 1, 1])                            # a list seed works
    np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0])
    w = Tensor([[2.0]], requires_grad=True)                # one element: implicit seed is ok
    (w * 2).backward()
    np.testing.assert_allclose(w.grad, [[2.0]])
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_gradients_accumulate_across_graphs_and_intermediates_drop_theirs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])
    x = Tensor([1.0, 2.0], requires_grad=True)
    kept, dropped = (x * 2).retain_grad(), x * 2
    (kept * kept + dropped * dropped).sum().backward()
    np.testing.assert_allclose(kept.grad, [4.0, 8.0])
    assert dropped.grad is None


def test_in_place_edits_are_guarded():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 5.0
    x.copy_([5.0, 5.0, 5.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    z = Tensor([1.0], requires_grad=True)
    alias = z
    alias += 1                                  # no __iadd__: rebinds to a new node
    assert alias is not z and alias._fn is not None and z.data[0] == 1.0
    with pytest.raises(TypeError):
        z[0] = 2.0                              # no __setitem__


def test_no_grad_and_second_order():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        assert not (x * 2).requires_grad
    (g,) = ag.grad((x ** 3).sum(), [x], create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


# --- regressions for the bugs this file's first version reported --------------------------

def test_a_float_number_with_an_integer_tensor_promotes_as_pytorch():
    from scratchgrad.autograd import concatenate, where
    i = Tensor([1, 2], dtype=np.int64)
    for result, expected in ((i * 0.5, [0.5, 1.0]), (i + 0.5, [1.5, 2.5]),
                             (i + np.float64(0.5), [1.5, 2.5]), (i + [0.5, 0.5], [1.5, 2.5]),
                             (i.maximum(1.5), [1.5, 2.0]),
                             (where([True, False], i, 0.5), [1.0, 0.5]),
                             (concatenate([i, [0.5]]), [1.0, 2.0, 0.5])):
        assert result.dtype.kind == "f"
        np.testing.assert_array_equal(result.data, expected)
    assert (i * 2).dtype == np.int64 and (i * [2, 3]).dtype == np.int64


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (5, 3, 4)), ((3,), (2, 5, 3, 4)),
                                              ((2, 5, 3, 4), (4,))])
def test_matmul_of_a_vector_and_a_batch_backpropagates_as_pytorch(a_shape, b_shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a_data, b_data = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    a, b = Tensor(a_data, requires_grad=True), Tensor(b_data, requires_grad=True)
    ta, tb = torch.tensor(a_data, requires_grad=True), torch.tensor(b_data, requires_grad=True)
    (a @ b).sum().backward()
    (ta @ tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)
