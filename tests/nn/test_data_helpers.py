"""The data helpers: train_test_split (partitions, stratification, seeds, empty sides
refused), one_hot and standardize (train statistics, constant columns)."""

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn import data as D
from scratchgrad.nn.data import TensorDataset, one_hot, random_split, train_test_split


def test_splits_partition_the_data():
    parts = random_split(TensorDataset(np.arange(10)), [0.7, 0.3], seed=0)
    assert sorted(np.concatenate([[p[i] for i in range(len(p))] for p in parts])) == list(range(10))
    X = np.arange(100.0)[:, None]
    y = np.repeat([0, 1], 50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=1)
    assert len(X_te) == 20 and np.bincount(y_te).tolist() == [10, 10]
    assert sorted(np.concatenate([X_tr, X_te])[:, 0]) == list(range(100))


Y20 = np.array([0] * 10 + [1] * 10)
X20 = np.random.default_rng(1).normal(size=(20, 3))


def test_train_test_split_shapes_partition_and_stratification():
    X_tr, X_te, y_tr, y_te = D.train_test_split(X20, Y20, test_size=0.2, seed=0)
    assert X_tr.shape == (16, 3) and X_te.shape == (4, 3)
    assert y_tr.shape == (16,) and y_te.shape == (4,)
    np.testing.assert_array_equal(np.bincount(y_te), [2, 2])
    ids_tr, ids_te, _, _ = D.train_test_split(np.arange(20), Y20, seed=1)
    assert sorted(np.concatenate([ids_tr, ids_te]).tolist()) == list(range(20))
    # rows stay paired with their labels
    X_tr, _, y_tr, _ = D.train_test_split(np.arange(20), Y20, seed=2)
    np.testing.assert_array_equal(Y20[X_tr], y_tr)


def test_train_test_split_is_reproducible_with_seed():
    a = D.train_test_split(X20, Y20, seed=1)
    b = D.train_test_split(X20, Y20, seed=1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))


def test_train_test_split_accepts_2d_targets_and_tensors():
    parts = D.train_test_split(Tensor(X20), np.eye(2)[Y20], seed=0)
    assert [p.shape for p in parts] == [(16, 3), (4, 3), (16, 2), (4, 2)]
    assert all(isinstance(p, np.ndarray) for p in parts)


@pytest.mark.parametrize("test_size", [0, 1, 5, -0.1, 1.5])
def test_train_test_split_bad_test_size(test_size):
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(X20, Y20, test_size=test_size)


def test_train_test_split_mismatched_lengths():
    with pytest.raises(ValueError, match="20 samples but y has 3"):
        D.train_test_split(X20, Y20[:3])


def test_splits_refuse_empty_sides_and_negative_lengths():
    with pytest.raises(ValueError, match="leaves the test set empty"):
        nn.data.train_test_split(np.arange(15), np.repeat([0, 1, 2], 5), test_size=0.1)
    with pytest.raises(ValueError, match="leaves the training set empty"):
        nn.data.train_test_split(np.arange(3), np.arange(3), test_size=0.9)
    with pytest.raises(ValueError, match="must not be negative"):
        nn.random_split(nn.TensorDataset(np.zeros(5)), [-1, 6])
    with pytest.raises(ValueError, match="patience"):
        nn.EarlyStopping(patience=-1)


# --- one_hot and standardize --------------------------------------------------------------


def test_one_hot_and_standardize():
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(TypeError, match="integer labels"):
        one_hot(np.array([0.5]))
    a, b = nn.data.standardize(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 6.0]]))
    assert np.allclose(a.mean(0), 0) and np.isfinite(b).all()


def test_one_hot_basics_and_errors():
    np.testing.assert_array_equal(nn.one_hot(np.array([0, 2])), [[1, 0, 0], [0, 0, 1]])
    assert nn.one_hot(np.array([0, 2]), num_classes=4).shape == (2, 4)
    assert nn.one_hot([0, 1, 2]).shape == (3, 3)
    assert nn.one_hot(np.array([[0, 1], [1, 0]])).shape == (2, 2, 2)
    assert nn.one_hot(np.array([], dtype=np.int64), num_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match="num_classes=2"):
        nn.one_hot(np.array([0, 2]), num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        nn.one_hot(np.array([0, -1]))
    with pytest.raises(TypeError, match="integer labels"):
        nn.one_hot(np.array([0.0, 1.0]))


def test_standardize_constant_column_stays_finite_and_uses_train_stats():
    C = np.c_[np.full(4, 5.0), np.arange(4.0)]
    train, other = D.standardize(C, C + 1)
    assert np.all(np.isfinite(train))
    np.testing.assert_array_equal(train[:, 0], 0.0)
    np.testing.assert_allclose(train[:, 1].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(train[:, 1].std(), 1.0)
    np.testing.assert_array_equal(other[:, 0], 1.0)  # (6 - 5) / 1
    (alone,) = D.standardize(C)  # always a tuple
    np.testing.assert_array_equal(alone, train)


def test_standardizer_transform_before_fit():
    with pytest.raises(RuntimeError, match="before fit"):
        D.Standardizer().transform(np.ones((2, 2)))
