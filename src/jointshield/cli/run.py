"""``jointshield run | compare | sweep | architectures``: Monte Carlo studies.

Each command parses, makes one call of :mod:`jointshield.analysis.runs`, and
prints a table with 95 % confidence intervals (or JSON with ``--json``).
The API is imported when a command runs, so that ``--help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from jointshield.cli._app import app
from jointshield.cli._output import print_grid, print_json
from jointshield.errors import JointshieldError
from jointshield.report.tables import (
    architectures_grid,
    comparison_grid,
    dependency_grid,
    equality_grid,
    explain_grid,
    sweep_grid,
)

DEFAULT_TRIALS = 2000
"""Trials of a run when ``--trials`` is not given (the API's ``DEFAULT_TRIALS``)."""

DEFAULT_GEOMETRY_SAMPLES = 1
"""Geometry samples when ``--geometry-samples`` is not given (the API's default)."""

ScenarioArg = Annotated[
    str | None, typer.Argument(help="Built-in scenario name or YAML file (default: europe-2011).")
]
TrialsOpt = Annotated[int, typer.Option("--trials", "-n", help="Monte Carlo trials.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same numbers.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Architecture parameter or battle rule, KEY=VALUE (repeatable), e.g. latency_s=10 "
        "or handover_s=20 (see jointshield architectures).",
    ),
]
OutOpt = Annotated[
    str | None, typer.Option("--out", help="Folder for the per-trial Parquet and JSON.")
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Local worker processes.")]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask", help="Dask scheduler address (default: $DASK_SCHEDULER_ADDRESS if set)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
RaidOpt = Annotated[str | None, typer.Option("--raid", help="Raid (default: the scenario's).")]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Compute the raid's flight, the radars' views and the reach tables afresh, "
        "without reading or writing the geometry cache (see jointshield cache).",
    ),
]
SamplesOpt = Annotated[
    int,
    typer.Option(
        "--geometry-samples",
        help="Draws of the raid's launch points (in their launch areas) and launch times "
        "(within their jitter), the trials spread over them; 1: the nominal geometry.",
    ),
]


ArchitecturesOpt = Annotated[
    str | None,
    typer.Option("--architectures", help="Comma-separated architectures (default: all five)."),
]


def _architectures(text: str | None) -> tuple[str, ...]:
    """Return the ``--architectures`` names, or all five."""
    from jointshield.architectures.presets import ARCHITECTURES

    if not text:
        return ARCHITECTURES
    names = tuple(a.strip() for a in text.split(","))
    if not all(names):
        raise JointshieldError("--architectures: expected a comma-separated list of names")
    return names


FaultOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fault",
        help="A fault added to the scenario's, as in its faults section (repeatable), e.g. "
        "'sensor: tpy-2-kurecik, start_s: 100, end_s: 400', 'link: NATO->fusion, "
        "latency_s: 10' or 'party: Russia, authorisation_delay_s: 60'.",
    ),
]


def _with_faults(scenario: str | None, faults: list[str] | None) -> Any:
    """Return the scenario named with the ``--fault`` entries added (the name if none)."""
    if not faults:
        return scenario
    from jointshield.scenario import DEFAULT_SCENARIO, load_scenario
    from jointshield.scenario.faults import add_faults

    return add_faults(load_scenario(scenario or DEFAULT_SCENARIO), faults)


def _params(items: list[str] | None) -> dict[str, Any]:
    """Architecture parameters, typed; battle rules kept as given (``run`` validates them)."""
    from jointshield.architectures.presets import parse_set
    from jointshield.battle.context import RULE_PARAMETERS

    items = list(items or [])
    rules = [i for i in items if str(i).partition("=")[0].strip() in RULE_PARAMETERS]
    out: dict[str, Any] = dict(parse_set([i for i in items if i not in rules]))
    for item in rules:
        key, _, value = str(item).partition("=")
        if not value.strip():
            raise JointshieldError(f"--set {item!r}: expected NAME=VALUE, e.g. handover_s=20")
        out[key.strip()] = value.strip()
    return out


def _dask(address: str | None) -> str | None:
    return address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _progress() -> bool:
    return sys.stderr.isatty()


def _samples(k: int) -> int:
    from jointshield.analysis.runs import check_geometry_samples

    return check_geometry_samples(k, "--geometry-samples")


