"""What cooperation buys, and by which mechanism (capabilities, cues, fusion, layers, keys).

Each test isolates one mechanism on a cut-down built-in scenario and checks
it against an independent reference: the same seeds without the mechanism,
the search radar equation, an analytic probability, or the rules' own
definitions.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.theatres import theatre

from jointshield.architectures.presets import ARCHITECTURES, architecture
from jointshield.battle.context import Rules, cue_arrivals, deploy, prepare
from jointshield.battle.fight import fight
from jointshield.engagement.fire import Doctrine
from jointshield.engagement.reasons import REASONS
from jointshield.scenario import Scenario, load_scenario
from jointshield.sensing.picture import fused_fire_control_s
from jointshield.sensing.radar import radar_looks

N_SIGMA = 5.0


def _binomial_ok(successes: int, trials: int, p: float) -> bool:
    return abs(successes - trials * p) <= N_SIGMA * np.sqrt(trials * p * (1 - p)) + 1e-9


def _without(sc: Scenario, *names: str) -> Scenario:
    """The scenario without the named sensors and batteries."""
    return sc.model_copy(
        update={
            "sensors": tuple(s for s in sc.sensors if s.name not in names),
            "batteries": tuple(b for b in sc.batteries if b.name not in names),
        }
    )


def _nato_only(name: str = "europe-2018") -> Scenario:
    """A built-in with Russia's sensors and batteries deleted."""
    sc = load_scenario(name)
    russian = [s.name for s in sc.sensors if s.owner == "Russia"]
    russian += [b.name for b in sc.batteries if b.owner == "Russia"]
    return _without(sc, *russian)


def _one_on_one(sc: Scenario, threat: str = "sj-bucharest") -> Scenario:
    """One missile of one threat, launched at time 0."""
    raid = sc.raid()
    one = raid.threat(threat).model_copy(update={"count": 1, "launch_time_s": 0.0})
    return sc.model_copy(update={"raids": (raid.model_copy(update={"threats": (one,)}),)})


# --------------------------------------------------------------------------- the null rule


@pytest.fixture(scope="module")
def nato_only() -> dict[str, object]:
    """europe-2018 without Russia's sensors and batteries, fought under every architecture."""
    dep = deploy(theatre(_nato_only()))
    arches = {name: architecture(name) for name in ARCHITECTURES}
    arches["joint-free"] = architecture("joint", consent_delay_s=0.0, veto_probability=0.0)
    return {name: fight(dep, arch=a, trials=400, seed=11) for name, a in arches.items()}


def test_null_rule_without_the_other_party_cooperation_changes_nothing(nato_only: dict) -> None:
    """Where one party brings no sensor and no interceptor, every architecture is national.

    Sharing, the other party's tracks and the fused picture have nothing to
    carry; a dual key that costs nothing and vetoes nothing, and 'all'
    where every target is the remaining party's, change nothing either:
    the same trials, warhead by warhead.
    """
    base = nato_only["national"].trials
    for name in ("early-warning", "data-exchange", "sectoral", "joint-free"):
        got = nato_only[name].trials
        assert np.array_equal(got.killed, base.killed), name
        assert np.array_equal(got.shots, base.shots), name
        assert np.array_equal(got.reason, base.reason), name


def test_null_rule_the_dual_keys_cost_acts_only_through_its_mechanism(nato_only: dict) -> None:
    """With its default costs, the joint system loses only by veto, late consent, or fewer shots.

    (A consent that leaves no time for shoot-look-shoot turns it into a salvo,
    so the joint system may spend more interceptors for the same kills.)
    """
    base, joint = nato_only["national"].trials, nato_only["joint"].trials
    lost = base.killed & ~joint.killed
    assert lost.any()
    allowed = {REASONS.index(r) for r in ("vetoed", "not-authorised", "missed", "too-late")}
    assert set(np.unique(joint.reason[lost]).tolist()) <= allowed
    assert not (joint.killed & ~base.killed).any()


# --------------------------------------------------------------------------- cued acquisition


