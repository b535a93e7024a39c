"""Interceptor reach and intercept windows: when a battery can launch to meet a threat.

The model is kinematic reach only, the approach of the open analyses of missile
defence in Europe (D. Wilkening, "Does Missile Defence in Europe Threaten
Russia?", *Survival* 54(1), 2012; National Research Council, *Making Sense of
Ballistic Missile Defense: An Assessment of Concepts and Systems for U.S.
Boost-Phase Missile Defense in Comparison to Other Alternatives*, National
Academies Press, 2012): an interceptor type is described by the time it needs to
reach each point of the (ground range, altitude) plane from its launcher, and a
threat can be engaged at a point of its trajectory if the interceptor, launched
in time, can be there when the threat is. Nothing here steers an interceptor:
no guidance law, no seeker, no end game; whether the kill vehicle then hits is
the kill probability ``pk`` of the scenario.

Reach table
-----------
The published figures of an interceptor type are a burnout speed, a burn time,
altitude limits and a maximum range. :class:`InterceptorKinematics` turns them
into a table of the minimum time of flight from launch to each (ground range,
altitude) point, in five steps:

1. A stand-in vehicle (:func:`_vehicle`) on the project's own flight engine
   (:func:`jointshield.flight.fly_powered`): one stage that burns for the
   published burn time, with a generic specific impulse, launch mass,
   diameter and drag coefficient (the ``VEHICLE_*`` constants) and a vertical
   rise of 2 % of the burn (interceptors pitch over almost at once). Its
   mass ratio is tuned by a bracketed root search (Brent's method) until the
   burnout speed of the reference shot (thrust pitched to
   :data:`TUNING_PITCH_END_RAD` at cut-off, fixed Earth) is the published one.
   Across the fan the burnout speed then differs by gravity and drag losses:
   low shots, which burn through dense air, burn out slower (SM-3 IB at
   3.0 km/s: 2.5 km/s for a level burnout, 3.06 km/s straight up).
2. A fan of full-burn flights of that vehicle on a fixed (non-rotating)
   WGS-84 Earth, launched eastwards from the equator at sea level, sampled
   every ``dt_s`` seconds. The fan is even in burnout flight-path angle,
   from :data:`FAN_BURNOUT_GAMMA_MIN_RAD` (slightly descending, so that the
   low edge of the envelope is covered by trajectories on their way out)
   to 90° (vertical); the thrust pitch at cut-off that gives each angle is
   interpolated from a probe fan (the programme starts vertical, so the
   shallow shots need a thrust below the horizon at cut-off). Along the
   equator the ground range from the launcher is ``a·Δλ`` (the geodesic)
   and the altitude ``|r| - a``.
3. The fan is a mesh in (pitch, time); each of its cells, cut in two
   triangles, maps to a triangle of the (range, altitude) plane in which the
   time of flight is interpolated linearly. The table holds, at each node of
   a regular grid over ``[0, max_range] × [min_alt, max_alt]``, the smallest
   time of all triangles that cover it: the earliest arrival, on the
   ascending branch of some trajectory where one passes and on a descending
   branch where only those do (``descending=False`` keeps ascending branches
   only). The steepest shot is mirrored to negative ranges so that the
   column straight above the launcher is inside the mesh.
4. Nodes no triangle covers are NaN: outside the fan's reach.
5. :meth:`InterceptorKinematics.time_to_reach` interpolates the table
   bilinearly; a point whose table cell has a NaN corner is NaN, so the edge
   of the envelope is resolved to one cell (the table's spacing is in
   ``range_grid_m`` and ``alt_grid_m``).

Accuracy: against flyouts of the stand-in aimed through chosen points (a
pitch search, ``tests/test_interceptor.py``) the table is within 0.03 s
(0.01 %) of the direct time of flight, on ascending and descending branches;
straight up in vacuum it is within 3 ms of the radial Kepler arc.

Neglected, and what it costs: the Earth's rotation during the interceptor's
flight (the threat's trajectory is Earth-fixed already; only the
interceptor's own motion relative to the ground is taken from a fixed Earth).
Flying the SM-3 IB fan on the rotating Earth along the equator, the worst
case with all of the Coriolis acceleration in the plane of flight, changes
the time to reach a node by a median 0.3 s and by under 2 % at 95 % of the
nodes (up to tens of seconds at the far edge, reached on the way down), and
the envelope's area by +2 % eastwards and -0.5 % westwards. The ellipsoid's
radius of curvature in Europe (34-56° N) differs from the equator's by under
0.4 %, which moves a point 1,000 km out by about 0.3 km in height. The battery's
elevation (tens to hundreds of metres) is taken as zero, and no limit is put
on the kill vehicle's flight time beyond the table's.

Intercept windows
-----------------
:func:`intercept_windows` puts every sampled point of every threat trajectory
(after burnout by default: the exo-atmospheric and terminal interceptors
modelled here engage after the threat's boost) into each battery's table:
ground range from the battery to the point's sub-point along the WGS-84
geodesic (Vincenty, :func:`jointshield.geo.geodesic_inverse`), geodetic
altitude of the point. A point is a feasible intercept if it is within the
battery's range and altitude limits and reachable; the interceptor must then
be launched at ``t_intercept - time_to_reach``. The result is an
:class:`InterceptWindows`, computed once per raid and shared by every Monte
Carlo trial; :meth:`InterceptWindows.earliest` answers, for ready times drawn
per trial, which solution a battery ready then would take.

All quantities are SI (m, s, rad) unless the name says otherwise.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from jointshield.arrays import BoolArray, FloatArray
from jointshield.cache import GeometryCache, fingerprint
from jointshield.errors import JointshieldError
from jointshield.flight.earth import FIXED_WGS84
from jointshield.flight.flyout import fly_powered
from jointshield.flight.missile import MissileModel
from jointshield.physics.geo import WGS84

# --------------------------------------------------------------------------- assumptions

VEHICLE_LAUNCH_MASS_KG: Final = 1500.0
"""Launch mass of the stand-in vehicle, kg (assumption: of the order of an SM-3).

