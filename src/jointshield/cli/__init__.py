"""The ``jointshield`` command line.

The CLI only parses arguments and calls the Python API: everything a command
does is one call of a public function, so notebooks get the same power.
User mistakes (:class:`~jointshield.errors.JointshieldError`) are printed as
one clear message and exit with status 2, never as a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from jointshield.errors import JointshieldError

app = typer.Typer(
    name="jointshield",
    help="Simulate, compare and explain architectures for a cooperative missile defence of Europe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err_console = Console(stderr=True)


def _register() -> None:
    # Sub-commands live in their own modules; importing them registers them on ``app``.
    from jointshield.cli import flyout as _flyout  # noqa: F401
    from jointshield.cli import scenarios as _scenarios

    app.add_typer(_scenarios.app, name="scenarios")


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """Simulate, compare and explain architectures for a cooperative missile defence of Europe."""
    if version:
        from jointshield import __version__

        typer.echo(__version__)
        raise typer.Exit()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except JointshieldError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
