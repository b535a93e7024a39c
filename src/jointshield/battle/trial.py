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

from dataclasses import dataclass, fields, replace
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
from jointshield.battle.context import BattleContext, _FireControlSource, cue_arrivals
from jointshield.compiled import njit
from jointshield.engagement.fire import Opportunities, Outcome, engage
from jointshield.engagement.reasons import (
    ENGAGED,
    NOT_FIRE_CONTROL_QUALITY,
    OUT_OF_ENVELOPE,
    TOO_LATE,
)
from jointshield.engagement.windows import InterceptWindows
from jointshield.errors import JointshieldError
from jointshield.montecarlo.streams import (
    TrialSeeds,
    join128,
    lcg128,
    pcg64_jump,
    pcg64_next,
    pcg64_state,
    set_pcg64_state,
    split128,
    unit_double,
)
from jointshield.physics.geo import ecef_to_geodetic
from jointshield.sensing.picture import RadarView

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
    fire_control_s : ndarray, shape (T, m)
        When the engaging battery's track was good enough to launch on, as
        received (link latency and outages included), s after the threat's
        launch; NaN if not engaged.
    requested_s, authorised_s : ndarray, shape (T, m)
        When the launch decision started (at fire control, or at the party's
        first cue with ``authorise_from="cue"``) and when every deciding
        party had authorised it (the dual key's consent included), s after
        the threat's launch; NaN if not engaged.
    margin_s : ndarray, shape (T, m)
        Time from the first launch to the last launch that would still have
        met the warhead on the same source's windows, s; NaN if not engaged.
    reengage_battery : ndarray of int, shape (T, m)
        The battery that engaged it again after a missed first engagement
        (a second layer), -1 if none.
    reengage_launch_s, reengage_intercept_s : ndarray, shape (T, m)
        Launch and intercept of that second engagement's first shot, s after
        the threat's launch; NaN if none.
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
    fire_control_s: FloatArray
    requested_s: FloatArray
    authorised_s: FloatArray
    margin_s: FloatArray
    reengage_battery: Int64Array
    reengage_launch_s: FloatArray
    reengage_intercept_s: FloatArray
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


def _when(ready: FloatArray, start: FloatArray) -> FloatArray:
    """``max(ready, start)`` where both are known, NaN elsewhere."""
    both = np.isfinite(ready) & np.isfinite(start)
    out: FloatArray = np.where(both, np.maximum(ready, start), np.nan)
    return out


def _first_allowed_look(ctx: BattleContext, j: int) -> FloatArray:
    """First look of any view battery ``j`` may use, per threat, (n,); NaN: none."""
    first = np.full(ctx.blocked_static.shape[0], np.nan)
    for v in ctx.allowed_views[j]:
        first = np.fmin(first, ctx.views[v].first_look_s)
    return first


def _launch_times(
    ready_org: FloatArray,
    ready_remote: FloatArray,
    delay: FloatArray | float,
    start: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """When each battery may launch on its organic and remote tracks, after authorisation.

    The decision takes ``delay`` from fire-control quality, or, with ``start``
    (``authorise_from="cue"``: the party's first cue), from ``start``, the launch
    then waiting for the later of the decision and the track; where ``start`` is
    unknown the decision starts at fire-control quality.
    """
    if start is None:
        return ready_org + delay, ready_remote + delay
    decided = start + delay
    known = np.isfinite(decided)
    launch_org: FloatArray = np.where(known, _when(ready_org, decided), ready_org + delay)
    launch_remote: FloatArray = np.where(known, _when(ready_remote, decided), ready_remote + delay)
    return launch_org, launch_remote


def _best(
    pairs: list[tuple[InterceptWindows, FloatArray]],
    kill_assessment_s: float,
    rows: Int64Array | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.intp], NDArray[np.int8]]:
    """Find the earliest intercept over several (windows, ready) pairs, and its second shot.

    ``rows``: the threat of each row of the ready times (of each warhead), as for
    :meth:`~jointshield.engagement.windows.InterceptWindows.earliest`.
    """
    shape = pairs[0][1].shape
    best_launch = np.full(shape, np.nan)
    best_int = np.full(shape, np.nan)
    best_k = np.full(shape, -1, dtype=np.intp)
    best_src = np.full(shape, -1, dtype=np.int8)
    for s, (win, ready) in enumerate(pairs):
        tl, ti, k = win.earliest(ready, rows)
        better = np.isfinite(ti) & ~(ti >= best_int)
        best_launch = np.where(better, tl, best_launch)
        best_int = np.where(better, ti, best_int)
        best_k = np.where(better, k, best_k)
        best_src = np.where(better, s, best_src)
    second_launch = np.full(shape, np.nan)
    second_int = np.full(shape, np.nan)
    for s, (win, _) in enumerate(pairs):
        tl2, ti2, _k2 = win.after(best_int, kill_assessment_s, rows)
        use = best_src == s
        second_launch = np.where(use, tl2, second_launch)
        second_int = np.where(use, ti2, second_int)
    return best_launch, best_int, second_launch, second_int, best_k, best_src


def run_block(
    ctx: BattleContext, seed: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Simulate ``n_trials`` trials of a prepared battle from one seed sequence.

    Returns
    -------
    dict of str to ndarray
        The per-trial arrays of :class:`Trials` by name (:meth:`Trials.columns`).
    """
    arch, rules, dep = ctx.architecture, ctx.rules, ctx.deployment
    n, b = ctx.blocked_static.shape
    T = n_trials
    net_seed, auth_seed, kill_seed, detect_seed, cue_seed, again_seed = seed.spawn(6)
    net_rng = np.random.default_rng(net_seed)
    cue_rng = np.random.default_rng(cue_seed)

    # Cues: which space-based reports are made, and whether each cued radar's cue
    # arrives in time to cue it (else it searches uncued, as without the cue).
    reported = {
        c: cue_rng.random((T, n)) < cue.p_detect
        for c, cue in enumerate(dep.cues)
        if cue.p_detect < 1.0
    }
    cue_ok: dict[int, BoolArray] = {}
    delivered: dict[tuple[int, str], FloatArray] = {}  # one message per cue and party
    for v, is_cued in enumerate(ctx.cued):
        if is_cued:
            arrival = cue_arrivals(ctx, ctx.cue_inputs[v], reported, net_rng, T, delivered)
            with np.errstate(invalid="ignore"):
                cue_ok[v] = np.isfinite(arrival) & (arrival < ctx.uncued[v].first_look_s)

    # Missed detections: each look of each radar detects with its p_detect; a track is
    # confirmed by M detections in N looks and reaches fire control after as many
    # detections as the nominal track needed.
    detect_rng = np.random.default_rng(detect_seed)
    used = sorted({v for src in ctx.sources for v in src.members})
    detections: dict[int, _Detections | None] = {}
    detections_uncued: dict[int, _Detections | None] = {}
    for v in used:
        singles = [src for src in ctx.sources if src.members == (v,)]
        keep = max((int(src.looks_needed.max(initial=0)) for src in singles), default=0)
        detections[v] = _Detections.draw(ctx.views[v], detect_rng, T, keep)
        keep = max((int(src.looks_needed_uncued.max(initial=0)) for src in singles), default=0)
        detections_uncued[v] = (
            _Detections.draw(ctx.uncued[v], detect_rng, T, keep) if ctx.cued[v] else detections[v]
        )
    ready_org = np.full((T, n, b), np.nan)
    ready_remote = np.full((T, n, b), np.nan)
    for src in ctx.sources:
        fc = _source_fire_control(ctx, src, detections, detections_uncued, cue_ok, net_rng, T)
        j = src.battery
        if src.windows == "organic":
            ready_org[:, :, j] = np.fmin(ready_org[:, :, j], fc)
        else:
            ready_remote[:, :, j] = np.fmin(ready_remote[:, :, j], fc)

    # Authorisation: every launch decision takes time, the slowest deciding party's;
    # it starts at fire-control quality, or at the party's first cue of the threat.
    auth_rng = np.random.default_rng(auth_seed)
    start = None
    if arch.authorise_from == "cue":
        start = np.full((T, n, b), np.nan)
        known: dict[str, FloatArray] = {}
        for j, bat in enumerate(ctx.batteries):
            if bat.owner not in known:
                known[bat.owner] = cue_arrivals(
                    ctx, ctx.knowledge_inputs[j], reported, net_rng, T, delivered
                )
            start[:, :, j] = np.fmin(known[bat.owner], _first_allowed_look(ctx, j)[None, :])
    extra = _slowdown_s(ctx, ready_org, ready_remote, start)
    delay = draw_authorisation(arch, auth_rng, (T, n, b), _consenting(ctx), extra_s=extra)
    launch_org, launch_remote = _launch_times(ready_org, ready_remote, delay, start)

    ka = rules.doctrine.kill_assessment_s
    pairs = [(ctx.organic_windows, launch_org), (ctx.remote_windows, launch_remote)]
    best_launch, best_int, second_launch, second_int, best_k, best_src = _best(pairs, ka)
    # Would there have been a shot without waiting for authorisation? (not-authorised vs too-late)
    undelayed = np.isfinite(ctx.organic_windows.earliest(ready_org)[1]) | np.isfinite(
        ctx.remote_windows.earliest(ready_remote)[1]
    )

    # Why a pair cannot engage: physics first ...
    physics = np.broadcast_to(ctx.blocked_static, (T, n, b)).copy()
    # In this trial no usable track reached fire control (missed looks, lost messages).
    no_fc = np.isnan(ready_org) & np.isnan(ready_remote)
    physics[(physics == 0) & no_fc] = NOT_FIRE_CONTROL_QUALITY
    late = (physics == 0) & np.isnan(best_int)
    physics[late & ~undelayed] = TOO_LATE
    # ... then the architecture's decision: responsibility, veto, authorisation in time.
    point_owner = _take_k(dep.sector_owner, best_k)
    battery_party = np.array([bat.owner for bat in ctx.batteries], dtype=object)
    resp = responsible(
        arch, battery_party[None, None, :], dep.target_owner[None, :, None], point_owner
    )
    parties = dep.parties
    vetoing = np.array(
        [vetoer(arch, bat.owner, parties) or "" for bat in ctx.batteries], dtype=object
    )
    vetoed = draw_veto(
        arch,
        auth_rng,
        (T, n, b),
        over_vetoer_territory=point_owner == vetoing[None, None, :],
        other_party_battery=(vetoing != "")[None, None, :],
        vetoer_index=np.array([parties.index(p) if p else 0 for p in vetoing], dtype=np.intp),
    )
    decision = refusal(resp, vetoed, ~(late & undelayed))
    blocked = np.where(physics != 0, physics, decision).astype(np.int8)

    per = dep.warhead_threat
    pk = _handover_pk(ctx, best_launch[:, per], per)
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
        pk,
        ctx.rounds,
        rng=TrialSeeds(kill_seed, T),
        doctrine=rules.doctrine,
        assignment=rules.assignment,
    )
    # The engaging battery's milestones: its track, the decision, the margin.
    remote = best_src == 1
    ready = np.where(remote, ready_remote, ready_org)
    requested = ready if start is None else np.where(np.isfinite(start + delay), start, ready)
    latest = np.where(
        remote, ctx.remote_windows.latest_launch(), ctx.organic_windows.latest_launch()
    )
    milestones = {
        "fire_control_s": ready,
        "requested_s": requested,
        "authorised_s": requested + delay,
        "margin_s": latest - best_launch,
    }
    engaged_by = {
        key: _engaging(value[:, per], outcome.battery) for key, value in milestones.items()
    }
    second = None
    if rules.reengage and b > 1:
        outcome, second = _reengage(
            ctx, outcome, blocked[:, per], launch_org[:, per], launch_remote[:, per], again_seed
        )
    return _trials(ctx, outcome, engaged_by, second).columns()


def _engaging(values: FloatArray, battery: Int64Array) -> FloatArray:
    """``values[t, w, battery[t, w]]`` for (T, m, b) values; NaN where no battery engaged."""
    at = np.take_along_axis(values, np.maximum(battery, 0)[..., None], axis=-1)[..., 0]
    out: FloatArray = np.where(battery >= 0, at, np.nan)
    return out


def _slowdown_s(
    ctx: BattleContext,
    ready_org: FloatArray,
    ready_remote: FloatArray,
    start: FloatArray | None,
) -> FloatArray | None:
    """Extra time each deciding party takes for each decision, s, (..., n, b, k); None: none.

    A party's authorisation slowed by a fault (:class:`~jointshield.theatre.model.Slowdown`)
    adds its ``extra_s`` to that party's own decision on every launch it decides
    (:func:`~jointshield.architectures.rules.deciders`) whose decision is
    requested inside the fault's window: when the battery's first usable
    track is ready (``ready_org``, ``ready_remote``), or at its cue
    (``start``, with ``authorise_from="cue"``), s after each threat's launch.
    """
    slowdowns = ctx.deployment.slowdowns
    if not slowdowns:
        return None
    request = np.fmin(ready_org, ready_remote)
    if start is not None:
        request = np.where(np.isfinite(start), start, request)
    parties = ctx.deployment.parties
    k = _consenting(ctx)
    at = request + ctx.geometry.launch_time_s[:, None]
    extra = np.zeros((*request.shape, k))
    for j, bat in enumerate(ctx.batteries):
        for i, party in enumerate(deciders(ctx.architecture, bat.owner, parties)):
            for slow in slowdowns:
                if slow.party == party:
                    inside = (at[..., j] >= slow.start_s) & (at[..., j] < slow.end_s)
                    extra[..., j, i] += np.where(inside, slow.extra_s, 0.0)
    return extra


def _reengage(
    ctx: BattleContext,
    first: Outcome,
    blocked: NDArray[np.int8],
    launch_org: FloatArray,
    launch_remote: FloatArray,
    seed: np.random.SeedSequence,
) -> tuple[Outcome, Outcome | None]:
    """Engage again, by other batteries, the warheads that the first engagement missed.

    A warhead engaged and missed (every shot assessed a miss) may be engaged
    by any other battery that may engage it, with the rounds it has left,
    launched no earlier than ``kill_assessment_s`` after the last intercept,
    by the same assignment and doctrine (a second layer). Arrays are per
    warhead, ``(T, m, b)``. Returns the combined outcome and the second
    layer's own (None where nothing was missed).
    """
    rules, dep = ctx.rules, ctx.deployment
    per = dep.warhead_threat
    missed = ~first.killed & (first.shots > 0)
    if not missed.any():
        return first, None
    fired = missed[..., None] & np.isfinite(first.shot_intercept_s)
    last = np.max(np.where(fired, first.shot_intercept_s, -np.inf), axis=-1)
    start = np.where(missed, last + rules.doctrine.kill_assessment_s, np.nan)[..., None]
    pairs = [
        (ctx.organic_windows, _when(launch_org, start)),
        (ctx.remote_windows, _when(launch_remote, start)),
    ]
    launch, intercept, second_launch, second_int, _, _ = _best(
        pairs, rules.doctrine.kill_assessment_s, per
    )
    b = blocked.shape[-1]
    again = blocked.copy()
    # The battery that missed has had its shots; a warhead not missed needs none.
    same = first.battery[..., None] == np.arange(b)[None, None, :]
    again[(again == 0) & (same | ~missed[..., None])] = OUT_OF_ENVELOPE
    opp = Opportunities(
        earliest_launch_s=launch,
        earliest_intercept_s=intercept,
        second_launch_s=second_launch,
        second_intercept_s=second_int,
        blocked=again,
    )
    out = engage(
        opp,
        np.where(missed, ctx.value[None, :], 0.0),
        _handover_pk(ctx, launch, per),
        first.rounds_left,
        rng=TrialSeeds(seed, first.killed.shape[0]),
        doctrine=rules.doctrine,
        assignment=rules.assignment,
    )
    killed = first.killed | out.killed
    combined = replace(
        first,
        killed=killed,
        reason=np.where(out.killed, ENGAGED, first.reason).astype(np.int8),
        shots=first.shots + out.shots,
        rounds_left=out.rounds_left,
    )
    return combined, out


@njit
def _scan_looks(
    state: NDArray[np.uint64],
    jump: NDArray[np.uint64],
    n_looks: int,
    p_detect: float,
    m: int,
    n_window: int,
    confirmed: NDArray[np.bool_],
    confirm_look: NDArray[np.intp],
    hit_look: NDArray[np.int64],
) -> None:
    """Draw a radar's detections look by look, and record what the trial needs of them.

    Row ``r`` (trial and threat, in C order) owns the ``J = n_looks``
    uniforms that ``Generator.random((T, n, J))`` gives it, from a PCG64
    ``state`` of 64-bit words (state high, low, increment high, low);
    ``jump`` is the LCG ``(a, c)`` of ``J`` steps (a high, low, c high,
    low), from one row's start to the next. A look detects when its
    uniform is below ``p_detect``. Each row records the look that confirms
    the track (the first closing ``n_window`` consecutive looks with ``m``
    detections: the ``k``-th detection with the ``(k − m + 1)``-th less than
    ``n_window`` looks before it) and the looks of its first ``K`` detections
    (−1 past the last); it stops drawing once both are known, and the next
    row starts from its own state, so every uniform is the one the generator
    would give. ``state`` is left at the end of the ``T·n·J`` draws.
    """
    n_rows = confirmed.shape[0]
    n_keep = hit_look.shape[1]
    inc_hi, inc_lo = state[2], state[3]
    row_hi, row_lo = state[0], state[1]
    last = np.empty(m, dtype=np.int64)  # looks of the last m detections, cyclically
    for r in range(n_rows):
        hi, lo = row_hi, row_lo
        count = 0
        found = False
        confirm_look[r] = 0
        for j in range(n_looks):
            if found and count >= n_keep:
                break
            hi, lo, x = pcg64_next(hi, lo, inc_hi, inc_lo)
            if unit_double(x) >= p_detect:
                continue
            last[count % m] = j
            count += 1
            if count <= n_keep:
                hit_look[r, count - 1] = j
            if not found and count >= m and j - last[count % m] < n_window:
                found = True
                confirm_look[r] = j
        confirmed[r] = found
        for k in range(count, n_keep):
            hit_look[r, k] = -1
        row_hi, row_lo = lcg128(row_hi, row_lo, jump[0], jump[1], jump[2], jump[3])
    state[0], state[1] = row_hi, row_lo


@dataclass(frozen=True)
class _Detections:
    """One radar's detections in a block: when its track is confirmed, and its first detections."""

    confirmed: NDArray[np.bool_]  # (T, n) whether the track is ever confirmed
    confirm_look: NDArray[np.intp]  # (T, n) index of the look that confirms it (0 if never)
    hit_look: Int64Array  # (T, n, K) post-burnout look of each of the first K detections, -1: none

    @classmethod
    def draw(
        cls, view: RadarView, rng: np.random.Generator, n_trials: int, keep: int
    ) -> _Detections | None:
        """Draw a radar's detections on its post-burnout looks (None: it has none).

        The uniforms are those of ``rng.random((n_trials, n, J))``, one per
        look, and ``rng`` is left as that call would leave it; ``keep`` is
        how many first detections to record (``K``, at most ``J``).
        """
        if view.history is None:
            return None
        n, j_looks = view.history.t_s.shape
        state, inc = pcg64_state(rng)
        a, c = pcg64_jump(j_looks, inc)
        words = np.array([*split128(state), *split128(inc)], dtype=np.uint64)
        jump = np.array([*split128(a), *split128(c)], dtype=np.uint64)
        rows = n_trials * n
        confirmed = np.empty(rows, dtype=bool)
        confirm_look = np.empty(rows, dtype=np.intp)
        hit_look = np.empty((rows, min(keep, j_looks)), dtype=np.int64)
        radar = view.radar
        _scan_looks(
            words,
            jump,
            j_looks,
            radar.p_detect,
            radar.track_confirm_m,
            radar.track_confirm_n,
            confirmed,
            confirm_look,
            hit_look,
        )
        set_pcg64_state(rng, join128(words[0], words[1]))
        return cls(
            confirmed.reshape(n_trials, n),
            confirm_look.reshape(n_trials, n),
            hit_look.reshape(n_trials, n, -1),
        )


def _single_fire_control(
    view: RadarView, needed: NDArray[np.int64], detections: _Detections | None
) -> FloatArray:
    """Flight time at which a radar's track reaches fire control in each trial, (T, n).

    Two conditions, both counted over the radar's post-burnout looks: the
    track is confirmed (``M`` detections within ``N`` consecutive looks, the
    radar's ``track_confirm_m`` and ``track_confirm_n``), and it has had as
    many detections as the nominal track needed to reach the battery's
    fire-control figures (``needed``, 0: never; at most the ``K`` detections
    recorded). The later of the two is when it may be launched on.
    """
    history = view.history
    n = needed.shape[0]
    if detections is None or history is None or detections.hit_look.shape[2] == 0:
        return np.full((1, n), np.nan)
    rows = np.arange(n)
    column = np.maximum(needed - 1, 0)
    look_fc = detections.hit_look[:, rows, column]
    found_fc = (needed > 0)[None, :] & (look_fc >= 0)
    look = np.maximum(look_fc, detections.confirm_look)
    out: FloatArray = np.where(
        found_fc & detections.confirmed, history.t_s[rows[None, :], look], np.nan
    )
    return out


def _confirmation_lag(view: RadarView, detections: _Detections | None) -> FloatArray:
    """How much later than nominal each trial confirms the radar's track, s, (T, n); NaN: never."""
    history = view.history
    if detections is None or history is None:
        return np.full((1, view.looks.t_s.shape[0]), np.nan)
    t = history.t_s
    m = view.radar.track_confirm_m
    nominal = t[:, m - 1] if t.shape[1] >= m else np.full(t.shape[0], np.nan)
    at = t[np.arange(t.shape[0])[None, :], detections.confirm_look]
    out: FloatArray = np.where(detections.confirmed, at - nominal[None, :], np.nan)
    return out


def _source_fire_control(
    ctx: BattleContext,
    src: _FireControlSource,
    detections: dict[int, _Detections | None],
    detections_uncued: dict[int, _Detections | None],
    cue_ok: dict[int, BoolArray],
    rng: np.random.Generator,
    n_trials: int,
) -> FloatArray:
    """When a fire-control source is good enough to launch on, as received, each trial (T, n).

    A single track: its radar's detections (cued where the cue came, else
    uncued), and, from the other party, the links' outages and latency at
    the nominal send time. A fused track: its nominal time, later by the
    largest confirmation lag of its members and the links' extra latency;
    lost in a trial where a member is never confirmed, a member's cue is
    lost, or a member's message is lost (the battery then has its members'
    single tracks, which are sources of their own).
    """
    launch = ctx.geometry.launch_time_s
    n = launch.shape[0]
    if not src.fused:
        (v,) = src.members
        fc = _single_fire_control(ctx.views[v], src.looks_needed, detections[v])
        if ctx.cued[v]:
            fc_uncued = _single_fire_control(
                ctx.uncued[v], src.looks_needed_uncued, detections_uncued[v]
            )
            fc = np.where(cue_ok[v], fc, fc_uncued)
        fc = np.broadcast_to(fc, (n_trials, n))
        if not src.remote_members:
            return fc
        arrival = ctx.network.deliver(
            src.sender,
            src.receiver,
            launch + src.fc_s,
            "track",
            src.targets_receiver,
            rng=rng,
            n_trials=n_trials,
        )
        nominal = np.where(np.isfinite(src.fc_s), src.fc_s, 0.0)
        out: FloatArray = arrival - launch + (fc - nominal)
        return out
    ok = np.ones((n_trials, n), dtype=bool)
    lag = np.zeros((n_trials, n))
    for v in src.members:
        member_lag = _confirmation_lag(ctx.views[v], detections[v])
        ok &= np.isfinite(member_lag)
        lag = np.fmax(lag, member_lag)
        if ctx.cued[v]:
            ok &= cue_ok[v]
    delay = dict(zip(src.members, src.delays_s, strict=True))
    for v in src.remote_members:
        sender = ctx.views[v].radar.owner
        latency = delay[v]
        sent = launch + src.fc_s - latency
        arrival = ctx.network.deliver(
            sender, src.receiver, sent, "track", src.targets_receiver, rng=rng, n_trials=n_trials
        )
        ok &= np.isfinite(arrival)
        lag = np.fmax(lag, arrival - sent - latency)
    fused: FloatArray = np.where(ok, src.fc_s[None, :] + lag, np.nan)
    return fused


def _handover_pk(ctx: BattleContext, launch_s: FloatArray, rows: Int64Array) -> FloatArray:
    """Single-shot kill probability of each shot, degraded by the hand-over error.

    With a hand-over basket of radius ``d`` and the launching track's per-axis
    position error ``σ`` (the best track the battery may use, at launch), the
    kill vehicle finds its target with the probability that a circular Gaussian
    miss falls inside the basket, ``1 - exp(-d² / 2σ²)`` (the Rayleigh
    distribution), and kills it then with the interceptor's ``pk``. Types
    without a basket are not degraded. ``launch_s`` is (T, m, b), ``rows``
    the threat of each of its ``m`` columns.
    """
    pk = np.broadcast_to(ctx.pk, launch_s.shape).astype(float)
    for j, basket in enumerate(ctx.basket_m):
        if not np.isfinite(basket) or not ctx.allowed_views[j]:
            continue
        at = launch_s[..., j]
        sigma = np.fmin.reduce(
            np.stack([ctx.views[v].position_sigma_at(at, rows) for v in ctx.allowed_views[j]]),
            axis=0,
        )
        with np.errstate(divide="ignore"):
            found = np.where(np.isfinite(sigma), -np.expm1(-(basket**2) / (2.0 * sigma**2)), 1.0)
        pk[..., j] = pk[..., j] * found
    return pk


def _trials(
    ctx: BattleContext,
    outcome: Outcome,
    milestones: dict[str, FloatArray],
    second: Outcome | None,
) -> Trials:
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
        fire_control_s=milestones["fire_control_s"],
        requested_s=milestones["requested_s"],
        authorised_s=milestones["authorised_s"],
        margin_s=milestones["margin_s"],
        reengage_battery=second.battery
        if second is not None
        else np.full_like(outcome.battery, -1),
        reengage_launch_s=(
            second.shot_launch_s[..., 0] if second is not None else np.full(t_int.shape, np.nan)
        ),
        reengage_intercept_s=(
            second.shot_intercept_s[..., 0] if second is not None else np.full(t_int.shape, np.nan)
        ),
        rounds_left=outcome.rounds_left,
        asset_hit=hit,
        leakers=leaked.sum(axis=1),
        interceptors=outcome.interceptors_spent(),
        population_hit=hit @ dep.asset_population,
        no_leak=np.asarray(~leaked.any(axis=1), dtype=bool),
    )
