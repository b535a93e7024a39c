"""Physical constants that more than one module uses, each with its source."""

from __future__ import annotations

from typing import Final

__all__ = ["G0_MPS2"]

G0_MPS2: Final = 9.80665
"""Standard acceleration of gravity, m/s², exact by definition (3rd CGPM, 1901).

It turns a specific impulse in seconds into an exhaust speed, and is the
``g0`` of the U.S. Standard Atmosphere 1976's geopotential.
"""
