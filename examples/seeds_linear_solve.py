"""The gradient through a linear solve, from
../shared/seeds/automatic-differentiation-lecture.txt ("Gradient propagation
through the linear least squares"): for x the solution of A x = b and a loss
L(x), the lecture derives

    dL/dA = -A^{-T} (dL/dx) x^T,      dL/db = A^{-T} (dL/dx),

so the backward pass costs one more solve, with A^T. Here
L(x) = ||x - c||^2 / 2, so dL/dx = x - c, and sourcead's gradients of L with
respect to A and b (reverse mode through `np.linalg.solve`) are compared with
the closed form; the generated code, printed at the end, is that formula. A
forward-mode directional derivative (`sad.jvp`, along dA and db at once) is
compared with the same formula read forwards: dL = <dL/dx, A^{-1} (db - dA x)>.

Run it with

    python examples/seeds_linear_solve.py
"""

import numpy as np

import sourcead as sad


def loss(A, b, c):
    x = np.linalg.solve(A, b)
    return 0.5 * np.sum((x - c) ** 2)


def closed_form(A, b, c):
    x = np.linalg.solve(A, b)
    dL_dx = x - c
    dL_db = np.linalg.solve(A.T, dL_dx)          # A^{-T} dL/dx
    dL_dA = -np.outer(dL_db, x)                  # -A^{-T} (dL/dx) x^T
    return dL_dA, dL_db


def relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def main():
    rng = np.random.default_rng(0)
    n = 50
    A = rng.normal(size=(n, n)) + n ** 0.5 * np.eye(n)
    b = rng.normal(size=n)
    c = rng.normal(size=n)

    grad_loss = sad.grad(loss, wrt=(0, 1))
    dL_dA, dL_db = grad_loss(A, b, c)
    want_A, want_b = closed_form(A, b, c)

    dA, db = rng.normal(size=(n, n)), rng.normal(size=n)
    _, directional = sad.jvp(loss, wrt=(0, 1))(A, b, c, dA, db)
    x = np.linalg.solve(A, b)
    forward_formula = (x - c) @ np.linalg.solve(A, db - dA @ x)

    print(f"x = solve(A, b), L = ||x - c||^2 / 2, A of size {n} x {n}: L = {loss(A, b, c):.6f}")
    print(f"dL/dA (grad) against -A^-T (dL/dx) x^T: relative error "
          f"{relative_error(dL_dA, want_A):.1e}")
    print(f"dL/db (grad) against  A^-T (dL/dx):     relative error "
          f"{relative_error(dL_db, want_b):.1e}")
    print(f"dL along (dA, db): jvp {directional:+.12f}   "
          f"<dL/dx, A^-1 (db - dA x)> {forward_formula:+.12f}")
    print("\nthe generated gradient: the adjoint of the solve is one solve with A^T\n")
    print(grad_loss.source)
    return {"dL_dA": dL_dA, "dL_db": dL_db, "want_A": want_A, "want_b": want_b,
            "directional": directional, "forward_formula": forward_formula}


if __name__ == "__main__":
    main()
