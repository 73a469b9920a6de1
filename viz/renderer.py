"""Find a graphviz renderer: the system `dot`, else the one pip installed (graphviz-pure).

Set SCRATCHGRAD_DOT=/path/to/dot to choose one. `pip install scratchgrad` pulls in
graphviz-pure, whose `graphviz-pure` executable is
a drop-in `dot`. We point the graphviz package at it, so drawings render on a machine
without the system Graphviz package. With neither, drawing still returns DOT source;
only rendering fails, with an error that says how to install a renderer.
"""
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import graphviz

INSTALL_HINT = ("no Graphviz renderer found: install one with `pip install graphviz-pure` "
                "(bundled with scratchgrad) or the system package (`apt-get install graphviz`"
                ", `brew install graphviz`)")


class RendererNotFoundError(RuntimeError):
    pass


def _candidates():
    chosen = os.environ.get("SCRATCHGRAD_DOT")   # an explicit choice wins
    if chosen:
        yield Path(chosen)
    system = shutil.which("dot")
    if system:
        yield Path(system)
    folders = {Path(sysconfig.get_path("scripts")), Path(sys.executable).parent}
    for folder in folders:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            yield folder / name
    pure = shutil.which("graphviz-pure")
    if pure:
        yield Path(pure)


def find_renderer():
    """Path of a usable `dot`-compatible executable, or None."""
    for path in _candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def configure():
    """Point the graphviz package at our renderer. Returns its path, or None."""
    path = find_renderer()
    if path is not None:
        graphviz.backend.dot_command.DOT_BINARY = path
    return path


def require_renderer():
    path = configure()
    if path is None:
        raise RendererNotFoundError(INSTALL_HINT)
    return path


def render_svg(digraph):
    """SVG text of a Digraph (raises RendererNotFoundError with the fix if none)."""
    require_renderer()
    try:
        return digraph.pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound as err:
        raise RendererNotFoundError(INSTALL_HINT) from err
