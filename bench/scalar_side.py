"""One side of the scalar benchmark, in its own process: micrograd's demo training step
(moons n=100, MLP 2-16-16-1, hinge loss + 1e-4 L2, full batch, SGD with lr decay).

    python -m bench.scalar_side ours|micrograd STEPS    -> JSON: seconds/step, losses
    python -m bench.scalar_side chain-ours|chain-micrograd N  -> JSON: backward seconds
"""
import random
import sys

import numpy as np

from bench.harness import emit, peak_rss_mb


def moons():
    from nn.datasets import moons as make
    X, labels = make(n=100, noise=0.1, seed=1)
    return X, 2 * labels - 1


def initial_weights(seed=1337):
    """Same numbers for both engines: U(-1, 1) weights and zero biases, layer by layer."""
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    return [[([rng.uniform(-1, 1) for _ in range(n_in)], 0.0) for _ in range(n_out)]
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def ours(steps):
    import time

    import autograd
    import nn
    X, y = moons()
    model = nn.scalar.MLP(2, [16, 16, 1])
    for layer, weights in zip(model.layers, initial_weights()):
        for neuron, (w, b) in zip(layer.neurons, weights):
            for p, v in zip(neuron.w, w):
                p.data = v
            neuron.b.data = b
    params = model.parameters()
    inputs = [list(map(float, row)) for row in X]
    losses, times, build, back = [], [], [], []
    for k in range(steps):
        t0 = time.perf_counter()
        scores = [model(x) for x in inputs]
        loss = nn.functional.hinge_loss(scores, y) + 1e-4 * autograd.sum(p * p for p in params)
        t1 = time.perf_counter()
        model.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        build.append(t1 - t0)
        back.append(t2 - t1)
        losses.append(loss.data)
    nodes = len(autograd.topological_order([loss], every_node=True))
    return losses, times, {"build": float(np.median(build[1:])),
                           "backward": float(np.median(back[1:])), "nodes": nodes}


def micrograd(steps):
    import time

    from micrograd.engine import Value
    from micrograd.nn import MLP
    X, y = moons()
    model = MLP(2, [16, 16, 1])
    for layer, weights in zip(model.layers, initial_weights()):
        for neuron, (w, b) in zip(layer.neurons, weights):
            for p, v in zip(neuron.w, w):
                p.data = v
            neuron.b.data = b
    losses, times = [], []
    for k in range(steps):
        t0 = time.perf_counter()
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        losses.append(loss.data)
    return losses, times, {}


def chain(side, n):
    import time
    sys.setrecursionlimit(10_000)
    if side == "chain-ours":
        from autograd import Value
    else:
        from micrograd.engine import Value
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0000001
    start = time.perf_counter()
    try:
        y.backward()
    except RecursionError:
        emit(error="RecursionError", peak_mb=peak_rss_mb())
        return
    emit(seconds=time.perf_counter() - start, peak_mb=peak_rss_mb())


def main():
    side, n = sys.argv[1], int(sys.argv[2])
    if side.startswith("chain"):
        return chain(side, n)
    losses, times, extra = (ours if side == "ours" else micrograd)(n)
    emit(seconds=float(np.median(times[1:])), losses=losses[:5], **extra)


if __name__ == "__main__":
    main()
