"""PyTorch's canonical MNIST example, rewritten only in its import lines, trains on real
MNIST to PyTorch's accuracy (issue 25), on a subset so the test stays short: 640
training images (10 steps of 64) and 2,000 test images, float32 on both sides.

The frameworks' random number generators differ, so the harness (not the example) gives
both sides the same random numbers: PyTorch's initial weights (seed 1), and dropout masks
drawn from twin numpy generators; the images come in the same order (the example does
not shuffle on a CPU). The two runs then agree to float32 rounding step by step.

Why only 10 steps: Adadelta at lr 1.0 on this net is chaotic. Rounding differences of
1e-8 grow a thousandfold every five steps, so after 50 steps PyTorch's own accuracy moves
between 91.4% and 92.7% when its start is nudged by 1e-7 (and ours between 90.7% and
92.3%): no comparison at the half-point level means anything there. Over 10 steps both
frameworks land on the same accuracy (46.55% here). A full run on all of MNIST is in the
README (Coming from PyTorch)."""

import io
import os
import sys
import types
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from oracles import oracle
from pytorch_mnist_example import IMPORTS_AFTER, IMPORTS_BEFORE, PYTORCH, renamed

import scratchgrad
from scratchgrad import nn
from scratchgrad.vision import datasets as our_datasets

torch = oracle("torch")
TRAIN, TEST = 640, 2000
ARGS = ["--epochs", "1", "--log-interval", "1000000", "--save-model"]


def _mnist_or_skip():
    folder = os.environ.get("SCRATCHGRAD_MNIST")
    if not folder or not Path(folder).is_dir():
        pytest.skip("real MNIST is not at hand (set SCRATCHGRAD_MNIST)")
    return folder


def test_only_the_import_lines_differ():
    before, after = PYTORCH.splitlines(), renamed().splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == list(zip(IMPORTS_BEFORE, IMPORTS_AFTER))


class _Subset(our_datasets.MNIST):
    """scratchgrad's MNIST cut to the test's subset (the example itself is untouched)."""

    def __init__(self, *args, train=True, **kwargs):
        super().__init__(*args, train=train, **kwargs)
        n = TRAIN if train else TEST
        self.images, self.labels = self.images[:n], self.labels[:n]


def _torchvision():
    """torchvision's MNIST and transforms for the PyTorch side (PyPI's torchvision does not
    import beside this CPU torch), over the same files and the same subset."""
    datasets, transforms = types.ModuleType("datasets"), types.ModuleType("transforms")

    class MNIST(torch.utils.data.Dataset):
        def __init__(self, root, train=True, download=False, transform=None):
            ours = _Subset(root, train=train)
            self.images, self.labels, self.transform = ours.images, ours.labels, transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return self.transform(self.images[i]), int(self.labels[i])

    class Compose:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, x):
            for step in self.steps:
                x = step(x)
            return x

    class ToTensor:
        def __call__(self, image):
            return torch.from_numpy(image[None].astype(np.float32) / 255.0)

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = mean[0], std[0]

        def __call__(self, x):
            return (x - self.mean) / self.std

    datasets.MNIST = MNIST
    transforms.Compose, transforms.ToTensor, transforms.Normalize = Compose, ToTensor, Normalize
    module = types.ModuleType("torchvision")
    module.datasets, module.transforms = datasets, transforms
    return module


def _twin_dropout(seed=123):
    """Dropout as both frameworks compute it (keep with probability 1-p, scale by
    1/(1-p)), its masks drawn from a numpy generator: `ours(drop)` and `theirs()`."""

    def ours(drop):
        rng = np.random.default_rng(seed)
        return lambda x, p, training, _rng, channels=False: drop(x, p, training, rng, channels)

    def theirs():
        rng = np.random.default_rng(seed)

        def dropout(input, p=0.5, training=True, inplace=False):
            if not training or p == 0.0:
                return input
            keep = rng.random(tuple(input.shape)) >= p
            return input * torch.from_numpy((keep * (1.0 / (1.0 - p))).astype(np.float32))

        return dropout

    return ours, theirs


def _run(source, argv):
    namespace = {"__name__": "example"}
    exec(compile(source, "pytorch_mnist_example", "exec"), namespace)
    return namespace


