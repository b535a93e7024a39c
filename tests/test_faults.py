"""Exercises with faults: a sensor, link or battery down, a link or a party slowed.

Each fault acts through the domain object it names (the compile step), and
its effect is checked against an independent reference: deleting the item
from the scenario, a brute-force filter of a radar's looks, the link's
latency added to the received track, the decision's time added exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jointshield.analysis.engagements import engagement_timeline
from jointshield.analysis.exercise import exercise
from jointshield.analysis.footprint import footprint
from jointshield.analysis.timeline import timeline
from jointshield.architectures.presets import architecture
from jointshield.battle.context import deploy, prepare
from jointshield.battle.fight import fight
from jointshield.battle.nominal import nominal_engagements
from jointshield.cli import main
from jointshield.engagement.reasons import REASONS
from jointshield.errors import ScenarioError
from jointshield.scenario import builtin_path, load_scenario, parse_scenario
from jointshield.scenario.faults import add_faults, load_exercise
from jointshield.sensing.radar import radar_looks
from theatres import theatre

TRIALS = 300
ISTANBUL = 8  # sj-istanbul's warhead: launched at 90 s, met by the Aegis ship about 155 s later


@pytest.fixture(scope="module")
def base():
    return load_scenario("europe-2011")


def _trials(sc, arch="data-exchange", trials=TRIALS, seed=2):
    return fight(theatre(sc), arch=arch, trials=trials, seed=seed).trials


def _same(a, b) -> None:
    for name, x in a.columns().items():
        y = b.columns()[name]
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def test_a_radar_down_for_the_whole_run_is_the_radar_deleted(base) -> None:
    """Removing the only fire-control radar by a fault gives the outcome of deleting it."""
    deleted = base.model_copy(
        update={"sensors": tuple(s for s in base.sensors if s.name != "tpy-2-kurecik")}
    )
    faulted = add_faults(base, ["sensor: tpy-2-kurecik"])
    for arch in ("data-exchange", "joint"):
        _same(_trials(faulted, arch), _trials(deleted, arch))
    assert _trials(faulted).first_launch_s[:, ISTANBUL].mean() != pytest.approx(
        np.nanmean(_trials(base).first_launch_s[:, ISTANBUL])
    )


def test_a_fault_where_nothing_happens_changes_nothing(base) -> None:
    """A battery and a radar down only in the raid's last seconds leave every trial as it was."""
    end = 880.0  # the raid's last impact is at about 885 s on the scenario clock
    quiet = add_faults(
        base,
        [
            f"battery: aegis-east-med, start_s: {end - 10}, end_s: {end}",
            f"sensor: tpy-2-kurecik, start_s: {end - 2}, end_s: {end}",
            "link: NATO->fusion, start_s: 0, end_s: 1",
        ],
    )
    _same(_trials(quiet), _trials(base))


def test_a_battery_down_launches_nothing_in_its_window(base) -> None:
    """Down from 200 to 300 s, the ship meets sj-istanbul only after it is back up."""
    plain = _trials(base)
    gap = _trials(add_faults(base, ["battery: aegis-east-med, start_s: 200, end_s: 300"]))
    launch_at = 90.0 + plain.first_launch_s[:, ISTANBUL]
    assert np.all((launch_at >= 200) & (launch_at < 300))  # without the fault it launches then
    later = 90.0 + gap.first_launch_s[:, ISTANBUL]
    assert np.isfinite(later).all() and np.all(later >= 300.0)
    # Down past the last launch that still meets it: too late.
    long = _trials(add_faults(base, ["battery: aegis-east-med, start_s: 200, end_s: 600"]))
    assert np.all(long.reason[:, ISTANBUL] == REASONS.index("too-late"))


def test_a_radar_down_makes_no_look_in_its_window(base) -> None:
    """radar_looks with a down window gives the looks without it, less those in the window."""
    th = theatre(base)
    geo = th.fly(th.raid())
    radar = th.radar("tpy-2-kurecik")
    down = theatre(add_faults(base, ["sensor: tpy-2-kurecik, start_s: 150, end_s: 250"]))
    assert down.radar("tpy-2-kurecik").down_s == ((150.0, 250.0),)
    full = radar_looks(radar, geo.flyouts, geo.rcs_m2, geo.launch_time_s)
    cut = radar_looks(down.radar("tpy-2-kurecik"), geo.flyouts, geo.rcs_m2, geo.launch_time_s)
    for i, t0 in enumerate(geo.launch_time_s):
        t = full.t_s[i, : full.count[i]]
        keep = t[~((t + t0 >= 150.0) & (t + t0 < 250.0))]
        assert np.array_equal(cut.t_s[i, : cut.count[i]], keep)
    assert cut.count.sum() < full.count.sum()


