"""Defended footprints: cells against single aimed flyouts and brute-force windows."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from tests.theatres import theatre

from jointshield.analysis.footprint import (
    CELL_STATUS,
    Footprint,
    footprint,
    write_footprint,
)
from jointshield.battle.context import deploy, prepare
from jointshield.battle.nominal import nominal_engagements
from jointshield.errors import JointshieldError
from jointshield.flight.raid import RaidPlan
from jointshield.physics.geo import ecef_to_geodetic, geodesic_inverse
from jointshield.theatre.model import Asset

REGION = (36.0, 46.0, 22.0, 34.0)  # Greece, Bulgaria, Romania, western Turkey
GRID = 1.0


@pytest.fixture(scope="module")
def europe():
    return theatre("europe-2018")


@pytest.fixture(scope="module")
def prints(europe) -> dict[str, Footprint]:
    out = {}
    for arch in ("national", "early-warning", "data-exchange", "joint"):
        out[arch] = footprint(
            europe,
            arch=arch,
            launch_area="tabriz",
            missile="sejjil-2",
            grid_deg=GRID,
            region=REGION,
            trials=0 if arch != "national" else 400,
        )
    return out


def _single(europe, fp: Footprint, cell: int, arch: str):
    """The cell's threat as a raid of its own, fought directly."""
    base = next(
        t
        for r in europe.raids
        for t in r.threats
        if t.missile.name == "sejjil-2" and t.launch_area == "tabriz"
    )
    lat, lon = math.radians(fp.lat_deg[cell]), math.radians(fp.lon_deg[cell])
    owner = str(fp.owner[cell])
    threat = replace(
        base,
        id="one",
        target="one",
        target_owner=owner,
        target_lat_rad=lat,
        target_lon_rad=lon,
        count=1,
        launch_time_s=0.0,
        launch_radius_m=0.0,
        launch_time_jitter_s=0.0,
    )
    plan = RaidPlan("one", (threat,))
    th = replace(
        europe,
        assets=(Asset("one", owner, lat, lon, 1.0),),
        raids=(plan,),
        default_raid="one",
        cache=None,
    )
    ctx = prepare(deploy(th), arch=arch)
    return ctx, nominal_engagements(ctx)


def test_grid_is_partly_defended(prints):
    fp = prints["national"]
    assert fp.aimed.sum() > 0.7 * fp.lat_deg.shape[0]  # most cells in the Sejjil's reach
    assert 0 < fp.defended.sum() < fp.aimed.sum()


