"""Custom derivatives: sad.custom_vjp / custom_jvp on the user's own functions (a stable
log-sum-exp; a fixed-point solver differentiated implicitly), and their checks."""

import numpy as np
import pytest

import sourcead as sad


@sad.custom_vjp
def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@logsumexp.defvjp
def _(g, ans, x):
    return g * np.exp(x - ans)


@logsumexp.defjvp
def _(dx, ans, x):
    return np.sum(dx * np.exp(x - ans))


def uses_logsumexp(x):
    return logsumexp(x * 2.0) ** 2


def test_a_custom_rule_is_used_inlined_and_checked():
    x = np.array([0.3, -1.0, 2.0])
    sad.check_grads(uses_logsumexp, (x,))
    src = sad.grad(uses_logsumexp).source
    assert "np.exp(mul - logsumexp" in src           # the user's formula, inlined
    big = np.array([1000.0, 1001.0, 999.0])          # no overflow: the rule is stable
    g = sad.grad(uses_logsumexp)(big)
    assert np.all(np.isfinite(g))
    soft = np.exp(2 * big - 2 * big.max()) / np.sum(np.exp(2 * big - 2 * big.max()))
    np.testing.assert_allclose(g, 2 * logsumexp(2 * big) * 2 * soft)


# A fixed point x = tanh(W x + b), found by iteration; its derivative by the implicit
# function theorem: the adjoint u solves u = g + J^T u, J = diag(1 - x^2) W, itself by
# iteration, instead of differentiating every iteration of the solver.
@sad.custom_vjp
def fixed_point(W, b):
    x = np.zeros_like(b)
    for i in range(200):
        x = np.tanh(W @ x + b)
    return x


@fixed_point.defvjp
def _(g, ans, W, b):
    d = 1.0 - ans * ans
    u = g
    for i in range(200):
        u = g + W.T @ (d * u)
    v = d * u
    return np.outer(v, ans), v


def fixed_point_loss(W, b):
    return np.sum(fixed_point(W, b) ** 2)


def test_an_implicitly_differentiated_fixed_point():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 3)) * 0.3, rng.normal(size=3)
    gW, gb = sad.grad(fixed_point_loss, wrt=(0, 1))(W, b)
    eps = 1e-6
    num_b = [(fixed_point_loss(W, b + eps * e) - fixed_point_loss(W, b - eps * e)) / (2 * eps)
             for e in np.eye(3)]
    np.testing.assert_allclose(gb, num_b, rtol=1e-6)
    E = np.zeros((3, 3))
    E[0, 1] = eps
    num_W01 = (fixed_point_loss(W + E, b) - fixed_point_loss(W - E, b)) / (2 * eps)
    assert gW[0, 1] == pytest.approx(num_W01, rel=1e-6)


@sad.custom_vjp
def bad_shape(x):
    return np.sum(x)


@bad_shape.defvjp
def _(g, ans, x):
    return np.ones(7)


@bad_shape.defjvp
def _(dx, ans, x):
    return np.ones(2)


def uses_bad_shape(x):
    return bad_shape(x) * 2.0


def test_a_rule_with_the_wrong_shape_is_caught_at_first_use():
    with pytest.raises(ValueError, match=r"VJP rule for `bad_shape`.*shape \(7,\)"):
        sad.grad(uses_bad_shape)(np.ones(3))
    with pytest.raises(ValueError, match=r"JVP rule for `bad_shape`.*shape \(2,\)"):
        sad.jvp(uses_bad_shape)(np.ones(3), np.ones(3))


# --- gradient hooks ----------------------------------------------------------------------------

LOG = []


def clipped(x, w):
    h = np.tanh(x * w)
    with sad.insert_grad_of(h) as gh:
        LOG.append(np.sum(gh))          # logging: runs in the adjoint sweep
        gh = np.clip(gh, -0.1, 0.1)     # clipping: the new adjoint of h
    with sad.insert_grad_of(w) as gw:   # on an argument: after everything else
        gw = gw * 0.5
    return np.sum(h * 5.0)


def test_gradient_hooks_see_and_replace_a_complete_adjoint():
    x, w = np.array([0.3, -0.2]), 0.7
    LOG.clear()
    g = sad.grad(clipped, wrt=1)(x, w)
    h = np.tanh(x * w)
    assert g == pytest.approx(0.5 * np.sum(0.1 * (1 - h ** 2) * x))
    assert LOG == [pytest.approx(10.0)]
    src = sad.grad(clipped, wrt=1).source
    assert "np.clip(h_bar, -0.1, 0.1)" in src
    # a plain call runs the block once, on a zero
    LOG.clear()
    assert clipped(x, w) == pytest.approx(np.sum(np.tanh(x * w) * 5.0))
    assert LOG == [0.0]
