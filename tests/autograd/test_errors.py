"""Bad input fails loudly and helpfully, for Tensor and Value alike: each test asserts the
message (what was wrong, and what to pass instead)."""

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, Value


def test_mixing_value_and_tensor_is_a_clear_type_error():
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        Tensor(np.ones(2)) + Value(1.0)
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) * Tensor(np.ones(2))


@pytest.mark.parametrize(
    "data, words",
    [
        ("3", "str"),
        ([1.0, "a"], "numbers"),
        (None, "NoneType"),
        ([[1, 2], [3]], "numbers"),
        (np.array([True, False]), None),
    ],
)
def test_wrong_data_types(data, words):
    if words is None:  # bools are numbers: they become float64
        assert Tensor(data).dtype == np.float64
        return
    with pytest.raises(TypeError, match=words):
        Tensor(data) if not isinstance(data, (type(None),)) else Value(data)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (
            lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 2))),
            ValueError,
            r"\(2, 3\).*\(4, 2\)",
        ),
        (lambda: Tensor(np.ones(3)) + Tensor(np.ones(4)), ValueError, r"\(3,\) and \(4,\)"),
        (lambda: Tensor(np.ones(6)).reshape(4, 2), ValueError, r"shape \(6,\).*\(4, 2\)"),
        (lambda: Tensor("abc"), TypeError, "str"),
        (lambda: Tensor(np.array([object()])), TypeError, "object"),
        (lambda: Tensor(np.array([1 + 2j])), TypeError, "complex"),
        (
            lambda: Tensor([1, 2], dtype=np.int64, requires_grad=True),
            TypeError,
            "only floating-point tensors can require grad",
        ),
        (lambda: Tensor(np.ones(3)).expand(2, 4), ValueError, r"\(3,\) to shape \(2, 4\)"),
    ],
)
def test_errors_name_the_shapes_and_types(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_empty_tensors_and_zero_size_batches():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    out = x.sum()
    out.backward()
    assert out.item() == 0.0 and x.grad.shape == (0, 3)
    with pytest.raises(ValueError, match="empty axis"):
        Tensor(np.ones((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="mean over an empty axis"):
        Tensor(np.ones((0, 3))).mean(axis=0)


def test_non_number_is_a_type_error_naming_the_type():
    with pytest.raises(TypeError, match="str"):
        Value("3")


@pytest.mark.parametrize(
    "expr, error, words",
    [
        (lambda: Value(0.0).log(), ValueError, "log of a non-positive"),
        (lambda: Value(-1.0).sqrt(), ValueError, "sqrt of a negative"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero"),
        (lambda: Value(1000.0).exp(), OverflowError, "overflows"),
    ],
)
def test_math_errors_are_clear(expr, error, words):
    with pytest.raises(error, match=words):
        expr()
