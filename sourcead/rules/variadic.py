"""Functions of any number of arrays: `np.concatenate((a, b))`, `np.stack([x, y, z])`,
`np.array((u, v))`, `np.einsum('ij,jk', a, b)`.

A rule gives one contribution per parameter it lists, so such a function gets one
primitive per number of arrays, and the frontend passes the arrays as separate
arguments: `np.concatenate((a, b), axis=1)` becomes `sad_rt.concatenate(a, b, axis=1)`,
an op of the primitive for two arrays, in which `a` and `b` are operands of their own
(see `frontend.lower.VARIADIC_CALLS`); `np.einsum('ij,jk', a, b)` stays as written, an
op of the einsum primitive for two operands. These primitives are made on first use,
their rules put straight into the registry's tables. A tuple or list that only exists
at run time (one chosen by a branch) stays one argument of the function's ordinary
primitive, whose rules treat it as one array.

The rules are written once, for a tuple `xs` of the arrays (and `dxs` of their
tangents), and lowered for each length, `xs` seen in the body as a tuple:

    @variadic_vjp(STACK)
    def _(g, ans, xs, axis=0):
        parts = []
        for k, x in enumerate(xs):              # unrolled: one adjoint per array
            parts.append(stack_part(g, axis, k, np.shape(x)))
        return parts

    @variadic_jvp(CONCATENATE)
    def _(dxs, ans, xs, axis=0):
        return np.concatenate(dxs, axis=axis)
"""

import inspect

from ..frontend.lower import VARIADIC_CALLS, TupleParams, TupleValue, lower
from ..ir import primitives as P
from ..ir.core import Const, Var
from . import registry


class _Arity:
    """The callable of the primitive for `fn` with `n` arrays (it calls `fn`); only its
    identity matters, as the key of that primitive."""

    def __init__(self, fn, n):
        self.fn = fn
        self.n = n

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return f"<{self.fn.__name__} of {self.n} arrays>"


class Variadic:
    """A function whose arrays are the items of its first argument (`fn(arrays, *after)`),
    or, with `start`, its positional arguments from `start` on (`fn(*lead, *arrays)`,
    the leading ones constants: einsum's subscripts). Generated code calls
    `call(*lead, *arrays, **after)`.

    `after` names the positional parameters that follow a sequence of arrays (they are
    passed to `call` by keyword), `defaults` the values passed for those not given;
    `keywords` the other keyword arguments accepted. `props` are the primitives'
    properties (see ir.primitives).
    """

    def __init__(self, fn, call, after=(), defaults=None, start=None, keywords=(), **props):
        self.fn = fn
        self.call = call
        self.after = tuple(after)
        self.defaults = dict(defaults or {})
        self.start = start
        self.keywords = set(self.after) | set(keywords)
        self.props = props
        self.templates = {}      # "vjp" / "jvp" -> the rule written for a tuple `xs`
        self.by_arity = {}
        VARIADIC_CALLS[fn] = self
        if call is not fn and start is None:
            # generated code's own spelling (`sad_rt.array(a, b)`), read again when a
            # derivative is differentiated: the same primitive
            VARIADIC_CALLS.setdefault(call, self.spelled)

    def spelled(self, args, kwargs):
        """The frontend's question for a call of `call(*arrays, **after)`."""
        if set(kwargs) - self.keywords or not args:
            return None
        return self._primitive_call([], args, kwargs)

    def primitive(self, n):
        """The callable of the primitive for `n` arrays (made, with its rules, on first use)."""
        key = self.by_arity.get(n)
        if key is None:
            key = _Arity(self.call, n)
            spelling = P.qualified_name(self.call)
            prim = P.defprim(key, emit=("call", spelling), name=spelling, **self.props)
            for kind, template in self.templates.items():
                table = registry._vjp_rules if kind == "vjp" else registry._jvp_rules
                table[prim] = _ArityRule(template, kind, n)
            self.by_arity[n] = key
        return key

    def __call__(self, args, kwargs):
        """The frontend's question: given a call's lowered arguments, (callable, args,
        kwargs) of the primitive for that many arrays, or None to leave the call as it is."""
        if set(kwargs) - self.keywords:
            return None
        if self.start is not None:
            lead, items = args[:self.start], args[self.start:]
            if len(lead) < self.start or not all(isinstance(a, Const) for a in lead):
                return None
        else:
            if not args or not isinstance(args[0], TupleValue) or \
                    len(args) - 1 > len(self.after):
                return None
            lead, items = [], args[0].items
            kwargs = dict(kwargs)
            kwargs.update(zip(self.after, args[1:]))
        return self._primitive_call(lead, items, kwargs)

    def _primitive_call(self, lead, items, kwargs):
        """(the primitive for that many arrays, its operands, its keywords), or None."""
        items = [_constant(item) for item in items]
        if any(item is None for item in items):
            return None   # nested sequences of variables: np.array([[a, b], [c, d]])
        kwargs = dict(kwargs)
        for name, value in self.defaults.items():
            kwargs.setdefault(name, Const(value))
        return self.primitive(len(items)), list(lead) + items, kwargs


def _constant(item):
    """An item of a joined sequence as an operand: a nested tuple of constants (the
    `(1.0, 2.0)` in `np.concatenate((x, (1.0, 2.0)))`) as one constant; None for a
    nested tuple of variables."""
    if not isinstance(item, TupleValue):
        return item
    items = [_constant(i) for i in item.items]
    if all(isinstance(i, Const) for i in items):
        return Const(tuple(i.value for i in items))
    return None


