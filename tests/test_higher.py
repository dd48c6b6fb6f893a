"""Higher order (generated code differentiated again), has_aux and stop_gradient,
checked against finite differences of gradients."""

import numpy as np
import pytest

import sourcead as sad


def smooth(x, A):
    return np.sum(np.tanh(A @ x) ** 2) + np.sum(x ** 3) * np.mean(x)


def looped(x, a):
    for i in range(3):
        x = np.sin(x) * a + x
    return np.sum(x ** 2)


def branchy(x):
    if np.sum(x) > 0:
        y = np.exp(x) * x
    else:
        y = np.cos(x)
    return np.sum(y * y)


def vector_valued(x, A):
    return np.tanh(A @ x) * np.sum(x)


def _fd_jacobian(g, x, eps=1e-6):
    cols = [(np.asarray(g(x + eps * e)) - np.asarray(g(x - eps * e))) / (2 * eps)
            for e in np.eye(x.size).reshape((x.size,) + x.shape)]
    return np.stack(cols, axis=-1).reshape(np.shape(g(x)) + x.shape)


RNG = np.random.default_rng(0)
X, A = RNG.normal(size=3), RNG.normal(size=(3, 3))


@pytest.mark.parametrize("fn, args", [(smooth, (X, A)), (looped, (X, 0.7)),
                                      (branchy, (X,)), (branchy, (-np.abs(X),))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_and_hvp_match_finite_differences_of_the_gradient(fn, args):
    g = sad.grad(fn)
    want = _fd_jacobian(lambda x: g(x, *args[1:]), args[0])
    np.testing.assert_allclose(sad.hessian(fn)(*args), want, rtol=1e-5, atol=1e-6)
    v = RNG.normal(size=3)
    np.testing.assert_allclose(sad.hvp(fn)(*args, v), want @ v, rtol=1e-5, atol=1e-6)


def test_jacfwd_and_jacrev_agree_with_finite_differences():
    want = _fd_jacobian(lambda x: vector_valued(x, A), X)
    np.testing.assert_allclose(sad.jacfwd(vector_valued)(X, A), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sad.jacrev(vector_valued)(X, A), want, rtol=1e-6, atol=1e-8)
    j = sad.jacrev(vector_valued, wrt=1)(X, A)   # with respect to a matrix: (3,) + (3, 3)
    assert j.shape == (3, 3, 3)
    np.testing.assert_allclose(j, sad.jacfwd(vector_valued, wrt=1)(X, A), atol=1e-12)


def test_grad_of_grad_and_jvp_of_grad():
    def f(x):
        return np.sin(x) * x ** 3
    x = 0.7
    second = -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x
    assert sad.grad(sad.grad(f))(x) == pytest.approx(second)
    assert sad.jvp(sad.grad(f))(x, 1.0)[1] == pytest.approx(second)
    # reverse over reverse for arrays: the gradient of |grad h|^2
    w, xs = np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]])

    def h(w, x):
        return np.sum(np.tanh(x @ w) ** 2)
    g = sad.grad(h)
    y, pullback = sad.vjp(g)(w, xs)
    want = _fd_jacobian(lambda v: np.sum(g(v, xs) ** 2), w)
    np.testing.assert_allclose(pullback(2 * y), want, rtol=1e-5)


def test_higher_order_errors_are_clear():
    with pytest.raises(TypeError, match="scalar"):
        sad.hessian(vector_valued)(X, A)
    with pytest.raises(ValueError, match="shape"):
        sad.hvp(smooth)(X, A, np.ones(4))
    with pytest.raises(sad.WrtError):
        sad.hessian(smooth, wrt=(0, 1))


def with_aux(w, x):
    pred = np.tanh(x @ w)
    return np.sum(pred ** 2), {"pred": pred, "norm": np.sum(w * w)}


def test_has_aux_passes_aux_through():
    w, x = np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]])
    g, aux = sad.grad(with_aux, has_aux=True)(w, x)
    np.testing.assert_allclose(g, sad.grad(lambda_free_loss)(w, x))
    np.testing.assert_allclose(aux["pred"], np.tanh(x @ w))
    (v, aux2), g2 = sad.value_and_grad(with_aux, has_aux=True)(w, x)
    assert v == pytest.approx(lambda_free_loss(w, x)) and aux2["norm"] == pytest.approx(0.13)
    y, pullback, aux3 = sad.vjp(with_aux, has_aux=True)(w, x)
    np.testing.assert_allclose(pullback(1.0), g)
    with pytest.raises(TypeError, match="pair"):
        sad.grad(smooth, has_aux=True)(X, A)


