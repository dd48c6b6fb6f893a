"""Liveness (AST, in place): which local names may still be read, at each statement.

The SSA pass needs it in three places: a loop carries only the names live at the
head of its iterations that it assigns; an `if` merges only the names live after it;
and codegen writes an array in place only where the old value is dead. It runs on
desugar's output, where control flow is structured (no break/continue/return in
the middle of a block), so a backward pass over the statement tree is exact up to
the usual "may": one pass for straight code and ifs, a fixpoint for loops.

Annotations (all frozensets of local names):

- every statement, in every block and in comprehensions' `sad_loop` (not in the
  bodies of nested defs and classes: their own scopes, analysed when they are
  desugared): `sad_live_out`, the names that may be read after it before being
  assigned again;
- every For/While: `sad_live_head`, live at the start of each iteration, before the
  test or the target binding (what a loop must carry, with `sad_assigned`), and
  `sad_assigned`, the names it may bind (targets, stores, augmented targets, `del`,
  nested def names, its own and inner loops' `sad_clear` flags, and what the
  comprehensions in it bind);
- the FunctionDef: `sad_live_in`, the parameters that are read;
- every statement, where the function appends to a list: `sad_seen_out`, the names
  whose values may be looked at after it: as `sad_live_out`, but a statement
  `xs.append(v)` (or `xs.extend(v)`, `xs.insert(i, v)`) does not look at `xs` (a list
  only appended to shows no one the arrays in it). Where it is absent, it is
  `sad_live_out`.

A nested def or a lambda may be called at any later point, so the names it reads
from the function are treated as live everywhere.
"""

import gast

_LOOPS = (gast.For, gast.While)
_DEFS = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)
_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.DictComp, gast.SetComp)


def annotate_liveness(node):
    """Annotate desugar's output `node` (a gast FunctionDef) in place; see the module doc.

    >>> import gast
    >>> fn = gast.parse("def f(x, y):\\n    z = x * 2\\n    return z\\n").body[0]
    >>> annotate_liveness(fn)
    >>> sorted(fn.body[0].sad_live_out), sorted(fn.sad_live_in)
    (['z'], ['x'])
    """
    params = _parameters(node.args)
    local = (params | _bound(node.body)) - _declared_outside(node.body)
    everywhere = frozenset(_closure_reads(node.body) & local)
    analysis = _Analysis(keep=frozenset(local), everywhere=everywhere)
    live = analysis.block(node.body, frozenset())
    node.sad_live_in = frozenset((live | everywhere) & params)
    if any(_appended(n) for n in _walk(node.body)):
        _Analysis(keep=frozenset(local), everywhere=everywhere, seen=True).block(
            node.body, frozenset())


def live_in(stmts, live_out):
    """The names live before `stmts` when `live_out` are live after them (all names, not
    only locals; nothing annotated)."""
    return _Analysis().block(list(stmts), frozenset(live_out))


