"""Sectors of responsibility come from the scenario and decide the sectoral architecture."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointshield.architectures.sectors import DEFAULT_SECTORS, Sector
from jointshield.battle.fight import fight
from jointshield.errors import JointshieldError, ScenarioError
from jointshield.scenario import load_scenario, parse_scenario
from jointshield.scenario.checks import polygon_problems as file_problems
from test_battle import _one_on_one
from theatres import theatre


def test_built_in_sectors_are_the_default_split() -> None:
    """The built-in scenarios carry the default split, vertex for vertex."""
    for name in ("europe-2011", "europe-2018"):
        sectors = theatre(load_scenario(name)).sectors
        assert [(s.party, s.polygon_deg) for s in sectors] == [
            (s.party, s.polygon_deg) for s in DEFAULT_SECTORS
        ]


def test_sectoral_responsibility_follows_the_scenario_sectors() -> None:
    """Giving every sector to Russia leaves NATO's battery not responsible under 'sectoral'."""
    sc = _one_on_one(0.9)
    russian = tuple(s.model_copy(update={"party": "Russia"}) for s in sc.sectors)
    as_given = fight(theatre(sc), arch="sectoral", trials=100, seed=2)
    all_russian = fight(
        theatre(sc.model_copy(update={"sectors": russian})), arch="sectoral", trials=100, seed=2
    )
    assert as_given.trials.killed.mean() > 0.9
    assert not all_russian.trials.killed.any()
    assert "not-responsible" in all_russian.leak_reasons()


def test_sector_of_an_unknown_party_is_reported_with_line() -> None:
    """A sector naming no party is an error at its line, with the closest party suggested."""
    text = """schema: jointshield/scenario-1
name: s
title: t
parties: [{name: NATO}, {name: Russia}]
sectors:
  - {name: west, party: NAT0, polygon_deg: [[40, 0], [50, 0], [50, 10]]}
"""
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="s.yaml")
    assert "s.yaml:6 sectors[0].party" in str(err.value)
    assert "NATO" in str(err.value)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([-90.0, -45.0, 0.0, 10.0, 45.0, 89.0, 90.0]),
            st.sampled_from([-180.0, -179.0, 0.0, 10.0, 20.0, 179.0, 180.0]),
        ),
        min_size=3,
        max_size=6,
    )
)
def test_the_file_check_and_the_domain_refuse_the_same_polygons(vertices) -> None:
    """One rule: `scenarios validate` reports a polygon exactly when Sector refuses it."""
    reported = file_problems([list(v) for v in vertices])
    try:
        Sector("NATO", tuple(vertices), name="s")
        refused = False
    except JointshieldError:
        refused = True
    assert refused == bool(reported), (vertices, reported)