def lambda_free_loss(w, x):
    return np.sum(np.tanh(x @ w) ** 2)


def test_stop_gradient_makes_a_constant():
    def f(x):
        c = sad.stop_gradient(np.sum(x))
        return np.sum(x * c)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(sad.grad(f)(x), [3.0, 3.0])
    assert sad.jvp(f)(x, np.ones(2))[1] == pytest.approx(6.0)
    assert sad.stop_gradient(x) is x


def test_has_aux_with_a_dict_argument():
    def g(p, x):
        return np.sum(p["w"] * x), x * 2.0
    grads, aux = sad.grad(g, has_aux=True)({"w": np.ones(3)}, np.arange(3.0))
    np.testing.assert_allclose(grads["w"], np.arange(3.0))
    np.testing.assert_allclose(aux, 2 * np.arange(3.0))
    (v, aux), grads = sad.value_and_grad(g, has_aux=True)({"w": np.ones(3)}, np.arange(3.0))
    assert v == pytest.approx(3.0)


def test_hvp_of_a_dict_of_parameters_and_other_higher_order_refused_clearly():
    def loss(p, x):
        h = np.tanh(x @ p["W"] + p["b"])
        return np.sum(h ** 2) + np.sum(p["W"] ** 4)
    rng = np.random.default_rng(3)
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    x = rng.normal(size=(4, 3))
    v = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    hv = sad.hvp(loss)(p, x, v)
    g = sad.grad(loss)
    eps = 1e-6
    plus = g({k: p[k] + eps * v[k] for k in p}, x)
    minus = g({k: p[k] - eps * v[k] for k in p}, x)
    assert set(hv) == {"W", "b"}
    for k in p:
        np.testing.assert_allclose(hv[k], (plus[k] - minus[k]) / (2 * eps), rtol=1e-6,
                                   atol=1e-8)
    with pytest.raises(ValueError, match="structure"):
        sad.hvp(loss)(p, x, {"W": v["W"]})
    with pytest.raises(TypeError, match="array or a float"):
        sad.hessian(loss)(p, x)
    with pytest.raises(TypeError, match="sourcead.hvp"):
        sad.jvp(sad.grad(loss))(p, x, v)


def scalar_looped(x):
    for i in range(3):
        x = np.sin(x) * 0.5 + x
    return x * x


def test_derivatives_of_a_gradient_through_loops():
    g = sad.grad(scalar_looped)
    eps = 1e-6
    want = (g(0.3 + eps) - g(0.3 - eps)) / (2 * eps)
    assert sad.grad(sad.grad(scalar_looped))(0.3) == pytest.approx(want, rel=1e-6)
    v, d2 = sad.value_and_grad(sad.grad(scalar_looped))(0.3)
    assert v == pytest.approx(g(0.3)) and d2 == pytest.approx(want, rel=1e-6)
    # vjp of a gradient: Hessian-vector products, through the loop
    y, pullback = sad.vjp(sad.grad(looped))(X, 0.7)
    H = sad.hessian(looped)(X, 0.7)
    u = RNG.normal(size=3)
    np.testing.assert_allclose(pullback(u), H.T @ u, rtol=1e-10)
    with pytest.raises(TypeError, match="hessian"):
        sad.grad(sad.grad(looped))(X, 0.7)


def while_looped(a, b):
    s = a
    k = 0
    while k < 3:
        s = np.sin(s * b) + s * a
        k += 1
    return s * b


