"""Rules for scipy.stats.norm's logpdf, pdf, logcdf and cdf, with respect to x, loc and
scale alike. The frontend passes every argument, defaults included (loc=0, scale=1:
`ir.primitives.FILLED_DEFAULTS`), so that each has a derivative. Generated code spells
them `sad_stats.norm.<name>`. Loaded as scipy_special is (see ir.primitives.lookup)."""

import numpy as np
from scipy import stats

from ..ir import primitives as P
from .registry import jvp_rule, vjp_rule

_NORM = (stats.norm.logpdf, stats.norm.pdf, stats.norm.logcdf, stats.norm.cdf)
for _f in _NORM:
    P.FILLED_DEFAULTS[_f] = (("x", None), ("loc", 0.0), ("scale", 1.0))
    P.SPELLINGS[_f] = f"sad_stats.norm.{_f.__name__}"


# z = (x - loc) / scale. logpdf = -z^2/2 - log(scale) - log(sqrt(2 pi)):
# d/dx = -z/scale, d/dloc = z/scale, d/dscale = (z^2 - 1)/scale
@vjp_rule(stats.norm.logpdf, shape="elementwise")
def _(g, ans, x, loc, scale):
    z = (x - loc) / scale
    return -g * z / scale, g * z / scale, g * (z * z - 1.0) / scale


@jvp_rule(stats.norm.logpdf, shape="elementwise")
def _(dx, dloc, dscale, ans, x, loc, scale):
    z = (x - loc) / scale
    return (dloc - dx) * z / scale + dscale * (z * z - 1.0) / scale


@vjp_rule(stats.norm.pdf, shape="elementwise")
def _(g, ans, x, loc, scale):
    z = (x - loc) / scale
    return -g * ans * z / scale, g * ans * z / scale, g * ans * (z * z - 1.0) / scale


@jvp_rule(stats.norm.pdf, shape="elementwise")
def _(dx, dloc, dscale, ans, x, loc, scale):
    z = (x - loc) / scale
    return ans * ((dloc - dx) * z / scale + dscale * (z * z - 1.0) / scale)


# cdf = Phi(z): d/dx = phi(z)/scale, d/dloc = -phi(z)/scale, d/dscale = -phi(z) z/scale;
# for logcdf, phi(z)/Phi(z) = exp(log phi(z) - logcdf) (finite far in the left tail)
@vjp_rule(stats.norm.cdf, shape="elementwise")
def _(g, ans, x, loc, scale):
    z = (x - loc) / scale
    slope = g * np.exp(-0.5 * z * z) / (2.5066282746310002 * scale)
    return slope, -slope, -slope * z


@jvp_rule(stats.norm.cdf, shape="elementwise")
def _(dx, dloc, dscale, ans, x, loc, scale):
    z = (x - loc) / scale
    return np.exp(-0.5 * z * z) / (2.5066282746310002 * scale) * (dx - dloc - dscale * z)


@vjp_rule(stats.norm.logcdf, shape="elementwise")
def _(g, ans, x, loc, scale):
    z = (x - loc) / scale
    slope = g * np.exp(-0.5 * z * z - ans) / (2.5066282746310002 * scale)
    return slope, -slope, -slope * z


@jvp_rule(stats.norm.logcdf, shape="elementwise")
def _(dx, dloc, dscale, ans, x, loc, scale):
    z = (x - loc) / scale
    return np.exp(-0.5 * z * z - ans) / (2.5066282746310002 * scale) * (dx - dloc - dscale * z)
