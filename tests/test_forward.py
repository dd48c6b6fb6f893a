"""Forward mode as an IR → IR transformation, and its results."""

import math

import numpy as np
import pytest

import sourcead as sad
from sourcead.ad.forward import jvp
from sourcead.frontend.lower import lower
from sourcead.ir.core import Op
from sourcead.ir.verify import verify
from sourcead.opt import optimize


def two_args(x, y):
    z = np.sin(x) * y
    return np.sum(z * z)


def with_constant(x, c):
    a = x * 2.0
    b = c * 3.0          # does not depend on x: no tangent
    return a + b


def scalar_code(x, a, b):
    y = math.sin(x) * a + math.cos(x * b)
    return y * y


def test_tangent_parameters_follow_the_primal_ones():
    fn = verify(jvp(lower(two_args), [0, 1]))
    names = [p.hint for p in fn.params]
    assert names == ["x", "y", "x_dot", "y_dot"]
    assert fn.params[2].shape_of is fn.params[0]
    assert fn.n_primal_results == 1 and len(fn.results) == 2


def test_no_tangent_for_values_that_do_not_depend_on_wrt():
    fn = verify(optimize(jvp(lower(with_constant), [0])))
    hints = [s.out.hint for s in fn.body.stmts if isinstance(s, Op)]
    assert "b_dot" not in hints and "c_dot" not in hints
    # the tangent of the result is x_dot * 2.0 (+ a zero that was folded away)
    text = str(sad.ir(sad.jvp(with_constant)))
    assert "zero" not in text


@pytest.mark.parametrize("seed", range(3))
def test_jvp_values_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((2, 4, 3))
    sad.check_grads(two_args, (x, y), modes=("fwd",), directions=3, seed=seed)
    sad.check_grads(scalar_code, (0.3 + seed, 1.5, -0.7), modes=("fwd",), seed=seed)


def test_jvp_call_convention_and_results():
    x = np.linspace(0.1, 1.0, 5)
    y = np.linspace(1.0, 2.0, 5)
    out, out_dot = sad.jvp(two_args, wrt=(0, 1))(x, y, np.ones(5), np.zeros(5))
    assert out == pytest.approx(two_args(x, y))
    assert out_dot == pytest.approx(np.sum(2 * (np.sin(x) * y) * np.cos(x) * y))
    with pytest.raises(TypeError, match="tangent"):
        sad.jvp(two_args, wrt=(0, 1))(x, y, np.ones(5))
    with pytest.raises(ValueError, match="shape"):
        sad.jvp(two_args)(x, y, np.ones(4))


def test_forward_mode_of_an_output_independent_of_wrt_is_zero():
    def g(x, c):
        return c * 2.0
    # defined in a function: still has readable source
    y, t = sad.jvp(g)(np.ones(3), np.ones(3), np.ones(3))
    assert np.all(t == 0.0) and np.shape(t) == (3,)
