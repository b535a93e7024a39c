"""Trajectories and the flyout API: sampled states, events, exports, places and raids."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

import jointshield
from jointshield.analysis.flyouts import FlyoutResult, fly_raid, flyout, free_flight
from jointshield.errors import UnknownNameError
from jointshield.flight import Flyouts, fly_powered
from jointshield.physics.ballistics import (
    apogee_radius_m,
    free_flight_range_angle_rad,
    free_flight_time_s,
    max_range_angle_rad,
    max_range_gamma_rad,
)
from jointshield.physics.geo import MEAN_EARTH_RADIUS_M, SPHERE
from jointshield.report.export import Trajectory
from jointshield.scenario import Scenario, load_scenario, scenario_hash
from jointshield.scenario.places import resolve_place
from missiles import TWO_STAGE

SAMPLE_DT_S = 1.0
G0_MPS2 = 9.81
# Near apogee the height falls as g t²/2 away from the top, so the highest sample lies
# at most g (dt/2)²/2 below the apogee; g dt²/2 (4.9 m at 1 s) leaves room for the
# ellipsoid (the highest geodetic point is not exactly the farthest from the centre).
APOGEE_SAMPLE_TOL_M = 0.5 * G0_MPS2 * SAMPLE_DT_S**2
IMPACT_ALT_TOL_KM = 1e-3  # the CSV's last altitude, km (1 m)
ASSET_MISS_M = 1000.0  # flyout impact to the target asset, m
# The engine flies on WGS-84 while the closed form assumes a sphere of the mean radius:
# the burnout point on the equator lies 0.11 % above that radius, and a geodesic along a
# meridian is up to 0.5 % shorter per radian than the mean radius; together they keep
# the range within 0.5 % of the sphere's (0.25-0.4 % observed from 2 to 4 km/s).
FREE_FLIGHT_RANGE_REL = 5e-3
# On the fixed sphere the engine flies the arc above the atmosphere's top in closed form
# (Kepler); only the climb to that height and the fall from it are integrated, each step
# allowed 1 m of local position error (Accuracy.position_m). So 1 m bounds what those
# steps may add to range and apogee, and 2 ms is the time the slowest descent here
# (2 km/s at 20°: 684 m/s downwards) takes over 1 m of height, which moves the impact.
# Observed from 2 to 6.5 km/s: under 3 mm in range, 2 µs in time, 0.3 mm in apogee.
SPHERE_RANGE_TOL_M = 1.0
SPHERE_APOGEE_TOL_M = 1.0
MIN_DESCENT_RATE_MPS = 500.0
SPHERE_TIME_TOL_S = SPHERE_RANGE_TOL_M / MIN_DESCENT_RATE_MPS
ANGLE_TOL_DEG = 1e-9
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
CSV_HEADER = [
    "t_s",
    "phase",
    "lat_deg",
    "lon_deg",
    "alt_km",
    "x_m",
    "y_m",
    "z_m",
    "vx_mps",
    "vy_mps",
    "vz_mps",
    "speed_kms",
]
EVENT_NAMES = ["launch", "burnout", "apogee", "reentry", "impact"]
KML_NS = {"kml": "http://www.opengis.net/kml/2.2"}

# Launch point whose latitude and longitude differ, so that a swapped order shows.
LAUNCH_LAT_DEG, LAUNCH_LON_DEG = 35.2, 53.9


@pytest.fixture(scope="module")
def sampled() -> tuple[Flyouts, Trajectory]:
    fl = fly_powered(
        TWO_STAGE,
        np.radians(LAUNCH_LAT_DEG),
        np.radians(LAUNCH_LON_DEG),
        np.radians(305.0),
        np.radians(32.0),
        sample_dt_s=SAMPLE_DT_S,
    )
    return fl, Trajectory.from_flyouts(fl)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("europe-2011")


@pytest.fixture(scope="module")
def ankara() -> FlyoutResult:
    return flyout("europe-2011", "shahab-3", "tabriz", "Ankara")


def _distance_m(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    return float(Geodesic.WGS84.Inverse(lat0, lon0, lat1, lon1)["s12"])


def test_trajectory_runs_from_launch_to_impact_with_ordered_events(
    sampled: tuple[Flyouts, Trajectory],
) -> None:
    """Samples start on the pad and end at impact, in time order, with events in flight order."""
    fl, traj = sampled
    n = traj.t_s.size
    assert n > 100
    assert len(
        traj.phase
    ) == n and traj.lat_deg.shape == traj.lon_deg.shape == traj.alt_m.shape == (n,)
    assert traj.r_ecef_m.shape == traj.v_ecef_mps.shape == (n, 3)
    dt = np.diff(traj.t_s)
    assert np.all(dt > 0.0)
    assert np.all(dt <= SAMPLE_DT_S + 1e-9)  # no gaps
    assert traj.t_s[0] == 0.0
    assert traj.t_s[-1] == pytest.approx(fl.t_impact_s[0], abs=1e-9)
    assert (traj.lat_deg[0], traj.lon_deg[0], traj.alt_m[0]) == pytest.approx(
        (LAUNCH_LAT_DEG, LAUNCH_LON_DEG, 0.0), abs=1e-6
    )
    assert traj.lat_deg[-1] == pytest.approx(np.degrees(fl.impact_lat_rad[0]), abs=1e-9)
    assert traj.lon_deg[-1] == pytest.approx(np.degrees(fl.impact_lon_rad[0]), abs=1e-9)
    assert traj.alt_m[-1] == pytest.approx(0.0, abs=1e-3)
    assert set(traj.phase) == {"boost", "coast", "reentry"}
    assert [e.name for e in traj.events] == EVENT_NAMES
    times = [e.t_s for e in traj.events]
    assert times == sorted(times) and len(set(times)) == len(times)
    impact = traj.events[-1]
    assert (impact.lat_deg, impact.lon_deg) == pytest.approx(
        (traj.lat_deg[-1], traj.lon_deg[-1]), abs=1e-9
    )
    apogee = next(e for e in traj.events if e.name == "apogee")
    assert apogee.alt_m == pytest.approx(traj.alt_m.max(), abs=APOGEE_SAMPLE_TOL_M)
    assert apogee.alt_m >= traj.alt_m.max() - 1.0  # the computed top is not below a sample


def test_csv_has_one_numeric_row_per_sample(sampled: tuple[Flyouts, Trajectory]) -> None:
    """The CSV has its header, one numeric row per sample, and ends on the ground."""
    _, traj = sampled
    rows = list(csv.reader(io.StringIO(traj.to_csv())))
    assert rows[0] == CSV_HEADER
    body = rows[1:]
    assert len(body) == traj.t_s.size
    numeric = [i for i, name in enumerate(CSV_HEADER) if name != "phase"]
    values = np.array([[float(row[i]) for i in numeric] for row in body])
    assert np.all(np.isfinite(values))
    assert {row[CSV_HEADER.index("phase")] for row in body} <= {"boost", "coast", "reentry"}
    col = {name: values[:, k] for k, name in enumerate(CSV_HEADER[i] for i in numeric)}
    assert np.all(np.diff(col["t_s"]) > 0.0)
    assert col["lat_deg"][0] == pytest.approx(LAUNCH_LAT_DEG, abs=1e-6)
    assert col["lon_deg"][0] == pytest.approx(LAUNCH_LON_DEG, abs=1e-6)
    assert col["alt_km"][-1] == pytest.approx(0.0, abs=IMPACT_ALT_TOL_KM)
    assert col["alt_km"].max() * 1e3 == pytest.approx(traj.alt_m.max(), abs=0.1)


def test_geojson_is_rfc7946_line_and_event_points(sampled: tuple[Flyouts, Trajectory]) -> None:
    """GeoJSON is a FeatureCollection: a [lon, lat, alt] LineString then one Point per event."""
    _, traj = sampled
    doc = traj.to_geojson({"name": "test"})
    assert json.loads(json.dumps(doc)) == doc
    assert doc["type"] == "FeatureCollection"
    line, *points = doc["features"]
    assert line["type"] == "Feature" and line["geometry"]["type"] == "LineString"
    assert line["properties"]["name"] == "test"
    coords = np.array(line["geometry"]["coordinates"])
    assert coords.shape == (traj.t_s.size, 3)
    np.testing.assert_allclose(coords[:, 0], traj.lon_deg, atol=1e-6)
    np.testing.assert_allclose(coords[:, 1], traj.lat_deg, atol=1e-6)
    np.testing.assert_allclose(coords[:, 2], traj.alt_m, atol=0.1)
    assert coords[0] == pytest.approx([LAUNCH_LON_DEG, LAUNCH_LAT_DEG, 0.0], abs=1e-6)
    assert [p["geometry"]["type"] for p in points] == ["Point"] * len(EVENT_NAMES)
    assert [p["properties"]["event"] for p in points] == EVENT_NAMES
    for p, e in zip(points, traj.events, strict=True):
        lon, lat, alt = p["geometry"]["coordinates"]
        assert (lon, lat, alt) == pytest.approx((e.lon_deg, e.lat_deg, e.alt_m), abs=0.1)
        assert -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0


def test_kml_is_an_absolute_altitude_linestring(sampled: tuple[Flyouts, Trajectory]) -> None:
    """KML 2.2 parses: an absolute-altitude LineString of lon,lat,alt, one per sample."""
    _, traj = sampled
    root = ET.fromstring(traj.to_kml("track <1> & co"))
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    assert root.find("kml:Document/kml:name", KML_NS).text == "track <1> & co"
    line = root.find(".//kml:LineString", KML_NS)
    assert line is not None
    assert line.find("kml:altitudeMode", KML_NS).text == "absolute"
    tuples = line.find("kml:coordinates", KML_NS).text.split()
    assert len(tuples) == traj.t_s.size
    coords = np.array([[float(v) for v in t.split(",")] for t in tuples])
    assert coords.shape == (traj.t_s.size, 3)
    np.testing.assert_allclose(coords[:, 0], traj.lon_deg, atol=1e-6)
    np.testing.assert_allclose(coords[:, 1], traj.lat_deg, atol=1e-6)
    np.testing.assert_allclose(coords[:, 2], traj.alt_m, atol=0.1)
    points = root.findall(".//kml:Point", KML_NS)
    assert len(points) == len(EVENT_NAMES)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml"])
def test_write_saves_each_format(
    sampled: tuple[Flyouts, Trajectory], tmp_path: Path, fmt: str
) -> None:
    """`write` saves the same text as the matching `to_*` method."""
    _, traj = sampled
    path = tmp_path / f"track.{fmt}"
    traj.write(path, fmt, name="track")
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        assert text == traj.to_csv()
    elif fmt == "geojson":
        assert json.loads(text) == traj.to_geojson()
    else:
        assert text == traj.to_kml("track")
        assert ET.parse(path).getroot().tag == "{http://www.opengis.net/kml/2.2}kml"


def test_write_rejects_unknown_format(sampled: tuple[Flyouts, Trajectory], tmp_path: Path) -> None:
    """An unknown export format raises and writes nothing."""
    _, traj = sampled
    path = tmp_path / "track.shp"
    with pytest.raises(ValueError, match="shp"):
        traj.write(path, "shp")
    assert not path.exists()


def test_flyout_summary_meta_and_impact(ankara: FlyoutResult, scenario: Scenario) -> None:
    """A scenario flyout reports its headline figures and provenance, and lands on its target."""
    for key in SUMMARY_KEYS:
        assert key in ankara.summary, key
        assert np.isfinite(ankara.summary[key]), key
    meta = ankara.meta
    assert meta["scenario"] == "europe-2011"
    assert meta["scenario_hash"] == scenario_hash(scenario)
    assert meta["jointshield_version"] == jointshield.__version__
    target = resolve_place(scenario, "Ankara")
    miss = _distance_m(
        ankara.summary["impact_lat"], ankara.summary["impact_lon"], target.lat_deg, target.lon_deg
    )
    assert miss < ASSET_MISS_M
    start = resolve_place(scenario, "tabriz")
    traj = ankara.trajectory
    assert (traj.lat_deg[0], traj.lon_deg[0]) == pytest.approx(
        (start.lat_deg, start.lon_deg), abs=1e-6
    )
    assert ankara.summary["range_km"] * 1e3 == pytest.approx(
        _distance_m(start.lat_deg, start.lon_deg, target.lat_deg, target.lon_deg), abs=ASSET_MISS_M
    )
    assert json.loads(json.dumps(ankara.to_json()))["meta"]["scenario"] == "europe-2011"


@pytest.mark.parametrize("speed_kms", [2.0, 3.0, 4.0])
def test_free_flight_default_angle_is_minimum_energy(speed_kms: float) -> None:
    """Without an angle, free flight leaves at the minimum-energy (maximum-range) angle."""
    result = free_flight(speed_kms)
    gamma = max_range_gamma_rad(max_range_angle_rad(speed_kms * 1e3, MEAN_EARTH_RADIUS_M))
    assert result.summary["burnout_angle_deg"] == pytest.approx(
        float(np.degrees(gamma)), abs=ANGLE_TOL_DEG
    )
    assert result.summary["burnout_speed_kms"] == pytest.approx(speed_kms, rel=1e-12)
    assert result.meta["burnout_angle"] == "min-energy"


@pytest.mark.parametrize("speed_kms", [2.0, 3.0, 4.0])
@pytest.mark.parametrize("angle_deg", [None, 30.0])
def test_free_flight_range_matches_closed_form_on_fixed_earth(
    speed_kms: float, angle_deg: float | None
) -> None:
    """On a fixed Earth in vacuum, free flight from the ground matches the closed form to 0.5 %."""
    result = free_flight(speed_kms, angle_deg, earth="fixed")
    gamma = np.radians(result.summary["burnout_angle_deg"])
    psi = free_flight_range_angle_rad(speed_kms * 1e3, gamma, MEAN_EARTH_RADIUS_M)
    assert result.summary["range_km"] * 1e3 == pytest.approx(
        float(psi) * MEAN_EARTH_RADIUS_M, rel=FREE_FLIGHT_RANGE_REL
    )


@pytest.mark.parametrize(
    ("speed_kms", "angle_deg"),
    [(3.0, 40.0), (2.0, 20.0), (4.0, None), (5.0, 60.0), (6.5, 70.0)],
)
def test_vacuum_free_flight_on_the_sphere_is_bate_mueller_white(
    speed_kms: float, angle_deg: float | None
) -> None:
    """On the fixed sphere in vacuum, free flight has BMW ch. 6's range, time and apogee."""
    result = jointshield.free_flight(speed_kms, angle_deg, earth="sphere")
    summary = result.summary
    speed, radius = speed_kms * 1e3, SPHERE.a_m
    gamma = np.radians(summary["burnout_angle_deg"])
    assert result.meta["earth"] == "sphere" and result.meta["drag"] is False
    assert summary["range_km"] * 1e3 == pytest.approx(
        float(free_flight_range_angle_rad(speed, gamma, radius)) * radius, abs=SPHERE_RANGE_TOL_M
    )
    assert summary["flight_time_s"] == pytest.approx(
        float(free_flight_time_s(speed, gamma, radius)), abs=SPHERE_TIME_TOL_S
    )
    assert summary["apogee_km"] * 1e3 == pytest.approx(
        float(apogee_radius_m(speed, gamma, radius)) - radius, abs=SPHERE_APOGEE_TOL_M
    )


