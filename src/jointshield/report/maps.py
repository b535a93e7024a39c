"""Base maps: country outlines on an equirectangular grid, for footprints and reach maps.

A map is a matplotlib :class:`~matplotlib.figure.Figure` with the Agg canvas, made
without pyplot: no global figure manager and no GUI backend, so maps can be drawn
headless and from several threads at once. Matplotlib is imported inside the
functions, not by this module, so that importing the report layer stays cheap.

The projection is equirectangular (x = longitude, y = latitude, degrees) with the
aspect 1/cos(mid-latitude), so that distances east-west and north-south agree at the
map's middle latitude. *What that neglects*: away from the middle latitude an east-west
distance is drawn cos(mid-lat)/cos(lat) times too long or short: on a map of Europe from
35 to 70 N, 26 % too short at 35 N and 78 % too long at 70 N. A footprint drawn on it is
exact in degrees, not in area; areas and populations are computed, never read off a map.

>>> fig, ax = new_map((35.0, 70.0, -10.0, 50.0))
>>> len(ax.collections[0].get_paths()) > 40  # the countries of Europe
True
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from jointshield.data import OUTLINES_ATTRIBUTION, Region, country_outlines

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure

__all__ = ["LAND_COLOUR", "aspect", "draw_basemap", "new_map", "save_figure"]

LAND_COLOUR = "#e4e4e4"
BORDER_COLOUR = "#8c8c8c"
SEA_COLOUR = "white"
SUFFIXES = (".png", ".svg", ".pdf")


def aspect(region: Region) -> float:
    """Return the axes aspect (y unit over x unit) of an equirectangular map: 1/cos(mid-lat).

    >>> round(aspect((40.0, 80.0, 0.0, 10.0)), 6)
    2.0
    """
    mid_lat_deg = 0.5 * (region[0] + region[1])
    return 1.0 / max(math.cos(math.radians(mid_lat_deg)), 0.05)


def new_map(
    region: Region, *, figsize: tuple[float, float] | None = None, dpi: float = 150.0
) -> tuple[Figure, Axes]:
    """Return a new figure and its axes with the base map of ``region`` drawn.

    Parameters
    ----------
    region : (lat0, lat1, lon0, lon1)
        Extent of the map, degrees.
    figsize : (width, height), optional
        Size in inches; by default 9 inches wide and as tall as the region's aspect asks.
    dpi : float
        Resolution of a saved PNG.

    Returns
    -------
    (Figure, Axes)
        A figure with an Agg canvas attached, and its one axes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if figsize is None:
        lat0, lat1, lon0, lon1 = region
        ratio = (lat1 - lat0) * aspect(region) / max(lon1 - lon0, 1e-9)
        figsize = (9.0, min(max(9.0 * ratio, 3.0), 14.0) + 0.6)
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw_basemap(ax, region)
    return fig, ax


def draw_basemap(
    ax: Axes, region: Region, *, attribution: str | None = OUTLINES_ATTRIBUTION
) -> PatchCollection:
    """Draw the land, the borders and the graticule of ``region`` on ``ax``.

    Land is filled light grey under thin grey borders, the sea left white; axes are
    in degrees with the aspect 1/cos(mid-latitude). Everything sits below z-order 1,
    so footprints, cities and tracks drawn afterwards lie on top.

    Parameters
    ----------
    ax : Axes
        Axes to draw on; their limits and aspect are set to the region.
    region : (lat0, lat1, lon0, lon1)
        Extent, degrees.
    attribution : str or None
        Credit written in the lower right corner; ``None`` writes none. A map that
        also shows populations should add ``jointshield.data.CITIES_ATTRIBUTION``.

    Returns
    -------
    PatchCollection
        The countries, one path each (``gid`` ``"basemap-land"``).
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib.ticker import FuncFormatter

    lat0, lat1, lon0, lon1 = region
    patches = []
    for outline in country_outlines(region):
        path = MplPath.make_compound_path(*(MplPath(ring, closed=True) for ring in outline.rings))
        patches.append(PathPatch(path))
    land = PatchCollection(
        patches,
        facecolor=LAND_COLOUR,
        edgecolor=BORDER_COLOUR,
        linewidth=0.4,
        zorder=0.4,
    )
    land.set_gid("basemap-land")
    ax.add_collection(land, autolim=False)
    ax.set_facecolor(SEA_COLOUR)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect(region))
    ax.xaxis.set_major_formatter(FuncFormatter(_lon_label))
    ax.yaxis.set_major_formatter(FuncFormatter(_lat_label))
    ax.set_xlabel("Longitude")
    ax.set_ylabel("Latitude")
    ax.set_axisbelow(True)  # the graticule at z-order 0.5, over the land
    ax.grid(True, color="#c8c8c8", linewidth=0.3)
    ax.tick_params(labelsize=8)
    if attribution:
        ax.text(
            0.995,
            0.005,
            attribution,
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="#505050",
            zorder=10,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1.5},
        )
    return land


def _lon_label(x: float, _pos: object = None) -> str:
    """Label a longitude: ``20°E``, ``10°W``, ``0°``."""
    return f"{abs(x):g}°{'E' if x > 0 else 'W' if x < 0 else ''}"


def _lat_label(y: float, _pos: object = None) -> str:
    """Label a latitude: ``50°N``, ``10°S``, ``0°``."""
    return f"{abs(y):g}°{'N' if y > 0 else 'S' if y < 0 else ''}"


def save_figure(fig: Figure, path: str | Path, *, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path``: PNG, SVG or PDF as its suffix says.

    Parameters
    ----------
    fig : Figure
        A figure, e.g. from :func:`new_map`.
    path : str or Path
        File to write; its folder is created if missing.
    dpi : float, optional
        Resolution of a PNG; the figure's own by default.

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{out}: expected a file name ending {', '.join(SUFFIXES)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    # No time stamp in the file (the SVG's clip-path names are still random).
    metadata = {"Date": None} if suffix in (".svg", ".pdf") else {}
    fig.savefig(
        out,
        format=suffix[1:],
        dpi=dpi if dpi is not None else "figure",
        facecolor="white",
        metadata=metadata,
    )
    return out
