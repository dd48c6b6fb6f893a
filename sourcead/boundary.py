"""Checks at the boundary of a derivative: a tangent, cotangent or vector the caller
passes must have the structure (a single value, a tuple or list of a given length, a
dict with given keys) and the shapes of the value it goes with. Generated code would
otherwise broadcast a wrong shape silently (a (3,) cotangent for a scalar output) or
fail inside NumPy with a message about its own operands."""

import numpy as np

from .errors import ShapeError, StructureError
from .frontend.values import record_fields


def describe(value):
    """`value`'s kind, structure and shape, in words."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(sorted(map(repr, value)))
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (float, int, np.generic)):
        return f"a number ({type(value).__name__})"
    return f"a value of type {type(value).__name__}"


def _layout(like):
    """How a value like `like` is laid out, in words: what the message asks for."""
    if isinstance(like, (tuple, list)):
        return f"a {type(like).__name__} of {len(like)} (" + \
            ", ".join(_layout(v) for v in like) + ")"
    if isinstance(like, dict):
        return "a dict {" + ", ".join(f"{k!r}: {_layout(v)}" for k, v in like.items()) + "}"
    shape = np.shape(like)
    return "a number" if shape == () else f"an array of shape {shape}"


def check_like(value, like, what, of):
    """Raise StructureError or ShapeError unless `value` has the structure and shapes of
    `like`. `what` names the value ("the cotangent"), `of` what it goes with ("the
    output of f"); a tuple and a list of the same length pass for one another."""
    _check(value, like, what, of, "")


def _dataclass_fields(x):
    """A dataclass value's field names (a named tuple is a tuple here), else None."""
    return None if isinstance(x, tuple) else record_fields(type(x))


def _check(value, like, what, of, path):
    where = f"item {path} of {of}" if path else of
    fields = _dataclass_fields(like)
    if fields is not None:
        if type(value) is not type(like):
            raise StructureError(f"{what} for {where} must be a {type(like).__name__}, like it; "
                                 f"got {describe(value)}")
        for name in fields:
            _check(getattr(value, name), getattr(like, name), what, of, f"{path}.{name}")
        return
    if isinstance(like, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(like):
            raise StructureError(f"{what} for {where} must have its structure, {_layout(like)}; got "
                                 f"{describe(value)}")
        for k, (v, item) in enumerate(zip(value, like)):
            _check(v, item, what, of, f"{path}[{k}]")
        return
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            raise StructureError(f"{what} for {where} must have its structure, {_layout(like)}; got "
                                 f"{describe(value)}")
        for k in like:
            _check(value[k], like[k], what, of, f"{path}[{k!r}]")
        return
    if value is None or isinstance(value, (tuple, list, dict)):
        raise StructureError(f"{what} for {where} must have its structure, {_layout(like)}; got "
                             f"{describe(value)}")
    if np.shape(value) != np.shape(like):
        raise ShapeError(f"{what} for {where} has shape {np.shape(value)}, but it has shape "
                         f"{np.shape(like)}: pass {_layout(like)}")


def leaves_like(value, like):
    """The leaves of `value` (checked by `check_like`) in the order of `like`'s: a dict's
    by `like`'s keys, whatever order `value` lists them in."""
    fields = _dataclass_fields(like)
    if fields is not None:
        return [leaf for f in fields for leaf in leaves_like(getattr(value, f), getattr(like, f))]
    if isinstance(like, (tuple, list)):
        return [leaf for v, item in zip(value, like) for leaf in leaves_like(v, item)]
    if isinstance(like, dict):
        return [leaf for k in like for leaf in leaves_like(value[k], like[k])]
    return [value]
