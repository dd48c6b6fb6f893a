"""IR → Python AST → source text.

Naming (out of SSA): each value gets its hint as a Python name unless a value
still live holds that name, so `x = x + 1` stays `x = x + 1` and a value the
pullback reads is never overwritten. Single-use temporaries are written into
the expression that uses them, so a rule's formula reads as one line.
"""

import ast
import keyword
import math
import re

from ..ir import primitives as P
from ..ir.core import Const, If, Loop, Op, Var, Zero, walk_stmts

COMMENT = "__sourcead_comment__:"


class Layout:
    """How a derivative function returns its results.

    `returns` is a nested structure of indices into the IR function's results
    (an int, or a tuple of layouts); `split` asks for the vjp form: the primal
    part returns `returns` and a pullback that takes the seeds and returns
    `pullback_returns`.
    """

    def __init__(self, returns, split=False, pullback_returns=None, name=None,
                 pullback_name=None, seed_tuple=False, flat=False):
        self.flat = flat       # the vjp form returns (*results, pullback)
        self.returns = returns
        self.split = split
        self.pullback_returns = pullback_returns
        self.name = name
        self.pullback_name = pullback_name
        self.seed_tuple = seed_tuple


def _const_ast(value):
    if isinstance(value, float) and math.isnan(value):
        return ast.parse("np.nan", mode="eval").body
    if isinstance(value, float) and math.isinf(value):
        return ast.parse("np.inf" if value > 0 else "-np.inf", mode="eval").body
    if isinstance(value, tuple):
        return ast.Tuple([_const_ast(v) for v in value], ast.Load())
    if isinstance(value, slice):
        return ast.Call(ast.Name("slice", ast.Load()),
                        [_const_ast(value.start), _const_ast(value.stop), _const_ast(value.step)], [])
    if value is Ellipsis:
        return ast.Constant(Ellipsis)
    return ast.Constant(value)


def _index_ast(value):
    """An index expression: slices print as a:b inside a subscript."""
    if isinstance(value, slice):
        return ast.Slice(*(None if v is None else _const_ast(v)
                           for v in (value.start, value.stop, value.step)))
    if isinstance(value, tuple):
        return ast.Tuple([_index_ast(v) for v in value], ast.Load())
    return _const_ast(value)


def _dotted(text):
    return ast.parse(text, mode="eval").body


