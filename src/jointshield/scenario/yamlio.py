"""YAML reading that remembers where every key came from.

PyYAML's :class:`yaml.SafeLoader` forgets line numbers once it has built
Python objects. :class:`LineLoader` keeps them: it composes the node graph,
then builds plain Python data (dicts, lists, scalars) while recording the
1-based line of every mapping key and every list item under its key path,
e.g. ``("sensors", 3, "range_max_km") -> 42``. Errors in a scenario can then
say ``my.yaml:42 sensors[3].range_max_km: ...``.

It also reports what PyYAML silently accepts: a key given twice in one
mapping (the second would win), keys that are not text, and recursive
aliases.

Plain scalars are read as a person means them, by the core schema of YAML 1.2
(YAML 1.2.2, §10.3.2) rather than the YAML 1.1 types that PyYAML follows:

* integers are decimal, ``[-+]?[0-9]+`` (so ``010`` is ten, not eight), or
  ``0o17`` (octal) and ``0x1F`` (hexadecimal);
* floats are digits with a point, an exponent or both (``1.5``, ``.5``, ``1.``,
  ``1e-5``, ``-2E3``; YAML 1.1 reads ``1e-5`` as text), or ``.inf``, ``-.inf``,
  ``.nan`` (also spelt ``.Inf``/``.INF``, ``.NaN``/``.NAN``);
* booleans are only ``true``/``True``/``TRUE`` and ``false``/``False``/``FALSE``;
* null is ``null``/``Null``/``NULL``, ``~`` or nothing at all.

Anything else is text: ``1:30`` (YAML 1.1's base-60 ninety), ``1_000``, ``yes``,
``no``, ``on``, ``off`` and dates stay strings, which the strict scenario schema
then reports at their line and key (``expected a number, got '1:30'``). The
``<<`` merge key of YAML 1.1 is still understood.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from jointshield.errors import Problem

__all__ = ["KeyPath", "LineLoader", "format_path", "line_of", "read_yaml"]

KeyPath = tuple[str | int, ...]
"""Where a value sits in a document: mapping keys and 0-based list indices."""


def format_path(path: KeyPath) -> str:
    """Return a key path as text, e.g. ``sensors[3].range_max_km``.

    Parameters
    ----------
    path : tuple of str and int
        Mapping keys (str) and 0-based list indices (int).

    Returns
    -------
    str
        Dotted keys with ``[i]`` for indices, the way Python would reach the
        value on a loaded scenario (``scenario.sensors[3].range_max_km``).

    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    """Return the line of ``path``, or of its nearest recorded ancestor.

    Parameters
    ----------
    lines : mapping
        Key path to 1-based line, as recorded by :func:`read_yaml`.
    path : tuple of str and int
        The key path asked for; a missing key falls back to the line of the
        mapping that should have held it.

    Returns
    -------
    int or None
        1-based line number, None if nothing on the way is known.

    """
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


class LineLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that builds data and records key lines.

    Use :func:`read_yaml` rather than this class directly.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self._active: set[int] = set()

    def build(self) -> Any:
        """Compose the single document and build it, recording lines.

        Returns
        -------
        object
            Plain Python data (dict, list, str, int, float, bool, None, ...);
            None for an empty document.

        """
        node = self.get_single_node()
        if node is None:
            return None
        self.lines[()] = node.start_mark.line + 1
        return self._build(node, ())

    def _build(self, node: yaml.Node, path: KeyPath) -> Any:
        if id(node) in self._active:
            self.problems.append(
                Problem(format_path(path), "recursive alias", node.start_mark.line + 1)
            )
            return None
        if isinstance(node, yaml.MappingNode):
            self._active.add(id(node))
            try:
                return self._build_mapping(node, path)
            finally:
                self._active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self._active.add(id(node))
            try:
                out = []
                for index, item in enumerate(node.value):
                    self.lines[(*path, index)] = item.start_mark.line + 1
                    out.append(self._build(item, (*path, index)))
                return out
            finally:
                self._active.discard(id(node))
        return self.construct_object(node, deep=True)

    def _build_mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        explicit = {id(key) for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"}
        self.flatten_mapping(node)  # resolves '<<' merge keys, merged entries first
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                self.problems.append(
                    Problem(
                        format_path(path),
                        f"expected text as a key, got {key!r} (put it in quotes)",
                        line,
                    )
                )
                key = str(key)
            if id(key_node) in explicit:
                if key in first_line:
                    self.problems.append(
                        Problem(
                            format_path((*path, key)),
                            f"duplicate key {key!r} (first given at line {first_line[key]})",
                            line,
                        )
                    )
                else:
                    first_line[key] = line
            self.lines[(*path, key)] = line
            out[key] = self._build(value_node, (*path, key))
        return out


# The YAML 1.2 core schema (YAML 1.2.2, §10.3.2): the forms of each type's plain scalars.
_CORE = "tag:yaml.org,2002:"
_BOOLEANS: dict[str, bool] = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_DECIMAL_FORM = r"[-+]?[0-9]+"
_OCTAL_FORM = r"0o[0-7]+"
_HEX_FORM = r"0x[0-9a-fA-F]+"
_REAL_FORM = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
_INF_FORM = r"[-+]?(?:\.inf|\.Inf|\.INF)"
_NAN_FORM = r"\.nan|\.NaN|\.NAN"


def _whole(*forms: str) -> re.Pattern[str]:
    """Compile a pattern for a whole scalar of one of ``forms`` (``match`` anchors the start)."""
    return re.compile("(?:" + "|".join(forms) + r")\Z")


_NULL = _whole("null|Null|NULL|~|")
_BOOL = _whole(*_BOOLEANS)
_DECIMAL, _OCTAL, _HEX = _whole(_DECIMAL_FORM), _whole(_OCTAL_FORM), _whole(_HEX_FORM)
_INT = _whole(_DECIMAL_FORM, _OCTAL_FORM, _HEX_FORM)
_REAL, _INF, _NAN = _whole(_REAL_FORM), _whole(_INF_FORM), _whole(_NAN_FORM)
_FLOAT = _whole(_REAL_FORM, _INF_FORM, _NAN_FORM)


def _text(loader: yaml.SafeLoader, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ConstructorError(None, None, f"expected {what}, got a collection", node.start_mark)
    return str(loader.construct_scalar(node))


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    """Build a core-schema integer: decimal (``010`` is ten), ``0o`` octal or ``0x`` hex."""
    text = _text(loader, node, "an integer")
    if _DECIMAL.match(text):
        return int(text, 10)
    if _OCTAL.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    raise ConstructorError(None, None, f"expected an integer, got {text!r}", node.start_mark)


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    """Build a core-schema float: ``1.5``, ``.5``, ``1e-5``, ``.inf``, ``-.inf``, ``.nan``."""
    text = _text(loader, node, "a number")
    if _REAL.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    raise ConstructorError(None, None, f"expected a number, got {text!r}", node.start_mark)


def _construct_bool(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    """Build a core-schema boolean: ``true``/``false`` as such, capitalised or in capitals."""
    text = _text(loader, node, "true or false")
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    raise ConstructorError(None, None, f"expected true or false, got {text!r}", node.start_mark)


def _use_core_schema(loader: type[yaml.SafeLoader]) -> None:
    """Make ``loader`` resolve and build plain scalars by the core schema alone."""
    loader.yaml_implicit_resolvers = {}  # the YAML 1.1 resolvers are not inherited
    for tag, pattern, first in (
        ("null", _NULL, ["~", "n", "N", ""]),
        ("bool", _BOOL, list("tTfF")),
        ("int", _INT, list("-+0123456789")),  # before float, which also matches "10"
        ("float", _FLOAT, list("-+.0123456789")),
        ("merge", _whole("<<"), ["<"]),  # YAML 1.1 merge keys, expanded by flatten_mapping
    ):
        loader.add_implicit_resolver(_CORE + tag, pattern, first)
    loader.add_constructor(_CORE + "int", _construct_int)
    loader.add_constructor(_CORE + "float", _construct_float)
    loader.add_constructor(_CORE + "bool", _construct_bool)


_use_core_schema(LineLoader)


def read_yaml(text: str) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """Parse one YAML document, keeping the line of every key and item.

    Parameters
    ----------
    text : str
        The YAML text.

    Returns
    -------
    data : object
        Plain Python data; None for an empty document.
    lines : dict
        Key path to 1-based line of the key (or list item).
    problems : list of Problem
        Duplicate keys, non-text keys and recursive aliases, each with a line.
        A syntax error is returned here too (with ``data`` None), never raised.

    """
    loader = LineLoader(text)
    try:
        data = loader.build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "malformed YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        line = mark.line + 1 if mark is not None else None
        return None, {}, [Problem("", f"invalid YAML: {what}", line)]
    except yaml.YAMLError as exc:
        return None, {}, [Problem("", f"invalid YAML: {exc}", None)]
    finally:
        loader.dispose()
    return data, loader.lines, loader.problems
