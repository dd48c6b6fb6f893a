"""Rules for linear algebra: np.linalg's inverses, solves, determinants, matrix
powers, factorizations (Cholesky, QR) and decompositions (eigh, SVD).

Conventions, shared by every rule below:

- Stacks. Wherever NumPy accepts a stack of matrices (shape (..., m, n)), so do
  the rules: transposes are `np.swapaxes(x, -1, -2)`, products `@`, a vector of
  eigen/singular values `s` (..., k) spreads over columns as `s[..., None, :]` and
  over rows as `s[..., :, None]`.
- Solves, not inverses. A^-1 B is written `np.linalg.solve(A, B)` and B A^-1 as
  the transpose of `solve(A^T, B^T)`. An explicit inverse appears only where the
  value is a power of one (matrix_power with n < 0), or where the primal output
  is one (inv, pinv), and then it is that output. The gradient of det is the
  adjugate (det(A) A^-T where A is invertible), which exists at singular matrices
  too (runtime.adjugate).
- Triangles. cholesky, eigh, eigvalsh and svd/pinv with hermitian=True read one
  triangle of their argument (the lower one by default) and ignore the other.
  The rules differentiate exactly that function: a change in the ignored
  triangle changes nothing, so that triangle gets a zero gradient, and a change
  dA in the triangle read acts as the symmetric matrix tril(dA) + tril(dA, -1)^T.
  When the matrix is built symmetric (a = b + b.T) the chain rule through the
  construction gives the usual symmetric gradient.
- Decompositions. The eigh and svd rules hold where the eigenvalues (singular
  values) are distinct (and, for the SVD's u and vt of a non-square matrix, the
  singular values nonzero): there the decomposition is differentiable, up to the
  sign of each eigen/singular vector. The rules differentiate the vectors NumPy
  returns, keeping the sign fixed; a function of them that is invariant to the
  signs (v**2, u @ diag(s) @ vt, projectors v v^T) has a well-defined gradient,
  and only such functions can be checked against finite differences, since
  LAPACK may flip a sign between nearby inputs.
- Outputs. svd's compute_uv and qr's mode decide how many values the call returns,
  so they must be constants in the code differentiated (literals or defaults).
"""

import inspect

import numpy as np

from ..frontend.lower import NeverNone, TupleParams
from ..ir import primitives as P
from ..ir.core import Const
from ..runtime import (adjugate, as_columns, checked, eye_like, from_columns, require,
                       solve_reads_vector, when_nonempty, zeros_like)
from . import registry
from .registry import jvp_rule, vjp_rule

# Helpers that rules call; zeros pass through the reshaping ones.
P.defprim(solve_reads_vector, differentiable=False, hint="vector")
P.defprim(as_columns, zero="first")        # linear: rules in rules/higher.py
P.defprim(from_columns, zero="first")
P.defprim(when_nonempty, zero="first")
P.defprim(eye_like, differentiable=False, hint="eye")
P.defprim(require, differentiable=False, pure=False, n_outs=0)


# checked(x, ok, message) is x (a precondition kept only where x is used)
@vjp_rule(checked, shape=("arg", 0))
def _(g, ans, x, ok, message):
    return g, None, None


@jvp_rule(checked, shape=("arg", 0))
def _(dx, dok, dmessage, ans, x, ok, message):
    return checked(dx, ok, message)


def _const_arg(args, kwargs, index, name, default):
    """The value of a call's argument if it is a constant, `default` if it is not passed,
    None if it is computed at run time."""
    arg = kwargs.get(name, args[index] if len(args) > index else Const(default))
    return arg.value if isinstance(arg, Const) else None


