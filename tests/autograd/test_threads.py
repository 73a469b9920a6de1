"""scratchgrad's thread setting and workers (autograd/threads.py): the setting is its
own (numpy's BLAS setting is left alone), BLAS is held to one thread only while an op
runs, split products equal numpy's, an error in a worker reaches the caller, and
results come back in order to each caller."""

import os
import signal
import time
import warnings

import numpy as np
import pytest

import scratchgrad
from scratchgrad import nn
from scratchgrad.autograd import threads


@pytest.fixture
def workers():
    before = threads.get_num_threads()
    yield lambda n: threads.set_num_threads(n)
    threads.set_num_threads(before)


def blas_count():
    return max(lib.get_num_threads() for lib in threads._blas_libraries())


def test_the_setting_is_scratchgrads_own(workers):
    blas = blas_count()
    workers(3)
    assert scratchgrad.get_num_threads() == 3
    assert blas_count() == blas
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="whole number"):
            scratchgrad.set_num_threads(bad)


def test_blas_is_held_to_one_thread_only_inside_and_nested_holds_share(workers):
    with threads._controller().limit(limits=2, user_api="blas"):
        seen = []
        with threads.blas_on_one_thread():
            seen.append(blas_count())
            with threads.blas_on_one_thread():
                seen.append(blas_count())
            seen.append(blas_count())
        assert seen == [1, 1, 1]
        assert blas_count() == 2


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((512, 256), (256, 130)),
        ((8, 4096), (4096, 1031)),
        ((64, 4096), (4096, 60)),  # a long inner dimension: split along it
        ((300, 40), (40, 7)),
        ((7,), (7, 3)),
    ],
)
@pytest.mark.parametrize("count", [1, 2, 5])
def test_split_products_equal_numpys(a_shape, b_shape, count, workers):
    workers(count)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    got = threads.matmul(a32, b32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, a32 @ b32, rtol=1e-4, atol=1e-3)


def test_an_error_in_a_worker_reaches_the_caller_and_the_hold_ends(workers):
    workers(3)
    blas = blas_count()

    def work(start, stop):
        if start > 0:
            raise ZeroDivisionError(f"piece {start}")
        return start

    with pytest.raises(ZeroDivisionError, match="piece"):
        threads.run_split(9, 3, work)
    assert blas_count() == blas
    assert threads.run_split(9, 3, lambda s, e: (s, e)) == [(0, 3), (3, 6), (6, 9)]
    assert threads.run_split(2, 3, lambda s, e: (s, e)) == [(0, 2)]


def test_pieces_come_back_in_order_to_each_of_several_calling_threads(workers):
    """Workers that finish out of order, and user threads that split at the same time:
    every caller gets its own pieces' results, in order."""
    import threading
    import time

    workers(4)

    def work(start, stop):
        time.sleep(0.002 * (8 - start) / 8)  # later pieces finish first
        return (threading.get_ident(), start, stop)

    answers = {}

    def caller(k):
        answers[k] = [r[1:] for r in threads.run_split(8, 2, work, hold_blas=False)]

    callers = [threading.Thread(target=caller, args=(k,)) for k in range(5)]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    assert answers == {k: [(0, 2), (2, 4), (4, 6), (6, 8)] for k in range(5)}
    together = threading.Barrier(4, timeout=10)  # no thread can finish a piece and take
    # another before all four pieces have started (under load a fast worker did)

    def meet(start, stop):
        together.wait()
        return threading.get_ident()

    ran_on = set(threads.run_split(8, 2, meet, hold_blas=False))
    assert len(ran_on) == 4  # the caller and three workers


def test_training_gives_the_same_numbers_on_one_and_on_three_workers(workers):
    """Chunks go to workers whole and the weight gradient's parts are summed in a fixed
    order, so the result does not depend on the thread count beyond rounding."""
    rng = np.random.default_rng(1)
    x = scratchgrad.tensor(rng.random((12, 1, 12, 12)))
    y = rng.integers(0, 10, 12)
    losses = {}
    for count in (1, 3):
        workers(count)
        net = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, seed=0),
            nn.ReLU(),
            nn.Conv2d(4, 33, 3, padding=1, seed=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(33 * 36, 10, seed=2),
        )
        opt = nn.optim.SGD(net.parameters(), lr=0.05)
        run = []
        for _ in range(3):
            loss = nn.functional.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses[count] = run
    np.testing.assert_allclose(losses[1], losses[3], rtol=1e-10)


def test_a_long_inner_dimension_is_what_the_workers_share(workers, monkeypatch):
    """(64, 4096) @ (4096, 60): each worker multiplies a slice of the 4096 and the
    partial products are added; (512, 256) @ (256, 130) is cut by rows as before."""
    workers(2)
    seen = []
    real = threads.run_split

    def spy(n, per_chunk, work, **kwargs):
        seen.append(n)
        return real(n, per_chunk, work, **kwargs)

    monkeypatch.setattr(threads, "run_split", spy)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((64, 4096)), rng.standard_normal((4096, 60))
    np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    c, d = rng.standard_normal((512, 256)), rng.standard_normal((256, 130))
    np.testing.assert_allclose(threads.matmul(c, d), c @ d, rtol=1e-12, atol=1e-12)
    assert seen == [4096, 512]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_splits_with_its_own_workers(workers):
    """multiprocessing's fork start (Linux's default before Python 3.14): the child has
    none of the parent's threads, so the parent's pool would never run its pieces."""
    workers(2)
    assert threads.run_split(4, 1, lambda s, e: (s, e)) == [(0, 2), (2, 4)]  # pool made
    with warnings.catch_warnings():  # Python 3.12+: fork() in a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: exit 0 when the split came back right, and never return
        ok = False
        try:
            signal.alarm(10)
            ok = threads.run_split(4, 1, lambda s, e: (s, e)) == [(0, 2), (2, 4)]
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's split never came back")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(status) == 0
