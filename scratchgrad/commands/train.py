"""`scratchgrad train`: an MLP (or, for the image data sets, a CNN) on a chosen data set;
reports accuracy, saves a checkpoint and plots.

The model's size is counted from the data set's shape (model_size.py) before anything
is loaded or built, so a model too big to train is refused in a second, not after
minutes; `build_model` makes the network that count describes.
"""

import numpy as np

from .. import nn, viz
from . import UsageError, prepare_out_dir, refuse_file_in_the_way, require_matplotlib
from .model_size import check_model_size
from .options import (
    CNN_LAYOUT,
    DATASETS,
    DEFAULT_ACTIVATION,
    DEFAULT_BATCH_SIZE,
    DEFAULT_HIDDEN,
    IMAGE_DATASETS,
    OPTIMIZERS,
    default_lr,
)

SYNTHETIC = {
    "moons": lambda seed: nn.datasets.moons(n=400, noise=0.15, seed=seed),
    "circles": lambda seed: nn.datasets.circles(n=400, noise=0.08, seed=seed),
    "spiral": lambda seed: nn.datasets.spiral(n=600, seed=seed),
}


def run(args, echo=print):
    """Check the flags, train, save the checkpoint and the plots; exit status 0."""
    check_flags(args)
    kind = args.model
    hidden = args.hidden or DEFAULT_HIDDEN[kind]
    check_model_size(kind, args.dataset, hidden)  # before loading any data
    require_matplotlib("train")
    out = prepare_out_dir(args.out)  # a bad --out fails now, not later
    X_train, X_test, y_train, y_test = load(args)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    network = build_model(kind, args.dataset, hidden, args.activation, args.seed)
    if kind == "cnn":
        X_train, X_test = (as_images(X, args.dataset) for X in (X_train, X_test))
    optimizer_class = getattr(nn.optim, OPTIMIZERS[args.optimizer])
    lr = args.lr if args.lr is not None else default_lr(args.optimizer, kind, args.dataset)
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE[kind]
    history = nn.fit(
        network,
        nn.functional.cross_entropy,
        optimizer_class(network.parameters(), lr=lr),
        nn.DataLoader((X_train, y_train), batch_size, shuffle=True, seed=args.seed),
        epochs=args.epochs,
        val_loader=nn.DataLoader((X_test, y_test), max(batch_size, 256)),
        progress=not args.no_progress,
    )
    name = args.dataset if kind == "mlp" else f"{args.dataset}_cnn"  # keeps the mlp's files
    checkpoint = out / f"{name}_model.safetensors"
    nn.save(network.state_dict(), checkpoint)
    viz.plot_history(history).savefig(out / f"{name}_history.png", dpi=100)
    if X_train.ndim == 2 and X_train.shape[1] == 2:
        viz.plot_decision_boundary(
            network, np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
        ).savefig(out / f"{name}_decision_boundary.png", dpi=100)
    echo(
        f"{args.dataset}, {kind}: {network.num_parameters():,} parameters, "
        f"{history.epochs} epochs, final training loss {history['loss'][-1]:.4g}, "
        f"test accuracy {history['val_accuracy'][-1]:.1%}; wrote {checkpoint} and plots"
    )
    return 0


def check_flags(args):
    """Refuse combinations the parser cannot see: each names the flag to change."""
    if args.model == "cnn" and args.dataset not in IMAGE_DATASETS:
        raise UsageError(
            f"--model cnn needs an image data set ({', '.join(IMAGE_DATASETS)}),"
            f" not {args.dataset!r}"
        )
    if args.model == "cnn" and args.hidden is not None and len(args.hidden) != 1:
        raise UsageError(
            f"--model cnn has one dense hidden layer: give one --hidden size "
            f"(the book's is {DEFAULT_HIDDEN['cnn'][0]}), not "
            f"{','.join(map(str, args.hidden))}"
        )
    if args.model == "cnn" and args.activation is not None:
        raise UsageError("--activation is for --model mlp; the cnn uses ReLU")
    mnist_only = [
        flag
        for flag, given in (
            ("--data-dir", args.data_dir is not None),
            ("--download", args.download),
            ("--mnist-mirror", bool(args.mnist_mirror)),
            ("--download-timeout", args.download_timeout is not None),
        )
        if given
    ]
    if args.dataset != "mnist" and mnist_only:
        raise UsageError(f"{_listed(mnist_only)} only for --dataset mnist")
    unused = [flag for flag in ("--mnist-mirror", "--download-timeout") if flag in mnist_only]
    if unused and not args.download:
        raise UsageError(f"{_listed(unused)} only with --download")


