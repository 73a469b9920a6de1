"""One side of the Tensor benchmark, in its own process (threads pinned by the caller):
an MLP training step — forward, cross-entropy, backward, SGD — on random data.

    python -m bench.tensor_side ours|torch|numpy|book|blas SIZES BATCH DTYPE REPEATS

`book` is the numpy side's step written with scratchgrad.book (the book's layers and
optimizer, whose backward is scratchgrad's graph walk): what book code pays for the
engine underneath.
"""

import sys

import numpy as np

from bench.harness import emit, median_time, peak_rss_mb

LR = 0.01


def problem(sizes, batch, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], batch)
    weights = [
        (rng.uniform(-1, 1, (o, i)).astype(dtype) / np.sqrt(i).astype(dtype), np.zeros(o, dtype))
        for i, o in zip(sizes[:-1], sizes[1:])
    ]
    return x, labels, weights


def ours_step(sizes, batch, dtype):
    from scratchgrad import nn
    from scratchgrad.autograd import Tensor

    x, labels, weights = problem(sizes, batch, dtype)
    model = nn.mlp(sizes, dtype=dtype)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for layer, (W, b) in zip(linears, weights):
        layer.weight.data, layer.bias.data = W.copy(), b.copy()
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    inputs = Tensor(x)

    def step():
        loss = nn.functional.cross_entropy(model(inputs), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_step(sizes, batch, dtype, threads):
    import torch

    torch.set_num_threads(threads)
    x, labels, weights = problem(sizes, batch, dtype)
    layers = []
    for i, (W, b) in enumerate(weights):
        linear = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(torch.float32 if dtype == np.float32 else torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels)

    def step():
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def numpy_step(sizes, batch, dtype):
    from bench.numpy_mlp import NumpyMLP

    x, labels, weights = problem(sizes, batch, dtype)
    net = NumpyMLP(weights)
    return lambda: net.train_step(x, labels, LR)


def book_step(sizes, batch, dtype):
    """The same step as `numpy_step`, in the book's code with its imports renamed
    (scratchgrad.book's Affine, Relu, SoftmaxWithLoss and SGD over a params dict)."""
    from scratchgrad.book.common.layers import Affine, Relu, SoftmaxWithLoss
    from scratchgrad.book.common.optimizer import SGD

    x, labels, weights = problem(sizes, batch, dtype)
    params = {}
    for i, (W, b) in enumerate(weights, 1):
        params[f"W{i}"], params[f"b{i}"] = np.ascontiguousarray(W.T), b.copy()  # (in, out)
    affines = [Affine(params[f"W{i}"], params[f"b{i}"]) for i in range(1, len(weights) + 1)]
    layers = [layer for affine in affines for layer in (affine, Relu())][:-1]
    last, optimizer = SoftmaxWithLoss(), SGD(lr=LR)

    def step():
        y = x
        for layer in layers:
            y = layer.forward(y)
        last.forward(y, labels)
        dout = last.backward()
        for layer in reversed(layers):
            dout = layer.backward(dout)
        grads = {}
        for i, affine in enumerate(affines, 1):
            grads[f"W{i}"], grads[f"b{i}"] = affine.dW, affine.db
        optimizer.update(params, grads)

    return step


def blas_step(sizes, batch, dtype):
    """The matmuls of one step alone (forward, input grads, weight grads): the ceiling."""
    x, _, weights = problem(sizes, batch, dtype)
    acts = [x]
    for W, _ in weights:
        acts.append(np.ones((batch, W.shape[0]), dtype))

    def step():
        for i, (W, _) in enumerate(weights):
            acts[i] @ W.T
            acts[i + 1].T @ acts[i]
            if i:
                acts[i + 1] @ W

    return step


def main():
    side, sizes, batch, dtype, repeats = sys.argv[1:6]
    sizes = [int(s) for s in sizes.split(",")]
    batch, repeats, dtype = int(batch), int(repeats), np.dtype(dtype).type
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    if side == "torch":
        step = torch_step(sizes, batch, dtype, threads)
    else:
        step = {"ours": ours_step, "numpy": numpy_step, "book": book_step, "blas": blas_step}[side](
            sizes, batch, dtype
        )
    emit(seconds=median_time(step, repeats, warmup=3), peak_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
