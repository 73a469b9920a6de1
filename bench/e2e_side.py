"""End to end, in its own process: train the digits MLP (64-128-10, AdamW, batch 32,
standardised inputs) until 97% test accuracy; report epochs, seconds per epoch and peak
RSS. `python -m bench.e2e_side ours|torch MAX_EPOCHS`."""

import sys
import time

import numpy as np

from bench.harness import emit, peak_rss_mb


def data():
    from scratchgrad import nn

    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True, seed=0)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def ours(max_epochs):
    from scratchgrad import nn

    X_train, X_test, y_train, y_test = data()
    model = nn.mlp([64, 128, 10], seed=1)
    opt = nn.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    loader = nn.DataLoader((X_train, y_train), 32, shuffle=True, seed=1)
    test = nn.DataLoader((X_test, y_test), 512)
    for epoch in range(1, max_epochs + 1):
        nn.fit(
            model, nn.functional.cross_entropy, opt, loader, epochs=1, progress=False, metrics=False
        )
        if nn.evaluate(model, test)["accuracy"] >= 0.97:
            return epoch
    return None


def torch_side(max_epochs):
    import torch

    torch.set_num_threads(1)
    X_train, X_test, y_train, y_test = data()
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    ).double()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    Xv, yv = torch.from_numpy(X_test), torch.from_numpy(y_test)
    rng = np.random.default_rng(1)
    for epoch in range(1, max_epochs + 1):
        order = torch.from_numpy(rng.permutation(len(Xt)))
        for start in range(0, len(Xt), 32):
            idx = order[start : start + 32]
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            if (model(Xv).argmax(1) == yv).double().mean().item() >= 0.97:
                return epoch
    return None


def main():
    side, max_epochs = sys.argv[1], int(sys.argv[2])
    from scratchgrad import nn  # noqa: F401  (imports are not part of training time)

    if side == "torch":
        import torch  # noqa: F401
    start = time.perf_counter()
    epochs = (ours if side == "ours" else torch_side)(max_epochs)
    elapsed = time.perf_counter() - start
    emit(epochs=epochs, seconds=elapsed / (epochs or max_epochs), peak_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
