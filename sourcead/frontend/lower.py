"""The frontend: a Python function's source → SSA IR, as a sequence of passes.

    source.parse_function   the function's AST (gast) and where it is in its file
    desugar.desugar         break/continue/return into flags, comprehensions into loops
    liveness                which names each statement leaves to be read
    lowering.Lowerer        SSA construction with the memory model (scope.py resolves
                            names, memory.py follows NumPy's sharing, merge.py and
                            carry.py join branches and carry loops, calls.py lowers calls)

`lower(fn)` runs them all; `stages(fn)` prints what each pass makes. The user's own
functions that are called are lowered here too, once each (`lowered`), to read what
they do to the arrays they are given (`effects_of`).
"""

import inspect

import gast

from ..errors import SourceADError, UnsupportedSyntaxError
from ..ir.core import Block, Const, Function, Var
from .calls import VARIADIC_CALLS, Effects, is_plain, is_user_function
from .desugar import desugar
from .heap import Ref
from .liveness import annotate_liveness
from .lowering import Lowerer
from .memory import Memory
from .scope import Scope, bound_names
from .source import ParsedFunction, parse_function
from .ssa import Builder
from .values import (DictValue, NeverNone, Static, TupleParams, TupleValue, bind_arguments,
                     flatten, leaf_vars, unflatten)

_lowered = {}        # (id(code), structure) -> (code, Function)
_effects = {}        # code -> Effects
_in_progress = set()
_assumed = set()     # codes whose effects were assumed while being lowered (recursion)
_assumptions = {}    # code -> Effects assumed for its recursive calls
_frames = [0]


def lower(fn, bindings=None, structure=None, callee=False, kinds=None):
    """The IR of the Python function `fn`. `bindings` (rules only) fixes some parameters;
    `structure` gives the tree of each tuple, list or dict argument (one parameter per
    leaf) or ("callable", f) for a function passed as an argument. With `callee`, its
    parameters' arrays are taken as shared with a caller (`a += v` writes into one),
    to read its `effects`. `kinds`: (name, kind, ndim) of the parameters known (the
    float64 specialisation: kind "array", "scalar" or "int"), decided while lowering."""
    parsed = parse_function(fn)
    node = prepare(parsed.node)
    builder = Builder()
    memory = Memory(builder, None)
    scope = Scope(fn, bound_names(node.body))
    lw = Lowerer(parsed, node, memory, builder, scope=scope, bindings=bindings)
    _enter(memory, lw)
    memory.float64 = kinds is not None
    params, given = _parameters(lw, node, bindings, dict(structure or {}), callee,
                                {name: (kind, nd) for name, kind, nd in kinds or ()})
    returned = lw.run(node.body)
    value = returned if returned is not None else Const(None)
    leaves, tree = flatten(value)
    results = [lw.operand(leaf, node) for leaf in leaves]
    if len(results) == 1 and isinstance(results[0], Var) and results[0].is_temp and \
            bindings is None and node.name != "<lambda>":
        # an unnamed result is named after the function: `loss = np.sum(...)`
        results[0].hint, results[0].is_temp = node.name, False
    out = Function(node.name, params, Block([], builder.stmts, results),
                   filename=parsed.filename, returns_tuple=tree is not None,
                   source_lines=parsed.lines, firstlineno=parsed.line_offset + 1,
                   free_names=sorted(scope.free_read), global_names=sorted(scope.globals_read))
    flat = tree is not None and tree[0] == "tuple" and all(t is None for t in tree[-1])
    out.result_tree = None if tree is None or flat else tree
    out.effects = _read_effects(memory, given, leaves, len(results), out.result_tree)
    return out


def prepare(node):
    """A FunctionDef desugared and annotated with liveness (cached on the node)."""
    done = getattr(node, "sad_prepared", None)
    if done is None:
        done = desugar(node)
        annotate_liveness(done)
        node.sad_prepared = done
    return done


