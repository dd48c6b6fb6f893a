"""Lowering: a gast FunctionDef → an IR Function in SSA form.

Names are resolved as Python would: parameters and assigned names are local;
anything else is a closure variable, a global, or a builtin. Modules and
callables are resolved at transformation time (``Static``) so calls can be
matched with primitives; other globals are loaded when the derivative runs,
so generated code sees the same module state as the user's function.
"""

import builtins
import inspect
import math
import os
import operator
import types

import gast
import numpy as np

from .. import runtime
from ..errors import NameResolutionError, UnsupportedSyntaxError
from ..ir import primitives as P
from ..ir.core import Block, Const, Function, If, Loop, Op, Var, Zero
from .old_sharing import (CONSTRUCTORS, IN_PLACE_FUNCTIONS, IN_PLACE_METHODS, SAME_OR_COPY,
                      VIEW_MAKERS, array_root, arrays_written, augmented_names, nodes_in,
                      plainly_assigned, returns_parameters, surely_view, target_names,
                      writes_parameters)
from .source import ParsedFunction, parse_function

_BINOP = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul,
          gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor}
_AUG_TEXT = {gast.Add: "+=", gast.Sub: "-=", gast.Mult: "*=", gast.Div: "/=",
             gast.Pow: "**=", gast.MatMult: "@="}
_UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
          gast.Invert: operator.invert}
_COMPARE = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
            gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
            gast.Is: operator.is_, gast.IsNot: operator.is_not}

for _obj in _BINOP.values():
    P.defprim(_obj)
for _obj in _UNARY.values():
    P.defprim(_obj)
P.defprim(operator.or_, emit=("binop", __import__("ast").BitOr), name="or_", differentiable=False,
          shape="elementwise")
P.defprim(operator.and_, emit=("binop", __import__("ast").BitAnd), name="and_",
          differentiable=False, shape="elementwise")
for _obj in list(_COMPARE.values())[:6]:
    P.defprim(_obj)
P.defprim(operator.is_, emit=("compare", __import__("ast").Is), differentiable=False)
P.defprim(operator.is_not, emit=("compare", __import__("ast").IsNot), differentiable=False)

