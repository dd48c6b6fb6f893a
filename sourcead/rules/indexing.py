"""Rules for indexing: `x[index]` with any index NumPy accepts, and item assignment.

The adjoint adds the cotangent into a zero array at the index. Reverse mode
then adds each later contribution into the same array (see
`ad.reverse._Context.accumulate`), and `opt.inplace` makes those additions
in place where nothing else refers to the array, so a loop over the rows of
a matrix costs one row per iteration, not one matrix.
"""

import operator

from ..ir.core import Const
from ..ir.primitives import defprim
from ..runtime import added_at, appended, item_copy, item_written, set_item, zeroed_at, zeros_like
from .registry import jvp_rule, vjp_rule


@vjp_rule(operator.getitem)
def _(g, ans, x, index=None):
    return added_at(zeros_like(x), index, g)


@jvp_rule(operator.getitem)
def _(dx, ans, x, index=None):
    return dx[index]



# x[index] = v, written functionally as `x2 = set_item(x, index, v)` (opt.inplace makes it
# the statement again where x is unshared). The adjoint of x is g with the overwritten
# part zeroed; v's is the part of g at index (only the last write to a place an index
# array names twice counts), copied first so that zeroing g in place cannot change it.
@vjp_rule(set_item)
def _(g, ans, x, index, v):
    v_bar = item_written(g, index)
    return zeroed_at(g, index), None, v_bar


@jvp_rule(set_item)
def _(dx, dindex, dv, ans, x, index, v):
    return set_item(dx, index, dv)


# xs.append(v), written functionally as `xs2 = appended(xs, v)`: the adjoint of the list
# before is all but the last item of the adjoint after, and v's is the last.
@vjp_rule(appended)
def _(g, ans, xs, v):
    return g[:-1], g[-1]


@jvp_rule(appended)
def _(dxs, dv, ans, xs, v):
    return appended(dxs, dv)


def _indexed_shape(op, shapes):
    """`a[k]` and `b[k]` have the same shape when `a` and `b` do and `k` is the same value
    (the same Var: a boolean mask's count depends on its values)."""
    base = shapes.of(op.args[0])
    index = op.args[1] if len(op.args) > 1 else None
    if not isinstance(base, frozenset):
        return None
    key = index._key() if isinstance(index, Const) else index
    try:
        hash(key)
    except TypeError:
        return None
    return frozenset((("getitem", base, key),))


defprim(operator.getitem, shape=_indexed_shape)
defprim(item_copy, shape=_indexed_shape)
defprim(item_written, shape=_indexed_shape)
