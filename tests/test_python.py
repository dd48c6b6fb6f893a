"""Everyday Python in both modes, against finite differences: calls of the user's
own functions, array methods and attributes, builtins on scalars and sequences."""

import re

import numpy as np
import pytest

import sourcead as sad

from _callees import scaled_sin


def methods(x, y):
    a = x.sum(axis=0) * y.mean()
    b = y.dot(x)
    c = x.copy().astype(float)
    d = x.astype(int)
    return np.sum(a) + np.sum(b * b) + np.sum(c ** 3) + x.shape[0] * x.ndim + x.size + len(x) \
        + np.sum(d)


def builtins_on_scalars(x, y, z):
    a = max(x, y, 0.3) + min(x * y, z)
    b = sum((x, y, z)) + sum([x * x, y], 1.0)
    c = float(x) * abs(y)
    if isinstance(x, float):
        c = c * 2.0
    return a * b + c


def sum_of_rows(X):
    return np.sum(sum(X) ** 2)


def layer(x, W, b=0.1):
    return np.tanh(x @ W + b)


def split(x, y):
    return x * y, x + y


def net(x, W1, W2):
    h = layer(x, W1)
    h = layer(h, W2, b=0.2)
    p, q = split(h, x)
    return np.sum(p * q) + np.sum(scaled_sin(h, shift=0.5))


