"""Reach against strategic missiles: can an interceptor site catch an ICBM, where, how fast.

Moscow's objection to missile defence in Europe was that interceptors in Romania
and Poland could reach Russian ICBMs on their way to North America. This module
answers it kinematically for a theatre's ICBM raid (the built-in ``icbm-reach``):

* :func:`reach` flies every ICBM of the raid on three trajectories (minimum
  energy, lofted, depressed) and asks, for every interceptor site and every
  interceptor type, whether it can intercept at all, where on the ICBM's path
  (the intercept region, with altitudes), and with what margin, as a function
  of the interceptor's launch delay after the ICBM's launch;
* :func:`red_lines` finds the *red line* of each site and base: the minimum
  burnout speed at which any intercept becomes feasible, for a given launch
  delay, by bisection on a lattice of speeds (:func:`red_line_bisection`),
  which the tests check against a brute-force scan (:func:`feasible_at_speed`).

The model
---------
An intercept at the ICBM's sample time ``t`` is feasible for an interceptor
launched at delay ``d`` when ``d + time_to_reach(range, altitude) ≤ t``, with
the point inside the type's range and altitude limits and after the ICBM's
burnout (the interceptors modelled are exo-atmospheric midcourse ones): the
per-battery intercept windows of :func:`jointshield.engagement.windows.intercept_windows`,
whose reach tables (:mod:`jointshield.flight.reach`) come from the project's
own flight engine. The latest feasible launch ``L`` of a (site, type, ICBM)
is the largest ``t − time_to_reach`` over the path; the intercept is feasible
at delay ``d`` exactly when ``L ≥ d``, and the margin is ``L − d``. The
intercept region at ``d`` is the set of path samples with a launch time at or
after ``d``; its first and last points are reported.

The delay is the question's one free parameter, and it is given, not derived:
an interceptor may be launched on an early-warning cue (the launch report of a
space-based infrared sensor, about a minute after lift-off), long before any
radar holds a fire-control track; launching only on a fire-control track of the
ICBM (which the radars of Europe acquire after burnout, if at all) would make
the answer "no" by construction. The cue and track times of the theatre's
sensors are reported beside the answer so that a reader can place a delay.

Trajectories: the raid's minimum-energy shots (:func:`jointshield.flight.aim.aim`),
and two variants of each aimed at a given apogee: lofted at
:data:`LOFTED_APOGEE_FACTOR` and depressed at :data:`DEPRESSED_APOGEE_FACTOR`
times the minimum-energy apogee. The aim's own ``lofted`` and ``depressed``
shapes are full burns; an ICBM flown near its maximum range has no full-burn
depressed branch, so the variants are defined by apogee instead [assumption:
the factors are chosen to be reachable by every built-in ICBM at every built-in
aim point, not taken from a publication].

The red line
------------
For a (site, base) the red line is the lowest burnout speed ``v`` at which an
interceptor "built like" a template type (its burn time and lowest intercept
altitude; :func:`template`) can intercept any of the base's trajectories at
the given delay. Its range and altitude limits are lifted to
:data:`REDLINE_MAX_RANGE_M` and :data:`REDLINE_MAX_ALT_M`, so that kinematics,
not a published cap that follows from the real type's speed, decide.
Feasibility is monotone in ``v`` (a faster stand-in reaches every point
sooner), so the red line is found by bisection on the lattice
``REDLINE_MIN_MPS + k · step`` up to :data:`REDLINE_MAX_MPS`: exact to one
step, with each speed's reach table built once and shared by every site and
base that asks for it.

Neglected, and what it costs
----------------------------
* The red line is resolved to its lattice step (:data:`REDLINE_STEP_MPS`,
  25 m/s); it is the smallest lattice speed that is feasible, so the true
  threshold lies within one step below it.
* The ICBM is sampled every :data:`SAMPLE_DT_S` (1 s, about 7 km of its
  path): the latest launch is found to within a second, an intercept region's
  ends to within a sample.
* Reach tables interpolate over cells of ``max_range / 300`` by
  ``altitude span / 200`` (20 km by 15 km for the red line's template); a point
  in a cell with an unreachable corner counts as unreachable, so the envelope's
  edge is resolved to one cell, which moves a red line by of the order of one
  lattice step where the first feasible point lies on that edge.
* The interceptor's flight ignores the Earth's rotation (under 2 % of the time
  to reach at 95 % of nodes, :mod:`jointshield.flight.reach`); the ICBM's does
  not.
* Intercepts in the ICBM's boost (no exo-atmospheric kill vehicle engages a
  burning booster here) and above the template's ceiling are not counted.
* No guidance, seeker, decoys or discrimination: kinematic reach only, the
  method of the open analyses (Wilkening 2012; Sankaran 2013, 2015).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from jointshield.arrays import BoolArray, FloatArray
from jointshield.engagement.windows import (
    REASON_NAMES,
    BatteryGeometry,
    InterceptWindows,
    intercept_windows,
    window_geometry,
)
from jointshield.errors import JointshieldError, OutOfReachError, UnknownNameError
from jointshield.flight.aim import aim
from jointshield.flight.flyout import Flyouts
from jointshield.flight.missile import MissileModel
from jointshield.flight.raid import RaidGeometry, Threat
from jointshield.flight.reach import InterceptorKinematics, InterceptorType
from jointshield.montecarlo.progress import ProgressArg, _progress
from jointshield.montecarlo.store import make_folder, write_json_atomic
from jointshield.physics.geo import ecef_to_geodetic, great_circle_distance_m, parse_lat_lon
from jointshield.report.maps import new_map, save_figure
from jointshield.scenario import Scenario
from jointshield.sensing.space_ir import space_ir_cues
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

__all__ = [
    "DEPRESSED_APOGEE_FACTOR",
    "LOFTED_APOGEE_FACTOR",
    "REACH_FILES",
    "REDLINE_MAX_MPS",
    "REDLINE_MIN_MPS",
    "REDLINE_STEP_MPS",
    "TRAJECTORIES",
    "IcbmFlights",
    "ReachResult",
    "RedLine",
    "Site",
    "case_rows",
    "delay_index",
    "draw_reach",
    "feasible_at_speed",
    "fly_icbms",
    "reach",
    "red_line_bisection",
    "red_lines",
    "sites_of",
    "template",
    "write_reach",
]

# --------------------------------------------------------------------------- assumptions

TRAJECTORIES: Final = ("min-energy", "lofted", "depressed")
"""The trajectory shapes flown for every ICBM."""

LOFTED_APOGEE_FACTOR: Final = 1.5
"""Apogee of the lofted variant over the minimum-energy apogee [assumption, see module]."""

DEPRESSED_APOGEE_FACTOR: Final = 0.7
"""Apogee of the depressed variant over the minimum-energy apogee [assumption].

