"""frontend/liveness: live names at each statement, loop heads, and what loops assign.

Hand-checked sets on small functions, then two properties on random programs: every
name a statement reads is live before it, and overwriting every name liveness calls
dead (with a value that fails when read) changes nothing the function does.
"""

import doctest

import gast
import pytest

import sourcead.frontend.liveness

from sourcead.frontend.desugar import desugar
from sourcead.frontend.liveness import annotate_liveness, live_in
from sourcead.frontend.source import parse_function
from test_desugar import (LOOPS, PROGRAM_INPUTS, TABLE, all_nodes, check_same, compiled,
                          outcome, parse, plain_python, random_program, unparse)


def analysed(src):
    fn = desugar(parse(src))
    annotate_liveness(fn)
    return fn


def at(fn, text):
    """The statement of `fn` whose first line is `text` (searched in comprehensions too)."""
    found = [n for n in all_nodes(fn) if isinstance(n, gast.stmt) and n is not fn
             and unparse(n).splitlines()[0] == text]
    assert len(found) == 1, (text, len(found))
    return found[0]


def out(fn, text):
    return set(at(fn, text).sad_live_out)


def test_straight_line():
    fn = analysed('''
        def f(x, y, unused):
            a = x * 2
            b = a + y
            a = b * b
            return a + x
    ''')
    assert out(fn, "a = x * 2") == {"a", "x", "y"}
    assert out(fn, "b = a + y") == {"b", "x"}       # this a is dead: assigned again
    assert out(fn, "a = b * b") == {"a", "x"}
    assert out(fn, "return a + x") == set()
    assert fn.sad_live_in == {"x", "y"}


def test_if_branches():
    fn = analysed('''
        def f(x, c):
            y = 1
            z = 2
            if c:
                y = x
            else:
                z = x
            return y + z
    ''')
    assert out(fn, "y = 1") == {"x", "c", "y"}      # the else branch keeps this y
    assert out(fn, "z = 2") == {"x", "c", "y", "z"}
    assert out(fn, "y = x") == {"y", "z"}
    assert out(fn, "z = x") == {"y", "z"}
    assert out(fn, "if c:") == {"y", "z"}


def test_if_merges_only_what_is_read_after():
    fn = analysed('''
        def f(x, c):
            if c:
                y = x
                t = 1
            else:
                y = -x
                t = 2
            z = y * 2
            return z
    ''')
    assert out(fn, "if c:") == {"y"}
    assert out(fn, "t = 1") == {"y"}


def test_for_loop_carried_and_not_carried():
    fn = analysed('''
        def f(xs, n):
            s = 0
            last = 0
            for i in range(n):
                t = xs[i] * 2
                s = s + t
                last = i
            return s, last
    ''')
    loop = at(fn, "for i in range(n):")
    assert loop.sad_live_head == {"s", "last", "xs"}   # t is not carried; i is bound by the loop
    assert loop.sad_assigned == {"i", "t", "s", "last"}
    assert out(fn, "t = xs[i] * 2") == {"t", "s", "xs", "i"}
    assert out(fn, "last = i") == {"s", "last", "xs"}
    assert out(fn, "last = 0") == {"s", "last", "xs", "n"}


def test_loop_target_read_after_the_loop_is_live_at_the_head():
    fn = analysed('''
        def f(n):
            i = -1
            for i in range(n):
                pass
            return i
    ''')
    assert at(fn, "for i in range(n):").sad_live_head == {"i"}
    assert out(fn, "i = -1") == {"i", "n"}


def test_while_loop_test_and_exit():
    fn = analysed('''
        def f(x, tol):
            k = 0
            while x > tol:
                x = x / 2
                k += 1
            return k
    ''')
    loop = at(fn, "while x > tol:")
    assert loop.sad_live_head == {"x", "tol", "k"}
    assert loop.sad_assigned == {"x", "k"}
    assert loop.sad_live_out == {"k"}
    assert out(fn, "k += 1") == {"x", "tol", "k"}    # the test reads them again


def test_a_name_read_before_it_is_assigned_in_the_body_is_carried():
    fn = analysed('''
        def f(n):
            prev = 0
            cur = 1
            for i in range(n):
                nxt = prev + cur
                prev = cur
                cur = nxt
            return prev
    ''')
    assert at(fn, "for i in range(n):").sad_live_head == {"prev", "cur"}
    assert out(fn, "nxt = prev + cur") == {"nxt", "cur"}


