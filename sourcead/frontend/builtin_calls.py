"""Python's builtins on values known while lowering: map, filter, sorted, list, tuple,
dict and pow. (sum, max and min are in calls.py: `builtin_reduction`.)

A sequence built in the function (a TupleValue) stays one: `map(f, xs)` is the list of
f's calls, `filter` keeps the items whose test is decided while lowering, `sorted` of
numbers takes them in the order `np.argsort` gives when the derivative runs (so that
each item's derivative follows it)."""

import operator

import numpy as np

from ..ir.core import Const
from .values import DictValue, ListValue, LocalFunction, PartialValue, Static, TupleValue

BUILTINS = (map, filter, sorted, list, tuple, dict, pow)


class Builtins:
    """The calls of BUILTINS a Calls lowers (None: leave the call to the others)."""

    def __init__(self, calls):
        self.calls = calls
        self.lw = calls.lw
        self.b = calls.b

    def call(self, fn, node):
        if not any(fn is b for b in BUILTINS):
            return None
        args, kwargs = self.calls.arguments(node, keep_tuples=True)
        if fn is pow:
            if len(args) != 2 or kwargs:
                return None   # (pow with a modulus: integers)
            return self.b.emit(operator.pow, [self.lw.operand(a, node) for a in args])
        if fn is dict:
            return self.dict(args, kwargs, node)
        if fn in (list, tuple):
            if kwargs or len(args) > 1:
                return None
            if not args:
                return ListValue([]) if fn is list else TupleValue([])
            if not isinstance(args[0], (TupleValue, DictValue)):
                return None   # a sequence known at run time: called as it is
            items = args[0].items if isinstance(args[0], TupleValue) else \
                [Const(k) for k in args[0].keys]
            return ListValue(items) if fn is list else TupleValue(items)
        if fn is map:
            return self.map(args, kwargs, node)
        if fn is filter:
            return self.filter(args, kwargs, node)
        return self.sorted(args, kwargs, node)

    def apply(self, f, args, node):
        """`f(*args)` for a function value: one of the user's, a nested def or lambda, a
        partial, or a NumPy function or builtin."""
        if isinstance(f, PartialValue):
            return self.calls.call_with(f.fn, f.args + list(args), f.kwargs, node)
        if isinstance(f, LocalFunction) or isinstance(f, Static) and \
                self.calls.is_users(f.obj):
            return self.calls.call_with(f, list(args), {}, node)
        if isinstance(f, Static) and callable(f.obj):
            return self.b.emit(f.obj, [self.lw.operand(a, node) for a in args])
        self.lw.refuse(node, "a call of this function from map, filter or sorted",
                       "write a loop or a comprehension")

    def sequences(self, seqs, node, what):
        for s in seqs:
            if not isinstance(s, TupleValue):
                self.lw.refuse(node, f"{what} over a sequence known only at run time",
                               "build the list in the function, or write a comprehension")
        return seqs

    def map(self, args, kwargs, node):
        if kwargs or len(args) < 2:
            self.lw.refuse(node, "this map()")
        f, seqs = args[0], self.sequences(args[1:], node, "map")
        n = min(len(s.items) for s in seqs)
        return ListValue([self.apply(f, [s.items[k] for s in seqs], node) for k in range(n)])

    def filter(self, args, kwargs, node):
        if kwargs or len(args) != 2:
            self.lw.refuse(node, "this filter()")
        f, (seq,) = args[0], self.sequences(args[1:], node, "filter")
        kept = []
        for item in seq.items:
            test = item if f is None or isinstance(f, Const) and f.value is None else \
                self.apply(f, [item], node)
            test = self.lw.operand(test, node)
            if not isinstance(test, Const):
                self.lw.refuse(node, "filter() whose test depends on values known only at "
                               "run time", "write a loop with an if, or np.where")
            if test.value:
                kept.append(item)
        return ListValue(kept)

    def sorted(self, args, kwargs, node):
        if len(args) != 1 or set(kwargs) - {"key", "reverse"}:
            self.lw.refuse(node, "this sorted()")
        (seq,) = self.sequences(args, node, "sorted")
        reverse = kwargs.get("reverse", Const(False))
        if not isinstance(reverse, Const):
            self.lw.refuse(node, "sorted() with reverse= known only at run time")
        key = kwargs.get("key")
        items = list(seq.items)
        if not items:
            return ListValue([])
        keys = items if key is None or isinstance(key, Const) and key.value is None else \
            [self.apply(key, [item], node) for item in items]
        lw, emit = self.lw, self.b.emit
        order = emit(np.argsort, [emit(np.array, [lw.runtime_value(TupleValue(keys), node)])],
                     {"kind": Const("stable")})
        if reverse.value:   # (sorted keeps equal items in order, reversed too)
            order = emit(operator.getitem, [order, Const(slice(None, None, -1))])
        stacked = emit(np.stack, [lw.runtime_value(TupleValue(items), node)])
        return ListValue([emit(operator.getitem, [stacked, emit(operator.getitem,
                                                              [order, Const(k)])])
                          for k in range(len(items))])

    def dict(self, args, kwargs, node):
        keys, values = [], []
        if len(args) > 1:
            self.lw.refuse(node, "dict() with more than one positional argument")
        if args:
            given = args[0]
            if isinstance(given, DictValue):
                keys, values = list(given.keys), list(given.values)
            elif isinstance(given, TupleValue) and all(
                    isinstance(p, TupleValue) and len(p.items) == 2 and
                    isinstance(p.items[0], Const) for p in given.items):
                keys = [p.items[0].value for p in given.items]
                values = [p.items[1] for p in given.items]
            else:
                self.lw.refuse(node, "dict() of something other than pairs with keys known "
                               "while lowering", "write a dict display {key: value}")
        out = DictValue([], [])
        for k, v in list(zip(keys, values)) + list(kwargs.items()):
            out = out.with_item(k, v)
        return DictValue(out.keys, out.values)