class _Analysis:
    """The backward pass. With `keep` (the function's local names) it annotates the
    statements, keeping only those names and adding `everywhere` to every set."""

    def __init__(self, keep=None, everywhere=frozenset(), seen=False):
        self.keep = keep
        self.everywhere = everywhere
        self.seen = seen   # the pass for `sad_seen_out` (appending looks at nothing)
        self.jumps = []   # (live after a break, live after a continue) of enclosing loops

    def note(self, node, attr, names):
        if self.keep is None:
            return
        if self.seen:
            if attr != "sad_live_out":
                return
            attr = "sad_seen_out"
        setattr(node, attr, (names & self.keep) | self.everywhere)

    def block(self, stmts, live):
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.Return):
                live = frozenset()   # nothing runs after it
            elif isinstance(stmt, (gast.Break, gast.Continue)) and self.jumps:
                live = self.jumps[-1][isinstance(stmt, gast.Continue)]   # left undesugared
            self.note(stmt, "sad_live_out", live)
            live = self.statement(stmt, live)
        return live

    def statement(self, stmt, out):
        """The names live before `stmt` when `out` are live after it."""
        if isinstance(stmt, gast.If):
            comps = []
            live = self.reads(stmt.test, comps) | self.block(stmt.body, out) | \
                self.block(stmt.orelse, out)
        elif isinstance(stmt, _LOOPS):
            return self.loop(stmt, out)
        elif isinstance(stmt, (gast.With, gast.AsyncWith)):
            comps, reads, bound = [], set(), set()
            for item in stmt.items:
                reads |= self.reads(item.context_expr, comps)
                if item.optional_vars is not None:
                    reads |= self.reads(item.optional_vars, comps)
                    bound |= _stored(item.optional_vars)
            live = frozenset(reads) | (self.block(stmt.body, out) - bound)
        elif isinstance(stmt, (gast.Try, getattr(gast, "TryStar", gast.Try))) or \
                type(stmt).__name__ == "Match":
            return self.anywhere(stmt, out)
        else:
            comps = []
            reads, kills = self.simple(stmt, comps)
            live = reads | (out - kills)
        for comp in comps:   # its loop runs where it is: everything around it stays live
            self.block(comp.sad_loop, live | out | {comp.sad_result})
        return live

    def simple(self, stmt, comps):
        """(names `stmt` reads, names it binds or deletes) for a statement with no block."""
        if isinstance(stmt, gast.Assign):
            reads = self.reads(stmt.value, comps)
            for t in stmt.targets:   # `x[i] = v` and `x.a = v` read x
                reads |= self.reads(t, comps)
            return reads, frozenset().union(*(_stored(t) for t in stmt.targets))
        if isinstance(stmt, gast.AugAssign):   # `x += v` reads x and binds it
            target = {stmt.target.id} if isinstance(stmt.target, gast.Name) else set()
            return self.reads(stmt.value, comps) | self.reads(stmt.target, comps) | target, \
                frozenset()
        if isinstance(stmt, gast.AnnAssign):
            if stmt.value is None:
                return self.reads(stmt.target, comps), frozenset()
            return self.reads(stmt.value, comps) | self.reads(stmt.target, comps), \
                _stored(stmt.target)
        if isinstance(stmt, gast.Delete):
            reads = frozenset().union(*(self.reads(t, comps) for t in stmt.targets))
            return reads, frozenset(n.id for t in stmt.targets for n in gast.walk(t)
                                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Del))
        if isinstance(stmt, _DEFS):   # what is evaluated where the def is
            parts = list(stmt.decorator_list)
            if isinstance(stmt, gast.ClassDef):
                parts += list(stmt.bases) + [k.value for k in stmt.keywords]
            else:
                parts += list(stmt.args.defaults) + [d for d in stmt.args.kw_defaults if d]
            return frozenset().union(*(self.reads(p, comps) for p in parts)), \
                frozenset([stmt.name])
        if isinstance(stmt, (gast.Import, gast.ImportFrom)):
            return frozenset(), frozenset((a.asname or a.name).split(".")[0]
                                          for a in stmt.names)
        if isinstance(stmt, (gast.Global, gast.Nonlocal)):
            return frozenset(), frozenset()
        if self.seen and _appended(stmt):   # what is appended, not the list
            return frozenset().union(*(self.reads(a, comps) for a in stmt.value.args)), \
                frozenset()
        # Expr, Return, Raise, Assert, Pass, Break, Continue: read what they contain
        return self.reads(stmt, comps), frozenset()

    def loop(self, stmt, out):
        """A For or While: a fixpoint on the names live at the head of an iteration."""
        comps = []
        after_loop = self.block(stmt.orelse, out)   # the loop ends without a break
        cleared = frozenset(getattr(stmt, "sad_clear", None) or ())
        exit_flag = getattr(stmt, "sad_exit", None)
        if isinstance(stmt, gast.For):
            before = self.reads(stmt.iter, comps)
            base = after_loop | self.reads(stmt.target, comps)
            bound = _stored(stmt.target) | cleared
        else:   # the test runs before each iteration and once more at the exit
            before = frozenset()
            base = after_loop | self.reads(stmt.test, comps)
            bound = cleared
        # the end of an iteration reads the exit flag; leaving there skips the else
        leaving = (out | {exit_flag}) if exit_flag else frozenset()
        head = base
        while True:
            end = head | leaving
            self.jumps.append((out, end))
            body = self.block(stmt.body, end)
            self.jumps.pop()
            new = base | (body - bound)
            if new == head:   # the pass just done annotated with these sets
                break
            head = new
        self.note(stmt, "sad_live_head", head)
        if self.keep is not None and not self.seen:
            stmt.sad_assigned = _bound([stmt]) & self.keep
        live = before | head
        for comp in comps:
            self.block(comp.sad_loop, live | out | {comp.sad_result})
        return live

    def anywhere(self, stmt, out):
        """A try or match statement (refused by the later passes): control may go from
        any point to any other, so every name it reads is live throughout."""
        live = out | _loads(stmt)
        for sub in _statements_in(stmt):
            self.note(sub, "sad_live_out", live)
            if isinstance(sub, _LOOPS):
                self.note(sub, "sad_live_head", live)
                if self.keep is not None and not self.seen:
                    sub.sad_assigned = _bound([sub]) & self.keep
        return live

    def reads(self, node, comps):
        """The names an expression (or a simple statement) reads. A comprehension that
        desugar annotated reads what its loop reads, and is added to `comps`; a lambda
        reads its defaults here (what its body reads is live everywhere)."""
        found = set()

        def visit(n):
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Load):
                    found.add(n.id)
            elif isinstance(n, gast.Lambda):
                for d in list(n.args.defaults) + [d for d in n.args.kw_defaults if d]:
                    visit(d)
            elif getattr(n, "sad_loop", None) is not None:
                found.update(_Analysis().block(n.sad_loop, frozenset()))
                comps.append(n)
            elif isinstance(n, _COMPREHENSIONS):   # not desugared: its own names are not ours
                own = set().union(*(_stored(g.target) for g in n.generators))
                found.update(_loads(n) - own)
            else:
                for c in gast.iter_child_nodes(n):
                    if not isinstance(c, gast.stmt):
                        visit(c)
        visit(node)
        return frozenset(found)


