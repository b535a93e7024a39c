"""The array types of the package, in one place.

Every module annotates its arrays with these names, so that a reader sees at
a glance what an argument holds; :func:`as_f64` is the one conversion of
array-likes to float64 that every physics routine starts with.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
Int64Array = NDArray[np.int64]
Int8Array = NDArray[np.int8]
ObjectArray = NDArray[np.object_]

__all__ = [
    "BoolArray",
    "FloatArray",
    "Int8Array",
    "Int64Array",
    "IntArray",
    "ObjectArray",
    "as_f64",
]


def as_f64(value: ArrayLike) -> FloatArray:
    """Return ``value`` as a float64 array (no copy when it already is one).

    >>> as_f64([1, 2]).dtype
    dtype('float64')
    """
    return np.asarray(value, dtype=np.float64)
