"""Products (dot, matmul, vdot, inner, outer, tensordot, einsum, kron, cross, convolve,
correlate), in forward and reverse mode, against finite differences.

One row per function and keyword variant, each with the argument shapes to try; every
case runs `check_grads` at several random points (the harness of tests/test_primitives.py).
"""

import numpy as np
import pytest

import sourcead as sad
from test_numpy_shape import cases, run_check
from test_primitives import F


# --- dot, vdot, inner, outer, matmul ------------------------------------------------------------

def vdot(a, b): return np.vdot(a, b)
def vdot_chain(a, b): return np.sin(np.vdot(a * a, b))
def inner(a, b): return np.inner(a, b)
def outer(a, b): return np.outer(a, b)
def outer_chain(a, b): return np.sin(np.outer(a, b * b))
def matmul_batched(a, b): return np.tanh(np.matmul(a, b))
def matmul_op(a, b): return (a @ b) ** 2
def dot(a, b): return np.dot(a, b) ** 2

PAIRS = [
    ("vdot", vdot, ("real", "real"), [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (6,)), (F, F)]),
    ("vdot-chain", vdot_chain, ("real", "real"), [((2, 2), (4,))]),
    ("inner", inner, ("real", "real"), [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (4, 3)), ((2, 3), (4, 3)), ((2, 2, 3), (4, 3)),
        ((2, 3), (2, 4, 3)), (F, (2, 3)), ((2, 3), ())]),
    ("outer", outer, ("real", "real"), [((3,), (4,)), ((2, 3), (2,)), (F, (3,)), ((2,), ())]),
    ("outer-chain", outer_chain, ("real", "real"), [((3,), (2, 2))]),
    ("matmul(batched)", matmul_batched, ("real", "real"), [
        ((4, 2, 3), (4, 3, 2)), ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)),
        ((3,), (4, 3, 2)), ((4, 2, 3), (3,))]),
    ("a@b", matmul_op, ("real", "real"), [((2, 1, 2, 3), (1, 4, 3, 2)), ((3,), (3,))]),
    ("dot", dot, ("real", "real"), [((3,), (3, 2)), ((2, 2, 3), (4, 3, 2)), (F, (2,))]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(PAIRS))
