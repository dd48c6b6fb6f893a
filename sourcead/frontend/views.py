"""Views in the memory model (heap.py): `A[i]`, `x.T`, `x.reshape(...)` make a
reference with one more step on the same object, so that later writes reach it and
writes through it reach the object. Where only the running program can tell whether
a step made a view (is `A[i]` a row or a number? did a reshape copy?), the generated
code asks, and each answer keeps its own alternative with the test as its guard
(`resolve`). A mixin of memory.Memory.
"""

import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Var
from .values import TupleValue
from .heap import (FALSE, INT, MAYBE, PART, SAME, TRUE, UNDECIDED, UNKNOWN, VALUE, VIEW, Alt,
                   Obj, Ref, Step, operand_key, path_key)


_INT_ARITH = (operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
              operator.neg, min, max)


def index_view(index, defs, ints=()):
    """Whether `x[index]` is a view of x: VIEW (a slice, None or Ellipsis among basic
    parts: an ndarray sharing x's memory), INT (only integers: a row, or a number),
    MAYBE (an index known only at run time: a view, or a copy made by an index array),
    or None (a copy: an index array, a list or a mask known while lowering)."""
    if isinstance(index, Const):
        parts = index.value if isinstance(index.value, tuple) else (index.value,)
        if any(isinstance(p, bool) or not isinstance(p, (int, np.integer, slice, type(None),
                                                           type(Ellipsis))) for p in parts):
            return None
        return VIEW if any(not isinstance(p, (int, np.integer)) for p in parts) else INT
    op = defs.get(index) if isinstance(index, Var) else None
    if op is not None and op.prim.impl is slice:
        return VIEW
    if op is not None and (op.prim is P.LIST or op.prim.impl in (np.array, runtime.array) or
                           getattr(op.prim.impl, "fn", None) is runtime.array):
        # a list or an array of indices (np.array([0, 2]): the primitive for that many
        # items, which calls runtime.array): a copy
        return None
    if op is not None and op.prim is P.TUPLE:
        kinds = [index_view(a, defs, ints) for a in op.args]
        if None in kinds:
            return None
        if MAYBE in kinds:
            return MAYBE
        return VIEW if VIEW in kinds else INT
    return INT if is_int(index, defs, ints) else MAYBE


def is_int(x, defs, ints=()):
    """Whether `x` is known to be an integer (a constant, a loop index, len(...), int
    arithmetic of those)."""
    if isinstance(x, Const):
        return isinstance(x.value, (int, np.integer)) and not isinstance(x.value, bool)
    if x in ints:
        return True
    op = defs.get(x)
    if op is None:
        return False
    if op.prim.impl in (len, int):
        return True
    return op.prim.impl in _INT_ARITH and all(is_int(a, defs, ints) for a in op.args)


def _whole(index):
    """Whether the index is `:`, `::1` or `...`: all of an array of one or more
    dimensions."""
    return isinstance(index, Const) and (index.value is Ellipsis or
                                         index.value in (slice(None, None, None),
                                                         slice(None, None, 1)))


def view_kind(fn, args, defs, ints=()):
    """How `fn(*args)` relates to the memory of args[0] (heap's VIEW, INT, MAYBE, SAME,
    READONLY, PART), or None for a new array."""
    if fn is operator.getitem:
        return index_view(args[1], defs, ints) if len(args) == 2 else None
    prim = P.lookup(fn)
    return getattr(prim, "view", None) if prim is not None else None


