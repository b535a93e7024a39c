"""Vectorised geodesy: ellipsoids, Earth-fixed and inertial frames, local frames, geodesics.

Conventions
-----------
* SI inside: metres, seconds, radians. Every name carries its unit
  (``lat_rad``, ``alt_m``, ``range_m``, ``t_s``); only :func:`parse_lat_lon`
  speaks degrees, because people do.
* Arrays of any shape are accepted wherever a number is, and broadcast
  against each other in the NumPy way; Cartesian vectors sit on the last axis,
  shape ``(..., 3)``. Plain Python numbers work too.
* Geodetic latitude and longitude are on an ellipsoid (WGS-84 unless told
  otherwise); altitude is the height above that ellipsoid along its normal.
  Longitudes come back within ``[-π, π]``.
* ECEF: Earth-centred, Earth-fixed; z towards the north pole, x towards the
  prime meridian on the equator.
* ENU: the local east, north, up frame at an origin on or above the
  ellipsoid; "up" is the ellipsoid normal, not the direction away from the
  Earth's centre.
* Azimuth is measured clockwise from north (north 0, east π/2) and returned
  in ``[0, 2π)``; elevation is the angle above the local horizontal plane.
* ECI here is the simplest Earth-rotation frame: ECEF turned back about the
  z axis by the Earth's rotation, coinciding with ECEF at ``t_s = 0``. It
  ignores precession, nutation and polar motion, which matter over years or
  at the arc-second level, not over the minutes of a ballistic flight.

Constants are those of WGS-84 (NIMA TR8350.2, 3rd ed., 2000), with J2 from
EGM96 and the mean radius R1 of the IUGG (Moritz 1980, Geodetic Reference
System 1980, Bulletin Géodésique 54(3)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import FloatArray, as_f64
from jointshield.errors import JointshieldError

WGS84_A_M: Final = 6378137.0
"""WGS-84 semi-major axis, m (NIMA TR8350.2, table 3.1)."""
WGS84_F: Final = 1 / 298.257223563
"""WGS-84 flattening (NIMA TR8350.2, table 3.1)."""
OMEGA_EARTH_RAD_S: Final = 7.292115e-5
"""Nominal mean angular velocity of the Earth, rad/s (WGS-84, IERS)."""
MU_EARTH_M3_S2: Final = 3.986004418e14
"""Geocentric gravitational constant GM including the atmosphere, m³/s² (WGS-84, EGM96)."""
J2_EARTH: Final = 1.08262668e-3
"""Unnormalised second zonal harmonic J2 = -C20 (EGM96 / IERS)."""
MEAN_EARTH_RADIUS_M: Final = 6371008.8
"""IUGG mean Earth radius R1 = (2a + b) / 3 of the reference ellipsoid, m."""

_TWO_PI: Final = 2.0 * math.pi


@dataclass(frozen=True)
class Ellipsoid:
    """An oblate ellipsoid of revolution.

    Parameters
    ----------
    a_m : float
        Semi-major (equatorial) axis, m.
    f : float
        Flattening ``(a - b) / a``; 0 for a sphere of radius ``a_m``.

    """

    a_m: float
    f: float

    @property
    def b_m(self) -> float:
        """Semi-minor (polar) axis ``a (1 - f)``, m."""
        return self.a_m * (1.0 - self.f)

    @property
    def e2(self) -> float:
        """First eccentricity squared ``f (2 - f)``."""
        return self.f * (2.0 - self.f)

    @property
    def ep2(self) -> float:
        """Second eccentricity squared ``e² / (1 - e²)``."""
        return self.e2 / (1.0 - self.e2)

    @property
    def mean_radius_m(self) -> float:
        """Mean radius R1 = ``(2a + b) / 3``, m."""
        return (2.0 * self.a_m + self.b_m) / 3.0


WGS84: Final = Ellipsoid(WGS84_A_M, WGS84_F)
"""The WGS-84 reference ellipsoid."""
SPHERE: Final = Ellipsoid(MEAN_EARTH_RADIUS_M, 0.0)
"""A spherical Earth of the IUGG mean radius, for closed-form checks."""


def _hypot(x: FloatArray, y: FloatArray) -> FloatArray:
    """Return ``sqrt(x² + y²)``.

    ``np.hypot`` guards against overflow of the squares, which cannot happen
    with lengths in metres or with sines, and costs many times more.
    """
    return np.sqrt(x * x + y * y)


def _atan2_2pi(y: FloatArray, x: FloatArray) -> FloatArray:
    """Return ``atan2(y, x)`` in ``[0, 2π)``.

    A tiny negative angle plus 2π rounds to exactly 2π; that is the same
    direction as 0, which is what is returned then.
    """
    angle: FloatArray = np.arctan2(y, x)
    angle = np.where(angle < 0.0, angle + _TWO_PI, angle)
    return np.where(angle >= _TWO_PI, 0.0, angle)


def _wrap_2pi(angle_rad: FloatArray) -> FloatArray:
    """Wrap angles of any size into ``[0, 2π)``; 0 where ``np.mod`` rounds up to 2π."""
    wrapped: FloatArray = np.mod(angle_rad, _TWO_PI)
    return np.where(wrapped >= _TWO_PI, 0.0, wrapped)


def _wrap_pi(angle_rad: FloatArray) -> FloatArray:
    """Wrap angles of any size into ``[-π, π)``."""
    return _wrap_2pi(angle_rad + math.pi) - math.pi


def _stack3(x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
    """Stack three broadcastable components into one ``(..., 3)`` array."""
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


# --------------------------------------------------------------------------- ECEF


def geodetic_to_ecef(
    lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike, ellipsoid: Ellipsoid = WGS84
) -> FloatArray:
    """Convert geodetic coordinates to Earth-centred, Earth-fixed Cartesian ones.

    Parameters
    ----------
    lat_rad, lon_rad : array_like
        Geodetic latitude and longitude, rad.
    alt_m : array_like
        Height above the ellipsoid along its normal, m.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        ECEF position, m, shape ``broadcast(lat, lon, alt) + (3,)``.

    Notes
    -----
    With the prime-vertical radius of curvature ``N = a / sqrt(1 - e² sin²φ)``,
    ``x = (N + h) cos φ cos λ``, ``y = (N + h) cos φ sin λ`` and
    ``z = (N (1 - e²) + h) sin φ``, exact for any altitude.

    """
    lat = as_f64(lat_rad)
    lon = as_f64(lon_rad)
    alt = as_f64(alt_m)
    e2 = ellipsoid.e2
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n_m = ellipsoid.a_m / np.sqrt(1.0 - e2 * sin_lat * sin_lat)
    r_xy = (n_m + alt) * cos_lat
    return _stack3(r_xy * np.cos(lon), r_xy * np.sin(lon), (n_m * (1.0 - e2) + alt) * sin_lat)


def ecef_to_geodetic(
    xyz_m: ArrayLike, ellipsoid: Ellipsoid = WGS84
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Convert ECEF Cartesian coordinates to geodetic latitude, longitude and altitude.

    Parameters
    ----------
    xyz_m : array_like
        ECEF position, m, shape ``(..., 3)``.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default; a sphere (``f = 0``) works too.

    Returns
    -------
    lat_rad, lon_rad : numpy.ndarray
        Geodetic latitude in ``[-π/2, π/2]`` and longitude in ``[-π, π]``, rad.
    alt_m : numpy.ndarray
        Height above the ellipsoid, m.

    Notes
    -----
    Closed form of Vermeille (2002), "Direct transformation from geocentric
    coordinates to geodetic coordinates", Journal of Geodesy 76(8), 451-454,
    a reformulation of the quartic solved by Heikkinen (1982) and Zhu (1994)
    that stays well conditioned at the poles and on the equator and reduces
    exactly to spherical coordinates when ``f = 0``. It holds for every point
    outside the evolute of the meridian ellipse (a region within about
    43 km of the WGS-84 centre), and inverts :func:`geodetic_to_ecef` to
    better than 0.1 µm from -10 km to 40,000 km altitude (round-off of the
    coordinates themselves). Inside the evolute, which no trajectory
    reaches, the result is NaN (with NumPy's invalid-value warning).

    """
    xyz = as_f64(xyz_m)
    x = xyz[..., 0]
    y = xyz[..., 1]
    z = xyz[..., 2]
    a = ellipsoid.a_m
    e2 = ellipsoid.e2
    e4 = e2 * e2
    rho2 = x * x + y * y
    rho = np.sqrt(rho2)
    p = rho2 / (a * a)
    q = (1.0 - e2) / (a * a) * (z * z)
    r = (p + q - e4) / 6.0
    # s is of order e⁴ outside the evolute, so the cube root below is
    # evaluated close to 1 and loses nothing.
    s = e4 * p * q / (4.0 * r * r * r)
    t = np.cbrt(1.0 + s + np.sqrt(s * (2.0 + s)))
    u = r * (1.0 + t + 1.0 / t)
    v = np.sqrt(u * u + e4 * q)
    w = e2 * (u + v - q) / (2.0 * v)
    k = np.sqrt(u + v + w * w) - w
    d = k * rho / (k + e2)
    dz = _hypot(d, z)
    # Half-angle form of atan2(z, d), with d + dz > 0 away from the centre:
    # exact at the poles (d = 0) and on the equator.
    lat = 2.0 * np.arctan(z / (d + dz))
    lon = np.arctan2(y, x)
    alt = (k + e2 - 1.0) / k * dz
    return lat, lon, alt


