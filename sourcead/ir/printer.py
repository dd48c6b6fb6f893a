"""A readable text form of the IR (what `sourcead.ir(f)` shows)."""

from .core import Const, If, Loop, Op, Zero


class _Names:
    def __init__(self):
        self.names = {}
        self.used = set()

    def __call__(self, v):
        if isinstance(v, Const):
            return repr(v.value)
        if isinstance(v, Zero):
            return f"zero({self(v.like) if v.like is not None else ''})"
        if v not in self.names:
            base = v.hint
            name, k = base, 0
            while name in self.used:
                k += 1
                name = f"{base}_{k}"
            self.used.add(name)
            self.names[v] = name
        return "%" + self.names[v]


def format_function(fn):
    names = _Names()
    params = ", ".join(names(p) for p in fn.params)
    lines = [f"func {fn.name}({params}):"]
    _block(fn.body, names, lines, "  ")
    lines.append("  return " + ", ".join(names(r) for r in fn.body.results))
    return "\n".join(lines)


def _op(op, names):
    args = [names(a) for a in op.args] + [f"{k}={names(v)}" for k, v in op.kwargs.items()]
    extra = "".join(f" [{k}={v if k != 'callee' else getattr(v, '__name__', v)}]"
                    for k, v in op.attrs.items() if k not in ("text",))
    outs = ", ".join(names(o) for o in op.outs)
    lhs = f"{outs} = " if op.outs else ""
    return f"{lhs}{op.prim.name}({', '.join(args)}){extra}"


def _block(block, names, lines, indent):
    for s in block.stmts:
        loc = f"  # line {s.loc.lineno}" if s.loc is not None else ""
        if isinstance(s, Op):
            lines.append(indent + _op(s, names) + loc)
        elif isinstance(s, If):
            outs = ", ".join(names(o) for o in s.outs)
            lines.append(f"{indent}{outs + ' = ' if outs else ''}if {names(s.cond)}:{loc}")
            _block(s.then, names, lines, indent + "  ")
            lines.append(f"{indent}  yield " + ", ".join(names(r) for r in s.then.results))
            lines.append(f"{indent}else:")
            _block(s.orelse, names, lines, indent + "  ")
            lines.append(f"{indent}  yield " + ", ".join(names(r) for r in s.orelse.results))
        elif isinstance(s, Loop):
            outs = ", ".join(names(o) for o in s.outs)
            inits = ", ".join(names(i) for i in s.inits)
            params = ", ".join(names(p) for p in s.body.params)
            head = (f"range({', '.join(names(b) for b in s.bounds)})" if s.kind == "range"
                    else "while")
            lines.append(f"{indent}{outs + ' = ' if outs else ''}loop {head} "
                         f"({params}) from ({inits}):{loc}")
            if s.cond is not None:
                lines.append(f"{indent}  cond:")
                _block(s.cond, names, lines, indent + "    ")
                lines.append(f"{indent}    yield " + ", ".join(names(r) for r in s.cond.results))
            _block(s.body, names, lines, indent + "  ")
            lines.append(f"{indent}  yield " + ", ".join(names(r) for r in s.body.results))
