"""Sectors of responsibility: latitude–longitude polygons owned by a party."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import BoolArray, ObjectArray
from jointshield.errors import JointshieldError
from jointshield.physics.geo import polygon_problems

# --------------------------------------------------------------------------- sectors


@dataclass(frozen=True)
class Sector:
    """A region of responsibility in the sectoral architecture.

    The polygon is read in the plane of longitude and latitude in degrees:
    its edges are straight lines on a plate carrée map, not great circles.
    It may not cross the date line (an edge may not span more than 180° of
    longitude) or contain a pole (no vertex at ±90° of latitude), and may not
    cross itself.

    Parameters
    ----------
    party : str
        The party responsible for what overflies it. A name that is no party
        makes the sector a gap no battery covers.
    polygon_deg : tuple of (lat_deg, lon_deg)
        Vertices, in order (either way round), closed implicitly; at least 3.
    name : str
        For reports and error messages.

    Raises
    ------
    JointshieldError
        For fewer than 3 vertices, a vertex out of range, an edge across the
        date line, a polygon that crosses itself or has no area.
    """

    party: str
    polygon_deg: tuple[tuple[float, float], ...]
    name: str = ""

    def __post_init__(self) -> None:
        where = f"sector {self.name or self.party!r}"
        if not isinstance(self.party, str) or not self.party:
            raise JointshieldError(f"{where} party: expected a party name, got {self.party!r}")
        try:
            vertices = tuple((float(lat), float(lon)) for lat, lon in self.polygon_deg)
        except (TypeError, ValueError) as err:
            raise JointshieldError(
                f"{where} polygon_deg: expected (lat_deg, lon_deg) pairs, got {self.polygon_deg!r}"
            ) from err
        object.__setattr__(self, "polygon_deg", vertices)
        problems = polygon_problems(vertices)
        if problems:
            where_in, message = problems[0]
            index = f"[{where_in[0]}]" if where_in else ""
            raise JointshieldError(f"{where} polygon_deg{index}: {message}")

    def contains(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> BoolArray:
        """Whether each point lies inside the polygon (even-odd ray casting).

        Parameters
        ----------
        lat_deg, lon_deg : array_like
            Points, degrees, longitude in [-180, 180); broadcast together.
            NaN is outside.

        Returns
        -------
        ndarray of bool
        """
        lat, lon = np.broadcast_arrays(
            np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float)
        )
        inside = np.zeros(lat.shape, dtype=bool)
        vertices = self.polygon_deg
        n = len(vertices)
        for i in range(n):
            lat_a, lon_a = vertices[i]
            lat_b, lon_b = vertices[(i + 1) % n]
            if lat_a == lat_b:
                continue  # an edge along a parallel is never crossed by an eastward ray
            # The edge spans the point's latitude, half-open so that a ray
            # through a vertex counts it once; then: is the crossing east of it?
            spans = (lat_a > lat) != (lat_b > lat)
            lon_cross = lon_a + (lat - lat_a) * (lon_b - lon_a) / (lat_b - lat_a)
            inside ^= spans & (lon < lon_cross)
        return inside


def sector_owner(sectors: Sequence[Sector], lat_rad: ArrayLike, lon_rad: ArrayLike) -> ObjectArray:
    """Return the party whose sector contains each point, ``''`` where none does.

    Sectors are tried in order and the first that contains a point owns it,
    so a small sector listed before a large one cuts a hole in it
    (Kaliningrad in :data:`DEFAULT_SECTORS`). Ray casting in the plane of
    longitude and latitude in degrees, vectorised over the points; valid for
    sectors that cross neither the date line nor a pole (:class:`Sector`
    checks both).

    Parameters
    ----------
    sectors : sequence of Sector
    lat_rad, lon_rad : array_like
        Geodetic latitude and longitude of the points (an intercept's
        sub-point), radians; broadcast together. Longitudes are wrapped to
        [-180°, 180°). NaN lies in no sector.

    Returns
    -------
    ndarray of object (str)
        The broadcast shape of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> sector_owner(DEFAULT_SECTORS, np.radians([52.23, 55.75]), np.radians([21.01, 37.62]))
    array(['NATO', 'Russia'], dtype=object)
    """
    lat_deg, lon_deg = np.broadcast_arrays(
        np.degrees(np.asarray(lat_rad, dtype=float)), np.degrees(np.asarray(lon_rad, dtype=float))
    )
    lon_deg = (lon_deg + 180.0) % 360.0 - 180.0
    owner = np.full(lat_deg.shape, "", dtype=object)
    free = np.ones(lat_deg.shape, dtype=bool)
    for sector in sectors:
        if not isinstance(sector, Sector):
            raise JointshieldError(f"sectors: expected Sector objects, got {type(sector).__name__}")
        hit = free & sector.contains(lat_deg, lon_deg)
        owner[hit] = sector.party
        free &= ~hit
    return owner


DEFAULT_SECTORS: Final[tuple[Sector, ...]] = (
    Sector(
        "Russia",
        (
            (54.36, 19.4),
            (55.0, 19.4),
            (55.3, 20.95),
            (55.3, 21.35),
            (55.08, 21.9),
            (55.05, 22.6),
            (54.4, 22.8),
        ),
        name="Kaliningrad",
    ),
    Sector(
        "NATO",
        (
            (71.5, -25.0),
            (71.5, 31.0),
            (62.9, 31.6),
            (60.5, 27.8),
            (59.4, 28.21),
            (56.15, 28.15),
            (54.55, 25.8),
            (53.9, 23.5),
            (51.5, 23.6),
            (47.95, 22.9),
            (40.5, 20.0),
            (34.0, 20.0),
            (34.0, 11.5),
            (37.5, 10.5),
            (36.0, -5.5),
            (36.0, -25.0),
        ),
        name="NATO north and west",
    ),
    Sector(
        "NATO",
        (
            (47.95, 22.9),
            (48.27, 26.62),
            (47.2, 27.9),
            (45.47, 28.2),
            (45.2, 29.7),
            (41.5, 41.55),
            (41.1, 43.45),
            (39.8, 44.8),
            (37.15, 44.8),
            (37.1, 42.35),
            (36.65, 36.7),
            (35.8, 35.9),
            (34.0, 34.0),
            (34.0, 20.0),
            (40.5, 20.0),
        ),
        name="NATO south-east and Turkey",
    ),
    Sector(
        "Russia",
        (
            (71.5, 31.0),
            (78.0, 66.0),
            (55.0, 66.0),
            (51.0, 55.0),
            (41.85, 46.6),
            (42.75, 44.6),
            (43.4, 40.0),
            (45.3, 36.6),
            (47.1, 38.2),
            (49.6, 40.1),
            (50.4, 36.0),
            (52.37, 31.78),
            (51.5, 30.6),
            (51.5, 23.6),
            (53.9, 23.5),
            (54.55, 25.8),
            (56.15, 28.15),
            (59.4, 28.21),
            (60.5, 27.8),
            (62.9, 31.6),
        ),
        name="Russia and Belarus",
    ),
    Sector(
        "Russia",
        (
            (51.0, 55.0),
            (37.3, 54.0),
            (38.4, 48.9),
            (39.8, 44.8),
            (41.1, 43.45),
            (41.3, 45.0),
            (41.85, 46.6),
        ),
        name="Caspian approach",
    ),
)