def _same_start(namespace, weights, convert):
    net_init = namespace["Net"].__init__

    def same_start(self):
        net_init(self)
        self.load_state_dict({k: convert(v) for k, v in weights.items()})

    namespace["Net"].__init__ = same_start


def _trained(source, weights, convert, monkeypatch, argv=ARGS):
    """(model, accuracy, printed output) of one run of the example from `weights`."""
    our_dropout, their_dropout = _twin_dropout()
    monkeypatch.setattr(torch.nn.functional, "dropout", their_dropout())
    monkeypatch.setattr(nn.functional, "drop", our_dropout(_original_drop))
    namespace = _run(source, argv)
    _same_start(namespace, weights, convert)
    printed = io.StringIO()
    with redirect_stdout(printed):
        model, accuracy = namespace["main"](argv)
    return model, accuracy, printed.getvalue()


_original_drop = nn.functional.drop


@pytest.mark.slow
@pytest.mark.oracle
def test_the_renamed_example_reaches_pytorchs_accuracy(tmp_path, monkeypatch):
    _mnist_or_skip()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "torchvision", _torchvision())
    monkeypatch.setattr(our_datasets, "MNIST", _Subset)
    monkeypatch.setattr(scratchgrad.autograd.dtypes, "_default", np.dtype(np.float32))
    torch.set_num_threads(1)
    torch.manual_seed(1)
    start = {k: v.numpy().copy() for k, v in _run(PYTORCH, ARGS)["Net"]().state_dict().items()}

    # the first step agrees to rounding: the frameworks compute the same thing
    steps = ["--epochs", "1", "--log-interval", "1", "--dry-run"]
    _, _, their_log = _trained(PYTORCH, start, torch.from_numpy, monkeypatch, steps)
    _, _, our_log = _trained(renamed(), start, np.asarray, monkeypatch, steps)
    # (to rounding: the printed 6 decimals may differ in the last one where the two
    # libraries' float32 kernels round differently, as on AVX-512 machines)
    theirs_first, ours_first = (log.splitlines()[0].split("Loss: ") for log in (their_log, our_log))
    assert theirs_first[0] == ours_first[0], (their_log, our_log)
    assert float(ours_first[1]) == pytest.approx(float(theirs_first[1]), abs=2e-6), (
        their_log,
        our_log,
    )

    _, theirs, _ = _trained(PYTORCH, start, torch.from_numpy, monkeypatch)
    model, ours, printed = _trained(renamed(), start, np.asarray, monkeypatch)
    assert "Test set: Average loss" in printed
    assert abs(ours - theirs) <= 0.005, (ours, theirs)
    assert ours > 0.3, f"10 steps should lift accuracy well above chance, got {ours}"
    # the saved model is safetensors: PyTorch reads it back into its own Net
    from safetensors.torch import load_file

    torch_net = _run(PYTORCH, ARGS)["Net"]()
    torch_net.load_state_dict(load_file(tmp_path / "mnist_cnn.pt"), strict=True)
    assert set(nn.load(tmp_path / "mnist_cnn.pt")) == set(model.state_dict())


@pytest.mark.slow
def test_the_renamed_example_takes_its_gpu_branch(tmp_path, monkeypatch):
    """With a GPU seen (the pretend CuPy), the example's own `use_cuda` branch runs:
    `torch.device("cuda")`, `Net().to(device)`, `data.to(device)` per batch, DataLoader
    with `num_workers=1, pin_memory=True, shuffle=True`, saving the GPU model."""
    import pretend_cupy

    _mnist_or_skip()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(our_datasets, "MNIST", _Subset)
    monkeypatch.setattr(scratchgrad.autograd.dtypes, "_default", np.dtype(np.float32))
    pretend_cupy.install(monkeypatch)
    printed = io.StringIO()
    with redirect_stdout(printed):
        model, accuracy = _run(renamed(), ARGS)["main"](ARGS)
    assert all(p.is_cuda for p in model.parameters())
    assert "Test set: Average loss" in printed.getvalue()
    assert accuracy > 0.3, f"10 steps should lift accuracy well above chance, got {accuracy}"
    assert set(nn.load(tmp_path / "mnist_cnn.pt")) == set(model.state_dict())
