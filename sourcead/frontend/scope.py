"""Name resolution: what each name of a function means, as Python would decide.

Parameters and names the function binds are local; anything else is a closure's
variable, a global, or a builtin. Modules and callables are resolved now (a
`Static`), so that calls can be matched with primitives; other globals and
closure variables are loaded when the derivative runs (LOAD_GLOBAL, LOAD_FREE),
so that generated code sees the module's state as the user's function would.
"""

import builtins
import types

import gast
import numpy as np

from ..errors import NameResolutionError
from ..ir import primitives as P
from .values import Static, ident_of


def is_static(obj):
    """Whether `obj` is resolved while lowering (a module, a class, a callable, an
    object of one of the user's classes, whose methods are the user's functions)."""
    return isinstance(obj, (types.ModuleType, type)) or callable(obj) or is_user_object(obj) \
        or obj is np.r_ or obj is np.c_


def is_user_object(obj):
    """An instance of a class the user wrote (not a library's, not a dataclass or named
    tuple: those are values made of their fields)."""
    cls = type(obj)
    module = cls.__dict__.get("__module__", getattr(cls, "__module__", None))
    if not isinstance(module, str):   # (a C type's, on some versions: a descriptor)
        return False
    if module in ("builtins", "__builtin__") or module.split(".")[0] in ("numpy", "sourcead") \
            or isinstance(obj, tuple) or hasattr(cls, "__dataclass_fields__"):
        return False
    return is_user_class(cls)


_user_classes = {}


def is_user_class(cls):
    """Whether `cls` is defined in a file of the user's (not the standard library's or an
    installed package's)."""
    known = _user_classes.get(cls)
    if known is None:
        import inspect
        import os
        import sysconfig
        # (the file of its methods' code: a class of a script run with runpy has no
        # module to ask)
        code = next((f.__code__ for f in vars(cls).values()
                     if isinstance(f, types.FunctionType)), None)
        try:
            path = code.co_filename if code is not None else inspect.getsourcefile(cls)
            path = os.path.realpath(path or "")
        except (TypeError, OSError):
            path = ""
        paths = sysconfig.get_paths()
        libs = {os.path.realpath(paths[k]) + os.sep for k in ("stdlib", "purelib", "platlib")}
        known = bool(path) and not any(path.startswith(lib) for lib in libs) and \
            "site-packages" not in path
        try:
            _user_classes[cls] = known
        except TypeError:
            pass
    return known


def bound_names(stmts):
    """The names a statement list binds (assignment targets, loop targets, augmented
    targets, nested defs), not looking into nested functions."""
    names = set()

    def visit(node):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            names.add(node.id)
        elif isinstance(node, gast.FunctionDef):
            names.add(node.name)
            return
        elif isinstance(node, gast.Lambda):
            return
        for child in gast.iter_child_nodes(node):
            visit(child)
        for stmt in getattr(node, "sad_loop", ()) or ():
            visit(stmt)
    for s in stmts:
        visit(s)
    return names


def global_hint(text):
    """A local name for the value of the global `text` (`DT` -> `dt`; never the global's
    own name, which a local of that name would hide)."""
    name = ident_of(text.rsplit(".", 1)[-1].lower())
    return name if name != text else name + "_value"


class Scope:
    """The names of one function: `local` (bound in it), its closure cells and its
    module's globals. `globals_read` and `free_read` collect the names generated code
    must be able to load."""

    def __init__(self, fn, local):
        self.fn = fn
        code = fn.__code__
        self.cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
        self.globals = fn.__globals__
        self.local = set(local)
        self.globals_read = set()
        self.free_read = set()

    def lookup(self, name, loc, builder):
        """The value of the non-local `name`: a Static, or a Var loaded at run time."""
        if name in self.cells:
            try:
                obj = self.cells[name].cell_contents
            except ValueError:
                raise NameResolutionError(f"closure variable '{name}' is not bound yet", loc)
            if is_static(obj):
                return Static(obj, self.spell(obj, name, free=True))
            self.free_read.add(name)
            return builder.emit_op(P.LOAD_FREE, [], attrs={"name": name})
        if name in self.globals:
            obj = self.globals[name]
            if is_static(obj):
                return Static(obj, self.spell(obj, name))
            self.globals_read.add(name)
            return self.load_global(name, builder)
        if hasattr(builtins, name):
            return Static(getattr(builtins, name), name)
        raise NameResolutionError(f"name '{name}' is not defined", loc,
                                  hint="define it at module level or pass it as an argument")

    def load_global(self, text, builder, static=None):
        """A global read when the derivative runs (`dt = DT`, or `DT` where used once);
        `static`: the type it names, for a Static used as a value (dtype=int)."""
        attrs = {"name": text} if static is None else {"name": text, "static": static}
        v = builder.emit_op(P.LOAD_GLOBAL, [], attrs=attrs)
        v.hint, v.is_temp = global_hint(text), True
        return v

    def spell(self, obj, user_text, free=False):
        """How generated code refers to a static object: canonically where it can."""
        if isinstance(obj, types.ModuleType):
            alias = P.MODULE_ALIASES.get(obj.__name__)
            if alias:
                return alias
        else:
            try:
                return P.qualified_name(obj)
            except ValueError:
                pass
        root = user_text.split(".")[0]
        (self.free_read if free else self.globals_read).add(root)
        return user_text

    def attribute(self, base, attr, loc, builder):
        """`base.attr` of a Static: another Static, a library constant, or a load."""
        try:
            obj = getattr(base.obj, attr)
        except AttributeError:
            raise NameResolutionError(f"'{base.text}' has no attribute '{attr}'", loc)
        text = f"{base.text}.{attr}"
        if isinstance(obj, types.MethodType) and obj.__self__ is base.obj:
            return Static(obj, text, owner=base)   # a method of an object known here
        if is_static(obj):
            if isinstance(obj, types.ModuleType) and obj.__name__ in P.MODULE_ALIASES:
                return Static(obj, P.MODULE_ALIASES[obj.__name__])
            try:
                return Static(obj, P.qualified_name(obj))
            except ValueError:
                return Static(obj, text)
        if base.var is not None:   # an attribute of an object passed in, read as it runs
            return builder.emit_op(P.GETATTR, [base.var], attrs={"name": attr})
        if isinstance(obj, float) and isinstance(base.obj, types.ModuleType) and \
                base.obj.__name__ in ("numpy", "math"):
            from ..ir.core import Const
            return Const(obj)   # np.pi, np.inf, math.e: constants of the library
        return self.load_global(text, builder)
