"""Layers: shapes, PyTorch defaults and layouts, train vs eval behaviour."""
import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import OPS, Tensor, gradcheck


def test_linear_is_one_fused_node_with_pytorch_layout_and_init():
    layer = nn.Linear(50, 7, seed=0)
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    bound = 1 / np.sqrt(50)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.8 * bound
    x = np.random.default_rng(1).normal(size=(4, 50))
    out = layer(x)
    assert out.op is OPS["linear"] and out.shape == (4, 7)
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data)
    np.testing.assert_array_equal(nn.Linear(50, 7, seed=0).weight.data, layer.weight.data)


def test_linear_gradients_match_central_differences():
    layer = nn.Linear(3, 2, seed=0)
    x = Tensor(np.random.default_rng(2).normal(size=(4, 3)), requires_grad=True)
    gradcheck(lambda x, w, b: (layer(x) ** 2).sum(), [x, layer.weight, layer.bias])


def test_linear_rejects_wrong_input_width():
    with pytest.raises(ValueError, match=r"last axis must have size 3"):
        nn.Linear(3, 2)(np.ones((4, 5)))


def test_sequential_indexing_and_activations():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Identity(), nn.Sigmoid(),
                          nn.Softmax(axis=-1))
    assert len(model) == 5 and isinstance(model[1], nn.Tanh)
    out = model(np.ones((4, 2)))
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0)
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(lambda x: x)


def test_flatten_keeps_the_batch_axis():
    assert nn.Flatten()(Tensor(np.zeros((2, 3, 4)))).shape == (2, 12)


def test_dropout_train_vs_eval():
    x = Tensor(np.ones((200, 50)))
    drop = nn.Dropout(0.3, seed=0)
    out = drop(x).data
    assert set(np.unique(out)) == {0.0, 1 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.02
    assert abs(out.mean() - 1.0) < 0.03        # inverted dropout keeps the expectation
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match=r"p=1.5"):
        nn.Dropout(1.5)


def test_batchnorm_train_normalises_and_updates_running_stats():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(64, 4))
    bn = nn.BatchNorm1d(4)
    out = bn(x).data
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))
    bn.eval()
    before = bn.running_mean.copy()
    out = bn(x).data
    np.testing.assert_array_equal(bn.running_mean, before)   # eval does not update
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    np.testing.assert_allclose(out, expected)


def test_batchnorm_gradients_and_3d_input():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(3)
    bn.weight.data[...] = rng.normal(size=3)
    x = Tensor(rng.normal(size=(4, 3, 2)), requires_grad=True)
    gradcheck(lambda x, w, b: (bn(x) ** 3).sum(), [x, bn.weight, bn.bias])
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(np.ones((1, 3)))


def test_batchnorm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    ours, theirs = nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5).double()
    for _ in range(3):
        x = rng.normal(1.0, 3.0, size=(16, 5))
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(),
                                   atol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(),
                               atol=1e-12)
