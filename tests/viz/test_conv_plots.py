"""Filters and feature maps of a conv net are drawn (figures, not shown)."""

import numpy as np
import pytest

from scratchgrad import nn, viz

pytest.importorskip("matplotlib")


def test_filters_and_feature_maps():
    model = nn.models.simple_convnet(
        input_dim=(1, 8, 8), filters=6, kernel_size=3, hidden=8, seed=0
    )
    fig = viz.plot_filters(model[0], columns=3)
    assert len(fig.axes) == 6
    image = np.random.default_rng(0).random((8, 8))
    maps = viz.feature_maps(model, image[None])
    assert [m.shape for _, m in maps] == [(6, 6, 6), (6, 6, 6), (6, 3, 3)]
    fig = viz.plot_feature_maps(model, image[None], channels=4)
    assert len(fig.axes) == 3 * 5
    with pytest.raises(ValueError, match="conv weight"):
        viz.plot_filters(np.ones((3, 3)))
