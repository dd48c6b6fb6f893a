"""Rules for arithmetic: the operators and their NumPy function forms."""

import math
import operator

import numpy as np

from .registry import jvp_rule, vjp_rule


@vjp_rule(operator.add, np.add, zero="sum")
def _(g, ans, x, y):
    return g, g


@jvp_rule(operator.add, np.add, zero="sum")
def _(dx, dy, ans, x, y):
    return dx + dy


@vjp_rule(operator.sub, np.subtract, zero="sum")
def _(g, ans, x, y):
    return g, -g


@jvp_rule(operator.sub, np.subtract, zero="sum")
def _(dx, dy, ans, x, y):
    return dx - dy


@vjp_rule(operator.mul, np.multiply, zero="any")
def _(g, ans, x, y):
    return g * y, g * x


@jvp_rule(operator.mul, np.multiply, zero="any")
def _(dx, dy, ans, x, y):
    return dx * y + x * dy


@vjp_rule(operator.truediv, np.divide, zero="first")
def _(g, ans, x, y):
    return g / y, -g * ans / y


@jvp_rule(operator.truediv, np.divide, zero="first")
def _(dx, dy, ans, x, y):
    return dx / y - ans * dy / y


@vjp_rule(operator.neg, np.negative, zero="first")
def _(g, ans, x):
    return -g


@jvp_rule(operator.neg, np.negative, zero="first")
def _(dx, ans, x):
    return -dx


@vjp_rule(operator.pos, np.positive, zero="first")
def _(g, ans, x):
    return g


@jvp_rule(operator.pos, np.positive, zero="first")
def _(dx, ans, x):
    return dx


# x ** y. The y-derivative log(x) * x**y is taken as 0 where x == 0 (there x**y
# is flat in y for y > 0), so a constant-zero base does not poison the gradient
# (and math.log(0), which raises, is never evaluated).
# d(x ** y)/dy = x ** y log(x), taken as 0 where x = 0 (log(x + (x == 0)), not log(x),
# there: the limit of x ** y log(x) as x -> 0+ for y > 0). A constant base folds to a
# float, which keeps the type of the other operand (np.where would give a float64 array).
# The x-derivative y * x**(y - 1) is 0 where y == 0 (x**0 is 1 everywhere; at x == 0 the
# formula would give 0 * inf): the exponent is y - 1 + (y == 0) there, which folds away
# for a constant y.
@vjp_rule(operator.pow, np.power)
def _(g, ans, x, y):
    return g * y * x ** (y - 1 + (y == 0)), g * ans * np.log(x + (x == 0))


@jvp_rule(operator.pow, np.power)
def _(dx, dy, ans, x, y):
    return dx * y * x ** (y - 1 + (y == 0)) + dy * ans * np.log(x + (x == 0))


@vjp_rule(math.pow)
def _(g, ans, x, y):
    return g * y * x ** (y - 1 + (y == 0)), g * ans * math.log(np.where(x == 0, 1.0, x))


@jvp_rule(math.pow)
def _(dx, dy, ans, x, y):
    return dx * y * x ** (y - 1 + (y == 0)) + dy * ans * math.log(np.where(x == 0, 1.0, x))


@vjp_rule(np.float_power)
def _(g, ans, x, y):
    return g * y * np.float_power(x, y - 1), g * ans * np.log(np.where(x == 0, 1.0, x))


@jvp_rule(np.float_power)
def _(dx, dy, ans, x, y):
    return dx * y * np.float_power(x, y - 1) + dy * ans * np.log(np.where(x == 0, 1.0, x))


# x % y = x - floor(x / y) * y (Python's and NumPy's remainder); np.fmod and math.fmod
# truncate instead of flooring, math.remainder rounds to nearest. Between the jumps the
# quotient is constant, so d/dx = 1 and d/dy = -quotient.
@vjp_rule(operator.mod, np.remainder)
def _(g, ans, x, y):
    return g, -g * np.floor(x / y)


@jvp_rule(operator.mod, np.remainder)
def _(dx, dy, ans, x, y):
    return dx - dy * np.floor(x / y)


@vjp_rule(np.fmod, math.fmod)
def _(g, ans, x, y):
    return g, -g * np.trunc(x / y)


@jvp_rule(np.fmod, math.fmod)
def _(dx, dy, ans, x, y):
    return dx - dy * np.trunc(x / y)


@vjp_rule(math.remainder)
def _(g, ans, x, y):
    return g, -g * ((x - ans) / y)


@jvp_rule(math.remainder)
def _(dx, dy, ans, x, y):
    return dx - dy * ((x - ans) / y)
