"""Forward mode: IR → IR that also computes tangents (JVP)."""

import operator

from ..ir import primitives as P
from ..ir.clone import clone_function, inline
from ..ir.core import Block, Const, If, Loop, Op, Var, Zero
from ..runtime import broadcast_like, zeros_like
from .activity import varied
from .common import bind, find_rule


def jvp(fn, wrt):
    """The forward-mode derivative of `fn` w.r.t. the parameters at indices `wrt`.

    The result takes the original parameters, then one tangent per `wrt`
    parameter, and returns the original results followed by their tangents.
    """
    fn = clone_function(fn)
    inputs = [fn.params[i] for i in wrt]
    tangents = {}
    dot_params = []
    for p in inputs:
        t = Var(p.hint + "_dot", shape_of=p)
        tangents[p] = t
        dot_params.append(t)
    active = varied(fn, inputs)
    stmts = []
    _block(fn.body.stmts, stmts, tangents, active)
    results = list(fn.body.results)
    out_tangents = []
    for r in results:
        t = tangents.get(r) if isinstance(r, Var) else None
        if t is None:
            op = Op(P.lookup(zeros_like), [r])
            op.out.hint = (r.hint if isinstance(r, Var) else "out") + "_dot"
            stmts.append(op)
            t = op.out
        out_tangents.append(t)
    new = fn.copy_meta(fn.name + "_jvp", fn.params + dot_params, Block([], stmts, results + out_tangents))
    new.n_primal_results = len(results)
    return new


def _tangent(tangents, x):
    if isinstance(x, Var) and x in tangents:
        return tangents[x]
    return Zero(x)


def _block(src, stmts, tangents, active):
    for s in src:
        stmts.append(s)
        if isinstance(s, (If, Loop)):
            raise NotImplementedError("control flow in forward mode")
        if not any(o in active for o in s.outs):
            continue
        if not s.prim.differentiable:
            continue
        if s.prim is P.COPY:
            tangents[s.out] = _tangent(tangents, s.args[0])
            continue
        kind, rule = find_rule(s, "forward")
        primal = bind(rule, s)
        ins = [primal[name] for name in rule.required]
        dins = [_tangent(tangents, x) for x in ins]
        if all(isinstance(d, Zero) for d in dins):
            continue
        ans = s.out
        lowered = rule.lowered(primal)
        rule_args = _rule_args(rule, primal, ans, [] if kind == "derivative" else dins)
        (t,) = inline(lowered, rule_args, stmts, s.loc)
        if kind == "derivative":
            t = _emit(stmts, operator.mul, [dins[0], t], s.loc)
        t = _emit(stmts, broadcast_like, [t, ans], s.loc)
        if isinstance(t, Var):
            t.hint = ans.hint + "_dot"
            t.is_temp = ans.is_temp
        tangents[ans] = t


def _rule_args(rule, primal, ans, leads):
    """The operands for the lowered rule's parameters: leads, ans, then unbound primals."""
    args = list(leads) + [ans]
    names = [p.name for p in rule.primal_sig.parameters.values()]
    for name in names:
        if not isinstance(primal[name], Const):
            args.append(primal[name])
    return args


def _emit(stmts, fn, args, loc):
    op = Op(P.lookup(fn), args, loc=loc)
    op.out.is_temp = True
    stmts.append(op)
    return op.out


__all__ = ["jvp"]
