"""The public surface: grad, value_and_grad, vjp, jvp, wrt, types and shapes."""

import math

import numpy as np
import pytest

import sourcead as sad


def loss(w, x):
    h = np.tanh(x @ w)
    return np.sum(h ** 2)


def poly(x, y):
    return x * x * y + 3.0 * y


def vector_out(x, y):
    return np.sin(x) * y


def pair(x, y):
    return x * y, np.sum(x) + y


def defaults(x, scale=2.0):
    return np.sum(x * scale)


@pytest.fixture
def wx():
    rng = np.random.default_rng(1)
    return rng.standard_normal(3), rng.standard_normal((5, 3))


def test_grad_has_the_original_call_signature(wx):
    w, x = wx
    g = sad.grad(loss)(w, x)
    h = np.tanh(x @ w)
    assert g == pytest.approx(x.T @ (2 * h * (1 - h ** 2)))
    assert g.shape == w.shape


def test_grad_as_a_decorator():
    @sad.grad
    def f(x):
        return math.sin(x) * x
    assert f(0.5) == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))
    assert "def f_grad(x):" in f.source
    assert sad.source(f) == f.source


def test_wrt_by_index_name_and_tuple(wx):
    w, x = wx
    gw, gx = sad.grad(loss, wrt=(0, 1))(w, x)
    assert gw.shape == w.shape and gx.shape == x.shape
    assert sad.grad(loss, wrt="x")(w, x) == pytest.approx(gx)
    assert sad.grad(loss, wrt=-1)(w, x) == pytest.approx(gx)
    assert sad.grad(loss, wrt=("x", "w"))(w, x)[1] == pytest.approx(gw)


def test_value_and_grad(wx):
    w, x = wx
    value, (gw, gx) = sad.value_and_grad(loss, wrt=(0, 1))(w, x)
    assert value == pytest.approx(loss(w, x))
    assert gw == pytest.approx(sad.grad(loss)(w, x))
    value, g = sad.value_and_grad(poly)(2.0, 3.0)
    assert value == poly(2.0, 3.0) and g == 12.0


def test_float_in_float_out_array_in_array_out():
    g = sad.grad(poly, wrt=(0, 1))(2.0, 3.0)
    assert all(isinstance(v, float) for v in g)
    assert g == (12.0, 7.0)

    def total(x):
        return np.sum(x)
    gs = sad.grad(total)(1.5)
    assert isinstance(gs, float) and gs == 1.0
    ga = sad.grad(total)(np.ones((2, 3)))
    assert isinstance(ga, np.ndarray) and ga.shape == (2, 3) and np.all(ga == 1.0)
    ga.fill(5.0)  # a gradient is the caller's to write to


def test_broadcast_argument_gets_a_gradient_of_its_own_shape():
    def f(x, b):
        return np.sum(np.tanh(x + b))
    x = np.ones((4, 3))
    b = np.array([0.1, 0.2, 0.3])
    gb = sad.grad(f, wrt=1)(x, b)
    assert gb.shape == (3,)
    assert gb == pytest.approx(np.sum(1 - np.tanh(x + b) ** 2, axis=0))
    assert isinstance(sad.grad(f, wrt=1)(x, 0.5), float)


def test_vjp_of_an_array_valued_function():
    x = np.linspace(0.1, 1.0, 4)
    y = np.linspace(1.0, 2.0, 4)
    out, pullback = sad.vjp(vector_out, wrt=(0, 1))(x, y)
    assert out == pytest.approx(vector_out(x, y))
    u = np.arange(4.0)
    gx, gy = pullback(u)
    assert gx == pytest.approx(u * np.cos(x) * y)
    assert gy == pytest.approx(u * np.sin(x))
    gx_only = sad.vjp(vector_out)(x, y)[1](u)
    assert gx_only == pytest.approx(gx)


def test_vjp_of_a_tuple_valued_function():
    x = np.array([1.0, 2.0])
    (a, b), pullback = sad.vjp(pair, wrt=(0, 1))(x, 3.0)
    assert a == pytest.approx(x * 3.0) and b == pytest.approx(6.0)
    gx, gy = pullback((np.array([1.0, 1.0]), 2.0))
    assert gx == pytest.approx(np.array([5.0, 5.0]))
    assert gy == pytest.approx(3.0 + 2.0)
    sad.check_grads(pair, (x, 3.0))


