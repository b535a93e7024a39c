"""Where each number of a scenario comes from.

A number in a scenario file may be written plain or with its provenance::

    range_max_km: 1500
    range_max_km: {value: 1500, tag: estimate, source: nrc-2012, note: "fig. 5-8"}

and any mapping (a site, a sensor, a stage, ...) may carry its own ``tag``,
``source`` and ``note``, which then apply to every plain number inside it,
nested items included; a sourced number fills what it leaves out from the
nearest such item. :func:`strip_provenance` removes these annotations before
validation, so the validated objects hold plain numbers, and returns them as
:class:`Provenance` records keyed by dotted path (``sites[2].lat_deg``).

Tags say how far to trust a number: ``official`` (a government or
manufacturer statement), ``estimate`` (a published analyst estimate),
``press`` (a press report) and ``assumption`` (no source: the note says why
the value was chosen). ``O``, ``E``, ``P`` and ``A`` are accepted and stored
in the long form.

A ``source`` with no spaces and no capital letters (``nrc-2012``) names a
key of the scenario's ``references``; anything else (``"GeoNames"``,
``"public maps"``) is free text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

from jointshield.errors import Problem, closest, unknown_name_message
from jointshield.scenario.yamlio import KeyPath, format_path, line_of

__all__ = [
    "ITEM_KEYS",
    "SOURCED_KEYS",
    "TAGS",
    "Provenance",
    "Tag",
    "normalize_tag",
    "strip_provenance",
    "unit_of",
]

Tag = Literal["official", "estimate", "press", "assumption"]
"""How a number is known: the four provenance tags."""

TAGS: tuple[Tag, ...] = get_args(Tag)
_TAG_LETTERS: dict[str, Tag] = {tag[0]: tag for tag in TAGS}

ITEM_KEYS = ("tag", "source", "note")
"""Keys that any mapping may carry to give provenance to its plain numbers."""

SOURCED_KEYS = ("value", *ITEM_KEYS)
"""Keys of a sourced value, ``{value: 1500, tag: estimate, source: ..., note: ...}``."""

_REFERENCE_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value of a scenario comes from.

    Parameters
    ----------
    path : str
        Dotted key path of the value, e.g. ``sites[2].lat_deg``.
    value : float, int, str or bool
        The value as written in the file (in the file's unit, named by the key).
    tag : {'official', 'estimate', 'press', 'assumption'} or None
        How the value is known; None where the file gives no tag.
    source : str or None
        The citation: the text of the ``references`` entry that ``source_key``
        names, or the free text written in the file.
    source_key : str or None
        The key into the scenario's ``references``, when the source names one.
    note : str or None
        Remarks, e.g. the page, or why an assumed value was chosen.
    line : int or None
        1-based line of the value in the file.

    """

    path: str
    value: float | int | str | bool
    tag: Tag | None = None
    source: str | None = None
    source_key: str | None = None
    note: str | None = None
    line: int | None = None


def normalize_tag(text: str) -> Tag | None:
    """Return the long form of a tag (``'E'`` -> ``'estimate'``), None if unknown."""
    key = text.strip().lower()
    if key in _TAG_LETTERS:
        return _TAG_LETTERS[key]
    for tag in TAGS:
        if key == tag:
            return tag
    return None


# Units of the file's numbers, read from the key name (longest suffix first).
_UNIT_BY_NAME = {
    "pk": "1",
    "p_detect": "1",
    "availability": "1",
    "drag_coefficient": "1",
    "population": "people",
    "rounds": "rounds",
    "count": "missiles",
}
_UNIT_BY_SUFFIX = (
    ("_kg_m2", "kg/m²"),
    ("_kms", "km/s"),
    ("_mrad", "mrad"),
    ("_deg", "deg"),
    ("_km", "km"),
    ("_m2", "m²"),
    ("_kg", "kg"),
    ("_m", "m"),
    ("_s", "s"),
)


def unit_of(key: str) -> str:
    """Return the unit that a scenario key carries in its name.

    Parameters
    ----------
    key : str
        A field name such as ``range_max_km`` or ``reentry_ballistic_coefficient_kg_m2``.

    Returns
    -------
    str
        ``'km'``, ``'kg/m²'``, ``'1'`` for probabilities and other pure numbers,
        or ``''`` when the name carries no unit.

    """
    if key in _UNIT_BY_NAME:
        return _UNIT_BY_NAME[key]
    for suffix, unit in _UNIT_BY_SUFFIX:
        if key.endswith(suffix):
            return unit
    return ""


