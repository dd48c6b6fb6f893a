"""What the lowering binds names to, besides IR operands.

While a function is lowered, an expression evaluates to one of:

- an IR operand (`Var`, `Const`): a value computed by the program;
- a `memory.Ref`: a reference to an array (or number) of the running program,
  possibly a view of another one (see memory.py);
- a value known while lowering: a module or callable (`Static`), a tuple, list or
  dict built in the function (`TupleValue`, `ListValue`, `DictValue`: kept item
  by item, so that `d["W"]` or `xs[0]` costs nothing in generated code), a nested
  function or lambda (`LocalFunction`), a method not yet called (`BoundMethod`).

Lists and dicts are mutable in Python: two names may hold one list. Each list or
dict built in the function carries an identity token (`ident`) that its changed
versions keep, so that every name holding it sees an append or an item write.
"""

import dataclasses
import itertools

from ..ir.core import Var

_idents = itertools.count()


class Static:
    """A value known at transformation time (a module or a callable) and how to spell it."""

    __slots__ = ("obj", "text", "var", "owner")

    def __init__(self, obj, text, var=None, owner=None):
        self.obj = obj
        self.text = text
        self.var = var        # the parameter that holds it, for an object passed in
        self.owner = owner    # for a method read off an object known here: that object


class TupleValue:
    """A tuple built in the user's code; kept as a compile-time structure."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = tuple(items)

    def with_items(self, items):
        return TupleValue(items)


class ListValue(TupleValue):
    """A list built in the user's code, known item by item while it is lowered."""

    __slots__ = ("ident",)

    def __init__(self, items, ident=None):
        super().__init__(items)
        self.ident = next(_idents) if ident is None else ident

    def with_items(self, items):
        return ListValue(items, self.ident)


class RecordValue(TupleValue):
    """A named tuple or a dataclass instance given to the function or made in it: its
    field values in field order, read by name (`p.w`; a named tuple by index too)."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls, fields, items):
        super().__init__(items)
        self.cls = cls
        self.fields = tuple(fields)

    def with_items(self, items):
        return RecordValue(self.cls, self.fields, items)

    @property
    def is_tuple(self):
        return issubclass(self.cls, tuple)

    def field(self, name):
        return self.items[self.fields.index(name)]


def record_fields(cls):
    """The field names of a named tuple or dataclass type, else None."""
    if isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return tuple(cls._fields)
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


class DictValue:
    """A dict built in the user's code (or passed in), with keys known while lowering."""

    __slots__ = ("keys", "values", "ident")

    def __init__(self, keys, values, ident=None):
        self.keys = tuple(keys)
        self.values = tuple(values)
        self.ident = next(_idents) if ident is None else ident

    def get(self, key):
        for k, v in zip(self.keys, self.values):
            if k == key and type(k) is type(key):
                return v
        raise KeyError(key)

    def with_item(self, key, value):
        keys, values = list(self.keys), list(self.values)
        for i, k in enumerate(keys):
            if k == key and type(k) is type(key):
                values[i] = value
                return DictValue(keys, values, self.ident)
        return DictValue(keys + [key], values + [value], self.ident)

    def with_items(self, values):
        return DictValue(self.keys, values, self.ident)


def flatten(value):
    """(leaves, tree) of a lowered value: tree is None for a leaf, ("tuple", subtrees),
    ("list", subtrees), ("dict", keys, subtrees) or ("record", type, fields,
    subtrees)."""
    if isinstance(value, RecordValue):
        parts = [flatten(v) for v in value.items]
        return [leaf for p in parts for leaf in p[0]], ("record", value.cls, value.fields,
                                                       tuple(p[1] for p in parts))
    if isinstance(value, TupleValue):
        parts = [flatten(v) for v in value.items]
        kind = "list" if isinstance(value, ListValue) else "tuple"
        return [leaf for p in parts for leaf in p[0]], (kind, tuple(p[1] for p in parts))
    if isinstance(value, DictValue):
        parts = [flatten(v) for v in value.values]
        return [leaf for p in parts for leaf in p[0]], ("dict", value.keys,
                                                       tuple(p[1] for p in parts))
    return [value], None


def unflatten(tree, leaves):
    """The structured value of `tree` over the leaves (an iterator or a list)."""
    leaves = iter(leaves)

    def build(t):
        if t is None:
            return next(leaves)
        items = [build(sub) for sub in t[-1]]
        if t[0] == "dict":
            return DictValue(t[1], items)
        if t[0] == "record":
            return RecordValue(t[1], t[2], items)
        return ListValue(items) if t[0] == "list" else TupleValue(items)
    return build(tree)


