"""Point-mass flight of ballistic missiles and interceptors on a rotating Earth."""

from jointshield.flight.earth import FIXED_SPHERE, FIXED_WGS84, ROTATING_WGS84, Earth
from jointshield.flight.flyout import Accuracy, Flyouts, fly_free, fly_powered
from jointshield.flight.missile import MissileModel

__all__ = [
    "FIXED_SPHERE",
    "FIXED_WGS84",
    "ROTATING_WGS84",
    "Accuracy",
    "Earth",
    "Flyouts",
    "MissileModel",
    "fly_free",
    "fly_powered",
]