def variadic_vjp(*variadics):
    """Register the VJP rule of `Variadic`s, written for a tuple `xs`: it returns one
    contribution per array (a list or tuple built in the rule)."""
    def register(fn):
        for v in variadics:
            v.templates["vjp"] = fn
        return fn
    return register


def variadic_jvp(*variadics):
    """Register the JVP rule of `Variadic`s, written for tuples `dxs` and `xs`."""
    def register(fn):
        for v in variadics:
            v.templates["jvp"] = fn
        return fn
    return register


class _ArityRule(registry.Rule):
    """A rule written for a tuple `xs` (and `dxs`), as the rule of the primitive for `n`
    arrays: `xs` stands for the parameters xs0 ... xs{n-1}."""

    def __init__(self, template, kind, n):
        self.fn = template
        self.kind = kind
        self.n = n
        self.params = list(inspect.signature(template).parameters.values())
        i = [p.name for p in self.params].index("ans")
        self.n_lead = n if kind == "jvp" else i
        primal = []
        for p in self.params[i + 1:]:
            if p.name == "xs":
                primal += [inspect.Parameter(f"xs{k}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
                           for k in range(n)]
            else:
                primal.append(p)
        self.primal_sig = inspect.Signature(primal)
        self.required = [f"xs{k}" for k in range(n)]
        self._lowered = {}

    def lowered(self, primal, n_outs=1):
        consts = {k: v for k, v in primal.items() if isinstance(v, Const)}
        key = tuple(sorted((k, v._key()) for k, v in consts.items()))
        fn = self._lowered.get(key)
        if fn is None:
            fn = self._lower(primal)
            self._lowered[key] = fn
        return fn

    def _lower(self, primal):
        items = [primal[name] if isinstance(primal[name], Const) else Var(name)
                 for name in self.required]
        bindings = {k: v for k, v in primal.items()
                    if isinstance(v, Const) and k not in self.required}
        bindings["xs"] = TupleValue(items)
        tangents = [Var(f"dxs{k}") for k in range(self.n)]
        if self.kind == "jvp":
            bindings["dxs"] = TupleValue(tangents)
        fn = lower(self.fn, bindings=bindings)
        # The lowered function's parameters are the template's unbound ones, in order;
        # the arrays (and tangents) take the place of `xs` (and `dxs`).
        unbound = iter(fn.params)
        params = []
        for p in self.params:
            if p.name == "dxs":
                params += tangents
            elif p.name == "xs":
                params += [v for v in items if isinstance(v, Var)]
            elif p.name not in bindings:
                params.append(next(unbound))
        fn.params = params
        return fn


# --- functions returning a number of arrays that their constant arguments decide -----------

class PerOutputRule(registry.Rule):
    """A rule of a primitive whose number of outputs its constant arguments decide
    (`np.split(x, 3)` returns three arrays): in a VJP rule, the parameter `gs` stands for
    one cotangent per output, seen in the body as a tuple (as `ans` is). The arguments
    named in `constants` must be constants where the primitive is differentiated."""

    def __init__(self, fn, kind, constants=()):
        super().__init__(fn, kind)
        self.constants = tuple(constants)

    def bind(self, op):
        primal = super().bind(op)
        for name in self.constants:
            if not isinstance(primal[name], Const):
                raise TypeError(f"its argument {name} must be a constant, since it decides "
                                "how many arrays the call returns")
        return primal

    def lowered(self, primal, n_outs=1):
        consts = {k: v for k, v in primal.items() if isinstance(v, Const)}
        consts["ans"] = TupleParams(n_outs)
        if self.kind == "vjp":
            consts["gs"] = TupleParams(n_outs)
        return self.lowered_with(consts)


def per_output_vjp(*objs, constants=(), **prim_props):
    """Register a `PerOutputRule` VJP rule `(gs, ans, ...)` for the callables `objs`."""
    def register(fn):
        for obj in objs:
            registry._vjp_rules[P.defprim(obj, **prim_props)] = PerOutputRule(fn, "vjp", constants)
        return fn
    return register


def per_output_jvp(*objs, constants=(), **prim_props):
    """Register a `PerOutputRule` JVP rule (it returns one tangent per output)."""
    def register(fn):
        for obj in objs:
            registry._jvp_rules[P.defprim(obj, **prim_props)] = PerOutputRule(fn, "jvp", constants)
        return fn
    return register


def constant_sequences(fn):
    """Have the frontend pass a tuple or list of constants given to `fn` by position as one
    constant (a tuple): `np.split(x, [2, 5])`, whose split points decide how many arrays
    it returns."""
    def call(args, kwargs):
        args = [_constant(a) or a if isinstance(a, TupleValue) else a for a in args]
        return fn, args, kwargs
    VARIADIC_CALLS[fn] = call


def variadic_functions():
    """{function: (has a JVP rule, has a VJP rule)} for the functions of any number of
    arrays (their rules belong to primitives made on first use, one per number of arrays,
    so a listing of primitives does not show them)."""
    return {v.fn: ("jvp" in v.templates, "vjp" in v.templates)
            for v in VARIADIC_CALLS.values() if isinstance(v, Variadic)}
