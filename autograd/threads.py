"""How many threads the math may use (PyTorch's `set_num_threads` / `get_num_threads`),
and the workers that use them.

scratchgrad runs its own threads, as PyTorch runs its intra-op pool: a convolution
hands its chunks of images (`conv_blocked.py`) to the workers, and a big matrix product
its rows or columns. Each worker calls BLAS on one thread. Why not leave the threading
to BLAS, as before? Only the GEMMs were threaded then: the im2col/col2im copies around
them ran on one core, and from 2 to 16 threads PyTorch got 3.5x faster where we got
1.26x (issue 27). And the two kinds of threads cannot share the cores: after each call
with several threads OpenBLAS's idle threads spin for a while (about 0.1 s) and hold
the cores the workers need. Measured on 2 cores (deep_convnet step, batch 100): the
workers with BLAS on one thread took 71-77 ms, the same workers beside a two-thread
BLAS 100 ms, and BLAS's threads alone 113 ms.

So while one of scratchgrad's ops runs, numpy's BLAS is held to one thread, and given
its count back afterwards: your own numpy code keeps BLAS's threads, and importing
scratchgrad changes nothing. The setting starts at BLAS's own count when first asked
(so OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set it too) and is process-wide, as
PyTorch's is.

The memory-bound passes are split too, where an array has ELEMENTWISE_FROM elements or
more: the elementwise ops' forwards (add, mul, div, exp, tanh, ... and ReLU) and ReLU's
backward (mask and product in one pass), every elementwise op's g * d
(`buffers.multiply`), max pooling and batch norm (by images) and every optimizer's
update (`elementwise`: flat slices of contiguous arrays; a numpy scalar or a
non-contiguous array makes it one whole call). One
such pass gains little on two cores (memory bandwidth, not arithmetic, bounds it), but
together they were half of a SimpleConvNet step left on one core: on 2 cores its ReLU,
pooling and Adam went from 6.3 to 4.3 ms of the step. On many cores a pass left on one
thread would be what the step waits for. Small arrays stay on the calling thread: a
hand-off costs tens of microseconds.
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# below this many multiply-adds OpenBLAS runs a GEMM on one thread anyway (its
# SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD), so there is nothing to hold or split
ONE_THREAD_BELOW = 65536 * 4
SPLIT_FROM = 1 << 22  # multiply-adds from which a product is split over the workers
SPLIT_INNER_FROM = 8  # a product's inner length, in times its rows and columns, from
# which it is split along that length (`_split_inner`)
ELEMENTWISE_FROM = 1 << 18  # elements from which an elementwise pass is split
ALIGN = 4096  # elements: where elementwise ranges may start
PIECES_FROM = 1 << 18  # elements of a worker's share from which a multi-pass rule runs in pieces
PIECE = 1 << 16  # elements per piece
MIN_SHARE = 1 << 16  # elements a worker must get before one more joins a split (`share_for`)

_state = {"threads": None, "blas": None, "pool": None, "pool_size": 0}
_hold = {"lock": threading.Lock(), "depth": 0, "before": []}


def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _blas_libraries():
    """numpy's BLAS libraries' controllers, found once (about 1 ms)."""
    if _state["blas"] is None:
        _state["blas"] = _controller().select(user_api="blas").lib_controllers
    return _state["blas"]


def get_num_threads():
    """The number of threads scratchgrad's ops use (at first: BLAS's own count)."""
    if _state["threads"] is None:
        counts = [lib.get_num_threads() for lib in _blas_libraries()]
        _state["threads"] = max(counts) if counts else 1
    return _state["threads"]


def set_num_threads(n):
    """Let scratchgrad's ops (convolutions, big matmuls) use `n` threads; process-wide.
    numpy's own BLAS setting, for your numpy code, is left as it is."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a whole number >= 1, got {n!r}")
    _state["threads"] = n


