"""Desugaring (AST → AST): control flow the SSA pass can build without jumps.

The SSA pass builds structured `If` and `Loop` nodes, whose blocks end where the
user's blocks end. `break`, `continue` and `return` jump out of the middle of a block,
so this pass rewrites them into flags and guards first, each flag scoped to the one
loop that owns it:

    for i in range(n):                      stop = False
        if x[i] < 0:                        for i in range(n):        # sad_exit = "stop"
            break                               stop = x[i] < 0       # sad_clear = ["stop"]
        s += x[i]                               if not stop:
                                                    s += x[i]

The SSA pass sets the `sad_clear` flags to False at the start of each iteration and
checks `sad_exit` at its end (`if stop: break`), so a loop body is a function of its
carried values and the generated code still reads like the user's loop. Outside
loops, a `return` becomes the last statement of its block: the code that follows an
`if` with a return in it is copied into the branches that fall through, so every
path through the function ends in its own return.

Comprehensions keep their place in the expression (the SSA pass evaluates them
there) and carry the loop that builds them (`sad_loop`, `sad_result`), their own
variables renamed so that they do not leak into the function, as in Python 3.

Nested defs and lambdas are left alone: they are desugared when they are called.
The bodies of `with` and `try` are desugared as blocks of their own; a `break`,
`continue` or `return` that leaves one is left as it is, for the lowering to refuse.
"""

from collections import Counter

import gast

_LOOPS = (gast.For, gast.While)
_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda)
_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.DictComp)


def desugar(node, loc=None):
    """A new FunctionDef for `node` (not changed) with structured control flow.

    `loc` (node -> SourceLoc, e.g. ParsedFunction.loc) is kept for located errors;
    nothing is refused here at present.

    >>> import ast, gast
    >>> fn = gast.parse("def f(xs):\\n    for x in xs:\\n        if x: return x\\n").body[0]
    >>> print(ast.unparse(gast.gast_to_ast(desugar(fn))))
    def f(xs):
        returned = False
        result = None
        stop = False
        for x in xs:
            if x:
                result = x
                returned = True
                stop = True
        if returned:
            return result
        else:
            return None
    """
    return _Desugarer(node, loc).function()


# -- locations and new nodes ------------------------------------------------------

def _span(src):
    """Where nodes made for `src` are: `src` itself, or a compound statement's header."""
    start = (src.lineno, src.col_offset)
    header = {gast.If: "test", gast.While: "test", gast.For: "iter"}.get(type(src))
    if header is not None:
        part = getattr(src, header)
        return start + (part.end_lineno, part.end_col_offset)
    if hasattr(src, "body") and isinstance(src.body, list):   # def, with, try: first line
        return start + start
    return start + (src.end_lineno, src.end_col_offset)


def _located(node, src):
    """`node` with every part that has no location given `src`'s (see `_span`)."""
    span = _span(src)
    for sub in gast.walk(node):
        if "lineno" in getattr(sub, "_attributes", ()) and getattr(sub, "lineno", None) is None:
            sub.lineno, sub.col_offset, sub.end_lineno, sub.end_col_offset = span
    return node


