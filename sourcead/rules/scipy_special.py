"""Rules for scipy.special, as statistics and machine-learning code uses it. Loaded the
first time sourcead looks up a function while SciPy is imported (`ir.primitives.lookup`),
so that `import sourcead` does not import SciPy. Generated code spells these functions
`sad_special.<name>` (scipy.special itself)."""

import numpy as np
from scipy import special

from .registry import derivative, jvp_rule, vjp_rule

# (constants are written out: a rule's code is read into generated code, which sees
# the user's module, not this one; 1.1283791670955126 is 2 / sqrt(pi),
# 0.8862269254527579 sqrt(pi) / 2, 2.5066282746310002 sqrt(2 pi))


@derivative(special.expit)
def _(ans, x):
    return ans * (1.0 - ans)


@derivative(special.logit)
def _(ans, x):
    return 1.0 / (x * (1.0 - x))


@derivative(special.log_expit)
def _(ans, x):
    return special.expit(-x)


@derivative(special.gammaln)
def _(ans, x):
    return special.digamma(x)


@derivative(special.gamma)
def _(ans, x):
    return ans * special.digamma(x)


@derivative(special.digamma, special.psi)
def _(ans, x):
    return special.polygamma(1, x)


@derivative(special.erf)
def _(ans, x):
    return 1.1283791670955126 * np.exp(-x * x)


@derivative(special.erfc)
def _(ans, x):
    return -1.1283791670955126 * np.exp(-x * x)


@derivative(special.erfinv)
def _(ans, x):
    return 0.8862269254527579 * np.exp(ans * ans)


@derivative(special.erfcx)
def _(ans, x):
    return 2.0 * x * ans - 1.1283791670955126


@derivative(special.entr)
def _(ans, x):
    return -(np.log(x) + 1.0)


@derivative(special.i0)
def _(ans, x):
    return special.i1(x)


@derivative(special.i1)
def _(ans, x):
    # i1'(x) = (i0(x) + i2(x)) / 2, finite at 0 (where i1(x)/x would not be)
    return (special.i0(x) + special.iv(2, x)) / 2.0


@derivative(special.i0e)
def _(ans, x):
    return special.i1e(x) - np.sign(x) * ans


@derivative(special.i1e)
def _(ans, x):
    return (special.i0e(x) + special.ive(2, x)) / 2.0 - np.sign(x) * ans


@derivative(special.ndtr)
def _(ans, x):
    return np.exp(-0.5 * x * x) / 2.5066282746310002


@derivative(special.ndtri)
def _(ans, x):
    return 2.5066282746310002 * np.exp(0.5 * ans * ans)


@derivative(special.log_ndtr)
def _(ans, x):
    return np.exp(-0.5 * x * x - ans) / 2.5066282746310002


# functions of two: derivatives with respect to each (n and d are integers: no derivative)
@vjp_rule(special.polygamma)
def _(g, ans, n, x):
    return None, g * special.polygamma(n + 1, x)


@jvp_rule(special.polygamma)
def _(dn, dx, ans, n, x):
    return dx * special.polygamma(n + 1, x)


@vjp_rule(special.multigammaln)
def _(g, ans, a, d=None):
    return g * np.sum(special.digamma(np.expand_dims(a, -1) - np.arange(d) / 2.0), axis=-1)


@jvp_rule(special.multigammaln)
def _(da, ans, a, d=None):
    return da * np.sum(special.digamma(np.expand_dims(a, -1) - np.arange(d) / 2.0), axis=-1)


@vjp_rule(special.betaln)
def _(g, ans, a, b):
    both = special.digamma(a + b)
    return g * (special.digamma(a) - both), g * (special.digamma(b) - both)


@jvp_rule(special.betaln)
def _(da, db, ans, a, b):
    both = special.digamma(a + b)
    return da * (special.digamma(a) - both) + db * (special.digamma(b) - both)


@vjp_rule(special.xlogy)
def _(g, ans, x, y):
    return g * np.log(y), g * np.where(x == 0, 0.0, x / y)


@jvp_rule(special.xlogy)
def _(dx, dy, ans, x, y):
    return dx * np.log(y) + dy * np.where(x == 0, 0.0, x / y)


@vjp_rule(special.xlog1py)
def _(g, ans, x, y):
    return g * np.log1p(y), g * np.where(x == 0, 0.0, x / (1.0 + y))


@jvp_rule(special.xlog1py)
def _(dx, dy, ans, x, y):
    return dx * np.log1p(y) + dy * np.where(x == 0, 0.0, x / (1.0 + y))


# reductions: log-sum-exp and the softmaxes (b, a weight, is a constant)
@vjp_rule(special.logsumexp)
def _(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    weights = np.exp(a - special.logsumexp(a, axis=axis, b=b, keepdims=True))
    if b is not None:
        weights = weights * b
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return g * weights


@jvp_rule(special.logsumexp)
def _(da, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    weights = np.exp(a - special.logsumexp(a, axis=axis, b=b, keepdims=True))
    if b is not None:
        weights = weights * b
    return np.sum(weights * da, axis=axis, keepdims=keepdims)


@vjp_rule(special.softmax)
def _(g, ans, x, axis=None):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


@jvp_rule(special.softmax)
def _(dx, ans, x, axis=None):
    return ans * (dx - np.sum(ans * dx, axis=axis, keepdims=True))


@vjp_rule(special.log_softmax)
def _(g, ans, x, axis=None):
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


@jvp_rule(special.log_softmax)
def _(dx, ans, x, axis=None):
    return dx - np.sum(np.exp(ans) * dx, axis=axis, keepdims=True)
