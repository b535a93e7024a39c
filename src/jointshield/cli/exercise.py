"""``jointshield exercise``: how each architecture degrades under each of a list of faults.

Parses, loads the exercise file (:func:`jointshield.scenario.faults.load_exercise`),
makes one call of :func:`jointshield.analysis.exercise.exercise`, prints a
table (or JSON with ``--json``) and writes ``exercise.json`` and
``exercise.parquet`` with ``--out``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jointshield.cli._app import app
from jointshield.cli._output import console, print_grid, print_json
from jointshield.cli.run import (
    DEFAULT_TRIALS,
    ArchitecturesOpt,
    NoCacheOpt,
    RaidOpt,
    ScenarioArg,
    SeedOpt,
    SetOpt,
    TrialsOpt,
    WorkersOpt,
    _architectures,
    _params,
    _progress,
)
from jointshield.errors import JointshieldError
from jointshield.report.tables import exercise_grid


@app.command("exercise")
def exercise_command(
    scenario: ScenarioArg = None,
    faults: Annotated[
        str | None,
        typer.Option(
            "--faults",
            help="YAML file of named faults (faults: [{name: ..., sensor: ..., start_s: ...}]); "
            "the entries of one name make one case.",
        ),
    ] = None,
    architectures: ArchitecturesOpt = None,
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    set_: SetOpt = None,
    raid: RaidOpt = None,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Folder for exercise.json and exercise.parquet."),
    ] = None,
    workers: WorkersOpt = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: NoCacheOpt = False,
) -> None:
    """Run each case of faults against the fault-free run on the same seeds, per architecture."""
    from jointshield.analysis.exercise import exercise, write_exercise
    from jointshield.montecarlo.store import check_folder, make_folder
    from jointshield.scenario import DEFAULT_SCENARIO, load_scenario
    from jointshield.scenario.faults import load_exercise

    if faults is None:
        raise JointshieldError("--faults: expected the exercise's file of named faults")
    names = _architectures(architectures)
    if out is not None:
        check_folder(out)
    base = load_scenario(scenario or DEFAULT_SCENARIO)
    cases = load_exercise(faults, base)
    result = exercise(
        base,
        cases,
        names,
        raid=raid,
        trials=trials,
        seed=seed,
        params=_params(set_),
        workers=workers,
        progress=_progress(),
        cache=not no_cache,
    )
    written = write_exercise(result, make_folder(out)) if out is not None else ()
    if as_json:
        print_json(result.to_json())
        return
    print_grid(exercise_grid([d.to_json() for d in result.degradations], result.meta))
    for path in written:
        console().print(f"wrote {path}")
