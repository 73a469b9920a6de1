"""PyTorch's in-place tensor methods beyond add_/mul_/fill_/clamp_ (autograd/in_place_methods.py):
each writes what PyTorch's writes, counts one edit, returns the tensor itself, and is
refused exactly where tensor.py refuses every in-place edit, with the same messages."""

import re

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.autograd import Tensor, no_grad

torch = oracle("torch")

X = np.array([[0.3, -1.7, 2.5], [-0.5, 0.0, 1.25]])
POSITIVE = np.abs(X) + 0.1
UNIT = np.array([[0.1, 0.5, 0.9], [0.25, 0.75, 0.6]])

# name: (data, args for both, or (our args, their args))
ELEMENTWISE = {
    "pow_": (POSITIVE, (1.5,)),
    "exp_": (X, ()),
    "expm1_": (X, ()),
    "log_": (POSITIVE, ()),
    "log1p_": (POSITIVE, ()),
    "log2_": (POSITIVE, ()),
    "log10_": (POSITIVE, ()),
    "sqrt_": (POSITIVE, ()),
    "rsqrt_": (POSITIVE, ()),
    "square_": (X, ()),
    "reciprocal_": (POSITIVE, ()),
    "abs_": (X, ()),
    "neg_": (X, ()),
    "negative_": (X, ()),
    "sign_": (X, ()),
    "relu_": (X, ()),
    "sigmoid_": (X, ()),
    "tanh_": (X, ()),
    "sin_": (X, ()),
    "cos_": (X, ()),
    "erf_": (X, ()),
    "floor_": (X, ()),
    "ceil_": (X, ()),
    "trunc_": (X, ()),
    "frac_": (X, ()),
    "round_": (np.array([0.5, 1.5, 2.5, -0.5, 1.2345]), ()),
    "clamp_min_": (X, (0.2,)),
    "clamp_max_": (X, (0.2,)),
    "clip_": (X, (-1.0, 1.0)),
}


def _pair(data):
    return sg.tensor(data), torch.tensor(data)


def _same(ours, theirs):
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-14, atol=1e-15)
    assert ours.dtype == theirs.numpy().dtype


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_in_place_methods_are_pytorchs(name):
    data, args = ELEMENTWISE[name]
    ours, theirs = _pair(data)
    assert getattr(ours, name)(*args) is ours
    getattr(theirs, name)(*args)
    _same(ours, theirs)
    assert ours._version == theirs._version == 1


@pytest.mark.oracle
def test_round_with_decimals_and_a_tensor_exponent():
    ours, theirs = _pair(np.array([1.2345, -2.5678, 0.125]))
    ours.round_(decimals=2)
    theirs.round_(decimals=2)
    _same(ours, theirs)
    ours, theirs = _pair(POSITIVE)
    ours.pow_(sg.tensor([1.0, 2.0, 0.5]))
    theirs.pow_(torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))
    _same(ours, theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["floor_", "ceil_", "trunc_", "round_", "abs_", "neg_", "relu_"])
def test_integer_tensors_keep_their_dtype(name):
    ours, theirs = _pair(np.array([3, -4, 0]))
    getattr(ours, name)()
    getattr(theirs, name)()
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.int64 and ours._version == theirs._version == 1


def test_a_float_result_does_not_fit_an_integer_tensor():
    x = sg.tensor([1, 2])
    with pytest.raises(TypeError, match=r"exp_: the result is float64, which this tensor's int64"):
        x.exp_()
    assert x._version == 0 and x.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="cannot broadcast the tensor it writes"):
        sg.tensor([1.0, 2.0]).pow_(sg.ones((2, 2)))


