"""Batch flyouts of ballistic missiles: 3-DOF point mass on a rotating Earth.

The model (every part can be checked against a closed form or a peer
integrator; see ``tests/test_flyout.py``):

* State: position and velocity in an Earth-centred inertial frame that
  coincides with the Earth-fixed frame at launch; the Earth turns beneath at
  ``earth.omega_rad_s`` and the atmosphere turns with it.
* Gravity: point mass ``-μ r/|r|³``, with the J2 term on request.
* Atmosphere: U.S. Standard Atmosphere 1976 (:mod:`jointshield.atmosphere`),
  no density above :data:`~jointshield.atmosphere.ATMOSPHERE_TOP_M`; drag
  ``-½ ρ |v_rel| v_rel Cd A / m`` on the velocity relative to the air.
* Powered flight (:mod:`jointshield.flight.missile`): constant-thrust
  stages, vertical rise, then a constant-rate pitch-over in the plane of
  flight, reaching ``pitch_end`` at thrust cut-off; thrust may be cut
  before the nominal burn ends.
* Free flight: the re-entry vehicle separates at burnout. Below the
  atmosphere's top it is integrated numerically; above it, with point-mass
  gravity, the arc is a Kepler ellipse and is solved in closed form (this is
  exact, and is where a flyout spends most of its time).

Phases: boost (numerical, steps land on every stage event), post-boost
atmospheric flight (numerical, until the vehicle leaves the atmosphere or
hits the ground), exo-atmospheric coast (closed form, or numerical with J2),
re-entry (numerical, to impact). The integrator is a compiled kernel
(:func:`_integrate`, built on :mod:`jointshield.flight.integrate`) that flies
each trajectory of a phase on its own, so that no result depends on the batch,
chunk or worker it was flown in; a batch is still cut into chunks, which the
worker processes share out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import FloatArray, IntArray
from jointshield.compiled import njit
from jointshield.errors import JointshieldError
from jointshield.flight.earth import ROTATING_WGS84, Earth
from jointshield.flight.integrate import (
    LOG_RATIO_FLOOR,
    MAX_STEPS,
    ROOT_ITERATIONS,
    ROOT_TOL_S,
    SOLUTION,
    C,
    dense_coefficients,
    dense_state,
    error_ratio,
    root_start,
    root_trial,
    root_update,
    stage_state,
    step_control,
)
from jointshield.flight.missile import MissileModel
from jointshield.physics.atmosphere import ATMOSPHERE_TOP_M, AtmosphereTable
from jointshield.physics.ballistics import kepler_propagate
from jointshield.physics.geo import (
    ecef_to_geodetic,
    eci_to_ecef,
    enu_basis,
    geodesic_inverse,
    geodetic_altitude_m,
    geodetic_to_ecef,
    radial_height_m,
    velocity_eci_to_ecef,
)

#: Status codes of a flyout.
STATUS_IMPACT = 0
STATUS_ORBIT = 1
STATUS_ESCAPE = 2
STATUS_CRASH = 3
STATUS_NAMES = {
    STATUS_IMPACT: "impact",
    STATUS_ORBIT: "orbit",
    STATUS_ESCAPE: "escape",
    STATUS_CRASH: "crash",
}

#: Phase codes of trajectory samples.
PHASE_NONE = -1
PHASE_BOOST = 0
PHASE_COAST = 1
PHASE_REENTRY = 2
PHASE_NAMES = {PHASE_BOOST: "boost", PHASE_COAST: "coast", PHASE_REENTRY: "reentry"}

_FOREVER_S = 1.0e5
_DEFAULT_CHUNK = 8192
_NO_SAMPLES = np.empty((0, 0, 6))
_NO_PHASES = np.empty((0, 0), dtype=np.int8)


@dataclass(frozen=True)
class Accuracy:
    """Error tolerances of the flight integrator, per phase.

    A velocity error made during the boost is carried through the whole free
    flight (at 2,000 km, 1 mm/s at burnout moves the impact by about 1 m),
    whereas one made during re-entry acts only for the last minute of
    flight: so the boost gets the tighter velocity tolerance.

    Parameters
    ----------
    position_m : float
        Local error allowed per step in each position component, m.
    boost_velocity_mps : float
        Local error allowed per step in each velocity component in the boost, m/s.
    free_velocity_mps : float
        The same in free flight inside the atmosphere, m/s.
    """

    position_m: float = 1.0
    boost_velocity_mps: float = 1e-3
    free_velocity_mps: float = 2e-2

    @classmethod
    def scaled(cls, factor: float) -> Accuracy:
        """All tolerances multiplied by ``factor`` (< 1 is tighter)."""
        d = cls()
        return cls(
            d.position_m * factor, d.boost_velocity_mps * factor, d.free_velocity_mps * factor
        )

    def atol(self, phase: str) -> FloatArray:
        """Tolerance column of a phase (``boost`` or ``free``), shape (6, 1)."""
        p = self.position_m
        v = self.boost_velocity_mps if phase == "boost" else self.free_velocity_mps
        return np.array([p, p, p, v, v, v])[:, None]


@dataclass
class Flyouts:
    """Results of a batch of flyouts; every array has the batch as first axis.

    Times are seconds after launch. Positions and velocities are Earth-fixed
    (ECEF, m and m/s, velocity relative to the rotating Earth). Angles are
    radians; the flight-path angle is measured from the local (geodetic)
    horizontal. Events that did not happen are NaN.
    """

    earth: Earth
    launch_lat_rad: FloatArray
    launch_lon_rad: FloatArray
    launch_alt_m: FloatArray
    status: NDArray[np.int8]
    t_burnout_s: FloatArray
    burnout_r_m: FloatArray
    burnout_v_mps: FloatArray
    t_apogee_s: FloatArray
    apogee_alt_m: FloatArray
    t_reentry_s: FloatArray
    t_impact_s: FloatArray
    impact_r_m: FloatArray
    impact_v_mps: FloatArray
    sample_dt_s: float | None = None
    samples: FloatArray | None = None
    sample_phase: NDArray[np.int8] | None = None
    stats: dict[str, int] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.status.shape[0])

    _PER_FLYOUT = (
        "launch_lat_rad",
        "launch_lon_rad",
        "launch_alt_m",
        "status",
        "t_burnout_s",
        "burnout_r_m",
        "burnout_v_mps",
        "t_apogee_s",
        "apogee_alt_m",
        "t_reentry_s",
        "t_impact_s",
        "impact_r_m",
        "impact_v_mps",
    )

    def take(self, index: ArrayLike) -> Flyouts:
        """Return the flyouts at ``index`` (an integer array or boolean mask), in that order."""
        idx = np.asarray(index)
        arrays: dict[str, Any] = {name: getattr(self, name)[idx] for name in self._PER_FLYOUT}
        return Flyouts(
            earth=self.earth,
            sample_dt_s=self.sample_dt_s,
            samples=None if self.samples is None else self.samples[idx],
            sample_phase=None if self.sample_phase is None else self.sample_phase[idx],
            stats=dict(self.stats),
            **arrays,
        )

    @classmethod
    def concatenate(cls, parts: Sequence[Flyouts]) -> Flyouts:
        """Join batches flown on the same Earth (and sample interval) into one.

        Sample tables of different lengths are padded with NaN (phase -1).
        """
        if not parts:
            raise JointshieldError("nothing to concatenate")
        first = parts[0]
        if any(p.earth != first.earth or p.sample_dt_s != first.sample_dt_s for p in parts):
            raise JointshieldError("flyouts on different Earth models or sample intervals")
        arrays: dict[str, Any] = {
            name: np.concatenate([getattr(p, name) for p in parts]) for name in cls._PER_FLYOUT
        }
        samples = phase = None
        if all(p.samples is not None and p.sample_phase is not None for p in parts):
            k = max(p.samples.shape[1] for p in parts if p.samples is not None)
            samples = np.concatenate(
                [
                    np.pad(
                        p.samples,
                        ((0, 0), (0, k - p.samples.shape[1]), (0, 0)),
                        constant_values=np.nan,
                    )
                    for p in parts
                    if p.samples is not None
                ]
            )
            phase = np.concatenate(
                [
                    np.pad(
                        p.sample_phase,
                        ((0, 0), (0, k - p.sample_phase.shape[1])),
                        constant_values=PHASE_NONE,
                    )
                    for p in parts
                    if p.sample_phase is not None
                ]
            )
        stats: dict[str, int] = {
            "steps": sum(p.stats.get("steps", 0) for p in parts),
            "chunks": sum(p.stats.get("chunks", 0) for p in parts),
        }
        return cls(
            earth=first.earth,
            sample_dt_s=first.sample_dt_s,
            samples=samples,
            sample_phase=phase,
            stats=stats,
            **arrays,
        )

    def trim_samples(self) -> Flyouts:
        """Return the same flyouts with the sample table cut after the last impact."""
        if self.sample_phase is None or self.samples is None:
            return self
        used = np.flatnonzero((self.sample_phase >= 0).any(axis=0))
        k = int(used[-1]) + 1 if used.size else 1
        out = self.take(np.arange(len(self)))
        out.samples = self.samples[:, :k].copy()
        out.sample_phase = self.sample_phase[:, :k].copy()
        return out

    def _cached(self, key: str) -> Any:
        if key not in self._derived:
            ell = self.earth.ellipsoid
            if key in ("burnout", "impact"):
                r = self.burnout_r_m if key == "burnout" else self.impact_r_m
                v = self.burnout_v_mps if key == "burnout" else self.impact_v_mps
                lat, lon, alt = ecef_to_geodetic(r, ell)
                up = np.stack(
                    [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1
                )
                speed = np.linalg.norm(v, axis=-1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    gamma = np.arcsin(np.clip(np.sum(v * up, -1) / speed, -1.0, 1.0))
                self._derived[key] = (lat, lon, alt, speed, gamma)
            elif key == "range":
                lat, lon = self._cached("impact")[:2]
                dist, az, _ = geodesic_inverse(
                    self.launch_lat_rad, self.launch_lon_rad, lat, lon, ell
                )
                self._derived[key] = (dist, az)
        return self._derived[key]

    @property
    def burnout_speed_mps(self) -> FloatArray:
        """Speed at burnout relative to the Earth, m/s."""
        out: FloatArray = self._cached("burnout")[3]
        return out

    @property
    def burnout_gamma_rad(self) -> FloatArray:
        """Flight-path angle at burnout above the local horizontal, rad."""
        out: FloatArray = self._cached("burnout")[4]
        return out

    @property
    def burnout_alt_m(self) -> FloatArray:
        """Altitude at burnout, m."""
        out: FloatArray = self._cached("burnout")[2]
        return out

    @property
    def impact_lat_rad(self) -> FloatArray:
        """Geodetic latitude of the impact point, rad."""
        out: FloatArray = self._cached("impact")[0]
        return out

    @property
    def impact_lon_rad(self) -> FloatArray:
        """Longitude of the impact point, rad."""
        out: FloatArray = self._cached("impact")[1]
        return out

    @property
    def impact_speed_mps(self) -> FloatArray:
        """Speed at impact relative to the Earth, m/s."""
        out: FloatArray = self._cached("impact")[3]
        return out

    @property
    def impact_gamma_rad(self) -> FloatArray:
        """Flight-path angle at impact (negative: descending), rad."""
        out: FloatArray = self._cached("impact")[4]
        return out

    @property
    def ground_range_m(self) -> FloatArray:
        """Geodesic distance from the launch point to the impact point, m."""
        out: FloatArray = self._cached("range")[0]
        return out

    @property
    def flight_time_s(self) -> FloatArray:
        """Time from launch (or from the start of free flight) to impact, s."""
        return self.t_impact_s

    @property
    def sample_times_s(self) -> FloatArray | None:
        """Times of the trajectory samples, s (shared by the whole batch)."""
        if self.samples is None or self.sample_dt_s is None:
            return None
        return np.arange(self.samples.shape[1], dtype=np.float64) * float(self.sample_dt_s)

    def summary(self, i: int = 0) -> dict[str, float | str]:
        """Return the headline figures of flyout ``i`` in reporting units (km, s, deg)."""
        return {
            "status": STATUS_NAMES[int(self.status[i])],
            "range_km": float(self.ground_range_m[i] / 1e3),
            "flight_time_s": float(self.t_impact_s[i]),
            "apogee_km": float(self.apogee_alt_m[i] / 1e3),
            "apogee_time_s": float(self.t_apogee_s[i]),
            "burnout_time_s": float(self.t_burnout_s[i]),
            "burnout_speed_kms": float(self.burnout_speed_mps[i] / 1e3),
            "burnout_angle_deg": float(np.degrees(self.burnout_gamma_rad[i])),
            "burnout_altitude_km": float(self.burnout_alt_m[i] / 1e3),
            "reentry_time_s": float(self.t_reentry_s[i]),
            "impact_lat": float(np.degrees(self.impact_lat_rad[i])),
            "impact_lon": float(np.degrees(self.impact_lon_rad[i])),
            "impact_speed_kms": float(self.impact_speed_mps[i] / 1e3),
            "impact_angle_deg": float(-np.degrees(self.impact_gamma_rad[i])),
        }


# --------------------------------------------------------------------------- physics

# What the compiled integrator integrates: the right-hand side ...
_RHS_BOOST = 0  # gravity, thrust along the pitch programme, body drag
_RHS_FREE = 1  # gravity and the re-entry vehicle's drag
_RHS_VACUUM = 2  # gravity only
# ... and the terminal event, where the event function goes from > 0 to <= 0.
_EVENT_NONE = 0
_EVENT_EXIT_OR_IMPACT = 1  # leaves the atmosphere (r_switch) or reaches the ground
_EVENT_IMPACT = 2  # reaches the ground
_EVENT_DESCEND = 3  # comes down to r_switch

# Rows of the per-trajectory parameter table of the boost ...
(
    _P_T_RISE,
    _P_INV_TURN,
    _P_TURN,
    _P_NX,
    _P_NY,
    _P_NZ,
    _P_CDA,
    _P_T0,
    _P_MDOT,
    _P_THRUST,
    _P_M0,
) = range(11)
# ... and of free flight.
_P_H_IMP, _P_R_SW, _P_INV_BETA = range(3)
# Entries of the Earth's constants and of the atmosphere table's.
_E_MU, _E_OMEGA, _E_J2, _E_B, _E_E2 = range(5)
_A_BOTTOM, _A_INV_STEP, _A_STEP, _A_LAST, _A_TOP = range(5)


@njit
def _radial_height(p2: float, r2: float, earth: FloatArray) -> float:
    """:func:`jointshield.geo.radial_height_m` of one point, m."""
    return float(math.sqrt(r2) - earth[_E_B] / math.sqrt(1.0 - earth[_E_E2] * (p2 / r2)))


@njit
def _altitude(y: FloatArray, earth: FloatArray) -> float:
    """Radial height of a state (6,) above the ellipsoid, m."""
    p2 = y[0] * y[0] + y[1] * y[1]
    return _radial_height(p2, p2 + y[2] * y[2], earth)


@njit
def _density(z: float, log_rho: FloatArray, slope: FloatArray, atm: FloatArray) -> float:
    """:meth:`AtmosphereTable.density_kg_m3` at one altitude (m), kg/m³."""
    if math.isnan(z):
        return math.nan
    if z > atm[_A_TOP]:
        return 0.0
    u = min(max((z - atm[_A_BOTTOM]) * atm[_A_INV_STEP], 0.0), atm[_A_LAST])
    i = int(u)
    return math.exp(log_rho[i] + slope[i] * ((u - i) * atm[_A_STEP]))


@njit
def _derivative(
    rhs: int,
    t: float,
    y: FloatArray,
    par: FloatArray,
    i: int,
    earth: FloatArray,
    log_rho: FloatArray,
    slope: FloatArray,
    atm: FloatArray,
    out: FloatArray,
    row: int,
) -> None:
    """Write dy/dt of trajectory ``i`` at (t, y) into ``out[row]`` (out is (m, 6)).

    Gravity is a point mass ``-μ r/|r|³``, with the J2 zonal term where
    ``earth[_E_J2]`` (``1.5 J2 a²``) is not 0 (e.g. Vallado, *Fundamentals
    of Astrodynamics*, 4th ed., eq. 8-30). Drag is ``-½ ρ |v_rel| v_rel /
    β`` on the velocity relative to the air, which turns with the Earth
    (``v - ω × r``), at the radial height of :func:`_radial_height`. In the
    boost the thrust pitch above the local horizontal is 90° during the
    vertical rise, then turns at a constant rate to its final value at
    thrust cut-off, in the plane of flight.
    """
    x, yy, z = y[0], y[1], y[2]
    p2 = x * x + yy * yy
    r2 = p2 + z * z
    r = math.sqrt(r2)
    k = -earth[_E_MU] / (r2 * r)
    if earth[_E_J2] == 0.0:
        gx, gy, gz = k * x, k * yy, k * z
    else:
        s = earth[_E_J2] / r2
        z2r2 = 5.0 * z * z / r2
        kxy = k * (1.0 + s * (1.0 - z2r2))
        kz = k * (1.0 + s * (3.0 - z2r2))
        gx, gy, gz = kxy * x, kxy * yy, kz * z
    out[row, 0], out[row, 1], out[row, 2] = y[3], y[4], y[5]
    if rhs == _RHS_VACUUM:
        out[row, 3], out[row, 4], out[row, 5] = gx, gy, gz
        return
    mass = 0.0
    if rhs == _RHS_BOOST:
        mass = par[_P_M0, i] - par[_P_MDOT, i] * (t - par[_P_T0, i])
        k_over_m = par[_P_CDA, i] / mass
    else:
        k_over_m = par[_P_INV_BETA, i]
    rho = _density(_radial_height(p2, r2, earth), log_rho, slope, atm)
    omega = earth[_E_OMEGA]
    vx = y[3] + omega * y[1]
    vy = y[4] - omega * y[0]
    vz = y[5]
    c = -0.5 * rho * k_over_m * math.sqrt(vx * vx + vy * vy + vz * vz)
    dx, dy, dz = c * vx, c * vy, c * vz
    if rhs == _RHS_FREE:
        out[row, 3], out[row, 4], out[row, 5] = gx + dx, gy + dy, gz + dz
        return
    frac = min(max((t - par[_P_T_RISE, i]) * par[_P_INV_TURN, i], 0.0), 1.0)
    theta = 0.5 * math.pi - frac * par[_P_TURN, i]
    inv_r = 1.0 / r
    ux, uy, uz = x * inv_r, yy * inv_r, z * inv_r
    nx, ny, nz = par[_P_NX, i], par[_P_NY, i], par[_P_NZ, i]
    # Downrange horizontal: plane normal × radial, renormalised.
    hx = ny * uz - nz * uy
    hy = nz * ux - nx * uz
    hz = nx * uy - ny * ux
    a_t = par[_P_THRUST, i] / mass
    ch = a_t * math.cos(theta) / math.sqrt(hx * hx + hy * hy + hz * hz)
    sv = a_t * math.sin(theta)
    out[row, 3] = gx + dx + ch * hx + sv * ux
    out[row, 4] = gy + dy + ch * hy + sv * uy
    out[row, 5] = gz + dz + ch * hz + sv * uz


@njit
def _event(kind: int, y: FloatArray, par: FloatArray, i: int, earth: FloatArray) -> float:
    """Return the terminal event function of trajectory ``i`` at state ``y``, m."""
    r = math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2])
    if kind == _EVENT_DESCEND:
        return float(r - par[_P_R_SW, i])
    above = float(_altitude(y, earth) - par[_P_H_IMP, i])
    if kind == _EVENT_IMPACT:
        return above
    below_top = float(par[_P_R_SW, i] - r)
    if math.isnan(below_top) or math.isnan(above):
        return math.nan
    return min(below_top, above)


@njit
def _radial_rate(y: FloatArray) -> float:
    """``r·v`` of a state, m²/s: positive on the way up."""
    return float((y[0] * y[3] + y[1] * y[4]) + y[2] * y[5])


@njit
def _observe_apogee(
    gid: int,
    t0: float,
    h: float,
    scale: float,
    y0: FloatArray,
    rdot0: float,
    rdot1: float,
    q: FloatArray,
    earth: FloatArray,
    bracket: FloatArray,
    s: FloatArray,
    apo_t: FloatArray,
    apo_alt: FloatArray,
) -> None:
    """Record the highest point of a step where the radial velocity turns negative.

    The step's radial velocity goes from ``rdot0 > 0`` to ``rdot1 <= 0``.
    """
    flown = h * scale
    tol = 1e-9 / max(flown, 1e-9)
    root_start(rdot0, rdot1, bracket)
    for _ in range(ROOT_ITERATIONS):
        theta = root_trial(bracket, tol)
        if math.isnan(theta):
            break
        dense_state(y0, h, q, theta * scale, s)
        root_update(bracket, theta, _radial_rate(s))
    theta = bracket[1]
    dense_state(y0, h, q, theta * scale, s)
    alt = _altitude(s, earth)
    if alt > apo_alt[gid]:
        apo_t[gid] = t0 + theta * flown
        apo_alt[gid] = alt


@njit
def _observe_samples(
    gid: int,
    t0: float,
    h: float,
    scale: float,
    y0: FloatArray,
    q: FloatArray,
    samples: FloatArray,
    phase: NDArray[np.int8],
    dt: float,
    current_phase: int,
    s: FloatArray,
    first: int,
    last: int,
) -> None:
    """Write the states at sample times ``first * dt`` to ``last * dt`` into the sample table."""
    flown = h * scale
    for kk in range(first, last + 1):
        theta = (kk * dt - t0) / flown
        dense_state(y0, h, q, theta * scale, s)
        for c in range(6):
            samples[gid, kk, c] = s[c]
        phase[gid, kk] = current_phase


@njit
def _integrate(
    rhs: int,
    event: int,
    ids: IntArray,
    t: FloatArray,
    y: FloatArray,
    t_stop: FloatArray,
    h: FloatArray,
    par: FloatArray,
    atol: FloatArray,
    earth: FloatArray,
    log_rho: FloatArray,
    slope: FloatArray,
    atm: FloatArray,
    apo_t: FloatArray,
    apo_alt: FloatArray,
    samples: FloatArray,
    phase: NDArray[np.int8],
    sample_dt: float,
    current_phase: int,
    hit: NDArray[np.bool_],
) -> int:
    """Integrate each trajectory to its stop time or terminal event, in place.

    Dormand–Prince 5(4) with the PI controller of
    :mod:`jointshield.flight.integrate`. Trajectory ``j`` (global index
    ``ids[j]`` in the apogee and sample tables) starts at ``t[j]``,
    ``y[:, j]`` with step ``h[j]``; on return ``t``, ``y`` and ``h`` hold
    its final time, state and next step size and ``hit[j]`` whether it
    stopped on the event. A step that crosses the event is cut there; the
    observers (apogee, and samples where ``sample_dt > 0``) see only the
    part flown. Returns the number of steps taken, or -1 if a trajectory
    exceeded :data:`~jointshield.flight.integrate.MAX_STEPS`.
    """
    k = np.empty((7, 6))
    q = np.empty((4, 6))
    y0 = np.empty(6)
    y1 = np.empty(6)
    s = np.empty(6)
    bracket = np.empty(5)
    inv_atol = 1.0 / atol
    steps = 0
    for j in range(t.shape[0]):
        if not t[j] < t_stop[j]:
            continue
        gid = ids[j]
        tj, hj, stop = t[j], h[j], t_stop[j]
        for c in range(6):
            y0[c] = y[c, j]
        _derivative(rhs, tj, y0, par, j, earth, log_rho, slope, atm, k, 0)
        g = _event(event, y0, par, j, earth) if event != _EVENT_NONE else 0.0
        log_prev = LOG_RATIO_FLOOR
        n = 0
        done = False
        while not done:
            n += 1
            if n > MAX_STEPS:
                return -1
            remaining = stop - tj
            clipped = hj >= remaining
            hs = remaining if clipped else hj
            for st in range(1, 6):
                stage_state(y0, hs, k, st, s)
                _derivative(rhs, tj + C[st] * hs, s, par, j, earth, log_rho, slope, atm, k, st)
            stage_state(y0, hs, k, SOLUTION, y1)
            _derivative(rhs, tj + hs, y1, par, j, earth, log_rho, slope, atm, k, 6)
            accept, factor, log_prev = step_control(error_ratio(hs, k, inv_atol), log_prev)
            if accept:
                t1 = stop if clipped else tj + hs
                # The continuous extension, only for a step that needs it.
                have_q = False
                scale = 1.0
                if event != _EVENT_NONE:
                    g1 = _event(event, y1, par, j, earth)
                    if g > 0.0 and g1 <= 0.0:
                        dense_coefficients(k, q)
                        have_q = True
                        root_start(g, g1, bracket)
                        tol = ROOT_TOL_S / hs
                        for _ in range(ROOT_ITERATIONS):
                            theta = root_trial(bracket, tol)
                            if math.isnan(theta):
                                break
                            dense_state(y0, hs, q, theta, s)
                            root_update(bracket, theta, _event(event, s, par, j, earth))
                        scale = bracket[1]
                        t1 = tj + scale * hs
                        dense_state(y0, hs, q, scale, y1)
                        done = True
                        hit[j] = True
                        g = -1.0
                    else:
                        g = g1
                rdot0, rdot1 = _radial_rate(y0), _radial_rate(y1)
                if rdot0 > 0.0 and rdot1 <= 0.0:
                    if not have_q:
                        dense_coefficients(k, q)
                        have_q = True
                    _observe_apogee(
                        gid, tj, hs, scale, y0, rdot0, rdot1, q, earth, bracket, s, apo_t, apo_alt
                    )
                if sample_dt > 0.0:
                    first = math.floor(tj / sample_dt) + 1
                    last = min(math.floor((tj + hs * scale) / sample_dt), samples.shape[1] - 1)
                    if first <= last:
                        if not have_q:
                            dense_coefficients(k, q)
                        _observe_samples(
                            gid,
                            tj,
                            hs,
                            scale,
                            y0,
                            q,
                            samples,
                            phase,
                            sample_dt,
                            current_phase,
                            s,
                            first,
                            last,
                        )
                tj = t1
                for c in range(6):
                    y0[c] = y1[c]
                    k[0, c] = k[6, c]
                done = done or clipped
            # A step cut short by the stop time must not shrink the next one.
            hj = max(hj, hs * factor) if accept and clipped else hs * factor
        t[j], h[j] = tj, hj
        for c in range(6):
            y[c, j] = y0[c]
        steps += n
    return steps


class _Physics:
    """The Earth and atmosphere as the compiled right-hand sides read them.

    Altitude inside the right-hand sides is the radial height of
    :func:`jointshield.geo.radial_height_m` (within 6·10⁻⁶ of the geodetic
    height and equal to it on the ground), which costs a fifth as much.
    """

    def __init__(self, earth: Earth) -> None:
        self.earth = earth
        ell = earth.ellipsoid
        self.constants = np.array(
            [earth.mu_m3_s2, earth.omega_rad_s, 1.5 * earth.j2 * ell.a_m**2, ell.b_m, ell.e2]
        )
        table = AtmosphereTable.standard()
        self.log_rho = np.ascontiguousarray(table.log_density)
        self.slope = np.ascontiguousarray(table.log_density_slope)
        self.atm = np.array(
            [
                table.bottom_m,
                1.0 / table.step_m,
                table.step_m,
                float(table.log_density.size - 1),
                table.top_m,
            ]
        )

    def altitude(self, y: FloatArray) -> FloatArray:
        """Height of states ``y`` (6, m) above the ellipsoid (radial), m."""
        p2 = y[0] * y[0] + y[1] * y[1]
        return radial_height_m(p2, p2 + y[2] * y[2], self.earth.ellipsoid)


# --------------------------------------------------------------------------- observers


class _Apogee:
    """The highest point of each flight: where the radial velocity turns negative."""

    def __init__(self, n: int) -> None:
        self.t = np.full(n, np.nan)
        self.alt = np.full(n, -np.inf)

    def record(self, ids: IntArray, t: FloatArray, alt: FloatArray) -> None:
        better = alt > self.alt[ids]
        self.t[ids[better]] = t[better]
        self.alt[ids[better]] = alt[better]


class _Sampler:
    """The state at every multiple of ``dt``, in a shared table (ECI)."""

    def __init__(self, n: int, dt: float, n_samples: int) -> None:
        self.dt = dt
        self.data = np.full((n, n_samples, 6), np.nan)
        self.phase = np.full((n, n_samples), PHASE_NONE, dtype=np.int8)
        self.current_phase = PHASE_BOOST

    def put(self, ids: IntArray, kk: IntArray, states: FloatArray) -> None:
        self.data[ids, kk] = states.T
        self.phase[ids, kk] = self.current_phase


# --------------------------------------------------------------------------- the pipeline


def _as_batch(*arrays: ArrayLike) -> list[FloatArray]:
    arrs = [np.atleast_1d(np.asarray(a, dtype=float)) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    if len(shape) != 1:
        raise JointshieldError("flyout inputs must be scalars or one-dimensional arrays")
    return [np.ascontiguousarray(np.broadcast_to(a, shape)) for a in arrs]


def _launch_frame(
    lat: FloatArray, lon: FloatArray, alt: FloatArray, az: FloatArray, earth: Earth
) -> tuple[FloatArray, FloatArray]:
    """Launch position (ECI = ECEF at t=0) and the unit normal of the plane of flight."""
    r0 = geodetic_to_ecef(lat, lon, alt, earth.ellipsoid)
    u = r0 / np.linalg.norm(r0, axis=-1, keepdims=True)
    # Geocentric local north and east, so the plane contains the radial direction.
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], -1)
    north = np.cross(u, east)
    d = np.cos(az)[:, None] * north + np.sin(az)[:, None] * east
    return r0, np.cross(u, d)


def _state_eci(r_ecef: FloatArray, v_ecef: FloatArray, omega: float) -> FloatArray:
    """ECEF position/velocity at t=0 → inertial state (6, n)."""
    v = v_ecef + np.cross(np.array([0.0, 0.0, omega]), r_ecef)
    return np.concatenate([r_ecef.T, v.T], axis=0)


class _Chunk:
    """One cache-sized piece of a batch, flown phase by phase."""

    def __init__(
        self,
        physics: _Physics,
        n: int,
        accuracy: Accuracy,
        sample_dt_s: float | None,
        n_samples: int,
        impact_alt_m: FloatArray,
        inv_beta: FloatArray | None,
    ) -> None:
        self.physics = physics
        self.earth = physics.earth
        self.n = n
        self.accuracy = accuracy
        self.apogee = _Apogee(n)
        self.sampler = _Sampler(n, sample_dt_s, n_samples) if sample_dt_s else None
        self.impact_alt_m = impact_alt_m
        self.drag = inv_beta is not None
        self.status = np.full(n, STATUS_IMPACT, dtype=np.int8)
        self.t_reentry = np.full(n, np.nan)
        self.steps = 0
        # The exo-atmospheric coast runs above this radius: any point with r ≥ a + top is
        # above the atmosphere whatever its latitude. A flight that ends higher up (an
        # aim point above the atmosphere) ends its coast 1 km above that point instead.
        self.r_switch = self.earth.ellipsoid.a_m + np.maximum(ATMOSPHERE_TOP_M, impact_alt_m + 1e3)
        self.free_params = np.stack(
            [impact_alt_m, self.r_switch, np.zeros(n) if inv_beta is None else inv_beta]
        )

    def _propagate(
        self,
        rhs: int,
        event: int,
        ids: IntArray,
        t: FloatArray,
        y: FloatArray,
        t_stop: FloatArray,
        h: FloatArray,
        params: FloatArray,
        atol: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
        """Fly trajectories ``ids`` of the chunk with :func:`_integrate`.

        Returns their final times, states (6, m), next step sizes and
        whether each stopped on the event.
        """
        t = np.array(t, dtype=np.float64)
        y = np.array(y, dtype=np.float64, order="C")
        h = np.array(h, dtype=np.float64)
        hit = np.zeros(t.shape[0], dtype=np.bool_)
        sampler = self.sampler
        ph = self.physics
        steps = _integrate(
            rhs,
            event,
            np.ascontiguousarray(ids, dtype=np.intp),
            t,
            y,
            np.ascontiguousarray(t_stop, dtype=np.float64),
            h,
            np.ascontiguousarray(params, dtype=np.float64),
            np.ascontiguousarray(atol, dtype=np.float64),
            ph.constants,
            ph.log_rho,
            ph.slope,
            ph.atm,
            self.apogee.t,
            self.apogee.alt,
            _NO_SAMPLES if sampler is None else sampler.data,
            _NO_PHASES if sampler is None else sampler.phase,
            0.0 if sampler is None else float(sampler.dt),
            PHASE_NONE if sampler is None else int(sampler.current_phase),
            hit,
        )
        if steps < 0:
            raise RuntimeError(
                "flight integrator exceeded its step limit; the problem is too stiff"
            )
        self.steps += steps
        return t, y, h, hit

    def boost(
        self,
        missile: MissileModel,
        t: FloatArray,
        y: FloatArray,
        normal: FloatArray,
        pitch_end: FloatArray,
        cutoff: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        m = missile
        rise = m.vertical_rise_s
        ends = np.cumsum(m.burn_time_s)
        bounds = np.sort(np.concatenate([[rise], ends]))
        turn = 0.5 * np.pi - pitch_end
        params = np.empty((11, self.n))
        params[_P_T_RISE] = rise
        params[_P_INV_TURN] = 1.0 / (cutoff - rise)
        params[_P_TURN] = turn
        params[_P_NX], params[_P_NY], params[_P_NZ] = normal[:, 0], normal[:, 1], normal[:, 2]
        params[_P_CDA] = m.drag_coefficient * m.reference_area_m2
        starts, mdot, thrust, mass0 = (
            m.stage_start_s,
            m.mass_flow_kg_s,
            m.thrust_n,
            m.stage_start_mass_kg,
        )
        h = np.full(self.n, 1.0)
        ids = np.arange(self.n)
        atol = self.accuracy.atol("boost")[:, 0]
        seg_start = 0.0
        for b in bounds:
            mid = 0.5 * (seg_start + b)
            stage = int(np.searchsorted(ends, mid, side="right"))
            stage = min(stage, m.n_stages - 1)
            params[_P_T0] = seg_start
            params[_P_MDOT] = mdot[stage]
            params[_P_THRUST] = thrust[stage]
            params[_P_M0] = mass0[stage] - mdot[stage] * (seg_start - starts[stage])
            stop = np.minimum(b, cutoff)
            t, y, h, _ = self._propagate(_RHS_BOOST, _EVENT_NONE, ids, t, y, stop, h, params, atol)
            seg_start = b
        crashed = self.physics.altitude(y) < self.impact_alt_m
        self.status[crashed] = STATUS_CRASH
        return t, y

    def free_flight(self, t: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """From burnout (or any free-flight state) to impact; returns impact time and state."""
        if self.sampler is not None:
            self.sampler.current_phase = PHASE_COAST
        t_imp = np.full(self.n, np.nan)
        y_imp = np.full((6, self.n), np.nan)
        todo = self.status == STATUS_IMPACT
        r = np.linalg.norm(y[:3], axis=0)
        low = todo & (r < self.r_switch)
        # 1. Inside the atmosphere after burnout: up and out, or down to the ground.
        if low.any():
            i = np.flatnonzero(low)
            t_i, y_i, hit = self._numeric(t[i], y[:, i], i, _EVENT_EXIT_OR_IMPACT)
            t[i], y[:, i] = t_i, y_i
            above_ground = self.physics.altitude(y_i) - self.impact_alt_m[i]
            below_top = self.r_switch[i] - np.linalg.norm(y_i[:3], axis=0)
            landed = i[hit & (above_ground < below_top)]
            t_imp[landed], y_imp[:, landed] = t[landed], y[:, landed]
            todo[landed] = False
        # 2. Above the atmosphere: Kepler arc (or numerical with J2) down to its top.
        if todo.any():
            i = np.flatnonzero(todo)
            t[i], y[:, i] = self._coast(t[i], y[:, i], i)
            todo &= self.status == STATUS_IMPACT
            self.t_reentry[todo] = t[todo]
        # 3. Re-entry to impact.
        if self.sampler is not None:
            self.sampler.current_phase = PHASE_REENTRY
        if todo.any():
            i = np.flatnonzero(todo)
            t_imp[i], y_imp[:, i], _ = self._numeric(t[i], y[:, i], i, _EVENT_IMPACT)
        return t_imp, y_imp

    def _numeric(
        self, t: FloatArray, y: FloatArray, i: IntArray, event: int, drag: bool = True
    ) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        """Fly trajectories ``i`` in free flight to ``event``: times, states and event flags."""
        rhs = _RHS_FREE if drag and self.drag else _RHS_VACUUM
        params = self.free_params[:, i]
        h = np.full(i.size, 1.0)
        atol = self.accuracy.atol("free")[:, 0]
        t, y, _, hit = self._propagate(rhs, event, i, t, y, t + _FOREVER_S, h, params, atol)
        return t, y, hit

    def _coast(self, t: FloatArray, y: FloatArray, i: IntArray) -> tuple[FloatArray, FloatArray]:
        mu = self.earth.mu_m3_s2
        r_vec, v_vec = y[:3].T, y[3:].T
        r = np.linalg.norm(r_vec, axis=-1)
        v2 = np.sum(v_vec * v_vec, axis=-1)
        energy = 0.5 * v2 - mu / r
        escape = energy >= 0.0
        a = np.where(escape, np.nan, -mu / (2.0 * np.where(escape, -1.0, energy)))
        rv = np.sum(r_vec * v_vec, axis=-1)
        ecos = 1.0 - r / a
        esin = rv / np.sqrt(mu * a)
        e = np.hypot(ecos, esin)
        r_sw = self.r_switch[i]
        orbit = ~escape & (a * (1.0 - e) > r_sw)
        self.status[i[escape]] = STATUS_ESCAPE
        self.status[i[orbit]] = STATUS_ORBIT
        ok = ~escape & ~orbit
        if self.earth.j2 != 0.0:
            ok_i = np.flatnonzero(ok)
            t[ok_i], y[:, ok_i], _ = self._numeric(
                t[ok_i], y[:, ok_i], i[ok_i], _EVENT_DESCEND, drag=False
            )
            return t, y
        # Eccentric anomaly now (E0) and at the descending crossing of r_switch (E1).
        e0 = np.arctan2(esin, ecos)
        e0 = np.where(e0 < 0.0, e0 + 2.0 * np.pi, e0)
        with np.errstate(invalid="ignore"):
            cos_e1 = np.clip((1.0 - r_sw / a) / e, -1.0, 1.0)
        e1 = 2.0 * np.pi - np.arccos(cos_e1)
        n_mean = np.sqrt(mu / np.abs(a) ** 3)
        t_coast = ((e1 - e * np.sin(e1)) - (e0 - e * np.sin(e0))) / n_mean
        t_coast = np.where(ok, np.maximum(t_coast, 0.0), 0.0)
        # Apogee (E = π) if still ahead.
        ahead = ok & (e0 < np.pi)
        if ahead.any():
            j = np.flatnonzero(ahead)
            dt_apo = ((np.pi) - (e0[j] - e[j] * np.sin(e0[j]))) / n_mean[j]
            ra, _ = kepler_propagate(r_vec[j], v_vec[j], dt_apo, mu)
            alt = geodetic_altitude_m(np.hypot(ra[:, 0], ra[:, 1]), ra[:, 2], self.earth.ellipsoid)
            self.apogee.record(i[j], t[j] + dt_apo, alt)
        if self.sampler is not None:
            self._sample_coast(t, r_vec, v_vec, t_coast, i, ok)
        j = np.flatnonzero(ok)
        r1, v1 = kepler_propagate(r_vec[j], v_vec[j], t_coast[j], mu)
        t = t.copy()
        y = y.copy()
        t[j] = t[j] + t_coast[j]
        y[:3, j] = r1.T
        y[3:, j] = v1.T
        return t, y

    def _sample_coast(
        self,
        t: FloatArray,
        r_vec: FloatArray,
        v_vec: FloatArray,
        t_coast: FloatArray,
        i: IntArray,
        ok: NDArray[np.bool_],
    ) -> None:
        assert self.sampler is not None
        dt = self.sampler.dt
        first = np.floor(t / dt).astype(np.intp) + 1
        last = np.minimum(
            np.floor((t + t_coast) / dt).astype(np.intp), self.sampler.data.shape[1] - 1
        )
        count = np.where(ok, last - first + 1, 0)
        for j in range(int(count.max(initial=0))):
            sel = np.flatnonzero(count > j)
            kk = first[sel] + j
            rs, vs = kepler_propagate(r_vec[sel], v_vec[sel], kk * dt - t[sel], self.earth.mu_m3_s2)
            self.sampler.put(i[sel], kk, np.concatenate([rs, vs], axis=-1).T)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class _Job:
    """Everything one chunk needs, picklable so that worker processes can fly it."""

    earth: Earth
    accuracy: Accuracy
    sample_dt_s: float | None
    n_samples: int
    y0: FloatArray  # (6, m) inertial state at t0
    impact_alt_m: FloatArray
    inv_beta: FloatArray | None
    missile: MissileModel | None = None  # None: free flight from y0
    normal: FloatArray | None = None
    pitch_end_rad: FloatArray | None = None
    cutoff_s: FloatArray | None = None


def _fly_job(job: _Job) -> dict[str, Any]:
    """Fly one chunk from launch (or burnout) to impact; module-level for pickling."""
    physics = _Physics(job.earth)
    m = job.y0.shape[1]
    ch = _Chunk(
        physics, m, job.accuracy, job.sample_dt_s, job.n_samples, job.impact_alt_m, job.inv_beta
    )
    t = np.zeros(m)
    y = job.y0.copy()
    if ch.sampler is not None:
        ch.sampler.current_phase = PHASE_BOOST if job.missile is not None else PHASE_COAST
        ch.sampler.put(np.arange(m), np.zeros(m, dtype=np.intp), y)
    if job.missile is not None:
        assert job.normal is not None and job.pitch_end_rad is not None and job.cutoff_s is not None
        t, y = ch.boost(job.missile, t, y, job.normal, job.pitch_end_rad, job.cutoff_s)
    t_bo, y_bo = t.copy(), y.copy()
    t_imp, y_imp = ch.free_flight(t, y)
    out: dict[str, Any] = {
        "status": ch.status,
        "t_bo": t_bo,
        "y_bo": y_bo,
        "t_imp": np.where(ch.status == STATUS_IMPACT, t_imp, np.nan),
        "y_imp": np.where(ch.status == STATUS_IMPACT, y_imp, np.nan),
        "t_apo": ch.apogee.t,
        "alt_apo": np.where(np.isfinite(ch.apogee.alt), ch.apogee.alt, np.nan),
        "t_re": ch.t_reentry,
        "steps": ch.steps,
    }
    if ch.sampler is not None:
        out["samples"] = ch.sampler.data
        out["phase"] = ch.sampler.phase
    return out


def _run(jobs: list[_Job], workers: int) -> list[dict[str, Any]]:
    """Fly the chunks, in this process or in ``workers`` processes (same results)."""
    if workers <= 1 or len(jobs) <= 1:
        return [_fly_job(j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(_fly_job, jobs))


def _split(n: int, chunk_size: int) -> list[slice]:
    """Chunks of at most ``chunk_size`` flyouts, of near-equal size.

    The split never depends on the number of workers, so neither do the
    results, to the last bit.
    """
    n_chunks = max(-(-n // max(chunk_size, 1)), 1)
    bounds = np.linspace(0, n, n_chunks + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def _assemble(
    earth: Earth,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    parts: Sequence[dict[str, Any]],
    sample_dt_s: float | None,
) -> Flyouts:
    def cat(key: str) -> Any:
        return np.concatenate([p[key] for p in parts], axis=-1 if key in ("y_bo", "y_imp") else 0)

    omega = earth.omega_rad_s
    t_bo, y_bo = cat("t_bo"), cat("y_bo")
    t_imp, y_imp = cat("t_imp"), cat("y_imp")

    def to_ecef(t: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        r, v = y[:3].T, y[3:].T
        return eci_to_ecef(r, t, omega), velocity_eci_to_ecef(r, v, t, omega)

    r_bo, v_bo = to_ecef(t_bo, y_bo)
    r_imp, v_imp = to_ecef(t_imp, y_imp)
    samples = phase = None
    if sample_dt_s:
        eci = cat("samples")
        phase = cat("phase")
        times = np.arange(eci.shape[1]) * sample_dt_s
        samples = np.concatenate(
            [
                eci_to_ecef(eci[..., :3], times[None, :], omega),
                velocity_eci_to_ecef(eci[..., :3], eci[..., 3:], times[None, :], omega),
            ],
            axis=-1,
        )
    stats = {"steps": int(sum(p["steps"] for p in parts)), "chunks": len(parts)}
    return Flyouts(
        earth=earth,
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        launch_alt_m=alt,
        status=cat("status"),
        t_burnout_s=t_bo,
        burnout_r_m=r_bo,
        burnout_v_mps=v_bo,
        t_apogee_s=cat("t_apo"),
        apogee_alt_m=cat("alt_apo"),
        t_reentry_s=cat("t_re"),
        t_impact_s=t_imp,
        impact_r_m=r_imp,
        impact_v_mps=v_imp,
        sample_dt_s=sample_dt_s,
        samples=samples,
        sample_phase=phase,
        stats=stats,
    )


def _n_samples(sample_dt_s: float | None, horizon_s: float) -> int:
    if sample_dt_s is not None and sample_dt_s <= 0:
        raise JointshieldError(f"sample interval must be positive, got {sample_dt_s} s")
    return int(np.ceil(horizon_s / sample_dt_s)) + 1 if sample_dt_s else 0


def fly_powered(
    missile: MissileModel,
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    azimuth_rad: ArrayLike,
    pitch_end_rad: ArrayLike,
    cutoff_s: ArrayLike | None = None,
    *,
    alt_m: ArrayLike = 0.0,
    impact_alt_m: ArrayLike = 0.0,
    earth: Earth = ROTATING_WGS84,
    drag: bool = True,
    accuracy: Accuracy = Accuracy(),
    sample_dt_s: float | None = None,
    sample_horizon_s: float = 3600.0,
    chunk_size: int = _DEFAULT_CHUNK,
    workers: int = 1,
) -> Flyouts:
    """Fly a batch of missiles of one type from launch to impact.

    Parameters
    ----------
    missile : MissileModel
        The missile (stages, payload, drag).
    lat_rad, lon_rad : array_like
        Geodetic launch latitude and longitude, rad; scalars or shape (n,).
    azimuth_rad : array_like
        Azimuth of the plane of flight at launch, clockwise from north, rad
        (inertial: on a rotating Earth the ground track bends a little).
    pitch_end_rad : array_like
        Thrust pitch above the local horizontal at thrust cut-off, rad: low
        values depress, high values loft the trajectory.
    cutoff_s : array_like, optional
        Thrust termination time after launch, s (default: the full burn).
    alt_m : array_like
        Launch altitude above the ellipsoid, m.
    impact_alt_m : array_like
        Altitude of the ground at the aim point, m.
    earth : Earth
        Shape, gravity and rotation (default: rotating WGS-84).
    drag : bool
        Whether the atmosphere acts on the missile and re-entry vehicle.
    accuracy : Accuracy
        Integrator tolerances.
    sample_dt_s : float, optional
        Keep the trajectory sampled at this interval (ECEF states, see
        :attr:`Flyouts.samples`); by default only events and summaries are
        kept, which is what large batches should ask for.
    sample_horizon_s : float
        Longest flight the sample table has room for, s.
    chunk_size : int
        Trajectories integrated together; a few thousand fit in cache.
    workers : int
        Processes to fly the chunks in; the results do not depend on it.

    Returns
    -------
    Flyouts
        Events and summaries of every flyout.
    """
    full_burn = missile.total_burn_s
    lat, lon, az, pitch, cut, alt, h_imp = _as_batch(
        lat_rad,
        lon_rad,
        azimuth_rad,
        pitch_end_rad,
        full_burn if cutoff_s is None else cutoff_s,
        alt_m,
        impact_alt_m,
    )
    n = lat.shape[0]
    # At least a second of pitch-over after the vertical rise.
    cutoff = np.clip(cut, missile.vertical_rise_s + 1.0, full_burn)
    inv_beta = np.full(n, 1.0 / missile.reentry_beta_kg_m2) if drag else None
    flown = missile if drag else replace(missile, drag_coefficient=0.0)
    r0, normal = _launch_frame(lat, lon, alt, az, earth)
    y0 = _state_eci(r0, np.zeros_like(r0), earth.omega_rad_s)
    n_samples = _n_samples(sample_dt_s, sample_horizon_s)
    jobs = [
        _Job(
            earth,
            accuracy,
            sample_dt_s,
            n_samples,
            y0[:, s],
            h_imp[s],
            None if inv_beta is None else inv_beta[s],
            flown,
            normal[s],
            pitch[s],
            cutoff[s],
        )
        for s in _split(n, chunk_size)
    ]
    return _assemble(earth, lat, lon, alt, _run(jobs, workers), sample_dt_s)


def fly_free(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    azimuth_rad: ArrayLike,
    speed_mps: ArrayLike,
    gamma_rad: ArrayLike,
    *,
    alt_m: ArrayLike = 0.0,
    impact_alt_m: ArrayLike = 0.0,
    beta_kg_m2: ArrayLike | None = None,
    earth: Earth = ROTATING_WGS84,
    accuracy: Accuracy = Accuracy(),
    sample_dt_s: float | None = None,
    sample_horizon_s: float = 3600.0,
    chunk_size: int = _DEFAULT_CHUNK,
    workers: int = 1,
) -> Flyouts:
    """Fly a batch of bodies in free flight from a given burnout state to impact.

    The burnout state is given relative to the Earth: speed, flight-path
    angle above the local horizontal and azimuth at a geodetic position.
    Times are measured from burnout.

    Parameters
    ----------
    lat_rad, lon_rad, alt_m : array_like
        Geodetic burnout position, rad and m.
    azimuth_rad : array_like
        Azimuth of the Earth-relative velocity, clockwise from north, rad.
    speed_mps : array_like
        Burnout speed relative to the Earth, m/s.
    gamma_rad : array_like
        Flight-path angle above the local horizontal, rad.
    impact_alt_m : array_like
        Altitude at which the flight ends, m.
    beta_kg_m2 : array_like, optional
        Ballistic coefficient m/(Cd A), kg/m²; None flies in vacuum.
    earth, accuracy, sample_dt_s, sample_horizon_s, chunk_size, workers
        As for :func:`fly_powered`.

    Returns
    -------
    Flyouts
        Events and summaries of every flyout (burnout at t = 0).
    """
    lat, lon, az, speed, gamma, alt, h_imp = _as_batch(
        lat_rad, lon_rad, azimuth_rad, speed_mps, gamma_rad, alt_m, impact_alt_m
    )
    n = lat.shape[0]
    inv_beta = None if beta_kg_m2 is None else 1.0 / _as_batch(beta_kg_m2, lat)[0]
    r0 = geodetic_to_ecef(lat, lon, alt, earth.ellipsoid)
    # Velocity from the local geodetic frame (east, north, up) to ECEF.
    basis = enu_basis(lat, lon)  # (n, 3, 3): rows east, north, up
    local = np.stack([np.cos(gamma) * np.sin(az), np.cos(gamma) * np.cos(az), np.sin(gamma)], -1)
    v_ecef = speed[:, None] * np.einsum("ni,nij->nj", local, basis)
    y0 = _state_eci(r0, v_ecef, earth.omega_rad_s)
    n_samples = _n_samples(sample_dt_s, sample_horizon_s)
    jobs = [
        _Job(
            earth,
            accuracy,
            sample_dt_s,
            n_samples,
            y0[:, s],
            h_imp[s],
            None if inv_beta is None else inv_beta[s],
        )
        for s in _split(n, chunk_size)
    ]
    return _assemble(earth, lat, lon, alt, _run(jobs, workers), sample_dt_s)
