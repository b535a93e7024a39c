"""The whole engagement of each warhead, per architecture: nominal and over the trials.

:func:`engagement_timeline` runs every architecture's Monte Carlo on the same
raid and seed as :func:`~jointshield.analysis.runs.compare` (the same
trials, number for number) and reads from its per-trial records
(:class:`~jointshield.battle.trial.Trials`) the milestones of each warhead's
engagement, on the threat's own clock (s after its launch):

* ``fire_control``: the engaging battery's track good enough to launch on,
  as received (the other party's track after the link's latency);
* ``requested`` and ``authorised``: the launch decision's start and the
  moment every deciding party has agreed (a dual key's consent included);
* ``launch`` and ``intercept``: the first interceptor's;
* ``kill_assessed``: the intercept plus the doctrine's kill-assessment time;
* ``reengage_launch`` and ``reengage_intercept``: a second battery's first
  shot after a miss (a second layer).

Each milestone is given for one trial (``trial``, the nominal case shown in
the Gantt chart) and as a distribution over the trials in which it happens:
its median and 5th and 95th percentiles, and the share of trials. Two
spans say where the time goes: ``decision_s`` (authorised − requested, the
seconds a decision costs, a dual key's among them) and ``margin_s`` (from
the launch to the last launch that would still have met the warhead).

Beside them, each party's sensing milestones (first detection, track and
fire-control track, with the architecture's sharing policy) come from the
nominal picture of :func:`~jointshield.analysis.timeline.timeline`: every
look detects there, while the engagement's milestones carry the trials'
missed looks, outages and delays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from jointshield.analysis.runs import (
    DEFAULT_TRIALS,
    _check_counts,
    _split_params,
    architecture_trials,
)
from jointshield.analysis.timeline import Milestone, timeline
from jointshield.architectures.presets import ARCHITECTURES, architecture
from jointshield.arrays import FloatArray
from jointshield.battle.context import BattleContext, Rules
from jointshield.battle.samples import deploy_samples
from jointshield.battle.trial import Trials
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.scenario import Scenario
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

__all__ = [
    "ENGAGEMENT_MILESTONES",
    "EngagementTimeline",
    "Spread",
    "WarheadTimeline",
    "engagement_timeline",
]

ENGAGEMENT_MILESTONES: Final = (
    "fire_control",
    "requested",
    "authorised",
    "launch",
    "intercept",
    "kill_assessed",
    "reengage_launch",
    "reengage_intercept",
)
"""The engagement's milestones, in the order they happen."""

PERCENTILES: Final = (5.0, 50.0, 95.0)
"""The percentiles of each milestone over the trials."""


@dataclass(frozen=True)
class Spread:
    """One quantity in one trial and over the trials in which it happens.

    Attributes
    ----------
    trial : float
        Its value in the chosen trial, s; NaN if it did not happen there.
    median, p5, p95 : float
        Median and 5th and 95th percentiles over the trials in which it
        happens, s (NaN if it never does).
    share : float
        Share of the trials in which it happens.
    """

    trial: float
    median: float
    p5: float
    p95: float
    share: float

    @classmethod
    def of(cls, values: FloatArray, trial: int) -> Spread:
        """Summarise per-trial values, shape (T,), NaN where it did not happen."""
        happened = np.isfinite(values)
        if happened.any():
            p5, median, p95 = np.percentile(values[happened], PERCENTILES)
        else:
            p5 = median = p95 = float("nan")
        return cls(
            float(values[trial]), float(median), float(p5), float(p95), float(happened.mean())
        )

    def to_json(self) -> dict[str, float | None]:
        """Return a JSON-ready dict, times rounded to 0.1 s, None where unknown."""
        return {
            "trial": _num(self.trial),
            "median": _num(self.median),
            "p5": _num(self.p5),
            "p95": _num(self.p95),
            "share": round(self.share, 4),
        }


def _num(x: float) -> float | None:
    return round(float(x), 1) if np.isfinite(x) else None


