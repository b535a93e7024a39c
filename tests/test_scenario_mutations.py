"""A mutated built-in scenario is refused at its file, line and key, or it runs.

Each mutant changes europe-2011 in one to three places: a leaf value
replaced (a number made extreme, negative, zero, huge, not a number, a
string, null or a list; a string made an unknown name, empty, odd unicode or
a number), a key deleted, an unknown key added, a list item removed or
duplicated. Validation, as ``jointshield scenarios validate`` does it, must
then either report problems that each name the file, a line and a key, or
call the file valid; a valid mutant must run a small comparison.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from jointshield.analysis.runs import compare
from jointshield.cli import main
from jointshield.errors import ScenarioError
from jointshield.scenario import builtin_path, parse_scenario
from jointshield.theatre.check import check_scenario
from jointshield.theatre.compile import theatre_of
from theatres import REACH

FILE = "mutant.yaml"
LOCATED = re.compile(r"^" + re.escape(FILE) + r":\d+ \S+: \S.*$")
# A top-level key that is missing has no key of its own to name: the message names it.
MISSING_AT_TOP = re.compile(r"^" + re.escape(FILE) + r":1: missing (required )?key '\w+'")
BASE: dict[str, Any] = yaml.safe_load(builtin_path("europe-2011").read_text(encoding="utf-8"))

Path_ = tuple[str | int, ...]


def _paths(value: Any, path: Path_ = ()) -> list[Path_]:
    """Paths of every node below the root: mappings, lists and leaves."""
    found: list[Path_] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += [(*path, key), *_paths(item, (*path, key))]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += [(*path, index), *_paths(item, (*path, index))]
    return found


def _names(value: Any) -> set[str]:
    """Every string of the scenario, to draw names that exist (in the wrong place)."""
    if isinstance(value, dict):
        return {s for item in value.values() for s in _names(item)}
    if isinstance(value, list):
        return {s for item in value for s in _names(item)}
    return {value} if isinstance(value, str) and len(value) < 40 else set()


PATHS = _paths(BASE)
NAMES = sorted(_names(BASE))

ODD_TEXT = st.sampled_from(
    ["", " ", "\u202e", "\ufeff", "日本語", "💥", "[bold]x", ":100:", "a" * 500, "\t", "-", "~"]
)
NUMBERS = st.one_of(
    st.sampled_from([0, -1, 0.0, -0.0, 1, 2, 2**31, 2**63, 10**30, 1e-300, 1e308, -1e308]),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
)
LEAVES = st.one_of(
    NUMBERS,
    NUMBERS.map(str),
    st.sampled_from(["nan", ".nan", ".inf", "1e999", "0x10", "1_000", "12 km", "yes", "null"]),
    st.sampled_from(NAMES),
    st.sampled_from(["nowhere", "Atlantis", "NATO ", "nato", "shahab-9", "iran-2099"]),
    ODD_TEXT,
    st.sampled_from([None, True, False, [], {}, [1, 2], ["a"], {"value": None}, {"x": 1}]),
    st.sampled_from([{"value": -1, "tag": "estimate"}, {"value": 1, "tag": "rumour"}]),
)


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


class Mutant(NamedTuple):
    """A changed scenario, shown by its changes only when a test fails."""

    data: dict[str, Any]
    said: list[str]

    def __repr__(self) -> str:
        return f"Mutant({self.said!r})"


@st.composite
def mutants(draw: st.DrawFn, max_changes: int = 3) -> Mutant:
    """A deep copy of europe-2011 changed in one to ``max_changes`` places, and what changed."""
    data = copy.deepcopy(BASE)
    said: list[str] = []
    for _ in range(draw(st.integers(1, max_changes))):
        path = draw(st.sampled_from(PATHS))
        try:
            holder = _at(data, path[:-1])
            _at(holder, path[-1:])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this place
        if not isinstance(holder, dict | list):
            continue  # an earlier change made the holder a leaf (a string indexes too)
        last = path[-1]
        how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "add"]))
        if how == "replace":
            holder[last] = draw(LEAVES)
            said.append(f"{path} = {holder[last]!r}")
        elif how == "delete":
            del holder[last]
            said.append(f"del {path}")
        elif how == "duplicate" and isinstance(holder, list):
            holder.insert(int(last), copy.deepcopy(holder[last]))
            said.append(f"duplicate {path}")
        elif isinstance(holder, dict):
            key = draw(st.sampled_from(["extra", "Name", "range_km", "tag", "value", "schema"]))
            holder[key] = draw(LEAVES)
            said.append(f"{path[:-1]}[{key!r}] = {holder[key]!r}")
    return Mutant(data, said)


NUMBER_PATHS = [
    p for p in PATHS if isinstance(v := _at(BASE, p), int | float) and not isinstance(v, bool)
]
ITEM_PATHS = [p for p in PATHS if isinstance(p[-1], int) and isinstance(_at(BASE, p), dict)]


@st.composite
def gentle_mutants(draw: st.DrawFn) -> Mutant:
    """europe-2011 with one number scaled, or one list item removed: often still valid."""
    data = copy.deepcopy(BASE)
    if draw(st.integers(0, 3)):
        path = draw(st.sampled_from(NUMBER_PATHS))
        holder = _at(data, path[:-1])
        factor = draw(st.sampled_from([0, 0.5, 0.9, 1.1, 1.5, 3]))
        value = holder[path[-1]] * factor
        holder[path[-1]] = round(value) if isinstance(holder[path[-1]], int) else value
        return Mutant(data, [f"{path} = {holder[path[-1]]!r}"])
    path = draw(st.sampled_from(ITEM_PATHS))
    del _at(data, path[:-1])[path[-1]]
    return Mutant(data, [f"del {path}"])


def _text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _problems(text: str) -> tuple[list[str], Any]:
    """Validate as `scenarios validate` does: the problem lines, and the scenario if it loads."""
    try:
        scenario = parse_scenario(text, file=FILE)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError without problems"
        assert all(p.line is not None for p in exc.problems), str(exc)
        return str(exc).splitlines(), None
    problems = check_scenario(scenario)
    assert all(p.line is not None for p in problems), problems
    return [p.format(FILE) for p in problems], scenario


_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=1000, deadline=None, suppress_health_check=_SLOW)
@given(mutant=mutants())
def test_a_mutant_is_located_errors_or_valid(mutant: Mutant) -> None:
    """Every problem of a mutant is one `FILE:LINE key: message` line; or it has none."""
    data, said = mutant
    lines, _ = _problems(_text(data))
    event("refused" if lines else "valid")
    bad = [line for line in lines if not (LOCATED.match(line) or MISSING_AT_TOP.match(line))]
    assert not bad, (said, bad)


@settings(max_examples=30, deadline=None, suppress_health_check=_SLOW)
@given(mutant=st.one_of(gentle_mutants(), mutants(max_changes=1)))
def test_a_valid_mutant_runs(mutant: Mutant) -> None:
    """A mutant that validates runs a small comparison of two architectures."""
    data, said = mutant
    lines, scenario = _problems(_text(data))
    event("refused" if lines else "valid")
    if lines:
        return
    result = compare(
        theatre_of(scenario, reach=REACH), ("national", "joint"), trials=5, progress=False
    )
    assert [r.summary.to_json()["architecture"] for r in result.results] == ["national", "joint"]
    assert all(r.summary.to_json()["trials"] == 5 for r in result.results), said


@pytest.mark.parametrize("case", ["refused", "valid"])
def test_validate_command_agrees_with_the_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    """`scenarios validate FILE` prints the same located lines, with status 2, or says valid."""
    data = copy.deepcopy(BASE)
    if case == "refused":
        data["sensors"][0]["range_max_km"] = -5
        data["raids"][0]["threats"][0]["target"] = "Atlantis"
    path = tmp_path / FILE
    path.write_text(_text(data), encoding="utf-8")
    status = main(["scenarios", "validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case == "valid":
        assert status == 0 and "valid" in out
        return
    assert status == 2
    lines = err.removeprefix("error: ").splitlines()
    assert len(lines) >= 2
    assert all(re.match(re.escape(str(path)) + r":\d+ \S+: \S", line) for line in lines), lines
