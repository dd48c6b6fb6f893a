"""Loops: what a `for` iterates over, and the structured Loop the body becomes.

A `for` over `range(...)` (with bounds known only at run time too) is a range
Loop; over an array, a list built at run time, `enumerate`, `zip` or `reversed`
of those, it is a range Loop over the indices whose body takes item `k` (a view
for the rows of an array: `for row in Y: row /= row.sum()` writes into Y, and
each row is read as the loop has written Y so far, as NumPy's iterator does).
A `for` over a tuple or list known while lowering is unrolled. `while` loops
test their condition before each iteration.

Break, continue and return inside loops are flags by now (desugar.py): the loop's
break flag is carried and tested at the end of each iteration (Loop.attrs["exit"]),
and its flags start each iteration False. What the loop carries is found by
carry.Head.
"""

import itertools
import operator

import gast

from .. import runtime
from ..ir.core import Block, Const, Loop, Var, walk_stmts
from .carry import Head
from .heap import FALSE, UNDECIDED, VALUE, join_escapes
from .values import DictValue, ListValue, Static, TupleValue, map_leaves

_MAX_ATTEMPTS = 12
_HELD = itertools.count()   # names for what loops hold of an expression


def target_names(target):
    return {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}


def changed_names(stmts):
    """(bound, written, appended): the names the statements bind; write items of,
    augment, call methods of or pass to a call (which may write into them); append
    to. What a loop may change: a guess, checked after the body is lowered."""
    bound, written, appended = set(), set(), set()

    def visit(node):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            bound.add(node.id)
        elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store):
            base = node.value
            while isinstance(base, (gast.Subscript, gast.Attribute)):
                base = base.value
            if isinstance(base, gast.Name):
                written.add(base.id)
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            written.add(node.target.id)
        elif isinstance(node, gast.Call):
            for a in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(a, gast.Name):
                    written.add(a.id)
            if isinstance(node.func, gast.Attribute) and isinstance(node.func.value, gast.Name):
                written.add(node.func.value.id)
                if node.func.attr in ("append", "extend", "insert", "pop", "remove"):
                    appended.add(node.func.value.id)
        elif isinstance(node, gast.For):
            root = node.iter
            while isinstance(root, gast.Call) and root.args:
                root = root.args[0]
            if isinstance(root, gast.Name):
                written.add(root.id)   # its rows may be written through the target
        for child in gast.iter_child_nodes(node):
            visit(child)
        for stmt in getattr(node, "sad_loop", ()) or ():
            visit(stmt)
    for s in stmts:
        visit(s)
    return bound, written, appended


