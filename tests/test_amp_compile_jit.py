"""The lines modern PyTorch training scripts write around a model, run renamed: mixed
precision (`autocast`, a documented no-op; `GradScaler`, a real loss scaler checked step
by step against `torch.amp.GradScaler("cpu")`), `torch.compile` and `torch.jit` (which
return what they are given), determinism flags, print options, finfo / iinfo / dtype."""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import amp, nn, optim
from scratchgrad.autograd import printing

torch = oracle("torch")


@pytest.fixture
def fresh_warning(monkeypatch):
    """autocast's one-time warning, not yet shown."""
    monkeypatch.setattr(amp, "_warned", False)


# --- autocast -------------------------------------------------------------------------------


def test_autocast_changes_nothing_and_warns_once(fresh_warning):
    model = nn.Linear(3, 2)
    x = sg.randn(4, 3)
    expected = model(x).data.copy()
    with pytest.warns(UserWarning, match="autocast has no effect in scratchgrad") as caught:
        with sg.autocast(device_type="cuda", dtype=sg.float16) as context:
            y = model(x)
    assert caught[0].filename == __file__  # points at the user's line
    assert context.device == "cuda" and context.fast_dtype is np.float16
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time: silent
        with sg.autocast("cpu"), sg.amp.autocast("cuda"), sg.cuda.amp.autocast():
            pass


def test_a_disabled_autocast_is_silent(fresh_warning):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with sg.autocast("cuda", enabled=False):
            pass
    assert amp._warned is False


def test_autocast_as_a_decorator_and_the_older_spellings(fresh_warning):
    with pytest.warns(UserWarning, match="no effect") as caught:

        @sg.cuda.amp.autocast()
        def forward(x):
            """Doubles x."""
            return x * 2

    assert caught[0].filename == __file__
    assert forward.__name__ == "forward" and forward.__doc__ == "Doubles x."
    np.testing.assert_array_equal(forward(sg.ones(2)).data, [2.0, 2.0])
    assert sg.cpu.amp.autocast(enabled=False).device == "cpu"
    assert sg.cuda.amp.autocast(enabled=False).fast_dtype is np.float16
    with pytest.raises(TypeError, match="requires a callable"):
        sg.autocast("cpu", enabled=False)(3)


def test_autocast_checks_its_device_type_as_pytorch():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        sg.autocast(sg.device("cuda"))
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'gpu'"):
        sg.autocast("gpu")
    assert sg.amp.is_autocast_available("cuda") is False


def test_custom_fwd_and_bwd_leave_functions_as_they_are():
    def fwd(ctx, x):
        return x

    assert sg.amp.custom_fwd(fwd, device_type="cuda") is fwd
    assert sg.amp.custom_fwd(device_type="cuda", cast_inputs=sg.float32)(fwd) is fwd
    assert sg.amp.custom_bwd(device_type="cuda")(fwd) is fwd
    assert sg.cuda.amp.custom_fwd(fwd) is fwd and sg.cuda.amp.custom_bwd(fwd) is fwd


def test_the_older_modules_import_by_name_in_a_fresh_process():
    code = (
        "from scratchgrad.cuda.amp import GradScaler, autocast\n"
        "from scratchgrad.cpu.amp import GradScaler as CpuScaler\n"
        "import scratchgrad.cuda.amp as cuda_amp\n"
        "import scratchgrad as torch\n"
        "assert cuda_amp.GradScaler is GradScaler is torch.cuda.amp.GradScaler\n"
        "assert torch.cuda.is_available() in (True, False)\n"
        "assert CpuScaler()._device == 'cpu' and GradScaler()._device == 'cuda'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- GradScaler -----------------------------------------------------------------------------


def _twin_models(seed=0):
    """A scratchgrad and a PyTorch Linear(3, 2) with equal float64 weights, and data."""
    rng = np.random.default_rng(seed)
    weight, bias = rng.normal(size=(2, 3)), rng.normal(size=2)
    ours = nn.Linear(3, 2)
    ours.weight.data[...] = weight
    ours.bias.data[...] = bias
    theirs = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(weight))
        theirs.bias.copy_(torch.tensor(bias))
    return ours, theirs, rng.normal(size=(8, 3)), rng.normal(size=(8, 2))


