"""Programs the fuzzer found wrong (`python -m sourcead fuzz`, seeds in the names),
minimized: each checked in both modes against finite differences and its own value,
or refused where NumPy's sharing cannot be followed."""

import numpy as np
import pytest

import sourcead as sad

OFFSET = np.array([0.2, 0.7, 0.1])


def _halve_row(a, c):
    a[1, ::1] /= 2.0


def _zip_write(u, a, scale=1.1):
    for r, row in zip(a, u):
        row[2] = scale
    return u


def _offset(b):
    return OFFSET


def s103831_argument_held_across_a_generator(n, W):
    # bump's first argument waits while the generator's loop runs
    H = W[np.array([1, 1, 2])]
    if n > 0:
        W[0] = 0.3
    _halve_row(H, sum((row.sum() for row in W)))
    return H.mean()


def s100916_name_left_as_it_was_by_a_loop(n, M):
    # the inner loop may leave M the array z holds: the next `M += 0.1` writes z
    z = M
    for i in range(3):
        M += 0.1
        for r in z:
            if np.sum(z[z > 0.5]) > 0.8:
                break
            M = np.stack([r, r])
    return np.sum(z)


def s101339_two_names_of_one_array_after_a_loop(n, v):
    w = v * 0.0
    for i in range(3):
        v = v
        w = v
    v += 0.1
    return np.prod(w)


def s101557_a_reshape_of_a_copy_written(n, y):
    y = y[np.array([0, 2, 1, 0])]
    flat = y.reshape(2, 2)
    flat[-2, :] = max(1.8, y[1])
    return np.sum(y)


def s101442_rows_of_an_indexed_copy_written_in_a_helper(n, W):
    ix = np.argsort(W[:, 0])
    G = W * _zip_write(W[ix], W, scale=1.1)
    return G.mean()


def s103419_repeated_reads_of_a_row_in_a_while_loop(n, B):
    # the two reads of B[k % 3] are one after simplification; the adjoint shaped like
    # the one merged away must follow it
    k = 0
    while k < 5:
        k += 1
        B[k % 3][min(k, 3)] = B[k % 3][-4]
    return np.sum(B * B)


@pytest.mark.parametrize("f", [s103419_repeated_reads_of_a_row_in_a_while_loop,
                               s103831_argument_held_across_a_generator,
                               s100916_name_left_as_it_was_by_a_loop,
                               s101339_two_names_of_one_array_after_a_loop,
                               s101557_a_reshape_of_a_copy_written,
                               s101442_rows_of_an_indexed_copy_written_in_a_helper])
def test_found_programs_are_differentiated_correctly(f):
    rng = np.random.default_rng(3)
    for X in (rng.normal(size=(3, 4)) + 0.2, rng.normal(size=(4, 4))):
        x = X if f is not s101557_a_reshape_of_a_copy_written else X[0]
        for n in (0, 1):
            sad.check_grads(f, (n, x), wrt=1)


def s101104_array_written_after_it_was_appended(M):
    acc = np.zeros((3, 4))
    history = []
    for r in M:
        acc += M
        history.append(acc)
    return np.mean(np.array(history))


def s104626_module_array_written_through_a_helper(y):
    y3 = _offset(y)
    np.add.at(y3, [2, 1, 0], np.max(y))
    return np.mean(y3)


def test_found_array_written_after_it_was_appended():
    # every item of history is acc's one array: the list shows each write (refused
    # before lists were brought up to date after a write)
    f = s101104_array_written_after_it_was_appended
    M = np.random.default_rng(3).normal(size=(3, 4))
    sad.check_grads(f, (M,))
    assert sad.value_and_grad(f)(M)[0] == pytest.approx(f(M))


def test_found_module_array_written_through_a_helper_is_refused():
    with pytest.raises(sad.SourceADError, match="an array of the module"):
        sad.grad(s104626_module_array_written_through_a_helper)(np.ones((3, 4)))
    assert np.array_equal(OFFSET, [0.2, 0.7, 0.1])


