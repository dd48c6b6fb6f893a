"""What forward and reverse mode share: finding a rule, and refusing without one."""

import operator

from ..errors import NoDerivativeError, UnsupportedSyntaxError
from ..ir import primitives as P
from ..ir.core import Op
from ..rules import registry


def callee_name(op):
    if op.prim in (P.OPAQUE_CALL, P.CALL_OBJECT):
        return op.attrs.get("text") or getattr(op.attrs.get("callee"), "__name__", "?")
    return op.prim.name


def no_rule(op, mode):
    """The error for a differentiated value reaching `op`, which has no `mode` rule."""
    name = callee_name(op)
    callee = op.attrs.get("callee")
    refused = getattr(callee, "_refused_call", None)
    if op.prim is P.OPAQUE_CALL and callable(refused):   # a derivative object (see calls.py)
        why = refused() or (f"sourcead differentiates a call of `{name}`, a derivative "
                            "object, where its arguments are arrays and numbers, not tuples, "
                            "lists, dicts or functions")
        return NoDerivativeError(why, op.loc, hint="concatenate the arrays into one, or "
                                 "differentiate a function that computes the same thing")
    if op.prim is P.CALL_OBJECT:
        hint = (f"`{name}` is a value the program computes (a method of an object, a "
                "function read from a container), so sourcead has no rule for it: give it "
                "only values that are not differentiated (for a random draw: "
                "mu + sigma * rng.normal(size=...)), or call a NumPy function or one of "
                "your own")
    elif op.prim is P.OPAQUE_CALL and getattr(callee, "__code__", None) is not None:
        hint = (f"sourcead cannot read the source of {name} (it was defined by exec() or "
                "at an interactive prompt): define it in a .py file, or give it rules with "
                f"@sourcead.jvp_rule({name}) and @sourcead.vjp_rule({name})")
    else:
        hint = (f"give it rules with @sourcead.jvp_rule({name}) and @sourcead.vjp_rule({name}) "
                "(see docs/writing-rules.md), or wrap the argument in a value that is not "
                "differentiated")
    if op.prim is P.GETATTR:
        return UnsupportedSyntaxError(
            f"sourcead cannot yet differentiate the attribute `.{op.attrs['name']}` of a "
            "differentiated value", op.loc, hint="use the NumPy function form (np.transpose(x), np.shape(x))")
    if op.prim.impl is operator.getitem:
        return UnsupportedSyntaxError("sourcead cannot yet differentiate indexing", op.loc,
                                      hint="indexing and slicing come in a later release")
    return NoDerivativeError(f"no {mode} derivative rule for `{name}`, which a differentiated "
                             "value reaches here", op.loc, hint=hint)


def find_rule(op, mode):
    """("derivative" | "jvp" | "vjp", rule) for `op`, or raise."""
    d = registry.get_derivative(op.prim)
    if d is not None:
        return "derivative", d
    rule = registry.get_jvp(op.prim) if mode == "forward" else registry.get_vjp(op.prim)
    if rule is None:
        raise no_rule(op, mode)
    return mode, rule


def emit_temp(stmts, fn, args, loc):
    """Append `fn(*args)` (a registered primitive) to `stmts`; returns its temporary result."""
    op = Op(P.lookup(fn), args, loc=loc)
    op.out.is_temp = True
    stmts.append(op)
    return op.out


def bind(rule, op):
    try:
        return rule.bind(op)
    except TypeError as e:
        raise NoDerivativeError(f"`{callee_name(op)}` is called with arguments its derivative "
                                f"rule does not accept: {e}", op.loc,
                                hint="pass only the arguments the rule lists") from None


def derivative_name(fn, kind, wrt):
    """How generated code names the derivative of the user's function `fn`: `f_vjp`, or
    `f_vjp_x_w` when it is taken with respect to some of the parameters only."""
    import inspect
    names = list(inspect.signature(fn).parameters)
    suffix = "" if tuple(wrt) == tuple(range(len(names))) else \
        "_" + "_".join(names[k] for k in wrt)
    return f"{fn.__name__}_{kind}{suffix}"


def check_constant_arguments(rule, primal, op, is_active):
    """A rule differentiates only its parameters without defaults; refuse a differentiated
    value passed to another (np.average's weights), rather than treat it as a constant."""
    for name, value in primal.items():
        if name not in rule.required and is_active(value):
            raise NoDerivativeError(
                f"`{callee_name(op)}` has no derivative with respect to its argument "
                f"`{name}`, which depends on a differentiated value here", op.loc,
                hint=f"compute `{name}` from values that are not differentiated, or give "
                     f"{callee_name(op)} a rule that differentiates it")


def check_recomputed(fn, lower):
    """Refuse what reverse mode would get wrong by computing again: a call run as it is
    (a random draw, `rng.normal(...)`, a function without a rule) whose result is used,
    inside a checkpointed loop or a `sad.checkpoint` function (or a function either
    calls). The adjoint sweep recomputes those and would draw anew. `lower(callee)` is
    the IR of one of the user's functions. (A call whose result is unused, `print(...)`,
    runs again; that is all.)"""
    from ..ir.core import Loop, walk_stmts
    seen = set()

    def scan(block, where):
        used = set()
        for s in walk_stmts(block):
            used.update(s.operands())
            for b in s.blocks():
                used.update(b.results)
        used.update(block.results)
        for s in walk_stmts(block):
            if not isinstance(s, Op):
                continue
            if s.prim in (P.OPAQUE_CALL, P.CALL_OBJECT) and _may_draw(s) and \
                    any(o in used for o in s.outs):
                raise UnsupportedSyntaxError(
                    f"sourcead cannot differentiate `{callee_name(s)}` {where}: the adjoint "
                    "sweep computes it again there, and a call run as it is (a random draw, "
                    "say) may give another value", s.loc,
                    hint="make the call (draw all the random numbers) before the loop or "
                         "outside the checkpointed function, and pass its result in")
            if s.prim is P.CALL_USER and s.attrs["callee"] not in seen:
                seen.add(s.attrs["callee"])
                ir = _lowered_or_none(lower, s.attrs["callee"])
                if ir is not None:
                    scan(ir.body, where)

    for s in walk_stmts(fn.body):
        if isinstance(s, Loop) and "checkpoint" in s.attrs:
            scan(s.body, "in a checkpointed loop")
        elif isinstance(s, Op) and s.prim is P.CALL_USER and s.attrs.get("checkpoint"):
            ir = _lowered_or_none(lower, s.attrs["callee"])
            if ir is not None:
                scan(ir.body, f"in {s.attrs['callee'].__name__}, which is checkpointed")


def _may_draw(op):
    """Whether a call run as it is may give another value when run again: anything but
    NumPy's and math's own functions (not numpy.random's)."""
    if op.prim is P.CALL_OBJECT:
        return True
    module = getattr(op.attrs.get("callee"), "__module__", None) or ""
    return not (module == "math" or module.startswith("numpy") and
                not module.startswith("numpy.random"))


def _lowered_or_none(lower, callee):
    try:
        return lower(callee)
    except Exception:   # (the derivative's own build reports what is wrong with it)
        return None