def lowered(fn, structure=(), kinds=None):
    """`lower(fn, structure=..., kinds=...)`, once per function, structure and kinds."""
    code = fn.__code__
    key = (id(code), structure, kinds)
    entry = _lowered.get(key)
    if entry is not None and entry[0] is code:
        return entry[1]
    ir = lower(fn, structure=dict(structure), kinds=kinds)
    _lowered[key] = (code, ir)
    return ir


def clear():
    _lowered.clear()
    _effects.clear()
    _assumptions.clear()
    _assumed.clear()


def stages(fn):
    """{pass: printable result} for each pass of the frontend on `fn`."""
    from ..ir.printer import format_function
    parsed = parse_function(fn)
    desugared = desugar(parsed.node)
    annotate_liveness(desugared)
    return {"source": "\n".join(parsed.lines),
            "desugar": gast.unparse(desugared) if hasattr(gast, "unparse") else
            __import__("ast").unparse(gast.gast_to_ast(desugared)),
            "ir": format_function(lower(fn))}


# -- parameters and effects ------------------------------------------------------
def _parameters(lw, node, bindings, structure, callee, kinds):
    args = node.args
    if args.vararg is not None or args.kwarg is not None:
        lw.refuse(node, "a function with *args or **kwargs", "list the parameters explicitly")
    params, given = [], {}
    cotangents = (bindings or {}).get("<cotangents>", NeverNone(())).names
    for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs):
        bound = bindings.get(a.id) if bindings else None
        tree = structure.get(a.id)
        if tree is not None and tree[0] == "callable":
            v = Var(a.id)   # a function or an object passed as an argument: known here
            params.append(v)
            lw.env[lw.key(a.id)] = Static(tree[1], a.id, var=v)
        elif tree is not None:   # a tuple/list/dict: one parameter per leaf
            leaves = []
            lw.bind(a.id, unflatten(tree, leaf_vars(a.id, tree, leaves)))
            params += leaves
            given[a.id] = leaves
        elif isinstance(bound, TupleParams):   # one parameter per item, packed as a tuple
            items = [Const(None) if k in bound.nones else Var(f"{a.id}{k}")
                     for k in range(bound.n)]
            params += [v for v in items if isinstance(v, Var)]
            lw.bind(a.id, TupleValue(items))
            if a.id in cotangents:
                lw.never_none.update(v for v in items if isinstance(v, Var))
        elif bound is not None:
            lw.env[lw.key(a.id)] = bound
        else:
            v = Var(a.id)
            params.append(v)
            lw.bind(a.id, v)
            given[a.id] = [v]
            if a.id in cotangents:
                lw.never_none.add(v)
    objects = {}
    for name, vars_ in given.items():
        for v in vars_:
            ref = lw.memory.fresh.get(v)
            if ref is not None:
                obj = ref.alts[0].obj
                objects[obj] = (name, v)
                obj.initial = v
                if callee:
                    lw.memory.stand_ins[obj] = ("<caller>", name)
                kind, nd = kinds.get(v.hint, (None, None))
                if kind is not None:   # a float64 array or float, an int (an index)
                    lw.memory.dims.nd[v] = nd
                    lw.memory.kinds.pop(v, None)
                    obj.kind = lw.memory.kind_of(v)
    lw.param_objects = objects
    return params, objects


def _read_effects(memory, given, leaves, n_results, tree):
    # written on some path: the parameter's own object, or one standing in for it
    writes = {given[obj][0] for obj in memory.written if obj in given}
    writes |= {memory.stand_ins[obj][1] for obj in memory.written
               if memory.stand_ins.get(obj, ("",))[0] == "<caller>"}
    aliases = set()
    for leaf in leaves:
        if isinstance(leaf, Var) and memory.is_external(leaf) == "state":
            aliases.add("<outside>")   # a module's array, returned as it is
        if isinstance(leaf, Ref):
            for alt in leaf.alts:
                stand_in = memory.stand_ins.get(alt.obj, ("",))
                if alt.obj in given:
                    aliases.add(given[alt.obj][0])
                elif stand_in[0] == "<caller>":
                    aliases.add(stand_in[1])
                elif alt.obj.external == "state":   # a module's array, say
                    aliases.add("<outside>")
    if tree is not None:
        aliases.add("<structure>")   # a dict or nested result: lowered where it is called
    return Effects(writes, aliases, n_results)


