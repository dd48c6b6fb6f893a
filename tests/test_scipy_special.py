"""scipy.special's functions as statistics and ML code calls them, in both modes against
finite differences (one row per function), with their keywords (logsumexp's axis, b and
keepdims; the softmaxes' axis), and to second order. SciPy is optional: these run where
it is installed (the test extra installs it)."""

import numpy as np
import pytest

import sourcead as sad

special = pytest.importorskip("scipy.special", reason="SciPy is an optional dependency")

RNG = np.random.default_rng(7)


def domain(kind, shape):
    u = RNG.uniform(size=shape)
    return {"real": u * 3.0 - 1.5, "pos": u * 2.0 + 0.3, "unit": u * 0.9 + 0.05,
            "sym": u * 1.6 - 0.8, "big": u * 3.0 + 2.5}[kind]


UNARY = [
    ("expit", lambda x: special.expit(x), "real"),
    ("logit", lambda x: special.logit(x), "unit"),
    ("log_expit", lambda x: special.log_expit(x), "real"),
    ("gammaln", lambda x: special.gammaln(x), "pos"),
    ("gamma", lambda x: special.gamma(x), "pos"),
    ("digamma", lambda x: special.digamma(x), "pos"),
    ("psi", lambda x: special.psi(x), "pos"),
    ("polygamma(1, x)", lambda x: special.polygamma(1, x), "pos"),
    ("polygamma(2, x)", lambda x: special.polygamma(2, x), "pos"),
    ("erf", lambda x: special.erf(x), "real"),
    ("erfc", lambda x: special.erfc(x), "real"),
    ("erfinv", lambda x: special.erfinv(x), "sym"),
    ("erfcx", lambda x: special.erfcx(x), "real"),
    ("entr", lambda x: special.entr(x), "pos"),
    ("i0", lambda x: special.i0(x), "real"),
    ("i1", lambda x: special.i1(x), "real"),
    ("i0e", lambda x: special.i0e(x), "real"),
    ("i1e", lambda x: special.i1e(x), "real"),
    ("ndtr", lambda x: special.ndtr(x), "real"),
    ("ndtri", lambda x: special.ndtri(x), "unit"),
    ("log_ndtr", lambda x: special.log_ndtr(x), "real"),
    ("multigammaln(a, 3)", lambda x: special.multigammaln(x, 3), "big"),
]


@pytest.mark.parametrize("name, fn, kind", UNARY, ids=[row[0] for row in UNARY])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_functions_of_one_array(name, fn, kind, shape):
    x = domain(kind, shape)
    if name.startswith("multigammaln"):
        x = np.asarray(x).ravel()[0] if shape else float(x)   # (a scalar function)
    sad.check_grads(lambda x: np.sum(fn(x) * (1.0 + np.arange(np.size(x)).reshape(np.shape(x)))),
                    (x,))


BINARY = [
    ("betaln", lambda a, b: special.betaln(a, b), "pos", "pos"),
    ("xlogy", lambda x, y: special.xlogy(x, y), "real", "pos"),
    ("xlog1py", lambda x, y: special.xlog1py(x, y), "real", "pos"),
]


@pytest.mark.parametrize("name, fn, ka, kb", BINARY, ids=[row[0] for row in BINARY])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2, 2))])
def test_functions_of_two_arrays_broadcasting(name, fn, ka, kb, shapes):
    a, b = domain(ka, shapes[0]), domain(kb, shapes[1])
    sad.check_grads(lambda a, b: np.sum(fn(a, b) ** 2), (a, b))


def test_xlogy_at_zero_has_no_nan():
    g = sad.grad(lambda y: np.sum(special.xlogy(np.zeros(3), y)))(np.array([0.5, 1.0, 2.0]))
    assert np.array_equal(g, np.zeros(3))


REDUCTIONS = [
    ("logsumexp", lambda x: special.logsumexp(x)),
    ("logsumexp axis=1", lambda x: np.sum(special.logsumexp(x, axis=1) * np.arange(2.0))),
    ("logsumexp axis=0 keepdims", lambda x: np.sum(special.logsumexp(x, axis=0, keepdims=True) ** 2)),
    ("logsumexp b", lambda x: special.logsumexp(x, b=np.arange(1.0, 7.0).reshape(2, 3))),
    ("logsumexp b axis", lambda x: np.sum(special.logsumexp(x, axis=-1, b=np.array([0.5, 1.0, 2.0])))),
    ("softmax", lambda x: np.sum(special.softmax(x) * np.arange(6.0).reshape(2, 3))),
    ("softmax axis=1", lambda x: np.sum(special.softmax(x, axis=1) ** 2)),
    ("log_softmax", lambda x: np.sum(special.log_softmax(x) * np.arange(6.0).reshape(2, 3))),
    ("log_softmax axis=0", lambda x: np.sum(special.log_softmax(x, axis=0) * np.arange(6.0).reshape(2, 3))),
]


@pytest.mark.parametrize("name, fn", REDUCTIONS, ids=[row[0] for row in REDUCTIONS])
def test_logsumexp_and_softmaxes(name, fn):
    x = domain("real", (2, 3))
    sad.check_grads(fn, (x,))
    assert sad.value_and_grad(fn)(x)[0] == pytest.approx(fn(x))


def cross_entropy(W):
    X = np.arange(12.0).reshape(4, 3) / 10
    labels = np.array([0, 2, 1, 2])
    logits = X @ W
    return -np.mean(special.log_softmax(logits, axis=1)[np.arange(4), labels])


def bayes_terms(a):
    return np.sum(special.gammaln(a) - special.betaln(a, 2.0) + special.expit(a) ** 2)


def test_second_order_and_generated_code():
    W = domain("real", (3, 3))
    a = domain("pos", (3,))
    H = sad.hessian(bayes_terms)(a)
    eps = 1e-5
    g = sad.grad(bayes_terms)
    numeric = np.array([(g(a + eps * e) - g(a - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, numeric, rtol=1e-5, atol=1e-7)
    sad.check_grads(cross_entropy, (W,))
    src = sad.grad(cross_entropy).source
    assert "sad_special.log_softmax" in src


def test_rules_are_listed():
    # in a fresh process, where nothing has imported SciPy yet
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "sourcead", "rules"], capture_output=True,
                         text=True, check=True).stdout
    assert "logsumexp" in out and "gammaln" in out and "log_softmax" in out
