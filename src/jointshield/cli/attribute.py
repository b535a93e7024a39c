"""``jointshield attribute``: each player's Shapley share of what a defence achieves.

Parses, makes one call of :func:`jointshield.analysis.attribution.attribute`,
prints a table (or JSON with ``--json``) and writes ``attribution.json`` with
``--out``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jointshield.cli._app import app
from jointshield.cli._output import console, print_json

if TYPE_CHECKING:
    from jointshield.analysis.attribution import Attribution


def _fmt(value: str, x: float, millions: bool = True) -> str:
    """Return a value in its unit: people (in millions), probabilities in %, warheads."""
    if value == "population":
        return f"{x / 1e6:,.2f} M" if millions else f"{x:,.0f}"
    if value == "no-leak":
        return f"{100.0 * x:.1f} %"
    return f"{x:,.2f}"


def _percent(share: float) -> str:
    if share != share:  # NaN: the defence adds nothing to share
        return "-"
    text = f"{100.0 * share:.0f} %"
    return "0 %" if text == "-0 %" else text


def _print(result: Attribution) -> None:
    from jointshield.analysis.attribution import VALUES

    value = result.value
    # People in millions when the defence adds a million or more, else one by one.
    big = abs(result.grand - result.empty) >= 1e6

    def fmt(x: float) -> str:
        return _fmt(value, x, big)

    how = (
        f"exact over {result.coalitions:,} coalitions"
        if result.method == "exact"
        else f"sampled: {result.permutations:,} orders, {result.coalitions:,} coalitions"
    )
    table = Table(
        title=(
            f"Shapley values under {result.architecture}: {VALUES[value]}, "
            f"players by {result.kind} ({how})"
        ),
        title_justify="left",
    )
    table.add_column("player")
    table.add_column("party")
    table.add_column("value", justify="right")
    table.add_column("95 % interval", justify="right")
    table.add_column("share", justify="right")
    for i, (player, est) in enumerate(zip(result.players, result.shapley, strict=True)):
        table.add_row(
            player.name,
            player.party or "mixed",
            fmt(est.value),
            f"{fmt(est.lo)} … {fmt(est.hi)}",
            _percent(result.share(i)),
        )
    out = console()
    out.print(table)
    out.print(
        f"every player: {fmt(result.grand)}; none (undefended): "
        f"{fmt(result.empty)}; the values add up to the difference",
        highlight=False,
    )
    totals = result.party_totals()
    if len(totals) > 1:
        out.print(
            "by party: " + ", ".join(f"{party or 'mixed'} {fmt(v)}" for party, v in totals.items()),
            highlight=False,
        )
    meta = result.meta
    out.print(
        f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), raid {meta['raid']}, "
        f"{result.trials:,} trials per coalition, seed {result.seed}, "
        f"jointshield {meta['jointshield_version']}",
        highlight=False,
    )


@app.command("attribute")
def attribute_command(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Built-in scenario name or YAML file (default: the default)."),
    ] = None,
    arch: Annotated[
        str, typer.Option("--architecture", "-a", help="Architecture of the defence.")
    ] = "joint",
    players: Annotated[
        str,
        typer.Option("--players", help="Players: parties, sites, batteries or sensors."),
    ] = "parties",
    player: Annotated[
        list[str] | None,
        typer.Option(
            "--player", help="Only this player (repeatable); other assets are always present."
        ),
    ] = None,
    value: Annotated[
        str,
        typer.Option("--value", help="What a coalition is worth: population, no-leak, leakers."),
    ] = "population",
    trials: Annotated[
        int, typer.Option("--trials", "-n", help="Monte Carlo trials per coalition.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed shared by every coalition.")] = 0,
    permutations: Annotated[
        int,
        typer.Option("--permutations", help="Orders sampled when coalitions are not enumerated."),
    ] = 200,
    sampled: Annotated[
        bool, typer.Option("--sampled", help="Sample orders even when enumeration is possible.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Architecture parameter or battle rule, KEY=VALUE."),
    ] = None,
    raid: Annotated[
        str | None, typer.Option("--raid", help="Raid (default: the scenario's).")
    ] = None,
    out: Annotated[str | None, typer.Option("--out", help="Folder for attribution.json.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Compute the geometry afresh.")
    ] = False,
) -> None:
    """Share a defence's result among its parties, sites, batteries or sensors (Shapley)."""
    from jointshield.analysis.attribution import EXACT_MAX_PLAYERS, attribute
    from jointshield.cli.run import _params
    from jointshield.montecarlo.store import check_folder, make_folder, write_json_atomic

    if out is not None:
        check_folder(out)
    result = attribute(
        scenario,
        arch=arch,
        players=players,
        only=player,
        value=value,
        trials=trials,
        seed=seed,
        params=_params(set_),
        raid=raid,
        permutations=permutations,
        exact=False if sampled else None,
        progress=not as_json,
        cache=not no_cache,
    )
    data = result.to_json()
    if out is not None:
        path = write_json_atomic(make_folder(out) / "attribution.json", data)
    if as_json:
        print_json(data)
        return
    if result.method == "sampled" and not sampled:
        console().print(
            f"{len(result.players)} players are more than the {EXACT_MAX_PLAYERS} whose "
            f"coalitions can be enumerated: orders sampled instead",
            highlight=False,
        )
    _print(result)
    if out is not None:
        console().print(f"wrote {path}", highlight=False)
