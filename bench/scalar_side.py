"""One side of the scalar benchmark, in its own process: micrograd's demo training step
(moons n=100, MLP 2-16-16-1, hinge loss + 1e-4 L2, full batch, SGD with lr decay).

    python -m bench.scalar_side ours|ours-micrograd-style|micrograd STEPS
        -> JSON: seconds/step, losses, nodes
    python -m bench.scalar_side chain-ours|chain-micrograd N
        -> JSON: build and backward seconds

`ours` is the step written the scratchgrad way (float inputs, `nn.functional.hinge_loss`,
`autograd.sum`); `ours-micrograd-style` and `micrograd` run the SAME function, micrograd's
demo.ipynb loop (inputs wrapped in `Value`, built-in `sum`), with either engine's names.
"""

import random
import sys

import numpy as np

from bench.harness import emit, peak_rss_mb


def moons():
    from scratchgrad.nn.datasets import moons as make

    X, labels = make(n=100, noise=0.1, seed=1)
    return X, 2 * labels - 1


def initial_weights(seed=1337):
    """Same numbers for both engines: U(-1, 1) weights and zero biases, layer by layer."""
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    return [
        [([rng.uniform(-1, 1) for _ in range(n_in)], 0.0) for _ in range(n_out)]
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]


def ours(steps):
    import time

    from scratchgrad import autograd, nn

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
        losses.append(float(loss.data))
    return (
        losses,
        times,
        {
            "build": float(np.median(build[1:])),
            "backward": float(np.median(back[1:])),
            "nodes": _count(loss),
        },
    )


def micrograd_style(steps, Value, MLP):
    """micrograd's demo.ipynb training loop, unchanged but for the two names passed in."""
    import time

    X, y = moons()
    random.seed(1337)  # the same weights as initial_weights()
    model = MLP(2, [16, 16, 1])
    losses, times, build, back = [], [], [], []
    for k in range(steps):
        t0 = time.perf_counter()
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        t1 = time.perf_counter()
        model.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        build.append(t1 - t0)
        back.append(t2 - t1)
        losses.append(float(loss.data))
    return (
        losses,
        times,
        {
            "build": float(np.median(build[1:])),
            "backward": float(np.median(back[1:])),
            "nodes": _count(loss),
        },
    )


def _count(loss):
    """Nodes in the step's graph (leaves and constants included), counted by our walker
    for our Values and by micrograd's `_prev` sets for micrograd's."""
    if hasattr(loss, "_parents"):
        from scratchgrad import autograd

        return len(autograd.topological_order([loss], every_node=True))
    seen, stack = {id(loss)}, [loss]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def ours_micrograd_style(steps):
    from scratchgrad.autograd import Value
    from scratchgrad.nn.scalar import MLP

    return micrograd_style(steps, Value, MLP)


def micrograd(steps):
    from micrograd.engine import Value
    from micrograd.nn import MLP

    return micrograd_style(steps, Value, MLP)


def chain(side, n):
    import time

    sys.setrecursionlimit(10_000)
    if side == "chain-ours":
        from scratchgrad.autograd import Value
    else:
        from micrograd.engine import Value
    x = Value(1.0)
    y = x
    start = time.perf_counter()
    for _ in range(n):
        y = y * 1.0000001
    build = time.perf_counter() - start
    start = time.perf_counter()
    try:
        y.backward()
    except RecursionError:
        emit(error="RecursionError", build=build, peak_mb=peak_rss_mb())
        return
    emit(seconds=time.perf_counter() - start, build=build, peak_mb=peak_rss_mb())


def main():
    side, n = sys.argv[1], int(sys.argv[2])
    if side.startswith("chain"):
        return chain(side, n)
    sides = {"ours": ours, "ours-micrograd-style": ours_micrograd_style, "micrograd": micrograd}
    losses, times, extra = sides[side](n)
    emit(seconds=float(np.median(times[1:])), losses=losses[:5], **extra)


if __name__ == "__main__":
    main()
