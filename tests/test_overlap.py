"""Item assignments whose value is a view into the array written (`flat[::2] =
flat[1:7]`): NumPy's own assignment reproduced at run time (sourcead/overlap.py), its
derivatives in both modes and to second order, and whole programs."""

import numpy as np
import pytest

import sourcead as sad
from sourcead import overlap
from sourcead.overlap import (assignment_sources, set_item_overlapping,
                              set_item_overlapping_adjoint, set_item_overlapping_adjoint_value,
                              set_item_overlapping_tangent)

# (the base array, then what is written: x, index and v made from the base)
CASES = {
    "strided from contiguous": (np.arange(12.0), lambda a: (a, slice(None, None, 2), a[1:7])),
    "shift right": (np.arange(9.0), lambda a: (a, slice(1, None), a[:-1])),
    "shift left": (np.arange(9.0), lambda a: (a, slice(None, -1), a[1:])),
    "reversed": (np.arange(7.0), lambda a: (a, slice(None), a[::-1])),
    "into a reversed view": (np.arange(12.0), lambda a: (a[::-1], slice(None, None, 2), a[1:7])),
    "index array": (np.arange(10.0), lambda a: (a, [0, 2, 4, 6], a[1:5])),
    "repeated index array": (np.arange(10.0), lambda a: (a, [1, 1, 3], a[:3])),
    "mask": (np.arange(12.0), lambda a: (a, np.arange(12) % 2 == 0, a[1:7])),
    "broadcast": (np.arange(8.0), lambda a: (a, slice(2, 8), a[1:2])),
    "transpose": (np.arange(16.0).reshape(4, 4), lambda a: (a, slice(None), a.T)),
    "row from a column": (np.arange(16.0).reshape(4, 4), lambda a: (a, 0, a[:, 1])),
    "columns": (np.arange(24.0).reshape(2, 12),
                lambda a: (a, (slice(None), slice(None, None, 2)), a[:, 1:7])),
    "Fortran order": (np.asfortranarray(np.arange(12.0).reshape(3, 4)),
                      lambda a: (a.ravel(order="K"), slice(None, None, 2),
                                 a.ravel(order="K")[1:7])),
    "float32": (np.arange(12.0, dtype=np.float32), lambda a: (a, slice(None, None, 2), a[1:7])),
    "int16, positions wider than an element": (
        np.arange(40000, dtype=np.int16), lambda a: (a, slice(None, None, 2), a[1:20001])),
    "bool": (np.arange(600) % 3 == 0, lambda a: (a, slice(None, None, 2), a[1:301])),
    "complex": (np.arange(30.0) + 1j, lambda a: (a, slice(None, None, 3), a[1:11])),
    "no overlap": (np.arange(12.0), lambda a: (a, slice(0, 3), a[3:6])),
    "no overlap, columns": (np.arange(16.0).reshape(4, 4),
                            lambda a: (a, (slice(None), 0), a[:, 1])),
}


def _numpy(case):
    base, make = CASES[case]
    base = base.copy(order="K")
    x, index, v = make(base)
    x[index] = v
    return x.copy()


@pytest.mark.parametrize("case", CASES)
def test_numpys_own_assignment_is_reproduced(case):
    base, make = CASES[case]
    base = base.copy(order="K")
    before = base.copy()
    x, index, v = make(base)
    out = set_item_overlapping(x, index, v)
    assert out.dtype == x.dtype and out.shape == x.shape
    assert np.array_equal(out, _numpy(case))
    assert np.array_equal(base, before)   # x itself is not written


def test_the_helper_matters_numpy_does_not_read_the_value_first():
    # NumPy copies element by element here, so the value read first is another result
    base, make = CASES["strided from contiguous"]
    x, index, v = make(base.copy())
    read_first = x.copy()
    read_first[index] = v.copy()
    assert not np.array_equal(read_first, _numpy("strided from contiguous"))
    assert assignment_sources(*make(base.copy())) is not None
    for case in ("no overlap", "no overlap, columns"):
        assert assignment_sources(*CASES[case][1](CASES[case][0].copy())) is None


