"""SSA construction, containers: lists, tuples and dicts built in the function are
values the lowering knows item by item (values.ListValue, DictValue), so that
`params["w"] = ...` rebinds one item; a list that changes length in a loop, or is
appended to where only the run knows how often, is a list at run time (a value of
the program, appended to with `runtime.appended`). A mixin of lowering.Lowerer.
"""

import operator

import gast

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Const, Op, Var
from .heap import LIST, Ref
from .memory import index_view
from .values import DictValue, ListValue, TupleValue, flatten


class Containers:
    """The containers part of lowering.Lowerer (see the module docstring)."""

    def item(self, seq, index, node):
        """seq[index] for an array or a list known only at run time."""
        mem = self.memory
        if isinstance(seq, Ref) and all(a.obj.kind == LIST and not a.path for a in seq.alts):
            # an item of a list built at run time: the list holds it (no write can follow)
            index = self.operand(index, node)
            out = self.builder.emit(operator.getitem, [mem.read(seq, node), index])
            if isinstance(out, Var):
                mem.containers[out] = True   # (a slice of the list, or a list in it)
                made = self.builder.defs.get(index) if isinstance(index, Var) else None
                if isinstance(index, Const) and isinstance(index.value, slice) or \
                        made is not None and made.prim.impl is slice:
                    mem.kinds[out] = LIST
            ref = mem.ref_of(out, seq.hint) if isinstance(out, Var) else out
            mem.escape(ref, node, item=True)
            return ref
        index = self.operand(index, node)
        kind = index_view(index, self.builder.defs, self.memory.ints)
        if kind is None or not isinstance(seq, (Ref, Var)):
            return self.builder.emit(operator.getitem, [self.operand(seq, node), index])
        return mem.view(seq, operator.getitem, [index], node=node, kind=kind)

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