def s100542_a_number_that_was_a_0d_array(n, alpha):
    # alpha is a 0-d array, then a number: its adjoint is written in place only where
    # it is surely an ndarray
    hs = []
    for j in range(1, 3):
        hs.append(alpha)
        alpha -= 1.0
        alpha = 0.9 * alpha
    return alpha


def s107626_a_flipped_view_read_after_its_array_is_written(n, w):
    w /= 2.0
    u = w
    w -= np.sin(np.flip(u))
    return np.sum(w)


@pytest.mark.parametrize("f, x", [(s100542_a_number_that_was_a_0d_array, np.array(0.7)),
                                  (s107626_a_flipped_view_read_after_its_array_is_written,
                                   np.array([0.3, 0.5, 0.7]))])
def test_found_programs_in_the_general_and_the_float64_code(f, x):
    value = f(1, x.copy())
    for call in (lambda g: g(1, x.copy()), lambda g: g(n=1, **{f.__code__.co_varnames[1]: x.copy()})):
        v, g = call(sad.value_and_grad(f, wrt=1))
        assert v == pytest.approx(value)
        eps = 1e-6
        fd = (f(1, x + eps) - f(1, x - eps)) / (2 * eps)
        assert np.sum(g) == pytest.approx(np.sum(fd), rel=1e-5)
    sad.check_grads(f, (1, x), wrt=1)


def _halve(a, w, scale=1.0):
    a /= 2   # a number: rebinds `a` alone (an array would be halved in place)
    return scale


def s106404_a_number_carried_by_a_loop_stays_a_number(W, t0):
    for k, w_row in enumerate(W, 1):
        t0 /= _halve(t0, w_row, scale=0.6)
    return t0


def s108026_one_array_held_twice_at_a_loop_head(n, w):
    # `same` is w under two guards (a decided view, an undecided one resolved before the
    # loop): the loop carries both alternatives, each with its own guard
    same = np.asarray(w)
    buf = np.copy(same)
    if len(buf) > 3:
        same[1::2] = buf[[0]]
    for k in range(w.shape[0]):
        np.add.at(same, [2, 1, 2, 1], w[[1, 0, 1, 1]])
    return same.mean()


def test_found_programs_in_the_general_code_with_numbers():
    W = np.ones((3, 2))
    f = s106404_a_number_carried_by_a_loop_stays_a_number
    value = f(W, 0.7)
    vg = sad.value_and_grad(f, wrt=1)
    for v, g in (vg(W, 0.7), vg(W=W, t0=0.7)):
        assert v == pytest.approx(value)
        assert g == pytest.approx((f(W, 0.7 + 1e-6) - f(W, 0.7 - 1e-6)) / 2e-6, rel=1e-6)


@pytest.mark.parametrize("size", [3, 4, 5])
def test_found_array_held_twice_in_the_general_and_the_float64_code(size):
    f = s108026_one_array_held_twice_at_a_loop_head
    w = np.linspace(0.1, 1.0, size)
    value = f(1, w.copy())
    v, g = sad.value_and_grad(f, wrt=1)(n=1, w=w.copy())
    assert v == pytest.approx(value)
    fd = [(f(1, w + e) - f(1, w - e)) / 2e-6 for e in np.eye(size) * 1e-6]
    assert g == pytest.approx(np.array(fd), rel=1e-5)
    sad.check_grads(f, (1, w), wrt=1)


def s100743_a_number_or_an_array_summed_in_a_loop_that_returns(M, A):
    # acc may be an array (the sum of a list built at run time): `acc += ...` makes a new
    # number or writes in place; each holder keeps one number, and a slot that held
    # nothing on entry takes the kind of what the iterations leave in it
    acc = 0.0
    for row in M:
        acc += sum([1.0 + r for r in row])
        if A[1, 1] >= 0.9:
            return acc
    return acc


