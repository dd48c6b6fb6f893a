"""Helpers that generated code calls (as `sad_rt.NAME`).

Kept few and small: everything that can be written as plain NumPy in a rule
is written there, so the formula shows in the generated code.
"""

import operator

import numpy as np


def checked_cotangent(c, x, ans, rule):
    """`c`, a user's VJP rule's contribution for `x`; raises unless it has the shape of x or
    of the output (which is then summed to x's)."""
    shape = np.shape(c)
    if shape != np.shape(x) and shape != np.shape(ans):
        raise ValueError(f"the VJP rule {rule} returned a value of shape {shape} for an "
                         f"argument of shape {np.shape(x)} (output shape {np.shape(ans)}): "
                         "a rule must return one value per argument, shaped like it")
    return c


def checked_tangent(t, ans, rule):
    """`t`, a user's JVP rule's result; raises unless it broadcasts to the output's shape."""
    try:
        ok = np.broadcast_shapes(np.shape(t), np.shape(ans)) == np.shape(ans)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"the JVP rule {rule} returned a tangent of shape {np.shape(t)} for "
                         f"an output of shape {np.shape(ans)}")
    return t


def checkpointed(steps, snapshots=None, every=None):
    """`for i in sad.checkpointed(range(n), snapshots=10):` marks a loop whose reverse mode
    keeps at most `snapshots` copies of its carried state and recomputes the steps in
    between on the binomial schedule (Revolve's); `every=k` keeps one every k steps. Run
    normally, it is `steps` itself."""
    from .schedules import _check
    if (snapshots is None) == (every is None):
        raise ValueError("checkpointed takes one of snapshots= or every=")
    n = 0 if isinstance(steps, (bool, np.bool_)) else len(steps)   # a while loop's test
    _check(n, snapshots if every is None else every, "snapshots" if every is None else "every")
    return steps


class Checkpoints:
    """The snapshots of a checkpointed loop, and where its schedule has got to: the forward
    sweep runs the actions up to the first reversed step (the loop's last) and keeps that
    step's pullback; the adjoint sweep runs the rest."""

    def __init__(self, n, snapshots=None, every=None):
        from . import schedules
        actions = schedules.binomial(n, snapshots) if every is None else \
            schedules.periodic(n, every)
        first = next((k for k, a in enumerate(actions) if a[0] == "reverse"), len(actions))
        self._forward, self._backward = actions[:first + 1], actions[first + 1:]
        self.saved = {}
        self.pullback = None
        self.steps_run = 0       # forward steps of the loop's body run (recording or not)

    def forward(self):
        return self._forward

    def backward(self):
        return self._backward

    def save(self, i, state):
        self.saved[i] = state

    def load(self, i):
        return self.saved[i]

    def free(self, i):
        del self.saved[i]


class OnlineCheckpoints(Checkpoints):
    """The snapshots of a checkpointed while loop, whose length is known only at its end:
    the state before step i is kept when i is a multiple of a stride d, and when more than
    h = max(1, s // 2) are kept, d doubles and the others are dropped. At the end at most h
    snapshots stand d < 2 n / h steps apart, and each segment between them is reversed on
    the binomial schedule with the snapshots left over (at least s - h + 1): no step runs
    forward more than 1 + r(d, s - h + 1) times, r as in schedules.repetitions, and at most
    s snapshots are held at once. (For n = 1000, s = 10: 3995 forward steps in all, where
    the binomial schedule knowing n in advance needs 3636.)"""

    def __init__(self, snapshots):
        from .schedules import _check
        _check(0, snapshots, "snapshots")
        self.snapshots = snapshots
        self.saved = {}
        self.stride = 1
        self.n = 0
        self.pullback = None

    def step(self, state):
        """Called before each step with the state it starts from."""
        i = self.n
        if i % self.stride == 0:
            self.saved[i] = state
            while len(self.saved) > max(1, self.snapshots // 2):
                self.stride *= 2
                self.saved = {k: v for k, v in self.saved.items() if k % self.stride == 0}
        self.n += 1

    def backward(self):
        from . import schedules
        starts = sorted(self.saved)
        actions = []
        for j in range(len(starts) - 1, -1, -1):
            a = starts[j]
            b = starts[j + 1] if j + 1 < len(starts) else self.n
            slots = max(self.snapshots - j, 1)
            actions.append(("restore", a))
            for act in schedules.binomial(b - a, slots)[1:-1]:   # its start is saved as a
                actions.append((act[0],) + tuple(a + x for x in act[1:]))
            actions.append(("free", a))
        return actions


def checkpoint(fn):
    """`fn`, marked so that reverse mode stores the inputs of each call instead of what the
    call computes, and computes it again in the adjoint sweep (less memory, one more call).
    As a decorator or at a call site: `y = sad.checkpoint(step)(x)`. Called normally, it is
    `fn` itself (a copy of the function, so that other calls of `fn` are not marked)."""
    import types
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"checkpoint takes a Python function, not {fn!r}")
    marked = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                fn.__closure__)
    marked.__kwdefaults__ = fn.__kwdefaults__
    marked.__qualname__ = fn.__qualname__
    marked.__doc__ = fn.__doc__
    marked.__sourcead_checkpoint__ = True
    return marked


class insert_grad_of:
    """`with sad.insert_grad_of(x) as gx: ...` in a differentiated function: the block runs
    in the adjoint sweep, once x's adjoint is complete, with that adjoint as gx; what gx is
    at the end of the block becomes x's adjoint (clipping, logging, debugging). Called
    normally, the function runs the block once with gx a zero shaped like x."""

    def __init__(self, x):
        self.x = x

    def __enter__(self):
        return zeros_like(self.x)

    def __exit__(self, *exc):
        return False


def stop_gradient(x):
    """`x` itself, with no derivative: what is computed from it is a constant to
    sourcead (as `jax.lax.stop_gradient`)."""
    return x


