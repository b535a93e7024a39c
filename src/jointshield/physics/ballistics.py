"""Closed-form ballistic free flight and two-body propagation.

Model
-----
Free flight of a point mass in the inverse-square gravity field of a
spherical, non-rotating Earth: no drag, no thrust, no oblateness (J2), no
Earth rotation. The path is a conic with the Earth's centre at a focus.
Burnout and re-entry are at the same radius unless a function says
otherwise, so the trajectory is symmetric about its apogee.

Sources
-------
* BMW: R. R. Bate, D. D. Mueller, J. E. White, *Fundamentals of
  Astrodynamics*, Dover, New York, 1971. Chapter 6, "Ballistic missile
  trajectories", §6.2 "The general ballistic missile problem": the
  nondimensional parameter ``Q = v² r / μ``, the free-flight range
  equation, the flight-path-angle equation for a given range, the
  maximum-range (minimum-energy) conditions (eqs. 6.2-18 and 6.2-20) and
  the time of free flight through Kepler's equation. Chapter 4, "Position
  and velocity as a function of time": the universal-variable formulation
  of the Kepler problem.
* Vallado: D. A. Vallado, *Fundamentals of Astrodynamics and
  Applications*, 4th ed., Microcosm Press, 2013, §2.2-2.3: algorithm 1
  (the Stumpff functions ``c2``, ``c3``) and algorithm 8 (KEPLER).

Conventions
-----------
SI units (m, s, m/s, m³/s²), angles in radians. ``gamma_rad`` is the
flight-path angle above the local horizontal (BMW's φ), in ``[0, π/2]`` for
the symmetric-flight functions; ``range_angle_rad`` (Ψ) is the angle at
the Earth's centre between burnout and re-entry, so that the ground range
of the free flight is ``Ψ R_earth``. Scalars and arrays broadcast against
each other; Cartesian vectors sit on the last axis, shape ``(..., 3)``, in
any inertial frame centred on the Earth. Where a closed form has no
answer (the orbit escapes, the range is out of reach) the result is NaN,
never an exception, so that whole batches can be evaluated at once.

Limits
------
Earth rotation, oblateness and drag change real ranges by per cent to tens
of per cent; this module is the exact reference for the idealised problem,
against which numerical flight models are checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import FloatArray, as_f64
from jointshield.compiled import njit
from jointshield.physics.geo import MU_EARTH_M3_S2

_HALF_PI: Final = 0.5 * math.pi
_TWO_PI: Final = 2.0 * math.pi
_EPS: Final = float(np.finfo(np.float64).eps)
# A sine or cosine that rounding has pushed past ±1 by less than this is
# taken as ±1 (a range exactly at the maximum, a radius exactly at apogee).
_UNIT_SLACK: Final = 1e-12
# A crossing this little behind the state (eccentric anomaly in rad on an
# ellipse, relative to the anomalies on open orbits) counts as now rather
# than one revolution ahead or never: rounding of the current state.
_WRAP_SLACK_RAD: Final = 1e-10
_KEPLER_MAX_ITERATIONS: Final = 200

_F = TypeVar("_F", bound=Callable[..., Any])


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Dot product over the last axis."""
    result: FloatArray = np.einsum("...i,...i->...", a, b)
    return result


def _norm(a: FloatArray) -> FloatArray:
    """Euclidean norm over the last axis."""
    return np.sqrt(_dot(a, a))


def _symmetric_flight_valid(q: FloatArray, gamma: FloatArray) -> NDArray[np.bool_]:
    """Whether a burnout state returns to its own radius: ``0 <= Q < 2`` and ``0 <= γ <= π/2``."""
    return (q >= 0.0) & (q < 2.0) & (gamma >= 0.0) & (gamma <= _HALF_PI)


def q_parameter(
    speed_mps: ArrayLike, radius_m: ArrayLike, mu: float = MU_EARTH_M3_S2
) -> FloatArray:
    """Nondimensional burnout parameter Q.

    Parameters
    ----------
    speed_mps : array_like
        Speed, m/s.
    radius_m : array_like
        Distance from the Earth's centre, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        ``Q = v² r / μ`` (BMW §6.2): the square of the speed in units of the
        circular speed at that radius. Q < 2 for a trajectory that comes
        back, Q = 1 for circular speed.

    """
    v = as_f64(speed_mps)
    return v * v * as_f64(radius_m) / mu


