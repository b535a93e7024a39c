"""Reach against strategic missiles: known answers, the red line against a scan, bad input."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jointshield.analysis.redline import (
    REDLINE_STEP_MPS,
    IcbmFlights,
    Site,
    feasible_at_speed,
    fly_icbms,
    reach,
    red_line_bisection,
    red_line_rounds,
    red_lines,
    sites_of,
    template,
)
from jointshield.cli import main
from jointshield.cli.reach import parse_delays
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight.aim import max_range_m
from jointshield.flight.reach import InterceptorKinematics
from jointshield.scenario import load_scenario
from jointshield.theatre.compile import compile_missile, theatre_of
from jointshield.theatre.model import Theatre

SCENARIO = "icbm-reach"
# NRC 2012: an ICBM's boost lasts about 4 min for a liquid missile, about 1 min less for a
# solid one. The models burn exactly that long; "about" leaves the stage split free.
BOOST_S = {"liquid": 240.0, "solid": 180.0}
BOOST_TOL_S = 1.0
RANGE_REL_TOL = 0.02  # the models are tuned to the published range, as tests/test_missile_models
# A minimum-energy shot at the built-in aim points burns nearly to the end (the aim points lie
# at 70-90 % of the maximum range, where the last seconds of burn add the range).
FLOWN_BOOST_FRACTION = 0.95
SCAN_LOW_MPS, SCAN_HIGH_MPS, SCAN_STEP_MPS = 3000.0, 7000.0, 500.0  # the brute-force lattice


@pytest.fixture(scope="module")
def theatre() -> Theatre:
    return theatre_of(SCENARIO)


@pytest.fixture(scope="module")
def kozelsk_washington(theatre: Theatre) -> IcbmFlights:
    """The minimum-energy ICBM from Kozelsk to Washington."""
    threats = [t for t in theatre.raid().threats if t.id == "kozelsk-washington"]
    return fly_icbms(threats, ("min-energy",))


def _site(theatre: Theatre, name: str) -> Site:
    return sites_of(theatre, [name])[0]


def _memo(theatre: Theatre, kind_name: str) -> Callable[[float], InterceptorKinematics]:
    kind = theatre.interceptor(kind_name)

    def kinematics_at(speed_mps: float) -> InterceptorKinematics:
        return theatre.reach.get(template(kind, speed_mps), store=theatre.cache)

    return kinematics_at


# --------------------------------------------------------------------------- calibration


@pytest.mark.parametrize("name", [m.name for m in load_scenario(SCENARIO).missiles])
def test_icbm_models_match_their_calibration_targets(name: str) -> None:
    """Each ICBM model burns the NRC's boost duration and reaches its published range."""
    missile = load_scenario(SCENARIO).missile(name)
    model = compile_missile(missile)
    assert model.total_burn_s == pytest.approx(BOOST_S[missile.propellant], abs=BOOST_TOL_S)
    assert max_range_m(model) / 1e3 == pytest.approx(missile.published_range_km, rel=RANGE_REL_TOL)


def test_flown_icbms_burn_nearly_to_the_end_and_vary_in_apogee(theatre: Theatre) -> None:
    """The flown shots boost for at least 95 % of the burn; lofted flies higher, depressed lower."""
    threats = [t for t in theatre.raid().threats if t.target == "Washington"]
    fl = fly_icbms(threats)
    geo = fl.flyouts
    burn = np.array([t.missile.total_burn_s for t in threats] * 3)
    assert np.all(geo.t_burnout_s >= FLOWN_BOOST_FRACTION * burn)
    n = len(threats)
    me, lofted, depressed = (geo.apogee_alt_m[k * n : (k + 1) * n] for k in range(3))
    assert np.all(lofted > me) and np.all(depressed < me)
    assert fl.shape == ("min-energy",) * n + ("lofted",) * n + ("depressed",) * n


# --------------------------------------------------------------------------- known answers


def test_an_interceptor_too_slow_by_construction_cannot_reach(
    theatre: Theatre, kozelsk_washington: IcbmFlights
) -> None:
    """A 1.5 km/s interceptor at Deveselu, launched with the ICBM, meets it nowhere."""
    kinematics_at = _memo(theatre, "sm-3-iia")
    site = _site(theatre, "deveselu")
    assert not feasible_at_speed(kinematics_at, 1500.0, site, kozelsk_washington.flyouts, 0.0)


