"""Newton-CG minimisation of the n-dimensional Rosenbrock function, with the
Hessian never formed: the inner conjugate-gradient loop uses only
Hessian-vector products, `sad.hvp(f)(x, v)` (forward mode over the generated
reverse-mode gradient code).

The method is the trust-region Newton-CG of Steihaug (Nocedal and Wright,
Numerical Optimization, algorithms 4.1 and 7.2; scipy calls it "trust-ncg"):
each outer iteration minimises the quadratic model g.p + p.H p / 2 by CG
inside a ball of radius `radius`, stopping at a small residual, at the
boundary, or at a direction of negative curvature (where H is not positive
definite, as it is not in much of the Rosenbrock valley); the ball grows or
shrinks with how well the model predicted the actual decrease. The minimum is
x* = (1, ..., 1), where f = 0.

Run it with

    python examples/newton_cg.py
"""

import numpy as np

import sourcead as sad


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def to_boundary(p, d, radius):
    """p + tau d with tau > 0 and |p + tau d| = radius."""
    a, b, c = d @ d, 2.0 * (p @ d), p @ p - radius ** 2
    return p + (-b + np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a) * d


def steihaug_cg(hvp_at, g, radius, max_iter):
    """Approximately minimise g.p + p.H p / 2 over |p| <= radius, from products
    H v only. Returns the step and the number of products used."""
    p = np.zeros_like(g)
    r = g.copy()                         # the model's gradient at p: g + H p
    d = -r
    tol = min(0.5, np.sqrt(np.linalg.norm(g))) * np.linalg.norm(g)
    for i in range(max_iter):
        Hd = hvp_at(d)
        curvature = d @ Hd
        if curvature <= 0.0:             # the model is unbounded below along d
            return to_boundary(p, d, radius), i + 1
        alpha = (r @ r) / curvature
        p_next = p + alpha * d
        if np.linalg.norm(p_next) >= radius:
            return to_boundary(p, d, radius), i + 1
        r_next = r + alpha * Hd
        if np.linalg.norm(r_next) < tol:
            return p_next, i + 1
        d = -r_next + (r_next @ r_next) / (r @ r) * d
        p, r = p_next, r_next
    return p, max_iter


def newton_cg(f, x, max_iter=200, gtol=1e-10, radius=1.0, max_radius=100.0):
    grad_f = sad.grad(f)
    hvp_f = sad.hvp(f)
    history = []                         # (f, |grad|) at each outer iteration
    hvp_count = 0
    for it in range(max_iter):
        g = grad_f(x)
        history.append((f(x), np.linalg.norm(g)))
        if np.linalg.norm(g) < gtol:
            return x, it, hvp_count, history
        p, used = steihaug_cg(lambda v: hvp_f(x, v), g, radius, max_iter=2 * x.size)
        predicted = -(g @ p + 0.5 * (p @ hvp_f(x, p)))
        hvp_count += used + 1
        ratio = (f(x) - f(x + p)) / predicted
        if ratio < 0.25:
            radius *= 0.25
        elif ratio > 0.75 and np.isclose(np.linalg.norm(p), radius):
            radius = min(2.0 * radius, max_radius)
        if ratio > 0.1:                  # the model was good enough: accept the step
            x = x + p
    return x, max_iter, hvp_count, history


def main():
    n = 10
    x0 = np.full(n, -1.2)
    x0[1::2] = 1.0                       # the classical start (-1.2, 1, -1.2, 1, ...)

    # one Hessian-vector product checked against the full Hessian (small n only)
    v = np.linspace(-1.0, 1.0, n)
    hv_error = np.max(np.abs(sad.hvp(rosenbrock)(x0, v) - sad.hessian(rosenbrock)(x0) @ v))

    x, iterations, hvp_count, history = newton_cg(rosenbrock, x0)
    error = np.linalg.norm(x - 1.0)

    print(f"Rosenbrock, n = {n}, start (-1.2, 1, -1.2, 1, ...), f(x0) = {rosenbrock(x0):.2f}")
    print(f"hvp(x0, v) against hessian(x0) @ v: largest difference {hv_error:.1e}")
    for it in list(range(0, len(history), 10)) + [len(history) - 1]:
        fx, gnorm = history[it]
        print(f"  iteration {it:3d}  f = {fx:.3e}  |grad| = {gnorm:.3e}")
    print(f"converged in {iterations} Newton iterations, {hvp_count} Hessian-vector products")
    print(f"final f = {rosenbrock(x):.3e}   |x - x*| = {error:.3e}")
    return {"x": x, "iterations": iterations, "hvp_count": hvp_count, "error": error,
            "f0": rosenbrock(x0), "f_final": rosenbrock(x), "hv_error": hv_error,
            "grad_norm": history[-1][1]}


if __name__ == "__main__":
    main()
