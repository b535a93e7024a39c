"""Bad command lines: each is refused with one located line and status 2, before any work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import jointshield.cli
from jointshield.cli import main
from jointshield.cli._app import print_error
from jointshield.errors import JointshieldError
from jointshield.montecarlo.store import _TEMPORARY, check_folder

TRIALS = "20"

# (argv, expected fragment of the message); "{file}" is an existing file, "{dir}" a folder.
BAD = {
    "run-out-is-a-file": (["run", "-n", TRIALS, "--out", "{file}"], "got an existing file"),
    "compare-out-under-a-file": (
        ["compare", "-n", TRIALS, "--out", "{file}/sub"],
        "is a file, not a folder",
    ),
    "sweep-out-is-a-file": (
        ["sweep", "-n", TRIALS, "--grid", "latency_s=0,1", "--out", "{file}"],
        "got an existing file",
    ),
    "csv-into-missing-folder": (
        ["flyout", "--burnout-speed", "3", "--csv", "{dir}/missing/t.csv"],
        "does not exist",
    ),
    "kml-onto-a-folder": (["flyout", "--burnout-speed", "3", "--kml", "{dir}"], "got a folder"),
    "geojson-under-a-file": (
        ["flyout", "--burnout-speed", "3", "--geojson", "{file}/t.geojson"],
        "does not exist",
    ),
    "dt-zero": (["flyout", "--burnout-speed", "3", "--dt", "0"], "sample interval"),
    "dt-nan": (["flyout", "--burnout-speed", "3", "--dt", "nan"], "sample interval"),
    "dt-inf": (["flyout", "--dt", "inf"], "sample interval"),
    "dt-too-fine": (["flyout", "--dt", "1e-9"], "GiB"),
    "apogee-nan": (
        ["flyout", "-m", "shahab-3", "--from", "Tabriz", "--to", "Ankara", "--apogee", "nan"],
        "apogee height",
    ),
    "beta-zero": (["flyout", "--burnout-speed", "3", "--beta", "0"], "ballistic coefficient"),
    "beta-negative": (["flyout", "--burnout-speed", "3", "--beta", "-5"], "ballistic coefficient"),
    "beta-nan": (["flyout", "--burnout-speed", "3", "--beta", "nan"], "ballistic coefficient"),
    "azimuth-nan": (["flyout", "--burnout-speed", "3", "--azimuth", "nan"], "azimuth"),
    "burnout-altitude-negative": (
        ["flyout", "--burnout-speed", "3", "--burnout-altitude", "-5"],
        "burnout altitude",
    ),
    "burnout-speed-nan": (["flyout", "--burnout-speed", "nan"], "burnout speed"),
    "trials-10-to-12": (["run", "-n", str(10**12)], "at most 1,000,000,000"),
    "trials-2-to-63": (["compare", "-n", str(2**63)], "at most 1,000,000,000"),
    "geometry-samples-zero": (
        ["run", "-n", TRIALS, "--geometry-samples", "0"],
        "--geometry-samples",
    ),
    "geometry-samples-negative": (
        ["compare", "-n", TRIALS, "--geometry-samples", "-3"],
        "--geometry-samples: expected a whole number of at least 1",
    ),
    "geometry-samples-1e12": (
        ["sweep", "-n", TRIALS, "--grid", "latency_s=0,1", "--geometry-samples", str(10**12)],
        "--geometry-samples: expected at most 256",
    ),
    "latency-1e300": (["run", "-n", TRIALS, "--set", "latency_s=1e300"], "86400"),
    "authorisation-delay-1e300": (
        ["run", "-n", TRIALS, "--set", "authorisation_delay_s=1e300"],
        "86400",
    ),
    "sweep-count-1e9": (
        ["sweep", "-n", TRIALS, "--grid", "latency_s=0:60:1000000000", "--out", "{dir}/s"],
        "at most 10,000",
    ),
    "sweep-product-too-large": (
        [
            "sweep",
            "-n",
            TRIALS,
            "--grid",
            "latency_s=0:60:200",
            "--grid",
            "veto_probability=0:1:100",
            "--out",
            "{dir}/s",
        ],
        "200 x 100 = 20,000",
    ),
    "sweep-invalid-last-value": (
        ["sweep", "-n", TRIALS, "--grid", "latency_s=0,5,-1", "--out", "{dir}/s"],
        "latency_s",
    ),
    "two-outputs-on-stdout": (
        ["flyout", "--burnout-speed", "3", "--csv", "-", "--kml", "-"],
        "standard output",
    ),
}


def _fill(argv: list[str], tmp_path: Path) -> list[str]:
    file = tmp_path / "a-file"
    file.write_text("not a folder\n", encoding="utf-8")
    return [a.replace("{file}", str(file)).replace("{dir}", str(tmp_path)) for a in argv]


@pytest.mark.parametrize(("argv", "expected"), list(BAD.values()), ids=list(BAD))
def test_bad_argument_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], expected: str
) -> None:
    """Every bad argument exits with status 2 and one `error:` line naming it, no traceback."""
    filled = _fill(argv, tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(filled) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert expected in lines[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # refused before any work


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_out_under_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    """An --out folder that cannot be created, for want of permission, is refused."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(JointshieldError, match="may not be written to"):
        check_folder(locked / "out")


