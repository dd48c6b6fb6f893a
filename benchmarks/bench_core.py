#!/usr/bin/env python
"""Core benchmarks for sourcead, side by side with hand-written NumPy (and with
autograd, JAX and PyTorch when they are importable).

    python benchmarks/bench_core.py              # full run (about 30 s on 2 cores)
    python benchmarks/bench_core.py --quick      # fewer repetitions (about 10 s)
    python benchmarks/bench_core.py --threads 1 --show-source

autograd, jax and torch are timed when importable and reported "not installed"
otherwise, e.g. in a separate environment:
    python -m venv /tmp/benchenv
    /tmp/benchenv/bin/pip install -e . autograd jax jaxlib
    /tmp/benchenv/bin/pip install torch==2.13.0       # the CPU build
    /tmp/benchenv/bin/python benchmarks/bench_core.py --threads 1

Cases
  1. f(x) = sum(tanh(x)**2 * exp(-x)), x: 10**6 float64 values.
  2. A 784-256-256-10 tanh MLP with log-softmax cross-entropy, batch 64,
     gradient with respect to all six parameters.
  3. Transformation time: clear_cache(), then grad(f) and the first `.source`
     access (lowering, AD, optimisation, code generation, compilation) for a
     ten-line straight-line NumPy function.

Targets (from the issue): sourcead's value_and_grad within 1.2x of the
hand-written value-and-gradient; transformation under 20 ms for a ten-line
function.

Allocator: glibc malloc page-faults a large temporary anew on every call or not
depending on what the process freed before (see set_allocator), which moves the
case 1 figures by up to 2x. By default the tables are taken with a warm heap
(deterministic), and case 1 is then run again, NumPy only, in a fresh process
with glibc's adaptive defaults, the setting a plain NumPy script runs under.
Threads: --threads 1 pins OpenBLAS, OpenMP (torch) and XLA to one thread each.

Timing method: time.perf_counter around each call, warm-up calls first, and
the competitors are run round-robin in short blocks (so that drift in the
machine's load hits all of them alike); the figure reported is the median of
all the per-call times. Every gradient is checked against the hand-written one
(np.allclose) before anything is timed.

This file is not part of the test suite (no test_ names; pytest collects only
tests/).
"""

import argparse
import os
import platform
import statistics
import sys
import time


def _threads_from_argv(argv):
    """The value of --threads N (or --threads=N), read before NumPy is imported."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


_THREADS = _threads_from_argv(sys.argv[1:])
if _THREADS is not None:
    # The thread pools read these when the libraries load, so they are set before any import.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _THREADS
    if _THREADS == "1":
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()

import numpy as np  # noqa: E402


def set_allocator(mode):
    """Fix glibc malloc's policy for large blocks, so that every run measures the same thing.

    glibc serves a large block (an 8 MB array) from mmap or from its heap depending on the
    largest block freed so far in the process, and gives freed heap memory back to the system
    past a threshold that moves with it; a block that comes fresh from the system costs a page
    fault per 4 KiB page when first written. Which regime a benchmark lands in then depends on
    what ran before it (loading jax or torch and running them flips it), and the page faults
    can double the time of a function that allocates many temporaries.

    "warm" (the default) keeps freed memory in the heap (as a long-running program that has
    allocated large arrays before does): times measure computation and memory traffic.
    "glibc" leaves the adaptive defaults alone (timings then depend on the process history).
    """
    if mode == "glibc":
        return "glibc defaults (adaptive: may page-fault every large temporary)"
    try:
        import ctypes
        import ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        ok = libc.mallopt(M_MMAP_THRESHOLD, 256 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        ok = False
    if not ok:
        return "system default (mallopt not available)"
    return "warm heap (mallopt: blocks < 256 MiB from the heap, no trimming)"

try:
    import sourcead as sad
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
    import sourcead as sad


# --------------------------------------------------------------------------- timing

def bench_group(fns, warmup, rounds, block):
    """Median seconds per call of each zero-argument callable in `fns` (a dict).

    `warmup` calls each first; then `rounds` rounds, in each of which every
    callable in turn is called `block` times, each call timed on its own.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in fns.items():
            ts = times[name]
            for _ in range(block):
                t0 = clock()
                fn()
                ts.append(clock() - t0)
    return {name: (statistics.median(ts), _iqr(ts), len(ts)) for name, ts in times.items()}


