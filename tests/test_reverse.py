"""Reverse mode as an IR → IR transformation, and its results."""

import math

import numpy as np
import pytest

import sourcead as sad
from sourcead.ad.reverse import vjp
from sourcead.frontend.lower import lower
from sourcead.ir import primitives as P
from sourcead.ir.core import Op
from sourcead.ir.verify import verify
from sourcead.opt import optimize


def reuse(x, w):
    a = x * w
    b = np.sin(x) + a      # x is read three times: its adjoint accumulates
    return np.sum(b * x)


def lecture(w1, w2):
    # L(w1, w2) = w2 log w1 + sqrt(w2 log w1), from the AD lecture notes
    t = w2 * math.log(w1)
    return t + math.sqrt(t)


def test_structure_primal_then_marker_then_adjoints():
    fn = verify(vjp(lower(reuse), [0], seed="param"))
    stmts = fn.body.stmts
    sweep = [i for i, s in enumerate(stmts) if isinstance(s, Op) and s.prim is P.SWEEP]
    assert len(sweep) == 1
    primal = stmts[:sweep[0]]
    assert [s.prim.name for s in primal] == ["mul", "np.sin", "add", "mul", "np.sum"]
    assert fn.params[-1].hint == "reuse_bar"
    assert fn.n_seeds == 1


def test_only_wrt_arguments_get_adjoints():
    fn = verify(optimize(vjp(lower(reuse), [0], seed="scalar", return_primal=False)))
    hints = {s.out.hint for s in fn.body.stmts if isinstance(s, Op) and s.outs}
    assert "w_bar" not in hints
    assert "x_bar" in hints


@pytest.mark.parametrize("seed", range(3))
def test_vjp_values_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal(4)
    sad.check_grads(reuse, (x, w), modes=("rev",), directions=3, seed=seed)


def test_lecture_example_by_hand():
    w1, w2 = 2.0, 3.0
    t = w2 * math.log(w1)
    dt = 1 + 0.5 / math.sqrt(t)
    g1, g2 = sad.grad(lecture, wrt=(0, 1))(w1, w2)
    assert g1 == pytest.approx(dt * w2 / w1)
    assert g2 == pytest.approx(dt * math.log(w1))
    dval, dtan = sad.jvp(lecture, wrt=(0, 1))(w1, w2, 1.0, 0.0)
    assert dtan == pytest.approx(g1)


def seed_vjp_example(x1, x2):
    return x1 ** 2 + x2, math.sin(x1), x1 * x2


def test_vjp_of_the_computational_engine_example():
    # f(x1, x2) = [x1^2 + x2, sin x1, x1 x2] at (1, 2), v = (1, -1, 2): [6 - cos 1, 3]
    y, pullback = sad.vjp(seed_vjp_example, wrt=(0, 1))(1.0, 2.0)
    assert y == pytest.approx((3.0, math.sin(1.0), 2.0))
    g1, g2 = pullback((1.0, -1.0, 2.0))
    assert g1 == pytest.approx(6 - math.cos(1.0))
    assert g2 == pytest.approx(3.0)


def seed_jacobian_example(x1, x2, x3):
    return x1 ** 2 + x2 + x3, x1 - x2 + x3


def test_jacobian_rows_and_columns_of_the_definitions_example():
    # J = [[4, 1, 1], [1, -1, 1]] at (2, 3, 1)
    J = np.array([[4.0, 1.0, 1.0], [1.0, -1.0, 1.0]])
    _, pullback = sad.vjp(seed_jacobian_example, wrt=(0, 1, 2))(2.0, 3.0, 1.0)
    for i in range(2):
        u = tuple(float(i == k) for k in range(2))
        assert pullback(u) == pytest.approx(tuple(J[i]))
    for j in range(3):
        tangents = [float(j == k) for k in range(3)]
        _, col = sad.jvp(seed_jacobian_example, wrt=(0, 1, 2))(2.0, 3.0, 1.0, *tangents)
        assert col == pytest.approx(tuple(J[:, j]))


def sincos(x):
    return np.sin(x), np.cos(x)


@sad.vjp_rule(sincos, n_outs=2)
def _(gs, gc, ans, x):
    s, c = ans
    return gs * c - gc * s


@sad.jvp_rule(sincos, n_outs=2)
def _(dx, ans, x):
    s, c = ans
    return dx * c, -dx * s


def uses_both_outputs(x):
    s, c = sincos(x)
    return np.sum(s * 2 + c ** 3)


def uses_one_output(x):
    s, c = sincos(x * x)
    return np.sum(c)


def test_primitives_with_several_outputs_in_both_modes():
    x = np.linspace(0.1, 1.0, 4)
    sad.check_grads(uses_both_outputs, (x,))
    sad.check_grads(uses_one_output, (x,))
    np.testing.assert_allclose(sad.grad(uses_one_output)(x), -np.sin(x * x) * 2 * x)
    src = sad.grad(uses_one_output).source
    assert "s, c = sincos(x * x)" in src and "s_bar" not in src   # no cotangent for s
