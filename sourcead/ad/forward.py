"""Forward mode: IR → IR that also computes tangents (JVP)."""

import operator

from ..ir import primitives as P
from ..ir.clone import clone_function, inline
from ..ir.core import Block, Const, If, Loop, Op, Var, Zero
from ..runtime import broadcast_like, checked_tangent, zeros_like
from .activity import useful, varied
from .common import (bind, callee_name, check_constant_arguments, derivative_name, emit_temp,
                     find_rule)


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
    # (a value no result depends on needs no tangent: a differentiated value given to
    # print, or to a logger, needs no rule)
    active = varied(fn, inputs) & useful(fn, fn.body.results)
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


def _tangent_var(v):
    return Var(v.hint + "_dot", is_temp=v.is_temp, shape_of=v)


def _if(s, tangents, active):
    """Each branch computes the tangents of its own values; the if yields those of its outputs."""
    for b in (s.then, s.orelse):
        inner = []
        _block(b.stmts, inner, tangents, active)
        b.stmts = inner
    for k, o in enumerate(list(s.outs)):
        if o not in active:
            continue
        ts = [_tangent(tangents, b.results[k]) for b in (s.then, s.orelse)]
        if all(isinstance(t, Zero) for t in ts):
            continue
        for b, t in zip((s.then, s.orelse), ts):
            b.results.append(t)
        out = _tangent_var(o)
        s.outs.append(out)
        tangents[o] = out


def _loop(s, tangents, active):
    """Tangents of carried values are carried too."""
    n = len(s.inits)
    params = s.body.params[len(s.body.params) - n:]
    carried = [k for k in range(n) if params[k] in active or s.outs[k] in active]
    for k in carried:
        tangents[params[k]] = _tangent_var(params[k])
    inner = []
    _block(s.body.stmts, inner, tangents, active)
    s.body.stmts = inner
    for k in carried:
        s.inits.append(_tangent(tangents, s.inits[k]))
        s.body.params.append(tangents[params[k]])
        s.body.results.append(_tangent(tangents, s.body.results[k]))
        out = _tangent_var(s.outs[k])
        s.outs.append(out)
        tangents[s.outs[k]] = out
        if s.cond is not None:
            s.cond.params.append(_tangent_var(s.cond.params[k]))


def _block(src, stmts, tangents, active):
    for s in src:
        stmts.append(s)
        if isinstance(s, If):
            _if(s, tangents, active)
            continue
        if isinstance(s, Loop):
            _loop(s, tangents, active)
            continue
        if not any(o in active for o in s.outs):
            continue
        if not s.prim.differentiable:
            continue
        if s.prim is P.COPY:
            tangents[s.out] = _tangent(tangents, s.args[0])
            continue
        if s.prim in (P.LIST, P.TUPLE):   # [a, b]: the list of their tangents
            op = Op(s.prim, [_tangent(tangents, a) for a in s.args], loc=s.loc)
            op.out.hint, op.out.is_temp = s.out.hint + "_dot", s.out.is_temp
            stmts.append(op)
            tangents[s.out] = op.out
            continue
        if s.prim is P.CALL_USER:
            _user_call(s, tangents)
            continue
        kind, rule = find_rule(s, "forward")
        primal = bind(rule, s)
        check_constant_arguments(rule, primal, s, lambda v: isinstance(v, Var) and v in active)
        ins = [primal[name] for name in rule.required]
        dins = [_tangent(tangents, x) for x in ins]
        if all(isinstance(d, Zero) for d in dins):
            continue
        lowered = rule.lowered(primal, len(s.outs))
        rule_args = _rule_args(rule, primal, s.outs, [] if kind == "derivative" else dins)
        ts = inline(lowered, rule_args, stmts, s.loc)   # one tangent per output
        if kind == "derivative":
            ts = [emit_temp(stmts, operator.mul, [dins[0], ts[0]], s.loc)]
        for ans, t in zip(s.outs, ts):
            if isinstance(t, Zero) or (isinstance(t, Const) and t.value is None):
                continue
            if getattr(rule, "user", False):   # a user's rule: its result's shape is checked
                op = Op(P.lookup(checked_tangent), [t, ans, Const(f"for `{callee_name(s)}`")],
                        loc=s.loc)
                op.out.is_temp = True
                stmts.append(op)
                t = op.out
            if s.prim.pure:   # (a tape's items and iterators come as they are)
                t = emit_temp(stmts, broadcast_like, [t, ans], s.loc)
            if isinstance(t, Var):
                t.hint = ans.hint + "_dot"
                t.is_temp = ans.is_temp
            tangents[ans] = t


def _user_call(s, tangents):
    """`y = f(a, b)` becomes `y, y_dot = f_jvp(a, b, a_dot)`: a call of f's own forward
    derivative with respect to the arguments that carry tangents."""
    wrt = tuple(k for k, a in enumerate(s.args) if not isinstance(_tangent(tangents, a), Zero))
    if not wrt:
        return
    s.prim = P.CALL_DERIVATIVE
    s.attrs = dict(s.attrs, kind="jvp", wrt=wrt,
                   text=derivative_name(s.attrs["callee"], "jvp", wrt))
    s.args = s.args + [tangents[s.args[k]] for k in wrt]
    dots = [_tangent_var(o) for o in s.outs]
    s.outs = s.outs + dots
    for o, d in zip(s.outs, dots):
        tangents[o] = d


def _rule_args(rule, primal, outs, leads):
    """The operands for the lowered rule's parameters: leads, the outputs (`ans`), then
    unbound primals."""
    args = list(leads) + list(outs)
    names = [p.name for p in rule.primal_sig.parameters.values()]
    for name in names:
        if not isinstance(primal[name], Const):
            args.append(primal[name])
    return args
