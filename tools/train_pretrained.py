"""Reproduce the weights shipped in scratchgrad/nn/pretrained/ (trained with scratchgrad).

    python tools/train_pretrained.py three_layer_mlp   # ch.3: 784-50-100-10 sigmoid net
    python tools/train_pretrained.py deep_convnet      # ch.8: nn.models.deep_convnet

MNIST comes from $SCRATCHGRAD_MNIST (or nn.datasets' default folder). Each run is
seeded and prints the test accuracy after every epoch; the weights of the last epoch are
written (float32 safetensors) next to the package's other pretrained files, with their
accuracy recorded in the file's metadata.
"""

import argparse
import os
import time

import numpy as np

from scratchgrad import nn
from scratchgrad.autograd import Tensor, no_grad

RECIPES = {
    # name: (optimizer, lr, epochs, batch); the architectures are nn.pretrained's
    "mnist_three_layer_mlp": ("sgd", 0.5, 10, 100),
    "mnist_deep_convnet": ("adam", 1e-3, 8, 100),
}


def accuracy(model, x, labels, batch=1000):
    model.eval()
    hits = 0
    with no_grad():
        for i in range(0, len(x), batch):
            hits += int(
                (model(Tensor(x[i : i + batch])).data.argmax(axis=1) == labels[i : i + batch]).sum()
            )
    model.train()
    return hits / len(x)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    args = parser.parse_args(argv)
    optimizer, lr, epochs, batch = RECIPES[args.name]
    epochs = args.epochs or epochs
    nn.manual_seed(0)
    model = nn.pretrained.ARCHITECTURES[args.name]()
    dtype = next(iter(model.parameters())).data.dtype
    flat = "mlp" in args.name
    root = os.environ.get("SCRATCHGRAD_MNIST") or None  # None: nn.datasets' default
    x_train, t_train = nn.datasets.mnist(root, "train", flatten=flat)
    x_test, t_test = nn.datasets.mnist(root, "test", flatten=flat)
    if not flat:
        x_train, x_test = x_train[:, None], x_test[:, None]
    x_train, x_test = x_train.astype(dtype), x_test.astype(dtype)
    opt = (nn.optim.Adam if optimizer == "adam" else nn.optim.SGD)(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), batch):
            pick = order[i : i + batch]
            loss = nn.functional.cross_entropy(model(Tensor(x_train[pick])), t_train[pick])
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = accuracy(model, x_test, t_test)
        print(
            f"epoch {epoch}: test accuracy {acc:.4f} ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    state = {k: np.asarray(v, dtype=np.float32) for k, v in model.state_dict().items()}
    target = nn.pretrained.path(args.name)
    nn.save(state, target)
    print(f"wrote {target}: test accuracy {acc:.4f} (put it in nn.pretrained.ACCURACY)")


if __name__ == "__main__":
    main()
