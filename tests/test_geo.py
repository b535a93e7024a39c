"""Tests of jointshield.geo against pymap3d, geographiclib and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

from jointshield.errors import JointshieldError
from jointshield.physics import geo

# Tolerances, in named units.
TOL_NM = 1e-9  # m
TOL_UM = 1e-6  # m
TOL_MM = 1e-3  # m
TOL_PYMAP3D_M = 10e-6  # pymap3d's own ECEF→geodetic is good to a few µm below 100 km
TOL_VINCENTY_M = 2e-4  # Vincenty (1975) series truncation, against geographiclib
TOL_ANGLE_RAD = 1e-12  # round-off level for angles
TOL_AZ_VINCENTY_RAD = 1e-9
REL_ROUNDOFF = 1e-12

A_M = geo.WGS84_A_M
R_M = geo.MEAN_EARTH_RADIUS_M
PYMAP3D_SPHERE = pymap3d.Ellipsoid(R_M, R_M)

lats = st.floats(-math.pi / 2, math.pi / 2)
lons = st.floats(-math.pi, math.pi)
alts = st.floats(-10e3, 40_000e3)
lats_deg = st.floats(-90.0, 90.0)


def _rng(seed: int = 20110101) -> np.random.Generator:
    return np.random.default_rng(seed)


def _random_geodetic(
    n: int, alt_min_m: float, alt_max_m: float, seed: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Points uniform on the sphere (so poles are not oversampled) and in altitude."""
    rng = _rng(seed)
    lat = np.arcsin(rng.uniform(-1.0, 1.0, n))
    lon = rng.uniform(-math.pi, math.pi, n)
    alt = rng.uniform(alt_min_m, alt_max_m, n)
    return lat, lon, alt


