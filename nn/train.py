"""The training loop: `fit` a model, get a `History` back, `evaluate` it.

    history = nn.fit(model, nn.functional.cross_entropy, opt, train_loader, epochs=10,
                     val_loader=val_loader, callbacks=[nn.EarlyStopping(patience=3)])

The loop is the one from every chapter — forward, loss, zero_grad, backward, step —
plus cheap bookkeeping. A NaN or infinite loss stops training at once with an error
that names the epoch and step (usually: the learning rate is too high).
"""

import math
import time

import numpy as np

from ..autograd import Tensor, no_grad
from .functional import accuracy


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite: training diverged."""


class History:
    """Per-epoch lists: `history["loss"]`, `"val_loss"`, `"accuracy"`, `"val_accuracy"`,
    `"lr"`, `"time"` (seconds per epoch). `history.history` is the dict itself."""

    def __init__(self):
        self.history = {}

    def record(self, logs):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    @property
    def epochs(self):
        return len(next(iter(self.history.values()), []))

    def as_dict(self):
        return {key: list(values) for key, values in self.history.items()}

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={self.epochs}, last={last})"


class Callback:
    """Hooks into `fit`. `on_epoch_end` returns True to stop training."""

    def on_train_begin(self, model):
        pass

    def on_batch_end(self, step, loss, model):
        """After each optimizer step (`loss` is that batch's loss, a float)."""

    def on_epoch_end(self, epoch, logs, model):
        return False

    def on_train_end(self, model):
        pass


class _Monitor(Callback):
    def __init__(self, monitor, mode):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.best = None

    def _improved(self, logs):
        if self.monitor not in logs:
            raise KeyError(
                f"{type(self).__name__} monitors {self.monitor!r}, but the epoch "
                f"logs only have {sorted(logs)} (pass val_loader= for val_*)"
            )
        value = logs[self.monitor]
        if not math.isfinite(value):  # a NaN or inf is never the best (Keras)
            return False
        better = self.best is None or (
            value < self.best if self.mode == "min" else value > self.best
        )
        if better:
            self.best = value
        return better


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved for `patience` epochs; optionally put the
    best weights back (`restore_best=True`)."""

    def __init__(self, monitor="val_loss", patience=5, mode="min", restore_best=True):
        super().__init__(monitor, mode)
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {patience!r}")
        self.patience, self.restore_best = patience, restore_best
        self.wait, self.best_state, self.stopped_epoch = 0, None, None

    def on_train_begin(self, model):
        """Each fit starts afresh (a rerun notebook cell must not restore the weights
        of the previous model), as Keras does."""
        self.best, self.wait, self.best_state, self.stopped_epoch = None, 0, None, None

    def on_epoch_end(self, epoch, logs, model):
        if self._improved(logs):
            self.wait = 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model):
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


class ModelCheckpoint(_Monitor):
    """Save the model's state_dict to `path` (atomic .npz) whenever `monitor` improves."""

    def __init__(self, path, monitor="val_loss", mode="min"):
        super().__init__(monitor, mode)
        self.path = path

    def on_epoch_end(self, epoch, logs, model):
        if self._improved(logs):
            from .checkpoint import save

            save(model.state_dict(), self.path)
        return False


class _NoBar:
    """What `fit(progress=False)` updates: nothing is imported, nothing is printed."""

    def update(self, n=1):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass


def _in_notebook():
    """True inside a Jupyter kernel with ipywidgets (the `notebooks` extra installs it)."""
    import importlib.util
    import sys

    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return (
        type(shell).__name__ == "ZMQInteractiveShell"
        and importlib.util.find_spec("ipywidgets") is not None
    )


def progress_bar(total, enabled=True, desc=None):
    """A widget bar in Jupyter, a text bar in a terminal, nothing in pipes, CI logs or
    with progress=False (never tqdm's 'IProgress not found' warning)."""
    if not enabled:
        return _NoBar()
    if _in_notebook():
        from tqdm.notebook import tqdm

        return tqdm(total=total, desc=desc, leave=False, unit="batch")
    from tqdm.std import tqdm

    # disable=None: off when the output is not a terminal
    return tqdm(total=total, desc=desc, disable=None, leave=False, unit="batch", dynamic_ncols=True)


def _check_finite(loss_value, epoch, step):
    if not math.isfinite(loss_value):
        raise NonFiniteLossError(
            f"loss became {loss_value} at epoch {epoch}, step {step}: training diverged. "
            "Try a lower learning rate (e.g. 10x smaller), gradient clipping, or check the "
            "inputs for NaN/inf"
        )


def fit(
    model,
    loss_fn,
    optimizer,
    train_loader,
    epochs=1,
    val_loader=None,
    scheduler=None,
    progress=True,
    callbacks=(),
    metrics=True,
    device=None,
):
    """Train for `epochs`; returns a `History` (one entry per epoch).

    `loss_fn(output, target)` returns a scalar Tensor. `metrics=True` also records
    accuracy for classifiers. `scheduler.step()` runs once per epoch (a ReduceLROnPlateau
    gets the validation loss, or the training loss without a val_loader).
    `device="cuda"` moves the model there first and every batch as it is used.
    """
    if device is not None:
        model.to(device)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    history = History()
    callbacks = list(callbacks)
    for callback in callbacks:
        callback.on_train_begin(model)
    if len(train_loader) == 0:
        raise ValueError(
            "fit: the training loader yields no batches (an empty data set, "
            "or batch_size larger than the data with drop_last=True)"
        )
    bar = progress_bar(epochs * len(train_loader), progress, "training")
    try:
        for epoch in range(1, epochs + 1):
            logs = _train_epoch(
                model, loss_fn, optimizer, train_loader, epoch, bar, metrics, callbacks, device
            )
            if val_loader is not None:
                logs.update(
                    {
                        f"val_{k}": v
                        for k, v in evaluate(model, val_loader, loss_fn, metrics, device).items()
                    }
                )
            logs["lr"] = optimizer.param_groups[0]["lr"]
            if scheduler is not None:
                _step_scheduler(scheduler, logs)
            history.record(logs)
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "time"})
            stop = [c.on_epoch_end(epoch, logs, model) for c in callbacks]
            if any(stop):
                break
    finally:
        bar.close()
        for callback in callbacks:
            callback.on_train_end(model)
    return history


