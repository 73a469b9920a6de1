"""Shared helpers for the checkpoint tests: asserting a refusal, crafting files."""

import json
import struct

import pytest

from scratchgrad import nn


@pytest.fixture
def refused():
    """refused(path, reason, **load_kwargs): nn.load raises a one-line CheckpointError
    naming the file and containing `reason`; returns the message."""

    def check(path, reason, **kwargs):
        with pytest.raises(nn.CheckpointError) as err:
            nn.load(path, **kwargs)
        message = str(err.value)
        assert reason in message, message
        assert "\n" not in message and message.startswith(f"cannot load checkpoint '{path}'")
        return message

    return check


@pytest.fixture
def craft():
    """craft(path, header, data=b"", length=None): a safetensors file written by hand, as
    an attacker (or a buggy writer) would: `header` is any JSON value (or raw bytes),
    `length` overrides the 8-byte header length."""

    def write(path, header, data=b"", length=None):
        raw = header if isinstance(header, bytes) else json.dumps(header).encode()
        path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
        return path

    return write
