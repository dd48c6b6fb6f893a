"""Calling conventions: *args and **kwargs in callees (module-level and nested),
keyword-only parameters with defaults, starred and double-starred arguments; both modes
against finite differences."""

import numpy as np
import pytest

import sourcead as sad

A = np.array([0.3, -0.5, 0.9])
B = np.array([1.0, 2.0, 0.5])


def sum_of_squares(*xs, scale=1.0, **opts):
    total = 0.0
    for x in xs:
        total = total + np.sum(x ** 2)
    return total * scale + opts.get("bias", 0.0)


def calls_with_args_and_keywords(a, b):
    return sum_of_squares(a, b * 2.0, scale=0.5, bias=np.sum(a))


def calls_with_starred(a):
    args = (a, np.sin(a))
    kw = {"scale": 3.0}
    return sum_of_squares(*args, **kw) + sum_of_squares(a)


def keyword_only(x, *, k=2.0, shift=0.0):
    return np.sum((x - shift) ** k)


def nested_variadic(a):
    def inner(*vs, w=1.0, **kw):
        return sum(np.sum(v) for v in vs) * w + kw["c"]
    return inner(a, a * a, w=2.0, c=np.sum(np.cos(a)))


def passes_keyword_only(a):
    return keyword_only(a, k=3.0) + keyword_only(a, shift=0.5)


@pytest.mark.parametrize("f, args", [
    (calls_with_args_and_keywords, (A, B)),
    (calls_with_starred, (A,)),
    (nested_variadic, (A,)),
    (passes_keyword_only, (A,)),
    (keyword_only, (A + 1.0,)),
])
@pytest.mark.parametrize("scale", [1.0, -2.0])
def test_variadic_callees_and_keyword_only_parameters(f, args, scale):
    args = tuple(a * scale for a in args)
    sad.check_grads(f, args)
    assert sad.value_and_grad(f)(*args)[0] == pytest.approx(f(*args))


def test_keyword_only_parameters_given_by_name_or_left_at_defaults():
    x = A + 1.0
    assert sad.grad(keyword_only)(x) == pytest.approx(2 * x)
    assert sad.grad(keyword_only)(x, k=3.0) == pytest.approx(3 * x ** 2)
    assert sad.grad(keyword_only)(x, shift=0.5, k=3.0) == pytest.approx(3 * (x - 0.5) ** 2)
    y, t = sad.jvp(keyword_only)(x, np.ones(3))
    assert (y, t) == pytest.approx((np.sum(x ** 2), np.sum(2 * x)))
    y, t = sad.jvp(keyword_only)(x, np.ones(3), k=3.0)
    assert (y, t) == pytest.approx((np.sum(x ** 3), np.sum(3 * x ** 2)))
    y, pullback = sad.vjp(keyword_only)(x, k=3.0)
    assert pullback(1.0) == pytest.approx(3 * x ** 2)
    # a keyword-only parameter differentiated by name
    assert sad.grad(keyword_only, wrt="shift")(x, shift=0.5) == \
        pytest.approx(-2 * np.sum(x - 0.5))
    with pytest.raises(TypeError):
        sad.grad(keyword_only)(x, 3.0)   # keyword-only: not by position


def test_wrong_calls_of_variadic_helpers_are_refused_with_the_location():
    def too_many(a):
        return keyword_only(a, 1.0, 2.0)
    with pytest.raises(sad.SourceADError, match="this call of keyword_only"):
        sad.grad(too_many)(A)


def squares(*xs):
    return sum(np.sum(x ** 2) for x in xs)


def terms(w, *rest, scale=1.0, **named):
    out = np.sum(w ** 2) * scale
    for r in rest:
        out = out + np.sum(r * w)
    for k, v in named.items():
        out = out + np.sum(np.sin(v)) * len(k)
    return out


def test_differentiated_functions_with_args_and_kwargs():
    assert sad.grad(squares)(A, B) == pytest.approx(2 * A)
    ga, gb = sad.grad(squares, wrt=(0, 1))(A, B)
    assert (ga, gb) == (pytest.approx(2 * A), pytest.approx(2 * B))
    assert sad.grad(squares, wrt=2)(A, B, A * B) == pytest.approx(2 * A * B)
    assert sad.jvp(squares)(A, B, np.ones(3)) == pytest.approx((np.sum(A ** 2 + B ** 2),
                                                               np.sum(2 * A)))
    for args in [(A,), (A, B), (A, B, A * B)]:
        sad.check_grads(squares, args)
    assert sad.grad(terms)(A, B, B, scale=2.0, lam=A) == pytest.approx(4 * A + 2 * B)
    assert sad.grad(terms, wrt=2)(A, B, B * 2, scale=2.0, lam=A) == pytest.approx(A)
    sad.check_grads(lambda w, r: terms(w, r, r * w, scale=2.0, lam=w, mu=r), (A, B))
    df = sad.value_and_grad(squares)
    df(A, B)
    assert "def squares_value_and_grad(xs_0, xs_1):" in df.source
    with pytest.raises(TypeError, match="call it before"):
        sad.grad(squares).source
    with pytest.raises(TypeError):
        sad.grad(terms)()   # w is missing: Python's own error
