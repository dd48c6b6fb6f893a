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


def uses_hook_exit(x):
    for i in range(2):
        with sad.insert_grad_of(x) as gx:
            break
    return x


def uses_yield(x):
    yield x


def uses_class(x):
    class A:
        pass
    return x


def uses_del(x):
    y = [x * 2.0, x]
    del y[0]
    return y[0]


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
    (uses_hook_exit, "gradient hook"),
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


# --- tangents, cotangents and vectors that do not match ------------------------------

def scalar_out(x, y):
    return np.sum(np.sin(x) * y)


def pair_out(x, y):
    return np.sin(x) * y, np.sum(x)


def dict_out(p):
    return {"a": p["w"] * 2.0, "b": np.sum(p["w"])}


X3, Y3 = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 2.0])


@pytest.mark.parametrize("fn, args, cotangent, error, message", [
    # a (3,) cotangent for a scalar output was accepted (and broadcast)
    (scalar_out, (X3, Y3), np.ones(3), sad.ShapeError,
     r"cotangent for the output of scalar_out has shape \(3,\), but it has shape \(\)"),
    (scalar_out, (X3, Y3), (1.0,), sad.StructureError,
     r"the output of scalar_out must have its structure, a number; got a tuple of 1"),
    (scalar_out, (X3, Y3), None, sad.StructureError, "got None"),
    (pair_out, (X3, Y3), np.ones(3), sad.StructureError,
     r"must have its structure, a tuple of 2 \(an array of shape \(3,\), a number\)"),
    (pair_out, (X3, Y3), (np.ones(3),), sad.StructureError, "got a tuple of 1"),
    (pair_out, (X3, Y3), (np.ones(3), 1.0, 1.0), sad.StructureError, "got a tuple of 3"),
    # NumPy's broadcast error before
    (pair_out, (X3, Y3), (np.ones(2), 1.0), sad.ShapeError,
     r"item \[0\] of the output of pair_out has shape \(2,\), but it has shape \(3,\)"),
    (pair_out, (X3, Y3), (np.ones(3), np.ones(3)), sad.ShapeError,
     r"item \[1\] of the output of pair_out has shape \(3,\), but it has shape \(\)"),
    (dict_out, ({"w": X3},), {"a": np.ones(3)}, sad.StructureError,
     r"must have its structure, a dict \{'a': an array of shape \(3,\), 'b': a number\}"),
    (dict_out, ({"w": X3},), {"a": np.ones(3), "b": np.ones(2)}, sad.ShapeError,
     r"item \['b'\] of the output of dict_out has shape \(2,\)"),
])
def test_a_pullback_checks_its_cotangent(fn, args, cotangent, error, message):
    y, pullback = sad.vjp(fn)(*args)
    with pytest.raises(error, match=message) as info:
        pullback(cotangent)
    assert isinstance(info.value, ValueError)   # StructureError is a TypeError too
    # the right cotangent still works, and a dict's keys may come in any order
    if isinstance(y, dict):
        pullback({"b": 1.0, "a": np.ones(3)})
    else:
        pullback(tuple(np.ones_like(v) for v in y) if isinstance(y, tuple) else 1.0)


def test_pullbacks_of_aux_and_of_gradients_check_their_cotangents():
    def with_aux(x):
        return np.sin(x), np.sum(x)
    y, pullback, aux = sad.vjp(with_aux, has_aux=True)(X3)
    with pytest.raises(sad.ShapeError, match=r"output of with_aux has shape \(\)"):
        pullback(1.0)
    # the vjp of a gradient (a Hessian product, and a mixed one)
    g, pullback = sad.vjp(sad.grad(scalar_out))(X3, Y3)
    with pytest.raises(sad.ShapeError, match=r"the gradient of .* has shape \(2,\), but it "
                                             r"has shape \(3,\)"):
        pullback(np.ones(2))
    g, pullback = sad.vjp(sad.grad(scalar_out), wrt=1)(X3, Y3)
    with pytest.raises(sad.StructureError, match="must have its structure"):
        pullback((np.ones(3),))
    g, pullback = sad.vjp(sad.grad(scalar_out, wrt=(0, 1)), wrt=1)(X3, Y3)
    with pytest.raises(sad.StructureError, match=r"a tuple of 2"):
        pullback(np.ones(3))


def test_jvp_checks_its_tangents():
    with pytest.raises(sad.ShapeError, match=r"tangent for argument 'x' has shape \(2,\), but "
                                             r"it has shape \(3,\): pass an array of shape"):
        sad.jvp(scalar_out)(X3, Y3, np.ones(2))
    with pytest.raises(sad.ShapeError, match=r"tangent for argument 'y'"):
        sad.jvp(scalar_out, wrt=(0, 1))(X3, Y3, np.ones(3), 1.0)
    # too few and too many: the count is a StructureError, a ValueError and a TypeError
    for tangents in ((), (np.ones(3),) * 3):
        with pytest.raises(sad.StructureError, match=r"then 2 tangent\(s\), one for each of "
                                                     r"'x', 'y' in its shape; got"):
            sad.jvp(scalar_out, wrt=(0, 1))(X3, Y3, *tangents)
    # a tuple where an array goes, and the structure of a dict argument
    with pytest.raises(sad.StructureError, match="argument 'x' must have its structure"):
        sad.jvp(scalar_out)(X3, Y3, (np.ones(3),))

    def of_dict(p):
        return np.sum(p["w"] * p["b"])
    p = {"w": X3, "b": Y3}
    with pytest.raises(sad.StructureError, match=r"a dict \{'w': an array of shape \(3,\), "
                                                 r"'b': an array of shape \(3,\)\}; got a dict"):
        sad.jvp(of_dict)(p, {"w": X3})
    with pytest.raises(sad.ShapeError, match=r"item \['b'\] of argument 'p' has shape \(2,\)"):
        sad.jvp(of_dict)(p, {"w": X3, "b": np.ones(2)})
    # keys in another order are matched by name
    _, t = sad.jvp(of_dict)(p, {"b": np.zeros(3), "w": np.ones(3)})
    assert t == pytest.approx(np.sum(Y3))


def test_hvp_checks_its_vector():
    # hvp(f)(x) without v was an IndexError
    with pytest.raises(sad.StructureError, match=r"then the vector v that multiplies the "
                                                 r"Hessian, of the shape of 'x'; got 1"):
        sad.hvp(scalar_out)(X3)
    with pytest.raises(sad.StructureError, match="got 4 argument"):
        sad.hvp(scalar_out)(X3, Y3, X3, X3)
    with pytest.raises(sad.ShapeError, match=r"the vector for argument 'x' of scalar_out has "
                                             r"shape \(2,\), but it has shape \(3,\)"):
        sad.hvp(scalar_out)(X3, Y3, np.ones(2))
    with pytest.raises(sad.StructureError, match=r"must have its structure, an array of "
                                                 r"shape \(3,\); got a tuple of 1"):
        sad.hvp(scalar_out)(X3, Y3, (np.ones(3),))
    with pytest.raises(sad.ShapeError, match="argument 'y'"):
        sad.hvp(scalar_out, wrt=1)(X3, Y3, 1.0)

    def of_dict(p):
        return np.sum(p["w"] ** 2 * p["b"])
    p = {"w": X3, "b": Y3}
    with pytest.raises(sad.StructureError, match="got a dict with keys 'w'"):
        sad.hvp(of_dict)(p, {"w": X3})
    hv = sad.hvp(of_dict)(p, {"b": np.zeros(3), "w": np.ones(3)})
    np.testing.assert_allclose(hv["w"], 2 * Y3)
