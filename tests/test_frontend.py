"""The frontend: source → SSA IR (names, constants, globals, tuples, errors)."""

import math

import numpy as np
import pytest

from sourcead.errors import NameResolutionError, SourceUnavailableError, UnsupportedSyntaxError
from sourcead.frontend.lower import lower
from sourcead.ir.core import Const, Op, Var
from sourcead.ir.verify import verify

SCALE = 3.0


def straight(x, w):
    h = np.tanh(x @ w)
    return np.sum(h ** 2)


def reassign(x):
    y = x * 2.0
    y = y + 1.0
    y += x
    return y


def swap(a, b):
    a, b = b, a
    return a - b


def uses_global(x):
    return x * SCALE + np.pi


def folded(x):
    c = 2.0 * 3.0
    return x * c


def with_docstring(x):
    """A docstring is not code."""
    return math.sin(x)


def returns_tuple(x, y):
    return x + y, x * y


def static_branch(x, axis=None):
    if axis is None:
        return np.sum(x)
    return np.sum(x, axis=axis)


def ops_of(fn):
    return [s for s in fn.body.stmts if isinstance(s, Op)]


def test_straight_line_lowering():
    fn = verify(lower(straight))
    names = [op.prim.name for op in ops_of(fn)]
    assert names == ["matmul", "np.tanh", "pow", "np.sum"]
    assert [p.hint for p in fn.params] == ["x", "w"]
    # the user's name survives; the returned temporary is named after the function
    assert ops_of(fn)[1].out.hint == "h"
    assert fn.results[0].hint == "straight"


def test_reassignment_gives_new_ssa_values_with_the_users_name():
    fn = verify(lower(reassign))
    outs = [op.out for op in ops_of(fn)]
    assert len(set(outs)) == 3
    assert all(o.hint == "y" for o in outs)


def test_tuple_unpacking_is_a_parallel_assignment():
    fn = verify(lower(swap))
    (sub,) = ops_of(fn)
    a, b = fn.params
    assert sub.args == [b, a]


def test_globals_are_loaded_at_run_time_by_name():
    fn = verify(lower(uses_global))
    loads = [op.attrs["name"] for op in ops_of(fn) if op.prim.name == "load_global"]
    assert loads == ["SCALE"]   # np.pi is a constant of the library, folded in
    assert "SCALE" in fn.global_names


def test_constant_expressions_fold_at_lowering():
    fn = verify(lower(folded))
    (mul,) = ops_of(fn)
    assert mul.args[1] == Const(6.0)


def test_docstring_is_skipped_and_math_calls_are_primitives():
    fn = verify(lower(with_docstring))
    assert [op.prim.name for op in ops_of(fn)] == ["math.sin"]


def test_tuple_return():
    fn = verify(lower(returns_tuple))
    assert fn.returns_tuple and len(fn.results) == 2
    assert all(isinstance(r, Var) for r in fn.results)


def test_branch_on_a_constant_is_decided_at_lowering():
    # Rules are lowered with their constant arguments bound; only the branch taken is kept.
    fn = verify(lower(static_branch, bindings={"axis": Const(None)}))
    (op,) = ops_of(fn)
    assert op.prim.name == "np.sum" and not op.kwargs
    fn = verify(lower(static_branch, bindings={"axis": Const(1)}))
    (op,) = ops_of(fn)
    assert op.kwargs["axis"] == Const(1)
    assert [p.hint for p in fn.params] == ["x"]


def test_locations_point_at_the_users_file_and_line():
    fn = lower(straight)
    op = ops_of(fn)[0]
    assert op.loc.filename == __file__
    assert op.loc.lineno == straight.__code__.co_firstlineno + 1
    assert op.loc.text == "h = np.tanh(x @ w)"


def uses_undefined(x):
    return x * not_defined_anywhere  # noqa: F821


def read_before_assign(x):
    y = z + x  # noqa: F821
    z = 1.0
    return y


def test_undefined_names_are_located_errors():
    with pytest.raises(NameResolutionError, match="not_defined_anywhere") as e:
        lower(uses_undefined)
    assert e.value.loc.lineno == uses_undefined.__code__.co_firstlineno + 1
    with pytest.raises(NameResolutionError, match="before it is assigned"):
        lower(read_before_assign)


def test_source_unavailable():
    with pytest.raises(SourceUnavailableError, match="not a Python function"):
        lower(np.sin)
    namespace = {}
    exec("def f(x):\n    return x\n", namespace)
    with pytest.raises(SourceUnavailableError, match="cannot read the source"):
        lower(namespace["f"])
    lam = lower(lambda x: x)   # a lambda reads as `def lambda_fn(x): return x`
    assert [p.hint for p in lam.params] == ["x"]


def varargs(*xs):
    return xs


def test_varargs_refused():
    with pytest.raises(UnsupportedSyntaxError, match=r"\*args"):
        lower(varargs)