def test_another_type_in_the_same_memory_is_refused():
    a = np.arange(8.0)
    with pytest.raises(NotImplementedError, match="copy"):
        set_item_overlapping(a, slice(2, 6), a[4:].view(np.int64))


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][0].dtype == np.float64])
def test_the_adjoints_transpose_the_tangent(case):
    base, make = CASES[case]
    x, index, v = make(base.copy(order="K"))
    rng = np.random.default_rng(1)
    dx, dv, g = (rng.normal(size=np.shape(a)) for a in (x, v, x))
    t = set_item_overlapping_tangent(dx, dv, x, index, v)
    gx = set_item_overlapping_adjoint(g, x, index, v)
    gv = set_item_overlapping_adjoint_value(g, x, index, v)
    assert gx.shape == x.shape and gv.shape == v.shape
    assert np.sum(g * t) == pytest.approx(np.sum(gx * dx) + np.sum(gv * dv))
    # the write is linear: a change of the memory x and v are views into changes the
    # result by the tangent of x's and v's parts of that change
    d = np.empty_like(base)   # (laid out like base)
    d[...] = rng.normal(size=base.shape)
    moved = base.copy(order="K")
    moved += d
    x2, _, v2 = make(moved)
    dx, _, dv = make(d)
    assert np.allclose(set_item_overlapping_tangent(dx, dv, x, index, v),
                       set_item_overlapping(x2, index, v2) - set_item_overlapping(x, index, v))


def strided_from_itself(x):   # seed 811588
    M = np.sin(x)
    flat = M.ravel()
    flat[::2] = flat[1:7]
    return M.sum()


def shift_register(x):
    buf = np.zeros(8)
    for i in range(5):
        buf[1::2] = buf[0:4]
        buf[0] = x[i] ** 2
    return buf @ np.arange(8.0)


def _spread(a):
    a[::2] = a[1:4]


def through_a_helper(x):
    y = np.exp(x)
    _spread(y)
    return np.sum(y * np.arange(6.0))


def through_a_list(x):
    M = np.sin(x)
    hs = [M]
    flat = M.ravel()
    flat[::2] = hs[0].ravel()[1:7]
    return M.sum() + hs[0][0, 0]


def chosen_in_a_branch(x):
    u = np.tanh(x)
    w = np.cos(x)
    t = u if x[0] > 0 else w
    u[::2] = t[1:4]
    return np.sum(u * w)


def copied_to(x):
    A = np.tanh(x)
    A[0] = A[:, 1]
    np.copyto(A[1], A[::-1, 0])
    return np.sum(A ** 2)


def in_a_loop(x):
    a = x * 1.0
    for i in range(2):
        a[::2] = a[1:4]
    return np.sum(np.sin(a))


PROGRAMS = [(strided_from_itself, (3, 4)), (shift_register, (6,)), (through_a_helper, (6,)),
            (through_a_list, (3, 4)), (chosen_in_a_branch, (6,)), (copied_to, (3, 3)),
            (in_a_loop, (6,))]


def _inputs(shape):
    x = np.linspace(0.1, 1.2, int(np.prod(shape))).reshape(shape)
    return [x, -x[..., ::-1].copy() + 0.05, x ** 2]


@pytest.mark.parametrize("f,shape", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_programs(f, shape):
    for x in _inputs(shape):
        sad.check_grads(f, (x,))
        assert sad.value_and_grad(f)(x)[0] == pytest.approx(f(x.copy()))


@pytest.mark.parametrize("f,shape", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_second_order(f, shape):
    x = _inputs(shape)[0]
    n = x.size
    H = sad.hessian(f)(x).reshape(n, n)
    g = sad.grad(f)
    eps = 1e-5
    for j in range(n):
        d = np.zeros(n)
        d[j] = eps
        d = d.reshape(x.shape)
        assert np.allclose(H[:, j], ((g(x + d) - g(x - d)) / (2 * eps)).ravel(), atol=1e-6)


def test_the_checker_fails_where_the_value_is_read_first(monkeypatch):
    # the derivative of the program as if NumPy read the value first is another function's
    monkeypatch.setattr(overlap, "assignment_sources", lambda x, index, v: None)
    x = _inputs((3, 4))[0]
    with pytest.raises(AssertionError):
        sad.check_grads(strided_from_itself, (x,))


def test_a_value_that_is_no_view_is_an_ordinary_write():
    def f(a):
        a = a * 2.0
        a[1:] = np.sin(a[:-1])
        return np.sum(a)
    source = sad.grad(f).source
    assert "set_item_overlapping" not in source and "set_item" in source
    assert "set_item_overlapping" in sad.grad(strided_from_itself).source
