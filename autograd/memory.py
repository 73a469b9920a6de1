"""Keep freed array memory in the process for the next step (Linux with glibc only).

A training step allocates and frees the same few large temporaries every time. By
default glibc serves blocks over 128 KiB with `mmap` and gives them back to the kernel on
`free`, or trims them off the top of the heap once more than twice that lies free, so
the next step page-faults every page in again: 4-6 ms of a 23 ms SimpleConvNet step,
more with two threads (page faults serialise on the process's memory map). Raising
both thresholds keeps those pages mapped and reused. Peak memory is unchanged; what is
freed after the peak stays with the process until it exits or calls `release()` (at
least `TRIM_THRESHOLD` of it, more where small live blocks sit between freed big ones).
The setting is process-wide: other libraries in the process (PyTorch too) get it.

PyTorch's CPU guides suggest the same effect through jemalloc or tcmalloc. Set
SCRATCHGRAD_MALLOC=default before importing scratchgrad to keep glibc's behaviour; any
MALLOC_* environment variable, GLIBC_TUNABLES or LD_PRELOAD (another allocator) set by
the user also wins.
"""
import ctypes
import os
import sys

MMAP_THRESHOLD = 32 << 20     # blocks larger than this still get their own mapping
TRIM_THRESHOLD = 512 << 20    # free memory kept at the top of the heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers (malloc.h)

tuned = False


def _user_chose():
    return os.environ.get("SCRATCHGRAD_MALLOC", "") == "default" or any(
        value and (name.startswith("MALLOC_") or name in ("GLIBC_TUNABLES", "LD_PRELOAD"))
        for name, value in os.environ.items())


def _glibc():
    try:
        return sys.platform == "linux" and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):    # musl, or no such confstr name
        return False


def keep_freed_memory():
    """Raise glibc's mmap and trim thresholds once; True if they are (now) raised."""
    global tuned
    if tuned or _user_chose() or not _glibc():
        return tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
        tuned = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
            bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):   # no such library or symbol: leave malloc alone
        tuned = False
    return tuned


def release():
    """Give the freed memory kept for reuse back to the operating system now (glibc's
    malloc_trim); True if any was returned. The next big step page-faults it in again."""
    if not _glibc():
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False