def test_flyout_and_raid_fly_on_the_sphere(scenario: Scenario) -> None:
    """flyout and fly_raid take earth='sphere', still hit their targets and say so in meta."""
    one = jointshield.flyout(scenario, "shahab-3", "tabriz", "Ankara", earth="sphere")
    assert one.meta["earth"] == "sphere"
    assert one.summary["miss_m"] < ASSET_MISS_M
    on_wgs84 = jointshield.flyout(scenario, "shahab-3", "tabriz", "Ankara", earth="fixed")
    assert one.summary["range_km"] != on_wgs84.summary["range_km"]
    raid = jointshield.fly_raid(scenario, earth="sphere")
    assert raid.meta["earth"] == "sphere"
    assert all(r.summary["miss_m"] < ASSET_MISS_M for _, r in raid.results)


def test_resolve_place_names_case_and_coordinates(scenario: Scenario) -> None:
    """Places resolve by exact name, by name in any case, or as LAT,LON."""
    ankara = resolve_place(scenario, "Ankara")
    assert (ankara.name, ankara.lat_deg, ankara.lon_deg) == ("Ankara", 39.91987, 32.85427)
    assert resolve_place(scenario, "tabriz").name == "tabriz"
    assert resolve_place(scenario, "kurecik").name == "kurecik"
    assert resolve_place(scenario, "ankara") == ankara
    assert resolve_place(scenario, "TABRIZ") == resolve_place(scenario, "tabriz")
    assert resolve_place(scenario, "Kurecik") == resolve_place(scenario, "kurecik")
    place = resolve_place(scenario, "44.08,24.42")
    assert (place.lat_deg, place.lon_deg, place.alt_m) == (44.08, 24.42, 0.0)
    place = resolve_place(None, "-33.9, 151.2")
    assert (place.lat_deg, place.lon_deg) == (-33.9, 151.2)


