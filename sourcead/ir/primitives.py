"""Primitives: the operations IR ops apply, and how each one prints and folds.

A primitive wraps one Python callable (``np.tanh``, ``operator.mul``,
``math.sin``) or names an internal operation (loading a global, the marker
between the two sweeps of reverse mode). The registry is keyed by the
callable, so the frontend finds the primitive for whatever object a user's
call resolves to, however the user imported it.
"""

import ast
import math
import operator
import sys

import numpy as np

_BINOPS = {
    operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult,
    operator.truediv: ast.Div, operator.floordiv: ast.FloorDiv, operator.mod: ast.Mod,
    operator.pow: ast.Pow, operator.matmul: ast.MatMult, operator.and_: ast.BitAnd,
    operator.or_: ast.BitOr, operator.xor: ast.BitXor,
}
_UNARY = {operator.neg: ast.USub, operator.pos: ast.UAdd, operator.not_: ast.Not,
          operator.invert: ast.Invert}
_COMPARE = {operator.lt: ast.Lt, operator.le: ast.LtE, operator.gt: ast.Gt, operator.ge: ast.GtE,
            operator.eq: ast.Eq, operator.ne: ast.NotEq}

# Operations that give an integer when their operands are integers, and ones that always do.
INT_ARITH = (operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
             operator.neg, min, max)
INT_MAKERS = (len, np.size, np.ndim, int)

# The names generated code uses for the modules it needs; codegen binds them.
MODULE_ALIASES = {"numpy": "np", "math": "math", "sourcead.runtime": "sad_rt"}


class Primitive:
    """One operation. See the module docstring.

    shape:  how the output's shape relates to the inputs' (see opt.shapes):
            "elementwise" (broadcast of the array arguments), "scalar",
            "arg0" or ("arg", i) (same as that argument), "fresh" (a function
            of the operands' shapes and constant arguments only), "dynamic"
            (depends on values too: boolean masks, arange), or a function
            ``(op, shapes) -> shape class or None``.
    zero:   how symbolic-zero arguments fold: "any" (zero if any argument is
            zero: products), "first" (zero if the first argument is: linear
            maps), "sum" (zeros drop out of sums), "branches" (zero if both
            values np.where chooses between are), None (no folding).
    exact:  the parameters whose cotangents the VJP rule gives in their exact shape
            (a list's: items are never broadcast), so no `unbroadcast` is needed.
    fresh:  each call makes a new array that code may write into in place (zeros_like,
            which generated code adds into with add_at): two calls are never merged into
            one (CSE), though either may be dropped when unused.
    n_outs: how many values it returns (a tuple when more than one: eigh's w
            and v), or a function of the call's (args, kwargs) giving that
            number (svd without compute_uv returns one).
    view:   how the result shares the memory of the first argument (see
            frontend/heap.py): "view" (always a view: np.transpose), "maybe" (a
            view or a copy: np.reshape), "same" (the argument itself or a copy:
            np.asarray), "readonly" (a view NumPy will not write through:
            np.diagonal), "part" (several views: np.split), or None (new memory).
    """

    def __init__(self, name, impl=None, *, emit=None, pure=True, shape="fresh", zero=None,
                 differentiable=True, scalar_args=False, hint=None, n_outs=1, exact=(),
                 fresh=False, view=None):
        self.name = name
        self.impl = impl
        self.emit = emit
        self.pure = pure
        self.shape = shape
        self.zero = zero
        self.differentiable = differentiable
        self.scalar_args = scalar_args   # every argument must be a scalar (math.*)
        self.result_hint = hint or name.rsplit(".", 1)[-1]
        self.n_outs = n_outs
        # parameters (by name) whose VJP contributions have their shape already: lists
        self.exact = tuple(exact)
        self.fresh = fresh
        self.view = view

    def outputs(self, args, kwargs):
        """The number of values a call with these operands returns."""
        return self.n_outs(args, kwargs) if callable(self.n_outs) else self.n_outs

    def __repr__(self):
        return f"<primitive {self.name}>"


_registry = {}


