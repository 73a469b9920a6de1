"""Numerical differentiation and gradient checking: the book's way to trust backprop.

Central difference:  f'(x) ≈ (f(x + h) - f(x - h)) / 2h,  error O(h²).
"""

from dataclasses import dataclass, field

import numpy as np

from .backend import is_device_array, namespace
from .engine import grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor
from .value import Value


def numerical_derivative(f, x, h=1e-6):
    """Central-difference derivative of a function of one float."""
    return (f(x + h) - f(x - h)) / (2.0 * h)


def numerical_grad(f, inputs, eps=1e-6, record=False):
    """Central-difference gradient of scalar `f(*inputs)` w.r.t. each input.

    Inputs are `Value`s or `Tensor`s; each is nudged in place (and restored) one
    element at a time. Returns floats for Values and arrays for Tensors. `f` runs
    under `no_grad()` unless `record=True` (needed when `f` itself calls `grad`).
    """
    inputs = list(inputs)
    results = []
    with enable_grad() if record else no_grad():
        for x in inputs:
            if isinstance(x, Value):
                original = x.data
                x.data = original + eps
                plus = _scalar_output(f(*inputs))
                x.data = original - eps
                minus = _scalar_output(f(*inputs))
                x.data = original
                results.append((plus - minus) / (2.0 * eps))
                continue
            # nudged in place and put back: not an edit a live graph could see
            results.append(x._scratch_write(_tensor_differences, f, inputs, x, eps))
    return results


def _tensor_differences(f, inputs, x, eps):
    flat = x._data.reshape(-1)
    out = np.zeros(x.data.size, dtype=np.float64)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _scalar_output(f(*inputs))
        flat[i] = original - eps
        minus = _scalar_output(f(*inputs))
        flat[i] = original
        out[i] = (plus - minus) / (2.0 * eps)
    return out.reshape(x.data.shape)


