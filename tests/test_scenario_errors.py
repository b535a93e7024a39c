"""Broken scenario files give one ScenarioError naming file, line and key of each problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointshield.errors import ScenarioError
from jointshield.scenario import load_scenario, parse_scenario

VALID = """\
schema: jointshield/scenario-1
name: tiny
title: "A tiny scenario"
default_raid: r1
references:
  nrc-2012: "National Research Council, 2012"
parties:
  - name: NATO
  - name: Russia
sites:
  - name: kurecik
    lat_deg: 38.35
    lon_deg: 37.79
    owner: NATO
  - name: armavir
    lat_deg: 44.93
    lon_deg: 40.98
    owner: Russia
  - name: ship
    lat_deg: 34.5
    lon_deg: 26.0
sensors:
  - name: tpy-2
    kind: radar
    site: kurecik
    boresight_az_deg: 105
    az_half_width_deg: 60
    el_min_deg: 1
    el_max_deg: 70
    range_min_km: 10
    range_max_km: {value: 1500, tag: estimate, source: nrc-2012, note: "fig. 5-8"}
    reference_rcs_m2: 0.1
    revisit_s: 1
    sigma_range_m: 10
    sigma_az_mrad: 0.5
    sigma_el_mrad: 0.5
    p_detect: 0.95
  - name: spy-1
    kind: radar
    site: ship
    owner: NATO
    range_max_km: 700
    reference_rcs_m2: 0.1
    revisit_s: 1
    sigma_range_m: 50
    sigma_az_mrad: 1
    sigma_el_mrad: 1
    p_detect: 0.9
interceptors:
  - name: sm-3-ia
    burnout_speed_kms: 3.0
    burn_time_s: 30
    min_intercept_alt_km: 70
    max_intercept_alt_km: 500
    max_range_km: 900
    pk: 0.7
batteries:
  - name: aegis
    site: ship
    owner: NATO
    interceptor: sm-3-ia
    rounds: 8
missiles:
  - name: shahab-3
    propellant: liquid
    stages:
      - burn_time_s: 110
        propellant_mass_kg: 13200
        dry_mass_kg: 2000
        isp_s: 250
    payload_mass_kg: 1000
    diameter_m: 1.25
    drag_coefficient: 0.3
    reentry_ballistic_coefficient_kg_m2: 4000
    vertical_rise_s: 8
    rcs_m2: 0.3
    published_range_km: 1300
launch_areas:
  - name: tabriz
    lat_deg: 38.08
    lon_deg: 46.29
    radius_km: 50
assets:
  - name: Ankara
    lat_deg: 39.92
    lon_deg: 32.85
    population: 3517182
    owner: NATO
raids:
  - name: r1
    threats:
      - missile: shahab-3
        launch_area: tabriz
        target: Ankara
        count: 2
links:
  - from_party: NATO
    to_party: fusion
    latency_s: 2
    availability: 0.99
