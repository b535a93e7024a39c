"""The nominal engagement of every threat by every battery: one deterministic trial.

Where :func:`~jointshield.battle.trial.run_block` draws what changes from
trial to trial, :func:`nominal_engagements` takes each random quantity at its
nominal value and keeps every pair (threat, battery) apart, as if each
battery alone faced each threat with rounds to spare:

* every look detects, so each track reaches fire control at its nominal
  time (:attr:`~jointshield.battle.context._FireControlSource.fc_s`), and
  every space-based launch report is made;
* links are up except in scripted outages and carry their fixed latency
  (:meth:`~jointshield.sensing.network.Network.deliver` without a generator);
* every deciding party takes its median time (``authorisation_delay_s`` for
  the launching party, ``consent_delay_s`` for a consenting one), so a
  launch waits the largest median; with ``authorise_from="cue"`` the wait
  starts at the party's first cue, as in a trial;
* nothing is vetoed (a veto is a probability, kept apart as
  :attr:`NominalEngagements.p_veto`).

It answers "can this battery intercept this threat under this architecture,
when, and with how much time to spare" — the questions of a defended
footprint — from the same windows, sources and rules as the Monte Carlo, and
with the same order of reasons (physics first, then the architecture).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.rules import (
    deciders,
    refusal,
    responsible,
    veto_probability,
    vetoer,
)
from jointshield.arrays import FloatArray, IntArray
from jointshield.battle.context import BattleContext, _earliest
from jointshield.battle.trial import (
    _best,
    _first_allowed_look,
    _handover_pk,
    _launch_times,
    _slowdown_s,
    _take_k,
)
from jointshield.engagement.reasons import ENGAGED, NOT_FIRE_CONTROL_QUALITY, TOO_LATE
from jointshield.physics.geo import ecef_to_geodetic

__all__ = ["NominalEngagements", "nominal_engagements"]


@dataclass(frozen=True)
class NominalEngagements:
    """Every (threat, battery) pair's nominal engagement; arrays of shape (n, b).

    Attributes
    ----------
    reason : ndarray of int8
        0 (:data:`~jointshield.engagement.reasons.ENGAGED`) where the battery
        can engage the threat, else why not
        (:data:`~jointshield.engagement.reasons.REASONS`): physics first
        (no track, no fire-control track, out of the envelope, too late),
        then the architecture (not responsible, not authorised in time).
    ready_s : ndarray
        When the battery's best usable track reaches fire-control quality as
        it receives it, s after the threat's launch; NaN: never.
    launch_s, intercept_s : ndarray
        The earliest intercept's launch (after authorisation) and intercept
        times, s after the threat's launch; NaN where there is none.
    margin_s : ndarray
        Decision-time margin: how much later than ``launch_s`` the battery
        could still launch and meet the threat (the last feasible launch of
        the windows it uses, minus ``launch_s``), s; NaN where none.
    intercept_lat_deg, intercept_lon_deg, intercept_alt_km : ndarray
        Where the earliest intercept happens; NaN where none.
    shots : ndarray of int
        Interceptors the doctrine fires there: 2 shoot-look-shoot where a
        second solution exists, else the salvo (after the cap per threat).
    p_kill : ndarray
        Kill probability of those shots, ``1 − (1 − pk)^shots``, with ``pk``
        degraded by the hand-over error where the type has a basket; 0 where
        the pair cannot engage.
    p_veto : ndarray
        Probability that the other party vetoes the launch (dual key), else 0.
    """

    reason: NDArray[np.int8]
    ready_s: FloatArray
    launch_s: FloatArray
    intercept_s: FloatArray
    margin_s: FloatArray
    intercept_lat_deg: FloatArray
    intercept_lon_deg: FloatArray
    intercept_alt_km: FloatArray
    shots: IntArray
    p_kill: FloatArray
    p_veto: FloatArray

    @property
    def engages(self) -> NDArray[np.bool_]:
        """Whether each battery can engage each threat, (n, b)."""
        out: NDArray[np.bool_] = self.reason == ENGAGED
        return out


def nominal_delay_s(ctx: BattleContext) -> float:
    """Return the nominal authorisation delay of a launch: the largest median deciding, s.

    The launching party decides in a median ``authorisation_delay_s``; with a
    dual key each consenting party in a median ``consent_delay_s``
    (:func:`~jointshield.architectures.rules.draw_authorisation`).
    """
    arch = ctx.architecture
    parties = ctx.deployment.parties
    n_deciders = max(len(deciders(arch, bat.owner, parties)) for bat in ctx.batteries)
    delay = arch.authorisation_delay_s
    return float(max(delay, arch.consent_delay_s) if n_deciders > 1 else delay)


def _delay_s(
    ctx: BattleContext, ready_org: FloatArray, ready_remote: FloatArray, start: FloatArray | None
) -> FloatArray | float:
    """Return the nominal delay of each launch decision, s: :func:`nominal_delay_s`, or (n, b).

    With parties slowed by faults, each deciding party takes its median plus
    its extra time where the decision is requested in the fault's window, as
    in a trial (:func:`~jointshield.battle.trial._slowdown_s`), and the launch
    waits for the slowest.
    """
    extra = _slowdown_s(ctx, ready_org, ready_remote, start)
    if extra is None:
        return nominal_delay_s(ctx)
    arch = ctx.architecture
    median = np.full(extra.shape[-1], arch.consent_delay_s)
    median[0] = arch.authorisation_delay_s
    delay: FloatArray = np.max(median + extra, axis=-1)
    return delay


def _ready(ctx: BattleContext) -> tuple[FloatArray, FloatArray]:
    """Nominal fire-control time of each battery's organic and remote sources, (n, b) each."""
    n, b = ctx.blocked_static.shape
    launch = ctx.geometry.launch_time_s
    ready_org = np.full((n, b), np.nan)
    ready_remote = np.full((n, b), np.nan)
    for src in ctx.sources:
        if not src.fused:
            (v,) = src.members
            fc = src.fc_s
            if ctx.cued[v]:
                cue = _earliest(ctx.cue_inputs[v], n)
                with np.errstate(invalid="ignore"):
                    cue_ok = np.isfinite(cue) & (cue < ctx.uncued[v].first_look_s)
                fc = np.where(cue_ok, fc, src.fc_uncued_s)
            if src.remote_members:
                sent = launch + fc
                fc = (
                    ctx.network.deliver(
                        src.sender, src.receiver, sent, "track", src.targets_receiver
                    )
                    - launch
                )
        else:
            ok = np.ones(n, dtype=bool)
            lag = np.zeros(n)
            delay = dict(zip(src.members, src.delays_s, strict=True))
            for v in src.remote_members:
                sender = ctx.views[v].radar.owner
                sent = launch + src.fc_s - delay[v]
                arrival = ctx.network.deliver(
                    sender, src.receiver, sent, "track", src.targets_receiver
                )
                ok &= np.isfinite(arrival)
                lag = np.fmax(lag, arrival - sent - delay[v])
            fc = np.where(ok, src.fc_s + lag, np.nan)
        j = src.battery
        if src.windows == "organic":
            ready_org[:, j] = np.fmin(ready_org[:, j], fc)
        else:
            ready_remote[:, j] = np.fmin(ready_remote[:, j], fc)
    return ready_org, ready_remote


