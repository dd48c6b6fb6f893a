"""Checkpointing: a call's intermediates recomputed in the adjoint sweep instead of
stored; the same derivative to the last bit, less memory."""

import tracemalloc

import numpy as np
import pytest

import sourcead as sad


def layers(x, w):
    for i in range(3):
        x = np.tanh(x @ w)
    return x


checkpointed_layers = sad.checkpoint(layers)


def stored(x, w):
    for t in range(6):
        x = layers(x, w) + x * 0.1
    return np.sum(x ** 2)


def recomputed(x, w):
    for t in range(6):
        x = checkpointed_layers(x, w) + x * 0.1
    return np.sum(x ** 2)


def at_call_site(x, w):
    for t in range(6):
        x = sad.checkpoint(layers)(x, w) + x * 0.1
    return np.sum(x ** 2)


RNG = np.random.default_rng(0)
X, W = RNG.normal(size=(4, 5)), RNG.normal(size=(5, 5)) * 0.5


@pytest.mark.parametrize("fn", [recomputed, at_call_site])
def test_checkpointed_calls_give_the_same_derivative_to_the_last_bit(fn):
    sad.check_grads(fn, (X, W), wrt=(0, 1))
    want = sad.grad(stored, wrt=(0, 1))(X, W)
    got = sad.grad(fn, wrt=(0, 1))(X, W)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sad.jvp(fn, wrt=1)(X, W, W)[1],
                                  sad.jvp(stored, wrt=1)(X, W, W)[1])


def test_a_checkpointed_call_is_called_again_in_the_adjoint_sweep():
    src = sad.grad(recomputed, wrt=(0, 1)).source
    forward, adjoint = src.split("# adjoint sweep")
    assert "layers(x, w)" in forward and "layers_vjp" not in forward
    assert "layers_vjp(x, w)" in adjoint
    assert not hasattr(layers, "__sourcead_checkpoint__")   # only the marked copy
    np.testing.assert_array_equal(checkpointed_layers(X, W), layers(X, W))


def _peak(fn, *args):
    fn(*args)
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpointing_stores_less():
    x, w = RNG.normal(size=(200, 100)), RNG.normal(size=(100, 100)) * 0.1
    full = _peak(sad.grad(stored, wrt=1), x, w)
    ckpt = _peak(sad.grad(recomputed, wrt=1), x, w)
    assert ckpt < 0.7 * full


# --- schedules ------------------------------------------------------------------------------

from functools import lru_cache  # noqa: E402

from sourcead import schedules  # noqa: E402


@lru_cache(maxsize=None)
def _optimal(n, s):
    """Forward steps of the best schedule, by exhaustive search over the first snapshot."""
    if n <= 1:
        return 0
    if s == 1:
        return n * (n - 1) // 2
    return min(m + _optimal(n - m, s - 1) + _optimal(m, s) for m in range(1, n))


def test_binomial_schedule_needs_the_fewest_forward_steps():
    for n in range(1, 50):
        for s in range(1, 6):
            steps, most, peak = schedules.replay(schedules.binomial(n, s), n)
            assert steps == _optimal(n, s) == schedules.forward_steps(n, s), (n, s)
            assert peak <= s
    steps, most, peak = schedules.replay(schedules.binomial(1000, 10), 1000)
    assert (steps, most, peak) == (3636, 5, 10)    # Griewank and Walther's figures


def test_periodic_schedule():
    steps, most, peak = schedules.replay(schedules.periodic(100, 10), 100)
    assert most == 3 and peak <= 10 + 10


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True])
def test_a_schedule_refuses_bad_snapshot_counts(bad):
    with pytest.raises(ValueError):
        schedules.binomial(10, bad)
    with pytest.raises(ValueError):
        schedules.periodic(10, bad)


# --- checkpointed loops -----------------------------------------------------------------------

def euler(y, v, k, n):
    for i in sad.checkpointed(range(n), snapshots=4):
        a = -k * y - 0.1 * v + np.sin(y) * 0.2
        y, v = y + 0.05 * v, v + 0.05 * a
    return np.sum(y ** 2 + v * y)