class _CotangentTuple(registry.Rule):
    """A VJP rule with one cotangent parameter that, when the call returns several
    values, is the tuple of their cotangents (as `ans` is the tuple of the values).

    For primitives whose number of outputs depends on a constant argument (svd with
    compute_uv=False, qr with mode='r'): `registry.Rule` takes one cotangent parameter
    per output, so one rule of it cannot serve both counts.
    """

    def __init__(self, fn, kind):
        super().__init__(fn, kind)
        if self.n_lead != 1:
            raise TypeError(f"rule {fn.__qualname__} must take one cotangent parameter")
        self.lead = next(iter(inspect.signature(fn).parameters))

    def lowered(self, primal, n_outs=1, zeros=()):
        if n_outs == 1:
            return super().lowered(primal, 1)
        consts = {k: v for k, v in primal.items() if isinstance(v, Const)}
        consts["ans"] = TupleParams(n_outs)
        consts[self.lead] = TupleParams(n_outs, zeros)
        consts["<cotangents>"] = NeverNone((self.lead,))
        return self.lowered_with(consts)


def _vjp_rule_cotangent_tuple(obj, **prim_props):
    """`vjp_rule` for a rule written `def _(g, ans, ...)` whose `g` and `ans` are tuples
    when the call returns several values (see `_CotangentTuple`)."""
    def register(fn):
        rule = _CotangentTuple(fn, "vjp")
        rule.zeros_as_none = True   # the items of g nothing reads are None
        registry._vjp_rules[P.defprim(obj, **prim_props)] = rule
        return fn
    return register


def _svd_outputs(args, kwargs):
    """svd returns (u, s, vt), or s alone with compute_uv=False."""
    return 1 if _const_arg(args, kwargs, 2, "compute_uv", True) is False else 3


def _qr_outputs(args, kwargs):
    """qr returns (q, r), or r alone with mode='r'."""
    return 1 if _const_arg(args, kwargs, 1, "mode", "reduced") == "r" else 2


# --- inverse and solve --------------------------------------------------------

@vjp_rule(np.linalg.inv, shape=("arg", 0))
def _(g, ans, a):
    """Y = A^-1: dY = -Y dA Y, so A's cotangent is -Y^T g Y^T."""
    yt = np.swapaxes(ans, -1, -2)
    return -(yt @ g @ yt)


@jvp_rule(np.linalg.inv, shape=("arg", 0))
def _(da, ans, a):
    return -(ans @ da @ ans)


# solve(a, b) is linear in b; a symbolic zero reaches it only as b.
@vjp_rule(np.linalg.solve, zero="any")
def _(g, ans, a, b):
    """x = A^-1 b: b's cotangent is A^-T g, and A's is -(A^-T g) x^T. b is a vector, a
    matrix, or a stack of either (broadcast against a stack of A); vectors are handled
    as one-column matrices."""
    vector = solve_reads_vector(a, b)
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), as_columns(g, vector))
    ga = -(gb @ np.swapaxes(as_columns(ans, vector), -1, -2))
    return ga, from_columns(gb, vector)


@jvp_rule(np.linalg.solve, zero="any")
def _(da, db, ans, a, b):
    """A x = b: dA x + A dx = db, so dx = A^-1 (db - dA x)."""
    vector = solve_reads_vector(a, b)
    x = as_columns(ans, vector)
    return from_columns(np.linalg.solve(a, as_columns(db, vector) - da @ x), vector)


# --- determinants ------------------------------------------------------------

@vjp_rule(np.linalg.det)
def _(g, ans, a):
    """d = det(A): dd = tr(adj(A) dA), so A's cotangent is g adj(A)^T. The adjugate is
    det(A) A^-1 where A is invertible, and exists where it is not (see
    runtime.adjugate): det is differentiable everywhere."""
    return np.expand_dims(g, (-2, -1)) * np.swapaxes(adjugate(a), -1, -2)


@jvp_rule(np.linalg.det)
def _(da, ans, a):
    return np.sum(np.swapaxes(adjugate(a), -1, -2) * da, axis=(-2, -1))


