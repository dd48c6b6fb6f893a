"""Shape, joining and indexing functions, in forward and reverse mode, against finite
differences.

One row per function and keyword variant, each with the argument shapes to try; every
case runs `check_grads` (JVP and VJP against central differences) at several random
points (the harness of tests/test_primitives.py). Integer and boolean arguments (indices,
masks) are not differentiated.
"""

import numpy as np
import pytest

import sourcead as sad
from test_primitives import DOMAINS, F, NP64, SEEDS, shapes_id


def _index_domain(n):
    return lambda rng, shape: rng.integers(-n, n, shape)


def _distinct(rng, shape):
    # values at least 0.1 apart: sorting has no ties, and eps-perturbations keep the order
    n = int(np.prod(shape, dtype=int))
    return (rng.permutation(n) * 0.3 + rng.uniform(-0.1, 0.1, n)).reshape(shape) - 0.15 * n


def _knots(rng, shape):
    # increasing sample points for interp, at least 0.5 apart
    return np.cumsum(rng.uniform(0.5, 1.5, shape)) - 2.0


def _inside(rng, shape):
    # interpolation points inside and outside the knots' range, never on a knot
    x = rng.uniform(-3.0, 5.0, shape)
    return x


def _counts(rng, shape):
    # repeat counts 0, 1 or 2, not all 0 (then the result is empty, and check_grads has
    # nothing to compare: it refuses)
    counts = rng.integers(0, 3, shape)
    if not np.any(counts):
        counts.flat[0] = 1
    return counts


def _mask(rng, shape):
    # a boolean index that selects something (else check_grads has nothing to compare)
    mask = rng.random(shape) < 0.5
    if not np.any(mask):
        mask.flat[0] = True
    return mask


SHAPE_DOMAINS = {
    "idx2": _index_domain(2),        # indices into an axis of length >= 2 (negative too)
    "idx3": _index_domain(3),
    "pos-idx3": _counts,
    "mask": _mask,
    "distinct": _distinct,
    "knots": _knots,
    "points": _inside,
}


def draw(domain, shape, rng):
    if domain in SHAPE_DOMAINS:
        return np.asarray(SHAPE_DOMAINS[domain](rng, () if shape in (F, NP64) else shape))
    if shape == F:
        return float(DOMAINS[domain](rng, ()))
    if shape == NP64:
        return np.float64(DOMAINS[domain](rng, ()))
    return np.asarray(DOMAINS[domain](rng, shape))


def run_check(fn, domains, shapes, seeds=SEEDS):
    for seed in seeds:
        rng = np.random.default_rng(seed)
        args = tuple(draw(d, s, rng) for d, s in zip(domains, shapes))
        try:
            sad.check_grads(fn, args, seed=seed)
        except AssertionError as e:
            raise AssertionError(f"{fn.__name__} at seed {seed}, args {args!r}:\n{e}") from None


def cases(rows):
    out = []
    for name, fn, domains, shapes_list in rows:
        for shapes in shapes_list:
            out.append(pytest.param(fn, domains, shapes, id=f"{name}[{shapes_id(shapes)}]"))
    return out


# --- shapes ---------------------------------------------------------------------------------

def reshape_pos(x): return np.reshape(x, (3, 2))
def reshape_m1(x): return np.reshape(x, (-1,)) * np.arange(6.0)
def reshape_kw(x): return np.reshape(x, shape=(2, 1, 3))
def reshape_f(x): return np.sin(np.reshape(x, (3, 2), order="F"))
def reshape_like(x, y): return np.reshape(x, np.shape(y)) * y
def ravel(x): return np.ravel(x) ** 2
def ravel_f(x): return np.ravel(x, order="F") * np.arange(np.size(x))
def transpose(x): return np.transpose(x) * 2.0
def transpose_axes(x): return np.sin(np.transpose(x, (1, 2, 0)))
def transpose_neg(x): return np.transpose(x, (-1, 0, -2)) ** 2
def swapaxes(x): return np.swapaxes(x, 0, 2) ** 2
def swapaxes_neg(x): return np.swapaxes(x, -1, 0) * np.arange(2.0)
def moveaxis(x): return np.moveaxis(x, 0, -1) ** 2
def moveaxis_tuple(x): return np.moveaxis(x, (0, 1), (2, 0)) ** 2
def squeeze(x): return np.squeeze(x) ** 2
def squeeze_axis(x): return np.squeeze(x, axis=1) ** 2
def squeeze_neg(x): return np.squeeze(x, -1) ** 2
def expand_dims(x): return np.expand_dims(x, 0) ** 2
def expand_dims_neg(x): return np.expand_dims(x, axis=-1) * np.ones(4)
def expand_dims_tuple(x): return np.expand_dims(x, (0, 2)) ** 2
def broadcast_to(x): return np.sin(np.broadcast_to(x, (4, 2, 3)))
def broadcast_to_like(x, y): return np.broadcast_to(x, np.shape(y)) * y
def atleast_1d(x): return np.atleast_1d(x) ** 2
def atleast_2d(x): return np.atleast_2d(x) ** 2
def atleast_3d(x): return np.atleast_3d(x) ** 2