def euler_every(y, v, k, n):
    for i in sad.checkpointed(range(n), every=5):
        a = -k * y - 0.1 * v + np.sin(y) * 0.2
        y, v = y + 0.05 * v, v + 0.05 * a
    return np.sum(y ** 2 + v * y)


def euler_all(y, v, k, n):
    for i in range(n):
        a = -k * y - 0.1 * v + np.sin(y) * 0.2
        y, v = y + 0.05 * v, v + 0.05 * a
    return np.sum(y ** 2 + v * y)


Y0, V0, K = np.array([0.3, -1.0, 0.5]), np.array([0.2, 0.1, -0.4]), np.array([1.0, 2.0, 0.5])


@pytest.mark.parametrize("fn", [euler, euler_every])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 40])
def test_checkpointed_loops_agree_with_store_all_to_the_last_bit(fn, n):
    want = sad.grad(euler_all, wrt=(0, 1, 2))(Y0, V0, K, n)
    got = sad.grad(fn, wrt=(0, 1, 2))(Y0, V0, K, n)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    if n == 7:
        sad.check_grads(fn, (Y0, V0, K, n), wrt=(0, 1, 2))


def test_a_checkpointed_loop_reads_as_a_driver_over_the_schedule():
    src = sad.grad(euler, wrt=(0, 2)).source
    for piece in ("sad_rt.Checkpoints(len(steps), snapshots=4)", ".forward():",
                  ".backward():", "'snapshot'", "'restore'", "'advance'", "'reverse'",
                  "def euler_step(i, v, y, k):", "def euler_step_vjp(i, v, y, k):"):
        assert piece in src, piece
    assert "_tape" not in src.split("def euler_step")[0]   # nothing recorded per step


def test_checkpointed_loops_keep_memory_bounded():
    y0, v0, k = np.ones(20000), np.zeros(20000), np.full(20000, 0.5)
    full = _peak(sad.grad(euler_all, wrt=(0, 2)), y0, v0, k, 200)
    ckpt = _peak(sad.grad(euler, wrt=(0, 2)), y0, v0, k, 200)
    assert ckpt < 0.35 * full


def test_bad_schedules_are_refused():
    def zero_snapshots(y, n):
        for i in sad.checkpointed(range(n), snapshots=0):
            y = y * 2.0
        return y

    def appends(y, n):
        ys = []
        for i in sad.checkpointed(range(n), snapshots=2):
            y = y * 2.0
            ys.append(y)
        return y

    with pytest.raises(ValueError, match="snapshots"):
        sad.grad(zero_snapshots)(1.0, 3)
    with pytest.raises(ValueError, match="snapshots"):
        zero_snapshots(1.0, 3)
    with pytest.raises(sad.SourceADError, match="appending") as e:
        sad.grad(appends)(1.0, 3)
    assert e.value.loc.lineno > appends.__code__.co_firstlineno


def settle(y, k, t_end):
    t = 0.0
    while sad.checkpointed(t < t_end, snapshots=4):
        y = y + 0.05 * (-k * y + np.sin(y))
        t = t + 0.05
    return np.sum(y ** 2)


def settle_all(y, k, t_end):
    t = 0.0
    while t < t_end:
        y = y + 0.05 * (-k * y + np.sin(y))
        t = t + 0.05
    return np.sum(y ** 2)


@pytest.mark.parametrize("t_end", [-1.0, 0.01, 1.0, 3.0])
def test_checkpointed_while_loops_of_unknown_length(t_end):
    y0, k = np.array([0.3, 1.0]), np.array([0.5, 1.5])
    want = sad.grad(settle_all, wrt=(0, 1))(y0, k, t_end)
    got = sad.grad(settle, wrt=(0, 1))(y0, k, t_end)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert "sad_rt.OnlineCheckpoints(snapshots=4)" in sad.grad(settle).source


