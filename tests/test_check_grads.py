"""check_grads itself: it must fail for a wrong derivative in the mode that is wrong (a
checker that always passes would pass every other test too), and refuse to check
nothing."""

import numpy as np
import pytest

import sourcead as sad
import sourcead.api as api
from sourcead.ir import primitives as P
from sourcead.rules import registry

X = np.array([0.3, -0.8, 1.4])
Y = np.array([0.9, 0.4, -1.1])


# --- custom rules, wrong in one mode -------------------------------------------------

@sad.custom_jvp
def cube_bad_jvp(x):
    return x ** 3


@cube_bad_jvp.defjvp
def _(dx, ans, x):
    return -3.0 * x * x * dx          # deliberately wrong: the sign


@cube_bad_jvp.defvjp
def _(g, ans, x):
    return 3.0 * g * x * x


@sad.custom_vjp
def cube_bad_vjp(x):
    return x ** 3


@cube_bad_vjp.defjvp
def _(dx, ans, x):
    return 3.0 * x * x * dx


@cube_bad_vjp.defvjp
def _(g, ans, x):
    return 3.0 * g * x                # deliberately wrong: x, not x * x


def uses_bad_jvp(x):
    return np.sin(cube_bad_jvp(x)) * 2.0


def uses_bad_vjp(x):
    return np.sin(cube_bad_vjp(x)) * 2.0


def test_a_wrong_jvp_fails_forward_mode_only():
    with pytest.raises(AssertionError, match=r"check_grads\(uses_bad_jvp\) forward mode, "
                                             r"direction 0, output 0: JVP differs from finite "
                                             r"differences by"):
        sad.check_grads(uses_bad_jvp, (X,))
    with pytest.raises(AssertionError, match="forward mode"):
        sad.check_grads(uses_bad_jvp, (X,), modes=("fwd",))
    sad.check_grads(uses_bad_jvp, (X,), modes=("rev",))


def test_a_wrong_vjp_fails_reverse_mode_only():
    with pytest.raises(AssertionError, match=r"check_grads\(uses_bad_vjp\) reverse mode, "
                                             r"direction 0: <vjp\(u\), v> = .* but "
                                             r"<u, numeric J v> = "):
        sad.check_grads(uses_bad_vjp, (X,))
    sad.check_grads(uses_bad_vjp, (X,), modes=("fwd",))


# --- a library rule, patched wrong for one test and restored ---------------------------

def angle(y, x):
    return np.arctan2(y, x) ** 2


@pytest.fixture
def arctan2_jvp_with_a_sign_bug():
    prim = P.lookup(np.arctan2)
    good = registry._jvp_rules[prim]

    def bad(dy, dx, ans, y, x):
        return (x * dy + y * dx) / (x * x + y * y)      # the sign of y dx flipped
    registry._jvp_rules[prim] = registry.Rule(bad, "jvp")
    sad.clear_cache()
    try:
        yield
    finally:
        registry._jvp_rules[prim] = good
        sad.clear_cache()


def test_a_sign_bug_in_a_library_jvp_fails_forward_mode(arctan2_jvp_with_a_sign_bug):
    with pytest.raises(AssertionError, match=r"check_grads\(angle\) forward mode"):
        sad.check_grads(angle, (Y, X))
    # only the tangent along x is wrong
    sad.check_grads(angle, (Y, X), wrt=0)
    sad.check_grads(angle, (Y, X), modes=("rev",))


def test_the_patched_rule_is_restored():
    sad.check_grads(angle, (Y, X))


# --- derivatives that return the wrong things --------------------------------------------

def pair(x):
    return np.sin(x), np.sum(x * x)


def test_outputs_and_arguments_are_counted_not_zipped(monkeypatch):
    real_jvp, real_vjp = api.jvp, api.vjp

    def jvp_one_tangent_short(f, wrt=0):
        d = real_jvp(f, wrt)

        def call(*args):
            y, t = d(*args)
            return y, t[:1]
        return call

    monkeypatch.setattr(api, "jvp", jvp_one_tangent_short)
    with pytest.raises(AssertionError, match=r"forward mode: 1 tangent\(s\) for 2 output"):
        sad.check_grads(pair, (X,), modes=("fwd",))
    monkeypatch.setattr(api, "jvp", real_jvp)

    def vjp_one_gradient_short(f, wrt=0):
        d = real_vjp(f, wrt)

        def call(*args):
            y, pullback = d(*args)
            return y, lambda ct: pullback(ct)[:1]
        return call
    monkeypatch.setattr(api, "vjp", vjp_one_gradient_short)
    with pytest.raises(AssertionError, match=r"reverse mode: the pullback returns a tuple of "
                                             r"1 for 2 argument"):
        sad.check_grads(angle, (Y, X), modes=("rev",))


def test_the_values_a_derivative_returns_are_checked(monkeypatch):
    real_jvp, real_vjp = api.jvp, api.vjp

    def jvp_wrong_value(f, wrt=0):
        d = real_jvp(f, wrt)
        return lambda *args: (d(*args)[0] + 1.0, d(*args)[1])
    monkeypatch.setattr(api, "jvp", jvp_wrong_value)
    with pytest.raises(AssertionError, match="forward mode: output 0 of the derivative is not "
                                             "the function's own value"):
        sad.check_grads(angle, (Y, X), modes=("fwd",))

    def vjp_missing_output(f, wrt=0):
        d = real_vjp(f, wrt)

        def call(*args):
            y, pullback = d(*args)
            return y[:1], pullback
        return call
    monkeypatch.setattr(api, "vjp", vjp_missing_output)
    with pytest.raises(AssertionError, match=r"reverse mode: the derivative returns 1 "
                                             r"output\(s\), the function 2"):
        sad.check_grads(pair, (X,), modes=("rev",))


# --- nothing to check ---------------------------------------------------------------------

def empty_output(x):
    return x[:0] * 2.0


def test_checking_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one direction"):
        sad.check_grads(angle, (Y, X), directions=0)
    with pytest.raises(ValueError, match="at least one direction"):
        sad.check_grads(angle, (Y, X), directions=-1)
    with pytest.raises(ValueError, match="modes is empty"):
        sad.check_grads(angle, (Y, X), modes=())
    with pytest.raises(ValueError, match="outputs have no elements"):
        sad.check_grads(empty_output, (X,))
    with pytest.raises(ValueError, match="arguments differentiated have no elements"):
        sad.check_grads(angle, (np.zeros(0), np.zeros(0)))
    with pytest.raises(ValueError, match="no float arguments"):
        sad.check_grads(angle, (1, 2))
    with pytest.raises(ValueError, match=r"wrt=\(2,\) names arguments by position"):
        sad.check_grads(angle, (Y, X), wrt=2)
    # a string is one mode, not the modes of its letters
    sad.check_grads(angle, (Y, X), modes="rev")


def dict_valued(x):
    return {"s": np.sin(x), "n": np.sum(x * x)}


def test_dict_outputs_are_checked_leaf_by_leaf():
    sad.check_grads(dict_valued, (X,))