def test_nested_loops():
    fn = analysed('''
        def f(m, n):
            total = 0
            for i in range(n):
                row = 0
                for j in range(n):
                    row = row + m[i, j]
                total = total + row * i
            return total
    ''')
    outer = at(fn, "for i in range(n):")
    inner = at(fn, "for j in range(n):")
    assert outer.sad_live_head == {"total", "m", "n"}
    assert inner.sad_live_head == {"row", "m", "n", "i", "total"}   # the outer's names too
    assert outer.sad_assigned == {"i", "row", "j", "total"}
    assert inner.sad_assigned == {"j", "row"}


def test_flags_are_read_at_the_end_of_each_iteration_and_cleared_at_its_start():
    fn = analysed('''
        def f(xs):
            s = 0
            for x in xs:
                if x < 0:
                    break
                if x == 0:
                    continue
                s = s + x
            else:
                s = -1
            return s
    ''')
    loop = at(fn, "for x in xs:")
    assert loop.sad_clear == ["stop", "skip"] and loop.sad_exit == "stop"
    assert "stop" in out(fn, "s = s + x")          # `if stop: break` follows
    assert "skip" not in out(fn, "s = s + x")
    assert loop.sad_live_head == {"s", "stop"}      # stop: read by `if not stop` after the loop
    assert {"stop", "skip"} <= loop.sad_assigned
    assert out(fn, "stop = False") == {"s", "stop", "xs"}


def test_a_flag_read_by_nothing_after_the_loop_is_dead_before_it():
    fn = analysed('''
        def f(xs):
            for x in xs:
                if x:
                    break
            return 0
    ''')
    assert at(fn, "for x in xs:").sad_live_head == set()
    assert out(fn, "stop = False") == {"xs"}   # cleared at the start of every iteration


def test_return_in_a_loop():
    fn = analysed('''
        def f(xs, d):
            for x in xs:
                if x > d:
                    return x
            return d
    ''')
    loop = at(fn, "for x in xs:")
    assert loop.sad_live_head == {"returned", "result", "d"}   # xs: read once, before
    assert out(fn, "returned = False") == {"returned", "xs", "d"}
    assert out(fn, "result = None") == {"returned", "result", "xs", "d"}


def test_item_writes_and_attribute_writes_read_the_container():
    fn = analysed('''
        def f(x, i, v, o):
            x[i] = v
            o.a = v
            return 0
    ''')
    assert at(fn, "x[i] = v").sad_live_out == {"v", "o"}
    assert fn.sad_live_in == {"x", "i", "v", "o"}


def test_an_item_written_in_a_loop_keeps_the_array_live():
    fn = analysed('''
        def f(x, n):
            for i in range(n):
                x[i] = i * 2
            return 0
    ''')
    loop = at(fn, "for i in range(n):")
    assert loop.sad_live_head == {"x"}
    assert loop.sad_assigned == {"i"}   # an item write is not a name's assignment


def test_augmented_assignment_reads_its_target():
    fn = analysed('''
        def f(x, v):
            x += v
            y = 1
            y *= 2
            return 0
    ''')
    assert fn.sad_live_in == {"x", "v"}
    assert out(fn, "y = 1") == {"y"}
    assert out(fn, "x += v") == set()


def test_del_kills():
    fn = analysed('''
        def f(x):
            y = x
            del x
            return y
    ''')
    assert out(fn, "y = x") == {"y"}   # `del x` unbinds x: it does not read its value
    assert out(fn, "del x") == {"y"}


def test_names_a_nested_def_or_lambda_reads_are_live_everywhere():
    fn = analysed('''
        def f(x, w, b):
            def g(t, k=b):
                q = t + 1
                return q * w
            h = lambda u, s=x: u * s + b
            z = g(x)
            return h(z)
    ''')
    for s in all_nodes(fn):
        if isinstance(s, gast.stmt) and s is not fn and s not in fn.body[0].body:
            assert {"w", "b"} <= s.sad_live_out      # g reads w; h reads b
    assert "t" not in out(fn, "h = lambda u, s=x: u * s + b")   # g's own names are not f's
    assert out(fn, "def g(t, k=b):") == {"g", "x", "w", "b"}   # x: h's default
    assert fn.sad_live_in == {"x", "w", "b"}
    assert not hasattr(fn.body[0].body[0], "sad_live_out")      # g is analysed when called


def test_comprehensions():
    fn = analysed('''
        def f(xs, t, n):
            x = 5
            ys = [x * t for x in xs if x > n]
            return ys, x
    ''')
    comp = at(fn, "ys = [x_1 * t for x_1 in xs if x_1 > n]")
    assert out(fn, "x = 5") == {"x", "xs", "t", "n"}
    assert comp.sad_live_out == {"ys", "x"}
    loop = at(fn, "for x_1 in xs:")
    # the comprehension's loop: what is live around its statement stays live inside it
    assert loop.sad_live_head == {"items", "t", "n", "x", "xs", "ys"}
    assert loop.sad_assigned == {"x_1"}
    assert out(fn, "items = []") >= {"items", "t", "n", "x"}


