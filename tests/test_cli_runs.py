"""The ``jointshield run | compare | sweep`` commands: JSON, tables, files and user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jointshield
from jointshield.analysis.runs import sweep
from jointshield.architectures.presets import ARCHITECTURES, PARAMETERS
from jointshield.cli import main
from jointshield.montecarlo.blocks import BLOCK_TRIALS
from jointshield.report.trials import read_trials
from jointshield.scenario import DEFAULT_SCENARIO, load_scenario, scenario_hash

SCENARIO = "europe-2018"
TWO_BLOCKS = str(BLOCK_TRIALS + 100)  # two blocks, so that two workers really share the work


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Wide output, so that tables are not wrapped in the captured text; no cluster from outside.
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


def _run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict | list:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return json.loads(out)


def _user_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run a command that must fail on the user's input; return its one error message."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith("error: "), err
    assert sum(line.startswith("error:") for line in lines) == 1, err
    return err


def _numbers(data: dict) -> dict:
    """The JSON of a run without the paths of its files."""
    return {k: v for k, v in data.items() if k != "files"}


# --------------------------------------------------------------------------- run


def test_run_json_prints_one_object_with_intervals_and_provenance(capsys) -> None:
    """`run S -a joint -n 300 --json` prints one object: estimates with intervals, and meta."""
    data = _run_json(capsys, ["run", SCENARIO, "-a", "joint", "-n", "300", "--json"])
    assert isinstance(data, dict)
    assert data["architecture"] == "joint"
    assert data["trials"] == 300
    for key in ("p_no_leak", "leakers", "population_defended", "interceptors"):
        est = data[key]
        assert est["lo"] <= est["value"] <= est["hi"], key
    assert 0.0 <= data["p_no_leak"]["lo"] <= data["p_no_leak"]["hi"] <= 1.0
    targets = {t.target for t in load_scenario(SCENARIO).raid().threats}
    assert set(data["p_asset_protected"]) == targets  # every asset the raid attacks
    for asset, est in data["p_asset_protected"].items():
        assert 0.0 <= est["lo"] <= est["value"] <= est["hi"] <= 1.0, asset
    assert isinstance(data["leak_reasons"], dict)
    assert sum(data["leak_reasons"].values()) == pytest.approx(1.0, abs=1e-3)
    meta = data["meta"]
    assert meta["scenario_hash"] == scenario_hash(load_scenario(SCENARIO))
    assert meta["seed"] == 0
    assert meta["jointshield_version"] == jointshield.__version__
    assert data["files"] == []


def test_run_out_writes_files_and_two_workers_match_one(capsys, tmp_path: Path) -> None:
    """`run --out DIR` writes the Parquet and JSON, and `--workers 2` prints the numbers of 1."""
    argv = ["run", SCENARIO, "-a", "joint", "-n", TWO_BLOCKS, "--seed", "7", "--json"]
    one = _run_json(capsys, [*argv, "--out", str(tmp_path / "one"), "--workers", "1"])
    two = _run_json(capsys, [*argv, "--out", str(tmp_path / "two"), "--workers", "2"])
    assert _numbers(one) == _numbers(two)
    assert one["meta"]["seed"] == 7
    for folder in ("one", "two"):
        parquet, summary = tmp_path / folder / "joint.parquet", tmp_path / folder / "joint.json"
        assert parquet.is_file() and summary.is_file()
        trials, _, meta = read_trials(parquet)
        assert trials.leakers.shape == (int(TWO_BLOCKS),)
        assert json.loads(meta["seed"]) == 7
        assert _numbers(json.loads(summary.read_text(encoding="utf-8"))) == _numbers(one)


def test_run_table_names_the_rows(capsys) -> None:
    """Without --json, `run` prints a table with the headline rows and the scenario hash."""
    assert main(["run", SCENARIO, "-a", "national", "-n", "100"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "P(no warhead leaks)" in out
    assert "national" in out
    assert scenario_hash(load_scenario(SCENARIO))[:12] in out


# --------------------------------------------------------------------------- compare


def test_compare_table_names_all_five_architectures(capsys) -> None:
    """`compare S -n 200` prints one table with a column per architecture."""
    assert main(["compare", SCENARIO, "-n", "200"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "P(no warhead leaks)" in out
    for name in ARCHITECTURES:
        assert name in out


def test_compare_json_keeps_the_order_asked(capsys) -> None:
    """`--architectures national,joint --json` gives those two, in that order."""
    argv = ["compare", SCENARIO, "-n", "200", "--architectures", "national,joint", "--json"]
    data = _run_json(capsys, argv)
    assert [a["architecture"] for a in data["architectures"]] == ["national", "joint"]
    assert data["meta"]["scenario_hash"] == scenario_hash(load_scenario(SCENARIO))
    assert data["meta"]["trials"] == 200


def test_compare_without_scenario_uses_the_default(capsys) -> None:
    """`compare` with no scenario argument runs the default scenario."""
    assert main(["compare", "-n", "100"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "P(no warhead leaks)" in out
    assert DEFAULT_SCENARIO in out


# --------------------------------------------------------------------------- user errors


def test_unknown_architecture_lists_the_architectures(capsys) -> None:
    """`-a sideways` is one error line that lists the architectures."""
    err = _user_error(capsys, ["run", SCENARIO, "-a", "sideways", "-n", "100"])
    assert "sideways" in err
    for name in ARCHITECTURES:
        assert name in err


def test_unknown_compare_architecture_lists_the_architectures(capsys) -> None:
    """`compare --architectures national,sideways` is one error line listing the architectures."""
    argv = ["compare", SCENARIO, "-n", "100", "--architectures", "national,sideways"]
    err = _user_error(capsys, argv)
    for name in ARCHITECTURES:
        assert name in err


def test_unknown_parameter_lists_the_parameters(capsys) -> None:
    """`--set nonsense=1` is one error line that lists the valid parameters."""
    err = _user_error(capsys, ["run", SCENARIO, "-a", "joint", "-n", "100", "--set", "nonsense=1"])
    assert "nonsense" in err
    for name in PARAMETERS:
        assert name in err


def test_out_of_range_parameter_says_the_range(capsys) -> None:
    """`--set veto_probability=2` names the parameter and the expected range."""
    argv = ["run", SCENARIO, "-a", "joint", "-n", "100", "--set", "veto_probability=2"]
    err = _user_error(capsys, argv)
    assert "veto_probability" in err
    assert "[0, 1]" in err
    assert "2" in err


def test_set_without_equals_says_name_value(capsys) -> None:
    """`--set latency_s` (no '=') asks for NAME=VALUE."""
    err = _user_error(capsys, ["run", SCENARIO, "-a", "joint", "-n", "100", "--set", "latency_s"])
    assert "latency_s" in err
    assert "NAME=VALUE" in err


def test_zero_trials_is_a_user_error(capsys) -> None:
    """`--trials 0` is refused with one error line."""
    err = _user_error(capsys, ["run", SCENARIO, "-a", "joint", "--trials", "0"])
    assert "at least 1" in err


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
@pytest.mark.parametrize("k", ["0", "-1"])
def test_geometry_samples_below_one_is_a_user_error(capsys, tmp_path: Path, command, k) -> None:
    """`--geometry-samples 0` is refused with one error line naming the flag, before any work."""
    argv = [command, SCENARIO, "-n", "100", "--geometry-samples", k]
    if command == "sweep":
        argv += ["--grid", "latency_s=0,1", "--out", str(tmp_path / "sweep")]
    err = _user_error(capsys, argv)
    assert "--geometry-samples" in err and "at least 1" in err
    assert not (tmp_path / "sweep").exists()


def test_geometry_samples_reach_the_run_and_its_record(capsys) -> None:
    """`run --geometry-samples 2 --json` runs over two samples and records how many."""
    argv = ["run", SCENARIO, "-a", "joint", "-n", "100", "--geometry-samples", "2", "--json"]
    data = _run_json(capsys, argv)
    assert data["meta"]["geometry_samples"] == 2
    nominal = _run_json(capsys, ["run", SCENARIO, "-a", "joint", "-n", "100", "--json"])
    assert nominal["meta"]["geometry_samples"] == 1


def test_sweep_without_grid_asks_for_one(capsys, tmp_path: Path) -> None:
    """`sweep` without --grid asks for a grid and writes nothing."""
    out = tmp_path / "sweep"
    err = _user_error(capsys, ["sweep", SCENARIO, "-a", "joint", "-n", "100", "--out", str(out)])
    assert "--grid" in err
    assert not out.exists()


def test_sweep_bad_grid_value_names_it(capsys, tmp_path: Path) -> None:
    """`--grid latency_s=oops` names the bad value and the forms a grid takes."""
    out = tmp_path / "sweep"
    argv = ["sweep", SCENARIO, "-a", "joint", "-n", "100", "--grid", "latency_s=oops"]
    err = _user_error(capsys, [*argv, "--out", str(out)])
    assert "oops" in err
    assert "START:STOP:COUNT" in err
    assert not out.exists()


def test_unreachable_dask_scheduler_is_a_user_error(capsys) -> None:
    """`--dask` with an address where no scheduler listens is one error line naming it."""
    address = "tcp://127.0.0.1:9"
    err = _user_error(capsys, ["run", SCENARIO, "-a", "joint", "-n", "100", "--dask", address])
    assert address in err


def test_sweep_into_another_scenarios_folder_is_refused(capsys, tmp_path: Path) -> None:
    """`sweep` into a folder that holds another scenario's sweep is refused, naming the field."""
    folder = tmp_path / "sweep"
    sc = load_scenario(SCENARIO)
    raid = sc.raid()
    one = raid.model_copy(update={"threats": raid.threats[:1]})
    other = sc.model_copy(update={"raids": (one,)})  # same name, another scenario
    grid = "veto_probability=0,0.5"
    sweep(other, "joint", [grid], folder, trials=100, seed=0, progress=False)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    argv = ["sweep", SCENARIO, "-a", "joint", "-n", "100", "--grid", grid, "--out", str(folder)]
    err = _user_error(capsys, argv)
    assert "scenario_hash" in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_sweep_json_lists_the_points(capsys, tmp_path: Path) -> None:
    """`sweep --grid ... --json` prints one record per point, in grid order."""
    argv = ["sweep", SCENARIO, "-a", "joint", "-n", "100", "--grid", "veto_probability=0,1"]
    data = _run_json(capsys, [*argv, "--out", str(tmp_path / "sweep"), "--json"])
    assert [p["params"] for p in data] == [{"veto_probability": 0.0}, {"veto_probability": 1.0}]
    assert data[1]["interceptors"]["value"] == 0.0
