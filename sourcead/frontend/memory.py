"""NumPy's sharing, followed by construction: views, aliases, writes through either.

The model is described in heap.py. `Memory` answers the lowering's three questions
in its terms:

- *read* (here): a reference's value is its path taken from its object's current
  version (`r = A[1]`, then `A[1, 0] = 5`, then `r` reads `A_1[1]`: the view shows
  the write);
- *view* (views.py): `A[i]`, `x.T`, `x.reshape(...)` make a reference with one
  more step on the same object, so later writes reach it and writes through it
  reach the object;
- *write* (writes.py): `r[j] = v` makes a new version of r's object, stored back
  through the path; `a += v` writes into a's object where NumPy would (an array),
  and binds a new value otherwise (a number).

Where only the running program can tell (is `A[i]` a row or a number? did
np.asarray copy?), the generated code asks, and each answer keeps its own
alternative (heap.Alt) with the test as its guard. A write through a reference
with several alternatives writes into the one that holds. Nothing is decided by
looking for patterns in the source, so combinations of constructs are as right as
each one alone; what the model cannot follow (writing into a read-only view, into a
module's array) is refused with a located error. Lists built at run time, whose
items only the run knows, are brought up to date after a write by the generated
code itself (Writes.refresh_lists, sourcead/refresh.py).

This module keeps the objects, what values are known to be (`kind_of`), reading,
and the sharing questions the lowering and the loops ask (`shared`, `coalesce`).
"""

import math
import operator

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Var
from ..ir.dims import Dims
from .heap import (ARRAY, LIST, PART, TRUE, UNKNOWN, VALUE, Alt, Obj, Ref, State, operand_key,
                   path_key, value_key, holder_name)
from .views import Views, index_view, view_kind
from .writes import Writes

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


MAX_DISPATCH = 24   # alternatives one operation may branch over


class Memory(Views, Writes):
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
        self.bound_as = {}   # Obj -> {"number", "any"}: how `a op= v` bound it (Writes)
        self.dims = Dims(defs=builder.defs, lazy=True)   # what the operations tell
        self.written = set()  # the objects written into so far (loops ask what theirs wrote)
        self.ints = self.dims.ints   # loop indices (integers)
        self.bools = set()    # guards carried by loops and joined by Ifs (truth values)
        # objects standing for another one that names share, until a loop's lowering
        # shows that nothing is written into either (carry.Head): never unshared;
        # object -> the holder it stands in for
        self.stand_ins = {}
        self.outside = {}   # Var -> `external` of what it may be (a join of branches)
        self.kinds = {}      # Var -> ARRAY, VALUE, LIST or UNKNOWN
        self.containers = {}  # Var -> whether it may hold arrays others hold (holds_items)
        self.copies = {}     # (object, version, step) -> (step, the copy it made, if one)

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
        if v in self.outside:
            return self.outside[v]
        op = self.b.defs.get(v)
        if op is None:
            return False
        if op.prim in (P.LOAD_GLOBAL, P.LOAD_FREE, P.GETATTR):
            return "state"
        if op.prim is P.OPAQUE_CALL and not (getattr(op.attrs.get("callee"), "__module__",
                                                     None) or "").startswith("numpy") or \
                op.prim is P.CALL_OBJECT:
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
        if isinstance(current, Const) and current.value is None and alt.path:
            return current   # a loop's placeholder, where this alternative never holds
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
        if len(alts) > MAX_DISPATCH:
            self.refuse(node, f"`{ref.hint or 'this value'}` here, which may be any of "
                        f"{len(alts)} arrays or views, depending on the run",
                        "copy it (`x = x.copy()`) where it is made, so that it is an array "
                        "of its own")
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

    def replace(self, old, new):
        """Every holding of the reference `old` now holds `new`."""
        from .values import map_leaves
        state = self.state

        def swap(leaf):
            return new if leaf is old else leaf
        for name, value in list(state.env.items()):
            state.env[name] = map_leaves(value, swap)
        state.pending = [map_leaves(v, swap) for v in state.pending]

    # -- sharing ------------------------------------------------------------
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
        no other name reaches hold, in their place, one new object with the value of
        whichever of them holds: no one can tell them apart (a list built at run time
        that holds one of them holds the new one, for the refusal of later writes). (At a loop's back edge this
        keeps what it carries from growing: the array a name held in an earlier
        iteration, and no other, is its own; `a /= 2` of a name and of the value it
        returns, an array or a new number, is one object.)"""
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
                   not a.obj.external]
            if len(own) < 2 or len({self.stand_ins.get(a.obj) for a in own}) > 1:
                continue   # (objects standing in for different arrays stay apart)
            kinds = {a.obj.kind for a in own}
            obj = Obj(kinds.pop() if len(kinds) == 1 else UNKNOWN, ref.hint or "t",
                      discrete=all(a.obj.discrete for a in own),
                      holds=any(self.may_hold_items(a.obj) for a in own))
            if own[0].obj in self.stand_ins:
                self.stand_ins[obj] = self.stand_ins[own[0].obj]
            self.hold_as_one(obj, ref, own, group, node)
        self.coalesce_numbers(node)

    def coalesce_numbers(self, node):
        """Each holder that may hold one of several numbers (heap.VALUE: never an array,
        never written through) holds one new number in their place, its own: no one can
        tell numbers apart by what they share. (`acc += s` where s may be an array or a
        number makes a new number each iteration; without this a loop would carry one
        more each time.)"""
        for h, ref in list(self.state.holdings()):
            if isinstance(h[0], str) and h[0].startswith("<pending"):
                continue
            numbers = [a for a in ref.alts if not a.path and a.obj.kind == VALUE and
                       not a.obj.external]
            if len(numbers) < 2:
                continue
            obj = Obj(VALUE, ref.hint or "t", discrete=all(a.obj.discrete for a in numbers))
            self.hold_as_one(obj, ref, numbers, [h], node)

    def hold_as_one(self, obj, ref, merged, holders, node):
        """`holders`, which hold `ref`, hold the new `obj` in place of its alternatives
        `merged`: obj has the value of whichever of them holds, and is held by the lists
        built at run time that hold any of them (a write into it is refused as into
        them)."""
        from .values import set_leaf
        self.state.heap[obj] = self.read(Ref(merged, ref.hint), node)
        for a in merged:
            if a.obj in self.state.escaped:
                self.state.escaped[obj] = self.state.escaped[a.obj].join(
                    self.state.escaped.get(obj))
        rest = [a for a in ref.alts if a not in merged]
        guard = self.either([a.guard for a in merged]) if rest else TRUE
        new = Ref(rest + [Alt(guard, obj)], ref.hint)
        for h in holders:
            set_leaf(self.state.env, h, new)

    def either(self, guards):
        """The guard that holds where any of `guards` does."""
        out = guards[0]
        for g in guards[1:]:
            if out is TRUE or g is TRUE:
                return TRUE
            out = self.b.emit(operator.or_, [out, g])
            self.bools.add(out)
        return out


__all__ = ["Memory", "holder_name", "index_view", "view_kind", "CONSTRUCTORS", "TRUTH_OPS"]
