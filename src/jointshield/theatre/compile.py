"""The compile step: a scenario turned into the domain objects of a theatre."""

from __future__ import annotations

import math

from jointshield.engagement.windows import BatteryGeometry
from jointshield.flight.reach import InterceptorKinematics
from jointshield.scenario.model import Scenario
from jointshield.sensing.radar import Radar
from jointshield.sensing.space_ir import SpaceIR


def batteries_from_scenario(
    scenario: Scenario | str, *, drag: bool = True
) -> tuple[BatteryGeometry, ...]:
    """Every battery of a scenario, in the file's order, with its interceptor's reach.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, or a built-in name or file path.
    drag : bool
        Whether the reach tables are flown with drag.

    Returns
    -------
    tuple of BatteryGeometry
        One per battery; batteries of one interceptor type share a table.
    """
    if isinstance(scenario, str):
        from jointshield.scenario import load_scenario

        scenario = load_scenario(scenario)
    out = []
    for battery in scenario.batteries:
        site = scenario.site(battery.site)
        out.append(
            BatteryGeometry(
                name=battery.name,
                owner=battery.owner,
                lat_rad=math.radians(site.lat_deg),
                lon_rad=math.radians(site.lon_deg),
                alt_m=site.alt_m,
                rounds=battery.rounds,
                kinematics=InterceptorKinematics.build(
                    scenario.interceptor(battery.interceptor), drag=drag
                ),
            )
        )
    return tuple(out)


def radars_from_scenario(scenario: Scenario) -> tuple[Radar, ...]:
    """Return every radar of a scenario in file order, in SI units (:meth:`Radar.from_scenario`)."""
    return tuple(
        Radar.from_scenario(s, scenario.site(s.site)) for s in scenario.sensors if s.kind == "radar"
    )


def space_ir_from_scenario(scenario: Scenario) -> tuple[SpaceIR, ...]:
    """Return every space-based infrared sensor of a scenario, in file order."""
    return tuple(SpaceIR.from_scenario(s) for s in scenario.sensors if s.kind == "space-ir")
