"""The shipped weights: they load into their architectures, and (when MNIST is at hand)
reach the test accuracy nn.pretrained.ACCURACY states, to the last reported digit."""

import os
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, no_grad


@pytest.mark.parametrize("name", sorted(nn.pretrained.ARCHITECTURES))
def test_weights_load_into_their_architecture(name):
    model = nn.pretrained.load(name)
    state = nn.pretrained.state_dict(name)
    assert set(state) == set(model.state_dict())
    assert all(v.dtype == np.float32 for v in state.values())
    assert not model.training


def _mnist_test_set(flatten):
    folder = os.environ.get("SCRATCHGRAD_MNIST")
    if not folder or not Path(folder).is_dir():
        pytest.skip("MNIST is not at hand (set SCRATCHGRAD_MNIST)")
    return nn.datasets.mnist(folder, "test", flatten=flatten)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(nn.pretrained.ARCHITECTURES))
def test_shipped_accuracy_is_what_the_registry_says(name):
    x, labels = _mnist_test_set(flatten="mlp" in name)
    x = x.astype(np.float32) if "mlp" in name else x[:, None].astype(np.float32)
    model = nn.pretrained.load(name)
    with no_grad():
        hits = sum(
            int(
                (model(Tensor(x[i : i + 1000])).argmax(1) == Tensor(labels[i : i + 1000]))
                .sum()
                .item()
            )
            for i in range(0, len(x), 1000)
        )
    assert hits / len(x) == pytest.approx(nn.pretrained.ACCURACY[name], abs=5e-5), (
        f"{name}: {hits / len(x):.4f} on the test set"
    )
