"""Recurrent layers with PyTorch's names, weights, layouts and gate orders: `nn.RNN`,
`nn.LSTM`, `nn.GRU` and their one-step cells `RNNCell`, `LSTMCell`, `GRUCell`.

Each time step is a few table ops (two matmuls, the gates' nonlinearities), so the
sequence unrolls into one graph and backward is backpropagation through time with
nothing of its own; the graph of a short sequence can be drawn.

    rnn = nn.LSTM(10, 20, num_layers=2, batch_first=True)
    out, (h, c) = rnn(x)                  # x (N, L, 10) -> out (N, L, 20), h/c (2, N, 20)

Weights, as PyTorch (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, with a
`_reverse` suffix for the backward direction), gates stacked in PyTorch's order: LSTM
(input, forget, cell, output), GRU (reset, update, new). All start U(-1/sqrt(hidden),
1/sqrt(hidden)). `dropout` applies between layers in training, as PyTorch's.
"""

import math

from ..autograd import Tensor, concatenate, stack, where
from ..autograd.backend import namespace
from ..autograd.errors import ShapeError
from .dtypes import float_dtype, layer_input
from .functional import dropout
from .init import make_rng
from .module import Module, Parameter

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode, x_part, h, c, w_hh, b_hh, w_hr=None):
    """One time step of one layer and direction. `x_part` = x W_ih^T + b_ih (already
    computed for the whole sequence); returns (h, c) (c is None but for LSTM). An LSTM
    with proj_size projects its hidden state by `w_hr` (proj_size, hidden)."""
    hidden = h @ w_hh.T
    if b_hh is not None:
        hidden = hidden + b_hh
    if mode == "RNN_TANH":
        return (x_part + hidden).tanh(), None
    if mode == "RNN_RELU":
        return (x_part + hidden).relu(), None
    if mode == "LSTM":
        i, f, g, o = (x_part + hidden).chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h if w_hr is None else h @ w_hr.T), c
    x_r, x_z, x_n = x_part.chunk(3, dim=-1)  # GRU: the new gate sees r * (W_hn h + b_hn)
    h_r, h_z, h_n = hidden.chunk(3, dim=-1)
    r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1.0 - z) * n + z * h, None


