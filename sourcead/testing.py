"""check_grads: compare sourcead's derivatives with central finite differences."""

import copy

import numpy as np


def _tree_leaves(y):
    if isinstance(y, (tuple, list)):
        return [leaf for item in y for leaf in _tree_leaves(item)]
    return [y]


def _random_like(x, rng):
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape).astype(x.dtype)
    return float(rng.standard_normal())


def _shift(args, wrt, dirs, h):
    """The arguments with those in `wrt` moved by h * dirs; the others copied, so that a
    function that writes into its arguments (NumPy allows it) leaves the caller's alone
    and every evaluation starts from the same values."""
    out = [copy.deepcopy(a) for a in args]
    for i, v in zip(wrt, dirs):
        out[i] = args[i] + h * v
    return out


def _vdot(a, b):
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _close(a, b, rtol, atol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return np.allclose(a, b, rtol=rtol, atol=atol * scale), float(np.max(np.abs(a - b), initial=0.0))


def check_grads(f, args, modes=("fwd", "rev"), wrt=None, eps=1e-6, rtol=1e-5, atol=1e-6,
                directions=2, seed=0):
    """Check sourcead's forward and reverse derivatives of `f` at `args`.

    For `directions` random directions v (and, in reverse mode, random output
    cotangents u) it compares the JVP J v and the VJP inner product <u, J v>
    with the central difference (f(x + eps v) - f(x - eps v)) / (2 eps).
    `wrt` defaults to every float argument. Raises AssertionError with a
    report on the first mismatch; returns None otherwise.

    >>> import numpy as np, sourcead as sad
    >>> def f(x):
    ...     return np.sin(x) * x
    >>> sad.check_grads(f, (np.linspace(0.0, 1.0, 4),))  # doctest: +SKIP
    """
    from . import api
    args = tuple(args)
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args)
                    if isinstance(a, (float, np.floating)) or
                    (isinstance(a, np.ndarray) and a.dtype.kind == "f"))
    elif not isinstance(wrt, (tuple, list)):
        wrt = (wrt,)
    wrt = tuple(wrt)
    if not wrt:
        raise ValueError("check_grads: no float arguments to differentiate")
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")
    rng = np.random.default_rng(seed)
    name = getattr(f, "__name__", "f")
    for k in range(directions):
        dirs = [_random_like(args[i], rng) for i in wrt]
        plus = _tree_leaves(f(*_shift(args, wrt, dirs, eps)))
        minus = _tree_leaves(f(*_shift(args, wrt, dirs, -eps)))
        numeric = [(np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / (2 * eps)
                   for p, m in zip(plus, minus)]
        if "fwd" in modes:
            y, ydot = api.jvp(f, wrt=wrt)(*args, *dirs)
            got = _tree_leaves(ydot)
            for j, (g, n) in enumerate(zip(got, numeric)):
                if np.shape(g) != np.shape(n):
                    raise AssertionError(f"check_grads({name}) forward mode: tangent of output {j} "
                                         f"has shape {np.shape(g)}, the output has {np.shape(n)}")
                ok, err = _close(g, n, rtol, atol)
                if not ok:
                    raise AssertionError(
                        f"check_grads({name}) forward mode, direction {k}, output {j}: "
                        f"JVP differs from finite differences by {err:.3g}\n"
                        f"  jvp:     {np.asarray(g)!r}\n  numeric: {n!r}")
        if "rev" in modes:
            y, pullback = api.vjp(f, wrt=wrt)(*args)
            leaves = _tree_leaves(y)
            cts = [_random_like(np.asarray(leaf, dtype=float) if np.ndim(leaf) else float(leaf), rng)
                   for leaf in leaves]
            ct = tuple(cts) if isinstance(y, tuple) else cts[0]
            grads = pullback(ct)
            grads = tuple(grads)
            for i, g in zip(wrt, grads):
                if np.shape(g) != np.shape(args[i]):
                    raise AssertionError(f"check_grads({name}) reverse mode: gradient for argument "
                                         f"{i} has shape {np.shape(g)}, the argument has "
                                         f"{np.shape(args[i])}")
            lhs = sum(_vdot(g, v) for g, v in zip(grads, dirs))
            rhs = sum(_vdot(c, n) for c, n in zip(cts, numeric))
            ok, err = _close(lhs, rhs, rtol, atol)
            if not ok:
                raise AssertionError(
                    f"check_grads({name}) reverse mode, direction {k}: <vjp(u), v> = {lhs!r} "
                    f"but <u, numeric J v> = {rhs!r} (difference {err:.3g})")
