"""Where an architecture's gain over ``national`` comes from: its levers, one at a time.

An architecture differs from ``national`` in a few levers, each a group of
its parameters (:data:`LEVERS`):

==================  ==========================================================
lever               parameters
==================  ==========================================================
sharing             ``sharing``: what crosses the links (cues, tracks)
other party's data  ``other_party_tracks``: firing on the other party's tracks
fused picture       ``fused_picture``: fusing both parties' tracks
responsibility      ``defend``: own assets, all, or by sector
dual key            ``dual_key`` and its costs (``consent_delay_s``,
                    ``authorise_from``, the veto parameters)
==================  ==========================================================

Starting from ``national`` (with the study's common parameters, such as a
latency set for every architecture), :func:`explain` switches the levers to
the architecture's values one at a time, in that order, and fights the raid
after each switch on the same seed and the same geometry (common random
numbers). The gain of a lever is the change in each outcome it brings; the
gains add up, exactly, to the architecture's difference from ``national``.
The split depends on the order (a lever's effect can depend on those
switched before it): the order above follows what a cooperation adds step
by step, from data on the wire to a joint command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from jointshield.analysis.runs import (
    DEFAULT_GEOMETRY_SAMPLES,
    DEFAULT_TRIALS,
    Comparison,
    Summary,
    _check_counts,
    _deploy,
    _simulate,
    _split_params,
    compare,
    summarise,
)
from jointshield.architectures.presets import ARCHITECTURES, Architecture, architecture
from jointshield.battle.context import Deployment, Rules
from jointshield.battle.samples import prepare_samples
from jointshield.montecarlo.store import write_json_atomic
from jointshield.scenario import Scenario
from jointshield.theatre.model import Theatre

__all__ = ["LEVERS", "Explanation", "LeverStep", "compare_explained", "explain"]

LEVERS: Final[Mapping[str, tuple[str, ...]]] = {
    "sharing": ("sharing",),
    "other party's data": ("other_party_tracks",),
    "fused picture": ("fused_picture",),
    "responsibility": ("defend",),
    "dual key": (
        "dual_key",
        "consent_delay_s",
        "authorise_from",
        "veto_probability",
        "veto_own_territory",
        "veto_other_battery",
        "veto_scope",
    ),
}
"""The levers in the order they are switched, and the parameters each one sets."""

OUTCOMES: Final[tuple[str, ...]] = (
    "population_defended",
    "leakers",
    "p_no_leak",
    "interceptors",
)
"""The outcomes whose changes are attributed (means over the trials)."""


@dataclass(frozen=True)
class LeverStep:
    """One lever switched: the outcomes after it and what it changed.

    Attributes
    ----------
    lever : str
        The lever's name (a key of :data:`LEVERS`).
    changed : dict
        The parameters it set, and their values (empty: the architecture
        has ``national``'s values, so the step changes nothing).
    outcomes : dict of str to float
        The means of :data:`OUTCOMES` after the switch.
    gain : dict of str to float
        Their changes from the step before.
    """

    lever: str
    changed: dict[str, Any]
    outcomes: dict[str, float]
    gain: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "lever": self.lever,
            "changed": self.changed,
            "outcomes": self.outcomes,
            "gain": self.gain,
        }


@dataclass(frozen=True)
class Explanation:
    """An architecture's difference from ``national``, lever by lever."""

    architecture: str
    baseline: dict[str, float]
    steps: tuple[LeverStep, ...]

    @property
    def total(self) -> dict[str, float]:
        """The architecture's outcomes minus ``national``'s: the sum of the steps' gains."""
        final = self.steps[-1].outcomes if self.steps else self.baseline
        return {k: final[k] - self.baseline[k] for k in OUTCOMES}

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "architecture": self.architecture,
            "baseline": self.baseline,
            "steps": [s.to_json() for s in self.steps],
            "total": self.total,
        }


def _means(summary: Summary) -> dict[str, float]:
    return {k: float(getattr(summary, k).value) for k in OUTCOMES}