Only the ratio of mass to cross-section matters (through drag), and the same
sectional load is used for every type: a generic body, not a model of one.
"""

VEHICLE_DIAMETER_M: Final = 0.34
"""Body diameter of the stand-in vehicle, m (assumption: a slender interceptor)."""

VEHICLE_DRAG_COEFFICIENT: Final = 0.3
"""Drag coefficient of the stand-in, in the boost and after (assumption: generic slender body)."""

VEHICLE_ISP_S: Final = 280.0
"""Vacuum specific impulse of the stand-in, s (assumption: a good composite solid).

The mass ratio is tuned to the burnout speed, so a different choice changes the
mass ratio, not the burnout speed; it changes the acceleration profile a little.
"""

VERTICAL_RISE_FRACTION: Final = 0.02
"""Vertical rise before the pitch-over, as a fraction of the burn time (near zero)."""

TUNING_PITCH_END_RAD: Final = math.radians(45.0)
"""Thrust pitch at cut-off of the shot on which the burnout speed is tuned, rad.

A mid-fan shot: steeper shots lose more to gravity, shallower ones more to drag.
"""

FAN_BURNOUT_GAMMA_MIN_RAD: Final = math.radians(-5.0)
"""Burnout flight-path angle of the fan's shallowest shot, rad (slightly descending)."""

_PROBE_PITCH_END_MIN_RAD = math.radians(-89.0)  # the probe fan's shallowest thrust pitch

TABLE_RANGE_NODES: Final = 301
"""Nodes of the reach table in ground range, from 0 to the maximum range."""

TABLE_ALT_NODES: Final = 201
"""Nodes of the reach table in altitude, from the minimum to the maximum intercept altitude."""

