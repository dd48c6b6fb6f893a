"""IR printing and verification."""

import numpy as np
import pytest

import sourcead as sad
from sourcead.errors import IRVerificationError
from sourcead.ir import primitives as P
from sourcead.ir.core import Block, Const, Function, If, Loop, Op, Var
from sourcead.ir.printer import format_function
from sourcead.ir.verify import verify


def loss(w, x):
    h = np.tanh(x @ w)
    return np.sum(h ** 2)


def test_printed_ir_shows_ssa_values_with_user_names_and_lines():
    text = str(sad.ir(loss))
    assert text.splitlines()[0] == "func loss(%w, %x):"
    assert "%h = np.tanh(%matmul)" in text
    assert f"# line {loss.__code__.co_firstlineno + 1}" in text
    assert text.splitlines()[-1] == "  return %loss"


def test_derivative_ir_is_printable_and_verified():
    df = sad.grad(loss)
    text = str(sad.ir(df))
    assert "sweep()" in text
    verify(df.ir.function)


def _mul(a, b):
    import operator
    return Op(P.lookup(operator.mul), [a, b])


def test_verify_rejects_use_before_definition():
    x = Var("x")
    y = Var("y")
    op = _mul(x, y)
    fn = Function("f", [x], Block([], [op], [op.out]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_double_assignment():
    x = Var("x")
    op1 = _mul(x, x)
    op2 = _mul(x, x)
    op2.outs = [op1.out]
    fn = Function("f", [x], Block([], [op1, op2], [op1.out]))
    with pytest.raises(IRVerificationError, match="twice"):
        verify(fn)


def test_verify_checks_structured_control_flow():
    x = Var("x")
    then = Block([], [], [x])
    orelse = Block([], [], [])          # missing a result
    out = Var("y")
    fn = Function("f", [x], Block([], [If(x, then, orelse, [out])], [out]))
    with pytest.raises(IRVerificationError, match="branch results"):
        verify(fn)
    # a well-formed if and loop pass, and print
    orelse = Block([], [], [Const(0.0)])
    fn = Function("f", [x], Block([], [If(x, then, orelse, [out])], [out]))
    verify(fn)
    i, c = Var("i"), Var("c")
    body_op = _mul(c, x)
    loop_out = Var("acc")
    loop = Loop("range", [x], Block([i, c], [body_op], [body_op.out]), [loop_out],
                bounds=[Const(3)])
    fn = Function("g", [x], Block([], [loop], [loop_out]))
    verify(fn)
    text = format_function(fn)
    assert "loop range(3)" in text
