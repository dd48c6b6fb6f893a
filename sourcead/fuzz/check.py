"""Run one generated program through sourcead and judge the result.

The program is written to a real file (sourcead reads source with `inspect`) and
imported. At an input point where finite differences are smooth, it compares:

- `sad.value_and_grad(f, wrt=every float argument)`, called positionally (float64
  arguments: the specialised derivative) and by keyword (the general one), with f's own
  value and with central differences per input element;
- `sad.jvp(f, wrt=...)`, specialised and general, with f's own value and with the
  central difference along a random direction;
- the arguments given to each call with copies taken before it (sourcead must never
  write into the caller's arrays).

Finite differences are taken at two steps, h and h/2: where they disagree the point is
not smooth along that direction (a kink, a branch or a trip count that changes), the
comparison is skipped, and another input point is tried. Agreement gives a Richardson
estimate accurate to far better than the tolerance.
"""

import importlib.util
import itertools
import math
import os
import re
import signal
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

import sourcead as sad
from sourcead.errors import SourceADError

from .generate import POINTS, Program, copies

# most severe first: a program's outcome is its most severe finding
OUTCOMES = ("wrong value", "wrong gradient", "wrong JVP", "mutated argument", "hang",
            "internal error", "refused", "non-smooth", "correct")
FAILURES = OUTCOMES[:6]

STEP = 1e-4          # finite-difference step (relative to the input's size, at least this)
KINK_RTOL = 1e-6     # h and h/2 differences further apart than this: not smooth here
RTOL = 1e-5          # derivative vs the Richardson estimate
VALUE_RTOL = 1e-8    # the derivative's primal vs f's own value


class Hang(BaseException):
    """The time limit passed (a BaseException, so that no `except Exception` stops it)."""


@dataclass
class Finding:
    outcome: str
    call: str          # which call: "value_and_grad", "value_and_grad (general)", "jvp", ...
    detail: str


@dataclass
class Result:
    program: Program
    outcome: str
    findings: list = field(default_factory=list)
    skipped: int = 0          # derivative comparisons skipped at kinks
    compared: int = 0         # derivative comparisons made
    point: int = 0            # the input point used (Program.draw)
    error: str = ""           # the refusal or exception message, for the report

    @property
    def signature(self):
        """What "fails the same way" means to the minimizer: the outcome, and for an
        exception its message without the program's names."""
        first = next((f for f in self.findings if f.outcome == self.outcome), None)
        if first is None or self.outcome not in ("internal error", "refused"):
            return (self.outcome, "")
        return (self.outcome, normalise(first.detail))

    def describe(self, limit=8):
        """The outcome and the findings, the calls that found the same thing together."""
        lines = [f"seed {self.program.seed}: {self.outcome}"]
        calls = {}
        for f in self.findings:
            calls.setdefault((f.outcome, f.detail), []).append(f.call)
        for k, ((outcome, detail), where) in enumerate(calls.items()):
            if k == limit:
                lines.append(f"  ... and {len(calls) - limit} more")
                break
            lines.append(f"  {outcome} in {', '.join(dict.fromkeys(where))}: {detail}")
        return "\n".join(lines)


def normalise(message):
    """A refusal or error message without the names of one program's variables."""
    text = message.splitlines()[0] if message else ""
    text = re.sub(r"`[^`]*`", "`…`", text)
    text = re.sub(r"\b(call of|calls of) [A-Za-z_]\w*", r"\1 …", text)
    text = re.sub(r"\(line \d+\)", "(line …)", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"%[\w.]+", "%…", text)
    text = re.sub(r"#\d+>:\d+", "#…>:…", text)
    text = re.sub(r"fuzz_\d+_\d+_\d+\.py:\d+", "FILE:LINE", text)
    text = re.sub(r"\b\d+\.\d+(e-?\d+)?\b", "…", text)
    return text


_counter = itertools.count()