0.5 is out of reach of the built-in liquid ICBMs at their aim points (their
minimum-energy shots already burn within 5 s of the full 240 s); 0.7 is
reachable by every built-in ICBM at every built-in aim point.
"""

SAMPLE_DT_S: Final = 1.0
"""Interval of the ICBM trajectory samples, s."""

DEFAULT_DELAYS_S: Final = tuple(float(d) for d in np.linspace(0.0, 300.0, 31))
"""Interceptor launch delays after the ICBM's launch, s (0 to 300 s every 10 s)."""

REDLINE_STEP_MPS: Final = 25.0
"""Resolution of the red line, m/s: the step of the lattice the bisection searches."""

REDLINE_MIN_MPS: Final = 1000.0
"""Lowest burnout speed of the red-line search, m/s."""

REDLINE_MAX_MPS: Final = 10_000.0
"""Highest burnout speed of the red-line search, m/s (above Postol's 9 km/s for the GBI)."""

REDLINE_MAX_RANGE_M: Final = 6.0e6
"""Ground range limit of the red line's template, m: beyond any path point a site can meet."""

REDLINE_MAX_ALT_M: Final = 3.0e6
"""Altitude limit of the red line's template, m: above the minimum-energy apogees."""

_REASONS_BY_CODE = dict(REASON_NAMES)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Site:
    """An interceptor site: where a theatre's batteries stand.

    Attributes
    ----------
    name, owner : str
        The site's name and the party that holds it.
    lat_rad, lon_rad, alt_m : float
        Geodetic position, rad and m.
    types : tuple of str
        The interceptor types of the theatre's batteries there (its era's).
    """

    name: str
    owner: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    types: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class IcbmFlights:
    """The ICBM trajectories of a reach study, aimed and flown, as arrays over trajectories.

    Attributes
    ----------
    base, aim_point, missile, shape : tuple of str
        Per trajectory: its base (launch area), aim point, missile type and
        shape (one of :data:`TRAJECTORIES`).
    geometry : RaidGeometry
        The trajectories as a flown raid (sampled every :data:`SAMPLE_DT_S`).
    lat_deg, lon_deg, alt_m : ndarray, shape (n, K)
        Geodetic sub-point and altitude of every sample; NaN after impact.
    """

    base: tuple[str, ...]
    aim_point: tuple[str, ...]
    missile: tuple[str, ...]
    shape: tuple[str, ...]
    geometry: RaidGeometry
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray

    def __len__(self) -> int:
        return len(self.base)

    @property
    def flyouts(self) -> Flyouts:
        """The sampled flyouts."""
        return self.geometry.flyouts

    def label(self, i: int) -> str:
        """Return ``base → aim (shape)`` of trajectory ``i``."""
        return f"{self.base[i]} → {self.aim_point[i]} ({self.shape[i]})"


