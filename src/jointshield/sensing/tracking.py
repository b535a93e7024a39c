"""Extended Kalman filter tracking of ballistic targets by one radar, in batches.

The filter answers the question the rest of jointshield asks of a sensor:
from which moment is a threat tracked well enough to cue or to fire on, and
how well is its impact point known then? It is written for batches: many
threats seen by one radar, and many Monte Carlo trials of the same scenario.
The arithmetic is scalar code compiled by numba
(:func:`jointshield.compiled.njit`), one threat after the other, its
vectors and 6x6 matrices written out: a threat's result is the same bytes
whatever batch it is in, and no NumPy call is made per look.

Model
-----
* **State**: ECEF position and velocity ``x = (r, v)``, m and m/s, the
  velocity relative to the rotating Earth; shape ``(..., 6)``, covariance
  ``(..., 6, 6)``.
* **Dynamics**: ballistic flight in vacuum in the rotating frame,
  ``ṙ = v``, ``v̇ = g(r) - 2 ω × v - ω × (ω × r)``, with point-mass gravity
  ``g = -μ r / |r|³`` (the J2 term on request) and ``ω`` the Earth's rotation
  about z. No thrust and no drag: the filter is meant for the post-boost
  ballistic phase, and what the model leaves out (drag on re-entry, a
  thrusting or manoeuvring body) is what the process noise stands for.
* **Prediction** over ``Δt``: classical fourth-order Runge-Kutta in equal
  sub-steps of at most :data:`MAX_STEP_S`, of the state together with the
  state-transition matrix ``Φ`` from the variational equations
  ``dΦ/dt = A(x) Φ``, ``A`` the analytic Jacobian of the dynamics (gravity
  gradient, centrifugal and Coriolis blocks). Integrating both with the same
  Runge-Kutta steps makes ``Φ`` the exact derivative of the discrete
  propagation, not only of the continuous one. Process noise: continuous
  white acceleration of spectral density ``q`` (m²/s³) on each axis,
  ``Q = q [[Δt³/3 I, Δt²/2 I], [Δt²/2 I, Δt I]]`` (Bar-Shalom, Li and
  Kirubarajan 2001, §6.2).
* **Measurement**: slant range, azimuth (clockwise from north) and
  elevation from the radar site, computed in its local east-north-up frame;
  analytic Jacobian ``H``; ``R = diag(σ_r², σ_az², σ_el²)``. The azimuth
  innovation is wrapped to ``(-π, π]``. Range rate is not measured.
* **Update**: the extended Kalman filter (Bar-Shalom et al. 2001, ch. 10),
  with the covariance in Joseph form ``(I - KH) P (I - KH)ᵀ + K R Kᵀ``, which
  stays symmetric and positive definite under rounding (ch. 5); the
  normalised innovation squared ``νᵀ S⁻¹ ν`` comes with each update (§5.4.2).
* **Initiation**: from one detection. The position is the measurement
  converted to ECEF, with its covariance mapped through the Jacobian of the
  range-azimuth-elevation → ECEF map; the velocity is a guess (zero unless
  given) with a large isotropic covariance, so that the second detection
  makes the velocity by, in effect, differencing two positions. This was
  chosen over two-point differencing (Bar-Shalom et al. 2001, ch. 5)
  because it handles a missed second look, needs no second measurement to
  start, and gives the same track once the prior velocity variance is large
  against the position variance over the look interval squared. The bias
  of converted measurements (of order ``ρ σ_angle² / 2``: half a metre at
  1,000 km and 1 mrad, against a kilometre of cross-range noise) is
  neglected.

Covariance analysis and Monte Carlo
-----------------------------------
In a scenario the deterministic part of tracking (the filter's covariance
and gains along the threat's true trajectory) does not depend on the noise
of a Monte Carlo trial. :func:`covariance_history` computes it once,
linearised about the truth (a covariance analysis); the Monte Carlo reads
the covariances (when a track reaches fire-control quality, its error at
a hand-over) and draws only which looks detect. :func:`run_filter` is the
full non-linear EKF on actual measurements, the reference that the
covariance analysis is checked against (NEES and NIS consistency).

Sources
-------
* Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to
  Tracking and Navigation*, Wiley, 2001: ch. 5 (Kalman filter, Joseph form,
  initialisation), §5.4.2 (consistency: NEES and NIS with their chi-square
  tests), §6.2 (continuous white-noise acceleration model), ch. 10
  (extended Kalman filter).
* P. Zarchan, H. Musoff, *Fundamentals of Kalman Filtering: A Practical
  Approach*, AIAA, 2000 (4th ed. 2015): extended Kalman filters for radar
  tracking of ballistic targets, process noise as a remedy for model
  mismatch.
* R. R. Bate, D. D. Mueller, J. E. White, *Fundamentals of Astrodynamics*,
  Dover, 1971, ch. 4 and 6: the two-body propagation of the impact
  prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import BoolArray, FloatArray, IntArray, as_f64
from jointshield.compiled import njit
from jointshield.errors import JointshieldError
from jointshield.physics.ballistics import kepler_propagate, time_to_radius_s
from jointshield.physics.geo import (
    J2_EARTH,
    MU_EARTH_M3_S2,
    OMEGA_EARTH_RAD_S,
    WGS84,
    ecef_to_geodetic,
    enu_basis,
    geodetic_to_ecef,
)

MAX_STEP_S: Final = 5.0
"""Longest Runge-Kutta sub-step of a prediction, s.

