"""The project's own exceptions.

Every error a user can cause says what was expected, what came, and where
(file, line and key), so that the command line can print it as one sentence
instead of a traceback::

    europe-2011.yaml:42 sensors[3].range_km: expected a positive number, got -5
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


class JointshieldError(Exception):
    """Base class of every error that jointshield raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file.

    Parameters
    ----------
    key : str
        Dotted path of the offending key, e.g. ``sensors[3].range_km``.
    message : str
        What was expected and what came.
    line : int or None
        1-based line in the file, where known.
    """

    key: str
    message: str
    line: int | None = None

    def format(self, file: str | None) -> str:
        """Return ``file:line key: message`` with the parts that are known."""
        where = file or "<scenario>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where} {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass
class ScenarioError(JointshieldError):
    """A scenario file is malformed or inconsistent.

    Carries every problem found, not only the first, so that a user can fix
    a file in one pass.
    """

    file: str | None
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(p.format(self.file) for p in self.problems)


class OutOfReachError(JointshieldError):
    """A target lies beyond a missile's reach.

    Parameters
    ----------
    missile : str
        Name of the missile type.
    range_km : float
        Ground range asked for, km.
    max_range_km : float
        Greatest ground range the missile reaches on this bearing, km.
    """

    def __init__(self, missile: str, range_km: float, max_range_km: float) -> None:
        self.missile = missile
        self.range_km = range_km
        self.max_range_km = max_range_km
        super().__init__(
            f"target at {range_km:,.0f} km is beyond the reach of {missile}: "
            f"its maximum range on this bearing is {max_range_km:,.0f} km"
        )


class UnknownNameError(JointshieldError):
    """A name (scenario, site, missile, ...) that does not exist, with suggestions."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(unknown_name_message(kind, name, known))


def closest(name: str, known: Iterable[str]) -> str | None:
    """Return the known name closest to ``name``, or None if none is close."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    if not matches:
        lower = {k.lower(): k for k in known}
        matches = [lower[m] for m in difflib.get_close_matches(name.lower(), lower, n=1)]
    return matches[0] if matches else None


def unknown_name_message(kind: str, name: str, known: Iterable[str]) -> str:
    """Say that ``name`` is not a known ``kind``, suggesting the closest match."""
    known = sorted(known)
    guess = closest(name, known)
    hint = f"; did you mean {guess!r}?" if guess else ""
    listing = ", ".join(known) if len(known) <= 12 else ", ".join(known[:12]) + ", ..."
    return f"unknown {kind} {name!r}{hint} (known: {listing})"
