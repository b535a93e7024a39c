"""Strict JSON (RFC 8259): the one place that turns results into JSON text.

JSON has no NaN and no infinity. Python's :mod:`json` writes them as the bare
words ``NaN`` and ``Infinity``, which strict parsers (JavaScript's
``JSON.parse``, most other languages) reject. Every JSON that jointshield
prints or writes goes through :func:`dumps`, which writes every non-finite
number as ``null`` and refuses anything else that is not JSON.

It imports no third-party package: NumPy scalars and arrays are recognised by
their ``tolist`` method, so that the command line can import this module
without loading NumPy.

>>> dumps({"kills": 0, "per_kill": float("nan"), "lo": float("-inf")}, indent=None)
'{"kills": 0, "per_kill": null, "lo": null}'
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps", "jsonable"]


def jsonable(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types; every non-finite number becomes ``None``.

    Parameters
    ----------
    obj : object
        Dicts (keys are written as strings), lists, tuples, strings, numbers,
        booleans, ``None``, paths (written as strings), NumPy scalars and
        arrays, and objects with a ``to_json()`` method (its result is
        converted in turn), nested in any way.

    Returns
    -------
    object
        The same data as dicts, lists, ``str``, ``int``, finite ``float``,
        ``bool`` and ``None``. Finite floats are unchanged.

    Raises
    ------
    TypeError
        For an object of any other type.

    Examples
    --------
    >>> jsonable({1: (2.5, float("inf"))})
    {'1': [2.5, None]}
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):  # NumPy's float64 too, which is a float
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return jsonable(to_json())
    tolist = getattr(obj, "tolist", None)  # NumPy arrays and scalars
    if callable(tolist):
        return jsonable(tolist())
    raise TypeError(f"cannot write a {type(obj).__name__} as JSON: {obj!r}")


def dumps(obj: Any, *, indent: int | None = 2, ensure_ascii: bool = True) -> str:
    """Return ``obj`` as strict JSON text, non-finite numbers as ``null``.

    Parameters
    ----------
    obj : object
        Anything :func:`jsonable` converts.
    indent : int or None, optional
        Spaces per level of indentation, default 2; ``None`` for one line.
    ensure_ascii : bool, optional
        Escape every non-ASCII character (the default, safe on any terminal),
        or write it as it is (for UTF-8 files).

    Returns
    -------
    str
        The JSON text, without a final newline.

    Raises
    ------
    TypeError
        For an object that :func:`jsonable` does not convert.
    """
    return json.dumps(jsonable(obj), indent=indent, ensure_ascii=ensure_ascii, allow_nan=False)
