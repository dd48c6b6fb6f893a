"""Materialising the symbolic zeros that simplification could not fold away."""

from ..ir import primitives as P
from ..ir.core import Loop, Op, Zero
from ..runtime import zeros_like


def materialize_zeros(fn):
    """Replace each remaining Zero operand by `sad_rt.zeros_like(...)` (or 0.0 for scalars)."""
    from ..ir.core import Const
    prim = P.lookup(zeros_like)

    def concrete(z, out, hint="zero"):
        if z.like is None:
            return Const(0.0)
        like = z.like if isinstance(z.like, tuple) else (z.like,)
        if all(isinstance(v, Const) and isinstance(v.value, (int, float)) for v in like):
            return Const(0.0)
        op = Op(prim, list(like))
        op.out.hint = hint
        op.out.is_temp = True
        out.append(op)
        return op.out

    def block(b):
        new = []
        for s in b.stmts:
            for sub in s.blocks():
                block(sub)
            if isinstance(s, Loop):  # a zero that starts a carried value is named after it
                n = len(s.inits)
                params = s.body.params[len(s.body.params) - n:]
                s.inits = [concrete(x, new, p.hint) if isinstance(x, Zero) else x
                           for x, p in zip(s.inits, params)]
            s.map_operands(lambda x: concrete(x, new) if isinstance(x, Zero) else x)
            new.append(s)
        b.results = [concrete(r, new) if isinstance(r, Zero) else r for r in b.results]
        b.stmts = new

    block(fn.body)
    return fn
