"""Finding, loading, exporting, hashing and citing scenarios.

Loading runs in four steps, and every problem found on the way carries the
file, line and key, so that one :class:`~jointshield.errors.ScenarioError`
lists all of them:

1. read the YAML, recording the line of every key and refusing what no
   hand-written file holds: over 1 MB, control characters, deep nesting,
   alias bombs, tags (:func:`~jointshield.scenario.yamlio.read_yaml`);
2. strip provenance (sourced values and item ``tag``/``source``/``note``)
   into :class:`~jointshield.scenario.provenance.Provenance` records;
3. cross-check names, uniqueness and ordered pairs on the raw data
   (:func:`~jointshield.scenario.checks.cross_check`);
4. validate into the frozen :class:`~jointshield.scenario.model.Scenario`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from jointshield.errors import JointshieldError, Problem, ScenarioError, UnknownNameError
from jointshield.scenario.checks import cross_check, fill_owners, problems_from_validation
from jointshield.scenario.model import Scenario
from jointshield.scenario.provenance import Tag, strip_provenance, unit_of
from jointshield.scenario.yamlio import (
    MAX_BYTES,
    KeyPath,
    format_path,
    line_of,
    read_yaml,
    text_size_problem,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "ScenarioExistsError",
    "ScenarioInfo",
    "SourceRow",
    "builtin_names",
    "builtin_path",
    "export_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
    "scenario_hash",
    "scenario_sources",
]

DEFAULT_SCENARIO = "europe-2011"
"""The built-in scenario used when none is named."""

_SUFFIXES = (".yaml", ".yml")


class ScenarioExistsError(JointshieldError, FileExistsError):
    """Exporting would overwrite an existing file."""


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """A built-in scenario, as listed by :func:`list_scenarios`.

    Parameters
    ----------
    name : str
        Name to load it by.
    title : str
        One-line title.
    file : pathlib.Path
        The packaged YAML file.
    default : bool
        Whether it is :data:`DEFAULT_SCENARIO`.

    """

    name: str
    title: str
    file: Path
    default: bool


class SourceRow(NamedTuple):
    """One value of a scenario and where it comes from (see :func:`scenario_sources`).

    Parameters
    ----------
    path : str
        Dotted key path, e.g. ``sensors[1].range_max_km``.
    value : float, int, str or bool
        The value, in the unit its key names.
    unit : str
        That unit (``'km'``, ``'1'`` for probabilities, ``''`` if none).
    tag : str
        ``official``, ``estimate``, ``press`` or ``assumption``; ``''`` if untagged.
    source : str
        Reference key, or free-text source; ``''`` if none.
    note : str
        Note; ``'schema default'`` for a value the file leaves out.

    """

    path: str
    value: float | int | str | bool
    unit: str
    tag: Tag | str
    source: str
    note: str


def _builtin_dir() -> Traversable:
    return resources.files("jointshield.scenario") / "builtin"


def builtin_names() -> list[str]:
    """Return the names of the built-in scenarios, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _builtin_dir().iterdir()
        if entry.name.endswith(".yaml")
    )


def _builtin(name: str) -> Traversable:
    names = builtin_names()
    if name not in names:
        raise UnknownNameError("built-in scenario", name, names)
    return _builtin_dir() / f"{name}.yaml"


def builtin_path(name: str) -> Path:
    """Return the file of a built-in scenario.

    Parameters
    ----------
    name : str
        A built-in name, e.g. ``europe-2011``.

    Returns
    -------
    pathlib.Path
        The packaged YAML file.

    Raises
    ------
    UnknownNameError
        If there is no such built-in (the message suggests the closest name).

    """
    return Path(str(_builtin(name)))


def list_scenarios() -> list[ScenarioInfo]:
    """Return the built-in scenarios, sorted by name."""
    infos = []
    for name in builtin_names():
        data, _, _ = read_yaml(_builtin(name).read_text(encoding="utf-8"))
        title = data.get("title", "") if isinstance(data, dict) else ""
        infos.append(ScenarioInfo(name, str(title), builtin_path(name), name == DEFAULT_SCENARIO))
    return infos