def _iqr(ts):
    q = statistics.quantiles(ts, n=4)
    return q[2] - q[0]


def fmt_time(s):
    if s >= 1.0:
        return f"{s:8.3f} s "
    if s >= 1e-3:
        return f"{s * 1e3:8.3f} ms"
    return f"{s * 1e6:8.1f} us"


def peak_temporaries(fns, keys):
    """Peak memory NumPy allocates during one call of each fns[k] (tracemalloc), in MB."""
    import tracemalloc
    out = {}
    for k in keys:
        if k not in fns:
            continue
        fns[k]()
        tracemalloc.start()
        try:
            fns[k]()
            out[k] = tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
    return out


def print_table(title, results, rows, forward_key, hand_key, peaks=None):
    """rows: list of (key, label); a key absent from results prints its reason."""
    peaks = peaks or {}
    print()
    print(title)
    width = max(len(label) for _, label in rows)
    head = (f"  {'':<{width}}  {'median':>11}  {'IQR':>11}  {'n':>5}  {'/forward':>9}  "
            f"{'/hand-written':>13}  {'peak MB':>8}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    fwd = results[forward_key][0]
    hand = results[hand_key][0]
    for key, label in rows:
        r = results.get(key)
        if r is None:
            print(f"  {label:<{width}}  {'':>11}  not timed")
            continue
        if isinstance(r, str):
            print(f"  {label:<{width}}  {r}")
            continue
        med, iqr, n = r
        peak = f"{peaks[key]:8.1f}" if key in peaks else f"{'-':>8}"
        print(f"  {label:<{width}}  {fmt_time(med):>11}  {fmt_time(iqr):>11}  {n:>5}  "
              f"{med / fwd:>8.2f}x  {med / hand:>12.2f}x  {peak}")


def check_close(name, got, want, rtol=1e-7, atol=1e-10):
    got = [np.asarray(g, dtype=np.float64) for g in got]
    want = [np.asarray(w, dtype=np.float64) for w in want]
    if len(got) != len(want):
        raise AssertionError(f"{name}: {len(got)} outputs, expected {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or not np.allclose(g, w, rtol=rtol, atol=atol):
            err = np.max(np.abs(g - w)) if g.shape == w.shape else f"shape {g.shape} != {w.shape}"
            raise AssertionError(f"{name}: output {i} differs from the hand-written one ({err})")
    print(f"  ok  {name} matches the hand-written value and gradient(s)")


# --------------------------------------------------------------------------- other tools

def checkout_state():
    """The commit of the sourcead checkout being measured (read-only git queries)."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(sad.__file__)))
    try:
        head = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "sourcead"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"
    if not head:
        return f"unknown ({root} is not a git checkout)"
    return head[:72] + (" (+ uncommitted changes in sourcead/)" if dirty else "")


def load_others():
    """{name: module or reason string} for autograd, jax and torch."""
    others = {}
    try:
        import autograd
        import autograd.numpy as anp
        others["autograd"] = (autograd, anp)
    except Exception as e:  # noqa: BLE001
        others["autograd"] = _reason(e)
    try:
        import jax
        jax.config.update("jax_enable_x64", True)  # float64, like the NumPy versions
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp
        others["jax"] = (jax, jnp)
    except Exception as e:  # noqa: BLE001
        others["jax"] = _reason(e)
    try:
        import torch
        if _THREADS is not None:
            torch.set_num_threads(int(_THREADS))
        others["torch"] = torch
    except Exception as e:  # noqa: BLE001
        others["torch"] = _reason(e)
    return others


def _reason(e):
    return "not installed" if isinstance(e, ImportError) else f"failed to import ({e!r})"


def version_of(mod):
    v = getattr(mod, "__version__", None)
    if v is None:
        try:
            from importlib.metadata import version
            v = version(mod.__name__)
        except Exception:  # noqa: BLE001
            v = "?"
    return v


# --------------------------------------------------------------------------- case 1

def f1(x):
    return np.sum(np.tanh(x) ** 2 * np.exp(-x))


def f1_hand(x):
    """Hand-written value and gradient, tuned: intermediates reused, in-place updates.

    d/dx [t^2 e] with t = tanh x, e = exp(-x):  2 t (1 - t^2) e - t^2 e = t e (2 - t - 2 t^2)
    """
    t = np.tanh(x)
    e = np.negative(x)
    np.exp(e, out=e)
    t2 = t * t
    p = t2 * e
    value = p.sum()
    g = t2                      # reuse t2's buffer: g = t e (2 - t - 2 t^2)
    g *= -2.0
    g -= t
    g += 2.0
    g *= t
    g *= e
    return value, g


def f1_hand_plain(x):
    """Hand-written value and gradient as plain expressions (intermediates reused, no in-place)."""
    t = np.tanh(x)
    e = np.exp(-x)
    p = t ** 2 * e
    return np.sum(p), 2.0 * t * (1.0 - t * t) * e - p


def _generated(derivative, args):
    """The generated function a call with `args` runs (for float64 arguments, the variant
    that reuses dead temporaries in place), without the Derivative wrapper's checks."""
    spec = derivative._float64_spec(args)
    return derivative._specialised(spec) if spec else derivative._function()


def case1(args, others, show_source):
    n = 10 ** 6
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)

    vg = sad.value_and_grad(f1)
    vg(x)                                 # build it outside the timings
    src = vg.source                       # (the variant for float64 arguments, which runs)
    raw = _generated(vg, (x,))            # the generated function itself, without the
                                          # argument checks of the Derivative wrapper

    print("\n== case 1: f(x) = sum(tanh(x)**2 * exp(-x)),  x: 10**6 float64 ==")
    if show_source:
        print("\n--- generated source (value_and_grad) ---")
        print(src)

    want = f1_hand(x)
    check_close("hand-written (plain)", f1_hand_plain(x), want)
    check_close("sourcead value_and_grad", vg(x), want)
    fns = {
        "forward": lambda: f1(x),
        "hand": lambda: f1_hand(x),
        "hand_plain": lambda: f1_hand_plain(x),
        "sad": lambda: vg(x),
        "sad_raw": lambda: raw(x),
    }
    rows = [("forward", "NumPy forward f(x)"),
            ("hand", "hand-written value+grad (tuned, in-place)"),
            ("hand_plain", "hand-written value+grad (plain expressions)"),
            ("sad", "sourcead value_and_grad"),
            ("sad_raw", "sourcead generated function, no wrapper")]

    extra = {}
    ag = others["autograd"]
    if isinstance(ag, tuple):
        autograd, anp = ag

        def f1_ag(x):
            return anp.sum(anp.tanh(x) ** 2 * anp.exp(-x))
        ag_vg = autograd.value_and_grad(f1_ag)
        v, g = ag_vg(x)
        check_close("autograd value_and_grad", (v, g), want)
        fns["autograd"] = lambda: ag_vg(x)
        rows.append(("autograd", f"autograd {version_of(autograd)} value_and_grad"))
    else:
        extra["autograd"] = ag
        rows.append(("autograd", "autograd"))

    jx = others["jax"]
    if isinstance(jx, tuple):
        jax, jnp = jx

        def f1_jax(x):
            return jnp.sum(jnp.tanh(x) ** 2 * jnp.exp(-x))
        jf = jax.jit(f1_jax)
        jvg = jax.jit(jax.value_and_grad(f1_jax))
        xj = jax.device_put(x)
        v, g = jvg(xj)
        check_close("jax.jit(value_and_grad)", (np.asarray(v), np.asarray(g)), want)
        fns["jax_fwd"] = lambda: jf(xj).block_until_ready()
        fns["jax"] = lambda: jax.block_until_ready(jvg(xj))
        rows += [("jax_fwd", f"jax {version_of(jax)} jit forward"),
                 ("jax", f"jax {version_of(jax)} jit(value_and_grad)")]
    else:
        extra["jax"] = jx
        rows.append(("jax", "jax"))

    th = others["torch"]
    if not isinstance(th, str):
        torch = th

        def f1_torch(x):
            return torch.sum(torch.tanh(x) ** 2 * torch.exp(-x))

        xt = torch.from_numpy(x)

        def torch_fwd():
            with torch.no_grad():
                return f1_torch(xt)

        def torch_vg():
            leaf = xt.detach().requires_grad_(True)
            y = f1_torch(leaf)
            y.backward()
            return y.detach().numpy(), leaf.grad.numpy()
        check_close("torch forward+backward", torch_vg(), want)
        fns["torch_fwd"] = torch_fwd
        fns["torch"] = torch_vg
        rows += [("torch_fwd", f"torch {version_of(torch)} forward (no_grad)"),
                 ("torch", f"torch {version_of(torch)} forward+backward")]
    else:
        extra["torch"] = th
        rows.append(("torch", "torch"))

    peaks = peak_temporaries(fns, ("forward", "hand", "hand_plain", "sad", "sad_raw", "autograd"))
    res = bench_group(fns, warmup=args.warmup, rounds=args.rounds1, block=args.block1)
    res.update(extra)
    print_table("  times (per call); ratios against the NumPy forward and the tuned hand-written "
                "value+grad;\n  peak MB: NumPy memory allocated during one call (tracemalloc)",
                res, rows, "forward", "hand", peaks)
    return res, src


# --------------------------------------------------------------------------- case 2

def mlp_loss(W1, b1, W2, b2, W3, b3, X, Y):
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - np.mean(logits, axis=1, keepdims=True)    # no np.max yet: centre the logits
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * logp, axis=1))


