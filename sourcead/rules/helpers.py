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
nondifferentiable(np.zeros, np.ones, np.empty, np.eye)

P.defprim(np.broadcast_to, shape="broadcast_to", zero="first", hint="b")
P.defprim(np.expand_dims, zero="first")
P.defprim(runtime.unbroadcast, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.broadcast_like, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.sum_adjoint, shape=("arg", 1), zero="first", differentiable=False)
# impure: two owned copies of one value must stay two arrays (no CSE)
P.defprim(runtime.owned, shape=("arg", 0), differentiable=False, hint="owned", pure=False)
P.defprim(runtime.check_scalar, pure=False, differentiable=False)
P.defprim(runtime.seed, shape=("arg", 0), differentiable=False, hint="seed")
# each zeros_like is an array of its own: generated code adds into it in place (add_at)
P.defprim(runtime.zeros_like, shape=("arg", 0), differentiable=False, hint="zero",
          fresh=True)
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
P.defprim(runtime.keep_zeros, shape="elementwise", differentiable=False, hint="bar")
nondifferentiable(runtime.stop_gradient, shape=("arg", 0))
nondifferentiable(runtime.basis, hint="tangents")
nondifferentiable(runtime.float_type, hint="dtype")
nondifferentiable(runtime.jacobian_shape, hint="shape")
nondifferentiable(runtime.shares_memory, shape="scalar", hint="is_view")
nondifferentiable(runtime.is_array, shape="scalar", hint="is_array")
P.defprim(runtime.check_not_view, pure=False, differentiable=False)
P.defprim(runtime.check_is_view, pure=False, differentiable=False)
P.defprim(runtime.check_not_array, pure=False, differentiable=False)
P.defprim(runtime.check_length, pure=False, differentiable=False)
P.defprim(runtime.checked_cotangent, shape=("arg", 0), differentiable=False, hint="bar",
          pure=False)
P.defprim(runtime.checked_tangent, shape=("arg", 0), differentiable=False, hint="dot",
          pure=False)
P.defprim(runtime.set_item, shape=("arg", 0), hint="x")
P.defprim(runtime.set_item_overlapping, shape=("arg", 0), hint="x")
P.defprim(runtime.set_item_overlapping_tangent, shape=("arg", 2), hint="dot")
P.defprim(runtime.set_item_overlapping_adjoint, shape=("arg", 1), hint="bar")
P.defprim(runtime.set_item_overlapping_adjoint_value, shape=("arg", 3), hint="bar")
P.defprim(runtime.appended, hint="items", exact=("xs",))
P.defprim(runtime.joined, hint="items")
P.defprim(runtime.joined_tangent, hint="items")
P.defprim(runtime.joined_adjoint, hint="bar")
P.defprim(runtime.refreshed, shape=("arg", 0), hint="items")
P.defprim(runtime.refreshed_tangent, shape=("arg", 0), hint="items")
P.defprim(runtime.refreshed_adjoint, shape=("arg", 0), hint="items")
P.defprim(runtime.refreshed_adjoint_new, shape=("arg", 2), hint="bar")
P.defprim(runtime.laid_out_like, shape=("arg", 0))
P.defprim(runtime.written_through, shape=("arg", 0))
P.defprim(runtime.written_through_tangent, shape=("arg", 2))
P.defprim(runtime.written_through_adjoint, shape=("arg", 0))
P.defprim(runtime.written_through_adjoint_new, shape=("arg", 2))
P.defprim(runtime.reseated, shape=("arg", 0))
P.defprim(runtime.zeroed_at, shape=("arg", 0), differentiable=False, hint="bar")
P.defprim(runtime.item_copy, shape="dynamic", differentiable=False, hint="item")
P.defprim(runtime.item_written, shape="dynamic", differentiable=False, hint="item")
P.defprim(runtime.written_adjoint, shape=("arg", 1), differentiable=False, hint="bar")
P.defprim(runtime.astype_adjoint, shape=("arg", 1), zero="first", differentiable=False)
nondifferentiable(runtime.astype_discrete, shape=("arg", 0))
nondifferentiable(operator.and_, operator.or_, operator.xor, shape="elementwise")
# Helpers of the reduction rules (rules/reductions.py, rules/norms.py).
P.defprim(runtime.prod_others, shape=("arg", 0), differentiable=False)
P.defprim(runtime.cumprod_adjoint, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.cumprod_tangent, zero="first", differentiable=False)
P.defprim(runtime.average_weights, differentiable=False, hint="w")
P.defprim(runtime.vector_norm_axis, shape="scalar", differentiable=False, hint="axis")
P.defprim(runtime.is_matrix_norm, shape="scalar", differentiable=False, hint="matrix")
P.defprim(runtime.matrix_norm_adjoint, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.matrix_norm_tangent, zero="first", differentiable=False)
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
# Helpers of the shape and indexing rules (rules/shape.py). The adjoint of the k-th of
# several joined arrays, `*_part(g, ..., k, *shapes)`, has the k-th of the shapes.
def _shape_given(k_at, first):
    """The class of the shape tuple at argument `first` + k, k the constant at `k_at`
    (k_at None: the one at `first`)."""
    def shape(op, shapes):
        from ..ir.core import Const
        from ..opt.shapes import ShapeOf
        k = Const(0) if k_at is None else op.args[k_at]
        if not isinstance(k, Const) or len(op.args) <= first + k.value:
            return None
        c = shapes.of(op.args[first + k.value])
        return c.cls if isinstance(c, ShapeOf) else None
    return shape


