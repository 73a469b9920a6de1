"""The command line's flags: `build_parser` and the converters that check each value.

Every choice and default comes from options.py (plain data), so parsing, `--help` and a
mistyped flag import no library. A bad value is refused here, before any work, with a
UsageError naming the flag.
"""

import argparse
import math
import urllib.parse

from . import UsageError
from .options import (
    ACTIVATIONS,
    DATASETS,
    DEFAULT_ACTIVATION,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_HIDDEN,
    DEFAULT_LR,
    DEFAULT_MODEL,
    DEFAULT_OPTIMIZER,
    DEFAULT_SEED,
    DEMO_EPOCHS,
    DEMO_STEPS,
    GRAPH_FILE,
    IMAGE_DATASETS,
    LR_COLUMNS,
    MNIST_DEFAULT_ROOT,
    MODELS,
    OPTIMIZERS,
    OUT_DIR,
)

DESCRIPTION = "The `scratchgrad` command: demo, train, graph, gradcheck."


class _Parser(argparse.ArgumentParser):
    """argparse prints usage and exits on a bad flag; raise a UsageError instead, so that
    cli.main reports it like every other user error: one line, exit 2."""

    def error(self, message):
        if "expression" in message and self.prog.endswith("graph"):
            message += (
                '; give it first, in quotes: graph "tanh(x)" --set x=1 (one that starts '
                'with "-" needs a space in front: " -x")'
            )
        raise UsageError(f"{message} (see: {self.prog} --help)")


# --- flag values: each refused at parse time, before any work --------------------------


def _quote(text, limit=40):
    """repr of a flag's value, cut: a 5,000-digit typo should not flood the terminal."""
    text = repr(text)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _hidden(text):
    """ "64,64" -> (64, 64); an empty size ("64,,8", "64,") is a typo, not a skip."""
    parts = [s.strip() for s in text.split(",")]
    if not text.strip() or "" in parts:
        raise argparse.ArgumentTypeError(
            f"expected sizes separated by single commas like 64,64, got {_quote(text)}"
        )
    try:
        sizes = tuple(int(s) for s in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole-number sizes like 64,64, got {_quote(text)}"
        ) from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be at least 1, got {_quote(text)}")
    return sizes


def _whole_number(text, least):
    """int(text) >= least, or an argparse message naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {_quote(text)}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {_quote(text)}")
    return value


def _positive_int(text):
    """A count (steps, epochs, batch size)."""
    return _whole_number(text, 1)


def _seed(text):
    """numpy's generators take seeds >= 0 only; say so instead of numpy's message."""
    return _whole_number(text, 0)


def _positive_number(text):
    """A learning rate or a timeout: nan, inf or <= 0 would fail silently or never end."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number like 0.01, got {_quote(text)}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {_quote(text)}")
    return value


def _mirror(text):
    """A base URL the MNIST file names are appended to."""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.path):
        raise argparse.ArgumentTypeError(
            f"expected a URL like https://example.org/mnist/, got {_quote(text)}"
        )
    return text


# --- the parser --------------------------------------------------------------------------


def _lr_table():
    """DEFAULT_LR as the lines --help prints under `scratchgrad train`."""
    heading = {"mlp": "mlp", "cnn": "cnn", "xor": "mlp on xor"}
    rows = [("optimizer", *(heading[c] for c in LR_COLUMNS))]
    rows += [(name, *(f"{rates[c]:g}" for c in LR_COLUMNS)) for name, rates in DEFAULT_LR.items()]
    lines = ["  " + "".join(f"{cell:<12}" for cell in row).rstrip() for row in rows]
    return "\n".join(["default learning rates (--lr), by optimizer and model:", *lines])


def _add_demo(sub):
    demo = sub.add_parser(
        "demo",
        help="train two small models and write pictures",
        description="micrograd's moons classifier on Values, then a "
        "Tensor MLP on the bundled 8x8 digits; writes a neuron's graph "
        "and the plots.",
    )
    demo.add_argument(
        "--out",
        default=OUT_DIR,
        metavar="DIR",
        help=f"folder for the pictures, created if missing (default: {OUT_DIR})",
    )
    demo.add_argument(
        "--steps",
        type=_positive_int,
        default=DEMO_STEPS,
        help=f"moons training steps (default: {DEMO_STEPS})",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=DEMO_EPOCHS,
        help=f"digits epochs (default: {DEMO_EPOCHS})",
    )
    return demo


