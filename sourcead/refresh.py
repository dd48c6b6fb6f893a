"""Run-time helpers for arrays that lists built at run time still show after a write.

`hs.append(v)` puts v's array into the list; a later `v *= 2` changes what the
list shows. The generated code is functional (the write makes a new array), so
after such a write it brings every list (and every item read out of one) up to
date with `refreshed(y, old, new)`: each item that *is* the old array becomes the
new one, and each item that is a view into the old array becomes the same view
into the new one. `laid_out_like(new, old)` first gives the new array the old
one's memory layout, so that "the same view" is the same offset and strides.

Which items are refreshed is decided at run time, by identity and by memory
addresses; the derivative of `refreshed` is the same selection applied to
tangents (a gather of the new array's tangent) and, in reverse, its transpose.
Where an item overlaps the old array in a way that is not a view into it (the old
array is itself a view of a larger array the list holds), `refreshed` raises
NotImplementedError with the write's file and line rather than guess.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

SAME = "same"


def _address(a):
    return a.__array_interface__["data"][0]


def _offsets(a):
    """The byte offset of each element of `a` from its first one's address."""
    out = np.zeros(a.shape, dtype=np.intp)
    for k, (n, s) in enumerate(zip(a.shape, a.strides)):
        shape = [1] * a.ndim
        shape[k] = n
        out = out + (np.arange(n, dtype=np.intp) * s).reshape(shape)
    return out


def _plan(y, old, where=""):
    """How `y` relates to the array `old`: None (it shows nothing of it), SAME (it is
    old), ("view", positions, offset) (a view into old: the C-order positions in
    old of its elements, and its byte offset from old's start), or ("items",
    [(k, plan)]) for a list or tuple some of whose items do."""
    if y is old:
        return SAME
    if isinstance(y, (list, tuple)):
        items = [(k, p) for k, p in ((k, _plan(v, old, where)) for k, v in enumerate(y))
                 if p is not None]
        return ("items", items) if items else None
    if not (isinstance(y, np.ndarray) and isinstance(old, np.ndarray)) or \
            not np.may_share_memory(y, old):
        return None
    mine = _offsets(old).ravel()
    theirs = (_offsets(y) + (_address(y) - _address(old))).ravel()
    order = np.argsort(mine, kind="stable")
    at = np.searchsorted(mine[order], theirs).clip(0, max(mine.size - 1, 0))
    if y.dtype != old.dtype or mine.size == 0 or \
            not np.array_equal(mine[order][at], theirs):
        if y.size == 0:
            return None
        raise NotImplementedError(
            f"{where}: sourcead cannot differentiate this write: the array written is a "
            "view of an array that a list built at run time shows (or shares part of its "
            "memory with one), so the list shows only part of the write: append a "
            ".copy(), or write into the array the list holds")
    return ("view", order[at].reshape(y.shape), _address(y) - _address(old))