def test_a_comprehension_in_a_loop_runs_at_every_iteration():
    fn = analysed('''
        def f(m, n):
            total = 0
            for i in range(n):
                total = total + sum([v * i for v in m])
            return total
    ''')
    loop = at(fn, "for i in range(n):")
    assert loop.sad_live_head == {"total", "m"}
    assert {"items", "v"} <= loop.sad_assigned


def test_live_in_helper():
    fn = parse('''
        def f(a, b):
            c = a + b
            if c > 0:
                d = c
            else:
                d = b
            return d
    ''')
    assert live_in(fn.body, set()) == {"a", "b"}
    assert live_in(fn.body[1:2], {"d", "e"}) == {"c", "b", "e"}
    assert live_in([], {"q"}) == {"q"}
    assert not hasattr(fn.body[0], "sad_live_out")   # nothing annotated


def test_every_statement_and_loop_is_annotated():
    for seed in range(30):
        fn = desugar(parse(random_program(seed)[0]))
        annotate_liveness(fn)
        for n in all_nodes(fn):
            if isinstance(n, gast.stmt) and n is not fn:
                assert isinstance(n.sad_live_out, frozenset)
            if isinstance(n, LOOPS):
                assert isinstance(n.sad_live_head, frozenset)
                assert set(n.sad_clear) <= n.sad_assigned


def _loads(node):
    """Names a statement reads itself (not in its blocks; for a comprehension, in its
    loop: its own names are bound there)."""
    found = set()

    def visit(n):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            found.add(n.id)
        if getattr(n, "sad_loop", None) is not None:
            found.update(live_in(n.sad_loop, set()))
            return
        for c in gast.iter_child_nodes(n):
            if not isinstance(c, (gast.stmt, gast.Lambda)):
                visit(c)
    visit(node)
    if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
        found.add(node.target.id)
    return found


@pytest.mark.parametrize("first", range(0, 200, 50))
def test_every_name_read_in_a_statement_is_live_before_it(first):
    for seed in range(first, first + 50):
        fn = desugar(parse(random_program(seed)[0]))
        annotate_liveness(fn)
        local = {n.id for n in all_nodes(fn) if isinstance(n, gast.Name)}
        for s in all_nodes(fn):
            if not isinstance(s, gast.stmt) or s is fn:
                continue
            reads = _loads(s) & local
            if isinstance(s, gast.While):
                assert reads <= s.sad_live_head and reads <= live_in([s], s.sad_live_out)
            elif isinstance(s, gast.For):   # the iterable is read before the head
                assert reads <= live_in([s], s.sad_live_out)
            else:
                assert reads <= live_in([s], s.sad_live_out), (seed, unparse(s))


@pytest.mark.parametrize("first", range(0, 200, 50))
def test_overwriting_dead_names_changes_nothing(first):
    """Names liveness calls dead are overwritten after each statement and at the start
    of each iteration with a value that fails when read: the results are the same."""
    for seed in range(first, first + 50):
        src, f = random_program(seed)
        fn = desugar(parse(src))
        annotate_liveness(fn)
        g = compiled(plain_python(fn, clobber=True))
        for args in PROGRAM_INPUTS:
            assert outcome(g, args) == outcome(f, args), f"seed {seed}, args {args}\n{src}"


@pytest.mark.parametrize("fn, inputs", TABLE, ids=[f.__name__ for f, _ in TABLE])
def test_overwriting_dead_names_changes_nothing_on_the_table(fn, inputs):
    node = desugar(parse_function(fn).node)
    annotate_liveness(node)
    check_same(fn, node, inputs, fn.__globals__, clobber=True)


def test_the_dead_name_check_catches_a_missing_name():
    # the oracle itself: with the exit flag dropped from a live set, the loop misbehaves
    fn = desugar(parse('''
        def f(xs):
            s = 0
            for x in xs:
                if x < 0:
                    break
                s = s + x
            return s
    '''))
    annotate_liveness(fn)
    stmt = at(fn, "s = s + x")
    stmt.sad_live_out = stmt.sad_live_out - {"stop"}
    g = compiled(plain_python(fn, clobber=True))
    assert outcome(g, ([1, -1, 2],)) == ("read a dead name",)


def test_the_docstring_example():
    assert doctest.testmod(sourcead.frontend.liveness).failed == 0
