"""The allocator setting made at import (autograd/memory.py): on by default on glibc,
off when the user asks for glibc's defaults or tunes malloc themselves."""
import os
import subprocess
import sys

import pytest

import scratchgrad.autograd.memory as memory

glibc_only = pytest.mark.skipif(not memory._glibc(), reason="mallopt is glibc's")


def tuned_in_fresh_process(**env):
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("MALLOC_") and k not in ("GLIBC_TUNABLES", "LD_PRELOAD",
                                                                 "SCRATCHGRAD_MALLOC")}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c",
                             "import scratchgrad.autograd.memory as m; print(m.tuned)"],
                            capture_output=True, text=True, env=environment, check=True)
    return result.stdout.strip() == "True"


@glibc_only
def test_import_keeps_freed_memory_by_default():
    assert tuned_in_fresh_process()


@glibc_only
@pytest.mark.parametrize("setting", [{"SCRATCHGRAD_MALLOC": "default"},
                                     {"MALLOC_TRIM_THRESHOLD_": "131072"},
                                     {"MALLOC_ARENA_MAX": "2"},
                                     {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"},
                                     {"LD_PRELOAD": "libc.so.6"}])
def test_a_users_own_malloc_setting_wins(setting):
    assert not tuned_in_fresh_process(**setting)


def test_calling_again_is_harmless():
    assert memory.keep_freed_memory() == memory.keep_freed_memory()


@glibc_only
def test_release_returns_kept_memory_to_the_system():
    """Freed big blocks stay mapped (that is the point); release() gives them back."""
    script = (
        "import os, scratchgrad.autograd.memory as m, numpy as np\n"
        "def rss():\n"
        "    pages = int(open('/proc/self/statm').read().split()[1])\n"
        "    return pages * os.sysconf('SC_PAGE_SIZE') >> 20\n"
        "blocks = [np.ones(1 << 20) for _ in range(40)]\n"        # 320 MB of 8 MB arrays
        "del blocks\n"
        "kept = rss()\n"
        "m.release()\n"
        "print(kept, rss())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    kept, after = map(int, result.stdout.split())
    assert kept > 200 and after < kept - 200, (kept, after)