def effects_of(fn, lw, node):
    """What the user's function `fn` does to the arrays it is given (calls.Effects), read
    off its lowering. For a recursive function, a fixed point: its recursive calls are
    first assumed to do nothing, then to do what the lowering found, until the two
    agree."""
    code = fn.__code__
    if code in _effects:
        return _effects[code]
    if code in _in_progress:
        _assumed.add(code)
        return _assumptions.get(code) or Effects(results=_result_count(fn))
    _in_progress.add(code)
    try:
        for _ in range(len(inspect.signature(fn, follow_wrapped=False).parameters) + 3):
            known = set(_effects)
            try:
                effects = lower(fn, callee=True).effects
            except SourceADError:
                # it cannot be lowered: called as it is where it does nothing to its arrays
                # (its derivative, if one is needed, raises the error then)
                effects = _effects_from_text(fn)
                break
            assumed = _assumptions.get(code) or Effects(results=_result_count(fn))
            if code not in _assumed or effects.within(assumed):
                break
            _assumptions[code] = effects.join(assumed)
            for other in set(_effects) - known:   # read off under the old assumption
                del _effects[other]
    finally:
        _in_progress.discard(code)
    # (a recursive function that writes into the arrays it is given is lowered where it
    # is called, as deep as its recursion goes there: see inline_user)
    _effects[code] = effects
    return effects


def is_recursive(fn):
    """Whether `fn` calls itself (known once effects_of has read its effects)."""
    return fn.__code__ in _assumed


def _effects_from_text(fn):
    """For a function that cannot be lowered: writes into a parameter if its text could
    (an item assignment, an augmented assignment, a call with it as an argument)."""
    node = parse_function(fn).node
    params = {a.id for a in node.args.args + node.args.kwonlyargs}
    touched = set()
    for sub in gast.walk(node):
        if isinstance(sub, gast.Subscript) and isinstance(sub.ctx, gast.Store) or \
                isinstance(sub, gast.AugAssign) or isinstance(sub, gast.Call) or \
                isinstance(sub, gast.Return):
            touched |= {n.id for n in gast.walk(sub) if isinstance(n, gast.Name)}
    return Effects(writes=touched & params, results=_result_count(fn))


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


# -- lowering a call in its caller --------------------------------------------------
def _enter(memory, lw):
    memory.lowerer = lw
    memory.refuse = lambda node, what=None, hint=None: memory.lowerer.refuse(node, what, hint)
    memory.branch = lambda cond, t, e, node: memory.lowerer.branch(cond, t, e, node)


def _new_frame():
    _frames[0] += 1
    return _frames[0]


def _run_frame(child, caller, values, node):
    """Run `child`'s body with its parameters bound to `values`; what it returns. Its
    names are dropped from the environment afterwards."""
    memory = caller.memory
    memory.lowerer = child
    try:
        for name, value in values.items():
            if isinstance(value, (Static,)) or not isinstance(value, (Var, Const, Ref)) and \
                    not isinstance(value, TupleValue) and not hasattr(value, "keys"):
                child.env[child.key(name)] = value
            else:
                child.bind(name, value)
        returned = child.run(child.node.body)
    finally:
        memory.lowerer = caller
        for k in [k for k in memory.state.env if isinstance(k, tuple) and k[0] == child.frame]:
            del memory.state.env[k]
    return returned if returned is not None else Const(None)


MAX_RECURSION = 16   # calls of one function inside each other, lowered in the caller
MAX_NESTING = 40


