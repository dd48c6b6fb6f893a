"""The number of dimensions of IR values, where the operations that make them tell.

An int >= 1 for an array, 0 for a number (a Python or NumPy scalar, never an
ndarray), None where unknown. opt.kinds uses it on a float64-specialised IR (whose
parameters' dimensions are known) to decide the sharing tests; the frontend uses it
while lowering such a specialisation, so that what the types decide is decided there.
"""

import operator

import numpy as np

from .. import runtime
from . import primitives as P
from .core import Const, Var

# Results of the dimensions of their first argument; results shaped by a shape argument.
_SAME_SHAPE = (runtime.set_item, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
               np.copy, runtime.zeros_like, runtime.fresh_array, runtime.added_at,
               runtime.add_at, runtime.zeroed_at, runtime.astype, runtime.keep_zeros)
_SHAPED = (np.zeros, np.ones, np.empty, np.full)
_REDUCTIONS = (np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std)
_ELEMENTWISE = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                operator.neg, operator.pos, np.add, np.subtract, np.multiply, np.divide,
                np.maximum, np.minimum, np.abs, np.exp, np.log, np.sin, np.cos, np.tanh,
                np.sqrt, np.square, np.tan, np.arctan, np.log1p, np.expm1, np.sinh, np.cosh,
                np.arcsin, np.arccos, np.power, np.negative, np.absolute)


# The dimensions of None: the placeholder the frontend gives a value that is never
# read where it is None (a loop's slot before the loop made its array, an object that
# exists in one branch only); it takes the dimensions it has elsewhere.
NONE = "none"


def join(a, b):
    if a == NONE:
        return b
    if b == NONE:
        return a
    return a if a == b else None


class Dims:
    """Dimensions of values: `nd` holds those known (Var -> ndim), `defs` the op that
    made each Var, `ints` the loop indices. With `lazy`, an unknown Var's dimensions
    are worked out from its op when asked."""

    def __init__(self, nd=None, defs=None, ints=None, lazy=False):
        self.nd = {} if nd is None else nd
        self.defs = {} if defs is None else defs
        self.ints = set() if ints is None else ints
        self.lazy = lazy

    def ndim(self, x):
        nd = self.joinable(x)
        return None if nd == NONE else nd

    def joinable(self, x):
        """ndim, with None's own mark (NONE) where x is the placeholder None."""
        if isinstance(x, Const):
            v = x.value
            if v is None:
                return NONE
            if isinstance(v, (bool, int, float, np.generic)):
                return 0
            if isinstance(v, np.ndarray) and v.ndim > 0:
                return v.ndim
            return None
        if x in self.nd or not self.lazy or not isinstance(x, Var):
            return self.nd.get(x)
        op = self.defs.get(x)
        self.nd[x] = None   # (a cycle stays unknown)
        if op is not None and len(op.outs) == 1:
            self.nd[x] = self.result(op)
        return self.nd[x]

    def is_view(self, v):
        """Whether `v`, made by indexing, is a view: False for a number, True for an
        array made by basic indexing, None where unknown."""
        nd = self.ndim(v)
        if nd == 0:
            return False
        d = self.defs.get(v)
        if nd is not None and d is not None and d.prim.impl is operator.getitem and \
                self.consumed(d.args[1]) is not None:
            return True
        return None

    def result(self, op):
        """The dimensions of what the single-output `op` makes."""
        fn = op.prim.impl
        nds = [self.ndim(a) for a in op.args]
        nd = None
        if getattr(fn, "__module__", None) == "math" or fn in (len, int, float):
            nd = 0
        elif fn in _ELEMENTWISE or op.prim.shape == "elementwise":
            if nds and all(k is not None for k in nds):
                nd = max(nds)
        elif fn in _REDUCTIONS and not op.kwargs and len(op.args) == 1:
            nd = 0   # reduced over every axis: a NumPy scalar, whatever it is given
        elif fn in (operator.matmul, np.matmul, np.dot) and len(nds) == 2 and \
                all(k is not None and k >= 1 for k in nds):
            a, b = nds
            nd = max(a, b) if a >= 2 and b >= 2 else a + b - 2
        elif fn in (np.transpose, np.swapaxes, np.moveaxis):
            nd = nds[0] or None
        elif fn in _SAME_SHAPE:
            nd = nds[0]
        elif fn in _SHAPED and op.args and isinstance(op.args[0], Const):
            shape = op.args[0].value
            nd = len(shape) if isinstance(shape, tuple) else 1
            nd = nd or None   # a 0-d array is not a number
        elif fn is runtime.unbroadcast and len(nds) == 2 and nds[1] is not None:
            nd = nds[1]   # summed to x's shape: a number for a number
        elif fn is runtime.seed:
            nd = 0 if nds[0] == 0 else None
        elif fn is np.broadcast_to and isinstance(op.args[1], Var):
            shape_of = self.defs.get(op.args[1])
            if shape_of is not None and shape_of.prim.impl is np.shape:
                nd = self.ndim(shape_of.args[0]) or None   # () gives a 0-d array
        elif fn in (operator.getitem, runtime.item_copy, runtime.item_written) and nds[0]:
            used = self.consumed(op.args[1])
            if used is not None and used <= nds[0]:
                nd = nds[0] - used
        return nd

    def consumed(self, index):
        """How many dimensions a basic index takes away (an int one, a slice none,
        None adds one); None for anything else."""
        if isinstance(index, Const):
            parts = index.value if isinstance(index.value, tuple) else (index.value,)
            if any(p is Ellipsis for p in parts):
                return None
            return _count(parts)
        if isinstance(index, Var):
            if self.ndim(index) == 0 and (index in self.ints or self._int_valued(index)):
                return 1
            d = self.defs.get(index)
            if d is not None and d.prim is P.TUPLE:
                total = 0
                for a in d.args:
                    k = self.consumed(a)
                    if k is None:
                        return None
                    total += k
                return total
        return None

    def _int_valued(self, v):
        d = self.defs.get(v)
        if d is None:
            return False
        if d.prim.impl in (len, int):
            return True
        return d.prim.impl in (operator.add, operator.sub, operator.mul, operator.floordiv,
                               operator.mod, operator.neg) and all(
            (isinstance(a, Const) and isinstance(a.value, int) and not isinstance(a.value, bool))
            or (isinstance(a, Var) and (a in self.ints or self._int_valued(a))) for a in d.args)



def _count(parts):
    total = 0
    for p in parts:
        if isinstance(p, bool) or not isinstance(p, (int, slice, type(None))):
            return None
        total += 1 if isinstance(p, int) else (-1 if p is None else 0)
    return total


__all__ = ["Dims", "join", "NONE"]
