"""`nn.manual_seed` lives with the engine's random draws (autograd/random.py); this name is
kept so `from scratchgrad.nn.seeding import manual_seed` still works."""

from ..autograd.random import default_generator, manual_seed  # noqa: F401
