"""Errors keep their Python class and are also what PyTorch raises: code ported from
PyTorch catches RuntimeError (shapes that do not fit, a state_dict of other keys or
shapes) or IndexError (a dim out of range); code written here catches ValueError."""

import pytest

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.autograd.errors import DimError, ShapeError

SHAPE_MISMATCHES = {
    "matmul": lambda t, n: t.ones(2, 3) @ t.ones(2, 3),
    "add": lambda t, n: t.ones(2, 3) + t.ones(4, 3),
    "view": lambda t, n: t.ones(2, 3).view(4),
    "cat": lambda t, n: t.cat([t.ones(2, 3), t.ones(2, 4)]),
    "stack": lambda t, n: t.stack([t.ones(2, 3), t.ones(2, 4)]),
    "bmm": lambda t, n: t.bmm(t.ones(2, 3, 4), t.ones(2, 5, 6)),
    "expand": lambda t, n: t.ones(2, 3).expand(4, 4),
    "permute": lambda t, n: t.ones(2, 3).permute(0, 0),
    "where": lambda t, n: t.where(t.ones(2, 3) > 0, t.ones(4, 3), t.ones(2, 3)),
    "item": lambda t, n: t.ones(2, 3).item(),
    "split of 0": lambda t, n: t.ones(2, 3).split(0),
    "dot": lambda t, n: t.dot(t.ones(2), t.ones(3)),
    "Linear": lambda t, n: n.Linear(3, 4)(t.ones(2, 5)),
    "Conv2d": lambda t, n: n.Conv2d(3, 4, 3)(t.ones(1, 2, 8, 8)),
    "BatchNorm2d": lambda t, n: n.BatchNorm2d(3)(t.ones(2, 4, 5, 5)),
    "LayerNorm": lambda t, n: n.LayerNorm(4)(t.ones(2, 3)),
    "LSTM": lambda t, n: n.LSTM(3, 4)(t.ones(5, 2, 6)),
    "mse_loss": lambda t, n: n.functional.mse_loss(t.ones(2, 3), t.ones(3, 2)),
    "max_pool2d": lambda t, n: n.functional.max_pool2d(t.ones(1, 1, 2, 2), 5),
    "load_state_dict, missing key": lambda t, n: n.Linear(3, 4).load_state_dict(
        {"weight": t.ones(4, 3)}
    ),
    "load_state_dict, wrong shape": lambda t, n: n.Linear(3, 4).load_state_dict(
        {"weight": t.ones(4, 2), "bias": t.ones(4)}
    ),
}
DIMS_OUT_OF_RANGE = {
    "sum": lambda t, n: t.ones(2, 3).sum(dim=5),
    "transpose": lambda t, n: t.ones(2, 3).transpose(0, 4),
    "flatten": lambda t, n: t.ones(2, 3).flatten(0, 5),
}


@pytest.mark.parametrize("case", sorted(SHAPE_MISMATCHES))
def test_a_shape_mismatch_is_a_runtime_error_as_in_pytorch(case):
    with pytest.raises(RuntimeError) as caught:
        SHAPE_MISMATCHES[case](sg, nn)
    assert isinstance(caught.value, (ValueError, KeyError))  # what scratchgrad raised before


@pytest.mark.parametrize("case", sorted(DIMS_OUT_OF_RANGE))
def test_a_dim_out_of_range_is_an_index_error_as_in_pytorch(case):
    with pytest.raises(IndexError) as caught:
        DIMS_OUT_OF_RANGE[case](sg, nn)
    assert isinstance(caught.value, (DimError, ValueError))


def test_the_classes_are_both_kinds():
    assert issubclass(ShapeError, ValueError) and issubclass(ShapeError, RuntimeError)
    assert issubclass(DimError, IndexError) and issubclass(DimError, ValueError)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize(
    "case", sorted(SHAPE_MISMATCHES) + [f"dim: {k}" for k in sorted(DIMS_OUT_OF_RANGE)]
)
def test_pytorch_raises_the_same_kind(case):
    """The oracle: each case fails in PyTorch too, with the class we promise."""
    torch = pytest.importorskip("torch")
    table, kind = (
        (DIMS_OUT_OF_RANGE, IndexError)
        if case.startswith("dim: ")
        else (SHAPE_MISMATCHES, RuntimeError)
    )
    with pytest.raises(kind):
        table[case.removeprefix("dim: ")](torch, torch.nn)
