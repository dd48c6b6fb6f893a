"""Jacobians, Hessians and Hessian-vector products written as Python, for the frontend.

`jacfwd`, `jacrev`, `hessian` and `hvp` compute with a derivative the compiler
generated (a jvp, or the jvp of a gradient), called once per column. When a
function that sourcead differentiates calls one of them, the frontend lowers the
call as a call of the function made here, which does the same computation in code
it can read:

    def f_jacobian(x, a):
        columns = []
        for tangent in sad_rt.basis(x):
            value, column = f_jvp(x, a, tangent)
            columns.append(column)
        stacked = np.stack(columns, axis=-1)
        return np.reshape(stacked, sad_rt.jacobian_shape(stacked, x))

`f_jvp` is the derivative object, a closure variable; its own calls are lowered as
calls of its generated code. As with generated derivatives, the source is registered
with linecache, and the function is made from a factory whose parameters are the
values it reads (`np`, `sad_rt`, the derivative), with the user's globals.
"""

import itertools
import linecache
import types

import numpy as np

from .. import runtime

_counter = itertools.count()


def _fresh(name, taken):
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _compile(text, name, values, user_fn):
    """The function `name` defined by `text` inside a factory of `values` (its closure
    variables), with the globals of `user_fn`."""
    params = ", ".join(values)
    body = "\n".join("    " + line for line in text.splitlines())
    module = f"def __sourcead_factory__({params}):\n{body}\n    return {name}\n"
    filename = f"<sourcead {name} #{next(_counter)}>"
    lines = module.splitlines(True)
    linecache.cache[filename] = (len(module), None, lines, filename)
    code = compile(module, filename, "exec")
    factory = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == name)
    closure = tuple(types.CellType(values[v]) for v in inner.co_freevars)
    return types.FunctionType(inner, user_fn.__globals__, name, None, closure)


def columns(user_fn, params, i, derivative, name):
    """`name(*params)`: the Jacobian, of shape (output) + (params[i]), one column per
    element of params[i], each the tangent that `derivative(*params, unit vector)`
    returns (a jvp, or the jvp of a gradient for a Hessian)."""
    taken = set(params) | {name, "np", "sad_rt"}
    d, cols, t, v, c, s = (_fresh(n, taken) for n in
                           (user_fn.__name__ + "_jvp", "columns", "tangent", "value",
                            "column", "stacked"))
    x = params[i]
    args = ", ".join(list(params) + [t])
    text = (f"def {name}({', '.join(params)}):\n"
            f"    {cols} = []\n"
            f"    for {t} in sad_rt.basis({x}):\n"
            f"        {v}, {c} = {d}({args})\n"
            f"        {cols}.append({c})\n"
            f"    {s} = np.stack({cols}, axis=-1)\n"
            f"    return np.reshape({s}, sad_rt.jacobian_shape({s}, {x}))\n")
    return _compile(text, name, {"np": np, "sad_rt": runtime, d: derivative}, user_fn)


def product(user_fn, params, derivative, name):
    """`name(*params, vector)`: the tangent that `derivative(*params, vector)` returns (a
    Hessian-vector product, for the jvp of a gradient)."""
    taken = set(params) | {name, "np", "sad_rt"}
    d, vec, v, p = (_fresh(n, taken) for n in
                    (user_fn.__name__ + "_grad_jvp", "vector", "value", "tangent"))
    args = ", ".join(list(params) + [vec])
    text = (f"def {name}({args}):\n"
            f"    {v}, {p} = {d}({args})\n"
            f"    return {p}\n")
    return _compile(text, name, {"np": np, "sad_rt": runtime, d: derivative}, user_fn)
