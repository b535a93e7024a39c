"""A hostile or careless scenario file gives a located ScenarioError, never a traceback or a hang.

Every limit of the reader (size, control characters, depth, values with their
aliases expanded, tags) is checked before the work it guards, so each test
here is bounded by construction: no test measures time.
"""

from __future__ import annotations

import re
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointshield.errors import ScenarioError
from jointshield.scenario import (
    Scenario,
    builtin_names,
    builtin_path,
    load_scenario,
    parse_scenario,
    scenario_hash,
)
from jointshield.scenario.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES, read_yaml

BUILTINS = {name: builtin_path(name).read_text(encoding="utf-8") for name in builtin_names()}
TEXT = BUILTINS["europe-2011"]

# Nine anchors of nine aliases: 9**9 strings once expanded.
LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def _refusal(text: str, file: str = "f.yaml") -> ScenarioError:
    """Parse ``text`` expecting a ScenarioError, and return it."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file)
    return info.value


def _located(error: ScenarioError, file: str) -> None:
    """Assert that every problem of ``error`` names ``file`` and a line."""
    assert error.file == file
    assert error.problems
    assert all(problem.line is not None for problem in error.problems), str(error)
    assert re.search(re.escape(file) + r":\d+", str(error))


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("europe-2011", "c94f3a3b"),
        ("europe-2013", "f913c27e"),
        ("europe-2018", "f874411c"),
        ("europe-north", "2986c41a"),
    ],
)
def test_builtins_load_as_before(name: str, prefix: str) -> None:
    """The built-in scenarios are within every limit and keep their content hash."""
    assert scenario_hash(load_scenario(name)).startswith(prefix)
    data, _, problems = read_yaml(BUILTINS[name])
    assert problems == [] and isinstance(data, dict)


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x80", "\x9f", "\ufffe"],
)
def test_a_control_character_is_named_at_its_line_and_column(char: str) -> None:
    """A control character anywhere is refused at its line and column, named by its code point."""
    lines = TEXT.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[row] = lines[row][:4] + char + lines[row][4:]
    error = _refusal("".join(lines))
    code = f"U+{ord(char):04X}"
    assert str(error).startswith(f"f.yaml:{row + 1}: ")
    assert f"{code} at column 5 is not allowed" in str(error)


def test_many_control_characters_are_listed_briefly() -> None:
    """A file full of control characters lists the first few, each located, not all of them."""
    error = _refusal("a: 1\n" + "\x00" * 100_000)
    assert len(error.problems) == 6
    _located(error, "f.yaml")


def test_tab_and_line_breaks_are_text() -> None:
    """Tabs in comments and CRLF line ends are no control characters to refuse."""
    text = TEXT.replace("\n", "\r\n").replace("# ", "#\t", 3)
    assert scenario_hash(parse_scenario(text)) == scenario_hash(parse_scenario(TEXT))


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are refused at the line and column of the first of them."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"schema: jointshield/scenario-1\ntitle: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:2: expected UTF-8 text, got byte 0xE9 at column 11")


def test_a_utf16_file_is_refused_at_its_first_byte(tmp_path: Path) -> None:
    """A file saved as UTF-16 is not UTF-8: refused at line 1, column 1."""
    path = tmp_path / "utf16.yaml"
    path.write_text(TEXT, encoding="utf-16")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "got byte 0xFF at column 1" in str(info.value)
    _located(info.value, str(path))


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 100_000,
        "x: " + "{a: " * 100_000,
        "x: " + "[" * 50_000 + "]" * 50_000,
        "".join(" " * i + "- \n" for i in range(500)),
        "".join(" " * i + "a:\n" for i in range(500)),
    ],
    ids=["flow-lists", "flow-mappings", "closed-lists", "block-lists", "block-mappings"],
)
def test_deep_nesting_is_refused_while_parsing(text: str) -> None:
    """Nesting beyond the depth limit is refused at its line, however deep the file goes."""
    error = _refusal(text)
    assert f"nested more than {MAX_DEPTH} deep" in str(error)
    _located(error, "f.yaml")


def test_the_depth_limit_is_exact() -> None:
    """MAX_DEPTH levels of lists read; one more is refused."""
    data, _, problems = read_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert problems == [] and isinstance(data, list)
    data, _, problems = read_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert data is None and "nested more than" in problems[0].message


def test_aliases_cannot_nest_beyond_the_depth_limit() -> None:
    """A chain of anchors, each nesting the last, is refused once it builds too deep a value."""
    body = "a0: &a0 " + "[" * 30 + "1" + "]" * 30 + "\n"
    for i in range(1, 500):
        body += f"a{i}: &a{i} " + "[" * 29 + f"*a{i - 1}" + "]" * 29 + "\n"
    error = _refusal(body)
    assert "nested more than 32 deep once aliases are expanded" in str(error)
    _located(error, "f.yaml")


def test_a_billion_laughs_stops_at_the_alias_past_the_bound() -> None:
    """Nine anchors of nine aliases are refused at an alias, in bounded memory."""
    tracemalloc.start()
    try:
        error = _refusal(LAUGHS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "this alias brings in" in str(error)
    assert f"{MAX_NODES:,} values" in str(error)
    _located(error, "f.yaml")
    assert peak < 64 * 2**20


def test_anchors_aliases_and_merge_keys_still_work() -> None:
    """Anchors, aliases and << merge keys within the bounds read as before."""
    data, lines, problems = read_yaml(
        "base: &b {x: 1, y: [1, 2]}\nother: *b\nitem:\n  <<: *b\n  z: 3\nname: &n text\ncopy: *n\n"
    )
    assert problems == []
    assert data["other"] == data["base"] == {"x": 1, "y": [1, 2]}
    assert data["item"] == {"x": 1, "y": [1, 2], "z": 3}
    assert data["copy"] == "text"
    assert lines[("item", "z")] == 5


def test_a_recursive_alias_is_still_reported() -> None:
    """An anchor used inside itself is a located problem, not an endless structure."""
    _, _, problems = read_yaml("a: &a [1, *a]\n")
    assert [(p.key, p.message, p.line) for p in problems] == [("a[1]", "recursive alias", 1)]


def test_text_over_the_size_limit_is_refused() -> None:
    """Text over MAX_BYTES is refused before parsing, naming the limit."""
    error = _refusal("#" * MAX_BYTES + "\n")
    assert "over the limit of 1,000,000 bytes (1 MB)" in str(error)
    _located(error, "f.yaml")


def test_the_size_limit_counts_utf8_bytes() -> None:
    """Text of fewer characters than the limit but more bytes of UTF-8 is refused, with its size."""
    text = "# " + "€" * (MAX_BYTES // 3) + "\n"
    assert len(text) < MAX_BYTES < len(text.encode("utf-8"))
    error = _refusal(text)
    assert f"the file is {len(text.encode('utf-8')):,} bytes" in str(error)


def test_a_file_at_the_size_limit_is_read() -> None:
    """A built-in padded with a comment to exactly MAX_BYTES still loads."""
    padding = MAX_BYTES - len(TEXT.encode("utf-8")) - 2
    text = TEXT + "#" + "x" * padding + "\n"
    assert len(text.encode("utf-8")) == MAX_BYTES
    assert scenario_hash(parse_scenario(text)) == scenario_hash(parse_scenario(TEXT))


def test_a_large_file_is_refused_from_its_size(tmp_path: Path) -> None:
    """A 50 MB file is refused from its size, before it is read."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # a sparse file: nothing to write, nothing to read
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:1: the file is 50,000,000 bytes, over the limit of 1,000,000 bytes (1 MB)"
        " for a scenario; a hand-written scenario is tens of kB"
    )


