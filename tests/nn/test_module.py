"""Modules find their parameters (attributes, lists, dicts; shared ones once), name them as
PyTorch does, switch modes, zero their gradients and round-trip their state_dict
(PyTorch's keys and tensors load as they are)."""

import numpy as np
import pytest
from helpers import close64, t64
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value

torch = oracle("torch")


class Block(nn.Module):
    def __init__(self):
        self.fc1 = nn.Linear(3, 4, seed=0)
        self.heads = [nn.Linear(4, 2, seed=1), nn.Linear(4, 2, bias=False, seed=2)]
        self.extra = {"scale": nn.Parameter(np.ones(2))}
        self.not_a_param = Tensor(np.ones(3))  # plain tensors are not trained
        self.shared = self.fc1  # listed once

    def forward(self, x):
        h = self.fc1(x).relu()
        return self.heads[0](h) * self.extra["scale"] + self.heads[1](h)


def test_parameter_discovery_in_attributes_lists_and_dicts():
    names = [n for n, _ in Block().named_parameters()]
    # like PyTorch: a module's own parameters first, then each sub-module's
    assert names == [
        "extra.scale",
        "fc1.weight",
        "fc1.bias",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
    ]
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


def test_zero_grad_sets_none_and_gradients_accumulate_until_then():
    layer = nn.Linear(3, 2, seed=0)
    layer(np.ones((2, 3))).sum().backward()
    layer(np.ones((2, 3))).sum().backward()
    np.testing.assert_array_equal(layer.bias.grad, [4.0, 4.0])
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_value_parameters_are_found_and_zeroed():
    class Tiny(nn.Module):
        def __init__(self):
            self.w = [Value(1.0), Value(2.0)]

    tiny = Tiny()
    tiny.w[0].grad = 3.0
    tiny.zero_grad()
    assert [n for n, _ in tiny.named_parameters()] == ["w.0", "w.1"]
    assert tiny.w[0].grad == 0.0


@pytest.mark.oracle
def test_shared_parameters_are_listed_once_like_pytorch():
    class Ours(nn.Module):
        def __init__(self):
            self.a = nn.Linear(3, 3, seed=0)
            self.b = nn.Linear(3, 3, seed=1)
            self.b.weight = self.a.weight

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(3, 3)
            self.b = torch.nn.Linear(3, 3)
            self.b.weight = self.a.weight

    assert (
        [n for n, _ in Ours().named_parameters()]
        == [n for n, _ in Theirs().named_parameters()]
        == ["a.weight", "a.bias", "b.bias"]
    )
    shared = nn.Linear(3, 3, seed=0)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(seq.parameters()) == 2 and len(seq.modules()) == 3


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter([1, 2])
    assert p.requires_grad and p.is_leaf and p.dtype == np.float64
    assert repr(p).startswith("Parameter(")


def test_train_eval_reach_submodules():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    model.eval()
    assert not any(m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())


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


# --- Sequential against PyTorch's ---------------------------------------------------------


def _pair_of_models():
    ours = nn.Sequential(
        nn.Linear(4, 5, seed=0),
        nn.BatchNorm1d(5),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(5, 2, seed=1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 5),
        torch.nn.BatchNorm1d(5),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(5, 2),
    ).double()
    return ours, theirs


@pytest.mark.oracle
def test_train_and_eval_return_self_and_sequential_slicing():
    ours, _ = _pair_of_models()
    assert ours.train() is ours and ours.eval() is ours
    assert isinstance(ours[1:3], nn.Sequential) and len(ours[1:3]) == 2
    assert ours[-1] is ours[4]
    assert len(nn.Sequential([nn.ReLU(), nn.Tanh()])) == 2
    x = Tensor(np.ones(2))
    assert nn.Sequential()(x) is x
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(lambda v: v)


@pytest.mark.oracle
def test_a_sequential_slice_keeps_its_childrens_names_as_pytorch():
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 3),
        torch.nn.ReLU(),
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 1),
    )
    assert list(ours[2:].state_dict()) == list(theirs[2:].state_dict())
    tail = ours[2:].append(nn.ReLU())
    assert list(dict(tail.named_children())) == ["2", "3", "4", "5"]


