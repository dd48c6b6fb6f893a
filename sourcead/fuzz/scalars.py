"""Random float-valued expressions and conditions (see exprs.py for the conventions)."""

import math

from .exprs import E, size, tags_of

UNARY = [  # (text with {} for the argument, tags, bound on the result given the argument's)
    ("np.sin({})", "ufunc", lambda m: 1.0),
    ("np.cos({})", "ufunc", lambda m: 1.0),
    ("np.tanh({})", "ufunc", lambda m: 1.0),
]
MATH_UNARY = [
    ("math.sin({})", lambda m: 1.0),
    ("math.cos({})", lambda m: 1.0),
    ("math.tanh({})", lambda m: 1.0),
    ("math.sqrt(1.0 + ({}) ** 2)", lambda m: math.sqrt(1 + m * m)),
    ("math.log(1.0 + ({}) ** 2)", lambda m: math.log(1 + m * m)),
    ("math.exp(-({}) ** 2)", lambda m: 1.0),
    ("math.atan({})", lambda m: 1.6),
]


def positive(g, e):
    """A positive expression made from `e` (a divisor, or the argument of log and sqrt)."""
    r = g.rng.random()
    if r < 0.4:
        return E(f"1.0 + ({e.text}) ** 2", e.shape, 1 + e.mag ** 2, tags_of(e, extra=["power"]))
    if r < 0.7:
        return E(f"2.0 + np.cos({e.text})", e.shape, 3.0, tags_of(e, extra=["ufunc"]))
    if r < 0.85:
        return E(f"1.5 + np.sin({e.text})", e.shape, 2.5, tags_of(e, extra=["ufunc"]))
    return E(f"np.exp({g.tame(e, 2.0).text})", e.shape, math.exp(min(e.mag, 2.0)),
             tags_of(e, extra=["exp_log"]))


def unary(g, e):
    """An elementwise function of `e` (any shape) that stays finite and bounded."""
    r = g.rng.random()
    if r < 0.45:
        text, tag, bound = g.choice(UNARY)
        return E(text.format(e.text), e.shape, bound(e.mag), tags_of(e, extra=[tag]))
    if r < 0.6:
        small = g.tame(e, 2.5)
        return E(f"np.exp({small.text})", e.shape, math.exp(small.mag),
                 tags_of(small, extra=["exp_log"]))
    if r < 0.7:
        p = positive(g, e)
        return E(f"np.log({p.text})", e.shape, math.log(1 + p.mag) + 1.0,
                 tags_of(p, extra=["exp_log"]))
    if r < 0.8:
        p = positive(g, e)
        return E(f"np.sqrt({p.text})", e.shape, math.sqrt(p.mag), tags_of(p, extra=["exp_log"]))
    if r < 0.88:
        return E(f"np.exp(-({e.text}) ** 2)", e.shape, 1.0, tags_of(e, extra=["exp_log", "power"]))
    if r < 0.94:
        return E(f"np.log1p(({e.text}) ** 2)", e.shape, math.log1p(e.mag ** 2),
                 tags_of(e, extra=["exp_log", "power"]))
    return E(f"np.abs({e.text})", e.shape, e.mag, tags_of(e, extra=["nonsmooth"]))


def binop(g, a, b):
    """a op b, where b's shape broadcasts against a's: + - * / **."""
    extra = ["arith"]
    if a.shape != b.shape:
        extra.append("broadcast")
    r = g.rng.random()
    if r < 0.3:
        return E(f"({a.text}) + ({b.text})", a.shape, a.mag + b.mag, tags_of(a, b, extra=extra))
    if r < 0.5:
        return E(f"({a.text}) - ({b.text})", a.shape, a.mag + b.mag, tags_of(a, b, extra=extra))
    if r < 0.8:
        return E(f"({a.text}) * ({b.text})", a.shape, a.mag * b.mag, tags_of(a, b, extra=extra))
    if r < 0.93:
        d = positive(g, b)
        return E(f"({a.text}) / ({d.text})", a.shape, a.mag, tags_of(a, d, extra=extra))
    if a.mag <= 3 and g.chance(0.5):
        return E(f"({a.text}) ** 3", a.shape, a.mag ** 3, tags_of(a, extra=["power"]))
    return E(f"({a.text}) ** 2", a.shape, a.mag ** 2, tags_of(a, extra=["power"]))


