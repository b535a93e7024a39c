"""Monte Carlo studies a user asks for: one run, a comparison, a parameter sweep.

Each study compiles its scenario once
(:func:`jointshield.theatre.compile.theatre_of`) and deploys the raid once
(:func:`jointshield.battle.samples.deploy_samples`: the raid's flyouts, every
radar's view, the batteries' reach tables and intercept windows are shared by
every architecture of a comparison and every point of a sweep; with
``geometry_samples`` K > 1, once for each of K draws of the launch points and
times, the trials spread over them), runs the trials in
fixed blocks (:mod:`jointshield.montecarlo`: the same seed gives the same
numbers on one worker, many, or a Dask cluster), summarises them with 95 %
confidence intervals, and writes every trial as rows of two tidy Parquet
tables (:mod:`jointshield.report.trials`) plus the summary as JSON, each
recording the scenario's hash, the seed and the version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointshield.analysis.equality import Equality, write_equality
from jointshield.analysis.equality import equality as equality_of
from jointshield.architectures.presets import ARCHITECTURES, Architecture, architecture
from jointshield.battle.context import RULE_PARAMETERS, BattleContext, Deployment, Rules
from jointshield.battle.samples import (
    SampledContext,
    deploy_samples,
    prepare_samples,
    run_sampled_block,
    trial_samples,
)
from jointshield.battle.trial import Trials
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.montecarlo.blocks import BlockJob, check_dask, run_blocks, run_jobs
from jointshield.montecarlo.stats import (
    Estimate,
    grouped_mean_interval,
    mean_interval,
    wilson_interval,
)
from jointshield.montecarlo.store import check_folder, make_folder, write_json_atomic
from jointshield.montecarlo.sweep import (
    SweepPoint,
    TableWriter,
    claim_folder,
    grid_points,
    parse_grid,
    run_sweep,
)
from jointshield.report.trials import write_trials
from jointshield.scenario import Scenario
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

DEFAULT_TRIALS = 2000

DEFAULT_GEOMETRY_SAMPLES = 1
"""Geometry samples of a study when none is asked for: the nominal geometry."""

MAX_GEOMETRY_SAMPLES = 256
"""Most geometry samples of one study: each is a deployment (flights, radar views,
windows; 2–3 MiB for a built-in raid) held in memory and sent to every worker, and
takes about a quarter of a second to deploy."""

MAX_TRIALS = 1_000_000_000
"""Most trials of one run: at about 15,000 trials a second, a billion is a day's work."""

_COPIES = 4
"""Copies of the per-trial columns held at once at worst (blocks, joined, tables, file)."""


def _memory_bytes() -> int:
    """Physical memory of this machine, bytes (8 GiB where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 8 * 2**30


def trial_bytes(dep: Deployment) -> int:
    """Bytes that one trial's outcome takes in memory, from the raid's and theatre's sizes.

    Per warhead fourteen 8-byte columns and two 1-byte ones, per battery
    one, per asset one byte, and four per-trial totals.
    """
    warheads = len(dep.warhead_threat)
    return 114 * warheads + 8 * len(dep.batteries) + len(dep.assets) + 25


def _check_memory(dep: Deployment, trials: int) -> None:
    """Refuse a run whose per-trial outcomes would not fit in half of this machine's memory."""
    need = trials * trial_bytes(dep) * _COPIES
    have = _memory_bytes() // 2
    if need > have:
        raise JointshieldError(
            f"trials: {trials:,} trials of this raid need about {need / 2**30:,.1f} GiB of "
            f"memory, more than the {have / 2**30:,.1f} GiB (half of this machine's) a run "
            f"may use; expected at most {have // (trial_bytes(dep) * _COPIES):,} trials"
        )


def _wilson(successes: NDArray[Any], n: int) -> Estimate:
    k = float(np.sum(successes))
    lo, hi = wilson_interval(k, n)
    return Estimate(k / n, float(lo), float(hi), "probability")


def _mean(x: NDArray[Any]) -> Estimate:
    mean, lo, hi = mean_interval(np.asarray(x, dtype=float))
    return Estimate(float(mean), float(lo), float(hi), "mean")


