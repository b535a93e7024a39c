"""Defended footprints: which ground cells the defence can protect, under an architecture.

For every cell of a latitude–longitude grid, one threat of the chosen
missile is aimed from the chosen launch area at the cell's centre, and every
battery's engagement of it is computed as a battle would
(:func:`~jointshield.battle.context.deploy`,
:func:`~jointshield.battle.context.prepare`): what the battery's party may
see and use under the architecture (sensing, cues, hand-over, the other
party's tracks, a fused picture), its envelope and intercept window, the
authorisation and whose business the threat is. The nominal engagement
(:func:`~jointshield.battle.nominal.nominal_engagements`) gives, per cell,
the batteries that can engage, the earliest intercept and the decision-time
margin; a small Monte Carlo of the same battle
(:func:`~jointshield.battle.trial.run_block`) the probability that the cell
is protected, with missed looks, lost messages, random authorisation
delays, vetoes, kill draws and re-engagement.

Each cell stands alone: one warhead, every battery with rounds to spare (a
footprint says what the defence *can* protect, not what it protects in a
given raid). A cell is *defended* when at least one battery can engage its
threat in the nominal engagement.

A cell belongs to the party whose sector of responsibility holds its centre
(``''`` outside every sector: an architecture that defends only its parties'
own assets defends no such cell). Its population is the sum of the GeoNames
cities of 15,000 inhabitants and more inside it (:func:`jointshield.data.cities`).
The footprint under ``national`` is always computed beside the architecture
asked for, so that the cells only cooperation defends, and the people in
them, are reported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from jointshield.analysis.runs import _memory_bytes
from jointshield.architectures.presets import Architecture, architecture
from jointshield.architectures.sectors import sector_owner
from jointshield.arrays import BoolArray, FloatArray, Int64Array
from jointshield.battle.context import Rules, deploy, prepare
from jointshield.battle.nominal import NominalEngagements, nominal_engagements
from jointshield.battle.trial import run_block
from jointshield.data import CITIES_ATTRIBUTION, OUTLINES_ATTRIBUTION, cities
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight.aim import max_range_on_bearing
from jointshield.flight.raid import RaidPlan, Threat
from jointshield.montecarlo.progress import ProgressArg, _progress
from jointshield.montecarlo.store import make_folder, write_json_atomic, write_table
from jointshield.physics.geo import geodesic_inverse
from jointshield.report.maps import new_map, save_figure
from jointshield.theatre.model import Asset, Theatre

__all__ = [
    "CELL_STATUS",
    "DEFAULT_REGION",
    "Footprint",
    "cell_grid",
    "footprint",
]

DEFAULT_REGION: Final[tuple[float, float, float, float]] = (30.0, 72.0, -12.0, 70.0)
"""Latitude and longitude bounds of the default grid, degrees: Europe, Turkey, the
Caucasus, Iran and the western half of European Russia."""

DEFAULT_GRID_DEG: Final = 0.5
"""Default cell size, degrees of latitude and longitude."""

DEFAULT_TRIALS: Final = 200
"""Monte Carlo trials per cell for the protection probability (standard error ≤ 0.035)."""

CHUNK_CELLS: Final = 256
"""Cells deployed together (one raid of this many threats). Fixed, so that the same
grid gives the same sampled probabilities whatever the machine."""

MAX_CELLS: Final = 2_000_000
"""Most cells of one footprint."""

REACH_MARGIN: Final = 0.995
"""Cells farther than this share of the missile's greatest range on their bearing are
marked out of reach without being aimed (the range on a bearing is interpolated
between bearings 10° apart, to better than 0.2 % for the built-in missiles)."""

MIN_RANGE_M: Final = 100e3
"""Cells nearer the launch point than this are not aimed (below any ballistic
missile's useful range); they are marked ``too-close``."""

CELL_STATUS: Final[tuple[str, ...]] = ("aimed", "out-of-reach", "too-close")
"""What was done with each cell: aimed and fought, beyond the missile's reach, or
nearer the launch point than :data:`MIN_RANGE_M`."""

_BYTES_PER_PAIR: Final = 8 * 6 + 2
"""Bytes a (cell, battery) pair's results take: six floats and two small codes."""

_BYTES_PER_CELL: Final = 8 * 12 + 64
"""Bytes a cell's own results take, with its share of the tables written."""


def cell_grid(
    region: Sequence[float], grid_deg: float
) -> tuple[FloatArray, FloatArray, tuple[int, int]]:
    """Return the centres of a latitude–longitude grid's cells, degrees.

    Parameters
    ----------
    region : sequence of 4 floats
        ``(lat0, lat1, lon0, lon1)``, degrees, south < north, west < east.
    grid_deg : float
        Cell size in latitude and longitude, degrees.

    Returns
    -------
    lat_deg, lon_deg : ndarray, shape (rows·cols,)
        Cell centres, row by row from the south-west corner.
    shape : tuple of int
        ``(rows, cols)``.

    Raises
    ------
    JointshieldError
        For a bad region or cell size.

    Examples
    --------
    >>> lat, lon, shape = cell_grid((50, 51, 10, 12), 0.5)
    >>> shape, lat[:3].tolist(), lon[:3].tolist()
    ((2, 4), [50.25, 50.25, 50.25], [10.25, 10.75, 11.25])
    """
    lat0, _, lon0, _ = _region(region)
    rows, cols = grid_shape(region, grid_deg)
    lat = lat0 + (np.arange(rows) + 0.5) * grid_deg
    lon = lon0 + (np.arange(cols) + 0.5) * grid_deg
    glat, glon = np.meshgrid(lat, lon, indexing="ij")
    return glat.ravel(), glon.ravel(), (rows, cols)


def grid_shape(region: Sequence[float], grid_deg: float) -> tuple[int, int]:
    """Return the rows and columns of the grid of ``region`` in cells of ``grid_deg`` degrees.

    Raises
    ------
    JointshieldError
        For a bad region or cell size.
    """
    lat0, lat1, lon0, lon1 = _region(region)
    if not (math.isfinite(grid_deg) and 0.0 < grid_deg <= 10.0):
        raise JointshieldError(
            f"--grid-deg: expected a cell size in (0, 10] degrees, got {grid_deg}"
        )
    return max(1, round((lat1 - lat0) / grid_deg)), max(1, round((lon1 - lon0) / grid_deg))


def _region(region: Sequence[float]) -> tuple[float, float, float, float]:
    values = tuple(float(x) for x in region)
    if len(values) != 4 or not all(math.isfinite(x) for x in values):
        raise JointshieldError(f"--region: expected LAT0,LAT1,LON0,LON1 in degrees, got {region}")
    lat0, lat1, lon0, lon1 = values
    if not (-85.0 <= lat0 < lat1 <= 85.0):
        raise JointshieldError(
            f"--region: expected -85 <= LAT0 < LAT1 <= 85 degrees, got {lat0:g}, {lat1:g}"
        )
    if not (-180.0 <= lon0 < lon1 <= 180.0):
        raise JointshieldError(
            f"--region: expected -180 <= LON0 < LON1 <= 180 degrees, got {lon0:g}, {lon1:g}"
        )
    return lat0, lat1, lon0, lon1


@dataclass(frozen=True)
class Footprint:
    """A defended footprint: per cell, whether and how the defence protects it.

    Cells are in :func:`cell_grid` order (``shape`` rows × cols); per-battery
    arrays have a second axis over :attr:`batteries`. Figures of cells that
    were not aimed are NaN (times, probabilities) or empty.

    Attributes
    ----------
    architecture : str
        The architecture of the footprint (its preset's name).
    launch_area, missile : str
        Where the threats come from, and what they are.
    region : tuple of float
        ``(lat0, lat1, lon0, lon1)``, degrees.
    grid_deg : float
        Cell size, degrees.
    shape : tuple of int
        ``(rows, cols)`` of the grid.
    lat_deg, lon_deg : ndarray, shape (N,)
        Cell centres.
    status : ndarray of int8, shape (N,)
        Index into :data:`CELL_STATUS`.
    owner : ndarray of str, shape (N,)
        Party whose sector holds the cell ('' for none).
    population : ndarray, shape (N,)
        People of the cities in the cell.
    batteries, battery_owner : tuple of str
        The batteries fighting, and their parties.
    reason : ndarray of int8, shape (N, b)
        Why each battery cannot engage the cell's threat
        (:data:`~jointshield.engagement.reasons.REASONS`; 0: it can), -1
        where the cell was not aimed.
    intercept_s, margin_s, p_kill : ndarray, shape (N, b)
        Each battery's nominal earliest intercept (s after launch), its
        decision-time margin (s), and the kill probability of its shots.
    defended, defended_national : ndarray of bool, shape (N,)
        Whether some battery can engage the cell's threat, under the
        architecture and under ``national``.
    earliest_intercept_s, margin_s_best : ndarray, shape (N,)
        The earliest intercept of any battery, and the largest margin.
    p_protected, p_protected_national : ndarray, shape (N,)
        Probability that the cell's warhead is killed, from :attr:`trials`
        Monte Carlo trials; NaN when none were asked for.
    trials, seed : int
        The Monte Carlo trials per cell and their seed.
    meta : dict
        Scenario, hash, version, and the settings.
    """

    architecture: str
    launch_area: str
    missile: str
    region: tuple[float, float, float, float]
    grid_deg: float
    shape: tuple[int, int]
    lat_deg: FloatArray
    lon_deg: FloatArray
    status: NDArray[np.int8]
    owner: NDArray[np.str_]
    population: FloatArray
    batteries: tuple[str, ...]
    battery_owner: tuple[str, ...]
    reason: NDArray[np.int8]
    intercept_s: FloatArray
    margin_s: FloatArray
    p_kill: FloatArray
    defended: BoolArray
    defended_national: BoolArray
    p_protected: FloatArray
    p_protected_national: FloatArray
    trials: int
    seed: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def aimed(self) -> BoolArray:
        """Cells whose threat was aimed and fought."""
        out: BoolArray = self.status == CELL_STATUS.index("aimed")
        return out

    @property
    def engages(self) -> BoolArray:
        """Whether each battery can engage each cell's threat, (N, b)."""
        out: BoolArray = self.reason == 0
        return out

    @property
    def earliest_intercept_s(self) -> FloatArray:
        """The earliest intercept of any battery, s after launch; NaN: none."""
        return _nan_reduce(np.fmin, self.intercept_s)

    @property
    def margin_s_best(self) -> FloatArray:
        """The largest decision-time margin of any engaging battery, s; NaN: none."""
        return _nan_reduce(np.fmax, self.margin_s)

    @property
    def only_cooperation(self) -> BoolArray:
        """Cells defended under the architecture and not under ``national``."""
        out: BoolArray = self.defended & ~self.defended_national
        return out

    @property
    def lost_to_architecture(self) -> BoolArray:
        """Cells defended under ``national`` and not under the architecture."""
        out: BoolArray = self.defended_national & ~self.defended
        return out

    def summary(self) -> dict[str, Any]:
        """Count cells and people, in total and per battery and party (JSON-ready)."""
        pop = self.population
        parties = sorted({p for p in self.owner.tolist() if p})

        def share(mask: BoolArray) -> dict[str, Any]:
            return {"cells": int(mask.sum()), "population": float(pop[mask].sum())}

        per_battery = {name: share(self.engages[:, j]) for j, name in enumerate(self.batteries)}
        per_party = {
            p: {
                "cells": int((self.owner == p).sum()),
                "population": float(pop[self.owner == p].sum()),
                "defended": share(self.defended & (self.owner == p)),
                "defended_national": share(self.defended_national & (self.owner == p)),
            }
            for p in parties
        }
        return {
            "architecture": self.architecture,
            "launch_area": self.launch_area,
            "missile": self.missile,
            "region_deg": list(self.region),
            "grid_deg": self.grid_deg,
            "cells": int(self.lat_deg.shape[0]),
            "aimed": share(self.aimed),
            "out_of_reach": share(self.status == CELL_STATUS.index("out-of-reach")),
            "too_close": share(self.status == CELL_STATUS.index("too-close")),
            "defended": share(self.defended),
            "defended_national": share(self.defended_national),
            "only_cooperation": share(self.only_cooperation),
            "lost_to_architecture": share(self.lost_to_architecture),
            "expected_population_protected": _expected(self.p_protected, pop),
            "expected_population_protected_national": _expected(self.p_protected_national, pop),
            "per_battery": per_battery,
            "per_party": per_party,
            "trials_per_cell": self.trials,
            "seed": self.seed,
            "meta": self.meta,
        }


def _expected(p: FloatArray, population: FloatArray) -> float | None:
    """Return the people protected on average: each cell's population × its probability."""
    if not np.isfinite(p).any():
        return None
    return float(np.nansum(np.where(np.isfinite(p), p, 0.0) * population))


def _nan_reduce(op: Any, x: FloatArray) -> FloatArray:
    out = np.full(x.shape[0], np.nan)
    for j in range(x.shape[1]):
        out = op(out, x[:, j])
    return out


def _base_threat(theatre: Theatre, launch_area: str | None, missile: str | None) -> Threat:
    """Return the threat each cell's is made from: the launch area's and missile's.

    By default the default raid's first threat; a launch area or missile named
    must be one of the theatre's raids' (the names are suggested otherwise).
    """
    threats = [t for raid in theatre.raids for t in raid.threats]
    if not threats:
        raise JointshieldError(f"scenario {theatre.name!r} has no raid to take a threat from")
    default = theatre.raid().threats[0] if theatre.default_raid else threats[0]
    areas = {t.launch_area: t for t in threats}
    models = {t.missile.name: t for t in threats}
    if launch_area is not None and launch_area not in areas:
        raise UnknownNameError("launch area", launch_area, areas)
    if missile is not None and missile not in models:
        raise UnknownNameError("missile", missile, models)
    where = areas[launch_area] if launch_area is not None else default
    what = models[missile] if missile is not None else where
    if launch_area is None and missile is not None:
        where = what
    return replace(
        where,
        missile=what.missile,
        rcs_m2=what.rcs_m2,
        aim=what.aim,
        count=1,
        launch_time_s=0.0,
        launch_radius_m=0.0,
        launch_time_jitter_s=0.0,
    )


def _reachable(base: Threat, lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each cell's ground range from the launch point and the greatest range on its bearing, m."""
    lat0 = np.full(lat.shape, base.launch_lat_rad)
    lon0 = np.full(lat.shape, base.launch_lon_rad)
    dist, az, _ = geodesic_inverse(lat0, lon0, np.radians(lat), np.radians(lon))
    bearings = np.radians(np.arange(0.0, 361.0, 10.0))
    best = np.array(
        [
            max_range_on_bearing(base.missile, base.launch_lat_rad, base.launch_lon_rad, float(a))
            for a in bearings[:-1]
        ]
    )
    best = np.append(best, best[0])
    limit = np.interp(np.mod(az, 2 * np.pi), bearings, best)
    return dist, limit


def _cell_population(
    lat: FloatArray,
    lon: FloatArray,
    region: tuple[float, float, float, float],
    grid_deg: float,
    shape: tuple[int, int],
) -> tuple[FloatArray, list[list[str]]]:
    """People of the cities in each cell, and the cities' names (largest first)."""
    found = cities(region)
    rows, cols = shape
    i = np.floor((found.lat_deg - region[0]) / grid_deg).astype(np.int64)
    j = np.floor((found.lon_deg - region[2]) / grid_deg).astype(np.int64)
    inside = (i >= 0) & (i < rows) & (j >= 0) & (j < cols)
    cell = i[inside] * cols + j[inside]
    pop = np.bincount(cell, weights=found.population[inside].astype(float), minlength=rows * cols)
    names: list[list[str]] = [[] for _ in range(rows * cols)]
    order = np.argsort(-found.population[inside], kind="stable")
    for c, name in zip(cell[order], found.name[inside][order], strict=True):
        names[int(c)].append(str(name))
    out: FloatArray = pop.astype(float)[: lat.shape[0]]
    return out, names


def estimate_bytes(cells: int, batteries: int) -> int:
    """Memory the results of a footprint take, bytes (per cell and per cell × battery)."""
    return cells * (_BYTES_PER_CELL + 2 * batteries * _BYTES_PER_PAIR)


def footprint(
    theatre: Theatre,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    launch_area: str | None = None,
    missile: str | None = None,
    batteries: Sequence[str] | None = None,
    grid_deg: float = DEFAULT_GRID_DEG,
    region: Sequence[float] = DEFAULT_REGION,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    progress: ProgressArg = False,
) -> Footprint:
    """Compute the defended footprint of a theatre's batteries under an architecture.

    Parameters
    ----------
    theatre : Theatre
        The compiled scenario.
    arch : Architecture or str
        The architecture (a preset's name or a configured one).
    rules : Rules, optional
        Doctrine, hand-over time, kill assessment, re-engagement.
    launch_area, missile : str, optional
        Where the cells' threats come from and what they are (names in the
        scenario's raids); by default the default raid's first threat's.
    batteries : sequence of str, optional
        Only these batteries fight (default: all).
    grid_deg : float
        Cell size, degrees.
    region : sequence of 4 floats
        ``(lat0, lat1, lon0, lon1)``, degrees.
    trials : int
        Monte Carlo trials per cell for the protection probability (0: none).
    seed : int
        Seed of the trials.
    progress : bool or callable
        A progress bar on a terminal, or ``callback(done, total)`` per chunk.

    Returns
    -------
    Footprint

    Raises
    ------
    JointshieldError
        For unknown names (with the closest suggested), a bad grid, or a grid
        whose results would not fit in half of this machine's memory (with the
        estimate), before any work.
    """
    the_arch = architecture(arch) if isinstance(arch, str) else arch
    national = architecture("national")
    rules = rules or Rules()
    region_t = _region(region)
    rows, cols = grid_shape(region_t, grid_deg)
    n_cells = rows * cols
    fighting = _select_batteries(theatre, batteries)
    need = estimate_bytes(n_cells, len(fighting.batteries))
    have = _memory_bytes() // 2
    if n_cells > MAX_CELLS or need > have:
        raise JointshieldError(
            f"--grid-deg {grid_deg:g}: {n_cells:,} cells × {len(fighting.batteries)} batteries "
            f"need about {need / 2**30:,.2f} GiB for their results, more than the "
            f"{have / 2**30:,.1f} GiB (half of this machine's memory) a footprint may use"
            if need > have
            else f"--grid-deg {grid_deg:g}: {n_cells:,} cells, more than the {MAX_CELLS:,} "
            "a footprint may have; use a coarser grid or a smaller --region"
        )
    if isinstance(trials, bool) or not (isinstance(trials, int) and 0 <= trials <= 100_000):
        raise JointshieldError(f"--trials: expected a whole number in [0, 100000], got {trials}")
    base = _base_threat(theatre, launch_area, missile)
    lat, lon, shape = cell_grid(region_t, grid_deg)

    owner = sector_owner(theatre.sectors, np.radians(lat), np.radians(lon)).astype(str)
    population, _ = _cell_population(lat, lon, region_t, grid_deg, shape)
    dist, limit = _reachable(base, lat, lon)
    status = np.full(n_cells, CELL_STATUS.index("aimed"), dtype=np.int8)
    status[dist > REACH_MARGIN * limit] = CELL_STATUS.index("out-of-reach")
    status[dist < MIN_RANGE_M] = CELL_STATUS.index("too-close")
    aimed = np.flatnonzero(status == 0)

    b = len(fighting.batteries)
    reason = np.full((n_cells, b), -1, dtype=np.int8)
    intercept = np.full((n_cells, b), np.nan)
    margin = np.full((n_cells, b), np.nan)
    p_kill = np.full((n_cells, b), np.nan)
    engages_national = np.zeros((n_cells, b), dtype=bool)
    p_prot = np.full(n_cells, np.nan)
    p_prot_nat = np.full(n_cells, np.nan)
    chunks = [aimed[i : i + CHUNK_CELLS] for i in range(0, aimed.shape[0], CHUNK_CELLS)]
    with _progress(progress, len(chunks), "footprint") as step:
        for c, cells in enumerate(chunks):
            chunk = _fight_chunk(
                fighting, base, cells, lat, lon, owner, population, the_arch, national, rules
            )
            nom, nom_nat = chunk.nominal, chunk.national
            reason[cells] = nom.reason
            intercept[cells] = nom.intercept_s
            margin[cells] = nom.margin_s
            p_kill[cells] = nom.p_kill
            engages_national[cells] = nom_nat.engages
            if trials:
                seq = np.random.SeedSequence(seed, spawn_key=(c,))
                p_prot[cells] = chunk.sampled("arch", seq, trials)
                p_prot_nat[cells] = chunk.sampled("national", seq, trials)
            step()
    defended = (reason == 0).any(axis=1)
    meta = theatre.origin.meta(architecture=the_arch.name)
    meta.update(
        launch_area=base.launch_area,
        missile=base.missile.name,
        grid_deg=grid_deg,
        region_deg=list(region_t),
        trials=trials,
        seed=seed,
        rules={k: v for k, v in rules.parameters().items()},
        launch_point_deg=[math.degrees(base.launch_lat_rad), math.degrees(base.launch_lon_rad)],
        batteries=[bat.name for bat in fighting.batteries],
    )
    return Footprint(
        architecture=the_arch.name,
        launch_area=base.launch_area,
        missile=base.missile.name,
        region=region_t,
        grid_deg=grid_deg,
        shape=shape,
        lat_deg=lat,
        lon_deg=lon,
        status=status,
        owner=owner,
        population=population,
        batteries=tuple(bat.name for bat in fighting.batteries),
        battery_owner=tuple(bat.owner for bat in fighting.batteries),
        reason=reason,
        intercept_s=intercept,
        margin_s=margin,
        p_kill=p_kill,
        defended=defended,
        defended_national=np.asarray(engages_national.any(axis=1), dtype=bool),
        p_protected=p_prot,
        p_protected_national=p_prot_nat,
        trials=trials,
        seed=seed,
        meta=meta,
    )


def _select_batteries(theatre: Theatre, names: Sequence[str] | None) -> Theatre:
    """Return the theatre with only the batteries named (all by default)."""
    theatre.require_batteries()
    if not names:
        return theatre
    known = [bat.name for bat in theatre.batteries]
    for name in names:
        if name not in known:
            raise UnknownNameError("battery", name, known)
    keep = tuple(bat for bat in theatre.batteries if bat.name in set(names))
    return replace(theatre, batteries=keep)


@dataclass(frozen=True)
class _Chunk:
    """One chunk of cells deployed: its nominal engagements, and its battles for sampling."""

    nominal: NominalEngagements
    national: NominalEngagements
    contexts: dict[str, Any]

    def sampled(self, role: str, seed: np.random.SeedSequence, trials: int) -> FloatArray:
        """Share of ``trials`` in which each cell's warhead is killed (``arch`` or ``national``)."""
        columns = run_block(self.contexts[role], seed, trials)
        killed: NDArray[np.bool_] = columns["killed"]
        out: FloatArray = killed.mean(axis=0)
        return out


def _fight_chunk(
    theatre: Theatre,
    base: Threat,
    cells: Int64Array,
    lat: FloatArray,
    lon: FloatArray,
    owner: NDArray[np.str_],
    population: FloatArray,
    arch: Architecture,
    national: Architecture,
    rules: Rules,
) -> _Chunk:
    """Deploy one chunk of cells as a raid of one threat per cell, and prepare both battles.

    Each cell's threat attacks an asset of its own (owned by the cell's
    sector's party). In the contexts kept for sampling, every battery has
    rounds to spare and every warhead the same value, so that the greedy
    assignment gives each warhead the battery of highest kill probability,
    as a one-threat raid would: cells do not compete.
    """
    names = [f"cell-{int(i)}" for i in cells]
    threats = tuple(
        replace(
            base,
            id=name,
            target=name,
            target_owner=str(owner[i]),
            target_lat_rad=math.radians(float(lat[i])),
            target_lon_rad=math.radians(float(lon[i])),
        )
        for name, i in zip(names, cells, strict=True)
    )
    assets = tuple(
        Asset(
            name,
            str(owner[i]),
            math.radians(float(lat[i])),
            math.radians(float(lon[i])),
            float(population[i]),
        )
        for name, i in zip(names, cells, strict=True)
    )
    plan = RaidPlan("footprint", threats)
    # Not cached: a chunk's flights are used once (the reach tables stay shared). The
    # scenario's faults act on the clock of these threats, all launched at 0; their windows
    # were written for the scenario's raid, so they are not checked against this one's.
    chunk_theatre = replace(
        theatre,
        assets=assets,
        raids=(plan,),
        default_raid=plan.name,
        cache=None,
        fault_windows=(),
    )
    dep = deploy(chunk_theatre)
    contexts: dict[str, Any] = {}
    results: dict[str, NominalEngagements] = {}
    ample = np.full(len(dep.batteries), 10 * len(cells), dtype=np.int64)
    sampling_rules = replace(rules, assignment="greedy")
    for role, a in (("arch", arch), ("national", national)):
        if role == "national" and a == arch:
            results[role], contexts[role] = results["arch"], contexts["arch"]
            continue
        ctx = prepare(dep, arch=a, rules=rules)
        results[role] = nominal_engagements(ctx)
        contexts[role] = replace(
            ctx, rules=sampling_rules, rounds=ample, value=np.ones_like(ctx.value)
        )
    return _Chunk(results["arch"], results["national"], contexts)


def reason_names(codes: NDArray[np.int8]) -> list[str]:
    """Names of reason codes (-1: ``not-aimed``)."""
    return ["not-aimed" if c < 0 else REASONS[c] for c in codes.tolist()]


FOOTPRINT_FILES: Final[tuple[str, ...]] = (
    "footprint.json",
    "footprint.geojson",
    "footprint.parquet",
    "footprint_pairs.parquet",
    "footprint.png",
)
"""What :func:`write_footprint` writes into its folder."""


def _cell_ring(lat: float, lon: float, half: float) -> list[list[float]]:
    """Return a cell's outline, counter-clockwise from the south-west corner (GeoJSON order)."""
    s, n, w, e = lat - half, lat + half, lon - half, lon + half
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def footprint_geojson(fp: Footprint) -> dict[str, Any]:
    """Return the footprint as a GeoJSON FeatureCollection: one polygon per cell with its figures.

    Longitudes and latitudes in degrees (RFC 7946); times in s after launch;
    figures of cells that were not aimed are ``null``.
    """
    half = fp.grid_deg / 2.0
    earliest, best_margin = fp.earliest_intercept_s, fp.margin_s_best
    features = []
    for i in range(fp.lat_deg.shape[0]):
        engaging = [fp.batteries[j] for j in np.flatnonzero(fp.reason[i] == 0)]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [_cell_ring(float(fp.lat_deg[i]), float(fp.lon_deg[i]), half)],
                },
                "properties": {
                    "cell": i,
                    "status": CELL_STATUS[int(fp.status[i])],
                    "owner": str(fp.owner[i]),
                    "population": float(fp.population[i]),
                    "defended": bool(fp.defended[i]),
                    "defended_national": bool(fp.defended_national[i]),
                    "only_cooperation": bool(fp.only_cooperation[i]),
                    "batteries": engaging,
                    "earliest_intercept_s": _finite(earliest[i]),
                    "margin_s": _finite(best_margin[i]),
                    "p_protected": _finite(fp.p_protected[i]),
                    "p_protected_national": _finite(fp.p_protected_national[i]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "properties": fp.meta}


def _tables(fp: Footprint) -> tuple[Any, Any]:
    """Return the per-cell and per-(cell, battery) tables, typed and labelled (pyarrow)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    def category(codes: NDArray[Any], names: Sequence[str]) -> Any:
        return pa.DictionaryArray.from_arrays(
            pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(names), type=pa.string())
        )

    def floats(x: NDArray[Any]) -> Any:
        return pa.array(np.asarray(x, dtype=float), type=pa.float64(), from_pandas=True)

    parties = tuple(sorted(set(fp.owner.tolist())))
    owner_code = np.array([parties.index(p) for p in fp.owner.tolist()], dtype=np.int32)
    meta = {"jointshield": json.dumps(fp.meta, sort_keys=True, default=str)}
    cells = pa.table(
        {
            "cell": pa.array(np.arange(fp.lat_deg.shape[0], dtype=np.int32)),
            "lat_deg": floats(fp.lat_deg),
            "lon_deg": floats(fp.lon_deg),
            "status": category(fp.status, CELL_STATUS),
            "owner": category(owner_code, parties),
            "population": floats(fp.population),
            "defended": pa.array(fp.defended),
            "defended_national": pa.array(fp.defended_national),
            "only_cooperation": pa.array(fp.only_cooperation),
            "batteries_engaging": pa.array(fp.engages.sum(axis=1).astype(np.int16)),
            "earliest_intercept_s": floats(fp.earliest_intercept_s),
            "margin_s": floats(fp.margin_s_best),
            "p_protected": floats(fp.p_protected),
            "p_protected_national": floats(fp.p_protected_national),
        }
    ).replace_schema_metadata(meta)
    aimed = np.flatnonzero(fp.aimed)
    b = len(fp.batteries)
    reason = fp.reason[aimed].reshape(-1)
    pairs = pa.table(
        {
            "cell": pa.array(np.repeat(aimed, b).astype(np.int32)),
            "battery": category(np.tile(np.arange(b), aimed.shape[0]), fp.batteries),
            "reason": category(reason, REASONS),
            "engages": pa.array(reason == 0),
            "intercept_s": floats(fp.intercept_s[aimed].reshape(-1)),
            "margin_s": floats(fp.margin_s[aimed].reshape(-1)),
            "p_kill": floats(fp.p_kill[aimed].reshape(-1)),
        }
    ).replace_schema_metadata(meta)
    return cells, pairs


def draw_footprint(fp: Footprint, theatre: Theatre, path: str | Path) -> Path:
    """Draw the footprint on a map and write it (PNG, SVG or PDF by the suffix).

    Cells defended under ``national`` in blue, those only the architecture
    defends in green, those the architecture loses in orange, the rest of the
    missile's reach in light red; batteries as triangles, the launch point as
    a star.
    """
    from matplotlib.colors import ListedColormap

    lat0, _, lon0, _ = fp.region
    rows, cols = fp.shape
    code = np.full(fp.lat_deg.shape[0], np.nan)
    code[fp.aimed] = 0.0
    code[fp.defended_national & fp.defended] = 1.0
    code[fp.only_cooperation] = 2.0
    code[fp.lost_to_architecture] = 3.0
    colours = ["#f4b6b6", "#4a7fc1", "#3aa35b", "#f08c2a"]
    fig, ax = new_map(fp.region)
    grid = np.ma.masked_invalid(code.reshape(rows, cols))
    ax.pcolormesh(
        np.linspace(lon0, lon0 + cols * fp.grid_deg, cols + 1),
        np.linspace(lat0, lat0 + rows * fp.grid_deg, rows + 1),
        grid,
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=3.5,
        alpha=0.75,
        zorder=1,
        shading="flat",
    )
    for bat in theatre.batteries:
        if bat.name in fp.batteries:
            ax.plot(
                math.degrees(bat.lon_rad),
                math.degrees(bat.lat_rad),
                "^",
                color="black",
                markersize=6,
                zorder=3,
            )
    base = fp.meta.get("launch_point_deg")
    if base:
        ax.plot(base[1], base[0], "*", color="#b00000", markersize=12, zorder=3)
    from matplotlib.patches import Patch

    labels = [
        "in reach, not defended",
        "defended (also national)",
        f"defended only under {fp.architecture}",
        f"lost under {fp.architecture}",
    ]
    ax.legend(
        handles=[Patch(color=c, label=t) for c, t in zip(colours, labels, strict=True)],
        loc="upper left",
        fontsize=7,
        framealpha=0.9,
    )
    ax.set_title(
        f"{fp.meta.get('scenario', '')}: {fp.missile} from {fp.launch_area}, "
        f"{fp.architecture} ({fp.grid_deg:g}° cells)",
        fontsize=9,
    )
    ax.texts[-1].set_text(f"{OUTLINES_ATTRIBUTION}; {CITIES_ATTRIBUTION}")
    return save_figure(fig, path)


def write_footprint(fp: Footprint, theatre: Theatre, out: str | Path) -> dict[str, Path]:
    """Write a footprint's files (:data:`FOOTPRINT_FILES`) into the folder ``out``.

    Returns
    -------
    dict of str to Path
        Each file written, by name.
    """
    folder = make_folder(out)
    written: dict[str, Path] = {}
    written["footprint.json"] = write_json_atomic(folder / "footprint.json", fp.summary())
    written["footprint.geojson"] = write_json_atomic(
        folder / "footprint.geojson", footprint_geojson(fp)
    )
    cells, pairs = _tables(fp)
    written["footprint.parquet"] = write_table(folder / "footprint.parquet", cells)
    written["footprint_pairs.parquet"] = write_table(folder / "footprint_pairs.parquet", pairs)
    written["footprint.png"] = draw_footprint(fp, theatre, folder / "footprint.png")
    return written
