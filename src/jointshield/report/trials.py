"""Every trial of a run as two tidy, labelled Parquet tables.

A run writes its per-trial outcomes as two tables that ``pandas.read_parquet``
loads into typed, labelled columns, one observation per row:

``<name>.parquet``: one row per trial and warhead
    ========================= ============ ===============================================
    column                    type         meaning
    ========================= ============ ===============================================
    ``trial``                 int32        trial number, from 0
    ``warhead``               int32        the warhead's position in the raid, from 0
    ``threat``                category     the raid's threat it belongs to
    ``target``                category     the asset it is aimed at
    ``killed``                bool         whether it was killed
    ``reason``                category     why it leaked (``engaged`` if killed): a name
                                           of :data:`~jointshield.engagement.reasons.REASONS`
    ``battery``               category     the battery that engaged it; null if none
    ``shots``                 int16        interceptors fired at it
    ``first_launch_s``        float64      first interceptor's launch, s after the
                                           threat's launch; null if not engaged
    ``first_intercept_s``     float64      first intercept, s after the threat's launch
    ``intercept_lat_deg``     float64      where the first intercept happens (latitude,
    ``intercept_lon_deg``                  longitude, altitude), null if not engaged
    ``intercept_alt_km``
    ``fire_control_s``        float64      when the engaging battery's track was good
                                           enough to launch on, as received
    ``requested_s``           float64      when its launch decision started
    ``authorised_s``          float64      when every deciding party had authorised it
    ``margin_s``              float64      last launch that would still have met it,
                                           less the first launch
    ``reengage_battery``      category     the battery that engaged it again after a
                                           missed first engagement; null if none
    ``reengage_launch_s``     float64      that second engagement's first launch and
    ``reengage_intercept_s``               intercept; null if none
    ========================= ============ ===============================================

    Times are s after the threat's launch, null where the event did not happen.

``<name>.trials.parquet``: one row per trial
    ``trial`` (int32), ``leakers`` (int32), ``interceptors`` (int32),
    ``population_hit`` (float64), ``no_leak`` (bool), then one bool column
    ``hit:<asset>`` per attacked asset and one int32 column
    ``rounds_left:<battery>`` per battery.

Both files carry the run's origin (scenario, hash, version, seed, trials,
architecture, parameters) as file metadata, and ``layout`` names this layout
(:data:`LAYOUT`). :func:`read_trials` reads them back into a
:class:`~jointshield.battle.trial.Trials` record, bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from jointshield.battle.context import BattleContext
from jointshield.battle.trial import Trials
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.montecarlo.store import write_table

__all__ = ["LAYOUT", "TrialLabels", "read_trials", "trials_path", "write_trials"]

LAYOUT: Final = "jointshield/trials-1"
"""Name of the layout, recorded in each file's metadata."""


@dataclass(frozen=True)
class TrialLabels:
    """What each position of a run's arrays names: warheads, assets, batteries."""

    threat: tuple[str, ...]  # per warhead
    target: tuple[str, ...]  # per warhead
    assets: tuple[str, ...]
    batteries: tuple[str, ...]

    @classmethod
    def of(cls, ctx: BattleContext) -> TrialLabels:
        """Return the labels of a battle's arrays."""
        dep = ctx.deployment
        geo = dep.geometry
        per = dep.warhead_threat
        return cls(
            threat=tuple(geo.threat_id[i] for i in per),
            target=tuple(geo.target[i] for i in per),
            assets=dep.assets,
            batteries=tuple(b.name for b in dep.batteries),
        )


def trials_path(path: str | os.PathLike[str]) -> Path:
    """Return the per-trial table beside a per-warhead one: ``x.parquet`` → ``x.trials.parquet``."""
    p = Path(path)
    return p.with_name(p.name.removesuffix(".parquet") + ".trials.parquet")


def _pyarrow() -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa


def _category(pa: Any, codes: np.ndarray, names: tuple[str, ...], mask: Any = None) -> Any:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=mask), pa.array(list(names), type=pa.string())
    )


_MILESTONES: Final = ("fire_control_s", "requested_s", "authorised_s", "margin_s")


def _floats(pa: Any, x: np.ndarray) -> Any:
    return pa.array(x, type=pa.float64(), from_pandas=True)  # NaN: null


