"""Radars: when a radar sees a threat, and how well.

Two kinds of sensor, as the scenario files name them (this module holds the
first; the second is :mod:`jointshield.sensing.space_ir`):

* :class:`Radar`, a ground or ship radar: it sees a target that is above its
  horizon (:meth:`Radar.line_of_sight`), inside its field of regard (an
  azimuth sector and an elevation band) and between its minimum range and the
  greatest range at which the target's radar cross-section is detected
  (:meth:`Radar.max_range_m`). It measures range, azimuth and elevation with
  Gaussian errors and detects with a fixed probability per look (:func:`measure`).
* :class:`SpaceIR`, space-based infrared early warning: it sees the hot plume
  of a boosting missile once it has climbed out of the clouds and reports a
  launch after a delay (:func:`space_ir_cues`); it gives a cue (launch time,
  area, rough bearing), not fire-control data.

Deterministic geometry is computed once per scenario and reused by every
Monte Carlo trial (house style): :func:`radar_looks` turns a batch of sampled
flyouts into the scan times at which each radar could see each threat
(:class:`Looks`); random detection and noise are drawn per trial by
:func:`measure`.

Earth and atmosphere
--------------------
Geometry is on the WGS-84 ellipsoid, SI inside (m, s, rad), vectors in ECEF on
the last axis. Radar rays bend down in the lower atmosphere; the standard
model replaces the Earth by a sphere of effective radius ``k R`` with
``k = 4/3`` and draws the rays straight (Skolnik, *Introduction to Radar
Systems*, 3rd ed., 2001, ch. 8; A. W. Doerry, "Earth Curvature and
Atmospheric Refraction Effects on Radar Signal Propagation", Sandia report
SAND2012-10690, January 2013). ``R`` here is the ellipsoid's radius of
curvature at the radar in the vertical plane that contains the target
(Euler's theorem on normal sections), so that the effective sphere fits the
ellipsoid where the horizon is decided. A radar built with
``refraction="none"`` uses the exact straight-ray test against the ellipsoid
instead.

Nothing here models terrain masking, multipath, clutter, jamming, or the
detection statistics behind ``p_detect``: a radar's detection range is a
single number scaled by the radar equation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import BoolArray, FloatArray, as_f64
from jointshield.errors import JointshieldError
from jointshield.flight.flyout import Flyouts
from jointshield.physics.geo import WGS84, enu_basis, geodetic_altitude_m, geodetic_to_ecef
from jointshield.vocabulary import Refraction

EFFECTIVE_EARTH_FACTOR: Final = 4.0 / 3.0
"""Factor k of the effective Earth radius k·R of the standard atmosphere.

Standard refraction (refractivity falling by about 39 N-units per km near the
ground) bends rays with a curvature of about a quarter of the Earth's; a
straight ray over an Earth of radius 4R/3 has the same height above the
ground at every range (Skolnik, 3rd ed., ch. 8; Doerry, SAND2012-10690).
"""

_TWO_PI: Final = 2.0 * math.pi
_HALF_PI: Final = 0.5 * math.pi
# Scans evaluated at once by radar_looks: bounds its temporaries (a few dozen
# float64 arrays of this length or three times it, tens of MB) whatever the
# size of the batch.
_LOOK_BLOCK_POINTS: Final = 1 << 18


def _positions(r_ecef_m: ArrayLike) -> FloatArray:
    """Return ECEF positions as float64 with the vector on the last axis, or raise."""
    r = as_f64(r_ecef_m)
    if r.ndim == 0 or r.shape[-1] != 3:
        raise JointshieldError(
            f"positions must have shape (..., 3) (ECEF x, y, z in m), got shape {r.shape}"
        )
    return r


def _check(ok: bool, owner: str, message: str) -> None:
    """Raise a JointshieldError naming the sensor unless ``ok``."""
    if not ok:
        raise JointshieldError(f"sensor {owner!r}: {message}")


class _Geometry(NamedTuple):
    """What a radar's visibility test needs of a batch of target positions."""

    az_rad: FloatArray
    el_rad: FloatArray  # effective elevation with refraction, geometric without
    range_m: FloatArray
    line_of_sight: BoolArray


