"""scipy.stats.norm's logpdf, pdf, logcdf and cdf with respect to x, loc and scale (given
by position, by name or left at their defaults), in both modes against finite
differences, broadcasting, and to second order. SciPy is optional."""

import numpy as np
import pytest

import sourcead as sad

stats = pytest.importorskip("scipy.stats", reason="SciPy is an optional dependency")
norm = stats.norm

X = np.array([0.3, -0.7, 1.1, 2.0])


def nll(mu, log_sigma):
    return -np.sum(norm.logpdf(X, mu, np.exp(log_sigma)))


def by_name(mu, scale):
    return np.sum(norm.cdf(X, loc=mu, scale=scale) + norm.logcdf(X * mu, scale=scale) +
                  norm.pdf(X, loc=mu) * scale)


def defaults(x):
    return np.sum(norm.logpdf(x) + norm.cdf(x) ** 2 + norm.logcdf(x) + norm.pdf(x))


def broadcasting(mu, sigma):
    return np.sum(norm.logpdf(X[:, None], mu[None, :], sigma))


@pytest.mark.parametrize("f, args", [
    (nll, (0.2, 0.1)), (nll, (-1.0, -0.5)),
    (by_name, (0.4, 1.3)), (by_name, (-0.3, 0.7)),
    (defaults, (X,)), (defaults, (-X * 2.0,)),
    (broadcasting, (np.array([0.1, -0.4, 0.9]), 1.2)),
])
def test_norm_in_both_modes(f, args):
    sad.check_grads(f, args)
    assert sad.value_and_grad(f)(*args)[0] == pytest.approx(f(*args))


def test_maximum_likelihood_gradient_is_the_closed_form():
    mu, log_s = 0.2, 0.1
    s = np.exp(log_s)
    g_mu, g_s = sad.grad(nll, wrt=(0, 1))(mu, log_s)
    assert g_mu == pytest.approx(-np.sum(X - mu) / s ** 2)
    assert g_s == pytest.approx(len(X) - np.sum((X - mu) ** 2) / s ** 2)
    assert "sad_stats.norm.logpdf" in sad.grad(nll).source


def test_second_order():
    H = sad.hessian(lambda m: nll(m[0], m[1]))(np.array([0.2, 0.1]))
    assert H[0, 0] == pytest.approx(len(X) / np.exp(0.2))
    assert H == pytest.approx(H.T)


def test_other_options_are_refused():
    def with_options(x):
        return np.sum(norm.logpdf(x, 0.0, 1.0, 7.0))
    with pytest.raises(sad.SourceADError, match="only x, loc, scale are differentiated"):
        sad.grad(with_options)(X)
