"""Rules for the helpers generated code calls, so that generated code can itself be
differentiated: forward over reverse (`hvp`, `hessian`) and reverse over reverse (grad
of grad, for code without loops: a tape's `next` has no reverse rule).

Adjoint helpers are linear in the cotangent they are given (and in the primal operand a
product's adjoint multiplies by); their other operands only give shapes. Tapes are
replayed by their tangents in step: `next(x_back)` has the tangent `next(x_back_dot)`.
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