def mlp_hand(W1, b1, W2, b2, W3, b3, X, Y):
    """Hand-written loss and backward pass (Y one-hot: d loss / d logits = (softmax - Y) / n)."""
    n = X.shape[0]
    h1 = X @ W1
    h1 += b1
    np.tanh(h1, out=h1)
    h2 = h1 @ W2
    h2 += b2
    np.tanh(h2, out=h2)
    z = h2 @ W3
    z += b3
    z -= z.mean(axis=1, keepdims=True)
    ez = np.exp(z)
    s = ez.sum(axis=1, keepdims=True)
    loss = (np.log(s).sum() - np.vdot(Y, z)) / n           # -mean(sum(Y * logp)) with sum(Y) = 1
    # backward
    d = ez
    d /= s                                                 # softmax
    d -= Y
    d /= n                                                 # d loss / d logits (rows sum to 0, so
    gW3 = h2.T @ d                                         # the centring passes it unchanged)
    gb3 = d.sum(axis=0)
    d = d @ W3.T
    d *= 1.0 - h2 * h2
    gW2 = h1.T @ d
    gb2 = d.sum(axis=0)
    d = d @ W2.T
    d *= 1.0 - h1 * h1
    gW1 = X.T @ d
    gb1 = d.sum(axis=0)
    return loss, (gW1, gb1, gW2, gb2, gW3, gb3)


