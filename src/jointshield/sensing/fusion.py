"""Track fusion: covariance intersection, information fusion, delayed tracks."""

from __future__ import annotations

import math
from typing import Final, Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.sensing.network import PredictFn

# Golden-section iterations for ω: the bracket shrinks by 0.618 each, so 60
# leave it ~3e-13 wide, below what the flat minimum of a criterion resolves.
_GOLDEN_ITERATIONS: Final = 60
_INV_PHI: Final = (math.sqrt(5.0) - 1.0) / 2.0


# --------------------------------------------------------------------------- fusion


def _estimates(
    xa: ArrayLike, Pa: ArrayLike, xb: ArrayLike, Pb: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Broadcast two estimates to one batch shape and check their dimensions."""
    xa_, Pa_, xb_, Pb_ = (np.asarray(v, dtype=float) for v in (xa, Pa, xb, Pb))
    d = xa_.shape[-1]
    for name, x, P in (("a", xa_, Pa_), ("b", xb_, Pb_)):
        if x.shape[-1] != d or P.shape[-2:] != (d, d):
            raise JointshieldError(
                f"estimate {name}: expected x of shape (..., {d}) and P of shape "
                f"(..., {d}, {d}), got {x.shape} and {P.shape}"
            )
    batch = np.broadcast_shapes(xa_.shape[:-1], Pa_.shape[:-2], xb_.shape[:-1], Pb_.shape[:-2])
    return (
        np.broadcast_to(xa_, (*batch, d)),
        np.broadcast_to(Pa_, (*batch, d, d)),
        np.broadcast_to(xb_, (*batch, d)),
        np.broadcast_to(Pb_, (*batch, d, d)),
    )


def _sym(P: FloatArray) -> FloatArray:
    """Symmetric part: removes the asymmetry rounding leaves in a covariance."""
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def _matvec(M: FloatArray, v: FloatArray) -> FloatArray:
    return cast(FloatArray, np.einsum("...ij,...j->...i", M, v))


def covariance_intersection(
    xa: ArrayLike,
    Pa: ArrayLike,
    xb: ArrayLike,
    Pb: ArrayLike,
    criterion: Literal["trace", "det"] = "trace",
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fuse two estimates whose errors have an unknown cross-correlation.

    Covariance intersection (Julier & Uhlmann 1997)::

        P⁻¹ = ω Pa⁻¹ + (1 − ω) Pb⁻¹
        x   = P (ω Pa⁻¹ xa + (1 − ω) Pb⁻¹ xb)

    with ω in [0, 1] chosen per estimate to minimise the trace (or the
    determinant) of ``P``. For every ω, and whatever the cross-covariance of
    the two errors, ``P`` bounds the actual error covariance of ``x`` if
    ``Pa`` and ``Pb`` bound theirs: the fused estimate is never
    overconfident. The price is that it is looser than
    :func:`information_fusion`, and never tighter than the better input
    would be with ω at 0 or 1.

    Parameters
    ----------
    xa, xb : array_like, shape (..., d)
        The two estimates.
    Pa, Pb : array_like, shape (..., d, d)
        Their covariances, symmetric positive definite.
    criterion : {'trace', 'det'}
        What ω minimises: the trace of ``P`` (the mean squared error) or its
        determinant (the volume of the uncertainty ellipsoid).

    Returns
    -------
    x : ndarray, shape (..., d)
    P : ndarray, shape (..., d, d)
    omega : ndarray, shape (...)
        The weight of estimate ``a``.

    Notes
    -----
    Both criteria are convex in ω (the trace of the inverse, and minus the
    log-determinant, of a matrix affine in ω), so a golden-section search,
    run on the whole batch at once, finds the minimum; the end points 0 and
    1 are compared with it so that a dominating input is returned exactly.
    """
    if criterion not in ("trace", "det"):
        raise UnknownNameError("fusion criterion", str(criterion), ("det", "trace"))
    xa_, Pa_, xb_, Pb_ = _estimates(xa, Pa, xb, Pb)
    Ia = _sym(np.asarray(np.linalg.inv(Pa_), dtype=float))
    Ib = _sym(np.asarray(np.linalg.inv(Pb_), dtype=float))
    delta = Ia - Ib
    batch = xa_.shape[:-1]

    # One eigendecomposition per pair makes the criterion a sum of d scalar terms:
    # with Ib = L Lᵀ and L⁻¹ Δ L⁻ᵀ = V diag(λ) Vᵀ, Ib + ωΔ = L V diag(1 + ωλ) Vᵀ Lᵀ, so
    # tr (Ib + ωΔ)⁻¹ = Σ_k w_k / (1 + ωλ_k) with w_k = ‖(L⁻ᵀ V)_{:,k}‖², and
    # −log det (Ib + ωΔ) = −log det Ib − Σ_k log(1 + ωλ_k). The constant term does not
    # move the minimum and is dropped. Each golden step then costs O(d) per pair, not
    # a batched inverse (which made fusing a few hundred threats take seconds).
    L = np.linalg.cholesky(Ib)
    eye = np.broadcast_to(np.eye(Ib.shape[-1]), Ib.shape)
    L_inv = np.linalg.solve(L, eye)
    lam, V = np.linalg.eigh(_sym(L_inv @ delta @ np.swapaxes(L_inv, -1, -2)))
    weight = np.sum((np.swapaxes(L_inv, -1, -2) @ V) ** 2, axis=-2)

    def cost(omega: FloatArray) -> FloatArray:
        # (1 − ω) Ib + ω Ia is positive definite on [0, 1], so every 1 + ωλ_k > 0.
        scale = 1.0 + omega[..., None] * lam
        if criterion == "trace":
            return cast(FloatArray, np.sum(weight / scale, axis=-1))
        return cast(FloatArray, -np.sum(np.log(scale), axis=-1))

    lo = np.zeros(batch)
    hi = np.ones(batch)
    c = hi - _INV_PHI * (hi - lo)
    d = lo + _INV_PHI * (hi - lo)
    fc, fd = cost(c), cost(d)
    for _ in range(_GOLDEN_ITERATIONS):
        left = fc <= fd  # the minimum lies in [lo, d]: d becomes hi, c becomes d
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new = np.where(left, hi - _INV_PHI * (hi - lo), lo + _INV_PHI * (hi - lo))
        f_new = cost(new)
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, f_new, fd),
            np.where(left, fc, f_new),
        )
    # End points first, so that a tie (a dominating input) returns that input exactly.
    candidates = np.stack([np.zeros(batch), np.ones(batch), np.where(fc <= fd, c, d)])
    values = np.stack([cost(candidates[0]), cost(candidates[1]), np.minimum(fc, fd)])
    omega = np.take_along_axis(candidates, np.argmin(values, axis=0)[None], axis=0)[0]

    w = omega[..., None, None]
    P = _sym(np.linalg.inv(Ib + w * delta))
    x = _matvec(
        P, omega[..., None] * _matvec(Ia, xa_) + (1.0 - omega[..., None]) * _matvec(Ib, xb_)
    )
    # At the end points the input itself, not its inverse inverted.
    P = np.where(w == 1.0, Pa_, np.where(w == 0.0, Pb_, P))
    x = np.where(omega[..., None] == 1.0, xa_, np.where(omega[..., None] == 0.0, xb_, x))
    return x, P, omega