class Views:
    """The view-making half of memory.Memory (see the module docstring)."""

    def temporary(self, value, hint=""):
        """A reference to an unnamed value (the base of `(x * 2)[1:]`)."""
        return self.ref_of(value, hint) if isinstance(value, Var) else value

    def name_of(self, ref):
        return ref.hint or "t"

    def view(self, base, fn, args, kwargs=None, attrs=None, node=None, kind=None):
        """`fn(base, *args, **kwargs)`, a view of base (kind: heap's VIEW, MAYBE, SAME,
        READONLY): a reference with one more step, its value taken now."""
        if not isinstance(base, (Ref, Var)):
            return self.b.emit(fn, [base, *args], kwargs, attrs)
        if kind == INT:   # a row, or a number: the dimensions may tell
            nd = self.dims.ndim(self.read(base, node))
            used = self.dims.consumed(args[0]) if fn is operator.getitem else None
            if nd is not None and used is not None:
                kind = VIEW if nd > used else None
            if kind is None:
                return self.b.emit(fn, [self.read(base, node), *args], kwargs, attrs)
        if kind == SAME and self.surely_same(fn, base, args, kwargs, node):
            return base   # np.asarray(y) of an array y is y itself
        ref = self.temporary(base)
        step = Step(fn, args, kwargs, attrs, kind)
        if fn is operator.getitem and _whole(args[0]) and kind == VIEW and isinstance(ref, Ref):
            # v[:] of a view v sees what v sees (in a loop, `x = x[:]` would otherwise
            # make a longer path every iteration)
            new = Ref(self.merge_same([a if a.path and a.path[-1].view == VIEW else
                                       Alt(a.guard, a.obj, a.path + (step,))
                                       for a in ref.alts]), "")
        elif kind == SAME and not args and not kwargs and \
                all(a.path and a.path[-1].fn is fn and a.path[-1].view == SAME for a in ref.alts):
            return ref   # np.asarray(np.asarray(y)) is np.asarray(y)
        else:
            new = Ref([Alt(a.guard, a.obj, a.path + (step,)) for a in ref.alts], "")
        # taken now, held meanwhile (reading it may join branches, which keep only what
        # something holds)
        at = len(self.state.pending)
        self.state.pending.append(new)
        self.read(new, node)
        new = self.state.pending[at]
        del self.state.pending[at:]
        return new

    def merge_same(self, alts):
        """`alts` with those of one object at one path (operands too) made one, under
        either guard."""
        out, at = [], {}
        for a in alts:
            key = (a.obj, path_key(a.path))
            if key not in at:
                at[key] = len(out)
                out.append(a)
                continue
            k = at[key]
            out[k] = out[k].with_guard(self.either([out[k].guard, a.guard]))
        return out

    def surely_same(self, fn, base, args, kwargs, node):
        """Whether np.asarray(base) (np.atleast_2d(base), ...) is base itself, as the
        dimensions of base tell."""
        if not isinstance(base, Ref) or args or kwargs:
            return False
        nd = self.dims.ndim(self.read(base, node))
        least = {np.atleast_1d: 1, np.atleast_2d: 2, np.atleast_3d: 3}.get(fn, 1)
        return nd is not None and nd >= least and fn in (np.asarray, np.asanyarray,
                                                         np.atleast_1d, np.atleast_2d,
                                                         np.atleast_3d)

    def parts(self, base, outs, fn, node):
        """The arrays np.split (and the like) made of `base`, each a view of it that can
        be read while `base` is not written again."""
        if not isinstance(base, Ref):
            return outs
        if not base.single:
            self.refuse(node, f"{getattr(fn, '__name__', fn)} of an array that depends on "
                        "which way an if went", "take a .copy() first")
        alt = base.alts[0]
        made_from = self.contents(alt, base.hint, node)
        refs = []
        for out in outs:
            step = Step(fn, (), None, None, PART, made=out, of=made_from)
            refs.append(Ref([Alt(TRUE, alt.obj, alt.path + (step,))], out.hint))
        return refs

    def resolve(self, ref, node):
        """`ref` with every step whose kind only the run decides (MAYBE, SAME) turned
        into two alternatives, guarded by the generated code's test; every holder of
        `ref` holds the result."""
        if not isinstance(ref, Ref) or \
                all(s.view not in UNDECIDED for a in ref.alts for s in a.path):
            return ref
        # the alternatives made so far are held while the others are split (which may
        # join branches, keeping only what something holds)
        at = len(self.state.pending)
        self.state.pending.append(Ref([], ref.hint))
        for k in range(len(ref.alts)):
            alt = ref.alts[k]
            done = self.state.pending[at].alts
            self.state.pending[at] = Ref(done + tuple(self._split(alt, ref.hint, node)),
                                         ref.hint)
        new = self.state.pending[at]
        self.replace(ref, new)
        # the other references that take the same steps are resolved alike now (they
        # share the copies, see _split): a write into one of those copies reaches them
        steps = {id(st) for a in ref.alts for st in a.path if st.view in UNDECIDED}
        while True:
            other = next((r for _, r in self.state.holdings()
                          if any(id(st) in steps for a in r.alts for st in a.path)), None)
            if other is None:
                break
            self.resolve(other, node)
        new = self.state.pending[at]
        del self.state.pending[at:]
        return new

    def _split(self, alt, hint, node):
        for k, step in enumerate(alt.path):
            if step.view not in UNDECIDED:
                continue
            kept = alt.path[:k] + ((step.with_view(VIEW),) if step.view != SAME else ()) + \
                alt.path[k + 1:]
            if alt.guard is TRUE:
                test, made = self._decide(alt, k, hint, node)
            else:   # asked only where alt holds: elsewhere its objects may be placeholders
                out = self.branch(alt.guard, lambda: self._decided(alt, k, hint, node),
                                  lambda: TupleValue((FALSE, Const(None))), node)
                test, made = out.items
            # the copy, where it is one: the same object for every reference whose path
            # has this step (`y = x[idx]; flat = y.reshape(2, 2)`: y and flat's base)
            key = (alt.obj.id, operand_key(self.state.heap.get(alt.obj, Const(None))), id(step))
            known = self.copies.get(key)
            if known is not None and known[0] is step:
                copy = known[1]
            else:
                copy = Obj(VALUE if self.kind_of(made) == VALUE else UNKNOWN, hint,
                           holds=self.holds_items(made), discrete=alt.obj.discrete)
                self.copies[key] = (step, copy)
            if copy not in self.state.heap:
                self.state.heap[copy] = made
            halves = []
            if not (isinstance(test, Const) and not test.value):
                halves.append(Alt(self.b.and_(alt.guard, test), alt.obj, kept))
            if not (isinstance(test, Const) and test.value):
                halves.append(Alt(self.b.and_(alt.guard, self.negate(test)), copy,
                                  alt.path[k + 1:]))
            # held, with what each becomes, while the rest of each is resolved (which may
            # join branches, keeping only what something holds)
            at = len(self.state.pending)
            self.state.pending += [Ref(halves, hint), Ref([], hint)]
            for j in range(len(halves)):
                made_alts = self._split(self.state.pending[at].alts[j], hint, node)
                self.state.pending[at + 1] = Ref(self.state.pending[at + 1].alts +
                                                 tuple(made_alts), hint)
            alts = list(self.state.pending[at + 1].alts)
            del self.state.pending[at:]
            return alts
        return [alt]

    def _decided(self, alt, k, hint, node):
        return TupleValue(self._decide(alt, k, hint, node))

    def _decide(self, alt, k, hint, node):
        """(whether step k of alt's path makes a view, its value now): the test the
        generated code makes, or its answer where the dimensions tell."""
        step = alt.path[k]
        before = self.contents(Alt(TRUE, alt.obj, alt.path[:k]), hint, node)
        made = self.contents(Alt(TRUE, alt.obj, alt.path[:k + 1]), hint, node)
        if step.view == MAYBE and step.fn is not operator.getitem and \
                alt.obj.initial is not None:
            # a reshape is a view or a copy by the layout of the caller's array
            first = self.state.heap[alt.obj]
            self.state.heap[alt.obj] = alt.obj.initial
            try:
                base = self.contents(Alt(TRUE, alt.obj, alt.path[:k]), "", node)
                test = self.b.emit(runtime.shares_memory, [
                    self.contents(Alt(TRUE, alt.obj, alt.path[:k + 1]), "", node), base])
            finally:
                self.state.heap[alt.obj] = first
        elif step.view in (INT, MAYBE):
            nd = self.dims.ndim(made)
            test = Const(nd > 0) if nd is not None and step.view == INT else \
                self.b.emit(runtime.shares_memory, [made, before])
        else:
            test = self.b.emit(operator.is_, [made, before])
        if isinstance(test, Var):
            test.hint = "is_view" if step.view in (INT, MAYBE) else "same"
            self.bools.add(test)
        return test, made

    def resolve_holders_of(self, obj, node):
        """Before `obj` is written: the references to it whose kind of view only the run
        decides are resolved now, while their values are those of their making."""
        for _, ref in self.state.holdings():
            if any(a.obj is obj and any(s.view in UNDECIDED for s in a.path)
                   for a in ref.alts):
                self.resolve(ref, node)

    def assume_views(self, ref, node):
        """`ref` with its INT steps taken as views, each checked when the code runs: an
        item assignment into x[i] is one into a row of x, or NumPy raises (a number has
        no items), as the generated code then does."""
        if all(s.view != INT for a in ref.alts for s in a.path):
            return ref
        alts = []
        for alt in ref.alts:
            path = list(alt.path)
            for k, step in enumerate(path):
                if step.view == INT:
                    def check(alt=alt, k=k):
                        before = self.contents(Alt(TRUE, alt.obj, alt.path[:k]), ref.hint, node)
                        made = self.contents(Alt(TRUE, alt.obj, alt.path[:k + 1]), ref.hint,
                                             node)
                        where = self.where(node) + ": an item assignment into x[index][...]"
                        self.b.emit(runtime.check_is_view, [made, before, Const(where)])
                        return Const(None)
                    self.branch(alt.guard, check, lambda: Const(None), node)
                    path[k] = step.with_view(VIEW)
            alts.append(Alt(alt.guard, alt.obj, path))
        new = Ref(alts, ref.hint)
        self.replace(ref, new)
        return new
