"""check_grads: compare sourcead's derivatives with central finite differences."""

import copy

import numpy as np


def _tree_leaves(y):
    if isinstance(y, (tuple, list)):
        return [leaf for item in y for leaf in _tree_leaves(item)]
    if isinstance(y, dict):
        return [leaf for item in y.values() for leaf in _tree_leaves(item)]
    return [y]


def _tree_like(y, leaves):
    """A value of `y`'s structure (tuples, lists, dicts) whose leaves are `leaves` (a list
    it consumes)."""
    if isinstance(y, (tuple, list)):
        return type(y)(_tree_like(item, leaves) for item in y)
    if isinstance(y, dict):
        return {k: _tree_like(item, leaves) for k, item in y.items()}
    return leaves.pop(0)


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


def _same_values(got, want, name, mode):
    """The primal outputs a derivative returns are the function's own."""
    got, want = _tree_leaves(got), _tree_leaves(want)
    if len(got) != len(want):
        raise AssertionError(f"check_grads({name}) {mode} mode: the derivative returns "
                             f"{len(got)} output(s), the function {len(want)}")
    for j, (g, w) in enumerate(zip(got, want)):
        if np.shape(g) == np.shape(w) and np.array_equal(g, w):
            continue   # the usual case, and cheaper to tell than closeness
        w_ = np.asarray(w, dtype=float)
        scale = max(1.0, float(np.max(np.abs(w_[np.isfinite(w_)]), initial=0.0)))
        if np.shape(g) != np.shape(w) or not np.allclose(
                np.asarray(g, dtype=float), w_, rtol=1e-9, atol=1e-12 * scale, equal_nan=True):
            raise AssertionError(f"check_grads({name}) {mode} mode: output {j} of the "
                                 f"derivative is not the function's own value\n"
                                 f"  derivative: {np.asarray(g)!r}\n  function:   {w!r}")


def check_grads(f, args, modes=("fwd", "rev"), wrt=None, eps=1e-6, rtol=1e-5, atol=1e-6,
                directions=2, seed=0):
    """Check sourcead's forward and reverse derivatives of `f` at `args`.

    For `directions` random directions v (and, in reverse mode, random output
    cotangents u) it compares the JVP J v and the VJP inner product <u, J v>
    with the central difference (f(x + eps v) - f(x - eps v)) / (2 eps), and
    the values both derivatives return with f(*args). `wrt` defaults to every
    float argument. Raises AssertionError with a report on the first mismatch,
    and ValueError where there is nothing to check (no directions, no modes,
    arguments or outputs without elements); returns None otherwise.

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
    if any(not isinstance(i, (int, np.integer)) or not -len(args) <= i < len(args)
           for i in wrt):
        raise ValueError(f"check_grads: wrt={wrt!r} names arguments by position, and "
                         f"{len(args)} argument(s) are given")
    wrt = tuple(int(i) % len(args) for i in wrt)
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")
    if not modes:
        raise ValueError("check_grads: modes is empty, so nothing would be checked; give "
                         "'fwd' and/or 'rev'")
    if isinstance(directions, bool) or not isinstance(directions, (int, np.integer)) or \
            directions < 1:
        raise ValueError(f"check_grads: directions={directions!r}; at least one direction "
                         "is needed for anything to be checked")
    name = getattr(f, "__name__", "f")
    if sum(np.size(args[i]) for i in wrt) == 0:
        raise ValueError(f"check_grads({name}): the arguments differentiated have no elements, "
                         "so every derivative would be empty and agree")
    value = f(*_shift(args, (), (), 0.0))
    if sum(np.size(leaf) for leaf in _tree_leaves(value)) == 0:
        raise ValueError(f"check_grads({name}): the function's outputs have no elements, so "
                         "every derivative would be empty and agree")
    rng = np.random.default_rng(seed)
    for k in range(directions):
        dirs = [_random_like(args[i], rng) for i in wrt]
        plus = _tree_leaves(f(*_shift(args, wrt, dirs, eps)))
        minus = _tree_leaves(f(*_shift(args, wrt, dirs, -eps)))
        numeric = [(np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / (2 * eps)
                   for p, m in zip(plus, minus)]
        if "fwd" in modes:
            y, ydot = api.jvp(f, wrt=wrt)(*_shift(args, (), (), 0.0), *dirs)
            _same_values(y, value, name, "forward")
            got = _tree_leaves(ydot)
            if len(got) != len(numeric):
                raise AssertionError(f"check_grads({name}) forward mode: {len(got)} tangent(s) "
                                     f"for {len(numeric)} output(s)")
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
            y, pullback = api.vjp(f, wrt=wrt)(*_shift(args, (), (), 0.0))
            _same_values(y, value, name, "reverse")
            leaves = _tree_leaves(y)
            cts = [_random_like(np.asarray(leaf, dtype=float) if np.ndim(leaf) else float(leaf), rng)
                   for leaf in leaves]
            grads = pullback(_tree_like(y, list(cts)))
            if not isinstance(grads, tuple) or len(grads) != len(wrt):
                raise AssertionError(f"check_grads({name}) reverse mode: the pullback returns "
                                     f"{_count(grads)} for {len(wrt)} argument(s)")
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


def _count(grads):
    return f"a tuple of {len(grads)}" if isinstance(grads, tuple) else \
        f"{type(grads).__name__} (not a tuple)"
