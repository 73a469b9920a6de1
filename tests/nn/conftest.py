"""Fixtures of the nn tests."""

import numpy as np
import pytest

RNG_SEED = 1234


@pytest.fixture
def rng():
    """A fresh generator per test, so a test's draws do not depend on the others."""
    return np.random.default_rng(RNG_SEED)
