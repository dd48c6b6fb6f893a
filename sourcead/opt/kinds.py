"""Deciding the run-time tests of array sharing where the argument types decide them.

Code whose names may share an array asks at run time whether a value is an
array (`sad_rt.is_array(a)`: `a += v` writes into an array but re-binds a
number) or a view (`sad_rt.shares_memory(t, y)`: `t = y[i]` is a row of a
matrix but a number from a vector), and checks before a loop that `s += v`
will not write through a view (`sad_rt.check_not_view`). A derivative
specialised to float64 arguments knows which parameters are arrays and how
many dimensions each has. This pass carries that through arithmetic,
reductions and indexing, decides the tests it can, and keeps only the branch
a decided test takes, so the generated code reads as if the test had never
been needed.

The number of dimensions of a value is an int >= 1 for an array, 0 for a
number (a Python or NumPy scalar, never an ndarray), None where unknown.
"""

import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.clone import clone_function
from ..ir.core import Const, If, Loop, Op, Var, walk_stmts
from .inplace import _ELEMENTWISE_ARRAYS

# Results of the dimensions of their first argument; results shaped by a shape argument.
_SAME_SHAPE = (runtime.set_item, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
               np.copy, runtime.zeros_like, runtime.fresh_array, runtime.added_at,
               runtime.add_at, runtime.zeroed_at, runtime.astype, runtime.keep_zeros)
_SHAPED = (np.zeros, np.ones, np.empty, np.full)
_REDUCTIONS = (np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std)


_TESTS = (runtime.is_array, runtime.shares_memory, runtime.check_not_view,
          runtime.check_is_view, runtime.unbroadcast)


def fold_kinds(fn, spec, copy=True):
    """`fn` with the sharing tests decided by `spec`, the float64 specialisation's
    (name, kind, ndim) per parameter (kind "array", "scalar" or "int"; ndim as above).
    With `copy`, a copy (`fn` itself, a cached lowering, is not changed); without, `fn`
    changed in place (a derivative, whose statements later passes pair up by
    identity)."""
    if not any(isinstance(s, Op) and s.prim.impl in _TESTS for s in walk_stmts(fn.body)):
        return fn
    if copy:
        fn = clone_function(fn)
    ndims = {name: nd for name, _, nd in spec}
    ints = {name for name, kind, _ in spec if kind == "int"}
    folder = _Folder()
    for p in fn.params:
        folder.nd[p] = ndims.get(p.hint)
        if p.hint in ints:
            folder.ints.add(p)
    folder.block(fn.body)
    return fn


def _join(a, b):
    return a if a == b else None


class _Folder:
    def __init__(self):
        self.nd = {}          # Var -> ndim
        self.defs = {}        # Var -> the Op that made it
        self.subst = {}       # Var -> the operand that replaces it
        self.ints = set()     # loop indices

    def operand(self, x):
        while isinstance(x, Var) and x in self.subst:
            x = self.subst[x]
        return x

    def ndim(self, x):
        if isinstance(x, Const):
            v = x.value
            if isinstance(v, (bool, int, float, np.generic)):
                return 0
            if isinstance(v, np.ndarray) and v.ndim > 0:
                return v.ndim
            return None
        return self.nd.get(x)

    def block(self, block):
        stmts = []
        for s in block.stmts:
            s.map_operands(self.operand)
            if isinstance(s, If) and isinstance(s.cond, Const):
                taken = s.then if s.cond.value else s.orelse
                inner = self.block(taken)
                stmts += inner
                for o, r in zip(s.outs, taken.results):
                    self.subst[o] = self.operand(r)
                continue
            if isinstance(s, Op) and self.fold(s):
                continue
            if isinstance(s, Loop):
                self.loop(s)
            elif isinstance(s, If):
                self.block(s.then)
                self.block(s.orelse)
                self.join_branches(s)
            stmts.append(s)
        block.stmts = stmts
        block.results = [self.operand(r) for r in block.results]
        return stmts

    def join_branches(self, s):
        """An if's results: the dimensions both branches agree on."""
        for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
            self.nd[o] = _join(self.ndim(a), self.ndim(b))

    def loop(self, s):
        n = len(s.inits)
        carried = s.body.params[len(s.body.params) - n:]
        if s.kind == "range":
            self.ints.add(s.body.params[0])
            self.nd[s.body.params[0]] = 0
        start = [self.ndim(i) for i in s.inits]
        # What a carried value is after one iteration, found without changing the body
        # (only the second pass, with the joined kinds, folds).
        for p, k in zip(carried, start):
            self.nd[p] = k
        dry = _Folder()
        dry.nd, dry.defs, dry.ints = dict(self.nd), dict(self.defs), set(self.ints)
        dry.infer(s.body)
        joined = [_join(k, dry.ndim(r)) for k, r in zip(start, s.body.results)]
        for p, k in zip(carried, joined):
            self.nd[p] = k
        if s.cond is not None:
            for p, k in zip(s.cond.params, joined):
                self.nd[p] = k
            self.block(s.cond)
        self.block(s.body)
        for o, k in zip(s.outs, joined):
            self.nd[o] = k

    def infer(self, block):
        """Kinds only: what `block` computes, no statement changed."""
        for s in block.stmts:
            if isinstance(s, Op):
                self.op_kind(s)
            elif isinstance(s, If):
                self.infer(s.then)
                self.infer(s.orelse)
                self.join_branches(s)
            elif isinstance(s, Loop):
                for o in s.outs:
                    self.nd[o] = None

    def fold(self, op):
        """Decide a sharing test (its result becomes a constant; a check is dropped);
        otherwise record what the op makes. True when the op is gone."""
        fn = op.prim.impl
        if fn is runtime.is_array:
            nd = self.ndim(op.args[0])
            if nd is not None:
                self.subst[op.out] = Const(nd > 0)
                return True
        elif fn is runtime.shares_memory:
            decided = self.is_view(op.args[0])
            if decided is not None:
                self.subst[op.out] = Const(decided)
                return True
        elif fn is runtime.check_not_view:
            if self.is_view(op.args[0]) is False:
                return True
        elif fn is runtime.check_is_view:
            if self.is_view(op.args[0]) is True:
                return True
        elif fn is runtime.unbroadcast and len(op.args) == 2:
            # a number's cotangent, for a number: nothing was broadcast
            if self.ndim(op.args[0]) == 0 and self.ndim(op.args[1]) == 0:
                self.subst[op.out] = op.args[0]
                return True
        self.op_kind(op)
        return False

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

    def op_kind(self, op):
        for o in op.outs:
            self.defs[o] = op
        if len(op.outs) != 1:
            return
        fn = op.prim.impl
        nds = [self.ndim(a) for a in op.args]
        nd = None
        if getattr(fn, "__module__", None) == "math" or fn in (len, int, float):
            nd = 0
        elif fn in _ELEMENTWISE_ARRAYS or fn in (operator.pos, np.abs):
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
        elif fn in (operator.getitem, runtime.item_copy) and nds[0]:
            used = self.consumed(op.args[1])
            if used is not None and used <= nds[0]:
                nd = nds[0] - used
        self.nd[op.out] = nd

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


__all__ = ["fold_kinds"]
