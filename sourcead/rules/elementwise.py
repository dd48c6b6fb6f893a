"""Rules for functions of one variable, NumPy ufuncs and `math` alike.

Each rule gives f'(x) (in terms of `ans` = f(x) where that is cheaper); the
JVP multiplies it by the tangent and the VJP by the cotangent.
"""

import math

import numpy as np

from .registry import derivative, jvp_rule, vjp_rule


@derivative(np.exp)
def _(ans, x):
    return ans


@derivative(math.exp)
def _(ans, x):
    return ans


@derivative(np.expm1)
def _(ans, x):
    return ans + 1.0


@derivative(math.expm1)
def _(ans, x):
    return ans + 1.0


@derivative(np.log, math.log)
def _(ans, x):
    return 1.0 / x


@derivative(np.log1p, math.log1p)
def _(ans, x):
    return 1.0 / (1.0 + x)


@derivative(np.log2, math.log2)
def _(ans, x):
    return 1.0 / (x * 0.6931471805599453)


@derivative(np.log10, math.log10)
def _(ans, x):
    return 1.0 / (x * 2.302585092994046)


@derivative(np.sqrt, math.sqrt)
def _(ans, x):
    return 0.5 / ans


@derivative(np.square)
def _(ans, x):
    return 2.0 * x


@derivative(np.sin)
def _(ans, x):
    return np.cos(x)


@derivative(math.sin)
def _(ans, x):
    return math.cos(x)


@derivative(np.cos)
def _(ans, x):
    return -np.sin(x)


@derivative(math.cos)
def _(ans, x):
    return -math.sin(x)


@derivative(np.tan, math.tan)
def _(ans, x):
    return 1.0 + ans ** 2


@derivative(np.arcsin)
def _(ans, x):
    return 1.0 / np.sqrt(1.0 - x * x)


@derivative(math.asin)
def _(ans, x):
    return 1.0 / math.sqrt(1.0 - x * x)


@derivative(np.arccos)
def _(ans, x):
    return -1.0 / np.sqrt(1.0 - x * x)


@derivative(math.acos)
def _(ans, x):
    return -1.0 / math.sqrt(1.0 - x * x)


@derivative(np.arctan, math.atan)
def _(ans, x):
    return 1.0 / (1.0 + x * x)


@derivative(np.sinh)
def _(ans, x):
    return np.cosh(x)


@derivative(math.sinh)
def _(ans, x):
    return math.cosh(x)


@derivative(np.cosh)
def _(ans, x):
    return np.sinh(x)


@derivative(math.cosh)
def _(ans, x):
    return math.sinh(x)


@derivative(np.tanh, math.tanh)
def _(ans, x):
    return 1.0 - ans ** 2


@derivative(np.arcsinh)
def _(ans, x):
    return 1.0 / np.sqrt(x * x + 1.0)


@derivative(math.asinh)
def _(ans, x):
    return 1.0 / math.sqrt(x * x + 1.0)


# |x| has derivative sign(x); at 0 that is 0 (a subgradient), as in JAX.
@derivative(np.abs, np.absolute, np.fabs, abs, math.fabs)
def _(ans, x):
    return np.sign(x)


# maximum/minimum: the gradient goes to the argument that was selected; on a
# tie it is split evenly, so that maximum(x, x) has derivative 1.
@vjp_rule(np.maximum, np.fmax, shape="elementwise")
def _(g, ans, x, y):
    return g * np.where(x == y, 0.5, x > y), g * np.where(x == y, 0.5, x < y)


@jvp_rule(np.maximum, np.fmax, shape="elementwise")
def _(dx, dy, ans, x, y):
    return dx * np.where(x == y, 0.5, x > y) + dy * np.where(x == y, 0.5, x < y)


@vjp_rule(np.minimum, np.fmin, shape="elementwise")
def _(g, ans, x, y):
    return g * np.where(x == y, 0.5, x < y), g * np.where(x == y, 0.5, x > y)


@jvp_rule(np.minimum, np.fmin, shape="elementwise")
def _(dx, dy, ans, x, y):
    return dx * np.where(x == y, 0.5, x < y) + dy * np.where(x == y, 0.5, x > y)


# where(c, x, y): the condition has no derivative; each branch gets the
# cotangent where it was chosen (and exactly zero elsewhere, never g * nan).
@vjp_rule(np.where, shape="elementwise")
def _(g, ans, c, x, y):
    return None, np.where(c, g, 0.0), np.where(c, 0.0, g)


@jvp_rule(np.where, shape="elementwise")
def _(dc, dx, dy, ans, c, x, y):
    return np.where(c, dx, dy)
