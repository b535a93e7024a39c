"""Places of a scenario by name (sites, launch areas, assets) or coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from jointshield.errors import UnknownNameError
from jointshield.physics.geo import parse_lat_lon
from jointshield.scenario import Scenario


@dataclass(frozen=True)
class Place:
    """A named point: a site, launch area, asset, or coordinates given by hand."""

    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0


def resolve_place(scenario: Scenario | None, text: str) -> Place:
    """Find ``text`` among the scenario's sites, launch areas and assets, or read it as LAT,LON.

    Raises
    ------
    UnknownNameError
        When ``text`` is neither a known place nor coordinates; the message
        suggests the closest known name.
    """
    if scenario is not None:
        places = [
            item for c in (scenario.sites, scenario.launch_areas, scenario.assets) for item in c
        ]
        # An exact name first, then one that differs only in case.
        for fold in (False, True):
            for item in places:
                if item.name == text or (fold and item.name.casefold() == text.casefold()):
                    return Place(
                        item.name, item.lat_deg, item.lon_deg, float(getattr(item, "alt_m", 0.0))
                    )
    if "," in text:
        lat, lon = parse_lat_lon(text)
        return Place(f"{lat:.4f},{lon:.4f}", lat, lon)
    known: list[str] = []
    if scenario is not None:
        known = [
            p.name for c in (scenario.sites, scenario.launch_areas, scenario.assets) for p in c
        ]
    raise UnknownNameError("place (site, launch area, asset, or LAT,LON)", text, known)
