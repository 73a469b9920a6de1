"""Fixtures for the MNIST tests: a fake MNIST, a local misbehaving server, a umask."""

import hashlib
import os
import socket

import pytest
from mnist_fakes import Server, fake_mnist

from scratchgrad.nn.datasets import download


@pytest.fixture
def site():
    return fake_mnist()


@pytest.fixture
def checksums(site):
    return {name: hashlib.md5(data).hexdigest() for name, data in site.items()}


@pytest.fixture(autouse=True)
def no_proxy_for_localhost(monkeypatch):
    """A proxy from the environment must never see these requests."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server(site):
    served = Server(site)
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connection refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture(autouse=True)
def no_real_mirrors(monkeypatch, closed_port_url):
    """The default mirrors refuse at once: no test reaches (or waits for) a real host."""
    monkeypatch.setattr(download, "MIRRORS", (closed_port_url,))


@pytest.fixture
def umask():
    """Set the process umask for one test: umask(0o077)."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)