def reduce_all(g, a):
    """A reduction of the array `a` to a float."""
    r = g.rng.random()
    n = size(a.shape)
    method = g.chance(0.35)
    if r < 0.4:
        text = f"({a.text}).sum()" if method else f"np.sum({a.text})"
        return E(text, None, n * a.mag, tags_of(a, extra=["reduction"]))
    if r < 0.6:
        text = f"({a.text}).mean()" if method else f"np.mean({a.text})"
        return E(text, None, a.mag, tags_of(a, extra=["reduction"]))
    if r < 0.85:
        fn = g.choice(["max", "min"])
        text = f"({a.text}).{fn}()" if method else f"np.{fn}({a.text})"
        return E(text, None, a.mag, tags_of(a, extra=["reduction", "nonsmooth"]))
    if n <= 6:
        b = a if a.mag <= 1.5 else E(f"np.cos({a.text})", a.shape, 1.0,
                                     tags_of(a, extra=["ufunc"]))
        return E(f"np.prod({b.text})", None, b.mag ** n, tags_of(b, extra=["reduction"]))
    return E(f"np.mean({a.text})", None, a.mag, tags_of(a, extra=["reduction"]))


def any_array(g, depth):
    """An array expression of a shape in scope (or a common one)."""
    shapes = [v.shape for v in g.vars("array")] or [(3,), (2, 3)]
    return g.array(g.choice(shapes), max(depth - 1, 0))


def scalar(g, depth=2):
    def leaf():
        return g.leaf(None)

    def const():
        c = g.const(-2.0, 2.0)
        return E(repr(c), None, abs(c))

    def from_int():
        ints = g.vars("int")
        if not ints:
            return None
        v = g.choice(ints)
        hi = max(abs(v.hi), abs(v.lo), 1)
        if g.chance(0.5):
            c = g.const(0.1, 0.5)
            return E(f"{c} * {v.name}", None, c * hi, frozenset(["arith"]))
        return E(f"float({v.name})", None, hi, frozenset(["builtin_float"]))

    def reduce():
        return g.tame(reduce_all(g, any_array(g, depth)))

    def item():
        arrays = g.vars("array")
        if not arrays:
            return None
        v = g.choice(arrays)
        if len(v.shape) == 1:
            return E(f"{v.name}[{g.index(v.shape[0])}]", None, v.mag, frozenset(["index_int"]))
        i, j = g.index(v.shape[0]), g.index(v.shape[1])
        text = f"{v.name}[{i}][{j}]" if g.chance(0.3) else f"{v.name}[{i}, {j}]"
        return E(text, None, v.mag, frozenset(["index_int"]))

    def dot():
        vecs = [v for v in g.vars("array") if len(v.shape) == 1]
        if not vecs:
            return None
        v = g.choice(vecs)
        w = g.array(v.shape, depth - 1)
        form = g.choice(["{} @ ({})", "np.dot({}, {})", "{}.dot({})"])
        return g.tame(E(form.format(v.name, w.text), None,
                        v.shape[0] * v.mag * w.mag, tags_of(w, extra=["matmul"])))

    def un():
        e = scalar(g, depth - 1)
        if g.chance(0.35):
            text, bound = g.choice(MATH_UNARY)
            return E(text.format(e.text), None, bound(e.mag), tags_of(e, extra=["math"]))
        return unary(g, e)

    def bin_():
        return g.tame(binop(g, scalar(g, depth - 1), scalar(g, depth - 1)))

    def builtin():
        r = g.rng.random()
        if r < 0.4:
            a, b = scalar(g, depth - 1), scalar(g, depth - 1)
            fn = g.choice(["max", "min"])
            return E(f"{fn}({a.text}, {b.text})", None, max(a.mag, b.mag),
                     tags_of(a, b, extra=["builtin_min_max", "nonsmooth"]))
        if r < 0.6:
            e = scalar(g, depth - 1)
            return E(f"abs({e.text})", None, e.mag, tags_of(e, extra=["builtin_abs", "nonsmooth"]))
        if r < 0.8:
            vecs = [v for v in g.vars("array") if len(v.shape) == 1]
            if not vecs:
                return None
            v = g.choice(vecs)
            return g.tame(E(f"sum({v.name})", None, v.shape[0] * v.mag,
                            frozenset(["builtin_sum"])))
        arrays = g.vars("array")
        if not arrays:
            return None
        v = g.choice(arrays)
        e = scalar(g, depth - 1)
        return E(f"({e.text}) / len({v.name})", None, e.mag, tags_of(e, extra=["builtin_len"]))

    def comprehension():
        arrays = g.vars("array")
        if not arrays:
            return None
        v = g.choice(arrays)
        item_shape = None if len(v.shape) == 1 else v.shape[1:]
        name = g.fresh(g.choice(["t", "v", "r", "item"]) if item_shape is None else "row")
        from .exprs import Var
        g.scopes.append({})
        g.bind(Var(name, "float" if item_shape is None else "array", item_shape, v.mag,
                   fixed=True, view=item_shape is not None))
        item = E(name, item_shape, v.mag)
        r = g.rng.random()
        if r < 0.4:
            body = unary(g, item)
        elif r < 0.8:
            body = binop(g, item, g.expr(item_shape, 0))
        else:
            body = g.expr(item_shape, 1)
        if item_shape is not None:
            body = reduce_all(g, body)
        g.scopes.pop()
        g.used_names.discard(name)
        fn = g.choice(["sum", "sum", "max", "min"])
        tags = {"genexp"}
        if fn != "sum":
            tags |= {"builtin_min_max", "nonsmooth"}
        else:
            tags.add("builtin_sum")
        filt = ""
        if item_shape is None and fn == "sum" and g.chance(0.25):
            filt = f" if {name} > {g.const(-0.5, 0.5)}"
            tags.add("nonsmooth")
        inner = f"{body.text} for {name} in {v.name}{filt}"
        if g.chance(0.35):
            tags = (tags - {"genexp"}) | {"listcomp"}
            inner = f"[{inner}]"
        return g.tame(E(f"{fn}({inner})", None, v.shape[0] * body.mag,
                        tags_of(body, extra=tags)))

    def ifexp():
        c = cond(g, depth - 1)
        a, b = scalar(g, depth - 1), scalar(g, depth - 1)
        return E(f"({a.text}) if ({c.text}) else ({b.text})", None, max(a.mag, b.mag),
                 tags_of(c, a, b, extra=["ifexp"]))

    def masked():
        arrays = g.vars("array")
        if not arrays:
            return None
        v = g.choice(arrays)
        c = g.const(-0.5, 0.5)
        if g.chance(0.5):
            return g.tame(E(f"np.sum({v.name}[{v.name} > {c}])", None, size(v.shape) * v.mag,
                            frozenset(["index_mask", "nonsmooth"])))
        k = g.const(0.1, 0.5)
        return g.tame(E(f"np.sum(np.where({v.name} > {c}, {v.name}, {k} * {v.name}))", None,
                        size(v.shape) * v.mag, frozenset(["where", "nonsmooth"])))

    def fancy():
        vecs = [v for v in g.vars("array") if len(v.shape) == 1]
        if not vecs:
            return None
        v = g.choice(vecs)
        idx = g.index_list(v.shape[0], g.rng.randrange(2, 5))
        tags = {"index_array"} | ({"index_repeat"} if len(set(idx)) < len(idx) else set())
        return g.tame(E(f"np.sum({v.name}[{idx}])", None, len(idx) * v.mag, frozenset(tags)))

    def call():
        return g.call_func(None, depth)

    if depth <= 0:
        return g.pick([(5, leaf), (1, const), (1, from_int), (4, item), (1.5, reduce)]) or const()
    return g.pick([(5, leaf), (2, const), (1, from_int), (3, reduce), (2, item), (1, dot),
                   (3, un), (3, bin_), (1, builtin), (1, comprehension), (0.6, ifexp),
                   (0.5, masked), (0.4, fancy), (1.2, call)]) or const()


