"""Fetch the four MNIST files into a folder, for people who are online.

    nn.datasets.download.fetch_mnist("~/mnist")     # or nn.datasets.mnist(root, download=True)

Each missing or damaged file is tried on each mirror in turn. Any failure of one mirror
(no connection, malformed HTTP, a body cut short, a TLS error, a wrong checksum, too many
bytes, too slow) moves on to the next; after the last, one `DownloadError` says in one
line what is missing, what was tried and what to download by hand.

Never hangs: a read waits at most `timeout` seconds (TIMEOUT), and a file must arrive at
MIN_RATE bytes/s on average once DEADLINE seconds have passed, so a file of S bytes gets
max(DEADLINE, S / MIN_RATE) seconds from connecting to the last byte, headers included.
A server trickling one byte a second fails after DEADLINE seconds, not after days.

Never leaves junk: the body goes to `.<name>.<pid>.<random>.part` beside the target and is
renamed only once its checksum passes. Parts left by a killed download (their process is
gone) are removed by the next download; no other file is touched. Files get the mode any
new file gets (0o666 & ~umask). A folder whose files are all good is only read, so a
read-only copy such as /work/shared/data/mnist is used as is.

Checksums: a file is good when the MD5 of the file is the published one (CHECKSUMS) or the
MD5 of its decompressed content is that of the original IDX file (CONTENT_CHECKSUMS), so a
re-gzipped copy is accepted too. Settings are read at call time: change them on the module.
"""

