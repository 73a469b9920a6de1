"""The "no framework" baseline: an MLP written layer by layer in plain numpy, the way
the book does it (Affine, ReLU, SoftmaxWithLoss, each with forward and backward)."""

import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b  # W: (out, in), like torch and nn.Linear

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def forward(self, x, labels):
        shifted = x - x.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.probs = exp / exp.sum(axis=1, keepdims=True)
        self.labels = labels
        n = len(labels)
        return -np.log(self.probs[np.arange(n), labels]).mean()

    def backward(self):
        n = len(self.labels)
        dx = self.probs.copy()
        dx[np.arange(n), self.labels] -= 1
        return dx / n


class NumpyMLP:
    def __init__(self, weights):
        self.affines = [Affine(W.copy(), b.copy()) for W, b in weights]
        self.layers = []
        for i, affine in enumerate(self.affines):
            self.layers.append(affine)
            if i < len(self.affines) - 1:
                self.layers.append(Relu())
        self.loss_layer = SoftmaxWithLoss()

    def train_step(self, x, labels, lr):
        for layer in self.layers:
            x = layer.forward(x)
        loss = self.loss_layer.forward(x, labels)
        dout = self.loss_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        for affine in self.affines:
            affine.W -= lr * affine.dW
            affine.b -= lr * affine.db
        return loss
