"""The SSA IR: values, ops, structured control flow, functions.

Values are `Var` (assigned once) or constants (`Const`, and `Zero`, the
symbolic zero that AD produces for tangents and adjoints that are known to
be zero). Ops compute new Vars from operands. Control flow is structured:
`If` and `Loop` own `Block`s whose parameters and results play the role of
phi nodes, so a loop body is a pure function of its carried values.
"""

import itertools

_ids = itertools.count()


class Var:
    """An SSA value. `hint` is the user's name for it (or a descriptive one)."""

    __slots__ = ("hint", "is_temp", "shape_of", "id")

    def __init__(self, hint="t", is_temp=False, shape_of=None):
        self.hint = hint
        self.is_temp = is_temp
        # Declared fact: this value has the same shape as `shape_of` (used for
        # tangent and cotangent parameters, whose shapes the caller guarantees).
        self.shape_of = shape_of
        self.id = next(_ids)

    def __repr__(self):
        return f"%{self.hint}.{self.id}"


class Const:
    """A compile-time constant operand: a number, None, a string, a tuple, a slice."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        v = self.value
        return (type(v), repr(v))

    def __eq__(self, other):
        return isinstance(other, Const) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return repr(self.value)


class Zero:
    """Symbolic zero with the shape of `like` (a Var, a Const, or None for a scalar).

    Only AD creates these; `opt.simplify` folds them away, and whatever is left
    is materialised as `np.zeros_like(like)` before code generation.
    """

    __slots__ = ("like",)

    def __init__(self, like=None):
        self.like = like

    def __eq__(self, other):
        return isinstance(other, Zero) and other.like is self.like

    def __hash__(self):
        return hash(("Zero", id(self.like)))

    def __repr__(self):
        return f"Zero({self.like!r})"


def is_operand(x):
    return isinstance(x, (Var, Const, Zero))


class Op:
    """`outs = prim(*args, **kwargs)`, tagged with the user line it came from."""

    __slots__ = ("prim", "args", "kwargs", "outs", "loc", "attrs")

    def __init__(self, prim, args, kwargs=None, outs=None, loc=None, attrs=None):
        self.prim = prim
        self.args = list(args)
        self.kwargs = dict(kwargs or {})
        self.outs = list(outs) if outs is not None else [Var(prim.result_hint, is_temp=True)]
        self.loc = loc
        self.attrs = dict(attrs or {})

    @property
    def out(self):
        (o,) = self.outs
        return o

    def operands(self):
        return list(self.args) + list(self.kwargs.values())

    def map_operands(self, f):
        self.args = [f(a) for a in self.args]
        self.kwargs = {k: f(v) for k, v in self.kwargs.items()}

    def blocks(self):
        return ()

    def __repr__(self):
        return f"Op({self.prim.name}, {self.args}, {self.kwargs} -> {self.outs})"


class If:
    """`outs = then.results if cond else orelse.results`."""

    __slots__ = ("cond", "then", "orelse", "outs", "loc", "attrs")

    def __init__(self, cond, then, orelse, outs, loc=None, attrs=None):
        self.cond = cond
        self.then = then
        self.orelse = orelse
        self.outs = list(outs)
        self.loc = loc
        self.attrs = dict(attrs or {})

    def operands(self):
        return [self.cond]

    def map_operands(self, f):
        self.cond = f(self.cond)

    def blocks(self):
        return (self.then, self.orelse)


class Loop:
    """A structured loop with carried values.

    kind "range": `for i in range(*bounds)`; body.params = [i, *carried].
    kind "while": cond.params = body.params = carried; runs while cond's
    single result is true. `outs` are the carried values after the loop.
    """

    __slots__ = ("kind", "bounds", "inits", "cond", "body", "outs", "loc", "attrs")

    def __init__(self, kind, inits, body, outs, bounds=(), cond=None, loc=None, attrs=None):
        self.kind = kind
        self.bounds = list(bounds)
        self.inits = list(inits)
        self.cond = cond
        self.body = body
        self.outs = list(outs)
        self.loc = loc
        self.attrs = dict(attrs or {})

    def operands(self):
        extra = []
        if "checkpoint" in self.attrs:   # a checkpointed loop's snapshot count
            extra.append(self.attrs["checkpoint"][1])
        return list(self.bounds) + list(self.inits) + extra

    def map_operands(self, f):
        self.bounds = [f(a) for a in self.bounds]
        self.inits = [f(a) for a in self.inits]
        if "checkpoint" in self.attrs:
            kind, count = self.attrs["checkpoint"]
            self.attrs = dict(self.attrs, checkpoint=(kind, f(count)))

    def blocks(self):
        return (self.cond, self.body) if self.cond is not None else (self.body,)


class Block:
    """A sequence of statements with parameters and results."""

    __slots__ = ("params", "stmts", "results")

    def __init__(self, params=(), stmts=(), results=()):
        self.params = list(params)
        self.stmts = list(stmts)
        self.results = list(results)


class Function:
    """A function in IR: parameters, a body block, and where it came from."""

    def __init__(self, name, params, body, *, filename="<unknown>", returns_tuple=False,
                 source_lines=None, firstlineno=1, free_names=(), global_names=()):
        self.name = name
        self.params = list(params)
        self.body = body
        self.filename = filename
        # True when the user's function returns a tuple (even of one element).
        self.returns_tuple = returns_tuple
        self.source_lines = source_lines or []
        self.firstlineno = firstlineno
        self.free_names = tuple(free_names)
        self.global_names = tuple(global_names)
        # Filled by the reverse transform: how many leading results are primal outputs.
        self.n_primal_results = len(body.results)

    @property
    def results(self):
        return self.body.results

    def copy_meta(self, name, params, body):
        f = Function(name, params, body, filename=self.filename, returns_tuple=self.returns_tuple,
                     source_lines=self.source_lines, firstlineno=self.firstlineno,
                     free_names=self.free_names, global_names=self.global_names)
        return f


def walk_stmts(block):
    """Every statement in `block` and in the blocks nested in it, outer first."""
    for s in block.stmts:
        yield s
        for b in s.blocks():
            yield from walk_stmts(b)


def block_uses(block):
    """Every operand read in `block` (nested blocks included) and its results."""
    for s in walk_stmts(block):
        yield from s.operands()
        for b in s.blocks():
            yield from b.results
    yield from block.results


def defined_in(block):
    """Every Var defined in `block` or in blocks nested in it (parameters included)."""
    out = set(block.params)
    for s in block.stmts:
        out.update(s.outs)
        for b in s.blocks():
            out |= defined_in(b)
    return out
