"""The renderer boundary: every drawing becomes a picture through one bounded call.

Renderer: the system `dot`, else the one pip installed (graphviz-pure, a drop-in `dot`);
SCRATCHGRAD_DOT=/path/to/dot chooses one for scratchgrad's drawings only. With neither,
drawing still returns DOT source; only rendering fails, with an error that says how to
install a renderer.

Our drawings never go through the graphviz package's global `DOT_BINARY`: a learner's
own graphviz code runs the `dot` it ran before scratchgrad was imported. The one
exception is `stand_in_for_missing_dot()`, for an install that has no `dot` at all.

    render_file(digraph, "g.svg")   writes only g.svg (format from the suffix)
    render_svg(digraph)             SVG text (notebooks use it through `Drawing`)

Bounded: more than MAX_RENDER_NODES DOT nodes is refused before the renderer starts,
and the renderer is stopped (with its children) after `timeout` seconds. Quiet: the
renderer's warnings (e.g. graphviz-pure's "no value for width of non-ASCII character")
never reach a learner's output; on failure its first error line is in the RenderError.
"""

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from functools import lru_cache
from pathlib import Path

import graphviz

MAX_RENDER_NODES = 5000  # DOT nodes; each drawn value is up to 2 (record + op ellipse)
DEFAULT_TIMEOUT = 60.0  # seconds for one renderer run
# Formats that make a file (no windows, no image maps); the renderer may support fewer.
FILE_FORMATS = frozenset(
    {
        "svg",
        "png",
        "pdf",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "bmp",
        "ps",
        "eps",
        "dot",
        "gv",
        "xdot",
        "canon",
        "json",
        "plain",
    }
)
INSTALL_HINT = (
    "no Graphviz renderer found: install one with `pip install graphviz-pure` "
    "(bundled with scratchgrad) or the system package (`apt-get install graphviz`"
    ", `brew install graphviz`)"
)
log = logging.getLogger(__name__)


class RenderError(RuntimeError):
    """The drawing could not be rendered; the message names the cause and the fix."""


class RendererNotFoundError(RenderError):
    """No renderer (neither graphviz-pure's nor a system `dot`); says what to install."""


# --- finding the renderer --------------------------------------------------------------


