"""Classes and objects: bound methods differentiated (self's arrays are constants),
`self.W` reads and calls of other methods, `@sad.grad` on a method in a class body,
objects given as arguments or held by the module; both modes against finite
differences."""

import numpy as np
import pytest

import sourcead as sad

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=4), RNG.normal(size=3)


class MLP:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)

    def loss(self, x, y):
        return np.sum((self.forward(x) - y) ** 2) + self.penalty(x)

    def penalty(self, x, lam=0.1):
        return lam * np.sum(x ** 2)

    @sad.grad
    def input_grad(self, x, y):
        return self.loss(x, y)

    @classmethod
    def doubled(cls, v):
        return 2.0 * v


MODEL = MLP(RNG.normal(size=(3, 4)), RNG.normal(size=3))


def uses_module_model(x):
    return MODEL.loss(x, Y) + np.sum(MLP.doubled(x))


def takes_a_model(x, m):
    return m.loss(x, Y) * m.b[0]


@pytest.mark.parametrize("x", [X, -X, X * 3.0])
def test_bound_method(x):
    sad.check_grads(MODEL.loss, (x, Y))
    g = sad.grad(MODEL.loss)(x, Y)
    h = sad.grad(lambda x: MODEL.loss(x, Y))(x)
    assert g == pytest.approx(h)
    # wrt counts the arguments after self
    gy = sad.grad(MODEL.loss, wrt=1)(x, Y)
    assert gy == pytest.approx(-2 * (MODEL.forward(x) - Y))
    gx, gy2 = sad.grad(MODEL.loss, wrt=("x", "y"))(x, Y)
    assert gx == pytest.approx(g) and gy2 == pytest.approx(gy)
    v, t = sad.jvp(MODEL.loss)(x, Y, np.ones(4))
    assert v == pytest.approx(MODEL.loss(x, Y)) and t == pytest.approx(np.sum(g))


def test_decorated_method_binds_like_a_method():
    assert MODEL.input_grad(X, Y) == pytest.approx(sad.grad(MODEL.loss)(X, Y))
    other = MLP(MODEL.W * 2.0, MODEL.b)
    assert other.input_grad(X, Y) == pytest.approx(sad.grad(other.loss)(X, Y))
    assert not np.allclose(other.input_grad(X, Y), MODEL.input_grad(X, Y))


def test_objects_of_the_module_and_given_as_arguments():
    sad.check_grads(uses_module_model, (X,))
    sad.check_grads(takes_a_model, (X, MODEL), wrt=0)
    src = sad.grad(takes_a_model)
    src(X, MODEL)
    assert "m.loss" not in src.source and "W = m.W" in src.source   # read as it runs
    # the arrays of self are read when the derivative runs, not when it is built
    m = MLP(MODEL.W.copy(), MODEL.b.copy())
    g1 = sad.grad(takes_a_model)(X, m)
    m.W = m.W * 0.5
    g2 = sad.grad(takes_a_model)(X, m)
    assert g2 == pytest.approx(sad.grad(lambda x: takes_a_model(x, m))(X))
    assert not np.allclose(g1, g2)


def test_a_differentiated_value_stored_on_an_object_is_refused():
    def stores(x, m):
        m.cache = x
        return x * 2.0
    with pytest.raises(sad.SourceADError, match="attribute"):
        sad.grad(stores)(1.5, MLP(MODEL.W, MODEL.b))


# -- named tuples and dataclasses: parameter pytrees and values made inside ------------

from dataclasses import dataclass   # noqa: E402
from typing import NamedTuple       # noqa: E402
import functools                    # noqa: E402


@dataclass
class Linear:
    w: np.ndarray
    b: float

    def predict(self, x):
        return x @ self.w + self.b


class Gaussian(NamedTuple):
    mu: np.ndarray
    log_s: np.ndarray


DATA = RNG.normal(size=(5, 3))
TARGET = np.arange(5.0) / 4


def mse(p, X, y):
    return np.mean((p.predict(X) - y) ** 2)


def kl(q):
    mu, log_s = q
    return 0.5 * np.sum(q.mu ** 2 + np.exp(2 * q[1]) - 2 * log_s - 1.0)


def made_inside(w, b):
    p = Linear(w=w * 2.0, b=b)
    return mse(p, DATA, TARGET)