# The adjugate, differentiated for derivatives of det of higher order, where A is
# invertible: adj(A) = det(A) A^-1 gives d adj = tr(A^-1 dA) adj - adj dA A^-1. (Every
# entry of adj(A) is a polynomial in A's, so the derivative exists at a singular A
# too; these formulas solve with A, and NumPy says so there.)
@vjp_rule(adjugate, shape=("arg", 0))
def _(g, ans, a):
    """<G, d adj> = <G, adj> tr(A^-1 dA) - tr(G^T adj dA A^-1), so A's cotangent is
    (<G, adj> I - adj^T G) A^-T."""
    inner = np.sum(g * ans, axis=(-2, -1))
    m = np.expand_dims(inner, (-2, -1)) * eye_like(a) - np.swapaxes(ans, -1, -2) @ g
    return np.swapaxes(np.linalg.solve(a, np.swapaxes(m, -1, -2)), -1, -2)


@jvp_rule(adjugate, shape=("arg", 0))
def _(da, ans, a):
    trace = np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)
    right = np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2),
                                        np.swapaxes(ans @ da, -1, -2)), -1, -2)
    return np.expand_dims(trace, (-2, -1)) * ans - right


@vjp_rule(np.linalg.slogdet, n_outs=2, zeros_as_none=True)
def _(gsign, glogdet, ans, a):
    """(sign, log|det A|): the sign is piecewise constant (no derivative); d log|det A| =
    tr(A^-1 dA), so A's cotangent is glogdet A^-T (A invertible)."""
    if glogdet is None:
        return None
    return np.expand_dims(glogdet, (-2, -1)) * np.linalg.inv(np.swapaxes(a, -1, -2))


@jvp_rule(np.linalg.slogdet, n_outs=2)
def _(da, ans, a):
    return None, np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


# --- matrix powers -----------------------------------------------------------

@vjp_rule(np.linalg.matrix_power, shape=("arg", 0))
def _(g, ans, a, n):
    """A^n for an integer n. For n > 0, d(A^n) = sum_k A^k dA A^(n-1-k), so A's cotangent
    is sum_k (A^T)^k g (A^T)^(n-1-k), summed by the recurrence S <- A^T S + g (A^T)^j.
    For n < 0, A^n = B^|n| with B = A^-1, and B's cotangent h gives A's as -B^T h B^T.
    A^0 = I does not depend on A."""
    if n == 0:
        return zeros_like(a), None
    b = a
    if n < 0:
        b = np.linalg.inv(a)
    bt = np.swapaxes(b, -1, -2)
    total = g
    power = bt
    for _ in range(abs(n) - 1):
        total = bt @ total + g @ power
        power = power @ bt
    if n < 0:
        total = -(bt @ total @ bt)
    return total, None


@jvp_rule(np.linalg.matrix_power, shape=("arg", 0))
def _(da, dn, ans, a, n):
    """d(B^(j+1)) = B d(B^j) + dB B^j, from B^1 = B (B = A, or A^-1 with dB = -B dA B)."""
    if n == 0:
        return zeros_like(a)
    b = a
    db = da
    if n < 0:
        b = np.linalg.inv(a)
        db = -(b @ da @ b)
    tangent = db
    power = b
    for _ in range(abs(n) - 1):
        tangent = b @ tangent + db @ power
        power = b @ power
    return tangent


# --- Cholesky ------------------------------------------------------------------

@vjp_rule(np.linalg.cholesky, shape=("arg", 0))
def _(g, ans, a, *, upper=False):
    """A = L L^T, L lower triangular, from the lower triangle of A (upper=True: A = U^T U
    from the upper triangle, U = L^T of A^T). With Phi(X) the lower triangle of X with
    its diagonal halved, dL = L Phi(L^-1 dS L^-T) for the symmetric dS that the triangle
    read spans. So S's cotangent is G = L^-T Phi(L^T g) L^-1, and the triangle's is
    tril(G) + tril(G^T, -1)."""
    l = ans
    gl = g
    if upper:
        l = np.swapaxes(ans, -1, -2)
        gl = np.swapaxes(g, -1, -2)
    lt = np.swapaxes(l, -1, -2)
    p = lt @ gl
    phi = np.tril(p) - 0.5 * p * eye_like(p)
    y = np.linalg.solve(lt, phi)                                    # L^-T Phi
    gs = np.swapaxes(np.linalg.solve(lt, np.swapaxes(y, -1, -2)), -1, -2)   # L^-T Phi L^-1
    ga = np.tril(gs) + np.tril(np.swapaxes(gs, -1, -2), -1)
    if upper:
        return np.swapaxes(ga, -1, -2)
    return ga


