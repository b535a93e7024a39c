"""``jointshield flyout``: fly a missile, a free-flight body, or a whole raid.

Three forms, one command:

* ``--missile M --from PLACE --to PLACE``: aim and fly one missile of a scenario;
* ``--burnout-speed KM_S``: free flight from a burnout state;
* neither: every threat of a raid (the scenario's default raid unless ``--raid``).

The command parses, makes one call of :mod:`jointshield.trajectory`, and
prints a table, or JSON with ``--json``; ``--csv``, ``--geojson`` and
``--kml`` write the trajectory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jointshield.cli._app import app
from jointshield.cli._output import print_grid, print_json
from jointshield.errors import JointshieldError
from jointshield.jsonio import dumps
from jointshield.report.tables import raid_flyouts_grid

if TYPE_CHECKING:
    from jointshield.analysis.flyouts import FlyoutResult

_FIELDS = (
    ("range_km", "range", "km", "{:,.1f}"),
    ("flight_time_s", "flight time", "s", "{:,.1f}"),
    ("apogee_km", "apogee", "km", "{:,.1f}"),
    ("burnout_time_s", "burnout time", "s", "{:,.1f}"),
    ("burnout_speed_kms", "burnout speed", "km/s", "{:.3f}"),
    ("burnout_angle_deg", "burnout angle", "deg", "{:.2f}"),
    ("burnout_altitude_km", "burnout altitude", "km", "{:,.1f}"),
    ("reentry_time_s", "re-entry (120 km) time", "s", "{:,.1f}"),
    ("impact_speed_kms", "impact speed", "km/s", "{:.3f}"),
    ("impact_angle_deg", "impact angle", "deg", "{:.2f}"),
    ("impact_lat", "impact latitude", "deg", "{:.4f}"),
    ("impact_lon", "impact longitude", "deg", "{:.4f}"),
)


def _fmt(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return pattern.format(value)


def _print_one(result: FlyoutResult, console: Console) -> None:
    meta = result.meta
    title = (
        f"{meta.get('missile', 'free flight')}: "
        f"{meta.get('origin')} → {meta.get('target', 'impact')}"
        f"  ({meta.get('aim', meta.get('burnout_angle', ''))}, {meta['earth']} Earth"
        f"{', drag' if meta.get('drag') else ', no drag'})"
    )
    table = Table(title=Text(title), show_header=True)  # place names printed literally
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for key, label, unit, pattern in _FIELDS:
        table.add_row(label, _fmt(result.summary.get(key), pattern), unit)
    console.print(table)
    if "scenario" in meta:
        console.print(
            f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), "
            f"jointshield {meta['jointshield_version']}",
            markup=False,
            emoji=False,
        )


def _check_target(path: Path | None, option: str) -> None:
    """Refuse a file to write that cannot be written, before anything is flown."""
    if path is None or str(path) == "-":
        return
    if path.is_dir():
        raise JointshieldError(f"{option} {path}: expected a file name, got a folder")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise JointshieldError(f"{option} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise JointshieldError(f"{option} {path}: the folder {parent} may not be written to")


def _write(path: Path, text: str, option: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise JointshieldError(f"{option} {path}: cannot write ({exc.strerror or exc})") from None


@app.command("flyout")
def flyout_command(
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Built-in scenario name or YAML file.")
    ] = None,
    missile: Annotated[
        str | None, typer.Option("--missile", "-m", help="Missile type of the scenario.")
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(
            "--from", help="Launch (or burnout) point: a site, launch area, asset, or LAT,LON."
        ),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--to", help="Aim point: a site, launch area, asset, or LAT,LON.")
    ] = None,
    aim: Annotated[
        str, typer.Option("--aim", help="min-energy, lofted or depressed.")
    ] = "min-energy",
    apogee: Annotated[
        float | None, typer.Option("--apogee", help="Fly to this apogee height, km.")
    ] = None,
    raid: Annotated[
        str | None, typer.Option("--raid", help="Fly every threat of this raid.")
    ] = None,
    burnout_speed: Annotated[
        float | None,
        typer.Option("--burnout-speed", help="Free flight from burnout at this speed, km/s."),
    ] = None,
    burnout_angle: Annotated[
        float | None,
        typer.Option(
            "--burnout-angle", help="Flight-path angle at burnout, deg (default: min-energy)."
        ),
    ] = None,
    min_energy: Annotated[
        bool, typer.Option("--min-energy", help="Minimum-energy burnout angle (the default).")
    ] = False,
    burnout_altitude: Annotated[
        float, typer.Option("--burnout-altitude", help="Burnout altitude, km.")
    ] = 0.0,
    azimuth: Annotated[
        float, typer.Option("--azimuth", help="Azimuth of free flight, deg from north.")
    ] = 0.0,
    beta: Annotated[
        float | None,
        typer.Option("--beta", help="Ballistic coefficient for free flight with drag, kg/m²."),
    ] = None,
    earth: Annotated[
        str, typer.Option("--earth", help="rotating or fixed WGS-84, or sphere (still, no J2).")
    ] = "rotating",
    no_drag: Annotated[bool, typer.Option("--no-drag", help="Fly without the atmosphere.")] = False,
    dt: Annotated[float, typer.Option("--dt", help="Trajectory sample interval, s.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the trajectory as CSV ('-': stdout).")
    ] = None,
    geojson_out: Annotated[
        Path | None, typer.Option("--geojson", help="Write the trajectory as GeoJSON.")
    ] = None,
    kml_out: Annotated[
        Path | None, typer.Option("--kml", help="Write the trajectory as KML.")
    ] = None,
) -> None:
    """Fly a missile between two places, a body from burnout, or every threat of a raid."""
    # The API is imported here, when the command runs, so that --help stays fast.
    from jointshield.analysis.flyouts import RaidFlyouts, fly_raid, flyout, free_flight
    from jointshield.flight.earth import earth_name

    console = Console(highlight=False)
    targets = (("--csv", csv_out), ("--geojson", geojson_out), ("--kml", kml_out))
    for option, path in targets:
        _check_target(path, option)
    to_stdout = [option for option, path in targets if path is not None and str(path) == "-"]
    if len(to_stdout) > 1 or (to_stdout and as_json):
        given = [*to_stdout, *(["--json"] if as_json else [])]
        raise JointshieldError(
            f"{' and '.join(given)} all write to standard output: send all but one to a file"
        )
    if burnout_speed is not None:
        if missile or target or apogee is not None:
            raise JointshieldError(
                "--burnout-speed flies free flight: drop --missile, --to and --apogee"
            )
        if min_energy and burnout_angle is not None:
            raise JointshieldError("give either --burnout-angle or --min-energy, not both")
        result: FlyoutResult | RaidFlyouts = free_flight(
            burnout_speed,
            burnout_angle,
            burnout_altitude_km=burnout_altitude,
            origin=origin or "0,0",
            azimuth_deg=azimuth,
            earth=earth_name(earth),
            beta_kg_m2=None if no_drag else beta,
            scenario=scenario,
            sample_dt_s=dt,
        )
    elif missile or origin or target:
        missing = [
            flag
            for flag, v in (("--missile", missile), ("--from", origin), ("--to", target))
            if not v
        ]
        if missing:
            raise JointshieldError(f"a missile flyout needs {', '.join(missing)} as well")
        assert missile and origin and target
        result = flyout(
            scenario,
            missile,
            origin,
            target,
            aim_mode=aim,
            apogee_km=apogee,
            earth=earth_name(earth),
            drag=not no_drag,
            sample_dt_s=dt,
        )
    else:
        result = fly_raid(scenario, raid, earth=earth_name(earth), drag=not no_drag, sample_dt_s=dt)

    if isinstance(result, RaidFlyouts):
        if csv_out or kml_out:
            raise JointshieldError(
                "--csv and --kml write one trajectory: add --missile, --from and --to"
            )
        if geojson_out:
            _write(geojson_out, dumps(result.to_geojson(), indent=1) + "\n", "--geojson")
        if as_json:
            print_json(result.to_json())
        elif not to_stdout:  # standard output holds the file alone
            print_grid(raid_flyouts_grid(result.to_json()), console)
        return
    traj = result.trajectory
    meta = result.meta
    name = f"{meta.get('missile', 'free flight')} {meta.get('origin')}→{meta.get('target', '')}"
    if csv_out:
        _write(csv_out, traj.to_csv(), "--csv")
    if geojson_out:
        _write(geojson_out, dumps(traj.to_geojson({"name": name}), indent=1) + "\n", "--geojson")
    if kml_out:
        _write(kml_out, traj.to_kml(name), "--kml")
    if as_json:
        print_json(result.to_json())
    elif not to_stdout:  # standard output holds the file alone
        _print_one(result, console)
