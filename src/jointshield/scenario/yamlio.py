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

A scenario is written by hand, so what no person writes is refused, as a
located problem and in bounded time and memory, before it can hang the reader
or exhaust memory: text over :data:`MAX_BYTES`, control characters (tab and
line breaks aside), collections nested deeper than :data:`MAX_DEPTH`, more than
:data:`MAX_NODES` values (counting every value an alias brings in, so that an
alias "bomb" stops at the first alias over the bound), a list or mapping as a
mapping key, and tags. The only tags understood are the core schema's own, on
a node of their kind: ``!!str``, ``!!int``, ``!!float``, ``!!bool`` and
``!!null`` on scalars, ``!!seq`` on lists and ``!!map`` on mappings; any other
(``!!python/object/apply:...``, ``!!binary``, ``!local``, ``!``) is reported at
its line. Depth and count are checked while the text is parsed, so neither a
deep file nor a deep chain of aliases can recurse without bound.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import Reader

from jointshield.errors import Problem

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "KeyPath",
    "LineLoader",
    "format_path",
    "line_of",
    "read_yaml",
    "text_size_problem",
]

MAX_BYTES = 1_000_000
"""Largest scenario text read, in bytes of UTF-8 (1 MB; a built-in is about 30 kB)."""

MAX_DEPTH = 32
"""Deepest nesting of lists and mappings read (a built-in nests 6 deep)."""

MAX_NODES = 50_000
"""Most values (keys included, aliases expanded) in one document (a built-in holds about 2,000)."""

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


