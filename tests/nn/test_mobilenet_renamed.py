"""A torchvision-style MobileNetV2 (mobilenetv2.py's `_make_divisible`,
`Conv2dNormActivation`, `InvertedResidual` and `MobileNetV2` with its init loop over
`self.modules()`, copied the way projects copy it) runs on scratchgrad with only its
import lines changed and gives PyTorch's numbers, in float64: the train-mode output, the
CrossEntropyLoss, every parameter's gradient, the parameters after two
SGD(lr=0.05, momentum=0.9, weight_decay=4e-5) steps, the batch-norm running stats and
num_batches_tracked, the eval-mode output, the state_dict keys and the printed model; in
float32 its loss and gradients agree with PyTorch's float32 to a loose tolerance.

The model is narrowed (width_mult 0.25, round_nearest 4, three stages) on a batch of four
32x32 images so that it runs in a few seconds; it still has an expansion-1 block, a
stride-1 block that changes width, stride-2 depthwise convolutions and stride-1 ones with
the residual. The frameworks' random number generators differ, so scratchgrad's initial
weights are copied into PyTorch's model and dropout is 0; the init itself is checked on
scratchgrad against its statistics (kaiming fan_out std, Linear std 0.01, BN ones/zeros)."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn
import scratchgrad.optim

torch = oracle("torch")
TOL = dict(rtol=1e-9, atol=1e-11)
CLASSES, SHAPE = 10, (4, 3, 32, 32)
SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2]]  # t, c, n, s
SMALL = dict(
    num_classes=CLASSES,
    width_mult=0.25,
    inverted_residual_setting=SETTING,
    round_nearest=4,
    dropout=0.0,
)


def mobilenet_v2(torch, nn):
    """torchvision's mobilenetv2.py (and ops.misc's Conv2dNormActivation) written against
    `torch` and `nn`."""

    def _make_divisible(v, divisor, min_value=None):
        """Round `v` to a multiple of `divisor`, going down by no more than 10%."""
        if min_value is None:
            min_value = divisor
        new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
        # Make sure that round down does not go down by more than 10%.
        if new_v < 0.9 * v:
            new_v += divisor
        return new_v

    class Conv2dNormActivation(nn.Sequential):
        def __init__(
            self,
            in_channels,
            out_channels,
            kernel_size=3,
            stride=1,
            padding=None,
            groups=1,
            norm_layer=nn.BatchNorm2d,
            activation_layer=nn.ReLU,
            dilation=1,
            inplace=True,
            bias=None,
        ):
            if padding is None:
                padding = (kernel_size - 1) // 2 * dilation
            if bias is None:
                bias = norm_layer is None
            layers = [
                nn.Conv2d(
                    in_channels,
                    out_channels,
                    kernel_size,
                    stride,
                    padding,
                    dilation=dilation,
                    groups=groups,
                    bias=bias,
                )
            ]
            if norm_layer is not None:
                layers.append(norm_layer(out_channels))
            if activation_layer is not None:
                params = {} if inplace is None else {"inplace": inplace}
                layers.append(activation_layer(**params))
            super().__init__(*layers)
            self.out_channels = out_channels

    class InvertedResidual(nn.Module):
        def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
            super().__init__()
            self.stride = stride
            if stride not in [1, 2]:
                raise ValueError(f"stride should be 1 or 2 instead of {stride}")
            if norm_layer is None:
                norm_layer = nn.BatchNorm2d

            hidden_dim = int(round(inp * expand_ratio))
            self.use_res_connect = self.stride == 1 and inp == oup

            layers = []
            if expand_ratio != 1:
                # pw
                layers.append(
                    Conv2dNormActivation(
                        inp,
                        hidden_dim,
                        kernel_size=1,
                        norm_layer=norm_layer,
                        activation_layer=nn.ReLU6,
                    )
                )
            layers.extend(
                [
                    # dw
                    Conv2dNormActivation(
                        hidden_dim,
                        hidden_dim,
                        stride=stride,
                        groups=hidden_dim,
                        norm_layer=norm_layer,
                        activation_layer=nn.ReLU6,
                    ),
                    # pw-linear
                    nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
                    norm_layer(oup),
                ]
            )
            self.conv = nn.Sequential(*layers)
            self.out_channels = oup
            self._is_cn = stride > 1

        def forward(self, x):
            if self.use_res_connect:
                return x + self.conv(x)
            else:
                return self.conv(x)

    class MobileNetV2(nn.Module):
        def __init__(
            self,
            num_classes=1000,
            width_mult=1.0,
            inverted_residual_setting=None,
            round_nearest=8,
            block=None,
            norm_layer=None,
            dropout=0.2,
        ):
            super().__init__()

            if block is None:
                block = InvertedResidual

            if norm_layer is None:
                norm_layer = nn.BatchNorm2d

            input_channel = 32
            last_channel = 1280

            if inverted_residual_setting is None:
                inverted_residual_setting = [
                    # t, c, n, s
                    [1, 16, 1, 1],
                    [6, 24, 2, 2],
                    [6, 32, 3, 2],
                    [6, 64, 4, 2],
                    [6, 96, 3, 1],
                    [6, 160, 3, 2],
                    [6, 320, 1, 1],
                ]

            # only check the first element, assuming user knows t,c,n,s are required
            if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
                raise ValueError(
                    "inverted_residual_setting should be non-empty or a 4-element list, "
                    f"got {inverted_residual_setting}"
                )

            # building first layer
            input_channel = _make_divisible(input_channel * width_mult, round_nearest)
            self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
            features = [
                Conv2dNormActivation(
                    3, input_channel, stride=2, norm_layer=norm_layer, activation_layer=nn.ReLU6
                )
            ]
            # building inverted residual blocks
            for t, c, n, s in inverted_residual_setting:
                output_channel = _make_divisible(c * width_mult, round_nearest)
                for i in range(n):
                    stride = s if i == 0 else 1
                    features.append(
                        block(
                            input_channel,
                            output_channel,
                            stride,
                            expand_ratio=t,
                            norm_layer=norm_layer,
                        )
                    )
                    input_channel = output_channel
            # building last several layers
            features.append(
                Conv2dNormActivation(
                    input_channel,
                    self.last_channel,
                    kernel_size=1,
                    norm_layer=norm_layer,
                    activation_layer=nn.ReLU6,
                )
            )
            # make it nn.Sequential
            self.features = nn.Sequential(*features)

            # building classifier
            self.classifier = nn.Sequential(
                nn.Dropout(p=dropout),
                nn.Linear(self.last_channel, num_classes),
            )

            # weight initialization
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out")
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.zeros_(m.bias)

        def _forward_impl(self, x):
            # This exists since TorchScript doesn't support inheritance, so the superclass
            # method (this one) needs to have a name other than `forward` that can be
            # accessed in a subclass
            x = self.features(x)
            # Cannot use "squeeze" as batch-size can be 1
            x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
            x = torch.flatten(x, 1)
            x = self.classifier(x)
            return x

        def forward(self, x):
            return self._forward_impl(x)

    return MobileNetV2, InvertedResidual, _make_divisible


def _models(**kwargs):
    """Ours and PyTorch's MobileNetV2 in float64, PyTorch's holding our initial weights."""
    scratchgrad.manual_seed(0)
    models = []
    for lib in (scratchgrad, torch):
        MobileNetV2, _, _ = mobilenet_v2(lib, lib.nn)
        models.append(MobileNetV2(**{**SMALL, **kwargs}))
    ours, theirs = models
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _repr(text):
    """Our printed model without the parameter-count comments PyTorch does not print."""
    lines = [line.split("  #")[0] for line in text.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("Total parameters"))


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    images = rng.normal(size=SHAPE).astype(dtype)
    return images, rng.integers(0, CLASSES, size=SHAPE[0])


def test_small_model_has_every_kind_of_block():
    MobileNetV2, InvertedResidual, _make_divisible = mobilenet_v2(scratchgrad, scratchgrad.nn)
    assert [_make_divisible(v, 8) for v in (4, 6, 8, 12, 1280)] == [8, 8, 8, 16, 1280]
    assert [_make_divisible(v, 4) for v in (4, 6, 8)] == [4, 8, 8]
    scratchgrad.manual_seed(0)
    model = MobileNetV2(**SMALL)
    blocks = [m for m in model.features if isinstance(m, InvertedResidual)]
    shapes = [(b.conv[-2].in_channels, b.out_channels, b.stride) for b in blocks]
    assert shapes == [(8, 4, 1), (24, 8, 2), (48, 8, 1), (48, 8, 2), (48, 8, 1)]
    assert [b.use_res_connect for b in blocks] == [False, False, True, False, True]
    assert len(blocks[0].conv) == 3  # expansion 1: no pointwise expansion
    depthwise = [b.conv[-3][0] for b in blocks]
    assert [(c.groups, c.stride) for c in depthwise] == [
        (8, (1, 1)),
        (24, (2, 2)),
        (48, (1, 1)),
        (48, (2, 2)),
        (48, (1, 1)),
    ]
    assert model.last_channel == 1280 and model.features[0].out_channels == 8


@pytest.mark.oracle
def test_training_steps_and_eval_give_pytorchs_numbers():
    ours, theirs = _models()
    images, labels = _data()
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        nn, optim = lib.nn, lib.optim
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=4e-5)
        model.train()
        steps = []
        for _ in range(2):
            optimizer.zero_grad()
            output = model(lib.tensor(images))
            loss = criterion(output, lib.tensor(labels))
            loss.backward()
            grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
            optimizer.step()
            steps.append((output.detach().numpy(), loss.item(), grads))
        model.eval()
        with lib.no_grad():
            evaluated = model(lib.tensor(images))
        results.append((steps, evaluated.numpy()))
    (our_steps, our_eval), (their_steps, their_eval) = results
    for step, (ours_, theirs_) in enumerate(zip(our_steps, their_steps, strict=True)):
        (our_out, our_loss, our_grads), (their_out, their_loss, their_grads) = ours_, theirs_
        assert our_out.dtype == np.float64 and our_out.shape == (SHAPE[0], CLASSES)
        np.testing.assert_allclose(our_out, their_out, **TOL, err_msg=f"step {step}")
        np.testing.assert_allclose(our_loss, their_loss, **TOL, err_msg=f"step {step}")
        assert list(our_grads) == list(their_grads) and len(our_grads) == 50
        for name, grad in our_grads.items():
            assert grad.dtype == np.float64, name
            np.testing.assert_allclose(grad, their_grads[name], **TOL, err_msg=f"{step} {name}")
    assert our_steps[0][1] != our_steps[1][1]  # the first step moved the model
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    assert "features.3.conv.1.0.weight" in our_state  # a depthwise conv
    assert "features.2.conv.3.running_var" in our_state
    for name, value in our_state.items():  # parameters after two steps, running stats
        np.testing.assert_allclose(value, their_state[name].numpy(), **TOL, err_msg=name)
        if name.endswith("num_batches_tracked"):
            assert int(value) == 2, name
    np.testing.assert_allclose(our_eval, their_eval, **TOL)
    assert np.abs(our_eval - our_steps[1][0]).max() > 1e-4  # running stats, stepped model


@pytest.mark.oracle
def test_model_prints_as_pytorchs(capsys):
    ours, theirs = _models()
    print(ours)
    printed = capsys.readouterr().out
    assert _repr(printed).strip() == repr(theirs), printed
    assert "Conv2dNormActivation(" in printed and "ReLU6(inplace=True)" in printed


@pytest.mark.oracle
def test_float32_loss_and_gradients_agree_with_pytorchs_float32():
    ours, theirs = _models()
    ours.float()
    theirs.float()
    images, labels = _data(np.float32)
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        model.train()
        output = model(lib.tensor(images))
        loss = lib.nn.functional.cross_entropy(output, lib.tensor(labels))
        loss.backward()
        grads = {n: p.grad.numpy() for n, p in model.named_parameters()}
        results.append((output.detach().numpy(), loss.detach().numpy(), grads))
    (our_out, our_loss, our_grads), (their_out, their_loss, their_grads) = results
    assert our_out.dtype == np.float32 and our_loss.dtype == np.float32
    np.testing.assert_allclose(our_out, their_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-4, atol=1e-5)
    assert list(our_grads) == list(their_grads)
    for name, grad in our_grads.items():
        assert grad.dtype == np.float32, name
        np.testing.assert_allclose(grad, their_grads[name], rtol=1e-4, atol=1e-5, err_msg=name)


def test_init_is_kaiming_fan_out_normal_linear_and_unit_batch_norm():
    scratchgrad.manual_seed(0)
    MobileNetV2, _, _ = mobilenet_v2(scratchgrad, scratchgrad.nn)
    model = MobileNetV2()  # full width: enough weights for the statistics
    state = model.state_dict()
    depthwise, dense = [], []
    for name, value in state.items():
        if value.ndim == 4:  # conv weight: std sqrt(2 / fan_out), fan_out = out * k * k
            out, _, kh, kw = value.shape
            expected = np.sqrt(2 / (out * kh * kw))
            (depthwise if value.shape[1] == 1 and kh == 3 else dense).append(
                value.ravel() / expected
            )
            if value.size >= 10_000:
                assert abs(value.std() / expected - 1) < 0.05, name
                assert abs(value.mean()) < expected / 10, name
        elif name.startswith("classifier."):
            if name.endswith("weight"):
                assert value.shape == (1000, 1280)
                assert abs(value.std() / 0.01 - 1) < 0.01 and abs(value.mean()) < 1e-4
            else:
                assert np.all(value == 0), name
        elif name.endswith(("weight", "bias")):  # batch norms
            assert np.all(value == (1 if name.endswith("weight") else 0)), name
        elif name.endswith(("running_mean", "running_var")):
            assert np.all(value == (1 if name.endswith("var") else 0)), name
    # depthwise weights (hidden, 1, 3, 3) use fan_out = hidden * 9, as PyTorch does
    assert len(depthwise) == 17 and len(dense) == 35
    for group in (depthwise, dense):
        standardized = np.concatenate(group)
        assert abs(standardized.std() - 1) < 0.02 and abs(standardized.mean()) < 0.02
    convs = [name for name, value in state.items() if value.ndim == 4]
    assert not any(name[: -len("weight")] + "bias" in state for name in convs)  # bias=False
