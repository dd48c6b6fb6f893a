"""Checkpointing schedules: the order in which a loop of n steps is run forward, has its
state saved and restored, and is reversed, keeping at most s snapshots of that state.

A schedule is a sequence of actions, tuples read by a driver loop in generated code:

    ("snapshot", i)     save the state before step i
    ("restore", i)      the state before step i, from its snapshot
    ("free", i)         the snapshot of step i is no longer needed
    ("advance", i, j)   run steps i .. j-1 (no recording)
    ("reverse", i)      run step i recording what its adjoint needs, then its adjoint

`binomial(n, s)` is Griewank and Walther's binomial checkpointing (the schedule of
their Revolve): with s snapshots (one of them holds the initial state) it reverses n
steps with the fewest forward steps possible,

    r n - C(s + r, r - 1)    with r the least integer such that C(s + r, s) >= n,

and runs no step more than r + 1 times (for n = 1000, s = 10: 3636 forward steps, each
step at most 5 times). `periodic(n, k)` keeps a snapshot every k steps and replays a
segment with a snapshot per step (store-all within the segment).
"""

from math import comb


def forward_steps(n, s):
    """The least number of forward steps that reversing n steps with s snapshots needs
    (Griewank and Walther's bound, which `binomial` attains)."""
    if n <= 1:
        return 0
    if s < 1:
        raise ValueError("reversing a loop needs at least one snapshot (of its start)")
    r = repetitions(n, s)
    return r * n - comb(s + r, r - 1)


def repetitions(n, s):
    """The least r with C(s + r, s) >= n: how many times the worst step is run forward."""
    r = 0
    while comb(s + r, s) < n:
        r += 1
    return r


def _best_split(n, s):
    """Where to put the next snapshot when reversing n steps from a saved start with s
    snapshots: the m minimising m + cost(n - m, s - 1) + cost(m, s), which is convex in m,
    found by bisection on its increments."""
    def cost(m):
        return m + forward_steps(n - m, s - 1) + forward_steps(m, s)
    lo, hi = 1, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cost(mid + 1) - cost(mid) >= 0:
            hi = mid
        else:
            lo = mid + 1
    return lo


def binomial(n, s):
    """The actions reversing n steps with s snapshots on the binomial schedule."""
    _check(n, s, "snapshots")
    if n == 0:
        return []
    actions = [("snapshot", 0)]
    _reverse(0, n, s, actions)
    actions.append(("free", 0))
    return actions


def _reverse(a, b, s, actions):
    """Reverse steps a .. b-1; the state before a is current and saved in a snapshot, and
    s snapshots (that one included) may be used."""
    n = b - a
    if n == 1:
        actions.append(("reverse", a))
        return
    if s == 1:   # only the start: run forward from it to each step in turn
        for k in range(b - 1, a - 1, -1):
            if k != b - 1:
                actions.append(("restore", a))
            if k > a:
                actions.append(("advance", a, k))
            actions.append(("reverse", k))
        return
    m = _best_split(n, s)
    actions.append(("advance", a, a + m))
    actions.append(("snapshot", a + m))
    _reverse(a + m, b, s - 1, actions)
    actions.append(("free", a + m))
    actions.append(("restore", a))
    _reverse(a, a + m, s, actions)


def periodic(n, every):
    """The actions reversing n steps with a snapshot every `every` steps (about n / every
    + every snapshots live at once: every = sqrt(n) keeps about 2 sqrt(n))."""
    _check(n, every, "every")
    actions = []
    starts = list(range(0, n, every))
    for a in starts:
        actions.append(("snapshot", a))
        if a + every < n:
            actions.append(("advance", a, a + every))
    for a in reversed(starts):
        b = min(a + every, n)
        if a != starts[-1]:
            actions.append(("restore", a))
        for k in range(a + 1, b):    # the segment, a snapshot per step
            actions.append(("advance", k - 1, k))
            actions.append(("snapshot", k))
        for k in range(b - 1, a - 1, -1):
            if k != b - 1:
                actions.append(("restore", k))
            actions.append(("reverse", k))
            actions.append(("free", k))
    return actions


def _check(n, s, what):
    if isinstance(s, bool) or not isinstance(s, int) or isinstance(n, bool) or \
            not isinstance(n, int):
        raise ValueError(f"the number of steps and `{what}` must be integers, got n={n!r}, "
                         f"{what}={s!r}")
    if s < 1:
        raise ValueError(f"`{what}` must be at least 1, got {s}")
    if n < 0:
        raise ValueError(f"a loop cannot run {n} steps")


def replay(actions, n):
    """Check a schedule by running it on a counter: returns (forward steps, the most times a
    step ran, the most snapshots held at once), raising if it reverses wrongly."""
    state, snaps, runs = 0, {}, [0] * n
    reversed_ = []
    peak = 0
    for act in actions:
        kind = act[0]
        if kind == "snapshot":
            snaps[act[1]] = state
            assert state == act[1], act
            peak = max(peak, len(snaps))
        elif kind == "restore":
            state = snaps[act[1]]
        elif kind == "free":
            del snaps[act[1]]
        elif kind == "advance":
            assert state == act[1], (act, state)
            for k in range(act[1], act[2]):
                runs[k] += 1
            state = act[2]
        elif kind == "reverse":
            assert state == act[1], (act, state)
            runs[act[1]] += 1
            reversed_.append(act[1])
        else:
            raise ValueError(act)
    assert reversed_ == list(range(n - 1, -1, -1)), reversed_
    assert not snaps, snaps
    return sum(runs) - n, max(runs, default=0), peak
