"""Battle management over a raid: who may fire at what, when, and what it achieves.

This module ties the deterministic picture of a raid (aimed flyouts, radar
looks, track covariances, intercept windows) to the engagement engine
(:mod:`jointshield.engagement`: assignment, doctrine, kill draws), under the
rules of an architecture (:mod:`jointshield.governance`). It is split in two:

* :func:`prepare` computes, once, everything that does not change from trial
  to trial (a picklable :class:`BattleContext`);
* :func:`run_block` simulates a block of trials from one seed sequence:
  link outages, authorisation delays, vetoes and kill draws, and returns the
  per-trial columns.

Which track a battery may launch on:

* its **organic** radar (a radar of the same party at the battery's site)
  once that radar holds a fire-control-quality track;
* **launch on remote**: a fire-control track of another radar of its party,
  or of another party's radar delivered over the data links (when the
  architecture allows), provided its organic radar sees the threat at least
  ``handover_s`` before the intercept and takes over;
* **engage on remote** (a fused picture): the whole engagement on a remote
  track, no organic radar needed.

A battery is responsible for the threats its architecture gives it (its own
party's assets, all assets, or whatever is intercepted over its party's
sector). A launch in a dual-key architecture waits for both parties'
authorisation and may be vetoed. A threat fired ``count`` times is ``count``
targets on one trajectory. Every pair that cannot engage says why, in the
order physics first (no track, no fire-control track, out of the envelope,
too late), then the architecture (not responsible, vetoed); the engagement
engine adds no rounds and missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.presets import Architecture, architecture
from jointshield.architectures.rules import may_use_track, network_for
from jointshield.architectures.sectors import DEFAULT_SECTORS, Sector, sector_owner
from jointshield.arrays import FloatArray
from jointshield.engagement.fire import Doctrine
from jointshield.engagement.reasons import NO_TRACK, NOT_FIRE_CONTROL_QUALITY, OUT_OF_ENVELOPE
from jointshield.engagement.windows import BatteryGeometry, InterceptWindows, intercept_windows
from jointshield.errors import JointshieldError
from jointshield.flight.raid import RaidGeometry, raid_geometry
from jointshield.physics.geo import ecef_to_geodetic
from jointshield.scenario import Scenario
from jointshield.sensing.network import Network
from jointshield.sensing.picture import RadarView, sensor_picture
from jointshield.theatre.compile import batteries_from_scenario


@dataclass(frozen=True)
class Rules:
    """Engagement settings that every architecture shares.

    Parameters
    ----------
    doctrine : Doctrine
        Shoot-look-shoot or salvo, and the kill-assessment time.
    assignment : {'auto', 'optimal', 'greedy'}
        Weapon–target assignment method.
    handover_s : float
        For launch on remote: how long before the intercept the organic radar
        must see the threat, s [assumption].
    """

    doctrine: Doctrine = field(default_factory=Doctrine)
    assignment: Literal["auto", "optimal", "greedy"] = "auto"
    handover_s: float = 30.0


@dataclass(frozen=True)
class _FireControlSource:
    """A radar whose fire-control track a battery may launch on.

    ``kind`` is ``organic`` (the battery's own radar), ``own`` (another radar of
    its party) or ``remote`` (another party's, delivered over the links).
    ``looks_needed`` is the number of post-burnout detections after which the
    nominal track reaches the battery's fire-control figures (0: never).
    """

    view: int
    battery: int
    kind: Literal["organic", "own", "remote"]
    fc_s: FloatArray  # (n,) nominal flight time at which the track is good enough
    looks_needed: NDArray[np.int64]  # (n,)
    sender: str
    receiver: str
    targets_receiver: NDArray[np.bool_]


@dataclass(frozen=True)
class BattleContext:
    """Everything about a battle that does not change from trial to trial (picklable)."""

    geometry: RaidGeometry
    architecture: Architecture
    rules: Rules
    batteries: tuple[BatteryGeometry, ...]
    network: Network
    organic_windows: InterceptWindows
    remote_windows: InterceptWindows | None
    sources: tuple[_FireControlSource, ...]  # every track a battery may launch on
    blocked_static: NDArray[np.int8]  # (n, b) physics that no trial changes
    sector_owner: NDArray[np.object_]  # (n, b, K) party whose sector holds each candidate point
    target_owner: NDArray[np.object_]  # (n,)
    warhead_threat: NDArray[np.int64]  # (m,)
    value: FloatArray  # (m,)
    pk: FloatArray  # (b,)
    basket_m: FloatArray  # (b,) hand-over basket radius, NaN: no degradation
    track_views: tuple[RadarView, ...]  # radars whose tracks the batteries may use
    allowed_views: tuple[tuple[int, ...], ...]  # per battery, indices into track_views
    rounds: NDArray[np.int64]  # (b,)
    assets: tuple[str, ...]
    asset_population: FloatArray  # (A,)
    warhead_asset: NDArray[np.int64]  # (m,) index into assets
    meta: dict[str, Any]


def _organic_radars(scenario: Scenario, battery: str, owner: str) -> set[str]:
    """Radars of the battery's party standing on the battery's site."""
    site = scenario.battery(battery).site
    return {
        s.name
        for s in scenario.sensors
        if s.kind == "radar" and s.site == site and s.owner == owner
    }


def _looks_needed(view: RadarView, fc_s: FloatArray) -> NDArray[np.int64]:
    """How many post-burnout detections the nominal track needs to reach fire control (0: never)."""
    n = fc_s.shape[0]
    if view.history is None:
        return np.zeros(n, dtype=np.int64)
    looks = view.history.t_s
    reached = np.isfinite(fc_s)
    count = np.sum(looks <= np.where(reached, fc_s, -np.inf)[:, None], axis=1)
    return np.where(reached, count, 0).astype(np.int64)


def scenario_sectors(scenario: Scenario) -> tuple[Sector, ...]:
    """Return the scenario's sectors of responsibility, or the default split if it has none."""
    if not scenario.sectors:
        return DEFAULT_SECTORS
    return tuple(
        Sector(party=s.party, polygon_deg=tuple(s.polygon_deg), name=s.name)
        for s in scenario.sectors
    )


def prepare(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    geometry: RaidGeometry | None = None,
    sectors: tuple[Sector, ...] | None = None,
) -> BattleContext:
    """Compute the deterministic part of a battle once.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or file path; None for the default.
    raid : str, optional
        The raid; by default the scenario's default raid.
    arch : Architecture or str
        The architecture in force (a preset name or a configured one).
    rules : Rules, optional
        Doctrine, assignment method and hand-over time.
    geometry : RaidGeometry, optional
        A raid already flown (reused across architectures).
    sectors : tuple of Sector, optional
        Sectors of responsibility (default: the scenario's, else the default split).

    Returns
    -------
    BattleContext
        The picklable context of :func:`run_block`.
    """
    the_arch = architecture(arch) if isinstance(arch, str) else arch
    rules = rules or Rules()
    geo = geometry or raid_geometry(scenario, raid)
    sc = geo.scenario
    picture = sensor_picture(geo)
    batteries = batteries_from_scenario(sc)
    if not batteries:
        raise JointshieldError(f"scenario {sc.name!r} has no batteries to fight with")
    windows = intercept_windows(batteries, geo.flyouts)
    network = network_for(the_arch, Network.from_scenario(sc))
    n, b = len(geo), len(batteries)
    target_owner = np.array(geo.target_owner, dtype=object)

    organic_first = np.full((n, b), np.nan)
    any_look = np.zeros((n, b), dtype=bool)
    any_fc = np.zeros((n, b), dtype=bool)
    sources: list[_FireControlSource] = []
    allowed_views: list[tuple[int, ...]] = []
    basket = np.full(b, np.nan)
    for j, bat in enumerate(batteries):
        allowed_j: list[int] = []
        kind = sc.interceptor(sc.battery(bat.name).interceptor)
        fig = (kind.fire_control_sigma_m, kind.fire_control_sigma_mps)
        if kind.handover_basket_m is not None:
            basket[j] = kind.handover_basket_m
        organic = _organic_radars(sc, bat.name, bat.owner)
        for v, view in enumerate(picture.views):
            radar = view.radar
            is_organic = radar.name in organic
            allowed, _ = may_use_track(the_arch, bat.owner, radar.owner, is_organic)
            if not allowed:
                continue
            allowed_j.append(v)
            fc = view.fire_control_s(*fig)
            any_look[:, j] |= np.isfinite(view.first_look_s)
            any_fc[:, j] |= np.isfinite(fc)
            if is_organic:
                organic_first[:, j] = np.fmin(organic_first[:, j], view.first_look_s)
            kind_of: Literal["organic", "own", "remote"] = (
                "organic" if is_organic else "own" if radar.owner == bat.owner else "remote"
            )
            sources.append(
                _FireControlSource(
                    view=v,
                    battery=j,
                    kind=kind_of,
                    fc_s=fc,
                    looks_needed=_looks_needed(view, fc),
                    sender=radar.owner,
                    receiver=bat.owner,
                    targets_receiver=target_owner == bat.owner,
                )
            )
        allowed_views.append(tuple(allowed_j))

    # Launch on remote: the organic radar must see the threat handover_s before the intercept;
    # in a fused picture (engage on remote) no organic radar is needed.
    remote_windows: InterceptWindows | None = None
    if the_arch.engage_on_remote or the_arch.fused_picture:
        remote_windows = windows
    else:
        lower = organic_first + rules.handover_s
        remote_windows = replace(
            windows, feasible=windows.feasible & (windows.t_intercept_s >= lower[..., None])
        )

    blocked = np.zeros((n, b), dtype=np.int8)
    blocked[~any_look] = NO_TRACK
    blocked[(blocked == 0) & ~any_fc] = NOT_FIRE_CONTROL_QUALITY
    blocked[(blocked == 0) & (windows.reason != 0)] = OUT_OF_ENVELOPE

    # The party whose sector holds each candidate intercept point (sectoral rules, vetoes).
    lat, lon, _ = ecef_to_geodetic(windows.point_ecef_m)
    owners = sector_owner(sectors or scenario_sectors(sc), lat, lon)
    owners = np.where(np.isfinite(lat), owners, "")

    per = np.repeat(np.arange(n), geo.count).astype(np.int64)
    assets = tuple(dict.fromkeys(geo.target))
    population = np.array([sc.asset(a).population for a in assets], dtype=float)
    warhead_asset = np.array([assets.index(geo.target[i]) for i in per], dtype=np.int64)
    from jointshield import __version__
    from jointshield.scenario import scenario_hash

    meta = {
        "scenario": sc.name,
        "scenario_hash": scenario_hash(sc),
        "raid": geo.raid.name,
        "architecture": the_arch.name,
        "jointshield_version": __version__,
    }
    return BattleContext(
        geometry=geo,
        architecture=the_arch,
        rules=rules,
        batteries=batteries,
        network=network,
        organic_windows=windows,
        remote_windows=remote_windows,
        sources=tuple(sources),
        blocked_static=blocked,
        sector_owner=owners,
        target_owner=target_owner,
        warhead_threat=per,
        value=population[warhead_asset],
        pk=np.array([bat.kinematics.pk for bat in batteries]),
        basket_m=basket,
        track_views=picture.views,
        allowed_views=tuple(allowed_views),
        rounds=np.array([bat.rounds for bat in batteries], dtype=np.int64),
        assets=assets,
        asset_population=population,
        warhead_asset=warhead_asset,
        meta=meta,
    )
