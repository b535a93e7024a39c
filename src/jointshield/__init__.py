"""jointshield: simulate, compare and explain cooperative missile-defence architectures.

The public Python API; the ``jointshield`` command line is a thin layer over it.
The main job, the five architectures side by side on the default scenario:

>>> import jointshield as js
>>> cmp = js.compare("europe-2011", trials=200, progress=False)  # doctest: +SKIP
>>> [r.summary.architecture for r in cmp.results]  # doctest: +SKIP
['national', 'early-warning', 'data-exchange', 'sectoral', 'joint']

A scenario is a YAML file; the compile step turns it into the domain objects
that every study works on, in SI units:

>>> sc = js.load_scenario("europe-2011")
>>> [m.name for m in sc.missiles]
['shahab-3', 'sejjil-2']
>>> theatre = js.compile_scenario(sc)
>>> [r.name for r in theatre.radars][:3]
['spy-1-east-med', 'tpy-2-kurecik', 'daryal-gabala']
>>> [(b.name, b.launch_on_remote) for b in theatre.batteries]
[('aegis-east-med', True), ('a-135-moscow', False)]

The names are imported on first use, so that ``import jointshield`` (and the
command line's ``--help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jointshield.record import VERSION as __version__

if TYPE_CHECKING:
    from jointshield.analysis.flyouts import (
        FlyoutResult,
        RaidFlyouts,
        fly_raid,
        flyout,
        free_flight,
    )
    from jointshield.analysis.runs import Comparison, RunResult, compare, run, sweep
    from jointshield.analysis.timeline import Timeline, timeline
    from jointshield.errors import (
        JointshieldError,
        OutOfReachError,
        ScenarioError,
        UnknownNameError,
    )
    from jointshield.report.export import Trajectory
    from jointshield.scenario import (
        DEFAULT_SCENARIO,
        Scenario,
        export_scenario,
        list_scenarios,
        load_scenario,
        scenario_hash,
        scenario_sources,
    )
    from jointshield.theatre.compile import compile_scenario, theatre_of
    from jointshield.theatre.model import Theatre

# Public name -> the module that defines it.
_HOMES: dict[str, str] = {
    "Comparison": "jointshield.analysis.runs",
    "DEFAULT_SCENARIO": "jointshield.scenario",
    "FlyoutResult": "jointshield.analysis.flyouts",
    "JointshieldError": "jointshield.errors",
    "OutOfReachError": "jointshield.errors",
    "RaidFlyouts": "jointshield.analysis.flyouts",
    "RunResult": "jointshield.analysis.runs",
    "Scenario": "jointshield.scenario",
    "ScenarioError": "jointshield.errors",
    "Theatre": "jointshield.theatre.model",
    "Timeline": "jointshield.analysis.timeline",
    "Trajectory": "jointshield.report.export",
    "UnknownNameError": "jointshield.errors",
    "compare": "jointshield.analysis.runs",
    "compile_scenario": "jointshield.theatre.compile",
    "export_scenario": "jointshield.scenario",
    "fly_raid": "jointshield.analysis.flyouts",
    "flyout": "jointshield.analysis.flyouts",
    "free_flight": "jointshield.analysis.flyouts",
    "list_scenarios": "jointshield.scenario",
    "load_scenario": "jointshield.scenario",
    "run": "jointshield.analysis.runs",
    "scenario_hash": "jointshield.scenario",
    "scenario_sources": "jointshield.scenario",
    "sweep": "jointshield.analysis.runs",
    "theatre_of": "jointshield.theatre.compile",
    "timeline": "jointshield.analysis.timeline",
}

__all__ = [
    "DEFAULT_SCENARIO",
    "Comparison",
    "FlyoutResult",
    "JointshieldError",
    "OutOfReachError",
    "RaidFlyouts",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Theatre",
    "Timeline",
    "Trajectory",
    "UnknownNameError",
    "__version__",
    "compare",
    "compile_scenario",
    "export_scenario",
    "fly_raid",
    "flyout",
    "free_flight",
    "list_scenarios",
    "load_scenario",
    "run",
    "scenario_hash",
    "scenario_sources",
    "sweep",
    "theatre_of",
    "timeline",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'jointshield' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
