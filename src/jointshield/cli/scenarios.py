"""``jointshield scenarios``: list, show, validate and export scenarios.

Each command parses its arguments, makes one call of
:mod:`jointshield.scenario` and prints the result as rich tables. Problems in
a file raise :class:`~jointshield.errors.ScenarioError`, which the main
command line prints as ``file:line key: message`` lines with exit status 2.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jointshield.errors import JointshieldError

if TYPE_CHECKING:
    from jointshield.scenario import Scenario

# The API (pydantic, YAML) is imported in each command's body, so that --help stays fast.

__all__ = ["app"]

app = typer.Typer(
    name="scenarios",
    help="List, show, validate and export scenarios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_HASH_DIGITS = 12


def _console() -> Console:
    # Markup and emoji codes off: scenario text (names, titles, paths such as
    # ``sites[0]``, ``[bold]`` or ``:100:``) prints as written.
    return Console(highlight=False, markup=False, emoji=False)


# Bidirectional overrides and isolates reorder what a terminal shows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(char: str) -> bool:
    """Whether a character must not reach a terminal as it is (controls, bidi overrides)."""
    return char not in "\n\t" and (unicodedata.category(char) == "Cc" or char in _BIDI)


def _safe(text: str) -> str:
    r"""Return scenario text with control characters written as escapes (``\x1b``).

    A title or note could otherwise clear the screen or set the window title
    when printed; tabs and line breaks stay.
    """
    if not any(_unsafe(char) for char in text):
        return text
    return "".join(
        (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        if _unsafe(char)
        else char
        for char in text
    )


class _SafeTable(Table):
    """A table whose cells are scenario text, printed literally and safely."""

    def add_row(self, *renderables: object, **options: object) -> None:
        super().add_row(*(Text(_safe(str(cell))) for cell in renderables), **options)  # type: ignore[arg-type]


def _table(title: str, *columns: str) -> Table:
    """Return a table that folds long cells, not the names in its first column."""
    table = _SafeTable(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    return table


def _number(value: float | int | str | bool) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) >= 1e4 else f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _counts(scenario: Scenario) -> str:
    parts = [
        (len(scenario.parties), "party", "parties"),
        (len(scenario.sites), "site", "sites"),
        (len(scenario.sensors), "sensor", "sensors"),
        (len(scenario.interceptors), "interceptor type", "interceptor types"),
        (len(scenario.batteries), "battery", "batteries"),
        (len(scenario.missiles), "missile type", "missile types"),
        (len(scenario.launch_areas), "launch area", "launch areas"),
        (len(scenario.assets), "asset", "assets"),
        (len(scenario.raids), "raid", "raids"),
        (len(scenario.links), "link", "links"),
        (len(scenario.sectors), "sector", "sectors"),
    ]
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)


@app.command("list")
def list_command() -> None:
    """List the built-in scenarios."""
    from jointshield.scenario import list_scenarios

    table = _SafeTable(title="Built-in scenarios")
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("default", justify="center")
    for info in list_scenarios():
        table.add_row(info.name, info.title, "*" if info.default else "")
    _console().print(table)


def _summary(scenario: Scenario) -> list[Table]:
    """Tables of a scenario's items with their key numbers."""
    tables = []

    sites = _table("Sites", "name", "owner", "lat °", "lon °", "description")
    for site in scenario.sites:
        sites.add_row(
            site.name,
            site.owner or "",
            f"{site.lat_deg:.4f}",
            f"{site.lon_deg:.4f}",
            site.description,
        )
    tables.append(sites)

    sensors = _table(
        "Sensors", "name", "kind", "site", "owner", "azimuth °", "range km", "ref. RCS m²"
    )
    for sensor in scenario.sensors:
        if sensor.az_half_width_deg >= 180:
            azimuth = "all round"
        else:
            low = (sensor.boresight_az_deg - sensor.az_half_width_deg) % 360
            high = (sensor.boresight_az_deg + sensor.az_half_width_deg) % 360
            azimuth = f"{low:g}-{high:g}"
        sensors.add_row(
            sensor.name,
            sensor.kind,
            sensor.site,
            sensor.owner,
            azimuth,
            ""
            if sensor.range_max_km is None
            else f"{sensor.range_min_km:g}-{sensor.range_max_km:g}",
            "" if sensor.reference_rcs_m2 is None else f"{sensor.reference_rcs_m2:g}",
        )
    tables.append(sensors)

    interceptors = _table(
        "Interceptor types", "name", "owner", "burnout km/s", "altitude km", "max range km", "pk"
    )
    for kind in scenario.interceptors:
        interceptors.add_row(
            kind.name,
            kind.owner or "",
            f"{kind.burnout_speed_kms:g}",
            f"{kind.min_intercept_alt_km:g}-{kind.max_intercept_alt_km:g}",
            f"{kind.max_range_km:g}",
            f"{kind.pk:g}",
        )
    tables.append(interceptors)

    batteries = _table("Batteries", "name", "site", "owner", "interceptor", "rounds")
    for battery in scenario.batteries:
        batteries.add_row(
            battery.name, battery.site, battery.owner, battery.interceptor, str(battery.rounds)
        )
    tables.append(batteries)

    missiles = _table(
        "Missile types", "name", "propellant", "stages", "launch mass kg", "payload kg", "range km"
    )
    for missile in scenario.missiles:
        missiles.add_row(
            missile.name,
            missile.propellant,
            str(len(missile.stages)),
            f"{missile.launch_mass_kg:,.0f}",
            f"{missile.payload_mass_kg:,.0f}",
            f"{missile.published_range_km:,.0f}",
        )
    tables.append(missiles)

    areas = _table("Launch areas", "name", "owner", "lat °", "lon °", "radius km")
    for area in scenario.launch_areas:
        areas.add_row(
            area.name,
            area.owner or "",
            f"{area.lat_deg:.3f}",
            f"{area.lon_deg:.3f}",
            f"{area.radius_km:g}",
        )
    tables.append(areas)

    assets = _table("Assets", "name", "owner", "lat °", "lon °", "population")
    for asset in scenario.assets:
        assets.add_row(
            asset.name,
            asset.owner,
            f"{asset.lat_deg:.3f}",
            f"{asset.lon_deg:.3f}",
            f"{asset.population:,}",
        )
    tables.append(assets)

    raids = _table("Raids", "raid", "threat", "missile", "from", "target", "t s", "count")
    for raid in scenario.raids:
        marker = " (default)" if raid.name == scenario.default_raid else ""
        for index, threat in enumerate(raid.threats):
            raids.add_row(
                f"{raid.name}{marker}" if index == 0 else "",
                threat.id,
                threat.missile,
                threat.launch_area,
                threat.target,
                f"{threat.launch_time_s:g}",
                str(threat.count),
            )
    tables.append(raids)

    links = _table("Links", "name", "from", "to", "two-way", "latency s", "availability")
    for link in scenario.links:
        links.add_row(
            link.name,
            link.from_party,
            link.to_party,
            "yes" if link.two_way else "no",
            f"{link.latency_s:g}",
            f"{link.availability:g}",
        )
    tables.append(links)
    return [table for table in tables if table.row_count]


