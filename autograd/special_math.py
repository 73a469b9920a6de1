"""lgamma, digamma, polygamma and erfinv for arrays: numpy has none of them. The textbook
methods below, written in the array's own namespace (numpy or CuPy) and computed in
float64: accurate to about 1e-14, relative (lgamma on [1/2, 7/2], where its zeros 1
and 2 are, to 1e-15), absolute near digamma's zero and lgamma's negative zeros (the
tests compare with Python's `math`, closed forms, mpmath and PyTorch).
SciPy's versions are not used even where installed: at the poles and infinities they
differ from PyTorch's (gammaln(-inf) = -inf, PyTorch's lgamma gives inf), and CI,
which has no SciPy, would test another function than a user with SciPy runs.

    shift:       Γ(x + 1) = x Γ(x), so lgamma(x) = lgamma(x + m) - Σ_{i<m} log(x + i),
                 digamma(x) = digamma(x + m) - Σ 1/(x + i),
                 polygamma(n, x) = polygamma(n, x + m) + (-1)^(n+1) n! Σ 1/(x + i)^(n+1),
                 until x + m >= 15 (more for a high n), where the series converges fast
    Taylor:      lgamma(2 + z) = (1 - γ) z + Σ_k (-1)^k (ζ(k) - 1) / k z^k,  |z| <= 1/2
    Stirling:    lgamma(z) = (z - 1/2) log z - z + log(2π)/2 + Σ_k B_2k / (2k (2k-1) z^(2k-1))
                 digamma(z) = log z - 1/(2z) - Σ_k B_2k / (2k z^2k)
                 polygamma(n, z) = (-1)^(n+1) n! ζ(n+1, z), Hurwitz's ζ by Euler-Maclaurin
    reflection:  lgamma(x) = log(π / |sin πx|) - lgamma(1 - x),
                 digamma(x) = digamma(1 - x) - π / tan(πx)            (x < 1/2),
                 polygamma: the n-th derivative of that                (x < 0)
    erfinv:      a rational first guess (Giles, "Approximating the erfinv function", 2010),
                 then Newton steps on erf(x) = y, on erfc in the tails (1 - |y| is exact
                 there, 1 - erf(x) is not)
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from .backend import namespace
from .erf import SPLIT, erfc_fraction, own_erf

STIRLING_FROM = 15.0  # below this, shift up: the series' 8th term is then below 1e-19
BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
NEWTON_STEPS = 4  # the first guess has ~7 correct digits (fewer past 1 - 1e-7); Newton doubles them


def _in_float64(own: Any) -> Any:
    """`own` computed in float64, given back in x's dtype."""

    def compute(x: Any) -> Any:
        """The function at x: float64 inside, x's dtype out, poles without warnings."""
        xp = namespace(x)
        with _quiet(xp):
            return own(x.astype(xp.float64)).astype(x.dtype, copy=False)

    return compute


def _quiet(xp: Any) -> Any:
    """numpy's errstate(all="ignore") (poles give inf and nan on purpose); CuPy has none
    and warns of nothing."""
    errstate = getattr(xp, "errstate", None)
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


def _shifted(x: Any, until: float, term: Any) -> tuple[Any, Any]:
    """(x + m, Σ_{i<m} term(x + i)), m the fewest steps that bring x (>= 0) to `until`."""
    xp = namespace(x)
    z, total = x, xp.zeros_like(x)
    for _ in range(math.ceil(until) + 1):
        below = z < until
        if not bool(below.any()):
            break
        with_term = xp.where(below, z, until)  # keeps term() finite where unused
        total = total + xp.where(below, term(with_term), 0.0)
        z = xp.where(below, z + 1.0, z)
    return z, total


def _abs_sin_pi(x: Any) -> Any:
    """|sin(πx)|, exact at the integers (x - round(x) first: π x loses them)."""
    xp = namespace(x)
    r = x - xp.round(x)  # in [-1/2, 1/2]: the same |sine|, and π r keeps its digits
    return namespace(x).abs(xp.sin(math.pi * r))


def _zeta_minus_one(k: int, n: int = 50) -> float:
    """ζ(k) - 1 = Σ_{m>=2} m^-k: the terms below n, and Euler-Maclaurin's tail from n."""
    head = math.fsum(m ** -float(k) for m in range(2, n))
    rising = [math.prod(range(k, k + j)) for j in (1, 3, 5)]  # k, k(k+1)(k+2), ...
    tail = (
        n ** (1.0 - k) / (k - 1)
        + 0.5 * n ** -float(k)
        + rising[0] * n ** (-k - 1.0) / 12
        - rising[1] * n ** (-k - 3.0) / 720
        + rising[2] * n ** (-k - 5.0) / 30240
    )
    return head + tail


EULER_GAMMA = 0.5772156649015329
# lgamma(2 + z) = (1 - γ) z + Σ_{k>=2} (-1)^k (ζ(k) - 1) / k z^k, |z| <= 1/2: 40 terms
NEAR_TWO = (1.0 - EULER_GAMMA,) + tuple((-1) ** k * _zeta_minus_one(k) / k for k in range(2, 41))