@dataclass(frozen=True)
class WarheadTimeline:
    """One warhead's engagement under one architecture.

    Attributes
    ----------
    threat, target : str
        The raid's threat it belongs to and the asset it is aimed at.
    warhead : int
        Its position in the raid (a threat fired twice is two warheads).
    label : str
        The threat's id, with ``#k`` for its k-th warhead when it has several.
    launch_time_s, impact_s : float
        Its launch on the scenario clock, and its impact after launch, s.
    milestones : dict of str to Spread
        :data:`ENGAGEMENT_MILESTONES`, s after its launch.
    decision_s, margin_s : Spread
        The decision's time (authorised − requested) and the time to spare
        at launch, s.
    killed : float
        Share of trials in which it is killed.
    reasons : dict of str to float
        Share of trials ending in each way (``engaged`` or why it leaked), the
        ones that happen.
    trial_killed : bool
        Whether it is killed in the chosen trial.
    trial_reason : str
        How the chosen trial ends for it.
    trial_battery, trial_party : str
        Who engages it first in the chosen trial ('' if nobody).
    trial_reengage_battery : str
        Who engages it again there ('' if nobody).
    engaged_by : dict of str to float
        Share of trials in which each party's battery engages it first.
    sensing : dict of str to dict of str to Milestone
        Per party, its first detection, track and fire-control track with
        the architecture's sharing (nominal picture).
    """

    threat: str
    target: str
    warhead: int
    label: str
    launch_time_s: float
    impact_s: float
    milestones: dict[str, Spread]
    decision_s: Spread
    margin_s: Spread
    killed: float
    reasons: dict[str, float]
    trial_killed: bool
    trial_reason: str
    trial_battery: str
    trial_party: str
    trial_reengage_battery: str
    engaged_by: dict[str, float]
    sensing: dict[str, dict[str, Milestone]]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "threat": self.threat,
            "warhead": self.warhead,
            "label": self.label,
            "target": self.target,
            "launch_time_s": round(self.launch_time_s, 1),
            "impact_s": _num(self.impact_s),
            "milestones": {k: v.to_json() for k, v in self.milestones.items()},
            "decision_s": self.decision_s.to_json(),
            "margin_s": self.margin_s.to_json(),
            "killed": round(self.killed, 4),
            "reasons": {k: round(v, 4) for k, v in self.reasons.items()},
            "trial": {
                "killed": self.trial_killed,
                "reason": self.trial_reason,
                "battery": self.trial_battery or None,
                "party": self.trial_party or None,
                "reengage_battery": self.trial_reengage_battery or None,
            },
            "engaged_by": {k: round(v, 4) for k, v in self.engaged_by.items()},
            "sensing": {
                party: {k: m.to_json() for k, m in ms.items()} for party, ms in self.sensing.items()
            },
        }


@dataclass(frozen=True)
class EngagementTimeline:
    """Every warhead's engagement under each architecture, with what produced it.

    Attributes
    ----------
    architectures : dict of str to tuple of WarheadTimeline
        Per architecture, its warheads in the raid's order.
    dual_key : dict of str to bool
        Whether each architecture's launches need every party's consent.
    kill_assessment_s : float
        The doctrine's kill-assessment time, s.
    trial : int
        The trial shown as the nominal case.
    meta : dict
        Scenario, hash, version, raid, seed and trials.
    """

    architectures: dict[str, tuple[WarheadTimeline, ...]]
    dual_key: dict[str, bool]
    kill_assessment_s: float
    trial: int
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "trial": self.trial,
            "kill_assessment_s": self.kill_assessment_s,
            "architectures": {
                name: {
                    "dual_key": self.dual_key[name],
                    "warheads": [w.to_json() for w in warheads],
                }
                for name, warheads in self.architectures.items()
            },
            "meta": self.meta,
        }


def _warheads(
    ctx: BattleContext,
    trials: Trials,
    trial: int,
    sensing: dict[str, dict[str, Any]],
) -> tuple[WarheadTimeline, ...]:
    """Read each warhead's milestones from an architecture's trials."""
    dep = ctx.deployment
    geo = dep.geometry
    ka = ctx.rules.doctrine.kill_assessment_s
    batteries = [b.name for b in ctx.batteries]
    owners = np.array([b.owner for b in ctx.batteries] + [""], dtype=object)
    per = dep.warhead_threat
    counts = np.bincount(per, minlength=len(geo))
    times = {
        "fire_control": trials.fire_control_s,
        "requested": trials.requested_s,
        "authorised": trials.authorised_s,
        "launch": trials.first_launch_s,
        "intercept": trials.first_intercept_s,
        "kill_assessed": trials.first_intercept_s + ka,
        "reengage_launch": trials.reengage_launch_s,
        "reengage_intercept": trials.reengage_intercept_s,
    }
    out = []
    for w, i in enumerate(per):
        k = int(w - np.searchsorted(per, i))
        label = geo.threat_id[i] if counts[i] == 1 else f"{geo.threat_id[i]}#{k + 1}"
        reason = trials.reason[:, w]
        first = trials.battery[:, w]
        again = int(trials.reengage_battery[trial, w])
        party_of = owners[first]  # -1 → ''
        out.append(
            WarheadTimeline(
                threat=geo.threat_id[i],
                target=geo.target[i],
                warhead=w,
                label=label,
                launch_time_s=float(geo.launch_time_s[i]),
                impact_s=float(geo.flyouts.t_impact_s[i]),
                milestones={m: Spread.of(times[m][:, w], trial) for m in ENGAGEMENT_MILESTONES},
                decision_s=Spread.of(trials.authorised_s[:, w] - trials.requested_s[:, w], trial),
                margin_s=Spread.of(trials.margin_s[:, w], trial),
                killed=float(trials.killed[:, w].mean()),
                reasons={
                    REASONS[c]: float(np.mean(reason == c)) for c in np.unique(reason).tolist()
                },
                trial_killed=bool(trials.killed[trial, w]),
                trial_reason=REASONS[int(reason[trial])],
                trial_battery=batteries[first[trial]] if first[trial] >= 0 else "",
                trial_party=str(party_of[trial]),
                trial_reengage_battery=batteries[again] if again >= 0 else "",
                engaged_by={
                    p: float(np.mean(party_of == p)) for p in dep.parties if np.any(party_of == p)
                },
                sensing=sensing[geo.threat_id[i]],
            )
        )
    return tuple(out)