_MASS_RATIO_MAX = 60.0  # far beyond any single stage; the search fails clearly above it
_FAN_HORIZON_S = 3600.0  # longest flight kept in the fan, s
_PAIRS_PER_CHUNK = 2_000_000  # (triangle, node) pairs rasterised at once, to bound memory
_BARY_EPS = 1e-9  # nodes on a triangle's edge belong to it


def _read_only(a: NDArray[np.generic]) -> None:
    """Freeze an array held by a frozen record (tables are shared through the cache)."""
    a.flags.writeable = False


# --------------------------------------------------------------------------- stand-in vehicle


def _vehicle(name: str, mass_ratio: float, burn_time_s: float) -> MissileModel:
    """Build the one-stage stand-in with launch-to-burnout mass ratio ``mass_ratio``.

    The burnt-out vehicle flies on whole (nothing is dropped at burnout), with
    ballistic coefficient ``m_bo / (Cd A)``.
    """
    area_m2 = math.pi * VEHICLE_DIAMETER_M**2 / 4.0
    burnout_kg = VEHICLE_LAUNCH_MASS_KG / mass_ratio
    return MissileModel(
        name=name,
        burn_time_s=(burn_time_s,),
        propellant_kg=(VEHICLE_LAUNCH_MASS_KG - burnout_kg,),
        dry_kg=(0.0,),
        isp_s=(VEHICLE_ISP_S,),
        payload_kg=burnout_kg,
        diameter_m=VEHICLE_DIAMETER_M,
        drag_coefficient=VEHICLE_DRAG_COEFFICIENT,
        reentry_beta_kg_m2=burnout_kg / (VEHICLE_DRAG_COEFFICIENT * area_m2),
        vertical_rise_s=VERTICAL_RISE_FRACTION * burn_time_s,
    )


def _reference_burnout_speed_mps(model: MissileModel, drag: bool) -> float:
    """Burnout speed of the reference shot (:data:`TUNING_PITCH_END_RAD`, fixed Earth), m/s."""
    fly = fly_powered(
        model, 0.0, 0.0, math.pi / 2.0, TUNING_PITCH_END_RAD, earth=FIXED_WGS84, drag=drag
    )
    return float(fly.burnout_speed_mps[0])


def tuned_mass_ratio(burnout_speed_mps: float, burn_time_s: float, drag: bool) -> float:
    """Mass ratio at which the stand-in's reference shot burns out at ``burnout_speed_mps``."""
    # Thrust-to-weight at lift-off is Isp·(1 - 1/R)/t_burn: it must exceed 1.
    if burn_time_s >= 0.95 * VEHICLE_ISP_S:
        raise JointshieldError(
            f"interceptor burn time {burn_time_s:g} s: expected under "
            f"{0.95 * VEHICLE_ISP_S:g} s, or the stand-in vehicle cannot lift off"
        )
    low = 1.0 / (1.0 - 1.02 * burn_time_s / VEHICLE_ISP_S)

    def excess(log_ratio: float) -> float:
        model = _vehicle("stand-in", math.exp(log_ratio), burn_time_s)
        return _reference_burnout_speed_mps(model, drag) - burnout_speed_mps

    lo, hi = math.log(low), math.log(_MASS_RATIO_MAX)
    if excess(hi) < 0.0:
        raise JointshieldError(
            f"interceptor burnout speed {burnout_speed_mps / 1e3:g} km/s in {burn_time_s:g} s: "
            f"beyond a single stage of mass ratio {_MASS_RATIO_MAX:g}"
        )
    if excess(lo) > 0.0:
        raise JointshieldError(
            f"interceptor burnout speed {burnout_speed_mps / 1e3:g} km/s in {burn_time_s:g} s: "
            "too slow for a vehicle that can lift off"
        )
    # 1e-5 in log mass ratio is about 0.03 m/s of burnout speed.
    return math.exp(float(brentq(excess, lo, hi, xtol=1e-5)))


# --------------------------------------------------------------------------- reach table


