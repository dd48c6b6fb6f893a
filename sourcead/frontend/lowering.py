"""SSA construction: statements and expressions of a desugared function, lowered to IR.

The AST this reads has been through desugar.py (break, continue and return are
structured; comprehensions carry their loops) and liveness.py (each statement
knows which names are read after it). Names are bound in the memory model's
environment (memory.py): a name holds a reference to an object, so that `z = y`
makes two names for one array and a write through either is seen by both. Each
function lowered inline (a callee that writes into its arguments, a nested def)
is a *frame*: its names are keyed (frame, name) in the one environment, and it
shares the caller's memory.

`Lowerer` keeps the names, the statements and assignment; its expressions are in
expressions.py, lists and dicts built in the function in containers.py, calls in
calls.py and loops in loops.py.
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
from .calls import Calls
from .containers import Containers
from .expressions import BINOPS, COMPARE, UNARY, Expressions
from .heap import VALUE, Ref
from .loops import LoopLowering
from .memory import TRUTH_OPS
from .scope import bound_names
from .values import (BoundMethod, DictValue, ListValue, LocalFunction, RecordValue, Static,
                     TupleValue, map_leaves)

# What each unsupported statement or expression is called in error messages.
UNSUPPORTED = {
    gast.Global: ("a `global` statement", "pass the value in as an argument and return the new value"),
    gast.Nonlocal: ("a `nonlocal` statement", "pass the value in as an argument and return the new value"),
    gast.Try: ("a `try` statement", "move the try/except outside the differentiated function"),
    gast.With: ("a `with` statement", "move the with-block outside the differentiated function"),
    gast.AsyncWith: ("an `async with` statement", "differentiate a synchronous function"),
    gast.AsyncFor: ("an `async for` loop", "differentiate a synchronous function"),
    gast.AsyncFunctionDef: ("an async function", "differentiate a synchronous function"),
    gast.ClassDef: ("a class definition", "define the class at module level"),
    gast.Delete: ("`del` of an item or an attribute", "build a new list or dict without it"),
    gast.Raise: ("a `raise` statement", "check inputs before calling the differentiated function"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.Yield: ("a generator (`yield`)", "return a list or an array instead"),
    gast.YieldFrom: ("a generator (`yield from`)", "return a list or an array instead"),
    gast.Await: ("`await`", "differentiate a synchronous function"),
    gast.SetComp: ("a set comprehension", "use a list"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own"),
    gast.Starred: ("a starred expression", "pass the arguments one by one"),
    gast.Set: ("a set", "use a tuple or a list"),
}


class Lowerer(Expressions, Containers):
    """Lowers the statements of one frame (see the module docstring).

    `owner`: for a nested def or lambda, the Lowerer of the function that defines it,
    whose variables it reads; `bindings` (rules only) fixes some parameters."""

    def __init__(self, parsed, node, memory, builder, *, frame=0, scope=None, owner=None,
                 bindings=None, inlining=()):
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
        if any(isinstance(v, Var) and self.memory.is_external(v) for v in values):
            return True   # a module's array, not held by a name (`helper(OFFSET)`)
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
        if isinstance(value, RecordValue):
            self.refuse(node, f"a {value.cls.__name__} used as a value here (passed to a "
                        "function that is not yours, or stored)",
                        "pass its fields, or return it from the function")
        if isinstance(value, (TupleValue,)):
            return self.runtime_value(value, node)
        if isinstance(value, Static):
            if value.var is not None:
                return value.var
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
        # each part held while the next is taken (which may join branches, keeping only
        # what something holds)
        at = len(self.memory.state.pending)
        self.memory.state.pending += [base, index]
        item = self.item(base, index, node)   # (the state may be another after each step)
        self.memory.state.pending.append(item)
        right = self.expr(node.value)
        self.memory.state.pending.append(right)
        for k in (2, 3, 1):   # x[i], v, i
            value = self.operand(self.memory.state.pending[at + k], node)
            self.memory.state.pending[at + k] = value
        base, index, item, right = self.memory.state.pending[at:at + 4]
        del self.memory.state.pending[at:]
        new = self.builder.emit(op, [item, right])
        self.memory.write(base, index, new, node)
        return None

    def stmt_Assert(self, node):
        """`assert test, message`: checked where it stands, in the forward sweep."""
        test = self.operand(self.expr(node.test), node)
        args = [test]
        if node.msg is not None:
            args.append(self.operand(self.expr(node.msg), node))
        self.builder.append(Op(P.ASSERT, args, outs=[], loc=self.loc_of(node)))

    def stmt_Delete(self, node):
        """`del name`: the name is unbound (reading it later is an error, as in Python)."""
        for target in node.targets:
            if not isinstance(target, gast.Name):
                self.refuse(node)   # (UNSUPPORTED says what to do)
            self.env.pop(self.key(target.id), None)

    def stmt_With(self, node):
        """`with sad.insert_grad_of(x) as gx:` (a gradient hook), or any other context
        manager: entered before the body and exited after it, in the forward sweep (the
        body is differentiated like any other code; the adjoint sweep runs outside)."""
        item = node.items[0] if len(node.items) == 1 else None
        call = item.context_expr if item is not None else None
        callee = self.expr(call.func) if isinstance(call, gast.Call) and \
            isinstance(call.func, (gast.Name, gast.Attribute)) else None
        if not (isinstance(callee, Static) and callee.obj is runtime.insert_grad_of):
            return self.with_context(node)
        if not (len(call.args) == 1 and isinstance(item.optional_vars, gast.Name)):
            self.refuse(node, "sad.insert_grad_of other than `with sad.insert_grad_of(x) "
                        "as gx:`")
        if getattr(node, "sad_exits", False):
            self.refuse(node, "return, break or continue in a gradient hook",
                        "the hook runs in the adjoint sweep: leave the loop after the "
                        "with block")
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

    def with_context(self, node):
        managers = []
        for item in node.items:
            manager = self.operand(self.expr(item.context_expr), node)
            if isinstance(manager, Var) and manager.is_temp:
                manager.hint = _manager_hint(item.context_expr)
            enter = self.builder.emit_op(P.GETATTR, [manager], attrs={"name": "__enter__"})
            value = self.builder.emit_op(P.CALL_OBJECT, [enter], attrs={"text": "__enter__"})
            managers.append(manager)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value)
        self.run(node.body)
        self.loc_here(node)
        for manager in reversed(managers):
            leave = self.builder.emit_op(P.GETATTR, [manager], attrs={"name": "__exit__"})
            self.builder.emit_op(P.CALL_OBJECT, [leave, Const(None), Const(None), Const(None)],
                                 attrs={"text": "__exit__"})

    # -- assignment ---------------------------------------------------------
    def assign(self, target, value):
        if isinstance(target, gast.Name):
            self.bind(target.id, value)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value)
        elif isinstance(target, gast.Subscript):
            # the value, the array and the index are each held while the next is taken
            # (taking one may join branches, which keep only what something holds)
            pending = self.memory.state.pending
            at = len(pending)
            pending.append(value)
            base, index = self.values([target.value, target.slice])
            value = self.memory.state.pending[at]
            if isinstance(base, (DictValue, ListValue)):
                del self.memory.state.pending[at:]
                key = self.container_key(base, index, target)
                self.set_container_item(base, key, value, target)
                return
            if not isinstance(base, (Ref, Var)):
                self.refuse(target, "an item assignment to something that is not an array",
                            "assign items of arrays (or of dicts and lists built in the function)")
            self.memory.state.pending += [base, index]
            index = self.operand(index, target)   # (the state may be another after it)
            self.memory.state.pending[at + 2] = index
            value = self.memory.state.pending[at]
            shares = value.objects() if isinstance(value, Ref) else ()
            value = self.operand(value, target)
            self.memory.state.pending[at] = value
            value, base, index = self.memory.state.pending[at:at + 3]
            del self.memory.state.pending[at:]
            self.memory.write(base, index, value, target, shares)
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
        if not isinstance(value, TupleValue) or \
                isinstance(value, RecordValue) and not value.is_tuple:
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
    return list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs) + \
        [a for a in (args.vararg, args.kwarg) if a is not None]


def _unnamed(key):
    """Whether an environment key holds something other than a name's value (a pending
    value, an iterable a loop is taking items of)."""
    name = key[1] if isinstance(key, tuple) else key
    return isinstance(name, str) and name.startswith("<")


__all__ = ["Lowerer", "BINOPS", "UNARY", "COMPARE", "TRUTH_OPS", "VALUE", "inspect"]


def _manager_hint(expr):
    """A name for a context manager made in a with statement: its callee's last name."""
    func = expr.func if isinstance(expr, gast.Call) else expr
    name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "context")
    return name if name.isidentifier() else "context"
