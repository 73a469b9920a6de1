"""`scratchgrad train`: an MLP on a chosen data set; reports accuracy, saves a checkpoint
and plots."""
from pathlib import Path

import numpy as np

import nn
import viz

SYNTHETIC = {
    "moons": lambda seed: nn.datasets.moons(n=400, noise=0.15, seed=seed),
    "circles": lambda seed: nn.datasets.circles(n=400, noise=0.08, seed=seed),
    "spiral": lambda seed: nn.datasets.spiral(n=600, seed=seed),
}
DATASETS = ("xor", "moons", "circles", "spiral", "digits", "mnist")
OPTIMIZERS = {"sgd": nn.optim.SGD, "momentum": nn.optim.Momentum, "adagrad": nn.optim.Adagrad,
              "rmsprop": nn.optim.RMSprop, "adam": nn.optim.Adam, "adamw": nn.optim.AdamW}


def load(dataset, data_dir, seed):
    """(X_train, X_test, y_train, y_test) for a data set name."""
    if dataset == "xor":
        X, y = nn.datasets.gates("XOR")
        return X, X, y, y                      # four points: test on the truth table
    if dataset in SYNTHETIC:
        X, y = SYNTHETIC[dataset](seed)
        return nn.data.train_test_split(X, y, test_size=0.25, seed=seed)
    if dataset == "digits":
        return nn.datasets.digits(split=True, seed=seed)
    if data_dir is None:
        raise ValueError("--dataset mnist needs --data-dir, the folder with the MNIST IDX "
                         "files (train-images-idx3-ubyte[.gz], ...)")
    X_train, y_train = nn.datasets.mnist(data_dir, "train")
    X_test, y_test = nn.datasets.mnist(data_dir, "test")
    return X_train, X_test, y_train, y_test


def run(dataset, data_dir=None, hidden=(64, 64), activation="relu", optimizer="adam", lr=None,
        epochs=20, batch_size=32, seed=0, out="scratchgrad-out", progress=True, echo=print):
    X_train, X_test, y_train, y_test = load(dataset, data_dir, seed)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    classes = int(max(y_train.max(), y_test.max())) + 1
    model = nn.mlp([X_train.shape[1], *hidden, classes], activation, seed=seed)
    lr = lr if lr is not None else (0.1 if optimizer in ("sgd", "momentum", "adagrad")
                                    else 1e-2 if dataset == "xor" else 3e-3)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    history = nn.fit(model, nn.functional.cross_entropy, opt,
                     nn.DataLoader((X_train, y_train), batch_size, shuffle=True, seed=seed),
                     epochs=epochs,
                     val_loader=nn.DataLoader((X_test, y_test), max(batch_size, 256)),
                     progress=progress)
    accuracy = history["val_accuracy"][-1]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nn.save(model.state_dict(), out / f"{dataset}_model.npz")
    viz.plot_history(history).savefig(out / f"{dataset}_history.png", dpi=100)
    if X_train.shape[1] == 2:
        X_all = np.concatenate([X_train, X_test])
        y_all = np.concatenate([y_train, y_test])
        viz.plot_decision_boundary(model, X_all, y_all).savefig(
            out / f"{dataset}_decision_boundary.png", dpi=100)
    echo(f"{dataset}: {model.num_parameters():,} parameters, {history.epochs} epochs, "
         f"test accuracy {accuracy:.1%}; wrote {out}/{dataset}_model.npz and plots")
    return accuracy
