"""np.append, np.ediff1d, np.trapezoid, np.gradient, and the functions NumPy 2 added for the
array API (matrix_transpose, vecdot, cumulative_sum and cumulative_prod, np.linalg's matmul,
tensordot, vecdot, matrix_transpose, vector_norm, matrix_norm, svdvals, trace, diagonal,
outer, cross), in forward and reverse mode, against finite differences
(rules/array_api.py).

One row per function and keyword variant, each with the argument shapes to try; every case
runs `check_grads` (JVP and VJP against central differences) at several random points.
Rows for functions this NumPy lacks are skipped.
"""

import numpy as np
import pytest

import sourcead as sad
from numpy import append as np_append
from _numpy_harness import cases, check_exact, run_check
from test_primitives import F

linalg = np.linalg


def needs(*names):
    """A mark that skips a row unless NumPy has every `np.NAME` / `np.linalg.NAME` named."""
    def has(name):
        ns, _, attr = name.rpartition(".")
        return hasattr(np.linalg if ns == "linalg" else np, attr)
    missing = [n for n in names if not has(n)]
    return pytest.mark.skipif(bool(missing), reason=f"NumPy {np.__version__} lacks {missing}")


def params(rows, *names):
    """cases(rows) skipped as a group unless NumPy has `names`."""
    return [pytest.param(*p.values, id=p.id, marks=needs(*names)) for p in cases(rows, None)]


# --- append, ediff1d, trapezoid ----------------------------------------------------------------

# np.append is called by another name: the frontend reads `np.append(...)` as appending to
# a list `np` (see test_np_append_spelled_as_an_attribute below)
def append(a, b): return np_append(a, b) ** 2
def append_axis0(a, b): return np.sin(np_append(a, b, axis=0))
def append_axis_m1(a, b): return np_append(a, b, -1) ** 2
def append_const(a): return np_append(a, [1.0, 2.0]) * np_append([3.0, 4.0], a)
def append_self(a): return np_append(a, a * a, axis=1) ** 2
def ediff1d(a): return np.ediff1d(a) ** 2
def ediff1d_ends(a): return np.ediff1d(a, to_end=[1.0, 2.0], to_begin=-1.0) ** 2
def ediff1d_begin(a): return np.ediff1d(a, to_begin=np.ones(2)) ** 2
def ediff1d_end(a): return np.ediff1d(a, 3.0) ** 2
def trapezoid(y): return np.trapezoid(y) ** 2
def trapezoid_dx(y): return np.trapezoid(y, dx=0.25, axis=0) ** 2
def trapezoid_x(y): return np.trapezoid(y, np.array([0.0, 0.5, 2.0, 2.25])) ** 2
def trapezoid_x_axis(y): return np.sin(np.trapezoid(y, np.linspace(0.0, 1.0, 3), axis=-2))
def trapezoid_x_nd(y, x): return np.trapezoid(np.sin(y), x, axis=1) ** 2
def trapezoid_chain(y): return np.trapezoid(y * y, dx=0.5)
def gradient(f): return np.gradient(f) ** 2
def gradient_h(f): return np.sin(np.gradient(f, 0.5))
def gradient_edge2(f): return np.gradient(f, 0.25, edge_order=2) ** 2
def gradient_axis(f): return np.gradient(f, axis=1) ** 2
def gradient_axis_m1_edge2(f): return np.sin(np.gradient(f, 2.0, axis=-1, edge_order=2))
def gradient_points(f): return np.gradient(f, np.array([0.0, 0.5, 0.75, 2.0, 2.5])) ** 2
def gradient_points_axis(f, w): return np.gradient(f, np.cumsum(w), axis=0, edge_order=2) ** 2
def gradient_all(f): return np.gradient(f)
def gradient_all_items(f):
    gs = np.gradient(f, edge_order=2)
    return gs[0] * np.sin(gs[-1])
def gradient_axes(f):
    gs = np.gradient(f, 0.5, axis=(0, 2))
    return gs[1] ** 2

