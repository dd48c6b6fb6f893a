"""SSA construction, expressions: each expression of the desugared function lowered to
IR operands or to values the lowering knows (a function, a tuple, a dict); calls go to
calls.py. A mixin of lowering.Lowerer.
"""

import inspect
import operator
import types

import gast
import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Var
from .calls import ARRAY_ATTRIBUTES, ARRAY_METHODS, IN_PLACE_METHODS
from .heap import LIST, Ref
from .scope import bound_names
from .values import (BoundMethod, DictValue, ListValue, LocalFunction, RecordValue, Static,
                     TupleValue)


BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul,
          gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor}
UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
         gast.Invert: operator.invert}
COMPARE = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
           gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
           gast.Is: operator.is_, gast.IsNot: operator.is_not}


class Expressions:
    """The expressions half of lowering.Lowerer (see the module docstring)."""

    def local_function(self, node):
        """A nested def or lambda: its defaults evaluated now, as Python does."""
        args = node.args
        defaults = [self.expr(d) for d in args.defaults]
        kw_defaults = {a.id: self.expr(d) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                       if d is not None}
        return LocalFunction(node, defaults, self, kw_defaults)

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

    def expr(self, node):
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.refuse(node)
        return method(node)

    def expr_JoinedStr(self, node):
        """An f-string: its values formatted at run time (a string has no derivative)."""
        parts, values = [], []
        for v in node.values:
            if isinstance(v, gast.Constant):
                parts.append(str(v.value))
                continue
            spec = v.format_spec
            if spec is not None and not all(isinstance(x, gast.Constant) for x in spec.values):
                self.refuse(v, "an f-string whose format spec is computed",
                            "write the spec out, or format with format(value, spec)")
            spec = "".join(str(x.value) for x in spec.values) if spec is not None else ""
            parts.append((v.conversion, spec))
            values.append(v.value)
        operands = [self.operand(x, node) for x in self.values(values)]
        return self.builder.emit_op(P.FSTRING, operands, attrs={"parts": tuple(parts)})

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
        if isinstance(base, RecordValue):
            return self.record_attribute(base, attr, node)
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

    def concatenator(self, which, index, node):
        """np.r_[a, b, 2.0] as np.concatenate of them as 1-d arrays at least; np.c_[a, b]
        as np.column_stack (1-d arrays as columns, 2-d ones joined along their last
        axis)."""
        items = list(index.items) if isinstance(index, TupleValue) and \
            not isinstance(index, ListValue) else [index]
        if any(isinstance(i, Const) and not isinstance(i.value, (int, float)) for i in items):
            self.refuse(node, "np.r_ or np.c_ with slices or options",
                        "write np.concatenate, np.arange or np.column_stack")
        call = self.calls
        if which is np.r_:
            parts = [self.builder.emit(np.atleast_1d, [self.operand(i, node)]) for i in items]
            return call.primitive_of(Static(np.concatenate, "np.concatenate"),
                                     [TupleValue(parts)], {}, node)
        return call.primitive_of(Static(np.column_stack, "np.column_stack"),
                                 [TupleValue([self.operand(i, node) for i in items])], {}, node)

    def record_attribute(self, base, attr, node):
        """`p.w` of a named tuple or dataclass: the field's value; `p.norm` of a method of
        its class: a method of the record (its function, given the record first)."""
        if attr in base.fields:
            return base.field(attr)
        method = inspect.getattr_static(base.cls, attr, None)
        if isinstance(method, types.FunctionType):
            return Static(method, f"{base.cls.__name__}.{attr}", owner=base)
        self.refuse(node, f"the attribute `.{attr}` of a {base.cls.__name__} here",
                    "read its fields, or call its methods")

    def expr_Subscript(self, node):
        base, index = self.values([node.value, node.slice])
        if isinstance(base, Static) and (base.obj is np.r_ or base.obj is np.c_):
            return self.concatenator(base.obj, index, node)
        if isinstance(base, RecordValue) and not base.is_tuple:
            self.refuse(node, f"indexing a {base.cls.__name__}, a dataclass",
                        "read its fields by name")
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
            if isinstance(index.value, slice):   # (of a named tuple: a tuple)
                return ListValue(base.items[index.value]) if isinstance(base, ListValue) \
                    else TupleValue(base.items[index.value])
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
        if op is operator.mul and any(isinstance(v, TupleValue) for v in (left, right)):
            # `[w] * 3`: the sequence repeated, known while lowering (as a product its
            # adjoint would be the cotangent times 3)
            seq, times = (left, right) if isinstance(left, TupleValue) else (right, left)
            if not (isinstance(times, Const) and isinstance(times.value, int) and
                    not isinstance(times.value, bool)) or isinstance(seq, RecordValue):
                self.refuse(node, "repeating a tuple or list a number of times known only "
                            "at run time", "repeat it with a comprehension")
            items = list(seq.items) * max(times.value, 0)
            return ListValue([self.bind_value(v, "item") for v in items]) \
                if isinstance(seq, ListValue) else TupleValue(items)
        operands = [self.operand(left, node), self.operand(right, node)]
        if op is operator.mul and any(self.is_list(v, o) for v, o in
                                      zip((left, right), operands)):
            self.refuse(node, "repeating a list known only at run time (`xs * 2`)",
                        "build the list with a comprehension")
        if op is operator.add and any(self.may_be_list(v, o) for v, o in
                                      zip((left, right), operands)):
            # lists joined (their derivatives too: not added item by item)
            return self.builder.emit(runtime.joined, operands)
        return self.builder.emit(op, operands)

    def is_list(self, value, operand):
        """Whether a value is a list built at run time (appended to in a loop)."""
        if isinstance(value, Ref):
            return all(a.obj.kind == LIST and not a.path for a in value.alts)
        return self.memory.kind_of(operand) == LIST

    def may_be_list(self, value, operand):
        """Whether a value may be a list or tuple built at run time (`+` joins those)."""
        mem = self.memory
        if isinstance(value, Ref):
            return any(mem.may_hold_items(a.obj) for a in value.alts)
        return mem.kind_of(operand) == LIST or mem.holds_items(operand)

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
            if isinstance(first, (TupleValue, DictValue)):
                # a tuple, list or dict built here: true where it has items (`weights or
                # [1.0, 1.0]`), known while lowering
                truth = bool(first.items if isinstance(first, TupleValue) else first.keys)
                return combine(values[1:]) if truth == is_and else first
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