@jvp_rule(np.linalg.cholesky, shape=("arg", 0))
def _(da, ans, a, *, upper=False):
    l = ans
    d = da
    if upper:
        l = np.swapaxes(ans, -1, -2)
        d = np.swapaxes(da, -1, -2)
    ds = np.tril(d) + np.swapaxes(np.tril(d, -1), -1, -2)          # symmetric, from tril(dA)
    x = np.linalg.solve(l, np.swapaxes(np.linalg.solve(l, ds), -1, -2))   # L^-1 dS L^-T
    dl = l @ (np.tril(x) - 0.5 * x * eye_like(x))
    if upper:
        return np.swapaxes(dl, -1, -2)
    return dl


# --- QR ------------------------------------------------------------------------

@_vjp_rule_cotangent_tuple(np.linalg.qr, n_outs=_qr_outputs)
def _(g, ans, a, mode="reduced"):
    """A = Q R for A (m, n) with m >= n and full column rank, in mode 'reduced' (or
    'complete' for a square A; 'r' returns R alone). With B = dA R^-1 and C = Q^T B, the
    antisymmetric X = Q^T dQ has strictly lower triangle tril(C, -1), dR = (C - X) R and
    dQ = B - Q (C - X). So with M = gR R^T - Q^T gQ, A's cotangent is
    (gQ + Q (triu(M) + tril(M^T, -1))) R^-T."""
    if mode == "r":
        q, _ = np.linalg.qr(a)
        r = ans
    else:
        q, r = ans
    require(mode != "raw" and np.shape(q)[-1] == np.shape(r)[-1],
            "sourcead differentiates np.linalg.qr of square and tall matrices (mode 'reduced'"
            " or 'r'), not of wide ones or with mode 'complete' or 'raw'")
    if mode == "r":
        m = g @ np.swapaxes(r, -1, -2)
        back = q @ (np.triu(m) + np.tril(np.swapaxes(m, -1, -2), -1))
    else:
        gq, gr = g                      # None: a factor nothing reads
        if gq is None:
            m = gr @ np.swapaxes(r, -1, -2)
        elif gr is None:
            m = -(np.swapaxes(q, -1, -2) @ gq)
        else:
            m = gr @ np.swapaxes(r, -1, -2) - np.swapaxes(q, -1, -2) @ gq
        back = q @ (np.triu(m) + np.tril(np.swapaxes(m, -1, -2), -1))
        if gq is not None:
            back = gq + back
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(back, -1, -2)), -1, -2)


@jvp_rule(np.linalg.qr, n_outs=_qr_outputs)
def _(da, ans, a, mode="reduced"):
    if mode == "r":
        q, _ = np.linalg.qr(a)
        r = ans
    else:
        q, r = ans
    require(mode != "raw" and np.shape(q)[-1] == np.shape(r)[-1],
            "sourcead differentiates np.linalg.qr of square and tall matrices (mode 'reduced'"
            " or 'r'), not of wide ones or with mode 'complete' or 'raw'")
    b = np.swapaxes(np.linalg.solve(np.swapaxes(r, -1, -2), np.swapaxes(da, -1, -2)), -1, -2)
    c = np.swapaxes(q, -1, -2) @ b                       # Q^T dA R^-1
    low = np.tril(c, -1)
    x = low - np.swapaxes(low, -1, -2)                   # Q^T dQ
    dr = (c - x) @ r
    dq = b - q @ (c - x)
    if mode == "r":
        return dr
    return dq, dr


# --- symmetric eigendecomposition -------------------------------------------------

