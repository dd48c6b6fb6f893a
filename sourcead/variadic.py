"""Functions that take *args or **kwargs, differentiated as called.

A call `f(a, b, c, k=d)` of `def f(x, *rest, **opts)` is differentiated as a function
of exactly the arguments given: an adapter `def f(x, rest_0, rest_1, opts_k): return
f(x, rest_0, rest_1, k=opts_k)` (its source registered with linecache, so that it reads
like any other), whose call of f is lowered in it with `rest` a tuple and `opts` a dict
known while lowering. One adapter per arity and keyword names; `wrt` counts the call's
positional arguments as they are given."""

import inspect
import itertools
import linecache

_adapters = {}   # (code of f, number of positional arguments, keyword names) -> adapter
_serial = itertools.count()


def is_variadic(fn):
    code = getattr(fn, "__code__", None)
    return code is not None and bool(code.co_flags & (inspect.CO_VARARGS |
                                                      inspect.CO_VARKEYWORDS))


def adapter(fn, args, kwargs):
    """The adapter of `fn` for a call with these arguments (its TypeError if f cannot
    take them), and the arguments as the adapter takes them, by position."""
    sig = inspect.signature(fn)
    sig.bind(*args, **kwargs)   # (Python's own error for a wrong call)
    key = (fn.__code__, len(args), tuple(kwargs))
    made = _adapters.get(key)
    if made is None or made[0] is not fn:
        made = _adapters[key] = (fn, _make(fn, sig, len(args), tuple(kwargs)))
    return made[1], tuple(args) + tuple(kwargs.values())


def _make(fn, sig, n, keywords):
    params = list(sig.parameters.values())
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), "args")
    stars = next((p.name for p in params if p.kind is p.VAR_KEYWORD), "kwargs")
    taken = set(sig.parameters)

    def fresh(base):
        name, k = base, 1
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name
    positional = [named[i] if i < len(named) else fresh(f"{star}_{i - len(named)}")
                  for i in range(n)]
    given = [k if k in sig.parameters else fresh(f"{stars}_{k}") for k in keywords]
    callee = fresh("__sourcead_callee")
    call = ", ".join(positional + [f"{k}={g}" for k, g in zip(keywords, given)])
    filename = f"<sourcead call of {fn.__qualname__} #{next(_serial)}>"
    text = (f"def __sourcead_make({callee}):\n"
            f"    def {fn.__name__}({', '.join(positional + given)}):\n"
            f"        return {callee}({call})\n"
            f"    return {fn.__name__}\n")
    lines = text.splitlines(True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    namespace = {}
    exec(compile(text, filename, "exec"), fn.__globals__, namespace)
    made = namespace["__sourcead_make"](fn)
    made.__module__ = fn.__module__
    made.__qualname__ = fn.__qualname__
    made.__wrapped_variadic__ = fn
    return made
