"""Forward-mode and second-order costs, in their own process (threads pinned by the caller).

    python -m bench.transforms_side REPEATS   -> JSON with each timing below

* an MLP forward (784-100-10, batch 100, float64) alone, and its jvp along a random
  direction in the first layer's weights (forward recording + one tangent sweep);
* one gradient of the MLP's loss, and one Hessian-vector product (forward-over-reverse);
* the full Hessian of a function of 1,000 parameters (a tanh-regularised quadratic).
"""

import sys
import time

import numpy as np

from bench.harness import emit, median_time


def mlp_problem():
    from scratchgrad import nn
    from scratchgrad.autograd import Tensor

    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.mlp([784, 100, 10])
    x, labels = Tensor(rng.standard_normal((100, 784))), rng.integers(0, 10, 100)
    W1 = model[0].weight
    direction = rng.standard_normal(W1.shape)

    def loss_of(w):
        h = (x @ w.T + model[0].bias).relu()
        return nn.functional.cross_entropy(model[2](h), labels)

    def logits_of(w):
        return model[2]((x @ w.T + model[0].bias).relu())

    return model, W1, direction, loss_of, logits_of


def main():
    from scratchgrad import autograd

    repeats = int(sys.argv[1])
    model, W1, v, loss_of, logits_of = mlp_problem()
    w = W1.data.copy()
    from scratchgrad.autograd import Tensor, no_grad

    def forward():
        with no_grad():
            logits_of(Tensor(w))

    def gradient():
        leaf = Tensor(w, requires_grad=True)
        autograd.grad(loss_of(leaf), [leaf])

    result = {
        "forward": median_time(forward, repeats),
        "jvp": median_time(lambda: autograd.jvp(logits_of, (w,), (v,)), repeats),
        "gradient": median_time(gradient, repeats),
        "hvp": median_time(lambda: autograd.hvp(loss_of, w, v), repeats),
    }
    rng = np.random.default_rng(1)
    A = rng.standard_normal((1000, 1000)) / 30
    A = Tensor(A + A.T)
    x0 = rng.standard_normal(1000)

    def f(x):
        return 0.5 * (x * (A @ x)).sum() + x.tanh().sum()

    start = time.perf_counter()
    H = autograd.hessian(f, x0)
    result["hessian_1000"] = time.perf_counter() - start
    expected = A.data + np.diag(-2 * np.tanh(x0) * (1 - np.tanh(x0) ** 2))
    result["hessian_ok"] = bool(np.allclose(H.data, expected, atol=1e-10))
    emit(**result)


if __name__ == "__main__":
    main()