@pytest.mark.parametrize(
    "text",
    [
        "x: [" + "0, " * (MAX_NODES + 10) + "]\n",
        "x: {" + ", ".join(f"k{i}: 1" for i in range(MAX_NODES // 2 + 10)) + "}\n",
        "x:\n" + "- 0\n" * (MAX_NODES + 10),
    ],
    ids=["flow-list", "mapping", "block-list"],
)
def test_too_many_values_are_refused_while_parsing(text: str) -> None:
    """More than MAX_NODES values under one key are refused at the line that passes the bound."""
    assert len(text.encode("utf-8")) <= MAX_BYTES
    error = _refusal(TEXT + text)
    assert f"more than {MAX_NODES:,} values in one document" in str(error)
    _located(error, "f.yaml")


@pytest.mark.parametrize(
    "name",
    ["scenarios/bad\x00name.yaml", Path("bad\x00name.yaml"), "dir/\x00"],
    ids=["str", "path", "bare"],
)
def test_a_file_name_with_a_nul_is_a_clear_error(name: str | Path) -> None:
    """A file name holding a NUL is a ScenarioError saying so, the NUL shown escaped."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    message = str(info.value)
    assert "\x00" not in message
    assert "\\x00" in message and "NUL character (U+0000)" in message


def test_an_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    """A path under a file, or a name too long, is a ScenarioError, not an OSError."""
    (tmp_path / "file.yaml").write_text(TEXT, encoding="utf-8")
    for path in (tmp_path / "file.yaml" / "x.yaml", tmp_path / ("x" * 1000 + ".yaml")):
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(info.value).startswith(f"{path}: cannot read: ")


TAGS = [
    "!!python/object/apply:os.system",
    "!!python/name:os.system",
    "!foo",
    "!",
    "!!binary",
    "!!set",
    "!!timestamp",
    "!<tag:example.com,2024:thing>",
]


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize(
    ("node", "kind"),
    [("1500", "a value"), ("[1, 2]", "a list"), ("{a: 1}", "a mapping")],
    ids=["scalar", "list", "mapping"],
)
def test_a_tag_is_refused_on_any_node(tag: str, node: str, kind: str) -> None:
    """A tag not the core schema's own is refused at its line, on a value, a list or a mapping."""
    text = TEXT.replace("parties:", f"extra: {tag} {node}\nparties:", 1)
    line = TEXT[: TEXT.index("parties:")].count("\n") + 1
    error = _refusal(text)
    expected = f"f.yaml:{line}: tag {tag!r} on {kind} is not allowed"
    assert any(row.startswith(expected) for row in str(error).splitlines()), str(error)


def test_a_tag_shorthand_from_a_directive_is_refused() -> None:
    """A %TAG directive cannot smuggle a tag in under the !! shorthand."""
    text = "%TAG !! tag:example.com,2024:\n---\n" + TEXT.replace("parties:", "x: !!int 1\nparties:")
    error = _refusal(text)
    assert "tag '!<tag:example.com,2024:int>' on a value is not allowed" in str(error)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a: !!str 10\n", {"a": "10"}),
        ("a: !!int 10\n", {"a": 10}),
        ("a: !!float 1\n", {"a": 1.0}),
        ("a: !!bool true\n", {"a": True}),
        ("a: !!null\n", {"a": None}),
        ("a: !!seq [1]\n", {"a": [1]}),
        ("a: !!map {b: 1}\n", {"a": {"b": 1}}),
    ],
    ids=["str", "int", "float", "bool", "null", "seq", "map"],
)
def test_the_core_tags_on_their_own_kind_are_understood(text: str, data: object) -> None:
    """The core schema's explicit tags, on a node of their kind, mean what the plain form means."""
    assert read_yaml(text)[::2] == (data, [])


