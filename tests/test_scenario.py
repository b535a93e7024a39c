"""Built-in scenarios, provenance, hashing and export."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jointshield.errors import ScenarioError, UnknownNameError
from jointshield.physics.constants import G0_MPS2
from jointshield.scenario import (
    DEFAULT_SCENARIO,
    TAGS,
    Scenario,
    ScenarioExistsError,
    builtin_names,
    builtin_path,
    export_scenario,
    list_scenarios,
    load_scenario,
    parse_scenario,
    scenario_hash,
    scenario_sources,
)

BUILTINS = ["europe-2011", "europe-2013", "europe-2018", "europe-north", "icbm-reach"]
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, enough for a range check with margin
PROVENANCE_KEYS = ("tag", "source", "note")
SPACE_IR_FIELDS = ("p_detect", "delay_s")  # what a space-ir sensor reads


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _unsourced_numbers(
    node: Any, path: str = "", inherited: dict[str, Any] | None = None
) -> list[str]:
    """Walk raw YAML data and return the paths of numbers lacking a tag or a source.

    Independent of the loader: item-level tag/source/note are inherited by
    nesting, a {value: ...} mapping supplies its own, and an assumption also
    needs a note saying why it was chosen.
    """
    inherited = inherited or {}
    bad: list[str] = []
    if isinstance(node, dict):
        if "value" in node:
            own = {**inherited, **{k: node[k] for k in PROVENANCE_KEYS if k in node}}
            return _unsourced_numbers(node["value"], path, own)
        here = {**inherited, **{k: node[k] for k in PROVENANCE_KEYS if k in node}}
        for key, value in node.items():
            if key in PROVENANCE_KEYS or (not path and key == "references"):
                continue
            bad += _unsourced_numbers(value, f"{path}.{key}" if path else key, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            bad += _unsourced_numbers(item, f"{path}[{index}]", inherited)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        tag = str(inherited.get("tag", "")).lower()
        unexplained = tag in ("assumption", "a") and not inherited.get("note")
        if not inherited.get("source") or not tag or unexplained:
            bad.append(path)
    return bad


def _reverse_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _reverse_keys(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [_reverse_keys(item) for item in node]
    return node


def test_builtin_names_are_listed_with_the_default_marked() -> None:
    """The built-ins are europe-2011 (the default), the other europe-* and icbm-reach."""
    assert builtin_names() == BUILTINS
    infos = list_scenarios()
    assert [info.name for info in infos] == BUILTINS
    assert [info.default for info in infos] == [name == "europe-2011" for name in BUILTINS]
    assert DEFAULT_SCENARIO == "europe-2011"
    assert all(info.file.is_file() and info.title for info in infos)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads(name: str) -> None:
    """Every built-in scenario loads into a frozen Scenario with its default raid."""
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.file == f"{name}.yaml"
    assert [party.name for party in scenario.parties] == ["NATO", "Russia"]
    assert scenario.raid().missile_count > 0
    with pytest.raises(Exception, match="frozen"):
        scenario.sites[0].lat_deg = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_number_has_tag_and_source(name: str) -> None:
    """Every number in a built-in file carries a tag and a source, and every assumption a note."""
    data = yaml.safe_load(builtin_path(name).read_text(encoding="utf-8"))
    assert _unsourced_numbers(data) == []


def test_unsourced_number_check_catches_a_plain_number() -> None:
    """The raw-YAML walk above flags a number whose item lost its provenance."""
    text = builtin_path("europe-2011").read_text(encoding="utf-8")
    stripped = text.replace(', tag: official, source: geonames, note: "geonameid 323786"', "")
    assert stripped != text
    bad = _unsourced_numbers(yaml.safe_load(stripped))
    assert "assets[0].lat_deg" in bad
    assert "assets[0].population" in bad


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_sources_table_is_complete(name: str) -> None:
    """scenario_sources gives every number of a built-in a known tag and a resolvable source."""
    scenario = load_scenario(name)
    rows = scenario_sources(scenario)
    assert rows
    # A space-based sensor reads only its reporting delay and detection probability (see
    # compile_space_ir); the radar fields it leaves at their defaults are no number of it.
    space_ir = {f"sensors[{i}]" for i, s in enumerate(scenario.sensors) if s.kind == "space-ir"}
    rows = [
        row
        for row in rows
        if not (
            row.note == "schema default"
            and row.path.rsplit(".", 1)[0] in space_ir
            and row.path.rsplit(".", 1)[1] not in SPACE_IR_FIELDS
        )
    ]
    for row in rows:
        assert row.tag in TAGS, row
        assert row.source, row
        assert row.note != "schema default", row
    keys = {p.source_key for p in scenario.provenance.values() if p.source_key}
    assert keys <= set(scenario.references)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_threats_are_within_published_range(name: str) -> None:
    """Each threat's target lies within its missile's published range from anywhere in the area."""
    scenario = load_scenario(name)
    for raid in scenario.raids:
        for threat in raid.threats:
            area = scenario.launch_area(threat.launch_area)
            target = scenario.asset(threat.target)
            missile = scenario.missile(threat.missile)
            distance_km = _great_circle_km(
                area.lat_deg, area.lon_deg, target.lat_deg, target.lon_deg
            )
            assert distance_km + area.radius_km <= missile.published_range_km, threat


def test_provenance_is_stripped_and_kept() -> None:
    """Sourced numbers load as plain floats and keep tag, source, note and line."""
    scenario = load_scenario("europe-2011")
    radar = scenario.sensor("tpy-2-kurecik")
    assert radar.range_max_km == 1500.0
    assert isinstance(radar.range_max_km, float)
    record = scenario.provenance["sensors[1].range_max_km"]
    assert record.tag == "estimate"
    assert record.source_key == "nrc-2012"
    assert record.source is not None and "National Research Council" in record.source
    assert record.note is not None and "fig. 5-8" in record.note
    assert record.line == scenario.line_of("sensors[1].range_max_km")
    # Item-level provenance reaches the item's plain numbers.
    noise = scenario.provenance["sensors[1].sigma_range_m"]
    assert (noise.tag, noise.source_key) == ("assumption", "jointshield")


def test_item_provenance_is_inherited_and_overridden() -> None:
    """An item's tag/source/note apply to its plain numbers; a sourced number overrides them."""
    text = """
schema: jointshield/scenario-1
name: t
title: t
references: {ref-a: "Reference A", ref-b: "Reference B"}
parties: [{name: P}]
sites:
  - name: s
    tag: P
    source: ref-a
    note: whole item
    lat_deg: 10
    lon_deg: {value: 20, tag: O, source: ref-b}
    alt_m: {value: 5, source: "Free text"}
"""
    scenario = parse_scenario(text, "t.yaml")
    lat = scenario.provenance["sites[0].lat_deg"]
    lon = scenario.provenance["sites[0].lon_deg"]
    alt = scenario.provenance["sites[0].alt_m"]
    assert (lat.tag, lat.source_key, lat.note) == ("press", "ref-a", "whole item")
    assert (lon.tag, lon.source_key, lon.source) == ("official", "ref-b", "Reference B")
    assert (alt.tag, alt.source_key, alt.source) == ("press", None, "Free text")
    assert scenario.sites[0].lon_deg == 20.0