def mlp_setup(batch=64, sizes=(784, 256, 256, 10), seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in))
        params.append(0.1 * rng.standard_normal(fan_out))
    X = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    Y = np.zeros((batch, sizes[-1]))
    Y[np.arange(batch), labels] = 1.0
    return params, X, Y


def _flat(vg_out):
    v, gs = vg_out
    return (v,) + tuple(gs)


def mlp_loss_for(xp):
    """The MLP loss written against a NumPy-like namespace (autograd.numpy, jax.numpy)."""
    def loss(W1, b1, W2, b2, W3, b3, X, Y):
        h1 = xp.tanh(X @ W1 + b1)
        h2 = xp.tanh(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        z = logits - xp.mean(logits, axis=1, keepdims=True)
        logp = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
        return -xp.mean(xp.sum(Y * logp, axis=1))
    return loss


def case2(args, others, show_source):
    params, X, Y = mlp_setup()
    allargs = (*params, X, Y)

    vg = sad.value_and_grad(mlp_loss, wrt=(0, 1, 2, 3, 4, 5))
    vg(*allargs)
    src = vg.source
    raw = _generated(vg, allargs)

    print("\n== case 2: tanh MLP 784-256-256-10, softmax cross-entropy, batch 64, "
          "grad wrt W1 b1 W2 b2 W3 b3 ==")
    if show_source:
        print("\n--- generated source (value_and_grad) ---")
        print(src)

    want = _flat(mlp_hand(*allargs))
    check_close("NumPy forward", (mlp_loss(*allargs),), want[:1])
    check_close("sourcead value_and_grad", _flat(vg(*allargs)), want)
    fns = {
        "forward": lambda: mlp_loss(*allargs),
        "hand": lambda: mlp_hand(*allargs),
        "sad": lambda: vg(*allargs),
        "sad_raw": lambda: raw(*allargs),
    }
    rows = [("forward", "NumPy forward loss"),
            ("hand", "hand-written loss+backward"),
            ("sad", "sourcead value_and_grad"),
            ("sad_raw", "sourcead generated function, no wrapper")]
    extra = {}

    ag = others["autograd"]
    if isinstance(ag, tuple):
        autograd, anp = ag

        loss_ag = mlp_loss_for(anp)
        ag_vg = autograd.value_and_grad(loss_ag, (0, 1, 2, 3, 4, 5))
        check_close("autograd value_and_grad", _flat(ag_vg(*allargs)), want)
        fns["autograd"] = lambda: ag_vg(*allargs)
        rows.append(("autograd", f"autograd {version_of(autograd)} value_and_grad"))
    else:
        extra["autograd"] = ag
        rows.append(("autograd", "autograd"))

    jx = others["jax"]
    if isinstance(jx, tuple):
        jax, jnp = jx

        loss_jax = mlp_loss_for(jnp)
        jf = jax.jit(loss_jax)
        jvg = jax.jit(jax.value_and_grad(loss_jax, argnums=(0, 1, 2, 3, 4, 5)))
        jargs = tuple(jax.device_put(a) for a in allargs)
        v, gs = jvg(*jargs)
        check_close("jax.jit(value_and_grad)", (np.asarray(v),) + tuple(np.asarray(g) for g in gs),
                    want)
        fns["jax_fwd"] = lambda: jf(*jargs).block_until_ready()
        fns["jax"] = lambda: jax.block_until_ready(jvg(*jargs))
        rows += [("jax_fwd", f"jax {version_of(jax)} jit forward"),
                 ("jax", f"jax {version_of(jax)} jit(value_and_grad)")]
    else:
        extra["jax"] = jx
        rows.append(("jax", "jax"))

    th = others["torch"]
    if not isinstance(th, str):
        torch = th

        def loss_torch(W1, b1, W2, b2, W3, b3, X, Y):
            h1 = torch.tanh(X @ W1 + b1)
            h2 = torch.tanh(h1 @ W2 + b2)
            logits = h2 @ W3 + b3
            z = logits - torch.mean(logits, dim=1, keepdim=True)
            logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
            return -torch.mean(torch.sum(Y * logp, dim=1))
        targs = tuple(torch.from_numpy(a) for a in allargs)

        def torch_fwd():
            with torch.no_grad():
                return loss_torch(*targs)

        def torch_vg():
            leaves = [t.detach().requires_grad_(True) for t in targs[:6]]
            y = loss_torch(*leaves, *targs[6:])
            y.backward()
            return (y.detach().numpy(),) + tuple(p.grad.numpy() for p in leaves)
        check_close("torch forward+backward", torch_vg(), want)
        fns["torch_fwd"] = torch_fwd
        fns["torch"] = torch_vg
        rows += [("torch_fwd", f"torch {version_of(torch)} forward (no_grad)"),
                 ("torch", f"torch {version_of(torch)} forward+backward")]
    else:
        extra["torch"] = th
        rows.append(("torch", "torch"))

    peaks = peak_temporaries(fns, ("forward", "hand", "sad", "sad_raw", "autograd"))
    res = bench_group(fns, warmup=args.warmup * 5, rounds=args.rounds2, block=args.block2)
    res.update(extra)
    print_table("  times (per call); ratios against the NumPy forward and the hand-written "
                "loss+backward;\n  peak MB: NumPy memory allocated during one call (tracemalloc)",
                res, rows, "forward", "hand", peaks)
    return res, src


# --------------------------------------------------------------------------- case 3

def ten_lines(x, w, b):
    a = x @ w + b
    h = np.tanh(a)
    s = np.exp(-h * h)
    r = np.log(1.0 + s)
    q = r * h - s / (1.0 + h * h)
    m = np.mean(q, axis=0, keepdims=True)
    c = q - m
    d = np.sum(c * c, axis=1)
    e = np.sqrt(d + 1.0)
    return np.sum(e) / np.mean(np.exp(-e))


def build_time(fn, make):
    """Seconds for clear_cache() + make(fn) + first .source."""
    t0 = time.perf_counter()
    sad.clear_cache()
    d = make(fn)
    d.source
    return time.perf_counter() - t0


def cold_builds(n):
    """Seconds of the first grad(ten_lines) build in each of `n` fresh processes."""
    import subprocess
    out = []
    for _ in range(n):
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--cold-probe"],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            out.append(float(proc.stdout.strip().splitlines()[-1]))
    return out


def case3(args, show_source, first):
    print("\n== case 3: transformation time (clear_cache(); grad(f); first .source) ==")
    builds = [
        ("ten_lines: grad(f)  (wrt x)", ten_lines, lambda f: sad.grad(f)),
        ("ten_lines: value_and_grad(f, wrt=(0,1,2))", ten_lines,
         lambda f: sad.value_and_grad(f, wrt=(0, 1, 2))),
        ("mlp_loss: value_and_grad(f, wrt=(0..5))", mlp_loss,
         lambda f: sad.value_and_grad(f, wrt=(0, 1, 2, 3, 4, 5))),
    ]
    if show_source:
        print("\n--- generated source (grad of ten_lines) ---")
        print(sad.grad(ten_lines).source)
    # correctness of the ten-line derivative against central finite differences
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((8, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    g = sad.grad(ten_lines)(x, w, b)
    eps = 1e-6
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        fd[idx] = (ten_lines(xp, w, b) - ten_lines(xm, w, b)) / (2 * eps)
    if not np.allclose(g, fd, rtol=1e-5, atol=1e-7):
        raise AssertionError(f"grad(ten_lines) disagrees with finite differences "
                             f"({np.max(np.abs(g - fd))})")
    print("  ok  grad(ten_lines) matches central finite differences")

    print()
    width = max(max(len(label) for label, _, _ in builds), 46)
    head = f"  {'':<{width}}  {'median':>11}  {'min':>11}  {'max':>11}  {'n':>4}  target 20 ms"
    print(head)
    print("  " + "-" * (len(head) - 2))
    colds = [first] + cold_builds(args.cold - 1)
    cold = statistics.median(colds)
    print(f"  {'ten_lines: grad(f), first build in a process':<{width}}  {fmt_time(cold):>11}  "
          f"{fmt_time(min(colds)):>11}  {fmt_time(max(colds)):>11}  {len(colds):>4}  "
          f"{'met' if cold < 0.020 else 'MISSED'}  (fresh processes: also lowers the rules)")
    results = {}
    for label, fn, make in builds:
        for _ in range(2):
            build_time(fn, make)
        ts = [build_time(fn, make) for _ in range(args.builds)]
        med = statistics.median(ts)
        results[label] = med
        ok = "met" if med < 0.020 else "MISSED"
        print(f"  {label:<{width}}  {fmt_time(med):>11}  {fmt_time(min(ts)):>11}  "
              f"{fmt_time(max(ts)):>11}  {len(ts):>4}  {ok}")
    sad.clear_cache()
    results["cold"] = cold
    return results


# --------------------------------------------------------------------------- main

def run_glibc_child(args):
    """Case 1 again in a fresh process with glibc's adaptive malloc; its figures, or None."""
    import json
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "case1.json")
        # NumPy only: running jax or torch in the process moves glibc's thresholds too.
        cmd = [sys.executable, os.path.abspath(__file__), "--cases", "1", "--allocator", "glibc",
               "--no-others", "--json-out", out]
        if args.quick:
            cmd.append("--quick")
        if _THREADS is not None:
            cmd += ["--threads", _THREADS]
        print("\n== case 1 again, NumPy only, in a fresh process with --allocator glibc ==",
              flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        text = proc.stdout
        start = text.find("\n== case 1")
        body = text[start:text.find("\n== summary")] if start >= 0 else text
        print(body.rstrip("\n"))
        if proc.returncode != 0:
            print(proc.stderr)
            return None
        with open(out) as fh:
            return json.load(fh)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (about 4x faster)")
    p.add_argument("--show-source", action="store_true", help="print the generated derivatives")
    p.add_argument("--no-others", action="store_true", help="skip autograd, jax and torch")
    p.add_argument("--cases", default="1,2,3", help="which cases to run (default 1,2,3)")
    p.add_argument("--allocator", choices=("both", "warm", "glibc"), default="both",
                   help="warm: keep freed memory in malloc's heap, so that large temporaries "
                        "are not page-faulted anew on every call; glibc: leave malloc's "
                        "adaptive defaults; both (default): warm, then case 1 again in a "
                        "fresh process with glibc's defaults")
    p.add_argument("--threads", metavar="N",
                   help="threads for every library (OpenBLAS, torch/OpenMP, XLA); "
                        "default: each library's own default")
    p.add_argument("--json-out", help=argparse.SUPPRESS)
    p.add_argument("--cold-probe", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.cold_probe:  # child of cold_builds(): one first build in a fresh process
        print(f"{build_time(ten_lines, lambda f: sad.grad(f)):.9f}")
        return
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    if args.quick:
        args.warmup, args.rounds1, args.block1, args.rounds2, args.block2, args.builds = \
            2, 5, 3, 10, 10, 10
        args.cold = 3
    else:
        args.warmup, args.rounds1, args.block1, args.rounds2, args.block2, args.builds = \
            3, 20, 5, 30, 20, 21
        args.cold = 7

    alloc = set_allocator("glibc" if args.allocator == "glibc" else "warm")

    # The very first transformation in the process also lowers the derivative rules it uses;
    # it is measured here, before the other cases have lowered any rule.
    first = build_time(ten_lines, lambda f: sad.grad(f))

    print("sourcead core benchmarks" + (" (--quick)" if args.quick else ""))
    print(f"  python {platform.python_version()}, numpy {np.__version__}, "
          f"sourcead {sad.__version__}, {platform.machine()}, {os.cpu_count()} CPU(s), "
          f"threads: {_THREADS or 'library defaults'}")
    print(f"  allocator: {alloc}")
    print(f"  sourcead: {os.path.dirname(os.path.abspath(sad.__file__))}, commit {checkout_state()}")
    if args.no_others:
        others = {k: "skipped (--no-others)" for k in ("autograd", "jax", "torch")}
    else:
        others = load_others()
    for name in ("autograd", "jax", "torch"):
        o = others[name]
        if isinstance(o, str):
            print(f"  {name}: {o}")
        else:
            mod = o[0] if isinstance(o, tuple) else o
            print(f"  {name}: {version_of(mod)}")

    r1 = case1(args, others, args.show_source)[0] if "1" in cases else None
    r2 = case2(args, others, args.show_source)[0] if "2" in cases else None
    r3 = case3(args, args.show_source, first) if "3" in cases else None
    if args.json_out and r1 is not None:
        import json
        with open(args.json_out, "w") as fh:
            json.dump({k: v for k, v in r1.items() if isinstance(v, tuple)}, fh)
    r1_glibc = None
    if args.allocator == "both" and r1 is not None:
        r1_glibc = run_glibc_child(args)

    print("\n== summary against the targets ==")
    rows = [("case 1, warm heap" if args.allocator == "both" else "case 1", r1),
            ("case 1, glibc, NumPy only", r1_glibc), ("case 2 (MLP)", r2)]
    for label, res in rows:
        if res is None:
            continue
        ratio = res["sad"][0] / res["hand"][0]
        print(f"  {label:<25} value_and_grad / hand-written = {ratio:5.2f}x  "
              f"(target <= 1.2x: {'met' if ratio <= 1.2 else 'MISSED'}); "
              f"value_and_grad / forward = {res['sad'][0] / res['forward'][0]:.2f}x")
    if r3 is not None:
        key = next(iter(r3))
        print(f"  {'case 3 (transform)':<25} {key}: {r3[key] * 1e3:.2f} ms median "
              f"(target < 20 ms: {'met' if r3[key] < 0.020 else 'MISSED'}); "
              f"first build in a fresh process {r3['cold'] * 1e3:.1f} ms (median)")


if __name__ == "__main__":
    main()
