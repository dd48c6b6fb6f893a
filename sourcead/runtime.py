"""Helpers that generated code calls (as `sad_rt.NAME`).

Kept few and small: everything that can be written as plain NumPy in a rule
is written there, so the formula shows in the generated code.
"""

import operator

import numpy as np


def unbroadcast(g, x):
    """Sum `g` over the axes that broadcasting added to, or stretched in, `x`'s shape."""
    if isinstance(x, list) or isinstance(x, Shape) and x.kind == "list":
        return g   # a list's adjoint is one per item, never broadcast
    shape = np.shape(x)
    gshape = np.shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    if stretched:
        g = np.sum(g, axis=stretched, keepdims=True)
    if np.shape(g) != shape:  # g was smaller than x: a scalar contribution to an array
        g = np.array(np.broadcast_to(g, shape))
    return g


def owned(x):
    """A copy of array `x` (a gradient must not be a read-only view or the caller's array)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def broadcast_like(t, ans):
    """`t` broadcast to the shape of `ans` (a tangent that must match its primal)."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape)


class Shape:
    """Stands in for a recorded value when its adjoint needs only its shape (and, for
    `zeros_like`, its type): `np.shape` of it is the value's shape."""

    __slots__ = ("shape", "dtype", "kind", "items")

    def __init__(self, x):
        self.dtype = getattr(x, "dtype", None)
        self.items = None
        if isinstance(x, list):   # a list of arrays, perhaps of different shapes
            self.kind, self.items = "list", [Shape(v) for v in x]
            self.shape = (len(x),)
            return
        self.shape = np.shape(x)
        self.kind = "array" if isinstance(x, np.ndarray) else \
            "numpy scalar" if isinstance(x, np.generic) else "python scalar"

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"Shape({self.shape})"


def seed(y):
    """The cotangent 1 for a scalar output `y` (checked by `check_scalar`)."""
    if isinstance(y, np.ndarray):
        return np.ones_like(y)
    return 1.0


def check_scalar(y):
    """Raise the TypeError of `grad` unless `y` is a scalar (a float, a 0-d or size-1 array)."""
    if isinstance(y, (float, int, np.floating, np.integer)) and not isinstance(y, (bool, np.bool_)):
        return
    if isinstance(y, np.ndarray) and y.size == 1 and y.dtype.kind in "fc":
        return
    if isinstance(y, np.ndarray):
        what = f"an array of shape {y.shape} and dtype {y.dtype}"
    else:
        what = f"a value of type {type(y).__name__}"
    raise TypeError(f"grad requires a function with a scalar float output (a float, a 0-d or "
                    f"size-1 array); it returned {what}. Use sourcead.vjp for other outputs.")


def zeros_like(x, *more):
    """A floating zero with the shape of `x` (a Python 0.0 for scalars).

    With more arguments: zeros of the shape they all broadcast to.
    """
    if more:
        shape = np.broadcast_shapes(np.shape(x), *(np.shape(m) for m in more))
        return np.zeros(shape, dtype=np.result_type(x, *more, np.float64))
    if isinstance(x, Shape):
        if x.kind == "list":
            return AdjointList(zeros_like(v) for v in x.items)
        if x.kind == "python scalar":
            return 0.0
        dtype = np.result_type(x.dtype, np.float64) if x.dtype.kind in "biu" else x.dtype
        zero = np.zeros(x.shape, dtype=dtype)
        return zero if x.kind == "array" else zero[()]
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=np.result_type(x.dtype, np.float64)
                        if x.dtype.kind in "biu" else x.dtype)
    if isinstance(x, np.generic):
        return np.zeros((), dtype=np.result_type(x, np.float64))[()]
    if isinstance(x, list):
        return AdjointList(zeros_like(v) for v in x)
    return 0.0


class AdjointList(list):
    """The adjoint (or tangent) of a list: one per item, and arithmetic item by item
    (with a sequence of the same length, or with one value for every item)."""

    def _items(self, other, op):
        if isinstance(other, (list, tuple, np.ndarray)) and np.ndim(other) > 0 and \
                len(other) == len(self):
            return AdjointList(op(a, b) for a, b in zip(self, other))
        return AdjointList(op(a, other) for a in self)

    def __add__(self, other):
        return self._items(other, operator.add)

    def __radd__(self, other):
        return self._items(other, lambda a, b: b + a)

    def __sub__(self, other):
        return self._items(other, operator.sub)

    def __rsub__(self, other):
        return self._items(other, lambda a, b: b - a)

    def __mul__(self, other):
        return self._items(other, operator.mul)

    def __rmul__(self, other):
        return self._items(other, lambda a, b: b * a)

    def __truediv__(self, other):
        return self._items(other, operator.truediv)

    def __neg__(self):
        return AdjointList(-a for a in self)

    def __getitem__(self, index):
        r = list.__getitem__(self, index)
        return AdjointList(r) if isinstance(index, slice) else r


def appended(xs, v):
    """A new list: `xs` and then `v` (`xs.append(v)` on a copy; generated code appends
    in place where `xs` is a list nothing else refers to)."""
    out = list(xs)
    out.append(v)
    return type(xs)(out) if isinstance(xs, AdjointList) else out


