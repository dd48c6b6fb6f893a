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
from ..ad.tape import TAPE_PUSH
from ..ir.core import Const, If, Loop, Op, Var, walk_stmts
from .simplify import kept_identities

_MAKERS = (runtime.zeros_like, runtime.fresh_array, runtime.added_at, runtime.add_at, np.copy,
           runtime.set_item, runtime.zeroed_at, runtime.appended, np.zeros, np.ones, np.empty, np.full,
           np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.array)
_ALWAYS_ARRAYS = (np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
                  np.empty_like, np.full_like, np.array, np.copy)
_ARITH = (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
          np.add, np.subtract, np.multiply, np.divide, np.negative)


def plan_inplace(fn, float64_params=None, reentrant=True):
    """Turn each `added_at` whose accumulator is provably unshared into `add_at`; in place.

    `float64_params` (the names of the parameters the derivative is specialised to
    receive as float64 arrays or floats, or None): with it, an elementwise operation may
    also write its result into an operand that dies there (`exp *= 2`, `np.tanh(a, out=a)`)
    where the shapes are provably equal and the operand provably float64.

    `reentrant`: the adjoint sweep may run more than once (a pullback), so it must not
    write into values of the forward sweep; False for grad and value_and_grad."""
    planner = _Planner(fn)
    planner.reentrant = reentrant
    if float64_params is not None:
        kinds = {entry[0]: entry[1] for entry in float64_params}
        planner.float64 = {p for p in fn.params if kinds.get(p.hint) in ("array", "scalar")}
        planner.arrays = {p for p in fn.params if kinds.get(p.hint) == "array"}
    planner.run()
    return fn