def inline_user(lw, fn, args, kwargs, node):
    """A call of one of the user's module-level functions, lowered in the caller (a
    recursive one as deep as its recursion goes: its tests must be known here)."""
    writes = bool(_effects.get(fn.__code__, Effects()).writes)
    why = "writing into its arguments in" if writes else "passing a function to"
    if fn.__globals__ is not lw.scope.globals:
        lw.refuse(node, f"{why} {fn.__name__}, which is defined in another module",
                  f"define {fn.__name__} in this module, or return the new values from it")
    if lw.inlining.count(fn) >= MAX_RECURSION:
        # a recursion lowered in its caller ends where its tests are known while lowering
        # (`if n <= 0` with n a constant); this one did not
        what = "which writes into the arrays it is given" if writes else \
            "passing a function to it"
        lw.refuse(node, f"a recursive call of {fn.__name__}, {what}, more than "
                  f"{MAX_RECURSION} calls deep (how deep it goes is not known before it runs)",
                  "pass the depth as a constant, or return the new values instead")
    if len(lw.inlining) > MAX_NESTING:
        lw.refuse(node, f"calls nested more than {MAX_NESTING} deep while passing functions "
                  "or writing into arguments")
    sig = inspect.signature(fn, follow_wrapped=False)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        lw.refuse(node, f"this call of {fn.__name__}: {e}")
    bound.apply_defaults()
    values = {}
    kinds = {name: p.kind for name, p in sig.parameters.items()}
    for name, v in bound.arguments.items():
        if kinds[name] is inspect.Parameter.VAR_POSITIONAL:   # *args: a tuple of them
            v = TupleValue([a if isinstance(a, (Var, Const, Ref, Static, TupleValue)) or
                            hasattr(a, "keys") else Const(a) for a in v])
        elif kinds[name] is inspect.Parameter.VAR_KEYWORD:    # **kwargs: a dict of them
            v = DictValue(list(v), list(v.values()))
        if not isinstance(v, (Var, Const, Ref, Static, TupleValue)) and not hasattr(v, "node") \
                and not hasattr(v, "keys"):
            if not is_plain(v):
                lw.refuse(node, f"the default value of `{name}` in {fn.__name__}",
                          f"pass `{name}` explicitly")
            v = Const(v)
        values[name] = v
    parsed = parse_function(fn)
    body = prepare(parsed.node)
    child = Lowerer(parsed, body, lw.memory, lw.builder, frame=_new_frame(),
                    scope=Scope(fn, bound_names(body.body)), bindings=lw.bindings,
                    inlining=lw.inlining + (fn,))
    returned = _run_frame(child, lw, values, node)
    lw.scope.globals_read |= child.scope.globals_read
    if child.scope.free_read:
        lw.refuse(node, f"passing a function to {fn.__name__}, a closure",
                  "make it a module-level function")
    return returned


def inline_local(lw, fn, args, kwargs, node):
    """A call of a nested def or lambda: its body lowered here, reading the variables of
    the function that defines it as they are now."""
    if fn.lowering:
        lw.refuse(node, f"a recursive nested function ({fn.node.name})",
                  "define it at module level")
    values = bind_arguments(fn.node.args, fn.defaults, fn.kw_defaults, args, kwargs,
                            lambda what: lw.refuse(node, what))
    owner = fn.owner
    body = prepare(fn.node)
    child = Lowerer(_Nested(owner.parsed, fn.node), body, lw.memory, lw.builder,
                    frame=_new_frame(), scope=owner.scope, owner=owner,
                    bindings=owner.bindings, inlining=lw.inlining)
    child.never_none = owner.never_none
    fn.lowering = True
    try:
        return _run_frame(child, lw, values, node)
    finally:
        fn.lowering = False


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


__all__ = ["lower", "lowered", "stages", "prepare", "clear", "effects_of", "NeverNone",
           "TupleParams", "TupleValue", "VARIADIC_CALLS", "is_user_function",
           "UnsupportedSyntaxError"]
