"""Outputs the caller owns: never a read-only view, never one of the inputs."""

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Op, Var

_VIEWS = (np.broadcast_to,)                                  # always a view
_PASS = (runtime.unbroadcast, runtime.broadcast_like)        # may return their argument


def own_outputs(fn):
    """Wrap each result that may be a view or a parameter (an input of the function,
    or a cotangent the caller passed) in `sad_rt.owned(...)`, a copy; returns `fn`."""
    defining = {s.out: s for s in fn.body.stmts if isinstance(s, Op) and len(s.outs) == 1}
    params = set(fn.params)

    def may_alias(v):
        if not isinstance(v, Var):
            return False
        if v in params:
            return True
        d = defining.get(v)
        if d is None:
            return False
        if d.prim.impl in _VIEWS:
            return True
        if d.prim.impl in _PASS or d.prim is P.COPY or d.prim.view:
            return may_alias(d.args[0])   # (a view of an input is the input's memory)
        return False

    results = fn.body.results
    stmts = fn.body.stmts
    sweep = next((i for i, s in enumerate(stmts) if isinstance(s, Op) and s.prim is P.SWEEP),
                 None)
    n_primal = getattr(fn, "n_primal_results", len(results))
    for k, r in enumerate(results):
        if may_alias(r):
            op = Op(P.lookup(runtime.owned), [r])
            op.out.hint = r.hint
            if sweep is not None and k < n_primal:
                # a primal result of a split derivative: made before its pullback begins
                stmts.insert(sweep, op)
                sweep += 1
            else:
                stmts.append(op)
            results[k] = op.out
    return fn