@pytest.fixture(scope="module")
def uncued_nato() -> Scenario:
    """europe-2018 without NATO's satellites and forward radar: its SPY-1s see alone."""
    return _without(load_scenario("europe-2018"), "sbirs", "tpy-2-kurecik")


def test_cued_range_is_the_search_radar_equations(uncued_nato: Scenario) -> None:
    """The cued radar's looks are those of a radar of range × (Ω/Ω_cue)^(1/4), from the cue on."""
    dep = deploy(theatre(uncued_nato))
    ctx = prepare(dep, arch="early-warning")
    v = next(i for i, view in enumerate(ctx.views) if view.radar.name == "spy-1-deveselu")
    assert ctx.cued[v]
    radar = ctx.uncued[v].radar
    sensor = uncued_nato.sensor("spy-1-deveselu")
    assert sensor.search_sr is not None and sensor.cued_search_sr is not None
    gain = (sensor.search_sr / sensor.cued_search_sr) ** 0.25
    assert ctx.views[v].radar.range_max_m == pytest.approx(radar.range_max_m * gain, rel=1e-12)
    # Independently: the looks of a radar built with that range, at or after the cue.
    geo = dep.geometry
    wide = radar_looks(ctx.views[v].radar, geo.flyouts, geo.rcs_m2, geo.launch_time_s)
    cue = np.full(len(geo), np.nan)
    for item in ctx.cue_inputs[v]:
        cue = np.fmin(cue, item.arrival_s)
    uncued_first = ctx.uncued[v].first_look_s
    for i in range(len(geo)):
        if np.isfinite(cue[i]) and not cue[i] >= uncued_first[i]:
            after = wide.t_s[i][wide.t_s[i] >= cue[i]]
            assert ctx.views[v].first_look_s[i] == after[0]
    earlier = ctx.views[v].first_look_s < uncued_first
    assert earlier.any()


def test_an_early_warning_cue_gives_battlespace(uncued_nato: Scenario) -> None:
    """Russia's cue lets NATO's radars acquire earlier: the first launch comes sooner.

    Without its satellites and forward radar, NATO's SPY-1 radars search
    uncued under ``national``; under ``early-warning`` Armavir's and
    Pionersky's tracks cue them over the link, so tracks form earlier, some
    threats are tracked at all, and interceptors launch earlier.
    """
    dep = deploy(theatre(uncued_nato))
    national = fight(dep, arch="national", trials=200, seed=4).trials
    cued = fight(dep, arch="early-warning", trials=200, seed=4).trials
    no_track = REASONS.index("no-track")
    assert (national.reason == no_track).sum() > (cued.reason == no_track).sum()
    gain = np.nanmedian(national.first_launch_s) - np.nanmedian(cued.first_launch_s)
    assert gain > 60.0
    # Without a link that carries cues, the gain is gone.
    silent = fight(dep, arch=architecture("early-warning", sharing="none"), trials=200, seed=4)
    assert np.array_equal(silent.trials.killed, national.killed)
    assert np.allclose(
        silent.trials.first_launch_s, national.first_launch_s, equal_nan=True, rtol=0, atol=0
    )


def test_authorising_from_the_cue_spends_the_delay_while_the_track_matures() -> None:
    """With a long consent, deciding from the cue launches earlier than from fire control."""
    dep = deploy(theatre(_one_on_one(_nato_only())))
    slow = dict(consent_delay_s=60.0, authorisation_sigma=0.0, veto_probability=0.0)
    late = fight(dep, arch=architecture("joint", **slow), trials=50, seed=2).trials
    early = fight(
        dep, arch=architecture("joint", authorise_from="cue", **slow), trials=50, seed=2
    ).trials
    assert np.nanmedian(early.first_launch_s) < np.nanmedian(late.first_launch_s)
    assert early.killed.mean() >= late.killed.mean()


# --------------------------------------------------------------------------- fusion


