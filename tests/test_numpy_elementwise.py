"""NumPy's elementwise functions (and their `math` counterparts), forward and reverse mode
against finite differences: one row per function, in the style of test_primitives.py.

The functions of one array run on 0-d to 3-d arrays and on Python and NumPy scalars; the
functions of two or three run on broadcasting shape pairs. Domains keep the points away
from kinks, poles and ties; the conventions at those points are checked exactly at the end.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sourcead as sad
from _numpy_harness import F, NP64, cases, check_exact, draw, run_check

# --- functions of one array -----------------------------------------------------------

def np_exp(x): return np.exp(x)
def np_exp2(x): return np.exp2(x)
def np_expm1(x): return np.expm1(x)
def np_log(x): return np.log(x)
def np_log2(x): return np.log2(x)
def np_log10(x): return np.log10(x)
def np_log1p(x): return np.log1p(x)
def np_sqrt(x): return np.sqrt(x)
def np_cbrt(x): return np.cbrt(x)
def np_square(x): return np.square(x)
def np_reciprocal(x): return np.reciprocal(x)
def np_sin(x): return np.sin(x)
def np_cos(x): return np.cos(x)
def np_tan(x): return np.tan(x)
def np_arcsin(x): return np.arcsin(x)
def np_arccos(x): return np.arccos(x)
def np_arctan(x): return np.arctan(x)
def np_sinh(x): return np.sinh(x)
def np_cosh(x): return np.cosh(x)
def np_tanh(x): return np.tanh(x)
def np_arcsinh(x): return np.arcsinh(x)
def np_arccosh(x): return np.arccosh(x)
def np_arctanh(x): return np.arctanh(x)
def np_deg2rad(x): return np.deg2rad(x)
def np_rad2deg(x): return np.rad2deg(x)
def np_radians(x): return np.radians(x)
def np_degrees(x): return np.degrees(x)
def np_abs(x): return np.abs(x)
def np_absolute(x): return np.absolute(x)
def np_fabs(x): return np.fabs(x)
def np_negative(x): return np.negative(x)
def np_positive(x): return np.positive(x)
def np_sinc(x): return np.sinc(x)
def np_nan_to_num(x): return np.nan_to_num(x)
def np_nan_to_num_kw(x): return np.nan_to_num(x, nan=1.0, posinf=5.0, neginf=-5.0)
def np_sign_times(x): return np.sign(x) * x    # sign has no derivative; x's does the work
def np_clip_const(x): return np.clip(x, -1.0, 1.0)
def np_clip_lo(x): return np.clip(x, -0.5, None)
def np_clip_hi(x): return np.clip(x, None, 0.5)
def np_ldexp(x): return np.ldexp(x, 3)
def np_power_c(x): return np.power(x, 2.5)
def np_float_power_c(x): return np.float_power(x, 3)
def np_mod_c(x): return np.mod(x, 0.7)
def np_chain(x): return np.logaddexp(np.sinc(x), np.cbrt(np.exp2(x))) * np.hypot(x, 1.0)

UNARY_SHAPES = [(F,), (NP64,), ((),), ((3,),), ((2, 3),), ((2, 3, 4),)]

UNARY = [
    ("exp", np_exp, ("real",)),
    ("exp2", np_exp2, ("real",)),
    ("expm1", np_expm1, ("real",)),
    ("log", np_log, ("pos",)),
    ("log2", np_log2, ("pos",)),
    ("log10", np_log10, ("pos",)),
    ("log1p", np_log1p, ("gt-1",)),
    ("sqrt", np_sqrt, ("pos",)),
    ("cbrt", np_cbrt, ("nonzero",)),
    ("square", np_square, ("real",)),
    ("reciprocal", np_reciprocal, ("nonzero",)),
    ("sin", np_sin, ("real",)),
    ("cos", np_cos, ("real",)),
    ("tan", np_tan, ("tan",)),
    ("arcsin", np_arcsin, ("unit",)),
    ("arccos", np_arccos, ("unit",)),
    ("arctan", np_arctan, ("real",)),
    ("sinh", np_sinh, ("real",)),
    ("cosh", np_cosh, ("real",)),
    ("tanh", np_tanh, ("real",)),
    ("arcsinh", np_arcsinh, ("real",)),
    ("arccosh", np_arccosh, ("gt1",)),
    ("arctanh", np_arctanh, ("unit",)),
    ("deg2rad", np_deg2rad, ("real",)),
    ("rad2deg", np_rad2deg, ("real",)),
    ("radians", np_radians, ("real",)),
    ("degrees", np_degrees, ("real",)),
    ("abs", np_abs, ("nonzero",)),
    ("absolute", np_absolute, ("nonzero",)),
    ("fabs", np_fabs, ("nonzero",)),
    ("negative", np_negative, ("real",)),
    ("positive", np_positive, ("real",)),
    ("sinc", np_sinc, ("real",)),
    ("nan_to_num", np_nan_to_num, ("real",)),
    ("nan_to_num(nan,inf)", np_nan_to_num, ("nonfinite",)),
    ("nan_to_num(kw)", np_nan_to_num_kw, ("nonfinite",)),
    ("sign(x)*x", np_sign_times, ("nonzero",)),
    ("clip(x,-1,1)", np_clip_const, ("real",)),
    ("clip(x,lo,None)", np_clip_lo, ("real",)),
    ("clip(x,None,hi)", np_clip_hi, ("real",)),
    ("ldexp(x,3)", np_ldexp, ("real",)),
    ("power(x,2.5)", np_power_c, ("pos",)),
    ("float_power(x,3)", np_float_power_c, ("real",)),
    ("mod(x,c)", np_mod_c, ("real",)),
    ("chain", np_chain, ("real",)),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(UNARY, UNARY_SHAPES))
def test_unary(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- functions of two arrays, with broadcasting ------------------------------------------

def np_add(x, y): return np.add(x, y)
def np_subtract(x, y): return np.subtract(x, y)
def np_multiply(x, y): return np.multiply(x, y)
def np_divide(x, y): return np.divide(x, y)
def np_true_divide(x, y): return np.true_divide(x, y)
def np_power(x, y): return np.power(x, y)
def np_float_power(x, y): return np.float_power(x, y)
def np_mod(x, y): return np.mod(x, y)
def np_remainder(x, y): return np.remainder(x, y)
def op_mod(x, y): return x % y
def np_fmod(x, y): return np.fmod(x, y)
def np_hypot(x, y): return np.hypot(x, y)
def np_arctan2(y, x): return np.arctan2(y, x)
def np_logaddexp(x, y): return np.logaddexp(x, y)
def np_logaddexp2(x, y): return np.logaddexp2(x, y)
def np_maximum(x, y): return np.maximum(x, y)
def np_minimum(x, y): return np.minimum(x, y)
def np_fmax(x, y): return np.fmax(x, y)
def np_fmin(x, y): return np.fmin(x, y)
def np_copysign(x, y): return np.copysign(x, y)
def np_heaviside(x, h): return np.heaviside(x, h)
def np_ldexp_n(x, n): return np.ldexp(x, n)
def np_clip_hi_arg(x, hi): return np.clip(x, None, hi)
def binary_chain(x, y): return np.arctan2(np.hypot(x, y), np.logaddexp(x, y)) % 1.5

BINARY_SHAPES = [
    (F, F), ((), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1, 3), (4, 1)),
    ((2, 3, 4), (2, 3, 4)), (F, (2, 3)), ((3,), ()), (NP64, (2, 3)),
]
# arguments that must stay arrays (NumPy returns a float where both are Python floats,
# but np.heaviside and np.ldexp want arrays or NumPy scalars for their second one)
ARRAY_SHAPES = [s for s in BINARY_SHAPES if F not in s]

BINARY = [
    ("add", np_add, ("real", "real")),
    ("subtract", np_subtract, ("real", "real")),
    ("multiply", np_multiply, ("real", "real")),
    ("divide", np_divide, ("real", "nonzero")),
    ("true_divide", np_true_divide, ("real", "nonzero")),
    ("power", np_power, ("pos", "real")),
    ("float_power", np_float_power, ("pos", "real")),
    ("mod", np_mod, ("real", "pos")),
    ("remainder", np_remainder, ("real", "nonzero")),
    ("x%y", op_mod, ("real", "nonzero")),
    ("fmod", np_fmod, ("real", "nonzero")),
    ("hypot", np_hypot, ("real", "real")),
    ("arctan2", np_arctan2, ("real", "nonzero")),
    ("logaddexp", np_logaddexp, ("real", "real")),
    ("logaddexp2", np_logaddexp2, ("real", "real")),
    ("maximum", np_maximum, ("even", "odd")),
    ("minimum", np_minimum, ("even", "odd")),
    ("fmax", np_fmax, ("odd", "even")),
    ("fmin", np_fmin, ("odd", "even")),
    ("copysign", np_copysign, ("nonzero", "nonzero")),
    # heaviside is flat in x away from 0; at x == 0 it is h itself
    ("heaviside", np_heaviside, ("nonzero", "real"), ARRAY_SHAPES),
    ("heaviside(dh)", np_heaviside, ("sign", "real"), ARRAY_SHAPES, 1),
    ("ldexp(x,n)", np_ldexp_n, ("real", "int"), ARRAY_SHAPES),
    ("clip(x,None,hi)", np_clip_hi_arg, ("real", "hi")),
    ("chain", binary_chain, ("pos", "pos")),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(BINARY, BINARY_SHAPES))
def test_binary(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# Any pair of broadcast-compatible shapes (0-d to 3-d), drawn by hypothesis.
@pytest.mark.parametrize("fn, domains", [pytest.param(row[1], row[2], id=row[0])
                                         for row in BINARY if len(row) == 3])
@settings(max_examples=8, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2 ** 32 - 1))
def test_binary_broadcasting_property(fn, domains, shapes, seed):
    rng = np.random.default_rng(seed)
    args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes.input_shapes))
    sad.check_grads(fn, args, seed=seed % 1000)


# Integer operands are not differentiated, but the float operand's derivative must still be
# right, broadcasting included (and the float adjoint must have the float's shape).
INT_SHAPES = [(F, F), ((2, 3), F), ((3,), (3,)), ((2, 3), (3,)), (F, (2, 3))]

def np_clip_int(x, n): return np.clip(x, -n, n)

INTEGER_OPERAND = [
    ("hypot(x,n)", np_hypot, ("real", "int")),
    ("arctan2(x,n)", np_arctan2, ("nonzero", "int")),
    ("arctan2(n,x)", np_arctan2, ("int", "nonzero")),
    ("logaddexp(x,n)", np_logaddexp, ("real", "int")),
    ("copysign(x,n)", np_copysign, ("nonzero", "int")),
    ("x%n", op_mod, ("real", "posint")),
    ("mod(n,x)", np_mod, ("int", "pos")),
    ("fmod(x,n)", np_fmod, ("real", "negint")),
    ("float_power(x,n)", np_float_power, ("pos", "int")),
    ("minimum(x,n)", np_minimum, ("half", "int")),
    ("clip(x,-n,n)", np_clip_int, ("half", "posint")),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(INTEGER_OPERAND, INT_SHAPES))
def test_integer_operand(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- functions of three arrays ------------------------------------------------------------

def np_clip(x, lo, hi): return np.clip(x, lo, hi)
def np_clip_kw(x, lo, hi): return np.clip(x, a_min=lo, a_max=hi)
def np_where(c, x, y): return np.where(c, x, y)
def np_where_mixed(c, x, y): return np.where(c, np.hypot(x, y), np.cbrt(y) * x)

TERNARY_SHAPES = [
    (F, F, F), ((), (), ()), ((2, 3), (), ()), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), F),
    ((2, 3, 4), (3, 1), (4,)), ((2, 1, 4), (2, 3, 4), (1, 3, 1)),
]

TERNARY = [
    ("clip", np_clip, ("real", "lo", "hi")),
    ("clip(kw)", np_clip_kw, ("real", "lo", "hi")),
    ("where", np_where, ("bool", "real", "real")),
    ("where-mixed", np_where_mixed, ("bool", "real", "nonzero")),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(TERNARY, TERNARY_SHAPES))
def test_ternary(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- math.* on Python floats (and NumPy scalars) ---------------------------------------------

def m_atan2(y, x): return math.atan2(y, x)
def m_hypot(x, y): return math.hypot(x, y)
def m_copysign(x, y): return math.copysign(x, y)
def m_fmod(x, y): return math.fmod(x, y)
def m_remainder(x, y): return math.remainder(x, y)
def m_degrees(x): return math.degrees(x)
def m_radians(x): return math.radians(x)
def m_acosh(x): return math.acosh(x)
def m_atanh(x): return math.atanh(x)
def m_erf(x): return math.erf(x)
def m_erfc(x): return math.erfc(x)
def m_log_base(x): return math.log(x, 3.0)
def m_sqrt(x): return math.sqrt(x)
def m_cbrt(x): return math.cbrt(x)
def m_exp2(x): return math.exp2(x)

_MATH = [
    ("math.atan2", m_atan2, ("real", "nonzero")),
    ("math.hypot", m_hypot, ("real", "real")),
    ("math.copysign", m_copysign, ("nonzero", "nonzero")),
    ("math.fmod", m_fmod, ("real", "nonzero")),
    ("math.remainder", m_remainder, ("real", "nonzero")),
    ("math.degrees", m_degrees, ("real",)),
    ("math.radians", m_radians, ("real",)),
    ("math.acosh", m_acosh, ("gt1",)),
    ("math.atanh", m_atanh, ("unit",)),
    ("math.erf", m_erf, ("real",)),
    ("math.erfc", m_erfc, ("real",)),
    ("math.log(x,3)", m_log_base, ("pos",)),
    ("math.sqrt", m_sqrt, ("pos",)),
]
if hasattr(math, "cbrt"):    # Python 3.11+
    _MATH.append(("math.cbrt", m_cbrt, ("nonzero",)))
if hasattr(math, "exp2"):    # Python 3.11+
    _MATH.append(("math.exp2", m_exp2, ("real",)))
MATH = [(name, fn, domains, [(F,) * len(domains), (NP64,) * len(domains)])
        for name, fn, domains in _MATH]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(MATH, None))
def test_math(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- non-differentiable helpers take differentiated values without complaint --------------
#
# Their results carry no derivative; what they are combined with carries it. Rounding is
# flat between integers ("half" keeps the points away from them).

def nd_rounding(x): return x * (np.floor(x) + np.ceil(x) + np.round(x) + np.around(x) +
                                np.rint(x) + np.trunc(x) + np.fix(x) + x // 1.0)
def nd_predicates(x): return np.where(np.logical_and(np.isfinite(x), ~np.isnan(x)),
                                      x * np.signbit(x), 0.0) + x * np.sign(x) * np.isinf(x)
def nd_compare(x, y): return x * (np.greater(x, y) + np.less_equal(x, y) * 2.0 +
                                  np.logical_xor(x > 0, y > 0) + np.equal(x, y))
def nd_indices(x): return x * np.argmax(x) + x * np.argmin(x) + x * np.argsort(x)
def nd_shapes(x): return (x * np.ndim(x) + np.shape(x)[0] * x + np.size(x) * x +
                          np.zeros_like(x) + np.ones_like(x) * x + np.full_like(x, 2.0) * x)
def nd_makers(x): return x * np.sum(np.eye(3) + np.identity(3)) + x * np.sum(np.arange(4.0))
def nd_reducers(x): return x * np.any(x > 0) + x * np.all(x > -5.0) + x * np.count_nonzero(x)
def nd_math(x): return x * math.floor(x) + x * math.trunc(x) + x * math.isinf(x)

NONDIFF = [
    ("rounding", nd_rounding, ("half",), [(F,), ((3,),), ((2, 3),)]),
    ("predicates", nd_predicates, ("nonzero",), [((3,),), ((2, 3),)]),
    ("comparisons", nd_compare, ("even", "odd"), [((3,), (3,)), ((2, 3), (3,))]),
    ("argmax/argmin/argsort", nd_indices, ("real",), [((4,),)]),
    ("shape/ndim/size/_like", nd_shapes, ("real",), [((3,),), ((3, 2),)]),
    ("eye/identity/arange", nd_makers, ("real",), [(F,), ((2, 3),)]),
    ("any/all/count_nonzero", nd_reducers, ("nonzero",), [((3,),)]),
    ("math.floor/trunc/isinf", nd_math, ("half",), [(F,)]),
]


# np.fix is deprecated in NumPy 2.5 (in favour of np.trunc) but still there to be used
@pytest.mark.filterwarnings("ignore:numpy.fix is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(NONDIFF, None))
def test_nondifferentiable_helpers(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- conventions where the derivative is infinite, undefined or one-sided -------------------

_Z = np.zeros(3)
_X = np.array([-1.5, 0.0, 2.0])

KINKS = [   # (name, fn, args, derivative w.r.t. each argument, elementwise)
    ("sqrt(0)", np_sqrt, (np.array([0.0, 4.0]),), (np.array([0.0, 0.25]),)),
    ("math.sqrt(0)", m_sqrt, (0.0,), (0.0,)),
    ("abs(0)", np_abs, (_X,), (np.array([-1.0, 0.0, 1.0]),)),
    ("hypot(0,0)", np_hypot, (_Z, _Z), (_Z, _Z)),
    ("math.hypot(0,0)", m_hypot, (0.0, 0.0), (0.0, 0.0)),
    ("sinc'(0)=0", np_sinc, (np.array([0.0]),), (np.array([0.0]),)),
    ("nan_to_num(nan,inf)", np_nan_to_num, (np.array([np.nan, np.inf, -np.inf, 1.0]),),
     (np.array([0.0, 0.0, 0.0, 1.0]),)),
    ("heaviside(0,h)", np_heaviside, (np.array([-1.0, 0.0, 2.0]), np.full(3, 0.5)),
     (_Z, np.array([0.0, 1.0, 0.0]))),
    # clip at a bound: split evenly between x and the bound, as for maximum/minimum
    ("clip-at-bounds", np_clip, (np.array([-1.0, 0.0, 1.0]), -1.0 * np.ones(3), np.ones(3)),
     (np.array([0.5, 1.0, 0.5]), np.array([0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.5]))),
    ("copysign(x,0)", np_copysign, (_X, np.array([0.0, 1.0, -0.0])),
     (np.array([-1.0, 1.0, -1.0]), _Z)),
]


@pytest.mark.parametrize("fn, args, expected",
                         [pytest.param(f, a, e, id=n) for n, f, a, e in KINKS])
def test_convention_at_nondifferentiable_point(fn, args, expected):
    check_exact(fn, args, expected)


def test_sqrt_of_squared_norm_at_zero_is_nan_free():
    def f(x): return np.sqrt(np.sum(x * x))
    from sourcead import grad, jvp
    np.testing.assert_array_equal(grad(f)(np.zeros(3)), np.zeros(3))
    assert jvp(f)(np.zeros(3), np.ones(3))[1] == 0.0
