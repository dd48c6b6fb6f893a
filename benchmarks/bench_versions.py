#!/usr/bin/env python
"""Two checkouts of sourcead side by side on the four headline cases: the
elementwise function and the MLP of bench_core.py, the scalar loop and the RNN of
bench_control_flow.py. For each case and checkout: the median time of
value_and_grad over the median time of the plain NumPy forward, both measured in
the same child process (so machine drift cancels out of the ratio), with glibc's heap kept warm as in
bench_core.py (else which process page-faults its temporaries depends on what it
allocated while transforming).

    python benchmarks/bench_versions.py OLD_TREE NEW_TREE [--rounds 5]

A tree is a directory holding a `sourcead` package (a git worktree, say:
`git worktree add /tmp/base <commit>`). The checkouts alternate round by round
(old, new, old, new, ...), each round a fresh process, and the table gives the
median over rounds of each ratio and the new/old quotient of those medians.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time, statistics
sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2])
import numpy as np
import sourcead as sad
import bench_core as core
import bench_control_flow as cf
core.set_allocator("warm")   # as bench_core: no page faults that depend on the process history

def median_time(fn, repeat, inner):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)

rng = np.random.default_rng(0)
cases = {}
x = rng.normal(size=10 ** 6)
cases["elementwise"] = (lambda: core.f1(x), sad.value_and_grad(core.f1), (x,), 9, 3)
W1, b1 = rng.normal(size=(784, 256)) * 0.05, np.zeros(256)
W2, b2 = rng.normal(size=(256, 256)) * 0.05, np.zeros(256)
W3, b3 = rng.normal(size=(256, 10)) * 0.05, np.zeros(10)
X = rng.normal(size=(64, 784))
Y = np.eye(10)[rng.integers(0, 10, 64)]
mlp = (W1, b1, W2, b2, W3, b3, X, Y)
cases["mlp"] = (lambda: core.mlp_loss(*mlp), sad.value_and_grad(core.mlp_loss, wrt=tuple(range(6))),
                mlp, 15, 5)
cases["scalar_loop"] = (lambda: cf.scalar_loop(0.3, 0.9, 1.1),
                        sad.value_and_grad(cf.scalar_loop, wrt=(0, 1, 2)), (0.3, 0.9, 1.1), 15, 5)
rnn = cf.rnn_setup()
cases["rnn"] = (lambda: cf.rnn_loss(*rnn), sad.value_and_grad(cf.rnn_loss, wrt=(0, 1, 2)),
                rnn, 9, 2)
out = {}
for name, (forward, vg, args, repeat, inner) in cases.items():
    t_f = median_time(forward, repeat, inner)
    t_g = median_time(lambda: vg(*args), repeat, inner)
    out[name] = t_g / t_f
print(json.dumps(out))
"""


def run(tree, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH="")
    out = subprocess.run([sys.executable, "-c", CHILD, os.path.abspath(tree), HERE],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    ratios = {"old": [], "new": []}
    for k in range(args.rounds):
        for which in ("old", "new"):
            ratios[which].append(run(getattr(args, which), args.threads))
        print(f"round {k + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'case':<14}{'old (x forward)':>17}{'new (x forward)':>17}{'new / old':>11}")
    for case in ratios["old"][0]:
        old = statistics.median(r[case] for r in ratios["old"])
        new = statistics.median(r[case] for r in ratios["new"])
        print(f"{case:<14}{old:>17.3f}{new:>17.3f}{new / old:>11.3f}")


if __name__ == "__main__":
    main()