@pytest.mark.oracle
def test_sums_of_products_are_pytorchs():
    a, b, c = X, POSITIVE, UNIT
    for name, args in (
        ("addcmul_", (b, c)),
        ("addcdiv_", (b, c)),
        ("lerp_", (b, 0.3)),
        ("lerp_", (b, c)),
    ):
        ours, theirs = _pair(a)
        our_args = [sg.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        their_args = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        kwargs = {"value": -0.5} if name != "lerp_" else {}
        getattr(ours, name)(*our_args, **kwargs)
        getattr(theirs, name)(*their_args, **kwargs)
        _same(ours, theirs)


@pytest.mark.oracle
def test_indexed_writes_are_pytorchs():
    mask = X > 0
    for make in (
        lambda t, T: t.masked_fill_(T.tensor(mask), -9.0),
        lambda t, T: t.masked_fill_(T.tensor(mask[0]), T.tensor(7.0, dtype=T.float64)),
        lambda t, T: t.index_fill_(1, T.tensor([0, 2]), 4.0),
        lambda t, T: t.index_fill_(0, T.tensor([-1]), 4.0),  # negatives count back
        lambda t, T: t.index_add_(1, T.tensor([2, 0, 2]), T.tensor(UNIT, dtype=T.float64)),
        lambda t, T: t.index_add_(0, T.tensor([1, 1]), T.tensor(X), alpha=2.5),
        lambda t, T: t.scatter_add_(
            1, T.tensor([[0, 0, 2], [1, 1, 1]]), T.tensor(UNIT, dtype=T.float64)
        ),
        lambda t, T: t.scatter_add_(0, T.tensor([[1, 0]]), T.tensor(UNIT, dtype=T.float64)),
    ):
        ours, theirs = _pair(X)
        assert make(ours, sg) is ours
        make(theirs, torch)
        _same(ours, theirs)
        assert ours._version == theirs._version == 1


def test_indexed_writes_refuse_positions_out_of_range():
    with pytest.raises(IndexError, match="index -1 is out of bounds for dimension 0"):
        sg.zeros(3, 2).index_add_(0, sg.tensor([-1]), sg.ones(1, 2))
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0"):
        sg.zeros(3, 2).scatter_add_(0, sg.tensor([[3, 0]]), sg.ones(1, 2))
    with pytest.raises(ValueError, match="source has shape"):
        sg.zeros(3, 2).index_add_(0, sg.tensor([0]), sg.ones(2, 2))
    with pytest.raises(IndexError):
        sg.zeros(3, 2).index_fill_(0, sg.tensor([5]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        sg.zeros(3).masked_fill_(sg.tensor([True, False, True]), sg.ones(3))


def test_random_fills_have_their_distributions():
    sg.manual_seed(0)
    n = 200_000
    x = sg.empty(n)
    assert x.bernoulli_(0.3) is x and x._version == 1
    assert set(np.unique(x.data)) == {0.0, 1.0} and abs(x.data.mean() - 0.3) < 0.01
    probs = sg.tensor([0.0, 1.0, 0.5]).expand(4, 3).contiguous()
    drawn = sg.empty(4, 3).bernoulli_(probs).data
    assert (drawn[:, 0] == 0).all() and (drawn[:, 1] == 1).all()
    assert abs(x.exponential_(2.0).data.mean() - 0.5) < 0.01 and x.data.min() >= 0
    assert abs(np.median(x.cauchy_(1.0, 0.5).data) - 1.0) < 0.01
    logs = np.log(x.log_normal_(0.5, 0.25).data)
    assert abs(logs.mean() - 0.5) < 0.01 and abs(logs.std() - 0.25) < 0.01
    x.geometric_(0.25)
    assert x.data.min() == 1 and abs(x.data.mean() - 4.0) < 0.05
    assert x._version == 5
    whole = sg.zeros(n).random_(3, 7).data
    assert set(np.unique(whole)) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(sg.zeros(1000).random_(2).data)) == {0.0, 1.0}
    assert set(np.unique(sg.zeros(1000).random_(to=2).data)) == {0.0, 1.0}
    assert sg.zeros(1000, dtype=np.float32).random_().data.max() <= 2.0**24
    assert sg.zeros(1000, dtype=np.float32).random_().data.max() > 2.0**20
    big = sg.zeros(1000, dtype=np.int64).random_().data
    assert big.min() >= 0 and big.max() > 2**60
    counts = sg.zeros(10, dtype=np.int64).geometric_(0.5)  # integer results fit integers
    assert counts.dtype == np.int64 and counts.data.min() >= 1
    same = sg.Generator().manual_seed(3)
    first = sg.zeros(5).exponential_(generator=same).data.copy()
    again = sg.zeros(5).exponential_(generator=sg.Generator().manual_seed(3)).data
    np.testing.assert_array_equal(first, again)


def test_random_fills_refuse_what_pytorch_refuses():
    with pytest.raises(TypeError, match="exponential_ draws from a continuous distribution"):
        sg.zeros(3, dtype=np.int64).exponential_()
    with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
        sg.zeros(3).random_(5, 2)
    with pytest.raises(ValueError, match="p must be in"):
        sg.zeros(3).bernoulli_(1.5)
    with pytest.raises(ValueError, match="geometric_ expects p"):
        sg.zeros(3).geometric_(0.0)


# --- the rules every in-place edit follows -------------------------------------------------

CALLS = {
    "exp_": lambda t: t.exp_(),
    "relu_": lambda t: t.relu_(),
    "pow_": lambda t: t.pow_(2),
    "clamp_min_": lambda t: t.clamp_min_(0.0),
    "masked_fill_": lambda t: t.masked_fill_(sg.tensor([True, False]), 0.0),
    "index_fill_": lambda t: t.index_fill_(0, sg.tensor([1]), 0.0),
    "index_add_": lambda t: t.index_add_(0, sg.tensor([1]), sg.ones(1)),
    "scatter_add_": lambda t: t.scatter_add_(0, sg.tensor([1]), sg.ones(1)),
    "addcmul_": lambda t: t.addcmul_(sg.ones(2), sg.ones(2)),
    "bernoulli_": lambda t: t.bernoulli_(0.5),
    "exponential_": lambda t: t.exponential_(),
    "random_": lambda t: t.random_(4),
}


def _message(call):
    with pytest.raises(RuntimeError) as caught:
        call()
    return str(caught.value)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_refused_on_a_leaf_that_requires_grad_with_add_s_message(name):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    theirs = _message(lambda: w.add_(1.0)).replace("add_", name)
    assert _message(lambda: CALLS[name](w)) == theirs
    assert w._version == 0 and w.tolist() == [1.0, 2.0]
    with no_grad():  # a parameter update: allowed, and counted
        assert CALLS[name](w) is w
    assert w._version == 1


@pytest.mark.parametrize("name", sorted(CALLS))
def test_refused_inside_a_recorded_graph(name):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = w * 2
    message = _message(lambda: CALLS[name](h))
    assert message == _message(lambda: h.mul_(1.0)).replace("mul_", name)
    assert "part of a recorded graph" in message


def test_an_edit_of_a_saved_tensor_is_caught_at_backward():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = sg.tensor([3.0, 4.0])
    loss = (w * x).sum()  # mul saved x
    x.exp_()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_an_operand_that_requires_grad_is_refused_with_writes_message():
    """The write is not recorded, so the operand's gradient would be lost: `_write`'s
    refusal (the one `t[i] = v` gives), for every kind of operand."""
    x = sg.zeros(2)
    v = Tensor(np.array(5.0), requires_grad=True)
    expected = re.escape("the value (shape ()) requires grad")
    with pytest.raises(RuntimeError, match="indexed assignment.*" + expected):
        x[0] = v
    for call in (
        lambda: x.masked_fill_(sg.tensor([True, False]), v),
        lambda: x.pow_(v),
        lambda: x.index_add_(0, sg.tensor([0, 1]), v * sg.ones(2)),
        lambda: x.scatter_add_(0, sg.tensor([1]), v.reshape(1)),
        lambda: x.lerp_(sg.ones(2), v),
    ):
        with pytest.raises(RuntimeError, match="requires grad, and writing it into a tensor"):
            call()
    assert x._version == 0 and x.tolist() == [0.0, 0.0]
    with no_grad():
        x.pow_(v)  # no gradient asked for: allowed


def test_a_view_writes_through_to_its_base_and_shares_its_counter():
    base = sg.tensor(X)
    row = base[1]
    row.relu_()
    np.testing.assert_array_equal(base.data[1], np.maximum(X[1], 0))
    np.testing.assert_array_equal(base.data[0], X[0])
    assert base._version == row._version == 1


def test_they_work_on_parameters_data_and_grads_too():
    layer = nn.Linear(3, 2)
    layer(sg.randn(4, 3)).sum().backward()
    before = layer.weight._version
    layer.weight.data.clamp_min_(0.0)  # through .data: counted on the parameter
    assert (layer.weight.data >= 0).all() and layer.weight._version == before + 1
    g = layer.weight.grad.copy()
    layer.weight.grad.sign_()  # the gradient array itself changes
    np.testing.assert_array_equal(layer.weight.grad, np.sign(g))
    with no_grad():
        layer.weight.mul_(0.5).relu_()
