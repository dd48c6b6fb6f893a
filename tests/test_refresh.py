"""Lists built at run time that still show an array after it is written: the run-time
helpers (sourcead/refresh.py) and whole programs, in both modes and to second order."""

import numpy as np
import pytest

import sourcead as sad
from sourcead.refresh import (laid_out_like, refreshed, refreshed_adjoint,
                              refreshed_adjoint_new, refreshed_tangent)


def _items():
    x = np.arange(12.0).reshape(3, 4)
    return x, [x, x[1], x[:, ::-1][:2], np.ones(3), (x[2, 1:],)]


def test_items_that_are_the_array_or_views_of_it_show_the_new_one():
    x, hs = _items()
    new = laid_out_like(x * 10.0, x)
    out = refreshed(hs, x, new)
    assert out[0] is new
    assert np.array_equal(out[1], new[1]) and np.shares_memory(out[1], new)
    assert np.array_equal(out[2], new[:, ::-1][:2]) and np.shares_memory(out[2], new)
    assert out[3] is hs[3]                       # an array of its own: left alone
    assert isinstance(out[4], tuple) and np.array_equal(out[4][0], new[2, 1:])
    out[1][0] = -1.0                             # a view, as the list's item was
    assert new[1, 0] == -1.0
    assert hs[1][0] == 4.0                       # the list given is not changed


@pytest.mark.parametrize("layout", ["C", "F", "reversed", "strided"])
def test_laid_out_like_keeps_the_old_layout(layout):
    base = np.arange(24.0).reshape(4, 6)
    old = {"C": base, "F": np.asfortranarray(base), "reversed": base[::-1, ::-2],
           "strided": base[::2, 1::2]}[layout]
    new = laid_out_like(old * 2.0, old)
    assert new.strides == old.strides and np.array_equal(new, old * 2.0)
    view = old[1:, :2]
    out, = refreshed([view], old, new)
    assert np.array_equal(out, new[1:, :2]) and np.shares_memory(out, new)


def test_derivatives_are_the_same_selection_and_its_transpose():
    x, hs = _items()
    rng = np.random.default_rng(0)
    dnew = rng.normal(size=x.shape)
    dy = [rng.normal(size=np.shape(h)) for h in hs[:4]] + [(rng.normal(size=3),)]
    t = refreshed_tangent(dy, dnew, hs, x)
    assert np.array_equal(t[0], dnew) and np.array_equal(t[1], dnew[1])
    assert np.array_equal(t[2], dnew[:, ::-1][:2]) and t[3] is dy[3]
    g = [rng.normal(size=np.shape(h)) for h in hs[:4]] + [(rng.normal(size=3),)]
    # <g, T(dy, dnew)> = <A_y(g), dy> + <A_new(g), dnew>: the adjoints transpose T
    gy, gnew = refreshed_adjoint(g, hs, x), refreshed_adjoint_new(g, hs, x)

    def dot(a, b):
        if isinstance(a, (list, tuple)):
            return sum(dot(p, q) for p, q in zip(a, b))
        return float(np.sum(np.asarray(a) * np.asarray(b)))
    assert dot(g, t) == pytest.approx(dot(gy, dy) + dot(gnew, dnew))


def test_an_item_the_written_array_is_only_part_of_is_refused_at_run_time():
    x = np.arange(6.0)
    with pytest.raises(NotImplementedError, match="f.py:3: .* shows only part"):
        refreshed([x], x[1:], x[1:] * 2.0, "f.py:3")


# -- whole programs -------------------------------------------------------------------

def appended_then_scaled(v, n):
    hs = []
    for i in range(n):
        hs.append(v)        # the same array each time
        v *= 1.1            # every item shows it
    return sum(hs).sum()


def views_appended_then_written(y, n):
    outs = []
    for k in range(n):
        outs.append(y[:3])
        y += 0.4 * y
    return np.sum(np.array(outs) ** 2)


def rows_of_a_comprehension(M):
    rows = [row[:] for row in M]
    M[0, 0] /= 1.3
    M *= M
    return np.sum(rows[0]) + np.sum(rows[1] ** 2)


def item_read_then_base_written(A):
    hs = []
    for i in range(2):
        hs.append(A[i])
    first = hs[0]
    A[0] = np.sin(A[0])     # first is a view of A's row 0: it shows the write
    return np.sum(first * A[1]) + sum(h.sum() for h in hs)


def rotated_lists(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i] * 1.0)
    for j in range(2):
        hs = hs[1:] + hs[:1]        # joined as lists, derivatives too
    return np.sum(hs[0] * np.arange(3.0))


def _first(hs):
    return hs[0]


def item_written(A, n):
    hs = []
    for i in range(n):
        hs.append(A)
    b = _first(hs)          # A's array: A shows the write, and so do the list's items
    b *= 2.0
    return (A * A).sum() + sum(h.sum() for h in hs)


def items_written_in_a_loop(A, n):
    hs = []
    for i in range(n):
        hs.append(A * 1.0)  # n arrays of their own (never merged into A, or into one)
        hs.append(A + 0.0)
    for h in hs:
        h[0] = 2.0 * h[1]
    return sum(h.sum() ** 2 for h in hs) + A.sum()


