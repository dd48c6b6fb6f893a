"""Reverse mode: IR → IR with a primal sweep and an adjoint sweep (VJP).

The result is one function: the primal statements, a SWEEP marker, then
the adjoint statements in reverse order. Code generation either emits it
flat (grad, value_and_grad) or splits it at the marker into a function that
returns a pullback closure (vjp).
"""

import operator

from ..ir import primitives as P
from ..ir.clone import clone_function, inline
from ..ir.core import Block, Const, If, Loop, Op, Var, Zero
from ..runtime import check_scalar
from ..runtime import seed as seed_fn
from ..runtime import unbroadcast, zeros_like
from .activity import active as active_vars
from .common import bind, find_rule
from .forward import _control_flow_unsupported, _rule_args


def vjp(fn, wrt, seed="param", return_primal=True):
    """The reverse-mode derivative of `fn` w.r.t. the parameters at indices `wrt`.

    seed="param": the function takes one cotangent parameter per result
    (named `<result>_bar`) after the original parameters. seed="scalar": the
    cotangent of the single result is `sad_rt.seed(result)`, 1 for a scalar.
    Results: the original results (if return_primal), then one adjoint per
    `wrt` parameter.
    """
    fn = clone_function(fn)
    inputs = [fn.params[i] for i in wrt]
    results = list(fn.body.results)
    active = active_vars(fn, inputs, results)
    stmts = list(fn.body.stmts)
    for s in stmts:
        if isinstance(s, (If, Loop)):
            raise _control_flow_unsupported(s)
    sweep = Op(P.SWEEP, [], outs=[])
    stmts.append(sweep)

    adj = {}
    seed_params = []
    if seed == "param":
        for r in results:
            g = Var((r.hint if isinstance(r, Var) else "out") + "_bar",
                    shape_of=r if isinstance(r, Var) else None)
            seed_params.append(g)
            if isinstance(r, Var) and r in active:
                _accumulate(adj, r, g, stmts, None)
    else:
        (r,) = results
        stmts.append(Op(P.lookup(check_scalar), [r], outs=[]))
        op = Op(P.lookup(seed_fn), [r])
        op.out.hint = (r.hint if isinstance(r, Var) else "out") + "_bar"
        op.out.is_temp = False
        stmts.append(op)
        if isinstance(r, Var) and r in active:
            adj[r] = op.out

    for s in reversed(fn.body.stmts):
        if not isinstance(s, Op) or not s.prim.differentiable:
            continue
        if not any(o in active and o in adj for o in s.outs):
            continue
        _adjoint_op(s, adj, active, stmts)

    grads = []
    for p in inputs:
        g = adj.get(p)
        if g is None:
            op = Op(P.lookup(zeros_like), [p], loc=None)
            op.out.hint = p.hint + "_bar"
            stmts.append(op)
            g = op.out
        grads.append(g)
    out = (results if return_primal else []) + grads
    new = fn.copy_meta(fn.name + "_vjp", fn.params + seed_params, Block([], stmts, out))
    new.n_primal_results = len(results) if return_primal else 0
    new.n_seeds = len(seed_params)
    return new


def _adjoint_op(s, adj, active, stmts):
    ans = s.out
    g = adj[ans]
    if s.prim is P.COPY:
        _accumulate(adj, s.args[0], g, stmts, s.loc)
        return
    kind, rule = find_rule(s, "reverse")
    primal = bind(rule, s)
    ins = [primal[name] for name in rule.required]
    if not any(isinstance(x, Var) and x in active for x in ins):
        return
    lowered = rule.lowered(primal)
    args = _rule_args(rule, primal, ans, [] if kind == "derivative" else [g])
    contribs = inline(lowered, args, stmts, s.loc)
    if kind == "derivative":
        contribs = [_emit(stmts, operator.mul, [g, contribs[0]], s.loc)]
    elif len(ins) == 1 and len(contribs) != 1:
        contribs = [contribs]  # pragma: no cover  (a rule returning a tuple for one input)
    for x, c in zip(ins, contribs):
        if not (isinstance(x, Var) and x in active):
            continue
        if isinstance(c, Const) and c.value is None:
            continue
        c = _emit(stmts, unbroadcast, [c, x], s.loc)
        _accumulate(adj, x, c, stmts, s.loc)


def _accumulate(adj, x, c, stmts, loc):
    """adj[x] += c, starting from the first contribution itself."""
    prev = adj.get(x)
    if prev is None:
        new = c
    else:
        new = _emit(stmts, operator.add, [prev, c], loc)
    if isinstance(new, Var):
        new.hint = x.hint + "_bar"
        new.is_temp = x.is_temp
    adj[x] = new


def _emit(stmts, fn, args, loc):
    op = Op(P.lookup(fn), args, loc=loc)
    op.out.is_temp = True
    stmts.append(op)
    return op.out
