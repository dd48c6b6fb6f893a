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
from ..runtime import (added_at, appended, item_copy, item_written, joined, joined_adjoint,
                       joined_tangent, laid_out_like, refreshed,
                       refreshed_adjoint, refreshed_adjoint_new, refreshed_tangent, reseated,
                       set_item, set_item_overlapping, set_item_overlapping_adjoint,
                       set_item_overlapping_adjoint_value, set_item_overlapping_tangent,
                       written_through, written_through_adjoint,
                       written_through_adjoint_new, written_through_tangent, zeroed_at,
                       zeros_like)
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


# x[index] = v where v may be a view into x's memory (sourcead/overlap.py): a gather
# of the elements of x and v, decided at run time; the tangent is the same gather, the
# adjoints its transpose (x's part and v's). All four are linear in their first
# operands, each the transpose of another.
@jvp_rule(set_item_overlapping)
def _(dx, dindex, dv, ans, x, index, v):
    return set_item_overlapping_tangent(dx, dv, x, index, v)


@vjp_rule(set_item_overlapping)
def _(g, ans, x, index, v):
    return (set_item_overlapping_adjoint(g, x, index, v), None,
            set_item_overlapping_adjoint_value(g, x, index, v))


@jvp_rule(set_item_overlapping_tangent)
def _(ddx, ddv, dx_, dindex, dv_, ans, dx, dv, x, index, v):
    return set_item_overlapping_tangent(ddx, ddv, x, index, v)


@vjp_rule(set_item_overlapping_tangent)
def _(g, ans, dx, dv, x, index, v):
    return (set_item_overlapping_adjoint(g, x, index, v),
            set_item_overlapping_adjoint_value(g, x, index, v), None, None, None)


@jvp_rule(set_item_overlapping_adjoint)
def _(dg, dx, dindex, dv, ans, g, x, index, v):
    return set_item_overlapping_adjoint(dg, x, index, v)


@vjp_rule(set_item_overlapping_adjoint)
def _(c, ans, g, x, index, v):
    return set_item_overlapping_tangent(c, zeros_like(v), x, index, v), None, None, None


@jvp_rule(set_item_overlapping_adjoint_value)
def _(dg, dx, dindex, dv, ans, g, x, index, v):
    return set_item_overlapping_adjoint_value(dg, x, index, v)


@vjp_rule(set_item_overlapping_adjoint_value)
def _(c, ans, g, x, index, v):
    return set_item_overlapping_tangent(zeros_like(x), c, x, index, v), None, None, None


# xs.append(v), written functionally as `xs2 = appended(xs, v)`: the adjoint of the list
# before is all but the last item of the adjoint after, and v's is the last.
@vjp_rule(appended)
def _(g, ans, xs, v):
    return g[:-1], g[-1]


@jvp_rule(appended)
def _(dxs, dv, ans, xs, v):
    return appended(dxs, dv)


# xs + ys where either may be a list: for lists, the adjoint of each is its part of the
# adjoint of the whole (decided at run time; for arrays and numbers it is addition's)
@vjp_rule(joined)
def _(g, ans, xs, ys):
    return joined_adjoint(g, xs, ys, False), joined_adjoint(g, xs, ys, True)


@jvp_rule(joined)
def _(dxs, dys, ans, xs, ys):
    return joined_tangent(dxs, dys, xs, ys)


@jvp_rule(joined_tangent)
def _(ddxs, ddys, dxs_, dys_, ans, dxs, dys, xs, ys):
    return joined_tangent(ddxs, ddys, xs, ys)


@vjp_rule(joined_tangent)
def _(g, ans, dxs, dys, xs, ys):
    return joined_adjoint(g, xs, ys, False), joined_adjoint(g, xs, ys, True), None, None


@jvp_rule(joined_adjoint)
def _(dg, dxs, dys, dsecond, ans, g, xs, ys, second):
    return joined_adjoint(dg, xs, ys, second)


@vjp_rule(joined_adjoint)
def _(c, ans, g, xs, ys, second):
    if second:
        return joined_tangent(zeros_like(xs), c, xs, ys), None, None, None
    return joined_tangent(c, zeros_like(ys), xs, ys), None, None, None


# After `old` became `new`, a list built at run time (or an item read out of one) shows
# `new` where it showed `old` or a view of it: `refreshed(y, old, new)` (see
# sourcead/refresh.py).
def _selection_rules(primal, tangent, adjoint, adjoint_new):
    """The rules of `primal(y, old, new, where)`, linear in (y, new), with `old` saying
    only which part of the result is new's: its tangent `tangent(dy, dnew, y, old)` and
    its adjoints `adjoint(g, y, old)` (y's) and `adjoint_new(g, y, old)` (new's) are linear
    in their first operands, each the transpose of another, so derivatives of any order
    close over these four."""
    @jvp_rule(primal)
    def _(dy, dold, dnew, ans, y, old, new, where=""):
        return tangent(dy, dnew, y, old)

    @vjp_rule(primal)
    def _(g, ans, y, old, new, where=""):
        return adjoint(g, y, old), None, adjoint_new(g, y, old)

    @jvp_rule(tangent)
    def _(ddy, ddnew, dy_, dold, ans, dy, dnew, y, old):
        return tangent(ddy, ddnew, y, old)

    @vjp_rule(tangent)
    def _(g, ans, dy, dnew, y, old):
        return adjoint(g, y, old), adjoint_new(g, y, old), None, None

    @jvp_rule(adjoint)
    def _(dg, dy, dold, ans, g, y, old):
        return adjoint(dg, y, old)

    @vjp_rule(adjoint)
    def _(c, ans, g, y, old):
        return adjoint(c, y, old), None, None

    @jvp_rule(adjoint_new)
    def _(dg, dy, dold, ans, g, y, old):
        return adjoint_new(dg, y, old)

    @vjp_rule(adjoint_new)
    def _(c, ans, g, y, old):
        return tangent(zeros_like(y), c, y, old), None, None


_selection_rules(refreshed, refreshed_tangent, refreshed_adjoint, refreshed_adjoint_new)


# A write into an item read out of a list, which may be a named array or a view into
# one: `written_through(y, old, new)` is y with old's part of it written (old only says
# which part), `reseated(current, old, y, y_new)` old's counterpart in y_new (or
# current). The selections of reseated are refreshed's.
_selection_rules(written_through, written_through_tangent, written_through_adjoint,
                 written_through_adjoint_new)


@jvp_rule(reseated)
def _(dcurrent, dold, dy, dy_new, ans, current, old, y, y_new):
    return refreshed_tangent(dcurrent, dy_new, old, y)


@vjp_rule(reseated)
def _(g, ans, current, old, y, y_new):
    return refreshed_adjoint(g, old, y), None, None, refreshed_adjoint_new(g, old, y)


# new, laid out like old (the same values: the derivative passes through)
@jvp_rule(laid_out_like)
def _(dnew, dold, ans, new, old):
    return dnew


@vjp_rule(laid_out_like)
def _(g, ans, new, old):
    return g, None


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
