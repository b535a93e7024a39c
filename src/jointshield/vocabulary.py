"""Words that more than one layer speaks, each defined once.

A scenario file, the domain objects it compiles into and the command line
all name the same sharing policies, trajectory shapes, refraction models and
Earth models; they are defined here, on the ground floor, so that every layer
imports the same literal types and no two definitions can drift apart.
"""

from __future__ import annotations

from typing import Final, Literal, cast, get_args

from jointshield.errors import UnknownNameError

__all__ = [
    "AIM_MODES",
    "EARTH_MODELS",
    "FALSE_WORDS",
    "FUSION_CENTRE",
    "MEAN_OUTAGE_S",
    "SHARING_POLICIES",
    "TRUE_WORDS",
    "Aim",
    "AimMode",
    "Earth",
    "Refraction",
    "SensorKind",
    "Sharing",
    "aim_mode",
    "truth",
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

Earth = Literal["rotating", "fixed", "sphere"]
"""The Earth a flyout flies on: the rotating WGS-84 ellipsoid (the default for
analysis), the same ellipsoid held still, or a still sphere of the mean radius
without J2, on which the closed forms of Bate, Mueller and White (1971, ch. 6) hold
exactly."""

EARTH_MODELS: Final[tuple[str, ...]] = get_args(Earth)

MEAN_OUTAGE_S: Final = 60.0
"""Mean duration of a link's random outage, s, where a scenario gives none [assumption]."""


def aim_mode(text: str) -> AimMode:
    """Return ``text`` as an aim mode, or raise naming the valid ones.

    >>> aim_mode("lofted")
    'lofted'
    """
    for mode in get_args(AimMode):
        if text == mode:
            return cast(AimMode, mode)
    raise UnknownNameError("aim mode", text, AIM_MODES)


TRUE_WORDS: Final = frozenset({"true", "yes", "1", "on"})
"""Words read as true for a yes/no setting (``--set reengage=yes``), case aside."""
FALSE_WORDS: Final = frozenset({"false", "no", "0", "off"})
"""Words read as false for a yes/no setting, case aside."""


def truth(value: object) -> bool | None:
    """Read a yes/no setting: a bool, the integer 0 or 1, or one of the words; else None.

    >>> truth("Yes"), truth(0), truth("maybe")
    (True, False, None)
    """
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a NumPy scalar
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None