@dataclass(frozen=True, slots=True)
class _Given:
    """Provenance in force at some point of the document (inherited by nesting)."""

    tag: Tag | None = None
    source: str | None = None
    source_key: str | None = None
    note: str | None = None

    def empty(self) -> bool:
        return self.tag is None and self.source is None and self.note is None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Stripper:
    """One pass over a document: remove provenance, record it, collect problems."""

    def __init__(self, lines: Mapping[KeyPath, int], references: Mapping[str, str]) -> None:
        self.lines = lines
        self.references = references
        self.found: dict[str, Provenance] = {}
        self.problems: list[Problem] = []

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(format_path(path), message, line_of(self.lines, path)))

    def given(self, mapping: Mapping[str, Any], path: KeyPath, base: _Given) -> _Given:
        """Read ``tag``/``source``/``note`` of one mapping on top of ``base``."""
        out = base
        if "tag" in mapping:
            raw = mapping["tag"]
            tag = normalize_tag(raw) if isinstance(raw, str) else None
            if tag is None:
                guess = closest(str(raw), TAGS)
                hint = f"; did you mean {guess!r}?" if guess else ""
                self.problem(
                    (*path, "tag"),
                    f"unknown tag {raw!r}{hint} (expected official, estimate, press or "
                    "assumption, or O, E, P, A)",
                )
            else:
                out = replace(out, tag=tag)
        if "source" in mapping:
            raw = mapping["source"]
            if not isinstance(raw, str) or not raw.strip():
                self.problem((*path, "source"), f"expected a source as text, got {raw!r}")
            elif _REFERENCE_KEY.fullmatch(raw):
                if raw in self.references:
                    out = replace(out, source=self.references[raw], source_key=raw)
                elif self.references:
                    self.problem(
                        (*path, "source"),
                        unknown_name_message("reference", raw, self.references)
                        + "; add it under 'references', or write the source as free text",
                    )
                else:
                    self.problem(
                        (*path, "source"),
                        f"unknown reference {raw!r}: the file has no 'references'; "
                        "add it there, or write the source as free text",
                    )
            else:
                out = replace(out, source=raw.strip(), source_key=None)
        if "note" in mapping:
            raw = mapping["note"]
            if not isinstance(raw, str):
                self.problem((*path, "note"), f"expected a note as text, got {raw!r}")
            else:
                out = replace(out, note=raw.strip())
        return out

    def record(self, path: KeyPath, value: Any, given: _Given) -> None:
        self.found[format_path(path)] = Provenance(
            path=format_path(path),
            value=value,
            tag=given.tag,
            source=given.source,
            source_key=given.source_key,
            note=given.note,
            line=line_of(self.lines, path),
        )

    def walk(self, obj: Any, path: KeyPath, inherited: _Given) -> Any:
        if isinstance(obj, dict):
            if "value" in obj:
                return self.sourced(obj, path, inherited)
            here = self.given(obj, path, inherited)
            return {
                key: self.walk(value, (*path, key), here)
                for key, value in obj.items()
                if key not in ITEM_KEYS
            }
        if isinstance(obj, list):
            return [self.walk(item, (*path, index), inherited) for index, item in enumerate(obj)]
        if _is_number(obj) and not inherited.empty():
            self.record(path, obj, inherited)
        return obj

    def sourced(self, obj: dict[str, Any], path: KeyPath, inherited: _Given) -> Any:
        for key in obj:
            if key not in SOURCED_KEYS:
                guess = closest(key, SOURCED_KEYS)
                hint = f"; did you mean {guess!r}?" if guess else ""
                self.problem(
                    (*path, key),
                    f"unknown key {key!r} in a sourced value{hint} "
                    f"(expected {', '.join(SOURCED_KEYS)})",
                )
        value = obj["value"]
        if isinstance(value, dict | list):
            kind = "a mapping" if isinstance(value, dict) else "a list"
            self.problem((*path, "value"), f"expected a single number or text, got {kind}")
            return value
        self.record(path, value, self.given(obj, path, inherited))
        return value


def strip_provenance(
    data: Any, lines: Mapping[KeyPath, int], references: Mapping[str, str]
) -> tuple[Any, dict[str, Provenance], list[Problem]]:
    """Remove sourced-value mappings and item provenance from raw scenario data.

    Parameters
    ----------
    data : object
        The document as read by :func:`~jointshield.scenario.yamlio.read_yaml`.
        Its ``references`` mapping is left untouched.
    lines : mapping
        Key path to 1-based line.
    references : mapping of str to str
        Citation keys of the document, against which ``source`` keys resolve.

    Returns
    -------
    plain : object
        The same data with every ``{value: ...}`` replaced by its value and
        the ``tag``/``source``/``note`` keys of items removed.
    provenance : dict of str to Provenance
        For every value that has a tag, a source or a note (its own or
        inherited), keyed by dotted path.
    problems : list of Problem
        Unknown tags, unknown reference keys and malformed sourced values.

    """
    stripper = _Stripper(lines, references)
    if isinstance(data, dict):
        top = stripper.given(data, (), _Given())
        plain: Any = {
            key: value if key == "references" else stripper.walk(value, (key,), top)
            for key, value in data.items()
            if key not in ITEM_KEYS
        }
    else:
        plain = stripper.walk(data, (), _Given())
    return plain, stripper.found, stripper.problems