@pytest.mark.oracle
@pytest.mark.parametrize(
    "options",
    [
        dict(init_scale=2.0**10, growth_interval=2),
        dict(init_scale=1000.0, growth_factor=1.7, backoff_factor=0.3, growth_interval=3),
    ],
)
@pytest.mark.parametrize("clip", [False, True])
def test_grad_scaler_takes_pytorchs_steps(options, clip):
    """Equal weights, SGD with momentum, seven iterations, the third with an inf gradient
    and the fifth with a NaN: the same scales, growth trackers, skipped steps and weights
    as torch.amp.GradScaler("cpu"), with and without unscale_ + clipping."""
    ours, theirs, x, y = _twin_models()
    our_opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    our_scaler = sg.amp.GradScaler("cpu", **options)
    their_scaler = torch.amp.GradScaler("cpu", **options)
    for step in range(7):
        our_opt.zero_grad()
        their_opt.zero_grad()
        our_loss = ((ours(sg.tensor(x)) - sg.tensor(y)) ** 2).mean()
        their_loss = ((theirs(torch.tensor(x)) - torch.tensor(y)) ** 2).mean()
        scaled, their_scaled = our_scaler.scale(our_loss), their_scaler.scale(their_loss)
        assert scaled.item() == our_loss.item() * their_scaler.get_scale()
        np.testing.assert_allclose(scaled.item(), their_scaled.item(), rtol=1e-14)
        scaled.backward()
        their_scaled.backward()
        if step in (2, 4):  # an overflow: the step is skipped and the scale backs off
            bad = math.inf if step == 2 else math.nan
            ours.weight.grad[0, 1] = bad
            theirs.weight.grad[0, 1] = bad
        if clip:
            our_scaler.unscale_(our_opt)
            their_scaler.unscale_(their_opt)
            np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-14)
            if step not in (2, 4):
                nn.utils.clip_grad_norm_(ours.parameters(), 0.5)
                torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        our_result = our_scaler.step(our_opt)
        their_result = their_scaler.step(their_opt)
        assert our_result is None and their_result is None
        our_scaler.update()
        their_scaler.update()
        assert our_scaler.get_scale() == their_scaler.get_scale()
        assert our_scaler._get_growth_tracker() == their_scaler._get_growth_tracker()
        for mine, its in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(mine.data, its.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert our_scaler.state_dict() == their_scaler.state_dict()


@pytest.mark.oracle
def test_the_scale_grows_in_float32_as_pytorchs_and_stops_before_inf():
    ours = sg.amp.GradScaler("cpu", init_scale=3.0e38, growth_interval=1)
    theirs = torch.amp.GradScaler("cpu", init_scale=3.0e38, growth_interval=1)
    w = nn.Parameter(sg.ones(2))
    v = torch.ones(2, dtype=torch.float64, requires_grad=True)
    our_opt, their_opt = optim.SGD([w], lr=0.0), torch.optim.SGD([v], lr=0.0)
    for _ in range(2):
        ours.scale(w.sum() * 1e-40).backward()
        theirs.scale(v.sum() * 1e-40).backward()
        ours.step(our_opt), theirs.step(their_opt)
        ours.update(), theirs.update()
        assert ours.get_scale() == theirs.get_scale()  # float32's max: doubling it is inf
    ours.update(new_scale=5.5)
    theirs.update(new_scale=5.5)
    assert ours.get_scale() == theirs.get_scale() == 5.5


def test_the_scaler_keeps_training_exact_for_float32_models():
    """A power-of-two scale is exact: the scaled, unscaled gradients are the plain ones."""
    sg.manual_seed(0)
    model = nn.Linear(4, 3).to(sg.float32)
    x = sg.randn(5, 4).float()
    model(x).square().sum().backward()
    plain = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    scaler = sg.amp.GradScaler()
    scaler.scale(model(x).square().sum()).backward()
    opt = optim.SGD(model.parameters(), lr=0.0)
    scaler.unscale_(opt)
    for p, g in zip(model.parameters(), plain):
        assert p.grad.dtype == np.float32
        np.testing.assert_array_equal(p.grad, g)


def test_the_scaler_scales_lists_and_refuses_what_pytorch_refuses():
    scaler = sg.amp.GradScaler()
    a, b = sg.tensor(1.0), sg.tensor(2.0)
    assert [t.item() for t in scaler.scale([a, (b,)])[:1]] == [65536.0]
    assert isinstance(scaler.scale((a, b)), tuple)
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        scaler.scale("loss")
    opt = optim.SGD([nn.Parameter(sg.ones(2))], lr=0.1)
    fresh = sg.amp.GradScaler()
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        fresh.step(opt)
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer"):
        scaler.step(opt)  # no parameter has a gradient
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0)
    scaler = sg.amp.GradScaler()
    w = opt.param_groups[0]["params"][0]
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="is being called after step"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
        sg.amp.GradScaler(growth_factor=1.0)
    half = nn.Parameter(sg.ones(2).half())
    scaler.scale(half.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(optim.SGD([half], lr=0.1))


def test_a_disabled_scaler_passes_everything_through():
    scaler = sg.cuda.amp.GradScaler(enabled=False)
    w = nn.Parameter(sg.ones(2))
    opt = optim.SGD([w], lr=0.5)
    loss = w.sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_array_equal(w.data, [0.5, 0.5])
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    assert not scaler.is_enabled()


@pytest.mark.oracle
def test_scaler_state_dicts_travel_both_ways():
    theirs = torch.amp.GradScaler("cpu", init_scale=512.0, growth_interval=7)
    ours = sg.amp.GradScaler()
    ours.load_state_dict(theirs.state_dict())
    assert ours.get_scale() == 512.0 and ours.get_growth_interval() == 7
    back = torch.amp.GradScaler("cpu")
    back.load_state_dict(ours.state_dict())
    assert back.state_dict() == ours.state_dict()
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        ours.load_state_dict({})


def test_values_train_under_the_scaler_too():
    """micrograd-style Value parameters: their float gradients are unscaled as well."""
    w = sg.Value(2.0)
    opt = optim.SGD([w], lr=0.1)
    scaler = sg.amp.GradScaler(init_scale=8.0)
    scaler.scale(w * w).backward()
    assert w.grad == 32.0
    scaler.step(opt)
    assert w.grad == 4.0 and w.data == pytest.approx(1.6)


# --- compile, jit ------------------------------------------------------------------------


def test_compile_returns_what_it_is_given():
    model = nn.Linear(2, 2)
    assert sg.compile(model) is model
    assert sg.compile(model, mode="max-autotune", fullgraph=True, dynamic=False) is model

    @sg.compile
    def f(x):
        return x + 1

    @sg.compile(backend="eager", options={"triton.cudagraphs": False})
    def g(x):
        return x * 2

    assert f(1) == 2 and g(2) == 4 and f.__name__ == "f"
    assert sg.compiler.disable(f) is f and sg.compiler.is_compiling() is False
    with pytest.raises(RuntimeError, match="Either mode or options"):
        sg.compile(model, mode="default", options={})
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        sg.compile(model, mode="fast")
    with pytest.raises(TypeError, match="A callable function is expected"):
        sg.compile(3)


def test_jit_returns_its_input_and_refuses_to_save():
    model = nn.Linear(2, 2)
    assert sg.jit.script(model) is model
    assert sg.jit.trace(model, sg.randn(1, 2)) is model
    assert sg.jit.trace_module(model, {"forward": sg.randn(1, 2)}) is model
    assert sg.jit.freeze(model) is model and sg.jit.optimize_for_inference(model) is model

    def f(x):
        return x

    assert sg.jit.ignore(f) is f and sg.jit.ignore(drop=True)(f) is f
    assert sg.jit.unused(f) is f and sg.jit.export(f) is f
    assert sg.jit.is_scripting() is False and sg.jit.is_tracing() is False
    for call in (lambda: sg.jit.save(model, "m.pt"), lambda: sg.jit.load("m.pt")):
        with pytest.raises(NotImplementedError, match=r"scratchgrad\.save\(model\.state_dict"):
            call()


# --- determinism, print options, finfo / iinfo / dtype -----------------------------------


def test_deterministic_algorithms_are_a_recorded_flag(monkeypatch):
    from scratchgrad import determinism

    monkeypatch.setattr(determinism, "_mode", False)
    monkeypatch.setattr(determinism, "_warn_only", False)
    assert sg.are_deterministic_algorithms_enabled() is False
    sg.use_deterministic_algorithms(True, warn_only=True)
    assert sg.are_deterministic_algorithms_enabled() is True
    assert sg.is_deterministic_algorithms_warn_only_enabled() is True
    assert sg.get_deterministic_debug_mode() == 1
    sg.set_deterministic_debug_mode("error")
    assert sg.get_deterministic_debug_mode() == 2
    sg.set_deterministic_debug_mode(0)
    assert sg.are_deterministic_algorithms_enabled() is False
    with pytest.raises(TypeError, match="expects a bool"):
        sg.use_deterministic_algorithms(1)
    with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
        sg.set_deterministic_debug_mode("loud")


@pytest.fixture
def print_defaults():
    yield
    sg.set_printoptions(profile="default")


def test_print_options_change_tensors_and_leave_numpy_alone(print_defaults):
    numpy_before = np.get_printoptions()
    x = sg.tensor([1.0e-5, 1.23456, 100.0])
    assert repr(x) == "Tensor([1.0000e-05 1.2346e+00 1.0000e+02])"
    sg.set_printoptions(precision=2)
    assert repr(x) == "Tensor([1.00e-05 1.23e+00 1.00e+02])"
    sg.set_printoptions(precision=2, sci_mode=False)
    assert repr(x) == "Tensor([  0.     1.23 100.  ])"
    sg.set_printoptions(sci_mode=True)
    assert repr(sg.tensor([1.0, 2.0])) == "Tensor([1.00e+00 2.00e+00])"
    sg.set_printoptions(profile="short")  # as PyTorch: every call resets sci_mode
    assert repr(sg.arange(10.0)) == "Tensor([0. 1. 2. 3. 4. 5. 6. 7. 8. 9.])"
    sg.set_printoptions(threshold=5)
    assert repr(sg.arange(10.0)) == "Tensor([0. 1. ... 8. 9.])"
    sg.set_printoptions(profile="full", linewidth=30)
    assert "..." not in repr(sg.arange(2000.0))
    assert repr(sg.arange(12.0)).count("\n") == 2
    assert np.get_printoptions() == numpy_before
    assert (
        repr(np.arange(12.0))
        == "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.])"
    )
    sg.set_printoptions(profile="default")
    assert printing.get_printoptions() == printing._START
    with pytest.raises(ValueError, match="Invalid profile"):
        sg.set_printoptions(profile="long")


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_is_pytorchs(name):
    ours, theirs = sg.finfo(getattr(sg, name)), torch.finfo(getattr(torch, name))
    for attribute in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
        assert type(getattr(ours, attribute)) is type(getattr(theirs, attribute))
    assert ours.dtype == theirs.dtype == name and repr(ours) == repr(theirs)
    assert sg.finfo(sg.zeros(1, dtype=getattr(sg, name)).dtype) == ours


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_is_pytorchs(name):
    ours, theirs = sg.iinfo(getattr(sg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)
    assert ours.dtype == theirs.dtype == name and repr(ours) == repr(theirs)


def test_finfo_iinfo_refuse_the_other_kind_and_default_to_the_default_dtype():
    assert sg.finfo().dtype == sg.get_default_dtype().name
    with pytest.raises(TypeError, match="requires a floating point input type"):
        sg.finfo(sg.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        sg.iinfo(sg.float32)
    with pytest.raises(TypeError, match="bool is not supported"):
        sg.iinfo(sg.bool)


def test_dtype_is_the_type_of_scratchgrads_dtypes():
    for d in (sg.float32, sg.float16, sg.double, sg.long, sg.bool, sg.ones(2).dtype):
        assert isinstance(d, sg.dtype), d
    for other in (3, "float32", float, sg.ones(2)):
        assert not isinstance(other, sg.dtype), other
    with pytest.raises(TypeError, match="cannot create 'scratchgrad.dtype' instances"):
        sg.dtype()