"""

# (id, old text, new text, line marker or None for the first line of new, key, phrase)
CASES = [
    ("negative", "    range_max_km: 700\n", "    range_max_km: -5\n", None,
     "sensors[1].range_max_km", "expected a positive number, got -5"),
    ("latitude", "    lat_deg: 38.35\n", "    lat_deg: 95\n", None,
     "sites[0].lat_deg", "expected a latitude in [-90, 90], got 95"),
    ("longitude", "    lon_deg: 46.29\n", "    lon_deg: 200\n", None,
     "launch_areas[0].lon_deg", "expected a longitude in [-180, 180], got 200"),
    ("elevation-order", "    el_min_deg: 1\n", "    el_min_deg: 80\n", None,
     "sensors[0].el_min_deg", "expected el_min_deg ≤ el_max_deg, got 80 > 70"),
    ("range-order", "    range_min_km: 10\n", "    range_min_km: 2000\n", None,
     "sensors[0].range_min_km", "expected range_min_km ≤ range_max_km, got 2000 > 1500"),
    ("altitude-order", "    min_intercept_alt_km: 70\n", "    min_intercept_alt_km: 600\n", None,
     "interceptors[0].min_intercept_alt_km", "expected min_intercept_alt_km ≤ max_intercept"),
    ("pk", "    pk: 0.7\n", "    pk: 1.5\n", None,
     "interceptors[0].pk", "expected a probability in [0, 1], got 1.5"),
    ("p-detect", "    p_detect: 0.9\n", "    p_detect: -0.1\n", None,
     "sensors[1].p_detect", "expected a probability in [0, 1], got -0.1"),
    ("availability", "    availability: 0.99\n", "    availability: 2\n", None,
     "links[0].availability", "expected a probability in [0, 1], got 2"),
    ("mass", "        dry_mass_kg: 2000\n", "        dry_mass_kg: 0\n", None,
     "missiles[0].stages[0].dry_mass_kg", "expected a positive number, got 0"),
    ("time", "    burn_time_s: 30\n", "    burn_time_s: -1\n", None,
     "interceptors[0].burn_time_s", "expected a positive number, got -1"),
    ("unknown-site", "    site: kurecik\n", "    site: kurecick\n", None,
     "sensors[0].site", "unknown site 'kurecick'; did you mean 'kurecik'?"),
    ("unknown-party", "    owner: Russia\n", "    owner: Rusia\n", None,
     "sites[1].owner", "unknown party 'Rusia'; did you mean 'Russia'?"),
    ("unknown-missile", "      - missile: shahab-3\n", "      - missile: shahab3\n", None,
     "raids[0].threats[0].missile", "unknown missile 'shahab3'; did you mean 'shahab-3'?"),
    ("unknown-interceptor", "    interceptor: sm-3-ia\n", "    interceptor: sm3-ia\n", None,
     "batteries[0].interceptor", "unknown interceptor 'sm3-ia'; did you mean 'sm-3-ia'?"),
    ("unknown-launch-area", "        launch_area: tabriz\n", "        launch_area: tabris\n", None,
     "raids[0].threats[0].launch_area", "unknown launch area 'tabris'; did you mean 'tabriz'?"),
    ("unknown-asset", "        target: Ankara\n", "        target: Ankra\n", None,
     "raids[0].threats[0].target", "unknown asset 'Ankra'; did you mean 'Ankara'?"),
    ("unknown-fusion", "    to_party: fusion\n", "    to_party: fusoin\n", None,
     "links[0].to_party", "unknown party 'fusoin'; did you mean 'fusion'?"),
    ("duplicate-name", "  - name: armavir\n", "  - name: kurecik\n", None,
     "sites[1].name", "duplicate name 'kurecik' (first used at line 11)"),
    ("sensor-owner", "    site: ship\n    owner: NATO\n    range_max_km",
     "    site: ship\n    range_max_km", "  - name: spy-1",
     "sensors[1]", "missing key 'owner': give it here or on site 'ship'"),
    ("unknown-tag", "tag: estimate, source", "tag: estmate, source", None,
     "sensors[0].range_max_km.tag", "unknown tag 'estmate'; did you mean 'estimate'?"),
    ("unknown-reference", "source: nrc-2012, note", "source: nrc-2021, note", None,
     "sensors[0].range_max_km.source", "unknown reference 'nrc-2021'; did you mean 'nrc-2012'?"),
    ("sourced-key-typo", 'note: "fig. 5-8"}', 'nte: "fig. 5-8"}', None,
     "sensors[0].range_max_km.nte", "unknown key 'nte' in a sourced value; did you mean 'note'?"),
    ("default-raid-unknown", "default_raid: r1\n", "default_raid: r2\n", None,
     "default_raid", "unknown raid 'r2'; did you mean 'r1'?"),
    ("default-raid-missing", "default_raid: r1\n", "", "schema:",
     "", "missing key 'default_raid'; expected the name of one of the raids: r1"),
    ("key-typo", "    range_min_km: 10\n", "    rnage_min_km: 10\n", None,
     "sensors[0].rnage_min_km", "unknown key 'rnage_min_km'; did you mean 'range_min_km'?"),
    ("missing-key", "    pk: 0.7\n", "", "  - name: sm-3-ia",
     "interceptors[0]", "missing required key 'pk'"),
    ("not-a-number", "    rounds: 8\n", "    rounds: eight\n", None,
     "batteries[0].rounds", "expected a whole number, got 'eight'"),
    ("base-60", "        count: 2\n", "        count: 2\n        launch_time_s: 1:30\n",
     "launch_time_s: 1:30", "raids[0].threats[0].launch_time_s", "expected a number, got '1:30'"),
    ("underscore", "    rounds: 8\n", "    rounds: 1_000\n", None,
     "batteries[0].rounds", "expected a whole number, got '1_000'"),
    ("not-a-kind", "    kind: radar\n    site: ship", "    kind: radr\n    site: ship", None,
     "sensors[1].kind", "expected 'radar' or 'space-ir', got 'radr'; did you mean 'radar'?"),
    ("duplicate-yaml-key", "    lat_deg: 44.93\n", "    lat_deg: 44.93\n    lat_deg: 45\n",
     "lat_deg: 45", "sites[1].lat_deg", "duplicate key 'lat_deg' (first given at line 16)"),
    ("schema", "schema: jointshield/scenario-1\n", "schema: jointshield/scenario-9\n", None,
     "schema", "expected 'jointshield/scenario-1', got 'jointshield/scenario-9'"),
    ("radar-without-rcs", "    range_max_km: 700\n    reference_rcs_m2: 0.1\n",
     "    range_max_km: 700\n", "  - name: spy-1", "sensors[1]",
     "missing key 'reference_rcs_m2'"),
    ("reserved-party", "  - name: Russia\n", "  - name: fusion\n", None,
     "parties[1].name", "'fusion' is reserved"),
]  # fmt: skip


def _write_broken(tmp_path: Path, old: str, new: str, marker: str | None) -> tuple[Path, int]:
    assert VALID.count(old) == 1, old
    text = VALID.replace(old, new)
    if marker is None:
        start = VALID.index(old)
        line = text[:start].count("\n") + 1
    else:
        assert text.count(marker) == 1, marker
        line = text[: text.index(marker)].count("\n") + 1
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line


def test_valid_base_loads() -> None:
    """The base file of the broken-input cases is itself valid."""
    scenario = parse_scenario(VALID, "tiny.yaml")
    assert scenario.raid().threats[0].id == "t1"
    assert scenario.links[0].name == "NATO->fusion"


@pytest.mark.parametrize(
    ("old", "new", "marker", "key", "phrase"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_broken_input_names_file_line_and_key(
    tmp_path: Path, old: str, new: str, marker: str | None, key: str, phrase: str
) -> None:
    """Each kind of broken input gives a ScenarioError naming file, line and key."""
    path, line = _write_broken(tmp_path, old, new, marker)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    where = f"{path}:{line} {key}:" if key else f"{path}:{line}:"
    lines = str(info.value).splitlines()
    assert any(text.startswith(where) and phrase in text for text in lines), (where, lines)
    assert "Traceback" not in str(info.value)
    assert "pydantic" not in str(info.value)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    """Two unrelated mistakes in one file are both reported, in line order."""
    text = VALID.replace("    lat_deg: 38.35\n", "    lat_deg: 95\n").replace(
        "    pk: 0.7\n", "    pk: 7\n"
    )
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.key for p in info.value.problems] == ["sites[0].lat_deg", "interceptors[0].pk"]
    assert info.value.problems[0].line == 12


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("name: x\n  title: [y\n", 2, "invalid YAML"),
        ("name: x\n\ttitle: y\n", 2, "invalid YAML"),
        ("", 1, "expected a mapping of scenario keys at the top level, got an empty file"),
        ("- a\n- b\n", 1, "expected a mapping of scenario keys at the top level, got a list"),
    ],
    ids=["syntax", "tab", "empty", "list"],
)
def test_unreadable_yaml_names_the_line(tmp_path: Path, text: str, line: int, phrase: str) -> None:
    """YAML that is malformed or not a mapping gives a ScenarioError with its line."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:{line}: {phrase}")


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    """A path that does not exist gives a ScenarioError, not an OSError."""
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "absent.yaml")
