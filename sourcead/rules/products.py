"""Rules for products: matmul, dot."""

import operator

import numpy as np

from ..runtime import dot_adjoint_a, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b
from .registry import jvp_rule, vjp_rule


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
