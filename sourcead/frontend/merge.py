"""Joining the memory of two branches: the results of an If.

After `if c: ... else: ...` each name may hold different things in the two
branches, and each object may have been written in one of them. `branch` lowers
the two sides from copies of the state and `join` makes one state of them, with an
If whose results are the values that differ (the phis):

- a name bound to a new value in either branch (each seen by nothing else) holds a
  new object whose version is the If's result: plain SSA, as before sharing was
  modelled;
- a name that holds *shared* objects that differ (`z = y` in one branch, a copy
  in the other) holds both as alternatives, each with a guard (an If result) that
  says which one the run took; its value is kept too, so that reading it costs a
  plain If result;
- an object written in a branch gets the If's result as its version, whatever
  names reach it: every alias and view sees the write.
"""

from ..ir.core import Block, Const, If, Var
from ..ir.dims import join
from .heap import (FALSE, TRUE, UNKNOWN, VALUE, Alt, Obj, Ref, State, holder_name,
                   join_escapes, joined_external, path_skeleton, same_value, value_key)
from .values import DictValue, ListValue, Static, TupleValue, flatten

_MISSING = object()


def branch(lw, cond, then_fn, else_fn, node, live=None):
    """Lower then_fn() and else_fn() in the two branches of an If on `cond`; continue
    from the joined state. Returns the join of what the two functions returned."""
    mem, b = lw.memory, lw.builder
    if isinstance(cond, Const):
        return (then_fn if cond.value else else_fn)()
    base = mem.state
    sides = []
    for fn in (then_fn, else_fn):
        mem.state = base.copy()
        stmts, value = b.collect(fn)
        sides.append((stmts, mem.state, value))
    mem.state = base
    return Join(lw, cond, sides, node, live).run()


