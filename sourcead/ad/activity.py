"""Activity analysis: which values are varied (depend on a differentiated
input) and useful (influence a differentiated output). Only values that are
both get tangents or adjoints."""

from ..ir.core import If, Loop, Op, Var


def _differentiable(stmt):
    return not isinstance(stmt, Op) or stmt.prim.differentiable


def varied(fn, inputs):
    """The Vars of `fn` that depend on any Var in `inputs` through differentiable ops."""
    vs = set(inputs)

    def is_varied(x):
        return isinstance(x, Var) and x in vs

    def mark(v):
        if v not in vs:
            vs.add(v)
            return True
        return False

    def block(b):
        changed = False
        for s in b.stmts:
            if isinstance(s, If):
                changed |= block(s.then) | block(s.orelse)
                for k, o in enumerate(s.outs):
                    if is_varied(s.then.results[k]) or is_varied(s.orelse.results[k]):
                        changed |= mark(o)
            elif isinstance(s, Loop):
                n = len(s.inits)
                params = s.body.params[len(s.body.params) - n:]
                while True:  # a fixed point over iterations
                    inner = False
                    for k in range(n):
                        if is_varied(s.inits[k]) or is_varied(s.body.results[k]):
                            inner |= mark(params[k])
                    inner |= block(s.body)
                    changed |= inner
                    if not inner:
                        break
                for k, o in enumerate(s.outs):
                    if is_varied(params[k]) or is_varied(s.body.results[k]) or \
                            is_varied(s.inits[k]):
                        changed |= mark(o)
            elif s.prim.differentiable and any(is_varied(o) for o in s.operands()):
                for o in s.outs:
                    changed |= mark(o)
        return changed

    block(fn.body)
    return vs


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
