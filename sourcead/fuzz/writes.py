"""Writes into arrays for the program generator: item assignments (ints, slices, masks,
index arrays, `x[i][j] = v`), views and aliases made to be written through, copies, and
NumPy's in-place forms (`out=`, `np.copyto`, `.fill`, `.sort`, `np.add.at`). A mixin of
`generate.Gen` (see stmts.py for emitting)."""

from .exprs import E, Var, slices_of


class Writes:

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
                        (f"{a.name}[1:]", (p - 1, q), "slice") if p > 1 else
                        (f"{a.name}[:]", (p, q), "slice")]
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


def _repeats(idx):
    return {"index_repeat"} if len(set(idx)) < len(idx) else set()
