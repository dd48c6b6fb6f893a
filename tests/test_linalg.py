"""np.linalg in forward and reverse mode, against finite differences and closed forms.

One table: a small module-level function per use of a linear algebra primitive
(sourcead reads source), the kind of matrices it is smooth at, and the shapes
to try, stacks included. Each case runs `check_grads` (JVP and VJP against
central differences) at several random points. The points are built to be
well-conditioned: matrices near n*I, symmetric matrices with eigenvalues at
least 0.5 apart, rectangular ones with singular values well apart and away from
zero. Eigen- and singular vectors are determined only up to sign, so the
functions of them checked here are invariant to those signs.

After the table: the worked examples of the lecture notes in shared/seeds
(a linear solve, the norm of an inverse, the SVD) with their closed forms, and
the derivatives sourcead refuses.
"""

import numpy as np
import pytest

import sourcead as sad

SEEDS = (0, 1, 2)


# --- matrices ----------------------------------------------------------------------

def _orthogonal(rng, batch, n):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _spaced(rng, batch, k, lo, step):
    """k values per matrix, increasing from about lo, at least `step` apart (shuffled)."""
    values = lo + step * np.arange(k) + rng.uniform(0.0, 0.5 * step, batch + (k,))
    return rng.permuted(values, axis=-1)


def general(rng, shape):
    """A square matrix near n*I: invertible, well-conditioned, no symmetry."""
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def symmetric(rng, shape):
    """Symmetric, eigenvalues of both signs at least 0.5 apart."""
    n = shape[-1]
    w = _spaced(rng, shape[:-2], n, -0.5 * n, 1.0)
    q = _orthogonal(rng, shape[:-2], n)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def spd(rng, shape):
    """Symmetric positive definite, eigenvalues in [1, n + 1]."""
    n = shape[-1]
    w = _spaced(rng, shape[:-2], n, 1.0, 1.0)
    q = _orthogonal(rng, shape[:-2], n)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def rect(rng, shape):
    """Any shape of matrix, singular values at least 0.5 apart and at least 1."""
    m, n = shape[-2:]
    k = min(m, n)
    s = _spaced(rng, shape[:-2], k, 1.0, 0.7)
    u = _orthogonal(rng, shape[:-2], m)[..., :k]
    v = _orthogonal(rng, shape[:-2], n)[..., :k]
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def anything(rng, shape):
    """Right-hand sides and factors: plain normal draws."""
    return rng.standard_normal(shape)


def _of_rank(rng, shape, k):
    """A square matrix of rank k (exactly: a product of n x k and k x n factors whose
    product LAPACK finds singular, or nearly so)."""
    n = shape[-1]
    return rng.standard_normal(shape[:-1] + (k,)) @ rng.standard_normal(shape[:-2] + (k, n))


def rank_n1(rng, shape):
    """Singular: rank n - 1 (det is 0, its gradient the adjugate, of rank 1)."""
    return _of_rank(rng, shape, shape[-1] - 1)


def rank_n2(rng, shape):
    """Singular: rank n - 2 (det and its gradient are 0, the Hessian is not)."""
    return _of_rank(rng, shape, shape[-1] - 2)


def some_singular(rng, shape):
    """A stack in which every other matrix has rank n - 1 and the rest are near n*I."""
    a = general(rng, shape)
    a[::2] = rank_n1(rng, a[::2].shape)
    return a


def run_check(fn, kinds, shapes):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        args = tuple(kind(rng, shape) for kind, shape in zip(kinds, shapes))
        try:
            sad.check_grads(fn, args, seed=seed)
        except AssertionError as e:
            raise AssertionError(f"{fn.__name__} at seed {seed}, shapes {shapes}:\n{e}") from None


def cases(rows):
    out = []
    for name, fn, kinds, shape_list in rows:
        for shapes in shape_list:
            label = "-".join("x".join(map(str, s)) for s in shapes)
            out.append(pytest.param(fn, kinds, shapes, id=f"{name}[{label}]"))
    return out


SQUARE = [((2, 2),), ((3, 3),), ((2, 3, 3),)]
ANY = [((3, 3),), ((4, 3),), ((3, 4),), ((2, 4, 3),)]
TALL = [((2, 2),), ((3, 3),), ((4, 3),), ((2, 4, 3),)]


# --- the functions -------------------------------------------------------------------

