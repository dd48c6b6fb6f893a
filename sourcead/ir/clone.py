"""Copying IR with fresh Vars: for inlining rules and for passes that must not
touch a cached function."""

from .core import Block, If, Loop, Op, Var, Zero


class Cloner:
    def __init__(self, mapping=None, temp=None):
        self.mapping = dict(mapping or {})
        self.temp = temp   # None: keep each Var's is_temp; True/False: force it

    def var(self, v):
        nv = Var(v.hint, v.is_temp if self.temp is None else self.temp)
        if v.shape_of is not None:
            nv.shape_of = self.mapping.get(v.shape_of, v.shape_of)
        self.mapping[v] = nv
        return nv

    def operand(self, x):
        if isinstance(x, Var):
            return self.mapping.get(x, x)
        if isinstance(x, Zero) and x.like is not None:
            return Zero(self.operand(x.like))
        return x

    def block(self, b):
        params = [self.var(p) for p in b.params]
        stmts = [self.stmt(s) for s in b.stmts]
        return Block(params, stmts, [self.operand(r) for r in b.results])

    def stmt(self, s):
        if isinstance(s, Op):
            attrs = s.attrs
            if "block" in attrs:   # a gradient hook's code, which reads this function's values
                attrs = dict(attrs, block=self.block(attrs["block"]))
            new = Op(s.prim, [self.operand(a) for a in s.args],
                     {k: self.operand(v) for k, v in s.kwargs.items()},
                     outs=[], loc=s.loc, attrs=attrs)
            new.outs = [self.var(o) for o in s.outs]
            return new
        if isinstance(s, If):
            cond = self.operand(s.cond)
            then, orelse = self.block(s.then), self.block(s.orelse)
            return If(cond, then, orelse, [self.var(o) for o in s.outs], s.loc, s.attrs)
        if isinstance(s, Loop):
            bounds = [self.operand(b) for b in s.bounds]
            inits = [self.operand(i) for i in s.inits]
            cond = self.block(s.cond) if s.cond is not None else None
            body = self.block(s.body)
            attrs = s.attrs
            if "checkpoint" in attrs:
                attrs = dict(attrs, checkpoint=(attrs["checkpoint"][0],
                                                self.operand(attrs["checkpoint"][1])))
            return Loop(s.kind, inits, body, [self.var(o) for o in s.outs], bounds=bounds,
                        cond=cond, loc=s.loc, attrs=attrs)
        raise TypeError(s)


def clone_function(fn):
    c = Cloner()
    params = [c.var(p) for p in fn.params]
    body = c.block(fn.body)
    new = fn.copy_meta(fn.name, params, body)
    for key, value in vars(fn).items():   # what passes attached (result_tree, ...)
        if key not in ("params", "body") and not hasattr(new, key) or \
                key == "n_primal_results":
            setattr(new, key, value)
    return new


def inline(fn, operands, stmts, loc=None):
    """Append a copy of `fn`'s body to `stmts`, its parameters replaced by `operands`.

    Returns the operands that hold its results. Copied statements take `loc`
    (the user line whose derivative they compute) and their values are temporaries.
    """
    assert len(operands) == len(fn.params), (fn.name, operands, fn.params)
    c = Cloner(dict(zip(fn.params, operands)), temp=True)
    for s in fn.body.stmts:
        new = c.stmt(s)
        _relocate(new, loc)
        stmts.append(new)
    return [c.operand(r) for r in fn.body.results]


def _relocate(s, loc):
    s.loc = loc
    for b in s.blocks():
        for t in b.stmts:
            _relocate(t, loc)


__all__ = ["Cloner", "clone_function", "inline"]
