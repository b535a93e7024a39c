"""Monte Carlo machinery: reproducible blocks, intervals, result files and sweeps."""

from __future__ import annotations

import io
import json
import multiprocessing
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from jointshield.errors import JointshieldError
from jointshield.montecarlo import blocks
from jointshield.montecarlo.blocks import BLOCK_TRIALS, block_plan, run_blocks
from jointshield.montecarlo.stats import Estimate, mean_interval, wilson_interval
from jointshield.montecarlo.store import read_parquet, write_json_atomic, write_parquet
from jointshield.montecarlo.sweep import SweepPoint, grid_points, parse_grid, run_sweep

CONTEXT = {"p": 0.7, "threats": 3, "sigma_m": 50.0}
TRIALS = 2 * BLOCK_TRIALS + 234  # not a multiple of the block size: the last block is short
SEED = 20111125


def bernoulli_block(
    context: dict[str, Any], seed_sequence: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Per-threat Bernoulli kills and a per-trial normal miss distance."""
    rng = np.random.default_rng(seed_sequence)
    hit = rng.random((n_trials, context["threats"])) < context["p"]
    return {
        "hit": hit,
        "leakers": (~hit).sum(axis=1),
        "miss_m": rng.normal(0.0, context["sigma_m"], n_trials),
    }


def wrong_length_block(
    context: Any, seed_sequence: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Return one row too few."""
    return {"x": np.zeros(n_trials - 1)}


@pytest.fixture(scope="module")
def reference() -> dict[str, NDArray[Any]]:
    return run_blocks(bernoulli_block, CONTEXT, TRIALS, SEED, progress=False)


def assert_identical(a: dict[str, NDArray[Any]], b: dict[str, NDArray[Any]]) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- blocks


def test_block_plan_covers_the_trials_with_spawned_children() -> None:
    """The blocks hold exactly ``trials`` trials; their streams are ``SeedSequence(seed).spawn``."""
    plan = block_plan(TRIALS, SEED)
    assert [i for i, _, _ in plan] == [0, 1, 2]
    assert [n for _, _, n in plan] == [BLOCK_TRIALS, BLOCK_TRIALS, 234]
    assert sum(n for _, _, n in plan) == TRIALS
    children = np.random.SeedSequence(SEED).spawn(3)
    for (_, ss, _), child in zip(plan, children, strict=True):
        assert ss.entropy == child.entropy
        assert ss.spawn_key == child.spawn_key
        assert np.array_equal(ss.generate_state(4), child.generate_state(4))
    assert [n for _, _, n in block_plan(BLOCK_TRIALS, 0)] == [BLOCK_TRIALS]
    assert [n for _, _, n in block_plan(1, 0)] == [1]


@pytest.mark.parametrize(
    ("trials", "seed", "message"),
    [(0, 1, "trials"), (10, -1, "seed"), (2.5, 1, "trials"), (True, 1, "trials")],
)
def test_block_plan_rejects_bad_arguments(trials: Any, seed: Any, message: str) -> None:
    """Trials below 1, negative seeds and non-integers are refused by name."""
    with pytest.raises(JointshieldError, match=message):
        block_plan(trials, seed)


def test_results_shape_and_columns(reference: dict[str, NDArray[Any]]) -> None:
    """Blocks are concatenated into one column per name over all trials."""
    assert reference["hit"].shape == (TRIALS, 3)
    assert reference["leakers"].shape == (TRIALS,)
    assert reference["miss_m"].dtype == np.float64
    assert abs(reference["hit"].mean() - CONTEXT["p"]) < 0.03


def test_process_pool_gives_identical_bytes(reference: dict[str, NDArray[Any]]) -> None:
    """Two worker processes give the same arrays, byte for byte, as one process."""
    pooled = run_blocks(bernoulli_block, CONTEXT, TRIALS, SEED, workers=2, progress=False)
    assert_identical(reference, pooled)


def test_dask_local_cluster_gives_identical_bytes(reference: dict[str, NDArray[Any]]) -> None:
    """A two-worker Dask cluster (separate processes) gives the same arrays, byte for byte."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run_blocks(
            bernoulli_block,
            CONTEXT,
            TRIALS,
            SEED,
            dask_address=cluster.scheduler_address,
            progress=False,
        )
    assert_identical(reference, on_dask)


def test_different_seeds_differ(reference: dict[str, NDArray[Any]]) -> None:
    """Another seed gives other draws."""
    other = run_blocks(bernoulli_block, CONTEXT, TRIALS, SEED + 1, progress=False)
    assert not np.array_equal(reference["miss_m"], other["miss_m"])
    assert not np.array_equal(reference["hit"], other["hit"])


def test_shorter_run_is_a_prefix(reference: dict[str, NDArray[Any]]) -> None:
    """Whole blocks do not depend on the total: a shorter run is the start of a longer one."""
    short = run_blocks(bernoulli_block, CONTEXT, BLOCK_TRIALS + 7, SEED, progress=False)
    for name in short:
        assert np.array_equal(short[name][:BLOCK_TRIALS], reference[name][:BLOCK_TRIALS])


def test_progress_callback_counts_blocks() -> None:
    """A callable progress is called with (done, total) in blocks, starting at 0."""
    calls: list[tuple[int, int]] = []
    run_blocks(bernoulli_block, CONTEXT, TRIALS, SEED, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_interrupt_cancels_and_shuts_the_pool_down() -> None:
    """Ctrl-C while waiting for blocks is re-raised and leaves no worker process behind."""

    def interrupt(done: int, total: int) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_blocks(bernoulli_block, CONTEXT, 4 * BLOCK_TRIALS, SEED, workers=2, progress=interrupt)
    assert multiprocessing.active_children() == []


def test_block_with_wrong_length_is_named() -> None:
    """A block function returning the wrong number of rows gets an error naming the column."""
    with pytest.raises(JointshieldError, match=r"block 0 column 'x'.*499"):
        run_blocks(wrong_length_block, None, 10 * BLOCK_TRIALS, 0, progress=False)


def test_missing_dask_scheduler_is_a_clear_error() -> None:
    """An address where no scheduler listens gives a JointshieldError, not a traceback."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}),
        pytest.raises(JointshieldError, match="cannot reach the Dask scheduler"),
    ):
        run_blocks(bernoulli_block, CONTEXT, 10, 0, dask_address=address, progress=False)


