"""Lambdas: differentiated directly, assigned at module level, with defaults and
closures, called from other functions, several on one line, and in function bodies."""

import sys

import numpy as np
import pytest

import sourcead as sad
from sourcead.errors import SourceUnavailableError

X = np.array([0.3, -0.7, 1.1, 0.45])

objective = lambda w: np.sum(np.tanh(w) ** 2) + 0.5 * np.dot(w, w)  # noqa: E731

scale = 1.5
scaled = lambda w, c=2.0: scale * c * np.sin(w)  # noqa: E731   (a default and a global)

pair = (lambda v: np.sum(v ** 2), lambda v: np.sum(np.cos(v)))  # two on one line


def uses_module_lambda(x):
    return objective(x * 2.0) - np.sum(scaled(x))


def local_lambdas(x):
    sq = lambda t: t * t  # noqa: E731
    fs = [lambda t, k=k: t ** k for k in (1, 2, 3)]
    return np.sum(sq(np.sin(x))) + sum(fn(x[0]) for fn in fs)


def closure_over(a):
    return lambda x: np.sum(np.exp(a * x))


@pytest.mark.parametrize("x", [X, -X, X[::-1] * 2.0])
def test_lambda_given_directly(x):
    f = lambda x: np.sum(np.sin(x) * x) + np.prod(x[:2])  # noqa: E731
    sad.check_grads(f, (x,))
    v, g = sad.value_and_grad(f)(x)
    assert v == pytest.approx(f(x))
    assert g == pytest.approx(np.sin(x) + x * np.cos(x) +
                              np.r_[x[1], x[0], np.zeros(len(x) - 2)])


def test_module_lambda_is_named_after_its_name():
    df = sad.grad(objective)
    g = df(X)
    assert g == pytest.approx(2 * np.tanh(X) / np.cosh(X) ** 2 + X)
    assert "def objective_grad(" in df.source
    sad.check_grads(objective, (X,))
    # the same lambda twice gives the cached derivative
    assert sad.grad(objective)(X) == pytest.approx(g)


def test_lambda_with_default_and_global():
    sad.check_grads(lambda x: np.sum(scaled(x)), (X,))
    sad.check_grads(scaled, (X, 3.0))
    y, t = sad.jvp(scaled)(X, np.ones_like(X))
    assert y == pytest.approx(scaled(X))
    assert t == pytest.approx(scale * 2.0 * np.cos(X))
    y, t = sad.jvp(scaled, wrt=(0, 1))(X, 0.5, np.zeros_like(X), 1.0)
    assert t == pytest.approx(scale * np.sin(X))


def test_lambda_closing_over_a_value():
    f = closure_over(0.7)
    sad.check_grads(f, (X,))
    assert sad.grad(f)(X) == pytest.approx(0.7 * np.exp(0.7 * X))
    # another closure of the same code: its own constant
    assert sad.grad(closure_over(-2.0))(X) == pytest.approx(-2.0 * np.exp(-2.0 * X))


def test_lambdas_called_from_functions_and_in_bodies():
    for f in (uses_module_lambda, local_lambdas):
        sad.check_grads(f, (X,))
        assert sad.value_and_grad(f)(X)[0] == pytest.approx(f(X))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="columns of code positions: 3.11+")
def test_two_lambdas_on_one_line_told_apart():
    first, second = pair
    assert sad.grad(first)(X) == pytest.approx(2 * X)
    assert sad.grad(second)(X) == pytest.approx(-np.sin(X))
    sad.check_grads(second, (X,))


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.10 records no columns")
def test_two_lambdas_on_one_line_refused_without_columns():
    with pytest.raises(SourceUnavailableError, match="a line of its own"):
        sad.grad(pair[1])(X)


def test_lambda_without_source_is_refused():
    namespace = {}
    exec("f = lambda x: x * 2.0\n", namespace)
    with pytest.raises(SourceUnavailableError, match="no source file"):
        sad.grad(namespace["f"])(1.0)


def test_lambda_as_a_callee_of_a_derivative_of_a_derivative():
    h = sad.hessian(objective)(X)
    assert h == pytest.approx(np.diag(2 * (1 - 3 * np.tanh(X) ** 2) / np.cosh(X) ** 2 + 1.0))
