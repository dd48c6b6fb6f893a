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


@derivative(np.log)
def _(ans, x):
    return 1.0 / x


# math.log(x, base): the base has a default, so it gets no derivative (a constant base).
@derivative(math.log)
def _(ans, x, base=None):
    if base is None:
        return 1.0 / x
    return 1.0 / (x * math.log(base))


@derivative(np.log1p, math.log1p)
def _(ans, x):
    return 1.0 / (1.0 + x)


@derivative(np.log2, math.log2)
def _(ans, x):
    return 1.0 / (x * 0.6931471805599453)


@derivative(np.log10, math.log10)
def _(ans, x):
    return 1.0 / (x * 2.302585092994046)


# sqrt'(0) is infinite; we give the subgradient 0 there (dividing by inf instead of
# by 0), so that sqrt(sum(x**2)) at x = 0 has gradient 0, not 0 * inf = nan.
@derivative(np.sqrt)
def _(ans, x):
    return 0.5 / np.where(ans == 0, np.inf, ans)


@derivative(math.sqrt)   # scalar code stays scalar code
def _(ans, x):
    return 0.0 if ans == 0 else 0.5 / ans


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
# tie it is split evenly, so that maximum(x, x) has derivative 1. (Written as a choice
# between halves and masked values of g, not g times weights of 0.5 and 1: weights made
# from a float and a comparison would be float64, whatever g's type.)
@vjp_rule(np.maximum, np.fmax, shape="elementwise")
def _(g, ans, x, y):
    half = 0.5 * g
    return np.where(x == y, half, g * (x > y)), np.where(x == y, half, g * (x < y))


@jvp_rule(np.maximum, np.fmax, shape="elementwise")
def _(dx, dy, ans, x, y):
    return np.where(x == y, 0.5 * dx, dx * (x > y)) + np.where(x == y, 0.5 * dy, dy * (x < y))


@vjp_rule(np.minimum, np.fmin, shape="elementwise")
def _(g, ans, x, y):
    half = 0.5 * g
    return np.where(x == y, half, g * (x < y)), np.where(x == y, half, g * (x > y))


@jvp_rule(np.minimum, np.fmin, shape="elementwise")
def _(dx, dy, ans, x, y):
    return np.where(x == y, 0.5 * dx, dx * (x < y)) + np.where(x == y, 0.5 * dy, dy * (x > y))


# where(c, x, y): the condition has no derivative; each branch gets the
# cotangent where it was chosen (and exactly zero elsewhere, never g * nan). A choice
# between two zeros is zero.
@vjp_rule(np.where, shape="elementwise", zero="branches")
def _(g, ans, c, x, y):
    return None, np.where(c, g, 0.0), np.where(c, 0.0, g)


@jvp_rule(np.where, shape="elementwise")
def _(dc, dx, dy, ans, c, x, y):
    return np.where(c, dx, dy)


# --- more functions of one variable ------------------------------------------------

@derivative(np.reciprocal)
def _(ans, x):
    return -ans * ans


@derivative(np.exp2)
def _(ans, x):
    return ans * 0.6931471805599453


@derivative(np.cbrt)
def _(ans, x):
    return 1.0 / (3.0 * ans * ans)


@derivative(np.arccosh)
def _(ans, x):
    return 1.0 / np.sqrt(x * x - 1.0)


@derivative(math.acosh)
def _(ans, x):
    return 1.0 / math.sqrt(x * x - 1.0)


@derivative(np.arctanh, math.atanh)
def _(ans, x):
    return 1.0 / (1.0 - x * x)


@derivative(np.deg2rad, np.radians, math.radians)
def _(ans, x):
    return 0.017453292519943295   # pi / 180


@derivative(np.rad2deg, np.degrees, math.degrees)
def _(ans, x):
    return 57.29577951308232      # 180 / pi


@derivative(math.erf)
def _(ans, x):
    return 1.1283791670955126 * math.exp(-x * x)   # 2 / sqrt(pi)


@derivative(math.erfc)
def _(ans, x):
    return -1.1283791670955126 * math.exp(-x * x)


# sinc(x) = sin(pi x) / (pi x), with sinc'(x) = (cos(pi x) - sinc(x)) / x, which is 0 at
# x = 0 (the limit; dividing by inf there avoids 0 / 0).
@derivative(np.sinc)
def _(ans, x):
    return (np.cos(3.141592653589793 * x) - ans) / np.where(x == 0, np.inf, x)


