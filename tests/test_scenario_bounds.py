"""Physical bounds of scenario numbers, and the checks that make a valid file runnable."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jointshield.cli.scenarios import app
from jointshield.errors import ScenarioError
from jointshield.flight.aim import aim, max_range_m
from jointshield.physics.geo import great_circle_destination
from jointshield.scenario import builtin_names, builtin_path, parse_scenario
from jointshield.theatre.check import check_scenario
from jointshield.theatre.compile import compile_missile, compile_scenario

_LOCATED = re.compile(r"^x\.yaml:\d+ \S+: .+")


def _data(name: str = "europe-2011") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(builtin_path(name).read_text(encoding="utf-8"))
    return data


def _plain(value: Any) -> Any:
    """Strip a sourced number ``{value: ..., tag: ...}`` to its value."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _problems(data: dict[str, Any]) -> list[str]:
    """Load and check YAML data; return its problem lines (empty if it passes)."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        scenario = parse_scenario(text, file="x.yaml")
    except ScenarioError as exc:
        return str(exc).splitlines()
    return [p.format("x.yaml") for p in check_scenario(scenario)]


def _one(data: dict[str, Any], key: str) -> str:
    lines = _problems(data)
    assert lines, "expected a problem"
    assert all(_LOCATED.match(line) for line in lines), lines
    matching = [line for line in lines if f" {key}:" in line]
    assert matching, lines
    return matching[0]


@pytest.mark.parametrize(
    ("collection", "field", "value"),
    [
        ("interceptors", "burnout_speed_kms", 1e6),
        ("interceptors", "max_intercept_alt_km", 1e9),
        ("interceptors", "max_range_km", 1e308),
        ("sites", "alt_m", 1e7),
        ("sites", "alt_m", -1e7),
        ("assets", "population", 2**63),
        ("launch_areas", "radius_km", 1e9),
        ("missiles", "published_range_km", 1e308),
        ("batteries", "rounds", 10**30),
        ("sensors", "revisit_s", 1e300),
        ("links", "latency_s", 1e300),
        # Floats down for hours instead of re-entering (found by the property suite).
        ("missiles", "reentry_ballistic_coefficient_kg_m2", 0.03125),
    ],
)
def test_impossible_magnitudes_are_located_errors(collection: str, field: str, value: Any) -> None:
    """A number beyond its physical bound is an error at its key and line."""
    data = _data()
    data[collection][0][field] = value
    message = _one(data, f"{collection}[0].{field}")
    assert "expected" in message


@pytest.mark.parametrize("value", [-1.0, 1e300])
def test_launch_time_jitter_is_a_bounded_duration(value: float) -> None:
    """A threat's launch time jitter is a duration of 0 to one day, refused at its line."""
    data = _data()
    data["raids"][0]["threats"][0]["launch_time_jitter_s"] = value
    assert "expected" in _one(data, "raids[0].threats[0].launch_time_jitter_s")


def test_stage_specific_impulse_is_bounded() -> None:
    """A stage's specific impulse above what chemistry gives is refused at its line."""
    data = _data()
    data["missiles"][0]["stages"][0]["isp_s"] = 1e308
    assert "500" in _one(data, "missiles[0].stages[0].isp_s")


def test_builtins_pass_every_check() -> None:
    """Every built-in scenario loads, passes the checks and compiles."""
    for name in builtin_names():
        scenario = parse_scenario(builtin_path(name).read_text(encoding="utf-8"), file="x.yaml")
        assert check_scenario(scenario) == []
        compile_scenario(scenario)


@pytest.mark.parametrize(
    "field",
    ["range_max_km", "revisit_s", "reference_rcs_m2", "sigma_range_m", "sigma_az_mrad"],
)
def test_null_radar_figure_is_a_located_error(field: str) -> None:
    """A radar figure given as null is an error at its key, not an undefined radar."""
    data = _data()
    radar = next(i for i, s in enumerate(data["sensors"]) if s["kind"] == "radar")
    data["sensors"][radar][field] = None
    assert "got nothing" in _one(data, f"sensors[{radar}].{field}")


