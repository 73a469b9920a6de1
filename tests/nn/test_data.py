"""DataLoader, TensorDataset, Subset and random_split: every sample once per epoch, seeded
and unseeded shuffles, batch counts with and without drop_last, dtypes, several arrays per
sample, disjoint splits, and clear errors."""

import numpy as np
import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn import data as D
from scratchgrad.nn.data import DataLoader, TensorDataset, random_split


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 60),
    batch=st.integers(1, 17),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.integers(0, 10),
)
def test_every_sample_once_per_epoch(n, batch, shuffle, drop_last, seed):
    X = np.arange(n, dtype=np.float64)[:, None]
    y = np.arange(n)
    loader = DataLoader(TensorDataset(X, y), batch, shuffle=shuffle, drop_last=drop_last, seed=seed)
    seen = np.concatenate([yb for _, yb in loader]) if len(loader) else np.array([], int)
    expected = n - n % batch if drop_last else n
    assert (
        len(seen)
        == expected
        == len(loader) * batch - (0 if drop_last or n % batch == 0 else batch - n % batch)
    )
    assert len(set(seen.tolist())) == expected  # no repeats
    for xb, yb in loader:
        assert np.array_equal(xb.data[:, 0], yb)  # rows stay paired


def test_seeded_shuffles_repeat_and_epochs_differ():
    data = (np.arange(20.0)[:, None], np.arange(20))
    first = [yb.tolist() for _, yb in DataLoader(data, 5, shuffle=True, seed=3)]
    again = [yb.tolist() for _, yb in DataLoader(data, 5, shuffle=True, seed=3)]
    assert first == again
    loader = DataLoader(data, 20, shuffle=True, seed=3)
    assert next(iter(loader))[1].tolist() != next(iter(loader))[1].tolist()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((np.ones((3, 1)), np.ones(3)), batch_size=0)
    with pytest.raises(ValueError, match="different lengths"):
        TensorDataset(np.ones((3, 1)), np.ones(4))
    with pytest.raises(ValueError, match="add up to"):
        random_split(TensorDataset(np.ones(5)), [2, 2])
    with pytest.raises(ValueError, match="unknown gate"):
        nn.datasets.gates("XNOR-ish")


SMALL_X = np.arange(10.0).reshape(5, 2)
SMALL_Y = np.arange(5)


def test_batch_size_larger_than_data_gives_one_full_batch():
    batches = list(nn.DataLoader((SMALL_X, SMALL_Y), batch_size=100))
    assert len(batches) == 1
    x, y = batches[0]
    assert isinstance(x, Tensor) and x.shape == (5, 2)
    np.testing.assert_array_equal(y, SMALL_Y)


def test_drop_last_with_batch_larger_than_data_yields_nothing():
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=100, drop_last=True)
    assert len(loader) == 0
    assert list(loader) == []


@pytest.mark.parametrize(
    "batch_size, expected, expected_drop", [(1, 5, 5), (2, 3, 2), (3, 2, 1), (5, 1, 1), (6, 1, 0)]
)
def test_len_matches_number_of_batches(batch_size, expected, expected_drop):
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=batch_size)
    dropping = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=batch_size, drop_last=True)
    assert len(loader) == len(list(loader)) == expected
    assert len(dropping) == len(list(dropping)) == expected_drop
    assert all(len(y) == batch_size for _, y in dropping)


def test_mismatched_lengths_are_refused_with_both_lengths():
    with pytest.raises(ValueError, match=r"\[5, 3\]"):
        nn.DataLoader((SMALL_X, SMALL_Y[:3]))


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "8"])
def test_invalid_batch_size_is_refused(bad):
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader((SMALL_X, SMALL_Y), batch_size=bad)


def test_batches_are_tensors_and_labels_keep_their_integer_dtype():
    """As PyTorch's DataLoader: every column a Tensor; labels stay integers."""
    x, y = next(iter(nn.DataLoader((Tensor(SMALL_X), SMALL_Y), batch_size=2)))
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    np.testing.assert_array_equal(x.data, SMALL_X[:2])
    assert y.dtype.kind == "i"


def test_dtypes_float32_kept_ints_become_float():
    x32, _ = next(iter(nn.DataLoader((SMALL_X.astype(np.float32), SMALL_Y))))
    xi, _ = next(iter(nn.DataLoader((np.arange(10).reshape(5, 2), SMALL_Y))))
    assert x32.dtype == np.float32
    assert xi.dtype == np.float64


def _epoch_labels(loader):
    return np.concatenate([y for _, y in loader])


def test_seeded_shuffle_is_reproducible_and_a_permutation_each_epoch():
    a = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2, shuffle=True, seed=3)
    b = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2, shuffle=True, seed=3)
    epochs_a = [_epoch_labels(a) for _ in range(4)]
    epochs_b = [_epoch_labels(b) for _ in range(4)]
    for ea, eb in zip(epochs_a, epochs_b):
        np.testing.assert_array_equal(ea, eb)
        assert sorted(ea.tolist()) == SMALL_Y.tolist()
    # iterating again reshuffles (like PyTorch), it does not replay epoch 1
    assert any(not np.array_equal(epochs_a[0], e) for e in epochs_a[1:])