# -- names ------------------------------------------------------------------------

def _parameters(args):
    names = [a for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)]
    names += [a for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(a.id for a in names)


def _appended(stmt):
    """Whether `stmt` is `xs.append(v)`, `xs.extend(v)` or `xs.insert(i, v)`."""
    if not isinstance(stmt, gast.Expr) or not isinstance(stmt.value, gast.Call):
        return False
    fn = stmt.value.func
    return isinstance(fn, gast.Attribute) and isinstance(fn.value, gast.Name) and \
        fn.attr in ("append", "extend", "insert") and not stmt.value.keywords


def _stored(target):
    return frozenset(n.id for n in gast.walk(target) if isinstance(n, gast.Name)
                     and isinstance(n.ctx, gast.Store))


def _loads(node):
    return frozenset(n.id for n in gast.walk(node) if isinstance(n, gast.Name)
                     and isinstance(n.ctx, gast.Load))


def _walk(nodes):
    """The nodes of this function's own scope: not inside nested defs and lambdas (the
    def itself is), and into desugared comprehensions' `sad_loop`."""
    todo = list(nodes)
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (gast.Lambda,) + _DEFS):
            continue
        todo += list(gast.iter_child_nodes(n)) + list(getattr(n, "sad_loop", None) or ())


def _statements_in(stmt):
    return [n for n in _walk([stmt]) if isinstance(n, gast.stmt) and n is not stmt]


def _bound(stmts):
    """The names `stmts` may bind, delete, or (loops) clear at each iteration."""
    names = set()
    for n in _walk(stmts):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            names.add(n.id)
        elif isinstance(n, _DEFS):
            names.add(n.name)
        elif isinstance(n, gast.alias):
            names.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, _LOOPS):
            names.update(getattr(n, "sad_clear", None) or ())
    return frozenset(names)


def _declared_outside(stmts):
    """Names a `global` or `nonlocal` statement says are not this function's."""
    return {name for n in _walk(stmts) if isinstance(n, (gast.Global, gast.Nonlocal))
            for name in n.names}


def _closure_reads(stmts):
    """The names the nested defs and lambdas in `stmts` read from outside themselves."""
    found = set()
    for n in _walk(stmts):
        if isinstance(n, (gast.Lambda, gast.FunctionDef, gast.AsyncFunctionDef)):
            found |= _free(n)
    return found


def _free(fn):
    """The names a def or lambda reads that it does not bind itself. Over-approximated
    (what may be live can be more than what is): every name read anywhere inside it,
    inner defs included, less what its own scope binds (its parameters and the names
    it assigns, not a comprehension's own names, which are not bound in it)."""
    body = [fn.body] if isinstance(fn, gast.Lambda) else fn.body
    reads = set().union(*(_loads(n) for n in body))
    bound = set(_parameters(fn.args))
    own_targets = {id(t) for n in _walk(body) if isinstance(n, _COMPREHENSIONS)
                   for g in n.generators for t in gast.walk(g.target)}
    for n in _walk(body):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)) and \
                id(n) not in own_targets:
            bound.add(n.id)
        elif isinstance(n, _DEFS):
            bound.add(n.name)
        elif isinstance(n, gast.Global):
            bound.update(n.names)   # a global's name, not the enclosing function's
    return (reads - bound) | {name for n in _walk(body) if isinstance(n, gast.Nonlocal)
                              for name in n.names}