def _add_train(sub):
    train = sub.add_parser(
        "train",
        help="train an MLP, or with --model cnn the book's SimpleConvNet, on a data set",
        description="Train, print the test accuracy, and write a checkpoint\n"
        "(DATASET_model.safetensors, DATASET_cnn_model.safetensors) and plots into --out.",
        epilog=_lr_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument(
        "--dataset", required=True, choices=DATASETS, help="required: " + ", ".join(DATASETS)
    )
    train.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        choices=MODELS,
        help=f"mlp, or cnn: the book's SimpleConvNet (conv, ReLU, max-pool 2, "
        f"Linear, ReLU, Linear) for {' or '.join(IMAGE_DATASETS)} "
        f"(default: {DEFAULT_MODEL})",
    )
    mlp, cnn = DEFAULT_HIDDEN["mlp"], DEFAULT_HIDDEN["cnn"]
    train.add_argument(
        "--hidden",
        type=_hidden,
        metavar="SIZES",
        help=f"hidden layer sizes, e.g. 64,64; cnn takes one, its dense layer "
        f"(default: {','.join(map(str, mlp))} for mlp, "
        f"{','.join(map(str, cnn))} for cnn)",
    )
    train.add_argument(
        "--activation", choices=ACTIVATIONS, help=f"mlp only (default: {DEFAULT_ACTIVATION})"
    )
    train.add_argument(
        "--optimizer",
        default=DEFAULT_OPTIMIZER,
        choices=OPTIMIZERS,
        help=f"default: {DEFAULT_OPTIMIZER}",
    )
    train.add_argument(
        "--lr",
        type=_positive_number,
        help="learning rate (default: by optimizer and model, in the table below)",
    )
    train.add_argument(
        "--epochs", type=_positive_int, default=DEFAULT_EPOCHS, help=f"default: {DEFAULT_EPOCHS}"
    )
    train.add_argument(
        "--batch-size",
        type=_positive_int,
        help=f"default: {DEFAULT_BATCH_SIZE['mlp']} for mlp, "
        f"{DEFAULT_BATCH_SIZE['cnn']} for cnn (the book's)",
    )
    train.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"for the weights, the split and the shuffling (default: {DEFAULT_SEED})",
    )
    train.add_argument(
        "--out",
        default=OUT_DIR,
        metavar="DIR",
        help=f"folder for the checkpoint and plots, created if missing (default: {OUT_DIR})",
    )
    mnist = train.add_argument_group("MNIST (--dataset mnist only)")
    mnist.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"folder with the MNIST IDX files, train-images-idx3-ubyte[.gz] "
        f"and friends (default: {MNIST_DEFAULT_ROOT})",
    )
    mnist.add_argument(
        "--download",
        action="store_true",
        help="fetch the MNIST files into the folder if they are missing "
        "(default: off; nothing touches the network)",
    )
    mnist.add_argument(
        "--mnist-mirror",
        metavar="URL",
        type=_mirror,
        action="append",
        help="with --download: a base URL holding the four .gz files; repeat "
        "to try several in order (default: the built-in mirrors, "
        "nn.datasets.download.MIRRORS)",
    )
    mnist.add_argument(
        "--download-timeout",
        metavar="SECONDS",
        type=_positive_number,
        help="with --download: seconds a mirror may take to connect or stall "
        "before the next is tried (default: "
        "nn.datasets.download.TIMEOUT, 10)",
    )
    return train


def _add_graph(sub):
    graph = sub.add_parser(
        "graph",
        help="draw the graph of an expression with its grads",
        description="Evaluate an expression on Values, backpropagate, "
        "print the gradients and draw the graph.",
    )
    graph.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    graph.add_argument(
        "--set",
        nargs="*",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="repeatable: --set x=1 w=2 --set b=0.5 (default: no variables)",
    )
    graph.add_argument(
        "--out",
        default=GRAPH_FILE,
        metavar="PATH",
        help=f"file to write (.svg, .png, ...; no suffix adds .svg); a folder "
        f"(an existing one, or a path ending in /) gets {GRAPH_FILE} "
        f"inside; missing folders are created (default: {GRAPH_FILE})",
    )
    return graph


def _add_gradcheck(sub):
    check = sub.add_parser(
        "gradcheck",
        help="check every op's derivative numerically",
        description="Backprop against central differences for every op "
        "in the table; exit status 1 if any check fails.",
    )
    check.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"for the random inputs (default: {DEFAULT_SEED})",
    )
    return check


def build_parser():
    """The whole command line; imports no library beyond argparse and the tables."""
    parser = _Parser(
        prog="scratchgrad",
        description=DESCRIPTION,
        epilog="exit status: 0 done, 2 bad input (one line on stderr), 1 a bug "
        "in scratchgrad or a failed gradcheck, 130 interrupted",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo, train = _add_demo(sub), _add_train(sub)
    _add_graph(sub)
    _add_gradcheck(sub)
    for p in (demo, train):
        p.add_argument(
            "--no-progress", action="store_true", help="hide progress bars (default: shown)"
        )
    return parser
