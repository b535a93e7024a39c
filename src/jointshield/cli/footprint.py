"""``jointshield footprint``: which cells of a map the defence can protect, and what sharing adds.

Parses, makes one call of :func:`jointshield.analysis.footprint.footprint`,
writes its files (:func:`~jointshield.analysis.footprint.write_footprint`)
and prints a summary table (or JSON with ``--json``).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from jointshield.cli._app import app
from jointshield.cli._output import console, print_json
from jointshield.errors import JointshieldError


def _region(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise JointshieldError(
            f"--region {text!r}: expected LAT0,LAT1,LON0,LON1 in degrees, e.g. 34,72,-12,70"
        )
    return values[0], values[1], values[2], values[3]


def _people(x: float) -> str:
    return f"{x / 1e6:,.1f} M" if x >= 1e5 else f"{x:,.0f}"


def _print(summary: dict[str, Any], files: dict[str, Any]) -> None:
    arch = summary["architecture"]
    table = Table(
        title=(
            f"Footprint: {summary['missile']} from {summary['launch_area']}, {arch} "
            f"({summary['grid_deg']:g}° cells)"
        ),
        title_justify="left",
    )
    table.add_column("cells")
    table.add_column("number", justify="right")
    table.add_column("population", justify="right")
    rows = [
        ("in the grid", {"cells": summary["cells"], "population": None}),
        ("in the missile's reach", summary["aimed"]),
        ("defended under national", summary["defended_national"]),
        (f"defended under {arch}", summary["defended"]),
        ("only cooperation defends", summary["only_cooperation"]),
        (f"lost under {arch}", summary["lost_to_architecture"]),
    ]
    for label, share in rows:
        pop = share["population"]
        table.add_row(label, f"{share['cells']:,}", "" if pop is None else _people(pop))
    out = console()
    out.print(table)
    per = Table(title="Cells each battery can engage", title_justify="left")
    per.add_column("battery")
    per.add_column("cells", justify="right")
    per.add_column("population", justify="right")
    for name, share in summary["per_battery"].items():
        per.add_row(name, f"{share['cells']:,}", _people(share["population"]))
    out.print(per)
    expected = summary["expected_population_protected"]
    if expected is not None:
        out.print(
            f"expected population protected ({summary['trials_per_cell']} trials per cell): "
            f"{_people(expected)} under {arch}, "
            f"{_people(summary['expected_population_protected_national'])} under national"
        )
    meta = summary["meta"]
    out.print(
        f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), seed {summary['seed']}, "
        f"jointshield {meta['jointshield_version']}"
    )
    for path in files.values():
        out.print(f"wrote {path}", highlight=False)


@app.command("footprint")
def footprint_command(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Built-in scenario name or YAML file (default: europe-2018)."),
    ] = None,
    arch: Annotated[
        str, typer.Option("--architecture", "-a", help="Architecture of the footprint.")
    ] = "data-exchange",
    launch_area: Annotated[
        str | None,
        typer.Option("--launch-area", help="Launch area (default: the raid's first threat's)."),
    ] = None,
    missile: Annotated[
        str | None, typer.Option("--missile", help="Missile (default: the raid's first threat's).")
    ] = None,
    battery: Annotated[
        list[str] | None,
        typer.Option("--battery", help="Only this battery fights (repeatable; default: all)."),
    ] = None,
    grid_deg: Annotated[float, typer.Option("--grid-deg", help="Cell size, degrees.")] = 0.5,
    region: Annotated[
        str | None,
        typer.Option("--region", help="LAT0,LAT1,LON0,LON1, degrees (default: 30,72,-12,70)."),
    ] = None,
    trials: Annotated[
        int, typer.Option("--trials", "-n", help="Monte Carlo trials per cell (0: none).")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the trials.")] = 0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Architecture parameter or battle rule, KEY=VALUE."),
    ] = None,
    out: Annotated[
        str, typer.Option("--out", help="Folder for the GeoJSON, Parquet, PNG and JSON.")
    ] = "footprint",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build the reach tables afresh.")
    ] = False,
) -> None:
    """Map the cells the defence can protect from one launch area, and what cooperation adds."""
    from jointshield.analysis.footprint import DEFAULT_REGION, footprint, write_footprint
    from jointshield.analysis.runs import _split_params
    from jointshield.architectures.presets import architecture
    from jointshield.cli.run import _params
    from jointshield.montecarlo.store import check_folder
    from jointshield.theatre.compile import theatre_of

    check_folder(out)
    the_region = _region(region) or DEFAULT_REGION
    arch_params, rules = _split_params(_params(set_), None)
    the_arch = architecture(arch, **arch_params)
    theatre = theatre_of(scenario or "europe-2018", cache=not no_cache)
    fp = footprint(
        theatre,
        arch=the_arch,
        rules=rules,
        launch_area=launch_area,
        missile=missile,
        batteries=battery,
        grid_deg=grid_deg,
        region=the_region,
        trials=trials,
        seed=seed,
        progress=sys.stderr.isatty(),
    )
    files = write_footprint(fp, theatre, out)
    summary = fp.summary()
    if as_json:
        print_json({**summary, "files": {k: str(v) for k, v in files.items()}})
    else:
        _print(summary, files)
