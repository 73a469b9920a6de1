"""The out-of-place writes by index (autograd/indexing_functions.py: index_add, index_copy,
index_fill, index_put, scatter, scatter_add, scatter_reduce, masked_scatter) and take and
select, against PyTorch: values and the gradients of self and of the source in float64,
repeated indices where PyTorch defines the result, a float32 case, and the errors."""

import numpy as np
import pytest
from oracles import oracle
from torch_compare import compare

import scratchgrad as sg

torch = oracle("torch")
rng = np.random.default_rng(5)
X = rng.normal(size=(4, 3))
S = rng.normal(size=(2, 3))
T = rng.normal(size=(4, 2))
GROUPS = np.array([[0, 1, 2], [0, 1, 0], [2, 2, 1], [3, 0, 1]])  # scatter index on dim 0
TIED = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 3.0], [0.5, 5.0, 3.0], [1.0, 0.0, -1.0]])

CASES = {
    "take": (lambda m, a: m.take(a, m.tensor([[0, 11], [5, -1]])), [X]),
    "take repeated": (lambda m, a: a.take(m.tensor([1, 1, 2])), [X]),
    "select": (lambda m, a: m.select(a, 1, -1), [X]),
    "select 0": (lambda m, a: a.select(0, 2), [X]),
    "index_add": (lambda m, a, s: m.index_add(a, 0, m.tensor([3, 1]), s), [X, S]),
    "index_add repeated alpha": (
        lambda m, a, s: a.index_add(0, m.tensor([2, 2]), s, alpha=-0.5),
        [X, S],
    ),
    "index_add dim 1": (lambda m, a, s: a.index_add(1, m.tensor([0, 2]), s), [X, T]),
    "index_copy": (lambda m, a, s: m.index_copy(a, 0, m.tensor([3, 0]), s), [X, S]),
    "index_copy dim -1": (lambda m, a, s: a.index_copy(-1, m.tensor([2, 1]), s), [X, T]),
    "index_fill": (lambda m, a: m.index_fill(a, 1, m.tensor([0, 2]), -1.5), [X]),
    "index_fill negative": (lambda m, a: a.index_fill(0, m.tensor([-1]), 2.0), [X]),
    "index_fill tensor value": (
        lambda m, a, v: a.index_fill(0, m.tensor([1, 3, 1]), v),
        [X, np.array(0.25)],
    ),
    "index_put": (
        lambda m, a, v: m.index_put(a, (m.tensor([0, 3]), m.tensor([2, 1])), v),
        [X, np.array([7.0, 8.0])],
    ),
    "index_put broadcast rows": (
        lambda m, a, v: a.index_put((m.tensor([1, 2]),), v),
        [X, rng.normal(size=3)],
    ),
    "index_put mask": (lambda m, a, v: a.index_put((a > 0,), v), [X, np.array(0.5)]),
    "index_put accumulate": (
        lambda m, a, v: m.index_put(a, (m.tensor([1, 1, 2]),), v, accumulate=True),
        [X, rng.normal(size=(3, 3))],
    ),
    "index_put accumulate 2 axes": (
        lambda m, a, v: a.index_put((m.tensor([0, 0, 3]), m.tensor([1, 1, -1])), v, True),
        [X, rng.normal(size=3)],
    ),
    "scatter": (
        lambda m, a, s: m.scatter(a, 0, m.tensor([[1, 0, 3], [2, 3, 0]]), s),
        [X, S],
    ),
    "scatter dim 1": (
        lambda m, a, s: a.scatter(1, m.tensor([[2, 1], [0, 2], [1, 0], [0, 1]]), s),
        [X, T],
    ),
    "scatter value": (lambda m, a: a.scatter(1, m.tensor([[0, 2]] * 4), value=-2.0), [X]),
    "scatter number src": (lambda m, a: m.scatter(a, 1, m.tensor([[1]] * 4), 3.0), [X]),
    "scatter_add": (lambda m, a, s: m.scatter_add(a, 0, m.tensor(GROUPS), s), [X, X * 2]),
    "scatter_add dim 1": (
        lambda m, a, s: a.scatter_add(1, m.tensor([[0, 0], [2, 1], [1, 1], [2, 2]]), s),
        [X, T],
    ),
    "masked_scatter": (lambda m, a, s: m.masked_scatter(a, a > 0, s), [X, rng.normal(size=12)]),
    "masked_scatter broadcast": (
        lambda m, a, s: a.masked_scatter(m.tensor([True, False, True]), s),
        [X, rng.normal(size=(3, 4))],
    ),
}

for _mode in ("sum", "prod", "mean", "amax", "amin"):
    for _include in (True, False):
        CASES[f"scatter_reduce {_mode} {_include}"] = (
            lambda m, a, s, mode=_mode, include=_include: m.scatter_reduce(
                a, 0, m.tensor(GROUPS), s, mode, include_self=include
            ),
            [X, X[::-1] * 1.5],
        )
    CASES[f"scatter_reduce {_mode} ties"] = (
        lambda m, a, s, mode=_mode: a.scatter_reduce(1, m.tensor(GROUPS[:, :2] % 3), s, mode),
        [TIED, TIED[:, :0:-1]],
    )
