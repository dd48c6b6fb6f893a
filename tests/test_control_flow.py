"""Branches and loops in both modes, against finite differences (work in progress
towards the control-flow issue: for over range, while, if/elif/else, break,
continue, return anywhere)."""

import ast
import math

import numpy as np
import pytest

import sourcead as sad


def branches(x):
    if x > 0:
        return x * 2.0
    elif x < -1:
        return -x * x
    z = math.sin(x)
    return z * x


def array_branch(x, y):
    if np.sum(x) > 0:
        z = np.sin(x) * y
    else:
        z = np.cos(x) + y
    return np.sum(z * z)


def conditional_expression(x):
    y = x * 3.0 if x > 0.5 else x ** 2
    return y + (x if x > 0 and x < 2 else 1.0)


def scalar_loop(x, a, b):
    for i in range(30):
        x = math.sin(x) * a + math.cos(x * b)
    return x


def rnn(h, w, n):
    for t in range(n):
        h = np.tanh(h * w + 0.1)
    return np.sum(h)


def swap_loop(x, y, n):
    for i in range(1, n, 2):
        x, y = y * 1.5, x + y
    return x * y


def with_break_continue(x, n):
    y = x
    for i in range(n):
        if y > 1.0:
            y = y * 0.5
            continue
        y = y * x
        if y < -5:
            break
    return y


def while_return(x):
    while x < 10.0:
        x = x * 2.0
        if x > 8:
            return x
    return x - 1


def nested(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i):
            s = s + x * j
        s = s * 0.9
    return s


CASES = [
    (branches, [(0.5,), (-2.0,), (-0.5,)]),
    (array_branch, [(np.linspace(0.1, 1, 3), 2.0), (-np.linspace(0.1, 1, 3), 2.0)]),
    (conditional_expression, [(0.7,), (0.2,), (2.5,)]),
    (scalar_loop, [(0.3, 0.9, 1.1), (1.2, 0.5, -0.7)]),
    (rnn, [(np.linspace(0, 1, 4), 0.7, 5), (np.linspace(-1, 1, 3), 1.3, 0)]),
    (swap_loop, [(0.3, 0.7, 6), (0.5, -0.2, 1)]),
    (with_break_continue, [(1.3, 5), (0.9, 6), (-1.5, 4)]),
    (while_return, [(1.1,), (3.0,), (11.0,)]),
    (nested, [(0.7, 4)]),
]


@pytest.mark.parametrize("fn, args", [(fn, a) for fn, cases in CASES for a in cases],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_both_modes_match_finite_differences(fn, args):
    wrt = tuple(i for i, a in enumerate(args) if not isinstance(a, int))
    sad.check_grads(fn, args, wrt=wrt)


def test_loops_and_branches_keep_their_shape_in_generated_code():
    src = sad.grad(rnn).source
    tree = ast.parse(src)
    loops = [n for n in ast.walk(tree) if isinstance(n, ast.For)]
    assert len(loops) == 2                              # the loop, and its reversal
    assert "reversed(range(n))" in src
    assert "h_tape.append(h)" in src                    # only h is recorded per iteration
    src = sad.jvp(branches).source
    assert src.count("if ") >= 1 and "else:" in src


def test_no_tape_for_straight_line_code_or_branches_outside_loops():
    for fn in (branches, array_branch):
        src = sad.grad(fn).source
        assert "_tape" not in src and "append" not in src


def test_scalar_loop_gradient_is_scalar_code():
    src = sad.grad(scalar_loop, wrt=(0, 1, 2)).source
    assert "np." not in src and "unbroadcast" not in src


def test_long_loop_has_no_recursion_limit():
    def long(x):
        for i in range(100000):
            x = x * 0.99999 + 0.00001
        return x
    assert sad.grad(long)(1.0) == pytest.approx(0.99999 ** 100000)
