"""frontend/desugar: structured break/continue/return, returns last, comprehensions.

The oracle is Python itself: a desugared function, with its annotations spelled out
as the SSA pass will read them (`plain_python`), must do what the original does, on
a table of functions and on random programs of loops, branches and exits.
"""

import ast
import copy
import inspect
import pathlib
import random
import textwrap

import doctest

import gast
import pytest
from hypothesis import given, settings, strategies as st

import sourcead.frontend.desugar

from sourcead.frontend.desugar import desugar
from sourcead.frontend.source import parse_function

LOOPS = (gast.For, gast.While)


# -- helpers (test_liveness uses them too) -------------------------------------------

def parse(src):
    return gast.parse(textwrap.dedent(src)).body[0]


def unparse(node):
    if isinstance(node, list):
        node = gast.Module(body=node, type_ignores=[])
    return ast.unparse(gast.gast_to_ast(node))


def desugared(src):
    return unparse(desugar(parse(src)))


def all_nodes(node):
    """Every node of `node`, and of the comprehensions' `sad_loop` in it."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo += list(gast.iter_child_nodes(n)) + list(getattr(n, "sad_loop", None) or ())


class DeadRead(Exception):
    """A name that liveness said is dead was read."""


class _Dead:
    def _read(self, *args, **kwargs):
        raise DeadRead()

    __bool__ = __index__ = __int__ = __float__ = __iter__ = __len__ = __call__ = _read
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __mod__ = __rmod__ = _read
    __truediv__ = __floordiv__ = __pow__ = __neg__ = __getitem__ = __setitem__ = _read
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _read
    __hash__ = None


DEAD = _Dead()


class RunsAway(Exception):
    """A desugared loop ran far longer than any of the test programs' loops."""


_ticks = [0]


def _tick():
    _ticks[0] += 1
    if _ticks[0] > 100_000:
        raise RunsAway()


def local_names(fn):
    names = {a.id for a in gast.walk(fn.args) if isinstance(a, gast.Name)}
    todo = list(fn.body)
    while todo:
        n = todo.pop()
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            names.add(n.id)
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            names.add(getattr(n, "name", "<lambda>"))
            continue
        todo += list(gast.iter_child_nodes(n)) + list(getattr(n, "sad_loop", None) or ())
    return names


def plain_python(fn, clobber=False):
    """Desugar's output as plain Python, the way the SSA pass reads it: each loop clears
    its `sad_clear` flags at the start of an iteration and leaves at its end when its
    `sad_exit` flag is set (and counts its iterations, to fail rather than hang); a
    comprehension is evaluated by running its `sad_loop` and reading `sad_result`. With `clobber` (liveness annotated), every local name
    that is not live is overwritten by DEAD where liveness says it is dead."""
    fn = copy.deepcopy(fn)
    fn.body = _Plain(local_names(fn) if clobber else None).block(fn.body)
    return fn


class _Plain:
    def __init__(self, names):
        self.names = names

    def kill(self, live, src):
        dead = sorted(self.names - set(live)) if self.names is not None else []
        if not dead:
            return []
        return [gast.copy_location(gast.Assign(
            targets=[gast.Name(n, gast.Store(), None, None) for n in dead],
            value=gast.Name("DEAD", gast.Load(), None, None), type_comment=None), src)]

    def block(self, stmts):
        out = []
        for s in stmts:
            before = []
            if isinstance(s, gast.While):
                # the test's comprehensions run before each evaluation of the test
                check = []
                test = self.hoisted(s.test, check)
                s.test = gast.Constant(True, None)
                leave = gast.If(gast.UnaryOp(gast.Not(), test), [gast.Break()], [])
                s.body = check + [leave] + s.body
            else:
                self.hoist(s, before)
            if isinstance(s, LOOPS):
                start = [gast.Assign([gast.Name(f, gast.Store(), None, None)],
                                     gast.Constant(False, None), None) for f in s.sad_clear]
                if self.names is not None:
                    bound = {n.id for n in gast.walk(s.target) if isinstance(n, gast.Name)} \
                        if isinstance(s, gast.For) else set()
                    start += self.kill(s.sad_live_head | bound | set(s.sad_clear), s)
                start.append(gast.Expr(gast.Call(gast.Name("TICK", gast.Load(), None, None),
                                                 [], [])))
                if isinstance(s, gast.While):   # after the test
                    s.body = s.body[:len(check) + 1] + start + self.block(s.body[len(check) + 1:])
                else:
                    s.body = start + self.block(s.body)
                if s.sad_exit:
                    s.body.append(gast.If(gast.Name(s.sad_exit, gast.Load(), None, None),
                                          [gast.Break()], []))
                s.orelse = self.block(s.orelse)
            else:
                for field in ("body", "orelse", "finalbody"):
                    if isinstance(getattr(s, field, None), list) and \
                            not isinstance(s, (gast.FunctionDef, gast.ClassDef)):
                        setattr(s, field, self.block(getattr(s, field)))
            after = [] if isinstance(s, gast.Return) else self.kill(s.sad_live_out, s) \
                if self.names is not None else []
            out += before + [s] + after
        return out

    def hoist(self, node, before):
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                setattr(node, field, [self.hoisted(v, before) if isinstance(v, gast.AST) else v
                                      for v in value])
            elif isinstance(value, gast.AST):
                setattr(node, field, self.hoisted(value, before))

    def hoisted(self, node, before):
        if isinstance(node, (gast.stmt, gast.Lambda, gast.excepthandler, gast.arguments)):
            return node
        if getattr(node, "sad_loop", None) is not None:
            before += self.block(node.sad_loop)
            return gast.Name(node.sad_result, gast.Load(), None, None)
        self.hoist(node, before)
        return node


