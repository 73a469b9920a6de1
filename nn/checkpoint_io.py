"""The file side of checkpoints: the one error they raise, opening a file to read it
safely, and writing one atomically. Both formats (checkpoint_safetensors and the legacy
checkpoint_npz) share these.

* Atomic: `write_atomically` writes ".<name>.scratchgrad-tmp" next to the target, fsyncs
  it and renames it over the target, so a crash mid-save leaves the old file intact. The
  temp file is locked while written: a concurrent save of the same target waits, and a
  temp left by a killed process (its lock died with it) is removed by the next save of
  that target, so crashes never pile up temp files.
* File modes: a new checkpoint gets 0o666 & ~umask, like `open()`; overwriting keeps the
  existing file's permission bits. A symlink at the target is replaced by the file (the
  file it pointed to is never written through).
"""

import errno
import os
import stat

try:
    import fcntl
except ImportError:  # Windows: no locking (concurrent saves may clash)
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".scratchgrad-tmp"
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class CheckpointError(ValueError):
    """A checkpoint cannot be saved or loaded; the one-line message says why."""


def pickle_refusal(kind):
    """Why a pickle is refused, and how to re-save its weights from PyTorch."""
    return (
        f"it is {kind}; nn.load never unpickles, because unpickling can run any code. "
        "Re-save the weights from PyTorch as safetensors: from safetensors.torch import "
        "save_file; save_file(model.state_dict(), 'model.safetensors')"
    )


def fail(path, reason):
    """Refuse to load `path`, saying why (every load error starts the same way)."""
    raise CheckpointError(f"cannot load checkpoint {os.fspath(path)!r}: {reason}")


# --- reading ---------------------------------------------------------------------------


def open_regular(path):
    """Open for reading, refusing anything but a regular file (a FIFO would block
    forever, /dev/zero never ends, a directory is a likely slip)."""
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        fail(
            path,
            f"it is {kind}; give the path of a checkpoint file written by nn.save "
            "(or by safetensors' save_file)",
        )
    return os.fdopen(fd, "rb")


# --- writing ---------------------------------------------------------------------------


def write_atomically(path, write):
    """Create `path` with `write(binary_file)`, all or nothing (see the module's notes)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise CheckpointError(
            f"cannot save checkpoint to {path!r}: it is a directory; give "
            "a file name such as "
            f"{os.path.join(path, 'model.safetensors')!r}"
        )
    tmp = temp_path(path)
    if not os.path.isdir(os.path.dirname(tmp)):
        raise FileNotFoundError(
            f"cannot save checkpoint to {path!r}: the folder "
            f"{os.path.dirname(tmp)!r} does not exist; create it first"
        )
    fd = _claim_temp(tmp)
    try:
        _copy_mode(fd, path)
        with os.fdopen(fd, "wb", closefd=False) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if _is_linked_at(fd, tmp):  # not yet renamed: remove our half-written file
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)  # releases the lock only after the rename
    _fsync_folder(path)
    return path


def temp_path(path):
    """The one temp name per target: a crash leaves at most this file, and the next save
    of the same target removes or reuses it."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    return os.path.join(folder, f".{name}{TEMP_SUFFIX}")


def _claim_temp(tmp):
    """Create `tmp` afresh (so the umask applies) and lock it. Waits while another save
    of the same target holds it; removes one whose writer died (its lock died too)."""
    while True:
        created = True
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
        except FileExistsError:
            created = False
            fd = _open_existing_temp(tmp)
            if fd is None:
                continue
        try:
            _lock(fd)
            if _is_linked_at(fd, tmp):
                if created:
                    return fd
                os.unlink(tmp)  # a stale temp: nobody holds its lock
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # renamed or removed meanwhile: start over


def _lock(fd):
    """Wait for an exclusive lock; where the file system has none (some network mounts),
    go on without one."""
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as err:
        if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise


def _open_existing_temp(tmp):
    """An fd on the regular file at `tmp`, or None if it vanished; a symlink planted at
    the temp name is removed, never followed."""
    try:
        info = os.lstat(tmp)
        if stat.S_ISLNK(info.st_mode):
            os.unlink(tmp)
            return None
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(
                f"cannot save: {tmp!r} (the temp file name this save "
                "needs) is taken by something that is not a file; "
                "remove it"
            )
        return os.open(tmp, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC)
    except FileNotFoundError:
        return None


def _is_linked_at(fd, path):
    """True if `path` still names the file open as `fd` (a concurrent save may have
    renamed it over its target, or removed it as stale, while we waited for the lock)."""
    try:
        here = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


def _copy_mode(fd, path):
    """Overwriting keeps the target's permission bits; a new file keeps the umask mode
    that os.open gave it (like open() would)."""
    try:
        target = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(target.st_mode) and hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(target.st_mode) & 0o777)


def _fsync_folder(path):
    """Make the rename itself durable (POSIX); skipped where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