def test_an_interceptor_under_the_trajectory_with_a_short_delay_can(
    theatre: Theatre, kozelsk_washington: IcbmFlights
) -> None:
    """An SM-3 IIA placed under the ICBM's descending midcourse, launched after 60 s, meets it."""
    fl = kozelsk_washington
    alt = fl.alt_m[0]
    apogee = int(np.nanargmax(alt))
    k = apogee + int(np.flatnonzero(alt[apogee:] <= 700e3)[0])  # 700 km up, on the way down
    site = Site(
        "under", "NATO", math.radians(fl.lat_deg[0, k]), math.radians(fl.lon_deg[0, k]), 0.0, ()
    )
    iia = theatre.reach.get(theatre.interceptor("sm-3-iia"), store=theatre.cache)
    assert feasible_at_speed(lambda v: iia, 4500.0, site, fl.flyouts, 60.0)


def test_reach_reports_regions_margins_and_reasons(theatre: Theatre) -> None:
    """The IIA in the Norwegian Sea meets Teykovo's depressed ICBM; margins fall with the delay."""
    delays = [0.0, 60.0, 600.0]
    r = reach(
        theatre,
        sites=["norwegian-sea", "east-med"],
        interceptors=["sm-3-iia", "sm-3-ia"],
        bases=["teykovo"],
        aims=["Washington"],
        shapes=["depressed"],
        delays_s=delays,
        sensors=False,
    )
    assert r.latest_launch_s.shape == (2, 2, 1)
    latest = r.latest_launch_s[0, 0, 0]
    assert 60.0 < latest < 600.0
    assert list(r.feasible(60.0)[0, 0]) == [True] and list(r.feasible(600.0)[0, 0]) == [False]
    # The region at 60 s lies inside the type's altitude band and starts after burnout.
    lo, hi = r.first_alt_m[0, 0, 0, 1], r.last_alt_m[0, 0, 0, 1]
    assert min(lo, hi) >= 70e3 and max(lo, hi) <= 1000e3
    assert r.first_intercept_s[0, 0, 0, 1] > r.flights.flyouts.t_burnout_s[0]
    # The region shrinks (never grows) as the launch is delayed.
    assert r.region_samples[0, 0, 0, 0] >= r.region_samples[0, 0, 0, 1] > 0
    assert r.region_samples[0, 0, 0, 2] == 0
    # The SM-3 IA in the eastern Mediterranean is out of range of the whole path.
    assert np.isnan(r.latest_launch_s[1, 1, 0]) and r.reason[1, 1, 0] == "out of range"
    data = json.loads(json.dumps(r.to_json()))
    case = data["cases"][0]
    assert case["site"] == "norwegian-sea" and case["delays"]["feasible"] == [True, True, False]
    assert case["delays"]["margin_s"][1] == pytest.approx(latest - 60.0, abs=1e-3)


# --------------------------------------------------------------------------- the red line


def test_red_line_bisection_agrees_with_a_brute_force_scan(
    theatre: Theatre, kozelsk_washington: IcbmFlights
) -> None:
    """On one lattice of speeds the bisection finds the scan's lowest feasible speed, exactly."""
    kinematics_at = _memo(theatre, "sm-3-iia")
    site = _site(theatre, "redzikowo")
    fl = kozelsk_washington.flyouts
    delay = 120.0
    speeds = np.arange(SCAN_LOW_MPS, SCAN_HIGH_MPS + 1.0, SCAN_STEP_MPS)
    scan = [feasible_at_speed(kinematics_at, float(v), site, fl, delay) for v in speeds]
    assert any(scan) and not all(scan)
    first = scan.index(True)
    assert all(scan[first:]), "feasibility must be monotone in the burnout speed"
    ((speed, status, evaluations, row),) = red_line_bisection(
        kinematics_at,
        [(site, [0], delay)],
        fl,
        low_mps=SCAN_LOW_MPS,
        high_mps=SCAN_HIGH_MPS,
        step_mps=SCAN_STEP_MPS,
    )
    assert (speed, status, row) == (speeds[first], "found", 0)
    assert evaluations <= 2 + math.ceil(math.log2(len(speeds) - 1))
    assert evaluations <= red_line_rounds(SCAN_LOW_MPS, SCAN_HIGH_MPS, SCAN_STEP_MPS)


def test_the_red_line_is_built_like_the_template_asked_for(theatre: Theatre) -> None:
    """By default like the fastest type asked about; ``red_line_template`` another's burn."""
    study: dict[str, Any] = dict(
        sites=["redzikowo"],
        interceptors=["sm-3-iia"],
        bases=["kozelsk"],
        aims=["Washington"],
        shapes=["min-energy"],
        delays_s=[0.0],
        red_line_delays_s=[120.0],
        sensors=False,
    )
    (own,) = reach(theatre, **study).red_lines
    (gbi,) = reach(theatre, red_line_template="gbi-2", **study).red_lines
    assert (own.template, gbi.template) == ("sm-3-iia", "gbi-2")
    assert own.status == gbi.status == "found"
    # A 100 s burn loses more of its speed's head start than the IIA's 40 s: a higher red line.
    assert gbi.speed_mps > own.speed_mps