import gzip
import hashlib
import http.client
import os
import re
import secrets
import sys
import time
import urllib.error
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from . import timed_http

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
CHECKSUMS = {  # MD5 of the .gz files as published
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
CONTENT_CHECKSUMS = {  # MD5 of the same files decompressed (the original IDX files)
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
TIMEOUT = 10  # seconds to connect, and for any one read to wait
DEADLINE = 60  # seconds any file may take ...
MIN_RATE = 50_000  # ... or size / MIN_RATE (bytes per second) when that is longer
MAX_DOWNLOAD_BYTES = 64 << 20  # the largest file is 9.9 MB; a mirror sending more is wrong
MAX_CONTENT_BYTES = 64 << 20  # the largest decompressed file is 47 MB
PROGRESS = None  # progress bars: None = in a terminal or notebook; True/False
CHUNK_BYTES = 1 << 16
SCHEMES = ("http", "https", "file")
_PART = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.part")


class DownloadError(OSError):
    """Some MNIST files could not be fetched; `reason` says why in a few words."""

    def __init__(self, message, reason=None):
        super().__init__(message)
        self.reason = reason or message


class _Unreachable(Exception):
    """No connection to the mirror at all: do not ask it again."""


class _BadFile(Exception):
    """The mirror answered, but not with the file we want (checksum, size)."""


def fetch_mnist(
    root, mirrors=None, checksums=None, timeout=None, content_checksums=None, what="MNIST"
):
    """Make each file of `checksums` (default `CHECKSUMS`) present and intact in `root`
    (`what` names the data set in messages: MNIST's format serves Fashion-MNIST too).

    Files already intact are left alone (nothing is written); the others are fetched from
    `mirrors` (default `MIRRORS`, base URLs tried in order) with `timeout` seconds per
    connect and read (default `TIMEOUT`). Returns the paths; raises `DownloadError`
    naming the missing files, the mirrors tried and what to do by hand.
    """
    root = Path(root).expanduser()
    mirrors, timeout = check_options(mirrors, timeout)
    checksums = dict(CHECKSUMS if checksums is None else checksums)
    contents = CONTENT_CHECKSUMS if content_checksums is None else content_checksums
    todo = [
        name for name, md5 in checksums.items() if not _intact(root / name, md5, contents.get(name))
    ]
    if not todo:
        return [root / name for name in checksums]
    _prepare(root, checksums, what)
    dead, failures = {}, {}
    missing = [
        name
        for name in todo
        if not _fetch_one(
            root,
            name,
            (checksums[name], contents.get(name)),
            mirrors,
            timeout,
            dead,
            failures,
            what,
        )
    ]
    if missing:
        reasons = {**failures, **dead}
        raise DownloadError(
            _message(root, missing, mirrors, reasons, what),
            reason="; ".join(
                f"{urlsplit(base).netloc or base}: {why}" for base, why in reasons.items()
            )
            or "no mirrors",
        )
    return [root / name for name in checksums]


def file_is_intact(path, name, checksums=None, content_checksums=None):
    """True when `path` holds file `name` (e.g. "t10k-labels-idx1-ubyte.gz") of the set
    `checksums` (default MNIST's): its MD5, or its decompressed content's MD5, is the
    published one. Raw IDX files pass too where their content's MD5 is known."""
    checksums = CHECKSUMS if checksums is None else checksums
    contents = CONTENT_CHECKSUMS if content_checksums is None else content_checksums
    return name in checksums and _intact(Path(path), checksums[name], contents.get(name))


def _intact(path, md5, content_md5):
    if not path.is_file():
        return False
    with open(path, "rb") as handle:
        got = _md5(handle)
        if got in (md5, content_md5):  # the .gz as published, or the raw IDX file
            return True
        handle.seek(0)
        return content_md5 is not None and _content_md5(handle) == content_md5


def check_options(mirrors=None, timeout=None):
    """(mirrors, timeout) as a list and a number, None meaning `MIRRORS` and `TIMEOUT`;
    TypeError or ValueError naming a bad one (before anything is read or fetched)."""
    return _mirror_list(mirrors), _check_timeout(TIMEOUT if timeout is None else timeout)


def _mirror_list(mirrors):
    if mirrors is None:
        return list(MIRRORS)
    if isinstance(mirrors, (str, bytes)):
        raise TypeError(
            f"mirrors must be a list of base URLs, got the string {mirrors!r}; write [url]"
        )
    mirrors = list(mirrors)
    for base in mirrors:
        if not isinstance(base, str) or urlsplit(base).scheme not in SCHEMES:
            raise ValueError(
                f"mirror {base!r} is not a URL starting with "
                f"{', '.join(s + '://' for s in SCHEMES)} (a folder URL that "
                "holds the .gz files)"
            )
    return mirrors


def _check_timeout(timeout):
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout < float("inf")
    ):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return timeout


def _elsewhere(what):
    """How to choose another folder for this data set."""
    return "root=..., or set SCRATCHGRAD_MNIST" if what == "MNIST" else "root=..."


def _prepare(root, names, what):
    """The folder exists; parts left by dead downloads of these files are gone."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(
            f"could not download {what}: cannot create the folder {root} "
            f"({_one_line(err)}); choose another folder ({_elsewhere(what)})",
            reason=_one_line(err),
        ) from None
    for path in root.iterdir():
        match = _PART.fullmatch(path.name)
        if match and match["name"] in names and _stale(path, int(match["pid"])):
            try:
                path.unlink()
            except OSError:
                pass  # removed meanwhile, or not ours to remove


def _stale(path, pid):
    """Its writer is gone (POSIX asks the process table; elsewhere: untouched for an hour)."""
    if os.name != "posix":
        return time.time() - path.stat().st_mtime > 3600
    try:
        os.kill(pid, 0)  # signal 0: only asks whether pid exists
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def _create_part(root, name, what):
    """A new empty part file, created like any file (0o666 & ~umask), never an old one."""
    path = root / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise DownloadError(
            f"could not download {what}: cannot write into {root} "
            f"({_one_line(err)}); choose a folder you can write to ({_elsewhere(what)})",
            reason=_one_line(err),
        ) from None
    return path, os.fdopen(fd, "w+b")


def _fetch_one(root, name, sums, mirrors, timeout, dead, failures, what):
    """True once a mirror delivered `name` intact (then it is in place under its name);
    `sums` is (MD5 of the file, MD5 of its content or None)."""
    md5, content_md5 = sums
    part, handle = _create_part(root, name, what)
    try:
        with handle:
            for base in mirrors:
                if base in dead:
                    continue
                handle.seek(0)
                handle.truncate()
                try:
                    _download(base.rstrip("/") + "/" + name, handle, md5, content_md5, timeout)
                    break
                except _Unreachable as err:
                    dead[base] = f"unreachable: {err}"
                except TimeoutError as err:  # stalled or too slow: costly
                    dead[base] = f"{name}: {_describe(err)}"
                except urllib.error.HTTPError as err:
                    failures[base] = f"HTTP {err.code} for {name}"
                    err.close()
                except (OSError, ValueError, http.client.HTTPException, _BadFile) as err:
                    failures[base] = f"{name}: {_describe(err)}"
            else:
                return False
        os.replace(part, root / name)
        return True
    finally:
        part.unlink(missing_ok=True)


def _download(url, handle, md5, content_md5, timeout):
    """Stream `url` into `handle`; `_BadFile` unless the MD5 (or the content's) matches."""
    try:
        budget = timed_http.Budget(timeout, DEADLINE, MIN_RATE)
        response = timed_http.open_url(url, budget)
    except urllib.error.HTTPError:
        raise
    except urllib.error.URLError as err:
        raise _Unreachable(_one_line(err.reason)) from None
    with response:
        got = _copy(response, handle, url.rsplit("/", 1)[-1], budget)
    if got == md5:
        return
    handle.seek(0)
    if content_md5 is not None and _content_md5(handle) == content_md5:
        return
    alternative = f", or {content_md5} decompressed" if content_md5 else ""
    raise _BadFile(f"checksum mismatch (MD5 {got}, expected {md5}{alternative})")


def _copy(response, handle, name, budget):
    """The body into `handle`, capped at MAX_DOWNLOAD_BYTES, with a progress bar; its MD5."""
    announced = response.headers.get("Content-Length", "")
    size = int(announced) if announced.isdigit() else None
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise _BadFile(f"{size} bytes announced, more than {MAX_DOWNLOAD_BYTES}")
    read = getattr(response, "read1", response.read)  # read1: returns what has arrived
    digest, total = hashlib.md5(usedforsecurity=False), 0
    with _progress_bar(size, name) as bar:
        while chunk := read(CHUNK_BYTES):
            total += len(chunk)
            if total > MAX_DOWNLOAD_BYTES:
                raise _BadFile(f"more than {MAX_DOWNLOAD_BYTES} bytes sent; not an MNIST file")
            budget.count(len(chunk))
            digest.update(chunk)
            handle.write(chunk)
            bar.update(len(chunk))
    if size is not None and total < size:
        raise _BadFile(f"connection closed after {total} of {size} bytes")
    handle.flush()
    return digest.hexdigest()


def _progress_bar(size, name):
    """tqdm on stderr in a terminal or a notebook (a text bar: no ipywidgets needed)."""
    from tqdm.std import tqdm

    from ..train import _in_notebook

    show = (
        PROGRESS
        if PROGRESS is not None
        else _in_notebook() or bool(getattr(sys.stderr, "isatty", lambda: False)())
    )
    return tqdm(
        total=size,
        desc=name,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
    )


def _md5(handle):
    digest = hashlib.md5(usedforsecurity=False)
    while chunk := handle.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def _content_md5(handle):
    """MD5 of the decompressed stream; None if it is not gzip or inflates past the cap."""
    digest, total = hashlib.md5(usedforsecurity=False), 0
    try:
        with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                total += len(chunk)
                if total > MAX_CONTENT_BYTES:
                    return None
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def _one_line(err, limit=200):
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(err):
    """Our own failures as they are; others with their type (`BadStatusLine: ...`)."""
    text = _one_line(err)
    if isinstance(err, (_BadFile, timed_http.TooSlow)) or text.startswith(type(err).__name__):
        return text
    return f"{type(err).__name__}: {text}"


def _message(root, missing, mirrors, reasons, what):
    """One line: what is missing, what was tried, what to do by hand."""
    tried = ", ".join(f"{base} ({reasons.get(base, 'not tried')})" for base in mirrors)
    example = (mirrors[0].rstrip("/") + "/" + missing[0]) if mirrors else missing[0]
    return (
        f"could not download {what}: {', '.join(missing)} still missing from {root}; "
        f"tried {tried or 'no mirrors'}. Download those files by hand (e.g. {example}) "
        f"and put them, still gzipped, in {root}"
    )