# --- state_dict ---------------------------------------------------------------------------


def test_state_dict_round_trip_is_a_snapshot():
    a, b = Block(), Block()
    for p in b.parameters():
        p.data[...] = 7.0
    state = a.state_dict()
    a.fc1.weight.data[...] = -1.0  # later training does not change the snapshot
    assert not np.all(state["fc1.weight"] == -1.0)
    weight = b.fc1.weight
    b.load_state_dict(state)
    assert b.fc1.weight is weight  # copied in place: optimizers keep working
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(value, state[key])


def test_state_dict_is_a_snapshot():
    layer = nn.Linear(2, 2, seed=0)
    state = layer.state_dict()
    layer.weight.data[0, 0] = 99.0
    assert state["weight"][0, 0] != 99.0


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


@pytest.mark.oracle
def test_load_state_dict_reports_missing_unexpected_and_bad_shapes():
    ours, _ = _pair_of_models()
    missing, unexpected = ours.load_state_dict(
        {"0.weight": np.zeros((5, 4)), "extra": np.ones(2)}, strict=False
    )
    assert "0.bias" in missing and "1.running_mean" in missing and unexpected == ["extra"]
    np.testing.assert_array_equal(ours[0].weight.data, 0.0)
    with pytest.raises(nn.StateDictError, match=r"key '0.weight' has shape \(4, 5\)"):
        ours.load_state_dict({**ours.state_dict(), "0.weight": np.zeros((4, 5))})
    with pytest.raises(nn.StateDictError, match="missing key '0.weight'"):
        ours.load_state_dict({})


def test_load_state_dict_casts_float32_checkpoint_into_float64_model():
    source = nn.Linear(3, 2, dtype=np.float32, seed=3)
    target = nn.Linear(3, 2, seed=0)
    target.load_state_dict(source.state_dict())
    assert target.weight.dtype == np.float64
    np.testing.assert_array_equal(target.weight.data, source.weight.data.astype(np.float64))


def test_batchnorm_buffers_are_in_the_state_dict():
    bn = nn.BatchNorm1d(3)
    bn(np.random.default_rng(0).normal(2.0, 1.0, size=(8, 3)))
    state = bn.state_dict()
    assert set(state) == {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_mean, bn.running_mean)
    assert int(fresh.num_batches_tracked) == 1


@pytest.mark.oracle
def test_sequential_names_match_pytorch_and_loads_its_state_dict(rng):
    ours, theirs = _pair_of_models()
    theirs.train()
    theirs(t64(rng.normal(size=(8, 4))))  # non-trivial running statistics
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert set(ours.state_dict()) == set(theirs.state_dict())
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert ours.load_state_dict(state) == ([], [])
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(3, 4))
    close64(ours(x), theirs(t64(x)))


@pytest.mark.oracle
def test_state_dict_of_shared_and_tied_modules_matches_pytorchs_keys_and_loads_it():
    shared = nn.Linear(2, 2)
    ours = nn.Sequential(shared, nn.ReLU(), shared, nn.BatchNorm1d(2))
    t_shared = torch.nn.Linear(2, 2).double()
    theirs = torch.nn.Sequential(
        t_shared, torch.nn.ReLU(), t_shared, torch.nn.BatchNorm1d(2).double()
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert len(ours.parameters()) == 4  # still listed once
    x = np.random.default_rng(0).standard_normal((3, 2))
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(
        ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_tied_checkpoints_old_and_new_load_and_disagreeing_aliases_are_named():
    class Tied(nn.Module):
        def __init__(self):
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
            self.b.weight = self.a.weight
            self.b.owner = self  # a back-reference is not state

    state = Tied().state_dict()
    assert state["a.weight"] is state["b.weight"]  # one copy for both names
    old = {k: v for k, v in state.items() if k != "b.weight"}  # saved under one name
    Tied().load_state_dict(old)
    state["b.weight"] = state["b.weight"] + 1.0
    with pytest.raises(nn.module.StateDictError, match="hold different values"):
        Tied().load_state_dict(state)