class Emitter:
    def __init__(self, fn, layout, reserved):
        self.fn = fn
        self.layout = layout
        self.reserved = set(reserved) | set(keyword.kwlist) | {"None", "True", "False"}
        self.inlined = {}     # Var -> Op written into its single use
        self.names = {}

    # -- analysis -----------------------------------------------------------
    def plan(self):
        """Decide which temporaries are inlined, then name everything else."""
        uses = {}
        for s in walk_stmts(self.fn.body):
            for o in _direct_operands(s):
                uses[o] = uses.get(o, 0) + 1
        for r in _result_vars(self.fn.body):
            uses[r] = uses.get(r, 0) + 1
        self.uses = uses
        self.shares = _sharing(self.fn.body)
        self._plan_block(self.fn.body, uses)
        self._name_vars()

    def _plan_block(self, block, uses):
        for s in block.stmts:
            for b in s.blocks():
                self._plan_block(b, uses)
        # A temporary used once, later in the same block (and the same sweep), by a
        # pure op or as a branch condition, is written into its use.
        defs = {}
        region = 0

        def consider(a):
            d = defs.get(a)
            if d is not None and d[1] == region and uses.get(a) == 1:
                self.inlined[a] = d[0]

        for s in block.stmts:
            if isinstance(s, Op) and s.prim is P.SWEEP:
                region += 1
                continue
            if isinstance(s, Op):
                for a in _direct_operands(s)[1 if _augmented(s) else 0:]:
                    consider(a)
            if _mutates(s):
                # a value computed from the array (or from a view of it, or from the array
                # it is a view of) before it changes must be computed there
                changed = set(self.shares.get(s.args[0], {s.args[0]}))
                for v, (d, _) in list(defs.items()):
                    if any(a in changed for a in _direct_operands(d)):
                        del defs[v]
                        changed.add(v)
            elif isinstance(s, If):
                consider(s.cond)
            elif isinstance(s, Loop):
                for a in s.bounds:
                    consider(a)
            if isinstance(s, Op) and len(s.outs) == 1 and s.prim.pure and s.out.is_temp and \
                    not _mutates(s):
                defs[s.out] = (s, region)
        # a while loop's condition: the block's result may be written into the header
        for r in block.results:
            consider(r)

    def _name_vars(self):
        fn = self.fn
        self.pos = pos = {}
        self.last = last = {}
        region_of = {}
        counter = [0]
        loops = []
        region = [0]
        prefs = {}

        def tick():
            counter[0] += 1
            return counter[0]

        def use(v, p):
            if not isinstance(v, Var):
                return
            op = self.inlined.get(v)
            if op is not None:
                for a in _direct_operands(op):
                    use(a, p)
                return
            last[v] = max(last.get(v, -1), p)
            for used in loops:
                used.append(v)

        def define(v, p):
            pos[v] = p
            region_of[v] = region[0]

        def visit(block):
            for s in block.stmts:
                if isinstance(s, Op) and s.prim is P.SWEEP:
                    region[0] = 1
                    continue
                if isinstance(s, Op) and len(s.outs) == 1 and s.out in self.inlined:
                    continue
                p = tick()
                if isinstance(s, Op):
                    for a in _direct_operands(s):
                        use(a, p)
                    for o in s.outs:
                        define(o, p)
                    if s.prim.emit[0] in ("ckpt_forward", "ckpt_reverse"):
                        q = tick()   # a driver loop reads its operands all along
                        for a in _direct_operands(s):
                            use(a, q)
                    if _augmented(s):   # updated in place: keep the name
                        prefs[s.out] = [s.args[0]]
                elif isinstance(s, If):
                    use(s.cond, p)
                    for b in (s.then, s.orelse):
                        visit(b)
                        q = tick()
                        for r in b.results:
                            use(r, q)
                    q = tick()
                    for k, o in enumerate(s.outs):
                        define(o, q)
                        prefs[o] = [s.then.results[k], s.orelse.results[k]]
                elif isinstance(s, Loop):
                    for a in s.bounds + s.inits:
                        use(a, p)
                    start = tick()
                    used = []
                    loops.append(used)
                    n = len(s.inits)
                    carried = s.body.params[len(s.body.params) - n:]
                    for prm in s.body.params:
                        define(prm, start)
                    for k, prm in enumerate(carried):
                        prefs[prm] = ["hint", s.inits[k]]   # the user's name first
                    if s.cond is not None:
                        for prm in s.cond.params:
                            define(prm, start)
                        visit(s.cond)
                        use(s.cond.results[0], tick())
                    visit(s.body)
                    q = tick()
                    for k, r in enumerate(s.body.results):
                        use(r, q)
                        if isinstance(r, Var) and r not in prefs:
                            prefs[r] = [carried[k]]
                    end = tick()
                    loops.pop()
                    for v in used:   # values from before the loop stay live through all of it
                        if pos.get(v, -1) < start:
                            last[v] = max(last[v], end)
                    for k, o in enumerate(s.outs):
                        define(o, end)
                        prefs[o] = [carried[k]]
            q = tick()
            if block is fn.body:
                for r in block.results:
                    use(r, q)

        n_seeds = getattr(fn, "n_seeds", 0)
        for k, prm in enumerate(fn.params):
            pos[prm] = -1
            region_of[prm] = 1 if k >= len(fn.params) - n_seeds else 0
        visit(fn.body)
        self.holders = {}
        self.taken_in_outer = set()
        self.region_of = region_of
        for prm in fn.params:
            self._fresh(prm, [])
        cond_twins = {}
        for s in walk_stmts(fn.body):
            if isinstance(s, Loop) and s.cond is not None:
                n = len(s.inits)
                for a, b in zip(s.body.params[len(s.body.params) - n:], s.cond.params):
                    cond_twins[a] = b
        for v in sorted(pos, key=lambda v: (pos[v], v.id)):
            if v in self.names or v in self.inlined:
                continue
            if v in cond_twins.values():
                continue
            self._fresh(v, prefs.get(v, []))
            twin = cond_twins.get(v)
            if twin is not None:  # a while loop's test reads the same variables as its body
                self.names[twin] = self.names[v]
                self.holders[self.names[v]].append(twin)

    def _spare(self, base):
        """A name nothing else in the function is given."""
        k = 0
        while True:
            name = base if k == 0 else f"{base}_{k}"
            k += 1
            if name not in self.holders and name not in self.reserved:
                self.holders[name] = []
                return name

    def _fresh(self, v, prefs):
        pos, last = self.pos, self.last
        base = _ident(v.hint)
        candidates = [base if p == "hint" else self.names[p] for p in prefs
                      if p == "hint" or (isinstance(p, Var) and p in self.names)]
        k = 0
        while True:
            if candidates:
                name = candidates.pop(0)
            else:
                name = base if k == 0 else f"{base}_{k}"
                k += 1
            if name in self.reserved:
                continue
            if self.layout.split and self.region_of.get(v) == 1 and name in self.taken_in_outer:
                continue  # a pullback must not assign a name the enclosing function uses
            dv = pos.get(v, -1)
            ok = True
            for h in self.holders.get(name, ()):
                dh = pos.get(h, -1)
                if dh == dv or last.get(h, dh) > dv:
                    ok = False
                    break
            if ok:
                break
        self.holders.setdefault(name, []).append(v)
        if self.region_of.get(v) == 0:
            self.taken_in_outer.add(name)
        self.names[v] = name
        return name

    # -- expressions --------------------------------------------------------
    def operand(self, x):
        if isinstance(x, Var):
            op = self.inlined.get(x)
            if op is not None:
                return self.expr(op)
            return ast.Name(self.names[x], ast.Load())
        if isinstance(x, Const):
            return _const_ast(x.value)
        if isinstance(x, Zero):  # materialize_zeros leaves none; be safe
            return ast.Constant(0.0)
        raise TypeError(x)

    def expr(self, op):
        kind = op.prim.emit[0]
        a = op.args
        if kind == "binop":
            return ast.BinOp(self.operand(a[0]), op.prim.emit[1](), self.operand(a[1]))
        if kind == "unaryop":
            return ast.UnaryOp(op.prim.emit[1](), self.operand(a[0]))
        if kind == "compare":
            return ast.Compare(self.operand(a[0]), [op.prim.emit[1]()], [self.operand(a[1])])
        if kind == "name":
            return _dotted(op.attrs["name"])
        if kind == "copy":
            return self.operand(a[0])
        if kind == "tuple":
            return ast.Tuple([self.operand(x) for x in a], ast.Load())
        if kind == "list":
            return ast.List([self.operand(x) for x in a], ast.Load())
        if kind == "method":
            return ast.Call(ast.Attribute(self.operand(a[0]), op.prim.emit[1], ast.Load()),
                            [self.operand(x) for x in a[1:]], [])
        if kind == "attr":
            return ast.Attribute(self.operand(a[0]), op.attrs["name"], ast.Load())
        if kind == "subscript":
            return ast.Subscript(self.operand(a[0]), self.index(a[1]), ast.Load())
        if kind == "fstring":
            values, k = [], 0
            for part in op.attrs["parts"]:
                if isinstance(part, str):
                    values.append(ast.Constant(part))
                    continue
                conversion, spec = part
                values.append(ast.FormattedValue(
                    self.operand(a[k]), conversion,
                    ast.JoinedStr([ast.Constant(spec)]) if spec else None))
                k += 1
            return ast.JoinedStr(values)
        if kind == "call_value":   # a pullback returned by a derivative, a value called
            return ast.Call(self.operand(a[0]), self.call_args(op, 1), self.call_keywords(op))
        if kind in ("call", "opaque"):
            func = _dotted(op.prim.emit[1] if kind == "call" else op.attrs["text"])
            return ast.Call(func, self.call_args(op), self.call_keywords(op))
        raise ValueError(f"cannot emit {op.prim}")

    def call_args(self, op, start=0):
        """A call's positional arguments from operand `start` on; `*x` where the op's
        attrs say so (a call run as it is, of a sequence known at run time)."""
        spread = op.attrs.get("spread", ())
        return [ast.Starred(self.operand(x), ast.Load()) if k in spread else self.operand(x)
                for k, x in enumerate(op.args[start:], start)]

    def call_keywords(self, op):
        """A call's keywords; `**d` for those the frontend named "**0", "**1"..."""
        return [ast.keyword(None if k.startswith("**") else k, self.operand(v))
                for k, v in op.kwargs.items()]

    def index(self, idx):
        """An index expression: `x[1:3]`, `x[i, :]` rather than slice(...) calls."""
        if isinstance(idx, Const):
            return _index_ast(idx.value)
        op = self.inlined.get(idx) if isinstance(idx, Var) else None
        if op is not None and op.prim is P.TUPLE:
            return ast.Tuple([self.index(x) for x in op.args], ast.Load())
        return self.operand(idx)

    # -- statements ---------------------------------------------------------
    def statements(self, stmts, out, adjoint=False, current_loc=None):
        """Append the AST statements for `stmts` to `out`; returns index of the sweep marker.
        `current_loc`: the user line the enclosing code is commented with."""
        for s in stmts:
            if isinstance(s, Op) and s.prim is P.SWEEP:
                return True
            if isinstance(s, Op):
                if len(s.outs) == 1 and s.out in self.inlined or s.prim.emit[0] == "nothing":
                    continue
                loc = s.loc
                if loc is not None and loc.lineno != getattr(current_loc, "lineno", None):
                    current_loc = loc
                    out.append(_marker(loc, visible=adjoint))
                if _augmented(s):
                    out.extend(self.augmented(s))
                    continue
                if s.prim.emit[0] == "assert":
                    out.append(ast.Assert(self.operand(s.args[0]),
                                          self.operand(s.args[1]) if len(s.args) > 1 else None))
                    continue
                if s.prim.emit[0] == "assert":
                    out.append(ast.Assert(self.operand(s.args[0]),
                                          self.operand(s.args[1]) if len(s.args) > 1 else None))
                    continue
                if s.prim.emit[0] in ("ckpt_forward", "ckpt_reverse"):
                    out.extend(self.checkpointed(s))
                    continue
                value = self.expr(s)
                if not s.outs or (len(s.outs) == 1 and not s.prim.pure and
                                  self.uses.get(s.out, 0) == 0):
                    out.append(ast.Expr(value))   # a call for its effect: check_scalar(y)
                elif len(s.outs) == 1:
                    out.append(ast.Assign([ast.Name(self.names[s.out], ast.Store())], value))
                else:
                    out.append(ast.Assign([ast.Tuple([ast.Name(self.names[o], ast.Store())
                                                      for o in s.outs], ast.Store())], value))
            elif isinstance(s, If):
                out.extend(self.emit_if(s, adjoint, current_loc))
            elif isinstance(s, Loop):
                out.extend(self.emit_loop(s, adjoint))
        return False

    def checkpointed(self, s):
        """The driver loop of a checkpointed loop over its schedule's actions: the forward
        sweep's (run up to the last step, recorded) or the adjoint sweep's (the rest)."""
        a = s.attrs
        n, carried, free_active = a["n"], a["carried"], a["free_active"]
        name = self.names.get
        op = self.operand
        text = ast.unparse

        def tup(xs):   # a tuple display (of one: `y,`)
            return xs[0] + "," if len(xs) == 1 else ", ".join(xs)

        def names(xs):   # assignment targets (of one: `y`)
            return ", ".join(xs)
        if s.prim.emit[0] == "ckpt_forward":
            steps, count = text(op(s.args[0])), text(op(s.args[1]))
            inits = [text(op(x)) for x in s.args[2:2 + n]]
            free = [text(op(x)) for x in s.args[2 + n:]]
            state_vars = [name(o) for o in s.outs[:n]]
            ckpt, action, k = (name(o) for o in s.outs[n:n + 3])
            kw = "snapshots" if a["schedule"] in ("binomial", "online") else "every"
            args = ", ".join([f"{steps}[{{}}]"] + state_vars + free)
            if not a["indexed"]:   # a while loop: snapshots kept online, its length unknown
                plain = ", ".join(state_vars + free)
                return ast.parse("\n".join([
                    f"{ckpt} = sad_rt.OnlineCheckpoints(snapshots={count})",
                    f"{names(state_vars)} = {names(inits)}",
                    f"while {a['condition_name']}({plain}):",
                    f"    {ckpt}.step(({tup(state_vars)}))",
                    f"    {names(state_vars)} = {a['step_name']}({plain})",
                ])).body
            lines = [
                f"{ckpt} = sad_rt.Checkpoints(len({steps}), {kw}={count})",
                f"{names(state_vars)} = {names(inits)}",
                f"for {action} in {ckpt}.forward():",
                f"    if {action}[0] == 'snapshot':",
                f"        {ckpt}.save({action}[1], ({tup(state_vars)}))",
                f"    elif {action}[0] == 'advance':",
                f"        for {k} in range({action}[1], {action}[2]):",
                f"            {names(state_vars)} = {a['step_name']}({args.format(k)})",
                "    else:   # the loop's last step, recorded for the adjoint sweep",
                f"        {names(state_vars + [ckpt + '.pullback'])} = "
                f"{a['vjp_name']}({args.format(action + '[1]')})",
            ]
        else:
            a = dict(a, step_name=a["forward"]["step_name"], vjp_name=a["forward"]["vjp_name"],
                     indexed=a["forward"]["indexed"])
            ckpt, steps = text(op(s.args[0])), text(op(s.args[1]))
            free = [text(op(x)) for x in s.args[2:len(s.args) - n]]
            gs = [text(op(x)) for x in s.args[len(s.args) - n:]]
            n_outs = a["n_outs"]
            outs = [name(o) for o in s.outs[:n_outs]]
            bars, free_bars = outs[:len(carried)], outs[len(carried):]
            temps = [name(o) for o in s.outs[n_outs:]]
            state_vars, (action, k, pb) = temps[:n], temps[n:n + 3]
            step_bars = temps[n + 3:]
            seeds = [bars[carried.index(j)] if j in carried else "0.0" for j in range(n)]
            lead = [f"{steps}[{action}[1]]"] if a["indexed"] else []
            args = ", ".join(lead + state_vars + free)
            advance = ", ".join(([f"{steps}[{k}]"] if a["indexed"] else []) + state_vars + free)
            lines = [f"{names(bars)} = {names([gs[j] for j in carried])}"]
            lines += [f"{fb} = sad_rt.zeros_like({free[j]})"
                      for fb, j in zip(free_bars, free_active)]
            if a["indexed"]:   # (a while loop's forward sweep records no step)
                lines.append(f"if {ckpt}.pullback is not None:   # the last step's, recorded")
                lines.append(f"    {names(bars + step_bars)} = "
                             f"{ckpt}.pullback({', '.join(seeds)})")
                lines += [f"    {fb} = {fb} + {sb}" for fb, sb in zip(free_bars, step_bars)]
            lines += [
                f"for {action} in {ckpt}.backward():",
                f"    if {action}[0] == 'reverse':",
                f"        {names(state_vars + [pb])} = {a['vjp_name']}({args})",
                f"        {names(bars + step_bars)} = {pb}({', '.join(seeds)})",
            ]
            lines += [f"        {fb} = {fb} + {sb}" for fb, sb in zip(free_bars, step_bars)]
            lines += [
                f"    elif {action}[0] == 'restore':",
                f"        {tup(state_vars)} = {ckpt}.load({action}[1])",
                f"    elif {action}[0] == 'snapshot':",
                f"        {ckpt}.save({action}[1], ({tup(state_vars)}))",
                f"    elif {action}[0] == 'free':",
                f"        {ckpt}.free({action}[1])",
                "    else:",
                f"        for {k} in range({action}[1], {action}[2]):",
                f"            {names(state_vars)} = {a['step_name']}({advance})",
            ]
        return ast.parse("\n".join(lines)).body

    def augmented(self, s):
        """`acc[index] += g` for an in-place `add_at` with a basic index; `acc += g` (or -=)
        for an adjoint accumulated in place."""
        if s.attrs["augmented"] == "out":   # np.exp(a, out=a)
            (acc,) = s.args
            name = ast.Name(self.names[acc], ast.Load())
            if s.prim.emit[0] == "unaryop":   # -a
                call = ast.Call(_dotted("np.negative"), [name],
                                [ast.keyword("out", ast.Name(self.names[acc], ast.Load()))])
            else:
                call = ast.Call(_dotted(s.prim.emit[1]), [name],
                                [ast.keyword("out", ast.Name(self.names[acc], ast.Load()))])
            return [ast.Expr(call)] + self.copies(s.outs, [acc])
        if s.attrs["augmented"] == "append":   # xs.append(v)
            acc, v = s.args
            call = ast.Call(ast.Attribute(ast.Name(self.names[acc], ast.Load()), "append",
                                          ast.Load()), [self.operand(v)], [])
            return [ast.Expr(call)] + self.copies(s.outs, [acc])
        if s.attrs["augmented"] in ("store", "zero"):   # x[i] = v; g[i] = 0.0
            acc, idx = s.args[0], s.args[1]
            target = ast.Subscript(ast.Name(self.names[acc], ast.Load()), self.index(idx),
                                   ast.Store())
            value = self.operand(s.args[2]) if s.attrs["augmented"] == "store" else \
                ast.Constant(0.0)
            return [ast.Assign([target], value)] + self.copies(s.outs, [acc])
        if s.attrs["augmented"] == "index":
            acc, idx, g = s.args
            target = ast.Subscript(ast.Name(self.names[acc], ast.Load()), self.index(idx),
                                   ast.Store())
            op = ast.Add()
        else:
            acc, g = s.args
            target = ast.Name(self.names[acc], ast.Store())
            op = s.prim.emit[1]()
        return [ast.AugAssign(target, op, self.operand(g))] + self.copies(s.outs, [acc])

    def copies(self, dsts, srcs):
        """Assignments dst = src where the names differ, as one parallel assignment."""
        pairs = [(d, x) for d, x in zip(dsts, srcs)
                 if not (isinstance(x, Var) and x not in self.inlined and
                         self.names.get(x) == self.names[d])]
        if not pairs:
            return []
        if len(pairs) == 1:
            d, x = pairs[0]
            return [ast.Assign([ast.Name(self.names[d], ast.Store())], self.operand(x))]
        return [ast.Assign([ast.Tuple([ast.Name(self.names[d], ast.Store()) for d, _ in pairs],
                                      ast.Store())],
                           ast.Tuple([self.operand(x) for _, x in pairs], ast.Load()))]

    def block_body(self, block, outs, adjoint, current_loc=None):
        body = []
        self.statements(block.stmts, body, adjoint, current_loc)
        return body + self.copies(outs, block.results)

    def emit_if(self, s, adjoint, current_loc=None):
        then = self.block_body(s.then, s.outs, adjoint, current_loc)
        orelse = self.block_body(s.orelse, s.outs, adjoint, current_loc)
        if not _has_code(then) and not _has_code(orelse):
            return []
        cond = self.operand(s.cond)
        if not _has_code(then):
            return [ast.If(ast.UnaryOp(ast.Not(), cond), orelse, [])]
        return [ast.If(cond, then, orelse if _has_code(orelse) else [])]

    def emit_loop(self, s, adjoint):
        n = len(s.inits)
        carried = s.body.params[len(s.body.params) - n:]
        pre = self.copies(carried, s.inits)
        body = []
        self.statements(s.body.stmts, body, adjoint)
        body += self.copies(carried, s.body.results)
        if "exit" in s.attrs:
            flag = carried[s.attrs["exit"]]
            body.append(ast.If(ast.Name(self.names[flag], ast.Load()), [ast.Break()], []))
        if not body:
            body = [ast.Pass()]
        if s.kind == "range":
            index = s.body.params[0]
            start, stop, step = s.bounds
            args = [stop] if (start == Const(0) and step == Const(1)) else \
                ([start, stop] if step == Const(1) else [start, stop, step])
            exprs = [self.operand(a) for a in args]
            assigned = {t.id for a in pre for t in ast.walk(a.targets[0])
                        if isinstance(t, ast.Name)}
            for k, e in enumerate(exprs):
                if any(isinstance(t, ast.Name) and t.id in assigned for t in ast.walk(e)):
                    # the bounds are read before the loop's variables take their first
                    # values, which may reuse the names the bounds read
                    name = self._spare("n")
                    pre.insert(0, ast.Assign([ast.Name(name, ast.Store())], e))
                    exprs[k] = ast.Name(name, ast.Load())
            it = ast.Call(ast.Name("range", ast.Load()), exprs, [])
            if s.attrs.get("reverse"):
                it = ast.Call(ast.Name("reversed", ast.Load()), [it], [])
            loop = ast.For(ast.Name(self.names.get(index, "_"), ast.Store()), it, body, [])
        else:
            head = []
            self.statements(s.cond.stmts, head, adjoint)
            test = self.operand(s.cond.results[0])
            if head:
                head.append(ast.If(ast.UnaryOp(ast.Not(), test), [ast.Break()], []))
                loop = ast.While(ast.Constant(True), head + body, [])
            else:
                loop = ast.While(test, body, [])
        post = self.copies(s.outs, carried)
        return pre + [loop] + post

    def returns(self, layout):
        results = self.fn.body.results

        def build(node):
            if isinstance(node, int):
                return self.operand(results[node])
            return ast.Tuple([build(n) for n in node], ast.Load())
        return ast.Return(build(layout))

    def module(self):
        """The generated function's AST (a FunctionDef)."""
        self.plan()
        fn, layout = self.fn, self.layout
        n_seeds = getattr(fn, "n_seeds", 0)
        outer_params = fn.params[:len(fn.params) - n_seeds] if layout.split else fn.params
        seeds = fn.params[len(fn.params) - n_seeds:] if layout.split else []
        body = []
        stmts = fn.body.stmts
        split_at = next((i for i, s in enumerate(stmts) if isinstance(s, Op) and s.prim is P.SWEEP),
                        None)
        if split_at is None:
            self.statements(stmts, body)
            body.append(self.returns(layout.returns))
        elif not layout.split:
            primal = []
            self.statements(stmts[:split_at], primal)
            adjoint = []
            self.statements(stmts[split_at + 1:], adjoint, adjoint=True)
            body = [_marker_text("forward sweep")] + primal + [_marker_text("adjoint sweep")] + \
                adjoint + [self.returns(layout.returns)]
        else:
            self.statements(stmts[:split_at], body)
            inner = []
            if layout.seed_tuple:
                seed_name = "out_bar"
                inner.append(ast.Assign([ast.Tuple([ast.Name(self.names[p], ast.Store())
                                                    for p in seeds], ast.Store())],
                                        ast.Name(seed_name, ast.Load())))
                inner_params = [seed_name]
            else:
                inner_params = [self.names[p] for p in seeds]
            self.statements(stmts[split_at + 1:], inner, adjoint=True)
            inner.append(self.returns(layout.pullback_returns))
            body.append(function_def(layout.pullback_name, inner_params, inner))
            ret = self.returns(layout.returns)
            pullback = ast.Name(layout.pullback_name, ast.Load())
            if layout.flat and isinstance(ret.value, ast.Tuple):   # (a, b, pullback)
                ret.value = ast.Tuple(ret.value.elts + [pullback], ast.Load())
            else:
                ret.value = ast.Tuple([ret.value, pullback], ast.Load())
            body.append(ret)
        return function_def(layout.name, [self.names[p] for p in outer_params], body)


