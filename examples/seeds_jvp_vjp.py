"""The JVP and VJP worked examples of the lecture notes in ../shared/seeds/,
with the notes' own points and vectors, checked against the values the notes
derive by hand.

1. vjp-computational-engine.txt: f(x1, x2) = [x1^2 + x2, sin x1, x1 x2] at
   (1, 2) with v = (1, -1, 2): v^T J = [6 - cos 1, 3].
2. vjp-jvp-definitions-and-examples.txt: f(x) = [x1^2 + x2 + x3, x1 - x2 + x3]
   at (2, 3, 1), where J = [[4, 1, 1], [1, -1, 1]]; three VJPs (the rows of J
   weighted by u) and three JVPs (the columns weighted by v), and J itself by
   jacfwd (one JVP per input) and jacrev (one VJP per output). The notes print
   [3, -0.5, 2.5] for u = (0.5, 1); 0.5 [4, 1, 1] + [1, -1, 1] is
   [3, -0.5, 1.5], which is what sourcead computes (a slip in the notes).
3. The same notes' SGD on linear regression, y = a x + b for data from
   2 x + 0.5 plus noise, each step's gradient a VJP of the loss with cotangent
   1; the result is compared with the least-squares solution.

Run it with

    python examples/seeds_jvp_vjp.py
"""

import math

import numpy as np

import sourcead as sad


def engine_example(x1, x2):
    return np.array([x1 ** 2 + x2, np.sin(x1), x1 * x2])


def two_outputs(x):
    return np.array([x[0] ** 2 + x[1] + x[2], x[0] - x[1] + x[2]])


def regression_loss(params, x, target):
    y = params["a"] * x + params["b"]
    return np.mean((y - target) ** 2)


def sgd_linear_regression(x, target, learning_rate, epochs, batch_size, rng):
    params = {"a": 0.0, "b": 0.0}
    loss_and_pullback = sad.vjp(regression_loss)
    for epoch in range(epochs):
        order = rng.permutation(x.size)
        for start in range(0, x.size, batch_size):
            batch = order[start:start + batch_size]
            loss, pullback = loss_and_pullback(params, x[batch], target[batch])
            g = pullback(1.0)            # a dict, like params
            params = {k: params[k] - learning_rate * g[k] for k in params}
    return params


def main():
    # 1. a VJP of a map R^2 -> R^3
    _, pullback = sad.vjp(engine_example, wrt=(0, 1))(1.0, 2.0)
    engine_vjp = pullback(np.array([1.0, -1.0, 2.0]))
    engine_expected = (6.0 - math.cos(1.0), 3.0)
    print("f(x1, x2) = [x1^2 + x2, sin x1, x1 x2] at (1, 2), v = (1, -1, 2)")
    print(f"  v^T J: sourcead ({engine_vjp[0]:.12f}, {engine_vjp[1]:.12f})"
          f"   notes: (6 - cos 1, 3) = ({engine_expected[0]:.12f}, {engine_expected[1]:.1f})")

    # 2. VJPs and JVPs of a map R^3 -> R^2, and its Jacobian
    x = np.array([2.0, 3.0, 1.0])
    _, pullback = sad.vjp(two_outputs)(x)
    push_forward = sad.jvp(two_outputs)
    # the vectors of the notes, with the products the notes give for them
    notes_vjps = {(1.0, 0.0): [4, 1, 1], (1.0, 1.0): [5, 0, 2], (0.5, 1.0): [3, -0.5, 2.5]}
    notes_jvps = {(1.0, 0.0, 0.0): [4, 1], (1.0, 1.0, 1.0): [6, 1], (0.5, 1.0, 2.0): [5, 1.5]}
    vjps = {u: pullback(np.array(u)) for u in notes_vjps}
    jvps = {v: push_forward(x, np.array(v))[1] for v in notes_jvps}
    J_forward, J_reverse = sad.jacfwd(two_outputs)(x), sad.jacrev(two_outputs)(x)
    print("\nf(x) = [x1^2 + x2 + x3, x1 - x2 + x3] at (2, 3, 1)")
    print(f"  J by jacfwd {J_forward.tolist()}, by jacrev {J_reverse.tolist()}")
    J_notes = np.array([[4.0, 1.0, 1.0], [1.0, -1.0, 1.0]])
    for u, value in vjps.items():
        slip = "" if np.allclose(notes_vjps[u], np.array(u) @ J_notes) else \
            f" (a slip: the notes' J gives {(np.array(u) @ J_notes).tolist()})"
        print(f"  u = {u}:  u^T J = {value.tolist()}   notes: {notes_vjps[u]}{slip}")
    for v, value in jvps.items():
        print(f"  v = {v}:  J v = {value.tolist()}   notes: {notes_jvps[v]}")

    # 3. SGD with VJPs; x log-normal, noise of standard deviation 0.5
    rng = np.random.default_rng(0)
    xs = rng.lognormal(mean=0.0, sigma=0.5, size=500)
    target = 2.0 * xs + 0.5 + rng.normal(scale=0.5, size=xs.size)
    fitted = sgd_linear_regression(xs, target, learning_rate=0.05, epochs=30,
                                   batch_size=50, rng=rng)
    least_squares = np.linalg.lstsq(np.stack([xs, np.ones_like(xs)], axis=1), target,
                                    rcond=None)[0]
    print("\nlinear regression y = a x + b, data 2 x + 0.5 + noise, 500 points, "
          "30 epochs of minibatch SGD")
    print(f"  SGD:           a = {fitted['a']:.4f}  b = {fitted['b']:.4f}")
    print(f"  least squares: a = {least_squares[0]:.4f}  b = {least_squares[1]:.4f}")
    return {"engine_vjp": engine_vjp, "engine_expected": engine_expected,
            "J_notes": J_notes, "J_forward": J_forward, "J_reverse": J_reverse,
            "vjps": vjps, "jvps": jvps, "fitted": fitted, "least_squares": least_squares}


if __name__ == "__main__":
    main()