class Join:
    """One join of two branch states (see the module docstring)."""

    def __init__(self, lw, cond, sides, node, live):
        self.lw = lw
        self.b = lw.builder
        self.mem = lw.memory
        self.cond = cond
        self.sides = sides        # [(stmts, State, value)] for then and else
        self.node = node
        self.live = live
        self.phis = []            # (out Var, then operand, else operand)
        self.values = {}          # cache key function -> (If result, joined reference)

    # -- entry --------------------------------------------------------------
    def run(self):
        (_, s1, v1), (_, s2, v2) = self.sides
        base = self.mem.state
        names = self.live if self.live is not None else set(s1.env) | set(s2.env)
        env = {}
        for n in sorted(names, key=str):
            a, b = s1.env.get(n, _MISSING), s2.env.get(n, _MISSING)
            if a is _MISSING and b is _MISSING:
                continue
            hint = holder_name((n, 0)) or getattr(a, "hint", "") or getattr(b, "hint", "") or "t"
            env[n] = self.value(a, b, hint, (n, 0))
        value = self.value(v1, v2, "t", None) if (v1 is not None or v2 is not None) else None
        pending = [self.value(a, b, "t", (f"<pending {k}>", 0))
                   for k, (a, b) in enumerate(zip(s1.pending, s2.pending))]
        state = State(env, {}, base.cache, join_escapes(s1.escaped, s2.escaped), pending)
        probe = State(env, pending=pending + ([value] if value is not None else []))
        for obj in probe.reachable():
            va, vb = s1.heap.get(obj, Const(None)), s2.heap.get(obj, Const(None))
            state.heap[obj] = self.phi(va, vb, obj.hint)
        for obj, va in s1.heap.items():
            # what nothing holds but neither branch changed stays, for the values the
            # lowering itself still holds (an operand not yet read while another is)
            if obj not in state.heap and s2.heap.get(obj) is va:
                state.heap[obj] = va
        self.emit()
        self.mem.state = state
        for key, (out, parts) in self.values.items():
            state.cache[key(state)] = out
        return value

    def emit(self):
        (s1, _, _), (s2, _, _) = self.sides
        if not self.phis and not s1 and not s2:
            return
        outs = [p[0] for p in self.phis]
        self.b.append(If(self.cond, Block([], s1, [p[1] for p in self.phis]),
                         Block([], s2, [p[2] for p in self.phis]), outs,
                         loc=self.lw.loc_of(self.node)))

    # -- phis ---------------------------------------------------------------
    def phi(self, a, b, hint):
        if a is b or isinstance(a, Const) and isinstance(b, Const) and a == b and \
                type(a.value) is type(b.value):
            return a
        if a is TRUE and b is FALSE and self.mem.is_truth(self.cond):
            return self.cond   # true where the If took its first branch: its condition
        if a is FALSE and b is TRUE and self.mem.is_truth(self.cond):
            return self.mem.negate(self.cond)
        out = Var(hint if not (isinstance(a, Var) and a.is_temp and
                               isinstance(b, Var) and b.is_temp) else "t",
                  is_temp=hint == "t")
        self.phis.append((out, a, b))
        dims = self.mem.dims
        dims.nd[out] = join(dims.joinable(a), dims.joinable(b))
        return out

    def in_side(self, k, fn):
        """fn() lowered at the end of branch k (its statements, its state)."""
        stmts, state, value = self.sides[k]
        mem, b = self.mem, self.b
        saved_state, saved_stmts = mem.state, b.stmts
        mem.state, b.stmts = state, stmts
        try:
            return fn()
        finally:
            mem.state, b.stmts = saved_state, saved_stmts

    # -- values -------------------------------------------------------------
    def value(self, a, b, hint, holder):
        """The join of a and b. `holder`: where the value is held, (name, first leaf's
        index), or None for a value that no name holds yet."""
        if a is _MISSING or b is _MISSING:
            # bound on one path only: reading it on the other is Python's NameError
            present = b if a is _MISSING else a
            if not isinstance(present, (Ref, Var, Const)):
                return present
            a = Const(None) if a is _MISSING else a
            b = Const(None) if b is _MISSING else b
        if same_value(a, b):
            return a
        if isinstance(a, (DictValue, TupleValue)) or isinstance(b, (DictValue, TupleValue)):
            return self.container(a, b, hint, holder)
        if isinstance(a, (Var, Const)) and isinstance(b, (Var, Const)):
            out = self.phi(a, b, hint)   # a value in either branch
            # (an array of the module on either side: what the join gives may be that
            # array, which is never written into, `u = X if c else OFFSET; u /= 2`)
            outside = next((e for e in (self.mem.is_external(x) for x in (a, b)
                                        if isinstance(x, Var)) if e), False)
            if outside and isinstance(out, Var):
                self.mem.outside[out] = outside
            return self.as_ref(None, out, hint) if holder is not None else out
        if isinstance(a, (Ref, Var, Const)) and isinstance(b, (Ref, Var, Const)):
            return self.ref(self.as_ref(0, a, hint), self.as_ref(1, b, hint), hint, holder)
        what = "a function" if isinstance(a, Static) or isinstance(b, Static) else \
            "values of different kinds"
        self.lw.refuse(self.node, f"`{hint}`: {what} chosen by which way an if goes",
                       "give it the same kind of value in both branches")

    def as_ref(self, k, value, hint):
        """A reference for an operand held in branch k (None: after the If), a new
        object."""
        if isinstance(value, Ref):
            return value
        obj = Obj(self.mem.kind_of(value), hint, holds=self.mem.holds_items(value),
                  external=self.mem.is_external(value) if isinstance(value, Var) else False)
        for state in ([self.sides[k][1]] if k is not None else [s[1] for s in self.sides]):
            state.heap[obj] = value
        return Ref([Alt(TRUE, obj)], hint)

    def container(self, a, b, hint, holder):
        same_kind = type(a) is type(b)
        if same_kind and (isinstance(a, DictValue) and a.keys == b.keys or
                          isinstance(a, TupleValue) and len(a.items) == len(b.items) and
                          (not isinstance(a, ListValue) or a.ident == b.ident)):
            items_a = a.values if isinstance(a, DictValue) else a.items
            items_b = b.values if isinstance(b, DictValue) else b.items
            labels = a.keys if isinstance(a, DictValue) else range(len(items_a))
            merged, k = [], holder[1] if holder is not None else 0
            for label, x, y in zip(labels, items_a, items_b):
                at = (holder[0], k) if holder is not None else None
                merged.append(self.value(x, y, f"{hint}_{label}" if isinstance(a, DictValue)
                                         else hint, at))
                k += len(flatten(x)[0])
            return a.with_items(merged)
        if isinstance(a, ListValue) or isinstance(b, ListValue):
            # a list that differs in length between the branches: a list at run time
            runtime_a = self.in_side(0, lambda: self.lw.runtime_value(a, self.node))
            runtime_b = self.in_side(1, lambda: self.lw.runtime_value(b, self.node))
            return self.ref(self.as_ref(0, runtime_a, hint), self.as_ref(1, runtime_b, hint),
                            hint, holder)
        self.lw.refuse(self.node, f"`{hint}`: tuples or dicts of different shapes depending "
                       "on which way an if goes", "build the same structure in both branches")

    def ref(self, ra, rb, hint, holder):
        (_, s1, _), (_, s2, _) = self.sides
        stands = {self.mem.stand_ins.get(a.obj) for a in ra.alts + rb.alts}
        if all(not a.path and self.exclusive(a.obj, s1, holder) for a in ra.alts) and \
                all(not a.path and self.exclusive(a.obj, s2, holder) for a in rb.alts) and \
                len(stands) == 1:
            # (objects standing in for different arrays stay apart: a write into one must
            # reach what it stands for, and only that)
            # new values, seen by nothing else: one new object, whichever the run made
            kinds = {a.obj.kind for a in ra.alts + rb.alts}
            discrete = all(a.obj.discrete for a in ra.alts + rb.alts)
            holds = any(self.in_side(k, lambda: any(self.mem.may_hold_items(a.obj)
                                                    for a in r.alts))
                        for k, r in ((0, ra), (1, rb)))
            obj = Obj(kinds.pop() if len(kinds) == 1 else UNKNOWN, hint, discrete=discrete,
                      holds=holds, external=joined_external(ra.alts + rb.alts))
            va = self.in_side(0, lambda: self.mem.read(ra, self.node))
            vb = self.in_side(1, lambda: self.mem.read(rb, self.node))
            version = self.phi(va, vb, hint)
            for s in (s1, s2):   # so that run() keeps the version as it is
                s.heap[obj] = version
            stand_in = next((self.mem.stand_ins[a.obj] for a in ra.alts + rb.alts
                             if a.obj in self.mem.stand_ins), None)
            if stand_in is not None:   # it may still be the array it stands in for
                self.mem.stand_ins[obj] = stand_in
            return Ref([Alt(TRUE, obj)], hint)
        groups = {}
        for k, ref in enumerate((ra, rb)):
            for alt in ref.alts:
                key = (alt.obj, path_skeleton(alt.path))
                while key in groups and groups[key][k] is not None:
                    key = key + ("again",)
                groups.setdefault(key, [None, None])[k] = alt
        alts = []
        for a, b in groups.values():
            first = a or b
            guard = self.phi(a.guard if a else FALSE, b.guard if b else FALSE, "same")
            if isinstance(guard, Var):
                self.mem.bools.add(guard)
            path = []
            for step_k, step in enumerate(first.path):
                # (where the alternative holds in one branch only, its operands may be
                # defined in that branch only: joined with placeholders)
                nothing = [Const(None)] * len(step.operands())
                ops_a = a.path[step_k].operands() if a else nothing
                ops_b = b.path[step_k].operands() if b else nothing
                path.append(step.with_operands([self.phi(x, y, "index")
                                                for x, y in zip(ops_a, ops_b)]))
            alts.append(Alt(guard, first.obj, path))
        merged = Ref(alts, hint)
        # its value now, for reading it while nothing is written (a plain If result)
        va = self.in_side(0, lambda: self.mem.read(ra, self.node))
        vb = self.in_side(1, lambda: self.mem.read(rb, self.node))
        out = self.phi(va, vb, hint)

        def key(state, merged=merged):
            return value_key(merged, state.heap)
        self.values[key] = (out, merged)
        return merged

    def exclusive(self, obj, state, holder):
        """Whether only `holder` (a name's place, or None for a value being joined) reaches
        `obj` in `state`, directly, and nothing else: then it can become a new object."""
        if obj.kind == VALUE:
            return True   # a number: whoever else holds it cannot tell
        if obj.external or obj in state.escaped:
            return False
        for h, ref in state.holdings():
            for alt in ref.alts:
                if alt.obj is obj and (h != holder or alt.path):
                    return False
        return True


__all__ = ["branch", "Join"]
