"""Lowering: a gast FunctionDef → an IR Function in SSA form.

Names are resolved as Python would: parameters and assigned names are local;
anything else is a closure variable, a global, or a builtin. Modules and
callables are resolved at transformation time (``Static``) so calls can be
matched with primitives; other globals are loaded when the derivative runs,
so generated code sees the same module state as the user's function.
"""

import builtins
import operator
import types

import gast
import numpy as np

from ..errors import NameResolutionError, UnsupportedSyntaxError
from ..ir import primitives as P
from ..ir.core import Block, Const, Function, Op, Var
from .source import parse_function

_BINOP = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul}
_UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
          gast.Invert: operator.invert}
_COMPARE = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
            gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
            gast.Is: operator.is_, gast.IsNot: operator.is_not}

for _obj in _BINOP.values():
    P.defprim(_obj)
for _obj in _UNARY.values():
    P.defprim(_obj)
for _obj in list(_COMPARE.values())[:6]:
    P.defprim(_obj)
P.defprim(operator.is_, emit=("compare", __import__("ast").Is), differentiable=False)
P.defprim(operator.is_not, emit=("compare", __import__("ast").IsNot), differentiable=False)

# What each unsupported statement or expression is called in error messages.
_UNSUPPORTED_HINTS = {
    gast.Global: ("a `global` statement", "pass the value in as an argument and return the new value"),
    gast.Nonlocal: ("a `nonlocal` statement", "pass the value in as an argument and return the new value"),
    gast.Try: ("a `try` statement", "move the try/except outside the differentiated function"),
    gast.With: ("a `with` statement", "move the with-block outside the differentiated function"),
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
    gast.Lambda: ("a lambda", "compute the value directly"),
    gast.ListComp: ("a list comprehension", "build the list with a loop"),
    gast.SetComp: ("a set comprehension", "use a list"),
    gast.DictComp: ("a dict comprehension", "build the dict with a loop"),
    gast.GeneratorExp: ("a generator expression", "build a list with a loop"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own"),
    gast.Starred: ("a starred expression", "pass the arguments one by one"),
    gast.JoinedStr: ("an f-string", "format strings outside the differentiated function"),
    gast.Set: ("a set", "use a tuple or a list"),
    gast.FunctionDef: ("a nested def", "define the function at module level"),
}


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


def _assigned_names(stmts):
    names = set()
    for node in stmts:
        for sub in gast.walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Del)):
                names.add(sub.id)
    return names


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
            if self.bindings and a.id in self.bindings:
                self.env[a.id] = self.bindings[a.id]
            else:
                v = Var(a.id)
                params.append(v)
                self.env[a.id] = v
        self.local_names = _assigned_names(node.body) | {a.id for a in args.args} | \
            {a.id for a in args.posonlyargs} | {a.id for a in args.kwonlyargs}
        body = list(node.body)
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring
        results, returns_tuple = self.block(body, top=True)
        return Function(node.name, params, Block([], self.stmts, results),
                        filename=self.parsed.filename, returns_tuple=returns_tuple,
                        source_lines=self.parsed.lines, firstlineno=self.parsed.line_offset + 1,
                        free_names=sorted(self.free_names), global_names=sorted(self.global_names))

    def block(self, body, top=False):
        body = list(body)
        while body:
            stmt = body.pop(0)
            self.loc = self.parsed.loc(stmt)
            if isinstance(stmt, gast.Return):
                if body:
                    self.unsupported(body[0], "code after a return statement",
                                     "remove the unreachable code")
                return self.return_value(stmt)
            if isinstance(stmt, gast.If):
                cond = self.expr(stmt.test)
                if isinstance(cond, Const):
                    # Decided at transformation time (a constant, or a rule's
                    # static argument): only the branch taken is lowered.
                    taken = stmt.body if cond.value else stmt.orelse
                    if any(isinstance(s, gast.Return) for s in taken):
                        body = list(taken)  # what follows the if is unreachable
                    else:
                        body = list(taken) + body
                    continue
                self.stmt_If(stmt, cond)
                continue
            self.statement(stmt)
        return [Const(None)], False

    def return_value(self, stmt):
        if stmt.value is None:
            return [Const(None)], False
        value = self.expr(stmt.value)
        if isinstance(value, TupleValue):
            return [self.operand(v, stmt) for v in value.items], True
        result = self.operand(value, stmt)
        if isinstance(result, Var) and result.is_temp and self.bindings is None:
            # An unnamed result is named after the function: `loss = np.sum(...)`.
            result.hint, result.is_temp = self.parsed.node.name, False
        return [result], False

    # -- statements ---------------------------------------------------------
    def statement(self, node):
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            self.unsupported(node)
        method(node)

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
        if not isinstance(node.target, gast.Name):
            self.unsupported(node, "augmented assignment to an element or attribute",
                             "in-place array updates come in a later release; write `x = x + v`")
        op = _BINOP.get(type(node.op))
        if op is None:
            self.unsupported(node, f"the operator {type(node.op).__name__}")
        left = self.operand(self.name(node.target), node)
        right = self.operand(self.expr(node.value), node)
        self.assign(node.target, self.emit(op, [left, right]))

    def stmt_If(self, node, cond):
        self.unsupported(node, "an `if` statement on a value known only at run time",
                         "branches are supported from the control-flow release on")

    def stmt_For(self, node):
        self.unsupported(node, "a `for` loop", "loops are supported from the control-flow release on")

    def stmt_While(self, node):
        self.unsupported(node, "a `while` loop", "loops are supported from the control-flow release on")

    def assign(self, target, value):
        if isinstance(target, gast.Name):
            if isinstance(value, Var) and value.is_temp:
                value.hint = target.id
                value.is_temp = False
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            if not isinstance(value, TupleValue):
                self.unsupported(target, "unpacking a value that is not a tuple",
                                 "unpack tuples built in the function or returned by primitives")
            if len(value.items) != len(target.elts):
                self.unsupported(target, f"unpacking {len(value.items)} values into "
                                 f"{len(target.elts)} names")
            for t, v in zip(target.elts, value.items):
                self.assign(t, v)
        else:
            self.unsupported(target, f"assignment to {type(target).__name__.lower()}",
                             "assign to plain names; in-place updates come in a later release")

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
            folded = _fold(fn, args, kwargs or {})
            if folded is not None:
                return folded
        op = Op(prim, args, kwargs, loc=self.loc, attrs=attrs)
        self.stmts.append(op)
        return op.out if len(op.outs) == 1 else TupleValue(op.outs)

    def operand(self, value, node):
        """Turn a lowered value into an IR operand (materialising statics and tuples)."""
        if isinstance(value, (Var, Const)):
            return value
        if isinstance(value, TupleValue):
            items = [self.operand(v, node) for v in value.items]
            if all(isinstance(i, Const) for i in items):
                return Const(tuple(i.value for i in items))
            return self.emit_op(P.TUPLE, items)
        if isinstance(value, Static):
            return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": value.text})
        from ..ir.core import Zero
        if isinstance(value, Zero):
            return value
        raise AssertionError(f"cannot use {value!r} as an operand")

    def emit_op(self, prim, args, kwargs=None, attrs=None):
        op = Op(prim, args, kwargs, loc=self.loc, attrs=attrs)
        self.stmts.append(op)
        return op.out

    def expr_Constant(self, node):
        return Const(node.value)

    def expr_Name(self, node):
        return self.name(node)

    def name(self, node):
        name = node.id
        if name in self.local_names:
            if name not in self.env:
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
            if isinstance(obj, (int, float, bool)) and not isinstance(obj, np.ndarray) and \
                    isinstance(base.obj, types.ModuleType) and base.obj.__name__ in ("numpy", "math"):
                return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": text})  # np.pi, math.e
            return self.emit_op(P.LOAD_GLOBAL, [], attrs={"name": text})
        base = self.operand(base, node)
        return self.emit_op(P.GETATTR, [base], attrs={"name": node.attr})

    def expr_Tuple(self, node):
        return TupleValue(self.expr(e) for e in node.elts)

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
        if len(node.ops) != 1:
            self.unsupported(node, "a chained comparison",
                             "chained comparisons are supported from the control-flow release on")
        op = _COMPARE[type(node.ops[0])]
        left = self.operand(self.expr(node.left), node)
        right = self.operand(self.expr(node.comparators[0]), node)
        return self.emit(op, [left, right])

    def expr_Subscript(self, node):
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, TupleValue) and isinstance(index, Const) and \
                isinstance(index.value, int):
            return base.items[index.value]
        return self.emit(operator.getitem, [self.operand(base, node), self.operand(index, node)])

    def expr_Slice(self, node):
        parts = [self.expr(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        if all(isinstance(p, Const) for p in parts):
            return Const(slice(*(p.value for p in parts)))
        return self.emit(slice, [self.operand(p, node) for p in parts])

    def expr_Call(self, node):
        callee = self.expr(node.func)
        if not isinstance(callee, Static):
            self.unsupported(node, "a call of a value computed at run time",
                             "call functions by name")
        for a in node.args:
            if isinstance(a, gast.Starred):
                self.unsupported(a)
        args = [self.operand(self.expr(a), node) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                self.unsupported(node, "**kwargs in a call", "pass the arguments by name")
            kwargs[kw.arg] = self.operand(self.expr(kw.value), node)
        obj = callee.obj
        prim = P.lookup(obj)
        if prim is not None:
            attrs = {"text": callee.text} if prim.emit[0] == "opaque" else None
            return self.emit(obj, args, kwargs, attrs=attrs)
        # No primitive: called as is. AD refuses it later if a differentiated value reaches it.
        op = Op(P.OPAQUE_CALL, args, kwargs, loc=self.loc,
                attrs={"callee": obj, "text": callee.text})
        op.outs[0].hint = getattr(obj, "__name__", "result")
        self.stmts.append(op)
        return op.out


def _fold(fn, args, kwargs):
    """Evaluate a pure primitive on constants, if the result is a plain Python scalar."""
    try:
        value = fn(*[a.value for a in args], **{k: v.value for k, v in kwargs.items()})
    except Exception:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return Const(value)
    return None


def lower(fn, bindings=None):
    """The IR of the Python function `fn`. `bindings` (rules only) fixes some parameters."""
    return Lowerer(parse_function(fn), bindings).lower()
