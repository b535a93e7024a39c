"""Monte Carlo studies through the Python API: run, compare and sweep, and their files."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jointshield
import jointshield.analysis.runs
import jointshield.battle.context
import jointshield.battle.samples
import jointshield.theatre.model
from jointshield.analysis.runs import (
    MAX_GEOMETRY_SAMPLES,
    Comparison,
    RunResult,
    Summary,
    compare,
    run,
    sweep,
)
from jointshield.architectures.presets import ARCHITECTURES, PARAMETERS
from jointshield.battle.context import deploy
from jointshield.battle.samples import trial_samples
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.montecarlo.blocks import BLOCK_TRIALS
from jointshield.montecarlo.stats import Estimate, wilson_interval
from jointshield.report.trials import read_trials
from jointshield.scenario import load_scenario, scenario_hash
from theatres import theatre

SCENARIO = "europe-2018"
TRIALS = BLOCK_TRIALS + 100  # two blocks, so that two workers really share the work
SEED = 1
VETO_GRID = "veto_probability=0,0.5"
VETO_KEYS = ("veto_probability=0.0", "veto_probability=0.5")
# Leak reasons that physics gives, before any architecture has its say.
PHYSICAL_REASONS = frozenset(
    {"no-track", "not-fire-control-quality", "out-of-envelope", "too-late"}
)


@pytest.fixture(scope="module")
def deployment():
    """The europe-2018 raid deployed once for the tests that reuse it."""
    return deploy(theatre(SCENARIO))


@pytest.fixture(scope="module")
def joint_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """``run("europe-2018", "joint", trials=600, seed=1, out=...)``, the way a user calls it."""
    out = tmp_path_factory.mktemp("joint")
    return run(theatre(SCENARIO), "joint", trials=TRIALS, seed=SEED, out=out, progress=False), out


@pytest.fixture(scope="module")
def veto_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    """A two-point sweep of the joint architecture's veto probability."""
    out = tmp_path_factory.mktemp("sweep")
    records = sweep(
        theatre(SCENARIO), "joint", [VETO_GRID], out, trials=TRIALS, seed=SEED, progress=False
    )
    return records, out


def _estimates(summary: Summary) -> dict[str, Estimate]:
    found = {
        name: getattr(summary, name)
        for name in (
            "p_no_leak",
            "leakers",
            "population_defended",
            "interceptors",
            "first_launch_s",
            "first_intercept_s",
        )
    }
    found.update({f"p_asset_protected[{a}]": e for a, e in summary.p_asset_protected.items()})
    return found


def _read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """A run's per-trial arrays by name, and its metadata, from its two tables."""
    trials, _, meta = read_trials(path)
    return trials.columns(), meta


def _spy(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[Any]:
    """Replace ``module.name`` by a wrapper that records its calls; return the record."""
    calls: list[Any] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def _assert_same_columns(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), name


def _hidden_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".")]


# --------------------------------------------------------------------------- run


def test_run_summary_holds_probabilities_inside_their_intervals(joint_run) -> None:
    """Every probability is in [0, 1] and every estimate lies inside its interval."""
    result, _ = joint_run
    summary = result.summary
    assert summary.architecture == "joint"
    assert summary.trials == TRIALS
    for name, est in _estimates(summary).items():
        assert math.isfinite(est.value), name
        assert est.lo <= est.value <= est.hi, name
        if est.kind == "probability":
            assert 0.0 <= est.lo <= est.hi <= 1.0, name
    assert sum(summary.leak_reasons.values()) == pytest.approx(1.0, abs=1e-3)
    assert set(summary.leak_reasons) <= set(REASONS)


def test_run_intervals_are_wilson_intervals_of_the_per_trial_columns(joint_run) -> None:
    """P(no leak) and P(asset protected) carry the Wilson interval of their Parquet column."""
    result, out = joint_run
    columns, _ = _read(out / "joint.parquet")
    lo, hi = wilson_interval(int(columns["no_leak"].sum()), TRIALS)
    assert result.summary.p_no_leak.value == columns["no_leak"].mean()
    assert (result.summary.p_no_leak.lo, result.summary.p_no_leak.hi) == (float(lo), float(hi))
    protected = ~columns["asset_hit"]
    for i, (asset, est) in enumerate(result.summary.p_asset_protected.items()):
        lo, hi = wilson_interval(int(protected[:, i].sum()), TRIALS)
        assert (est.lo, est.hi) == (float(lo), float(hi)), asset


