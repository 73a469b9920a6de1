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
# not shapes, but refused by PyTorch's kernels with RuntimeError too
ARGUMENTS_REFUSED = {
    "gather out of range": lambda t, n: t.ones(2, 3).gather(1, t.tensor([[5]])),
    "narrow out of range": lambda t, n: t.ones(2, 3).narrow(1, 2, 5),
    "zeros(-1)": lambda t, n: t.zeros(-1),
    "arange step 0": lambda t, n: t.arange(0, 5, 0),
    "topk k too large": lambda t, n: t.ones(3).topk(5),
    "pad odd length": lambda t, n: n.functional.pad(t.ones(1, 2, 3), (1,)),
    "conv stride 0": lambda t, n: n.functional.conv2d(
        t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), stride=0
    ),
    "one_hot too large": lambda t, n: n.functional.one_hot(t.tensor([5]), 3),
    "assign wrong shape": lambda t, n: t.ones(2, 3).__setitem__(slice(None), t.ones(4)),
    "add_ broadcasting up": lambda t, n: t.ones(3).add_(t.ones(2, 3)),
    "int mul_ by a float": lambda t, n: t.ones(3, dtype=t.int64).mul_(1.5),
    "int requires_grad_": lambda t, n: t.ones(3, dtype=t.int64).requires_grad_(),
    "inv of a singular matrix": lambda t, n: t.linalg.inv(t.zeros(2, 2)),
    "svd of ints": lambda t, n: t.linalg.svd(t.ones(2, 2, dtype=t.int64)),
}
DIMS_OUT_OF_RANGE = {
    "sum": lambda t, n: t.ones(2, 3).sum(dim=5),
    "transpose": lambda t, n: t.ones(2, 3).transpose(0, 4),
    "flatten": lambda t, n: t.ones(2, 3).flatten(0, 5),
    "permute": lambda t, n: t.ones(2, 3).permute(0, 2),
}


@pytest.mark.parametrize("case", sorted(SHAPE_MISMATCHES))
def test_a_shape_mismatch_is_a_runtime_error_as_in_pytorch(case):
    with pytest.raises(RuntimeError) as caught:
        SHAPE_MISMATCHES[case](sg, nn)
    assert isinstance(caught.value, (ValueError, KeyError))  # what scratchgrad raised before


@pytest.mark.parametrize("case", sorted(ARGUMENTS_REFUSED))
def test_an_argument_pytorchs_kernels_refuse_is_a_runtime_error(case):
    with pytest.raises(RuntimeError) as caught:
        ARGUMENTS_REFUSED[case](sg, nn)
    assert isinstance(caught.value, (ValueError, TypeError, IndexError))


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
    "case",
    sorted(SHAPE_MISMATCHES)
    + [f"dim: {k}" for k in sorted(DIMS_OUT_OF_RANGE)]
    + [f"argument: {k}" for k in sorted(ARGUMENTS_REFUSED)],
)
def test_pytorch_raises_the_same_kind(case):
    """The oracle: each case fails in PyTorch too, with the class we promise."""
    torch = pytest.importorskip("torch")
    kind, _, name = case.rpartition(": ")
    table, error = {
        "dim": (DIMS_OUT_OF_RANGE, IndexError),
        "argument": (ARGUMENTS_REFUSED, RuntimeError),
        "": (SHAPE_MISMATCHES, RuntimeError),
    }[kind]
    with pytest.raises(error):
        table[name](torch, torch.nn)
