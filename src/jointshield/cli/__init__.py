"""The ``jointshield`` command line.

The CLI only parses arguments and calls the Python API: everything a command
does is one call of a public function, so notebooks get the same power.
User mistakes (:class:`~jointshield.errors.JointshieldError`) are printed as
one clear message and exit with status 2, never as a traceback.

Start-up is kept light: the command modules import typer, rich and the
ground-floor modules only, and each command imports the API (NumPy, SciPy,
pydantic, the analysis layer) in its body, when it runs. ``--help`` and
``--version`` load none of them.

Ctrl-C exits with status 130 and the line ``interrupted`` from the first
instant: :func:`main` handles it before it imports typer, rich or a command.
This module itself imports nothing but the standard library's ``sys``.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status.

    Usage errors and ``--help`` are handled by typer (status 2 and 0); our own
    errors, which are the user's mistakes, print one line and give status 2;
    Ctrl-C, at any moment (while typer, rich and the commands import as well
    as while a command runs), prints ``interrupted`` and gives status 130.
    """
    try:
        from jointshield.cli import _app

        return _app.run_app(argv)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
