"""What a loop carries from one iteration to the next, found by lowering its body.

A Loop's body is a function of its carried values. Here they are the memory at
the head of an iteration: the versions of the objects the loop writes, and, for
each name the loop binds anew, what it holds — in the simple case a new object
each iteration (`x = x * a`: one carried value, as in plain SSA), in general a
set of alternatives (an object it held on entry, one made in an earlier
iteration), each with a carried guard saying which one holds, and the carried
operands of its view's path (`r = A[i]`).

The head is found by a fixed point: lower the body from a plan, describe the
memory at its end in the plan's terms (`Head.describe`), and widen the plan
where the end has something it lacks. The first plan is usually right (each
name the loop assigns holds a new object each iteration), so the body is usually
lowered once. An object made inside the body is known at the end by the first
holder (in sorted order) that holds it, which is where it goes at the next head:
that holder's *slot*.

Numbers and other values that are never arrays (heap.VALUE) cannot be written
through, so whoever else holds one, each holder keeps its own.
"""

import itertools
from collections import Counter

from ..ir.core import Const, Var
from .heap import (FALSE, LIST, TRUE, UNKNOWN, VALUE, Alt, Obj, Ref, State, joined_external,
                   path_skeleton, same_value)
from .values import DictValue, flatten, ident_of, map_leaves, set_leaf

KEEP = "keep"
_MAX_ALTERNATIVES = 6


class Spec:
    """One alternative a holder may hold at the head: `objkey` is ("entry", Obj) for an
    object from before the loop or ("slot", holder[, n]) for one made in an earlier
    iteration; `alt` gives the path's steps (and, from the entry, their operands);
    `start` is its guard on entry."""

    __slots__ = ("objkey", "skeleton", "alt", "start")

    def __init__(self, objkey, alt, start=FALSE):
        self.objkey = objkey
        self.skeleton = path_skeleton(alt.path)
        self.alt = alt
        self.start = start

    def key(self):
        return (self.objkey, self.skeleton)


_PLAIN = Alt(TRUE, None)