def test_run_writes_parquet_and_json_with_provenance(joint_run) -> None:
    """`out` gets <arch>.parquet, .trials.parquet and .json with hash, seed, trials, version."""
    result, out = joint_run
    parquet, summary_json = out / "joint.parquet", out / "joint.json"
    assert set(result.files) == {parquet, out / "joint.trials.parquet", summary_json}
    assert parquet.is_file() and summary_json.is_file()
    expected_hash = scenario_hash(load_scenario(SCENARIO))
    _, meta = _read(parquet)
    assert meta["scenario_hash"] == expected_hash
    assert json.loads(meta["seed"]) == SEED
    assert json.loads(meta["trials"]) == TRIALS
    assert meta["jointshield_version"] == jointshield.__version__
    assert meta["architecture"] == "joint"
    assert json.loads(meta["parameters"])["dual_key"] is True
    written = json.loads(summary_json.read_text(encoding="utf-8"))
    assert written["meta"]["scenario_hash"] == expected_hash
    assert written["meta"]["seed"] == SEED
    assert written["meta"]["trials"] == TRIALS
    assert written["meta"]["jointshield_version"] == jointshield.__version__
    assert written["meta"]["geometry_samples"] == json.loads(meta["geometry_samples"]) == 1
    assert written["p_no_leak"] == result.summary.p_no_leak.to_json()
    assert result.meta == written["meta"]


def test_run_parquet_columns_reproduce_the_summary(joint_run) -> None:
    """The per-trial columns read back average to the summary's leakers, interceptors and more."""
    result, out = joint_run
    summary = result.summary
    columns, _ = _read(out / "joint.parquet")
    assert all(c.shape[0] == TRIALS for c in columns.values())
    killed = columns["killed"]
    assert np.array_equal(columns["leakers"], (~killed).sum(axis=1))
    assert summary.leakers.value == pytest.approx(columns["leakers"].mean(), rel=1e-12)
    assert summary.interceptors.value == pytest.approx(columns["interceptors"].mean(), rel=1e-12)
    assert summary.interceptors_per_kill == pytest.approx(
        columns["interceptors"].sum() / killed.sum(), rel=1e-12
    )
    sc = load_scenario(SCENARIO)
    attacked = sum(sc.asset(a).population for a in summary.p_asset_protected)
    assert summary.population_defended.value == pytest.approx(
        attacked - columns["population_hit"].mean(), rel=1e-12
    )
    reasons = columns["reason"][~killed]
    for name, share in summary.leak_reasons.items():
        count = int((reasons == REASONS.index(name)).sum())
        assert share == pytest.approx(count / reasons.size, abs=1e-4), name


def test_same_seed_gives_the_same_summary(joint_run, deployment) -> None:
    """The same seed gives the same summary, and another seed other numbers."""
    result, _ = joint_run
    again = run(
        theatre(SCENARIO), "joint", trials=TRIALS, seed=SEED, deployment=deployment, progress=False
    )
    assert again.summary.to_json() == result.summary.to_json()
    other = run(
        theatre(SCENARIO),
        "joint",
        trials=TRIALS,
        seed=SEED + 1,
        deployment=deployment,
        progress=False,
    )
    assert other.summary.to_json() != result.summary.to_json()


def test_two_workers_give_the_same_summary_and_columns(joint_run, deployment, tmp_path) -> None:
    """Two worker processes give the same summary and byte-identical Parquet columns as one."""
    result, out = joint_run
    two = run(
        SCENARIO,
        "joint",
        trials=TRIALS,
        seed=SEED,
        out=tmp_path,
        workers=2,
        deployment=deployment,
        progress=False,
    )
    assert two.summary.to_json() == result.summary.to_json()
    one_columns, _ = _read(out / "joint.parquet")
    two_columns, _ = _read(tmp_path / "joint.parquet")
    _assert_same_columns(one_columns, two_columns)


def test_trials_below_one_are_refused() -> None:
    """Zero trials is an error that says what was expected."""
    with pytest.raises(JointshieldError, match="at least 1"):
        run(theatre(SCENARIO), "joint", trials=0, progress=False)


