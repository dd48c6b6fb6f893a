"""Reading a function's source and parsing it with gast."""

import inspect
import textwrap
import types

import gast

from ..errors import SourceLoc, SourceUnavailableError


class ParsedFunction:
    """A function's AST with what is needed to locate its nodes in the user's file."""

    def __init__(self, fn, node, lines, filename, line_offset):
        self.fn = fn
        self.node = node            # gast.FunctionDef
        self.lines = lines          # the function's source lines (dedented)
        self.filename = filename
        self.line_offset = line_offset  # add to a node's lineno to get the file's line

    def loc(self, node):
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return SourceLoc(self.filename, self.line_offset + 1)
        end = getattr(node, "end_lineno", None) or lineno
        if hasattr(node, "body"):  # a compound statement: its header line only
            end = lineno
        text = " ".join(line.strip() for line in self.lines[lineno - 1:end])
        return SourceLoc(self.filename, self.line_offset + lineno, text)


_parsed = {}   # code object -> ParsedFunction (rules are lowered once per binding)


def parse_function(fn):
    """Parse `fn`'s source into a gast FunctionDef; raise a located error if impossible."""
    code = getattr(fn, "__code__", None)
    done = _parsed.get(code) if code is not None else None
    if done is not None:
        return ParsedFunction(fn, done.node, done.lines, done.filename, done.line_offset)
    parsed = _parse(fn, code)
    _parsed[code] = parsed
    return parsed


def _parse(fn, code):
    name = getattr(fn, "__qualname__", repr(fn))
    if code is None:
        raise SourceUnavailableError(
            f"cannot differentiate {name}: it is not a Python function (builtins and C "
            "extensions have no source to read)",
            hint="differentiate a Python function that calls it, and give it a rule with "
                 "sourcead.vjp_rule / sourcead.jvp_rule if it is not covered")
    if is_lambda(code):
        return _parse_lambda(fn, code)
    try:
        # the source of the code that runs: a function that functools.wraps made names
        # the function it wraps (`__wrapped__`), which inspect would read instead
        lines, start = inspect.getsourcelines(code if hasattr(fn, "__wrapped__") else fn)
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(
            f"cannot read the source of {name} ({code.co_filename}): {e}",
            SourceLoc(code.co_filename, code.co_firstlineno),
            hint="functions typed at an interactive prompt or built with exec() have no "
                 "source file; define the function in a .py file (or a notebook cell)")
    text = textwrap.dedent("".join(lines))
    try:
        module = gast.parse(text)
    except SyntaxError as e:  # e.g. a def continued on a decorator line we cut off
        raise SourceUnavailableError(f"cannot parse the source of {name}: {e}",
                                     SourceLoc(code.co_filename, start))
    node = module.body[0]
    if not isinstance(node, gast.FunctionDef):
        raise SourceUnavailableError(
            f"cannot differentiate {name}: its source does not start with a def",
            SourceLoc(code.co_filename, start))
    return ParsedFunction(fn, node, text.splitlines(), code.co_filename, start - 1)


# -- lambdas ----------------------------------------------------------------------

_named = {}    # a lambda's code -> the same code named as an identifier (see `named`)
_lambdas = {}  # that code -> the lambda's own
_modules = {}  # file name -> (its text, its gast module): the files lambdas were read from


def is_lambda(code):
    return code.co_name == "<lambda>" or code in _lambdas


def named(fn):
    """A lambda as a function of the same code, closure and defaults named with an
    identifier (the name it is assigned to at module level, else `lambda_fn`), so that
    generated code can be named after it; any other function as it is. The renamed
    code of one lambda is made once (derivatives are cached by it)."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_name != "<lambda>":
        return fn
    new = _named.get(code)
    if new is None:
        name = _parse_lambda(fn, code).node.name
        changes = {"co_name": name}
        if hasattr(code, "co_qualname"):   # Python 3.11 and newer
            changes["co_qualname"] = code.co_qualname.replace("<lambda>", name)
        new = _named[code] = code.replace(**changes)
        _lambdas[new] = code
    out = types.FunctionType(new, fn.__globals__, new.co_name, fn.__defaults__,
                             fn.__closure__)
    out.__kwdefaults__ = fn.__kwdefaults__
    out.__module__ = fn.__module__
    out.__qualname__ = fn.__qualname__.replace("<lambda>", new.co_name)
    return out


def _parse_lambda(fn, code):
    """A lambda as a ParsedFunction: `def <name>(<its parameters>): return <its body>`,
    found in its file's parsed text by line and by where its code's instructions are."""
    code = _lambdas.get(code, code)
    line = code.co_firstlineno
    where = SourceLoc(code.co_filename, line)
    try:
        lines, _ = inspect.findsource(code)
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(
            f"cannot read the source of the lambda on line {line} of {code.co_filename}: {e}",
            where, hint="lambdas typed at an interactive prompt or built with exec() have no "
                        "source file; define it in a .py file (or a notebook cell)")
    text = "".join(lines)
    cached = _modules.get(code.co_filename)
    if cached is None or cached[0] != text:
        try:
            cached = _modules[code.co_filename] = (text, gast.parse(text))
        except SyntaxError as e:
            raise SourceUnavailableError(f"cannot parse the file of the lambda on line "
                                         f"{line}: {e}", where)
    module = cached[1]
    found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda) and n.lineno == line
             and _parameters(n.args) == _code_parameters(code)]
    if len(found) > 1:
        found = [n for n in found if _spans(n.body, code)]
    if len(found) != 1:
        raise SourceUnavailableError(
            f"cannot tell which of the lambdas on line {line} of {code.co_filename} this is",
            where, hint="give each lambda a line of its own, or write it as a def")
    lam = found[0]
    body = gast.Return(value=lam.body)
    gast.copy_location(body, lam.body)
    node = gast.FunctionDef(name=_assigned_name(module, lam) or "lambda_fn", args=lam.args,
                            body=[body], decorator_list=[], returns=None, type_comment=None,
                            type_params=[])
    gast.copy_location(node, lam)
    return ParsedFunction(fn, node, text.splitlines(), code.co_filename, 0)


def _parameters(args):
    names = [a.id for a in args.posonlyargs + args.args]
    names += [a.id for a in args.kwonlyargs]
    return names, args.vararg is not None, args.kwarg is not None


def _code_parameters(code):
    n = code.co_argcount + code.co_kwonlyargcount
    return (list(code.co_varnames[:n]), bool(code.co_flags & inspect.CO_VARARGS),
            bool(code.co_flags & inspect.CO_VARKEYWORDS))


def _spans(body, code):
    """Whether the lambda body `body` holds every place on its first line that the
    instructions of `code` come from (Python 3.11 and newer record columns)."""
    if not hasattr(code, "co_positions"):
        return True
    places = [(c, e) for ln, _, c, e in code.co_positions()
              if ln == body.lineno and c is not None and (c, e) != (0, 0)]
    return bool(places) and all(
        body.col_offset <= c and (body.end_lineno != body.lineno or e <= body.end_col_offset)
        for c, e in places)


def _assigned_name(module, lam):
    """`name` where the lambda is assigned on its own (`name = lambda ...`), else None."""
    for n in gast.walk(module):
        if isinstance(n, gast.Assign) and n.value is lam and len(n.targets) == 1 and \
                isinstance(n.targets[0], gast.Name):
            return n.targets[0].id
    return None