def test_unseeded_shuffle_follows_manual_seed():
    def order():
        nn.manual_seed(0)
        return _epoch_labels(
            nn.DataLoader((np.zeros((6, 1)), np.arange(6)), batch_size=2, shuffle=True)
        )

    np.testing.assert_array_equal(order(), order())


def test_unshuffled_loader_is_stable_across_iterations():
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2)
    for _ in range(2):
        np.testing.assert_array_equal(_epoch_labels(loader), SMALL_Y)


def test_empty_dataset_gives_no_batches():
    loader = nn.DataLoader((np.zeros((0, 2)), np.zeros(0, dtype=np.int64)), batch_size=4)
    assert len(loader) == 0 and list(loader) == []


def test_three_arrays_via_tensordataset():
    w = np.linspace(0, 1, 5)
    x, y, weights = next(iter(nn.DataLoader(nn.TensorDataset(SMALL_X, SMALL_Y, w), batch_size=3)))
    assert x.shape == (3, 2)
    np.testing.assert_array_equal(y, SMALL_Y[:3])
    np.testing.assert_array_equal(weights, w[:3])


def test_loader_batches_every_array_of_a_tuple_and_rows_of_a_bare_array():
    batches = list(nn.DataLoader((np.arange(5.0), np.arange(5.0) * 10, np.ones(5)), batch_size=2))
    assert len(batches) == 3 and len(batches[0]) == 3
    np.testing.assert_array_equal(batches[0][1], [0.0, 10.0])
    rows = list(nn.DataLoader(np.arange(12.0).reshape(3, 4), batch_size=2))
    assert [r.shape for r in rows] == [(2, 4), (1, 4)]


def test_nested_list_columns_work_like_arrays():
    x, y = next(
        iter(nn.DataLoader(([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0, 1, 0]), batch_size=2))
    )
    np.testing.assert_array_equal(x.data, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(y, [0, 1])


def test_a_list_is_a_list_of_samples_as_in_pytorch():
    samples = [(np.array([0.0, 1.0]), 0), (np.array([2.0, 3.0]), 1), (np.array([4.0, 5.0]), 0)]
    x, y = next(iter(nn.DataLoader(samples, batch_size=2)))
    np.testing.assert_array_equal(x.data, [[0.0, 1.0], [2.0, 3.0]])
    assert y.dtype == np.int64 and y.tolist() == [0, 1]


def test_subset_of_subset_gathers_the_right_rows():
    inner = D.Subset(nn.TensorDataset(SMALL_X, SMALL_Y), [4, 3, 2])
    outer = D.Subset(inner, [0, 2])
    ((x, y),) = list(nn.DataLoader(outer, batch_size=5))
    np.testing.assert_array_equal(y, [4, 2])
    np.testing.assert_array_equal(x.data, SMALL_X[[4, 2]])


def test_random_split_fractions_are_disjoint_and_cover():
    ds = nn.TensorDataset(np.arange(10.0), np.arange(10))
    parts = nn.random_split(ds, [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    idx = np.concatenate([p.indices for p in parts])
    assert sorted(idx.tolist()) == list(range(10))
    odd = nn.random_split(nn.TensorDataset(SMALL_X, SMALL_Y), [0.5, 0.5], seed=0)
    assert [len(p) for p in odd] == [3, 2]


def test_random_split_wrong_total_is_refused():
    ds = nn.TensorDataset(SMALL_X, SMALL_Y)
    with pytest.raises(ValueError, match="add up to"):
        nn.random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="add up to"):
        nn.random_split(ds, [0.5, 0.2])


@pytest.mark.oracle
def test_a_one_array_tensordataset_gives_tuples_as_pytorch_does():
    """`batch[0]` in code written for PyTorch is the batch, never its first row."""
    torch = oracles.load("torch")

    X = np.arange(12.0).reshape(6, 2)
    ours, theirs = nn.TensorDataset(X), torch.utils.data.TensorDataset(torch.from_numpy(X))
    (item,) = ours[1]
    np.testing.assert_array_equal(item, theirs[1][0].numpy())
    assert len(ours[1]) == len(theirs[1]) == 1
    batch = next(iter(nn.DataLoader(ours, batch_size=4)))
    their_batch = next(iter(torch.utils.data.DataLoader(theirs, batch_size=4)))
    assert len(batch) == len(their_batch) == 1
    np.testing.assert_array_equal(batch[0].data, their_batch[0].numpy())
    np.testing.assert_array_equal(ours.tensors[0].data, X)
    # a bare array is still batches of x alone (PyTorch's DataLoader(tensor) too)
    assert next(iter(nn.DataLoader(X, batch_size=4))).shape == (4, 2)