def _step_scheduler(scheduler, logs):
    """Plateau schedulers watch a metric; the others count epochs."""
    from .optim.lr_scheduler import ReduceLROnPlateau

    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def _batch(model, x, y, device):
    """A batch ready for the model: on its device, data tensors in its dtype (numpy data
    is converted as layers convert it; a tensor from a graph is left to the layers'
    dtype check)."""
    if device is not None:
        x = x.to(device) if isinstance(x, Tensor) else Tensor(x, device=device)
        y = y.to(device) if isinstance(y, Tensor) else y
    dtype = _parameter_dtype(model)
    if (
        isinstance(x, Tensor)
        and x.is_leaf
        and not x.requires_grad
        and dtype is not None
        and x.dtype.kind == "f"
        and x.dtype != dtype
    ):
        x = x.astype(dtype)
    return x, y


def _parameter_dtype(model):
    dtypes = {p.dtype for p in getattr(model, "parameters", lambda: [])() if isinstance(p, Tensor)}
    return dtypes.pop() if len(dtypes) == 1 else None


def _host(x):
    """Numbers on the CPU (a GPU tensor's are copied back) for metrics."""
    if isinstance(x, Tensor):
        x = x.to("cpu").data if x.device != "cpu" else x.data
    return np.asarray(x)


def _train_epoch(model, loss_fn, optimizer, loader, epoch, bar, metrics, callbacks=(), device=None):
    model.train()
    start = time.perf_counter()
    total_loss = correct = seen = 0.0
    for step, (x, y) in enumerate(loader, 1):
        x, y = _batch(model, x, y, device)
        output = model(x)
        loss = loss_fn(output, y)
        value = loss.item()
        _check_finite(value, epoch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(y)
        total_loss += value * n
        seen += n
        if metrics:
            correct += _accuracy_or_none(output, y) * n
        bar.update(1)
        for callback in callbacks:
            callback.on_batch_end(step, value, model)
    logs = {"loss": total_loss / max(seen, 1)}
    if metrics and _is_classifier_output(output, y):
        logs["accuracy"] = correct / max(seen, 1)
    logs["time"] = time.perf_counter() - start
    return logs


def _is_classifier_output(output, y):
    """Class scores (N, C) against labels (N,) or one-hot / probability rows (N, C);
    not a regression with C outputs (whose float targets are not distributions)."""
    shape = getattr(output, "shape", ())
    if len(shape) != 2 or shape[1] < 2:
        return False
    target = _host(y)
    if target.ndim == 1:
        return target.dtype.kind in "iub" or bool(np.all(target == np.round(target)))
    return (
        target.shape == tuple(shape)
        and bool(np.all(target >= 0))
        and bool(np.allclose(target.sum(axis=1), 1.0))
    )


def _accuracy_or_none(output, y):
    return accuracy(_host(output), _host(y)) if _is_classifier_output(output, y) else 0.0


def evaluate(model, loader, loss_fn=None, metrics=True, device=None):
    """Mean loss (if `loss_fn`) and accuracy over `loader`, in eval mode, without grad
    (batches moved to `device` first when one is given)."""
    was_training = getattr(model, "training", False)
    model.eval()
    total_loss = correct = seen = 0.0
    classifier = False
    try:
        with no_grad():
            for x, y in loader:
                x, y = _batch(model, x, y, device)
                output = model(x)
                n = len(y)
                if loss_fn is not None:
                    total_loss += loss_fn(output, y).item() * n
                if metrics and _is_classifier_output(output, y):
                    classifier = True
                    correct += accuracy(_host(output), _host(y)) * n
                seen += n
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    logs = {}
    if loss_fn is not None:
        logs["loss"] = total_loss / seen
    if classifier:
        logs["accuracy"] = correct / seen
    return logs


def predict(model, X, batch_size=1024, device=None):
    """Model outputs for an array of inputs, in eval mode and without grad (numpy, on the
    CPU; batches run on `device` when one is given)."""
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            outs = [
                _host(model(_batch(model, X[i : i + batch_size], None, device)[0]))
                for i in range(0, len(X), batch_size)
            ]
    finally:
        model.train(was_training)
    return np.concatenate(outs)