def free_flight_range_angle_rad(
    speed_mps: ArrayLike,
    gamma_rad: ArrayLike,
    radius_m: ArrayLike,
    mu: float = MU_EARTH_M3_S2,
) -> FloatArray:
    """Free-flight range angle Ψ from burnout back to the same radius.

    BMW's free-flight range equation (§6.2),
    ``cos(Ψ/2) = (1 - Q cos²γ) / sqrt(1 + Q(Q - 2) cos²γ)``, evaluated in
    the quadrant-safe form ``tan(Ψ/2) = Q sinγ cosγ / (1 - Q cos²γ)``
    (the denominator of BMW's form is the eccentricity, and
    ``e sin(Ψ/2) = Q sinγ cosγ``), so that it stays accurate near Ψ = 0
    and Ψ = π.

    Parameters
    ----------
    speed_mps : array_like
        Burnout speed, m/s.
    gamma_rad : array_like
        Burnout flight-path angle above the local horizontal, rad, in
        ``[0, π/2]``.
    radius_m : array_like
        Burnout (and re-entry) radius from the Earth's centre, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        Range angle Ψ at the Earth's centre, rad, in ``[0, 2π]``; ranges
        above π (with Q > 1) go more than half-way round. NaN where the
        orbit does not come back down (Q >= 2) or γ is outside
        ``[0, π/2]``.

    """
    q = q_parameter(speed_mps, radius_m, mu)
    gamma = as_f64(gamma_rad)
    s, c = np.sin(gamma), np.cos(gamma)
    half = np.arctan2(q * s * c, 1.0 - q * c * c)
    return np.where(_symmetric_flight_valid(q, gamma), 2.0 * half, np.nan)


def max_range_gamma_rad(range_angle_rad: ArrayLike) -> FloatArray:
    """Flight-path angle of the minimum-energy (maximum-range) trajectory.

    Parameters
    ----------
    range_angle_rad : array_like
        Range angle Ψ, rad, in ``[0, π]``.

    Returns
    -------
    ndarray
        ``γ* = (π - Ψ) / 4``, rad (BMW eq. 6.2-18): for a given range, the
        flight-path angle that needs the least burnout speed; equally, for
        a given speed, the one that gives the greatest range. NaN outside
        ``[0, π]``.

    """
    psi = as_f64(range_angle_rad)
    valid = (psi >= 0.0) & (psi <= math.pi)
    return np.where(valid, 0.25 * (math.pi - psi), np.nan)


def min_energy_speed_mps(
    range_angle_rad: ArrayLike, radius_m: ArrayLike, mu: float = MU_EARTH_M3_S2
) -> FloatArray:
    """Least burnout speed that reaches range Ψ, flying at γ* = (π - Ψ)/4.

    Parameters
    ----------
    range_angle_rad : array_like
        Range angle Ψ, rad, in ``[0, π]``.
    radius_m : array_like
        Burnout (and re-entry) radius, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        Speed ``sqrt(Q μ / r)``, m/s, with
        ``Q = 2 sin(Ψ/2) / (1 + sin(Ψ/2))`` (BMW eq. 6.2-20). NaN outside
        ``[0, π]``.

    """
    psi = as_f64(range_angle_rad)
    s = np.sin(0.5 * psi)
    q = 2.0 * s / (1.0 + s)
    valid = (psi >= 0.0) & (psi <= math.pi)
    return np.where(valid, np.sqrt(np.abs(q) * mu / as_f64(radius_m)), np.nan)


