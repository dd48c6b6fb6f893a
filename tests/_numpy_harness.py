"""The table machinery of tests/test_primitives.py, for the NumPy coverage tables
(test_numpy_elementwise.py, test_numpy_reductions.py): rows may name the arguments to
differentiate, and a few more input domains.

A row is (name, fn, domains[, shape cases[, wrt]]). Each case runs `check_grads` (JVP and
VJP against central differences) at several random points.
"""

import numpy as np
import pytest

import sourcead as sad
from test_primitives import F, NP64, SEEDS, shapes_id
from test_primitives import draw as base_draw


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _nonfinite(rng, shape):
    # real values with some nan, inf and -inf among them
    x = rng.uniform(-2.0, 2.0, shape)
    return np.where(rng.random(shape) < 0.4, rng.choice([np.nan, np.inf, -np.inf], shape), x)


def _nan(rng, shape):
    # real values, some nan, but never at index 0 along any axis: every slice that a
    # reduction over any axes takes keeps a number (so nanmean and nanmax stay finite)
    x = rng.uniform(-2.0, 2.0, shape)
    if not shape:
        return x
    inner = np.ones(shape, dtype=bool)
    for axis, n in enumerate(shape):
        inner &= (np.arange(n) > 0).reshape([-1 if k == axis else 1 for k in range(len(shape))])
    return np.where(inner & (rng.random(shape) < 0.5), np.nan, x)


def _zeros(rng, shape):
    # real values, some exactly 0 (products are smooth there, but x / x is not)
    x = rng.uniform(-2.0, 2.0, shape)
    return np.where(rng.random(shape) < 0.3, 0.0, x)


def _sign(rng, shape):
    return rng.choice([-1.0, 0.0, 1.0], shape)


MORE_DOMAINS = {
    "gt1": _uniform(1.2, 3.0),      # arccosh
    "lo": _uniform(-1.5, -0.5),     # lower bounds of clip (x is drawn from "real")
    "hi": _uniform(0.5, 1.5),       # upper bounds
    "nonfinite": _nonfinite,        # nan_to_num
    "nan": _nan,                    # nansum, nanmean, ...
    "zeros": _zeros,                # prod, cumprod
    "sign": _sign,                  # heaviside's first argument (not differentiated)
    "posint": lambda rng, shape: rng.integers(1, 4, shape),     # integer divisors, bounds
    "negint": lambda rng, shape: rng.integers(-3, 0, shape),
}


def draw(domain, shape, rng):
    """Like test_primitives.draw, with the domains above too."""
    if domain not in MORE_DOMAINS:
        return base_draw(domain, shape, rng)
    value = MORE_DOMAINS[domain](rng, () if shape in (F, NP64) else shape)
    if shape == F:
        return int(value) if domain in ("posint", "negint") else float(value)
    if shape == NP64:
        return np.float64(value)
    return np.asarray(value)


def run_check(fn, domains, shapes, wrt=None):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes))
        try:
            sad.check_grads(fn, args, wrt=wrt, seed=seed)
        except AssertionError as e:
            raise AssertionError(f"{fn.__name__} at seed {seed}, args {args!r}:\n{e}") from None


def cases(rows, default_shapes):
    """pytest params (fn, domains, shapes, wrt): one per (row, shape case)."""
    out = []
    for row in rows:
        name, fn, domains = row[:3]
        shapes_list = row[3] if len(row) > 3 and row[3] is not None else default_shapes
        wrt = row[4] if len(row) > 4 else None
        for shapes in shapes_list:
            out.append(pytest.param(fn, domains, shapes, wrt, id=f"{name}[{shapes_id(shapes)}]"))
    return out


def check_exact(fn, args, expected):
    """The derivative of `fn` w.r.t. each argument, in both modes, with the tangent and the
    cotangent all ones, equals `expected` to rounding, and is exactly 0 where that is 0
    (a convention at a non-smooth point, which finite differences cannot check)."""
    wrt = tuple(range(len(args)))
    y = fn(*args)
    _, pullback = sad.vjp(fn, wrt=wrt)(*args)
    rev = pullback(np.ones_like(y) if np.ndim(y) else 1.0)
    for i, e in enumerate(expected):
        np.testing.assert_allclose(rev[i], e, rtol=1e-14, atol=0,
                                   err_msg=f"reverse mode, argument {i}")
        if np.ndim(y) == 0 or np.shape(y) == np.shape(args[i]):
            # forward mode: one basis tangent at a time gives the same numbers, summed
            tangents = [np.ones_like(a) if j == i else np.zeros_like(a) for j, a in enumerate(args)]
            tangents = [float(t) if type(a) is float else t for t, a in zip(tangents, args)]
            _, fwd = sad.jvp(fn, wrt=wrt)(*args, *tangents)
            expected_fwd = np.sum(e) if np.ndim(y) == 0 else e
            np.testing.assert_allclose(fwd, expected_fwd, rtol=1e-14, atol=0,
                                       err_msg=f"forward mode, argument {i}")
