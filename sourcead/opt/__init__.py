"""Optimisation passes, each a function from an IR Function to an IR Function."""

from .dce import dce
from .simplify import simplify
from .zeros import materialize_zeros


def optimize(fn):
    """The standard pipeline: simplify, materialise leftover zeros, simplify, DCE."""
    fn = simplify(fn)
    fn = materialize_zeros(fn)
    fn = simplify(fn)
    return dce(fn)


__all__ = ["dce", "simplify", "materialize_zeros", "optimize"]
