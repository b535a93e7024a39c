"""jointshield: simulate, compare and explain cooperative missile-defence architectures.

The public Python API; the ``jointshield`` command line is a thin layer over it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from jointshield.errors import (
    JointshieldError,
    OutOfReachError,
    ScenarioError,
    UnknownNameError,
)

try:
    __version__ = version("jointshield")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "JointshieldError",
    "OutOfReachError",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
]