@dataclass(frozen=True)
class Summary:
    """Aggregates of one run with 95 % confidence intervals (Wilson for probabilities)."""

    architecture: str
    trials: int
    p_no_leak: Estimate
    leakers: Estimate
    population_defended: Estimate
    interceptors: Estimate
    interceptors_per_kill: float
    p_asset_protected: dict[str, Estimate]
    first_launch_s: Estimate
    first_intercept_s: Estimate
    leak_reasons: dict[str, float]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "architecture": self.architecture,
            "trials": self.trials,
            "p_no_leak": self.p_no_leak.to_json(),
            "leakers": self.leakers.to_json(),
            "population_defended": self.population_defended.to_json(),
            "interceptors": self.interceptors.to_json(),
            "interceptors_per_kill": self.interceptors_per_kill,
            "p_asset_protected": {k: v.to_json() for k, v in self.p_asset_protected.items()},
            "first_launch_s": self.first_launch_s.to_json(),
            "first_intercept_s": self.first_intercept_s.to_json(),
            "leak_reasons": self.leak_reasons,
            "parameters": self.parameters,
        }


def summarise(
    ctx: BattleContext, trials: Trials, samples: NDArray[np.intp] | None = None
) -> Summary:
    """Aggregate per-trial outcomes into a :class:`Summary`.

    ``samples`` gives the geometry sample each trial flew
    (:func:`~jointshield.battle.samples.trial_samples`). With more than one,
    every interval counts the spread between the geometries
    (:func:`~jointshield.montecarlo.stats.grouped_mean_interval`), since the
    trials of one geometry share its launch points and times; otherwise
    probabilities get Wilson intervals and means Student's.
    """
    n = int(trials.leakers.shape[0])
    groups = samples if samples is not None and np.unique(samples).size > 1 else None

    def _p(successes: NDArray[Any], n: int, where: NDArray[np.intp] | None = groups) -> Estimate:
        if where is None:
            return _wilson(successes, n)
        value, lo, hi = grouped_mean_interval(np.asarray(successes, dtype=float), where)
        return Estimate(value, max(lo, 0.0), min(hi, 1.0), "probability")

    def _m(x: NDArray[Any], where: NDArray[np.intp] | None = groups) -> Estimate:
        if where is None or x.shape != where.shape:
            return _mean(x)
        return Estimate(*grouped_mean_interval(x, where), "mean")

    killed = trials.killed
    kills = float(killed.sum())
    spent = float(trials.interceptors.sum())
    attacked = float(ctx.asset_population.sum())
    engaged = np.isfinite(trials.first_launch_s)
    # Decision and battlespace times, on each threat's clock: from its launch to the
    # first interceptor's launch, and to the first intercept.
    first_launch = trials.first_launch_s[engaged] if engaged.any() else np.array([np.nan])
    first_int = trials.first_intercept_s[engaged] if engaged.any() else np.array([np.nan])
    engaged_groups = (
        np.broadcast_to(groups[:, None], engaged.shape)[engaged]
        if groups is not None and engaged.any()
        else None
    )
    leaked = ~killed
    codes, counts = np.unique(trials.reason[leaked], return_counts=True)
    total_leaks = max(int(leaked.sum()), 1)
    arch: Architecture = ctx.architecture
    return Summary(
        architecture=arch.name,
        trials=n,
        p_no_leak=_p(trials.no_leak, n),
        leakers=_m(trials.leakers),
        population_defended=_m(attacked - trials.population_hit),
        interceptors=_m(trials.interceptors),
        interceptors_per_kill=spent / kills if kills else float("nan"),
        p_asset_protected={a: _p(~trials.asset_hit[:, i], n) for i, a in enumerate(ctx.assets)},
        first_launch_s=_m(first_launch, engaged_groups),
        first_intercept_s=_m(first_int, engaged_groups),
        leak_reasons={
            REASONS[int(c)]: round(int(k) / total_leaks, 4)
            for c, k in zip(codes, counts, strict=True)
        },
        parameters=_arch_params(arch),
    )


def _split_params(
    params: Mapping[str, Any] | None, rules: Rules | None
) -> tuple[dict[str, Any], Rules | None]:
    """Separate the battle rules (``handover_s``, ``doctrine``, ...) from architecture parameters.

    Returns the architecture's parameters, and ``rules`` with the rules among
    ``params`` set (:meth:`Rules.with_params`, which validates them).
    """
    given = dict(params or {})
    rule_params = {k: given.pop(k) for k in list(given) if k in RULE_PARAMETERS}
    if not rule_params:
        return given, rules
    return given, (rules or Rules()).with_params(**rule_params)


