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

from .. import runtime
from ..ir.clone import clone_function
from ..ir.core import Const, If, Loop, Op, Var, walk_stmts
from ..ir.dims import Dims, join


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
    folder.redirect_shapes(fn.body)
    return fn


class _Folder(Dims):
    def __init__(self):
        super().__init__()
        self.subst = {}       # Var -> the operand that replaces it

    def operand(self, x):
        while isinstance(x, Var) and x in self.subst:
            x = self.subst[x]
        return x

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

    def redirect_shapes(self, block):
        """A Var declared shaped like a value this pass replaced (an adjoint shaped like
        an if's result that is now its branch's) is shaped like the replacement: a
        later pass reads shapes from what `shape_of` names, which must still exist."""
        def redirect(v):
            if v.shape_of is not None:
                x = self.operand(v.shape_of)
                v.shape_of = x if isinstance(x, Var) else None
        for p in block.params:
            redirect(p)
        for s in block.stmts:
            for o in s.outs:
                redirect(o)
            for sub in s.blocks():
                self.redirect_shapes(sub)

    def join_branches(self, s):
        """An if's results: the dimensions both branches agree on."""
        for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
            self.nd[o] = join(self.joinable(a), self.joinable(b))

    def loop(self, s):
        n = len(s.inits)
        carried = s.body.params[len(s.body.params) - n:]
        if s.kind == "range":
            self.ints.add(s.body.params[0])
            self.nd[s.body.params[0]] = 0
        start = [self.joinable(i) for i in s.inits]
        # What a carried value is after one iteration, found without changing the body
        # (only the second pass, with the joined kinds, folds).
        for p, k in zip(carried, start):
            self.nd[p] = k
        dry = _Folder()
        dry.nd, dry.defs, dry.ints = dict(self.nd), dict(self.defs), set(self.ints)
        dry.infer(s.body)
        joined = [join(k, dry.joinable(r)) for k, r in zip(start, s.body.results)]
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

    def op_kind(self, op):
        for o in op.outs:
            self.defs[o] = op
        if len(op.outs) == 1:
            self.nd[op.out] = self.result(op)


__all__ = ["fold_kinds"]
