"""The public transformations: grad, value_and_grad, vjp, jvp, and the views
of what they generate (source, ir). The pipeline is composed here and only
here: lower → differentiate → optimize → verify → generate → compile."""

import functools
import inspect
import types

import numpy as np

from . import calls
from .runtime import float_type
from . import rules  # noqa: F401  (registers the derivative rules)
from .ad.forward import jvp as _jvp_transform
from .ad.common import check_recomputed
from .ad.reverse import vjp as _vjp_transform
from .ad.tape import record
from .ad.common import derivative_name
from .codegen import compile as _compile_module
from .codegen import composite
from .codegen.compile import compile_ir
from .codegen.emit import Layout
from .boundary import check_like, leaves_like
from .errors import SourceADError, StructureError, WrtError
from .frontend import lower as _frontend
from .frontend.lower import _result_count
from .frontend.scope import is_user_object
from .frontend.values import record_fields
from .frontend.source import named, parse_function
from .variadic import adapter, is_variadic
from .ir import primitives as P
from .ir.clone import clone_function
from .ir.core import Op, walk_stmts
from .ir.printer import format_function
from .ir.verify import verify
from .opt import optimize
from .opt.inplace import plan_inplace
from .opt.kinds import fold_kinds

_stats = {"lowerings": 0, "transforms": 0, "hits": 0}
# Keyed on the code object and on the objects lowering built into the IR (calls.statics);
# each entry holds both, so that the ids in its key stay theirs.
_lowered = {}      # (id(code), structure, ids of statics) -> (code, statics, Function)
_compiled = {}     # (id(code), kind, wrt, single, structure, float64, ids) -> (code, statics, Compiled)


def cache_info():
    """Counters of the work done: `lowerings` and `transforms` (cache misses), `hits`."""
    return dict(_stats)


def clear_cache():
    """Forget every lowered and compiled function (the counters stay)."""
    _lowered.clear()
    _compiled.clear()
    calls.forget()
    _frontend.clear()


def _statics(fn, structure):
    """What lowering `fn` for `structure` builds into its IR (see calls.statics); calls
    of the derivative objects among them are lowered as calls of their code."""
    passed = [tree[1] for _, tree in structure if tree[0] == "callable"]
    objs = calls.statics(fn, passed)
    calls.register(objs)
    return objs


def _lower(fn, structure=(), statics=None, kinds=None):
    """The IR of `fn` for the structure of its tuple, list and dict arguments (and, with
    `kinds`, for the float64 specialisation's kinds of its parameters)."""
    code = fn.__code__
    if statics is None:
        statics = _statics(fn, structure)
    key = (id(code), structure, calls.static_key(statics), kinds)
    entry = _lowered.get(key)
    if entry is not None and entry[0] is code:
        return entry[2]
    ir = verify(_frontend.lower(fn, structure=dict(structure), kinds=kinds))
    _stats["lowerings"] += 1
    _lowered[key] = (code, statics, ir)
    return ir


def _shape_of(fn, structure=()):
    """The IR of `fn`, for what any lowering of it tells alike (how many results, their
    structure): one made for a specialisation if there is one already."""
    code = fn.__code__
    key = calls.static_key(_statics(fn, structure))
    for (key_code, key_structure, key_statics, _), (c, _, ir) in _lowered.items():
        if key_code == id(code) and key_structure == structure and key_statics == key and \
                c is code:
            return ir
    return _lower(fn, structure)


def _param_names(fn):
    """The names of fn's parameters (for a derivative object: of the function it is the
    derivative of, then its tangents or vector)."""
    if isinstance(fn, Derivative):
        return fn._names + ([fn._names[i] + "_dot" for i in fn.wrt] if fn.kind == "jvp" else [])
    if isinstance(fn, Composite):
        return fn.derivative._names + (["v"] if fn.kind == "hvp" else [])
    code = fn.__code__
    n = code.co_argcount + code.co_kwonlyargcount
    return list(code.co_varnames[:n])


_NO_SELF = object()


def _shifted(w, k):
    """An argument index after the k arguments a method's self or a partial gives, as an
    index of the function's (names stay names)."""
    return w + k if isinstance(w, (int, np.integer)) and not isinstance(w, bool) and w >= 0 \
        else w


def _normalize_wrt(fn, wrt):
    """(indices, single) for `wrt` given as an index, a name, or a tuple of them."""
    names = _param_names(fn)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise WrtError(f"wrt is empty: name at least one argument of {fn.__name__}")
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str, np.integer)):
            raise WrtError(f"wrt must name arguments by position or name, not {w!r}")
        if isinstance(w, str):
            if w not in names:
                raise WrtError(f"wrt={w!r}: {fn.__name__} has no argument named {w!r} "
                               f"(its arguments are {', '.join(names) or 'none'})")
            i = names.index(w)
        else:
            i = int(w)
            if i < 0:
                i += len(names)
            if not 0 <= i < len(names):
                raise WrtError(f"wrt={w!r}: {fn.__name__} takes {len(names)} argument(s) "
                               f"({', '.join(names) or 'none'})")
        if i in out:
            raise WrtError(f"wrt names argument {names[i]!r} twice")
        out.append(i)
    return tuple(out), single


def _structure(n, as_tuple, start=0):
    idx = tuple(range(start, start + n))
    return idx if as_tuple else idx[0]