At 5 s the fourth-order error on a ballistic arc (orbital rate ~1.2e-3 rad/s)
is below a millimetre over a whole flight, far below any radar's noise.
"""

_OMEGA: Final = OMEGA_EARTH_RAD_S
_OMEGA2: Final = OMEGA_EARTH_RAD_S * OMEGA_EARTH_RAD_S
_TWO_OMEGA: Final = 2.0 * OMEGA_EARTH_RAD_S
# 1.5 J2 a², the factor of the J2 acceleration (Vallado 2013, eq. 8-30).
_J2_FACTOR_M2: Final = 1.5 * J2_EARTH * WGS84.a_m * WGS84.a_m
_TWO_PI: Final = 2.0 * math.pi
# Finite-difference steps of the impact-point linearisation: large enough
# that the Kepler solver's rounding (a few 1e-8 m) is negligible against
# them, small enough that the map is linear over them (it bends over km).
_FD_POSITION_M: Final = 10.0
_FD_VELOCITY_MPS: Final = 1e-2
# Fixed-point passes of the impact prediction: each one cuts the error of
# the target radius by a factor of order 1e-2 (the ellipsoid's radius varies
# by 21 km from equator to pole), so six reach rounding.
_IMPACT_PASSES: Final = 6
_ORTHONORMAL_TOL: Final = 1e-9


# --------------------------------------------------------------------------- input checks


def _states(x: ArrayLike, name: str = "x") -> FloatArray:
    """Return states as float64 with the (..., 6) shape checked."""
    arr = as_f64(x)
    if arr.ndim < 1 or arr.shape[-1] != 6:
        raise JointshieldError(
            f"{name}: expected ECEF states of shape (..., 6), got shape {arr.shape}"
        )
    return arr


def _covariances(p: ArrayLike, lead: tuple[int, ...], name: str = "P") -> FloatArray:
    """Return covariances as float64, checked to be (..., 6, 6) matching the states."""
    arr = as_f64(p)
    if arr.shape != (*lead, 6, 6):
        raise JointshieldError(
            f"{name}: expected covariances of shape {(*lead, 6, 6)}, got shape {arr.shape}"
        )
    return arr


def _measurements(z: ArrayLike, lead: tuple[int, ...], name: str = "z") -> FloatArray:
    """Return measurements as float64, checked to be (..., 3) matching the states."""
    arr = as_f64(z)
    if arr.shape != (*lead, 3):
        raise JointshieldError(
            f"{name}: expected (range_m, az_rad, el_rad) of shape {(*lead, 3)}, "
            f"got shape {arr.shape}"
        )
    return arr


def _mt(a: FloatArray) -> FloatArray:
    """Transpose the last two axes of a batch of matrices."""
    return np.swapaxes(a, -1, -2)


def _symmetrise(p: FloatArray) -> FloatArray:
    """Average a batch of matrices with its transpose: removes the rounding asymmetry."""
    out: FloatArray = 0.5 * (p + _mt(p))
    return out


# --------------------------------------------------------------------------- the radar


@dataclass(frozen=True, eq=False)
class RadarFrame:
    """Where a radar stands and how precisely it measures, as the filter needs it.

    Parameters
    ----------
    site_ecef_m : numpy.ndarray
        ECEF position of the antenna, m, shape (3,).
    enu_rotation : numpy.ndarray
        Rotation from ECEF to the site's local frame, shape (3, 3), rows the
        east, north and up unit vectors in ECEF (as
        :func:`jointshield.geo.enu_basis` gives them).
    sigma : numpy.ndarray
        Standard deviations of the measurement noise, shape (3,): range (m),
        azimuth (rad), elevation (rad); white, Gaussian, independent.

    Raises
    ------
    JointshieldError
        If a shape is wrong, the rotation is not orthonormal or a standard
        deviation is not a positive finite number.
    """

    site_ecef_m: FloatArray
    enu_rotation: FloatArray
    sigma: FloatArray

    def __post_init__(self) -> None:
        site = as_f64(self.site_ecef_m)
        rot = as_f64(self.enu_rotation)
        sigma = as_f64(self.sigma)
        if site.shape != (3,) or not np.all(np.isfinite(site)):
            raise JointshieldError(
                f"RadarFrame.site_ecef_m: expected 3 finite ECEF coordinates in m, got {site!r}"
            )
        if rot.shape != (3, 3) or not np.allclose(
            rot @ rot.T, np.eye(3), rtol=0.0, atol=_ORTHONORMAL_TOL
        ):
            raise JointshieldError(
                "RadarFrame.enu_rotation: expected an orthonormal 3x3 matrix with rows "
                f"east, north, up; got {rot!r}"
            )
        if sigma.shape != (3,) or not np.all(np.isfinite(sigma) & (sigma > 0.0)):
            raise JointshieldError(
                "RadarFrame.sigma: expected three positive standard deviations "
                f"(range m, azimuth rad, elevation rad), got {sigma!r}"
            )
        # Frozen: store the checked float64 copies through object.__setattr__.
        object.__setattr__(self, "site_ecef_m", site)
        object.__setattr__(self, "enu_rotation", rot)
        object.__setattr__(self, "sigma", sigma)

    @classmethod
    def at(
        cls,
        lat_rad: float,
        lon_rad: float,
        alt_m: float,
        sigma_range_m: float,
        sigma_az_rad: float,
        sigma_el_rad: float,
    ) -> RadarFrame:
        """Return the frame of a radar at a geodetic position (WGS-84).

        Parameters
        ----------
        lat_rad, lon_rad : float
            Geodetic latitude and longitude of the antenna, rad.
        alt_m : float
            Height of the antenna above the ellipsoid, m.
        sigma_range_m : float
            Range noise standard deviation, m.
        sigma_az_rad, sigma_el_rad : float
            Azimuth and elevation noise standard deviations, rad.

        Returns
        -------
        RadarFrame
            Site, local rotation and noise of the radar.
        """
        return cls(
            site_ecef_m=geodetic_to_ecef(lat_rad, lon_rad, alt_m),
            enu_rotation=enu_basis(lat_rad, lon_rad),
            sigma=np.array([sigma_range_m, sigma_az_rad, sigma_el_rad], dtype=np.float64),
        )

    @property
    def noise_covariance(self) -> FloatArray:
        """Measurement noise covariance ``R = diag(σ_r², σ_az², σ_el²)``, shape (3, 3)."""
        out: FloatArray = np.diag(self.sigma * self.sigma)
        return out


# --------------------------------------------------------------------------- kernels
#
# The arithmetic of the filter is written once, as scalar code compiled by
# numba (:func:`jointshield.compiled.njit`): each threat in turn, its 3- and
# 6-vectors and 6x6 matrices as small arrays, every sum taken in index order.
# A row's result therefore does not depend on the batch it is in, bit for
# bit. The helpers below write into arrays their caller owns (the kernels
# allocate their scratch once per call, not once per threat); the public
# functions further down check their input, lay it out as contiguous
# float64 rows and call one kernel.


@njit
def _acceleration(r: FloatArray, v: FloatArray, earth_j2: bool, out: FloatArray) -> None:
    """``v̇ = g(r) + Ω² (x, y, 0) - 2 ω × v`` into ``out`` (3,), m/s²."""
    x, y, z = r[0], r[1], r[2]
    r2 = x * x + y * y + z * z
    k = -MU_EARTH_M3_S2 / (r2 * math.sqrt(r2))
    if earth_j2:
        # g_i = -μ x_i / r³ (1 + s (c_i - 5 z²/r²)), s = 1.5 J2 a²/r², c = (1, 1, 3):
        # the form of jointshield.flight, from Vallado (2013), eq. 8-30.
        s = _J2_FACTOR_M2 / r2
        z2r2 = 5.0 * z * z / r2
        kxy = k * (1.0 + s * (1.0 - z2r2))
        gx, gy, gz = kxy * x, kxy * y, k * (1.0 + s * (3.0 - z2r2)) * z
    else:
        gx, gy, gz = k * x, k * y, k * z
    # -2 ω × v = (2Ω v_y, -2Ω v_x, 0); -ω × (ω × r) = Ω² (x, y, 0).
    out[0] = gx + _OMEGA2 * x + _TWO_OMEGA * v[1]
    out[1] = gy + _OMEGA2 * y - _TWO_OMEGA * v[0]
    out[2] = gz


@njit
def _acceleration_gradient(r: FloatArray, earth_j2: bool, out: FloatArray) -> None:
    """``∂v̇/∂r`` (3, 3) into ``out``: gravity gradient plus the centrifugal Ω² diag(1, 1, 0).

    Point mass: ``-μ/r³ (I - 3 r̂ r̂ᵀ)``. With J2, writing
    ``g_i = -μ x_i F_i`` with ``F = r⁻³ + c r⁻⁵ - 5 c z² r⁻⁷`` for x and y and
    ``r⁻³ + 3c r⁻⁵ - 5 c z² r⁻⁷`` for z (``c = 1.5 J2 a²``), the gradient is
    ``-μ (δ_ij F_i + x_i (α_i x_j + β δ_jz))``, where ``α_i x_j`` is the part of
    ``∂F_i/∂x_j`` that comes through ``r`` and ``β = -10 c z r⁻⁷`` the part
    through the explicit ``z²``.
    """
    x, y, z = r[0], r[1], r[2]
    r2 = x * x + y * y + z * z
    inv_r2 = 1.0 / r2
    inv_r3 = inv_r2 / math.sqrt(r2)
    inv_r5 = inv_r3 * inv_r2
    if earth_j2:
        c = _J2_FACTOR_M2
        inv_r7 = inv_r5 * inv_r2
        z2 = z * z
        f_xy = inv_r3 + c * inv_r5 - 5.0 * c * z2 * inv_r7
        f_z = inv_r3 + 3.0 * c * inv_r5 - 5.0 * c * z2 * inv_r7
        common = -3.0 * inv_r5 + 35.0 * c * z2 * inv_r7 * inv_r2
        a_xy = common - 5.0 * c * inv_r7
        a_z = common - 15.0 * c * inv_r7
        beta = -10.0 * c * z * inv_r7
        for i in range(3):
            alpha = a_z if i == 2 else a_xy
            for j in range(3):
                out[i, j] = alpha * (r[i] * r[j])
            out[i, 2] += beta * r[i]
            out[i, i] += f_z if i == 2 else f_xy
            for j in range(3):
                out[i, j] *= -MU_EARTH_M3_S2
    else:
        # μ (3 r rᵀ / r⁵ - I / r³).
        k3 = 3.0 * MU_EARTH_M3_S2 * inv_r5
        for i in range(3):
            for j in range(3):
                out[i, j] = k3 * (r[i] * r[j])
            out[i, i] -= MU_EARTH_M3_S2 * inv_r3
    out[0, 0] += _OMEGA2
    out[1, 1] += _OMEGA2


@njit
def _phi_rate(
    r: FloatArray, phi: FloatArray, earth_j2: bool, grad: FloatArray, out: FloatArray
) -> None:
    """``Φ̇ = A Φ`` (6, 6) into ``out``, at position ``r``; ``grad`` is (3, 3) scratch.

    ``A`` is applied block by block: the upper half of ``Φ̇`` is the lower
    half of ``Φ``, and the lower half ``(G + Ω² diag(1, 1, 0)) Φ_r + C Φ_v``.
    """
    for i in range(3):
        for j in range(6):
            out[i, j] = phi[i + 3, j]
    if earth_j2:
        _acceleration_gradient(r, earth_j2, grad)
        for i in range(3):
            for j in range(6):
                out[i + 3, j] = (
                    grad[i, 0] * phi[0, j] + grad[i, 1] * phi[1, j] + grad[i, 2] * phi[2, j]
                )
    else:
        # Point mass: G Φ_r = μ/r³ (3 r̂ (r̂ᵀ Φ_r) - Φ_r), a rank-one update that
        # needs neither G nor a matrix product (the hot path of the filter).
        inv_r = 1.0 / math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2])
        k = MU_EARTH_M3_S2 * inv_r * inv_r * inv_r
        u0, u1, u2 = r[0] * inv_r, r[1] * inv_r, r[2] * inv_r
        k3 = 3.0 * k
        # -μ/r³ I plus the centrifugal Ω² diag(1, 1, 0).
        d_xy = k - _OMEGA2
        for j in range(6):
            proj = u0 * phi[0, j] + u1 * phi[1, j] + u2 * phi[2, j]  # r̂ᵀ Φ_r
            out[3, j] = (k3 * u0) * proj - d_xy * phi[0, j]
            out[4, j] = (k3 * u1) * proj - d_xy * phi[1, j]
            out[5, j] = (k3 * u2) * proj - k * phi[2, j]
    for j in range(6):
        out[3, j] += _TWO_OMEGA * phi[4, j]
        out[4, j] -= _TWO_OMEGA * phi[3, j]


@njit
def _rates(
    x: FloatArray,
    phi: FloatArray,
    earth_j2: bool,
    grad: FloatArray,
    dx: FloatArray,
    dphi: FloatArray,
) -> None:
    """Time derivatives of the state (6,) and of Φ (6, 6), into ``dx`` and ``dphi``."""
    for i in range(3):
        dx[i] = x[i + 3]
    _acceleration(x[:3], x[3:], earth_j2, dx[3:])
    _phi_rate(x[:3], phi, earth_j2, grad, dphi)


@njit
def _transition_into(
    x0: FloatArray,
    dt: float,
    earth_j2: bool,
    x: FloatArray,
    phi: FloatArray,
    vec: FloatArray,
    mat: FloatArray,
) -> None:
    """Runge-Kutta propagation of one state (6,) over ``dt`` with its Φ, into ``x`` and ``phi``.

    ``ceil(dt / MAX_STEP_S)`` equal classical RK4 steps of the state and of
    the variational equations together; ``dt = 0`` takes none (the identity,
    bit for bit). ``vec`` (5, 6) and ``mat`` (6, 6, 6) are scratch: the stage
    state and its four rates, the stage Φ, its four rates and a 3x3 gradient.
    """
    for i in range(6):
        x[i] = x0[i]
        for j in range(6):
            phi[i, j] = 1.0 if i == j else 0.0
    n_steps = math.ceil(dt / MAX_STEP_S)
    if n_steps <= 0:
        return
    h = dt / n_steps
    half = 0.5 * h
    sixth = h / 6.0
    xs, d1, d2, d3, d4 = vec[0], vec[1], vec[2], vec[3], vec[4]
    ps, k1, k2, k3, k4 = mat[0], mat[1], mat[2], mat[3], mat[4]
    grad = mat[5, :3, :3]
    for _ in range(n_steps):
        _rates(x, phi, earth_j2, grad, d1, k1)
        for i in range(6):
            xs[i] = x[i] + half * d1[i]
            for j in range(6):
                ps[i, j] = phi[i, j] + half * k1[i, j]
        _rates(xs, ps, earth_j2, grad, d2, k2)
        for i in range(6):
            xs[i] = x[i] + half * d2[i]
            for j in range(6):
                ps[i, j] = phi[i, j] + half * k2[i, j]
        _rates(xs, ps, earth_j2, grad, d3, k3)
        for i in range(6):
            xs[i] = x[i] + h * d3[i]
            for j in range(6):
                ps[i, j] = phi[i, j] + h * k3[i, j]
        _rates(xs, ps, earth_j2, grad, d4, k4)
        for i in range(6):
            x[i] = x[i] + sixth * (d1[i] + 2.0 * (d2[i] + d3[i]) + d4[i])
            for j in range(6):
                phi[i, j] = phi[i, j] + sixth * (k1[i, j] + 2.0 * (k2[i, j] + k3[i, j]) + k4[i, j])


@njit
def _predict_covariance_into(
    P: FloatArray, phi: FloatArray, dt: float, q: float, tmp: FloatArray, out: FloatArray
) -> None:
    """``Φ P Φᵀ + Q(Δt)`` (6, 6), symmetrised, into ``out``; ``tmp`` (6, 6) is scratch.

    ``out`` may be ``P`` itself. ``Q`` has twelve non-zero entries, added in
    place.
    """
    for i in range(6):
        for j in range(6):
            acc = 0.0
            for m in range(6):
                acc += phi[i, m] * P[m, j]
            tmp[i, j] = acc
    for i in range(6):
        for j in range(i, 6):
            a_ij = 0.0
            a_ji = 0.0
            for m in range(6):
                a_ij += tmp[i, m] * phi[j, m]
                a_ji += tmp[j, m] * phi[i, m]
            out[i, j] = out[j, i] = 0.5 * (a_ij + a_ji)
    if q > 0.0:
        dt2 = dt * dt
        q_rr = q * dt2 * dt / 3.0
        q_rv = 0.5 * q * dt2
        q_vv = q * dt
        for i in range(3):
            out[i, i] += q_rr
            out[i, i + 3] += q_rv
            out[i + 3, i] += q_rv
            out[i + 3, i + 3] += q_vv


@njit
def _measure_into(
    x: FloatArray,
    site: FloatArray,
    rot: FloatArray,
    with_z: bool,
    z: FloatArray,
    h_pos: FloatArray,
) -> None:
    """Measurement ``h(x)`` (3,) (when ``with_z``) and its position Jacobian (3, 3) of one state.

    The velocity columns of ``H`` are zero (range rate is not measured); the
    update exploits that, so only the position block is formed.
    """
    dx, dy, dz = x[0] - site[0], x[1] - site[1], x[2] - site[2]
    # East, north, up at the radar.
    e = dx * rot[0, 0] + dy * rot[0, 1] + dz * rot[0, 2]
    n = dx * rot[1, 0] + dy * rot[1, 1] + dz * rot[1, 2]
    u = dx * rot[2, 0] + dy * rot[2, 1] + dz * rot[2, 2]
    horiz2 = e * e + n * n
    horiz = math.sqrt(horiz2)
    rng2 = horiz2 + u * u
    rng = math.sqrt(rng2)
    if with_z:
        z[0] = rng
        az = math.atan2(e, n)
        z[1] = az + _TWO_PI if az < 0.0 else az
        z[2] = math.atan2(u, horiz)
    # Derivatives with respect to the local (east, north, up) position:
    # range: d/ρ; azimuth: (n, -e, 0)/ρ_h²; elevation: (-e u, -n u, ρ_h²)/(ρ² ρ_h);
    # then the chain rule through the rotation.
    el_scale = 1.0 / (rng2 * horiz)
    r0, r1, r2 = e / rng, n / rng, u / rng
    a0, a1 = n / horiz2, -e / horiz2
    e0, e1, e2 = -e * u * el_scale, -n * u * el_scale, horiz2 * el_scale
    for j in range(3):
        h_pos[0, j] = r0 * rot[0, j] + r1 * rot[1, j] + r2 * rot[2, j]
        h_pos[1, j] = a0 * rot[0, j] + a1 * rot[1, j]
        h_pos[2, j] = e0 * rot[0, j] + e1 * rot[1, j] + e2 * rot[2, j]


@njit
def _gain_and_covariance_into(
    P: FloatArray,
    h_pos: FloatArray,
    var: FloatArray,
    K: FloatArray,
    S_inv: FloatArray,
    work: FloatArray,
    out: FloatArray,
) -> None:
    """Kalman gain ``K`` (6, 3), ``S⁻¹`` (3, 3) and the Joseph-form covariance (6, 6).

    With ``H = [H_r, 0]`` and ``M = K H_r`` (so ``K H = [M, 0]``), the Joseph
    form ``(I - KH) P (I - KH)ᵀ + K R Kᵀ`` is evaluated as
    ``A - A[:, :3] Mᵀ + K R Kᵀ`` with ``A = P - M P[:3, :]``: the same
    algebra without the products by zero blocks. ``S = H P Hᵀ + R`` is
    inverted in closed form after scaling it to unit diagonal (range
    variances in m² and angle variances in rad² differ by ten orders of
    magnitude). ``work`` (3, 6, 6) is scratch; ``out`` may be ``P``.
    """
    pht = work[0, :, :3]
    m_kh = work[0, :, 3:]
    a = work[1]
    S = work[2, :3, :3]
    d = work[2, 3, :3]
    for i in range(6):
        for b in range(3):
            pht[i, b] = P[i, 0] * h_pos[b, 0] + P[i, 1] * h_pos[b, 1] + P[i, 2] * h_pos[b, 2]
    for a_ in range(3):
        for b in range(3):
            S[a_, b] = (
                h_pos[a_, 0] * pht[0, b] + h_pos[a_, 1] * pht[1, b] + h_pos[a_, 2] * pht[2, b]
            )
        S[a_, a_] += var[a_]
    for i in range(3):
        d[i] = 1.0 / math.sqrt(S[i, i])
    c00 = S[0, 0] * (d[0] * d[0])
    c01 = S[0, 1] * (d[0] * d[1])
    c02 = S[0, 2] * (d[0] * d[2])
    c11 = S[1, 1] * (d[1] * d[1])
    c12 = S[1, 2] * (d[1] * d[2])
    c22 = S[2, 2] * (d[2] * d[2])
    i00 = c11 * c22 - c12 * c12
    i01 = c02 * c12 - c01 * c22
    i02 = c01 * c12 - c02 * c11
    i11 = c00 * c22 - c02 * c02
    i12 = c01 * c02 - c00 * c12
    i22 = c00 * c11 - c01 * c01
    det = c00 * i00 + c01 * i01 + c02 * i02
    S_inv[0, 0] = i00 * (d[0] * d[0] / det)
    S_inv[0, 1] = S_inv[1, 0] = i01 * (d[0] * d[1] / det)
    S_inv[0, 2] = S_inv[2, 0] = i02 * (d[0] * d[2] / det)
    S_inv[1, 1] = i11 * (d[1] * d[1] / det)
    S_inv[1, 2] = S_inv[2, 1] = i12 * (d[1] * d[2] / det)
    S_inv[2, 2] = i22 * (d[2] * d[2] / det)
    for i in range(6):
        for b in range(3):
            K[i, b] = pht[i, 0] * S_inv[0, b] + pht[i, 1] * S_inv[1, b] + pht[i, 2] * S_inv[2, b]
    for i in range(6):
        for b in range(3):
            m_kh[i, b] = K[i, 0] * h_pos[0, b] + K[i, 1] * h_pos[1, b] + K[i, 2] * h_pos[2, b]
    for i in range(6):
        for j in range(6):
            a[i, j] = P[i, j] - (m_kh[i, 0] * P[0, j] + m_kh[i, 1] * P[1, j] + m_kh[i, 2] * P[2, j])
    for i in range(6):
        for j in range(i + 1):
            a_ij = a[i, j] - (a[i, 0] * m_kh[j, 0] + a[i, 1] * m_kh[j, 1] + a[i, 2] * m_kh[j, 2])
            a_ji = a[j, i] - (a[j, 0] * m_kh[i, 0] + a[j, 1] * m_kh[i, 1] + a[j, 2] * m_kh[i, 2])
            a_ij += (
                K[i, 0] * var[0] * K[j, 0] + K[i, 1] * var[1] * K[j, 1] + K[i, 2] * var[2] * K[j, 2]
            )
            a_ji += (
                K[j, 0] * var[0] * K[i, 0] + K[j, 1] * var[1] * K[i, 1] + K[j, 2] * var[2] * K[i, 2]
            )
            work[2, i, j] = 0.5 * (a_ij + a_ji)
    for i in range(6):
        for j in range(i + 1):
            out[i, j] = out[j, i] = work[2, i, j]


@njit
def _kalman_update_into(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    site: FloatArray,
    rot: FloatArray,
    var: FloatArray,
    vec: FloatArray,
    mat: FloatArray,
) -> float:
    """EKF update of one state (6,) and covariance (6, 6) in place; returns the NIS.

    ``vec`` (6,) and ``mat`` (5, 6, 6) are scratch.
    """
    zhat = vec[:3]
    nu = vec[3:]
    h_pos = mat[0, :3, :3]
    S_inv = mat[0, 3:, :3]
    K = mat[1, :, :3]
    _measure_into(x, site, rot, True, zhat, h_pos)
    for i in range(3):
        nu[i] = z[i] - zhat[i]
    # Azimuth innovation wrapped into (-π, π].
    nu[1] = nu[1] - _TWO_PI * math.ceil((nu[1] - math.pi) / _TWO_PI)
    _gain_and_covariance_into(P, h_pos, var, K, S_inv, mat[2:5], P)
    for i in range(6):
        x[i] = x[i] + (K[i, 0] * nu[0] + K[i, 1] * nu[1] + K[i, 2] * nu[2])
    nis = 0.0
    for i in range(3):
        nis += nu[i] * (S_inv[i, 0] * nu[0] + S_inv[i, 1] * nu[1] + S_inv[i, 2] * nu[2])
    return nis


@njit
def _derivative_kernel(x: FloatArray, earth_j2: bool) -> FloatArray:
    """:func:`ballistic_derivative` of rows (m, 6)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        for j in range(3):
            out[i, j] = x[i, j + 3]
        _acceleration(x[i, :3], x[i, 3:], earth_j2, out[i, 3:])
    return out