def _lgamma_near_two(z: Any) -> Any:
    """lgamma(2 + z) for |z| <= 1/2 by its Taylor series: exact to rounding at lgamma's
    zeros 1 and 2, where Stirling's shifted sum leaves ~1e-14 absolute."""
    total = NEAR_TWO[-1] * z
    for c in reversed(NEAR_TWO[:-1]):
        total = (total + c) * z
    return total


def own_lgamma(x: Any) -> Any:
    """log |Γ(x)| in x's dtype: reflection below 1/2, a Taylor series on [1/2, 7/2]
    (around 2: lgamma's zeros 1 and 2 are there), shift and Stirling's series above."""
    xp = namespace(x)
    reflect = x < 0.5
    y = xp.where(reflect, 1.0 - x, x)
    z, logs = _shifted(y, STIRLING_FROM, xp.log)
    inverse = 1.0 / z
    square = inverse * inverse
    series = xp.zeros_like(z)
    for k in range(len(BERNOULLI), 0, -1):
        series = series * square + BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
    stirling = (z - 0.5) * xp.log(z) - z + 0.5 * math.log(2 * math.pi) + series * inverse
    stirling = xp.where(z == xp.inf, xp.inf, stirling)
    ly = stirling - logs
    reflected = math.log(math.pi) - xp.log(_abs_sin_pi(x)) - ly
    out = xp.where(reflect, reflected, ly)
    # [1/2, 3/2): lgamma(x + 1) - log x;  [3/2, 5/2]: the series;  (5/2, 7/2]: + log(x - 1)
    near = xp.clip(x, 0.5, 3.5)
    z = xp.where(near < 1.5, near - 1.0, xp.where(near > 2.5, near - 3.0, near - 2.0))  # exact
    series = _lgamma_near_two(z)
    series = xp.where(near < 1.5, series - xp.log1p(near - 1.0), series)
    series = xp.where(near > 2.5, series + xp.log(near - 1.0), series)
    out = xp.where((x >= 0.5) & (x <= 3.5), series, out)
    return xp.where(xp.isinf(x), xp.inf, out)


def own_digamma(x: Any) -> Any:
    """ψ(x): reflection below 1/2, shift, the asymptotic series; PyTorch's poles."""
    xp = namespace(x)
    reflect = x < 0.5
    y = xp.where(reflect, 1.0 - x, x)
    z, reciprocals = _shifted(y, STIRLING_FROM, lambda t: 1.0 / t)
    square = 1.0 / (z * z)
    series = xp.zeros_like(z)
    for k in range(len(BERNOULLI), 0, -1):
        series = series * square + BERNOULLI[k - 1] / (2 * k)
    psi = xp.log(z) - 0.5 / z - series * square - reciprocals
    psi = xp.where(z == xp.inf, xp.inf, psi)
    r = x - xp.round(x)  # tan(πx) has period 1: exact at the integers
    reflected = psi - math.pi / xp.tan(math.pi * r)
    integer = reflect & (r == 0)
    at_zero = xp.where(xp.signbit(x), xp.inf, -xp.inf)  # PyTorch's signed pole at 0
    reflected = xp.where(integer, xp.where(x == 0, at_zero, xp.nan), reflected)
    out = xp.where(reflect, reflected, psi)
    return xp.where(x == -xp.inf, xp.nan, out)


