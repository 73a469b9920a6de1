"""erf for arrays: numpy has none. SciPy's (or CuPy's) when it is installed; otherwise
a series and a continued fraction written in the array's own namespace (accurate to a
few units in the last place of float64; checked against math.erf in the tests).

    |x| < 2:   erf x  = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))     (34 terms)
    |x| >= 2:  erfc x = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
               (60 levels, evaluated from the bottom), erf x = sign(x) (1 - erfc |x|)
"""

from __future__ import annotations

import importlib
import math
from typing import Any

from .backend import namespace

SERIES_TERMS = 34  # the series' last term at |x| = 2 is below 1e-17 of the sum
FRACTION_LEVELS = 60  # the fraction's error at |x| = 2 is below 1e-17
SPLIT = 2.0


def _library_erf(xp: Any) -> Any:
    """SciPy's erf for numpy, CuPy's for CuPy, or None (neither is a dependency)."""
    module = {"numpy": "scipy.special", "cupy": "cupyx.scipy.special"}.get(xp.__name__)
    if module is None:
        return None
    try:
        return importlib.import_module(module).erf
    except ImportError:
        return None


def erf(x: Any) -> Any:
    """The error function, elementwise, in x's dtype and on x's device."""
    xp = namespace(x)
    library = _library_erf(xp)
    if library is not None:
        return library(x)
    return own_erf(x)


def own_erf(x: Any) -> Any:
    """erf without SciPy: the series near 0, the continued fraction for erfc beyond."""
    xp = namespace(x)
    a = xp.abs(x)
    small = xp.minimum(a, SPLIT)  # each branch computed where it is accurate, then chosen
    square = small * small
    term, total = small, small
    for n in range(1, SERIES_TERMS):
        term = term * (-square) / n
        total = total + term / (2 * n + 1)
    series = total * (2.0 / math.sqrt(math.pi))
    erfc = erfc_beyond_split(xp.maximum(a, SPLIT))
    magnitude = xp.where(a < SPLIT, series, 1.0 - erfc)
    return (xp.sign(x) * magnitude).astype(x.dtype)


def erfc_beyond_split(big: Any) -> Any:
    """erfc for arguments >= SPLIT, by the continued fraction (relative precision, where
    1 - erf would have only absolute)."""
    xp = namespace(big)
    return xp.exp(-big * big) / (math.sqrt(math.pi) * erfc_fraction(big))


def erfc_fraction(big: Any) -> Any:
    """F with erfc(x) = e^(-x^2) / (sqrt(pi) F), for x >= SPLIT (F is near x)."""
    fraction = big
    for k in range(FRACTION_LEVELS, 0, -1):
        fraction = big + (k / 2.0) / fraction
    return fraction