def _sharing(body):
    """{Var: the Vars that may share its memory}: the views of it and the arrays it is a
    view of, transitively (for an array written in place, what else changes)."""
    from ..opt.inplace import _VIEWS
    groups = {}
    for s in walk_stmts(body):
        if isinstance(s, Op) and s.args and isinstance(s.args[0], Var) and \
                (s.prim.view or s.prim.impl in _VIEWS):
            group = groups.get(s.args[0], {s.args[0]})
            for o in s.outs:
                group |= groups.get(o, {o})
            for v in group:
                groups[v] = group
    return groups


def _mutates(s):
    """Whether op `s` changes its first operand in place."""
    return isinstance(s, Op) and (_augmented(s) or s.prim.name == "sad_rt.add_at")


def _augmented(s):
    return isinstance(s, Op) and bool(s.attrs.get("augmented"))


def _has_code(stmts):
    return any(not (isinstance(t, ast.Expr) and isinstance(t.value, ast.Constant)) for t in stmts)


def function_def(name, params, body):
    """`def name(*params): body` (Python 3.12 added type_params to FunctionDef)."""
    args = ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    extra = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    return ast.FunctionDef(name, args, body, [], None, None, **extra)


def _marker(loc, visible):
    return ast.Expr(ast.Constant(f"{COMMENT}{int(visible)}:{loc.lineno}:{loc.text}"))


