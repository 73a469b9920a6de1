"""nn.init.trunc_normal_ (ViT's init) and orthogonal_: the truncated distribution's
bounds and spread against PyTorch's on the same shape, (semi-)orthogonality with gain
for wide, tall and convolution-shaped weights, the seed, and errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn


def _weight(*shape):
    return nn.Parameter(np.zeros(shape))


@pytest.mark.oracle
def test_trunc_normal_is_pytorchs_distribution():
    torch = oracle("torch")
    ours = nn.init.trunc_normal_(_weight(400, 500), mean=0.01, std=0.02, a=-0.03, b=0.05)
    theirs = torch.nn.init.trunc_normal_(torch.empty(400, 500), 0.01, 0.02, -0.03, 0.05)
    values = ours.data
    assert -0.03 <= values.min() and values.max() <= 0.05
    assert abs(values.std() - theirs.std().item()) < 2e-4
    assert abs(values.mean() - theirs.mean().item()) < 2e-4


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 2, 3, 3)])
def test_orthogonal_rows_or_columns_with_gain(shape):
    w = nn.init.orthogonal_(_weight(*shape), gain=2.0, seed=0)
    m = w.data.reshape(shape[0], -1)
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    again = nn.init.orthogonal_(_weight(*shape), gain=2.0, seed=0)
    np.testing.assert_array_equal(w.data, again.data)


def test_errors():
    with pytest.raises(ValueError, match="a < b"):
        nn.init.trunc_normal_(_weight(3), a=1.0, b=0.0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.orthogonal_(_weight(3))
