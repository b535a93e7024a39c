"""Golden numbers: the comparison on the built-ins, fixed until an issue changes them on purpose.

The files in ``tests/golden`` hold ``jointshield compare --json`` on each
built-in scenario (seed 0, 2,000 trials, the nominal geometry), without the
provenance (hash, version) and file lists; each file's note says when and
why it last changed. A
change of the model that moves these numbers must update the files in the
same commit and say why; a failure here is never fixed by regenerating them
blindly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from jointshield.analysis.runs import compare
from theatres import theatre

GOLDEN = Path(__file__).parent / "golden"


def _numbers(obj: Any) -> Any:
    """The comparison as JSON-like data: no provenance, no file list, NaN as None."""
    if isinstance(obj, dict):
        return {k: _numbers(v) for k, v in obj.items() if k not in ("meta", "files")}
    if isinstance(obj, list | tuple):
        return [_numbers(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@pytest.mark.slow
@pytest.mark.parametrize("name", ["europe-2011", "europe-2018", "europe-2013", "europe-north"])
def test_compare_on_the_built_ins_gives_the_golden_numbers(name: str) -> None:
    """The five architectures on each built-in give exactly the recorded numbers."""
    golden = json.loads((GOLDEN / f"compare-{name}.json").read_text(encoding="utf-8"))
    got = compare(
        theatre(name),
        trials=golden["trials"],
        seed=golden["seed"],
        progress=False,
        geometry_samples=1,  # the nominal geometry: every threat from its area's centre, on time
    )
    assert _numbers(got.to_json())["architectures"] == golden["architectures"]