def test_mixed_second_derivatives_through_loops():
    # d/da of dL/dx, and of several arguments: reverse over forward, through loops
    eps = 1e-6
    g = sad.grad(looped)                        # with respect to x
    u = RNG.normal(size=3)
    y, pullback = sad.vjp(g, wrt=1)(X, 0.7)
    want = (g(X, 0.7 + eps) @ u - g(X, 0.7 - eps) @ u) / (2 * eps)
    assert pullback(u) == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(y, g(X, 0.7))
    y, pullback = sad.vjp(g, wrt=(0, 1))(X, 0.7)
    hx, ha = pullback(u)
    np.testing.assert_allclose(hx, sad.hessian(looped)(X, 0.7) @ u, rtol=1e-8)
    assert ha == pytest.approx(want, rel=1e-6)
    # a scalar gradient, differentiated with respect to the other argument of a while loop
    ga = sad.grad(while_looped)
    want = (ga(0.4, 0.9 + eps) - ga(0.4, 0.9 - eps)) / (2 * eps)
    assert sad.grad(ga, wrt=1)(0.4, 0.9) == pytest.approx(want, rel=1e-6)
    value, (daa, dab) = sad.value_and_grad(ga, wrt=(0, 1))(0.4, 0.9)
    assert value == pytest.approx(ga(0.4, 0.9)) and dab == pytest.approx(want, rel=1e-6)
    assert "while_looped_jvp" in sad.grad(ga, wrt=1).source   # the code that ran
    # a gradient with respect to several arguments: its VJP takes one cotangent each
    g2 = sad.grad(looped, wrt=(0, 1))
    y, pullback = sad.vjp(g2, wrt=1)(X, 0.7)

    def phi(a):
        gx, ga_ = g2(X, a)
        return gx @ u + 0.5 * ga_
    assert pullback((u, 0.5)) == pytest.approx((phi(0.7 + eps) - phi(0.7 - eps)) / (2 * eps),
                                              rel=1e-6)
    with pytest.raises(TypeError, match="tuple"):
        sad.grad(g2, wrt=1)(X, 0.7)


# --- second derivatives through the helpers of adjoint code ---------------------------
#
# Forward over reverse differentiates the adjoint code, and so the helpers it calls. A
# helper declared without derivative was taken as a constant there: the Hessians below
# were silently wrong (most by an order of magnitude). Each helper now has a rule, or
# is refused.

def h_tile(x): return np.sum(np.tile(x, 2) ** 3)
def h_repeat(x): return np.sum(np.repeat(x, 2) ** 3)
def h_pad(x): return np.sum(np.pad(x, 1, mode="edge") ** 3)
def h_take(x): return np.sum(np.take(x, [0, 2, 2]) ** 3)
def h_index(x): return np.sum(x[[0, 2, 2]] ** 3)
def h_diag(x): return np.sum(np.diag(np.outer(x, x)) ** 2)
def h_trace(x): return np.trace(np.outer(x, x ** 2)) ** 2
def h_diff(x): return np.sum(np.diff(x) ** 3)
def h_gradient(x): return np.sum(np.gradient(x) ** 3)
def h_kron(x): return np.sum(np.kron(x, x) ** 2)
def h_cross(x): return np.sum(np.cross(x, x ** 2) ** 2)
def h_convolve(x): return np.sum(np.convolve(x, x) ** 2)
def h_tensordot(x): return np.tensordot(x, x ** 2, 1) ** 2
def h_inner(x): return np.inner(x, x ** 2) ** 2
def h_solve(x): return np.sum(np.linalg.solve(np.outer(x, x) + 3 * np.eye(3), x) ** 2)


def h_prod(x): return np.prod(x)
def h_cumprod(x): return np.sum(np.cumprod(x) ** 2)
def h_norm1(x): return np.linalg.norm(np.outer(x, x + 1.0), 1) ** 2


@pytest.mark.parametrize("fn", [h_tile, h_repeat, h_pad, h_take, h_index, h_diag, h_trace,
                                h_diff, h_gradient, h_kron, h_cross, h_convolve,
                                h_tensordot, h_inner, h_solve],
                         ids=lambda f: f.__name__)
def test_hessians_through_adjoint_helpers(fn):
    g = sad.grad(fn)
    for x in (np.array([0.3, -0.7, 1.1]), np.array([1.2, 0.4, -0.9])):
        want = _fd_jacobian(lambda v: g(v), x)
        np.testing.assert_allclose(sad.hessian(fn)(x), want, rtol=1e-5, atol=1e-6)
        v = np.array([0.5, -1.0, 2.0])
        np.testing.assert_allclose(sad.hvp(fn)(x, v), want @ v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [h_prod, h_cumprod, h_norm1], ids=lambda f: f.__name__)
def test_hessians_through_helpers_without_rules_are_refused(fn):
    # prod_others, cumprod_adjoint, matrix_norm_adjoint: no rule of their own yet; a
    # NoDerivativeError, not their value taken as a constant
    with pytest.raises(sad.NoDerivativeError, match="sad_rt"):
        sad.hessian(fn)(np.array([0.3, -0.7, 1.1]))