def _build(fn, kind, wrt, single, structure=(), float64=None):
    """The compiled derivative; `structure`: ((name, tree), ...) for the arguments that are
    tuples, lists or dicts (each leaf is then a parameter of its own, and `wrt` indexes
    the leaves); `float64`: the parameters known to be float64 arrays or floats (then
    temporaries that die are reused in place, see opt.inplace)."""
    code = fn.__code__
    statics = _statics(fn, structure)
    key = (id(code), kind, wrt, single, structure, float64, calls.static_key(statics))
    entry = _compiled.get(key)
    if entry is not None and entry[0] is code:
        _stats["hits"] += 1
        return entry[2]
    kinds = None if float64 is None else \
        frozenset(k for k in float64 if k[0] in _param_names(fn))   # (not the tangents')
    ir = _lower(fn, structure, statics, kinds)
    if float64 is not None:   # the sharing tests that the arguments' kinds decide
        ir = fold_kinds(ir, float64)
    if kind not in ("jvp", "call_jvp"):
        check_recomputed(ir, lambda callee: _lower(named(callee)))
    name = fn.__name__
    n_out = len(ir.results)
    primal = _structure(n_out, ir.returns_tuple)
    if kind == "jvp":
        d = _jvp_transform(ir, wrt)
        layout = Layout((primal, _structure(n_out, ir.returns_tuple, n_out)), name=f"{name}_jvp")
    elif kind in ("grad", "value_and_grad"):
        if ir.returns_tuple or ir.result_tree is not None:
            raise TypeError(f"{kind} requires {name} to return a scalar, but it returns a "
                            f"tuple of {n_out}; use sourcead.vjp, or has_aux=True if it "
                            "returns (output, aux)")
        with_value = kind == "value_and_grad"
        d = _vjp_transform(ir, wrt, seed="scalar", return_primal=with_value)
        grads = _structure(len(wrt), not single, 1 if with_value else 0)
        layout = Layout((0, grads) if with_value else grads, name=f"{name}_{kind}")
    elif kind == "vjp":
        d = _vjp_transform(ir, wrt, seed="param", return_primal=True)
        layout = Layout(primal, split=True, pullback_returns=_structure(len(wrt), not single, n_out),
                        name=f"{name}_vjp", pullback_name=f"{name}_pullback",
                        seed_tuple=ir.returns_tuple)
    elif kind == "call_jvp":   # called by other derivatives: (*results, *tangents)
        d = _jvp_transform(ir, wrt)
        layout = Layout(tuple(range(2 * n_out)), name=derivative_name(fn, "jvp", wrt))
    elif kind == "call_vjp":   # (*results, pullback); the pullback returns one value per wrt
        d = _vjp_transform(ir, wrt, seed="param", return_primal=True)
        layout = Layout(_structure(n_out, n_out > 1), split=True, flat=True,
                        pullback_returns=_structure(len(wrt), len(wrt) > 1, n_out),
                        name=derivative_name(fn, "vjp", wrt),
                        pullback_name=f"{name}_pullback")
    elif kind in ("grad_aux", "value_and_grad_aux", "vjp_aux"):
        # has_aux: f returns (output, aux); only the output is differentiated, and aux
        # (any structure: its leaves are the results after the first) is passed through
        _aux_tree(ir, name)
        aux = tuple(range(1, n_out))
        base = kind[:-4]
        if base == "vjp":
            d = _vjp_transform(ir, wrt, seed="param", return_primal=True, n_seeded=1)
            layout = Layout((0, aux), split=True, name=f"{name}_vjp",
                            pullback_name=f"{name}_pullback",
                            pullback_returns=_structure(len(wrt), not single, n_out))
        else:
            d = _vjp_transform(ir, wrt, seed="scalar", return_primal=True, n_seeded=1)
            grads = _structure(len(wrt), not single, n_out)
            layout = Layout(((0, aux), grads) if base == "value_and_grad" else (grads, aux),
                            name=f"{name}_{base}")
    else:
        raise ValueError(kind)
    d = optimize(verify(d))
    if float64 is not None:   # cotangents of numbers need no unbroadcast, say
        before = sum(1 for _ in walk_stmts(d.body))
        fold_kinds(d, float64, copy=False)
        if sum(1 for _ in walk_stmts(d.body)) != before:
            d = optimize(d)
    if kind not in ("jvp", "call_jvp"):
        d = record(d)
    d = plan_inplace(d, float64, reentrant=kind in ("vjp", "call_vjp"))
    _compile_steps(d, fn)
    d = verify(d, recorded=True)
    compiled = compile_ir(d, layout)
    _stats["transforms"] += 1
    _compiled[key] = (code, statics, compiled)
    return compiled


def _compile_steps(d, fn):
    """For each checkpointed loop: its body as a function (`<f>_step`) and that function's
    derivative (`<f>_step_vjp`), which the drivers in `d` call."""
    for s in d.body.stmts:
        if not (isinstance(s, Op) and s.prim is P.CKPT_FORWARD):
            continue
        a = s.attrs
        step, n, wrt = a["step"], a["n"], a["wrt"]
        name = step.name
        primal = optimize(verify(clone_function(step)))
        a["step_compiled"] = compile_ir(plan_inplace(primal), Layout(_structure(n, n > 1),
                                                                      name=name))
        dv = _vjp_transform(step, wrt, seed="param", return_primal=True)
        dv = plan_inplace(record(optimize(verify(dv))))
        a["vjp_compiled"] = compile_ir(verify(dv, recorded=True), Layout(
            _structure(n, n > 1), split=True, flat=True,
            pullback_returns=_structure(len(wrt), len(wrt) > 1, n),
            name=name + "_vjp", pullback_name=name + "_pullback"))
        a["step_name"], a["vjp_name"] = name, name + "_vjp"
        if "condition" in a:   # a while loop's test
            cond = optimize(verify(clone_function(a["condition"])))
            a["condition_compiled"] = compile_ir(cond, Layout(0, name=a["condition"].name))
            a["condition_name"] = a["condition"].name


def _aux_tree(ir, name):
    """The structure of the aux value of a function that returns (output, aux)."""
    tree = ir.result_tree
    if tree is None and ir.returns_tuple and len(ir.results) == 2:
        return None
    if tree is not None and tree[0] == "tuple" and len(tree[-1]) == 2 and tree[-1][0] is None:
        return tree[-1][1]
    raise TypeError(f"has_aux=True requires {name} to return a pair (output, aux) whose "
                    "output is a single value")


def _derivative_of(fn, kind, wrt):
    """The derivative of the user's function `fn` that generated code calls."""
    gradient = getattr(fn, "__sourcead_gradient__", None)
    if gradient is not None and kind == "vjp":
        return _reverse_of_gradient(gradient, wrt)
    compiled = _build(fn, "call_" + kind, tuple(wrt), False)
    n = len(_shape_of(fn).results)
    expected = _result_count(fn)
    if n != expected:
        raise SourceADError(f"{fn.__name__} returns {n} value(s) but its callers were "
                            f"compiled for {expected}; return a tuple display "
                            "(`return a, b`) in every return statement")
    return compiled.instantiate(fn, fn.__defaults__)


_compile_module.derivative_of = _derivative_of


def _reverse_of_gradient(gradient, wrt):
    """The reverse derivative of the generated code of `gradient` (a grad), in the form
    generated code calls ((*results, pullback), the pullback taking one cotangent per
    result): the vjp of that grad (see Derivative), which does not reverse the
    gradient's own tapes, so that it holds through loops."""
    d = Derivative(gradient, "vjp", wrt[0] if len(wrt) == 1 else tuple(wrt))

    def gradient_vjp(*args):
        y, pullback = d(*args)

        def gradient_pullback(*cotangents):
            return pullback(cotangents[0] if gradient.single else cotangents)
        return (y, gradient_pullback) if gradient.single else (*y, gradient_pullback)
    gradient_vjp.derivative = d
    return gradient_vjp


