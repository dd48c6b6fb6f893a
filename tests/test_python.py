"""Everyday Python in both modes, against finite differences: array methods and
attributes, builtins on scalars and sequences."""

import numpy as np
import pytest

import sourcead as sad


def methods(x, y):
    a = x.sum(axis=0) * y.mean()
    b = y.dot(x)
    c = x.copy().astype(float)
    d = x.astype(int)
    return np.sum(a) + np.sum(b * b) + np.sum(c ** 3) + x.shape[0] * x.ndim + x.size + len(x) \
        + np.sum(d)


def builtins_on_scalars(x, y, z):
    a = max(x, y, 0.3) + min(x * y, z)
    b = sum((x, y, z)) + sum([x * x, y], 1.0)
    c = float(x) * abs(y)
    if isinstance(x, float):
        c = c * 2.0
    return a * b + c


def sum_of_rows(X):
    return np.sum(sum(X) ** 2)


CASES = [
    (methods, (np.linspace(0.1, 0.9, 6).reshape(2, 3), np.array([0.5, -0.3])), (0, 1)),
    (builtins_on_scalars, (0.7, 0.5, 0.2), (0, 1, 2)),
    (builtins_on_scalars, (0.1, 0.2, 1.5), (0, 1, 2)),
    (sum_of_rows, (np.linspace(0, 1, 6).reshape(3, 2),), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_both_modes_match_finite_differences(fn, args, wrt):
    sad.check_grads(fn, args, wrt=wrt)


def test_builtin_max_splits_a_tie_like_np_maximum():
    g = sad.grad(builtins_on_scalars, wrt=(0, 1))(0.4, 0.4, 0.9)
    x, y, z = 0.4, 0.4, 0.9
    b = x + y + z + 1.0 + x * x + y
    a = max(x, y, 0.3) + min(x * y, z)
    # d max(x, y) = 0.5 each on the tie; d min(xy, z) = (y, x); d c = |y| * 2 and x * 2 sign(y)
    assert g[0] == pytest.approx((0.5 + y) * b + a * (1 + 2 * x) + 2 * abs(y))
    assert g[1] == pytest.approx((0.5 + x) * b + a * 2 + 2 * x)


def test_methods_become_numpy_functions_in_generated_code():
    src = sad.grad(methods, wrt=(0, 1)).source
    assert "np.sum(x, axis=0)" in src and "np.mean(y)" in src and "np.dot(y, x)" in src
    assert "sad_rt.astype_discrete(x, dtype=int)" in src
