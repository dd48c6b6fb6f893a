"""Rules for the helpers generated code calls, so that generated code can itself be
differentiated: forward over reverse (`hvp`, `hessian`) and reverse over reverse (grad
of grad, for code without loops: a tape's `next` has no reverse rule).

Adjoint helpers are linear in the cotangent they are given (and in the primal operand a
product's adjoint multiplies by); their other operands only give shapes. Tapes are
replayed by their tangents in step: `next(x_back)` has the tangent `next(x_back_dot)`.
A helper is declared without derivative (`differentiable=False`) only where its result
does not depend on a differentiated value (shapes, seeds, checks, zeros); every other
one has a rule here or is refused when differentiated, never taken as a constant.
"""

import numpy as np

from .. import runtime
from ..ir import primitives as P
from .registry import jvp_rule, vjp_rule


@jvp_rule(runtime.unbroadcast, differentiable=True)
def _(dg, dx, ans, g, x):
    return runtime.unbroadcast(dg, x)


@jvp_rule(runtime.broadcast_like, differentiable=True)
def _(dt, dans, ans, t, like):
    return runtime.broadcast_like(dt, like)


@jvp_rule(runtime.sum_adjoint, differentiable=True)
def _(dg, dx, daxis, dkeep, ans, g, x, axis, keepdims):
    return runtime.sum_adjoint(dg, x, axis, keepdims)


