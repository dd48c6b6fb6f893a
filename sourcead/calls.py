"""What lowering a function reads once, when its derivative is built: the functions,
classes and modules its code names.

The frontend resolves a name that holds a function, a class or a module (in the
function's closure or its module's globals) to that object, and builds the object
into the IR: a call of it becomes a call of that callee, or is inlined. So the
lowered IR of a code object is only valid for the objects its names held when it was
lowered. Two closures of one `def` (`make(np.sin)` and `make(np.cos)`) share their
code but not their callees, and a global may be rebound between two `grad(f)`; the
caches in `api` key on these objects as well as on the code (`static_key`).

Calls of derivative objects (`g = sad.grad(f)` called inside a function that is
differentiated) are lowered as calls of the Python function that computes them, which
the frontend can read: the generated code of a grad, value_and_grad or jvp, or the
loop over columns of a jacfwd, jacrev or hessian (see `api.Composite`). Each such
object tells the frontend so through `frontend.lower.VARIADIC_CALLS`, the frontend's
table of calls it rewrites, when a function that names it is lowered (`register`).
"""

import types

from .frontend.lower import VARIADIC_CALLS
from .ir.core import Const, Var


def _is_static(obj):
    # as frontend.scope.is_static: what the frontend builds into the IR
    from .frontend.scope import is_static
    return is_static(obj)


def _names(code):
    """The global and free names `code` and the code nested in it read."""
    names = set(code.co_names) | set(code.co_freevars)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names(c)
    return names


def _is_users(fn):
    return isinstance(fn, types.FunctionType) and \
        (fn.__module__ or "").split(".")[0] != "sourcead"


def statics(fn, more=()):
    """The objects lowering `fn` builds into its IR, as a tuple: those its names hold
    that are functions, classes or modules, and those of the user's functions among
    them (which may be inlined), transitively; `more`: functions passed as arguments."""
    found = []
    seen = set()

    def visit(f):
        if id(f) in seen:
            return
        seen.add(id(f))
        cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
        for name in sorted(_names(f.__code__)):
            if name in cells:
                try:
                    obj = cells[name].cell_contents
                except ValueError:   # not bound yet: lowering says so
                    continue
            elif name in f.__globals__:
                obj = f.__globals__[name]
            else:
                continue
            if not _is_static(obj):
                continue
            found.append(obj)
            if _is_users(obj):
                visit(obj)

    visit(fn)
    for f in more:
        found.append(f)
        if _is_users(f):
            visit(f)
    return tuple(found)


def static_key(objs):
    """The part of a cache key that stands for `statics(...)`: the objects' identities
    (valid while the cache entry holds the objects themselves)."""
    return tuple(id(o) for o in objs)


class _DerivativeCall:
    """The frontend's rewrite of a call of the derivative object `obj` (see
    VARIADIC_CALLS): a call of the function that computes it, with the same arguments,
    when they are arrays or numbers. None leaves the call as it is (refused if it is
    differentiated): for tuple, list, dict or function arguments, and for the
    derivative objects whose calls sourcead does not differentiate."""

    def __init__(self, obj):
        self.obj = obj

    def __call__(self, args, kwargs):
        if not all(isinstance(a, (Var, Const)) for a in list(args) + list(kwargs.values())):
            return None
        function = self.obj._lowered_function()
        if function is None:
            return None
        return function, *_with_defaults(self.obj, list(args), dict(kwargs))


def _with_defaults(obj, args, kwargs):
    """A derivative's call as its code takes it: the differentiated function's parameters
    left out at their defaults (`sad.grad(loss)(w)` of `def loss(w, *, lam=0.1)`), the
    tangents or the vector of a jvp or hvp after them."""
    import inspect
    fn = getattr(obj, "fn", None)
    kind = getattr(obj, "kind", None)
    if not inspect.isfunction(fn) or kind not in ("grad", "value_and_grad", "jvp", "hvp",
                                                  "hessian", "jacrev", "jacfwd"):
        return args, kwargs
    extra = len(getattr(obj, "wrt", ())) if kind == "jvp" else 1 if kind == "hvp" else 0
    head, tail = (args[:len(args) - extra], args[len(args) - extra:]) if extra else (args, [])
    from .frontend.calls import is_plain
    sig = inspect.signature(fn, follow_wrapped=False)
    try:
        bound = sig.bind(*head, **kwargs)
    except TypeError:
        return args, kwargs   # (the call says what is wrong)
    out = []
    for name, p in sig.parameters.items():
        if name in bound.arguments:
            out.append(bound.arguments[name])
        elif p.default is not inspect.Parameter.empty and is_plain(p.default):
            out.append(Const(p.default))
        else:
            return args, kwargs
    return out + list(tail), {}


def register(objs):
    """Have the frontend lower calls of the derivative objects among `objs` as calls of
    the functions that compute them (their `_lowered_function()`: a Python function, or
    None where sourcead does not differentiate a call of the object; asked on the first
    call lowered)."""
    for obj in objs:
        if isinstance(obj, type) or not callable(getattr(obj, "_lowered_function", None)):
            continue
        try:
            if obj not in VARIADIC_CALLS:
                VARIADIC_CALLS[obj] = _DerivativeCall(obj)
        except TypeError:   # unhashable: never looked up
            continue


def forget():
    """Drop the rewrites `register` added (api.clear_cache: the objects are not kept)."""
    for obj in [k for k, v in VARIADIC_CALLS.items() if isinstance(v, _DerivativeCall)]:
        del VARIADIC_CALLS[obj]
