"""The Earth as the flight engine sees it: shape, gravity and rotation.

A flyout is integrated in an Earth-centred inertial frame that coincides with
the Earth-fixed frame at the moment of launch (``t = 0``); the Earth turns
about its z axis at ``omega_rad_s``. Gravity is a point mass, with the J2
oblateness term on request. Altitude is measured above ``ellipsoid``.

Two presets matter: :data:`ROTATING_WGS84`, the default for analysis, and
:data:`FIXED_SPHERE`, a non-rotating spherical Earth without J2 on which the
closed forms of Bate, Mueller and White (1971, ch. 6) hold exactly. A user names
a preset by an :data:`~jointshield.vocabulary.Earth` word (``rotating``,
``fixed``, ``sphere``); :func:`earth_named` turns the word into the preset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final

from jointshield import vocabulary
from jointshield.errors import UnknownNameError
from jointshield.physics.geo import (
    J2_EARTH,
    MU_EARTH_M3_S2,
    OMEGA_EARTH_RAD_S,
    SPHERE,
    WGS84,
    Ellipsoid,
)


@dataclass(frozen=True)
class Earth:
    """Shape, gravity and rotation of the Earth for a flyout.

    Parameters
    ----------
    ellipsoid : Ellipsoid
        Reference surface for altitudes (WGS-84 or a sphere).
    omega_rad_s : float
        Rotation rate, rad/s; 0 for a fixed Earth.
    mu_m3_s2 : float
        Gravitational parameter GM, m³/s².
    j2 : float
        Second zonal harmonic; 0 for point-mass gravity.
    """

    ellipsoid: Ellipsoid = WGS84
    omega_rad_s: float = OMEGA_EARTH_RAD_S
    mu_m3_s2: float = MU_EARTH_M3_S2
    j2: float = 0.0

    @property
    def rotating(self) -> bool:
        """Whether the Earth turns under the flyout."""
        return self.omega_rad_s != 0.0

    def with_j2(self) -> Earth:
        """Return the same Earth with J2 oblateness gravity (EGM96 C20)."""
        return replace(self, j2=J2_EARTH)

    def fixed(self) -> Earth:
        """Return the same Earth, not rotating."""
        return replace(self, omega_rad_s=0.0)


ROTATING_WGS84 = Earth()
FIXED_WGS84 = Earth(omega_rad_s=0.0)
FIXED_SPHERE = Earth(ellipsoid=SPHERE, omega_rad_s=0.0)

EARTHS: Final[Mapping[vocabulary.Earth, Earth]] = MappingProxyType(
    {"rotating": ROTATING_WGS84, "fixed": FIXED_WGS84, "sphere": FIXED_SPHERE}
)
"""The preset each :data:`~jointshield.vocabulary.Earth` word names."""


def earth_name(name: str) -> vocabulary.Earth:
    """Return ``name`` as the word of an Earth preset, checked.

    Parameters
    ----------
    name : str
        ``rotating``, ``fixed`` or ``sphere``.

    Returns
    -------
    {'rotating', 'fixed', 'sphere'}
        The same word, typed as :data:`~jointshield.vocabulary.Earth`.

    Raises
    ------
    UnknownNameError
        If it names no preset (the message suggests the closest).
    """
    for known in EARTHS:
        if known == name:
            return known
    raise UnknownNameError("Earth model", name, EARTHS)


def earth_named(name: str) -> Earth:
    """Return the Earth preset a word names.

    Parameters
    ----------
    name : str
        ``rotating`` (:data:`ROTATING_WGS84`), ``fixed`` (:data:`FIXED_WGS84`)
        or ``sphere`` (:data:`FIXED_SPHERE`).

    Returns
    -------
    Earth
        The preset.

    Raises
    ------
    UnknownNameError
        If it names no preset (the message suggests the closest).
    """
    return EARTHS[earth_name(name)]
