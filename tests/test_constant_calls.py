"""Calls that no differentiated value reaches need no rule: methods of objects the
program makes or is given (random generators above all), run once in the forward sweep,
their results reused by the adjoint sweep. A differentiated value reaching one is
refused, and so is one a checkpointed loop or function would run again."""

import numpy as np
import pytest

import sourcead as sad

MU = np.array([0.3, -0.4, 1.2])


def reparameterised(mu, log_sigma):
    rng = np.random.default_rng(0)
    eps = rng.normal(size=mu.shape)
    z = mu + np.exp(log_sigma) * eps
    return np.sum(z ** 2) - np.sum(log_sigma)


def legacy_random_state(x):
    r = np.random.RandomState(1)
    noise = r.randn(*x.shape)             # a shape spread into the call
    opts = {"low": -1.0, "high": 1.0}
    u = r.uniform(size=x.shape, **opts)   # a dict built here, passed by name
    return np.sum(np.sin(x) * noise + u * x)


def given_generator(x, rng):
    return np.sum(x * rng.uniform(-1, 1, size=x.shape))


def given_object(x, model):
    # a method of an object given, on values that are not differentiated
    scale = model.scale(len(x))
    return np.sum(np.tanh(x) * scale)


class Model:
    def __init__(self, k):
        self.k = k

    def scale(self, n):
        return np.arange(n) * self.k


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_draws_in_both_modes(seed):
    x = MU + seed
    sad.check_grads(reparameterised, (x, 0.1 * x))
    sad.check_grads(legacy_random_state, (x,))
    # the draws are the function's own: the value is the function's, and the gradient
    # is the one of the function with those draws
    eps = np.random.default_rng(0).normal(size=x.shape)
    v, (g_mu, g_s) = sad.value_and_grad(reparameterised, wrt=(0, 1))(x, 0.1 * x)
    assert v == pytest.approx(reparameterised(x, 0.1 * x))
    z = x + np.exp(0.1 * x) * eps
    assert g_mu == pytest.approx(2 * z)
    assert g_s == pytest.approx(2 * z * np.exp(0.1 * x) * eps - 1.0)


def test_objects_given_as_arguments():
    v, g = sad.value_and_grad(given_generator)(MU, np.random.default_rng(5))
    assert v == pytest.approx(given_generator(MU, np.random.default_rng(5)))
    assert g == pytest.approx(np.random.default_rng(5).uniform(-1, 1, size=3))
    sad.check_grads(given_object, (MU, Model(0.5)), wrt=0)
    y, t = sad.jvp(given_object)(MU, Model(0.5), np.ones(3))
    assert t == pytest.approx(np.sum(np.arange(3) * 0.5 / np.cosh(MU) ** 2))


def test_generated_code_calls_them_as_written():
    src = sad.grad(legacy_random_state).source
    assert "noise = r.randn(*shape)" in src
    assert "u = r.uniform(size=shape, low=-1.0, high=1.0)" in src
    assert src.count("randn") == 1   # once: the adjoint sweep reuses the draw


def draws_from_a_differentiated_mean(mu):
    rng = np.random.default_rng(0)
    return np.sum(rng.normal(mu, 1.0))


def test_a_differentiated_value_reaching_one_is_refused():
    for call in (lambda: sad.grad(draws_from_a_differentiated_mean)(MU),
                 lambda: sad.jvp(draws_from_a_differentiated_mean)(MU, MU)):
        with pytest.raises(sad.SourceADError, match="rng.normal") as e:
            call()
        assert "mu + sigma * rng.normal" in str(e.value)
        assert e.value.loc.lineno == draws_from_a_differentiated_mean.__code__.co_firstlineno + 2


def draws_in_a_checkpointed_loop(x):
    rng = np.random.default_rng(0)
    for i in sad.checkpointed(range(6), snapshots=2):
        x = np.sin(x) * rng.normal()
    return np.sum(x)


@sad.checkpoint
def _noisy_step(x):
    return x * np.random.normal()


def draws_in_a_checkpointed_function(x):
    return np.sum(_noisy_step(x))


def prints_in_a_checkpointed_loop(x):
    for i in sad.checkpointed(range(6), snapshots=2):
        print(i)
        x = np.sin(x) * 1.1
    return np.sum(x)


def test_draws_a_recomputation_would_repeat_are_refused():
    with pytest.raises(sad.SourceADError, match="in a checkpointed loop"):
        sad.grad(draws_in_a_checkpointed_loop)(MU)
    with pytest.raises(sad.SourceADError, match="which is checkpointed"):
        sad.grad(draws_in_a_checkpointed_function)(MU)
    # forward mode recomputes nothing
    sad.check_grads(draws_in_a_checkpointed_loop, (MU,), modes=("fwd",))
    # a call whose result is unused may run again: allowed
    sad.check_grads(prints_in_a_checkpointed_loop, (MU,))
