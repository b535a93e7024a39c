"""Scenario YAML reads numbers, booleans and nulls as a person means them (YAML 1.2 core schema)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from jointshield.errors import ScenarioError
from jointshield.scenario import builtin_names, builtin_path, parse_scenario
from jointshield.scenario.yamlio import read_yaml

# (written, read) for plain scalars; the type of the value read is part of what is checked.
INTEGERS = [
    ("010", 10),  # decimal, not YAML 1.1's octal eight
    ("007", 7),
    ("0", 0),
    ("-0", 0),
    ("+12", 12),
    ("-7", -7),
    ("12345678901234567890", 12345678901234567890),
    ("0o17", 15),
    ("0o010", 8),
    ("0x1F", 31),
    ("0xff", 255),
]
FLOATS = [
    ("1.5", 1.5),
    ("-1.5", -1.5),
    (".5", 0.5),
    ("+.5", 0.5),
    ("1.", 1.0),
    ("010.5", 10.5),
    ("1e-5", 1e-5),  # YAML 1.1 reads an exponent without a point as text
    ("-2E3", -2000.0),
    ("1.5e+2", 150.0),
    ("012e3", 12000.0),
    (".inf", math.inf),
    (".Inf", math.inf),
    ("+.INF", math.inf),
    ("-.inf", -math.inf),
]
NANS = [".nan", ".NaN", ".NAN"]
BOOLEANS = [
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
]
NULLS = ["null", "Null", "NULL", "~", ""]
# YAML 1.1 reads each of these as a number, a boolean, a null or a date; here they are text.
TEXTS = [
    "1:30",  # base 60: YAML 1.1 reads ninety
    "1:30.5",
    "-1:30",
    "1_000",
    "1_000.5",
    "0b101",
    "0o8",
    "-0x1F",
    "0x",
    "yes",
    "no",
    "Yes",
    "NO",
    "on",
    "off",
    "On",
    "OFF",
    "y",
    "n",
    "tRue",
    "nULL",
    "2011-05-01",
    "2011-05-01 12:00:00",
    ".",
    "1.5.5",
    "1e5.5",
    "e5",
    "inf",
    "nan",
    "-.nan",
    "=",
]

_TINY = "schema: jointshield/scenario-1\nname: t\ntitle: t\nparties: [{name: P}]\n"


def _read(scalar: str) -> Any:
    data, _, problems = read_yaml(f"value: {scalar}\n")
    assert problems == []
    return data["value"]


def _typed(node: Any) -> Any:
    """The data with each scalar's type beside it (so that 1, 1.0 and True differ)."""
    if isinstance(node, dict):
        return {key: _typed(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_typed(item) for item in node]
    return (type(node).__name__, node)


@pytest.mark.parametrize(("written", "value"), INTEGERS, ids=[w for w, _ in INTEGERS])
def test_integers_are_decimal_octal_0o_or_hex_0x(written: str, value: int) -> None:
    """An integer is read in decimal (a leading zero is no octal), 0o octal or 0x hexadecimal."""
    read = _read(written)
    assert type(read) is int
    assert read == value


@pytest.mark.parametrize(("written", "value"), FLOATS, ids=[w for w, _ in FLOATS])
def test_floats_have_a_point_or_an_exponent(written: str, value: float) -> None:
    """A float is digits with a point or an exponent, or one of the .inf spellings."""
    read = _read(written)
    assert type(read) is float
    assert read == value


@pytest.mark.parametrize("written", NANS)
def test_nan_has_three_spellings(written: str) -> None:
    """.nan, .NaN and .NAN read as a float NaN."""
    read = _read(written)
    assert type(read) is float
    assert math.isnan(read)


@pytest.mark.parametrize(("written", "value"), BOOLEANS, ids=[w for w, _ in BOOLEANS])
def test_booleans_are_only_true_and_false(written: str, value: bool) -> None:
    """true and false, in lower case, capitalised or in capitals, are the only booleans."""
    assert _read(written) is value


@pytest.mark.parametrize("written", NULLS, ids=[w or "empty" for w in NULLS])
def test_null_is_null_tilde_or_nothing(written: str) -> None:
    """null, Null, NULL, ~ and an empty value read as None."""
    assert _read(written) is None


@pytest.mark.parametrize("written", TEXTS)
def test_other_plain_scalars_are_text(written: str) -> None:
    """Base-60 numbers, underscores, yes/no/on/off, dates and the like stay as written, as text."""
    assert _read(written) == written


def test_quoted_numbers_stay_text() -> None:
    """A quoted number is text, as before."""
    assert _read("'010'") == "010"
    assert _read('"1e-5"') == "1e-5"


def test_keys_follow_the_same_schema() -> None:
    """A key yes, on or 1:30 is text; a key 010 is the number ten and is reported at its line."""
    data, _, problems = read_yaml("yes: 1\non: 2\n1:30: 3\n")
    assert problems == []
    assert data == {"yes": 1, "on": 2, "1:30": 3}
    _, _, problems = read_yaml("a: 1\n010: 2\n")
    assert [(p.line, p.message) for p in problems] == [
        (2, "expected text as a key, got 10 (put it in quotes)")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: !!int 1:30\n", "expected an integer, got '1:30'"),
        ("a: 1\nb: !!float 1_000\n", "expected a number, got '1_000'"),
        ("a: 1\nb: !!bool yes\n", "expected true or false, got 'yes'"),
    ],
    ids=["int", "float", "bool"],
)
def test_an_explicit_tag_on_a_foreign_form_is_a_located_error(text: str, message: str) -> None:
    """A value tagged !!int, !!float or !!bool in a form the core schema lacks names its line."""
    data, _, problems = read_yaml(text)
    assert data is None
    assert [(p.line, p.message) for p in problems] == [(2, f"invalid YAML: {message}")]