def parse_scenario(text: str, file: str | None = None) -> Scenario:
    """Validate scenario YAML text into a :class:`Scenario`.

    Parameters
    ----------
    text : str
        The YAML text.
    file : str, optional
        Name of the file, used in messages and kept as ``scenario.file``.

    Returns
    -------
    Scenario
        The validated scenario, with its key lines and provenance.

    Raises
    ------
    ScenarioError
        With every problem found, each as ``file:line key: message``.

    """
    data, lines, problems = read_yaml(text)
    if problems and data is None:
        raise ScenarioError(file, problems)
    if not isinstance(data, dict):
        if data is None:
            got = "an empty file"
        else:
            got = "a list" if isinstance(data, list) else "a single value"
        problems.append(
            Problem("", f"expected a mapping of scenario keys at the top level, got {got}", 1)
        )
        raise ScenarioError(file, problems)

    references = data.get("references")
    if not isinstance(references, dict):
        references = {}
    references = {str(k): v for k, v in references.items() if isinstance(v, str)}
    plain, provenance, found = strip_provenance(data, lines, references)
    problems += found

    fill_owners(plain)

    def where(path: KeyPath) -> int | None:
        return line_of(lines, path)

    found, explained = cross_check(plain, where)
    problems += found
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(plain)
    except ValidationError as exc:
        problems += problems_from_validation(exc, lines, explained)
    if problems or scenario is None:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise ScenarioError(file, problems)
    return scenario.with_origin(
        file=file,
        lines={format_path(path): line for path, line in lines.items()},
        provenance=provenance,
    )


def _as_file(name_or_path: str | os.PathLike[str]) -> Path | None:
    """Return the path meant, or None if the argument names a built-in."""
    if isinstance(name_or_path, os.PathLike):
        return Path(name_or_path)
    text = str(name_or_path)
    if text in builtin_names():
        return None
    if os.sep in text or "/" in text or text.endswith(_SUFFIXES) or _exists(text):
        return Path(text)
    raise UnknownNameError("scenario", text, builtin_names())


def _exists(text: str) -> bool:
    """Whether a file of that name exists; a name the system refuses (too long) names none."""
    try:
        return Path(text).exists()
    except OSError:
        return False


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Parameters
    ----------
    name_or_path : str or path-like
        A built-in name (``europe-2011``) or a path to a YAML file. A string
        that is not a built-in name is taken as a path if it contains a slash,
        ends in ``.yaml``/``.yml`` or names an existing file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable (a NUL in its name included), over
        :data:`~jointshield.scenario.yamlio.MAX_BYTES` (checked from its size,
        before reading), not UTF-8, or invalid; the message names file, line
        and key of every problem.
    UnknownNameError
        If a bare name is no built-in scenario.

    """
    path = _as_file(name_or_path)
    if path is None:
        name = str(name_or_path)
        text = _builtin(name).read_text(encoding="utf-8")
        return parse_scenario(text, file=f"{name}.yaml")
    file = _shown(str(path))
    return parse_scenario(_read_text(path, file), file=file)


def _shown(name: str) -> str:
    """Return a file name fit to print: control characters and lone surrogates escaped."""
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if not char.isprintable() and char != " "
        else char
        for char in name
    )


def _read_text(path: Path, file: str) -> str:
    """Read a scenario file of at most MAX_BYTES bytes as UTF-8, or raise a located error."""
    try:
        with path.open("rb") as handle:
            problem = text_size_problem(os.fstat(handle.fileno()).st_size)
            if problem is None:  # a pipe or device reports no size: read one byte past
                content = handle.read(MAX_BYTES + 1)
                problem = text_size_problem(len(content), exact=len(content) <= MAX_BYTES)
    except FileNotFoundError:
        raise ScenarioError(file, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError(file, [Problem("", "expected a file, got a directory")]) from None
    except ValueError:  # a NUL in the name, which no operating system accepts
        raise ScenarioError(
            file, [Problem("", "cannot read: the file name holds a NUL character (U+0000)")]
        ) from None
    except OSError as exc:
        raise ScenarioError(file, [Problem("", f"cannot read: {exc.strerror}")]) from None
    if problem is not None:
        raise ScenarioError(file, [problem])
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = content.rfind(b"\n", 0, exc.start) + 1
        line = content.count(b"\n", 0, exc.start) + 1
        column = len(content[start : exc.start].decode("utf-8", "replace")) + 1
        byte = content[exc.start]
        raise ScenarioError(
            file,
            [
                Problem(
                    "",
                    f"expected UTF-8 text, got byte 0x{byte:02X} at column {column}"
                    f" ({exc.reason}); save the file as UTF-8",
                    line,
                )
            ],
        ) from None


def export_scenario(name: str, dest_path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Copy a built-in scenario's YAML, comments included, to a file to edit.

    Parameters
    ----------
    name : str
        Built-in scenario name.
    dest_path : str or path-like
        File to write; if it is a directory, ``NAME.yaml`` inside it.
    overwrite : bool
        Replace an existing file; otherwise refuse.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    UnknownNameError
        If there is no such built-in.
    ScenarioExistsError
        If the file exists and ``overwrite`` is false.
    ScenarioError
        If the file cannot be written.

    """
    content = _builtin(name).read_bytes()
    dest = Path(dest_path)
    if dest.is_dir():
        dest = dest / f"{name}.yaml"
    try:
        with dest.open("wb" if overwrite else "xb") as handle:
            handle.write(content)
    except FileExistsError:
        raise ScenarioExistsError(
            f"{dest} already exists; pass overwrite=True to replace it"
        ) from None
    except OSError as exc:
        raise ScenarioError(str(dest), [Problem("", f"cannot write: {exc.strerror}")]) from None
    return dest


