"""Generated AST → source → code object, registered with linecache.

The derivative is compiled inside a small factory function whose parameters
are the modules generated code needs (`np`, `math`, `sad_rt`) and the user's
closure variables. The derivative's code object is then instantiated with the
user's own globals and closure cells, so it reads module state and closure
variables live, exactly as the user's function does.
"""

import ast
import itertools
import linecache
import math
import textwrap
import types

import numpy as np

from .. import runtime
from ..ir import primitives as P
from ..ir.core import Op, walk_stmts
from .emit import Emitter, function_def, postprocess

FACTORY = "__sourcead_factory__"
_HELPERS = {"np": np, "math": math, "sad_rt": runtime}
_counter = itertools.count()


# Set by sourcead.api: (callee, kind, wrt) -> the derivative of a user's function that
# generated code calls (a function of the callee's own globals).
derivative_of = None


class Callee:
    """A derivative of one of the user's functions, called by generated code, built on
    first call (so a recursive function's derivative can call itself)."""

    def __init__(self, fn, kind, wrt):
        self.fn, self.kind, self.wrt = fn, kind, wrt
        self.__name__ = f"{fn.__name__}_{kind}"
        self._f = None

    def __call__(self, *args):
        return (self._f or self.function())(*args)

    def function(self):
        if self._f is None:
            self._f = derivative_of(self.fn, self.kind, self.wrt)
        return self._f

    def _lowered_function(self):
        """When the code that calls this is differentiated again (see sourcead.calls): a
        forward derivative is lowered as the code it runs. A reverse one is not: it
        returns its pullback, a function made at run time."""
        return self.function() if self.kind == "jvp" else None


class Compiled:
    """A compiled derivative, independent of any one instance of the user's function."""

    def __init__(self, code, source, line_map, filename, name, ir, callees=None):
        self.code = code
        self.source = source
        self.line_map = line_map
        self.filename = filename
        self.name = name
        self.ir = ir
        self.callees = callees or {}   # name in generated code -> (callee, kind, wrt)

    def instantiate(self, user_fn, defaults=None):
        """The derivative as a Python function bound to `user_fn`'s globals and closure."""
        user_cells = dict(zip(user_fn.__code__.co_freevars, user_fn.__closure__ or ()))
        closure = []
        for name in self.code.co_freevars:
            if name in _HELPERS:
                closure.append(types.CellType(_HELPERS[name]))
            elif name in self.callees and self.callees[name][1] == "compiled":
                closure.append(types.CellType(self.callees[name][2].instantiate(user_fn)))
            elif name in self.callees:
                closure.append(types.CellType(Callee(*self.callees[name])))
            else:
                closure.append(user_cells[name])
        f = types.FunctionType(self.code, user_fn.__globals__, self.name, defaults,
                               tuple(closure))
        f.__source__ = self.source
        return f


def _referenced_names(fn):
    """Names generated code reads that are not its own values (globals, builtins)."""
    names = set(fn.global_names) | set(fn.free_names) | set(_HELPERS)
    for s in walk_stmts(fn.body):
        if not isinstance(s, Op):
            continue
        emit = s.prim.emit or ()
        text = None
        if emit and emit[0] == "call":
            text = emit[1]
        elif emit and emit[0] == "opaque":
            text = s.attrs.get("text")
        elif emit and emit[0] == "name":
            text = s.attrs.get("name")
        if text:
            names.add(text.split(".")[0])
    return names


def compile_ir(fn, layout):
    """Generate, print and compile the derivative described by IR `fn` and `layout`."""
    reserved = _referenced_names(fn) | {FACTORY, layout.name, "range", "reversed", "next"}
    if layout.pullback_name:
        reserved.add(layout.pullback_name)
    emitter = Emitter(fn, layout, reserved)
    inner = emitter.module()
    callees = {s.attrs["text"]: (s.attrs["callee"], s.attrs["kind"], s.attrs["wrt"])
               for s in walk_stmts(fn.body) if isinstance(s, Op) and s.prim is P.CALL_DERIVATIVE}
    for s in walk_stmts(fn.body):   # a checkpointed loop's step, and its derivative
        if isinstance(s, Op) and s.prim is P.CKPT_FORWARD:
            callees[s.attrs["step_name"]] = (None, "compiled", s.attrs["step_compiled"])
            callees[s.attrs["vjp_name"]] = (None, "compiled", s.attrs["vjp_compiled"])
            if "condition_name" in s.attrs:
                callees[s.attrs["condition_name"]] = (None, "compiled",
                                                      s.attrs["condition_compiled"])
    free = sorted(n for n in fn.free_names if n not in _HELPERS) + sorted(callees)
    params = list(_HELPERS) + free
    factory = function_def(FACTORY, params, [inner, ast.Return(ast.Name(layout.name, ast.Load()))])
    module = ast.Module([factory], type_ignores=[])
    ast.fix_missing_locations(module)
    text, line_map = postprocess(ast.unparse(module))
    filename = f"<sourcead {layout.name} #{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile(text, filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner_code = next(c for c in factory_code.co_consts
                      if isinstance(c, types.CodeType) and c.co_name == layout.name)
    all_lines = text.splitlines()
    start = next(i for i, line in enumerate(all_lines)
                 if line.strip().startswith(f"def {layout.name}("))
    source = textwrap.dedent("\n".join(all_lines[start:-1])).strip("\n") + "\n"
    # line_map is keyed by 1-based lines of the module text; .source starts at `start`.
    n = source.count("\n")
    user_map = {k - start: v for k, v in line_map.items() if 0 < k - start <= n}
    return Compiled(inner_code, source, user_map, filename, layout.name, fn, callees)
