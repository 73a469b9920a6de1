"""The book's fully connected network of chapter 6 (`MultiLayerNet`): Affine layers
with ReLU or sigmoid between them and SoftmaxWithLoss at the end, He / Xavier or a
fixed-scale initialisation drawn from numpy's global generator (so `np.random.seed`
gives the book's weights), weight decay, and gradients by backprop or by numerical
differentiation. `MultiLayerNetExtend` (multi_layer_net_extend.py) adds dropout and
batch normalization to the same class.

Two corrections to the book's file, where it disagrees with its own text: accuracy
with one-hot targets compares against their argmax (the book's `accuracy` computed the
argmax and then compared with the one-hot array), and the weight-decay term of the loss
has its gradient, λW, in `gradient` (as in MultiLayerNetExtend).
"""

from collections import OrderedDict

import numpy as np

from .gradient import numerical_gradient
from .layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": Relu}


def init_scale(weight_init_std, fan_in):
    """'relu'/'he': sqrt(2 / fan_in); 'sigmoid'/'xavier': sqrt(1 / fan_in); a number:
    itself (the book's `weight_init_std`)."""
    name = str(weight_init_std).lower()
    if name in ("relu", "he"):
        return np.sqrt(2.0 / fan_in)
    if name in ("sigmoid", "xavier"):
        return np.sqrt(1.0 / fan_in)
    return weight_init_std


class MultiLayerNet:
    """input_size -> hidden_size_list... -> output_size, fully connected. The last three
    arguments are MultiLayerNetExtend's (the book's MultiLayerNet has none of them)."""

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        use_dropout=False,
        dropout_ration=0.5,
        use_batchnorm=False,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}")
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        self.use_dropout, self.use_batchnorm = use_dropout, use_batchnorm
        self.params = {}
        sizes = [input_size] + self.hidden_size_list + [output_size]
        for idx in range(1, len(sizes)):
            scale = init_scale(weight_init_std, sizes[idx - 1])
            self.params[f"W{idx}"] = scale * np.random.randn(sizes[idx - 1], sizes[idx])
            self.params[f"b{idx}"] = np.zeros(sizes[idx])

        self.layers = OrderedDict()
        for idx in range(1, self.hidden_layer_num + 1):
            self.layers[f"Affine{idx}"] = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"])
            if use_batchnorm:
                width = self.hidden_size_list[idx - 1]
                self.params[f"gamma{idx}"] = np.ones(width)
                self.params[f"beta{idx}"] = np.zeros(width)
                self.layers[f"BatchNorm{idx}"] = BatchNormalization(
                    self.params[f"gamma{idx}"], self.params[f"beta{idx}"]
                )
            self.layers[f"Activation_function{idx}"] = ACTIVATIONS[activation]()
            if use_dropout:
                self.layers[f"Dropout{idx}"] = Dropout(dropout_ration)
        last = self.hidden_layer_num + 1
        self.layers[f"Affine{last}"] = Affine(self.params[f"W{last}"], self.params[f"b{last}"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        """The scores before softmax; dropout and batch norm run in training mode only
        with train_flg=True."""
        for key, layer in self.layers.items():
            if "Dropout" in key or "BatchNorm" in key:
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """Cross-entropy error plus 0.5 * λ * Σ W² over every weight matrix."""
        y = self.predict(x, train_flg)
        decay = sum(
            0.5 * self.weight_decay_lambda * np.sum(self.params[f"W{idx}"] ** 2)
            for idx in range(1, self.hidden_layer_num + 2)
        )
        return self.last_layer.forward(y, t) + decay

    def accuracy(self, x, t):
        """The fraction of x whose highest score is its label (t: labels or one-hot)."""
        y = np.argmax(self.predict(x, train_flg=False), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def _parameter_names(self):
        for idx in range(1, self.hidden_layer_num + 2):
            yield f"W{idx}"
            yield f"b{idx}"
            if self.use_batchnorm and idx != self.hidden_layer_num + 1:
                yield f"gamma{idx}"
                yield f"beta{idx}"

    def numerical_gradient(self, x, t):
        """Every parameter's gradient by central differences (slow: two forwards per
        number; the book uses it to check `gradient`)."""
        loss_of_params = lambda _: self.loss(x, t, train_flg=True)  # noqa: E731
        return {
            name: numerical_gradient(loss_of_params, self.params[name])
            for name in self._parameter_names()
        }

    def gradient(self, x, t):
        """Every parameter's gradient by backprop: a forward, then each layer's backward
        in reverse order."""
        self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers[f"Affine{idx}"]
            grads[f"W{idx}"] = affine.dW + self.weight_decay_lambda * self.params[f"W{idx}"]
            grads[f"b{idx}"] = affine.db
            if self.use_batchnorm and idx != self.hidden_layer_num + 1:
                grads[f"gamma{idx}"] = self.layers[f"BatchNorm{idx}"].dgamma
                grads[f"beta{idx}"] = self.layers[f"BatchNorm{idx}"].dbeta
        return grads
