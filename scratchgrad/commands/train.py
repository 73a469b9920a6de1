"""`scratchgrad train`: an MLP (or, for the image data sets, a CNN) on a chosen data set;
reports accuracy, saves a checkpoint and plots."""
import os

import numpy as np

from .. import nn
from .. import viz
from . import prepare_out_dir

SYNTHETIC = {
    "moons": lambda seed: nn.datasets.moons(n=400, noise=0.15, seed=seed),
    "circles": lambda seed: nn.datasets.circles(n=400, noise=0.08, seed=seed),
    "spiral": lambda seed: nn.datasets.spiral(n=600, seed=seed),
}
DATASETS = ("xor", "moons", "circles", "spiral", "digits", "mnist")
IMAGE_DATASETS = {"digits": 8, "mnist": 28}     # side of the square images
MODELS = ("mlp", "cnn")
OPTIMIZERS = {"sgd": nn.optim.SGD, "momentum": nn.optim.Momentum, "adagrad": nn.optim.Adagrad,
              "rmsprop": nn.optim.RMSprop, "adam": nn.optim.Adam, "adamw": nn.optim.AdamW}
BYTES_PER_NUMBER = 8            # float64
COPIES = 4                      # weights, gradients and up to two optimizer moments
MAX_PARAMETERS = 100_000_000    # 3.2 GB to train: far beyond what a numpy MLP does well


def load(dataset, data_dir, seed, download=False):
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
                         "files (train-images-idx3-ubyte[.gz], ...); add --download to "
                         "fetch them into that folder")
    X_train, y_train = nn.datasets.mnist(data_dir, "train", download=download)
    X_test, y_test = nn.datasets.mnist(data_dir, "test", download=download)
    return X_train, X_test, y_train, y_test


def parameter_count(sizes):
    """Weights and biases of an MLP with these layer widths (Python ints: no overflow)."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def available_memory():
    """Bytes of memory free for new allocations, or None where we cannot tell."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def check_model_size(sizes, hidden):
    """Refuse, before allocating, a model that cannot fit (numpy would die mid-way)."""
    count = parameter_count(sizes)
    need = count * BYTES_PER_NUMBER * COPIES
    free = available_memory()
    hint = f"use smaller --hidden sizes than {','.join(map(str, hidden))}"
    if count > MAX_PARAMETERS:
        raise ValueError(f"that model has {count:,} parameters; the limit is "
                         f"{MAX_PARAMETERS:,}: {hint}")
    if free is not None and need > free:
        raise ValueError(f"that model has {count:,} parameters and needs about "
                         f"{need / 2**30:.1f} GiB to train, but {free / 2**30:.1f} GiB "
                         f"is available: {hint}")


def _convnet(dataset, X_train, X_test, hidden, classes, seed):
    """The book's SimpleConvNet shape (conv, ReLU, pool, Linear, ReLU, Linear) in float32,
    sized for the images: 30 5x5 filters on 28x28 MNIST, 16 3x3 on the 8x8 digits."""
    side = IMAGE_DATASETS[dataset]
    filters, kernel = (30, 5) if side >= 20 else (16, 3)
    model = nn.models.simple_convnet((1, side, side), filters, kernel, hidden, classes,
                                     seed=seed)
    as_images = [X.reshape(len(X), 1, side, side).astype(np.float32)
                 for X in (X_train, X_test)]
    return model, as_images[0], as_images[1]


def run(dataset, data_dir=None, hidden=None, activation="relu", optimizer="adam", lr=None,
        epochs=20, batch_size=None, seed=0, out="scratchgrad-out", progress=True, echo=print,
        download=False, model="mlp"):
    if model not in MODELS:
        raise ValueError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    kind = model
    if kind == "cnn" and dataset not in IMAGE_DATASETS:
        raise ValueError(f"--model cnn needs an image data set ({', '.join(IMAGE_DATASETS)}),"
                         f" not {dataset!r}")
    if kind == "cnn" and hidden is not None and len(hidden) != 1:
        raise ValueError(f"--model cnn has one dense hidden layer: give one --hidden size "
                         f"(the book's is 100), not {','.join(map(str, hidden))}")
    hidden = tuple(hidden) if hidden is not None else (100,) if kind == "cnn" else (64, 64)
    batch_size = batch_size or (100 if kind == "cnn" else 32)
    check_model_size(hidden, hidden)          # the hidden layers alone: before loading data
    out = prepare_out_dir(out)                # a bad --out fails now, not after training
    X_train, X_test, y_train, y_test = load(dataset, data_dir, seed, download)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    classes = int(max(y_train.max(), y_test.max())) + 1
    if kind == "cnn":
        model, X_train, X_test = _convnet(dataset, X_train, X_test, hidden[0], classes, seed)
    else:
        sizes = [X_train.shape[1], *hidden, classes]
        check_model_size(sizes, hidden)
        model = nn.mlp(sizes, activation, seed=seed)
    lr = lr if lr is not None else (0.1 if optimizer in ("sgd", "momentum", "adagrad")
                                    else 1e-2 if dataset == "xor"
                                    else 1e-3 if kind == "cnn" else 3e-3)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    history = nn.fit(model, nn.functional.cross_entropy, opt,
                     nn.DataLoader((X_train, y_train), batch_size, shuffle=True, seed=seed),
                     epochs=epochs,
                     val_loader=nn.DataLoader((X_test, y_test), max(batch_size, 256)),
                     progress=progress)
    accuracy = history["val_accuracy"][-1]
    name = dataset if kind == "mlp" else f"{dataset}_cnn"    # a cnn run keeps the mlp's files
    nn.save(model.state_dict(), out / f"{name}_model.npz")
    viz.plot_history(history).savefig(out / f"{name}_history.png", dpi=100)
    if X_train.shape[1] == 2:
        X_all = np.concatenate([X_train, X_test])
        y_all = np.concatenate([y_train, y_test])
        viz.plot_decision_boundary(model, X_all, y_all).savefig(
            out / f"{name}_decision_boundary.png", dpi=100)
    echo(f"{dataset}, {kind}: {model.num_parameters():,} parameters, {history.epochs} epochs, "
         f"final training loss {history['loss'][-1]:.4g}, test accuracy {accuracy:.1%}; "
         f"wrote {out}/{name}_model.npz and plots")
    return accuracy
