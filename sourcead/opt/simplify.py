"""One forward walk that folds constants and symbolic zeros, applies algebraic
identities, removes broadcasting helpers that provably do nothing (shape
classes), and merges repeated pure computations (CSE).

    x * 1.0        -> x              zero * y -> zero
    x + zero       -> x              unbroadcast(g, x) -> g   (same shape class)
    -(-x)          -> x              np.shape(t) -> np.shape(x) (earliest same-shaped value)
"""

import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, If, Op, Var, Zero
from .shapes import SCALAR, Shapes

_ADD = (operator.add, np.add)
_SUB = (operator.sub, np.subtract)
_MUL = (operator.mul, np.multiply)
_DIV = (operator.truediv, np.divide)
_NEG = (operator.neg, np.negative)
_SHAPE_READERS = {np.shape: (0,), runtime.unbroadcast: (1,), runtime.broadcast_like: (1,),
                  runtime.zeros_like: (0,)}
# Keyword arguments that mean "the default" for every NumPy function that takes them.
_DEFAULT_KWARGS = {"axis": Const(None), "keepdims": Const(False), "dtype": Const(None),
                   "out": Const(None)}
_ELIDE_IF_SAME = {runtime.unbroadcast: (0, 1), runtime.broadcast_like: (0, 1)}


_defaults = {}


def _is_default(fn, name, value):
    """Whether `fn`'s parameter `name` defaults to `value` (np.sum's axis does, np.sort's
    does not); False when that cannot be told."""
    key = (fn, name)
    if key not in _defaults:
        import inspect
        try:
            p = inspect.signature(fn).parameters.get(name)
            _defaults[key] = (p is not None and p.default is not inspect.Parameter.empty,
                              None if p is None else p.default)
        except (TypeError, ValueError):
            _defaults[key] = (False, None)
    known, default = _defaults[key]
    if known and default is getattr(np, "_NoValue", object()):
        return name == "keepdims" and value is False   # NumPy's reductions: not passed
    return known and (default is value or type(default) is type(value) and default == value)


def simplify(fn):
    """Simplify `fn` in place (see the module docstring); returns it."""
    scalar_atoms = frozenset()
    for _ in range(3):  # scalar requirements (math.*) refine shape classes; re-run until stable
        shapes = Shapes(scalar_atoms)
        _Simplifier(shapes).dry(fn)
        new = frozenset(shapes.required_scalar) | scalar_atoms
        if new == scalar_atoms:
            break
        scalar_atoms = new
    simplifier = _Simplifier(Shapes(scalar_atoms))
    simplifier.kept = kept_identities(fn)
    simplifier.run(fn)
    return fn


# Where a list built at run time is brought up to date after a write (sad_rt.refreshed,
# see sourcead/refresh.py), which array is which is decided at run time by identity: an
# array put into a list, and the array written, must stay the objects the program made.
# `x * 1.0 -> x` or merging two `np.sin(x)` would make two of the program's arrays one.
_IDENTITY_OPERANDS = {runtime.appended: (1,), runtime.refreshed: (1,),
                      runtime.laid_out_like: (1,), runtime.written_through: (0, 1),
                      runtime.reseated: (1, 2)}
_ASKERS = (runtime.refreshed, runtime.written_through, runtime.reseated)