# --------------------------------------------------------------------------- compare


def test_compare_flies_the_raid_once_and_writes_comparison_json(monkeypatch, tmp_path) -> None:
    """A comparison flies the raid once for all its architectures and writes comparison.json."""
    deployed = _spy(monkeypatch, jointshield.analysis.runs, "deploy_samples")
    flown = _spy(monkeypatch, jointshield.theatre.model, "fly_raid")
    seen = _spy(monkeypatch, jointshield.theatre.model, "sensor_picture")
    windows = _spy(monkeypatch, jointshield.battle.context, "intercept_windows")
    names = ("national", "joint")
    theatre_ = theatre(SCENARIO, cache=False)
    comparison = compare(theatre_, names, trials=100, seed=SEED, out=tmp_path, progress=False)
    assert len(deployed) == len(flown) == len(seen) == len(windows) == 1
    # The reach tables live in the theatre's cache: a second comparison builds none.
    built = len(theatre_.reach)
    compare(theatre_, names, trials=10, seed=SEED, progress=False)
    assert len(theatre_.reach) == built
    assert isinstance(comparison, Comparison)
    assert tuple(r.summary.architecture for r in comparison.results) == names
    assert comparison.meta["scenario_hash"] == scenario_hash(load_scenario(SCENARIO))
    assert {r.meta["raid"] for r in comparison.results} == {comparison.meta["raid"]}
    written = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert [a["architecture"] for a in written["architectures"]] == list(names)
    assert written["meta"] == comparison.meta
    for name in names:
        assert (tmp_path / f"{name}.parquet").is_file()
        assert (tmp_path / f"{name}.json").is_file()


def test_compare_deploys_each_geometry_sample_once(monkeypatch, tmp_path) -> None:
    """K samples: K radar pictures and window sets for all architectures, one batch of flights."""
    deployed = _spy(monkeypatch, jointshield.analysis.runs, "deploy_samples")
    flown = _spy(monkeypatch, jointshield.theatre.model, "fly_raid")
    seen = _spy(monkeypatch, jointshield.theatre.model, "sensor_picture")
    windows = _spy(monkeypatch, jointshield.battle.context, "intercept_windows")
    k = 3
    comparison = compare(
        theatre(SCENARIO, cache=False),
        ("national", "joint"),
        trials=TRIALS,
        seed=SEED,
        out=tmp_path,
        progress=False,
        geometry_samples=k,
    )
    assert len(deployed) == 1
    # The samples are aimed and flown as one batch, then each is seen and deployed once.
    assert len(flown) == 1
    assert len(seen) == len(windows) == k
    assert comparison.meta["geometry_samples"] == k
    assert {r.meta["geometry_samples"] for r in comparison.results} == {k}
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["geometry_samples"] == k
    columns, meta = _read(tmp_path / "national.parquet")
    assert json.loads(meta["geometry_samples"]) == k
    # The per-trial first intercept time varies between the samples.
    labels = trial_samples(k, TRIALS, SEED)
    t = columns["first_intercept_s"]
    engaged = np.isfinite(t).mean(axis=0) > 0.5
    assert engaged.any()
    per_sample = np.array([np.nanmean(t[labels == s][:, engaged], axis=0) for s in range(k)])
    assert np.ptp(per_sample, axis=0).max() > 1.0  # seconds
    # A folder of K samples is another study than one of the nominal geometry.
    with pytest.raises(JointshieldError, match="geometry_samples"):
        run(theatre(SCENARIO), "joint", trials=TRIALS, seed=SEED, out=tmp_path, progress=False)


@pytest.mark.parametrize("k", [0, -2, MAX_GEOMETRY_SAMPLES + 1, 2.0, True])
def test_bad_geometry_samples_are_refused_before_any_work(monkeypatch, tmp_path, k) -> None:
    """run, compare and sweep refuse a number of samples below 1 (or too many) before deploying."""
    deployed = _spy(monkeypatch, jointshield.analysis.runs, "deploy_samples")
    calls = (
        lambda: run(theatre(SCENARIO), "joint", trials=10, progress=False, geometry_samples=k),
        lambda: compare(theatre(SCENARIO), trials=10, progress=False, geometry_samples=k),
        lambda: sweep(
            theatre(SCENARIO), "joint", [VETO_GRID], tmp_path / "s", trials=10, geometry_samples=k
        ),
    )
    for call in calls:
        with pytest.raises(JointshieldError, match="geometry_samples"):
            call()
    assert deployed == []
    assert not (tmp_path / "s").exists()