def geodetic_altitude_m(p_m: ArrayLike, z_m: ArrayLike, ellipsoid: Ellipsoid = WGS84) -> FloatArray:
    """Return the height above the ellipsoid from the axial distance and ``z`` only.

    Meant for the inner loop of a flight integrator, where only altitude is
    wanted: no longitude, no trigonometric function, some thirty cheap
    element-wise operations (several times faster than
    :func:`ecef_to_geodetic`).

    Parameters
    ----------
    p_m : array_like
        Distance from the Earth's axis, ``sqrt(x² + y²)``, m.
    z_m : array_like
        ECEF z coordinate, m.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        Height above the ellipsoid, m.

    Notes
    -----
    One step of Bowring's (1976) iteration, "Transformation from spatial to
    geographical coordinates", Survey Review 23(181), 323-327, from the
    parametric latitude of the point, gives cos φ and sin φ as ratios; the
    height then follows from
    ``h = p cos φ + z sin φ - a sqrt(1 - e² sin²φ)``, whose error is only of
    second order in the error of φ. Against the exact inverse of
    :func:`geodetic_to_ecef` the result is within 0.1 µm from -10 km to
    40,000 km, far inside the 1 mm a flight needs. For a sphere (``f = 0``)
    it is ``sqrt(p² + z²) - a``, exactly. Undefined (NaN) at the Earth's centre.

    """
    p = as_f64(p_m)
    z = as_f64(z_m)
    a = ellipsoid.a_m
    if ellipsoid.f == 0.0:
        sphere_alt: FloatArray = _hypot(p, z) - a
        return sphere_alt
    b = ellipsoid.b_m
    e2 = ellipsoid.e2
    # Parametric latitude β from tan β = a z / (b p): only its sine and cosine.
    bp = b * p
    az = a * z
    inv_r = 1.0 / np.sqrt(bp * bp + az * az)
    cos_beta = bp * inv_r
    sin_beta = az * inv_r
    # Bowring: tan φ = (z + e'² b sin³β) / (p - e² a cos³β) = num / den.
    # Cubes as products: the float power ufunc is far slower.
    num = z + (ellipsoid.ep2 * b) * (sin_beta * sin_beta * sin_beta)
    den = p - (e2 * a) * (cos_beta * cos_beta * cos_beta)
    # h = (p den + z num - a sqrt(den² + (1 - e²) num²)) / sqrt(den² + num²),
    # the formula of the docstring with cos φ, sin φ written as ratios.
    num2 = num * num
    den2 = den * den
    alt: FloatArray = (p * den + z * num - a * np.sqrt(den2 + (1.0 - e2) * num2)) / np.sqrt(
        den2 + num2
    )
    return alt


