"""Branches and loops in both modes, against finite differences: if/elif/else,
conditional expressions, and/or/not, chained comparisons; for over range,
arrays, lists, tuples, enumerate, zip and reversed; while; break, continue
and return anywhere. Then the shape of the generated code, tape memory, and
the constructs that are refused."""

import ast
import math
import tracemalloc

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


def int_condition(x, n):
    if n % 2 == 0 and n > 1:
        y = x * n
    elif not n:
        y = x ** 3
    else:
        y = np.sin(x)
    return y


def bool_ops(x, y):
    if (x > 0 and y > 0) or not x < -1:
        z = x * y
    else:
        z = x + y
    if 0 < x < 1 <= y:
        z = z * 2.0
    w = (x > 0 and y) or x
    return z + w


def nested_ifs(x):
    if x > 0:
        if x > 1:
            y = np.log(x)
        else:
            y = x * x
    elif x > -1:
        y = -x if x < -0.5 else np.exp(x)
    else:
        y = 1.0 / x
    return y


def while_true_break(x):
    y = x
    while True:
        y = y * 1.5 + x
        if y > 10.0:
            break
    return y


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def return_in_nested_loop(x, n):
    s = x
    for i in range(n):
        for j in range(n):
            s = s * 1.1 + x * j
            if s > 20.0:
                return s * 2.0
        s = s - 1.0
    return s


def continue_in_nested_loops(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 1:
            continue
        for j in range(i, n):
            if j == 2:
                continue
            s = s + np.sin(x * j)
    return s


def stepped_range(x, a, b, step):
    for i in range(a, b, step):
        x = x * 0.9 + np.cos(x) * i
    return x


def swap_three(x, y, z, n):
    for i in range(n):
        x, y, z = y * z, np.sin(x), x + 0.5 * y
    return x + y * z


def over_elements(x, a):
    s = 0.0
    for v in x:
        s = s * a + np.sin(v)
    return s


def over_rows(X, h, w):
    for row in X:
        h = np.tanh(h * w + row)
    return np.sum(h * h)


def over_rows_with_break(X, h):
    for row in X:
        if np.sum(row) > 1.5:
            break
        h = h * np.cos(row)
    return np.sum(h)


def over_literal_list(w1, w2, x):
    for w in [w1, w2, w1]:
        x = np.tanh(w @ x)
    return np.sum(x)


def over_tuple_variable(a, b, x):
    pair = (a, b)
    s = 0.0
    for v in pair:
        s = s + v * x
    return s


def horner(x, coeffs):
    s = 0.0
    for c in coeffs:
        s = s * x + c
    return s


def over_enumerate(x, w):
    s = 0.0
    for i, v in enumerate(x):
        s = s + w ** i * v
    for i, v in enumerate(x, 1):
        s = s + v / i
    return s


def over_zip(x, y, z):
    s = 0.0
    for a, (b, c) in zip(x, zip(y, z)):
        s = s + a * np.sin(b) * c
    return s


def over_reversed(x, n):
    s = 1.0
    for v in reversed(x):
        s = s * v + 0.5
    for i in reversed(range(n)):
        s = s * 0.5 + x[i]
    for i, v in enumerate(reversed(x)):
        s = s + i * v
    return s


def target_read_after_loop(x, n):
    i = 0
    for i in range(n):
        x = x * 1.1
    for v in np.sin(x):
        x = x + v
    return x * i + v


def assigned_before_read(x, n):
    y = x
    for i in range(n):
        y = np.sin(x * i)
        x = x + y
    return y


def nested_rows_and_elements(X):
    s = 0.0
    for row in X:
        for v in row:
            s = s * 0.9 + v * np.cos(s)
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
    (int_condition, [(0.7, 4), (0.7, 0), (0.7, 3)]),
    (bool_ops, [(0.5, 1.5), (-2.0, 0.3), (2.0, -1.0), (-0.5, -0.5)]),
    (nested_ifs, [(2.0,), (0.5,), (-0.7,), (-0.2,), (-3.0,)]),
    (while_true_break, [(0.7,), (2.3,), (11.0,)]),
    (newton_sqrt, [(2.0,), (9.5,)]),
    (return_in_nested_loop, [(0.5, 3), (1.3, 4), (0.2, 0)]),
    (continue_in_nested_loops, [(0.4, 5), (-1.2, 3)]),
    (stepped_range, [(0.3, 1, 9, 3), (0.3, 8, 0, -2), (0.3, 5, 5, 1)]),
    (swap_three, [(0.3, 0.7, -0.4, 5), (np.linspace(0.1, 0.5, 3), 0.2, np.ones((2, 1)), 3)]),
    (over_elements, [(np.linspace(-1, 1, 5), 0.8), (np.array([0.3]), 1.5)]),
    (over_rows, [(np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(0, 1, 3), 0.7),
                 (np.linspace(-1, 1, 6).reshape(3, 2), np.linspace(0, 1, 4).reshape(2, 1, 2),
                  np.array([0.5, -0.3]))]),
    (over_rows_with_break, [(np.array([[0.1, 0.2], [0.3, 0.4], [0.9, 0.8], [0.1, 0.1]]),
                             np.array([1.0, 2.0])),
                            (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([1.0, -2.0]))]),
    (over_literal_list, [(np.eye(3) * 0.5 + 0.1, np.ones((3, 3)) * 0.2,
                          np.array([0.1, -0.4, 0.9]))]),
    (over_tuple_variable, [(0.5, np.array([1.0, 2.0]), np.array([0.3, -0.3]))]),
    (over_enumerate, [(np.array([0.3, -0.2, 0.8]), 0.9)]),
    (over_zip, [(np.array([0.3, -0.2, 0.8]), np.array([1.0, 2.0]), np.array([0.5, 0.25, 4.0]))]),
    (over_reversed, [(np.array([0.3, -0.2, 0.8, 1.1]), 3)]),
    (nested_rows_and_elements, [(np.linspace(-1, 1, 6).reshape(2, 3),)]),
    (assigned_before_read, [(np.array([0.3, 0.5]), 4), (0.7, 3)]),
    (target_read_after_loop, [(np.array([0.3, -0.2, 0.8]), 3), (np.array([0.5]), 0)]),
]


