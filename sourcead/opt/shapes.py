"""Shape classes: a cheap static proof that two values have the same shape.

Shapes are not known before run time, but their relations often are: tanh(x)
has x's shape, and x * 2.0 too. A shape class is the set of "atoms" (shapes
of unknown values: parameters, results of ops whose shape we cannot relate)
whose broadcast a value's shape is. Broadcasting is associative, commutative
and idempotent, so the broadcast of x and y is the union of their sets, and a
scalar is the empty set. Two values with equal classes have equal shapes;
unequal classes prove nothing.

`opt.simplify` uses this to drop `unbroadcast` and `broadcast_like` calls
that provably do nothing, which is most of them.
"""

from ..ir.core import Const, If, Loop, Op, Var, Zero

SCALAR = frozenset()


class ShapeOf:
    """The class of a shape tuple: `np.shape(v)` is ShapeOf(class of v)."""

    __slots__ = ("cls",)

    def __init__(self, cls):
        self.cls = cls

    def __eq__(self, other):
        return isinstance(other, ShapeOf) and other.cls == self.cls

    def __hash__(self):
        return hash(("ShapeOf", self.cls))


class Shapes:
    """Shape classes of the values of one function, computed as statements are visited."""

    def __init__(self, scalar_atoms=frozenset()):
        self.classes = {}
        self.scalar_atoms = set(scalar_atoms)
        self.required_scalar = set()  # atoms some op needs to be scalars (math.*)
        self.reps = {}                # class -> the first value seen with it

    def atom(self, v):
        if v in self.scalar_atoms:
            return SCALAR
        return frozenset((v,))

    def of(self, x):
        if isinstance(x, Var):
            c = self.classes.get(x)
            if c is None:  # a parameter (or a value from an enclosing scope)
                c = self.of(x.shape_of) if x.shape_of is not None else self.atom(x)
                self.define(x, c)
            return c
        if isinstance(x, Zero):
            if x.like is None:
                return SCALAR
            if isinstance(x.like, tuple):
                return self.union(x.like)
            return self.of(x.like)
        if isinstance(x, Const):
            v = x.value
            if v is None or isinstance(v, (bool, int, float, complex)):
                return SCALAR
            return frozenset((("const", id(x)),))
        raise TypeError(x)

    def union(self, xs):
        out = set()
        for x in xs:
            c = self.of(x)
            if not isinstance(c, frozenset):
                return frozenset((object(),))
            out |= c
        return frozenset(out)

    def define(self, v, c):
        self.classes[v] = c
        if isinstance(c, frozenset):
            old = self.reps.get(c)
            # Prefer the user's own names: reading a shape from `h` rather than a
            # temporary keeps the temporary dead (and out of the pullback).
            if old is None or (old.is_temp and not v.is_temp):
                self.reps[c] = v

    def rep(self, x):
        """The earliest value with the same shape as `x` (to read a shape from)."""
        c = self.of(x)
        return self.reps.get(c, x) if isinstance(c, frozenset) else x

    def visit(self, s):
        """Assign classes to the outputs of statement `s` (operands already final)."""
        if isinstance(s, Op):
            if len(s.outs) == 1:
                self.define(s.out, self.op_class(s))
            else:
                for o in s.outs:
                    self.define(o, self.atom(o))
            if s.prim.scalar_args:
                for a in s.args:
                    c = self.of(a)
                    if isinstance(c, frozenset):
                        self.required_scalar |= c
        elif isinstance(s, If):
            for k, o in enumerate(s.outs):
                if o.shape_of is not None:
                    self.define(o, self.of(o.shape_of))
                    continue
                a, b = self.of(s.then.results[k]), self.of(s.orelse.results[k])
                self.define(o, a if a == b else self.atom(o))
        elif isinstance(s, Loop):
            n = len(s.inits)
            for p, r in zip(s.body.params[len(s.body.params) - n:], s.body.results):
                # a carried value that must be a scalar (math.*) is one in every iteration
                if self.of(p) == SCALAR:
                    c = self.of(r)
                    if isinstance(c, frozenset):
                        self.required_scalar |= c
            for o in s.outs:
                self.define(o, self.of(o.shape_of) if o.shape_of is not None else self.atom(o))

    def op_class(self, op):
        rule = op.prim.shape
        if rule == "elementwise":
            return self.union(op.args)
        if rule == "scalar":
            return SCALAR
        if rule == "arg0":
            return self.of(op.args[0])
        if isinstance(rule, tuple) and rule[0] == "arg":
            return self.of(op.args[rule[1]]) if len(op.args) > rule[1] else self.atom(op.out)
        if rule == "shape_of":
            c = self.of(op.args[0])
            return ShapeOf(c) if isinstance(c, frozenset) else self.atom(op.out)
        if rule == "broadcast_to":
            s = self.of(op.args[1]) if len(op.args) > 1 else None
            return s.cls if isinstance(s, ShapeOf) else self.atom(op.out)
        if callable(rule):
            c = rule(op, self)
            if c is not None:
                return c
        if rule == "dynamic" or not op.prim.pure or op.prim.emit[0] in ("name", "opaque"):
            return self.atom(op.out)
        return self.structural(op)

    def structural(self, op):
        """The same pure op on same-shaped operands gives same-shaped results."""
        def key(x):
            if isinstance(x, Const):
                return x._key()
            c = self.of(x)
            return c if isinstance(c, frozenset) else id(c)
        try:
            k = (op.prim.name, tuple(key(a) for a in op.args),
                 tuple(sorted((n, key(v)) for n, v in op.kwargs.items())),
                 tuple(sorted(op.attrs.items())))
            hash(k)
        except TypeError:
            return self.atom(op.out)
        return frozenset((k,))

    def same(self, a, b):
        ca, cb = self.of(a), self.of(b)
        return isinstance(ca, frozenset) and ca == cb