def test_a_slower_link_delivers_its_tracks_later_by_exactly_its_latency(base) -> None:
    """Russia's fire-control track of sj-istanbul is NATO's, relayed: 20 s later with +20 s."""
    before = timeline(theatre(base), sharing="tracks", threat="sj-istanbul")
    after = timeline(
        theatre(add_faults(base, ["link: Russia->fusion, latency_s: 20"])),
        sharing="tracks",
        threat="sj-istanbul",
    )
    fc0 = before.threats[0].parties["Russia"].shared["fire_control"]
    fc1 = after.threats[0].parties["Russia"].shared["fire_control"]
    assert fc0.owner == "NATO" and fc1.t_s == pytest.approx(fc0.t_s + 20.0)
    nato = after.threats[0].parties["NATO"].own["fire_control"]
    assert nato == before.threats[0].parties["NATO"].own["fire_control"]


def test_a_slowed_party_takes_its_extra_seconds_on_each_decision_in_its_window(base) -> None:
    """With instant decisions, NATO slowed by 45 s decides every launch in 45 s, in its window."""
    instant = {"authorisation_sigma": 0.0, "authorisation_delay_s": 0.0}
    slowed = add_faults(base, ["party: NATO, authorisation_delay_s: 45"])
    et = engagement_timeline(
        theatre(slowed), ("data-exchange",), trials=100, params=instant, progress=False
    )
    (w,) = [w for w in et.architectures["data-exchange"] if w.label == "sj-istanbul"]
    assert w.decision_s.p5 == pytest.approx(45.0) and w.decision_s.p95 == pytest.approx(45.0)
    # A window that closes before the request (about 225 s on the clock) slows nothing.
    early = add_faults(base, ["party: NATO, authorisation_delay_s: 45, start_s: 0, end_s: 200"])
    et = engagement_timeline(
        theatre(early), ("data-exchange",), trials=100, params=instant, progress=False
    )
    (w,) = [w for w in et.architectures["data-exchange"] if w.label == "sj-istanbul"]
    assert w.decision_s.p95 == 0.0


def test_a_space_sensor_down_reports_nothing_in_its_window(base) -> None:
    """SBIRS down for the whole raid's first 400 s reports no launch in them."""
    th = theatre(add_faults(base, ["sensor: sbirs, start_s: 0, end_s: 400"]))
    (ir,) = th.space_ir
    assert ir.down_s == ((0.0, 400.0),)
    assert not [
        r for r in timeline(th).threats if r.parties["NATO"].own["detection"].sensor == "sbirs"
    ]


def test_bad_faults_are_refused_with_file_line_and_key(base, tmp_path: Path) -> None:
    """An unknown name gets the closest suggested; a window t2 < t1 or past the raid is refused."""
    with pytest.raises(
        ScenarioError,
        match=r"--fault 1\.sensor: unknown sensor 'tpy2-kurecik'; "
        r"did you mean 'tpy-2-kurecik'",
    ):
        add_faults(base, ["sensor: tpy2-kurecik"])
    src = builtin_path("europe-2011").read_text(encoding="utf-8")
    bad = src + "faults:\n  - battery: aegis-east-med\n    start_s: 300\n    end_s: 200\n"
    lines = bad.count("\n")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(bad, "x.yaml")
    assert f"x.yaml:{lines} faults[0].end_s: expected end_s > start_s" in str(err.value)
    late = parse_scenario(src + "faults:\n  - sensor: sbirs\n    end_s: 5000\n", "y.yaml")
    with pytest.raises(
        ScenarioError,
        match=r"y\.yaml:\d+ faults\[0\]\.end_s: the window .* "
        r"outside the raid's time \[0, 885\] s",
    ):
        fight(theatre(late), trials=1)
    for wrong, message in (
        ("party: NATO", "missing key 'authorisation_delay_s'"),
        ("sensor: sbirs, latency_s: 3", "latency_s applies to a link"),
        ("sensor: sbirs, link: NATO->fusion", "exactly one of"),
        ("link: NATO->fusion, latency_s: 3, end_s: 10", "lasts the whole run"),
    ):
        with pytest.raises(ScenarioError, match=message):
            add_faults(base, [wrong])


