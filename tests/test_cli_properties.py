"""Any command line, however wrong, ends in a status and a message, never a traceback.

Argument vectors are drawn from a grammar of every subcommand that mixes
valid options with wrong types, unknown names, numbers out of range, empty
strings, odd unicode, paths that do not exist, repeated flags and stray
tokens. Every valid count is tiny and every output goes to a fresh
temporary folder, so that the examples that do run stay cheap; the reach
tables of the interceptors are shared between examples (as in the other
tests) so that a run flies its raid but not its tables again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import jointshield.theatre.compile
from jointshield.cli import main
from jointshield.scenario import builtin_path
from theatres import REACH

SCENARIO = "europe-2011"
USER_ERROR = 2
"""Status of every user error: typer's usage errors and the project's own."""

# Placeholders filled with paths under each example's own temporary folder.
FILE = "{file}"  # an existing file that is no scenario
DIR = "{dir}"  # an existing folder
MISSING = "{dir}/missing/x"  # under a folder that does not exist
FRESH = "{dir}/fresh"  # does not exist yet; its parent does
EMPTY_YAML = "{dir}/empty.yaml"  # an existing, empty file

ODD = st.sampled_from(
    [
        "",
        " ",
        "-",
        "--",
        "\u202e",  # right-to-left override
        "\ufeff",  # byte-order mark
        "\udcff",  # an undecodable byte, as Python hands it over from argv
        "é",
        "日本語",
        "💥",
        "[bold]x[/bold]",
        ":100:",
        "\x1b[31m",
        "\t\n",
        "a" * 300,
        "../" * 5,
        "NaN",
        "-0",
        "1e400",
    ]
)

# Every value that parses as a whole number is tiny or refused: no example runs long.
TRIALS = st.one_of(
    st.integers(1, 20).map(str),
    st.sampled_from(["0", "-1", "-20", str(10**12), str(2**63), "1.5", "abc", "1e3", "nan", ""]),
    st.sampled_from(["\u0661\u0662", " 5 ", "+3", "0x10", "٣"]),
    ODD,
)
SEED = st.one_of(
    st.integers(0, 5).map(str), st.sampled_from(["-1", str(2**70), "x", "", "1.0"]), ODD
)
WORKERS = st.sampled_from(["1", "0", "-2", "two", ""])
SAMPLES = st.sampled_from(["1", "0", "-3", "257", str(10**12), "x", ""])
ARCH = st.one_of(
    st.sampled_from(["national", "early-warning", "data-exchange", "sectoral", "joint"]),
    st.sampled_from(["Joint", "nato", "joint,national", ""]),
    ODD,
)
ARCHS = st.one_of(
    st.sampled_from(["national", "joint", "national,joint", "national , joint"]),
    st.sampled_from([",", "", "national,", "nope,joint", "joint,joint"]),
    ODD,
)
SET = st.one_of(
    st.sampled_from(
        [
            "latency_s=5",
            "sharing=tracks",
            "handover_s=20",
            "salvo_size=2",
            "veto_probability=0.5",
            "doctrine=shoot-look-shoot",
        ]
    ),
    st.sampled_from(
        [
            "foo=1",
            "latency_s=-1",
            "latency_s=nan",
            "latency_s=inf",
            "latency_s=1e300",
            "latency_s=",
            "latency_s",
            "=",
            "=5",
            "veto_probability=2",
            "sharing=everything",
            "handover_s=x",
            "salvo_size=0",
            "salvo_size=1e9",
            "max_shots_per_threat=-1",
            "doctrine=",
            "latency_s=[bold]:100:",
        ]
    ),
    ODD,
)
# At most two points a grid, so that two grids make at most four points.
GRID = st.one_of(
    st.sampled_from(["latency_s=0,1", "latency_s=0:60:2", "veto_probability=0,0.5"]),
    st.sampled_from(
        [
            "latency_s=0:60:1000000000",
            "latency_s=0,5,-1",
            "foo=1",
            "latency_s=",
            "latency_s=a:b:c",
            "latency_s=0:60:0",
            "latency_s=0:60:-2",
            "latency_s=nan,1",
            "veto_probability=0,2",
            "=",
        ]
    ),
    ODD,
)
RAID = st.one_of(st.sampled_from(["iran-2011", "iran-2012", "IRAN-2011"]), ODD)
SCENARIO_NAME = st.one_of(
    st.sampled_from([SCENARIO, "europe-2099", "Europe-2011", "europe-2011.yaml"]),
    st.sampled_from([FILE, DIR, MISSING, EMPTY_YAML]),
    ODD,
)
OUT = st.sampled_from([FRESH, FILE, DIR, MISSING, FILE + "/sub", ""])
NUMBER = st.one_of(
    st.sampled_from(["0", "1", "-1", "3", "45", "nan", "inf", "-inf", "1e300", "1e-300", "x"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    ODD,
)
POINT = st.one_of(
    st.sampled_from(["tabriz", "Ankara", "kurecik", "Tabriz", "38.0,37.0", "91,0", "0,181"]),
    st.sampled_from(["nan,nan", "38.0", "38,37,1", "a,b", ",", "inf,0"]),
    ODD,
)
MISSILE = st.one_of(st.sampled_from(["shahab-3", "sejjil-2", "Shahab-3", "scud"]), ODD)
DT = st.sampled_from(["1", "10", "0", "-1", "nan", "inf", "1e-9", "x", ""])
TARGET = st.sampled_from(["-", FRESH + ".out", DIR, MISSING, FILE + "/t"])

Args = st.SearchStrategy[list[str]]


def _option(name: str, value: st.SearchStrategy[str]) -> Args:
    return value.map(lambda v: [name, v])


def _flag(name: str) -> Args:
    return st.just([name])


def _command(words: list[str], options: list[Args], positional: Args | None = None) -> Args:
    """``words``, then a shuffled mix of options (some repeated) and stray tokens."""
    extras = [*options, ODD.map(lambda v: [v]), st.sampled_from([["--bogus"], ["-z"], ["--"]])]
    body = st.lists(st.one_of(*extras), max_size=6).map(
        lambda parts: [a for part in parts for a in part]
    )
    head = positional if positional is not None else st.just([])
    return st.tuples(head, body, st.booleans()).map(
        lambda t: [*words, *t[0], *t[1]] if t[2] else [*words, *t[1], *t[0]]
    )


def _study() -> list[Args]:
    """Options of run, compare and sweep."""
    return [
        _option("-n", TRIALS),
        _option("--trials", TRIALS),
        _option("--seed", SEED),
        _option("--set", SET),
        _option("--raid", RAID),
        _option("--workers", WORKERS),
        _option("--geometry-samples", SAMPLES),
        _flag("--json"),
        _flag("--no-cache"),
    ]


def _with_trials(options: list[Args], words: list[str], positional: Args) -> Args:
    """A study command that almost always says how many trials, so that none runs 2,000."""
    return st.tuples(TRIALS, _command(words, options, positional)).map(
        lambda t: [*t[1][: len(words)], "-n", t[0], *t[1][len(words) :]]
    )


_SCENARIO_ARG = st.one_of(st.just([]), SCENARIO_NAME.map(lambda s: [s]))

RUN = _with_trials(
    [*_study(), _option("-a", ARCH), _option("--architecture", ARCH), _option("--out", OUT)],
    ["run"],
    _SCENARIO_ARG,
)
FAULT = st.one_of(
    st.sampled_from(
        [
            "sensor: tpy-2-kurecik",
            "sensor: tpy2-kurecik",
            "link: NATO->fusion, latency_s: 5",
            "party: Russia, authorisation_delay_s: 30",
            "party: Russia",
            "battery: aegis-east-med, start_s: 100, end_s: 50",
            "sensor: sbirs, end_s: 1e9",
            "{bogus",
        ]
    ),
    ODD,
)
COMPARE = _with_trials(
    [
        *_study(),
        _option("--architectures", ARCHS),
        _flag("--explain"),
        _option("--out", OUT),
        _option("--fault", FAULT),
    ],
    ["compare"],
    _SCENARIO_ARG,
).map(lambda argv: argv if "--architectures" in argv else [*argv, "--architectures", "national"])
SWEEP = _with_trials(
    [
        *_study(),
        _option("-a", ARCH),
        _option("--grid", GRID),
        _option("--grid", GRID),
        _option("--out", OUT),
    ],
    ["sweep"],
    _SCENARIO_ARG,
)
TIMELINE = _with_trials(
    [
        _option("-s", SCENARIO_NAME),
        _option("--scenario", SCENARIO_NAME),
        _option("--raid", RAID),
        _option("--threat", st.one_of(st.sampled_from(["s3-ankara", "sj-istanbul", "x"]), ODD)),
        _option(
            "--sharing",
            st.one_of(
                st.sampled_from(["none", "early-warning", "tracks", "tracks-own-territory"]),
                st.sampled_from(["all", "Tracks"]),
                ODD,
            ),
        ),
        _option("--architectures", ARCHS),
        _option("--trial", st.one_of(SEED, st.sampled_from(["0", "1", "-1", "99"]))),
        _option("--fault", FAULT),
        _flag("--sensing-only"),
        _flag("--json"),
        _flag("--no-cache"),
    ],
    ["timeline"],
    st.just([]),
).map(lambda argv: argv if "--architectures" in argv else [*argv, "--architectures", "national"])
EXERCISE = _with_trials(
    [
        *_study(),
        _option("--faults", st.sampled_from([FILE, MISSING, DIR, EMPTY_YAML, "{dir}/ex.yaml"])),
        _option("--architectures", ARCHS),
        _option("--out", OUT),
    ],
    ["exercise"],
    _SCENARIO_ARG,
).map(lambda argv: argv if "--architectures" in argv else [*argv, "--architectures", "national"])
FLYOUT = _command(
    ["flyout"],
    [
        _option("-s", SCENARIO_NAME),
        _option("-m", MISSILE),
        _option("--missile", MISSILE),
        _option("--from", POINT),
        _option("--to", POINT),
        _option("--aim", st.sampled_from(["min-energy", "lofted", "depressed", "flat", ""])),
        _option("--apogee", NUMBER),
        _option("--raid", RAID),
        _option("--burnout-speed", NUMBER),
        _option("--burnout-angle", NUMBER),
        _flag("--min-energy"),
        _option("--burnout-altitude", NUMBER),
        _option("--azimuth", NUMBER),
        _option("--beta", NUMBER),
        _option("--earth", st.sampled_from(["rotating", "fixed", "sphere", "flat", ""])),
        _flag("--no-drag"),
        _option("--dt", DT),
        _flag("--json"),
        _option("--csv", TARGET),
        _option("--geojson", TARGET),
        _option("--kml", TARGET),
    ],
)
SCENARIOS = st.one_of(
    _command(["scenarios", "list"], []),
    _command(["scenarios", "show"], [_flag("--sources")], SCENARIO_NAME.map(lambda s: [s])),
    _command(["scenarios", "validate"], [], SCENARIO_NAME.map(lambda s: [s])),
    _command(
        ["scenarios", "export"],
        [_option("--out", OUT), _option("-o", OUT), _flag("--force")],
        SCENARIO_NAME.map(lambda s: [s]),
    ),
    _command(["scenarios"], [], st.one_of(st.just([]), ODD.map(lambda s: [s]))),
)
CACHE = st.one_of(
    _command(["cache", "info"], [_flag("--json")]),
    _command(["cache", "clear"], []),
    _command(["cache"], [], st.one_of(st.just([]), ODD.map(lambda s: [s]))),
)
OTHER = st.one_of(
    _command(["architectures"], [_flag("--json")]),
    st.sampled_from([["--version"], ["--version", "run"], ["run", "--version"], ["--help"], []]),
    st.lists(ODD, min_size=1, max_size=3),
)
ARGV = st.one_of(RUN, COMPARE, SWEEP, TIMELINE, EXERCISE, FLYOUT, SCENARIOS, CACHE, OTHER)


def _filler(folder: Path) -> Callable[[str], str]:
    (folder / "a-file").write_text("not: [a scenario\n", encoding="utf-8")
    (folder / "empty.yaml").write_text("", encoding="utf-8")
    (folder / "a-dir").mkdir()
    (folder / "ex.yaml").write_text(
        "faults:\n  - name: kurecik-down\n    sensor: tpy-2-kurecik\n", encoding="utf-8"
    )

    def fill(arg: str) -> str:
        return arg.replace(FILE, str(folder / "a-file")).replace(DIR, str(folder / "a-dir"))

    return fill


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(argv=ARGV)
def test_any_command_line_ends_in_a_status_not_a_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """`main(argv)` returns 0 or 2 and prints no traceback, whatever ``argv`` holds."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        folder = Path(tmp)
        fill = _filler(folder)
        patch.chdir(folder)  # `export` and `sweep` write to the current folder by default
        patch.setenv("COLUMNS", "120")
        patch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
        patch.setattr(jointshield.theatre.compile, "ReachTables", lambda: REACH)
        if argv[:1] == ["cache"]:
            # `cache clear` must not empty the session's cache; a file as the cache
            # folder is no error (nothing is kept there, nothing removed).
            patch.setenv("JOINTSHIELD_CACHE_DIR", str(folder / "a-file"))
        capsys.readouterr()
        status = main([fill(arg) for arg in argv])
        out, err = capsys.readouterr()
    event(f"status {status}")
    assert "Traceback" not in out + err, (argv, err)
    assert status in (0, USER_ERROR), (argv, status, err)
    if status == USER_ERROR:
        # A group called with no command prints its help on stdout (`no_args_is_help`).
        said = err if err.strip() else out
        first = said.lstrip().splitlines()[0] if said.strip() else ""
        assert first.startswith(("error: ", "Usage: ")), (argv, out, err)