def compiled(fn, namespace=None):
    """The function a gast FunctionDef defines, compiled in `namespace`."""
    module = ast.fix_missing_locations(gast.gast_to_ast(gast.Module(body=[fn], type_ignores=[])))
    ns = dict(namespace or {})
    ns["DEAD"], ns["TICK"] = DEAD, _tick
    exec(compile(module, "<desugared>", "exec"), ns)
    return ns[fn.name]


def outcome(f, args):
    """What calling f does: its result and its arguments afterwards, or what it raises."""
    args = copy.deepcopy(args)
    _ticks[0] = 0
    try:
        value = f(*args)
    except DeadRead:
        return ("read a dead name",)
    except RunsAway:
        return ("runs away",)
    except Exception as e:   # the same error either way is fine
        return ("raises", type(e).__name__)
    if any(v is DEAD for v in _leaves((value, args))):
        return ("returned a dead name",)
    return ("returns", value, args)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    elif isinstance(x, dict):
        yield from _leaves(list(x.values()))
    else:
        yield x


def check_same(original, node, inputs, namespace=None, clobber=False):
    f = compiled(plain_python(node, clobber), namespace)
    for args in inputs:
        assert outcome(f, args) == outcome(original, args), (args, unparse(node))


# -- random programs ------------------------------------------------------------------

