#!/usr/bin/env python
"""Checkpointing benchmark: reverse mode through a long loop, trading memory for
recomputation.

An explicit Euler integration of dy/dt = -p * y + sin(y) with a state of N floats
over T steps, loss sum(y(T)**2), gradient with respect to the initial state and the
parameter vector p; the loop stored in full (every step's state kept for the adjoint),
checkpointed every sqrt(T) steps, and on the binomial schedule with s = 10, 20, 50
snapshots. Reported: time, peak memory (tracemalloc), and the number of step
evaluations beside the optimum of Griewank and Walther (which the binomial schedule
must match exactly).

    python benchmarks/bench_checkpoint.py            # N = T = 10**4 (the issue's case)
    python benchmarks/bench_checkpoint.py --quick    # N = T = 2000
    python benchmarks/bench_checkpoint.py --svg docs/checkpointing.svg   # also the plot
"""

import argparse
import math
import os
import sys
import time
import tracemalloc

import numpy as np

try:
    import sourcead as sad
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
    import sourcead as sad
from sourcead import schedules  # noqa: E402

DT = 1e-3


def store_all(y, p, n):
    for i in range(n):
        y = y + DT * (-p * y + np.sin(y))
    return np.sum(y * y)


def periodic(y, p, n, every):
    for i in sad.checkpointed(range(n), every=every):
        y = y + DT * (-p * y + np.sin(y))
    return np.sum(y * y)


def binomial(y, p, n, snapshots):
    for i in sad.checkpointed(range(n), snapshots=snapshots):
        y = y + DT * (-p * y + np.sin(y))
    return np.sum(y * y)


def measure(fn, args, repeat):
    """(median seconds, peak MB) of one call of `fn`."""
    fn(*args)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    try:
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return sorted(times)[len(times) // 2], peak / 1e6


def svg_plot(rows, path):
    """Memory (log scale) against time, one labelled point per schedule, as a small SVG."""
    w, h, pad = 560, 360, 60
    tmax = max(r[1] for r in rows) * 1.1
    lo = math.floor(math.log10(min(r[2] for r in rows)))
    hi = math.ceil(math.log10(max(r[2] for r in rows)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             'font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - 20}" y2="{h - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="20" x2="{pad}" y2="{h - pad}" stroke="black"/>',
             f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle">time of the gradient (s)</text>',
             f'<text x="15" y="{h / 2}" transform="rotate(-90 15 {h / 2})" '
             'text-anchor="middle">peak memory (MB, log scale)</text>']
    for k in range(5):
        t = tmax * k / 4
        x = pad + (w - 20 - pad) * k / 4
        parts.append(f'<text x="{x}" y="{h - pad + 15}" text-anchor="middle">{t:.1f}</text>')
    for e in range(lo, hi + 1):
        y = h - pad - (h - pad - 20) * (e - lo) / max(hi - lo, 1)
        parts.append(f'<text x="{pad - 5}" y="{y + 4}" text-anchor="end">{10.0 ** e:g}</text>')
    for label, t, m, *_ in rows:
        x = pad + (w - 20 - pad) * t / tmax
        y = h - pad - (h - pad - 20) * (math.log10(m) - lo) / max(hi - lo, 1)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="steelblue"/>')
        parts.append(f'<text x="{x + 7:.1f}" y="{y - 6:.1f}">{label}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = T = 2000")
    ap.add_argument("--svg", help="write the memory-time plot to this file")
    args = ap.parse_args(argv)
    n_state = n_steps = 2000 if args.quick else 10 ** 4
    repeat = 3 if args.quick else 1
    rng = np.random.default_rng(0)
    y0 = rng.uniform(0.5, 1.5, n_state)
    p = rng.uniform(0.5, 2.0, n_state)
    every = int(round(math.sqrt(n_steps)))
    print(f"sourcead checkpointing: Euler, state {n_state} floats, {n_steps} steps; "
          f"gradient w.r.t. y0 and p (NumPy {np.__version__})\n")
    want = sad.grad(store_all, wrt=(0, 1))(y0, p, n_steps)
    cases = [("store all", store_all, (), None),
             (f"periodic, every {every}", periodic, (every,), schedules.periodic(n_steps, every))]
    for s in (10, 20, 50):
        cases.append((f"binomial, s = {s}", binomial, (s,), schedules.binomial(n_steps, s)))
    rows = []
    head = (f"  {'schedule':<22}{'time':>10}{'peak MB':>10}{'step evals':>12}"
            f"{'optimum':>10}{'most runs':>11}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for label, fn, extra, actions in cases:
        g = sad.grad(fn, wrt=(0, 1))
        got = g(y0, p, n_steps, *extra)
        for a, b in zip(got, want):
            assert np.array_equal(a, b), f"{label}: differs from store-all"
        t, mb = measure(g, (y0, p, n_steps, *extra), repeat)
        if actions is None:
            evals, opt, most = n_steps, "", 1
        else:
            extra_steps, most, _ = schedules.replay(actions, n_steps)
            evals = n_steps + extra_steps
            opt = n_steps + schedules.forward_steps(n_steps, extra[0]) \
                if fn is binomial else ""
            if fn is binomial:
                assert evals == opt, (label, evals, opt)
        rows.append((label, t, mb, evals, opt, most))
        print(f"  {label:<22}{t:>9.3f}s{mb:>10.1f}{evals:>12}{str(opt):>10}{most:>11}")
    print("\n  step evals: runs of the loop body (the forward sweep, recomputation, and the "
          "recorded run of each step);\n  optimum: T + the fewest forward steps with s "
          "snapshots (Griewank and Walther); every result equals store-all's to the bit.")
    if args.svg:
        svg_plot(rows, args.svg)
        print(f"\n  plot: {args.svg}")


if __name__ == "__main__":
    main()
