"""Tables read whole at 80 columns (no cut name, no cut interval) and use the width there is."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from jointshield.analysis.runs import compare
from jointshield.architectures.presets import ARCHITECTURES, PARAMETERS
from jointshield.cli import main
from jointshield.jsonio import dumps
from jointshield.report.tables import comparison_grid, render

TRIALS = "200"
NARROW, WIDE = 80, 160
ELLIPSIS = "…"
TOP_LEFT = "┏"  # one per table printed


@pytest.fixture(autouse=True)
def _no_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


@pytest.fixture(scope="module")
def comparison() -> dict:
    """The five architectures on the default scenario, in the JSON form the tables read."""
    result = compare(None, trials=int(TRIALS), seed=0, progress=False)
    data = json.loads(dumps(result.to_json()))
    assert isinstance(data, dict)
    return data


def _printed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], width: int
) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return out


def _intervals(summary: dict) -> list[str]:
    """Every interval the comparison table prints for one architecture, as printed."""
    specs = [("p_no_leak", 1.0, 3), ("leakers", 1.0, 2), ("population_defended", 1e6, 1)]
    specs += [("interceptors", 1.0, 1), ("first_launch_s", 1.0, 0)]
    estimates = [(summary[key], scale, digits) for key, scale, digits in specs]
    estimates += [(est, 1.0, 3) for est in summary["p_asset_protected"].values()]
    out = []
    for est, scale, digits in estimates:
        if est["value"] is None or est["lo"] is None:
            continue
        v, lo, hi = (f"{est[k] / scale:.{digits}f}" for k in ("value", "lo", "hi"))
        if not lo == hi == v:
            out.append(f"{lo}–{hi}")
    return out


def _check_fits(out: str, width: int) -> None:
    assert ELLIPSIS not in out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)


def test_compare_at_80_columns_cuts_no_name_and_no_interval(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, comparison: dict
) -> None:
    """At 80 columns `compare` prints every architecture's name and every interval whole."""
    out = _printed(capsys, monkeypatch, ["compare", "-n", TRIALS], NARROW)
    _check_fits(out, NARROW)
    words = set(re.split(r"[\s│┃]+", out))
    for name in ARCHITECTURES:
        assert name in words, name
    for summary in comparison["architectures"]:
        for interval in _intervals(summary):
            assert interval in out, (summary["architecture"], interval)
    assert out.count(TOP_LEFT) > 1  # split into blocks


def test_compare_at_160_columns_is_one_table_with_intervals_beside_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, comparison: dict
) -> None:
    """With 160 columns `compare` prints one table, each estimate on one line with its interval."""
    out = _printed(capsys, monkeypatch, ["compare", "-n", TRIALS], WIDE)
    _check_fits(out, WIDE)
    assert out.count(TOP_LEFT) == 1
    p = comparison["architectures"][0]["p_no_leak"]
    assert f"{p['value']:.3f} ({p['lo']:.3f}–{p['hi']:.3f})" in out


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_architectures_table_prints_every_parameter_name_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """`architectures` prints every name --set takes, and every architecture's name, uncut."""
    out = _printed(capsys, monkeypatch, ["architectures"], width)
    _check_fits(out, width)
    words = set(re.split(r"[\s│┃]+", out))
    for name in (*PARAMETERS, *ARCHITECTURES):
        assert name in words, name
    if width == WIDE:
        assert out.count(TOP_LEFT) == 1  # the meanings beside the values


def test_raid_flyout_table_at_80_columns_cuts_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns the table of the default raid's flyouts names every threat whole."""
    out = _printed(capsys, monkeypatch, ["flyout"], NARROW)
    _check_fits(out, NARROW)
    assert "s3-gaziantep:" in out and "sj-bucharest:" in out


@pytest.mark.parametrize("width", range(56, 201, 8))
def test_comparison_fits_every_width_without_cutting(comparison: dict, width: int) -> None:
    """From 56 columns up, the comparison is laid out within the width and cuts nothing."""
    grid = comparison_grid(comparison["architectures"], comparison["meta"])
    console = Console(file=io.StringIO(), width=width, highlight=False)
    for part in render(grid, width):
        console.print(part)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    _check_fits(out, width)
    for summary in comparison["architectures"]:
        for interval in _intervals(summary):
            assert interval in out, (width, interval)


def test_names_from_a_scenario_print_as_written_never_as_markup() -> None:
    """A city called '[bold red]X[/]' prints with its brackets: labels are text, not markup."""
    from jointshield.report.tables import Cell, Grid, Row

    grid = Grid(
        title="[red]title",
        label_headers=("[b]label",),
        headers=("[i]a",),
        rows=(Row(("P([bold red]X[/] protected)",), (Cell("0.5"),), "[u]note"),),
        note_header="[dim]meaning",
    )
    buffer = io.StringIO()
    out = Console(file=buffer, width=120, color_system=None)
    for part in render(grid, 120):
        out.print(part)
    text = buffer.getvalue()
    for literal in ("[red]title", "[b]label", "[i]a", "P([bold red]X[/] protected)", "[u]note"):
        assert literal in text, literal