@dataclass(frozen=True)
class RedLine:
    """The red line of one site and base at one launch delay.

    Attributes
    ----------
    site, base : str
        Where the interceptor stands and which base's ICBMs it must reach.
    delay_s : float
        Launch delay after the ICBM's launch, s.
    template : str
        The interceptor type whose burn time and altitude floor the search uses.
    speed_mps : float
        The lowest lattice speed at which some trajectory of the base can be
        intercepted, m/s; NaN when none up to :data:`REDLINE_MAX_MPS` can.
    status : {'found', 'below', 'above'}
        ``found``: bracketed to one step; ``below``: feasible already at the
        search's lowest speed (``speed_mps`` is that speed); ``above``: not
        feasible at its highest.
    step_mps : float
        The lattice step, m/s: the true threshold lies within one step below.
    evaluations : int
        Speeds at which feasibility was evaluated for this red line.
    trajectory : str
        The trajectory first reachable at the red line ('' if none).
    """

    site: str
    base: str
    delay_s: float
    template: str
    speed_mps: float
    status: str
    step_mps: float
    evaluations: int
    trajectory: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict in reporting units (km/s)."""
        return {
            "site": self.site,
            "base": self.base,
            "delay_s": self.delay_s,
            "template": self.template,
            "speed_kms": None if math.isnan(self.speed_mps) else self.speed_mps / 1e3,
            "status": self.status,
            "step_kms": self.step_mps / 1e3,
            "evaluations": self.evaluations,
            "trajectory": self.trajectory or None,
        }


@dataclass(frozen=True, eq=False)
class ReachResult:
    """Whether each site and interceptor type can reach each ICBM trajectory, and the red lines.

    Arrays are indexed ``[site, interceptor, trajectory]`` and, where a delay
    axis follows, ``[..., delay]``.

    Attributes
    ----------
    sites : tuple of Site
        The sites asked about.
    interceptors : tuple of InterceptorType
        The interceptor types asked about.
    flights : IcbmFlights
        The ICBM trajectories.
    delays_s : ndarray, shape (D,)
        Interceptor launch delays after the ICBM's launch, s.
    latest_launch_s : ndarray, shape (S, I, N)
        Latest launch that still intercepts, s after the ICBM's launch
        (negative: the interceptor would have to leave first); NaN: no
        intercept at any delay.
    reason : ndarray of str, shape (S, I, N)
        Why no intercept at any delay ('feasible' where there is one).
    first_intercept_s, last_intercept_s : ndarray, shape (S, I, N, D)
        Ends of the intercept region at each delay (ICBM flight times), s;
        NaN where none.
    first_alt_m, last_alt_m : ndarray, shape (S, I, N, D)
        ICBM altitude at those ends, m.
    first_point_deg, last_point_deg : ndarray, shape (S, I, N, D, 2)
        Sub-point (lat, lon) of those ends, degrees.
    region_samples : ndarray of int, shape (S, I, N, D)
        Number of path samples in the intercept region.
    cue_s : dict of str to ndarray (N,)
        Launch report of each space-based infrared sensor, s after launch.
    first_look_s, fire_control_s : dict of str to ndarray (N,)
        Each radar's first look and first fire-control-quality track (with
        the selected types' strictest fire-control figures), s; NaN: never.
    red_lines : tuple of RedLine
        The red lines asked for.
    windows : InterceptWindows
        The underlying intercept windows (batteries in site-major order).
    meta : dict
        Scenario, raid and version.
    """

    sites: tuple[Site, ...]
    interceptors: tuple[InterceptorType, ...]
    flights: IcbmFlights
    delays_s: FloatArray
    latest_launch_s: FloatArray
    reason: np.ndarray[Any, np.dtype[np.str_]]
    first_intercept_s: FloatArray
    last_intercept_s: FloatArray
    first_alt_m: FloatArray
    last_alt_m: FloatArray
    first_point_deg: FloatArray
    last_point_deg: FloatArray
    region_samples: np.ndarray[Any, np.dtype[np.int64]]
    cue_s: dict[str, FloatArray]
    first_look_s: dict[str, FloatArray]
    fire_control_s: dict[str, FloatArray]
    red_lines: tuple[RedLine, ...]
    windows: InterceptWindows
    meta: dict[str, Any] = field(default_factory=dict)

    def feasible(self, delay_s: float) -> BoolArray:
        """Return whether each (site, type, trajectory) can intercept if launched at ``delay_s``."""
        with np.errstate(invalid="ignore"):
            out: BoolArray = self.latest_launch_s >= delay_s
        return out

    def earliest_cue_s(self) -> FloatArray:
        """Earliest early-warning launch report of each trajectory, s; NaN if none."""
        return _earliest(self.cue_s, len(self.flights))

    def earliest_fire_control_s(self) -> FloatArray:
        """Earliest fire-control-quality track of each trajectory by any radar, s; NaN if none."""
        return _earliest(self.fire_control_s, len(self.flights))

    def to_json(self) -> dict[str, Any]:
        """Return every number of the study, JSON-ready, in reporting units."""
        fl = self.flights
        geo = fl.geometry.flyouts
        cue = self.earliest_cue_s()
        fc = self.earliest_fire_control_s()
        trajectories = [
            {
                "index": i,
                "base": fl.base[i],
                "aim": fl.aim_point[i],
                "missile": fl.missile[i],
                "shape": fl.shape[i],
                "range_km": _num(geo.ground_range_m[i] / 1e3),
                "apogee_km": _num(geo.apogee_alt_m[i] / 1e3),
                "burnout_s": _num(geo.t_burnout_s[i]),
                "impact_s": _num(geo.t_impact_s[i]),
                "earliest_cue_s": _num(cue[i]),
                "earliest_fire_control_s": _num(fc[i]),
                "cue_s": {k: _num(v[i]) for k, v in self.cue_s.items()},
                "first_look_s": {k: _num(v[i]) for k, v in self.first_look_s.items()},
                "fire_control_s": {k: _num(v[i]) for k, v in self.fire_control_s.items()},
            }
            for i in range(len(fl))
        ]
        cases = []
        for s, site in enumerate(self.sites):
            for j, kind in enumerate(self.interceptors):
                for i in range(len(fl)):
                    latest = float(self.latest_launch_s[s, j, i])
                    case: dict[str, Any] = {
                        "site": site.name,
                        "interceptor": kind.name,
                        "trajectory": i,
                        "latest_launch_s": _num(latest),
                        "reason": str(self.reason[s, j, i]),
                        "delays": None,
                    }
                    if math.isfinite(latest) and latest >= self.delays_s[0]:
                        # Columns over the delays (null where no intercept is left).
                        case["delays"] = {
                            "feasible": [bool(latest >= d) for d in self.delays_s],
                            "margin_s": [_num(latest - d) for d in self.delays_s],
                            "first_intercept_s": _column(self.first_intercept_s[s, j, i]),
                            "first_alt_km": _column(self.first_alt_m[s, j, i] / 1e3),
                            "first_lat_deg": _column(self.first_point_deg[s, j, i, :, 0]),
                            "first_lon_deg": _column(self.first_point_deg[s, j, i, :, 1]),
                            "last_intercept_s": _column(self.last_intercept_s[s, j, i]),
                            "last_alt_km": _column(self.last_alt_m[s, j, i] / 1e3),
                            "last_lat_deg": _column(self.last_point_deg[s, j, i, :, 0]),
                            "last_lon_deg": _column(self.last_point_deg[s, j, i, :, 1]),
                            "region_samples": [int(c) for c in self.region_samples[s, j, i]],
                        }
                    cases.append(case)
        return {
            "sites": [
                {
                    "name": x.name,
                    "owner": x.owner,
                    "lat_deg": math.degrees(x.lat_rad),
                    "lon_deg": math.degrees(x.lon_rad),
                    "types": list(x.types),
                }
                for x in self.sites
            ],
            "interceptors": [
                {
                    "name": k.name,
                    "burnout_speed_kms": k.burnout_speed_mps / 1e3,
                    "burn_time_s": k.burn_time_s,
                    "min_intercept_alt_km": k.min_intercept_alt_m / 1e3,
                    "max_intercept_alt_km": k.max_intercept_alt_m / 1e3,
                    "max_range_km": k.max_range_m / 1e3,
                }
                for k in self.interceptors
            ],
            "delays_s": [float(d) for d in self.delays_s],
            "trajectories": trajectories,
            "cases": cases,
            "red_lines": [r.to_json() for r in self.red_lines],
            "meta": self.meta,
        }


def _num(x: Any) -> float | None:
    """Return a float for JSON, rounded to 0.001; None for NaN or infinity."""
    v = float(x)
    return round(v, 3) if math.isfinite(v) else None


def _column(values: FloatArray) -> list[float | None]:
    """Return an array as a JSON list (:func:`_num` of each value)."""
    return [_num(v) for v in values]


def _earliest(times: dict[str, FloatArray], n: int) -> FloatArray:
    if not times:
        return np.full(n, np.nan)
    # fmin skips NaN: the earliest known time, NaN where no sensor has one.
    out: FloatArray = np.fmin.reduce(np.stack(list(times.values())), axis=0)
    return out


# --------------------------------------------------------------------------- selection


def sites_of(theatre: Theatre, names: Sequence[str] | None = None) -> tuple[Site, ...]:
    """Return the theatre's interceptor sites (where its batteries stand), or those named.

    Raises
    ------
    UnknownNameError
        For a name that is no battery's site; the message suggests the closest.
    """
    found: dict[str, Site] = {}
    for b in theatre.batteries:
        old = found.get(b.site)
        types = (*old.types, b.interceptor.name) if old else (b.interceptor.name,)
        found[b.site] = Site(b.site, b.owner, b.lat_rad, b.lon_rad, b.alt_m, types)
    if not names:
        return tuple(found.values())
    out = []
    for name in names:
        if name not in found:
            raise UnknownNameError("interceptor site", name, list(found))
        out.append(found[name])
    return tuple(dict.fromkeys(out))


def _bases(theatre: Theatre, raid: str | None) -> dict[str, Threat]:
    """Each base (launch area) of the raid, with its first threat (missile and place)."""
    bases: dict[str, Threat] = {}
    for th in theatre.raid(raid).threats:
        bases.setdefault(th.launch_area, th)
    return bases


def _aim_point(theatre: Theatre, text: str) -> tuple[str, float, float]:
    """Return an aim point (name, lat_rad, lon_rad): a theatre asset, or LAT,LON in degrees."""
    if "," in text:
        lat, lon = parse_lat_lon(text)
        return f"{lat:g},{lon:g}", math.radians(lat), math.radians(lon)
    asset = theatre.asset(text)
    return asset.name, asset.lat_rad, asset.lon_rad


def _threats(
    theatre: Theatre, raid: str | None, bases: Sequence[str] | None, aims: Sequence[str] | None
) -> list[Threat]:
    """Return the raid's threats from the chosen bases at the chosen aim points (or its own)."""
    by_base = _bases(theatre, raid)
    for name in bases or ():
        if name not in by_base:
            raise UnknownNameError("ICBM base (a launch area of the raid)", name, list(by_base))
    chosen = list(dict.fromkeys(bases)) if bases else list(by_base)
    plan = theatre.raid(raid)
    if not aims:
        return [th for th in plan.threats if th.launch_area in chosen]
    points = [_aim_point(theatre, text) for text in dict.fromkeys(aims)]
    out = []
    for base in chosen:
        first = by_base[base]
        for name, lat, lon in points:
            out.append(
                dataclasses.replace(
                    first,
                    id=f"{base}-{name}",
                    target=name,
                    target_lat_rad=lat,
                    target_lon_rad=lon,
                    aim="min-energy",
                )
            )
    return out