def kept_identities(fn):
    """The values whose identity a `refreshed`, `written_through` or `reseated` in `fn`
    may ask about (none without one):
    what is put into lists and tuples, the arrays written, and what flows into them
    through branches and loops."""
    ops, joins = [], []

    def walk(block):
        for s in block.stmts:
            if isinstance(s, Op):
                ops.append(s)
            else:
                joins.append(s)
            for sub in s.blocks():
                walk(sub)
    walk(fn.body)
    if not any(op.prim.impl in _ASKERS for op in ops):
        return frozenset()
    kept = set()
    for op in ops:
        if op.prim in (P.LIST, P.TUPLE):
            kept.update(a for a in op.args if isinstance(a, Var))
        for i in _IDENTITY_OPERANDS.get(op.prim.impl, ()):
            if i < len(op.args) and isinstance(op.args[i], Var):
                kept.add(op.args[i])
    changed = True
    while changed:   # back through the values branches and loops hand on
        changed = False
        for s in joins:
            sources = []
            if isinstance(s, If):
                for k, o in enumerate(s.outs):
                    if o in kept:
                        sources += [s.then.results[k], s.orelse.results[k]]
            else:
                n = len(s.inits)
                params = s.body.params[len(s.body.params) - n:]
                for k in range(n):
                    if s.outs[k] in kept or params[k] in kept:
                        sources += [s.inits[k], s.body.results[k]]
            for v in sources:
                if isinstance(v, Var) and v not in kept:
                    kept.add(v)
                    changed = True
    return frozenset(kept)


_DEFER = object()


def _const(x, *values):
    return isinstance(x, Const) and any(type(x.value) in (int, float) and x.value == v
                                        for v in values)


