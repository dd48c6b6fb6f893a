"""Run many programs (`python -m sourcead fuzz`): generate, check, minimize the failures,
print them and the outcome table."""

import atexit
import itertools
import json
import multiprocessing
import shutil
import sys
import tempfile
import textwrap
import traceback

from .check import FAILURES, check
from .generate import generate
from .minimize import minimize
from .report import render

_directory = None


def _tempdir():
    """This process's directory for program files (each is removed after its check)."""
    global _directory
    if _directory is None:
        _directory = tempfile.mkdtemp(prefix="sourcead-fuzz-")
        atexit.register(shutil.rmtree, _directory, True)
    return _directory


def run_seed(seed, time_limit_s=20.0, feature=None, minimize_outcomes=FAILURES):
    """Check the program of `seed` (None if it lacks `feature`): (result, minimized
    program or None, its result or None)."""
    program = generate(seed)
    if feature is not None and feature not in program.features:
        return None
    result = check(program, _tempdir(), time_limit_s)
    small = small_result = None
    if result.outcome in minimize_outcomes:
        small, small_result = minimize(program, result, _tempdir(), time_limit_s)
    return result, small, small_result


def _task(job):
    try:
        return run_seed(*job)
    except Exception:   # noqa: BLE001 - a bug of the fuzzer's own: report it, go on
        return ("fuzzer error", job[0], traceback.format_exc())


def run(seeds, n=None, jobs=1, **options):
    """Yield run_seed's answers for `seeds` (n of them that have the feature, if given)."""
    jobs_iter = ((s, options.get("time_limit_s", 20.0), options.get("feature"),
                  options.get("minimize_outcomes", FAILURES)) for s in seeds)
    got = 0
    errors = options.get("errors", [])
    if jobs <= 1:
        answers = map(_task, jobs_iter)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(jobs)
        answers = pool.imap(_task, jobs_iter, chunksize=2)
    try:
        for answer in answers:
            if answer is None:
                continue
            if answer[0] == "fuzzer error":
                errors.append(answer[1])
                print(f"fuzzer error on seed {answer[1]}:\n{answer[2]}", file=sys.stderr)
                continue
            yield answer
            got += 1
            if n is not None and got >= n:
                break
    finally:
        if pool is not None:
            pool.terminate()


def format_failure(result, small, small_result):
    p = result.program
    lines = [f"=== seed {p.seed}: {result.outcome}   (alone: python -m sourcead fuzz "
             f"--seed {p.seed} --n 1)",
             f"features: {', '.join(sorted(p.features))}"]
    shown = small_result or result
    lines += shown.describe().splitlines()[1:]
    lines.append("minimized:" if small is not None else "program:")
    lines.append(textwrap.indent((small or p).source.rstrip(), "    "))
    return "\n".join(lines)


def record(result, small, small_result):
    """A JSON-able record of one program's outcome (for --save)."""
    p = result.program
    return {"seed": p.seed, "outcome": result.outcome, "features": sorted(p.features),
            "findings": [[f.outcome, f.call, f.detail] for f in result.findings],
            "source": p.source, "minimized": small.source if small else None,
            "minimized_outcome": small_result.outcome if small_result else None,
            "minimized_findings": [[f.outcome, f.call, f.detail] for f in small_result.findings]
            if small_result else None}


def main(args):
    if args.feature is not None:
        from .generate import FEATURES
        if args.feature not in FEATURES:
            print(f"error: unknown feature {args.feature!r}; one of: "
                  f"{', '.join(sorted(FEATURES))}", file=sys.stderr)
            return 2
        seeds = itertools.count(args.seed)
    else:
        seeds = range(args.seed, args.seed + args.n)
    outcomes = FAILURES + (("refused",) if args.minimize_refused else ())
    results, shown, errors = [], 0, []
    save = open(args.save, "w") if args.save else None
    try:
        for k, (result, small, small_result) in enumerate(run(
                seeds, n=args.n, jobs=args.jobs, time_limit_s=args.time_limit,
                feature=args.feature, errors=errors,
                minimize_outcomes=outcomes if args.minimize else ())):
            results.append(result)
            if save:
                save.write(json.dumps(record(result, small, small_result)) + "\n")
                save.flush()
            if result.outcome in FAILURES:
                if shown < args.show_failures:
                    print(format_failure(result, small, small_result), end="\n\n", flush=True)
                    shown += 1
                else:
                    print(f"seed {result.program.seed}: {result.outcome}", flush=True)
            if args.progress and (k + 1) % args.progress == 0:
                print(f"... {k + 1} programs", file=sys.stderr, flush=True)
    finally:
        if save:
            save.close()
    print(render(results))
    if errors:
        print(f"\nerrors of the fuzzer itself (programs not counted): seeds "
              f"{', '.join(map(str, errors))}")
        return 2
    return 1 if any(r.outcome in FAILURES for r in results) else 0


def add_arguments(parser):
    parser.add_argument("--n", type=int, default=100, help="how many programs (default 100)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the first seed; program k has seed SEED+k (default 0)")
    parser.add_argument("--minimize", action="store_true", help="shrink each failing program")
    parser.add_argument("--minimize-refused", action="store_true",
                        help="with --minimize, shrink refused programs too")
    parser.add_argument("--show-failures", type=int, default=20, metavar="K",
                        help="print the first K failures in full (default 20), the rest by seed")
    parser.add_argument("--feature", metavar="TAG",
                        help="only programs that use TAG (seeds from SEED on, until N of them)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--time-limit", type=float, default=20.0, metavar="SECONDS",
                        help="per program, for sourcead's work (default 20): over it is a hang")
    parser.add_argument("--save", metavar="FILE", help="write one JSON line per program")
    parser.add_argument("--progress", type=int, default=0, metavar="K",
                        help="report progress every K programs on stderr")
