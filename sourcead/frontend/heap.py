"""The lowering's picture of the running program's memory: objects and references.

NumPy arrays are shared: `z = y` names one array twice, `r = A[1]` is a view that
shows later writes into A, and `a += v` writes into a's array. The IR is
functional (an item write makes a new value), so the lowering keeps a model of
the memory the user's program would have, and turns each write into new values
for everything that sees it. The model has three parts:

- an `Obj` is one array (or number, or run-time list) of the running program;
  the `State` maps it to its current *version*, the IR value of all its contents;
- a `Ref` is what a name holds: one or more `Alt`ernatives, each an object and a
  *path* of view-making `Step`s from the object's contents to the name's value
  (`A[1]` is A's object with the path `[getitem 1]`). Alternatives carry guards,
  run-time truth values of which one holds, when only the running program can
  tell (after `z = y if c else y.copy()`, z is y's object or a new one);
- a `State` holds, at one point of the lowering, the environment (name -> value),
  each live object's version, the views already taken (a cache), and the objects
  put into lists or tuples built at run time (`Escape`: writes into them cannot be
  followed while such a list may still be looked at).

Reading a name materialises its path against the current version of its object,
so a view always shows what was written into its array, with no case analysis:
correctness follows from the model, not from patterns (see memory.py).
"""

import itertools

from ..ir.core import Const, Var

TRUE = Const(True)
FALSE = Const(False)

_ids = itertools.count()

# What an object is known to be: an ndarray with at least one dimension, something
# that never is one (a number, a bool, None), a list built at run time, or unknown.
ARRAY, VALUE, LIST, UNKNOWN = "array", "value", "list", "unknown"


class Obj:
    """One array, number or list of the running program.

    `external`: it belongs to the caller or the module (a global, a closure's
    variable): the derivative never writes into it. `discrete`: an integer or
    boolean array (a differentiated value written into it is rounded: no
    derivative). `holds`: it may be, or hold the items of, a list or tuple built at run
    time (arrays other names hold), though its kind does not say so (a value joined
    from branches or iterations)."""

    __slots__ = ("kind", "hint", "external", "discrete", "initial", "id", "holds")

    def __init__(self, kind=UNKNOWN, hint="t", external=False, discrete=False, holds=False):
        self.kind = kind
        self.hint = hint
        self.external = external
        self.discrete = discrete
        self.holds = holds
        # the caller's array, for a parameter: its memory layout, which writes in the
        # generated code (copies) need not keep, decides whether a reshape is a view
        self.initial = None
        self.id = next(_ids)

    def __repr__(self):
        return f"<obj {self.hint}#{self.id} {self.kind}>"


# How a Step's result relates to its base: always a view; a view or a number
# (integer indices: a row of a matrix, a number of a vector), known at run time; a
# view or a copy (an index known only at run time, a reshape), known at run time; the
# base itself or a copy (np.asarray), known at run time; a read-only view (writing
# through it raises in NumPy); one of several views made at once (np.split), which
# the model follows for reading only.
VIEW, INT, MAYBE, SAME, READONLY, PART = "view", "int", "maybe", "same", "readonly", "part"
UNDECIDED = (INT, MAYBE, SAME)


def operand_key(x):
    if isinstance(x, Var):
        return ("v", x.id)
    if isinstance(x, Const):
        return ("c",) + x._key()
    return ("?", id(x))


class Step:
    """One view-making operation: `fn(base, *args, **kwargs)`. For PART steps,
    `made` is the Var the op produced and `of` the version it was made from."""

    __slots__ = ("fn", "args", "kwargs", "attrs", "view", "made", "of")

    def __init__(self, fn, args, kwargs, attrs, view, made=None, of=None):
        self.fn = fn
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.attrs = dict(attrs or {})
        self.view = view
        self.made = made
        self.of = of

    def operands(self):
        return list(self.args) + [self.kwargs[k] for k in sorted(self.kwargs)]

    def with_operands(self, ops):
        n = len(self.args)
        keys = sorted(self.kwargs)
        return Step(self.fn, ops[:n], dict(zip(keys, ops[n:])), self.attrs, self.view,
                    self.made, self.of)

    def with_view(self, view):
        return Step(self.fn, self.args, self.kwargs, self.attrs, view, self.made, self.of)

    def key(self):
        """Identifies the step with its operands (for the cache of views taken)."""
        return (self.fn, tuple(operand_key(a) for a in self.operands()),
                tuple(sorted(self.attrs.items(), key=lambda kv: kv[0])) if self.attrs else (),
                id(self.made))

    def skeleton(self):
        """Identifies the kind of step, operands aside (two branches or iterations that
        take `A[i]` and `A[j]` take the same kind of view, of operands that differ)."""
        return (self.fn, len(self.args), tuple(sorted(self.kwargs)), self.view,
                tuple(sorted(self.attrs)) if self.attrs else (), id(self.made))


def path_key(path):
    return tuple(s.key() for s in path)


def value_key(ref, heap):
    """Identifies what reading `ref` gives in a state with this heap: its alternatives'
    guards, paths and the versions of their objects (never the reference's own identity:
    a temporary reference may be gone, and its id() reused by another)."""
    return ("ref",) + tuple((operand_key(a.guard), operand_key(heap.get(a.obj, Const(None))),
                             path_key(a.path)) for a in ref.alts)


def path_skeleton(path):
    return tuple(s.skeleton() for s in path)


