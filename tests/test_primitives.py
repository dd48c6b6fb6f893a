"""Every supported primitive, in forward and reverse mode, against finite differences.

The tables below are the single list of what sourcead can differentiate: one
row per primitive (a small module-level function, since sourcead reads
source), an input domain where the primitive is smooth, and the argument
shapes to try, broadcasting included. Each case runs `check_grads` (JVP and
VJP against central differences) at several random points. Adding a
primitive means adding a row here.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sourcead as sad

SEEDS = (0, 1, 2)
F = "float"         # a Python float argument (a 0-d array is written `()`)
NP64 = "np.float64"  # a NumPy scalar argument


# --- input domains ----------------------------------------------------------
#
# Each domain keeps finite differences (eps = 1e-6) away from the points where
# a primitive is not smooth: poles, branch cuts, kinks, and ties.

def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)


def _grid(offset):
    # Values near even (offset 0) or odd (offset 1) integers: an "even" and an
    # "odd" draw are at least 0.4 apart, so maximum/minimum/comparisons never
    # tie, whatever the broadcasting pairs up, and either side can win.
    def draw(rng, shape):
        return 2.0 * rng.integers(-2, 2, shape) + offset + rng.uniform(-0.3, 0.3, shape)
    return draw


def _half(rng, shape):
    # Values at least 0.2 from every integer: no ties with an integer operand.
    return rng.integers(-2, 3, shape) + 0.5 + rng.uniform(-0.3, 0.3, shape)


def _bool(rng, shape):
    return rng.random(shape) < 0.5


def _int(rng, shape):
    return rng.integers(-2, 4, shape)


DOMAINS = {
    "real": _uniform(-2.0, 2.0),
    "pos": _uniform(0.5, 3.0),      # log, sqrt, fractional powers
    "gt-1": _uniform(-0.5, 2.0),    # log1p
    "unit": _uniform(-0.9, 0.9),    # arcsin, arccos
    "tan": _uniform(-1.2, 1.2),     # away from the poles at +-pi/2
    "nonzero": _nonzero,            # abs (kink at 0), divisors, comparisons with 0
    "even": _grid(0.0),
    "odd": _grid(1.0),
    "half": _half,
    "bool": _bool,                  # conditions: not differentiated
    "int": _int,                    # integer operands: not differentiated
}


def draw(domain, shape, rng):
    """One argument: a Python float (bool, int) for F, an np.float64 for NP64, else an array."""
    if shape == F:
        value = DOMAINS[domain](rng, ())
        return {"bool": bool, "int": int}.get(domain, float)(value)
    if shape == NP64:
        return np.float64(DOMAINS[domain](rng, ()))
    return np.asarray(DOMAINS[domain](rng, shape))


def shapes_id(shapes):
    return "-".join("f" if s == F else "np64" if s == NP64 else "x".join(map(str, s)) or "0d"
                    for s in shapes)


def run_check(fn, domains, shapes):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes))
        try:
            sad.check_grads(fn, args, seed=seed)
        except AssertionError as e:
            raise AssertionError(f"{fn.__name__} at seed {seed}, args {args!r}:\n{e}") from None


def cases(rows, default_shapes):
    """pytest params: one per (row, shape case); a row may name its own shape cases."""
    out = []
    for row in rows:
        name, fn, domains = row[:3]
        shapes_list = row[3] if len(row) > 3 else default_shapes
        for shapes in shapes_list:
            out.append(pytest.param(fn, domains, shapes, id=f"{name}[{shapes_id(shapes)}]"))
    return out


# --- functions of one array ---------------------------------------------------

def np_exp(x): return np.exp(x)
def np_expm1(x): return np.expm1(x)
def np_log(x): return np.log(x)
def np_log1p(x): return np.log1p(x)
def np_log2(x): return np.log2(x)
def np_log10(x): return np.log10(x)
def np_sqrt(x): return np.sqrt(x)
def np_square(x): return np.square(x)
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
def np_abs(x): return np.abs(x)
def np_absolute(x): return np.absolute(x)
def np_fabs(x): return np.fabs(x)
def builtin_abs(x): return abs(x)
def np_negative(x): return np.negative(x)
def np_positive(x): return np.positive(x)
def op_neg(x): return -x
def op_pos(x): return +x
def op_add_const(x): return x + 1.5
def op_rsub_const(x): return 1.5 - x
def op_mul_const(x): return 3.0 * x
def op_div_const(x): return x / 4.0
def op_rdiv_const(x): return 2.0 / x
def op_pow_int(x): return x ** 2
def op_pow_int3(x): return x ** 3
def op_pow_float(x): return x ** 3.0
def op_pow_half(x): return x ** 0.5
def op_pow_neg(x): return x ** -1.5
def op_rpow(x): return 2.0 ** x
def np_power_const(x): return np.power(x, 3)
def np_rpower(x): return np.power(2.5, x)
def chain(x): return np.tanh(np.sin(x) * x) / (1.0 + x * x)

UNARY_SHAPES = [(F,), (NP64,), ((),), ((3,),), ((2, 3),)]

UNARY = [
    ("exp", np_exp, ("real",)),
    ("expm1", np_expm1, ("real",)),
    ("log", np_log, ("pos",)),
    ("log1p", np_log1p, ("gt-1",)),
    ("log2", np_log2, ("pos",)),
    ("log10", np_log10, ("pos",)),
    ("sqrt", np_sqrt, ("pos",)),
    ("square", np_square, ("real",)),
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
    ("abs", np_abs, ("nonzero",)),
    ("absolute", np_absolute, ("nonzero",)),
    ("fabs", np_fabs, ("nonzero",)),
    ("builtin-abs", builtin_abs, ("nonzero",)),
    ("negative", np_negative, ("real",)),
    ("positive", np_positive, ("real",)),
    ("-x", op_neg, ("real",)),
    ("+x", op_pos, ("real",)),
    ("x+c", op_add_const, ("real",)),
    ("c-x", op_rsub_const, ("real",)),
    ("c*x", op_mul_const, ("real",)),
    ("x/c", op_div_const, ("real",)),
    ("c/x", op_rdiv_const, ("nonzero",)),
    ("x**2", op_pow_int, ("real",)),
    ("x**3", op_pow_int3, ("real",)),
    ("x**3.0", op_pow_float, ("pos",)),
    ("x**0.5", op_pow_half, ("pos",)),
    ("x**-1.5", op_pow_neg, ("pos",)),
    ("c**x", op_rpow, ("real",)),
    ("power(x,3)", np_power_const, ("real",)),
    ("power(c,x)", np_rpower, ("real",)),
    ("chain", chain, ("real",)),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(UNARY, UNARY_SHAPES))
def test_unary(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- math.* on Python floats ------------------------------------------------------

def m_sin(x): return math.sin(x)
def m_cos(x): return math.cos(x)
def m_tan(x): return math.tan(x)
def m_exp(x): return math.exp(x)
def m_expm1(x): return math.expm1(x)
def m_log(x): return math.log(x)
def m_log1p(x): return math.log1p(x)
def m_log2(x): return math.log2(x)
def m_log10(x): return math.log10(x)
def m_sqrt(x): return math.sqrt(x)
def m_asin(x): return math.asin(x)
def m_acos(x): return math.acos(x)
def m_atan(x): return math.atan(x)
def m_sinh(x): return math.sinh(x)
def m_cosh(x): return math.cosh(x)
def m_tanh(x): return math.tanh(x)
def m_asinh(x): return math.asinh(x)
def m_fabs(x): return math.fabs(x)
def m_abs(x): return abs(x)
def m_pow(x, y): return math.pow(x, y)
def m_pow_const(x): return math.pow(x, 2.5)
def m_rpow_const(x): return math.pow(2.0, x)
def m_chain(x, y): return math.exp(math.sin(x) * y) + math.sqrt(x * x + y * y)

_MATH = [
    ("math.sin", m_sin, ("real",)),
    ("math.cos", m_cos, ("real",)),
    ("math.tan", m_tan, ("tan",)),
    ("math.exp", m_exp, ("real",)),
    ("math.expm1", m_expm1, ("real",)),
    ("math.log", m_log, ("pos",)),
    ("math.log1p", m_log1p, ("gt-1",)),
    ("math.log2", m_log2, ("pos",)),
    ("math.log10", m_log10, ("pos",)),
    ("math.sqrt", m_sqrt, ("pos",)),
    ("math.asin", m_asin, ("unit",)),
    ("math.acos", m_acos, ("unit",)),
    ("math.atan", m_atan, ("real",)),
    ("math.sinh", m_sinh, ("real",)),
    ("math.cosh", m_cosh, ("real",)),
    ("math.tanh", m_tanh, ("real",)),
    ("math.asinh", m_asinh, ("real",)),
    ("math.fabs", m_fabs, ("nonzero",)),
    ("abs(float)", m_abs, ("nonzero",)),
    ("math.pow", m_pow, ("pos", "real")),
    ("math.pow(x,c)", m_pow_const, ("pos",)),
    ("math.pow(c,x)", m_rpow_const, ("real",)),
    ("math-chain", m_chain, ("pos", "real")),
]
MATH = [(name, fn, domains, [(F,) * len(domains), (NP64,) * len(domains)])
        for name, fn, domains in _MATH]


@pytest.mark.parametrize("fn, domains, shapes", cases(MATH, None))
def test_math(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- functions of two arrays, with broadcasting -------------------------------

def op_add(x, y): return x + y
def op_sub(x, y): return x - y
def op_mul(x, y): return x * y
def op_div(x, y): return x / y
def op_pow(x, y): return x ** y
def np_add(x, y): return np.add(x, y)
def np_subtract(x, y): return np.subtract(x, y)
def np_multiply(x, y): return np.multiply(x, y)
def np_divide(x, y): return np.divide(x, y)
def np_power(x, y): return np.power(x, y)
def np_maximum(x, y): return np.maximum(x, y)
def np_minimum(x, y): return np.minimum(x, y)
def np_fmax(x, y): return np.fmax(x, y)
def np_fmin(x, y): return np.fmin(x, y)
def where_gt(x, y): return np.where(x > y, x, y)
def where_gt_mixed(x, y): return np.where(x > y, x * y, np.sin(y) - x)
def where_pos(x, y): return np.where(x > 0, x * x, y)
def mixed(x, y): return x * y + x / y - (x - y) ** 2

BINARY_SHAPES = [
    (F, F), ((), ()), ((3,), (3,)), ((2, 3), (2, 3)),
    ((2, 3), (3,)), ((3,), (2, 3)), ((2, 3), (1, 3)), ((4, 1), (1, 5)), ((2, 1, 3), (4, 1)),
    (F, (2, 3)), ((2, 3), F), ((), (2, 3)), ((3,), ()), (NP64, (2, 3)), (F, NP64),
]

BINARY = [
    ("x+y", op_add, ("real", "real")),
    ("x-y", op_sub, ("real", "real")),
    ("x*y", op_mul, ("real", "real")),
    ("x/y", op_div, ("real", "nonzero")),
    ("x**y", op_pow, ("pos", "real")),
    ("add", np_add, ("real", "real")),
    ("subtract", np_subtract, ("real", "real")),
    ("multiply", np_multiply, ("real", "real")),
    ("divide", np_divide, ("real", "nonzero")),
    ("power", np_power, ("pos", "real")),
    ("maximum", np_maximum, ("even", "odd")),
    ("minimum", np_minimum, ("even", "odd")),
    ("fmax", np_fmax, ("odd", "even")),
    ("fmin", np_fmin, ("odd", "even")),
    ("where(x>y,x,y)", where_gt, ("even", "odd")),
    ("where(x>y,f,g)", where_gt_mixed, ("odd", "even")),
    ("where(x>0,x*x,y)", where_pos, ("nonzero", "real")),
    ("mixed", mixed, ("real", "nonzero")),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(BINARY, BINARY_SHAPES))
def test_binary(fn, domains, shapes):
    run_check(fn, domains, shapes)


# Integer operands (exponents, factors) are not differentiated, but the float
# operand's derivative must still be right, broadcasting included.
INT_SHAPES = [(F, F), ((2, 3), F), ((3,), (3,)), ((2, 3), (3,)), (F, (2, 3))]

INTEGER_OPERAND = [
    ("x**n", op_pow, ("nonzero", "int")),
    ("power(x,n)", np_power, ("nonzero", "int")),
    ("x*n", op_mul, ("real", "int")),
    ("n/x", op_div, ("int", "nonzero")),
    ("maximum(x,n)", np_maximum, ("half", "int")),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(INTEGER_OPERAND, INT_SHAPES))
def test_integer_operand(fn, domains, shapes):
    run_check(fn, domains, shapes)


# The same value as both operands: contributions from the two uses add up.

def mm_self(a): return a @ a
def dot_self(x): return np.dot(x, x)
def max_self(x): return np.maximum(x, x)   # a tie everywhere: the halves add up to 1
def min_self(x): return np.minimum(x, x)
def div_mul_self(x): return x / x + x * x
def pow_self(x): return x ** x
def where_self(x): return np.where(x > 0, x, x * 2.0)
def sums_self(x): return np.sum(x, axis=0) + np.sum(x, axis=-1, keepdims=True)

REUSED = [
    ("a@a", mm_self, ("real",), [((3, 3),), ((2, 3, 3),)]),
    ("dot(x,x)", dot_self, ("real",), [(F,), ((3,),), ((3, 3),)]),
    ("maximum(x,x)", max_self, ("real",)),
    ("minimum(x,x)", min_self, ("real",)),
    ("x/x+x*x", div_mul_self, ("nonzero",)),
    ("x**x", pow_self, ("pos",)),
    ("where(x>0,x,2x)", where_self, ("nonzero",)),
    ("sum0+sum-1", sums_self, ("real",), [((3, 3),), ((2, 2),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(REUSED, UNARY_SHAPES))
def test_reused_operand(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- where with a given condition -------------------------------------------------

def where_c(c, x, y): return np.where(c, x, y)
def where_c_mixed(c, x, y): return np.where(c, x * y, np.sin(y))

WHERE_SHAPES = [
    (F, F, F), ((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), F), ((4, 1), (1, 5), ()),
    ((3,), (2, 3), (2, 1)), ((), (2, 3), (3,)),
]

WHERE = [
    ("where(c,x,y)", where_c, ("bool", "real", "real")),
    ("where(c,x*y,sin(y))", where_c_mixed, ("bool", "real", "real")),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(WHERE, WHERE_SHAPES))
def test_where(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- reductions ------------------------------------------------------------------

def sum_all(x): return np.sum(x)
def sum_none(x): return np.sum(x, axis=None)
def sum_all_keep(x): return np.sum(x, keepdims=True)
def sum_0(x): return np.sum(x, axis=0)
def sum_0_keep(x): return np.sum(x, axis=0, keepdims=True)
def sum_0_pos(x): return np.sum(x, 0)
def sum_1(x): return np.sum(x, axis=1)
def sum_1_keep(x): return np.sum(x, axis=1, keepdims=True)
def sum_m1(x): return np.sum(x, axis=-1)
def sum_m1_keep(x): return np.sum(x, axis=-1, keepdims=True)
def sum_m2(x): return np.sum(x, axis=-2)
def sum_01(x): return np.sum(x, axis=(0, 1))
def sum_02(x): return np.sum(x, axis=(0, 2))
def sum_02_keep(x): return np.sum(x, axis=(0, 2), keepdims=True)
def sum_m1m3(x): return np.sum(x, axis=(-1, -3))
def sum_m1m3_keep(x): return np.sum(x, axis=(-1, -3), keepdims=True)
def sum_nonlinear(x): return np.sum(np.sin(x) * x, axis=-1) ** 2

def mean_all(x): return np.mean(x)
def mean_none(x): return np.mean(x, axis=None)
def mean_all_keep(x): return np.mean(x, keepdims=True)
def mean_0(x): return np.mean(x, axis=0)
def mean_0_keep(x): return np.mean(x, axis=0, keepdims=True)
def mean_0_pos(x): return np.mean(x, 0)
def mean_1(x): return np.mean(x, axis=1)
def mean_1_keep(x): return np.mean(x, axis=1, keepdims=True)
def mean_m1(x): return np.mean(x, axis=-1)
def mean_m1_keep(x): return np.mean(x, axis=-1, keepdims=True)
def mean_m2(x): return np.mean(x, axis=-2)
def mean_01(x): return np.mean(x, axis=(0, 1))
def mean_02(x): return np.mean(x, axis=(0, 2))
def mean_02_keep(x): return np.mean(x, axis=(0, 2), keepdims=True)
def mean_m1m3(x): return np.mean(x, axis=(-1, -3))
def mean_m1m3_keep(x): return np.mean(x, axis=(-1, -3), keepdims=True)
def centered_sq(x): return (x - np.mean(x, axis=-1, keepdims=True)) ** 2
def sum_of_mean(x): return np.sum(np.mean(x * x, axis=0) * np.tanh(np.sum(x, axis=0)))

_ANY = [(F,), ((),), ((3,),), ((2, 3),), ((2, 3, 4),)]
_ND1 = [((3,),), ((2, 3),), ((2, 3, 4),)]
_ND2 = [((2, 3),), ((2, 3, 4),)]
_ND3 = [((2, 3, 4),), ((2, 1, 5),)]

REDUCTIONS = [
    ("sum", sum_all, ("real",), _ANY),
    ("sum(axis=None)", sum_none, ("real",), _ANY),
    ("sum(keepdims)", sum_all_keep, ("real",), _ANY[1:]),
    ("sum(axis=0)", sum_0, ("real",), _ND1),
    ("sum(axis=0,keepdims)", sum_0_keep, ("real",), _ND1),
    ("sum(x,0)", sum_0_pos, ("real",), _ND1),
    ("sum(axis=1)", sum_1, ("real",), _ND2),
    ("sum(axis=1,keepdims)", sum_1_keep, ("real",), _ND2),
    ("sum(axis=-1)", sum_m1, ("real",), _ND1),
    ("sum(axis=-1,keepdims)", sum_m1_keep, ("real",), _ND1),
    ("sum(axis=-2)", sum_m2, ("real",), _ND2),
    ("sum(axis=(0,1))", sum_01, ("real",), _ND2),
    ("sum(axis=(0,2))", sum_02, ("real",), _ND3),
    ("sum(axis=(0,2),keepdims)", sum_02_keep, ("real",), _ND3),
    ("sum(axis=(-1,-3))", sum_m1m3, ("real",), _ND3),
    ("sum(axis=(-1,-3),keepdims)", sum_m1m3_keep, ("real",), _ND3),
    ("sum-nonlinear", sum_nonlinear, ("real",), _ND1),
    ("mean", mean_all, ("real",), _ANY),
    ("mean(axis=None)", mean_none, ("real",), _ANY),
    ("mean(keepdims)", mean_all_keep, ("real",), _ANY[1:]),
    ("mean(axis=0)", mean_0, ("real",), _ND1),
    ("mean(axis=0,keepdims)", mean_0_keep, ("real",), _ND1),
    ("mean(x,0)", mean_0_pos, ("real",), _ND1),
    ("mean(axis=1)", mean_1, ("real",), _ND2),
    ("mean(axis=1,keepdims)", mean_1_keep, ("real",), _ND2),
    ("mean(axis=-1)", mean_m1, ("real",), _ND1),
    ("mean(axis=-1,keepdims)", mean_m1_keep, ("real",), _ND1),
    ("mean(axis=-2)", mean_m2, ("real",), _ND2),
    ("mean(axis=(0,1))", mean_01, ("real",), _ND2),
    ("mean(axis=(0,2))", mean_02, ("real",), _ND3),
    ("mean(axis=(0,2),keepdims)", mean_02_keep, ("real",), _ND3),
    ("mean(axis=(-1,-3))", mean_m1m3, ("real",), _ND3),
    ("mean(axis=(-1,-3),keepdims)", mean_m1m3_keep, ("real",), _ND3),
    ("centered-square", centered_sq, ("real",), _ND1),
    ("sum-of-mean", sum_of_mean, ("real",), _ND1),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(REDUCTIONS, None))
def test_reduction(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- products --------------------------------------------------------------------

def op_matmul(a, b): return a @ b
def np_matmul(a, b): return np.matmul(a, b)
def np_dot(a, b): return np.dot(a, b)
def matmul_chain(a, b): return np.tanh(a @ b) * np.sum(a * a)

MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)),
    ((6, 1, 2, 3), (5, 3, 4)),
]

DOT_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((5, 2, 3), (3, 4)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (6, 3, 4)), (F, (2, 3)), ((2, 3), F), ((), (3,)), ((3,), ()), (F, F),
]

PRODUCTS = [
    ("a@b", op_matmul, ("real", "real"), MATMUL_SHAPES),
    ("matmul", np_matmul, ("real", "real"), MATMUL_SHAPES),
    ("matmul-chain", matmul_chain, ("real", "real"), MATMUL_SHAPES),
    ("dot", np_dot, ("real", "real"), DOT_SHAPES),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(PRODUCTS, None))
def test_product(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- every gradient has its argument's type and shape --------------------------------
#
# Float in, float out; an array in, an array of the same shape and dtype out,
# also when broadcasting stretched the argument against a bigger one.

def t_mul(x, y): return np.sum(x * y)
def t_add(x, y): return np.sum(x + y)
def t_div(x, y): return np.sum(x / y)
def t_pow(x, y): return np.sum(x ** y)
def t_max(x, y): return np.sum(np.maximum(x, y))
def t_where(x, y): return np.sum(np.where(x > y, x, y * y))
def t_dot(x, y): return np.sum(np.dot(x, y))
def t_matmul(x, y): return np.sum(x @ y)
def t_mean(x, y): return np.sum(np.mean(x * y, axis=0))
def t_mean_keep(x, y): return np.mean(np.mean(x * y, axis=-1, keepdims=True) * y)
def t_exp(x): return np.exp(x)
def t_sum_exp(x): return np.sum(np.exp(x))
def t_math(x, y): return math.sin(x) * y + math.exp(y)
def t_scalar_ops(x, y): return x * y - y / x + x ** 2

# (name, function, domains, shape cases)
TYPE_CASES = [
    ("mul", t_mul, ("real", "real"), [
        (F, (2, 3)), ((2, 3), F), (NP64, (2, 3)), ((), (2, 3)), ((3,), (2, 3)), ((2, 1), (2, 3)),
        ((1, 3), (2, 3)), ((4, 1), (1, 5)), ((2, 3), (2, 3))]),
    ("add", t_add, ("real", "real"), [(F, (2, 3)), ((3,), (2, 3)), ((4, 1), (1, 5))]),
    ("div", t_div, ("real", "nonzero"), [((2, 3), F), ((2, 3), (3,)), ((2, 1), (2, 3))]),
    ("pow", t_pow, ("pos", "real"), [((2, 3), F), (F, (2, 3)), ((3,), (2, 3))]),
    ("maximum", t_max, ("even", "odd"), [(F, (2, 3)), ((3,), (2, 3)), ((4, 1), (1, 5))]),
    ("where", t_where, ("odd", "even"), [(F, (2, 3)), ((2, 3), (3,))]),
    ("dot", t_dot, ("real", "real"), [(F, (2, 3)), ((2,), (2, 3)), ((3,), (2, 3, 4))]),
    ("matmul", t_matmul, ("real", "real"), [
        ((2,), (2, 3)), ((2, 3), (3,)), ((4, 5, 2), (2, 3)), ((1, 2, 3), (5, 3, 4))]),
    ("mean", t_mean, ("real", "real"), [(F, (2, 3)), ((3,), (2, 3)), ((2, 1), (2, 3))]),
    ("mean-keepdims", t_mean_keep, ("real", "real"), [((2, 3), (3,)), ((2, 3), (2, 3))]),
    ("exp", t_exp, ("real",), [(F,), (NP64,), ((),)]),
    ("sum-exp", t_sum_exp, ("real",), [(F,), ((),), ((3,),), ((2, 3),)]),
    ("math", t_math, ("real", "real"), [(F, F)]),
    ("scalar-ops", t_scalar_ops, ("nonzero", "real"), [(F, F)]),
]

def type_cases():
    out = []
    for name, fn, domains, shapes_list in TYPE_CASES:
        for shapes in shapes_list:
            for i in range(len(shapes)):
                out.append(pytest.param(fn, domains, shapes, i,
                                        id=f"{name}[{shapes_id(shapes)}]-wrt{i}"))
    return out


def assert_like(g, a, args, what):
    if type(a) is float or isinstance(a, np.generic):
        assert type(g) is type(a), f"{what}: {type(a).__name__} argument, gradient {g!r}"
    else:
        assert isinstance(g, np.ndarray), f"{what}: array argument, gradient {g!r}"
        assert g.shape == a.shape, f"{what}: gradient shape {g.shape}, argument {a.shape}"
        assert g.dtype == a.dtype, f"{what}: gradient dtype {g.dtype}, argument {a.dtype}"
        # the caller owns it: not a read-only broadcast view, not one of the inputs
        assert g.flags.writeable, f"{what}: the gradient is a read-only view"
        assert not any(np.shares_memory(g, x) for x in args if isinstance(x, np.ndarray)), \
            f"{what}: the gradient shares memory with an argument"


@pytest.mark.parametrize("fn, domains, shapes, i", type_cases())
def test_gradient_type_and_shape(fn, domains, shapes, i):
    rng = np.random.default_rng(0)
    args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes))
    a = args[i]
    assert_like(sad.grad(fn, wrt=i)(*args), a, args, "grad")
    value, g = sad.value_and_grad(fn, wrt=i)(*args)
    assert_like(g, a, args, "value_and_grad")
    assert value == fn(*args)
    y, pullback = sad.vjp(fn, wrt=i)(*args)
    assert_like(pullback(1.0), a, args, "vjp")
    if len(args) > 1:  # the tuple form: one gradient per argument, each like its argument
        grads = sad.grad(fn, wrt=tuple(range(len(args))))(*args)
        assert isinstance(grads, tuple) and len(grads) == len(args)
        assert_like(grads[i], a, args, "grad(wrt=all)")


def identity_like(x, y): return np.positive(x) + y * 1.0


def test_pullback_gradients_are_not_the_cotangent():
    x, y = np.ones((2, 3)), np.ones((2, 3))
    _, pullback = sad.vjp(identity_like, wrt=(0, 1))(x, y)
    ct = np.arange(6.0).reshape(2, 3)
    gx, gy = pullback(ct)
    np.testing.assert_array_equal(gx, ct)
    np.testing.assert_array_equal(gy, ct)
    assert not np.shares_memory(gx, ct) and not np.shares_memory(gy, ct)
    assert not np.shares_memory(gx, gy)


def one_arg(x): return np.sum(np.exp(x))


def test_wrt_int_and_one_tuple_keep_their_structure():
    x = np.array([0.5, 1.0, 2.0])
    single = sad.grad(one_arg, wrt=0)(x)
    assert isinstance(single, np.ndarray) and single.shape == (3,)
    tup = sad.grad(one_arg, wrt=(0,))(x)
    assert isinstance(tup, tuple) and len(tup) == 1
    np.testing.assert_array_equal(tup[0], single)


# --- the conventions at points where a primitive is not differentiable ----------------
#
# Finite differences cannot check these; they are the rules' documented choices.

_T = np.array([0.7, -1.0, 2.0])

KINKS = [   # (name, fn, args, derivative w.r.t. each argument, elementwise)
    ("abs(0)", np_abs, (np.zeros(3),), (np.zeros(3),)),
    ("absolute(0)", np_absolute, (0.0,), (0.0,)),
    ("fabs(0)", np_fabs, (np.zeros(()),), (0.0,)),
    ("builtin-abs(0)", builtin_abs, (0.0,), (0.0,)),
    ("math.fabs(0)", m_fabs, (0.0,), (0.0,)),
    ("maximum-tie", np_maximum, (_T, _T.copy()), (np.full(3, 0.5), np.full(3, 0.5))),
    ("minimum-tie", np_minimum, (0.7, 0.7), (0.5, 0.5)),
    ("fmax-tie", np_fmax, (_T, np.array([0.7, 0.0, 2.0])), (np.array([0.5, 0.0, 0.5]),
                                                           np.array([0.5, 1.0, 0.5]))),
    ("fmin-tie", np_fmin, (_T, np.array([0.7, 0.0, 2.0])), (np.array([0.5, 1.0, 0.5]),
                                                           np.array([0.5, 0.0, 0.5]))),
    ("0**2.5", op_pow, (0.0, 2.5), (0.0, 0.0)),
    ("0**1", op_pow, (np.zeros(2), np.ones(2)), (np.ones(2), np.zeros(2))),
    ("power(0,3)", np_power, (np.zeros(2), np.full(2, 3.0)), (np.zeros(2), np.zeros(2))),
    ("math.pow(0,2.5)", m_pow, (0.0, 2.5), (0.0, 0.0)),
    ("math.pow(0,1)", m_pow, (0.0, 1.0), (1.0, 0.0)),
]


@pytest.mark.parametrize("fn, args, expected", [pytest.param(f, a, e, id=n) for n, f, a, e in KINKS])
def test_convention_at_nondifferentiable_point(fn, args, expected):
    wrt = tuple(range(len(args)))
    _, pullback = sad.vjp(fn, wrt=wrt)(*args)
    rev = pullback(np.ones_like(fn(*args)) if np.ndim(fn(*args)) else 1.0)
    for i, e in enumerate(expected):
        np.testing.assert_array_equal(rev[i], e, err_msg=f"reverse mode, argument {i}")
        tangents = [np.ones_like(a) if j == i else np.zeros_like(a) for j, a in enumerate(args)]
        tangents = [float(t) if type(a) is float else t for t, a in zip(tangents, args)]
        _, fwd = sad.jvp(fn, wrt=wrt)(*args, *tangents)
        np.testing.assert_array_equal(fwd, e, err_msg=f"forward mode, argument {i}")


# --- broadcasting, property-based ----------------------------------------------------
#
# The shape cases above are the ones a reader can check by eye; here hypothesis
# draws any pair of broadcast-compatible shapes (0-d to 3-d) for every binary row.

@pytest.mark.parametrize("fn, domains", [pytest.param(fn, d, id=name) for name, fn, d in BINARY])
@settings(max_examples=10, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2 ** 32 - 1))
def test_binary_broadcasting_property(fn, domains, shapes, seed):
    rng = np.random.default_rng(seed)
    args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes.input_shapes))
    sad.check_grads(fn, args, seed=seed % 1000)


# --- an unselected branch that is NaN does not poison the gradient --------------------

def where_log(x): return np.where(x > 0, np.log(x), x)
def where_sqrt(x): return np.where(x > 0, np.sqrt(x), 0.0)
def where_sqrt_safe(x): return np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)


def _jvp_diag(fn, x):
    """The derivative of an elementwise fn at every point, one basis tangent at a time."""
    jvp = sad.jvp(fn)
    return np.array([jvp(x, e)[1][k] for k, e in enumerate(np.eye(x.size))])


X_NEG = np.array([-2.0, -0.5, 0.25, 1.5])
X_SQRT = np.array([-2.0, 0.0, 0.25, 1.5])
D_SQRT = np.array([0.0, 0.0, 1.0, 0.5 / np.sqrt(1.5)])  # d/dx where(x > 0, sqrt(x), 0)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_where_log_branch_nan_where_not_selected(mode):
    # log(x) is NaN for x < 0, where it is not selected; its derivative 1/x is finite.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy evaluates log(x < 0)
        if mode == "fwd":
            d = _jvp_diag(where_log, X_NEG)
        else:
            d = sad.vjp(where_log)(X_NEG)[1](np.ones_like(X_NEG))
    np.testing.assert_allclose(d, np.where(X_NEG > 0, 1.0 / X_NEG, 1.0), rtol=1e-15)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_where_sqrt_branch_nan_where_not_selected(mode):
    # sqrt(x) and its derivative 0.5 / sqrt(x) are NaN for x < 0 and infinite at 0.
    # Forward mode selects tangents, so no NaN arrives; reverse mode keeps the exact
    # zeros of the cotangent of the branch not taken (sad_rt.keep_zeros), where JAX
    # would give 0 * nan = nan.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if mode == "fwd":
            d = _jvp_diag(where_sqrt, X_SQRT)
        else:
            d = sad.vjp(where_sqrt)(X_SQRT)[1](np.ones_like(X_SQRT))
    np.testing.assert_allclose(d, D_SQRT, rtol=1e-15)


def where_divide(x, y): return np.where(y != 0, x / y, 0.0)      # noqa: E704


def test_where_division_by_zero_not_selected_is_nan_free():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gx, gy = sad.vjp(where_divide, wrt=(0, 1))(x, y)[1](np.ones(3))
    np.testing.assert_allclose(gx, [0.0, 0.5, -1.0])
    np.testing.assert_allclose(gy, [0.0, -0.5, -3.0])


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_where_double_where_is_nan_free_in_both_modes(mode):
    if mode == "fwd":
        d = _jvp_diag(where_sqrt_safe, X_SQRT)
    else:
        d = sad.vjp(where_sqrt_safe)(X_SQRT)[1](np.ones_like(X_SQRT))
    np.testing.assert_allclose(d, D_SQRT, rtol=1e-15)


# --- forward and reverse mode give the same Jacobian -----------------------------------
#
# The full Jacobian two ways: column by column from JVPs of basis tangents, and
# row by row from VJPs of basis cotangents. Both are exact, so they agree to
# rounding; check_grads then ties them to finite differences.

def jac_mlp(x, W): return np.tanh(W @ x) * np.sum(x ** 2)
def jac_broadcast(x, y): return np.maximum(x, y) * np.exp(-y) + x / (1.0 + y * y)
def jac_reduce(x): return np.mean(x, axis=0) * np.sum(np.sin(x), axis=-1, keepdims=True)
def jac_batched(a, b): return np.tanh(a @ b)
def jac_tuple(x, y): return np.sin(x) * y, np.sum(x * y, axis=0)

JACOBIAN_CASES = [
    ("mlp", jac_mlp, ("real", "real"), ((3,), (4, 3))),
    ("broadcast", jac_broadcast, ("even", "odd"), ((2, 3), (3,))),
    ("reduce", jac_reduce, ("real",), ((3, 4),)),
    ("batched-matmul", jac_batched, ("real", "real"), ((2, 2, 3), (3, 2))),
    ("tuple-output", jac_tuple, ("real", "real"), ((2, 3), (3,))),
]


def _flat(parts):
    return np.concatenate([np.ravel(p) for p in parts])


def _unflat(vec, like):
    out, k = [], 0
    for a in like:
        n = np.size(a)
        out.append(vec[k:k + n].reshape(np.shape(a)))
        k += n
    return out


def jacobians(fn, args):
    wrt = tuple(range(len(args)))
    y = fn(*args)
    outs = list(y) if isinstance(y, tuple) else [y]
    n_in = sum(np.size(a) for a in args)
    n_out = sum(np.size(o) for o in outs)
    jvp = sad.jvp(fn, wrt=wrt)
    cols = []
    for e in np.eye(n_in):
        _, ydot = jvp(*args, *_unflat(e, args))
        cols.append(_flat(ydot if isinstance(y, tuple) else [ydot]))
    _, pullback = sad.vjp(fn, wrt=wrt)(*args)
    rows = []
    for e in np.eye(n_out):
        cts = _unflat(e, outs)
        grads = pullback(tuple(cts) if isinstance(y, tuple) else cts[0])
        rows.append(_flat(grads))
    return np.array(cols).T, np.array(rows)


@pytest.mark.parametrize("fn, domains, shapes",
                         [pytest.param(f, d, s, id=n) for n, f, d, s in JACOBIAN_CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_forward_and_reverse_jacobians_agree(fn, domains, shapes, seed):
    rng = np.random.default_rng(seed)
    args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes))
    j_fwd, j_rev = jacobians(fn, args)
    assert j_fwd.shape == j_rev.shape
    np.testing.assert_allclose(j_fwd, j_rev, rtol=1e-12, atol=1e-14)
    sad.check_grads(fn, args, seed=seed)
