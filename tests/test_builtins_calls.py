"""Python's builtins on differentiated values: map, filter, sorted (with key), list,
tuple, dict (also with keywords), pow, min/max of several, sum with a start, abs,
round, any/all; both modes against finite differences."""

import numpy as np
import pytest

import sourcead as sad


def sq(t):
    return t ** 2


def with_map(w):
    return sum(map(sq, [w[0], w[1]])) + \
        sum(map(lambda a, b: a * b, (w[0], w[1]), (w[2], w[2]))) + sum(map(np.sum, [w, w * 2]))


def with_pow(w):
    return np.sum(pow(w, 3)) + pow(w[0], 2)


def with_list_and_tuple(w):
    return np.sum(np.array(list((w[0], w[1])))) + sum(tuple([w[0], w[2]]))


def with_dict(w):
    d = dict(a=w[0], b=w[1] * 2)
    e = dict([("c", w[2])], d=w[0])
    return d["a"] * d["b"] + e["c"] * e["d"]


def with_sorted(w):
    s = sorted([w[0], w[1], w[2]])
    r = sorted((w[0], w[1] * 2, w[2]), key=lambda t: -t)
    k = sorted([w, -w], key=np.sum, reverse=True)
    return s[0] * 2 + s[2] + r[0] * r[1] + np.sum(k[0] * np.arange(3))


def with_filter(w):
    items = [(0, w[0]), (1, w[1]), (2, w[2])]
    return sum(v for _, v in filter(lambda kv: kv[0] != 1, items))


def with_the_rest(w):
    big = max(w[0], w[1], 0.1) + min(w[0] * 2, w[2])
    if any([w[0] > 5.0, w[1] > 5.0]) or all((w[2] > -9.0, True)):
        big = big + abs(w[1]) + round(2.6) * np.sum(w) + round(w[0], 1)
    return big + sum([w[0], w[1]], 1.0)


@pytest.mark.parametrize("f", [with_map, with_pow, with_list_and_tuple, with_dict,
                               with_sorted, with_filter, with_the_rest])
@pytest.mark.parametrize("w", [np.array([0.3, -0.4, 1.2]), np.array([1.1, 0.7, -0.5]),
                               np.array([-0.9, 0.2, 0.45])])
def test_builtins_in_both_modes(f, w):
    sad.check_grads(f, (w,))
    assert sad.value_and_grad(f)(w)[0] == pytest.approx(f(w))
    assert sad.jvp(f)(w, np.ones(3))[0] == pytest.approx(f(w))


def test_sorted_derivatives_follow_the_items():
    w = np.array([0.3, -0.4, 1.2])
    # s[0] is w[1], s[2] is w[2]; r orders by -t: w[2], then w[0]
    g = sad.grad(lambda w: with_sorted(w) - np.sum(sorted([w, -w], key=np.sum,
                                                          reverse=True)[0] * np.arange(3)))(w)
    assert g == pytest.approx([w[2], 2.0, 1.0 + w[0]])


def test_what_stays_refused():
    def data_dependent_filter(w):
        return sum(filter(lambda t: t > 0, [w[0], w[1]]))
    with pytest.raises(sad.SourceADError, match="filter"):
        sad.grad(data_dependent_filter)(np.ones(2))

    def map_over_an_array(w):
        return sum(map(sq, w))
    with pytest.raises(sad.SourceADError, match="map over a sequence known only at run"):
        sad.grad(map_over_an_array)(np.ones(2))


def _weighted(*terms, weights=None):
    weights = weights or [1.0] * len(terms)
    return sum(wt * t for wt, t in zip(weights, terms))


def or_of_a_list(w):
    empty = []
    fallback = empty or [w[0]]
    both = [w[1]] and [w[2], w[0]]
    return _weighted(np.sum(w ** 2), np.sum(np.abs(w)), weights=[0.5, 0.1]) + \
        _weighted(w[0], w[1]) + fallback[0] * both[1]


def test_and_or_of_lists_built_in_the_function():
    w = np.array([0.3, -0.4, 1.2])
    sad.check_grads(or_of_a_list, (w,))
    assert sad.value_and_grad(or_of_a_list)(w)[0] == pytest.approx(or_of_a_list(w))


def repeated_list(w):
    # `[a, b] * 2` is the list repeated: as a product its reverse-mode adjoint was the
    # cotangent times 2 (a silent wrong gradient)
    z = [w[0], w[1]] * 2
    t = (w[2],) * 3
    return np.sum(np.array(z) * np.arange(4.0)) + sum(t) * w[0] + sum(2 * [w[1] ** 2])


def test_sequences_repeated():
    w = np.array([0.3, -0.4, 1.2])
    g = sad.grad(repeated_list)(w)
    assert g == pytest.approx([2.0 + 3 * w[2], 4.0 + 4 * w[1], 3 * w[0]])
    sad.check_grads(repeated_list, (w,))

    def runtime_list(w, n):
        xs = []
        for k in range(n):
            xs.append(w[k])
        return np.sum(np.array(xs * 2))
    with pytest.raises(sad.SourceADError, match="repeating"):
        sad.grad(runtime_list)(w, 2)
