"""The checks every command relies on, run on a loaded scenario before any work.

A scenario that loads is well-formed field by field; it may still be one that
no command can run: an interceptor whose stand-in vehicle cannot fly (see
:mod:`jointshield.flight.reach`), a missile that cannot leave the pad, a raid
aimed at a city beyond its missile's reach. :func:`check_scenario` finds all
of these, each at the file, line and key of its item, without building reach
tables or flying a raid; :func:`checked_theatre` compiles a scenario that
passes. ``jointshield scenarios validate`` runs both, so that a file it calls
valid runs.
"""

from __future__ import annotations

import math
from functools import lru_cache, partial
from typing import Final

from jointshield.errors import JointshieldError, Problem, ScenarioError
from jointshield.flight.aim import max_range_m, max_range_on_bearing
from jointshield.flight.earth import ROTATING_WGS84
from jointshield.flight.missile import MissileModel
from jointshield.flight.reach import tuned_mass_ratio
from jointshield.physics.geo import geodesic_inverse, great_circle_distance_m
from jointshield.scenario.model import Scenario
from jointshield.scenario.places import resolve_place
from jointshield.theatre.compile import compile_item, compile_missile, compile_scenario
from jointshield.theatre.model import Theatre

__all__ = ["check_scenario", "checked_theatre"]


@lru_cache(maxsize=256)
def _stand_in_refusal(burnout_speed_mps: float, burn_time_s: float) -> str | None:
    """Why the stand-in vehicle of a reach table cannot be tuned (None if it can)."""
    try:
        tuned_mass_ratio(burnout_speed_mps, burn_time_s, drag=True)
    except JointshieldError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=256)
def _max_range_km(model: MissileModel) -> float:
    """Greatest ground range of a missile model, km (full burn, best pitch, fixed Earth)."""
    return max_range_m(model) / 1e3


ROTATION_MARGIN: Final = 0.7
"""A target closer than this share of the fixed-Earth reach is within reach on any
bearing. The Earth's rotation changes a full burn's range by -4.4 % to +6.2 % for the
built-ins' missiles (1,300-3,700 km, launches at 0-60° latitude, every 30° of
bearing); farther targets are checked on their own bearing on the rotating Earth."""


@lru_cache(maxsize=4096)
def _reach_on_bearing_km(
    model: MissileModel, lat_rad: float, lon_rad: float, az_rad: float
) -> float:
    """Greatest ground range of a full burn on one bearing, rotating Earth, km (as aim finds)."""
    return max_range_on_bearing(model, lat_rad, lon_rad, az_rad, earth=ROTATING_WGS84) / 1e3


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Find what would stop a command from running a loaded scenario.

    Parameters
    ----------
    scenario : Scenario
        A loaded, validated scenario.

    Returns
    -------
    list of Problem
        Every problem, each with the key and line of its item, sorted by line:
        objects the domain refuses to build (a radar, a missile that cannot lift
        off or rises vertically past burnout, a sector, a link); interceptor
        types whose stand-in vehicle cannot be tuned to their burnout speed in
        their burn time; threats whose target lies beyond their missile's
        greatest range. Empty if the scenario can run.
    """
    problems: list[Problem] = []
    try:
        compile_scenario(scenario)
    except ScenarioError as exc:
        problems.extend(exc.problems)

    for index, kind in enumerate(scenario.interceptors):
        refusal = _stand_in_refusal(kind.burnout_speed_kms * 1e3, kind.burn_time_s)
        if refusal is not None:
            key = f"interceptors[{index}].burn_time_s"
            if "burnout speed" in refusal:
                key = f"interceptors[{index}].burnout_speed_kms"
            problems.append(Problem(key, refusal, scenario.line_of(key)))

    models: dict[str, MissileModel | None] = {}
    for index, missile in enumerate(scenario.missiles):
        models[missile.name] = compile_item(
            scenario, f"missiles[{index}]", partial(compile_missile, missile), []
        )
    for raid_index, raid in enumerate(scenario.raids):
        for threat_index, threat in enumerate(raid.threats):
            model = models.get(threat.missile)
            if model is None:
                continue  # already reported, or an unknown name reported at load
            try:
                start = resolve_place(scenario, threat.launch_area)
                end = resolve_place(scenario, threat.target)
            except JointshieldError:
                continue  # reported by compile_scenario
            distance_km = float(
                great_circle_distance_m(
                    math.radians(start.lat_deg),
                    math.radians(start.lon_deg),
                    math.radians(end.lat_deg),
                    math.radians(end.lon_deg),
                )
                / 1e3
            )
            reach_km = _max_range_km(model)
            # A launch point may be drawn anywhere in its launch area (--geometry-samples).
            areas = {a.name: a for a in scenario.launch_areas}
            radius_km = (
                float(areas[threat.launch_area].radius_km) if threat.launch_area in areas else 0.0
            )
            where = ""
            if distance_km + radius_km > ROTATION_MARGIN * reach_km:
                # Aiming flies on the rotating Earth: check the reach on this bearing.
                lat0, lon0 = math.radians(start.lat_deg), math.radians(start.lon_deg)
                geodesic_m, azimuth, _ = geodesic_inverse(
                    lat0, lon0, math.radians(end.lat_deg), math.radians(end.lon_deg)
                )
                distance_km = float(geodesic_m) / 1e3  # what aim compares with its reach
                reach_km = _reach_on_bearing_km(model, lat0, lon0, float(azimuth))
                where = " on this bearing of the rotating Earth"
            if distance_km + radius_km > reach_km:
                key = f"raids[{raid_index}].threats[{threat_index}].target"
                edge = f" plus the launch area's radius of {radius_km:,.0f} km" if radius_km else ""
                problems.append(
                    Problem(
                        key,
                        f"expected a target within reach of {threat.missile} "
                        f"(at most {reach_km:,.0f} km{where}), got {threat.target!r} at "
                        f"{distance_km:,.0f} km from {threat.launch_area!r}{edge}",
                        scenario.line_of(key),
                    )
                )
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line is None, p.line or 0))
    return unique


def checked_theatre(scenario: Scenario) -> Theatre:
    """Compile a scenario after :func:`check_scenario` finds nothing wrong.

    Raises
    ------
    ScenarioError
        With every problem :func:`check_scenario` finds.
    """
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(scenario.file, problems)
    return compile_scenario(scenario)
