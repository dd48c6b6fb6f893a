"""Rules for NumPy's joining and calculus helpers (append, ediff1d, trapezoid, gradient) and
for the functions NumPy 2 added for the array API standard (matrix_transpose, vecdot,
cumulative_sum and cumulative_prod, and np.linalg's matmul, tensordot, vecdot,
matrix_transpose, vector_norm, matrix_norm, svdvals, trace, diagonal, outer and cross).

Each group is registered only where this NumPy has its functions (NumPy 1.x lacks the
array-API ones), so importing sourcead works on either. Functions that are the same object
as one with rules already (np.permute_dims is np.transpose, np.concat np.concatenate) need
nothing here.

The array-API functions act on the last axes, as the np.linalg functions do: trace and
diagonal on the last two, matrix_norm on the matrices of the last two, and vecdot and
cross along `axis` (default -1). Their rules are those of the older functions (np.trace,
np.linalg.norm, np.linalg.svd with compute_uv=False, np.cross), with the axes fixed.
"""

import numpy as np

from ..ir import primitives as P
from ..runtime import (concatenate_part, cross_adjoint_a, cross_adjoint_b, cumprod_adjoint,
                       cumprod_tangent, diagonal_adjoint, float_type, gradient_adjoint,
                       matmul_adjoint_a, matmul_adjoint_b, matrix_norm_adjoint,
                       matrix_norm_tangent, sum_adjoint, tensordot_adjoint_a, tensordot_adjoint_b,
                       trapezoid_weights, unbroadcast, zeros_like)
from .registry import jvp_rule, vjp_rule

P.defprim(trapezoid_weights, shape="fresh", differentiable=False, hint="w")
P.defprim(gradient_adjoint, shape=("arg", 1), zero="first")   # linear: see rules/higher.py


# --- joining, differences, integration -----------------------------------------------------

# np.append(arr, values) is np.concatenate((arr, values), axis); with axis=None both are
# flattened first. Each gets back the part of the cotangent it filled. (The rule calls it
# by another name: the frontend reads `NAME.append(...)` as appending to a list NAME, so
# `np.append` in a rule's source would make `np` a local variable. Generated code still
# spells it np.append.)
_append = np.append


@vjp_rule(np.append)
def _(g, ans, arr, values, axis=None):
    return (concatenate_part(g, axis, 0, np.shape(arr), np.shape(values)),
            concatenate_part(g, axis, 1, np.shape(arr), np.shape(values)))


@jvp_rule(np.append)
def _(darr, dvalues, ans, arr, values, axis=None):
    if axis is None:
        return _append(darr, dvalues)
    return _append(darr, dvalues, axis)


# ediff1d(a) = a[1:] - a[:-1] of the flattened a, between the constants to_begin and
# to_end: a's cotangent is the cotangent of the differences, shifted down minus itself.
@vjp_rule(np.ediff1d, zero="first")
def _(g, ans, ary, to_end=None, to_begin=None):
    start = 0
    if to_begin is not None:
        start = np.size(to_begin)
    gd = g[start:start + np.size(ary) - 1]
    return np.reshape(np.pad(gd, (1, 0)) - np.pad(gd, (0, 1)), np.shape(ary))


@jvp_rule(np.ediff1d, zero="first")
def _(dary, ans, ary, to_end=None, to_begin=None):
    if to_end is None and to_begin is None:
        return np.ediff1d(dary)
    if to_end is None:
        return np.ediff1d(dary, to_begin=zeros_like(to_begin))
    if to_begin is None:
        return np.ediff1d(dary, zeros_like(to_end))
    return np.ediff1d(dary, zeros_like(to_end), zeros_like(to_begin))


# The trapezoidal rule is linear in y, with weights from the sample points x (or the
# spacing dx), which are constants.
if hasattr(np, "trapezoid"):
    @vjp_rule(np.trapezoid, zero="first")
    def _(g, ans, y, x=None, dx=1.0, axis=-1):
        return np.expand_dims(g, axis) * trapezoid_weights(y, x, dx, axis)

    @jvp_rule(np.trapezoid, zero="first")
    def _(dy, ans, y, x=None, dx=1.0, axis=-1):
        if x is None:
            return np.trapezoid(dy, dx=dx, axis=axis)
        return np.trapezoid(dy, x, axis=axis)


