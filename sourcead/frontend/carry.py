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

from ..ir.core import Const, Var
from .heap import FALSE, TRUE, VALUE, Alt, Obj, Ref, State, path_skeleton, same_value
from .values import DictValue, flatten, ident_of, unflatten

KEEP = "keep"


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
    carries (checked after each lowering)."""

    def __init__(self, memory, entry, assigned, written):
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
        self.plan = {h: self.entry_specs(h, tentative=True)
                     if h[0] in assigned and _may_change(self.leaves[h]) else KEEP
                     for h in self.holders}
        self.carried_objects = {a.obj for h in self.holders if h[0] in written
                                for a in self.alts_at_entry(h)} & self.entry_objects
        self.slots = {}

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
        alt = leaf.alts[0]
        if leaf.single and not alt.path and (alt.obj.kind == VALUE or
                                              self.only_holder(alt.obj, h)):
            self.entry_objects.discard(alt.obj)
            self.slot_inits[slot] = self.entry.heap[alt.obj]
            return [Spec(slot, _PLAIN, TRUE)]
        if tentative:
            self.watch[h] = {a.obj for a in leaf.alts}
            self.slot_inits[slot] = None
            return [Spec(slot, _PLAIN, TRUE)]
        return [Spec(("entry", a.obj), a, a.guard) for a in leaf.alts]

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
            known = {s.key() for s in self.plan[h]}
            for s in specs:
                if s.key() not in known:
                    self.plan[h].append(Spec(s.objkey, s.alt, FALSE))
                    known.add(s.key())
                    changed = True
        return changed

    def check_adoptions(self, written):
        """Undo the tentative adoptions whose objects the loop wrote into after all (h
        starts with them, and gets a slot only for what the loop makes); True if any."""
        undone = False
        for h in sorted(self.watch, key=str):
            slot = self.slots.get(("slot", h))
            if self.watch[h] & written or slot is not None and slot in written:
                del self.watch[h]
                self.slot_inits[("slot", h)] = Const(None)
                rest = [s for s in self.plan[h] if s.objkey[0] != "slot" or s.objkey[1] != h]
                self.plan[h] = self.entry_specs(h) + rest
                undone = True
        return undone

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
                    init = self.slot_inits.get(s.objkey, Const(None))
                    if init is None:
                        init = self.slot_inits[s.objkey] = read_entry(s.objkey[1])
                    hint = self.hints.get(s.objkey[1], "t")
                    self.slots[s.objkey] = Obj(hint=hint)
                    if s.objkey[1] in self.watch:   # stands for an object others hold
                        self.mem.stand_ins.add(self.slots[s.objkey])
                    items.append((("version", s.objkey), init, hint))
                if len(specs) > 1:
                    items.append((("guard", h, j), s.start, self.hints[h] + "_is"))
                for p, x in enumerate(_operands(s.alt.path)):
                    items.append((("operand", h, j, p), x, "index"))
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
                    guard = value_of[("guard", h, j)] if len(specs) > 1 else TRUE
                    ops = [value_of[("operand", h, j, p)]
                           for p in range(len(_operands(s.alt.path)))]
                    alts.append(Alt(guard, obj, _with_operands(s.alt.path, ops)))
                leaves.append(Ref(alts, self.hints[h]))
            env[name] = unflatten(tree, leaves) if tree is not None else leaves[0]
        return State(env, heap, self.entry.cache, self.entry.escaped)

    # -- the end of an iteration, in the head's terms -------------------------
    def describe(self, end):
        """({holder: [Spec]}, None) for the memory at the end of the body, each object
        made in the loop named by the first holder that holds it; (None, holder) where
        a holder ends with something a loop cannot carry (a different function)."""
        owner, out = {}, {}
        for h in self.holders:
            leaf = _leaf_at(end.env, h)
            if not isinstance(leaf, Ref):
                if self.plan[h] is KEEP and same_value(leaf, self.leaves[h]):
                    continue
                if not isinstance(leaf, (Const, Var)):
                    return None, h
                out[h] = [Spec(("slot", h), _PLAIN)]
                continue
            if self.plan[h] is KEEP and same_value(leaf, self.leaves[h]):
                continue
            specs = []
            for alt in leaf.alts:
                obj = alt.obj
                if obj in self.entry_objects:
                    key = ("entry", obj)
                elif obj.kind == VALUE and not alt.path and leaf.single:
                    key = ("slot", h)   # a number: each holder has its own
                else:
                    key = owner.get(obj)
                    if key is None:
                        key, n = ("slot", h), 1
                        while key in owner.values():
                            key, n = ("slot", h, n), n + 1
                        owner[obj] = key
                specs.append(Spec(key, alt))
            out[h] = specs
        return out, None

    def fits(self, description):
        return all(self.plan[h] is not KEEP and
                   {s.key() for s in specs} <= {s.key() for s in self.plan[h]}
                   for h, specs in description.items())

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
            match = next((s for s in specs if s.key() == spec.key()), None)
            if key[0] == "guard":
                out.append(FALSE if match is None else
                           match.alt.guard if len(specs) > 1 else TRUE)
            else:
                out.append(_operands(match.alt.path)[key[3]] if match is not None else param)
        return out


def _may_change(leaf):
    """Whether a loop can carry this leaf (not a function or another static value)."""
    return isinstance(leaf, (Ref, Const, Var))


def _leaf_labels(name, value):
    """A name for each leaf of `value` (`params_w` for params["w"])."""
    leaves, tree = flatten(value)
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
