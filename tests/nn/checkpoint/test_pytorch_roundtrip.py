"""Checkpoints shared with PyTorch through safetensors files: scratchgrad -> PyTorch ->
scratchgrad agrees to 1e-12 in float64 for an MLP and a Conv/BatchNorm CNN, Adam resumed
across the trip continues PyTorch's trajectory, and PyTorch's own formats are handled
(pickles refused, bfloat16 refused, float32 weights loaded)."""

import numpy as np
import oracles
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor

pytestmark = pytest.mark.oracle
TOL = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture
def torch():
    return oracles.load("torch")


def mlp(torch):
    ours = nn.Sequential(nn.Linear(4, 8, seed=0), nn.Tanh(), nn.Linear(8, 3, seed=1))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    ).double()
    return ours, theirs, (6, 4)


def cnn(torch):
    """The ReLU comes before the BatchNorm: a bias right before a BatchNorm gets a gradient
    of rounding noise only, which Adam scales up to steps of lr * noise / eps."""
    nn.manual_seed(0)
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.BatchNorm2d(4),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 3),
    )
    t = torch.nn
    theirs = t.Sequential(
        t.Conv2d(1, 4, 3, padding=1),
        t.ReLU(),
        t.BatchNorm2d(4),
        t.MaxPool2d(2),
        t.Flatten(),
        t.Linear(64, 3),
    ).double()
    return ours, theirs, (5, 1, 8, 8)


def batches(shape, n, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=shape), rng.normal(size=(shape[0], 3))) for _ in range(n)]


def our_step(model, opt, x, y):
    opt.zero_grad()
    loss = ((model(Tensor(x)) - Tensor(y)) ** 2).mean()
    loss.backward()
    opt.step()