def explain(
    deployments: Sequence[Deployment],
    architectures: Sequence[str | Architecture],
    *,
    trials: int,
    seed: int,
    params: Mapping[str, object] | None = None,
    rules: Rules | None = None,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = False,
) -> tuple[Explanation, ...]:
    """Attribute each architecture's gain over ``national`` to its levers.

    Parameters
    ----------
    deployments : sequence of Deployment
        The raid's geometry samples (``battle.samples.deploy_samples``),
        shared by every step.
    architectures : sequence of str or Architecture
        The architectures to explain (``national`` explains to nothing).
    trials, seed : int
        Trials of every step and their seed: the same for all (common
        random numbers).
    params : mapping, optional
        Parameters set on every architecture, ``national`` included.
    rules : Rules, optional
        Battle rules of every step.
    workers : int
        Local worker processes.
    progress : bool or callable
        As for :func:`jointshield.montecarlo.blocks.run_blocks`.

    Returns
    -------
    tuple of Explanation
        One per architecture, in order.
    """
    common, rules = _split_params(params, rules)
    deps = tuple(deployments)
    cache: dict[Architecture, dict[str, float]] = {}

    def outcomes(arch: Architecture) -> dict[str, float]:
        key = dataclasses.replace(arch, name="national")
        if key not in cache:
            sctx = prepare_samples(deps, arch=key, rules=rules)
            got = _simulate(sctx, trials, seed, workers, None, progress)
            cache[key] = _means(summarise(sctx.first, got))
        return cache[key]

    base_arch = architecture("national", **common)
    baseline = outcomes(base_arch)
    out = []
    for item in architectures:
        target = architecture(item, **common) if isinstance(item, str) else item
        current, before = base_arch, baseline
        steps = []
        for lever, names in LEVERS.items():
            changed = {
                name: getattr(target, name)
                for name in names
                if getattr(target, name) != getattr(current, name)
            }
            if changed:
                current = dataclasses.replace(current, **changed)
            after = outcomes(current)
            steps.append(
                LeverStep(
                    lever=lever,
                    changed=changed,
                    outcomes=after,
                    gain={k: after[k] - before[k] for k in OUTCOMES},
                )
            )
            before = after
        out.append(Explanation(target.name, baseline, tuple(steps)))
    return tuple(out)


def compare_explained(
    scenario: Theatre | Scenario | str | None = None,
    architectures: Sequence[str] = ARCHITECTURES,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    rules: Rules | None = None,
    raid: str | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = True,
    geometry_samples: int = DEFAULT_GEOMETRY_SAMPLES,
    cache: bool = True,
) -> tuple[Comparison, tuple[Explanation, ...]]:
    """Compare the architectures, and explain each one's gain over ``national`` by lever.

    The raid is deployed once for both (:func:`jointshield.analysis.runs.compare`
    and :func:`explain`, same trials and seed); with ``out``, the
    explanation is written beside the comparison as ``explain.json``;
    ``cache`` is as for :func:`~jointshield.analysis.runs.run`.

    Returns
    -------
    comparison : Comparison
    explanations : tuple of Explanation
        One per architecture other than ``national``, in order.
    """
    _check_counts(trials, seed, workers, None, geometry_samples)
    from_params, _ = _split_params(params, rules)
    for name in architectures:
        architecture(name, **from_params)  # an unknown name or value, before any work
    deps = _deploy(scenario, raid, seed, geometry_samples, cache)
    comparison = compare(
        scenario,
        architectures,
        trials=trials,
        seed=seed,
        params=params,
        rules=rules,
        raid=raid,
        out=out,
        workers=workers,
        progress=progress,
        geometry_samples=geometry_samples,
        deployment=deps,
    )
    explained = explain(
        deps,
        [a for a in architectures if a != "national"],
        trials=trials,
        seed=seed,
        params=params,
        rules=rules,
        workers=workers,
        progress=progress,
    )
    if out is not None:
        write_json_atomic(
            Path(out) / "explain.json",
            {"explain": [e.to_json() for e in explained], "meta": comparison.meta},
        )
    return comparison, explained