def _listed(flags):
    """ "--a is" / "--a and --b are": the start of a sentence about these flags."""
    return f"{' and '.join(flags)} {'is' if len(flags) == 1 else 'are'}"


# --- data and model -----------------------------------------------------------------------


def load(args):
    """(X_train, X_test, y_train, y_test) for --dataset, shaped as DATASETS says."""
    if args.dataset == "xor":
        X, y = nn.datasets.gates("XOR")
        split = X, X, y, y  # four points: test on the truth table
    elif args.dataset in SYNTHETIC:
        X, y = SYNTHETIC[args.dataset](args.seed)
        split = nn.data.train_test_split(X, y, test_size=0.25, seed=args.seed)
    elif args.dataset == "digits":
        split = nn.datasets.digits(split=True, seed=args.seed)
    else:
        split = load_mnist(args)
    check_shape(args.dataset, split[0], split[2])
    return split


def load_mnist(args):
    """MNIST through nn.datasets.mnist; the download flags are passed only when given."""
    extra = {}
    if args.mnist_mirror:
        extra["mirrors"] = args.mnist_mirror
    if args.download_timeout is not None:
        extra["timeout"] = args.download_timeout
    if args.data_dir is not None:
        refuse_file_in_the_way(
            "--data-dir",
            args.data_dir,
            "name the folder that holds (or, with --download, will hold) the MNIST files",
        )
    X_train, y_train = nn.datasets.mnist(
        root=args.data_dir, kind="train", download=args.download, **extra
    )
    X_test, y_test = nn.datasets.mnist(
        root=args.data_dir, kind="test", download=args.download, **extra
    )
    return X_train, X_test, y_train, y_test


def check_shape(dataset, X, y):
    """IDX files of another image size or more labels (EMNIST letters, a resized set) are
    valid IDX files but not what the model is sized for: say so, not a shape error."""
    data = DATASETS[dataset]
    if X.ndim != 2 or X.shape[1] != data.features:
        raise UsageError(
            f"--dataset {dataset} expects {data.features} features per sample, "
            f"but the data has shape {X.shape[1:]}; use files of the right size"
        )
    if y.size and not 0 <= y.min() <= y.max() < data.classes:
        raise UsageError(
            f"--dataset {dataset} expects labels 0..{data.classes - 1}, but the "
            f"data has labels {y.min()}..{y.max()}"
        )


def build_model(kind, dataset, hidden, activation=None, seed=0):
    """The network `model_size.parameter_count` counts: an MLP, or the book's
    SimpleConvNet (tests/cli/test_options.py checks that the two agree)."""
    data = DATASETS[dataset]
    if kind == "mlp":
        return nn.mlp(
            [data.features, *hidden, data.classes], activation or DEFAULT_ACTIVATION, seed=seed
        )
    side = data.image_side
    filters, kernel = CNN_LAYOUT[dataset]
    return nn.models.simple_convnet(
        (1, side, side), filters, kernel, hidden[0], data.classes, seed=seed
    )


def as_images(X, dataset):
    """(N, side*side) rows -> (N, 1, side, side) float32, the convnet's input."""
    side = DATASETS[dataset].image_side
    return X.reshape(len(X), 1, side, side).astype(np.float32)