class _Recurrent(Module):
    """The stack of layers and directions shared by RNN, LSTM and GRU."""

    mode = ""  # GATES key

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
        *,
        rng=None,
        seed=None,
    ):
        who = type(self).__name__
        if hidden_size < 1 or input_size < 1 or num_layers < 1:
            raise ValueError(
                f"{who} needs positive sizes, got input_size={input_size}, "
                f"hidden_size={hidden_size}, num_layers={num_layers}"
            )
        if proj_size and self.mode != "LSTM":
            raise ValueError(f"{who}: proj_size is only supported for LSTM, not {who}")
        if not 0 <= proj_size < hidden_size:
            raise ValueError(
                f"{who}: proj_size must be >= 0 and smaller than hidden_size "
                f"({hidden_size}), got {proj_size}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{who}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = int(proj_size)
        out = self._out_size  # what each step outputs: hidden, or proj_size
        dtype = float_dtype(dtype, who)
        gen = make_rng(rng, seed)
        bound = 1.0 / math.sqrt(hidden_size)
        rows = GATES[self.mode] * hidden_size
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else out * self._directions
            for suffix in self._suffixes(layer):
                shapes = [("weight_ih", (rows, width)), ("weight_hh", (rows, out))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, hidden_size)))
                for name, shape in shapes:
                    value = Parameter(gen.uniform(-bound, bound, shape), dtype=dtype)
                    setattr(self, name + suffix, value)
        if device is not None:
            self._to_device(device)

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _out_size(self):
        return self.proj_size or self.hidden_size

    def flatten_parameters(self):
        """PyTorch's cuDNN weight-packing call (models call it in forward): nothing to
        pack here."""

    @property
    def all_weights(self):
        """The parameters per layer and direction, as PyTorch's list of lists."""
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        names += ["weight_hr"] if self.proj_size else []
        return [
            [getattr(self, name + suffix) for name in names]
            for layer in range(self.num_layers)
            for suffix in self._suffixes(layer)
        ]

    def _suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def forward(self, input, hx=None):
        """input (L, N, H_in) (or (N, L, H_in) with batch_first, or (L, H_in) for one
        sequence) -> (output, h_n) (LSTM: (output, (h_n, c_n)))."""
        from .utils.rnn import PackedSequence

        packed = input if isinstance(input, PackedSequence) else None
        if packed is not None:  # time first already; the mask stops each sequence
            input = packed.padded
        weight = self.weight_ih_l0
        x = layer_input(input, weight.dtype, type(self).__name__)
        batched = x.ndim == 3
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__} expects input of shape (L, N, {self.input_size}) "
                f"{'(batch_first: (N, L, ...)) ' if self.batch_first else ''}or "
                f"(L, {self.input_size}), got {x.shape}"
            )
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        elif self.batch_first and packed is None:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}: expected a sequence length above 0")
        h0, c0 = self._initial_state(hx, x, batched)
        seq, finals_h, finals_c = x, [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * self._directions + direction
                c = None if c0 is None else c0[k]
                out, h, c = self._run(seq, h0[k], c, suffix, direction == 1, packed)
                outputs.append(out)
                finals_h.append(h)
                finals_c.append(c)
            seq = outputs[0] if len(outputs) == 1 else concatenate(outputs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                seq = dropout(seq, self.dropout)
        h_n = stack(finals_h)
        if packed is not None:
            seq = type(packed)(seq, packed.lengths, not packed._sorted)
        elif not batched:
            seq, h_n = seq.reshape(seq.shape[0], seq.shape[2]), h_n.reshape(h_n.shape[0], -1)
        elif self.batch_first:
            seq = seq.transpose(0, 1)
        if self.mode != "LSTM":
            return seq, h_n
        c_n = stack(finals_c)
        return seq, (h_n, c_n if batched else c_n.reshape(c_n.shape[0], -1))

    def _run(self, seq, h, c, suffix, reverse, packed=None):
        """One layer, one direction over seq (L, N, width): every step's hidden state
        stacked (L, N, hidden), then the last (h, c). With a PackedSequence a sequence's
        state moves only within its length (its outputs past the end are 0)."""
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        w_hr = getattr(self, "weight_hr" + suffix) if self.proj_size else None
        inputs = seq @ w_ih.T  # every step's input part in one matmul
        if b_ih is not None:
            inputs = inputs + b_ih
        parts = inputs.unbind(0)
        order = range(len(parts) - 1, -1, -1) if reverse else range(len(parts))
        hidden = [None] * len(parts)
        for t in order:
            h_new, c_new = _step(self.mode, parts[t], h, c, w_hh, b_hh, w_hr)
            if packed is None:
                h, c, hidden[t] = h_new, c_new, h_new
                continue
            running = packed.step_mask(t, h_new)
            h = where(running, h_new, h)
            c = None if c is None else where(running, c_new, c)
            hidden[t] = where(running, h_new, h_new.detach() * 0.0)
        return stack(hidden), h, c

    def _initial_state(self, hx, x, batched):
        """(h0, c0), each (layers * directions, N, hidden) (h0's last axis proj_size
        with a projection): zeros, or the given ones."""
        stack_batch = (self.num_layers * self._directions, x.shape[1])
        shapes = [stack_batch + (self._out_size,), stack_batch + (self.hidden_size,)]
        xp = namespace(x._data)
        if hx is None:
            h0, c0 = (x._constant_like(xp.zeros(shape, dtype=x.dtype)) for shape in shapes)
            return h0, (c0 if self.mode == "LSTM" else None)
        states = hx if self.mode == "LSTM" else (hx, None)
        if self.mode == "LSTM" and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError("LSTM: hx must be a pair (h_0, c_0)")
        given = []
        for state, shape in zip(states, shapes):
            if state is None:
                given.append(None)
                continue
            state = state if isinstance(state, Tensor) else Tensor(state)
            if not batched:
                if state.ndim != 2:
                    raise ValueError(
                        f"{type(self).__name__}: for an unbatched (L, H_in) input the "
                        f"initial state is 2-D (layers * directions, hidden), got "
                        f"{tuple(state.shape)}"
                    )
                state = state.reshape(state.shape[0], 1, state.shape[-1])
            if tuple(state.shape) != shape:
                raise ShapeError(
                    f"{type(self).__name__}: the initial state must have shape {shape} "
                    f"(layers * directions, batch, hidden), got {tuple(state.shape)}"
                )
            given.append(state)
        return given[0], given[1]

    def extra_repr(self):
        shown = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            shown += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            shown += f", num_layers={self.num_layers}"
        if not self.bias:
            shown += ", bias=False"
        if self.batch_first:
            shown += ", batch_first=True"
        if self.dropout:
            shown += f", dropout={self.dropout}"
        if self.bidirectional:
            shown += ", bidirectional=True"
        return shown


class RNN(_Recurrent):
    """h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity="relu": relu)."""

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(*args, **kwargs)


class LSTM(_Recurrent):
    """Long short-term memory: gates i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t)."""

    mode = "LSTM"


class GRU(_Recurrent):
    """Gated recurrent unit: gates r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h_t = (1 - z) n + z h_{t-1}."""

    mode = "GRU"


class _Cell(Module):
    """One time step of RNN, LSTM or GRU: `weight_ih`, `weight_hh`, `bias_ih`,
    `bias_hh` as PyTorch's cells; input (N, input_size) or (input_size,)."""

    mode = ""  # GATES key

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, *, seed=None):
        who = type(self).__name__
        if hidden_size < 1 or input_size < 1:
            raise ValueError(f"{who} needs positive sizes, got {input_size}, {hidden_size}")
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        dtype, gen = float_dtype(dtype, who), make_rng(None, seed)
        bound, rows = 1.0 / math.sqrt(hidden_size), GATES[self.mode] * hidden_size
        shapes = [("weight_ih", (rows, input_size)), ("weight_hh", (rows, hidden_size))]
        shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))] if bias else []
        for name, shape in shapes:
            setattr(self, name, Parameter(gen.uniform(-bound, bound, shape), dtype=dtype))
        if not bias:
            self.bias_ih = self.bias_hh = None
        if device is not None:
            self._to_device(device)

    def forward(self, input, hx=None):
        """The next hidden state (LSTMCell: the pair (h, c)); hx defaults to zeros."""
        x = layer_input(input, self.weight_ih.dtype, type(self).__name__)
        batched = x.ndim == 2
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__} expects input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        x = x if batched else x.reshape(1, -1)
        zeros = x._constant_like(
            namespace(x._data).zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
        )
        states = [zeros, zeros] if hx is None else list(hx if self.mode == "LSTM" else [hx])
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        wanted = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        for state in states:
            if tuple(state.shape) != wanted:
                raise ShapeError(
                    f"{type(self).__name__}: the state must have shape {wanted} (batch, "
                    f"hidden) for input {tuple(input.shape if hasattr(input, 'shape') else ())}"
                    f", got {tuple(state.shape)}"
                )
        states = [s if batched else s.reshape(1, -1) for s in states]
        part = x @ self.weight_ih.T
        if self.bias_ih is not None:
            part = part + self.bias_ih
        c = states[1] if self.mode == "LSTM" else None
        h, c = _step(self.mode, part, states[0], c, self.weight_hh, self.bias_hh)
        unbatch = (lambda t: t) if batched else (lambda t: t.reshape(-1))
        return (unbatch(h), unbatch(c)) if self.mode == "LSTM" else unbatch(h)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_Cell):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (nonlinearity="relu": relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, **kwargs)

    def extra_repr(self):
        shown = super().extra_repr()
        return (
            shown if self.nonlinearity == "tanh" else shown + f", nonlinearity={self.nonlinearity}"
        )


class LSTMCell(_Cell):
    """One LSTM step: (h, c) -> (h', c')."""

    mode = "LSTM"


class GRUCell(_Cell):
    """One GRU step: h -> h'."""

    mode = "GRU"
