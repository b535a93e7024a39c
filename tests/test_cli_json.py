"""Every JSON the command line prints or writes is strict JSON (RFC 8259): no NaN, no Infinity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jointshield.cli import main
from jointshield.scenario import builtin_path

TRIALS = "200"
MISSILE_ARGS = ["-m", "shahab-3", "--from", "tabriz", "--to", "Ankara"]


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # No cluster from outside; wide output, so that nothing is wrapped.
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


@pytest.fixture(scope="module")
def harmless(tmp_path_factory: pytest.TempPathFactory) -> str:
    """europe-2011 with interceptors that kill nothing: no shot is worth firing."""
    text = builtin_path("europe-2011").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("scenario") / "harmless.yaml"
    path.write_text(re.sub(r"pk: \{value: [0-9.]+", "pk: {value: 0.0", text), encoding="utf-8")
    return str(path)


def strict_loads(text: str) -> object:
    """Parse JSON as a strict parser (JavaScript's JSON.parse) does: no NaN, no Infinity."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))


def _printed(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return strict_loads(out)


def _files(folder: Path, pattern: str = "*.json") -> list[Path]:
    files = sorted(folder.rglob(pattern))
    assert files, f"no {pattern} under {folder}"
    return files


def test_compare_json_writes_null_where_nothing_was_killed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, harmless: str
) -> None:
    """`compare --json` is strict: an architecture that kills nothing has null per kill."""
    out = tmp_path / "cmp"
    argv = [
        "compare",
        harmless,
        "-n",
        TRIALS,
        "--architectures",
        "national,joint",
        "--out",
        str(out),
    ]
    data = _printed(capsys, [*argv, "--json"])
    assert isinstance(data, dict)
    national = data["architectures"][0]
    assert national["architecture"] == "national"
    assert national["interceptors"]["value"] == 0.0  # nothing fired, so nothing killed
    assert national["interceptors_per_kill"] is None
    for path in _files(out):
        strict_loads(path.read_text(encoding="utf-8"))
    names = {p.name for p in _files(out)}
    assert names == {"comparison.json", "national.json", "joint.json", "manifest.json"}


def test_run_json_and_its_file_are_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, harmless: str
) -> None:
    """`run --json --out DIR` prints and writes strict JSON, with null for the undefined ratio."""
    out = tmp_path / "run"
    data = _printed(
        capsys, ["run", harmless, "-a", "national", "-n", TRIALS, "--out", str(out), "--json"]
    )
    assert isinstance(data, dict)
    assert data["interceptors_per_kill"] is None
    written = strict_loads((out / "national.json").read_text(encoding="utf-8"))
    assert isinstance(written, dict) and written["interceptors_per_kill"] is None


def test_sweep_json_manifest_and_points_are_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, harmless: str
) -> None:
    """`sweep --json` prints strict JSON, and its manifest and point files are strict too."""
    out = tmp_path / "sweep"
    argv = [
        "sweep",
        harmless,
        "-a",
        "national",
        "-n",
        "100",
        "--grid",
        "latency_s=0,10",
        "--out",
        str(out),
    ]
    points = _printed(capsys, [*argv, "--json"])
    assert isinstance(points, list) and len(points) == 2
    assert all(p["interceptors_per_kill"] is None for p in points)
    files = _files(out)
    assert out / "manifest.json" in files and len(files) == 3
    for path in files:
        strict_loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "argv",
    [
        ["flyout", *MISSILE_ARGS, "--json"],
        ["flyout", "--burnout-speed", "3", "--json"],
        ["flyout", "--json"],
        ["timeline", "--json"],
        ["timeline", "--sharing", "none", "--json"],
        ["architectures", "--json"],
    ],
    ids=["flyout-missile", "flyout-free", "flyout-raid", "timeline", "timeline-alone", "archs"],
)
def test_other_json_outputs_are_strict(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Every other `--json` output parses with a strict parser."""
    _printed(capsys, argv)


@pytest.mark.parametrize("argv", [MISSILE_ARGS, []], ids=["one-trajectory", "raid"])
def test_geojson_files_are_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    """`flyout --geojson FILE` writes strict JSON, for one trajectory and for a raid."""
    path = tmp_path / "track.geojson"
    assert main(["flyout", *argv, "--geojson", str(path)]) == 0
    capsys.readouterr()
    doc = strict_loads(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and doc["type"] == "FeatureCollection"
