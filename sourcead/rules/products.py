"""Rules for products: matmul, dot, vdot, inner, outer, tensordot, kron, cross,
convolve, correlate and einsum.

All are bilinear: the JVP is the product with one tangent plus the product with the
other (a symbolic zero tangent drops its term), and each VJP contracts the cotangent
with the other operand. einsum takes any number of operands (see rules/variadic.py).
"""

import operator

import numpy as np

from ..runtime import (convolve_adjoint_a, convolve_adjoint_v, correlate_adjoint_a,
                       correlate_adjoint_v, cross_adjoint_a, cross_adjoint_b, dot_adjoint_a,
                       dot_adjoint_b, einsum_adjoint, einsum_adjoint_is_einsum,
                       einsum_adjoint_subscripts, einsum_operand_first, einsum_subscripts,
                       inner_adjoint_a,
                       inner_adjoint_b, kron_adjoint_a, kron_adjoint_b, matmul_adjoint_a,
                       matmul_adjoint_b, tensordot_adjoint_a, tensordot_adjoint_b)
from .registry import jvp_rule, vjp_rule
from .variadic import Variadic, variadic_jvp, variadic_vjp


@vjp_rule(operator.matmul, np.matmul, zero="any", shape="fresh")
def _(g, ans, a, b):
    return matmul_adjoint_a(g, a, b), matmul_adjoint_b(g, a, b)


@jvp_rule(operator.matmul, np.matmul, zero="any", shape="fresh")
def _(da, db, ans, a, b):
    return da @ b + a @ db


@vjp_rule(np.dot, zero="any")
def _(g, ans, a, b):
    return dot_adjoint_a(g, a, b), dot_adjoint_b(g, a, b)


@jvp_rule(np.dot, zero="any")
def _(da, db, ans, a, b):
    return np.dot(da, b) + np.dot(a, db)


@vjp_rule(np.vdot, zero="any")
def _(g, ans, a, b):
    return np.reshape(g * b, np.shape(a)), np.reshape(g * a, np.shape(b))


@jvp_rule(np.vdot, zero="any")
def _(da, db, ans, a, b):
    return np.vdot(da, b) + np.vdot(a, db)


@vjp_rule(np.inner, zero="any")
def _(g, ans, a, b):
    return inner_adjoint_a(g, a, b), inner_adjoint_b(g, a, b)


@jvp_rule(np.inner, zero="any")
def _(da, db, ans, a, b):
    return np.inner(da, b) + np.inner(a, db)


# np.outer flattens both operands first
@vjp_rule(np.outer, zero="any")
def _(g, ans, a, b):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


@jvp_rule(np.outer, zero="any")
def _(da, db, ans, a, b):
    return np.outer(da, b) + np.outer(a, db)


@vjp_rule(np.tensordot, zero="any")
def _(g, ans, a, b, axes=2):
    return tensordot_adjoint_a(g, a, b, axes), tensordot_adjoint_b(g, a, b, axes)


@jvp_rule(np.tensordot, zero="any")
def _(da, db, ans, a, b, axes=2):
    return np.tensordot(da, b, axes) + np.tensordot(a, db, axes)


@vjp_rule(np.kron, zero="any")
def _(g, ans, a, b):
    return kron_adjoint_a(g, a, b), kron_adjoint_b(g, a, b)


@jvp_rule(np.kron, zero="any")
def _(da, db, ans, a, b):
    return np.kron(da, b) + np.kron(a, db)


@vjp_rule(np.cross, zero="any")
def _(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (cross_adjoint_a(g, a, b, axisa, axisb, axisc, axis),
            cross_adjoint_b(g, a, b, axisa, axisb, axisc, axis))


@jvp_rule(np.cross, zero="any")
def _(da, db, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        return np.cross(da, b, axis=axis) + np.cross(a, db, axis=axis)
    if axisa == -1 and axisb == -1 and axisc == -1:
        return np.cross(da, b) + np.cross(a, db)
    return np.cross(da, b, axisa, axisb, axisc) + np.cross(a, db, axisa, axisb, axisc)


@vjp_rule(np.convolve, zero="any")
def _(g, ans, a, v, mode="full"):
    return convolve_adjoint_a(g, a, v, mode), convolve_adjoint_v(g, a, v, mode)


@jvp_rule(np.convolve, zero="any")
def _(da, dv, ans, a, v, mode="full"):
    if mode == "full":
        return np.convolve(da, v) + np.convolve(a, dv)
    return np.convolve(da, v, mode) + np.convolve(a, dv, mode)


@vjp_rule(np.correlate, zero="any")
def _(g, ans, a, v, mode="valid"):
    return correlate_adjoint_a(g, a, v, mode), correlate_adjoint_v(g, a, v, mode)


@jvp_rule(np.correlate, zero="any")
def _(da, dv, ans, a, v, mode="valid"):
    if mode == "valid":
        return np.correlate(da, v) + np.correlate(a, dv)
    return np.correlate(da, v, mode) + np.correlate(a, dv, mode)


# --- einsum ---------------------------------------------------------------------------------
#
# einsum is linear in each operand. Its tangent is a sum of einsums, each with one
# operand's tangent, moved to the front (so that a zero tangent drops its term); the
# adjoint of an operand is the einsum of the cotangent with the other operands, where the
# operand's subscripts allow (in general, `sad_rt.einsum_adjoint` also broadcasts along
# letters of that operand alone and writes diagonals). Subscripts must be a constant.

def _einsum_shape(op, shapes):
    """Einsums whose output letters each come from the same axes of same-shaped operands
    have the same shape (the terms of a tangent, whatever the order of their operands)."""
    from ..ir.core import Const
    spec = op.args[0]
    if not isinstance(spec, Const) or not isinstance(spec.value, str) or "." in spec.value:
        return None
    ins, out = einsum_subscripts(spec.value)
    classes = [shapes.of(x) for x in op.args[1:]]
    if len(ins) != len(classes) or not all(isinstance(c, frozenset) for c in classes):
        return None
    if not out:
        return frozenset()   # a scalar
    key = tuple(frozenset((c, i) for s, c in zip(ins, classes) for i, letter in enumerate(s)
                          if letter == ch) for ch in out)
    return frozenset((("einsum", key),))


EINSUM = Variadic(np.einsum, np.einsum, start=1, keywords=("optimize",), zero="any",
                  shape=_einsum_shape)


@variadic_vjp(EINSUM)
def _(g, ans, subscripts, xs, optimize=False):
    parts = []
    for k, x in enumerate(xs):
        others = []
        for i, y in enumerate(xs):
            if i != k:
                others.append(y)
        if einsum_adjoint_is_einsum(subscripts, k):
            parts.append(np.einsum(einsum_adjoint_subscripts(subscripts, k), g, *others))
        else:
            parts.append(einsum_adjoint(g, subscripts, k, *xs))
    return parts


@variadic_jvp(EINSUM)
def _(dxs, ans, subscripts, xs, optimize=False):
    t = 0.0
    for k, dx in enumerate(dxs):
        others = []
        for i, y in enumerate(xs):
            if i != k:
                others.append(y)
        t = t + np.einsum(einsum_operand_first(subscripts, k), dx, *others)
    return t