def s100412_a_value_returned_from_a_loop(y, y2):
    # val and the value the return gives hold one array at the end of an iteration; after
    # the loop only one of them is read on each path, so they need not share it
    work = np.array(y2)
    for val2, val3 in zip(y2, y):
        if np.sum(y[[2, 1, 1, 1]]) < 1.0:
            val = np.dot(work, y2[::1])
        if len(y) > 3:
            return val
    return np.sum(work)


def s100699_a_number_grown_by_what_may_be_an_array(A, W, x):
    res = x @ np.max(W, axis=1)
    s = np.sum(A)
    for xi in x:
        s += res * xi
        if W[-3, -4] <= 0.1:
            return s
    return s * np.sum(A)


@pytest.mark.parametrize("f", [s100743_a_number_or_an_array_summed_in_a_loop_that_returns,
                               s100412_a_value_returned_from_a_loop,
                               s100699_a_number_grown_by_what_may_be_an_array])
def test_found_loops_that_return_were_lowered(f):
    rng = np.random.default_rng(11)
    for k in range(3):
        if f is s100412_a_value_returned_from_a_loop:
            args = (rng.uniform(0.0, 0.2, size=3 + k % 2), rng.normal(size=3 + k % 2))
        else:
            W = rng.uniform(0.0, 0.2, (3, 4)) + 0.4 * (k == 1)
            args = (rng.normal(size=(3, 4)), W, rng.normal(size=3))
            if f is s100743_a_number_or_an_array_summed_in_a_loop_that_returns:
                args = (args[0], np.eye(3) * (0.5 + k * 0.3))
        value = f(*[a.copy() for a in args])
        v, _ = sad.value_and_grad(f, wrt=tuple(range(len(args))))(*args)
        assert v == pytest.approx(value)
        sad.check_grads(f, args)


def s100379_appended_then_replaced_in_a_loop_that_breaks(W, B):
    # after a break W is the array the list holds; else a new one: one object at the back
    # edge, which the list may hold
    outs = []
    for k in range(len(W)):
        outs.append(W)
        if B[0] > 3:
            break
        W = W ** 2
    return W.sum() + 0.5 * np.sum(outs[0])


def s100379_written_after_such_a_loop(W, B):
    outs = []
    for k in range(3):
        outs.append(W)
        if B[0] > 3:
            break
        W = W ** 2
    W[0] = 1.0   # the list holds W where the loop broke: its sum would show the write
    return sum(outs).sum() + W.sum()


def test_found_array_appended_then_replaced_in_a_loop_that_breaks():
    W = np.array([0.5, 0.6, 0.7])
    for B in (np.ones(3), np.full(3, 5.0)):
        f = s100379_appended_then_replaced_in_a_loop_that_breaks
        sad.check_grads(f, (W, B))
        assert sad.value_and_grad(f)(W, B)[0] == pytest.approx(f(W.copy(), B))
        g = s100379_written_after_such_a_loop
        sad.check_grads(g, (W, B))
        assert sad.value_and_grad(g)(W.copy(), B)[0] == pytest.approx(g(W.copy(), B))


def s101020_a_whole_view_of_a_view_taken_in_a_loop(x, w):
    # r[:] of the view r sees what r sees: the path the loop carries stays one step long
    y = x * 1.0
    r = y[1:]
    for k in range(3):
        r = r[:]
        r[0] = r[0] * w[k]
    return np.sum(y * y) + np.sum(r[...])


def s103379_a_unit_step_view_of_a_view_appended_in_a_loop(x, w):
    history = []
    y = x[1:]
    for wi in w:
        history.append(y)   # (the list is not read: writes into y may follow)
        y = y[::1]
        y *= 1.5 + wi
    return np.sum(x) + np.sum(y)


@pytest.mark.parametrize("f", [s101020_a_whole_view_of_a_view_taken_in_a_loop,
                               s103379_a_unit_step_view_of_a_view_appended_in_a_loop])
