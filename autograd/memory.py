"""Keep freed array memory in the process for the next step (Linux with glibc only).

A training step allocates and frees the same few large temporaries every time. By
default glibc serves blocks over 128 KiB with `mmap` and gives them back to the kernel on
`free`, or trims them off the top of the heap once more than twice that lies free, so
the next step page-faults every page in again: 4-6 ms of a 23 ms SimpleConvNet step,
more with two threads (page faults serialise on the process's memory map). Raising
both thresholds keeps those pages mapped and reused. Peak memory is unchanged; what
is freed after the peak stays with the process (up to `TRIM_THRESHOLD`) until it exits.

PyTorch's CPU guides suggest the same effect through jemalloc or tcmalloc. Set
SCRATCHGRAD_MALLOC=default before importing scratchgrad to keep glibc's behaviour; a
MALLOC_*_ environment variable or GLIBC_TUNABLES set by the user also wins.
"""
import ctypes
import os
import sys

MMAP_THRESHOLD = 32 << 20     # blocks larger than this still get their own mapping
TRIM_THRESHOLD = 512 << 20    # free memory kept at the top of the heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers (malloc.h)

tuned = False


def _user_chose():
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
             "GLIBC_TUNABLES", "LD_PRELOAD")
    return os.environ.get("SCRATCHGRAD_MALLOC", "") == "default" or any(
        os.environ.get(name) for name in names)


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