class _Planner:
    def __init__(self, fn):
        self.fn = fn
        self.uses = {}
        self.defs = {}        # Var -> ("op", op) | ("loop", loop, k) | ("if", if, k) | ("param",)
        self.before_sweep = set()
        self.index_params = set()
        self.memo = {}
        self.array_memo = {}   # loop values -> whether always an ndarray
        self.indexed = set()
        self.copied = set()
        self.may_copy = True
        self.in_adjoint = False
        self.float64 = None        # the parameters known to be float64 (see plan_inplace)
        self.arrays = set()        # ... and those of them that are arrays
        self.f64_memo = {}

    def run(self):
        fn = self.fn
        self.identities = kept_identities(fn)
        for p in fn.params:
            self.defs[p] = ("param",)
        swept = False
        for s in fn.body.stmts:
            if isinstance(s, Op) and s.prim is P.SWEEP:
                swept = True
            elif not swept:
                self.before_sweep |= set(_all_defined(s))
        if not swept or not getattr(self, "reentrant", True):
            self.before_sweep = set()
        self.scan(fn.body)
        self.uses = _count_uses(fn.body)
        stmts = [s for s in walk_stmts(fn.body) if isinstance(s, Op)]
        # a parameter the function takes items of (X[i], X[1:]) is an ndarray, or the
        # function raises (a number has no items; lists and tuples arrive item by item)
        self.indexed = {s.args[0] for s in stmts if s.prim.impl is operator.getitem and
                        s.args[0] in fn.params and not (isinstance(s.args[1], Const) and
                                                        s.args[1].value in ((), Ellipsis))}
        adjoint = set()
        if swept:
            at = next(i for i, t in enumerate(fn.body.stmts)
                      if isinstance(t, Op) and t.prim is P.SWEEP)
            for t in fn.body.stmts[at:]:
                adjoint.add(id(t))
                adjoint.update(id(u) for b in t.blocks() for u in walk_stmts(b))
        for s in stmts:
            self.in_adjoint = id(s) in adjoint
            if s.prim.impl is runtime.added_at:
                self.consider(s)
        self.blocks = _blocks_of(fn.body)
        for s in stmts:
            self.in_adjoint = id(s) in adjoint
            if s.prim.impl in (runtime.set_item, runtime.zeroed_at, runtime.appended):
                self.consider_write(s)
        # A sum allocates anyway: copying a loop's start value would not pay for itself.
        self.may_copy = False
        if self.float64 is not None:
            from .shapes import Shapes
            from .simplify import _Simplifier
            self.shapes = Shapes()
            _Simplifier(self.shapes).dry(fn)
            for s in stmts:
                self.in_adjoint = id(s) in adjoint
                if not s.attrs.get("augmented") and not s.attrs.get("accumulate"):
                    self.consider_temporary(s)
        for s in stmts:
            self.in_adjoint = id(s) in adjoint
            if s.attrs.get("accumulate") and s.prim.impl in (operator.add, operator.sub) and \
                    self.sole_fresh(s.args[0])[0]:
                s.attrs["augmented"] = "name"   # adj = adj + c  ->  adj += c
                if s.args[0].is_temp:            # one array, named after what it is the adjoint of
                    s.args[0].hint, s.args[0].is_temp = s.out.hint, s.out.is_temp

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
        """(fresh, always an ndarray) for the value `v`, as seen by the op considered (one
        in the adjoint sweep never writes into a value of the forward sweep)."""
        if not isinstance(v, Var) or (self.in_adjoint and v in self.before_sweep):
            return False, False
        key = (v, self.in_adjoint)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = (True, True)    # optimistic for loop-carried cycles
        at = len(self.memo)
        result = self._fresh(v)
        if result != (True, True):
            # what was found meanwhile may rest on the optimism: found again when asked
            for k in list(self.memo)[at:]:
                del self.memo[k]
        self.memo[key] = result
        return result

    def _fresh(self, v):
        d = self.defs.get(v)
        if d is None or d[0] == "param":
            return False, False
        if d[0] == "op":
            fn = d[1].prim.impl
            if fn in _MAKERS or d[1].prim is P.LIST:
                # a new value; an ndarray where it is made so, or made like one
                return True, d[1].prim is not P.LIST and self.is_array(v)
            return fn in _ARITH or fn in _FLOAT_UFUNCS, False   # always a new value
        if d[0] == "if":
            s, k = d[1], d[2]
            parts = [self.sole_fresh(b.results[k]) for b in (s.then, s.orelse)]
            return all(p[0] for p in parts), all(p[1] for p in parts)
        s, k = d[1], d[2]
        init, body = self.sole_fresh(s.inits[k]), self.sole_fresh(s.body.results[k])
        param = s.body.params[len(s.body.params) - len(s.inits) + k]
        if body[0] and not init[0] and self.may_copy and (id(s), k) not in self.copied and \
                param not in self.identities and s.inits[k] not in self.identities:
            # (not an array whose identity a refresh asks about: views of it taken before
            # the loop, in a list, say, would no longer be views of the copy)
            self.copied.add((id(s), k))
            self.copy_init(s, k)
            init = (True, self.is_array(s.inits[k]))
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

    def consider_write(self, op):
        """`x2 = set_item(x, i, v)` -> `x[i] = v` (and `g[i] = 0.0` for zeroed_at) when x is
        fresh and everything else that reads x runs before, in the same block, and keeps
        no view of it past this point."""
        acc = op.args[0]
        if not isinstance(acc, Var) or not self.fresh(acc)[0]:
            return
        if op.prim.impl is not runtime.appended and not self.fresh(acc)[1] and \
                not self.is_array(acc):
            return   # perhaps a number (a 0-d array times 0.9): `x[...] = v` would raise
        if sum(1 for a in op.operands() if a is acc) != 1:
            return   # x[i] = x: the value written is the array itself
        if op.prim.impl is runtime.appended and not self.is_list(acc):
            return   # zeros for a list (a tangent): an array, which has no .append
        recorded = self.last_use(acc, op)
        if recorded is None:
            return
        for push in recorded:
            block = self.blocks[id(push)]
            copy = Op(P.lookup(runtime.owned), [push.args[1]], loc=push.loc)
            copy.out.is_temp = True
            block.stmts.insert(block.stmts.index(push), copy)
            push.args[1] = copy.out
        op.attrs["augmented"] = {runtime.set_item: "store", runtime.zeroed_at: "zero",
                                 runtime.appended: "append"}[op.prim.impl]
        if acc.is_temp:
            acc.hint, acc.is_temp = op.out.hint, op.out.is_temp

    def is_list(self, v, depth=0):
        """Whether `v` is always a Python list (made by a list display or an append)."""
        d = self.defs.get(v) if isinstance(v, Var) else None
        if d is None or depth > 20:
            return False
        if d[0] == "op":
            if d[1].prim.impl is runtime.fresh_array:   # a copy of a list is a list
                return self.is_list(d[1].args[0], depth + 1)
            return d[1].prim is P.LIST or d[1].prim.impl is runtime.appended
        if d[0] == "if":
            s, k = d[1], d[2]
            return all(self.is_list(b.results[k], depth + 1) for b in (s.then, s.orelse))
        s, k = d[1], d[2]
        return self.is_list(s.inits[k], depth + 1) and \
            (s.body.results[k] is s.body.params[len(s.body.params) - len(s.inits) + k] or
             self.is_list(s.body.results[k], depth + 1))

    def last_use(self, acc, op):
        """The tape pushes of views of `acc` to turn into copies if `op` is where `acc` is
        last read (everything else that reads it runs before, in the same block, and keeps
        no view of it past `op`); None if it is not."""
        block = self.blocks[id(op)]
        at = next(i for i, t in enumerate(block.stmts) if t is op)
        seen = sum(1 for a in op.operands() if a is acc)
        later = _reads(block.stmts[at + 1:], block.results)
        before = block.stmts[:at]
        recorded = []   # views of x pushed on a tape: a copy is recorded instead
        viewing = {acc}    # x, and the views of x (and of those) made before `op`
        for t in before:
            n = sum(1 for a in t.operands() if a is acc)
            if isinstance(t, Op) and _is_view(t) and t.args and \
                    t.args[0] in viewing and t.args[0] is not acc:
                n = 1   # a view of a view of x: x's memory too
            if isinstance(t, Op):
                if n and (not t.prim.pure and t.prim.impl not in _CHECKS or _keeps(t, acc)):
                    return   # (a list that holds x would show the write)
                if n and _is_view(t):
                    viewing.update(t.outs)
                    for o in t.outs:
                        pushes = [u for u in before if isinstance(u, Op) and
                                  u.prim is TAPE_PUSH and u.args[1] is o]
                        rest = [u for u in before if u not in pushes]
                        here = sum(1 for u in before for a in u.operands() if a is o)
                        if not _read_only_here(o, rest, later) or \
                                self.uses.get(o, 0) != here:
                            # a view of x that lives on: yielded, read later (by the
                            # adjoint sweep, say, in another block)
                            return None
                        recorded += pushes
            elif any(acc in _reads(b.stmts, b.results) for b in t.blocks()):
                return None
            seen += sum(1 for a in t.operands() if a is acc)
        if seen != self.uses.get(acc, 0):
            return None   # read after this point, or elsewhere
        return recorded

    def consider_temporary(self, op):
        """`c = a * b` -> `a *= b` (`c = np.exp(a)` -> `np.exp(a, out=a)`) where a is a
        float64 temporary that dies here, shaped like c."""
        fn = op.prim.impl
        if len(op.outs) != 1 or op.kwargs:
            return
        if op.prim.emit[0] == "binop" and fn in _IN_PLACE_BINOPS and len(op.args) == 2:
            order = (0, 1) if fn not in _COMMUTATIVE else (0, 1, 1, 0)
            candidates = [(op.args[order[k]], op.args[order[k + 1]])
                          for k in range(0, len(order), 2)]
            for a, b in candidates:
                if self.writable(a, op) and (not isinstance(b, Var) or self.is_f64(b) or
                                             b in self.float64):
                    op.args = [a, b]
                    op.attrs["augmented"] = "name"
                    break
        elif op.prim.emit[0] in ("call", "unaryop") and len(op.args) == 1 and \
                (fn in _FLOAT_UFUNCS or fn is operator.neg):
            # np.exp(a, out=a) needs an array (a Python float has no memory to write into)
            if self.is_array(op.args[0]) and self.writable(op.args[0], op):
                op.attrs["augmented"] = "out"
        if op.attrs.get("augmented") and op.args[0].is_temp:
            op.args[0].hint, op.args[0].is_temp = op.out.hint, op.out.is_temp

    def writable(self, a, op):
        if not isinstance(a, Var) or not self.fresh(a)[0] or not self.is_f64(a):
            return False
        if not self.shapes.same(a, op.out):
            return False
        recorded = self.last_use(a, op)
        return recorded is not None and not recorded

    def is_array(self, v, depth=0):
        """Whether `v` is provably an ndarray: an array parameter, or an elementwise
        function of one."""
        if not isinstance(v, Var) or depth > 50:
            return False
        if v in self.arrays or v in self.indexed:
            return True
        if v in self.array_memo:   # (each value once: a chain of ops that read one value
            return self.array_memo[v]   # twice would be explored exponentially often)
        d = self.defs.get(v)
        if d is None or d[0] == "param":
            return False
        if d[0] != "loop":
            out = self._is_array(d, depth)
            self.array_memo[v] = out
            return out
        # a loop's: its start and what each iteration yields
        self.array_memo[v] = True   # optimistic for the cycle through the iterations
        before = set(self.array_memo)
        s, k = d[1], d[2]
        out = self.is_array(s.inits[k], depth + 1) and \
            self.is_array(s.body.results[k], depth + 1)
        if not out:   # what was decided on the optimistic guess is decided again
            for w in set(self.array_memo) - before:
                del self.array_memo[w]
        self.array_memo[v] = out
        return out

    def _is_array(self, d, depth):
        if d[0] == "if":
            s, k = d[1], d[2]
            return all(self.is_array(b.results[k], depth + 1) for b in (s.then, s.orelse))
        t = d[1]
        if t.prim.impl in _ALWAYS_ARRAYS or t.prim is P.LIST:
            return t.prim is not P.LIST
        if t.prim.impl in _MAKERS:   # like their first argument (0.0 for a number)
            return self.is_array(t.args[0], depth + 1)
        if t.prim.impl is operator.getitem and len(t.args) == 2:
            return self.array_index(t.args[1])   # x[1:], x[idx]: an ndarray, or it raises
        return t.prim.impl in _ELEMENTWISE_ARRAYS and \
            any(self.is_array(a, depth + 1) for a in t.args)

    def array_index(self, index):
        """Whether `x[index]` is an ndarray whatever x is (a slice, an index array or list
        among its parts), where it is not an error."""
        if isinstance(index, Const):
            parts = index.value if isinstance(index.value, tuple) else (index.value,)
            return any(isinstance(p, (slice, list, np.ndarray)) for p in parts)
        d = self.defs.get(index) if isinstance(index, Var) else None
        if d is None or d[0] != "op":
            return False
        op = d[1]
        if op.prim is P.TUPLE:
            return any(self.array_index(a) for a in op.args)
        return op.prim.impl in (slice, runtime.array, np.array) or op.prim is P.LIST

    def is_f64(self, v):
        """Whether `v` is provably a float64 value (array or scalar) in this specialisation:
        a float64 parameter, or computed by arithmetic and float functions from such values
        and Python numbers only."""
        if not isinstance(v, Var):
            return isinstance(v, Const) and type(v.value) in (float, int)
        if v in self.float64:
            return True
        if v in self.f64_memo:
            return self.f64_memo[v]
        self.f64_memo[v] = True   # optimistic for loop-carried cycles
        d = self.defs.get(v)
        result = False
        if d is not None and d[0] == "op":
            t = d[1]
            if t.prim.impl in _FLOAT_KEEPING and t.args:
                result = all(self.is_f64(a) for a in t.args if not isinstance(a, Const)) and \
                    any(isinstance(a, Var) for a in t.args)
        elif d is not None and d[0] == "if":
            s, k = d[1], d[2]
            result = all(self.is_f64(b.results[k]) for b in (s.then, s.orelse))
        elif d is not None and d[0] == "loop":
            s, k = d[1], d[2]
            result = self.is_f64(s.inits[k]) and self.is_f64(s.body.results[k])
        self.f64_memo[v] = result
        return result

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


