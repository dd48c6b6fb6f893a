"""Derivative rules, one family per module. Importing this package registers them all."""

from . import helpers  # noqa: F401  (first: rules refer to the helper primitives)
from . import arithmetic, elementwise, indexing, methods, products, reductions  # noqa: F401
from . import higher, linalg, norms  # noqa: F401
from . import shape  # noqa: F401
from . import array_api  # noqa: F401
from .registry import derivative, get_derivative, get_jvp, get_vjp, jvp_rule, vjp_rule  # noqa: F401