def test_jvp_of_a_tuple_valued_function():
    x = np.array([1.0, 2.0])
    (a, b), (da, db) = sad.jvp(pair, wrt=(0, 1))(x, 3.0, np.ones(2), 0.5)
    assert da == pytest.approx(3.0 + 0.5 * x)
    assert db == pytest.approx(2.0 + 0.5)


def test_defaults_are_kept():
    x = np.ones(3)
    assert sad.grad(defaults)(x) == pytest.approx(np.full(3, 2.0))
    assert sad.grad(defaults)(x, 4.0) == pytest.approx(np.full(3, 4.0))
    assert sad.grad(defaults)(x, scale=4.0) == pytest.approx(np.full(3, 4.0))


def test_the_callers_arrays_are_never_modified(wx):
    w, x = wx
    w0, x0 = w.copy(), x.copy()
    sad.grad(loss, wrt=(0, 1))(w, x)
    sad.jvp(loss)(w, x, np.ones_like(w))
    _, pb = sad.vjp(loss, wrt=(0, 1))(w, x)
    pb(1.0)
    assert np.array_equal(w, w0) and np.array_equal(x, x0)


def inverse_norm(X):
    Y = np.linalg.inv(X)
    return np.sqrt(np.sum(Y * Y))


def my_cbrt(x):
    return np.cbrt(x)


@sad.jvp_rule(my_cbrt)
def _(dx, ans, x):
    return dx / (3.0 * ans * ans)


@sad.vjp_rule(my_cbrt)
def _(g, ans, x):
    return g * 2.0       # deliberately wrong


def uses_my_cbrt(x):
    return np.sum(my_cbrt(x) * x)


def test_user_rules_are_inlined_and_check_grads_reports_a_wrong_one():
    x = np.linspace(1.0, 2.0, 3)
    src = sad.jvp(uses_my_cbrt).source
    assert "my_cbrt(x)" in src and "/ (3.0 *" in src
    sad.check_grads(uses_my_cbrt, (x,), modes=("fwd",))
    with pytest.raises(AssertionError, match="reverse mode"):
        sad.check_grads(uses_my_cbrt, (x,), modes=("rev",))


def elementwise_chain(x):
    return np.sum(np.tanh(x) ** 2 * np.exp(-x))


def test_float64_arguments_get_temporaries_reused_in_place():
    g = sad.value_and_grad(elementwise_chain)
    x = np.linspace(-1.0, 1.0, 7)
    x0 = x.copy()
    v, dx = g(x)
    assert "np.exp(exp, out=exp)" in g.source and "exp *= 2" in g.source
    t = np.tanh(x0)
    e = np.exp(-x0)
    np.testing.assert_allclose(dx, t * e * (2 - t - 2 * t * t))
    np.testing.assert_array_equal(x, x0)
    # float32 (or int) arrays: the general variant, no writes into temporaries
    v32, dx32 = g(x.astype(np.float32))
    assert dx32.dtype == np.float32 and "out=" not in g.source
    np.testing.assert_allclose(dx32, dx, rtol=1e-5)
    # a Python float: the same float64 variant, augmented assignments only
    assert sad.grad(elementwise_chain)(0.3) == pytest.approx(
        float(np.tanh(0.3) * np.exp(-0.3) * (2 - np.tanh(0.3) - 2 * np.tanh(0.3) ** 2)))


def test_a_pullback_is_not_changed_by_in_place_reuse():
    _, pullback = sad.vjp(elementwise_chain)(np.linspace(-1.0, 1.0, 5))
    first = pullback(1.0)
    np.testing.assert_array_equal(first, pullback(1.0))


def scalar_sin(x):
    return math.sin(x) * x


def test_a_float_output_has_a_float_tangent():
    y, t = sad.jvp(scalar_sin)(0.3, 1.0)
    assert type(y) is float and type(t) is float
    assert t == pytest.approx(math.cos(0.3) * 0.3 + math.sin(0.3))


def test_check_grads_gives_each_evaluation_fresh_copies_of_the_arguments():
    # a function that writes into its arguments, as NumPy code may
    def running_mean(x, state):
        state["mean"] = 0.9 * state["mean"] + 0.1 * np.mean(x, axis=0)
        x[0] = x[0] * 2.0
        return np.sum(x ** 2) + np.sum(state["mean"] * x)
    x = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    state = {"mean": np.ones(2)}
    before = x.copy()
    sad.check_grads(running_mean, (x, state), wrt=0)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(state["mean"], np.ones(2))