# np.gradient is linear in f, its coefficients set by the spacing (a constant: one number,
# or the sample points of the one axis differentiated) and the edge order. Along several
# axes it returns one array per axis, a tuple whose length the rule cannot see; the rules
# treat that tuple as one value, and its cotangent as the cotangents of the arrays
# stacked (or a tuple of them).
@vjp_rule(np.gradient, zero="first")
def _(g, ans, f, spacing=None, *, axis=None, edge_order=1):
    return gradient_adjoint(g, f, spacing, axis, edge_order)


@jvp_rule(np.gradient, zero="first")
def _(df, ans, f, spacing=None, *, axis=None, edge_order=1):
    if spacing is None:
        return np.gradient(df, axis=axis, edge_order=edge_order)
    return np.gradient(df, spacing, axis=axis, edge_order=edge_order)


# --- cumulative sums and products (NumPy 2) -------------------------------------------------
#
# axis may be None only for a 1-D x; include_initial starts the result with the constant 0
# (the sum) or 1 (the product), which has no derivative.

if hasattr(np, "cumulative_sum"):
    @vjp_rule(np.cumulative_sum, zero="first")
    def _(g, ans, x, *, axis=None, include_initial=False):
        if axis is None:
            axis = 0
        if include_initial:
            g = np.take(g, np.arange(1, np.shape(g)[axis]), axis=axis)
        return np.flip(np.cumulative_sum(np.flip(g, axis), axis=axis), axis)

    @jvp_rule(np.cumulative_sum, zero="first")
    def _(dx, ans, x, *, axis=None, include_initial=False):
        if include_initial:
            return np.cumulative_sum(dx, axis=axis, include_initial=True)
        return np.cumulative_sum(dx, axis=axis)

if hasattr(np, "cumulative_prod"):
    @vjp_rule(np.cumulative_prod, zero="first")
    def _(g, ans, x, *, axis=None, include_initial=False):
        if axis is None:
            axis = 0
        if include_initial:
            g = np.take(g, np.arange(1, np.shape(g)[axis]), axis=axis)
        return cumprod_adjoint(g, x, axis)

    @jvp_rule(np.cumulative_prod, zero="first")
    def _(dx, ans, x, *, axis=None, include_initial=False):
        if axis is None:
            axis = 0
        t = cumprod_tangent(dx, x, axis)
        if include_initial:
            return np.concatenate((np.zeros_like(np.take(t, [0], axis=axis)), t), axis=axis)
        return t


# --- transposes and products along an axis (NumPy 2) ------------------------------------------

if hasattr(np, "matrix_transpose"):
    @vjp_rule(np.matrix_transpose, zero="first")
    def _(g, ans, x):
        return np.matrix_transpose(g)

    @jvp_rule(np.matrix_transpose, zero="first")
    def _(dx, ans, x):
        return np.matrix_transpose(dx)

if hasattr(np.linalg, "matrix_transpose"):
    @vjp_rule(np.linalg.matrix_transpose, zero="first")
    def _(g, ans, x):
        return np.linalg.matrix_transpose(g)

    @jvp_rule(np.linalg.matrix_transpose, zero="first")
    def _(dx, ans, x):
        return np.linalg.matrix_transpose(dx)


# vecdot(x1, x2) = sum(x1 * x2, axis) (real arrays; broadcast over the other axes), so
# each operand's cotangent is g, spread along the axis, times the other operand. A
# non-negative axis counts from the left of each operand separately, which broadcasting
# does not align: there the axis is moved to the end first.
def _vecdot_vjp(g, ans, x1, x2, *, axis=-1, keepdims=False):
    if axis < 0:
        if not keepdims:
            g = np.expand_dims(g, axis)
        return g * x2, g * x1
    if keepdims:
        g = np.moveaxis(g, axis, -1)
    else:
        g = np.expand_dims(g, -1)
    x1m = np.moveaxis(x1, axis, -1)
    x2m = np.moveaxis(x2, axis, -1)
    return (np.moveaxis(unbroadcast(g * x2m, x1m), -1, axis),
            np.moveaxis(unbroadcast(g * x1m, x2m), -1, axis))