def test_owner_defaults_to_site_owner() -> None:
    """A sensor or battery without an owner gets its site's owner."""
    scenario = load_scenario("europe-2011")
    assert scenario.sensor("daryal-gabala").owner == "Russia"
    assert scenario.battery("aegis-east-med").owner == "NATO"


def test_stage_thrust_follows_from_isp() -> None:
    """A stage's vacuum thrust is isp_s * g0 * propellant_mass_kg / burn_time_s."""
    stage = load_scenario("europe-2011").missile("shahab-3").stages[0]
    expected = stage.isp_s * G0_MPS2 * stage.propellant_mass_kg / stage.burn_time_s
    assert stage.thrust_n == pytest.approx(expected, rel=1e-12)


def test_lookup_of_unknown_name_suggests() -> None:
    """Looking up a misspelt name raises UnknownNameError with the closest name."""
    scenario = load_scenario("europe-2011")
    with pytest.raises(UnknownNameError, match="did you mean 'kurecik'"):
        scenario.site("kurecick")
    with pytest.raises(UnknownNameError, match="did you mean"):
        load_scenario("europe-2012")


@pytest.mark.parametrize("name", BUILTINS)
def test_export_then_load_gives_the_same_hash(name: str, tmp_path: Path) -> None:
    """An exported built-in is a verbatim copy that loads to the same content hash."""
    dest = export_scenario(name, tmp_path / "copy.yaml")
    assert dest.read_bytes() == builtin_path(name).read_bytes()
    assert "#" in dest.read_text(encoding="utf-8")  # comments survive
    assert scenario_hash(load_scenario(dest)) == scenario_hash(load_scenario(name))


