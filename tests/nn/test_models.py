"""The bundled models: a conv net's checkpoint round trip, and the MNIST recipe step for
step against PyTorch: SimpleConvNet, Adam 1e-3, batch 100, float32, from PyTorch's own
initial weights (its state_dict loads as is). If every step agrees, our run on real MNIST
is PyTorch's run (98.2-98.3% after 2 epochs), up to the initial draw and float32
rounding."""

import numpy as np
import pytest
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor

torch = oracle("torch")


def test_convnet_checkpoint_round_trip(tmp_path):
    model = nn.models.simple_convnet(
        input_dim=(1, 8, 8), filters=4, kernel_size=3, hidden=8, seed=0
    )
    nn.save(model.state_dict(), tmp_path / "cnn.npz")
    other = nn.models.simple_convnet(
        input_dim=(1, 8, 8), filters=4, kernel_size=3, hidden=8, seed=1
    )
    other.load_state_dict(nn.load(tmp_path / "cnn.npz"))
    x = Tensor(np.random.default_rng(0).random((2, 1, 8, 8)).astype(np.float32))
    np.testing.assert_array_equal(model(x).data, other(x).data)
    deep = nn.models.deep_convnet(input_dim=(1, 8, 8), widths=(4, 8), hidden=16, seed=0)
    assert deep(x).shape == (2, 10)


@pytest.mark.oracle
def test_simple_convnet_adam_steps_match_pytorch():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(30 * 12 * 12, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    ours = nn.models.simple_convnet()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt_ours = nn.optim.Adam(ours.parameters(), lr=1e-3)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    X, y = nn.datasets.digits()  # 8x8 digits drawn on a 28x28 canvas
    images = np.pad(np.kron(X.reshape(-1, 8, 8), np.ones((3, 3))), ((0, 0), (2, 2), (2, 2)))
    images = images.reshape(-1, 1, 28, 28).astype(np.float32)
    losses = []
    for start in range(0, 1500, 100):
        xb, yb = images[start : start + 100], y[start : start + 100]
        loss = nn.functional.cross_entropy(ours(Tensor(xb)), yb)
        opt_ours.zero_grad()
        loss.backward()
        opt_ours.step()
        their_loss = torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(xb)), torch.from_numpy(yb)
        )
        opt_theirs.zero_grad()
        their_loss.backward()
        opt_theirs.step()
        losses.append((float(loss.data), their_loss.item()))
    ours_, theirs_ = np.array(losses).T
    np.testing.assert_allclose(ours_, theirs_, rtol=2e-4)
    assert ours_[-1] < 0.5 * ours_[0]  # it learned
    for name, value in theirs.state_dict().items():  # within a third of one Adam step
        np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), atol=3e-4, err_msg=name)
