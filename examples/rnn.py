"""A small recurrent network trained for a few steps, and one gradient entry
checked against a central finite difference.

The network reads a sequence one time step at a time (`for x in X:`) and
predicts, from its last hidden state, the sum of the sequence's first input
channel, so the answer depends on every step. `sad.value_and_grad` gives the
loss and the gradients with respect to (W, U, b, v) in one call; reverse mode
runs the loop backwards, recording one hidden state per step.

Run it with

    python examples/rnn.py
"""

import numpy as np

import sourcead as sad


def rnn_loss(W, U, b, v, X, target):
    """X has shape (time, batch, inputs); h has shape (batch, hidden)."""
    h = np.zeros((X.shape[1], W.shape[0]))
    for x in X:
        h = np.tanh(h @ W + x @ U + b)
    prediction = h @ v
    return np.mean((prediction - target) ** 2)


def make_data(n_steps, batch, n_inputs, rng):
    X = rng.normal(size=(n_steps, batch, n_inputs)) * 0.5
    target = np.sum(X[:, :, 0], axis=0) * 0.3
    return X, target


def init_params(n_inputs, n_hidden, rng):
    W = rng.normal(size=(n_hidden, n_hidden)) * 0.3 / np.sqrt(n_hidden)
    U = rng.normal(size=(n_inputs, n_hidden)) / np.sqrt(n_inputs)
    b = np.zeros(n_hidden)
    v = rng.normal(size=n_hidden) / np.sqrt(n_hidden)
    return W, U, b, v


def central_difference(f, args, i, index, eps=1e-6):
    """d f / d args[i][index] by (f(+eps) - f(-eps)) / (2 eps)."""
    def at(delta):
        shifted = list(args)
        shifted[i] = args[i].copy()
        shifted[i][index] += delta
        return f(*shifted)
    return (at(eps) - at(-eps)) / (2 * eps)


def main():
    rng = np.random.default_rng(1)
    X, target = make_data(n_steps=12, batch=32, n_inputs=3, rng=rng)
    params = init_params(n_inputs=3, n_hidden=16, rng=rng)

    value_and_grad = sad.value_and_grad(rnn_loss, wrt=(0, 1, 2, 3))

    # one gradient entry, reverse mode against finite differences
    _, (gW, gU, gb, gv) = value_and_grad(*params, X, target)
    entry = (2, 5)
    numeric = central_difference(rnn_loss, (*params, X, target), 0, entry)
    print(f"dL/dW{list(entry)}: sourcead {gW[entry]:+.10f}   "
          f"finite difference {numeric:+.10f}")

    losses = []
    learning_rate = 0.3
    for step in range(40):
        loss, grads = value_and_grad(*params, X, target)
        losses.append(float(loss))
        params = tuple(p - learning_rate * g for p, g in zip(params, grads))
    losses.append(float(rnn_loss(*params, X, target)))

    print("RNN, 12 time steps, batch 32, hidden 16; 40 steps of gradient descent")
    for step in (0, 10, 20, 30, 40):
        print(f"  step {step:2d}  loss {losses[step]:.5f}")
    return {"losses": losses, "grad_entry": gW[entry], "fd_entry": numeric,
            "grads": (gW, gU, gb, gv)}


if __name__ == "__main__":
    main()
