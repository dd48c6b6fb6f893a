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


@pytest.mark.parametrize("f", [writes_into_the_result, writes_into_the_argument])
def test_a_write_into_what_may_be_the_argument_is_refused(f):
    with pytest.raises(sad.SourceADError, match="may share its array with what the call of"):
        sad.grad(f)(np.ones(3), 1)
    with pytest.raises(sad.SourceADError, match="may share its array"):
        sad.jvp(f, wrt=0)(np.ones(3), 1, np.ones(3))


def test_a_recursive_function_that_writes_into_its_argument_is_refused():
    with pytest.raises(sad.SourceADError, match=r"recursive function \(scale_in_place\) "
                       "that writes into the arrays it is given"):
        sad.grad(calls_one_that_writes)(np.ones(3), 2)
