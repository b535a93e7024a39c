"""The ``jointshield`` command line.

The CLI only parses arguments and calls the Python API: everything a command
does is one call of a public function, so notebooks get the same power.
User mistakes (:class:`~jointshield.errors.JointshieldError`) are printed as
one clear message and exit with status 2, never as a traceback.

Start-up is kept light: the command modules import typer, rich and the
ground-floor modules only, and each command imports the API (NumPy, SciPy,
pydantic, the analysis layer) in its body, when it runs. ``--help`` and
``--version`` load none of them.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

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
    from jointshield.cli import run as _run  # noqa: F401
    from jointshield.cli import scenarios as _scenarios
    from jointshield.cli import timeline as _timeline  # noqa: F401

    app.add_typer(_scenarios.app, name="scenarios")


def _print_version(value: bool) -> None:
    if value:
        from jointshield.record import VERSION

        typer.echo(VERSION)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Simulate, compare and explain architectures for a cooperative missile defence of Europe."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status.

    Usage errors and ``--help`` are handled by typer (status 2 and 0); our own
    errors, which are the user's mistakes, print one line and give status 2.
    """
    _register()
    try:
        app(args=argv, prog_name="jointshield", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except JointshieldError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