def _angle_diff(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Smallest absolute difference of two angles, rad."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    diff: NDArray[np.float64] = np.abs(np.mod(d + math.pi, 2 * math.pi) - math.pi)
    return diff


def _horizontal_error_m(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    lat_ref_rad: ArrayLike,
    lon_ref_rad: ArrayLike,
    alt_m: ArrayLike,
) -> NDArray[np.float64]:
    """Horizontal position error, m, of a latitude and longitude against a reference."""
    radius = A_M + np.asarray(alt_m, dtype=float)
    north = _angle_diff(lat_rad, lat_ref_rad) * radius
    east = _angle_diff(lon_rad, lon_ref_rad) * radius * np.cos(lat_ref_rad)
    error: NDArray[np.float64] = np.hypot(north, east)
    return error


def _geodetic_by_fixed_point(xyz: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Independent inverse: iterate φ = atan2(z + e² N sin φ, p) to convergence."""
    e2 = geo.WGS84.e2
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p)
    for _ in range(60):
        n = A_M / np.sqrt(1 - e2 * np.sin(lat) ** 2)
        lat = np.arctan2(z + e2 * n * np.sin(lat), p)
    n = A_M / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    alt = p * np.cos(lat) + z * np.sin(lat) - A_M**2 / n
    return lat, np.arctan2(y, x), alt


# --------------------------------------------------------------------------- constants


def test_wgs84_derived_constants_match_tr8350() -> None:
    """Derived WGS-84 parameters equal those tabulated in NIMA TR8350.2 (table 3.3)."""
    assert geo.WGS84.b_m == pytest.approx(6356752.3142, abs=1e-4)
    assert geo.WGS84.e2 == pytest.approx(6.69437999014e-3, rel=1e-11)
    assert geo.WGS84.ep2 == pytest.approx(6.73949674228e-3, rel=1e-11)
    assert geo.WGS84.mean_radius_m == pytest.approx(geo.MEAN_EARTH_RADIUS_M, abs=0.1)
    assert geo.SPHERE.b_m == geo.SPHERE.a_m == R_M
    assert geo.SPHERE.e2 == geo.SPHERE.ep2 == 0.0


# --------------------------------------------------------------------------- ECEF


def test_geodetic_to_ecef_matches_pymap3d() -> None:
    """Geodetic to ECEF agrees with pymap3d to a micrometre from -10 km to 40,000 km."""
    lat, lon, alt = _random_geodetic(2000, -10e3, 40_000e3)
    ref = np.stack(pymap3d.geodetic2ecef(lat, lon, alt, deg=False), axis=-1)
    np.testing.assert_allclose(geo.geodetic_to_ecef(lat, lon, alt), ref, rtol=0, atol=TOL_UM)


@pytest.mark.parametrize("alt_m", [0.0, 1_000e3])
def test_geodetic_to_ecef_closed_forms(alt_m: float) -> None:
    """On the equator x = a + h, at the poles z = ±(b + h), on the sphere |r| = R + h."""
    b = geo.WGS84.b_m
    np.testing.assert_allclose(geo.geodetic_to_ecef(0.0, 0.0, alt_m), [A_M + alt_m, 0, 0])
    np.testing.assert_allclose(
        geo.geodetic_to_ecef(0.0, math.pi / 2, alt_m), [0, A_M + alt_m, 0], atol=TOL_NM
    )
    np.testing.assert_allclose(
        geo.geodetic_to_ecef(math.pi / 2, 0.3, alt_m), [0, 0, b + alt_m], atol=TOL_NM
    )
    np.testing.assert_allclose(
        geo.geodetic_to_ecef(-math.pi / 2, 0.3, alt_m), [0, 0, -(b + alt_m)], atol=TOL_NM
    )
    lat, lon, _ = _random_geodetic(100, 0, 0)
    xyz = geo.geodetic_to_ecef(lat, lon, alt_m, geo.SPHERE)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=-1), R_M + alt_m, rtol=REL_ROUNDOFF)


def test_geodetic_to_ecef_broadcasts() -> None:
    """Inputs broadcast NumPy-style and the vector goes on a new last axis; scalars work."""
    lat = np.zeros((3, 1))
    lon = np.linspace(0, 1, 4)[None, :]
    assert geo.geodetic_to_ecef(lat, lon, 0.0).shape == (3, 4, 3)
    assert geo.geodetic_to_ecef(0.1, 0.2, 0.3).shape == (3,)
    lat_out, lon_out, alt_out = geo.ecef_to_geodetic(np.tile([7e6, 0.0, 0.0], (2, 5, 1)))
    assert lat_out.shape == lon_out.shape == alt_out.shape == (2, 5)


def test_ecef_to_geodetic_matches_pymap3d_near_earth() -> None:
    """ECEF to geodetic agrees with pymap3d to 10 µm from -10 km to 100 km altitude."""
    # pymap3d's own latitude drifts with altitude (µm at 100 km, mm at
    # 1,000 km), hence the independent check below for high altitudes.
    lat, lon, alt = _random_geodetic(2000, -10e3, 100e3)
    xyz = geo.geodetic_to_ecef(lat, lon, alt)
    lat_ref, lon_ref, alt_ref = pymap3d.ecef2geodetic(xyz[:, 0], xyz[:, 1], xyz[:, 2], deg=False)
    lat_out, lon_out, alt_out = geo.ecef_to_geodetic(xyz)
    np.testing.assert_allclose(alt_out, alt_ref, rtol=0, atol=TOL_PYMAP3D_M)
    assert np.all(_horizontal_error_m(lat_out, lon_out, lat_ref, lon_ref, alt) < TOL_PYMAP3D_M)


def test_ecef_to_geodetic_matches_fixed_point_iteration_at_all_altitudes() -> None:
    """ECEF to geodetic agrees with a converged fixed-point iteration up to 40,000 km."""
    lat, lon, alt = _random_geodetic(5000, -10e3, 40_000e3, seed=2)
    xyz = geo.geodetic_to_ecef(lat, lon, alt)
    lat_ref, lon_ref, alt_ref = _geodetic_by_fixed_point(xyz)
    lat_out, lon_out, alt_out = geo.ecef_to_geodetic(xyz)
    np.testing.assert_allclose(alt_out, alt_ref, rtol=0, atol=TOL_UM)
    assert np.all(_horizontal_error_m(lat_out, lon_out, lat_ref, lon_ref, alt) < TOL_UM)


@settings(max_examples=300, deadline=None)
@given(lat=lats, lon=lons, alt=alts)
def test_geodetic_ecef_round_trip(lat: float, lon: float, alt: float) -> None:
    """Geodetic → ECEF → geodetic returns the point to a micrometre (limit 1 mm), poles included."""
    lat_out, lon_out, alt_out = geo.ecef_to_geodetic(geo.geodetic_to_ecef(lat, lon, alt))
    assert abs(alt_out - alt) < TOL_UM
    horizontal = _horizontal_error_m(lat_out, lon_out, lat, lon, alt)
    assert horizontal < TOL_UM
    assert -math.pi / 2 <= lat_out <= math.pi / 2
    assert -math.pi <= lon_out <= math.pi


@pytest.mark.parametrize("alt_m", [-10e3, 0.0, 1_000e3, 40_000e3])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_ecef_to_geodetic_exactly_at_the_poles(alt_m: float, sign: float) -> None:
    """On the axis (x = y = 0) latitude is ±π/2 exactly and altitude is |z| - b."""
    z = sign * (geo.WGS84.b_m + alt_m)
    lat, _, alt = geo.ecef_to_geodetic([0.0, 0.0, z])
    assert lat == sign * math.pi / 2
    assert alt == pytest.approx(alt_m, abs=TOL_UM)


def test_ecef_to_geodetic_across_the_date_line() -> None:
    """Longitudes either side of ±180° come back on the right side, within [-π, π]."""
    east = math.pi - 1e-9
    west = -math.pi + 1e-9
    for lon in (east, west, math.pi):
        _, lon_out, _ = geo.ecef_to_geodetic(geo.geodetic_to_ecef(0.5, lon, 0.0))
        assert _angle_diff(lon_out, lon) < TOL_ANGLE_RAD
        assert -math.pi <= lon_out <= math.pi
    _, lon_east, _ = geo.ecef_to_geodetic(geo.geodetic_to_ecef(0.5, east, 0.0))
    _, lon_west, _ = geo.ecef_to_geodetic(geo.geodetic_to_ecef(0.5, west, 0.0))
    assert lon_east > 0 > lon_west


def test_ecef_to_geodetic_on_the_sphere_is_spherical_coordinates() -> None:
    """With f = 0 latitude is atan2(z, p) and altitude |r| - R."""
    xyz = _rng().normal(size=(500, 3)) * 7e6
    xyz[0] = [0.0, 0.0, 7e6]
    xyz[1] = [7e6, 0.0, 0.0]
    lat, lon, alt = geo.ecef_to_geodetic(xyz, geo.SPHERE)
    p = np.hypot(xyz[:, 0], xyz[:, 1])
    np.testing.assert_allclose(lat, np.arctan2(xyz[:, 2], p), rtol=0, atol=TOL_ANGLE_RAD)
    np.testing.assert_allclose(lon, np.arctan2(xyz[:, 1], xyz[:, 0]), rtol=0, atol=TOL_ANGLE_RAD)
    np.testing.assert_allclose(alt, np.linalg.norm(xyz, axis=-1) - R_M, rtol=0, atol=TOL_NM * 10)


def test_geodetic_altitude_matches_full_inverse() -> None:
    """The fast altitude agrees with the exact inverse to a micrometre from -10 km to 40,000 km."""
    lat, lon, alt = _random_geodetic(20_000, -10e3, 2_000e3, seed=3)
    lat_hi, lon_hi, alt_hi = _random_geodetic(5_000, 2_000e3, 40_000e3, seed=4)
    lat = np.concatenate([lat, lat_hi, [math.pi / 2, -math.pi / 2, 0.0, 0.0]])
    lon = np.concatenate([lon, lon_hi, [0.0, 0.0, 0.0, math.pi]])
    alt = np.concatenate([alt, alt_hi, [0.0, 1_000e3, 0.0, -10e3]])
    xyz = geo.geodetic_to_ecef(lat, lon, alt)
    p = np.hypot(xyz[:, 0], xyz[:, 1])
    fast = geo.geodetic_altitude_m(p, xyz[:, 2])
    np.testing.assert_allclose(fast, geo.ecef_to_geodetic(xyz)[2], rtol=0, atol=TOL_UM)
    np.testing.assert_allclose(fast, alt, rtol=0, atol=TOL_UM)


def test_geodetic_altitude_exact_on_the_sphere() -> None:
    """On the sphere the fast altitude is sqrt(p² + z²) - R to round-off."""
    p = np.abs(_rng().normal(size=1000)) * 7e6
    z = _rng(7).normal(size=1000) * 7e6
    out = geo.geodetic_altitude_m(p, z, geo.SPHERE)
    np.testing.assert_allclose(out, np.hypot(p, z) - R_M, rtol=0, atol=TOL_NM * 10)
    assert geo.geodetic_altitude_m(R_M, 0.0, geo.SPHERE) == 0.0


# --------------------------------------------------------------------------- ENU, AER


def test_enu_basis_is_a_right_handed_orthonormal_frame_with_up_the_normal() -> None:
    """Rows east, north, up are orthonormal, east × north = up, up is the ellipsoid normal."""
    lat, lon, _ = _random_geodetic(200, 0, 0)
    lat[:2] = [math.pi / 2, -math.pi / 2]
    basis = geo.enu_basis(lat, lon)
    assert basis.shape == (200, 3, 3)
    eye = np.broadcast_to(np.eye(3), basis.shape)
    np.testing.assert_allclose(basis @ basis.swapaxes(-1, -2), eye, atol=TOL_ANGLE_RAD)
    np.testing.assert_allclose(np.linalg.det(basis), 1.0, atol=TOL_ANGLE_RAD)
    np.testing.assert_allclose(np.cross(basis[:, 0], basis[:, 1]), basis[:, 2], atol=1e-15)
    # The normal is the direction in which geodetic altitude grows.
    normal = geo.geodetic_to_ecef(lat, lon, 1.0) - geo.geodetic_to_ecef(lat, lon, 0.0)
    np.testing.assert_allclose(basis[:, 2], normal, atol=1e-8)
    np.testing.assert_allclose(basis[:, 0, 2], 0.0)  # east is horizontal in the equator plane


def test_ecef_to_enu_matches_pymap3d() -> None:
    """ECEF to ENU and back agree with pymap3d to a micrometre."""
    lat, lon, alt = _random_geodetic(1000, -10e3, 3_000e3, seed=5)
    xyz = geo.geodetic_to_ecef(lat, lon, alt)
    lat0, lon0, alt0 = math.radians(44.08), math.radians(24.42), 120.0
    enu_ref = np.stack(
        pymap3d.ecef2enu(xyz[:, 0], xyz[:, 1], xyz[:, 2], lat0, lon0, alt0, deg=False), axis=-1
    )
    enu = geo.ecef_to_enu(xyz, lat0, lon0, alt0)
    np.testing.assert_allclose(enu, enu_ref, rtol=0, atol=TOL_UM)
    xyz_ref = np.stack(
        pymap3d.enu2ecef(enu[:, 0], enu[:, 1], enu[:, 2], lat0, lon0, alt0, deg=False), axis=-1
    )
    np.testing.assert_allclose(geo.enu_to_ecef(enu, lat0, lon0, alt0), xyz_ref, atol=TOL_UM)


def test_ecef_to_enu_on_the_sphere_matches_pymap3d() -> None:
    """The ellipsoid argument is honoured: on the sphere ENU agrees with pymap3d's sphere."""
    xyz = geo.geodetic_to_ecef(0.9, -0.2, 400e3, geo.SPHERE)
    ref = pymap3d.ecef2enu(*xyz, 0.8, -0.25, 0.0, ell=PYMAP3D_SPHERE, deg=False)
    np.testing.assert_allclose(geo.ecef_to_enu(xyz, 0.8, -0.25, 0.0, geo.SPHERE), ref, atol=TOL_UM)


def test_enu_of_origin_and_of_point_overhead() -> None:
    """The origin is (0, 0, 0) and a point h straight above it is (0, 0, h)."""
    for lat0 in (0.0, 0.7, math.pi / 2, -math.pi / 2):
        origin = geo.geodetic_to_ecef(lat0, 2.0, 50.0)
        np.testing.assert_allclose(geo.ecef_to_enu(origin, lat0, 2.0, 50.0), 0.0, atol=TOL_NM)
        above = geo.geodetic_to_ecef(lat0, 2.0, 1_000e3)
        np.testing.assert_allclose(
            geo.ecef_to_enu(above, lat0, 2.0, 50.0), [0, 0, 1_000e3 - 50.0], atol=TOL_UM
        )


def test_ecef_to_enu_broadcasts_origins_against_points() -> None:
    """Several origins broadcast against the leading shape of the points."""
    xyz = geo.geodetic_to_ecef(0.5, 0.5, np.array([0.0, 1e3, 2e3]))  # (3, 3)
    lat0 = np.array([[0.4], [0.5]])  # (2, 1)
    enu = geo.ecef_to_enu(xyz, lat0, 0.5, 0.0)
    assert enu.shape == (2, 3, 3)
    np.testing.assert_allclose(enu[1, :, 2], [0.0, 1e3, 2e3], atol=TOL_UM)
    back = geo.enu_to_ecef(enu, lat0, 0.5, 0.0)
    np.testing.assert_allclose(back, np.broadcast_to(xyz, (2, 3, 3)), atol=TOL_UM)


@settings(max_examples=200, deadline=None)
@given(
    lat0=lats,
    lon0=lons,
    alt0=st.floats(-10e3, 1_000e3),
    enu=st.tuples(*[st.floats(-5e6, 5e6)] * 3),
)
def test_enu_ecef_round_trip(
    lat0: float, lon0: float, alt0: float, enu: tuple[float, float, float]
) -> None:
    """ENU → ECEF → ENU returns the vector to a micrometre."""
    back = geo.ecef_to_enu(geo.enu_to_ecef(enu, lat0, lon0, alt0), lat0, lon0, alt0)
    np.testing.assert_allclose(back, enu, rtol=0, atol=TOL_UM)


def test_enu_to_aer_matches_pymap3d() -> None:
    """ENU to AER and back agree with pymap3d to round-off."""
    enu = _rng().normal(size=(1000, 3)) * 1e5
    az_ref, el_ref, rng_ref = pymap3d.enu2aer(enu[:, 0], enu[:, 1], enu[:, 2], deg=False)
    az, el, rng = geo.enu_to_aer(enu)
    assert np.all(_angle_diff(az, az_ref) < TOL_ANGLE_RAD)
    np.testing.assert_allclose(el, el_ref, rtol=0, atol=TOL_ANGLE_RAD)
    np.testing.assert_allclose(rng, rng_ref, rtol=REL_ROUNDOFF)
    enu_ref = np.stack(pymap3d.aer2enu(az, el, rng, deg=False), axis=-1)
    np.testing.assert_allclose(geo.aer_to_enu(az, el, rng), enu_ref, rtol=0, atol=TOL_NM)


def test_ecef_to_aer_matches_pymap3d() -> None:
    """ECEF to AER and back agree with pymap3d (micrometre in position, round-off in angle)."""
    lat, lon, alt = _random_geodetic(500, 0, 2_000e3, seed=6)
    xyz = geo.geodetic_to_ecef(lat * 0.1 + 0.8, lon * 0.1, alt)
    lat0, lon0, alt0 = 0.77, 0.05, 300.0
    az_ref, el_ref, rng_ref = pymap3d.ecef2aer(*xyz.T, lat0, lon0, alt0, deg=False)
    az, el, rng = geo.ecef_to_aer(xyz, lat0, lon0, alt0)
    assert np.all(_angle_diff(az, az_ref) < 1e-11)
    np.testing.assert_allclose(el, el_ref, rtol=0, atol=1e-11)
    np.testing.assert_allclose(rng, rng_ref, rtol=0, atol=TOL_UM)
    xyz_ref = np.stack(pymap3d.aer2ecef(az, el, rng, lat0, lon0, alt0, deg=False), axis=-1)
    np.testing.assert_allclose(geo.aer_to_ecef(az, el, rng, lat0, lon0, alt0), xyz_ref, atol=TOL_UM)
    np.testing.assert_allclose(geo.aer_to_ecef(az, el, rng, lat0, lon0, alt0), xyz, atol=TOL_UM)


def test_azimuth_is_clockwise_from_north_in_zero_to_two_pi() -> None:
    """North is 0, east π/2, south π, west 3π/2; a hair west of north stays below 2π."""
    enu = np.array([[0, 1, 0], [1, 0, 0], [0, -1, 0], [-1, 0, 0], [-1e-300, 1, 0], [0, 0, 5]])
    az, el, rng = geo.enu_to_aer(enu.astype(float))
    np.testing.assert_allclose(az[:4], [0, math.pi / 2, math.pi, 3 * math.pi / 2])
    assert np.all((az >= 0) & (az < 2 * math.pi))
    assert el[-1] == math.pi / 2
    assert rng[-1] == 5.0


@settings(max_examples=300, deadline=None)
@given(
    az=st.floats(0, 2 * math.pi, exclude_max=True),
    el=st.floats(-1.5, 1.5),
    rng=st.floats(1.0, 1e8),
)
def test_aer_enu_round_trip(az: float, el: float, rng: float) -> None:
    """AER → ENU → AER returns the angles to round-off and the range to 1e-12 relative."""
    az_out, el_out, rng_out = geo.enu_to_aer(geo.aer_to_enu(az, el, rng))
    assert _angle_diff(az_out, az) < TOL_ANGLE_RAD
    assert abs(el_out - el) < TOL_ANGLE_RAD
    assert rng_out == pytest.approx(rng, rel=REL_ROUNDOFF)
    assert 0 <= az_out < 2 * math.pi


# --------------------------------------------------------------------------- great circles


def test_great_circle_closed_forms() -> None:
    """A quarter of the equator is πR/2, antipodes are πR, a millimetre is a millimetre."""
    assert geo.great_circle_distance_m(0, 0, 0, math.pi / 2) == pytest.approx(math.pi * R_M / 2)
    assert geo.great_circle_distance_m(0.3, 0, -0.3, math.pi) == pytest.approx(math.pi * R_M)
    assert geo.great_circle_distance_m(math.pi / 2, 0, -math.pi / 2, 1.0) == pytest.approx(
        math.pi * R_M
    )
    one_mm = 1e-3 / R_M
    # 0.7 + one_mm is itself rounded, to about 0.4 nm on the ground.
    assert geo.great_circle_distance_m(0.7, 0.2, 0.7 + one_mm, 0.2) == pytest.approx(
        1e-3, abs=TOL_NM
    )
    assert geo.great_circle_distance_m(0.0, 0.0, one_mm, 0.0) == pytest.approx(1e-3, rel=1e-12)
    # A millimetre short of the antipode: the haversine-free form keeps it.
    d = geo.great_circle_distance_m(0.0, 0.0, 0.0, math.pi - one_mm)
    assert d == pytest.approx(math.pi * R_M - 1e-3, abs=TOL_UM)
    assert geo.great_circle_distance_m(0.4, 0.4, 0.4, 0.4) == 0.0
    assert geo.great_circle_distance_m(0, 0, 0, 1, radius_m=1.0) == pytest.approx(1.0)


def test_great_circle_matches_geographiclib_on_the_sphere() -> None:
    """Distance and initial azimuth equal geographiclib's geodesic on the mean sphere."""
    sphere = Geodesic(R_M, 0.0)
    lat1, lon1, _ = _random_geodetic(300, 0, 0, seed=8)
    lat2, lon2, _ = _random_geodetic(300, 0, 0, seed=9)
    dist = geo.great_circle_distance_m(lat1, lon1, lat2, lon2)
    az = geo.great_circle_azimuth_rad(lat1, lon1, lat2, lon2)
    for i in range(lat1.size):
        ref = sphere.Inverse(*np.degrees([lat1[i], lon1[i], lat2[i], lon2[i]]))
        assert dist[i] == pytest.approx(ref["s12"], abs=TOL_UM)
        assert _angle_diff(az[i], math.radians(ref["azi1"])) < TOL_AZ_VINCENTY_RAD


def test_great_circle_azimuth_cardinal_directions_and_range() -> None:
    """Due north is 0, due east π/2, due south π, due west 3π/2, always in [0, 2π)."""
    az = geo.great_circle_azimuth_rad(0.0, 0.0, [0.1, 0.0, -0.1, 0.0], [0.0, 0.1, 0.0, -0.1])
    np.testing.assert_allclose(az, [0, math.pi / 2, math.pi, 3 * math.pi / 2], atol=1e-15)
    # Across the date line, eastward from 179.9° E is still east.
    assert geo.great_circle_azimuth_rad(0.0, math.radians(179.9), 0.0, math.radians(-179.9)) == (
        pytest.approx(math.pi / 2)
    )


@settings(max_examples=200, deadline=None)
@given(lat1=lats, lon1=lons, lat2=lats, lon2=lons)
def test_great_circle_distance_is_symmetric(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    """Distance from 1 to 2 equals distance from 2 to 1 and lies in [0, πR]."""
    d12 = geo.great_circle_distance_m(lat1, lon1, lat2, lon2)
    d21 = geo.great_circle_distance_m(lat2, lon2, lat1, lon1)
    assert d12 == pytest.approx(d21, abs=TOL_UM)
    assert 0.0 <= d12 <= math.pi * R_M * (1 + 1e-15)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-1.5, 1.5),
    lon=lons,
    az=st.floats(0, 2 * math.pi, exclude_max=True),
    dist=st.floats(1.0, 19_000e3),
)
def test_great_circle_destination_then_inverse(
    lat: float, lon: float, az: float, dist: float
) -> None:
    """Going a distance on a bearing, then measuring back, returns that distance and bearing."""
    lat2, lon2 = geo.great_circle_destination(lat, lon, az, dist)
    assert -math.pi <= lon2 < math.pi
    assert geo.great_circle_distance_m(lat, lon, lat2, lon2) == pytest.approx(dist, abs=TOL_UM)
    assert _angle_diff(geo.great_circle_azimuth_rad(lat, lon, lat2, lon2), az) < 1e-8


def test_great_circle_destination_from_pole_and_across_the_date_line() -> None:
    """From the north pole every bearing heads south; eastward at 179.9° E wraps to the west."""
    lat2, _ = geo.great_circle_destination(math.pi / 2, 0.0, [0.0, 1.0, 3.0], 1_000e3)
    np.testing.assert_allclose(lat2, math.pi / 2 - 1_000e3 / R_M, atol=TOL_ANGLE_RAD)
    lon1 = math.radians(179.9)
    lat2, lon2 = geo.great_circle_destination(0.0, lon1, math.pi / 2, 50e3)
    assert lat2 == pytest.approx(0.0, abs=TOL_ANGLE_RAD)
    assert lon2 == pytest.approx(lon1 + 50e3 / R_M - 2 * math.pi, abs=TOL_ANGLE_RAD)


# --------------------------------------------------------------------------- geodesics


def test_geodesic_inverse_matches_geographiclib() -> None:
    """Vincenty agrees with geographiclib to 0.2 mm and 1e-9 rad away from antipodes."""
    g = Geodesic.WGS84
    lat1, lon1, _ = _random_geodetic(1500, 0, 0, seed=10)
    lat2, lon2, _ = _random_geodetic(1500, 0, 0, seed=11)
    # Points on the date line, at the poles and on the equator.
    lat1[:6] = [0.0, math.pi / 2, -math.pi / 2, 0.0, 0.5, 0.0]
    lon1[:6] = [math.pi, 0.0, 0.0, math.radians(179.5), 0.3, 0.0]
    lat2[:6] = [0.0, 0.2, math.pi / 2, 0.0, 0.5, 0.0]
    lon2[:6] = [-math.radians(179.0), 1.0, 0.0, -math.radians(179.5), 0.3, math.radians(100)]
    # Keep clear of the region near the antipode where the method falls back.
    far = geo.great_circle_distance_m(lat1, lon1, -lat2, lon2 + math.pi) < 2 * math.pi / 180 * R_M
    lat1, lon1, lat2, lon2 = (v[~far] for v in (lat1, lon1, lat2, lon2))
    dist, az1, az2 = geo.geodesic_inverse(lat1, lon1, lat2, lon2)
    for i in range(lat1.size):
        ref = g.Inverse(*np.degrees([lat1[i], lon1[i], lat2[i], lon2[i]]))
        assert dist[i] == pytest.approx(ref["s12"], abs=TOL_VINCENTY_M)
        if ref["s12"] > 1.0:  # azimuths of coincident points are a convention
            assert _angle_diff(az1[i], math.radians(ref["azi1"])) < TOL_AZ_VINCENTY_RAD
            assert _angle_diff(az2[i], math.radians(ref["azi2"])) < TOL_AZ_VINCENTY_RAD
    assert np.all((az1 >= 0) & (az1 < 2 * math.pi) & (az2 >= 0) & (az2 < 2 * math.pi))


def test_geodesic_inverse_closed_cases() -> None:
    """Pole to pole is twice the quarter meridian; equatorial arcs are a Δλ; coincident is 0."""
    quarter_meridian_m = 10001965.729312724  # geographiclib, WGS-84
    dist, az1, az2 = geo.geodesic_inverse(math.pi / 2, 0.0, -math.pi / 2, 0.0)
    assert dist == pytest.approx(2 * quarter_meridian_m, abs=TOL_VINCENTY_M)
    assert az1 == pytest.approx(math.pi) and az2 == pytest.approx(math.pi)
    dist, az1, az2 = geo.geodesic_inverse(0.0, math.radians(179.5), 0.0, math.radians(-179.5))
    assert dist == pytest.approx(A_M * math.radians(1.0), abs=TOL_VINCENTY_M)
    assert az1 == pytest.approx(math.pi / 2) and az2 == pytest.approx(math.pi / 2)
    dist, _, _ = geo.geodesic_inverse(0.3, 0.3, 0.3, 0.3)
    assert dist == 0.0


def test_geodesic_inverse_on_the_sphere_is_the_great_circle() -> None:
    """With f = 0 Vincenty reduces to the great circle of the same radius."""
    lat1, lon1, _ = _random_geodetic(500, 0, 0, seed=12)
    lat2, lon2, _ = _random_geodetic(500, 0, 0, seed=13)
    dist, az1, _ = geo.geodesic_inverse(lat1, lon1, lat2, lon2, geo.SPHERE)
    np.testing.assert_allclose(
        dist, geo.great_circle_distance_m(lat1, lon1, lat2, lon2), rtol=0, atol=TOL_UM
    )
    assert np.all(_angle_diff(az1, geo.great_circle_azimuth_rad(lat1, lon1, lat2, lon2)) < 1e-9)


def test_geodesic_inverse_falls_back_near_antipodes() -> None:
    """Where Vincenty does not converge the result is finite and within 0.15 % of the geodesic."""
    g = Geodesic.WGS84
    pairs_deg = np.array(
        [
            [0.0, 0.0, 0.0, 180.0],  # exact antipodes on the equator
            [0.0, 0.0, 0.0, 179.5],  # equatorial, beyond (1 - f) π: geodesic leaves the equator
            [0.0, 0.0, 0.5, 179.7],
            [40.0, 10.0, -40.2, -170.1],
            [89.0, 0.0, -89.0, 180.0],
        ]
    )
    dist, az1, az2 = geo.geodesic_inverse(*np.radians(pairs_deg.T))
    assert np.all(np.isfinite(dist) & np.isfinite(az1) & np.isfinite(az2))
    for i, pair in enumerate(pairs_deg):
        ref = g.Inverse(*pair)["s12"]
        assert dist[i] == pytest.approx(ref, rel=1.5e-3)


def test_geodesic_inverse_keeps_shape() -> None:
    """Inputs broadcast and the three outputs share their shape."""
    lat2 = np.linspace(-1, 1, 6).reshape(2, 3)
    dist, az1, az2 = geo.geodesic_inverse(0.1, 0.2, lat2, 0.5)
    assert dist.shape == az1.shape == az2.shape == (2, 3)


# --------------------------------------------------------------------------- ECI

vectors = st.tuples(*[st.floats(-5e7, 5e7)] * 3)
times = st.floats(-1e6, 1e6)


def test_eci_and_ecef_coincide_at_epoch_and_after_a_sidereal_day() -> None:
    """At t = 0 and after one turn 2π/ω the frames coincide."""
    xyz = _rng().normal(size=(10, 3)) * 7e6
    np.testing.assert_array_equal(geo.ecef_to_eci(xyz, 0.0), xyz)
    turn_s = 2 * math.pi / geo.OMEGA_EARTH_RAD_S
    np.testing.assert_allclose(geo.ecef_to_eci(xyz, turn_s), xyz, atol=TOL_UM * 10)


def test_ecef_to_eci_rotates_eastward() -> None:
    """A point fixed on the equator at the prime meridian moves to longitude +ωt in ECI."""
    t_s = 3_600.0
    angle = geo.OMEGA_EARTH_RAD_S * t_s
    out = geo.ecef_to_eci([A_M, 0.0, 0.0], t_s)
    np.testing.assert_allclose(out, [A_M * math.cos(angle), A_M * math.sin(angle), 0.0])


@settings(max_examples=200, deadline=None)
@given(xyz=vectors, t_s=times)
def test_eci_ecef_round_trip_preserves_norm_and_z(
    xyz: tuple[float, float, float], t_s: float
) -> None:
    """ECEF → ECI → ECEF is the identity; the rotation keeps the norm and z."""
    eci = geo.ecef_to_eci(xyz, t_s)
    np.testing.assert_allclose(geo.eci_to_ecef(eci, t_s), xyz, rtol=0, atol=TOL_UM)
    assert np.linalg.norm(eci) == pytest.approx(np.linalg.norm(xyz), rel=REL_ROUNDOFF, abs=TOL_NM)
    assert eci[2] == xyz[2]


def test_time_broadcasts_against_leading_shape() -> None:
    """t_s of shape (n,) pairs with (n, 3) vectors; (m, 1) gives (m, n, 3)."""
    xyz = _rng().normal(size=(5, 3)) * 7e6
    t = np.linspace(0, 1e4, 5)
    out = geo.ecef_to_eci(xyz, t)
    assert out.shape == (5, 3)
    for i in range(5):
        np.testing.assert_allclose(out[i], geo.ecef_to_eci(xyz[i], t[i]))
    assert geo.ecef_to_eci(xyz, np.zeros((4, 1))).shape == (4, 5, 3)
    assert geo.velocity_ecef_to_eci(xyz, xyz, np.zeros((4, 1))).shape == (4, 5, 3)


def test_velocity_of_a_point_at_rest_on_the_equator() -> None:
    """A point at rest on the equator moves east at ωa ≈ 465 m/s in ECI."""
    v = geo.velocity_ecef_to_eci([A_M, 0.0, 0.0], [0.0, 0.0, 0.0], 0.0)
    np.testing.assert_allclose(v, [0.0, geo.OMEGA_EARTH_RAD_S * A_M, 0.0])
    assert v[1] == pytest.approx(465.1, abs=0.1)


def test_velocity_transform_is_the_time_derivative_of_the_position_transform() -> None:
    """v_eci equals the central difference of ecef_to_eci along a moving ECEF track."""
    r0 = np.array([4e6, 3e6, 4.5e6])
    v_ecef = np.array([1200.0, -800.0, 3000.0])
    t, dt = 5_000.0, 0.5

    def r_ecef(time_s: float) -> NDArray[np.float64]:
        return r0 + v_ecef * time_s

    numeric = (
        geo.ecef_to_eci(r_ecef(t + dt), t + dt) - geo.ecef_to_eci(r_ecef(t - dt), t - dt)
    ) / (2 * dt)
    analytic = geo.velocity_ecef_to_eci(r_ecef(t), v_ecef, t)
    # Central-difference error is ω² |r| dt² / 6, about 1e-5 m/s here.
    np.testing.assert_allclose(analytic, numeric, rtol=0, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(r=vectors, v=st.tuples(*[st.floats(-1e4, 1e4)] * 3), t_s=times)
def test_velocity_round_trip(
    r: tuple[float, float, float], v: tuple[float, float, float], t_s: float
) -> None:
    """Velocity ECEF → ECI → ECEF is the identity (to 1e-9 m/s)."""
    r_eci = geo.ecef_to_eci(r, t_s)
    v_eci = geo.velocity_ecef_to_eci(r, v, t_s)
    np.testing.assert_allclose(geo.velocity_eci_to_ecef(r_eci, v_eci, t_s), v, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("44.08,24.42", (44.08, 24.42)),
        ("44.08, 24.42", (44.08, 24.42)),
        (" -33.87 , 151.21 ", (-33.87, 151.21)),
        ("90,-180", (90.0, -180.0)),
    ],
)
def test_parse_lat_lon_accepts_degrees(text: str, expected: tuple[float, float]) -> None:
    """Comma-separated decimal degrees parse, with or without spaces."""
    assert geo.parse_lat_lon(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("44.08", "expected LAT,LON in degrees, e.g. 44.08,24.42; got '44.08'"),
        ("44.08;24.42", "expected LAT,LON in degrees"),
        ("44.08,24.42,3", "expected LAT,LON in degrees"),
        ("north,east", "expected LAT,LON in degrees"),
        ("", "expected LAT,LON in degrees"),
        ("nan,0", "finite"),
        ("91,0", "latitude must be between -90 and 90 degrees; got 91"),
        ("0,180.5", "longitude must be between -180 and 180 degrees; got 180.5"),
    ],
)
def test_parse_lat_lon_rejects_with_a_clear_message(text: str, message: str) -> None:
    """Malformed or out-of-range text raises JointshieldError saying what was expected."""
    with pytest.raises(JointshieldError, match=message.replace("(", r"\(").replace(".", r"\.")):
        geo.parse_lat_lon(text)


@given(lat=lats_deg, lon=st.floats(-180.0, 180.0))
def test_parse_lat_lon_round_trips_repr(lat: float, lon: float) -> None:
    """Any in-range pair printed with repr parses back to the same floats."""
    assert geo.parse_lat_lon(f"{lat!r},{lon!r}") == (lat, lon)