def _canonical(scenario: Scenario) -> str:
    # A scenario without faults hashes as it did before scenarios could have any.
    exclude = {"references"} if scenario.faults else {"references", "faults"}
    content = scenario.model_dump(mode="json", by_alias=True, exclude=exclude)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scenario_hash(scenario: Scenario) -> str:
    """Return a SHA-256 hex digest identifying a scenario's content.

    The digest covers every validated name, number and text (defaults
    filled in) in a canonical JSON form, so it does not change with key order,
    comments, number spelling (``1500`` or ``1500.0``) or whether numbers are
    written plain or sourced. It leaves out provenance (tags, sources, notes,
    ``references``): it identifies what a computation uses, not its citation.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.

    Returns
    -------
    str
        64 hex digits.

    """
    return hashlib.sha256(_canonical(scenario).encode("utf-8")).hexdigest()


def _leaves(model: BaseModel, path: KeyPath) -> list[tuple[KeyPath, Any, bool]]:
    """(path, value, given in the file) for every scalar of a model, in field order."""
    out: list[tuple[KeyPath, Any, bool]] = []
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        value = getattr(model, name)
        given = name in model.model_fields_set
        if isinstance(value, BaseModel):
            out += _leaves(value, (*path, key))
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    out += _leaves(item, (*path, key, index))
                else:
                    out.append(((*path, key, index), item, given))
        elif not isinstance(value, dict):
            out.append(((*path, key), value, given))
    return out


def scenario_sources(scenario: Scenario) -> list[SourceRow]:
    """List every number of a scenario with its unit, tag, source and note.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.

    Returns
    -------
    list of SourceRow
        One row per number (and per other value the file gives a source for),
        in file order of the fields. A number the file leaves out has the note
        ``schema default`` and no source.

    """
    rows = []
    for path, value, given in _leaves(scenario, ()):
        dotted = format_path(path)
        known = scenario.provenance.get(dotted)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number and known is None:
            continue
        field = next(part for part in reversed(path) if isinstance(part, str))
        if known is None:
            note = "" if given else "schema default"
            rows.append(SourceRow(dotted, value, unit_of(field), "", "", note))
            continue
        rows.append(
            SourceRow(
                dotted,
                value,
                unit_of(field),
                known.tag or "",
                known.source_key or known.source or "",
                known.note or "",
            )
        )
    return rows
