"""Reverse mode: IR → IR with a primal sweep and an adjoint sweep (VJP).

The result is one function: the primal statements, a SWEEP marker, then
the adjoint statements in reverse order. Code generation either emits it
flat (grad, value_and_grad) or splits it at the marker into a function that
returns a pullback closure (vjp).

Branches are reversed by a branch on the same condition; loops by a loop
over the same range reversed (or over the recorded iteration count, for
while loops and loops that break). Adjoint code may read values of the
primal loop bodies directly; `ad.tape.record` then stores, per iteration,
exactly those values (after optimisation has removed what is not needed).
"""

import operator

import numpy as np

from ..ir import primitives as P
from ..ir.clone import Cloner, clone_function, inline
from ..ir.core import Block, Const, If, Loop, Op, Var, Zero, defined_in, walk_stmts
from ..errors import UnsupportedSyntaxError
from ..runtime import (added_at, check_scalar, checked_cotangent, keep_zeros, unbroadcast,
                       zeros_like)
from ..runtime import seed as seed_fn
from .activity import active as active_vars
from .common import (bind, callee_name, check_constant_arguments, derivative_name, emit_temp,
                     find_rule)
from .forward import _rule_args


def vjp(fn, wrt, seed="param", return_primal=True, n_seeded=None):
    """The reverse-mode derivative of `fn` w.r.t. the parameters at indices `wrt`.

    seed="param": the function takes one cotangent parameter per result
    (named `<result>_bar`) after the original parameters. seed="scalar": the
    cotangent of the single result is `sad_rt.seed(result)`, 1 for a scalar.
    Results: the original results (if return_primal), then one adjoint per
    `wrt` parameter. `n_seeded`: only the first results are differentiated (the others,
    `has_aux` values, are passed through).
    """
    fn = clone_function(fn)
    inputs = [fn.params[i] for i in wrt]
    results = list(fn.body.results)
    seeded = results if n_seeded is None else results[:n_seeded]
    active = active_vars(fn, inputs, seeded)
    checkpointed_loops(fn, active)
    stmts = list(fn.body.stmts)
    stmts.append(Op(P.SWEEP, [], outs=[]))
    ctx = _Context(None, set(), "top")

    seed_params = []
    if seed == "param":
        for r in seeded:
            g = Var((r.hint if isinstance(r, Var) else "out") + "_bar",
                    shape_of=r if isinstance(r, Var) else None)
            seed_params.append(g)
            if isinstance(r, Var) and r in active:
                ctx.accumulate(r, g, stmts, None)
    else:
        (r,) = seeded
        stmts.append(Op(P.lookup(check_scalar), [r], outs=[]))
        op = Op(P.lookup(seed_fn), [r])
        op.out.hint = (r.hint if isinstance(r, Var) else "out") + "_bar"
        op.out.is_temp = False
        stmts.append(op)
        if isinstance(r, Var) and r in active:
            ctx.adj[r] = op.out

    reverser = _Reverser(active)
    for s in walk_stmts(fn.body):
        if isinstance(s, Op) and s.prim is P.GRAD_HOOK and isinstance(s.args[0], Var):
            reverser.hooks.setdefault(s.args[0], []).append(s)
    reverser.block(fn.body.stmts, ctx, stmts)
    for p in inputs:
        reverser.run_hooks(p, ctx, stmts)

    grads = []
    for p in inputs:
        g = ctx.adj.get(p)
        if g is None:
            op = Op(P.lookup(zeros_like), [p], loc=None)
            op.out.hint = p.hint + "_bar"
            stmts.append(op)
            g = op.out
        grads.append(g)
    out = (results if return_primal else []) + grads
    new = fn.copy_meta(fn.name + "_vjp", fn.params + seed_params, Block([], stmts, out))
    new.n_primal_results = len(results) if return_primal else 0
    new.n_seeds = len(seed_params)
    return new


