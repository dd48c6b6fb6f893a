"""Command line: `python -m sourcead demo | show FILE.py:FUNC | ir FILE.py:FUNC | rules | fuzz`."""

import argparse
import importlib.util
import sys
import textwrap

import numpy as np

DEMO = '''\
import numpy as np


def loss(w, x):
    h = np.tanh(x @ w)
    return np.sum(h ** 2)
'''


def _demo(args):
    import os
    import tempfile

    import sourcead as sad
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "demo_loss.py")
        with open(path, "w") as f:
            f.write(DEMO)
        loss = _load(path, "loss")
        print("The function:\n")
        print(textwrap.indent(DEMO, "    "))
        df = sad.grad(loss)
        print("Its gradient w.r.t. w, as sourcead generates it:\n")
        print(textwrap.indent(df.source, "    "))
        print("Its tangent (forward mode) w.r.t. w:\n")
        print(textwrap.indent(sad.jvp(loss).source, "    "))
        rng = np.random.default_rng(0)
        w = rng.standard_normal(3)
        x = rng.standard_normal((5, 3))
        print(f"loss(w, x) = {loss(w, x):.6f}")
        print(f"gradient   = {np.array2string(df(w, x), precision=6)}")
        sad.check_grads(loss, (w, x))
        print("check_grads: forward and reverse mode agree with central finite differences.")
    return 0


def _load(path, func):
    spec = importlib.util.spec_from_file_location("_sourcead_cli_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    try:
        return getattr(module, func)
    except AttributeError:
        raise SystemExit(f"error: {path} has no function {func!r}")


def _target(spec):
    if ":" not in spec:
        raise SystemExit(f"error: expected FILE.py:FUNC, got {spec!r}")
    path, func = spec.rsplit(":", 1)
    return _load(path, func)


def _wrt(text):
    if text is None:
        return 0
    items = [int(t) if t.lstrip("-").isdigit() else t for t in text.split(",")]
    return items[0] if len(items) == 1 else tuple(items)


def _show(args):
    import sourcead as sad
    fn = _target(args.target)
    wrt = _wrt(args.wrt)
    if args.mode == "forward":
        df = sad.jvp(fn, wrt=wrt)
    elif args.mode == "vjp":
        df = sad.vjp(fn, wrt=wrt)
    else:
        df = sad.grad(fn, wrt=wrt)
    print(df.source, end="")
    return 0


def _ir(args):
    import sourcead as sad
    print(sad.ir(_target(args.target)))
    return 0


def _spelling(prim):
    """How a user writes a primitive: np.tanh, math.sin, or an operator (`x + y`)."""
    import ast
    kind = prim.emit[0]
    x, y = ast.Name("x"), ast.Name("y")
    if kind == "binop":
        return f"{prim.name} ({ast.unparse(ast.BinOp(x, prim.emit[1](), y))})"
    if kind == "unaryop":
        return f"{prim.name} ({ast.unparse(ast.UnaryOp(prim.emit[1](), x))})"
    if kind == "compare":
        return f"{prim.name} ({ast.unparse(ast.Compare(x, [prim.emit[1]()], [y]))})"
    if kind == "subscript":
        return f"{prim.name} (x[i])"
    return prim.name


def _rules(args):
    """List every primitive with its forward and reverse status, and count the NumPy
    functions that have both rules."""
    from .ir.primitives import all_primitives, qualified_name
    from .ir.primitives import load_scipy_rules
    from .rules.registry import has_rules
    load_scipy_rules(force_stats=True)   # (SciPy's, where it is installed)
    from .rules.variadic import variadic_functions
    rows = []
    for prim in all_primitives():
        fwd, rev = has_rules(prim)
        if prim.name.startswith("sad_rt."):
            note, order = "runtime helper", 3
        elif not prim.differentiable:
            note, order = "no derivative (not differentiable)", 2
        elif fwd and rev:
            note, order = "", 0
        else:
            note, order = "missing a rule", 1
        rows.append((order, _spelling(prim), fwd, rev, note, prim.name, prim.impl))
    # Functions of any number of arrays (einsum): their primitives are made per number of
    # arrays on first use, so they are listed by function.
    listed = {r[6] for r in rows}
    for fn, (fwd, rev) in variadic_functions().items():
        if fn not in listed:
            name = qualified_name(fn)
            rows.append((0 if fwd and rev else 1, name + " (any number of arrays)", fwd, rev,
                         "" if fwd and rev else "missing a rule", name, fn))
    rows.sort(key=lambda r: (r[0], r[1]))
    width = max(len(r[1]) for r in rows) + 2
    print(f"{'primitive':<{width}}forward  reverse")
    mark = {True: "yes", False: "-"}
    for k, (order, name, fwd, rev, note, _, _) in enumerate(rows):
        if k and order != rows[k - 1][0]:
            print()
        print(f"{name:<{width}}{mark[fwd]:<9}{mark[rev]:<9}{note}".rstrip())
    both = [r for r in rows if r[0] == 0]
    numpy_both = {r[6] for r in both if r[5].startswith("np.")}
    print()
    print(f"primitives: {len(rows)}; with forward and reverse rules: {len(both)}; "
          f"not differentiable: {sum(r[0] == 2 for r in rows)}; "
          f"missing a rule: {sum(r[0] == 1 for r in rows)}")
    print(f"NumPy functions with forward and reverse rules: {len(numpy_both)}")
    return 0


def _fuzz(args):
    from .fuzz.driver import main as fuzz_main
    return fuzz_main(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sourcead",
                                     description="Source-to-source automatic differentiation.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="print a function, its generated derivatives and a check")
    show = sub.add_parser("show", help="print the generated derivative of FILE.py:FUNC")
    show.add_argument("target", metavar="FILE.py:FUNC")
    show.add_argument("--mode", choices=("reverse", "forward", "vjp"), default="reverse",
                      help="reverse (grad, the default), vjp, or forward (jvp)")
    show.add_argument("--wrt", help="comma-separated argument names or positions (default 0)")
    irp = sub.add_parser("ir", help="print the SSA IR of FILE.py:FUNC")
    irp.add_argument("target", metavar="FILE.py:FUNC")
    sub.add_parser("rules", help="list every primitive with its forward and reverse rule status")
    fuzz = sub.add_parser("fuzz", help="differential fuzzing: random programs checked against "
                                       "their own values and finite differences")
    from .fuzz.driver import add_arguments
    add_arguments(fuzz)
    args = parser.parse_args(argv)
    from .errors import SourceADError
    try:
        return {"demo": _demo, "show": _show, "ir": _ir, "rules": _rules,
                "fuzz": _fuzz}[args.command](args)
    except SourceADError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