def keep_zeros(g, c):
    """`c` (a contribution computed from the cotangent `g`), with exact zeros wherever `g`
    is zero: 0 * inf and 0 * nan are 0 here, as the derivative of a branch np.where did
    not take must be."""
    if isinstance(g, np.ndarray) or isinstance(c, np.ndarray):
        return np.where(g == 0, 0.0, c)
    return 0.0 if g == 0 else c


def partition_order(a, ans, axis=-1):
    """Where each element of `ans` (np.partition of `a` along `axis`, a permutation of
    it) comes from in `a`: ans is np.take_along_axis(a, order, axis). Equal elements
    may be matched either way (the derivative does not exist there)."""
    if axis is None:
        a, ans, axis = np.ravel(a), np.ravel(ans), 0
    order_a = np.argsort(a, axis=axis, kind="stable")
    rank = np.argsort(np.argsort(ans, axis=axis, kind="stable"), axis=axis, kind="stable")
    return np.take_along_axis(order_a, rank, axis)


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


def shares_memory(view, base):
    """Whether `view` (made from `base` by indexing or a reshape) is a view of it, so
    that it shows what is later written into `base`."""
    return isinstance(view, np.ndarray) and np.may_share_memory(view, base)


def check_not_view(value, base, where):
    """Before a loop with `s += v` (at `where`): raise NotImplementedError if s starts
    as a view of another array, which NumPy would write into on every iteration (the
    generated code cannot follow that; a number or a copy is fine)."""
    if isinstance(value, np.ndarray) and np.may_share_memory(value, base):
        raise NotImplementedError(
            f"{where}: sourcead cannot differentiate an augmented assignment in a loop to a "
            "view of another array (NumPy writes into that array on every iteration); "
            "take a .copy() where you make the view")


def check_is_view(value, base, where):
    """Before writing into `value`, taken from `base` by an index known only at run time:
    raise NotImplementedError if it is a copy (an index array), which NumPy would change
    instead of `base`."""
    if not (isinstance(value, np.ndarray) and np.may_share_memory(value, base)):
        raise NotImplementedError(
            f"{where}: x[index] is a copy here (an index array or a number), so NumPy would "
            "not change x; sourcead cannot differentiate that: write x[index, ...] = v")


def check_not_array(value, where):
    """Before `a op= v` on a module's (or an enclosing function's) value: as NumPy, an
    array would be written into, which the derivative never does (raise
    NotImplementedError); a number is bound anew."""
    if isinstance(value, np.ndarray):
        raise NotImplementedError(
            f"{where}: `a op= v` writes into an array of the module (or of an enclosing "
            "function) here, and the derivative never changes arrays outside the "
            "function; sourcead cannot differentiate that: write a = a op v")


def check_length(xs, n):
    """`a, b = xs` for a sequence known only at run time: as Python, refuse another
    number of items."""
    if len(xs) != n:
        raise ValueError(f"cannot unpack {len(xs)} values into {n} names")


def is_array(x):
    """Whether `x` is a NumPy array (`x += v` then writes into it)."""
    return isinstance(x, np.ndarray)


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
            # as NumPy sees it (np.sum(xs, axis=0)): its items' common shape after its
            # length, where they have one
            shapes = {v.shape for v in self.items if v.kind != "list"}
            common = len(shapes) == 1 and all(v.kind != "list" for v in self.items)
            self.shape = (len(x),) + (shapes.pop() if common else ())
            return
        self.shape = np.shape(x)
        self.kind = "array" if isinstance(x, np.ndarray) else \
            "numpy scalar" if isinstance(x, np.generic) else "python scalar"

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"Shape({self.shape})"


def float_type(*values):
    """The floating type of arithmetic on `values`: NumPy's result type (float32 for
    float32 arrays and Python floats), float64 where that is an integer or boolean type."""
    values = [float_type(*v) if isinstance(v, (list, tuple)) and v else
              np.float64 if isinstance(v, (list, tuple)) else v for v in values]
    t = np.result_type(*values)
    return t if t.kind in "fc" else np.dtype(np.float64)


def seed(y):
    """The cotangent 1 for a scalar output `y` (checked by `check_scalar`), of y's type."""
    if isinstance(y, np.ndarray):
        return np.ones_like(y, dtype=float_type(y))
    if isinstance(y, np.generic):
        return float_type(y).type(1.0)
    return 1.0


def basis(x):
    """The unit arrays of `x`'s shape and float type, one per element, stacked: the
    tangents whose JVPs are the columns of a Jacobian (see codegen/composite.py)."""
    shape = np.shape(x)
    n = int(np.prod(shape))
    dtype = np.result_type(x)
    return np.eye(n, dtype=dtype if dtype.kind == "f" else np.float64).reshape((n,) + shape)


def jacobian_shape(stacked, x):
    """The shape of a Jacobian with respect to `x` whose columns are stacked on the last
    axis of `stacked`: that of an output, then that of `x`."""
    return np.shape(stacked)[:-1] + np.shape(x)


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
        return np.zeros(shape, dtype=float_type(x, *more))
    if isinstance(x, Shape):
        if x.kind == "list":
            shapes = {v.shape for v in x.items}
            if len(shapes) == 1 and all(v.kind != "list" for v in x.items):
                return np.zeros((len(x.items),) + shapes.pop(),
                                dtype=float_type(*(np.float64 if v.dtype is None else v.dtype
                                                  for v in x.items)))
            return AdjointList(zeros_like(v) for v in x.items)
        if x.kind == "python scalar":
            return 0.0
        zero = np.zeros(x.shape, dtype=float_type(x.dtype))
        return zero if x.kind == "array" else zero[()]
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=float_type(x.dtype))
    if isinstance(x, np.generic):
        return np.zeros((), dtype=float_type(x))[()]
    if isinstance(x, list):
        # items of one shape: one array (its slices are views, so taking the adjoint of
        # one item after another stays linear); of several shapes: a list of arrays
        shapes = {np.shape(v) for v in x}
        if len(shapes) == 1 and all(isinstance(v, (float, int, np.ndarray, np.generic))
                                    for v in x):
            return np.zeros((len(x),) + shapes.pop(), dtype=float_type(*x))
        return AdjointList(zeros_like(v) for v in x)
    if isinstance(x, tuple):   # a tuple of numbers or arrays used as an array
        return np.zeros(np.shape(x), dtype=float_type(*x) if x else np.float64)
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
    # a user's list stays a list; an adjoint or tangent (an AdjointList, or the array of
    # zeros a list of same-shaped items gets) becomes an AdjointList
    return out if type(xs) is list else AdjointList(out)


