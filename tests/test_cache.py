"""The geometry cache: keys that name every input, entries that are whole or recomputed."""

from __future__ import annotations

import copy
import dataclasses
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jointshield.battle.context
import jointshield.flight.reach
import jointshield.theatre.model
from jointshield.analysis.runs import compare
from jointshield.cache import (
    CACHE_DIR_ENV,
    NO_CACHE_ENV,
    GeometryCache,
    default_cache,
    fingerprint,
)
from jointshield.scenario import load_scenario
from jointshield.theatre.compile import compile_scenario, theatre_of

SCENARIO = "europe-2011"
TRIALS = 300
NAMES = ("national", "joint")


def _spy(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def _spies(monkeypatch):
    return (
        _spy(monkeypatch, jointshield.theatre.model, "fly_raid"),
        _spy(monkeypatch, jointshield.theatre.model, "sensor_picture"),
        _spy(monkeypatch, jointshield.flight.reach.InterceptorKinematics, "build"),
        _spy(monkeypatch, jointshield.battle.context, "cued_view"),
        _spy(monkeypatch, jointshield.battle.context, "fused_fire_control_s"),
    )


# --------------------------------------------------------------------------- keys


def test_fingerprint_tells_every_bit_type_and_order_apart() -> None:
    base = fingerprint(1.0, "a", (1, 2), {"x": np.arange(3.0)})
    assert base == fingerprint(1.0, "a", (1, 2), {"x": np.arange(3.0)})
    others = [
        fingerprint(np.nextafter(1.0, 2.0), "a", (1, 2), {"x": np.arange(3.0)}),
        fingerprint(1, "a", (1, 2), {"x": np.arange(3.0)}),  # int, not float
        fingerprint(1.0, "b", (1, 2), {"x": np.arange(3.0)}),
        fingerprint(1.0, "a", (2, 1), {"x": np.arange(3.0)}),
        fingerprint(1.0, "a", [1, 2], {"x": np.arange(3.0)}),  # list, not tuple
        fingerprint(1.0, "a", (1, 2), {"y": np.arange(3.0)}),
        fingerprint(1.0, "a", (1, 2), {"x": np.arange(3)}),  # dtype
        fingerprint(1.0, "a", (1, 2), {"x": np.arange(3.0).reshape(3, 1)}),  # shape
        fingerprint(1.0, "a", (1, 2), {"x": np.array([0.0, 1.0, 2.0 + 1e-15])}),
    ]
    assert len({base, *others}) == len(others) + 1
    assert fingerprint(0.0) != fingerprint(-0.0)
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint(float("nan")) == fingerprint(float("nan"))


def test_fingerprint_refuses_what_it_cannot_name_exactly() -> None:
    with pytest.raises(TypeError, match="cannot encode"):
        fingerprint(object())
    with pytest.raises(TypeError, match="cannot encode"):
        fingerprint({"f": lambda: 0})


def test_every_compared_field_of_a_radar_and_a_plan_changes_its_key() -> None:
    """A key names exactly its inputs: change any model field and the key changes."""
    th = compile_scenario(load_scenario(SCENARIO))
    for obj in (th.radars[0], th.raid().threats[0], th.interceptors[0]):
        key = fingerprint(obj)
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if not f.compare or isinstance(value, bool) or value is None:
                continue
            if isinstance(value, float):
                changed = value * 1.5 + 1.0
            elif isinstance(value, int):
                changed = value + 1
            elif isinstance(value, str):
                changed = value + "x"
            else:
                continue
            other = copy.copy(obj)  # not replace(): a changed value need not be valid
            object.__setattr__(other, f.name, changed)
            assert fingerprint(other) != key, f.name


# --------------------------------------------------------------------------- entries


def test_an_entry_is_computed_once_then_read(tmp_path: Path) -> None:
    cache = GeometryCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(4.0)}

    key = fingerprint("demo")
    first = cache.get_or_compute("demo", key, compute)
    second = GeometryCache(tmp_path).get_or_compute("demo", key, compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["a"], second["a"])
    assert cache.info() == {"demo": (1, (tmp_path / "demo" / f"{key}.bin").stat().st_size)}


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "bad-pickle"])
def test_a_damaged_entry_is_recomputed_never_trusted(tmp_path: Path, damage: str) -> None:
    cache = GeometryCache(tmp_path)
    key = fingerprint("damaged")
    cache.store("demo", key, np.arange(1000.0))
    path = tmp_path / "demo" / f"{key}.bin"
    blob = bytearray(path.read_bytes())
    if damage == "flip":
        blob[-100] ^= 0x01
    elif damage == "truncate":
        blob = blob[: len(blob) // 2]
    elif damage == "empty":
        blob = bytearray()
    elif damage == "garbage":
        blob = bytearray(os.urandom(len(blob)))
    else:
        # A correct digest of a payload that is not a pickle this code can load.
        import hashlib

        from jointshield import cache as cache_module

        payload = b"\x80\x05not a pickle"
        blob = bytearray(cache_module._MAGIC + hashlib.sha256(payload).digest() + payload)
    path.write_bytes(bytes(blob))
    assert cache.load("demo", key) is None
    assert not path.exists()  # the damaged entry is gone
    calls = []
    got = cache.get_or_compute("demo", key, lambda: calls.append(1) or np.arange(3.0))
    np.testing.assert_array_equal(got, np.arange(3.0))
    assert calls == [1]
    np.testing.assert_array_equal(cache.load("demo", key), np.arange(3.0))


def _write_many(folder: str, key: str, n: int) -> None:
    cache = GeometryCache(folder)
    for _ in range(n):
        cache.store("demo", key, np.full(20_000, 7.0))


def test_concurrent_writers_leave_a_whole_entry(tmp_path: Path) -> None:
    key = fingerprint("concurrent")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), key, 30)) for _ in range(3)]
    for p in procs:
        p.start()
    cache = GeometryCache(tmp_path)
    seen = 0
    while any(p.is_alive() for p in procs):
        got = cache.load("demo", key)
        if got is not None:
            np.testing.assert_array_equal(got, np.full(20_000, 7.0))
            seen += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    np.testing.assert_array_equal(cache.load("demo", key), np.full(20_000, 7.0))
    # No temporary file is left behind.
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [f"{key}.bin"]


