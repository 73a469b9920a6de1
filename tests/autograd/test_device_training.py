"""A whole training step with every array on a pretend device (`DispatchingArray`: numpy
dispatches to it like to CuPy, but it can never become a numpy array): models with
convolution, pooling, batch norm, dropout and the losses, each optimizer, train and eval
mode. It gives the numbers the CPU gives, and never pulls data back to the host, which is
what a CuPy GPU run needs (a real GPU runs `python -m bench.gpu_check`)."""

import numpy as np
import pytest
from device_arrays import dispatching as DispatchingArray
from device_arrays import host as raw
from device_arrays import on_device

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.tensor import _constant


def move_to_device(model):
    """Move a model's parameters and buffers onto the pretend device, in place."""
    for p in model.parameters():
        p.data = DispatchingArray(p._data)
    for module in model.modules():
        for name in module._buffer_names:
            buf = getattr(module, name)
            if isinstance(buf, np.ndarray):
                object.__setattr__(module, name, DispatchingArray(buf))
    return model


def models():
    return {
        "cnn": lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, dtype=np.float64),
            nn.BatchNorm2d(4, dtype=np.float64),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(4 * 4 * 4, 10, dtype=np.float64),
        ),
        "unet-ish": lambda: nn.Sequential(  # the newer layers: no host round trips
            nn.Conv2d(1, 4, 3, padding="same", dilation=2, dtype=np.float64),
            nn.GroupNorm(2, 4, dtype=np.float64),
            nn.Conv2d(4, 4, 3, padding=1, groups=4, dtype=np.float64),  # depthwise
            nn.InstanceNorm2d(4, affine=True, dtype=np.float64),
            nn.ReLU(),
            nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1, dtype=np.float64),
            nn.Upsample(scale_factor=0.5, mode="bilinear"),
            nn.PixelUnshuffle(2),
            nn.Upsample(scale_factor=0.5),
            nn.Flatten(),
            nn.Linear(16 * 2 * 2, 10, dtype=np.float64),
        ),
        "mlp": lambda: nn.Sequential(
            nn.Flatten(),
            nn.Linear(64, 32, dtype=np.float64),
            nn.BatchNorm1d(32, dtype=np.float64),
            nn.Tanh(),
            nn.LayerNorm(32, dtype=np.float64),
            nn.Linear(32, 10, dtype=np.float64),
        ),
    }


OPTIMIZERS = {
    "sgd": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: nn.optim.Adam(p, lr=1e-2),
    "adamw": lambda p: nn.optim.AdamW(p, lr=1e-2),
    "rmsprop": lambda p: nn.optim.RMSprop(p, lr=1e-2),
    "adagrad": lambda p: nn.optim.Adagrad(p, lr=1e-2),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("kind", ["cnn", "unet-ish", "mlp"])
def test_training_on_a_pretend_device_matches_the_cpu(kind, optimizer):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 1, 8, 8))
    labels = rng.integers(0, 10, 6)
    runs = []
    for device in (False, True):
        nn.manual_seed(0)
        model = models()[kind]()
        if device:
            model = move_to_device(model)
        opt = OPTIMIZERS[optimizer](model.parameters())
        xs = _constant(DispatchingArray(x)) if device else Tensor(x)
        ys = _constant(DispatchingArray(labels)) if device else Tensor(labels, dtype=np.int64)
        losses = []
        for _ in range(3):
            nn.manual_seed(1)  # the same dropout masks on both sides
            loss = nn.functional.cross_entropy(model(xs), ys)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(raw(loss)))
        model.eval()
        out = model(xs)
        if device:
            assert on_device(out), "the output left the device"
            assert all(on_device(p) for p in model.parameters())
        runs.append((losses, raw(out), [raw(p) for p in model.parameters()]))
    (cpu_losses, cpu_out, cpu_params), (dev_losses, dev_out, dev_params) = runs
    np.testing.assert_allclose(dev_losses, cpu_losses, rtol=1e-12)
    np.testing.assert_allclose(dev_out, cpu_out, rtol=1e-10, atol=1e-12)
    for a, b in zip(dev_params, cpu_params):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["mse", "bce_logits", "nll", "l1", "bce"])
def test_losses_on_a_pretend_device(loss):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 3))
    target = rng.standard_normal((5, 3))
    labels = rng.integers(0, 3, 5)
    probs = 1 / (1 + np.exp(-rng.standard_normal((5, 3))))
    F = nn.functional
    cases = {
        "mse": lambda a, t, y, p: F.mse_loss(a, t),
        "l1": lambda a, t, y, p: F.l1_loss(a, t),
        "bce_logits": lambda a, t, y, p: F.binary_cross_entropy_with_logits(a, p),
        "bce": lambda a, t, y, p: F.binary_cross_entropy(a.sigmoid(), p),
        "nll": lambda a, t, y, p: F.nll_loss(a.log_softmax(1), y),
    }
    results = []
    for device in (False, True):
        wrap = (lambda v: _constant(DispatchingArray(v))) if device else Tensor
        a = wrap(logits)
        a.requires_grad_(True)
        value = cases[loss](
            a, wrap(target), wrap(labels) if device else Tensor(labels, dtype=np.int64), wrap(probs)
        )
        value.backward()
        results.append((raw(value), raw(a.grad)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)
