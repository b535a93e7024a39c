"""``jointshield run | compare | sweep``: Monte Carlo studies of the architectures.

Each command parses, makes one call of :mod:`jointshield.runs`, and prints a
table with 95 % confidence intervals (or JSON with ``--json``).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jointshield.analysis.runs import (
    DEFAULT_TRIALS,
    Comparison,
    RunResult,
    Summary,
    compare,
    run,
    sweep,
)
from jointshield.cli import app
from jointshield.errors import JointshieldError
from jointshield.montecarlo.stats import Estimate

ScenarioArg = Annotated[
    str | None, typer.Argument(help="Built-in scenario name or YAML file (default: europe-2011).")
]
TrialsOpt = Annotated[int, typer.Option("--trials", "-n", help="Monte Carlo trials.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same numbers.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Architecture parameter, KEY=VALUE (repeatable), e.g. latency_s=10."
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


def _params(items: list[str] | None) -> dict[str, Any]:
    from jointshield.architectures.presets import parse_set

    return dict(parse_set(items or []))


def _dask(address: str | None) -> str | None:
    return address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _progress() -> bool:
    return sys.stderr.isatty()


def _est(est: Estimate, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    """Format an estimate as ``value (lo–hi)``, compact enough for a side-by-side table."""
    if est.value != est.value:  # NaN
        return "-"
    v, lo, hi = est.value / scale, est.lo / scale, est.hi / scale
    if lo == hi == v:
        return f"{v:.{digits}f}{unit}"
    return f"{v:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def _rows(summary: Summary) -> dict[str, str]:
    per_kill = summary.interceptors_per_kill
    rows = {
        "P(no warhead leaks)": _est(summary.p_no_leak, digits=3),
        "expected leakers": _est(summary.leakers),
        "population defended, M": _est(summary.population_defended, 1e6, 1),
        "interceptors fired": _est(summary.interceptors, digits=1),
        "interceptors per kill": "-" if per_kill != per_kill else f"{per_kill:.2f}",
    }
    for asset, est in summary.p_asset_protected.items():
        rows[f"P({asset} protected)"] = _est(est, digits=3)
    top = sorted(summary.leak_reasons.items(), key=lambda kv: -kv[1])[:2]
    rows["main leak reasons"] = ", ".join(f"{k} {v:.0%}" for k, v in top) or "-"
    rows["first interceptor launch, s"] = _est(summary.first_launch_s, digits=0)
    return rows


def _print_table(results: tuple[RunResult, ...], meta: dict[str, Any], console: Console) -> None:
    title = (
        f"{meta['scenario']}: raid {meta['raid']}, {meta['trials']:,} trials, seed {meta['seed']}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("95 % intervals")
    for r in results:
        table.add_column(r.summary.architecture, justify="right")
    rows = [_rows(r.summary) for r in results]
    for key in rows[0]:
        table.add_row(key, *(row.get(key, "-") for row in rows))
    console.print(table)
    console.print(
        f"scenario hash {meta['scenario_hash'][:12]}, jointshield {meta['jointshield_version']}"
    )


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
) -> None:
    """Run one architecture on a raid and print its outcome with confidence intervals."""
    result = run(
        scenario,
        arch,
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        out=out,
        workers=workers,
        dask_address=_dask(dask),
        progress=_progress(),
    )
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_table((result,), result.meta, Console(highlight=False))


@app.command("compare")
def compare_command(
    scenario: ScenarioArg = None,
    architectures: Annotated[
        str | None,
        typer.Option("--architectures", help="Comma-separated architectures (default: all five)."),
    ] = None,
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    set_: SetOpt = None,
    raid: RaidOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the architectures side by side on the same raid and seed."""
    from jointshield.architectures.presets import ARCHITECTURES

    names = tuple(a.strip() for a in architectures.split(",")) if architectures else ARCHITECTURES
    if not all(names):
        raise JointshieldError("--architectures: expected a comma-separated list of names")
    result: Comparison = compare(
        scenario,
        names,
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        out=out,
        workers=workers,
        dask_address=_dask(dask),
        progress=_progress(),
    )
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_table(result.results, result.meta, Console(highlight=False))


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
) -> None:
    """Sweep an architecture's parameters; each finished point is kept, and a rerun resumes."""
    if not grid:
        raise JointshieldError("give at least one --grid NAME=START:STOP:COUNT")
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
    )
    if as_json:
        typer.echo(json.dumps(points, indent=2))
        return
    table = Table(
        title=f"sweep of {arch} ({trials:,} trials per point, seed {seed})", title_justify="left"
    )
    names = list(points[0]["point"]) if points else []
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("P(no leak)", justify="right")
    table.add_column("leakers", justify="right")
    table.add_column("interceptors", justify="right")
    for p in points:
        table.add_row(
            *(f"{p['point'][k]:g}" for k in names),
            _fmt(p["p_no_leak"]),
            _fmt(p["leakers"], 2),
            _fmt(p["interceptors"], 2),
        )
    Console(highlight=False).print(table)


def _fmt(est: dict[str, Any], digits: int = 3) -> str:
    if est["value"] is None:
        return "-"
    return f"{est['value']:.{digits}f} ({est['lo']:.{digits}f}–{est['hi']:.{digits}f})"


@app.command("architectures")
def architectures_command(
    as_json: JsonOpt = False,
) -> None:
    """List the five architectures, their settings, and every parameter --set can change."""
    from dataclasses import asdict

    from jointshield.architectures.presets import ARCHITECTURES, PARAMETERS, architecture

    presets = {name: asdict(architecture(name)) for name in ARCHITECTURES}
    if as_json:
        typer.echo(json.dumps({"architectures": presets, "parameters": PARAMETERS}, indent=2))
        return
    console = Console(highlight=False)
    table = Table(title="Architectures and their settings", title_justify="left")
    table.add_column("parameter")
    for name in ARCHITECTURES:
        table.add_column(name, justify="right")
    table.add_column("meaning")
    for key, meaning in PARAMETERS.items():
        table.add_row(key, *(str(presets[a][key]) for a in ARCHITECTURES), meaning)
    console.print(table)
