"""Variational inference for Bayesian linear regression, written the way a
research script would be: the model is a class, the variational parameters a
dataclass, the objective draws its own random numbers, and a lambda logs.

The posterior of the weights of y = X w + noise (a Gaussian prior of precision
alpha, noise of precision beta) is approximated by independent Gaussians
q(w) = N(mu, diag(sigma^2)), fitted by stochastic gradient descent on the
negative evidence lower bound. Its gradient is estimated with the
reparameterisation trick, w = mu + sigma * eps with eps ~ N(0, I) drawn inside
the objective: `sad.grad(model.neg_elbo)` differentiates the bound method with
respect to the dataclass `q` (the gradient is a `Variational` again), and the
draws are the ones the objective makes. For this model the best mean-field mean
is the exact posterior mean, which checks the fit.

Run it with

    python examples/variational_regression.py
"""

import logging
from dataclasses import dataclass

import numpy as np

import sourcead as sad

log = logging.getLogger("variational_regression")


@dataclass
class Variational:
    mu: np.ndarray
    log_sigma: np.ndarray


class BayesianLinearRegression:
    def __init__(self, X, y, alpha=1.0, beta=25.0, n_samples=16):
        self.X, self.y = X, y
        self.alpha, self.beta = alpha, beta
        self.n_samples = n_samples

    def log_joint(self, W):
        """log p(y, w) for each row of W (samples of the weights), up to a constant."""
        residual = self.y - W @ self.X.T                 # (samples, points)
        log_likelihood = -0.5 * self.beta * np.sum(residual ** 2, axis=1)
        log_prior = -0.5 * self.alpha * np.sum(W ** 2, axis=1)
        return log_likelihood + log_prior

    def neg_elbo(self, q, seed):
        assert q.mu.shape == q.log_sigma.shape, "mu and log_sigma must match"
        rng = np.random.default_rng(seed)
        eps = rng.standard_normal((self.n_samples, q.mu.size))
        W = q.mu + np.exp(q.log_sigma) * eps               # reparameterised draws
        with np.errstate(over="raise"):
            entropy = np.sum(q.log_sigma)
        elbo = np.mean(self.log_joint(W)) + entropy
        report = lambda value: log.debug(f"elbo {value:.3f}")  # noqa: E731
        report(elbo)
        return -elbo

    def exact_posterior(self):
        precision = self.alpha * np.eye(self.X.shape[1]) + self.beta * self.X.T @ self.X
        cov = np.linalg.inv(precision)
        return self.beta * cov @ self.X.T @ self.y, cov


def make_data(n, d, rng):
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + rng.normal(size=n) * 0.2
    return X, y


def fit(model, q, steps, lr_mu, lr_sigma):
    gradient = sad.grad(model.neg_elbo)
    for step in range(steps):
        g = gradient(q, step)   # a Variational, like q
        q = Variational(q.mu - lr_mu * g.mu, q.log_sigma - lr_sigma * g.log_sigma)
    return q


def main():
    rng = np.random.default_rng(0)
    X, y = make_data(40, 3, rng)
    model = BayesianLinearRegression(X, y)
    q0 = Variational(np.zeros(3), np.full(3, -1.0))
    # one gradient against central differences, at a fixed draw
    g = sad.grad(model.neg_elbo)(q0, 7)

    def at_mu(mu):
        return model.neg_elbo(Variational(mu, q0.log_sigma), 7)
    eps = 1e-6
    fd = np.array([(at_mu(q0.mu + eps * e) - at_mu(q0.mu - eps * e)) / (2 * eps)
                   for e in np.eye(3)])
    before = np.mean([model.neg_elbo(q0, s) for s in range(50)])
    q = fit(model, q0, steps=1000, lr_mu=5e-4, lr_sigma=2e-2)
    after = np.mean([model.neg_elbo(q, s) for s in range(50)])
    mean, cov = model.exact_posterior()
    print(f"negative ELBO: {before:.1f} -> {after:.1f}")
    print("fitted mean:    ", np.round(q.mu, 3))
    print("posterior mean: ", np.round(mean, 3))
    print("fitted sigma:   ", np.round(np.exp(q.log_sigma), 3))
    print("1/sqrt(diag of the posterior precision):",
          np.round(1 / np.sqrt(np.diag(np.linalg.inv(cov))), 3))
    return {"gradient": g, "fd": fd, "before": before, "after": after, "q": q,
            "mean": mean, "cov": cov}


if __name__ == "__main__":
    main()
