"""Adding into adjoint arrays in place where nothing else refers to them.

Indexing's adjoint is `added_at(acc, index, g)`: a copy of `acc` with `g`
added at `index`. Copying is always right, but a loop over the rows of a
matrix would copy the whole adjoint matrix once per row. This pass proves,
for each `added_at`, that `acc` is an array no other live value refers to,
and then adds in place instead:

    x_bar[i] += row_bar                    (a basic index: int, slice, loop index)
    x_bar = sad_rt.add_at(x_bar, idx, g)   (any other index; repeated entries add up)

`acc` qualifies when it is used only by this op and is *fresh*: made by
`zeros_like`, `fresh_array` or an earlier `added_at`, by arithmetic (NumPy
arithmetic never returns one of its operands), or carried by a loop or
yielded by a branch whose every source is fresh. A loop whose body adds in
place but whose start value is not fresh gets one copy before the loop.
Values of the forward sweep are never fresh for the adjoint sweep: a
pullback may run more than once.

The same proof turns the sums that accumulate an adjoint (`w_bar = w_bar + c`,
both shaped like `w`) into `w_bar += c` when `w_bar` is fresh and read only there.
"""

import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, If, Loop, Op, Var, walk_stmts

_MAKERS = (runtime.zeros_like, runtime.fresh_array, runtime.added_at, runtime.add_at, np.copy)
_ARITH = (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
          np.add, np.subtract, np.multiply, np.divide, np.negative)


def plan_inplace(fn):
    """Turn each `added_at` whose accumulator is provably unshared into `add_at`; in place."""
    _Planner(fn).run()
    return fn