def test_a_fused_track_is_never_later_than_the_better_track_alone() -> None:
    """Covariance intersection of two radars' tracks reaches fire control no later than either."""
    dep = deploy(theatre("europe-2018"))
    views = {v.radar.name: v for v in dep.picture.views}
    a, b = views["tpy-2-kurecik"], views["spy-1-deveselu"]
    for sigma_m, sigma_mps in ((200.0, 20.0), (60.0, 5.0), (20.0, 2.0)):
        alone_a = a.fire_control_s(sigma_m, sigma_mps)
        alone_b = b.fire_control_s(sigma_m, sigma_mps)
        both = fused_fire_control_s(((a, 0.0), (b, 0.0)), sigma_m, sigma_mps)
        best = np.fmin(alone_a, alone_b)
        assert not (both > best).any()
        assert np.array_equal(np.isfinite(both) | np.isfinite(best), np.isfinite(both))
        # A single member is that member.
        same = fused_fire_control_s(((a, 0.0),), sigma_m, sigma_mps)
        assert np.array_equal(same, alone_a, equal_nan=True)
    # A delay only postpones: the fused track of late data is never earlier.
    delayed = fused_fire_control_s(((a, 5.0), (b, 5.0)), 60.0, 5.0)
    prompt = fused_fire_control_s(((a, 0.0), (b, 0.0)), 60.0, 5.0)
    assert not (delayed < prompt).any()


def test_the_battle_fires_on_fused_tracks_of_a_party() -> None:
    """A battery's sources include the fusion of its party's usable tracks, at its fused time."""
    ctx = prepare(deploy(theatre("europe-2018")), arch="national")
    fused = [src for src in ctx.sources if src.fused]
    assert fused
    for src in fused:
        singles = [
            s.fc_s
            for s in ctx.sources
            if not s.fused and s.battery == src.battery and s.members[0] in src.members
        ]
        assert not (src.fc_s > np.fmin.reduce(singles, axis=0)).any()


# --------------------------------------------------------------------------- layers


def test_two_layers_give_one_minus_the_product_of_their_misses() -> None:
    """A miss by one battery is re-engaged by another: P(kill) = 1 − (1 − p1)(1 − p2)."""
    sc = _one_on_one(load_scenario("europe-2018"))
    p1, p2 = 0.6, 0.3
    ib = sc.interceptor("sm-3-ib")
    second = ib.model_copy(update={"name": "sm-3-ib-b", "pk": p2})
    first = ib.model_copy(update={"pk": p1})
    deveselu = sc.battery("aegis-ashore-deveselu")
    other = deveselu.model_copy(update={"name": "deveselu-b", "interceptor": "sm-3-ib-b"})
    sc = sc.model_copy(
        update={
            "interceptors": (first, second),
            "batteries": (deveselu, other),
        }
    )
    one_shot = Rules(doctrine=Doctrine(mode="salvo", salvo_size=1, max_shots_per_threat=1))
    trials = 4000
    layered = fight(theatre(sc), arch="national", rules=one_shot, trials=trials, seed=9)
    killed = int(layered.trials.killed.sum())
    assert _binomial_ok(killed, trials, 1 - (1 - p1) * (1 - p2))
    spent = layered.trials.interceptors
    assert set(np.unique(spent).tolist()) == {1, 2}
    # The second layer's shot is recorded, after the first one's kill assessment.
    rec = layered.trials
    again = rec.reengage_battery[:, 0] >= 0
    assert np.array_equal(again, spent == 2)
    assert np.all(rec.reengage_battery[again, 0] != rec.battery[again, 0])
    ka = layered.context.rules.doctrine.kill_assessment_s
    assert np.all(rec.reengage_launch_s[again, 0] >= rec.first_intercept_s[again, 0] + ka)
    assert np.all(rec.reengage_intercept_s[again, 0] > rec.reengage_launch_s[again, 0])
    assert np.isnan(rec.reengage_launch_s[~again, 0]).all()
    single = fight(
        theatre(sc),
        arch="national",
        rules=Rules(doctrine=one_shot.doctrine, reengage=False),
        trials=trials,
        seed=9,
    )
    assert _binomial_ok(int(single.trials.killed.sum()), trials, p1)


