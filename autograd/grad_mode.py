"""Grad mode and anomaly mode: per-thread switches that every op reads.

Thread-local (not a global flag, unlike DeZero's Config) so two threads can train two
models, one of them under `no_grad()`, without interfering.
"""

import functools
import threading


class _State(threading.local):
    def __init__(self):
        self.enabled = True  # record ops for backward?
        self.anomaly = False  # check every forward/backward value for NaN/inf?
        self.scopes = ()  # names of the modules being called (for drawing clusters)


STATE = _State()


def is_grad_enabled():
    """True when new ops are recorded for backward in this thread."""
    return STATE.enabled


class ThreadSwitch:
    """Context manager and decorator that sets one flag of this thread's `STATE` and
    restores the old value on exit (grad mode, anomaly mode)."""

    _flag = "enabled"
    _mode = True

    def __enter__(self):
        self._previous = getattr(STATE, self._flag)
        setattr(STATE, self._flag, self._mode)
        return self

    def __exit__(self, *exc):
        setattr(STATE, self._flag, self._previous)
        return False

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            switch = type(self).__new__(type(self))
            switch._mode = mode
            with switch:
                return func(*args, **kwargs)

        return wrapper


class _GradModeSwitch(ThreadSwitch):
    _flag = "enabled"


class no_grad(_GradModeSwitch):
    """Stop recording: results have no history, no arrays are saved. Like torch.no_grad."""

    _mode = False


class enable_grad(_GradModeSwitch):
    """Record again inside a `no_grad()` block. Like torch.enable_grad."""

    _mode = True


class set_grad_enabled(_GradModeSwitch):
    """`with set_grad_enabled(False): ...` — grad mode chosen by a flag."""

    def __init__(self, mode):
        self._mode = bool(mode)


class name_scope:
    """Tag the nodes created inside this block with `name` (viz draws them as a cluster)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        STATE.scopes = STATE.scopes + (self.name,)
        return self

    def __exit__(self, *exc):
        STATE.scopes = STATE.scopes[:-1]
        return False
