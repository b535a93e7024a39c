"""``jointshield timeline``: who learns of each threat when, and how each engagement runs.

Parses, calls :func:`jointshield.analysis.timeline.timeline` (sensing) and
:func:`jointshield.analysis.engagements.engagement_timeline` (the engagement
under each architecture), and prints one table of each per threat (or JSON
with ``--json``); ``--out`` writes ``timeline.json`` and the Gantt chart
``timeline.png``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jointshield.cli._app import app
from jointshield.cli._output import console, print_json
from jointshield.cli.run import (
    DEFAULT_TRIALS,
    FaultOpt,
    SeedOpt,
    SetOpt,
    TrialsOpt,
    WorkersOpt,
    _architectures,
    _params,
    _progress,
    _with_faults,
)

if TYPE_CHECKING:
    from jointshield.analysis.engagements import EngagementTimeline, Spread, WarheadTimeline
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


def _spread(s: Spread, unit: str = " s") -> str:
    if not math.isfinite(s.median):
        return "-"
    low, high = f"{s.p5:,.0f}", f"{s.p95:,.0f}"
    span = low if low == high else f"{low}–{high}"
    return f"{s.median:,.0f}{unit}\n{span}"


def _outcome(w: WarheadTimeline) -> str:
    leaks = sorted(((v, k) for k, v in w.reasons.items() if k != "engaged"), reverse=True)
    why = f"\n{leaks[0][1]}" if leaks and w.killed < 1.0 else ""
    return f"{w.killed:.0%}{why}"


def _print_engagements(et: EngagementTimeline, console: Console) -> None:
    first = next(iter(et.architectures.values()), ())
    for k, head in enumerate(first):
        table = Table(
            title=f"{head.label}: engagement by architecture (median, 5–95 % below)",
            title_justify="left",
        )
        table.add_column("architecture")
        table.add_column("fire\ncontrol", justify="right")
        table.add_column("decision\ntakes", justify="right")
        table.add_column("launch", justify="right")
        table.add_column("intercept", justify="right")
        table.add_column("margin", justify="right")
        table.add_column("killed", justify="right")
        for arch, warheads in et.architectures.items():
            w = warheads[k]
            m = w.milestones
            table.add_row(
                arch + ("\n(dual key)" if et.dual_key[arch] else ""),
                _spread(m["fire_control"]),
                _spread(w.decision_s),
                _spread(m["launch"]),
                _spread(m["intercept"]),
                _spread(w.margin_s),
                _outcome(w),
            )
        console.print(table)
    meta = et.meta
    console.print(
        f"s after each threat's launch over the trials in which the warhead is engaged; "
        f"{meta['trials']:,} trials, seed {meta['seed']}; decision: requested to authorised "
        f"(a dual key's consent included); margin: to the last launch that still meets it."
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
    architectures: Annotated[
        str | None,
        typer.Option(
            "--architectures",
            help="Comma-separated architectures whose engagements to show (default: all five).",
        ),
    ] = None,
    trials: TrialsOpt = DEFAULT_TRIALS,
    seed: SeedOpt = 0,
    trial: Annotated[
        int, typer.Option("--trial", help="The trial shown as the nominal case (from 0).")
    ] = 0,
    set_: SetOpt = None,
    workers: WorkersOpt = 1,
    sensing_only: Annotated[
        bool,
        typer.Option("--sensing-only", help="Only who learns of each threat when (no battle)."),
    ] = False,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Folder for timeline.json and the Gantt chart timeline.png."),
    ] = None,
    fault: FaultOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Fly the raid and compute the radars' views afresh, without the geometry cache.",
        ),
    ] = False,
) -> None:
    """Show who learns of each threat when, and each engagement under each architecture.

    The engagements are the Monte Carlo trials of ``jointshield compare`` with
    the same seed and trials; one trial (``--trial``) is drawn as a Gantt chart.
    """
    from jointshield.analysis.engagements import engagement_timeline
    from jointshield.analysis.timeline import timeline
    from jointshield.montecarlo.store import make_folder, write_json_atomic
    from jointshield.report.gantt import write_gantt

    names = _architectures(architectures)
    scenario = _with_faults(scenario, fault)
    tl = timeline(scenario, raid, threat=threat, sharing=sharing, cache=not no_cache)
    data = tl.to_json()
    et = None
    if not sensing_only:
        et = engagement_timeline(
            scenario,
            names,
            raid=raid,
            threat=threat,
            trials=trials,
            seed=seed,
            trial=trial,
            params=_params(set_),
            workers=workers,
            progress=_progress(),
            cache=not no_cache,
        )
        data["engagement"] = et.to_json()
    written = []
    if out is not None:
        folder = make_folder(out)
        written.append(write_json_atomic(folder / "timeline.json", data))
        if et is not None:
            written.append(write_gantt(data["engagement"], folder / "timeline.png"))
    if as_json:
        print_json(data)
        return
    con = console()
    _print(tl, con)
    if et is not None:
        _print_engagements(et, con)
    for path in written:
        con.print(f"wrote {path}")