def _arch_params(arch: Architecture) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: v for k, v in asdict(arch).items() if k != "name"}


def _metadata(ctx: BattleContext, seed: int, trials: int, geometry_samples: int) -> dict[str, str]:
    meta = dict(ctx.meta)
    meta.update(
        seed=seed,
        trials=trials,
        geometry_samples=geometry_samples,
        parameters=_arch_params(ctx.architecture),
    )
    return {k: json.dumps(v) if not isinstance(v, str) else v for k, v in meta.items()}


@dataclass(frozen=True)
class RunResult:
    """One architecture's run: its summary, where its files are, and its provenance."""

    summary: Summary
    meta: dict[str, Any]
    files: tuple[Path, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.summary.to_json(), "meta": self.meta, "files": [str(f) for f in self.files]}


def _check_counts(
    trials: int,
    seed: int,
    workers: int = 1,
    dask_address: str | None = None,
    geometry_samples: int = DEFAULT_GEOMETRY_SAMPLES,
) -> None:
    """Refuse bad trial counts, seeds, workers, samples and schedulers before any work."""
    if not isinstance(trials, int | np.integer) or trials < 1:
        raise JointshieldError(f"trials must be a whole number of at least 1, got {trials}")
    if trials > MAX_TRIALS:
        raise JointshieldError(
            f"trials: expected at most {MAX_TRIALS:,} (about a day's work), got {trials:,}"
        )
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise JointshieldError(f"seed must be a whole number of at least 0, got {seed}")
    if workers < 1:
        raise JointshieldError(f"workers must be at least 1, got {workers}")
    check_geometry_samples(geometry_samples)
    if dask_address is not None:
        check_dask(dask_address)