def nominal_engagements(ctx: BattleContext) -> NominalEngagements:
    """Compute the nominal engagement of every threat by every battery, pair by pair.

    Parameters
    ----------
    ctx : BattleContext
        The prepared battle (:func:`~jointshield.battle.context.prepare`).

    Returns
    -------
    NominalEngagements
        Per (threat, battery): whether and why not, when, where, with what
        margin, and with what kill probability.

    Notes
    -----
    The same steps as a trial of :func:`~jointshield.battle.trial.run_block`
    with the random quantities at their nominal values (module docstring):
    the earliest intercept over the organic and remote windows
    (:meth:`~jointshield.engagement.windows.InterceptWindows.earliest`) with
    its second solution for shoot-look-shoot, the reasons in the same
    order (:func:`~jointshield.architectures.rules.responsible`,
    :func:`~jointshield.architectures.rules.refusal`). Rounds and other
    threats do not enter: each pair stands alone.
    """
    arch, rules, dep = ctx.architecture, ctx.rules, ctx.deployment
    n, b = ctx.blocked_static.shape
    ready_org, ready_remote = _ready(ctx)
    start = None
    if arch.authorise_from == "cue":
        start = np.stack(
            [
                np.fmin(_earliest(ctx.knowledge_inputs[j], n), _first_allowed_look(ctx, j))
                for j in range(b)
            ],
            axis=1,
        )
    delay = _delay_s(ctx, ready_org, ready_remote, start)
    launch_org, launch_remote = _launch_times(ready_org, ready_remote, delay, start)

    ka = rules.doctrine.kill_assessment_s
    windows = (ctx.organic_windows, ctx.remote_windows)
    pairs = [(windows[0], launch_org), (windows[1], launch_remote)]
    launch, intercept, _, second_int, best_k, best_src = _best(pairs, ka)
    undelayed = np.isfinite(windows[0].earliest(ready_org)[1]) | np.isfinite(
        windows[1].earliest(ready_remote)[1]
    )

    # Why a pair cannot engage, physics first, as in a trial.
    physics = ctx.blocked_static.copy()
    no_fc = np.isnan(ready_org) & np.isnan(ready_remote)
    physics[(physics == 0) & no_fc] = NOT_FIRE_CONTROL_QUALITY
    late = (physics == 0) & np.isnan(intercept)
    physics[late & ~undelayed] = TOO_LATE
    point_owner = _take_k(dep.sector_owner, best_k[None])[0]
    party = np.array([bat.owner for bat in ctx.batteries], dtype=object)
    resp = responsible(arch, party[None, :], dep.target_owner[:, None], point_owner)
    decision = refusal(resp, np.zeros((n, b), dtype=bool), ~(late & undelayed))
    reason = np.where(physics != 0, physics, decision).astype(np.int8)
    ok = reason == ENGAGED

    latest = np.where(best_src == 0, windows[0].latest_launch(), windows[1].latest_launch())
    margin = np.where(ok, latest - launch, np.nan)

    doctrine = rules.doctrine
    look = doctrine.looks & np.isfinite(second_int)
    shots = np.where(ok, np.where(look, 2, doctrine.salvo_shots), 0).astype(np.int64)
    rows = np.arange(n, dtype=np.int64)
    pk = _handover_pk(ctx, np.where(ok, launch, np.nan)[None], rows)[0]
    p_kill = np.where(ok, -np.expm1(shots * np.log1p(-np.minimum(pk, 1.0 - 1e-300))), 0.0)
    p_kill = np.where(ok & (pk >= 1.0), 1.0, p_kill)

    fl = ctx.geometry.flyouts
    assert fl.samples is not None
    k = np.where(ok, best_k, 0)
    point = fl.samples[np.arange(n)[:, None], k, :3]
    lat, lon, alt = ecef_to_geodetic(point)
    p_veto = _veto_probability(ctx, point_owner)
    return NominalEngagements(
        reason=reason,
        ready_s=np.fmin(ready_org, ready_remote),
        launch_s=np.where(ok, launch, np.nan),
        intercept_s=np.where(ok, intercept, np.nan),
        margin_s=margin,
        intercept_lat_deg=np.where(ok, np.degrees(lat), np.nan),
        intercept_lon_deg=np.where(ok, np.degrees(lon), np.nan),
        intercept_alt_km=np.where(ok, alt / 1e3, np.nan),
        shots=shots,
        p_kill=p_kill,
        p_veto=np.where(ok, p_veto, 0.0),
    )


def _veto_probability(ctx: BattleContext, point_owner: NDArray[np.object_]) -> FloatArray:
    """Probability that each launch is vetoed, (n, b), as a trial draws it."""
    parties = ctx.deployment.parties
    arch = ctx.architecture
    who = np.array([vetoer(arch, bat.owner, parties) or "" for bat in ctx.batteries], dtype=object)
    return veto_probability(arch, point_owner == who[None, :], (who != "")[None, :])