@jvp_rule(runtime.matmul_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.matmul_adjoint_a(dg, a, b) + runtime.matmul_adjoint_a(g, a, db)


@jvp_rule(runtime.matmul_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.matmul_adjoint_b(dg, a, b) + runtime.matmul_adjoint_b(g, da, b)


@jvp_rule(runtime.dot_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.dot_adjoint_a(dg, a, b) + runtime.dot_adjoint_a(g, a, db)


@jvp_rule(runtime.dot_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.dot_adjoint_b(dg, a, b) + runtime.dot_adjoint_b(g, da, b)


@jvp_rule(runtime.added_at, runtime.add_at, differentiable=True)
def _(dacc, dindex, dg, ans, acc, index, g):
    return runtime.added_at(dacc, index, dg)


@jvp_rule(runtime.zeroed_at, differentiable=True)
def _(dg, dindex, ans, g, index):
    return runtime.zeroed_at(dg, index)


@jvp_rule(runtime.item_written, differentiable=True)
def _(dg, dindex, ans, g, index):
    return runtime.item_written(dg, index)


@jvp_rule(runtime.written_adjoint, differentiable=True)
def _(dc, dg, dindex, ans, c, g, index):
    return runtime.written_adjoint(dc, g, index)


@jvp_rule(runtime.item_copy, differentiable=True)
def _(dg, dindex, ans, g, index):
    return runtime.item_copy(dg, index)


@jvp_rule(runtime.keep_zeros, differentiable=True)
def _(dg, dc, ans, g, c):
    return runtime.keep_zeros(g, dc)


@jvp_rule(runtime.astype_adjoint, differentiable=True)
def _(dg, dx, ans, g, x):
    return runtime.astype_adjoint(dg, x)


@jvp_rule(runtime.owned, runtime.fresh_array, differentiable=True)
def _(dx, ans, x):
    return runtime.owned(dx)


# Adjoint helpers linear in the cotangent, whose other operands give only shapes,
# indices or constants: the tangent is the helper applied to the cotangent's tangent.
@jvp_rule(runtime.tile_adjoint, differentiable=True)
def _(dg, dx, dreps, ans, g, x, reps):
    return runtime.tile_adjoint(dg, x, reps)


@jvp_rule(runtime.repeat_adjoint, differentiable=True)
def _(dg, dx, drepeats, ans, g, x, repeats, axis=None):
    return runtime.repeat_adjoint(dg, x, repeats, axis)


@jvp_rule(runtime.pad_adjoint, differentiable=True)
def _(dg, dx, dwidth, ans, g, x, pad_width, mode="constant"):
    return runtime.pad_adjoint(dg, x, pad_width, mode)


@jvp_rule(runtime.take_adjoint, differentiable=True)
def _(dg, dx, dindices, ans, g, x, indices, axis=None, mode="raise"):
    return runtime.take_adjoint(dg, x, indices, axis, mode)


@jvp_rule(runtime.take_along_axis_adjoint, differentiable=True)
def _(dg, dx, dindices, ans, g, x, indices, axis=-1):
    return runtime.take_along_axis_adjoint(dg, x, indices, axis)


@jvp_rule(runtime.diagonal_adjoint, differentiable=True)
def _(dg, dx, ans, g, x, offset=0, axis1=0, axis2=1):
    return runtime.diagonal_adjoint(dg, x, offset, axis1, axis2)


@jvp_rule(runtime.diag_adjoint, differentiable=True)
def _(dg, dv, ans, g, v, k=0):
    return runtime.diag_adjoint(dg, v, k)


@jvp_rule(runtime.diff_adjoint, differentiable=True)
def _(dg, dx, ans, g, x, n=1, axis=-1, prepend=None, append=None):
    return runtime.diff_adjoint(dg, x, n, axis, prepend, append)


@jvp_rule(runtime.gradient_adjoint, differentiable=True)
def _(dg, df, ans, g, f, spacing=None, axis=None, edge_order=1):
    return runtime.gradient_adjoint(dg, f, spacing, axis, edge_order)


@jvp_rule(runtime.as_columns, differentiable=True)
def _(dx, dvector, ans, x, vector):
    return runtime.as_columns(dx, vector)


@jvp_rule(runtime.from_columns, differentiable=True)
def _(dx, dvector, ans, x, vector):
    return runtime.from_columns(dx, vector)


@jvp_rule(runtime.when_nonempty, differentiable=True)
def _(dvalue, dx, ddefault, ans, value, x, default):
    return runtime.when_nonempty(dvalue, x, ddefault)


# (checked_tangent's parameter `ans`, the output it checks against, is `like` here.)
@jvp_rule(runtime.checked_tangent, differentiable=True)
def _(dt, dlike, drule, ans, t, like, rule):
    return runtime.checked_tangent(dt, like, rule)


@jvp_rule(runtime.checked_cotangent, differentiable=True)
def _(dc, dx, dlike, drule, ans, c, x, like, rule):
    return runtime.checked_cotangent(dc, x, like, rule)


# The adjoints of products are linear in the cotangent and in the other factor.
@jvp_rule(runtime.inner_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.inner_adjoint_a(dg, a, b) + runtime.inner_adjoint_a(g, a, db)


@jvp_rule(runtime.inner_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.inner_adjoint_b(dg, a, b) + runtime.inner_adjoint_b(g, da, b)


@jvp_rule(runtime.tensordot_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b, axes=2):
    return runtime.tensordot_adjoint_a(dg, a, b, axes) + runtime.tensordot_adjoint_a(g, a, db, axes)


@jvp_rule(runtime.tensordot_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b, axes=2):
    return runtime.tensordot_adjoint_b(dg, a, b, axes) + runtime.tensordot_adjoint_b(g, da, b, axes)


@jvp_rule(runtime.kron_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.kron_adjoint_a(dg, a, b) + runtime.kron_adjoint_a(g, a, db)


@jvp_rule(runtime.kron_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b):
    return runtime.kron_adjoint_b(dg, a, b) + runtime.kron_adjoint_b(g, da, b)


@jvp_rule(runtime.cross_adjoint_a, differentiable=True)
def _(dg, da, db, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return runtime.cross_adjoint_a(dg, a, b, axisa, axisb, axisc, axis) + \
        runtime.cross_adjoint_a(g, a, db, axisa, axisb, axisc, axis)


@jvp_rule(runtime.cross_adjoint_b, differentiable=True)
def _(dg, da, db, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return runtime.cross_adjoint_b(dg, a, b, axisa, axisb, axisc, axis) + \
        runtime.cross_adjoint_b(g, da, b, axisa, axisb, axisc, axis)


@jvp_rule(runtime.convolve_adjoint_a, differentiable=True)
def _(dg, da, dv, ans, g, a, v, mode="full"):
    return runtime.convolve_adjoint_a(dg, a, v, mode) + runtime.convolve_adjoint_a(g, a, dv, mode)


@jvp_rule(runtime.convolve_adjoint_v, differentiable=True)
def _(dg, da, dv, ans, g, a, v, mode="full"):
    return runtime.convolve_adjoint_v(dg, a, v, mode) + runtime.convolve_adjoint_v(g, da, v, mode)


@jvp_rule(runtime.correlate_adjoint_a, differentiable=True)
def _(dg, da, dv, ans, g, a, v, mode="valid"):
    return runtime.correlate_adjoint_a(dg, a, v, mode) + \
        runtime.correlate_adjoint_a(g, a, dv, mode)


@jvp_rule(runtime.correlate_adjoint_v, differentiable=True)
def _(dg, da, dv, ans, g, a, v, mode="valid"):
    return runtime.correlate_adjoint_v(dg, a, v, mode) + \
        runtime.correlate_adjoint_v(g, da, v, mode)


# Helpers whose result depends on a differentiated value in a way no rule here gives
# (products of the other elements, scans, matrix norms, interpolation, einsum's and the
# joining functions' adjoints of any number of arrays): differentiating them is refused
# with a NoDerivativeError rather than their result taken as a constant.
for _f in (runtime.prod_others, runtime.cumprod_adjoint, runtime.cumprod_tangent,
           runtime.matrix_norm_adjoint, runtime.matrix_norm_tangent, runtime.interp_slope,
           runtime.interp_tangent, runtime.interp_adjoint, runtime.einsum_adjoint,
           runtime.rearrangement_adjoint, runtime.concatenate_part, runtime.stack_part,
           runtime.hstack_part, runtime.vstack_part, runtime.column_stack_part):
    P.defprim(_f, differentiable=True)


# Tapes: a reversed list, and the next item of it, in step with their tangents.
@jvp_rule(reversed, pure=False, differentiable=True)
def _(dxs, ans, xs):
    return reversed(dxs)


@jvp_rule(next, pure=False, differentiable=True)
def _(dit, ans, it):
    return next(dit)


# Helpers that give no derivative whatever their operands: shapes, seeds, checks.
CONSTANT = (runtime.seed, runtime.check_scalar, runtime.zeros_like, runtime.Shape,
            runtime.stop_gradient, runtime.astype_discrete)
P.defprim(runtime.owned, differentiable=True)


# Reverse over reverse (grad of grad): each adjoint helper is linear in its cotangent
# (and a product's in the other factor), so its own adjoint is its transpose.
@vjp_rule(runtime.unbroadcast)
def _(ct, ans, g, x):
    return np.broadcast_to(ct, np.shape(g)), None


@vjp_rule(runtime.broadcast_like)
def _(ct, ans, t, like):
    return runtime.unbroadcast(ct, t), None


@vjp_rule(runtime.sum_adjoint)
def _(ct, ans, g, x, axis, keepdims):
    return np.sum(ct, axis=axis, keepdims=keepdims), None, None, None


@vjp_rule(runtime.matmul_adjoint_a)
def _(ct, ans, g, a, b):
    return np.matmul(ct, b), None, runtime.matmul_adjoint_b(g, ct, b)


@vjp_rule(runtime.matmul_adjoint_b)
def _(ct, ans, g, a, b):
    return np.matmul(a, ct), runtime.matmul_adjoint_a(g, a, ct), None


@vjp_rule(runtime.dot_adjoint_a)
def _(ct, ans, g, a, b):
    return np.dot(ct, b), None, runtime.dot_adjoint_b(g, ct, b)


@vjp_rule(runtime.dot_adjoint_b)
def _(ct, ans, g, a, b):
    return np.dot(a, ct), runtime.dot_adjoint_a(g, a, ct), None


@vjp_rule(runtime.added_at, runtime.add_at)
def _(ct, ans, acc, index, g):
    return ct, None, runtime.item_copy(ct, index)


@vjp_rule(runtime.zeroed_at)
def _(ct, ans, g, index):
    return runtime.zeroed_at(ct, index), None


@vjp_rule(runtime.item_copy)
def _(ct, ans, g, index):
    return runtime.added_at(runtime.zeros_like(g), index, ct), None


@vjp_rule(runtime.item_written)
def _(ct, ans, g, index):
    return runtime.written_adjoint(ct, g, index), None


@vjp_rule(runtime.written_adjoint)
def _(ct, ans, c, g, index):
    return runtime.item_written(ct, index), None, None


@vjp_rule(runtime.keep_zeros)
def _(ct, ans, g, c):
    return None, runtime.keep_zeros(g, ct)


@vjp_rule(runtime.astype_adjoint)
def _(ct, ans, g, x):
    return ct, None


@vjp_rule(runtime.owned, runtime.fresh_array)
def _(ct, ans, x):
    return ct


# Helpers of forward-mode code (reverse over forward: the VJP of a gradient with
# respect to other arguments, hvp of a function that calls others).
@vjp_rule(runtime.as_columns)
def _(ct, ans, x, vector):
    return runtime.from_columns(ct, vector), None


@vjp_rule(runtime.from_columns)
def _(ct, ans, x, vector):
    return runtime.as_columns(ct, vector), None


@vjp_rule(runtime.checked_tangent)
def _(ct, ans, t, like, rule):
    return ct, None, None
