"""Conv1d, MaxPool1d, AvgPool1d and their functions: outputs and every gradient against
PyTorch with the same weights (stride, padding and "same", dilation, groups, bias=False,
ceil_mode, count_include_pad, unbatched sequences), weight shapes, state_dict names and
printed forms; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F

torch = oracle("torch")

MODULES = [
    ("Conv1d", (4, 6, 3), {}),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2, "bias": False}),
    ("Conv1d", (4, 6, 4), {"padding": "same"}),
    ("Conv1d", (4, 4, 3), {"groups": 4, "padding": 1}),
    ("MaxPool1d", (3, 2, 1), {}),
    ("MaxPool1d", (2,), {"ceil_mode": True}),
    ("AvgPool1d", (3, 2, 1), {}),
    ("AvgPool1d", (3, 2, 1), {"count_include_pad": False, "ceil_mode": True}),
]


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's note
@pytest.mark.parametrize("index", range(len(MODULES)))
@pytest.mark.parametrize("shape", [(2, 4, 9), (4, 9)])
def test_matches_pytorch(index, shape):
    name, args, options = MODULES[index]
    ours, theirs = getattr(nn, name)(*args, **options), getattr(torch.nn, name)(*args, **options)
    theirs = theirs.double()
    assert repr(ours).split("  #")[0] == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(index).normal(size=shape)
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        seq = lib.tensor(x, requires_grad=True)
        out = model(seq)
        (out * out).sum().backward()
        found = [out, seq.grad] + [p.grad for p in model.parameters()]
        results.append(
            [np.asarray(t.detach().numpy() if hasattr(t, "detach") else t) for t in found]
        )
    for a, b in zip(*results):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_functions_and_errors():
    x = np.random.default_rng(1).normal(size=(2, 3, 8))
    w = np.random.default_rng(2).normal(size=(5, 3, 3))
    as_image = F.conv2d(x[:, :, None], w[:, :, None], padding=(0, 1)).data[:, :, 0]
    np.testing.assert_allclose(F.conv1d(x, w, padding=1).data, as_image)
    np.testing.assert_allclose(F.max_pool1d(x, 2).data, x.reshape(2, 3, 4, 2).max(-1))
    np.testing.assert_allclose(F.avg_pool1d(x, 2).data, x.reshape(2, 3, 4, 2).mean(-1))
    with pytest.raises(ValueError, match=r"conv1d weight must be 3-D"):
        F.conv1d(x, w[:, :, None])
    with pytest.raises(ValueError, match=r"expects \(N, C, L\) or \(C, L\) input"):
        F.max_pool1d(x[None], 2)
    with pytest.raises(ValueError, match="needs one number"):
        nn.Conv1d(3, 5, (3, 3))


def test_errors_are_told_in_one_dimension():
    """The 2-D functions underneath check the geometry; their messages come back with the
    1-D function's name and sizes, not conv2d's (1, 3) kernels and 1x10 inputs."""
    x = np.zeros((2, 3, 10))
    with pytest.raises(ValueError, match=r"^conv1d expected 4 input channels, got 3$"):
        nn.Conv1d(4, 5, 3)(x)
    with pytest.raises(ValueError, match=r"conv1d: the input is length 2 .* length 3 kernel"):
        F.conv1d(np.zeros((2, 4, 2)), np.zeros((5, 4, 3)))
    with pytest.raises(ValueError, match=r"max_pool1d: padding \(2,\) must be at most half"):
        nn.MaxPool1d(3, padding=2)(x)
    with pytest.raises(ValueError, match=r"stride=\(0,\)") as error:
        F.max_pool1d(x, 3, stride=0)
    assert "2d" not in str(error.value)
    with pytest.raises(ValueError, match="avg_pool1d: the input is length 10"):
        nn.AvgPool1d(20)(x)