def joined(xs, ys):
    """`xs + ys` where either may be a list or tuple built at run time (joined), or an
    array or a number (added)."""
    return xs + ys


def _listlike(xs, ys):
    return isinstance(xs, (list, tuple)) or isinstance(ys, (list, tuple))


def joined_tangent(dxs, dys, xs, ys):
    """The tangent of `joined(xs, ys)`: lists' tangents (AdjointLists, or arrays of zeros
    for lists of items of one shape) are joined as lists, not added item by item."""
    if _listlike(xs, ys):
        return AdjointList(list(dxs) + list(dys))
    return dxs + dys


def joined_adjoint(g, xs, ys, second):
    """The adjoint of xs (of ys with `second`) from g, the adjoint of `joined(xs, ys)`."""
    if _listlike(xs, ys):
        n = len(xs)
        return g[n:] if second else g[:n]
    return unbroadcast(g, ys if second else xs)


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
        acc = np.array(acc, dtype=float_type(acc))
    if basic_index(index):
        acc[index] += g
    else:
        np.add.at(acc, index, g)
    return acc


def added_at(acc, index, g):
    """A new array: `acc` with `g` added at `index` (the functional form of `add_at`)."""
    return add_at(_writable(acc), index, g)


def set_item(x, index, v):
    """A copy of `x` with `v` written at `index` (`x[index] = v` on the copy). Generated
    code writes in place instead where `x` is an array nothing else refers to.

    The copy keeps x's memory layout (order "K"): whether a later reshape of it is a
    view, asked of NumPy at run time, must be answered as for the user's array, which
    a write leaves where it is."""
    out = x.copy(order="K")
    out[index] = v
    return out


def zeroed_at(g, index):
    """A copy of `g` with zeros at `index` (the adjoint of what an item assignment
    overwrote); in place where `g` is unshared."""
    out = _writable(g)
    out[index] = 0.0
    return out


def item_copy(g, index):
    """`g[index]`, copied if it is an array (it must survive `g` being changed). A
    number (the cotangent of a 0-d array, say) is taken as a 0-d array."""
    if not isinstance(g, (np.ndarray, list, tuple)):
        g = np.asarray(g)
    r = g[index]
    return r.copy() if isinstance(r, np.ndarray) else r


def item_written(g, index):
    """The cotangent of what `x[index] = v` wrote: `g[index]` (a copy), where an index
    array names a place of x more than once, taken only where it is named last: NumPy
    keeps the value written there last, the others are overwritten."""
    r = item_copy(g, index)
    keep = _named_last(np.shape(g), index)
    return r if keep is None else np.where(keep, r, np.zeros_like(r))


def written_adjoint(c, g, index):
    """The transpose of item_written(., index) at g's shape, applied to c."""
    keep = _named_last(np.shape(g), index)
    return added_at(zeros_like(g), index, c if keep is None else np.where(keep, c, 0 * c))


def _named_last(shape, index):
    """Where x[index] (x of `shape`) names each place for the last time, as a mask of
    x[index]'s shape; None where no place is named twice."""
    if basic_index(index) or not shape:
        return None
    places = np.arange(int(np.prod(shape))).reshape(shape)[index]
    flat = np.ravel(places)
    if np.unique(flat).size == flat.size:
        return None
    last = np.zeros(flat.size, dtype=bool)
    _, first_from_end = np.unique(flat[::-1], return_index=True)
    last[flat.size - 1 - first_from_end] = True
    return last.reshape(np.shape(places))


def _writable(x):
    """A floating copy of `x` that can be written in place (a 0-d array for a number)."""
    if isinstance(x, list):
        return type(x)(x)   # a list stays a list (and an adjoint list one of those)
    a = np.array(x, copy=True)
    return a.astype(np.float64) if a.dtype.kind in "biu" else a


def fresh_array(x):
    """A floating copy of `x` that generated code may update in place. A number stays
    the number it is: it cannot be written in place, and a 0-d array in its stead would
    answer `is_array` differently (and be shared by `a = x; a /= 2`)."""
    return _writable(x) if isinstance(x, (np.ndarray, list)) else x


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
    target = float_type(x)
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
        r = np.array(gs, dtype=float_type(gs, xs))
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
        out = np.array(ds, dtype=float_type(ds, xs))
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


def is_matrix_norm(x, ord, axis):
    """Whether np.linalg.norm(x, ord, axis) is a matrix norm (of the last two axes named)."""
    if isinstance(axis, tuple):
        return len(axis) == 2
    return ord == "nuc" or (axis is None and ord is not None and np.ndim(x) == 2)


def _matrix_view(a, axis):
    axis = (0, 1) if axis is None else tuple(k % np.ndim(a) for k in axis)
    return np.moveaxis(a, axis, (-2, -1)), axis


