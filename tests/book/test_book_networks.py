"""The book's networks and Trainer (scratchgrad.book.common): backprop gradients agree
with the book's own numerical_gradient, np.random.seed reproduces a run exactly, and
the book's chapter-5 training loop, with only its imports renamed, learns real MNIST."""

import os

import numpy as np
import pytest

from scratchgrad.book.common.layers import Affine, Relu, SoftmaxWithLoss
from scratchgrad.book.common.multi_layer_net import MultiLayerNet
from scratchgrad.book.common.multi_layer_net_extend import MultiLayerNetExtend
from scratchgrad.book.common.optimizer import SGD
from scratchgrad.book.common.trainer import Trainer


def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0, 0.0, 1.0], [-2.0, 1.0, 0.0, 0.0], [0.0, -2.0, 2.0, 0.0]])
    return centres[labels] + 0.5 * rng.standard_normal((n, 4)), labels


@pytest.mark.parametrize(
    "make",
    [
        lambda: MultiLayerNet(4, [5, 6], 3, activation="sigmoid", weight_decay_lambda=0.1),
        lambda: MultiLayerNet(4, [5], 3, weight_init_std=0.5),
        lambda: MultiLayerNetExtend(4, [5, 6], 3, use_batchnorm=True, weight_decay_lambda=0.05),
    ],
)
@pytest.mark.parametrize("one_hot", [False, True])
def test_backprop_agrees_with_the_books_numerical_gradient(make, one_hot):
    np.random.seed(0)
    net = make()
    x, labels = blobs(8)
    t = np.eye(3)[labels] if one_hot else labels
    grads, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    assert grads.keys() == numeric.keys() and len(grads) >= 4
    for name in grads:
        assert grads[name].shape == net.params[name].shape
        # rtol: the numerical side differentiates the book's log(y + 1e-7), backprop
        # the exact cross-entropy: they part by about 1e-7 / y (y: the label's softmax)
        np.testing.assert_allclose(grads[name], numeric[name], rtol=2e-5, atol=1e-6, err_msg=name)


def test_accuracy_takes_labels_or_one_hot():
    np.random.seed(1)
    net = MultiLayerNet(4, [8], 3)
    x, labels = blobs(30)
    assert net.accuracy(x, labels) == net.accuracy(x, np.eye(3)[labels])


def train(verbose=False, **options):
    np.random.seed(3)
    x, t = blobs(200)
    x_test, t_test = blobs(100, seed=1)
    net = MultiLayerNetExtend(4, [16, 16], 3, **options)
    trainer = Trainer(
        net,
        x,
        t,
        x_test,
        t_test,
        epochs=4,
        mini_batch_size=20,
        optimizer="Adam",
        optimizer_param={"lr": 0.01},
        verbose=verbose,
    )
    trainer.train()
    return trainer


def test_the_trainer_learns_and_a_seed_repeats_its_numbers(capsys):
    first = train(use_batchnorm=True, use_dropout=True, dropout_ration=0.1)
    assert len(first.train_loss_list) == first.max_iter == 40
    assert len(first.test_acc_list) == 4
    assert first.test_acc_list[-1] > 0.9
    assert first.train_loss_list[-1] < first.train_loss_list[0]
    again = train(use_batchnorm=True, use_dropout=True, dropout_ration=0.1)
    assert again.train_loss_list == first.train_loss_list
    train(verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("train loss:") and lines[1].startswith("=== epoch:1, train acc:")
    assert lines[-2:][0] == "=============== Final Test Accuracy ==============="


def test_the_books_chapter5_loop_learns_real_mnist():
    """ch05/train_neuralnet.py's loop (TwoLayerNet as layers, SGD 0.1, batch 100),
    only the imports renamed; one epoch reaches the book's ~90% test accuracy."""
    folder = os.environ.get("SCRATCHGRAD_MNIST")
    if not folder:
        pytest.skip("real MNIST is not at hand (set SCRATCHGRAD_MNIST)")
    from scratchgrad.book.dataset.mnist import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    np.random.seed(0)
    params = {
        "W1": 0.01 * np.random.randn(784, 50),
        "b1": np.zeros(50),
        "W2": 0.01 * np.random.randn(50, 10),
        "b2": np.zeros(10),
    }
    layers = [Affine(params["W1"], params["b1"]), Relu(), Affine(params["W2"], params["b2"])]
    last = SoftmaxWithLoss()
    optimizer = SGD(lr=0.1)
    for _ in range(600):
        mask = np.random.choice(x_train.shape[0], 100)
        y = x_train[mask]
        for layer in layers:
            y = layer.forward(y)
        last.forward(y, t_train[mask])
        dout = last.backward()
        for layer in reversed(layers):
            dout = layer.backward(dout)
        grads = {"W1": layers[0].dW, "b1": layers[0].db, "W2": layers[2].dW, "b2": layers[2].db}
        optimizer.update(params, grads)
    y = x_test
    for layer in layers:
        y = layer.forward(y)
    accuracy = np.mean(y.argmax(axis=1) == t_test.argmax(axis=1))
    assert 0.85 < accuracy < 0.95