def _scalar_valued(f, inputs, rng):
    """f itself when it returns one number; else x -> sum_k <f_k(x), u_k> with a fixed
    random u_k of each output's shape."""
    out = f(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    if len(outs) == 1 and not (isinstance(outs[0], Tensor) and outs[0].data.size != 1):
        return f
    weights = [_beside(rng.standard_normal(np.shape(o.data)), o) for o in outs]

    def contracted(*xs):
        got = f(*xs)
        got = got if isinstance(got, tuple) else (got,)
        terms = [(o * w).sum() for o, w in zip(got, weights)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    return contracted


def _scalar_output(out):
    if isinstance(out, (Value, Tensor)):
        if isinstance(out, Tensor) and out.data.size != 1:
            raise ValueError(
                f"gradcheck: f must return a scalar; got shape {out.shape}. "
                "Reduce it (e.g. .sum()) first"
            )
        return float(out.data if isinstance(out, Value) else out.data.reshape(()))
    return float(out)


@dataclass
class InputReport:
    """Analytic vs numeric gradient of one input, and where they disagree most."""

    index: int
    analytic: object
    numeric: object
    max_abs_error: float
    max_rel_error: float
    worst_element: tuple
    ok: bool


@dataclass
class GradcheckReport:
    inputs: list = field(default_factory=list)
    forward: list = field(default_factory=list)  # jvp vs directional differences

    @property
    def ok(self):
        """Whether every input (and every forward-mode check) agreed."""
        return all(r.ok for r in self.inputs) and all(r.ok for r in self.forward)

    def __bool__(self):
        return self.ok

    def __str__(self):
        lines = [f"gradcheck {'passed' if self.ok else 'FAILED'}:"]
        for r in self.inputs:
            where = f" at element {r.worst_element}" if r.worst_element else ""
            a = (
                np.asarray(r.analytic, dtype=float)[r.worst_element]
                if r.worst_element
                else r.analytic
            )
            n = (
                np.asarray(r.numeric, dtype=float)[r.worst_element]
                if r.worst_element
                else r.numeric
            )
            lines.append(
                f"  input {r.index}: {'ok ' if r.ok else 'BAD'} analytic={float(a):.8g}"
                f" numeric={float(n):.8g} abs err={r.max_abs_error:.3g} "
                f"rel err={r.max_rel_error:.3g}{where}"
            )
        for r in self.forward:
            where = f" at output element {r.worst_element}" if r.worst_element else ""
            lines.append(
                f"  forward mode (jvp along a random direction): "
                f"{'ok ' if r.ok else 'BAD'} abs err={r.max_abs_error:.3g} "
                f"rel err={r.max_rel_error:.3g}{where}"
            )
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """An analytic derivative disagreed with central differences (raised by `gradcheck`
    and `gradgradcheck`); the message lists the worst entries."""


def gradcheck(
    f,
    inputs,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    fast_mode=False,
    seed=0,
    _record=False,
    check_forward=False,
    _numeric_of=None,
):
    """Compare backprop with central differences for scalar `f(*inputs)`.

    Passes when |analytic - numeric| <= atol + rtol * |numeric| for every element
    (PyTorch's defaults for float64). Returns a `GradcheckReport`; raises
    `GradcheckError` with the report when it fails and `raise_exception` is true.
    `fast_mode=True` checks one random direction u per input instead of every
    element: <grad, u> against (f(x + eps u) - f(x - eps u)) / 2 eps — two
    evaluations per input however large it is.
    `check_forward=True` also compares forward mode: `jvp(f, inputs, v)` for random
    tangents v against (f(x + eps v) - f(x - eps v)) / 2 eps.
    """
    if check_forward:
        report = gradcheck(f, inputs, eps, atol, rtol, False, fast_mode, seed, _record)
        report.forward.append(jvp_check(f, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed))
        if raise_exception and not report.ok:
            raise GradcheckError(str(report))
        return report
    if fast_mode:
        return _directional_check(
            f, list(inputs), eps, atol, rtol, raise_exception, seed, _record, _numeric_of or f
        )
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.data.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {x.data.dtype}; central differences "
                "need float64 inputs to be meaningful"
            )
        if not x.requires_grad:
            raise ValueError(f"gradcheck: input {i} does not require grad")
    out = f(*inputs)
    if isinstance(out, Tensor) and out.data.size != 1:
        raise ValueError(f"gradcheck: f must return a scalar; got shape {out.shape}")
    analytic = grad(out, inputs, allow_unused=True)
    numeric = numerical_grad(_numeric_of or f, inputs, eps, record=_record)
    report = GradcheckReport()
    for i, (x, a, n) in enumerate(zip(inputs, analytic, numeric)):
        report.inputs.append(compare(i, _as_float_array(a, x), n, atol, rtol))
    if raise_exception and not report.ok:
        raise GradcheckError(str(report))
    return report


def compare(index, analytic, numeric, atol, rtol):
    """An `InputReport`: elementwise |a - n| <= atol + rtol |n|, and the worst element."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    diff = np.abs(a - n)
    allowed = atol + rtol * np.abs(n)
    rel = diff / np.maximum(np.abs(n), 1e-12)
    worst = (
        ()
        if diff.ndim == 0 or diff.size == 0
        else tuple(int(k) for k in np.unravel_index(np.argmax(diff - allowed), diff.shape))
    )
    return InputReport(
        index=index,
        analytic=a if a.ndim else float(a),
        numeric=n if n.ndim else float(n),
        max_abs_error=float(diff.max()) if diff.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0,
        worst_element=worst,
        ok=bool(np.all(diff <= allowed)),
    )


def _as_float_array(g, like):
    """A gradient as float64 numbers on the host, where they are compared."""
    if g is None:
        return np.zeros(np.shape(like.data), dtype=np.float64)
    g = g.data if isinstance(g, (Value, Tensor)) else g
    return np.asarray(_host(g), dtype=np.float64)


def _host(array):
    """A GPU array's numbers copied to the host (the checks compare on the CPU)."""
    from .devices import on_host

    return on_host(array) if is_device_array(array) else array


def _beside(array, x):
    """A host array (a random direction) on the device of input `x`'s data."""
    data = getattr(x, "_data", None)
    return namespace(data).asarray(array) if is_device_array(data) else array


def _directional_check(f, inputs, eps, atol, rtol, raise_exception, seed, record, numeric_of):
    rng = np.random.default_rng(seed)
    analytic = grad(f(*inputs), inputs, allow_unused=True)
    report = GradcheckReport()
    with enable_grad() if record else no_grad():
        for i, (x, a) in enumerate(zip(inputs, analytic)):
            a = _as_float_array(a, x)
            u = rng.standard_normal(a.shape)
            predicted = float(np.sum(a * u))
            original = x.data.copy() if isinstance(x, Tensor) else x.data
            values = []
            for sign in (1.0, -1.0):
                if isinstance(x, Tensor):
                    nudged = original + sign * eps * _beside(u, x)
                    x._scratch_write(namespace(x._data).copyto, x._data, nudged)
                else:
                    x.data = original + sign * eps * float(u)
                values.append(_scalar_output(numeric_of(*inputs)))
            if isinstance(x, Tensor):
                x._scratch_write(namespace(x._data).copyto, x._data, original)
            else:
                x.data = original
            numeric = (values[0] - values[1]) / (2.0 * eps)
            diff = abs(predicted - numeric)
            report.inputs.append(
                InputReport(
                    index=i,
                    analytic=predicted,
                    numeric=numeric,
                    max_abs_error=diff,
                    max_rel_error=diff / max(abs(numeric), 1e-12),
                    worst_element=(),
                    ok=diff <= atol + rtol * abs(numeric),
                )
            )
    if raise_exception and not report.ok:
        raise GradcheckError("directional " + str(report))
    return report


def gradgradcheck(
    f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=False, seed=0
):
    """Check second derivatives: gradcheck of h(x) = Σ_i <∂f/∂x_i (x), v_i> for fixed
    random v, whose gradient is the Hessian times v. The analytic side differentiates the
    backward graph (`create_graph=True`); the numeric side takes central differences of
    h computed from plain first-order gradients, so a backward rule that drops the graph
    (a first derivative that silently stops depending on x) is caught, not checked
    against itself. A non-scalar f (or a tuple of outputs) is checked through
    <f(x), u> for fixed random u, as PyTorch's gradgradcheck draws its grad_outputs."""
    inputs = list(inputs)
    f = _scalar_valued(f, inputs, np.random.default_rng(seed + 1))
    rng = np.random.default_rng(seed)
    directions = [_beside(rng.standard_normal(np.shape(x.data)), x) for x in inputs]

    def h(*xs):
        grads = grad(f(*xs), list(xs), create_graph=True, allow_unused=True)
        total = None
        for g, v in zip(grads, directions):
            if g is None or not getattr(g, "requires_grad", False):
                continue  # a constant first derivative: no curvature
            term = (g * v).sum() if isinstance(g, Tensor) else g * float(v)
            total = term if total is None else total + term
        if total is None:
            return Tensor(0.0) if isinstance(xs[0], Tensor) else Value(0.0)
        return total

    def h_from_plain_gradients(*xs):
        grads = grad(f(*xs), list(xs), allow_unused=True)
        return sum(
            float(np.sum(_as_float_array(g, x) * _host(v)))
            for g, x, v in zip(grads, xs, directions)
        )

    probe = h(*inputs)
    if not probe.requires_grad:
        report = GradcheckReport()  # f is linear: its Hessian must be zero
        numeric = numerical_grad(h_from_plain_gradients, inputs, eps, record=True)
        for i, n in enumerate(numeric):
            report.inputs.append(compare(i, np.zeros(np.shape(n)), n, atol, rtol))
        if raise_exception and not report.ok:
            raise GradcheckError("second-order " + str(report))
        return report
    return gradcheck(
        h,
        inputs,
        eps,
        atol,
        rtol,
        raise_exception,
        fast_mode,
        seed,
        _record=True,
        _numeric_of=h_from_plain_gradients,
    )


def jvp_check(f, inputs, tangents=None, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Forward mode against numbers: `jvp(f, inputs, tangents)` (random tangents by
    default) vs the directional central difference (f(x + eps v) - f(x - eps v)) / 2 eps,
    output element by output element. Returns an `InputReport` (index -1: the outputs)."""
    from .transforms import jvp

    inputs = list(inputs)
    rng = np.random.default_rng(seed)
    if tangents is None:
        tangents = [
            _beside(rng.standard_normal(x.shape).astype(x.dtype), x)
            if isinstance(x, Tensor)
            else float(rng.standard_normal())
            for x in inputs
        ]
    _, analytic = jvp(f, tuple(inputs), tuple(tangents))
    shifted = []
    for sign in (1.0, -1.0):
        moved = [
            Tensor(x.data + sign * eps * _beside(getattr(t, "_data", t), x))
            if isinstance(x, Tensor)
            else Value(x.data + sign * eps * float(t))
            for x, t in zip(inputs, tangents)
        ]
        with no_grad():
            out = f(*moved)
        shifted.append(np.asarray(_host(out.data), dtype=np.float64))
    numeric = (shifted[0] - shifted[1]) / (2.0 * eps)
    return compare(-1, np.asarray(_host(analytic.data), dtype=np.float64), numeric, atol, rtol)
