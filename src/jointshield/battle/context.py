"""Battle management over a raid: who may fire at what, when, and what it achieves.

This module ties the deterministic picture of a raid (aimed flyouts, radar
looks, track covariances, intercept windows) to the engagement engine
(:mod:`jointshield.engagement`: assignment, doctrine, kill draws), under the
rules of an architecture (:mod:`jointshield.architectures`). It is split in three:

* :func:`deploy` computes, once per raid, everything that depends on neither
  the architecture nor the trial: the raid flown, every radar's view, the
  batteries with their reach, the intercept windows, the sector under each
  candidate intercept point (a :class:`Deployment`, shared by every
  architecture of a comparison and every point of a sweep);
* :func:`prepare` adds, once per architecture, what its rules decide before
  any trial (a picklable :class:`BattleContext`);
* :func:`~jointshield.battle.trial.run_block` simulates a block of trials from one seed sequence:
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
from jointshield.architectures.sectors import sector_owner
from jointshield.arrays import FloatArray, Int64Array, ObjectArray
from jointshield.engagement.fire import Doctrine
from jointshield.engagement.reasons import NO_TRACK, NOT_FIRE_CONTROL_QUALITY, OUT_OF_ENVELOPE
from jointshield.engagement.windows import BatteryGeometry, InterceptWindows, intercept_windows
from jointshield.flight.raid import RaidGeometry, fly_raid
from jointshield.physics.geo import ecef_to_geodetic
from jointshield.record import Origin
from jointshield.sensing.network import Network
from jointshield.sensing.picture import Picture, RadarView, sensor_picture
from jointshield.theatre.model import Theatre

__all__ = ["BattleContext", "Deployment", "Rules", "deploy", "prepare"]


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
class Deployment:
    """A raid against a theatre's forces: everything no architecture and no trial changes.

    Attributes
    ----------
    theatre_name : str
        The theatre's (scenario's) name.
    origin : Origin
        Scenario, hash and version, for every result made from it.
    parties : tuple of str
        The parties, in the theatre's order.
    geometry : RaidGeometry
        The raid, aimed and flown.
    picture : Picture
        Every radar's view of the raid.
    batteries : tuple of BatteryGeometry
        The batteries with their interceptor's reach.
    windows : InterceptWindows
        Intercept solutions of every threat × battery × threat sample.
    network : Network
        The theatre's data network, as the scenario sets it.
    sector_owner : ndarray of object, shape (n, b, K)
        Party whose sector holds each candidate intercept point ('' for none).
    target_owner : ndarray of object, shape (n,)
        Party that owns each threat's target.
    warhead_threat : ndarray of int, shape (m,)
        The threat of each warhead (a threat fired ``count`` times is ``count`` warheads).
    assets : tuple of str
        The assets the raid attacks, in the order of first attack.
    asset_population : ndarray, shape (A,)
        Their populations.
    warhead_asset : ndarray of int, shape (m,)
        The asset each warhead attacks (index into ``assets``).
    """

    theatre_name: str
    origin: Origin
    parties: tuple[str, ...]
    geometry: RaidGeometry
    picture: Picture
    batteries: tuple[BatteryGeometry, ...]
    windows: InterceptWindows
    network: Network
    sector_owner: ObjectArray
    target_owner: ObjectArray
    warhead_threat: Int64Array
    assets: tuple[str, ...]
    asset_population: FloatArray
    warhead_asset: Int64Array


def deploy(
    theatre: Theatre, raid: str | None = None, *, geometry: RaidGeometry | None = None
) -> Deployment:
    """Compute once what every architecture and trial of a battle share.

    Parameters
    ----------
    theatre : Theatre
        The compiled scenario.
    raid : str, optional
        The raid; by default the theatre's default raid.
    geometry : RaidGeometry, optional
        The raid already flown (e.g. by a timeline of the same raid).

    Returns
    -------
    Deployment
        The raid flown, every radar's view, the batteries' reach and windows.
    """
    theatre.require_batteries()
    geo = geometry if geometry is not None else fly_raid(theatre.raid(raid))
    picture = sensor_picture(geo, theatre.radars)
    batteries = tuple(
        BatteryGeometry(
            name=b.name,
            owner=b.owner,
            lat_rad=b.lat_rad,
            lon_rad=b.lon_rad,
            alt_m=b.alt_m,
            rounds=b.rounds,
            kinematics=theatre.kinematics(b),
            organic_radars=b.organic_radars,
        )
        for b in theatre.batteries
    )
    windows = intercept_windows(batteries, geo.flyouts)
    # The party whose sector holds each candidate intercept point (sectoral rules, vetoes).
    lat, lon, _ = ecef_to_geodetic(windows.point_ecef_m)
    owners = sector_owner(theatre.sectors, lat, lon)
    owners = np.where(np.isfinite(lat), owners, "")
    per = np.repeat(np.arange(len(geo)), geo.count).astype(np.int64)
    assets = tuple(dict.fromkeys(geo.target))
    population = np.array([theatre.asset(a).population for a in assets], dtype=float)
    warhead_asset = np.array([assets.index(geo.target[i]) for i in per], dtype=np.int64)
    return Deployment(
        theatre_name=theatre.name,
        origin=theatre.origin,
        parties=theatre.parties,
        geometry=geo,
        picture=picture,
        batteries=batteries,
        windows=windows,
        network=theatre.network,
        sector_owner=owners,
        target_owner=np.array(geo.target_owner, dtype=object),
        warhead_threat=per,
        assets=assets,
        asset_population=population,
        warhead_asset=warhead_asset,
    )


@dataclass(frozen=True)
class BattleContext:
    """Everything about a battle that does not change from trial to trial (picklable)."""

    deployment: Deployment
    architecture: Architecture
    rules: Rules
    network: Network  # as the architecture runs it
    remote_windows: InterceptWindows | None
    sources: tuple[_FireControlSource, ...]  # every track a battery may launch on
    blocked_static: NDArray[np.int8]  # (n, b) physics that no trial changes
    value: FloatArray  # (m,)
    pk: FloatArray  # (b,)
    basket_m: FloatArray  # (b,) hand-over basket radius, NaN: no degradation
    allowed_views: tuple[tuple[int, ...], ...]  # per battery, indices into the picture's views
    rounds: Int64Array  # (b,)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def geometry(self) -> RaidGeometry:
        """The raid, aimed and flown."""
        return self.deployment.geometry

    @property
    def batteries(self) -> tuple[BatteryGeometry, ...]:
        """The batteries with their reach."""
        return self.deployment.batteries

    @property
    def organic_windows(self) -> InterceptWindows:
        """Intercept windows on the batteries' own radars' tracks."""
        return self.deployment.windows

    @property
    def track_views(self) -> tuple[RadarView, ...]:
        """Every radar's view of the raid."""
        return self.deployment.picture.views

    @property
    def assets(self) -> tuple[str, ...]:
        """The assets the raid attacks."""
        return self.deployment.assets

    @property
    def asset_population(self) -> FloatArray:
        """Their populations."""
        return self.deployment.asset_population