def available_cores():
    """Cores this process may run on (its CPU affinity), for 'all threads' settings."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextlib.contextmanager
def blas_on_one_thread():
    """BLAS on one thread inside the block (nested and concurrent blocks share one
    hold; the last to leave gives BLAS its count back)."""
    with _hold["lock"]:
        if _hold["depth"] == 0:
            libraries = _blas_libraries()
            _hold["before"] = [lib.get_num_threads() for lib in libraries]
            for lib in libraries:
                lib.set_num_threads(1)
        _hold["depth"] += 1
    try:
        yield
    finally:
        with _hold["lock"]:
            _hold["depth"] -= 1
            if _hold["depth"] == 0:
                for lib, count in zip(_blas_libraries(), _hold["before"]):
                    lib.set_num_threads(count)


def run_split(n, per_chunk, work, split=True, hold_blas=True, min_share=1):
    """Run `work(start, stop)` over [0, n) in pieces whose bounds are multiples of
    `per_chunk`, one piece per worker (at most one per chunk, and only as many workers
    as get `min_share` items each); returns each piece's result, in order. BLAS is held
    to one thread meanwhile (`hold_blas`). The calling thread takes the first piece; the
    pool's threads are made on first use and kept. With split=False (a GPU's arrays, a
    small pass) it is one call, work(0, n)."""
    if not split:
        return [work(0, n)]
    chunks = -(-n // per_chunk)
    workers = min(get_num_threads(), chunks, max(1, n // min_share))
    with blas_on_one_thread() if hold_blas else contextlib.nullcontext():
        if workers <= 1:
            return [work(0, n)]
        bounds = [per_chunk * (chunks * i // workers) for i in range(workers)] + [n]
        rest = [
            _pool(workers - 1).submit(work, bounds[i], bounds[i + 1]) for i in range(1, workers)
        ]
        try:
            first = work(bounds[0], bounds[1])
        finally:
            results = [future.result() for future in rest]
        return [first] + results


def share_for(array):
    """How many of `array`'s images (its first axis) make MIN_SHARE elements: the
    `min_share` of a split by images.

    Why a minimum: a memory-bound pass moves an element in about 0.5 ns, and a hand-off
    to a worker costs 60-110 us on the 2-core Xeon, so a worker is worth waking only for
    tens of thousands of elements. On two threads every split array (ELEMENTWISE_FROM
    elements and up) gives each worker more than that, and nothing changes; on 16 it
    keeps a 256K-element pass from being cut into 16 shares of 16K. PyTorch's own rule
    is a grain of 32768 elements per thread, with cheaper hand-offs (OpenMP workers
    spin). Not measured on a many-core machine: none was at hand."""
    return max(1, -(-MIN_SHARE // max(1, array[:1].size)))


def splits(array):
    """Whether a pass over `array` is worth splitting over the workers: a C-contiguous
    numpy array of at least ELEMENTWISE_FROM elements, with more than one thread allowed."""
    return (
        array.__class__ is np.ndarray
        and array.size >= ELEMENTWISE_FROM
        and array.flags.c_contiguous
        and get_num_threads() > 1
    )


def elementwise(work, out, *operands, multi_pass=False):
    """`work(out, *operands)`, on flat slices over the workers when out is a big numpy
    array and every array operand is C-contiguous and of out's shape (numbers pass as
    they are); otherwise one call on the whole arrays. Returns out. The work must be
    elementwise (each slice's result depends on that slice only) and may write to any
    of its arrays: the slices are views.

    `multi_pass`: the work makes several passes over its arrays (an optimizer's update:
    Adam's makes eleven). A worker's share of PIECES_FROM elements or more then runs in
    pieces of PIECE elements, so that the later passes read cache, not memory; the
    values are the same, bitwise. Measured on the 2-core Xeon, Adam's step on
    SimpleConvNet (434K parameters), one thread: 1.73 -> 1.04 ms. Smaller shares stay
    whole: cutting two threads' shares of 216K elements into pieces made the step slower
    (0.92 -> 1.14 ms), each extra numpy call being one more hand-off of the GIL."""
    arrays = [x for x in operands if hasattr(x, "shape")]
    in_pieces = (
        multi_pass and out.__class__ is np.ndarray and out.size >= PIECES_FROM * get_num_threads()
    )
    if not (splits(out) or in_pieces) or any(
        x.__class__ is not np.ndarray or x.shape != out.shape or not x.flags.c_contiguous
        for x in arrays
    ):
        work(out, *operands)
        return out
    flat_out = out.reshape(-1)
    flat = [x.reshape(-1) if x.__class__ is np.ndarray else x for x in operands]

    def ranged(start, stop):
        step = PIECE if in_pieces else max(1, stop - start)
        for first in range(start, stop, step):
            last = min(stop, first + step)
            work(
                flat_out[first:last],
                *[x[first:last] if x.__class__ is np.ndarray else x for x in flat],
            )

    run_split(out.size, ALIGN, ranged, hold_blas=False, min_share=MIN_SHARE)
    return out


def ufunc(function, *operands, out):
    """`function(*operands, out=out)` for a numpy ufunc, split as `elementwise` does."""
    return elementwise(lambda o, *xs: function(*xs, out=o), out, *operands)


def matmul(a, b):
    """a @ b for the engine's ops. On the CPU, BLAS runs on one thread, and a big 2-D
    product is split by rows (or columns, when it has few rows) over the workers."""
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        return a @ b
    if a.ndim != 2 or b.ndim != 2:
        with blas_on_one_thread():
            return a @ b
    (m, k), n = a.shape, b.shape[1]
    size = m * k * n
    if size <= ONE_THREAD_BELOW:
        return a @ b
    workers = min(get_num_threads(), max(1, size // SPLIT_FROM))
    if workers <= 1:
        with blas_on_one_thread():
            return a @ b
    if k >= SPLIT_INNER_FROM * max(m, n):
        return _split_inner(a, b, workers)
    out = np.empty((m, n), np.result_type(a, b))
    by_rows = m >= n or m >= 64 * workers

    def work(start, stop):
        if by_rows:
            np.matmul(a[start:stop], b, out=out[start:stop])
        else:
            np.matmul(a, b[:, start:stop], out=out[:, start:stop])

    length = m if by_rows else n
    run_split(length, -(-length // workers), work)
    return out


def _split_inner(a, b, workers):
    """a @ b for a long inner dimension (few rows and columns, as a Linear layer's
    forward on a batch of 100: (100, 4320) @ (4320, 100)): each worker multiplies a
    slice of it and the partial products are added in order. Cut by rows instead,
    each worker packs all of b; measured on 2 cores for that product: one thread
    0.92 ms, two by rows 0.77-0.96, two by the inner dimension 0.61."""
    k = a.shape[1]
    parts = run_split(k, -(-k // workers), lambda start, stop: a[:, start:stop] @ b[start:stop])
    out = parts[0]
    for part in parts[1:]:
        out += part
    return out


def _pool(size):
    """The worker threads (at least `size`), made on first use and kept.

    A hand-off through the executor costs 60-110 us on the 2-core Xeon (submit 28 us,
    then a worker's wake-up and the caller's). Workers woken by two plain locks instead
    made a no-op hand-off 6 us in a quiet process, but SimpleConvNet's step at 2
    threads got slower (13.6-14.3 -> 15.6-16.3 ms, with runs of 27 ms: the numpy work
    itself ran slower, as if both threads shared a core), so the executor stays."""
    if _state["pool_size"] < size:
        if _state["pool"] is not None:
            _state["pool"].shutdown(wait=False)
        _state["pool"] = ThreadPoolExecutor(size, thread_name_prefix="scratchgrad")
        _state["pool_size"] = size
    return _state["pool"]


def _after_fork_in_child():
    """A forked child (multiprocessing's default start on Linux) has none of its
    parent's threads: the parent's pool would take its pieces and never run them, and
    the child's first split would wait forever. So it makes its own pool, and its hold
    lock starts free (a parent thread may have held it at the fork)."""
    _state["pool"], _state["pool_size"] = None, 0
    _hold["lock"] = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