@pytest.mark.parametrize(
    ("text", "kind"),
    [("a: !!int [1]\n", "a list"), ("a: !!seq {b: 1}\n", "a mapping"), ("a: !!map 1\n", "a value")],
)
def test_a_core_tag_on_the_wrong_kind_is_refused(text: str, kind: str) -> None:
    """A core tag on a node of another kind (!!int on a list) is refused, not ignored."""
    _, _, problems = read_yaml(text)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (1, f"tag {text.split()[1]!r} on {kind} is not allowed")
    ]


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}", "*k"])
def test_a_collection_as_a_key_is_refused(key: str) -> None:
    """A list or mapping as a mapping key is refused at its line, before it is built."""
    _, _, problems = read_yaml(f"k: &k [1]\n? {key}\n: 1\n")
    assert [(p.line, p.message) for p in problems] == [(2, problems[0].message)]
    assert problems[0].message.startswith("expected text as a key, got a ")


# Property test: mutations of the built-in scenarios.

CONTROL = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85\x00", "\x9b", "\ufffe", "\ud800"])
SNIPPETS = st.sampled_from(
    [
        "&a ",
        "*a ",
        "&a [1, 2] ",
        "<<: *a\n",
        "? [a]\n: 1\n",
        "!!python/object/apply:os.system ",
        "!!python/object/apply:os.system [ls]\n",
        "!foo ",
        "! ",
        "!!binary ",
        "!!int ",
        "!!seq ",
        "%TAG !! tag:example.com,2024:\n---\n",
        "---\n",
        "...\n",
        "{",
        "}",
        "[",
        "]",
        ": ",
        "- ",
        "null",
        "~",
        "'",
        '"',
        "#",
        "\t",
        "\r",
        "\ufeff",
    ]
)