def inv(a): return np.linalg.inv(a)
def inv_twice(a): return np.linalg.inv(np.linalg.inv(a) + a)
def solve(a, b): return np.linalg.solve(a, b)
def solve_same(a): return np.linalg.solve(a, a * a)
def det(a): return np.linalg.det(a)
def det_outer(x): return np.linalg.det(np.outer(x, x))
def det_outer_sum(x, y): return np.linalg.det(np.outer(x, x) + np.outer(y, y))
def det_product(a, b): return np.linalg.det(a @ b)
def slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign, logdet
def slogdet_neg(a):
    sign, logdet = np.linalg.slogdet(-a)
    return sign * np.exp(logdet)
def logdet_only(a): return np.linalg.slogdet(a)[1]
def power_0(a): return np.linalg.matrix_power(a, 0) * a
def power_1(a): return np.linalg.matrix_power(a, 1)
def power_2(a): return np.linalg.matrix_power(a, 2)
def power_3(a): return np.linalg.matrix_power(a, 3)
def power_m1(a): return np.linalg.matrix_power(a, -1)
def power_m3(a): return np.linalg.matrix_power(a, -3)
def power_n(a, n): return np.linalg.matrix_power(a, n)
def cholesky(a): return np.linalg.cholesky(a)
def cholesky_upper(a): return np.linalg.cholesky(a, upper=True)
def cholesky_outer(x): return np.linalg.cholesky(x[:, None] * x + 3.0 * np.eye(np.shape(x)[0]))
def qr(a):
    q, r = np.linalg.qr(a)
    return q, r
def qr_reduced(a):
    q, r = np.linalg.qr(a, mode="reduced")
    return q @ r, q * r[..., :1, :]
def qr_r(a): return np.linalg.qr(a, mode="r")
def qr_complete(a):
    q, r = np.linalg.qr(a, mode="complete")
    return q, r
def eigh(a):
    w, v = np.linalg.eigh(a)
    return w, v * v[..., :1, :]      # each column times its own first entry: no sign
def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return w, v ** 2
def eigh_w(a):
    w, v = np.linalg.eigh(a)
    return w
def eigh_v(a):
    w, v = np.linalg.eigh(a)
    return np.abs(v)
