"""The scripts in examples/: each runs as a script, and the results its `main()`
returns are checked (losses fall, gradients match closed forms and finite
differences)."""

import contextlib
import io
import math
import os
import pathlib
import runpy
import subprocess
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("*.py"))


def run_example(name):
    """The example's namespace, the results its main() returns, and what it printed."""
    ns = runpy.run_path(str(EXAMPLES / f"{name}.py"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        results = ns["main"]()
    return ns, results, out.getvalue()


def central_difference(f, x, eps=1e-6):
    """The gradient of a scalar function of one array by central differences."""
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = eps
        g.flat[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def check_heat_in_place(ns, r):
    # the solver written in place: its gradient is the finite differences' and the
    # functional solver's, and it recovers the diffusion coefficient
    assert max(r["errors"]) < 1e-6 and max(r["agreement"]) < 1e-10
    assert abs(r["k"] - r["true_k"]) < 0.05 and r["last"] < 0.01 * r["first"]
    assert r["caller_unchanged"]


def check_mlp_training(ns, r):
    assert r["loss_after"] < r["loss_before"] / 5
    assert r["accuracy_before"] < 0.6        # about chance: the labels are balanced
    assert r["accuracy_after"] > 0.95
    g, params = r["grad"], r["params"]
    assert set(g) == set(params)
    assert all(np.shape(g[k]) == np.shape(params[k]) for k in params)

    def loss_of_W1(W1):
        return ns["loss"]({**params, "W1": W1}, r["x"], r["y"])
    np.testing.assert_allclose(g["W1"], central_difference(loss_of_W1, params["W1"]),
                               rtol=1e-6, atol=1e-9)
    def loss_of_b2(b2):
        return ns["loss"]({**params, "b2": float(b2[0])}, r["x"], r["y"])
    numeric_b2 = central_difference(loss_of_b2, np.array([params["b2"]]))[0]
    assert isinstance(g["b2"], float) and g["b2"] == pytest.approx(numeric_b2, rel=1e-6)


def check_rnn(ns, r):
    assert r["grad_entry"] == pytest.approx(r["fd_entry"], rel=1e-6)
    assert r["losses"][-1] < r["losses"][0] / 3
    assert all(b < a for a, b in zip(r["losses"], r["losses"][1:]))
    # a second check, of the bias gradient, independent of the script's helper
    rng = np.random.default_rng(1)
    X, target = ns["make_data"](12, 32, 3, rng)
    W, U, b, v = ns["init_params"](3, 16, rng)
    gb = r["grads"][2]
    numeric = central_difference(lambda b_: ns["rnn_loss"](W, U, b_, v, X, target), b)
    np.testing.assert_allclose(gb, numeric, rtol=1e-6, atol=1e-10)


def check_ode_sensitivity(ns, r):
    np.testing.assert_allclose(r["reverse"], r["forward"], rtol=1e-12)
    # the discrete solution's derivative is within RK4's error of the exact one
    np.testing.assert_allclose(r["reverse"], r["exact"], rtol=1e-7)
    for got, want in zip(r["oscillator_grad"], r["oscillator_fd"]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def check_newton_cg(ns, r):
    assert r["hv_error"] < 1e-9
    assert r["iterations"] < 200                 # stopped by the gradient test
    assert r["grad_norm"] < 1e-10
    assert r["error"] < 1e-8
    assert r["f0"] > 1000.0 and r["f_final"] < 1e-20
    assert np.allclose(r["x"], 1.0, atol=1e-8)


def check_seeds_jvp_vjp(ns, r):
    np.testing.assert_allclose(r["engine_vjp"], (6.0 - math.cos(1.0), 3.0), rtol=1e-14)
    J = np.array([[4.0, 1.0, 1.0], [1.0, -1.0, 1.0]])
    np.testing.assert_array_equal(r["J_notes"], J)
    np.testing.assert_allclose(r["J_forward"], J, atol=1e-14)
    np.testing.assert_allclose(r["J_reverse"], J, atol=1e-14)
    # the notes' numbers, with their slip for u = (0.5, 1) corrected
    want_vjps = {(1.0, 0.0): [4, 1, 1], (1.0, 1.0): [5, 0, 2], (0.5, 1.0): [3, -0.5, 1.5]}
    want_jvps = {(1.0, 0.0, 0.0): [4, 1], (1.0, 1.0, 1.0): [6, 1], (0.5, 1.0, 2.0): [5, 1.5]}
    assert set(r["vjps"]) == set(want_vjps) and set(r["jvps"]) == set(want_jvps)
    for u, want in want_vjps.items():
        np.testing.assert_allclose(r["vjps"][u], want, atol=1e-14)
    for v, want in want_jvps.items():
        np.testing.assert_allclose(r["jvps"][v], want, atol=1e-14)
    fitted, lstsq = r["fitted"], r["least_squares"]
    assert abs(fitted["a"] - lstsq[0]) < 0.05 and abs(fitted["b"] - lstsq[1]) < 0.05
    assert abs(lstsq[0] - 2.0) < 0.2 and abs(lstsq[1] - 0.5) < 0.2


def check_seeds_inverse_norm(ns, r):
    np.testing.assert_allclose(r["gradient"], r["closed_form"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r["inverse_vjp"], r["closed_form"], rtol=1e-9, atol=1e-12)
    assert r["z_forward"] == pytest.approx(r["z"], rel=1e-12)
    assert r["directional"] == pytest.approx(np.sum(r["gradient"] * r["direction"]), rel=1e-9)
    assert r["predicted_change"] == pytest.approx(r["actual_change"], rel=1e-4)


def check_seeds_linear_solve(ns, r):
    np.testing.assert_allclose(r["dL_dA"], r["want_A"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(r["dL_db"], r["want_b"], rtol=1e-10, atol=1e-13)
    assert r["directional"] == pytest.approx(r["forward_formula"], rel=1e-10)


def check_seeds_lecture_two_variables(ns, r):
    np.testing.assert_allclose(r["forward"], r["exact"], rtol=1e-14)
    np.testing.assert_allclose(r["reverse"], r["exact"], rtol=1e-14)
    # the lecture's names survive in both generated functions
    for name in ("v1_dot", "v2_dot", "v3_dot"):
        assert name in r["forward_source"]
    for name in ("v2_bar", "v1_bar", "w1_bar", "w2_bar"):
        assert name in r["reverse_source"]


def check_variational_regression(ns, r):
    # the reparameterised gradient (draws made inside the objective) is the finite
    # differences' at the same draws; the fit reaches the exact posterior mean, and the
    # mean-field widths 1/sqrt(diag(precision))
    np.testing.assert_allclose(r["gradient"].mu, r["fd"], rtol=1e-5, atol=1e-6)
    assert isinstance(r["gradient"], ns["Variational"])
    assert r["after"] < r["before"] / 10
    assert np.max(np.abs(r["q"].mu - r["mean"])) < 0.02
    widths = 1 / np.sqrt(np.diag(np.linalg.inv(r["cov"])))
    np.testing.assert_allclose(np.exp(r["q"].log_sigma), widths, rtol=0.15)


CHECKS = {name[len("check_"):]: fn for name, fn in globals().items()
          if name.startswith("check_")}


def test_every_example_is_checked():
    assert SCRIPTS and sorted(CHECKS) == SCRIPTS


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_results(name):
    ns, results, printed = run_example(name)
    assert printed.strip()
    CHECKS[name](ns, results)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_as_a_script(name):
    # as `python examples/NAME.py` from the repository, installed or not
    root = str(EXAMPLES.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and not done.stderr.strip()
