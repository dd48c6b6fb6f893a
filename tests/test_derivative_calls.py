"""Functions that call derivative objects (grad, value_and_grad, jvp, jacfwd, jacrev,
hessian, hvp), differentiated in both modes and at higher order, against finite
differences of those functions and against their own values; and the caches, which
must not mistake two functions with one code object for one another."""

import functools

import numpy as np
import pytest

import sourcead as sad

RNG = np.random.default_rng(11)
A = RNG.normal(size=(4, 3))
W = RNG.normal(size=(2, 3))


# --- the functions whose derivatives are called --------------------------------------

def scalar(x):
    return np.sum(np.sin(x) * x ** 2) + np.sum(x) ** 3


def vector(x):
    return np.tanh(A @ np.ravel(x)) * np.sum(x ** 2)


def looped(x):
    for k in range(3):
        x = np.sin(x) * 0.8 + x * 0.5
    return np.sum(x ** 2)


def two_args(x, w):
    return np.sum(np.tanh(w @ x) ** 2) + np.sum(w * w) * np.sum(x)


GRAD = sad.grad(scalar)
VALUE_AND_GRAD = sad.value_and_grad(scalar)
JVP = sad.jvp(vector)
JACFWD = sad.jacfwd(vector)
JACREV = sad.jacrev(vector)
HESSIAN = sad.hessian(scalar)
HVP = sad.hvp(scalar)
GRAD_LOOPED = sad.grad(looped)
GRAD_W = sad.grad(two_args, wrt=1)
DIRECTION = RNG.normal(size=3)


def calls_grad(x):
    return GRAD(x) * x


def calls_value_and_grad(x):
    value, g = VALUE_AND_GRAD(x)
    return g * value


def calls_jvp(x):
    y, y_dot = JVP(x, DIRECTION)
    return y_dot * y


def calls_jacfwd(x):
    return JACFWD(x) * 2.0


def calls_jacrev(x):
    return np.tanh(JACREV(x))


def calls_hessian(x):
    return HESSIAN(x) @ x


def calls_hvp(x):
    return HVP(x, DIRECTION) * x


def calls_grad_of_loop(x):
    return GRAD_LOOPED(x) ** 2


def calls_grad_wrt_w(x):
    return GRAD_W(x, W) * np.sum(x)


def calls_two(x):
    # two derivative objects, and the function itself
    return np.sum(JACFWD(x) @ GRAD(x)) + scalar(x)


CALLERS = [calls_grad, calls_value_and_grad, calls_jvp, calls_jacfwd, calls_jacrev,
           calls_hessian, calls_hvp, calls_grad_of_loop, calls_grad_wrt_w, calls_two]


def _fd_jacobian(h, x, eps=1e-6):
    cols = [(np.asarray(h(x + eps * e)) - np.asarray(h(x - eps * e))) / (2 * eps)
            for e in np.eye(x.size).reshape((x.size,) + x.shape)]
    return np.stack(cols, axis=-1).reshape(np.shape(h(x)) + x.shape)


def _points():
    rng = np.random.default_rng(5)
    return [rng.normal(size=3) * s for s in (0.5, 1.0, 1.5)]