# What each unsupported statement or expression is called in error messages.
_UNSUPPORTED_HINTS = {
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
    gast.ListComp: ("a list comprehension", "build the list with a loop"),
    gast.SetComp: ("a set comprehension", "use a list"),
    gast.DictComp: ("a dict comprehension", "build the dict with a loop"),
    gast.GeneratorExp: ("a generator expression", "build a list with a loop"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own"),
    gast.Starred: ("a starred expression", "pass the arguments one by one"),
    gast.JoinedStr: ("an f-string", "format strings outside the differentiated function"),
    gast.Set: ("a set", "use a tuple or a list"),
}


_BRK, _CONT, _RET, _RETV = "<break>", "<continue>", "<return>", "<return value>"
_FLAG_HINTS = {_BRK: "stop", _CONT: "skip", _RET: "returned", _RETV: "result"}


def _hint(name):
    if "<comprehension" in name:   # a comprehension's own names: the user's, or `items`
        return name.split("<", 1)[0] or "items"
    return _FLAG_HINTS.get(name, name)


def _same(a, b):
    return a is b or (isinstance(a, Const) and isinstance(b, Const) and a == b)


def _contains(node, kind, own_loop=False):
    """Whether `node` contains a `kind` statement (not inside nested functions; with
    own_loop, not inside loops nested in `node`)."""
    def visit(n, top):
        if isinstance(n, kind):
            return True
        if isinstance(n, (gast.FunctionDef, gast.Lambda, gast.ClassDef)):
            return False
        if own_loop and not top and isinstance(n, (gast.For, gast.While)):
            return False
        return any(visit(c, False) for c in gast.iter_child_nodes(n))
    if isinstance(node, list):
        return any(visit(n, False) for n in node)
    return any(visit(c, False) for c in gast.iter_child_nodes(node))


def _always_returns(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    if isinstance(last, gast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


def _names_loaded(node):
    if node is None:
        return set()
    nodes = node if isinstance(node, list) else [node]
    return {n.id for root in nodes for n in gast.walk(root)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _names_loaded_outside(root, skip):
    """Names loaded in `root` but not inside the subtree `skip`."""
    out = set()

    def visit(n):
        if n is skip:
            return
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            out.add(n.id)
        for c in gast.iter_child_nodes(n):
            visit(c)
    visit(root)
    return out


def _upward_exposed(stmts):
    """Names a statement list may read before assigning them (conservatively)."""
    assigned = set()
    exposed = set()
    for s in stmts:
        if isinstance(s, (gast.Assign, gast.AugAssign)):
            value = s.value
            exposed |= _names_loaded(value) - assigned
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                if s.target.id not in assigned:
                    exposed.add(s.target.id)
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            for t in targets:
                exposed |= _names_loaded(t) - assigned
                assigned |= {n.id for n in gast.walk(t)
                             if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        elif isinstance(s, gast.For):   # the body reads the target after the header sets it
            exposed |= _names_loaded(s.iter) - assigned
            exposed |= _names_loaded(s.body) - assigned - target_names(s.target)
        else:
            exposed |= _names_loaded(s) - assigned
    return exposed


class Static:
    """A value known at transformation time (a module or a callable) and how to spell it."""

    __slots__ = ("obj", "text")

    def __init__(self, obj, text):
        self.obj = obj
        self.text = text


class TupleValue:
    """A tuple built in the user's code; kept as a compile-time structure."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = tuple(items)


_UNSET = object()


class DictValue:
    """A dict built in the user's code (or passed in), with keys known while lowering."""

    __slots__ = ("keys", "values")

    def __init__(self, keys, values):
        self.keys = tuple(keys)
        self.values = tuple(values)

    def get(self, key):
        for k, v in zip(self.keys, self.values):
            if k == key and type(k) is type(key):
                return v
        raise KeyError(key)

    def with_item(self, key, value):
        keys, values = list(self.keys), list(self.values)
        for i, k in enumerate(keys):
            if k == key and type(k) is type(key):
                values[i] = value
                return DictValue(keys, values)
        return DictValue(keys + [key], values + [value])


def flatten(value):
    """(leaves, tree) of a lowered value: tree is None for a leaf, ("tuple", subtrees),
    ("list", subtrees) or ("dict", keys, subtrees)."""
    if isinstance(value, TupleValue):
        parts = [flatten(v) for v in value.items]
        kind = "list" if isinstance(value, ListValue) else "tuple"
        return [leaf for p in parts for leaf in p[0]], (kind, tuple(p[1] for p in parts))
    if isinstance(value, DictValue):
        parts = [flatten(v) for v in value.values]
        return [leaf for p in parts for leaf in p[0]], ("dict", value.keys,
                                                       tuple(p[1] for p in parts))
    return [value], None


def unflatten(tree, leaves):
    """The structured value of `tree` over the leaves (an iterator or a list)."""
    leaves = iter(leaves)

    def build(t):
        if t is None:
            return next(leaves)
        items = [build(sub) for sub in t[-1]]
        if t[0] == "dict":
            return DictValue(t[1], items)
        return ListValue(items) if t[0] == "list" else TupleValue(items)
    return build(tree)


def _leaf_vars(name, tree, out):
    """Parameters for the leaves of argument `name` (params["W"] is `params_W`)."""
    if tree is None:
        v = Var(_ident_of(name))
        out.append(v)
        return [v]
    keys = tree[1] if tree[0] == "dict" else range(len(tree[-1]))
    vars_ = []
    for k, sub in zip(keys, tree[-1]):
        vars_ += _leaf_vars(f"{name}_{k}", sub, out)
    return vars_


def _ident_of(text):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in str(text))
    return name if name and not name[0].isdigit() else "v" + name


class ListValue(TupleValue):
    """A list built in the user's code, known item by item while it is lowered."""

    __slots__ = ()


class LocalFunction:
    """A nested def or a lambda: its AST, its default values, and the enclosing
    variables it may read."""

    __slots__ = ("node", "defaults", "free", "lowering", "owner")

    def __init__(self, node, defaults, owner):
        self.node = node
        self.defaults = defaults
        self.owner = owner      # the Lowerer of the function that defines it
        params = {a.id for a in node.args.args}
        self.free = (_names_loaded(node.body) | {n.id for n in gast.walk(node)
                                                  if isinstance(n, gast.Name)}) - params
        self.lowering = False


class _Nested:
    """The ParsedFunction of a nested def: its enclosing function's file and lines."""

    def __init__(self, parsed, node):
        self.fn = parsed.fn
        self.node = node
        self.lines = parsed.lines
        self.filename = parsed.filename
        self.line_offset = parsed.line_offset

    def loc(self, node):
        return ParsedFunction.loc(self, node)


class BoundMethod:
    """`x.sum` before it is called: the receiver and the method's name."""

    __slots__ = ("receiver", "name")

    def __init__(self, receiver, name):
        self.receiver = receiver
        self.name = name


# Array attributes and methods, by the NumPy functions that compute them.
_ARRAY_ATTRIBUTES = {"T": np.transpose, "shape": np.shape, "ndim": np.ndim, "size": np.size}
_ARRAY_METHODS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
    "std": np.std, "var": np.var, "cumsum": np.cumsum, "cumprod": np.cumprod,
    "dot": np.dot, "reshape": np.reshape, "transpose": np.transpose, "ravel": np.ravel,
    "flatten": np.ravel, "squeeze": np.squeeze, "swapaxes": np.swapaxes, "clip": np.clip,
    "round": np.round, "argmax": np.argmax, "argmin": np.argmin, "argsort": np.argsort,
    "any": np.any, "all": np.all, "copy": np.copy, "astype": None, "trace": np.trace,
    "diagonal": np.diagonal, "repeat": np.repeat, "take": np.take, "conj": np.conj,
}


# Calls whose tuple or list arguments their rules need to see item by item, filled by
# rules.variadic: each maps the callable to a function `(args, kwargs) -> (callable, args,
# kwargs)` (positional args lowered, a tuple or list still a TupleValue), or None to leave
# the call as written. np.concatenate((a, b), axis=1) becomes a call of the primitive for
# two arrays, taking them one by one so that each gets its own derivative; the split
# points of np.split(x, [2, 5]) become a constant, which decides how many arrays it returns.
VARIADIC_CALLS = {}


def _variadic(obj):
    try:
        return VARIADIC_CALLS.get(obj)
    except TypeError:  # unhashable callables are never variadic primitives
        return None


class TupleParams:
    """A binding (rules only) that turns one parameter into `n`, seen in the body as a
    tuple: the `ans` of a primitive with several outputs. The items at the positions in
    `nones` are None instead (cotangents known to be zero; see registry.vjp_rule)."""

    __slots__ = ("n", "nones")

    def __init__(self, n, nones=()):
        self.n = n
        self.nones = tuple(nones)

    def _key(self):
        return ("tuple_params", self.n, self.nones)


class NeverNone:
    """A binding (rules only): the cotangent parameters `names` hold arrays, never None
    (the others are bound to None: see registry.vjp_rule)."""

    __slots__ = ("names",)

    def __init__(self, names):
        self.names = tuple(names)

    def _key(self):
        return ("never_none", self.names)


def _assigned_names(stmts, appends=True):
    """The names `stmts` assign (`x[i] = v` and `xs.append(v)` assign x and xs; with
    appends=False, only names a `.append` call could not be a module method of)."""
    names = set()
    for node in stmts:
        for sub in gast.walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Del)):
                names.add(sub.id)
            elif isinstance(sub, gast.Subscript) and isinstance(sub.ctx, gast.Store):
                base = sub.value       # x[i] = v (and x[i][j] = v) assigns x
                while isinstance(base, gast.Subscript):
                    base = base.value
                if isinstance(base, gast.Name):
                    names.add(base.id)
            elif isinstance(sub, gast.FunctionDef):
                names.add(sub.name)
            elif appends and isinstance(sub, gast.Call) and \
                    isinstance(sub.func, gast.Attribute) and sub.func.attr == "append" and \
                    isinstance(sub.func.value, gast.Name):
                names.add(sub.func.value.id)   # xs.append(v) makes xs a new list
    return names


_TRUTH_OPS = tuple(_COMPARE.values()) + (operator.not_, np.isnan, np.isfinite, np.isinf,
                                        math.isnan, math.isfinite, math.isinf, bool)


def _inverse_view(fn, args, kwargs):
    """How to turn a view made by `fn(*args, **kwargs)`, written into, back into its
    array's layout: a function (lowerer, view, base) -> the array's new values; None
    where sourcead does not know one."""
    if fn is np.transpose:
        axes = args[1] if len(args) > 1 else kwargs.get("axes", Const(None))
        if not isinstance(axes, Const):
            return None
        inverse = None if axes.value is None else Const(tuple(int(k) for k in np.argsort(axes.value)))
        return lambda lw, v, base: lw.emit(np.transpose, [v] if inverse is None else [v, inverse])
    if fn is np.swapaxes and len(args) == 3 and all(isinstance(a, Const) for a in args[1:]):
        return lambda lw, v, base: lw.emit(np.swapaxes, [v, args[1], args[2]])
    if fn in (np.reshape, np.ravel):
        return lambda lw, v, base: lw.emit(np.reshape, [v, lw.emit(np.shape, [base])])
    return None


def _global_hint(text):
    """A local name for the value of the global `text` (`DT` -> `dt`; never the global's
    own name, which a local of that name would hide)."""
    name = _ident_of(text.rsplit(".", 1)[-1].lower())
    return name if name != text else name + "_value"


def _exit_flag_of(stmt):
    """The flag `if c: break` (or `continue`) sets, for an if with nothing else in it."""
    if len(stmt.body) == 1 and not stmt.orelse:
        if isinstance(stmt.body[0], gast.Break):
            return _BRK
        if isinstance(stmt.body[0], gast.Continue):
            return _CONT
    return None


def _renamed(node, names):
    """A copy of the AST `node` with the variables in `names` renamed."""
    import copy
    node = copy.deepcopy(node)
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in names:
            n.id = names[n.id]
    return node


def _is_static(obj):
    return isinstance(obj, (types.ModuleType, type)) or callable(obj)


class Lowerer:
    """Lowers one function. `bindings` fixes some parameters to constants (used for rules)."""

    def __init__(self, parsed, bindings=None):
        self.parsed = parsed
        self.fn = parsed.fn
        self.bindings = bindings      # None for user code; a dict for derivative rules
        code = self.fn.__code__
        self.cells = dict(zip(code.co_freevars, self.fn.__closure__ or ()))
        self.globals = self.fn.__globals__
        self.env = {}
        self.stmts = []
        self.global_names = set()
        self.free_names = set()
        self.loc = None
        self.loops = []
        self.loop_envs = []   # the environment each enclosing loop's body started from
        self.loop_dicts = []  # the dicts each enclosing loop carries, leaf by leaf
        self.views = {}       # Var -> (fn, args, kwargs, attrs) of a view-making op
        self.same_array = {}  # Var -> the Var it is the same array as, with items written
        self.array_aliases = {}  # Var -> the Var whose array it is, if that is an array
        self.shared_params = set()   # an inlined callee's parameters: the caller's values
        self.appended_items = []     # (Var, node) appended to lists built at run time
        self.writes = []             # the arrays written into (by item or in place)
        self.never_none = set()      # a rule's cotangents (see registry.vjp_rule)
        self.maybe_arguments = {}    # Var -> the function whose result may be its argument
        self.maybe_same = {}         # Var -> the Vars it is in some branch (an if's result)
        self.defs = {}               # Var -> the Op emitted for it
        self.structure = {}          # parameter name -> tree of a tuple/list/dict argument
        self.inlining = frozenset()  # the user's functions being inlined (functions passed)
        self.result_tree = _UNSET    # the structure of what the function returns

    # -- errors -------------------------------------------------------------
    def unsupported(self, node, what=None, hint=None):
        if what is None:
            what, hint = _UNSUPPORTED_HINTS.get(type(node), (f"`{type(node).__name__}`", None))
        raise UnsupportedSyntaxError(f"sourcead cannot differentiate {what}", self.parsed.loc(node),
                                     hint=hint)

    # -- entry point --------------------------------------------------------
    def lower(self):
        node = self.parsed.node
        args = node.args
        if args.vararg is not None or args.kwarg is not None:
            self.unsupported(node, "a function with *args or **kwargs",
                             "list the parameters explicitly")
        params = []
        for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs):
            bound = self.bindings.get(a.id) if self.bindings else None
            tree = self.structure.get(a.id)
            if tree is not None and tree[0] == "callable":
                # a function passed as an argument: known while lowering, called by name
                v = Var(a.id)
                params.append(v)
                self.env[a.id] = Static(tree[1], a.id)
            elif tree is not None:   # a tuple/list/dict: one parameter per leaf
                leaves = []
                self.env[a.id] = unflatten(self.structure[a.id], _leaf_vars(
                    a.id, self.structure[a.id], leaves))
                params += leaves
            elif isinstance(bound, TupleParams):   # one parameter per item, packed as a tuple
                items = [Const(None) if k in bound.nones else Var(f"{a.id}{k}")
                         for k in range(bound.n)]
                params += [v for v in items if isinstance(v, Var)]
                self.env[a.id] = TupleValue(items)
                if a.id in self.bindings.get("<cotangents>", NeverNone(())).names:
                    self.never_none.update(v for v in items if isinstance(v, Var))
            elif bound is not None:
                self.env[a.id] = bound
            else:
                v = Var(a.id)
                params.append(v)
                self.env[a.id] = v
                if a.id in (self.bindings or {}).get("<cotangents>", NeverNone(())).names:
                    self.never_none.add(v)
        # `xs.append(v)` assigns xs only where xs is a local list (np.append is not)
        self.local_names = _assigned_names(node.body, appends=False) | \
            {a.id for a in args.args} | {a.id for a in args.posonlyargs} | \
            {a.id for a in args.kwonlyargs}
        body = list(node.body)
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring
        results, returns_tuple = self.block(body, top=True)
        tree = None if self.result_tree is _UNSET else self.result_tree
        if tree is not None and all(t is None for t in tree[-1]) and tree[0] == "tuple":
            tree = None   # a flat tuple: returns_tuple says it all
        fn = Function(node.name, params, Block([], self.stmts, results),
                        filename=self.parsed.filename, returns_tuple=returns_tuple,
                        source_lines=self.parsed.lines, firstlineno=self.parsed.line_offset + 1,
                        free_names=sorted(self.free_names), global_names=sorted(self.global_names))
        fn.result_tree = tree
        return fn

    def block(self, body, top=False):
        """Lower the function body; returns (results, returns_tuple)."""
        returned = self.run(body)
        if returned is None:
            return [Const(None)], False
        return returned

    def run(self, body):
        """Lower a statement list in the current context.

        Returns (results, returns_tuple) if it returns (outside loops), None if it
        falls through. Inside loops, `break`, `continue` and `return` set flags
        (values in the environment under names no user variable can have), and the
        statements after one that may have set a flag run under `if not flag`.
        """
        body = list(body)
        while body:
            stmt = body.pop(0)
            self.loc = self.parsed.loc(stmt)
            if isinstance(stmt, gast.Return):
                if self.loops:
                    value = self.expr(stmt.value) if stmt.value is not None else Const(None)
                    self.env[_RET] = Const(True)
                    self.env[_RETV] = value
                    self.env[_BRK] = Const(True)
                    return None
                if body:
                    self.unsupported(body[0], "code after a return statement",
                                     "remove the unreachable code")
                return self.return_value(stmt)
            if isinstance(stmt, (gast.Break, gast.Continue)):
                if not self.loops:
                    self.unsupported(stmt, f"`{type(stmt).__name__.lower()}` outside a loop")
                self.env[_BRK if isinstance(stmt, gast.Break) else _CONT] = Const(True)
                return None
            if isinstance(stmt, gast.If):
                cond = self.expr(stmt.test)
                if isinstance(cond, Const):
                    # Decided at transformation time (a constant, or a rule's
                    # static argument): only the branch taken is lowered.
                    taken = stmt.body if cond.value else stmt.orelse
                    body = list(taken) + ([] if _always_returns(taken) else body)
                    continue
                cond = self.operand(cond, stmt)
                if not self.loops and _contains(stmt, gast.Return):
                    return self.returning_if(stmt, cond, body)
                flag = _exit_flag_of(stmt)
                if flag is not None and self.loops and \
                        isinstance(self.env.get(flag, Const(False)), Const) and \
                        not self.env.get(flag, Const(False)).value:
                    # `if c: break` sets the flag to c itself (no branch that sets it)
                    self.env[flag] = cond if self.is_truth_value(cond) else \
                        self.emit(bool, [cond])
                    self.env[flag].hint = _hint(flag)
                else:
                    self.lower_if(cond, stmt.body, stmt.orelse, stmt)
            elif isinstance(stmt, (gast.For, gast.While)):
                self.lower_loop(stmt)
                if not self.loops and _contains(stmt, gast.Return):
                    returned = self.env.pop(_RET)
                    value = self.env.pop(_RETV)
                    self.env.pop(_BRK, None)
                    return self.returning_flag(returned, value, body, stmt)
            else:
                self.statement(stmt)
            if self.loops and body:
                guard = self.exit_flag((_CONT, _BRK, _RET))
                if isinstance(guard, Const):
                    if guard.value:
                        return None   # the rest is unreachable
                    continue
                self.lower_if(guard, [], body, stmt, guard_only=True)
                return None
        return None

    def short_loc(self, node):
        """`file.py:line` of `node`, for messages written into generated code."""
        loc = self.parsed.loc(node)
        return f"{os.path.basename(loc.filename)}:{loc.lineno}"

    def is_truth_value(self, v):
        """Whether `v` is made by a comparison or a logical operator (True or False)."""
        op = self.defs.get(v)
        return op is not None and op.prim.impl in _TRUTH_OPS

    def exit_flag(self, names):
        """The OR of the flags in `names` that are set, or Const(False)."""
        flags = [self.env[n] for n in names if n in self.env]
        if any(isinstance(f, Const) and f.value for f in flags):
            return Const(True)
        flags = [f for f in flags if not isinstance(f, Const)]
        if not flags:
            return Const(False)
        out = flags[0]
        for f in flags[1:]:
            out = self.emit(operator.or_, [out, f])
            out.hint = "exiting"
        return out

    # -- control flow -------------------------------------------------------
    def sub(self, body, env, extra=None):
        """Lower `body` into a fresh statement list from `env`; returns (stmts, env, returned)."""
        saved_stmts, saved_env = self.stmts, self.env
        self.stmts, self.env = [], dict(env)
        try:
            returned = self.run(body) if extra is None else extra(body)
            return self.stmts, self.env, returned
        finally:
            self.stmts, self.env = saved_stmts, saved_env

    def merge_into(self, branches, node, names=None):
        """Make the branch environments agree; returns (names, per-branch result lists)."""
        if names is None:
            keys = set()
            for _, env, _ in branches:
                keys |= set(env)
            names = sorted(k for k in keys
                           if not all(_same(env.get(k), branches[0][1].get(k))
                                      for _, env, _ in branches))
        results = []
        for stmts, env, _ in branches:
            saved_stmts, self.stmts = self.stmts, stmts
            try:
                results.append([self.operand(env.get(n, Const(None)), node) for n in names])
            finally:
                self.stmts = saved_stmts
        return names, results

    def lower_if(self, cond, body, orelse, node, guard_only=False):
        then = self.sub(body, self.env)
        env = self.env
        if guard_only:  # `orelse` runs when no flag is set: there, every flag is False
            env = dict(env)
            for flag in (_CONT, _BRK, _RET):
                if flag in env:
                    env[flag] = Const(False)
        other = self.sub(orelse, env)
        if guard_only:
            for flag in (_CONT, _BRK, _RET):
                # the flag is the guard where the rest ran (False) unless the rest set it:
                # it keeps the guard's value, with no `flag = False` there
                if then[1].get(flag) is cond and _same(other[1].get(flag), Const(False)):
                    other[1][flag] = cond
        names, (then_res, else_res) = self.merge_into([then, other], node)
        outs = [Var(_hint(n)) for n in names]
        self.stmts.append(If(cond, Block([], then[0], then_res), Block([], other[0], else_res),
                             outs, loc=self.parsed.loc(node)))
        for n, o, a, b in zip(names, outs, then_res, else_res):
            root = self.env.get(n)
            self.env[n] = o
            self.note_branches(o, a, b)
            if isinstance(root, Var) and self.is_same_array(a, root) and \
                    self.is_same_array(b, root):
                self.same_array[o] = root   # the same array, written in either branch

    def note_branches(self, out, a, b):
        """`out` is `a` in one branch and `b` in the other: the same array as either."""
        same = {v for v in (a, b) if isinstance(v, Var)}
        if same:
            self.maybe_same[out] = same

    def branch_sharing(self, v):
        """The Vars bound in the environment that may be `v`'s array depending on the
        branch an if took (`z = y if c else y.copy()`), in either direction."""
        def closure(x):
            seen, todo = set(), [x]
            while todo:
                for y in self.maybe_same.get(todo.pop(), ()):
                    if y not in seen:
                        seen.add(y)
                        todo.append(y)
            return seen
        held = {leaf for value in self.env.values() for leaf in flatten(value)[0]
                if isinstance(leaf, Var)}
        mine = closure(v)
        return sorted((h for h in held if h is not v and (h in mine or v in closure(h))),
                      key=lambda x: x.id)

    def follow_branch_sharing(self, old, new, node):
        """After `old`'s array was written (as `new`): names that hold an array that is
        `old`'s in some branch see the write where it is (asked at run time)."""
        for v in self.branch_sharing(old):
            if self.views_of(v) or self.view_source(v) is not None:
                self.unsupported(node, "a write into an array that is, depending on the "
                                 "branch an if took, the array of another name with views "
                                 "of it", "take a .copy() in every branch")
            test = self.emit(operator.is_, [old, v])
            test.hint = "same"
            self.rebind(v, new, {}, node, test)

    def returning_if(self, node, cond, rest):
        """An if with a return in it, outside loops: what follows runs in the branches
        that fall through, and the if's results are the function's."""
        branches = []
        for part in (node.body, node.orelse):
            stmts, env, returned = self.sub(part + ([] if _always_returns(part) else rest),
                                            self.env)
            if returned is None:
                returned = ([Const(None)], False)
            branches.append((stmts, returned))
        (s1, (r1, t1)), (s2, (r2, t2)) = branches
        if len(r1) != len(r2) or t1 != t2:
            self.unsupported(node, "branches that return tuples of different lengths",
                             "return the same structure from every branch")
        if self.bindings is not None:   # a rule's results are named where they are used
            outs = [Var("t", is_temp=True) for _ in r1]
        else:
            outs = [Var(r.hint if isinstance(r, Var) and not r.is_temp else
                        self.parsed.node.name) for r in r1]
        self.stmts.append(If(cond, Block([], s1, r1), Block([], s2, r2), outs,
                             loc=self.parsed.loc(node)))
        return outs, t1

    def returning_flag(self, returned, value, rest, node):
        """After a loop that may return: `if returned: return value` and the rest otherwise."""
        if isinstance(returned, Const):
            if returned.value:
                return self.return_operand(value, node)
            return self.run(rest)
        s1, _, _ = self.sub([], self.env)
        r1 = self.return_operand(value, node)
        s2, _, r2 = self.sub(rest, self.env)
        if r2 is None:
            r2 = ([Const(None)], False)
        if len(r1[0]) != len(r2[0]) or r1[1] != r2[1]:
            self.unsupported(node, "returns of tuples of different lengths",
                             "return the same structure everywhere")
        outs = [Var(self.parsed.node.name) for _ in r1[0]]
        self.stmts.append(If(returned, Block([], s1, r1[0]), Block([], s2, r2[0]), outs,
                             loc=self.parsed.loc(node)))
        return outs, r1[1]

    def return_operand(self, value, node):
        """The results for returning `value`: its leaves, and whether they are a tuple (or
        a nested structure of tuples, lists and dicts: see `result_tree`)."""
        leaves, tree = flatten(value)
        self.note_result_tree(tree, node)
        return [self.operand(v, node) for v in leaves], tree is not None

    def note_result_tree(self, tree, node):
        if self.loops:
            return   # recorded where the loop's returned value is returned
        if self.result_tree is not _UNSET and self.result_tree != tree:
            self.unsupported(node, "return statements that return different structures",
                             "return the same tuple, list or dict shape everywhere")
        self.result_tree = tree

    def lower_loop(self, node):
        if node.orelse:
            kind = "for" if isinstance(node, gast.For) else "while"
            self.unsupported(node, f"a {kind}/else loop",
                             "set a flag before `break` and test it after the loop")
        loc = self.parsed.loc(node)
        bounds, index, bind, targets = [], None, None, set()
        checkpoint = None
        test = node.test if isinstance(node, gast.While) else None
        if isinstance(test, gast.Call) and isinstance(test.func, (gast.Name, gast.Attribute)):
            marker = self.expr(test.func)
            if isinstance(marker, Static) and marker.obj is runtime.checkpointed:
                # while sad.checkpointed(cond, snapshots=s): online checkpointing
                test = self.checkpoint_marker(test, node)
                if self.checkpoint[0] != "binomial":
                    self.unsupported(node, "every= for a while loop",
                                     "give it snapshots=s (its length is not known)")
                checkpoint, self.checkpoint = ("online", self.checkpoint[1]), None
        if isinstance(node, gast.For):
            targets = target_names(node.target)
            header = self.loop_header(node)
            checkpoint, self.checkpoint = self.checkpoint, None
            if isinstance(header, list):
                return self.unroll(node, header)
            bounds, index, bind = header
        carried = self.carried_names(node, targets)
        may_break = _contains(node, gast.Break, own_loop=True)
        may_return = _contains(node, gast.Return)
        if may_break or may_return:
            self.env.setdefault(_BRK, Const(False))
            self.env[_BRK] = Const(False)
            carried.append(_BRK)
        if may_return:
            self.env.setdefault(_RET, Const(False))
            self.env.setdefault(_RETV, Const(None))
            carried += [_RET, _RETV]
        shared = self.shared_arrays(node, targets)
        for w in shared:
            if w not in carried:
                carried.append(w)
        iterated = set()
        if isinstance(node, gast.For):   # a loop over an array it writes into
            iterated = {r for r in (array_root(a) for a in (
                node.iter.args if isinstance(node.iter, gast.Call) else [node.iter]))
                if r is not None} & self.written_arrays([node]) & set(self.env)
            carried += sorted(iterated - set(carried))
        following = set().union(*(entry[0] for entry in shared.values()))
        carried = [n for n in carried if n not in following]
        carried, dicts, hints = self.carry_dicts(carried)

        def hint(n):
            return hints.get(n) or _hint(n)
        inits = [self.operand(self.env.get(n, Const(None)), node) for n in carried]
        for n, v in zip(carried, inits):
            if isinstance(v, Var) and v.is_temp:   # a list made for the loop: `hs = []`
                v.hint, v.is_temp = hint(n), False
        params = [Var(hint(n)) for n in carried]
        env = dict(self.env)
        env.update(zip(carried, params))
        for n, (tree, keys) in dicts.items():   # the dict of the carried leaves
            env[n] = unflatten(tree, [env[k] for k in keys])
        for n, p, v in zip(carried, params, inits):
            if n in iterated:
                self.same_array[p] = v
        cond_block = None
        before = {w: self.env[w] for w in shared}
        if isinstance(node, gast.While):
            cond_params = [Var(hint(n)) for n in carried]
            cenv = dict(self.env)
            cenv.update(zip(carried, cond_params))
            for n, (tree, keys) in dicts.items():
                cenv[n] = unflatten(tree, [cenv[k] for k in keys])

            def lower_test(_):
                for w, (_, tests, array_test) in shared.items():
                    # the condition sees w's sharing names as they are before each iteration
                    self.rebind(before[w], self.env[w], tests, node, array_test)
                c = self.operand(self.expr(test), node)
                self.env["<cond>"] = c
                return None
            cstmts, cenv_after, _ = self.sub(None, cenv, extra=lower_test)
            cond_block = Block(cond_params, cstmts, [cenv_after["<cond>"]])
        for flag, start in ((_BRK, Const(False)), (_RET, Const(False)), (_RETV, Const(None))):
            if flag in carried:
                env[flag] = start   # the loop stops once one is set: each iteration starts clear
        if _contains(node, gast.Continue, own_loop=True):
            env[_CONT] = Const(False)

        def body(stmts):
            self.loc = loc
            for w, (_, tests, array_test) in shared.items():
                # names that share w's array see it as it is at the start of this iteration
                self.rebind(before[w], self.env[w], tests, node, array_test)
            self.loop_envs[-1].update(self.env)
            if bind is not None:
                bind()
            return self.run(stmts)
        self.loops.append(node)
        self.loop_envs.append(env)
        self.loop_dicts.append(set(dicts))
        try:
            stmts, benv, _ = self.sub(node.body, env, extra=body)
        finally:
            self.loops.pop()
            self.loop_envs.pop()
            self.loop_dicts.pop()
        for n, (tree, keys) in dicts.items():   # the same keys at the end of an iteration
            value = benv.get(n)
            if not isinstance(value, DictValue) or flatten(value)[1] != tree:
                self.unsupported(node, f"a loop that changes the keys of the dict `{n}`",
                                 "give the dict all its keys before the loop")
            benv.update(zip(keys, flatten(value)[0]))
        for w in sorted(self.written_arrays(node.body) & set(carried)):
            if any(self.is_same_array(v, env[w]) for v in self.writes):
                self.check_appended(benv[w], node)   # the next iteration writes into it
        for w in sorted(set(shared) | iterated):
            if not self.is_same_array(benv[w], env[w], numbers=w in shared and
                                      shared[w][2] is not None):
                self.unsupported(node, f"a loop that writes into `{w}` and also assigns "
                                 f"`{w}` a new array, while other names share its array or "
                                 "views of it", f"take a .copy() where you make those names, "
                                 f"or write into `{w}` only by items")
        _, (results,) = self.merge_into([(stmts, benv, None)], node, names=carried)
        attrs = {}
        if _BRK in carried:
            attrs["exit"] = carried.index(_BRK)
        if checkpoint is not None:
            attrs["checkpoint"] = checkpoint
        body = Block(([index] if index is not None else []) + params, stmts, results)
        outs = [Var(hint(n), is_temp=n.startswith("<comprehension")) for n in carried]
        kind = "range" if isinstance(node, gast.For) else "while"
        self.stmts.append(Loop(kind, inits, body, outs, bounds=bounds, cond=cond_block, loc=loc,
                               attrs=attrs))
        for n, o, v in zip(carried, outs, inits):
            self.env[n] = o
            if n in shared:
                self.same_array[o] = v
        for n, (tree, keys) in dicts.items():
            self.env[n] = unflatten(tree, [self.env.pop(k) for k in keys])
        for w, (_, tests, array_test) in shared.items():   # ... and after it
            self.rebind(before[w], self.env[w], tests, node, array_test)

    def carry_dicts(self, carried):
        """A dict carried by a loop (`params["w"] = params["w"] - lr * g`) is carried leaf
        by leaf, its keys fixed: (carried names with each such dict's leaves in its place,
        {dict name: (tree, leaf names)}, {leaf name: hint})."""
        out, dicts, hints = [], {}, {}
        for n in carried:
            value = self.env.get(n)
            if not isinstance(value, DictValue):
                out.append(n)
                continue
            leaves, tree = flatten(value)
            keys = [f"<{n} leaf {k}>" for k in range(len(leaves))]
            top = value.keys if all(t is None for t in tree[-1]) else range(len(leaves))
            for key, leaf, label in zip(keys, leaves, top):
                self.env[key] = leaf
                hints[key] = _ident_of(f"{n}_{label}")
            dicts[n] = (tree, keys)
            out += keys
        return out, dicts, hints

    def shared_arrays(self, node, targets):
        """The arrays the loop writes items of that other names share (the same array, a
        view of it, or a list or dict holding either), where the loop or what follows it
        reads those names: {written name: (sharing names, run-time view tests)}."""
        test = node.test if isinstance(node, gast.While) else None
        reads = _names_loaded(node.body) | _names_loaded(test) | augmented_names(node.body)
        after = self.loaded_after(node)
        # a slice written only by augmented assignment stays the same view: it follows
        rebound = plainly_assigned(node.body) | targets | (
            augmented_names(node.body) - self.following_views(node.body))
        exposed = _upward_exposed(node.body) | _names_loaded(test)
        shared = {}
        taken = set()
        items = self.written_arrays(node.body, augmented=False)
        self.guard_views(node, exposed)
        for w in sorted(self.written_arrays(node.body) & set(self.env)):
            old = self.env[w]
            if not isinstance(old, Var) or w in taken:
                continue
            views = set(self.views_of(old))
            follow = set()
            for m, value in self.env.items():
                if m == w or m.startswith("<"):
                    continue
                if not any(leaf is old or leaf in views for leaf in flatten(value)[0]):
                    continue
                if m in rebound:
                    if m in exposed:
                        self.unsupported(node, f"`{m}`, which shares the array of `{w}`, "
                                         "assigned anew in a loop that writes into that array",
                                         f"take a .copy() of `{w}` where you make `{m}`")
                    continue
                if m in reads or m in after:
                    follow.add(m)
            if follow:
                maybe_number = w not in items   # only `w += v` in the loop
                array_test = self.emit(runtime.is_array, [old]) if maybe_number else None
                if array_test is not None:
                    array_test.hint = "is_array"
                shared[w] = (follow, self.view_tests(old), array_test)
                taken |= {m for m in follow if self.env[m] is old}
        return shared

    def guard_views(self, node, exposed):
        """`s += v` in a loop, where s starts as a view of another array: NumPy writes
        into that array on every iteration. A slice or transpose is refused here; a
        value that is a view or a number depending on the array (`s = x[0]`: a number
        from a vector, a row of a matrix) is checked before the loop runs."""
        for sub in nodes_in(node.body):
            if not (isinstance(sub, gast.AugAssign) and isinstance(sub.target, gast.Name)):
                continue
            name = sub.target.id
            value = self.env.get(name)
            made = self.view_source(value) if isinstance(value, Var) else None
            if made is None or name not in exposed:
                continue
            base = made[1][0]
            what = f"`{name} {_AUG_TEXT.get(type(sub.op), '+=')} ...` in a loop where `{name}` " \
                   "starts as a view of another array (NumPy writes into that array)"
            hint = f"take a copy where you make `{name}` (`.copy()`, or float() of a number)"
            if surely_view(made[0], made[1]):
                if name in self.following_views(node.body):
                    continue   # a slice written in place each iteration: it follows its array
                self.unsupported(sub, what, hint)
            where = f"{self.short_loc(sub)}: {name} {_AUG_TEXT.get(type(sub.op), '+=')} ..."
            self.emit(runtime.check_not_view, [value, base, Const(where)])

    def check_not_appended(self, v, node):
        if isinstance(v, Var):
            self.writes.append(v)
        self.check_appended(v, node)

    def still_read(self, arrays):
        """Whether a name still holds one of `arrays` or a view of one."""
        for a in arrays:
            seen = {a} | set(self.views_of(a))
            if any(leaf in seen for value in self.env.values()
                   for leaf in flatten(value)[0] if isinstance(leaf, Var)):
                return True
        return False

    def check_appended(self, v, node):
        """Refuse a write into an array that a list built at run time already holds, or a
        view of (the list would show the write in NumPy; in the derivative it keeps the
        old values), or that may be what a function of yours returned of its argument."""
        if not isinstance(v, Var):
            return
        for out, (name, given) in self.maybe_arguments.items():
            if self.is_same_array(v, out) and self.still_read(given):
                self.unsupported(node, f"a write into what {name} returned, which may be "
                                 "the array it was given (NumPy would write into that array "
                                 "too)", "take a .copy() of the result before writing")
        for item, where in self.appended_items:
            root, view = item, False
            while root in self.views and surely_view(*self.views[root][:2]) is not False:
                root, view = self.views[root][1][0], True
            if self.is_same_array(v, item) or view and self.is_same_array(v, root):
                what = "a view of it" if view and not self.is_same_array(v, item) else "it"
                self.unsupported(node, f"a write into an array after {what} was appended to "
                                 f"a list (line {self.parsed.loc(where).lineno}): the list "
                                 "would show the write", "append a .copy(), or make a new "
                                 "array before writing")

    def written_arrays(self, stmts, augmented=True):
        """The names `stmts` write arrays of (see sharing.arrays_written), with those of
        the arrays that views made before them and written there (`interior += v`) see."""
        names = arrays_written(stmts, augmented, scope=self.globals)
        for name in self.following_views(stmts):
            base = self.views[self.env[name]][1][0]
            names |= {n for n, v in self.env.items() if v is base}
        return names

    def following_views(self, stmts):
        """The names `stmts` augment in place that hold a slice of another array, and
        nothing else assigns (`interior = u[1:-1]` before a loop of `interior += v`):
        they stay that view, so they follow the array they view."""
        names = set()
        for name in augmented_names(stmts) - plainly_assigned(stmts):
            made = self.views.get(self.env.get(name)) if \
                isinstance(self.env.get(name), Var) else None
            if made is not None and made[0] is operator.getitem and \
                    surely_view(made[0], made[1]) and \
                    any(v is made[1][0] for v in self.env.values()):
                names.add(name)
        return names

    def is_same_array(self, v, root, numbers=False):
        """Whether `v` is `root`'s array with items written; with `numbers`, also where
        that holds only if root is an array (`a += x` on a number re-binds a)."""
        while v is not root:
            v = self.same_array.get(v) or (self.array_aliases.get(v) if numbers else None)
            if v is None:
                return False
        return True

    def loop_header(self, node):
        """How a for loop runs: (bounds, index Var, binder of the target per iteration),
        or the list of items of a sequence known at transformation time."""
        target, it = node.target, node.iter
        self.checkpoint = None
        if isinstance(it, gast.Call) and isinstance(it.func, (gast.Name, gast.Attribute)):
            marker = self.expr(it.func)
            if isinstance(marker, Static) and marker.obj is runtime.checkpointed:
                it = self.checkpoint_marker(it, node)
        call = self.static_call(it)
        index = Var(_hint(target.id)) if isinstance(target, gast.Name) else None
        if self.checkpoint is not None and not (index is not None and call is not None and
                                                call[0] is range):
            self.unsupported(node, "sad.checkpointed around something other than range(...)",
                             "write for i in sad.checkpointed(range(n), snapshots=s)")

        def bind_name():
            self.env[target.id] = index
        if index is not None and call is not None and call[0] is range:
            return self.range_bounds(call[1], node), index, bind_name
        if index is not None and call is not None and call[0] is reversed and len(call[1]) == 1:
            inner = self.static_call(call[1][0])
            if inner is not None and inner[0] is range:
                a, b, step = self.range_bounds(inner[1], node)
                if step == Const(1):   # reversed(range(a, b)) is range(b - 1, a - 1, -1)
                    return [self.emit(operator.sub, [b, Const(1)]),
                            self.emit(operator.sub, [a, Const(1)]), Const(-1)], index, bind_name
        seq = self.sequence(it, node)
        if isinstance(seq, list):
            return seq
        length, item = seq
        index = Var(self.index_name(), is_temp=True)

        def bind():
            value = item(index)
            self.assign(target, value)
            index.is_temp = False   # named after the target it was assigned to, or `i`
        return [Const(0), length, Const(1)], index, bind

    def index_name(self):
        """A name for the index of a loop over a sequence: i, j, k, ... one per loop depth,
        none the user's."""
        taken = self.local_names | {n.id for loop in self.loops for n in gast.walk(loop)
                                    if isinstance(n, gast.Name)}
        free = [n for n in ("i", "j", "k", "m", "n") if n not in taken]
        return free[min(len(self.loops), len(free) - 1)] if free else "index"

    def checkpoint_marker(self, call, node):
        """`sad.checkpointed(range(n), snapshots=s)` (or every=k): the schedule, checked now
        when its numbers are constants; returns the range expression."""
        if len(call.args) != 1 or len(call.keywords) != 1 or \
                call.keywords[0].arg not in ("snapshots", "every"):
            self.unsupported(node, "this sad.checkpointed(...)",
                             "write sad.checkpointed(range(n), snapshots=s) or every=k")
        kind = "binomial" if call.keywords[0].arg == "snapshots" else "periodic"
        count = self.operand(self.expr(call.keywords[0].value), node)
        if isinstance(count, Const):
            v = count.value
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{self.parsed.loc(node)}: sad.checkpointed needs "
                                 f"{call.keywords[0].arg} a positive integer, got {v!r}")
        if _contains(node, (gast.Break, gast.Return), own_loop=True):
            self.unsupported(node, "break or return in a checkpointed loop",
                             "run it for the whole range")
        for sub in gast.walk(node):
            if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Attribute) and \
                    sub.func.attr == "append" and isinstance(sub.func.value, gast.Name):
                self.unsupported(sub, f"appending to `{sub.func.value.id}` in a checkpointed "
                                 "loop: its steps run again while the loop is reversed, and "
                                 "would append again",
                                 "carry the values as arrays, or checkpoint a loop without it")
            if isinstance(sub, gast.Global) or isinstance(sub, gast.Nonlocal):
                self.unsupported(sub)
        self.checkpoint = (kind, count)
        return call.args[0]

    def static_call(self, node):
        """(callable, argument nodes) for a call of a function known statically, else None."""
        if not isinstance(node, gast.Call) or node.keywords and not isinstance(node.func, gast.Name):
            return None
        callee = self.expr(node.func) if isinstance(node.func, (gast.Name, gast.Attribute)) \
            else None
        if not isinstance(callee, Static) or callee.obj not in (range, enumerate, zip, reversed):
            return None
        if any(isinstance(a, gast.Starred) for a in node.args):
            self.unsupported(node, "a starred argument of a loop's iterable",
                             "pass the sequences one by one")
        kw = {k.arg: k.value for k in node.keywords}
        if set(kw) - ({"start"} if callee.obj is enumerate else set()):
            self.unsupported(node, f"keyword arguments to {callee.obj.__name__}()")
        args = list(node.args) + ([kw["start"]] if "start" in kw else [])
        return callee.obj, args

    def range_bounds(self, args, node):
        if not 1 <= len(args) <= 3:
            self.unsupported(node, f"range() with {len(args)} arguments")
        bounds = [self.operand(self.expr(a), node) for a in args]
        if len(bounds) == 1:
            bounds = [Const(0)] + bounds
        if len(bounds) == 2:
            bounds = bounds + [Const(1)]
        return bounds

    def sequence(self, it, node):
        """A loop's iterable: a list of its items if known at transformation time (a
        tuple or list literal), else (length operand, item function of the index)."""
        call = self.static_call(it)
        if call is None:
            if isinstance(it, (gast.List, gast.Tuple)):
                return [self.expr(e) for e in it.elts]
            value = self.expr(it)
            if isinstance(value, TupleValue):
                return list(value.items)
            if isinstance(value, DictValue):   # a dict iterates over its keys
                return [Const(k) for k in value.keys]
            seq = self.operand(value, node)
            if isinstance(it, gast.Name) and isinstance(node, gast.For) and \
                    it.id in self.written_arrays([node]):
                # NumPy's iterator reads the array as the loop has written it so far
                return (self.emit(len, [seq]),
                        lambda k: self.emit(operator.getitem, [self.env[it.id], k]))
            return (self.emit(len, [seq]),
                    lambda k: self.emit(operator.getitem, [seq, k]))
        fn, args = call
        if fn is range:
            a, b, step = self.range_bounds(args, node)
            if all(isinstance(x, Const) for x in (a, b, step)):
                return [Const(v) for v in range(a.value, b.value, step.value)]
            length = self.emit(len, [self.emit(range, [a, b, step])])
            return length, lambda k: self.emit(operator.add, [a, self.emit(operator.mul, [k, step])])
        if fn is reversed:
            if len(args) != 1:
                self.unsupported(node, "reversed() with more than one argument")
            inner = self.sequence(args[0], node)
            if isinstance(inner, list):
                return inner[::-1]
            length, item = inner
            return length, lambda k: item(self.emit(operator.sub, [
                self.emit(operator.sub, [length, Const(1)]), k]))
        if fn is enumerate:
            if not 1 <= len(args) <= 2:
                self.unsupported(node, "enumerate() with more than two arguments")
            start = self.operand(self.expr(args[1]), node) if len(args) == 2 else Const(0)
            inner = self.sequence(args[0], node)
            if isinstance(inner, list):
                if isinstance(start, Const):
                    return [TupleValue((Const(start.value + k), v)) for k, v in enumerate(inner)]
                return [TupleValue((self.emit(operator.add, [start, Const(k)]), v))
                        for k, v in enumerate(inner)]
            length, item = inner
            return length, lambda k: TupleValue((self.emit(operator.add, [k, start]), item(k)))
        # zip
        inners = [self.sequence(a, node) for a in args]
        if not inners:
            return []
        if all(isinstance(s, list) for s in inners):
            return [TupleValue(items) for items in zip(*inners)]
        if any(isinstance(s, list) for s in inners):
            self.unsupported(node, "zip() of a literal sequence and an array or list",
                             "make both literal tuples, or both arrays")
        lengths = [s[0] for s in inners]
        length = lengths[0] if len(lengths) == 1 else self.emit(min, lengths)
        return length, lambda k: TupleValue(tuple(s[1](k) for s in inners))

    def unroll(self, node, items):
        """A loop over a sequence known at transformation time: its body once per item."""
        for kind in (gast.Break, gast.Continue):
            if _contains(node, kind, own_loop=True):
                self.unsupported(node, f"`{kind.__name__.lower()}` in a loop over a literal "
                                 "sequence (sourcead unrolls such loops)",
                                 "loop over range(len(...)) of a sequence built before the loop")
        if _contains(node, gast.Return):
            self.unsupported(node, "`return` in a loop over a literal sequence (sourcead "
                             "unrolls such loops)", "set a variable and return after the loop")
        for item in items:
            self.loc = self.parsed.loc(node)
            self.assign(node.target, item)
            self.run(node.body)

    def carried_names(self, node, targets):
        """Names the loop must carry: assigned in it, and read before being assigned in an
        iteration, or read after the loop."""
        assigned = ((_assigned_names(node.body) | self.written_arrays(node.body)) &
                    self.local_names) - targets
        exposed = _upward_exposed(node.body) | (_names_loaded(node.test)
                                                if isinstance(node, gast.While) else set())
        after = self.loaded_after(node)
        # a target read after the loop keeps its last value (Python's semantics)
        return sorted(n for n in assigned if n in exposed or n in after) + \
            sorted(targets & after)

    def loaded_after(self, node):
        end = getattr(node, "end_lineno", node.lineno)
        names = {n.id for n in gast.walk(self.parsed.node)
                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                 and getattr(n, "lineno", 0) > end}
        for outer in self.loops:   # the next iteration of an enclosing loop reads it too
            names |= _names_loaded_outside(outer, node)
        return names

    def return_value(self, stmt):
        if stmt.value is None:
            return [Const(None)], False
        value = self.expr(stmt.value)
        if isinstance(value, (TupleValue, DictValue)):
            return self.return_operand(value, stmt)
        self.note_result_tree(None, stmt)
        result = self.operand(value, stmt)
        if isinstance(result, Var) and result.is_temp and self.bindings is None and \
                self.parsed.node.name != "<lambda>":
            # An unnamed result is named after the function: `loss = np.sum(...)`.
            result.hint, result.is_temp = self.parsed.node.name, False
        return [result], False

    # -- statements ---------------------------------------------------------
    def statement(self, node):
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            self.unsupported(node)
        method(node)

    def stmt_FunctionDef(self, node):
        if node.decorator_list:
            self.unsupported(node, "a decorated nested def", "apply the decorator outside")
        self.assign(gast.Name(node.name, gast.Store(), None, None), self.local_function(node))

    def expr_Lambda(self, node):
        body = gast.Return(value=node.body)
        gast.copy_location(body, node.body)
        fn = gast.FunctionDef(name="<lambda>", args=node.args, body=[body],
                              decorator_list=[], returns=None, type_comment=None,
                              type_params=[])
        gast.copy_location(fn, node)
        return self.local_function(fn)

    def local_function(self, node):
        """A nested def or lambda: its defaults evaluated now, as Python does."""
        args = node.args
        if args.vararg is not None or args.kwarg is not None or args.kwonlyargs:
            self.unsupported(node, "a nested function with *args, **kwargs or keyword-only "
                             "parameters", "list its parameters explicitly")
        defaults = [self.expr(d) for d in args.defaults]
        return LocalFunction(node, defaults, self)

    def call_local(self, fn, node):
        """A call of a nested def or lambda: its body inlined here, reading the variables
        of the enclosing function that it reads as they are at the time of the call."""
        if fn.lowering:
            self.unsupported(node, f"a recursive nested function ({fn.node.name})",
                             "define it at module level")
        names = [a.id for a in fn.node.args.args]
        values = {}
        for name, a in zip(names, node.args):
            if isinstance(a, gast.Starred):
                self.unsupported(a)
            values[name] = self.expr(a)
        if len(node.args) > len(names):
            self.unsupported(node, f"{len(node.args)} arguments to a function of {len(names)}")
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in names or kw.arg in values:
                self.unsupported(node, f"the keyword argument {kw.arg} here")
            values[kw.arg] = self.expr(kw.value)
        for name, d in zip(names[len(names) - len(fn.defaults):], fn.defaults):
            values.setdefault(name, d)
        missing = [n for n in names if n not in values]
        if missing:
            self.unsupported(node, f"a call without the argument `{missing[0]}`")
        env = fn.owner.env   # the enclosing variables as they are now, as Python reads them
        fn.lowering = True
        sub = Lowerer(fn.owner.parsed, self.bindings)
        sub.parsed = _Nested(fn.owner.parsed, fn.node)
        sub.local_names = _assigned_names(fn.node.body, appends=False) | set(names) | \
            (fn.free & set(env))
        sub.env = {n: env[n] for n in fn.free if n in env}
        sub.env.update(values)
        sub.loc = self.loc
        given, tests = self.share_with(sub, sub.env)
        try:
            returned = sub.run(list(fn.node.body))
        finally:
            fn.lowering = False
        self.stmts.extend(sub.stmts)
        self.see_writes(sub, given, tests, node,
                        names=None if fn.owner is self else set(given) - set(values))
        self.global_names |= sub.global_names
        self.free_names |= sub.free_names
        if returned is None:
            return Const(None)
        results, as_tuple = returned
        return TupleValue(results) if as_tuple else results[0]

    def stmt_With(self, node):
        """`with sad.insert_grad_of(x) as gx:` (a gradient hook); other with statements are
        refused."""
        item = node.items[0] if len(node.items) == 1 else None
        call = item.context_expr if item is not None else None
        callee = self.expr(call.func) if isinstance(call, gast.Call) and \
            isinstance(call.func, (gast.Name, gast.Attribute)) else None
        if not (isinstance(callee, Static) and callee.obj is runtime.insert_grad_of and
                len(call.args) == 1 and isinstance(item.optional_vars, gast.Name)):
            self.unsupported(node)
        x = self.operand(self.expr(call.args[0]), node)
        name = item.optional_vars.id
        gx = Var(name)
        stmts, env, returned = self.sub(node.body, dict(self.env, **{name: gx}))
        if returned is not None or _contains(node.body, (gast.Return, gast.Break,
                                                         gast.Continue)):
            self.unsupported(node, "return, break or continue in a gradient hook")
        saved, self.stmts = self.stmts, stmts
        try:
            result = self.operand(env[name], node)
        finally:
            self.stmts = saved
        self.stmts.append(Op(P.GRAD_HOOK, [x], outs=[], loc=self.parsed.loc(node),
                             attrs={"block": Block([gx], stmts, [result])}))

    def stmt_Pass(self, node):
        pass

    def stmt_Expr(self, node):
        value = node.value
        if isinstance(value, gast.Constant):
            return  # a bare string or number: a comment
        self.expr(value)

    def stmt_Assign(self, node):
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value)

    def stmt_AugAssign(self, node):
        op = _BINOP.get(type(node.op))
        if op is None:
            self.unsupported(node, f"the operator {type(node.op).__name__}")
        if isinstance(node.target, gast.Subscript):   # x[i] += v is x[i] = x[i] + v
            current = self.operand(self.expr(node.target), node)
            right = self.operand(self.expr(node.value), node)
            value = self.emit(op, [current, right])
            base = node.target.value
            if isinstance(base, gast.Name) and isinstance(
                    self.env.get(base.id), (DictValue, ListValue)) and \
                    isinstance(current, Var) and self.is_shared(base.id, current):
                # xs[0] += v on an array a list holds: written into that array
                self.write_whole(f"{base.id}[...]", current, value, node,
                                 lambda v: self.set_item(node.target, v))
            else:
                self.assign(node.target, value)
            return
        if not isinstance(node.target, gast.Name):
            self.unsupported(node, "augmented assignment to an attribute",
                             "assign to a variable")
        left = self.operand(self.name(node.target), node)
        right = self.operand(self.expr(node.value), node)
        value = self.emit(op, [left, right])
        if isinstance(left, Var) and self.is_shared(node.target.id, left):
            self.write_whole(node.target.id, left, value, node)
        else:
            self.assign(node.target, value)

    def is_shared(self, name, v):
        """Whether array `v`, bound to `name`, is also reachable otherwise: under another
        name, in a list or dict, through a view of it, or as a view of another array."""
        if self.view_source(v) is not None or self.views_of(v) or v in self.shared_params \
                or self.branch_sharing(v):
            return True
        return any(any(leaf is v or self.array_aliases.get(leaf) is v
                       for leaf in flatten(value)[0])
                   for n, value in self.env.items() if n != name)

    def write_whole(self, name, old, new, node, set_target=None):
        """`a += v` where a's array is shared: if a is an array, NumPy writes the result
        into it, so every name sharing it (or the array a is a view of) sees the change; a
        number is just re-bound. Where only the running program can tell which, the
        generated code asks. `set_target(value)` binds the target (`name` by default)."""
        if set_target is None:
            def set_target(value):
                self.env[name] = value
        target = node
        made = self.view_source(old)
        if made is not None:
            fn, args = made[0], made[1]
            if fn is not operator.getitem and \
                    _inverse_view(fn, args, made[2] or {}) is not None:
                # t += v on a transpose or a reshape: all of t written, and through it
                self.write_through(name, old, made, Const(Ellipsis), new, node)
                return
            if fn is not operator.getitem:
                self.unsupported(node, f"augmented assignment to `{name}`, a view of another "
                                 f"array made by {getattr(fn, '__name__', fn)} (NumPy would "
                                 "write through it)", "write into the original array, or "
                                 f"write `{name} = {name} ...` for a new array")
            base, index = args[0], args[1]

            def write():
                self.check_not_appended(base, node)
                tests = self.view_tests(base)
                written = self.emit(runtime.set_item, [base, index, new])
                written.hint, written.is_temp = base.hint, False
                self.same_array[written] = base
                self.rebind(base, written, tests, target)
                self.follow_branch_sharing(base, written, node)
                item = self.emit(operator.getitem, [written, index])
                item.hint = old.hint
                set_target(item)
            if surely_view(fn, args):
                write()
                return
            test = self.emit(runtime.shares_memory, [old, base])
            test.hint = "is_view"
        else:
            def write():
                self.check_not_appended(old, node)
                tests = self.view_tests(old)
                self.array_aliases[new] = old   # old's array, if old is an array
                self.rebind(old, new, tests, target)
                self.follow_branch_sharing(old, new, node)
            test = self.emit(runtime.is_array, [old])
            test.hint = "is_array"

        def rebound():
            set_target(new)
        self.branch(test, write, rebound, node)

    def branch(self, cond, then_fn, else_fn, node):
        """An If on `cond` whose branches run then_fn() and else_fn() on the environment;
        names either changes are merged after it."""
        then = self.sub(None, self.env, extra=lambda _: then_fn())
        other = self.sub(None, self.env, extra=lambda _: else_fn())
        for n, v in then[1].items():   # lists and dicts with the same items in both
            w = other[1].get(n)
            if isinstance(v, (TupleValue, DictValue)) and type(w) is type(v) and \
                    flatten(v)[1] == flatten(w)[1] and \
                    all(a is b for a, b in zip(flatten(v)[0], flatten(w)[0])):
                other[1][n] = v
        names, (r1, r2) = self.merge_into([then, other], node)
        outs = [Var(_hint(n)) for n in names]
        self.stmts.append(If(cond, Block([], then[0], r1), Block([], other[0], r2), outs,
                             loc=self.parsed.loc(node)))
        for n, v in then[1].items():   # the same new value in both (made before the If)
            if n not in names and v is not self.env.get(n):
                self.env[n] = v
        for n, o, a, b in zip(names, outs, r1, r2):
            self.env[n] = o
            for v in (a, b):   # the same array in both branches (written in one)
                if isinstance(v, Var) and self.is_same_array(v, b if v is a else a):
                    self.same_array[o] = b if v is a else a
            made = self.views.get(a)
            if made is not None and made[0] is operator.getitem:
                # a view in one branch, a number in the other: a view if NumPy says so
                base = next((o2 for n2, o2, a2 in zip(names, outs, r1) if a2 is made[1][0]),
                            made[1][0])
                self.views[o] = (operator.getitem, [base, made[1][1]], None, None)

    def assign(self, target, value):
        if isinstance(target, gast.Name):
            if isinstance(value, Var) and value.is_temp:
                value.hint = _hint(target.id)
                value.is_temp = False
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value, Var) and not any(isinstance(t, gast.Starred)
                                                  for t in target.elts):
                # a sequence known only at run time (the rows of an array, the list
                # np.gradient returns): its items, after checking how many there are
                n = len(target.elts)
                self.emit(runtime.check_length, [value, Const(n)])
                value = TupleValue([self.emit(operator.getitem, [value, Const(k)])
                                    for k in range(n)])
            if not isinstance(value, TupleValue):
                self.unsupported(target, "unpacking a value that is not a tuple",
                                 "unpack tuples built in the function or returned by primitives")
            if len(value.items) != len(target.elts):
                self.unsupported(target, f"unpacking {len(value.items)} values into "
                                 f"{len(target.elts)} names")
            # the values not yet assigned see the writes of those before them, as in NumPy
            # (`X[0], X[2] = X[2], X[0]` with rows of a matrix: views)
            key = f"<unpacking {id(target)}>"
            self.env[key] = type(value)(value.items)
            try:
                for k, t in enumerate(target.elts):
                    self.assign(t, self.env[key].items[k])
            finally:
                self.env.pop(key, None)
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) and \
                isinstance(self.env.get(target.value.id), (DictValue, ListValue)):
            self.set_item(target, value)
        elif isinstance(target, gast.Subscript):
            self.assign_item(target, self.operand(value, target))
        elif isinstance(target, gast.Attribute):
            self.unsupported(target, f"assignment to the attribute `.{target.attr}` (an object "
                             "changed through its attributes)",
                             "pass the values in as arguments and return the new ones")
        else:
            self.unsupported(target, f"assignment to {type(target).__name__.lower()}",
                             "assign to names, items of arrays, or keys of dicts")

    def assign_item(self, target, value):
        """`x[index] = v` on an array: x becomes `set_item(x, index, v)`, a new value in
        the IR (written in place in generated code where x is unshared). Every name bound
        to the same array sees the change, as in Python."""
        base = target.value
        if isinstance(base, gast.Subscript) and isinstance(base.value, gast.Name) and \
                isinstance(self.env.get(base.value.id), (DictValue, ListValue)):
            # d["W"][0] = v: into the array the dict holds (its other names see it)
            item = self.expr(base)
            if not isinstance(item, Var):
                self.unsupported(target, "an item assignment into an item of a list or "
                                 "dict that is not an array")
            index = self.operand(self.expr(target.slice), target)
            self.write_into(f"{base.value.id}_item", item, index, value, target)
            return
        if isinstance(base, gast.Subscript):   # x[i][j] = v: x[i] with v at j, back into x
            inner = self.operand(self.expr(base), target)
            made = self.views.get(inner)
            surely = surely_view(made[0], made[1]) if made is not None else None
            if surely is False:
                self.unsupported(target, "an item assignment into x[index][...] where "
                                 "x[index] is a copy (an index array or mask): NumPy changes "
                                 "the copy, not x", "write x[index, ...] = v")
            if surely is None and made is not None:
                # only the run can tell (an index computed at run time): checked then
                where = f"{self.short_loc(target)}: an item assignment into x[index][...]"
                self.emit(runtime.check_is_view, [inner, made[1][0], Const(where)])
            index = self.operand(self.expr(target.slice), target)
            self.assign_item(base, self.emit(runtime.set_item, [inner, index, value]))
            return
        if isinstance(base, (gast.Attribute, gast.Call)) and array_root(base) is not None:
            # y.T[0] = v, y.reshape(-1)[k] = v: into the view, and so into y
            inner = self.expr(base)
            if isinstance(inner, Var) and self.views.get(inner) is not None:
                index = self.operand(self.expr(target.slice), target)
                self.write_into(array_root(base), inner, index, value, target)
                return
        if not isinstance(base, gast.Name):
            self.unsupported(target, "an item assignment to an attribute or a call's result",
                             "assign to an array variable: x[i] = v")
        old = self.name(base)
        if not isinstance(old, Var):
            self.unsupported(target, f"an item assignment to `{base.id}`, which is not an "
                             "array", "assign items of arrays (or of dicts and lists built in "
                             "the function)")
        index = self.operand(self.expr(target.slice), target)
        self.write_into(base.id, old, index, value, target)

    def write_into(self, name, old, index, value, node):
        """`old[index] = value`. Where `old` is a view made by indexing (`row = Y[i]`,
        `r = y[0:2]`), the write goes into the array it views, as in NumPy: the view with
        the item written, stored back at the view's index (`Y[i] = row with row[j] = v`),
        and the view taken again. Views made otherwise (a reshape, a transpose) are
        refused."""
        view = self.view_source(old)
        if view is None:
            self.write_items(name, old, runtime.set_item, index, value, node)
            return
        fn, args = view[0], view[1]
        if fn is not operator.getitem:
            self.write_through(name, old, view, index, value, node)
            return
        base, at = args[0], args[1]
        if surely_view(fn, args) is None:   # a row, or a number: only the run can tell
            where = f"{self.short_loc(node)}: an item assignment into a view"
            self.emit(runtime.check_is_view, [old, base, Const(where)])
        inner = self.emit(runtime.set_item, [old, index, value])
        holder = self.holder_of(base)
        self.write_into(holder, base, at, inner, node)

    def write_through(self, name, old, view, index, value, node):
        """`old[index] = value` where `old` is a transpose or a reshape of another array:
        the view with the item written, turned back into the array's layout, is written
        over the whole array (`y[...] = np.transpose(t written)`). A reshape is a view
        only where NumPy could make one: the generated code asks."""
        fn, args, kwargs = view[0], view[1], view[2] or {}
        base = args[0]
        holder = self.holder_of(base)
        inverse = _inverse_view(fn, args, kwargs)
        if inverse is None:
            self.unsupported(node, f"writing into `{name}`, a view of another array made "
                             f"by {getattr(fn, '__name__', fn)}",
                             "write into the original array, or take a .copy()")

        def write():
            inner = self.emit(runtime.set_item, [old, index, value])
            back = inverse(self, inner, base)
            self.write_into(holder, base, Const(Ellipsis), back, node)
        if surely_view(fn, args):
            write()
            return
        test = self.emit(runtime.shares_memory, [old, base])
        test.hint = "is_view"

        def copied():   # a copy: the write changes only it
            self.write_items(name, old, runtime.set_item, index, value, node)
        self.branch(test, write, copied, node)

    def holder_of(self, v):
        """A name of the user's bound to `v` (for the hints of what is written into it)."""
        return next((n for n, w in self.env.items() if w is v and not n.startswith("<")),
                    v.hint)

    def write_items(self, name, old, fn, index, value, node):
        """`name`'s array `old` with items at `index` written by `fn` (set_item, or
        added_at for np.add.at): a new value in the IR, the same array for every name and
        view that shares it."""
        if self.is_discrete(old) and isinstance(value, Var):
            # an integer or boolean array rounds what is written into it: no derivative
            value = self.emit(runtime.stop_gradient, [value])
        self.check_not_appended(old, node)
        tests = self.view_tests(old)
        new = self.emit(fn, [old, index, value])
        new.hint, new.is_temp = _hint(name), False
        self.same_array[new] = old
        self.rebind(old, new, tests, node)
        self.follow_branch_sharing(old, new, node)

    def is_discrete(self, v):
        """Whether `v` is known while lowering to be an integer or boolean array (made with
        an integer dtype, by .astype(int), or by comparisons), or a view of one."""
        seen = set()
        while isinstance(v, Var) and v not in seen:
            seen.add(v)
            made = self.views.get(v)
            if made is not None:
                v = made[1][0]
                continue
            if v in self.same_array:
                v = self.same_array[v]
                continue
            op = self.defs.get(v)
            if op is None:
                return False
            fn = op.prim.impl
            if fn is runtime.astype_discrete or fn in _TRUTH_OPS:
                return True
            dtype = self.static_value(op.kwargs.get("dtype"))
            if fn in CONSTRUCTORS and dtype is not None:
                try:
                    return np.dtype(dtype).kind in "biu"
                except TypeError:
                    return False
            return False
        return False

    def static_value(self, x):
        """The value of a constant, or of a name of a module or builtin (`int`, `np.int32`)
        loaded as a global; None otherwise."""
        if isinstance(x, Const):
            return x.value
        op = self.defs.get(x) if isinstance(x, Var) else None
        if op is None or op.prim is not P.LOAD_GLOBAL:
            return None
        first, *rest = op.attrs["name"].split(".")
        value = self.globals.get(first, getattr(builtins, first, None))
        for part in rest:
            value = getattr(value, part, None)
        return value

    def views_of(self, old):
        """The values bound in the environment (directly or in lists, tuples and dicts)
        that are views of `old`, directly or through other views, bases first."""
        found = []

        def visit(v):
            made = self.views.get(v)
            if made is None or v in found:
                return made is not None and v in found
            if made[1][0] is old or visit(made[1][0]):
                found.append(v)
                return True
            return False
        for value in self.env.values():
            for leaf in flatten(value)[0]:
                if isinstance(leaf, Var):
                    visit(leaf)
        return found

    def view_tests(self, old):
        """For each value in the environment that may or may not be a view of `old` (an
        integer index gives a view of a matrix but a number from a vector; a reshape may
        copy), the run-time test of whether it is one, taken before `old` is written."""
        tests = {}
        for v in self.views_of(old):
            fn, args, _, _ = self.views[v]
            if surely_view(fn, args) is None:
                test = self.emit(runtime.shares_memory, [v, args[0]])
                test.hint = "is_view"
                tests[v] = test
        return tests

    def rebind(self, old, new, tests, node, array_test=None):
        """`old` became `new` (an item was written): every name bound to `old` now sees
        `new`, and each view of `old` (a slice, a transpose, a reshape...) is taken again
        from `new`, since in NumPy a view shows what is written into its base. With
        `array_test` (whether `old` is an array, known at run time), names bound to `old`
        see `new` only if it is: a number is not shared."""
        again = {}
        for value in self.env.values():
            for leaf in flatten(value)[0]:
                if isinstance(leaf, Var) and (leaf is old or self.array_aliases.get(leaf) is old):
                    if array_test is None:
                        again[leaf] = new
                    elif leaf not in again:
                        again[leaf] = self.select(array_test, lambda: new, lambda leaf=leaf: leaf,
                                                  node)
                        again[leaf].hint = leaf.hint
                        self.array_aliases[again[leaf]] = new
        again[old] = new if array_test is None else again.get(old, old)
        for v in self.views_of(old):
            fn, args, kwargs, attrs = self.views[v]
            base = again.get(args[0], args[0])
            if base is args[0] or surely_view(fn, args) is False:
                continue

            def retake(fn=fn, args=args, kwargs=kwargs, attrs=attrs, base=base, v=v):
                out = self.emit(fn, [base] + args[1:], kwargs, attrs)
                if isinstance(out, Var):
                    out.hint = v.hint
                return out
            if v in tests:
                out = self.select(tests[v], retake, lambda v=v: v, node)
                out.hint, out.is_temp = v.hint, v.is_temp
                # still a view of the new array where it was one (NumPy says which)
                self.views[out] = (fn, [base] + args[1:], kwargs, attrs)
            else:
                out = retake()
            out.is_temp = v.is_temp
            again[v] = out
        for name, value in list(self.env.items()):
            leaves, tree = flatten(value)
            if any(isinstance(leaf, Var) and leaf in again for leaf in leaves):
                self.env[name] = unflatten(tree, [again.get(leaf, leaf) if isinstance(leaf, Var)
                                                  else leaf for leaf in leaves])

    def view_source(self, v):
        """How `v` was made as a view of another array, if it may be one."""
        made = self.views.get(v)
        if made is not None and surely_view(made[0], made[1]) is not False:
            return made
        return None

    def set_item(self, target, value):
        """`d[key] = v` on a dict (or list) built in the function, with a constant key."""
        name = target.value.id
        self.check_container_update(name, target)
        container = self.env[name]
        key = self.expr(target.slice)
        if not isinstance(key, Const):
            self.unsupported(target, "an item assignment with a key computed at run time",
                             "use constant keys")
        if isinstance(container, DictValue):
            self.env[name] = container.with_item(key.value, value)
            return
        items = list(container.items)
        try:
            items[key.value] = value
        except (IndexError, TypeError):
            self.unsupported(target, f"the index {key.value!r} of a list of {len(items)}")
        self.env[name] = ListValue(items)

    def check_container_update(self, name, node):
        """A dict or list from before a loop cannot change inside it (its items are known
        while lowering, and a loop's iterations are not)."""
        if self.loop_envs and self.loop_envs[-1].get(name) is self.env.get(name) and \
                name not in self.loop_dicts[-1]:
            self.unsupported(node, f"changing `{name}`, a list or dict from before the loop, "
                             "inside the loop", "build it after the loop, or use an array")

    # -- expressions --------------------------------------------------------
    def expr(self, node):
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.unsupported(node)
        return method(node)

    def emit(self, fn, args, kwargs=None, attrs=None):
        prim = P.lookup(fn)
        if prim is None:
            prim = P.defprim(fn)
        if prim.pure and all(isinstance(a, Const) for a in args) and \
                all(isinstance(a, Const) for a in (kwargs or {}).values()):
            folded = P.fold(fn, args, kwargs or {})
            if folded is not None:
                return folded
        n = prim.outputs(args, kwargs or {})
        outs = [Var(prim.result_hint, is_temp=True) for _ in range(n)] if n != 1 else None
        op = Op(prim, args, kwargs, outs=outs, loc=self.loc, attrs=attrs)
        self.stmts.append(op)
        self.defs.update((o, op) for o in op.outs)
        if prim.impl in VIEW_MAKERS and len(op.outs) == 1 and args and isinstance(args[0], Var):
            self.views[op.out] = (fn, list(args), kwargs, attrs)
        if (prim.impl in SAME_OR_COPY or prim.impl is np.array and kwargs and
                _same(kwargs.get("copy"), Const(False))) and args and isinstance(args[0], Var):
            # np.asarray(y) is y itself when y is already an array of that type
            self.maybe_same[op.out] = {args[0]}
        return op.out if len(op.outs) == 1 else TupleValue(op.outs)

    def operand(self, value, node):
        """Turn a lowered value into an IR operand (materialising statics and tuples)."""
        if isinstance(value, (Var, Const, Zero)):
            return value
        if isinstance(value, ListValue):   # a list at run time (it may be appended to)
            out = self.emit_op(P.LIST, [self.operand(v, node) for v in value.items])
            return out
        if isinstance(value, TupleValue):
            items = [self.operand(v, node) for v in value.items]
            if all(isinstance(i, Const) for i in items):
                return Const(tuple(i.value for i in items))
            out = self.emit_op(P.TUPLE, items)
            out.is_temp = True   # written where it is used: x[i, :]
            return out
        if isinstance(value, Static):
            return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": value.text})
        what = {DictValue: "a dict", LocalFunction: "a nested function",
                BoundMethod: "a method"}.get(type(value), repr(value))
        self.unsupported(node, f"{what} used as a value here (passed to a function that is "
                         "not yours, stored, or mixed across branches or loops)",
                         "read its items where they are needed")

    def emit_op(self, prim, args, kwargs=None, attrs=None):
        op = Op(prim, args, kwargs, loc=self.loc, attrs=attrs)
        self.stmts.append(op)
        self.defs[op.out] = op
        if prim is P.LOAD_GLOBAL:   # `dt = DT`, or DT written where it is used once
            op.out.hint = _global_hint(attrs["name"])
            op.out.is_temp = True
        return op.out

    def expr_Constant(self, node):
        return Const(node.value)

    def expr_Name(self, node):
        return self.name(node)

    def name(self, node):
        name = node.id
        if name in self.local_names:
            if name not in self.env:
                if (name in self.cells or name in self.globals) and \
                        name not in plainly_assigned(self.parsed.node.body):
                    where = "the enclosing function's" if name in self.cells else "the module's"
                    self.unsupported(node, f"writing into `{name}`, {where} array (the "
                                     "derivative never changes arrays outside the function)",
                                     f"write into a copy made in the function: "
                                     f"{name.lower()}_copy = {name}.copy()")
                raise NameResolutionError(f"local variable '{name}' is read before it is assigned",
                                          self.parsed.loc(node))
            return self.env[name]
        if name in self.cells:
            try:
                obj = self.cells[name].cell_contents
            except ValueError:
                raise NameResolutionError(f"closure variable '{name}' is not bound yet",
                                          self.parsed.loc(node))
            if _is_static(obj):
                return Static(obj, self.spell(obj, name, free=True))
            self.free_names.add(name)
            return self.emit_op(P.LOAD_FREE, [], attrs={"name": name})
        if name in self.globals:
            obj = self.globals[name]
            if _is_static(obj):
                return Static(obj, self.spell(obj, name))
            self.global_names.add(name)
            return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": name})
        if hasattr(builtins, name):
            obj = getattr(builtins, name)
            return Static(obj, name)
        raise NameResolutionError(f"name '{name}' is not defined", self.parsed.loc(node),
                                  hint="define it at module level or pass it as an argument")

    def spell(self, obj, user_text, free=False):
        """How generated code refers to a static object: canonically if we can."""
        if isinstance(obj, types.ModuleType):
            alias = P.MODULE_ALIASES.get(obj.__name__)
            if alias:
                return alias
        else:
            try:
                return P.qualified_name(obj)
            except ValueError:
                pass
        root = user_text.split(".")[0]
        (self.free_names if free else self.global_names).add(root)
        return user_text

    def expr_Attribute(self, node):
        base = self.expr(node.value)
        if isinstance(base, Static):
            try:
                obj = getattr(base.obj, node.attr)
            except AttributeError:
                raise NameResolutionError(f"'{base.text}' has no attribute '{node.attr}'",
                                          self.parsed.loc(node))
            text = f"{base.text}.{node.attr}"
            if _is_static(obj):
                if isinstance(obj, types.ModuleType) and obj.__name__ in P.MODULE_ALIASES:
                    return Static(obj, P.MODULE_ALIASES[obj.__name__])
                try:
                    return Static(obj, P.qualified_name(obj))
                except ValueError:
                    return Static(obj, text)
            if isinstance(obj, float) and isinstance(base.obj, types.ModuleType) and \
                    base.obj.__name__ in ("numpy", "math"):
                return Const(obj)   # np.pi, np.inf, math.e: constants of the library
            return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": text})  # mod.CONST
        if isinstance(base, DictValue) and node.attr in ("keys", "values", "items", "get") or \
                isinstance(base, ListValue) and node.attr == "append":
            return BoundMethod(base, node.attr)
        if isinstance(base, Var) and node.attr == "append":   # a list at run time
            return BoundMethod(base, node.attr)
        if isinstance(base, Var) and node.attr in IN_PLACE_METHODS:   # y.fill(0.0)
            return BoundMethod(base, node.attr)
        if isinstance(base, (TupleValue, DictValue)) or node.attr not in _ARRAY_ATTRIBUTES and \
                node.attr not in _ARRAY_METHODS:
            base = self.operand(base, node)
            return self.emit_op(P.GETATTR, [base], attrs={"name": node.attr})
        base = self.operand(base, node)
        if node.attr in _ARRAY_ATTRIBUTES:   # x.T, x.shape: NumPy's function forms
            return self.emit(_ARRAY_ATTRIBUTES[node.attr], [base])
        return BoundMethod(base, node.attr)

    def expr_Tuple(self, node):
        return TupleValue(self.expr(e) for e in node.elts)

    def expr_List(self, node):
        return ListValue(self.expr(e) for e in node.elts)

    def expr_ListComp(self, node):
        return self.comprehension(node, "list")

    def expr_GeneratorExp(self, node):
        # A generator is consumed where it is made (sum(...), max(...), np.array(...)):
        # sourcead builds the list of its values, the same unless they have side effects.
        return self.comprehension(node, "list")

    def expr_DictComp(self, node):
        return self.comprehension(node, "dict")

    def comprehension(self, node, kind):
        """[e for v in seq if c] lowered as the loop that appends e to a new list (a dict
        comprehension: that sets d[k] = e), the comprehension's own variables renamed so
        that they do not leak into the function, as in Python."""
        self.comp_count = getattr(self, "comp_count", 0) + 1
        tag = f"<comprehension {self.comp_count}>"
        names = set()
        for g in node.generators:
            if getattr(g, "is_async", 0):
                self.unsupported(node, "an async comprehension")
            names |= target_names(g.target)
        node = _renamed(node, {n: n + tag for n in names})
        acc = gast.Name(tag, gast.Load(), None, None)
        if kind == "list":
            call = gast.Call(gast.Attribute(acc, "append", gast.Load()), [node.elt], [])
            inner = gast.Expr(call)
        else:
            target = gast.Subscript(gast.Name(tag, gast.Load(), None, None), node.key,
                                    gast.Store())
            inner = gast.Assign([target], node.value, None)
        for g in reversed(node.generators):
            for cond in reversed(g.ifs):
                inner = gast.If(cond, [inner], [])
            inner = gast.For(g.target, g.iter, [inner], [], None)
        for n in gast.walk(inner):   # the new nodes are located at the comprehension
            if getattr(n, "lineno", None) is None or getattr(n, "end_lineno", None) is None:
                gast.copy_location(n, node)
        self.local_names = self.local_names | {tag} | {n + tag for n in names}
        self.env[tag] = ListValue([]) if kind == "list" else DictValue([], [])
        self.run([inner])
        return self.env.pop(tag)

    def expr_Dict(self, node):
        keys = []
        for k in node.keys:
            key = self.expr(k) if k is not None else None
            if not isinstance(key, Const):
                self.unsupported(node, "a dict whose keys are not constants (or a ** entry)",
                                 "use constant keys: {'W': W, 'b': b}")
            keys.append(key.value)
        return DictValue(keys, [self.expr(v) for v in node.values])

    def expr_BinOp(self, node):
        op = _BINOP.get(type(node.op))
        if op is None:
            self.unsupported(node, f"the operator {type(node.op).__name__}")
        left = self.operand(self.expr(node.left), node)
        right = self.operand(self.expr(node.right), node)
        return self.emit(op, [left, right])

    def expr_UnaryOp(self, node):
        op = _UNARY[type(node.op)]
        return self.emit(op, [self.operand(self.expr(node.operand), node)])

    def expr_Compare(self, node):
        # a < b < c is a < b and b < c, with b evaluated once
        left = self.operand(self.expr(node.left), node)
        result = None
        for op_node, comp in zip(node.ops, node.comparators):
            right = self.operand(self.expr(comp), node)
            if isinstance(op_node, (gast.Is, gast.IsNot)) and \
                    any(isinstance(v, Const) and v.value is None for v in (left, right)) and \
                    any(v in self.never_none for v in (left, right) if isinstance(v, Var)):
                # a rule's cotangent is None only where it is known to be zero, and that
                # is bound while lowering (see registry.vjp_rule)
                value = Const(isinstance(op_node, gast.IsNot))
            else:
                value = self.emit(_COMPARE[type(op_node)], [left, right])
            result = value if result is None else self.short_circuit(result, value, node, "and")
            left = right
        return result

    def short_circuit(self, first, second_value, node, kind):
        """`first and second` / `first or second` for an already computed second value."""
        if isinstance(first, Const):
            return second_value if bool(first.value) == (kind == "and") else first
        return self.select(first, lambda: second_value, lambda: first, node) if kind == "and" \
            else self.select(first, lambda: first, lambda: second_value, node)

    def select(self, cond, then_fn, else_fn, node):
        """An If yielding then_fn() or else_fn(), each lowered in its own branch."""
        def branch(fn):
            saved = self.stmts
            self.stmts = []
            try:
                value = self.operand(fn(), node)
                return self.stmts, value
            finally:
                self.stmts = saved
        s1, v1 = branch(then_fn)
        s2, v2 = branch(else_fn)
        if not s1 and not s2 and _same(v1, v2):
            return v1
        out = Var("t", is_temp=True)
        self.stmts.append(If(cond, Block([], s1, [v1]), Block([], s2, [v2]), [out], loc=self.loc))
        self.note_branches(out, v1, v2)
        return out

    def expr_BoolOp(self, node):
        kind = "and" if isinstance(node.op, gast.And) else "or"

        def combine(values):
            first = self.operand(self.expr(values[0]), node)
            if len(values) == 1:
                return first
            if isinstance(first, Const):
                if bool(first.value) == (kind == "and"):
                    return combine(values[1:])
                return first
            rest = lambda: combine(values[1:])  # noqa: E731  (evaluated only when needed)
            if kind == "and":
                return self.select(first, rest, lambda: first, node)
            return self.select(first, lambda: first, rest, node)
        return combine(node.values)

    def expr_IfExp(self, node):
        cond = self.operand(self.expr(node.test), node)
        if isinstance(cond, Const):
            return self.expr(node.body if cond.value else node.orelse)
        return self.select(cond, lambda: self.expr(node.body), lambda: self.expr(node.orelse), node)

    def expr_Subscript(self, node):
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, DictValue):
            if not isinstance(index, Const):
                self.unsupported(node, "a dict read with a key computed at run time",
                                 "read dicts with constant keys")
            try:
                return base.get(index.value)
            except KeyError:
                self.unsupported(node, f"the key {index.value!r}, which the dict does not have")
        if isinstance(base, TupleValue) and isinstance(index, Const):
            if isinstance(index.value, int):
                try:
                    return base.items[index.value]
                except IndexError:
                    self.unsupported(node, f"index {index.value} of a sequence of "
                                     f"{len(base.items)}")
            if isinstance(index.value, slice):
                return type(base)(base.items[index.value])
        return self.emit(operator.getitem, [self.operand(base, node), self.operand(index, node)])

    def expr_Slice(self, node):
        parts = [self.expr(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        if all(isinstance(p, Const) for p in parts):
            return Const(slice(*(p.value for p in parts)))
        return self.emit(slice, [self.operand(p, node) for p in parts])

    def expr_Call(self, node):
        callee = self.expr(node.func)
        if isinstance(callee, Static) and callee.obj is runtime.checkpoint:
            # sad.checkpoint(f) at a call site: f, marked, known while lowering
            fn = self.expr(node.args[0]) if len(node.args) == 1 and not node.keywords else None
            if not isinstance(fn, Static) or not _is_user_function(fn.obj):
                self.unsupported(node, "sad.checkpoint of something other than a function of "
                                 "yours", "checkpoint a function defined in a file")
            return Static(runtime.checkpoint(fn.obj), fn.text)
        if isinstance(callee, BoundMethod):
            return self.method_call(callee, node)
        if isinstance(callee, LocalFunction):
            return self.call_local(callee, node)
        if isinstance(callee, Static) and callee.obj in (sum, max, min) and not node.keywords:
            folded = self.builtin_reduction(callee.obj, node)
            if folded is not None:
                return folded
        if isinstance(callee, Static) and callee.obj is len and len(node.args) == 1 and \
                isinstance(node.args[0], gast.Name):
            value = self.expr(node.args[0])
            if isinstance(value, (TupleValue, DictValue)):
                return Const(len(value.keys if isinstance(value, DictValue) else value.items))
        if not isinstance(callee, Static):
            if isinstance(node.func, gast.Attribute):
                self.unsupported(node, f"a call of the method `.{node.func.attr}` of an object",
                                 "call a function that takes the arrays as arguments")
            self.unsupported(node, "a call of a value computed at run time",
                             "call functions by name, or pass the function as an argument")
        if P.lookup(callee.obj) is None and _is_user_function(callee.obj):
            args = self.call_arguments(node, keep_tuples=True)
            kwargs = {}
            for kw in node.keywords:
                if kw.arg is None:
                    self.unsupported(node, "**kwargs in a call", "pass the arguments by name")
                kwargs[kw.arg] = self.expr(kw.value)
            return self.user_call(callee.obj, callee.text, args, kwargs, node)
        out = next((kw for kw in node.keywords if kw.arg == "out"), None)
        if out is not None and not (isinstance(out.value, gast.Constant) and
                                    out.value.value is None):
            # f(x, out=y) computes f(x) and writes it into y
            call = gast.Call(func=node.func, args=node.args,
                             keywords=[kw for kw in node.keywords if kw is not out])
            gast.copy_location(call, node)
            return self.write_all(out.value, self.expr(call), node)
        if callee.obj is np.copyto and len(node.args) == 2 and not node.keywords:
            self.write_all(node.args[0], self.expr(node.args[1]), node)
            return Const(None)
        if getattr(callee.obj, "__name__", "") == "at" and \
                getattr(callee.obj, "__self__", None) is np.add and len(node.args) == 3 and \
                not node.keywords:
            # np.add.at(y, idx, v): v added at idx into y, repeated indices adding up
            target = node.args[0]
            old = self.expr(target) if isinstance(target, gast.Name) else None
            if not isinstance(old, Var) or self.view_source(old) is not None:
                self.unsupported(node, "np.add.at into something other than an array variable",
                                 "pass the array's name")
            index, value = (self.operand(self.expr(a), node) for a in node.args[1:])
            self.write_items(target.id, old, runtime.added_at, index, value, node)
            return Const(None)
        if callee.obj in IN_PLACE_FUNCTIONS or getattr(callee.obj, "__name__", "") == "at" \
                and isinstance(getattr(callee.obj, "__self__", None), np.ufunc):
            self.unsupported(node, f"{callee.text}, which changes its argument in place",
                             "write the new values with an item assignment (y[idx] = v)")
        if callee.obj in (np.asarray, np.array) and len(node.args) == 1 and \
                [kw.arg for kw in node.keywords] == ["dtype"]:
            dtype = self.expr(node.keywords[0].value)
            dtype = dtype.obj if isinstance(dtype, Static) else self.static_value(dtype)
            if dtype is not None and np.dtype(dtype).kind in "biu":
                # a conversion to integers or booleans: no derivative
                value = self.operand(self.expr(gast.Call(func=node.func, args=node.args,
                                                         keywords=[])), node)
                return self.emit(runtime.astype_discrete,
                                 [value, self.operand(self.expr(node.keywords[0].value), node)])
        variadic = _variadic(callee.obj)
        args = self.call_arguments(node, keep_tuples=variadic is not None)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                self.unsupported(node, "**kwargs in a call", "pass the arguments by name")
            kwargs[kw.arg] = self.operand(self.expr(kw.value), node)
        obj = callee.obj
        if variadic is not None:   # np.concatenate((a, b)): a primitive for two arrays
            if args and isinstance(args[0], TupleValue) and callee.obj is not np.array and \
                    callee.obj is not np.asarray:
                # an item written as a list of values (`[left]` in np.concatenate(([left],
                # x))): the array NumPy would make of it
                args[0] = type(args[0])([self.nested_array(item, node) for item in
                                         args[0].items])
            obj, args, kwargs = variadic(args, kwargs) or (obj, args, kwargs)
            args = [self.operand(a, node) for a in args]
        prim = P.lookup(obj)
        if prim is None and _is_user_function(obj):
            return self.user_call(obj, callee.text, args, kwargs, node)
        if prim is not None:
            attrs = {"text": callee.text} if prim.emit[0] == "opaque" else None
            return self.emit(obj, args, kwargs, attrs=attrs)
        # No primitive: called as is. AD refuses it later if a differentiated value reaches it.
        op = Op(P.OPAQUE_CALL, args, kwargs, loc=self.loc,
                attrs={"callee": obj, "text": callee.text})
        op.outs[0].hint = getattr(obj, "__name__", "result")
        self.stmts.append(op)
        return op.out


    def nested_array(self, item, node):
        """`item` of a joined sequence, as np.array(item) where it is a tuple or list of
        values computed at run time (NumPy makes an array of it); else `item` itself."""
        if not isinstance(item, TupleValue) or \
                all(isinstance(i, Const) for i in flatten(item)[0]):
            return item
        made = _variadic(np.array)([item], {})
        if made is None:
            return item
        obj, items, kwargs = made
        return self.emit(obj, [self.operand(i, node) for i in items], kwargs)

    def user_call(self, fn, text, args, kwargs, node):
        """A call of one of the user's own functions: kept as a call (AD calls the callee's
        own derivative), its arguments matched to its parameters as Python would."""
        if any(isinstance(a, (Static, LocalFunction, TupleValue, DictValue))
               for a in list(args) + list(kwargs.values())):
            # a function, tuple, list or dict passed: known while lowering, so inlined
            return self.inline_call(fn, args, kwargs, node)
        args = [self.operand(a, node) for a in args]
        kwargs = {k: self.operand(v, node) for k, v in kwargs.items()}
        sig = inspect.signature(fn)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            self.unsupported(node, f"this call of {fn.__name__}: {e}")
        operands = []
        for name, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                self.unsupported(node, f"a call of {fn.__name__}, which takes *args or **kwargs",
                                 "give it explicit parameters")
            if name in bound.arguments:
                operands.append(bound.arguments[name])
            elif _is_plain(p.default):
                operands.append(Const(p.default))
            else:
                self.unsupported(node, f"the default value of `{name}` in {fn.__name__}",
                                 f"pass `{name}` explicitly")
        if any(isinstance(a, Var) for a in operands) and (
                writes_parameters(fn) or returns_parameters(fn)):
            # it writes into the arrays it is given, or returns one of them or a view of
            # one: lowered here, so the caller sees that
            if getattr(fn, "__sourcead_checkpoint__", False):
                self.unsupported(node, f"sad.checkpoint of {fn.__name__}, which writes into "
                                 "the arrays it is given or returns one of them (a call "
                                 "recomputed later cannot share them)",
                                 "return new arrays from it instead")
            return self.inline_call(fn, args, kwargs, node)
        n = _result_count(fn)
        outs = [Var(fn.__name__, is_temp=True) for _ in range(n)]
        returned = returns_parameters(fn, rebound_too=True)   # on some path: not followed
        if returned:
            given = [a for a, name in zip(operands, sig.parameters)
                     if name in returned and isinstance(a, Var)]
            self.maybe_arguments.update((o, (fn.__name__, given)) for o in outs)
        op = Op(P.CALL_USER, operands, outs=outs, loc=self.loc,
                attrs={"callee": fn, "text": text,
                       "checkpoint": getattr(fn, "__sourcead_checkpoint__", False)})
        self.stmts.append(op)
        return op.out if n == 1 else TupleValue(op.outs)

    def call_arguments(self, node, keep_tuples=False):
        """A call's positional arguments as operands, `*t` of a tuple or list built in the
        function passed item by item. With keep_tuples (a function of any number of arrays,
        see VARIADIC_CALLS), a tuple or list argument stays a TupleValue."""
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred):
                value = self.expr(a.value)
                if not isinstance(value, TupleValue):
                    self.unsupported(a)
                values = list(value.items)
            else:
                values = [self.expr(a)]
            args += values if keep_tuples else [self.operand(v, node) for v in values]
        return args

    def container_method(self, method, args, node):
        """d.keys(), d.values(), d.items(), d.get(k, default); xs.append(v) on a list
        built in straight-line code."""
        c, name = method.receiver, method.name
        if name == "append":
            target = node.func.value
            if len(args) != 1 or not isinstance(target, gast.Name):
                self.unsupported(node, "this append", "append one value to a list variable")
            self.check_container_update(target.id, node)
            new = ListValue(list(c.items) + [args[0]])
            for n, v in list(self.env.items()):
                if v is c:
                    self.env[n] = new
            return Const(None)
        if name == "keys":
            return ListValue(Const(k) for k in c.keys)
        if name == "values":
            return ListValue(c.values)
        if name == "items":
            return ListValue(TupleValue((Const(k), v)) for k, v in zip(c.keys, c.values))
        key = args[0] if args else None
        if not isinstance(key, Const):
            self.unsupported(node, "dict.get with a key computed at run time")
        try:
            return c.get(key.value)
        except KeyError:
            return args[1] if len(args) > 1 else Const(None)

    def inline_call(self, fn, args, kwargs, node):
        """A call that passes a function (np.sin, a nested def, a lambda) to one of the
        user's functions: the callee's body, lowered here with that function known."""
        why = "passing a function to" if not writes_parameters(fn) else \
            "writing into its arguments in"
        if fn.__globals__ is not self.globals:
            self.unsupported(node, f"{why} {fn.__name__}, which is defined in "
                             "another module", f"define {fn.__name__} in this module, or return "
                             "the new values from it")
        if fn in self.inlining:
            self.unsupported(node, f"a recursive call of {fn.__name__}, {why} it",
                             "return the new values instead")
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as e:
            self.unsupported(node, f"this call of {fn.__name__}: {e}")
        bound.apply_defaults()
        values = {}
        for name, v in bound.arguments.items():
            values[name] = v if isinstance(v, (Var, Const, Zero, Static, LocalFunction,
                                               TupleValue, DictValue)) else Const(v)
        sub = Lowerer(parse_function(fn), self.bindings)
        sub.inlining = self.inlining | {fn}
        body = list(sub.parsed.node.body)
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
            body = body[1:]   # docstring
        sub.local_names = _assigned_names(body, appends=False) | set(values)
        sub.env.update(values)
        sub.loc = self.loc
        given, tests = self.share_with(sub, values)
        self.inlining_depth_check(node)
        returned = sub.run(body)
        self.stmts.extend(sub.stmts)
        self.see_writes(sub, given, tests, node)
        self.global_names |= sub.global_names
        if sub.free_names:
            self.unsupported(node, f"passing a function to {fn.__name__}, a closure",
                             "make it a module-level function")
        if returned is None:
            return Const(None)
        results, as_tuple = returned
        tree = None if sub.result_tree is _UNSET else sub.result_tree
        if tree is not None:
            return unflatten(tree, results)
        return TupleValue(results) if as_tuple else results[0]

    def share_with(self, sub, values):
        """Before lowering an inlined body in `sub`: what is known of the arrays it is given
        (views, writes) is shared, and its parameters are treated as shared arrays.
        Returns ({name: given Var}, the view tests taken before it may write)."""
        sub.views, sub.same_array, sub.array_aliases = \
            self.views, self.same_array, self.array_aliases
        sub.writes, sub.appended_items = self.writes, self.appended_items
        sub.maybe_arguments, sub.maybe_same = self.maybe_arguments, self.maybe_same
        sub.defs = self.defs
        given = {name: v for name, v in values.items() if isinstance(v, Var)}
        sub.shared_params = set(given.values())
        return given, {name: self.view_tests(v) for name, v in given.items()}

    def see_writes(self, sub, given, tests, node, names=None):
        """After an inlined body: the caller sees what it wrote into the arrays it was
        given. Those in `names` (an enclosing function's variables read by a nested def
        called from elsewhere) cannot be followed: refused."""
        for name, v in given.items():
            final = sub.env.get(name)
            if final is v or not isinstance(final, Var):
                continue
            numbers = not self.is_same_array(final, v)
            if numbers and not self.is_same_array(final, v, numbers=True):
                continue   # re-bound to a new value there: nothing the caller sees
            if names is not None and name in names:
                self.unsupported(node, f"a call of a nested function that writes into `{name}` "
                                 "of its enclosing function, from another function",
                                 f"pass `{name}` to it as an argument")
            test = None
            if numbers:
                test = self.emit(runtime.is_array, [v])
                test.hint = "is_array"
            self.rebind(v, final, tests[name], node, test)

    def inlining_depth_check(self, node):
        if len(self.inlining) > 20:
            self.unsupported(node, "calls nested more than 20 deep while passing functions")

    def builtin_reduction(self, fn, node):
        """sum, max and min of a tuple or list built in the function (or of several
        arguments) as a chain of pairwise operations; `sum(x)` of an array as
        `np.sum(x, axis=0)`. None where the call stays a call."""
        if any(isinstance(a, gast.Starred) for a in node.args):
            return None
        args = [self.expr(a) for a in node.args]
        if fn is sum:
            if not 1 <= len(args) <= 2:
                self.unsupported(node, f"sum() with {len(args)} arguments")
            start = args[1] if len(args) == 2 else Const(0)
            if isinstance(args[0], TupleValue):
                items, total = list(args[0].items), start
            else:
                items, total = [], self.emit(np.sum, [self.operand(args[0], node)],
                                             {"axis": Const(0)})
                if not (isinstance(start, Const) and start.value == 0):
                    items = [total]
                    total = start
            for item in items:
                if isinstance(total, Const) and total.value == 0 and not isinstance(item, Const):
                    total = self.operand(item, node)   # 0 + x is x
                    continue
                total = self.emit(operator.add, [self.operand(total, node),
                                                 self.operand(item, node)])
            return total
        if len(args) == 1 and isinstance(args[0], TupleValue):
            args = list(args[0].items)
        elif len(args) == 1:   # the largest item of a sequence known at run time
            return self.emit(np.max if fn is max else np.min, [self.operand(args[0], node)])
        elif not args:
            self.unsupported(node, f"{fn.__name__}() without arguments")
        if not args:
            self.unsupported(node, f"{fn.__name__}() of an empty sequence")
        out = self.operand(args[0], node)
        for a in args[1:]:
            out = self.emit(fn, [out, self.operand(a, node)])
        return out

    def write_all(self, name_node, value, node):
        """`y[...] = value`: what an in-place NumPy call (out=y, y.fill(v), np.copyto(y, v))
        does to y, as an item assignment (so names and views sharing y see it)."""
        if not isinstance(name_node, gast.Name):
            self.unsupported(node, "an in-place NumPy call on something other than a "
                             "variable", "write into a variable: y[...] = value")
        target = gast.Subscript(value=gast.Name(name_node.id, gast.Load(), None, None),
                                slice=gast.Constant(Ellipsis, None), ctx=gast.Store())
        gast.copy_location(target, node)
        gast.copy_location(target.value, node)
        gast.copy_location(target.slice, node)
        self.assign_item(target, self.operand(value, node))
        return self.env[name_node.id]

    def in_place_method(self, method, args, node):
        """y.fill(v) and y.sort(axis=...): written as y[...] = v and y[...] = np.sort(y);
        other methods that change their array in place are refused."""
        name = method.name
        kwargs = {kw.arg: self.operand(self.expr(kw.value), node) for kw in node.keywords}
        if name == "fill" and len(args) == 1 and not kwargs:
            self.write_all(node.func.value, args[0], node)
            return Const(None)
        if name == "sort" and len(args) <= 1 and set(kwargs) <= {"axis"}:
            axis = args[0] if args else kwargs.get("axis", Const(-1))
            self.write_all(node.func.value,
                           self.emit(np.sort, [method.receiver], {"axis": self.operand(axis, node)}),
                           node)
            return Const(None)
        self.unsupported(node, f"`.{name}(...)`, which changes its array in place",
                         "compute a new array (np.partition, np.resize, ...) and assign it")

    def method_call(self, method, node):
        """`x.sum(axis=0)`, `x.reshape(2, 3)`, `x.astype(float)`: an array method, lowered
        to the NumPy function of the same meaning."""
        if any(isinstance(a, gast.Starred) for a in node.args) or \
                any(kw.arg is None for kw in node.keywords):
            self.unsupported(node, "*args or **kwargs in a method call",
                             "pass the arguments one by one")
        args = [self.expr(a) for a in node.args]
        if method.name in IN_PLACE_METHODS:
            return self.in_place_method(method, args, node)
        if isinstance(method.receiver, (DictValue, ListValue)):
            return self.container_method(method, args, node)
        if method.name == "append":
            target = node.func.value
            if len(args) != 1 or node.keywords or not isinstance(target, gast.Name):
                self.unsupported(node, "this append", "append one value to a list variable")
            if target.id not in self.local_names:
                # a module's or an enclosing function's list: appended to, as in Python
                # (its items are not differentiated: a log, say)
                op = Op(P.OPAQUE_CALL, [method.receiver, self.operand(args[0], node)],
                        loc=self.loc, attrs={"callee": list.append,
                                             "text": f"{target.id}.append"}, outs=[])
                op.args = [self.operand(args[0], node)]
                self.stmts.append(op)
                return Const(None)
            old = method.receiver
            item = self.operand(args[0], node)
            if isinstance(item, Var):
                self.appended_items.append((item, node))
            new = self.emit(runtime.appended, [old, item])
            new.hint, new.is_temp = _hint(target.id), False
            for name, v in list(self.env.items()):   # every name for this list sees it
                if v is old:
                    self.env[name] = new
            return Const(None)
        kwargs = {kw.arg: self.operand(self.expr(kw.value), node) for kw in node.keywords}
        fn = _ARRAY_METHODS[method.name]
        if method.name in ("reshape", "transpose") and len(args) > 1:
            args = [TupleValue(args)]      # x.reshape(2, 3) is x.reshape((2, 3))
        if method.name == "astype":
            if len(args) != 1 or kwargs:
                self.unsupported(node, "astype with options", "write x.astype(dtype)")
            dtype = args[0]
            if not isinstance(dtype, Static):
                self.unsupported(node, "astype to a dtype computed at run time",
                                 "name the type: x.astype(float), x.astype(np.float32)")
            name = self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": dtype.text})
            name.is_temp = True
            try:
                floating = np.dtype(dtype.obj).kind in "fc"
            except TypeError:
                self.unsupported(node, f"astype to {dtype.text}", "name a NumPy dtype or float")
            # to integers or booleans: a step function, with no derivative
            fn = runtime.astype if floating else runtime.astype_discrete
            return self.emit(fn, [method.receiver], {"dtype": name})
        operands = [self.operand(a, node) for a in args]
        return self.emit(fn, [method.receiver] + operands, kwargs)


def _is_user_function(obj):
    """A Python function with source sourcead can read (not one of its own)."""
    if not isinstance(obj, types.FunctionType):
        return False
    if (obj.__module__ or "").split(".")[0] == "sourcead" or obj.__name__ == "<lambda>":
        return False
    try:
        return inspect.getsourcefile(obj) is not None
    except TypeError:
        return False


def _is_plain(value):
    return value is None or isinstance(value, (bool, int, float, str)) or \
        isinstance(value, tuple) and all(_is_plain(v) for v in value)


def _result_count(fn):
    """How many values `fn` returns: k if every return statement returns a k-tuple display,
    else 1 (checked against its IR when its derivative is built)."""
    counts = set()
    tree = parse_function(fn).node

    def visit(node, top):
        if not top and isinstance(node, (gast.FunctionDef, gast.Lambda, gast.ClassDef)):
            return
        if isinstance(node, gast.Return):
            v = node.value
            counts.add(len(v.elts) if isinstance(v, gast.Tuple) else 1)
        for c in gast.iter_child_nodes(node):
            visit(c, False)
    visit(tree, True)
    return counts.pop() if len(counts) == 1 else 1


def lower(fn, bindings=None, structure=None):
    """The IR of the Python function `fn`. `bindings` (rules only) fixes some parameters;
    `structure` gives the tree of each tuple, list or dict argument (one parameter per
    leaf)."""
    lowerer = Lowerer(parse_function(fn), bindings)
    lowerer.structure = dict(structure or {})
    return lowerer.lower()
