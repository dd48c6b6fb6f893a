"""IR invariants, checked after any pass: SSA, scoping, well-formed ops."""

from ..errors import IRVerificationError
from .core import Const, If, Loop, Op, Var, Zero, defined_in


def verify(fn, recorded=False):
    """Raise IRVerificationError if `fn` breaks an invariant; return `fn` otherwise.

    `recorded`: reversed loops must read primal loop values only through tapes."""
    defined = set()

    def define(v, where):
        if not isinstance(v, Var):
            raise IRVerificationError(f"{where}: defines a non-Var {v!r}")
        if v in defined:
            raise IRVerificationError(f"{where}: {v!r} is assigned twice (not SSA)")
        defined.add(v)

    def use(v, scope, where):
        if isinstance(v, (Const,)):
            return
        if isinstance(v, Zero):
            if v.like is not None:
                use(v.like, scope, where)
            return
        if not isinstance(v, Var):
            raise IRVerificationError(f"{where}: operand {v!r} is not a Var, Const or Zero")
        if v not in scope:
            raise IRVerificationError(f"{where}: {v!r} is used where it is not defined")

    def block(b, scope, where):
        scope = set(scope)
        for p in b.params:
            define(p, where + " params")
            scope.add(p)
        for s in b.stmts:
            w = f"{where}: {s!r}" if isinstance(s, Op) else f"{where}: {type(s).__name__}"
            for o in s.operands():
                use(o, scope, w)
            primal = s.attrs.get("primal") if isinstance(s, (If, Loop)) else None
            if isinstance(s, If):
                if len(s.then.results) != len(s.outs) or len(s.orelse.results) != len(s.outs):
                    raise IRVerificationError(f"{w}: branch results do not match outputs")
                # An adjoint branch may read what its primal branch defined (outside
                # loops, those values are still there when the adjoint sweep runs).
                block(s.then, scope | (defined_in(primal.then) if primal else set()), w + " then")
                block(s.orelse, scope | (defined_in(primal.orelse) if primal else set()),
                      w + " else")
            elif isinstance(s, Loop):
                n = len(s.inits)
                if len(s.outs) != n or len(s.body.results) != n:
                    raise IRVerificationError(f"{w}: loop carries {n} values inconsistently")
                if s.cond is not None:
                    block(s.cond, scope, w + " cond")
                extra = set()
                if primal is not None and not recorded:
                    extra = defined_in(primal.body)  # read before ad.tape.record inserts tapes
                block(s.body, scope | extra, w + " body")
            elif isinstance(s, Op):
                if s.prim is None:
                    raise IRVerificationError(f"{w}: op without primitive")
            else:
                raise IRVerificationError(f"{where}: unknown statement {s!r}")
            for o in s.outs:
                define(o, w)
                scope.add(o)
        for r in b.results:
            use(r, scope, where + " results")

    block_scope = set()
    for p in fn.params:
        define(p, "params")
        block_scope.add(p)
    block(fn.body, block_scope, fn.name)
    return fn