def _matrix_norm_direction(x, ord, axis):
    """D with norm(x + t E) = norm(x) + t <D, E> + o(t) for the matrix norm `ord`, in x's
    layout: U V^T (nuc), u1 v1^T (2; -2: the smallest), sign(x) on the largest (smallest)
    column (1, -1) or row (inf, -inf) sum, split evenly between ties."""
    m, axis = _matrix_view(x, axis)
    if ord in ("nuc", 2, -2):
        u, s, vt = np.linalg.svd(m, full_matrices=False)
        if ord == "nuc":
            d = u @ vt
        else:
            k = 0 if ord == 2 else -1
            d = u[..., :, k:k + 1 if k != -1 else None] @ vt[..., k:k + 1 if k != -1 else None, :]
    elif ord in (1, -1, np.inf, -np.inf):
        over = -2 if ord in (1, -1) else -1      # columns sum over rows, and the reverse
        sums = np.sum(np.abs(m), axis=over, keepdims=True)
        best = np.max(sums, axis=-1 if over == -2 else -2, keepdims=True) if ord > 0 else \
            np.min(sums, axis=-1 if over == -2 else -2, keepdims=True)
        hit = sums == best
        d = np.sign(m) * hit / np.sum(hit, axis=-1 if over == -2 else -2, keepdims=True,
                                      dtype=float_type(m))
    else:
        raise NotImplementedError(f"no derivative for the matrix norm ord={ord!r}")
    return np.moveaxis(d, (-2, -1), axis), axis


def matrix_norm_adjoint(g, x, ord, axis, keepdims):
    """The cotangent of x in a matrix norm np.linalg.norm(x, ord, axis, keepdims)."""
    d, axis = _matrix_norm_direction(x, ord, axis)
    if not keepdims:
        g = np.expand_dims(g, axis)
    return g * d


def matrix_norm_tangent(dx, x, ord, axis, keepdims):
    """The tangent of a matrix norm along dx."""
    d, axis = _matrix_norm_direction(x, ord, axis)
    return np.sum(d * dx, axis=axis, keepdims=keepdims)


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