@st.composite
def _mutant(draw: st.DrawFn) -> bytes:
    """Draw a built-in scenario's bytes with a few hostile edits."""
    text = BUILTINS[draw(st.sampled_from(sorted(BUILTINS)))]
    for _ in range(draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True)
        at_line = sum(len(line) for line in lines[: draw(st.integers(0, len(lines)))])
        anywhere = draw(st.integers(0, len(text)))
        edit = draw(
            st.sampled_from(
                ["control", "snippet", "deep", "laughs", "repeat", "huge", "truncate", "keys"]
            )
        )
        if edit == "control":
            text = text[:anywhere] + draw(CONTROL) + text[anywhere:]
        elif edit == "snippet":
            where = draw(st.sampled_from([anywhere, at_line]))
            text = text[:where] + draw(SNIPPETS) + text[where:]
        elif edit == "deep":
            opener = draw(st.sampled_from(["[", "{a: ", "- ", "[{a: "]))
            depth = draw(st.integers(1, 5_000))
            text = text[:anywhere] + opener * depth + text[anywhere:]
        elif edit == "laughs":
            text = text[:at_line] + LAUGHS + text[at_line:]
        elif edit == "repeat":  # a few lines repeated: the file stays tens of kB
            start = draw(st.integers(0, len(lines)))
            chunk = "".join(lines[start : start + draw(st.integers(1, 20))])
            text = text[:at_line] + chunk * draw(st.integers(2, 30)) + text[at_line:]
        elif edit == "huge":  # past the size limit: refused before it is parsed
            text = (text or "#\n") * (MAX_BYTES // len(text or "#\n") + draw(st.integers(1, 3)))
        elif edit == "truncate":
            text = text[:anywhere]
        else:  # many keys under an unknown key, well within the value limit
            count = draw(st.integers(1, 2_000))
            text = "junk: {" + ", ".join(f"k{i}: 1" for i in range(count)) + "}\n" + text
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    values = st.one_of(st.integers(0x20, 0x7E), st.integers(0, 255))
    flips = draw(st.lists(st.tuples(st.integers(0, 2**32), values), max_size=3))
    for position, byte in flips:
        if data:
            data[position % len(data)] = byte
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(content=_mutant())
def test_a_mutated_builtin_loads_or_is_refused_at_a_line(content: bytes) -> None:
    """A mutated built-in file either loads or gives a ScenarioError naming the file and a line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_bytes(content)
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            _located(error, str(path))
        else:
            assert isinstance(scenario, Scenario)