def test_unnamed_link_colliding_with_a_named_one_is_a_duplicate() -> None:
    """An unnamed link whose FROM->TO name another link has is a duplicate name."""
    data = _data()
    link = dict(data["links"][0])
    link.pop("name", None)
    first = dict(data["links"][0], name=f"{link['from_party']}->{link['to_party']}")
    data["links"] = [first, link]
    assert "duplicate name" in _one(data, "links[1]")


@pytest.mark.parametrize(
    ("polygon", "words"),
    [
        ([[40, 10], [50, 20], [50, 10], [40, 20]], "cross"),
        ([[40, 10], [45, 15], [50, 20]], "one line"),
        ([[40, 10], [40, 10], [50, 20], [50, 10]], "repeats"),
        ([[90, 10], [50, 20], [50, 10]], "pole"),
        ([[40, 170], [50, -170], [50, 170]], "date line"),
    ],
)
def test_bad_sector_polygons_are_located_errors(polygon: list[list[float]], words: str) -> None:
    """A self-crossing, flat, repeating, polar or date-line sector is refused at its line."""
    data = _data()
    party = data["parties"][0]["name"]
    data["sectors"] = [{"name": "s", "party": party, "polygon_deg": polygon}]
    lines = [line for line in _problems(data) if "sectors[0].polygon_deg" in line]
    assert lines and any(words in line for line in lines), lines
    assert all(_LOCATED.match(line) for line in lines)


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("burn_time_s", 500.0, "burn_time_s"),
        ("burnout_speed_kms", 1e-300, "burnout_speed_kms"),
    ],
)
def test_interceptor_that_cannot_fly_fails_validation(field: str, value: float, key: str) -> None:
    """An interceptor whose stand-in vehicle cannot be tuned is an error at its line."""
    data = _data()
    data["interceptors"][0][field] = value
    _one(data, f"interceptors[0].{key}")


def test_missile_that_cannot_lift_off_fails_validation() -> None:
    """A missile with thrust-to-weight below one is an error at the missile's line."""
    data = _data()
    data["missiles"][0]["payload_mass_kg"] = 1e6
    assert "thrust-to-weight" in _one(data, "missiles[0]")


def test_target_beyond_reach_fails_validation() -> None:
    """A threat whose target lies beyond its missile's range is an error at the target key."""
    data = _data()
    data["assets"][0]["lat_deg"] = -60.0
    data["assets"][0]["lon_deg"] = -60.0
    target = data["assets"][0]["name"]
    for raid in data["raids"]:
        for threat in raid["threats"]:
            threat["target"] = target
    assert "within reach" in _one(data, "raids[0].threats[0].target")


def test_validate_command_reports_the_checks(tmp_path: Any) -> None:
    """The validate command fails, with file and line, on a file that would not run."""
    data = _data()
    data["interceptors"][0]["burn_time_s"] = 500.0
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, ScenarioError)
    assert "interceptors[0].burn_time_s" in str(result.exception)


def test_show_prints_scenario_text_literally(tmp_path: Any) -> None:
    """Scenario text prints without terminal escapes, markup or emoji codes."""
    data = _data()
    data["title"] = "\x1b]0;owned\x07\x1b[2J [bold]x[/bold] :100:"
    data["sites"][0]["description"] = "\x1b[31mred"
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for extra in ([], ["--sources"]):
        result = CliRunner().invoke(app, ["show", str(path), *extra])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output
        assert "\x07" not in result.output
        assert "[bold]x[/bold] :100:" in result.output
        assert "\\x1b" in result.output


# ---------------------------------------------------------------- property test

_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-300, max_value=1e308).flatmap(lambda x: st.sampled_from([x, -x])),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([None, 0, -1, 0.0, 2**63, 10**30, 1e-300, 1e308]),
)


