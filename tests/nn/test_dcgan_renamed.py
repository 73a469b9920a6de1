"""PyTorch's DCGAN tutorial (pytorch.org, "DCGAN Tutorial") runs on scratchgrad with its
import lines changed and gives PyTorch's numbers: the
Generator and Discriminator, `weights_init` through `netG.apply`, BCELoss,
Adam(lr=0.0002, betas=(0.5, 0.999)) and two iterations of the training loop body, at a
small scale (64x64 images, nz=8, ngf=ndf=4, nc=1, batch 4). Losses, D(x), D(G(z)), every
parameter and the batch-norm running stats match PyTorch's, in float32 (the tutorial's
own `dtype=torch.float` labels) and in float64 (labels made float64 too, as PyTorch's
BCELoss refuses a float32 target against a float64 output).

The frameworks' random number generators differ, so the harness copies scratchgrad's
initial weights into PyTorch's models and feeds both the same numpy images and noise.
The tutorial's in-place activations (`nn.ReLU(True)`, `nn.LeakyReLU(0.2, inplace=True)`)
run on both: inside a graph scratchgrad returns the activation as a new node, which is
all a Sequential passes on."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn
import scratchgrad.optim

torch = oracle("torch")
NZ, NGF, NDF, NC, BATCH, ITERS = 8, 4, 4, 1, 4, 2
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def dcgan(torch, nn):
    """The tutorial's models and weights_init, written against `torch` and `nn`."""
    nz, ngf, ndf, nc = NZ, NGF, NDF, NC

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self, ngpu):
            super(Generator, self).__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 8),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self, ngpu):
            super(Discriminator, self).__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 4),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 8),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, input):
            return self.main(input)

    return Generator, Discriminator, weights_init


def train(torch, nn, optim, netG, netD, dataloader, noises, label_dtype):
    """The tutorial's loop body; `noises` stand in for `torch.randn(b_size, nz, 1, 1)`."""
    criterion = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    stats = []
    for i, data in enumerate(dataloader, 0):
        netD.zero_grad()
        real_cpu = torch.tensor(data[0])
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=label_dtype)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.tensor(noises[i])
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        stats.append([errD_real.item(), errD_fake.item(), errD.item(), errG.item(), D_x])
        stats[-1] += [D_G_z1, D_G_z2]
    return np.array(stats)


def _repr(text):
    """Our printed model without the parameter-count comments PyTorch does not print."""
    lines = [line.split("  # ")[0] for line in text.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("Total parameters"))


@pytest.fixture
def precision(request):
    """Both libraries' default dtype set to request.param, restored afterwards."""
    ours, theirs = scratchgrad.get_default_dtype(), torch.get_default_dtype()
    scratchgrad.set_default_dtype(np.dtype(request.param))
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    scratchgrad.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("precision", ["float32", "float64"], indirect=True)
def test_two_training_iterations_give_pytorchs_numbers(precision):
    scratchgrad.manual_seed(999)
    nets = []
    for lib in (scratchgrad, torch):
        Generator, Discriminator, weights_init = dcgan(lib, lib.nn)
        netG, netD = Generator(0), Discriminator(0)
        netG.apply(weights_init)
        netD.apply(weights_init)
        nets.append((netG, netD))
    (ourG, ourD), (theirG, theirD) = nets
    start = ourG.state_dict()["main.0.weight"].copy()
    for source, copy in ((ourG, theirG), (ourD, theirD)):  # the same start on both sides
        copy.load_state_dict({k: torch.tensor(v) for k, v in source.state_dict().items()})
    data = np.random.default_rng(0)
    real = data.uniform(-1, 1, (ITERS, BATCH, NC, 64, 64)).astype(precision)
    noises = data.normal(size=(ITERS, BATCH, NZ, 1, 1)).astype(precision)
    loader = [(batch, np.zeros(BATCH)) for batch in real]
    # the tutorial's labels are dtype=torch.float; in float64 they must be float64 for torch
    label = "float" if precision == "float32" else "float64"
    ours, theirs = (
        train(lib, lib.nn, lib.optim, netG, netD, loader, noises, getattr(lib, label))
        for lib, (netG, netD) in ((scratchgrad, (ourG, ourD)), (torch, (theirG, theirD)))
    )
    tol = TOL[precision]
    np.testing.assert_allclose(ours, theirs, **tol)
    assert 0 < ours[:, 4:].min() and ours[:, 4:].max() < 1  # D(x), D(G(z)) are probabilities
    for our_net, their_net in ((ourG, theirG), (ourD, theirD)):
        our_state, their_state = our_net.state_dict(), their_net.state_dict()
        assert list(our_state) == list(their_state)
        for name, value in our_state.items():
            assert np.asarray(value).dtype == np.dtype(precision) or "num_batches" in name
            np.testing.assert_allclose(value, their_state[name].numpy(), **tol, err_msg=name)
    assert np.abs(ourG.state_dict()["main.0.weight"] - start).max() > 1e-4  # Adam stepped
    # D ran three times an iteration (real, fake.detach(), fake), G once
    assert int(ourD.state_dict()["main.3.num_batches_tracked"]) == 3 * ITERS
    assert int(ourG.state_dict()["main.1.num_batches_tracked"]) == ITERS


@pytest.mark.oracle
def test_models_print_as_pytorchs(capsys):
    ours, theirs = (dcgan(lib, lib.nn)[:2] for lib in (scratchgrad, torch))
    for our_class, their_class in zip(ours, theirs):
        print(our_class(0))
        printed = capsys.readouterr().out
        assert _repr(printed) == repr(their_class(0)), printed


def test_weights_init_draws_pytorchs_statistics():
    scratchgrad.manual_seed(999)
    Generator, Discriminator, weights_init = dcgan(scratchgrad, scratchgrad.nn)
    for net in (Generator(0), Discriminator(0)):
        net.apply(weights_init)
        state = net.state_dict()
        convs = np.concatenate(
            [v.ravel() for k, v in state.items() if k.endswith("weight") and v.ndim == 4]
        )
        assert len(convs) > 2000
        assert abs(convs.mean()) < 0.001 and abs(convs.std() - 0.02) < 0.001
        for name, value in state.items():
            if value.ndim == 1 and name.endswith("weight"):  # batch-norm scale ~ N(1, 0.02)
                assert abs(value.mean() - 1) < 0.03 and 0 < value.std() < 0.05, name
                assert np.all(state[name[: -len("weight")] + "bias"] == 0), name
