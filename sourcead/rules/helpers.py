"""Primitives that have no derivative, and the runtime helpers generated code calls.

A non-differentiable primitive may take differentiated values (a comparison
of two floats, the shape of an array); its result simply carries no
derivative. The runtime helpers appear in generated code; their shape
behaviour lets `opt.simplify` remove the ones that provably do nothing.
"""

import math
import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from .registry import nondifferentiable

nondifferentiable(np.sign, shape="elementwise")
nondifferentiable(np.shape, shape="shape_of", hint="shape")
nondifferentiable(np.size, np.ndim, len, shape="scalar")
nondifferentiable(np.floor, np.ceil, np.round, np.rint, np.trunc, np.isfinite, np.isnan,
                  np.isinf, np.greater, np.less, np.greater_equal, np.less_equal, np.equal,
                  np.not_equal, np.logical_and, np.logical_or, np.logical_not, shape="elementwise")
nondifferentiable(math.floor, math.ceil, math.isfinite, math.isnan, int, bool, round,
                  shape="scalar")
nondifferentiable(np.zeros_like, np.ones_like, np.empty_like, shape=("arg", 0))
nondifferentiable(np.zeros, np.ones, np.empty, np.full, np.full_like, np.eye)
nondifferentiable(np.arange, shape="dynamic")

P.defprim(np.broadcast_to, shape="broadcast_to", zero="first", hint="b")
P.defprim(np.expand_dims, zero="first")
P.defprim(runtime.unbroadcast, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.broadcast_like, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.sum_adjoint, shape=("arg", 1), zero="first", differentiable=False)
# impure: two owned copies of one value must stay two arrays (no CSE)
P.defprim(runtime.owned, shape=("arg", 0), differentiable=False, hint="owned", pure=False)
P.defprim(runtime.check_scalar, pure=False, differentiable=False)
P.defprim(runtime.seed, shape=("arg", 0), differentiable=False, hint="seed")
P.defprim(runtime.zeros_like, shape=("arg", 0), differentiable=False, hint="zero")
for _f in (runtime.matmul_adjoint_a, runtime.dot_adjoint_a):
    P.defprim(_f, shape=("arg", 1), zero="first", differentiable=False)
for _f in (runtime.matmul_adjoint_b, runtime.dot_adjoint_b):
    P.defprim(_f, shape=("arg", 2), zero="first", differentiable=False)
# Adding into an adjoint at an index: `added_at` copies first; `opt.inplace` turns it
# into `add_at` (in place, so impure) where the array is the adjoint's own.
P.defprim(runtime.added_at, shape=("arg", 0), differentiable=False, hint="bar")
P.defprim(runtime.add_at, shape=("arg", 0), differentiable=False, hint="bar", pure=False)
P.defprim(runtime.fresh_array, shape=("arg", 0), differentiable=False, hint="bar", pure=False)
P.defprim(runtime.Shape, differentiable=False, hint="shape")
P.defprim(runtime.set_item, shape=("arg", 0), hint="x")
P.defprim(runtime.appended, hint="items", exact=("xs",))
P.defprim(runtime.zeroed_at, shape=("arg", 0), differentiable=False, hint="bar")
P.defprim(runtime.item_copy, shape="dynamic", differentiable=False, hint="item")
P.defprim(runtime.astype_adjoint, shape=("arg", 1), zero="first", differentiable=False)
nondifferentiable(runtime.astype_discrete, shape=("arg", 0))
nondifferentiable(operator.and_, operator.or_, operator.xor, shape="elementwise")
# Helpers of the reduction rules (rules/reductions.py, rules/norms.py).
P.defprim(runtime.prod_others, shape=("arg", 0), differentiable=False)
P.defprim(runtime.cumprod_adjoint, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.cumprod_tangent, zero="first", differentiable=False)
P.defprim(runtime.average_weights, differentiable=False, hint="w")
P.defprim(runtime.vector_norm_axis, shape="scalar", differentiable=False, hint="axis")
# Indices, predicates and rounding: their results carry no derivative (rounding and
# floor division are piecewise constant, so theirs is 0 almost everywhere).
nondifferentiable(np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argwhere,
                  np.nonzero, np.flatnonzero, np.count_nonzero, np.any, np.all, np.allclose,
                  np.array_equal, np.identity)
nondifferentiable(np.around, np.fix, np.signbit, np.floor_divide, np.logical_xor, np.isposinf,
                  np.isneginf, np.isclose, operator.floordiv, shape="elementwise")
nondifferentiable(operator.not_, shape="scalar")
nondifferentiable(operator.invert, shape="arg0")
nondifferentiable(math.trunc, math.isinf, math.isclose, shape="scalar")