def test_found_whole_view_of_a_view_in_a_loop(f):
    x, w = np.array([0.3, 0.5, 0.7]), np.array([1.1, 0.9, 1.3])
    sad.check_grads(f, (x, w))
    assert sad.value_and_grad(f, wrt=(0, 1))(x, w)[0] == pytest.approx(f(x.copy(), w))


def s100139_an_adjoint_found_fresh_on_a_guess(w, x, x2):
    # the in-place planner guessed x2's carried adjoint fresh while asking about it; what
    # it found under that guess was kept after the guess failed (`+=` into broadcast_to)
    acc = 0.0
    for val, val2 in zip(x2, w):
        acc += w[0] if x2[[1, 1, 2]].mean() >= 0.2 else acc
        if val2 <= acc:
            pass
        else:
            x2 = np.tanh(x2)
    return x2.sum()


def test_found_in_place_planning_does_not_keep_failed_guesses():
    f = s100139_an_adjoint_found_fresh_on_a_guess
    for w in (np.array([0.3, 0.9, 0.1]), np.array([0.05, 0.9, 0.5])):
        x, x2 = np.ones(3), np.array([0.5, 0.6, 0.7])
        v, g = sad.value_and_grad(f, wrt=(0, 2))(w, x, x2)
        assert v == pytest.approx(f(w, x, x2))
        sad.check_grads(f, (w, x, x2), wrt=(0, 2))


def _keeps_first(v, u, beta=0.4):
    for j in range(1, len(v)):
        u = 0.7 + max((row.mean() for row in v))   # a loop inside a loop, each holding
    return v                                       # a value of its expression


def s108346_values_held_by_nested_loops(A):
    # `same` waits while the call runs; the callee's loop held it, and the generator's
    # loop inside held 0.7 under the same name, losing it
    same = A
    H = same @ _keeps_first(same[np.array([0, 1, 0])], same)
    return np.prod(H)


def test_found_values_held_by_nested_loops():
    f = s108346_values_held_by_nested_loops
    A = np.array([[0.5, 0.2, 0.1], [0.3, 0.9, 0.4], [0.6, 0.1, 0.8]])
    assert sad.value_and_grad(f)(A)[0] == pytest.approx(f(A))
    sad.check_grads(f, (A,))


def s101299_a_list_made_in_a_loop_for_a_closure(w, x):
    # terms is bound in the loop only; the lambda reads it, which makes it live at the
    # head: it is carried with its shape, placeholders on entry
    acc = 0.0
    for v in w:
        terms = [x, x * v]
        acc = acc + np.sum((lambda t: terms[1] * t + terms[0])(2.0))
    return acc


def test_found_list_made_in_a_loop_for_a_closure():
    f = s101299_a_list_made_in_a_loop_for_a_closure
    w, x = np.array([0.1, 0.2]), np.array([0.3, 0.5, 0.7])
    sad.check_grads(f, (w, x))
    assert sad.value_and_grad(f, wrt=(0, 1))(w, x)[0] == pytest.approx(f(w, x))


def s300759_a_copy_appended_then_its_array_written(A, s):
    # the tangent of np.copy(A) is A's tangent itself (broadcast_like): the list of
    # tangents held it, so writing A's tangent in place changed what the list held
    history = []
    for t in range(3):
        history.append(np.copy(A))
        A[1] = s * t
    return np.mean(np.array(history))


USE_COPY = True


def s301190_a_copy_written_while_a_loop_takes_its_items(v):
    # general derivative: `same *= 1.1` binds the new value on two paths, the copy's
    # (an array) and v's where v is a number; the two shared one object, marked a
    # number, so `same += val` in the loop rebound the copy the loop iterates over
    # instead of writing into it (Writes.augmented's bind_new keeps them apart)
    same = v.copy() if USE_COPY else v
    same *= 1.1
    for val in same:
        v2 = v[0]
        same += val * v2
    return same.min()