# --------------------------------------------------------------------------- ENU, AER


def enu_basis(lat_rad: ArrayLike, lon_rad: ArrayLike) -> FloatArray:
    """Return the local east, north, up unit vectors in ECEF.

    Parameters
    ----------
    lat_rad, lon_rad : array_like
        Geodetic latitude and longitude of the origin, rad.

    Returns
    -------
    numpy.ndarray
        Shape ``broadcast(lat, lon) + (3, 3)``; rows are east, north and up,
        so that ``basis @ d_ecef`` gives ENU components and
        ``basis.swapaxes(-1, -2) @ enu`` gives ECEF ones. Up is the
        ellipsoid normal.

    """
    lat, lon = np.broadcast_arrays(as_f64(lat_rad), as_f64(lon_rad))
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    sin_lon = np.sin(lon)
    cos_lon = np.cos(lon)
    basis = np.empty((*lat.shape, 3, 3), dtype=np.float64)
    basis[..., 0, 0] = -sin_lon
    basis[..., 0, 1] = cos_lon
    basis[..., 0, 2] = 0.0
    basis[..., 1, 0] = -sin_lat * cos_lon
    basis[..., 1, 1] = -sin_lat * sin_lon
    basis[..., 1, 2] = cos_lat
    basis[..., 2, 0] = cos_lat * cos_lon
    basis[..., 2, 1] = cos_lat * sin_lon
    basis[..., 2, 2] = sin_lat
    return basis


def ecef_to_enu(
    xyz_m: ArrayLike,
    lat0_rad: ArrayLike,
    lon0_rad: ArrayLike,
    alt0_m: ArrayLike,
    ellipsoid: Ellipsoid = WGS84,
) -> FloatArray:
    """Express ECEF positions in the local ENU frame of an origin.

    Parameters
    ----------
    xyz_m : array_like
        ECEF positions, m, shape ``(..., 3)``.
    lat0_rad, lon0_rad, alt0_m : array_like
        Geodetic coordinates of the origin, rad, rad, m; broadcast against
        the leading shape of ``xyz_m``.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        East, north, up components, m, shape ``(..., 3)``.

    """
    xyz = as_f64(xyz_m)
    lat0 = as_f64(lat0_rad)
    lon0 = as_f64(lon0_rad)
    d = xyz - geodetic_to_ecef(lat0, lon0, alt0_m, ellipsoid)
    sin_lat = np.sin(lat0)
    cos_lat = np.cos(lat0)
    sin_lon = np.sin(lon0)
    cos_lon = np.cos(lon0)
    dx = d[..., 0]
    dy = d[..., 1]
    dz = d[..., 2]
    # t: component along the origin's meridian-plane horizontal (outward) axis.
    t = cos_lon * dx + sin_lon * dy
    east = cos_lon * dy - sin_lon * dx
    north = cos_lat * dz - sin_lat * t
    up = cos_lat * t + sin_lat * dz
    return _stack3(east, north, up)


def enu_to_ecef(
    enu_m: ArrayLike,
    lat0_rad: ArrayLike,
    lon0_rad: ArrayLike,
    alt0_m: ArrayLike,
    ellipsoid: Ellipsoid = WGS84,
) -> FloatArray:
    """Convert local ENU positions of an origin to ECEF.

    Parameters
    ----------
    enu_m : array_like
        East, north, up components, m, shape ``(..., 3)``.
    lat0_rad, lon0_rad, alt0_m : array_like
        Geodetic coordinates of the origin, rad, rad, m.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        ECEF positions, m, shape ``(..., 3)``.

    """
    enu = as_f64(enu_m)
    lat0 = as_f64(lat0_rad)
    lon0 = as_f64(lon0_rad)
    sin_lat = np.sin(lat0)
    cos_lat = np.cos(lat0)
    sin_lon = np.sin(lon0)
    cos_lon = np.cos(lon0)
    east = enu[..., 0]
    north = enu[..., 1]
    up = enu[..., 2]
    t = cos_lat * up - sin_lat * north
    dz = sin_lat * up + cos_lat * north
    dx = cos_lon * t - sin_lon * east
    dy = sin_lon * t + cos_lon * east
    return _stack3(dx, dy, dz) + geodetic_to_ecef(lat0, lon0, alt0_m, ellipsoid)