def laid_out_like(new, old):
    """`new`, with `old`'s memory layout (strides), so that a view into `old` has a
    counterpart at the same offset in it (see the module docstring)."""
    if not (isinstance(new, np.ndarray) and isinstance(old, np.ndarray)) or \
            new.shape != old.shape or new.dtype != old.dtype or new.strides == old.strides:
        return new
    lo = sum(min(0, (n - 1) * s) for n, s in zip(old.shape, old.strides) if n)
    hi = sum(max(0, (n - 1) * s) for n, s in zip(old.shape, old.strides) if n)
    size = old.itemsize
    buffer = np.empty((hi - lo) // size + 1, dtype=old.dtype)
    out = as_strided(buffer[-lo // size:], old.shape, old.strides)
    out[...] = new
    return out


def refreshed(y, old, new, where=""):
    """`y` (a list, tuple or array the running program may hold) after the array `old`
    became `new` (laid out like it), by a write at `where` (file:line): see the module
    docstring."""
    return _apply(y, _plan(y, old, where), new)


def written_through(y, old, new, where=""):
    """`y` after the array `old` became `new`, where `old` (an item read out of a list
    built at run time) may be `y` itself or a view into it: y with that part written."""
    plan = _plan(old, y, where)
    if plan is None:
        return y
    if plan is SAME:
        return laid_out_like(new, y)
    out = laid_out_like(np.array(y), y)
    _view_at(out, plan[2], old.shape, old.strides)[...] = new
    return out


def reseated(current, old, y, y_new):
    """What the array `old` (an item read out of a list) is after `y` became `y_new`: its
    counterpart in y_new where it is y or a view into it, else `current`."""
    plan = _plan(old, y)
    return current if plan is None else _apply(old, plan, y_new)


def _apply(y, plan, new):
    if plan is None:
        return y
    if plan is SAME:
        return new
    if plan[0] == "view":
        return _view_at(new, plan[2], y.shape, y.strides)
    out = list(y)
    for k, p in plan[1]:
        out[k] = _apply(y[k], p, new)
    return type(y)(out) if isinstance(y, tuple) else out


def _view_at(new, offset, shape, strides):
    """The view of `new`'s memory `offset` bytes after its first element, of this shape
    and these strides (it keeps `new` alive, as NumPy's own views do)."""
    interface = {"version": 3, "shape": tuple(shape), "strides": tuple(strides),
                 "typestr": new.dtype.str, "descr": new.dtype.descr,
                 "data": (_address(new) + offset, not new.flags.writeable)}

    class _Memory:
        __array_interface__ = interface
        base = new
    return np.asarray(_Memory())


# -- derivatives (the same selection, applied to tangents; its transpose) ------------

def refreshed_tangent(dy, dnew, y, old):
    """The tangent of `refreshed(y, old, new)`."""
    return _tangent(dy, dnew, _plan(y, old), old)


def _tangent(dy, dnew, plan, old):
    if plan is None:
        return dy
    if plan is SAME:
        return dnew
    if plan[0] == "view":
        return np.broadcast_to(dnew, old.shape).reshape(-1)[plan[1]]
    if isinstance(dy, np.ndarray):   # the tangent of a list of items of one shape
        out = np.array(dy, dtype=np.result_type(dy, dnew))
    else:
        out = _like(dy)
    for k, p in plan[1]:
        out[k] = _tangent(dy[k], dnew, p, old)
    return tuple(out) if isinstance(dy, tuple) else out


def _like(dy):
    from .runtime import AdjointList
    return AdjointList(dy)


def refreshed_adjoint(g, y, old):
    """The cotangent of `y` from `g`, the cotangent of `refreshed(y, old, new)`: g with
    the refreshed items zero."""
    return _adjoint(g, _plan(y, old), old, None)


def refreshed_adjoint_new(g, y, old):
    """The cotangent of `new` from `g`, the cotangent of `refreshed(y, old, new)`: what
    the refreshed items' cotangents add up to in new."""
    acc = _zeros(old)
    plan = _plan(y, old)
    if plan is not None:
        _adjoint(g, plan, old, acc)
    return acc


def _zeros(old):
    return np.zeros(np.shape(old), dtype=np.result_type(float, np.asarray(old).dtype))


def _adjoint(g, plan, old, acc):
    """g with the refreshed items zero; with `acc` (new's cotangent, None: not wanted),
    their cotangents added into it."""
    if plan is None:
        return g
    dtype = np.result_type(float, np.asarray(old).dtype)
    if plan is SAME:
        if acc is not None:
            acc += g
        return np.zeros(np.shape(g), dtype=dtype)
    if plan[0] == "view":
        if acc is not None:
            np.add.at(acc.reshape(-1), plan[1].ravel(),
                      np.broadcast_to(g, plan[1].shape).ravel())
        return np.zeros(plan[1].shape, dtype=dtype)
    out = np.array(g) if isinstance(g, np.ndarray) else _like(g)
    for k, p in plan[1]:
        out[k] = _adjoint(g[k], p, old, acc)
    return tuple(out) if isinstance(g, tuple) else out


def written_through_tangent(dy, dnew, y, old):
    """The tangent of `written_through(y, old, new)`."""
    plan = _plan(old, y)
    if plan is None:
        return dy
    if plan is SAME:
        return dnew
    out = np.array(np.broadcast_to(dy, np.shape(y)), dtype=np.result_type(dy, dnew))
    out.reshape(-1)[plan[1].ravel()] = np.broadcast_to(dnew, plan[1].shape).ravel()
    return out


def written_through_adjoint(g, y, old):
    """The cotangent of `y` from g, the cotangent of `written_through(y, old, new)`."""
    plan = _plan(old, y)
    if plan is None:
        return g
    if plan is SAME:
        return np.zeros(np.shape(g), dtype=np.result_type(float, np.asarray(g).dtype))
    out = np.array(np.broadcast_to(g, np.shape(y)), dtype=np.result_type(float, g))
    out.reshape(-1)[plan[1].ravel()] = 0.0
    return out


def written_through_adjoint_new(g, y, old):
    """The cotangent of `new` from g, the cotangent of `written_through(y, old, new)`."""
    plan = _plan(old, y)
    if plan is None:
        return _zeros(old)
    if plan is SAME:
        return g
    return np.broadcast_to(g, np.shape(y)).reshape(-1)[plan[1]]
