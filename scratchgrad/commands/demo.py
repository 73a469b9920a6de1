"""`scratchgrad demo`: micrograd's moons classifier on Values, then a Tensor MLP on the
bundled digits; leaves a neuron's graph (SVG), the decision boundary and the loss
curves (PNG) in the output folder."""
import time
from pathlib import Path

from tqdm.auto import tqdm

import autograd
import nn
import viz


def train_moons(steps=100, seed=1337, progress=True):
    """micrograd's demo: MLP 2-16-16-1, max-margin loss + 1e-4 L2, SGD with lr 1.0
    decaying linearly to 0.1, full batch of 100 moons. Returns (model, X, y, history)."""
    X, labels = nn.datasets.moons(n=100, noise=0.1, seed=seed)
    y = 2 * labels - 1                                    # {-1, +1} for the hinge loss
    model = nn.scalar.MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()
    optimizer = nn.optim.SGD(params, lr=1.0)
    scheduler = nn.optim.LinearLR(optimizer, start_factor=1.0, end_factor=0.1,
                                  total_iters=steps)
    inputs = [list(map(float, row)) for row in X]
    history = {"loss": [], "accuracy": []}
    for _ in tqdm(range(steps), desc="moons (Value MLP)", disable=None if progress else True):
        scores = [model(x) for x in inputs]
        loss = nn.functional.hinge_loss(scores, y) + 1e-4 * autograd.sum(p * p for p in params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        history["loss"].append(loss.data)
        history["accuracy"].append(nn.functional.accuracy(scores, y))
    return model, X, y, history


def train_digits(epochs=30, seed=1, progress=True):
    """A 64-128-10 Tensor MLP on standardised digits with AdamW. Returns (model, history,
    test accuracy)."""
    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True, seed=0)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    model = nn.mlp([64, 128, 10], seed=seed)
    optimizer = nn.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    history = nn.fit(model, nn.functional.cross_entropy, optimizer,
                     nn.DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=seed),
                     epochs=epochs, val_loader=nn.DataLoader((X_test, y_test), batch_size=512),
                     progress=progress)
    return model, history, history["val_accuracy"][-1]


def run(out="scratchgrad-out", steps=100, epochs=30, progress=True, echo=print):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model, X, y, moons_history = train_moons(steps, progress=progress)
    echo(f"moons:  scalar MLP 2-16-16-1, {steps} steps, final loss "
         f"{moons_history['loss'][-1]:.4f}, accuracy {moons_history['accuracy'][-1]:.0%}")
    neuron = model.layers[0].neurons[0]
    x0 = [autograd.Value(float(v), label=f"x{i}") for i, v in enumerate(X[0])]
    activation = neuron(x0)
    activation.label = "neuron"
    activation.backward()
    for i, w in enumerate(neuron.w):
        w.label = f"w{i}"
    neuron.b.label = "b"
    viz.draw_graph(activation).render(out / "neuron", format="svg", cleanup=True)
    viz.plot_decision_boundary(model, X, y).savefig(out / "moons_decision_boundary.png",
                                                    dpi=100)
    _, digits_history, test_accuracy = train_digits(epochs, progress=progress)
    echo(f"digits: Tensor MLP 64-128-10, {epochs} epochs, test accuracy {test_accuracy:.1%}")
    viz.plot_history(moons_history).savefig(out / "moons_loss.png", dpi=100)
    viz.plot_history(digits_history).savefig(out / "digits_loss.png", dpi=100)
    echo(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}/ "
         f"in {time.perf_counter() - start:.1f} s")
    return {"moons_accuracy": moons_history["accuracy"][-1], "digits_accuracy": test_accuracy}
