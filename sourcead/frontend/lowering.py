"""SSA construction: statements and expressions of a desugared function, lowered to IR.

The AST this reads has been through desugar.py (break, continue and return are
structured; comprehensions carry their loops) and liveness.py (each statement
knows which names are read after it). Names are bound in the memory model's
environment (memory.py): a name holds a reference to an object, so that `z = y`
makes two names for one array and a write through either is seen by both. Each
function lowered inline (a callee that writes into its arguments, a nested def)
is a *frame*: its names are keyed (frame, name) in the one environment, and it
shares the caller's memory.
"""

import inspect
import operator
import os

import gast

from .. import runtime
from ..errors import NameResolutionError, UnsupportedSyntaxError
from ..ir import primitives as P
from ..ir.core import Block, Const, Op, Var
from . import merge
from .calls import ARRAY_ATTRIBUTES, ARRAY_METHODS, IN_PLACE_METHODS, Calls
from .heap import LIST, VALUE, Ref
from .loops import LoopLowering
from .memory import TRUTH_OPS, index_view
from .scope import Scope, bound_names
from .values import (BoundMethod, DictValue, ListValue, LocalFunction, Static, TupleValue,
                     flatten, map_leaves)

BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul,
          gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor}
UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
         gast.Invert: operator.invert}
COMPARE = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
           gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
           gast.Is: operator.is_, gast.IsNot: operator.is_not}

