"""Random, valid Python/NumPy programs for the differential fuzzer.

`generate(seed)` returns a `Program`: the text of a module with a function `f` of a few
float arguments (floats, vectors, matrices) that returns a float, written with the
constructs the README says sourcead differentiates, in random combinations, and the
feature tags it used. The same seed always gives the same program. A program is valid:
`f` runs under plain NumPy at the points the checker uses (no exception, no warning, no
overflow) and returns a finite float; a draw that is not is discarded and the next one
(from the same seed) is tried.
"""

import ast
import math
import random
import signal
import warnings
from dataclasses import dataclass, replace

import numpy as np

from .containers import Containers
from .exprs import Exprs, Var
from .funcs import Functions
from .stmts import Statements
from .writes import Writes

POINTS = 3          # input points at which a program must be valid (the checker's tries)
MAX_VALUE = 1e6     # a larger |f| is discarded (finite differences lose their digits)

FEATURES = {   # tag: what it marks
    # expressions
    "arith": "+ - * / on floats and arrays",
    "broadcast": "operands of different shapes",
    "power": "e ** 2, e ** 3",
    "ufunc": "np.sin, np.cos, np.tanh",
    "exp_log": "exp, log, sqrt, log1p",
    "math": "math.* on floats",
    "nonsmooth": "abs, max, min, clip, where, comparisons",
    "reduction": "sum, mean, max, min, prod",
    "reduction_axis": "a reduction along an axis",
    "keepdims": "keepdims=True",
    "cumsum": "np.cumsum",
    "matmul": "@, np.dot, .dot, np.outer",
    "where": "np.where",
    # shape functions
    "transpose": ".T, np.transpose",
    "reshape": "reshape",
    "ravel": "ravel, flatten",
    "concatenate": "np.concatenate",
    "stack": "np.stack, np.array of arrays",
    "expand_dims": "np.expand_dims",
    "squeeze": "np.squeeze",
    "flip": "np.flip, [::-1]",
    # indexing
    "index_int": "x[i], A[i, j], A[i][j]",
    "index_slice": "x[a:b]",
    "index_negstep": "a negative step",
    "index_mask": "x[x > c]",
    "index_array": "x[[0, 2]], x[np.array(...)]",
    "index_repeat": "an index array with a repeat",
    # writes and sharing
    "write_item": "x[i] = v",
    "write_slice": "x[a:b] = v, A[i] = row",
    "write_mask": "x[mask] = v",
    "write_index_array": "x[[i, j]] = v",
    "write_chain": "x[i][j] = v",
    "write_param": "a write into an argument",
    "view": "r = A[1], p = u[1:], t = A.T, A.reshape(-1)",
    "view_write": "a write through a view",
    "alias": "z = t",
    "alias_write": "a write into an array with several names",
    "copy": ".copy(), np.array(x), np.copy",
    "reassign": "a name assigned again",
    "aug_name": "x += v",
    "aug_item": "x[i] += v",
    "aug_view": "augmented assignment to a view",
    "out_kw": "ufunc(..., out=y)",
    "copyto": "np.copyto",
    "fill": "y.fill(v)",
    "add_at": "np.add.at",
    "sort": "y.sort() in place",
    # branches
    "if": "if",
    "elif": "elif",
    "else": "else",
    "if_data": "a condition on floats",
    "if_const": "a condition on ints, shapes, constants",
    "ifexp": "a if c else b",
    "boolop": "and, or",
    "not": "not",
    "chained_cmp": "a < b < c",
    # loops
    "for_range": "for i in range(...)",
    "range_runtime": "range bounds known at run time",
    "range_step": "range with a step",
    "for_rows": "for row in A",
    "for_elements": "for v in x",
    "for_list": "for v in a list",
    "for_tuple": "for v in (a, b)",
    "for_dict": "for k in d, d.items()",
    "enumerate": "enumerate",
    "enumerate_start": "enumerate(..., start)",
    "zip": "zip",
    "reversed": "reversed",
    "nested_loop": "a loop in a loop",
    "while": "while",
    "while_true": "while True",
    "break": "break",
    "continue": "continue",
    "return_early": "a return before the end",
    "return_in_loop": "a return inside a loop",
    # functions
    "helper": "a call of a module-level function",
    "helper_default": "a default argument",
    "helper_keyword": "a keyword argument",
    "recursive": "a recursive function",
    "helper_writes_arg": "a function writing into its argument",
    "helper_returns_arg": "... and returning it",
    "helper_returns_view": "... returning a view of it",
    "helper_on_view": "... called on a view",
    "helper_fn_arg": "a function taking a function",
    "helper_tuple_result": "a function returning a tuple",
    "nested_def": "a def inside f",
    "lambda": "a lambda",
    "closure": "a nested function reading enclosing names",
    "closure_write": "a nested function writing into an enclosing array",
    # containers and builtins
    "list": "lists",
    "list_append": "list.append in a loop",
    "list_index": "xs[i]",
    "listcomp": "a list comprehension",
    "genexp": "a generator expression",
    "tuple_unpack": "a, b = ...",
    "dict": "dicts",
    "dict_update": "d[k] = ... on a dict",
    "dict_iter": "a loop over a dict",
    "builtin_sum": "sum()",
    "builtin_min_max": "min(), max()",
    "builtin_abs": "abs()",
    "builtin_len": "len()",
    "builtin_float": "float()",
    "global_const": "a module-level constant",
    "int_param": "an int argument (not differentiated)",
}

ARG_SHAPES = [None, (3,), (4,), (3, 4), (2, 3)]
ARG_NAMES = {0: ["s", "a", "b", "alpha", "t0"], 1: ["x", "y", "w", "v"], 2: ["A", "B", "W", "M"]}


