"""Rules for np.linalg.norm of vectors, and of arrays along an axis.

||x||_p = (sum |x|**p)**(1/p) has d/dx = sign(x) |x|**(p-1) / ||x||**(p-1): x / ||x|| for
p = 2 (ord None, and the Frobenius norm, which is the 2-norm of all the elements), sign(x)
for p = 1, and for p = +-inf the sign at the elements of largest (smallest) magnitude, split
evenly on a tie as for np.max. At x = 0 the 2-norm's gradient is taken as 0 (a
subgradient), not 0 / 0. ord=0 counts the nonzero elements and has derivative 0.

Matrix norms (ord 'nuc', or a number with two axes, or with no axis and a 2-D x) are told
apart at run time (`sad_rt.is_matrix_norm`): 'nuc' has derivative U V^T, 2 (-2) u v^T of
the largest (smallest) singular value (distinct singular values assumed), 1 and inf (-1,
-inf) sign(x) on the largest (smallest) column or row sum, split evenly between ties.
"""

import numpy as np

from ..runtime import (float_type, is_matrix_norm, matrix_norm_adjoint, matrix_norm_tangent,
                       sum_adjoint, vector_norm_axis)
from .registry import jvp_rule, vjp_rule


@vjp_rule(np.linalg.norm)
def _(g, ans, x, ord=None, axis=None, keepdims=False):
    if ord is None or ord == "fro":
        return x * sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, axis, keepdims)
    if is_matrix_norm(x, ord, axis):
        return matrix_norm_adjoint(g, x, ord, axis, keepdims)
    axis = vector_norm_axis(x, ord, axis)
    if ord == 0:
        return 0.0 * x
    if ord == 1:
        return sum_adjoint(g, x, axis, keepdims) * np.sign(x)
    if ord == 2:
        return x * sum_adjoint(g / np.where(ans == 0, np.inf, ans), x, axis, keepdims)
    if np.isinf(ord):
        hit = np.abs(x) == sum_adjoint(ans, x, axis, keepdims)
        return sum_adjoint(g, x, axis, keepdims) * np.sign(x) * hit / \
            np.sum(hit, axis=axis, keepdims=True, dtype=float_type(x))
    scale = g / np.where(ans == 0, np.inf, ans) ** (ord - 1)
    return sum_adjoint(scale, x, axis, keepdims) * np.sign(x) * np.abs(x) ** (ord - 1)


@jvp_rule(np.linalg.norm)
def _(dx, ans, x, ord=None, axis=None, keepdims=False):
    if ord is None or ord == "fro":
        return np.sum(x * dx, axis=axis, keepdims=keepdims) / np.where(ans == 0, np.inf, ans)
    if is_matrix_norm(x, ord, axis):
        return matrix_norm_tangent(dx, x, ord, axis, keepdims)
    axis = vector_norm_axis(x, ord, axis)
    if ord == 0:
        return 0.0 * ans
    if ord == 1:
        return np.sum(np.sign(x) * dx, axis=axis, keepdims=keepdims)
    if ord == 2:
        return np.sum(x * dx, axis=axis, keepdims=keepdims) / np.where(ans == 0, np.inf, ans)
    if np.isinf(ord):
        hit = np.abs(x) == sum_adjoint(ans, x, axis, keepdims)
        return np.sum(np.sign(x) * dx * hit, axis=axis, keepdims=keepdims) / \
            np.sum(hit, axis=axis, keepdims=keepdims, dtype=float_type(x))
    d = np.sign(x) * np.abs(x) ** (ord - 1)
    return np.sum(d * dx, axis=axis, keepdims=keepdims) / \
        np.where(ans == 0, np.inf, ans) ** (ord - 1)
