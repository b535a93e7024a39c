"""The typer application of the command line, its error console and its commands.

Imported by :func:`jointshield.cli.main` once Ctrl-C is handled, so that an
interruption while typer, rich and the commands load exits cleanly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.text import Text

from jointshield.errors import JointshieldError

app = typer.Typer(
    name="jointshield",
    help="Simulate, compare and explain architectures for a cooperative missile defence of Europe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err_console = Console(stderr=True)


def register() -> None:
    """Import the command modules, which registers their commands on :data:`app`."""
    from jointshield.cli import attribute as _attribute  # noqa: F401
    from jointshield.cli import cache as _cache
    from jointshield.cli import exercise as _exercise  # noqa: F401
    from jointshield.cli import flyout as _flyout  # noqa: F401
    from jointshield.cli import footprint as _footprint  # noqa: F401
    from jointshield.cli import reach as _reach  # noqa: F401
    from jointshield.cli import run as _run  # noqa: F401
    from jointshield.cli import scenarios as _scenarios
    from jointshield.cli import timeline as _timeline  # noqa: F401

    app.add_typer(_scenarios.app, name="scenarios")
    app.add_typer(_cache.app, name="cache")


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


def print_error(message: str) -> None:
    """Print ``error: message`` on standard error, the message literally (no markup, no emoji)."""
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", message),
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
    )


@contextmanager
def _tolerant_output() -> Iterator[None]:
    """Let any argument be printed back, on stdout and stderr, while the application runs.

    Python hands a file name with bytes that are not UTF-8 over as lone
    surrogates (``\udcff``); a stream with ``strict`` errors (stdout under a
    UTF-8 locale) would raise on printing it. Such streams write the original
    bytes back (stdout) or an escape (stderr), as Python's own defaults do,
    and get their setting back afterwards.
    """
    changed = []
    for stream, errors in ((sys.stdout, "surrogateescape"), (sys.stderr, "backslashreplace")):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=errors)
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            stream.reconfigure(errors="strict")


def run_app(argv: list[str] | None) -> int:
    """Run the application on ``argv``; return the exit status (as ``main`` says)."""
    register()
    with _tolerant_output():
        try:
            app(args=argv, prog_name="jointshield", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except JointshieldError as exc:
            print_error(str(exc))
            return 2
        except OSError as exc:
            # The system refused a path the user gave (too long, not permitted, ...).
            where = f"{exc.filename}: " if exc.filename is not None else ""
            print_error(f"{where}{exc.strerror or exc}")
            return 2
        return 0