def test_run_on_sampled_deployments_needs_their_number(deployment) -> None:
    """A run given deployments must be asked for as many geometry samples."""
    with pytest.raises(JointshieldError, match="geometry_samples"):
        run(
            theatre(SCENARIO),
            "joint",
            trials=10,
            deployment=deployment,
            geometry_samples=2,
            progress=False,
        )


def test_compare_unknown_architecture_lists_the_valid_names(monkeypatch) -> None:
    """An unknown architecture is refused, before any flying, with the list of valid names."""
    flown = _spy(monkeypatch, jointshield.analysis.runs, "deploy_samples")
    with pytest.raises(UnknownNameError) as info:
        compare(theatre(SCENARIO), ("national", "sideways"), trials=100, progress=False)
    assert isinstance(info.value, JointshieldError)
    assert "sideways" in str(info.value)
    for name in ARCHITECTURES:
        assert name in str(info.value)
    assert flown == []


def test_run_unknown_architecture_lists_the_valid_names() -> None:
    """`run` with an unknown architecture names every valid one."""
    with pytest.raises(UnknownNameError) as info:
        run(theatre(SCENARIO), "sideways", trials=100, progress=False)
    for name in ARCHITECTURES:
        assert name in str(info.value)


# --------------------------------------------------------------------------- params


def test_certain_veto_leaves_no_kill_and_only_vetoes_or_physics(deployment, tmp_path) -> None:
    """A certain veto under the dual key kills nothing: every leak is vetoed or physical."""
    result = run(
        SCENARIO,
        "joint",
        trials=100,
        seed=SEED,
        params={"veto_probability": 1.0},
        out=tmp_path,
        deployment=deployment,
        progress=False,
    )
    summary = result.summary
    assert summary.parameters["veto_probability"] == 1.0
    assert summary.p_no_leak.value == 0.0
    assert summary.interceptors.value == 0.0
    assert math.isnan(summary.interceptors_per_kill)
    assert "vetoed" in summary.leak_reasons
    assert set(summary.leak_reasons) <= PHYSICAL_REASONS | {"vetoed"}
    columns, meta = _read(tmp_path / "joint.parquet")
    assert not columns["killed"].any()
    reasons = {REASONS[int(c)] for c in np.unique(columns["reason"])}
    assert "engaged" not in reasons
    assert reasons <= PHYSICAL_REASONS | {"vetoed"}
    assert json.loads(meta["parameters"])["veto_probability"] == 1.0


def test_unknown_parameter_names_the_valid_parameters() -> None:
    """An unknown parameter is an error that lists every valid parameter."""
    with pytest.raises(JointshieldError) as info:
        run(theatre(SCENARIO), "joint", trials=100, params={"nonsense": 1}, progress=False)
    message = str(info.value)
    assert "nonsense" in message
    for name in PARAMETERS:
        assert name in message


# --------------------------------------------------------------------------- sweep