def _tables(labels: TrialLabels, trials: Trials, metadata: Mapping[str, str]) -> tuple[Any, Any]:
    pa = _pyarrow()
    n_trials, m = trials.killed.shape
    meta = {**metadata, "layout": LAYOUT}
    trial = np.repeat(np.arange(n_trials, dtype=np.int32), m)
    warhead = np.tile(np.arange(m, dtype=np.int32), n_trials)
    threats = tuple(dict.fromkeys(labels.threat))
    targets = tuple(dict.fromkeys(labels.target))
    threat_code = np.array([threats.index(t) for t in labels.threat])
    target_code = np.array([targets.index(t) for t in labels.target])
    battery = trials.battery.reshape(-1)
    again = trials.reengage_battery.reshape(-1)
    warheads = pa.table(
        {
            "trial": pa.array(trial),
            "warhead": pa.array(warhead),
            "threat": _category(pa, np.tile(threat_code, n_trials), threats),
            "target": _category(pa, np.tile(target_code, n_trials), targets),
            "killed": pa.array(trials.killed.reshape(-1)),
            "reason": _category(pa, trials.reason.reshape(-1), REASONS),
            "battery": _category(
                pa, np.maximum(battery, 0), labels.batteries or ("",), mask=battery < 0
            ),
            "shots": pa.array(trials.shots.reshape(-1).astype(np.int16)),
            "first_launch_s": _floats(pa, trials.first_launch_s.reshape(-1)),
            "first_intercept_s": _floats(pa, trials.first_intercept_s.reshape(-1)),
            "intercept_lat_deg": _floats(pa, trials.intercept_lat_deg.reshape(-1)),
            "intercept_lon_deg": _floats(pa, trials.intercept_lon_deg.reshape(-1)),
            "intercept_alt_km": _floats(pa, trials.intercept_alt_km.reshape(-1)),
            **{name: _floats(pa, getattr(trials, name).reshape(-1)) for name in _MILESTONES},
            "reengage_battery": _category(
                pa, np.maximum(again, 0), labels.batteries or ("",), mask=again < 0
            ),
            "reengage_launch_s": _floats(pa, trials.reengage_launch_s.reshape(-1)),
            "reengage_intercept_s": _floats(pa, trials.reengage_intercept_s.reshape(-1)),
        }
    ).replace_schema_metadata(meta)
    per_trial: dict[str, Any] = {
        "trial": pa.array(np.arange(n_trials, dtype=np.int32)),
        "leakers": pa.array(trials.leakers.astype(np.int32)),
        "interceptors": pa.array(trials.interceptors.astype(np.int32)),
        "population_hit": _floats(pa, trials.population_hit.astype(np.float64)),
        "no_leak": pa.array(trials.no_leak),
    }
    for a, asset in enumerate(labels.assets):
        per_trial[f"hit:{asset}"] = pa.array(trials.asset_hit[:, a])
    for b, name in enumerate(labels.batteries):
        per_trial[f"rounds_left:{name}"] = pa.array(trials.rounds_left[:, b].astype(np.int32))
    return warheads, pa.table(per_trial).replace_schema_metadata(meta)


def write_trials(
    path: str | os.PathLike[str],
    ctx: BattleContext,
    trials: Trials,
    metadata: Mapping[str, str],
) -> tuple[Path, Path]:
    """Write a run's trials as its per-warhead table at ``path`` and its per-trial table beside it.

    Parameters
    ----------
    path : str or path-like
        The per-warhead file, ``<name>.parquet``; the per-trial one is
        :func:`trials_path` of it.
    ctx : BattleContext
        The battle the trials come from (its labels).
    trials : Trials
        The outcomes.
    metadata : mapping of str to str
        File metadata: the run's origin and settings.

    Returns
    -------
    tuple of pathlib.Path
        The two files, each written atomically.
    """
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise JointshieldError(
                f"Parquet metadata {key!r}: expected a string key and value, "
                f"got {type(value).__name__} (write numbers and dicts as JSON)"
            )
    warheads, per_trial = _tables(TrialLabels.of(ctx), trials, metadata)
    first = write_table(path, warheads)
    second = write_table(trials_path(path), per_trial)
    return first, second


