"""Rules for shape functions, joining and indexing functions, sorting and interpolation.

Most are linear maps of one array: the JVP applies the same function to the tangent,
and the VJP applies its transpose to the cotangent (a reshape back, the inverse
permutation, a sum over copies). Functions of several arrays (concatenate, stack, ...)
get one primitive per number of arrays (see rules/variadic.py).

An `axis=None` that is not the function's default (np.argsort's is -1) is passed by
position: opt.simplify drops every `axis=None` keyword as if it were the default.
"""

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..runtime import (column_stack_part, concatenate_part, diag_adjoint, diagonal_adjoint,
                       diff_adjoint, hstack_part, interp_adjoint, interp_slope, interp_tangent,
                       pad_adjoint, pad_linear_mode, rearrangement_adjoint, repeat_adjoint,
                       stack_part, take_adjoint, take_along_axis_adjoint, tile_adjoint,
                       vstack_part, zeros_like, broadcast_like, partition_order)
from .registry import jvp_rule, vjp_rule
from .variadic import (Variadic, constant_sequences, per_output_jvp, per_output_vjp,
                       variadic_jvp, variadic_vjp)


def _shaped_by_arg1(op, shapes):
    """`np.reshape(g, np.shape(x))` has x's shape (other calls: structurally)."""
    from ..opt.shapes import ShapeOf
    target = op.args[1] if len(op.args) > 1 else op.kwargs.get("shape")
    if target is None:
        return None
    c = shapes.of(target)
    return c.cls if isinstance(c, ShapeOf) else None


def _shaped_like_arg0(op, shapes):
    return shapes.of(op.args[0])


def _sorted_shape(op, shapes):
    """np.sort keeps its argument's shape along an axis (axis=None flattens it)."""
    from ..ir.core import Const
    axis = op.kwargs.get("axis", op.args[1] if len(op.args) > 1 else Const(-1))
    return shapes.of(op.args[0]) if isinstance(axis, Const) and axis.value is not None else None


_LINEAR = dict(zero="first")
_SAME_SHAPE = dict(zero="first", shape=_shaped_like_arg0)


# --- shapes --------------------------------------------------------------------------------

@vjp_rule(np.reshape, zero="first", shape=_shaped_by_arg1)
def _(g, ans, a, shape=None, order="C", copy=None):
    if order == "C":
        return np.reshape(g, np.shape(a))
    return np.reshape(g, np.shape(a), order=order)


@jvp_rule(np.reshape, zero="first", shape=_shaped_by_arg1)
def _(da, ans, a, shape=None, order="C", copy=None):
    if order == "C":
        return np.reshape(da, shape)
    return np.reshape(da, shape, order=order)


@vjp_rule(np.ravel, **_LINEAR)
def _(g, ans, a, order="C"):
    if order == "C":
        return np.reshape(g, np.shape(a))
    return np.reshape(g, np.shape(a), order=order)


@jvp_rule(np.ravel, **_LINEAR)
def _(da, ans, a, order="C"):
    if order == "C":
        return np.ravel(da)
    return np.ravel(da, order=order)


