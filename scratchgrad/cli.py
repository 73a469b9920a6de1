"""The `scratchgrad` command: demo, train, graph, gradcheck.

How a run goes: `build_parser` (commands/arguments.py) turns the command line into one
argparse.Namespace, with choices and defaults from commands/options.py, plain data, so
parsing imports neither `nn` nor `viz`; `_dispatch` imports the one command module
asked for and calls its `run(args)`; `main` is the only place where exceptions become
messages and exit statuses.

Exit status: 0 done; 2 a mistake in the input (a bad flag, a missing file, a download
that failed): one line on stderr, SCRATCHGRAD_DEBUG=1 shows the traceback; 1 a bug in
scratchgrad: the traceback and a line asking to report it (also 1: a failed gradcheck,
or a closed pipe such as `scratchgrad gradcheck | head -1`, which ends quietly);
130 Ctrl-C.
"""

import importlib
import os
import shlex
import sys
import traceback

from .commands import UsageError
from .commands.arguments import build_parser

__all__ = ["main", "build_parser", "describe", "UsageError", "USER_ERRORS"]
EXIT_OK = 0
EXIT_BUG = 1
EXIT_BROKEN_PIPE = 1  # what the Python docs' recipe for EPIPE uses
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Exceptions a user's input or setup causes, by the module that exports them: these end
# as one line and exit 2; any other exception is a bug of ours. A class whose module is
# not loaded was never raised, so the table is read from sys.modules and names nn and
# viz without importing them. OSError covers paths that cannot be read or written (and
# nn.datasets' DownloadError); MemoryError, sizes too large for this machine.
USER_ERRORS = {
    "builtins": ("OSError", "MemoryError"),
    "scratchgrad.commands": ("UsageError",),
    "scratchgrad.expression": ("ExpressionError",),
    "scratchgrad.nn": ("CheckpointError", "NonFiniteLossError"),
    "scratchgrad.nn.optim": ("NonFiniteGradientError",),
    "scratchgrad.nn.datasets": ("DownloadError", "IDXFormatError"),
    "scratchgrad.viz": ("RenderError",),
}
REPORT = (
    "this is a bug in scratchgrad, not a problem with your input; please report it to "
    "the scratchgrad maintainers with the traceback above and the command line: {}"
)


def _dispatch(args):
    """Import only the command asked for; its run(args) returns the exit status."""
    command = importlib.import_module(f"{__package__}.commands.{args.command}")
    return command.run(args)


def _run(argv):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help: argparse printed it and wants to stop
        return done.code or EXIT_OK
    import numpy as np

    with np.errstate(all="ignore"):  # overflow shows up as nan/inf, reported once
        return _dispatch(args)


# --- the error boundary ------------------------------------------------------------------


def user_error_types():
    """The classes USER_ERRORS names, from the modules loaded so far."""
    found = []
    for module_name, names in USER_ERRORS.items():
        module = sys.modules.get(module_name)
        found += [getattr(module, name, None) for name in names] if module else []
    return tuple(cls for cls in found if isinstance(cls, type))


def _debug():
    return os.environ.get("SCRATCHGRAD_DEBUG", "") not in ("", "0")


def describe(err):
    """One line for a user error: OSErrors name the path, empty messages name the type."""
    if isinstance(err, MemoryError):
        text = f"out of memory{': ' + str(err) if str(err) else ''}; try smaller sizes"
    elif isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename is not None else ""
        text = f"{where}{err.strerror}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def _silence_stdout():
    """After EPIPE, point stdout at devnull so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout is not a real file (tests)
        sys.stdout = open(os.devnull, "w")
    finally:
        os.close(devnull)


def main(argv=None):
    """Run one command; the only place where errors turn into messages and exit codes."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows up here, inside the boundary
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("scratchgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if _debug():
            raise
        if isinstance(err, user_error_types()):
            print(f"scratchgrad: error: {describe(err)}", file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        command_line = shlex.join(["scratchgrad", *map(str, argv)])
        print(f"scratchgrad: internal error: {REPORT.format(command_line)}", file=sys.stderr)
        return EXIT_BUG