if hasattr(np, "vecdot"):
    # a ufunc, but not elementwise: its output lacks the axis summed over
    vjp_rule(np.vecdot, zero="any", shape="fresh")(_vecdot_vjp)

    @jvp_rule(np.vecdot, zero="any", shape="fresh")
    def _(dx1, dx2, ans, x1, x2, *, axis=-1, keepdims=False):
        if keepdims:
            return np.vecdot(dx1, x2, axis=axis, keepdims=True) + \
                np.vecdot(x1, dx2, axis=axis, keepdims=True)
        return np.vecdot(dx1, x2, axis=axis) + np.vecdot(x1, dx2, axis=axis)

if hasattr(np.linalg, "vecdot"):
    vjp_rule(np.linalg.vecdot, zero="any")(_vecdot_vjp)

    @jvp_rule(np.linalg.vecdot, zero="any")
    def _(dx1, dx2, ans, x1, x2, *, axis=-1):
        return np.linalg.vecdot(dx1, x2, axis=axis) + np.linalg.vecdot(x1, dx2, axis=axis)


# --- np.linalg's array-API functions -----------------------------------------------------------
#
# np.linalg.matmul and np.linalg.tensordot are functions of their own (not np.matmul and
# np.tensordot), with the same values and the same rules (rules/products.py).

if hasattr(np.linalg, "matmul"):
    @vjp_rule(np.linalg.matmul, zero="any")
    def _(g, ans, x1, x2):
        return matmul_adjoint_a(g, x1, x2), matmul_adjoint_b(g, x1, x2)

    @jvp_rule(np.linalg.matmul, zero="any")
    def _(dx1, dx2, ans, x1, x2):
        return np.linalg.matmul(dx1, x2) + np.linalg.matmul(x1, dx2)

if hasattr(np.linalg, "tensordot"):
    @vjp_rule(np.linalg.tensordot, zero="any")
    def _(g, ans, x1, x2, *, axes=2):
        return tensordot_adjoint_a(g, x1, x2, axes), tensordot_adjoint_b(g, x1, x2, axes)

    @jvp_rule(np.linalg.tensordot, zero="any")
    def _(dx1, dx2, ans, x1, x2, *, axes=2):
        return np.linalg.tensordot(dx1, x2, axes=axes) + np.linalg.tensordot(x1, dx2, axes=axes)


if hasattr(np.linalg, "outer"):
    @vjp_rule(np.linalg.outer, zero="any")
    def _(g, ans, x1, x2):
        return g @ x2, x1 @ g

    @jvp_rule(np.linalg.outer, zero="any")
    def _(dx1, dx2, ans, x1, x2):
        return np.linalg.outer(dx1, x2) + np.linalg.outer(x1, dx2)


# <g, a x b> = <a, b x g> = <b, g x a>
if hasattr(np.linalg, "cross"):
    @vjp_rule(np.linalg.cross, zero="any")
    def _(g, ans, x1, x2, *, axis=-1):
        if axis < 0:
            return np.linalg.cross(x2, g, axis=axis), np.linalg.cross(g, x1, axis=axis)
        # (a non-negative axis: operands of different ndim are not aligned by broadcasting)
        return (cross_adjoint_a(g, x1, x2, -1, -1, -1, axis),
                cross_adjoint_b(g, x1, x2, -1, -1, -1, axis))

    @jvp_rule(np.linalg.cross, zero="any")
    def _(dx1, dx2, ans, x1, x2, *, axis=-1):
        return np.linalg.cross(dx1, x2, axis=axis) + np.linalg.cross(x1, dx2, axis=axis)


if hasattr(np.linalg, "diagonal"):
    @vjp_rule(np.linalg.diagonal, zero="first")
    def _(g, ans, x, *, offset=0):
        return diagonal_adjoint(g, x, offset, -2, -1)

    @jvp_rule(np.linalg.diagonal, zero="first")
    def _(dx, ans, x, *, offset=0):
        return np.linalg.diagonal(dx, offset=offset)