@njit
def _jacobian_kernel(x: FloatArray, earth_j2: bool) -> FloatArray:
    """:func:`dynamics_jacobian` of rows (m, 6)."""
    out = np.zeros((x.shape[0], 6, 6))
    for i in range(x.shape[0]):
        for j in range(3):
            out[i, j, j + 3] = 1.0
        _acceleration_gradient(x[i, :3], earth_j2, out[i, 3:, :3])
        out[i, 3, 4] = _TWO_OMEGA
        out[i, 4, 3] = -_TWO_OMEGA
    return out


@njit
def _transition_kernel(
    x: FloatArray, dt: FloatArray, earth_j2: bool
) -> tuple[FloatArray, FloatArray]:
    """:func:`transition` of rows (m, 6) over steps (m,)."""
    m = x.shape[0]
    x_new = np.empty((m, 6))
    phi = np.empty((m, 6, 6))
    vec = np.empty((5, 6))
    mat = np.empty((6, 6, 6))
    for i in range(m):
        _transition_into(x[i], dt[i], earth_j2, x_new[i], phi[i], vec, mat)
    return x_new, phi


@njit
def _predict_kernel(
    x: FloatArray, P: FloatArray, dt: FloatArray, q: float, earth_j2: bool
) -> tuple[FloatArray, FloatArray]:
    """:func:`predict` of rows (m, 6), (m, 6, 6) over steps (m,)."""
    m = x.shape[0]
    x_new = np.empty((m, 6))
    p_new = np.empty((m, 6, 6))
    vec = np.empty((5, 6))
    mat = np.empty((8, 6, 6))
    for i in range(m):
        _transition_into(x[i], dt[i], earth_j2, x_new[i], mat[6], vec, mat)
        _predict_covariance_into(P[i], mat[6], dt[i], q, mat[7], p_new[i])
    return x_new, p_new


