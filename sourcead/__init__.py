"""sourcead: source-to-source automatic differentiation for Python and NumPy.

    import numpy as np
    import sourcead as sad

    @sad.grad
    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    loss(w, x)          # dloss/dw
    print(loss.source)  # the generated Python
"""

from .api import (cache_info, clear_cache, grad, hessian, hvp, ir, jacfwd, jacrev,  # noqa: F401
                  jvp, source, value_and_grad, vjp)
from .errors import (NameResolutionError, NoDerivativeError, ShapeError,  # noqa: F401
                     SourceADError, SourceUnavailableError, StructureError,
                     UnsupportedSyntaxError, WrtError)
from .rules.registry import (custom_jvp, custom_vjp, derivative, jvp_rule,  # noqa: F401
                             vjp_rule)
from .runtime import checkpoint, checkpointed, insert_grad_of, stop_gradient  # noqa: F401
from .testing import check_grads  # noqa: F401

__version__ = "0.1.0"
