"""Faults added to a scenario from the command line, and an exercise's list of named faults.

A scenario's own ``faults:`` section is read with the rest of the file
(:func:`~jointshield.scenario.loader.parse_scenario`). The same entries may
also come from elsewhere, checked by the same rules
(:func:`~jointshield.scenario.checks.fault_problems` and the
:class:`~jointshield.scenario.model.Fault` model), against the scenario's
names:

* :func:`add_faults`: ``--fault 'sensor: tpy-2-kurecik, start_s: 100, end_s: 400'``
  (a YAML flow mapping, braces optional), repeatable;
* :func:`load_exercise`: a YAML file ``faults: [...]`` whose entries carry a
  ``name``; the entries of one name make one case of the exercise.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jointshield.errors import JointshieldError, Problem, ScenarioError
from jointshield.scenario.checks import fault_problems, problems_from_validation
from jointshield.scenario.model import Fault, Scenario, _Record
from jointshield.scenario.yamlio import KeyPath, format_path, line_of, read_yaml

__all__ = ["add_faults", "load_exercise", "parse_fault"]


class _FaultList(_Record):
    """A list of faults alone, validated as a scenario's ``faults`` are."""

    faults: tuple[Fault, ...] = ()


def _names(scenario: Scenario) -> dict[str, list[str]]:
    return {
        "sensors": [s.name for s in scenario.sensors],
        "links": [k.name for k in scenario.links],
        "batteries": [b.name for b in scenario.batteries],
        "parties": [p.name for p in scenario.parties],
    }


def _validate(
    items: list[Any], lines: dict[KeyPath, int], scenario: Scenario, file: str | None
) -> tuple[Fault, ...]:
    """Check raw fault entries (at ``faults[i]``) against a scenario's names, or raise."""
    problems = [
        Problem(format_path(("faults", *path)), message, line_of(lines, ("faults", *path)))
        for path, message in fault_problems(items, _names(scenario))
    ]
    faults: tuple[Fault, ...] = ()
    try:
        faults = _FaultList.model_validate({"faults": items}).faults
    except ValidationError as exc:
        problems += problems_from_validation(exc, lines)
    if problems:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise ScenarioError(file, problems)
    return faults


def parse_fault(text: str, index: int = 1) -> dict[str, Any]:
    """Read one ``--fault`` value: a YAML flow mapping, with or without its braces.

    Raises
    ------
    JointshieldError
        If it is not a mapping of keys to values.
    """
    body = text.strip()
    if not body.startswith("{"):
        body = "{" + body + "}"
    data, _, problems = read_yaml(body)
    if problems or not isinstance(data, dict) or not data:
        raise JointshieldError(
            f"--fault {index} {text!r}: expected KEY: VALUE pairs separated by commas, e.g. "
            "'sensor: tpy-2-kurecik, start_s: 100, end_s: 400'"
        )
    return data


def _option_key(problem: Problem) -> Problem:
    """``faults[0].sensor`` → ``1.sensor``: the first ``--fault`` is number 1."""
    head, _, rest = problem.key.partition("]")
    number = head.removeprefix("faults[")
    key = f"{int(number) + 1}{rest}" if number.isdigit() else problem.key
    return dataclasses.replace(problem, key=key)


def add_faults(scenario: Scenario, texts: Sequence[str]) -> Scenario:
    """Return the scenario with the faults of ``--fault`` options added to its own.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    texts : sequence of str
        Each ``--fault`` value (:func:`parse_fault`).

    Returns
    -------
    Scenario
        The scenario with the faults appended (its hash changes with them);
        the scenario itself when there are none.

    Raises
    ------
    ScenarioError
        Naming the option (``--fault``) and key of every problem, with the
        closest known name for an unknown one.
    """
    if not texts:
        return scenario
    items = [parse_fault(t, k + 1) for k, t in enumerate(texts)]
    try:
        added = _validate(items, {}, scenario, "--fault")
    except ScenarioError as exc:
        raise ScenarioError("--fault", [_option_key(p) for p in exc.problems]) from None
    labelled = tuple(
        f if f.name else f.model_copy(update={"name": f"--fault {k + 1}"})
        for k, f in enumerate(added)
    )
    return scenario.model_copy(update={"faults": scenario.faults + labelled})


def load_exercise(path: str | os.PathLike[str], scenario: Scenario) -> dict[str, tuple[Fault, ...]]:
    """Read an exercise: named faults, grouped by name into the exercise's cases.

    The file holds ``faults:``, a list of entries as in a scenario, each with
    a ``name``; entries of the same name make one case (applied together).

    Returns
    -------
    dict of str to tuple of Fault
        The cases, in the order of their first entry.

    Raises
    ------
    ScenarioError
        With the file, line and key of every problem.
    JointshieldError
        If the file cannot be read.
    """
    p = Path(path)
    file = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JointshieldError(f"{file}: cannot read the exercise: {exc}") from None
    data, lines, problems = read_yaml(text)
    if problems:
        raise ScenarioError(file, problems)
    items = data.get("faults") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ScenarioError(
            file, [Problem("faults", "expected a list of faults, each with a name", 1)]
        )
    unnamed = [
        Problem(f"faults[{k}]", "missing key 'name': name each case", line_of(lines, ("faults", k)))
        for k, item in enumerate(items)
        if isinstance(item, dict) and not item.get("name")
    ]
    if unnamed:
        raise ScenarioError(file, unnamed)
    cases: dict[str, list[Fault]] = {}
    for fault in _validate(items, lines, scenario, file):
        cases.setdefault(fault.name, []).append(fault)
    return {name: tuple(faults) for name, faults in cases.items()}
