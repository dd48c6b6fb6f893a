"""Derivatives inside a differentiated function (gradient penalties, Newton steps,
meta-learning): sad.grad, value_and_grad, jacrev, jacfwd, hessian, hvp and jvp called in
the body are made while sourcead reads it and differentiated like any callee; a vjp's
pullback is refused. Second order through np.array and np.stack of differentiated
values."""

import numpy as np
import pytest

import sourcead as sad

X = np.array([0.3, -0.5, 0.9])


def f(x):
    return np.sin(x) * x[0]


def g(x):
    return np.sum(np.sin(x) ** 2) + x[0] * x[1] ** 2


JACOBIAN = sad.jacrev(f)


def module_jacobian(x):
    return np.sum(JACOBIAN(x) ** 2)


def gradient_penalty(x):
    return g(x) + 0.5 * np.sum(sad.grad(g)(x) ** 2)


def jacobians_in_the_body(x):
    return np.sum(sad.jacrev(f)(x) ** 2) + np.sum(sad.jacfwd(f)(x) * np.arange(3.0))


def value_and_gradient(x):
    v, gr = sad.value_and_grad(g)(x)
    return v * np.sum(gr)


def hessian_vector(x):
    return np.sum(sad.hvp(g)(x, x) ** 2)


def directional(x):
    y, t = sad.jvp(f)(x, np.ones(3))
    return np.sum(t * y)


def newton_step(x):
    step = np.linalg.solve(sad.hessian(g)(x) + 3.0 * np.eye(3), sad.grad(g)(x))
    return g(x - step)


def inner_sgd(w):
    # one step of an inner loop, differentiated through (meta-learning)
    w1 = w - 0.1 * sad.grad(g)(w)
    return g(w1)


@pytest.mark.parametrize("fn", [module_jacobian, gradient_penalty, jacobians_in_the_body,
                                value_and_gradient, hessian_vector, directional, newton_step,
                                inner_sgd])
@pytest.mark.parametrize("x", [X, -X * 2.0])
def test_derivatives_inside(fn, x):
    sad.check_grads(fn, (x,))
    assert sad.value_and_grad(fn)(x)[0] == pytest.approx(fn(x))


def test_the_inner_derivative_is_generated_code_in_the_source():
    d = sad.grad(gradient_penalty)
    d(X)
    assert "def g_grad_vjp(" in d.source or "g_grad_pullback" in d.source


def test_a_pullback_inside_is_refused():
    def uses_vjp(x):
        y, pullback = sad.vjp(f)(x)
        return np.sum(pullback(np.ones(3)))
    with pytest.raises(sad.SourceADError, match="pullback"):
        sad.grad(uses_vjp)(X)


def through_array_and_stack(x):
    return np.sum(np.array([x[0] * x[1], x[1] ** 2, np.sin(x[2])]) ** 2) + \
        np.sum(np.stack([x[:2] * x[1], np.sin(x[1:])]) ** 2)


def test_second_order_through_array_and_stack():
    H = sad.hessian(through_array_and_stack)(X)
    eps = 1e-5
    grad = sad.grad(through_array_and_stack)
    numeric = np.array([(grad(X + eps * e) - grad(X - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sad.hvp(through_array_and_stack)(X, X), H @ X, rtol=1e-10)


def ridge(w, *, lam=0.1):
    return np.sum((w - 1.0) ** 2) + lam * np.sum(w ** 4)


def penalty_with_a_default(w):
    # the inner gradient's code takes every parameter of ridge: lam at its default
    return ridge(w) + 0.1 * np.sum(sad.grad(ridge)(w) ** 2) + np.sum(sad.jvp(ridge)(w, w)[1])


def test_inner_derivatives_of_functions_with_defaults():
    sad.check_grads(penalty_with_a_default, (X,))


def newton_with_a_default(w):
    step = np.linalg.solve(sad.hessian(ridge)(w) + np.eye(3), sad.grad(ridge)(w))
    return ridge(w - step)


def test_hessians_of_functions_with_keyword_only_defaults():
    H = sad.hessian(ridge)(X)
    np.testing.assert_allclose(H, np.diag(2.0 + 1.2 * X ** 2), rtol=1e-10)
    np.testing.assert_allclose(sad.hvp(ridge)(X, np.ones(3)), 2.0 + 1.2 * X ** 2, rtol=1e-10)
    sad.check_grads(newton_with_a_default, (X,))