JOINING = [
    ("append", append, ("real", "real"), [((3,), (2,)), ((2, 2), F), ((2,), (2, 3))]),
    ("append(axis=0)", append_axis0, ("real", "real"), [((2, 3), (1, 3)), ((3,), (2,))]),
    ("append(axis=-1)", append_axis_m1, ("real", "real"), [((2, 3), (2, 2))]),
    ("append(constants)", append_const, ("real",), [((3,),), ((1, 3),)]),
    ("append(a, a*a, axis=1)", append_self, ("real",), [((2, 3),)]),
    ("ediff1d", ediff1d, ("real",), [((4,),), ((2, 3),), ((2,),)]),
    ("ediff1d(to_end, to_begin)", ediff1d_ends, ("real",), [((4,),), ((2, 2),)]),
    ("ediff1d(to_begin=array)", ediff1d_begin, ("real",), [((3,),)]),
    ("ediff1d(to_end)", ediff1d_end, ("real",), [((3,),)]),
    ("trapezoid", trapezoid, ("real",), [((4,),), ((2, 3),), ((1,),)]),
    ("trapezoid(dx, axis=0)", trapezoid_dx, ("real",), [((3,),), ((3, 2),)]),
    ("trapezoid(x)", trapezoid_x, ("real",), [((4,),), ((2, 4),)]),
    ("trapezoid(x, axis=-2)", trapezoid_x_axis, ("real",), [((3, 2),), ((2, 3, 2),)]),
    ("trapezoid(x of y's shape)", trapezoid_x_nd, ("real", "pos"), [((2, 3), (2, 3))]),
    ("trapezoid(y*y)", trapezoid_chain, ("real",), [((5,),)]),
]


GRADIENTS = [
    ("gradient", gradient, ("real",), [((4,),), ((2,),)]),
    ("gradient(h)", gradient_h, ("real",), [((5,),)]),
    ("gradient(h, edge_order=2)", gradient_edge2, ("real",), [((3,),), ((6,),)]),
    ("gradient(axis=1)", gradient_axis, ("real",), [((2, 4),), ((3, 2, 2),)]),
    ("gradient(h, axis=-1, edge_order=2)", gradient_axis_m1_edge2, ("real",), [((2, 4),)]),
    ("gradient(points)", gradient_points, ("real",), [((5,),)]),
    ("gradient(points, axis=0, edge_order=2)", gradient_points_axis, ("real", "pos"),
     [((4, 2), (4,))]),
    ("gradient(every axis)", gradient_all, ("real",), [((3, 4),), ((2, 3, 2),)]),
    ("gradient(every axis)[k]", gradient_all_items, ("real",), [((3, 4),)]),
    ("gradient(axis=(0, 2))[1]", gradient_axes, ("real",), [((3, 2, 4),)]),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt",
                         params(JOINING[:9]) + params(JOINING[9:], "trapezoid") +
                         params(GRADIENTS))
def test_joining_and_integrating(fn, domains, shapes, wrt):
    constants = fn in (trapezoid_x_nd, gradient_points_axis)  # (sample points: constants)
    run_check(fn, domains, shapes, (0,) if constants else wrt)


def gradient_two_spacings(f): return np.sum(np.gradient(f, 0.5, 0.25)[0])


def test_gradient_with_a_spacing_per_axis_is_refused():
    # the rule takes one spacing (a number, or the points of the one axis differentiated)
    with pytest.raises(sad.NoDerivativeError, match="np.gradient"):
        sad.grad(gradient_two_spacings)(np.ones((3, 3)))


# --- cumulative sums and products ---------------------------------------------------------------