def test_resolve_place_unknown_name_suggests_closest(scenario: Scenario) -> None:
    """An unknown place raises UnknownNameError suggesting the closest known name."""
    with pytest.raises(UnknownNameError, match="did you mean 'Ankara'") as info:
        resolve_place(scenario, "Ankra")
    assert "Ankra" in str(info.value)


def test_fly_raid_hits_every_target_of_the_default_raid(scenario: Scenario) -> None:
    """Each threat of the default raid gets a flyout, in order, within 1 km of its target."""
    raid = fly_raid()
    threats = scenario.raid().threats
    assert raid.raid == scenario.default_raid
    assert [tid for tid, _ in raid.results] == [t.id for t in threats]
    for (tid, result), threat in zip(raid.results, threats, strict=True):
        assert result.summary["status"] == "impact", tid
        assert result.meta["missile"] == threat.missile
        target = resolve_place(scenario, threat.target)
        miss = _distance_m(
            result.summary["impact_lat"],
            result.summary["impact_lon"],
            target.lat_deg,
            target.lon_deg,
        )
        assert miss < ASSET_MISS_M, tid
    doc = raid.to_json()
    assert [t["id"] for t in doc["threats"]] == [t.id for t in threats]
    assert doc["meta"]["scenario_hash"] == scenario_hash(scenario)
