"""One flyout as a user asks for it: aim, fly, and export the trajectory.

:func:`flyout` aims and flies a scenario's missile between two places;
:func:`free_flight` flies a body from a given burnout state. Both return a
:class:`FlyoutResult` whose :class:`Trajectory` holds the states sampled at
a fixed interval with the named events (launch, burnout, apogee, re-entry,
impact), in reporting units at the edges (degrees, metres of altitude,
seconds), and writes CSV, GeoJSON (RFC 7946) and KML 2.2.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from jointshield import vocabulary
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight import fly_free
from jointshield.flight.aim import aim
from jointshield.flight.earth import earth_named
from jointshield.flight.flyout import STATUS_NAMES
from jointshield.flight.raid import fly_raid as fly_raid_plan
from jointshield.physics.ballistics import max_range_angle_rad, max_range_gamma_rad
from jointshield.physics.geo import MEAN_EARTH_RADIUS_M
from jointshield.record import VERSION, Origin
from jointshield.report.export import Trajectory
from jointshield.scenario import DEFAULT_SCENARIO, Scenario, load_scenario, scenario_hash
from jointshield.scenario.places import resolve_place
from jointshield.theatre.compile import compile_missile, theatre_of
from jointshield.vocabulary import Earth

# --------------------------------------------------------------------------- input checks

SAMPLE_HORIZON_S = 3600.0
"""How long after launch a trajectory is sampled at most, s (the flight layer's horizon)."""

_SAMPLE_BYTES = 49 * 3
"""Bytes per sample of one flyout: six states and a phase, held in about three copies."""


def _finite(value: float, what: str, low: float, high: float, unit: str) -> float:
    """Return ``value`` as a float if it is a finite number in ``[low, high]``, else refuse it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise JointshieldError(f"{what}: expected a number of {unit}, got {value!r}") from None
    if not np.isfinite(number) or not low <= number <= high:
        raise JointshieldError(
            f"{what}: expected a finite number of {unit} in [{low:g}, {high:g}], got {value!r}"
        )
    return number


def _memory_bytes() -> int:
    """Physical memory of this machine, bytes (8 GiB where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 8 * 2**30


def check_sample_interval(sample_dt_s: float, flyouts: int = 1) -> float:
    """Refuse a sample interval that is not a positive finite time, or too fine to hold.

    Parameters
    ----------
    sample_dt_s : float
        Interval of the trajectory samples, s.
    flyouts : int
        How many trajectories are sampled at once (a raid's threats).

    Returns
    -------
    float
        ``sample_dt_s``.

    Raises
    ------
    JointshieldError
        If the interval is not a finite number in (0, 3600] s, or the samples
        would take more than half of this machine's memory (the estimate is
        in the message).
    """
    try:
        dt = float(sample_dt_s)
    except (TypeError, ValueError):
        dt = float("nan")
    if not np.isfinite(dt) or not 0.0 < dt <= SAMPLE_HORIZON_S:
        raise JointshieldError(
            f"sample interval: expected a finite number of s in (0, {SAMPLE_HORIZON_S:g}], "
            f"got {sample_dt_s!r}"
        )
    samples = math.ceil(SAMPLE_HORIZON_S / dt) + 1
    need = samples * max(flyouts, 1) * _SAMPLE_BYTES
    have = _memory_bytes() // 2
    if need > have:
        finest = SAMPLE_HORIZON_S / (have / (max(flyouts, 1) * _SAMPLE_BYTES) - 1)
        raise JointshieldError(
            f"sample interval: {dt:g} s gives {samples:,} samples of each of {flyouts} "
            f"trajectories, about {need / 2**30:,.1f} GiB, more than the "
            f"{have / 2**30:,.1f} GiB (half of this machine's memory) allowed; "
            f"expected at least {finest:.3g} s"
        )
    return dt


# --------------------------------------------------------------------------- the flyout API


@dataclass(frozen=True)
class FlyoutResult:
    """One flyout as a user asked for it: headline figures, trajectory and provenance.

    Attributes
    ----------
    summary : dict
        Headline figures in reporting units (``range_km``, ``flight_time_s``,
        ``apogee_km``, ``burnout_speed_kms``, ``burnout_angle_deg``,
        ``burnout_altitude_km``, ``impact_lat``, ``impact_lon``, ...).
    trajectory : Trajectory
        The sampled path with its events.
    meta : dict
        What was flown and how: scenario name and hash, missile, places, aim
        controls, Earth model, jointshield version.
    """

    summary: dict[str, Any]
    trajectory: Trajectory
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: the summary's keys at top level, plus ``meta``."""
        return {**{k: _json_number(v) for k, v in self.summary.items()}, "meta": self.meta}


def _json_number(value: Any) -> Any:
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 6)
    return value


def _meta(scenario: Scenario | None, **extra: Any) -> dict[str, Any]:
    if scenario is None:
        return {**extra, "jointshield_version": VERSION}
    return Origin(scenario.name, scenario_hash(scenario)).meta(**extra)


def flyout(
    scenario: Scenario | str | None,
    missile: str,
    origin: str,
    target: str,
    *,
    aim_mode: str = "min-energy",
    apogee_km: float | None = None,
    earth: Earth = "rotating",
    drag: bool = True,
    sample_dt_s: float = 1.0,
) -> FlyoutResult:
    """Aim and fly one missile of a scenario from a place to a place.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or file path; None for the default.
    missile : str
        Name of one of the scenario's missile types.
    origin, target : str
        A site, launch area or asset of the scenario, or ``LAT,LON`` in degrees.
    aim_mode : {'min-energy', 'lofted', 'depressed'}
        Trajectory shape; ignored when ``apogee_km`` is given.
    apogee_km : float, optional
        Fly the trajectory with this apogee height, km.
    earth : {'rotating', 'fixed', 'sphere'}
        Earth model: WGS-84 turning or held still, or a still sphere of the mean
        radius without J2 (on which the closed forms of
        :mod:`jointshield.physics.ballistics` hold exactly).
    drag : bool
        Whether the atmosphere acts.
    sample_dt_s : float
        Interval of the trajectory samples, s.

    Returns
    -------
    FlyoutResult
        Summary, trajectory and provenance.

    Examples
    --------
    >>> r = flyout("europe-2011", "shahab-3", "Tabriz", "Ankara")  # doctest: +SKIP
    >>> round(r.summary["range_km"])  # doctest: +SKIP
    1113
    """
    sample_dt_s = check_sample_interval(sample_dt_s)
    if apogee_km is not None:
        apogee_km = _finite(apogee_km, "apogee height", 1.0, 5000.0, "km")
    sc = (
        load_scenario(scenario or DEFAULT_SCENARIO)
        if not isinstance(scenario, Scenario)
        else scenario
    )
    names = [m.name for m in sc.missiles]
    if missile not in names:
        raise UnknownNameError("missile", missile, names)
    model = compile_missile(next(m for m in sc.missiles if m.name == missile))
    start, end = resolve_place(sc, origin), resolve_place(sc, target)
    mode = "apogee" if apogee_km is not None else vocabulary.aim_mode(aim_mode)
    sol = aim(
        model,
        np.radians(start.lat_deg),
        np.radians(start.lon_deg),
        np.radians(end.lat_deg),
        np.radians(end.lon_deg),
        mode=mode,
        apogee_m=None if apogee_km is None else apogee_km * 1e3,
        launch_alt_m=start.alt_m,
        earth=earth_named(earth),
        drag=drag,
        sample_dt_s=sample_dt_s,
    )
    fl = sol.flyouts
    summary = fl.summary(0)
    summary["miss_m"] = float(sol.miss_m[0])
    meta = _meta(
        sc,
        missile=missile,
        origin=start.name,
        target=end.name,
        aim=mode,
        apogee_km=apogee_km,
        earth=earth,
        drag=drag,
        launch_azimuth_deg=round(float(np.degrees(sol.azimuth_rad[0])) % 360.0, 6),
        pitch_end_deg=round(float(np.degrees(sol.pitch_end_rad[0])), 6),
        thrust_cutoff_s=round(float(sol.cutoff_s[0]), 6),
    )
    return FlyoutResult(summary, Trajectory.from_flyouts(fl, 0), meta)


def free_flight(
    burnout_speed_kms: float,
    burnout_angle_deg: float | None = None,
    *,
    burnout_altitude_km: float = 0.0,
    origin: str = "0,0",
    azimuth_deg: float = 0.0,
    earth: Earth = "rotating",
    beta_kg_m2: float | None = None,
    scenario: Scenario | str | None = None,
    sample_dt_s: float = 1.0,
) -> FlyoutResult:
    """Fly a body in free flight from a burnout state (range and time from burnout).

    Parameters
    ----------
    burnout_speed_kms : float
        Speed relative to the Earth at burnout, km/s.
    burnout_angle_deg : float, optional
        Flight-path angle above the local horizontal, degrees; by default the
        minimum-energy (maximum-range) angle for this speed (Bate, Mueller and
        White 1971, §6.2), computed on a sphere of the Earth's mean radius.
    burnout_altitude_km : float
        Altitude of the burnout point, km.
    origin : str
        Burnout point: ``LAT,LON`` in degrees, or a place of ``scenario``.
    azimuth_deg : float
        Azimuth of the velocity, degrees clockwise from north.
    earth : {'rotating', 'fixed', 'sphere'}
        Earth model: WGS-84 turning or held still, or a still sphere of the mean
        radius without J2 (on which the closed forms of
        :mod:`jointshield.physics.ballistics` hold exactly).
    beta_kg_m2 : float, optional
        Ballistic coefficient for drag, kg/m²; None flies in vacuum.
    scenario : Scenario or str, optional
        Where to look up a named ``origin``.
    sample_dt_s : float
        Interval of the trajectory samples, s.

    Returns
    -------
    FlyoutResult
        Summary, trajectory and provenance.
    """
    sample_dt_s = check_sample_interval(sample_dt_s)
    if isinstance(burnout_speed_kms, int | float) and burnout_speed_kms <= 0:
        raise JointshieldError(f"burnout speed must be positive, got {burnout_speed_kms} km/s")
    burnout_speed_kms = _finite(burnout_speed_kms, "burnout speed", 0.0, 12.0, "km/s")
    if burnout_angle_deg is not None:
        burnout_angle_deg = _finite(burnout_angle_deg, "burnout angle", -90.0, 90.0, "degrees")
    burnout_altitude_km = _finite(burnout_altitude_km, "burnout altitude", 0.0, 2000.0, "km")
    azimuth_deg = _finite(azimuth_deg, "azimuth", -360.0, 360.0, "degrees from north")
    if beta_kg_m2 is not None:
        beta_kg_m2 = _finite(beta_kg_m2, "ballistic coefficient", 1.0, 1e6, "kg/m²")
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    start = resolve_place(sc, origin)
    speed = burnout_speed_kms * 1e3
    r_bo = MEAN_EARTH_RADIUS_M + burnout_altitude_km * 1e3
    if burnout_angle_deg is None:
        gamma = float(max_range_gamma_rad(max_range_angle_rad(speed, r_bo)))
        if not np.isfinite(gamma):
            raise JointshieldError(
                f"{burnout_speed_kms} km/s is orbital or faster: no minimum-energy angle"
            )
        angle_source = "min-energy"
    else:
        if not -90.0 <= burnout_angle_deg <= 90.0:
            raise JointshieldError(
                f"burnout angle must lie in [-90, 90] degrees, got {burnout_angle_deg}"
            )
        gamma = float(np.radians(burnout_angle_deg))
        angle_source = "given"
    fl = fly_free(
        np.radians(start.lat_deg),
        np.radians(start.lon_deg),
        np.radians(azimuth_deg),
        speed,
        gamma,
        alt_m=burnout_altitude_km * 1e3,
        beta_kg_m2=beta_kg_m2,
        earth=earth_named(earth),
        sample_dt_s=sample_dt_s,
    )
    if fl.status[0] != 0:
        raise JointshieldError(
            f"a body at {burnout_speed_kms} km/s and {np.degrees(gamma):.1f}° does not come down "
            f"({STATUS_NAMES[int(fl.status[0])]})"
        )
    summary = fl.summary(0)
    meta = _meta(
        sc,
        mode="free-flight",
        origin=start.name,
        azimuth_deg=azimuth_deg,
        burnout_angle=angle_source,
        earth=earth,
        drag=beta_kg_m2 is not None,
        beta_kg_m2=beta_kg_m2,
    )
    return FlyoutResult(summary, Trajectory.from_flyouts(fl, 0), meta)


@dataclass(frozen=True)
class RaidFlyouts:
    """The flyouts of every threat of a raid, aimed as the scenario says."""

    scenario: str
    raid: str
    results: tuple[tuple[str, FlyoutResult], ...]  # (threat id, result)
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: one entry per threat, plus ``meta``."""
        return {
            "raid": self.raid,
            "threats": [{"id": tid, **r.to_json()} for tid, r in self.results],
            "meta": self.meta,
        }

    def to_geojson(self) -> dict[str, Any]:
        """All trajectories and events as one GeoJSON FeatureCollection."""
        features: list[dict[str, Any]] = []
        for tid, r in self.results:
            props = {"threat": tid, "missile": r.meta["missile"], "target": r.meta["target"]}
            for f in r.trajectory.to_geojson(props)["features"]:
                f["properties"] = {**props, **f["properties"]}
                features.append(f)
        return {"type": "FeatureCollection", "features": features}


def fly_raid(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    earth: Earth = "rotating",
    drag: bool = True,
    sample_dt_s: float = 1.0,
) -> RaidFlyouts:
    """Aim and fly every threat of a raid from its launch area's centre to its target.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or file path; None for the default.
    raid : str, optional
        Name of the raid; by default the scenario's default raid.
    earth, drag, sample_dt_s
        As for :func:`flyout`.

    Returns
    -------
    RaidFlyouts
        One :class:`FlyoutResult` per threat, in the raid's order.
    """
    check_sample_interval(sample_dt_s)
    the_earth = earth_named(earth)
    theatre = theatre_of(scenario)
    plan = theatre.raid(raid)
    check_sample_interval(sample_dt_s, len(plan.threats))
    geo = fly_raid_plan(plan, earth=the_earth, drag=drag, sample_dt_s=sample_dt_s)
    fl = geo.flyouts
    results = []
    for k, tid in enumerate(geo.threat_id):
        summary = fl.summary(k)
        summary["miss_m"] = float(geo.miss_m[k])
        meta = {
            "missile": geo.missile[k],
            "origin": geo.launch_area[k],
            "target": geo.target[k],
            "aim": geo.aim_mode[k],
            "count": int(geo.count[k]),
            "launch_time_s": float(geo.launch_time_s[k]),
            "launch_azimuth_deg": round(float(np.degrees(geo.azimuth_rad[k])) % 360.0, 6),
            "pitch_end_deg": round(float(np.degrees(geo.pitch_end_rad[k])), 6),
            "thrust_cutoff_s": round(float(geo.cutoff_s[k]), 6),
        }
        results.append((tid, FlyoutResult(summary, Trajectory.from_flyouts(fl, k), meta)))
    return RaidFlyouts(
        theatre.name,
        geo.raid,
        tuple(results),
        theatre.origin.meta(raid=geo.raid, earth=earth, drag=drag),
    )