def _bundled():
    """Where pip puts graphviz-pure: the environment's scripts folder, or on PATH."""
    for folder in dict.fromkeys(
        [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    ):  # in order, once each
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            yield folder / name
    pure = shutil.which("graphviz-pure")
    if pure:
        yield Path(pure)


def _candidates():
    chosen = os.environ.get("SCRATCHGRAD_DOT")  # an explicit choice wins
    if chosen:
        yield Path(chosen)
    system = shutil.which("dot")
    if system:
        yield Path(system)
    yield from _bundled()


def _first_usable(paths):
    for path in paths:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def find_renderer():
    """Path of the `dot`-compatible executable our drawings use, or None."""
    return _first_usable(_candidates())


_GRAPHVIZ_DEFAULT = Path("dot")  # graphviz's own DOT_BINARY: "dot" looked up on PATH
_stood_in = None  # the path stand_in_for_missing_dot set, if it did


def stand_in_for_missing_dot():
    """Let plain graphviz code use the bundled graphviz-pure, only where no `dot` exists.

    The one change scratchgrad makes to the `graphviz` package, and only in that case:
    with no `dot` on PATH and graphviz's `DOT_BINARY` still its default, set
    `graphviz.backend.dot_command.DOT_BINARY` to graphviz-pure, so e.g. micrograd's
    `draw_dot(...)` shows its picture in a pip-only install. Where a `dot` is on PATH, or
    someone set DOT_BINARY, nothing changes. Returns the path set (also on a repeated
    call), or None when it changed nothing. SCRATCHGRAD_DOT plays no part here.
    """
    global _stood_in
    current = Path(graphviz.backend.dot_command.DOT_BINARY)
    if _stood_in is not None and current == _stood_in:
        return _stood_in
    if current != _GRAPHVIZ_DEFAULT or shutil.which("dot"):
        return None
    pure = _first_usable(_bundled())
    if pure is not None:
        graphviz.backend.dot_command.DOT_BINARY = pure
        _stood_in = pure
    return pure


def require_renderer():
    """The renderer's path, or RendererNotFoundError with the install hint."""
    path = find_renderer()
    if path is None:
        raise RendererNotFoundError(INSTALL_HINT)
    return path


def supported_formats(renderer=None):
    """File formats (suffixes without the dot) the renderer can write, sorted."""
    path = Path(renderer) if renderer else require_renderer()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _listed_formats(str(path), stamp)


@lru_cache(maxsize=8)
def _listed_formats(path, _stamp):
    """Ask the renderer (an unknown -T makes dot list its formats); cached per binary."""
    try:
        result = subprocess.run(
            [path, "-Tscratchgrad-no-such-format"],
            input=b"digraph {}",
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ("svg",)
    listed = result.stderr.decode("utf-8", "replace").partition("Use one of:")[2]
    names = {word.split(":")[0] for word in listed.split()}
    return tuple(sorted(FILE_FORMATS & names)) or ("svg",)


# --- counting nodes --------------------------------------------------------------------

_ID = r'"(?:[^"\\]|\\.)*"|-?(?:\.\d+|\d+(?:\.\d*)?)|[A-Za-z_\x80-\uffff][\w\x80-\uffff]*'
_STATEMENT = re.compile(rf"\s*({_ID})\s*(->|--|\[|;|$)")
_EDGE_TAIL = re.compile(rf"\s*(?:->|--)\s*({_ID})")
_KEYWORDS = {"graph", "node", "edge", "subgraph", "digraph", "strict"}


def count_nodes(digraph):
    """How many distinct nodes the DOT source declares or uses in edges (exact for ours)."""
    nodes = set()
    for line in digraph.source.splitlines():
        match = _STATEMENT.match(line)
        if not match or match.group(1).lower() in _KEYWORDS:
            continue
        nodes.add(match.group(1))
        if match.group(2) in ("->", "--"):
            nodes.update(m.group(1) for m in _EDGE_TAIL.finditer(line, match.start(2)))
    return len(nodes)


def check_size(digraph):
    """Refuse drawings too big to lay out in reasonable time, before starting the renderer."""
    count = count_nodes(digraph)
    if count > MAX_RENDER_NODES:
        raise RenderError(
            f"the drawing has {count} nodes, more than the renderer limit of "
            f"{MAX_RENDER_NODES} (viz.renderer.MAX_RENDER_NODES): pass a "
            "smaller max_nodes to draw_graph or draw a sub-graph"
        )
    return count


# --- running the renderer --------------------------------------------------------------


def render_bytes(digraph, fmt="svg", *, timeout=DEFAULT_TIMEOUT):
    """The drawing rendered in `fmt`: the one bounded, quiet call every render goes through."""
    if not (isinstance(timeout, (int, float)) and 0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    check_size(digraph)
    path = require_renderer()
    source = digraph.source.encode("utf-8", "replace")
    code, out, err = _run([str(path), "-q", f"-T{fmt}"], source, timeout)
    warnings = err.decode("utf-8", "replace").strip()
    if warnings:
        log.debug("renderer said: %s", warnings)
    if code != 0 or not out:
        raise RenderError(_failure(path, code, warnings))
    return out


def _run(command, source, timeout):
    """(exit code, stdout, stderr); on timeout the renderer and its children are killed."""
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=posix,
        )
    except OSError as err:
        raise RenderError(
            f"cannot start the renderer {command[0]}: {err.strerror or err}; "
            "set SCRATCHGRAD_DOT to a working dot"
        ) from None
    try:
        out, errors = proc.communicate(source, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc, posix)
        raise RenderError(
            f"the renderer ran longer than {timeout:g} s and was stopped: pass "
            "a smaller max_nodes to draw_graph, or a larger timeout"
        ) from None
    except BaseException:  # Ctrl-C, or a failed write: never leave it running
        _stop(proc, posix)
        raise
    return proc.returncode, out, errors


def _stop(proc, posix):
    """Kill the renderer's whole process group, close our pipe ends and reap it."""
    try:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:  # already gone
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            stream.close()
        except OSError:
            pass
    proc.wait()


def _failure(path, code, stderr):
    """One line: which renderer failed, how, and its first real error line."""
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.lstrip().startswith("Warning")
    ]
    detail = lines[0][:200] if lines else "no output"
    how = f"was killed by signal {-code}" if code < 0 else f"failed (exit {code})"
    return f"the renderer {path.name} {how}: {detail}"


def render_svg(digraph, *, timeout=DEFAULT_TIMEOUT):
    """SVG text of a Digraph (raises RendererNotFoundError with the fix if none)."""
    return render_bytes(digraph, "svg", timeout=timeout).decode("utf-8", "replace")


# --- writing a file --------------------------------------------------------------------


def render_file(digraph, path, *, timeout=DEFAULT_TIMEOUT):
    """Render into `path` and write that file only; returns the Path actually written.

    The format comes from the suffix; no suffix means ".svg" is appended. No DOT source
    file is written, and the file appears complete or not at all (temp file + replace).
    """
    path = _target(path)
    fmt = path.suffix[1:].lower()
    if fmt != "svg":  # every dot writes svg: skip asking
        _check_format(path, fmt)
    if not path.parent.is_dir():
        raise RenderError(
            f"cannot write {path}: the folder {path.parent} does not exist; create it first"
        )
    _write_atomically(path, render_bytes(digraph, fmt, timeout=timeout))
    return path


def _target(path):
    path = Path(path)
    if not path.suffix and not path.is_dir():
        path = path.with_name(path.name + ".svg")
    if path.is_dir():
        raise RenderError(
            f"cannot write {path}: it is a folder; name a file in it, e.g. {path / 'graph.svg'}"
        )
    return path


def _check_format(path, fmt):
    formats = supported_formats()
    if fmt not in formats:
        names = ", ".join("." + name for name in formats)
        raise RenderError(
            f"cannot write {path.name}: the renderer {require_renderer().name} "
            f"writes {names}; use one of those suffixes"
        )


def _write_atomically(path, data):
    """Write next to the target, then rename over it: readers never see half a file."""
    mode = _new_file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:  # name the file the user asked for, not our temp file
        raise OSError(err.errno, f"cannot write a file there ({err.strerror})", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _new_file_mode(path):
    """Keep an existing file's permissions; a new file gets the usual 0o666 minus umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


def _current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux's
    /proc): setting and restoring it would race with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)  # elsewhere there is no other way
    os.umask(umask)
    return umask


# --- a Digraph whose every rendering goes through here --------------------------------


class Drawing(graphviz.Digraph):
    """A graphviz Digraph whose pipe, render and notebook display use the bounded renderer.

    `render(filename, format=...)` writes only the picture, `filename.format` (graphviz's
    own writes the DOT source to `filename` first and deletes it: a user's file of that
    name is lost); without a format it writes SVG. `cleanup` has nothing to clean.
    """

    def pipe(
        self,
        format=None,
        renderer=None,
        formatter=None,
        neato_no_op=None,
        quiet=False,
        *,
        engine=None,
        encoding=None,
    ):
        if renderer or formatter or neato_no_op or engine:
            raise RenderError(
                "Drawing.pipe supports format and encoding only; use "
                ".source with your own dot for other options"
            )
        data = render_bytes(self, format or "svg")
        return data.decode(encoding) if encoding else data

    def render(
        self,
        filename=None,
        directory=None,
        view=False,
        cleanup=False,
        format=None,
        *,
        outfile=None,
        timeout=DEFAULT_TIMEOUT,
        **_ignored,
    ):
        if view:
            raise RenderError(
                "Drawing.render(view=True) is not supported; open the returned file instead"
            )
        if outfile is not None:
            target = Path(outfile)
        else:
            target = Path(directory or "") / (filename or "graph")
            if format and target.suffix.lower() != "." + format.lower():
                target = target.with_name(f"{target.name}.{format}")
        return str(render_file(self, target, timeout=timeout))
