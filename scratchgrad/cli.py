"""The `scratchgrad` command: demo, train, graph, gradcheck.

Bad arguments and bad data end with one line on stderr and exit status 2 — never a
traceback (set SCRATCHGRAD_DEBUG=1 to see one). Ctrl-C exits with 130; a closed
pipe (`scratchgrad gradcheck | head -1`) ends quietly.
"""
import argparse
import math
import os
import sys

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 1          # what the Python docs' recipe for EPIPE uses

# Everything a user can trigger with arguments or data. RuntimeError covers
# viz.renderer.RenderError and RendererNotFoundError (and RecursionError); OSError covers
# unreadable/unwritable paths; ArithmeticError covers OverflowError and
# ZeroDivisionError from the engine. BrokenPipeError is handled before these.
USER_ERRORS = (ValueError, ArithmeticError, MemoryError, OSError, RuntimeError, ImportError,
               TypeError)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        if "expression" in message and self.prog.endswith("graph"):
            message += ('; give it first, in quotes: graph "tanh(x)" --set x=1 (one that starts '
                        'with "-" needs a space in front: " -x")')
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _quote(text, limit=40):
    """repr of a flag's value, cut: a 5,000-digit typo should not flood the terminal."""
    text = repr(text)
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def _hidden(text):
    """"64,64" -> (64, 64); an empty size ("64,,8", "64,") is a typo, not a skip."""
    parts = [s.strip() for s in text.split(",")]
    if not text.strip() or "" in parts:
        raise argparse.ArgumentTypeError(
            f"expected sizes separated by single commas like 64,64, got {_quote(text)}")
    try:
        sizes = tuple(int(s) for s in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole-number sizes like 64,64, got {_quote(text)}") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be at least 1, got {_quote(text)}")
    return sizes


def _whole_number(text, least):
    """int(text) >= least, or an argparse message naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {_quote(text)}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {_quote(text)}")
    return value


def _positive_int(text):
    """A count (steps, epochs, batch size): refused at parse time, before any training."""
    return _whole_number(text, 1)


def _seed(text):
    """numpy's generators take seeds >= 0 only; say so instead of numpy's message."""
    return _whole_number(text, 0)


def _learning_rate(text):
    """nan, inf or a rate <= 0 would train to garbage silently; refuse them up front."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number like 0.01, got {_quote(text)}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"must be a finite number above 0, got {_quote(text)}")
    return value


def build_parser():
    from .commands.train import DATASETS, OPTIMIZERS
    parser = _Parser(prog="scratchgrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="train two small models and write pictures")
    demo.add_argument("--out", default="scratchgrad-out")
    demo.add_argument("--steps", type=_positive_int, default=100,
                      help="moons training steps")
    demo.add_argument("--epochs", type=_positive_int, default=30, help="digits epochs")
    train = sub.add_parser("train", help="train an MLP, or with --model cnn the book's "
                           "SimpleConvNet, on a data set")
    train.add_argument("--dataset", required=True, choices=DATASETS)
    train.add_argument("--data-dir", help="folder with MNIST IDX files (for --dataset mnist)")
    train.add_argument("--download", action="store_true",
                       help="fetch the MNIST files into --data-dir if they are missing")
    train.add_argument("--model", default="mlp", choices=("mlp", "cnn"),
                       help="mlp (default) or cnn: the book's SimpleConvNet (conv 30@5x5 on "
                            "MNIST, 16@3x3 on digits; ReLU; max-pool 2; Linear; ReLU; "
                            "Linear) for --dataset digits or mnist")
    train.add_argument("--hidden", type=_hidden,
                       help="hidden layer sizes, e.g. 64,64 (default 64,64 for mlp; for cnn "
                            "one size, the dense layer: default 100)")
    train.add_argument("--activation", default="relu", choices=("relu", "tanh", "sigmoid"),
                       help="mlp only (default relu)")
    train.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZERS),
                       help="default adam")
    train.add_argument("--lr", type=_learning_rate,
                       help="learning rate (default 0.1 for sgd, momentum and adagrad; for "
                            "adam and the others 1e-3 with cnn, 3e-3 with mlp)")
    train.add_argument("--epochs", type=_positive_int, default=20, help="default 20")
    train.add_argument("--batch-size", type=_positive_int,
                       help="default 32 for mlp, 100 for cnn (the book's)")
    train.add_argument("--seed", type=_seed, default=0, help="default 0")
    train.add_argument("--out", default="scratchgrad-out")
    graph = sub.add_parser("graph", help="draw the graph of an expression with its grads")
    graph.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    graph.add_argument("--set", nargs="*", action="extend", default=[],
                       metavar="NAME=VALUE", help="repeatable: --set x=1 w=2 --set b=0.5")
    graph.add_argument("--out", default="graph.svg",
                       help="file to write (.svg, .png, ...); no suffix means .svg")
    check = sub.add_parser("gradcheck", help="check every op's derivative numerically")
    check.add_argument("--seed", type=_seed, default=0)
    for p in (demo, train):
        p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser


def _dispatch(args):
    if args.command == "demo":
        from .commands import demo
        demo.run(args.out, args.steps, args.epochs, progress=not args.no_progress)
    elif args.command == "train":
        from .commands import train
        train.run(args.dataset, args.data_dir, args.hidden, args.activation, args.optimizer,
                  args.lr, args.epochs, args.batch_size, args.seed, args.out,
                  progress=not args.no_progress, download=args.download, model=args.model)
    elif args.command == "graph":
        from .commands import graph
        graph.run(args.expression, args.set, args.out)
    elif args.command == "gradcheck":
        from .commands import gradcheck
        return 0 if gradcheck.run(args.seed) else 1
    return 0


def _run(argv):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:            # --help: argparse printed it and wants to stop
        return done.code or 0
    import numpy as np
    with np.errstate(all="ignore"):       # overflow shows up as nan/inf, reported once
        return _dispatch(args)


def _debug():
    return os.environ.get("SCRATCHGRAD_DEBUG", "") not in ("", "0")


def describe(err):
    """One line for any exception: OSErrors name the path, empty messages name the type."""
    if isinstance(err, MemoryError):
        text = f"out of memory{': ' + str(err) if str(err) else ''}; try smaller sizes"
    elif isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename is not None else ""
        text = f"{where}{err.strerror}"
    elif isinstance(err, RecursionError):
        text = "input nested too deeply to handle"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def _silence_stdout():
    """After EPIPE, point stdout at devnull so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):   # stdout is not a real file (tests)
        sys.stdout = open(os.devnull, "w")
    finally:
        os.close(devnull)


def main(argv=None):
    """Run one command; the only place where errors turn into messages and exit codes."""
    try:
        code = _run(argv)
        sys.stdout.flush()                # a closed pipe shows up here, inside the boundary
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("scratchgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, *USER_ERRORS) as err:
        if _debug():
            raise
        print(f"scratchgrad: error: {describe(err)}", file=sys.stderr)
        return EXIT_USAGE