def enu_to_aer(enu_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Convert local ENU components to azimuth, elevation and slant range.

    Parameters
    ----------
    enu_m : array_like
        East, north, up components, m, shape ``(..., 3)``.

    Returns
    -------
    az_rad : numpy.ndarray
        Azimuth clockwise from north, in ``[0, 2π)``, rad; 0 straight up or down.
    el_rad : numpy.ndarray
        Elevation above the horizontal plane, in ``[-π/2, π/2]``, rad.
    range_m : numpy.ndarray
        Slant range, m.

    """
    enu = as_f64(enu_m)
    east = enu[..., 0]
    north = enu[..., 1]
    up = enu[..., 2]
    horizontal = _hypot(east, north)
    az = _atan2_2pi(east, north)
    el: FloatArray = np.arctan2(up, horizontal)
    range_m: FloatArray = _hypot(horizontal, up)
    return az, el, range_m


def aer_to_enu(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> FloatArray:
    """Convert azimuth, elevation and slant range to local ENU components.

    Parameters
    ----------
    az_rad : array_like
        Azimuth clockwise from north, rad.
    el_rad : array_like
        Elevation above the horizontal plane, rad.
    range_m : array_like
        Slant range, m.

    Returns
    -------
    numpy.ndarray
        East, north, up components, m, shape ``broadcast(az, el, range) + (3,)``.

    """
    az = as_f64(az_rad)
    el = as_f64(el_rad)
    rng = as_f64(range_m)
    horizontal = rng * np.cos(el)
    return _stack3(horizontal * np.sin(az), horizontal * np.cos(az), rng * np.sin(el))


def ecef_to_aer(
    xyz_m: ArrayLike,
    lat0_rad: ArrayLike,
    lon0_rad: ArrayLike,
    alt0_m: ArrayLike,
    ellipsoid: Ellipsoid = WGS84,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return azimuth, elevation and slant range of ECEF positions seen from an origin.

    Parameters
    ----------
    xyz_m : array_like
        ECEF positions, m, shape ``(..., 3)``.
    lat0_rad, lon0_rad, alt0_m : array_like
        Geodetic coordinates of the observer, rad, rad, m.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    az_rad, el_rad, range_m : numpy.ndarray
        As :func:`enu_to_aer`. Elevation is geometric: no refraction.

    """
    return enu_to_aer(ecef_to_enu(xyz_m, lat0_rad, lon0_rad, alt0_m, ellipsoid))


def aer_to_ecef(
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    range_m: ArrayLike,
    lat0_rad: ArrayLike,
    lon0_rad: ArrayLike,
    alt0_m: ArrayLike,
    ellipsoid: Ellipsoid = WGS84,
) -> FloatArray:
    """Return the ECEF position at an azimuth, elevation and slant range from an origin.

    Parameters
    ----------
    az_rad, el_rad, range_m : array_like
        Azimuth clockwise from north (rad), elevation (rad), slant range (m).
    lat0_rad, lon0_rad, alt0_m : array_like
        Geodetic coordinates of the observer, rad, rad, m.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        ECEF positions, m, shape ``(..., 3)``.

    """
    return enu_to_ecef(aer_to_enu(az_rad, el_rad, range_m), lat0_rad, lon0_rad, alt0_m, ellipsoid)


# --------------------------------------------------------------------------- great circles


def great_circle_distance_m(
    lat1_rad: ArrayLike,
    lon1_rad: ArrayLike,
    lat2_rad: ArrayLike,
    lon2_rad: ArrayLike,
    radius_m: float = MEAN_EARTH_RADIUS_M,
) -> FloatArray:
    """Return the great-circle distance between two points on a sphere.

    Parameters
    ----------
    lat1_rad, lon1_rad, lat2_rad, lon2_rad : array_like
        Latitudes and longitudes of the two points, rad.
    radius_m : float, optional
        Radius of the sphere, m; the IUGG mean Earth radius by default.

    Returns
    -------
    numpy.ndarray
        Distance along the sphere, m.

    Notes
    -----
    The central angle is ``atan2(|n1 × n2|, n1 · n2)`` of the two unit
    vectors, written in latitudes and longitudes: the case ``f = 0`` of
    Vincenty (1975), Survey Review 23(176), 88-93. Unlike the law of
    cosines it keeps full precision for millimetre distances, and unlike the
    haversine form it stays accurate for nearly antipodal points.

    """
    lat1 = as_f64(lat1_rad)
    lat2 = as_f64(lat2_rad)
    dlon = as_f64(lon2_rad) - as_f64(lon1_rad)
    sin1 = np.sin(lat1)
    cos1 = np.cos(lat1)
    sin2 = np.sin(lat2)
    cos2 = np.cos(lat2)
    cos_dlon = np.cos(dlon)
    sin_sigma = _hypot(cos2 * np.sin(dlon), cos1 * sin2 - sin1 * cos2 * cos_dlon)
    cos_sigma = sin1 * sin2 + cos1 * cos2 * cos_dlon
    distance: FloatArray = radius_m * np.arctan2(sin_sigma, cos_sigma)
    return distance


def great_circle_azimuth_rad(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> FloatArray:
    """Return the initial bearing of the great circle from point 1 to point 2.

    Parameters
    ----------
    lat1_rad, lon1_rad, lat2_rad, lon2_rad : array_like
        Latitudes and longitudes of the two points, rad.

    Returns
    -------
    numpy.ndarray
        Azimuth at point 1, clockwise from north, in ``[0, 2π)``, rad. It is 0
        for coincident points; at a pole it is the usual limit along the
        meridian of ``lon1_rad``.

    """
    lat1 = as_f64(lat1_rad)
    lat2 = as_f64(lat2_rad)
    dlon = as_f64(lon2_rad) - as_f64(lon1_rad)
    cos2 = np.cos(lat2)
    y = np.sin(dlon) * cos2
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * cos2 * np.cos(dlon)
    return _atan2_2pi(y, x)


def great_circle_destination(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    az_rad: ArrayLike,
    distance_m: ArrayLike,
    radius_m: float = MEAN_EARTH_RADIUS_M,
) -> tuple[FloatArray, FloatArray]:
    """Return the point reached along a great circle from a start, bearing and distance.

    Parameters
    ----------
    lat_rad, lon_rad : array_like
        Start point, rad.
    az_rad : array_like
        Initial bearing, clockwise from north, rad.
    distance_m : array_like
        Distance along the sphere, m.
    radius_m : float, optional
        Radius of the sphere, m; the IUGG mean Earth radius by default.

    Returns
    -------
    lat_rad, lon_rad : numpy.ndarray
        End point, rad; longitude in ``[-π, π)``.

    Notes
    -----
    The end point's direction cosines in the start point's frame are
    ``Z = sin φ1 cos δ + cos φ1 sin δ cos θ`` (up the axis),
    ``X = cos φ1 cos δ - sin φ1 sin δ cos θ`` and ``Y = sin δ sin θ``
    (in the equatorial plane, relative to the start meridian); latitude and
    longitude follow with ``atan2``, which unlike ``asin`` stays exact near
    the poles.

    """
    lat = as_f64(lat_rad)
    az = as_f64(az_rad)
    delta = as_f64(distance_m) / radius_m
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    sin_d = np.sin(delta)
    cos_d = np.cos(delta)
    cos_az = np.cos(az)
    x = cos_lat * cos_d - sin_lat * sin_d * cos_az
    y = sin_d * np.sin(az)
    z = sin_lat * cos_d + cos_lat * sin_d * cos_az
    lat2: FloatArray = np.arctan2(z, _hypot(x, y))
    lon2 = _wrap_pi(as_f64(lon_rad) + np.arctan2(y, x))
    return lat2, lon2


# --------------------------------------------------------------------------- geodesics

_VINCENTY_TOL_RAD: Final = 1e-12  # ≈ 6 µm on the Earth
_VINCENTY_MAX_ITER: Final = 200


def _vincenty_sigma(
    sin_u1: FloatArray,
    cos_u1: FloatArray,
    sin_u2: FloatArray,
    cos_u2: FloatArray,
    lam: FloatArray,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray
]:
    """Return the auxiliary-sphere quantities of Vincenty's inverse for a given λ.

    Returns ``sin λ, cos λ, sin σ, cos σ, σ, sin α, cos²α, cos 2σm``.
    """
    sin_lam = np.sin(lam)
    cos_lam = np.cos(lam)
    sin_sigma = _hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
    cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
    sigma = np.arctan2(sin_sigma, cos_sigma)
    # Coincident points (sin σ = 0): any α will do, take the meridian (sin α = 0).
    sin_alpha = np.divide(
        cos_u1 * cos_u2 * sin_lam,
        sin_sigma,
        out=np.zeros_like(sin_sigma),
        where=sin_sigma != 0.0,
    )
    cos2_alpha = 1.0 - sin_alpha * sin_alpha
    # On the equator (cos²α = 0) the term is 0 by continuity (Vincenty 1975).
    cos_2sigma_m = cos_sigma - np.divide(
        2.0 * sin_u1 * sin_u2,
        cos2_alpha,
        out=np.zeros_like(cos2_alpha),
        where=cos2_alpha != 0.0,
    )
    return sin_lam, cos_lam, sin_sigma, cos_sigma, sigma, sin_alpha, cos2_alpha, cos_2sigma_m


def _vincenty_lambda(
    lon_diff: FloatArray,
    f: float,
    sin_u1: FloatArray,
    cos_u1: FloatArray,
    sin_u2: FloatArray,
    cos_u2: FloatArray,
    lam: FloatArray,
) -> FloatArray:
    """Return the next iterate of λ, the longitude difference on the auxiliary sphere."""
    _, _, sin_sigma, cos_sigma, sigma, sin_alpha, cos2_alpha, cos_2sm = _vincenty_sigma(
        sin_u1, cos_u1, sin_u2, cos_u2, lam
    )
    c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha))
    return lon_diff + (1.0 - c) * f * sin_alpha * (
        sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (2.0 * cos_2sm * cos_2sm - 1.0))
    )


