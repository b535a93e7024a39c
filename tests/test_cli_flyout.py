"""The ``jointshield flyout`` command: JSON and tables, trajectory files, and user errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import jointshield
from jointshield.cli import main
from jointshield.physics.ballistics import (
    apogee_radius_m,
    free_flight_range_angle_rad,
    free_flight_time_s,
    max_range_angle_rad,
    max_range_gamma_rad,
)
from jointshield.physics.geo import MEAN_EARTH_RADIUS_M, SPHERE
from jointshield.scenario import load_scenario

SUMMARY_KEYS = (
    "range_km",
    "flight_time_s",
    "apogee_km",
    "burnout_speed_kms",
    "burnout_angle_deg",
    "burnout_altitude_km",
    "impact_lat",
    "impact_lon",
)
MISSILE_ARGS = ["-m", "shahab-3", "--from", "tabriz", "--to", "Ankara"]
JSON_DIGITS_DEG = 1e-6  # the JSON rounds to 6 decimals
# WGS-84 engine against the sphere's closed form (see tests/test_trajectory.py), relative.
FREE_FLIGHT_RANGE_REL = 5e-3
EARTH_MODEL_MIN_REL = 1e-3  # rotating and fixed Earth ranges differ by more than this
# The sphere against BMW ch. 6 (reasons in tests/test_trajectory.py): the engine
# integrates only the flight below the atmosphere's top, at 1 m of local error per step,
# and a 3 km/s body at 40° comes down at 1.9 km/s, so 1 m of height is 0.5 ms; the JSON's
# rounding to 6 decimals (1 mm, 1 µs) is far below both.
SPHERE_RANGE_TOL_M = 1.0
SPHERE_APOGEE_TOL_M = 1.0
SPHERE_TIME_TOL_S = 1e-3
KML_NS = {"kml": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Wide output, so that tables are not wrapped in the captured text.
    monkeypatch.setenv("COLUMNS", "250")


def _run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return json.loads(out)


def test_missile_flyout_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`flyout --json -m M --from A --to B` prints one JSON object with the headline figures."""
    data = _run_json(capsys, ["flyout", "--json", *MISSILE_ARGS])
    assert isinstance(data, dict)
    for key in SUMMARY_KEYS:
        assert isinstance(data[key], float), key
    assert data["impact_lat"] == pytest.approx(39.91987, abs=0.01)
    assert data["impact_lon"] == pytest.approx(32.85427, abs=0.01)
    assert 1000.0 < data["range_km"] < 1300.0
    assert 0.0 < data["burnout_angle_deg"] < 90.0
    assert data["meta"]["scenario"] == "europe-2011"
    assert data["meta"]["missile"] == "shahab-3"


def test_free_flight_json_default_angle(capsys: pytest.CaptureFixture[str]) -> None:
    """`flyout --burnout-speed 3 --json` flies at the minimum-energy angle, sensibly."""
    data = _run_json(capsys, ["flyout", "--burnout-speed", "3", "--json"])
    gamma = float(np.degrees(max_range_gamma_rad(max_range_angle_rad(3e3, MEAN_EARTH_RADIUS_M))))
    assert data["burnout_angle_deg"] == pytest.approx(gamma, abs=JSON_DIGITS_DEG)
    assert data["burnout_speed_kms"] == pytest.approx(3.0, abs=JSON_DIGITS_DEG)
    assert data["burnout_altitude_km"] == pytest.approx(0.0, abs=JSON_DIGITS_DEG)
    assert 900.0 < data["range_km"] < 1100.0
    assert 100.0 < data["apogee_km"] < 400.0
    assert 300.0 < data["flight_time_s"] < 700.0
    assert data["impact_lat"] > 5.0  # north of the default origin 0,0
    assert data["meta"]["burnout_angle"] == "min-energy"


def test_free_flight_json_fixed_and_rotating_earth(capsys: pytest.CaptureFixture[str]) -> None:
    """At a given angle, fixed Earth matches the closed form; rotating Earth differs."""
    args = ["flyout", "--burnout-speed", "3", "--burnout-angle", "30", "--json", "--earth"]
    fixed = _run_json(capsys, [*args, "fixed"])
    rotating = _run_json(capsys, [*args, "rotating"])
    assert fixed["burnout_angle_deg"] == pytest.approx(30.0, abs=JSON_DIGITS_DEG)
    assert fixed["meta"]["earth"] == "fixed" and rotating["meta"]["earth"] == "rotating"
    psi = free_flight_range_angle_rad(3e3, np.radians(30.0), MEAN_EARTH_RADIUS_M)
    assert fixed["range_km"] * 1e3 == pytest.approx(
        float(psi) * MEAN_EARTH_RADIUS_M, rel=FREE_FLIGHT_RANGE_REL
    )
    assert fixed["impact_lon"] == pytest.approx(0.0, abs=JSON_DIGITS_DEG)  # due north, no spin
    assert abs(rotating["range_km"] / fixed["range_km"] - 1.0) > EARTH_MODEL_MIN_REL


