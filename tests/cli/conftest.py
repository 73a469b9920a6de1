"""The fixture every command-line test uses (helpers: cli_helpers.py)."""

import pytest


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    """SCRATCHGRAD_DEBUG=1 in the caller's shell would turn one-line errors into raises."""
    monkeypatch.delenv("SCRATCHGRAD_DEBUG", raising=False)
