"""NumPy's sharing, followed by construction: views, aliases, writes through either.

The model is described in heap.py. This module answers the lowering's three
questions in its terms:

- *read*: a reference's value is its path taken from its object's current
  version (`r = A[1]`, then `A[1, 0] = 5`, then `r` reads `A_1[1]`: the view shows
  the write);
- *view*: `A[i]`, `x.T`, `x.reshape(...)` make a reference with one more step on
  the same object, so later writes reach it and writes through it reach the
  object;
- *write*: `r[j] = v` makes a new version of r's object: the view with the item
  written, stored back through the path (`A_1 = set_item(A, 1, set_item(A[1], j,
  v))`, which code generation writes in place where nothing else needs the old
  value); `a += v` writes into a's object where NumPy would (an array), and binds a
  new value otherwise (a number).

Where only the running program can tell (is `A[i]` a row or a number? did
np.asarray copy?), the generated code asks, and each answer keeps its own
alternative (heap.Alt) with the test as its guard. A write through a reference
with several alternatives writes into the one that holds. Nothing is decided by
looking for patterns in the source, so combinations of constructs are as right as
each one alone; what the model cannot follow (writing into a read-only view, into
an array a run-time list holds, into a module's array) is refused with a located
error.
"""

import math
import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Var
from ..ir.dims import Dims
from .values import TupleValue
from .heap import (ARRAY, FALSE, INT, LIST, MAYBE, PART, READONLY, SAME, TRUE, UNDECIDED,
                   UNKNOWN, VALUE, VIEW, Alt, Escape, Obj, Ref, State, Step,
                   operand_key, path_key, value_key)

# What makes an array of a shape it is given (np.zeros(3)): an ndarray.
CONSTRUCTORS = (np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
                np.empty_like, np.full_like, np.array, np.asarray, np.arange, np.linspace,
                np.eye, np.identity)
_VALUES = (len, int, float, bool, abs, round, operator.not_, operator.is_, operator.is_not,
           runtime.is_array, runtime.shares_memory)
_FULL_REDUCTIONS = (np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var,
                    np.std, np.linalg.norm, np.linalg.det, np.dot, np.vdot, np.trace)
TRUTH_OPS = (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
             operator.not_, np.isnan, np.isfinite, np.isinf, math.isnan, math.isfinite,
             math.isinf, bool, runtime.is_array, runtime.shares_memory, operator.is_,
             operator.is_not)


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


def view_kind(fn, args, defs, ints=()):
    """How `fn(*args)` relates to the memory of args[0] (heap's VIEW, INT, MAYBE, SAME,
    READONLY, PART), or None for a new array."""
    if fn is operator.getitem:
        return index_view(args[1], defs, ints) if len(args) == 2 else None
    prim = P.lookup(fn)
    return getattr(prim, "view", None) if prim is not None else None


