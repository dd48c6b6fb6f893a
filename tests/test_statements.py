"""Statements of real programs: assert, with (any context manager), del, print,
f-strings and logging; each differentiated in both modes against finite differences."""

import contextlib
import logging
import warnings

import numpy as np
import pytest

import sourcead as sad

X = np.array([0.3, -0.4, 1.2, 0.8])
INPUTS = [X, -X[::-1], X * 2.5]
LOG = logging.getLogger("sourcead.tests.statements")


def with_assert(x):
    assert x.ndim == 1, f"expected a vector, got {x.ndim} dimensions"
    assert np.all(np.isfinite(x))
    return np.sum(np.sin(x) ** 2)


def with_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(np.abs(x))
    return np.sum(y * x)


def with_catch_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = np.exp(x) / (1.0 + x ** 2)
    return np.sum(z)


@contextlib.contextmanager
def scaled(k):
    yield 3.0 * k


def with_two_managers_and_a_return(x):
    with scaled(2.0) as k, np.errstate(all="ignore"):
        if x[0] > 2.0:
            return np.sum(x) * k
        y = x * k
    return np.sum(y ** 2)


def with_break_in_a_loop(x):
    for i in range(4):
        with np.errstate(over="ignore"):
            if i == 2:
                break
            x = np.tanh(x) * 1.5
    return np.sum(x ** 2)


def with_delete(x):
    t = np.sin(x)
    u = t * 2.0
    del t
    return np.sum(u * x)


def with_prints(x):
    loss = np.sum(x ** 2)
    print(f"loss {loss:.3f} at {x!r}:", len(x))
    LOG.info("loss %s", loss)
    for i in range(2):
        print(f"step {i}: {loss}")
        loss = loss * 1.5 + np.sum(np.cos(x))
    return loss


@pytest.mark.parametrize("f", [with_assert, with_errstate, with_catch_warnings,
                               with_two_managers_and_a_return, with_break_in_a_loop,
                               with_delete, with_prints])
@pytest.mark.parametrize("x", INPUTS)
def test_statements_in_both_modes(f, x, capsys):
    sad.check_grads(f, (x,))
    assert sad.value_and_grad(f)(x)[0] == pytest.approx(f(x))
    assert sad.jvp(f)(x, np.ones_like(x))[0] == pytest.approx(f(x))


def test_a_failing_assert_raises_in_the_derivative():
    for d in (sad.grad(with_assert), lambda x: sad.jvp(with_assert)(x, x)):
        with pytest.raises(AssertionError, match="got 2 dimensions"):
            d(np.ones((2, 2)))
    src = sad.grad(with_assert).source
    assert "assert ndim == 1, f'expected a vector, got {ndim} dimensions'" in src
    assert "assert np.all(np.isfinite(x))" in src


def test_prints_run_once_per_call_never_in_the_adjoint_sweep(capsys):
    capsys.readouterr()
    with_prints(X)
    plain = capsys.readouterr().out
    sad.value_and_grad(with_prints)(X)
    assert capsys.readouterr().out == plain
    sad.jvp(with_prints)(X, np.ones_like(X))
    assert capsys.readouterr().out == plain
    y, pullback = sad.vjp(with_prints)(X)
    assert capsys.readouterr().out == plain
    pullback(1.0)
    pullback(2.0)
    assert capsys.readouterr().out == ""


def test_logging_of_differentiated_values(caplog):
    with caplog.at_level(logging.INFO, logger=LOG.name):
        sad.grad(with_prints)(X)
    assert [r.getMessage() for r in caplog.records] == [f"loss {np.sum(X ** 2)}"]


def test_contexts_are_entered_and_left_in_the_forward_sweep():
    before = np.geterr()
    sad.grad(with_errstate)(X)
    sad.grad(with_two_managers_and_a_return)(X * 3.0)   # (returns inside the with)
    sad.grad(with_break_in_a_loop)(X)
    assert np.geterr() == before
    src = sad.grad(with_errstate).source
    assert "errstate.__enter__()" in src and "errstate.__exit__(None, None, None)" in src
    assert src.index("__enter__") < src.index("np.log") < src.index("__exit__")


def test_a_deleted_name_is_unbound_afterwards():
    def reads_deleted(x):
        t = x * 2.0
        del t
        return t
    with pytest.raises(sad.SourceADError, match="before it is assigned"):
        sad.grad(reads_deleted)(1.0)