def lookup(obj):
    """The primitive registered for a Python callable, or None. (SciPy's rules register
    the first time one is looked up while SciPy is imported.)"""
    try:
        prim = _registry.get(obj)
    except TypeError:  # unhashable callables are never primitives
        return None
    if prim is None and "scipy" in sys.modules and \
            (not _optional["scipy"] or not _optional["scipy.stats"] and
             "scipy.stats" in sys.modules):
        load_scipy_rules()
        prim = _registry.get(obj)
    return prim


# a primitive whose every argument the frontend passes, defaults included, so that each
# has a derivative (scipy.stats.norm.logpdf's loc and scale): {callable: ((name, default
# or None where it has none), ...)}
FILLED_DEFAULTS = {}


_optional = {"scipy": False, "scipy.stats": False}   # which optional rules were loaded


def load_scipy_rules(force_stats=False):
    """Register the rules for SciPy's functions (sourcead.rules.scipy_special) and have
    generated code spell them `sad_special.<name>`; False where SciPy is missing."""
    _optional["scipy"] = True
    try:
        from scipy import special
    except ImportError:
        return False
    MODULE_ALIASES["scipy.special"] = "sad_special"
    _SPELLED[special] = "sad_special"
    from ..codegen import compile as codegen
    codegen._HELPERS["sad_special"] = special
    from ..rules import scipy_special  # noqa: F401  (registers them)
    if "scipy.stats" in sys.modules or force_stats:
        _optional["scipy.stats"] = True
        from scipy import stats
        codegen._HELPERS["sad_stats"] = stats
        from ..rules import scipy_stats  # noqa: F401
    return True


_SPELLED = {}   # a module whose functions generated code names by a prefix -> the prefix
SPELLINGS = {}  # a callable -> how generated code names it, where no rule above does


def qualified_name(obj):
    """How generated code spells `obj` (np.tanh, np.linalg.inv, math.sin, sad_rt.seed)."""
    mod = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None)
    if isinstance(obj, np.ufunc) or mod.startswith("numpy"):
        for prefix, ns in (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft)):
            if name and getattr(ns, name, None) is obj:
                return f"{prefix}.{name}"
    if mod == "math" or getattr(math, name or "", None) is obj:
        return f"math.{name}"
    for module, prefix in _SPELLED.items():   # scipy.special's ufuncs have no __module__
        if name and getattr(module, name, None) is obj:
            return f"{prefix}.{name}"
    try:
        spelled = SPELLINGS.get(obj)   # (scipy.stats.norm.logpdf: a new bound method each
    except TypeError:                  # time, equal to the one registered)
        spelled = None
    if spelled is not None:
        return spelled
    if mod in ("sourcead.runtime", "sourcead.refresh", "sourcead.overlap"):
        # (refresh's and overlap's helpers are runtime's too)
        return f"sad_rt.{name}"
    if mod == "builtins":
        return name
    raise ValueError(f"no canonical spelling for {obj!r}")


def defprim(obj, **props):
    """Register (or update) the primitive for `obj`; returns it.

    Defaults come from what the object is: operators print as operators, ufuncs
    are elementwise, math functions take scalars.
    """
    prim = _registry.get(obj)
    if prim is None:
        if "emit" in props:
            emit = props.pop("emit")
            name = props.pop("name", getattr(obj, "__name__", "op"))
            defaults = {}
        elif obj in _BINOPS:
            emit = ("binop", _BINOPS[obj])
            name = obj.__name__.strip("_")
            defaults = dict(shape="elementwise")
        elif obj in _UNARY:
            emit = ("unaryop", _UNARY[obj])
            name = obj.__name__.strip("_")
            defaults = dict(shape="arg0")
        elif obj in _COMPARE:
            emit = ("compare", _COMPARE[obj])
            name = obj.__name__.strip("_")
            defaults = dict(shape="elementwise", differentiable=False)
        else:
            try:
                name = qualified_name(obj)
                emit = ("call", name)
            except ValueError:
                # A user's function with user rules: spelled as at each call site.
                name = getattr(obj, "__qualname__", None) or repr(obj)
                emit = ("opaque",)
            if isinstance(obj, np.ufunc):
                defaults = dict(shape="elementwise")
            elif name.startswith("math."):
                defaults = dict(shape="scalar", scalar_args=True)
            else:
                defaults = dict(shape="fresh")
        defaults.update(props)
        prim = Primitive(name, obj, emit=emit, **defaults)
        _registry[obj] = prim
    else:
        for k, v in props.items():
            setattr(prim, k, v)
    return prim


