"""Compiled theatres for the tests, sharing one cache of reach tables.

A reach table takes seconds to fly; every test that compiles a scenario
through :func:`theatre` shares the tables of equal interceptor types.
"""

from __future__ import annotations

from pathlib import Path

from jointshield.flight.reach import ReachTables
from jointshield.scenario import Scenario
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

REACH = ReachTables()


def theatre(
    source: Theatre | Scenario | str | Path | None = None, *, cache: bool = True
) -> Theatre:
    """Compile a scenario (a name, a file or a loaded one) with the shared reach tables.

    With ``cache``, the theatre keeps its geometry in the test session's cache folder
    (see ``conftest.py``); without, it computes everything itself.
    """
    return theatre_of(source, reach=REACH, cache=cache)
