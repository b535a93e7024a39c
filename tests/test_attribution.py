"""Shapley attribution: the games against known answers, the theatre's against its runs.

The game-level tests check the arithmetic against answers known in closed
form (the glove game), by hand (a three-player game) and by brute force (the
average marginal contribution over every order of the players); the
theatre-level tests check that a coalition is the theatre without the other
players' assets, run on the same seeds.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from jointshield.analysis.attribution import (
    EXACT_MAX_PLAYERS,
    ValueOf,
    attribute,
    coalition_theatre,
    dependency,
    players_of,
    shapley_exact,
    shapley_sampled,
)
from jointshield.analysis.runs import run
from jointshield.battle.samples import deploy_samples
from jointshield.cli import main
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

TRIALS = 200


def _game(table: dict[frozenset[int], float], n: int) -> ValueOf:
    def value_of(mask: int) -> np.ndarray:
        members = frozenset(i for i in range(n) if mask >> i & 1)
        return np.array([table[members]])

    return value_of


def _brute_force(value_of: ValueOf, n: int) -> np.ndarray:
    """Average marginal contribution of each player over all n! orders."""
    total = np.zeros(n)
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        mask = 0
        for i in order:
            before = float(value_of(mask)[0])
            mask |= 1 << i
            total[i] += float(value_of(mask)[0]) - before
    return total / len(orders)


def test_the_glove_game_has_its_known_values() -> None:
    """One left glove, two right gloves: the left holder gets 2/3, each right holder 1/6."""

    def v(mask: int) -> np.ndarray:
        return np.array([float(bool(mask & 1) and bool(mask & 0b110))])

    phi = shapley_exact(v, 3)[:, 0]
    np.testing.assert_allclose(phi, [2 / 3, 1 / 6, 1 / 6], rtol=0, atol=1e-15)


def test_a_three_player_game_matches_the_values_computed_by_hand() -> None:
    """v: {}=0, {0}=1, {1}=2, {2}=3, {01}=4, {02}=5, {12}=6, {012}=10: 7/3, 10/3, 13/3."""
    table = {
        frozenset(): 0.0,
        frozenset({0}): 1.0,
        frozenset({1}): 2.0,
        frozenset({2}): 3.0,
        frozenset({0, 1}): 4.0,
        frozenset({0, 2}): 5.0,
        frozenset({1, 2}): 6.0,
        frozenset({0, 1, 2}): 10.0,
    }
    phi = shapley_exact(_game(table, 3), 3)[:, 0]
    np.testing.assert_allclose(phi, [7 / 3, 10 / 3, 13 / 3], rtol=1e-14)


def test_exact_values_match_brute_force_over_orders_add_up_and_respect_null_and_symmetry() -> None:
    """A random 5-player game with a null player (4) and two symmetric ones (0, 1)."""
    rng = np.random.default_rng(7)
    n = 5
    base = rng.normal(size=1 << n)
    # Player 4 adds nothing; players 0 and 1 are interchangeable.
    value = np.empty(1 << n)
    for mask in range(1 << n):
        core = mask & 0b01111
        swapped = (core & ~0b11) | ((core & 1) << 1) | ((core & 2) >> 1)
        value[mask] = base[min(core, swapped)] if core else 0.0

    def v(mask: int) -> np.ndarray:
        return np.array([value[mask]])

    phi = shapley_exact(v, n)[:, 0]
    np.testing.assert_allclose(phi, _brute_force(v, n), rtol=0, atol=1e-12)
    assert phi.sum() == pytest.approx(value[-1] - value[0], abs=1e-12)
    assert phi[4] == 0.0
    assert phi[0] == pytest.approx(phi[1], abs=1e-12)


def test_per_trial_values_add_up_in_every_trial() -> None:
    rng = np.random.default_rng(3)
    table = rng.normal(size=(1 << 4, 50))
    phi = shapley_exact(lambda m: table[m], 4)
    np.testing.assert_allclose(phi.sum(axis=0), table[-1] - table[0], atol=1e-12)


def test_the_sampled_estimate_covers_the_exact_value() -> None:
    """Permutation sampling: within 3.5 standard errors of the exact value, for every player."""
    rng = np.random.default_rng(11)
    n = 6
    table = rng.normal(size=1 << n) * np.array([bin(m).count("1") for m in range(1 << n)])

    def v(mask: int) -> np.ndarray:
        return np.array([table[mask]])

    exact = shapley_exact(v, n)[:, 0]
    est, err = shapley_sampled(v, n, 400, np.random.default_rng(5))
    assert np.all(err > 0)
    assert np.all(np.abs(est - exact) <= 3.5 * err)
    # The estimate adds up in every order, so its sum is exact too.
    assert est.sum() == pytest.approx(table[-1] - table[0], abs=1e-9)


def test_too_many_players_to_enumerate_is_refused() -> None:
    with pytest.raises(JointshieldError, match="expected 1 to 12"):
        shapley_exact(lambda m: np.zeros(1), EXACT_MAX_PLAYERS + 1)


# --------------------------------------------------------------------------- theatre


@pytest.fixture(scope="module")
def north() -> Theatre:
    return theatre_of("europe-north")


def test_players_group_every_asset_once(north: Theatre) -> None:
    for kind in ("parties", "sites"):
        ps = players_of(north, kind)
        radars = [r for p in ps for r in p.radars]
        bats = [b for p in ps for b in p.batteries]
        ir = [s for p in ps for s in p.space_ir]
        assert sorted(radars) == sorted(r.name for r in north.radars), kind
        assert sorted(bats) == sorted(b.name for b in north.batteries), kind
        assert sorted(ir) == sorted(s.name for s in north.space_ir), kind
    sites = {p.name: p for p in players_of(north, "sites")}
    assert sites["redzikowo"].radars == ("spy-1-redzikowo",)
    assert sites["redzikowo"].batteries == ("aegis-ashore-redzikowo",)


def test_a_coalition_is_the_theatre_without_the_others_assets(north: Theatre) -> None:
    ps = players_of(north, "parties")
    nato = coalition_theatre(north, ps, [p.name == "NATO" for p in ps])
    assert {r.owner for r in nato.radars} == {"NATO"}
    assert {b.owner for b in nato.batteries} == {"NATO"}
    assert {s.owner for s in nato.space_ir} == {"NATO"}
    assert nato.reach is north.reach  # the reach tables are shared, not rebuilt


def test_parties_add_up_and_the_grand_coalition_is_the_run(north: Theatre) -> None:
    """Shapley values sum to v(N) − v(∅); v(N) is what ``run`` reports on the same seed."""
    a = attribute(north, arch="joint", players="parties", trials=TRIALS, seed=4, progress=False)
    total = sum(e.value for e in a.shapley)
    assert total == pytest.approx(a.grand - a.empty, rel=1e-12)
    ref = run(north, "joint", trials=TRIALS, seed=4, progress=False)
    assert a.grand == pytest.approx(ref.summary.population_defended.value, rel=1e-12)
    assert a.coalitions == 4 and a.method == "exact"
    for e in a.shapley:
        assert e.lo <= e.value <= e.hi
    # Each party's value lies between what it adds to nothing and what it adds to the other.
    alone = {
        p: run(
            coalition_theatre(north, a.players, [q.name == p for q in a.players]),
            "joint",
            trials=TRIALS,
            seed=4,
            progress=False,
        ).summary.population_defended.value
        for p in ("NATO", "Russia")
    }
    nato, russia = (e.value for e in a.shapley)
    assert nato == pytest.approx(0.5 * alone["NATO"] + 0.5 * (a.grand - alone["Russia"]))
    assert russia == pytest.approx(0.5 * alone["Russia"] + 0.5 * (a.grand - alone["NATO"]))


@pytest.mark.parametrize(
    ("value", "summary_value"),
    [("no-leak", "p_no_leak"), ("leakers", "leakers")],
)
def test_every_value_adds_up_to_the_runs_figure(
    north: Theatre, value: str, summary_value: str
) -> None:
    """The grand coalition's no-leak probability, and warheads stopped, are the run's."""
    a = attribute(north, players="parties", value=value, trials=TRIALS, seed=3, progress=False)
    s = run(north, "joint", trials=TRIALS, seed=3, progress=False).summary
    expected = getattr(s, summary_value).value
    if value == "leakers":  # warheads stopped: the raid's warheads minus the leakers
        warheads = deploy_samples(north)[0].warhead_asset.shape[0]
        expected = warheads - expected
    assert a.grand == pytest.approx(expected, rel=1e-12)
    assert sum(e.value for e in a.shapley) == pytest.approx(a.grand - a.empty, abs=1e-9)


def test_geometry_samples_are_shared_by_every_coalition(north: Theatre) -> None:
    """With two geometry samples the grand coalition is the run with the same two samples."""
    a = attribute(
        north, players="parties", trials=TRIALS, seed=5, geometry_samples=2, progress=False
    )
    ref = run(north, "joint", trials=TRIALS, seed=5, geometry_samples=2, progress=False)
    assert a.grand == pytest.approx(ref.summary.population_defended.value, rel=1e-12)
    assert sum(e.value for e in a.shapley) == pytest.approx(a.grand - a.empty, rel=1e-12)


def test_a_battery_that_reaches_nothing_gets_exactly_zero(north: Theatre) -> None:
    """A copy of a battery moved to the South Pacific changes no trial: its value is 0."""
    bat = next(b for b in north.batteries if b.name == "aegis-ashore-deveselu")
    far = dataclasses.replace(
        bat, name="far-away", lat_rad=math.radians(-60.0), lon_rad=math.radians(-140.0)
    )
    theatre = dataclasses.replace(north, batteries=(*north.batteries, far))
    a = attribute(
        theatre,
        arch="data-exchange",
        players="batteries",
        only=["far-away", "aegis-ashore-redzikowo", "a-135-moscow"],
        trials=TRIALS,
        progress=False,
    )
    values = {p.name: e for p, e in zip(a.players, a.shapley, strict=True)}
    assert values["far-away"].value == 0.0
    assert values["far-away"].lo == values["far-away"].hi == 0.0
    assert values["aegis-ashore-redzikowo"].value > 0.0


def test_sampling_switches_on_and_agrees_with_enumeration(north: Theatre) -> None:
    only = ["redzikowo", "pushkino", "tpy-2-kurecik"]
    exact = attribute(north, players="sites", only=only, trials=TRIALS, progress=False)
    sampled = attribute(
        north,
        players="sites",
        only=only,
        trials=TRIALS,
        exact=False,
        permutations=60,
        progress=False,
    )
    assert sampled.method == "sampled" and sampled.permutations == 60
    for e, s in zip(exact.shapley, sampled.shapley, strict=True):
        half = max(s.hi - s.value, 1.0)
        assert abs(e.value - s.value) <= 4.0 * half / 1.96


def test_bad_names_suggest_the_closest(north: Theatre) -> None:
    with pytest.raises(UnknownNameError, match="redzikowo"):
        attribute(north, players="sites", only=["redzikowa"], trials=TRIALS, progress=False)
    with pytest.raises(UnknownNameError, match="population"):
        attribute(north, value="populaton", trials=TRIALS, progress=False)
    with pytest.raises(UnknownNameError, match="sensors"):
        attribute(north, players="sensor", trials=TRIALS, progress=False)


def test_the_command_prints_a_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "attr"
    code = main(
        [
            "attribute",
            "europe-north",
            "--players",
            "parties",
            "--value",
            "leakers",
            "-n",
            str(TRIALS),
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "Shapley values under joint" in text and "NATO" in text and "Russia" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads((out / "attribution.json").read_text(encoding="utf-8"))
    assert data["value"] == "leakers" and len(data["players"]) == 2
    assert sum(p["shapley"]["value"] for p in data["players"]) == pytest.approx(
        data["grand"] - data["empty"]
    )
    assert data["meta"]["scenario"] == "europe-north"


def test_the_command_refuses_an_unknown_player(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["attribute", "europe-north", "--players", "sites", "--player", "redzikowa"])
    err = capsys.readouterr().err
    assert code != 0 and "redzikowo" in err and "Traceback" not in err


def test_more_players_than_enumeration_allows_switches_to_sampling_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("jointshield.analysis.attribution.EXACT_MAX_PLAYERS", 1)
    with pytest.raises(JointshieldError, match="too many to enumerate"):
        attribute("europe-north", exact=True, trials=TRIALS, progress=False)
    args = ["attribute", "europe-north", "-n", "50", "--permutations", "3"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "more than the 1 whose coalitions can be enumerated" in text
    assert "sampled: 3 orders" in text


# --------------------------------------------------------------------------- dependency


def test_dependency_is_the_loss_without_the_other_partys_assets(north: Theatre) -> None:
    """Loss = own assets defended with all − with own only, each checked against ``run``."""
    found = dependency(north, ("national", "joint"), trials=TRIALS, seed=2)
    assert [(d.architecture, d.party) for d in found] == [
        ("national", "NATO"),
        ("national", "Russia"),
        ("joint", "NATO"),
        ("joint", "Russia"),
    ]
    parties = players_of(north, "parties")
    for d in found:
        owned = [a.name for a in north.assets if a.owner == d.party]

        def own(theatre: Theatre, arch: str = d.architecture, owned: list[str] = owned) -> float:
            s = run(theatre, arch, trials=TRIALS, seed=2, progress=False).summary
            return sum(
                north.asset(a).population * s.p_asset_protected[a].value
                for a in owned
                if a in s.p_asset_protected
            )

        alone = coalition_theatre(north, parties, [p.name == d.party for p in parties])
        assert d.defended.value == pytest.approx(own(north), rel=1e-9)
        assert d.alone.value == pytest.approx(own(alone), rel=1e-9)
        assert d.loss.value == pytest.approx(d.defended.value - d.alone.value, rel=1e-9, abs=1e-6)
    by = {(d.architecture, d.party): d for d in found}
    # A national defence uses nothing of the other party's: exactly no loss, in every trial.
    for party in ("NATO", "Russia"):
        loss = by["national", party].loss
        assert loss.value == loss.lo == loss.hi == 0.0
    # Under joint, Moscow's defence rests in part on NATO's sensors (the TPY-2's early tracks).
    assert by["joint", "Russia"].loss.lo > 0.0


def test_compare_shows_and_writes_the_dependency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    out = tmp_path / "cmp"
    args = ["compare", "europe-north", "--architectures", "national,joint", "-n", str(TRIALS)]
    assert main([*args, "--dependency", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rests on the others' assets" in text and "on others" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    table = pd.read_parquet(out / "dependency.parquet")
    assert list(table["party"].cat.categories) == ["NATO", "Russia"]
    assert table["share"].dtype == "float64" and len(table) == 4
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert len(data["dependency"]) == 4 and "architectures" in data
