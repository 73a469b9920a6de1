"""`torch.nn.utils.rnn`: batches of sequences of different lengths.

    padded = pad_sequence([a, b, c], batch_first=True)          # (3, L_max, ...)
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    out, h = lstm(packed)                                       # each sequence to its end
    out, lengths = pad_packed_sequence(out, batch_first=True)

A `PackedSequence` here keeps the padded batch, time first, and the lengths in the
batch's own order; the recurrent layers run it with a mask per step, so a sequence's
state stops at its last element (and the backward direction starts there), and
`h_n` holds each sequence's own last state, in the batch's order, as PyTorch's.
PyTorch's packed fields (`data`, `batch_sizes`, `sorted_indices`, `unsorted_indices`)
are computed from them on request; `data` is a differentiable gather.
"""

import numpy as np

from ...autograd import concatenate, stack, tensor, where
from ...autograd.backend import namespace
from ...autograd.devices import on_host
from ..functional import _node


class PackedSequence:
    """Sequences of lengths `lengths` (in batch order), padded and time first."""

    def __init__(self, padded, lengths, enforce_sorted):
        self.padded = padded  # (L_max, N, *)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self._sorted = not enforce_sorted

    @property
    def _order(self):
        """Batch indices by decreasing length (stable), as PyTorch sorts them."""
        return np.argsort(-self.lengths, kind="stable")

    @property
    def sorted_indices(self):
        """PyTorch's field: the order used for packing (None when given sorted)."""
        return tensor(self._order) if self._sorted else None

    @property
    def unsorted_indices(self):
        """PyTorch's field: the inverse of sorted_indices (None when given sorted)."""
        return tensor(np.argsort(self._order)) if self._sorted else None

    @property
    def batch_sizes(self):
        """How many sequences are still running at each time step (int64)."""
        steps = np.arange(self.padded.shape[0])
        return tensor((self.lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64))

    @property
    def data(self):
        """The valid entries, time step by time step, longest sequences first:
        PyTorch's packed layout, (sum(lengths), *)."""
        order = self._order
        times, batch = [], []
        for t in range(self.padded.shape[0]):
            running = order[self.lengths[order] > t]
            times.extend([t] * len(running))
            batch.extend(running.tolist())
        xp = namespace(self.padded._data)
        return self.padded[xp.asarray(times), xp.asarray(batch)]

    def to(self, *args, **kwargs):
        """The same sequences with the padded data moved or cast (`Tensor.to`)."""
        return PackedSequence(self.padded.to(*args, **kwargs), self.lengths, not self._sorted)

    def double(self):
        """The data as float64."""
        return self.to(np.float64)

    def float(self):
        """The data as float32."""
        return self.to(np.float32)

    def step_mask(self, t, like):
        """(N, 1) booleans on `like`'s device: which sequences are running at step t."""
        return namespace(like._data).asarray((self.lengths > t)[:, None])

    def __repr__(self):
        return f"PackedSequence(lengths={self.lengths.tolist()}, shape={self.padded.shape})"


def _lengths(lengths, count):
    values = on_host(lengths).reshape(-1)  # (host numbers: GPU lengths are copied back)
    if values.size != count or values.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must hold {count} integers (one per sequence), got {values.tolist()}"
        )
    return values.astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """A padded batch (L, N, *) (batch_first: (N, L, *)) and each sequence's length."""
    x = _node(input)
    x = x.transpose(0, 1) if batch_first else x
    lengths = _lengths(lengths, x.shape[1])
    if lengths.min() < 1 or lengths.max() > x.shape[0]:
        raise ValueError(
            f"pack_padded_sequence: lengths must be between 1 and {x.shape[0]} (the padded "
            f"length), got {lengths.tolist()}"
        )
    if enforce_sorted and np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "pack_padded_sequence: `lengths` must be sorted in decreasing order when "
            "enforce_sorted=True (as PyTorch's); pass enforce_sorted=False to have them sorted"
        )
    return PackedSequence(x[: int(lengths.max())], lengths, enforce_sorted)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """(padded batch, lengths): the inverse of pack_padded_sequence, `padding_value`
    past each sequence's end, padded to `total_length` if given."""
    padded, lengths = sequence.padded, sequence.lengths
    xp = namespace(padded._data)
    if total_length is not None:
        if total_length < padded.shape[0]:
            raise ValueError(
                f"pad_packed_sequence: total_length ({total_length}) is shorter than the "
                f"longest sequence ({padded.shape[0]})"
            )
        padded = _extended(padded, total_length - padded.shape[0], "right", 0.0)
    valid = np.arange(padded.shape[0])[:, None] < lengths[None, :]
    valid = xp.asarray(valid.reshape(valid.shape + (1,) * (padded.ndim - 2)))
    fill = padded._constant_like(xp.full(padded.shape, padding_value, dtype=padded.dtype))
    out = where(valid, padded, fill)
    return (out.transpose(0, 1) if batch_first else out), tensor(lengths)


def _extended(x, missing, side, value):
    """x with `missing` more rows of `value` on its first axis, after or before."""
    if not missing:
        return x
    shape = (missing,) + tuple(x.shape[1:])
    block = x._constant_like(namespace(x._data).full(shape, value, dtype=x.dtype))
    return concatenate([x, block] if side == "right" else [block, x], axis=0)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Sequences (L_i, *) padded to the longest and stacked: (L_max, N, *), or
    (N, L_max, *) with batch_first; padding on the right (or the left)."""
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}"
        )
    items = [_node(s) for s in sequences]
    if not items:
        raise ValueError("pad_sequence: no sequences given")
    longest = max(s.shape[0] for s in items)
    padded = [_extended(s, longest - s.shape[0], padding_side, padding_value) for s in items]
    return stack(padded, axis=0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = [_node(s).shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
