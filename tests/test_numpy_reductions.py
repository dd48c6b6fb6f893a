"""NumPy's reductions and scans, forward and reverse mode against finite differences: one
row per function and keyword variant (axis None / int / negative / tuple, keepdims, ddof,
ord, weights), each on the shapes that variant accepts.

Random draws never tie, so max/min/ptp and the inf-norms are smooth at them; ties, zeros
and NaNs are checked at the end, against the rules' documented conventions.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sourcead as sad
from _numpy_harness import F, NP64, cases, check_exact, draw, run_check

ANY = [(F,), (NP64,), ((),), ((3,),), ((2, 3),), ((2, 3, 4),)]
ND1 = [((3,),), ((2, 3),), ((2, 3, 4),)]     # axis 0 / -1 exist
ND2 = [((2, 3),), ((2, 3, 4),)]              # axis 1 / -2, (0, 1)
ND3 = [((2, 3, 4),), ((2, 1, 5),)]           # axis (0, 2), (-1, -3)
VEC = [((3,),), ((5,),)]

# --- products -------------------------------------------------------------------------------

def prod_all(x): return np.prod(x)
def prod_0(x): return np.prod(x, axis=0)
def prod_m1_keep(x): return np.prod(x, axis=-1, keepdims=True)
def prod_02(x): return np.prod(x, axis=(0, 2))
def prod_m1m3_keep(x): return np.prod(x, axis=(-1, -3), keepdims=True)

# --- extrema -----------------------------------------------------------------------------

def max_all(x): return np.max(x)
def max_1(x): return np.max(x, axis=1)
def max_m1_keep(x): return np.max(x, axis=-1, keepdims=True)
def max_02(x): return np.max(x, axis=(0, 2))
def min_all(x): return np.min(x)
def min_0(x): return np.min(x, 0)
def min_m2_keep(x): return np.min(x, axis=-2, keepdims=True)
def amax_all(x): return np.amax(x)
def amax_m1(x): return np.amax(x, axis=-1)
def amin_all(x): return np.amin(x)
def amin_m1m3(x): return np.amin(x, axis=(-1, -3))
def ptp_all(x): return np.ptp(x)
def ptp_0(x): return np.ptp(x, axis=0)
def ptp_02_keep(x): return np.ptp(x, axis=(0, 2), keepdims=True)

# --- moments -----------------------------------------------------------------------------

def var_all(x): return np.var(x)
def var_ddof(x): return np.var(x, ddof=1)
def var_1(x): return np.var(x, axis=1)
def var_m1_keep_ddof(x): return np.var(x, axis=-1, keepdims=True, ddof=1)
def var_02(x): return np.var(x, axis=(0, 2))
def std_all(x): return np.std(x)
def std_ddof(x): return np.std(x, ddof=1)
def std_0(x): return np.std(x, 0)
def std_m1_keep(x): return np.std(x, axis=-1, keepdims=True)
def std_m1m3_ddof(x): return np.std(x, axis=(-1, -3), ddof=1)
def std_02_keep(x): return np.std(x, axis=(0, 2), keepdims=True)

def average_all(x): return np.average(x)
def average_1(x): return np.average(x, axis=1)
def average_w_full(x):
    return np.average(x, weights=np.arange(1.0, np.size(x) + 1.0).reshape(np.shape(x)))
def average_w_1d(x): return np.average(x, axis=0, weights=np.linspace(0.5, 2.0, np.shape(x)[0]))
def average_w_arg(x, w): return np.average(x, axis=-1, weights=w)
def average_w_arg_keep(x, w): return np.average(x, axis=-1, weights=w, keepdims=True)

# --- NaN-skipping ----------------------------------------------------------------------------

def nansum_all(x): return np.nansum(x)
def nansum_1(x): return np.nansum(x, axis=1)
def nansum_02_keep(x): return np.nansum(x, axis=(0, 2), keepdims=True)
def nanmean_all(x): return np.nanmean(x)
def nanmean_m1(x): return np.nanmean(x, axis=-1)
def nanmean_02_keep(x): return np.nanmean(x, axis=(0, 2), keepdims=True)
def nanmax_all(x): return np.nanmax(x)
def nanmin_1(x): return np.nanmin(x, axis=1)
def nanprod_0(x): return np.nanprod(x, axis=0)
def nanvar_m1(x): return np.nanvar(x, axis=-1)
def nanstd_all(x): return np.nanstd(x)
def nanstd_0_keep(x): return np.nanstd(x, axis=0, keepdims=True)
def nancumsum_all(x): return np.nancumsum(x)
def nancumsum_m1(x): return np.nancumsum(x, axis=-1)
def nancumprod_0(x): return np.nancumprod(x, axis=0)

# --- scans -------------------------------------------------------------------------------------

def cumsum_all(x): return np.cumsum(x)
def cumsum_0(x): return np.cumsum(x, axis=0)
def cumsum_1(x): return np.cumsum(x, 1)
def cumsum_m1(x): return np.cumsum(x, axis=-1)
def cumprod_all(x): return np.cumprod(x)
def cumprod_0(x): return np.cumprod(x, axis=0)
def cumprod_m1(x): return np.cumprod(x, axis=-1)
def cumprod_1(x): return np.cumprod(x, axis=1)

# --- a few in combination, and as array methods ----------------------------------------------

def standardize(x): return (x - np.mean(x, axis=0)) / np.std(x, axis=0, ddof=1)
def softmax_max(x): return np.exp(x - np.max(x, axis=-1, keepdims=True)) / \
    np.sum(np.exp(x - np.max(x, axis=-1, keepdims=True)), axis=-1, keepdims=True)
def cum_chain(x): return np.cumsum(np.cumprod(x, axis=-1) * np.var(x), axis=0)
def methods(x): return x.std(axis=0, ddof=1) + x.var() + x.prod(axis=-1).sum() + x.max(0) - \
    x.min(axis=0) + x.cumsum(0)[-1] + x.cumprod(axis=0)[0]

REDUCTIONS = [
    ("prod", prod_all, ("real",), ANY),
    ("prod(axis=0)", prod_0, ("real",), ND1),
    ("prod(axis=-1,keepdims)", prod_m1_keep, ("real",), ND1),
    ("prod(axis=(0,2))", prod_02, ("real",), ND3),
    ("prod(axis=(-1,-3),keepdims)", prod_m1m3_keep, ("real",), ND3),
    ("prod-with-zeros", prod_all, ("zeros",), ND1),
    ("prod(axis=0)-with-zeros", prod_0, ("zeros",), ND1),
    ("max", max_all, ("real",), ANY),
    ("max(axis=1)", max_1, ("real",), ND2),
    ("max(axis=-1,keepdims)", max_m1_keep, ("real",), ND1),
    ("max(axis=(0,2))", max_02, ("real",), ND3),
    ("min", min_all, ("real",), ANY),
    ("min(x,0)", min_0, ("real",), ND1),
    ("min(axis=-2,keepdims)", min_m2_keep, ("real",), ND2),
    ("amax", amax_all, ("real",), ANY),
    ("amax(axis=-1)", amax_m1, ("real",), ND1),
    ("amin", amin_all, ("real",), ANY),
    ("amin(axis=(-1,-3))", amin_m1m3, ("real",), ND3),
    ("ptp", ptp_all, ("real",), ANY[3:]),
    ("ptp(axis=0)", ptp_0, ("real",), ND1),
    ("ptp(axis=(0,2),keepdims)", ptp_02_keep, ("real",), ND3),
    ("var", var_all, ("real",), ANY[3:]),
    ("var(ddof=1)", var_ddof, ("real",), ANY[3:]),
    ("var(axis=1)", var_1, ("real",), ND2),
    ("var(axis=-1,keepdims,ddof=1)", var_m1_keep_ddof, ("real",), ND1),
    ("var(axis=(0,2))", var_02, ("real",), ND3),
    ("std", std_all, ("real",), ANY[3:]),
    ("std(ddof=1)", std_ddof, ("real",), ANY[3:]),
    ("std(x,0)", std_0, ("real",), ND2),
    ("std(axis=-1,keepdims)", std_m1_keep, ("real",), ND1),
    ("std(axis=(-1,-3),ddof=1)", std_m1m3_ddof, ("real",), [((2, 3, 4),)]),
    ("std(axis=(0,2),keepdims)", std_02_keep, ("real",), ND3),
    ("average", average_all, ("real",), ANY),
    ("average(axis=1)", average_1, ("real",), ND2),
    ("average(weights)", average_w_full, ("real",), ND1),
    ("average(axis=0,weights=1-D)", average_w_1d, ("real",), ND1),
    ("average(axis=-1,weights=w)", average_w_arg, ("real", "pos"),
     [((2, 3), (3,)), ((2, 3), (2, 3)), ((2, 3, 4), (4,))], 0),
    ("average(axis=-1,weights=w,keepdims)", average_w_arg_keep, ("real", "pos"),
     [((2, 3), (3,)), ((2, 3, 4), (2, 3, 4))], 0),
    ("nansum", nansum_all, ("nan",), ANY),
    ("nansum(axis=1)", nansum_1, ("nan",), ND2),
    ("nansum(axis=(0,2),keepdims)", nansum_02_keep, ("nan",), ND3),
    ("nanmean", nanmean_all, ("nan",), ANY),
    ("nanmean(axis=-1)", nanmean_m1, ("nan",), ND1),
    ("nanmean(axis=(0,2),keepdims)", nanmean_02_keep, ("nan",), ND3),
    ("nanmax", nanmax_all, ("nan",), ANY),
    ("nanmin(axis=1)", nanmin_1, ("nan",), ND2),
    ("nanprod(axis=0)", nanprod_0, ("nan",), ND1),
    ("nanvar(axis=-1)", nanvar_m1, ("nan",), ND1),
    ("nanstd", nanstd_all, ("nan",), ND1),
    ("nanstd(axis=0,keepdims)", nanstd_0_keep, ("nan",), ND2),
    ("nancumsum", nancumsum_all, ("nan",), ND1),
    ("nancumsum(axis=-1)", nancumsum_m1, ("nan",), ND1),
    ("nancumprod(axis=0)", nancumprod_0, ("nan",), ND1),
    ("cumsum", cumsum_all, ("real",), ANY[2:]),
    ("cumsum(axis=0)", cumsum_0, ("real",), ND1),
    ("cumsum(x,1)", cumsum_1, ("real",), ND2),
    ("cumsum(axis=-1)", cumsum_m1, ("real",), ND1),
    ("cumprod", cumprod_all, ("real",), ANY[2:]),
    ("cumprod(axis=0)", cumprod_0, ("real",), ND1),
    ("cumprod(axis=-1)", cumprod_m1, ("real",), ND1),
    ("cumprod(axis=1)", cumprod_1, ("real",), ND2),
    ("cumprod-with-zeros", cumprod_all, ("zeros",), ND1),
    ("cumprod(axis=-1)-with-zeros", cumprod_m1, ("zeros",), ND1),
    ("standardize", standardize, ("real",), ND2),
    ("softmax(max-shifted)", softmax_max, ("real",), ND1),
    ("cumprod-cumsum-var", cum_chain, ("real",), ND2),
    ("array-methods", methods, ("real",), [((3, 4),), ((2, 3, 4),)]),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(REDUCTIONS, None))
def test_reduction(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- np.linalg.norm of vectors, and along an axis ----------------------------------------------

def norm(x): return np.linalg.norm(x)
def norm_1(x): return np.linalg.norm(x, 1)
def norm_2(x): return np.linalg.norm(x, ord=2)
def norm_3(x): return np.linalg.norm(x, ord=3)
def norm_half(x): return np.linalg.norm(x, ord=0.5)
def norm_inf(x): return np.linalg.norm(x, ord=np.inf)
def norm_minf(x): return np.linalg.norm(x, -np.inf)
def norm_0(x): return np.linalg.norm(x, 0) * x        # counts nonzeros: derivative 0
def norm_fro(x): return np.linalg.norm(x, "fro")
def norm_ax1(x): return np.linalg.norm(x, axis=1)
def norm_axm1_keep(x): return np.linalg.norm(x, axis=-1, keepdims=True)
def norm_1_ax0(x): return np.linalg.norm(x, ord=1, axis=0)
def norm_2_axm1(x): return np.linalg.norm(x, 2, -1)
def norm_3_ax0_keep(x): return np.linalg.norm(x, ord=3, axis=0, keepdims=True)
def norm_inf_axm1(x): return np.linalg.norm(x, ord=np.inf, axis=-1)
def norm_minf_ax1_keep(x): return np.linalg.norm(x, ord=-np.inf, axis=1, keepdims=True)
def norm_fro_axes(x): return np.linalg.norm(x, "fro", axis=(0, 2))
def norm_none_axes_keep(x): return np.linalg.norm(x, axis=(-1, -3), keepdims=True)
def norm_chain(x): return np.linalg.norm(x / np.linalg.norm(x, axis=-1, keepdims=True) + 1.0)

NORMS = [
    ("norm", norm, ("real",), [((),)] + VEC + ND2),   # ord None: 2-norm of all elements
    ("norm(ord=1)", norm_1, ("nonzero",), VEC),
    ("norm(ord=2)", norm_2, ("real",), VEC),
    ("norm(ord=3)", norm_3, ("nonzero",), VEC),
    ("norm(ord=0.5)", norm_half, ("nonzero",), VEC),
    ("norm(ord=inf)", norm_inf, ("real",), VEC),
    ("norm(ord=-inf)", norm_minf, ("real",), VEC),
    ("norm(ord=0)", norm_0, ("nonzero",), VEC),
    ("norm('fro')", norm_fro, ("real",), [((2, 3),)]),
    ("norm(axis=1)", norm_ax1, ("real",), ND2),
    ("norm(axis=-1,keepdims)", norm_axm1_keep, ("real",), ND1),
    ("norm(ord=1,axis=0)", norm_1_ax0, ("nonzero",), ND1),
    ("norm(x,2,-1)", norm_2_axm1, ("real",), ND1),
    ("norm(ord=3,axis=0,keepdims)", norm_3_ax0_keep, ("nonzero",), ND1),
    ("norm(ord=inf,axis=-1)", norm_inf_axm1, ("real",), ND1),
    ("norm(ord=-inf,axis=1,keepdims)", norm_minf_ax1_keep, ("real",), ND2),
    ("norm('fro',axis=(0,2))", norm_fro_axes, ("real",), ND3),
    ("norm(axis=(-1,-3),keepdims)", norm_none_axes_keep, ("real",), ND3),
    ("normalized-rows", norm_chain, ("real",), ND1),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt", cases(NORMS, None))
def test_norm(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- any shape, any axes, keepdims or not, drawn by hypothesis ----------------------------------
#
# Here axis and keepdims are arguments, not constants, so the rules' branches on them run
# in the generated code instead of being decided while it is generated.

def r_prod(x, axis, keepdims): return np.prod(x, axis=axis, keepdims=keepdims)
def r_max(x, axis, keepdims): return np.max(x, axis=axis, keepdims=keepdims)
def r_min(x, axis, keepdims): return np.min(x, axis=axis, keepdims=keepdims)
def r_ptp(x, axis, keepdims): return np.ptp(x, axis=axis, keepdims=keepdims)
def r_var(x, axis, keepdims): return np.var(x, axis=axis, keepdims=keepdims, ddof=1)
def r_std(x, axis, keepdims): return np.std(x, axis=axis, keepdims=keepdims)
def r_average(x, axis, keepdims): return np.average(x, axis=axis, keepdims=keepdims)
def r_nansum(x, axis, keepdims): return np.nansum(x, axis=axis, keepdims=keepdims)
def r_nanmean(x, axis, keepdims): return np.nanmean(x, axis=axis, keepdims=keepdims)
def r_nanstd(x, axis, keepdims): return np.nanstd(x, axis=axis, keepdims=keepdims)
def r_norm(x, axis, keepdims): return np.linalg.norm(x, axis=axis, keepdims=keepdims)

AXIS_PROPERTY = [
    ("prod", r_prod, "real"), ("max", r_max, "real"), ("min", r_min, "real"),
    ("ptp", r_ptp, "real"), ("var(ddof=1)", r_var, "real"), ("std", r_std, "real"),
    ("average", r_average, "real"), ("nansum", r_nansum, "nan"),
    ("nanmean", r_nanmean, "nan"), ("nanstd", r_nanstd, "nan"), ("norm", r_norm, "real"),
]


@st.composite
def shape_and_axis(draw_):
    shape = draw_(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    n = len(shape)
    axis = draw_(st.one_of(st.none(), st.integers(-n, n - 1),
                           hnp.valid_tuple_axes(n, min_size=1, max_size=min(n, 2))))  # norm: <= 2
    return shape, axis


@pytest.mark.parametrize("fn, domain", [pytest.param(f, d, id=n) for n, f, d in AXIS_PROPERTY])
@settings(max_examples=8, deadline=None)
@given(case=shape_and_axis(), keepdims=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_reduction_axis_property(fn, domain, case, keepdims, seed):
    shape, axis = case
    x = draw(domain, shape, np.random.default_rng(seed))
    sad.check_grads(fn, (x, axis, keepdims), wrt=0, seed=seed % 1000)


def r_cumsum(x, axis): return np.cumsum(x, axis=axis)
def r_cumprod(x, axis): return np.cumprod(x, axis=axis)


@pytest.mark.parametrize("fn", [r_cumsum, r_cumprod])
@settings(max_examples=8, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(),
       seed=st.integers(0, 2 ** 32 - 1))
def test_scan_axis_property(fn, shape, data, seed):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = draw("zeros", shape, np.random.default_rng(seed))
    sad.check_grads(fn, (x, axis), wrt=0, seed=seed % 1000)


# --- conventions at ties, zeros and NaNs ----------------------------------------------------------

def sqrt_sumsq(x): return np.sqrt(np.sum(x * x))

_T = np.array([1.0, 3.0, 3.0])          # the maximum 3 is tied
_T2 = np.array([[2.0, 2.0, 2.0], [1.0, -1.0, 1.0]])
_ZR = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])   # a zero row

CONVENTIONS = [   # (name, fn, args, derivative w.r.t. each argument)
    ("max-tie-split", max_all, (_T,), (np.array([0.0, 0.5, 0.5]),)),
    ("amax-tie-split", amax_all, (_T,), (np.array([0.0, 0.5, 0.5]),)),
    ("min-tie-split", min_all, (np.array([1.0, 1.0, 1.0, 5.0]),), (np.array([1, 1, 1, 0]) / 3.0,)),
    ("max(axis=1)-tie-split", max_1, (_T2,),
     (np.array([[1.0, 1.0, 1.0], [0.5, 0.0, 0.5]]) / np.array([[3.0], [1.0]]),)),
    ("nanmax-tie-split", nanmax_all, (np.array([3.0, np.nan, 3.0]),), (np.array([0.5, 0.0, 0.5]),)),
    ("ptp-ties", ptp_all, (np.array([1.0, 3.0, 1.0, 3.0]),), (np.array([-0.5, 0.5, -0.5, 0.5]),)),
    ("ptp-constant", ptp_all, (np.full(3, 2.0),), (np.zeros(3),)),
    ("norm(0)", norm, (np.zeros(3),), (np.zeros(3),)),
    ("norm(ord=2)(0)", norm_2, (np.zeros(3),), (np.zeros(3),)),
    ("norm(axis=1)-zero-row", norm_ax1, (_ZR,), (np.array([[0.0, 0.0, 0.0], [0.6, 0.0, 0.8]]),)),
    ("norm(ord=inf)-tie", norm_inf, (np.array([-2.0, 1.0, 2.0]),), (np.array([-0.5, 0.0, 0.5]),)),
    ("sqrt(sum(x*x))(0)", sqrt_sumsq, (np.zeros(3),), (np.zeros(3),)),
    ("std-constant", std_all, (np.full(4, 1.5),), (np.zeros(4),)),
    ("std(axis=0)-constant-column", std_0, (np.array([[1.0, 2.0], [1.0, 4.0]]),),
     (np.array([[0.0, -0.5], [0.0, 0.5]]),)),
    ("prod-one-zero", prod_all, (np.array([2.0, 0.0, 3.0]),), (np.array([0.0, 6.0, 0.0]),)),
    ("prod-two-zeros", prod_all, (np.array([2.0, 0.0, 0.0]),), (np.zeros(3),)),
    ("nansum-nan", nansum_all, (np.array([1.0, np.nan, 2.0]),), (np.array([1.0, 0.0, 1.0]),)),
    ("nanmean-nan", nanmean_all, (np.array([1.0, np.nan, 2.0, 4.0]),),
     (np.array([1, 0, 1, 1]) / 3.0,)),
]


@pytest.mark.parametrize("fn, args, expected",
                         [pytest.param(f, a, e, id=n) for n, f, a, e in CONVENTIONS])
def test_convention(fn, args, expected):
    check_exact(fn, args, expected)


def cumprod_sum(x): return np.sum(np.cumprod(x))


def test_cumprod_with_zeros_is_exact():
    # y = cumprod([2, 0, 3, 5]) = [2, 0, 0, 0]; x_1 enters y_1, y_2, y_3 with slopes 2, 2*3
    # and 2*3*5, and x_2, x_3 only multiply the zero x_1 in.
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(sad.grad(cumprod_sum)(x), [1.0, 38.0, 0.0, 0.0])
    for k, expected in enumerate([1.0, 38.0, 0.0, 0.0]):
        assert sad.jvp(cumprod_sum)(x, np.eye(4)[k])[1] == expected
