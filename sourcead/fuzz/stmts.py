"""The statement half of the program generator: assignments, writes into arrays (through
views and aliases too), NumPy's in-place forms, containers, branches and loops.

A mixin of `generate.Gen`: it emits lines into `self.lines` at `self.indent`, spends the
line budget `self.budget`, and records feature tags in `self.tags`.
"""

import re
from contextlib import contextmanager

from .exprs import E, Var, slices_of, tags_of
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

    # ----- writes into arrays -------------------------------------------------------------
    def region(self, shape):
        """(index text, shape of the region, tags) for a random item assignment into an array
        of `shape`; the region's shape None is one item."""
        if len(shape) == 1:
            k = shape[0]
            r = self.rng.random()
            if r < 0.35:
                return f"[{self.index(k)}]", None, {"write_item"}
            if r < 0.65:
                n = self.rng.randint(1, k)
                sl = self.choice(slices_of(k, n))
                neg = {"index_negstep"} if "-1" in sl else set()
                return f"[{sl}]", (n,), {"write_slice"} | neg
            if r < 0.8:
                idx = self.index_list(k, self.rng.randint(1, 3))
                return f"[{idx}]", (len(idx),), {"write_index_array"} | _repeats(idx)
            return None, None, {"write_mask"}
        p, q = shape
        r = self.rng.random()
        if r < 0.2:
            return f"[{self.index(p)}, {self.index(q)}]", None, {"write_item"}
        if r < 0.32:
            return f"[{self.index(p)}][{self.index(q)}]", None, {"write_item", "write_chain"}
        if r < 0.47:
            return f"[{self.index(p)}]", (q,), {"write_slice"}
        if r < 0.57:
            return f"[:, {self.index(q)}]", (p,), {"write_slice"}
        if r < 0.67:
            n = self.rng.randint(1, q)
            sl = self.choice(slices_of(q, n))
            if self.chance(0.4):
                return f"[{self.index(p)}][{sl}]", (n,), {"write_slice", "write_chain"}
            return f"[{self.index(p)}, {sl}]", (n,), {"write_slice"}
        if r < 0.77:
            n = self.rng.randint(1, p)
            sl = self.choice(slices_of(p, n))
            return f"[{sl}]", (n, q), {"write_slice"}
        if r < 0.87:
            idx = self.index_list(p, 2)
            return f"[{idx}]", (2, q), {"write_index_array"} | _repeats(idx)
        return None, None, {"write_mask"}

    def setitem(self, v=None):
        targets = self.writable()
        if not targets and v is None:
            return None
        v = v or self.choice(targets)
        idx, shape, tags = self.region(v.shape)
        aug = self.chance(0.3)
        op = self.choice(["+=", "-=", "*=", "/="]) if aug else "="
        if idx is None:   # a mask
            mask = self.mask_for(v)
            idx = f"[{mask}]"
            if self.chance(0.5):
                rhs = E(repr(self.const(-1.0, 1.0)), None, 1.0)
            else:
                c = self.const(0.2, 0.9)
                rhs, op = E(f"{c} * {v.name}{idx}", None, v.mag), "="
            tags = tags | {"nonsmooth"}
        elif op in ("*=", "/="):
            rhs = self.aug_rhs(op, shape if self.chance(0.5) else None, v)
        else:
            rshape = shape if shape is not None and self.chance(0.7) else None
            rhs = self.live(rshape, self.rng.randint(0, 2))
            rhs = self.tame(rhs, 1.5 if v.level < self.loop_depth else 4.0)
        tags = set(tags) | rhs.tags | self.sharing_tags(v)
        if aug:
            tags.add("aug_item")
        self.emit(f"{v.name}{idx} {op} {rhs.text}", tags)
        v.mag = self.grown(op, v.mag, rhs.mag) if aug else max(v.mag, rhs.mag)
        return True

    def mask_for(self, v):
        masks = [m for m in self.vars("mask") if m.shape == v.shape]
        if masks and self.chance(0.6):
            return self.choice(masks).name
        others = [w for w in self.vars("array", v.shape)]
        w = self.choice(others)
        return f"{w.name} {self.choice(['>', '<'])} {self.const(-0.5, 0.5)}"

    def view(self):
        arrays = self.vars("array")
        if not arrays:
            return None
        a = self.choice(arrays)
        options = []
        if len(a.shape) == 2:
            p, q = a.shape
            options += [(f"{a.name}[{self.index(p)}]", (q,), "row"),
                        (f"{a.name}[:, {self.index(q)}]", (p,), "col"),
                        (f"{a.name}.T", (q, p), "transpose"),
                        (f"{a.name}.reshape(-1)", (p * q,), "reshape"),
                        (f"{a.name}.ravel()", (p * q,), "ravel"),
                        (f"{a.name}[1:]", (p - 1, q), "slice")]
        else:
            k = a.shape[0]
            n = self.rng.randint(1, k)
            options += [(f"{a.name}[{self.choice(slices_of(k, n))}]", (n,), "slice")]
            if k % 2 == 0:
                options.append((f"{a.name}.reshape(2, {k // 2})", (2, k // 2), "reshape"))
        text, shape, how = self.choice(options)
        name = self.fresh({"row": "r", "col": "c", "transpose": "T", "reshape": "flat",
                           "ravel": "flat", "slice": "p"}[how])
        tags = {"view"} | ({"index_negstep"} if "-1]" in text else set()) | \
            ({how} if how in ("ravel", "reshape", "transpose") else set())
        self.emit(f"{name} = {text}", tags)
        v = self.bind(Var(name, "array", shape, a.mag, group=a.group, view=True))
        if self.chance(0.5) and self.budget > 0:
            self.setitem(v) if self.chance(0.6) else self.aug_view(v)
        return True

    def aug_view(self, v):
        op = self.choice(["+=", "-=", "*=", "/="])
        rhs = self.aug_rhs(op, self.choice([None, v.shape]), v)
        self.emit(f"{v.name} {op} {rhs.text}", {"aug_name", "aug_view", "view_write"} | rhs.tags)
        v.mag = self.grown(op, v.mag, rhs.mag)

    def alias(self):
        arrays = self.vars("array")
        if not arrays:
            return None
        a = self.choice(arrays)
        name = self.fresh(self.choice(["z", "b", "alias", "same"]))
        tags = {"alias"}
        r = self.rng.random()
        if r < 0.2:
            c = self.cond(0)
            self.emit(f"{name} = {a.name} if {c.text} else {a.name}.copy()", tags | c.tags |
                      {"ifexp", "copy"})
        elif r < 0.35:
            self.emit(f"{name} = {self.choice(['np.asarray', 'np.atleast_1d'])}({a.name})", tags)
        else:
            self.emit(f"{name} = {a.name}", tags)
        self.bind(Var(name, "array", a.shape, a.mag, group=a.group, view=a.view,
                      info={"alias": True}))
        a.info["alias"] = True
        if self.chance(0.4) and self.budget > 0:
            self.setitem(self.choice([a, self.visible()[name]]))
        return True

    def copy(self):
        arrays = self.vars("array")
        if not arrays:
            return None
        a = self.choice(arrays)
        form = self.choice(["{}.copy()", "np.array({})", "np.copy({})", "{}.astype(float)"])
        name = self.fresh(self.choice(["c", "saved", "work", "buf"]))
        self.emit(f"{name} = {form.format(a.name)}", {"copy"})
        self.bind(Var(name, "array", a.shape, a.mag, group=self.new_group()))
        return True

    def inplace(self):
        targets = self.writable()
        if not targets:
            return None
        v = self.choice(targets)
        tags = self.sharing_tags(v)
        r = self.rng.random()
        if r < 0.3:
            a = self.tame(self.live(v.shape, 1), 2.0)
            if self.chance(0.5):
                b = self.tame(self.live(self.choice([None, v.shape]), 0), 2.0)
                fn = self.choice(["add", "multiply", "subtract"])
                self.emit(f"np.{fn}({a.text}, {b.text}, out={v.name})", tags | a.tags | b.tags |
                          {"out_kw"})
                v.mag = a.mag * b.mag + a.mag + b.mag
            else:
                fn = self.choice(["sin", "tanh", "cos"])
                self.emit(f"np.{fn}({a.text}, out={v.name})", tags | a.tags | {"out_kw", "ufunc"})
                v.mag = 1.0
        elif r < 0.55:
            e = self.tame(self.live(self.choice([None, v.shape, v.shape]), 1), 3.0)
            self.emit(f"np.copyto({v.name}, {e.text})", tags | e.tags | {"copyto"})
            v.mag = e.mag
        elif r < 0.65:
            e = self.tame(self.scalar(1), 3.0)
            self.emit(f"{v.name}.fill({e.text})", tags | e.tags | {"fill"})
            v.mag = e.mag
        elif r < 0.72:
            self.emit(f"{v.name}.sort()" if len(v.shape) == 1 or self.chance(0.5)
                      else f"{v.name}.sort(axis=0)", tags | {"sort", "nonsmooth"})
        else:
            n = self.rng.randint(2, 4)
            idx = self.index_list(v.shape[0], n)
            shape = self.choice([None, (n,) + v.shape[1:]])
            e = self.tame(self.live(shape, 1), 1.5)
            self.emit(f"np.add.at({v.name}, {idx}, {e.text})",
                      tags | e.tags | _repeats(idx) | {"add_at"})
            v.mag = v.mag + n * e.mag
        return True

    # ----- containers -----------------------------------------------------------------
    def list_stmt(self):
        r = self.rng.random()
        if r < 0.45:
            shape = self.target_shape()
            k = self.rng.randint(2, 3)
            items = [self.tame(self.live(shape, 1)) for _ in range(k)]
            name = self.fresh(self.choice(["parts", "terms", "xs", "items"]))
            self.emit(f"{name} = [{', '.join(i.text for i in items)}]",
                      tags_of(*items, extra=["list"]))
            self.bind(Var(name, "list", shape, max(i.mag for i in items), length=k))
        else:
            arrays = self.vars("array")
            if not arrays:
                return None
            a = self.choice(arrays)
            item_shape = None if len(a.shape) == 1 else a.shape[1:]
            it = self.fresh("v" if item_shape is None else "row")
            self.scopes.append({})
            self.bind(Var(it, "float" if item_shape is None else "array", item_shape, a.mag,
                          fixed=True, view=item_shape is not None))
            from .scalars import unary
            body = self.tame(unary(self, E(it, item_shape, a.mag)) if self.chance(0.6)
                             else self.live(item_shape, 1))
            self.scopes.pop()
            self.used_names.discard(it)
            name = self.fresh(self.choice(["ys", "vals", "rows", "feats"]))
            self.emit(f"{name} = [{body.text} for {it} in {a.name}]",
                      body.tags | {"listcomp", "list"})
            self.bind(Var(name, "list", item_shape, body.mag, length=a.shape[0]))
        lst = self.visible()[name]
        if self.budget > 0 and self.chance(0.6):
            self.use_list(lst)
        return True

    def use_list(self, lst):
        """A statement that reads a whole list: sum, np.stack, a loop over it."""
        r = self.rng.random()
        if lst.shape is None or r < 0.4:
            if lst.length < 1 and lst.shape is not None:
                return
            name = self.fresh(self.choice(["total", "agg", "sm"]))
            self.emit(f"{name} = sum({lst.name})", {"builtin_sum", "list"})
            mag = lst.mag * max(lst.length, 1)
            self.bind(Var(name, "float" if lst.shape is None else "array", lst.shape, mag,
                          group=self.new_group()))
        elif r < 0.6 and self.budget > 1 and self.nest < 2:
            from . import loops
            loops.for_stmt(self, loops._over_list(self, lst))
        elif r < 0.8 and lst.exact and len(lst.shape) == 1:
            name = self.fresh("S")
            self.emit(f"{name} = np.stack({lst.name})", {"stack", "list"})
            self.bind(Var(name, "array", (lst.length,) + lst.shape, lst.mag,
                          group=self.new_group()))
        else:
            name = self.fresh("m")
            self.emit(f"{name} = np.mean(np.array({lst.name}))", {"stack", "list", "reduction"})
            self.bind(Var(name, "float", None, lst.mag))

    def tuple_stmt(self):
        r = self.rng.random()
        mine = [v for v in self.vars() if v.kind in ("float", "array") and self.own(v)]
        if r < 0.3 and len(mine) >= 2:
            pairs = [(a, b) for a in mine for b in mine if a is not b and a.shape == b.shape]
            if pairs:
                a, b = self.choice(pairs)
                self.emit(f"{a.name}, {b.name} = {b.name}, {a.name}", {"tuple_unpack"})
                a.mag = b.mag = max(a.mag, b.mag)
                a.group, b.group = b.group, a.group
                a.view, b.view = b.view, a.view
                return True
        mats = [v for v in self.vars("array") if len(v.shape) == 2]
        if r < 0.45 and mats:
            m = self.choice(mats)
            n1, n2 = self.fresh("rows"), self.fresh("cols")
            self.emit(f"{n1}, {n2} = {m.name}.shape", {"tuple_unpack"})
            self.bind(Var(n1, "int", lo=m.shape[0], hi=m.shape[0], fixed=True))
            self.bind(Var(n2, "int", lo=m.shape[1], hi=m.shape[1], fixed=True))
            return True
        two_rows = [v for v in mats if v.shape[0] == 2]
        if r < 0.55 and two_rows:
            m = self.choice(two_rows)
            n1, n2 = self.fresh("top"), self.fresh("bottom")
            self.emit(f"{n1}, {n2} = {m.name}", {"tuple_unpack"})
            for n in (n1, n2):
                self.bind(Var(n, "array", m.shape[1:], m.mag, group=m.group, view=True))
            return True
        s1, s2 = self.target_shape(), self.target_shape()
        e1, e2 = self.tame(self.live(s1, 1)), self.tame(self.live(s2, 1))
        n1 = self.fresh(self.choice(["p", "a1", "lo"]))
        n2 = self.fresh(self.choice(["q", "a2", "hi"]))
        self.emit(f"{n1}, {n2} = {e1.text}, {e2.text}", tags_of(e1, e2, extra=["tuple_unpack"]))
        for n, s, e in ((n1, s1, e1), (n2, s2, e2)):
            self.bind(Var(n, "float" if s is None else "array", s, e.mag, group=self.new_group()))
        return True

    def dict_stmt(self):
        k = self.rng.randint(1, 3)
        keys = self.rng.sample(["w", "b", "scale", "h", "bias"], k)
        items, shapes = [], {}
        for key in keys:
            shape = self.target_shape()
            e = self.tame(self.live(shape, 1)) if self.chance(0.6) else self.leaf(shape)
            e = e or self.tame(self.live(shape, 1))
            items.append(e)
            shapes[key] = shape
        name = self.fresh(self.choice(["d", "params", "state"]))
        body = ", ".join(f"{key!r}: {e.text}" for key, e in zip(keys, items))
        self.emit(f"{name} = {{{body}}}", tags_of(*items, extra=["dict"]))
        d = self.bind(Var(name, "dict", keys=shapes, mag=max(e.mag for e in items)))
        if self.budget > 0:
            r = self.rng.random()
            if r < 0.4:
                self.dict_update()
            elif r < 0.7 and self.budget > 1:
                self.dict_loop(d)
        return True

    def dict_update(self):
        dicts = self.vars("dict")
        if not dicts:
            return None
        d = self.choice(dicts)
        key = self.choice(list(d.keys))
        shape = d.keys[key]
        r = self.rng.random()
        item = f"{d.name}[{key!r}]"
        if r < 0.5 or shape is None:
            e = self.tame(self.live(shape, 1), 1.0)
            c = self.const(0.3, 0.9)
            self.emit(f"{item} = {c} * {item} + ({e.text})", e.tags | {"dict", "dict_update"})
        elif r < 0.75:
            e = self.tame(self.live(self.choice([None, shape]), 1), 1.0)
            self.emit(f"{item} += {e.text}", e.tags | {"dict", "dict_update", "aug_item"})
        else:
            idx, _, tags = self.region(shape)
            if idx is None:
                idx = "[0]"
            e = self.tame(self.live(None, 1), 1.0)
            self.emit(f"{item}{idx} = {e.text}", e.tags | set(tags) | {"dict", "dict_update"})
        d.mag += 1.0
        return True

    def dict_loop(self, d):
        """A loop over a dict's items or keys (one of the loop forms)."""
        acc = self.accumulator(None)
        key = self.fresh("key")
        if self.chance(0.5):
            val = self.fresh("val")
            self.emit(f"for {key}, {val} in {d.name}.items():", {"dict_iter", "for_dict"})
            read = val
        else:
            self.emit(f"for {key} in {d.name}:", {"dict_iter", "for_dict"})
            read = f"{d.name}[{key}]"
        with self.block(loop=True):
            fn = self.choice(["np.sum({})", "np.mean(np.tanh({}))", "np.sum(({}) ** 2)"])
            c = self.const(0.1, 0.5)
            self.emit(f"{acc.name} += {c} * {fn.format(read)}", {"aug_name", "reduction"})
        acc.mag += c * 10

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


def _repeats(idx):
    return {"index_repeat"} if len(set(idx)) < len(idx) else set()


# statements that assign or write a name: `x = ...`, `x[i] += ...`, `a, b = ...`, `np.copyto(x,
# ...)`, `np.add.at(x, ...)`, `x.fill(...)`, `out=x`, `update(x, ...)`
_WRITES = [r"^(\w+)(?:\[[^=]*\])*(?:\.T)?\s*[-+*/]?=[^=]", r"^(\w+), \w+ = ", r"^\w+, (\w+) = ",
           r"^np\.(?:copyto|add\.at)\((\w+)", r"^(\w+)\.fill\(", r"out=(\w+)\)",
           r"^\w+\((\w+)[^()]*,"]
