"""Calls: NumPy primitives, the user's own functions, nested functions, methods.

- A primitive is an op; one that makes a view (`np.transpose`, `x.reshape`) is a
  view in the memory model, one that changes an argument in place (`out=y`,
  `np.copyto`, `y.fill`, `np.add.at`) an item write.
- A function of the user's is kept as a call (AD calls its own derivative) when
  it neither writes into the arrays it is given nor returns one of them (or a
  view, or a module's array); this is read off the callee's own lowering (its
  `effects`), not guessed from its text. Otherwise it is lowered in the caller,
  sharing the caller's memory, so the caller sees exactly what it did.
- Nested defs and lambdas are lowered where they are called, reading the
  enclosing function's variables as they are then.
"""

import functools
import inspect
import operator
import types

import gast
import numpy as np

from .. import runtime
from ..errors import SourceADError
from ..ir import primitives as P
from ..ir.core import Const, Op, Var
from .builtin_calls import BUILTINS, Builtins
from . import numpy_sugar
from .heap import PART, Ref
from .memory import view_kind
from .scope import is_static, is_user_object
from .source import named
from .values import (BoundMethod, DictValue, ListValue, LocalFunction, PartialValue,
                     RecordValue, Static, TupleValue, flatten, record_fields)

# Calls whose tuple or list arguments their rules need to see item by item, filled by
# rules.variadic: each maps the callable to `(args, kwargs) -> (callable, args, kwargs)`
# (a tuple or list still a TupleValue), or None to leave the call as written.
VARIADIC_CALLS = {}
# sourcead's own functions that make derivative objects: called in a function sourcead
# differentiates, of a function known there, they are made while lowering
DERIVATIVE_MAKERS = ("grad", "value_and_grad", "jacrev", "jacfwd", "hessian", "hvp", "jvp",
                     "vjp")

# Array attributes and methods, by the NumPy functions that compute them.
ARRAY_ATTRIBUTES = {"T": np.transpose, "shape": np.shape, "ndim": np.ndim, "size": np.size}
ARRAY_METHODS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
    "std": np.std, "var": np.var, "cumsum": np.cumsum, "cumprod": np.cumprod,
    "dot": np.dot, "reshape": np.reshape, "transpose": np.transpose, "ravel": np.ravel,
    "flatten": np.ravel, "squeeze": np.squeeze, "swapaxes": np.swapaxes, "clip": np.clip,
    "round": np.round, "argmax": np.argmax, "argmin": np.argmin, "argsort": np.argsort,
    "any": np.any, "all": np.all, "copy": np.copy, "astype": None, "trace": np.trace,
    "diagonal": np.diagonal, "repeat": np.repeat, "take": np.take, "conj": np.conj,
}
# Methods and NumPy functions that change an array in place.
IN_PLACE_METHODS = ("fill", "sort", "resize", "put", "itemset", "partition", "setfield",
                    "setflags")
IN_PLACE_FUNCTIONS = tuple(f for f in (np.put, np.place, np.putmask, np.fill_diagonal,
                                       np.random.shuffle, getattr(np, "put_along_axis", None))
                           if f is not None)


def variadic(obj):
    try:
        return VARIADIC_CALLS.get(obj)
    except TypeError:   # unhashable callables are never variadic primitives
        return None


def is_user_function(obj):
    """A Python function with source sourcead can read (not one of its own)."""
    if not isinstance(obj, types.FunctionType):
        return False
    if (obj.__module__ or "").split(".")[0] == "sourcead":
        return False
    try:
        path = inspect.getsourcefile(obj)
        # the standard library's functions (warnings.simplefilter) are called as they
        # are: a differentiated value reaching one is refused, as for a C function
        return path is not None and not _in_standard_library(path)
    except TypeError:
        return False


def _filled_defaults(obj):
    try:
        return P.FILLED_DEFAULTS.get(obj)
    except TypeError:   # (unhashable)
        return None


def _one_of(obj, functions):
    """Whether `obj` is one of `functions` (by identity: an object of the user's may
    compare equal to anything, or not be hashable)."""
    return any(obj is f for f in functions)


def owner_record(callee):
    """The named tuple or dataclass value a method was read off, else None."""
    owner = getattr(callee, "owner", None)
    return owner if isinstance(owner, RecordValue) else None


def _in_standard_library(path):
    import os
    import sysconfig
    lib = os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep
    path = os.path.realpath(path)
    return path.startswith(lib) and "site-packages" not in path[len(lib):]