@app.command("show")
def show_command(
    name_or_file: Annotated[
        str, typer.Argument(help="Built-in name (e.g. europe-2011) or a YAML file.")
    ],
    sources: Annotated[
        bool,
        typer.Option("--sources", help="List every number with its unit, tag and source."),
    ] = False,
) -> None:
    """Summarize a scenario, or list where each of its numbers comes from."""
    from jointshield.scenario import load_scenario, scenario_hash, scenario_sources

    scenario = load_scenario(name_or_file)
    console = _console()
    console.print(Text.assemble((_safe(scenario.name), "bold"), f": {_safe(scenario.title)}"))
    if scenario.description:
        console.print(Text(_safe(scenario.description)))
    console.print(
        Text(
            f"{_counts(scenario)}; parties: {', '.join(_safe(p.name) for p in scenario.parties)}; "
            f"hash {scenario_hash(scenario)[:_HASH_DIGITS]}"
        ),
        soft_wrap=True,
    )
    if not sources:
        for table in _summary(scenario):
            console.print(table)
        return
    # Notes (pages, reasons for assumptions) are long: they stay in the file and in
    # scenario_sources(); the table keeps to what fits a terminal.
    table = _SafeTable(title="Where each number comes from")
    table.add_column("path", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("tag", no_wrap=True)
    table.add_column("source", overflow="fold")
    for row in scenario_sources(scenario):
        table.add_row(row.path, _number(row.value), row.unit, row.tag, row.source)
    console.print(table)
    if scenario.references:
        references = _SafeTable(title="References")
        references.add_column("key", no_wrap=True)
        references.add_column("citation")
        for key, text in scenario.references.items():
            references.add_row(key, text)
        console.print(references)


@app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="Scenario YAML file (or built-in name).")],
) -> None:
    """Check a scenario file as every command will; print its size and hash, or every problem.

    Besides loading it, the scenario is compiled and checked as a run checks
    it (interceptors that can fly, missiles that can lift off, targets within
    reach), so a file called valid here runs.
    """
    from jointshield.errors import ScenarioError
    from jointshield.scenario import load_scenario, scenario_hash
    from jointshield.theatre.check import check_scenario

    scenario = load_scenario(file)
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(scenario.file, problems)
    _console().print(
        Text(
            f"{_safe(file)}: valid ({_counts(scenario)}; "
            f"hash {scenario_hash(scenario)[:_HASH_DIGITS]})"
        ),
        soft_wrap=True,
    )


@app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="Built-in scenario name.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: NAME.yaml here)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a built-in scenario to a file, comments included, to start editing from."""
    from jointshield.scenario import ScenarioExistsError, export_scenario

    dest = out if out is not None else Path(f"{name}.yaml")
    try:
        written = export_scenario(name, dest, overwrite=force)
    except ScenarioExistsError:
        # The API's message speaks of its own argument; a command-line user needs the flag.
        target = dest / f"{name}.yaml" if dest.is_dir() else dest
        raise JointshieldError(f"{target} already exists; use --force to replace it") from None
    _console().print(
        f"wrote {written}; check your edits with: jointshield scenarios validate {written}",
        soft_wrap=True,
    )