@njit
def _measure_kernel(
    x: FloatArray, site: FloatArray, rot: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Measurements (m, 3) and position Jacobians (m, 3, 3) of rows (m, 6)."""
    m = x.shape[0]
    z = np.empty((m, 3))
    h_pos = np.empty((m, 3, 3))
    for i in range(m):
        _measure_into(x[i], site, rot, True, z[i], h_pos[i])
    return z, h_pos


@njit
def _update_kernel(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    valid: BoolArray,
    site: FloatArray,
    rot: FloatArray,
    var: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`update` of rows (m, 6), (m, 6, 6), (m, 3); invalid rows pass through."""
    m = x.shape[0]
    x_new = x.copy()
    p_new = P.copy()
    nis = np.full(m, np.nan)
    vec = np.empty(6)
    mat = np.empty((5, 6, 6))
    for i in range(m):
        if valid[i]:
            nis[i] = _kalman_update_into(x_new[i], p_new[i], z[i], site, rot, var, vec, mat)
    return x_new, p_new, nis


@njit
def _filter_kernel(
    t: FloatArray,
    look: BoolArray,
    det: BoolArray,
    z: FloatArray,
    x0: FloatArray,
    p0: FloatArray,
    site: FloatArray,
    rot: FloatArray,
    var: FloatArray,
    q: float,
    earth_j2: bool,
    x_hist: FloatArray,
    p_hist: FloatArray,
    nis: FloatArray,
) -> None:
    """Run the EKF over the looks (n, J) of each threat in turn, into the NaN-filled histories.

    A threat's track starts at its first detection from ``x0``, ``p0``
    (n, 6), (n, 6, 6); at each later look it is predicted, then updated if
    detected.
    """
    n, n_looks = t.shape
    x = np.empty(6)
    P = np.empty((6, 6))
    x_pred = np.empty(6)
    vec = np.empty((5, 6))
    mat = np.empty((8, 6, 6))
    for i in range(n):
        active = False
        t_last = 0.0
        for k in range(n_looks):
            if active and look[i, k]:
                dt = t[i, k] - t_last
                _transition_into(x, dt, earth_j2, x_pred, mat[6], vec, mat)
                x[:] = x_pred
                _predict_covariance_into(P, mat[6], dt, q, mat[7], P)
                t_last = t[i, k]
                if det[i, k]:
                    nis[i, k] = _kalman_update_into(x, P, z[i, k], site, rot, var, vec[0], mat[1:6])
            elif det[i, k]:
                x[:] = x0[i]
                P[:, :] = p0[i]
                t_last = t[i, k]
                active = True
            if active and look[i, k]:
                x_hist[i, k] = x
                p_hist[i, k] = P


@njit
def _covariance_kernel(
    t: FloatArray,
    look: BoolArray,
    det: BoolArray,
    xt: FloatArray,
    p0: FloatArray,
    site: FloatArray,
    rot: FloatArray,
    var: FloatArray,
    q: float,
    earth_j2: bool,
    p_hist: FloatArray,
) -> None:
    """Run the covariance analysis over the looks (n, J) of each threat in turn, into ``p_hist``.

    As :func:`_filter_kernel` with the truth ``xt`` (n, J, 6) in place of
    the estimate: the prediction's Φ is taken about the true state at the
    previous look and ``H`` at the true state of the update's look.
    """
    n, n_looks = t.shape
    P = np.empty((6, 6))
    x_pred = np.empty(6)
    vec = np.empty((5, 6))
    mat = np.empty((13, 6, 6))
    h_pos = mat[8, :3, :3]
    S_inv = mat[8, 3:, :3]
    K = mat[9, :, :3]
    for i in range(n):
        active = False
        t_last = 0.0
        k_last = 0
        for k in range(n_looks):
            if active and look[i, k]:
                dt = t[i, k] - t_last
                _transition_into(xt[i, k_last], dt, earth_j2, x_pred, mat[6], vec, mat)
                _predict_covariance_into(P, mat[6], dt, q, mat[7], P)
                k_last = k
                t_last = t[i, k]
                if det[i, k]:
                    _measure_into(xt[i, k], site, rot, False, vec[0], h_pos)
                    _gain_and_covariance_into(P, h_pos, var, K, S_inv, mat[10:13], P)
            elif det[i, k]:
                P[:, :] = p0[i]
                k_last = k
                t_last = t[i, k]
                active = True
            if active and look[i, k]:
                p_hist[i, k] = P


# --------------------------------------------------------------------------- dynamics


def _rows6(s: FloatArray) -> FloatArray:
    """States (..., 6) as contiguous float64 rows (m, 6)."""
    return np.ascontiguousarray(s.reshape(-1, 6))


def ballistic_derivative(x: ArrayLike, earth_j2: bool = False) -> FloatArray:
    """Time derivative of ballistic ECEF states in vacuum on the rotating Earth.

    Parameters
    ----------
    x : array_like
        ECEF states (position m, velocity relative to the Earth m/s),
        shape (..., 6).
    earth_j2 : bool
        Add the J2 oblateness term to the point-mass gravity.

    Returns
    -------
    numpy.ndarray
        ``(v, g(r) - 2 ω × v - ω × (ω × r))``, m/s and m/s², shape (..., 6),
        with ``ω = (0, 0, Ω)``, Ω = :data:`~jointshield.geo.OMEGA_EARTH_RAD_S`
        and ``μ`` = :data:`~jointshield.geo.MU_EARTH_M3_S2`. No thrust, no
        drag.
    """
    s = _states(x)
    return _derivative_kernel(_rows6(s), bool(earth_j2)).reshape(s.shape)


def dynamics_jacobian(x: ArrayLike, earth_j2: bool = False) -> FloatArray:
    """Jacobian ``A = ∂ẋ/∂x`` of :func:`ballistic_derivative`, analytic.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6).
    earth_j2 : bool
        Include the J2 term of gravity.

    Returns
    -------
    numpy.ndarray
        ``[[0, I], [G + Ω² diag(1, 1, 0), C]]``, shape (..., 6, 6), with ``G``
        the gravity gradient (1/s²) and ``C = [[0, 2Ω, 0], [-2Ω, 0, 0],
        [0, 0, 0]]`` the Coriolis block (1/s).
    """
    s = _states(x)
    return _jacobian_kernel(_rows6(s), bool(earth_j2)).reshape(*s.shape[:-1], 6, 6)


def _check_dt(dt_s: ArrayLike, lead: tuple[int, ...]) -> FloatArray:
    """Time steps broadcast to the batch, checked finite and not negative."""
    dt = as_f64(dt_s)
    try:
        dt = np.broadcast_to(dt, lead)
    except ValueError:
        raise JointshieldError(
            f"dt_s: expected a time step per state, shape {lead} or broadcastable, "
            f"got shape {dt.shape}"
        ) from None
    if not np.all(np.isfinite(dt) & (dt >= 0.0)):
        raise JointshieldError(
            "dt_s: expected finite, non-negative time steps in s (the filter only predicts "
            f"forward); got {dt[~(np.isfinite(dt) & (dt >= 0.0))][:3]!r}"
        )
    return dt


def transition(
    x: ArrayLike, dt_s: ArrayLike, earth_j2: bool = False
) -> tuple[FloatArray, FloatArray]:
    """Propagate ballistic states over a time step, with their state-transition matrices.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6).
    dt_s : array_like
        Time steps, s, >= 0, shape (...) or broadcastable; each row may
        have its own.
    earth_j2 : bool
        Include the J2 term of gravity.

    Returns
    -------
    x_new : numpy.ndarray
        States after ``dt_s``, shape (..., 6).
    phi : numpy.ndarray
        State-transition matrices ``∂x_new/∂x``, shape (..., 6, 6).

    Notes
    -----
    Classical Runge-Kutta (RK4) on the state and on the variational equations
    ``dΦ/dt = A(x) Φ``, ``Φ(0) = I``, together. Row ``i`` takes
    ``ceil(dt_i / MAX_STEP_S)`` equal sub-steps, one row after the other in a
    compiled kernel, so that a row's result does not depend on the batch it
    is in (``dt = 0`` is the identity, bit for bit).
    """
    s = _states(x)
    lead = s.shape[:-1]
    dt = np.ascontiguousarray(_check_dt(dt_s, lead).reshape(-1))
    x_new, phi = _transition_kernel(_rows6(s), dt, bool(earth_j2))
    return x_new.reshape(s.shape), phi.reshape(*lead, 6, 6)


def _check_q(q_m2_s3: float) -> float:
    """Return the spectral density as a float, checked finite and not negative."""
    q = float(q_m2_s3)
    if not (math.isfinite(q) and q >= 0.0):
        raise JointshieldError(
            f"q_m2_s3: expected a non-negative spectral density in m²/s³, got {q_m2_s3!r}"
        )
    return q


def process_noise(dt_s: ArrayLike, q_m2_s3: float) -> FloatArray:
    """Process noise covariance of continuous white acceleration over a time step.

    Parameters
    ----------
    dt_s : array_like
        Time steps, s, >= 0, any shape.
    q_m2_s3 : float
        Power spectral density of the white acceleration on each ECEF axis,
        m²/s³.

    Returns
    -------
    numpy.ndarray
        ``Q = q [[Δt³/3 I, Δt²/2 I], [Δt²/2 I, Δt I]]``, shape ``dt.shape + (6, 6)``
        (Bar-Shalom et al. 2001, §6.2). Over one step the
        velocity wanders by ``sqrt(q Δt)``: ``q`` of order ``a² τ`` covers an
        unmodelled acceleration ``a`` correlated over ``τ``.
    """
    q = _check_q(q_m2_s3)
    dt = as_f64(dt_s)
    dt2 = dt * dt
    block = np.empty((*dt.shape, 2, 2))
    block[..., 0, 0] = q * dt2 * dt / 3.0
    block[..., 0, 1] = block[..., 1, 0] = q * 0.5 * dt2
    block[..., 1, 1] = q * dt
    # Kronecker product with the 3x3 identity: the same 2x2 on each axis.
    out: FloatArray = (block[..., :, None, :, None] * np.eye(3)[:, None, :]).reshape(
        *dt.shape, 6, 6
    )
    return out


def predict(
    x: ArrayLike,
    P: ArrayLike,
    dt_s: ArrayLike,
    q_m2_s3: float,
    earth_j2: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Kalman prediction of ballistic states and their covariances.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6).
    P : array_like
        Their covariances, shape (..., 6, 6).
    dt_s : array_like
        Time steps, s, >= 0, shape (...) or broadcastable; 0 is the identity.
    q_m2_s3 : float
        White-acceleration spectral density, m²/s³ (see :func:`process_noise`).
    earth_j2 : bool
        Include the J2 term of gravity.

    Returns
    -------
    x_pred : numpy.ndarray
        Predicted states, shape (..., 6).
    P_pred : numpy.ndarray
        ``Φ P Φᵀ + Q``, symmetrised, shape (..., 6, 6).
    """
    s = _states(x)
    cov = _covariances(P, s.shape[:-1])
    dt = _check_dt(dt_s, s.shape[:-1])
    q = _check_q(q_m2_s3)
    x_new, p_new = _predict_kernel(
        _rows6(s),
        np.ascontiguousarray(cov.reshape(-1, 6, 6)),
        np.ascontiguousarray(dt.reshape(-1)),
        q,
        bool(earth_j2),
    )
    return x_new.reshape(s.shape), p_new.reshape(cov.shape)


# --------------------------------------------------------------------------- measurement


def measure_h(x: ArrayLike, frame: RadarFrame) -> FloatArray:
    """Range, azimuth and elevation of ECEF states seen from a radar, without noise.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6) (only the position is used).
    frame : RadarFrame
        The radar.

    Returns
    -------
    numpy.ndarray
        ``(range_m, az_rad, el_rad)``, shape (..., 3): slant range, azimuth
        clockwise from north in ``[0, 2π)``, elevation above the local
        horizontal plane (ellipsoid normal) in ``[-π/2, π/2]``.
    """
    s = _states(x)
    z, _ = _measure_kernel(_rows6(s), frame.site_ecef_m, frame.enu_rotation)
    return z.reshape(*s.shape[:-1], 3)


def measure_jacobian(x: ArrayLike, frame: RadarFrame) -> FloatArray:
    """Jacobian ``H = ∂h/∂x`` of :func:`measure_h`, analytic.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6).
    frame : RadarFrame
        The radar.

    Returns
    -------
    numpy.ndarray
        Shape (..., 3, 6): rows range (m per m), azimuth and elevation (rad
        per m); the velocity columns are zero. Undefined (infinite) straight
        above the radar, where the azimuth is.
    """
    s = _states(x)
    _, h_pos = _measure_kernel(_rows6(s), frame.site_ecef_m, frame.enu_rotation)
    jac = np.zeros((*s.shape[:-1], 3, 6))
    jac[..., :3] = h_pos.reshape(*s.shape[:-1], 3, 3)
    return jac


def update(
    x: ArrayLike,
    P: ArrayLike,
    z: ArrayLike,
    frame: RadarFrame,
    valid: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Update states with range-azimuth-elevation measurements (extended Kalman filter).

    Parameters
    ----------
    x : array_like
        Predicted ECEF states, shape (..., 6).
    P : array_like
        Their covariances, shape (..., 6, 6).
    z : array_like
        Measurements ``(range_m, az_rad, el_rad)``, shape (..., 3); entries of
        rows that are not valid are ignored (NaN is fine there).
    frame : RadarFrame
        The radar that measured.
    valid : array_like of bool, optional
        Shape (...): False for a missed detection, whose row passes through
        unchanged. All rows by default.

    Returns
    -------
    x_upd : numpy.ndarray
        Updated states, shape (..., 6).
    P_upd : numpy.ndarray
        Updated covariances in Joseph form, symmetrised, shape (..., 6, 6).
    nis : numpy.ndarray
        Normalised innovation squared ``νᵀ S⁻¹ ν``, shape (...); chi-square
        with 3 degrees of freedom for a consistent filter (Bar-Shalom et al.
        2001, §5.4.2). NaN where not valid.

    Raises
    ------
    JointshieldError
        On wrong shapes or a non-finite measurement in a valid row.
    """
    s = _states(x)
    lead = s.shape[:-1]
    cov = _covariances(P, lead)
    meas = _measurements(z, lead)
    ok = np.ones(lead, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if ok.shape != lead:
        raise JointshieldError(f"valid: expected shape {lead}, got {ok.shape}")
    flat_z = np.ascontiguousarray(meas.reshape(-1, 3))
    flat_ok = np.ascontiguousarray(ok.reshape(-1))
    if not np.all(np.isfinite(flat_z[flat_ok])):
        raise JointshieldError("z: a measurement of a valid row is not finite")
    x_out, p_out, nis = _update_kernel(
        _rows6(s),
        np.ascontiguousarray(cov.reshape(-1, 6, 6)),
        flat_z,
        flat_ok,
        frame.site_ecef_m,
        frame.enu_rotation,
        frame.sigma * frame.sigma,
    )
    return x_out.reshape(s.shape), p_out.reshape(cov.shape), nis.reshape(lead)


def initiate(
    z: ArrayLike,
    frame: RadarFrame,
    velocity_sigma_mps: float = 3000.0,
    velocity_guess: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Start tracks from single detections.

    Parameters
    ----------
    z : array_like
        First measurements ``(range_m, az_rad, el_rad)``, shape (..., 3).
    frame : RadarFrame
        The radar that measured.
    velocity_sigma_mps : float
        Prior standard deviation of each ECEF velocity component, m/s. Large
        (the default covers any ballistic missile up to ICBM speeds at about
        two sigma with a zero guess) so that the track's velocity comes from
        the following detections.
    velocity_guess : array_like, optional
        Prior ECEF velocity, m/s, shape (..., 3) or broadcastable; zero by
        default.

    Returns
    -------
    x : numpy.ndarray
        States: the measured position in ECEF and the velocity guess,
        shape (..., 6).
    P : numpy.ndarray
        Covariances, shape (..., 6, 6): position block ``J R Jᵀ`` with ``J``
        the Jacobian of the range-azimuth-elevation → ECEF map at the
        measurement, velocity block ``σ_v² I``, no cross terms.

    Notes
    -----
    One-point initiation with a diffuse velocity prior, chosen over
    two-point differencing (Bar-Shalom et al. 2001, ch. 5) as the module
    docstring explains.
    """
    meas = as_f64(z)
    if meas.ndim < 1 or meas.shape[-1] != 3:
        raise JointshieldError(
            f"z: expected (range_m, az_rad, el_rad) of shape (..., 3), got shape {meas.shape}"
        )
    sv = float(velocity_sigma_mps)
    if not (math.isfinite(sv) and sv > 0.0):
        raise JointshieldError(
            f"velocity_sigma_mps: expected a positive speed in m/s, got {velocity_sigma_mps!r}"
        )
    rng, az, el = meas[..., 0], meas[..., 1], meas[..., 2]
    if not np.all(np.isfinite(meas) & (rng[..., None] > 0.0)):
        raise JointshieldError("z: expected finite measurements with a positive range")
    lead = meas.shape[:-1]
    sa, ca = np.sin(az), np.cos(az)
    se, ce = np.sin(el), np.cos(el)
    # Columns: ∂(east, north, up)/∂(range, azimuth, elevation).
    jac_local = np.empty((*lead, 3, 3))
    jac_local[..., :, 0] = np.stack([sa * ce, ca * ce, se], axis=-1)
    jac_local[..., :, 1] = np.stack([rng * ca * ce, -rng * sa * ce, np.zeros_like(rng)], axis=-1)
    jac_local[..., :, 2] = np.stack([-rng * sa * se, -rng * ca * se, rng * ce], axis=-1)
    local = jac_local[..., :, 0] * rng[..., None]
    rot_t = frame.enu_rotation.T
    x = np.zeros((*lead, 6))
    x[..., :3] = frame.site_ecef_m + local @ frame.enu_rotation
    if velocity_guess is not None:
        guess = as_f64(velocity_guess)
        try:
            x[..., 3:] = guess
        except ValueError:
            raise JointshieldError(
                f"velocity_guess: expected ECEF velocities of shape {(*lead, 3)}, "
                f"got shape {guess.shape}"
            ) from None
    jac = rot_t @ jac_local
    P = np.zeros((*lead, 6, 6))
    P[..., :3, :3] = _symmetrise((jac * (frame.sigma * frame.sigma)) @ _mt(jac))
    idx = np.arange(3, 6)
    P[..., idx, idx] = sv * sv
    return x, P


# --------------------------------------------------------------------------- histories


@dataclass(frozen=True, eq=False)
class TrackHistory:
    """One sensor's tracks of a batch of threats over its looks.

    Parameters
    ----------
    t_s : numpy.ndarray
        Look times, s, shape (n, J); NaN pads rows with fewer looks.
    x : numpy.ndarray
        State after each look, shape (n, J, 6): updated where the look
        detected the threat, predicted where it missed; NaN before the track
        starts. In a covariance analysis, the true state.
    P : numpy.ndarray
        Covariance after each look, shape (n, J, 6, 6); NaN before the track
        starts.
    confirmed_s : numpy.ndarray
        Time of confirmation (M detections in N consecutive looks), s,
        shape (n,); NaN if never.
    nis : numpy.ndarray or None
        Normalised innovation squared of each update, shape (n, J); NaN
        where no update; None in a covariance analysis.
    """

    t_s: FloatArray
    x: FloatArray
    P: FloatArray
    confirmed_s: FloatArray
    nis: FloatArray | None = None

    def position_sigma_m(self) -> FloatArray:
        """Root of the trace of the position covariance, m, shape (n, J): a 3-D RMS error."""
        p = self.P
        out: FloatArray = np.sqrt(p[..., 0, 0] + p[..., 1, 1] + p[..., 2, 2])
        return out

    def velocity_sigma_mps(self) -> FloatArray:
        """Root of the trace of the velocity covariance, m/s, shape (n, J)."""
        p = self.P
        out: FloatArray = np.sqrt(p[..., 3, 3] + p[..., 4, 4] + p[..., 5, 5])
        return out

    def first_time_below(self, position_sigma_m: float, velocity_sigma_mps: float) -> FloatArray:
        """First look time at which the track is good enough to engage on.

        Parameters
        ----------
        position_sigma_m : float
            Threshold of :meth:`position_sigma_m`, m.
        velocity_sigma_mps : float
            Threshold of :meth:`velocity_sigma_mps`, m/s.

        Returns
        -------
        numpy.ndarray
            Time of the first look at which both are strictly below their
            thresholds (fire-control quality), s, shape (n,); NaN if never.
        """
        good = (self.position_sigma_m() < position_sigma_m) & (
            self.velocity_sigma_mps() < velocity_sigma_mps
        )
        return _first_time(self.t_s, good)


def _first_time(t_s: FloatArray, flag: BoolArray) -> FloatArray:
    """Time of the first True of each row of ``flag`` (n, J), NaN if none."""
    first = np.argmax(flag, axis=1)
    t_first = np.take_along_axis(t_s, first[:, None], axis=1)[:, 0]
    out: FloatArray = np.where(flag.any(axis=1), t_first, np.nan)
    return out


def _confirmation_s(
    t_s: FloatArray, detected: BoolArray, confirm_m: int, confirm_n: int
) -> FloatArray:
    """Time at which M of the last N looks first held detections, per row (NaN if never).

    The sliding window runs over the row's looks, whether the track had
    started or not (looks before the first detection are misses anyway).
    """
    counts = np.cumsum(detected, axis=1, dtype=np.intp)
    before = np.zeros_like(counts)
    if counts.shape[1] > confirm_n:
        before[:, confirm_n:] = counts[:, :-confirm_n]
    return _first_time(t_s, (counts - before) >= confirm_m)


def _check_looks(
    t_s: ArrayLike, detected: ArrayLike | None, confirm_m: int, confirm_n: int
) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Check look times (n, J); return them, the mask of real looks and the detections."""
    t = as_f64(t_s)
    if t.ndim != 2:
        raise JointshieldError(f"t_s: expected look times of shape (n, J), got shape {t.shape}")
    look = np.isfinite(t)
    if np.any(look[:, 1:] & ~look[:, :-1]):
        raise JointshieldError("t_s: NaN may only pad the end of a row of look times")
    with np.errstate(invalid="ignore"):
        backwards = np.diff(t, axis=1) < 0.0
    if np.any(backwards):
        row = int(np.flatnonzero(backwards.any(axis=1))[0])
        raise JointshieldError(f"t_s: look times must not decrease along a row (row {row})")
    if detected is None:
        det = look.copy()
    else:
        det = np.asarray(detected, dtype=bool)
        if det.shape != t.shape:
            raise JointshieldError(f"detected: expected shape {t.shape}, got {det.shape}")
        det = det & look
    if not (isinstance(confirm_m, int) and isinstance(confirm_n, int) and confirm_m >= 1):
        raise JointshieldError(
            f"confirm_m, confirm_n: expected integers with 1 <= M <= N, got {confirm_m}, "
            f"{confirm_n}"
        )
    if confirm_m > confirm_n:
        raise JointshieldError(
            f"confirm_m, confirm_n: expected 1 <= M <= N, got M = {confirm_m} > N = {confirm_n}"
        )
    return t, look, det


def _velocity_guesses(x0_guess: ArrayLike | None, n: int) -> FloatArray:
    """Velocity part of the per-threat prior guesses, (n, 3)."""
    if x0_guess is None:
        return np.zeros((n, 3))
    guess = as_f64(x0_guess)
    if guess.shape not in ((6,), (n, 6)):
        raise JointshieldError(
            f"x0_guess: expected ECEF states of shape (n, 6) = ({n}, 6) or (6,), "
            f"got shape {guess.shape}"
        )
    return np.ascontiguousarray(np.broadcast_to(guess[..., 3:], (n, 3)))


def _first_detections(det: BoolArray) -> tuple[BoolArray, IntArray]:
    """Which rows of ``det`` (n, J) detect at all, and the look of each one's first detection."""
    has: BoolArray = np.any(det, axis=1)
    first: IntArray = np.argmax(det, axis=1)
    return has, first


def run_filter(
    t_s: ArrayLike,
    z: ArrayLike,
    detected: ArrayLike,
    frame: RadarFrame,
    q_m2_s3: float,
    confirm_m: int = 3,
    confirm_n: int = 5,
    x0_guess: ArrayLike | None = None,
    *,
    velocity_sigma_mps: float = 3000.0,
    earth_j2: bool = False,
) -> TrackHistory:
    """Track a batch of threats with one radar: the full extended Kalman filter.

    Parameters
    ----------
    t_s : array_like
        Look times, s, shape (n, J), non-decreasing along a row; NaN pads
        the end of rows with fewer looks.
    z : array_like
        Measurements ``(range_m, az_rad, el_rad)``, shape (n, J, 3); read
        only where detected.
    detected : array_like of bool
        Whether each look detected its threat, shape (n, J).
    frame : RadarFrame
        The radar.
    q_m2_s3 : float
        White-acceleration spectral density of the process noise, m²/s³.
    confirm_m, confirm_n : int
        A track is confirmed at the first look that completes ``confirm_m``
        detections among ``confirm_n`` consecutive looks.
    x0_guess : array_like, optional
        Prior guess of each threat's state at its first detection, shape
        (n, 6) or (6,); only its velocity is used (the position comes from
        the detection). Zero velocity by default.
    velocity_sigma_mps : float
        Prior velocity standard deviation per axis at initiation, m/s.
    earth_j2 : bool
        Include the J2 term of gravity in the dynamics.

    Returns
    -------
    TrackHistory
        States, covariances and NIS over the looks, and confirmation times.

    Notes
    -----
    Each threat is started at its first detection (:func:`initiate`, all
    threats in one call); then one compiled kernel runs the looks of each
    threat in turn: at look ``k`` a started track is predicted to ``t_k``
    (:func:`predict`) and updated if detected (:func:`update`), with the
    same scalar code as those functions.
    """
    t, look, det = _check_looks(t_s, detected, confirm_m, confirm_n)
    q = _check_q(q_m2_s3)
    n, n_looks = t.shape
    meas = _measurements(z, (n, n_looks))
    v_guess = _velocity_guesses(x0_guess, n)
    has, first = _first_detections(det)
    # A detected look after the track started is an update: its measurement
    # must be finite (the first detection's is checked by initiate).
    later = np.arange(n_looks) > np.where(has, first, n_looks)[:, None]
    bad = det & later & ~np.all(np.isfinite(meas), axis=-1)
    if bad.any():
        k_bad = int(np.flatnonzero(bad.any(axis=0))[0])
        first_ok = np.all(np.isfinite(meas[has, first[has]]), axis=-1)
        first_ok &= meas[has, first[has], 0] > 0.0
        if np.all(first_ok) or k_bad <= int(np.min(first[has][~first_ok])):
            raise JointshieldError(f"z: a detected measurement at look {k_bad} is not finite")
    x_start = np.full((n, 6), np.nan)
    p_start = np.full((n, 6, 6), np.nan)
    if has.any():
        x_start[has], p_start[has] = initiate(
            meas[has, first[has]], frame, velocity_sigma_mps, v_guess[has]
        )
    x_hist = np.full((n, n_looks, 6), np.nan)
    p_hist = np.full((n, n_looks, 6, 6), np.nan)
    nis = np.full((n, n_looks), np.nan)
    _filter_kernel(
        np.ascontiguousarray(t),
        np.ascontiguousarray(look),
        np.ascontiguousarray(det),
        np.ascontiguousarray(meas),
        x_start,
        p_start,
        frame.site_ecef_m,
        frame.enu_rotation,
        frame.sigma * frame.sigma,
        q,
        bool(earth_j2),
        x_hist,
        p_hist,
        nis,
    )
    return TrackHistory(
        t_s=t,
        x=x_hist,
        P=p_hist,
        confirmed_s=_confirmation_s(t, det, confirm_m, confirm_n),
        nis=nis,
    )


def covariance_history(
    t_s: ArrayLike,
    x_true: ArrayLike,
    frame: RadarFrame,
    q_m2_s3: float,
    detected: ArrayLike | None = None,
    P0: ArrayLike | None = None,
    *,
    confirm_m: int = 3,
    confirm_n: int = 5,
    velocity_sigma_mps: float = 3000.0,
    earth_j2: bool = False,
) -> TrackHistory:
    """Covariance analysis of the filter along the true trajectories.

    The deterministic part of tracking, computed once per scenario: the
    covariances, gains, transition matrices and measurement Jacobians that
    :func:`run_filter` would have on noise-free measurements, linearised
    about the truth instead of the estimate (to first order the same, and
    independent of any trial's noise).

    Parameters
    ----------
    t_s : array_like
        Look times, s, shape (n, J), as for :func:`run_filter`.
    x_true : array_like
        True ECEF states at the looks, shape (n, J, 6); finite at every look.
    frame : RadarFrame
        The radar.
    q_m2_s3 : float
        White-acceleration spectral density of the process noise, m²/s³.
    detected : array_like of bool, optional
        Whether each look detects, shape (n, J); every look by default.
    P0 : array_like, optional
        Covariance of the track when it starts, shape (n, 6, 6) or (6, 6);
        by default the covariance of :func:`initiate` at the true
        measurement.
    confirm_m, confirm_n : int
        M-of-N confirmation, as for :func:`run_filter`.
    velocity_sigma_mps : float
        Prior velocity standard deviation per axis at initiation, m/s.
    earth_j2 : bool
        Include the J2 term of gravity in the dynamics.

    Returns
    -------
    TrackHistory
        ``x`` is the truth where tracked (NaN before), ``P`` the filter's
        covariance.
    """
    t, look, det = _check_looks(t_s, detected, confirm_m, confirm_n)
    q = _check_q(q_m2_s3)
    n, n_looks = t.shape
    xt = as_f64(x_true)
    if xt.shape != (n, n_looks, 6):
        raise JointshieldError(
            f"x_true: expected true states of shape {(n, n_looks, 6)}, got shape {xt.shape}"
        )
    if not np.all(np.isfinite(xt[look])):
        raise JointshieldError("x_true: the true state must be finite at every look")
    has, first = _first_detections(det)
    p_start = np.full((n, 6, 6), np.nan)
    if P0 is not None:
        p0 = as_f64(P0)
        if p0.shape not in ((6, 6), (n, 6, 6)):
            raise JointshieldError(
                f"P0: expected covariances of shape (n, 6, 6) = ({n}, 6, 6) or (6, 6), "
                f"got shape {p0.shape}"
            )
        p_start[:] = p0
    elif has.any():
        z_true = measure_h(xt[has, first[has]], frame)
        p_start[has] = initiate(z_true, frame, velocity_sigma_mps)[1]
    p_hist = np.full((n, n_looks, 6, 6), np.nan)
    _covariance_kernel(
        np.ascontiguousarray(t),
        np.ascontiguousarray(look),
        np.ascontiguousarray(det),
        np.ascontiguousarray(xt),
        p_start,
        frame.site_ecef_m,
        frame.enu_rotation,
        frame.sigma * frame.sigma,
        q,
        bool(earth_j2),
        p_hist,
    )
    tracked = ~np.isnan(p_hist[..., 0, 0])
    x_hist = np.where(tracked[..., None], xt, np.nan)
    return TrackHistory(
        t_s=t,
        x=x_hist,
        P=p_hist,
        confirmed_s=_confirmation_s(t, det, confirm_m, confirm_n),
    )


class ErrorEllipse(NamedTuple):
    """A 1-sigma error ellipse on the ground.

    Attributes
    ----------
    semi_major_m, semi_minor_m : numpy.ndarray
        Semi-axes, m.
    orientation_rad : numpy.ndarray
        Direction of the major axis, clockwise from north, in ``[0, π)``.
    """

    semi_major_m: FloatArray
    semi_minor_m: FloatArray
    orientation_rad: FloatArray


class ImpactPoint(NamedTuple):
    """Predicted impact point of a tracked state, with its ground error ellipse.

    Attributes
    ----------
    lat_rad, lon_rad : numpy.ndarray
        Geodetic latitude and longitude of the impact, rad.
    t_impact_s : numpy.ndarray
        Time from the state to impact, s.
    ellipse : ErrorEllipse
        1-sigma ellipse of the impact point in the local horizontal plane.
    """

    lat_rad: FloatArray
    lon_rad: FloatArray
    t_impact_s: FloatArray
    ellipse: ErrorEllipse


def _impact_ecef(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """ECEF impact positions (m, 3) and times (m,) of ballistic states (m, 6) in vacuum.

    The state is moved to the inertial frame that coincides with ECEF at its
    epoch, flown along its Kepler conic (BMW ch. 4) to the radius of the
    WGS-84 ellipsoid under the impact point (found by fixed-point passes:
    the radius depends on where the conic comes down), and turned back to
    ECEF by the Earth's rotation during the flight. NaN for states below the
    ellipsoid or that never come down.
    """
    a, e2 = WGS84.a_m, WGS84.e2
    b = WGS84.b_m
    r = x[:, :3]
    # Inertial velocity at the epoch: v + ω × r.
    v = x[:, 3:].copy()
    v[:, 0] -= _OMEGA * r[:, 1]
    v[:, 1] += _OMEGA * r[:, 0]

    def surface_radius(p: FloatArray) -> FloatArray:
        """Ellipsoid radius along the geocentric direction of positions ``p``, m."""
        p2 = p[:, 0] ** 2 + p[:, 1] ** 2
        out: FloatArray = b / np.sqrt(1.0 - e2 * p2 / (p2 + p[:, 2] ** 2))
        return out

    above = np.linalg.norm(r, axis=1) >= surface_radius(r)
    radius = np.full(x.shape[0], a)
    t_imp = np.full(x.shape[0], np.nan)
    r_imp = np.full_like(r, np.nan)
    for _ in range(_IMPACT_PASSES):
        t_imp = time_to_radius_s(r, v, radius, descending=True)
        r_imp, _ = kepler_propagate(r, v, np.where(np.isfinite(t_imp), t_imp, 0.0))
        radius = surface_radius(r_imp)
    t_imp = np.where(above & np.isfinite(t_imp), t_imp, np.nan)
    ang = -_OMEGA * t_imp
    c, s = np.cos(ang), np.sin(ang)
    ecef = np.stack(
        [c * r_imp[:, 0] - s * r_imp[:, 1], s * r_imp[:, 0] + c * r_imp[:, 1], r_imp[:, 2]],
        axis=-1,
    )
    ecef[~np.isfinite(t_imp)] = np.nan
    return ecef, t_imp


def impact_point(x: ArrayLike, P: ArrayLike) -> ImpactPoint:
    """Predicted impact point of tracked ballistic states, with a 1-sigma ground ellipse.

    Parameters
    ----------
    x : array_like
        ECEF states, shape (..., 6).
    P : array_like
        Their covariances, shape (..., 6, 6).

    Returns
    -------
    ImpactPoint
        Impact latitude and longitude (rad), time to impact (s) and the error
        ellipse, each of shape (...); NaN where the state is below the
        ellipsoid or does not come down.

    Notes
    -----
    The state is flown in vacuum with point-mass gravity on the rotating
    Earth, in closed form, to height zero on WGS-84 (J2 and drag left out:
    J2 moves a 2,000 km impact by a few km, drag by more, both biases that
    do not change the ellipse much). The ellipse comes from the impact
    point's Jacobian with respect to the state, by central differences
    (steps of 10 m and 1 cm/s, all 13 flights in one batch), projected
    on the local east and north: ground covariance ``J P Jᵀ``, semi-axes
    the roots of its eigenvalues.
    """
    s = _states(x)
    lead = s.shape[:-1]
    cov = _covariances(P, lead)
    xs = s.reshape(-1, 6)
    m = xs.shape[0]
    steps = np.array([_FD_POSITION_M] * 3 + [_FD_VELOCITY_MPS] * 3)
    offsets = np.concatenate([np.zeros((1, 6)), np.diag(steps), -np.diag(steps)])  # (13, 6)
    batch = (xs[None, :, :] + offsets[:, None, :]).reshape(-1, 6)
    ecef, t_all = _impact_ecef(batch)
    ecef = ecef.reshape(13, m, 3)
    r0 = ecef[0]
    lat, lon, _ = ecef_to_geodetic(r0)
    east_north = enu_basis(lat, lon)[:, :2, :]  # (m, 2, 3)
    diff = (ecef[1:7] - ecef[7:13]).transpose(1, 2, 0) / (2.0 * steps)  # (m, 3, 6)
    jac = east_north @ diff  # (m, 2, 6)
    ground = jac @ cov.reshape(-1, 6, 6) @ _mt(jac)
    c_ee, c_nn, c_en = ground[:, 0, 0], ground[:, 1, 1], ground[:, 0, 1]
    mean = 0.5 * (c_ee + c_nn)
    radius = np.sqrt((0.5 * (c_ee - c_nn)) ** 2 + c_en * c_en)
    major = np.sqrt(mean + radius)
    minor = np.sqrt(np.maximum(mean - radius, 0.0))
    # Major axis at angle θ from east, counter-clockwise; azimuth = π/2 - θ.
    theta = 0.5 * np.arctan2(2.0 * c_en, c_ee - c_nn)
    orientation = np.mod(0.5 * math.pi - theta, math.pi)
    return ImpactPoint(
        lat_rad=lat.reshape(lead),
        lon_rad=lon.reshape(lead),
        t_impact_s=t_all[:m].reshape(lead),
        ellipse=ErrorEllipse(
            semi_major_m=major.reshape(lead),
            semi_minor_m=minor.reshape(lead),
            orientation_rad=orientation.reshape(lead),
        ),
    )
