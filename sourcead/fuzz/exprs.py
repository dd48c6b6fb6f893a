"""The expression half of the program generator: what is in scope, and random expressions
of a requested shape built from it.

A shape is `None` for a float and a tuple for an array. Every expression carries a rough
bound on its magnitude (`mag`), so that the generator can keep values bounded (wrapping a
large expression in `np.tanh`, dividing only by `1 + e ** 2` or `2 + np.cos(e)`, taking
`exp` only of small things and `log` and `sqrt` only of positive ones), and the feature
tags of the constructs it uses. Texts are fully parenthesised; the generator prints the
finished program with `ast.unparse`, which keeps only the parentheses Python needs.
"""

import math
import re
from dataclasses import dataclass, field

LIMIT = 8.0      # expressions larger than this are squashed (np.tanh) before use


@dataclass(frozen=True)
class E:
    """A generated expression: its text, shape (None: a float; "bool": a condition),
    bound on its absolute value, and the feature tags it uses."""
    text: str
    shape: object = None
    mag: float = 1.0
    tags: frozenset = frozenset()


def tags_of(*parts, extra=()):
    out = set(extra)
    for p in parts:
        out |= p.tags
    return frozenset(out)


def size(shape):
    return math.prod(shape) if shape else 1


@dataclass
class Var:
    """A name in scope while generating. kind: "float", "array", "int", "mask" (a boolean
    array), "list", "dict" or "func". For arrays `group` says which names share memory
    (views and aliases get their base's group); for ints `lo`..`hi` is the range of
    values; a list's `shape` is its items', `length` how many it surely has (`exact`:
    exactly that many); a dict's `keys` maps each key to its item's shape; a function's
    `params` are its parameters' shapes and `shape` its result's."""
    name: str
    kind: str
    shape: object = None
    mag: float = 1.5
    lo: int = 0
    hi: int = 0
    length: int = 0
    exact: bool = True
    group: int = 0
    view: bool = False
    fixed: bool = False     # loop variables and counters: read, never assigned
    level: int = 0          # the loop depth where it was bound
    keys: dict = field(default_factory=dict)
    params: tuple = ()
    info: dict = field(default_factory=dict)


def slices_of(k, n):
    """Slice texts that take exactly n of k items (negative steps too)."""
    out = []
    for a in range(0, k - n + 1):
        b = a + n
        out.append(f"{a if a else ''}:{b if b < k else ''}")
        if b == k and a:
            out.append(f"-{n}:")
    if n == k:
        out += ["::-1"]
    if n < k:
        out.append(f"{n - 1}::-1")
        out.append(f"{k - 1}:{k - 1 - n}:-1" if k - 1 - n >= 0 else f"{k - 1}::-1")
    for a in range(k):
        if len(range(a, k, 2)) == n:
            out.append(f"{a if a else ''}::2")
    return out