# --------------------------------------------------------------------------- flights


def _aim_group(
    model: MissileModel, group: list[Threat], mode: str, apogee_m: FloatArray | None
) -> Flyouts:
    """Aim and fly one missile type's threats on one shape; name the pair out of reach."""
    lat0 = np.array([t.launch_lat_rad for t in group])
    lon0 = np.array([t.launch_lon_rad for t in group])
    lat1 = np.array([t.target_lat_rad for t in group])
    lon1 = np.array([t.target_lon_rad for t in group])
    try:
        if apogee_m is None:
            sol = aim(model, lat0, lon0, lat1, lon1, sample_dt_s=SAMPLE_DT_S)
        else:
            sol = aim(
                model,
                lat0,
                lon0,
                lat1,
                lon1,
                mode="apogee",
                apogee_m=apogee_m,
                sample_dt_s=SAMPLE_DT_S,
            )
    except OutOfReachError as exc:
        # Name the pair: the farthest of the group is the one aim refused first.
        far = int(np.argmax(great_circle_distance_m(lat0, lon0, lat1, lon1)))
        raise JointshieldError(
            f"aim point {group[far].target!r} from {group[far].launch_area!r}: "
            f"{exc}; choose a nearer aim point"
        ) from None
    except JointshieldError as exc:
        raise JointshieldError(
            f"{model.name}, {mode} trajectory: {exc}; leave the {mode} shape out "
            "(--trajectory) or choose a nearer aim point"
        ) from None
    return sol.flyouts


def fly_icbms(threats: Sequence[Threat], shapes: Sequence[str] = TRAJECTORIES) -> IcbmFlights:
    """Aim and fly each threat on each trajectory shape.

    Parameters
    ----------
    threats : sequence of Threat
        The ICBMs (launch point, aim point, missile), e.g. a raid's.
    shapes : sequence of str
        Shapes among :data:`TRAJECTORIES`; the lofted and depressed ones are
        flown to :data:`LOFTED_APOGEE_FACTOR` and :data:`DEPRESSED_APOGEE_FACTOR`
        times the threat's minimum-energy apogee.

    Returns
    -------
    IcbmFlights
        Shape-major: all threats on the first shape, then on the next.

    Raises
    ------
    JointshieldError
        For an unknown shape, an aim point beyond the ICBM's reach (the
        message gives its maximum range on that bearing), or a shape the
        missile cannot fly there.
    """
    wanted = list(dict.fromkeys(shapes))
    for s in wanted:
        if s not in TRAJECTORIES:
            raise UnknownNameError("trajectory shape", s, TRAJECTORIES)
    if not threats:
        raise JointshieldError("no ICBM to fly: the selection of bases and aim points is empty")
    groups: dict[MissileModel, list[int]] = {}
    for i, th in enumerate(threats):
        groups.setdefault(th.missile, []).append(i)
    parts: list[Flyouts] = []
    order: list[int] = []
    n = len(threats)
    for model, idx in groups.items():
        group = [threats[i] for i in idx]
        me = _aim_group(model, group, "min-energy", None)
        for k, shape in enumerate(wanted):
            if shape == "min-energy":
                fl = me
            else:
                factor = LOFTED_APOGEE_FACTOR if shape == "lofted" else DEPRESSED_APOGEE_FACTOR
                fl = _aim_group(model, group, shape, factor * me.apogee_alt_m)
            parts.append(fl)
            order.extend(k * n + i for i in idx)
    flyouts = Flyouts.concatenate(parts).take(np.argsort(order)).trim_samples()
    rows = [(th, s) for s in wanted for th in threats]
    m = len(rows)
    geometry = RaidGeometry(
        raid="icbm-reach",
        threat_id=tuple(f"{th.launch_area}->{th.target}/{s}" for th, s in rows),
        missile=tuple(th.missile.name for th, _ in rows),
        launch_area=tuple(th.launch_area for th, _ in rows),
        target=tuple(th.target for th, _ in rows),
        target_owner=tuple(th.target_owner for th, _ in rows),
        aim_mode=tuple(th.aim for th, _ in rows),
        launch_time_s=np.zeros(m),
        count=np.ones(m, dtype=np.int64),
        rcs_m2=np.array([th.rcs_m2 for th, _ in rows]),
        azimuth_rad=np.full(m, np.nan),
        pitch_end_rad=np.full(m, np.nan),
        cutoff_s=np.full(m, np.nan),
        miss_m=np.zeros(m),
        flyouts=flyouts,
    )
    assert flyouts.samples is not None
    pos = flyouts.samples[..., :3]
    lat, lon, alt = ecef_to_geodetic(pos.reshape(-1, 3), flyouts.earth.ellipsoid)
    shape2 = pos.shape[:2]
    return IcbmFlights(
        base=tuple(th.launch_area for th, _ in rows),
        aim_point=tuple(th.target for th, _ in rows),
        missile=tuple(th.missile.name for th, _ in rows),
        shape=tuple(s for _, s in rows),
        geometry=geometry,
        lat_deg=np.degrees(lat).reshape(shape2),
        lon_deg=np.degrees(lon).reshape(shape2),
        alt_m=np.asarray(alt, dtype=float).reshape(shape2),
    )


# --------------------------------------------------------------------------- reach