@pytest.mark.parametrize("h", CALLERS, ids=lambda f: f.__name__)
def test_first_derivatives_of_functions_that_call_derivatives(h):
    for x in _points():
        want = _fd_jacobian(h, x)
        value = h(x)
        v = np.random.default_rng(1).normal(size=x.shape)
        y, y_dot = sad.jvp(h)(x, v)
        np.testing.assert_allclose(y, value, rtol=1e-12)
        np.testing.assert_allclose(y_dot, want @ v, rtol=1e-6, atol=1e-6)
        y, pullback = sad.vjp(h)(x)
        assert np.shape(y) == np.shape(value)
        np.testing.assert_allclose(y, value, rtol=1e-12)
        u = np.random.default_rng(2).normal(size=np.shape(value))
        np.testing.assert_allclose(pullback(u), np.tensordot(u, want, np.ndim(value)),
                                   rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(sad.jacfwd(h)(x), want, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(sad.jacrev(h)(x), want, rtol=1e-6, atol=1e-6)
        sad.check_grads(h, (x,))


@pytest.mark.parametrize("h", [h for h in CALLERS if h is not calls_grad_of_loop],
                         ids=lambda f: f.__name__)
def test_second_derivatives_of_functions_that_call_derivatives(h):
    def s(x):
        return np.sum(h(x) ** 2)
    g = sad.grad(s)
    for x in _points()[:2]:
        value, gx = sad.value_and_grad(s)(x)
        assert value == pytest.approx(s(x), rel=1e-12)
        np.testing.assert_allclose(gx, _fd_jacobian(s, x), rtol=1e-6, atol=1e-6)
        want = _fd_jacobian(g, x)
        np.testing.assert_allclose(sad.hessian(s)(x), want, rtol=1e-5, atol=1e-5)
        v = np.random.default_rng(3).normal(size=x.shape)
        np.testing.assert_allclose(sad.hvp(s)(x, v), want @ v, rtol=1e-5, atol=1e-5)
        y, pullback = sad.vjp(g)(x)
        np.testing.assert_allclose(pullback(v), want.T @ v, rtol=1e-5, atol=1e-5)


def test_the_report_vjp_of_a_function_that_calls_jacrev():
    # J = jacrev(f); h(x) = J(x): vjp(h) differentiated f (an output of shape (2, 2)
    # where h's is (2, 2, 2))
    def f(x):
        return np.outer(np.sin(x), x)
    J = sad.jacrev(f)

    def h(x):
        return J(x)
    for x in (np.array([0.3, -1.2]), np.array([1.1, 0.4])):
        y, pullback = sad.vjp(h)(x)
        assert y.shape == (2, 2, 2)
        np.testing.assert_allclose(y, J(x), rtol=1e-14)
        u = np.random.default_rng(0).normal(size=(2, 2, 2))
        np.testing.assert_allclose(pullback(u), np.tensordot(u, _fd_jacobian(h, x), 3),
                                   rtol=1e-6, atol=1e-8)
        y, y_dot = sad.jvp(h)(x, np.array([1.0, -0.5]))
        np.testing.assert_allclose(y_dot, _fd_jacobian(h, x) @ [1.0, -0.5], atol=1e-8)


def test_derivatives_of_derivative_objects_themselves():
    x = _points()[0]
    # a Jacobian of a Jacobian: the Hessian of each output, by either mode
    want = _fd_jacobian(JACFWD, x)
    np.testing.assert_allclose(sad.jacfwd(JACREV)(x), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sad.jacrev(JACFWD)(x), want, rtol=1e-6, atol=1e-6)
    y, pullback = sad.vjp(HESSIAN)(x)
    np.testing.assert_allclose(y, HESSIAN(x), rtol=1e-12)
    u = np.random.default_rng(4).normal(size=(3, 3))
    np.testing.assert_allclose(pullback(u), np.tensordot(u, _fd_jacobian(HESSIAN, x), 2),
                               rtol=1e-6, atol=1e-6)
    sad.check_grads(HVP, (x, DIRECTION))
    assert "for tangent in sad_rt.basis(x):" in JACREV.source


def test_with_matrix_arguments_and_a_second_parameter():
    def f(m, b):
        return np.tanh(m @ b) * np.sum(m)
    J = sad.jacfwd(f)                   # (4,) + (4, 3)
    JB = sad.jacrev(f, wrt="b")         # (4,) + (3,)

    def h(m, b):
        return np.sum(J(m, b) ** 2, axis=0) + JB(m, b) * b
    rng = np.random.default_rng(8)
    m, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    assert h(m, b).shape == (4, 3)
    sad.check_grads(h, (m, b))
    sad.check_grads(h, (m * 2.0, -b))


def test_cache_tells_closures_of_one_def_apart():
    # the callee of a closure is built into its derivative: make(np.sin) and
    # make(np.cos) share their code object, not their derivative
    def make(g):
        def f(x):
            return g(x) * 2.0
        return f
    f_sin, f_cos = make(np.sin), make(np.cos)
    assert sad.grad(f_sin)(0.3) == pytest.approx(2 * np.cos(0.3))
    assert sad.grad(f_cos)(0.3) == pytest.approx(-2 * np.sin(0.3))
    assert sad.jvp(f_cos)(0.3, 1.0)[1] == pytest.approx(-2 * np.sin(0.3))

    def square(x):
        return x * x

    def cube(x):
        return x * x * x
    assert sad.grad(make(square))(0.5) == pytest.approx(2.0)
    assert sad.grad(make(cube))(0.5) == pytest.approx(1.5)
    # and the closures jacfwd and jacrev used to return (one code object for all)
    J1, J2 = sad.jacfwd(np_sin_sum), sad.jacfwd(np_cos_sum)

    def h1(x):
        return J1(x)

    def h2(x):
        return J2(x)
    x = np.array([0.2, 0.9])
    diagonal = np.zeros((2, 2, 2))
    diagonal[[0, 1], [0, 1], [0, 1]] = 1.0
    np.testing.assert_allclose(sad.jacfwd(h1)(x), -np.sin(x) * diagonal, atol=1e-12)
    np.testing.assert_allclose(sad.jacfwd(h2)(x), -np.cos(x) * diagonal, atol=1e-12)


def np_sin_sum(x):
    return np.sin(x)


def np_cos_sum(x):
    return np.cos(x)


HELPER = np.sin


def uses_helper(x):
    return HELPER(x) * x


def test_cache_sees_a_rebound_global_function():
    global HELPER
    try:
        x = 0.4
        assert sad.grad(uses_helper)(x) == pytest.approx(np.cos(x) * x + np.sin(x))
        HELPER = np.exp
        assert sad.grad(uses_helper)(x) == pytest.approx(np.exp(x) * x + np.exp(x))
    finally:
        HELPER = np.sin


PULLBACKS = sad.vjp(vector)


def calls_vjp(x):
    y, pullback = PULLBACKS(x)
    return y * 2.0


def calls_with_a_tuple(x):
    return np.sum(JACFWD((x,)))


def test_calls_that_are_not_differentiated_are_refused_clearly():
    x = _points()[0]
    for transform in (sad.jvp, sad.vjp):
        with pytest.raises(sad.NoDerivativeError, match="pullback, a function made at run"):
            d = transform(calls_vjp)
            d(x, x) if transform is sad.jvp else d(x)
    with pytest.raises(sad.NoDerivativeError, match="arrays and numbers, not tuples"):
        sad.vjp(calls_with_a_tuple)(x)
    # the forward derivative of a gradient whose code calls pullbacks
    def s(x):
        return np.sum(GRAD(x) ** 2)
    with pytest.raises(TypeError, match="sourcead.hvp and sourcead.hessian"):
        sad.jvp(sad.grad(s))
    # a third derivative through a loop: the Hessian of a function of a gradient whose
    # code has tapes (its reverse would reverse them)
    def of_looped(x):
        return np.sum(calls_grad_of_loop(x) ** 2)
    with pytest.raises(sad.NoDerivativeError, match="`next`"):
        sad.hessian(of_looped)(_points()[0])


def doubled(f):
    @functools.wraps(f)
    def wrapper(x):
        return 2.0 * f(x)
    return wrapper


@doubled
def sine_doubled(x):
    return np.sin(x)


def test_a_decorated_function_is_differentiated_as_decorated():
    # functools.wraps names the function wrapped (__wrapped__): its source is not the one
    # that runs
    assert sad.grad(sine_doubled)(0.3) == pytest.approx(2.0 * np.cos(0.3))
    sad.check_grads(sine_doubled, (np.array([0.3, -0.8]),))
