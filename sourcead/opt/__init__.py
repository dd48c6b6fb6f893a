"""Optimisation passes, each a function from an IR Function to an IR Function."""

from .dce import dce
from .own import own_outputs
from .simplify import simplify
from .zeros import materialize_zeros


def optimize(fn):
    """The standard pipeline: simplify, materialise leftover zeros, simplify, DCE, and
    make sure derivative outputs are arrays the caller owns."""
    fn = simplify(fn)
    fn = materialize_zeros(fn)
    fn = simplify(fn)
    fn = dce(fn)
    return own_outputs(fn)


__all__ = ["own_outputs", "dce", "simplify", "materialize_zeros", "optimize"]