def items_squared(A, n):
    hs = []
    for i in range(n):
        hs.append(A * 1.0)
    for h in hs:
        h *= h
    return sum(h.sum() for h in hs) + A.sum()


def merged_computations_stay_apart(x, n):
    t = np.sin(x)
    hs = []
    for i in range(n):
        hs.append(np.sin(x))   # not t's array
    t[0] = 5.0
    return sum((h ** 2).sum() for h in hs) + t.sum()


def item_that_is_a_view_written(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i])
    b = hs[0]
    b *= 2.0                # b is a view of A's row: A and the list's items show it
    return (A * A).sum() + sum(np.sum(h * h[0]) for h in hs)


def rows_normalised_through_a_list(M):
    rows = [r for r in M]
    for r in rows:
        r /= np.linalg.norm(r)
    return np.sum(M * np.arange(M.shape[1])) + np.sum(rows[0] ** 3)


@pytest.mark.parametrize("f, shape", [(appended_then_scaled, (4,)),
                                      (item_written, (3, 3)),
                                      (items_written_in_a_loop, (3, 3)),
                                      (items_squared, (3, 3)),
                                      (merged_computations_stay_apart, (4,)),
                                      (item_that_is_a_view_written, (3, 3)),
                                      (rows_normalised_through_a_list, (3, 4)),
                                      (views_appended_then_written, (5,)),
                                      (rows_of_a_comprehension, (3, 4)),
                                      (item_read_then_base_written, (2, 3)),
                                      (rotated_lists, (3, 3))])
def test_programs(f, shape):
    rng = np.random.default_rng(1)
    for trial in range(3):
        x = rng.normal(size=shape)
        args = (x,) if f in (rows_of_a_comprehension, item_read_then_base_written,
                             rows_normalised_through_a_list) else (x, trial + 1)
        wrt = 0
        sad.check_grads(f, args, wrt=wrt)
        want = f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        keep = x.copy()
        assert sad.value_and_grad(f, wrt=wrt)(*args)[0] == pytest.approx(want)
        assert np.array_equal(x, keep)           # the caller's array is not changed


@pytest.mark.parametrize("f", ["lambda_free_scaled", "rows_scaled_through_a_list"])
def test_second_order_through_a_refreshed_list(f):
    f = globals()[f]
    x = np.array([0.3, -0.7, 1.1, 0.5])
    H = sad.hessian(f)(x)
    eps = 1e-5
    fd = np.stack([(sad.grad(f)(x + eps * e) - sad.grad(f)(x - eps * e)) / (2 * eps)
                   for e in np.eye(4)])
    assert np.allclose(H, fd, atol=1e-6)


def rows_scaled_through_a_list(v):
    M = np.outer(v, v[:2])
    rows = [r for r in M]
    for r in rows:
        r *= np.sin(r[0])       # written through the list: M shows it
    return np.sum(M ** 2) + np.sum(rows[1] * v[0])


def lambda_free_scaled(v):
    hs = []
    for i in range(2):
        hs.append(v)
        v *= v[0]
    return np.sum(hs[0] * hs[1]) + np.sum(np.sin(v))


def test_identities_a_refresh_asks_about_are_kept_by_the_simplifier(monkeypatch):
    # the checker can fail: without the identities kept, `A * 1.0` is A itself, and
    # writing one item changes them all
    import sys
    simplify = sys.modules["sourcead.opt.simplify"]
    monkeypatch.setattr(simplify, "kept_identities", lambda fn: frozenset())
    A = np.random.default_rng(0).normal(size=(3, 3))
    sad.clear_cache()
    try:
        with pytest.raises(AssertionError):
            sad.check_grads(items_squared, (A, 2), wrt=0)
    finally:
        sad.clear_cache()


# -- programs as users write them ----------------------------------------------------

def descent_history(w0, X, y):
    # NumPy's well-known surprise: every entry of history is w itself
    w = w0.copy()
    history = []
    for step in range(3):
        grad = X.T @ (X @ w - y)
        w -= 0.01 * grad
        history.append(w)
    return sum(np.sum(h ** 2) for h in history)


def rnn_states(h0, W, xs):
    h = h0 * 1.0
    states = []
    for x in xs:
        states.append(h)
        h[:] = np.tanh(W @ h + x)   # in place: every state shows the last one
    return np.sum(np.array(states))


def window_means(x):
    y = np.cumsum(x)
    windows = []
    for i in range(len(y) - 2):
        windows.append(y[i:i + 3])
    y *= 0.5                        # the windows are views: they show it
    return sum(np.mean(w) for w in windows)


def test_programs_as_users_write_them():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    for f, args in ((descent_history, (rng.normal(size=3), X, y)),
                    (rnn_states, (rng.normal(size=3), 0.5 * rng.normal(size=(3, 3)),
                                  rng.normal(size=(4, 3)))),
                    (window_means, (rng.normal(size=6),))):
        sad.check_grads(f, args)
        want = f(*[a.copy() for a in args])
        assert sad.value_and_grad(f)(*args)[0] == pytest.approx(want)
