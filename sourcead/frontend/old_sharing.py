"""What the lowering knows of array sharing, read from the code (NumPy's semantics).

NumPy arrays are shared: a slice or a row is a view of its array, `z = y` names one
array twice, `a += v` writes into `a`, and a function can write into the arrays it is
given. The IR is functional (`x[i] = v` makes a new value, `set_item`), so the
lowering (`Lowerer` in lower.py) models the sharing: it takes views again after a
write, rebinds every name of a written array, and inlines the user's functions that
write into their arguments. These helpers answer the questions it asks of the code:
which values are views, which names a loop writes into, which functions write into
or return their arguments.
"""

import operator
import types

import gast
import numpy as np

from ..ir.core import Const
from .source import parse_function

# What returns a view of its first argument (writing into one would write into that).
VIEW_MAKERS = (operator.getitem, np.reshape, np.transpose, np.ravel, np.squeeze,
               np.expand_dims, np.swapaxes, np.moveaxis, np.diagonal, np.broadcast_to)


def surely_view(fn, args):
    """Whether `fn(*args)` is a view of args[0]: True, False, or None (known only at run
    time: an integer index views a row of a matrix but copies a number out of a vector,
    and a reshape copies when it must)."""
    if fn is operator.getitem:
        index = args[1]
        if not isinstance(index, Const):
            return None
        parts = index.value if isinstance(index.value, tuple) else (index.value,)
        if not all(isinstance(p, (int, slice, type(None), type(Ellipsis))) and
                   not isinstance(p, bool) for p in parts):
            return False   # advanced indexing copies
        return True if any(not isinstance(p, int) for p in parts) else None
    if fn in (np.reshape, np.ravel):
        return None
    return True


# What returns its argument itself where it can, else a copy (see Lowerer.branch_sharing in lower.py).
SAME_OR_COPY = (np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray,
                np.atleast_1d, np.atleast_2d, np.atleast_3d)


# Methods and NumPy functions that change an array in place (see Lowerer.write_all in lower.py).
IN_PLACE_METHODS = ("fill", "sort", "resize", "put", "itemset", "partition", "setfield",
                    "setflags")
IN_PLACE_FUNCTIONS = tuple(f for f in (np.put, np.place, np.putmask, np.fill_diagonal,
                                       np.copyto, np.random.shuffle,
                                       getattr(np, "put_along_axis", None)) if f is not None)

CONSTRUCTORS = (np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
                np.empty_like, np.full_like, np.array, np.asarray, np.arange)


def nodes_in(stmts):
    """Every AST node of the statements `stmts`."""
    for stmt in stmts:
        yield from gast.walk(stmt)


def augmented_names(stmts):
    """The names `stmts` augment (`a += v`)."""
    return {n.target.id for n in nodes_in(stmts)
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}


def plainly_assigned(stmts):
    """The names `stmts` assign other than by augmented assignment."""
    aug = {id(n.target) for n in nodes_in(stmts) if isinstance(n, gast.AugAssign)}
    return {n.id for n in nodes_in(stmts)
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del))
            and id(n) not in aug}