def _calls_pullbacks(d):
    """Whether the code of the derivative `d` calls a pullback (one that a reverse-mode
    derivative of a function it calls returned): code the frontend cannot lower again."""
    d._function()
    return any(isinstance(s, Op) and s.prim is P.CALL_VALUE for s in walk_stmts(d._default.ir.body))


def _check_differentiable(value, name, fname):
    if isinstance(value, (float, np.floating)):
        return
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return
    if isinstance(value, (bool, np.bool_, int, np.integer)) or \
            (isinstance(value, np.ndarray) and value.dtype.kind in "biu"):
        raise TypeError(f"{fname}: argument {name!r} is {_describe(value)}; only floating-point "
                        "inputs can be differentiated (pass a float, e.g. "
                        f"{name}=float({name}) or {name}.astype(float), or leave it out of wrt)")
    raise TypeError(f"{fname}: argument {name!r} is {_describe(value)}; differentiated "
                    "arguments must be floats or float arrays")


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return f"of type {type(value).__name__}"


class Derivative:
    """A derivative of a user function: call it, read its `.source`, inspect its `.ir`."""

    def __init__(self, fn, kind, wrt=0, has_aux=False):
        self._symmetric = None
        self._mixed = None
        self._higher = isinstance(fn, Derivative)
        if isinstance(fn, Derivative):   # higher order: differentiate the generated code
            if fn.has_aux or fn.kind not in ("grad", "jvp"):
                raise TypeError(f"sourcead differentiates the code of grad and jvp again, not "
                                f"that of {fn.kind}{' with has_aux' if fn.has_aux else ''}")
            inner = fn
            fn = fn._function()
            if inner.kind == "grad" and kind == "jvp" and _calls_pullbacks(inner):
                raise TypeError(
                    f"sourcead cannot take the forward derivative of the gradient of "
                    f"{inner.fn.__qualname__}: that gradient's code calls the pullbacks of the "
                    "functions it calls, functions made at run time, which are not "
                    "differentiated again. sourcead.hvp and sourcead.hessian compute these "
                    "products in reverse over forward mode")
            if inner.kind == "grad" and kind in ("grad", "value_and_grad", "vjp") and \
                    not has_aux:
                if inner.single and _normalize_wrt(fn, wrt) == (inner.wrt, True) and \
                        not _calls_pullbacks(inner):
                    # The derivative of a gradient with respect to the same argument is
                    # the Hessian, which is symmetric: its products are forward over
                    # reverse, which runs through loops too (reverse over reverse would
                    # need the gradient's tapes reversed).
                    self._symmetric = Derivative(inner, "jvp", wrt)
                else:
                    # With respect to other arguments: u . grad_x f is the directional
                    # derivative of f along u, so the VJP of the gradient is the gradient
                    # of f's JVP, reverse over forward (no tapes to reverse either). So
                    # too for the same argument where the gradient's code calls the
                    # pullbacks of the functions f calls (the frontend does not lower a
                    # call of a function made at run time), but f's JVP does not.
                    tangents = inner.wrt[0] if inner.single else inner.wrt
                    self._mixed = (inner, Derivative(Derivative(inner.fn, "jvp", tangents),
                                                     "vjp", wrt))
        if isinstance(fn, Composite):   # jacfwd, jacrev, hessian, hvp: the code they run
            fn = fn._readable()
        fn = named(fn)   # a lambda, named after what it is assigned to
        # a bound method of an object (`model.loss`), or functools.partial of a function:
        # the function, given the object (the partial's arguments) first; `wrt` counts the
        # arguments after them (names stay names)
        self._self = _NO_SELF
        self._bound = ((), {})
        if is_user_object(fn) and inspect.isfunction(getattr(type(fn), "__call__", None)):
            fn = fn.__call__   # an object of the user's with __call__ (a model): that method
        if inspect.ismethod(fn) and inspect.isfunction(fn.__func__):
            self._self, fn = fn.__self__, fn.__func__
            self._bound = ((self._self,), {})
        elif isinstance(fn, functools.partial) and inspect.isfunction(named(fn.func)):
            self._self, self._bound = fn, (tuple(fn.args), dict(fn.keywords))
            fn = named(fn.func)
        if self._bound[0]:
            k = len(self._bound[0])
            wrt = tuple(_shifted(w, k) for w in wrt) if isinstance(wrt, (tuple, list)) \
                else _shifted(wrt, k)
        if not inspect.isfunction(fn):
            parse_function(fn)  # raises the located "cannot read the source" error
        if has_aux and kind not in ("grad", "value_and_grad", "vjp"):
            raise TypeError(f"has_aux is for grad, value_and_grad and vjp, not {kind}")
        self.fn = fn
        self.kind = kind
        self.has_aux = has_aux
        self.build_kind = kind + "_aux" if has_aux else kind
        # *args or **kwargs: a derivative per arity, of an adapter (see variadic.py)
        self._variadic = {} if is_variadic(fn) and not self._higher else None
        self._variadic_last = None
        self._wrt_given = wrt
        if self._variadic is not None:
            self.single = not isinstance(wrt, (tuple, list))
            self.wrt = (wrt,) if self.single else tuple(wrt)
            self._names = _param_names(fn)
            self._compiled = None
            functools.update_wrapper(self, fn)
            return
        self.wrt, self.single = _normalize_wrt(fn, wrt)
        self._names = _param_names(fn)
        self._f = None
        self._compiled = None
        self._structured = {}    # structure of tuple/list/dict arguments -> (function, Compiled)
        self._f64 = {}           # float64 parameters -> the specialised function
        self._irs = {}           # structure of tuple/list/dict arguments -> fn's IR
        functools.update_wrapper(self, fn)

    def _ir(self, structure=()):
        """fn's IR (lowered when first asked: the structure of its results, for calls)."""
        ir = self._irs.get(structure)
        if ir is None:
            ir = self._irs[structure] = _shape_of(self.fn, structure)
        return ir

    def _result_tree(self):
        """The structure of what fn returns, if not an array or a flat tuple."""
        return self._ir().result_tree

    def _lowered_function(self):
        """What a call of this derivative is lowered as, in a function that sourcead
        differentiates (see calls.py): its generated code, for a grad, value_and_grad or
        jvp (also of generated code); None for the others, whose calls are refused."""
        if self._refused_call() is not None:
            return None
        return self._function()

    def _refused_call(self):
        """Why sourcead does not differentiate a call of this derivative in code it
        differentiates, or None."""
        what = f"this {self.kind} of {self.fn.__qualname__}"
        if self.kind == "vjp":
            return (f"sourcead cannot differentiate a call of {what}: it returns a pullback, "
                    "a function made at run time, which the frontend does not differentiate "
                    "through; call a jvp, jacfwd or jacrev of it instead")
        if self.has_aux or self._via is not None:
            return (f"sourcead differentiates calls of grad, value_and_grad and jvp objects "
                    f"(and of jacfwd, jacrev, hessian and hvp), not of {what}"
                    f"{' with has_aux' if self.has_aux else ' (a derivative of a gradient)'}")
        return None

    def _function(self):
        """The derivative for any arguments (no specialisation)."""
        if self._f is None:
            c = _build(self.fn, self.build_kind, self.wrt, self.single)
            defaults = self.fn.__defaults__ if self.kind != "jvp" else None
            f = c.instantiate(self.fn, defaults)
            if self.kind != "jvp" and self.fn.__kwdefaults__:
                f.__kwdefaults__ = dict(self.fn.__kwdefaults__)
            if self.build_kind == "grad":   # its reverse derivative: see _derivative_of
                f.__sourcead_gradient__ = self
            self._default, self._f = c, f
        if self._compiled is None:
            self._compiled = self._default
        return self._f

    @property
    def source(self):
        """The generated Python source of this derivative (as last called, for the
        structure of its tuple, list and dict arguments), followed by that of the
        derivatives of the user's functions it calls. For a derivative of a gradient,
        the code that computes it (see `_call_symmetric` and `_call_mixed`)."""
        if self._via is not None:
            return self._via.source
        if self._compiled is None:
            self._function()
        parts = [self._compiled.source]
        seen = set()
        todo = list(self._compiled.callees.values())
        while todo:
            fn, kind, wrt = todo.pop(0)
            if kind == "compiled":   # a checkpointed loop's step and its derivative
                if wrt.source not in parts:
                    parts.append(wrt.source)
                    todo.extend(wrt.callees.values())
                continue
            key = (fn.__code__, kind, tuple(wrt))
            if key in seen:
                continue
            seen.add(key)
            gradient = getattr(fn, "__sourcead_gradient__", None)
            if gradient is not None and kind == "vjp":
                parts.append(_reverse_of_gradient(gradient, wrt).derivative.source)
                continue
            c = _build(fn, "call_" + kind, tuple(wrt), False)
            parts.append(c.source)
            todo.extend(c.callees.values())
        return "\n\n".join(parts)

    @property
    def ir(self):
        """The optimised IR this derivative was generated from."""
        if self._via is not None:
            return self._via.ir
        self._function()
        return IRView(self._compiled.ir)

    @property
    def source_map(self):
        """{line of .source: line of the user's file} for the generated statements."""
        if self._via is not None:
            return self._via.source_map
        self._function()
        return dict(self._compiled.line_map)

    @property
    def _via(self):
        """The derivative that computes this one, for a derivative of a gradient (or of
        a function with *args or **kwargs: the one its last call used)."""
        if self._variadic is not None:
            if self._variadic_last is None:
                raise TypeError(f"the derivative of {self.fn.__qualname__}, which takes *args "
                                "or **kwargs, is made for the arguments of each call: call "
                                "it before reading its source")
            return self._variadic_last
        if self._symmetric is not None:
            return self._symmetric
        return self._mixed[1] if self._mixed is not None else None

    def _check_args(self, args, kwargs):
        name = self.fn.__name__
        for i in self.wrt:
            pname = self._names[i]
            if i < len(args):
                _check_differentiable(args[i], pname, name)
            elif pname in kwargs:
                _check_differentiable(kwargs[pname], pname, name)

    def __call__(self, *args, **kwargs):
        if self._higher and any(isinstance(a, (tuple, list, dict)) for a in
                                list(args) + list(kwargs.values())):
            raise TypeError("a derivative of a derivative takes arrays and floats; for a "
                            "tuple, list or dict argument, sourcead.hvp gives Hessian-vector "
                            "products, or concatenate the leaves into one array")
        if self._self is not _NO_SELF:
            args = self._bound[0] + args
            kwargs = {**self._bound[1], **kwargs}
        if self._variadic is not None:
            return self._call_variadic(args, kwargs)
        args, kwargs = self._arguments(args, kwargs)
        if self._symmetric is not None:
            return self._call_symmetric(args, kwargs)
        if self._mixed is not None:
            return self._call_mixed(args, kwargs)
        trees = [_tree_of(a) for a in args] + [_tree_of(v) for v in kwargs.values()]
        if any(t is not None or _is_function(a) for t, a in
               zip(trees, list(args) + list(kwargs.values()))) or (not self.has_aux and
                self.kind in ("vjp", "jvp") and self._result_tree() is not None):
            return self._call_structured(args, kwargs)
        spec = None if kwargs else self._float64_spec(args)
        if spec:
            f = self._specialised(spec)
        else:
            f = self._function()
            self._compiled = self._default   # .source shows what ran last
        if self.kind == "jvp":
            return self._call_jvp(f, args, kwargs)
        self._check_args(args, kwargs)
        out = f(*args, **kwargs)
        if self.has_aux:
            return self._with_aux(out, args)
        if self.kind == "grad":
            return self._match_types(out, args)
        if self.kind == "value_and_grad":
            return out[0], self._match_types(out[1], args)
        if self.kind == "vjp":
            return self._wrap_pullback(out, args)
        return out

    def _call_symmetric(self, args, kwargs):
        """grad, value_and_grad or vjp of a gradient, with respect to its own argument."""
        if kwargs:
            raise TypeError("a derivative of a gradient takes its arguments by position")
        i = self.wrt[0]
        x = args[i]
        d = self._symmetric

        def hessian_times(v):
            check_like(v, x, "the cotangent", f"the gradient of {self.fn.__name__}")
            return d(*args, v)[1]
        if self.kind == "vjp":
            y = d(*args, np.zeros_like(x, dtype=float_type(x)) if np.ndim(x) else 0.0 * x)[0]
            return y, hessian_times
        if np.size(x) != 1:
            raise TypeError(f"grad requires a function with a scalar output; the gradient of "
                            f"{self.fn.__name__} has the shape of its argument, "
                            f"{np.shape(x)}: use sourcead.hessian or sourcead.hvp")
        one = np.ones_like(x, dtype=float_type(x)) if isinstance(x, np.ndarray) else 1.0
        value, second = d(*args, one)
        second = _as_type_of(second, x)
        return (value, second) if self.kind == "value_and_grad" else second

    def _call_mixed(self, args, kwargs):
        """grad, value_and_grad or vjp of a gradient, with respect to other arguments than
        its own (or several): the gradient of the directional derivative u . grad_x f,
        which is f's JVP along u in x."""
        if kwargs:
            raise TypeError("a derivative of a gradient takes its arguments by position")
        inner, d = self._mixed
        x = args[inner.wrt[0]]

        def pullback(u):
            check_like(u, x if inner.single else tuple(args[k] for k in inner.wrt),
                       "the cotangent", f"the gradient of {self.fn.__name__}")
            (y, y_dot), pb = d(*args, *((u,) if inner.single else tuple(u)))
            zero = np.zeros_like(y) if isinstance(y, np.ndarray) else 0.0
            one = np.ones_like(y_dot) if isinstance(y_dot, np.ndarray) else 1.0
            return pb((zero, one))
        if self.kind == "vjp":
            return inner(*args), pullback
        if not inner.single:
            raise TypeError(f"grad requires a function with a scalar output; the gradient of "
                            f"{self.fn.__name__} is a tuple: use sourcead.vjp")
        if np.size(x) != 1:
            raise TypeError(f"grad requires a function with a scalar output; the gradient of "
                            f"{self.fn.__name__} has the shape of its argument, "
                            f"{np.shape(x)}: use sourcead.vjp")
        second = pullback(np.ones_like(x, dtype=float_type(x)) if isinstance(x, np.ndarray)
                          else 1.0)
        return (inner(*args), second) if self.kind == "value_and_grad" else second

    def _with_aux(self, out, args):
        """(gradient, aux), ((value, aux), gradient) or (y, pullback, aux)."""
        tree = _aux_tree(self._ir(), self.fn.__name__)

        def aux_of(leaves):
            return _rebuild(tree, list(leaves)) if tree is not None else leaves[0]
        if self.kind == "grad":
            grads, aux = out
            return self._match_types(grads, args), aux_of(aux)
        if self.kind == "value_and_grad":
            (value, aux), grads = out
            return (value, aux_of(aux)), self._match_types(grads, args)
        (y, aux), pullback = out
        y, wrapped = self._wrap_pullback((y, pullback), args)
        return y, wrapped, aux_of(aux)

    def _float64_spec(self, args):
        """The parameters whose arguments are float64 arrays or floats, if no argument is an
        array of another type (then a specialisation may reuse dead temporaries in place)."""
        names = list(self._names)
        if self.kind == "jvp":
            names += [self._names[i] + "_dot" for i in self.wrt]
        spec = []
        for name, a in zip(names, args):
            if isinstance(a, (np.ndarray, np.generic)):
                if a.dtype != np.float64:
                    return None
                # a 0-d array is not one: NumPy's arithmetic on it gives a scalar
                if np.ndim(a) > 0:
                    spec.append((name, "array", np.ndim(a)))
                else:   # a NumPy scalar is a number; a 0-d array is neither for opt.kinds
                    spec.append((name, "scalar", 0 if isinstance(a, np.generic) else None))
            elif isinstance(a, float):
                spec.append((name, "scalar", 0))
            elif isinstance(a, int) and not isinstance(a, bool):
                spec.append((name, "int", 0))   # for opt.kinds: an index, say
        return frozenset(spec)

    def _specialised(self, spec):
        if spec not in self._f64:
            c = _build(self.fn, self.build_kind, self.wrt, self.single, float64=spec)
            f = c.instantiate(self.fn, self.fn.__defaults__ if self.kind != "jvp" else None)
            if self.kind != "jvp" and self.fn.__kwdefaults__:
                f.__kwdefaults__ = dict(self.fn.__kwdefaults__)
            self._f64[spec] = (f, c)
        f, self._compiled = self._f64[spec]
        return f

    def _leaf_level(self, primals, trees, structure):
        """The derivative built for the structure of tuple, list and dict arguments: (the
        compiled function of their leaves, the leaves, the indices of the differentiated
        leaves, the number of leaves of each argument)."""
        n = len(self._names)
        counts = [len(_leaves(a)) for a in primals]
        starts = [sum(counts[:i]) for i in range(n)]
        leaf_wrt = tuple(j for i in self.wrt for j in range(starts[i], starts[i] + counts[i]))
        flat = [leaf for a in primals for leaf in _leaves(a)]
        fname = self.fn.__name__
        for i in self.wrt:
            for k, leaf in enumerate(_leaves(primals[i])):
                _check_differentiable(leaf, self._names[i] + (f" (leaf {k})" if trees[i] else ""),
                                      fname)
        f, compiled = self._structured.get(structure, (None, None))
        if f is None:
            compiled = _build(self.fn, self.build_kind, leaf_wrt, False, structure)
            f = compiled.instantiate(self.fn)
            self._structured[structure] = (f, compiled)
        self._compiled = compiled
        return f, flat, leaf_wrt, counts

    def _call_structured(self, args, kwargs):
        """A call with tuple, list or dict arguments (pytrees): the derivative is built for
        their structure, with one parameter per leaf, and gradients come back in the
        structure of their argument (a dict of parameters gets a dict of gradients)."""
        n = len(self._names)
        if self.kind == "jvp":
            primals, tangents = list(args[:n]), list(args[n:])
            if kwargs or len(args) != n + len(self.wrt):
                return self._call_jvp(None, args, kwargs)   # raises the signature error
        else:
            bound = inspect.signature(self.fn, follow_wrapped=False).bind(*args, **kwargs)
            bound.apply_defaults()
            primals, tangents = list(bound.arguments.values()), []
        trees = [_tree_of(a) for a in primals]
        structure = tuple((self._names[i], t) for i, t in enumerate(trees) if t is not None)
        # a function passed as an argument is known while lowering (np.sin, a def)
        structure += tuple((self._names[i], ("callable", a)) for i, a in enumerate(primals)
                           if _is_function(a))
        f, flat, leaf_wrt, counts = self._leaf_level(primals, trees, structure)
        result_tree = self._ir(structure).result_tree

        def regroup(grads):
            grads = list(grads)
            out = []
            for i in self.wrt:
                part = [_as_type_of(g, leaf) for g, leaf in
                        zip(grads[:counts[i]], _leaves(primals[i]))]
                del grads[:counts[i]]
                out.append(_rebuild(trees[i], part))
            return out[0] if self.single else tuple(out)

        def results(y):
            return _rebuild(result_tree, list(y)) if result_tree is not None else y

        if self.kind == "jvp":
            flat_t = []
            for i, t in zip(self.wrt, tangents):
                check_like(t, primals[i], "the tangent", f"argument {self._names[i]!r}")
                flat_t += leaves_like(t, primals[i])
            y, y_dot = f(*flat, *flat_t)
            return results(y), results(y_dot)
        out = f(*flat)
        if self.has_aux:
            tree = _aux_tree(self._ir(structure), self.fn.__name__)

            def aux_of(leaves):
                return _rebuild(tree, list(leaves)) if tree is not None else leaves[0]
            if self.kind == "grad":
                return regroup(out[0]), aux_of(out[1])
            if self.kind == "value_and_grad":
                (value, aux), grads = out
                return (value, aux_of(aux)), regroup(grads)
            (y, aux), pullback = out

            def aux_pullback(ct):
                check_like(ct, y, "the cotangent", f"the output of {self.fn.__name__}")
                return regroup(pullback(ct))
            return y, aux_pullback, aux_of(aux)
        if self.kind == "grad":
            return regroup(out)
        if self.kind == "value_and_grad":
            return out[0], regroup(out[1])
        y, pullback = out

        def structured_pullback(ct):
            like = results(y)
            check_like(ct, like, "the cotangent", f"the output of {self.fn.__name__}")
            # the generated pullback takes a tuple of cotangents for a tuple of results
            return regroup(pullback(tuple(leaves_like(ct, like)) if result_tree is not None
                                    else ct))
        structured_pullback.source = self._compiled.source
        return results(y), structured_pullback

    def _match_types(self, grads, args):
        """Float in, float out: a 0-d array gradient of a Python float becomes a float."""
        if self.single:
            return _as_type_of(grads, args[self.wrt[0]] if self.wrt[0] < len(args) else None)
        return tuple(_as_type_of(g, args[i] if i < len(args) else None)
                     for g, i in zip(grads, self.wrt))

    def _wrap_pullback(self, out, args):
        y, pullback = out

        @functools.wraps(pullback)
        def vjp_pullback(ct):
            check_like(ct, y, "the cotangent", f"the output of {self.fn.__name__}")
            return self._match_types(pullback(ct), args)
        vjp_pullback.source = self._compiled.source
        return y, vjp_pullback

    def __get__(self, obj, objtype=None):
        """`@sad.grad` on a method in a class body binds like a method: `model.loss(x)`
        is the derivative of the bound method (`wrt` counts the arguments after self)."""
        if obj is None or self._self is not _NO_SELF or self._higher:
            return self
        return Derivative(types.MethodType(self.fn, obj), self.kind, self._wrt_given,
                          self.has_aux)

    def _call_variadic(self, args, kwargs):
        """A call of the derivative of a function with *args or **kwargs: the derivative
        of its adapter for these arguments (variadic.py)."""
        n = len(self.wrt) if self.kind == "jvp" else 0
        primals, tangents = (args[:len(args) - n], args[len(args) - n:]) if n else (args, ())
        fn, flat = adapter(self.fn, primals, kwargs)
        d = self._variadic.get(fn)
        if d is None:
            d = self._variadic[fn] = Derivative(fn, self.kind, self._wrt_given, self.has_aux)
        self._variadic_last = d
        return d(*flat, *tangents)

    def _arguments(self, args, kwargs):
        """The arguments as the generated code takes them: every parameter of fn by
        position (keyword-only ones too; those left out at their defaults), then, for a
        jvp, the tangents: the last len(wrt) positional arguments (the rest are fn's, by
        position or by name)."""
        k = len(args) - (len(self.wrt) if self.kind == "jvp" else 0)
        if k < 0 or not (kwargs or k < len(self._names)) or not inspect.isfunction(self.fn):
            return args, kwargs
        try:
            bound = inspect.signature(self.fn, follow_wrapped=False).bind(*args[:k], **kwargs)
        except TypeError:
            return args, kwargs   # (the signature error says what is expected)
        bound.apply_defaults()
        primals = [bound.arguments[name] for name in self._names if name in bound.arguments]
        return tuple(primals) + tuple(args[k:]), {}

    def _call_jvp(self, f, args, kwargs):
        n = len(self._names)
        if kwargs or len(args) != n + len(self.wrt):
            raise StructureError(
                f"the jvp of {self.fn.__name__} takes its {n} argument(s) positionally, then "
                f"{len(self.wrt)} tangent(s), one for each of "
                f"{', '.join(repr(self._names[i]) for i in self.wrt)} in its shape; got "
                f"{len(args)} positional and {len(kwargs)} keyword argument(s)")
        primals, tangents = args[:n], args[n:]
        for i, t in zip(self.wrt, tangents):
            _check_differentiable(primals[i], self._names[i], self.fn.__name__)
            check_like(t, primals[i], "the tangent", f"argument {self._names[i]!r}")
        y, y_dot = f(*args)
        if isinstance(y, tuple):   # a float output has a float tangent
            return y, tuple(_as_type_of(t, v) for t, v in zip(y_dot, y))
        return y, _as_type_of(y_dot, y)

    def __repr__(self):
        return f"<sourcead {self.kind} of {self.fn.__qualname__} wrt {self.wrt}>"