def test_export_refuses_to_overwrite(tmp_path: Path) -> None:
    """Export refuses an existing file unless told to overwrite it."""
    dest = tmp_path / "mine.yaml"
    dest.write_text("my edits\n", encoding="utf-8")
    with pytest.raises(ScenarioExistsError, match="already exists"):
        export_scenario("europe-2011", dest)
    assert dest.read_text(encoding="utf-8") == "my edits\n"
    export_scenario("europe-2011", dest, overwrite=True)
    assert dest.read_bytes() == builtin_path("europe-2011").read_bytes()


def test_export_into_a_directory(tmp_path: Path) -> None:
    """Exporting to a directory writes NAME.yaml inside it."""
    assert export_scenario("europe-2018", tmp_path) == tmp_path / "europe-2018.yaml"


@pytest.mark.parametrize("name", BUILTINS)
def test_hash_ignores_key_order_and_formatting(name: str) -> None:
    """Reordering every mapping's keys and re-dumping the YAML keeps the hash."""
    original = load_scenario(name)
    data = yaml.safe_load(builtin_path(name).read_text(encoding="utf-8"))
    text = yaml.safe_dump(_reverse_keys(data), sort_keys=False, allow_unicode=True, width=60)
    assert scenario_hash(parse_scenario(text)) == scenario_hash(original)


def test_hash_ignores_provenance_but_not_values() -> None:
    """Writing a sourced number plain keeps the hash; changing its value does not."""
    text = builtin_path("europe-2011").read_text(encoding="utf-8")
    sourced = (
        'range_max_km: {value: 1500, tag: estimate, source: nrc-2012, note: "as drawn in '
        'fig. 5-8; Lewis and Postol call it too large"}'
    )
    assert sourced in text
    base = scenario_hash(parse_scenario(text))
    assert scenario_hash(parse_scenario(text.replace(sourced, "range_max_km: 1500.0"))) == base
    assert scenario_hash(parse_scenario(text.replace(sourced, "range_max_km: 1400"))) != base


def test_reading_exponent_notation() -> None:
    """Numbers such as 1e-3 read as numbers, not text."""
    text = "schema: jointshield/scenario-1\nname: t\ntitle: t\nparties: [{name: P}]\n"
    text += "sites: [{name: s, lat_deg: 1e-3, lon_deg: -2E1}]\n"
    site = parse_scenario(text).sites[0]
    assert (site.lat_deg, site.lon_deg) == (0.001, -20.0)


_SITE_TEMPLATE = (
    "schema: jointshield/scenario-1\nname: t\ntitle: t\nparties: [{{name: P}}]\n"
    "sites:\n  - name: s\n    lat_deg: {lat}\n    lon_deg: {lon}\n"
)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_any_valid_position_round_trips(lat: float, lon: float) -> None:
    """Any latitude in [-90, 90] and longitude in [-180, 180] loads back unchanged."""
    site = parse_scenario(_SITE_TEMPLATE.format(lat=repr(lat), lon=repr(lon))).sites[0]
    assert (site.lat_deg, site.lon_deg) == (lat, lon)


@settings(max_examples=40, deadline=None)
@given(lat=st.floats(min_value=90, exclude_min=True, allow_nan=False, allow_infinity=False))
def test_any_latitude_beyond_the_pole_is_an_error(lat: float) -> None:
    """A latitude above 90° is reported at its line and key."""
    text = _SITE_TEMPLATE.format(lat=repr(lat), lon="0.0")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "p.yaml")
    assert "p.yaml:7 sites[0].lat_deg: expected a latitude in [-90, 90]" in str(info.value)