class _Context:
    """The adjoints known in one block of the adjoint sweep.

    In a loop, the contributions of one iteration to a value from outside the
    loop are summed, and the sum is added to an accumulator the reversed loop
    carries from zero; after the loop the accumulator is added to the value's
    adjoint. (That is the order in which a checkpointed loop's step adds them
    too, so both give the same bits.) An index into such a value adds into the
    accumulator itself (`X_bar[i] += row_bar`). In a branch, contributions go to
    a running adjoint the branch yields. All are created when first needed.
    """

    def __init__(self, parent, local, kind):
        self.parent = parent
        self.local = local
        self.kind = kind
        self.adj = {}
        self.imported = {}    # outer Var -> (its adjoint on entry, or None; the Var used here)
        self.iteration_sums = set()   # (loops) outer Vars whose adj here is this iteration's

    def lookup(self, x):
        if x in self.adj:
            return self.adj[x]
        if self.kind == "top" or x in self.local:
            return None
        if self.kind == "loop":
            if x not in self.imported:
                self.imported[x] = (None, Var(x.hint + "_bar", shape_of=x))
                self.iteration_sums.add(x)
            return None   # this iteration's sum starts with its first contribution
        outer = self.parent.lookup(x)
        self.imported[x] = (outer, outer)
        if outer is not None:
            self.adj[x] = outer
        return outer

    def accumulator(self, x):
        """The adjoint of x to add into in place: in a loop, the carried accumulator
        itself (unless this iteration already has a sum of its own for x)."""
        prev = self.lookup(x)
        if self.kind == "loop" and x in self.iteration_sums and prev is None:
            self.iteration_sums.discard(x)
            prev = self.adj[x] = self.imported[x][1]
        return prev

    def accumulate(self, x, c, stmts, loc):
        """adj[x] += c, starting from the first contribution itself."""
        prev = self.lookup(x)
        if prev is None:
            self.set(x, c)
            return
        total = emit_temp(stmts, operator.add, [prev, c], loc)
        stmts[-1].attrs["accumulate"] = True   # both have x's shape (see opt.inplace)
        if prev in _MASKED or c in _MASKED:
            _MASKED.add(total)
        self.set(x, total)

    def set(self, x, new):
        """Make `new` the adjoint of `x` (named after it). An adjoint built from one with
        exact zeros from a where (a "masked" one) is masked too."""
        if isinstance(new, Var) and new.is_temp:
            new.hint = x.hint + "_bar"
            new.is_temp = x.is_temp
        self.adj[x] = new


# Functions whose derivative may be infinite or NaN where the function is (sqrt at 0, log
# of a negative number): a zero cotangent must stay zero through them.
_SINGULAR = (np.sqrt, np.log, np.log1p, np.log2, np.log10, np.arcsin, np.arccos, np.arctanh,
             np.arccosh, np.cbrt, np.reciprocal, np.power, np.float_power, operator.pow,
             operator.truediv, np.divide, np.tan, np.arctan2, np.linalg.norm)


