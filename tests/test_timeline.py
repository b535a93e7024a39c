"""The detection/track/fire-control timeline, alone and with shared data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jointshield.analysis.timeline import MILESTONES, timeline
from jointshield.cli import main
from jointshield.flight.aim import aim
from jointshield.flight.raid import fly_raid
from jointshield.physics.geo import ecef_to_geodetic
from jointshield.scenario import LinkOutage, load_scenario
from jointshield.sensing.radar import Radar
from jointshield.theatre.compile import compile_missile, compile_radar, compile_scenario

TIME_TOL_S = 1e-6


def _same(a, b) -> bool:
    """Milestones equal, with 'never' (NaN) equal to 'never'."""
    return a.sensor == b.sensor and (a.t_s == b.t_s or (np.isnan(a.t_s) and np.isnan(b.t_s)))


@pytest.fixture(scope="module")
def shared():
    return timeline("europe-2011", sharing="tracks")


@pytest.fixture(scope="module")
def alone():
    return timeline("europe-2011", sharing="none")


def test_no_sharing_gives_each_party_only_its_own_sensors(alone) -> None:
    """With sharing 'none' the shared column equals the own column for every party and threat."""
    for th in alone.threats:
        for pt in th.parties.values():
            for m in MILESTONES:
                assert _same(pt.own[m], pt.shared[m])


def test_sharing_never_makes_a_party_later(shared) -> None:
    """Received data can only bring a milestone earlier, never later."""
    for th in shared.threats:
        for pt in th.parties.values():
            for m in MILESTONES:
                own, sh = pt.own[m].t_s, pt.shared[m].t_s
                assert np.isnan(own) or sh <= own


def test_milestones_are_in_order(shared) -> None:
    """Detection precedes the track, which precedes fire control, which follows burnout."""
    for th in shared.threats:
        for pt in th.parties.values():
            for col in (pt.own, pt.shared):
                d, t, f = (col[m].t_s for m in MILESTONES)
                if np.isfinite(t):
                    assert d <= t
                if np.isfinite(f):
                    assert t <= f and f > th.burnout_s


def _first_visible_scan(radar: Radar, launch_time_s: float, fl_fine, rcs: float) -> float:
    """Brute force: the first scan (scenario clock) at which a densely sampled flyout is visible."""
    dt = fl_fine.sample_dt_s
    keep = fl_fine.sample_phase[0] >= 0
    times = np.arange(keep.sum()) * dt
    r = fl_fine.samples[0, keep, :3]
    k0 = int(np.ceil(launch_time_s / radar.revisit_s))
    for k in range(k0, k0 + 10_000):
        t = k * radar.revisit_s - launch_time_s
        if t > times[-1]:
            return float("nan")
        j = round(t / dt)
        if abs(times[j] - t) < 1e-9 and radar.visible(r[j], rcs):
            return t
    return float("nan")


def test_remote_cue_arrives_one_path_latency_after_the_remote_first_look(shared) -> None:
    """NATO's cue from Gabala comes at its first look plus two 2-s hops via the fusion centre."""
    sc = load_scenario("europe-2011")
    geo = fly_raid(compile_scenario(sc).raid())
    k = geo.index("s3-ankara")
    model = compile_missile(sc.missile(geo.missile[k]))
    la = sc.launch_area(geo.launch_area[k])
    tgt = sc.asset(geo.target[k])
    fine = aim(
        model,
        np.radians(la.lat_deg),
        np.radians(la.lon_deg),
        np.radians(tgt.lat_deg),
        np.radians(tgt.lon_deg),
        sample_dt_s=0.5,
    ).flyouts
    gabala = compile_radar(sc.sensor("daryal-gabala"), sc.site("gabala"))
    first = _first_visible_scan(gabala, geo.launch_time_s[k], fine, geo.rcs_m2[k])
    nato = next(th for th in shared.threats if th.threat_id == "s3-ankara").parties["NATO"]
    assert nato.shared["detection"].sensor == "daryal-gabala"
    assert nato.shared["detection"].t_s == pytest.approx(first + 4.0, abs=TIME_TOL_S)
    russia = next(th for th in shared.threats if th.threat_id == "s3-ankara").parties["Russia"]
    assert russia.own["detection"].t_s == pytest.approx(first, abs=TIME_TOL_S)