def geodesic_inverse(
    lat1_rad: ArrayLike,
    lon1_rad: ArrayLike,
    lat2_rad: ArrayLike,
    lon2_rad: ArrayLike,
    ellipsoid: Ellipsoid = WGS84,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Solve the inverse geodesic problem on an ellipsoid.

    Parameters
    ----------
    lat1_rad, lon1_rad, lat2_rad, lon2_rad : array_like
        Geodetic latitudes and longitudes of the two points, rad.
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    distance_m : numpy.ndarray
        Length of the shortest geodesic, m.
    az1_rad : numpy.ndarray
        Azimuth of the geodesic at point 1, clockwise from north, ``[0, 2π)``.
    az2_rad : numpy.ndarray
        Forward azimuth of the geodesic at point 2 (the direction of travel
        on arrival, not the back bearing), ``[0, 2π)``.

    Notes
    -----
    Vincenty's inverse method, T. Vincenty (1975), "Direct and inverse
    solutions of geodesics on the ellipsoid with application of nested
    equations", Survey Review 23(176), 88-93: λ, the longitude difference on
    the auxiliary sphere, is iterated to 1e-12 rad, which gives distances to
    better than 0.1 mm and azimuths to about 1e-9 rad. Each pass of the
    iteration works on the points not yet converged only.

    Vincenty's iteration fails for nearly antipodal points: within about
    0.7 degree of the antipode, and along the equator beyond
    ``|Δλ| > (1 - f) π``, where the shortest geodesic leaves the equator.
    For those points, and only those, this function falls back to the great
    circle on the sphere of the ellipsoid's mean radius ``(2a + b) / 3``. The
    distance is then approximate, within 0.12 % (about 22 km) for WGS-84,
    and the azimuths may be wrong altogether, since near the antipode they
    depend on the flattening by tens of degrees. Use a full geodesic solver
    (Karney 2013, "Algorithms for geodesics", J. Geodesy 87, 43-55) where
    such pairs matter. Coincident points get distance 0 and azimuths 0.

    """
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(
        as_f64(lat1_rad), as_f64(lon1_rad), as_f64(lat2_rad), as_f64(lon2_rad)
    )
    shape = lat1.shape
    lat1 = lat1.ravel()
    lon1 = lon1.ravel()
    lat2 = lat2.ravel()
    lon2 = lon2.ravel()
    a = ellipsoid.a_m
    b = ellipsoid.b_m
    f = ellipsoid.f

    # Reduced (parametric) latitudes, tan U = (1 - f) tan φ, without tan at the poles.
    num1 = (1.0 - f) * np.sin(lat1)
    den1 = np.cos(lat1)
    r1 = _hypot(num1, den1)
    sin_u1 = num1 / r1
    cos_u1 = den1 / r1
    num2 = (1.0 - f) * np.sin(lat2)
    den2 = np.cos(lat2)
    r2 = _hypot(num2, den2)
    sin_u2 = num2 / r2
    cos_u2 = den2 / r2
    lon_diff = _wrap_pi(lon2 - lon1)

    lam = lon_diff.copy()
    converged = np.zeros(lam.shape, dtype=bool)
    active = np.arange(lam.size)
    for _ in range(_VINCENTY_MAX_ITER):
        if active.size == 0:
            break
        lam_old = lam[active]
        lam_new = _vincenty_lambda(
            lon_diff[active],
            f,
            sin_u1[active],
            cos_u1[active],
            sin_u2[active],
            cos_u2[active],
            lam_old,
        )
        lam[active] = lam_new
        # |λ| > π means the geodesic has left the range the method covers
        # (antipodal case): stop iterating, it will fall back below.
        diverged = np.abs(lam_new) > math.pi
        done = np.abs(lam_new - lam_old) < _VINCENTY_TOL_RAD
        converged[active[done & ~diverged]] = True
        active = active[~done & ~diverged]

    sin_lam, cos_lam, sin_sigma, cos_sigma, sigma, _, cos2_alpha, cos_2sm = _vincenty_sigma(
        sin_u1, cos_u1, sin_u2, cos_u2, lam
    )
    u2 = cos2_alpha * (a * a - b * b) / (b * b)
    big_a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)))
    big_b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)))
    cos_2sm2 = cos_2sm * cos_2sm
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4.0
            * (
                cos_sigma * (2.0 * cos_2sm2 - 1.0)
                - big_b
                / 6.0
                * cos_2sm
                * (4.0 * sin_sigma * sin_sigma - 3.0)
                * (4.0 * cos_2sm2 - 3.0)
            )
        )
    )
    distance = b * big_a * (sigma - delta_sigma)
    az1 = _atan2_2pi(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
    az2 = _atan2_2pi(cos_u1 * sin_lam, cos_u1 * sin_u2 * cos_lam - sin_u1 * cos_u2)

    failed = ~converged
    if failed.any():
        radius = ellipsoid.mean_radius_m
        la1, lo1, la2, lo2 = lat1[failed], lon1[failed], lat2[failed], lon2[failed]
        distance[failed] = great_circle_distance_m(la1, lo1, la2, lo2, radius)
        az1[failed] = great_circle_azimuth_rad(la1, lo1, la2, lo2)
        az2[failed] = _wrap_2pi(great_circle_azimuth_rad(la2, lo2, la1, lo1) + math.pi)
    return distance.reshape(shape), az1.reshape(shape), az2.reshape(shape)


# --------------------------------------------------------------------------- ECI


def _rotate_z(xyz_m: ArrayLike, angle_rad: FloatArray) -> FloatArray:
    """Rotate vectors ``(..., 3)`` about the z axis by ``angle_rad`` (right-handed)."""
    xyz = as_f64(xyz_m)
    c = np.cos(angle_rad)
    s = np.sin(angle_rad)
    x = xyz[..., 0]
    y = xyz[..., 1]
    return _stack3(c * x - s * y, s * x + c * y, xyz[..., 2])


def ecef_to_eci(
    xyz_m: ArrayLike, t_s: ArrayLike, omega_rad_s: float = OMEGA_EARTH_RAD_S
) -> FloatArray:
    """Convert ECEF positions to the Earth-rotation inertial frame.

    Parameters
    ----------
    xyz_m : array_like
        ECEF vectors, m, shape ``(..., 3)``.
    t_s : array_like
        Time since the epoch at which both frames coincide, s; broadcast
        against the leading shape ``...``.
    omega_rad_s : float, optional
        Earth rotation rate, rad/s.

    Returns
    -------
    numpy.ndarray
        ECI vectors, m: ``R_z(ω t) r_ecef``.

    Notes
    -----
    A simple rotation about the z axis at a constant rate: no precession,
    nutation, polar motion or UT1, so it is an inertial frame only to the
    accuracy that ignores them (arc-seconds over a year), ample for flights
    of minutes to hours. The same rotation applies to any vector (not to
    velocities: see :func:`velocity_ecef_to_eci`).

    """
    return _rotate_z(xyz_m, omega_rad_s * as_f64(t_s))


def eci_to_ecef(
    xyz_m: ArrayLike, t_s: ArrayLike, omega_rad_s: float = OMEGA_EARTH_RAD_S
) -> FloatArray:
    """Convert positions in the Earth-rotation inertial frame to ECEF.

    Parameters
    ----------
    xyz_m : array_like
        ECI vectors, m, shape ``(..., 3)``.
    t_s : array_like
        Time since the epoch at which both frames coincide, s.
    omega_rad_s : float, optional
        Earth rotation rate, rad/s.

    Returns
    -------
    numpy.ndarray
        ECEF vectors, m: ``R_z(-ω t) r_eci``. The inverse of :func:`ecef_to_eci`.

    """
    return _rotate_z(xyz_m, -omega_rad_s * as_f64(t_s))


def velocity_ecef_to_eci(
    r_ecef_m: ArrayLike,
    v_ecef_mps: ArrayLike,
    t_s: ArrayLike,
    omega_rad_s: float = OMEGA_EARTH_RAD_S,
) -> FloatArray:
    """Convert a velocity relative to the rotating Earth to the inertial frame.

    Parameters
    ----------
    r_ecef_m : array_like
        ECEF position, m, shape ``(..., 3)``.
    v_ecef_mps : array_like
        Velocity relative to the Earth, in ECEF, m/s, shape ``(..., 3)``.
    t_s : array_like
        Time since the frames coincided, s.
    omega_rad_s : float, optional
        Earth rotation rate, rad/s.

    Returns
    -------
    numpy.ndarray
        Inertial velocity in ECI, m/s: ``R(t) (v_ecef + ω × r_ecef)`` with
        ``ω = (0, 0, omega_rad_s)``.

    """
    r = as_f64(r_ecef_m)
    v = as_f64(v_ecef_mps)
    # ω × r for ω along z is (-ω y, ω x, 0).
    v_inertial = _stack3(
        v[..., 0] - omega_rad_s * r[..., 1], v[..., 1] + omega_rad_s * r[..., 0], v[..., 2]
    )
    return _rotate_z(v_inertial, omega_rad_s * as_f64(t_s))


def velocity_eci_to_ecef(
    r_eci_m: ArrayLike,
    v_eci_mps: ArrayLike,
    t_s: ArrayLike,
    omega_rad_s: float = OMEGA_EARTH_RAD_S,
) -> FloatArray:
    """Convert an inertial velocity to the velocity relative to the rotating Earth.

    Parameters
    ----------
    r_eci_m : array_like
        ECI position, m, shape ``(..., 3)``.
    v_eci_mps : array_like
        Inertial velocity in ECI, m/s, shape ``(..., 3)``.
    t_s : array_like
        Time since the frames coincided, s.
    omega_rad_s : float, optional
        Earth rotation rate, rad/s.

    Returns
    -------
    numpy.ndarray
        Velocity relative to the Earth, in ECEF, m/s:
        ``R(t)ᵀ (v_eci - ω × r_eci)``, the inverse of :func:`velocity_ecef_to_eci`
        (a rotation about z commutes with ``ω ×`` for ω along z).

    """
    r = as_f64(r_eci_m)
    v = as_f64(v_eci_mps)
    v_relative = _stack3(
        v[..., 0] + omega_rad_s * r[..., 1], v[..., 1] - omega_rad_s * r[..., 0], v[..., 2]
    )
    return _rotate_z(v_relative, -omega_rad_s * as_f64(t_s))


# --------------------------------------------------------------------------- text


def parse_lat_lon(text: str) -> tuple[float, float]:
    """Parse ``"LAT,LON"`` in decimal degrees, as typed on a command line.

    Parameters
    ----------
    text : str
        Latitude and longitude in degrees separated by a comma, with optional
        spaces: ``"44.08,24.42"`` or ``"44.08, 24.42"``. South and west are
        negative.

    Returns
    -------
    lat_deg, lon_deg : float
        Latitude in ``[-90, 90]`` and longitude in ``[-180, 180]``, degrees.

    Raises
    ------
    JointshieldError
        If the text is not two finite numbers separated by a comma, or a
        value is out of range.

    """
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat_deg = float(parts[0].strip())
        lon_deg = float(parts[1].strip())
    except ValueError:
        raise JointshieldError(
            f"expected LAT,LON in degrees, e.g. 44.08,24.42; got {text!r}"
        ) from None
    if not (math.isfinite(lat_deg) and math.isfinite(lon_deg)):
        raise JointshieldError(f"expected LAT,LON as finite numbers in degrees; got {text!r}")
    if not -90.0 <= lat_deg <= 90.0:
        raise JointshieldError(
            f"latitude must be between -90 and 90 degrees; got {lat_deg:g} in {text!r}"
        )
    if not -180.0 <= lon_deg <= 180.0:
        raise JointshieldError(
            f"longitude must be between -180 and 180 degrees; got {lon_deg:g} in {text!r}"
        )
    return lat_deg, lon_deg


def radial_height_m(p2_m2: ArrayLike, r2_m2: ArrayLike, ellipsoid: Ellipsoid = WGS84) -> FloatArray:
    """Return the height above the ellipsoid measured along the geocentric radius.

    The hot-path altitude of the flight integrator: from the squared axial
    distance ``p² = x² + y²`` and squared radius ``r² = p² + z²`` it costs a
    handful of operations. The ellipsoid's radius along the geocentric
    direction ψ is ``b / sqrt(1 - e² cos²ψ)`` with ``cos²ψ = p²/r²``.

    Parameters
    ----------
    p2_m2 : array_like
        ``x² + y²``, m².
    r2_m2 : array_like
        ``x² + y² + z²``, m².
    ellipsoid : Ellipsoid, optional
        Reference ellipsoid, WGS-84 by default.

    Returns
    -------
    numpy.ndarray
        Radial height, m.

    Notes
    -----
    It differs from the geodetic height only because the radius and the
    ellipsoid normal are not parallel (by up to 0.19° on WGS-84): the two
    are equal on the ellipsoid itself (so a crossing of height 0 is the same
    event) and differ by less than 6·10⁻⁶ of the height above it (under
    1 m at 120 km, where the atmosphere ends). Exact for a sphere.
    """
    p2 = as_f64(p2_m2)
    r2 = as_f64(r2_m2)
    e2 = ellipsoid.e2
    out: FloatArray = np.sqrt(r2) - ellipsoid.b_m / np.sqrt(1.0 - e2 * (p2 / r2))
    return out


def plane_segments_meet(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    """Whether the closed plane segments ab and cd share a point (orientation test).

    Used on (longitude, latitude) polygons, whose edges are straight in those
    coordinates.

    >>> plane_segments_meet((0, 0), (2, 2), (0, 2), (2, 0))
    True
    >>> plane_segments_meet((0, 0), (1, 0), (0, 1), (1, 1))
    False
    """

    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def on(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> bool:
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(
            p[1], q[1]
        )

    d1, d2, d3, d4 = orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and on(c, d, a))
        or (d2 == 0 and on(c, d, b))
        or (d3 == 0 and on(a, b, c))
        or (d4 == 0 and on(a, b, d))
    )


def polygon_problems(
    vertices_deg: Sequence[tuple[float, float]],
) -> list[tuple[tuple[int, ...], str]]:
    """Find what makes a latitude–longitude polygon unusable as a region on a map.

    The polygon is read in the plane of longitude and latitude (degrees), its
    edges straight on a plate carrée map, closed implicitly. It must have at
    least 3 vertices, each with a finite latitude in (-90, 90) (a pole, where
    longitude means nothing, may not be touched) and a longitude in
    [-180, 180]; it may not repeat a vertex, cross the date line (an edge
    spanning more than 180° of longitude), cross itself, or have no area.

    Parameters
    ----------
    vertices_deg : sequence of (lat_deg, lon_deg)
        The vertices in order, either way round.

    Returns
    -------
    list of (tuple of int, str)
        Each problem as (where, message): ``(i,)`` for vertex ``i``, ``(i, 0)``
        for its latitude, ``(i, 1)`` for its longitude, ``()`` for the whole
        polygon. Empty when the polygon is usable. Vertex problems are all
        reported; the crossing and area checks run only on vertices without
        one.

    Examples
    --------
    >>> polygon_problems([(0, 0), (0, 10), (10, 10), (10, 0)])
    []
    >>> polygon_problems([(0, 0), (10, 10), (0, 10), (10, 0)])[0][1]
    'edges 0 and 2 cross: expected a polygon that does not cross itself'
    """
    n = len(vertices_deg)
    if n < 3:
        return [((), f"expected at least 3 vertices, got {n}")]
    found: list[tuple[tuple[int, ...], str]] = []
    points: list[tuple[float, float]] = []  # (lon, lat), as x and y
    for i, (lat, lon) in enumerate(vertices_deg):
        lat, lon = float(lat), float(lon)
        if not (math.isfinite(lat) and -90.0 < lat < 90.0):
            found.append(
                (
                    (i, 0),
                    f"expected a latitude in (-90, 90): a sector may not touch a pole, got {lat:g}",
                )
            )
        if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
            found.append(((i, 1), f"expected a longitude in [-180, 180], got {lon:g}"))
        points.append((lon, lat))
    if found:
        return found
    seen: dict[tuple[float, float], int] = {}
    for i, point in enumerate(points):
        if point in seen:
            found.append(
                ((i,), f"vertex repeats vertex {seen[point]} ({point[1]:g}, {point[0]:g})")
            )
        else:
            seen[point] = i
    for i in range(n):
        j = (i + 1) % n
        if abs(points[j][0] - points[i][0]) > 180.0:
            found.append(
                (
                    (j,),
                    f"the edge from vertex {i} to vertex {j} spans more than 180° of longitude: "
                    "a sector may not cross the date line (split it in two)",
                )
            )
    if found:
        return found
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # neighbouring edges share a vertex
            if plane_segments_meet(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]):
                return [
                    ((), f"edges {i} and {j} cross: expected a polygon that does not cross itself")
                ]
    area2 = sum(
        points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1]
        for i in range(n)
    )
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    if abs(area2) <= 1e-12 * extent**2:
        return [((), "expected a polygon with an area, got vertices on one line")]
    return []
