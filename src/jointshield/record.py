"""What every result records about where it came from: scenario, hash, version.

Every output of the tool (a flyout, a timeline, a run, a comparison, a
sweep) records the same origin: the scenario's name and content hash
(:func:`jointshield.scenario.scenario_hash`) and the version of jointshield
that computed it, plus what the study adds (raid, architecture, seed,
trials). :class:`Origin` is the one place that writes it. (The sources of
the numbers *in* a scenario are another matter:
:mod:`jointshield.scenario.provenance`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["VERSION", "Origin"]

try:
    VERSION: str = version("jointshield")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0.0.0+unknown"


@dataclass(frozen=True)
class Origin:
    """The scenario a result was computed from, and the code that computed it.

    Parameters
    ----------
    scenario : str
        The scenario's name.
    scenario_hash : str
        SHA-256 of the scenario's content (names, numbers and texts).
    version : str
        The jointshield version.

    Examples
    --------
    >>> Origin("europe-2011", "ab12", "1.0").meta(raid="iran-2011")["raid"]
    'iran-2011'
    >>> list(Origin("europe-2011", "ab12", "1.0").meta())
    ['scenario', 'scenario_hash', 'jointshield_version']
    """

    scenario: str
    scenario_hash: str
    version: str = VERSION

    def meta(self, **extra: Any) -> dict[str, Any]:
        """Return the provenance as a JSON-ready dict, with ``extra`` fields before the version."""
        return {
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            **extra,
            "jointshield_version": self.version,
        }