CASES["scatter_reduce prod zeros"] = (
    lambda m, a, s: a.scatter_reduce(0, m.tensor(GROUPS), s, "prod"),
    [np.where(X > 0.5, 0.0, X), np.where(X < -0.5, 0.0, X)],
)


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, arrays = CASES[case]
    compare(torch, make, [np.asarray(a, dtype=np.float64) for a in arrays])


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:The reduce argument")  # (PyTorch's deprecation)
def test_scatter_of_a_larger_source_and_with_reduce_match_pytorch_values():
    """(PyTorch has no gradient for these two.)"""
    index = np.array([[2], [0], [1], [0]])
    compare(torch, lambda m, a, s: a.scatter(1, m.tensor(index), s), [X, T], grad=False)
    twice = np.array([[1, 1, 1], [1, 0, 1]])
    for reduce in ("add", "multiply"):
        compare(
            torch,
            lambda m, a, s: a.scatter(0, m.tensor(twice), s, reduce=reduce),
            [X, S],
            grad=False,
        )


@pytest.mark.oracle
@pytest.mark.parametrize(
    "case", ["index_add", "index_put accumulate", "scatter", "scatter_reduce mean True"]
)
def test_float32_matches_pytorch(case):
    make, arrays = CASES[case]
    compare(torch, make, [np.asarray(a, np.float32) for a in arrays], rtol=2e-5, atol=2e-6)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_integer_scatter_reduce_matches_pytorch(mode, include_self):
    a = np.array([-7, 5, 3, 2])
    src = np.array([-4, -5, 6, 9, 1])
    index = np.array([0, 0, 1, 0, 3])
    compare(
        torch,
        lambda m, x, s: x.scatter_reduce(0, m.tensor(index), s, mode, include_self=include_self),
        [a, src],
        grad=False,
    )


@pytest.mark.oracle
def test_integer_writes_keep_the_dtype():
    a = np.arange(12).reshape(4, 3)
    compare(torch, lambda m, x: x.index_fill(0, m.tensor([1]), 5), [a])
    compare(torch, lambda m, x: x.scatter_add(0, m.tensor([[0, 1, 2]]), x[:1]), [a])
    compare(torch, lambda m, x: x.index_put((m.tensor([0]),), m.tensor(9)), [a])


def test_overwriting_the_same_place_twice_keeps_the_last_write_and_its_gradient():
    x = sg.zeros(3, requires_grad=True)
    source = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = x.index_copy(0, sg.tensor([1, 1, 0]), source)
    np.testing.assert_array_equal(out.data, [3.0, 2.0, 0.0])
    (out * sg.tensor([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(source.grad, [0.0, 20.0, 10.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 30.0])


def test_the_original_is_left_alone():
    x = sg.zeros(3)
    x.index_fill(0, sg.tensor([0]), 1.0)
    x.scatter_add(0, sg.tensor([1]), sg.ones(1))
    x.index_put((sg.tensor([2]),), sg.tensor(5.0))
    np.testing.assert_array_equal(x.data, [0.0, 0.0, 0.0])


ERRORS = [
    (lambda: sg.take(sg.ones(2), sg.tensor([2])), IndexError, "do not fit"),
    (lambda: sg.take(sg.ones(2), sg.tensor([0.5])), TypeError, "integers"),
    (lambda: sg.select(sg.ones(2), 0, 2), IndexError, "out of range"),
    (lambda: sg.select(sg.tensor(1.0), 0, 0), ValueError, "0-d"),
    (lambda: sg.index_add(sg.ones(3), 0, sg.tensor([-1]), sg.ones(1)), IndexError, "range"),
    (lambda: sg.index_add(sg.ones(3), 0, sg.tensor([1]), sg.ones(2)), ValueError, "shape"),
    (
        lambda: sg.index_add(sg.ones(3), 0, sg.tensor([1]), sg.ones(1, dtype=np.float32)),
        TypeError,
        "dtype",
    ),
    (lambda: sg.index_copy(sg.ones(3), 0, sg.tensor([[1]]), sg.ones(1)), ValueError, "1-D"),
    (lambda: sg.index_fill(sg.ones(3), 0, sg.tensor([1]), sg.ones(2)), ValueError, "0-d"),
    (lambda: sg.index_put(sg.ones(3), (sg.tensor([5]),), sg.tensor(1.0)), IndexError, "5"),
    (lambda: sg.index_put(sg.ones(3), sg.tensor([1]), sg.tensor(1.0)), TypeError, "tuple"),
    (lambda: sg.index_put(sg.ones(3), (sg.tensor([1]),), sg.ones(2)), ValueError, "broadcast"),
    (lambda: sg.scatter(sg.ones(3), 0, sg.tensor([3]), sg.ones(1)), IndexError, "out of range"),
    (lambda: sg.scatter(sg.ones(3), 0, sg.tensor([1]), sg.tensor([1])), TypeError, "dtype"),
    (lambda: sg.scatter(sg.ones(2, 2), 0, sg.tensor([1]), sg.ones(1)), ValueError, "dimensions"),
    (lambda: sg.scatter(sg.ones(3), 0, sg.tensor([1])), TypeError, "src"),
    (
        lambda: sg.scatter(sg.ones(3), 0, sg.tensor([1, 2]), sg.ones(1)),
        ValueError,
        "larger than the source",
    ),
    (
        lambda: sg.scatter_reduce(sg.ones(3), 0, sg.tensor([1]), sg.ones(1), "max"),
        ValueError,
        "amax",
    ),
    (
        lambda: sg.masked_scatter(sg.ones(3), sg.tensor([1, 1, 0]), sg.ones(3)),
        TypeError,
        "bool",
    ),
    (
        lambda: sg.masked_scatter(sg.ones(3), sg.tensor([True, True, False]), sg.ones(1)),
        ValueError,
        "fewer",
    ),
]


@pytest.mark.parametrize("make, error, words", ERRORS)
def test_bad_input_is_refused_with_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()
