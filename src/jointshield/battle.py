"""Battle management over a raid: who may fire at what, when, and what it achieves.

This module ties the deterministic picture of a raid (aimed flyouts, radar
looks, track covariances, intercept windows: computed once) to the
engagement engine (:mod:`jointshield.engagement`: assignment, doctrine, kill
draws), trial by trial.

Which track a battery may launch on (the engagement rules):

* its **organic** radar (a radar of the same party at the battery's site)
  once that radar holds a fire-control-quality track;
* **launch on remote** (``Rules.launch_on_remote``): a fire-control track of
  another radar of its party, or of another party's radar delivered over the
  data links, provided its organic radar sees the threat at least
  ``handover_s`` before the intercept (it takes over the engagement);
* **engage on remote** (``Rules.engage_on_remote``): the whole engagement on
  such a remote track, no organic radar needed.

A battery defends its own party's assets only (``Rules.defend='own'``) or
any asset (``'all'``). A threat fired ``count`` times is ``count`` targets on
one trajectory. Each pair that cannot engage at all says why (no track, no
fire-control-quality track, out of the envelope, not its party's asset); the
engagement engine adds too late, no rounds and missed.

Link outages are drawn per trial (one generator for the block); kill draws
come from one seed sequence per trial, spawned from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from jointshield.engagement import (
    NO_TRACK,
    NOT_FIRE_CONTROL_QUALITY,
    NOT_RESPONSIBLE,
    OUT_OF_ENVELOPE,
    REASONS,
    TOO_LATE,
    Doctrine,
    Opportunities,
    Outcome,
    engage,
)
from jointshield.interceptor import (
    BatteryGeometry,
    InterceptWindows,
    batteries_from_scenario,
    intercept_windows,
)
from jointshield.network import SHARING_POLICIES, Network, SharingPolicy
from jointshield.picture import Picture, sensor_picture
from jointshield.raid import RaidGeometry, raid_geometry
from jointshield.scenario import Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Rules:
    """Engagement rules of one run.

    Parameters
    ----------
    launch_on_remote : bool
        May a battery launch on another radar's fire-control track (its organic
        radar taking over before the intercept)?
    engage_on_remote : bool
        May a battery fly a whole engagement on a remote track?
    handover_s : float
        For launch on remote: how long before the intercept the organic radar
        must see the threat, s [assumption].
    defend : {'own', 'all'}
        Whose assets a battery defends.
    sharing : str, optional
        Sharing policy for every link, overriding the scenario's.
    doctrine : Doctrine
        Shoot-look-shoot or salvo, and the kill-assessment time.
    assignment : {'auto', 'optimal', 'greedy'}
        Weapon–target assignment method.
    """

    launch_on_remote: bool = True
    engage_on_remote: bool = False
    handover_s: float = 30.0
    defend: Literal["own", "all"] = "own"
    sharing: SharingPolicy | None = None
    doctrine: Doctrine = field(default_factory=Doctrine)
    assignment: Literal["auto", "optimal", "greedy"] = "auto"


@dataclass(frozen=True)
class Battle:
    """A raid fought ``trials`` times: the outcome per trial and what produced it.

    Attributes
    ----------
    geometry : RaidGeometry
        The raid as flown.
    warhead_threat : ndarray of int, shape (m,)
        For each engaged target (a threat fired ``count`` times is ``count``
        targets), the index of its threat in the raid.
    batteries : tuple of BatteryGeometry
        The batteries, in the scenario's order.
    outcome : Outcome
        Per trial and target: killed, reason, battery, shots, times.
    seed : int
        The seed of the run.
    """

    geometry: RaidGeometry
    warhead_threat: NDArray[np.int64]
    batteries: tuple[BatteryGeometry, ...]
    outcome: Outcome
    seed: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return int(self.outcome.killed.shape[0])

    def asset_hit(self) -> tuple[tuple[str, ...], NDArray[np.bool_]]:
        """Assets under attack and, per trial, whether at least one warhead reached each."""
        targets = [self.geometry.target[i] for i in self.warhead_threat]
        names = tuple(dict.fromkeys(targets))
        leaked = ~self.outcome.killed
        hit = np.stack([leaked[:, [t == a for t in targets]].any(axis=1) for a in names], axis=1)
        return names, hit

    def leak_reasons(self) -> dict[str, int]:
        """How many leaks, over all trials, each reason explains."""
        leaked = ~self.outcome.killed
        codes, counts = np.unique(self.outcome.reason[leaked], return_counts=True)
        return {REASONS[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def _organic(picture: Picture, battery: BatteryGeometry, scenario: Scenario) -> list[str]:
    """Radars of the battery's party standing on the battery's site."""
    site = next(b.site for b in scenario.batteries if b.name == battery.name)
    return [
        s.name
        for s in scenario.sensors
        if s.kind == "radar" and s.site == site and s.owner == battery.owner
    ]


def _min(arrays: list[FloatArray], shape: tuple[int, ...]) -> FloatArray:
    if not arrays:
        return np.full(shape, np.nan)
    out: FloatArray = np.fmin.reduce(np.stack(np.broadcast_arrays(*arrays)), axis=0)
    return out


def fight(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    rules: Rules | None = None,
    trials: int = 1000,
    seed: int = 0,
    geometry: RaidGeometry | None = None,
) -> Battle:
    """Fight a raid ``trials`` times under the given engagement rules.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or file path; None for the default.
    raid : str, optional
        The raid; by default the scenario's default raid.
    rules : Rules, optional
        Engagement rules (defaults: launch on remote allowed, own assets).
    trials : int
        Number of Monte Carlo trials.
    seed : int
        Seed of the run; the same seed gives the same battle.
    geometry : RaidGeometry, optional
        A raid already flown (deterministic geometry reused across runs).

    Returns
    -------
    Battle
        The outcome of every trial.
    """
    from jointshield.errors import JointshieldError, unknown_name_message

    rules = rules or Rules()
    if trials < 1:
        raise JointshieldError(f"trials must be at least 1, got {trials}")
    if rules.sharing is not None and rules.sharing not in SHARING_POLICIES:
        raise JointshieldError(
            unknown_name_message("sharing policy", rules.sharing, SHARING_POLICIES)
        )
    geo = geometry or raid_geometry(scenario, raid)
    sc = geo.scenario
    picture = sensor_picture(geo)
    batteries = batteries_from_scenario(sc)
    if not batteries:
        raise JointshieldError(f"scenario {sc.name!r} has no batteries to fight with")
    windows = intercept_windows(batteries, geo.flyouts)
    network = Network.from_scenario(sc)
    if rules.sharing is not None:
        policy = rules.sharing
        network = replace(network, links=tuple(replace(lk, sharing=policy) for lk in network.links))

    n, b, T = len(geo), len(batteries), trials
    seeds = np.random.SeedSequence(seed)
    net_seed, kill_seed = seeds.spawn(2)
    net_rng = np.random.default_rng(net_seed)
    launch = geo.launch_time_s

    ready_org = np.full((n, b), np.nan)
    ready_remote = np.full((T, n, b), np.nan)  # launch on remote
    organic_first = np.full((n, b), np.nan)
    seen = np.zeros((n, b), dtype=bool)  # some permitted radar looks at the threat
    for j, bat in enumerate(batteries):
        kind = sc.interceptor(sc.battery(bat.name).interceptor)
        fig = (kind.fire_control_sigma_m, kind.fire_control_sigma_mps)
        organic = set(_organic(picture, bat, sc))
        org, rem = [], []
        for view in picture.views:
            fc = view.fire_control_s(*fig)
            owner = view.radar.owner
            if view.radar.name in organic:
                org.append(fc)
                organic_first[:, j] = np.fmin(organic_first[:, j], view.first_look_s)
                seen[:, j] |= np.isfinite(view.first_look_s)
            elif owner == bat.owner:
                rem.append(np.broadcast_to(fc, (T, n)))
                seen[:, j] |= np.isfinite(view.first_look_s) & (
                    rules.launch_on_remote or rules.engage_on_remote
                )
            elif rules.launch_on_remote or rules.engage_on_remote:
                targets_me = np.array([o == bat.owner for o in geo.target_owner])
                arrival = network.deliver(
                    owner, bat.owner, launch + fc, "track", targets_me, rng=net_rng, n_trials=T
                )
                rem.append(arrival - launch)
                seen[:, j] |= np.isfinite(view.first_look_s) & (np.isfinite(arrival).any(axis=0))
        ready_org[:, j] = _min(org, (n,)) if org else np.nan
        ready_remote[:, :, j] = _min(rem, (T, n)) if rem else np.nan

    # Organic first, then remote under the rules; each with its own admissible solutions.
    first_launch = np.full((T, n, b), np.nan)
    first_int = np.full((T, n, b), np.nan)
    src_windows: list[tuple[InterceptWindows, FloatArray]] = [
        (windows, np.broadcast_to(ready_org, (T, n, b)))
    ]
    if rules.engage_on_remote:
        src_windows.append((windows, ready_remote))
    elif rules.launch_on_remote:
        # The organic radar must see the threat handover_s before the intercept.
        lower = organic_first + rules.handover_s
        lor = replace(
            windows, feasible=windows.feasible & (windows.t_intercept_s >= lower[..., None])
        )
        src_windows.append((lor, ready_remote))
    best_src = np.full((T, n, b), -1)
    for s, (win, ready) in enumerate(src_windows):
        tl, ti, _ = win.earliest(ready)
        better = np.isfinite(ti) & ~(ti >= first_int)  # earlier intercept, or the first found
        first_launch = np.where(better, tl, first_launch)
        first_int = np.where(better, ti, first_int)
        best_src = np.where(better, s, best_src)
    second_launch = np.full((T, n, b), np.nan)
    second_int = np.full((T, n, b), np.nan)
    for s, (win, _) in enumerate(src_windows):
        tl2, ti2, _ = win.after(first_int, rules.doctrine.kill_assessment_s)
        use = best_src == s
        second_launch = np.where(use, tl2, second_launch)
        second_int = np.where(use, ti2, second_int)

    # Why a pair cannot engage at all, in order of precedence (the engine adds the rest).
    any_fc = np.isfinite(np.fmin(np.broadcast_to(ready_org, (T, n, b)), ready_remote))
    blocked = np.zeros((T, n, b), dtype=np.int8)
    blocked = np.where(~seen[None], NO_TRACK, blocked)
    blocked = np.where((blocked == 0) & ~any_fc, NOT_FIRE_CONTROL_QUALITY, blocked)
    blocked = np.where((blocked == 0) & (windows.reason[None] != 0), OUT_OF_ENVELOPE, blocked)
    blocked = np.where((blocked == 0) & np.isnan(first_int), TOO_LATE, blocked)
    if rules.defend == "own":
        # A rule matters only where physics would allow the shot.
        foreign = np.array(
            [[geo.target_owner[i] != bat.owner for bat in batteries] for i in range(n)]
        )
        blocked = np.where((blocked == 0) & foreign[None], NOT_RESPONSIBLE, blocked)
    blocked = blocked.astype(np.int8)

    # Expand threats fired more than once into one target per warhead.
    per = np.repeat(np.arange(n), geo.count)
    opp = Opportunities(
        earliest_launch_s=first_launch[:, per],
        earliest_intercept_s=first_int[:, per],
        second_launch_s=second_launch[:, per],
        second_intercept_s=second_int[:, per],
        blocked=blocked[:, per],
    )
    population = np.array([sc.asset(t).population for t in geo.target], dtype=float)
    value = population[per]
    pk = np.array([bat.kinematics.pk for bat in batteries])
    rounds = np.array([bat.rounds for bat in batteries])
    outcome = engage(
        opp,
        value,
        pk,
        rounds,
        rng=kill_seed.spawn(T),
        doctrine=rules.doctrine,
        assignment=rules.assignment,
    )
    from jointshield import __version__
    from jointshield.scenario import scenario_hash

    meta = {
        "scenario": sc.name,
        "scenario_hash": scenario_hash(sc),
        "raid": geo.raid.name,
        "seed": seed,
        "trials": T,
        "jointshield_version": __version__,
    }
    return Battle(geo, per.astype(np.int64), batteries, outcome, seed, meta)
