"""Reading a function's source and parsing it with gast."""

import inspect
import textwrap

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
    if code.co_name == "<lambda>":
        raise SourceUnavailableError(
            f"cannot differentiate a lambda ({code.co_filename}, line {code.co_firstlineno})",
            SourceLoc(code.co_filename, code.co_firstlineno),
            hint="write it as a def")
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
