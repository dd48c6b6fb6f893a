"""Programs that used to get silently wrong derivatives (issue 11), each a regression test
in both modes: the derivative's value against the function's own, forward and reverse
mode against central differences, through the float64 specialisation and through the
general derivative (float32 arguments), and the caller's arrays unchanged."""

import math

import numpy as np
import pytest

import sourcead as sad


def loop_after_a_loop_that_breaks(a):
    for i in range(3):
        if i >= 1:
            break
    j = 0
    while j < 2:
        j += 1
        a = a * 1.5
    return a


def loop_after_a_loop_that_breaks_counting_last(a):
    for i in range(3):
        if i >= 1:
            break
    j = 0
    while j < 2:
        a = a * 1.5
        j += 1
    return a


def bump_twice(a):
    a[0] = 1.0
    a += 1.0


def helper_writes_its_argument_twice(v):
    w = np.sin(v)
    bump_twice(w)
    return np.sum(w)


def alias_after_augmented_assignment(x):
    t = np.tanh(x)
    z = t
    z *= 2.0
    t[0] = 5.0
    return np.sum(z)


def alias_after_an_if_that_writes(x):
    u = np.tanh(x)
    t = u
    if x[0] > 100.0:
        u[0] = 2.0
    u[1:] -= 1.0
    return np.sum(t)


def view_after_an_if_that_writes(x):
    u = np.sin(x)
    p = u[1:]
    if x[0] > 100.0:
        p *= 2.0
    u[-1] = 3.0
    return np.sum(p)


def view_written_in_a_loop(x):
    A = x * 1.0
    r = A[1]
    for i in range(2):
        r[:] = r * 2.0
    return np.sum(A)


def halve(a):
    a /= 2.0


def helper_writes_a_view(B):
    B = B * 1.0
    halve(B[:, 1])
    return np.sum(B * B)


def write_clobbers_what_the_derivative_reads(a):
    if a > 100.0:
        return a
    t = a * np.ones(3)
    t[1:] = np.sin(t[1:])
    return np.sum(t)


def augmented_slice_view(a, t2):
    t2 = t2 * 1.0
    r = t2[1:]
    r *= a
    return np.sum(t2 * t2)


def augmented_reversed_view(y):
    y = y * 1.0
    t = y[::-1]
    t *= np.cos(t)
    return np.sum(y * y)


def augmented_rows_in_a_loop(A):
    A = A * 1.0
    for e in A:
        e *= 2.0 + np.sum(e)
    return np.sum(A)


def two_writes_through_a_slice(a, B):
    B = B * 1.0
    t1 = B[1:]
    t1[1, 0] = np.cos(a)
    t1[0] *= a
    return np.sum(B * B)


def row_updated_from_itself(A):
    A = A * 1.0
    for e in A:
        e[0:2] *= e[1:3]
    return np.sum(A * A)


def row_updated_from_another_row(A):
    A = A * 1.0
    for e1 in A:
        t2 = A[2, 1:]
        t2 += t2 * e1[1:]
    return np.sum(A * A)


def row_updated_through_a_reshape(A):
    A = A * 1.0
    for i in range(2):
        A[0] *= A.reshape(-1)[:3]
    return np.sum(A * A)


def repeated_index_written(s):
    y = np.zeros(3)
    y[[0, 0]] = s
    return np.sum(y * y)


def repeated_index_augmented(x):
    y = x * 1.0
    y[[0, 0]] *= 3.0
    return np.sum(y * y)


def constants_then_a_value_appended(a):
    acc = []
    for i in range(2):
        acc.append(0.5)
    acc.append(math.cos(a))
    return sum(acc)


def determinant_at_a_singular_matrix(x):
    return np.linalg.det(np.outer(x, x)) + np.sum(x)


def augmented_alias_of_an_indexed_array(b):
    t = np.array([b, 0.5])[[1, 0]]
    z = t
    z *= 2.0
    z *= 0.5
    return np.sum(t * t)


V3 = np.array([0.3, 0.6, 0.9])
M32 = np.array([[0.3, 0.6], [0.9, 0.2], [0.1, 0.5]])
M22 = np.array([[0.3, 0.6], [0.9, 0.2]])
M23 = np.array([[0.3, 0.6, 0.2], [0.9, 0.2, 0.4]])
M33 = np.array([[0.3, 0.6, 0.2], [0.9, 0.2, 0.4], [0.5, 0.1, 0.7]])

CASES = [
    (loop_after_a_loop_that_breaks, (0.3,)),
    (loop_after_a_loop_that_breaks_counting_last, (0.3,)),
    (helper_writes_its_argument_twice, (V3,)),
    (alias_after_augmented_assignment, (V3,)),
    (alias_after_an_if_that_writes, (V3,)),
    (view_after_an_if_that_writes, (V3,)),
    (view_written_in_a_loop, (M32,)),
    (helper_writes_a_view, (M22,)),
    (write_clobbers_what_the_derivative_reads, (0.3,)),
    (augmented_slice_view, (0.7, V3)),
    (augmented_reversed_view, (V3,)),
    (augmented_rows_in_a_loop, (M22,)),
    (two_writes_through_a_slice, (0.7, M32)),
    (row_updated_from_itself, (M23,)),
    (row_updated_from_another_row, (M33,)),
    (row_updated_through_a_reshape, (M23,)),
    (repeated_index_written, (0.7,)),
    (repeated_index_augmented, (V3,)),
    (constants_then_a_value_appended, (0.7,)),
    (determinant_at_a_singular_matrix, (V3,)),
    (augmented_alias_of_an_indexed_array, (0.7,)),
]
IDS = [f.__name__ for f, _ in CASES]


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_both_modes_match_the_function_and_finite_differences(fn, args):
    wrt = tuple(range(len(args)))
    before = _copies(args)
    expected = fn(*_copies(args))
    value, _ = sad.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(expected, rel=1e-12)
    tangents = [np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args]
    value, _ = sad.jvp(fn, wrt=wrt)(*args, *tangents)
    assert value == pytest.approx(expected, rel=1e-12)
    sad.check_grads(fn, args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)   # the caller's arrays are left alone


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_the_general_derivative_too(fn, args):
    # float32 arguments: no float64 specialisation, the sharing questions asked at run time
    args = [a.astype(np.float32) if isinstance(a, np.ndarray) else np.float32(a) for a in args]
    wrt = tuple(range(len(args)))
    expected = fn(*_copies(args))
    value, grads = sad.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-5)
    tangents = [np.full_like(a, 0.5) for a in args]
    _, dot = sad.jvp(fn, wrt=wrt)(*args, *tangents)
    assert float(dot) == pytest.approx(sum(float(np.sum(g * t)) for g, t in
                                           zip(grads, tangents)), rel=1e-4, abs=1e-4)
