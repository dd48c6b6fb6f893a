"""Dead code elimination: drop pure statements whose results nobody reads."""

from ..ir.core import If, Loop, Op, Var, Zero


def _uses(x, live):
    if isinstance(x, Var):
        live.add(x)
    elif isinstance(x, Zero) and x.like is not None:
        for v in (x.like if isinstance(x.like, tuple) else (x.like,)):
            _uses(v, live)


def _pure(s):
    if isinstance(s, Op):
        return s.prim.pure
    return all(_pure(t) for b in s.blocks() for t in b.stmts)


def dce(fn):
    """Remove dead statements from `fn` in place; returns it."""
    live = set()
    for r in fn.body.results:
        _uses(r, live)
    _block(fn.body, live)
    return fn


def _block(b, live):
    kept = []
    for s in reversed(b.stmts):
        if _pure(s) and not any(o in live for o in s.outs):
            continue
        if isinstance(s, If):
            # Outputs nobody reads are dropped (their results with them); the branches'
            # results must be live for the outputs that are.
            keep = [k for k, o in enumerate(s.outs) if o in live]
            if len(keep) < len(s.outs):
                s.outs = [s.outs[k] for k in keep]
                for blk in (s.then, s.orelse):
                    blk.results = [blk.results[k] for k in keep]
            for blk in (s.then, s.orelse):
                inner = set(live)
                for r in blk.results:
                    _uses(r, inner)
                _block(blk, inner)
                live |= inner
        elif isinstance(s, Loop):
            inner = set(live)
            for blk in s.blocks():
                for r in blk.results:
                    _uses(r, inner)
            while True:  # results feed the next iteration's parameters
                before = len(inner)
                for blk in s.blocks():
                    _block(blk, inner)
                if len(inner) == before:
                    break
            live |= inner
        for x in s.operands():
            _uses(x, live)
        kept.append(s)
    b.stmts = kept[::-1]


__all__ = ["dce"]