def _copy(node):
    """A deep copy of an AST (copy.deepcopy, but several times faster on gast nodes)."""
    if isinstance(node, list):
        return [_copy(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = type(node)(**{f: _copy(getattr(node, f, None)) for f in node._fields})
    for a in node._attributes:
        if hasattr(node, a):
            setattr(new, a, getattr(node, a))
    for k, v in vars(node).items():   # annotations of passes run before (sad_*)
        if k.startswith("sad_"):
            setattr(new, k, _copy(v) if isinstance(v, (list, gast.AST)) else v)
    return new


def _name(name, ctx=gast.Load):
    return gast.Name(id=name, ctx=ctx(), annotation=None, type_comment=None)


def _const(value):
    return gast.Constant(value=value, kind=None)


def _assign(name, value, src):
    if not isinstance(value, gast.AST):
        value = _const(value)
    return _located(gast.Assign(targets=[_name(name, gast.Store)], value=value,
                                type_comment=None), src)


def _none_of(flags):
    """`not stop`, or `not (stop or skip)`."""
    test = _name(flags[0]) if len(flags) == 1 else \
        gast.BoolOp(op=gast.Or(), values=[_name(f) for f in flags])
    return gast.UnaryOp(op=gast.Not(), operand=test)


def _if(test, body, orelse, src):
    return _located(gast.If(test=test, body=body, orelse=orelse), src)


def _is_docstring(stmt):
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) and \
        isinstance(stmt.value.value, str)


# -- what the code does -------------------------------------------------------------

def _exits(stmts):
    """The exits of the loop whose body is `stmts`: a subset of {"break", "continue",
    "return"}. An inner loop's break and continue are its own, but those in its else
    clause leave the outer loop; every return counts; a `with` body's are the block's.
    The bodies of defs, lambdas and `try` are not looked into (their exits are left as
    they are)."""
    found = set()

    def visit(block, own):
        for s in block:
            if isinstance(s, gast.Break) and own:
                found.add("break")
            elif isinstance(s, gast.Continue) and own:
                found.add("continue")
            elif isinstance(s, gast.Return):
                found.add("return")
            elif isinstance(s, gast.If):
                visit(s.body, own)
                visit(s.orelse, own)
            elif isinstance(s, _LOOPS):
                visit(s.body, False)
                visit(s.orelse, own)
            elif isinstance(s, gast.With):
                visit(s.body, own)
    visit(stmts, True)
    return found


def _name_counts(fn):
    """How often each name occurs in `fn` (nested defs and lambdas included): fresh
    names avoid all of them."""
    counts = Counter()
    for n in gast.walk(fn):
        if isinstance(n, gast.Name):
            counts[n.id] += 1
        elif isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            counts[n.name] += 1
        elif isinstance(n, (gast.Global, gast.Nonlocal)):
            counts.update(n.names)
        elif isinstance(n, gast.alias):
            counts[(n.asname or n.name).split(".")[0]] += 1
        elif isinstance(n, gast.ExceptHandler) and isinstance(n.name, str):
            counts[n.name] += 1
    return counts


def _stored(target):
    return {n.id for n in gast.walk(target) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _comprehension_scope(comp):
    """The parts of a comprehension evaluated in its own scope: all but the first iterable,
    which Python evaluates in the enclosing one."""
    parts = [comp.key, comp.value] if isinstance(comp, gast.DictComp) else [comp.elt]
    for k, g in enumerate(comp.generators):
        parts += [g.target] + ([g.iter] if k else []) + list(g.ifs)
    return parts


def _rename(node, names):
    """Rename the variables in `names` inside `node` (in place), except inside a lambda
    whose own parameters hide them."""
    if isinstance(node, gast.Name) and node.id in names:
        node.id = names[node.id]
        return
    if isinstance(node, gast.Lambda):
        hidden = {a.id for a in gast.walk(node.args) if isinstance(a, gast.Name)}
        names = {k: v for k, v in names.items() if k not in hidden}
    for child in gast.iter_child_nodes(node):
        _rename(child, names)


class _Loop:
    """The flags of the loop being desugared (None where the loop needs none)."""

    def __init__(self, stop, skip):
        self.stop, self.skip = stop, skip


class _Desugarer:
    def __init__(self, fn, loc):
        self.fn = _copy(fn)
        self.loc = loc
        self.counts = _name_counts(fn)
        self.used = set(self.counts)
        self.returning = None   # (returned, result) once a loop needs them

    def fresh(self, base):
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def return_flags(self):
        """The names of the flag and the value of a return inside a loop: one pair per
        function, since the loop that sets them is left at once."""
        if self.returning is None:
            self.returning = (self.fresh("returned"), self.fresh("result"))
        return self.returning

    def function(self):
        fn = self.fn
        body = list(fn.body)
        if body and _is_docstring(body[0]):
            body = body[1:]
        # falling off the end returns None: said once, it flows into every branch that
        # falls through, and disappears where every path has returned already
        body.append(_located(gast.Return(value=_const(None)), body[-1] if body else fn))
        fn.body = self.block(body)
        return fn

    # -- outside loops ----------------------------------------------------------
    def block(self, stmts):
        """Statements outside loops: every return made the last statement of its block."""
        out, stmts = [], list(stmts)
        while stmts:
            stmt = stmts.pop(0)
            if isinstance(stmt, gast.Return):
                self.expressions(stmt)
                out.append(stmt)
                return out    # what follows is unreachable
            if isinstance(stmt, _LOOPS):
                before, loop, after, _ = self.loop(stmt, None)
                out += before + [loop]
                stmts = after + stmts
            elif isinstance(stmt, gast.If) and "return" in _exits(stmt.body + stmt.orelse):
                # what follows runs in the branches that fall through: copy it into each
                self.expressions(stmt)
                stmt.body = self.block(stmt.body + _copy(stmts))
                stmt.orelse = self.block(stmt.orelse + stmts)
                out.append(stmt)
                return out
            elif isinstance(stmt, gast.If):
                self.expressions(stmt)
                stmt.body = self.block(stmt.body)
                stmt.orelse = self.block(stmt.orelse)
                out.append(stmt)
            elif isinstance(stmt, gast.With) and "return" in _exits(stmt.body):
                # a return inside `with`: the context is exited first, so the body sets
                # the return flags (the rest of it skipped, as in a loop that runs once),
                # and the return comes after the with statement
                self.expressions(stmt)
                stmt.sad_exits = True   # (a gradient hook's body may not leave it)
                returned, result = self.return_flags()
                stop = self.fresh("stop")
                out += [_assign(returned, False, stmt), _assign(result, None, stmt),
                        _assign(stop, False, stmt)]
                stmt.body, _ = self.loop_block(stmt.body, _Loop(stop, None))
                out.append(stmt)
                stmts = [_if(_name(returned), [_located(gast.Return(value=_name(result)),
                                                        stmt)], [], stmt)] + stmts
            else:
                out += self.statement(stmt)
        return out

    def statement(self, stmt):
        """A statement that is neither a loop nor an if: one or more in its place."""
        if isinstance(stmt, _SCOPES):
            return [stmt]
        self.expressions(stmt)
        for owner, field in _inner_blocks(stmt):   # with, try: blocks of their own
            setattr(owner, field, self.block(getattr(owner, field)))
        return [stmt]

    # -- loops ----------------------------------------------------------------------
    def loop(self, stmt, outer):
        """A For or While inside the loop `outer` (None: outside loops). Returns (the
        statements before it, the loop, the statements after it, not yet desugared,
        whether it may return)."""
        exits = _exits(stmt.body)
        self.expressions(stmt)
        returns = "return" in exits
        stop = self.fresh("stop") if "break" in exits or returns else None
        skip = self.fresh("skip") if "continue" in exits else None
        before = []
        if returns and outer is None:
            returned, result = self.return_flags()
            before += [_assign(returned, False, stmt), _assign(result, None, stmt)]
        if stop is not None:
            before.append(_assign(stop, False, stmt))
        body, _ = self.loop_block(stmt.body, _Loop(stop, skip))
        stmt.body = body
        stmt.sad_exit = stop
        stmt.sad_clear = [f for f in (stop, skip) if f is not None]
        # the name of the value a return inside it gives: read after the loop only where
        # it returned (then nothing else runs), so it need not share what it holds
        stmt.sad_result = self.return_flags()[1] if returns else None
        orelse, stmt.orelse = stmt.orelse, []
        after = []
        if returns and outer is None:
            returned, result = self.return_flags()
            after.append(_if(_name(returned), [_located(gast.Return(value=_name(result)),
                                                        stmt)], [], stmt))
        if orelse:   # the else clause runs unless the loop was left by a break
            after += [_if(_none_of([stop]), orelse, [], stmt)] if stop else orelse
        return before, stmt, after, returns

    def loop_block(self, stmts, loop):
        """Statements of `loop`'s body (the flags of loops around it are out of reach:
        code here runs only while they are False). Returns (statements, the flags of
        `loop` they may set)."""
        out, stmts = [], list(stmts)
        while stmts:
            stmt = stmts.pop(0)
            new, sets, after, last = self.loop_statement(stmt, loop)
            out += new
            stmts = after + stmts
            if last or not stmts:
                return out, sets   # after a break, continue or return: unreachable
            if sets:
                # the rest runs only while the flags this statement may set are not set
                flags = [f for f in (loop.stop, loop.skip) if f in sets]
                rest, more = self.loop_block(stmts, loop)
                out.append(_if(_none_of(flags), rest, [], stmt))
                return out, sets | more
        return out, set()

    def loop_statement(self, stmt, loop):
        """One statement of a loop body: (statements in its place, flags of `loop` they may
        set, statements to run after them not yet desugared, whether it ends the block)."""
        if isinstance(stmt, gast.Break):
            return [_assign(loop.stop, True, stmt)], {loop.stop}, [], True
        if isinstance(stmt, gast.Continue):
            return [_assign(loop.skip, True, stmt)], {loop.skip}, [], True
        if isinstance(stmt, gast.Return):
            self.expressions(stmt)
            returned, result = self.return_flags()
            value = stmt.value if stmt.value is not None else _located(_const(None), stmt)
            return [_assign(result, value, stmt), _assign(returned, True, stmt),
                    _assign(loop.stop, True, stmt)], {loop.stop}, [], True
        if isinstance(stmt, gast.If):
            self.expressions(stmt)
            if not stmt.orelse and len(stmt.body) == 1 and \
                    isinstance(stmt.body[0], (gast.Break, gast.Continue)):
                # `if c: break` is `stop = c` (stop is False here)
                flag = loop.stop if isinstance(stmt.body[0], gast.Break) else loop.skip
                return [_assign(flag, stmt.test, stmt)], {flag}, [], False
            stmt.body, sets = self.loop_block(stmt.body, loop)
            stmt.orelse, other = self.loop_block(stmt.orelse, loop)
            return [stmt], sets | other, [], False
        if isinstance(stmt, gast.With):   # its exits are the loop's (the context is
            self.expressions(stmt)        # exited after the rest of its body is skipped)
            stmt.sad_exits = bool(_exits(stmt.body))
            stmt.body, sets = self.loop_block(stmt.body, loop)
            return [stmt], sets, [], False
        if isinstance(stmt, _LOOPS):
            before, inner, after, returns = self.loop(stmt, loop)
            if not returns:
                return before + [inner], set(), after, False
            # the inner loop may have returned: then this loop stops too
            returned, _ = self.return_flags()
            leave = _assign(loop.stop, _name(returned), stmt)
            return before + [inner, leave], {loop.stop}, after, False
        return self.statement(stmt), set(), [], False

    # -- expressions ----------------------------------------------------------------
    def expressions(self, node):
        """Desugar the comprehensions in `node`'s own expressions (not in its blocks, nor in
        lambdas, which are left as they are)."""
        for child in gast.iter_child_nodes(node):
            if isinstance(child, (gast.stmt, gast.Lambda, gast.excepthandler, gast.arguments)) \
                    or type(child).__name__ == "match_case":
                continue
            if isinstance(child, _COMPREHENSIONS):
                self.comprehension(child)
            else:
                self.expressions(child)

    def comprehension(self, comp):
        """Annotate `comp` with the statements that build its value (`sad_loop`) and the
        name they build it in (`sad_result`); its own variables are renamed (in `comp`
        too) unless no other code in the function uses their names."""
        own = set().union(*(_stored(g.target) for g in comp.generators))
        parts = _comprehension_scope(comp)
        inside = Counter(n.id for part in parts for n in gast.walk(part)
                         if isinstance(n, gast.Name))
        renames = {n: self.fresh(n) for n in sorted(own) if inside[n] != self.counts[n]}
        for part in parts:
            _rename(part, renames)
        is_dict = isinstance(comp, gast.DictComp)
        acc = self.fresh("entries" if is_dict else "items")
        if is_dict:
            target = gast.Subscript(value=_name(acc), slice=_copy(comp.key),
                                    ctx=gast.Store())
            inner = gast.Assign(targets=[target], value=_copy(comp.value),
                                type_comment=None)
        else:
            append = gast.Attribute(value=_name(acc), attr="append", ctx=gast.Load())
            inner = gast.Expr(value=gast.Call(func=append, args=[_copy(comp.elt)],
                                              keywords=[]))
        for g in reversed(comp.generators):
            for cond in reversed(g.ifs):
                inner = gast.If(test=_copy(cond), body=[inner], orelse=[])
            inner = gast.For(target=_copy(g.target), iter=_copy(g.iter),
                             body=[inner], orelse=[], type_comment=None)
        start = gast.Dict(keys=[], values=[]) if is_dict else gast.List(elts=[], ctx=gast.Load())
        stmts = [_located(gast.Assign(targets=[_name(acc, gast.Store)], value=start,
                                      type_comment=None), comp), _located(inner, comp)]
        comp.sad_result = acc
        comp.sad_loop = self.block(stmts)


def _inner_blocks(stmt):
    """The statement lists of a compound statement other than if, loops and defs (with,
    try, match): (owner, field) pairs."""
    for field in ("body", "orelse", "finalbody"):
        if isinstance(getattr(stmt, field, None), list):
            yield stmt, field
    for part in list(getattr(stmt, "handlers", ())) + list(getattr(stmt, "cases", ())):
        yield part, "body"
