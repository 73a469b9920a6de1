"""The book's `Trainer`: mini-batch training of a network that has `params`,
`gradient`, `loss` and `accuracy`, with one of the book's optimizers, printing the
book's lines ("train loss:...", "=== epoch:...") when verbose, and keeping the loss
and accuracy lists its chapter-6 and 7 scripts plot."""

import numpy as np

from .optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "rmsprpo": RMSprop,  # the book's own key (a typo there; its scripts may use it)
    "adam": Adam,
}


class Trainer:
    """Trainer(network, x_train, t_train, x_test, t_test, epochs=20,
    mini_batch_size=100, optimizer='SGD', optimizer_param={'lr': 0.01},
    evaluate_sample_num_per_epoch=None, verbose=True); then `train()`. Batches are
    drawn with np.random.choice (with replacement), as in the book."""

    def __init__(
        self,
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=20,
        mini_batch_size=100,
        optimizer="SGD",
        optimizer_param=None,
        evaluate_sample_num_per_epoch=None,
        verbose=True,
    ):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
        self.network, self.verbose = network, verbose
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.epochs, self.batch_size = epochs, mini_batch_size
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        params = {"lr": 0.01} if optimizer_param is None else optimizer_param
        self.optimizer = OPTIMIZERS[optimizer.lower()](**params)
        self.train_size = x_train.shape[0]
        self.iter_per_epoch = max(self.train_size / mini_batch_size, 1)
        self.max_iter = int(epochs * self.iter_per_epoch)
        self.current_iter = 0
        self.current_epoch = 0
        self.train_loss_list, self.train_acc_list, self.test_acc_list = [], [], []

    def train_step(self):
        """One mini-batch: gradient, update, the loss after it; at each epoch's start
        the train and test accuracy (on the first evaluate_sample_num_per_epoch)."""
        batch_mask = np.random.choice(self.train_size, self.batch_size)
        x_batch, t_batch = self.x_train[batch_mask], self.t_train[batch_mask]
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        if self.verbose:
            print("train loss:" + str(loss))
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            sample = self.evaluate_sample_num_per_epoch
            cut = slice(None) if sample is None else slice(None, sample)
            train_acc = self.network.accuracy(self.x_train[cut], self.t_train[cut])
            test_acc = self.network.accuracy(self.x_test[cut], self.t_test[cut])
            self.train_acc_list.append(train_acc)
            self.test_acc_list.append(test_acc)
            if self.verbose:
                print(
                    f"=== epoch:{self.current_epoch}, train acc:{train_acc}, "
                    f"test acc:{test_acc} ==="
                )
        self.current_iter += 1

    def train(self):
        """max_iter steps (epochs * train_size / mini_batch_size), then the test
        accuracy on all of x_test."""
        for _ in range(self.max_iter):
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print("=============== Final Test Accuracy ===============")
            print("test acc:" + str(test_acc))