for _f, _k_at, _first in ((runtime.concatenate_part, 2, 3), (runtime.stack_part, None, 3),
                          (runtime.hstack_part, 1, 2), (runtime.vstack_part, 1, 2),
                          (runtime.column_stack_part, 1, 2)):
    P.defprim(_f, shape=_shape_given(_k_at, _first), zero="first", differentiable=False,
              hint="part")
for _f in (runtime.tile_adjoint, runtime.repeat_adjoint, runtime.pad_adjoint,
           runtime.take_adjoint, runtime.take_along_axis_adjoint, runtime.diagonal_adjoint,
           runtime.diag_adjoint, runtime.diff_adjoint, runtime.interp_tangent):
    P.defprim(_f, shape=("arg", 1), zero="first", differentiable=False)
P.defprim(runtime.interp_adjoint, shape=("arg", 2), zero="first", differentiable=False)
P.defprim(runtime.interp_slope, shape=("arg", 0), differentiable=False, hint="slope")
P.defprim(runtime.pad_linear_mode, shape="scalar", differentiable=False, hint="mode")
# Helpers of the product rules (rules/products.py).
for _f in (runtime.inner_adjoint_a, runtime.tensordot_adjoint_a, runtime.kron_adjoint_a,
           runtime.cross_adjoint_a, runtime.convolve_adjoint_a, runtime.correlate_adjoint_a):
    P.defprim(_f, shape=("arg", 1), zero="first", differentiable=False)
for _f in (runtime.inner_adjoint_b, runtime.tensordot_adjoint_b, runtime.kron_adjoint_b,
           runtime.cross_adjoint_b, runtime.convolve_adjoint_v, runtime.correlate_adjoint_v):
    P.defprim(_f, shape=("arg", 2), zero="first", differentiable=False)
def _einsum_operand_shape(op, shapes):
    """`einsum_adjoint(g, subscripts, k, *operands)` has the k-th operand's shape."""
    from ..ir.core import Const
    k = op.args[2] if len(op.args) > 2 else None
    if not isinstance(k, Const) or len(op.args) <= 3 + k.value:
        return None
    return shapes.of(op.args[3 + k.value])


P.defprim(runtime.einsum_adjoint, shape=_einsum_operand_shape, zero="first",
          differentiable=False)
for _f in (runtime.einsum_operand_first, runtime.einsum_adjoint_is_einsum,
           runtime.einsum_adjoint_subscripts):
    P.defprim(_f, shape="scalar", differentiable=False, hint="subscripts")
P.defprim(runtime.rearrangement_adjoint, shape=("arg", 1), zero="first", differentiable=False)
