"""Smooth L1, Huber and KL losses, F.pad / normalize / cosine_similarity /
pairwise_distance, Unflatten, ParameterList / ParameterDict and the parameter vector,
against PyTorch in float64 (values and every input's gradient), and central differences."""

import warnings

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradcheck
from scratchgrad.nn.utils import parameters_to_vector, vector_to_parameters

torch = oracle("torch")
RNG = np.random.default_rng(1)
X, Y = RNG.normal(size=(4, 5)), RNG.normal(size=(4, 5))
Y[0, :2] = X[0, :2] + np.array([1.0, -1.0])  # errors exactly at the corner beta = delta = 1
LOGP, P = np.log(np.abs(RNG.normal(size=(3, 4))) + 0.1), np.abs(RNG.normal(size=(3, 4)))
IMAGES = RNG.normal(size=(2, 3, 4, 5))

CASES = {
    **{
        f"smooth_l1 {r} beta {b}": (
            lambda f, a, c, r=r, b=b: f.smooth_l1_loss(a, c, reduction=r, beta=b),
            (X, Y),
        )
        for r in ("mean", "sum", "none")
        for b in (1.0, 0.7, 0.0)
    },
    **{
        f"huber {r} delta {d}": (
            lambda f, a, c, r=r, d=d: f.huber_loss(a, c, reduction=r, delta=d),
            (X, Y),
        )
        for r in ("mean", "sum", "none")
        for d in (1.0, 0.5)
    },
    **{
        f"kl_div {r} log_target {lt}": (
            lambda f, a, c, r=r, lt=lt: f.kl_div(a, c, reduction=r, log_target=lt),
            (LOGP, np.log(P) if lt else P),
        )
        for r in ("batchmean", "sum", "none", "mean")
        for lt in (False, True)
    },
    **{
        f"pad {p} {m}": (lambda f, a, p=p, m=m: f.pad(a, p, mode=m), (IMAGES,))
        for p in [(1, 2, 0, 3), (2, 1, 1, 2), (-1, 2, 2, -1)]  # negative: crop, then pad
        for m in ("reflect", "replicate", "circular")
    },
    **{
        f"pad {p} constant": (lambda f, a, p=p: f.pad(a, p, value=0.5), (IMAGES,))
        for p in [(1, 1), (1, 2, 0, 3), (-1, 2), (1, -2, -1, 0), (3, 3, 1, 1, 1, 0)]
    },
    **{
        f"normalize p {p} dim {d}": (lambda f, a, p=p, d=d: f.normalize(a, p=p, dim=d), (IMAGES,))
        for p in (2.0, 1.0)
        for d in (0, 1, -1)
    },
    "normalize a zero row": (lambda f, a: f.normalize(a), (np.vstack([np.zeros(4), X[0, :4]]),)),
    "cosine_similarity": (
        lambda f, a, c: f.cosine_similarity(a, c, dim=1),
        (IMAGES, IMAGES[::-1].copy()),
    ),
    "cosine_similarity broadcast": (
        lambda f, a, c: f.cosine_similarity(a, c),
        (X[:, :3], X[:1, 2:]),
    ),
    "pairwise_distance": (lambda f, a, c: f.pairwise_distance(a, c), (X, Y)),
    "pairwise_distance p1 keepdim": (
        lambda f, a, c: f.pairwise_distance(a, c, 1.0, keepdim=True),
        (X, Y),
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, arrays = CASES[case]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's "mean", both sides
        out, their_out = make(F, *ours), make(torch.nn.functional, *theirs)
    weights = RNG.normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize(
    "case",
    [
        "smooth_l1 sum beta 0.7",
        "huber none delta 0.5",
        "kl_div batchmean log_target False",
        "pad (2, 1, 1, 2) reflect",
        "normalize p 2.0 dim 1",
        "cosine_similarity",
    ],
)
def test_gradients_pass_central_differences(case):
    make, arrays = CASES[case]
    gradcheck(
        lambda *ts: (make(F, *ts) * 1.5).sum(), [Tensor(a, requires_grad=True) for a in arrays]
    )


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="reflect padding of 5 needs an axis longer"):
        F.pad(Tensor(X), (5, 0), mode="reflect")
    with pytest.raises(ValueError, match="pairs"):
        F.pad(Tensor(X), (1, 2, 3))
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(Tensor(X), (1, 1), mode="edge")
    with pytest.raises(ValueError, match="input has shape"):
        F.huber_loss(Tensor(X), Y[:, :1])
    with pytest.raises(ValueError, match="delta must be > 0"):
        F.huber_loss(Tensor(X), Y, delta=0)


@pytest.mark.oracle
def test_loss_and_layer_modules_match_pytorchs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, options, arrays in [
            ("SmoothL1Loss", {"beta": 0.5}, (X, Y)),
            ("HuberLoss", {"delta": 2.0, "reduction": "sum"}, (X, Y)),
            ("KLDivLoss", {"reduction": "batchmean"}, (LOGP, P)),
            ("CosineSimilarity", {"dim": 0}, (X, Y)),
            ("PairwiseDistance", {"p": 3.0}, (X, Y)),
        ]:
            ours, theirs = getattr(nn, name)(**options), getattr(torch.nn, name)(**options)
            out = ours(*[Tensor(a) for a in arrays])
            their_out = theirs(*[torch.tensor(a) for a in arrays])
            np.testing.assert_allclose(out.data, their_out.numpy(), rtol=1e-12, err_msg=name)
    ours, theirs = nn.Unflatten(1, (2, 5)), torch.nn.Unflatten(1, (2, 5))
    assert repr(ours) == repr(theirs) and ours(Tensor(RNG.normal(size=(3, 10)))).shape == (3, 2, 5)


@pytest.mark.oracle
def test_parameter_list_and_dict_register_as_pytorchs():
    def build(lib, base):
        class Model(lib.Module):
            def __init__(self):
                super().__init__()
                self.ws = lib.ParameterList(
                    [lib.Parameter(base.ones(2)), lib.Parameter(base.zeros(3))]
                )
                self.heads = lib.ParameterDict({"a": lib.Parameter(base.ones(1))})
                self.ws.append(base.ones(4))  # a plain tensor becomes a Parameter

        return Model()

    ours, theirs = build(nn, __import__("scratchgrad")), build(torch.nn, torch)
    assert (
        list(ours.state_dict()) == list(theirs.state_dict()) == ["ws.0", "ws.1", "ws.2", "heads.a"]
    )
    assert len(ours.parameters()) == len(list(theirs.parameters())) == 4
    assert isinstance(ours.ws[2], nn.Parameter) and len(ours.ws) == 3
    vector = parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(
        vector.data, parameters_to_vector(theirs.parameters()).detach().numpy()
    )
    vector_to_parameters(vector * 2, ours.parameters())
    np.testing.assert_array_equal(ours.ws[0].data, [2.0, 2.0])
    with pytest.raises(ValueError, match="the vector has 3 numbers, the parameters 10"):
        vector_to_parameters(Tensor(np.ones(3)), ours.parameters())