class _Planner:
    def __init__(self, fn):
        self.fn = fn
        self.uses = {}
        self.defs = {}        # Var -> ("op", op) | ("loop", loop, k) | ("if", if, k) | ("param",)
        self.before_sweep = set()
        self.index_params = set()
        self.memo = {}
        self.copied = set()
        self.may_copy = True

    def run(self):
        fn = self.fn
        for p in fn.params:
            self.defs[p] = ("param",)
        swept = False
        for s in fn.body.stmts:
            if isinstance(s, Op) and s.prim is P.SWEEP:
                swept = True
            elif not swept:
                self.before_sweep |= set(_all_defined(s))
        if not swept:
            self.before_sweep = set()
        self.scan(fn.body)
        self.uses = _count_uses(fn.body)
        stmts = [s for s in walk_stmts(fn.body) if isinstance(s, Op)]
        for s in stmts:
            if s.prim.impl is runtime.added_at:
                self.consider(s)
        # A sum allocates anyway: copying a loop's start value would not pay for itself.
        self.may_copy = False
        for s in stmts:
            if s.attrs.get("accumulate") and s.prim.impl in (operator.add, operator.sub) and \
                    self.sole_fresh(s.args[0])[0]:
                s.attrs["augmented"] = "name"   # adj = adj + c  ->  adj += c

    def scan(self, block):
        for s in block.stmts:
            if isinstance(s, Op):
                for o in s.outs:
                    self.defs[o] = ("op", s)
            elif isinstance(s, If):
                for k, o in enumerate(s.outs):
                    self.defs[o] = ("if", s, k)
            elif isinstance(s, Loop):
                n = len(s.inits)
                carried = s.body.params[len(s.body.params) - n:]
                for k, (prm, o) in enumerate(zip(carried, s.outs)):
                    self.defs[prm] = ("loop", s, k)
                    self.defs[o] = ("loop", s, k)
                if s.kind == "range":
                    self.index_params.add(s.body.params[0])
                if s.cond is not None:
                    for k, prm in enumerate(s.cond.params):
                        self.defs[prm] = ("loop", s, k)
            for b in s.blocks():
                self.scan(b)

    def fresh(self, v):
        """(fresh, always an ndarray) for the value `v`."""
        if not isinstance(v, Var) or v in self.before_sweep:
            return False, False
        if v in self.memo:
            return self.memo[v]
        self.memo[v] = (True, True)    # optimistic for loop-carried cycles
        self.memo[v] = result = self._fresh(v)
        return result

    def _fresh(self, v):
        d = self.defs.get(v)
        if d is None or d[0] == "param":
            return False, False
        if d[0] == "op":
            fn = d[1].prim.impl
            if fn in _MAKERS:
                return True, True   # zeros_like of an indexed value: an array
            return fn in _ARITH, False
        if d[0] == "if":
            s, k = d[1], d[2]
            parts = [self.sole_fresh(b.results[k]) for b in (s.then, s.orelse)]
            return all(p[0] for p in parts), all(p[1] for p in parts)
        s, k = d[1], d[2]
        init, body = self.sole_fresh(s.inits[k]), self.sole_fresh(s.body.results[k])
        if body[0] and not init[0] and self.may_copy and (id(s), k) not in self.copied:
            self.copied.add((id(s), k))
            self.copy_init(s, k)
            init = (True, True)
        return init[0] and body[0], init[1] and body[1]

    def sole_fresh(self, x):
        """Fresh, and read only where it is handed on (one use)."""
        if self.uses.get(x, 0) != 1:
            return False, False
        return self.fresh(x)

    def copy_init(self, loop, k):
        """Start carried value k of `loop` from a copy of its start value."""
        init = loop.inits[k]
        op = Op(P.lookup(runtime.fresh_array), [init], loc=loop.loc)
        n = len(loop.inits)
        op.out.hint = loop.body.params[len(loop.body.params) - n + k].hint
        block = self._block_of(loop)
        block.stmts.insert(block.stmts.index(loop), op)
        loop.inits[k] = op.out
        self.defs[op.out] = ("op", op)
        self.uses[op.out] = 1

    def _block_of(self, stmt):
        def find(block):
            if any(s is stmt for s in block.stmts):
                return block
            for s in block.stmts:
                for b in s.blocks():
                    found = find(b)
                    if found is not None:
                        return found
            return None
        return find(self.fn.body)

    def consider(self, op):
        acc = op.args[0]
        fresh, is_array = self.sole_fresh(acc)
        if not fresh:
            return
        op.prim = P.lookup(runtime.add_at)
        if isinstance(acc, Var) and (acc.is_temp or acc.hint == "zero"):
            acc.hint, acc.is_temp = op.out.hint, op.out.is_temp   # one array, one name
        if is_array and self.basic(op.args[1]):
            op.attrs["augmented"] = "index"

    def basic(self, index, depth=0):
        """Whether `index` is an int, a slice or a tuple of those (never an index array)."""
        if isinstance(index, Const):
            return runtime.basic_index(index.value)
        if index in self.index_params:
            return True
        d = self.defs.get(index)
        if d is None or d[0] != "op" or depth > 8:
            return False
        fn = d[1].prim.impl
        if fn in P.INT_MAKERS:
            return True
        return fn in P.INT_ARITH and all(self.basic(a, depth + 1) and not (
            isinstance(a, Const) and not isinstance(a.value, int)) for a in d[1].args)


def _count_uses(block):
    """How many times each value is read, where a read in one branch of an `if` excludes
    the other branch, and a value from outside a loop read in its body counts as read
    many times (once per iteration)."""
    uses = {}

    def add(x, n=1):
        if isinstance(x, Var):
            uses[x] = uses.get(x, 0) + n

    for s in block.stmts:
        for x in s.operands():
            add(x)
        if isinstance(s, If):
            then, orelse = _count_uses(s.then), _count_uses(s.orelse)
            for x in set(then) | set(orelse):
                add(x, max(then.get(x, 0), orelse.get(x, 0)))
        elif isinstance(s, Loop):
            inside = set(_all_defined(s))
            for b in s.blocks():
                for x, n in _count_uses(b).items():
                    add(x, n if x in inside else 2 * n)
    for r in block.results:
        add(r)
    return uses


def _all_defined(s):
    """Every value statement `s` defines, in nested blocks too (their parameters included)."""
    out = list(s.outs)
    for b in s.blocks():
        out += b.params
        for t in b.stmts:
            out += _all_defined(t)
    return out