def test_an_exercise_shows_each_case_against_the_fault_free_run(base, tmp_path: Path) -> None:
    """A no-op case changes nothing; removing the radar costs what deleting it costs."""
    file = tmp_path / "ex.yaml"
    file.write_text(
        "faults:\n"
        "  - name: radar-lost\n    sensor: tpy-2-kurecik\n"
        "  - name: nothing\n    battery: aegis-east-med\n    start_s: 870\n    end_s: 880\n",
        encoding="utf-8",
    )
    cases = load_exercise(file, base)
    assert list(cases) == ["radar-lost", "nothing"]
    result = exercise(base, cases, ("data-exchange",), trials=TRIALS, seed=2, progress=False)
    lost, nothing = result.degradations
    assert nothing.population_hit_change.value == 0.0 and nothing.p_no_leak_change.value == 0.0
    deleted = base.model_copy(
        update={"sensors": tuple(s for s in base.sensors if s.name != "tpy-2-kurecik")}
    )
    want = _trials(deleted).population_hit.mean() - _trials(base).population_hit.mean()
    assert lost.population_hit_change.value == pytest.approx(want)
    assert lost.population_hit_change.lo <= want <= lost.population_hit_change.hi
    assert lost.faults == ("sensor tpy-2-kurecik down for the whole run",)

    out = tmp_path / "out"
    args = ["exercise", "--faults", str(file), "--architectures", "data-exchange", "-n", "50"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    assert {p.name for p in out.iterdir()} >= {"exercise.json", "exercise.parquet"}
    data = json.loads((out / "exercise.json").read_text())
    assert [d["case"] for d in data["degradations"]] == ["radar-lost", "nothing"]
    file.write_text("faults:\n  - sensor: tpy-2-kurecik\n", encoding="utf-8")
    assert main(args) == 2


def test_faults_act_in_a_footprint_too() -> None:
    """The ship and Deveselu down for the whole run defend what the scenario without it defends.

    A windowed fault is not checked against the footprint's own threats (all
    launched at 0), whose end is not the scenario raid's.
    """
    sc = load_scenario("europe-2018")
    args = dict(
        arch="national",
        launch_area="tabriz",
        missile="sejjil-2",
        grid_deg=1.0,
        trials=0,
        region=(40.0, 46.0, 22.0, 30.0),
    )
    plain = footprint(theatre(sc), **args)
    gone = ("aegis-east-med", "aegis-ashore-deveselu")
    lost = footprint(theatre(add_faults(sc, [f"battery: {b}" for b in gone])), **args)
    deleted = sc.model_copy(
        update={"batteries": tuple(b for b in sc.batteries if b.name not in gone)}
    )
    assert np.array_equal(lost.defended, footprint(theatre(deleted), **args).defended)
    assert lost.defended.sum() < plain.defended.sum()
    windowed = add_faults(sc, ["sensor: sbirs, start_s: 900, end_s: 1000"])
    assert np.array_equal(footprint(theatre(windowed), **args).defended, plain.defended)


def test_a_slowed_party_delays_the_nominal_engagement_too(base) -> None:
    """The nominal engagement (footprints' model) waits the slowed party's extra time."""
    instant = architecture("data-exchange", authorisation_delay_s=0.0)
    plain = nominal_engagements(prepare(deploy(theatre(base)), arch=instant))
    slowed = add_faults(base, ["party: NATO, authorisation_delay_s: 45"])
    slow = nominal_engagements(prepare(deploy(theatre(slowed)), arch=instant))
    th = theatre(base)
    j = [b.name for b in th.batteries].index("aegis-east-med")
    i = 5  # sj-istanbul, the one threat the ship meets
    assert np.isfinite(plain.launch_s[i, j])
    assert slow.launch_s[i, j] >= plain.ready_s[i, j] + 45.0
    assert slow.margin_s[i, j] < plain.margin_s[i, j]
