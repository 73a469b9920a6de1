"""One side of the convolution benchmark, in its own process (threads pinned by the
caller): a training step with Adam on a batch of 1x28x28 float32 images, of either
the book's SimpleConvNet (conv 30@5x5, ReLU, max-pool 2, Linear 100, ReLU, Linear 10)
or `nn.models.deep_convnet` (three blocks of two 3x3 convs and a max-pool, then
Linear 128, ReLU, Dropout, Linear 10), on the CPU or on a CUDA GPU. MODEL `bn` times
BatchNorm2d(32) alone in training mode, forward and backward, on (BATCH, 32, 28, 28);
`dw` a depthwise 3x3 convolution of 32 channels alone.

    python -m bench.conv_side ours|torch|blas MODEL BATCH REPEATS THREADS [DEVICE]
        MODEL: simple | deep | bn | dw; DEVICE: cpu (default) | cuda  -> s/step
    python -m bench.conv_side epoch-ours|epoch-torch N_IMAGES THREADS -> seconds, peak RSS

Both sides run with glibc's default malloc: scratchgrad changes no process setting
(its engine reuses its own big gradient arrays instead; autograd/buffers.py). On a
GPU each timed step ends with a synchronize, so a step's time is its whole work.
"""

import sys
import time

import numpy as np

from bench.harness import emit, median_time, peak_rss_mb


def problem(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch)


def ours_model(model):
    from scratchgrad import nn

    return {"simple": nn.models.simple_convnet, "deep": nn.models.deep_convnet}[model](seed=0)


def torch_model(model):
    import torch.nn as tnn

    if model == "simple":
        return tnn.Sequential(
            tnn.Conv2d(1, 30, 5),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Flatten(),
            tnn.Linear(30 * 12 * 12, 100),
            tnn.ReLU(),
            tnn.Linear(100, 10),
        )
    layers, channels = [], 1
    for width in (16, 32, 64):
        layers += [
            tnn.Conv2d(channels, width, 3, padding=1),
            tnn.ReLU(),
            tnn.Conv2d(width, width, 3, padding=1),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
        ]
        channels = width
    return tnn.Sequential(
        *layers,
        tnn.Flatten(),
        tnn.Linear(64 * 3 * 3, 128),
        tnn.ReLU(),
        tnn.Dropout(0.5),
        tnn.Linear(128, 10),
    )


def ours_step(x, labels, model="simple", device="cpu"):
    import scratchgrad
    from scratchgrad import nn

    net = ours_model(model).to(device)
    opt = nn.optim.Adam(net.parameters(), lr=1e-3)
    sync = scratchgrad.cuda.synchronize if device != "cpu" else (lambda: None)

    def step(xb=scratchgrad.tensor(x, device=device), yb=scratchgrad.tensor(labels, device=device)):
        loss = nn.functional.cross_entropy(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        return loss

    return step


def torch_step(x, labels, threads, model="simple", device="cpu"):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torch_model(model).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sync = torch.cuda.synchronize if device != "cpu" else (lambda: None)

    def step(xb=torch.from_numpy(x).to(device), yb=torch.from_numpy(labels).to(device)):
        loss = torch.nn.functional.cross_entropy(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        return loss

    return step


def layer_step(side, kind, batch, threads):
    """One layer alone on (batch, 32, 28, 28) float32, forward and backward from a fixed
    gradient: `bn`, BatchNorm2d(32) in training mode; `dw`, a depthwise 3x3 Conv2d(32,
    32, groups=32, padding=1) (MobileNet's layer)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 32, 28, 28), dtype=np.float32)
    g = rng.standard_normal(x.shape, dtype=np.float32)
    if side == "ours":
        import scratchgrad as lib

        xb, gb = lib.tensor(x, requires_grad=True), lib.tensor(g)
        options = {"dtype": np.float32}
    else:
        import torch as lib

        lib.set_num_threads(threads)
        xb, gb = lib.from_numpy(x).requires_grad_(), lib.from_numpy(g)
        options = {}
    if kind == "bn":
        layer = lib.nn.BatchNorm2d(32, **options)
    else:
        layer = lib.nn.Conv2d(32, 32, 3, padding=1, groups=32, **options)

    def step():
        layer(xb).backward(gb)

    return step


def blas_step(x, labels, model="simple"):
    """Only the step's matrix products (conv forward and weight gradient as im2col GEMMs,
    the two Linear layers forward and backward): the floor any numpy CNN sits on. Only
    for SimpleConvNet."""
    if model != "simple":
        raise SystemExit("blas: only the simple model has a matmuls-only side")
    n = len(x)
    rng = np.random.default_rng(0)
    cols = rng.random((25, n * 576), dtype=np.float32)
    w1 = rng.random((30, 25), dtype=np.float32)
    g1 = rng.random((30, n * 576), dtype=np.float32)
    h = rng.random((n, 4320), dtype=np.float32)
    w2 = rng.random((100, 4320), dtype=np.float32)
    g2 = rng.random((n, 100), dtype=np.float32)
    w3 = rng.random((10, 100), dtype=np.float32)
    g3 = rng.random((n, 10), dtype=np.float32)

    def step():
        w1 @ cols
        g1 @ cols.T
        h @ w2.T
        g2.T @ h
        g2 @ w2
        g2 @ w3.T
        g3.T @ g2
        g3 @ w3

    return step


def epoch(side, images, threads, batch=100):
    """One pass over `images` MNIST-sized samples through SimpleConvNet: time (imports
    and model construction not included) and the process's peak RSS."""
    x, labels = problem(images, seed=1)
    if side == "epoch-ours":
        from scratchgrad.autograd import Tensor

        step = ours_step(x[:batch], labels[:batch])

        def batch_at(i):
            return Tensor(x[i : i + batch]), labels[i : i + batch]
    else:
        import torch

        step = torch_step(x[:batch], labels[:batch], threads)

        def batch_at(i):
            return torch.from_numpy(x[i : i + batch]), torch.from_numpy(labels[i : i + batch])

    start = time.perf_counter()
    for i in range(0, images, batch):
        step(*batch_at(i))
    emit(seconds=time.perf_counter() - start, peak_mb=peak_rss_mb())


def main():
    side = sys.argv[1]
    if side.startswith("epoch"):
        return epoch(side, int(sys.argv[2]), int(sys.argv[3]))
    model, batch, repeats, threads = (
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        int(sys.argv[5]),
    )
    device = sys.argv[6] if len(sys.argv) > 6 else "cpu"
    if model in ("bn", "dw"):
        step = layer_step(side, model, batch, threads)
        return emit(seconds=median_time(step, repeats), peak_mb=peak_rss_mb())
    x, labels = problem(batch)
    step = {
        "ours": lambda: ours_step(x, labels, model, device),
        "torch": lambda: torch_step(x, labels, threads, model, device),
        "blas": lambda: blas_step(x, labels, model),
    }[side]()
    emit(seconds=median_time(step, repeats), peak_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
