"""What every command prints: strict JSON, and tables laid out for the terminal."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from jointshield.jsonio import dumps
from jointshield.report.tables import Grid, render

__all__ = ["console", "print_grid", "print_json"]


def console() -> Console:
    """Return a console for results: no highlighting, so numbers print as written."""
    return Console(highlight=False)


def print_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON (``null`` for NaN and infinities), indented."""
    typer.echo(dumps(obj, indent=2))


def print_grid(grid: Grid, out: Console | None = None) -> None:
    """Print a table laid out for the console's width, cutting no name and no interval."""
    out = out or console()
    for part in render(grid, out.width):
        out.print(part)