@contextmanager
def loaded(program, directory):
    """Import the program from a file of its own; yields (f, path)."""
    name = f"fuzz_{program.seed}_{os.getpid()}_{next(_counter)}"
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as fh:
        fh.write(program.source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module.f, path
    finally:
        sys.modules.pop(name, None)
        sad.clear_cache()
        os.remove(path)


@contextmanager
def time_limit(seconds):
    def on_alarm(signum, frame):
        raise Hang()
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ----- finite differences -------------------------------------------------------------

def _evaluate(f, args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(f(*copies(args)))
        except Exception:   # noqa: BLE001 - a perturbed point f cannot take: not smooth
            return math.nan


def _shifted(args, i, index, t):
    out = copies(args)
    if index is None:
        out[i] = out[i] + t
    else:
        out[i][index] += t
    return out


def _difference(fun, f0, h):
    """The Richardson estimate of fun'(0) from central differences at h and h/2, and the
    rounding noise of those; the estimate is None where they disagree (not smooth)."""
    plus, minus, half_plus, half_minus = fun(h), fun(-h), fun(h / 2), fun(-h / 2)
    d1 = (plus - minus) / (2 * h)
    d2 = (half_plus - half_minus) / h
    noise = 1e-13 * (1.0 + abs(f0)) / h
    if not (math.isfinite(d1) and math.isfinite(d2)):
        return None, noise
    if abs(d1 - d2) > KINK_RTOL * (1.0 + abs(d2)) + 4 * noise:
        return None, noise
    # f itself at 0 must lie on the curve through its neighbours: a branch that only the
    # exact point takes (a test comparing two roundings of one value) is a jump there,
    # which differences that never evaluate 0 do not see. For a smooth f the midpoint of
    # f(+-h/2) misses f(0) by a sixth of how much f(+-h)'s midpoint misses it more.
    curvature = abs(plus + minus - half_plus - half_minus)
    if abs((half_plus + half_minus) / 2 - f0) > curvature / 3 + 1e-9 * (1.0 + abs(f0)):
        return None, noise
    return float((4 * d2 - d1) / 3), noise


def numeric_derivatives(f, args, wrt, direction, f0):
    """{(i, index): (estimate or None, noise)} per element of each differentiated
    argument (index None for a float), and (estimate, noise) along `direction`."""
    per = {}
    for i in wrt:
        a = args[i]
        indices = [None] if not isinstance(a, np.ndarray) else list(np.ndindex(a.shape))
        for index in indices:
            x = a if index is None else a[index]
            h = STEP * max(1.0, abs(x))
            per[(i, index)] = _difference(lambda t: _evaluate(f, _shifted(args, i, index, t)),
                                          f0, h)
    scale = max([1.0] + [float(np.max(np.abs(d))) for d in direction])
    h = STEP / scale

    def along(t):
        moved = copies(args)
        for i, d in zip(wrt, direction):
            moved[i] = moved[i] + t * d
        return _evaluate(f, moved)
    return per, _difference(along, f0, h)


def _close(ad, fd, noise):
    return abs(ad - fd) <= RTOL * (1.0 + abs(fd)) + 10 * noise


# ----- running sourcead ----------------------------------------------------------------

def classify(exc, path):
    """(outcome, detail) for an exception raised by sourcead on the program in `path`."""
    base = os.path.basename(path)
    if isinstance(exc, SourceADError):
        loc = exc.loc
        if loc is None or not loc.lineno:
            return "internal error", f"{type(exc).__name__} without a file and line: {exc.message}"
        if os.path.basename(str(loc.filename)) != base:
            return "internal error", (f"{type(exc).__name__} located in {loc.filename}:"
                                      f"{loc.lineno}, not in the program: {exc.message}")
        return "refused", f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, NotImplementedError) and re.search(re.escape(base) + r":\d+", str(exc)):
        message = re.sub(re.escape(base) + r":\d+: ", "", str(exc))
        return "refused", f"NotImplementedError: {message}"
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {_short(last.filename)}:{last.lineno} in {last.name})"
    return "internal error", f"{type(exc).__name__}: {str(exc)[:300]}{where}"


def _short(filename):
    parts = filename.replace("\\", "/").split("/")
    if "sourcead" in parts:
        return "/".join(parts[len(parts) - parts[::-1].index("sourcead") - 1:])
    return parts[-1]


def _unchanged(before, after):
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and after.shape == before.shape and
                after.dtype == before.dtype and np.array_equal(after, before, equal_nan=True))
    return after == before or (after != after and before != before)