def _is_function(value):
    """A function, or an object of one of the user's classes, given as an argument: known
    while lowering (its methods are the user's functions; its other attributes are read
    when the derivative runs)."""
    return callable(value) and not isinstance(value, (np.ndarray, np.generic, type)) or \
        is_user_object(value)


def _tree_of(value):
    """The structure of a tuple, list or dict argument (None for anything else), in the
    form `frontend.lower.flatten` uses."""
    fields = record_fields(type(value))
    if fields is not None:   # a named tuple or a dataclass: its fields, in their type
        return ("record", type(value), fields,
                tuple(_tree_of(getattr(value, f)) for f in fields))
    if isinstance(value, (tuple, list)):
        return ("list" if isinstance(value, list) else "tuple",
                tuple(_tree_of(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(value), tuple(_tree_of(v) for v in value.values()))
    return None


def _leaves(value):
    fields = record_fields(type(value))
    if fields is not None:
        return [leaf for f in fields for leaf in _leaves(getattr(value, f))]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [value]


def _rebuild(tree, leaves):
    """The value of structure `tree` over `leaves` (a list it consumes)."""
    if tree is None:
        return leaves.pop(0)
    items = [_rebuild(t, leaves) for t in tree[-1]]
    if tree[0] == "dict":
        return dict(zip(tree[1], items))
    if tree[0] == "record":
        cls = tree[1]
        if issubclass(cls, tuple):
            return cls(*items)
        out = object.__new__(cls)   # (no __init__ or __post_init__ run: the values as they are)
        for name, item in zip(tree[2], items):
            object.__setattr__(out, name, item)
        return out
    return items if tree[0] == "list" else tuple(items)


def _as_type_of(g, arg):
    """Float in, float out: the derivative for a value (the gradient of an argument, the
    tangent of an output) has the value's type: a float for a float, a NumPy scalar of
    its type for one, an array of its float dtype for an array. Within the derivative it
    has it already, unless the function itself promoted (float32 times a float64 array):
    then the derivative was computed in the wider type, and is given in the value's."""
    if isinstance(arg, np.floating):
        if isinstance(g, (np.ndarray, np.generic, float)) and np.ndim(g) == 0:
            return type(arg)(g)
    elif isinstance(arg, float):
        if isinstance(g, (np.ndarray, np.generic)) and np.ndim(g) == 0:
            return float(g)
    elif isinstance(arg, np.ndarray) and arg.dtype.kind == "f":
        if not isinstance(g, np.ndarray):
            return np.asarray(g, dtype=arg.dtype)  # a 0-d array in, a 0-d array out
        if g.dtype != arg.dtype and g.dtype.kind == "f":
            return g.astype(arg.dtype)
    return g


def _transform(kind, fn, wrt, has_aux=False):
    if fn is None:
        return lambda f: Derivative(f, kind, wrt, has_aux)
    return Derivative(fn, kind, wrt, has_aux)


def grad(fn=None, wrt=0, has_aux=False):
    """Reverse-mode gradient of a scalar-valued function.

    >>> import numpy as np, sourcead as sad
    >>> def f(x):
    ...     return np.sum(np.sin(x) ** 2)
    >>> df = sad.grad(f)          # doctest: +SKIP
    >>> df(np.array([0.5, 1.0]))  # doctest: +SKIP
    array([0.84147098, 0.90929743])

    `wrt` picks the argument(s): an index or a name, or a tuple of them (then
    a tuple of gradients is returned). Each gradient has its argument's shape.
    With has_aux=True, f returns `(output, aux)`; the call returns
    `(gradient, aux)`, aux (any value or structure) passed through undifferentiated.
    """
    return _transform("grad", fn, wrt, has_aux)


def value_and_grad(fn=None, wrt=0, has_aux=False):
    """Like `grad`, but returns `(f(*args), gradient)` (with has_aux,
    `((output, aux), gradient)`)."""
    return _transform("value_and_grad", fn, wrt, has_aux)


def vjp(fn=None, wrt=0, has_aux=False):
    """Reverse mode for any output: `y, pullback = vjp(f)(*args)`; `pullback(y_bar)`
    returns the gradient(s) of `<y_bar, f>` w.r.t. the `wrt` argument(s). For a
    function that returns a tuple, `y_bar` is a tuple of the same length. With
    has_aux=True, f returns `(output, aux)` and the call `(y, pullback, aux)`."""
    return _transform("vjp", fn, wrt, has_aux)


def jvp(fn=None, wrt=0):
    """Forward mode: `y, y_dot = jvp(f, wrt=(0, 1))(a, b, a_dot, b_dot)`.

    Arguments are the function's own, then one tangent per `wrt` argument (of
    that argument's shape); returns the outputs and their tangents.
    """
    return _transform("jvp", fn, wrt)


def _basis(x):
    """The unit arrays of `x`'s shape and float type (floats for a float), one per
    element."""
    shape = np.shape(x)
    for k in range(int(np.prod(shape))):
        e = np.zeros(shape, dtype=float_type(x))
        e.flat[k] = 1.0
        yield e if isinstance(x, np.ndarray) else _as_type_of(e, x)


def _single_wrt(fn, wrt, what):
    idx, single = _normalize_wrt(fn, wrt)
    if not single:
        raise WrtError(f"{what} takes one argument (wrt=0 or a name), not {wrt!r}")
    return idx[0]


def jacfwd(fn, wrt=0):
    """The Jacobian by forward mode, one JVP per element of the argument: for an output
    of shape S and an argument of shape A, an array of shape S + A."""
    i = _single_wrt(fn, wrt, "jacfwd")
    d = Derivative(fn, "jvp", i)

    def jacobian(*args):
        x = args[i]
        _array_argument(x, "jacfwd")
        cols = [np.asarray(d(*args, e)[1]) for e in _basis(x)]
        if not cols:   # x has no elements: the output's shape from the function
            y = np.asarray(_wrapped(fn)(*args))
            return np.zeros(y.shape + np.shape(x), dtype=float_type(y, x))
        dtype = float_type(cols[0], x)
        return np.stack(cols, axis=-1).reshape(cols[0].shape + np.shape(x)).astype(
            dtype, copy=False)
    return Composite(fn, "jacfwd", i, d, jacobian)


def jacrev(fn, wrt=0):
    """The Jacobian by reverse mode, one pullback per element of the output (shape S + A,
    as jacfwd)."""
    i = _single_wrt(fn, wrt, "jacrev")
    d = Derivative(fn, "vjp", i)

    def jacobian(*args):
        _array_argument(args[i], "jacrev")
        y, pullback = d(*args)
        x = args[i]
        rows = [np.asarray(pullback(e)) for e in _basis(y)]
        dtype = float_type(y, x)
        if not rows:
            return np.zeros(np.shape(y) + np.shape(x), dtype=dtype)
        return np.stack(rows).reshape(np.shape(y) + np.shape(x)).astype(dtype, copy=False)
    # in code that is differentiated, the same matrix by columns (see Composite)
    return Composite(fn, "jacrev", i, Derivative(fn, "jvp", i), jacobian)


def _array_argument(x, what):
    if isinstance(x, (tuple, list, dict)):
        raise TypeError(f"{what} takes an array or a float argument; for a tuple, list or "
                        "dict of arrays, concatenate them into one array")


def hvp(fn, wrt=0):
    """Hessian-vector products without forming the Hessian: `hvp(f)(x, v)` is H(x) v,
    the forward derivative of the generated gradient code along v (forward over reverse;
    for a function that calls functions of its own, the gradient of its JVP, reverse
    over forward). Further arguments of f go between x and v: `hvp(f, wrt=0)(x, y, v)`."""
    i = _single_wrt(fn, wrt, "hvp")
    g = Derivative(fn, "grad", i)
    if not _calls_pullbacks(g):
        dg, reverse_over_forward = Derivative(g, "jvp", i), None
    else:
        # The gradient's code calls pullbacks (fn calls functions of its own), which the
        # frontend does not lower again: the gradient of fn's JVP along v instead, reverse
        # over forward (H is symmetric, so that is H v too).
        dg, reverse_over_forward = None, Derivative(Derivative(fn, "jvp", i), "vjp", i)

    def times(primals, v):
        primals, _ = g._arguments(tuple(primals), {})   # (those left out at defaults)
        if dg is not None:
            return dg(*primals, v)[1]
        (y, y_dot), pullback = reverse_over_forward(*primals, v)
        zero = np.zeros_like(y) if isinstance(y, np.ndarray) else 0.0
        one = np.ones_like(y_dot) if isinstance(y_dot, np.ndarray) else 1.0
        return _as_type_of(pullback((zero, one)), primals[i])

    by_structure = {}

    def structured_product(primals, v):
        """H v for a tuple, list or dict argument: the forward derivative of the gradient
        built for its structure (a function of the leaves), along v's leaves."""
        x = primals[i]
        trees = [_tree_of(a) for a in primals]
        structure = tuple((g._names[k], t) for k, t in enumerate(trees) if t is not None)
        f, flat, leaf_wrt, counts = g._leaf_level(list(primals), trees, structure)
        if structure not in by_structure:
            by_structure[structure] = Derivative(f, "jvp", leaf_wrt)
        _, dots = by_structure[structure](*flat, *leaves_like(v, x))
        return _rebuild(trees[i], [_as_type_of(d, leaf) for d, leaf in zip(dots, _leaves(x))])

    names = _param_names(fn)
    required = len(names) - len(_wrapped(fn).__defaults__ or ()) - \
        len(getattr(_wrapped(fn), "__kwdefaults__", None) or {})

    def product(*args):
        if not required + 1 <= len(args) <= len(names) + 1 or i >= len(args) - 1:
            raise StructureError(
                f"hvp of {_wrapped(fn).__name__} takes the arguments of "
                f"{_wrapped(fn).__name__} ({', '.join(names)}) positionally, then the vector v "
                f"that multiplies the Hessian, of the shape of {names[i]!r}; got "
                f"{len(args)} argument(s)")
        *primals, v = args
        x = primals[i]
        check_like(v, x, "the vector", f"argument {names[i]!r} of {_wrapped(fn).__name__}")
        if isinstance(x, (tuple, list, dict)):
            return structured_product(primals, v)
        _array_argument(x, "hvp")
        return times(primals, v)
    product = Composite(fn, "hvp", i, dg, product, reverse_over_forward)
    product.gradient = g
    return product


def hessian(fn, wrt=0):
    """The Hessian of a scalar function (forward over reverse, one HVP per element; see
    hvp): an array of shape A + A for an argument of shape A."""
    i = _single_wrt(fn, wrt, "hessian")
    h = hvp(fn, i)
    dg = h.derivative

    def hessian_of(*args):
        x = args[i]
        _array_argument(x, "hessian")
        cols = [np.asarray(h(*args, e)) for e in _basis(x)]
        shape = np.shape(x)
        if not cols:
            return np.zeros(shape * 2, dtype=float_type(x))
        return np.stack(cols, axis=-1).reshape(shape + shape).astype(float_type(x), copy=False)
    hessian_of = Composite(fn, "hessian", i, dg, hessian_of, h.computes_with)
    hessian_of.gradient = h.gradient
    return hessian_of


def _wrapped(fn):
    return fn.fn if isinstance(fn, (Derivative, Composite)) else fn


class Composite:
    """What jacfwd, jacrev, hessian and hvp return: call it as the function it computes.

    `derivative` is the forward derivative it calls once per column (or once, for hvp):
    f's jvp, or for hessian and hvp the jvp of f's gradient. In a function that sourcead
    differentiates, a call of a Composite is lowered as a call of the same computation
    written as Python (`codegen.composite`), and so is a Composite differentiated itself
    (`sad.jacfwd(sad.jacrev(f))`): a jacrev's Jacobian is then computed by columns too,
    the same matrix, since forward-mode code differentiates again in both modes."""

    def __init__(self, fn, kind, index, derivative, call, computes_with=None):
        self.fn = _wrapped(fn)
        self.kind = kind
        self.index = index
        self.derivative = derivative            # None: its calls are not differentiated
        self.computes_with = computes_with or derivative   # the derivative a call runs
        self._call = call
        self._code = None
        functools.update_wrapper(self, self.fn)

    def __call__(self, *args):
        return self._call(*args)

    def __repr__(self):
        return f"<sourcead {self.kind} of {self.fn.__qualname__} wrt {self.index}>"

    def _lowered_function(self):
        """The computation as a Python function sourcead reads (None where f's results or
        parameters are not the kind it is written for: one output, positional
        parameters)."""
        if self._code is None:
            self._code = (self._make_code(),)
        return self._code[0]

    def _make_code(self):
        d = self.derivative
        if d is None:
            return None
        code = d.fn.__code__
        if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
            return None
        ir = d._ir()
        if ir.returns_tuple or ir.result_tree is not None:
            return None
        name = f"{self.fn.__name__}_{self.kind}"
        if self.kind == "hvp":
            return composite.product(d.fn, d._names, d, name)
        f = composite.columns(d.fn, d._names, self.index, d, name)
        f.__defaults__ = d.fn.__defaults__
        return f

    def _readable(self):
        """`_lowered_function()`, or the TypeError that says why there is none."""
        f = self._lowered_function()
        if f is None:
            raise TypeError(self._refused_call())
        return f

    def _refused_call(self):
        """Why sourcead does not differentiate this (see `_lowered_function`), or None."""
        if self._lowered_function() is not None:
            return None
        if self.derivative is None:
            return (f"sourcead cannot differentiate the {self.kind} of "
                    f"{self.fn.__qualname__}, which calls functions of its own: the code of "
                    "its gradient calls their pullbacks, functions made at run time")
        return (f"sourcead differentiates the {self.kind} of a function with one output (an "
                f"array or a number) and positional parameters, not that of "
                f"{self.fn.__qualname__}")

    @property
    def source(self):
        """The Python this computes with: the loop over columns (or the product), then
        the derivative it calls."""
        f = self._lowered_function()
        head = inspect.getsource(f) + "\n\n" if f is not None else ""
        return head + self.computes_with.source


class IRView:
    """Printable IR (`print(sad.ir(f))`); the IR Function is `.function`."""

    def __init__(self, function):
        self.function = function

    def __str__(self):
        return format_function(self.function)

    __repr__ = __str__


def ir(fn):
    """The SSA IR of a function, or of a derivative made by this module."""
    if isinstance(fn, Derivative):
        return fn.ir
    if isinstance(fn, Composite):
        fn = fn._readable()
    return IRView(_lower(fn))


def source(df):
    """The generated source of a derivative (the same as `df.source`)."""
    if not isinstance(df, (Derivative, Composite)):
        raise TypeError("source() takes a derivative made by sourcead (grad, jvp, ...); "
                        f"got {df!r}")
    return df.source
