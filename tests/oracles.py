"""PyTorch and micrograd as test oracles, and the rule that keeps their comparisons honest.

    torch = oracle("torch")        # at the top of a test file: nothing is imported yet

    @pytest.mark.oracle
    def test_matches_pytorch():
        ...torch.tensor(...)...    # the first use imports torch

The library is imported at its first use inside a test, so collecting stays fast and the
tests of a file that never touch it run whether or not it is installed. When it is not
installed, the test that reaches for it is skipped with the reason, or FAILS when the
environment sets SCRATCHGRAD_REQUIRE_ORACLES=1 (CI does): a comparison never vanishes
silently. A test that uses an oracle must be marked `@pytest.mark.oracle` (so that
`-m "not oracle"` leaves it out); one that is not fails and says so.
"""

import importlib
import os

import pytest

REQUIRE = "SCRATCHGRAD_REQUIRE_ORACLES"
INSTALL = {
    "torch": "pip install torch==2.13.0 (a CPU build is enough)",
    "micrograd": "pip install micrograd==0.1.0",
}

running_test = None  # the test item being run; tests/conftest.py keeps it up to date


def oracle(name):
    """A stand-in for the module `name` ("torch", "torch.nn.functional", "micrograd.engine")
    that imports it at the first attribute used inside a test."""
    return Oracle(name)


class Oracle:
    """Forwards attribute access to the module, imported on first use."""

    def __init__(self, name):
        self._name = name
        self._module = None
        self._checked = None  # the last test whose marker was checked

    def __getattr__(self, attribute):
        if attribute.startswith("_"):  # introspection (pytest, copy, pickle), not a use
            raise AttributeError(attribute)
        if running_test is not self._checked:
            _check_marked(self._name)
            self._checked = running_test
        if self._module is None:
            self._module = _import(self._name)
        return getattr(self._module, attribute)

    def __repr__(self):
        return f"oracle({self._name!r})"


def _check_marked(name):
    test = running_test
    if test is not None and test.get_closest_marker("oracle") is None:
        pytest.fail(
            f"{test.nodeid} uses the oracle {name!r} but is not marked "
            "@pytest.mark.oracle; mark it so that -m 'not oracle' leaves it out",
            pytrace=False,
        )


def _import(name):
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing = error
    top = name.split(".")[0]
    reason = (
        f"the {top!r} oracle is not installed ({missing}); to run this comparison: "
        f"{INSTALL.get(top, f'pip install {top}')}"
    )
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason}. {REQUIRE}=1 requires every oracle.", pytrace=False)
    pytest.skip(reason)


def load(name):
    """Import `name` now (in a fixture or a test), with the rule above: skipped with the
    reason when it is missing, failing instead under SCRATCHGRAD_REQUIRE_ORACLES=1."""
    return _import(name)