@app.command("run")
def run_command(
    scenario: ScenarioArg = None,
    arch: Annotated[
        str, typer.Option("--architecture", "-a", help="Architecture to run.")
    ] = "data-exchange",
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    set_: SetOpt = None,
    raid: RaidOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: JsonOpt = False,
    geometry_samples: SamplesOpt = DEFAULT_GEOMETRY_SAMPLES,
    fault: FaultOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Run one architecture on a raid and print its outcome with confidence intervals."""
    from jointshield.analysis.runs import run

    samples = _samples(geometry_samples)
    result = run(
        _with_faults(scenario, fault),
        arch,
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        out=out,
        workers=workers,
        dask_address=_dask(dask),
        progress=_progress(),
        geometry_samples=samples,
        cache=not no_cache,
    )
    if as_json:
        print_json(result.to_json())
    else:
        print_grid(comparison_grid([result.summary.to_json()], result.meta))


@app.command("compare")
def compare_command(
    scenario: ScenarioArg = None,
    architectures: ArchitecturesOpt = None,
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    set_: SetOpt = None,
    raid: RaidOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: JsonOpt = False,
    geometry_samples: SamplesOpt = DEFAULT_GEOMETRY_SAMPLES,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also split each architecture's gain over national by lever "
            "(sharing, other party's data, fused picture, responsibility, dual key).",
        ),
    ] = False,
    dependency: Annotated[
        bool,
        typer.Option(
            "--dependency",
            help="Also show how much of each party's defended population rests on the other "
            "parties' assets (each party's own assets only, same seeds).",
        ),
    ] = False,
    equality: Annotated[
        bool,
        typer.Option(
            "--equality",
            help="Also count who decides each launch (alone, with consent, can veto) and the "
            "interceptors that fly over the other party's sectors.",
        ),
    ] = False,
    fault: FaultOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Run the architectures side by side on the same raid and seed."""
    from jointshield.analysis.attribution import dependency as dependency_of
    from jointshield.analysis.attribution import write_dependency
    from jointshield.analysis.explain import compare_explained
    from jointshield.analysis.runs import compare
    from jointshield.montecarlo.store import write_json_atomic

    scenario = _with_faults(scenario, fault)
    samples = _samples(geometry_samples)
    names = _architectures(architectures)
    study: dict[str, Any] = dict(
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        out=out,
        workers=workers,
        progress=_progress(),
        geometry_samples=samples,
        cache=not no_cache,
    )
    if explain:
        if _dask(dask):
            raise JointshieldError("--explain runs locally: leave out --dask")
        if equality:
            raise JointshieldError("--equality is counted by compare itself: leave out --explain")
        result, explained = compare_explained(scenario, names, **study)
    else:
        result = compare(scenario, names, dask_address=_dask(dask), equality=equality, **study)
        explained = ()
    levers = [e.to_json() for e in explained]
    depends: list[dict[str, Any]] = []
    if dependency:
        found = dependency_of(
            scenario,
            names,
            trials=trials,
            seed=seed,
            params=study["params"],
            raid=raid,
            geometry_samples=samples,
            cache=not no_cache,
        )
        depends = [d.to_json() for d in found]
        if out is not None:
            write_dependency(found, Path(out) / "dependency.parquet", result.meta)
    data = result.to_json()
    if explain:
        data["explain"] = levers
    if dependency:
        data["dependency"] = depends
        if out is not None:
            write_json_atomic(Path(out) / "comparison.json", data)
    if as_json:
        print_json(data)
        return
    print_grid(comparison_grid([r.summary.to_json() for r in result.results], result.meta))
    if levers:
        print_grid(explain_grid(levers))
    if depends:
        print_grid(dependency_grid(depends))
    if result.equality:
        print_grid(equality_grid([e.to_json() for e in result.equality]))


@app.command("sweep")
def sweep_command(
    scenario: ScenarioArg = None,
    arch: Annotated[
        str, typer.Option("--architecture", "-a", help="Architecture to sweep.")
    ] = "data-exchange",
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="Parameter grid, e.g. latency_s=0:60:7 or veto_probability=0,0.1 (repeatable).",
        ),
    ] = None,
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    set_: SetOpt = None,
    raid: RaidOpt = None,
    out: Annotated[
        str, typer.Option("--out", help="Folder of the sweep (resumed if it exists).")
    ] = "sweep",
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: JsonOpt = False,
    geometry_samples: SamplesOpt = DEFAULT_GEOMETRY_SAMPLES,
    no_cache: NoCacheOpt = False,
) -> None:
    """Sweep an architecture's parameters; each finished point is kept, and a rerun resumes."""
    if not grid:
        raise JointshieldError("give at least one --grid NAME=START:STOP:COUNT")
    from jointshield.analysis.runs import sweep

    samples = _samples(geometry_samples)
    points = sweep(
        scenario,
        arch,
        grid,
        out,
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        workers=workers,
        dask_address=_dask(dask),
        progress=_progress(),
        geometry_samples=samples,
        cache=not no_cache,
    )
    if as_json:
        print_json(points)
        return
    print_grid(sweep_grid(points, f"sweep of {arch} ({trials:,} trials per point, seed {seed})"))


@app.command("architectures")
def architectures_command(
    as_json: JsonOpt = False,
) -> None:
    """List the five architectures, their settings, the battle rules, and what --set changes."""
    from dataclasses import asdict

    from jointshield.architectures.presets import ARCHITECTURES, PARAMETERS, architecture
    from jointshield.battle.context import RULE_PARAMETERS, Rules

    rules = Rules().parameters()
    presets = {name: asdict(architecture(name)) for name in ARCHITECTURES}
    if as_json:
        print_json(
            {
                "architectures": presets,
                "parameters": PARAMETERS,
                "rules": rules,
                "rule_parameters": RULE_PARAMETERS,
            }
        )
        return
    rows = {name: {**values, **rules} for name, values in presets.items()}
    meanings = {**PARAMETERS, **{k: f"battle rule (all): {v}" for k, v in RULE_PARAMETERS.items()}}
    print_grid(architectures_grid(rows, meanings))