def _looks_needed(view: RadarView, fc_s: FloatArray) -> NDArray[np.int64]:
    """How many post-burnout detections the nominal track needs to reach fire control (0: never)."""
    n = fc_s.shape[0]
    if view.history is None:
        return np.zeros(n, dtype=np.int64)
    looks = view.history.t_s
    reached = np.isfinite(fc_s)
    count = np.sum(looks <= np.where(reached, fc_s, -np.inf)[:, None], axis=1)
    return np.where(reached, count, 0).astype(np.int64)


def prepare(
    deployment: Deployment | Theatre,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
) -> BattleContext:
    """Add to a deployment what an architecture decides before any trial.

    Parameters
    ----------
    deployment : Deployment or Theatre
        The deployment (:func:`deploy`), or a theatre to deploy against ``raid``.
    raid : str, optional
        With a theatre: the raid (default: the theatre's).
    arch : Architecture or str
        The architecture in force (a preset name or a configured one).
    rules : Rules, optional
        Doctrine, assignment method and hand-over time.

    Returns
    -------
    BattleContext
        The picklable context of :func:`~jointshield.battle.trial.run_block`.
    """
    dep = deploy(deployment, raid) if isinstance(deployment, Theatre) else deployment
    the_arch = architecture(arch) if isinstance(arch, str) else arch
    rules = rules or Rules()
    geo, views, windows = dep.geometry, dep.picture.views, dep.windows
    batteries = dep.batteries
    network = network_for(the_arch, dep.network)
    n, b = len(geo), len(batteries)

    organic_first = np.full((n, b), np.nan)
    any_look = np.zeros((n, b), dtype=bool)
    any_fc = np.zeros((n, b), dtype=bool)
    sources: list[_FireControlSource] = []
    allowed_views: list[tuple[int, ...]] = []
    basket = np.full(b, np.nan)
    for j, bat in enumerate(batteries):
        allowed_j: list[int] = []
        kind = bat.kinematics.interceptor
        fig = (kind.fire_control_sigma_m, kind.fire_control_sigma_mps)
        if kind.handover_basket_m is not None:
            basket[j] = kind.handover_basket_m
        for v, view in enumerate(views):
            radar = view.radar
            is_organic = radar.name in bat.organic_radars
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
                    targets_receiver=dep.target_owner == bat.owner,
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

    return BattleContext(
        deployment=dep,
        architecture=the_arch,
        rules=rules,
        network=network,
        remote_windows=remote_windows,
        sources=tuple(sources),
        blocked_static=blocked,
        value=dep.asset_population[dep.warhead_asset],
        pk=np.array([bat.kinematics.pk for bat in batteries]),
        basket_m=basket,
        allowed_views=tuple(allowed_views),
        rounds=np.array([bat.rounds for bat in batteries], dtype=np.int64),
        meta=dep.origin.meta(raid=geo.raid, architecture=the_arch.name),
    )