def power(x, n):
    if n == 0:
        return 1.0
    if n % 2 == 1:
        return x * power(x, n - 1)
    half = power(x, n // 2)
    return half * half


def calls_in_a_loop(x, n):
    for i in range(n):
        x = layer(x, np.eye(2) * 0.9, b=0.1 * i)
    return np.sum(x)


def closures(x, w):
    scale = 2.0

    def inner(y, k=3.0):
        z = y * w + scale
        if z > 0:
            return z * k
        return -z
    sq = lambda t: t * t * w  # noqa: E731
    a = inner(x) + inner(x * x, k=0.5)
    scale = 5.0               # read by the next call, as in Python
    b = inner(a)
    return sq(a + b)


def lambda_in_a_loop(x, n):
    step = lambda v, i: np.sin(v) * 0.5 + v * i  # noqa: E731
    for i in range(n):
        x = step(x, 0.1 * i)
    return np.sum(x)


CASES = [
    (closures, (0.3, 1.7), (0, 1)),
    (closures, (-0.9, 1.2), (0, 1)),
    (lambda_in_a_loop, (np.array([0.2, -0.4]), 3), (0,)),
    (net, (np.array([0.3, -0.5, 0.8]), np.eye(3) * 0.7 + 0.1, np.ones((3, 3)) * 0.2), (0, 1, 2)),
    (power, (0.7, 5), (0,)),
    (power, (1.3, 8), (0,)),
    (calls_in_a_loop, (np.array([0.4, -0.2]), 4), (0,)),
    (methods, (np.linspace(0.1, 0.9, 6).reshape(2, 3), np.array([0.5, -0.3])), (0, 1)),
    (builtins_on_scalars, (0.7, 0.5, 0.2), (0, 1, 2)),
    (builtins_on_scalars, (0.1, 0.2, 1.5), (0, 1, 2)),
    (sum_of_rows, (np.linspace(0, 1, 6).reshape(3, 2),), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_both_modes_match_finite_differences(fn, args, wrt):
    sad.check_grads(fn, args, wrt=wrt)


def test_builtin_max_splits_a_tie_like_np_maximum():
    g = sad.grad(builtins_on_scalars, wrt=(0, 1))(0.4, 0.4, 0.9)
    x, y, z = 0.4, 0.4, 0.9
    b = x + y + z + 1.0 + x * x + y
    a = max(x, y, 0.3) + min(x * y, z)
    # d max(x, y) = 0.5 each on the tie; d min(xy, z) = (y, x); d c = |y| * 2 and x * 2 sign(y)
    assert g[0] == pytest.approx((0.5 + y) * b + a * (1 + 2 * x) + 2 * abs(y))
    assert g[1] == pytest.approx((0.5 + x) * b + a * 2 + 2 * x)


def test_methods_become_numpy_functions_in_generated_code():
    src = sad.grad(methods, wrt=(0, 1)).source
    assert "np.sum(x, axis=0)" in src and "np.mean(y)" in src and "np.dot(y, x)" in src
    assert "sad_rt.astype_discrete(x, dtype=int)" in src


def test_calls_become_calls_of_the_callees_own_derivatives():
    src = sad.grad(net, wrt=(1, 2)).source
    assert "h, layer_pullback = layer_vjp_W(x, W1, 0.1)" in src
    assert "def layer_vjp_W(x, W, b):" in src and "def layer_vjp_x_W(x, W, b):" in src
    assert "def scaled_sin_vjp_z(z, shift):" in src and "def _inner_vjp(z):" in src
    src = sad.jvp(net, wrt=(1,)).source
    assert "h, h_dot = layer_jvp_W(x, W1, 0.1, W1_dot)" in src
    assert sad.grad(power)(0.7, 5) == pytest.approx(5 * 0.7 ** 4)
    assert "power_vjp_x(x, n - 1)" in sad.grad(power).source


def test_each_callee_is_transformed_once():
    def uses_layer_twice(x, W):
        return np.sum(layer(layer(x, W), W))
    sad.grad(uses_layer_twice, wrt=1)(np.ones(2), np.eye(2))
    before = sad.cache_info()["transforms"]
    for _ in range(3):
        sad.grad(uses_layer_twice, wrt=1)(np.ones(2), np.eye(2))
        sad.value_and_grad(uses_layer_twice, wrt=1)(np.ones(2), np.eye(2))
    assert sad.cache_info()["transforms"] - before == 1   # value_and_grad itself; not layer


def test_closures_read_enclosing_variables_when_called():
    x, w = 0.3, 1.7

    def by_hand(x, w):
        def inner(y, scale, k=3.0):
            z = y * w + scale
            return z * k if z > 0 else -z
        a = inner(x, 2.0) + inner(x * x, 2.0, k=0.5)
        return (a + inner(a, 5.0)) ** 2 * w
    assert closures(x, w) == pytest.approx(by_hand(x, w))
    assert sad.value_and_grad(closures)(x, w)[0] == pytest.approx(by_hand(x, w))


def test_a_recursive_nested_function_is_refused():
    def f(x):
        def g(n):
            return x if n == 0 else g(n - 1) * x
        return g(3)
    with pytest.raises(sad.SourceADError, match="recursive nested function"):
        sad.grad(f)(1.0)


# --- tuples, lists and dicts as arguments and results (pytrees) ----------------

def mlp_loss(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    W2, b2 = params["head"]
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def dict_ops(params, scale):
    d = {"a": params[0] * scale, "b": params[1]}
    d["c"] = d["a"] * d["b"]
    total = 0.0
    for key in d:
        total = total + np.sum(d[key])
    for key, value in d.items():
        total = total + len(d) * np.sum(value ** 2)
    return total + d.get("z", 1.0)


def stats(x):
    return {"mean": np.mean(x), "parts": (x[0] * 2.0, np.sin(x))}


def _paths(tree, prefix=()):
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in _paths(v, prefix + (k,))]
    if isinstance(tree, (list, tuple)):
        return [p for k, v in enumerate(tree) for p in _paths(v, prefix + (k,))]
    return [prefix]


def _get(tree, path):
    for p in path:
        tree = tree[p]
    return tree


def _with_leaf(tree, path, value):
    if not path:
        return value
    if isinstance(tree, dict):
        return {k: _with_leaf(v, path[1:], value) if k == path[0] else v for k, v in tree.items()}
    return type(tree)(_with_leaf(v, path[1:], value) if k == path[0] else v
                      for k, v in enumerate(tree))


def _numeric_grad(fn, args, i, eps=1e-6):
    """Central differences of fn w.r.t. every leaf of args[i]: {path: gradient}."""
    grads = {}
    for path in _paths(args[i]):
        leaf = np.asarray(_get(args[i], path), dtype=float)
        g = np.zeros_like(leaf)
        for idx in np.ndindex(leaf.shape):
            values = []
            for sign in (1, -1):
                moved = leaf.copy()
                moved[idx] += sign * eps
                a = list(args)
                a[i] = _with_leaf(args[i], path, moved if leaf.ndim else float(moved))
                values.append(fn(*a))
            g[idx] = (values[0] - values[1]) / (2 * eps)
        grads[path] = g
    return grads


def _assert_grad_matches(fn, args, i):
    got = sad.grad(fn, wrt=i)(*args)
    for path, g in _numeric_grad(fn, args, i).items():
        np.testing.assert_allclose(_get(got, path), g, rtol=1e-5, atol=1e-7)
    return got


def test_grad_of_a_dict_of_parameters_is_a_dict_of_gradients():
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros(4),
              "head": (rng.normal(size=(4, 2)), np.zeros(2))}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    before = {k: (v.copy() if isinstance(v, np.ndarray) else tuple(t.copy() for t in v))
              for k, v in params.items()}
    g = _assert_grad_matches(mlp_loss, (params, x, y), 0)
    assert set(g) == {"W1", "b1", "head"} and isinstance(g["head"], tuple)
    assert g["W1"].shape == (3, 4) and g["head"][0].shape == (4, 2)
    for path in _paths(params):   # the caller's arrays are untouched
        np.testing.assert_array_equal(_get(params, path), _get(before, path))
    # a training step with the gradient dict
    new = {k: (params[k] - 0.1 * g[k] if k != "head" else
               tuple(p - 0.1 * q for p, q in zip(params[k], g[k]))) for k in params}
    assert mlp_loss(new, x, y) < mlp_loss(params, x, y)


def test_dicts_built_in_the_function():
    args = ([np.array([0.3, -0.2]), np.array([1.5, 0.5])], 0.7)
    _assert_grad_matches(dict_ops, args, 0)
    _assert_grad_matches(dict_ops, args, 1)
    d = sad.grad(dict_ops)
    d(*args)
    assert "def dict_ops_grad(params_0, params_1, scale):" in d.source   # a parameter per leaf


def test_structured_results_in_vjp_and_jvp():
    x = np.array([0.3, 0.6])
    y, pullback = sad.vjp(stats)(x)
    assert set(y) == {"mean", "parts"} and isinstance(y["parts"], tuple)
    g = pullback({"mean": 1.0, "parts": (1.0, np.ones(2))})
    np.testing.assert_allclose(g, [0.5 + 2.0 + np.cos(0.3), 0.5 + np.cos(0.6)])
    y, y_dot = sad.jvp(stats)(x, np.array([1.0, 0.0]))
    assert y_dot["mean"] == pytest.approx(0.5)
    np.testing.assert_allclose(y_dot["parts"][1], [np.cos(0.3), 0.0])
    with pytest.raises(TypeError, match="scalar"):
        sad.grad(stats)(x)


# --- in-place array updates ------------------------------------------------------

def fill_in_a_loop(x, n):
    out = np.zeros(n)
    out[0] = x[0]
    for i in range(1, n):
        out[i] = np.sin(out[i - 1]) * x[i % len(x)]
    return np.sum(out ** 2)


def slice_mask_and_index_writes(x, w):
    y = x * 2.0
    y[1:3] = y[1:3] * w
    y[0] += w
    y[y > 1.0] = 0.5 * w
    y[np.array([0, 2])] *= w
    x[0] = 5.0            # writes into the argument: the caller's array stays as it was
    return np.sum(y * x)


def rows_and_nested_items(X):
    Y = np.zeros_like(X)
    for i in range(len(X)):
        Y[i, :] = np.tanh(X[i] + Y[i - 1])
        Y[i][0] = Y[i][0] * 2.0
    return np.sum(Y * X)


def aliased_names(x):
    y = x * 1.0
    z = y          # the same array under two names
    z[0] = 3.0 * x[1]
    return np.sum(y * y)


IN_PLACE = [
    (fill_in_a_loop, (np.array([0.3, 0.7, -0.2]), 5), (0,)),
    (slice_mask_and_index_writes, (np.array([0.3, 0.7, -0.2, 0.9]), 0.8), (0, 1)),
    (rows_and_nested_items, (np.linspace(-1, 1, 6).reshape(3, 2),), (0,)),
    (aliased_names, (np.array([0.5, -1.5]),), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", IN_PLACE, ids=lambda v: getattr(v, "__name__", ""))
def test_in_place_updates_in_both_modes(fn, args, wrt):
    copies = [np.copy(a) for a in args]
    sad.check_grads(fn, args, wrt=wrt)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)    # never the caller's arrays


def test_the_primal_of_a_function_that_mutates_its_argument_is_unchanged():
    x = np.array([0.3, 0.7, -0.2, 0.9])
    value = slice_mask_and_index_writes(x.copy(), 0.8)     # Python: x[0] = 5 inside
    v, _ = sad.value_and_grad(slice_mask_and_index_writes)(x, 0.8)
    assert v == pytest.approx(value)
    assert x[0] == 0.3
    assert aliased_names(np.array([0.5, -1.5])) == pytest.approx(
        sad.value_and_grad(aliased_names)(np.array([0.5, -1.5]))[0])


def test_updates_are_written_in_place_where_the_array_is_unshared():
    src = sad.grad(fill_in_a_loop).source
    assert "out[i] = " in src and "out_bar[i] = 0.0" in src
    assert "sad_rt.set_item(out" not in src and "zeroed_at" not in src
    src = sad.jvp(rows_and_nested_items).source
    assert "Y[index] = " in src or "Y[i, :] = " in src


def writes_through_views(X):
    Y = X * 1.0
    row = Y[1]
    row[0] = 5.0 * row[1]      # writes into Y, as NumPy does
    r = Y[0:2, :]
    q = r[1:]                  # a view of a view
    q[0, 1] = q[0, 0] ** 2
    for i in range(len(Y)):
        y = Y[i]
        y[0] = np.sin(y[1]) * 2.0
    return np.sum(Y * X) + np.sum(row)


def test_writing_through_a_view_writes_into_its_array():
    X = np.linspace(-1, 1, 6).reshape(3, 2) + 0.1
    assert sad.value_and_grad(writes_through_views)(X)[0] == pytest.approx(
        writes_through_views(X.copy()))
    sad.check_grads(writes_through_views, (X,))


def writes_through_transposes_and_reshapes(x):
    y = x * 1.0
    t = y.T
    t[0] = t[1] * 2.0            # writes y[:, 0]
    y.T[2, 1] = 5.0 * y[0, 0]    # written through the attribute
    s = np.swapaxes(y, 0, 1)
    s[1, 0] = 3.0 * s[0, 0]
    flat = y.reshape(-1)         # a view: NumPy could make one
    flat[3] = flat[0] ** 2
    z = y.T.reshape(-1)          # a copy: writes do not reach y
    z[0] = 100.0
    return np.sum(y * x) + np.sum(z)


def test_writing_through_a_transpose_or_a_reshape():
    X = np.arange(9.0).reshape(3, 3) * 0.1 + 0.2
    for args in ((X,), (X.astype(np.float32),)):
        value = sad.value_and_grad(writes_through_transposes_and_reshapes)(*args)[0]
        assert value == pytest.approx(writes_through_transposes_and_reshapes(args[0].copy()),
                                      rel=1e-5)
    sad.check_grads(writes_through_transposes_and_reshapes, (X,))


# Views and shared arrays see later writes, as in NumPy: the derivative computes what
# the function computes.

def swap_by_unpacking(x):
    y = x * 1.5
    y[0], y[2] = y[2], y[0]  # rows of a matrix are views: NumPy copies one row twice
    return np.sum(y * np.arange(y.size).reshape(y.shape))


def view_before_write(x):
    y = x * 2.0
    r = y[0:2]               # a view: it shows the write below
    y[0] = 10.0 * y[1]
    return np.sum(r * y[1:3])


def swap_items(x, i, j):
    y = x * 1.5
    t = y[i]                 # a number from a vector, a view of a matrix's row
    y[i] = y[j]
    y[j] = t
    return np.sum(y * np.arange(y.size).reshape(y.shape))


def transpose_and_reshapes(x):
    y = x * 2.0
    t = y.T
    flat = y.reshape(-1)      # a view
    copied = y.T.reshape(-1)  # a copy: it keeps the old values
    y[0, 1] = 5.0 * y[1, 0]
    return np.sum(t * t[::-1]) + np.sum(np.sin(flat) * copied)


def views_in_containers(x):
    y = x * 2.0
    d = {"a": y, "b": [y[0:2], 3.0]}
    y[0] = 7.0 * y[1]
    return np.sum(d["a"] * d["b"][0].sum())


def alias_written_in_a_loop(x):
    y = x * 2.0
    z = y
    for i in range(3):
        z[i] = z[i] * y[i + 1]
    return np.sum(y)


def view_read_in_a_loop(x):
    y = x * 2.0
    r = y[1:3]
    s = 0.0
    for i in range(3):
        y[i] = np.sin(y[i + 1]) + r[0]
        s = s + r[1] * y[i]
    return s + np.sum(r)


def view_read_after_a_loop(x):
    y = x * 2.0
    r = y[1:3]
    k = 0
    while k < 3:
        y[k] = np.sin(y[k + 1]) * 3.0
        k += 1
    return np.sum(r * r)


def iterating_an_array_the_loop_writes(X):
    X = X * 1.0
    s = 0.0
    for row in X:            # NumPy's iterator sees the rows as written so far
        X[1] = X[1] + row * 0.5
        s = s + np.sum(row * row)
    return s


def normalise_rows(X):
    Y = X * X + 1.0
    for row in Y:
        row /= np.sum(row)   # writes into Y's row
    return np.sum(Y * X)


def augmented_row_views(X):
    Y = X + 0.0
    for i in range(len(Y)):
        row = Y[i]
        row *= 2.0
    return np.sum(Y * Y)


def augmented_number_from_a_vector(x):
    s = x[0]                 # a number: `s += ...` does not change x
    s += x[1]
    return s * x[0] + np.sum(x)


def augmented_alias(x):
    y = x * 2.0
    z = y
    z += 1.0                 # y is z's array: it changes too
    return np.sum(y * x)


def augmented_float_alias(a):
    b = a
    b += 1.0                 # a float is re-bound: a keeps its value
    return a * b


def number_alias_across_a_loop(a):
    b = a
    for i in range(3):
        a += 1.0             # floats: b keeps the first value
    return a * b


def array_alias_across_a_loop(x):
    a = x * 1.0
    b = a
    for i in range(3):
        a += x               # arrays: b is a, and sees every update
    return np.sum(a * b)


def accumulate_from_an_item(x):
    s = x[0]
    for i in range(1, len(x)):
        s += x[i] * s
    return s * x[0]


def apply_boundary(u):
    u[0] = 0.0
    u[-1] = u[-2]            # no return: the caller's array is changed


def sgd_step(w, g, lr=0.1):
    w -= lr * g              # in place for an array


def bump(s, v):
    s += v                   # re-binds a number; writes into an array
    return s * 2.0


def copies_first(a):
    a = a.copy()
    a[0] = 100.0
    return np.sum(a)


def sums_after_boundary(a):
    apply_boundary(a)        # passes the caller's array on
    return np.sum(a)


def heat_with_boundary(u0, k):
    u = u0 * 1.0
    for t in range(3):
        u[1:-1] = u[1:-1] + k * (u[2:] - 2 * u[1:-1] + u[:-2])
        apply_boundary(u)
    return np.sum(u ** 2)


def train_in_place(w, x):
    w = w * 1.0
    for t in range(3):
        sgd_step(w, np.cos(w * x))
    return np.sum(w * w)


def bump_numbers(a, b):
    c = a * 1.0
    r = bump(c, b)
    return r + c


def bump_arrays(a, b):
    c = a * 1.0
    r = bump(c, b)
    return np.sum(r * c)


def callees_in_a_chain(a):
    y = a * 2.0
    s = copies_first(y)      # y is not changed
    t = sums_after_boundary(y)
    return s + t + np.sum(y)


def nested_functions_that_write(x):
    y = x * 2.0

    def clamp():
        y[0] = 0.0           # the enclosing function's array

    def scale(a, k):
        a *= k               # the array it is given

    clamp()
    scale(y, 3.0)
    return np.sum(y * y)


def first_two(a):
    return a[0:2]            # a view of its argument


def head_of(a, n):
    if n > 0:
        a = a * 1.0
    return a                 # its argument itself, where n <= 0


def list_item_augmented(w, x):
    ws = [w * 1.0, w * 2.0]
    first = ws[0]
    ws[0] += x               # writes into the array that `first` is
    return np.sum(first * ws[1])


def alias_in_one_branch(x, flag):
    y = x * 2.0
    if flag > 0:
        z = y                # the same array only where flag > 0
    else:
        z = y.copy()
    z[0] = 7.0
    w = y if flag > 0 else y * 1.0
    w += 1.0
    return np.sum(y * x) + np.sum(z * w)


def numpy_in_place_calls(x):
    y = np.zeros_like(x)
    np.multiply(x, 3.0, out=y)        # y[...] = x * 3.0
    z = y                             # ... seen through every name for y
    w = x * 2.0
    np.copyto(w, np.sin(x))
    v = x * 1.0
    v.sort()
    u = x * 1.0
    u.fill(0.5)
    np.add.at(u, np.array([0, 0, 2]), x[:3] ** 2)   # repeated indices add up
    return np.sum(z * x) + np.sum(w * x) + np.sum(v * np.arange(v.size)) + np.sum(u * x)


def asarray_is_the_array_itself(x):
    y = x * 2.0
    z = np.asarray(y)         # y itself: writes into z are writes into y
    z[0] = 5.0
    w = np.atleast_1d(y)
    w[1] = 7.0
    v = np.asarray(y, dtype=float)
    v[2] = v[2] * 3.0
    counts = np.asarray(x * 3.0, dtype=int)   # a conversion: no derivative
    return np.sum(y * x) + np.sum(counts * x)


def writes_in_branches_of_a_loop(x):
    y = x * 1.0
    r = y[0:2]
    for i in range(3):
        if np.sum(r) > 0:
            y[2] = y[2] + r[0]
        else:
            r[1] = r[1] * 2.0   # through the view: y's array either way
    return np.sum(y ** 2)


def items_of_arrays_in_a_dict(w):
    params = {"W": w * 1.0, "b": np.zeros(2)}
    alias = params["W"]
    params["W"][0] = params["W"][1] * 3.0     # into the array the dict holds
    params["b"][1] = np.sum(w)
    return np.sum(params["W"] * alias) + np.sum(params["b"] ** 2)


def view_in_a_while_condition(x):
    y = x * 1.0
    head = y[:2]
    while np.sum(head) < 3.0:          # the view, written in the loop, tested each time
        head += 0.7 * np.abs(y[2]) + 0.1
    return np.sum(y * x)


def return_from_a_loop_that_writes(x):
    y = x * 1.0
    z = y
    for i in range(6):
        y[i % 3] += np.sin(y[(i + 1) % 3])
        if np.sum(z) > 3.0:
            return np.sum(z * x)
    return np.sum(y)


def augmented_slice_in_a_loop(x):
    s = x[0:2]
    for i in range(2):
        s *= 2.0
    return np.sum(s * x[1:3])


def augmented_row_in_a_loop(X):
    s = X[0]             # a row of a matrix: `s += ...` writes into X every iteration
    for i in range(1, len(X)):
        s += X[i]
    return np.sum(s * X[0]) + np.sum(X)


def written_through_expand_dims(x):
    y = x * 2.0
    r = np.expand_dims(y, 0)
    r[0, 0] = 1.0
    t = np.expand_dims(y, 0)
    t += 1.0
    return np.sum(y * x)


SHARED = [
    (written_through_expand_dims, (np.array([[0.3, -0.7], [1.2, 0.4]]),)),
    (augmented_row_in_a_loop, (np.array([0.3, -0.7, 1.2]),)),
    (augmented_row_in_a_loop, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (view_before_write, (np.array([0.3, -0.7, 1.2, 0.4]),)),
    (swap_items, (np.array([0.3, -0.7, 1.2, 0.4, 2.0]), 1, 3)),
    (swap_items, (np.linspace(-1, 1, 12).reshape(4, 3), 0, 2)),
    (transpose_and_reshapes, (np.linspace(-1, 1, 9).reshape(3, 3) + 0.1,)),
    (views_in_containers, (np.array([0.3, -0.7, 1.2, 0.4]),)),
    (alias_written_in_a_loop, (np.array([0.3, -0.7, 1.2, 0.4, 0.9]),)),
    (view_read_in_a_loop, (np.array([0.3, -0.7, 1.2, 0.4, 0.9]),)),
    (view_read_after_a_loop, (np.array([0.3, -0.7, 1.2, 0.4, 0.9]),)),
    (iterating_an_array_the_loop_writes, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (normalise_rows, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (augmented_row_views, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (augmented_number_from_a_vector, (np.array([0.3, -0.7, 1.2]),)),
    (augmented_alias, (np.array([0.3, -0.7, 1.2]),)),
    (augmented_float_alias, (0.7,)),
    (number_alias_across_a_loop, (0.7,)),
    (array_alias_across_a_loop, (np.array([0.3, -0.7, 1.2]),)),
    (accumulate_from_an_item, (np.array([0.3, -0.7, 1.2]),)),
    (heat_with_boundary, (np.array([0.3, -0.7, 1.2, 0.4, 0.9, -0.1]), 0.2)),
    (train_in_place, (np.array([0.3, -0.7, 1.2]), np.array([1.1, 0.4, -0.6]))),
    (bump_numbers, (0.3, 0.8)),
    (bump_arrays, (np.array([0.3, -0.7, 1.2]), np.array([1.1, 0.4, -0.6]))),
    (callees_in_a_chain, (np.array([0.3, -0.7, 1.2, 0.4]),)),
    (nested_functions_that_write, (np.array([0.3, -0.7, 1.2]),)),
    (swap_by_unpacking, (np.array([0.3, -0.7, 1.2]),)),
    (swap_by_unpacking, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (list_item_augmented, (np.array([0.3, -0.7, 1.2]), np.array([1.1, 0.4, -0.6]))),
    (alias_in_one_branch, (np.array([0.3, -0.7, 1.2]), 1.0)),
    (alias_in_one_branch, (np.array([0.3, -0.7, 1.2]), -1.0)),
    (numpy_in_place_calls, (np.array([0.3, -0.7, 1.2, 0.4]),)),
    (asarray_is_the_array_itself, (np.array([0.3, -0.7, 1.2, 0.4]),)),
    (writes_in_branches_of_a_loop, (np.array([0.3, 0.1, -0.2]),)),
    (items_of_arrays_in_a_dict, (np.array([0.3, -0.4, 0.5]),)),
    (view_in_a_while_condition, (np.array([0.3, 0.4, 0.9]),)),
    (return_from_a_loop_that_writes, (np.array([0.3, 0.8, 0.5]),)),
    (return_from_a_loop_that_writes, (np.array([0.1, 0.1, 0.1]),)),
    (writes_in_branches_of_a_loop, (np.array([-0.3, 0.1, -0.2]),)),
]


@pytest.mark.parametrize("fn, args", SHARED, ids=lambda v: getattr(v, "__name__", ""))
def test_views_and_aliases_see_later_writes(fn, args):
    expected = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    copies = [np.copy(a) for a in args]
    value, _ = sad.value_and_grad(fn)(*args)
    assert value == pytest.approx(expected, rel=1e-12)
    value, _ = sad.jvp(fn)(*args, np.ones_like(args[0]) if np.ndim(args[0]) else 1.0)
    assert value == pytest.approx(expected, rel=1e-12)
    sad.check_grads(fn, args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


def _float32(args):
    return tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                 else a for a in args)


@pytest.mark.parametrize("fn, args", SHARED, ids=lambda v: getattr(v, "__name__", ""))
def test_views_and_aliases_in_the_general_derivative(fn, args):
    # float32 arguments get the derivative that asks NumPy at run time (no specialisation)
    args = _float32(args)
    expected = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    value, grad = sad.value_and_grad(fn)(*args)
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-5)
    x = args[0]
    direction = np.linspace(0.5, 1.0, np.size(x)).reshape(np.shape(x)).astype(np.float32) \
        if np.ndim(x) else 1.0
    _, dot = sad.jvp(fn)(*args, direction)
    eps = 1e-2

    def at(h):
        return fn(*((x + h * direction,) + tuple(
            a.copy() if isinstance(a, np.ndarray) else a for a in args[1:])))
    numeric = (at(eps) - at(-eps)) / (2 * eps)
    assert dot == pytest.approx(numeric, rel=2e-2, abs=2e-2)
    assert float(np.sum(np.asarray(grad) * direction)) == pytest.approx(float(dot), rel=1e-4,
                                                                        abs=1e-4)


def test_a_view_that_may_be_a_copy_is_decided_at_run_time():
    src = sad.grad(swap_items).source
    assert "sad_rt.shares_memory(t, y)" in src      # y[i] is a view only of a matrix
    src = sad.grad(view_before_write).source        # a slice is a view: no test
    assert "shares_memory" not in src and "r_1 = y[0:2]" in src


def test_augmented_assignment_through_a_transpose_or_a_reshape():
    def f(x):
        y = x * 1.0
        t = y.T
        t += np.arange(3.0)       # adds along y's columns
        flat = y.reshape(-1)
        flat *= 1.5
        return np.sum(y * x) + np.sum(t)
    X = np.arange(9.0).reshape(3, 3) * 0.1 + 0.2
    assert sad.value_and_grad(f)(X)[0] == pytest.approx(f(X.copy()))
    sad.check_grads(f, (X,))


def test_augmented_assignment_in_a_loop_to_a_view():
    # a slice written in place each iteration stays that view of x: it is followed
    x = np.array([0.3, -0.7, 1.2])
    assert sad.value_and_grad(augmented_slice_in_a_loop)(x)[0] == \
        pytest.approx(augmented_slice_in_a_loop(x.copy()))
    sad.check_grads(augmented_slice_in_a_loop, (x,))
    # s = X[0] is a number of a vector (re-bound by +=) and a row of a matrix (written
    # into X every iteration): which one, the run decides
    for X in (np.array([0.3, -0.7, 1.2]), np.linspace(-1, 1, 6).reshape(3, 2)):
        assert sad.value_and_grad(augmented_row_in_a_loop)(X)[0] == \
            pytest.approx(augmented_row_in_a_loop(X.copy()))
        sad.check_grads(augmented_row_in_a_loop, (X,))


def test_a_callee_that_writes_into_its_arguments_is_lowered_in_its_caller():
    src = sad.grad(heat_with_boundary).source
    assert "apply_boundary_vjp" not in src and "u[0] = 0.0" in src
    src = sad.grad(callees_in_a_chain).source
    assert "copies_first_vjp" in src          # it writes only into its own copy


def test_a_writing_callee_from_another_module_is_refused():
    from _callees import clamp_ends

    def f(x):
        y = x * 2.0
        clamp_ends(y)
        return np.sum(y)
    with pytest.raises(sad.SourceADError, match="writing into its arguments in clamp_ends"):
        sad.grad(f)(np.ones(3))


def test_writing_into_an_array_a_list_holds_is_refused():
    def same_array_appended(x):
        hs = []
        h = np.zeros(3)
        for t in range(3):
            h[t] = x[t] * 2.0   # NumPy: every item of hs is this one array
            hs.append(h)
        return np.sum(hs[0] * x)

    def fresh_arrays_appended(x):
        hs = []
        h = x * 1.0
        for t in range(3):
            h = h.copy()
            h[t] = x[t] * 2.0
            hs.append(h)
        return np.sum(hs[0] * hs[2])
    def views_in_a_comprehension(X):
        Y = X * 1.0
        rows = [Y[i] for i in range(len(Y))]    # views of Y's rows
        Y[0] = Y[0] * 3.0                        # NumPy: rows[0] shows it
        return sum(np.sum(r ** 2) for r in rows)
    # the lists are brought up to date after each write (sourcead/refresh.py)
    x = np.array([0.3, 0.5, -0.2])
    X = np.array([[0.3, -1.2], [0.5, 0.8], [-0.2, 0.4]])
    for f, arg in ((same_array_appended, x), (views_in_a_comprehension, X),
                   (fresh_arrays_appended, x)):
        sad.check_grads(f, (arg,))
        assert sad.value_and_grad(f)(arg.copy())[0] == pytest.approx(f(arg.copy()))


def _first(hs):
    return hs[0]


# A list that holds an array shows writes into it for as long as someone may look at the
# list: each of these looks at it (or at one of its items) after the write.
def _list_read_through_an_if(A, n):
    hs = []
    for i in range(n):
        hs.append(A)
    ks = hs if n > 1 else [A]
    A *= 2.0
    return sum(k.sum() for k in ks)


def _list_rotated_in_a_loop(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i])
    for j in range(2):
        hs = hs[1:] + hs[:1]
    A *= 2.0
    return np.stack(hs).sum()


def _list_sliced(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i])
    ks = hs[:]
    A *= 2.0
    return np.stack(ks).sum()


def _list_in_a_tuple(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i])
    t = (hs, 1)
    A *= 2.0
    return np.stack(t[0]).sum()


def _list_joined_in_a_loop(A, n):
    hs = []
    for i in range(n):
        if i > 0:
            hs = hs + [A[i]]
        else:
            hs.append(A[0])
    A *= 2.0
    return np.stack(hs).sum()


def _earlier_arrays_appended(A, n):
    hs = []
    x = A
    for i in range(n):
        hs.append(x)
        x = x * 2.0
    x[0] = 1.0   # x is the last array appended when n > 0
    return sum(h.sum() for h in hs)


def _item_written(A, n):
    hs = []
    for i in range(n):
        hs.append(A)
    b = hs[0]
    b += 1.0
    return (A * A).sum()


def _item_returned_by_a_helper(A, n):
    hs = []
    for i in range(n):
        hs.append(A)
    b = _first(hs)
    b *= 2.0
    return (A * A).sum()


@pytest.mark.parametrize("f", [_list_read_through_an_if, _list_rotated_in_a_loop,
                               _list_sliced, _list_in_a_tuple, _list_joined_in_a_loop,
                               _earlier_arrays_appended, _item_written,
                               _item_returned_by_a_helper])
def test_a_write_a_list_shows(f):
    # the lists (and what holds their items) are brought up to date after the write
    A = np.random.default_rng(0).normal(size=(3, 3))
    for n in (1, 2, 3):
        sad.check_grads(f, (A, n), wrt=0)
        want = f(A.copy(), n)
        assert sad.value_and_grad(f)(A.copy(), n)[0] == pytest.approx(want)
        assert sad.value_and_grad(f)(A=A.copy(), n=n)[0] == pytest.approx(want)
        assert sad.jvp(f, wrt=0)(A.copy(), n, np.ones((3, 3)))[0] == pytest.approx(want)


def _list_never_looked_at(A, n):
    hs = []
    for i in range(n):
        hs.append(A[i])   # only appended to: no one sees the writes
        A[i] = A[i] * 2.0
    return A.sum()


def _comprehension_used_up(A, n):
    vals = [row for row in A]
    m = np.mean(np.array(vals))
    A += A   # vals is not read again
    A[[2, 2]] = A[1::1, :]
    return np.mean(A * A) + m


def _new_arrays_in_a_comprehension(A, n):
    rows = [r * 1.0 for r in A]
    A *= 2.0
    return np.stack(rows).sum() + (A * A).sum()


@pytest.mark.parametrize("f", [_list_never_looked_at, _comprehension_used_up,
                               _new_arrays_in_a_comprehension])
def test_a_write_no_list_shows_is_differentiated(f):
    A = np.random.default_rng(1).normal(size=(3, 3))
    sad.check_grads(f, (A, 3))


def test_float64_arguments_decide_the_sharing_tests():
    # the general code asks at run time; a call with float64 arguments knows the answers
    g = sad.grad(accumulate_from_an_item)
    assert "shares_memory" in g.source
    g(np.array([0.3, -0.7, 1.2]))
    assert "shares_memory" not in g.source and "if " not in g.source   # a number
    g = sad.jvp(number_alias_across_a_loop)
    g(0.7, 1.0)
    assert "is_array" not in g.source and "if " not in g.source
    g = sad.grad(normalise_rows)
    g(np.linspace(-1, 1, 6).reshape(3, 2))
    assert "shares_memory" not in g.source and "Y[i] = row" in g.source   # in place
    g = sad.grad(train_in_place)
    g(np.array([0.3, -0.7, 1.2]), np.array([1.1, 0.4, -0.6]))
    assert "is_array" not in g.source
    # a 0-d array or a float32 array decides nothing: the tests stay, and are right
    for x in (np.array(0.7), np.float32(0.7)):
        value, _ = sad.value_and_grad(number_alias_across_a_loop)(x)
        assert value == pytest.approx(number_alias_across_a_loop(x.copy()), rel=1e-6)


def test_writing_into_what_a_function_returned_of_its_argument():
    def through_a_view(x):
        y = x * 2.0
        r = first_two(y)     # inlined: known to be a view of y, written through
        r[0] = 5.0
        return np.sum(y * y)

    def maybe_the_argument(x, n):
        y = x * 2.0
        r = head_of(y, n)    # y itself when n <= 0: NumPy would write into y
        r[0] = 5.0
        return np.sum(y * r)

    def argument_not_read_again(x, n):
        y = x * 2.0
        y = head_of(y, n)    # nothing else holds the old y: the write is fine
        y[0] = 5.0
        return np.sum(y * y)
    x = np.array([0.3, -0.7, 1.2])
    assert sad.value_and_grad(through_a_view)(x)[0] == pytest.approx(through_a_view(x.copy()))
    sad.check_grads(through_a_view, (x,))     # the write went into y, as in NumPy
    for n in (0, 1):   # y itself (written), or a copy (y unchanged): the run decides
        x = np.array([0.3, -0.7, 1.2])
        assert sad.value_and_grad(maybe_the_argument)(x, n)[0] == \
            pytest.approx(maybe_the_argument(x.copy(), n))
        sad.check_grads(maybe_the_argument, (x, n), wrt=0)
    sad.check_grads(argument_not_read_again, (np.array([0.3, -0.7, 1.2]), 1), wrt=0)
    assert "head_of_vjp" in sad.grad(argument_not_read_again).source   # still a call


def test_other_in_place_numpy_calls_are_refused():
    def put(x):
        y = x * 2.0
        np.put(y, [0], 5.0)
        return np.sum(y)

    def multiply_at(x):
        y = x * 2.0
        np.multiply.at(y, [0], 3.0)
        return np.sum(y)

    def resize(x):
        y = x * 2.0
        y.resize(2)
        return np.sum(y)
    for f, what in ((put, "np.put"), (multiply_at, "np.multiply.at"), (resize, ".resize")):
        with pytest.raises(sad.SourceADError, match=f"{re.escape(what)}.*in place"):
            sad.grad(f)(np.ones(3))


def test_writing_into_an_integer_array_rounds_away_the_derivative():
    def f(x):
        counts = np.zeros(3, dtype=int)
        counts[0] = x * 10.0             # NumPy truncates: no derivative through it
        flags = x > np.zeros(3)
        flags[1] = x * 0.0 + 1.0
        return np.sum(counts * 1.5) + np.sum(flags) * x + x ** 2
    x = 0.37
    value, g = sad.value_and_grad(f)(x)
    assert value == pytest.approx(f(x))
    assert g == pytest.approx(3 + 2 * x)   # sum(flags) = 3 for any x > 0
    assert sad.jvp(f)(x, 1.0)[1] == pytest.approx(g)


def test_writing_into_a_copy_made_by_an_index_array():
    def nested(x, idx):
        y = x * 1.0
        y[idx][0] = 5.0       # NumPy: y[idx] is a copy where idx is an index array
        return np.sum(y * x)
    g = sad.grad(nested)
    x, X = np.array([0.3, -0.5, 0.8]), np.linspace(-1, 1, 6).reshape(3, 2)
    for args in ((x, np.array([1, 2])), (X, np.array([0, 2])), (X, 1)):
        # a copy: y unchanged; a row of a matrix: a view, written
        assert sad.value_and_grad(nested)(*args)[0] == pytest.approx(nested(args[0].copy(),
                                                                            args[1]))
        sad.check_grads(nested, args, wrt=0)
    g(X, 1)
    assert "shares_memory" not in g.source   # float64 arguments and an int: a view


def test_float64_arguments_leave_no_unbroadcast_between_numbers():
    def f(X):
        Y = X * 1.0
        for i in range(len(Y)):
            row = Y[i]
            row[0] = np.sin(row[1]) * 2.0     # numbers: nothing to unbroadcast
        return np.sum(Y ** 2)
    g = sad.grad(f)
    X = np.linspace(-1, 1, 6).reshape(3, 2)
    g(X)
    assert "sad_rt.unbroadcast" not in g.source and "Shape(" not in g.source
    sad.check_grads(f, (X,))


def test_unpacking_a_sequence_known_only_at_run_time():
    def gradient_parts(F):
        gy, gx = np.gradient(F)        # a list of arrays, one per axis
        return np.sum(gy ** 2 + gx * F)

    def rows(X):
        a, b = X * 2.0                  # the rows of a two-row array
        return np.sum(a * b)
    F = np.arange(12.0).reshape(3, 4) ** 1.5 / 10
    for f, arg in ((gradient_parts, F), (rows, F[:2])):
        assert sad.value_and_grad(f)(arg)[0] == pytest.approx(f(arg.copy()))
        sad.check_grads(f, (arg,))
    with pytest.raises(ValueError, match="cannot unpack 3 values into 2 names"):
        sad.grad(rows)(np.ones((3, 2)))


def test_a_dict_updated_in_a_loop_is_carried_item_by_item():
    def unrolled_training(w0, X, y):
        params = {"w": w0 * 1.0, "b": 0.0}
        for step in range(3):
            err = X @ params["w"] + params["b"] - y
            params["w"] = params["w"] - 0.1 * (X.T @ err) / len(y)
            params["b"] = params["b"] - 0.1 * np.mean(err)
        return np.sum((X @ params["w"] + params["b"] - y) ** 2)

    def counted(w0):
        d = {"a": w0 * 1.0, "k": 0}
        while d["k"] < 3:
            d["a"] = np.sin(d["a"]) + 1.0
            d["k"] = d["k"] + 1
        return np.sum(d["a"])

    def new_key(w0):
        d = {"a": w0}
        for i in range(2):
            d["b"] = d["a"] * 2.0
        return np.sum(d["b"])
    rng = np.random.default_rng(0)
    X, y, w0 = rng.normal(size=(5, 2)), rng.normal(size=5), rng.normal(size=2)
    sad.check_grads(unrolled_training, (w0, X, y), wrt=(0, 1))
    sad.check_grads(counted, (w0,))
    assert "params_w" in sad.grad(unrolled_training).source
    with pytest.raises(sad.SourceADError, match="changes the keys of the dict `d`"):
        sad.grad(new_key)(w0)


MODULE_BUFFER = np.zeros(3)


def test_writing_into_an_array_outside_the_function_is_refused_clearly():
    def writes_module_array(x):
        MODULE_BUFFER[1] = x
        return np.sum(MODULE_BUFFER) * x
    with pytest.raises(sad.SourceADError, match="writing into `MODULE_BUFFER`, the module's"):
        sad.grad(writes_module_array)(0.5)


MODULE_SCALE = 0.4


def _grown(a):
    t = a
    t += a   # a number: bound anew; an array of the module: written into
    return t


def test_an_augmented_assignment_on_a_module_value_is_checked_when_it_runs():
    def of_a_number(x):
        return x * _grown(MODULE_SCALE)

    def of_an_array(x):
        return np.sum(x * _grown(MODULE_BUFFER))
    sad.check_grads(of_a_number, (np.array([0.3, -1.2]),))
    with pytest.raises(NotImplementedError, match="writes into an array of the module"):
        sad.grad(of_an_array)(np.ones(3))
    assert not MODULE_BUFFER.any()


def test_unshared_augmented_assignment_stays_plain():
    def f(x, b):
        h = x * 2.0
        h += b
        return np.sum(h)
    src = sad.grad(f).source
    assert "is_array" not in src and "shares_memory" not in src


def test_sharing_that_a_loop_breaks_is_followed():
    def rebinds_the_written_array(x):
        y = x * 2.0
        z = y
        for i in range(2):
            y[i] = 1.0
            y = y * 2.0
        return np.sum(z)

    def reassigns_a_sharing_name(x):
        y = x * 2.0
        z = y
        for i in range(2):
            s = np.sum(z)
            y[i] = s
            z = x * 3.0
        return np.sum(z)
    x = np.array([0.3, -0.7, 1.2])
    for f in (rebinds_the_written_array, reassigns_a_sharing_name):
        # the first iteration writes into the array z shares; later ones into new arrays
        assert sad.value_and_grad(f)(x)[0] == pytest.approx(f(x.copy()))
        assert sad.jvp(f)(x, np.ones(3))[0] == pytest.approx(f(x.copy()))
        sad.check_grads(f, (x,))


def test_tape_memory_of_slice_writes_is_proportional_to_the_slices():
    import tracemalloc

    def f(x, n):
        out = np.zeros((n, 100))
        for i in range(n):
            out[i, :] = np.sin(x * i)
        return np.sum(out * out)
    g = sad.grad(f)
    x = np.linspace(0, 1, 100)
    g(x, 3)

    def peak(n):
        tracemalloc.start()
        try:
            g(x, n)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    p1, p2 = peak(200), peak(400)
    row = 100 * 8
    # out, its adjoint and one recorded row per iteration: a few rows each, never a
    # copy of `out` per write (which would be n * n rows)
    assert p2 < 8 * 400 * row and 1.5 < p2 / p1 < 2.6


# --- lists built at run time, comprehensions ---------------------------------------

def states_in_a_list(h, W, n):
    hs = []
    for t in range(n):
        h = np.tanh(h @ W)
        hs.append(h)
    total = 0.0
    for s in hs:
        total = total + np.sum(s ** 2)
    return total + np.sum(hs[-1]) + np.sum(sum(hs))


def comprehensions(x, w):
    v = 10.0
    ys = [np.sin(v * w) for v in x]
    zs = [a * b for a in ys for b in (1.0, 2.0) if a > -0.5]
    d = {k: w * k for k in (1, 2, 3)}
    total = sum(y ** 2 for y in ys) + sum(zs) + d[2] + max(y for y in ys)
    return total + v       # v is the function's own, not the comprehension's


def layers_of_different_widths(x, W1, W2):
    acts = [x]
    for W in (W1, W2):
        acts.append(np.tanh(acts[-1] @ W))
    return sum(np.sum(a ** 2) for a in acts)


def array_from_scalars(a, b):
    v = np.array([a * b, np.sin(a), b])
    return np.sum(v ** 2)


def array_from_a_list_built_in_a_loop(x, n):
    hs = []
    for i in range(n):
        hs.append(x * (i + 1.0))
    return np.sum(np.stack(hs) * np.array(hs))


def tuples(x, y):
    t = (x, y, x * y)
    a, b, c = t
    u = t[1:]
    return a * u[0] + c * t[-1] + b


LISTS = [
    (array_from_scalars, (0.3, 0.8), (0, 1)),
    (array_from_a_list_built_in_a_loop, (np.array([0.3, 0.8]), 3), (0,)),
    (tuples, (0.3, 0.8), (0, 1)),
    (states_in_a_list, (np.array([0.3, -0.5]), np.array([[0.8, 0.2], [-0.3, 0.9]]), 4), (0, 1)),
    (comprehensions, (np.array([0.3, 0.9, -0.4]), 0.7), (0, 1)),
    (layers_of_different_widths, (np.array([0.3, -0.2]), np.ones((2, 3)) * 0.4,
                                  np.ones((3, 1)) * 0.3), (0, 1, 2)),
]


@pytest.mark.parametrize("fn, args, wrt", LISTS, ids=lambda v: getattr(v, "__name__", ""))
def test_lists_and_comprehensions_in_both_modes(fn, args, wrt):
    sad.check_grads(fn, args, wrt=wrt)


def test_a_list_appended_to_in_a_loop_stays_a_list():
    args = (np.array([0.3, -0.5]), np.array([[0.8, 0.2], [-0.3, 0.9]]), 4)
    src = sad.grad(states_in_a_list, wrt=(0, 1)).source
    assert "hs = []" in src and "hs.append(h)" in src
    assert comprehensions(np.array([0.3, 0.9, -0.4]), 0.7) == pytest.approx(
        sad.value_and_grad(comprehensions)(np.array([0.3, 0.9, -0.4]), 0.7)[0])
    assert states_in_a_list(*args) == pytest.approx(
        sad.value_and_grad(states_in_a_list)(*args)[0])


def test_a_differentiated_value_for_a_constant_parameter_is_refused():
    def weighted(x, w):
        return np.average(x, weights=w)
    x, w = np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0])
    sad.grad(weighted, wrt=0)(x, w)          # w is a constant here: fine
    with pytest.raises(sad.NoDerivativeError, match="weights"):
        sad.grad(weighted, wrt=1)(x, w)
    with pytest.raises(sad.NoDerivativeError, match="weights"):
        sad.jvp(weighted, wrt=1)(x, w, np.ones(3))


def test_bitwise_operators_on_conditions():
    def masked(x):
        return np.sum(np.where((x > 0) & (x < 1) | (x > 2) ^ False, x * x, 0.0))
    x = np.array([0.5, -0.3, 2.5, 1.5])
    np.testing.assert_allclose(sad.grad(masked)(x), [1.0, 0.0, 5.0, 0.0])


# --- functions passed as arguments -------------------------------------------------

def apply_twice(f, x, scale=1.0):
    """Apply f twice."""
    return f(f(x)) * scale


def gaussian(z):
    return np.exp(-z * z)


def passes_functions(x, w):
    inner = lambda v: np.tanh(v * w)  # noqa: E731
    return np.sum(apply_twice(np.sin, x) + apply_twice(gaussian, x, scale=2.0) +
                  apply_twice(inner, x))


def test_functions_passed_to_the_users_functions():
    sad.check_grads(passes_functions, (np.array([0.3, -0.6]), 0.8), wrt=(0, 1))


def test_a_function_passed_to_the_differentiated_function():
    g = sad.grad(apply_twice, wrt=1)
    assert g(np.sin, 0.4) == pytest.approx(np.cos(np.sin(0.4)) * np.cos(0.4))
    eps = 1e-6
    numeric = (apply_twice(gaussian, 0.4 + eps, 2.0) - apply_twice(gaussian, 0.4 - eps, 2.0)) \
        / (2 * eps)
    assert g(gaussian, 0.4, 2.0) == pytest.approx(numeric, rel=1e-6)
    assert "gaussian_vjp(x)" in g.source


class _Model:
    def __init__(self):
        self.w = 2.0

    def forward(self, x):
        return x * self.w


def _sets_attribute(x, m):
    m.w = x
    return x * 2.0


def _calls_a_method(x, m):
    return m.forward(x)


def _reads_an_attribute(x, m):
    return x * m.w


def _writes_a_global(x):
    global _COUNT
    _COUNT = 1
    return x


def _generator(x):
    yield x


@pytest.mark.parametrize("fn, what", [(_sets_attribute, "attribute `.w`"),
                                      (_writes_a_global, "global"),
                                      (_generator, "generator")])
def test_unsupported_python_is_refused_with_its_location(fn, what):
    with pytest.raises(sad.SourceADError) as e:
        sad.grad(fn)(1.5, _Model()) if fn.__code__.co_argcount == 2 else sad.grad(fn)(1.5)
    assert what in str(e.value) and "Hint:" in str(e.value)
    assert e.value.loc.lineno > fn.__code__.co_firstlineno


def test_attributes_of_objects_that_are_not_differentiated_can_be_read():
    assert sad.grad(_reads_an_attribute)(1.5, _Model()) == 2.0
    assert sad.grad(_calls_a_method)(1.5, _Model()) == 2.0   # (tests/test_objects.py)


def _divide_by_second(a, c):
    a /= a[1]


def test_a_view_a_loop_leaves_in_a_name_is_written_after_the_loop():
    # (found by the fuzzer) w holds a view of M's last row after the loop: the write
    # through w after it reaches M
    def last_row_written(w, M, t0):
        for k, row in enumerate(M):
            w = row
        _divide_by_second(w, t0)
        return np.sum(M[1:, 1:] ** 2)
    M = np.random.default_rng(0).normal(size=(3, 4)) + 3.0
    sad.check_grads(last_row_written, (np.ones(4), M, 0.3), wrt=(0, 1))


def _twice(fn, u):
    return fn(fn(u))


def test_the_sum_of_a_list_of_rows_in_a_loop():
    # (found by the fuzzer) the adjoint of sum(vals), vals a list of rows built in a
    # loop, broadcast back to the list as NumPy sees it
    def f(A, v):
        for i, v2 in enumerate(v, start=1):
            vals = [row for row in A]
            sm = sum(vals)
            v = _twice(lambda t2: sm[1:] * t2[0], v)
        return np.sum(v)
    A = np.random.default_rng(0).normal(size=(3, 4))
    sad.check_grads(f, (A, np.full(4, 0.3)))


def test_a_view_of_a_value_chosen_by_an_if_expression_is_held_while_it_is_read():
    # (found by the fuzzer) the reversed view of `a if c else b` reads two arrays in
    # branches; the one made in the else branch was dropped before it was read
    def chosen_reversed(A, m):
        acc = A * 1.0
        acc[2, 1:] += (acc[1, :3] if m > 0.1 else np.min(A, axis=0)[1:])[::-1]
        return np.sum(acc ** 2)

    def written_through_a_reshape(x, m):
        x = x * 1.0
        flat = x.reshape(2, 2)
        flat[-1][0] = np.prod(np.cos(x)) if m > 0.1 else x[3]
        return np.sum(x ** 2) + np.sum(flat)
    A = np.random.default_rng(0).normal(size=(3, 4))
    for m in (0.0, 0.5):
        sad.check_grads(chosen_reversed, (A, m), wrt=0)
        sad.check_grads(written_through_a_reshape, (A[0], m), wrt=0)