def test_an_explicit_tag_reads_the_core_form() -> None:
    """!!int 010 is ten and !!float 1 is 1.0, as the core schema reads them."""
    data, _, problems = read_yaml("a: !!int 010\nb: !!float 1\n")
    assert problems == []
    assert _typed(data) == {"a": ("int", 10), "b": ("float", 1.0)}


def test_lines_are_kept_and_merge_keys_still_work() -> None:
    """Key lines are still recorded, and a << merge key still fills a mapping."""
    text = "base: &b {x: 010, y: 1:30}\nitem:\n  <<: *b\n  z: 0x1F\n"
    data, lines, problems = read_yaml(text)
    assert problems == []
    assert data["item"] == {"x": 10, "y": "1:30", "z": 31}
    assert lines[("item",)] == 2 and lines[("item", "z")] == 4


def test_a_leading_zero_count_loads_as_written() -> None:
    """A count written 010 in a scenario is ten threats, not eight."""
    text = _TINY + (
        "missiles: [{name: m, propellant: solid, payload_mass_kg: 1, diameter_m: 1,"
        " drag_coefficient: 0.3, reentry_ballistic_coefficient_kg_m2: 1000,"
        " vertical_rise_s: 5, rcs_m2: 0.1, published_range_km: 100,"
        " stages: [{burn_time_s: 60, propellant_mass_kg: 100, dry_mass_kg: 10, isp_s: 250}]}]\n"
        "launch_areas: [{name: l, lat_deg: 0, lon_deg: 0, radius_km: 0}]\n"
        "assets: [{name: a, lat_deg: 0.5, lon_deg: 0, population: 1, owner: P}]\n"
        "default_raid: r\nraids:\n  - name: r\n    threats:\n"
        "      - {missile: m, launch_area: l, target: a, count: 010, launch_time_s: 090}\n"
    )
    threat = parse_scenario(text).raids[0].threats[0]
    assert (threat.count, threat.launch_time_s) == (10, 90.0)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1:30", "expected a number, got '1:30'"),
        ("1_000", "expected a number, got '1_000'"),
        ("yes", "expected a number, got 'yes'"),
        ("2011-05-01", "expected a number, got '2011-05-01'"),
    ],
    ids=["base-60", "underscore", "yes", "date"],
)
def test_a_foreign_number_form_is_reported_at_its_line_and_key(written: str, message: str) -> None:
    """A number in a form YAML 1.2 lacks is text, which the schema reports with line and key."""
    text = _TINY + f"sites:\n  - name: s\n    lat_deg: 1\n    lon_deg: {written}\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "f.yaml")
    assert f"f.yaml:8 sites[0].lon_deg: {message}" in str(info.value).splitlines()


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_read_as_under_yaml_1_1(name: str) -> None:
    """The built-in scenarios use no form the two schemas read differently: same data, same hash."""
    text = builtin_path(name).read_text(encoding="utf-8")
    data, _, problems = read_yaml(text)
    assert problems == []
    assert _typed(data) == _typed(yaml.safe_load(text))


def test_exported_file_reads_the_same() -> None:
    """A file dumped by PyYAML (which quotes text that YAML 1.1 would read otherwise) reads back."""
    data = {"a": "yes", "b": "010", "c": "1:30", "d": 10, "e": 1e-5, "f": True, "g": None}
    data_read, _, problems = read_yaml(yaml.safe_dump(data))
    assert problems == []
    assert _typed(data_read) == _typed(data)