def _battery(site: Site, kin: InterceptorKinematics) -> BatteryGeometry:
    return BatteryGeometry(
        name=f"{site.name}/{kin.name}",
        owner=site.owner,
        lat_rad=site.lat_rad,
        lon_rad=site.lon_rad,
        alt_m=site.alt_m,
        rounds=1,
        kinematics=kin,
    )


def _regions(
    windows: InterceptWindows, flights: IcbmFlights, delays_s: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, Any]:
    """Return the ends of the intercept region of every (trajectory, battery) at each delay."""
    feas = windows.feasible
    t_launch = windows.t_launch_s
    n, b, n_k = feas.shape
    n_d = delays_s.shape[0]
    dt = float(flights.flyouts.sample_dt_s or SAMPLE_DT_S)
    first_t = np.full((n, b, n_d), np.nan)
    last_t = np.full((n, b, n_d), np.nan)
    first_h = np.full((n, b, n_d), np.nan)
    last_h = np.full((n, b, n_d), np.nan)
    first_p = np.full((n, b, n_d, 2), np.nan)
    last_p = np.full((n, b, n_d, 2), np.nan)
    count = np.zeros((n, b, n_d), dtype=np.int64)
    rows = np.arange(n)[:, None]
    lat, lon, alt = flights.lat_deg, flights.lon_deg, flights.alt_m
    with np.errstate(invalid="ignore"):
        for k, d in enumerate(delays_s):
            mask = feas & (t_launch >= d)
            anyk = mask.any(axis=-1)
            k0 = np.argmax(mask, axis=-1)
            k1 = n_k - 1 - np.argmax(mask[..., ::-1], axis=-1)
            count[..., k] = mask.sum(axis=-1)
            for ends, times, heights, points in (
                (k0, first_t, first_h, first_p),
                (k1, last_t, last_h, last_p),
            ):
                times[..., k] = np.where(anyk, ends * dt, np.nan)
                heights[..., k] = np.where(anyk, alt[rows, ends], np.nan)
                points[..., k, 0] = np.where(anyk, lat[rows, ends], np.nan)
                points[..., k, 1] = np.where(anyk, lon[rows, ends], np.nan)
    return first_t, last_t, first_h, last_h, first_p, last_p, count


def _to_sit(a: np.ndarray[Any, Any], n_s: int, n_i: int) -> np.ndarray[Any, Any]:
    """(N, S·I, ...) in site-major battery order to (S, I, N, ...)."""
    n = a.shape[0]
    out = a.reshape(n, n_s, n_i, *a.shape[2:])
    return np.moveaxis(out, 0, 2)


def reach(
    source: Theatre | Scenario | str | None = "icbm-reach",
    *,
    sites: Sequence[str] | None = None,
    interceptors: Sequence[str] | None = None,
    bases: Sequence[str] | None = None,
    aims: Sequence[str] | None = None,
    shapes: Sequence[str] = TRAJECTORIES,
    delays_s: Sequence[float] = DEFAULT_DELAYS_S,
    red_line_delays_s: Sequence[float] = (),
    red_line_template: str | None = None,
    raid: str | None = None,
    sensors: bool = True,
    cache: bool = True,
    progress: ProgressArg = False,
) -> ReachResult:
    """Ask whether each site and interceptor type can reach each ICBM, and the red lines.

    Parameters
    ----------
    source : Theatre or Scenario or str
        The theatre, a loaded scenario, or a built-in name or file (default
        ``icbm-reach``); its raid's launch areas are the ICBM bases and its
        batteries' sites the interceptor sites.
    sites, interceptors : sequence of str, optional
        Only these sites and interceptor types (default: every site, every
        type: each type is asked at each site, what-ifs included).
    bases : sequence of str, optional
        Only ICBMs from these bases (launch areas of the raid).
    aims : sequence of str, optional
        Aim points: assets of the theatre or ``LAT,LON`` in degrees; each base
        fires its missile at each (default: the raid's own threats).
    shapes : sequence of str
        Trajectory shapes (:data:`TRAJECTORIES`).
    delays_s : sequence of float
        Interceptor launch delays after the ICBM's launch, s.
    red_line_delays_s : sequence of float
        Delays at which to find the red line of every (site, base); none by default.
    red_line_template : str, optional
        The interceptor type the red line is built like (its burn time and
        altitude floor); by default the fastest of ``interceptors``.
    raid : str, optional
        The raid (default: the theatre's).
    sensors : bool
        Whether to compute the sensors' cue, look and fire-control times.
    cache : bool
        Whether to keep reach tables and radar views in the user's cache.
    progress : bool or callable
        Progress bar (on a terminal) or a callback ``(done, total)``, over the
        steps: flying the ICBMs, the windows, the sensors, and each round of
        the red lines' bisection.

    Returns
    -------
    ReachResult
        The answers.

    Raises
    ------
    UnknownNameError
        For an unknown site, interceptor type, base, aim point or shape (the
        message suggests the closest name).
    JointshieldError
        For an aim point beyond the ICBM's reach (with its maximum range), an
        empty or non-finite list of delays.
    """
    theatre = theatre_of(source, cache=cache)
    chosen_sites = sites_of(theatre, sites)
    kinds = (
        tuple(theatre.interceptor(name) for name in dict.fromkeys(interceptors))
        if interceptors
        else theatre.interceptors
    )
    if not kinds or not chosen_sites:
        raise JointshieldError(f"scenario {theatre.name!r} has no interceptor sites or types")
    delays = _delays(delays_s, "launch delays")
    red_delays = _delays(red_line_delays_s, "red-line delays") if red_line_delays_s else None
    total = 3 + (red_line_rounds() if red_delays is not None else 0)
    with _progress(progress, total, "reach") as step:
        flights = fly_icbms(_threats(theatre, raid, bases, aims), shapes)
        step()
        kins = [theatre.reach.get(k, store=theatre.cache) for k in kinds]
        bats = [_battery(site, kin) for site in chosen_sites for kin in kins]
        n_s, n_i = len(chosen_sites), len(kinds)
        # One geometry per site, shared by its types (site-major battery order).
        geometry = window_geometry(_site_rad(chosen_sites), flights.flyouts)
        windows = intercept_windows(
            bats, geometry=geometry.take(np.arange(len(flights)), np.repeat(np.arange(n_s), n_i))
        )
        latest = _to_sit(windows.latest_launch(), n_s, n_i)
        reason_names = np.vectorize(_REASONS_BY_CODE.__getitem__, otypes=[str])(windows.reason)
        regions = _regions(windows, flights, delays)
        first_t, last_t, first_h, last_h, first_p, last_p, count = (
            _to_sit(a, n_s, n_i) for a in regions
        )
        step()
        cue: dict[str, FloatArray] = {}
        looks: dict[str, FloatArray] = {}
        fire: dict[str, FloatArray] = {}
        if sensors:
            for sensor in theatre.space_ir:
                cue[sensor.name] = space_ir_cues(
                    sensor, flights.flyouts, flights.geometry.launch_time_s
                )
            picture = theatre.picture(flights.geometry)
            sigma_m = min(k.fire_control_sigma_m for k in kinds)
            sigma_mps = min(k.fire_control_sigma_mps for k in kinds)
            for view in picture.views:
                looks[view.radar.name] = view.first_look_s
                fire[view.radar.name] = view.fire_control_s(sigma_m, sigma_mps)
        step()
        lines: tuple[RedLine, ...] = ()
        if red_delays is not None:
            base_kind = (
                theatre.interceptor(red_line_template)
                if red_line_template
                else max(kinds, key=lambda k: k.burnout_speed_mps)
            )
            lines = red_lines(
                theatre,
                chosen_sites,
                flights,
                red_delays,
                base_kind,
                on_round=step,
            )
    meta = theatre.origin.meta(
        raid=theatre.raid(raid).name,
        shapes=list(dict.fromkeys(shapes)),
        lofted_apogee_factor=LOFTED_APOGEE_FACTOR,
        depressed_apogee_factor=DEPRESSED_APOGEE_FACTOR,
        sample_dt_s=SAMPLE_DT_S,
        red_line_step_kms=REDLINE_STEP_MPS / 1e3,
        red_line_search_kms=[REDLINE_MIN_MPS / 1e3, REDLINE_MAX_MPS / 1e3],
    )
    return ReachResult(
        sites=chosen_sites,
        interceptors=tuple(kinds),
        flights=flights,
        delays_s=delays,
        latest_launch_s=latest,
        reason=_to_sit(reason_names, n_s, n_i),
        first_intercept_s=first_t,
        last_intercept_s=last_t,
        first_alt_m=first_h,
        last_alt_m=last_h,
        first_point_deg=first_p,
        last_point_deg=last_p,
        region_samples=count,
        cue_s=cue,
        first_look_s=looks,
        fire_control_s=fire,
        red_lines=lines,
        windows=windows,
        meta=meta,
    )