def arrays_written(stmts, augmented=True, scope=None):
    """The names of arrays `stmts` write items of (`x[i] = v`; with `augmented`, also
    `x += v`), with the names they may share the array with there (`z = y; z[i] = v`
    writes y too, and `row = Y[i]; row += v` writes Y)."""
    written = set()
    pairs = []
    for sub in nodes_in(stmts):
        if isinstance(sub, gast.Subscript) and isinstance(sub.ctx, gast.Store):
            base = sub.value
            while isinstance(base, gast.Subscript):
                base = base.value
            if isinstance(base, gast.Name):
                written.add(base.id)
        elif isinstance(sub, gast.Call) and scope is not None and \
                isinstance(sub.func, gast.Name) and \
                writes_parameters(scope.get(sub.func.id)):
            # a call of the user's function that writes into the arrays it is given
            written |= {a.id for a in list(sub.args) + [k.value for k in sub.keywords]
                        if isinstance(a, gast.Name)}
        elif augmented and isinstance(sub, gast.AugAssign) and \
                isinstance(sub.target, gast.Name):
            written.add(sub.target.id)    # a += v writes into a if it is an array
        elif isinstance(sub, gast.Assign):
            root = array_root(sub.value)    # z = y, z = y[i], z = y.T, ...
            if root is not None:
                pairs += [(n, root) for t in sub.targets for n in target_names(t)]
        elif isinstance(sub, gast.For):
            roots = [array_root(a) for a in (sub.iter.args if isinstance(sub.iter, gast.Call)
                                              else [sub.iter])]
            pairs += [(n, r) for r in roots if r is not None
                      for n in target_names(sub.target)]
    grew = True
    while grew:
        grew = False
        for a, b in pairs:
            if (a in written) != (b in written):
                written |= {a, b}
                grew = True
    return written


VIEW_METHODS = ("reshape", "transpose", "ravel", "squeeze", "swapaxes", "diagonal", "view")


_WRITERS = {}


def writes_parameters(fn):
    """Whether the user's function `fn` may write into an array it is given (`a[i] = v`,
    `a += v`, or passing it on to a function that does), which its caller would see."""
    if not isinstance(fn, types.FunctionType):
        return False
    key = fn.__code__
    if key not in _WRITERS:
        _WRITERS[key] = False   # a recursive call is decided by the rest of the body
        try:
            node = parse_function(fn).node
        except Exception:   # noqa: BLE001 (not ours to read: it is called as it is)
            return False
        params = {a.id for a in node.args.args + node.args.kwonlyargs}
        for stmt in node.body:   # `a = a.copy()` first: writes go into the callee's own array
            names = {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)}
            if isinstance(stmt, gast.Assign) and not isinstance(stmt, gast.AugAssign):
                rebound = {t.id for t in stmt.targets if isinstance(t, gast.Name)}
                params -= {p for p in rebound if p in names and not any(
                    isinstance(t, gast.Subscript) for t in stmt.targets)}
            if names & params:
                break
        _WRITERS[key] = bool(arrays_written(node.body, scope=fn.__globals__) & params)
    return _WRITERS[key]


def returns_parameters(fn, rebound_too=False):
    """The parameters of the user's function `fn` whose arrays it returns, or views of
    them (`return a`, `return a[0:2]`, `return a.T`), which its caller could write into:
    those never assigned anew in `fn` (with `rebound_too`, any: returned on some path)."""
    try:
        node = parse_function(fn).node
    except Exception:   # noqa: BLE001 (not ours to read: it is called as it is)
        return set()
    params = {a.id for a in node.args.args + node.args.kwonlyargs}
    if not rebound_too:
        params -= {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and
                   isinstance(n.ctx, gast.Store)}
    returned = set()
    for ret in gast.walk(node):
        if isinstance(ret, gast.Return) and ret.value is not None:
            values = ret.value.elts if isinstance(ret.value, gast.Tuple) else [ret.value]
            returned |= {array_root(v) for v in values} & params
    return returned


def array_root(node):
    """`y` for an expression that may be `y` or a view of it (`y`, `y[i]`, `y.T`,
    `y.reshape(...)`), else None."""
    while True:
        if isinstance(node, gast.Name):
            return node.id
        if isinstance(node, gast.Subscript) or \
                isinstance(node, gast.Attribute) and node.attr in ("T", "mT", "real"):
            node = node.value
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
                node.func.attr in VIEW_METHODS:
            node = node.func.value
        else:
            return None


def target_names(target):
    return {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}


__all__ = ["CONSTRUCTORS", "IN_PLACE_FUNCTIONS", "IN_PLACE_METHODS", "SAME_OR_COPY", "VIEW_MAKERS", "VIEW_METHODS", "array_root", "arrays_written", "returns_parameters", "surely_view", "target_names", "writes_parameters"]