def test_an_unwritable_folder_computes_without_keeping(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = GeometryCache(blocker / "cache")
    assert cache.get_or_compute("demo", fingerprint(1), lambda: 41 + 1) == 42
    assert cache.load("demo", fingerprint(1)) is None


def test_clear_removes_every_entry(tmp_path: Path) -> None:
    cache = GeometryCache(tmp_path)
    for i in range(3):
        cache.store("demo", fingerprint(i), i)
    cache.store("other", fingerprint(9), 9)
    assert cache.clear()[0] == 4
    assert cache.info() == {}
    assert cache.clear() == (0, 0)


def test_the_environment_names_or_turns_off_the_cache(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    got = default_cache()
    assert got is not None and got.folder == tmp_path
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    assert default_cache() is None
    monkeypatch.setenv(NO_CACHE_ENV, "0")
    assert default_cache() is not None


# --------------------------------------------------------------------------- studies


def _bytes_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix == ".parquet"}


def test_a_cached_study_gives_the_same_bytes_and_flies_nothing(monkeypatch, tmp_path) -> None:
    """Cold, warm and uncached comparisons: same numbers and Parquet; the warm one computes no
    geometry."""
    store = GeometryCache(tmp_path / "cache")
    runs = {}
    for label, cache in (("none", None), ("cold", store), ("warm", store)):
        calls = _spies(monkeypatch) if label == "warm" else None
        theatre = theatre_of(SCENARIO, cache=cache if cache is not None else False)
        out = tmp_path / label
        result = compare(theatre, NAMES, trials=TRIALS, seed=3, out=out, progress=False)
        summaries = [r.summary.to_json() for r in result.results]
        runs[label] = (json.dumps(summaries, sort_keys=True), _bytes_of(out))
        if calls is not None:
            assert [len(c) for c in calls] == [0, 0, 0, 0, 0]
        monkeypatch.undo()
    assert runs["none"] == runs["cold"] == runs["warm"]
    assert len(runs["warm"][1]) == 2 * len(NAMES)  # per-warhead and per-trial tables
    assert set(store.info()) == {"raid", "picture", "cued", "fused", "reach"}


def test_a_changed_input_recomputes_only_what_depends_on_it(monkeypatch, tmp_path) -> None:
    """A radar's range changes the picture's key, not the raid's; a pk changes neither the
    raid, the picture nor the reach (the reach table depends on kinematics only)."""
    store = GeometryCache(tmp_path)
    base = compile_scenario(load_scenario(SCENARIO), cache=store)
    compare(base, NAMES, trials=10, progress=False)
    scenario = load_scenario(SCENARIO)
    radars = list(scenario.sensors)
    index = next(i for i, s in enumerate(radars) if s.kind == "radar")
    radars[index] = radars[index].model_copy(
        update={"range_max_km": float(radars[index].range_max_km) * 0.9}
    )
    interceptors = [i.model_copy(update={"pk": float(i.pk) * 0.5}) for i in scenario.interceptors]
    changed = scenario.model_copy(
        update={"sensors": tuple(radars), "interceptors": tuple(interceptors)}
    )
    flown, seen, built, cued, _ = _spies(monkeypatch)
    compare(compile_scenario(changed, cache=store), NAMES, trials=10, progress=False)
    assert (len(flown), len(seen), len(built)) == (0, 1, 0)
    assert len(cued) >= 1  # the changed radar's cued view, at least, is derived again


def test_no_cache_on_the_command_line_leaves_the_folder_empty(tmp_path: Path) -> None:
    env = {**os.environ, CACHE_DIR_ENV: str(tmp_path / "c")}
    run = [sys.executable, "-m", "jointshield"]
    subprocess.run(
        [*run, "timeline", "--no-cache", "--json"], env=env, check=True, capture_output=True
    )
    assert not (tmp_path / "c").exists()
    subprocess.run([*run, "timeline", "--json"], env=env, check=True, capture_output=True)
    info = subprocess.run(
        [*run, "cache", "info", "--json"], env=env, check=True, capture_output=True, text=True
    )
    held = json.loads(info.stdout)
    assert held["folder"] == str(tmp_path / "c")
    # The engagements' battles keep their fused tracks and reach tables too.
    assert set(held["kinds"]) == {"raid", "picture", "cued", "fused", "reach"}
    cleared = subprocess.run(
        [*run, "cache", "clear"], env=env, check=True, capture_output=True, text=True
    )
    assert cleared.stdout.startswith(
        f"removed {sum(k['entries'] for k in held['kinds'].values())} files"
    )
    again = subprocess.run(
        [*run, "cache", "info"], env=env, check=True, capture_output=True, text=True
    )
    assert again.stdout.splitlines()[-1] == "empty"


def test_other_code_writes_other_keys(monkeypatch) -> None:
    """Every key holds the digest of the package's sources: an entry written by other code
    (another version, an edited module) is never read."""
    import jointshield.cache as cache_module

    key = fingerprint("same", 1.0)
    monkeypatch.setattr(cache_module, "_CODE_DIGEST", "0" * 64)
    assert fingerprint("same", 1.0) != key