# transpose by `axes` is undone by the inverse permutation, argsort(axes)
@vjp_rule(np.transpose, **_LINEAR)
def _(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    if np.min(axes) >= 0:
        return np.transpose(g, np.argsort(axes))
    return np.transpose(g, np.argsort(np.mod(axes, np.ndim(a))))


@jvp_rule(np.transpose, **_LINEAR)
def _(da, ans, a, axes=None):
    if axes is None:
        return np.transpose(da)
    return np.transpose(da, axes)


@vjp_rule(np.swapaxes, **_LINEAR)
def _(g, ans, a, axis1=None, axis2=None):
    return np.swapaxes(g, axis1, axis2)


@jvp_rule(np.swapaxes, **_LINEAR)
def _(da, ans, a, axis1=None, axis2=None):
    return np.swapaxes(da, axis1, axis2)


@vjp_rule(np.moveaxis, **_LINEAR)
def _(g, ans, a, source=None, destination=None):
    return np.moveaxis(g, destination, source)


@jvp_rule(np.moveaxis, **_LINEAR)
def _(da, ans, a, source=None, destination=None):
    return np.moveaxis(da, source, destination)


@vjp_rule(np.squeeze, **_LINEAR)
def _(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@jvp_rule(np.squeeze, **_LINEAR)
def _(da, ans, a, axis=None):
    if axis is None:
        return np.squeeze(da)
    return np.squeeze(da, axis)


@vjp_rule(np.expand_dims, **_LINEAR)
def _(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@jvp_rule(np.expand_dims, **_LINEAR)
def _(da, ans, a, axis=None):
    return np.expand_dims(da, axis)


# np.full(shape, v) is v broadcast to shape, np.full_like(a, v) to a's shape; the
# adjoint of a broadcast is the sum over its axes (reverse mode unbroadcasts).
@vjp_rule(np.full)
def _(g, ans, shape, fill_value, dtype=None, order="C"):
    return None, g


@jvp_rule(np.full)
def _(dshape, dfill_value, ans, shape, fill_value, dtype=None, order="C"):
    return broadcast_like(dfill_value, ans)


@vjp_rule(np.full_like)
def _(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return None, g


@jvp_rule(np.full_like)
def _(da, dfill_value, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return broadcast_like(dfill_value, ans)


# np.arange(start, stop, step) is start + step * k: it moves with start (and step, whose
# derivative a rule of its optional parameter cannot give: a differentiated step is
# refused); arange(n) and the stop of arange(a, b) move nothing (its length is an int).
@vjp_rule(np.arange, shape="dynamic")
def _(g, ans, start, stop=None, step=None, dtype=None):
    if stop is None:
        return None
    return np.sum(g)


@jvp_rule(np.arange, shape="dynamic")
def _(dstart, ans, start, stop=None, step=None, dtype=None):
    if stop is None:
        return zeros_like(ans)
    return broadcast_like(dstart, ans)


# The adjoint of a broadcast is the sum over the broadcast axes: reverse mode already
# applies `sad_rt.unbroadcast` to every contribution whose shape may differ.
@vjp_rule(np.broadcast_to)
def _(g, ans, array, shape=None, subok=False):
    return g


@jvp_rule(np.broadcast_to)
def _(darray, ans, array, shape=None, subok=False):
    return np.broadcast_to(darray, shape)


@vjp_rule(np.atleast_1d, np.atleast_2d, np.atleast_3d, **_LINEAR)
def _(g, ans, x):
    return np.reshape(g, np.shape(x))


@jvp_rule(np.atleast_1d, **_LINEAR)
def _(dx, ans, x):
    return np.atleast_1d(dx)


@jvp_rule(np.atleast_2d, **_LINEAR)
def _(dx, ans, x):
    return np.atleast_2d(dx)


@jvp_rule(np.atleast_3d, **_LINEAR)
def _(dx, ans, x):
    return np.atleast_3d(dx)


# --- copies and rearrangements ---------------------------------------------------------------

@vjp_rule(np.tile, **_LINEAR)
def _(g, ans, A, reps=None):
    return tile_adjoint(g, A, reps)


@jvp_rule(np.tile, **_LINEAR)
def _(dA, ans, A, reps=None):
    return np.tile(dA, reps)


@vjp_rule(np.repeat, **_LINEAR)
def _(g, ans, a, repeats=None, axis=None):
    return repeat_adjoint(g, a, repeats, axis)


@jvp_rule(np.repeat, **_LINEAR)
def _(da, ans, a, repeats=None, axis=None):
    if axis is None:
        return np.repeat(da, repeats)
    return np.repeat(da, repeats, axis=axis)


@vjp_rule(np.flip, **_SAME_SHAPE)
def _(g, ans, m, axis=None):
    if axis is None:
        return np.flip(g)
    return np.flip(g, axis)


@jvp_rule(np.flip, **_SAME_SHAPE)
def _(dm, ans, m, axis=None):
    if axis is None:
        return np.flip(dm)
    return np.flip(dm, axis)


@vjp_rule(np.fliplr, **_SAME_SHAPE)
def _(g, ans, m):
    return np.fliplr(g)


@jvp_rule(np.fliplr, **_SAME_SHAPE)
def _(dm, ans, m):
    return np.fliplr(dm)


@vjp_rule(np.flipud, **_SAME_SHAPE)
def _(g, ans, m):
    return np.flipud(g)


@jvp_rule(np.flipud, **_SAME_SHAPE)
def _(dm, ans, m):
    return np.flipud(dm)


@vjp_rule(np.rot90, **_LINEAR)
def _(g, ans, m, k=1, axes=(0, 1)):
    if axes == (0, 1):
        return np.rot90(g, -k)
    return np.rot90(g, -k, axes)


@jvp_rule(np.rot90, **_LINEAR)
def _(dm, ans, m, k=1, axes=(0, 1)):
    if axes == (0, 1):
        return np.rot90(dm, k)
    return np.rot90(dm, k, axes)


@vjp_rule(np.roll, **_SAME_SHAPE)
def _(g, ans, a, shift=None, axis=None):
    if axis is None:
        return np.roll(g, np.negative(shift))
    return np.roll(g, np.negative(shift), axis)


@jvp_rule(np.roll, **_SAME_SHAPE)
def _(da, ans, a, shift=None, axis=None):
    if axis is None:
        return np.roll(da, shift)
    return np.roll(da, shift, axis)


# np.pad in the modes that copy elements (constant, edge, reflect, symmetric, wrap) is
# linear in the array (the constant values have no derivative); other modes are refused.
@vjp_rule(np.pad, **_LINEAR)
def _(g, ans, array, pad_width=None, mode="constant", constant_values=0):
    return pad_adjoint(g, array, pad_width, mode)


@jvp_rule(np.pad, **_LINEAR)
def _(darray, ans, array, pad_width=None, mode="constant", constant_values=0):
    if mode == "constant":
        return np.pad(darray, pad_width)
    return np.pad(darray, pad_width, mode=pad_linear_mode(mode))


@vjp_rule(np.triu, **_LINEAR)
def _(g, ans, m, k=0):
    return np.triu(g, k)


@jvp_rule(np.triu, **_LINEAR)
def _(dm, ans, m, k=0):
    return np.triu(dm, k)


@vjp_rule(np.tril, **_LINEAR)
def _(g, ans, m, k=0):
    return np.tril(g, k)


@jvp_rule(np.tril, **_LINEAR)
def _(dm, ans, m, k=0):
    return np.tril(dm, k)


# prepend and append are constants (their derivative is not taken)
@vjp_rule(np.diff, **_LINEAR)
def _(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    return diff_adjoint(g, a, n, axis, prepend, append)


@jvp_rule(np.diff, **_LINEAR)
def _(da, ans, a, n=1, axis=-1, prepend=None, append=None):
    if prepend is None and append is None:
        return np.diff(da, n, axis)
    if append is None:
        return np.diff(da, n, axis, prepend=zeros_like(prepend))
    if prepend is None:
        return np.diff(da, n, axis, append=zeros_like(append))
    return np.diff(da, n, axis, prepend=zeros_like(prepend), append=zeros_like(append))


# --- selecting elements -------------------------------------------------------------------

@vjp_rule(np.take, **_LINEAR)
def _(g, ans, a, indices=None, axis=None, mode="raise"):
    return take_adjoint(g, a, indices, axis, mode)


@jvp_rule(np.take, **_LINEAR)
def _(da, ans, a, indices=None, axis=None, mode="raise"):
    if mode == "raise":
        return np.take(da, indices, axis)
    return np.take(da, indices, axis, mode=mode)


@vjp_rule(np.take_along_axis, **_LINEAR)
def _(g, ans, arr, indices=None, axis=-1):
    return take_along_axis_adjoint(g, arr, indices, axis)


@jvp_rule(np.take_along_axis, **_LINEAR)
def _(darr, ans, arr, indices=None, axis=-1):
    return np.take_along_axis(darr, indices, axis)


@vjp_rule(np.diag, **_LINEAR)
def _(g, ans, v, k=0):
    return diag_adjoint(g, v, k)


@jvp_rule(np.diag, **_LINEAR)
def _(dv, ans, v, k=0):
    return np.diag(dv, k)


@vjp_rule(np.diagonal, **_LINEAR)
def _(g, ans, a, offset=0, axis1=0, axis2=1):
    return diagonal_adjoint(g, a, offset, axis1, axis2)


@jvp_rule(np.diagonal, **_LINEAR)
def _(da, ans, a, offset=0, axis1=0, axis2=1):
    return np.diagonal(da, offset, axis1, axis2)


# the trace sums the diagonal: each of its elements gets the trace's cotangent
@vjp_rule(np.trace, **_LINEAR)
def _(g, ans, a, offset=0, axis1=0, axis2=1):
    return diagonal_adjoint(np.expand_dims(g, -1), a, offset, axis1, axis2)


@jvp_rule(np.trace, **_LINEAR)
def _(da, ans, a, offset=0, axis1=0, axis2=1):
    return np.trace(da, offset, axis1, axis2)


# Sorting permutes: the derivative follows each element to where it went (at ties the
# derivative does not exist; the permutation argsort gives is used).
@vjp_rule(np.sort, zero="first", shape=_sorted_shape)
def _(g, ans, a, axis=-1, kind=None, order=None, stable=None):
    if axis is None:   # (None passed by position: see the note at the top)
        return np.reshape(g[np.argsort(np.argsort(a, None))], np.shape(a))
    return np.take_along_axis(g, np.argsort(np.argsort(a, axis), axis), axis)


@jvp_rule(np.sort, zero="first", shape=_sorted_shape)
def _(da, ans, a, axis=-1, kind=None, order=None, stable=None):
    if axis is None:
        return np.ravel(da)[np.argsort(a, None)]
    return np.take_along_axis(da, np.argsort(a, axis), axis)


# The adjoint pieces of np.stack (and np.array of several values) are linear in the
# cotangent: their own rules, for derivatives of derivatives.
@vjp_rule(runtime.stack_part, zero="first")
def _(c, ans, g, axis=None, k=None, shape=None):
    return runtime.stack_part_adjoint(c, g, axis, k)


@jvp_rule(runtime.stack_part, zero="first")
def _(dg, ans, g, axis=None, k=None, shape=None):
    return runtime.stack_part(dg, axis, k, shape)


@vjp_rule(runtime.stack_part_adjoint, zero="first")
def _(h, ans, c, g=None, axis=None, k=None):
    return runtime.stack_part(h, axis, k, np.shape(c))


@jvp_rule(runtime.stack_part_adjoint, zero="first")
def _(dc, ans, c, g=None, axis=None, k=None):
    return runtime.stack_part_adjoint(dc, g, axis, k)


# np.partition permutes too: the order it gave is found from its result (partition_order)
@vjp_rule(np.partition, zero="first", shape=_sorted_shape)
def _(g, ans, a, kth=None, axis=-1, kind="introselect", order=None):
    where = partition_order(a, ans, axis)
    if axis is None:
        return np.reshape(np.take_along_axis(g, np.argsort(where), 0), np.shape(a))
    return np.take_along_axis(g, np.argsort(where, axis=axis), axis)


@jvp_rule(np.partition, zero="first", shape=_sorted_shape)
def _(da, ans, a, kth=None, axis=-1, kind="introselect", order=None):
    where = partition_order(a, ans, axis)
    if axis is None:
        return np.take_along_axis(np.ravel(da), where, 0)
    return np.take_along_axis(da, where, axis)


# --- interpolation and ranges -------------------------------------------------------------
#
# np.interp(x, xp, fp) = fp[i] + s (x - xp[i]) on the segment i that x lies in, with slope
# s = (fp[i+1] - fp[i]) / (xp[i+1] - xp[i]); flat outside xp's range. It is linear in fp,
# and moving the points xp by dxp moves the curve by -s * interp(x, xp, dxp).

@vjp_rule(np.interp)
def _(g, ans, x, xp, fp, left=None, right=None):
    slope = interp_slope(x, xp, fp)
    return (g * slope, interp_adjoint(-g * slope, x, xp),
            interp_adjoint(g, x, xp, left, right))


@jvp_rule(np.interp)
def _(dx, dxp, dfp, ans, x, xp, fp, left=None, right=None):
    slope = interp_slope(x, xp, fp)
    return slope * dx - slope * interp_tangent(dxp, x, xp) + \
        interp_tangent(dfp, x, xp, left, right)


# linspace(start, stop) = start + (stop - start) * t = start * (1 - t) + stop * t, with t
# running from 0 to 1 along `axis`.
@vjp_rule(np.linspace)
def _(g, ans, start, stop, num=50, endpoint=True, axis=0):
    zero = zeros_like(start, stop)   # t has the shape of the output
    if endpoint and axis == 0:
        t = np.linspace(zero, zero + 1.0, num)
    else:
        t = np.linspace(zero, zero + 1.0, num, endpoint=endpoint, axis=axis)
    stop_bar = np.sum(g * t, axis=axis)
    return np.sum(g, axis=axis) - stop_bar, stop_bar


@jvp_rule(np.linspace)
def _(dstart, dstop, ans, start, stop, num=50, endpoint=True, axis=0):
    if endpoint and axis == 0:
        return np.linspace(dstart, dstop, num)
    return np.linspace(dstart, dstop, num, endpoint=endpoint, axis=axis)


# --- joining arrays ---------------------------------------------------------------------------
#
# Each array's adjoint is the part of the cotangent it filled; the tangent joins the
# tangents the same way.

CONCATENATE = Variadic(np.concatenate, runtime.concatenate, after=("axis",), defaults={"axis": 0})
STACK = Variadic(np.stack, runtime.stack, after=("axis",))
HSTACK = Variadic(np.hstack, runtime.hstack)
VSTACK = Variadic(np.vstack, runtime.vstack)
COLUMN_STACK = Variadic(np.column_stack, runtime.column_stack)
ARRAY = Variadic(np.array, runtime.array)
ASARRAY = Variadic(np.asarray, runtime.array)


# Given one array rather than a tuple or list written in the call (np.stack(X) of a 2-D
# array, or a list that only exists at run time), they are ordinary primitives; for an
# array, they only move its elements. (A run-time list has no derivative rule.)

@vjp_rule(np.concatenate, zero="first")
def _(g, ans, arrays, axis=0):
    return rearrangement_adjoint(g, arrays, np.concatenate, axis)


@vjp_rule(np.stack, zero="first")
def _(g, ans, arrays, axis=0):
    return rearrangement_adjoint(g, arrays, np.stack, axis)


@jvp_rule(np.concatenate, zero="first")
def _(darrays, ans, arrays, axis=0):
    return np.concatenate(darrays, axis)


@jvp_rule(np.stack, zero="first")
def _(darrays, ans, arrays, axis=0):
    return np.stack(darrays, axis)


@vjp_rule(np.hstack, zero="first")
def _(g, ans, tup):
    return rearrangement_adjoint(g, tup, np.hstack)


@jvp_rule(np.hstack, zero="first")
def _(dtup, ans, tup):
    return np.hstack(dtup)


@vjp_rule(np.vstack, zero="first")
def _(g, ans, tup):
    return rearrangement_adjoint(g, tup, np.vstack)


@jvp_rule(np.vstack, zero="first")
def _(dtup, ans, tup):
    return np.vstack(dtup)


@vjp_rule(np.column_stack, zero="first")
def _(g, ans, tup):
    return rearrangement_adjoint(g, tup, np.column_stack)


@jvp_rule(np.column_stack, zero="first")
def _(dtup, ans, tup):
    return np.column_stack(dtup)


# np.array(x) and np.asarray(x) of an array copy it (np.asarray only where it must). A
# dtype is a floating one here: the frontend writes an integer or boolean one as a
# conversion with no derivative (runtime.astype_discrete).
@vjp_rule(np.array, np.asarray, zero="first")
def _(g, ans, object, dtype=None):
    return g


@jvp_rule(np.array, zero="first")
def _(dobject, ans, object, dtype=None):
    return np.array(dobject, dtype=dtype)


@jvp_rule(np.asarray, zero="first")
def _(dobject, ans, object, dtype=None):
    return np.asarray(dobject, dtype=dtype)


# With a tuple or list written in the call, each array is an argument of its own. The
# templates below see `xs` as a tuple; their loops over it are unrolled.

@variadic_vjp(CONCATENATE)
def _(g, ans, xs, axis=0):
    shapes = []
    for x in xs:
        shapes.append(np.shape(x))
    parts = []
    for k, x in enumerate(xs):
        parts.append(concatenate_part(g, axis, k, *shapes))
    return parts


@variadic_jvp(CONCATENATE)
def _(dxs, ans, xs, axis=0):
    return np.concatenate(dxs, axis=axis)


@variadic_vjp(STACK)
def _(g, ans, xs, axis=0):
    parts = []
    for k, x in enumerate(xs):
        parts.append(stack_part(g, axis, k, np.shape(x)))
    return parts


@variadic_jvp(STACK)
def _(dxs, ans, xs, axis=0):
    return np.stack(dxs, axis=axis)


@variadic_vjp(HSTACK)
def _(g, ans, xs):
    shapes = []
    for x in xs:
        shapes.append(np.shape(x))
    parts = []
    for k, x in enumerate(xs):
        parts.append(hstack_part(g, k, *shapes))
    return parts


@variadic_jvp(HSTACK)
def _(dxs, ans, xs):
    return np.hstack(dxs)


@variadic_vjp(VSTACK)
def _(g, ans, xs):
    shapes = []
    for x in xs:
        shapes.append(np.shape(x))
    parts = []
    for k, x in enumerate(xs):
        parts.append(vstack_part(g, k, *shapes))
    return parts


@variadic_jvp(VSTACK)
def _(dxs, ans, xs):
    return np.vstack(dxs)


@variadic_vjp(COLUMN_STACK)
def _(g, ans, xs):
    shapes = []
    for x in xs:
        shapes.append(np.shape(x))
    parts = []
    for k, x in enumerate(xs):
        parts.append(column_stack_part(g, k, *shapes))
    return parts


@variadic_jvp(COLUMN_STACK)
def _(dxs, ans, xs):
    return np.column_stack(dxs)


# np.array((x, y)) of numbers or same-shaped arrays stacks them along a new first axis
@variadic_vjp(ARRAY, ASARRAY)
def _(g, ans, xs):
    parts = []
    for k, x in enumerate(xs):
        parts.append(stack_part(g, 0, k, np.shape(x)))
    return parts


@variadic_jvp(ARRAY)
def _(dxs, ans, xs):
    return np.array(dxs)


@variadic_jvp(ASARRAY)
def _(dxs, ans, xs):
    return np.asarray(dxs)


# --- splitting an array ---------------------------------------------------------------------
#
# The number of arrays np.split returns is decided by its (constant) sections; the
# adjoint joins the cotangents of the parts again (zeros for the parts not used).

def _split_count(args, kwargs):
    """How many arrays `np.split(ary, indices_or_sections, ...)` returns: the number of
    sections, or one more than the number of split points (1 when computed at run time:
    one list, which is not differentiated)."""
    from ..ir.core import Const
    sections = kwargs.get("indices_or_sections", args[1] if len(args) > 1 else None)
    if isinstance(sections, Const):
        if isinstance(sections.value, int):
            return sections.value
        if isinstance(sections.value, (tuple, list)):
            return len(sections.value) + 1
    return 1


_SPLIT = dict(constants=("indices_or_sections",), n_outs=_split_count)
for _f in (np.split, np.array_split, np.hsplit, np.vsplit):
    constant_sequences(_f)


@per_output_vjp(np.split, np.array_split, **_SPLIT)
def _(gs, ans, ary, indices_or_sections=None, axis=0):
    return np.concatenate(gs, axis=axis)


@per_output_jvp(np.split, **_SPLIT)
def _(dary, ans, ary, indices_or_sections=None, axis=0):
    if axis == 0:
        return np.split(dary, indices_or_sections)
    return np.split(dary, indices_or_sections, axis)


@per_output_jvp(np.array_split, **_SPLIT)
def _(dary, ans, ary, indices_or_sections=None, axis=0):
    if axis == 0:
        return np.array_split(dary, indices_or_sections)
    return np.array_split(dary, indices_or_sections, axis)


@per_output_vjp(np.hsplit, **_SPLIT)
def _(gs, ans, ary, indices_or_sections=None):
    return np.hstack(gs)


@per_output_jvp(np.hsplit, **_SPLIT)
def _(dary, ans, ary, indices_or_sections=None):
    return np.hsplit(dary, indices_or_sections)


@per_output_vjp(np.vsplit, **_SPLIT)
def _(gs, ans, ary, indices_or_sections=None):
    return np.vstack(gs)


@per_output_jvp(np.vsplit, **_SPLIT)
def _(dary, ans, ary, indices_or_sections=None):
    return np.vsplit(dary, indices_or_sections)


# --- which results share their argument's memory ---------------------------------------
#
# Writing into a view writes into its array, and a view shows later writes into its
# array (frontend/memory.py follows both); see Primitive.view for the kinds.
for _f, _view in ((np.transpose, "view"), (np.swapaxes, "view"), (np.moveaxis, "view"),
                  (np.squeeze, "view"), (np.expand_dims, "view"), (np.flip, "view"),
                  (np.fliplr, "view"), (np.flipud, "view"), (np.reshape, "maybe"),
                  (np.ravel, "maybe"), (np.diagonal, "readonly"), (np.broadcast_to, "readonly"),
                  (np.asarray, "same"), (np.atleast_1d, "same"), (np.atleast_2d, "same"),
                  (np.atleast_3d, "same"), (np.split, "part"), (np.array_split, "part"),
                  (np.hsplit, "part"), (np.vsplit, "part")):
    P.defprim(_f, view=_view)
for _name in ("matrix_transpose", "permute_dims"):
    if hasattr(np, _name):
        P.defprim(getattr(np, _name), view="view")