def test_a_study_reports_its_progress_step_by_step() -> None:
    """The callback counts up to its total: three steps and the bisection's rounds."""
    seen: list[tuple[int, int]] = []
    reach(
        "icbm-reach",
        sites=["redzikowo"],
        interceptors=["sm-3-iia"],
        bases=["kozelsk"],
        aims=["Washington"],
        shapes=["min-energy"],
        delays_s=[0.0],
        red_line_delays_s=[120.0],
        sensors=False,
        progress=lambda done, total: seen.append((done, total)),
    )
    done = [d for d, _ in seen]
    total = seen[0][1]
    assert total == 3 + red_line_rounds()
    assert done == sorted(done) and 3 < done[-1] <= total


def test_red_line_is_resolved_to_its_stated_step(
    theatre: Theatre, kozelsk_washington: IcbmFlights
) -> None:
    """The red line is feasible, and one step (25 m/s) below it is not."""
    kind = theatre.interceptor("sm-3-iia")
    site = _site(theatre, "redzikowo")
    (line,) = red_lines(theatre, [site], kozelsk_washington, [120.0], kind)
    assert line.status == "found" and line.step_mps == REDLINE_STEP_MPS
    kinematics_at = _memo(theatre, "sm-3-iia")
    fl = kozelsk_washington.flyouts
    assert feasible_at_speed(kinematics_at, line.speed_mps, site, fl, 120.0)
    assert not feasible_at_speed(kinematics_at, line.speed_mps - REDLINE_STEP_MPS, site, fl, 120.0)


# --------------------------------------------------------------------------- bad input


def test_an_aim_point_beyond_reach_states_the_maximum_range() -> None:
    """Sydney from Kozelsk is refused with the missile's maximum range on that bearing."""
    with pytest.raises(JointshieldError, match=r"maximum range on this bearing is [\d,]+ km"):
        reach(SCENARIO, bases=["kozelsk"], aims=["-33.87,151.21"], shapes=["min-energy"])


@pytest.mark.parametrize(
    ("option", "value", "suggestion"),
    [
        ("sites", "redzikovo", "redzikowo"),
        ("bases", "kozelks", "kozelsk"),
        ("interceptors", "sm-3-iib2", "sm-3-iib"),
        ("aims", "Washingon", "Washington"),
        ("shapes", "lofty", "lofted"),
    ],
)
def test_an_unknown_name_suggests_the_closest(option: str, value: str, suggestion: str) -> None:
    """A misspelt site, base, interceptor, aim point or shape names the closest known one."""
    with pytest.raises(UnknownNameError, match=f"did you mean '{suggestion}'"):
        reach(SCENARIO, **{option: [value]})  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["0:300", "a,b", "0:300:0", "-5", "10:0:x"])
def test_bad_launch_delays_are_refused(text: str) -> None:
    """Launch delays that are not START:STOP:COUNT or a list of times of at least 0 s fail."""
    with pytest.raises(JointshieldError, match="launch delays"):
        parse_delays(text)


def test_the_command_line_refuses_an_unknown_site(capsys: pytest.CaptureFixture[str]) -> None:
    """`jointshield reach --site redzikovo` exits 2 with the closest name."""
    assert main(["reach", "--site", "redzikovo"]) == 2
    assert "did you mean 'redzikowo'" in capsys.readouterr().err


# --------------------------------------------------------------------------- the command


def test_the_command_writes_its_table_json_csv_and_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jointshield reach` prints tables that fit 80 columns and writes JSON, CSV and PNG."""
    monkeypatch.setenv("COLUMNS", "80")
    args = [
        "reach",
        SCENARIO,
        "--site",
        "norwegian-sea",
        "--interceptor",
        "sm-3-iia",
        "--base",
        "teykovo",
        "--to",
        "Washington",
        "--trajectory",
        "depressed",
        "--launch-delay-s",
        "0:120:3",
        "--red-line-delay-s",
        "none",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "norwegian-sea" in out and "teykovo →" in out and "(depressed)" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"reach.json", "reach.csv", "reach.png"}
    data = json.loads((tmp_path / "out" / "reach.json").read_text(encoding="utf-8"))
    assert data["delays_s"] == [0.0, 60.0, 120.0]
    assert data["meta"]["scenario"] == SCENARIO
    csv_lines = (tmp_path / "out" / "reach.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 2 and csv_lines[0].startswith("site,interceptor,base,aim,shape")
    assert (tmp_path / "out" / "reach.png").read_bytes()[:4] == b"\x89PNG"
    assert main([*args, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cases"][0]["interceptor"] == "sm-3-iia" and "files" in printed
