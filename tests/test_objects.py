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
