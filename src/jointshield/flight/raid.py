"""The deterministic picture of a raid: every threat aimed and flown, once.

Everything that does not change from one Monte Carlo trial to the next is
computed here once per raid, as arrays over threats: the aimed flyouts with
their sampled trajectories (on a common time grid), and the threats'
attributes. Sensors, tracking and the engagement model read it; no trial
re-flies a missile.

A raid arrives here as domain objects (:class:`Threat`, :class:`RaidPlan`)
that the compile step (:mod:`jointshield.theatre.compile`) makes from a
scenario file: SI units, every name resolved to its place and missile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jointshield.arrays import FloatArray, Int64Array
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight.aim import aim
from jointshield.flight.earth import ROTATING_WGS84, Earth
from jointshield.flight.flyout import Flyouts
from jointshield.flight.missile import MissileModel
from jointshield.vocabulary import Aim

__all__ = ["RaidGeometry", "RaidPlan", "Threat", "fly_raid"]


@dataclass(frozen=True)
class Threat:
    """One line of a raid: ``count`` missiles of one type on one trajectory.

    Parameters
    ----------
    id : str
        Identifier of the threat in its raid.
    missile : MissileModel
        The missile type, SI.
    rcs_m2 : float
        Radar cross-section of what radars track (the re-entry vehicle), m².
    launch_area, target : str
        Names of the launch area and the target asset.
    target_owner : str
        The party that owns the target.
    launch_lat_rad, launch_lon_rad : float
        Launch point (the launch area's centre), rad.
    target_lat_rad, target_lon_rad : float
        Aim point (the asset), rad.
    launch_time_s : float
        Launch time on the scenario clock, s.
    count : int
        Missiles fired on the same trajectory.
    aim : {'min-energy', 'lofted', 'depressed'}
        The trajectory shape.
    """

    id: str
    missile: MissileModel
    rcs_m2: float
    launch_area: str
    target: str
    target_owner: str
    launch_lat_rad: float
    launch_lon_rad: float
    target_lat_rad: float
    target_lon_rad: float
    launch_time_s: float = 0.0
    count: int = 1
    aim: Aim = "min-energy"


@dataclass(frozen=True)
class RaidPlan:
    """A named raid: its threats in order."""

    name: str
    threats: tuple[Threat, ...]

    def __post_init__(self) -> None:
        if not self.threats:
            raise JointshieldError(f"raid {self.name!r} has no threats")


@dataclass(frozen=True)
class RaidGeometry:
    """A raid's threats, aimed and flown, in the raid's order.

    Attributes
    ----------
    raid : str
        Name of the raid.
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

    raid: str
    threat_id: tuple[str, ...]
    missile: tuple[str, ...]
    launch_area: tuple[str, ...]
    target: tuple[str, ...]
    target_owner: tuple[str, ...]
    aim_mode: tuple[str, ...]
    launch_time_s: FloatArray
    count: Int64Array
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

    def select(self, idx: list[int]) -> RaidGeometry:
        """Return the same raid restricted to the threats at positions ``idx``."""
        arr = np.asarray(idx, dtype=np.intp)

        def pick(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(values[i] for i in idx)

        return RaidGeometry(
            raid=self.raid,
            threat_id=pick(self.threat_id),
            missile=pick(self.missile),
            launch_area=pick(self.launch_area),
            target=pick(self.target),
            target_owner=pick(self.target_owner),
            aim_mode=pick(self.aim_mode),
            launch_time_s=self.launch_time_s[arr],
            count=self.count[arr],
            rcs_m2=self.rcs_m2[arr],
            azimuth_rad=self.azimuth_rad[arr],
            pitch_end_rad=self.pitch_end_rad[arr],
            cutoff_s=self.cutoff_s[arr],
            miss_m=self.miss_m[arr],
            flyouts=self.flyouts.take(arr),
        )


def fly_raid(
    raid: RaidPlan,
    *,
    earth: Earth = ROTATING_WGS84,
    drag: bool = True,
    sample_dt_s: float = 1.0,
) -> RaidGeometry:
    """Aim and fly every threat of a raid from its launch point to its target.

    Threats of one missile type and trajectory shape are aimed together as one
    batch; the result is in the raid's order.

    Parameters
    ----------
    raid : RaidPlan
        The raid, compiled.
    earth : Earth
        Earth model (default: rotating WGS-84).
    drag : bool
        Whether the atmosphere acts.
    sample_dt_s : float
        Interval of the trajectory samples, s.

    Returns
    -------
    RaidGeometry
        The raid's threats, aimed and flown.
    """
    threats = raid.threats
    groups: dict[tuple[MissileModel, Aim], list[int]] = {}
    for i, th in enumerate(threats):
        groups.setdefault((th.missile, th.aim), []).append(i)
    n = len(threats)
    az, pitch, cut, miss = (np.zeros(n) for _ in range(4))
    parts: list[Flyouts] = []
    order: list[int] = []
    for (model, mode), idx in groups.items():
        sol = aim(
            model,
            np.array([threats[i].launch_lat_rad for i in idx]),
            np.array([threats[i].launch_lon_rad for i in idx]),
            np.array([threats[i].target_lat_rad for i in idx]),
            np.array([threats[i].target_lon_rad for i in idx]),
            mode=mode,
            earth=earth,
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
        raid=raid.name,
        threat_id=tuple(th.id for th in threats),
        missile=tuple(th.missile.name for th in threats),
        launch_area=tuple(th.launch_area for th in threats),
        target=tuple(th.target for th in threats),
        target_owner=tuple(th.target_owner for th in threats),
        aim_mode=tuple(th.aim for th in threats),
        launch_time_s=np.array([th.launch_time_s for th in threats], dtype=float),
        count=np.array([th.count for th in threats], dtype=np.int64),
        rcs_m2=np.array([th.rcs_m2 for th in threats], dtype=float),
        azimuth_rad=az,
        pitch_end_rad=pitch,
        cutoff_s=cut,
        miss_m=miss,
        flyouts=flyouts,
    )