class LoopLowering:
    """Lowers one For or While statement (see the module docstring)."""

    def __init__(self, lw, node):
        self.lw = lw
        self.node = node
        self.mem = lw.memory
        self.b = lw.builder
        self.iterables = []   # environment keys holding what this loop iterates over

    # -- what a for loop runs over --------------------------------------------
    def lower(self):
        node, lw = self.node, self.lw
        if isinstance(node, gast.While):
            test, checkpoint = node.test, None
            if isinstance(test, gast.Call) and lw.is_marker(test.func):
                test, checkpoint = lw.checkpoint_marker(test, node)
                if checkpoint[0] != "binomial":
                    lw.refuse(node, "every= for a while loop",
                              "give it snapshots=s (its length is not known)")
                checkpoint = ("online", checkpoint[1])
            return self.run("while", [], None, None, test, checkpoint)
        it, checkpoint = node.iter, None
        if isinstance(it, gast.Call) and lw.is_marker(it.func):
            it, checkpoint = lw.checkpoint_marker(it, node)
        target = node.target
        call = lw.static_call(it)
        if checkpoint is not None and not (isinstance(target, gast.Name) and call is not None
                                           and call[0] is range):
            lw.refuse(node, "sad.checkpointed around something other than range(...)",
                      "write for i in sad.checkpointed(range(n), snapshots=s)")
        if isinstance(target, gast.Name) and call is not None and call[0] is range:
            bounds = self.range_bounds(call[1])
            return self.run("range", bounds, target, None, None, checkpoint)
        if isinstance(target, gast.Name) and call is not None and call[0] is reversed and \
                len(call[1]) == 1:
            inner = lw.static_call(call[1][0])
            if inner is not None and inner[0] is range:
                a, b, step = self.range_bounds(inner[1])
                if step == Const(1):   # reversed(range(a, b)) is range(b - 1, a - 1, -1)
                    bounds = [self.b.emit(operator.sub, [b, Const(1)]),
                              self.b.emit(operator.sub, [a, Const(1)]), Const(-1)]
                    return self.run("range", bounds, target, None, None, checkpoint)
        seq = self.sequence(it)
        if isinstance(seq, list):
            return self.unroll(seq)
        length, item = seq
        return self.run("range", [Const(0), length, Const(1)], None, item, None, checkpoint)

    def range_bounds(self, args):
        if not 1 <= len(args) <= 3:
            self.lw.refuse(self.node, f"range() with {len(args)} arguments")
        bounds = [self.lw.operand(self.lw.expr(a), self.node) for a in args]
        if len(bounds) == 1:
            bounds = [Const(0)] + bounds
        if len(bounds) == 2:
            bounds = bounds + [Const(1)]
        return bounds

    def sequence(self, it):
        """The iterable: a list of its items if known while lowering, else (length,
        item(k) -> the k-th item)."""
        lw, node = self.lw, self.node
        call = lw.static_call(it)
        if call is None:
            if isinstance(it, (gast.List, gast.Tuple)):
                return [lw.expr(e) for e in it.elts]
            value = lw.expr(it)
            if isinstance(value, TupleValue):
                return list(value.items)
            if isinstance(value, DictValue):   # a dict iterates over its keys
                return [Const(k) for k in value.keys]
            if isinstance(value, Const) and isinstance(value.value, (tuple, list, str)):
                return [Const(v) for v in value.value]
            key = f"<iterable {id(node)} {id(it)}>"    # held while the loop runs (see run)
            self.mem.state.env[key] = lw.bind_value(value, "items")
            self.iterables.append(key)
            length = self.b.emit(len, [lw.operand(value, node)])
            return length, lambda k: lw.item(self.mem.state.env[key], k, node)
        fn, args = call
        if fn is range:
            a, b, step = self.range_bounds(args)
            if all(isinstance(x, Const) for x in (a, b, step)):
                return [Const(v) for v in range(a.value, b.value, step.value)]
            length = self.b.emit(len, [self.b.emit(range, [a, b, step])])
            return length, lambda k: self.b.emit(operator.add, [a, self.b.emit(
                operator.mul, [k, step])])
        if fn is reversed:
            if len(args) != 1:
                lw.refuse(node, "reversed() with more than one argument")
            inner = self.sequence(args[0])
            if isinstance(inner, list):
                return inner[::-1]
            length, item = inner
            return length, lambda k: item(self.b.emit(operator.sub, [
                self.b.emit(operator.sub, [length, Const(1)]), k]))
        if fn is enumerate:
            if not 1 <= len(args) <= 2:
                lw.refuse(node, "enumerate() with more than two arguments")
            start = lw.operand(lw.expr(args[1]), node) if len(args) == 2 else Const(0)
            inner = self.sequence(args[0])
            if isinstance(inner, list):
                return [TupleValue((self.b.emit(operator.add, [start, Const(k)]), v))
                        for k, v in enumerate(inner)]
            length, item = inner
            return length, lambda k: TupleValue((self.b.emit(operator.add, [k, start]), item(k)))
        inners = [self.sequence(a) for a in args]   # zip
        if not inners:
            return []
        if all(isinstance(s, list) for s in inners):
            return [TupleValue(items) for items in zip(*inners)]
        if any(isinstance(s, list) for s in inners):
            lw.refuse(node, "zip() of a literal sequence and an array or list",
                      "make both literal tuples, or both arrays")
        lengths = [s[0] for s in inners]
        length = lengths[0] if len(lengths) == 1 else self.b.emit(min, lengths)
        return length, lambda k: TupleValue(tuple(s[1](k) for s in inners))

    def unroll(self, items):
        """A loop over a sequence known while lowering: its body once per item, each
        after the first only while the loop has not broken."""
        lw, node = self.lw, self.node
        exit_flag = getattr(node, "sad_exit", None)
        clear = list(getattr(node, "sad_clear", ()) or ())
        # the items not yet taken are held (no name may hold them any more)
        at = len(self.mem.state.pending)
        self.mem.state.pending.append(TupleValue(items))
        for k in range(len(items)):
            def once(k=k):
                lw.loc_here(node)
                for flag in clear:
                    if flag != exit_flag:
                        self.mem.state.env[lw.key(flag)] = FALSE
                lw.assign(node.target, self.mem.state.pending[at].items[k])
                lw.run(node.body)
            stop = self.mem.state.env.get(lw.key(exit_flag), FALSE) if exit_flag else FALSE
            if isinstance(stop, Const) and not stop.value:
                once()
            elif isinstance(stop, Const):
                break
            else:
                lw.branch(lw.operand(stop, node), lambda: None, once, node)
        del self.mem.state.pending[at:]
        return None

    # -- the Loop -------------------------------------------------------------
    def run(self, kind, bounds, target, item, test, checkpoint):
        lw, node, mem, b = self.lw, self.node, self.mem, self.b
        loc = lw.loc_of(node)
        exit_flag = getattr(node, "sad_exit", None)
        clear = list(getattr(node, "sad_clear", ()) or ())
        if exit_flag and lw.key(exit_flag) not in mem.state.env:
            mem.state.env[lw.key(exit_flag)] = FALSE   # read by the test ending each iteration
        # values of the expression the loop is part of (a comprehension in a call's
        # arguments), not yet used: held by the loop as names it does not assign
        # (named anew: a loop inside the expression holds its own)
        n = next(_HELD)
        held = [f"<held {n} {k}>" for k in range(len(mem.state.pending))]
        for name, value in zip(held, mem.state.pending):
            mem.state.env[name] = value
        mem.state.pending = []
        heads = getattr(node, "sad_live_head", None)
        live = lw.live_keys(heads) if heads is not None else set(mem.state.env)
        unbound = set()
        for key in live:
            if key not in mem.state.env and lw.owns(key):
                mem.state.env[key] = Const(None)   # bound in the loop, read after it
                unbound.add(key)
        live |= {n for n in mem.state.env if isinstance(n, str) and n.startswith("<")}
        if exit_flag:
            live.add(lw.key(exit_flag))
        bound, written, appended = changed_names(node.body + ([node.test] if kind == "while"
                                                              else []))
        if isinstance(node, gast.For):
            bound |= target_names(node.target)
        bound |= set(clear) | ({exit_flag} if exit_flag else set())
        bound, written, appended = ({lw.key(n) for n in names}
                                    for names in (bound, written, appended))
        for name in sorted(appended & set(mem.state.env), key=str):
            value = mem.state.env[name]
            if isinstance(value, ListValue):   # a list the loop appends to: a run-time list
                mem.state.env[name] = lw.bind_value(lw.runtime_value(value, node),
                                                    lw.name_of(name))
        # what only the run decides about views of arrays the loop may write into: asked
        # once, before it
        # (a name bound in the loop, an item of what it iterates over, may be written
        # into: where the loop writes at all, every view is decided)
        if written:
            while True:
                ref = next((r for _, r in mem.state.holdings()
                            if any(st.view in UNDECIDED for a in r.alts for st in a.path)),
                           None)
                if ref is None:
                    break
                mem.resolve(ref, node)
        entry = mem.state.copy()
        entry.env = {n: v for n, v in entry.env.items() if n in live}
        changing = bound | appended | (written & _containers(entry))
        after = getattr(node, "sad_live_out", None)
        after = lw.live_keys(after) if after is not None else set(mem.state.env)
        result = getattr(node, "sad_result", None)
        returned = {lw.key(result)} if result is not None else set()
        head = Head(mem, entry, changing, written, after, returned)
        saved_written = mem.written
        for _ in range(_MAX_ATTEMPTS):
            items = head.layout(lambda h: lw.operand(head.leaves[h], node))
            cond_block = None
            if kind == "while":
                cond_params = [Var(hint) for _, _, hint in items]
                mem.bools.update(p for p, (key, _, _) in zip(cond_params, items)
                                 if key[0] == "guard")
                mem.dims.nd.update((p, head.item_ndim(key, init))
                                   for p, (key, init, _) in zip(cond_params, items))
                mem.written = set()

                def lower_test(cond_params=cond_params):
                    mem.state = head.bind(items, cond_params)
                    return lw.operand(lw.expr(test), node)
                cstmts, c = b.collect(lower_test)
                if mem.written:
                    lw.refuse(node, "a while condition that writes into an array",
                              "compute the condition's value in the loop's body")
                cond_block = Block(cond_params, cstmts, [c])
            index = Var(target.id if target is not None else lw.index_name(node), is_temp=False)
            params = [Var(hint) for _, _, hint in items]
            mem.bools.update(p for p, (key, _, _) in zip(params, items) if key[0] == "guard")
            mem.dims.nd.update((p, head.item_ndim(key, init))
                               for p, (key, init, _) in zip(params, items))
            mem.written = set()

            def lower_body(params=params, index=index):
                mem.state = head.bind(items, params)
                self.body(index, target, item, clear, exit_flag)
                head.finish(mem, mem.state, mem.written, node)
                mem.coalesce(node)
            stmts, _ = b.collect(lower_body)
            end, body_written = mem.state, mem.written
            mem.state, mem.written = entry, saved_written
            description, bad = head.describe(end)
            if bad is not None and bad[1] == "structure" and \
                    isinstance(entry.env.get(bad[0]), ListValue):
                # a list that the loop makes anew or grows: a list at run time
                mem.state = entry
                runtime_list = lw.runtime_value(entry.env[bad[0]], node)
                entry.env[bad[0]] = lw.bind_value(runtime_list, lw.name_of(bad[0]))
                entry = mem.state.copy()
                head = Head(mem, entry, changing, written, after, returned)
                continue
            if bad is not None and bad[1] == "structure" and bad[0] in unbound and \
                    isinstance(end.env.get(bad[0]), (ListValue, DictValue, TupleValue)):
                # a list, tuple or dict the loop makes (a closure made in the loop reads
                # it, so it is live at the head): its shape at the head, of placeholders
                # (read there before the loop makes it, Python would find it unbound)
                unbound.discard(bad[0])
                entry.env[bad[0]] = map_leaves(end.env[bad[0]], lambda leaf: Const(None))
                head = Head(mem, entry, changing, written, after, returned)
                continue
            if bad is not None and bad[1] == "structure":
                name = bad[0][1] if isinstance(bad[0], tuple) else bad[0]
                what = "the keys of the dict" if isinstance(entry.env.get(bad[0]), DictValue) \
                    else "the length of"
                lw.refuse(node, f"a loop that changes {what} `{name}`",
                          "give it all its items before the loop")
            if bad is not None:
                name = bad[0][0]
                name = name[1] if isinstance(name, tuple) else name
                lw.refuse(node, f"a loop that changes which function or value `{name}` "
                          "is", "bind it before the loop")
            if head.check_adoptions(body_written):
                continue   # the description was of a plan that no longer holds
            missed = (body_written & head.entry_objects) - head.carried_objects
            head.carried_objects |= missed
            if head.check_kinds(end, description) | head.widen_escapes() or missed:
                head.widen(description)
                continue
            if head.fits(description):
                break
            head.widen(description)
            if head.too_many is not None:
                name = lw.name_of(head.too_many[0])
                lw.refuse(node, f"a loop in which `{name}` may be one of more than six arrays "
                          "or views, depending on the iterations before", "take a .copy() where "
                          f"`{name}` is given another name's array")
        else:
            lw.refuse(node, "a loop whose arrays are shared differently in every iteration "
                      "(the names that share an array keep changing)",
                      "take a .copy() where a name is given another's array")
        mem.written = saved_written | body_written
        results = head.results(items, end, description, params)
        outs = [Var(hint) for _, _, hint in items]
        mem.bools.update(o for o, (key, _, _) in zip(outs, items) if key[0] == "guard")
        mem.dims.nd.update((o, head.item_ndim(key, init)) for o, (key, init, _) in zip(outs, items))
        inits = [init for _, init, _ in items]
        # a value the body leaves as it is, or sets to what it was on entry, is not carried
        keep = [k for k in range(len(items))
                if results[k] is not params[k] and not _same(results[k], inits[k])]
        dropped = {params[k]: inits[k] for k in range(len(items)) if k not in keep}
        if cond_block is not None:
            dropped.update((cond_block.params[k], inits[k])
                           for k in range(len(items)) if k not in keep)
        body = Block([index] + [params[k] for k in keep], stmts, [results[k] for k in keep])
        _substitute(body, dropped)
        if cond_block is not None:
            cond_block.params = [cond_block.params[k] for k in keep]
            _substitute(cond_block, dropped)
        attrs = {}
        if exit_flag:
            flag = [k for k in keep
                    if items[k][0] == ("version", ("slot", (lw.key(exit_flag), 0)))]
            if flag:
                attrs["exit"] = keep.index(flag[0])
        if checkpoint is not None:
            attrs["checkpoint"] = checkpoint
        if kind == "while":
            body.params = body.params[1:]
        loop = Loop(kind, [inits[k] for k in keep], body, [outs[k] for k in keep],
                    bounds=bounds, cond=cond_block, loc=loc, attrs=attrs)
        b.append(loop)
        after = [outs[k] if k in keep else inits[k] for k in range(len(items))]
        post = head.bind(items, after)
        post.escaped = join_escapes(entry.escaped, end.escaped)
        state = mem.state.copy()
        state.env = {n: v for n, v in state.env.items()
                     if n not in post.env and n not in self.iterables}
        state.env.update((n, v) for n, v in post.env.items() if n not in self.iterables)
        state.heap.update(post.heap)
        state.escaped = post.escaped
        state.pending = [state.env.pop(name) for name in held]
        mem.state = state

    def body(self, index, target, item, clear, exit_flag):
        lw, mem = self.lw, self.mem
        lw.loc_here(self.node)
        mem.kinds[index] = VALUE   # an int
        mem.ints.add(index)
        mem.dims.nd[index] = 0
        for flag in clear + ([exit_flag] if exit_flag else []):
            mem.state.env[lw.key(flag)] = FALSE
        if target is not None:
            lw.assign(target, index)
        elif item is not None:
            lw.assign(self.node.target, item(index))
        lw.run(self.node.body)


def _same(a, b):
    return a is b or isinstance(a, Const) and isinstance(b, Const) and a == b and \
        type(a.value) is type(b.value)


def _containers(state):
    return {n for n, v in state.env.items() if isinstance(v, (DictValue, ListValue))}


def _substitute(block, mapping):
    """Replace the Vars in `mapping` wherever `block` (and the blocks in it) reads them."""
    if not mapping:
        return

    def f(x):
        return mapping.get(x, x) if isinstance(x, Var) else x
    for s in walk_stmts(block):
        s.map_operands(f)
        for inner in s.blocks():
            inner.results = [f(r) for r in inner.results]
        hook = getattr(s, "attrs", {}).get("block")
        if hook is not None:
            _substitute(hook, mapping)
    block.results = [f(r) for r in block.results]


__all__ = ["LoopLowering", "changed_names", "target_names"]


_ = (runtime, Static)