def csum(x): return np.cumulative_sum(x) ** 2
def csum_axis(x): return np.sin(np.cumulative_sum(x, axis=1))
def csum_axis_m1(x): return np.cumulative_sum(x, axis=-1) ** 2
def csum_initial(x): return np.cumulative_sum(x, include_initial=True) ** 2
def csum_initial_axis0(x): return np.cumulative_sum(x, axis=0, include_initial=True) ** 2
def cprod(x): return np.cumulative_prod(x)
def cprod_axis(x): return np.sin(np.cumulative_prod(x, axis=0))
def cprod_initial(x): return np.cumulative_prod(x, axis=-1, include_initial=True) ** 2
def cprod_initial_1d(x): return np.cumulative_prod(x, include_initial=True) * 2.0

CUMULATIVE = [
    ("cumulative_sum", csum, ("real",), [((4,),)]),
    ("cumulative_sum(axis=1)", csum_axis, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("cumulative_sum(axis=-1)", csum_axis_m1, ("real",), [((2, 3),)]),
    ("cumulative_sum(include_initial)", csum_initial, ("real",), [((3,),)]),
    ("cumulative_sum(axis=0, include_initial)", csum_initial_axis0, ("real",), [((3, 2),)]),
    ("cumulative_prod", cprod, ("real",), [((4,),)]),
    ("cumulative_prod(zeros)", cprod, ("zeros",), [((5,),)]),
    ("cumulative_prod(axis=0)", cprod_axis, ("real",), [((3, 2),)]),
    ("cumulative_prod(axis=-1, include_initial)", cprod_initial, ("real",), [((2, 3),)]),
    ("cumulative_prod(include_initial)", cprod_initial_1d, ("real",), [((3,),)]),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt",
                         params(CUMULATIVE[:5], "cumulative_sum") +
                         params(CUMULATIVE[5:], "cumulative_prod"))
def test_cumulative(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- transposes, products along an axis -------------------------------------------------------

def mT(x): return np.matrix_transpose(x) * np.arange(np.shape(x)[-2])
def linalg_mT(x): return np.sin(linalg.matrix_transpose(x)) * np.arange(np.shape(x)[-2])
def vecdot(a, b): return np.vecdot(a, b)
def vecdot_axis0(a, b): return np.vecdot(a, b, axis=0) ** 2
def vecdot_axis_m2(a, b): return np.sin(np.vecdot(a, b, axis=-2))
def vecdot_keepdims(a, b): return np.vecdot(a, b, axis=1, keepdims=True) * np.sin(a)
def vecdot_keepdims_m1(a, b): return np.vecdot(a, b, keepdims=True) * np.cos(b)
def vecdot_self(a): return np.vecdot(a, a) ** 2
def linalg_vecdot(a, b): return linalg.vecdot(a, b) ** 2
def linalg_vecdot_axis(a, b): return linalg.vecdot(a, b, axis=0) ** 2
def linalg_matmul(a, b): return np.sin(linalg.matmul(a, b))
def linalg_tensordot(a, b): return linalg.tensordot(a, b) ** 2
def linalg_tensordot_axes(a, b): return linalg.tensordot(a, b, axes=([0, 2], [1, 0])) ** 2
def linalg_outer(a, b): return np.sin(linalg.outer(a, b))
def linalg_cross(a, b): return linalg.cross(a, b) ** 2
def linalg_cross_axis0(a, b): return linalg.cross(a, b, axis=0) ** 2
def linalg_cross_axis_m2(a, b): return np.sin(linalg.cross(a, b, axis=-2))

PRODUCTS = [
    ("matrix_transpose", mT, ("real",), [((2, 3),), ((2, 3, 4),)]),
    ("vecdot", vecdot, ("real", "real"), [((3,), (3,)), ((2, 3), (3,)), ((3,), (4, 3)),
                                          ((2, 1, 3), (4, 3))]),
    ("vecdot(axis=0)", vecdot_axis0, ("real", "real"), [((3, 2), (3, 2)), ((3,), (3, 2)),
                                                         ((3, 2), (3, 1))]),
    ("vecdot(axis=-2)", vecdot_axis_m2, ("real", "real"), [((3, 2), (3, 2)), ((2, 3, 2), (3, 1))]),
    ("vecdot(axis=1, keepdims)", vecdot_keepdims, ("real", "real"), [((2, 3), (2, 3)),
                                                                      ((2, 3, 2), (2, 3))]),
    ("vecdot(keepdims)", vecdot_keepdims_m1, ("real", "real"), [((3,), (2, 3)), ((2, 3), (3,))]),
    ("vecdot(a, a)", vecdot_self, ("real",), [((2, 3),)]),
]

LINALG_PRODUCTS = [
    ("linalg.matmul", linalg_matmul, ("real", "real"), [((2, 3), (3, 2)), ((3,), (3, 2)),
                                                        ((2, 2, 3), (3,)), ((2, 1, 3), (2, 3, 2))]),
    ("linalg.tensordot", linalg_tensordot, ("real", "real"), [((2, 3, 2), (3, 2, 2))]),
    ("linalg.tensordot(axes)", linalg_tensordot_axes, ("real", "real"), [((2, 3, 4), (4, 2))]),
    ("linalg.matrix_transpose", linalg_mT, ("real",), [((2, 3),), ((2, 3, 4),)]),
    ("linalg.vecdot", linalg_vecdot, ("real", "real"), [((3,), (3,)), ((2, 3), (3,))]),
    ("linalg.vecdot(axis=0)", linalg_vecdot_axis, ("real", "real"),
     [((3, 2), (3, 2)), ((3,), (3, 2))]),
    ("linalg.outer", linalg_outer, ("real", "real"), [((3,), (2,)), ((1,), (4,))]),
    ("linalg.cross", linalg_cross, ("real", "real"), [((3,), (3,)), ((2, 3), (3,)),
                                                      ((3,), (4, 3))]),
    ("linalg.cross(axis=0)", linalg_cross_axis0, ("real", "real"),
     [((3, 2), (3, 2)), ((3,), (3, 2))]),
    ("linalg.cross(axis=-2)", linalg_cross_axis_m2, ("real", "real"),
     [((3, 2), (3, 2)), ((2, 3, 1), (3, 4))]),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt",
                         params(PRODUCTS[:1], "matrix_transpose") +
                         params(PRODUCTS[1:], "vecdot") +
                         params(LINALG_PRODUCTS[:1], "linalg.matmul") +
                         params(LINALG_PRODUCTS[1:3], "linalg.tensordot") +
                         params(LINALG_PRODUCTS[3:4], "linalg.matrix_transpose") +
                         params(LINALG_PRODUCTS[4:6], "linalg.vecdot") +
                         params(LINALG_PRODUCTS[6:7], "linalg.outer") +
                         params(LINALG_PRODUCTS[7:], "linalg.cross"))
def test_products(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


# --- np.linalg: diagonal, trace, singular values, norms ------------------------------------------

def ldiagonal(x): return linalg.diagonal(x) ** 2
def ldiagonal_offset(x): return np.sin(linalg.diagonal(x, offset=1))
def ldiagonal_neg(x): return linalg.diagonal(x, offset=-1) ** 2
def ltrace(x): return linalg.trace(x) ** 2
def ltrace_offset(x): return linalg.trace(x, offset=-1) ** 2
def ltrace_dtype(x): return linalg.trace(x, offset=1, dtype=np.float64) ** 2
def svdvals(x): return linalg.svdvals(x) * np.arange(1.0, 1.0 + min(np.shape(x)[-2:]))
def svdvals_sum(x): return np.sum(linalg.svdvals(x))
def vnorm(x): return linalg.vector_norm(x)
def vnorm_axis(x): return linalg.vector_norm(x, axis=1) ** 2
def vnorm_axis_m1_keep(x): return linalg.vector_norm(x, axis=-1, keepdims=True) * x
def vnorm_axes(x): return linalg.vector_norm(x, axis=(0, 2))
def vnorm_keep(x): return linalg.vector_norm(x, keepdims=True) * x
def vnorm_1(x): return linalg.vector_norm(x, ord=1)
def vnorm_1_axis(x): return linalg.vector_norm(x, axis=0, ord=1) ** 2
def vnorm_inf(x): return linalg.vector_norm(x, ord=np.inf)
def vnorm_inf_axis(x): return linalg.vector_norm(x, axis=-1, ord=np.inf) ** 2
def vnorm_minf(x): return linalg.vector_norm(x, ord=-np.inf, axis=(0, 1), keepdims=True) * x
def vnorm_3(x): return linalg.vector_norm(x, ord=3)
def vnorm_half_axes(x): return linalg.vector_norm(x, axis=(-2, -1), ord=0.5) ** 2
def vnorm_m1(x): return linalg.vector_norm(x, axis=0, ord=-1)
def vnorm_0(x): return linalg.vector_norm(x, ord=0) * x
def mnorm(x): return linalg.matrix_norm(x)
def mnorm_keep(x): return linalg.matrix_norm(x, keepdims=True) * x
def mnorm_nuc(x): return linalg.matrix_norm(x, ord="nuc")
def mnorm_2(x): return linalg.matrix_norm(x, ord=2) ** 2
def mnorm_m2(x): return linalg.matrix_norm(x, ord=-2)
def mnorm_1(x): return linalg.matrix_norm(x, ord=1)
def mnorm_m1(x): return linalg.matrix_norm(x, ord=-1)
def mnorm_inf(x): return linalg.matrix_norm(x, ord=np.inf) ** 2
def mnorm_minf(x): return linalg.matrix_norm(x, ord=-np.inf)
def mnorm_nuc_sum(x): return np.sum(linalg.matrix_norm(x, ord="nuc"))
def mnorm_nuc_keep(x): return np.sum(linalg.matrix_norm(x, ord="nuc", keepdims=True) * x)
def mnorm_inf_keep(x): return linalg.matrix_norm(x, ord=np.inf, keepdims=True) * x

MATRICES = [((3, 3),), ((2, 4),), ((2, 4, 3),)]

DIAGONALS = [
    ("linalg.diagonal", ldiagonal, ("real",), MATRICES),
    ("linalg.diagonal(offset=1)", ldiagonal_offset, ("real",), [((3, 3),), ((2, 2, 3),)]),
    ("linalg.diagonal(offset=-1)", ldiagonal_neg, ("real",), [((4, 3),)]),
    ("linalg.trace", ltrace, ("real",), MATRICES),
    ("linalg.trace(offset=-1)", ltrace_offset, ("real",), [((3, 3),), ((2, 3, 2),)]),
    ("linalg.trace(offset=1, dtype)", ltrace_dtype, ("real",), [((3, 3),)]),
]

SVDVALS = [
    ("linalg.svdvals", svdvals, ("real",), MATRICES),
    ("linalg.svdvals(sum)", svdvals_sum, ("real",), [((3, 2),)]),
]

VECTOR_NORMS = [
    ("vector_norm", vnorm, ("real",), [((3,),), ((2, 3),), ((2, 2, 2),)]),
    ("vector_norm(axis=1)", vnorm_axis, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("vector_norm(axis=-1, keepdims)", vnorm_axis_m1_keep, ("real",), [((2, 3),)]),
    ("vector_norm(axis=(0, 2))", vnorm_axes, ("real",), [((2, 3, 2),)]),
    ("vector_norm(keepdims)", vnorm_keep, ("real",), [((2, 3),)]),
    ("vector_norm(ord=1)", vnorm_1, ("nonzero",), [((4,),), ((2, 3),)]),
    ("vector_norm(axis=0, ord=1)", vnorm_1_axis, ("nonzero",), [((3, 2),)]),
    ("vector_norm(ord=inf)", vnorm_inf, ("real",), [((4,),), ((2, 3),)]),
    ("vector_norm(axis=-1, ord=inf)", vnorm_inf_axis, ("real",), [((3, 4),)]),
    ("vector_norm(ord=-inf, axis=(0, 1), keepdims)", vnorm_minf, ("real",), [((2, 3, 2),)]),
    ("vector_norm(ord=3)", vnorm_3, ("nonzero",), [((4,),), ((2, 2),)]),
    ("vector_norm(axis=(-2, -1), ord=0.5)", vnorm_half_axes, ("nonzero",), [((2, 3, 2),)]),
    ("vector_norm(axis=0, ord=-1)", vnorm_m1, ("nonzero",), [((3, 2),)]),
    ("vector_norm(ord=0)", vnorm_0, ("nonzero",), [((3,),)]),
]

MATRIX_NORMS = [
    ("matrix_norm", mnorm, ("real",), MATRICES),
    ("matrix_norm(keepdims)", mnorm_keep, ("real",), [((3, 2),), ((2, 2, 3),)]),
    ("matrix_norm(nuc)", mnorm_nuc, ("real",), MATRICES),
    ("matrix_norm(2)", mnorm_2, ("real",), MATRICES),
    ("matrix_norm(-2)", mnorm_m2, ("real",), MATRICES),
    ("matrix_norm(1)", mnorm_1, ("nonzero",), MATRICES),
    ("matrix_norm(-1)", mnorm_m1, ("nonzero",), MATRICES),
    ("matrix_norm(inf)", mnorm_inf, ("nonzero",), MATRICES),
    ("matrix_norm(-inf)", mnorm_minf, ("nonzero",), MATRICES),
    ("matrix_norm(nuc, keepdims)", mnorm_nuc_keep, ("real",), [((2, 3, 4),)]),
    ("matrix_norm(inf, keepdims)", mnorm_inf_keep, ("nonzero",), [((2, 3, 4),)]),
]


@pytest.mark.parametrize("fn, domains, shapes, wrt",
                         params(DIAGONALS[:3], "linalg.diagonal") +
                         params(DIAGONALS[3:], "linalg.trace") +
                         params(SVDVALS, "linalg.svdvals") +
                         params(VECTOR_NORMS, "linalg.vector_norm") +
                         params(MATRIX_NORMS, "linalg.matrix_norm"))
def test_linalg(fn, domains, shapes, wrt):
    run_check(fn, domains, shapes, wrt)


def append_attribute(a, b): return np.sum(np.append(a, b) ** 2)


def test_np_append_spelled_as_an_attribute():
    # `np.append(...)` is not `xs.append(v)` on a list: np stays the module
    a, b = np.arange(3.0), np.ones(2)
    np.testing.assert_allclose(sad.grad(append_attribute, wrt=(0, 1))(a, b)[0], 2 * a)


# --- exact values where finite differences cannot check -------------------------------------------

@needs("linalg.vector_norm", "linalg.matrix_norm")
def test_norms_at_zero_have_gradient_zero():
    # the convention of np.linalg.norm: the 2-norm's (and Frobenius norm's) slope at 0 is 0
    z = np.zeros((2, 3))
    check_exact(vnorm, (z,), [np.zeros((2, 3))])
    check_exact(mnorm, (z,), [np.zeros((2, 3))])


@needs("linalg.vector_norm")
def test_vector_norm_inf_splits_a_tie():
    x = np.array([1.0, -2.0, 2.0, 0.5])
    check_exact(vnorm_inf, (x,), [np.array([0.0, -0.5, 0.5, 0.0])])


@needs("linalg.matrix_norm")
def test_nuclear_matrix_norm_gradient_is_u_vt():
    a = np.random.default_rng(3).normal(size=(2, 4, 3))
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(sad.grad(mnorm_nuc_sum)(a), u @ vt, atol=1e-12)


def test_constant_ends_of_ediff1d_and_append_are_not_differentiated():
    # to_begin and to_end are constants: a differentiated value there is refused
    def f(a, b): return np.sum(np.ediff1d(a, to_end=b))
    with pytest.raises(sad.NoDerivativeError, match="to_end"):
        sad.grad(f, wrt=1)(np.ones(3), np.ones(2))
