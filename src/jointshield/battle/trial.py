"""One block of trials of a prepared battle: the random events and the engagements."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.rules import draw_authorisation, draw_veto, responsible
from jointshield.arrays import FloatArray
from jointshield.battle.context import BattleContext, _FireControlSource
from jointshield.engagement.fire import Opportunities, Outcome, engage
from jointshield.engagement.reasons import (
    NOT_AUTHORISED,
    NOT_FIRE_CONTROL_QUALITY,
    NOT_RESPONSIBLE,
    TOO_LATE,
    VETOED,
)
from jointshield.engagement.windows import InterceptWindows
from jointshield.physics.geo import ecef_to_geodetic


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