def _fan_pitch_end_rad(model: MissileModel, n_pitch: int, drag: bool) -> FloatArray:
    """Thrust pitches at cut-off that space the fan evenly in burnout flight-path angle."""
    probe = np.linspace(_PROBE_PITCH_END_MIN_RAD, 0.5 * np.pi, 90)
    gamma = fly_powered(
        model, 0.0, 0.0, 0.5 * np.pi, probe, earth=FIXED_WGS84, drag=drag
    ).burnout_gamma_rad
    ok = np.isfinite(gamma)
    # The burnout angle rises with the final pitch; keep the probes where it does.
    ok &= gamma >= np.maximum.accumulate(np.where(ok, gamma, -np.inf))
    g, p = gamma[ok], probe[ok]
    target = np.linspace(max(FAN_BURNOUT_GAMMA_MIN_RAD, float(g[0])), 0.5 * np.pi, n_pitch)
    pitch = np.interp(target, g, p)
    pitch[-1] = 0.5 * np.pi  # exactly vertical: the column above the launcher
    return pitch


def _fan_plane(
    model: MissileModel, n_pitch: int, dt_s: float, drag: bool, descending: bool
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Fly the fan; return ground range, altitude and validity, each (pitch, time).

    The fan is flown along the equator of a fixed WGS-84 Earth, so that every
    trajectory stays in the equatorial plane: the ground range is ``a·Δλ``
    and the altitude ``|r| - a``, exactly.
    """
    pitch = _fan_pitch_end_rad(model, n_pitch, drag)
    fly = fly_powered(
        model,
        0.0,
        0.0,
        0.5 * np.pi,
        pitch,
        earth=FIXED_WGS84,
        drag=drag,
        sample_dt_s=dt_s,
        sample_horizon_s=_FAN_HORIZON_S,
    ).trim_samples()
    assert fly.samples is not None
    s = fly.samples
    a = WGS84.a_m
    x, y = s[..., 0], s[..., 1]
    with np.errstate(invalid="ignore"):
        range_m = a * np.arctan2(y, x)
        alt_m = np.hypot(x, y) - a
        valid = np.isfinite(alt_m) & (alt_m > -1.0)
        if not descending:
            climbing = (x * s[..., 3] + y * s[..., 4]) >= 0.0
            valid &= np.logical_and.accumulate(climbing | ~np.isfinite(x), axis=1)
    # Mirror the second-steepest shot to negative ranges: the cells between it and
    # the vertical shot then cover the column straight above the launcher.
    range_m = np.concatenate([range_m, -range_m[-2:-1]])
    alt_m = np.concatenate([alt_m, alt_m[-2:-1]])
    valid = np.concatenate([valid, valid[-2:-1]])
    return range_m, alt_m, valid


def _rasterise(
    u: FloatArray, w: FloatArray, t_s: FloatArray, valid: BoolArray, n_u: int, n_w: int
) -> FloatArray:
    """Smallest time over the mesh's triangles at each integer node of (u, w).

    ``u``, ``w`` (pitch, time) are positions in grid-index units and ``t_s``
    (time,) the sample times. Every cell (p, k)-(p+1, k+1) of the mesh is cut
    into two triangles; each grid node inside a triangle takes the
    barycentric (linear) interpolation of its corners' times.
    """
    n_p, n_k = u.shape
    p, k = np.meshgrid(np.arange(n_p - 1), np.arange(n_k - 1), indexing="ij")
    c00 = (p * n_k + k).ravel()
    c10 = c00 + n_k
    c01 = c00 + 1
    c11 = c10 + 1
    va = np.concatenate([c00, c00])
    vb = np.concatenate([c10, c11])
    vc = np.concatenate([c11, c01])
    ok = valid.ravel()
    keep = ok[va] & ok[vb] & ok[vc]
    va, vb, vc = va[keep], vb[keep], vc[keep]
    uf, wf = u.ravel(), w.ravel()
    tf = np.broadcast_to(t_s, u.shape).ravel()
    ua, ub, uc = uf[va], uf[vb], uf[vc]
    wa, wb, wc = wf[va], wf[vb], wf[vc]
    det = (ub - ua) * (wc - wa) - (uc - ua) * (wb - wa)
    i_lo = np.maximum(np.ceil(np.minimum(np.minimum(ua, ub), uc)), 0.0)
    i_hi = np.minimum(np.floor(np.maximum(np.maximum(ua, ub), uc)), n_u - 1.0)
    j_lo = np.maximum(np.ceil(np.minimum(np.minimum(wa, wb), wc)), 0.0)
    j_hi = np.minimum(np.floor(np.maximum(np.maximum(wa, wb), wc)), n_w - 1.0)
    n_i = np.maximum(i_hi - i_lo + 1.0, 0.0)
    n_j = np.maximum(j_hi - j_lo + 1.0, 0.0)
    count = (n_i * n_j).astype(np.int64)
    use = np.flatnonzero((count > 0) & (np.abs(det) > 1e-12))

    table = np.full(n_u * n_w, np.inf)
    ends = np.cumsum(count[use])
    starts = np.concatenate([[0], ends[:-1]])
    # Cut the triangles into chunks of about _PAIRS_PER_CHUNK (triangle, node) pairs.
    cuts = np.searchsorted(ends, np.arange(0, int(ends[-1]) if ends.size else 0, _PAIRS_PER_CHUNK))
    bounds = [*np.unique(cuts).tolist(), use.size]
    for first, last in itertools.pairwise(bounds):
        tri = use[first:last]
        cnt = count[tri]
        rep = np.repeat(np.arange(tri.size), cnt)
        offset = np.arange(rep.size) - np.repeat(starts[first:last] - starts[first], cnt)
        t_i = tri[rep]
        nj = n_j[t_i].astype(np.int64)
        ii = i_lo[t_i].astype(np.int64) + offset // nj
        jj = j_lo[t_i].astype(np.int64) + offset % nj
        du, dw = ii - ua[t_i], jj - wa[t_i]
        inv = 1.0 / det[t_i]
        lb = (du * (wc[t_i] - wa[t_i]) - (uc[t_i] - ua[t_i]) * dw) * inv
        lc = ((ub[t_i] - ua[t_i]) * dw - du * (wb[t_i] - wa[t_i])) * inv
        la = 1.0 - lb - lc
        inside = (la >= -_BARY_EPS) & (lb >= -_BARY_EPS) & (lc >= -_BARY_EPS)
        tt = la * tf[va[t_i]] + lb * tf[vb[t_i]] + lc * tf[vc[t_i]]
        np.minimum.at(table, (ii * n_w + jj)[inside], tt[inside])
    table[~np.isfinite(table)] = np.nan
    return table.reshape(n_u, n_w)


def _reach_table(
    mass_ratio: float,
    burn_time_s: float,
    min_alt_m: float,
    max_alt_m: float,
    max_range_m: float,
    drag: bool,
    n_pitch: int,
    dt_s: float,
    descending: bool,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Grids and minimum time-of-flight table of a stand-in vehicle (see the module notes)."""
    model = _vehicle("stand-in", mass_ratio, burn_time_s)
    range_m, alt_m, valid = _fan_plane(model, n_pitch, dt_s, drag, descending)
    range_grid = np.linspace(0.0, max_range_m, TABLE_RANGE_NODES)
    alt_grid = np.linspace(min_alt_m, max_alt_m, TABLE_ALT_NODES)
    du = range_grid[1] - range_grid[0]
    dw = alt_grid[1] - alt_grid[0]
    t_s = np.arange(range_m.shape[1], dtype=np.float64) * dt_s
    with np.errstate(invalid="ignore"):
        u = np.where(valid, range_m / du, 0.0)
        w = np.where(valid, (alt_m - min_alt_m) / dw, 0.0)
    table = _rasterise(u, w, t_s, valid, TABLE_RANGE_NODES, TABLE_ALT_NODES)
    for a in (range_grid, alt_grid, table):
        _read_only(a)
    return range_grid, alt_grid, table


def _default_dt_s(burn_time_s: float) -> float:
    """Sample interval of the fan: an eighth of the burn, between 0.25 and 1 s."""
    return float(np.clip(burn_time_s / 8.0, 0.25, 1.0))


@dataclass(frozen=True)
class InterceptorType:
    """An interceptor type's published figures, SI units.

    Parameters
    ----------
    name : str
        Name of the type.
    burnout_speed_mps : float
        Burnout speed, m/s.
    burn_time_s : float
        Burn time of the motor, s.
    min_intercept_alt_m, max_intercept_alt_m : float
        Altitude limits of an intercept, m.
    max_range_m : float
        Greatest ground range from the launcher to an intercept, m.
    pk : float
        Single-shot kill probability.
    fire_control_sigma_m, fire_control_sigma_mps : float
        One-sigma position (m) and velocity (m/s) errors that a track must be
        below for the type to be launched on it.
    handover_basket_m : float or None
        Radius of the kill vehicle's acquisition basket, m; None: the kill
        probability is not degraded by the hand-over error.
    launch_on_remote, engage_on_remote : bool
        What the weapon system can do with another radar's track: launch on
        it (its own radar taking over before the intercept), or fly the
        whole engagement on it. A battery of the type has these modes unless
        its scenario says it lacks them.

    Raises
    ------
    JointshieldError
        For a number outside its domain or altitude limits out of order.
    """

    name: str
    burnout_speed_mps: float
    burn_time_s: float
    min_intercept_alt_m: float
    max_intercept_alt_m: float
    max_range_m: float
    pk: float
    fire_control_sigma_m: float = 200.0
    fire_control_sigma_mps: float = 20.0
    handover_basket_m: float | None = None
    launch_on_remote: bool = False
    engage_on_remote: bool = False

    def __post_init__(self) -> None:
        where = f"interceptor {self.name!r}"
        for key in ("burnout_speed_mps", "burn_time_s", "max_range_m", "max_intercept_alt_m"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0.0):
                raise JointshieldError(f"{where}: {key} must be a positive number, got {value}")
        if not (math.isfinite(self.min_intercept_alt_m) and self.min_intercept_alt_m >= 0.0):
            raise JointshieldError(
                f"{where}: min_intercept_alt_m must be >= 0, got {self.min_intercept_alt_m}"
            )
        if self.min_intercept_alt_m >= self.max_intercept_alt_m:
            raise JointshieldError(
                f"{where}: min_intercept_alt_km ({self.min_intercept_alt_m / 1e3:g}) must be "
                f"below max_intercept_alt_km ({self.max_intercept_alt_m / 1e3:g})"
            )
        if not 0.0 <= self.pk <= 1.0:
            raise JointshieldError(f"{where}: pk must lie in [0, 1], got {self.pk}")

    @property
    def kinematic_key(self) -> tuple[float, float, float, float, float]:
        """The figures the reach table depends on (the name and kill figures aside)."""
        return (
            self.burnout_speed_mps,
            self.burn_time_s,
            self.min_intercept_alt_m,
            self.max_intercept_alt_m,
            self.max_range_m,
        )


@dataclass(frozen=True, eq=False)
class InterceptorKinematics:
    """An interceptor type's reach: the time it needs to reach each (ground range, altitude).

    Build it with :meth:`build` from an :class:`InterceptorType`, or through
    a :class:`ReachTables` cache; the module's notes describe the model, the
    stand-in vehicle and the table.

    Attributes
    ----------
    interceptor : InterceptorType
        The type's published figures.
    model : MissileModel
        The one-stage stand-in vehicle whose flights make the table.
    range_grid_m : ndarray, shape (R,)
        Ground ranges of the table's nodes, m, from 0 to ``max_range_m``.
    alt_grid_m : ndarray, shape (H,)
        Altitudes of the table's nodes, m, from the minimum to the maximum
        intercept altitude.
    time_to_reach_s : ndarray, shape (R, H)
        Minimum time of flight from launch to each node, s; NaN where the
        fan does not reach.
    """

    interceptor: InterceptorType
    model: MissileModel
    range_grid_m: FloatArray
    alt_grid_m: FloatArray
    time_to_reach_s: FloatArray

    @property
    def name(self) -> str:
        """Name of the interceptor type."""
        return self.interceptor.name

    @property
    def burnout_speed_mps(self) -> float:
        """Published burnout speed, m/s."""
        return self.interceptor.burnout_speed_mps

    @property
    def burn_time_s(self) -> float:
        """Published burn time, s."""
        return self.interceptor.burn_time_s

    @property
    def min_intercept_alt_m(self) -> float:
        """Lowest intercept altitude, m."""
        return self.interceptor.min_intercept_alt_m

    @property
    def max_intercept_alt_m(self) -> float:
        """Highest intercept altitude, m."""
        return self.interceptor.max_intercept_alt_m

    @property
    def max_range_m(self) -> float:
        """Greatest ground range to an intercept, m."""
        return self.interceptor.max_range_m

    @property
    def pk(self) -> float:
        """Single-shot kill probability (carried, not used here)."""
        return self.interceptor.pk

    @classmethod
    def build(
        cls,
        interceptor: InterceptorType,
        *,
        drag: bool = True,
        n_pitch: int = 91,
        dt_s: float | None = None,
        descending: bool = True,
    ) -> InterceptorKinematics:
        """Tune the stand-in vehicle and tabulate its reach (seconds of work: cache it).

        Parameters
        ----------
        interceptor : InterceptorType
            The type's published figures.
        drag : bool
            Whether the atmosphere acts, in the tuning and in the fan.
        n_pitch : int
            Trajectories in the fan, evenly spaced in burnout flight-path
            angle from :data:`FAN_BURNOUT_GAMMA_MIN_RAD` to 90° (91: 1.06° apart).
        dt_s : float, optional
            Sample interval of the fan, s; by default an eighth of the burn
            time, between 0.25 and 1 s.
        descending : bool
            Whether points reached only on the way down count (see the
            module notes).

        Returns
        -------
        InterceptorKinematics
            The reach.

        Raises
        ------
        JointshieldError
            For a non-positive sample interval, fewer than 3 trajectories, or
            a burnout speed the stand-in cannot reach in the burn time.
        """
        if not isinstance(interceptor, InterceptorType):
            raise JointshieldError(f"expected an InterceptorType, got {type(interceptor).__name__}")
        if n_pitch < 3:
            raise JointshieldError(f"n_pitch: expected at least 3 trajectories, got {n_pitch}")
        dt = _default_dt_s(interceptor.burn_time_s) if dt_s is None else float(dt_s)
        if not dt > 0.0:
            raise JointshieldError(f"dt_s: expected a positive sample interval, got {dt_s}")
        ratio = tuned_mass_ratio(interceptor.burnout_speed_mps, interceptor.burn_time_s, drag)
        range_grid, alt_grid, table = _reach_table(
            ratio,
            interceptor.burn_time_s,
            interceptor.min_intercept_alt_m,
            interceptor.max_intercept_alt_m,
            interceptor.max_range_m,
            drag,
            int(n_pitch),
            dt,
            descending,
        )
        return cls(
            interceptor=interceptor,
            model=_vehicle(f"{interceptor.name} (stand-in)", ratio, interceptor.burn_time_s),
            range_grid_m=range_grid,
            alt_grid_m=alt_grid,
            time_to_reach_s=table,
        )

    def time_to_reach(self, range_m: ArrayLike, alt_m: ArrayLike) -> FloatArray:
        """Minimum time of flight from launch to (ground range, altitude), s.

        Bilinear interpolation on :attr:`time_to_reach_s`; NaN outside the
        table's box (the range and altitude limits), where the envelope does
        not reach, and in a table cell that has an unreachable corner.

        Parameters
        ----------
        range_m : array_like
            Ground range from the launcher, m.
        alt_m : array_like
            Altitude above the ellipsoid, m; broadcast with ``range_m``.

        Returns
        -------
        ndarray
            Time of flight, s, of the broadcast shape.
        """
        r, h = np.broadcast_arrays(np.asarray(range_m, dtype=float), np.asarray(alt_m, dtype=float))
        rg, ag, table = self.range_grid_m, self.alt_grid_m, self.time_to_reach_s
        n_r, n_h = table.shape
        u = (r - rg[0]) / (rg[1] - rg[0])
        w = (h - ag[0]) / (ag[1] - ag[0])
        inside = (u >= 0.0) & (u <= n_r - 1) & (w >= 0.0) & (w <= n_h - 1)
        u = np.where(inside, u, 0.0)
        w = np.where(inside, w, 0.0)
        i0 = np.minimum(np.floor(u).astype(np.intp), n_r - 2)
        j0 = np.minimum(np.floor(w).astype(np.intp), n_h - 2)
        fu, fw = u - i0, w - j0
        out = np.zeros(r.shape)
        bad = ~inside
        for di, dj, weight in (
            (0, 0, (1.0 - fu) * (1.0 - fw)),
            (1, 0, fu * (1.0 - fw)),
            (0, 1, (1.0 - fu) * fw),
            (1, 1, fu * fw),
        ):
            v = table[i0 + di, j0 + dj]
            used = weight > 0.0
            # A corner with no weight must not spoil a point on a cell's edge.
            bad |= used & np.isnan(v)
            out += np.where(used, weight * np.where(np.isnan(v), 0.0, v), 0.0)
        out[bad] = np.nan
        return out


class ReachTables:
    """An explicit cache of reach tables, one per interceptor kinematics and build options.

    A reach table takes seconds to fly and depends only on an interceptor
    type's kinematic figures (:attr:`InterceptorType.kinematic_key`) and the
    build options, so a study builds each once and shares it: the
    architectures of a comparison, the points of a sweep, the batteries of
    one type. The cache lives as long as the object that holds it (a
    compiled theatre); nothing is kept in module state.

    Examples
    --------
    >>> tables = ReachTables()
    >>> len(tables)
    0
    """

    def __init__(self) -> None:
        self._tables: dict[tuple[object, ...], InterceptorKinematics] = {}

    def __len__(self) -> int:
        return len(self._tables)

    def get(
        self,
        interceptor: InterceptorType,
        *,
        drag: bool = True,
        n_pitch: int = 91,
        dt_s: float | None = None,
        descending: bool = True,
        store: GeometryCache | None = None,
    ) -> InterceptorKinematics:
        """Return the reach of a type, building it the first time.

        The options are those of :meth:`InterceptorKinematics.build`. Types
        with the same kinematic figures share one table; the kill figures and
        the name come from ``interceptor`` itself. With a ``store``, a table
        not yet in memory is read from it, or built and written to it, keyed
        by the kinematic figures and the options
        (:func:`jointshield.cache.fingerprint`).
        """
        key = (interceptor.kinematic_key, drag, n_pitch, dt_s, descending)
        kin = self._tables.get(key)
        if kin is None:

            def build() -> InterceptorKinematics:
                return InterceptorKinematics.build(
                    interceptor, drag=drag, n_pitch=n_pitch, dt_s=dt_s, descending=descending
                )

            kin = (
                build() if store is None else store.get_or_compute("reach", fingerprint(key), build)
            )
            self._tables[key] = kin
        if kin.interceptor != interceptor:
            kin = dataclasses.replace(kin, interceptor=interceptor)
        return kin
