"""Train a small MLP with plain SGD; the gradient of a dict of parameters is a dict.

The data are points in the plane labelled by which side of a circle they lie
on (a problem a linear model cannot solve). The network is one tanh hidden
layer and a logistic output, trained on the mean binary cross-entropy; every
step takes `sad.grad(loss)(params, x, y)`, which has the keys of `params`.

Run it with

    python examples/mlp_training.py
"""

import numpy as np

import sourcead as sad


def make_data(n, rng):
    """n points in [-1, 1]^2; label 1 inside the circle of radius 0.6."""
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (np.sum(x * x, axis=1) < 0.36).astype(float)
    return x, y


def init_params(n_hidden, rng):
    return {
        "W1": rng.normal(size=(2, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(size=n_hidden) / np.sqrt(n_hidden),
        "b2": 0.0,
    }


def predict_logits(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def loss(params, x, y):
    """Mean binary cross-entropy of the logits z: log(1 + e^z) - y z, written
    with logaddexp so that large |z| does not overflow."""
    z = predict_logits(params, x)
    return np.mean(np.logaddexp(0.0, z) - y * z)


def accuracy(params, x, y):
    return np.mean((predict_logits(params, x) > 0.0) == (y > 0.5))


def train(params, x, y, steps, learning_rate):
    grad_loss = sad.grad(loss)          # w.r.t. params: a dict like params
    for step in range(steps):
        g = grad_loss(params, x, y)
        params = {k: params[k] - learning_rate * g[k] for k in params}
    return params


def main():
    rng = np.random.default_rng(0)
    x, y = make_data(256, rng)
    params = init_params(16, rng)

    loss_before, acc_before = loss(params, x, y), accuracy(params, x, y)
    trained = train(params, x, y, steps=600, learning_rate=1.0)
    loss_after, acc_after = loss(trained, x, y), accuracy(trained, x, y)

    g = sad.grad(loss)(params, x, y)
    print("MLP 2-16-1, tanh, binary cross-entropy, 256 points, 600 SGD steps")
    print("gradient keys:", sorted(g), " shapes:",
          {k: np.shape(v) for k, v in sorted(g.items())})
    print(f"loss     before {loss_before:.4f}   after {loss_after:.4f}")
    print(f"accuracy before {acc_before:.3f}    after {acc_after:.3f}")
    return {"params": params, "trained": trained, "x": x, "y": y, "grad": g,
            "loss_before": loss_before, "loss_after": loss_after,
            "accuracy_before": acc_before, "accuracy_after": acc_after}


if __name__ == "__main__":
    main()