SHAPES = [
    ("reshape", reshape_pos, ("real",), [((6,),), ((2, 3),), ((3, 1, 2),)]),
    ("reshape(-1)", reshape_m1, ("real",), [((2, 3),), ((6,),)]),
    ("reshape(shape=)", reshape_kw, ("real",), [((6,),), ((3, 2),)]),
    ("reshape(order=F)", reshape_f, ("real",), [((2, 3),)]),
    ("reshape(shape(y))", reshape_like, ("real", "real"), [((6,), (2, 3)), ((2, 3), (3, 2))]),
    ("ravel", ravel, ("real",), [((),), ((3,),), ((2, 3),), ((2, 1, 3),)]),
    ("ravel(order=F)", ravel_f, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("transpose", transpose, ("real",), [((3,),), ((2, 3),), ((2, 3, 4),)]),
    ("transpose(axes)", transpose_axes, ("real",), [((2, 3, 4),)]),
    ("transpose(negative axes)", transpose_neg, ("real",), [((2, 3, 4),)]),
    ("swapaxes", swapaxes, ("real",), [((2, 3, 4),)]),
    ("swapaxes(negative)", swapaxes_neg, ("real",), [((2, 3, 4),)]),
    ("moveaxis", moveaxis, ("real",), [((2, 3),), ((2, 3, 4),)]),
    ("moveaxis(tuples)", moveaxis_tuple, ("real",), [((2, 3, 4),)]),
    ("squeeze", squeeze, ("real",), [((1,),), ((3, 1),), ((1, 3, 1, 2),)]),
    ("squeeze(axis=1)", squeeze_axis, ("real",), [((3, 1),), ((2, 1, 3),)]),
    ("squeeze(-1)", squeeze_neg, ("real",), [((3, 1),), ((2, 3, 1),)]),
    ("expand_dims", expand_dims, ("real",), [((),), ((3,),), ((2, 3),)]),
    ("expand_dims(axis=-1)", expand_dims_neg, ("real",), [((3,),), ((2, 3),)]),
    ("expand_dims(tuple)", expand_dims_tuple, ("real",), [((3,),), ((2, 3),)]),
    ("broadcast_to", broadcast_to, ("real",), [(F,), ((),), ((3,),), ((2, 1),), ((1, 2, 3),)]),
    ("broadcast_to(shape(y))", broadcast_to_like, ("real", "real"),
     [((3,), (2, 3)), ((2, 1), (2, 3)), (F, (2, 3))]),
    ("atleast_1d", atleast_1d, ("real",), [(F,), ((),), ((3,),), ((2, 3),)]),
    ("atleast_2d", atleast_2d, ("real",), [(F,), ((),), ((3,),), ((2, 3),)]),
    ("atleast_3d", atleast_3d, ("real",), [((),), ((3,),), ((2, 3),), ((2, 3, 2),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(SHAPES))
def test_shape(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- joining arrays: tuples and lists of arrays, each with its own derivative ----------------

def concat2(a, b): return np.sin(np.concatenate((a, b)))
def concat_list_axis1(a, b): return np.concatenate([a, b * b], axis=1) ** 2
def concat_axis_m1(a, b): return np.concatenate((a, b), -1) ** 2
def concat_none(a, b): return np.concatenate((a, b), axis=None) * np.arange(np.size(a) + np.size(b))
def concat_none_pos(a, b): return np.concatenate([a, b], None) ** 2
def concat3_reused(a, b): return np.concatenate((a, b, a)) ** 2
def concat1(a): return np.concatenate((a,)) ** 2
def concat_const(a): return np.concatenate((a, np.ones(2), a)) ** 2
def concat_named(a, b):
    parts = (a, np.sin(b))
    return np.concatenate(parts, axis=0) ** 2
def stack2(a, b): return np.stack((a, b)) ** 2
def stack_axis1(a, b): return np.stack([a, b, a * b], axis=1) ** 2
def stack_axis_m1(a, b): return np.stack((a, b), axis=-1) ** 2
def stack_scalars(a, b): return np.stack((a, b * a)) ** 2
def hstack(a, b): return np.hstack((a, b)) ** 2
def vstack(a, b): return np.vstack([a, b]) ** 2
def column_stack(a, b): return np.column_stack((a, b)) ** 2
def array_of(a, b): return np.array([a, a * b, 2.0]) ** 2
def array_of_arrays(a, b): return np.array((a, b)) ** 2
def asarray_of(a, b): return np.asarray((a, b)) ** 2
# one array rather than a sequence written in the call
def concat_array(x): return np.concatenate(x, axis=1) * np.arange(np.shape(x)[0] * np.shape(x)[-1])
def concat_array_none(x): return np.concatenate(x, None) ** 2
def stack_array(x): return np.stack(x, axis=-1) ** 2 * np.arange(np.shape(x)[0])
def hstack_array(x): return np.hstack(x) ** 3
def vstack_array(x): return np.vstack(x) ** 2 * np.arange(np.shape(x)[-1])
def column_stack_array(x): return np.column_stack(x) ** 3
def array_copy(x): return np.array(x) ** 2
def asarray_copy(x): return np.asarray(x) * x

JOINING = [
    ("concatenate", concat2, ("real", "real"), [((3,), (2,)), ((2, 3), (1, 3))]),
    ("concatenate(list, axis=1)", concat_list_axis1, ("real", "real"), [((2, 3), (2, 1))]),
    ("concatenate(axis=-1)", concat_axis_m1, ("real", "real"), [((2, 3), (2, 2)), ((3,), (1,))]),
    ("concatenate(axis=None)", concat_none, ("real", "real"), [((2, 3), (4,)), ((2,), (3, 1))]),
    ("concatenate(list, None)", concat_none_pos, ("real", "real"), [((2, 3), (4,))]),
    ("concatenate(a,b,a)", concat3_reused, ("real", "real"), [((3,), (2,)), ((1, 2), (2, 2))]),
    ("concatenate((a,))", concat1, ("real",), [((3,),)]),
    ("concatenate(constants)", concat_const, ("real",), [((3,),)]),
    ("concatenate(named tuple)", concat_named, ("real", "real"), [((3,), (2,))]),
    ("stack", stack2, ("real", "real"), [(F, F), ((3,), (3,)), ((2, 3), (2, 3))]),
    ("stack(axis=1)", stack_axis1, ("real", "real"), [((3,), (3,)), ((2, 3), (2, 3))]),
    ("stack(axis=-1)", stack_axis_m1, ("real", "real"), [((3,), (3,)), ((2, 3), (2, 3))]),
    ("stack(numbers)", stack_scalars, ("real", "real"), [(F, F), (NP64, F), ((), ())]),
    ("hstack", hstack, ("real", "real"), [(F, (2,)), ((3,), (2,)), ((2, 3), (2, 1))]),
    ("vstack", vstack, ("real", "real"), [((3,), (3,)), ((3,), (2, 3)), ((1, 2), (3, 2))]),
    ("column_stack", column_stack, ("real", "real"), [((3,), (3,)), ((3,), (3, 2))]),
    ("array([a,a*b,2])", array_of, ("real", "real"), [(F, F), (NP64, ())]),
    ("array((a,b))", array_of_arrays, ("real", "real"), [(F, F), ((2, 3), (2, 3))]),
    ("asarray((a,b))", asarray_of, ("real", "real"), [(F, F), ((3,), (3,))]),
    ("concatenate(X, axis=1)", concat_array, ("real",), [((2, 3, 2),)]),
    ("concatenate(X, None)", concat_array_none, ("real",), [((2, 3),)]),
    ("stack(X, axis=-1)", stack_array, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("hstack(X)", hstack_array, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("vstack(X)", vstack_array, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("column_stack(X)", column_stack_array, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("array(x)", array_copy, ("real",), [((3,),), ((2, 3),)]),
    ("asarray(x)", asarray_copy, ("real",), [((3,),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(JOINING))
def test_joining(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- copies and rearrangements ----------------------------------------------------------------

def tile(x): return np.tile(x, 2) ** 2 * np.arange(2 * np.shape(x)[-1])
def tile_tuple(x): return np.sin(np.tile(x, (2, 1, 3)))
def repeat(x): return np.repeat(x, 2) ** 2 * np.arange(2 * np.size(x))
def repeat_axis(x): return np.sin(np.repeat(x, 3, axis=1))
def repeat_counts(x, r): return np.repeat(x, r, axis=0) ** 2
def flip(x): return np.flip(x) * np.arange(np.size(x)).reshape(np.shape(x))
def flip_axis(x): return np.flip(x, 0) ** 2 * np.arange(np.shape(x)[-1])
def flip_axes(x): return np.flip(x, axis=(0, -1)) ** 2 * np.arange(np.shape(x)[-1])
def fliplr(x): return np.fliplr(x) ** 2 * np.arange(np.shape(x)[-1])
def flipud(x): return np.flipud(x) ** 2 * np.arange(np.shape(x)[-1])
def rot90(x): return np.rot90(x) ** 2 * np.arange(np.shape(x)[0])
def rot90_k(x): return np.sin(np.rot90(x, 3)) * np.arange(np.shape(x)[0])
def rot90_axes(x): return np.sin(np.rot90(x, 1, axes=(1, 2)))
def roll(x): return np.roll(x, 2) * np.arange(np.size(x)).reshape(np.shape(x))
def roll_axis(x): return np.roll(x, -1, axis=1) ** 2 * np.arange(np.shape(x)[-1])
def roll_tuple(x): return np.roll(x, (1, 2), axis=(0, 1)) ** 2 * np.arange(np.shape(x)[-1])
def pad_const(x): return np.pad(x, 1) ** 2
def pad_widths(x): return np.pad(x, ((1, 0), (2, 1)), constant_values=3.0) ** 2
def pad_edge(x): return np.pad(x, 2, mode="edge") ** 2
def pad_reflect(x): return np.pad(x, (2, 1), mode="reflect") ** 2
def pad_symmetric(x): return np.pad(x, 1, mode="symmetric") ** 2
def pad_wrap(x): return np.pad(x, ((0, 2), (1, 1)), "wrap") ** 2
def triu(x): return np.triu(x) ** 2
def triu_k(x): return np.sin(np.triu(x, 1))
def tril(x): return np.tril(x) ** 2
def tril_k(x): return np.sin(np.tril(x, -1))
def diff(x): return np.diff(x) ** 2
def diff_n2(x): return np.diff(x, n=2) ** 2
def diff_axis0(x): return np.diff(x, axis=0) ** 2
def diff_prepend(x): return np.diff(x, prepend=1.0, append=np.ones((2, 2))) ** 2
def diff_prepend_only(x): return np.diff(x, 2, 0, prepend=np.zeros((1, 3))) ** 2

REARRANGING = [
    ("tile", tile, ("real",), [((3,),), ((2, 3),)]),
    ("tile(tuple)", tile_tuple, ("real",), [((3,),), ((2, 3),), ((2, 1, 2),)]),
    ("repeat", repeat, ("real",), [((3,),), ((2, 3),)]),
    ("repeat(axis=1)", repeat_axis, ("real",), [((2, 3),), ((2, 2, 3),)]),
    ("repeat(counts, axis=0)", repeat_counts, ("real", "pos-idx3"), [((3,), (3,)), ((3, 2), (3,))]),
    ("flip", flip, ("real",), [((3,),), ((2, 3),)]),
    ("flip(0)", flip_axis, ("real",), [((3,),), ((2, 3),)]),
    ("flip(axis=(0,-1))", flip_axes, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("fliplr", fliplr, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("flipud", flipud, ("real",), [((3,),), ((2, 3),)]),
    ("rot90", rot90, ("real",), [((2, 3),)]),
    ("rot90(k=3)", rot90_k, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("rot90(axes=(1,2))", rot90_axes, ("real",), [((2, 3, 4),)]),
    ("roll", roll, ("real",), [((4,),), ((2, 3),)]),
    ("roll(axis=1)", roll_axis, ("real",), [((2, 3),)]),
    ("roll(tuples)", roll_tuple, ("real",), [((2, 3),), ((3, 4, 2),)]),
    ("pad", pad_const, ("real",), [((3,),), ((2, 3),)]),
    ("pad(widths, constant_values)", pad_widths, ("real",), [((2, 3),)]),
    ("pad(edge)", pad_edge, ("real",), [((3,),), ((2, 3),)]),
    ("pad(reflect)", pad_reflect, ("real",), [((4,),), ((3, 3),)]),
    ("pad(symmetric)", pad_symmetric, ("real",), [((3,),), ((2, 3),)]),
    ("pad(wrap)", pad_wrap, ("real",), [((2, 3),)]),
    ("triu", triu, ("real",), [((3,),), ((3, 3),), ((2, 3, 4),)]),
    ("triu(k=1)", triu_k, ("real",), [((3, 4),)]),
    ("tril", tril, ("real",), [((3,),), ((3, 3),), ((2, 4, 3),)]),
    ("tril(k=-1)", tril_k, ("real",), [((4, 3),)]),
    ("diff", diff, ("real",), [((4,),), ((2, 3),)]),
    ("diff(n=2)", diff_n2, ("real",), [((5,),), ((2, 4),)]),
    ("diff(axis=0)", diff_axis0, ("real",), [((3, 2),)]),
    ("diff(prepend, append)", diff_prepend, ("real",), [((2, 3),)]),
    ("diff(2, 0, prepend)", diff_prepend_only, ("real",), [((3, 3),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(REARRANGING))
def test_rearranging(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- selecting elements, sorting --------------------------------------------------------------

def take(x, i): return np.take(x, i) ** 2
def take_axis(x, i): return np.sin(np.take(x, i, axis=1))
def take_wrap(x, i): return np.take(x, i + 5, axis=0, mode="wrap") ** 2
def take_clip(x, i): return np.take(x, i * 3, mode="clip") ** 2
def take_along(x, i): return np.take_along_axis(x, i, axis=1) ** 2
def take_along_m1(x, i): return np.take_along_axis(x, i, -1) ** 2
def take_along_0(x, i): return np.take_along_axis(x, i, axis=0) ** 2
def take_along_none(x, i): return np.take_along_axis(x, i, None) ** 2
def take_along_none_kw(x, i): return np.take_along_axis(x, i, axis=None) ** 2
def diag(x): return np.diag(x) ** 2
def diag_k(x): return np.sin(np.diag(x, 1))
def diag_neg_k(x): return np.sin(np.diag(x, k=-1))
def diagonal(x): return np.diagonal(x) ** 2
def diagonal_offset(x): return np.diagonal(x, 1) ** 2
def diagonal_axes(x): return np.diagonal(x, -1, 1, 2) ** 2
def diagonal_kw(x): return np.diagonal(x, offset=1, axis1=-1, axis2=0) ** 2
def trace(x): return np.trace(x) ** 2
def trace_offset(x): return np.trace(x, -1) ** 2
def trace_axes(x): return np.trace(x, 0, 1, 2) ** 2
def sort(x): return np.sort(x) * np.arange(np.shape(x)[-1])
def sort_axis0(x): return np.sort(x, axis=0) * np.arange(np.shape(x)[0])[:, None]
def sort_none(x): return np.sort(x, None) * np.arange(np.size(x))
def sort_none_kw(x): return np.sort(x, axis=None) * np.arange(np.size(x))
def sort_kind(x): return np.sort(x, kind="stable") ** 3

SELECTING = [
    ("take", take, ("real", "idx3"), [((3,), ()), ((2, 3), (4,)), ((2, 3), (2, 2))]),
    ("take(axis=1)", take_axis, ("real", "idx3"), [((2, 3), ()), ((2, 3, 2), (4,))]),
    ("take(mode=wrap)", take_wrap, ("real", "idx3"), [((3, 2), (4,))]),
    ("take(mode=clip)", take_clip, ("real", "idx3"), [((2, 3), (5,))]),
    ("take_along_axis(axis=1)", take_along, ("real", "idx3"), [((2, 3), (2, 4)), ((2, 3), (1, 2))]),
    ("take_along_axis(-1)", take_along_m1, ("real", "idx3"),
     [((3,), (5,)), ((2, 2, 3), (2, 2, 4))]),
    ("take_along_axis(axis=0)", take_along_0, ("real", "idx2"), [((2, 3), (4, 3))]),
    ("take_along_axis(None)", take_along_none, ("real", "idx3"), [((3, 2), (5,))]),
    ("diag(vector)", diag, ("real",), [((3,),)]),
    ("diag(matrix)", diag, ("real",), [((3, 3),), ((2, 4),), ((4, 2),)]),
    ("diag(k=1)", diag_k, ("real",), [((3,),), ((3, 4),)]),
    ("diag(k=-1)", diag_neg_k, ("real",), [((2,),), ((4, 3),)]),
    ("diagonal", diagonal, ("real",), [((3, 3),), ((2, 4),), ((2, 3, 4),)]),
    ("diagonal(1)", diagonal_offset, ("real",), [((3, 3),), ((3, 2, 2),)]),
    ("diagonal(-1, 1, 2)", diagonal_axes, ("real",), [((2, 3, 4),)]),
    ("diagonal(offset=1, axis1=-1, axis2=0)", diagonal_kw, ("real",), [((3, 2, 4),)]),
    ("trace", trace, ("real",), [((3, 3),), ((2, 4),), ((3, 3, 2),)]),
    ("trace(-1)", trace_offset, ("real",), [((3, 3),)]),
    ("trace(0, 1, 2)", trace_axes, ("real",), [((2, 3, 3),)]),
    ("sort", sort, ("distinct",), [((4,),), ((2, 3),)]),
    ("sort(axis=0)", sort_axis0, ("distinct",), [((3,),), ((3, 2),)]),
    ("sort(None)", sort_none, ("distinct",), [((2, 3),)]),
    ("sort(kind=stable)", sort_kind, ("distinct",), [((2, 3),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(SELECTING))
def test_selecting(fn, domains, shapes):
    run_check(fn, domains, shapes)


# `axis=None` is not the default of np.sort and np.take_along_axis (-1): opt.simplify must
# keep it (it drops a keyword only where it equals the function's own default).
@pytest.mark.parametrize("fn, domains, shapes", cases([
    ("sort(axis=None)", sort_none_kw, ("distinct",), [((2, 3),)]),
    ("take_along_axis(axis=None)", take_along_none_kw, ("real", "idx3"), [((3, 2), (5,))]),
]))
def test_axis_none_keyword(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- interpolation and ranges -------------------------------------------------------------------

def interp(x, xp, fp): return np.interp(x, xp, fp)
def interp_left_right(x, xp, fp): return np.interp(x, xp, fp, left=-1.0, right=2.0)
def interp_sin(x, xp, fp): return np.sin(np.interp(x, xp, fp)) * x
def linspace(a, b): return np.linspace(a, b, 5) ** 2
def linspace_open(a, b): return np.sin(np.linspace(a, b, num=4, endpoint=False))
def linspace_axis(a, b): return np.linspace(a, b, 3, axis=-1) ** 2

RANGES = [
    ("interp", interp, ("points", "knots", "real"), [(F, (4,), (4,)), ((), (3,), (3,)),
                                                     ((5,), (4,), (4,)), ((2, 3), (5,), (5,))]),
    ("interp(left, right)", interp_left_right, ("points", "knots", "real"),
     [((6,), (4,), (4,))]),
    ("interp-chain", interp_sin, ("points", "knots", "real"), [((5,), (3,), (3,))]),
    ("linspace", linspace, ("real", "real"), [(F, F), ((), ()), ((3,), (3,)), ((2, 1), (3,))]),
    ("linspace(num=4, endpoint=False)", linspace_open, ("real", "real"), [(F, F), ((2,), F)]),
    ("linspace(axis=-1)", linspace_axis, ("real", "real"), [((2,), (2,)), ((2, 3), F)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(RANGES))
def test_ranges(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- indexing: basic, advanced, boolean, Ellipsis and newaxis ------------------------------------

def ix_int(x): return x[1] ** 2
def ix_neg(x): return x[-1] ** 2
def ix_slice(x): return x[1:3] ** 2
def ix_step(x): return x[::-2] ** 2
def ix_2d(x): return x[1, 2] ** 2
def ix_row_slice(x): return x[:, 1:] ** 2
def ix_ellipsis(x): return x[..., 0] ** 2
def ix_ellipsis_mid(x): return x[0, ..., 1:] ** 2
def ix_newaxis(x): return x[None] * x[:, None]
def ix_newaxis_ellipsis(x): return x[..., None, :] ** 2
def ix_array(x, i): return x[i] ** 2
def ix_array_col(x, i): return x[:, i] ** 2
def ix_arrays(x, i, j): return x[i, j] ** 2
def ix_array_slice_newaxis(x, i): return x[None, i, 1:] ** 2
def ix_mask(x): return x[x > 0] ** 2
def ix_mask_rows(x): return x[np.sum(x, axis=1) > 0] ** 2
def ix_runtime_int(x): return x[np.shape(x)[0] - 1] ** 2
def ix_runtime_slice(x):
    n = np.shape(x)[0] // 2
    return x[n:, :n] ** 2
def ix_sum_of_parts(x): return x[0] * x[1] + x[:, 0] @ x[:, 1]
def ix_apart(x, i, j): return x[i, :, j] ** 2          # advanced indices apart: their axes first
def ix_mask_slice(x): return x[x[:, 0] > 0, 1:] ** 2
def ix_mask_2d(x, c): return np.sin(x[c])
def ix_argmax(x): return x[np.argmax(x)] ** 2
def ix_repeated(x, i): return np.sin(x[i]) * x[i, None]
def ix_tuple_index(x):
    k = (1, slice(None, None, -1))
    return x[k] ** 2

INDEXING = [
    ("x[1]", ix_int, ("real",), [((3,),), ((3, 2),)]),
    ("x[-1]", ix_neg, ("real",), [((3,),), ((3, 2),)]),
    ("x[1:3]", ix_slice, ("real",), [((4,),), ((4, 2),)]),
    ("x[::-2]", ix_step, ("real",), [((5,),), ((4, 2),)]),
    ("x[1,2]", ix_2d, ("real",), [((2, 3),), ((2, 3, 2),)]),
    ("x[:,1:]", ix_row_slice, ("real",), [((2, 3),)]),
    ("x[...,0]", ix_ellipsis, ("real",), [((3,),), ((2, 3),), ((2, 2, 3),)]),
    ("x[0,...,1:]", ix_ellipsis_mid, ("real",), [((2, 3),), ((2, 2, 3),)]),
    ("x[None]*x[:,None]", ix_newaxis, ("real",), [((3,),)]),
    ("x[...,None,:]", ix_newaxis_ellipsis, ("real",), [((3,),), ((2, 3),)]),
    ("x[i]", ix_array, ("real", "idx3"), [((3,), (4,)), ((3, 2), (2, 2)), ((3,), ())]),
    ("x[:,i]", ix_array_col, ("real", "idx3"), [((2, 3), (4,))]),
    ("x[i,j]", ix_arrays, ("real", "idx2", "idx3"),
     [((2, 3), (4,), (4,)), ((2, 3, 2), (2, 1), (3,))]),
    ("x[None,i,1:]", ix_array_slice_newaxis, ("real", "idx3"), [((3, 3), (2,))]),
    ("x[x>0]", ix_mask, ("nonzero",), [((4,),), ((2, 3),)]),
    ("x[rows>0]", ix_mask_rows, ("nonzero",), [((4, 2),)]),
    ("x[n-1]", ix_runtime_int, ("real",), [((3,),), ((3, 2),)]),
    ("x[n:,:n]", ix_runtime_slice, ("real",), [((4, 4),)]),
    ("x[0]*x[1]+...", ix_sum_of_parts, ("real",), [((2, 2),)]),
    ("x[i,:,j]", ix_apart, ("real", "idx2", "idx2"), [((2, 3, 2), (3,), (3,))]),
    ("x[mask,1:]", ix_mask_slice, ("nonzero",), [((4, 3),)]),
    ("x[bool array]", ix_mask_2d, ("real", "mask"), [((2, 3), (2, 3)), ((3, 2), (3,))]),
    ("x[argmax(x)]", ix_argmax, ("even",), [((4,),)]),
    ("x[i] (repeated i)", ix_repeated, ("real", "idx2"), [((3,), (6,))]),
    ("x[(1, ::-1)]", ix_tuple_index, ("real",), [((2, 3),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(INDEXING))
def test_indexing(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- array methods and attributes, lowered to the functions above ------------------------------

def m_T(x): return x.T ** 2 * np.arange(np.shape(x)[0])
def m_reshape(x): return x.reshape(3, 2) ** 2 * np.arange(2.0)
def m_reshape_tuple(x): return x.reshape((-1,)) ** 2 * np.arange(6.0)
def m_flatten(x): return x.flatten() ** 2 * np.arange(6.0)
def m_ravel(x): return x.ravel() ** 3
def m_transpose(x): return x.transpose(1, 2, 0) ** 2 * np.arange(2.0)
def m_swapaxes(x): return x.swapaxes(0, 1) ** 3
def m_squeeze(x): return x.squeeze() ** 3
def m_repeat(x): return x.repeat(2, axis=0) ** 3
def m_take(x, i): return x.take(i) ** 3
def m_trace(x): return x.trace() ** 2
def m_diagonal(x): return x.diagonal(1) ** 3

METHODS = [
    ("x.T", m_T, ("real",), [((2, 3),)]),
    ("x.reshape(3, 2)", m_reshape, ("real",), [((6,),), ((2, 3),)]),
    ("x.reshape((-1,))", m_reshape_tuple, ("real",), [((2, 3),)]),
    ("x.flatten()", m_flatten, ("real",), [((2, 3),)]),
    ("x.ravel()", m_ravel, ("real",), [((2, 3),)]),
    ("x.transpose(1, 2, 0)", m_transpose, ("real",), [((2, 3, 2),)]),
    ("x.swapaxes(0, 1)", m_swapaxes, ("real",), [((2, 3),)]),
    ("x.squeeze()", m_squeeze, ("real",), [((2, 1, 3),)]),
    ("x.repeat(2, axis=0)", m_repeat, ("real",), [((2, 3),)]),
    ("x.take(i)", m_take, ("real", "idx3"), [((2, 3), (4,))]),
    ("x.trace()", m_trace, ("real",), [((3, 3),)]),
    ("x.diagonal(1)", m_diagonal, ("real",), [((3, 3),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(METHODS))
def test_methods(fn, domains, shapes):
    run_check(fn, domains, shapes)


# --- splitting: one output per part -----------------------------------------------------------

def split3(x):
    a, b, c = np.split(x, 3)
    return a * np.sin(c)
def split_points(x):
    a, b, c = np.split(x, [1, 3], axis=1)
    return np.sum(a) * np.sum(b ** 2) + np.sum(c)
def split_one_part(x):
    parts = np.split(x, (2,), axis=-1)
    return parts[1] ** 2
def array_split(x):
    a, b = np.array_split(x, 2)
    return np.sum(a ** 2) - np.sum(b)
def array_split_axis(x):
    a, b, c = np.array_split(x, 3, axis=1)
    return np.sum(a * a) + np.sum(np.sin(c))
def hsplit(x):
    a, b = np.hsplit(x, 2)
    return a * b
def vsplit(x):
    a, b = np.vsplit(x, [1])
    return np.sum(a) * b
def split_loop(x):
    total = 0.0
    for part in np.split(x, 2):
        total = total + np.sum(part ** 2) * np.sum(part)
    return total

SPLITTING = [
    ("split(x, 3)", split3, ("real",), [((3,),), ((6, 2),)]),
    ("split(x, [1, 3], axis=1)", split_points, ("real",), [((2, 5),)]),
    ("split(x, (2,), axis=-1)[1]", split_one_part, ("real",), [((4,),), ((2, 3),)]),
    ("array_split(x, 2)", array_split, ("real",), [((5,),), ((3, 2),)]),
    ("array_split(x, 3, axis=1)", array_split_axis, ("real",), [((2, 4),)]),
    ("hsplit", hsplit, ("real",), [((4,),), ((2, 4),)]),
    ("vsplit", vsplit, ("real",), [((3, 2),)]),
    ("split in a loop", split_loop, ("real",), [((4,),)]),
]


@pytest.mark.parametrize("fn, domains, shapes", cases(SPLITTING))
def test_splitting(fn, domains, shapes):
    run_check(fn, domains, shapes)


def split_runtime_sections(x):
    parts = np.split(x, np.shape(x)[0] // 2)
    return np.sum(parts[0])


def test_split_into_a_number_of_parts_known_only_at_run_time_is_refused():
    with pytest.raises(sad.NoDerivativeError, match="indices_or_sections must be a constant"):
        sad.grad(split_runtime_sections)(np.ones(4))


# --- the generated code: each joined array gets its own adjoint --------------------------------

def joined(a, b):
    return np.sum(np.concatenate((a, np.sin(b)), axis=1) ** 2)


def test_concatenate_gives_each_array_its_own_adjoint():
    src = sad.grad(joined, wrt=(0, 1)).source
    assert "sad_rt.concatenate(a, np.sin(b), axis=1)" in src or "sad_rt.concatenate(a," in src
    assert "concatenate_part(" in src and "unbroadcast" not in src
    only_a = sad.grad(joined, wrt=0).source
    assert only_a.count("concatenate_part(") == 1     # no adjoint for the sin(b) part


def through_branch(a, b):
    parts = (a, b) if np.sum(a) > 0 else (b, a)
    return np.concatenate(parts) * np.arange(4.0)


def test_concatenate_of_a_tuple_chosen_at_run_time():
    # the tuple is one value at run time: one argument, whose items are the same shape
    for sign in (1.0, -1.0):
        sad.check_grads(through_branch, (sign * np.ones(2), np.array([2.0, 3.0])))