def adjugate(a):
    """The adjugate of a (stack of) square matrices: adj(A) = det(A) A^-1 where A is
    invertible, and the transposed matrix of cofactors for any A, so that the derivative
    of det, d det(A) = tr(adj(A) dA), holds at singular matrices too.

    det(A) A^-1 is accurate even close to singular (the small pivots of the LU
    factorization cancel between the two factors); only where LAPACK finds an exactly
    singular matrix, or the product overflows, is adj(A) taken from the SVD
    A = U diag(s) V^T: adj(A) = det(U) det(V) V diag(c) U^T, with c[i] the product of
    the singular values other than s[i] (no division)."""
    a = np.asarray(a)
    try:
        adj = np.linalg.det(a)[..., None, None] * np.linalg.inv(a)
        if np.all(np.isfinite(adj)):
            return adj
    except np.linalg.LinAlgError:
        pass
    if not np.all(np.isfinite(a)):
        raise np.linalg.LinAlgError("adjugate of a matrix that has inf or nan entries")
    u, s, vt = np.linalg.svd(a)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    one = np.ones(np.shape(s)[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([one, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([one, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    v = np.swapaxes(vt, -1, -2) * (sign[..., None, None] * (before * after)[..., None, :])
    return v @ np.swapaxes(u, -1, -2)


def eye_like(x):
    """The identity matrix of the size of `x`'s last axis, in x's floating type (a mask or
    a diagonal in the rules, which must not make a float32 derivative float64)."""
    return np.eye(np.shape(x)[-1], dtype=float_type(x))


def when_nonempty(value, x, default):
    """`value` if the array `x` has elements, else `default` (lstsq's residuals are
    empty unless the matrix has full column rank and more rows than columns)."""
    return value if np.size(x) > 0 else default


def checked(x, ok, message):
    """`x`, if `ok`; else raise NotImplementedError(message): a rule's precondition that
    matters only where `x` (one of its results) is used."""
    if not ok:
        raise NotImplementedError(message)
    return x


def require(ok, message):
    """Raise NotImplementedError(message) unless `ok`: a derivative rule's precondition
    that only the run-time shapes can tell (a wide matrix, full_matrices=True)."""
    if not ok:
        raise NotImplementedError(message)


# --- functions of several arrays, shapes and indexing (rules/variadic.py, rules/shape.py) ---
#
# `concatenate` and its relatives take the arrays as separate arguments: the frontend
# lowers `np.concatenate((a, b), axis=1)` to `sad_rt.concatenate(a, b, axis=1)`, so that
# each array is an operand of its own (see rules/variadic.py).

def concatenate(*arrays, axis=None):
    """`np.concatenate(arrays, axis)`, the arrays given one by one. Generated code always
    passes `axis`; the default is None (flatten) only because opt.simplify drops every
    `axis=None` keyword as if it were the default."""
    return np.concatenate(arrays, axis=axis)


def stack(*arrays, axis=0):
    """`np.stack(arrays, axis)`, the arrays given one by one."""
    return np.stack(arrays, axis=axis)


def hstack(*arrays):
    """`np.hstack(arrays)`, the arrays given one by one."""
    return np.hstack(arrays)


def vstack(*arrays):
    """`np.vstack(arrays)`, the arrays given one by one."""
    return np.vstack(arrays)


def column_stack(*arrays):
    """`np.column_stack(arrays)`, the arrays given one by one."""
    return np.column_stack(arrays)


def array(*items):
    """`np.array(items)` of a flat sequence of numbers or same-shaped arrays."""
    return np.array(items)


def _part(g, axis, k, sizes, shape):
    """The `k`-th of the pieces of `sizes` that `g` is cut into along `axis`, reshaped to
    `shape`."""
    start = sum(sizes[:k])
    index = [slice(None)] * np.ndim(g)
    index[axis] = slice(start, start + sizes[k])
    return np.reshape(g[tuple(index)], shape)


def concatenate_part(g, axis, k, *shapes):
    """The adjoint of the `k`-th array in `np.concatenate(arrays, axis)`, the arrays of
    `shapes`: the part of `g` it filled."""
    if axis is None:   # the arrays were flattened first
        return _part(np.ravel(g), 0, k, [int(np.prod(s)) for s in shapes], shapes[k])
    return _part(g, axis, k, [s[axis] for s in shapes], shapes[k])


def stack_part(g, axis, k, shape):
    """The adjoint of the `k`-th array (of `shape`) in `np.stack(arrays, axis)`."""
    return np.reshape(np.take(g, k, axis=axis), shape)


def stack_part_adjoint(c, g, axis, k):
    """The adjoint of `g` in `stack_part(g, axis, k, shape)`: `c` put back as the k-th
    slice along `axis` of zeros shaped like g (second derivatives through np.array and
    np.stack)."""
    out = np.zeros(np.shape(g), dtype=np.result_type(c, g))
    index = [slice(None)] * np.ndim(g)
    index[axis] = k
    out[tuple(index)] = np.reshape(c, np.shape(out[tuple(index)]))
    return out


def hstack_part(g, k, *shapes):
    """The adjoint of the `k`-th array in `np.hstack(arrays)`, the arrays of `shapes`."""
    axis = 0 if len(shapes[0]) <= 1 else 1     # 1-D arrays (and numbers) join along axis 0
    sizes = [int(np.prod(s)) if len(s) <= 1 else s[axis] for s in shapes]
    return _part(g, axis, k, sizes, shapes[k])


def vstack_part(g, k, *shapes):
    """The adjoint of the `k`-th array in `np.vstack(arrays)`, the arrays of `shapes`."""
    sizes = [1 if len(s) < 2 else s[0] for s in shapes]
    return _part(g, 0, k, sizes, shapes[k])


def column_stack_part(g, k, *shapes):
    """The adjoint of the `k`-th array in `np.column_stack(arrays)`, the arrays of `shapes`
    (1-D arrays are columns)."""
    sizes = [1 if len(s) < 2 else s[1] for s in shapes]
    return _part(g, 1, k, sizes, shapes[k])


def tile_adjoint(g, x, reps):
    """The adjoint of `x` in `np.tile(x, reps)`: the sum of the tiles of `g`."""
    reps = tuple(reps) if np.iterable(reps) else (reps,)
    n = max(np.ndim(x), len(reps))
    shape = (1,) * (n - np.ndim(x)) + np.shape(x)
    reps = (1,) * (n - len(reps)) + reps
    # each axis of g is (reps, size): split it in two and sum over the reps
    g = np.reshape(g, [d for pair in zip(reps, shape) for d in pair])
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * n, 2))), np.shape(x))


def repeat_adjoint(g, x, repeats, axis=None):
    """The adjoint of `x` in `np.repeat(x, repeats, axis)`: each element gets the sum of
    its copies."""
    if axis is None:
        return np.reshape(repeat_adjoint(g, np.ravel(x), repeats, 0), np.shape(x))
    n = np.shape(x)[axis]
    owner = np.repeat(np.arange(n), repeats)   # which element each copy comes from
    out = np.zeros((n,) + np.shape(np.moveaxis(g, axis, 0))[1:], dtype=np.result_type(g, 1.0))
    np.add.at(out, owner, np.moveaxis(g, axis, 0))
    return np.moveaxis(out, 0, axis)


_PAD_COPY_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_linear_mode(mode):
    """`mode` if `np.pad` in that mode only copies elements (so that it is linear, and its
    derivative is the same padding of the tangent); ValueError otherwise."""
    if mode not in _PAD_COPY_MODES:
        raise ValueError(f"sourcead differentiates np.pad in the modes {_PAD_COPY_MODES}, "
                         f"not in mode {mode!r}")
    return mode


def pad_adjoint(g, x, pad_width, mode="constant"):
    """The adjoint of `x` in `np.pad(x, pad_width, mode)` for the modes that copy elements:
    pad the indices of `x` the same way, and add each element of `g` to the element it
    was copied from (constant padding comes from no element)."""
    size = np.size(x)
    index = np.reshape(np.arange(size), np.shape(x))
    if mode == "constant":
        index = np.pad(index, pad_width, constant_values=-1)
    else:
        index = np.pad(index, pad_width, mode=pad_linear_mode(mode))
    copied = index >= 0
    out = np.bincount(index[copied], weights=np.broadcast_to(g, np.shape(index))[copied],
                      minlength=size)   # float64, whatever g's type
    return np.reshape(out.astype(float_type(g), copy=False), np.shape(x))


def take_adjoint(g, x, indices, axis=None, mode="raise"):
    """The adjoint of `x` in `np.take(x, indices, axis, mode=mode)`."""
    out = zeros_like(np.asarray(x))
    n = np.size(x) if axis is None else np.shape(x)[axis]
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = np.mod(indices, n)
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    if axis is None:
        np.add.at(np.reshape(out, -1), indices, g)   # a view: `out` is a fresh contiguous array
    else:
        np.add.at(out, (slice(None),) * (axis % np.ndim(x)) + (indices,), g)
    return out


def _along_axis_index(indices, shape, axis):
    """The index that makes `a[index]` equal `np.take_along_axis(a, indices, axis)`."""
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            index.append(np.reshape(np.arange(n), [-1 if e == d else 1 for e in range(len(shape))]))
    return tuple(index)


def take_along_axis_adjoint(g, x, indices, axis=-1):
    """The adjoint of `x` in `np.take_along_axis(x, indices, axis)`."""
    out = zeros_like(np.asarray(x))
    if axis is None:
        np.add.at(np.reshape(out, -1), indices, g)
    else:
        np.add.at(out, _along_axis_index(indices, np.shape(x), axis % np.ndim(x)), g)
    return out


def diagonal_adjoint(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of `x` in `np.diagonal(x, offset, axis1, axis2)`: `g` put on that
    diagonal of zeros (`g` broadcast to the diagonal's shape: `np.trace` passes one
    value per diagonal)."""
    out = zeros_like(np.asarray(x))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))   # a view: writes reach `out`
    rows, cols = np.shape(view)[-2:]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    i = np.arange(n) + max(-offset, 0)
    j = np.arange(n) + max(offset, 0)
    view[..., i, j] = np.broadcast_to(g, np.shape(view)[:-2] + (n,))
    return out


def diag_adjoint(g, v, k=0):
    """The adjoint of `v` in `np.diag(v, k)`: for a vector, the k-th diagonal of `g`; for a
    matrix, `g` put on the k-th diagonal of zeros."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return diagonal_adjoint(g, v, k)


def diff_adjoint(g, x, n=1, axis=-1, prepend=None, append=None):
    """The adjoint of `x` in `np.diff(x, n, axis, prepend=..., append=...)` (prepend and
    append are constants)."""
    for _ in range(n):   # x[1:] - x[:-1] has adjoint (0, g) - (g, 0)
        before = [(0, 0)] * np.ndim(g)
        after = [(0, 0)] * np.ndim(g)
        before[axis] = (1, 0)
        after[axis] = (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    if prepend is None and append is None:
        return g
    start = 0 if prepend is None else (1 if np.ndim(prepend) == 0 else np.shape(prepend)[axis])
    index = [slice(None)] * np.ndim(g)
    index[axis] = slice(start, start + np.shape(x)[axis])
    return g[tuple(index)]


def _interp_segments(x, xp):
    """For each point of `x`: the segment of `xp` it lies in, where in it (0 to 1), and
    whether it is inside the range of `xp` at all."""
    x, xp = np.asarray(x), np.asarray(xp)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    t = (x - xp[i]) / (xp[i + 1] - xp[i])
    return i, t, (x >= xp[0]) & (x <= xp[-1])


def interp_slope(x, xp, fp):
    """The derivative of `np.interp(x, xp, fp)` with respect to `x`: the slope of the
    segment each point lies in, 0 outside the range of `xp`."""
    i, _, inside = _interp_segments(x, xp)
    fp = np.asarray(fp)
    slope = (fp[i + 1] - fp[i]) / (np.asarray(xp)[i + 1] - np.asarray(xp)[i])
    return np.where(inside, slope, 0.0)[()]


def interp_tangent(dfp, x, xp, left=None, right=None):
    """How `np.interp(x, xp, fp, left, right)` changes when `fp` changes by `dfp`: the
    same interpolation of `dfp` (0 outside the range where `left` or `right` replace
    the end values)."""
    return np.interp(x, xp, dfp, left=None if left is None else 0.0,
                     right=None if right is None else 0.0)


def interp_adjoint(g, x, xp, left=None, right=None):
    """The adjoint of `fp` in `np.interp(x, xp, fp, left, right)`: each value of `g` goes
    to the two points around its `x`, weighted as in the interpolation; outside the
    range of `xp`, to the end point (unless `left` or `right` replaced it)."""
    i, t, inside = _interp_segments(x, xp)
    g = np.broadcast_to(g, np.shape(t))
    out = np.zeros(len(xp), dtype=np.result_type(g, 1.0))
    np.add.at(out, i, np.where(inside, (1.0 - t) * g, 0.0))
    np.add.at(out, i + 1, np.where(inside, t * g, 0.0))
    x = np.asarray(x)
    if left is None:
        out[0] += np.sum(np.where(x < xp[0], g, 0.0))
    if right is None:
        out[-1] += np.sum(np.where(x > xp[-1], g, 0.0))
    return out


# --- products (rules/products.py) ------------------------------------------------------------

def inner_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.inner(a, b)` (a sum over the last axes of both)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    b_free = np.ndim(b) - 1   # g's last b_free axes are b's leading ones
    return np.tensordot(g, b, axes=(list(range(np.ndim(g) - b_free, np.ndim(g))),
                                    list(range(b_free))))


def inner_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.inner(a, b)`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    a_free = np.ndim(a) - 1   # g's first a_free axes are a's leading ones
    return np.tensordot(g, a, axes=(list(range(a_free)), list(range(a_free))))


def _tensordot_axes(a, b, axes):
    """The contracted axes of `a` and `b` in `np.tensordot(a, b, axes)`, as lists."""
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(np.ndim(a) - n, np.ndim(a))), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if np.ndim(a_axes) == 0 else list(a_axes)
    b_axes = [b_axes] if np.ndim(b_axes) == 0 else list(b_axes)
    return [i % np.ndim(a) for i in a_axes], [i % np.ndim(b) for i in b_axes]


def tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of `a` in `np.tensordot(a, b, axes)`: `g` (a's free axes, then b's)
    contracted with `b` over b's free axes, the result's axes put back in a's order."""
    a_axes, b_axes = _tensordot_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in a_axes]
    b_free = [i for i in range(np.ndim(b)) if i not in b_axes]
    out = np.tensordot(g, b, axes=(list(range(len(a_free), np.ndim(g))), b_free))
    # out's axes: a's free ones, then b's contracted ones in b's order, i.e. their partners
    order = a_free + [a_axes[i] for i in np.argsort(b_axes)]
    return np.transpose(out, np.argsort(order))


def tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of `b` in `np.tensordot(a, b, axes)`."""
    a_axes, b_axes = _tensordot_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in a_axes]
    b_free = [i for i in range(np.ndim(b)) if i not in b_axes]
    out = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    order = [b_axes[i] for i in np.argsort(a_axes)] + b_free
    return np.transpose(out, np.argsort(order))


def _kron_blocks(g, a, b):
    """`g` of `np.kron(a, b)` with each axis split in two, (a's index, b's index), and
    the shapes of `a` and `b` padded with leading ones to the same length."""
    n = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (n - np.ndim(a)) + np.shape(a)
    sb = (1,) * (n - np.ndim(b)) + np.shape(b)
    return np.reshape(g, [d for pair in zip(sa, sb) for d in pair]), sa, sb, n


def kron_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.kron(a, b)`: each block of `g` contracted with `b`."""
    blocks, _, sb, n = _kron_blocks(g, a, b)
    out = np.tensordot(blocks, np.reshape(b, sb), axes=(list(range(1, 2 * n, 2)), list(range(n))))
    return np.reshape(out, np.shape(a))


def kron_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.kron(a, b)`: the blocks of `g` weighted by `a` and summed."""
    blocks, sa, _, n = _kron_blocks(g, a, b)
    out = np.tensordot(blocks, np.reshape(a, sa), axes=(list(range(0, 2 * n, 2)), list(range(n))))
    return np.reshape(out, np.shape(b))


def _as_3_vectors(x, axis):
    """`x`'s vectors (along `axis`) moved to the last axis, 2-vectors padded with a zero
    z component; and their length."""
    x = np.moveaxis(x, axis, -1)
    n = np.shape(x)[-1]
    if n == 2:
        x = np.concatenate((x, np.zeros(np.shape(x)[:-1] + (1,), dtype=float_type(x))), axis=-1)
    return x, n


def _cross_vectors(g, a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    a3, na = _as_3_vectors(a, axisa)
    b3, nb = _as_3_vectors(b, axisb)
    if na == 2 and nb == 2:   # the cross product was the z component alone
        g = np.asarray(g)
        g3 = np.stack((np.zeros_like(g), np.zeros_like(g), g), axis=-1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    return g3, a3, b3, na, nb, axisa, axisb


def cross_adjoint_a(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of `a` in `np.cross(a, b, ...)`: <g, a x b> = <a, b x g>."""
    g3, a3, b3, na, nb, axisa, axisb = _cross_vectors(g, a, b, axisa, axisb, axisc, axis)
    out = np.cross(b3, g3)[..., :na]
    return np.moveaxis(unbroadcast(out, np.moveaxis(a, axisa, -1)), -1, axisa)


def cross_adjoint_b(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of `b` in `np.cross(a, b, ...)`: <g, a x b> = <b, g x a>."""
    g3, a3, b3, na, nb, axisa, axisb = _cross_vectors(g, a, b, axisa, axisb, axisc, axis)
    out = np.cross(g3, a3)[..., :nb]
    return np.moveaxis(unbroadcast(out, np.moveaxis(b, axisb, -1)), -1, axisb)


def _full_convolution(g, na, nv, mode, correlate):
    """The cotangent of the full convolution of lengths `na` and `nv` whose `mode` part
    (valid, same, full, as np.convolve or np.correlate cut it) has cotangent `g`."""
    if mode == "full":
        return g
    shorter = min(na, nv)
    if mode == "valid":
        start = shorter - 1
    elif correlate and nv > na:   # np.correlate swaps its operands and reverses the result
        start = (shorter - 1) - (shorter - 1) // 2
    else:
        start = (shorter - 1) // 2
    full = np.zeros(na + nv - 1, dtype=np.result_type(g, 1.0))
    full[start:start + np.size(g)] = g
    return full


def convolve_adjoint_a(g, a, v, mode="full"):
    """The adjoint of `a` in `np.convolve(a, v, mode)`: the full cotangent correlated with `v`."""
    full = _full_convolution(g, np.size(a), np.size(v), mode, False)
    return np.convolve(full, np.flip(v), "valid")


def convolve_adjoint_v(g, a, v, mode="full"):
    """The adjoint of `v` in `np.convolve(a, v, mode)`."""
    full = _full_convolution(g, np.size(a), np.size(v), mode, False)
    return np.convolve(full, np.flip(a), "valid")


# np.correlate(a, v) is np.convolve(a, v reversed), cut differently (see _full_convolution)
def correlate_adjoint_a(g, a, v, mode="valid"):
    """The adjoint of `a` in `np.correlate(a, v, mode)`."""
    full = _full_convolution(g, np.size(a), np.size(v), mode, True)
    return np.convolve(full, v, "valid")


def correlate_adjoint_v(g, a, v, mode="valid"):
    """The adjoint of `v` in `np.correlate(a, v, mode)`."""
    full = _full_convolution(g, np.size(a), np.size(v), mode, True)
    return np.flip(np.convolve(full, np.flip(a), "valid"))


def einsum_subscripts(subscripts):
    """The input subscripts (a list) and the output subscripts of an einsum, the output
    made explicit where it is implicit (the letters used once, in order, after '...')."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
        return ins.split(","), out
    ins = subscripts.split(",")
    letters = "".join(ins).replace(".", "")
    out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return ins, ("..." if "..." in subscripts else "") + out


def einsum_operand_first(subscripts, k):
    """The subscripts of the same einsum with its `k`-th operand moved to the front."""
    ins, out = einsum_subscripts(subscripts)
    return ",".join([ins[k]] + ins[:k] + ins[k + 1:]) + "->" + out


def einsum_adjoint_is_einsum(subscripts, k):
    """Whether the adjoint of the `k`-th operand is itself an einsum of the cotangent and the
    other operands (`einsum_adjoint_subscripts`): the operand repeats no letter, and each of
    its letters is in the output or in another operand (and there is no '...')."""
    ins, out = einsum_subscripts(subscripts)
    s = ins[k]
    elsewhere = "".join(ins[:k] + ins[k + 1:]) + out
    return "." not in subscripts and len(set(s)) == len(s) and all(c in elsewhere for c in s)


def einsum_adjoint_subscripts(subscripts, k):
    """The subscripts of the adjoint of the `k`-th operand: the cotangent (with the output's
    subscripts) and the other operands, giving the `k`-th operand's subscripts."""
    ins, out = einsum_subscripts(subscripts)
    return ",".join([out] + ins[:k] + ins[k + 1:]) + "->" + ins[k]


def _einsum_letters(subscripts, ndims):
    """The einsum's input and output subscripts, explicit, with '...' replaced by letters
    it does not use (aligned on the right, as NumPy broadcasts them)."""
    import string
    ins, out = einsum_subscripts(subscripts)
    free = [c for c in string.ascii_letters if c not in subscripts]
    spans = [nd - (len(s) - 3) if "..." in s else 0 for s, nd in zip(ins, ndims)]
    ell = "".join(free[:max(spans, default=0)])
    ins = [s.replace("...", ell[len(ell) - n:] if n else "") for s, n in zip(ins, spans)]
    return ins, out.replace("...", ell)


def einsum_adjoint(g, subscripts, k, *operands):
    """The adjoint of the `k`-th operand of `np.einsum(subscripts, *operands)`, in general:
    an einsum over the letters of that operand that occur elsewhere, broadcast along
    the ones that do not, and put on the diagonal where it repeats a letter."""
    ins, out = _einsum_letters(subscripts, [np.ndim(x) for x in operands])
    s = ins[k]
    unique = "".join(dict.fromkeys(s))
    others = ins[:k] + ins[k + 1:]
    elsewhere = "".join(others) + out
    kept = "".join(c for c in unique if c in elsewhere)
    t = np.einsum(",".join([out] + others) + "->" + kept, g, *operands[:k], *operands[k + 1:])
    sizes = dict(zip(s, np.shape(operands[k])))
    missing = [i for i, c in enumerate(unique) if c not in kept]
    if missing:   # letters of this operand alone: summed over, so the adjoint is constant
        t = np.expand_dims(t, missing)
        t = np.broadcast_to(t, [np.shape(t)[i] if c in kept else sizes[c]
                                for i, c in enumerate(unique)])
    if len(unique) < len(s):   # a repeated letter: a diagonal
        out_arr = np.zeros([np.shape(t)[unique.index(c)] for c in s], dtype=np.result_type(t, 1.0))
        grid = np.indices(np.shape(t))
        out_arr[tuple(grid[unique.index(c)] for c in s)] = t
        t = out_arr
    return unbroadcast(t, operands[k])


def rearrangement_adjoint(g, x, fn, *args, **kwargs):
    """The adjoint of `x` in `fn(x, *args, **kwargs)` for a function that only moves
    elements (np.concatenate, np.stack, ... of one array): `fn` applied to the indices of
    x's elements says where each one went."""
    index = fn(np.reshape(np.arange(np.size(x)), np.shape(x)), *args, **kwargs)
    out = np.zeros(np.size(x), dtype=np.result_type(g, 1.0))
    out[np.ravel(index)] = np.ravel(np.broadcast_to(g, np.shape(index)))
    return np.reshape(out, np.shape(x))


# --- helpers of the NumPy 2 and array-API rules (rules/array_api.py) --------------------------

def trapezoid_weights(y, x=None, dx=1.0, axis=-1):
    """The partial derivatives of `np.trapezoid(y, x, dx, axis)` with respect to `y`: half
    the width of the interval on each side of every sample, laid along `axis` so that they
    broadcast against `y` (x a 1-D array of sample points, or one of y's shape)."""
    nd = np.ndim(y)
    n = np.shape(y)[axis]
    if x is None:
        widths = np.full(max(n - 1, 0), dx, dtype=float_type(y, dx))
        along = [1] * nd
        along[axis] = -1
        widths = np.reshape(widths, along)
    elif np.ndim(x) == 1:
        along = [1] * nd
        along[axis] = -1
        widths = np.reshape(np.diff(x), along)
    else:
        widths = np.diff(x, axis=axis)
    widths = np.moveaxis(np.asarray(widths, dtype=float_type(widths)), axis, -1)
    w = np.zeros(np.shape(widths)[:-1] + (n,), dtype=widths.dtype)
    w[..., 1:] += widths / 2.0
    w[..., :-1] += widths / 2.0
    return np.moveaxis(w, -1, axis)


def _gradient_axes(f, axis):
    """The axes along which `np.gradient(f, axis=axis)` differentiates, non-negative."""
    nd = np.ndim(f)
    if axis is None:
        return tuple(range(nd))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % nd for a in axes)


def _gradient_transpose(g, axis, n, spacing, edge_order):
    """The transpose of np.gradient along one axis (of length n) applied to `g`.

    Along the axis, np.gradient is a matrix M whose row i involves the columns i-1, i, i+1
    (rows 0 and n-1: three columns at that end). Three columns next to each other differ
    modulo 3, so applying np.gradient to the vectors e_r (ones where j % 3 == r) reads off
    each M[i, j] as e_{j % 3}'s gradient at i, whatever the spacing and edge order."""
    i = np.arange(n)
    probes = np.array([np.gradient((i % 3 == r).astype(float),
                                   *(() if spacing is None else (spacing,)),
                                   edge_order=edge_order) for r in range(3)])
    g = np.moveaxis(np.asarray(g), axis, -1)
    out = np.zeros(np.shape(g), dtype=np.result_type(g, 1.0))
    for d in range(-2, 3):   # out[j] += M[i, j] g[i] for the rows i = j - d
        rows = i[(i + d >= 0) & (i + d < n)]
        if abs(d) == 2:      # two columns away: only the first row (d = 2) and the last
            rows = rows[rows == (0 if d > 0 else n - 1)]
        out[..., rows + d] += g[..., rows] * probes[(rows + d) % 3, rows]
    return np.moveaxis(out, -1, axis)


def gradient_adjoint(g, f, spacing=None, axis=None, edge_order=1):
    """The cotangent of `f` in `np.gradient(f, spacing, axis=axis, edge_order=edge_order)`
    (one spacing: a number, or the sample points of the one axis). Where np.gradient
    returns one array per axis, `g` holds their cotangents stacked (g[k] for axis k)."""
    axes = _gradient_axes(f, axis)
    out = zeros_like(np.asarray(f))
    for k, ax in enumerate(axes):
        gk = g[k] if len(axes) > 1 else g
        out = out + _gradient_transpose(np.broadcast_to(gk, np.shape(f)), ax,
                                        np.shape(f)[ax], spacing, edge_order)
    return out


# arrays that lists built at run time still show after a write (generated code calls
# them as sad_rt.refreshed and so on)
from .refresh import (laid_out_like, refreshed, refreshed_adjoint,  # noqa: E402,F401
                      refreshed_adjoint_new, refreshed_tangent, reseated, written_through,
                      written_through_adjoint, written_through_adjoint_new,
                      written_through_tangent)
# an item assignment whose value may be a view into the array written
from .overlap import (set_item_overlapping, set_item_overlapping_adjoint,  # noqa: E402,F401
                      set_item_overlapping_adjoint_value, set_item_overlapping_tangent)
