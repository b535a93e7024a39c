"""Exercises: how each architecture degrades under each of a list of named faults.

:func:`exercise` runs every architecture once without the cases' faults (the
scenario's own faults stay) and once with each case's, on the same raid,
seed and trials, and gives per case and architecture the outcome with and
without the fault and the paired difference, trial by trial, with its 95 %
*t* interval: the seeds are the same, so what the trials share cancels out
of the difference. Where a fault removes a sensor or battery, the streams of
the random draws that follow it in the engine's order shift, so the pairing
is looser (the difference is still unbiased).

The faults are scenario entries (:class:`~jointshield.scenario.model.Fault`),
read from an exercise file by :func:`~jointshield.scenario.faults.load_exercise`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jointshield.analysis.runs import (
    DEFAULT_TRIALS,
    _check_counts,
    _split_params,
    _wilson,
    architecture_trials,
)
from jointshield.architectures.presets import ARCHITECTURES, architecture
from jointshield.battle.context import Rules
from jointshield.battle.samples import deploy_samples
from jointshield.battle.trial import Trials
from jointshield.errors import JointshieldError
from jointshield.montecarlo.stats import Estimate
from jointshield.montecarlo.store import write_json_atomic, write_rows
from jointshield.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from jointshield.scenario.model import Fault
from jointshield.theatre.compile import theatre_of

__all__ = ["Degradation", "Exercise", "exercise", "write_exercise"]


@dataclass(frozen=True)
class Degradation:
    """One architecture under one case's faults, against its fault-free run on the same seeds.

    Attributes
    ----------
    case, architecture : str
        The case's name and the architecture.
    faults : tuple of str
        What the case does (:meth:`~jointshield.scenario.model.Fault.describe`).
    p_no_leak, p_no_leak_faulted, p_no_leak_change : Estimate
        Probability that no warhead leaks without and with the faults, and
        the paired difference (with − without).
    population_hit, population_hit_faulted, population_hit_change : Estimate
        Mean population of the assets hit, without and with the faults, and
        the paired difference.
    """

    case: str
    architecture: str
    faults: tuple[str, ...]
    p_no_leak: Estimate
    p_no_leak_faulted: Estimate
    p_no_leak_change: Estimate
    population_hit: Estimate
    population_hit_faulted: Estimate
    population_hit_change: Estimate

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "case": self.case,
            "architecture": self.architecture,
            "faults": list(self.faults),
            "p_no_leak": self.p_no_leak.to_json(),
            "p_no_leak_faulted": self.p_no_leak_faulted.to_json(),
            "p_no_leak_change": self.p_no_leak_change.to_json(),
            "population_hit": self.population_hit.to_json(),
            "population_hit_faulted": self.population_hit_faulted.to_json(),
            "population_hit_change": self.population_hit_change.to_json(),
        }

    def row(self) -> dict[str, Any]:
        """Return the flat columns of one table row."""
        out: dict[str, Any] = {"case": self.case, "architecture": self.architecture}
        for name in (
            "p_no_leak",
            "p_no_leak_faulted",
            "p_no_leak_change",
            "population_hit",
            "population_hit_faulted",
            "population_hit_change",
        ):
            out.update(getattr(self, name).columns(name))
        return out


@dataclass(frozen=True)
class Exercise:
    """Every case's degradation of every architecture, with what produced them."""

    degradations: tuple[Degradation, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"degradations": [d.to_json() for d in self.degradations], "meta": self.meta}


def _paired(base: Trials, faulted: Trials) -> tuple[Estimate, ...]:
    """Return the two runs' P(no leak) (Wilson) and population hit, and their paired changes."""
    b_ok, f_ok = base.no_leak.astype(float), faulted.no_leak.astype(float)
    b_hit, f_hit = base.population_hit, faulted.population_hit
    return (
        _wilson(base.no_leak, base.n_trials),
        _wilson(faulted.no_leak, faulted.n_trials),
        Estimate.from_samples(f_ok - b_ok),
        Estimate.from_samples(b_hit),
        Estimate.from_samples(f_hit),
        Estimate.from_samples(f_hit - b_hit),
    )


def exercise(
    scenario: Scenario | str | None,
    cases: Mapping[str, Sequence[Fault]],
    architectures: Sequence[str] = ARCHITECTURES,
    *,
    raid: str | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    rules: Rules | None = None,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = True,
    cache: bool = True,
) -> Exercise:
    """Run each architecture without and with each case's faults, on the same seeds.

    Parameters
    ----------
    scenario : Scenario or str or None
        A loaded scenario, a built-in name or a file; None for the default.
        Its own faults apply to every run.
    cases : mapping of str to sequence of Fault
        The named cases (:func:`~jointshield.scenario.faults.load_exercise`).
    architectures : sequence of str
        The architectures.
    raid, trials, seed, params, rules, workers, progress, cache
        As for :func:`~jointshield.analysis.runs.compare`.

    Returns
    -------
    Exercise
        Per case and architecture, the outcome with and without the faults.

    Raises
    ------
    JointshieldError
        If there is no case, or a run's inputs are refused (a fault's window
        outside the raid's time among them).
    """
    _check_counts(trials, seed, workers, None, 1)
    if not cases:
        raise JointshieldError("exercise: expected at least one case of faults")
    params, rules = _split_params(params, rules)
    archs = [architecture(a, **params) for a in architectures]
    if isinstance(scenario, Scenario):
        base = scenario
    else:
        base = load_scenario(scenario or DEFAULT_SCENARIO)
    theatre = theatre_of(base, cache=cache)

    def runs(source: Scenario) -> list[Trials]:
        compiled = theatre_of(source, reach=theatre.reach, cache=cache)
        deps = deploy_samples(compiled, raid, 1, seed)
        ran = architecture_trials(
            deps, archs, trials=trials, seed=seed, rules=rules, workers=workers, progress=progress
        )
        return [t for _, t in ran]

    without = runs(base)
    out: list[Degradation] = []
    for name, faults in cases.items():
        with_faults = runs(base.model_copy(update={"faults": base.faults + tuple(faults)}))
        described = tuple(f.describe() for f in faults)
        for a, b, f in zip(archs, without, with_faults, strict=True):
            out.append(Degradation(name, a.name, described, *_paired(b, f)))
    meta = theatre.origin.meta(
        raid=raid or theatre.default_raid, seed=seed, trials=trials, cases=list(cases)
    )
    return Exercise(tuple(out), meta)


def write_exercise(result: Exercise, folder: str | Path) -> tuple[Path, Path]:
    """Write ``exercise.json`` and ``exercise.parquet`` (one row per case and architecture)."""
    path = Path(folder)
    meta = {k: str(v) for k, v in result.meta.items()}
    table = write_rows(
        path / "exercise.parquet",
        [d.row() for d in result.degradations],
        ("case", "architecture"),
        meta,
    )
    return write_json_atomic(path / "exercise.json", result.to_json()), table
