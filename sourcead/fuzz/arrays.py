"""Random array-valued expressions of a requested shape (see exprs.py for the conventions):
broadcasting, ufuncs, reductions along an axis, products, shape functions and indexing."""

from .exprs import E, size, slices_of, tags_of
from .scalars import binop, cond, unary


def _arrays(g, pred):
    return [v for v in g.vars("array") if pred(v.shape)]


def array(g, shape, depth=2):
    n = shape[0]
    two_d = len(shape) == 2

    def leaf():
        return g.leaf(shape)

    def from_scalar():
        s = g.scalar(max(depth - 1, 0))
        r = g.rng.random()
        dims = ", ".join(map(str, shape))
        if r < 0.35:
            return E(f"({s.text}) * np.ones(({dims},))", shape, s.mag,
                     tags_of(s, extra=["broadcast"]))
        if r < 0.55:
            return E(f"np.full(({dims},), {s.text})", shape, s.mag, s.tags)
        if r < 0.7:
            return E(f"np.zeros(({dims},)) + ({s.text})", shape, s.mag,
                     tags_of(s, extra=["broadcast"]))
        if not two_d:
            if g.chance(0.5):
                return E(f"np.linspace(-1.0, 1.0, {n}) * ({s.text})", shape, s.mag,
                         tags_of(s, extra=["broadcast"]))
            return E(f"np.arange({n}) * ({s.text})", shape, (n - 1) * s.mag,
                     tags_of(s, extra=["broadcast"]))
        return E(f"np.ones(({dims},)) * ({s.text})", shape, s.mag, tags_of(s, extra=["broadcast"]))

    def elementwise():
        return unary(g, array(g, shape, depth - 1))

    def arith():
        a = array(g, shape, depth - 1)
        r = g.rng.random()
        if r < 0.4:
            b = array(g, shape, depth - 1)
        elif r < 0.75 or not two_d:
            b = g.scalar(depth - 1)
        else:   # a row broadcast over the rows
            b = array(g, shape[1:], depth - 1)
            if g.chance(0.3):
                b = E(f"np.expand_dims({b.text}, 0)", shape, b.mag,
                      tags_of(b, extra=["expand_dims"]))
        if g.chance(0.3):
            a, b = (b, a) if b.shape == a.shape else (a, b)
        return g.tame(binop(g, a, b))

    def outer():
        if not two_d:
            return None
        u, v = array(g, (shape[0],), depth - 1), array(g, (shape[1],), depth - 1)
        r = g.rng.random()
        if r < 0.3:
            text, tag = f"({u.text})[:, None] * ({v.text})", "broadcast"
        elif r < 0.5:
            text, tag = f"np.expand_dims({u.text}, 1) * ({v.text})[None, :]", "expand_dims"
        elif r < 0.7:
            text, tag = f"({u.text}).reshape(-1, 1) + ({v.text})", "reshape"
        else:
            text, tag = f"np.outer({u.text}, {v.text})", "matmul"
        return g.tame(E(text, shape, u.mag * v.mag + u.mag + v.mag,
                        tags_of(u, v, extra=[tag, "broadcast"])))

    def along_axis():
        # a reduction of an array in scope along one axis
        if two_d:
            src = _arrays(g, lambda s: len(s) == 2 and s == shape)
            if not src:
                return None
            v = g.choice(src)
            axis = g.rng.randrange(2)
            fn = g.choice(["mean", "sum", "max", "min"])
            tags = {"reduction", "reduction_axis", "keepdims", "broadcast"}
            if fn in ("max", "min"):
                tags.add("nonsmooth")
            red = f"np.{fn}({v.name}, axis={axis}, keepdims=True)"
            return g.tame(E(f"{v.name} - {red}", shape, 2 * v.mag * shape[axis],
                            frozenset(tags)))
        src = _arrays(g, lambda s: len(s) == 2 and n in s)
        if not src:
            return None
        v = g.choice(src)
        axis = 1 if v.shape[0] == n and (v.shape[1] != n or g.chance(0.5)) else 0
        fn = g.choice(["sum", "mean", "max", "min", "sum"])
        tags = {"reduction", "reduction_axis"}
        if fn in ("max", "min"):
            tags.add("nonsmooth")
        if g.chance(0.2):
            text = f"np.squeeze(np.{fn}({v.name}, axis={axis}, keepdims=True))"
            tags |= {"keepdims", "squeeze"}
        elif g.chance(0.3):
            text = f"{v.name}.{fn}(axis={axis})"
        else:
            text = f"np.{fn}({v.name}, axis={axis})"
        mag = v.mag * (v.shape[axis] if fn == "sum" else 1)
        return g.tame(E(text, shape, mag, frozenset(tags)))

    def product():
        if two_d:
            src = _arrays(g, lambda s: len(s) == 2 and s[0] == shape[0])
            if not src:
                return None
            a = g.choice(src)
            b = array(g, (a.shape[1], shape[1]), depth - 1)
            text = f"{a.name} @ ({b.text})" if g.chance(0.7) else f"np.dot({a.name}, {b.text})"
            return g.tame(E(text, shape, a.shape[1] * a.mag * b.mag, tags_of(b, extra=["matmul"])))
        left = _arrays(g, lambda s: len(s) == 2 and s[0] == n)
        right = _arrays(g, lambda s: len(s) == 2 and s[1] == n)
        if not left and not right:
            return None
        if left and (not right or g.chance(0.5)):
            a = g.choice(left)
            v = array(g, (a.shape[1],), depth - 1)
            form = g.choice(["{a} @ ({v})", "np.dot({a}, {v})", "{a}.dot({v})"])
            k = a.shape[1]
        else:
            a = g.choice(right)
            v = array(g, (a.shape[0],), depth - 1)
            form = g.choice(["({v}) @ {a}", "{a}.T @ ({v})", "np.dot({v}, {a})"])
            k = a.shape[0]
        text = form.format(a=a.name, v=v.text)
        tags = ["matmul"] + (["transpose"] if ".T" in form else [])
        return g.tame(E(text, shape, k * a.mag * v.mag, tags_of(v, extra=tags)))

    def transposed():
        if not two_d:
            return None
        src = _arrays(g, lambda s: s == shape[::-1])
        if src:
            v = g.choice(src)
            form = g.choice(["{}.T", "np.transpose({})", "{}.transpose()"])
            return E(form.format(v.name), shape, v.mag, frozenset(["transpose"]))
        if depth <= 0:
            return None
        e = array(g, shape[::-1], depth - 1)
        return E(f"({e.text}).T", shape, e.mag, tags_of(e, extra=["transpose"]))

    def reshaped():
        src = _arrays(g, lambda s: size(s) == size(shape) and s != shape)
        if not src:
            return None
        v = g.choice(src)
        if not two_d:
            form = g.choice(["{}.ravel()", "np.ravel({})", "{}.reshape(-1)", "{}.flatten()",
                             f"np.reshape({{}}, ({n},))"])
            tag = "ravel" if "ravel" in form or "flatten" in form else "reshape"
            return E(form.format(v.name), shape, v.mag, frozenset([tag]))
        form = g.choice([f"{{}}.reshape({shape[0]}, {shape[1]})", f"{{}}.reshape({shape[0]}, -1)",
                         f"np.reshape({{}}, ({shape[0]}, {shape[1]}))"])
        return E(form.format(v.name), shape, v.mag, frozenset(["reshape"]))

    def joined():
        if depth <= 0:
            return None
        if not two_d:
            if n < 2:
                return None
            p = g.rng.randrange(1, n)
            a = array(g, (p,), depth - 1)
            b = array(g, (n - p,), depth - 1)
            if g.chance(0.5):
                text = f"np.concatenate([{a.text}, {b.text}])"
            else:
                text = f"np.concatenate(({a.text}, {b.text}))"
            return E(text, shape, max(a.mag, b.mag), tags_of(a, b, extra=["concatenate"]))
        r = g.rng.random()
        if r < 0.5:   # rows stacked
            k = shape[0]
            rows = [array(g, shape[1:], depth - 1) for _ in range(k)]
            items = ", ".join(x.text for x in rows)
            text = f"np.stack([{items}])" if g.chance(0.6) else f"np.array([{items}])"
            return E(text, shape, max(x.mag for x in rows), tags_of(*rows, extra=["stack"]))
        if r < 0.7:   # columns stacked
            cols = [array(g, (shape[0],), depth - 1) for _ in range(shape[1])]
            items = ", ".join(x.text for x in cols)
            return E(f"np.stack([{items}], axis=1)", shape, max(x.mag for x in cols),
                     tags_of(*cols, extra=["stack"]))
        axis = g.rng.randrange(2)
        if shape[axis] < 2:
            return None
        p = g.rng.randrange(1, shape[axis])
        s1 = (p, shape[1]) if axis == 0 else (shape[0], p)
        s2 = (shape[0] - p, shape[1]) if axis == 0 else (shape[0], shape[1] - p)
        a, b = array(g, s1, depth - 1), array(g, s2, depth - 1)
        return E(f"np.concatenate([{a.text}, {b.text}], axis={axis})", shape,
                 max(a.mag, b.mag), tags_of(a, b, extra=["concatenate"]))

    def flipped():
        e = array(g, shape, depth - 1) if depth > 0 else g.leaf(shape)
        if e is None:
            return None
        r = g.rng.random()
        if r < 0.4:
            axis = f", axis={g.rng.randrange(2)}" if two_d else ""
            return E(f"np.flip({e.text}{axis})", shape, e.mag, tags_of(e, extra=["flip"]))
        text = f"({e.text})[::-1]" if r < 0.7 or not two_d else f"({e.text})[:, ::-1]"
        return E(text, shape, e.mag, tags_of(e, extra=["flip", "index_negstep"]))

    def sliced():
        options = []
        for v in g.vars("array"):
            s = v.shape
            if not two_d and len(s) == 1 and s[0] >= n:
                for sl in slices_of(s[0], n):
                    options.append((f"{v.name}[{sl}]", v, sl))
            elif not two_d and len(s) == 2:
                if s[1] == n:
                    options.append((f"{v.name}[{g.index(s[0])}]", v, "row"))
                if s[0] == n:
                    options.append((f"{v.name}[:, {g.index(s[1])}]", v, "col"))
                if s[1] > n:
                    sl = g.choice(slices_of(s[1], n))
                    options.append((f"{v.name}[{g.index(s[0])}, {sl}]", v, sl))
            elif two_d and len(s) == 2 and s[0] >= shape[0] and s[1] >= shape[1] and s != shape:
                a = g.choice(slices_of(s[0], shape[0]))
                b = g.choice(slices_of(s[1], shape[1]))
                options.append((f"{v.name}[{a}, {b}]", v, a + b))
        if not options:
            return None
        text, v, how = g.choice(options)
        tags = {"index_slice"} if how not in ("row", "col") else {"index_int"}
        if "-1" in how:
            tags.add("index_negstep")
        return E(text, shape, v.mag, frozenset(tags))

    def fancy():
        src = _arrays(g, lambda s: len(s) == len(shape) and s[1:] == shape[1:])
        if not src:
            return None
        v = g.choice(src)
        idx = g.index_list(v.shape[0], n)
        tags = {"index_array"} | ({"index_repeat"} if len(set(idx)) < len(idx) else set())
        text = f"{v.name}[{idx}]" if g.chance(0.6) else f"{v.name}[np.array({idx})]"
        return E(text, shape, v.mag, frozenset(tags))

    def where():
        a, b = array(g, shape, depth - 1), array(g, shape, depth - 1)
        c = g.const(-0.5, 0.5)
        test = g.choice([f"({a.text}) > {c}", f"({a.text}) > ({b.text})"])
        return E(f"np.where({test}, {a.text}, {b.text})", shape, max(a.mag, b.mag),
                 tags_of(a, b, extra=["where", "nonsmooth"]))

    def kinked():
        a = array(g, shape, depth - 1)
        r = g.rng.random()
        if r < 0.35:
            b = g.expr(g.choice([None, shape]), depth - 1)
            fn = g.choice(["maximum", "minimum"])
            return E(f"np.{fn}({a.text}, {b.text})", shape, max(a.mag, b.mag),
                     tags_of(a, b, extra=["nonsmooth"]))
        if r < 0.7:
            lo, hi = g.const(-1.5, -0.1), g.const(0.1, 1.5)
            return E(f"np.clip({a.text}, {lo}, {hi})", shape, min(a.mag, 1.5),
                     tags_of(a, extra=["nonsmooth"]))
        return E(f"np.abs({a.text})", shape, a.mag, tags_of(a, extra=["nonsmooth"]))

    def scan():
        a = array(g, shape, depth - 1)
        if two_d:
            axis = g.rng.randrange(2)
            return g.tame(E(f"np.cumsum({a.text}, axis={axis})", shape, a.mag * shape[axis],
                            tags_of(a, extra=["cumsum"])))
        return g.tame(E(f"np.cumsum({a.text})", shape, a.mag * n, tags_of(a, extra=["cumsum"])))

    def copied():
        v = g.leaf(shape)
        if v is None:
            return None
        form = g.choice(["({}).copy()", "np.array({})", "np.copy({})"])
        return E(form.format(v.text), shape, v.mag, tags_of(v, extra=["copy"]))

    def ifexp():
        c = cond(g, depth - 1)
        a, b = array(g, shape, depth - 1), array(g, shape, depth - 1)
        return E(f"({a.text}) if ({c.text}) else ({b.text})", shape, max(a.mag, b.mag),
                 tags_of(c, a, b, extra=["ifexp"]))

    def call():
        return g.call_func(shape, depth)

    if depth <= 0:
        return g.pick([(6, leaf), (2, sliced), (1, reshaped), (1, transposed),
                       (1, along_axis), (0.5, fancy)]) or from_scalar()
    return g.pick([(6, leaf), (1, from_scalar), (3, elementwise), (4, arith), (0.7, outer),
                   (1.2, along_axis), (1.2, product), (0.8, transposed), (1.0, reshaped),
                   (0.8, joined), (0.5, flipped), (1.5, sliced), (0.6, fancy), (0.5, where),
                   (0.6, kinked), (0.3, scan), (0.4, copied), (0.3, ifexp),
                   (1.2, call)]) or from_scalar()
