"""Random `for` and `while` loops: over ranges (bounds known only at run time too), rows,
elements, lists and tuples, `enumerate`, `zip`, `reversed`, dicts; with accumulators, lists
appended to, and guarded break / continue / return. Functions of a `generate.Gen`."""

from .exprs import Var


def _int(g, name, lo, hi):
    return Var(name, "int", lo=lo, hi=hi, fixed=True)


def _range_const(g):
    k = g.rng.randint(2, 5)
    i = g.fresh(g.choice(["i", "j", "t"]))
    r = g.rng.random()
    if r < 0.5:
        return f"for {i} in range({k}):", {"for_range"}, [_int(g, i, 0, k - 1)], k
    if r < 0.7:
        return f"for {i} in range(1, {k}):", {"for_range"}, [_int(g, i, 1, k - 1)], k - 1
    if r < 0.85:
        return (f"for {i} in range({k - 1}, -1, -1):", {"for_range", "range_step"},
                [_int(g, i, 0, k - 1)], k)
    return (f"for {i} in range(0, {k}, 2):", {"for_range", "range_step"},
            [_int(g, i, 0, k - 1)], len(range(0, k, 2)))


def _range_runtime(g):
    arrays = g.vars("array")
    ints = [v for v in g.vars("int") if v.info.get("param") or v.name.startswith(("rows", "cols"))]
    i = g.fresh(g.choice(["i", "j", "k"]))
    tags = {"for_range", "range_runtime"}
    if ints and g.chance(0.4):
        n = g.choice(ints)
        if n.hi < 1:
            return None
        if g.chance(0.7):
            return f"for {i} in range({n.name}):", tags, [_int(g, i, 0, n.hi - 1)], n.lo
        return (f"for {i} in range({n.name} - 1, -1, -1):", tags | {"range_step"},
                [_int(g, i, 0, n.hi - 1)], n.lo)
    if not arrays:
        return None
    a = g.choice(arrays)
    d = a.shape[0]
    r = g.rng.random()
    if r < 0.35:
        return (f"for {i} in range(len({a.name})):", tags | {"builtin_len"},
                [_int(g, i, 0, d - 1)], d)
    if r < 0.6:
        return f"for {i} in range({a.name}.shape[0]):", tags, [_int(g, i, 0, d - 1)], d
    if r < 0.8:
        return (f"for {i} in range(1, len({a.name})):", tags | {"builtin_len"},
                [_int(g, i, 1, d - 1)], d - 1)
    e = a.shape[-1]
    return (f"for {i} in range({a.name}.shape[-1] - 1, -1, -1):", tags | {"range_step"},
            [_int(g, i, 0, e - 1)], e)


def _item_var(g, seq, name=None):
    """The loop variable for items of the array `seq` (a float, or a row: a view)."""
    if len(seq.shape) == 1:
        return Var(name or g.fresh(g.choice(["v", "xi", "val"])), "float", None, seq.mag,
                   fixed=True)
    return Var(name or g.fresh(g.choice(["row", "r", "w_row"])), "array", seq.shape[1:], seq.mag,
               fixed=True, view=True, group=seq.group)


def _rows(g):
    arrays = g.vars("array")
    if not arrays:
        return None
    a = g.choice(arrays)
    if len(a.shape) == 2 and a.shape[1] == 2 and g.chance(0.3):
        p, q = g.fresh("a"), g.fresh("b")
        items = [Var(n, "float", None, a.mag, fixed=True) for n in (p, q)]
        return f"for {p}, {q} in {a.name}:", {"for_rows", "tuple_unpack"}, items, a.shape[0]
    item = _item_var(g, a)
    tag = "for_rows" if len(a.shape) == 2 else "for_elements"
    return f"for {item.name} in {a.name}:", {tag}, [item], a.shape[0]


def _enumerate(g):
    seqs = g.vars("array") + [v for v in g.vars("list") if v.exact and v.length]
    if not seqs:
        return None
    a = g.choice(seqs)
    start = g.choice([0, 1, 2])
    i = g.fresh(g.choice(["i", "k", "idx"]))
    if a.kind == "list":
        item = Var(g.fresh("item"), "float" if a.shape is None else "array", a.shape, a.mag,
                   fixed=True)
        n = a.length
    else:
        item = _item_var(g, a)
        n = a.shape[0]
    tags = {"enumerate"} | ({"enumerate_start"} if start else set())
    src = f"enumerate({a.name}, start={start})" if start and g.chance(0.6) else (
        f"enumerate({a.name}, {start})" if start else f"enumerate({a.name})")
    return f"for {i}, {item.name} in {src}:", tags, [_int(g, i, start, start + n - 1), item], n


def _zip(g):
    arrays = g.vars("array")
    if len(arrays) < 1:
        return None
    a, b = g.choice(arrays), g.choice(arrays)
    ia, ib = _item_var(g, a), _item_var(g, b)
    n = min(a.shape[0], b.shape[0])
    if g.chance(0.25):
        i = g.fresh("i")
        return (f"for {i}, ({ia.name}, {ib.name}) in enumerate(zip({a.name}, {b.name})):",
                {"zip", "enumerate"}, [_int(g, i, 0, n - 1), ia, ib], n)
    return f"for {ia.name}, {ib.name} in zip({a.name}, {b.name}):", {"zip"}, [ia, ib], n