@dataclass(frozen=True)
class Program:
    """A generated module: `f`'s parameters are ((name, shape), ...) with shape None for a
    float, a tuple for an array, or ("int", value) for an int passed as is."""
    seed: int
    source: str
    params: tuple
    features: frozenset

    @property
    def wrt(self):
        return tuple(i for i, (_, s) in enumerate(self.params) if not _is_int(s))

    def draw(self, k=0):
        """The arguments at input point k (the same for the same seed and k)."""
        rng = np.random.default_rng([self.seed, k])
        out = []
        for _, shape in self.params:
            if _is_int(shape):
                out.append(shape[1])
            elif shape is None:
                out.append(float(rng.uniform(-1.5, 1.5)))
            else:
                out.append(rng.uniform(-1.5, 1.5, shape))
        return out

    def with_source(self, source):
        return replace(self, source=source)


def _is_int(shape):
    return isinstance(shape, tuple) and len(shape) == 2 and shape[0] == "int"


def copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


class Gen(Functions, Containers, Writes, Statements, Exprs):
    """One program's generator state (see the modules of its mixins, and loops.py)."""

    def __init__(self, rng):
        super().__init__(rng)
        self.scopes = [{}, {}]          # the module's names, then f's
        self.func_base = 1
        self.fn_depth = 0
        self.ret_shape = None
        self.lines = []
        self.indent = 1
        self.nest = 0
        self.budget = 0
        self.tags = set()
        self.helpers = []
        self.touched = {}

    def params(self):
        n = self.choice([1, 2, 2, 3, 3])
        shapes = [self.choice(ARG_SHAPES) for _ in range(n)]
        if all(s is None for s in shapes) and self.chance(0.6):
            shapes[0] = self.choice(ARG_SHAPES[1:])
        out = []
        for shape in shapes:
            name = self.fresh(self.choice(ARG_NAMES[0 if shape is None else len(shape)]))
            self.bind(Var(name, "float" if shape is None else "array", shape, 1.5,
                          group=self.new_group(), info={"param": True}))
            out.append((name, shape))
        if self.chance(0.2):
            value = self.rng.randint(1, 4)
            self.bind(Var("n", "int", lo=value, hi=value, fixed=True, info={"param": True}))
            self.used_names.add("n")
            out.insert(self.rng.randint(0, len(out)), ("n", ("int", value)))
            self.tags.add("int_param")
        return tuple(out)

    def constants(self):
        out = []
        if self.chance(0.25):
            c = self.const(0.2, 1.5)
            self.module_consts["SCALE"] = (None, repr(c))
            out.append(f"SCALE = {c}")
        if self.chance(0.15):
            flag = self.choice([True, False])
            self.module_consts["USE_BIAS"] = ("bool", repr(flag))
            out.append(f"USE_BIAS = {flag}")
        if self.chance(0.1):
            vals = [self.const(-1.0, 1.0) for _ in range(3)]
            self.module_consts["OFFSET"] = ((3,), f"np.array({vals})")
            out.append(f"OFFSET = np.array({vals})")
        self.used_names |= set(self.module_consts)
        return out

    def program(self, seed):
        consts = self.constants()
        params = self.params()
        self.budget = self.rng.randint(5, 18)
        while self.budget > 0:
            self.stmt()
        e = self.result_expr()
        self.emit(f"return {e.text}", e.tags)
        body = "\n".join("    " * i + t for i, t in self.lines)
        sig = ", ".join(name for name, _ in params)
        parts = ["import math", "import numpy as np"] + consts + self.helpers + \
            [f"def f({sig}):\n{body}"]
        source = ast.unparse(ast.parse("\n".join(parts))) + "\n"
        self.tags |= _used_tags(source)
        return Program(seed, source, params, frozenset(t for t in self.tags if t in FEATURES))


def _used_tags(source):
    """Tags read off the finished text (some constructs are made in several places)."""
    out = set()
    if "math." in source:
        out.add("math")
    return out


class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def run_function(source, params, args, name="f"):
    """Run `name` from `source` (exec'd, not imported) on copies of `args` with NumPy's
    warnings as errors; its result, or raises."""
    namespace = {"__name__": "fuzz_program"}
    exec(compile(source, "<fuzz program>", "exec"), namespace)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        return namespace[name](*copies(args))


def is_valid_result(out):
    if isinstance(out, np.ndarray):
        if out.ndim != 0:
            return False
        out = out[()]
    if isinstance(out, bool) or not isinstance(out, (float, np.floating)):
        return False
    return math.isfinite(out) and abs(out) <= MAX_VALUE


def invalid_reason(program, points=POINTS, time_limit=5.0):
    """Why `program` is not valid (None if it is): f must run at the checker's input
    points without exception or NumPy warning and return a finite float."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        for k in range(points):
            out = run_function(program.source, program.params, program.draw(k))
            if not is_valid_result(out):
                return f"returns {type(out).__name__} {out!r:.60}"
    except _Timeout:
        return "does not finish"
    except Exception as e:   # noqa: BLE001 - any failure makes the program invalid
        return f"{type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return None


def generate(seed, attempts=200):
    """The program for `seed`: the first valid one of a sequence of draws made from it."""
    for attempt in range(attempts):
        rng = random.Random(f"sourcead-fuzz:{seed}:{attempt}")
        try:
            program = Gen(rng).program(seed)
        except RecursionError:
            continue
        if invalid_reason(program) is None:
            return program
    raise RuntimeError(f"no valid program for seed {seed} in {attempts} draws")