def cond(g, depth=1):
    """A condition (shape "bool")."""
    def on_data():
        a = g.live(None, max(depth, 0))
        c = g.const(-1.0, 1.0)
        op = g.choice([">", "<", ">=", "<="])
        if g.chance(0.3):
            b = scalar(g, 0)
            return E(f"({a.text}) {op} ({b.text})", "bool", 1, tags_of(a, b, extra=["if_data"]))
        return E(f"({a.text}) {op} {c}", "bool", 1, tags_of(a, extra=["if_data"]))

    def chained():
        a = scalar(g, max(depth - 1, 0))
        lo = g.const(-1.5, 0.0)
        hi = g.const(0.1, 1.5)
        return E(f"{lo} < ({a.text}) < {hi}", "bool", 1,
                 tags_of(a, extra=["chained_cmp", "if_data"]))

    def on_ints():
        options = []
        for v in g.vars("int"):
            options += [f"{v.name} % 2 == 0", f"{v.name} == {v.lo}", f"{v.name} > {v.lo}"]
        for v in g.vars("array"):
            options += [f"len({v.name}) > 3", f"{v.name}.shape[0] == {v.shape[0]}",
                        f"{v.name}.ndim == 2"]
        for name, (shape, text) in g.module_consts.items():
            if shape == "bool":
                options += [name, f"not {name}"]
        for v in g.vars("float"):
            if v.info.get("param"):
                options.append(f"isinstance({v.name}, float)")
        if not options:
            return None
        text = g.choice(options)
        tags = {"if_const"} | ({"not"} if text.startswith("not") else set()) | \
            ({"global_const"} if any(n in text for n in g.module_consts) else set())
        return E(text, "bool", 1, frozenset(tags))

    def combined():
        a, b = cond(g, depth - 1), cond(g, depth - 1)
        op = g.choice(["and", "or"])
        return E(f"({a.text}) {op} ({b.text})", "bool", 1, tags_of(a, b, extra=["boolop"]))

    def negated():
        a = cond(g, depth - 1)
        return E(f"not ({a.text})", "bool", 1, tags_of(a, extra=["not"]))

    if depth <= 0:
        return g.pick([(3, on_data), (1, on_ints)])
    return g.pick([(4, on_data), (1, chained), (1.5, on_ints), (1, combined), (0.5, negated)])
