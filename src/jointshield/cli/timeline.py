"""``jointshield timeline``: who learns of each threat when, alone and with sharing.

Parses, makes one call of :func:`jointshield.timeline.timeline`, and prints
one table per threat (or JSON with ``--json``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jointshield.cli._app import app
from jointshield.cli._output import console, print_json

if TYPE_CHECKING:
    from jointshield.analysis.timeline import Milestone, PartyTimeline, Timeline

_LABELS = {
    "detection": "first detection",
    "track": "first track",
    "fire_control": "fire-control track",
}


def _cell(m: Milestone) -> str:
    if not math.isfinite(m.t_s):
        return "never"
    return f"{m.t_s:,.0f} s  {m.sensor}"


def _gain(pt: PartyTimeline, milestone: str) -> str:
    g = pt.gain_s(milestone)
    if math.isnan(g):
        return "-"
    if math.isinf(g):
        return "only shared"
    return f"{g:+,.0f} s" if g else "0"


def _print(tl: Timeline, console: Console) -> None:
    from jointshield.analysis.timeline import MILESTONES

    for th in tl.threats:
        table = Table(
            title=(
                f"{th.threat_id}: {th.missile} {th.launch_area} → {th.target}  "
                f"(burnout {th.burnout_s:,.0f} s, impact {th.impact_s:,.0f} s after launch)"
            ),
            title_justify="left",
        )
        table.add_column("party")
        table.add_column("milestone")
        table.add_column("own sensors")
        table.add_column(f"with sharing ({tl.sharing})")
        table.add_column("earlier by", justify="right")
        for party, pt in th.parties.items():
            for k, milestone in enumerate(MILESTONES):
                table.add_row(
                    party if k == 0 else "",
                    _LABELS[milestone],
                    _cell(pt.own[milestone]),
                    _cell(pt.shared[milestone]),
                    _gain(pt, milestone),
                    end_section=k == len(MILESTONES) - 1,
                )
        console.print(table)
    meta = tl.meta
    console.print(
        f"times after each launch; every look detects (nominal picture). "
        f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), "
        f"raid {meta['raid']}, jointshield {meta['jointshield_version']}"
    )


@app.command("timeline")
def timeline_command(
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Built-in scenario name or YAML file.")
    ] = None,
    raid: Annotated[
        str | None, typer.Option("--raid", help="Raid (default: the scenario's).")
    ] = None,
    threat: Annotated[
        str | None, typer.Option("--threat", help="Only this threat of the raid.")
    ] = None,
    sharing: Annotated[
        str | None,
        typer.Option(
            "--sharing",
            help="Sharing policy of every link: none, early-warning, tracks or "
            "tracks-own-territory (default: the scenario's).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Fly the raid and compute the radars' views afresh, without the geometry cache.",
        ),
    ] = False,
) -> None:
    """Show when each party first detects, tracks and holds a fire-control track of each threat."""
    from jointshield.analysis.timeline import timeline

    tl = timeline(scenario, raid, threat=threat, sharing=sharing, cache=not no_cache)
    if as_json:
        print_json(tl.to_json())
    else:
        _print(tl, console())
