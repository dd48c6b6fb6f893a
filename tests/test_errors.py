"""Bad input: clear, located errors at transformation time; never a silent wrong derivative."""

import math

import numpy as np
import pytest

import sourcead as sad
from sourcead.errors import (NoDerivativeError, SourceUnavailableError, UnsupportedSyntaxError,
                             WrtError)

COUNTER = 0


def uses_global_stmt(x):
    global COUNTER
    return x


def uses_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f"):
        pass
    return x


def uses_yield(x):
    yield x


def uses_class(x):
    class A:
        pass
    return x


def uses_del(x):
    y = x * 2.0
    del y
    return x


async def uses_async(x):
    return x


def uses_nonlocal_reader():
    z = 1.0

    def inner(x):
        nonlocal z
        return x * z
    return inner


# A function sourcead cannot read (built by exec, as at an interactive prompt): it is
# called as it is, and refused once a differentiated value reaches it.
_ns = {}
exec("def unknown_function(x):\n    return x * 2.0\n", _ns)
unknown_function = _ns["unknown_function"]


def calls_unknown(x):
    y = np.sin(x)
    return unknown_function(y)


def calls_unruled_numpy(x):
    return np.sum(np.i0(x))


def inactive_call(x):
    n = len(x)
    print_nothing(n)
    return np.sum(x) * n


def print_nothing(n):
    return None


def vector(x):
    return np.sin(x)


def with_int(x, n):
    return x * n


@pytest.mark.parametrize("fn, construct", [
    (uses_global_stmt, "global"),
    (uses_try, "try"),
    (uses_with, "with"),
    (uses_yield, "generator"),
    (uses_class, "class"),
    (uses_del, "del"),
    (uses_nonlocal_reader(), "nonlocal"),
])
def test_unsupported_syntax_names_file_line_and_construct(fn, construct):
    with pytest.raises(UnsupportedSyntaxError) as e:
        sad.grad(fn)(1.0)
    err = e.value
    assert err.loc.filename == __file__
    assert fn.__code__.co_firstlineno < err.loc.lineno <= fn.__code__.co_firstlineno + 5
    text = str(err)
    assert construct in text and __file__ in text and "Hint:" in text


def test_async_functions_are_refused():
    with pytest.raises(SourceADError_or_unsupported()):
        sad.grad(uses_async)(1.0)


def SourceADError_or_unsupported():
    return sad.SourceADError


def test_unreadable_source():
    with pytest.raises(SourceUnavailableError, match="not a Python function"):
        sad.grad(np.sin)
    ns = {}
    exec("def typed_at_a_prompt(x):\n    return x * x\n", ns)
    with pytest.raises(SourceUnavailableError, match="no source file"):
        sad.grad(ns["typed_at_a_prompt"])(1.0)


def test_a_call_without_a_rule_names_the_function_and_how_to_add_one():
    with pytest.raises(NoDerivativeError) as e:
        sad.grad(calls_unknown)(1.0)
    text = str(e.value)
    assert "unknown_function" in text and "vjp_rule" in text
    assert e.value.loc.lineno == calls_unknown.__code__.co_firstlineno + 2
    with pytest.raises(NoDerivativeError, match="np.i0"):
        sad.jvp(calls_unruled_numpy)(np.ones(2), np.ones(2))


def test_calls_that_see_no_differentiated_value_are_fine():
    x = np.array([1.0, 2.0])
    assert sad.grad(inactive_call)(x) == pytest.approx(np.full(2, 2.0))


def test_grad_of_a_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\).*vjp"):
        sad.grad(vector)(np.ones(3))
    # size-1 arrays count as scalars, as in JAX
    assert sad.grad(vector)(np.ones(1)) == pytest.approx(np.cos(np.ones(1)))


def test_integer_arguments_are_not_differentiable():
    with pytest.raises(TypeError, match="'n'.*floating-point"):
        sad.grad(with_int, wrt=1)(1.5, 3)
    with pytest.raises(TypeError, match="'x'.*int64"):
        sad.grad(with_int)(np.arange(3), 2.0)
    with pytest.raises(TypeError, match="'x'"):
        sad.grad(with_int)(True, 2.0)
    # integers that are not differentiated are fine
    assert sad.grad(with_int)(1.5, 3) == 3.0


def test_wrt_naming_a_missing_argument():
    with pytest.raises(WrtError, match="no argument named 'z'.*x, n"):
        sad.grad(with_int, wrt="z")
    with pytest.raises(WrtError, match="takes 2 argument"):
        sad.grad(with_int, wrt=2)
    with pytest.raises(WrtError, match="twice"):
        sad.grad(with_int, wrt=(0, "x"))
    with pytest.raises(ValueError):
        sad.grad(with_int, wrt=())


def test_math_domain_is_not_hidden():
    def f(x):
        return math.sqrt(x)
    with pytest.raises(ValueError):
        sad.grad(f)(-1.0)
