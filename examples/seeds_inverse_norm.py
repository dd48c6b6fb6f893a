"""The inverse-then-norm example of ../shared/seeds/jvp-vjp-inverse-norm-example.txt:

    Y = inv(X),   z = ||Y||_F.

The notes derive, from dY = -Y dX Y and dz = <Y / z, dY>, the gradient

    dz/dX = -(Y^T Y Y^T) / z,

and, from the same differentials read forwards, the directional derivative
of z along a unit direction V, which the notes check against the actual
change of z for a perturbation dX = 1e-8 * (random): dz ~ (dz/dX . V) |dX|.
This script does the same with sourcead, on the notes' 100 x 100 Gaussian
matrix: the gradient by reverse mode against the closed form, the VJP of the
inverse alone with the cotangent Y / z (the notes' `Inverse.backward`), and
the directional derivative by forward mode against the actual change.

Run it with

    python examples/seeds_inverse_norm.py
"""

import numpy as np

import sourcead as sad


def inverse(X):
    return np.linalg.inv(X)


def inverse_norm(X):
    return np.linalg.norm(np.linalg.inv(X))


def relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def main():
    rng = np.random.default_rng(0)
    n = 100
    X = rng.normal(size=(n, n))
    Y = np.linalg.inv(X)
    z = np.linalg.norm(Y)

    # the gradient, reverse mode, against the closed form
    gradient = sad.grad(inverse_norm)(X)
    closed_form = -(Y.T @ Y @ Y.T) / z

    # the VJP of the inverse alone, with the cotangent the norm sends back
    _, pullback = sad.vjp(inverse)(X)
    inverse_vjp = pullback(Y / z)

    # the directional derivative, forward mode, against the actual change
    dX = rng.normal(size=(n, n)) * 1e-8
    direction = dX / np.linalg.norm(dX)
    z_forward, directional = sad.jvp(inverse_norm)(X, direction)
    actual_change = inverse_norm(X + dX) - z
    predicted_change = directional * np.linalg.norm(dX)

    print(f"z = ||inv(X)||_F for a {n} x {n} Gaussian X: z = {z:.6f}")
    print(f"gradient (grad) against -(Y^T Y Y^T) / z:   relative error "
          f"{relative_error(gradient, closed_form):.1e}")
    print(f"VJP of inv with cotangent Y / z, same check: relative error "
          f"{relative_error(inverse_vjp, closed_form):.1e}")
    print(f"directional derivative along V (jvp): {directional:+.10f}"
          f"   <gradient, V>: {np.sum(gradient * direction):+.10f}")
    print(f"change of z for dX = 1e-8 * Gaussian: predicted {predicted_change:+.6e}"
          f"   actual {actual_change:+.6e}")
    return {"z": z, "z_forward": z_forward, "gradient": gradient, "closed_form": closed_form,
            "inverse_vjp": inverse_vjp, "directional": directional, "direction": direction,
            "predicted_change": predicted_change, "actual_change": actual_change}


if __name__ == "__main__":
    main()
