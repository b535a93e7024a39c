"""The deterministic picture of a raid: every threat aimed and flown, once.

Everything that does not change from one Monte Carlo trial to the next is
computed here once per raid, as arrays over threats: the aimed flyouts with
their sampled trajectories (on a common time grid), and the threats'
attributes. Sensors, tracking and the engagement model read it; no trial
re-flies a missile.

A raid arrives here as domain objects (:class:`Threat`, :class:`RaidPlan`)
that the compile step (:mod:`jointshield.theatre.compile`) makes from a
scenario file: SI units, every name resolved to its place and missile.

Raid variation: a threat's launch point lies somewhere in its launch area
and its launch time near the nominal one. :func:`sample_plans` draws such
variants of a plan (geometry samples); each is flown and deployed once, and
the Monte Carlo trials are spread over them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from jointshield.arrays import FloatArray, Int64Array
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight.aim import aim
from jointshield.flight.earth import ROTATING_WGS84, Earth
from jointshield.flight.flyout import Flyouts
from jointshield.flight.missile import MissileModel
from jointshield.physics.geo import MEAN_EARTH_RADIUS_M, great_circle_destination
from jointshield.vocabulary import Aim

__all__ = ["RaidGeometry", "RaidPlan", "Threat", "fly_raid", "sample_plans"]


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
        Launch point, rad: the launch area's centre in a compiled plan, a
        point drawn in the area in a sampled one (:func:`sample_plans`).
    target_lat_rad, target_lon_rad : float
        Aim point (the asset), rad.
    launch_time_s : float
        Launch time on the scenario clock, s.
    count : int
        Missiles fired on the same trajectory.
    aim : {'min-energy', 'lofted', 'depressed'}
        The trajectory shape.
    launch_radius_m : float
        Radius of the launch area around the launch point, m (great-circle
        distance on the mean Earth sphere); 0: the threat always launches
        from the launch point.
    launch_time_jitter_s : float
        Half-width of the interval around ``launch_time_s`` in which the
        launch happens, s; 0: always at ``launch_time_s``.

    Raises
    ------
    JointshieldError
        If the radius or the jitter is negative or not finite.
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
    launch_radius_m: float = 0.0
    launch_time_jitter_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("launch_radius_m", "launch_time_jitter_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise JointshieldError(
                    f"threat {self.id!r}: {name} must be a finite number of at least 0, got {value}"
                )


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

    def split(self, parts: int) -> tuple[RaidGeometry, ...]:
        """Cut a raid flown as ``parts`` equal runs of threats into its runs.

        Several plans of one raid (e.g. the geometry samples of
        :func:`sample_plans`) are flown together as one batch, which costs
        little more than one of them; this gives back each plan's geometry,
        its sample table cut after its own last impact.

        Parameters
        ----------
        parts : int
            Number of runs; it divides the number of threats.

        Returns
        -------
        tuple of RaidGeometry
            Run ``p`` holds threats ``p * size`` to ``(p + 1) * size - 1``.

        Raises
        ------
        JointshieldError
            If ``parts`` is not a positive divisor of the number of threats.
        """
        n = len(self)
        if parts < 1 or n % parts:
            raise JointshieldError(
                f"raid {self.raid!r}: cannot cut {n} threats into {parts} equal runs"
            )
        size = n // parts
        out = []
        for p in range(parts):
            part = self.select(list(range(p * size, (p + 1) * size)))
            out.append(replace(part, flyouts=part.flyouts.trim_samples()))
        return tuple(out)


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


def sample_plans(plan: RaidPlan, k: int, seed: int) -> tuple[RaidPlan, ...]:
    """Draw ``k`` geometry samples of a raid: launch points in their areas, times near nominal.

    Parameters
    ----------
    plan : RaidPlan
        The raid, compiled: each threat at its launch area's centre and its
        nominal launch time, with the area's radius and the time's jitter.
    k : int
        Number of samples, at least 1. With 1 the result is ``(plan,)``
        itself: the nominal geometry, nothing drawn.
    seed : int
        Non-negative seed of the draws.

    Returns
    -------
    tuple of RaidPlan
        ``k`` plans of the same threats in the same order; only each
        threat's ``launch_lat_rad``, ``launch_lon_rad`` and ``launch_time_s``
        differ from ``plan``'s (the radius and jitter are kept, to say where
        the draws came from).

    Raises
    ------
    JointshieldError
        If ``k`` is not a whole number of at least 1 or ``seed`` not one of at
        least 0.

    Notes
    -----
    *Launch point* [assumption: a mobile launcher is as likely anywhere in
    its area]: uniform by area over the spherical cap of angular radius
    ``α = ρ / R`` around the area's centre, ``ρ`` the threat's
    ``launch_radius_m`` and ``R`` the mean Earth radius
    (:data:`~jointshield.physics.geo.MEAN_EARTH_RADIUS_M`). The cap within
    angular distance ``δ`` has area ``2πR²(1 - cos δ)``, so the exact
    inverse of its distribution at ``u ~ U(0, 1)`` is
    ``sin(δ/2) = √u · sin(α/2)``; for a small area it is the flat disc's
    ``r = ρ√u`` (for ``ρ = 50`` km the two differ by about 0.1 m). The
    azimuth is uniform on ``[0, 2π)``, and the point is reached from the
    centre along that great circle of the mean sphere
    (:func:`~jointshield.physics.geo.great_circle_destination`). The area is
    thus a circle on the mean sphere, read in the scenario's geodetic
    latitudes and longitudes.

    *Launch time* [assumption: nothing is known of the timing inside the
    interval]: ``launch_time_s + U(-j, +j)``, uniform, ``j`` the threat's
    ``launch_time_jitter_s``; it may fall before the raid's zero.

    A threat with ``count > 1`` is one launcher's salvo: its missiles share
    the drawn point and time, and fly one trajectory.

    *Determinism*: the draws come from ``numpy.random.default_rng(seed)``
    (PCG64 on ``SeedSequence(seed)``'s own stream, not one of the streams it
    spawns for the trial blocks), as one array of shape ``(k, n, 3)``:
    for sample ``s`` and threat ``i`` (the raid's order) the area
    fraction ``u``, the azimuth's fraction of a turn, and the time's
    fraction of the interval. The same plan, ``k`` and seed give the same
    samples on any machine; a threat without radius or jitter takes its
    draws all the same, so that one threat's spread does not move another's
    draws.

    Examples
    --------
    >>> from jointshield.flight.missile import MissileModel
    >>> m = MissileModel("m", (60.0,), (10e3,), (1e3,), (250.0,), 500.0, 1.0, 0.3, 5e3)
    >>> th = Threat("t1", m, 0.1, "area", "city", "A", 0.6, 0.8, 0.7, 0.5,
    ...             launch_time_s=60.0, launch_radius_m=50e3, launch_time_jitter_s=30.0)
    >>> plan = RaidPlan("raid", (th,))
    >>> sample_plans(plan, 1, seed=0) == (plan,)
    True
    >>> drawn = sample_plans(plan, 4, seed=0)
    >>> all(30.0 <= p.threats[0].launch_time_s <= 90.0 for p in drawn)
    True
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise JointshieldError(f"geometry samples: expected a whole number of at least 1, got {k}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise JointshieldError(f"seed: expected a whole number of at least 0, got {seed}")
    if k == 1:
        return (plan,)
    threats = plan.threats
    u = np.random.default_rng(int(seed)).random((int(k), len(threats), 3))
    alpha = np.array([th.launch_radius_m for th in threats]) / MEAN_EARTH_RADIUS_M
    delta = 2.0 * np.arcsin(np.sqrt(u[..., 0]) * np.sin(alpha / 2.0))
    lat, lon = great_circle_destination(
        np.array([th.launch_lat_rad for th in threats]),
        np.array([th.launch_lon_rad for th in threats]),
        2.0 * np.pi * u[..., 1],
        delta * MEAN_EARTH_RADIUS_M,
    )
    jitter = np.array([th.launch_time_jitter_s for th in threats])
    offset = (2.0 * u[..., 2] - 1.0) * jitter
    return tuple(
        RaidPlan(
            plan.name,
            tuple(
                replace(
                    th,
                    launch_lat_rad=float(lat[s, i]),
                    launch_lon_rad=float(lon[s, i]),
                    launch_time_s=th.launch_time_s + float(offset[s, i]),
                )
                for i, th in enumerate(threats)
            ),
        )
        for s in range(int(k))
    )