class _Run:
    """The checks at one input point, collecting findings."""

    def __init__(self, program, f, path, args, direction, numeric, f0):
        self.program, self.f, self.path = program, f, path
        self.args, self.direction = args, direction
        self.per, self.along = numeric
        self.f0 = f0
        self.findings = []
        self.skipped = self.compared = 0
        self.error = ""
        self.current = "sourcead"

    def call(self, name, fn, args):
        """fn(*args) on copies; its result, or None after recording a finding."""
        given = copies(args)
        self.current = name
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(given)
        except Hang:
            raise
        except Exception as e:   # noqa: BLE001 - every exception is a finding
            outcome, detail = classify(e, self.path)
            self.findings.append(Finding(outcome, name, detail))
            self.error = self.error or detail
            return None
        names = [n for n, _ in self.program.params] + \
            [self.program.params[i][0] + "_dot" for i in self.program.wrt]
        for k, (before, after) in enumerate(zip(args, given)):
            if not _unchanged(before, after):
                self.findings.append(Finding("mutated argument", name,
                                             f"it wrote into the argument {names[k]}"))
        return out

    def value(self, name, v):
        try:
            v = float(v)
        except (TypeError, ValueError):
            self.findings.append(Finding("wrong value", name, f"value {v!r:.80} is not a float"))
            return
        if not abs(v - self.f0) <= VALUE_RTOL * (1.0 + abs(self.f0)):
            self.findings.append(Finding("wrong value", name, f"{v!r} instead of f's {self.f0!r}"))

    def gradient(self, name, grads):
        if not isinstance(grads, tuple) or len(grads) != len(self.program.wrt):
            self.findings.append(Finding("wrong gradient", name, f"not a tuple of "
                                         f"{len(self.program.wrt)}: {type(grads).__name__}"))
            return
        for i, g in zip(self.program.wrt, grads):
            pname, arg = self.program.params[i][0], self.args[i]
            if np.shape(g) != np.shape(arg):
                self.findings.append(Finding("wrong gradient", name, f"d/d{pname} has shape "
                                             f"{np.shape(g)}, {pname} has {np.shape(arg)}"))
                continue
            for index in ([None] if not isinstance(arg, np.ndarray) else np.ndindex(arg.shape)):
                fd, noise = self.per[(i, index)]
                if fd is None:
                    self.skipped += 1
                    continue
                self.compared += 1
                ad = float(g if index is None else np.asarray(g)[index])
                if not _close(ad, fd, noise):
                    where = pname if index is None else f"{pname}[{', '.join(map(str, index))}]"
                    self.findings.append(Finding("wrong gradient", name,
                                                 f"d/d{where} = {ad!r}, differences give {fd!r}"))

    def tangent(self, name, out):
        if not (isinstance(out, tuple) and len(out) == 2):
            self.findings.append(Finding("wrong JVP", name, f"not (value, tangent): {out!r:.80}"))
            return
        y, y_dot = out
        self.value(name, y)
        fd, noise = self.along
        if fd is None:
            self.skipped += 1
            return
        self.compared += 1
        try:
            ad = float(y_dot)
        except (TypeError, ValueError):
            self.findings.append(Finding("wrong JVP", name,
                                         f"tangent {y_dot!r:.80} is not a float"))
            return
        if not _close(ad, fd, noise):
            self.findings.append(Finding("wrong JVP", name,
                                         f"tangent {ad!r}, differences give {fd!r}"))

    def run(self):
        p, f, wrt = self.program, self.f, self.program.wrt
        names = [n for n, _ in p.params]
        vg = sad.value_and_grad(f, wrt=wrt)
        out = self.call("value_and_grad", lambda a: vg(*a), self.args)
        if out is not None:
            self.value("value_and_grad", out[0])
            self.gradient("value_and_grad", out[1])
        out = self.call("value_and_grad (general)", lambda a: vg(**dict(zip(names, a))), self.args)
        if out is not None:
            self.value("value_and_grad (general)", out[0])
            self.gradient("value_and_grad (general)", out[1])
        jv = sad.jvp(f, wrt=wrt)
        with_dirs = list(self.args) + list(self.direction)
        out = self.call("jvp", lambda a: jv(*a), with_dirs)
        if out is not None:
            self.tangent("jvp", out)
        # the general derivative of jvp: keyword calls are not accepted there, so ask for
        # the unspecialised function itself
        out = self.call("jvp (general)", lambda a: jv._function()(*a), with_dirs)
        if out is not None:
            self.tangent("jvp (general)", out)


def _direction(program, k, args):
    rng = np.random.default_rng([program.seed, k, 1])
    out = []
    for i in program.wrt:
        a = args[i]
        out.append(rng.standard_normal(a.shape) if isinstance(a, np.ndarray)
                   else float(rng.standard_normal()))
    return out


def check(program, directory, time_limit_s=20.0, points=POINTS):
    """Judge `program` (see the module's docstring); returns a Result."""
    with loaded(program, directory) as (f, path):
        # the smoothest of the input points (f is valid at each, and quick: no limit here)
        best = None
        for k in range(points):
            args = program.draw(k)
            f0 = _evaluate(f, args)
            direction = _direction(program, k, args)
            numeric = numeric_derivatives(f, args, program.wrt, direction, f0)
            smooth = sum(v[0] is not None for v in numeric[0].values()) + \
                (numeric[1][0] is not None)
            if best is None or smooth > best[0]:
                best = (smooth, k, args, direction, numeric, f0)
            if smooth == len(numeric[0]) + 1:
                break
        _, k, args, direction, numeric, f0 = best
        run = _Run(program, f, path, args, direction, numeric, f0)
        try:
            with time_limit(time_limit_s):
                run.run()
        except Hang:
            run.findings.append(Finding("hang", run.current,
                                        f"no result within {time_limit_s:g} s"))
    outcome = min((fd.outcome for fd in run.findings), key=OUTCOMES.index, default=None)
    if outcome is None:
        outcome = "non-smooth" if run.skipped else "correct"
    return Result(program, outcome, run.findings, run.skipped, run.compared, k, run.error)
