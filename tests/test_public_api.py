"""The public names of the package are few and pinned."""

from __future__ import annotations

import doctest

import jointshield


def test_public_names_are_pinned() -> None:
    """``jointshield.__all__`` lists exactly the names the documentation promises: the main job
    (compare, run, sweep, timeline), the compile step, scenarios and flyouts."""
    assert sorted(jointshield.__all__) == sorted(
        [
            "Comparison",
            "DEFAULT_SCENARIO",
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
    )
    for name in jointshield.__all__:
        assert hasattr(jointshield, name)


def test_package_docstring_example_runs() -> None:
    """The example in the package docstring runs and prints what it says."""
    result = doctest.testmod(jointshield, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_importing_runs_nothing() -> None:
    """Importing the package sets up no logging handlers and starts no processes."""
    import logging
    import multiprocessing

    assert not logging.getLogger("jointshield").handlers
    assert not multiprocessing.active_children()