def test_pairs(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- tensordot ------------------------------------------------------------------------------------

def tensordot(a, b): return np.tensordot(a, b)
def tensordot_0(a, b): return np.tensordot(a, b, 0)
def tensordot_1(a, b): return np.tensordot(a, b, axes=1)
def tensordot_pairs(a, b): return np.tensordot(a, b, axes=([1, 0], [0, 1]))
def tensordot_single(a, b): return np.tensordot(a, b, axes=(1, 0))
def tensordot_neg(a, b): return np.sin(np.tensordot(a, b, axes=([-1], [-2])))
def tensordot_perm(a, b): return np.tensordot(a, b, axes=((0, 2), (2, 1)))

TENSORDOT = [
    ("tensordot", tensordot, ("real", "real"), [((2, 3), (2, 3)), ((4, 2, 3), (2, 3, 5))]),
    ("tensordot(0)", tensordot_0, ("real", "real"), [((2,), (3,)), ((2, 2), (3,))]),
    ("tensordot(axes=1)", tensordot_1, ("real", "real"), [((2, 3), (3,)), ((4, 3), (3, 2))]),
    ("tensordot(pairs)", tensordot_pairs, ("real", "real"),
     [((2, 3), (3, 2)), ((2, 3, 4), (3, 2, 5))]),
    ("tensordot((1, 0))", tensordot_single, ("real", "real"), [((2, 3), (3, 4))]),
    ("tensordot(negative)", tensordot_neg, ("real", "real"), [((2, 3), (2, 3, 4))]),
    ("tensordot(permuted)", tensordot_perm, ("real", "real"), [((2, 3, 4), (5, 4, 2))]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(TENSORDOT))
def test_tensordot(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- einsum -------------------------------------------------------------------------------------

def es_matmul(a, b): return np.einsum("ij,jk->ik", a, b)
def es_matmul_implicit(a, b): return np.einsum("ij,jk", a, b)
def es_dot(a, b): return np.einsum("i,i->", a, b)
def es_dot_implicit(a, b): return np.einsum("i,i", a, b)
def es_outer(a, b): return np.einsum("i,j->ij", a, b)
def es_elementwise(a, b): return np.einsum("ij,ij->ij", a, b)
def es_batched(a, b): return np.einsum("bij,bjk->bik", a, b)
def es_chain3(a, b, c): return np.einsum("ij,jk,kl->il", a, b, c)
def es_three_free(a, b, c): return np.einsum("i,j,k", a, b, c)
def es_transpose(a): return np.sin(np.einsum("ijk->kij", a))
def es_sum(a): return np.einsum("ij->", a)
def es_sum_axis(a): return np.einsum("ij->j", a) ** 2
def es_trace(a): return np.einsum("ii", a) ** 2
def es_diag(a): return np.einsum("ii->i", a) ** 2
def es_diag3(a): return np.einsum("iij->ji", a) ** 2
def es_alone(a, b): return np.einsum("ij,k->ik", a, b)
def es_ellipsis(a, b): return np.einsum("...ij,...jk->...ik", a, b)
def es_ellipsis_implicit(a, b): return np.einsum("...ij,jk", a, b)
def es_ellipsis_sum(a): return np.einsum("i...->...", a) ** 2
def es_same_operand(a): return np.einsum("ij,jk->ik", a, a)
def es_optimize(a, b, c): return np.einsum("ij,jk,kl->il", a, b, c, optimize=True)
def es_spaces(a, b): return np.einsum("ij, jk -> ik", a, b) ** 2
def es_with_constant(a): return np.einsum("ij,jk->ik", a, np.ones((3, 2)))

EINSUM = [
    ("ij,jk->ik", es_matmul, ("real", "real"), [((2, 3), (3, 4))]),
    ("ij,jk", es_matmul_implicit, ("real", "real"), [((2, 3), (3, 4))]),
    ("i,i->", es_dot, ("real", "real"), [((3,), (3,))]),
    ("i,i", es_dot_implicit, ("real", "real"), [((3,), (3,))]),
    ("i,j->ij", es_outer, ("real", "real"), [((3,), (2,))]),
    ("ij,ij->ij", es_elementwise, ("real", "real"), [((2, 3), (2, 3))]),
    ("bij,bjk->bik", es_batched, ("real", "real"), [((4, 2, 3), (4, 3, 2))]),
    ("ij,jk,kl->il", es_chain3, ("real", "real", "real"), [((2, 3), (3, 4), (4, 2))]),
    ("i,j,k", es_three_free, ("real", "real", "real"), [((2,), (3,), (2,))]),
    ("ijk->kij", es_transpose, ("real",), [((2, 3, 4),)]),
    ("ij->", es_sum, ("real",), [((2, 3),)]),
    ("ij->j", es_sum_axis, ("real",), [((2, 3),)]),
    ("ii", es_trace, ("real",), [((3, 3),)]),
    ("ii->i", es_diag, ("real",), [((3, 3),)]),
    ("iij->ji", es_diag3, ("real",), [((3, 3, 2),)]),
    ("ij,k->ik", es_alone, ("real", "real"), [((2, 3), (4,))]),
    ("...ij,...jk->...ik", es_ellipsis, ("real", "real"), [
        ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2))]),
    ("...ij,jk", es_ellipsis_implicit, ("real", "real"), [((5, 2, 3), (3, 4))]),
    ("i...->...", es_ellipsis_sum, ("real",), [((3,),), ((3, 2, 2),)]),
    ("einsum(a, a)", es_same_operand, ("real",), [((3, 3),)]),
    ("einsum(optimize=True)", es_optimize, ("real", "real", "real"), [((2, 3), (3, 4), (4, 2))]),
    ("ij, jk -> ik", es_spaces, ("real", "real"), [((2, 3), (3, 4))]),
    ("einsum(a, constant)", es_with_constant, ("real",), [((2, 3),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(EINSUM))
def test_einsum(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- kron, cross, convolve, correlate -------------------------------------------------------------

def kron(a, b): return np.kron(a, b)
def kron_chain(a, b): return np.sin(np.kron(a, b * b))
def cross(a, b): return np.cross(a, b)
def cross_chain(a, b): return np.cross(a, np.sin(b)) ** 2
def cross_axisa(a, b): return np.cross(a, b, axisa=0)
def cross_axisc(a, b): return np.cross(a, b, axisa=0, axisb=0, axisc=0)
def cross_axis(a, b): return np.cross(a, b, axis=0)
def convolve(a, v): return np.convolve(a, v)
def convolve_same(a, v): return np.convolve(a, v, "same")
def convolve_valid(a, v): return np.convolve(a, v, mode="valid")
def correlate(a, v): return np.correlate(a, v)
def correlate_same(a, v): return np.correlate(a, v, "same")
def correlate_full(a, v): return np.correlate(a, v, mode="full")

_CONV = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((2,), (5,)), ((6,), (1,))]

def _two_vector_cross():
    """Whether this NumPy still computes cross products of 2-vectors (2.5 removed them)."""
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.cross(np.ones(2), np.ones(2))
        return True
    except ValueError:
        return False


def _cross_rows(rows):
    """Rows with 2-vectors, kept where this NumPy computes them."""
    return rows if _two_vector_cross() else []


OTHERS = [
    ("kron", kron, ("real", "real"), [((2,), (3,)), ((2, 2), (3, 1)), ((2,), (2, 3)),
                                      ((2, 1, 2), (3, 2)), (F, (2,))]),
    ("kron-chain", kron_chain, ("real", "real"), [((2, 2), (2, 3))]),
    ("cross", cross, ("real", "real"), [((3,), (3,)), ((4, 3), (3,))] + _cross_rows(
        [((2,), (2,)), ((2,), (3,)), ((3,), (2,)), ((4, 2), (4, 3))]) + [((2, 1, 3), (4, 3))]),
    ("cross-chain", cross_chain, ("real", "real"), [((2, 3), (2, 3))]),
    ("cross(axisa=0)", cross_axisa, ("real", "real"), [((3, 4), (4, 3))] + _cross_rows(
        [((2, 4), (4, 2))])),
    ("cross(axisa=axisb=axisc=0)", cross_axisc, ("real", "real"), [((3, 4), (3, 4))]),
    ("cross(axis=0)", cross_axis, ("real", "real"), [((3, 2), (3, 2))] + _cross_rows(
        [((2, 2), (3, 2))])),
    ("convolve", convolve, ("real", "real"), _CONV),
    ("convolve(same)", convolve_same, ("real", "real"), _CONV),
    ("convolve(mode=valid)", convolve_valid, ("real", "real"), _CONV),
    ("correlate", correlate, ("real", "real"), _CONV),
    ("correlate(same)", correlate_same, ("real", "real"), _CONV),
    ("correlate(mode=full)", correlate_full, ("real", "real"), _CONV),
]


# NumPy 2 deprecates cross products of 2-vectors (still computed); the rows test them anyway
@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors are deprecated")
@pytest.mark.parametrize("fn, domains, shapes", cases(OTHERS))
def test_other_products(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- the generated code -------------------------------------------------------------------------

def es_loss(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2)


def test_einsum_derivatives_are_einsums():
    rev = sad.grad(es_loss, wrt=(0, 1)).source
    assert "np.einsum('ik,jk->ij'" in rev and "np.einsum('ik,ij->jk'" in rev
    fwd = sad.jvp(es_matmul, wrt=1).source   # one term only: a's tangent is zero
    assert "np.einsum('jk,ij->ik', b_dot, a)" in fwd and "zeros" not in fwd