def check_geometry_samples(k: object, name: str = "geometry_samples") -> int:
    """Return ``k`` as a number of geometry samples, or refuse it naming ``name``.

    Raises
    ------
    JointshieldError
        Unless ``k`` is a whole number from 1 to :data:`MAX_GEOMETRY_SAMPLES`.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise JointshieldError(f"{name}: expected a whole number of at least 1, got {k!r}")
    if k > MAX_GEOMETRY_SAMPLES:
        raise JointshieldError(
            f"{name}: expected at most {MAX_GEOMETRY_SAMPLES:,} (each sample is a deployment "
            f"held in memory), got {k:,}"
        )
    return int(k)


def _deploy(
    scenario: Theatre | Scenario | str | None,
    raid: str | None,
    seed: int,
    geometry_samples: int,
    cache: bool = True,
) -> tuple[Deployment, ...]:
    """Compile the scenario once and deploy each geometry sample of the raid once.

    With ``cache``, the raid's flight, the radars' views and the reach tables
    are read from the user's geometry cache when it holds them
    (:mod:`jointshield.cache`); without, they are computed afresh.
    """
    return deploy_samples(theatre_of(scenario, cache=cache), raid, geometry_samples, seed)


def run(
    scenario: Theatre | Scenario | str | None = None,
    arch: str = "data-exchange",
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    rules: Rules | None = None,
    raid: str | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool | Callable[[int, int], None] = True,
    deployment: Deployment | Sequence[Deployment] | None = None,
    geometry_samples: int = DEFAULT_GEOMETRY_SAMPLES,
    cache: bool = True,
) -> RunResult:
    """Run one architecture on a raid: ``trials`` trials, summarised, written to ``out``.

    Parameters
    ----------
    scenario : Theatre or Scenario or str or None
        A compiled theatre, a loaded scenario, a built-in name or file path;
        None for the default.
    arch : str
        One of :data:`jointshield.architectures.presets.ARCHITECTURES`.
    trials, seed : int
        Number of trials and the seed (same seed, same numbers).
    params : dict, optional
        Architecture parameters to override (as ``--set`` gives them).
    rules : Rules, optional
        Doctrine, assignment method and hand-over time.
    raid : str, optional
        The raid (default: the scenario's).
    out : path, optional
        Folder for ``<arch>.parquet`` (every trial) and ``<arch>.json`` (summary).
    workers : int
        Local worker processes.
    dask_address : str, optional
        Address of a Dask scheduler to run the blocks on.
    progress : bool or callable
        Progress bar (on a terminal) or a callback ``(done, total)``.
    deployment : Deployment or sequence of Deployment, optional
        The raid already deployed against the theatre (reused across runs):
        one deployment, or one per geometry sample
        (:func:`~jointshield.battle.samples.deploy_samples` with this run's
        seed and ``geometry_samples``).
    geometry_samples : int
        Draws of the raid's launch points and times
        (:func:`~jointshield.flight.raid.sample_plans`, seeded by ``seed``),
        each deployed once, the trials spread evenly over them; 1 flies the
        nominal geometry (every threat from its area's centre, on time).
    cache : bool
        Whether the deterministic geometry (the raid's flight, the radars'
        views, the reach tables) is read from and kept in the user's cache
        (:mod:`jointshield.cache`); the results are the same bytes either way.

    Returns
    -------
    RunResult
        Summary with confidence intervals, provenance and written files.
    """
    _check_counts(trials, seed, workers, dask_address, geometry_samples)
    params, rules = _split_params(params, rules)
    the_arch = architecture(arch, **params)
    if out is not None:
        check_folder(out)
    if deployment is None:
        deps = _deploy(scenario, raid, seed, geometry_samples, cache)
    else:
        deps = (deployment,) if isinstance(deployment, Deployment) else tuple(deployment)
        if len(deps) != geometry_samples:
            raise JointshieldError(
                f"geometry_samples: {geometry_samples} asked for, {len(deps)} deployments given"
            )
    _check_memory(deps[0], trials)
    if out is not None:
        _claim(out, deps, seed=seed, trials=trials, params=params, rules=rules)
    return _run(
        deps,
        the_arch,
        trials=trials,
        seed=seed,
        rules=rules,
        out=out,
        workers=workers,
        dask_address=dask_address,
        progress=progress,
    )


def _run(
    deps: tuple[Deployment, ...],
    the_arch: Architecture,
    *,
    trials: int,
    seed: int,
    rules: Rules | None,
    out: str | Path | None,
    workers: int,
    dask_address: str | None,
    progress: bool | Callable[[int, int], None],
) -> RunResult:
    """Do :func:`run`'s work once its inputs are checked."""
    sctx = prepare_samples(deps, arch=the_arch, rules=rules)
    outcomes = _simulate(sctx, trials, seed, workers, dask_address, progress)
    return _finish(deps, sctx, outcomes, trials=trials, seed=seed, out=out)


def _finish(
    deps: tuple[Deployment, ...],
    sctx: SampledContext,
    outcomes: Trials,
    *,
    trials: int,
    seed: int,
    out: str | Path | None,
) -> RunResult:
    """Summarise one architecture's trials and write its files to ``out``."""
    ctx = sctx.first
    the_arch = ctx.architecture
    summary = summarise(ctx, outcomes, trial_samples(len(deps), trials, seed))
    meta = {**ctx.meta, "seed": seed, "trials": trials, "geometry_samples": len(deps)}
    files: list[Path] = []
    if out is not None:
        folder = make_folder(out)
        metadata = _metadata(ctx, seed, trials, len(deps))
        files.extend(write_trials(folder / f"{the_arch.name}.parquet", ctx, outcomes, metadata))
        files.append(
            write_json_atomic(folder / f"{the_arch.name}.json", {**summary.to_json(), "meta": meta})
        )
    return RunResult(summary, meta, tuple(files))


def _simulate(
    sctx: SampledContext,
    trials: int,
    seed: int,
    workers: int,
    dask_address: str | None,
    progress: bool | Callable[[int, int], None],
) -> Trials:
    """Run the trials of a prepared battle over its geometry samples, in blocks."""
    columns = run_blocks(
        run_sampled_block,
        sctx,
        trials,
        seed,
        workers=workers,
        dask_address=dask_address,
        progress=progress,
    )
    return Trials.from_columns(columns)


def _claim(
    out: str | Path,
    deps: tuple[Deployment, ...],
    *,
    seed: int,
    trials: int,
    params: dict[str, Any] | None,
    rules: Rules | None,
) -> None:
    """Refuse an ``out`` folder that holds another run's files, or mark it as this run's.

    Runs of several architectures with the same scenario, raid, seed, trials,
    parameters and rules may share a folder (as a comparison's do); anything
    else would mix two studies.
    """
    dep = deps[0]
    identity = dep.origin.meta(
        kind="run",
        raid=dep.geometry.raid,
        seed=int(seed),
        trials=int(trials),
        geometry_samples=len(deps),
        parameters=dict(sorted((params or {}).items())),
        rules=None if rules is None else repr(rules),
    )
    claim_folder(out, identity, kind="run")


@dataclass(frozen=True)
class Comparison:
    """Several architectures run on the same raid with the same seed."""

    results: tuple[RunResult, ...]
    meta: dict[str, Any]
    equality: tuple[Equality, ...] = ()
    """Per architecture and party, its launch decisions and overflights (when asked)."""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``equality`` only when it was counted)."""
        out: dict[str, Any] = {
            "architectures": [r.to_json() for r in self.results],
            "meta": self.meta,
        }
        if self.equality:
            out["equality"] = [e.to_json() for e in self.equality]
        return out


def compare(
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
    dask_address: str | None = None,
    progress: bool | Callable[[int, int], None] = True,
    geometry_samples: int = DEFAULT_GEOMETRY_SAMPLES,
    deployment: Sequence[Deployment] | None = None,
    cache: bool = True,
    equality: bool = False,
) -> Comparison:
    """Run every architecture on the same raid and seed, and put the results side by side.

    The scenario is compiled once and the raid deployed once per geometry
    sample (flown, seen by every radar, with the batteries' reach and
    intercept windows) for all architectures; ``geometry_samples`` is as for
    :func:`run`. Parameters in ``params`` apply to every architecture that
    has them. ``deployment`` gives the geometry samples already deployed
    and ``cache`` says whether geometry is cached (as for :func:`run`).

    With ``workers`` > 1 or ``dask_address``, every architecture's blocks
    run at once on one pool or one Dask client
    (:func:`~jointshield.montecarlo.blocks.run_jobs`): the deployments are
    sent once to each worker, each architecture's context as what it adds
    to them, and the numbers are those of one process, byte for byte.

    With ``equality``, each architecture's launch decisions and interceptor
    flights over the other parties' sectors are counted from its trials
    (:func:`jointshield.analysis.equality.equality`; the theatre's sectors,
    so ``scenario`` is needed even with ``deployment``).
    """
    _check_counts(trials, seed, workers, dask_address, geometry_samples)
    # An unknown name raises with the list of valid ones, before any work.
    params, rules = _split_params(params, rules)
    archs = [architecture(a, **params) for a in architectures]
    if out is not None:
        check_folder(out)
    theatre = theatre_of(scenario, cache=cache) if deployment is None or equality else None
    if deployment is None:
        assert theatre is not None
        deps = deploy_samples(theatre, raid, geometry_samples, seed)
    else:
        deps = tuple(deployment)
        if len(deps) != geometry_samples:
            raise JointshieldError(
                f"geometry_samples: {geometry_samples} asked for, {len(deps)} deployments given"
            )
    dep = deps[0]
    _check_memory(dep, trials)
    if out is not None:
        _claim(out, deps, seed=seed, trials=trials, params=params, rules=rules)
    # Every architecture's blocks at once, on one pool or one Dask client; the
    # deployments travel once, each architecture's context as what it adds.
    jobs = [
        BlockJob(
            run_sampled_block, partial(prepare_samples, deps, arch=a, rules=rules), trials, seed
        )
        for a in archs
    ]
    done: dict[int, RunResult] = {}
    counted: dict[int, tuple[Equality, ...]] = {}
    for j, sctx, columns in run_jobs(
        jobs, shared=deps, workers=workers, dask_address=dask_address, progress=progress
    ):
        outcomes = Trials.from_columns(columns)
        done[j] = _finish(deps, sctx, outcomes, trials=trials, seed=seed, out=out)
        if theatre is not None and equality:
            counted[j] = equality_of(sctx.first, outcomes, theatre.sectors)
    results = tuple(done[j] for j in range(len(archs)))
    meta = dep.origin.meta(
        raid=dep.geometry.raid, seed=seed, trials=trials, geometry_samples=len(deps)
    )
    comparison = Comparison(results, meta, tuple(e for j in sorted(counted) for e in counted[j]))
    if out is not None and comparison.equality:
        write_equality(comparison.equality, Path(out) / "equality.parquet", meta)
    if out is not None:
        write_json_atomic(Path(out) / "comparison.json", comparison.to_json())
    return comparison


def architecture_trials(
    deps: tuple[Deployment, ...],
    archs: Sequence[Architecture],
    *,
    trials: int,
    seed: int,
    rules: Rules | None = None,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = True,
) -> list[tuple[BattleContext, Trials]]:
    """Run several architectures' trials on the same deployments and seed, as :func:`compare` does.

    Returns
    -------
    list of (BattleContext, Trials)
        Per architecture, in order: its (first) context and its trials,
        number for number those of :func:`compare` with the same inputs.
    """
    jobs = [
        BlockJob(
            run_sampled_block, partial(prepare_samples, deps, arch=a, rules=rules), trials, seed
        )
        for a in archs
    ]
    done: dict[int, tuple[BattleContext, Trials]] = {}
    for j, sctx, columns in run_jobs(jobs, shared=deps, workers=workers, progress=progress):
        done[j] = (sctx.first, Trials.from_columns(columns))
    return [done[j] for j in range(len(archs))]


def sweep(
    scenario: Theatre | Scenario | str | None,
    arch: str,
    grids: Sequence[str],
    out: str | Path,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    rules: Rules | None = None,
    raid: str | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool = True,
    geometry_samples: int = DEFAULT_GEOMETRY_SAMPLES,
    cache: bool = True,
) -> list[dict[str, Any]]:
    """Run one architecture over a grid of parameters, checkpointing each finished point.

    ``grids`` are specifications such as ``latency_s=0:60:7`` (start:stop:count)
    or ``veto_probability=0,0.1,0.5``; the sweep runs their Cartesian product.
    Each finished point is written to ``out`` at once; a rerun skips the
    points already there, and a folder that holds another scenario's or
    architecture's sweep is refused rather than mixed. The raid is deployed
    once per geometry sample (``geometry_samples``, as for :func:`run`) for
    every point; ``cache`` is as for :func:`run`.

    With ``workers`` > 1 or ``dask_address``, the points still to run have
    their blocks run together on one pool or one Dask client (the
    deployments sent once to each worker), so that a sweep fills the
    cluster; each point is written as soon as its last block is back, and
    an interruption loses only the points in flight. The files are those of
    one process, byte for byte.
    """
    _check_counts(trials, seed, workers, dask_address, geometry_samples)
    parsed = [parse_grid(g) for g in grids]
    points = grid_points(parsed)  # refuses a grid of too many points
    params, rules = _split_params(params, rules)
    base = architecture(arch, **params)
    for name, values in parsed:
        for value in values:  # every value is checked before any point runs
            point_params, _ = _split_params({name: value}, rules)
            base.with_params(**point_params)
    check_folder(out)
    deps = _deploy(scenario, raid, seed, geometry_samples, cache)
    dep = deps[0]
    _check_memory(dep, trials)
    manifest = dep.origin.meta(
        raid=dep.geometry.raid,
        architecture=arch,
        seed=seed,
        trials=trials,
        geometry_samples=len(deps),
        grid={name: [float(v) for v in values] for name, values in parsed},
        parameters={k: v for k, v in (params or {}).items()},
    )

    def prepare_point(point: SweepPoint) -> SampledContext:
        point_params, point_rules = _split_params(point.params, rules)
        return prepare_samples(deps, arch=base.with_params(**point_params), rules=point_rules)

    def finish_point(
        point: SweepPoint, sctx: SampledContext, outcomes: Trials
    ) -> tuple[TableWriter, dict[str, Any]]:
        ctx = sctx.first

        def write(path: Path, metadata: dict[str, str]) -> None:
            write_trials(path, ctx, outcomes, metadata)

        summary = summarise(ctx, outcomes, trial_samples(len(deps), trials, seed))
        return write, {"point": point.params, **summary.to_json()}

    def run_points(
        todo: Sequence[SweepPoint],
    ) -> Iterator[tuple[SweepPoint, tuple[TableWriter, dict[str, Any]]]]:
        # Every point's blocks in this process (one point after the other), or on one
        # pool or Dask client with the deployments sent once; each point is written as
        # soon as its last block is back.
        jobs = [BlockJob(run_sampled_block, partial(prepare_point, p), trials, seed) for p in todo]
        for j, sctx, columns in run_jobs(
            jobs, shared=deps, workers=workers, dask_address=dask_address, progress=False
        ):
            yield todo[j], finish_point(todo[j], sctx, Trials.from_columns(columns))

    return run_sweep(Path(out), points, manifest=manifest, progress=progress, run_points=run_points)