class _Reverser:
    def __init__(self, active):
        self.active = active
        self.hooks = {}         # Var -> its gradient hooks (GRAD_HOOK ops)
        self.masked = _MASKED   # adjoints that may hold exact zeros from a where (see below)

    def is_active(self, x):
        return isinstance(x, Var) and x in self.active

    def run_hooks(self, x, ctx, out):
        """Run the gradient hooks of x (`with sad.insert_grad_of(x) as gx:`) on its adjoint,
        now complete; what their gx ends as is x's adjoint."""
        for hook in self.hooks.pop(x, ()):
            g = ctx.lookup(x)
            block = hook.attrs["block"]
            c = Cloner({block.params[0]: g if g is not None else Zero(x)})
            for t in block.stmts:
                out.append(c.stmt(t))
            ctx.set(x, c.operand(block.results[0]))
            self.masked.discard(ctx.adj.get(x))

    def block(self, src, ctx, out):
        for s in reversed(src):
            for o in s.outs if self.hooks else ():
                if o in self.hooks:
                    self.run_hooks(o, ctx, out)
            if isinstance(s, If):
                self.adjoint_if(s, ctx, out)
            elif isinstance(s, Loop):
                self.adjoint_loop(s, ctx, out)
            elif s.prim.differentiable and any(self.is_active(o) and ctx.adj.get(o) is not None
                                               for o in s.outs):
                self.adjoint_op(s, ctx, out)

    def adjoint_op(self, s, ctx, out):
        gs = [ctx.adj.get(o) for o in s.outs]
        gs = [g if g is not None else Zero(o) for g, o in zip(gs, s.outs)]
        g = gs[0]
        if s.prim is P.COPY:
            ctx.accumulate(s.args[0], g, out, s.loc)
            return
        if s.prim in (P.LIST, P.TUPLE):   # [a, b]: item k of the adjoint goes to a_k
            for k, a in enumerate(s.args):
                if self.is_active(a):
                    item = Op(P.GETITEM, [g, Const(k)], loc=s.loc)
                    item.out.is_temp = True
                    out.append(item)
                    ctx.accumulate(a, item.out, out, s.loc)
            return
        if s.prim is P.CALL_USER:
            self.adjoint_user_call(s, gs, ctx, out)
            return
        if s.prim is P.CKPT_FORWARD:
            self.adjoint_checkpointed(s, gs, ctx, out)
            return
        kind, rule = find_rule(s, "reverse")
        primal = bind(rule, s)
        check_constant_arguments(rule, primal, s, self.is_active)
        ins = [primal[name] for name in rule.required]
        if not any(self.is_active(x) for x in ins):
            return
        zeros = ()
        if getattr(rule, "zeros_as_none", False) and len(gs) > 1:   # outputs nobody reads
            zeros = tuple(k for k, g in enumerate(gs) if isinstance(g, Zero))
        lowered = rule.lowered(primal, len(s.outs), zeros=zeros) if zeros else \
            rule.lowered(primal, len(s.outs))
        leads = [g for k, g in enumerate(gs) if k not in zeros]
        args = _rule_args(rule, primal, s.outs, [] if kind == "derivative" else leads)
        start = len(out)
        contribs = inline(lowered, args, out, s.loc)
        if kind == "derivative":
            contribs = [emit_temp(out, operator.mul, [g, contribs[0]], s.loc)]
        masked = any(isinstance(v, Var) and v in self.masked for v in gs)
        for name, x, c in zip(rule.required, ins, contribs):
            if not self.is_active(x) or (isinstance(c, Const) and c.value is None):
                continue
            if getattr(rule, "user", False):   # a user's rule: its result's shape is checked
                c = _checked(out, checked_cotangent,
                             [c, x, s.outs[0] if len(s.outs) == 1 else x,
                              Const(f"for `{callee_name(s)}`")], s.loc)
            if masked and s.prim.impl in _SINGULAR and isinstance(g, Var):
                # The cotangent has exact zeros (a branch of np.where not taken) where this
                # function's derivative may be inf or NaN: keep them zeros, not 0 * inf.
                c = emit_temp(out, keep_zeros, [g, c], s.loc)
            if masked or s.prim.impl is np.where:
                self.masked.add(c)
            if name in s.prim.exact:
                ctx.accumulate(x, c, out, s.loc)
                continue
            scatter = _scatter_into_zeros(c, x, out[start:])
            if scatter is not None:
                # `added_at(zeros_like(x), index, g)` has x's shape; it adds into the
                # adjoint x has so far instead of into zeros.
                prev = ctx.accumulator(x)
                if prev is not None:
                    scatter.args[0] = prev
                ctx.set(x, c)
                continue
            mark = c in self.masked
            c = emit_temp(out, unbroadcast, [c, x], s.loc)
            if mark:
                self.masked.add(c)
            ctx.accumulate(x, c, out, s.loc)

    def adjoint_checkpointed(self, s, gs, ctx, out):
        """The adjoint driver of a checkpointed loop: its outputs are the adjoints of the
        loop's start values and of the values from before the loop it reads."""
        a = s.attrs
        n, carried, free_active = a["n"], a["carried"], a["free_active"]
        steps, inits, free = s.args[0], s.args[2:2 + n], s.args[2 + n:]
        outs = [Var(inits[k].hint + "_bar" if isinstance(inits[k], Var) else "bar")
                for k in carried]
        outs += [Var(free[j].hint + "_bar") for j in free_active]
        temps = [Var(h) for h in a["hints"]] + [Var("action"), Var(a["index"]), Var("pullback")]
        temps += [Var(free[j].hint + "_bar_step") for j in free_active]
        op = Op(P.CKPT_REVERSE, [s.outs[n], steps] + list(free) + list(gs[:n]), loc=s.loc,
                outs=outs + temps, attrs=dict(a, n_outs=len(outs), forward=a))
        out.append(op)
        for k, o in zip(carried, outs):
            if self.is_active(inits[k]):
                ctx.accumulate(inits[k], o, out, s.loc)
        for j, o in zip(free_active, outs[len(carried):]):
            ctx.accumulate(free[j], o, out, s.loc)

    def adjoint_user_call(self, s, gs, ctx, out):
        """`y = f(a, b)` becomes `y, f_pullback = f_vjp(a, b)` in the forward sweep, and
        `a_bar = f_pullback(y_bar)` in the adjoint sweep: f's own reverse derivative."""
        wrt = tuple(k for k, a in enumerate(s.args) if self.is_active(a))
        if not wrt:
            return
        callee = s.attrs["callee"]
        pullback = Var(callee.__name__ + "_pullback")
        attrs = dict(s.attrs, kind="vjp", wrt=wrt, text=derivative_name(callee, "vjp", wrt))
        if s.attrs.get("checkpoint"):
            # checkpointed: the forward sweep only calls it; the adjoint sweep calls its
            # derivative again, from the inputs (which are what gets recorded in a loop)
            again = Op(P.CALL_DERIVATIVE, list(s.args), loc=s.loc, attrs=attrs,
                       outs=[Var(o.hint, is_temp=True) for o in s.outs] + [pullback])
            out.append(again)
        else:
            s.prim = P.CALL_DERIVATIVE
            s.attrs = attrs
            s.outs = s.outs + [pullback]
        call = Op(P.CALL_VALUE, [pullback] + gs, loc=s.loc,
                  outs=[Var(getattr(s.args[k], "hint", "arg") + "_bar", is_temp=True)
                        for k in wrt])
        out.append(call)
        for k, c in zip(wrt, call.outs):
            ctx.accumulate(s.args[k], c, out, s.loc)

    def adjoint_if(self, s, ctx, out):
        gs = [ctx.adj.get(o) if self.is_active(o) else None for o in s.outs]
        if all(g is None for g in gs):
            return
        branches = []
        for b in (s.then, s.orelse):
            bctx = _Context(ctx, defined_in(b), "branch")
            stmts = []
            for k, r in enumerate(b.results):
                if gs[k] is not None and self.is_active(r):
                    bctx.accumulate(r, gs[k], stmts, s.loc)
            self.block(b.stmts, bctx, stmts)
            branches.append((bctx, stmts))
        escaping = []
        for bctx, _ in branches:
            for x in list(bctx.adj) + list(bctx.imported):
                if x not in bctx.local and x not in escaping:
                    escaping.append(x)
        blocks = []
        for bctx, stmts in branches:
            res = []
            for x in escaping:
                v = bctx.adj.get(x)
                if v is None:
                    v = ctx.lookup(x)
                res.append(v if v is not None else Zero(x))
            blocks.append(Block([], stmts, res))
        outs = [Var(x.hint + "_bar", is_temp=x.is_temp, shape_of=x) for x in escaping]
        out.append(If(s.cond, blocks[0], blocks[1], outs, loc=s.loc, attrs={"primal": s}))
        for x, o in zip(escaping, outs):
            ctx.adj[x] = o

    def adjoint_loop(self, s, ctx, out):
        n = len(s.inits)
        params = s.body.params[len(s.body.params) - n:]
        carried = [k for k in range(n) if self.is_active(params[k]) or self.is_active(s.outs[k])]
        gs = {k: ctx.adj.get(s.outs[k]) for k in carried}
        if not carried or all(g is None for g in gs.values()):
            return
        counted = s.kind == "while" or "exit" in s.attrs
        if counted:
            count = _count_iterations(s)
        lctx = _Context(ctx, defined_in(s.body), "loop")
        stmts = []
        bars = {}
        for k in carried:
            # the adjoint of what iteration t yields: shaped like that, which need not be
            # the shape the value had on entry (`s = 0.0; for row in X: s = s + row`)
            r = s.body.results[k]
            bars[k] = Var(params[k].hint + "_bar", shape_of=r if isinstance(r, Var) else None)
            if self.is_active(s.body.results[k]):
                lctx.accumulate(s.body.results[k], bars[k], stmts, s.loc)
        self.block(s.body.stmts, lctx, stmts)
        index = Var(s.body.params[0].hint if s.kind == "range" else "_", )
        yields = [lctx.adj.get(params[k]) or Zero(params[k]) for k in carried]
        acc = list(lctx.imported.items())
        for x, (_, a) in acc:
            total = lctx.adj.get(x)
            if x in lctx.iteration_sums and total is not None:   # the accumulator + the sum
                op = Op(P.lookup(operator.add), [a, total], loc=s.loc,
                        attrs={"accumulate": True})
                op.out.hint = x.hint + "_bar"
                stmts.append(op)
                total = op.out
            yields.append(total if total is not None else a)
        inits = [gs[k] if gs[k] is not None else Zero(s.outs[k]) for k in carried]
        inits += [Zero(x) for x, _ in acc]   # from zero: added to x's adjoint afterwards
        body = Block([index] + [bars[k] for k in carried] + [a for _, (_, a) in acc], stmts,
                     yields)
        outs = [Var(params[k].hint + "_bar", shape_of=s.inits[k] if isinstance(s.inits[k], Var)
                    else None) for k in carried]
        outs += [Var(x.hint + "_bar", shape_of=x) for x, _ in acc]
        attrs = {"primal": s, "reverse": True}
        if counted:
            bounds = [Const(0), count, Const(1)]
        else:
            bounds = list(s.bounds)
            attrs["index_map"] = (s.body.params[0], index)
        out.append(Loop("range", inits, body, outs, bounds=bounds, loc=s.loc, attrs=attrs))
        for (x, _), o in zip(acc, outs[len(carried):]):
            ctx.accumulate(x, o, out, s.loc)
        for j, k in enumerate(carried):
            if self.is_active(s.inits[k]):
                ctx.accumulate(s.inits[k], outs[j], out, s.loc)


