"""Fitting a diffusion coefficient, with the solver written the NumPy way: in place.

An explicit scheme for the heat equation u_t = k u_xx on [0, 1] updates the
interior of `u` in place, and a helper applies the boundary conditions by
writing into the array it is given (it returns nothing):

    def apply_boundary(u, left):
        u[0] = left
        u[-1] = u[-2]          # no flux at the right end

sourcead follows NumPy's sharing: the write inside `apply_boundary` is seen by
the caller, `u[1:-1] += ...` writes into `u`, and `interior = u[1:-1]`, a view,
shows every later write. The derivative is that of the solver as it runs.

Part 1 checks the gradient of the misfit with respect to k, the initial state
and the boundary value against central finite differences, and against the
same solver written without in-place updates. Part 2 recovers k from noisy
measurements by gradient descent.

Run it with

    python examples/heat_in_place.py
"""

import numpy as np

import sourcead as sad

N, STEPS, DT = 21, 60, 0.001
X = np.linspace(0.0, 1.0, N)
DX = X[1] - X[0]


def apply_boundary(u, left):
    u[0] = left
    u[-1] = u[-2]


def solve(k, u0, left):
    """The temperature after STEPS explicit steps, updating `u` in place."""
    u = u0.copy()
    interior = u[1:-1]                      # a view: it shows every write into u
    for step in range(STEPS):
        lap = (u[2:] - 2.0 * u[1:-1] + u[:-2]) / DX ** 2
        interior += DT * k * lap            # writes into u
        apply_boundary(u, left)
    return u


def misfit(k, u0, left, measured):
    return np.sum((solve(k, u0, left) - measured) ** 2)


def solve_functional(k, u0, left):
    """The same scheme without writes: each step makes a new array."""
    u = u0
    for step in range(STEPS):
        lap = (u[2:] - 2.0 * u[1:-1] + u[:-2]) / DX ** 2
        inner = u[1:-1] + DT * k * lap
        u = np.concatenate(([left], inner, inner[-1:]))
    return u


def misfit_functional(k, u0, left, measured):
    return np.sum((solve_functional(k, u0, left) - measured) ** 2)


def central_difference(f, args, i, eps=1e-6):
    x = args[i]
    if np.ndim(x) == 0:
        plus = list(args)
        minus = list(args)
        plus[i], minus[i] = x + eps, x - eps
        return (f(*plus) - f(*minus)) / (2 * eps)
    g = np.zeros_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        plus = list(args)
        minus = list(args)
        plus[i], minus[i] = x + e, x - e
        g[j] = (f(*plus) - f(*minus)) / (2 * eps)
    return g


def main():
    rng = np.random.default_rng(0)
    u0 = np.sin(np.pi * X) + 0.5 * X
    true_k, left = 0.8, 0.2
    measured = solve(true_k, u0, left) + 0.002 * rng.standard_normal(N)

    # Part 1: the gradient of the in-place solver
    args = (0.5, u0, left, measured)
    dk, du0, dleft = sad.grad(misfit, wrt=(0, 1, 2))(*args)
    fd = [central_difference(misfit, args, i) for i in range(3)]
    functional = sad.grad(misfit_functional, wrt=(0, 1, 2))(*args)
    errors = [float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
              for a, b in zip((dk, du0, dleft), fd)]
    agreement = [float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                 for a, b in zip((dk, du0, dleft), functional)]
    print(f"d misfit / dk = {dk:.6f}, finite differences {fd[0]:.6f}")
    print(f"largest difference from finite differences: {max(errors):.2e}")
    print(f"largest difference from the functional solver: {max(agreement):.2e}")

    # Part 2: recover k by gradient descent on the misfit
    value_and_grad = sad.value_and_grad(misfit)
    k = 0.3
    first, _ = value_and_grad(k, u0, left, measured)
    for it in range(40):
        value, g = value_and_grad(k, u0, left, measured)
        k -= 0.5 * g / max(1.0, abs(g))
    last, _ = value_and_grad(k, u0, left, measured)
    print(f"k: 0.3 -> {k:.4f} (true {true_k}); misfit {first:.4f} -> {last:.6f}")
    return {"dk": dk, "errors": errors, "agreement": agreement, "k": k,
            "true_k": true_k, "first": first, "last": last,
            "caller_unchanged": bool(np.all(u0 == np.sin(np.pi * X) + 0.5 * X))}


if __name__ == "__main__":
    main()