# nan_to_num passes finite values through and replaces nan and +-inf by constants (the
# replacements have defaults, so they get no derivative).
@derivative(np.nan_to_num, shape=("arg", 0))
def _(ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return np.isfinite(x)


if hasattr(math, "cbrt"):     # Python 3.11+
    @derivative(math.cbrt)
    def _(ans, x):
        return 1.0 / (3.0 * ans * ans)


if hasattr(math, "exp2"):     # Python 3.11+
    @derivative(math.exp2)
    def _(ans, x):
        return ans * 0.6931471805599453


# --- functions of two variables -------------------------------------------------------

# hypot(x, y) = sqrt(x**2 + y**2): at (0, 0) both partials are taken as 0 (as for sqrt).
@vjp_rule(np.hypot, math.hypot)
def _(g, ans, x, y):
    s = g / np.where(ans == 0, np.inf, ans)
    return s * x, s * y


@jvp_rule(np.hypot, math.hypot)
def _(dx, dy, ans, x, y):
    return (x * dx + y * dy) / np.where(ans == 0, np.inf, ans)


# arctan2(y, x) is the angle of the point (x, y): d = (x dy - y dx) / (x**2 + y**2).
@vjp_rule(np.arctan2)
def _(g, ans, y, x):
    s = g / (x * x + y * y)
    return s * x, -s * y


@jvp_rule(np.arctan2)
def _(dy, dx, ans, y, x):
    return (x * dy - y * dx) / (x * x + y * y)


@vjp_rule(math.atan2)
def _(g, ans, y, x):
    s = g / (x * x + y * y)
    return s * x, -s * y


@jvp_rule(math.atan2)
def _(dy, dx, ans, y, x):
    return (x * dy - y * dx) / (x * x + y * y)


# logaddexp(x, y) = log(exp(x) + exp(y)); the partials are the softmax weights, computed
# from `ans` so that they never overflow.
@vjp_rule(np.logaddexp)
def _(g, ans, x, y):
    return g * np.exp(x - ans), g * np.exp(y - ans)


@jvp_rule(np.logaddexp)
def _(dx, dy, ans, x, y):
    return dx * np.exp(x - ans) + dy * np.exp(y - ans)


@vjp_rule(np.logaddexp2)
def _(g, ans, x, y):
    return g * np.exp2(x - ans), g * np.exp2(y - ans)


@jvp_rule(np.logaddexp2)
def _(dx, dy, ans, x, y):
    return dx * np.exp2(x - ans) + dy * np.exp2(y - ans)


# copysign(x, y) = |x| with the sign of y: flat in y (except at y = 0, where it jumps).
@vjp_rule(np.copysign)
def _(g, ans, x, y):
    return g * np.copysign(1.0, x) * np.copysign(1.0, y), None


@jvp_rule(np.copysign)
def _(dx, dy, ans, x, y):
    return dx * np.copysign(1.0, x) * np.copysign(1.0, y)


@vjp_rule(math.copysign)
def _(g, ans, x, y):
    return g * math.copysign(1.0, x) * math.copysign(1.0, y), None


@jvp_rule(math.copysign)
def _(dx, dy, ans, x, y):
    return dx * math.copysign(1.0, x) * math.copysign(1.0, y)


# heaviside(x, h) is 0 for x < 0, h at x = 0 and 1 for x > 0: flat in x (its jump at 0
# has no derivative; we take 0), and the identity in h where x == 0.
@vjp_rule(np.heaviside)
def _(g, ans, x, h):
    return None, g * (x == 0)


@jvp_rule(np.heaviside)
def _(dx, dh, ans, x, h):
    return dh * (x == 0)


# ldexp(x, n) = x * 2**n, for integer n (which has no derivative).
@vjp_rule(np.ldexp)
def _(g, ans, x, n):
    return np.ldexp(g, n), None


@jvp_rule(np.ldexp)
def _(dx, dn, ans, x, n):
    return np.ldexp(dx, n)


def _broadcast_of_all_operands(op, shapes):
    """The broadcast of every operand's shape, keyword operands too (np.clip(x, a_min=lo))."""
    return shapes.union(list(op.args) + list(op.kwargs.values()))


# clip(x, lo, hi) is minimum(maximum(x, lo), hi), and its derivative is that
# composition's: where x equals a bound the cotangent is split evenly between them (as
# for maximum and minimum). A bound given as None takes no part.
@vjp_rule(np.clip, shape=_broadcast_of_all_operands)
def _(g, ans, x, a_min, a_max):
    if a_min is None:
        m = x
    else:
        m = np.maximum(x, a_min)
    if a_max is None:
        g_m = g
        g_max = None
    else:
        g_m = np.where(m == a_max, 0.5 * g, g * (m < a_max))
        g_max = np.where(m == a_max, 0.5 * g, g * (m > a_max))
    if a_min is None:
        g_x = g_m
        g_min = None
    else:
        g_x = np.where(x == a_min, 0.5 * g_m, g_m * (x > a_min))
        g_min = np.where(x == a_min, 0.5 * g_m, g_m * (x < a_min))
    return g_x, g_min, g_max


@jvp_rule(np.clip, shape=_broadcast_of_all_operands)
def _(dx, dmin, dmax, ans, x, a_min, a_max):
    if a_min is None:
        m = x
        dm = dx
    else:
        m = np.maximum(x, a_min)
        dm = np.where(x == a_min, 0.5 * dx, dx * (x > a_min)) + \
            np.where(x == a_min, 0.5 * dmin, dmin * (x < a_min))
    if a_max is None:
        return dm
    return np.where(m == a_max, 0.5 * dm, dm * (m < a_max)) + \
        np.where(m == a_max, 0.5 * dmax, dmax * (m > a_max))