def test_early_warning_passes_cues_but_not_tracks() -> None:
    """Under 'early-warning' a party gains detection time but no remote track."""
    tl = timeline("europe-2011", sharing="early-warning")
    gained = False
    for th in tl.threats:
        for pt in th.parties.values():
            assert _same(pt.shared["track"], pt.own["track"])
            assert _same(pt.shared["fire_control"], pt.own["fire_control"])
            gained |= pt.gain_s("detection") > 0
    assert gained


def test_scripted_outage_cuts_the_exchange() -> None:
    """With the NATO link down for the whole raid, NATO is left with its own sensors."""
    sc = load_scenario("europe-2011")
    links = tuple(
        link.model_copy(update={"outages": (LinkOutage(start_s=0.0, end_s=8e4),)})
        if "NATO" in (link.from_party, link.to_party)
        else link
        for link in sc.links
    )
    cut = sc.model_copy(update={"links": links})
    tl = timeline(cut, sharing="tracks")
    for th in tl.threats:
        nato = th.parties["NATO"]
        for m in MILESTONES:
            assert _same(nato.shared[m], nato.own[m])


def test_timeline_cli_json_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """The command prints JSON with every party's milestones; a bad threat gets a suggestion."""
    assert main(["timeline", "--threat", "s3-ankara", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    parties = data["threats"][0]["parties"]
    assert set(parties) == {"NATO", "Russia"}
    assert parties["NATO"]["gain_s"]["detection"] > 0
    assert data["meta"]["scenario_hash"]
    assert main(["timeline", "--threat", "s3-ankra"]) == 2
    err = capsys.readouterr().err
    assert "s3-ankara" in err and "Traceback" not in err


def test_space_ir_launch_report_is_a_first_detection_own_and_shared() -> None:
    """A NATO space-based sensor: NATO detects at its cue, Russia one link latency later."""
    sc = load_scenario("europe-2011")
    radars = tuple(s for s in sc.sensors if s.kind == "radar")
    sbirs = sc.sensors[0].model_copy(
        update={"name": "sbirs", "kind": "space-ir", "owner": "NATO", "delay_s": 10.0}
    )
    with_ir = sc.model_copy(update={"sensors": (*radars, sbirs)})
    tl = timeline(with_ir, sharing="tracks")
    theatre = compile_scenario(with_ir)
    geo = fly_raid(theatre.raid())
    (ir,) = theatre.space_ir
    # The cue independently: the first boost sample at or above 10 km, plus the delay.
    fl = geo.flyouts
    assert fl.samples is not None and fl.sample_dt_s is not None
    for k, th in enumerate(tl.threats):
        _, _, alt_m = ecef_to_geodetic(fl.samples[k, :, :3])
        boosting = np.arange(alt_m.size) * fl.sample_dt_s <= fl.t_burnout_s[k]
        first = np.flatnonzero(boosting & (alt_m >= ir.min_altitude_m))[0] * fl.sample_dt_s
        cue_s = first + ir.delay_s
        nato, russia = th.parties["NATO"], th.parties["Russia"]
        assert nato.own["detection"].t_s <= cue_s + TIME_TOL_S
        if nato.own["detection"].sensor == "sbirs":
            assert nato.own["detection"].t_s == pytest.approx(cue_s, abs=TIME_TOL_S)
        # Over the links (two 2-s hops through the fusion centre), as a cue, never a track.
        assert russia.shared["detection"].t_s <= cue_s + 4.0 + TIME_TOL_S
        assert nato.own["track"].sensor != "sbirs" and russia.shared["track"].sensor != "sbirs"
    assert any(th.parties["NATO"].own["detection"].sensor == "sbirs" for th in tl.threats)


def test_a_received_cue_moves_the_partys_own_radar_earlier() -> None:
    """Cued acquisition in the timeline: Russia's cue makes NATO's own SPY-1 track sooner.

    Without NATO's satellites and forward radar, its SPY-1 radars search
    uncued; with the links' cues they acquire farther, so NATO's own radar
    (not the received track) gives an earlier track under sharing.
    """
    sc = load_scenario("europe-2018")
    sensors = tuple(s for s in sc.sensors if s.name not in ("sbirs", "tpy-2-kurecik"))
    tl = timeline(sc.model_copy(update={"sensors": sensors}), sharing="early-warning")
    moved = []
    for th in tl.threats:
        nato = th.parties["NATO"]
        own, shared = nato.own["track"], nato.shared["track"]
        if shared.sensor.startswith("spy-1") and own.sensor.startswith("spy-1"):
            moved.append(own.t_s - shared.t_s)
    assert moved and max(moved) > 30.0
