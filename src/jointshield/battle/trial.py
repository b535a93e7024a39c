"""One block of trials of a prepared battle: the random events and the engagements.

:func:`run_block` draws, for a block of trials from one seed sequence, what
changes from trial to trial (missed detections, link outages and latency,
authorisation delays, vetoes, kill draws) and applies the architecture's
rules to them by calling the rules themselves
(:mod:`jointshield.architectures.rules`: :func:`deciders`, :func:`vetoer`,
:func:`responsible`, :func:`refusal`), never restating them. Its result is a
:class:`Trials` record of per-trial arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.rules import (
    deciders,
    draw_authorisation,
    draw_veto,
    refusal,
    responsible,
    vetoer,
)
from jointshield.arrays import BoolArray, FloatArray, Int64Array
from jointshield.battle.context import BattleContext, _FireControlSource
from jointshield.engagement.fire import Opportunities, Outcome, engage
from jointshield.engagement.reasons import NOT_FIRE_CONTROL_QUALITY, TOO_LATE
from jointshield.engagement.windows import InterceptWindows
from jointshield.errors import JointshieldError
from jointshield.physics.geo import ecef_to_geodetic

__all__ = ["Trials", "run_block"]


@dataclass(frozen=True)
class Trials:
    """Per-trial outcomes of a battle; the first axis of every array is the trial.

    ``m`` counts warheads (a threat fired ``count`` times is ``count``
    warheads, in the raid's order), ``b`` batteries and ``A`` attacked
    assets, in the orders of the battle's context.

    Attributes
    ----------
    killed : ndarray of bool, shape (T, m)
        Whether each warhead was killed.
    reason : ndarray of int8, shape (T, m)
        Why each warhead leaked (:data:`~jointshield.engagement.reasons.REASONS`), 0 if killed.
    battery : ndarray of int, shape (T, m)
        The battery that engaged it, -1 if none.
    shots : ndarray of int, shape (T, m)
        Interceptors fired at it.
    first_launch_s, first_intercept_s : ndarray, shape (T, m)
        Time of the first interceptor's launch and intercept after the
        threat's launch, s; NaN if not engaged.
    intercept_lat_deg, intercept_lon_deg, intercept_alt_km : ndarray, shape (T, m)
        Where the first intercept happens; NaN if not engaged.
    rounds_left : ndarray of int, shape (T, b)
        Interceptors each battery has left.
    asset_hit : ndarray of bool, shape (T, A)
        Whether a warhead reached each attacked asset.
    leakers : ndarray of int, shape (T,)
        Warheads not killed.
    interceptors : ndarray of int, shape (T,)
        Interceptors fired.
    population_hit : ndarray, shape (T,)
        Population of the assets hit.
    no_leak : ndarray of bool, shape (T,)
        Whether no warhead leaked.
    """

    killed: BoolArray
    reason: NDArray[np.int8]
    battery: Int64Array
    shots: Int64Array
    first_launch_s: FloatArray
    first_intercept_s: FloatArray
    intercept_lat_deg: FloatArray
    intercept_lon_deg: FloatArray
    intercept_alt_km: FloatArray
    rounds_left: Int64Array
    asset_hit: BoolArray
    leakers: Int64Array
    interceptors: Int64Array
    population_hit: FloatArray
    no_leak: BoolArray

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return int(self.leakers.shape[0])

    def columns(self) -> dict[str, NDArray[Any]]:
        """Return the arrays by field name (what the Monte Carlo engine concatenates)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_columns(cls, columns: dict[str, NDArray[Any]]) -> Trials:
        """Rebuild the record from :meth:`columns` (e.g. concatenated blocks).

        Raises
        ------
        JointshieldError
            If a field is missing or an unknown one is present.
        """
        names = {f.name for f in fields(cls)}
        missing, extra = names - set(columns), set(columns) - names
        if missing or extra:
            raise JointshieldError(
                f"per-trial columns: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        return cls(**{name: columns[name] for name in names})


def _take_k(values: NDArray[Any], k: NDArray[np.intp]) -> NDArray[Any]:
    """``values[n, b, k]`` for an index array ``k`` of shape (T, n, b) (−1 → first)."""
    n, b = values.shape[:2]
    kk = np.maximum(k, 0)
    return values[np.arange(n)[None, :, None], np.arange(b)[None, None, :], kk]


def _consenting(ctx: BattleContext) -> int:
    """How many parties decide each launch: the same for every battery of an architecture."""
    parties = ctx.deployment.parties
    counts = {len(deciders(ctx.architecture, bat.owner, parties)) for bat in ctx.batteries}
    if len(counts) != 1:  # pragma: no cover - no rule of today's architectures differs by battery
        raise JointshieldError(f"deciding parties differ between batteries: {sorted(counts)}")
    return counts.pop()


def run_block(
    ctx: BattleContext, seed: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Simulate ``n_trials`` trials of a prepared battle from one seed sequence.

    Returns
    -------
    dict of str to ndarray
        The per-trial arrays of :class:`Trials` by name (:meth:`Trials.columns`).
    """
    arch, rules, geo = ctx.architecture, ctx.rules, ctx.geometry
    n, b = ctx.blocked_static.shape
    T = n_trials
    net_seed, auth_seed, kill_seed, detect_seed = seed.spawn(4)
    net_rng = np.random.default_rng(net_seed)
    launch = geo.launch_time_s

    # Missed detections: each look of each radar detects with its p_detect; a track is
    # confirmed by M detections in N looks and reaches fire control after as many
    # detections as the nominal track needed.
    detect_rng = np.random.default_rng(detect_seed)
    detections: dict[int, _Detections] = {}
    for v in sorted({src.view for src in ctx.sources}):
        view = ctx.track_views[v]
        if view.history is not None:
            j_looks = view.history.t_s.shape[1]
            hits = detect_rng.random((T, n, j_looks)) < view.radar.p_detect
            detections[v] = _Detections.count(
                hits, view.radar.track_confirm_m, view.radar.track_confirm_n
            )
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

    # Authorisation: every launch decision takes time, the slowest deciding party's.
    auth_rng = np.random.default_rng(auth_seed)
    delay = draw_authorisation(arch, auth_rng, (T, n, b), _consenting(ctx))

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

    # Why a pair cannot engage: physics first ...
    physics = np.broadcast_to(ctx.blocked_static, (T, n, b)).copy()
    # In this trial no usable track reached fire control (missed looks, lost messages).
    no_fc = np.isnan(ready_org) & np.isnan(ready_remote)
    physics[(physics == 0) & no_fc] = NOT_FIRE_CONTROL_QUALITY
    late = (physics == 0) & np.isnan(best_int)
    physics[late & ~undelayed] = TOO_LATE
    # ... then the architecture's decision: responsibility, veto, authorisation in time.
    point_owner = _take_k(ctx.deployment.sector_owner, best_k)
    battery_party = np.array([bat.owner for bat in ctx.batteries], dtype=object)
    resp = responsible(
        arch, battery_party[None, None, :], ctx.deployment.target_owner[None, :, None], point_owner
    )
    parties = ctx.deployment.parties
    vetoing = np.array(
        [vetoer(arch, bat.owner, parties) or "" for bat in ctx.batteries], dtype=object
    )
    vetoed = draw_veto(
        arch,
        auth_rng,
        (T, n, b),
        over_vetoer_territory=point_owner == vetoing[None, None, :],
        other_party_battery=(vetoing != "")[None, None, :],
    )
    decision = refusal(resp, vetoed, ~(late & undelayed))
    blocked = np.where(physics != 0, physics, decision).astype(np.int8)

    pk = _handover_pk(ctx, best_launch)
    per = ctx.deployment.warhead_threat
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
    return _trials(ctx, outcome).columns()


@dataclass(frozen=True)
class _Detections:
    """One radar's detections in a block: running counts and when the track is confirmed."""

    cumulative: Int64Array  # (T, n, J) detections up to and including each post-burnout look
    confirmed: NDArray[np.bool_]  # (T, n) whether the track is ever confirmed
    confirm_look: NDArray[np.intp]  # (T, n) index of the look that confirms it

    @classmethod
    def count(cls, hits: NDArray[np.bool_], m: int, n_window: int) -> _Detections:
        """Count detections; a track is confirmed by ``m`` of them within ``n_window`` looks."""
        cumulative = np.cumsum(hits, axis=-1, dtype=np.int64)
        earlier = np.zeros_like(cumulative)
        earlier[..., n_window:] = cumulative[..., :-n_window]
        in_window = np.asarray((cumulative - earlier) >= m, dtype=bool)
        found = np.asarray(in_window.any(axis=-1), dtype=bool)
        return cls(cumulative, found, np.argmax(in_window, axis=-1))


def _trial_fire_control(
    ctx: BattleContext,
    src: _FireControlSource,
    detections: _Detections | None,
    n_trials: int,
) -> FloatArray:
    """Flight time at which a source's track reaches fire control in each trial, (T, n).

    Two conditions, both counted over the radar's post-burnout looks: the
    track is confirmed (``M`` detections within ``N`` consecutive looks, the
    radar's ``track_confirm_m`` and ``track_confirm_n``), and it has had as
    many detections as the nominal track needed to reach the battery's
    fire-control figures. The later of the two is when it may be launched on.
    """
    n = src.fc_s.shape[0]
    history = ctx.track_views[src.view].history
    if detections is None or history is None:
        return np.full((n_trials, n), np.nan)
    needed = src.looks_needed
    enough = (
        detections.cumulative >= np.where(needed > 0, needed, np.iinfo(np.int64).max)[None, :, None]
    )
    found_fc, idx_fc = enough.any(axis=-1), np.argmax(enough, axis=-1)
    found_conf = detections.confirmed
    idx = np.maximum(idx_fc, detections.confirm_look)
    times = np.take_along_axis(
        np.broadcast_to(history.t_s, enough.shape[1:])[None], idx[..., None], -1
    )
    out: FloatArray = np.where(found_fc & found_conf, times[..., 0], np.nan)
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


def _trials(ctx: BattleContext, outcome: Outcome) -> Trials:
    leaked = ~outcome.killed
    dep = ctx.deployment
    n_assets = len(dep.assets)
    hit = np.zeros((leaked.shape[0], n_assets), dtype=bool)
    for a in range(n_assets):
        hit[:, a] = leaked[:, dep.warhead_asset == a].any(axis=1)
    # Where the first interceptor meets each warhead: the threat's sampled position then.
    fl = dep.geometry.flyouts
    assert fl.samples is not None and fl.sample_dt_s is not None
    t_int = outcome.shot_intercept_s[..., 0]
    k = np.clip(np.nan_to_num(np.round(t_int / fl.sample_dt_s), nan=0), 0, fl.samples.shape[1] - 1)
    point = fl.samples[dep.warhead_threat[None, :], k.astype(np.intp), :3]
    lat, lon, alt = ecef_to_geodetic(point)
    engaged = np.isfinite(t_int)
    return Trials(
        killed=outcome.killed,
        reason=outcome.reason,
        battery=outcome.battery,
        shots=outcome.shots,
        first_launch_s=outcome.shot_launch_s[..., 0],
        first_intercept_s=t_int,
        intercept_lat_deg=np.where(engaged, np.degrees(lat), np.nan),
        intercept_lon_deg=np.where(engaged, np.degrees(lon), np.nan),
        intercept_alt_km=np.where(engaged, alt / 1e3, np.nan),
        rounds_left=outcome.rounds_left,
        asset_hit=hit,
        leakers=leaked.sum(axis=1),
        interceptors=outcome.interceptors_spent(),
        population_hit=hit @ dep.asset_population,
        no_leak=np.asarray(~leaked.any(axis=1), dtype=bool),
    )