@pytest.mark.parametrize("arch", ["national", "data-exchange", "joint"])
def test_cells_agree_with_a_direct_single_threat_battle(europe, prints, arch):
    fp = prints[arch]
    rng = np.random.default_rng(3)
    defended = np.flatnonzero(fp.defended)
    undefended = np.flatnonzero(fp.aimed & ~fp.defended)
    cells = [*rng.choice(defended, 2, replace=False), *rng.choice(undefended, 1, replace=False)]
    for cell in cells:
        _, direct = _single(europe, fp, int(cell), arch)
        np.testing.assert_array_equal(fp.reason[cell], direct.reason[0])
        np.testing.assert_allclose(fp.intercept_s[cell], direct.intercept_s[0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(fp.margin_s[cell], direct.margin_s[0], rtol=0, atol=1e-9)


def test_earliest_intercept_matches_a_brute_force_scan_of_the_flyout(europe, prints):
    """Intercept time from time_to_reach along the cell's own flyout samples, point by point."""
    fp = prints["national"]
    cell = int(np.flatnonzero(fp.defended)[0])
    ctx, nom = _single(europe, fp, cell, "national")
    fl = ctx.geometry.flyouts
    j = int(np.flatnonzero(nom.engages[0])[0])
    bat = ctx.batteries[j]
    kin = bat.kinematics
    launch = nom.launch_s[0, j]
    found = math.nan
    for k in range(fl.samples.shape[1]):
        t_k = k * fl.sample_dt_s
        pos = fl.samples[0, k, :3]
        if not np.isfinite(pos).all() or fl.sample_phase[0, k] <= 0:
            continue  # boost (phase 0) and after impact (-1) are not candidates
        lat, lon, alt = ecef_to_geodetic(pos[None])
        rng_m, _, _ = geodesic_inverse(np.array([bat.lat_rad]), np.array([bat.lon_rad]), lat, lon)
        if not (rng_m[0] <= kin.max_range_m):
            continue
        if not (kin.min_intercept_alt_m <= alt[0] <= kin.max_intercept_alt_m):
            continue
        ttr = float(kin.time_to_reach(rng_m, alt)[0])
        if math.isfinite(ttr) and t_k - ttr >= launch:
            found = t_k
            break
    assert found == pytest.approx(fp.intercept_s[cell, j], abs=1e-9)


def test_more_sharing_never_defends_fewer_cells(prints):
    nat, ew, dx = prints["national"], prints["early-warning"], prints["data-exchange"]
    assert not (nat.defended & ~ew.defended).any()
    assert not (ew.defended & ~dx.defended).any()
    for fp in prints.values():
        np.testing.assert_array_equal(fp.defended_national, nat.defended)
        np.testing.assert_array_equal(fp.only_cooperation, fp.defended & ~nat.defended)
    joint = prints["joint"]
    summary = joint.summary()
    assert summary["only_cooperation"]["cells"] == int(joint.only_cooperation.sum())
    assert summary["only_cooperation"]["population"] == pytest.approx(
        float(joint.population[joint.only_cooperation].sum())
    )


def test_sampled_protection_matches_the_analytic_kill_probability(prints):
    """Cells one battery defends with time to spare: the Monte Carlo gives 1 − (1 − pk)^shots."""
    fp = prints["national"]
    one = fp.engages.sum(axis=1) == 1
    roomy = one & (fp.margin_s_best > 60.0)
    assert roomy.sum() >= 3
    p_kill = np.where(fp.engages, fp.p_kill, 0.0).max(axis=1)[roomy]
    sampled = fp.p_protected[roomy]
    se = np.sqrt(p_kill * (1 - p_kill) / fp.trials / roomy.sum())
    assert abs(sampled.mean() - p_kill.mean()) < 4 * se.max() + 1e-3
    assert (fp.p_protected[fp.aimed & ~fp.defended] <= 0.05).all()


def test_files_are_strict_and_typed(europe, prints, tmp_path):
    pd = pytest.importorskip("pandas")
    fp = prints["national"]
    files = write_footprint(fp, europe, tmp_path)
    summary = json.loads(files["footprint.json"].read_text(), parse_constant=pytest.fail)
    assert summary["defended"]["cells"] == int(fp.defended.sum())
    gj = json.loads(files["footprint.geojson"].read_text(), parse_constant=pytest.fail)
    assert len(gj["features"]) == fp.lat_deg.shape[0]
    cells = pd.read_parquet(files["footprint.parquet"])
    assert str(cells["status"].dtype) == "category"
    assert set(cells["status"].cat.categories) == set(CELL_STATUS)
    assert cells["defended"].dtype == bool
    assert int(cells["defended"].sum()) == int(fp.defended.sum())
    pairs = pd.read_parquet(files["footprint_pairs.parquet"])
    assert len(pairs) == fp.aimed.sum() * len(fp.batteries)
    assert files["footprint.png"].stat().st_size > 10_000


def test_a_grid_too_fine_is_refused_with_its_size_before_work(europe):
    with pytest.raises(JointshieldError, match=r"cells"):
        footprint(europe, grid_deg=0.001)


def test_unknown_names_suggest_the_closest(europe):
    with pytest.raises(JointshieldError, match="did you mean 'tabriz'"):
        footprint(europe, launch_area="tabris", grid_deg=GRID, region=REGION)
    with pytest.raises(JointshieldError, match="did you mean 'aegis-east-med'"):
        footprint(europe, batteries=["aegis-east-mde"], grid_deg=GRID, region=REGION)


def test_out_of_reach_cells_are_marked_without_aiming(europe):
    fp = footprint(
        europe,
        launch_area="tabriz",
        missile="shahab-3",
        grid_deg=2.0,
        region=(50.0, 60.0, -10.0, 0.0),  # the British Isles: far beyond a Shahab-3
        trials=0,
    )
    assert (fp.status == CELL_STATUS.index("out-of-reach")).all()
    assert not fp.defended.any()
