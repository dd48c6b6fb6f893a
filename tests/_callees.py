"""Functions in another module, called by tests/test_python.py: sourcead must
differentiate them with this module's own globals."""

import numpy as np

SCALE = 1.5


def _inner(z):
    return np.sin(z) * SCALE


def scaled_sin(z, shift=0.0):
    return _inner(z + shift)


def clamp_ends(u):
    """Writes into its argument (defined in another module than its callers)."""
    u[0] = 0.0