def test_free_flight_on_the_sphere_is_bate_mueller_white(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--earth sphere --no-drag` flies BMW ch. 6's closed-form range, time and apogee."""
    argv = ["flyout", "--burnout-speed", "3", "--burnout-angle", "40", "--earth", "sphere"]
    data = _run_json(capsys, [*argv, "--no-drag", "--json"])
    assert data["meta"]["earth"] == "sphere" and data["meta"]["drag"] is False
    speed, gamma, radius = 3e3, np.radians(40.0), SPHERE.a_m
    assert data["range_km"] * 1e3 == pytest.approx(
        float(free_flight_range_angle_rad(speed, gamma, radius)) * radius, abs=SPHERE_RANGE_TOL_M
    )
    assert data["flight_time_s"] == pytest.approx(
        float(free_flight_time_s(speed, gamma, radius)), abs=SPHERE_TIME_TOL_S
    )
    assert data["apogee_km"] * 1e3 == pytest.approx(
        float(apogee_radius_m(speed, gamma, radius)) - radius, abs=SPHERE_APOGEE_TOL_M
    )


def test_trajectory_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--csv`, `--geojson` and `--kml` write files that parse, with one point per sample."""
    paths = {fmt: tmp_path / f"track.{fmt}" for fmt in ("csv", "geojson", "kml")}
    argv = ["flyout", *MISSILE_ARGS, "--dt", "2"]
    for fmt, path in paths.items():
        argv += [f"--{fmt}", str(path)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    rows = list(csv.reader(io.StringIO(paths["csv"].read_text(encoding="utf-8"))))
    assert rows[0][:5] == ["t_s", "phase", "lat_deg", "lon_deg", "alt_km"]
    n = len(rows) - 1
    assert n > 100
    assert float(rows[1][2]) == pytest.approx(38.08, abs=1e-6)  # tabriz
    assert float(rows[1][3]) == pytest.approx(46.292, abs=1e-6)
    assert float(rows[-1][4]) == pytest.approx(0.0, abs=1e-3)
    doc = json.loads(paths["geojson"].read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    line = doc["features"][0]["geometry"]
    assert line["type"] == "LineString" and len(line["coordinates"]) == n
    assert line["coordinates"][0][:2] == pytest.approx([46.292, 38.08], abs=1e-6)  # lon, lat
    root = ET.parse(paths["kml"]).getroot()
    coords = root.find(".//kml:LineString/kml:coordinates", KML_NS).text.split()
    assert len(coords) == n
    assert [float(v) for v in coords[0].split(",")][:2] == pytest.approx([46.292, 38.08], abs=1e-6)


def test_default_raid_table(capsys: pytest.CaptureFixture[str]) -> None:
    """`flyout` with no arguments flies the default raid and prints its table."""
    assert main(["flyout"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    scenario = load_scenario("europe-2011")
    assert scenario.default_raid is not None and scenario.default_raid in out
    for threat in scenario.raid().threats:
        assert threat.id in out, threat.id


def test_default_raid_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`flyout --json` prints the default raid with a list of its threats."""
    data = _run_json(capsys, ["flyout", "--json"])
    scenario = load_scenario("europe-2011")
    assert data["raid"] == scenario.default_raid
    assert isinstance(data["threats"], list)
    assert [t["id"] for t in data["threats"]] == [t.id for t in scenario.raid().threats]
    for threat in data["threats"]:
        for key in SUMMARY_KEYS:
            assert key in threat, key


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-m", "shahab3", "--from", "tabriz", "--to", "Ankara"], "did you mean 'shahab-3'"),
        (["-m", "shahab-3", "--from", "tabriz", "--to", "Ankra"], "did you mean 'Ankara'"),
        (["-m", "shahab-3", "--from", "tabriz", "--to", "Warsaw"], "maximum range"),
        ([*MISSILE_ARGS, "--aim", "sideways"], "sideways"),
        ([*MISSILE_ARGS, "--earth", "flat"], "flat"),
        (["--burnout-speed", "-1"], "positive"),
        (["--missile", "shahab-3", "--from", "tabriz"], "--to"),
    ],
    ids=[
        "unknown-missile",
        "unknown-place",
        "out-of-reach",
        "bad-aim",
        "bad-earth",
        "negative-speed",
        "missing-to",
    ],
)
def test_bad_input_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """A user mistake exits with status 2 and one clear line on stderr, never a traceback."""
    assert main(["flyout", *argv]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert expected in lines[0]


def test_module_prints_version() -> None:
    """`python -m jointshield --version` prints the version and exits 0."""
    proc = subprocess.run(
        [sys.executable, "-m", "jointshield", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == jointshield.__version__
    assert "Traceback" not in proc.stderr
