"""One module per `scratchgrad` sub-command; each `run(args)` takes the parsed arguments
(an argparse.Namespace) and makes a few calls into the libraries. This module holds what
they share: the user-error type and the checks on folders given as flags."""

import importlib
from pathlib import Path


class UsageError(ValueError):
    """A flag or its value is wrong; the message names the flag and what to do instead.

    The command line prints it as one line and exits with status 2.
    """


def refuse_file_in_the_way(flag, path, advice, *, folder=True):
    """A folder that is, or lies inside, a file cannot be made or read: say which file is
    in the way (the system says only "File exists" or "Not a directory"). With
    folder=False, `path` names a file: only the folders above it are checked."""
    path = Path(path).expanduser()
    for part in (path, *path.parents) if folder else path.parents:
        if part.exists() and not part.is_dir():
            where = "" if part == path else f": {part}"
            raise UsageError(f"{flag} {path}{where} is a file, not a folder; {advice}")
    return path


def prepare_out_dir(out):
    """Create the --out folder before any training, so a bad path fails in a second."""
    out = refuse_file_in_the_way("--out", out, "name a folder (it is created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def require_matplotlib(command):
    """Plots need matplotlib (an optional dependency): check before minutes of training."""
    try:
        importlib.import_module("matplotlib.figure")
    except ImportError:
        raise UsageError(
            f"scratchgrad {command} draws plots and needs matplotlib: "
            "pip install matplotlib (or pip install 'scratchgrad[plot]')"
        ) from None
