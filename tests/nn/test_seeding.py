"""`nn.manual_seed` makes every default draw reproducible."""

import random

import numpy as np
import pytest

from scratchgrad import nn


def _draw_everything():
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5), nn.Linear(3, 2))
    model.train()
    from scratchgrad.autograd import Tensor

    masked = model[1](Tensor(np.ones((2, 3)))).data.copy()
    loader = nn.DataLoader((np.arange(10.0)[:, None], np.arange(10)), batch_size=4, shuffle=True)
    batches = [b[1].tolist() for b in loader]
    scalar = nn.scalar.MLP(2, [3, 1]).parameters()[0].data
    return ([p.data.copy() for p in model.parameters()], masked, batches, scalar, random.random())


def test_same_seed_same_weights_masks_batches():
    nn.manual_seed(7)
    a = _draw_everything()
    nn.manual_seed(7)
    b = _draw_everything()
    for x, y in zip(a[0], b[0]):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2:] == b[2:]
    nn.manual_seed(8)
    c = _draw_everything()
    assert not np.array_equal(a[0][0], c[0][0])


def test_manual_seed_refuses_non_integers():
    for bad in (1.5, "3", -1, None):
        with pytest.raises(ValueError, match="non-negative integer"):
            nn.manual_seed(bad)


def test_explicit_seeds_still_win():
    nn.manual_seed(1)
    a = nn.Linear(3, 2, seed=5).weight.data.copy()
    nn.manual_seed(2)
    b = nn.Linear(3, 2, seed=5).weight.data
    np.testing.assert_array_equal(a, b)
