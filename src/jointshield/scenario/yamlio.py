"""YAML reading that remembers where every key came from.

PyYAML's :class:`yaml.SafeLoader` forgets line numbers once it has built
Python objects. :class:`LineLoader` keeps them: it composes the node graph,
then builds plain Python data (dicts, lists, scalars) while recording the
1-based line of every mapping key and every list item under its key path,
e.g. ``("sensors", 3, "range_max_km") -> 42``. Errors in a scenario can then
say ``my.yaml:42 sensors[3].range_max_km: ...``.

It also reports what PyYAML silently accepts: a key given twice in one
mapping (the second would win), keys that are not text, and recursive
aliases. And it reads ``1e-5`` and ``2E3`` as numbers, as YAML 1.2 does
(YAML 1.1, which PyYAML follows, wants ``1.0e-5`` and reads ``1e-5`` as text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

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


# Exponent notation without a decimal point (``1e-5``), which YAML 1.1 reads as text.
LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


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