# Adjoint Vars that may hold exact zeros a where put there (Vars are unique, so one set
# serves every transformation; it only grows while a derivative is being built).
_MASKED = set()


def checkpointed_loops(fn, active):
    """Replace each checkpointed loop at the top of `fn` whose values are differentiated by
    a CKPT_FORWARD op: its body becomes a function of its own (`<fn>_step`, of the index
    (for a `for` loop), the carried values and the values from before the loop it reads;
    a while loop's test becomes `<fn>_condition`), which codegen calls, and whose
    derivative the adjoint driver calls, on the loop's schedule."""
    for top in fn.body.stmts:
        for b in top.blocks():
            for s in walk_stmts(b):
                if isinstance(s, Loop) and "checkpoint" in s.attrs and \
                        any(o in active for o in s.outs):
                    raise UnsupportedSyntaxError(
                        "sourcead checkpoints loops at the top level of the function it "
                        "differentiates, not inside another loop or a branch", s.loc,
                        hint="move the loop into a function of its own and call that with "
                             "sad.checkpoint, or checkpoint the outer loop")
    new = []
    for s in fn.body.stmts:
        if not (isinstance(s, Loop) and "checkpoint" in s.attrs and "exit" not in s.attrs):
            new.append(s)
            continue
        n = len(s.inits)
        indexed = s.kind == "range"
        params = s.body.params[1:] if indexed else s.body.params
        carried = [k for k in range(n) if params[k] in active or s.outs[k] in active]
        if not carried:
            new.append(s)
            continue
        inside = defined_in(s.body) | (defined_in(s.cond) if s.cond is not None else set())
        free = []
        for b in s.blocks():
            for t in walk_stmts(b):
                for x in list(t.operands()) + [r for c in t.blocks() for r in c.results]:
                    if isinstance(x, Var) and x not in inside and x not in free:
                        free.append(x)
            for r in b.results:
                if isinstance(r, Var) and r not in inside and r not in free:
                    free.append(r)
        c = Cloner({f: Var(f.hint) for f in free})
        body = c.block(s.body)
        step = fn.copy_meta(fn.name + "_step", body.params + [c.mapping[f] for f in free],
                            Block([], body.stmts, body.results))
        step.returns_tuple = n > 1
        attrs = {}
        if s.cond is not None:
            cc = Cloner({f: Var(f.hint) for f in free})
            cond = cc.block(s.cond)
            attrs["condition"] = fn.copy_meta(fn.name + "_condition",
                                              cond.params + [cc.mapping[f] for f in free],
                                              Block([], cond.stmts, cond.results))
        free_active = [j for j, f in enumerate(free) if f in active]
        first = 1 if indexed else 0
        wrt = tuple([first + k for k in carried] + [first + n + j for j in free_active])
        kind, count = s.attrs["checkpoint"]
        count = count if isinstance(count, (Var, Const)) else Const(count)
        if indexed:
            steps = Op(P.defprim(range, shape="dynamic"), list(s.bounds), loc=s.loc)
            steps.out.hint = "steps"
            new.append(steps)
            steps = steps.out
        else:
            steps = Const(None)
        state = Var(params[carried[0]].hint + "_checkpoints")
        index = s.body.params[0].hint if indexed else "i"
        op = Op(P.CKPT_FORWARD, [steps, count] + list(s.inits) + free, loc=s.loc,
                outs=list(s.outs) + [state, Var("action"), Var(index)],
                attrs=dict(attrs, n=n, carried=carried, free_active=free_active, step=step,
                           wrt=wrt, schedule=kind, indexed=indexed,
                           hints=[p.hint for p in params], index=index))
        new.append(op)
    fn.body.stmts = new


def _checked(stmts, fn, args, loc):
    op = Op(P.lookup(fn), args, loc=loc)
    op.out.is_temp = True
    stmts.append(op)
    return op.out


def _scatter_into_zeros(c, x, stmts):
    """The op `c = added_at(zeros_like(x), ...)` among `stmts` (a rule's), if it is one."""
    if not isinstance(c, Var):
        return None
    defs = {o: s for s in stmts if isinstance(s, Op) for o in s.outs}
    op = defs.get(c)
    if op is None or op.prim.impl is not added_at:
        return None
    base = defs.get(op.args[0])
    if base is None or base.prim.impl is not zeros_like or base.args != [x]:
        return None
    return op


def _count_iterations(loop):
    """Make `loop` count its iterations; returns the count (a Var after the loop)."""
    c = Var("n_iter")
    nxt = Op(P.lookup(operator.add), [c, Const(1)])
    nxt.out.hint = "n_iter"
    loop.inits.append(Const(0))
    loop.body.params.append(c)
    loop.body.stmts.append(nxt)
    loop.body.results.append(nxt.out)
    if loop.cond is not None:
        loop.cond.params.append(Var("n_iter"))
    count = Var("n_iter")
    loop.outs.append(count)
    return count
