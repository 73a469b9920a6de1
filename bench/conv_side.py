"""One side of the convolution benchmark, in its own process (threads pinned by the
caller): the book's SimpleConvNet (conv 30@5x5, ReLU, max-pool 2, Linear 100, ReLU,
Linear 10) training step with Adam on a batch of 1x28x28 float32 images.

    python -m bench.conv_side ours|torch|blas BATCH REPEATS THREADS -> s/step
    python -m bench.conv_side epoch-ours|epoch-torch N_IMAGES THREADS -> seconds, peak RSS

Both sides run with glibc's default malloc: scratchgrad changes no process setting
(its engine reuses its own big gradient arrays instead; autograd/buffers.py).
"""
import sys
import time

import numpy as np

from bench.harness import emit, median_time, peak_rss_mb


def problem(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch)


def ours_step(x, labels):
    from scratchgrad import nn
    from scratchgrad.autograd import Tensor
    model = nn.models.simple_convnet(seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb=Tensor(x), yb=labels):
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def torch_step(x, labels, threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(30 * 12 * 12, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb=torch.from_numpy(x), yb=torch.from_numpy(labels)):
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def blas_step(x, labels):
    """Only the step's matrix products (conv forward and weight gradient as im2col GEMMs,
    the two Linear layers forward and backward): the floor any numpy CNN sits on."""
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
    """One pass over `images` MNIST-sized samples: time (imports and model construction
    not included) and the process's peak RSS."""
    x, labels = problem(images, seed=1)
    if side == "epoch-ours":
        from scratchgrad.autograd import Tensor
        step = ours_step(x[:batch], labels[:batch])

        def batch_at(i):
            return Tensor(x[i:i + batch]), labels[i:i + batch]
    else:
        import torch
        step = torch_step(x[:batch], labels[:batch], threads)

        def batch_at(i):
            return torch.from_numpy(x[i:i + batch]), torch.from_numpy(labels[i:i + batch])
    start = time.perf_counter()
    for i in range(0, images, batch):
        step(*batch_at(i))
    emit(seconds=time.perf_counter() - start, peak_mb=peak_rss_mb())


def main():
    side = sys.argv[1]
    if side.startswith("epoch"):
        return epoch(side, int(sys.argv[2]), int(sys.argv[3]))
    batch, repeats, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x, labels = problem(batch)
    step = {"ours": lambda: ours_step(x, labels),
            "torch": lambda: torch_step(x, labels, threads),
            "blas": lambda: blas_step(x, labels)}[side]()
    emit(seconds=median_time(step, repeats), peak_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
