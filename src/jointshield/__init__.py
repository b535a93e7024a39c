"""jointshield: simulate, compare and explain cooperative missile-defence architectures.

The public Python API; the ``jointshield`` command line is a thin layer over it.

>>> import jointshield as js
>>> sc = js.load_scenario("europe-2011")
>>> [m.name for m in sc.missiles]
['shahab-3', 'sejjil-2']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from jointshield.analysis.flyouts import FlyoutResult, RaidFlyouts, fly_raid, flyout, free_flight
from jointshield.errors import JointshieldError, OutOfReachError, ScenarioError, UnknownNameError
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

try:
    __version__ = version("jointshield")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_SCENARIO",
    "FlyoutResult",
    "JointshieldError",
    "OutOfReachError",
    "RaidFlyouts",
    "Scenario",
    "ScenarioError",
    "Trajectory",
    "UnknownNameError",
    "__version__",
    "export_scenario",
    "fly_raid",
    "flyout",
    "free_flight",
    "list_scenarios",
    "load_scenario",
    "scenario_hash",
    "scenario_sources",
]
