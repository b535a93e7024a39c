"""Strict JSON (RFC 8259): non-finite numbers as null, everything else unchanged."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from jointshield.jsonio import dumps, jsonable
from jointshield.montecarlo.stats import Estimate


def strict_loads(text: str) -> object:
    """Parse JSON as a strict parser (JavaScript's JSON.parse) does: no NaN, no Infinity."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf")])
def test_non_finite_numbers_are_null(x: float) -> None:
    """NaN and infinities, Python's or NumPy's, are written as null."""
    assert strict_loads(dumps({"x": x, "xs": [x, 1.0]})) == {"x": None, "xs": [None, 1.0]}


def test_finite_floats_are_written_as_json_writes_them() -> None:
    """A finite float keeps every digit, exactly as the standard library writes it."""
    values = [0.1, 1 / 3, 1e-300, 6.02214076e23, -0.0, 2.0**60]
    assert dumps(values) == json.dumps(values, indent=2)
    assert dumps([np.float64(v) for v in values]) == json.dumps(values, indent=2)


def test_numpy_scalars_and_arrays_become_plain_json() -> None:
    """NumPy integers, booleans and arrays become JSON numbers, booleans and lists."""
    data = {"n": np.int64(3), "b": np.bool_(True), "v": np.array([[1.5, np.nan]])}
    assert jsonable(data) == {"n": 3, "b": True, "v": [[1.5, None]]}
    assert type(jsonable(np.int64(3))) is int


def test_objects_with_to_json_and_paths_are_converted() -> None:
    """An object with to_json() (an Estimate) and a path are written as their JSON forms."""
    est = Estimate(math.nan, math.nan, math.inf, "mean")
    assert jsonable({"e": est, "p": Path("a") / "b"}) == {
        "e": {"value": None, "lo": None, "hi": None, "kind": "mean", "confidence": 0.95},
        "p": str(Path("a") / "b"),
    }


def test_keys_are_strings_and_tuples_are_lists() -> None:
    """Dict keys are written as strings and tuples as lists, as JSON has only those."""
    assert jsonable({1: (2, 3)}) == {"1": [2, 3]}


def test_other_objects_are_refused() -> None:
    """An object that is not JSON data is refused with a TypeError naming its type."""
    with pytest.raises(TypeError, match="set"):
        dumps({"s": {1, 2}})