class Head:
    """The plan of a loop's head and its instances (see the module docstring).

    `entry`: the State before the loop, its environment cut down to what the loop
    and the code after it read; `assigned`: the names the loop may bind anew;
    `written`: names the loop may write into, a guess of which objects' versions it
    carries (checked after each lowering); `after`: the names read after the loop;
    `returned`: the name of the value a return inside it gives."""

    def __init__(self, memory, entry, assigned, written, after, returned=()):
        self.mem = memory
        self.entry = entry
        self.trees, self.holders, self.leaves, self.hints = {}, [], {}, {}
        for name in sorted(entry.env, key=str):
            value = entry.env[name]
            leaves, tree = flatten(value)
            self.trees[name] = tree
            labels = _leaf_labels(name, value)
            for k, leaf in enumerate(leaves):
                self.holders.append((name, k))
                self.leaves[(name, k)] = leaf
                self.hints[(name, k)] = labels[k]
        self.entry_objects = set(entry.reachable())
        self.slot_inits = {}      # slot key -> its version at entry (None: read it then)
        self.watch = {}           # holder -> entry objects whose writes undo its adoption
        self.inherited = {}       # slot key -> what its entry object stood in for
        # Holders that carry their value, not its identity: what they hold is theirs at
        # each head, which is exact as long as nothing is written into it (or into what
        # it shares), checked after each lowering (`finish`, `check_adoptions`).
        self.copying = set()
        self.stand_in = set()     # ... of them, those whose value others may share
        # (a holder read after the loop carries the identity of an array it shares on
        # entry: after the loop, what it holds may still be that array)
        self.after = after
        self.returned = set(returned)   # the holder of the value a return in it gives
        self.plan = {h: self.entry_specs(h, tentative=h[0] not in after)
                     if h[0] in assigned and _may_change(self.leaves[h]) else KEEP
                     for h in self.holders}
        self.copying = {h for h in self.holders if self.plan[h] is not KEEP}
        self.stand_in = set(self.watch)
        self.carried_objects = {a.obj for h in self.holders if h[0] in written
                                for a in self.alts_at_entry(h)} & self.entry_objects
        self.slots = {}
        self.escaped = {}         # objkey -> Escape: objects a list holds at the head
        # slot key -> (kind, ndim) of what it holds: assumed from its entry value, and
        # checked against what each iteration leaves in it (`check_kinds`)
        self.slot_kinds = {}
        # slot key -> whether it may hold a list built at run time or items of one
        # (Obj.holds), from its entry value and what each iteration leaves in it
        self.slot_holds = {}
        # slot key -> heap.Obj's `external` of an array of the module it may hold (one an
        # iteration leaves in it): never written into, as that array is not
        self.slot_external = {}

    # -- the plan -------------------------------------------------------------
    def alts_at_entry(self, h):
        leaf = self.leaves[h]
        return leaf.alts if isinstance(leaf, Ref) else ()

    def entry_specs(self, h, tentative=False):
        """How holder h starts: with its entry objects, or with a slot of its own that
        takes its entry value (adopted: where nothing else holds it, or, tentatively,
        where the loop will turn out never to write into it)."""
        leaf, slot = self.leaves[h], ("slot", h)
        if not isinstance(leaf, Ref):
            self.slot_inits[slot] = leaf
            return [Spec(slot, _PLAIN, TRUE)]
        own = [a for a in leaf.alts if not a.path and (a.obj.kind == VALUE or
                                                       self.only_holder(a.obj, h))]
        if leaf.single and own:
            self.adopt(h, own[0].obj)
            return [Spec(slot, _PLAIN, TRUE)]
        if tentative:
            self.watch[h] = {a.obj for a in leaf.alts}
            self.slot_inits[slot] = None
            return [Spec(slot, _PLAIN, TRUE)]
        # an object only h holds (a copy, a number): h's slot from the start, under each
        # guard h holds it with (it may be more than one of h's alternatives)
        mine = [a for a in leaf.alts if own and a.obj is own[0].obj and not a.path]
        specs = [Spec(("entry", a.obj), a, a.guard) for a in leaf.alts if a not in mine]
        if own:
            self.adopt(h, own[0].obj)
            specs.append(Spec(slot, _PLAIN, self.mem.either([a.guard for a in mine])))
        return specs

    def adopt(self, h, obj):
        """h's slot starts with obj's value; obj is h's alone (or a number: its value
        is all there is to it), so nothing else needs obj at the head."""
        self.slot_inits[("slot", h)] = self.entry.heap[obj]
        if obj in self.mem.stand_ins:   # (the caller's array, for a callee's summary)
            self.inherited[("slot", h)] = self.mem.stand_ins[obj]
        if self.only_holder(obj, h):
            self.entry_objects.discard(obj)

    def only_holder(self, obj, holder):
        if obj.external or obj in self.entry.escaped:
            return False
        return all(h == holder and not a.path for h, ref in self.entry.holdings()
                   for a in ref.alts if a.obj is obj)

    def widen(self, description):
        """Make the plan cover `description` (from `describe`); True if it changed."""
        changed = False
        for h in self.holders:
            specs = description.get(h)
            if specs is None:
                continue
            if self.plan[h] is KEEP:
                self.plan[h] = self.entry_specs(h)
                changed = True
            known = Counter(s.key() for s in self.plan[h])
            wanted = Counter()
            for s in specs:
                if s.objkey[0] == "entry" and s.objkey[1] not in self.entry_objects:
                    # an object from before the loop that h has just adopted: h's slot
                    s = Spec(("slot", h), s.alt)
                wanted[s.key()] += 1
                if wanted[s.key()] > known[s.key()]:
                    self.plan[h].append(Spec(s.objkey, s.alt, FALSE))
                    known[s.key()] += 1
                    changed = True
            if len(self.plan[h]) > _MAX_ALTERNATIVES:
                self.too_many = h
        return changed

    too_many = None   # a holder with more alternatives than a loop carries

    def check_adoptions(self, written):
        """Holders that carry their value but whose arrays (or arrays they share) the loop
        wrote into after all carry their identity from now on (h starts with its entry
        objects, and gets a slot only for what the loop makes); True if any changed."""
        changed = False
        for h in sorted(self.copying, key=str):
            stood_in = any(self.mem.stand_ins.get(obj) == h for obj in written)
            if self.watch.get(h, set()) & written or stood_in or h in self.unsafe:
                self.make_precise(h)
                changed = True
        for h in sorted(self.needs_stand_in - self.stand_in, key=str):
            if h in self.copying:
                self.stand_in.add(h)
                changed = True
        return changed

    def make_precise(self, h):
        self.copying.discard(h)
        self.stand_in.discard(h)
        self.watch.pop(h, None)
        self.slot_inits[("slot", h)] = Const(None)
        rest = [s for s in self.plan[h] if s.objkey[0] != "slot" or s.objkey[1] != h]
        specs = self.entry_specs(h)
        known, wanted = Counter(s.key() for s in specs), Counter()
        for s in rest:
            if s.objkey[0] == "entry" and s.objkey[1] not in self.entry_objects:
                continue   # adopted just now: h's slot, which entry_specs gave
            wanted[s.key()] += 1
            if wanted[s.key()] > known[s.key()]:
                specs.append(s)
                known[s.key()] += 1
        self.plan[h] = specs

    unsafe = frozenset()
    needs_stand_in = frozenset()

    def finish(self, mem, end, written, node):
        """At the end of the body: each copying holder's value, read, becomes an object
        of its own (its slot at the next head). A copying holder that shares an array
        with a holder carrying identities, holds an array from before the loop that
        the loop writes into, or holds what another holder's slot stands in for, must
        carry its identity too (`unsafe`); copying holders
        sharing arrays stand in for them (`needs_stand_in`)."""
        reach = {}
        for h in self.holders:
            leaf = _leaf_at(end.env, h)
            if isinstance(leaf, Ref):
                for a in leaf.alts:
                    reach.setdefault(a.obj, set()).add(h)
        unsafe, share = set(), set()
        for h in self.copying:
            leaf = _leaf_at(end.env, h)
            if not isinstance(leaf, Ref):
                continue
            for a in leaf.alts:
                others = reach[a.obj] - {h}
                if a.obj.kind == VALUE and not a.path:
                    continue
                stood = mem.stand_ins.get(a.obj)
                if a.obj in end.escaped:
                    unsafe.add(h)   # a list holds it: a copy would not be what it holds
                elif stood != h and (stood in self.watch or isinstance(stood, tuple) and
                                     stood[0] == "<caller>" and
                                     stood != self.inherited.get(("slot", h))):
                    # what another holder's slot stands in for (an array from before the
                    # loop that others hold, a caller's array): h may hold that array from
                    # the next iteration on (`acc, u = u, acc`), so a write through h
                    # must reach it
                    unsafe.add(h)
                elif a.obj in self.entry_objects:
                    # an array from before the loop (or a view of one): written in the
                    # loop, or after it through h or through its other holders, it and
                    # h's value must stay one
                    unsafe.add(h)
                elif any(self.plan[o] is not KEEP and o not in self.copying for o in others):
                    unsafe.add(h)          # shared with a holder whose arrays are followed
                elif others and len(sharing := ({h[0]} | {o[0] for o in others}) -
                                    self.returned) > 1 and sharing & self.after:
                    # shared with a holder read after the loop (where a write through one
                    # must reach the other; not the value a return gives, read only
                    # where the loop returned, when nothing after it runs)
                    unsafe.add(h)
                elif others:
                    share |= others | {h}
        self.unsafe, self.needs_stand_in = unsafe, share
        for h in sorted(self.copying - unsafe, key=str):
            leaf = _leaf_at(end.env, h)
            if isinstance(leaf, Ref):
                value = mem.read(leaf, node)
                obj = Obj(_joined_kind(leaf), self.hints[h],
                          holds=any(mem.may_hold_items(a.obj) for a in leaf.alts),
                          external=joined_external(leaf.alts))
                mem.state.heap[obj] = value
                stood = next((mem.stand_ins[a.obj] for a in leaf.alts
                              if a.obj in mem.stand_ins), None)
                if stood is not None:
                    mem.stand_ins[obj] = stood
                set_leaf(mem.state.env, h, Ref([Alt(TRUE, obj)], self.hints[h]))

    # -- instances ------------------------------------------------------------
    def layout(self, read_entry):
        """The carried values, [(key, init, hint)]; makes this attempt's slot objects.
        `read_entry(holder)` reads a tentatively adopted holder's value before the loop."""
        items, self.slots = [], {}
        for h in self.holders:
            specs = self.plan[h]
            if specs is KEEP:
                continue
            for j, s in enumerate(specs):
                if s.objkey[0] == "slot" and s.objkey not in self.slots:
                    placeholder = s.objkey not in self.slot_inits   # holds only later
                    init = self.slot_inits.get(s.objkey, Const(None))
                    if init is None:
                        init = self.slot_inits[s.objkey] = read_entry(s.objkey[1])
                    hint = self.hints.get(s.objkey[1], "t")
                    if s.objkey not in self.slot_kinds:   # what its value is on entry
                        # (None: nothing, a placeholder where it holds only later)
                        self.slot_kinds[s.objkey] = (None, None) if placeholder \
                            else self.kind(init)
                    if s.objkey not in self.slot_holds:
                        entry = _leaf_at(self.entry.env, s.objkey[1])
                        self.slot_holds[s.objkey] = self.mem.holds_items(init) or \
                            isinstance(entry, Ref) and any(a.obj.kind == LIST or a.obj.holds
                                                           for a in entry.alts)
                    self.slots[s.objkey] = Obj(self.slot_kinds[s.objkey][0] or UNKNOWN, hint,
                                               holds=self.slot_holds[s.objkey],
                                               external=self.slot_external.get(s.objkey,
                                                                               False))
                    if s.objkey[1] in self.stand_in:   # stands for an object others hold
                        self.mem.stand_ins[self.slots[s.objkey]] = s.objkey[1]
                    elif s.objkey in self.inherited:
                        self.mem.stand_ins[self.slots[s.objkey]] = self.inherited[s.objkey]
                    items.append((("version", s.objkey), init, hint))
                if len(specs) > 2 or len(specs) == 2 and j == 0:
                    # of two alternatives, the second holds where the first does not
                    items.append((("guard", h, j), s.start, self.hints[h] + "_is"))
                for p, x in enumerate(_operands(s.alt.path)):
                    # a path's operands from the entry where it holds there (else unused)
                    init = x if s.start is not FALSE else Const(None)
                    items.append((("operand", h, j, p), init, "index"))
        for obj in sorted(self.carried_objects, key=lambda o: o.id):
            items.append((("version", ("entry", obj)), self.entry.heap[obj], obj.hint))
        return items

    def bind(self, items, values):
        """The State at the head, with `values` (params, or the Loop's results) for the
        carried items."""
        value_of = {key: v for (key, _, _), v in zip(items, values)}
        heap = {o: v for o, v in self.entry.heap.items() if o in self.entry_objects}
        for key, v in value_of.items():
            if key[0] == "version":
                objkey = key[1]
                heap[self.slots[objkey] if objkey[0] == "slot" else objkey[1]] = v
        env = {}
        for name, tree in self.trees.items():
            leaves = []
            for k in range(len(flatten(self.entry.env[name])[0])):
                h = (name, k)
                specs = self.plan[h]
                if specs is KEEP:
                    leaves.append(self.leaves[h])
                    continue
                alts = []
                for j, s in enumerate(specs):
                    obj = self.slots[s.objkey] if s.objkey[0] == "slot" else s.objkey[1]
                    guard = TRUE if len(specs) == 1 else \
                        self.mem.negate(value_of[("guard", h, 0)]) if len(specs) == 2 and j else \
                        value_of[("guard", h, j)]
                    ops = [value_of[("operand", h, j, p)]
                           for p in range(len(_operands(s.alt.path)))]
                    alts.append(Alt(guard, obj, _with_operands(s.alt.path, ops)))
                leaves.append(Ref(alts, self.hints[h]))
            # (the lists and dicts keep their identity: `xs.append` read before a loop
            # in the same expression, `xs.append(sum(t for t in w))`, appends to xs)
            it = iter(leaves)
            env[name] = map_leaves(self.entry.env[name], lambda _: next(it)) \
                if tree is not None else leaves[0]
        escaped = dict(self.entry.escaped)
        for objkey, e in self.escaped.items():
            obj = self.slots.get(objkey) if objkey[0] == "slot" else objkey[1]
            if obj is not None:
                escaped[obj] = e.join(escaped.get(obj))
        return State(env, heap, self.entry.cache, escaped)

    # -- the end of an iteration, in the head's terms -------------------------
    def describe(self, end):
        """({holder: [Spec]}, None) for the memory at the end of the body; (None, (holder,
        why)) where a holder ends with something a loop cannot carry.

        Objects from before the loop keep their identity. An object that was a slot at
        the head keeps that slot where it can; an object made in the body goes to the
        slot of a holder that holds it alone, else of the first that holds it (a name of
        its own where that slot is taken)."""
        for name, tree in self.trees.items():
            if flatten(end.env.get(name, Const(None)))[1] != tree:
                return None, (name, "structure")
        leaves = {}
        for h in self.holders:
            leaf = _leaf_at(end.env, h)
            if self.plan[h] is KEEP and same_value(leaf, self.leaves[h]):
                continue
            if not isinstance(leaf, (Ref, Const, Var)):
                return None, (h, "value")
            leaves[h] = leaf
        taken, key_of = set(), {}
        slot_key = {obj: key for key, obj in self.slots.items()}

        def private(h, leaf):   # a number held alone: the holder's own slot
            return not isinstance(leaf, Ref) or leaf.single and not leaf.alts[0].path and \
                leaf.alts[0].obj.kind == VALUE
        for h, leaf in leaves.items():
            if private(h, leaf):
                taken.add(("slot", h))
        for h, leaf in leaves.items():
            if private(h, leaf):
                continue
            for alt in leaf.alts:
                key = slot_key.get(alt.obj)
                if key is not None and alt.obj not in key_of and key not in taken:
                    key_of[alt.obj] = key
                    taken.add(key)
        order = sorted(leaves, key=lambda h: (not (isinstance(leaves[h], Ref) and
                                                   leaves[h].single), str(h)))
        for h in order:
            leaf = leaves[h]
            if private(h, leaf):
                continue
            for alt in leaf.alts:
                if alt.obj in self.entry_objects or alt.obj in key_of:
                    continue
                key, n = ("slot", h), 1
                while key in taken:
                    key, n = ("slot", h, n), n + 1
                key_of[alt.obj] = key
                taken.add(key)
        out = {}
        for h, leaf in leaves.items():
            if private(h, leaf):
                out[h] = [Spec(("slot", h), leaf.alts[0] if isinstance(leaf, Ref) else _PLAIN)]
                continue
            out[h] = [Spec(("entry", a.obj) if a.obj in self.entry_objects else key_of[a.obj], a)
                      for a in leaf.alts]
        self.end_escaped = {}
        for h, specs in out.items():
            for spec in specs:
                e = end.escaped.get(spec.alt.obj)
                if e is not None and e.stronger(self.escaped.get(spec.objkey)):
                    self.end_escaped[spec.objkey] = e.join(self.escaped.get(spec.objkey))
        for obj, e in end.escaped.items():
            if obj in self.entry_objects and e.stronger(self.escaped.get(("entry", obj))):
                self.end_escaped[("entry", obj)] = e.join(self.escaped.get(("entry", obj)))
        return out, None

    def widen_escapes(self):
        """Objects a list holds at the end of an iteration are held at the next head;
        True if that is news."""
        news = {k: e for k, e in self.end_escaped.items() if e.stronger(self.escaped.get(k))}
        self.escaped.update(news)
        return bool(news)

    def fits(self, description):
        return all(self.plan[h] is not KEEP and
                   not Counter(s.key() for s in specs) - Counter(s.key() for s in self.plan[h])
                   for h, specs in description.items())

    def kind(self, value):
        """(kind, ndim) of an operand (the placeholder None: nothing known yet)."""
        if isinstance(value, Const) and value.value is None:
            return (UNKNOWN, None)
        return (self.mem.kind_of(value), self.mem.dims.ndim(value))

    def item_ndim(self, key, init):
        """The dimensions of a carried item at the head (for the lowering's questions)."""
        if key[0] == "version" and key[1][0] == "slot":
            return self.slot_kinds.get(key[1], (None, None))[1]
        if key[0] == "guard":
            return 0
        return self.mem.dims.ndim(init)

    def check_kinds(self, end, description):
        """Whether what the body leaves in each slot is of the kind assumed for it; where
        not, the kinds the two agree on are assumed next (True)."""
        from ..ir.dims import join
        changed = False
        ends = {}
        for h, specs in description.items():
            for s in specs:
                if s.objkey[0] != "slot":
                    continue
                obj = s.alt.obj
                got = self.kind(end.heap[obj]) if obj is not None else \
                    self.kind(_leaf_at(end.env, h))
                if obj is not None and obj.kind != UNKNOWN:
                    got = (obj.kind, got[1])
                ends.setdefault(s.objkey, []).append(got)
                holds = obj is not None and (obj.kind == LIST or obj.holds or
                                             self.mem.holds_items(end.heap[obj]))
                if holds and not self.slot_holds.get(s.objkey):
                    self.slot_holds[s.objkey] = changed = True
                if obj is not None and obj.external and not self.slot_external.get(s.objkey):
                    self.slot_external[s.objkey] = obj.external
                    changed = True
        for key, kinds in ends.items():
            old = self.slot_kinds.get(key, (None, None))
            kind, nd = old
            if kind is None:   # nothing in it on entry: what the iterations leave in it
                kind, nd = kinds[0]
            for k, n in kinds:
                kind = kind if kind == k else UNKNOWN
                nd = join(nd, n) if nd is not None and n is not None and nd == n else None
            if (kind, nd) != old:
                self.slot_kinds[key] = (kind, nd)
                changed = True
        return changed

    def results(self, items, end, description, params):
        """What the body yields for each carried item (its param where nothing changed)."""
        made = {}
        for specs in description.values():
            for s in specs:
                if s.alt.obj is not None:
                    made.setdefault(s.objkey, s.alt.obj)
        out = []
        for (key, _, _), param in zip(items, params):
            if key[0] == "version":
                objkey = key[1]
                if objkey[0] == "entry":
                    out.append(end.heap.get(objkey[1], param))
                elif objkey in made:
                    out.append(end.heap.get(made[objkey], param))
                else:   # a plain value (a constant) at the end, or nothing new
                    leaf = _leaf_at(end.env, objkey[1]) if len(objkey) == 2 else None
                    out.append(leaf if isinstance(leaf, (Const, Var)) and
                               objkey[1] in description else param)
                continue
            h, j = key[1], key[2]
            spec = self.plan[h][j]
            specs = description.get(h)
            if specs is None:   # the holder ends as it started
                out.append(param)
                continue
            # the n-th alternative of the plan with this key takes the n-th one of the end
            # (a holder may hold one array twice, under two guards or at two paths alike:
            # which of the two carried alternatives takes which is the plan's choice)
            n = sum(1 for s in self.plan[h][:j] if s.key() == spec.key())
            match = next(itertools.islice((s for s in specs if s.key() == spec.key()), n, None),
                         None)
            if key[0] == "guard":
                out.append(FALSE if match is None else
                           match.alt.guard if len(specs) > 1 else TRUE)
            else:
                out.append(_operands(match.alt.path)[key[3]] if match is not None else param)
        return out