def test_sweep_writes_one_summary_and_table_per_point(veto_sweep) -> None:
    """A sweep over two values gives two points, each with its JSON summary and Parquet table."""
    records, out = veto_sweep
    assert [r["key"] for r in records] == list(VETO_KEYS)
    assert [r["params"] for r in records] == [
        {"veto_probability": 0.0},
        {"veto_probability": 0.5},
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_hash"] == scenario_hash(load_scenario(SCENARIO))
    assert manifest["seed"] == SEED and manifest["trials"] == TRIALS
    for record in records:
        stored = json.loads((out / "points" / f"{record['key']}.json").read_text(encoding="utf-8"))
        assert stored == record
        assert stored["parameters"]["veto_probability"] == record["params"]["veto_probability"]
        columns, meta = _read(out / "points" / f"{record['key']}.parquet")
        assert columns["leakers"].shape == (TRIALS,)
        assert meta["point_key"] == record["key"]
        assert record["leakers"]["value"] == pytest.approx(columns["leakers"].mean(), rel=1e-12)
    assert _hidden_files(out) == []


def test_sweep_rerun_reads_back_instead_of_recomputing(veto_sweep, monkeypatch) -> None:
    """A rerun of a finished sweep runs no trial and returns the same points."""
    records, out = veto_sweep
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    prepared = _spy(monkeypatch, jointshield.analysis.runs, "prepare_samples")
    again = sweep(
        theatre(SCENARIO), "joint", [VETO_GRID], out, trials=TRIALS, seed=SEED, progress=False
    )
    assert prepared == []
    assert again == records
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_sweep_veto_never_helps(veto_sweep) -> None:
    """Raising the veto probability never raises P(no leak) or the kills, trial by trial."""
    records, out = veto_sweep
    low, high = records
    assert high["p_no_leak"]["value"] <= low["p_no_leak"]["value"]
    assert high["leakers"]["value"] >= low["leakers"]["value"]
    killed_low = _read(out / "points" / f"{VETO_KEYS[0]}.parquet")[0]["killed"]
    killed_high = _read(out / "points" / f"{VETO_KEYS[1]}.parquet")[0]["killed"]
    assert killed_high.mean() < killed_low.mean()  # the veto bites in this raid
    # Common random numbers: a launch vetoed at 0.5 is the same launch, other draws unchanged.
    assert np.all(killed_high.sum(axis=1) <= killed_low.sum(axis=1))


def test_sweep_refuses_a_folder_of_another_scenario(veto_sweep, tmp_path) -> None:
    """A sweep folder made with another scenario is refused, naming the field that differs."""
    _, out = veto_sweep
    folder = tmp_path / "sweep"
    shutil.copytree(out, folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    # Same name, another scenario: only the hash tells them apart.
    sc = load_scenario(SCENARIO)
    raid = sc.raid()
    one = raid.model_copy(update={"threats": raid.threats[:1]})
    other = sc.model_copy(update={"raids": (one,)})
    assert other.name == sc.name and scenario_hash(other) != scenario_hash(sc)
    with pytest.raises(JointshieldError, match="scenario_hash"):
        sweep(other, "joint", [VETO_GRID], folder, trials=TRIALS, seed=SEED, progress=False)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_interrupted_sweep_keeps_finished_points_and_resumes(
    veto_sweep, monkeypatch, tmp_path
) -> None:
    """Ctrl-C in the second point (as it is prepared) keeps the first point's files whole, no
    temporary file, and a rerun finishes with the numbers of an uninterrupted sweep."""
    records, _ = veto_sweep
    real = jointshield.analysis.runs.prepare_samples
    calls: list[int] = []

    def interrupt_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(jointshield.analysis.runs, "prepare_samples", interrupt_second)
    out = tmp_path / "sweep"
    with pytest.raises(KeyboardInterrupt):
        sweep(
            theatre(SCENARIO), "joint", [VETO_GRID], out, trials=TRIALS, seed=SEED, progress=False
        )
    assert len(calls) == 2
    points = out / "points"
    first, second = VETO_KEYS
    stored = json.loads((points / f"{first}.json").read_text(encoding="utf-8"))
    assert stored == records[0]
    columns, _ = _read(points / f"{first}.parquet")
    assert columns["leakers"].shape == (TRIALS,)
    assert not (points / f"{second}.json").exists()
    assert not (points / f"{second}.parquet").exists()
    assert _hidden_files(out) == []

    monkeypatch.setattr(jointshield.analysis.runs, "prepare_samples", real)
    prepared = _spy(monkeypatch, jointshield.analysis.runs, "prepare_samples")
    again = sweep(
        theatre(SCENARIO), "joint", [VETO_GRID], out, trials=TRIALS, seed=SEED, progress=False
    )
    assert len(prepared) == 1  # only the point that was interrupted
    assert again == records
    assert (points / f"{second}.parquet").is_file()
    assert _hidden_files(out) == []


def test_sweep_with_bad_trials_is_refused_before_writing(tmp_path) -> None:
    """A sweep with no trials is refused and leaves no manifest that would block a good rerun."""
    out = tmp_path / "sweep"
    with pytest.raises(JointshieldError, match="at least 1"):
        sweep(theatre(SCENARIO), "joint", [VETO_GRID], out, trials=0, seed=SEED, progress=False)
    assert not (out / "manifest.json").exists()