class Memory:
    """The current State and the operations on it (see the module docstring).

    `branch(cond, then_fn, else_fn, node)` (set by the lowering) lowers the two
    functions in branches of an If from copies of the state and joins the states and
    their results (merge.py); `refuse(node, what, hint)` raises a located error."""

    def __init__(self, builder, refuse):
        self.b = builder
        self.refuse = refuse
        self.branch = None
        self.state = State()
        self.fresh = {}      # Var -> Ref: a value already bound (a = b = f(x): one object)
        self.dims = Dims(defs=builder.defs, lazy=True)   # what the operations tell
        self.written = set()  # the objects written into so far (loops ask what theirs wrote)
        self.ints = self.dims.ints   # loop indices (integers)
        self.bools = set()    # guards carried by loops and joined by Ifs (truth values)
        # objects standing for another one that names share, until a loop's lowering
        # shows that nothing is written into either (carry.Head): never unshared;
        # object -> the holder it stands in for
        self.stand_ins = {}
        self.kinds = {}      # Var -> ARRAY, VALUE, LIST or UNKNOWN
        self.containers = {}  # Var -> whether it may hold arrays others hold (holds_items)

    # -- objects ------------------------------------------------------------
    def new_object(self, version, hint, kind=None, external=False):
        kind = self.kind_of(version) if kind is None else kind
        obj = Obj(kind, hint, external=external, discrete=self.is_discrete(version),
                  holds=self.holds_items(version))
        self.state.heap[obj] = version
        return obj

    def ref_of(self, value, hint="t"):
        """The reference a name bound to `value` holds: a new object for a value
        computed here, the same object for a value bound before."""
        if not isinstance(value, Var):
            return value
        ref = self.fresh.get(value)
        if ref is not None:
            obj = ref.alts[0].obj
            self.state.heap.setdefault(obj, value)
            return ref
        ref = Ref([Alt(TRUE, self.new_object(value, hint, external=self.is_external(value)))],
                  hint)
        self.fresh[value] = ref
        return ref

    def is_external(self, v):
        """Whether `v` is an object from outside the function: "state" (a global, a
        closure's variable, an attribute of an object), "made" (what a function of
        another library made, which may be one of those), or False."""
        op = self.b.defs.get(v)
        if op is None:
            return False
        if op.prim in (P.LOAD_GLOBAL, P.LOAD_FREE, P.GETATTR):
            return "state"
        if op.prim is P.OPAQUE_CALL and not (getattr(op.attrs.get("callee"), "__module__",
                                                     None) or "").startswith("numpy"):
            return "made"
        return False

    def kind_of(self, v):
        """What `v` is known to be: ARRAY, VALUE, LIST or UNKNOWN (see heap.py)."""
        if isinstance(v, Const):
            return ARRAY if isinstance(v.value, np.ndarray) and v.value.ndim else VALUE
        if v in self.kinds:
            return self.kinds[v]
        nd = self.dims.ndim(v)
        if nd is not None:
            return VALUE if nd == 0 else ARRAY
        op = self.b.defs.get(v)
        kind = UNKNOWN
        if op is not None:
            fn = op.prim.impl
            kinds = [self.kind_of(a) for a in op.args if isinstance(a, (Var, Const))]
            if op.prim is P.LIST or fn is runtime.appended:
                kind = LIST
            elif op.prim is P.TUPLE:
                kind = VALUE
            elif fn in _VALUES or getattr(fn, "__module__", None) == "math" or fn in TRUTH_OPS \
                    and kinds and all(k == VALUE for k in kinds):
                kind = VALUE
            elif fn in CONSTRUCTORS and fn not in (np.array, np.asarray) and op.args and \
                    isinstance(op.args[0], Const) and op.args[0].value not in ((), 0):
                kind = ARRAY
            elif fn in _FULL_REDUCTIONS and len(op.args) == 1 and not op.kwargs:
                kind = VALUE
            elif op.prim.shape == "elementwise" and kinds:
                kind = ARRAY if ARRAY in kinds else VALUE if all(k == VALUE for k in kinds) \
                    else UNKNOWN
            elif fn in (runtime.set_item, runtime.added_at) and kinds:
                kind = kinds[0]
        self.kinds[v] = kind
        return kind

    def is_discrete(self, v):
        """Whether `v` is known to be an integer or boolean array (made with an integer
        dtype, by .astype(int), by comparisons): what is written into it is rounded."""
        op = self.b.defs.get(v) if isinstance(v, Var) else None
        if op is None:
            return False
        fn = op.prim.impl
        if fn is runtime.astype_discrete or fn in TRUTH_OPS and fn not in (bool,):
            return True
        if fn in (runtime.set_item, runtime.added_at):
            return self.is_discrete(op.args[0])
        dtype = op.kwargs.get("dtype")
        if fn in CONSTRUCTORS and isinstance(dtype, (Const, Var)):
            value = dtype.value if isinstance(dtype, Const) else self.static_dtype(dtype)
            try:
                return value is not None and np.dtype(value).kind in "biu"
            except TypeError:
                return False
        return False

    def static_dtype(self, v):
        op = self.b.defs.get(v)
        return op.attrs.get("static") if op is not None and op.prim is P.LOAD_GLOBAL else None

    # -- reading ------------------------------------------------------------
    def read(self, value, node=None):
        """The IR operand of a lowered value (a reference's current contents)."""
        if not isinstance(value, Ref):
            return value
        if value.single:
            return self.contents(value.alts[0], value.hint, node)
        key = value_key(value, self.state.heap)
        joined = self.state.cache.get(key)
        if joined is not None:   # its value where an If joined it, nothing written since
            return joined
        out = self.dispatch(value, lambda alt: self.contents(alt, value.hint, node), node)
        self.state.cache[key] = out
        return out

    def negate(self, v):
        """not v, taken once per block."""
        key = ("not", operand_key(v))
        out = self.state.cache.get(key)
        if out is None:
            out = self.state.cache[key] = self.b.not_(v)
            if isinstance(out, Var):
                self.bools.add(out)
        return out

    def is_truth(self, v):
        """Whether `v` is True or False (a comparison, a test, a guard)."""
        if isinstance(v, Const):
            return isinstance(v.value, bool)
        op = self.b.defs.get(v)
        return v in self.bools or op is not None and (
            op.prim.impl in TRUTH_OPS or op.prim.impl in (operator.and_, operator.or_) and
            all(self.is_truth(a) for a in op.args))

    def contents(self, alt, hint="t", node=None):
        """`alt`'s path taken from its object's current version (views taken once per
        version: the state's cache)."""
        state = self.state
        current = state.heap[alt.obj]
        key = (operand_key(current),)
        for k, step in enumerate(alt.path):
            key += (step.key(),)
            hit = state.cache.get(key)
            if hit is not None:
                current = hit
                continue
            if step.view == PART:
                if step.of is not current:
                    self.refuse(node, f"reading `{hint}`, one of the arrays "
                                f"{getattr(step.fn, '__name__', 'a split')} made, after the "
                                "array it was split from was written into (NumPy's views "
                                "would show the write; sourcead cannot follow it)",
                                "split after the write, or take a .copy() of the parts")
                current = step.made
            else:
                current = self.b.emit(step.fn, [current, *step.args], step.kwargs or None,
                                      step.attrs or None)
                if k == len(alt.path) - 1 and hint:
                    self.b.name(current, hint)
            state.cache[key] = current
        return current

    def dispatch(self, ref, act, node, narrow=False):
        """act(alt) for the alternative of `ref` that holds, in branches of an If on the
        guards where there are several; the joined result. With `narrow` (act changes
        what names hold), the holders of `ref` hold only the alternative that holds in
        each branch, so that the join knows the others did not."""
        alts = ref.alts
        if len(alts) == 1:
            return act(alts[0])
        first = Ref([alts[0].with_guard(TRUE)], ref.hint)
        rest = Ref(alts[1:] if len(alts) > 2 else [alts[1].with_guard(TRUE)], ref.hint)

        def then():
            if narrow:
                self.replace(ref, first)
            return act(first.alts[0])

        def orelse():
            if narrow:
                self.replace(ref, rest)
            return self.dispatch(rest, act, node, narrow)
        return self.branch(alts[0].guard, then, orelse, node)

    # -- views --------------------------------------------------------------
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
        if kind == SAME and not args and not kwargs and \
                all(a.path and a.path[-1].fn is fn and a.path[-1].view == SAME for a in ref.alts):
            return ref   # np.asarray(np.asarray(y)) is np.asarray(y)
        step = Step(fn, args, kwargs, attrs, kind)
        new = Ref([Alt(a.guard, a.obj, a.path + (step,)) for a in ref.alts], "")
        self.read(new, node)
        return new

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

    # -- resolving what only the run can tell ------------------------------
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
        del self.state.pending[at:]
        self.replace(ref, new)
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
            copy = Obj(VALUE if self.kind_of(made) == VALUE else UNKNOWN, hint,
                       holds=self.holds_items(made),
                       discrete=alt.obj.discrete)
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

    def replace(self, old, new):
        from .values import map_leaves
        state = self.state

        def swap(leaf):
            return new if leaf is old else leaf
        for name, value in list(state.env.items()):
            state.env[name] = map_leaves(value, swap)
        state.pending = [map_leaves(v, swap) for v in state.pending]

    # -- writing ------------------------------------------------------------
    def write(self, target, index, value, node):
        """`target[index] = value`."""
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
            self.write_alt(alt, index, value, node, target.hint)
            return Const(None)
        self.dispatch(target, act, node)

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

    def where(self, node):
        import os
        loc = self.lowerer.loc_of(node)
        return f"{os.path.basename(loc.filename)}:{loc.lineno}"

    def write_alt(self, alt, index, value, node, hint, whole=False):
        """`value` written at `index` of alt's value (with `whole`: `value` is the whole
        new value of the view), stored back through its path into its object."""
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
            new = self.b.emit(runtime.set_item, [levels[-1], index, value])
            if hint or not alt.path:
                self.b.name(new, hint if alt.path else obj.hint)
        for k in range(len(alt.path) - 1, -1, -1):
            new = self.write_back(alt.path[k], levels[k], new, node)
            self.b.name(new, obj.hint if k == 0 else hint)
        self.state.heap[obj] = new
        self.written.add(obj)

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
        if e is not None and e.item:
            self.refuse(node, f"a write into `{hint}`, an item of a list or tuple built at "
                        f"run time (read at line {e.line}): it may be an array other names "
                        "hold", f"write into a copy: {hint} = {hint}.copy()")
        if e is not None and e.line is not None and self.lowerer.containers_seen():
            self.refuse(node, f"a write into `{hint}` after it, or a view of it, was put "
                        f"into a list built at run time (line {e.line}) that is looked at "
                        "later: the list would show the write", "append a .copy(), or make "
                        "a new array before writing")
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
                written = self.overwritten(self.state.heap[alt.obj], new)
                self.state.heap[alt.obj] = written
                self.written.add(alt.obj)
                self.b.name(written, name)
            return Const(None)

        def rebound():
            rebind(new)
            return Const(None)

        def act(alt):
            if alt.path or alt.obj.kind == ARRAY:
                return in_place(alt)   # a view (resolved: an ndarray), or an array
            if alt.obj.kind == VALUE or not self.shared(alt.obj, holder):
                return rebound()   # a number, or an array nothing else sees: the same
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
            rebind(new)
            for h, ref in self.state.holdings():
                if h == holder:
                    for a in ref.alts:
                        if not a.path and self.state.heap.get(a.obj) is new:
                            a.obj.kind = VALUE
            return Const(None)
        self.dispatch(target, act, node, narrow=True)

    def shared(self, obj, holder=None):
        """Whether anything but `holder` reaches `obj` (another name, an item of a list,
        a view of it, a list built at run time)."""
        if obj in self.state.escaped or obj.external or obj in self.stand_ins:
            return True
        for h, ref in self.state.holdings():
            for a in ref.alts:
                if a.obj is obj and (h != holder or a.path):
                    return True
        return False

    def coalesce(self, node):
        """Holders that hold alike (the same alternatives, under the same guards) objects
        nothing else reaches hold, in their place, one new object with the value of
        whichever of them holds: no one can tell them apart. (At a loop's back edge this
        keeps what it carries from growing: the array a name held in an earlier
        iteration, and no other, is its own; `a /= 2` of a name and of the value it
        returns, an array or a new number, is one object.)"""
        from .values import map_leaves
        holders, groups = {}, {}
        for h, ref in self.state.holdings():
            for a in ref.alts:
                holders.setdefault(a.obj, set()).add((h, bool(a.path)))
            if ref.single or isinstance(h[0], str) and h[0].startswith("<pending"):
                continue
            key = tuple((operand_key(a.guard), a.obj.id, path_key(a.path)) for a in ref.alts)
            groups.setdefault(key, (ref, []))[1].append(h)
        for ref, group in groups.values():
            alike = {(h, False) for h in group}
            own = [a for a in ref.alts if not a.path and holders[a.obj] == alike and
                   not a.obj.external and a.obj not in self.state.escaped]
            if len(own) < 2:
                continue
            rest = [a for a in ref.alts if a not in own]
            value = self.read(Ref(own, ref.hint), node)
            kinds = {a.obj.kind for a in own}
            obj = Obj(kinds.pop() if len(kinds) == 1 else UNKNOWN, ref.hint or "t",
                      discrete=all(a.obj.discrete for a in own),
                      holds=any(self.may_hold_items(a.obj) for a in own))
            for a in own:
                if a.obj in self.stand_ins:
                    self.stand_ins[obj] = self.stand_ins[a.obj]
            self.state.heap[obj] = value
            guard = TRUE
            if rest:
                guard = own[0].guard
                for a in own[1:]:
                    guard = self.b.emit(operator.or_, [guard, a.guard])
                    self.bools.add(guard)
            new = Ref(rest + [Alt(guard, obj)], ref.hint)
            for name, k in group:
                leaves = iter(range(10 ** 9))
                self.state.env[name] = map_leaves(
                    self.state.env[name], lambda leaf: new if next(leaves) == k else leaf)

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
    if op.prim in (P.CALL_USER, P.OPAQUE_CALL):
        return not (getattr(op.attrs.get("callee"), "__module__", None) or
                    "").startswith("numpy")
    fn = op.prim.impl
    return fn in (operator.getitem, operator.add, operator.mul, operator.iadd,
                  operator.imul) or getattr(fn, "__module__", None) == "builtins"


def holder_name(holder):
    """The user's name of an environment place ((key, leaf), a key being a name or
    (frame, name)), or None."""
    if holder is None:
        return None
    key = holder[0]
    name = key[1] if isinstance(key, tuple) else key
    return None if not isinstance(name, str) or name.startswith("<") else name


__all__ = ["Memory", "holder_name", "index_view", "view_kind", "CONSTRUCTORS", "TRUTH_OPS"]
