"""Timing rules shared by every case: warm up, repeat, take the median; run each engine
in its own subprocess so one side's garbage and memory are never charged to the other.

A case module exposes `run(args) -> list of rows`; a subprocess worker is
`python -m bench.worker <case> <side> ...` printing one JSON line.
"""

import json
import os
import statistics
import subprocess
import sys
import time


def median_time(fn, repeats, warmup=2):
    """Median seconds of `fn()` over `repeats` runs, after `warmup` unmeasured runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def thread_env(threads):
    """Environment with every BLAS/OpenMP pool pinned to `threads` (set before import)."""
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def in_subprocess(module, *args, threads=1, timeout=600):
    """Run `python -m <module> args...` in a fresh process; returns its JSON result, or
    {"error": "..."} when it failed (the table then says why)."""
    result = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        env=thread_env(threads),
        timeout=timeout,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail[:160]}
    return json.loads(lines[-1])


def interleaved(module, sides, args, rounds, threads=1):
    """Run each side `rounds` times, alternating A, B, A, B (drift cancels); median of
    each side's reported `seconds`, plus the last full result of each side."""
    seconds = {side: [] for side in sides}
    last = {}
    for _ in range(rounds):
        for side in sides:
            out = in_subprocess(module, side, *args, threads=threads)
            last[side] = out
            if "seconds" in out:
                seconds[side].append(out["seconds"])
    return {side: (statistics.median(v) if v else None) for side, v in seconds.items()}, last


def peak_rss_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(**result):
    print(json.dumps(result))


def have(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None
