"""Equality: launch decisions by the architecture's rules, overflights by the sectors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jointshield.analysis.equality import crosses_other, great_circle_points
from jointshield.analysis.runs import Comparison, compare
from jointshield.architectures.sectors import Sector
from jointshield.cli import main

TRIALS = 200
SQUARE = (Sector("B", ((0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0)), "b-square"),)


def _rad(*deg: float) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = np.radians(np.asarray(deg[0::2])), np.radians(np.asarray(deg[1::2]))
    return lat, lon


def test_great_circle_points_keep_the_ends_and_halve_the_arc() -> None:
    lat, lon = great_circle_points(
        np.radians(10.0), np.radians(-20.0), np.radians(50.0), np.radians(40.0), 33
    )
    assert lat[0] == pytest.approx(np.radians(10.0)) and lon[-1] == pytest.approx(np.radians(40.0))

    def arc(la0: float, lo0: float, la1: float, lo1: float) -> float:  # haversine, rad
        h = (
            math.sin((la1 - la0) / 2) ** 2
            + math.cos(la0) * math.cos(la1) * math.sin((lo1 - lo0) / 2) ** 2
        )
        return 2 * math.asin(math.sqrt(h))

    mid = (float(lat[16]), float(lon[16]))
    whole = arc(lat[0], lon[0], lat[-1], lon[-1])
    assert arc(lat[0], lon[0], *mid) == pytest.approx(whole / 2, rel=1e-12)
    assert arc(*mid, lat[-1], lon[-1]) == pytest.approx(whole / 2, rel=1e-12)


def test_a_flight_across_the_other_partys_sector_is_counted_and_one_beside_it_is_not() -> None:
    parties = ("A", "B")
    # From south of the square to north of it; along its south side; into it; B over its own.
    start = _rad(-5.0, 5.0, -5.0, -5.0, -5.0, 5.0, -5.0, 5.0)
    end = _rad(15.0, 5.0, -5.0, 20.0, 5.0, 5.0, 15.0, 5.0)
    track, at_end = crosses_other(SQUARE, parties, np.array(["A", "A", "A", "B"]), start, end)
    assert track.tolist() == [True, False, True, False]
    assert at_end.tolist() == [False, False, True, False]


def test_a_sector_of_no_party_is_nobodys_territory() -> None:
    gap = (Sector("nobody", SQUARE[0].polygon_deg, "gap"),)
    track, at_end = crosses_other(gap, ("A", "B"), np.array(["A"]), _rad(-5.0, 5.0), _rad(5.0, 5.0))
    assert not track.any() and not at_end.any()


@pytest.fixture(scope="module")
def counted() -> Comparison:
    return compare(
        "europe-north",
        ("national", "sectoral", "joint"),
        trials=TRIALS,
        progress=False,
        equality=True,
    )


def test_decisions_follow_the_architectures_rules(counted: Comparison) -> None:
    by = {(e.architecture, e.party): e for e in counted.equality}
    for arch in ("national", "sectoral"):
        rows = [by[arch, p] for p in ("NATO", "Russia")]
        assert sum(r.decides_alone for r in rows) == pytest.approx(1.0)
        assert all(r.decides_with_consent == 0.0 and r.can_veto == 0.0 for r in rows)
    joint = [by["joint", p] for p in ("NATO", "Russia")]
    assert all(r.decides_alone == 0.0 for r in joint)
    # Every launch needs the other's consent: what one decides with consent, the other can veto.
    assert joint[0].decides_with_consent == pytest.approx(joint[1].can_veto)
    assert joint[1].decides_with_consent == pytest.approx(joint[0].can_veto)
    assert sum(r.decides_with_consent for r in joint) == pytest.approx(1.0)


def test_flights_add_up_to_the_interceptors_fired_and_sectors_keep_intercepts_home(
    counted: Comparison,
) -> None:
    by = {(e.architecture, e.party): e for e in counted.equality}
    for result in counted.results:
        arch = result.summary.architecture
        fired = sum(by[arch, p].flights.value for p in ("NATO", "Russia"))
        assert fired == pytest.approx(result.summary.interceptors.value, rel=1e-12)
        for p in ("NATO", "Russia"):
            e = by[arch, p]
            assert e.intercepts_over_other.value <= e.flights_over_other.value <= e.flights.value
    # The sectoral rule: a battery engages only over its own party's sector.
    for p in ("NATO", "Russia"):
        assert by["sectoral", p].intercepts_over_other.value == 0.0
    # Without sectors, NATO's interceptors do meet warheads over Russia's sector here.
    assert by["national", "NATO"].intercepts_over_other.lo > 0.0


def test_compare_prints_and_writes_the_equality(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "europe-north", "--architectures", "national,joint", "-n", str(TRIALS)]
    assert main([*args, "--equality", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Who decides the launches" in text and "can veto" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    table = pd.read_parquet(out / "equality.parquet")
    assert str(table["party"].dtype) == "category" and len(table) == 4
    assert table["flights_over_other_lo"].dtype == "float64"
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert len(data["equality"]) == 4
