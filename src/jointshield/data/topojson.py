"""A decoder of TopoJSON polygons: arcs, quantization, and the rings they make.

TopoJSON (https://github.com/topojson/topojson-specification) stores each shared
boundary once, as an *arc*; a polygon's ring lists the arcs it follows, a negative
index ``~i`` (that is, ``-i - 1``) meaning arc ``i`` walked backwards. A quantized
topology stores each arc's positions as integer steps from the previous one (delta
encoding): the cumulative sum gives the quantized position, and
``position * scale + translate`` the coordinates. Consecutive arcs of a ring share
their end and start point, so each arc after the first drops its first position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jointshield.arrays import FloatArray

__all__ = ["decode_arcs", "geometry_rings", "join_arcs"]


def decode_arcs(topology: Mapping[str, Any]) -> list[FloatArray]:
    """Return every arc of ``topology`` as an ``(n, 2)`` array of coordinates.

    Parameters
    ----------
    topology : mapping
        A TopoJSON ``Topology`` object; quantized (with ``transform``) or not.

    Returns
    -------
    list of ndarray
        Arc ``i`` as positions ``(x, y)``, lon/lat degrees for a geographic topology.

    Examples
    --------
    >>> topo = {"transform": {"scale": [0.5, 2.0], "translate": [10.0, 20.0]},
    ...         "arcs": [[[0, 0], [2, 1], [1, -1]]]}
    >>> decode_arcs(topo)[0].tolist()
    [[10.0, 20.0], [11.0, 22.0], [11.5, 20.0]]
    """
    transform = topology.get("transform")
    arcs = [np.asarray(arc, dtype=np.float64).reshape(-1, 2) for arc in topology["arcs"]]
    if transform is None:
        return arcs
    scale = np.asarray(transform["scale"], dtype=np.float64)
    translate = np.asarray(transform["translate"], dtype=np.float64)
    return [np.cumsum(arc, axis=0) * scale + translate for arc in arcs]


def join_arcs(arcs: Sequence[FloatArray], indices: Sequence[int]) -> FloatArray:
    """Return the line that follows arcs ``indices`` (``~i`` walks arc ``i`` backwards).

    >>> a = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])]
    >>> join_arcs(a, [0, ~1]).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    parts = []
    for k, index in enumerate(indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def geometry_rings(
    geometry: Mapping[str, Any], arcs: Sequence[FloatArray]
) -> list[list[FloatArray]]:
    """Return a geometry's polygons, each a list of rings (exterior first, then holes).

    Parameters
    ----------
    geometry : mapping
        A TopoJSON ``Polygon`` or ``MultiPolygon``; any other type (a point, a line,
        a geometry with no coordinates) has no polygons and gives an empty list.
    arcs : sequence of ndarray
        The topology's decoded arcs, from :func:`decode_arcs`.

    Returns
    -------
    list of list of ndarray
        Each ring closed (its last position equals its first), as the arcs give it.
    """
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    return [[join_arcs(arcs, ring) for ring in polygon] for polygon in polygons]