class _Simplifier:
    def __init__(self, shapes):
        self.shapes = shapes
        self.sub = {}
        self.seen = {}
        self.defining = {}
        self.pending = []   # ops a rewrite creates, emitted before the op rewritten

    def dry(self, fn):
        """Compute shape classes only (for collecting scalar requirements)."""
        def block(b):
            for s in b.stmts:
                for sub in s.blocks():
                    block(sub)
                self.shapes.visit(s)
        for p in fn.params:
            self.shapes.of(p)
        block(fn.body)

    def run(self, fn):
        for p in fn.params:
            self.shapes.of(p)
        self.block(fn.body)

    def m(self, x):
        if isinstance(x, Var):
            while x in self.sub:
                x = self.sub[x]
                if not isinstance(x, Var):
                    break
            return x
        if isinstance(x, Zero) and x.like is not None:
            if isinstance(x.like, tuple):
                return Zero(tuple(self.m(v) for v in x.like))
            like = self.m(x.like)
            return like if isinstance(like, Zero) else Zero(like)
        return x

    def block(self, b):
        out = []
        for s in b.stmts:
            s.map_operands(self.m)
            if isinstance(s, Op):
                r = self.rewrite(s)
                for p in self.pending:
                    self.shapes.visit(p)
                    out.append(p)
                self.pending = []
                if r is _DEFER:
                    # A zero whose shape only this op knows: keep the op (DCE drops
                    # it unless the zero must be materialised) and read as zero.
                    self.shapes.visit(s)
                    out.append(s)
                    self.sub[s.out] = Zero(s.out)
                    continue
                if r is not None:
                    self.replace(s.out, r)
                    continue
                self.shapes.visit(s)
                if len(s.outs) == 1:
                    self.defining[s.out] = s
                out.append(s)
            else:
                # Values of one block are not available in another or after it.
                saved = (dict(self.seen), dict(self.shapes.reps), dict(self.defining))
                for sub in s.blocks():
                    for p in sub.params:
                        if p.shape_of is not None and isinstance(self.m(p.shape_of), Var):
                            p.shape_of = self.m(p.shape_of)
                        self.shapes.of(p)
                    self.block(sub)
                    self.seen, self.shapes.reps, self.defining = (dict(saved[0]), dict(saved[1]),
                                                                  dict(saved[2]))
                for o in s.outs:   # (an adjoint shaped like a primal merged away)
                    if o.shape_of is not None and isinstance(self.m(o.shape_of), Var):
                        o.shape_of = self.m(o.shape_of)
                self.shapes.visit(s)
                out.append(s)
        b.stmts = out
        b.results = [self.m(r) for r in b.results]

    def replace(self, old, new):
        if isinstance(new, Var) and new.is_temp and not old.is_temp:
            new.hint, new.is_temp = old.hint, False
        self.sub[old] = new
        if isinstance(new, Var):
            self.shapes.define(old, self.shapes.of(new))

    def zero_like(self, op):
        """A symbolic zero shaped like `op`'s output, if its shape can be named."""
        c = self.shapes.op_class(op)
        if c == SCALAR:
            return Zero(None)
        for a in op.args:
            if isinstance(a, (Var, Zero)) and self.shapes.of(a) == c:
                return a if isinstance(a, Zero) else Zero(a)
        if op.prim.shape == "elementwise":
            likes = tuple(a.like if isinstance(a, Zero) else a for a in op.args)
            if all(isinstance(v, (Var, Const)) for v in likes):
                return Zero(likes)
        return _DEFER

    kept = frozenset()   # values that must stay the arrays they are (see kept_identities)

    def rewrite(self, op):
        prim, args = op.prim, op.args
        if len(op.outs) != 1 or op.out in self.kept:
            return None
        fn = prim.impl
        zeros = [isinstance(a, Zero) for a in args]
        if any(zeros) and prim.zero is not None:
            r = self.fold_zero(op, zeros)
            if r is not None:
                return r
        if prim is P.COPY:
            return args[0]
        if fn is runtime.added_at and isinstance(args[2], Zero):
            return args[0]
        if fn is runtime.zeros_like and len(args) == 1 and self.shapes.of(args[0]) == SCALAR:
            return Const(0.0)
        if fn is runtime.broadcast_like or fn is runtime.unbroadcast:
            self.drop_zero_term(op)
        if fn in _ELIDE_IF_SAME and self.shapes.same(args[0], args[1]):
            return args[0]
        if fn is np.broadcast_to and isinstance(args[1], Var):
            target = self.shapes.of(args[1])
            if hasattr(target, "cls") and self.shapes.of(args[0]) == target.cls:
                return args[0]
        for k in [k for k, v in op.kwargs.items()
                  if _DEFAULT_KWARGS.get(k, _DEFER) == v and _is_default(fn, k, v.value)]:
            del op.kwargs[k]
        if fn in _SHAPE_READERS:
            for i in _SHAPE_READERS[fn]:
                if i < len(args) and isinstance(args[i], Var):
                    args[i] = self.m(self.shapes.rep(args[i]))
        r = self.identity(op)
        if r is not None:
            return r
        if prim.pure and prim.impl is not None and args and \
                all(isinstance(a, Const) for a in op.operands()):
            r = P.fold(prim.impl, args, op.kwargs)
            if r is not None:
                return r
        if prim.pure and prim.emit and prim.emit[0] != "opaque" and not prim.fresh:
            try:
                key = (prim, tuple(args), tuple(sorted(op.kwargs.items())),
                       tuple(sorted(op.attrs.items())))
                hash(key)
            except TypeError:
                return None
            prev = self.seen.get(key)
            if prev is not None:
                return prev
            self.seen[key] = op.out
        return None

    def fold_zero(self, op, zeros):
        kind = op.prim.zero
        args = op.args
        if kind == "any" and any(zeros[:2]):
            return self.zero_like(op)
        if kind == "first" and zeros[0]:
            return self.zero_like(op)
        if kind == "branches" and len(args) == 3 and zeros[1] and zeros[2]:
            return self.zero_like(op)
        if kind == "sum" and len(args) == 2:
            fn = op.prim.impl
            a, b = args
            if zeros[0] and zeros[1]:
                return self.zero_like(op)
            shapes = self.shapes
            if zeros[1] and shapes.of(a) == shapes.op_class(op):
                return a
            if zeros[0] and shapes.of(b) == shapes.op_class(op):
                if fn in _ADD:
                    return b
                op.prim, op.args = P.lookup(operator.neg), [b]
                return None
        return None

    def drop_zero_term(self, op):
        """broadcast_like(a + zero, s) -> broadcast_like(a, s): the zero only carried a shape,
        and `s` (the target) has it."""
        inner = self.defining.get(op.args[0]) if isinstance(op.args[0], Var) else None
        if inner is None or inner.prim.zero != "sum" or len(inner.args) != 2:
            return
        a, b = inner.args
        if not (isinstance(a, Zero) or isinstance(b, Zero)):
            return
        if isinstance(a, Zero) and isinstance(b, Zero):
            return
        target = op.args[1]
        if op.prim.impl is runtime.broadcast_like and \
                self.shapes.of(target) != self.shapes.op_class(inner):
            return
        if isinstance(b, Zero):
            op.args[0] = a
        elif inner.prim.impl in _ADD:
            op.args[0] = b
        else:
            neg = Op(P.lookup(operator.neg), [b], loc=inner.loc)
            neg.out.is_temp = True
            self.pending.append(neg)
            op.args[0] = neg.out

    def sink_broadcasts(self, op):
        """f(broadcast_to(g, shape(v)), y) -> f(g, y) when y stretches g to v's shape anyway."""
        target = self.shapes.op_class(op)
        for i, a in enumerate(op.args):
            d = self.defining.get(a) if isinstance(a, Var) else None
            if d is None or d.prim.impl is not np.broadcast_to:
                continue
            others = op.args[:i] + [d.args[0]] + op.args[i + 1:]
            if self.shapes.union(others) == target:
                op.args[i] = d.args[0]

    def is_seed(self, x):
        d = self.defining.get(x) if isinstance(x, Var) else None
        return d is not None and d.prim.impl is runtime.seed

    def identity(self, op):
        fn, args = op.prim.impl, op.args
        shapes = self.shapes
        if op.prim.shape == "elementwise" and op.prim.pure:
            self.sink_broadcasts(op)
        if fn in _MUL and len(args) == 2:
            # The seed of a gradient is 1: multiplying by it only matters for the shape.
            a, b = args
            if self.is_seed(a) and shapes.of(b) == shapes.op_class(op):
                return b
            if self.is_seed(b) and shapes.of(a) == shapes.op_class(op):
                return a
        if (fn in _ADD or fn in _SUB) and len(args) == 2:
            negs = [self.defining.get(a) if isinstance(a, Var) else None for a in args]
            negs = [d if d is not None and d.prim.impl in _NEG else None for d in negs]
            a, b = args
            if negs[1] is not None:        # a + -c -> a - c;  a - -c -> a + c
                other = _SUB[0] if fn in _ADD else _ADD[0]
                op.prim, op.args = P.lookup(other), [a, negs[1].args[0]]
            elif negs[0] is not None and fn in _ADD:   # -c + b -> b - c
                op.prim, op.args = P.lookup(operator.sub), [b, negs[0].args[0]]
        if len(args) == 2:
            a, b = args
            keeps_a = shapes.of(a) == shapes.op_class(op)
            keeps_b = shapes.of(b) == shapes.op_class(op)
            if fn in _MUL:
                if _const(b, 1) and keeps_a:
                    return a
                if _const(a, 1) and keeps_b:
                    return b
                if _const(b, -1) and keeps_a:
                    op.prim, op.args = P.lookup(operator.neg), [a]
                    return None
                if _const(a, -1) and keeps_b:
                    op.prim, op.args = P.lookup(operator.neg), [b]
                    return None
            if fn in _ADD and _const(b, 0) and keeps_a:
                return a
            if fn in _ADD and _const(a, 0) and keeps_b:
                return b
            if fn in _SUB and _const(b, 0) and keeps_a:
                return a
            if fn in _DIV and _const(b, 1) and keeps_a:
                return a
            if fn is operator.pow and _const(b, 1) and keeps_a:
                return a
        if fn in _NEG and len(args) == 1 and isinstance(args[0], Var):
            inner = self.defining.get(args[0])
            if inner is not None and inner.prim.impl in _NEG:
                return inner.args[0]
        return None
