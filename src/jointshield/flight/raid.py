"""The deterministic picture of a raid: every threat aimed and flown, once.

Everything that does not change from one Monte Carlo trial to the next is
computed here once per scenario and raid, as arrays over threats: the aimed
flyouts with their sampled trajectories (on a common time grid), and the
threats' attributes. Sensors, tracking and the engagement model read it; no
trial re-flies a missile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jointshield.arrays import FloatArray
from jointshield.errors import UnknownNameError
from jointshield.flight import FIXED_WGS84, ROTATING_WGS84, Flyouts, MissileModel
from jointshield.flight.aim import aim
from jointshield.scenario import DEFAULT_SCENARIO, Raid, Scenario, load_scenario


@dataclass(frozen=True)
class RaidGeometry:
    """A raid's threats, aimed and flown, in the raid's order.

    Attributes
    ----------
    scenario : Scenario
        The scenario the raid belongs to.
    raid : Raid
        The raid.
    threat_id, missile, launch_area, target, target_owner, aim_mode : tuple of str
        Per threat: identifier, missile type, launch area, target asset, the
        party that owns the target, and the trajectory shape.
    launch_time_s : ndarray
        Launch time of each threat on the scenario clock, s.
    count : ndarray of int
        Missiles fired on the same trajectory.
    rcs_m2 : ndarray
        Radar cross-section of each threat, m².
    azimuth_rad, pitch_end_rad, cutoff_s : ndarray
        The aim solution's controls.
    miss_m : ndarray
        Distance from the aimed impact point to the target, m.
    flyouts : Flyouts
        The flyouts, sampled every ``flyouts.sample_dt_s`` seconds after launch.
    """

    scenario: Scenario
    raid: Raid
    threat_id: tuple[str, ...]
    missile: tuple[str, ...]
    launch_area: tuple[str, ...]
    target: tuple[str, ...]
    target_owner: tuple[str, ...]
    aim_mode: tuple[str, ...]
    launch_time_s: FloatArray
    count: NDArray[np.int64]
    rcs_m2: FloatArray
    azimuth_rad: FloatArray
    pitch_end_rad: FloatArray
    cutoff_s: FloatArray
    miss_m: FloatArray
    flyouts: Flyouts

    def __len__(self) -> int:
        return len(self.threat_id)

    def index(self, threat_id: str) -> int:
        """Position of a threat in the raid, by its identifier."""
        if threat_id not in self.threat_id:
            raise UnknownNameError("threat", threat_id, self.threat_id)
        return self.threat_id.index(threat_id)


def raid_geometry(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    earth: str = "rotating",
    drag: bool = True,
    sample_dt_s: float = 1.0,
) -> RaidGeometry:
    """Aim and fly every threat of a raid from its launch area's centre to its target.

    Threats of one missile type and trajectory shape are aimed together as one
    batch; the result is in the raid's order.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or file path; None for the default.
    raid : str, optional
        Name of the raid; by default the scenario's default raid.
    earth : {'rotating', 'fixed'}
        Earth model (WGS-84 either way).
    drag : bool
        Whether the atmosphere acts.
    sample_dt_s : float
        Interval of the trajectory samples, s.

    Returns
    -------
    RaidGeometry
        The raid's threats, aimed and flown.
    """
    from jointshield.scenario.places import resolve_place

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or DEFAULT_SCENARIO)
    names = [r.name for r in sc.raids]
    if raid is not None and raid not in names:
        raise UnknownNameError("raid", raid, names)
    the_raid = sc.raid(raid)
    threats = the_raid.threats
    groups: dict[tuple[str, str], list[int]] = {}
    for i, th in enumerate(threats):
        groups.setdefault((th.missile, th.aim), []).append(i)
    n = len(threats)
    az, pitch, cut, miss = (np.zeros(n) for _ in range(4))
    parts: list[Flyouts] = []
    order: list[int] = []
    the_earth = ROTATING_WGS84 if earth == "rotating" else FIXED_WGS84
    for (missile_name, mode), idx in groups.items():
        model = MissileModel.from_type(sc.missile(missile_name))
        starts = [resolve_place(sc, threats[i].launch_area) for i in idx]
        ends = [resolve_place(sc, threats[i].target) for i in idx]
        sol = aim(
            model,
            np.radians([p.lat_deg for p in starts]),
            np.radians([p.lon_deg for p in starts]),
            np.radians([p.lat_deg for p in ends]),
            np.radians([p.lon_deg for p in ends]),
            mode=mode,  # type: ignore[arg-type]
            earth=the_earth,
            drag=drag,
            sample_dt_s=sample_dt_s,
        )
        az[idx], pitch[idx], cut[idx], miss[idx] = (
            sol.azimuth_rad,
            sol.pitch_end_rad,
            sol.cutoff_s,
            sol.miss_m,
        )
        parts.append(sol.flyouts)
        order.extend(idx)
    # Back into the raid's order.
    flyouts = Flyouts.concatenate(parts).take(np.argsort(order)).trim_samples()
    return RaidGeometry(
        scenario=sc,
        raid=the_raid,
        threat_id=tuple(th.id for th in threats),
        missile=tuple(th.missile for th in threats),
        launch_area=tuple(th.launch_area for th in threats),
        target=tuple(th.target for th in threats),
        target_owner=tuple(sc.asset(th.target).owner for th in threats),
        aim_mode=tuple(th.aim for th in threats),
        launch_time_s=np.array([th.launch_time_s for th in threats], dtype=float),
        count=np.array([th.count for th in threats], dtype=np.int64),
        rcs_m2=np.array([sc.missile(th.missile).rcs_m2 for th in threats], dtype=float),
        azimuth_rad=az,
        pitch_end_rad=pitch,
        cutoff_s=cut,
        miss_m=miss,
        flyouts=flyouts,
    )