def their_step(torch, model, opt, x, y):
    opt.zero_grad()
    loss = ((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean()
    loss.backward()
    opt.step()


def to_torch(torch, tree):
    """nn.load's numpy arrays as torch tensors, for torch's load_state_dict."""
    if isinstance(tree, dict):
        return {k: to_torch(torch, v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [to_torch(torch, v) for v in tree]
    return torch.from_numpy(tree) if isinstance(tree, np.ndarray) else tree


def assert_same(torch, ours, theirs, x):
    """Same parameters and buffers, and the same outputs in train and eval mode."""
    mine = ours.state_dict()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(mine[key], value.numpy(), **TOL, err_msg=key)
    for train in (False, True):
        ours.train(train)
        theirs.train(train)
        with torch.no_grad():
            expected = theirs(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(ours(Tensor(x)).data, expected, **TOL)
    ours.train()
    theirs.train()


@pytest.mark.parametrize("make", [mlp, cnn], ids=["mlp", "cnn"])
def test_scratchgrad_to_pytorch_to_scratchgrad_agrees_and_adam_resumes(torch, tmp_path, make):
    from safetensors.torch import load_file, save_file

    ours, theirs, shape = make(torch)
    data = batches(shape, 9, seed=1)
    opt = nn.optim.Adam(ours.parameters(), lr=0.01)
    for x, y in data[:3]:
        our_step(ours, opt, x, y)

    # scratchgrad -> safetensors -> PyTorch
    nn.save(ours.state_dict(), tmp_path / "ours.safetensors")
    nn.save(opt.state_dict(), tmp_path / "ours_adam.safetensors")
    result = theirs.load_state_dict(load_file(tmp_path / "ours.safetensors"), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    their_opt = torch.optim.Adam(theirs.parameters(), lr=0.5)
    their_opt.load_state_dict(to_torch(torch, nn.load(tmp_path / "ours_adam.safetensors")))
    assert their_opt.param_groups[0]["lr"] == 0.01
    assert_same(torch, ours, theirs, data[0][0])
    for x, y in data[3:6]:  # both continue: one trajectory
        our_step(ours, opt, x, y)
        their_step(torch, theirs, their_opt, x, y)
        assert_same(torch, ours, theirs, x)

    # PyTorch -> safetensors -> scratchgrad (a fresh model and optimizer)
    save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    nn.save(their_opt.state_dict(), tmp_path / "theirs_adam.safetensors")
    back, _, _ = make(torch)
    back.load_state_dict(nn.load(tmp_path / "theirs.safetensors"))
    back_opt = nn.optim.Adam(back.parameters(), lr=0.5)
    back_opt.load_state_dict(nn.load(tmp_path / "theirs_adam.safetensors"))
    assert back_opt.state[0]["step"] == 6
    assert_same(torch, back, theirs, data[0][0])
    for x, y in data[6:]:  # Adam continues PyTorch's trajectory
        our_step(back, back_opt, x, y)
        their_step(torch, theirs, their_opt, x, y)
        assert_same(torch, back, theirs, x)


def test_a_pytorch_float32_model_loads_into_a_float64_model(torch, tmp_path):
    from safetensors.torch import save_file

    ours, theirs, shape = cnn(torch)
    theirs.float()
    save_file(theirs.state_dict(), tmp_path / "mnist_cnn.safetensors")
    ours.load_state_dict(nn.load(tmp_path / "mnist_cnn.safetensors"))
    assert ours.state_dict()["0.weight"].dtype == np.float64
    np.testing.assert_array_equal(
        ours.state_dict()["0.weight"], theirs.state_dict()["0.weight"].numpy().astype(np.float64)
    )


def test_a_pytorch_file_that_does_not_fit_names_the_keys(torch, tmp_path):
    from safetensors.torch import save_file

    other = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3), torch.nn.Linear(3, 3)
    )
    save_file(other.state_dict(), tmp_path / "other.safetensors")
    ours, _, _ = mlp(torch)
    with pytest.raises(nn.StateDictError) as err:
        ours.load_state_dict(nn.load(tmp_path / "other.safetensors"))
    msg = str(err.value)
    assert "key '0.weight' has shape (5, 4) in the checkpoint but (8, 4) in the model" in msg
    assert "key '2.weight' has shape (3, 5) in the checkpoint but (3, 8) in the model" in msg
    assert "unexpected key '3.weight' (shape (3, 3))" in msg


def test_nn_save_takes_a_pytorch_state_dict_as_it_is(torch, tmp_path):
    from safetensors.torch import load_file

    _, theirs, _ = cnn(torch)
    nn.save(theirs.state_dict(), tmp_path / "t.pt")
    plain = load_file(tmp_path / "t.pt")
    for key, value in theirs.state_dict().items():
        assert torch.equal(plain[key], value), key


def test_torch_save_files_are_refused_without_unpickling(torch, tmp_path, refused):
    torch.save({"w": torch.ones(2)}, tmp_path / "new.pt")
    refused(
        tmp_path / "new.pt",
        "it is a torch.save file (a zip holding a pickle); nn.load "
        "never unpickles, because unpickling can run any code. "
        "Re-save the weights from PyTorch as safetensors",
    )
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    refused(tmp_path / "old.pt", "it is a pickle (torch.save's older format, or pickle.dump)")


def test_bfloat16_is_refused_on_load_and_on_save(torch, tmp_path, refused):
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    refused(
        tmp_path / "bf16.safetensors",
        "tensor 'w' has dtype BF16 (bfloat16), which numpy "
        "cannot hold; in PyTorch convert it before saving",
    )
    with pytest.raises(
        nn.CheckpointError, match="cannot save 'w': Tensor does not convert to a numpy array"
    ):
        nn.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "x.safetensors")
    with pytest.raises(
        nn.CheckpointError,
        match="cannot save 'w': Parameter does not convert "
        r"to a numpy array \(.*detach",
    ):
        nn.save({"w": torch.nn.Parameter(torch.ones(2))}, tmp_path / "x.safetensors")
