"""Activity analysis: which values are varied (depend on a differentiated
input) and useful (influence a differentiated output). Only values that are
both get tangents or adjoints."""

from ..ir.core import If, Loop, Var


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

    def mark(x):
        if isinstance(x, Var) and x not in us:
            us.add(x)
            return True
        return False

    def block(b):
        changed = False
        for s in reversed(b.stmts):
            if isinstance(s, If):
                for k, o in enumerate(s.outs):
                    if o in us:
                        changed |= mark(s.then.results[k]) | mark(s.orelse.results[k])
                changed |= block(s.then) | block(s.orelse)
            elif isinstance(s, Loop):
                n = len(s.inits)
                params = s.body.params[len(s.body.params) - n:]
                while True:
                    inner = False
                    for k in range(n):
                        if s.outs[k] in us or params[k] in us:
                            inner |= mark(s.body.results[k])
                    inner |= block(s.body)
                    changed |= inner
                    if not inner:
                        break
                for k in range(n):
                    if params[k] in us or s.outs[k] in us:
                        changed |= mark(s.inits[k])
            elif s.prim.differentiable and any(o in us for o in s.outs):
                for o in s.operands():
                    changed |= mark(o)
        return changed

    block(fn.body)
    return us


def active(fn, inputs, outputs):
    return varied(fn, inputs) & useful(fn, outputs)