def test_found_copy_appended_then_its_array_written():
    f = s300759_a_copy_appended_then_its_array_written
    A, s = np.arange(6.0).reshape(3, 2) / 7, 0.3
    sad.check_grads(f, (A, s))
    y, y_dot = sad.jvp(f, wrt=(0, 1))(A.copy(), s, np.ones_like(A), 0.5)
    fd = (f(A + 1e-6, s + 0.5e-6) - f(A - 1e-6, s - 0.5e-6)) / 2e-6
    assert y_dot == pytest.approx(fd, rel=1e-6)


def s301190_the_same_with_the_branches_swapped(v):
    same = v if not USE_COPY else v.copy()
    same *= 1.1
    for val in same:
        v2 = v[0]
        same += val * v2
    return same.min()


@pytest.mark.parametrize("f", [s301190_a_copy_written_while_a_loop_takes_its_items,
                               s301190_the_same_with_the_branches_swapped])
def test_found_copy_written_while_a_loop_takes_its_items_general(f):
    for v in (np.array([0.54, -0.81, 1.37]), np.array([-0.66, 0.76, -1.26, 0.2])):
        value = f(v.copy())
        vg = sad.value_and_grad(f)
        for out in (vg(v.copy()), vg(v=v.copy())):   # the specialised and the general code
            assert out[0] == pytest.approx(value)
        g = vg(v=v.copy())[1]
        fd = [(f(v + e) - f(v - e)) / 2e-6 for e in np.eye(len(v)) * 1e-6]
        assert g == pytest.approx(np.array(fd), rel=1e-5, abs=1e-8)


def s106350_one_object_under_two_guards_at_a_loop(M, y):
    # at the generator's loop z is M's array under two guards (and copies under
    # others): the loop adopts M's array into z's slot under both
    z = np.atleast_1d(M)
    if -1.2 < M[-1, 1] < 1.2 or M.ndim == 2:
        M[:, 1] /= 2.0
    if z.ndim == 2:
        M, z = (z, M)
    else:
        b = y
        if np.sum(b[[0, 0, 0]]) <= -1.5:
            return np.sum(b) + 0.8 * M.sum()
    y[-1] = max((r for r in y)) / 5.0
    return np.mean(y) + 0.2 * np.mean(z)


def test_found_one_object_under_two_guards_at_a_loop_general():
    f = s106350_one_object_under_two_guards_at_a_loop
    rng = np.random.default_rng(6)
    M, y = rng.normal(size=(3, 3)), rng.normal(size=4)
    want = f(M.copy(), y.copy())
    vg = sad.value_and_grad(f, wrt=(0, 1))
    value, (gM, gy) = vg(M=M.copy(), y=y.copy())     # the general derivative
    assert value == pytest.approx(want)
    for x, g, k in ((M, gM, 0), (y, gy, 1)):
        for e in np.eye(x.size)[:3]:
            d = e.reshape(x.shape) * 1e-6
            args = [M.copy(), y.copy()]
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[k] = plus[k] + d
            minus[k] = minus[k] - d
            fd = (f(*plus) - f(*minus)) / 2e-6
            assert np.sum(g * e.reshape(x.shape)) == pytest.approx(fd, rel=1e-5, abs=1e-8)
    sad.check_grads(f, (M, y))


MODULE_ROW = np.array([0.5, 0.4, 0.7])


def s600417_module_array_written_in_a_later_iteration(y, w):
    for v in w:
        y[1] *= 1.2       # the parameter first, then the module's array
        y = MODULE_ROW
    return y.sum()


def s600417_module_array_written_after_a_loop(y, w):
    for v in w:
        y = MODULE_ROW
    y[1] *= 1.2
    return y.sum()


@pytest.mark.parametrize("f", [s600417_module_array_written_in_a_later_iteration,
                               s600417_module_array_written_after_a_loop])
