"""Words that more than one layer speaks, each defined once.

A scenario file, the domain objects it compiles into and the command line
all name the same sharing policies, trajectory shapes and refraction models;
they are defined here, on the ground floor, so that every layer imports the
same literal types and no two definitions can drift apart.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "AIM_MODES",
    "FUSION_CENTRE",
    "MEAN_OUTAGE_S",
    "SHARING_POLICIES",
    "Aim",
    "AimMode",
    "Refraction",
    "SensorKind",
    "Sharing",
]

FUSION_CENTRE: Final = "fusion"
"""Reserved name of the joint data-fusion centre, an end point of links."""

Sharing = Literal["none", "early-warning", "tracks", "tracks-own-territory"]
"""What a data link lets through: nothing, early-warning cues only, full tracks, or
tracks only of threats headed for the receiving party's territory (cues always)."""

SHARING_POLICIES: Final[tuple[str, ...]] = get_args(Sharing)

Aim = Literal["min-energy", "lofted", "depressed"]
"""The trajectory shapes a scenario's threat may name."""

AimMode = Literal[Aim, "apogee"]
"""What the aiming routine accepts: a named shape, or a given apogee."""

AIM_MODES: Final[tuple[str, ...]] = get_args(AimMode)

Refraction = Literal["4/3", "none"]
"""A radar's refraction model: the 4/3 effective Earth, or straight rays."""

SensorKind = Literal["radar", "space-ir"]

MEAN_OUTAGE_S: Final = 60.0
"""Mean duration of a link's random outage, s, where a scenario gives none [assumption]."""