@dataclass(frozen=True)
class Radar:
    """A ground or ship radar, SI units.

    Parameters
    ----------
    name, owner : str
        The sensor's name and the party that operates it.
    lat_rad, lon_rad : float
        Geodetic latitude and longitude of the antenna, rad.
    alt_m : float
        Height of the antenna above the WGS-84 ellipsoid, m.
    boresight_az_rad : float
        Azimuth of the centre of the field of regard, clockwise from north, rad.
    az_half_width_rad : float
        Half the azimuth width of the field of regard, rad: a target is in it
        when ``|az - boresight|`` (wrapped to ``[-π, π)``) is at most this;
        ``π`` or more means all round.
    el_min_rad, el_max_rad : float
        Elevation limits of the field of regard, rad (effective elevation when
        ``refraction`` is ``"4/3"``).
    range_min_m, range_max_m : float
        Range limits, m; ``range_max_m`` holds for a target of
        ``reference_rcs_m2`` and scales by the radar equation
        (:meth:`max_range_m`).
    reference_rcs_m2 : float
        Radar cross-section at which ``range_max_m`` holds, m².
    revisit_s : float
        Time between looks at a target, s.
    sigma_range_m : float
        One-sigma range error, m.
    sigma_az_rad, sigma_el_rad : float
        One-sigma azimuth and elevation errors, rad.
    p_detect : float
        Probability of detecting a visible target on one look.
    refraction : {'4/3', 'none'}
        ``"4/3"``: the effective-Earth model of standard refraction
        (:data:`EFFECTIVE_EARTH_FACTOR`); ``"none"``: straight rays over the
        ellipsoid.
    track_confirm_m, track_confirm_n : int
        A track is confirmed by ``M`` detections within ``N`` consecutive
        looks (``1 <= M <= N``).
    search_sr : float or None
        Solid angle searched without a cue, sr; None: the field of regard
        (:attr:`field_of_regard_sr`).
    cued_search_sr : float or None
        Solid angle searched around a cue, sr; None: a cue brings no range
        gain (:meth:`cued_range_gain`).
    down_s : tuple of (float, float)
        Windows ``[start, end)`` on the scenario clock (s after the raid
        starts) in which the radar makes no look (an exercise's fault;
        :func:`radar_looks`).

    Raises
    ------
    JointshieldError
        On a value outside its domain (e.g. ``revisit_s <= 0``).

    """

    name: str
    owner: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    boresight_az_rad: float
    az_half_width_rad: float
    el_min_rad: float
    el_max_rad: float
    range_min_m: float
    range_max_m: float
    reference_rcs_m2: float
    revisit_s: float
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    p_detect: float
    refraction: Refraction = "4/3"
    track_confirm_m: int = 3
    track_confirm_n: int = 5
    search_sr: float | None = None
    cued_search_sr: float | None = None
    down_s: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        n = self.name
        for key in (
            "lat_rad",
            "lon_rad",
            "alt_m",
            "boresight_az_rad",
            "az_half_width_rad",
            "el_min_rad",
            "el_max_rad",
            "range_min_m",
            "range_max_m",
            "reference_rcs_m2",
            "revisit_s",
            "sigma_range_m",
            "sigma_az_rad",
            "sigma_el_rad",
            "p_detect",
        ):
            value = getattr(self, key)
            _check(
                isinstance(value, numbers.Real) and math.isfinite(float(value)),
                n,
                f"{key} must be a finite number, got {value!r}",
            )
        _check(
            abs(self.lat_rad) <= _HALF_PI,
            n,
            f"lat_rad must lie in [-π/2, π/2], got {self.lat_rad}",
        )
        _check(
            self.az_half_width_rad > 0,
            n,
            f"az_half_width_rad must be positive, got {self.az_half_width_rad}",
        )
        _check(
            -_HALF_PI <= self.el_min_rad <= self.el_max_rad <= _HALF_PI,
            n,
            "elevation limits must satisfy -π/2 <= el_min_rad <= el_max_rad <= π/2, "
            f"got {self.el_min_rad} and {self.el_max_rad}",
        )
        _check(
            0 <= self.range_min_m < self.range_max_m,
            n,
            "range limits must satisfy 0 <= range_min_m < range_max_m, "
            f"got {self.range_min_m} and {self.range_max_m}",
        )
        _check(
            self.reference_rcs_m2 > 0,
            n,
            f"reference_rcs_m2 must be positive, got {self.reference_rcs_m2}",
        )
        _check(self.revisit_s > 0, n, f"revisit_s must be positive, got {self.revisit_s}")
        for key in ("sigma_range_m", "sigma_az_rad", "sigma_el_rad"):
            _check(getattr(self, key) >= 0, n, f"{key} must be >= 0, got {getattr(self, key)}")
        _check(0 <= self.p_detect <= 1, n, f"p_detect must lie in [0, 1], got {self.p_detect}")
        _check(
            self.refraction in ("4/3", "none"),
            n,
            f"refraction must be '4/3' or 'none', got {self.refraction!r}",
        )
        _check(
            1 <= self.track_confirm_m <= self.track_confirm_n,
            n,
            "track confirmation must satisfy 1 <= track_confirm_m <= track_confirm_n, "
            f"got {self.track_confirm_m} and {self.track_confirm_n}",
        )
        for key in ("search_sr", "cued_search_sr"):
            value = getattr(self, key)
            _check(
                value is None
                or (isinstance(value, numbers.Real) and 0 < float(value) <= 4 * math.pi),
                n,
                f"{key} must be a solid angle in (0, 4π] sr or None, got {value!r}",
            )

    # ------------------------------------------------------------------ cued search

    @property
    def field_of_regard_sr(self) -> float:
        """Solid angle of the field of regard, sr: ``2·Δaz·(sin el_max − sin el_min)``.

        ``Δaz`` is the azimuth half-width (at most π), and the elevation band
        is taken over a flat horizon.
        """
        half = min(self.az_half_width_rad, math.pi)
        return 2.0 * half * (math.sin(self.el_max_rad) - math.sin(self.el_min_rad))

    def cued_range_gain(self) -> float:
        """Factor by which a cue lengthens the detection range (1 without cued search).

        The search radar equation (Skolnik, *Introduction to Radar Systems*,
        3rd ed., McGraw-Hill, 2001, §2.12) gives the range at which a radar
        of mean power ``P``, aperture ``A`` and system losses ``L`` detects
        a target of cross-section ``σ`` while it searches a solid angle ``Ω``
        in a frame time ``t_f``::

            R⁴ = P·A·σ·t_f / (4π·k·T_s·L·(S/N)·Ω)

        With the same frame time, searching the cue's solid angle
        ``cued_search_sr`` instead of ``search_sr`` (the field of regard by
        default) multiplies the range by
        ``(search_sr / cued_search_sr)^(1/4)``. A cued volume larger than
        the uncued one gains nothing (factor 1).
        """
        if self.cued_search_sr is None:
            return 1.0
        search = self.search_sr if self.search_sr is not None else self.field_of_regard_sr
        return max(1.0, math.sqrt(math.sqrt(search / self.cued_search_sr)))

    def cued(self) -> Radar:
        """Return the radar searching around a cue: its range times :meth:`cued_range_gain`."""
        gain = self.cued_range_gain()
        if gain == 1.0:
            return self
        return replace(self, range_max_m=self.range_max_m * gain)

    # ------------------------------------------------------------------ cached site geometry

    @cached_property
    def _position(self) -> FloatArray:
        r = geodetic_to_ecef(self.lat_rad, self.lon_rad, self.alt_m)
        r.setflags(write=False)
        return r

    @cached_property
    def _basis(self) -> tuple[tuple[float, float, float], ...]:
        # Rows east, north, up as Python floats: the projections below are
        # element-wise products, never a BLAS matrix product, so that a point
        # gives the same bits however a batch is cut into blocks.
        b = enu_basis(self.lat_rad, self.lon_rad)
        return tuple((float(row[0]), float(row[1]), float(row[2])) for row in b)

    @cached_property
    def _inv_radii_of_curvature(self) -> tuple[float, float]:
        # 1/M (meridian) and 1/N (prime vertical) at the radar's latitude.
        e2 = WGS84.e2
        w2 = 1.0 - e2 * math.sin(self.lat_rad) ** 2
        n_m = WGS84.a_m / math.sqrt(w2)
        m_m = WGS84.a_m * (1.0 - e2) / (w2 * math.sqrt(w2))
        return 1.0 / m_m, 1.0 / n_m

    @property
    def position_ecef_m(self) -> FloatArray:
        """ECEF position of the antenna, m, shape (3,) (read-only)."""
        return self._position

    # ------------------------------------------------------------------ the radar equation

    def max_range_m(self, rcs_m2: ArrayLike) -> FloatArray:
        """Return the greatest detection range of targets of the given RCS, m.

        Parameters
        ----------
        rcs_m2 : array_like
            Radar cross-section of the targets, m² (positive).

        Returns
        -------
        numpy.ndarray
            ``range_max_m * (rcs_m2 / reference_rcs_m2) ** (1/4)``, m, the shape of ``rcs_m2``.

        Notes
        -----
        The radar equation: for a given transmitter, antenna, receiver and
        detection threshold the received echo power falls as ``σ / R⁴``, so the
        range at which it reaches the threshold grows as ``σ^(1/4)`` (Skolnik,
        *Introduction to Radar Systems*, 3rd ed., 2001, sec. 1.2, "the simple
        form of the radar equation", and ch. 2). A target of 16 times the
        reference RCS is detected at twice the range.

        Raises
        ------
        JointshieldError
            If an RCS is not a positive number.

        """
        rcs = as_f64(rcs_m2)
        if not np.all(rcs > 0.0):
            raise JointshieldError(
                f"radar {self.name!r}: radar cross-sections must be positive numbers (m²), "
                f"got min {np.min(rcs) if rcs.size else 'none'}"
            )
        # Two square roots: exact for powers of 16 (16 → 2), unlike ** 0.25.
        out: FloatArray = self.range_max_m * np.sqrt(np.sqrt(rcs / self.reference_rcs_m2))
        return out

    # ------------------------------------------------------------------ geometry

    def _enu(self, r: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Local east, north, up components of the targets, m."""
        x0, y0, z0 = (float(c) for c in self._position)
        dx = r[..., 0] - x0
        dy = r[..., 1] - y0
        dz = r[..., 2] - z0
        (ex, ey, ez), (nx, ny, nz), (ux, uy, uz) = self._basis
        return ex * dx + ey * dy + ez * dz, nx * dx + ny * dy + nz * dz, ux * dx + uy * dy + uz * dz

    def aer(self, r_ecef_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return the geometric azimuth, elevation and range of targets seen from the radar.

        Parameters
        ----------
        r_ecef_m : array_like
            ECEF positions, m, shape ``(..., 3)``.

        Returns
        -------
        az_rad : numpy.ndarray
            Azimuth clockwise from north in ``[0, 2π)``, rad.
        el_rad : numpy.ndarray
            Elevation above the local horizontal plane (normal to the
            ellipsoid normal at the radar), rad; straight line of sight, no
            refraction.
        range_m : numpy.ndarray
            Straight-line range, m.

        """
        r = _positions(r_ecef_m)
        east, north, up = self._enu(r)
        horizontal = np.sqrt(east * east + north * north)
        az = np.arctan2(east, north)
        az = np.where(az < 0.0, az + _TWO_PI, az)
        az = np.where(az >= _TWO_PI, 0.0, az)
        el: FloatArray = np.arctan2(up, horizontal)
        range_m: FloatArray = np.sqrt(horizontal * horizontal + up * up)
        return az, el, range_m

    def _geometry(self, r: FloatArray) -> _Geometry:
        """Azimuth, elevation (effective or geometric), range and line of sight."""
        east, north, up = self._enu(r)
        horizontal2 = east * east + north * north
        range2 = horizontal2 + up * up
        range_m: FloatArray = np.sqrt(range2)
        az: FloatArray = np.arctan2(east, north)
        az = np.where(az < 0.0, az + _TWO_PI, az)
        if self.refraction == "none":
            el: FloatArray = np.arctan2(up, np.sqrt(horizontal2))
            return _Geometry(az, el, range_m, self._line_of_sight_ellipsoid(r))
        sin_el, los = self._effective_earth(r, east, north, horizontal2, range2, range_m)
        return _Geometry(az, np.arcsin(sin_el), range_m, los)

    def _effective_earth(
        self,
        r: FloatArray,
        east: FloatArray,
        north: FloatArray,
        horizontal2: FloatArray,
        range2: FloatArray,
        range_m: FloatArray,
    ) -> tuple[FloatArray, BoolArray]:
        """Sine of the effective elevation and the line of sight over an Earth of radius kR."""
        inv_m, inv_n = self._inv_radii_of_curvature
        with np.errstate(invalid="ignore", divide="ignore"):
            # Euler: 1/R(α) = cos²α/M + sin²α/N, α the azimuth of the target.
            inv_r = (north * north * inv_m + east * east * inv_n) / horizontal2
            # Straight above the radar the azimuth is undefined: any R will do.
            inv_r = np.where(horizontal2 > 0.0, inv_r, math.sqrt(inv_m * inv_n))
            kr = EFFECTIVE_EARTH_FACTOR / inv_r
            h_r = self.alt_m
            h_t = geodetic_altitude_m(np.sqrt(r[..., 0] ** 2 + r[..., 1] ** 2), r[..., 2])
            rho_r = kr + h_r
            # Law of cosines in the triangle (centre, radar, target) on the
            # effective sphere; ρt² − ρr² is factored so that nothing cancels.
            sin_el = ((h_t - h_r) * (2.0 * kr + h_t + h_r) - range2) / (2.0 * rho_r * range_m)
            sin_el = np.clip(sin_el, -1.0, 1.0)
            # The straight ray is closest to the centre at distance
            # ρr·cos(el) from it, reached −ρr·sin(el) along the ray. A site
            # below the ellipsoid stands on ground lowered to its own height.
            ground = kr + min(h_r, 0.0)
            foot_m = -rho_r * sin_el
            dips = (foot_m > 0.0) & (foot_m < range_m)
            # ρr·cos(el) >= ground  ⇔  (ρr − ground)(ρr + ground) >= (ρr sin el)²;
            # exact for a radar on the ground, where it reads el >= 0.
            clears_dip = max(h_r, 0.0) * (rho_r + ground) >= foot_m * foot_m
            los: BoolArray = np.where(dips, clears_dip, h_t >= min(h_r, 0.0))
        return sin_el, los

    def _line_of_sight_ellipsoid(self, r: FloatArray) -> BoolArray:
        """Exact straight-segment test against the WGS-84 ellipsoid."""
        # Scaling x, y by 1/a and z by 1/b maps the ellipsoid onto the unit
        # sphere and segments onto segments, so the test is the distance of
        # the segment from the origin.
        inv_a = 1.0 / WGS84.a_m
        inv_b = 1.0 / WGS84.b_m
        sx, sy, sz = (float(c) for c in self._position * np.array([inv_a, inv_a, inv_b]))
        dx = r[..., 0] * inv_a - sx
        dy = r[..., 1] * inv_a - sy
        dz = r[..., 2] * inv_b - sz
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.clip(-(sx * dx + sy * dy + sz * dz) / (dx * dx + dy * dy + dz * dz), 0.0, 1.0)
            u = np.where(np.isfinite(u), u, 0.0)  # a target on the radar: no segment
        cx = sx + u * dx
        cy = sy + u * dy
        cz = sz + u * dz
        closest2 = cx * cx + cy * cy + cz * cz
        # A site below the ellipsoid stands on ground lowered to its own height;
        # with u = 0 the sum above repeats these very operations, so a radar on
        # the ground is never blocked by its own rounding.
        ground2 = min(1.0, sx * sx + sy * sy + sz * sz)
        los: BoolArray = closest2 >= ground2
        return los & np.isfinite(closest2)

    def line_of_sight(self, r_ecef_m: ArrayLike) -> BoolArray:
        """Return whether the Earth leaves a clear line from the radar to each target.

        Parameters
        ----------
        r_ecef_m : array_like
            ECEF positions, m, shape ``(..., 3)``.

        Returns
        -------
        numpy.ndarray of bool
            Shape ``(...)``; False for NaN positions.

        Notes
        -----
        ``refraction="none"``: exact. The ray is the straight segment from the
        antenna to the target; scaling coordinates by ``1/a, 1/a, 1/b`` maps
        the ellipsoid to the unit sphere, and the target is visible when the
        point of the scaled segment nearest the origin is not inside it.

        ``refraction="4/3"``: the effective-Earth model (Skolnik, 3rd ed.,
        ch. 8; Doerry, SAND2012-10690). The Earth is a sphere of radius
        ``k R`` (``k = 4/3``) with ``R`` the ellipsoid's radius of curvature
        at the radar in the azimuth of the target,
        ``1/R = cos²α / M + sin²α / N`` (Euler's theorem; ``M``, ``N`` the
        meridian and prime-vertical radii), and rays are straight. With
        heights ``h_r``, ``h_t`` above the ellipsoid and straight-line range
        ``d``, the effective elevation is
        ``el = arcsin(((kR + h_t)² − (kR + h_r)² − d²) / (2 (kR + h_r) d))``.
        For a radar on the ground the target is visible iff ``el >= 0``. A
        raised radar also sees below its horizontal, down to the dip of its
        horizon ``arccos(kR / (kR + h_r))``: the test is that the straight
        ray on the effective sphere does not pass below its surface, which
        puts the horizon of a radar at ``h_r`` for a target at ``h_t`` at
        ``d = sqrt((kR + h_r)² − (kR)²) + sqrt((kR + h_t)² − (kR)²)``, about
        ``4.12 (√h_r + √h_t)`` km with heights in m.

        A site below the ellipsoid (negative ``alt_m``) is taken to stand on
        ground lowered to its own height.

        """
        r = _positions(r_ecef_m)
        if self.refraction == "none":
            return self._line_of_sight_ellipsoid(r)
        return self._geometry(r).line_of_sight

    def visible(self, r_ecef_m: ArrayLike, rcs_m2: ArrayLike) -> BoolArray:
        """Return whether the radar can see each target.

        Parameters
        ----------
        r_ecef_m : array_like
            ECEF positions, m, shape ``(..., 3)``.
        rcs_m2 : array_like
            Radar cross-sections, m², broadcast against the leading shape.

        Returns
        -------
        numpy.ndarray of bool
            True where the target is in line of sight (:meth:`line_of_sight`),
            in the azimuth sector, within ``el_min_rad <= el <= el_max_rad``
            (the effective elevation when refraction is on, the geometric one
            otherwise) and within ``range_min_m <= range <= max_range_m(rcs)``;
            False for NaN positions.

        """
        r = _positions(r_ecef_m)
        max_range = self.max_range_m(rcs_m2)
        g = self._geometry(r)
        with np.errstate(invalid="ignore"):
            seen = (
                g.line_of_sight
                & (g.el_rad >= self.el_min_rad)
                & (g.el_rad <= self.el_max_rad)
                & (g.range_m >= self.range_min_m)
                & (g.range_m <= max_range)
            )
            if self.az_half_width_rad < math.pi:
                off_rad = np.mod(g.az_rad - self.boresight_az_rad + math.pi, _TWO_PI) - math.pi
                seen = seen & (np.abs(off_rad) <= self.az_half_width_rad)
        out: BoolArray = np.asarray(seen, dtype=np.bool_)
        return out


@dataclass(frozen=True)
class Looks:
    """Deterministic measurement opportunities of one sensor on a batch of threats.

    Attributes
    ----------
    sensor : str
        Name of the sensor.
    t_s : numpy.ndarray
        Shape (n, J): flight times (s after each threat's launch) of the scans
        at which the threat is visible, ascending, NaN-padded (J the largest count).
    r_ecef_m : numpy.ndarray
        Shape (n, J, 3): true ECEF position at those times, m (NaN-padded).
    v_ecef_mps : numpy.ndarray
        Shape (n, J, 3): true velocity relative to the Earth, m/s (NaN-padded).
    count : numpy.ndarray of int
        Shape (n,): number of visible scans of each threat.

    """

    sensor: str
    t_s: FloatArray
    r_ecef_m: FloatArray
    v_ecef_mps: FloatArray
    count: NDArray[np.int64]

    def first_s(self) -> FloatArray:
        """Return the flight time of each threat's first look, s; NaN where there is none."""
        if self.t_s.shape[1] == 0:
            return np.full(self.t_s.shape[0], np.nan)
        first: FloatArray = self.t_s[:, 0].copy()
        return first


def _per_threat(value: ArrayLike, n: int, what: str) -> FloatArray:
    """Broadcast a scalar or (n,) value to shape (n,), or raise."""
    arr = as_f64(value)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, n)):
        raise JointshieldError(
            f"{what} must be a number or one per threat ({n}), got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (n,))


def radar_looks(
    radar: Radar,
    flyouts: Flyouts,
    rcs_m2: ArrayLike,
    launch_time_s: ArrayLike = 0.0,
    scan_phase_s: float = 0.0,
) -> Looks:
    """Return the scans at which a radar sees each threat of a batch.

    Parameters
    ----------
    radar : Radar
        The radar.
    flyouts : jointshield.flight.Flyouts
        A batch of n flyouts flown with ``sample_dt_s`` (sampled ECEF states).
    rcs_m2 : array_like
        Radar cross-section of each threat, m²: a number or shape (n,).
    launch_time_s : array_like
        Launch time of each threat on the scenario clock, s: a number or shape (n,).
    scan_phase_s : float
        Time of one scan on the scenario clock, s; the radar scans at
        ``scan_phase_s + j * revisit_s`` for every integer j.

    Returns
    -------
    Looks
        Flight times (after each threat's launch), true states and counts of
        the visible scans.

    Notes
    -----
    A threat is in flight from its launch (flight time 0) to its impact, or
    to its last sample if it does not impact within the sample table. At
    each scan inside the flight the true state is interpolated between the
    samples, the impact state serving as the last node: cubic Hermite on the
    position using the sampled velocities (the sampled velocity is the time
    derivative of the Earth-fixed position, so the interpolant is C¹ and
    its error is of fourth order in the sample interval), and the
    derivative of that cubic for the velocity. Against the same flights
    sampled at 0.1 s, 1 s samples give millimetres in coast and about 1 m
    and 4 m/s at worst, across a thrust cut-off, where the acceleration
    jumps. The boost is included: a radar sees a burning missile. The scan
    is kept where :meth:`Radar.visible` holds and the radar is up (outside
    its :attr:`Radar.down_s`).

    The work is done on blocks of threats as whole arrays; the results do
    not depend on the block size.

    Raises
    ------
    JointshieldError
        If the flyouts carry no samples, or an input has the wrong shape.

    """
    samples = flyouts.samples
    dt = flyouts.sample_dt_s
    if samples is None or dt is None:
        raise JointshieldError(
            "radar_looks needs sampled flyouts: fly them with sample_dt_s (e.g. 1.0 s)"
        )
    if not math.isfinite(scan_phase_s):
        raise JointshieldError(f"scan_phase_s must be a finite number, got {scan_phase_s}")
    n, n_samples = samples.shape[:2]
    launch = _per_threat(launch_time_s, n, "launch_time_s")
    if not np.all(np.isfinite(launch)):
        raise JointshieldError("launch times must be finite numbers (s)")
    rcs = _per_threat(rcs_m2, n, "rcs_m2")
    max_range = radar.max_range_m(rcs)  # checks every RCS before any work
    revisit = radar.revisit_s

    valid = np.isfinite(samples[..., 0]) & np.isfinite(samples[..., 3])
    has_any = valid.any(axis=1)
    last = n_samples - 1 - np.argmax(valid[:, ::-1], axis=1)
    t_last = last * dt
    t_impact = np.asarray(flyouts.t_impact_s, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        impact_node = has_any & np.isfinite(t_impact) & (t_impact > t_last)
    t_end = np.where(impact_node, t_impact, np.where(has_any, t_last, np.nan))
    impact_state = np.concatenate(
        [np.asarray(flyouts.impact_r_m, float), np.asarray(flyouts.impact_v_mps, float)], axis=-1
    )

    # Scans j_first + m (m = 0..M-1) cover [0, t_end] of every threat; the
    # ones outside a threat's own flight are masked.
    span_s = float(np.nanmax(t_end)) if np.any(has_any) else 0.0
    n_scans = math.floor(span_s / revisit) + 3
    j_first = np.floor((launch - scan_phase_s) / revisit)

    block = max(1, _LOOK_BLOCK_POINTS // n_scans)
    flat_samples = np.ascontiguousarray(samples, dtype=np.float64).reshape(-1, 6)
    flat_valid = valid.reshape(-1)
    impact_speed2 = _norm2(impact_state[:, 3:])
    m = np.arange(n_scans, dtype=np.float64)
    parts: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    count = np.zeros(n, dtype=np.int64)
    for start in range(0, n, block):
        stop = min(start + block, n)
        # Scan times on the scenario clock, then flight times; only the scans
        # inside each threat's flight are evaluated, as one flat list.
        t_grid = scan_phase_s + (j_first[start:stop, None] + m) * revisit - launch[start:stop, None]
        with np.errstate(invalid="ignore"):
            inside = (t_grid >= 0.0) & (t_grid <= t_end[start:stop, None])
        row_in = np.nonzero(inside)[0] + start  # row-major, as t_grid[inside]
        t = t_grid[inside]
        k = np.clip(np.floor(t / dt).astype(np.intp), 0, max(n_samples - 2, 0))
        k1 = np.minimum(k + 1, n_samples - 1)
        left = flat_samples[row_in * n_samples + k]
        # Cheap cut on the left node first. The cubic stays within
        # 5|Δp| + h (4|v0| + 2|v1|) <= 11 h v_max of it (|Δp| <= h v_max), v_max
        # the fastest node, i.e. a left node or an impact: within one sample
        # interval the speed changes by a small fraction. A left node farther
        # than twice that from both range limits cannot be seen.
        speed2 = np.concatenate([_norm2(left[:, 3:]), impact_speed2[start:stop]])
        speed_max_mps = math.sqrt(float(np.max(speed2, initial=0.0, where=np.isfinite(speed2))))
        margin_m = 22.0 * dt * speed_max_mps
        node_range = np.sqrt(_norm2(left[:, :3] - radar.position_ecef_m))
        near = np.flatnonzero(
            (node_range <= max_range[row_in] + margin_m)
            & (node_range >= radar.range_min_m - margin_m)
        )
        row_in, t, k, left = row_in[near], t[near], k[near], left[near]
        k1 = np.minimum(k + 1, n_samples - 1)
        right = flat_samples[row_in * n_samples + k1]
        t0 = (k * dt).astype(np.float64)
        t1 = (k1 * dt).astype(np.float64)
        # Past the last sample the impact state is the next node; where there
        # is none the scan sits on the last sample itself (s = 0).
        patch = np.flatnonzero(~flat_valid[row_in * n_samples + k1] | (k1 == k))
        if patch.size:
            rows = row_in[patch]
            to_impact = impact_node[rows]
            right[patch] = np.where(to_impact[:, None], impact_state[rows], left[patch])
            t1[patch] = np.where(to_impact, t_impact[rows], t0[patch] + dt)
        r, v = _hermite(t, t0, t1, left, right)
        # Then the exact range cut, and the full test only within range.
        range2 = _norm2(r - radar.position_ecef_m)
        seen = np.flatnonzero((range2 <= max_range[row_in] ** 2) & (range2 >= radar.range_min_m**2))
        seen = seen[radar.visible(r[seen], rcs[row_in[seen]])]
        if radar.down_s:
            seen = seen[~_down(radar.down_s, t[seen] + launch[row_in[seen]])]
        r = r[seen]
        v = v[seen]
        # Visible scans keep their order; each goes to the next free column of its row.
        rows_seen = row_in[seen] - start
        per_row = np.bincount(rows_seen, minlength=stop - start)
        first_of_row = np.cumsum(per_row) - per_row
        col = np.arange(seen.size) - np.repeat(first_of_row, per_row)
        width = int(per_row.max(initial=0))
        t_part = np.full((stop - start, width), np.nan)
        r_part = np.full((stop - start, width, 3), np.nan)
        v_part = np.full((stop - start, width, 3), np.nan)
        t_part[rows_seen, col] = t[seen]
        r_part[rows_seen, col] = r
        v_part[rows_seen, col] = v
        parts.append((t_part, r_part, v_part))
        count[start:stop] = per_row

    width = int(count.max(initial=0))

    def joined(i: int) -> FloatArray:
        padded = [
            np.pad(
                p[i],
                [(0, 0), (0, width - p[i].shape[1])] + [(0, 0)] * (p[i].ndim - 2),
                constant_values=np.nan,
            )
            for p in parts
        ]
        if not padded:  # an empty batch
            return np.empty((0, 0) if i == 0 else (0, 0, 3))
        return np.concatenate(padded)

    return Looks(
        sensor=radar.name, t_s=joined(0), r_ecef_m=joined(1), v_ecef_mps=joined(2), count=count
    )


def _down(windows: tuple[tuple[float, float], ...], t_s: FloatArray) -> BoolArray:
    """Whether each time on the scenario clock falls in one of the windows ``[start, end)``."""
    out = np.zeros(t_s.shape, dtype=bool)
    for start, end in windows:
        out |= (t_s >= start) & (t_s < end)
    return out


def _norm2(x: FloatArray) -> FloatArray:
    """Squared length of (P, 3) vectors, element-wise (no BLAS)."""
    out: FloatArray = x[:, 0] * x[:, 0] + x[:, 1] * x[:, 1] + x[:, 2] * x[:, 2]
    return out


def _hermite(
    t: FloatArray, t0: FloatArray, t1: FloatArray, left: FloatArray, right: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Cubic Hermite position and its derivative between (P, 6) states at t0 and t1.

    In the power basis about the left node, ``r = p0 + s (c1 + s (c2 + s c3))``
    with ``s = (t − t0) / h``: the large coordinate enters once and the
    corrections are small, which keeps the rounding at the level of p0's.
    """
    h = (t1 - t0)[:, None]
    s = ((t - t0) / (t1 - t0))[:, None]
    p0, v0 = left[:, :3], left[:, 3:]
    p1, v1 = right[:, :3], right[:, 3:]
    delta = p1 - p0
    c1 = h * v0
    c2 = 3.0 * delta - h * (2.0 * v0 + v1)
    c3 = h * (v0 + v1) - 2.0 * delta
    r = p0 + s * (c1 + s * (c2 + s * c3))
    # Velocity: the derivative of the same cubic, so that it is consistent
    # with the position and its error is of third order in h, not second.
    v = (c1 + s * (2.0 * c2 + 3.0 * s * c3)) / h
    return r, v


def measure(
    radar: Radar, r_ecef_m: ArrayLike, rng: np.random.Generator
) -> tuple[FloatArray, BoolArray]:
    """Draw noisy radar measurements of targets and whether each look detects.

    Parameters
    ----------
    radar : Radar
        The radar.
    r_ecef_m : array_like
        True ECEF positions, m, shape ``(..., 3)``.
    rng : numpy.random.Generator
        The trial's random stream; draws ``(..., 3)`` standard normals, then
        ``(...)`` uniforms.

    Returns
    -------
    z : numpy.ndarray
        Shape ``(..., 3)``: range (m), azimuth (rad, wrapped to ``[0, 2π)``)
        and geometric elevation (rad), each with independent Gaussian errors
        of ``sigma_range_m``, ``sigma_az_rad``, ``sigma_el_rad``. The
        elevation is geometric: the radar is taken to correct its own
        refraction bias. NaN for NaN positions.
    detected : numpy.ndarray of bool
        Shape ``(...)``: detected with probability ``p_detect``, independently
        per look; False for NaN positions. Visibility is not tested here
        (see :func:`radar_looks`).

    """
    az, el, range_m = radar.aer(r_ecef_m)
    shape = az.shape
    sigma = np.array([radar.sigma_range_m, radar.sigma_az_rad, radar.sigma_el_rad])
    z = np.stack([range_m, az, el], axis=-1) + rng.standard_normal((*shape, 3)) * sigma
    z[..., 1] = np.mod(z[..., 1], _TWO_PI)
    finite = np.all(np.isfinite(z), axis=-1)
    detected: BoolArray = (rng.random(shape) < radar.p_detect) & finite
    return z, detected