def test_env_address_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """``dask_address="env"`` without DASK_SCHEDULER_ADDRESS says which variable is missing."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with pytest.raises(JointshieldError, match="DASK_SCHEDULER_ADDRESS"):
        run_blocks(bernoulli_block, CONTEXT, 10, 0, dask_address="env", progress=False)


# --------------------------------------------------------------------------- intervals


def test_wilson_closed_form() -> None:
    """Wilson bounds match hand-computed values (z = 1.95996)."""
    lo, hi = wilson_interval([0, 5, 10], [10, 10, 10])
    z2 = stats.norm.ppf(0.975) ** 2
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(z2 / (10 + z2), abs=1e-12)  # x = 0: z²/(n + z²)
    assert hi[0] == pytest.approx(0.27753, abs=1e-5)
    assert (lo[1], hi[1]) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    assert (lo[2], hi[2]) == (pytest.approx(1 - 0.27753, abs=1e-5), 1.0)


def test_wilson_against_scipy() -> None:
    """Wilson bounds agree with scipy's binomtest Wilson interval to 1e-12."""
    rng = np.random.default_rng(3)
    n = rng.integers(1, 400, 200)
    x = rng.integers(0, n + 1)
    for confidence in (0.9, 0.95, 0.99):
        lo, hi = wilson_interval(x, n, confidence)
        for k in range(n.size):
            ci = stats.binomtest(int(x[k]), int(n[k])).proportion_ci(
                confidence_level=confidence, method="wilson"
            )
            assert lo[k] == pytest.approx(ci.low, abs=1e-12)
            assert hi[k] == pytest.approx(ci.high, abs=1e-12)


def test_wilson_coverage_is_near_nominal() -> None:
    """Over many binomial draws the 95 % interval covers the true p about 95 % of the time."""
    rng = np.random.default_rng(11)
    draws = 20_000
    p = rng.uniform(0.05, 0.95, draws)
    n = rng.integers(30, 300, draws)
    x = rng.binomial(n, p)
    lo, hi = wilson_interval(x, n)
    coverage = np.mean((lo <= p) & (p <= hi))
    # Binomial sampling error of the coverage (4 sigma) plus 1 % for the
    # discreteness of the binomial, around which Wilson's coverage oscillates.
    bound = 4 * np.sqrt(0.95 * 0.05 / draws) + 0.01
    assert abs(coverage - 0.95) < bound


def test_wilson_no_trials_and_bad_counts() -> None:
    """n = 0 gives (0, 1); counts outside 0..n and confidence outside (0, 1) are refused."""
    lo, hi = wilson_interval(0, 0)
    assert (float(lo), float(hi)) == (0.0, 1.0)
    with pytest.raises(JointshieldError, match="successes <= n"):
        wilson_interval(11, 10)
    with pytest.raises(JointshieldError, match="confidence"):
        wilson_interval(1, 10, confidence=1.5)


