"""A torchvision-style ResNet (resnet.py's `conv3x3`, `conv1x1`, `BasicBlock`, `ResNet`
with `_make_layer`, the kaiming/constant init loop over `self.modules()` and
`zero_init_residual`, copied the way projects copy it) runs on scratchgrad with only its
import lines changed and gives PyTorch's numbers, in float64: the train-mode output, the
CrossEntropyLoss, every parameter's gradient, the parameters after one
SGD(lr=0.1, momentum=0.9, weight_decay=5e-4) step, the batch-norm running stats and
num_batches_tracked, the eval-mode output, the state_dict keys and the printed model.

The model is narrowed (planes 8/16/32/64, one block a stage) on a batch of four 32x32
images so that it runs in a couple of seconds. The frameworks' random number generators
differ, so scratchgrad's initial weights are copied into PyTorch's model; the init itself
is checked on scratchgrad against its statistics (kaiming fan_out std, zeroed last BN)."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn
import scratchgrad.optim

torch = oracle("torch")
TOL = dict(rtol=1e-9, atol=1e-11)
WIDTH, CLASSES, SHAPE = 8, 10, (4, 3, 32, 32)


def resnet(torch, nn):
    """torchvision's resnet.py (BasicBlock only) written against `torch` and `nn`."""

    def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
        """3x3 convolution with padding"""
        return nn.Conv2d(
            in_planes,
            out_planes,
            kernel_size=3,
            stride=stride,
            padding=dilation,
            groups=groups,
            bias=False,
            dilation=dilation,
        )

    def conv1x1(in_planes, out_planes, stride=1):
        """1x1 convolution"""
        return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=None):
            super().__init__()
            if norm_layer is None:
                norm_layer = nn.BatchNorm2d
            self.conv1 = conv3x3(inplanes, planes, stride)
            self.bn1 = norm_layer(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = conv3x3(planes, planes)
            self.bn2 = norm_layer(planes)
            self.downsample = downsample
            self.stride = stride

        def forward(self, x):
            identity = x
            out = self.conv1(x)
            out = self.bn1(out)
            out = self.relu(out)
            out = self.conv2(out)
            out = self.bn2(out)
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            out = self.relu(out)
            return out

    class ResNet(nn.Module):
        def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, width=64):
            super().__init__()
            self._norm_layer = nn.BatchNorm2d
            self.inplanes = width
            self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = self._norm_layer(self.inplanes)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, width, layers[0])
            self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
            self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
            self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(width * 8 * block.expansion, num_classes)

            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
            if zero_init_residual:
                for m in self.modules():
                    if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                        nn.init.constant_(m.bn2.weight, 0)

        def _make_layer(self, block, planes, blocks, stride=1):
            norm_layer = self._norm_layer
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    conv1x1(self.inplanes, planes * block.expansion, stride),
                    norm_layer(planes * block.expansion),
                )
            layers = []
            layers.append(block(self.inplanes, planes, stride, downsample, norm_layer))
            self.inplanes = planes * block.expansion
            for _ in range(1, blocks):
                layers.append(block(self.inplanes, planes, norm_layer=norm_layer))
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.conv1(x)
            x = self.bn1(x)
            x = self.relu(x)
            x = self.maxpool(x)
            x = self.layer1(x)
            x = self.layer2(x)
            x = self.layer3(x)
            x = self.layer4(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            x = self.fc(x)
            return x

    return ResNet, BasicBlock


def _models(**kwargs):
    """Ours and PyTorch's ResNet in float64, PyTorch's holding our initial weights."""
    scratchgrad.manual_seed(0)
    models = []
    for lib in (scratchgrad, torch):
        ResNet, BasicBlock = resnet(lib, lib.nn)
        models.append(ResNet(BasicBlock, [1, 1, 1, 1], num_classes=CLASSES, width=WIDTH, **kwargs))
    ours, theirs = models
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _repr(text):
    """Our printed model without the parameter-count comments PyTorch does not print."""
    lines = [line.split("  #")[0] for line in text.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("Total parameters"))


@pytest.mark.oracle
def test_training_step_and_eval_give_pytorchs_numbers():
    ours, theirs = _models()
    rng = np.random.default_rng(0)
    images, labels = rng.normal(size=SHAPE), rng.integers(0, CLASSES, size=SHAPE[0])
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        nn, optim = lib.nn, lib.optim
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        model.train()
        optimizer.zero_grad()
        output = model(lib.tensor(images))
        loss = criterion(output, lib.tensor(labels))
        loss.backward()
        grads = {n: p.grad.numpy() for n, p in model.named_parameters()}
        optimizer.step()
        model.eval()
        with lib.no_grad():
            evaluated = model(lib.tensor(images))
        results.append((output.detach().numpy(), loss.item(), grads, evaluated.numpy()))
    (our_out, our_loss, our_grads, our_eval), (their_out, their_loss, their_grads, their_eval) = (
        results
    )
    assert our_out.dtype == np.float64 and our_out.shape == (SHAPE[0], CLASSES)
    np.testing.assert_allclose(our_out, their_out, **TOL)
    np.testing.assert_allclose(our_loss, their_loss, **TOL)
    assert list(our_grads) == list(their_grads) and len(our_grads) == 38
    for name, grad in our_grads.items():
        np.testing.assert_allclose(grad, their_grads[name], **TOL, err_msg=name)
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    assert "layer2.0.downsample.1.running_var" in our_state
    for name, value in our_state.items():  # parameters after the step, running stats
        np.testing.assert_allclose(value, their_state[name].numpy(), **TOL, err_msg=name)
        if name.endswith("num_batches_tracked"):
            assert int(value) == 1, name
    np.testing.assert_allclose(our_eval, their_eval, **TOL)
    assert np.abs(our_eval - our_out).max() > 1e-3  # running stats and a stepped model


@pytest.mark.oracle
def test_model_prints_as_pytorchs(capsys):
    ours, theirs = _models()
    print(ours)
    printed = capsys.readouterr().out
    assert _repr(printed).strip() == repr(theirs), printed


def test_init_is_kaiming_fan_out_and_zero_init_residual_zeroes_last_bn():
    scratchgrad.manual_seed(0)
    ResNet, BasicBlock = resnet(scratchgrad, scratchgrad.nn)
    model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=CLASSES, width=64)
    for name, value in model.state_dict().items():
        if value.ndim == 4:  # conv weight: std sqrt(2 / fan_out), fan_out = out * k * k
            out, _, kh, kw = value.shape
            expected = np.sqrt(2 / (out * kh * kw))
            assert abs(value.std() / expected - 1) < 0.05, name
            assert abs(value.mean()) < expected / 10, name
        elif name.endswith(("weight", "bias")) and not name.startswith("fc."):  # norms
            assert np.all(value == (1 if name.endswith("weight") else 0)), name
    zeroed = ResNet(
        BasicBlock, [2, 2, 2, 2], num_classes=CLASSES, width=WIDTH, zero_init_residual=True
    )
    state = zeroed.state_dict()
    last_bn = [k for k in state if k.endswith("bn2.weight")]
    assert len(last_bn) == 8 and all(np.all(state[k] == 0) for k in last_bn)
    assert all(np.all(state[k] == 1) for k in state if k.endswith("bn1.weight"))
    assert np.all(state["layer2.0.downsample.1.weight"] == 1)
