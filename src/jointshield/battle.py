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

from jointshield.engagement import (
    NO_TRACK,
    NOT_AUTHORISED,
    NOT_FIRE_CONTROL_QUALITY,
    NOT_RESPONSIBLE,
    OUT_OF_ENVELOPE,
    REASONS,
    TOO_LATE,
    VETOED,
    Doctrine,
    Opportunities,
    Outcome,
    engage,
)
from jointshield.errors import JointshieldError
from jointshield.geo import ecef_to_geodetic
from jointshield.governance import (
    DEFAULT_SECTORS,
    Architecture,
    Sector,
    architecture,
    draw_authorisation,
    draw_veto,
    may_use_track,
    network_for,
    responsible,
    sector_owner,
)
from jointshield.interceptor import (
    BatteryGeometry,
    InterceptWindows,
    batteries_from_scenario,
    intercept_windows,
)
from jointshield.network import Network
from jointshield.picture import RadarView, sensor_picture
from jointshield.raid import RaidGeometry, raid_geometry
from jointshield.scenario import Scenario

FloatArray = NDArray[np.float64]


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


def _take_k(values: NDArray[Any], k: NDArray[np.intp]) -> NDArray[Any]:
    """``values[n, b, k]`` for an index array ``k`` of shape (T, n, b) (−1 → first)."""
    n, b = values.shape[:2]
    kk = np.maximum(k, 0)
    return values[np.arange(n)[None, :, None], np.arange(b)[None, None, :], kk]


