"""The `scratchgrad` command: demo, train, graph, gradcheck.

Bad arguments and bad data end with one line on stderr and exit status 2 — never a
traceback (set SCRATCHGRAD_DEBUG=1 to see one).
"""
import argparse
import os
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see: {self.prog} --help)")


class UsageError(Exception):
    pass


def _hidden(text):
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects sizes like 64,64, got {text!r}")
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def build_parser():
    from .commands.train import DATASETS, OPTIMIZERS
    parser = _Parser(prog="scratchgrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="train two small models and write pictures")
    demo.add_argument("--out", default="scratchgrad-out")
    demo.add_argument("--steps", type=int, default=100, help="moons training steps")
    demo.add_argument("--epochs", type=int, default=30, help="digits epochs")
    train = sub.add_parser("train", help="train an MLP on a data set")
    train.add_argument("--dataset", required=True, choices=DATASETS)
    train.add_argument("--data-dir", help="folder with MNIST IDX files (for --dataset mnist)")
    train.add_argument("--hidden", type=_hidden, default=(64, 64), help="e.g. 64,64")
    train.add_argument("--activation", default="relu", choices=("relu", "tanh", "sigmoid"))
    train.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZERS))
    train.add_argument("--lr", type=float)
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="scratchgrad-out")
    graph = sub.add_parser("graph", help="draw the graph of an expression with its grads")
    graph.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    graph.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    graph.add_argument("--out", default="graph.svg")
    check = sub.add_parser("gradcheck", help="check every op's derivative numerically")
    check.add_argument("--seed", type=int, default=0)
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
                  progress=not args.no_progress)
    elif args.command == "graph":
        from .commands import graph
        graph.run(args.expression, args.set, args.out)
    elif args.command == "gradcheck":
        from .commands import gradcheck
        return 0 if gradcheck.run(args.seed) else 1
    return 0


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except (UsageError, ValueError, FileNotFoundError, OSError, ImportError,
            FloatingPointError, RuntimeError, TypeError) as err:
        if os.environ.get("SCRATCHGRAD_DEBUG"):
            raise
        print(f"scratchgrad: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scratchgrad: interrupted", file=sys.stderr)
        return 130
