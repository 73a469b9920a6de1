"""Fetch the four MNIST files into a folder, for people who are online.

Only the standard library is used. Each file is tried on each mirror in turn, checked
against its published MD5, written to a temporary file in the same folder and renamed
only after the checksum passes, so a half download never sits under the final name.
Files already present with the right checksum are not fetched again. A mirror that
cannot be reached at all is not asked again for the other files, so being offline
fails within one timeout per mirror, with one line saying what to download by hand.

    nn.datasets.download.fetch_mnist("~/mnist")     # or nn.datasets.mnist(root, download=True)
"""
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
CHECKSUMS = {                 # MD5 as published with the files
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
TIMEOUT = 10                  # seconds to connect, and for any one read to stall
MAX_DOWNLOAD_BYTES = 64 << 20  # the largest file is 9.9 MB; a mirror sending more is wrong
CHUNK_BYTES = 1 << 16


class DownloadError(OSError):
    """Some MNIST files could not be fetched from any mirror."""


class _Unreachable(Exception):
    """The mirror itself failed (no connection, timeout): do not ask it again."""


def fetch_mnist(root, mirrors=None, checksums=None, timeout=TIMEOUT):
    """Download each file of `checksums` (default `CHECKSUMS`) into `root`; their paths.

    `mirrors` (default `MIRRORS`) are base URLs tried in order. Raises `DownloadError`
    naming the missing files, the mirrors tried and what to do by hand.
    """
    root = Path(root).expanduser()
    mirrors = list(MIRRORS if mirrors is None else mirrors)
    checksums = dict(CHECKSUMS if checksums is None else checksums)
    root.mkdir(parents=True, exist_ok=True)
    dead, failures, missing = {}, {}, []
    for name, md5 in checksums.items():
        target = root / name
        if target.is_file() and _md5(target) == md5:
            continue
        if not _fetch_one(name, md5, target, mirrors, timeout, dead, failures):
            missing.append(name)
    if missing:
        raise DownloadError(_message(root, missing, mirrors, {**failures, **dead}))
    return [root / name for name in checksums]


def _fetch_one(name, md5, target, mirrors, timeout, dead, failures):
    """True once a live mirror delivered `name` with the right checksum."""
    for base in mirrors:
        if base in dead:
            continue
        try:
            _download(base.rstrip("/") + "/" + name, target, md5, timeout)
            return True
        except _Unreachable as err:
            dead[base] = f"unreachable: {err}"
        except urllib.error.HTTPError as err:
            failures[base] = f"HTTP {err.code} for {name}"
        except (TimeoutError, ConnectionError) as err:   # stalled or dropped mid-body
            dead[base] = f"{name}: {_one_line(err)}"
        except (OSError, ValueError) as err:
            failures[base] = f"{name}: {_one_line(err)}"
    return False


def _download(url, target, md5, timeout):
    """Stream `url` to a temp file beside `target`; rename it only if the MD5 matches."""
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise _Unreachable(_one_line(getattr(err, "reason", err))) from None
    with response:
        size = response.headers.get("Content-Length", "")
        if size.isdigit() and int(size) > MAX_DOWNLOAD_BYTES:
            raise ValueError(f"{size} bytes announced, more than {MAX_DOWNLOAD_BYTES}")
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".part", delete=False)
        temp = Path(handle.name)
        try:
            with handle:
                got = _copy(response, handle)
            if got != md5:
                raise ValueError(f"checksum mismatch (MD5 {got}, expected {md5})")
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)


def _copy(response, handle):
    """Body into `handle` in chunks, capped, returning its MD5."""
    digest, total = hashlib.md5(usedforsecurity=False), 0
    while chunk := response.read(CHUNK_BYTES):
        total += len(chunk)
        if total > MAX_DOWNLOAD_BYTES:
            raise ValueError(f"more than {MAX_DOWNLOAD_BYTES} bytes sent; not an MNIST file")
        digest.update(chunk)
        handle.write(chunk)
    return digest.hexdigest()


def _md5(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _one_line(err):
    return " ".join(str(err).split()) or type(err).__name__


def _message(root, missing, mirrors, reasons):
    """One line: what is missing, what was tried, what to do by hand."""
    tried = ", ".join(f"{base} ({reasons.get(base, 'not tried')})" for base in mirrors)
    example = (mirrors[0].rstrip("/") + "/" + missing[0]) if mirrors else missing[0]
    return (f"could not download MNIST: {', '.join(missing)} still missing from {root}; "
            f"tried {tried or 'no mirrors'}. Download those files by hand (e.g. {example}) "
            f"and put them, still gzipped, in {root}")