_IN_PLACE_BINOPS = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow)
_COMMUTATIVE = (operator.add, operator.mul)
_FLOAT_UFUNCS = (np.exp, np.expm1, np.log, np.log1p, np.log2, np.log10, np.sqrt, np.sin, np.cos,
                 np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh,
                 np.arcsinh, np.negative, np.square, np.abs, np.absolute)
# Functions whose result is float64 when their operands are float64 or Python numbers.
_FLOAT_KEEPING = _IN_PLACE_BINOPS + _FLOAT_UFUNCS + (
    operator.neg, np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum,
    np.sum, np.mean, runtime.unbroadcast, runtime.broadcast_like, runtime.zeros_like,
    runtime.seed, np.broadcast_to, np.where, np.sign, np.clip)

# Elementwise: an array operand makes the result an array.
_ELEMENTWISE_ARRAYS = _IN_PLACE_BINOPS + _FLOAT_UFUNCS + (
    operator.neg, np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum)

# Impure only in that they may raise: they read their arguments and keep nothing.
_CHECKS = (runtime.check_is_view, runtime.check_not_view, runtime.check_scalar,
           runtime.check_length)

_VIEWS = (operator.getitem, np.reshape, np.transpose, np.ravel, np.squeeze, np.expand_dims,
          np.swapaxes, np.moveaxis, np.diagonal, np.broadcast_to, runtime.broadcast_like,
          runtime.unbroadcast)