def basic_index(index):
    """Whether `index` selects without index arrays (ints, slices, None, Ellipsis)."""
    if isinstance(index, tuple):
        return all(basic_index(i) for i in index)
    return index is None or index is Ellipsis or isinstance(index, (int, np.integer, slice))


def add_at(acc, index, g):
    """`acc[index] += g` in place (repeated advanced indices add up); returns `acc`.

    Generated code calls it only on an adjoint array nothing else refers to
    (see opt.inplace); elsewhere it calls `added_at`.
    """
    if isinstance(acc, list):
        acc[index] += g
        return acc
    if not isinstance(acc, np.ndarray):
        acc = np.array(acc, dtype=np.result_type(acc, np.float64))
    if basic_index(index):
        acc[index] += g
    else:
        np.add.at(acc, index, g)
    return acc


def added_at(acc, index, g):
    """A new array: `acc` with `g` added at `index` (the functional form of `add_at`)."""
    return add_at(fresh_array(acc), index, g)


def set_item(x, index, v):
    """A copy of `x` with `v` written at `index` (`x[index] = v` on the copy). Generated
    code writes in place instead where `x` is an array nothing else refers to."""
    out = x.copy()
    out[index] = v
    return out


def zeroed_at(g, index):
    """A copy of `g` with zeros at `index` (the adjoint of what an item assignment
    overwrote); in place where `g` is unshared."""
    out = np.array(g, copy=True)
    out[index] = 0.0
    return out


def item_copy(g, index):
    """`g[index]`, copied if it is an array (it must survive `g` being changed)."""
    r = g[index]
    return r.copy() if isinstance(r, np.ndarray) else r


def fresh_array(x):
    """A floating copy of `x` that generated code may update in place."""
    if isinstance(x, list):
        return type(x)(x)   # a list stays a list (and an adjoint list one of those)
    a = np.array(x, copy=True)
    return a.astype(np.float64) if a.dtype.kind in "biu" else a


def astype(x, dtype):
    """`x.astype(dtype)` for arrays, and the same conversion for scalars."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.astype(dtype)
    return np.dtype(dtype).type(x) if dtype not in (float, int, bool, complex) else dtype(x)


def astype_discrete(x, dtype):
    """`x.astype(dtype)` to an integer or boolean type (no derivative)."""
    return astype(x, dtype)


def astype_adjoint(g, x):
    """The cotangent of `x` in `astype(x, dtype)` to a floating type: `g` in `x`'s type."""
    target = np.result_type(x, np.float64) if np.result_type(x).kind in "biu" else np.result_type(x)
    if isinstance(x, np.ndarray):
        return np.asarray(g, dtype=target)
    return float(g) if isinstance(x, float) else target.type(g)


def _swap(x):
    return np.swapaxes(x, -1, -2)


def matmul_adjoint_a(g, a, b):
    """The adjoint of `a` in `a @ b`, for every combination of 1-D and N-D operands."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if b_nd == 1:
        out = np.multiply.outer(g, b) if a_nd > 1 else g * b
    elif a_nd == 1:
        out = np.expand_dims(g, -2) @ _swap(b)
        out = np.squeeze(out, -2)
    else:
        out = g @ _swap(b)
    return unbroadcast(out, a)


def matmul_adjoint_b(g, a, b):
    """The adjoint of `b` in `a @ b`, for every combination of 1-D and N-D operands."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1:
        out = np.multiply.outer(a, g) if b_nd > 1 else g * a
        if b_nd > 2:  # g had b's batch dimensions in front: move a's axis behind them
            out = np.moveaxis(out, 0, -2)
    elif b_nd == 1:
        out = _swap(a) @ np.expand_dims(g, -1)
        out = np.squeeze(out, -1)
    else:
        out = _swap(a) @ g
    return unbroadcast(out, b)


def dot_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.dot(a, b)`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) <= 2:
        return matmul_adjoint_a(g, a, b)
    # N-D dot: contract g with b over all of b's axes except its second-to-last.
    b_axes = [i for i in range(np.ndim(b)) if i != np.ndim(b) - 2]
    g_axes = list(range(np.ndim(a) - 1, np.ndim(g)))
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.dot(a, b)`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(b) <= 2:
        return matmul_adjoint_b(g, a, b)
    a_lead = list(range(np.ndim(a) - 1))
    out = np.tensordot(a, g, axes=(a_lead, a_lead))  # (k, *b_lead, m)
    return np.moveaxis(out, 0, -2)


