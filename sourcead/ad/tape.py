"""Recording what reversed loops read (the to-be-recorded analysis).

After optimisation, adjoint code may read values defined in a primal loop
body. Each iteration overwrites those, so each is recorded: pushed on a tape
(a list) where it is defined, and read back, last first, at the start of the
adjoint block that mirrors its defining block. Only values the optimised
adjoint code actually reads are recorded; values defined outside every loop
are never copied or recorded. The loop index of a `for` loop is not recorded:
the reversed loop runs over the same range.
"""

import operator

import numpy as np

from .. import runtime
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
    for s in reversed(loops):   # innermost first: an outer loop records what these read
        _recompute_index_values(s, defs)
        _results_from_next_iteration(s)
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
        shape_only = _read_for_shape_only(adjoint)
        pops = []
        mapping = {}
        for v in _defined_directly(primal):
            if v not in read:
                continue
            hint = v.hint
            recorded = v
            if v in shape_only:   # only its shape is needed: record that, not the array
                hint = v.hint + "_shape"
                shape = Op(P.lookup(runtime.Shape), [v])
                shape.out.hint, shape.out.is_temp = hint, True
                _insert_after_definition(primal, v, shape)
                recorded = shape.out
            tape = Op(TAPE_NEW, [])
            tape.out.hint = hint + "_tape"
            tapes.append((outer, tape))
            _insert_after_definition(primal, recorded, Op(TAPE_PUSH, [tape.out, recorded],
                                                          outs=[]))
            back = Op(TAPE_BACK, [tape.out])
            back.out.hint = hint + "_back"
            backs.append(back)
            pop = Op(TAPE_POP, [back.out])
            pop.out.hint, pop.out.shape_of = hint, v
            pop.out.is_temp = v.is_temp and recorded is v
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




_ARITH = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
          operator.neg)
_VIEWS = (np.transpose, np.swapaxes, np.reshape, np.ravel, np.squeeze, np.expand_dims,
          np.moveaxis)


def _recompute_index_values(rev, defs):
    """Integers computed from the loop index (`i + 1`, `n - 1 - i`), elements `x[k]` of
    an `x` from before the loop at such an integer, and the module's constants read in
    the loop (`DT`, `DX ** 2`: nothing between the sweeps changes them) are computed
    again in the reversed body instead of being recorded."""
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
    constants = set()        # globals read in the loop, and arithmetic of values before it
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
        if t.prim is P.LOAD_GLOBAL or t.prim.impl in _ARITH and t.args and \
                all(isinstance(x, Const) or x in constants or x not in inside
                    for x in t.args):
            constants.add(t.out)   # the same in every iteration (DT, DX ** 2, DT * k)
        elif t.prim.impl in _VIEWS and isinstance(t.args[0], Var) and \
                t.args[0] not in inside and all(isinstance(x, Const) for x in t.args[1:]):
            pass   # a view of a value from before the loop (X.T): taken again, not recorded
        elif t.prim.impl in P.INT_ARITH and all(integer(x) for x in t.args) and \
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


# Where an operand is read only for its shape: (function, argument position).
_SHAPE_READS = {(runtime.unbroadcast, 1), (runtime.broadcast_like, 1), (np.shape, 0),
                (runtime.sum_adjoint, 1)}
_ZEROS = P.lookup(runtime.zeros_like)   # reads the shape and the type, which Shape keeps


def _read_for_shape_only(block):
    """The values every read of which in `block` is a read of their shape alone."""
    shape, other = set(), set()
    for s in walk_stmts(block):
        if isinstance(s, Op):
            for k, x in enumerate(s.args):
                if isinstance(x, Var):
                    by_shape = (s.prim.impl, k) in _SHAPE_READS or \
                        (s.prim is _ZEROS and len(s.args) == 1)
                    (shape if by_shape else other).add(x)
            for x in s.kwargs.values():
                other.add(x)
        else:
            other.update(s.operands())
        for b in s.blocks():
            other.update(b.results)
    other.update(block.results)
    return shape - other


def _results_from_next_iteration(rev):
    """What iteration t of a loop yields is what iteration t + 1 starts from. When the
    adjoint reads a yielded value, the reversed loop carries it from the iteration it
    reversed before (starting from the loop's final value) instead of recording it too."""
    loop = rev.attrs["primal"]
    n = len(loop.inits)
    params = loop.body.params[len(loop.body.params) - n:]
    own = {o for t in loop.body.stmts for o in t.outs}
    read = _reads(rev.body)
    for k, r in enumerate(loop.body.results):
        if not (isinstance(r, Var) and r in own and r in read) or k >= len(loop.outs):
            continue
        if r in _read_for_shape_only(rev.body):
            continue   # recording its shape is cheaper than keeping the value alive
        later = Var(r.hint, is_temp=r.is_temp, shape_of=r)
        _substitute(rev.body, {r: later})
        rev.inits.append(loop.outs[k])
        rev.body.params.append(later)
        rev.body.results.append(params[k])
        rev.outs.append(Var(r.hint, is_temp=True))


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