def _is_view(op):
    """Whether `op` may return memory of its first operand (np.flip, x.T, x[1:], ...)."""
    return op.prim.impl in _VIEWS or bool(op.prim.view)


def _reads(stmts, results):
    out = set()
    for s in stmts:
        out.update(x for x in s.operands() if isinstance(x, Var))
        for b in s.blocks():
            out |= _reads(b.stmts, b.results)
    out.update(r for r in results if isinstance(r, Var))
    return out


def _read_only_here(v, stmts, later):
    """Whether every read of `v` is by a pure op among `stmts` (none after, none nested)."""
    if v in later:
        return False
    for t in stmts:
        if not isinstance(t, Op):
            if any(v in _reads(b.stmts, b.results) for b in t.blocks()):
                return False
        elif v in t.operands() and (not t.prim.pure and t.prim.impl not in _CHECKS or
                                    _keeps(t, v)):
            return False
    return True


def _keeps(op, v):
    """Whether `op` keeps `v` in what it makes (a list or tuple holding it): a write into
    v after it would show there."""
    if op.prim.impl is runtime.appended:
        return len(op.args) > 1 and op.args[1] is v
    return op.prim in (P.LIST, P.TUPLE) and any(a is v for a in op.args)


def _blocks_of(block, out=None):
    """{id(statement): the block it is in}."""
    out = {} if out is None else out
    for s in block.stmts:
        out[id(s)] = block
        for b in s.blocks():
            _blocks_of(b, out)
    return out


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
