"""Modules find their parameters, name them, switch modes and round-trip their state."""
import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value


class Block(nn.Module):
    def __init__(self):
        self.fc1 = nn.Linear(3, 4, seed=0)
        self.heads = [nn.Linear(4, 2, seed=1), nn.Linear(4, 2, bias=False, seed=2)]
        self.extra = {"scale": nn.Parameter(np.ones(2))}
        self.not_a_param = Tensor(np.ones(3))          # plain tensors are not trained
        self.shared = self.fc1                          # listed once

    def forward(self, x):
        h = self.fc1(x).relu()
        return self.heads[0](h) * self.extra["scale"] + self.heads[1](h)


def test_parameter_discovery_in_attributes_lists_and_dicts():
    names = [n for n, _ in Block().named_parameters()]
    # like PyTorch: a module's own parameters first, then each sub-module's
    assert names == ["extra.scale", "fc1.weight", "fc1.bias", "heads.0.weight",
                     "heads.0.bias", "heads.1.weight"]
    block = Block()
    assert len(block.parameters()) == 6
    assert block.num_parameters() == 12 + 4 + 8 + 2 + 8 + 2
    assert [type(c).__name__ for c in block.children()] == ["Linear", "Linear", "Linear"]


def test_gradients_reach_every_parameter_and_zero_grad_resets():
    block = Block()
    block(np.random.default_rng(0).normal(size=(5, 3))).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_value_parameters_are_found_and_zeroed():
    class Tiny(nn.Module):
        def __init__(self):
            self.w = [Value(1.0), Value(2.0)]

    tiny = Tiny()
    tiny.w[0].grad = 3.0
    tiny.zero_grad()
    assert [n for n, _ in tiny.named_parameters()] == ["w.0", "w.1"]
    assert tiny.w[0].grad == 0.0


def test_train_eval_reach_submodules():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    model.eval()
    assert not any(m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())


def test_state_dict_round_trip_is_a_snapshot():
    a, b = Block(), Block()
    for p in b.parameters():
        p.data[...] = 7.0
    state = a.state_dict()
    a.fc1.weight.data[...] = -1.0              # later training does not change the snapshot
    assert not np.all(state["fc1.weight"] == -1.0)
    weight = b.fc1.weight
    b.load_state_dict(state)
    assert b.fc1.weight is weight              # copied in place: optimizers keep working
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(value, state[key])


def test_load_state_dict_names_every_bad_key():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["0.weight"] = np.zeros((5, 3))
    state["2.weight"] = np.zeros(1)
    with pytest.raises(nn.StateDictError) as err:
        model.load_state_dict(state)
    msg = str(err.value)
    assert "missing key '1.bias' (shape (2,))" in msg
    assert "unexpected key '2.weight'" in msg
    assert "'0.weight' has shape (5, 3) in the checkpoint but (4, 3) in the model" in msg
    state["0.weight"] = np.zeros((4, 3))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["1.bias"] and unexpected == ["2.weight"]


def test_batchnorm_buffers_are_in_the_state_dict():
    bn = nn.BatchNorm1d(3)
    bn(np.random.default_rng(0).normal(2.0, 1.0, size=(8, 3)))
    state = bn.state_dict()
    assert set(state) == {"weight", "bias", "running_mean", "running_var",
                          "num_batches_tracked"}
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_mean, bn.running_mean)
    assert int(fresh.num_batches_tracked) == 1


def test_repr_lists_layers_and_counts():
    text = repr(nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)))
    assert "(0): Linear(in_features=784, out_features=100, bias=True)  # 78,500 params" in text
    assert "(1): ReLU()" in text
    assert text.endswith("Total parameters: 79,510")


def test_call_runs_forward_in_a_name_scope():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    out = model(np.ones((1, 2)))
    assert out._scope == ("Sequential", "1: ReLU")
    assert out.parents[0]._scope == ("Sequential", "0: Linear")


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="define forward"):
        nn.Module()(1)


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter([1, 2])
    assert p.requires_grad and p.is_leaf and p.dtype == np.float64
    assert repr(p).startswith("Parameter(")
