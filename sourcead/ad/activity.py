"""Activity analysis: which values are varied (depend on a differentiated
input) and useful (influence a differentiated output). Only values that are
both get tangents or adjoints."""

from ..ir.core import If, Loop, Op, Var


def _differentiable(stmt):
    return not isinstance(stmt, Op) or stmt.prim.differentiable


def varied(fn, inputs):
    """The Vars of `fn` that depend on any Var in `inputs` through differentiable ops."""
    vs = set(inputs)

    def block(b):
        changed = True
        while changed:  # a fixed point, for loop-carried values
            changed = False
            for s in b.stmts:
                if isinstance(s, Loop):
                    for p, i, r in zip(s.body.params[-len(s.inits):] if s.inits else [],
                                       s.inits, s.body.results):
                        if (i in vs or r in vs) and p not in vs:
                            vs.add(p)
                            changed = True
                for sub in s.blocks():
                    block(sub)
                if not _differentiable(s):
                    continue
                ins = any(isinstance(o, Var) and o in vs for o in _inputs(s))
                for k, o in enumerate(s.outs):
                    if o not in vs and (ins or _result_varied(s, k, vs)):
                        vs.add(o)
                        changed = True
    block(fn.body)
    return vs


def _inputs(s):
    if isinstance(s, If):
        return []  # the condition carries no derivative; results come from the branches
    if isinstance(s, Loop):
        return list(s.inits)
    return s.operands()


def _result_varied(s, k, vs):
    if isinstance(s, If):
        return any(isinstance(b.results[k], Var) and b.results[k] in vs for b in (s.then, s.orelse))
    if isinstance(s, Loop):
        r = s.body.results[k]
        return isinstance(r, Var) and r in vs
    return False


def useful(fn, outputs):
    """The Vars of `fn` that some Var in `outputs` depends on through differentiable ops."""
    us = set(o for o in outputs if isinstance(o, Var))

    def block(b):
        changed = True
        while changed:
            changed = False
            for s in reversed(b.stmts):
                if not any(o in us for o in s.outs):
                    continue
                if isinstance(s, Op):
                    if not s.prim.differentiable:
                        continue
                    for o in s.operands():
                        if isinstance(o, Var) and o not in us:
                            us.add(o)
                            changed = True
                else:
                    for sub in s.blocks():
                        for k, o in enumerate(s.outs):
                            if o in us and k < len(sub.results):
                                r = sub.results[k]
                                if isinstance(r, Var) and r not in us:
                                    us.add(r)
                                    changed = True
                        block(sub)
                    for o in _inputs(s):
                        if isinstance(o, Var) and o not in us:
                            us.add(o)
                            changed = True
    block(fn.body)
    return us


def active(fn, inputs, outputs):
    return varied(fn, inputs) & useful(fn, outputs)
