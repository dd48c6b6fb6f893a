"""Building SSA IR: the statement list being filled, ops, and their definitions.

The lowering never writes IR statements itself: it asks the `Builder` to emit an
op (folding it when its operands are constants), and records each Var's defining
op so that later questions ("is this a comparison?", "is this an integer?") are a
lookup, not a search.
"""

import operator

from ..ir import primitives as P
from ..ir.core import Const, Op, Var


class Builder:
    """The statements of the block being lowered, and where they come from."""

    def __init__(self):
        self.stmts = []
        self.loc = None
        self.defs = {}     # Var -> the Op that made it

    def emit(self, fn, args, kwargs=None, attrs=None):
        """`fn(*args, **kwargs)` as an op; its result (a Var, a Const when folded, or a
        list of Vars for a primitive with several outputs)."""
        prim = P.lookup(fn)
        if prim is None:
            prim = P.defprim(fn)
        kwargs = kwargs or {}
        if prim.pure and all(isinstance(a, Const) for a in args) and \
                all(isinstance(a, Const) for a in kwargs.values()):
            folded = P.fold(fn, args, kwargs)
            if folded is not None:
                return folded
        n = prim.outputs(args, kwargs)
        outs = [Var(prim.result_hint, is_temp=True) for _ in range(n)] if n != 1 else None
        op = Op(prim, args, kwargs, outs=outs, loc=self.loc, attrs=attrs)
        self.append(op)
        return op.out if len(op.outs) == 1 else list(op.outs)

    def emit_op(self, prim, args, kwargs=None, attrs=None, outs=None):
        """An op of an internal primitive (never folded)."""
        op = Op(prim, args, kwargs, loc=self.loc, attrs=attrs, outs=outs)
        if prim is P.GETATTR and op.attrs["name"].isidentifier() and \
                not op.attrs["name"].startswith("_"):
            op.out.hint = op.attrs["name"]   # `W = m.W` (not `getattr`, a builtin)
        self.append(op)
        return op.out if len(op.outs) == 1 else list(op.outs)

    def append(self, stmt):
        self.stmts.append(stmt)
        for o in stmt.outs:
            if isinstance(stmt, Op):
                self.defs[o] = stmt

    def collect(self, fn):
        """Run fn() with a fresh statement list: (its statements, what it returned)."""
        saved, self.stmts = self.stmts, []
        try:
            value = fn()
            return self.stmts, value
        finally:
            self.stmts = saved

    def made_by(self, v):
        """The callable of the op that made `v`, or None."""
        op = self.defs.get(v) if isinstance(v, Var) else None
        return op.prim.impl if op is not None else None

    def name(self, v, hint):
        """Name an unnamed result after the user's variable it is bound to."""
        if isinstance(v, Var) and v.is_temp:
            v.hint, v.is_temp = hint, False
        return v

    def and_(self, a, b):
        """a and b for truth values (a Const when either is known)."""
        if isinstance(a, Const):
            return b if a.value else Const(False)
        if isinstance(b, Const):
            return a if b.value else Const(False)
        return self.emit(operator.and_, [a, b])

    def not_(self, a):
        if isinstance(a, Const):
            return Const(not a.value)
        return self.emit(operator.not_, [a])