def _joined_kind(ref):
    kinds = {a.obj.kind for a in ref.alts if not a.path}
    return kinds.pop() if len(kinds) == 1 and all(not a.path for a in ref.alts) else UNKNOWN


def _may_change(leaf):
    """Whether a loop can carry this leaf (not a function or another static value)."""
    return isinstance(leaf, (Ref, Const, Var))


def _leaf_labels(key, value):
    """A name for each leaf of `value` (`params_w` for params["w"]), held at the
    environment's `key` (a name, (frame, name), or a pseudo-name such as `<iterable ...>`,
    whose leaves keep their own hints)."""
    name = key[1] if isinstance(key, tuple) else key
    leaves, tree = flatten(value)
    if not isinstance(name, str) or name.startswith("<"):
        return [ident_of(getattr(leaf, "hint", "") or "t") for leaf in leaves]
    if tree is None:
        return [str(name)]
    if isinstance(value, DictValue) and all(t is None for t in tree[-1]):
        return [ident_of(f"{name}_{k}") for k in value.keys]
    return [ident_of(f"{name}_{k}") for k in range(len(leaves))]


def _operands(path):
    return [x for step in path for x in step.operands()]


def _with_operands(path, ops):
    out, k = [], 0
    for step in path:
        n = len(step.operands())
        out.append(step.with_operands(ops[k:k + n]))
        k += n
    return tuple(out)


def _leaf_at(env, h):
    name, k = h[0], h[1]
    if name not in env:
        return Const(None)
    leaves = flatten(env[name])[0]
    return leaves[k] if k < len(leaves) else Const(None)