# --------------------------------------------------------------------------- keys and sectors


def test_a_party_wide_veto_refuses_all_of_its_launches_together() -> None:
    """With veto_scope=party, a trial's NATO launches are all vetoed, with probability v."""
    v, trials = 0.3, 1000
    arch = architecture("joint", veto_probability=v, veto_scope="party", consent_delay_s=0.0)
    battle = fight(theatre(_nato_only()), arch=arch, trials=trials, seed=3)
    vetoed = battle.trials.reason == REASONS.index("vetoed")
    refused = vetoed.any(axis=1)
    assert _binomial_ok(int(refused.sum()), trials, v)
    assert np.all(battle.trials.interceptors[refused] == 0)
    assert np.all(battle.trials.interceptors[~refused] > 0)


def test_sectoral_is_worse_than_national_where_the_other_party_cannot_reach() -> None:
    """An intercept over the other party's sector is not the target's defender's business.

    With Russia's sector drawn over Romania and the Black Sea, a Sejjil on
    Bucharest is intercepted there by Deveselu under ``national``; under
    ``sectoral`` it is Russia's to engage, and no Russian interceptor
    reaches it, so it leaks as not-responsible.
    """
    sc = _one_on_one(load_scenario("europe-2018"))
    sector = sc.sectors[0].model_copy(
        update={
            "name": "russia-over-romania",
            "party": "Russia",
            "polygon_deg": ((40.0, 20.0), (40.0, 45.0), (50.0, 45.0), (50.0, 20.0)),
        }
    )
    sc = sc.model_copy(update={"sectors": (sector,)})
    dep = deploy(theatre(sc))
    national = fight(dep, arch="national", trials=300, seed=1).trials
    sectoral = fight(dep, arch="sectoral", trials=300, seed=1).trials
    assert national.killed.mean() > 0.5
    assert sectoral.killed.mean() < national.killed.mean()
    leaked = ~sectoral.killed
    assert np.all(sectoral.reason[leaked] == REASONS.index("not-responsible"))


def test_a_missed_satellite_report_leaves_the_radars_uncued() -> None:
    """A space-based sensor's p_detect acts: with 0 its cue never comes, and launches are later."""
    sc = load_scenario("europe-2018")
    first = {}
    for p in (1.0, 0.0):
        sensors = tuple(
            s.model_copy(update={"p_detect": p}) if s.name == "sbirs" else s
            for s in sc.sensors
            if s.name != "tpy-2-kurecik"
        )
        trials = fight(
            theatre(sc.model_copy(update={"sensors": sensors})), arch="national", trials=100, seed=1
        ).trials
        first[p] = np.nanmedian(trials.first_launch_s)
    assert first[0.0] > first[1.0] + 60.0


def test_a_cue_is_one_message_to_each_party() -> None:
    """Every radar of a party, and its launch decisions, receive the other party's cue at the
    same time in a trial, or lose it together: it is one message, drawn once."""
    dep = deploy(theatre("europe-2011"))
    ctx = prepare(dep, arch=architecture("data-exchange", availability=0.5))
    remote = [
        (v, item)
        for v, inputs in enumerate(ctx.cue_inputs)
        for item in inputs
        if item.remote and ctx.cued[v]
    ]
    assert remote, "europe-2011 should cue a radar with the other party's report"
    _, item = remote[0]
    rng = np.random.default_rng(5)
    delivered: dict = {}
    first = cue_arrivals(ctx, (item,), {}, rng, 400, delivered)
    again = cue_arrivals(ctx, (item,), {}, rng, 400, delivered)
    np.testing.assert_array_equal(first, again)
    # Drawn afresh, the same cue's fate differs between trials and draws (availability 0.5).
    fresh = cue_arrivals(ctx, (item,), {}, rng, 400)
    lost = ~np.isfinite(first)
    assert 0.2 < lost.mean() < 0.8
    assert not np.array_equal(lost, ~np.isfinite(fresh))