def information_fusion(
    xa: ArrayLike, Pa: ArrayLike, xb: ArrayLike, Pb: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Fuse two estimates whose errors are independent (the naive information sum).

    ``P⁻¹ = Pa⁻¹ + Pb⁻¹`` and ``x = P (Pa⁻¹ xa + Pb⁻¹ xb)``, computed in the
    equivalent Kalman-gain form ``K = Pa (Pa + Pb)⁻¹``, ``x = xa + K (xb −
    xa)``, ``P = Pa − K Pa``, which is the Kalman update of the estimate
    ``a`` with ``b`` as a measurement of the whole state (BLK 2001, ch. 5;
    information form ch. 7) and needs no inverse of ``Pa`` or ``Pb``.

    When it applies: the errors of ``a`` and ``b`` are independent, as for a
    track and a new measurement, or for estimates from disjoint data with no
    common prior of a quantity without process noise. Then it is optimal.

    When it does not: two radars' own tracks of the same threat have
    independent measurement noise but share the target's process noise
    (manoeuvres, model error), so their errors are correlated (Bar-Shalom
    1981; Bar-Shalom & Campo 1986); so are tracks that already contain data
    exchanged earlier, or the fusion centre's output fed back. Used there,
    this rule counts common information twice and returns a covariance
    smaller than the actual error: it is overconfident. Use
    :func:`covariance_intersection` instead.

    Parameters
    ----------
    xa, xb : array_like, shape (..., d)
    Pa, Pb : array_like, shape (..., d, d)

    Returns
    -------
    x : ndarray, shape (..., d)
    P : ndarray, shape (..., d, d)
    """
    xa_, Pa_, xb_, Pb_ = _estimates(xa, Pa, xb, Pb)
    # K = Pa S⁻¹ with S symmetric, so K = (S⁻¹ Pa)ᵀ = solve(S, Pa)ᵀ.
    gain = np.swapaxes(np.linalg.solve(Pa_ + Pb_, Pa_), -1, -2)
    x = xa_ + _matvec(gain, xb_ - xa_)
    P = _sym(Pa_ - gain @ Pa_)
    return x, P


def fuse_delayed(
    x_local: ArrayLike,
    P_local: ArrayLike,
    t_local_s: ArrayLike,
    x_remote: ArrayLike,
    P_remote: ArrayLike,
    t_remote_s: ArrayLike,
    predict: PredictFn,
    criterion: Literal["trace", "det"] = "trace",
) -> tuple[FloatArray, FloatArray]:
    """Fuse a remote track with the local one at a common time, by covariance intersection.

    A remote track is valid at its measurement time ``t_remote_s`` and
    arrives later. Fusing it as if it were current would mix the threat's
    position of then with that of now (a bias of speed × delay); instead the
    older of the two estimates is first propagated to the time of the newer
    one with ``predict`` (usually the remote to the local time; the local
    one when the remote track is newer), then they are fused by
    :func:`covariance_intersection`. The result is valid at
    ``max(t_local_s, t_remote_s)``.

    Parameters
    ----------
    x_local, x_remote : array_like, shape (..., d)
    P_local, P_remote : array_like, shape (..., d, d)
    t_local_s, t_remote_s : array_like, shape (...)
        Times the estimates are valid at, s.
    predict : callable
        ``predict(x, P, dt_s) -> (x, P)``, propagating estimates of shape
        ``(..., d)``, ``(..., d, d)`` by ``dt_s`` of shape ``(...)`` (>= 0),
        e.g. a constant-velocity model with its process noise. Called once
        for each side on the whole batch; where ``dt_s`` is 0 its result is
        not used.
    criterion : {'trace', 'det'}
        Passed to :func:`covariance_intersection`.

    Returns
    -------
    x : ndarray, shape (..., d)
    P : ndarray, shape (..., d, d)
    """
    xl, Pl, xr, Pr = _estimates(x_local, P_local, x_remote, P_remote)
    batch = xl.shape[:-1]
    dt_s = np.broadcast_to(
        np.asarray(t_local_s, dtype=float) - np.asarray(t_remote_s, dtype=float), batch
    )
    dt_remote_s = np.maximum(dt_s, 0.0)
    dt_local_s = np.maximum(-dt_s, 0.0)
    xr_p, Pr_p = predict(xr, Pr, dt_remote_s)
    xl_p, Pl_p = predict(xl, Pl, dt_local_s)
    xr = np.where((dt_remote_s > 0.0)[..., None], xr_p, xr)
    Pr = np.where((dt_remote_s > 0.0)[..., None, None], Pr_p, Pr)
    xl = np.where((dt_local_s > 0.0)[..., None], xl_p, xl)
    Pl = np.where((dt_local_s > 0.0)[..., None, None], Pl_p, Pl)
    x, P, _ = covariance_intersection(xl, Pl, xr, Pr, criterion)
    return x, P


def fuse_many(
    xs: ArrayLike,
    Ps: ArrayLike,
    valid: ArrayLike,
    criterion: Literal["trace", "det"] = "trace",
) -> tuple[FloatArray, FloatArray]:
    """Fuse several estimates of each threat by sequential covariance intersection.

    Members are taken in order along axis 0; each valid one is fused with
    the result so far by :func:`covariance_intersection`. Each step is
    consistent whatever the correlations, so the result is too; it depends
    on the order and is looser than a simultaneous many-weight intersection.

    Parameters
    ----------
    xs : array_like, shape (m, ..., d)
    Ps : array_like, shape (m, ..., d, d)
    valid : array_like of bool, shape (m, ...)
        Which members hold an estimate; the others may hold anything (NaN).
    criterion : {'trace', 'det'}
        Passed to :func:`covariance_intersection`.

    Returns
    -------
    x : ndarray, shape (..., d)
    P : ndarray, shape (..., d, d)
        NaN where no member is valid.
    """
    xs_ = np.asarray(xs, dtype=float)
    Ps_ = np.asarray(Ps, dtype=float)
    ok = np.asarray(valid, dtype=bool)
    m, d = xs_.shape[0], xs_.shape[-1]
    batch = np.broadcast_shapes(xs_.shape[1:-1], Ps_.shape[1:-2], ok.shape[1:])
    xs_ = np.broadcast_to(xs_, (m, *batch, d))
    Ps_ = np.broadcast_to(Ps_, (m, *batch, d, d))
    ok = np.broadcast_to(ok, (m, *batch))
    eye = np.broadcast_to(np.eye(d), (*batch, d, d))
    x = np.zeros((*batch, d))
    P = np.array(eye)
    have = np.zeros(batch, dtype=bool)
    for i in range(m):
        # Invalid members and empty results are replaced by a harmless unit
        # estimate before fusing, so NaN placeholders never reach the algebra.
        xi = np.where(ok[i][..., None], xs_[i], 0.0)
        Pi = np.where(ok[i][..., None, None], Ps_[i], eye)
        both = have & ok[i]
        xf, Pf, _ = covariance_intersection(
            np.where(both[..., None], x, 0.0),
            np.where(both[..., None, None], P, eye),
            xi,
            Pi,
            criterion,
        )
        first = ok[i] & ~have
        x = np.where(both[..., None], xf, np.where(first[..., None], xi, x))
        P = np.where(both[..., None, None], Pf, np.where(first[..., None, None], Pi, P))
        have |= ok[i]
    x = np.where(have[..., None], x, np.nan)
    P = np.where(have[..., None, None], P, np.nan)
    return x, P