def fold(fn, args, kwargs):
    """`fn` evaluated on constant operands, as a Const if the result is a plain Python
    value (None, bool, int, float, str); None if it raises or gives anything else."""
    from .core import Const
    try:
        value = fn(*[a.value for a in args], **{k: v.value for k, v in kwargs.items()})
    except Exception:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return Const(value)
    return None


def all_primitives():
    return list(_registry.values())


# Internal primitives: no user-visible callable of their own.
LOAD_GLOBAL = Primitive("load_global", emit=("name",), shape="fresh", differentiable=False)
LOAD_FREE = Primitive("load_free", emit=("name",), shape="fresh", differentiable=False)
OPAQUE_CALL = Primitive("call", emit=("opaque",), pure=False, shape="fresh")
SWEEP = Primitive("sweep", emit=("sweep",), pure=False)
COPY = Primitive("copy", emit=("copy",), shape="arg0", zero="first")
TUPLE = Primitive("tuple", emit=("tuple",), shape="fresh", hint="index")
# [a, b] at run time; impure: two lists are two objects, even when equal
LIST = Primitive("list", emit=("list",), shape="fresh", hint="items", pure=False)
GETITEM = defprim(operator.getitem, emit=("subscript",), name="getitem", zero="first", hint="item",
                  shape="dynamic")
GETATTR = Primitive("getattr", emit=("attr",), shape="fresh")
# A call of one of the user's functions (attrs: callee, text). AD turns it into a call of
# the callee's own derivative (CALL_DERIVATIVE: attrs callee, kind "jvp"|"vjp", wrt, text),
# and reverse mode calls the pullback that returns (CALL_VALUE: a call of its first operand).
CALL_USER = Primitive("call", emit=("opaque",), pure=False, shape="fresh")
CALL_DERIVATIVE = Primitive("call_derivative", emit=("opaque",), pure=False, shape="fresh",
                            differentiable=False)
# `with sad.insert_grad_of(x) as gx:` (attrs: block, a Block of one parameter, gx): nothing
# in the forward sweep; in the adjoint sweep the block runs on x's completed adjoint.
GRAD_HOOK = Primitive("grad_hook", emit=("nothing",), pure=False, differentiable=False)
# A checkpointed loop in reverse mode (see ad/reverse.checkpointed_loops): the forward
# sweep's driver, (range, *inits, *invariants) -> (*finals, checkpoints), and the adjoint
# sweep's, (checkpoints, range, *invariants, *cotangents) -> (*adjoints), written out by
# codegen as loops over the schedule's actions.
CKPT_FORWARD = Primitive("checkpointed_loop", emit=("ckpt_forward",), pure=False)
CKPT_REVERSE = Primitive("checkpointed_loop_adjoint", emit=("ckpt_reverse",), pure=False,
                         differentiable=False)
CALL_VALUE = Primitive("call_value", emit=("call_value",), pure=False, shape="fresh",
                       differentiable=False)
# An f-string (attrs: parts, each a str or (conversion, format spec) for the next operand)
FSTRING = Primitive("fstring", emit=("fstring",), shape="fresh", differentiable=False)
# `assert test, message` (operands: test[, message]), kept where the user wrote it
ASSERT = Primitive("assert", emit=("assert",), pure=False, differentiable=False)
# A call of a value the program computes (`rng.normal(size=3)` for a generator made in
# the function, `model.predict(X)` for an object given to it; attrs: text, the call's
# source): run as it is, like OPAQUE_CALL; a differentiated value reaching it is refused.
CALL_OBJECT = Primitive("call_object", emit=("call_value",), pure=False, shape="fresh")


# The operators Python code uses (a + b, not x, a < b, a is None, c1 | c2).
for _obj in list(_BINOPS) + list(_UNARY) + list(_COMPARE):
    defprim(_obj)
defprim(operator.or_, emit=("binop", ast.BitOr), name="or_", differentiable=False,
        shape="elementwise")
defprim(operator.and_, emit=("binop", ast.BitAnd), name="and_", differentiable=False,
        shape="elementwise")
defprim(operator.is_, emit=("compare", ast.Is), differentiable=False)
defprim(operator.is_not, emit=("compare", ast.IsNot), differentiable=False)