# What each unsupported statement or expression is called in error messages.
UNSUPPORTED = {
    gast.Global: ("a `global` statement", "pass the value in as an argument and return the new value"),
    gast.Nonlocal: ("a `nonlocal` statement", "pass the value in as an argument and return the new value"),
    gast.Try: ("a `try` statement", "move the try/except outside the differentiated function"),
    gast.With: ("a `with` statement (other than `with sad.insert_grad_of(x) as gx:`)",
                "move the with-block outside the differentiated function"),
    gast.AsyncWith: ("an `async with` statement", "differentiate a synchronous function"),
    gast.AsyncFor: ("an `async for` loop", "differentiate a synchronous function"),
    gast.AsyncFunctionDef: ("an async function", "differentiate a synchronous function"),
    gast.ClassDef: ("a class definition", "define the class at module level"),
    gast.Delete: ("a `del` statement", "drop the del; sourcead frees dead values itself"),
    gast.Raise: ("a `raise` statement", "check inputs before calling the differentiated function"),
    gast.Assert: ("an `assert` statement", "check inputs before calling the differentiated function"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.Yield: ("a generator (`yield`)", "return a list or an array instead"),
    gast.YieldFrom: ("a generator (`yield from`)", "return a list or an array instead"),
    gast.Await: ("`await`", "differentiate a synchronous function"),
    gast.SetComp: ("a set comprehension", "use a list"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own"),
    gast.Starred: ("a starred expression", "pass the arguments one by one"),
    gast.JoinedStr: ("an f-string", "format strings outside the differentiated function"),
    gast.Set: ("a set", "use a tuple or a list"),
}


class Lowerer:
    """Lowers the statements of one frame (see the module docstring).

    `owner`: for a nested def or lambda, the Lowerer of the function that defines it,
    whose variables it reads; `bindings` (rules only) fixes some parameters."""

    def __init__(self, parsed, node, memory, builder, *, frame=0, scope=None, owner=None,
                 bindings=None, inlining=frozenset()):
        self.parsed = parsed
        self.node = node
        self.memory = memory
        self.builder = builder
        self.frame = frame
        self.owner = owner
        self.bindings = bindings
        self.scope = scope
        self.inlining = inlining
        self.calls = Calls(self)
        self.never_none = set()     # a rule's cotangents that hold arrays (never None)
        self.pinned = set()         # names kept whatever liveness says (a hook's result)
        self.local = bound_names(node.body) | {a.id for a in _params(node.args)}
        self.taken = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}

    # -- names and places ---------------------------------------------------
    def key(self, name):
        return name if self.frame == 0 else (self.frame, name)

    @staticmethod
    def name_of(key):
        """The user's name of an environment key."""
        return key[1] if isinstance(key, tuple) else key

    def owns(self, key):
        return (key[0] == self.frame) if isinstance(key, tuple) else self.frame == 0 and \
            not key.startswith("<")

    @property
    def env(self):
        return self.memory.state.env

    def refuse(self, node, what=None, hint=None):
        if what is None:
            what, hint = UNSUPPORTED.get(type(node), (f"`{type(node).__name__}`", None))
        raise UnsupportedSyntaxError(f"sourcead cannot differentiate {what}",
                                     self.loc_of(node), hint=hint)

    def loc_of(self, node):
        return self.parsed.loc(node) if node is not None else self.builder.loc

    def loc_here(self, node):
        self.builder.loc = self.parsed.loc(node)

    def short_loc(self, node):
        loc = self.loc_of(node)
        return f"{os.path.basename(loc.filename)}:{loc.lineno}"

    def branch(self, cond, then_fn, else_fn, node, live=None):
        return merge.branch(self, cond, then_fn, else_fn, node, live)

    def observed(self, values):
        """Whether anything that lives on after the statement being lowered (other than
        what it assigns) reaches the arrays of `values`."""
        objects = {a.obj for v in values if isinstance(v, Ref) for a in v.alts}
        if not objects:
            return False
        stmt = self.statement
        live = getattr(stmt, "sad_live_out", None)
        if live is None:
            return True
        targets = set()
        if isinstance(stmt, gast.Assign):
            for t in stmt.targets:
                targets |= {n.id for n in gast.walk(t) if isinstance(n, gast.Name)}
        keep = self.live_keys(set(live) - targets)
        state = self.memory.state
        if any(o in state.escaped or o.external or self.memory.may_hold_items(o)
               for o in objects):
            return True   # (the call may return an item of a list it is given)
        for (name, _), ref in state.holdings():
            if (name in keep or _unnamed(name)) and any(a.obj in objects for a in ref.alts):
                return True
        return False

    def containers_seen(self):
        """Whether a list or tuple built at run time (or what holds its items) may be
        looked at after the statement being lowered: a list only appended to shows no
        one the arrays in it (liveness's `sad_seen_out`)."""
        stmt = self.statement
        seen = getattr(stmt, "sad_seen_out", getattr(stmt, "sad_live_out", None))
        if seen is None:
            return True
        keep = self.live_keys(seen)
        mem = self.memory
        for (name, _), ref in mem.state.holdings():
            if (name in keep or _unnamed(name)) and any(mem.may_hold_items(a.obj)
                                                       for a in ref.alts):
                return True
        return False

    def tangle_seen(self, tag, obj):
        """Whether an object other than `obj` that the call `tag` touched (see
        Memory.tangle) may be looked at after the statement being lowered."""
        live = getattr(self.statement, "sad_live_out", None)
        if live is None:
            return True
        keep = self.live_keys(live)
        state = self.memory.state
        for (name, _), ref in state.holdings():
            if name in keep or _unnamed(name):
                for a in ref.alts:
                    e = state.escaped.get(a.obj)
                    if a.obj is not obj and e is not None and \
                            any(c[0] == tag for c in e.calls):
                        return True
        return False

    statement = None

    def live_keys(self, names):
        """The environment's keys still needed where this frame's `names` are live: those
        names, and everything of other frames."""
        keys = {self.key(n) for n in names}
        return keys | {k for k in self.env if not self.owns(k)}

    # -- binding ------------------------------------------------------------
    def bind_value(self, value, hint):
        """What a name holds for `value`: a reference for each value computed here."""
        mem = self.memory

        def wrap(leaf):
            if isinstance(leaf, Var):
                self.builder.name(leaf, hint)
                return mem.ref_of(leaf, hint)
            if isinstance(leaf, Ref) and not leaf.hint:   # a view, named where it is bound
                leaf.hint = hint
                if leaf.single:
                    self.builder.name(mem.read(leaf), hint)
            return leaf
        return map_leaves(value, wrap)

    def bind(self, name, value):
        self.env[self.key(name)] = self.bind_value(value, name)

    def lookup(self, name, node):
        key = self.key(name)
        if name in self.local:
            if key not in self.env:
                raise NameResolutionError(f"local variable '{name}' is read before it is "
                                          "assigned", self.loc_of(node))
            return self.env[key]
        if self.owner is not None:
            return self.owner.lookup(name, node)
        return self.scope.lookup(name, self.loc_of(node), self.builder)

    def operand(self, value, node):
        """The IR operand of a lowered value (a reference's contents; a tuple or list as
        a run-time value)."""
        if isinstance(value, (Var, Const)):
            return value
        if isinstance(value, Ref):
            return self.memory.read(value, node)
        if isinstance(value, (TupleValue,)):
            return self.runtime_value(value, node)
        if isinstance(value, Static):
            return self.scope.load_global(value.text, self.builder, static=value.obj)
        what = {DictValue: "a dict", LocalFunction: "a nested function",
                BoundMethod: "a method"}.get(type(value), repr(value))
        self.refuse(node, f"{what} used as a value here (passed to a function that is "
                    "not yours, stored, or mixed across branches or loops)",
                    "read its items where they are needed")

    def runtime_value(self, value, node):
        """A tuple or list built in the function, as a value of the running program (its
        arrays can no longer be written: the list would show it)."""
        if not isinstance(value, TupleValue):
            return self.operand(value, node)
        items = [self.operand(v, node) for v in value.items]
        if isinstance(value, ListValue):
            self.memory.escape(value, node)
            out = self.builder.emit_op(P.LIST, items)
            out.hint = "items"
            return out
        if all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))
        self.memory.escape(value, node)
        out = self.builder.emit_op(P.TUPLE, items)
        out.is_temp = True   # written where it is used: x[i, :]
        return out

    def values(self, nodes):
        """The values of several expressions evaluated in order, each kept where a later
        one's writes reach it (`g(A[0], h(A))`, h writing into A: NumPy's view shows it)."""
        state = self.memory.state
        start = len(state.pending)
        for n in nodes:
            value = self.expr(n)
            self.memory.state.pending.append(value)
        state = self.memory.state
        out = state.pending[start:]
        del state.pending[start:]
        return out

    # -- statements -----------------------------------------------------------
    def run(self, stmts):
        """Lower a statement list; the value it returns, or None where it falls through."""
        for stmt in stmts:
            self.loc_here(stmt)
            self.statement = stmt
            if isinstance(stmt, gast.Return):
                value = self.expr(stmt.value) if stmt.value is not None else Const(None)
                for k in [k for k in self.env if self.owns(k) and k not in self.pinned]:
                    del self.env[k]   # the frame's names are dead once it returns
                return value
            if isinstance(stmt, gast.If):
                returned = self.stmt_If(stmt)
                if returned is not None:
                    return returned
            else:
                method = getattr(self, "stmt_" + type(stmt).__name__, None)
                if method is None:
                    self.refuse(stmt)
                method(stmt)
            live = getattr(stmt, "sad_live_out", None)
            if live is not None:
                keep = self.live_keys(live) | self.pinned
                for k in [k for k in self.env if self.owns(k) and k not in keep]:
                    del self.env[k]
        return None

    def stmt_If(self, node):
        cond = self.operand(self.expr(node.test), node)
        if isinstance(cond, Const):   # decided while lowering (a rule's static argument)
            return self.run(node.body if cond.value else node.orelse)
        live = getattr(node, "sad_live_out", None)
        returned = self.branch(cond, lambda: self.run(node.body), lambda: self.run(node.orelse),
                               node, None if live is None else self.live_keys(live))
        return returned

    def stmt_For(self, node):
        LoopLowering(self, node).lower()

    stmt_While = stmt_For

    def stmt_Pass(self, node):
        pass

    def stmt_Expr(self, node):
        if not isinstance(node.value, gast.Constant):   # a bare string or number: a comment
            self.expr(node.value)

    def stmt_Assign(self, node):
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value)

    def stmt_FunctionDef(self, node):
        if node.decorator_list:
            self.refuse(node, "a decorated nested def", "apply the decorator outside")
        self.bind(node.name, self.local_function(node))

    def stmt_AugAssign(self, node):
        op = BINOPS.get(type(node.op))
        if op is None:
            self.refuse(node, f"the operator {type(node.op).__name__}")
        target = node.target
        if isinstance(target, gast.Name):
            key = self.key(target.id)
            self.lookup(target.id, target)
            right = self.expr(node.value)
            left = self.env[key]   # as it is now: the right side may have written into it
            if isinstance(left, TupleValue) and isinstance(right, TupleValue) and op is operator.add:
                if isinstance(left, ListValue):   # xs += [...] extends the list in place
                    return self.update_container(left, left.with_items(left.items + right.items))
                self.env[key] = TupleValue(left.items + right.items)
                return None
            new = self.builder.emit(op, [self.operand(left, node), self.operand(right, node)])
            self.memory.augmented((key, 0), left, new, node,
                                  lambda v: self.env.__setitem__(key, self.bind_value(v, target.id)))
            return None
        if not isinstance(target, gast.Subscript):
            self.refuse(node, "augmented assignment to an attribute", "assign to a variable")
        base, index = self.values([target.value, target.slice])
        if isinstance(base, (DictValue, ListValue)):
            # xs[0] += v on an item of a list or dict: that item, in place if an array
            key = self.container_key(base, index, target)
            item = base.get(key) if isinstance(base, DictValue) else base.items[key]
            right = self.expr(node.value)
            new = self.builder.emit(op, [self.operand(item, node), self.operand(right, node)])
            self.memory.augmented(self.holder_of(base, key), item, new, node,
                                  lambda v: self.set_container_item(base, key, v, target))
            return None
        # x[i] += v: x[i] = x[i] + v, as NumPy computes it (a view of x changed in place,
        # then stored back; a copy made by an index array changed and stored back)
        item = self.item(base, index, node)
        right = self.expr(node.value)
        new = self.builder.emit(op, [self.operand(item, node), self.operand(right, node)])
        self.memory.write(base, self.operand(index, node), new, node)
        return None

    def stmt_With(self, node):
        """`with sad.insert_grad_of(x) as gx:` (a gradient hook); other with statements
        are refused."""
        item = node.items[0] if len(node.items) == 1 else None
        call = item.context_expr if item is not None else None
        callee = self.expr(call.func) if isinstance(call, gast.Call) and \
            isinstance(call.func, (gast.Name, gast.Attribute)) else None
        if not (isinstance(callee, Static) and callee.obj is runtime.insert_grad_of and
                len(call.args) == 1 and isinstance(item.optional_vars, gast.Name)):
            self.refuse(node)
        x = self.operand(self.expr(call.args[0]), node)
        name = item.optional_vars.id
        gx = Var(name)
        saved = self.memory.state
        self.memory.state = saved.copy()
        self.pinned.add(self.key(name))
        try:
            self.bind(name, gx)
            stmts, returned = self.builder.collect(lambda: self.run(node.body))
            if returned is not None:
                self.refuse(node, "return, break or continue in a gradient hook")
            result = self.builder.collect(lambda: self.operand(self.env[self.key(name)], node))
        finally:
            self.memory.state = saved
            self.pinned.discard(self.key(name))
        stmts += result[0]
        self.builder.append(Op(P.GRAD_HOOK, [x], outs=[], loc=self.loc_of(node),
                               attrs={"block": Block([gx], stmts, [result[1]])}))

    # -- assignment ---------------------------------------------------------
    def assign(self, target, value):
        if isinstance(target, gast.Name):
            self.bind(target.id, value)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value)
        elif isinstance(target, gast.Subscript):
            base, index = self.values([target.value, target.slice])
            if isinstance(base, (DictValue, ListValue)):
                key = self.container_key(base, index, target)
                self.set_container_item(base, key, value, target)
                return
            if not isinstance(base, (Ref, Var)):
                self.refuse(target, "an item assignment to something that is not an array",
                            "assign items of arrays (or of dicts and lists built in the function)")
            self.memory.write(base, self.operand(index, target), self.operand(value, target),
                              target)
        elif isinstance(target, gast.Attribute):
            self.refuse(target, f"assignment to the attribute `.{target.attr}` (an object "
                        "changed through its attributes)",
                        "pass the values in as arguments and return the new ones")
        else:
            self.refuse(target, f"assignment to {type(target).__name__.lower()}",
                        "assign to names, items of arrays, or keys of dicts")

    def unpack(self, target, value):
        if any(isinstance(t, gast.Starred) for t in target.elts):
            self.refuse(target, "starred unpacking", "unpack into names one by one")
        n = len(target.elts)
        if isinstance(value, (Ref, Var)):
            # a sequence known only at run time (the rows of an array, a list np.gradient
            # returns): its items, after checking how many there are
            self.builder.emit(runtime.check_length, [self.operand(value, target), Const(n)])
            value = TupleValue([self.item(value, Const(k), target) for k in range(n)])
        if not isinstance(value, TupleValue):
            self.refuse(target, "unpacking a value that is not a tuple",
                        "unpack tuples built in the function or returned by primitives")
        if len(value.items) != n:
            self.refuse(target, f"unpacking {len(value.items)} values into {n} names")
        # each item is taken when it is assigned: those after see the writes of those before,
        # as in NumPy (`X[0], X[2] = X[2], X[0]` with rows of a matrix, which are views)
        state = self.memory.state
        at = len(state.pending)
        state.pending.append(value)
        for k, t in enumerate(target.elts):
            self.assign(t, self.memory.state.pending[at].items[k])
        del self.memory.state.pending[at:]

    def item(self, seq, index, node):
        """seq[index] for an array or a list known only at run time."""
        mem = self.memory
        if isinstance(seq, Ref) and all(a.obj.kind == LIST and not a.path for a in seq.alts):
            # an item of a list built at run time: the list holds it (no write can follow)
            out = self.builder.emit(operator.getitem, [mem.read(seq, node),
                                                       self.operand(index, node)])
            if isinstance(out, Var):
                mem.containers[out] = True   # (a slice of the list, or a list in it)
            ref = mem.ref_of(out, seq.hint) if isinstance(out, Var) else out
            mem.escape(ref, node, item=True)
            return ref
        index = self.operand(index, node)
        kind = index_view(index, self.builder.defs, self.memory.ints)
        if kind is None or not isinstance(seq, (Ref, Var)):
            return self.builder.emit(operator.getitem, [self.operand(seq, node), index])
        return mem.view(seq, operator.getitem, [index], node=node, kind=kind)

    # -- lists and dicts built in the function --------------------------------
    def container_key(self, container, index, node):
        if not isinstance(index, Const):
            self.refuse(node, "an item of a list or dict with a key computed at run time",
                        "use constant keys and indices")
        key = index.value
        if isinstance(container, ListValue):
            try:
                key = range(len(container.items))[key]
            except (IndexError, TypeError):
                self.refuse(node, f"the index {key!r} of a list of {len(container.items)}")
        return key

    def holder_of(self, container, key):
        """The environment place of a container's item (for the memory's questions)."""
        for k, value in self.env.items():
            if value is container or isinstance(value, (DictValue, ListValue)) and \
                    getattr(value, "ident", None) == container.ident and value is container:
                items = container.values if isinstance(container, DictValue) else container.items
                labels = container.keys if isinstance(container, DictValue) else \
                    range(len(items))
                at = 0
                for label, item in zip(labels, items):
                    if label == key:
                        return (k, at)
                    at += len(flatten(item)[0])
        return None

    def set_container_item(self, container, key, value, node):
        if isinstance(container, DictValue):
            new = container.with_item(key, self.bind_value(value, str(key)))
        else:
            items = list(container.items)
            items[key] = self.bind_value(value, "item")
            new = container.with_items(items)
        self.update_container(container, new)

    def update_container(self, old, new):
        """Every name holding the list or dict `old` (its identity) sees `new`."""
        ident = old.ident

        def swap(v):
            return new if isinstance(v, (DictValue, ListValue)) and v.ident == ident else v
        for k, value in list(self.env.items()):
            if isinstance(value, (DictValue, ListValue)) and value.ident == ident:
                self.env[k] = new
            elif isinstance(value, (TupleValue, DictValue)):
                self.env[k] = _map_containers(value, swap)

    def container_method(self, method, args, node):
        """d.keys(), d.values(), d.items(), d.get(k, default); xs.append(v)."""
        c, name = method.receiver, method.name
        if name == "append":
            if len(args) != 1:
                self.refuse(node, "this append", "append one value to a list")
            self.update_container(c, c.with_items(list(c.items) + [self.bind_value(args[0],
                                                                                "item")]))
            return Const(None)
        if name == "keys":
            return ListValue(Const(k) for k in c.keys)
        if name == "values":
            return ListValue(c.values)
        if name == "items":
            return ListValue(TupleValue((Const(k), v)) for k, v in zip(c.keys, c.values))
        key = args[0] if args else None
        if not isinstance(key, Const):
            self.refuse(node, "dict.get with a key computed at run time")
        try:
            return c.get(key.value)
        except KeyError:
            return args[1] if len(args) > 1 else Const(None)

    def append(self, target_node, receiver, args, node):
        """`xs.append(v)` on a list at run time (or on a module's list: a log)."""
        if len(args) != 1 or node.keywords or not isinstance(target_node, gast.Name):
            self.refuse(node, "this append", "append one value to a list variable")
        if target_node.id not in self.local:
            # a module's or an enclosing function's list: appended to, as in Python (its
            # items are not differentiated: a log, say)
            op = Op(P.OPAQUE_CALL, [self.operand(args[0], node)], loc=self.builder.loc,
                    attrs={"callee": list.append, "text": f"{target_node.id}.append"}, outs=[])
            self.builder.append(op)
            return Const(None)
        item = args[0]
        self.memory.escape(item, node)
        mem = self.memory
        receiver = mem.resolve(receiver, node)

        def act(alt):
            old = mem.contents(alt, receiver.hint, node)
            new = self.builder.emit(runtime.appended, [old, self.operand(item, node)])
            self.builder.name(new, target_node.id)
            mem.state.heap[alt.obj] = new
            mem.written.add(alt.obj)
            return Const(None)
        mem.dispatch(receiver, act, node)
        return Const(None)

    # -- functions ----------------------------------------------------------
    def local_function(self, node):
        """A nested def or lambda: its defaults evaluated now, as Python does."""
        args = node.args
        if args.vararg is not None or args.kwarg is not None or args.kwonlyargs:
            self.refuse(node, "a nested function with *args, **kwargs or keyword-only "
                        "parameters", "list its parameters explicitly")
        defaults = [self.expr(d) for d in args.defaults]
        return LocalFunction(node, defaults, self)

    def static_call(self, node):
        """(callable, argument nodes) for a call of range, enumerate, zip or reversed."""
        if not isinstance(node, gast.Call) or not isinstance(node.func, (gast.Name,
                                                                         gast.Attribute)):
            return None
        callee = self.expr(node.func)
        if not isinstance(callee, Static) or callee.obj not in (range, enumerate, zip, reversed):
            return None
        if any(isinstance(a, gast.Starred) for a in node.args):
            self.refuse(node, "a starred argument of a loop's iterable",
                        "pass the sequences one by one")
        kw = {k.arg: k.value for k in node.keywords}
        if set(kw) - ({"start"} if callee.obj is enumerate else set()):
            self.refuse(node, f"keyword arguments to {callee.obj.__name__}()")
        return callee.obj, list(node.args) + ([kw["start"]] if "start" in kw else [])

    def is_marker(self, func):
        if not isinstance(func, (gast.Name, gast.Attribute)):
            return False
        callee = self.expr(func)
        return isinstance(callee, Static) and callee.obj is runtime.checkpointed

    def checkpoint_marker(self, call, node):
        """`sad.checkpointed(range(n), snapshots=s)` (or every=k): (the range expression,
        the schedule), checked now where its numbers are constants."""
        if len(call.args) != 1 or len(call.keywords) != 1 or \
                call.keywords[0].arg not in ("snapshots", "every"):
            self.refuse(node, "this sad.checkpointed(...)",
                        "write sad.checkpointed(range(n), snapshots=s) or every=k")
        kind = "binomial" if call.keywords[0].arg == "snapshots" else "periodic"
        count = self.operand(self.expr(call.keywords[0].value), node)
        if isinstance(count, Const):
            v = count.value
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{self.loc_of(node)}: sad.checkpointed needs "
                                 f"{call.keywords[0].arg} a positive integer, got {v!r}")
        if getattr(node, "sad_exit", None):
            self.refuse(node, "break or return in a checkpointed loop",
                        "run it for the whole range")
        for sub in gast.walk(node):
            if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Attribute) and \
                    sub.func.attr == "append" and isinstance(sub.func.value, gast.Name):
                self.refuse(sub, f"appending to `{sub.func.value.id}` in a checkpointed loop: "
                            "its steps run again while the loop is reversed, and would "
                            "append again",
                            "carry the values as arrays, or checkpoint a loop without it")
        return call.args[0], (kind, count)

    def index_name(self, node):
        """A name for the index of a loop over a sequence: i, j, k, ... none the user's."""
        free = [n for n in ("i", "j", "k", "m", "n") if n not in self.taken]
        depth = sum(1 for k in self.env if isinstance(k, str) and k.startswith("<iterable"))
        return free[min(depth - 1, len(free) - 1)] if free else "index"

    # -- expressions ----------------------------------------------------------
    def expr(self, node):
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.refuse(node)
        return method(node)

    def expr_Constant(self, node):
        return Const(node.value)

    def expr_Name(self, node):
        return self.lookup(node.id, node)

    def expr_Call(self, node):
        return self.calls.call(node)

    def expr_Attribute(self, node):
        base = self.expr(node.value)
        attr = node.attr
        if isinstance(base, Static):
            return self.scope.attribute(base, attr, self.loc_of(node), self.builder)
        if isinstance(base, DictValue) and attr in ("keys", "values", "items", "get") or \
                isinstance(base, ListValue) and attr == "append":
            return BoundMethod(base, attr)
        if isinstance(base, (Ref, Var)) and (attr == "append" or attr in IN_PLACE_METHODS):
            return BoundMethod(base, attr)
        if isinstance(base, (TupleValue, DictValue)) or attr not in ARRAY_ATTRIBUTES and \
                attr not in ARRAY_METHODS:
            return self.builder.emit_op(P.GETATTR, [self.operand(base, node)],
                                        attrs={"name": attr})
        if attr == "T":
            return self.memory.view(base, __import__("numpy").transpose, [], node=node,
                                    kind="view") if isinstance(base, (Ref, Var)) else \
                self.builder.emit(ARRAY_ATTRIBUTES[attr], [self.operand(base, node)])
        if attr in ARRAY_ATTRIBUTES:   # x.shape: NumPy's function forms
            return self.builder.emit(ARRAY_ATTRIBUTES[attr], [self.operand(base, node)])
        return BoundMethod(base, attr)

    def expr_Subscript(self, node):
        base, index = self.values([node.value, node.slice])
        if isinstance(base, DictValue):
            if not isinstance(index, Const):
                self.refuse(node, "a dict read with a key computed at run time",
                            "read dicts with constant keys")
            try:
                return base.get(index.value)
            except KeyError:
                self.refuse(node, f"the key {index.value!r}, which the dict does not have")
        if isinstance(base, TupleValue) and isinstance(index, Const):
            if isinstance(index.value, int):
                try:
                    return base.items[index.value]
                except IndexError:
                    self.refuse(node, f"index {index.value} of a sequence of {len(base.items)}")
            if isinstance(index.value, slice):
                return type(base)(base.items[index.value]) if not isinstance(base, ListValue) \
                    else ListValue(base.items[index.value])
        return self.item(base, index, node)

    def expr_Slice(self, node):
        parts = [p if p is not None else gast.Constant(None, None)
                 for p in (node.lower, node.upper, node.step)]
        values = [self.operand(v, node) for v in self.values(parts)]
        if all(isinstance(p, Const) for p in values):
            return Const(slice(*(p.value for p in values)))
        return self.builder.emit(slice, values)

    def expr_BinOp(self, node):
        op = BINOPS.get(type(node.op))
        if op is None:
            self.refuse(node, f"the operator {type(node.op).__name__}")
        left, right = self.values([node.left, node.right])
        return self.builder.emit(op, [self.operand(left, node), self.operand(right, node)])

    def expr_UnaryOp(self, node):
        return self.builder.emit(UNARY[type(node.op)], [self.operand(self.expr(node.operand),
                                                                     node)])

    def expr_Compare(self, node):
        # a < b < c is a < b and b < c, with b evaluated once
        values = self.values([node.left] + list(node.comparators))
        left = self.operand(values[0], node)
        result = None
        for op_node, comp in zip(node.ops, values[1:]):
            right = self.operand(comp, node)
            if isinstance(op_node, (gast.Is, gast.IsNot)) and \
                    any(isinstance(v, Const) and v.value is None for v in (left, right)) and \
                    any(v in self.never_none for v in (left, right) if isinstance(v, Var)):
                # a rule's cotangent is None only where it is known to be zero, and that is
                # bound while lowering (see registry.vjp_rule)
                value = Const(isinstance(op_node, gast.IsNot))
            else:
                value = self.builder.emit(COMPARE[type(op_node)], [left, right])
            if result is None:
                result = value
            elif isinstance(result, Const):
                result = value if result.value else result
            else:
                first = result
                result = self.branch(first, lambda v=value: v, lambda f=first: f, node)
            left = right
        return result

    def expr_BoolOp(self, node):
        is_and = isinstance(node.op, gast.And)

        def combine(values):
            first = self.expr(values[0])
            if len(values) == 1:
                return first
            test = self.operand(first, node)
            if isinstance(test, Const):
                return combine(values[1:]) if bool(test.value) == is_and else first
            rest = lambda: combine(values[1:])  # noqa: E731  (evaluated only when needed)
            return self.branch(test, rest, lambda: first, node) if is_and else \
                self.branch(test, lambda: first, rest, node)
        return combine(node.values)

    def expr_IfExp(self, node):
        cond = self.operand(self.expr(node.test), node)
        return self.branch(cond, lambda: self.expr(node.body), lambda: self.expr(node.orelse),
                           node)

    def expr_Tuple(self, node):
        if any(isinstance(e, gast.Starred) for e in node.elts):
            self.refuse(node, "a starred item in a tuple", "list the items")
        return TupleValue(self.values(node.elts))

    def expr_List(self, node):
        if any(isinstance(e, gast.Starred) for e in node.elts):
            self.refuse(node, "a starred item in a list", "list the items")
        return ListValue([self.bind_value(v, "item") for v in self.values(node.elts)])

    def expr_Dict(self, node):
        keys = []
        for k in node.keys:
            key = self.expr(k) if k is not None else None
            if not isinstance(key, Const):
                self.refuse(node, "a dict whose keys are not constants (or a ** entry)",
                            "use constant keys: {'W': W, 'b': b}")
            keys.append(key.value)
        return DictValue(keys, [self.bind_value(v, str(k))
                                for k, v in zip(keys, self.values(node.values))])

    def expr_ListComp(self, node):
        """A comprehension: the loop desugar made of it, run here; its list."""
        stmts, acc = getattr(node, "sad_loop", None), getattr(node, "sad_result", None)
        if stmts is None:
            self.refuse(node)
        self.local |= bound_names(stmts)
        self.run(stmts)
        key = self.key(acc)
        value = self.env.pop(key)
        return value

    expr_GeneratorExp = expr_DictComp = expr_ListComp

    def expr_Lambda(self, node):
        body = gast.Return(value=node.body)
        gast.copy_location(body, node.body)
        fn = gast.FunctionDef(name="<lambda>", args=node.args, body=[body],
                              decorator_list=[], returns=None, type_comment=None,
                              type_params=[])
        gast.copy_location(fn, node)
        return self.local_function(fn)

    # -- inlining -----------------------------------------------------------
    def inline_local(self, fn, args, kwargs, node):
        from .lower import inline_local
        return inline_local(self, fn, args, kwargs, node)

    def inline_user(self, fn, args, kwargs, node):
        from .lower import inline_user
        return inline_user(self, fn, args, kwargs, node)

    def effects_of(self, fn, node):
        from .lower import effects_of
        return effects_of(fn, self, node)

    def is_recursive(self, fn):
        from .lower import is_recursive
        return is_recursive(fn)


def _params(args):
    return list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)


def _map_containers(value, f):
    if isinstance(value, DictValue):
        return f(value).with_items([_map_containers(v, f) for v in f(value).values]) \
            if f(value) is value else f(value)
    if isinstance(value, TupleValue):
        swapped = f(value)
        if swapped is not value:
            return swapped
        return value.with_items([_map_containers(v, f) for v in value.items])
    return value


def _unnamed(key):
    """Whether an environment key holds something other than a name's value (a pending
    value, an iterable a loop is taking items of)."""
    name = key[1] if isinstance(key, tuple) else key
    return isinstance(name, str) and name.startswith("<")


__all__ = ["Lowerer", "BINOPS", "UNARY", "COMPARE", "TRUTH_OPS", "VALUE", "inspect"]

