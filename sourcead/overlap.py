"""Run-time helpers for `x[index] = v` where `v` may be a view into x's own memory.

NumPy does not always read such a `v` before writing: `flat[::2] = flat[1:7]`
copies element by element, so a later element reads what an earlier one just
wrote, while `a[1:] = a[:-1]` and `M[:] = M.T` are buffered. Which of the two
happens depends on NumPy's version, the strides and the index, so sourcead does not
guess: `assignment_sources` runs NumPy's own assignment on an array of positions
laid out like x's memory (x and v at the same offsets and strides), which says,
for each element of x after the write, which element of x or of v it holds. That
makes the write a gather: `set_item_overlapping` takes those elements, its tangent
takes the same elements of the tangents, and its adjoints add the cotangent back
where each came from. All four are linear in their first operands and each is the
transpose of another, so derivatives of any order close over them.

Where `v` does not overlap x (the usual case, one bounds check), all of this is an
ordinary `set_item`.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .refresh import _address, _offsets

# the unsigned integers that stand for elements of each size (complex128, sixteen
# bytes, carries its position in its real part)
_POSITIONS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def assignment_sources(x, index, v):
    """None where `x[index] = v` reads v before writing (v is no view into x's memory),
    else an integer array of x's shape: for each element of x after NumPy's write, the
    C-order position in concatenate([ravel(x), ravel(v)]) of the element it holds."""
    if not (isinstance(x, np.ndarray) and isinstance(v, np.ndarray)) or \
            x.size == 0 or v.size == 0 or not _may_overlap(x, index, v):
        return None
    size = x.itemsize
    at_x, at_v = _offsets(x) + _address(x), _offsets(v) + _address(v)
    lo = min(at_x.min(), at_v.min())
    n = (max(at_x.max(), at_v.max()) - lo) // size + 1
    if v.dtype != x.dtype or any((a - lo) % size for a in (_address(x), _address(v))) or \
            any(s % size for s in x.strides + v.strides) or \
            size not in _POSITIONS and x.dtype != np.complex128:
        raise NotImplementedError(
            "sourcead cannot differentiate an item assignment whose value is a view "
            f"into the array written of another type or alignment ({v.dtype} into "
            f"{x.dtype}): assign a .copy() of the value")
    held = _positions_after(x, index, v, lo, n)
    lookup = np.full(n, -1, dtype=np.intp)
    lookup[((at_v - lo) // size).ravel()] = x.size + np.arange(v.size)
    lookup[((at_x - lo) // size).ravel()] = np.arange(x.size)
    return lookup[held]


def _may_overlap(x, index, v):
    """Whether v may share memory with the part of x that `x[index] = v` writes (exactly
    where that is cheap to tell: a row of a matrix written from another row is not)."""
    if not np.may_share_memory(x, v):
        return False
    parts = index if isinstance(index, tuple) else (index,)
    if not all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) and
               not isinstance(p, bool) for p in parts):
        return True   # an index array or a mask: the whole of x may be written
    try:
        return np.shares_memory(x[index], v, max_work=10_000)
    except getattr(np, "exceptions", np).TooHardError:   # (np.TooHardError before 1.25)
        return True


def _positions_after(x, index, v, lo, n):
    """NumPy's `x[index] = v` run on positions 0..n-1 laid out like x's and v's memory
    (which starts at address lo): the position each element of x holds afterwards. A
    position wider than the element is carried over several runs, a digit each (the
    assignment moves elements the same way whatever they hold)."""
    size = x.itemsize

    def run(buffer):
        tx = as_strided(buffer[(_address(x) - lo) // size:], x.shape, x.strides)
        tv = as_strided(buffer[(_address(v) - lo) // size:], v.shape, v.strides)
        tx[index] = tv
        return tx

    if size not in _POSITIONS:   # complex128
        return run(np.arange(n, dtype=np.float64).astype(np.complex128)).real.astype(np.intp)
    bits = 8 * size
    positions = np.arange(n, dtype=np.uint64)
    held = np.zeros(x.shape, dtype=np.uint64)
    shift = 0
    while True:
        digits = (positions >> np.uint64(shift)).astype(_POSITIONS[size])   # wraps around
        held |= run(digits).astype(np.uint64) << np.uint64(shift)
        shift += bits
        if shift >= 64 or (n - 1) >> shift == 0:
            return held.astype(np.intp)


def _both(x, v, shape):
    """concatenate([ravel(x), ravel(v)]), v (a tangent, say) taken at v's `shape`."""
    return np.concatenate([np.ravel(x), np.ravel(np.broadcast_to(v, shape))])


def set_item_overlapping(x, index, v):
    """A copy of `x` with `x[index] = v` done as NumPy does it in x's own memory, where v
    may be a view into it (see the module docstring)."""
    from .runtime import set_item
    found = assignment_sources(x, index, v)
    if found is None:
        return set_item(x, index, v)
    out = x.copy(order="K")
    out[...] = _both(x, v, np.shape(v))[found]
    return out


def set_item_overlapping_tangent(dx, dv, x, index, v):
    """The tangent of `set_item_overlapping(x, index, v)`."""
    from .runtime import set_item
    found = assignment_sources(x, index, v)
    if found is None:
        return set_item(np.broadcast_to(dx, np.shape(x)).astype(np.result_type(dx, dv)),
                        index, dv)
    return _both(np.broadcast_to(dx, np.shape(x)), dv, np.shape(v))[found]


def set_item_overlapping_adjoint(g, x, index, v):
    """The cotangent of `x` from g, the cotangent of `set_item_overlapping(x, index, v)`."""
    found = assignment_sources(x, index, v)
    if found is None:
        out = np.array(np.broadcast_to(g, np.shape(x)), dtype=np.result_type(float, g))
        out[index] = 0.0
        return out
    return _scattered(g, found, x, v)[:np.size(x)].reshape(np.shape(x))


def set_item_overlapping_adjoint_value(g, x, index, v):
    """The cotangent of `v` from g, the cotangent of `set_item_overlapping(x, index, v)`."""
    from .runtime import item_written, unbroadcast
    found = assignment_sources(x, index, v)
    if found is None:
        return unbroadcast(item_written(np.broadcast_to(g, np.shape(x)), index), v)
    return _scattered(g, found, x, v)[np.size(x):].reshape(np.shape(v))


def _scattered(g, found, x, v):
    """The transpose of the gather by `found`: g added where each element came from (in
    concatenate([ravel(x), ravel(v)]))."""
    out = np.zeros(np.size(x) + np.size(v), dtype=np.result_type(float, g))
    np.add.at(out, found.ravel(), np.broadcast_to(g, np.shape(x)).ravel())
    return out
