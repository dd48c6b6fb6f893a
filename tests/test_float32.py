"""float32 in, float32 out: the tables of primitives again, with float32 arrays.

For every row (one case of shapes per row, one draw), in forward and reverse mode:

- the derivative sourcead returns has its value's type: the tangent of a float32
  output is float32, the gradient of a float32 argument is float32;
- the generated code computes in float32 already where every float argument is a
  float32 array (seeds, zeros, constants and temporaries follow the arguments), so the
  function sourcead generates is checked too, not only what the API hands back;
- the values are those of float64 at the same (float32-rounded) points, to float32's
  precision;
- and float64 stays float64, through the float64 specialisation (see opt.kinds).
"""

import warnings

import numpy as np
import pytest

import _numpy_harness
import sourcead as sad
import test_linalg
import test_numpy_elementwise as elementwise
import test_numpy_more as more
import test_numpy_products as products
import test_numpy_reductions as reductions
import test_numpy_shape as shape
import test_primitives as primitives


def _first(params):
    """One case per row (the ids say which row): its first with arrays only, if any (a
    Python float or NumPy float64 scalar argument makes the function compute in float64)."""
    by_row = {}
    for p in params:
        by_row.setdefault(p.id.split("[")[0], []).append(p)
    out = []
    for ps in by_row.values():
        arrays = [p for p in ps if not any(s in (primitives.F, primitives.NP64)
                                           for s in p.values[2])]
        out.append((arrays or ps)[0])
    return out


def _rows():
    """(id, draw(rng) -> args, wrt) for a broad set of rows of the tables."""
    out = []
    for table, default in [(primitives.UNARY, primitives.UNARY_SHAPES),
                           (primitives.BINARY, primitives.BINARY_SHAPES),
                           (primitives.REDUCTIONS, None), (primitives.PRODUCTS, None),
                           (primitives.WHERE, primitives.WHERE_SHAPES)]:
        for p in _first(primitives.cases(table, default)):
            fn, domains, shapes = p.values
            out.append((p.id, fn, lambda rng, d=domains, s=shapes: tuple(
                primitives.draw(a, b, rng) for a, b in zip(d, s)), None))
    for table, default in [(elementwise.UNARY, elementwise.UNARY_SHAPES),
                           (elementwise.BINARY, elementwise.BINARY_SHAPES),
                           (elementwise.TERNARY, elementwise.TERNARY_SHAPES),
                           (reductions.REDUCTIONS, None), (reductions.NORMS, None),
                           (more.JOINING, None), (more.GRADIENTS, None),
                           (more.CUMULATIVE, None), (more.PRODUCTS, None),
                           (more.VECTOR_NORMS, None), (more.MATRIX_NORMS, None)]:
        for p in _first(_numpy_harness.cases(table, default)):
            fn, domains, shapes, wrt = p.values
            if fn in (more.trapezoid_x_nd, more.gradient_points_axis):
                wrt = 0   # the sample points: constants
            out.append((p.id, fn, lambda rng, d=domains, s=shapes: tuple(
                _numpy_harness.draw(a, b, rng) for a, b in zip(d, s)), wrt))
    for table in [shape.SHAPES, shape.JOINING, shape.REARRANGING, shape.SELECTING,
                  shape.INDEXING, shape.METHODS, shape.SPLITTING, products.PAIRS,
                  products.TENSORDOT, products.EINSUM, products.OTHERS]:
        for p in _first(shape.cases(table)):
            fn, domains, shapes = p.values
            out.append((p.id, fn, lambda rng, d=domains, s=shapes: tuple(
                shape.draw(a, b, rng) for a, b in zip(d, s)), None))
    for p in _first(test_linalg.cases(test_linalg.TABLE)):
        fn, kinds, shapes = p.values
        out.append((p.id, fn, lambda rng, k=kinds, s=shapes: tuple(
            kind(rng, sh) for kind, sh in zip(k, s)), None))
    return out


# Rank-deficient matrices stay so in float64, but at float32 precision NumPy's default
# cutoffs (pinv's rcond=1e-15) count rounding errors as singular values: pinv and lstsq
# themselves change there, and so does what their derivatives describe.
ROWS = [row for row in _rows() if "(rank 2)" not in row[0]]


