"""`scratchgrad demo`: micrograd's moons classifier on Values, then a Tensor MLP on the
bundled digits; leaves a neuron's graph (SVG), the decision boundary and the loss
curves (PNG) in the output folder."""

import time

from .. import autograd, nn, viz
from ..viz import renderer
from . import UsageError, prepare_out_dir, require_matplotlib
from .options import DEMO_EPOCHS, DEMO_STEPS


def train_moons(steps=DEMO_STEPS, seed=1337, progress=True):
    """micrograd's demo: MLP 2-16-16-1, max-margin loss + 1e-4 L2, SGD with lr 1.0
    decaying linearly to 0.1, full batch of 100 moons. Returns (model, X, y, history)."""
    X, labels = nn.datasets.moons(n=100, noise=0.1, seed=seed)
    y = 2 * labels - 1  # {-1, +1} for the hinge loss
    model = nn.scalar.MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()
    optimizer = nn.optim.SGD(params, lr=1.0)
    scheduler = nn.optim.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=steps)
    inputs = [list(map(float, row)) for row in X]
    history = {"loss": [], "accuracy": []}
    bar = nn.train.progress_bar(steps, progress, "moons (Value MLP)")
    for _ in range(steps):
        bar.update(1)
        scores = [model(x) for x in inputs]
        loss = nn.functional.hinge_loss(scores, y) + 1e-4 * autograd.sum(p * p for p in params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        history["loss"].append(loss.data)
        history["accuracy"].append(nn.functional.accuracy(scores, y))
    bar.close()
    return model, X, y, history


def train_digits(epochs=DEMO_EPOCHS, seed=1, progress=True):
    """A 64-128-10 Tensor MLP on standardised digits with AdamW. Returns (model, history,
    test accuracy)."""
    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True, seed=0)
    X_train, X_test = nn.data.standardize(X_train, X_test)
    model = nn.mlp([64, 128, 10], seed=seed)
    optimizer = nn.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    history = nn.fit(
        model,
        nn.functional.cross_entropy,
        optimizer,
        nn.DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=seed),
        epochs=epochs,
        val_loader=nn.DataLoader((X_test, y_test), batch_size=512),
        progress=progress,
    )
    return model, history, history["val_accuracy"][-1]


def run(args, echo=print):
    """Train both models and write only our own files into --out (others stay untouched).
    Exit status 0."""
    if args.steps < 1 or args.epochs < 1:
        raise UsageError(
            f"--steps and --epochs must be at least 1, got {args.steps} and {args.epochs}"
        )
    require_matplotlib("demo")
    out = prepare_out_dir(args.out)
    progress = not args.no_progress
    start = time.perf_counter()
    model, X, y, moons_history = train_moons(args.steps, progress=progress)
    echo(
        f"moons:  scalar MLP 2-16-16-1, {args.steps} steps, final loss "
        f"{moons_history['loss'][-1]:.4f}, accuracy {moons_history['accuracy'][-1]:.0%}"
    )
    written = [renderer.render_file(_neuron_graph(model, X), out / "neuron.svg")]
    written.append(
        _save(viz.plot_decision_boundary(model, X, y), out / "moons_decision_boundary.png")
    )
    _, digits_history, test_accuracy = train_digits(args.epochs, progress=progress)
    echo(f"digits: Tensor MLP 64-128-10, {args.epochs} epochs, test accuracy {test_accuracy:.1%}")
    written.append(_save(viz.plot_history(moons_history), out / "moons_loss.png"))
    written.append(_save(viz.plot_history(digits_history), out / "digits_loss.png"))
    echo(
        f"wrote {', '.join(p.name for p in written)} to {out}/ "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


def _live_neuron(model, X):
    """The first (neuron, sample) of the first layer whose ReLU is on: a dead one (output
    0) would show zeros everywhere and teach nothing."""
    with autograd.no_grad():
        for neuron in model.layers[0].neurons:
            for row in X:
                if neuron([float(v) for v in row]).data > 0.0:
                    return neuron, row
    return model.layers[0].neurons[0], X[0]


def _neuron_graph(model, X):
    """A live neuron's graph on one sample, after its own fresh backward (the weights'
    gradients from training are cleared first, so the picture's numbers are its own)."""
    neuron, sample = _live_neuron(model, X)
    neuron.zero_grad()
    x0 = [autograd.Value(float(v), label=f"x{i}") for i, v in enumerate(sample)]
    activation = neuron(x0)
    activation.label = "neuron"
    activation.backward()
    for i, w in enumerate(neuron.w):
        w.label = f"w{i}"
    neuron.b.label = "b"
    return viz.draw_graph(activation)


def _save(figure, path):
    """Write a figure; returns its path for the closing "wrote ..." line."""
    figure.savefig(path, dpi=100)
    return path