class Alt:
    """One possibility for a reference: `obj` seen through `path`, where `guard` holds."""

    __slots__ = ("guard", "obj", "path")

    def __init__(self, guard, obj, path=()):
        self.guard = guard
        self.obj = obj
        self.path = tuple(path)

    def with_guard(self, guard):
        return Alt(guard, self.obj, self.path)

    def same_place(self, other):
        return self.obj is other.obj and path_key(self.path) == path_key(other.path)

    def __repr__(self):
        steps = "".join(f".{getattr(s.fn, '__name__', s.fn)}" for s in self.path)
        return f"{self.obj!r}{steps}" + ("" if self.guard is TRUE else f" if {self.guard!r}")


def joined_external(alts):
    """`Obj.external` of an object standing for these alternatives (joined from branches
    or iterations): an array of the module or of an enclosing function where any of them
    is one (it is never written into)."""
    return next((a.obj.external for a in alts if a.obj.external), False)


class Ref:
    """What a name (or an item of a tuple, list or dict) holds: one or more
    alternatives, exactly one of which holds when the program runs. `hint` is the
    user's name for it, given to the views taken for it."""

    __slots__ = ("alts", "hint")

    def __init__(self, alts, hint="t"):
        self.alts = tuple(alts)
        self.hint = hint

    @property
    def single(self):
        return len(self.alts) == 1

    def objects(self):
        return [a.obj for a in self.alts]

    def same_as(self, other):
        return self is other or isinstance(other, Ref) and len(self.alts) == len(other.alts) and \
            all(a.same_place(b) and _same_operand(a.guard, b.guard)
                for a, b in zip(self.alts, other.alts))

    def __repr__(self):
        return f"Ref({', '.join(map(repr, self.alts))})"


def _same_operand(a, b):
    return a is b or isinstance(a, Const) and isinstance(b, Const) and a == b


def same_value(a, b):
    """Whether two lowered values are the same (operands, references, containers)."""
    from .values import DictValue, TupleValue
    if a is b:
        return True
    if isinstance(a, Ref):
        return a.same_as(b)
    if isinstance(a, Const):
        return isinstance(b, Const) and a == b
    if isinstance(a, DictValue):
        return isinstance(b, DictValue) and a.keys == b.keys and \
            all(same_value(x, y) for x, y in zip(a.values, b.values))
    if isinstance(a, TupleValue):
        return type(a) is type(b) and len(a.items) == len(b.items) and \
            all(same_value(x, y) for x, y in zip(a.items, b.items))
    return False


class Escape:
    """What the model does not know about an object's sharing (Memory.check_writable
    and Writes.refresh_lists decide how writes into it are followed):

    - `line`: it was put into a list or tuple built at run time there (None: never);
      after a write into it, the lists that may still be looked at are refreshed;
    - `item`: it was read out of one, so it may be any array the list holds, or a
      view into one: a write into it writes those too (refresh_lists);
    - `calls`: it was given to, or returned by, a call of a function that may return
      the array it is given (a recursive one, kept as a call): (tag, name, line) of
      each such call. A write into it is followed while nothing else the call touched
      can be looked at again."""

    __slots__ = ("line", "item", "calls")

    def __init__(self, line=None, item=False, calls=frozenset()):
        self.line = line
        self.item = item
        self.calls = frozenset(calls)

    def join(self, other):
        if other is None:
            return self
        return Escape(self.line if self.line is not None else other.line,
                      self.item or other.item, self.calls | other.calls)

    def stronger(self, other):
        """Whether this says more than `other` (None: nothing known)."""
        return other is None or self.item and not other.item or \
            self.line is not None and other.line is None or not self.calls <= other.calls


def join_escapes(*maps):
    """The escapes of states joined: all each says of each object."""
    out = {}
    for m in maps:
        for obj, e in m.items():
            out[obj] = e.join(out.get(obj))
    return out


class State:
    """The memory at one point of the lowering (see the module docstring).

    `pending`: values of an expression being evaluated, not yet used (a write made by
    a later part of the expression must be seen by them as NumPy would)."""

    __slots__ = ("env", "heap", "cache", "escaped", "pending")

    def __init__(self, env=None, heap=None, cache=None, escaped=None, pending=None):
        self.env = dict(env or {})
        self.heap = dict(heap or {})
        self.cache = dict(cache or {})
        self.escaped = dict(escaped or {})
        self.pending = list(pending or [])

    def copy(self):
        return State(self.env, self.heap, self.cache, self.escaped, self.pending)

    def holdings(self):
        """(holder, Ref) for every reference the program can still reach: a name's value
        or an item of it (holder: (name, leaf index)), or a pending value."""
        from .values import flatten
        out = []
        for name, value in self.env.items():
            for k, leaf in enumerate(flatten(value)[0]):
                if isinstance(leaf, Ref):
                    out.append(((name, k), leaf))
        for k, value in enumerate(self.pending):
            for j, leaf in enumerate(flatten(value)[0]):
                if isinstance(leaf, Ref):
                    out.append(((f"<pending {k}>", j), leaf))
        return out

    def reachable(self):
        """The objects some reference reaches (in the order first met)."""
        seen = {}
        for _, ref in self.holdings():
            for a in ref.alts:
                seen.setdefault(a.obj, None)
        return list(seen)


def holder_name(holder):
    """The user's name of an environment place ((key, leaf), a key being a name or
    (frame, name)), or None."""
    if holder is None:
        return None
    key = holder[0]
    name = key[1] if isinstance(key, tuple) else key
    return None if not isinstance(name, str) or name.startswith("<") else name
