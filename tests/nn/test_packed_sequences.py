"""nn.utils.rnn: pad_sequence, pack_padded_sequence, pad_packed_sequence and
pack_sequence, and the recurrent layers on packed batches: padded outputs, each
sequence's own final state, the packed fields (data, batch_sizes, sorted indices) and
every gradient against PyTorch, sorted or not, batch_first or not; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn as nn
from scratchgrad.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_sequence

torch = oracle("torch")


def _run(lib, model, arrays, lengths, batch_first, enforce_sorted):
    """The usual variable-length recipe, written once for both libraries."""
    U = lib.nn.utils.rnn
    seqs = [lib.tensor(a, requires_grad=True) for a in arrays]
    padded = U.pad_sequence(seqs, batch_first=batch_first)
    packed = U.pack_padded_sequence(
        padded, lib.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    out, state = model(packed)
    h = state[0] if isinstance(state, tuple) else state
    unpacked, found = U.pad_packed_sequence(
        out, batch_first=batch_first, padding_value=-1.0, total_length=7
    )
    w = np.random.default_rng(3)
    loss = (unpacked * lib.tensor(w.normal(size=tuple(unpacked.shape)))).sum()
    (loss + (h * lib.tensor(w.normal(size=tuple(h.shape)))).sum()).backward()
    results = [unpacked, h, found, packed.data, packed.batch_sizes]
    results += [s.grad for s in seqs] + [p.grad for p in model.parameters()]
    if not enforce_sorted:
        results += [packed.sorted_indices, packed.unsorted_indices]
    return [np.asarray(r.detach().numpy() if hasattr(r, "detach") else r) for r in results]


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_batches_match_pytorch(kind, options, batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 4]
    arrays = [np.random.default_rng(i).normal(size=(n, 4)) for i, n in enumerate(lengths)]
    ours = getattr(nn, kind)(4, 5, batch_first=batch_first, **options)
    theirs = getattr(torch.nn, kind)(4, 5, batch_first=batch_first, **options).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    mine = _run(scratchgrad, ours, arrays, lengths, batch_first, enforce_sorted)
    reference = _run(torch, theirs, arrays, lengths, batch_first, enforce_sorted)
    for a, b in zip(mine, reference):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_sequence_state_stops_at_its_end():
    """Packed, each sequence's h_n is what running it alone gives."""
    gru = nn.GRU(2, 3, seed=0)
    arrays = [np.random.default_rng(i).normal(size=(n, 2)) for i, n in enumerate([4, 2])]
    _, h = gru(pack_sequence(arrays))
    for i, a in enumerate(arrays):
        _, alone = gru(a[:, None])
        np.testing.assert_allclose(h.data[0, i], alone.data[0, 0], rtol=1e-12)


def test_padding_and_errors():
    a, b = np.ones((3, 2)), np.full((1, 2), 2.0)
    np.testing.assert_array_equal(
        pad_sequence([a, b], batch_first=True, padding_value=-1.0, padding_side="left").data[1],
        [[-1, -1], [-1, -1], [2, 2]],
    )
    with pytest.raises(RuntimeError, match="sorted in decreasing order.*enforce_sorted=False"):
        pack_padded_sequence(np.zeros((3, 2, 1)), [1, 3])
    with pytest.raises(ValueError, match="lengths must be between 1 and 3"):
        pack_padded_sequence(np.zeros((3, 2, 1)), [4, 1])
    with pytest.raises(ValueError, match="lengths must hold 2 integers"):
        pack_padded_sequence(np.zeros((3, 2, 1)), [3])


def test_integer_fields_index_the_last_steps():
    """The usual `out[arange(N), lengths - 1]` works: lengths and the packed fields are
    int64, as PyTorch's."""
    arrays = [np.random.default_rng(i).normal(size=(n, 2)) for i, n in enumerate([3, 5, 2])]
    packed = pack_sequence(arrays, enforce_sorted=False)
    assert packed.batch_sizes.dtype == packed.sorted_indices.dtype == np.int64
    lstm = nn.LSTM(2, 3, batch_first=True, seed=0)
    lstm.flatten_parameters()  # PyTorch models call it; nothing to pack here
    out, (h, _) = lstm(packed)
    padded, lengths = scratchgrad.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    assert lengths.dtype == np.int64 and lengths.tolist() == [3, 5, 2]
    last = padded[scratchgrad.arange(3), lengths - 1]
    np.testing.assert_allclose(last.data, h.data[0], rtol=1e-12)
