"""Registering derivative rules, and lowering them for inlining.

A VJP rule takes the output cotangent(s), then `ans` (the primal output),
then the primitive's parameters, and returns one contribution per required
parameter (those without a default), `None` where there is none:

    @vjp_rule(np.multiply)
    def _(g, ans, x, y):
        return g * y, g * x

A JVP rule takes one tangent per required parameter, then `ans`, then the
parameters, and returns the output tangent.

A primitive with several outputs (`np.linalg.eigh` returns w and v) has
rules that see `ans` as the tuple of its outputs; its VJP rule takes one
cotangent per output, and its JVP rule returns one tangent per output. For functions of one argument,
`derivative` registers both from the one formula for f'(x).

The compiler lowers a rule's source with the same frontend as user code,
with constant arguments (an `axis=1`, `keepdims=True`) bound first, so a
rule can branch on them and only the branch taken reaches generated code.
"""

import inspect

from ..frontend.lower import NeverNone, TupleParams, lower
from ..ir import primitives as P
from ..ir.core import Const, Var, Zero

_vjp_rules = {}
_jvp_rules = {}
_derivatives = {}


class Rule:
    def __init__(self, fn, kind):
        self.fn = fn
        self.kind = kind
        # a user's rule (not one of sourcead's): its results' shapes are checked when used
        self.user = not (getattr(fn, "__module__", "") or "").startswith("sourcead")
        self.name = getattr(fn, "__qualname__", repr(fn))
        params = list(inspect.signature(fn).parameters.values())
        names = [p.name for p in params]
        if "ans" not in names:
            raise TypeError(f"rule {fn.__qualname__} must have a parameter named 'ans'")
        i = names.index("ans")
        self.n_lead = i
        self.primal_sig = inspect.Signature(params[i + 1:])
        self.required = [p.name for p in params[i + 1:] if p.default is inspect.Parameter.empty]
        self.leads = names[:i]
        # a VJP rule of several outputs may take the cotangents known to be zero as None
        # (and skip their terms): see vjp_rule
        self.zeros_as_none = False
        self._lowered = {}

    def bind(self, op):
        """The primal operands of `op` by this rule's parameter names (defaults filled)."""
        bound = self.primal_sig.bind(*op.args, **op.kwargs)
        bound.apply_defaults()
        return {k: v if isinstance(v, (Var, Const, Zero)) else Const(v) for k, v in bound.arguments.items()}

    def lowered(self, primal, n_outs=1, zeros=()):
        """The rule's IR, with the constant primal arguments in `primal` bound. For a
        primitive with several outputs, `ans` is a tuple of them (one parameter each);
        the cotangents at the positions in `zeros` are None."""
        consts = {k: v for k, v in primal.items() if isinstance(v, Const)}
        consts.update((self.leads[k], Const(None)) for k in zeros)
        if self.zeros_as_none:
            consts["<cotangents>"] = NeverNone(n for k, n in enumerate(self.leads)
                                               if k not in zeros)
        if n_outs != 1:
            consts["ans"] = TupleParams(n_outs)
        return self.lowered_with(consts)

    def lowered_with(self, bindings):
        """The rule's IR with `bindings` fixed, lowered once per distinct bindings."""
        key = tuple(sorted((k, v._key()) for k, v in bindings.items()))
        fn = self._lowered.get(key)
        if fn is None:
            fn = lower(self.fn, bindings=bindings)
            self._lowered[key] = fn
        return fn


def vjp_rule(*objs, zeros_as_none=False, **prim_props):
    """Register a reverse-mode rule for the callables `objs` (see the module docstring).

    With `zeros_as_none`, a rule of a primitive with several outputs receives None for
    the cotangent of an output nothing reads (`w, v = eigh(a)` where only w is used), so
    that it can leave out that output's terms: the rule is read once per such pattern."""
    def register(fn):
        for obj in objs:
            rule = Rule(fn, "vjp")
            rule.zeros_as_none = zeros_as_none
            _vjp_rules[P.defprim(obj, **prim_props)] = rule
        return fn
    return register


def jvp_rule(*objs, **prim_props):
    """Register a forward-mode rule for the callables `objs` (see the module docstring)."""
    def register(fn):
        for obj in objs:
            _jvp_rules[P.defprim(obj, **prim_props)] = Rule(fn, "jvp")
        return fn
    return register


def derivative(*objs, **prim_props):
    """Register both rules of a one-argument function from its derivative `f'(x)`.

        @derivative(np.tanh)
        def _(ans, x):
            return 1.0 - ans * ans

    gives the JVP `dx * (1.0 - ans * ans)` and the VJP `g * (1.0 - ans * ans)`.
    """
    def register(fn):
        rule = Rule(fn, "derivative")
        for obj in objs:
            prim = P.defprim(obj, **prim_props)
            _derivatives[prim] = rule
        return fn
    return register


def nondifferentiable(*objs, **prim_props):
    """Declare callables whose outputs carry no derivative (comparisons, shapes, rounding)."""
    for obj in objs:
        P.defprim(obj, differentiable=False, **prim_props)


def get_vjp(prim):
    return _vjp_rules.get(prim)


def get_jvp(prim):
    return _jvp_rules.get(prim)


def get_derivative(prim):
    return _derivatives.get(prim)


def has_rules(prim):
    """(forward, reverse) availability for `prim`."""
    d = prim in _derivatives
    return d or prim in _jvp_rules, d or prim in _vjp_rules


def custom_vjp(fn):
    """Mark the user's function `fn` as one whose reverse-mode derivative the user gives:

        @custom_vjp
        def logsumexp(x):
            m = np.max(x)
            return m + np.log(np.sum(np.exp(x - m)))

        @logsumexp.defvjp
        def _(g, ans, x):
            return g * np.exp(x - ans)

    The rule is inlined where `fn` is called, and shown in `.source`. `defjvp` gives the
    forward-mode rule the same way (`custom_jvp` is the same decorator)."""
    P.defprim(fn, pure=True)
    fn.defvjp = vjp_rule(fn)
    fn.defjvp = jvp_rule(fn)
    return fn


custom_jvp = custom_vjp
