"""Engagement timelines: each milestone is the Monte Carlo's record; a dual key costs its time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jointshield.analysis.engagements import ENGAGEMENT_MILESTONES, engagement_timeline
from jointshield.analysis.runs import run
from jointshield.cli import main
from jointshield.report.gantt import gantt_bars, write_gantt
from jointshield.report.trials import read_trials
from theatres import theatre

TRIALS, SEED, TRIAL = 400, 5, 3
FIXED = {
    "authorisation_sigma": 0.0,
    "consent_delay_s": 30.0,
    "authorisation_delay_s": 0.0,
    "veto_probability": 0.0,
}


@pytest.fixture(scope="module")
def europe():
    return theatre("europe-2011")


@pytest.fixture(scope="module")
def tl(europe):
    return engagement_timeline(
        europe, ("data-exchange", "joint"), trials=TRIALS, seed=SEED, trial=TRIAL, progress=False
    )


def test_milestones_are_the_trials_records(europe, tl, tmp_path: Path) -> None:
    """Every milestone, nominal and spread, is read from the per-trial records that run() writes."""
    for arch in ("data-exchange", "joint"):
        run(europe, arch, trials=TRIALS, seed=SEED, progress=False, out=tmp_path / arch)
        trials, labels, _ = read_trials(tmp_path / arch / f"{arch}.parquet")
        columns = {
            "fire_control": trials.fire_control_s,
            "requested": trials.requested_s,
            "authorised": trials.authorised_s,
            "launch": trials.first_launch_s,
            "intercept": trials.first_intercept_s,
            "kill_assessed": trials.first_intercept_s + tl.kill_assessment_s,
            "reengage_launch": trials.reengage_launch_s,
            "reengage_intercept": trials.reengage_intercept_s,
        }
        warheads = tl.architectures[arch]
        assert [w.threat for w in warheads] == list(labels.threat)
        for w in warheads:
            for name in ENGAGEMENT_MILESTONES:
                x = columns[name][:, w.warhead]
                s = w.milestones[name]
                assert np.array_equal(s.trial, x[TRIAL], equal_nan=True), (arch, w.label, name)
                done = x[np.isfinite(x)]
                assert s.share == pytest.approx(done.size / TRIALS)
                if done.size:
                    assert s.median == pytest.approx(np.median(done))
                    assert s.p5 <= s.median <= s.p95
            assert w.killed == pytest.approx(trials.killed[:, w.warhead].mean())
            assert sum(w.reasons.values()) == pytest.approx(1.0)
            first = trials.battery[TRIAL, w.warhead]
            assert w.trial_battery == (labels.batteries[first] if first >= 0 else "")


def test_milestones_come_in_order(tl) -> None:
    """Fire control ≤ request ≤ authorised ≤ launch < intercept < kill assessed, in each trial."""
    seen = 0
    for warheads in tl.architectures.values():
        for w in warheads:
            t = {k: v.trial for k, v in w.milestones.items()}
            if not np.isfinite(t["launch"]):
                continue
            seen += 1
            assert t["requested"] <= t["fire_control"] + 1e-9
            assert t["requested"] <= t["authorised"] <= t["launch"] + 1e-9
            assert t["fire_control"] <= t["launch"] + 1e-9
            assert t["launch"] < t["intercept"] < t["kill_assessed"]
            assert w.margin_s.trial >= 0
    assert seen


def test_a_dual_key_costs_exactly_its_consent_time(europe) -> None:
    """With a fixed 30-s consent and an instant own decision, every joint decision takes 30 s.

    The data-exchange architecture has no dual key, so its decisions take 0 s;
    under joint each engaged warhead launches no earlier than 30 s after its
    request, and the Gantt chart draws the 30 s as the dual key's own bar.
    """
    et = engagement_timeline(
        europe, ("data-exchange", "joint"), trials=200, seed=1, params=FIXED, progress=False
    )
    assert et.dual_key == {"data-exchange": False, "joint": True}
    engaged = 0
    for w in et.architectures["joint"]:
        if w.decision_s.share:
            engaged += 1
            assert w.decision_s.p5 == pytest.approx(30.0)
            assert w.decision_s.p95 == pytest.approx(30.0)
            assert w.milestones["launch"].p5 >= w.milestones["requested"].p5 + 30.0 - 1e-9
    assert engaged
    for w in et.architectures["data-exchange"]:
        if w.decision_s.share:
            assert w.decision_s.p95 == 0.0
    bars = gantt_bars(et.to_json())
    keys = [b for b in bars if b.kind == "dual-key"]
    assert keys and all(b.architecture == "joint" for b in keys)
    assert all(b.end_s - b.start_s == pytest.approx(30.0, abs=0.11) for b in keys)
    assert not [b for b in bars if b.architecture == "joint" and b.kind == "decision"]


def test_the_gantt_bars_are_the_trials_milestones(tl, tmp_path: Path) -> None:
    """Each flight bar spans the trial's launch to its intercept, on the engaging party's row.

    The chart is drawn from the timeline's JSON form, whose times are to 0.1 s.
    """
    bars = gantt_bars(tl.to_json())
    for arch, warheads in tl.architectures.items():
        for w in warheads:
            flights = [
                b
                for b in bars
                if b.architecture == arch and b.kind == "flight" and b.row.startswith(w.label + " ")
            ]
            if not w.trial_party:
                assert not flights
                continue
            (bar,) = flights
            assert bar.row == f"{w.label} · {w.trial_party}"
            assert bar.start_s == pytest.approx(w.milestones["launch"].trial, abs=0.05)
            assert bar.end_s == pytest.approx(w.milestones["intercept"].trial, abs=0.05)
    png = write_gantt(tl.to_json(), tmp_path / "gantt.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_command_writes_json_and_gantt(tmp_path: Path, capsys) -> None:
    """``jointshield timeline --out`` writes the engagements beside the sensing milestones."""
    out = tmp_path / "tl"
    code = main(
        [
            "timeline",
            "--threat",
            "sj-istanbul",
            "--trials",
            "100",
            "--architectures",
            "national,joint",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert json.loads((out / "timeline.json").read_text()) == data
    assert (out / "timeline.png").is_file()
    joint = data["engagement"]["architectures"]["joint"]
    assert joint["dual_key"] is True
    assert [w["threat"] for w in joint["warheads"]] == ["sj-istanbul"]
    assert data["threats"][0]["id"] == "sj-istanbul"
    assert main(["timeline", "--trials", "10", "--trial", "10"]) == 2
    assert "trial" in capsys.readouterr().err