def sum_adjoint(g, x, axis, keepdims):
    """Broadcast the cotangent of `np.sum(x, axis, keepdims=keepdims)` back to `x`'s shape."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x))


def _axes_last(x, axis):
    """`x` with the axes of `axis` (None: all) moved to the end and merged into one, and
    what `_axes_back` needs to undo that."""
    x = np.asarray(x)
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = tuple(a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    kept = x.ndim - len(axes)
    moved = np.moveaxis(x, axes, tuple(range(kept, x.ndim)))
    return moved.reshape(moved.shape[:kept] + (-1,)), (moved.shape, axes, kept)


def _axes_back(y, undo):
    shape, axes, kept = undo
    return np.moveaxis(y.reshape(shape), tuple(range(kept, len(shape))), axes)


def prod_others(x, axis=None):
    """For each element of `x`, the product of the other elements that `np.prod(x, axis)`
    multiplies it with: the partial derivatives of the product, exact where `x` has zeros
    (no division by `x`)."""
    flat, undo = _axes_last(x, axis)
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return _axes_back(before * after, undo)


def cumprod_adjoint(g, x, axis=None):
    """The cotangent of `x` in `y = np.cumprod(x, axis)`, exact where `x` has zeros.

    x_k's cotangent is sum_{j >= k} g_j * prod_{i <= j, i != k} x_i. Without zeros that
    is the reversed cumulative sum of g * y, divided by x; with zeros it is computed as
    (prod_{i < k} x_i) * r_k, where r_k = g_k + x_{k+1} * r_{k+1}.
    """
    if axis is None:
        return np.reshape(cumprod_adjoint(np.ravel(g), np.ravel(x), 0), np.shape(x))
    xs = np.moveaxis(np.asarray(x), axis, -1)
    gs = np.moveaxis(np.asarray(g), axis, -1)
    if np.all(xs != 0):
        out = np.cumsum((gs * np.cumprod(xs, axis=-1))[..., ::-1], axis=-1)[..., ::-1] / xs
    else:
        r = np.array(gs, dtype=np.result_type(gs, xs, np.float64))
        for k in range(xs.shape[-1] - 2, -1, -1):
            r[..., k] += xs[..., k + 1] * r[..., k + 1]
        ones = np.ones_like(xs[..., :1])
        out = np.cumprod(np.concatenate([ones, xs[..., :-1]], axis=-1), axis=-1) * r
    return np.moveaxis(out, -1, axis)


def cumprod_tangent(dx, x, axis=None):
    """The tangent of `y = np.cumprod(x, axis)`, exact where `x` has zeros: y * cumsum(dx / x)
    without zeros, else the recurrence dy_j = dy_{j-1} * x_j + y_{j-1} * dx_j."""
    if axis is None:
        dx, x, axis = np.ravel(dx), np.ravel(x), 0
    xs = np.moveaxis(np.asarray(x), axis, -1)
    ds = np.moveaxis(np.broadcast_to(dx, np.shape(x)), axis, -1)
    y = np.cumprod(xs, axis=-1)
    if np.all(xs != 0):
        out = y * np.cumsum(ds / xs, axis=-1)
    else:
        out = np.array(ds, dtype=np.result_type(ds, xs, np.float64))
        for j in range(1, xs.shape[-1]):
            out[..., j] = out[..., j - 1] * xs[..., j] + y[..., j - 1] * ds[..., j]
    return np.moveaxis(out, -1, axis)


def average_weights(weights, x, axis):
    """`np.average`'s weights shaped to broadcast against `x`: as given when they have x's
    shape, else (a 1-D array) laid along `axis`."""
    w = np.asarray(weights)
    if w.shape == np.shape(x) or axis is None:
        return w
    shape = [1] * np.ndim(x)
    shape[axis] = -1
    return w.reshape(shape)


def vector_norm_axis(x, ord, axis):
    """The axis along which `np.linalg.norm(x, ord, axis)` takes a vector norm (None for
    all of a 1-D `x`); raises where it takes a matrix norm, whose derivative this rule
    does not give."""
    if isinstance(axis, tuple) or ord == "nuc" or (axis is None and np.ndim(x) != 1):
        raise NotImplementedError(
            f"sourcead has no derivative for the matrix norm np.linalg.norm(x, ord={ord!r}, "
            f"axis={axis!r}) of an array of shape {np.shape(x)}")
    return axis


# Helpers of the linear algebra rules (rules/linalg.py).

def solve_reads_vector(a, b):
    """Whether `np.linalg.solve(a, b)` reads `b` as a (stack of) vector(s) rather than
    matrices: for NumPy 2 when `b` is 1-D, for NumPy 1 when it has one axis fewer than `a`."""
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
        return np.ndim(b) == 1
    return np.ndim(b) == np.ndim(a) - 1


def as_columns(x, vector):
    """`x` as a stack of matrices: a trailing axis of length 1 added when `vector`."""
    return np.expand_dims(x, -1) if vector else x


def from_columns(x, vector):
    """The inverse of `as_columns`: the trailing axis of length 1 removed when `vector`."""
    return np.squeeze(x, -1) if vector else x


def when_nonempty(value, x, default):
    """`value` if the array `x` has elements, else `default` (lstsq's residuals are
    empty unless the matrix has full column rank and more rows than columns)."""
    return value if np.size(x) > 0 else default


def require(ok, message):
    """Raise NotImplementedError(message) unless `ok`: a derivative rule's precondition
    that only the run-time shapes can tell (a wide matrix, full_matrices=True)."""
    if not ok:
        raise NotImplementedError(message)
