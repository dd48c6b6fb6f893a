"""NumPy functions that are other NumPy functions with their arguments rearranged,
lowered as those (which have rules): np.select as nested np.where, np.rollaxis as
np.moveaxis, np.dsplit as np.split along the third axis, np.einsum's interleaved form
(`np.einsum(A, [0, 1], B, [1, 2])`) as its subscripts form, np.r_[...] and np.c_[...]
of arrays and numbers as np.concatenate and np.column_stack, and a list or tuple given
where a function takes one array (`np.linalg.norm([a, b])`) as np.array of it, which
is what NumPy makes of it."""

import string

import numpy as np

from ..ir.core import Const
from .values import TupleValue

# functions of one array whose first argument NumPy turns into an array
ONE_ARRAY = {np.linalg.norm, np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var,
              np.cumsum, np.sort, np.linalg.det, np.linalg.inv, np.exp, np.log, np.sqrt,
              np.tanh, np.sin, np.cos, np.abs, np.diff, np.dot}


SUGAR = {np.select, np.rollaxis, np.dsplit}


def rewrite(obj, args, kwargs):
    """(function, args, kwargs) the call is lowered as, or None to leave it. `args` are
    lowered values (TupleValue for a tuple or list built in the function)."""
    if obj is np.select:
        return _select(args, kwargs)
    if obj is np.rollaxis and all(isinstance(a, Const) for a in args[1:]) and \
            all(isinstance(v, Const) for v in kwargs.values()):
        axis = args[1].value if len(args) > 1 else kwargs["axis"].value
        start = args[2].value if len(args) > 2 else kwargs.get("start", Const(0)).value
        return "moveaxis", axis, start
    if obj is np.dsplit and len(args) == 2 and not kwargs:
        return np.split, args, {"axis": Const(2)}
    return None


def _select(args, kwargs):
    names = ["condlist", "choicelist", "default"]
    given = dict(zip(names, args))
    given.update(kwargs)
    conds, choices = given.get("condlist"), given.get("choicelist")
    if not (isinstance(conds, TupleValue) and isinstance(choices, TupleValue) and
            len(conds.items) == len(choices.items)):
        return None
    return "select", list(conds.items), list(choices.items), given.get("default", Const(0))


def einsum_interleaved(args, kwargs):
    """`np.einsum(A, [0, 1], B, [1, 2][, [0, 2]])` as `np.einsum("ab,bc->ac", A, B)`."""
    if kwargs:
        return None
    arrays, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(args) % 2 == 1:   # the output's sublist last
        out = args[-1]
        arrays = arrays[:-1]
    if len(subs) != len(arrays):
        return None

    def letters(sub):
        if not isinstance(sub, TupleValue) or \
                not all(isinstance(i, Const) and isinstance(i.value, int) and
                        0 <= i.value < 52 for i in sub.items):
            return None
        return "".join(string.ascii_letters[i.value] for i in sub.items)
    spec = [letters(s) for s in subs]
    if any(s is None for s in spec):
        return None
    text = ",".join(spec)
    if out is not None:
        tail = letters(out)
        if tail is None:
            return None
        text += "->" + tail
    return np.einsum, [Const(text)] + arrays, {}
