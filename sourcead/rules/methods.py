"""Rules for what array methods lower to and NumPy has no ufunc for: copies and
dtype conversions (`x.copy()`, `np.copy(x)`, `x.astype(float)`; a conversion to
integers or booleans is `sad_rt.astype_discrete`, which has no derivative)."""

import numpy as np

from ..runtime import astype, astype_adjoint
from .registry import derivative, jvp_rule, nondifferentiable, vjp_rule


@derivative(np.copy)
def _(ans, x):
    return 1.0


@vjp_rule(astype, zero="first")
def _(g, ans, x, dtype=None):
    return astype_adjoint(g, x)


@jvp_rule(astype, zero="first")
def _(dx, ans, x, dtype=None):
    return astype(dx, dtype)


# Builtins on scalars. float(x) of a float, a NumPy scalar or a size-1 array.
@vjp_rule(float)
def _(g, ans, x):
    return g


@jvp_rule(float)
def _(dx, ans, x):
    return float(dx)


# max(x, y) and min(x, y) of two scalars: the cotangent goes to the argument chosen,
# split evenly on a tie (as for np.maximum). More arguments are nested pairs.
@vjp_rule(max)
def _(g, ans, x, y):
    w = 0.5 if x == y else float(x > y)   # the share of x
    return g * w, g * (1.0 - w)


@jvp_rule(max)
def _(dx, dy, ans, x, y):
    w = 0.5 if x == y else float(x > y)
    return dx * w + dy * (1.0 - w)


@vjp_rule(min)
def _(g, ans, x, y):
    w = 0.5 if x == y else float(x < y)
    return g * w, g * (1.0 - w)


@jvp_rule(min)
def _(dx, dy, ans, x, y):
    w = 0.5 if x == y else float(x < y)
    return dx * w + dy * (1.0 - w)


nondifferentiable(isinstance, callable, shape="scalar")