def test_compare_into_another_runs_folder_names_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`compare --out DIR` refuses a folder that holds a run of another seed, naming `seed`."""
    out = tmp_path / "cmp"
    argv = ["compare", "-n", TRIALS, "--architectures", "national", "--out", str(out)]
    assert main([*argv, "--json"]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main([*argv, "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "holds another run" in err and "seed" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # Another architecture with the same settings may join the folder, as in a comparison.
    run_argv = ["run", "-n", TRIALS, "-a", "joint", "--out", str(out), "--json"]
    assert main(run_argv) == 0
    assert (out / "joint.json").exists()


def test_compare_tidies_temporaries_left_by_a_killed_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A rerun of `compare` into a folder removes the hidden temporary files a kill left."""
    out = tmp_path / "cmp"
    out.mkdir()
    leftover = out / f".national.json.{os.getpid()}.0123abcd.tmp"
    assert _TEMPORARY.match(leftover.name)
    leftover.write_text("{", encoding="utf-8")
    argv = ["compare", "-n", TRIALS, "--architectures", "national", "--out", str(out), "--json"]
    assert main(argv) == 0
    capsys.readouterr()
    assert not [p for p in out.iterdir() if _TEMPORARY.match(p.name)]


def test_error_text_is_printed_literally(capsys: pytest.CaptureFixture[str]) -> None:
    """An error's text is printed as written: no emoji for `:100:`, no markup eaten."""
    print_error("s.yaml:100: expected [bold]a number[/bold], got [red]")
    err = capsys.readouterr().err
    assert "s.yaml:100: expected [bold]a number[/bold], got [red]" in err


def test_user_value_in_a_message_is_printed_literally(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad `--set` value with markup and an emoji code comes back in the message as typed."""
    assert main(["run", "-n", TRIALS, "--set", "latency_s=[bold]:100:"]) == 2
    assert "[bold]:100:" in capsys.readouterr().err


def test_raid_geojson_to_stdout_is_the_only_output(capsys: pytest.CaptureFixture[str]) -> None:
    """`flyout --geojson -` for a whole raid prints the GeoJSON alone, so stdout parses."""
    assert main(["flyout", "--geojson", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["type"] == "FeatureCollection"


class _Interrupt:
    """A module finder that raises KeyboardInterrupt when the CLI's application loads."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "jointshield.cli._app":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_importing_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the command line's modules import prints `interrupted` and gives 130."""
    monkeypatch.delitem(sys.modules, "jointshield.cli._app")
    monkeypatch.delattr(jointshield.cli, "_app")
    monkeypatch.setattr(sys, "meta_path", [_Interrupt(), *sys.meta_path])
    assert main(["--version"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


_EARLY = """
import signal
import sys

# Python's own Ctrl-C handler, even where the child inherits SIGINT ignored (a shell starts
# background jobs so, and Python then leaves it ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
from jointshield.cli import main


class Ready:
    # Says "ready" when main starts to import the application, typer, rich and the rest.
    def find_spec(self, name, path=None, target=None):
        if name == "jointshield.cli._app":
            sys.stdout.write("ready\\n")
            sys.stdout.flush()
        return None


sys.meta_path.insert(0, Ready())
sys.exit(main(["compare", "-n", "2000"]))
"""


def test_sigint_at_start_exits_130_without_traceback() -> None:
    """SIGINT as soon as `main` starts (typer, rich, NumPy still to import) gives 130 cleanly."""
    child = subprocess.Popen(
        [sys.executable, "-c", _EARLY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err


def test_a_scenario_name_too_long_for_the_system_is_an_unknown_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bare name longer than a file name may be is neither a built-in nor a file."""
    from jointshield.cli import main

    assert main(["timeline", "-s", "a" * 300]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario" in err and "Traceback" not in err


def test_an_output_folder_the_system_refuses_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--out with a name too long for the file system: the name and the reason, no traceback."""
    from jointshield.cli import main

    long = str(tmp_path / ("b" * 300))
    assert main(["scenarios", "export", "europe-2011", "--out", long]) == 2
    err = capsys.readouterr().err
    assert "File name too long" in err and "Traceback" not in err
