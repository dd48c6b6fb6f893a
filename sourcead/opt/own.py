"""Derivative outputs the caller owns: never a read-only view, never an input."""

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Op, Var

_VIEWS = (np.broadcast_to, runtime.broadcast_like)


def own_outputs(fn):
    """Wrap each derivative result (after the primal ones) that is a broadcast view or a
    parameter in `sad_rt.owned(...)`, a copy; returns `fn`."""
    defining = {s.out: s for s in fn.body.stmts if isinstance(s, Op) and len(s.outs) == 1}
    params = set(fn.params)
    results = fn.body.results
    for k in range(fn.n_primal_results, len(results)):
        r = results[k]
        if not isinstance(r, Var):
            continue
        d = defining.get(r)
        if r in params or (d is not None and d.prim.impl in _VIEWS):
            op = Op(P.lookup(runtime.owned), [r])
            op.out.hint = r.hint
            fn.body.stmts.append(op)
            results[k] = op.out
    return fn