class Exprs:
    """Scopes of generated names and random expressions over them."""

    def __init__(self, rng):
        self.rng = rng
        self.scopes = [{}]
        self.used_names = set()
        self.module_consts = {}     # name -> (shape, text of its value)
        self.groups = 0
        self.loop_depth = 0
        self.hot = set()            # names to prefer (the variable of the loop being written)

    # ----- randomness ---------------------------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def choice(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def const(self, lo=0.2, hi=1.5):
        v = round(self.rng.uniform(lo, hi), 1)
        return v if v != 0 else 0.5

    def pick(self, options):
        """Call weighted producers in random order until one returns something."""
        options = [(w, fn) for w, fn in options if w > 0]
        while options:
            total = sum(w for w, _ in options)
            r = self.rng.uniform(0, total)
            for k, (w, fn) in enumerate(options):
                r -= w
                if r <= 0:
                    break
            out = fn()
            if out is not None:
                return out
            options.pop(k)
        return None

    # ----- scopes ---------------------------------------------------------------------
    def visible(self):
        out = {}
        for scope in self.scopes:
            out.update(scope)
        return out

    def vars(self, kind=None, shape=..., pred=None):
        out = []
        for v in self.visible().values():
            if kind is not None and v.kind != kind:
                continue
            if shape is not ... and v.shape != shape:
                continue
            if pred is not None and not pred(v):
                continue
            out.append(v)
        return out

    def fresh(self, base):
        name, k = base, 1
        while name in self.used_names:
            k += 1
            name = f"{base}{k}"
        self.used_names.add(name)
        return name

    def bind(self, var):
        var.level = self.loop_depth
        self.scopes[-1][var.name] = var
        self.used_names.add(var.name)
        return var

    def new_group(self):
        self.groups += 1
        return self.groups

    def outer(self, name):
        """Whether `name` was bound outside the innermost scope."""
        return name not in self.scopes[-1]

    # ----- helpers for texts ----------------------------------------------------------
    def tame(self, e, bound=LIMIT):
        """`e`, squashed when it may be larger than `bound`."""
        if e.mag <= bound:
            return e
        r = self.rng.random()
        if r < 0.6:
            return E(f"np.tanh({e.text})", e.shape, 1.0, tags_of(e, extra=["ufunc"]))
        if r < 0.8:
            return E(f"np.sin({e.text})", e.shape, 1.0, tags_of(e, extra=["ufunc"]))
        return E(f"({e.text}) / {float(math.ceil(e.mag))}", e.shape, 1.0,
                 tags_of(e, extra=["arith"]))

    def index(self, dim, avoid_vars=False):
        """A valid integer index into an axis of length `dim` (an int variable in range,
        a constant, a negative constant)."""
        options = []
        if not avoid_vars:
            for v in self.vars("int"):
                if v.hi < dim and v.lo >= 0:
                    options += [v.name, v.name, f"-1 - {v.name}", f"{dim - 1} - {v.name}"]
                    if v.hi + 1 < dim:
                        options.append(f"{v.name} + 1")
                    if v.lo >= 1:
                        options.append(f"{v.name} - 1")
                elif v.lo >= 0:
                    options.append(f"{v.name} % {dim}")
                    options.append(f"min({v.name}, {dim - 1})")
        consts = [str(k) for k in range(dim)] + ["-1", f"-{dim}" if dim > 1 else "0"]
        hot = [o for o in options if set(re.findall(r"[A-Za-z_]\w*", o)) & self.hot]
        if hot and self.chance(0.7):
            return self.choice(hot)
        if options and self.chance(0.6):
            return self.choice(options)
        return self.choice(consts)

    def index_list(self, k, n):
        """n indices into an axis of length k, with a repeat half of the time."""
        idx = [self.rng.randrange(k) for _ in range(n)]
        if n >= 2 and self.chance(0.5):
            idx[self.rng.randrange(1, n)] = idx[0]
        return idx

    # ----- expressions ------------------------------------------------------------------
    def expr(self, shape, depth=2):
        if shape is None:
            return self.scalar(depth)
        return self.array(shape, depth)

    def leaf(self, shape):
        """A name (or a module constant, a list or dict item) of this shape, if any."""
        kind = "float" if shape is None else "array"
        names = self.vars(kind, shape)
        hot = [v for v in names if v.name in self.hot]
        if hot and self.chance(0.5):
            v = self.choice(hot)
            return E(v.name, shape, v.mag)
        options = [E(v.name, shape, v.mag) for v in names]
        for v in self.vars("list", shape):
            if v.length >= 1:
                k = self.choice([0, -1, v.length - 1])
                options.append(E(f"{v.name}[{k}]", shape, v.mag, frozenset(["list_index"])))
        for v in self.vars("dict"):
            for key, s in v.keys.items():
                if s == shape:
                    options.append(E(f"{v.name}[{key!r}]", shape, v.mag, frozenset(["dict"])))
        for name, (s, _) in self.module_consts.items():
            if s == shape:
                options.append(E(name, shape, 1.5, frozenset(["global_const"])))
        return self.choice(options) if options else None

    def mentions(self, text):
        """Whether `text` reads a name in scope (not only constants)."""
        return bool(set(re.findall(r"[A-Za-z_]\w*", text)) &
                    (set(self.visible()) | set(self.module_consts)))

    def live(self, shape, depth=2, tries=4):
        """An expression that reads at least one name (a user computes from their data)."""
        for _ in range(tries):
            e = self.expr(shape, depth)
            if self.mentions(e.text):
                return e
        return e

    def scalar(self, depth=2):
        from . import scalars
        return scalars.scalar(self, depth)

    def array(self, shape, depth=2):
        from . import arrays
        return arrays.array(self, shape, depth)

    def cond(self, depth=1):
        """A condition: on data, on ints and shapes (known before the program runs or
        counting iterations), combined with and/or/not, chained comparisons."""
        from . import scalars
        return scalars.cond(self, depth)

    def call_func(self, shape, depth):
        """A call of a function in scope that returns `shape` (the generator overrides)."""
        return None