# the trace sums the diagonal: each of its elements gets the trace's cotangent
if hasattr(np.linalg, "trace"):
    @vjp_rule(np.linalg.trace, zero="first")
    def _(g, ans, x, *, offset=0, dtype=None):
        return diagonal_adjoint(np.expand_dims(g, -1), x, offset, -2, -1)

    @jvp_rule(np.linalg.trace, zero="first")
    def _(dx, ans, x, *, offset=0, dtype=None):
        if dtype is None:
            return np.linalg.trace(dx, offset=offset)
        return np.linalg.trace(dx, offset=offset, dtype=dtype)


# The singular values s of A = U diag(s) V^T (distinct ones) have ds = diag(U^T dA V),
# so A's cotangent is U diag(g) V^T (np.linalg.svd with compute_uv=False).
if hasattr(np.linalg, "svdvals"):
    @vjp_rule(np.linalg.svdvals)
    def _(g, ans, x):
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        return (u * g[..., None, :]) @ vt

    @jvp_rule(np.linalg.svdvals)
    def _(dx, ans, x):
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        return np.sum(u * (dx @ np.swapaxes(vt, -1, -2)), axis=-2)


# Vector norms over all of x (axis None), one axis or several, with the formulas of
# np.linalg.norm (rules/norms.py): x / ||x|| for ord 2, sign(x) for 1, the sign at the
# elements of largest (smallest) magnitude for inf (-inf), split evenly on a tie, and
# sign(x) |x|**(p-1) / ||x||**(p-1) for other p; 0 for ord 0, which counts. At x = 0
# the 2-norm's gradient is taken as 0.
if hasattr(np.linalg, "vector_norm"):
    @vjp_rule(np.linalg.vector_norm)
    def _(g, ans, x, *, axis=None, keepdims=False, ord=2):
        if ord == 2:
            return x * sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, axis, keepdims)
        if ord == 0:
            return 0.0 * x
        if ord == 1:
            return sum_adjoint(g, x, axis, keepdims) * np.sign(x)
        if np.isinf(ord):
            hit = np.abs(x) == sum_adjoint(ans, x, axis, keepdims)
            return sum_adjoint(g, x, axis, keepdims) * np.sign(x) * hit / \
                np.sum(hit, axis=axis, keepdims=True, dtype=float_type(x))
        scale = g / np.where(ans == 0, np.inf, ans) ** (ord - 1)
        return sum_adjoint(scale, x, axis, keepdims) * np.sign(x) * np.abs(x) ** (ord - 1)

    @jvp_rule(np.linalg.vector_norm)
    def _(dx, ans, x, *, axis=None, keepdims=False, ord=2):
        if ord == 2:
            return np.sum(x * dx, axis=axis, keepdims=keepdims) / np.where(ans == 0, np.inf, ans)
        if ord == 0:
            return 0.0 * ans
        if ord == 1:
            return np.sum(np.sign(x) * dx, axis=axis, keepdims=keepdims)
        if np.isinf(ord):
            hit = np.abs(x) == sum_adjoint(ans, x, axis, keepdims)
            return np.sum(np.sign(x) * dx * hit, axis=axis, keepdims=keepdims) / \
                np.sum(hit, axis=axis, keepdims=keepdims, dtype=float_type(x))
        d = np.sign(x) * np.abs(x) ** (ord - 1)
        return np.sum(d * dx, axis=axis, keepdims=keepdims) / \
            np.where(ans == 0, np.inf, ans) ** (ord - 1)


# Matrix norms of the last two axes: the Frobenius norm is the 2-norm of the elements;
# the others ('nuc', 2, -2, 1, -1, inf, -inf) are those of np.linalg.norm with
# axis=(-2, -1) (see rules/norms.py).
if hasattr(np.linalg, "matrix_norm"):
    @vjp_rule(np.linalg.matrix_norm)
    def _(g, ans, x, *, keepdims=False, ord="fro"):
        if ord == "fro":
            return x * sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, (-2, -1), keepdims)
        return matrix_norm_adjoint(g, x, ord, (-2, -1), keepdims)

    @jvp_rule(np.linalg.matrix_norm)
    def _(dx, ans, x, *, keepdims=False, ord="fro"):
        if ord == "fro":
            return np.sum(x * dx, axis=(-2, -1), keepdims=keepdims) / \
                np.where(ans == 0, np.inf, ans)
        return matrix_norm_tangent(dx, x, ord, (-2, -1), keepdims)