def test_mean_interval_against_scipy_t() -> None:
    """The mean interval is scipy's Student-t interval on the standard error, along an axis."""
    rng = np.random.default_rng(5)
    x = rng.normal(10.0, 2.0, (50, 3))
    mean, lo, hi = mean_interval(x, 0.9)
    for j in range(3):
        ref = stats.t.interval(0.9, 49, loc=x[:, j].mean(), scale=stats.sem(x[:, j]))
        assert mean[j] == pytest.approx(x[:, j].mean(), rel=1e-14)
        assert (lo[j], hi[j]) == pytest.approx(ref, rel=1e-12)
    m1, lo1, hi1 = mean_interval([4.0])
    assert float(m1) == 4.0
    assert np.isnan(lo1) and np.isnan(hi1)


def test_estimate_text_and_json() -> None:
    """An Estimate prints as value [lo, hi] and round-trips through JSON, NaN as null."""
    est = Estimate(0.9124, 0.9051, 0.9190, "probability")
    assert str(est) == "0.912 [0.905, 0.919]"
    assert Estimate.from_json(json.loads(json.dumps(est.to_json()))) == est
    empty = Estimate.from_counts(0, 0)
    assert empty.to_json()["value"] is None
    assert (empty.lo, empty.hi) == (0.0, 1.0)
    assert Estimate.from_counts(5, 10).lo == pytest.approx(0.236593, abs=1e-6)
    assert str(Estimate.from_samples([1.0, 2.0, 3.0, 4.0])) == "2.5 [0.4457, 4.554]"
    with pytest.raises(JointshieldError, match="kind"):
        Estimate(1.0, 0.0, 2.0, "median")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- files


