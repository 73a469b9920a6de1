"""Keeps tests/oracles.py told which test is running, so that an oracle used by a test
without @pytest.mark.oracle fails instead of hiding from `-m "not oracle"`."""

import oracles
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    oracles.running_test = item


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    oracles.running_test = None