@vjp_rule(np.linalg.eigh, n_outs=2, zeros_as_none=True)
def _(gw, gv, ans, a, UPLO="L"):
    """A = V diag(w) V^T from one triangle of A (see the module docstring), eigenvalues
    w distinct. With F[i, j] = 1 / (w[j] - w[i]) off the diagonal and 0 on it,
    dw = diag(V^T dS V) and dV = V (F * (V^T dS V)), so S's cotangent is
    G = V (diag(gw) + F * (V^T gv)) V^T, and the triangle read gets G plus the
    transpose of G's other triangle. Without gv (the eigenvectors unused), G is
    V diag(gw) V^T, which holds for repeated eigenvalues too."""
    w, v = ans
    vt = np.swapaxes(v, -1, -2)
    if gv is None:
        gs = (v * gw[..., None, :]) @ vt
    else:
        eye = eye_like(w)
        f = (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)
        inner = f * (vt @ gv)
        if gw is not None:
            inner = gw[..., :, None] * eye + inner
        gs = v @ inner @ vt
    if UPLO == "U" or UPLO == "u":
        return np.triu(gs) + np.triu(np.swapaxes(gs, -1, -2), 1)
    return np.tril(gs) + np.tril(np.swapaxes(gs, -1, -2), -1)


@jvp_rule(np.linalg.eigh, n_outs=2)
def _(da, ans, a, UPLO="L"):
    w, v = ans
    if UPLO == "U" or UPLO == "u":
        ds = np.triu(da) + np.swapaxes(np.triu(da, 1), -1, -2)
    else:
        ds = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    eye = eye_like(w)
    f = (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)
    p = np.swapaxes(v, -1, -2) @ ds @ v                  # V^T dS V
    return np.sum(p * eye, axis=-1), v @ (f * p)


@vjp_rule(np.linalg.eigvalsh)
def _(g, ans, a, UPLO="L"):
    """The eigenvalues of eigh (distinct ones): dw = diag(V^T dS V), so S's cotangent is
    V diag(g) V^T, with V recomputed by eigh."""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    gs = (v * g[..., None, :]) @ np.swapaxes(v, -1, -2)
    if UPLO == "U" or UPLO == "u":
        return np.triu(gs) + np.triu(np.swapaxes(gs, -1, -2), 1)
    return np.tril(gs) + np.tril(np.swapaxes(gs, -1, -2), -1)