def engagement_timeline(
    scenario: Theatre | Scenario | str | None = None,
    architectures: tuple[str, ...] | list[str] = ARCHITECTURES,
    *,
    raid: str | None = None,
    threat: str | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    trial: int = 0,
    params: dict[str, Any] | None = None,
    rules: Rules | None = None,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = True,
    cache: bool = True,
) -> EngagementTimeline:
    """Compute every warhead's engagement under each architecture, nominal and over trials.

    Parameters
    ----------
    scenario : Theatre or Scenario or str or None
        A compiled theatre, a loaded scenario, a built-in name or file path;
        None for the default.
    architectures : sequence of str
        The architectures, as for :func:`~jointshield.analysis.runs.compare`.
    raid : str, optional
        The raid (default: the scenario's).
    threat : str, optional
        Only this threat's warheads (the trials are the whole raid's).
    trials, seed : int
        As for :func:`~jointshield.analysis.runs.compare`, whose trials these
        are (same scenario, raid, seed, parameters and rules: same numbers).
    trial : int
        The trial shown as the nominal case (default the first).
    params : dict, optional
        Architecture parameters (as ``--set`` gives them).
    rules : Rules, optional
        Doctrine, assignment method and hand-over time.
    workers : int
        Local worker processes.
    progress : bool or callable
        Progress bar (on a terminal) or a callback ``(done, total)``.
    cache : bool
        Whether deterministic geometry is read from and kept in the user's cache.

    Returns
    -------
    EngagementTimeline
        Per architecture, each warhead's milestones.

    Raises
    ------
    JointshieldError
        If ``trial`` is not one of the trials, or an architecture, threat or
        parameter is unknown.
    """
    _check_counts(trials, seed, workers, None, 1)
    if isinstance(trial, bool) or not isinstance(trial, int) or not 0 <= trial < trials:
        raise JointshieldError(f"trial: expected a trial number in [0, {trials - 1}], got {trial}")
    params, rules = _split_params(params, rules)
    archs = [architecture(a, **params) for a in architectures]
    theatre = theatre_of(scenario, cache=cache)
    deps = deploy_samples(theatre, raid, 1, seed)
    dep = deps[0]
    geo = dep.geometry
    if threat is not None and threat not in geo.threat_id:
        raise UnknownNameError("threat", threat, list(geo.threat_id))
    sensing_of: dict[str, dict[str, dict[str, Any]]] = {}
    for a in archs:
        if a.sharing not in sensing_of:
            tl = timeline(theatre, raid, sharing=a.sharing, cache=cache, geometry=geo)
            sensing_of[a.sharing] = {
                th.threat_id: {p: pt.shared for p, pt in th.parties.items()} for th in tl.threats
            }
    done: dict[int, tuple[WarheadTimeline, ...]] = {}
    ka = 0.0
    ran = architecture_trials(
        deps, archs, trials=trials, seed=seed, rules=rules, workers=workers, progress=progress
    )
    for j, (ctx, outcomes) in enumerate(ran):
        ka = ctx.rules.doctrine.kill_assessment_s
        rows = _warheads(ctx, outcomes, trial, sensing_of[archs[j].sharing])
        done[j] = tuple(r for r in rows if threat is None or r.threat == threat)
    meta = dep.origin.meta(raid=geo.raid, seed=seed, trials=trials, trial=trial)
    return EngagementTimeline(
        architectures={a.name: done[j] for j, a in enumerate(archs)},
        dual_key={a.name: a.dual_key for a in archs},
        kill_assessment_s=ka,
        trial=trial,
        meta=meta,
    )