def _as(dtype, value):
    """float64 arrays and NumPy scalars as `dtype`; everything else as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(dtype)
    if isinstance(value, np.floating):
        return np.dtype(dtype).type(value)
    return value


def _leaves(y):
    if isinstance(y, (tuple, list)):
        return [leaf for v in y for leaf in _leaves(v)]
    if isinstance(y, dict):
        return [leaf for v in y.values() for leaf in _leaves(v)]
    return [y]


def _like(y, leaves):
    if isinstance(y, (tuple, list)):
        return type(y)(_like(v, leaves) for v in y)
    if isinstance(y, dict):
        return {k: _like(v, leaves) for k, v in y.items()}
    return leaves.pop(0)


def _kind(value):
    """A value's type as the promise reads it: the dtype of an array or NumPy scalar,
    `float` for a Python float."""
    return getattr(value, "dtype", None) or type(value)


def _ones_like(v):
    return np.ones_like(v) if isinstance(v, (np.ndarray, np.generic)) else type(v)(1.0)


def _derivatives(fn, args, wrt, raw):
    """(outputs, tangents, gradients) at args: tangents along ones, gradients of the
    cotangent ones; `raw`: of the generated functions themselves."""
    jvp, vjp = sad.jvp(fn, wrt=wrt), sad.vjp(fn, wrt=wrt)
    tangents_in = [_ones_like(args[i]) for i in wrt]
    if raw:
        y, y_dot = jvp._function()(*args, *tangents_in)
        y2, pullback = vjp._function()(*args)
    else:
        y, y_dot = jvp(*args, *tangents_in)
        y2, pullback = vjp(*args)
    grads = pullback(_like(y2, [_ones_like(v) for v in _leaves(y2)]))
    return _leaves(y), _leaves(y_dot), list(grads)


def _differentiated(args, wrt):
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args) if isinstance(a, (float, np.floating)) or
                    isinstance(a, np.ndarray) and a.dtype.kind == "f")
    return (wrt,) if isinstance(wrt, int) else tuple(wrt)


@pytest.mark.parametrize("fn, draw, wrt", [pytest.param(fn, draw, wrt, id=name)
                                           for name, fn, draw, wrt in ROWS])
def test_float32_in_float32_out(fn, draw, wrt):
    args64 = draw(np.random.default_rng(0))
    args32 = tuple(_as(np.float32, a) for a in args64)
    wrt = _differentiated(args32, wrt)
    if not wrt:
        pytest.skip("nothing to differentiate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = _leaves(fn(*args32))
        if any(getattr(v, "dtype", None) == np.float64 for v in values):
            pytest.skip("the function itself computes in float64")
        ys, tangents, grads = _derivatives(fn, args32, wrt, raw=False)
        # the same points in float64 (rounded to float32 first: only arithmetic differs)
        args_back = tuple(_as(np.float64, a) for a in args32)
        ys64, tangents64, grads64 = _derivatives(fn, args_back, wrt, raw=False)
    for y, t in zip(ys, tangents):
        assert _kind(t) == _kind(y), f"tangent {_kind(t)} of an output {_kind(y)}"
    for i, g in zip(wrt, grads):
        assert _kind(g) == _kind(args32[i]), \
            f"gradient {_kind(g)} of argument {i}, {_kind(args32[i])}"
    for t, y in zip(tangents64 + grads64, ys64 + [args_back[i] for i in wrt]):
        assert _kind(t) == _kind(y), "float64 in, float64 out"
    for got, want in zip(tangents + grads, tangents64 + grads64):
        want = np.asarray(want, dtype=float)
        finite = np.isfinite(want)
        scale = max(1.0, float(np.max(np.abs(want[finite]), initial=0.0)))
        np.testing.assert_allclose(np.asarray(got, dtype=float)[finite], want[finite],
                                   rtol=2e-3, atol=2e-3 * scale)
    # the generated code itself computes in float32 where every float is a float32 array
    if all(isinstance(args32[i], np.ndarray) for i in wrt) and \
            not any(isinstance(a, (float, np.floating)) for a in args32):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ys, tangents, grads = _derivatives(fn, args32, wrt, raw=True)
        for y, t in zip(ys, tangents):
            if isinstance(y, np.ndarray) and y.dtype.kind == "f":
                assert _kind(t) == _kind(y), f"generated code: tangent {_kind(t)}"
        for i, g in zip(wrt, grads):
            assert _kind(g) == _kind(args32[i]), f"generated code: gradient {_kind(g)}"


# --- every transformation, float32 and float64 -----------------------------------------

def loss(w, x):
    h = np.tanh(x @ w)
    return np.sum(h ** 2) + np.max(w) * np.mean(np.maximum(x, 0.1))


def looped(w, x):
    for k in range(3):
        w = np.sin(w) * 0.9 + np.mean(x, axis=0)
    return np.sum(w ** 2)


def vector(w, x):
    return np.tanh(x @ w) * np.sum(w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [loss, looped], ids=lambda f: f.__name__)
def test_every_transformation_keeps_the_type(dtype, fn):
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=3).astype(dtype), rng.normal(size=(4, 3)).astype(dtype)
    v = rng.normal(size=3).astype(dtype)
    g = sad.grad(fn)(w, x)
    assert g.dtype == dtype
    value, g2 = sad.value_and_grad(fn)(w, x)
    assert g2.dtype == dtype and np.asarray(value).dtype == dtype
    gw, gx = sad.grad(fn, wrt=(0, 1))(w, x)
    assert gw.dtype == dtype and gx.dtype == dtype
    y, pullback = sad.vjp(fn)(w, x)
    assert pullback(np.ones_like(y)).dtype == dtype
    assert pullback(1.0).dtype == dtype        # a Python float cotangent: still w's type
    y, t = sad.jvp(fn)(w, x, v)
    assert np.asarray(t).dtype == dtype
    assert sad.hessian(fn)(w, x).dtype == dtype
    assert sad.hvp(fn)(w, x, v).dtype == dtype
    assert sad.jacfwd(fn)(w, x).dtype == dtype
    assert sad.jacrev(fn)(w, x).dtype == dtype
    assert sad.jacfwd(vector)(w, x).dtype == dtype
    assert sad.jacrev(vector)(w, x).dtype == dtype
    # against float64 at the same points
    w64, x64, v64 = w.astype(np.float64), x.astype(np.float64), v.astype(np.float64)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12)
    np.testing.assert_allclose(g, sad.grad(fn)(w64, x64), **tol)
    np.testing.assert_allclose(sad.hvp(fn)(w, x, v), sad.hvp(fn)(w64, x64, v64), **tol)
    np.testing.assert_allclose(sad.jacrev(vector)(w, x), sad.jacfwd(vector)(w64, x64), **tol)


def scalar(x):
    return np.sin(x) * x ** 3


@pytest.mark.parametrize("x", [np.float32(0.7), np.float64(0.7), 0.7],
                         ids=["np.float32", "np.float64", "float"])
def test_scalars_keep_their_type(x):
    assert type(sad.grad(scalar)(x)) is type(x)
    assert type(sad.value_and_grad(scalar)(x)[1]) is type(x)
    y, t = sad.jvp(scalar)(x, type(x)(1.0))
    assert type(t) is type(y)       # the output's: np.sin of a float is an np.float64
    assert type(sad.grad(sad.grad(scalar))(x)) is type(x)
    y, pullback = sad.vjp(scalar)(x)
    assert type(pullback(type(x)(1.0))) is type(x)


def test_a_function_that_promotes_still_gives_its_arguments_type():
    # float32 times a float64 array is float64: the derivative is computed in float64,
    # and the gradient of the float32 argument is float32, its tangent float64
    c = np.linspace(0.5, 1.5, 3)

    def promotes(x):
        return np.sum(np.sin(x) * c)
    x = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    assert sad.grad(promotes)(x).dtype == np.float32
    assert np.asarray(sad.jvp(promotes)(x, np.ones(3, np.float32))[1]).dtype == np.float64
    np.testing.assert_allclose(sad.grad(promotes)(x), np.cos(x) * c, rtol=1e-6)


def test_the_readme_example_generates_the_same_code_for_both_types():
    # the float32 fix is in the helpers (seed, zeros) and the rules, not in casts in the
    # generated code
    g = sad.grad(loss)
    w, x = np.ones(3), np.ones((2, 3))
    g(w, x)
    general = g.source if "out=" not in g.source else None
    g(w.astype(np.float32), x.astype(np.float32))
    assert "astype" not in g.source and "float32" not in g.source
    if general is not None:
        assert g.source == general