def test_the_grammar_reaches_every_command() -> None:
    """Each subcommand is drawn by the grammar (a guard against a strategy that never fires)."""
    seen: set[str] = set()

    @settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    @given(argv=ARGV)
    def collect(argv: list[str]) -> None:
        if argv:
            seen.add(" ".join(argv[:2]) if argv[0] in ("scenarios", "cache") else argv[0])

    collect()
    wanted = {"run", "compare", "sweep", "timeline", "exercise", "flyout", "architectures"}
    wanted |= {"--version"}
    wanted |= {f"scenarios {verb}" for verb in ("list", "show", "validate", "export")}
    wanted |= {"cache info", "cache clear"}
    assert wanted <= seen, wanted - seen


def test_an_undecodable_argument_in_a_usage_error_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An argument with a byte that is not UTF-8 (a lone surrogate) is quoted back, escaped."""
    assert main(["scenarios", "show", SCENARIO, "\udcff"]) == USER_ERROR
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "\\udcff" in err


def test_an_undecodable_file_name_is_printed_back_on_a_strict_stdout(tmp_path: Path) -> None:
    """`validate` of a file whose name is not UTF-8 prints the name's own bytes, no traceback.

    Under a UTF-8 locale Python's stdout refuses lone surrogates, which is how
    Python hands such a name over from argv.
    """
    name = os.fsdecode(b"\xff.yaml")
    (tmp_path / name).write_bytes(builtin_path(SCENARIO).read_bytes())
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "jointshield", "scenarios", "validate", name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert b"Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 0
    assert done.stdout.startswith(b"\xff.yaml: valid")
