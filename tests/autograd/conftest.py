"""Fixtures shared by the tests of scratchgrad's worker threads."""

import pytest

from scratchgrad.autograd import threads


class Splits(list):
    """The piece counts of the split passes (one entry per run_split call that split),
    and `calls`: (work's name, pieces) of every elementwise-kind call, split or not."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def of(self, prefix):
        """The piece counts of the calls whose work function's name starts with prefix."""
        return [count for name, count in self.calls if name.startswith(prefix)]


@pytest.fixture
def split(monkeypatch):
    """Split every pass of 8+ elements over 3 workers; returns a `Splits` of the piece
    counts run_split used."""
    before = threads.get_num_threads()
    monkeypatch.setattr(threads, "ELEMENTWISE_FROM", 8)
    monkeypatch.setattr(threads, "ALIGN", 8)
    monkeypatch.setattr(threads, "MIN_SHARE", 1)
    pieces = Splits()
    original = threads.run_split

    def counting(n, per_chunk, work, split=True, hold_blas=True, min_share=1):
        results = original(n, per_chunk, work, split, hold_blas, min_share)
        if not hold_blas:
            pieces.calls.append((work.__qualname__, len(results) if split else 1))
            if split:
                pieces.append(len(results))
        return results

    monkeypatch.setattr(threads, "run_split", counting)
    threads.set_num_threads(3)
    yield pieces
    threads.set_num_threads(before)
