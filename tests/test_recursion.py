"""Recursive functions of the user's: kept as calls, their effects read as a fixed point
(a recursive call first assumed to do nothing, then what the lowering found), and what
may return the array it is given tracked by the memory model (heap.Escape's `calls`)."""

import numpy as np
import pytest

import sourcead as sad


def iterate(u, depth):
    if depth <= 0:
        return u   # the array it is given, at the bottom
    return iterate(np.sin(u) + 0.1 * u, depth - 1)


def descend(u, depth):
    if depth <= 0:
        return u
    return 0.5 * u + descend(u * 0.9, depth - 1)


def passes_through(u, depth):
    if depth <= 0:
        return u
    return passes_through(u, depth - 1)   # always the array it is given


def is_even(u, n):
    if n == 0:
        return u
    return is_odd(u * 1.1, n - 1)


def is_odd(u, n):
    if n == 0:
        return np.cos(u)
    return is_even(u, n - 1)


def scale_in_place(u, depth):
    if depth <= 0:
        return u
    u *= 0.5   # writes into the caller's array
    return scale_in_place(u, depth - 1)


def uses_result_and_argument(x, n):
    y = iterate(x, n)
    return np.sum(y * x) + np.sum(descend(x, 2))


def in_a_loop(x, n):
    acc = 0.0
    for k in range(3):
        g = passes_through(x, k)
        acc = acc + np.sum(g * np.cos(x))
    return acc + np.sum(is_even(x, n))


def writes_after_the_result_is_gone(x, n):
    x = x * 1.0
    s = np.sum(iterate(x, n) ** 2)
    x[0] = 3.0 * x[1]   # the result is no longer looked at
    return s + np.sum(x * x)


def writes_into_the_result(x, n):
    x = x * 1.0
    y = iterate(x, n)
    y[0] = 0.0        # NumPy: x too, when n == 0
    return np.sum(y) + np.sum(x)


def writes_into_the_argument(x, n):
    x = x * 1.0
    y = passes_through(x, n)
    x *= 2.0          # NumPy: y too
    return np.sum(y * y)


def calls_one_that_writes(x, n):
    x = x * 1.0
    scale_in_place(x, n)
    return np.sum(x)


@pytest.mark.parametrize("f", [uses_result_and_argument, in_a_loop,
                               writes_after_the_result_is_gone])
@pytest.mark.parametrize("n", [0, 2])
def test_recursive_functions_that_return_their_argument(f, n):
    x = np.array([[0.3, -0.5, 0.8], [1.1, 0.2, -0.7]])
    sad.check_grads(f, (x, n))
    sad.check_grads(f, (x[0], n))


def test_the_recursive_call_is_kept_as_a_call():
    text = sad.value_and_grad(uses_result_and_argument).source
    assert "iterate" in text and "descend" in text


def writes_into_the_argument_at_a_constant_depth(x, n):
    x = x * 1.0
    y = passes_through(x, 2)   # lowered here, two calls deep: y is x
    x *= 2.0
    return np.sum(y * y) + n


@pytest.mark.parametrize("f", [writes_into_the_result,
                               writes_into_the_argument_at_a_constant_depth])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_a_write_into_what_a_recursion_lowered_here_returns(f, n):
    # iterate's inner calls are given new arrays, so only its first call is lowered here
    x = np.array([0.3, -0.4, 0.8])
    sad.check_grads(f, (x, n))
    v, _ = sad.value_and_grad(f)(x, n)
    assert v == pytest.approx(f(x.copy(), n))


@pytest.mark.parametrize("f", [writes_into_the_argument])
def test_a_write_into_what_may_be_the_argument_is_refused(f):
    with pytest.raises(sad.SourceADError, match="may share its array with what the call of"):
        sad.grad(f)(np.ones(3), 1)
    with pytest.raises(sad.SourceADError, match="may share its array"):
        sad.jvp(f, wrt=0)(np.ones(3), 1, np.ones(3))


def test_a_recursion_that_writes_of_a_depth_known_only_at_run_time_is_refused():
    with pytest.raises(sad.SourceADError, match=r"recursive call of scale_in_place, which "
                       "writes into the arrays it is given, more than 16 calls deep"):
        sad.grad(calls_one_that_writes)(np.ones(3), 2)


# Recursions lowered where they are called: their depth is a constant there, so the
# lowering follows them to the bottom (as a tracer would) and sees every write.
def halve_rows(u, n):
    if n <= 0:
        return np.abs(u)
    u[::2] = np.cos(u[-2:, ::-1]) * u[::2]
    return halve_rows(np.sin(u[np.array([1, 1, 0])] * u), n - 1)


def fill_and_recurse(u, n):
    if n <= 0:
        return np.tanh(u)
    u *= 0.9 + 0.1 * np.prod(u)
    return u + 0.6 * fill_and_recurse(np.concatenate([u[1::-1], u[-1:]]), n - 1)


def apply_times(fn, u, n):
    if n == 0:
        return u
    return apply_times(fn, fn(u), n - 1)


def even_write(u, n):
    if n == 0:
        return u
    u *= 1.1
    return odd_write(u[::-1], n - 1)


def odd_write(u, n):
    if n == 0:
        return np.cos(u)
    u -= 0.2 * u
    return even_write(u, n - 1)


def constant_depth_writes(x, y):
    M = x * 1.0
    z = halve_rows(M[[2, 2, 2]], 2)
    v = y * 1.0
    w = fill_and_recurse(v, 2)
    return np.sum(z) + np.sum(M) + np.sum(w * v)


def constant_depth_passing_functions(x, y):
    return np.sum(apply_times(np.sin, x, 3)) + np.sum(apply_times(lambda t: t * y[0], y, 2))


def constant_depth_mutual(x, y):
    v = y * 1.0
    w = even_write(v, 3)
    return np.sum(w) + np.sum(v ** 2) + np.sum(x)


@pytest.mark.parametrize("f", [constant_depth_writes, constant_depth_passing_functions,
                               constant_depth_mutual])
def test_recursions_of_a_constant_depth_are_lowered_where_they_are_called(f):
    rng = np.random.default_rng(7)
    for _ in range(2):
        x, y = rng.normal(size=(3, 4)), rng.normal(size=3) * 0.5
        before = (x.copy(), y.copy())
        sad.check_grads(f, (x, y))
        v, _ = sad.value_and_grad(f, wrt=(0, 1))(x, y)
        assert v == pytest.approx(f(x.copy(), y.copy()))
        assert np.array_equal(x, before[0]) and np.array_equal(y, before[1])
