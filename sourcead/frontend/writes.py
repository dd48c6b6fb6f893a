"""Writes in the memory model (heap.py): `r[j] = v` makes a new version of r's
object, the view with the item written, stored back through the path (`A_1 =
set_item(A, 1, set_item(A[1], j, v))`, which code generation writes in place where
nothing else needs the old value); `a += v` writes into a's object where NumPy would
(an array) and binds a new value otherwise (a number). After a write into an array
a list built at run time may show (heap.Escape), the lists, the items read out of
them and the arrays put into them are brought up to date (`refresh_lists`). What the
model cannot follow is refused here, with a located error: writing into a read-only
view, into a module's array, or into one a call may have returned as well. A mixin
of memory.Memory.
"""

import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Var
from .heap import (ARRAY, LIST, PART, READONLY, TRUE, VALUE, Alt, Escape, Ref, holder_name)


class Writes:
    """The writing half of memory.Memory (see the module docstring)."""

    def write(self, target, index, value, node, shares=()):
        """`target[index] = value` (`shares`: the objects value may be a view into, where
        NumPy may read it while writing: see `may_overlap`)."""
        if isinstance(target, Var):
            op = self.b.defs.get(target)
            if self.is_external(target):
                name = op.attrs.get("name", "it") if op is not None else "it"
                self.refuse(node, f"writing into `{name}`, the module's (or an enclosing "
                            "function's) array (the derivative never changes arrays outside "
                            "the function)", f"write into a copy made in the function: "
                            f"{name.lower()}_copy = {name}.copy()")
            return   # an unnamed value (`f(x)[0] = v`): nothing reads it again
        if not isinstance(target, Ref):
            self.refuse(node, "an item assignment to something that is not an array")
        target = self.resolve(self.assume_views(target, node), node)

        def act(alt):
            self.write_alt(alt, index, value, node, target.hint,
                           overlap=self.may_overlap(alt.obj, shares))
            return Const(None)
        self.dispatch(target, act, node)

    def where(self, node):
        import os
        loc = self.lowerer.loc_of(node)
        return f"{os.path.basename(loc.filename)}:{loc.lineno}"

    def may_overlap(self, obj, shares):
        """Whether a value that may be a view into the objects `shares` may share memory
        with obj's array: it is one of them, or one is an item read out of a list built
        at run time and the other was put into one (or read out of one)."""
        if obj in shares:
            return True
        mine = self.state.escaped.get(obj)
        return mine is not None and any(
            e is not None and (e.item or mine.item)
            for e in (self.state.escaped.get(o) for o in shares))

    def write_alt(self, alt, index, value, node, hint, whole=False, overlap=False):
        """`value` written at `index` of alt's value (with `whole`: `value` is the whole
        new value of the view), stored back through its path into its object. With
        `overlap` (value may be a view into the object), the write is NumPy's own, which
        may read value while it writes (sourcead/overlap.py), asked at run time."""
        obj = alt.obj
        self.check_writable(alt, node, hint)
        self.resolve_holders_of(obj, node)
        if obj.discrete and isinstance(value, Var):
            # an integer or boolean array rounds what is written into it: no derivative
            value = self.b.emit(runtime.stop_gradient, [value])
        levels = [self.state.heap[obj]]
        for k in range(len(alt.path)):
            levels.append(self.contents(Alt(TRUE, obj, alt.path[:k + 1]), hint, node))
        if whole:   # (a write back through an item casts to the array's type itself)
            new = value if alt.path and alt.path[-1].fn is operator.getitem else \
                self.overwritten(levels[-1], value)
        else:
            new = self.b.emit(runtime.set_item_overlapping if overlap else runtime.set_item,
                              [levels[-1], index, value])
            if hint or not alt.path:
                self.b.name(new, hint if alt.path else obj.hint)
        for k in range(len(alt.path) - 1, -1, -1):
            new = self.write_back(alt.path[k], levels[k], new, node)
            self.b.name(new, obj.hint if k == 0 else hint)
        self.state.heap[obj] = new
        self.written.add(obj)
        self.refresh_lists(obj, levels[0], node)

    def refresh_lists(self, obj, old, node):
        """After `obj`'s array `old` was written (its new value is in the heap): where a
        list built at run time may show it (it, or a view of it, was put into one), and
        such a list, or an item read out of one, may be looked at later, each of those
        is brought up to date (sourcead/refresh.py: the items that are `old`, or views
        into it, become the new array or the same views into it). A write into an item
        read out of such a list does the same to the arrays that were put into lists:
        the item may be one of them."""
        e = self.state.escaped.get(obj)
        if e is None or not e.item and (e.line is None or not self.lowerer.containers_seen()):
            return
        emit = self.b.emit
        new = emit(runtime.laid_out_like, [self.state.heap[obj], old])
        self.b.name(new, obj.hint)
        where = Const(self.where(node))
        reachable = self.state.reachable()
        changes = []   # (old value, new value) of each array that changed
        self.state.heap[obj] = new
        if e.item:
            # the item may be an array put into a list, or a view into one: that array is
            # written (its part), and the item becomes that part of the array written
            for other in reachable:
                seen = self.state.escaped.get(other)
                if other is obj or other.kind in (VALUE, LIST) or self.may_hold_items(other) \
                        or seen is None or seen.line is None:
                    continue
                # (what only the run decides about views of it, decided before it changes:
                # `z = y[idx]` is a copy where idx is an index array)
                self.resolve_holders_of(other, node)
                before = self.state.heap[other]
                self.where_held(other, lambda other=other, before=before: self.write_through(
                    obj, old, new, other, before, where), node)
                changes.append((before, self.state.heap[other]))
        changes.append((old, self.state.heap[obj]))
        for other in reachable:
            seen = self.state.escaped.get(other)
            if other is obj or other.kind == VALUE or not (
                    self.may_hold_items(other) or seen is not None and (
                        seen.item or e.item and seen.line is not None)):
                continue
            before = self.state.heap[other]
            after = before
            for was, now in changes:
                if after is now:   # (an array written through the item: it is new)
                    continue
                after = now if after is was else emit(runtime.refreshed,
                                                       [after, was, now, where])
            if after is before:
                continue
            self.b.name(after, other.hint)
            self.containers[after] = self.holds_items(before)
            if before in self.kinds:
                self.kinds[after] = self.kinds[before]
            self.state.heap[other] = after
            self.written.add(other)

    def write_through(self, obj, old, new, other, before, where):
        """The write of `old` (obj's array, an item read out of a list) becoming `new`,
        into `other`'s array, which it may be or be a view into (see refresh_lists)."""
        emit = self.b.emit
        after = emit(runtime.written_through, [before, old, new, where])
        self.b.name(after, other.hint)
        self.state.heap[other] = after
        self.written.add(other)
        current = emit(runtime.reseated, [self.state.heap[obj], old, before, after])
        self.b.name(current, obj.hint)
        self.state.heap[obj] = current
        return Const(None)

    def where_held(self, obj, act, node):
        """act() where some name holds `obj` when the program runs (an alternative of a
        name, under its guard, may hold an array no name holds any more)."""
        guards = [a.guard for _, ref in self.state.holdings() for a in ref.alts
                  if a.obj is obj]
        guard = self.either(guards) if guards else TRUE
        if guard is TRUE:
            return act()
        return self.branch(guard, act, lambda: Const(None), node)

    def overwritten(self, old, new):
        """An array's contents after `old[...] = new`: `new` itself where it is known to be
        an array of the same type (a float64 specialisation), else written into a copy of
        `old`, which keeps its dtype and stays an array (a 0-d one, say), as in NumPy."""
        if self.float64 and self.dims.ndim(old) and self.dims.ndim(new) == self.dims.ndim(old):
            return new
        out = self.b.emit(runtime.set_item, [old, Const(Ellipsis), new])
        self.dims.nd[out] = self.dims.ndim(old)
        return out

    float64 = False   # lowering a float64 specialisation (every parameter float64)

    def check_writable(self, alt, node, hint):
        obj = alt.obj
        for step in alt.path:
            if step.view == READONLY:
                self.refuse(node, f"a write into `{hint}`, a read-only view made by "
                            f"{getattr(step.fn, '__name__', step.fn)} (NumPy raises here)",
                            "take a .copy() and write into that")
            if step.view == PART:
                self.refuse(node, f"a write into `{hint}`, one of the views "
                            f"{getattr(step.fn, '__name__', 'a split')} made (sourcead cannot "
                            "follow it into the array it was split from)",
                            "write into the original array, or take a .copy() of the part")
        if obj.external:
            self.refuse(node, f"a write into `{hint}`, an array of the module or of an "
                        "enclosing function (the derivative never changes arrays outside "
                        "the function)", f"write into a copy made in the function: "
                        f"{hint}_copy = {hint}.copy()")
        e = self.state.escaped.get(obj)
        for tag, name, line in sorted(e.calls if e is not None else (), key=str):
            if self.lowerer.tangle_seen(tag, obj):
                self.refuse(node, f"a write into `{hint}`, which may share its array with "
                            f"what the call of {name} at line {line} was given or returned "
                            f"({name} may return the array it is given), while that is "
                            "used later", f"write into a copy: {hint} = {hint}.copy(), or "
                            f"return a new array from {name}")
        if obj.kind == LIST:
            self.refuse(node, f"an item assignment into `{hint}`, a list built at run time",
                        "build a new list, or use an array")

    def write_back(self, step, parent, new, node):
        """The new value of a view's base, after the view became `new`."""
        fn, args = step.fn, step.args
        emit = self.b.emit
        if fn is operator.getitem:
            return emit(runtime.set_item, [parent, args[0], new])
        if fn is np.transpose:
            axes = args[0] if args else step.kwargs.get("axes", Const(None))
            if isinstance(axes, Const) and axes.value is None:
                return emit(np.transpose, [new])
            if isinstance(axes, Const):
                inverse = Const(tuple(int(k) for k in np.argsort(axes.value)))
            else:
                inverse = emit(np.argsort, [axes])
            return emit(np.transpose, [new, inverse])
        if fn is np.swapaxes:
            return emit(np.swapaxes, [new, *args], step.kwargs or None)
        if fn is np.moveaxis and len(args) == 2:
            return emit(np.moveaxis, [new, args[1], args[0]])
        if fn in (np.reshape, np.ravel, np.squeeze, np.expand_dims):
            return emit(np.reshape, [new, emit(np.shape, [parent])])
        if fn in (np.flip, np.fliplr, np.flipud, getattr(np, "matrix_transpose", np.flip)):
            return emit(fn, [new, *args], step.kwargs or None)
        self.refuse(node, f"writing through a view made by {getattr(fn, '__name__', fn)}",
                    "write into the original array, or take a .copy()")

    def augmented(self, holder, target, new, node, rebind):
        """`a op= v`, where `new` is `a op v` (its operands read after v was evaluated):
        NumPy writes `new` into a's array when a holds an array, and binds a new value
        otherwise; `rebind(value)` binds the target. `holder` is the target's place in
        the environment (its other holders see an in-place write)."""
        if not isinstance(target, Ref):
            rebind(new)
            return
        target = self.resolve(target, node)
        name = holder_name(holder) or target.hint
        if name:
            self.b.name(new, name)

        def in_place(alt):
            if alt.path:
                self.write_alt(alt, Const(Ellipsis), new, node, name, whole=True)
            else:
                self.check_writable(alt, node, name)
                self.resolve_holders_of(alt.obj, node)
                old = self.state.heap[alt.obj]
                written = self.overwritten(old, new)
                self.state.heap[alt.obj] = written
                self.written.add(alt.obj)
                self.b.name(written, name)
                self.refresh_lists(alt.obj, old, node)
            return Const(None)

        def bind_new(number):
            # `new` is bound on several paths of the run (one per alternative); one object
            # serves them where they agree on what it is. A number and what may be an
            # array do not share one: where they would, this path makes its own
            cached = self.fresh.get(new)
            if cached is not None:
                obj = cached.alts[0].obj
                if number and "any" in self.bound_as.get(obj, ()) or \
                        not number and obj.kind == VALUE:
                    del self.fresh[new]
            rebind(new)
            made = self.fresh.get(new)
            if made is not None:
                self.bound_as.setdefault(made.alts[0].obj, set()).add(
                    "number" if number else "any")

        def rebound(number=False):
            bind_new(number)
            return Const(None)

        def act(alt):
            if alt.path or alt.obj.kind == ARRAY:
                return in_place(alt)   # a view (resolved: an ndarray), or an array
            if alt.obj.kind == VALUE or not self.shared(alt.obj, holder):
                # a number, or an array nothing else sees: the same
                return rebound(alt.obj.kind == VALUE)
            if alt.obj.external:   # the module's: a number (bound anew), checked at run time
                self.b.emit(runtime.check_not_array, [self.contents(alt, target.hint, node),
                                                      Const(self.where(node))])
                return rebound()
            test = self.b.emit(runtime.is_array, [self.contents(alt, target.hint, node)])
            if isinstance(test, Var):
                test.hint = "is_array"
            return self.branch(test, lambda: in_place(alt),
                               rebound if self.may_hold_items(alt.obj) else rebound_number,
                               node)

        def rebound_number():
            # not an array: a number, whose identity no one can tell
            bind_new(True)
            for h, ref in self.state.holdings():
                if h == holder:
                    for a in ref.alts:
                        if not a.path and self.state.heap.get(a.obj) is new:
                            a.obj.kind = VALUE
            return Const(None)
        self.dispatch(target, act, node, narrow=True)

    def escape(self, value, node, item=False):
        """`value` is put into a list or tuple built at run time (with `item`: read out of
        one): see heap.Escape."""
        from .values import flatten
        line = self.lowerer.loc_of(node).lineno if node is not None else "?"
        e = Escape(line, item)
        for leaf in flatten(value)[0]:
            if isinstance(leaf, Ref):
                for a in leaf.alts:
                    if a.obj.kind != VALUE:
                        self.state.escaped[a.obj] = e.join(self.state.escaped.get(a.obj))

    def tangle(self, refs, name, node):
        """`refs` (a call's arguments and what it returned) may share arrays in ways the
        model does not follow (see heap.Escape's `calls`)."""
        # one tag per call in the text (the same in every iteration of a loop, and in
        # every copy of an inlined function: a loop's fixed point can be reached)
        line = self.lowerer.loc_of(node).lineno if node is not None else "?"
        e = Escape(calls=[(id(node), name, line)])
        for ref in refs:
            for a in ref.alts:
                if a.obj.kind != VALUE:
                    self.state.escaped[a.obj] = e.join(self.state.escaped.get(a.obj))

    def may_hold_items(self, obj):
        """Whether the object may be a list or tuple built at run time, or hold items of
        one (see holds_items); what only the run decides (a value joined from branches or
        iterations, of no known kind) may."""
        return obj.kind == LIST or obj.holds or self.holds_items(self.state.heap.get(obj))

    def holds_items(self, v):
        """Whether `v` may be a list or tuple built at run time, or something made of one
        that holds its items (a slice of it, a call's result), rather than new arrays
        (what NumPy makes of it)."""
        if not isinstance(v, Var):
            return False
        if v in self.containers:
            return self.containers[v]
        op = self.b.defs.get(v)
        out = False
        if op is not None and (op.prim in (P.LIST, P.TUPLE) or op.prim.impl is runtime.appended):
            # what may be an array in it, or a list
            out = any(self.kind_of(a) != VALUE for a in op.args if isinstance(a, Var))
        elif self.kind_of(v) == LIST:
            out = True
        elif op is not None and self.kind_of(v) not in (ARRAY, VALUE) and _passes_items(op):
            out = any(self.holds_items(a) for a in op.args)
        self.containers[v] = out
        return out


def _passes_items(op):
    """Whether what `op` returns may hold what its operands hold: an item or a slice of a
    list, lists joined, a builtin (list, sorted, zip...), a call of a function not
    NumPy's. (An elementwise operation, an item write, a NumPy function make new
    arrays.)"""
    if op.prim is P.CALL_OBJECT:
        return True
    if op.prim in (P.CALL_USER, P.OPAQUE_CALL):
        return not (getattr(op.attrs.get("callee"), "__module__", None) or
                    "").startswith("numpy")
    fn = op.prim.impl
    return fn in (operator.getitem, operator.add, operator.mul, operator.iadd,
                  operator.imul) or getattr(fn, "__module__", None) == "builtins"