def max_range_angle_rad(
    speed_mps: ArrayLike, radius_m: ArrayLike, mu: float = MU_EARTH_M3_S2
) -> FloatArray:
    """Greatest range angle reachable with burnout speed v from radius r.

    Parameters
    ----------
    speed_mps : array_like
        Burnout speed, m/s.
    radius_m : array_like
        Burnout (and re-entry) radius, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        Ψmax, rad, from ``sin(Ψmax / 2) = Q / (2 - Q)`` (BMW §6.2, the
        maximum-range condition). From Q = 1 (circular speed) on, every
        point of the Earth is in reach and the result is π, the antipode.
        NaN for Q >= 2 (escape).

    """
    q = q_parameter(speed_mps, radius_m, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.clip(q / (2.0 - q), 0.0, 1.0)  # escape (Q >= 2) is masked below
    return np.where((q >= 0.0) & (q < 2.0), 2.0 * np.arcsin(ratio), np.nan)


def free_flight_time_s(
    speed_mps: ArrayLike,
    gamma_rad: ArrayLike,
    radius_m: ArrayLike,
    mu: float = MU_EARTH_M3_S2,
) -> FloatArray:
    """Time of free flight from burnout back to the same radius.

    BMW §6.2, "time of free flight": twice the time from burnout to apogee
    by Kepler's equation, ``t = 2 sqrt(a³/μ) (π - E + e sin E)``, with
    ``a = r / (2 - Q)`` and the burnout eccentric anomaly ``E`` from
    ``e cos E = Q - 1`` and ``e sin E = sqrt(Q (2 - Q)) sin γ`` (from
    ``r = a (1 - e cos E)`` and ``r·v = sqrt(μ a) e sin E``). The
    two-argument arctangent keeps it exact for vertical (rectilinear,
    e = 1) flight and for γ = 0.

    Parameters
    ----------
    speed_mps : array_like
        Burnout speed, m/s.
    gamma_rad : array_like
        Burnout flight-path angle above the local horizontal, rad, in
        ``[0, π/2]``.
    radius_m : array_like
        Burnout (and re-entry) radius, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        Time of flight, s. NaN where the trajectory does not come back
        (Q >= 2) or γ is outside ``[0, π/2]``.

    """
    q = q_parameter(speed_mps, radius_m, mu)
    gamma = as_f64(gamma_rad)
    valid = _symmetric_flight_valid(q, gamma)
    qv = np.where(valid, q, 1.0)  # keeps a and the root finite where invalid
    a = as_f64(radius_m) / (2.0 - qv)
    e_sin_e = np.sqrt(qv * (2.0 - qv)) * np.sin(gamma)
    ecc_anomaly = np.arctan2(e_sin_e, qv - 1.0)
    t = 2.0 * np.sqrt(a**3 / mu) * (math.pi - ecc_anomaly + e_sin_e)
    return np.where(valid, t, np.nan)


def apogee_radius_m(
    speed_mps: ArrayLike,
    gamma_rad: ArrayLike,
    radius_m: ArrayLike,
    mu: float = MU_EARTH_M3_S2,
) -> FloatArray:
    """Apogee radius ``a (1 + e)`` of the free-flight ellipse.

    Parameters
    ----------
    speed_mps : array_like
        Burnout speed, m/s.
    gamma_rad : array_like
        Burnout flight-path angle, rad (any sign: the orbit depends on cos²γ).
    radius_m : array_like
        Burnout radius, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    ndarray
        Apogee radius from the Earth's centre, m, with ``a = r / (2 - Q)``
        and ``e² = 1 + Q (Q - 2) cos²γ`` (BMW §6.2), here as
        ``e = hypot(Q - 1, sqrt(Q (2 - Q)) sin γ)``, which cannot go
        negative under the root. NaN for Q >= 2.

    """
    q = q_parameter(speed_mps, radius_m, mu)
    valid = (q >= 0.0) & (q < 2.0)
    qv = np.where(valid, q, 1.0)
    a = as_f64(radius_m) / (2.0 - qv)
    e = np.hypot(qv - 1.0, np.sqrt(qv * (2.0 - qv)) * np.sin(as_f64(gamma_rad)))
    return np.where(valid, a * (1.0 + e), np.nan)


def gammas_for_range_rad(
    speed_mps: ArrayLike,
    range_angle_rad: ArrayLike,
    radius_m: ArrayLike,
    mu: float = MU_EARTH_M3_S2,
) -> tuple[FloatArray, FloatArray]:
    """Return the two burnout flight-path angles that reach range Ψ with speed v.

    BMW's flight-path-angle equation (§6.2),
    ``sin(2γ + Ψ/2) = ((2 - Q) / Q) sin(Ψ/2)``, has two roots: a low
    (depressed) and a high (lofted) trajectory, symmetric about the
    minimum-energy angle ``(π - Ψ)/4``. They merge at the maximum range.

    Parameters
    ----------
    speed_mps : array_like
        Burnout speed, m/s.
    range_angle_rad : array_like
        Range angle Ψ, rad, in ``[0, 2π)``.
    radius_m : array_like
        Burnout (and re-entry) radius, m.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    low, high : ndarray
        Flight-path angles, rad, ``low <= high``, each in ``[0, π/2]``. NaN
        where out of reach (Ψ beyond the maximum range, or Q >= 2). For
        Q > 1 the low root would be negative (a trajectory diving below the
        burnout radius) and is NaN; only the lofted one remains. A range
        that exceeds the maximum by rounding only (sine within 1e-12 of 1)
        is taken as the maximum.

    """
    q = q_parameter(speed_mps, radius_m, mu)
    psi = as_f64(range_angle_rad)
    half = 0.5 * psi
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (2.0 - q) / q * np.sin(half)
    reachable = (q > 0.0) & (q < 2.0) & (psi >= 0.0) & (psi < _TWO_PI) & (x <= 1.0 + _UNIT_SLACK)
    asin_x = np.arcsin(np.clip(np.where(reachable, x, 0.0), -1.0, 1.0))
    low = 0.5 * (asin_x - half)
    high = 0.5 * (math.pi - asin_x - half)

    def keep(gamma: FloatArray) -> FloatArray:
        ok = reachable & (gamma >= 0.0) & (gamma <= _HALF_PI)
        return np.where(ok, gamma, np.nan)

    return keep(low), keep(high)


class OrbitalElements(NamedTuple):
    """Shape and energy of a two-body orbit, from one state vector.

    All fields are arrays over the leading axes of the state; vectors have a
    last axis of 3.
    """

    semi_major_axis_m: FloatArray
    """``a = -μ / (2 ε)``, m; negative for a hyperbola, ±inf for a parabola."""
    eccentricity: FloatArray
    """``e = |e_vec|``, dimensionless."""
    specific_energy_m2_s2: FloatArray
    """``ε = v²/2 - μ/r``, J/kg = m²/s²."""
    angular_momentum_m2_s: FloatArray
    """Specific angular momentum vector ``h = r × v``, m²/s, shape (..., 3)."""
    periapsis_radius_m: FloatArray
    """``p / (1 + e)``, m; 0 for a rectilinear (h = 0) orbit."""
    apoapsis_radius_m: FloatArray
    """``a (1 + e)``, m; infinite for parabolas and hyperbolas."""
    semi_latus_rectum_m: FloatArray
    """``p = h² / μ``, m."""
    eccentricity_vector: FloatArray
    """``((v² - μ/r) r - (r·v) v) / μ``, pointing to periapsis, shape (..., 3)."""


def orbital_elements(
    r_m: ArrayLike, v_mps: ArrayLike, mu: float = MU_EARTH_M3_S2
) -> OrbitalElements:
    """Orbital elements of the two-body orbit through a state (BMW ch. 1 and 2).

    Parameters
    ----------
    r_m : array_like
        Position from the Earth's centre, m, shape (..., 3).
    v_mps : array_like
        Inertial velocity, m/s, shape (..., 3).
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    OrbitalElements
        Semi-major axis, eccentricity, specific energy, angular momentum
        vector, periapsis and apoapsis radii, semi-latus rectum and
        eccentricity vector.

    """
    r = as_f64(r_m)
    v = as_f64(v_mps)
    r, v = np.broadcast_arrays(r, v)
    rn = _norm(r)
    v2 = _dot(v, v)
    energy = 0.5 * v2 - mu / rn
    h = np.cross(r, v)
    e_vec = ((v2 - mu / rn)[..., None] * r - _dot(r, v)[..., None] * v) / mu
    e = _norm(e_vec)
    p = _dot(h, h) / mu
    with np.errstate(divide="ignore"):
        a = -mu / (2.0 * energy)
    ra = np.where(energy < 0.0, a * (1.0 + e), np.inf)
    return OrbitalElements(
        semi_major_axis_m=a,
        eccentricity=e,
        specific_energy_m2_s2=energy,
        angular_momentum_m2_s=h,
        periapsis_radius_m=p / (1.0 + e),
        apoapsis_radius_m=ra,
        semi_latus_rectum_m=p,
        eccentricity_vector=e_vec,
    )


# Taylor coefficients of c2(ψ) = Σ (-ψ)^k / (2k+2)! and c3(ψ) = Σ (-ψ)^k / (2k+3)!,
# highest power first for Horner's rule; 11 terms are exact to rounding for |ψ| < 1.
_C2_SERIES: Final = np.array([(-1.0) ** k / math.factorial(2 * k + 2) for k in range(10, -1, -1)])
_C3_SERIES: Final = np.array([(-1.0) ** k / math.factorial(2 * k + 3) for k in range(10, -1, -1)])
_TINY: Final = float(np.finfo(np.float64).tiny)


@njit
def _stumpff(psi: float) -> tuple[float, float]:
    """Scalar c2(ψ), c3(ψ) (see :func:`stumpff_c2_c3`)."""
    if abs(psi) < 1.0:
        c2 = 0.0
        c3 = 0.0
        for j in range(_C2_SERIES.shape[0]):
            c2 = c2 * psi + _C2_SERIES[j]
            c3 = c3 * psi + _C3_SERIES[j]
        return c2, c3
    if psi >= 1.0:
        sp = math.sqrt(psi)
        half = math.sin(0.5 * sp)
        return 2.0 * (half * half) / psi, (sp - math.sin(sp)) / (sp * sp * sp)
    if psi <= -1.0:
        sn = math.sqrt(-psi)
        half = math.sinh(0.5 * sn)
        return 2.0 * (half * half) / -psi, (math.sinh(sn) - sn) / (sn * sn * sn)
    return math.nan, math.nan


@njit
def _universal_time(
    chi: float, alpha: float, r0: float, sigma0: float
) -> tuple[float, float, float, float]:
    """``sqrt(μ) t`` and ``r`` at universal anomaly ``chi``, with the c2, c3 used."""
    chi2 = chi * chi
    psi = alpha * chi2
    c2, c3 = _stumpff(psi)
    time = sigma0 * chi2 * c2 + (1.0 - alpha * r0) * chi2 * chi * c3 + r0 * chi
    radius = chi2 * c2 + sigma0 * chi * (1.0 - psi * c3) + r0 * (1.0 - psi * c2)
    return time, radius, c2, c3


@njit
def _sign(x: float) -> float:
    """``numpy.sign`` of a scalar: -1, 0 or 1, NaN for NaN."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x


@njit
def _solve_universal_kepler(
    target: float, alpha: float, r0: float, sigma0: float, sqrt_mu: float
) -> float:
    """Solve ``sqrt(μ) Δt = target`` for the universal anomaly χ (Newton within a bracket).

    ``sqrt(μ) t(χ)`` increases strictly with χ (its derivative is ``r > 0``),
    so a bracket that always holds the root turns Newton's method into one
    that cannot diverge: a step leaving the bracket is replaced by bisection.
    Each loop stops after ``_KEPLER_MAX_ITERATIONS`` rounds; the anomaly is
    then the best of the bracket. NaN for a non-finite input.
    """
    if not (
        math.isfinite(target)
        and math.isfinite(alpha)
        and math.isfinite(r0)
        and math.isfinite(sigma0)
    ):
        return math.nan
    # Starting guesses of Vallado's algorithm 8: mean motion for ellipses,
    # the logarithmic form for hyperbolas; 'first order' otherwise.
    dt = target / sqrt_mu
    guess = target * alpha if alpha > 0.0 else target / r0
    if alpha < 0.0:
        a = 1.0 / alpha
        s = _sign(dt)
        hyper = (
            s
            * math.sqrt(-a)
            * math.log(
                (-2.0 * sqrt_mu**2 * alpha * dt)
                / (sigma0 * sqrt_mu + s * math.sqrt(-(sqrt_mu**2) * a) * (1.0 - r0 * alpha))
            )
        )
        if math.isfinite(hyper):
            guess = hyper

    # Bracket [lo, hi] around the root: t(0) = 0 on one side; the other side
    # is widened by doubling until it passes the root.
    width = max(abs(guess), abs(target) / r0) + _TINY
    forward = target >= 0.0
    lo = 0.0 if forward else -width
    hi = width if forward else 0.0
    for _ in range(_KEPLER_MAX_ITERATIONS):
        t_edge = _universal_time(hi if forward else lo, alpha, r0, sigma0)[0]
        # NaN (overflow far out on a hyperbola) counts as past the root.
        if not (t_edge < target if forward else t_edge > target):
            break
        if forward:
            hi = 2.0 * hi
        else:
            lo = 2.0 * lo

    chi = guess if lo <= guess <= hi else 0.5 * (lo + hi)
    for _ in range(_KEPLER_MAX_ITERATIONS):
        c = chi
        t, r, c2, c3 = _universal_time(c, alpha, r0, sigma0)
        residual = t - target
        # The residual cannot fall below the rounding of the sum that gives t.
        c_sq = c * c
        noise = abs(sigma0 * c_sq * c2) + abs((1.0 - alpha * r0) * c_sq * c * c3)
        noise = 8.0 * _EPS * (noise + abs(r0 * c) + abs(target))
        if residual < 0.0 or (math.isnan(residual) and c < 0.0):
            lo = c
        if residual > 0.0 or (math.isnan(residual) and c > 0.0):
            hi = c
        step = residual / r
        newton = c - step
        inside = math.isfinite(newton) and lo <= newton <= hi
        done = (
            abs(residual) <= noise
            or abs(step) <= 4.0 * _EPS * abs(c)
            or hi - lo <= 4.0 * _EPS * max(abs(lo), abs(hi))
        )
        if inside:
            chi = newton
        elif not done:
            chi = 0.5 * (lo + hi)
        if done:
            break
    return chi


@njit
def _dot3(ax: float, ay: float, az: float, bx: float, by: float, bz: float) -> float:
    """Dot product of two 3-vectors, summed as :func:`_dot` sums them: ``(x + z) + y``."""
    return (ax * bx + az * bz) + ay * by


@njit
def _kepler_kernel(
    r0v: FloatArray, v0v: FloatArray, dt: FloatArray, mu: float
) -> tuple[FloatArray, FloatArray]:
    """Universal-variable propagation of ``n`` states, one after the other.

    ``r0v``, ``v0v`` are (n, 3), ``dt`` (n,); returns the new positions and
    velocities, (n, 3) each.
    """
    n = dt.shape[0]
    r_new = np.empty((n, 3))
    v_new = np.empty((n, 3))
    sqrt_mu = math.sqrt(mu)
    for i in range(n):
        x, y, z = r0v[i, 0], r0v[i, 1], r0v[i, 2]
        vx, vy, vz = v0v[i, 0], v0v[i, 1], v0v[i, 2]
        r0 = math.sqrt(_dot3(x, y, z, x, y, z))
        sigma0 = _dot3(x, y, z, vx, vy, vz) / sqrt_mu
        alpha = 2.0 / r0 - _dot3(vx, vy, vz, vx, vy, vz) / mu
        chi = _solve_universal_kepler(sqrt_mu * dt[i], alpha, r0, sigma0, sqrt_mu)
        _, r, c2, c3 = _universal_time(chi, alpha, r0, sigma0)
        chi2 = chi * chi
        psi = alpha * chi2
        f = 1.0 - chi2 * c2 / r0
        g = dt[i] - chi2 * chi * c3 / sqrt_mu
        g_dot = 1.0 - chi2 * c2 / r
        f_dot = sqrt_mu * chi * (psi * c3 - 1.0) / (r * r0)
        for j in range(3):
            r_new[i, j] = f * r0v[i, j] + g * v0v[i, j]
            v_new[i, j] = f_dot * r0v[i, j] + g_dot * v0v[i, j]
    return r_new, v_new


@njit
def _stumpff_kernel(psi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """:func:`_stumpff` over a flat array."""
    c2 = np.empty_like(psi)
    c3 = np.empty_like(psi)
    for i in range(psi.shape[0]):
        c2[i], c3[i] = _stumpff(psi[i])
    return c2, c3


@njit
def _universal_time_kernel(
    chi: FloatArray, alpha: FloatArray, r0: FloatArray, sigma0: FloatArray
) -> FloatArray:
    """:func:`_universal_time`'s ``sqrt(μ) t`` over flat arrays."""
    out = np.empty_like(chi)
    for i in range(chi.shape[0]):
        out[i] = _universal_time(chi[i], alpha[i], r0[i], sigma0[i])[0]
    return out


def stumpff_c2_c3(psi: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Stumpff functions c2(ψ) and c3(ψ) of the universal-variable formulation.

    Parameters
    ----------
    psi : array_like
        ``ψ = χ² / a``: positive on ellipses, negative on hyperbolas.

    Returns
    -------
    c2, c3 : ndarray
        ``c2 = (1 - cos√ψ) / ψ``, ``c3 = (√ψ - sin√ψ) / √ψ³`` for ψ > 0 and
        their hyperbolic counterparts for ψ < 0 (Vallado algorithm 1;
        BMW §4.3 calls them C(z) and S(z)). For |ψ| < 1 a Taylor series
        replaces the closed forms, which lose digits to cancellation there;
        ``c2`` uses ``2 sin²(√ψ/2)`` to avoid the cancellation altogether.
        Overflow for ψ below about -5·10⁵ gives inf. Computed by a compiled
        scalar kernel, element by element.

    """
    x = as_f64(psi)
    c2, c3 = _stumpff_kernel(np.ascontiguousarray(x.reshape(-1)))
    return c2.reshape(x.shape), c3.reshape(x.shape)


def kepler_propagate(
    r0_m: ArrayLike, v0_mps: ArrayLike, dt_s: ArrayLike, mu: float = MU_EARTH_M3_S2
) -> tuple[FloatArray, FloatArray]:
    """Propagate a two-body state by a time step, in closed form.

    The universal-variable formulation (BMW §4.3-4.4; Vallado algorithm 8):
    Kepler's equation in the universal anomaly χ,
    ``sqrt(μ) Δt = σ0 χ² c2(ψ) + (1 - α r0) χ³ c3(ψ) + r0 χ`` with
    ``ψ = α χ²``, ``α = 2/r0 - v0²/μ = 1/a`` and ``σ0 = r0·v0 / sqrt(μ)``,
    is solved by Newton's method kept inside a bisection bracket, then the
    Lagrange coefficients f, g, ḟ, ġ give the new state. One formula for
    ellipses, parabolas and hyperbolas, forward and backward in time, to
    machine precision (a few 1e-8 m on a ballistic flight; orbits that dive
    within tens of kilometres of the Earth's centre are ill-conditioned for
    any method and keep fewer digits). A compiled kernel solves each state
    on its own, so a state's result does not depend on the batch it is in;
    a non-finite input gives NaN.

    Parameters
    ----------
    r0_m : array_like
        Initial position from the Earth's centre, m, shape (..., 3).
    v0_mps : array_like
        Initial inertial velocity, m/s, shape (..., 3).
    dt_s : array_like
        Time step, s, positive or negative, shape (...); broadcast against
        the leading axes of the state.
    mu : float
        Gravitational parameter, m³/s².

    Returns
    -------
    r_m, v_mps : ndarray
        Position (m) and velocity (m/s) after ``dt_s``, shape (..., 3). The
        conic is followed through the Earth: whether the path hits the
        ground first is for the caller to check.

    """
    r0v = as_f64(r0_m)
    v0v = as_f64(v0_mps)
    dt = as_f64(dt_s)
    shape = np.broadcast_shapes(r0v.shape[:-1], v0v.shape[:-1], dt.shape)
    r0v = np.ascontiguousarray(np.broadcast_to(r0v, (*shape, 3)).reshape(-1, 3))
    v0v = np.ascontiguousarray(np.broadcast_to(v0v, (*shape, 3)).reshape(-1, 3))
    dt = np.ascontiguousarray(np.broadcast_to(dt, shape).reshape(-1))
    r_new, v_new = _kepler_kernel(r0v, v0v, dt, float(mu))
    return r_new.reshape(*shape, 3), v_new.reshape(*shape, 3)


def time_to_radius_s(
    r0_m: ArrayLike,
    v0_mps: ArrayLike,
    radius_m: ArrayLike,
    mu: float = MU_EARTH_M3_S2,
    descending: bool = True,
) -> FloatArray:
    """Time until the two-body orbit next crosses a given radius.

    Closed form. On an ellipse the eccentric anomaly now follows from
    ``e cos E = 1 - r/a`` and ``e sin E = r·v / sqrt(μ a)`` (BMW §4.2), and
    at the crossing from ``R = a (1 - e cos E)``, with ``sin E < 0``
    descending and ``> 0`` ascending, written as
    ``sin(E/2) = sqrt((R - r_p) / (2 a e))`` to stay accurate near
    periapsis. Hyperbolas use the hyperbolic anomaly the same way
    (``e sinh H = r·v / sqrt(-μ a)``, ``sinh(H/2) = sqrt((R - r_p) / (-2 a e))``)
    and parabolas ``D = r·v / sqrt(μ)``. The anomaly difference, taken
    modulo one revolution on an ellipse, is turned into the universal
    anomaly ``Δχ = ΔE sqrt(a)`` (BMW §4.3) and the time into the universal
    Kepler equation, whose Stumpff-function form loses no digits as
    ``e → 1``: the same formula, to rounding, for ballistic ellipses,
    near-parabolic and hyperbolic orbits. Hyperbolas and parabolas only
    look ahead, as they never come back.

    Parameters
    ----------
    r0_m : array_like
        Position from the Earth's centre, m, shape (..., 3).
    v0_mps : array_like
        Inertial velocity, m/s, shape (..., 3).
    radius_m : array_like
        Radius to cross, m, shape (...).
    mu : float
        Gravitational parameter, m³/s².
    descending : bool
        Look for the next crossing inwards (``r`` decreasing), e.g. re-entry
        at an altitude; False for the next one outwards.

    Returns
    -------
    ndarray
        Time from the state until the crossing, s, >= 0. NaN if the orbit
        never crosses that radius in that direction (radius outside
        ``[periapsis, apoapsis]``, or behind an escaping trajectory). A
        state that is on the radius now (to rounding) gives 0.

    """
    r0v = as_f64(r0_m)
    v0v = as_f64(v0_mps)
    big_r = as_f64(radius_m)
    sqrt_mu = math.sqrt(mu)
    r = _norm(r0v)
    sigma = _dot(r0v, v0v) / sqrt_mu  # r·v / sqrt(μ)
    alpha = 2.0 / r - _dot(v0v, v0v) / mu  # 1 / a
    h = np.cross(r0v, v0v)
    p = _dot(h, h) / mu
    ellipse = alpha > 0.0
    hyperbola = alpha < 0.0
    sign = -1.0 if descending else 1.0

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        root = np.sqrt(np.abs(alpha))
        e_cos = 1.0 - r * alpha  # e cos E, e cosh H; 1 on a parabola
        e_sin = sigma * root  # e sin E, e sinh H; 0 on a parabola
        e = np.where(
            ellipse,
            np.hypot(e_cos, e_sin),
            np.sqrt(np.maximum((e_cos - e_sin) * (e_cos + e_sin), 0.0)),
        )
        # Universal anomaly now, measured from periapsis: E sqrt(a), H sqrt(-a), D.
        chi_now = np.where(
            ellipse,
            np.arctan2(e_sin, e_cos) / root,
            np.where(hyperbola, np.arcsinh(e_sin / e) / root, sigma),
        )
        # ... and at the crossing: y = (R - r_p) / e = χ² c2(α χ²).
        y = (big_r - p / (1.0 + e)) / e
        reach = y >= -_UNIT_SLACK * big_r
        y = np.maximum(y, 0.0)
        half = 0.5 * alpha * y  # sin²(E/2), -sinh²(H/2)
        reach &= ~ellipse | (half <= 1.0 + _UNIT_SLACK)
        chi_target = sign * np.where(
            ellipse,
            2.0 * np.arcsin(np.sqrt(np.minimum(half, 1.0))) / root,
            np.where(hyperbola, 2.0 * np.arcsinh(np.sqrt(-half)) / root, np.sqrt(2.0 * y)),
        )
        d_chi = chi_target - chi_now
        # One revolution ahead on an ellipse; a crossing a rounding error
        # behind the state is taken as now.
        period_chi = _TWO_PI / root
        d_chi_ellipse = np.mod(d_chi, period_chi)
        d_chi_ellipse = np.where(
            d_chi_ellipse > period_chi * (1.0 - _WRAP_SLACK_RAD / _TWO_PI), 0.0, d_chi_ellipse
        )
        behind = d_chi < -_WRAP_SLACK_RAD * (np.abs(chi_now) + np.abs(chi_target))
        d_chi = np.where(ellipse, d_chi_ellipse, np.where(behind, np.nan, np.maximum(d_chi, 0.0)))
    shape = d_chi.shape
    flat = [
        np.ascontiguousarray(np.broadcast_to(a, shape).reshape(-1))
        for a in (d_chi, alpha, r, sigma)
    ]
    t = _universal_time_kernel(*flat).reshape(shape) / sqrt_mu
    return np.where(reach & (big_r > 0.0), np.maximum(t, 0.0), np.nan)
