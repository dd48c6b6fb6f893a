"""The rest of NumPy that real code calls: einsum's interleaved form, np.r_ and np.c_,
np.select, np.rollaxis, np.partition, np.dsplit, astype with a dtype's name,
np.power at 0 with exponent 0, a list given where a function takes an array, list
slicing; both modes against finite differences."""

import numpy as np
import pytest

import sourcead as sad

A = np.arange(6.0).reshape(2, 3) / 5
W = np.random.default_rng(2).normal(size=(4, 5))


def einsum_interleaved(x):
    M = x[:6].reshape(2, 3)
    return np.sum(np.einsum(M, [0, 1], A.T, [1, 2])) + np.einsum(M, [0, 1], M, [0, 1], [])


def r_and_c(x):
    return np.sum(np.r_[x, x[:2] * 2, 3.0] ** 2) + np.sum(np.c_[x, x * 2] * np.arange(2))


def select(x):
    return np.sum(np.select([x > 0.5, x < -0.5], [x ** 2, -x], default=x * 3))


def rollaxis(x):
    return np.sum(np.rollaxis(x[:6].reshape(1, 2, 3), 2) * np.arange(3.0)[:, None, None]) + \
        np.sum(np.rollaxis(x[:6].reshape(2, 3), 1, 0) * A.T)


def partition(x):
    return np.sum(np.partition(x, 2)[:2] ** 2) + np.sum(np.partition(x, 4) * np.arange(6.0))


def dsplit(x):
    return np.sum(np.dsplit(x.reshape(1, 2, 3), [1])[1] ** 2)


def astype_by_name(x):
    return np.sum(x.astype("float64") ** 2) + np.sum(x.astype(np.float64))


def power_at_zero(x):
    return np.sum(np.power(x - x, 0.0) * x) + np.sum((x * 0.0) ** 0.0)


def list_given_as_an_array(x):
    return np.linalg.norm([x[0], x[1] + 2]) + np.sum([x[2], x[3] ** 2]) + np.mean((x[0], 1.0))


def list_slicing(x):
    xs = [x[0], x[1], x[2]]
    return xs[1:][0] * xs[-2:][1] + sum(xs[::2])


@pytest.mark.parametrize("f", [einsum_interleaved, r_and_c, select, rollaxis, partition,
                               dsplit, astype_by_name, power_at_zero, list_given_as_an_array,
                               list_slicing])
@pytest.mark.parametrize("x", [np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.8]),
                               np.array([1.3, 0.9, -1.1, 0.05, 0.6, -0.75])])
def test_in_both_modes(f, x):
    sad.check_grads(f, (x,))
    assert sad.value_and_grad(f)(x)[0] == pytest.approx(f(x))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_partition_along_each_axis(axis):
    x = np.random.default_rng(1).normal(size=(4, 5))
    weights = W.ravel() if axis is None else W
    sad.check_grads(lambda x: np.sum(np.partition(x, 2, axis=axis) * weights), (x,))


def test_power_at_zero_has_no_nan():
    x = np.zeros(3)
    g = sad.grad(lambda x: np.sum(np.power(x, 0.0)))(x)
    assert np.array_equal(g, np.zeros(3))
    y, t = sad.jvp(lambda x: np.sum(x ** 0.0))(x, np.ones(3))
    assert t == 0.0