def run_block(
    ctx: BattleContext, seed: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Simulate ``n_trials`` trials of a prepared battle from one seed sequence.

    Returns
    -------
    dict of str to ndarray
        Per-trial columns (first axis the trial): ``killed`` (T, m), ``reason``
        (T, m), ``battery`` (T, m), ``shots`` (T, m), ``first_launch_s`` and
        ``first_intercept_s`` (T, m), the first intercept's point
        ``intercept_lat_deg``, ``intercept_lon_deg``, ``intercept_alt_km`` (T, m),
        ``rounds_left`` (T, b), ``asset_hit``
        (T, A), ``leakers`` (T,), ``interceptors`` (T,), ``population_hit`` (T,),
        ``no_leak`` (T,).
    """
    arch, rules, geo = ctx.architecture, ctx.rules, ctx.geometry
    n, b = ctx.blocked_static.shape
    T = n_trials
    net_seed, auth_seed, kill_seed, detect_seed = seed.spawn(4)
    net_rng = np.random.default_rng(net_seed)
    launch = geo.launch_time_s

    # Missed detections: each look of each radar detects with its p_detect; a track
    # reaches fire control after as many detections as the nominal track needed.
    detect_rng = np.random.default_rng(detect_seed)
    detections: dict[int, NDArray[np.int64]] = {}
    for v in sorted({src.view for src in ctx.sources}):
        view = ctx.track_views[v]
        if view.history is not None:
            j_looks = view.history.t_s.shape[1]
            hits = detect_rng.random((T, n, j_looks)) < view.radar.p_detect
            detections[v] = np.cumsum(hits, axis=-1)
    ready_org = np.full((T, n, b), np.nan)
    ready_remote = np.full((T, n, b), np.nan)
    for src in ctx.sources:
        fc = _trial_fire_control(ctx, src, detections.get(src.view), T)
        j = src.battery
        if src.kind == "organic":
            ready_org[:, :, j] = np.fmin(ready_org[:, :, j], fc)
        elif src.kind == "own":
            ready_remote[:, :, j] = np.fmin(ready_remote[:, :, j], fc)
        else:
            # Over the links: the link's state is drawn at the nominal send time, and the
            # trial's own delay (missed detections) is carried through.
            arrival = ctx.network.deliver(
                src.sender,
                src.receiver,
                launch + src.fc_s,
                "track",
                src.targets_receiver,
                rng=net_rng,
                n_trials=T,
            )
            ready_remote[:, :, j] = np.fmin(
                ready_remote[:, :, j], arrival - launch + (fc - src.fc_s)
            )

    # Authorisation: every launch decision takes time; under a dual key, both parties'.
    auth_rng = np.random.default_rng(auth_seed)
    parties = ctx.network.parties
    n_consent = len(parties) if arch.dual_key else 1
    delay = draw_authorisation(arch, auth_rng, (T, n, b), n_consent)

    best_launch = np.full((T, n, b), np.nan)
    best_int = np.full((T, n, b), np.nan)
    best_k = np.full((T, n, b), -1, dtype=np.intp)
    best_src = np.full((T, n, b), -1, dtype=np.int8)
    sources: list[tuple[InterceptWindows, NDArray[Any]]] = [
        (ctx.organic_windows, ready_org + delay)
    ]
    if ctx.remote_windows is not None:
        sources.append((ctx.remote_windows, ready_remote + delay))
    # Would there have been a shot without waiting for authorisation? (not-authorised vs too-late)
    undelayed = np.zeros((T, n, b), dtype=bool)
    for win, ready in ((ctx.organic_windows, ready_org), (ctx.remote_windows, ready_remote)):
        if win is not None:
            undelayed |= np.isfinite(win.earliest(ready)[1])
    for s, (win, ready) in enumerate(sources):
        tl, ti, k = win.earliest(ready)
        better = np.isfinite(ti) & ~(ti >= best_int)
        best_launch = np.where(better, tl, best_launch)
        best_int = np.where(better, ti, best_int)
        best_k = np.where(better, k, best_k)
        best_src = np.where(better, s, best_src)
    second_launch = np.full((T, n, b), np.nan)
    second_int = np.full((T, n, b), np.nan)
    for s, (win, _) in enumerate(sources):
        tl2, ti2, _k2 = win.after(best_int, rules.doctrine.kill_assessment_s)
        use = best_src == s
        second_launch = np.where(use, tl2, second_launch)
        second_int = np.where(use, ti2, second_int)

    # Why a pair cannot engage: physics first, then the architecture.
    blocked = np.broadcast_to(ctx.blocked_static, (T, n, b)).copy()
    # In this trial no usable track reached fire control (missed looks, lost messages).
    no_fc = np.isnan(ready_org) & np.isnan(ready_remote)
    blocked[(blocked == 0) & no_fc] = NOT_FIRE_CONTROL_QUALITY
    late = (blocked == 0) & np.isnan(best_int)
    blocked[late & undelayed] = NOT_AUTHORISED
    blocked[late & ~undelayed] = TOO_LATE
    point_owner = _take_k(ctx.sector_owner, best_k)
    battery_party = np.array([bat.owner for bat in ctx.batteries], dtype=object)
    resp = responsible(
        arch, battery_party[None, None, :], ctx.target_owner[None, :, None], point_owner
    )
    blocked[(blocked == 0) & ~resp] = NOT_RESPONSIBLE
    if arch.dual_key:
        vetoer = np.array(
            [[p for p in parties if p != bp][:1] or [""] for bp in battery_party], dtype=object
        )[:, 0]
        over_vetoer = point_owner == vetoer[None, None, :]
        other_battery = np.ones((T, n, b), dtype=bool)
        vetoed = draw_veto(arch, auth_rng, (T, n, b), over_vetoer, other_battery)
        blocked[(blocked == 0) & vetoed] = VETOED

    pk = _handover_pk(ctx, best_launch)
    per = ctx.warhead_threat
    opp = Opportunities(
        earliest_launch_s=best_launch[:, per],
        earliest_intercept_s=best_int[:, per],
        second_launch_s=second_launch[:, per],
        second_intercept_s=second_int[:, per],
        blocked=blocked[:, per],
    )
    outcome = engage(
        opp,
        ctx.value,
        pk[:, per],
        ctx.rounds,
        rng=kill_seed.spawn(T),
        doctrine=rules.doctrine,
        assignment=rules.assignment,
    )
    return _columns(ctx, outcome)


def _trial_fire_control(
    ctx: BattleContext,
    src: _FireControlSource,
    cumulative: NDArray[np.int64] | None,
    n_trials: int,
) -> FloatArray:
    """Flight time at which a source's track reaches fire control in each trial, (T, n)."""
    n = src.fc_s.shape[0]
    history = ctx.track_views[src.view].history
    if cumulative is None or history is None:
        return np.full((n_trials, n), np.nan)
    needed = src.looks_needed
    reached = cumulative >= np.where(needed > 0, needed, np.iinfo(np.int64).max)[None, :, None]
    found = reached.any(axis=-1)
    idx = np.argmax(reached, axis=-1)
    times = np.take_along_axis(
        np.broadcast_to(history.t_s, reached.shape[1:])[None], idx[..., None], -1
    )
    out: FloatArray = np.where(found, times[..., 0], np.nan)
    return out


def _handover_pk(ctx: BattleContext, launch_s: FloatArray) -> FloatArray:
    """Single-shot kill probability of each shot, degraded by the hand-over error.

    With a hand-over basket of radius ``d`` and the launching track's per-axis
    position error ``σ`` (the best track the battery may use, at launch), the
    kill vehicle finds its target with the probability that a circular Gaussian
    miss falls inside the basket, ``1 - exp(-d² / 2σ²)`` (the Rayleigh
    distribution), and kills it then with the interceptor's ``pk``. Types
    without a basket are not degraded. Shape (T, n, b).
    """
    pk = np.broadcast_to(ctx.pk, launch_s.shape).astype(float)
    for j, basket in enumerate(ctx.basket_m):
        if not np.isfinite(basket) or not ctx.allowed_views[j]:
            continue
        at = launch_s[..., j : j + 1]
        sigma = np.fmin.reduce(
            np.stack(
                [ctx.track_views[v].position_sigma_at(at)[..., 0] for v in ctx.allowed_views[j]]
            ),
            axis=0,
        )
        with np.errstate(divide="ignore"):
            found = np.where(np.isfinite(sigma), -np.expm1(-(basket**2) / (2.0 * sigma**2)), 1.0)
        pk[..., j] = pk[..., j] * found
    return pk


def _columns(ctx: BattleContext, outcome: Outcome) -> dict[str, NDArray[Any]]:
    leaked = ~outcome.killed
    n_assets = len(ctx.assets)
    hit = np.zeros((leaked.shape[0], n_assets), dtype=bool)
    for a in range(n_assets):
        hit[:, a] = leaked[:, ctx.warhead_asset == a].any(axis=1)
    # Where the first interceptor meets each warhead: the threat's sampled position then.
    fl = ctx.geometry.flyouts
    assert fl.samples is not None and fl.sample_dt_s is not None
    t_int = outcome.shot_intercept_s[..., 0]
    k = np.clip(np.nan_to_num(np.round(t_int / fl.sample_dt_s), nan=0), 0, fl.samples.shape[1] - 1)
    point = fl.samples[ctx.warhead_threat[None, :], k.astype(np.intp), :3]
    lat, lon, alt = ecef_to_geodetic(point)
    engaged = np.isfinite(t_int)
    return {
        "killed": outcome.killed,
        "reason": outcome.reason,
        "battery": outcome.battery,
        "shots": outcome.shots,
        "first_launch_s": outcome.shot_launch_s[..., 0],
        "first_intercept_s": t_int,
        "intercept_lat_deg": np.where(engaged, np.degrees(lat), np.nan),
        "intercept_lon_deg": np.where(engaged, np.degrees(lon), np.nan),
        "intercept_alt_km": np.where(engaged, alt / 1e3, np.nan),
        "rounds_left": outcome.rounds_left,
        "asset_hit": hit,
        "leakers": leaked.sum(axis=1),
        "interceptors": outcome.interceptors_spent(),
        "population_hit": hit @ ctx.asset_population,
        "no_leak": ~leaked.any(axis=1),
    }


@dataclass(frozen=True)
class Battle:
    """A raid fought many times under one architecture: per-trial columns and context."""

    context: BattleContext
    columns: dict[str, NDArray[Any]]
    seed: int

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return int(self.columns["leakers"].shape[0])

    def leak_reasons(self) -> dict[str, int]:
        """How many leaks, over all trials, each reason explains."""
        leaked = ~self.columns["killed"]
        codes, counts = np.unique(self.columns["reason"][leaked], return_counts=True)
        return {REASONS[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def fight(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    trials: int = 1000,
    seed: int = 0,
    geometry: RaidGeometry | None = None,
    workers: int = 1,
) -> Battle:
    """Fight a raid ``trials`` times under an architecture (see :mod:`jointshield.montecarlo`).

    Parameters
    ----------
    scenario, raid, arch, rules, geometry
        As for :func:`prepare`.
    trials : int
        Number of Monte Carlo trials.
    seed : int
        Seed of the run; the same seed gives the same battle on any number of workers.
    workers : int
        Local worker processes.

    Returns
    -------
    Battle
        Per-trial columns with the context that produced them.
    """
    from jointshield.montecarlo import run_blocks

    if trials < 1:
        raise JointshieldError(f"trials must be at least 1, got {trials}")
    ctx = prepare(scenario, raid, arch=arch, rules=rules, geometry=geometry)
    columns = run_blocks(run_block, ctx, trials, seed, workers=workers, progress=False)
    return Battle(ctx, columns, seed)