def test_found_module_array_a_loop_leaves_in_a_name_is_never_written(f):
    # NumPy would change the module's array (every later call sees it); the derivative
    # never does, so it refuses (a loop's joined object was not marked as the module's)
    for make in (sad.value_and_grad, lambda g: sad.jvp(g, wrt=0)):
        with pytest.raises(sad.SourceADError, match="an array of the module"):
            make(f)(np.ones(3), np.ones(2), *(() if make is sad.value_and_grad
                                              else (np.ones(3),)))
    assert np.array_equal(MODULE_ROW, [0.5, 0.4, 0.7])


def s700646_many_values_read_twice(x):
    # opt/inplace asked "is this an ndarray?" of each value as often as paths lead to it
    # (exponentially often here: minutes to build the general derivative)
    x[3] = x[1]
    z = np.asarray(x)
    x /= 1.6
    h = z[:]
    x = z
    z[h > 0.5] = 0.8 * z[h > 0.5]
    z[1::2] -= h[1::2] * z[1::2]
    z[3:] = np.tanh(h[2:3])
    x -= h
    np.copyto(h, np.prod(np.cos(z[::-1])))
    c = np.copy(h)
    acc = 0.0
    outs = []
    for val in reversed(h):
        acc += np.tanh(acc + val)
        outs.append(z)
        for j in range(2):
            flat = x.reshape(2, 2)
            if val > 0.9:
                return flat.max() + 0.9 * np.sum(h) + 1.3 * acc
            c[z > 0.1] = 0.5
    return c.mean() + 0.9 * acc + 0.5 * x.sum()


