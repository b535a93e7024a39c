"""``jointshield cache``: where the geometry cache lives, what it holds, and clearing it.

The cache (:mod:`jointshield.cache`) keeps the deterministic geometry of past
runs: raids aimed and flown, the radars' views of them, and interceptor
reach tables. Clearing it loses nothing but time: every entry is recomputed
when next needed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jointshield.cache import GeometryCache, default_folder
from jointshield.cli._output import print_json

__all__ = ["app"]

app = typer.Typer(
    name="cache",
    help="Show or clear the cache of deterministic geometry (flights, radar views, reach).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_WHAT = {
    "raid": "raids flown",
    "picture": "radar views of a raid",
    "cued": "radar views under cues",
    "fused": "fused tracks' fire-control times",
    "reach": "interceptor reach tables",
}


def _mib(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:,.1f} MiB"


@app.command("info")
def info_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Print the cache's folder and what it holds."""
    cache = GeometryCache(default_folder())
    held = cache.info()
    if as_json:
        print_json(
            {
                "folder": str(cache.folder),
                "kinds": {k: {"entries": n, "bytes": b} for k, (n, b) in held.items()},
            }
        )
        return
    typer.echo(f"folder: {cache.folder}")
    if not held:
        typer.echo("empty")
        return
    for kind, (n, size) in held.items():
        typer.echo(f"{kind:<8} {n:>6,} entries {_mib(size):>12}  {_WHAT.get(kind, '')}")
    total_n = sum(n for n, _ in held.values())
    total = sum(b for _, b in held.values())
    typer.echo(f"{'total':<8} {total_n:>6,} entries {_mib(total):>12}")


@app.command("clear")
def clear_command() -> None:
    """Delete every entry of the cache (each is recomputed when next needed)."""
    cache = GeometryCache(default_folder())
    files, size = cache.clear()
    typer.echo(f"removed {files:,} files ({_mib(size)}) from {cache.folder}")