def _delays(values: Sequence[float], what: str) -> FloatArray:
    out = np.asarray([float(v) for v in values], dtype=float)
    if out.size == 0 or not np.all(np.isfinite(out)) or np.any(out < 0.0):
        raise JointshieldError(f"{what}: expected finite times of at least 0 s, got {values!r}")
    return out


# --------------------------------------------------------------------------- red line


def template(kind: InterceptorType, speed_mps: float) -> InterceptorType:
    """Return an interceptor built like ``kind``, burning out at ``speed_mps``, caps lifted.

    The burn time and the lowest intercept altitude are ``kind``'s; the
    highest intercept altitude and the range limit are at least
    :data:`REDLINE_MAX_ALT_M` and :data:`REDLINE_MAX_RANGE_M`, so that the
    burnout speed alone decides what it reaches.
    """
    return dataclasses.replace(
        kind,
        name=f"{kind.name}@{speed_mps / 1e3:.3f}",
        burnout_speed_mps=float(speed_mps),
        max_intercept_alt_m=max(kind.max_intercept_alt_m, REDLINE_MAX_ALT_M),
        max_range_m=max(kind.max_range_m, REDLINE_MAX_RANGE_M),
    )


KinematicsAt = Callable[[float], InterceptorKinematics]
"""Reach of the template at a burnout speed (m/s), built once per speed by the caller."""


def _latest_launch(
    kin: InterceptorKinematics, sites: Sequence[Site], flyouts: Flyouts
) -> FloatArray:
    """Latest launch of each (trajectory, site) at this kinematics, s; NaN where none (n, s)."""
    return intercept_windows([_battery(s, kin) for s in sites], flyouts).latest_launch()


def _site_rad(sites: Sequence[Site]) -> FloatArray:
    return np.array([[s.lat_rad, s.lon_rad] for s in sites], dtype=float).reshape(-1, 2)


def feasible_at_speed(
    kinematics_at: KinematicsAt,
    speed_mps: float,
    site: Site,
    flyouts: Flyouts,
    delay_s: float,
) -> bool:
    """Whether an interceptor at ``site`` burning out at ``speed_mps`` can meet any trajectory.

    Parameters
    ----------
    kinematics_at : callable
        The template's reach at a speed (e.g. through a theatre's reach tables).
    speed_mps : float
        Burnout speed, m/s.
    site : Site
        Where it stands.
    flyouts : Flyouts
        The trajectories (sampled).
    delay_s : float
        Its launch delay after the ICBM's launch, s.
    """
    latest = _latest_launch(kinematics_at(speed_mps), [site], flyouts)[:, 0]
    with np.errstate(invalid="ignore"):
        return bool(np.any(latest >= delay_s))


@dataclass
class _Job:
    """One red line being bisected: lattice indices ``lo`` (infeasible) and ``hi`` (feasible)."""

    site: Site
    rows: list[int]
    delay_s: float
    lo: int
    hi: int
    evaluations: int = 0
    status: str = ""
    trajectory: int = -1


def red_line_rounds(
    low_mps: float = REDLINE_MIN_MPS,
    high_mps: float = REDLINE_MAX_MPS,
    step_mps: float = REDLINE_STEP_MPS,
) -> int:
    """Return the most rounds :func:`red_line_bisection` takes: the two ends, then halvings."""
    n_lattice = math.ceil((high_mps - low_mps) / step_mps - 1e-9)
    return 2 + max(math.ceil(math.log2(max(n_lattice, 1))), 0)


