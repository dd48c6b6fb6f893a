"""Rules for reductions and scans: sum, mean, prod, max/min, ptp, var, std, average,
their NaN-skipping forms, cumsum and cumprod, over all axes or some (`axis` None, an
int, negative, or a tuple; `keepdims`).

A reduction's cotangent is broadcast back to the input's shape by `sum_adjoint`; its
tangent is the same reduction of a product with the input's tangent.
"""

import numpy as np

from ..runtime import (average_weights, cumprod_adjoint, cumprod_tangent, float_type, prod_others,
                       sum_adjoint)
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


# --- products -----------------------------------------------------------------------

# d prod / d x_k is the product of the other elements, computed without dividing by x
# (prod_others), so zeros in x are fine.
@vjp_rule(np.prod, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    return sum_adjoint(g, x, axis, keepdims) * prod_others(x, axis)


@jvp_rule(np.prod, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    return np.sum(dx * prod_others(x, axis), axis=axis, keepdims=keepdims)


# --- extrema ------------------------------------------------------------------------

@vjp_rule(np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    """The cotangent goes to the elements equal to the extremum, split evenly on a tie
    (as in JAX): max([1, 3, 3]) has gradient [0, 0.5, 0.5]. NaNs (nanmax) get none."""
    if axis is None or keepdims:
        hit = x == ans
    else:
        hit = x == np.expand_dims(ans, axis)
    count = np.sum(hit, axis=axis, keepdims=True, dtype=float_type(x))   # in x's type
    return sum_adjoint(g, x, axis, keepdims) * hit / count


@jvp_rule(np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    """The mean of the tangents of the elements equal to the extremum (see the VJP)."""
    if axis is None or keepdims:
        hit = x == ans
    else:
        hit = x == np.expand_dims(ans, axis)
    count = np.sum(hit, axis=axis, keepdims=keepdims, dtype=float_type(x))
    return np.sum(dx * hit, axis=axis, keepdims=keepdims) / count


@vjp_rule(np.ptp, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    """max - min, each with its ties split evenly (see np.max)."""
    hi = x == np.max(x, axis=axis, keepdims=True)
    lo = x == np.min(x, axis=axis, keepdims=True)
    n_hi = np.sum(hi, axis=axis, keepdims=True, dtype=float_type(x))
    n_lo = np.sum(lo, axis=axis, keepdims=True, dtype=float_type(x))
    return sum_adjoint(g, x, axis, keepdims) * (hi / n_hi - lo / n_lo)


@jvp_rule(np.ptp, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    hi = x == np.max(x, axis=axis, keepdims=True)
    lo = x == np.min(x, axis=axis, keepdims=True)
    n_hi = np.sum(hi, axis=axis, keepdims=keepdims, dtype=float_type(x))
    n_lo = np.sum(lo, axis=axis, keepdims=keepdims, dtype=float_type(x))
    d_max = np.sum(dx * hi, axis=axis, keepdims=keepdims) / n_hi
    d_min = np.sum(dx * lo, axis=axis, keepdims=keepdims) / n_lo
    return d_max - d_min


# --- moments ------------------------------------------------------------------------
#
# var = sum((x - mean)**2) / (n - ddof), with n the number of elements reduced together;
# d var / d x = 2 (x - mean) / (n - ddof) (the mean's own derivative drops out, since the
# deviations sum to zero).

@vjp_rule(np.var, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, ddof=0, keepdims=False):
    n = np.size(x) / np.size(ans)
    d = x - np.mean(x, axis=axis, keepdims=True)
    return sum_adjoint(g, x, axis, keepdims) * d * (2.0 / (n - ddof))


@jvp_rule(np.var, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, ddof=0, keepdims=False):
    n = np.size(x) / np.size(ans)
    d = x - np.mean(x, axis=axis, keepdims=True)
    return np.sum(d * dx, axis=axis, keepdims=keepdims) * (2.0 / (n - ddof))


# std = sqrt(var). Where std is 0 (all elements equal) the derivative is taken as 0, as
# for sqrt at 0.
@vjp_rule(np.std, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, ddof=0, keepdims=False):
    n = np.size(x) / np.size(ans)
    d = x - np.mean(x, axis=axis, keepdims=True)
    return sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, axis, keepdims) * d / (n - ddof)


@jvp_rule(np.std, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, ddof=0, keepdims=False):
    n = np.size(x) / np.size(ans)
    d = x - np.mean(x, axis=axis, keepdims=True)
    return np.sum(d * dx, axis=axis, keepdims=keepdims) / \
        ((n - ddof) * np.where(ans == 0, np.inf, ans))


# average(x, axis, weights) = sum(w * x) / sum(w), with w broadcast against x. Only x is
# differentiated: a rule gives no derivative to a parameter with a default (`weights`);
# for the gradient w.r.t. the weights write np.sum(w * x, axis) / np.sum(w, axis).
@vjp_rule(np.average, shape=_reduced_shape)
def _(g, ans, x, axis=None, weights=None, *, keepdims=False):
    if weights is None:
        return sum_adjoint(g, x, axis, keepdims) * (np.size(ans) / np.size(x))
    w = np.broadcast_to(average_weights(weights, x, axis), np.shape(x))
    return sum_adjoint(g, x, axis, keepdims) * w / np.sum(w, axis=axis, keepdims=True)


@jvp_rule(np.average, shape=_reduced_shape)
def _(dx, ans, x, axis=None, weights=None, *, keepdims=False):
    if weights is None:
        return np.mean(dx, axis=axis, keepdims=keepdims)
    w = np.broadcast_to(average_weights(weights, x, axis), np.shape(x))
    return np.sum(w * dx, axis=axis, keepdims=keepdims) / np.sum(w, axis=axis, keepdims=keepdims)


# --- reductions that skip NaNs ---------------------------------------------------------

@vjp_rule(np.nansum, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    return np.where(np.isnan(x), 0.0, sum_adjoint(g, x, axis, keepdims))


@jvp_rule(np.nansum, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    return np.sum(np.where(np.isnan(x), 0.0, dx), axis=axis, keepdims=keepdims)


@vjp_rule(np.nanmean, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    """The mean of the elements that are not NaN; NaNs get no cotangent."""
    seen = np.logical_not(np.isnan(x))
    n = np.sum(seen, axis=axis, keepdims=True, dtype=float_type(x))
    return sum_adjoint(g, x, axis, keepdims) * seen / n


@jvp_rule(np.nanmean, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    seen = np.logical_not(np.isnan(x))
    return np.sum(np.where(seen, dx, 0.0), axis=axis, keepdims=keepdims) / \
        np.sum(seen, axis=axis, keepdims=keepdims, dtype=float_type(x))


# --- scans ----------------------------------------------------------------------------

# cumsum's adjoint sums the cotangents of the outputs each element contributes to: a
# cumulative sum from the other end. Without an axis the scan runs over x flattened.
@vjp_rule(np.cumsum, zero="first")
def _(g, ans, x, axis=None):
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


@jvp_rule(np.cumsum, zero="first")
def _(dx, ans, x, axis=None):
    return np.cumsum(dx, axis=axis)


# cumprod: see sad_rt.cumprod_adjoint and cumprod_tangent (exact where x has zeros).
@vjp_rule(np.cumprod)
def _(g, ans, x, axis=None):
    return cumprod_adjoint(g, x, axis)


@jvp_rule(np.cumprod)
def _(dx, ans, x, axis=None):
    return cumprod_tangent(dx, x, axis)


# --- more reductions that skip NaNs: as their plain forms over the elements that are
# not NaN (NaNs count as 1 in products), with no cotangent for the NaNs -----------------

@vjp_rule(np.nanprod, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, keepdims=False):
    nan = np.isnan(x)
    return np.where(nan, 0.0, sum_adjoint(g, x, axis, keepdims) *
                    prod_others(np.where(nan, 1.0, x), axis))


@jvp_rule(np.nanprod, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, keepdims=False):
    nan = np.isnan(x)
    return np.sum(np.where(nan, 0.0, dx * prod_others(np.where(nan, 1.0, x), axis)),
                  axis=axis, keepdims=keepdims)


@vjp_rule(np.nanvar, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, ddof=0, keepdims=False):
    seen = np.logical_not(np.isnan(x))
    n = np.sum(seen, axis=axis, keepdims=True, dtype=float_type(x))
    d = np.where(seen, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return sum_adjoint(g, x, axis, keepdims) * d * (2.0 / (n - ddof))


@jvp_rule(np.nanvar, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, ddof=0, keepdims=False):
    seen = np.logical_not(np.isnan(x))
    n = np.sum(seen, axis=axis, keepdims=keepdims, dtype=float_type(x))
    d = np.where(seen, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return np.sum(d * np.where(seen, dx, 0.0), axis=axis, keepdims=keepdims) * (2.0 / (n - ddof))


@vjp_rule(np.nanstd, shape=_reduced_shape)
def _(g, ans, x, axis=None, *, ddof=0, keepdims=False):
    seen = np.logical_not(np.isnan(x))
    n = np.sum(seen, axis=axis, keepdims=True, dtype=float_type(x))
    d = np.where(seen, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, axis, keepdims) * d / (n - ddof)


@jvp_rule(np.nanstd, shape=_reduced_shape)
def _(dx, ans, x, axis=None, *, ddof=0, keepdims=False):
    seen = np.logical_not(np.isnan(x))
    n = np.sum(seen, axis=axis, keepdims=keepdims, dtype=float_type(x))
    d = np.where(seen, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return np.sum(d * np.where(seen, dx, 0.0), axis=axis, keepdims=keepdims) / \
        ((n - ddof) * np.where(ans == 0, np.inf, ans))


@vjp_rule(np.nancumsum, zero="first")
def _(g, ans, x, axis=None):
    if axis is None:
        return np.where(np.isnan(x), 0.0, np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(x)))
    return np.where(np.isnan(x), 0.0, np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis))


@jvp_rule(np.nancumsum, zero="first")
def _(dx, ans, x, axis=None):
    return np.cumsum(np.where(np.isnan(x), 0.0, dx), axis=axis)


@vjp_rule(np.nancumprod)
def _(g, ans, x, axis=None):
    nan = np.isnan(x)
    return np.where(nan, 0.0, cumprod_adjoint(g, np.where(nan, 1.0, x), axis))


@jvp_rule(np.nancumprod)
def _(dx, ans, x, axis=None):
    nan = np.isnan(x)
    return cumprod_tangent(np.where(nan, 0.0, dx), np.where(nan, 1.0, x), axis)