def test_parquet_round_trip(tmp_path: Path, reference: dict[str, NDArray[Any]]) -> None:
    """1-D and 2-D columns, their dtypes and the file metadata read back unchanged."""
    columns = {
        **reference,
        "reason": np.array(
            ["killed", "too-late", "veto"] * (TRIALS // 3) + ["killed"] * (TRIALS % 3)
        ),
        "cube": np.arange(TRIALS * 6, dtype=np.int32).reshape(TRIALS, 2, 3),
    }
    metadata = {
        "scenario_hash": "abc123",
        "seed": str(SEED),
        "parameters": json.dumps({"latency_s": 12.5}),
        "architecture": "joint",
    }
    path = write_parquet(tmp_path / "out" / "run.parquet", columns, metadata)
    back, meta = read_parquet(path)
    assert meta == metadata
    assert_identical(columns, back)
    assert back["hit"].flags.writeable
    # The layout: one named column per array, 2-D as a fixed-size list.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    schema = pq.read_schema(path)
    assert schema.names == list(columns)
    assert schema.field("hit").type == pa.list_(pa.bool_(), 3)
    assert [p.name for p in path.parent.iterdir()] == ["run.parquet"]


def test_parquet_rejects_ragged_columns(tmp_path: Path) -> None:
    """Columns of different lengths are refused by name."""
    with pytest.raises(JointshieldError, match="column 'b'"):
        write_parquet(tmp_path / "x.parquet", {"a": np.zeros(3), "b": np.zeros(4)}, {})


def test_interrupted_parquet_write_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails after the temporary file exists leaves the old file and no temporary."""
    pq = pytest.importorskip("pyarrow.parquet")
    path = write_parquet(tmp_path / "run.parquet", {"x": np.arange(5.0)}, {"seed": "1"})
    before = path.read_bytes()

    def broken_write(table: Any, where: Any, **kwargs: Any) -> None:
        where.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", broken_write)
    with pytest.raises(KeyboardInterrupt):
        write_parquet(path, {"x": np.arange(7.0)}, {"seed": "2"})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.parquet"]
    monkeypatch.undo()
    columns, meta = read_parquet(path)
    assert meta == {"seed": "1"}
    assert np.array_equal(columns["x"], np.arange(5.0))


def test_read_parquet_of_another_file_is_clear(tmp_path: Path) -> None:
    """Reading a file that is not Parquet gives a JointshieldError naming it."""
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(JointshieldError, match=r"bad\.parquet"):
        read_parquet(bad)


def test_write_json_atomic_converts_numpy_and_nan(tmp_path: Path) -> None:
    """NumPy values become JSON numbers, NaN becomes null, and no temporary file is left."""
    path = write_json_atomic(
        tmp_path / "s.json",
        {"n": np.int64(3), "x": np.float32(0.5), "v": np.arange(2), "nan": float("nan"), "é": "ü"},
    )
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "n": 3,
        "x": 0.5,
        "v": [0, 1],
        "nan": None,
        "é": "ü",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


# --------------------------------------------------------------------------- grids


def test_parse_grid_good_specs() -> None:
    """Ranges are linspace, lists are taken as written, whitespace is ignored."""
    name, values = parse_grid("latency_s=0:60:7")
    assert name == "latency_s"
    assert np.array_equal(values, np.linspace(0, 60, 7))
    assert parse_grid(" veto_p = 0, 0.1,0.5 ")[0] == "veto_p"
    assert np.array_equal(parse_grid("veto_p=0,0.1,0.5")[1], [0.0, 0.1, 0.5])
    assert np.array_equal(parse_grid("link.latency_s=5")[1], [5.0])
    assert np.array_equal(parse_grid("x=-1:1:3")[1], [-1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("latency_s", "expected NAME=START:STOP:COUNT"),
        ("=1,2", "the name ''"),
        ("9lives=1", "the name '9lives'"),
        ("latency_s=", "no values"),
        ("latency_s=0:60", "three parts"),
        ("latency_s=0:60:1", "COUNT to be an integer of at least 2"),
        ("latency_s=0:60:x", "COUNT to be an integer"),
        ("latency_s=a:60:3", "START 'a' is not a number"),
        ("latency_s=1,two", "value 'two' is not a number"),
        ("latency_s=1,2,1", "distinct values"),
        ("latency_s=5:5:3", "START and STOP to differ"),
        ("latency_s=1,inf", "finite"),
    ],
)
def test_parse_grid_bad_specs(spec: str, message: str) -> None:
    """A bad grid spec is refused with a message saying what was expected."""
    with pytest.raises(JointshieldError, match=message.replace(".", r"\.")) as info:
        parse_grid(spec)
    assert repr(spec) in str(info.value)


def test_grid_points_order_and_keys() -> None:
    """Points run as nested loops, last axis fastest, with stable distinct keys."""
    points = grid_points([("a", np.array([1.0, 2.0])), ("b", np.array([0.1, 0.2, 0.3]))])
    assert [p.index for p in points] == list(range(6))
    assert [(p.params["a"], p.params["b"]) for p in points] == [
        (1.0, 0.1),
        (1.0, 0.2),
        (1.0, 0.3),
        (2.0, 0.1),
        (2.0, 0.2),
        (2.0, 0.3),
    ]
    assert points[1].key == "a=1.0_b=0.2"
    assert len({p.key for p in points}) == 6
    assert all(set(p.key) <= set("abcdefghijklmnopqrstuvwxyz0123456789._=-") for p in points)
    assert grid_points([]) == [SweepPoint(0, {}, "default")]
    with pytest.raises(JointshieldError, match="distinct parameter names"):
        grid_points([("a", [1]), ("a", [2])])


# --------------------------------------------------------------------------- sweeps


MANIFEST = {
    "scenario_hash": "h1",
    "seed": 7,
    "trials": 100,
    "architecture": "joint",
    "version": "0",
}
GRID = [("latency_s", np.array([0.0, 30.0, 60.0])), ("veto_p", np.array([0.0, 0.5]))]


class CountingPoint:
    """A run_point that counts its calls and can be told to stop after some."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[str] = []
        self.stop_after = stop_after

    def __call__(self, point: SweepPoint) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        if self.stop_after is not None and len(self.calls) == self.stop_after:
            raise KeyboardInterrupt
        self.calls.append(point.key)
        seed = int(point.params["latency_s"] * 10 + point.params["veto_p"] * 2)
        columns = run_blocks(bernoulli_block, CONTEXT, 50, seed, progress=False)
        p = Estimate.from_counts(int(columns["hit"].sum()), columns["hit"].size)
        return columns, {"p_kill": p, "mean_miss_m": float(columns["miss_m"].mean())}


def test_sweep_resumes_after_interrupt(tmp_path: Path) -> None:
    """After Ctrl-C the finished points are kept, not recomputed, and the result is unchanged."""
    points = grid_points(GRID)
    first = CountingPoint(stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path / "s", points, first, manifest=MANIFEST, progress=False)
    assert first.calls == [p.key for p in points[:3]]
    done = sorted(p.name for p in (tmp_path / "s" / "points").iterdir())
    assert done == sorted(
        [f"{p.key}.json" for p in points[:3]] + [f"{p.key}.parquet" for p in points[:3]]
    )

    # What a run killed outright would leave: a temporary file, never read, removed on resume.
    leftover = tmp_path / "s" / "points" / f".{points[3].key}.json.4242.0badcafe.tmp"
    leftover.write_text('{"half": ')
    second = CountingPoint()
    resumed = run_sweep(tmp_path / "s", points, second, manifest=MANIFEST, progress=False)
    assert second.calls == [p.key for p in points[3:]]

    fresh = run_sweep(tmp_path / "f", points, CountingPoint(), manifest=MANIFEST, progress=False)
    assert resumed == fresh
    assert [r["key"] for r in resumed] == [p.key for p in points]
    assert resumed[0]["params"] == {"latency_s": 0.0, "veto_p": 0.0}
    assert resumed[0]["p_kill"]["kind"] == "probability"
    assert not list((tmp_path / "s").rglob("*.tmp"))
    columns, meta = read_parquet(tmp_path / "s" / "points" / f"{points[4].key}.parquet")
    assert json.loads(meta["params"]) == points[4].params
    assert meta["scenario_hash"] == "h1"
    assert columns["hit"].shape == (50, 3)

    # A third run computes nothing.
    third = CountingPoint()
    assert run_sweep(tmp_path / "s", points, third, manifest=MANIFEST, progress=False) == fresh
    assert third.calls == []


def test_sweep_refuses_another_run_in_the_folder(tmp_path: Path) -> None:
    """A folder holding a sweep of another scenario hash (or grid) is refused, naming the field."""
    points = grid_points(GRID)
    run_sweep(tmp_path, points[:1], CountingPoint(), manifest=MANIFEST, progress=False)
    other = {**MANIFEST, "scenario_hash": "h2"}
    with pytest.raises(JointshieldError, match="scenario_hash") as info:
        run_sweep(tmp_path, points[:1], CountingPoint(), manifest=other, progress=False)
    assert "'h1' there, 'h2' now" in str(info.value)
    with pytest.raises(JointshieldError, match="point_keys"):
        run_sweep(tmp_path, points, CountingPoint(), manifest=MANIFEST, progress=False)


def test_sweep_of_points_run_together_writes_what_one_by_one_does(tmp_path: Path) -> None:
    """``run_points`` may finish the points in any order; the files and records are the same,
    an interruption keeps the points already given, and a rerun asks only for the others."""
    points = grid_points(GRID)
    one_by_one = run_sweep(
        tmp_path / "a", points, CountingPoint(), manifest=MANIFEST, progress=False
    )
    asked: list[list[str]] = []

    def backwards(todo: Any, stop_after: int | None = None) -> Any:
        asked.append([p.key for p in todo])
        point = CountingPoint()
        for given, p in enumerate(reversed(todo)):
            if given == stop_after:
                raise KeyboardInterrupt
            yield p, point(p)

    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            tmp_path / "b",
            points,
            manifest=MANIFEST,
            progress=False,
            run_points=lambda todo: backwards(todo, stop_after=2),
        )
    assert sorted(p.name for p in (tmp_path / "b" / "points").glob("*.json")) == sorted(
        f"{p.key}.json" for p in points[-2:]
    )
    together = run_sweep(
        tmp_path / "b", points, manifest=MANIFEST, progress=False, run_points=backwards
    )
    assert asked[1] == [p.key for p in points[:-2]]
    assert together == one_by_one
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            assert (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes() == (
                path.read_bytes()
            )
    with pytest.raises(TypeError, match="exactly one"):
        run_sweep(tmp_path / "c", points, manifest=MANIFEST, progress=False)


def test_contexts_travel_as_references_to_what_they_share() -> None:
    """A context holding the shared data pickles to a few bytes, and unpickles onto the
    worker's copy of it."""
    shared = {"table": np.arange(250_000, dtype=np.float64)}  # 2 MB
    parcel = blocks._Parcel((shared, None))
    context = {"table": shared["table"], "p": 0.25}
    packed = parcel.pack(context, "the context")
    assert len(packed) < 200
    objects = blocks._unpack_shared(parcel.data)
    [worker_shared] = [o for o in objects.values() if isinstance(o, dict) and "table" in o]
    unpacked = blocks._ReferenceUnpickler(io.BytesIO(packed), objects).load()
    assert unpacked["table"] is worker_shared["table"]
    assert unpacked["table"].tobytes() == shared["table"].tobytes()
    assert unpacked["p"] == 0.25
    with pytest.raises(JointshieldError, match="cannot be pickled"):
        parcel.pack({"f": lambda: None}, "the context")
