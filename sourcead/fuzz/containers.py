"""Containers for the program generator: lists (literals, comprehensions, read whole),
tuple unpacking, dicts (built, updated, looped over). A mixin of `generate.Gen`."""

from .exprs import E, Var, tags_of


class Containers:

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
