"""The statement half of the program generator: emitting lines, choosing a statement,
assignments and augmented assignments to names, branches, loop bodies and returns
(writes into arrays are in writes.py, containers in containers.py, loops in loops.py,
functions in funcs.py).

A mixin of `generate.Gen`: it emits lines into `self.lines` at `self.indent`, spends the
line budget `self.budget`, and records feature tags in `self.tags`.
"""

import re
from contextlib import contextmanager

from .exprs import E, Var, tags_of
from .scalars import positive


class Statements:

    # ----- emitting -------------------------------------------------------------------
    def emit(self, text, tags=()):
        self.lines.append((self.indent, text))
        self.tags |= set(tags)
        self.budget -= 1
        for pattern in _WRITES:
            for name in re.findall(pattern, text):
                self.touched[name] = len(self.lines)

    @contextmanager
    def block(self, loop=False):
        self.indent += 1
        self.nest += 1
        self.scopes.append({})
        if loop:
            self.loop_depth += 1
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.emit("pass")
            self.indent -= 1
            self.nest -= 1
            self.scopes.pop()
            if loop:
                self.loop_depth -= 1

    def body(self, n):
        for _ in range(n):
            self.stmt()

    def own(self, v):
        """Whether `v` may be re-bound here: a name of the function being written (a nested
        function that assigns an enclosing name makes it local), not a loop variable."""
        if v.fixed:
            return False
        return any(v.name in s and s[v.name] is v for s in self.scopes[self.func_base:])

    def sharing_tags(self, v):
        """Tags for a write into the array `v`: through a view, or one of several names."""
        out = set()
        if v.view:
            out.add("view_write")
        if len([w for w in self.vars("array") if w.group == v.group]) > 1 or v.info.get("alias"):
            out.add("alias_write")
        if v.info.get("param"):
            out.add("write_param")
        return out

    def writable(self, pred=None):
        return [v for v in self.vars("array") if pred is None or pred(v)]

    # ----- choosing a statement ----------------------------------------------------------
    def stmt(self):
        top = self.nest < 2 and self.budget >= 2
        in_f = not self.in_helper
        options = [
            (5, self.assign), (2, self.aug_name), (3.5, self.setitem), (1.2, self.view),
            (0.8, self.alias), (0.5, self.copy), (1.0, self.inplace),
            (2.5 if top else 0, self.if_stmt), (4.0 if top else 0, self.for_stmt),
            (1.2 if top else 0, self.while_stmt),
            (0.5 if self.nest else 0.2, self.early_return),
            (0.8 if in_f else 0, self.list_stmt), (0.5, self.tuple_stmt),
            (0.5 if in_f else 0, self.dict_stmt),
            (1.2 if in_f and self.vars("dict") else 0, self.dict_update),
        ]
        options += self.function_options()
        if self.pick(options) is None:
            self.assign()

    # ----- assignments ------------------------------------------------------------------
    def target_shape(self):
        shapes = [v.shape for v in self.vars("array")] + [None, None]
        return self.choice(shapes + [(3,), (2, 3)] if self.chance(0.15) else shapes)

    def carried_form(self, v, e):
        """An update of `v`, bound outside the loop being written, that stays bounded."""
        r = self.rng.random()
        small = self.tame(e, 1.5)
        if r < 0.35:
            c = self.const(0.3, 0.9)
            return E(f"{c} * {v.name} + ({small.text})", v.shape, c * v.mag + small.mag,
                     small.tags)
        if r < 0.6:
            return E(f"np.tanh({e.text})", v.shape, 1.0, tags_of(e, extra=["ufunc"]))
        return self.tame(e, max(v.mag, 2.0))

    def assign(self):
        mine = [v for v in self.vars() if v.kind in ("float", "array") and self.own(v)]
        if mine and self.chance(0.6 if self.nest else 0.3):
            v = self.choice(mine)
            e = self.live(v.shape, self.rng.randint(1, 3))
            if v.level < self.loop_depth:
                e = self.carried_form(v, e)
            else:
                e = self.tame(e)
            self.emit(f"{v.name} = {e.text}", e.tags | {"reassign"})
            v.mag = max(v.mag, e.mag)
            v.group, v.view = self.new_group(), False
            return True
        shape = self.target_shape()
        e = self.tame(self.live(shape, self.rng.randint(1, 3)))
        pool = {0: ["s", "t", "acc", "z", "c"], 1: ["h", "y", "u", "z", "out", "tmp"],
                2: ["H", "M", "Z", "G", "P"]}[0 if shape is None else len(shape)]
        name = self.fresh(self.choice(pool))
        self.emit(f"{name} = {e.text}", e.tags)
        self.bind(Var(name, "float" if shape is None else "array", shape, e.mag,
                      group=self.new_group()))
        return True

    def aug_name(self):
        mine = [v for v in self.vars() if v.kind in ("float", "array") and self.own(v)]
        if not mine:
            return None
        v = self.choice(mine)
        op = self.choice(["+=", "+=", "-=", "*=", "/="])
        rhs_shape = v.shape
        if v.shape is not None and self.chance(0.4):
            rhs_shape = None if len(v.shape) == 1 or self.chance(0.5) else v.shape[1:]
        rhs = self.aug_rhs(op, rhs_shape, v)
        tags = {"aug_name"} | rhs.tags
        if v.shape is not None:
            tags |= self.sharing_tags(v)
            if v.view:
                tags.add("aug_view")
        self.emit(f"{v.name} {op} {rhs.text}", tags)
        v.mag = self.grown(op, v.mag, rhs.mag)
        return True

    def aug_rhs(self, op, shape, v):
        e = self.live(shape, self.rng.randint(0, 2))
        if op in ("+=", "-="):
            bound = 1.0 if v.level < self.loop_depth else 3.0
            if e.mag > bound and self.chance(0.5):
                c = self.const(0.1, 0.5)
                return E(f"{c} * ({self.tame(e, 2.0).text})", shape, 2 * c, e.tags)
            return self.tame(e, bound)
        if op == "*=":
            r = self.rng.random()
            if r < 0.4:
                c = self.const(0.5, 1.2)
                return E(repr(c), None, c)
            if r < 0.7:
                return E(f"np.cos({e.text})", shape, 1.0, tags_of(e, extra=["ufunc"]))
            return E(f"1.0 + 0.1 * np.tanh({e.text})", shape, 1.1, tags_of(e, extra=["ufunc"]))
        if self.chance(0.3):
            return E(repr(self.const(1.2, 3.0)), None, 3.0)
        return positive(self, e)

    @staticmethod
    def grown(op, mag, rhs):
        if op in ("+=", "-="):
            return mag + rhs
        if op == "*=":
            return mag * max(rhs, 1.0)
        return mag

    # ----- control flow -----------------------------------------------------------------
    def if_stmt(self):
        c = self.cond(self.rng.randint(0, 2))
        self.emit(f"if {c.text}:", c.tags | {"if"})
        n = self.rng.randint(1, 3)
        with self.block():
            self.body(n)
        while self.chance(0.25) and self.budget > 1:
            c2 = self.cond(1)
            self.emit(f"elif {c2.text}:", c2.tags | {"elif"})
            with self.block():
                self.body(self.rng.randint(1, 2))
        if self.chance(0.5) and self.budget > 0:
            self.emit("else:", {"else"})
            with self.block():
                self.body(self.rng.randint(1, 2))
        return True

    def accumulator(self, shape):
        name = self.fresh(self.choice(["acc", "total", "s"]) if shape is None else "acc")
        init = "0.0" if shape is None else f"np.zeros({shape!r})"
        self.emit(f"{name} = {init}")
        return self.bind(Var(name, "float" if shape is None else "array", shape, 1.0,
                             group=self.new_group()))

    def loop_body(self, items, n, exits=("break", "continue", "return")):
        """The body of a loop: `n` statements, the first one often using the loop's items,
        with a guarded break, continue or return (one of `exits`) at a random place."""
        r = self.rng.random()
        exit_kind = "break" if r < 0.25 else "continue" if r < 0.4 else "return" if r < 0.5 \
            else None
        if exit_kind not in exits:
            exit_kind = None
        where = self.rng.randint(0, n)
        self.hot = {v.name for v in items}
        for k in range(n + 1):
            if k == where and exit_kind:
                self.loop_exit(exit_kind)
            if k < n:
                self.stmt()
            if k == 0:
                self.hot = set()
        self.hot = set()
        return exit_kind

    def loop_exit(self, kind):
        c = self.cond(1)
        self.emit(f"if {c.text}:", c.tags | {"if"})
        with self.block():
            if kind == "return":
                e = self.result_expr()
                self.emit(f"return {e.text}", e.tags | {"return_early", "return_in_loop"})
            else:
                self.emit(kind, {kind})

    def for_stmt(self):
        from . import loops
        return loops.for_stmt(self)

    def while_stmt(self):
        from . import loops
        return loops.while_stmt(self)

    def early_return(self):
        c = self.cond(1)
        self.emit(f"if {c.text}:", c.tags | {"if"})
        with self.block():
            e = self.result_expr()
            tags = {"return_early"} | ({"return_in_loop"} if self.loop_depth else set())
            self.emit(f"return {e.text}", e.tags | tags)
        return True

    def result_expr(self):
        """What the function being written returns: for `f`, a float made from what is in
        scope; for a helper, an expression of its result's shape."""
        if self.ret_shape is not None:
            return self.tame(self.live(self.ret_shape, 1))
        terms = []
        candidates = [v for v in self.vars() if v.kind in ("float", "array") and
                      v.name not in self.module_consts]
        candidates.sort(key=lambda v: -self.touched.get(v.name, 0))
        recent = candidates[:4]
        chosen = recent[:1] + self.rng.sample(recent[1:], min(len(recent) - 1,
                                                              self.rng.randint(0, 2)))
        for v in chosen:
            if v.shape is None:
                terms.append(E(v.name, None, v.mag))
            else:
                from .scalars import reduce_all
                terms.append(self.tame(reduce_all(self, E(v.name, v.shape, v.mag)), 50.0))
        if not terms:
            terms = [self.scalar(1)]
        out = terms[0]
        for t in terms[1:]:
            c = self.const(0.2, 1.5)
            out = E(f"({out.text}) + {c} * ({t.text})", None, out.mag + c * t.mag, tags_of(out, t))
        return out


# statements that assign or write a name: `x = ...`, `x[i] += ...`, `a, b = ...`, `np.copyto(x,
# ...)`, `np.add.at(x, ...)`, `x.fill(...)`, `out=x`, `update(x, ...)`
_WRITES = [r"^(\w+)(?:\[[^=]*\])*(?:\.T)?\s*[-+*/]?=[^=]", r"^(\w+), \w+ = ", r"^\w+, (\w+) = ",
           r"^np\.(?:copyto|add\.at)\((\w+)", r"^(\w+)\.fill\(", r"out=(\w+)\)",
           r"^\w+\((\w+)[^()]*,"]
