"""A run's trials on disk: tidy labelled tables, typed in pandas, read back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jointshield.battle.fight import fight
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.report.trials import LAYOUT, read_trials, trials_path, write_trials
from theatres import theatre


@pytest.fixture(scope="module")
def battle():
    return fight(theatre("europe-2018"), arch="joint", trials=120, seed=3)


def test_tables_read_back_to_the_same_arrays(battle, tmp_path: Path) -> None:
    """Writing and reading the two tables gives every per-trial array back, bit for bit."""
    path = tmp_path / "joint.parquet"
    files = write_trials(path, battle.context, battle.trials, {"seed": "3"})
    assert files == (path, trials_path(path)) and all(f.is_file() for f in files)
    back, labels, meta = read_trials(path)
    for name, array in battle.trials.columns().items():
        got = back.columns()[name]
        assert got.shape == array.shape, name
        assert np.array_equal(got, array, equal_nan=array.dtype.kind == "f"), name
    assert meta["seed"] == "3" and meta["layout"] == LAYOUT
    geo = battle.context.geometry
    expected = [geo.threat_id[i] for i in battle.context.deployment.warhead_threat]
    assert list(labels.threat) == expected
    assert labels.batteries == tuple(b.name for b in battle.context.batteries)


def test_pandas_reads_typed_labelled_columns(battle, tmp_path: Path) -> None:
    """pandas reads a row per trial and warhead: categories, numbers, nulls where unengaged."""
    path = tmp_path / "joint.parquet"
    write_trials(path, battle.context, battle.trials, {})
    df = pd.read_parquet(path)
    t, m = battle.trials.killed.shape
    assert len(df) == t * m
    assert str(df["trial"].dtype) == "int32" and str(df["shots"].dtype) == "int16"
    assert df["killed"].dtype == bool
    for name in ("threat", "target", "reason", "battery"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
    assert set(df["reason"].cat.categories) == set(REASONS)
    assert set(df.loc[df["killed"], "reason"]) == {"engaged"}
    assert df["first_launch_s"].dtype == np.float64
    unengaged = df["battery"].isna()
    assert df.loc[unengaged, "first_launch_s"].isna().all()
    assert set(df.loc[~unengaged, "battery"]) <= {b.name for b in battle.context.batteries}
    # The reason names match the codes of the arrays, warhead for warhead.
    codes = battle.trials.reason.reshape(-1)
    assert list(df["reason"].astype(str)) == [REASONS[c] for c in codes]
    per_trial = pd.read_parquet(trials_path(path))
    assert len(per_trial) == t
    assert list(per_trial["leakers"]) == list(battle.trials.leakers)
    for a, asset in enumerate(battle.context.assets):
        assert per_trial[f"hit:{asset}"].dtype == bool
        assert np.array_equal(per_trial[f"hit:{asset}"], battle.trials.asset_hit[:, a])


def test_a_file_of_another_layout_is_refused(tmp_path: Path) -> None:
    """Reading a missing table, or one not of this layout, says what is wrong."""
    with pytest.raises(JointshieldError, match="no such file"):
        read_trials(tmp_path / "none.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "x.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "x.trials.parquet")
    with pytest.raises(JointshieldError, match="layout"):
        read_trials(tmp_path / "x.parquet")