@jvp_rule(np.linalg.eigvalsh)
def _(da, ans, a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    if UPLO == "U" or UPLO == "u":
        ds = np.triu(da) + np.swapaxes(np.triu(da, 1), -1, -2)
    else:
        ds = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    return np.sum(v * (ds @ v), axis=-2)


# --- singular value decomposition -------------------------------------------------

@_vjp_rule_cotangent_tuple(np.linalg.svd, n_outs=_svd_outputs)
def _(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """A = U diag(s) V^T (k = min(m, n) singular values, distinct and, for u and vt of a
    non-square A, nonzero). With P = U^T dA V: ds = diag(P); with F[i, j] = 1 / (s[j]^2 -
    s[i]^2) off the diagonal and 0 on it, dU = U (F * (P S + S P^T)) + (I - U U^T) dA V S^-1
    and dV = V (F * (S P + P^T S)) + (I - V V^T) dA^T U S^-1. A's cotangent is therefore
    U [(F * (U^T gU - gU^T U)) S + diag(gs) + S (F * (V^T gV - gV^T V))] V^T
    + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T), and with compute_uv=False
    U diag(gs) V^T (the lecture notes' dL/dW = U dL/dSigma V^T), U and V recomputed.
    With hermitian=True NumPy decomposes the symmetric matrix of A's lower triangle."""
    if compute_uv:
        gu, gs, gvt = g                 # None: an output nothing reads
        u, s, vt = ans
        if gu is None and gvt is None:   # the singular values alone: U diag(gs) V^T
            k = np.shape(s)[-1]
            ga = (u[..., :, :k] * gs[..., None, :]) @ vt[..., :k, :]
        else:
            if full_matrices:
                require(np.shape(u)[-1] == np.shape(vt)[-2],
                        "sourcead differentiates u and vt of np.linalg.svd of square matrices, "
                        "and of others with full_matrices=False (a full u or vt has columns "
                        "that the matrix does not determine)")
            sj = s[..., None, :]
            si = s[..., :, None]
            eye = eye_like(s)
            f = (1.0 - eye) / ((sj - si) * (sj + si) + eye)
            core = None
            if gu is not None:
                ju = np.swapaxes(u, -1, -2) @ gu
                core = (f * (ju - np.swapaxes(ju, -1, -2))) * sj
            if gvt is not None:
                jv = vt @ np.swapaxes(gvt, -1, -2)
                term = si * (f * (jv - np.swapaxes(jv, -1, -2)))
                core = term if core is None else core + term
            if gs is not None:
                core = core + gs[..., :, None] * eye
            ga = u @ core @ vt
            # the parts outside the span of U (of V) exist only for a tall (a wide)
            # matrix; for a square one they are rounding errors, which small s would
            # amplify
            if gu is not None and np.shape(u)[-2] > np.shape(u)[-1]:
                ga = ga + ((gu - u @ ju) / sj) @ vt
            if gvt is not None and np.shape(vt)[-1] > np.shape(vt)[-2]:
                ga = ga + (u / sj) @ (gvt - (gvt @ np.swapaxes(vt, -1, -2)) @ vt)
    else:
        u, s, vt = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        ga = (u * g[..., None, :]) @ vt
    if hermitian:
        return np.tril(ga) + np.tril(np.swapaxes(ga, -1, -2), -1)
    return ga


@jvp_rule(np.linalg.svd, n_outs=_svd_outputs)
def _(da, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    d = da
    if hermitian:
        d = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    if compute_uv:
        u, s, vt = ans
    else:
        u, s, vt = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    v = np.swapaxes(vt, -1, -2)
    k = np.shape(s)[-1]
    eye = eye_like(s)
    if compute_uv and full_matrices:   # ds needs only the first k columns of U and V
        p = np.swapaxes(u[..., :, :k], -1, -2) @ d @ v[..., :, :k]
    else:
        p = np.swapaxes(u, -1, -2) @ d @ v                 # U^T dA V
    ds = np.sum(p * eye, axis=-1)
    if not compute_uv:
        return ds
    if full_matrices:
        ok = np.shape(u)[-1] == np.shape(vt)[-2]
        message = "sourcead differentiates u and vt of np.linalg.svd of square matrices, " \
            "and of others with full_matrices=False (a full u or vt has columns that the " \
            "matrix does not determine)"
        u = checked(u, ok, message)   # where du or dvt is used
        v = checked(v, ok, message)
    sj = s[..., None, :]
    si = s[..., :, None]
    f = (1.0 - eye) / ((sj - si) * (sj + si) + eye)
    pt = np.swapaxes(p, -1, -2)
    du = u @ (f * (p * sj + si * pt))
    dv = v @ (f * (si * p + pt * sj))
    if np.shape(u)[-2] > np.shape(u)[-1]:                  # tall: (I - U U^T) dA V S^-1
        du = du + (d @ v - u @ p) / sj
    if np.shape(v)[-2] > np.shape(v)[-1]:                  # wide: (I - V V^T) dA^T U S^-1
        dv = dv + (np.swapaxes(d, -1, -2) @ u - v @ pt) / sj
    return du, ds, np.swapaxes(dv, -1, -2)


# --- pseudo-inverse and least squares ----------------------------------------------

@vjp_rule(np.linalg.pinv)
def _(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    """P = A^+ where the rank of A is locally constant (full rank, or a rank that the
    cutoff rcond/rtol keeps fixed): dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T
    P^T P (Golub and Pereyra). A's cotangent is -P^T g P^T + (I - A P) g^T P P^T +
    P^T P g^T (I - P A). With hermitian=True NumPy reads A's lower triangle."""
    p = ans
    if hermitian:
        a = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
    pt = np.swapaxes(p, -1, -2)
    gt = np.swapaxes(g, -1, -2)
    ga = -(pt @ g @ pt) + (gt - a @ (p @ gt)) @ (p @ pt) + (pt @ p) @ (gt - (gt @ p) @ a)
    if hermitian:
        return np.tril(ga) + np.tril(np.swapaxes(ga, -1, -2), -1)
    return ga


@jvp_rule(np.linalg.pinv)
def _(da, ans, a, rcond=None, hermitian=False, *, rtol=None):
    p = ans
    d = da
    if hermitian:
        a = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
        d = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    pt = np.swapaxes(p, -1, -2)
    dt = np.swapaxes(d, -1, -2)
    return -(p @ d @ p) + (p @ pt) @ (dt - (dt @ a) @ p) + (dt - p @ (a @ dt)) @ (pt @ p)


@vjp_rule(np.linalg.lstsq, n_outs=4, zeros_as_none=True)
def _(gx, gres, grank, gs, ans, a, b, rcond=None):
    """(x, residuals, rank, s) for a 2-D A and b a vector or a matrix. x = A^+ b, the
    minimum-norm least-squares solution, differentiated where the rank of A (as the
    cutoff rcond counts it) is locally constant: full column rank, full row rank, or a
    rank-deficient A that stays so (a product of thin factors). There, with r = b - A x,
    dx = A^+ (db - dA x) + A^+ A^+^T dA^T r + (I - A^+ A) dA^T A^+^T x; every A^+ y is
    computed by lstsq, never as an inverse. At a rank-deficient A whose perturbations
    raise the rank, x jumps; these formulas are the derivative along perturbations that
    keep the rank. The residuals |r|^2 (returned only for full column rank and more rows
    than columns, where A^T r = 0) have d|r|^2 = 2 r^T (db - dA x); the singular values s
    are differentiated as svd's; the rank has no derivative."""
    x, res, rank, s = ans
    vector = np.ndim(b) == 1
    xc = as_columns(x, vector)
    r = as_columns(b, vector) - a @ xc
    u, s2, vt = np.linalg.svd(a, full_matrices=False)
    if gx is None and gres is None:     # the singular values alone
        return (u * gs) @ vt, None
    if gx is not None:
        gxc = as_columns(gx, vector)
        at = np.transpose(a)
        gbc = np.linalg.lstsq(at, gxc, rcond=rcond)[0]              # A^+^T gx
        pgb = np.linalg.lstsq(a, gbc, rcond=rcond)[0]               # A^+ A^+^T gx
        ptx = np.linalg.lstsq(at, xc, rcond=rcond)[0]               # A^+^T x
        free = gxc - np.linalg.lstsq(a, a @ gxc, rcond=rcond)[0]    # (I - A^+ A) gx
        if gres is not None:                                        # from the residuals
            gbc = gbc + 2.0 * r * when_nonempty(gres, res, 0.0)
        ga = r @ np.transpose(pgb) + ptx @ np.transpose(free) - gbc @ np.transpose(xc)
    else:
        gbc = 2.0 * r * when_nonempty(gres, res, 0.0)
        ga = -(gbc @ np.transpose(xc))
    if gs is not None:
        ga = ga + (u * gs) @ vt
    return ga, from_columns(gbc, vector)


@jvp_rule(np.linalg.lstsq, n_outs=4)
def _(da, db, ans, a, b, rcond=None):
    x, res, rank, s = ans
    vector = np.ndim(b) == 1
    xc = as_columns(x, vector)
    dbc = as_columns(db, vector)
    at = np.transpose(a)
    dat = np.transpose(da)
    r = as_columns(b, vector) - a @ xc
    z = dat @ np.linalg.lstsq(at, xc, rcond=rcond)[0]               # dA^T A^+^T x
    ptr = np.linalg.lstsq(at, dat @ r, rcond=rcond)[0]              # A^+^T dA^T r
    dx = np.linalg.lstsq(a, dbc - da @ xc + ptr - a @ z, rcond=rcond)[0] + z
    dres = when_nonempty(2.0 * np.sum(r * (dbc - da @ xc), axis=0), res, 0.0 * res)
    u, s2, vt = np.linalg.svd(a, full_matrices=False)
    ds = np.sum(u * (da @ np.transpose(vt)), axis=-2)
    return from_columns(dx, vector), dres, None, ds