class _Refused(Exception):
    """Reading stops: the text is beyond what a hand-written scenario holds."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


_CORE_TAGS: dict[type[yaml.Event], frozenset[str]] = {
    yaml.ScalarEvent: frozenset(
        f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")
    ),
    yaml.SequenceStartEvent: frozenset({"tag:yaml.org,2002:seq"}),
    yaml.MappingStartEvent: frozenset({"tag:yaml.org,2002:map"}),
}
_KIND = {yaml.ScalarEvent: "a value", yaml.SequenceStartEvent: "a list"}


def _tag_as_written(tag: str) -> str:
    """Return a resolved tag in its short form: ``!!int``, ``!local`` or ``!<uri>``."""
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag.removeprefix("tag:yaml.org,2002:")
    return tag if tag.startswith("!") else f"!<{tag}>"


def _line(mark: Any) -> int | None:
    """Return the 1-based line of a PyYAML mark, None if there is none."""
    return None if mark is None else int(mark.line) + 1


class LineLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that builds data and records key lines.

    Use :func:`read_yaml` rather than this class directly: it also refuses
    oversized text and control characters before parsing.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self._active: set[int] = set()
        self._depth = 0  # collections open while composing
        self._composed = 0  # nodes composed
        self._built = 0  # values built, aliases expanded
        self._sizes: dict[int, int] = {}  # id of a built collection -> values it built

    # Composing: bounded depth and count, no tags, no collections as keys.

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, refusing what no hand-written scenario holds.

        Parameters
        ----------
        parent : yaml.Node or None
            The collection the node is in; None for the document's root.
        index : object
            Its index in a list, the key node of its value in a mapping, or
            None for a mapping key (or the root).

        Returns
        -------
        yaml.Node or None
            The node, its children composed.

        """
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if is_key and not isinstance(node, yaml.ScalarNode):
                self._refuse_key(node, event.start_mark)
            return node
        self._composed += 1
        if self._composed > MAX_NODES:
            raise _Refused(
                Problem(
                    "",
                    f"more than {MAX_NODES:,} values in one document; a hand-written"
                    " scenario holds a few thousand",
                    _line(event.start_mark),
                )
            )
        self._check_tag(event)
        collection = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if is_key and collection:
            self._refuse_key(event, event.start_mark)
        if not collection:
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                Problem(
                    "",
                    f"lists and mappings nested more than {MAX_DEPTH} deep (column"
                    f" {event.start_mark.column + 1}); a scenario nests a few levels",
                    _line(event.start_mark),
                )
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _check_tag(self, event: yaml.Event) -> None:
        """Report an explicit tag other than the core schema's own, and drop it."""
        tag = getattr(event, "tag", None)
        if tag is None:
            return
        allowed = _CORE_TAGS.get(type(event), frozenset())
        if tag in allowed:
            return
        written = _tag_as_written(tag)
        kind = _KIND.get(type(event), "a mapping")
        self.problems.append(
            Problem(
                "",
                f"tag {written!r} on {kind} is not allowed: a scenario is plain YAML without tags",
                _line(event.start_mark),
            )
        )
        event.tag = None  # type: ignore[attr-defined]  # read on as if untagged

    def _refuse_key(self, node: object, mark: Any) -> NoReturn:
        """Stop at a list or mapping used as a mapping key."""
        mapping = isinstance(node, yaml.MappingNode | yaml.MappingStartEvent)
        got = "a mapping" if mapping else "a list"
        raise _Refused(Problem("", f"expected text as a key, got {got}", _line(mark)))

    # Building: plain data with lines, aliases counted as they expand.

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

    def _count(self, count: int, path: KeyPath) -> None:
        self._built += count
        if self._built > MAX_NODES:
            raise _Refused(
                Problem(
                    format_path(path),
                    f"more than {MAX_NODES:,} values once aliases are expanded; a"
                    " hand-written scenario holds a few thousand",
                    line_of(self.lines, path),
                )
            )

    def _build(self, node: yaml.Node, path: KeyPath) -> Any:
        if id(node) in self._active:
            self.problems.append(
                Problem(format_path(path), "recursive alias", node.start_mark.line + 1)
            )
            return None
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._count(1, path)
            return self.construct_object(node, deep=True)
        if len(path) >= MAX_DEPTH:  # only aliases reach here: composing bounds the text
            raise _Refused(
                Problem(
                    format_path(path),
                    f"lists and mappings nested more than {MAX_DEPTH} deep once aliases"
                    " are expanded; a scenario nests a few levels",
                    line_of(self.lines, path),
                )
            )
        known = self._sizes.get(id(node))
        if known is not None and self._built + known > MAX_NODES:
            raise _Refused(
                Problem(
                    format_path(path),
                    f"this alias brings in {known:,} values, which takes the document past"
                    f" the {MAX_NODES:,} values it may hold with its aliases expanded; a"
                    " hand-written scenario holds a few thousand",
                    line_of(self.lines, path),
                )
            )
        before = self._built
        self._count(1, path)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                out: Any = self._build_mapping(node, path)
            else:
                out = []
                for index, item in enumerate(node.value):
                    self.lines[(*path, index)] = item.start_mark.line + 1
                    out.append(self._build(item, (*path, index)))
        finally:
            self._active.discard(id(node))
        self._sizes[id(node)] = self._built - before
        return out

    def _build_mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        explicit = {id(key) for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"}
        self.flatten_mapping(node)  # resolves '<<' merge keys, merged entries first
        self._count(len(node.value), path)  # the keys, merged ones included
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


_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # line breaks as PyYAML counts them
_MAX_LISTED = 5


def _where(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``offset`` in ``text``, as PyYAML counts lines."""
    line, start = 1, 0
    for match in _BREAK.finditer(text, 0, offset):
        line, start = line + 1, match.end()
    return line, offset - start + 1


def _character(char: str) -> str:
    """Name a character a scenario may not hold, e.g. ``control character U+0000``."""
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char) == "Cc":
        return f"control character {code}"
    if unicodedata.category(char) == "Cs":
        return f"lone surrogate {code}"
    return f"non-character {code}"


def _unprintable(text: str) -> list[Problem]:
    """Report the characters YAML forbids (control characters but tab and line breaks)."""
    found = list(zip(range(_MAX_LISTED + 1), Reader.NON_PRINTABLE.finditer(text), strict=False))
    problems = []
    for _, match in found[:_MAX_LISTED]:
        line, column = _where(text, match.start())
        problems.append(
            Problem(
                "",
                f"{_character(match.group())} at column {column} is not allowed: a scenario"
                " is text, with tabs and line breaks but no other control characters",
                line,
            )
        )
    if len(found) > _MAX_LISTED:
        line, _ = _where(text, found[_MAX_LISTED][1].start())
        problems.append(
            Problem("", "more such characters from here on; only the first are listed", line)
        )
    return problems


def text_size_problem(size: int, exact: bool = True) -> Problem | None:
    """Return the problem of a scenario text of ``size`` bytes, or None if it may be read.

    Parameters
    ----------
    size : int
        Size of the text in bytes (of UTF-8); or a lower bound, see ``exact``.
    exact : bool
        Whether ``size`` is the size itself rather than a lower bound.

    Returns
    -------
    Problem or None
        A problem at line 1 naming the size and :data:`MAX_BYTES`, if over it.

    """
    if size <= MAX_BYTES:
        return None
    measured = f"{size:,} bytes" if exact else f"more than {MAX_BYTES:,} bytes"
    return Problem(
        "",
        f"the file is {measured}, over the limit of {MAX_BYTES:,} bytes (1 MB) for a"
        " scenario; a hand-written scenario is tens of kB",
        1,
    )


def read_yaml(text: str) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """Parse one YAML document, keeping the line of every key and item.

    Parameters
    ----------
    text : str
        The YAML text, at most :data:`MAX_BYTES` bytes as UTF-8.

    Returns
    -------
    data : object
        Plain Python data; None for an empty document.
    lines : dict
        Key path to 1-based line of the key (or list item).
    problems : list of Problem
        Duplicate keys, non-text keys, recursive aliases and tags, each with a
        line. A syntax error, or text beyond the limits (size, control
        characters, depth, number of values), is returned here too (with
        ``data`` None), never raised.

    """
    too_big = text_size_problem(len(text), exact=False)  # a character is 1 to 4 bytes
    if too_big is None:
        too_big = text_size_problem(len(text.encode("utf-8", "surrogatepass")))
    if too_big is not None:
        return None, {}, [too_big]
    unprintable = _unprintable(text)
    if unprintable:
        return None, {}, unprintable
    loader = LineLoader(text)
    try:
        data = loader.build()
    except _Refused as exc:
        return None, {}, [exc.problem]
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