def map_leaves(value, f):
    """`value` with each leaf replaced by f(leaf); containers keep their identity."""
    if isinstance(value, DictValue):
        return value.with_items([map_leaves(v, f) for v in value.values])
    if isinstance(value, TupleValue):
        return value.with_items([map_leaves(v, f) for v in value.items])
    return f(value)


def set_leaf(env, holder, value):
    """The environment place `holder` ((key, leaf index)) holds `value`."""
    name, k = holder
    counter = iter(range(10 ** 9))
    env[name] = map_leaves(env[name], lambda leaf: value if next(counter) == k else leaf)


def leaf_vars(name, tree, out):
    """Parameters for the leaves of argument `name` (params["W"] is `params_W`)."""
    if tree is None:
        v = Var(ident_of(name))
        out.append(v)
        return [v]
    keys = tree[1] if tree[0] == "dict" else tree[2] if tree[0] == "record" else \
        range(len(tree[-1]))
    vars_ = []
    for k, sub in zip(keys, tree[-1]):
        vars_ += leaf_vars(f"{name}_{k}", sub, out)
    return vars_


def ident_of(text):
    """A Python identifier made from `text` (for generated names)."""
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in str(text))
    return name if name and not name[0].isdigit() else "v" + name


class LocalFunction:
    """A nested def or a lambda: its AST, its default values, and the lowering of the
    function that defines it (whose variables it reads when it is called)."""

    __slots__ = ("node", "defaults", "kw_defaults", "owner", "lowering")

    def __init__(self, node, defaults, owner, kw_defaults=None):
        self.node = node
        self.defaults = defaults
        self.kw_defaults = kw_defaults or {}
        self.owner = owner
        self.lowering = False


def bind_arguments(spec, defaults, kw_defaults, args, kwargs, refuse):
    """{parameter: value} for a call of a def whose parameters are `spec` (gast's
    arguments), as Python binds them: `*args` a TupleValue, `**kwargs` a DictValue.
    `defaults` are the values of spec.defaults, `kw_defaults` {name: value} of the
    keyword-only ones; `refuse(what)` raises."""
    positional = [p.id for p in list(spec.posonlyargs) + list(spec.args)]
    by_name = set(positional) - {p.id for p in spec.posonlyargs}
    kwonly = [p.id for p in spec.kwonlyargs]
    values = dict(zip(positional, args))
    extra = list(args[len(positional):])
    if extra and spec.vararg is None:
        refuse(f"{len(args)} positional arguments to a function of {len(positional)}")
    if spec.vararg is not None:
        values[spec.vararg.id] = TupleValue(extra)
    rest = {}
    for k, v in kwargs.items():
        if k in by_name or k in kwonly:
            if k in values:
                refuse(f"two values for the argument `{k}`")
            values[k] = v
        elif spec.kwarg is not None:
            rest[k] = v
        else:
            refuse(f"the keyword argument `{k}` here")
    for name, d in zip(positional[len(positional) - len(defaults):], defaults):
        values.setdefault(name, d)
    for name, d in kw_defaults.items():
        values.setdefault(name, d)
    if spec.kwarg is not None:
        values[spec.kwarg.id] = DictValue(list(rest), list(rest.values()))
    missing = [n for n in positional + kwonly if n not in values]
    if missing:
        refuse(f"a call without the argument `{missing[0]}`")
    return values


class PartialValue:
    """functools.partial of a function known here (a Static or a LocalFunction), with the
    values of the arguments it gives."""

    __slots__ = ("fn", "args", "kwargs")

    def __init__(self, fn, args, kwargs):
        self.fn = fn
        self.args = list(args)
        self.kwargs = dict(kwargs)


class BoundMethod:
    """`x.sum` before it is called: the receiver and the method's name."""

    __slots__ = ("receiver", "name")

    def __init__(self, receiver, name):
        self.receiver = receiver
        self.name = name


class TupleParams:
    """A binding (rules only) that turns one parameter into `n`, seen in the body as a
    tuple: the `ans` of a primitive with several outputs. The items at the positions in
    `nones` are None instead (cotangents known to be zero; see registry.vjp_rule)."""

    __slots__ = ("n", "nones")

    def __init__(self, n, nones=()):
        self.n = n
        self.nones = tuple(nones)

    def _key(self):
        return ("tuple_params", self.n, self.nones)


class NeverNone:
    """A binding (rules only): the cotangent parameters `names` hold arrays, never None
    (the others are bound to None: see registry.vjp_rule)."""

    __slots__ = ("names",)

    def __init__(self, names):
        self.names = tuple(names)

    def _key(self):
        return ("never_none", self.names)
