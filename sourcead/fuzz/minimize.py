"""Shrink a failing program while it keeps failing the same way.

Edits, on the AST, tried in this order, each kept only if the program is still valid (f
runs and returns a finite float at the checker's points) and the checker gives the same
`Result.signature`: delete a statement (helpers included); replace an `if`, `for` or
`while` by its body (a `for` with its target bound to the first item), or an `if` by its
`else`; then replace an expression by one of its operands (`a * b` -> `a`,
`np.tanh(e)` -> `e`, `a if c else b` -> `a`).
"""

import ast
import copy
import time

from .check import check
from .generate import invalid_reason


def _stmt_lists(tree):
    """Every statement list in the module, in a fixed order: (owner, field, list)."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                yield node, field, stmts


def _protected(node, stmt):
    """Statements kept: the imports and `def f` itself."""
    return isinstance(stmt, (ast.Import, ast.ImportFrom)) or (
        isinstance(node, ast.Module) and isinstance(stmt, ast.FunctionDef) and stmt.name == "f")


def statement_edits(tree):
    """(list number, position, kind) of each statement edit, later statements first (a
    program's end depends on its beginning, rarely the other way round)."""
    edits = []
    for li, (node, _, stmts) in enumerate(_stmt_lists(tree)):
        for i, stmt in enumerate(stmts):
            if _protected(node, stmt):
                continue
            edits.append((li, i, "delete"))
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                edits.append((li, i, "body"))
            if isinstance(stmt, ast.If) and stmt.orelse:
                edits.append((li, i, "orelse"))
            if isinstance(stmt, ast.For):
                edits.append((li, i, "first"))
    compound = [e for e in edits if e[2] != "delete"]
    deletes = [e for e in edits if e[2] == "delete"]
    return deletes[::-1] + compound


def apply_statement_edit(tree, edit):
    li, i, kind = edit
    tree = copy.deepcopy(tree)
    node, field, stmts = list(_stmt_lists(tree))[li]
    stmt = stmts[i]
    if kind == "delete":
        new = []
    elif kind == "orelse":
        new = stmt.orelse
    elif kind == "first":   # for t in xs: body  ->  t = xs[0]; body
        first = ast.Assign([copy.deepcopy(stmt.target)],
                           ast.Subscript(stmt.iter, ast.Constant(0), ast.Load()))
        new = [first] + stmt.body
    else:
        new = stmt.body
    stmts[i:i + 1] = new
    if not stmts:
        stmts.append(ast.Pass())
    return ast.fix_missing_locations(tree)


# calls that make an array from a shape or values: replacing one by an argument changes
# what the program computes in kind, not in size
_CONSTRUCTORS = {"zeros", "ones", "full", "empty", "array", "asarray", "linspace", "arange",
                 "zeros_like", "ones_like", "full_like", "copy"}


def _operands(node):
    """The sub-expressions that could stand in for `node`."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args and \
            node.func.attr not in _CONSTRUCTORS:
        return [a for a in node.args if not isinstance(a, (ast.Starred, ast.Tuple, ast.List))]
    return []


def _expressions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, ast.expr) and _operands(n)]


class _Replace(ast.NodeTransformer):
    def __init__(self, target, k):
        self.target, self.k = target, k

    def visit(self, node):
        if node is self.target:
            return self._choice
        return super().visit(node)


def apply_expression_edit(tree, edit):
    n, k = edit
    tree = copy.deepcopy(tree)
    target = _expressions(tree)[n]
    replacer = _Replace(target, k)
    replacer._choice = _operands(target)[k]
    return ast.fix_missing_locations(replacer.visit(tree))


def expression_edits(tree):
    return [(n, k) for n, e in enumerate(_expressions(tree)) for k in range(len(_operands(e)))]


def minimize(program, result, directory, time_limit_s=20.0, max_checks=400, max_seconds=120.0):
    """The smallest program found that fails like `result` (the checker's verdict on
    `program`), and the checker's verdict on it."""
    target = result.signature
    best, best_result = program, result
    checks = 0
    start = time.monotonic()

    def attempt(tree):
        nonlocal checks
        checks += 1
        try:
            source = ast.unparse(tree) + "\n"
        except Exception:   # noqa: BLE001 - an edit that cannot be printed is no candidate
            return None
        if source == best.source:
            return None
        candidate = best.with_source(source)
        if invalid_reason(candidate) is not None:
            return None
        r = check(candidate, directory, time_limit_s)
        return (candidate, r) if r.signature == target else None

    def budget_left():
        return checks < max_checks and time.monotonic() - start < max_seconds

    changed = True
    while changed and budget_left():
        changed = False
        for edits, apply in ((statement_edits, apply_statement_edit),
                             (expression_edits, apply_expression_edit)):
            k = 0
            while budget_left():
                tree = ast.parse(best.source)
                todo = edits(tree)
                if k >= len(todo):
                    break
                found = attempt(apply(tree, todo[k]))
                if found:
                    best, best_result = found
                    changed = True   # the same position now holds the next edit
                else:
                    k += 1
    return best, best_result