def read_trials(path: str | os.PathLike[str]) -> tuple[Trials, TrialLabels, dict[str, str]]:
    """Read the two tables of :func:`write_trials` back into the arrays they were made from.

    Returns
    -------
    trials : Trials
        The outcomes, equal to what was written.
    labels : TrialLabels
        Threat and target of each warhead, the assets and batteries.
    metadata : dict of str to str
        The file's metadata.

    Raises
    ------
    JointshieldError
        If a file is missing or not of this layout.
    """
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    first, second = Path(path), trials_path(path)
    for p in (first, second):
        if not p.is_file():
            raise JointshieldError(f"{p}: no such file (a run writes both tables)")
    warheads, per_trial = pq.read_table(first), pq.read_table(second)
    meta = {k.decode(): v.decode() for k, v in (warheads.schema.metadata or {}).items()}
    if meta.get("layout") != LAYOUT:
        raise JointshieldError(
            f"{first}: expected the layout {LAYOUT!r}, got {meta.get('layout')!r}"
        )
    n_trials = per_trial.num_rows
    m = warheads.num_rows // max(n_trials, 1)

    def grid(name: str) -> np.ndarray:
        return np.asarray(warheads.column(name).to_numpy(zero_copy_only=False)).reshape(n_trials, m)

    def floats(name: str) -> np.ndarray:
        return np.asarray(
            warheads.column(name).to_numpy(zero_copy_only=False), dtype=np.float64
        ).reshape(n_trials, m)

    def decoded(name: str) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
        col = warheads.column(name).combine_chunks()
        codes = np.asarray(col.indices.to_numpy(zero_copy_only=False)).reshape(n_trials, m)
        null = np.asarray(col.is_null().to_numpy(zero_copy_only=False)).reshape(n_trials, m)
        return codes, tuple(col.dictionary.to_pylist()), null

    threat_codes, threats, _ = decoded("threat")
    target_codes, targets, _ = decoded("target")
    reason_codes, reasons, _ = decoded("reason")
    battery_codes, _, battery_null = decoded("battery")
    again_codes, _, again_null = decoded("reengage_battery")
    names = per_trial.column_names
    assets = tuple(c.removeprefix("hit:") for c in names if c.startswith("hit:"))
    batteries = tuple(c.removeprefix("rounds_left:") for c in names if c.startswith("rounds_left:"))

    def column(name: str) -> np.ndarray:
        return np.asarray(per_trial.column(name).to_numpy(zero_copy_only=False))

    reason_map = np.array([REASONS.index(r) for r in reasons], dtype=np.int8)
    trials = Trials(
        killed=grid("killed").astype(bool),
        reason=reason_map[reason_codes].astype(np.int8),
        battery=np.where(battery_null, -1, battery_codes).astype(np.int64),
        shots=grid("shots").astype(np.int64),
        first_launch_s=floats("first_launch_s"),
        first_intercept_s=floats("first_intercept_s"),
        intercept_lat_deg=floats("intercept_lat_deg"),
        intercept_lon_deg=floats("intercept_lon_deg"),
        intercept_alt_km=floats("intercept_alt_km"),
        fire_control_s=floats("fire_control_s"),
        requested_s=floats("requested_s"),
        authorised_s=floats("authorised_s"),
        margin_s=floats("margin_s"),
        reengage_battery=np.where(again_null, -1, again_codes).astype(np.int64),
        reengage_launch_s=floats("reengage_launch_s"),
        reengage_intercept_s=floats("reengage_intercept_s"),
        rounds_left=np.stack(
            [column(f"rounds_left:{b}").astype(np.int64) for b in batteries], axis=1
        )
        if batteries
        else np.zeros((n_trials, 0), dtype=np.int64),
        asset_hit=np.stack([column(f"hit:{a}").astype(bool) for a in assets], axis=1)
        if assets
        else np.zeros((n_trials, 0), dtype=bool),
        leakers=column("leakers").astype(np.int64),
        interceptors=column("interceptors").astype(np.int64),
        population_hit=column("population_hit").astype(np.float64),
        no_leak=column("no_leak").astype(bool),
    )
    labels = TrialLabels(
        threat=tuple(threats[c] for c in threat_codes[0]) if n_trials else (),
        target=tuple(targets[c] for c in target_codes[0]) if n_trials else (),
        assets=assets,
        batteries=batteries,
    )
    return trials, labels, meta
