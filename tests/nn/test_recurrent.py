"""nn.RNN, nn.LSTM and nn.GRU (and their cells): outputs, final states and every gradient (input,
initial state, each weight) against PyTorch with the same weights, over layers,
directions, batch_first, bias=False, given initial states and unbatched input; state_dict
names and reprs; one LSTM step by hand; central differences; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn as nn
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

SETUPS = [
    ({}, (3, 2, 4), False),
    ({"num_layers": 2, "bidirectional": True}, (3, 2, 4), True),
    ({"batch_first": True, "bias": False}, (2, 3, 4), True),
    ({}, (3, 4), True),  # one unbatched sequence
]


def _states(kind, options, shape, rng, lib):
    directions = 2 if options.get("bidirectional") else 1
    rows = options.get("num_layers", 1) * directions
    batch = shape[0] if options.get("batch_first") else shape[1]
    size = (rows, batch, 5) if len(shape) == 3 else (rows, 5)
    arrays = [rng.normal(size=size) for _ in range(2 if kind == "LSTM" else 1)]
    made = [lib.tensor(a, requires_grad=True) for a in arrays]
    return made, (tuple(made) if kind == "LSTM" else made[0])


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("setup", range(len(SETUPS)))
def test_matches_pytorch(kind, setup):
    options, shape, given = SETUPS[setup]
    ours = getattr(nn, kind)(4, 5, **options)
    theirs = getattr(torch.nn, kind)(4, 5, **options).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(setup).normal(size=shape)
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):  # the same code on both
        seq = lib.tensor(x, requires_grad=True)
        leaves, hx = _states(kind, options, shape, np.random.default_rng(9), lib)
        out, state = model(seq, hx) if given else model(seq)
        h = state[0] if kind == "LSTM" else state
        weights = np.random.default_rng(5)
        loss = (out * lib.tensor(weights.normal(size=tuple(out.shape)))).sum()
        loss = loss + (h * lib.tensor(weights.normal(size=tuple(h.shape)))).sum()
        if kind == "LSTM":
            loss = loss + (state[1] * lib.tensor(weights.normal(size=tuple(h.shape)))).sum()
        loss.backward()
        grads = [seq.grad] + ([v.grad for v in leaves] if given else [])
        grads += [p.grad for p in model.parameters()]
        results.append([_numpy(t) for t in [out, h, *grads]])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def _numpy(x):
    return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "kind, options",
    [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})],
)
@pytest.mark.parametrize("shape, given", [((2, 3), False), ((2, 3), True), ((3,), True)])
def test_cells_match_pytorch(kind, options, shape, given):
    ours = getattr(nn, kind)(3, 4, **options, bias=kind != "GRUCell")
    theirs = getattr(torch.nn, kind)(3, 4, **options, bias=kind != "GRUCell").double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(4)
    x, h, c = (rng.normal(size=s) for s in (shape, shape[:-1] + (4,), shape[:-1] + (4,)))
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        seq = lib.tensor(x, requires_grad=True)
        hx = (lib.tensor(h), lib.tensor(c)) if kind == "LSTMCell" else lib.tensor(h)
        out = model(seq, hx if given else None)
        out = out[0] + out[1] * 2.0 if kind == "LSTMCell" else out
        (out * out).sum().backward()
        results.append([_numpy(t) for t in [out, seq.grad, *(p.grad for p in model.parameters())]])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_one_lstm_step_by_hand():
    lstm = nn.LSTM(2, 3, seed=0)
    x = np.random.default_rng(1).normal(size=(1, 1, 2))
    out, (h, c) = lstm(x)
    gates = x[0] @ lstm.weight_ih_l0.data.T + lstm.bias_ih_l0.data + lstm.bias_hh_l0.data
    i, f, g, o = np.split(gates, 4, axis=-1)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c_expected = sigmoid(i) * np.tanh(g)  # c_0 = 0
    np.testing.assert_allclose(c.data[0], c_expected, rtol=1e-12)
    np.testing.assert_allclose(h.data[0], sigmoid(o) * np.tanh(c_expected), rtol=1e-12)
    np.testing.assert_allclose(out.data[0], h.data[0])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_central_differences_through_time(kind):
    model = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, seed=0)
    x = Tensor(np.random.default_rng(2).normal(size=(4, 1, 2)), requires_grad=True)
    c = np.random.default_rng(3).normal(size=(4, 1, 6))
    leaves = [x, model.weight_hh_l0, model.weight_ih_l1_reverse]
    assert_gradients_match(lambda x, *_: (model(x)[0] * c).sum(), leaves)


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"expects input of shape \(L, N, 4\)"):
        nn.LSTM(4, 5)(np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match=r"initial state must have shape \(1, 2, 5\)"):
        nn.GRU(4, 5)(np.zeros((3, 2, 4)), np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match="hx must be a pair"):
        nn.LSTM(4, 5)(np.zeros((3, 2, 4)), np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(4, 5, nonlinearity="gelu")
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        nn.LSTM(4, 5, proj_size=5)
    with pytest.raises(ValueError, match="proj_size is only supported for LSTM"):
        nn.GRU(4, 5, proj_size=2)
    with pytest.raises(ValueError, match=r"initial state must have shape \(1, 2, 3\)"):
        nn.LSTM(4, 5, proj_size=3)(np.zeros((3, 2, 4)), (np.zeros((1, 2, 5)),) * 2)
    with pytest.raises(ValueError, match=r"state must have shape \(2, 5\)"):
        nn.GRUCell(4, 5)(np.zeros((2, 4)), np.zeros((1, 5)))  # no silent broadcast
    with pytest.raises(ValueError, match="unbatched .* initial state is 2-D"):
        nn.RNN(4, 5)(np.zeros((3, 4)), np.zeros((1, 1, 5)))
    with pytest.raises(ValueError, match="sequence length above 0"):
        nn.LSTM(4, 5)(np.zeros((0, 2, 4)))
    assert [len(w) for w in nn.LSTM(4, 5, num_layers=2).all_weights] == [4, 4]


@pytest.mark.oracle
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_lstm_with_projections_matches_pytorch(layers, bidirectional):
    """proj_size: h = W_hr (o * tanh(c)) (proj_size wide), the next layer reads it;
    weight_hr_l{k} in PyTorch's place among the parameters; given initial states."""
    options = {"num_layers": layers, "bidirectional": bidirectional, "proj_size": 3}
    ours = nn.LSTM(5, 7, **options)
    theirs = torch.nn.LSTM(5, 7, **options).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(7)
    stacked = layers * (2 if bidirectional else 1)
    x, h0, c0 = (rng.normal(size=s) for s in ((6, 4, 5), (stacked, 4, 3), (stacked, 4, 7)))
    found = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        inputs = lib.tensor(x, requires_grad=True)
        out, (h, c) = model(inputs, (lib.tensor(h0), lib.tensor(c0)))
        ((out**2).sum() + (h**3).sum() + c.sum()).backward()
        found.append(
            [out.detach(), h.detach(), c.detach(), inputs.grad]
            + [p.grad for p in model.parameters()]
        )
    for a, b in zip(*found, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-12)