def _reversed(g):
    arrays = g.vars("array")
    if not arrays:
        return None
    a = g.choice(arrays)
    if g.chance(0.5):
        item = _item_var(g, a)
        return f"for {item.name} in reversed({a.name}):", {"reversed"}, [item], a.shape[0]
    i = g.fresh("i")
    d = a.shape[0]
    return (f"for {i} in reversed(range(len({a.name}))):", {"reversed", "for_range",
            "range_runtime", "builtin_len"}, [_int(g, i, 0, d - 1)], d)


def _over_list(g, lst=None):
    lists = g.vars("list")
    if not lists:
        return None
    lst = lst or g.choice(lists)
    item = Var(g.fresh("item"), "float" if lst.shape is None else "array", lst.shape, lst.mag,
               fixed=True)
    return (f"for {item.name} in {lst.name}:", {"for_list"}, [item],
            lst.length if lst.exact else None)


def _over_tuple(g):
    vals = [v for v in g.vars() if v.kind in ("float", "array")]
    if not vals:
        return None
    a = g.choice(vals)
    others = [v for v in vals if v.shape == a.shape and v is not a]
    b = g.choice(others) if others else None
    second = b.name if b else g.tame(g.live(a.shape, 1)).text
    item = Var(g.fresh(g.choice(["w", "term", "part"])), a.kind, a.shape, a.mag, fixed=True)
    return f"for {item.name} in ({a.name}, {second}):", {"for_tuple"}, [item], 2


def for_stmt(g, header=None):
    dicts = g.vars("dict")
    if header is None and dicts and g.chance(0.3):
        g.dict_loop(g.choice(dicts))
        return True
    header = header or g.pick([(3, lambda: _range_const(g)), (2.5, lambda: _range_runtime(g)),
                     (2.5, lambda: _rows(g)), (1.2, lambda: _enumerate(g)), (1, lambda: _zip(g)),
                     (1, lambda: _reversed(g)), (2.5, lambda: _over_list(g)),
                     (0.5, lambda: _over_tuple(g))])
    if header is None:
        header = _range_const(g)
    text, tags, items, trips = header
    acc = None
    if g.chance(0.45):
        acc = g.accumulator(g.choice([None, None] + [v.shape for v in g.vars("array")]))
    appended = None
    if g.in_f() and g.chance(0.3):
        appended = g.fresh(g.choice(["hs", "history", "outs"]))
        g.emit(f"{appended} = []", {"list"})
    if g.loop_depth:
        tags = tags | {"nested_loop"}
    g.emit(text, tags)
    exit_kind = None
    item_shape = None
    with g.block(loop=True):
        for v in items:
            g.bind(v)
        g.hot = {v.name for v in items}
        if acc is not None:
            rhs = g.tame(g.live(acc.shape, 1), 1.5)
            g.emit(f"{acc.name} += {rhs.text}", rhs.tags | {"aug_name"})
            acc.mag += 1.5 * (trips or 6)
        if appended:
            item_shape = g.target_shape()
            e = g.tame(g.live(item_shape, 1))
            g.emit(f"{appended}.append({e.text})", e.tags | {"list_append"})
        exit_kind = g.loop_body(items, g.rng.randint(1, 3))
    if appended:
        g.bind(Var(appended, "list", item_shape, 8.0, length=trips if trips else 1,
                   exact=bool(trips) and exit_kind != "break"))
        if g.budget > 0 and g.chance(0.6):
            g.use_list(g.visible()[appended])
    return True


def while_stmt(g):
    k = g.fresh(g.choice(["k", "it", "step", "count"]))
    n = g.rng.randint(2, 5)
    g.emit(f"{k} = 0")
    r = g.rng.random()
    tags = {"while"}
    if r < 0.4:
        g.emit(f"while {k} < {n}:", tags)
        form = "counted"
    elif r < 0.65:
        c = g.cond(0)
        g.emit(f"while {k} < {n} and ({c.text}):", tags | c.tags | {"boolop"})
        form = "data"
    else:
        g.emit("while True:", tags | {"while_true"})
        form = "true"
    with g.block(loop=True):
        g.emit(f"{k} += 1", {"aug_name"})
        g.bind(Var(k, "int", lo=1, hi=n, fixed=True))
        check_first = form == "true" and g.chance(0.4)
        if check_first:
            _while_true_exit(g, k, n)
        # a `continue` before the test at the end of a `while True:` would never reach it
        exits = ("break", "return") if form == "true" and not check_first else \
            ("break", "continue", "return")
        g.loop_body([], g.rng.randint(1, 3), exits)
        if form == "true" and not check_first:
            _while_true_exit(g, k, n)
    return True


def _while_true_exit(g, k, n):
    if g.chance(0.5):
        c = g.cond(0)
        g.emit(f"if {k} >= {n} or ({c.text}):", c.tags | {"if", "boolop"})
    else:
        g.emit(f"if {k} >= {n}:", {"if"})
    with g.block():
        g.emit("break", {"break"})