def returns_a_named_tuple(w):
    return Gaussian(mu=np.sin(w), log_s=w * 2.0)


P0 = Linear(np.array([0.1, -0.2, 0.3]), 0.5)
Q0 = Gaussian(np.array([0.3, 0.4]), np.array([-0.1, 0.2]))


def test_dataclass_parameters_give_gradients_of_their_type():
    g = sad.grad(mse)(P0, DATA, TARGET)
    assert isinstance(g, Linear)
    r = P0.predict(DATA) - TARGET
    assert g.w == pytest.approx(2 * DATA.T @ r / 5) and g.b == pytest.approx(2 * np.mean(r))
    sad.check_grads(lambda w, b: mse(Linear(w, b), DATA, TARGET), (P0.w, P0.b))
    y, t = sad.jvp(mse)(P0, DATA, TARGET, Linear(np.ones(3), 1.0))
    assert t == pytest.approx(np.sum(g.w) + g.b)
    with pytest.raises(sad.StructureError, match="Linear"):
        sad.jvp(mse)(P0, DATA, TARGET, (np.ones(3), 1.0))


def test_named_tuples_read_by_name_index_and_unpacking():
    g = sad.grad(kl)(Q0)
    assert isinstance(g, Gaussian)
    assert g.mu == pytest.approx(Q0.mu)
    assert g.log_s == pytest.approx(np.exp(2 * Q0.log_s) - 1.0)
    sad.check_grads(lambda m, s: kl(Gaussian(m, s)), (Q0.mu, Q0.log_s))


def test_records_made_inside_and_returned():
    sad.check_grads(made_inside, (P0.w, P0.b))
    y, t = sad.jvp(returns_a_named_tuple)(P0.w, np.ones(3))
    assert isinstance(y, Gaussian) and isinstance(t, Gaussian)
    assert t.mu == pytest.approx(np.cos(P0.w)) and t.log_s == pytest.approx(2.0 * np.ones(3))


def test_a_dataclass_is_not_a_sequence():
    def indexes(p):
        return p[0] * 2.0
    with pytest.raises(sad.SourceADError, match="dataclass"):
        sad.grad(indexes)(P0)


# -- functools.partial ---------------------------------------------------------------

def scaled_loss(w, x, scale=1.0):
    return scale * np.sum(np.tanh(w * x) ** 2)


PARTIAL = functools.partial(scaled_loss, x=X[:3], scale=2.0)


def uses_partials(w):
    f = functools.partial(scaled_loss, x=X[:3])
    return f(w) + PARTIAL(w) + sum(map(functools.partial(scaled_loss, x=X[:3]), [w, 2 * w]))


def test_partials():
    w = np.array([0.3, -0.2, 0.1])
    sad.check_grads(PARTIAL, (w,))
    assert sad.grad(PARTIAL)(w) == pytest.approx(sad.grad(scaled_loss)(w, X[:3], 2.0))
    sad.check_grads(uses_partials, (w,))
    # a partial's positional arguments come first; wrt counts the arguments after them
    p = functools.partial(scaled_loss, w)
    assert sad.grad(p)(X[:3]) == pytest.approx(sad.grad(scaled_loss, wrt=1)(w, X[:3]))


class _Elementwise:
    """A callable object that compares elementwise and cannot be hashed (like an array)."""
    __hash__ = None

    def __init__(self, k):
        self.k = k

    def __eq__(self, other):
        return np.array([True, False])

    def __call__(self, x):
        return np.sin(x) * self.k


ELEMENTWISE = _Elementwise(3.0)


def calls_an_elementwise_object(x):
    return np.sum(ELEMENTWISE(x))


def test_an_object_that_compares_elementwise_is_called():
    sad.check_grads(calls_an_elementwise_object, (X,))


class _Scaled:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return np.sin(x) * self.k


def test_a_callable_object_is_differentiated_through_its_call_method():
    assert sad.grad(lambda x: np.sum(ELEMENTWISE(x)))(X) == pytest.approx(3.0 * np.cos(X))
    y, t = sad.jvp(_Scaled(3.0))(X, np.ones_like(X))
    assert t == pytest.approx(3.0 * np.cos(X))
    sad.check_grads(lambda x, m: np.sum(m(x)), (X, _Scaled(2.0)), wrt=0)