class Spread:
    """`*value` in a call run as it is, of a value known only at run time."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _spread_at(args, offset=0):
    """The operand positions (after `offset` others) that are `*value`."""
    return tuple(k + offset for k, a in enumerate(args) if isinstance(a, Spread))


def is_plain(value):
    return value is None or isinstance(value, (bool, int, float, str)) or \
        isinstance(value, tuple) and all(is_plain(v) for v in value)


class Calls:
    """The call lowering of one Lowerer `lw` (see the module docstring)."""

    def __init__(self, lw):
        self.lw = lw
        self.b = lw.builder
        self.mem = lw.memory

    # -- entry --------------------------------------------------------------
    def call(self, node):
        lw = self.lw
        callee = lw.expr(node.func)
        if isinstance(callee, Static) and callee.obj is runtime.checkpoint:
            fn = lw.expr(node.args[0]) if len(node.args) == 1 and not node.keywords else None
            if not isinstance(fn, Static) or not is_user_function(fn.obj):
                lw.refuse(node, "sad.checkpoint of something other than a function of yours",
                          "checkpoint a function defined in a file")
            return Static(runtime.checkpoint(fn.obj), fn.text)
        if isinstance(callee, BoundMethod):
            return self.method(callee, node)
        if isinstance(callee, LocalFunction):
            args, kwargs = self.arguments(node, keep_tuples=True)
            return lw.inline_local(callee, args, kwargs, node)
        if isinstance(callee, Static) and isinstance(callee.obj, functools.partial):
            callee = self.partial_object(callee, node)   # a partial made outside
        if isinstance(callee, PartialValue):
            args, kwargs = self.arguments(node, keep_tuples=True)
            return self.call_with(callee.fn, callee.args + args, {**callee.kwargs, **kwargs},
                                  node)
        if not isinstance(callee, Static):
            return self.call_object(callee, node)
        obj = callee.obj
        if getattr(obj, "__module__", None) == "sourcead.api" and \
                getattr(obj, "__name__", "") in DERIVATIVE_MAKERS:
            made = self.derivative_made_here(callee, node)
            if made is not None:
                return made
        if obj is functools.partial:
            args, kwargs = self.arguments(node, keep_tuples=True)
            if not args or not (isinstance(args[0], LocalFunction) or
                                isinstance(args[0], Static) and is_user_function(args[0].obj)):
                lw.refuse(node, "functools.partial of something other than a function of "
                          "yours", "write a def or a lambda that calls it")
            return PartialValue(args[0], args[1:], kwargs)
        if _one_of(obj, BUILTINS):
            made = Builtins(self).call(obj, node)
            if made is not None:
                return made
        if _one_of(obj, (sum, max, min)) and not node.keywords:
            folded = self.builtin_reduction(obj, node)
            if folded is not None:
                return folded
        if obj is len and len(node.args) == 1 and not node.keywords:
            value = lw.expr(node.args[0])
            if isinstance(value, (TupleValue, DictValue)):
                return Const(len(value.keys if isinstance(value, DictValue) else value.items))
            return self.b.emit(len, [lw.operand(value, node)])
        fields = record_fields(obj)
        if fields is not None:   # Params(w=..., b=...): a record of its fields' values
            return self.make_record(obj, fields, node)
        if owner_record(callee) is not None and is_user_function(obj):
            # a method of a named tuple or dataclass value (`p.norm()`): lowered here
            args, kwargs = self.arguments(node, keep_tuples=True)
            return self.user_call(obj, callee.text, [callee.owner] + args, kwargs, node)
        if P.lookup(obj) is None and is_user_function(obj):
            args, kwargs = self.arguments(node, keep_tuples=True)
            return self.user_call(named(obj), callee.text, args, kwargs, node)
        if is_user_object(obj) and is_user_function(getattr(type(obj), "__call__", None)):
            # an object of the user's called (a model with __call__): its __call__ method
            owner = callee
            obj = types.MethodType(type(obj).__call__, obj)
            callee = Static(obj, f"{callee.text}.__call__", owner=owner)
        if isinstance(obj, types.MethodType) and is_user_function(obj.__func__) and \
                P.lookup(obj) is None:
            # a method of an object known here (`model.loss(x)`, `self.forward(x)`): its
            # function, with the object as its first argument (lowered here)
            args, kwargs = self.arguments(node, keep_tuples=True)
            receiver = callee.owner or Static(obj.__self__, callee.text.rsplit(".", 1)[0])
            return self.user_call(obj.__func__, callee.text, [receiver] + args, kwargs, node)
        out = next((kw for kw in node.keywords if kw.arg == "out"), None)
        if out is not None and not (isinstance(out.value, gast.Constant) and
                                    out.value.value is None):
            # f(x, out=y) computes f(x) and writes it into y
            call = gast.Call(func=node.func, args=node.args,
                             keywords=[kw for kw in node.keywords if kw is not out])
            gast.copy_location(call, node)
            return self.write_all(out.value, lw.expr(call), node)
        if obj is np.copyto and len(node.args) == 2 and not node.keywords:
            self.write_all(node.args[0], lw.expr(node.args[1]), node)
            return Const(None)
        if getattr(obj, "__name__", "") == "at" and getattr(obj, "__self__", None) is np.add \
                and len(node.args) == 3 and not node.keywords:
            target, index, value = lw.values(node.args)
            if not isinstance(target, Ref):
                lw.refuse(node, "np.add.at into something other than an array",
                          "pass the array's name")
            self.add_at(target, lw.operand(index, node), lw.operand(value, node), node)
            return Const(None)
        if _one_of(obj, IN_PLACE_FUNCTIONS) or getattr(obj, "__name__", "") == "at" and \
                isinstance(getattr(obj, "__self__", None), np.ufunc):
            lw.refuse(node, f"{callee.text}, which changes its argument in place",
                      "write the new values with an item assignment (y[idx] = v)")
        if _one_of(obj, (np.asarray, np.array)) and len(node.args) == 1 and \
                [kw.arg for kw in node.keywords] == ["dtype"]:
            dtype = lw.expr(node.keywords[0].value)
            static = dtype.obj if isinstance(dtype, Static) else \
                dtype.value if isinstance(dtype, Const) else None
            try:
                discrete = static is not None and np.dtype(static).kind in "biu"
            except TypeError:
                discrete = False
            if discrete:   # a conversion to integers or booleans: no derivative
                value = lw.operand(lw.expr(node.args[0]), node)
                return self.b.emit(runtime.astype_discrete, [value, lw.operand(dtype, node)])
        return self.primitive(callee, node)

    def derivative_made_here(self, callee, node):
        """`sad.grad(g)` (or jacrev, hvp...) of a function known here, in the body: made
        now, a derivative object whose calls are lowered as calls of its generated code,
        which is differentiated like any callee. None where its arguments are not all
        known while lowering."""
        args, kwargs = self.arguments(node, keep_tuples=True)
        values = list(args) + list(kwargs.values())
        if not values or not all(isinstance(v, (Static, Const)) for v in values) or \
                isinstance(args[0], Static) and not callable(args[0].obj):
            return None

        def plain(v):
            return v.obj if isinstance(v, Static) else v.value
        try:
            made = callee.obj(*[plain(a) for a in args],
                              **{k: plain(v) for k, v in kwargs.items()})
        except (TypeError, ValueError) as e:
            self.lw.refuse(node, f"this call of {callee.text}: {e}")
        from .. import calls as derivative_calls
        derivative_calls.register([made])
        text = "_".join(p for p in (callee.obj.__name__, getattr(args[0].obj, "__name__", ""))
                        if p) if isinstance(args[0], Static) else callee.obj.__name__
        return Static(made, text)

    @staticmethod
    def is_users(obj):
        return is_user_function(obj)

    def call_with(self, fn, args, kwargs, node):
        """A call of the function value `fn` (of a partial) with these argument values."""
        if isinstance(fn, LocalFunction):
            return self.lw.inline_local(fn, args, kwargs, node)
        return self.user_call(named(fn.obj), fn.text, args, kwargs, node)

    def partial_object(self, callee, node):
        """A functools.partial object made outside the function: its function, and the
        values it gives read from it as the derivative runs (`p.args[0]`)."""
        lw, p = self.lw, callee.obj
        if not is_user_function(p.func):
            lw.refuse(node, f"{callee.text}, a functools.partial of something other than a "
                      "function of yours", "write a def that calls it")
        obj = lw.operand(callee, node)

        def given(attr, key):
            value = (p.args if attr == "args" else p.keywords)[key]
            if is_static(value):
                return Static(value, f"{callee.text}.{attr}[{key!r}]")
            held = self.b.emit_op(P.GETATTR, [obj], attrs={"name": attr})
            return self.b.emit(operator.getitem, [held, Const(key)])
        return PartialValue(Static(p.func, f"{callee.text}.func"),
                            [given("args", k) for k in range(len(p.args))],
                            {k: given("keywords", k) for k in p.keywords})

    def make_record(self, cls, fields, node):
        lw = self.lw
        args, kwargs = self.arguments(node, keep_tuples=True)
        try:
            bound = inspect.signature(cls).bind(*args, **kwargs)
        except (TypeError, ValueError) as e:
            lw.refuse(node, f"this call of {cls.__name__}: {e}")
        bound.apply_defaults()
        values = []
        for name in fields:
            if name not in bound.arguments:
                lw.refuse(node, f"a {cls.__name__} whose field `{name}` is not given here",
                          "give every field when you make it")
            v = bound.arguments[name]
            if not isinstance(v, (Var, Const, Ref, TupleValue, DictValue, Static)):
                if not is_plain(v):
                    lw.refuse(node, f"the default value of `{name}` in {cls.__name__}",
                              f"pass `{name}` explicitly")
                v = Const(v)
            values.append(lw.bind_value(v, name) if isinstance(v, (Var, Ref)) else v)
        if hasattr(cls, "__post_init__"):
            lw.refuse(node, f"{cls.__name__}, whose __post_init__ would run",
                      "make it without __post_init__, or give its values directly")
        return RecordValue(cls, fields, values)

    def call_object(self, callee, node):
        """A call of a value the program computes: a method of an object (`rng.normal(...)`,
        `model.predict(X)`), a function read from a container. Run as it is, once, in the
        forward sweep (the adjoint sweep reuses its result, so random draws are the same
        in both); a differentiated value reaching it is refused (it has no rule)."""
        lw = self.lw
        if isinstance(callee, (TupleValue, DictValue)):
            lw.refuse(node, "a call of a tuple, list or dict")
        args, kwargs = self.arguments(node, spread=True)
        text = gast.unparse(node.func) if hasattr(gast, "unparse") else \
            __import__("ast").unparse(gast.gast_to_ast(node.func))
        op = Op(P.CALL_OBJECT, [lw.operand(callee, node)] + [self.spread_operand(a, node)
                                                            for a in args],
                {k: lw.operand(v, node) for k, v in kwargs.items()}, loc=self.b.loc,
                attrs={"text": text, "spread": _spread_at(args, 1)})
        op.outs[0].hint = node.func.attr if isinstance(node.func, gast.Attribute) else "result"
        self.b.append(op)
        return op.out

    def spread_operand(self, a, node):
        return a.value if isinstance(a, Spread) else self.lw.operand(a, node)

    def arguments(self, node, keep_tuples=False, spread=False):
        """(positional values, keyword values): `*t` of a tuple or list built in the
        function passed item by item, `**d` of a dict built in it by name; without
        keep_tuples, tuples become run-time values. With `spread` (a call run as it is),
        `*` and `**` of values known only at run time stay as they are: Spread items of
        args, and keywords named "**0", "**1"..."""
        lw = self.lw
        nodes, starred = [], []
        for a in node.args:
            starred.append(isinstance(a, gast.Starred))
            nodes.append(a.value if isinstance(a, gast.Starred) else a)
        nodes += [kw.value for kw in node.keywords]
        values = lw.values(nodes)
        args = []
        for value, star, a in zip(values, starred, node.args):
            if star and isinstance(value, TupleValue):
                args += list(value.items)
            elif star and spread:
                args.append(Spread(lw.operand(value, node)))
            elif star:
                lw.refuse(a, "a starred argument that is not a tuple or list built in "
                          "the function", "pass the arguments one by one")
            else:
                args.append(value)
        kwargs = {}
        for kw, value in zip(node.keywords, values[len(node.args):]):
            if kw.arg is not None:
                kwargs[kw.arg] = value
            elif isinstance(value, DictValue) and all(isinstance(k, str) for k in value.keys):
                kwargs.update(zip(value.keys, value.values))
            elif spread:
                kwargs[f"**{len(kwargs)}"] = lw.operand(value, node)
            else:
                lw.refuse(node, "**kwargs of a dict not built in the function",
                          "pass the arguments by name")
        if not keep_tuples:
            args = self.as_operands(args, node)
        return args, kwargs

    def as_operands(self, args, node):
        """Arguments as a call not of a variadic function takes them: each a run-time
        value (a tuple or list built in the function made one), arrays and functions as
        they are."""
        return [v if isinstance(v, (Ref, Static, Spread)) else self.lw.operand(v, node)
                for v in args]

    # -- primitives -----------------------------------------------------------
    def primitive(self, callee, node):
        obj = callee.obj
        if _one_of(obj, numpy_sugar.SUGAR):
            args, kwargs = self.arguments(node, keep_tuples=True)
            made = numpy_sugar.rewrite(obj, args, kwargs)
            if made is not None:
                return self.sugar(made, args, node)
            if variadic(obj) is None:
                args = self.as_operands(args, node)
            return self.primitive_of(callee, args, kwargs, node)
        var = variadic(obj)
        opaque = var is None and P.lookup(obj) is None and not is_user_function(obj)
        listed = _one_of(obj, numpy_sugar.ONE_ARRAY) and bool(node.args) and \
            isinstance(node.args[0], (gast.List, gast.Tuple))
        args, kwargs = self.arguments(node, keep_tuples=var is not None or listed,
                                      spread=opaque)
        if listed and var is None:
            # np.linalg.norm([a, b]): NumPy makes an array of the list first
            args = [self.nested_array(args[0], node)] + self.as_operands(args[1:], node)
        return self.primitive_of(callee, args, kwargs, node)

    def primitive_of(self, callee, args, kwargs, node):
        """A call of the function `callee` (a Static) with these lowered arguments: its
        primitive, a view, a call of one of the user's functions, or a call as it is."""
        lw = self.lw
        obj = callee.obj
        var = variadic(obj)
        if obj is np.einsum and args and not isinstance(args[0], Const):
            made = numpy_sugar.einsum_interleaved(args, kwargs)   # (A, [0, 1], B, [1, 2])
            if made is not None:
                _, args, kwargs = made
        kwargs = {k: lw.operand(v, node) for k, v in kwargs.items()}
        filled = _filled_defaults(obj)
        if filled is not None:   # every argument passed, so that each has a derivative
            args, kwargs = self.fill_defaults(obj, filled, args, kwargs, node), {}
        if _one_of(obj, (np.full, np.full_like)) and len(args) > 1 and self.discrete(kwargs):
            # an integer or boolean array of the value: rounded, no derivative
            args[1] = self.b.emit(runtime.stop_gradient, [lw.operand(args[1], node)])
        base = args[0] if args else None
        if var is not None:   # np.concatenate((a, b)): a primitive for two arrays
            given = [lw.operand(a, node) if isinstance(a, Ref) else a for a in args]
            if given and isinstance(given[0], TupleValue) and \
                    not _one_of(obj, (np.array, np.asarray)):
                given[0] = type(given[0])([self.nested_array(i, node) for i in given[0].items])
            obj, new_args, kwargs = var(given, kwargs) or (obj, given, kwargs)
            if not (new_args and given and new_args[0] is given[0]):
                base = new_args[0] if new_args else None   # (else still the array given)
            args = new_args
        prim = P.lookup(obj)
        if prim is None and is_user_function(obj):
            return self.user_call(obj, callee.text, args, kwargs, node)
        operands = [self.spread_operand(a, node) for a in args]
        if prim is not None:
            attrs = {"text": callee.text} if prim.emit[0] == "opaque" else None
            kind = view_kind(obj, operands, self.b.defs, self.mem.ints) if operands else None
            if kind == PART:
                made = self.b.emit(obj, operands, kwargs, attrs)
                outs = made if isinstance(made, list) else [made]
                return TupleValue(self.mem.parts(base, outs, obj, node))
            if kind is not None and isinstance(base, (Ref, Var)):
                return self.mem.view(base, obj, operands[1:], kwargs, attrs, node, kind)
            made = self.b.emit(obj, operands, kwargs, attrs)
            return TupleValue(made) if isinstance(made, list) else made
        # No primitive: called as it is. AD refuses it later if a differentiated value
        # reaches it.
        op = Op(P.OPAQUE_CALL, operands, kwargs, loc=self.b.loc,
                attrs={"callee": obj, "text": callee.text, "spread": _spread_at(args)})
        op.outs[0].hint = getattr(obj, "__name__", "result")
        self.b.append(op)
        return op.out

    def sugar(self, made, args, node):
        """What numpy_sugar.rewrite gives, lowered."""
        lw, emit = self.lw, self.b.emit
        if made[0] == "select":   # the first condition that holds picks: nested wheres
            _, conds, choices, default = made
            out = lw.operand(default, node)
            for c, v in reversed(list(zip(conds, choices))):
                out = emit(np.where, [lw.operand(c, node), lw.operand(v, node), out])
            return out
        if made[0] == "moveaxis":   # np.rollaxis(a, axis, start)
            _, axis, start = made
            base = args[0]
            nd = self.mem.dims.ndim(lw.operand(base, node))
            if nd is None and (axis < 0 or start < 0):
                lw.refuse(node, "np.rollaxis with negative axes of an array whose number "
                          "of dimensions is not known here", "use np.moveaxis")
            axis, start = axis % nd if axis < 0 else axis, start + nd if start < 0 else start
            if axis < start:
                start -= 1
            return self.mem.view(base, np.moveaxis, [Const(axis), Const(start)], {}, None,
                                 node, "view") if isinstance(base, (Ref, Var)) else \
                emit(np.moveaxis, [lw.operand(base, node), Const(axis), Const(start)])
        fn, new_args, new_kwargs = made
        call = Static(fn, P.qualified_name(fn))
        return self.primitive_of(call, new_args, new_kwargs, node)

    def fill_defaults(self, obj, filled, args, kwargs, node):
        names = [name for name, _ in filled]
        if len(args) > len(names) or set(kwargs) - set(names):
            self.lw.refuse(node, f"this call of {getattr(obj, '__name__', obj)}: only "
                           f"{', '.join(names)} are differentiated",
                           "pass the other options in a call sourcead does not differentiate")
        given = dict(zip(names, args))
        for k, v in kwargs.items():
            if k in given:
                self.lw.refuse(node, f"two values for `{k}`")
            given[k] = v
        out = []
        for name, default in filled:
            if name in given:
                out.append(given[name])
            elif default is not None:
                out.append(Const(default))
            else:
                self.lw.refuse(node, f"a call without the argument `{name}`")
        return out

    def discrete(self, kwargs):
        """Whether a call's dtype= names an integer or boolean type."""
        dtype = kwargs.get("dtype")
        static = dtype.value if isinstance(dtype, Const) else self.mem.static_dtype(dtype) \
            if isinstance(dtype, Var) else None
        try:
            return static is not None and np.dtype(static).kind in "biu"
        except TypeError:
            return False

    def nested_array(self, item, node):
        """An item of a joined sequence, as np.array(item) where it is a tuple or list of
        values computed at run time (NumPy makes an array of it); else the item."""
        if not isinstance(item, TupleValue) or \
                all(isinstance(i, Const) for i in flatten(item)[0]):
            return item
        made = variadic(np.array)([item], {})
        if made is None:
            return item
        obj, items, kwargs = made
        return self.b.emit(obj, [self.lw.operand(i, node) for i in items], kwargs)

    # -- in-place NumPy -----------------------------------------------------
    def write_all(self, target_node, value, node):
        """`y[...] = value`: what an in-place NumPy call (out=y, y.fill(v), np.copyto(y, v))
        does to y."""
        lw = self.lw
        target = lw.expr(target_node)
        if not isinstance(target, Ref):
            lw.refuse(node, "an in-place NumPy call on something other than an array",
                      "write into a variable: y[...] = value")
        shares = value.objects() if isinstance(value, Ref) else ()
        self.mem.write(target, Const(Ellipsis), lw.operand(value, node), node, shares)
        return lw.expr(target_node)

    def add_at(self, target, index, value, node):
        """np.add.at(y, idx, v): v added at idx into y, repeated indices adding up."""
        target = self.mem.resolve(target, node)

        def act(alt):
            current = self.mem.contents(alt, target.hint, node)
            added = self.b.emit(runtime.added_at, [current, index, value])
            self.mem.write_alt(alt, Const(Ellipsis), added, node, target.hint, whole=True)
            return Const(None)
        self.mem.dispatch(target, act, node)

    # -- methods --------------------------------------------------------------
    def method(self, method, node):
        """`x.sum(axis=0)`, `x.reshape(2, 3)`: the NumPy function of the same meaning;
        `y.fill(v)`, `y.sort()`: writes; `xs.append(v)`, `d.items()`: containers."""
        lw = self.lw
        if any(isinstance(a, gast.Starred) for a in node.args) or \
                any(kw.arg is None for kw in node.keywords):
            lw.refuse(node, "*args or **kwargs in a method call", "pass the arguments one by one")
        args = lw.values(node.args)
        name, receiver = method.name, method.receiver
        kwargs = {kw.arg: lw.operand(lw.expr(kw.value), node) for kw in node.keywords}
        if name in IN_PLACE_METHODS:
            return self.in_place_method(method, args, kwargs, node)
        if isinstance(receiver, (DictValue, ListValue)):
            return lw.container_method(method, args, node)
        if name == "append":
            return lw.append(node.func.value, receiver, args, node)
        fn = ARRAY_METHODS[name]
        if name in ("reshape", "transpose") and len(args) > 1:
            args = [TupleValue(args)]      # x.reshape(2, 3) is x.reshape((2, 3))
        if name == "astype":
            if len(args) != 1 or kwargs:
                lw.refuse(node, "astype with options", "write x.astype(dtype)")
            dtype = args[0]
            by_name = isinstance(dtype, Const) and isinstance(dtype.value, str)  # "float64"
            if not (by_name or isinstance(dtype, Static)):
                lw.refuse(node, "astype to a dtype computed at run time",
                          "name the type: x.astype(float), x.astype(np.float32)")
            try:
                floating = np.dtype(dtype.value if by_name else dtype.obj).kind in "fc"
            except TypeError:
                lw.refuse(node, f"astype to {dtype.value if by_name else dtype.text}",
                          "name a NumPy dtype or float")
            loaded = lw.operand(dtype, node)
            # to integers or booleans: a step function, with no derivative
            fn = runtime.astype if floating else runtime.astype_discrete
            return self.b.emit(fn, [lw.operand(receiver, node)], {"dtype": loaded})
        operands = [lw.operand(a, node) for a in args]
        if name == "flatten":   # always a copy (np.ravel may be a view: no later write shows)
            copy = self.b.emit(np.copy, [lw.operand(receiver, node)])
            return self.b.emit(fn, [copy] + operands, kwargs)
        kind = view_kind(fn, [lw.operand(receiver, node)] + operands, self.b.defs,
                         self.mem.ints)
        if kind is not None and isinstance(receiver, (Ref, Var)):
            return self.mem.view(receiver, fn, operands, kwargs, None, node, kind)
        return self.b.emit(fn, [lw.operand(receiver, node)] + operands, kwargs)

    def in_place_method(self, method, args, kwargs, node):
        name = method.name
        if name == "fill" and len(args) == 1 and not kwargs:
            self.write_all(node.func.value, args[0], node)
            return Const(None)
        if name == "sort" and len(args) <= 1 and set(kwargs) <= {"axis"}:
            axis = self.lw.operand(args[0], node) if args else kwargs.get("axis", Const(-1))
            value = self.b.emit(np.sort, [self.lw.operand(method.receiver, node)],
                                {"axis": axis})
            self.write_all(node.func.value, value, node)
            return Const(None)
        self.lw.refuse(node, f"`.{name}(...)`, which changes its array in place",
                       "compute a new array (np.partition, np.resize, ...) and assign it")

    # -- builtins -----------------------------------------------------------
    def builtin_reduction(self, fn, node):
        """sum, max and min of a tuple or list built in the function (or of several
        arguments) as a chain of pairwise operations; `sum(x)` of an array as
        `np.sum(x, axis=0)`. None where the call stays a call."""
        lw = self.lw
        if any(isinstance(a, gast.Starred) for a in node.args):
            return None
        args = lw.values(node.args)
        emit = self.b.emit
        if fn is sum:
            if not 1 <= len(args) <= 2:
                lw.refuse(node, f"sum() with {len(args)} arguments")
            start = args[1] if len(args) == 2 else Const(0)
            if isinstance(args[0], TupleValue):
                items, total = list(args[0].items), start
            else:
                items, total = [], emit(np.sum, [lw.operand(args[0], node)], {"axis": Const(0)})
                if not (isinstance(start, Const) and start.value == 0):
                    items, total = [total], start
            for item in items:
                if isinstance(total, Const) and total.value == 0 and not isinstance(item, Const):
                    total = lw.operand(item, node)   # 0 + x is x
                    continue
                total = emit(__import__("operator").add, [lw.operand(total, node),
                                                          lw.operand(item, node)])
            return total
        if len(args) == 1 and isinstance(args[0], TupleValue):
            args = list(args[0].items)
        elif len(args) == 1:   # the largest item of a sequence known at run time
            return emit(np.max if fn is max else np.min, [lw.operand(args[0], node)])
        if not args:
            lw.refuse(node, f"{fn.__name__}() of an empty sequence")
        out = lw.operand(args[0], node)
        for a in args[1:]:
            out = emit(fn, [out, lw.operand(a, node)])
        return out

    # -- the user's functions -------------------------------------------------
    def user_call(self, fn, text, args, kwargs, node):
        """A call of one of the user's own functions: kept as a call where it does
        nothing to the arrays it is given (see the module docstring), else lowered here."""
        lw = self.lw
        values = list(args) + list(kwargs.values())
        if any(isinstance(a, (Static, LocalFunction, TupleValue, DictValue)) for a in values):
            # a function, tuple, list or dict passed: known while lowering, so lowered here
            return lw.inline_user(fn, args, kwargs, node)
        sig = inspect.signature(fn, follow_wrapped=False)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            lw.refuse(node, f"this call of {fn.__name__}: {e}")
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values()):
            # *args, **kwargs: a tuple and a dict of what this call gives, known here
            return lw.inline_user(fn, args, kwargs, node)
        operands = []
        for name, p in sig.parameters.items():
            if name in bound.arguments:
                operands.append(bound.arguments[name])
            elif is_plain(p.default):
                operands.append(Const(p.default))
            else:
                lw.refuse(node, f"the default value of `{name}` in {fn.__name__}",
                          f"pass `{name}` explicitly")
        effects = lw.effects_of(fn, node)
        names = list(sig.parameters)
        returned = [a for name, a in zip(names, operands) if name in effects.aliases]
        returns_given = not effects.writes and effects.aliases <= set(names)
        if returns_given and not lw.observed(returned):
            effects = Effects(results=effects.results)   # returning them: no one can tell
        tangled = []
        if returns_given and not effects.pure and (fn in lw.inlining or lw.is_recursive(fn)):
            # lowered here where its depth is known here (a constant), so that what it
            # returns is known exactly
            if fn in lw.inlining:   # (inside that lowering: its failure is the outer one's)
                return lw.inline_user(fn, args, kwargs, node)
            out = self.inline_if_it_ends(fn, args, kwargs, node)
            if out is not None:
                return out
            # else kept as a call: what it returns may be what it is given, which no one
            # may write into while the other is used
            tangled = [a for a in returned if isinstance(a, Ref)]
            effects = Effects(results=effects.results)
        if any(isinstance(a, (Ref, Var)) for a in operands) and not effects.pure:
            # it writes into the arrays it is given, or returns one of them (or a view of
            # one): lowered here, so the caller sees that
            if getattr(fn, "__sourcead_checkpoint__", False):
                lw.refuse(node, f"sad.checkpoint of {fn.__name__}, which writes into the "
                          "arrays it is given or returns one of them (a call recomputed "
                          "later cannot share them)", "return new arrays from it instead")
            return lw.inline_user(fn, args, kwargs, node)
        operands = [lw.operand(a, node) for a in operands]
        n = effects.results
        outs = [Var(fn.__name__, is_temp=True) for _ in range(n)]
        op = Op(P.CALL_USER, operands, outs=outs, loc=self.b.loc,
                attrs={"callee": fn, "text": text,
                       "checkpoint": getattr(fn, "__sourcead_checkpoint__", False)})
        self.b.append(op)
        if not tangled:
            return op.out if n == 1 else TupleValue(op.outs)
        outs = [self.mem.ref_of(v, fn.__name__) for v in op.outs]
        self.mem.tangle(tangled + outs, fn.__name__, node)
        return outs[0] if n == 1 else TupleValue(outs)

    def inline_if_it_ends(self, fn, args, kwargs, node):
        """The recursive `fn` lowered here, as deep as it goes, if its depth is known while
        lowering; else None, and nothing lowered."""
        mem, lw = self.mem, self.lw
        state, written = mem.state.copy(), set(mem.written)
        try:
            stmts, out = self.b.collect(lambda: lw.inline_user(fn, args, kwargs, node))
        except SourceADError:
            mem.state, mem.written = state, written
            return None
        self.b.stmts.extend(stmts)
        return out


class Effects:
    """What a function does to what it is given, read off its lowering: `writes`, the
    parameters whose arrays it writes into; `aliases`, the parameters (or "outside")
    whose arrays or views of them it returns; `results`, how many values it returns."""

    def __init__(self, writes=(), aliases=(), results=1):
        self.writes = frozenset(writes)
        self.aliases = frozenset(aliases)
        self.results = results

    @property
    def pure(self):
        return not self.writes and not self.aliases

    def within(self, other):
        """Whether this does nothing `other` does not."""
        return self.writes <= other.writes and self.aliases <= other.aliases

    def join(self, other):
        return Effects(self.writes | other.writes, self.aliases | other.aliases,
                       self.results)


__all__ = ["Calls", "Effects", "VARIADIC_CALLS", "ARRAY_ATTRIBUTES", "ARRAY_METHODS",
           "IN_PLACE_METHODS", "IN_PLACE_FUNCTIONS", "is_user_function", "SourceADError"]
