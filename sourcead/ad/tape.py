"""Recording what reversed loops read (the to-be-recorded analysis).

After optimisation, adjoint code may read values defined in a primal loop
body. Each iteration overwrites those, so each is recorded: pushed on a tape
(a list) where it is defined, and read back, last first, at the start of the
adjoint block that mirrors its defining block. Only values the optimised
adjoint code actually reads are recorded; values defined outside every loop
are never copied or recorded. The loop index of a `for` loop is not recorded:
the reversed loop runs over the same range.
"""

from ..ir import primitives as P
from ..ir.core import Const, If, Loop, Op, Var, walk_stmts

TAPE_NEW = P.Primitive("tape", emit=("list",), pure=False, hint="tape")
TAPE_PUSH = P.Primitive("push", emit=("method", "append"), pure=False)
TAPE_BACK = P.Primitive("reversed", emit=("call", "reversed"), pure=False, hint="back")
TAPE_POP = P.Primitive("next", emit=("call", "next"), pure=False)


def record(fn):
    """Insert tapes into `fn` (in place) so that every adjoint block reads only values
    available to it; returns `fn`."""
    top = fn.body
    in_loop, top_stmt = _placement(top)
    for s in walk_stmts(top):   # the reversed loop's own index replaces the primal one
        if isinstance(s, Loop) and "index_map" in s.attrs:
            old, new = s.attrs["index_map"]
            _substitute(s.body, {old: new})
    loops = [s for s in walk_stmts(top) if isinstance(s, Loop) and "primal" in s.attrs]
    defs = {o: s for s in walk_stmts(top) if isinstance(s, Op) for o in s.outs}
    for s in reversed(loops):   # innermost first: an outer loop records what clones read
        _recompute_index_values(s, defs)
    pairs = []
    for s in walk_stmts(top):
        primal = s.attrs.get("primal") if isinstance(s, (If, Loop)) else None
        if primal is None:
            continue
        if isinstance(s, Loop):
            pairs.append((primal.body, s.body, top_stmt[id(primal)]))
        elif in_loop[id(primal)]:
            pairs.append((primal.then, s.then, top_stmt[id(primal)]))
            pairs.append((primal.orelse, s.orelse, top_stmt[id(primal)]))
    tapes, backs = [], []
    for primal, adjoint, outer in pairs:
        read = _reads(adjoint)
        pops = []
        mapping = {}
        for v in _defined_directly(primal):
            if v not in read:
                continue
            tape = Op(TAPE_NEW, [])
            tape.out.hint = v.hint + "_tape"
            tapes.append((outer, tape))
            _insert_after_definition(primal, v, Op(TAPE_PUSH, [tape.out, v], outs=[]))
            back = Op(TAPE_BACK, [tape.out])
            back.out.hint = v.hint + "_back"
            backs.append(back)
            pop = Op(TAPE_POP, [back.out])
            pop.out.hint, pop.out.is_temp, pop.out.shape_of = v.hint, v.is_temp, v
            pops.append(pop)
            mapping[v] = pop.out
        if mapping:
            _substitute(adjoint, mapping)
            adjoint.stmts[:0] = pops
    # Tapes are made before the top-level statement whose loops fill them, and read
    # backwards from the start of the adjoint sweep (a pullback reads them afresh per call).
    for outer, tape in tapes:
        top.stmts.insert(next(i for i, s in enumerate(top.stmts) if s is outer), tape)
    sweep = next(i for i, s in enumerate(top.stmts) if isinstance(s, Op) and s.prim is P.SWEEP)
    top.stmts[sweep + 1:sweep + 1] = backs
    return fn




def _recompute_index_values(rev, defs):
    """Integers computed from the loop index (`i + 1`, `n - 1 - i`) and elements
    `x[k]` of an `x` from before the loop at such an integer are computed again in
    the reversed body instead of being recorded."""
    if "index_map" not in rev.attrs:
        return
    primal = rev.attrs["primal"].body
    old_index, new_index = rev.attrs["index_map"]
    inside = set(primal.params)
    for t in walk_stmts(primal):
        inside.update(t.outs)
        for b in t.blocks():
            inside.update(b.params)
    made = {old_index: new_index}
    derived = {old_index}    # integers computed from the index
    clones = []

    def available(x):
        return not isinstance(x, Var) or x not in inside or x in made

    def integer(x, depth=0):
        if isinstance(x, Const):
            return type(x.value) is int
        if x in derived:
            return True
        d = defs.get(x)
        if x in inside or d is None or depth > 8:
            return False
        if d.prim.impl in P.INT_MAKERS:
            return True
        return d.prim.impl in P.INT_ARITH and all(integer(a, depth + 1) for a in d.args)
    read = _reads(rev.body)
    wanted = set()
    for t in reversed(primal.stmts):   # what the reads need, through chains of such values
        if isinstance(t, Op) and any(o in read or o in wanted for o in t.outs):
            wanted.update(x for x in t.operands() if isinstance(x, Var))
    for t in primal.stmts:
        if not isinstance(t, Op) or len(t.outs) != 1 or t.kwargs or \
                not (t.out in read or t.out in wanted):
            continue
        if not all(available(x) for x in t.args):
            continue
        if t.prim.impl in P.INT_ARITH and all(integer(x) for x in t.args) and \
                any(x in derived for x in t.args) or t.prim.impl in P.INT_MAKERS:
            derived.add(t.out)
        elif not (t.prim is P.GETITEM and t.args[0] not in inside and integer(t.args[1])):
            continue
        new = Op(t.prim, [made.get(x, x) for x in t.args], loc=t.loc, attrs=t.attrs)
        new.out.hint, new.out.is_temp, new.out.shape_of = t.out.hint, t.out.is_temp, t.out
        made[t.out] = new.out
        clones.append(new)
    made.pop(old_index)
    if made:
        _substitute(rev.body, made)
        rev.body.stmts[:0] = clones


def _placement(top):
    """For each statement: whether it runs inside a loop, and the top-level statement
    that contains it."""
    in_loop, top_stmt = {}, {}

    def visit(block, looping, outer):
        for s in block.stmts:
            o = outer if outer is not None else s
            in_loop[id(s)] = looping
            top_stmt[id(s)] = o
            for b in s.blocks():
                visit(b, looping or isinstance(s, Loop), o)
    visit(top, False, None)
    return in_loop, top_stmt


def _defined_directly(block):
    out = list(block.params)
    for s in block.stmts:
        out.extend(s.outs)
    return out


def _reads(block):
    seen = set()
    for s in walk_stmts(block):
        for x in s.operands():
            if isinstance(x, Var):
                seen.add(x)
        for b in s.blocks():
            for r in b.results:
                if isinstance(r, Var):
                    seen.add(r)
    for r in block.results:
        if isinstance(r, Var):
            seen.add(r)
    return seen


def _insert_after_definition(block, v, op):
    if v in block.params:
        block.stmts.insert(0, op)
        return
    for i, s in enumerate(block.stmts):
        if v in s.outs:
            block.stmts.insert(i + 1, op)
            return
    raise AssertionError(f"{v!r} is not defined in the block")


def _substitute(block, mapping):
    def m(x):
        return mapping.get(x, x) if isinstance(x, Var) else x
    for s in walk_stmts(block):
        s.map_operands(m)
        for b in s.blocks():
            b.results = [m(r) for r in b.results]
    block.results = [m(r) for r in block.results]


__all__ = ["record"]