def test_the_online_schedule_keeps_its_bound():
    from sourcead.runtime import OnlineCheckpoints
    for n, s in ((1000, 10), (777, 3), (64, 8)):
        ckpt = OnlineCheckpoints(s)
        for i in range(n):
            ckpt.step(i)
        saved, runs, state, peak = dict(ckpt.saved), [0] * n, None, len(ckpt.saved)
        order = []
        for act in ckpt.backward():
            if act[0] == "restore":
                state = saved[act[1]]
            elif act[0] == "snapshot":
                saved[act[1]] = state
                peak = max(peak, len(saved))
            elif act[0] == "free":
                del saved[act[1]]
            elif act[0] == "advance":
                assert state == act[1]
                for k in range(act[1], act[2]):
                    runs[k] += 1
                state = act[2]
            else:
                assert state == act[1]
                runs[act[1]] += 1
                order.append(act[1])
        assert order == list(range(n - 1, -1, -1)) and peak <= s and not saved
        h = max(1, s // 2)
        assert max(runs) <= 1 + schedules.repetitions(2 * n // h + 1, s - h + 1)
    ckpt = OnlineCheckpoints(10)
    for i in range(1000):
        ckpt.step(i)
    forward = 1000 + sum(a[2] - a[1] for a in ckpt.backward() if a[0] == "advance")
    assert forward == 3995   # the documented figure (the binomial schedule, knowing n: 3636)


def test_a_checkpointed_loop_inside_another_loop_is_refused():
    def nested(y, n):
        for j in range(2):
            for i in sad.checkpointed(range(n), snapshots=2):
                y = y * 0.9 + 0.1
        return y
    with pytest.raises(sad.SourceADError, match="top level") as e:
        sad.grad(nested)(1.0, 3)
    assert e.value.loc.lineno == nested.__code__.co_firstlineno + 2
    assert sad.jvp(nested)(1.0, 3, 1.0)[1] == pytest.approx(0.9 ** 6)   # forward mode: fine


def _rhs(y, p):
    return -p * y + np.sin(y)


def midpoint(y, p, n):
    for i in sad.checkpointed(range(n), snapshots=5):
        k1 = _rhs(y, p)
        k2 = _rhs(y + 0.005 * k1, p)
        y = y + 0.01 * k2
    return np.sum(y ** 2) + np.sum(p * y)


def midpoint_all(y, p, n):
    for i in range(n):
        k1 = _rhs(y, p)
        k2 = _rhs(y + 0.005 * k1, p)
        y = y + 0.01 * k2
    return np.sum(y ** 2) + np.sum(p * y)


def test_several_contributions_per_step_add_up_in_the_same_order():
    y0, p = np.linspace(0.1, 1.0, 5), np.linspace(0.5, 2.0, 5)
    want = sad.grad(midpoint_all, wrt=(0, 1))(y0, p, 50)
    got = sad.grad(midpoint, wrt=(0, 1))(y0, p, 50)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert "def _rhs_vjp(y, p):" in sad.grad(midpoint, wrt=(0, 1)).source


def _clamp_first(u):
    u[0] = 0.0
    return np.sum(u ** 2)


def test_a_checkpointed_function_that_writes_into_its_argument_is_refused():
    clamped = sad.checkpoint(_clamp_first)

    def f(x):
        y = x * 2.0
        return clamped(y) + np.sum(y * x)
    with pytest.raises(sad.SourceADError, match="checkpoint of _clamp_first, which writes"):
        sad.grad(f)(np.ones(3))


def test_checkpointed_loops_follow_views_and_aliases():
    def f(x):
        y = x * 1.0
        r = y[1:3]           # a view of y, read in the loop
        z = y                # y under another name, written in the loop
        s = 0.0
        for t in sad.checkpointed(range(4), snapshots=2):
            z[0] = np.sin(y[1]) + r[1]
            s = s + np.sum(r * y[0])
        return s + np.sum(y)
    x = np.array([0.3, -0.7, 1.2, 0.4])
    assert sad.value_and_grad(f)(x)[0] == pytest.approx(f(x.copy()))
    sad.check_grads(f, (x,))
