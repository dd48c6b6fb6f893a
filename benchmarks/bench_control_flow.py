#!/usr/bin/env python
"""Control-flow benchmarks for sourcead: gradients through Python loops, side
by side with hand-written code (and with autograd, JAX and PyTorch when they
are importable; see bench_core.py for setting up an environment with them).

    python benchmarks/bench_control_flow.py            # about a minute with the others
    python benchmarks/bench_control_flow.py --quick --no-others

Cases
  1. A scalar loop, 1000 iterations of  x = math.sin(x) * a + math.cos(x * b),
     gradient with respect to x0, a and b. Target (issue 3): the gradient within
     5x the plain Python forward. Also: a hand-written Python reverse loop,
     autograd and PyTorch (which trace every scalar operation), JAX jit of the
     unrolled Python loop (its compile time is reported on its own) and JAX with
     lax.fori_loop.
  2. An RNN, h = tanh(h @ W + x_t @ U + b), 50 steps, hidden 128, batch 32,
     input 64, loss sum(h**2); gradient with respect to W, U and b, against a
     hand-written NumPy backward (backpropagation through time).

Timing method as in bench_core.py: medians of per-call times, competitors
interleaved in short blocks, every gradient checked against the hand-written
one first. Peak MB is what tracemalloc sees NumPy and Python allocate during
one call (JAX and torch allocate outside its view and are not reported).
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import (_THREADS, _generated, bench_group, check_close,  # noqa: E402
                        checkout_state, fmt_time, load_others, peak_temporaries, print_table,
                        version_of)

import numpy as np  # noqa: E402

import sourcead as sad  # noqa: E402

N_STEPS = 1000


# --------------------------------------------------------------------------- case 1

def scalar_loop(x, a, b):
    for i in range(1000):
        x = math.sin(x) * a + math.cos(x * b)
    return x


def scalar_loop_hand(x, a, b):
    """Value and gradient w.r.t. (x0, a, b), written by hand: record x, reverse."""
    xs = []
    for i in range(N_STEPS):
        xs.append(x)
        x = math.sin(x) * a + math.cos(x * b)
    value = x
    gx, ga, gb = 1.0, 0.0, 0.0
    for i in range(N_STEPS - 1, -1, -1):
        xi = xs[i]
        s = -math.sin(xi * b)
        ga += gx * math.sin(xi)
        gb += gx * s * xi
        gx = gx * (math.cos(xi) * a + s * b)
    return value, (gx, ga, gb)


def case1(args, others):
    print(f"\n== case 1: scalar loop, {N_STEPS} iterations of x = sin(x)*a + cos(x*b); "
          "gradient w.r.t. x0, a, b ==")
    x0, a, b = 0.3, 0.9, 1.1
    vg = sad.value_and_grad(scalar_loop, wrt=(0, 1, 2))
    vg(x0, a, b)
    src = vg.source
    raw = _generated(vg, (x0, a, b))
    if args.show_source:
        print(src)
    want = scalar_loop_hand(x0, a, b)
    flat_want = (want[0],) + want[1]
    got = vg(x0, a, b)
    check_close("sourcead value_and_grad", (got[0],) + tuple(got[1]), flat_want)
    fns = {
        "forward": lambda: scalar_loop(x0, a, b),
        "hand": lambda: scalar_loop_hand(x0, a, b),
        "sad": lambda: vg(x0, a, b),
        "sad_raw": lambda: raw(x0, a, b),
    }
    rows = [("forward", "plain Python forward"),
            ("hand", "hand-written Python value+grad"),
            ("sad", "sourcead value_and_grad"),
            ("sad_raw", "sourcead generated function, no wrapper")]
    extra = {}
    slow_rounds = max(1, args.rounds // 4)

    ag = others.get("autograd")
    if isinstance(ag, tuple):
        autograd, anp = ag

        def loop_ag(x, a, b):
            for i in range(N_STEPS):
                x = anp.sin(x) * a + anp.cos(x * b)
            return x
        ag_vg = autograd.value_and_grad(loop_ag, argnum=(0, 1, 2))
        v, g = ag_vg(x0, a, b)
        check_close("autograd value_and_grad", (v,) + tuple(g), flat_want)
        fns["autograd"] = lambda: ag_vg(x0, a, b)
        rows.append(("autograd", f"autograd {version_of(autograd)} value_and_grad"))
    elif ag is not None:
        extra["autograd"] = ag
        rows.append(("autograd", "autograd"))

    th = others.get("torch")
    if th is not None and not isinstance(th, str):
        torch = th

        def torch_vg():
            xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x0, a, b)]
            x, ta, tb = xs
            for i in range(N_STEPS):
                x = torch.sin(x) * ta + torch.cos(x * tb)
            x.backward()
            return (x.item(),) + tuple(t.grad.item() for t in xs)
        check_close("torch forward+backward", torch_vg(), flat_want)
        fns["torch"] = torch_vg
        rows.append(("torch", f"torch {version_of(torch)} forward+backward (scalar tensors)"))
    elif th is not None:
        extra["torch"] = th
        rows.append(("torch", "torch"))

    jax_notes = []
    jx = others.get("jax")
    if isinstance(jx, tuple):
        jax, jnp = jx

        def loop_jax(x, a, b):
            for i in range(N_STEPS):
                x = jnp.sin(x) * a + jnp.cos(x * b)
            return x

        def loop_fori(x, a, b):
            return jax.lax.fori_loop(0, N_STEPS, lambda i, x: jnp.sin(x) * a + jnp.cos(x * b), x)

        for key, fn, label in (("jax_unrolled", loop_jax, "jit of the unrolled Python loop"),
                               ("jax_fori", loop_fori, "jit with lax.fori_loop")):
            jvg = jax.jit(jax.value_and_grad(fn, argnums=(0, 1, 2)))
            t0 = time.perf_counter()
            v, g = jax.block_until_ready(jvg(x0, a, b))
            compile_s = time.perf_counter() - t0
            check_close(f"jax {label}", (float(v),) + tuple(float(t) for t in g), flat_want)
            fns[key] = (lambda f: lambda: jax.block_until_ready(f(x0, a, b)))(jvg)
            rows.append((key, f"jax {version_of(jax)} value_and_grad, {label}"))
            jax_notes.append(f"  jax {label}: first call (trace + compile) {fmt_time(compile_s)}")
    elif jx is not None:
        extra["jax"] = jx
        rows.append(("jax", "jax"))

    peaks = peak_temporaries(fns, ("forward", "hand", "sad", "sad_raw", "autograd"))
    fast = {k: v for k, v in fns.items() if k in ("forward", "hand", "sad", "sad_raw")}
    slow = {k: v for k, v in fns.items() if k not in fast}
    res = bench_group(fast, warmup=args.warmup, rounds=args.rounds, block=args.block)
    if slow:
        res.update(bench_group(slow, warmup=1, rounds=slow_rounds, block=2))
    res.update(extra)
    print_table("  times (per call); ratios against the plain Python forward and the "
                "hand-written value+grad", res, rows, "forward", "hand", peaks)
    for line in jax_notes:
        print(line)
    return res


# --------------------------------------------------------------------------- case 2

def rnn_loss(W, U, b, h, X):
    for x in X:
        h = np.tanh(h @ W + x @ U + b)
    return np.sum(h * h)


def rnn_hand(W, U, b, h, X):
    """Value and gradient w.r.t. (W, U, b), written by hand (backpropagation through time)."""
    hs = [h]
    for x in X:
        h = np.tanh(h @ W + x @ U + b)
        hs.append(h)
    value = np.sum(h * h)
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    gh = 2.0 * h
    for t in range(len(X) - 1, -1, -1):
        ga = gh * (1.0 - hs[t + 1] ** 2)
        gW += hs[t].T @ ga
        gU += X[t].T @ ga
        gb += ga.sum(axis=0)
        gh = ga @ W.T
    return value, (gW, gU, gb)


def rnn_setup(steps=50, hidden=128, batch=32, inputs=64, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(hidden, hidden)) / np.sqrt(hidden)
    U = rng.normal(size=(inputs, hidden)) / np.sqrt(inputs)
    b = rng.normal(size=hidden) * 0.1
    h = np.zeros((batch, hidden))
    X = rng.normal(size=(steps, batch, inputs))
    return W, U, b, h, X


def case2(args, others):
    print("\n== case 2: RNN, tanh, 50 steps, hidden 128, batch 32, input 64; "
          "gradient w.r.t. W, U, b ==")
    W, U, b, h, X = rnn_setup()
    vg = sad.value_and_grad(rnn_loss, wrt=(0, 1, 2))
    vg(W, U, b, h, X)
    src = vg.source
    raw = _generated(vg, (W, U, b, h, X))
    if args.show_source:
        print(src)
    want = rnn_hand(W, U, b, h, X)
    flat_want = (want[0],) + want[1]
    got = vg(W, U, b, h, X)
    check_close("sourcead value_and_grad", (got[0],) + tuple(got[1]), flat_want)
    fns = {
        "forward": lambda: rnn_loss(W, U, b, h, X),
        "hand": lambda: rnn_hand(W, U, b, h, X),
        "sad": lambda: vg(W, U, b, h, X),
        "sad_raw": lambda: raw(W, U, b, h, X),
    }
    rows = [("forward", "NumPy forward"),
            ("hand", "hand-written value+grad (BPTT)"),
            ("sad", "sourcead value_and_grad"),
            ("sad_raw", "sourcead generated function, no wrapper")]
    extra = {}

    ag = others.get("autograd")
    if isinstance(ag, tuple):
        autograd, anp = ag

        def rnn_ag(W, U, b, h, X):
            for t in range(X.shape[0]):
                h = anp.tanh(anp.dot(h, W) + anp.dot(X[t], U) + b)
            return anp.sum(h * h)
        ag_vg = autograd.value_and_grad(rnn_ag, argnum=(0, 1, 2))
        v, g = ag_vg(W, U, b, h, X)
        check_close("autograd value_and_grad", (v,) + tuple(g), flat_want)
        fns["autograd"] = lambda: ag_vg(W, U, b, h, X)
        rows.append(("autograd", f"autograd {version_of(autograd)} value_and_grad"))
    elif ag is not None:
        extra["autograd"] = ag
        rows.append(("autograd", "autograd"))

    jax_notes = []
    jx = others.get("jax")
    if isinstance(jx, tuple):
        jax, jnp = jx

        def rnn_jax(W, U, b, h, X):
            def step(h, x):
                return jnp.tanh(h @ W + x @ U + b), None
            h, _ = jax.lax.scan(step, h, X)
            return jnp.sum(h * h)
        jvg = jax.jit(jax.value_and_grad(rnn_jax, argnums=(0, 1, 2)))
        args_j = [jax.device_put(a) for a in (W, U, b, h, X)]
        t0 = time.perf_counter()
        v, g = jax.block_until_ready(jvg(*args_j))
        jax_notes.append(f"  jax lax.scan: first call (trace + compile) "
                         f"{fmt_time(time.perf_counter() - t0)}")
        check_close("jax jit(value_and_grad) with lax.scan",
                    (float(v),) + tuple(np.asarray(t) for t in g), flat_want)
        fns["jax"] = lambda: jax.block_until_ready(jvg(*args_j))
        rows.append(("jax", f"jax {version_of(jax)} jit(value_and_grad), lax.scan"))
    elif jx is not None:
        extra["jax"] = jx
        rows.append(("jax", "jax"))

    th = others.get("torch")
    if th is not None and not isinstance(th, str):
        torch = th
        Wt, Ut, bt, ht, Xt = (torch.from_numpy(a) for a in (W, U, b, h, X))

        def torch_vg():
            ps = [p.detach().requires_grad_(True) for p in (Wt, Ut, bt)]
            hh = ht
            for t in range(Xt.shape[0]):
                hh = torch.tanh(hh @ ps[0] + Xt[t] @ ps[1] + ps[2])
            loss = torch.sum(hh * hh)
            loss.backward()
            return (loss.item(),) + tuple(p.grad.numpy() for p in ps)
        check_close("torch forward+backward", torch_vg(), flat_want)
        fns["torch"] = torch_vg
        rows.append(("torch", f"torch {version_of(torch)} forward+backward"))
    elif th is not None:
        extra["torch"] = th
        rows.append(("torch", "torch"))

    peaks = peak_temporaries(fns, ("forward", "hand", "sad", "sad_raw", "autograd"))
    res = bench_group(fns, warmup=args.warmup, rounds=args.rounds, block=args.block)
    res.update(extra)
    print_table("  times (per call); ratios against the NumPy forward and the hand-written "
                "value+grad;\n  peak MB: memory allocated during one call (tracemalloc)",
                res, rows, "forward", "hand", peaks)
    for line in jax_notes:
        print(line)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--show-source", action="store_true", help="print the generated derivatives")
    p.add_argument("--no-others", action="store_true", help="skip autograd, jax and torch")
    p.add_argument("--cases", default="1,2", help="which cases to run (default 1,2)")
    p.add_argument("--threads", default=None, help="pin BLAS/XLA/torch threads (read at import)")
    args = p.parse_args(argv)
    args.warmup, args.rounds, args.block = (3, 5, 5) if args.quick else (5, 20, 5)
    print(f"sourcead {checkout_state()}; NumPy {np.__version__}; Python {sys.version.split()[0]}; "
          f"threads: {_THREADS or 'library defaults'}")
    others = {} if args.no_others else load_others()
    cases = {int(c) for c in args.cases.split(",")}
    if 1 in cases:
        case1(args, others)
    if 2 in cases:
        case2(args, others)


if __name__ == "__main__":
    main()
