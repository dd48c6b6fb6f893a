"""Rules for reductions: sum and mean over all or some axes."""

import numpy as np

from ..runtime import sum_adjoint
from .registry import jvp_rule, vjp_rule


@vjp_rule(np.sum, zero="first")
def _(g, ans, x, axis=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g, np.shape(x))
    if keepdims:
        return np.broadcast_to(g, np.shape(x))
    return sum_adjoint(g, x, axis, keepdims)


@jvp_rule(np.sum, zero="first")
def _(dx, ans, x, axis=None, keepdims=False):
    return np.sum(dx, axis=axis, keepdims=keepdims)


@vjp_rule(np.mean, zero="first")
def _(g, ans, x, axis=None, keepdims=False):
    if axis is None:
        return np.broadcast_to(g / np.size(x), np.shape(x))
    return sum_adjoint(g, x, axis, keepdims) / (np.size(x) / np.size(ans))


@jvp_rule(np.mean, zero="first")
def _(dx, ans, x, axis=None, keepdims=False):
    return np.mean(dx, axis=axis, keepdims=keepdims)


def _reduced_shape(op, shapes):
    """Summing everything gives a scalar; other reductions' shapes are not tracked."""
    from ..ir.core import Const
    from ..opt.shapes import SCALAR
    axis = op.kwargs.get("axis", op.args[1] if len(op.args) > 1 else Const(None))
    keep = op.kwargs.get("keepdims", Const(False))
    if axis == Const(None) and keep == Const(False) and len(op.args) <= 2:
        return SCALAR
    return None


for _f in (np.sum, np.mean):
    from ..ir.primitives import defprim
    defprim(_f, shape=_reduced_shape)
