"""Toy data sets generated with numpy: logic gates, moons, circles, spirals."""

import numpy as np

GATES = {
    "AND": [0, 0, 0, 1],
    "NAND": [1, 1, 1, 0],
    "OR": [0, 1, 1, 1],
    "NOR": [1, 0, 0, 0],
    "XOR": [0, 1, 1, 0],
}


def gates(name):
    """The truth table of a logic gate (퍼셉트론 chapter): X (4, 2) of 0/1, y (4,)."""
    key = str(name).upper()
    if key not in GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {', '.join(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return X, np.array(GATES[key], dtype=np.int64)


def _check(n, noise):
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")


def moons(n=100, noise=0.1, seed=None):
    """Two interleaving half circles (micrograd's demo data). Labels 0 and 1."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n_top = n // 2
    t_top = np.linspace(0, np.pi, n_top)
    t_bottom = np.linspace(0, np.pi, n - n_top)
    top = np.c_[np.cos(t_top), np.sin(t_top)]
    bottom = np.c_[1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)]
    X = np.r_[top, bottom] + rng.normal(scale=noise, size=(n, 2))
    y = np.r_[np.zeros(n_top, dtype=np.int64), np.ones(n - n_top, dtype=np.int64)]
    order = rng.permutation(n)
    return X[order], y[order]


def circles(n=100, noise=0.05, factor=0.5, seed=None):
    """A small circle (label 1) inside a large one (label 0)."""
    _check(n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    angles_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    angles_in = np.linspace(0, 2 * np.pi, n - n_out, endpoint=False)
    X = np.r_[
        np.c_[np.cos(angles_out), np.sin(angles_out)],
        factor * np.c_[np.cos(angles_in), np.sin(angles_in)],
    ]
    X += rng.normal(scale=noise, size=X.shape)
    y = np.r_[np.zeros(n_out, dtype=np.int64), np.ones(n - n_out, dtype=np.int64)]
    order = rng.permutation(n)
    return X[order], y[order]


def spiral(n=300, classes=3, noise=0.2, seed=None):
    """`classes` interleaved spiral arms (CS231n's classic): not linearly separable."""
    _check(n, noise)
    if classes < 2:
        raise ValueError(f"classes must be >= 2, got {classes}")
    rng = np.random.default_rng(seed)
    per_class = [n // classes + (1 if c < n % classes else 0) for c in range(classes)]
    points, labels = [], []
    for c, count in enumerate(per_class):
        radius = np.linspace(0.0, 1.0, count)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, count) + rng.normal(scale=noise, size=count)
        points.append(np.c_[radius * np.sin(theta), radius * np.cos(theta)])
        labels.append(np.full(count, c, dtype=np.int64))
    X, y = np.concatenate(points), np.concatenate(labels)
    order = rng.permutation(n)
    return X[order], y[order]