def test_found_many_values_read_twice_build_quickly():
    f = s700646_many_values_read_twice
    for x in (np.array([0.3, 0.6, -0.2, 0.8]), np.array([0.1, -0.3, 0.2, 0.4])):
        want = f(x.copy())
        vg = sad.value_and_grad(f)
        for value, g in (vg(x.copy()), vg(x=x.copy())):
            assert value == pytest.approx(want)
            fd = [(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(4) * 1e-6]
            assert g == pytest.approx(np.array(fd), abs=1e-6)


def s102132_rows_written_through_a_list_in_a_loop(M):
    # in the general derivative M is one of two objects at the loop's head (under
    # guards): only the one a name holds is written through the item
    feats = [row for row in M]
    for item in feats:
        item[[2, 0]] = item[1::2]
        M += np.zeros((3, 4))[:, ::1]
    return M.sum() + np.sum(feats[1] ** 2)


def test_found_rows_written_through_a_list_in_a_loop():
    f = s102132_rows_written_through_a_list_in_a_loop
    M = np.random.default_rng(2).normal(size=(3, 4))
    want = f(M.copy())
    vg = sad.value_and_grad(f)
    g = vg(M.copy())[1]
    for value, grad in (vg(M.copy()), vg(M=M.copy())):   # specialised, general
        assert value == pytest.approx(want)
        assert grad == pytest.approx(g)
    sad.check_grads(f, (M,))


def _whole_view(b):
    return b[:]


def s800640_module_array_through_a_helper_returning_a_view(t0):
    # NumPy writes into MODULE_ROW through the view the helper returns: refused, as a
    # write into a module's array is everywhere (the call was kept as a call before)
    out = _whole_view(MODULE_ROW)
    out -= 0.2
    return t0 + out[2]


def test_found_module_array_through_a_helper_returning_a_view_is_refused():
    f = s800640_module_array_through_a_helper_returning_a_view
    with pytest.raises(sad.SourceADError, match="an array of the module"):
        sad.value_and_grad(f)(0.5)
    with pytest.raises(sad.SourceADError, match="an array of the module"):
        sad.jvp(f)(0.5, 1.0)
    assert np.array_equal(MODULE_ROW, [0.5, 0.4, 0.7])


def s810059_flatten_is_a_copy(B):
    # x.flatten() always copies: the write into B through the closure is not in u
    def step(u):
        B[1][2] -= B[[0, 1]].sum()
        return sum(u)
    return step(B.flatten())


def test_found_flatten_is_a_copy():
    f = s810059_flatten_is_a_copy
    B = np.arange(12.0).reshape(3, 4) / 7
    sad.check_grads(f, (B,))
    for out in (sad.value_and_grad(f)(B.copy()), sad.value_and_grad(f)(B=B.copy())):
        assert out[0] == pytest.approx(f(B.copy()))


def _swap_accumulate(u):
    acc = np.zeros((3, 4))
    for t in range(1, 3):
        acc += u
        acc, u = (u, acc)


def s908762_swapped_names_carry_the_caller_array(B):
    # after the first iteration `acc` is the caller's B: the second `acc += u` doubles B
    _swap_accumulate(u=B)
    return B.min()


def s908762_swapped_names_in_a_loop(B):
    B = B * 1.0
    u = B
    acc = np.zeros((3, 4))
    for t in range(2):
        acc += u
        acc, u = u, acc
    return B.sum()   # (acc and u are not read after the loop)


@pytest.mark.parametrize("f", [s908762_swapped_names_carry_the_caller_array,
                               s908762_swapped_names_in_a_loop])
def test_found_names_swapped_in_a_loop_keep_their_arrays(f):
    B = np.arange(12.0).reshape(3, 4) / 7 - 0.5
    want = f(B.copy())
    value, grad = sad.value_and_grad(f)(B.copy())
    assert value == pytest.approx(want)
    value_t, _ = sad.jvp(f)(B.copy(), np.ones_like(B))
    assert value_t == pytest.approx(want)
    sad.check_grads(f, (B.copy(),))


def s906756_return_in_nested_loops(n, B):
    # the derivative's shape declarations named an `if` result that specialising on
    # the arguments' kinds had replaced (IRVerificationError while building)
    s = B[n][2]
    total = 0.0
    for r, row in zip(B, B):
        for j in range(4):
            if s < 0.2:
                return total + s
            total = np.exp(s)
    return np.prod(B)


def test_found_return_in_nested_loops_builds():
    f = s906756_return_in_nested_loops
    B = np.arange(12.0).reshape(3, 4) / 7 - 0.5
    for n in (0, 1, 2):
        for b in (B, -B):
            sad.check_grads(f, (n, b.copy()), wrt=1)
            assert sad.value_and_grad(f, wrt=1)(n, b.copy())[0] == pytest.approx(f(n, b.copy()))


def s915667_append_of_a_sum_over_a_generator(w, x, W):
    # `hs.append` was read before the generator's loop, which gave `hs` a new identity:
    # the append went to a list no name held (sum(hs) was 0)
    G = np.sin(W - np.max(W, axis=0, keepdims=True)) * W
    xs = [w, w]
    hs = []
    for item in xs:
        hs.append(sum((t / (2.0 + np.cos(t)) for t in w if t > -0.3)))
        c = np.array(item)
    agg = sum(hs)
    W = G
    return np.mean(W) + 0.8 * agg + np.sum(c * x)


def test_found_append_of_a_sum_over_a_generator():
    f = s915667_append_of_a_sum_over_a_generator
    w, x = np.array([0.3, -0.5, 0.9]), np.array([0.2, 0.1, -0.4])
    W = np.arange(6.0).reshape(2, 3) / 5
    assert sad.value_and_grad(f)(w, x, W)[0] == pytest.approx(f(w, x, W))
    sad.check_grads(f, (w, x, W))


def s934839_rows_of_a_list_after_the_array_is_copied(B):
    # the general (unspecialised) jvp copied B before the loop so as to write into it, but
    # the rows in `feats` were views of B taken before: they no longer followed its writes
    feats = [row for row in B]
    for item in feats:
        for j in range(3):
            B[:, j] = item[:2]
    B -= 0.4
    return B.mean()


def test_found_rows_of_a_list_follow_the_array_they_view():
    f = s934839_rows_of_a_list_after_the_array_is_copied
    B = np.arange(6.0).reshape(2, 3) / 7 + 0.1
    want = f(B.copy())
    jv = sad.jvp(f)
    assert jv(B.copy(), np.ones_like(B))[0] == pytest.approx(want)
    assert jv._function()(B.copy(), np.ones_like(B))[0] == pytest.approx(want)   # general
    assert sad.value_and_grad(f)(B.copy())[0] == pytest.approx(want)
    sad.check_grads(f, (B.copy(),))


MODULE_OFFSET = np.array([0.2, 0.2, 0.5])


def _halve_in_place(u, n):
    u /= u ** 2
    return u


def s944435_module_array_chosen_by_a_conditional_expression(W, c):
    # `X if c else MODULE_OFFSET` may give the module's array, which the helper writes
    # into: the join kept no trace of it, and the derivative did not change it while f did
    res = _halve_in_place(W.sum(axis=1) if c < -0.6 else MODULE_OFFSET, 1)
    return np.max(res)


def test_found_module_array_through_a_conditional_expression_is_not_written():
    f = s944435_module_array_chosen_by_a_conditional_expression
    W = np.arange(9.0).reshape(3, 3) / 7 + 0.1
    with pytest.raises(NotImplementedError, match="array of the module"):
        sad.value_and_grad(f)(W, 0.0)
    with pytest.raises(NotImplementedError, match="array of the module"):
        sad.jvp(f, wrt=0)(W, 0.0, np.ones_like(W))
    assert np.array_equal(MODULE_OFFSET, [0.2, 0.2, 0.5])
    # (the other way the expression goes writes into a new array, but the write cannot
    # tell which it holds: refused there too, when the derivative runs)
    with pytest.raises(NotImplementedError, match="array of the module"):
        sad.value_and_grad(f)(W, -1.0)


def s961545_names_swapped_after_a_break_test(b, v):
    # the branch that the break's flag guards joined `acc`'s two possible arrays into one
    # object standing in for only the first: the second iteration's `acc += c` (acc is
    # the caller's v by then) was lost
    c = np.array(v)

    def g(u):
        acc = np.zeros((3,))
        for i in range(2):
            acc += c
            if b >= 1.0:
                break
            u, acc = (acc, u)
    g(v)
    return np.mean(v) * 2.0 + np.sum(c)


def s960832_an_index_array_read_before_a_write_through_a_list(y, idx):
    # `z = y[idx]` is a copy where idx is an index array (np.array([...]) made here, or
    # given); a write into y through an item of a list re-read z from the new y
    hs = []
    for k in range(2):
        hs.append(y)
    z = y[np.array([0, 1, 2, 3])] + y[idx]
    h = hs[0]
    h[z > 0.1] = 0.7
    return np.sum(z) + np.sum(h)


def test_found_swaps_after_a_break_test_and_index_arrays_before_a_write_through_a_list():
    v = np.array([0.3, -0.5, 0.9])
    f = s961545_names_swapped_after_a_break_test
    for b in (0.0, 2.0):
        assert sad.value_and_grad(f, wrt=1)(b, v.copy())[0] == pytest.approx(f(b, v.copy()))
        sad.check_grads(f, (b, v.copy()), wrt=1)
    g = s960832_an_index_array_read_before_a_write_through_a_list
    y = np.array([0.3, -0.5, 0.9, 0.07])
    for idx in (np.array([3, 2, 1, 0]), slice(0, 4)):
        assert sad.value_and_grad(g)(y.copy(), idx)[0] == pytest.approx(g(y.copy(), idx))
        assert sad.jvp(g)(y.copy(), idx, np.ones(4))[0] == pytest.approx(g(y.copy(), idx))
        sad.check_grads(g, (y.copy(), idx), wrt=0)
