"""A loaded scenario pickles and deep-copies with its file, key lines and provenance."""

from __future__ import annotations

import copy
import multiprocessing
import operator
import pickle

import pytest

from jointshield.scenario import Scenario, builtin_names, load_scenario, scenario_hash

# Dotted paths whose lines are checked, with every sourced value's path added to them.
PATHS = ("", "sensors", "sensors[1]", "sensors[1].range_max_km", "raids[0].threats[0].count")


@pytest.fixture(scope="module", params=builtin_names())
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return load_scenario(request.param)


def _lines(scenario: Scenario) -> dict[str, int | None]:
    return {path: scenario.line_of(path) for path in (*PATHS, *scenario.provenance)}


def _assert_same(copied: Scenario, original: Scenario) -> None:
    assert copied == original
    assert scenario_hash(copied) == scenario_hash(original)
    assert copied.file == original.file
    assert _lines(copied) == _lines(original)
    assert dict(copied.provenance) == dict(original.provenance)
    assert len(copied.provenance) > 0


def test_pickle_round_trip_keeps_origin(scenario: Scenario) -> None:
    """A pickled and unpickled scenario equals the original, with its hash, lines and provenance."""
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        _assert_same(pickle.loads(pickle.dumps(scenario, protocol=protocol)), scenario)


def test_deep_copy_keeps_origin(scenario: Scenario) -> None:
    """copy.deepcopy and model_copy(deep=True) keep the file, lines and provenance."""
    _assert_same(copy.deepcopy(scenario), scenario)
    _assert_same(scenario.model_copy(deep=True), scenario)


def test_origin_stays_read_only_after_a_round_trip(scenario: Scenario) -> None:
    """The provenance of an unpickled scenario cannot be changed in place, as before pickling."""
    copied = pickle.loads(pickle.dumps(scenario))
    path = next(iter(scenario.provenance))
    for view in (scenario.provenance, copied.provenance):
        with pytest.raises(TypeError):
            view[path] = view[path]


def test_a_spawned_worker_receives_a_scenario() -> None:
    """A pool under the spawn start method gets a scenario whole: hash, lines and provenance."""
    scenario = load_scenario(builtin_names()[0])
    path = "sensors[1].range_max_km"
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        digest = pool.apply(scenario_hash, (scenario,))
        line = pool.apply(operator.methodcaller("line_of", path), (scenario,))
        provenance = pool.apply(operator.attrgetter("provenance"), (scenario,))
        echoed = pool.apply(copy.copy, (scenario,))
    assert digest == scenario_hash(scenario)
    assert line == scenario.line_of(path) is not None
    assert dict(provenance) == dict(scenario.provenance)
    _assert_same(echoed, scenario)