@pytest.mark.parametrize("fn, args", [(fn, a) for fn, cases in CASES for a in cases],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_both_modes_match_finite_differences(fn, args):
    wrt = tuple(i for i, a in enumerate(args) if not isinstance(a, int))
    sad.check_grads(fn, args, wrt=wrt)


def test_a_list_of_constants_is_iterated_but_not_differentiated():
    coeffs = [1.0, -2.0, 0.5, 3.0]
    sad.check_grads(horner, (0.7, coeffs), wrt=0)
    assert sad.grad(horner)(0.7, coeffs) == pytest.approx(3 * 0.7 ** 2 - 4 * 0.7 + 0.5)


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


def test_loops_over_sequences_stay_loops_and_add_adjoints_in_place():
    src = sad.grad(over_rows, wrt=(0, 1)).source
    assert "for i in range(len(X))" in src or "range(len_" in src
    assert "X_bar[i] += row_bar" in src          # one row per iteration, not a matrix
    assert "added_at" not in src and "row_tape" not in src   # rows are read again, not taped
    src = sad.grad(over_enumerate, wrt=0).source
    assert "added_at" not in src and "i_tape" not in src    # the index is not recorded
    src = sad.jvp(over_rows, wrt=(0, 1)).source
    assert "row_dot = X_dot[i]" in src


def test_literal_sequences_are_unrolled():
    tree = ast.parse(sad.grad(over_literal_list, wrt=(0, 1, 2)).source)
    assert not any(isinstance(n, ast.For) for n in ast.walk(tree))
    assert sum(isinstance(n, ast.Attribute) and n.attr == "tanh" for n in ast.walk(tree)) == 3


def test_loop_invariant_values_and_counters_are_not_recorded():
    def f(x, w, n):
        k = 0
        for i in range(n):
            x = np.sin(x * w)
            k = k + 2
        return np.sum(x) * k
    src = sad.grad(f, wrt=(0, 1)).source
    assert "w_tape" not in src and "k_tape" not in src and "k_bar" not in src
    assert "i_bar" not in src
    sad.check_grads(f, (np.array([0.2, 0.5]), 1.3, 4), wrt=(0, 1))


def test_values_read_only_for_their_shape_record_only_their_shape():
    # y's adjoint restarts from zero each iteration (y is overwritten before it is
    # read), and h's matrix products need only their shapes for broadcasting: no
    # array is kept alive for either.
    src = sad.grad(assigned_before_read).source
    assert "y_tape" not in src and "y_shape_tape.append(sad_rt.Shape(y))" in src
    src = sad.grad(over_rows, wrt=(0, 1)).source
    assert "add_tape" not in src and "mul_tape" not in src


def test_pullbacks_through_loops_can_be_called_again():
    X = np.linspace(-1, 1, 12).reshape(4, 3)
    h = np.linspace(0, 1, 3)
    X0, h0 = X.copy(), h.copy()
    _, pullback = sad.vjp(over_rows, wrt=(0, 1))(X, h, 0.7)
    first = pullback(1.0)
    second = pullback(1.0)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(h, h0)


def _peak_bytes(fn, *args):
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tape_memory_is_linear_in_the_iterations():
    def f(x, a):
        for i in range(len(a)):
            x = math.sin(x) * a[i] + math.cos(x)
        return x
    g = sad.grad(f)
    small, large = np.full(20000, 0.5), np.full(40000, 0.5)
    g(0.3, small[:10])
    p1, p2 = _peak_bytes(g, 0.3, small), _peak_bytes(g, 0.3, large)
    assert 1.5 < p2 / p1 < 2.5
    assert p2 / 40000 < 400      # a few floats per iteration, not an array


def test_no_copy_of_a_whole_array_per_iteration():
    X = np.random.default_rng(0).normal(size=(400, 100))
    h = np.zeros(100)
    g = sad.grad(over_rows, wrt=(0, 1))
    g(X[:2], h, 0.5)
    peak = _peak_bytes(g, X, h, 0.5)
    # The gradient of X (one X), one recorded h per row (one X), temporaries:
    # a copy of X per iteration would be 400 X.
    assert peak < 4 * X.nbytes


def test_loop_else_and_break_in_a_literal_loop():
    def for_else(x):
        for i in range(3):
            x = x * 2
        else:
            x = x + 1
        return x

    def while_else(x):
        while x < 3:
            x = x * 2
        else:
            x = x + 1
        return x

    def break_in_literal_loop(x):
        for w in (1.0, 2.0):
            if x > w:
                break
            x = x * w
        return x

    def else_after_break(x):
        for i in range(4):
            if x > 5.0:
                break
            x = x * 1.5
        else:
            x = x - 1.0      # only where the loop ran to its end
        return x

    for fn in (for_else, while_else, break_in_literal_loop, else_after_break):
        for x in (0.7, 1.3, 4.2):   # away from the points where a branch switches
            assert sad.value_and_grad(fn)(x)[0] == pytest.approx(fn(x))
            assert sad.jvp(fn)(x, 1.0)[0] == pytest.approx(fn(x))
            sad.check_grads(fn, (x,))


def test_a_loop_over_rows_unpacks_each_row():
    def pairs(X):
        s = 0.0
        for a, b in X:            # each row has two items
            s = s + a * np.sin(b)
        return s
    X = np.linspace(-1, 1, 6).reshape(3, 2)
    sad.check_grads(pairs, (X,))
    with pytest.raises(ValueError, match="unpack"):
        sad.grad(pairs)(np.ones((3, 3)))


def test_the_derivative_is_that_of_the_branch_taken():
    def relu_like(x):
        if x > 0:
            return x * 3.0
        return x * 0.5
    g = sad.grad(relu_like)
    assert g(1.0) == 3.0 and g(-1.0) == 0.5
    assert sad.jvp(relu_like)(1.0, 1.0) == (3.0, 3.0)


def test_break_and_continue_read_as_flags_set_by_their_conditions():
    def f(x, tol):
        s = 0.0
        for i in range(100):
            if np.abs(x) < tol:
                break
            if i % 2 == 0:
                continue
            x = np.sin(x) * 0.9
            s = s + x * x
        return s
    src = sad.jvp(f).source
    assert "stop = np.absolute(x) < tol" in src and "stop = True" not in src
    assert "stop = False\n" not in src.split("for i in")[1]   # no resets in the loop
    sad.check_grads(f, (1.3, 0.2))
    sad.check_grads(f, (0.1, 0.2))
