"""The transformation cache: counted, keyed by code object and options."""

import numpy as np

import sourcead as sad


def f(x):
    return np.sum(np.sin(x) * x)


def test_second_grad_of_the_same_function_does_no_transformation_work():
    x = np.ones(3)
    sad.grad(f)(x)
    before = sad.cache_info()
    g = sad.grad(f)
    g(x)
    after = sad.cache_info()
    assert after["transforms"] == before["transforms"]
    assert after["lowerings"] == before["lowerings"]
    assert after["hits"] == before["hits"] + 1


def test_other_options_are_other_entries_but_share_the_lowering():
    x = np.ones(3)
    sad.grad(f)(x)
    before = sad.cache_info()
    sad.jvp(f)(x, x)
    sad.value_and_grad(f)(x)
    after = sad.cache_info()
    assert after["transforms"] == before["transforms"] + 2
    assert after["lowerings"] == before["lowerings"]


def test_redefining_a_function_is_a_miss():
    def make():
        def g(x):
            return np.sum(x * x)
        return g
    ns = {}
    src = "import numpy as np\ndef h(x):\n    return np.sum(x * x)\n"
    del ns, src
    g1 = make()
    x = np.ones(2)
    sad.grad(g1)(x)
    before = sad.cache_info()

    def g1(x):  # noqa: F811  (a new definition: a new code object)
        return np.sum(x * x * x)
    assert sad.grad(g1)(x).tolist() == [3.0, 3.0]
    assert sad.cache_info()["transforms"] == before["transforms"] + 1


def test_closures_from_one_definition_share_the_transformation_and_read_their_own_cells():
    def make(a):
        def g(x):
            return np.sum(a * x * x)
        return g
    x = np.ones(2)
    sad.grad(make(1.0))(x)
    before = sad.cache_info()
    assert sad.grad(make(3.0))(x).tolist() == [6.0, 6.0]
    assert sad.cache_info()["transforms"] == before["transforms"]


SCALE = 2.0


def uses_scale(x):
    return np.sum(SCALE * x)


def test_globals_are_read_live():
    global SCALE
    df = sad.grad(uses_scale)
    x = np.ones(2)
    assert df(x).tolist() == [2.0, 2.0]
    SCALE = 5.0
    try:
        assert df(x).tolist() == [5.0, 5.0]
    finally:
        SCALE = 2.0