def _marker_text(text):
    return ast.Expr(ast.Constant(f"{COMMENT}1:0:{text}"))


def _ident(hint):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in hint) or "t"
    if name[0].isdigit():
        name = "t" + name
    return name


def _result_vars(block):
    out = [r for r in block.results if isinstance(r, Var)]
    for s in block.stmts:
        for b in s.blocks():
            out.extend(_result_vars(b))
    return out


def _direct_operands(s):
    return [o for o in s.operands() if isinstance(o, Var)]


_PAREN_TARGETS = re.compile(r"^(\s*)\(([\w, ]+)\) = ")


def postprocess(text):
    """Turn comment markers into comments; return (source, line map to user lines).
    Tuple targets print as `a, b = ...` on every Python (3.10's unparse adds parentheses)."""
    text = "\n".join(_PAREN_TARGETS.sub(r"\1\2 = ", line) for line in text.splitlines())
    lines = []
    line_map = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped[:1] in ("'", '"') and stripped.lstrip("'\"").startswith(COMMENT):
            payload = ast.literal_eval(stripped)[len(COMMENT):]
            visible, lineno, comment = payload.split(":", 2)
            current = int(lineno) or current
            if visible == "1":
                indent = line[:len(line) - len(line.lstrip())]
                lines.append(f"{indent}# {comment}")
            continue
        lines.append(line)
        if current:
            line_map[len(lines)] = current
    return "\n".join(lines) + "\n", line_map