def eigvalsh(a): return np.linalg.eigvalsh(a)
def eigvalsh_upper(a): return np.linalg.eigvalsh(a, UPLO="U")
def svd(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return s, u * u[..., :1, :], vt * vt[..., :, :1]
def svd_rebuilt(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return (u * s[..., None, :] ** 2) @ vt
def svd_u(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return u ** 2
def svd_square(a):
    u, s, vt = np.linalg.svd(a)
    return s, u * vt[..., :, :1]
def svd_s(a): return np.linalg.svd(a, compute_uv=False)
def svd_hermitian(a):
    u, s, vt = np.linalg.svd(a, hermitian=True)
    return s, u * u[..., :1, :], (u * s[..., None, :]) @ vt
def svd_s_hermitian(a): return np.linalg.svd(a, False, False, True)   # positional arguments
def pinv(a): return np.linalg.pinv(a)
def pinv_hermitian(a): return np.linalg.pinv(a, hermitian=True)
def pinv_rank2(u, v): return np.linalg.pinv(u @ v, rcond=1e-10)
def lstsq(a, b): return np.linalg.lstsq(a, b, rcond=None)[0]
def lstsq_all(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return x, residuals, s
def lstsq_residuals(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b)
    return residuals
def lstsq_rank2(u, v, b):
    x, residuals, rank, s = np.linalg.lstsq(u @ v, b, rcond=1e-10)
    return x

# Outputs that nothing reads: their cotangents are known to be zero, and the rules leave
# their terms out (see registry.vjp_rule's zeros_as_none).
def svd_s_of_full(a):
    u, s, vt = np.linalg.svd(a)          # full u and vt, only s read
    return s
def svd_s_vt(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return s, vt * vt[..., :, :1]
def qr_r_of_pair(a):
    q, r = np.linalg.qr(a)
    return r
def qr_q_of_pair(a):
    q, r = np.linalg.qr(a)
    return q * r[..., :1, :1]
def lstsq_s(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return s
def lstsq_x_s(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return x, s


G, S, P, R, A = general, symmetric, spd, rect, anything
N1, N2 = rank_n1, rank_n2

TABLE = [
    ("inv", inv, (G,), SQUARE),
    ("inv(inv(a)+a)", inv_twice, (G,), [((3, 3),), ((2, 3, 3),)]),
    ("solve(a,vec)", solve, (G, A), [((2, 2), (2,)), ((3, 3), (3,)), ((2, 3, 3), (3,))]),
    ("solve(a,mat)", solve, (G, A), [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)),
                                     ((3, 3), (2, 3, 4)), ((2, 1, 3, 3), (2, 3, 1))]),
    ("solve(a,a*a)", solve_same, (G,), SQUARE),
    ("det", det, (G,), SQUARE),
    ("det(rank n-1)", det, (N1,), SQUARE + [((4, 4),), ((3, 2, 2),)]),
    ("det(rank n-2)", det, (N2,), [((2, 2),), ((3, 3),), ((4, 4),), ((2, 3, 3),)]),
    ("det(some singular)", det, (some_singular,), [((4, 3, 3),)]),
    ("det(x x^T)", det_outer, (A,), [((2,),), ((3,),)]),
    ("det(x x^T + y y^T)", det_outer_sum, (A, A), [((3,), (3,)), ((4,), (4,))]),
    ("det(a@b)", det_product, (G, G), [((3, 3), (3, 3)), ((2, 3, 3), (3, 3))]),
    ("slogdet", slogdet, (G,), SQUARE),
    ("slogdet(-a)", slogdet_neg, (G,), SQUARE),
    ("slogdet[1]", logdet_only, (G,), SQUARE),
    ("matrix_power(a,0)", power_0, (G,), SQUARE),
    ("matrix_power(a,1)", power_1, (G,), SQUARE),
    ("matrix_power(a,2)", power_2, (G,), SQUARE),
    ("matrix_power(a,3)", power_3, (G,), SQUARE),
    ("matrix_power(a,-1)", power_m1, (G,), SQUARE),
    ("matrix_power(a,-3)", power_m3, (G,), SQUARE),
    ("cholesky", cholesky, (P,), SQUARE),
    ("cholesky(upper)", cholesky_upper, (P,), SQUARE),
    ("cholesky(x x^T+3I)", cholesky_outer, (A,), [((3,),), ((4,),)]),
    ("qr", qr, (R,), TALL),
    ("qr(reduced)", qr_reduced, (R,), [((4, 3),), ((2, 3, 3),)]),
    ("qr(r)", qr_r, (R,), [((3, 3),), ((4, 3),), ((2, 4, 3),)]),
    ("qr(complete,square)", qr_complete, (G,), [((3, 3),), ((2, 3, 3),)]),
    ("eigh", eigh, (S,), SQUARE),
    ("eigh(U)", eigh_upper, (S,), SQUARE),
    ("eigh.w", eigh_w, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("eigh|v|", eigh_v, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("eigvalsh", eigvalsh, (S,), SQUARE),
    ("eigvalsh(U)", eigvalsh_upper, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("svd", svd, (R,), [((2, 2),)] + ANY),
    ("svd(rebuilt)", svd_rebuilt, (R,), [((3, 3),), ((4, 3),), ((2, 3, 4),)]),
    ("svd.u**2", svd_u, (R,), [((4, 3),), ((3, 4),)]),
    ("svd(full,square)", svd_square, (R,), [((3, 3),), ((2, 3, 3),)]),
    ("svd(compute_uv=False)", svd_s, (R,), [((2, 2),)] + ANY),
    ("svd(hermitian)", svd_hermitian, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("svd(s,hermitian)", svd_s_hermitian, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("pinv", pinv, (R,), [((2, 2),), ((3, 3),), ((4, 3),), ((3, 4),), ((2, 3, 3),)]),
    ("pinv(hermitian)", pinv_hermitian, (S,), [((3, 3),), ((2, 3, 3),)]),
    ("pinv(rank 2)", pinv_rank2, (A, A), [((4, 2), (2, 3)), ((3, 2), (2, 4))]),
    ("lstsq", lstsq, (R, A), [((4, 3), (4,)), ((4, 3), (4, 2)), ((3, 3), (3,)),
                              ((3, 4), (3,)), ((3, 4), (3, 2))]),
    ("lstsq(all)", lstsq_all, (R, A), [((4, 3), (4,)), ((5, 3), (5, 2)), ((3, 4), (3, 2))]),
    ("lstsq.residuals", lstsq_residuals, (R, A), [((5, 3), (5, 2)), ((4, 3), (4,))]),
    ("svd(full).s", svd_s_of_full, (R,), [((4, 3),), ((3, 4),), ((2, 3, 3),)]),
    ("svd.s,vt", svd_s_vt, (R,), [((4, 3),), ((3, 4),)]),
    ("qr.r of (q, r)", qr_r_of_pair, (R,), [((4, 3),), ((2, 3, 3),)]),
    ("qr.q of (q, r)", qr_q_of_pair, (R,), [((4, 3),), ((3, 3),)]),
    ("lstsq.s", lstsq_s, (R, A), [((4, 3), (4,)), ((3, 4), (3, 2))]),
    ("lstsq.x,s", lstsq_x_s, (R, A), [((4, 3), (4,)), ((5, 3), (5, 2))]),
    ("lstsq(rank 2)", lstsq_rank2, (A, A, A), [((5, 2), (2, 4), (5,)), ((4, 2), (2, 3), (4, 2))]),
]


@pytest.mark.parametrize("fn, kinds, shapes", cases(TABLE))
def test_linalg(fn, kinds, shapes):
    run_check(fn, kinds, shapes)


@pytest.mark.parametrize("n", [0, 1, 2, -1, -2])
def test_matrix_power_with_an_exponent_known_at_run_time(n):
    a = general(np.random.default_rng(n + 5), (3, 3))
    sad.check_grads(power_n, (a, n), wrt=0)


def test_the_triangle_numpy_ignores_gets_no_gradient():
    # cholesky, eigh, eigvalsh and pinv(hermitian=True) read the lower triangle only
    a = spd(np.random.default_rng(0), (3, 3))
    for fn in (cholesky, eigh_w, eigvalsh, pinv_hermitian):
        g = sad.vjp(fn)(a)[1](np.ones_like(fn(a)))
        assert np.all(g[np.triu_indices(3, 1)] == 0.0), fn.__name__


def test_solves_form_no_inverse():
    src = sad.vjp(solve, wrt=(0, 1)).source + sad.jvp(solve, wrt=(0, 1)).source
    assert "np.linalg.solve" in src and "np.linalg.inv" not in src
    src = sad.vjp(cholesky).source + sad.vjp(qr).source + sad.jvp(qr).source
    assert "np.linalg.inv" not in src and "np.linalg.pinv" not in src


# --- det at singular matrices: the adjugate ------------------------------------------

def _cofactors_transposed(a):
    """adj(a) by its definition, one minor at a time."""
    n = a.shape[-1]
    out = np.zeros_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=-2), j, axis=-1)
            out[..., j, i] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


@pytest.mark.parametrize("name, a", [
    ("zero row", np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, -1.0, 2.0]])),
    ("x x^T", np.outer([0.3, -1.2, 0.7], [0.3, -1.2, 0.7])),
    ("rank n-2", rank_n2(np.random.default_rng(1), (4, 4))),
    ("rank n-1", rank_n1(np.random.default_rng(2), (4, 4))),
    ("stack", some_singular(np.random.default_rng(3), (4, 3, 3))),
    ("zeros", np.zeros((2, 2))),
    ("1x1", np.array([[0.0]])),
    ("invertible", general(np.random.default_rng(4), (2, 3, 3))),
])
def test_adjugate_is_the_matrix_of_cofactors(name, a):
    from sourcead.runtime import adjugate
    want = _cofactors_transposed(a) if a.shape[-1] > 1 else np.ones_like(a)
    np.testing.assert_allclose(adjugate(a), want, atol=1e-12 * max(1.0, np.abs(a).max()) ** 3)
    # the gradient of det is its transpose, at singular matrices too (NumPy's inv
    # refuses an exactly singular matrix: the rule does not invert)
    np.testing.assert_allclose(sad.grad(lambda_det_sum)(a), np.swapaxes(want, -1, -2),
                               atol=1e-12 * max(1.0, np.abs(a).max()) ** 3)
    da = np.random.default_rng(5).standard_normal(a.shape)
    _, ddet = sad.jvp(det)(a, da)
    np.testing.assert_allclose(ddet, np.sum(np.swapaxes(want, -1, -2) * da, axis=(-2, -1)),
                               atol=1e-11 * max(1.0, np.abs(a).max()) ** 3)


def lambda_det_sum(a):
    return np.sum(np.linalg.det(a))


def test_det_outer_product_from_the_report():
    # np.linalg.det(np.outer(x, x)) raised LinAlgError (singular matrix) in both modes;
    # det(x x^T) = 0 for every x, so its derivative is 0
    x = np.array([0.3, 0.7, 1.2])
    assert np.all(sad.grad(det_outer)(x) == pytest.approx(0.0, abs=1e-14))
    value, tangent = sad.jvp(det_outer)(x, np.array([1.0, -2.0, 0.5]))
    assert tangent == pytest.approx(0.0, abs=1e-14)
    # and where the rank is n - 1 the gradient is not zero
    y = np.array([-0.4, 0.1, 0.9])
    g = sad.grad(det_outer_sum, wrt=(0, 1))(x, y)
    eps = 1e-6
    for k, arg in enumerate((x, y)):
        fd = [(det_outer_sum(*[a + eps * e if j == k else a for j, a in enumerate((x, y))]) -
               det_outer_sum(*[a - eps * e if j == k else a for j, a in enumerate((x, y))]))
              / (2 * eps) for e in np.eye(3)]
        np.testing.assert_allclose(g[k], fd, atol=1e-8)


def test_second_derivatives_of_det():
    # invertible: forward over reverse through the adjugate's own rules
    rng = np.random.default_rng(7)
    a = general(rng, (3, 3))
    g = sad.grad(lambda_det_sum)
    eps = 1e-6
    fd = np.stack([(g(a + eps * e) - g(a - eps * e)) / (2 * eps)
                   for e in np.eye(9).reshape(9, 3, 3)], axis=-1).reshape(3, 3, 3, 3)
    np.testing.assert_allclose(sad.hessian(lambda_det_sum)(a), fd, rtol=1e-6, atol=1e-7)
    sad.check_grads(g, (a,))
    # at a singular matrix the second derivative exists too, but its formula solves
    # with A: NumPy refuses, as it does for inv (no made-up value)
    with pytest.raises(np.linalg.LinAlgError):
        sad.hessian(lambda_det_sum)(np.zeros((3, 3)))


# --- the worked examples of the lecture notes ----------------------------------------

def solve_loss(A, b, c):
    x = np.linalg.solve(A, b)
    return np.sum(c * x)


def test_gradient_through_a_linear_solve():
    # automatic-differentiation-lecture: x = A^-1 b, dL/dA = -A^-T (dL/dx) x^T and
    # dL/db = A^-T dL/dx; here L = <c, x>, so dL/dx = c.
    rng = np.random.default_rng(3)
    A, b, c = general(rng, (4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    gA, gb = sad.grad(solve_loss, wrt=(0, 1))(A, b, c)
    x = np.linalg.solve(A, b)
    lam = np.linalg.solve(A.T, c)
    np.testing.assert_allclose(gA, -np.outer(lam, x), rtol=1e-10)
    np.testing.assert_allclose(gb, lam, rtol=1e-10)
    sad.check_grads(solve_loss, (A, b, c))


def inverse_norm(X):
    Y = np.linalg.inv(X)
    return np.sqrt(np.sum(Y * Y))


def test_norm_of_an_inverse():
    # jvp-vjp-inverse-norm-example: z = ||X^-1||_F has gradient -(Y^T Y Y^T) / z, Y = X^-1,
    # and its JVP along dX is the directional derivative <gradient, dX>.
    rng = np.random.default_rng(4)
    X = general(rng, (6, 6))
    dX = rng.standard_normal((6, 6))
    Y = np.linalg.inv(X)
    z = np.linalg.norm(Y)
    expected = -(Y.T @ Y @ Y.T) / z
    np.testing.assert_allclose(sad.grad(inverse_norm)(X), expected, rtol=1e-10)
    value, dz = sad.jvp(inverse_norm)(X, dX)
    assert value == pytest.approx(z)
    assert dz == pytest.approx(np.sum(expected * dX), rel=1e-10)
    h = 1e-6
    assert dz == pytest.approx((inverse_norm(X + h * dX) - inverse_norm(X - h * dX)) / (2 * h),
                               rel=1e-6)


def weighted_singular_values(W, c):
    s = np.linalg.svd(W, compute_uv=False)
    return np.sum(c * s)


def weighted_singular_values_uv(W, c):
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    return np.sum(c * s)


def nuclear_norm(W):
    return np.sum(np.linalg.svd(W, compute_uv=False))


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5)])
def test_gradient_through_singular_values(shape):
    # automatic-differentiation-lecture: dL/dW = U (dL/dSigma) V^T; for L = sum(c * s)
    # that is U diag(c) V^T, and for the nuclear norm sum(s) it is U V^T.
    rng = np.random.default_rng(5)
    W = rect(rng, shape)
    c = rng.standard_normal(min(shape))
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    for fn in (weighted_singular_values, weighted_singular_values_uv):
        np.testing.assert_allclose(sad.grad(fn)(W, c), (U * c) @ Vt, rtol=1e-9, atol=1e-12)
        sad.check_grads(fn, (W, c), wrt=0)
    np.testing.assert_allclose(sad.grad(nuclear_norm)(W), U @ Vt, rtol=1e-9, atol=1e-12)


# --- what is refused -------------------------------------------------------------------

def qr_complete_q(a):
    q, r = np.linalg.qr(a, mode="complete")
    return q


def qr_raw(a):
    h, tau = np.linalg.qr(a, mode="raw")
    return h


def svd_full_u(a):
    u, s, vt = np.linalg.svd(a)
    return u


def svd_full_vt(a):
    u, s, vt = np.linalg.svd(a)
    return vt


@pytest.mark.parametrize("fn, shape", [(qr, (3, 4)), (qr_complete_q, (4, 3)), (qr_raw, (4, 3)),
                                       (svd_full_u, (4, 3)), (svd_full_u, (3, 4)),
                                       (svd_full_vt, (4, 3)), (svd_full_vt, (3, 4))])
def test_decompositions_without_a_derivative_are_refused(fn, shape):
    a = rect(np.random.default_rng(6), shape)
    for transform in (sad.jvp, sad.vjp):
        with pytest.raises(NotImplementedError, match="sourcead differentiates"):
            d = transform(fn)
            if transform is sad.jvp:
                d(a, np.ones_like(a))
            else:
                y, pullback = d(a)
                pullback(tuple(map(np.ones_like, y)) if isinstance(y, tuple) else np.ones_like(y))


# --- matrix norms: np.linalg.norm with ord 'nuc', 2, -2, 1, -1, inf, -inf -------------------

def norm_nuc(a): return np.linalg.norm(a, "nuc")            # noqa: E704
def norm_2(a): return np.linalg.norm(a, 2)                  # noqa: E704
def norm_m2(a): return np.linalg.norm(a, -2)                # noqa: E704
def norm_1(a): return np.linalg.norm(a, 1)                  # noqa: E704
def norm_m1(a): return np.linalg.norm(a, -1)                # noqa: E704
def norm_inf(a): return np.linalg.norm(a, np.inf)           # noqa: E704
def norm_minf(a): return np.linalg.norm(a, -np.inf)         # noqa: E704
def norm_2_axes(a): return np.sum(np.linalg.norm(a, 2, axis=(1, 2)) ** 2)              # noqa
def norm_nuc_keep(a): return np.sum(np.linalg.norm(a, "nuc", axis=(2, 1), keepdims=True) * a)  # noqa


@pytest.mark.parametrize("fn", [norm_nuc, norm_2, norm_m2, norm_1, norm_m1, norm_inf,
                                norm_minf, norm_2_axes, norm_nuc_keep],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_matrix_norms(fn, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2, 3, 4)) if fn in (norm_2_axes, norm_nuc_keep) else \
        rng.normal(size=(3, 4))
    sad.check_grads(fn, (a,))


def test_nuclear_norm_gradient_is_u_vt():
    a = np.random.default_rng(3).normal(size=(4, 3))
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(sad.grad(norm_nuc)(a), u @ vt, atol=1e-12)


def test_outputs_nobody_reads_get_no_adjoint_code():
    def eigenvalues(a):
        w, v = np.linalg.eigh(a)
        return np.sum(w ** 2)

    def singular_values(a):
        u, s, vt = np.linalg.svd(a)
        return np.sum(s)
    for fn in (eigenvalues, singular_values):
        src = sad.grad(fn).source
        assert "zeros_like" not in src and "eye" not in src, src
    # without the eigenvector terms, repeated eigenvalues are fine: d sum(w^2) = 2 A
    a = np.eye(3) * 2.0
    np.testing.assert_allclose(sad.grad(eigenvalues)(a), 2.0 * a)