def _number_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every number in YAML data (a sourced number's ``value`` included)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _number_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _number_paths(v, (*path, i))]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [path]
    return []


_BASES = {name: _data(name) for name in builtin_names()}
_PATHS = {name: _number_paths(data) for name, data in _BASES.items()}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_numbers_are_located_errors_or_run(data: st.DataObject) -> None:
    """A built-in with mutated numbers is a located ScenarioError, or checks clean and compiles."""
    name = data.draw(st.sampled_from(sorted(_BASES)))
    mutated = yaml.safe_load(yaml.safe_dump(_BASES[name]))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_PATHS[name]))
        holder = mutated
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = data.draw(_NUMBERS)
    text = yaml.safe_dump(mutated, sort_keys=False)
    try:
        scenario = parse_scenario(text, file="x.yaml")
    except ScenarioError as exc:
        assert exc.problems
        assert all(p.line is not None and p.key for p in exc.problems), str(exc)
        return
    problems = check_scenario(scenario)
    if problems:
        assert all(p.line is not None and p.key for p in problems), problems
        return
    compile_scenario(scenario)


def test_a_battery_cannot_claim_a_mode_its_interceptor_type_lacks() -> None:
    """Engage on remote claimed by a battery whose type cannot: located at the battery's key."""
    data = _data("europe-2018")
    index = next(i for i, b in enumerate(data["batteries"]) if b["name"] == "aegis-east-med")
    data["batteries"][index]["engage_on_remote"] = True
    line = _one(data, f"batteries[{index}].engage_on_remote")
    assert "cannot have" in line and "sm-3-ib" in line


def test_a_battery_with_no_radar_that_cannot_engage_on_remote_is_refused() -> None:
    """A layer without a radar could never engage: an error at the battery."""
    data = _data("europe-2018")
    data["sensors"] = [s for s in data["sensors"] if s["name"] != "don-2n"]
    index = next(i for i, b in enumerate(data["batteries"]) if b["name"] == "a-135-moscow")
    line = _one(data, f"batteries[{index}]")
    assert "no radar" in line and "engage_on_remote" in line
    # A weapon system that can engage on remote needs no radar of its own.
    kind = next(i for i in data["interceptors"] if i["name"] == "53t6")
    kind["engage_on_remote"] = True
    assert not [p for p in _problems(data) if f"batteries[{index}]" in p]


def test_a_target_out_of_reach_from_the_edge_of_its_launch_area_is_refused() -> None:
    """A launch point may be drawn anywhere in its area: the reach check counts the radius."""
    data = _data("europe-2018")
    tabriz = next(a for a in data["launch_areas"] if a["name"] == "tabriz")
    tabriz["radius_km"] = 400  # Bucharest lies 1,827 km from Tabriz; the Sejjil-2 reaches ~2,000
    line = _one(data, "raids[0].threats[4].target")
    assert "radius" in line and "Bucharest" in line


@pytest.mark.parametrize(("azimuth_deg", "refused"), [(270.0, True), (90.0, False)])
def test_reach_is_checked_on_the_rotating_earth(azimuth_deg: float, refused: bool) -> None:
    """A target at 98.5 % of the fixed-Earth reach: west of the launch point the Earth's
    rotation takes it out of reach (validate refuses it), east it stays within (and aims)."""
    data = _data()
    tabriz = next(a for a in data["launch_areas"] if a["name"] == "tabriz")
    tabriz["radius_km"] = 0
    lat0, lon0 = math.radians(_plain(tabriz["lat_deg"])), math.radians(_plain(tabriz["lon_deg"]))
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False), file="x.yaml")
    model = compile_missile(scenario.missile("shahab-3"))
    lat, lon = great_circle_destination(
        lat0, lon0, math.radians(azimuth_deg), 0.985 * max_range_m(model)
    )
    ankara = next(a for a in data["assets"] if a["name"] == "Ankara")
    ankara["lat_deg"], ankara["lon_deg"] = math.degrees(lat), math.degrees(lon)
    lines = [line for line in _problems(data) if " raids[0].threats[0].target:" in line]
    assert bool(lines) == refused, lines
    if refused:
        assert "rotating Earth" in lines[0]
    else:
        sol = aim(model, lat0, lon0, lat, lon)  # what a run does with it
        assert sol.miss_m[0] <= 1.0


@pytest.mark.parametrize("collection", ["sites", "interceptors"])
def test_a_name_that_is_a_list_is_a_located_error(collection: str) -> None:
    """A name that is not a string is refused at its line, never a traceback in the
    cross-checks (found by the mutation suite: a site named [])."""
    data = _data()
    data[collection][0]["name"] = []
    assert _one(data, f"{collection}[0].name")
