"""Sensitivities of an ODE solution with respect to its parameters, by reverse
mode (`sad.grad`) and by forward mode (`sad.jvp`) through an RK4 integrator.

Part 1 integrates the linear ODE

    dy/dt = -k y + a,    y(0) = y0,

whose solution y(T) = a/k + (y0 - a/k) exp(-k T) gives the sensitivities in
closed form:

    dy(T)/dy0 = exp(-k T)
    dy(T)/da  = (1 - exp(-k T)) / k
    dy(T)/dk  = -(a/k^2) (1 - exp(-k T)) - T (y0 - a/k) exp(-k T)

The differentiated code is the integrator, loop and all; its derivative is
that of the discrete solution, which differs from the closed form only by the
integration error (tiny for RK4 with small steps).

Part 2 has a state vector: for the damped oscillator
x'' + 2 zeta omega x' + omega^2 x = 0, integrated the same way as [x, x'],
the gradient of the energy at time T with respect to omega, zeta and the
initial state, checked against central finite differences.

Run it with

    python examples/ode_sensitivity.py
"""

import math

import numpy as np

import sourcead as sad


# --- a scalar ODE with a closed form ------------------------------------------

def decay(y, k, a):
    return -k * y + a


def solve_decay(k, a, y0, T, n_steps):
    """y(T) by n_steps of the classical fourth-order Runge-Kutta method."""
    dt = T / n_steps
    y = y0
    for i in range(n_steps):
        s1 = decay(y, k, a)
        s2 = decay(y + 0.5 * dt * s1, k, a)
        s3 = decay(y + 0.5 * dt * s2, k, a)
        s4 = decay(y + dt * s3, k, a)
        y = y + dt / 6.0 * (s1 + 2.0 * s2 + 2.0 * s3 + s4)
    return y


def exact_sensitivities(k, a, y0, T):
    """(dy/dk, dy/da, dy/dy0) of the exact solution at time T."""
    e = math.exp(-k * T)
    return (-(a / k ** 2) * (1.0 - e) - T * (y0 - a / k) * e,
            (1.0 - e) / k,
            e)


# --- a damped oscillator, state [position, velocity] --------------------------

def oscillator(state, omega, zeta):
    x, v = state[0], state[1]
    return np.array([v, -2.0 * zeta * omega * v - omega ** 2 * x])


def energy_at_T(omega, zeta, state0, T, n_steps):
    dt = T / n_steps
    s = state0
    for i in range(n_steps):
        s1 = oscillator(s, omega, zeta)
        s2 = oscillator(s + 0.5 * dt * s1, omega, zeta)
        s3 = oscillator(s + 0.5 * dt * s2, omega, zeta)
        s4 = oscillator(s + dt * s3, omega, zeta)
        s = s + dt / 6.0 * (s1 + 2.0 * s2 + 2.0 * s3 + s4)
    return 0.5 * s[1] ** 2 + 0.5 * omega ** 2 * s[0] ** 2


def central_difference(f, args, i, eps=1e-6):
    """The derivative of f w.r.t. args[i] (a float) or its gradient (an array)."""
    def at(delta):
        shifted = list(args)
        shifted[i] = args[i] + delta
        return f(*shifted)
    if np.ndim(args[i]) == 0:
        return (at(eps) - at(-eps)) / (2 * eps)
    return np.array([(at(eps * e) - at(-eps * e)) / (2 * eps)
                     for e in np.eye(np.size(args[i]))])


def main():
    k, a, y0, T, n_steps = 1.5, 0.8, 2.0, 2.0, 100

    reverse = sad.grad(solve_decay, wrt=(0, 1, 2))(k, a, y0, T, n_steps)
    tangent_of = sad.jvp(solve_decay, wrt=(0, 1, 2))
    forward = tuple(tangent_of(k, a, y0, T, n_steps, *direction)[1]
                    for direction in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)))
    exact = exact_sensitivities(k, a, y0, T)

    y_exact = a / k + (y0 - a / k) * math.exp(-k * T)
    print(f"dy/dt = -k y + a, k={k}, a={a}, y0={y0}; RK4, {n_steps} steps to T={T}")
    print(f"y(T): RK4 {solve_decay(k, a, y0, T, n_steps):.12f}   exact {y_exact:.12f}")
    print(f"{'':6s} {'reverse (grad)':>18s} {'forward (jvp)':>18s} {'closed form':>18s}")
    for name, r, f, e in zip(("dy/dk", "dy/da", "dy/dy0"), reverse, forward, exact):
        print(f"{name:6s} {r:18.12f} {f:18.12f} {e:18.12f}")

    omega, zeta, state0 = 2.0, 0.1, np.array([1.0, 0.0])
    osc_args = (omega, zeta, state0, 3.0, 300)
    g_omega, g_zeta, g_state0 = sad.grad(energy_at_T, wrt=(0, 1, 2))(*osc_args)
    fd = tuple(central_difference(energy_at_T, osc_args, i) for i in range(3))
    print(f"\ndamped oscillator, omega={omega}, zeta={zeta}, x(0)=1, x'(0)=0; "
          f"energy at T=3 = {energy_at_T(*osc_args):.6f}")
    print(f"dE/domega  sourcead {g_omega:+.8f}   finite difference {fd[0]:+.8f}")
    print(f"dE/dzeta   sourcead {g_zeta:+.8f}   finite difference {fd[1]:+.8f}")
    print(f"dE/dstate0 sourcead {np.array2string(g_state0, precision=8)}"
          f"   finite difference {np.array2string(fd[2], precision=8)}")
    return {"reverse": reverse, "forward": forward, "exact": exact,
            "oscillator_grad": (g_omega, g_zeta, g_state0), "oscillator_fd": fd}


if __name__ == "__main__":
    main()