def own_polygamma(x: Any, n: int) -> Any:
    """polygamma(n, x), n >= 1: (-1)^(n+1) n! ζ(n+1, x), Hurwitz's ζ by shifting x past
    15 + n and Euler-Maclaurin's sum there; left of 0 by the n-th derivative of the
    reflection formula, ψ(1 - x) - ψ(x) = π cot(πx):
    ψ_n(x) = (-1)^n ψ_n(1 - x) - π^(n+1) P_n(cot πx),  P_0(c) = c,
    P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    xp = namespace(x)
    s = n + 1
    reflect = x < 0
    y = xp.where(reflect, 1.0 - x, x)
    z, head = _shifted(y, STIRLING_FROM + n, lambda t: t ** (-float(s)))
    tail = z ** (1.0 - s) / (s - 1) + 0.5 * z ** (-float(s))
    rising, power = float(s), z ** (-float(s) - 1.0)  # s (s+1) ... (s+2k-2), z^(-s-2k+1)
    for k, b in enumerate(BERNOULLI, start=1):
        tail = tail + (b / math.factorial(2 * k)) * rising * power
        rising *= (s + 2 * k - 1) * (s + 2 * k)
        power = power / (z * z)
    zeta = xp.where(z == xp.inf, 0.0, head + tail)
    at_y = (-1.0) ** (n + 1) * math.factorial(n) * zeta
    r = x - xp.round(x)  # cot(πx) has period 1: exact at the integers
    # near the half-integers cot = ±tan(π(1/2 - |r|)), which is exactly 0 at them
    near_half = xp.sign(r) * xp.tan(math.pi * (0.5 - xp.abs(r)))
    cot = xp.where(xp.abs(r) > 0.25, near_half, xp.cos(math.pi * r) / xp.sin(math.pi * r))
    polynomial = xp.zeros_like(x)
    for coefficient in reversed(_cot_derivative(n)):
        polynomial = polynomial * cot + coefficient
    reflected = (-1.0) ** n * at_y - math.pi ** (n + 1) * polynomial
    return xp.where(reflect, reflected, at_y)


def _cot_derivative(n: int) -> list[float]:
    """The coefficients (lowest power first) of P_n, with d^n/dx^n cot(πx) =
    π^n P_n(cot πx)."""
    p = [0.0, 1.0]  # P_0(c) = c
    for _ in range(n):
        d = [k * p[k] for k in range(1, len(p))]  # P', lowest power first
        padded = d + [0.0, 0.0]
        # -(1 + c^2) P': each power k gets P'_k (from the 1) and P'_(k-2) (from c^2)
        p = [-(padded[k] + (d[k - 2] if k >= 2 else 0.0)) for k in range(len(d) + 2)]
    return p


def own_erfinv(y: Any) -> Any:
    """erf^-1(y) on [-1, 1] (±inf at ±1, nan beyond), the sign of y kept (-0 too)."""
    xp = namespace(y)
    a = xp.abs(y)
    x = _erfinv_of_positive(a, 1.0 - a)  # 1 - a is exact for a >= 1/2 (Sterbenz)
    x = xp.where(a == 1.0, xp.inf, xp.where(a > 1.0, xp.nan, x))
    return xp.copysign(x, y)


def own_ndtri(p: Any) -> Any:
    """The standard normal quantile: -sqrt 2 erfcinv(2p) below 1/2, with 2p exact, so
    the left tail keeps its digits down to the smallest p (sqrt 2 erfinv(2p - 1) loses
    them below ~1e-8); the right half by symmetry, 1 - p being exact there."""
    xp = namespace(p)
    lower = p < 0.5
    c = xp.where(lower, 2.0 * p, 2.0 * (1.0 - p))  # erfc(x) = c, x >= 0
    x = _erfinv_of_positive(1.0 - c, c) * math.sqrt(2.0)
    x = xp.where(c == 0.0, xp.inf, x)
    x = xp.where(lower, -x, x)
    return xp.where((p < 0) | (p > 1), xp.nan, x)


def _erfinv_of_positive(a: Any, complement: Any) -> Any:
    """x >= 0 with erf(x) = a, given 1 - a exactly as `complement` where it is small: a
    first guess, then Newton on erf(x) - a, or in the tail on log erfc(x) - log(1 - a)
    (log erfc is near -x^2 there, so Newton converges from a rough start)."""
    xp = namespace(a)
    w = -xp.log(complement * (2.0 - complement))  # -log((1 - a)(1 + a))
    central, tail = w - 2.5, xp.sqrt(w) - 3.0
    x = xp.where(w < 5.0, _polynomial(central, _GILES_CENTRAL), _polynomial(tail, _GILES_TAIL))
    x = x * a
    # far past Giles's range (1 - a < ~1e-16, ndtri's tails): erfc x ≈ e^(-x^2)/(x sqrt π)
    log_c = -xp.log(xp.maximum(complement, 1e-320))
    far = xp.sqrt(xp.maximum(log_c - 0.5 * xp.log(math.pi * xp.maximum(log_c, 1.0)), 1.0))
    x = xp.where(w > 36.0, far, x)
    for _ in range(NEWTON_STEPS):
        beyond = xp.maximum(x, SPLIT)
        fraction = erfc_fraction(beyond)  # erfc = e^(-x^2) / (sqrt(pi) F): no underflow
        log_erfc = -beyond * beyond - xp.log(math.sqrt(math.pi) * fraction)
        tail_step = (xp.log(complement) - log_erfc) / (2.0 * fraction)  # (log erfc)' = -2F
        central_step = (own_erf(x) - a) / ((2.0 / math.sqrt(math.pi)) * xp.exp(-x * x))
        x = x - xp.where(x < SPLIT, central_step, tail_step)
    return x


_GILES_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_GILES_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _polynomial(w: Any, coefficients: tuple[float, ...]) -> Any:
    """Horner's rule, the highest power's coefficient first."""
    p = coefficients[0] + 0.0 * w
    for c in coefficients[1:]:
        p = c + p * w
    return p


lgamma = _in_float64(own_lgamma)
digamma = _in_float64(own_digamma)
erfinv = _in_float64(own_erfinv)
ndtri = _in_float64(own_ndtri)


def polygamma(x: Any, n: int) -> Any:
    """polygamma(n, x) in x's dtype (n = 0 is digamma)."""
    if n == 0:
        return digamma(x)
    xp = namespace(x)
    with _quiet(xp):
        return own_polygamma(x.astype(xp.float64), n).astype(x.dtype, copy=False)