class RandomPrograms:
    """Random functions of (n, a, b) made of assignments, item writes, comprehensions,
    ifs, for and while loops (with else), and break / continue / return anywhere they
    are legal. Every loop ends: a while loop counts its iterations first thing."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.count = 0

    def source(self):
        body = []
        while not 8 <= len(body) <= 70:   # big enough to combine constructs, small to run
            self.count = 0
            body = self.block(1, [], False, 0, most=6)
        return "\n".join(["def f(n, a, b):", "    x = 0", "    y = 1", "    arr = [0, 0, 0]"]
                         + body + ["    return x, y, arr"]) + "\n"

    def fresh(self, base):
        self.count += 1
        return f"{base}{self.count}"

    def value(self, names):
        r = self.rng
        atoms = ["x", "y", "a", "b", "n", str(r.randint(0, 3))] + names
        e = r.choice(atoms)
        return f"{e} {r.choice('+-')} {r.choice(atoms)}" if r.random() < 0.5 else e

    def cond(self, names):
        r = self.rng
        if r.random() < 0.3:
            return f"({self.value(names)}) % 2 == 0"
        return f"{self.value(names)} {r.choice(['<', '>', '==', '!=', '>='])} {self.value(names)}"

    def bound(self):
        return self.rng.choice(["n", "2", "b % 3", "a % 3"])

    def block(self, indent, names, in_loop, depth, most=3):
        lines = []
        for _ in range(self.rng.randint(1, most)):
            lines += self.statement(indent, names, in_loop, depth)
        return lines

    def statement(self, indent, names, in_loop, depth):
        pad, r = "    " * indent, self.rng
        kinds = ["assign"] * 4 + ["aug", "item", "comp", "if", "if", "return", "if_return"]
        if depth < 3:
            kinds += ["for", "for", "while", "while_true"]
        if in_loop:
            kinds += ["break", "continue", "if_break", "if_break", "if_continue", "if_else_exit"]
        kind = r.choice(kinds)
        v, c = self.value, self.cond
        if kind == "assign":
            return [f"{pad}{r.choice('xy')} = ({v(names)} * {v(names)}) % 97"]
        if kind == "aug":
            return [f"{pad}{r.choice('xy')} += {v(names)}"]
        if kind == "item":
            return [f"{pad}arr[({v(names)}) % 3] {r.choice(['+=', '-=', '='])} {v(names)}"]
        if kind == "comp":
            k, m = self.fresh("k"), self.fresh("m")
            forms = [f"x = (x + sum({v(names + [k])} for {k} in range({self.bound()}) "
                     f"if {c(names + [k])})) % 97",
                     f"y = (y + len([{k} for {k} in range(n) if {k} != a])) % 97",
                     f"x = (x + sum({{{k}: {k} * a for {k} in range(3)}}.values())) % 97",
                     f"y = (y + sum(sum({k} * {m} for {m} in range({k})) for {k} in range(n))) % 97",
                     "x = (x + sum(x * 2 for x in range(n))) % 97"]   # its own x
            if names:
                i = r.choice(names)
                forms.append(f"y = (y + len([{i} for {i} in range({i}) if {i} > a])) % 97")
            return [pad + r.choice(forms)]
        if kind == "if":
            lines = [f"{pad}if {c(names)}:"] + self.block(indent + 1, names, in_loop, depth + 1)
            if r.random() < 0.5:
                lines += [f"{pad}else:"] + self.block(indent + 1, names, in_loop, depth + 1)
            return lines
        if kind == "return":
            return [f"{pad}return {r.choice([v(names), f'({v(names)}, arr)'])}"]
        if kind == "if_return":
            return [f"{pad}if {c(names)}:", f"{pad}    return {v(names)}"]
        if kind == "break" or kind == "continue":
            return [pad + kind]
        if kind in ("if_break", "if_continue"):
            return [f"{pad}if {c(names)}:", f"{pad}    {kind[3:]}"]
        if kind == "if_else_exit":
            return [f"{pad}if {c(names)}:", f"{pad}    {r.choice(['break', 'continue'])}",
                    f"{pad}else:"] + self.block(indent + 1, names, in_loop, depth + 1)
        if kind == "for":
            i = self.fresh("i")
            lines = [f"{pad}for {i} in range({self.bound()}):"] + \
                self.block(indent + 1, names + [i], True, depth + 1)
        elif kind == "while":
            j = self.fresh("j")
            lines = [f"{pad}{j} = 0", f"{pad}while {j} < {self.bound()}:", f"{pad}    {j} += 1"] \
                + self.block(indent + 1, names + [j], True, depth + 1)
        else:
            j = self.fresh("j")
            lines = [f"{pad}{j} = 0", f"{pad}while True:", f"{pad}    {j} += 1",
                     f"{pad}    if {j} > {self.bound()}:", f"{pad}        break"] + \
                self.block(indent + 1, names + [j], True, depth + 1)
        if r.random() < 0.3:   # the else clause belongs to the loop around this one
            lines += [f"{pad}else:"] + self.block(indent + 1, names, in_loop, depth + 1)
        return lines


PROGRAM_INPUTS = [(n, a, b) for n in (0, 1, 3) for a in (-1, 2) for b in (0, 4)]


def random_program(seed):
    """(source, function) of the random program number `seed`."""
    src = RandomPrograms(seed).source()
    namespace = {}
    exec(compile(src, f"<program {seed}>", "exec"), namespace)
    return src, namespace["f"]


# -- the transformed source, construct by construct ------------------------------------

def test_docstring_is_dropped_and_a_body_that_falls_through_returns_none():
    assert desugared('''
        def f(x):
            """What f does."""
            y = x
    ''') == "def f(x):\n    y = x\n    return None"
    assert desugared('def f():\n    "only a docstring"\n') == "def f():\n    return None"


def test_augmented_assignment_stays_for_the_lowering():
    # whether `x[i] += v` writes into an array held by a list (xs[0] += v: in place) or
    # stores x[i] + v is decided where x's value is known
    src = '''
        def f(x, i, v, o):
            x[i] += v
            x[i, 0] *= 2
            v -= 1
            o.a += 1
            return x'''
    assert desugared(src) == textwrap.dedent(src).strip("\n")


def test_if_break_sets_the_flag_and_the_rest_runs_under_it():
    out = desugar(parse('''
        def f(xs):
            s = 0
            for x in xs:
                if x < 0:
                    break
                s += x
            return s
    '''))
    assert unparse(out) == textwrap.dedent('''\
        def f(xs):
            s = 0
            stop = False
            for x in xs:
                stop = x < 0
                if not stop:
                    s += x
            return s''')
    loop = out.body[2]
    assert loop.sad_exit == "stop" and loop.sad_clear == ["stop"]


def test_continue_and_break_in_one_loop():
    out = desugar(parse('''
        def f(xs):
            s = 0
            for x in xs:
                if x == 0:
                    continue
                s += x
                if s > 10:
                    s = 10
                    break
                s += 1
            return s
    '''))
    assert unparse(out) == textwrap.dedent('''\
        def f(xs):
            s = 0
            stop = False
            for x in xs:
                skip = x == 0
                if not skip:
                    s += x
                    if s > 10:
                        s = 10
                        stop = True
                    if not stop:
                        s += 1
            return s''')
    loop = out.body[2]
    assert loop.sad_exit == "stop" and loop.sad_clear == ["stop", "skip"]


def test_a_statement_that_may_set_both_flags_guards_with_both():
    assert desugared('''
        def f(xs):
            for x in xs:
                if x:
                    break
                else:
                    continue
                    x = 1
                g(x)
    ''') == textwrap.dedent('''\
        def f(xs):
            stop = False
            for x in xs:
                if x:
                    stop = True
                else:
                    skip = True
                if not (stop or skip):
                    g(x)
            return None''')


def test_loop_after_loop_has_its_own_flag_or_none():
    out = desugar(parse('''
        def f(n):
            for i in range(n):
                if i >= 1:
                    break
            k = 0
            while k < n:
                k += 1
            for j in range(n):
                break
            return k
    '''))
    first, second, third = [s for s in out.body if isinstance(s, LOOPS)]
    assert (first.sad_exit, first.sad_clear) == ("stop", ["stop"])
    assert (second.sad_exit, second.sad_clear) == (None, [])
    assert (third.sad_exit, third.sad_clear) == ("stop_1", ["stop_1"])
    assert "stop" not in unparse(second)


def test_return_in_a_loop():
    assert desugared('''
        def f(xs):
            for x in xs:
                if x > 0:
                    return x
                g(x)
            return -1
    ''') == textwrap.dedent('''\
        def f(xs):
            returned = False
            result = None
            stop = False
            for x in xs:
                if x > 0:
                    result = x
                    returned = True
                    stop = True
                if not stop:
                    g(x)
            if returned:
                return result
            else:
                return -1''')


def test_return_in_an_inner_loop_stops_the_outer_one():
    out = desugar(parse('''
        def f(m):
            for row in m:
                for v in row:
                    if v:
                        return v
                    break
                h(row)
            return 0
    '''))
    assert unparse(out) == textwrap.dedent('''\
        def f(m):
            returned = False
            result = None
            stop = False
            for row in m:
                stop_1 = False
                for v in row:
                    if v:
                        result = v
                        returned = True
                        stop_1 = True
                    if not stop_1:
                        stop_1 = True
                stop = returned
                if not stop:
                    h(row)
            if returned:
                return result
            else:
                return 0''')
    outer = out.body[3]
    inner = outer.body[1]
    assert (outer.sad_exit, inner.sad_exit) == ("stop", "stop_1")


def test_for_else_and_while_else():
    assert desugared('''
        def f(xs):
            for x in xs:
                if x:
                    break
            else:
                x = 0
            while g(x):
                x += 1
            else:
                x = -x
            return x
    ''') == textwrap.dedent('''\
        def f(xs):
            stop = False
            for x in xs:
                stop = x
            if not stop:
                x = 0
            while g(x):
                x += 1
            x = -x
            return x''')


def test_break_in_an_inner_loops_else_leaves_the_outer_loop():
    out = desugar(parse('''
        def f(m):
            for row in m:
                for v in row:
                    if v:
                        break
                else:
                    break
            return row
    '''))
    outer = out.body[1]
    assert outer.sad_exit == "stop" and outer.body[1].sad_exit == "stop_1"
    assert unparse(outer.body[2:]) == "stop = not stop_1"   # `if not stop_1: break`


def test_returns_outside_loops_end_their_blocks():
    assert desugared('''
        def f(x):
            if x > 0:
                y = 1
                if x > 5:
                    return 5
            elif x < 0:
                return -1
                y = 2
            y = y + x
            return y
            x = 0
    ''') == textwrap.dedent('''\
        def f(x):
            if x > 0:
                y = 1
                if x > 5:
                    return 5
                else:
                    y = y + x
                    return y
            elif x < 0:
                return -1
            else:
                y = y + x
                return y''')


def test_an_if_whose_branches_all_return_ends_the_function():
    assert desugared('''
        def f(x):
            if x:
                return 1
            else:
                return 2
            return 3
    ''') == "def f(x):\n    if x:\n        return 1\n    else:\n        return 2"


def test_early_return_before_a_loop_and_falling_off_after_it():
    assert desugared('''
        def f(xs):
            if not xs:
                return 0
            s = 0
            for x in xs:
                s += x
    ''') == textwrap.dedent('''\
        def f(xs):
            if not xs:
                return 0
            else:
                s = 0
                for x in xs:
                    s += x
                return None''')


def test_copied_continuations_are_copies_with_the_original_locations():
    out = desugar(parse('''
        def f(x):
            if x:
                x = 1
                if x > 2:
                    return 0
            else:
                x = 2
            y = x + 1
            return y
    '''))
    first = out.body[0].body[1].orelse[0]    # y = x + 1, after the inner if
    second = out.body[0].orelse[1]
    assert unparse(first) == unparse(second) == "y = x + 1"
    assert first is not second and first.value is not second.value
    assert first.lineno == second.lineno == 9   # the source starts with a blank line


def test_comprehensions_carry_the_loop_that_builds_them():
    out = desugar(parse('''
        def f(xs, k):
            ys = [x * k for x in xs if x > 0]
            t = sum(x * y for x in xs for y in ys)
            d = {k: v for k, v in zip(xs, ys)}
            return ys, t, d
    '''))
    ys, t, d = (s.value for s in out.body[:3])
    assert ys.sad_result == "items" and unparse(ys.sad_loop) == textwrap.dedent('''\
        items = []
        for x_1 in xs:
            if x_1 > 0:
                items.append(x_1 * k)''')
    gen = t.args[0]
    assert unparse(gen.sad_loop) == textwrap.dedent('''\
        items_1 = []
        for x_2 in xs:
            for y in ys:
                items_1.append(x_2 * y)''')
    # k is the function's parameter: the dict comprehension's own k is renamed; its v
    # appears nowhere else, so it keeps its name
    # (compared as trees: Python 3.10 unparses the target as `(k_1, v)`)
    assert d.sad_result == "entries" and ast.dump(ast.parse(unparse(d.sad_loop))) == \
        ast.dump(ast.parse(textwrap.dedent('''\
            entries = {}
            for k_1, v in zip(xs, ys):
                entries[k_1] = v''')))
    assert unparse(ys) == "[x_1 * k for x_1 in xs if x_1 > 0]"   # the node renamed too
    for loop in (ys.sad_loop[1], gen.sad_loop[1], gen.sad_loop[1].body[0]):
        assert loop.sad_exit is None and loop.sad_clear == []


def test_a_comprehensions_first_iterable_is_read_in_the_enclosing_scope():
    out = desugar(parse('''
        def f(x):
            return [x + 1 for x in x]
    '''))
    assert unparse(out.body[0].value.sad_loop[1]) == \
        "for x_1 in x:\n    items.append(x_1 + 1)"


def test_nested_comprehensions_and_a_comprehension_in_a_while_test():
    out = desugar(parse('''
        def f(m, n):
            while any(v > n for v in m[0]):
                m = [[v - 1 for v in row] for row in m]
            return m
    '''))
    test = out.body[0].test.args[0]   # v is used by both comprehensions: renamed in each
    assert unparse(test.sad_loop[1]) == "for v_1 in m[0]:\n    items.append(v_1 > n)"
    rows = out.body[0].body[0].value
    assert unparse(rows.sad_loop[1]) == "for row in m:\n    items_1.append([v_2 - 1 for v_2 in row])"
    (inner,) = [n for n in all_nodes(rows.sad_loop[1]) if getattr(n, "sad_loop", None)]
    assert unparse(inner.sad_loop) == \
        "items_2 = []\nfor v_2 in row:\n    items_2.append(v_2 - 1)"


def test_set_comprehensions_nested_defs_and_lambdas_are_left_alone():
    out = desugar(parse('''
        def f(xs):
            s = {x for x in xs}
            def g(y):
                """kept"""
                for z in y:
                    if z:
                        return z
            h = lambda q: [q for q in xs]
            return g(xs), h(1)
    '''))
    assert not hasattr(out.body[0].value, "sad_loop")
    g = out.body[1]
    assert unparse(g.body[1]) == "for z in y:\n    if z:\n        return z"
    assert not any(hasattr(n, "sad_loop") for n in gast.walk(out.body[2]))


def test_exits_in_with_bodies_are_the_enclosing_blocks():
    # a break in a with body is the loop's (the context is exited after the rest of the
    # body is skipped); a return outside loops sets the return flags, and the return
    # follows the with statement
    out = desugar(parse('''
        def f(x, hook):
            for i in range(3):
                with hook(x) as gx:
                    gx[0] += 1
                    if i:
                        break
            return x
    '''))
    assert unparse(out) == textwrap.dedent('''\
        def f(x, hook):
            stop = False
            for i in range(3):
                with hook(x) as gx:
                    gx[0] += 1
                    stop = i
            return x''')
    assert out.body[1].body[0].sad_exits
    out = desugar(parse('''
        def f(x):
            with ctx() as c:
                if x > 0:
                    return x
                y = x * c
            return y
    '''))
    assert unparse(out) == textwrap.dedent('''\
        def f(x):
            returned = False
            result = None
            stop = False
            with ctx() as c:
                if x > 0:
                    result = x
                    returned = True
                    stop = True
                if not stop:
                    y = x * c
            if returned:
                return result
            else:
                return y''')


def test_flags_never_clash_with_the_users_names():
    out = desugar(parse('''
        def f(stop, skip, items):
            returned = result = 0
            def stop_1():
                return skip_1
            g = lambda: result_1 + items_1
            for x in stop:
                if x:
                    continue
                for y in x:
                    return y
            return [v for v in items]
    '''))
    loop = out.body[6]
    assert (loop.sad_exit, loop.sad_clear) == ("stop_2", ["stop_2", "skip_2"])
    assert unparse(out.body[3:6]) == "returned_1 = False\nresult_2 = None\nstop_2 = False"
    assert out.body[-1].orelse[0].value.sad_result == "items_2"


def test_names_and_counts_of_new_flags_in_random_programs():
    for seed in range(60):
        src, _ = random_program(seed)
        fn = parse(src)
        users = {n.id for n in gast.walk(fn) if isinstance(n, gast.Name)}
        out = desugar(fn)
        flags = [f for n in all_nodes(out) if isinstance(n, LOOPS) for f in n.sad_clear]
        assert len(flags) == len(set(flags)), src   # each loop its own
        assert not set(flags) & users


def test_every_node_has_a_location():
    for fn in [parse(src) for src, _ in map(random_program, range(40))] + \
            [parse_function(f).node for f, _ in TABLE]:
        for n in all_nodes(desugar(fn)):
            if "lineno" in getattr(n, "_attributes", ()):
                where = [getattr(n, a, None) for a in n._attributes]
                assert all(isinstance(w, int) for w in where), (type(n).__name__, unparse(n))


def test_new_statements_are_located_at_what_they_come_from():
    out = desugar(parse('''
        def f(xs):
            s = 0
            for x in xs:
                if x < 0:
                    break
                if x > 9:
                    return x
                s += x
            return s
    '''))
    # (the source starts with a blank line: `def` is line 2)
    assert [(s.lineno, s.end_lineno) for s in out.body[:4]] == [(3, 3), (4, 4), (4, 4), (4, 4)]
    loop = out.body[4]
    assert (loop.body[0].lineno, loop.body[0].col_offset, loop.body[0].end_col_offset) == \
        (5, 8, 16)   # stop = x < 0: the header `if x < 0`
    assert all(s.lineno == 8 for s in loop.body[1].body[0].body)   # result = x ...
    assert out.body[5].lineno == 4   # if returned: return result


def test_the_input_is_not_changed():
    for src, _ in map(random_program, range(20)):
        fn = parse(src)
        before = ast.dump(gast.gast_to_ast(fn), include_attributes=True)
        assert desugar(fn) is not fn
        assert ast.dump(gast.gast_to_ast(fn), include_attributes=True) == before
        assert not any(k.startswith("sad_") for n in gast.walk(fn) for k in vars(n))


# -- the same values as the original -------------------------------------------------

def loop_after_loop(n):
    s = 0
    for i in range(n):
        if i >= 1:
            break
        s += i
    k = 0
    while k < n:
        k += 1
        s += k
    return s


def continue_then_break(xs):
    s = 0
    for x in xs:
        if x % 2 == 0:
            continue
        if x > 5:
            break
        s += x
    return s


def while_true_with_break(n):
    k, s = 0, 0
    while True:
        k += 1
        if k > n:
            break
        s += k * k
    return s, k


def return_in_nested_loops(m, t):
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            if v == t:
                return i, j
            if v < 0:
                break
        if i > 3:
            return -1, -1
    return None


def return_in_nested_ifs_in_a_loop(xs):
    total = 0
    for x in xs:
        if x > 0:
            if x > 10:
                return total
            total += x
        else:
            if x < -10:
                return -total
            continue
        total *= 2
    return total


def for_else_search(xs, t):
    for k, x in enumerate(xs):
        if x == t:
            found = k
            break
    else:
        found = -1
    return found


def while_else_with_continue(n):
    k, s = 0, 0
    while k < n:
        k += 1
        if k == 2:
            continue
        s += k
        if s > 20:
            break
    else:
        s = -s
    return s


def early_returns_before_and_after_loops(xs, lim):
    if not xs:
        return 0
    s = 0
    for x in xs:
        s += x
        if s > lim:
            return lim
    if s < 0:
        return -1
    while s > 3:
        s -= 3
        if s == 4:
            return 4
    return s


def nested_loops_with_inner_else_break(m):
    count = 0
    for row in m:
        for v in row:
            if v < 0:
                break
            count += v
        else:
            count += 100
            continue
        count -= 1
        if count < -3:
            break
    return count


def exits_in_else_branches(xs):
    s = 0
    for x in xs:
        if x > 2:
            s += x
        elif x == 0:
            break
        else:
            continue
        s *= 2
    return s


def comprehensions_everywhere(xs, n):
    x = 5
    ys = [x * 2 for x in xs if x != n]
    d = {k: k * k for k in range(n)}
    t = sum(y for y in ys) + sum(d.values())
    for i in range(n):
        t += len([j for j in range(i) if j % 2 == 0])
        if sum(z for z in ys) > 100:
            break
    return x, ys, t


def item_updates_and_an_implicit_none(xs, n):
    for i in range(n):
        xs[i % len(xs)] += i
        if i == 5:
            return None
    xs[0] -= 1


def while_test_runs_as_often_as_in_python(n):
    seen = []
    k = 0
    while seen.append(k) or k < n:   # not evaluated again after the break
        k += 1
        if k == 2:
            break
    return seen


def return_in_an_inner_loops_else(m):
    for row in m:
        for v in row:
            if v < 0:
                break
        else:
            return row
    return None


def comprehension_in_a_while_test(xs):
    k = 0
    while sum(x for x in xs if x > k) > 3:
        k += 1
    return k


def comprehension_scopes(x):
    y = [x + 1 for x in x]
    z = [[i * j for j in range(i)] for i in y]
    return x, y, z


def loop_in_a_copied_continuation(xs, c):
    if c:
        if c > 1:
            return 0
    s = 0
    for x in xs:
        if x > 2:
            break
        s += x
    return s


def nested_def_reads_a_loop_variable(xs):
    total = 0

    def add(v):
        return total + v
    for x in xs:
        if x < 0:
            continue
        total = add(x)
    return total


TABLE = [
    (while_test_runs_as_often_as_in_python, [(0,), (1,), (5,)]),
    (return_in_an_inner_loops_else, [([[1], [-1]],), ([[-1], [2, 3]],), ([[-1]],), ([],)]),
    (comprehension_in_a_while_test, [([1, 2, 3],), ([],), ([5, 5, 5],)]),
    (comprehension_scopes, [([1, 2],), ([],)]),
    (loop_in_a_copied_continuation, [([1, 2, 3], 0), ([1, 2, 3], 1), ([1], 2)]),
    (nested_def_reads_a_loop_variable, [([1, -2, 3],), ([],)]),
    (loop_after_loop, [(0,), (1,), (2,), (5,)]),
    (continue_then_break, [([],), ([1, 2, 3],), ([2, 4, 7, 1],), ([1, 3, 5, 7, 9],)]),
    (while_true_with_break, [(0,), (1,), (4,)]),
    (return_in_nested_loops, [([[1, 2], [3, 4]], 3), ([[1, -1, 5]], 5), ([[0]] * 6, 9), ([], 1)]),
    (return_in_nested_ifs_in_a_loop, [([1, 2, 3],), ([1, 20],), ([-1, 2],), ([-20],), ([],)]),
    (for_else_search, [([1, 2, 3], 2), ([1, 2, 3], 7), ([], 0)]),
    (while_else_with_continue, [(0,), (3,), (10,)]),
    (early_returns_before_and_after_loops, [([], 1), ([1, 2, 3], 4), ([5, 5], 100),
                                            ([-5], 9), ([3, 4], 10), ([9, 1], 20)]),
    (nested_loops_with_inner_else_break, [([[1, 2], [3]],), ([[1, -1], [2, -2]],),
                                          ([[-1]] * 6,), ([],)]),
    (exits_in_else_branches, [([3, 1, 4, 0, 5],), ([1, 1],), ([5, 6, 7],)]),
    (comprehensions_everywhere, [([1, 2, 3], 2), ([], 0), ([50, 60], 4)]),
    (item_updates_and_an_implicit_none, [([1, 2, 3], 2), ([0], 7), ([4, 4], 0)]),
]


@pytest.mark.parametrize("fn, inputs", TABLE, ids=[f.__name__ for f, _ in TABLE])
def test_same_values_as_the_original(fn, inputs):
    check_same(fn, desugar(parse_function(fn).node), inputs, fn.__globals__)


@pytest.mark.parametrize("first", range(0, 400, 40))
def test_random_programs_compute_the_same(first):
    for seed in range(first, first + 40):
        src, f = random_program(seed)
        node = desugar(parse(src))
        g = compiled(plain_python(node))
        for args in PROGRAM_INPUTS:
            assert outcome(g, args) == outcome(f, args), \
                f"seed {seed}, args {args}\n{src}\n{unparse(node)}"


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.integers(400, 10 ** 6))
def test_more_random_programs_compute_the_same(seed):
    src, f = random_program(seed)
    g = compiled(plain_python(desugar(parse(src))))
    for args in PROGRAM_INPUTS:
        assert outcome(g, args) == outcome(f, args), f"seed {seed}, args {args}\n{src}"


def test_the_random_programs_use_every_construct():
    text = "".join(random_program(seed)[0] for seed in range(400))
    for construct in ("break", "continue", "return", "else:", "while True", "for ", "sum(",
                      "for x in", "] +=", "{"):
        assert construct in text


def test_desugar_is_a_function_of_its_input():
    src, _ = random_program(7)
    assert unparse(desugar(parse(src))) == unparse(desugar(parse(src)))
    assert inspect.signature(desugar).parameters.keys() == {"node", "loc"}


def test_the_docstring_example():
    assert doctest.testmod(sourcead.frontend.desugar).failed == 0


def test_every_function_of_the_project_desugars():
    """The defs of sourcead's own rules, examples and tests (nested ones too) are
    desugared, annotated, and the top-level ones compile."""
    from sourcead.frontend.liveness import annotate_liveness
    root = pathlib.Path(__file__).parent.parent
    count = 0
    for path in sorted(root.glob("sourcead/rules/*.py")) + sorted(root.glob("examples/*.py")) \
            + sorted(root.glob("tests/*.py")):
        module = gast.parse(path.read_text())
        for node in gast.walk(module):
            if isinstance(node, gast.FunctionDef):
                out = desugar(node)
                annotate_liveness(out)
                count += 1
                if node in module.body:   # compiled, not run (decorators, defaults)
                    plain = gast.Module(body=[plain_python(out, clobber=True)], type_ignores=[])
                    compile(ast.fix_missing_locations(gast.gast_to_ast(plain)), str(path), "exec")
    assert count > 1000