def red_line_bisection(
    kinematics_at: KinematicsAt,
    jobs: Sequence[tuple[Site, Sequence[int], float]],
    flyouts: Flyouts,
    *,
    low_mps: float = REDLINE_MIN_MPS,
    high_mps: float = REDLINE_MAX_MPS,
    step_mps: float = REDLINE_STEP_MPS,
    on_round: Callable[[], object] | None = None,
) -> list[tuple[float, str, int, int]]:
    """Bisect every job's red line together on one lattice of speeds.

    Parameters
    ----------
    kinematics_at : callable
        The template's reach at a speed; called once per distinct speed.
    jobs : sequence of (Site, rows, delay_s)
        Each red line: the site, the trajectories (rows of ``flyouts``) of
        which any counts, and the launch delay.
    flyouts : Flyouts
        The trajectories.
    low_mps, high_mps, step_mps : float
        The lattice ``low + k · step`` up to ``high``, m/s.
    on_round : callable, optional
        Called after each round (the two ends, then each midpoint), at most
        :func:`red_line_rounds` times.

    Returns
    -------
    list of (speed_mps, status, evaluations, trajectory)
        Per job: the lowest feasible lattice speed (NaN if none), ``found``,
        ``below`` or ``above`` (see :class:`RedLine`), the number of speeds
        evaluated for it, and the row first reachable there (-1 if none).

    Notes
    -----
    Each job's bracket starts at the lattice's ends, which are evaluated
    first; then every job evaluates its bracket's midpoint until the bracket
    is one step wide: ``ceil(log2(lattice size))`` evaluations at most.
    Jobs whose brackets coincide share their midpoint's reach table, so the
    early steps cost one table for all jobs.
    """
    n_lattice = math.ceil((high_mps - low_mps) / step_mps - 1e-9)
    if n_lattice < 1:
        raise JointshieldError(f"red line: expected {low_mps} < {high_mps} m/s with a step")

    def speed(i: int) -> float:
        return min(low_mps + i * step_mps, high_mps)

    state = [_Job(site, list(rows), float(d), -1, n_lattice) for site, rows, d in jobs]
    # The sites' geometry does not depend on the speed: computed once for every evaluation.
    columns = {id(j.site): j.site for j in state}
    column_of = {key: c for c, key in enumerate(columns)}
    geometry = window_geometry(_site_rad(list(columns.values())), flyouts)

    def evaluate(index_of: Callable[[_Job], int], active: list[_Job]) -> dict[int, int]:
        """Evaluate each active job at its lattice index; return the first feasible row or -1."""
        out: dict[int, int] = {}
        by_index: dict[int, list[_Job]] = {}
        for job in active:
            by_index.setdefault(index_of(job), []).append(job)
        for i, group in by_index.items():
            kin = kinematics_at(speed(i))
            sites = list({id(j.site): j.site for j in group}.values())
            rows = sorted({r for j in group for r in j.rows})
            part = geometry.take(rows, [column_of[id(x)] for x in sites])
            bats = [_battery(x, kin) for x in sites]
            latest = intercept_windows(bats, geometry=part).latest_launch()
            col = {id(s): c for c, s in enumerate(sites)}
            pos = {r: p for p, r in enumerate(rows)}
            for job in group:
                job.evaluations += 1
                values = latest[[pos[r] for r in job.rows], col[id(job.site)]]
                with np.errstate(invalid="ignore"):
                    ok = np.flatnonzero(values >= job.delay_s)
                # The row reachable with the largest margin names the red line's trajectory.
                out[id(job)] = job.rows[int(ok[np.argmax(values[ok])])] if ok.size else -1
        return out

    tick = on_round or (lambda: None)
    top = evaluate(lambda j: n_lattice, state)
    tick()
    for job in state:
        if top[id(job)] < 0:
            job.status = "above"
    bottom = evaluate(lambda j: 0, [j for j in state if not j.status])
    tick()
    for job in state:
        if not job.status:
            job.trajectory = top[id(job)]
            if bottom[id(job)] >= 0:
                job.status, job.hi, job.trajectory = "below", 0, bottom[id(job)]
            else:
                job.lo = 0
    while active := [j for j in state if not j.status and j.hi - j.lo > 1]:
        mids = evaluate(lambda j: (j.lo + j.hi) // 2, active)
        tick()
        for job in active:
            mid = (job.lo + job.hi) // 2
            if mids[id(job)] >= 0:
                job.hi, job.trajectory = mid, mids[id(job)]
            else:
                job.lo = mid
    results = []
    for job in state:
        if job.status == "above":
            results.append((math.nan, "above", job.evaluations, -1))
        else:
            results.append((speed(job.hi), job.status or "found", job.evaluations, job.trajectory))
    return results


def red_lines(
    theatre: Theatre,
    sites: Sequence[Site],
    flights: IcbmFlights,
    delays_s: Sequence[float] | FloatArray,
    kind: InterceptorType,
    *,
    step_mps: float = REDLINE_STEP_MPS,
    on_round: Callable[[], object] | None = None,
) -> tuple[RedLine, ...]:
    """Return the red line of every (site, base) at every delay, built like ``kind``.

    Reach tables are taken from the theatre's (:attr:`Theatre.reach`, and its
    cache on disk when it has one), so a speed's table is built once for
    every job and every later run.
    """

    def kinematics_at(speed_mps: float) -> InterceptorKinematics:
        return theatre.reach.get(template(kind, speed_mps), store=theatre.cache)

    bases = list(dict.fromkeys(flights.base))
    jobs = [
        (site, [i for i, b in enumerate(flights.base) if b == base], float(d))
        for d in delays_s
        for site in sites
        for base in bases
    ]
    found = red_line_bisection(
        kinematics_at, jobs, flights.flyouts, step_mps=step_mps, on_round=on_round
    )
    out = []
    for (site, rows, d), (v, status, evaluations, row) in zip(jobs, found, strict=True):
        out.append(
            RedLine(
                site=site.name,
                base=flights.base[rows[0]],
                delay_s=d,
                template=kind.name,
                speed_mps=v,
                status=status,
                step_mps=step_mps,
                evaluations=evaluations,
                trajectory=flights.label(row) if row >= 0 else "",
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- files

REACH_FILES: Final = ("reach.json", "reach.csv", "reach.png")
"""What :func:`write_reach` writes: every number, one row per case, and the map."""

_CSV_COLUMNS: Final = (
    "site",
    "interceptor",
    "base",
    "aim",
    "shape",
    "latest_launch_s",
    "reason",
    "delay_s",
    "feasible",
    "margin_s",
    "first_intercept_s",
    "first_alt_km",
    "first_lat_deg",
    "first_lon_deg",
    "last_intercept_s",
    "last_alt_km",
    "last_lat_deg",
    "last_lon_deg",
)


def delay_index(result: ReachResult, delay_s: float) -> int:
    """Return the index of the study's launch delay nearest ``delay_s``."""
    return int(np.argmin(np.abs(result.delays_s - float(delay_s))))


def case_rows(result: ReachResult, delay_s: float) -> list[dict[str, Any]]:
    """Return one row per (site, interceptor, trajectory) at the study's delay nearest ``delay_s``.

    Each row holds the latest launch, the reason when there is no intercept at
    any delay, and at that delay whether the intercept is feasible, its margin
    and the ends of its intercept region (time, altitude in km, sub-point).
    """
    k = delay_index(result, delay_s)
    d = float(result.delays_s[k])
    fl = result.flights
    rows = []
    for s, site in enumerate(result.sites):
        for j, kind in enumerate(result.interceptors):
            for i in range(len(fl)):
                latest = float(result.latest_launch_s[s, j, i])
                rows.append(
                    {
                        "site": site.name,
                        "interceptor": kind.name,
                        "base": fl.base[i],
                        "aim": fl.aim_point[i],
                        "shape": fl.shape[i],
                        "latest_launch_s": _num(latest),
                        "reason": str(result.reason[s, j, i]),
                        "delay_s": d,
                        "feasible": bool(math.isfinite(latest) and latest >= d),
                        "margin_s": _num(latest - d),
                        "first_intercept_s": _num(result.first_intercept_s[s, j, i, k]),
                        "first_alt_km": _num(result.first_alt_m[s, j, i, k] / 1e3),
                        "first_lat_deg": _num(result.first_point_deg[s, j, i, k, 0]),
                        "first_lon_deg": _num(result.first_point_deg[s, j, i, k, 1]),
                        "last_intercept_s": _num(result.last_intercept_s[s, j, i, k]),
                        "last_alt_km": _num(result.last_alt_m[s, j, i, k] / 1e3),
                        "last_lat_deg": _num(result.last_point_deg[s, j, i, k, 0]),
                        "last_lon_deg": _num(result.last_point_deg[s, j, i, k, 1]),
                    }
                )
    return rows


def _csv_text(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in _CSV_COLUMNS})
    return buffer.getvalue()


def map_region(result: ReachResult) -> tuple[float, float, float, float]:
    """Return the map's (lat0, lat1, lon0, lon1), degrees: every track and site, with a margin."""
    fl = result.flights
    lats = [fl.lat_deg[np.isfinite(fl.lat_deg)], [math.degrees(x.lat_rad) for x in result.sites]]
    lons = [fl.lon_deg[np.isfinite(fl.lon_deg)], [math.degrees(x.lon_rad) for x in result.sites]]
    lat = np.concatenate([np.asarray(v, dtype=float) for v in lats])
    lon = np.concatenate([np.asarray(v, dtype=float) for v in lons])
    lat0 = max(math.floor(float(lat.min()) / 5.0) * 5.0 - 5.0, -85.0)
    lat1 = min(math.ceil(float(lat.max()) / 5.0) * 5.0 + 5.0, 85.0)
    lon0 = max(math.floor(float(lon.min()) / 5.0) * 5.0 - 5.0, -180.0)
    lon1 = min(math.ceil(float(lon.max()) / 5.0) * 5.0 + 5.0, 180.0)
    return lat0, lat1, lon0, lon1


_TYPE_COLOURS: Final = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b")
_SHAPE_STYLES: Final = {"min-energy": "-", "lofted": "--", "depressed": ":"}


def draw_reach(result: ReachResult, path: str | Path, delay_s: float) -> Path:
    """Draw the ICBMs' ground tracks, the sites and the intercept regions at one delay.

    Tracks are grey (solid minimum energy, dashed lofted, dotted depressed),
    bases red triangles, aim points black squares, sites blue circles; the
    intercept region of each interceptor type at the study's delay nearest
    ``delay_s`` (from any selected site) is drawn in the type's colour on the
    tracks. Written as PNG, SVG or PDF by the suffix.
    """
    fl = result.flights
    k = delay_index(result, delay_s)
    d = float(result.delays_s[k])
    fig, ax = new_map(map_region(result))
    for i in range(len(fl)):
        ok = np.isfinite(fl.lat_deg[i])
        ax.plot(
            fl.lon_deg[i][ok],
            fl.lat_deg[i][ok],
            _SHAPE_STYLES.get(fl.shape[i], "-"),
            color="#7a7a7a",
            linewidth=0.6,
            zorder=1,
        )
    w = result.windows
    n_i = len(result.interceptors)
    with np.errstate(invalid="ignore"):
        reachable = w.feasible & (w.t_launch_s >= d)
    # The fastest type first, so that the slower types' smaller regions are drawn on top.
    order = sorted(range(n_i), key=lambda j: -result.interceptors[j].burnout_speed_mps)
    for j in order:
        kind = result.interceptors[j]
        cols = [s * n_i + j for s in range(len(result.sites))]
        mask = reachable[:, cols, :].any(axis=1)
        if mask.any():
            ax.plot(
                fl.lon_deg[mask],
                fl.lat_deg[mask],
                ".",
                markersize=2.5,
                color=_TYPE_COLOURS[j % len(_TYPE_COLOURS)],
                label=f"{kind.name} ({kind.burnout_speed_mps / 1e3:g} km/s)",
                zorder=2,
            )
    starts: dict[str, tuple[float, float]] = {}
    ends: dict[str, tuple[float, float]] = {}
    for i in range(len(fl)):
        first = np.flatnonzero(np.isfinite(fl.lat_deg[i]))
        if first.size:
            starts[fl.base[i]] = (fl.lon_deg[i][first[0]], fl.lat_deg[i][first[0]])
            ends[fl.aim_point[i]] = (fl.lon_deg[i][first[-1]], fl.lat_deg[i][first[-1]])
    for names, marker, colour in ((starts, "^", "#b22222"), (ends, "s", "black")):
        for name, (x, y) in names.items():
            ax.plot(x, y, marker, color=colour, markersize=5, zorder=3)
            ax.annotate(name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=6)
    for site in result.sites:
        x, y = math.degrees(site.lon_rad), math.degrees(site.lat_rad)
        ax.plot(x, y, "o", color="#1f4e9c", markersize=5, zorder=3)
        ax.annotate(site.name, (x, y), xytext=(3, -8), textcoords="offset points", fontsize=6)
    ax.set_title(
        f"ICBM ground tracks and where each interceptor type can meet them "
        f"(launched {d:g} s after the ICBM)",
        fontsize=9,
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=7, markerscale=4, title="intercept region (any site)")
    return save_figure(fig, path)


def write_reach(result: ReachResult, out: str | Path, delay_s: float) -> dict[str, Path]:
    """Write a study's files (:data:`REACH_FILES`) into the folder ``out``.

    ``reach.json`` holds every number (:meth:`ReachResult.to_json`);
    ``reach.csv`` one row per (site, interceptor, trajectory) at the delay
    nearest ``delay_s`` (:func:`case_rows`); ``reach.png`` the map
    (:func:`draw_reach`) at that delay.

    Returns
    -------
    dict of str to Path
        Each file written, by name.
    """
    folder = make_folder(out)
    written: dict[str, Path] = {}
    written["reach.json"] = write_json_atomic(folder / "reach.json", result.to_json())
    csv_path = folder / "reach.csv"
    csv_path.write_text(_csv_text(case_rows(result, delay_s)), encoding="utf-8")
    written["reach.csv"] = csv_path
    written["reach.png"] = draw_reach(result, folder / "reach.png", delay_s)
    return written
