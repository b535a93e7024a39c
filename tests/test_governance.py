"""Tests of the architectures: presets, engagement rules, authorisation, vetoes and sectors."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import lognorm

from jointshield.architectures.presets import (
    ARCHITECTURES,
    JOINT_CONSENT_DELAY_S,
    JOINT_VETO_PROBABILITY,
    PARAMETERS,
    TRACK_USES,
    Architecture,
    architecture,
    parse_set,
)
from jointshield.architectures.rules import (
    consent_needed,
    deciders,
    draw_authorisation,
    draw_veto,
    may_use_track,
    network_for,
    refusal,
    responsible,
)
from jointshield.architectures.sectors import DEFAULT_SECTORS, Sector, sector_owner
from jointshield.engagement.reasons import NOT_AUTHORISED, NOT_RESPONSIBLE, VETOED
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.sensing.network import LinkModel, Network

PARTIES = ("NATO", "Russia")

# Statistical checks use fixed seeds, so they are deterministic; the bounds are
# wide enough (5 standard deviations, or a DKW band at 1e-6) that a correct
# implementation passes for essentially any seed.
N_SIGMA = 5.0
DKW_ALPHA = 1e-6


def _binomial_ok(k: int, n: int, p: float) -> bool:
    """Whether k successes in n trials are within N_SIGMA of the binomial mean np."""
    return abs(k - n * p) <= N_SIGMA * math.sqrt(n * p * (1.0 - p)) + 1e-9


# --------------------------------------------------------------------------- presets

# name: (sharing, other_party_tracks, fused_picture, defend, dual_key)
BRIEF = {
    "national": ("none", False, False, "own", False),
    "early-warning": ("early-warning", False, False, "own", False),
    "data-exchange": ("tracks", True, False, "own", False),
    "sectoral": ("tracks", True, False, "sector", False),
    "joint": ("tracks", True, True, "all", True),
}
BRIEF_FIELDS = ("sharing", "other_party_tracks", "fused_picture", "defend", "dual_key")


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_presets_have_the_properties_of_the_brief(name: str) -> None:
    """Each preset shares, launches, defends and decides as the brief describes it."""
    arch = architecture(name)
    assert arch.name == name
    assert tuple(getattr(arch, f) for f in BRIEF_FIELDS) == BRIEF[name]
    # The distrust parameters default to the scenario's links and instant authorisation;
    # only the dual key costs consent time and vetoes, by default.
    assert arch.latency_s is None and arch.availability is None
    assert arch.authorisation_delay_s == 0.0
    costs = (arch.consent_delay_s, arch.veto_probability)
    assert costs == ((JOINT_CONSENT_DELAY_S, JOINT_VETO_PROBABILITY) if arch.dual_key else (0, 0))
    assert arch.overrides() == {}


def test_the_five_architectures_are_the_presets() -> None:
    """ARCHITECTURES lists the five presets, from no cooperation to a single system."""
    assert ARCHITECTURES == ("national", "early-warning", "data-exchange", "sectoral", "joint")
    assert set(BRIEF) == set(ARCHITECTURES)


def test_every_field_but_the_name_is_a_parameter() -> None:
    """PARAMETERS describes every field of Architecture except its name, with a unit or range."""
    names = [f.name for f in dataclasses.fields(Architecture)]
    assert list(PARAMETERS) == [n for n in names if n != "name"]
    assert all(len(text) > 10 for text in PARAMETERS.values())


def test_data_exchange_use_of_the_other_partys_tracks_is_a_parameter() -> None:
    """Data exchange fires on the other party's tracks by default, and a user may forbid it."""
    arch = architecture("data-exchange", other_party_tracks="false")
    assert not arch.other_party_tracks
    assert may_use_track(arch, "NATO", "Russia", False, launch_on_remote=True) == (
        False,
        "barred",
    )
    assert arch.overrides() == {"other_party_tracks": False}


@pytest.mark.parametrize("moved", ["launch_on_remote", "engage_on_remote", "cue_confirms"])
def test_capabilities_are_not_architecture_parameters(moved: str) -> None:
    """Setting a battery's capability on an architecture says where it lives now."""
    with pytest.raises(JointshieldError, match="no longer an architecture's parameter"):
        architecture("national", **{moved: True})
    with pytest.raises(JointshieldError, match="no longer"):
        parse_set([f"{moved}=true"])


def test_a_preset_is_immutable_and_with_params_returns_a_new_one() -> None:
    """An architecture is frozen; with_params leaves the preset as it was."""
    arch = architecture("joint")
    with pytest.raises(dataclasses.FrozenInstanceError):
        arch.dual_key = False  # type: ignore[misc]
    changed = arch.with_params(veto_probability=0.2)
    assert changed.veto_probability == 0.2
    assert architecture("joint").veto_probability == JOINT_VETO_PROBABILITY


def test_unknown_architecture_suggests_the_closest() -> None:
    """An unknown architecture name lists the five and suggests the closest."""
    with pytest.raises(UnknownNameError) as err:
        architecture("sectorial")
    message = str(err.value)
    assert "'sectoral'" in message and all(name in message for name in ARCHITECTURES)


# --------------------------------------------------------------------------- tracks

# (architecture, same party, organic, launch on remote, engage on remote) -> (allowed, use)
TRACK_CASES: list[tuple[str, bool, bool, bool, bool, tuple[bool, str]]] = [
    (name, True, True, False, False, (True, "organic")) for name in ARCHITECTURES
] + [
    # Its own party's tracks: in the modes the battery's weapon system has, in every architecture.
    *[(name, True, False, True, False, (True, "launch-on-remote")) for name in ARCHITECTURES],
    *[(name, True, False, True, True, (True, "engage-on-remote")) for name in ARCHITECTURES],
    *[(name, True, False, False, False, (False, "cue-only")) for name in ARCHITECTURES],
    # The other party's tracks: only where the architecture lets a battery use them.
    ("national", False, False, True, True, (False, "barred")),
    ("early-warning", False, False, True, True, (False, "barred")),
    ("data-exchange", False, False, True, False, (True, "launch-on-remote")),
    ("sectoral", False, False, True, False, (True, "launch-on-remote")),
    ("joint", False, False, True, False, (True, "launch-on-remote")),
    ("joint", False, False, True, True, (True, "engage-on-remote")),
    ("joint", False, False, False, False, (False, "cue-only")),
]


@pytest.mark.parametrize(("name", "same_party", "organic", "lor", "eor", "expected"), TRACK_CASES)
def test_may_use_track(
    name: str, same_party: bool, organic: bool, lor: bool, eor: bool, expected: tuple[bool, str]
) -> None:
    """Organic tracks always; others in the battery's modes; the other party's under cooperation."""
    sensor_party = "NATO" if same_party else "Russia"
    got = may_use_track(
        architecture(name),
        "NATO",
        sensor_party,
        organic,
        launch_on_remote=lor,
        engage_on_remote=eor,
    )
    assert got == expected
    assert got[1] in TRACK_USES


def test_an_organic_radar_of_another_party_is_an_error() -> None:
    """An organic radar belongs to the battery's party."""
    with pytest.raises(JointshieldError, match="organic"):
        may_use_track(architecture("joint"), "NATO", "Russia", organic=True)


# --------------------------------------------------------------------------- responsibility


def test_responsible_own_defends_the_battery_partys_assets() -> None:
    """Under 'own' a battery is responsible for threats to its party's assets only."""
    for name in ("national", "early-warning", "data-exchange"):
        got = responsible(architecture(name), "NATO", ["NATO", "Russia", "NATO"], "Russia")
        assert got.tolist() == [True, False, True]


def test_responsible_all_defends_every_asset() -> None:
    """Under 'all' a battery is responsible for every threat."""
    got = responsible(architecture("joint"), "Russia", ["NATO", "Russia"], ["NATO", ""])
    assert got.dtype == bool and got.tolist() == [True, True]


def test_responsible_sector_follows_the_intercept_point_whatever_the_target() -> None:
    """Under 'sector' the intercept point's sector owner is responsible, else the target's."""
    arch = architecture("sectoral")
    target = ["NATO", "NATO", "Russia", "Russia", "NATO"]
    point = ["Russia", "NATO", "NATO", "", "nobody"]
    assert responsible(arch, "Russia", target, point).tolist() == [True, False, False, True, False]
    assert responsible(arch, "NATO", target, point).tolist() == [False, True, True, False, False]


def test_responsible_broadcasts_batteries_threats_and_points() -> None:
    """Battery parties, target owners and intercept sectors broadcast to (T, n, b)."""
    parties = np.array(["NATO", "Russia"], dtype=object)[None, None, :]
    target = np.array(["NATO", "Russia", "NATO"], dtype=object)[None, :, None]
    point = np.full((4, 3, 2), "Russia", dtype=object)
    got = responsible(architecture("sectoral"), parties, target, point)
    assert got.shape == (4, 3, 2)
    assert got[..., 1].all() and not got[..., 0].any()
    own = responsible(architecture("national"), parties, target, point)
    assert own[0].tolist() == [[True, False], [False, True], [True, False]]


# --------------------------------------------------------------------------- consent


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_consent_needed_is_everyone_under_a_dual_key_else_nobody(name: str) -> None:
    """Joint needs every party's consent; elsewhere the battery's party decides alone."""
    arch = architecture(name)
    got = consent_needed(arch, "NATO", PARTIES)
    assert got == (PARTIES if name == "joint" else ())
    assert deciders(arch, "Russia", PARTIES) == (PARTIES if name == "joint" else ("Russia",))


def test_consent_for_a_party_that_is_not_one_is_an_error() -> None:
    """A battery party that is not among the parties is an error that names them."""
    with pytest.raises(UnknownNameError, match="NATO"):
        consent_needed(architecture("joint"), "Nato", PARTIES)


# --------------------------------------------------------------------------- vetoes


def test_draw_veto_frequency_matches_each_probability() -> None:
    """Vetoes occur at the base, own-territory and other-battery probabilities, each in its case."""
    arch = architecture(
        "joint", veto_probability=0.1, veto_own_territory=0.4, veto_other_battery=0.25
    )
    rng = np.random.default_rng(20110607)
    shape = (20000, 2, 2)
    territory = np.array([False, True])[None, :, None]  # threat 1 intercepted over the vetoer
    other = np.array([False, True])[None, None, :]  # battery 1 the other party's
    vetoed = draw_veto(arch, rng, shape, territory, other)
    n = shape[0]
    expected = {(0, 0): 0.1, (0, 1): 0.25, (1, 0): 0.4, (1, 1): 0.4}  # territory first
    for (i, j), p in expected.items():
        assert _binomial_ok(int(vetoed[:, i, j].sum()), n, p), (i, j, p)


def test_draw_veto_refinements_default_to_the_veto_probability() -> None:
    """Unset refinements take veto_probability: every case is vetoed at that rate."""
    arch = architecture("joint", veto_probability=0.3)
    territory = np.array([True, False] * 25000).reshape(50000, 1, 1)
    vetoed = draw_veto(arch, np.random.default_rng(1), (50000, 1, 1), territory, True)
    assert _binomial_ok(int(vetoed.sum()), 50000, 0.3)


@pytest.mark.parametrize("scope", ["engagement", "battery", "party"])
def test_veto_scope_correlates_the_vetoes_as_it_says(scope: str) -> None:
    """Each launch alone, one decision per battery, or one per vetoing party for the raid.

    With probability v: per engagement, the launches of a trial are vetoed
    independently; per battery, all of a battery's launches together; per
    party, all launches the party may veto together (all-or-nothing with
    probability v).
    """
    v, trials = 0.3, 20000
    arch = architecture("joint", veto_probability=v, veto_scope=scope)
    shape = (trials, 4, 3)
    vetoed = draw_veto(arch, np.random.default_rng(8), shape, False, True, [0, 0, 0])
    assert _binomial_ok(int(vetoed[:, 0, 0].sum()), trials, v)
    all_of_trial = vetoed.reshape(trials, -1).all(axis=1)
    all_of_battery = vetoed[..., 0].all(axis=1)
    if scope == "party":
        assert _binomial_ok(int(all_of_trial.sum()), trials, v)
        assert np.array_equal(all_of_trial, vetoed.reshape(trials, -1).any(axis=1))
    elif scope == "battery":
        assert _binomial_ok(int(all_of_battery.sum()), trials, v)
        assert _binomial_ok(int(all_of_trial.sum()), trials, v**3)
    else:
        assert _binomial_ok(int(all_of_battery.sum()), trials, v**4)


@pytest.mark.parametrize("name", [a for a in ARCHITECTURES if a != "joint"])
def test_no_veto_without_a_dual_key(name: str) -> None:
    """Without a dual key nothing is vetoed, whatever the veto probability."""
    arch = architecture(name, veto_probability=1.0, veto_own_territory=1.0)
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert not draw_veto(arch, rng, (10, 3, 2), True, True).any()
    assert rng.bit_generator.state == state  # and nothing is drawn


def test_draw_veto_is_reproducible_and_coupled_across_probabilities() -> None:
    """The same seed gives the same vetoes, and a launch vetoed at p is vetoed at any larger p."""
    low = architecture("joint", veto_probability=0.1)
    high = architecture("joint", veto_probability=0.3)
    shape = (200, 4, 3)
    a = draw_veto(low, np.random.default_rng(42), shape, False, True)
    b = draw_veto(low, np.random.default_rng(42), shape, False, True)
    c = draw_veto(high, np.random.default_rng(42), shape, False, True)
    assert np.array_equal(a, b)
    assert a.any() and not (a & ~c).any() and (c & ~a).any()


def test_per_trial_seeds_give_the_same_draws_however_trials_are_split() -> None:
    """With one SeedSequence per trial, draws do not depend on how trials are grouped."""
    arch = architecture("joint", veto_probability=0.5, authorisation_delay_s=20.0)
    seeds = np.random.SeedSequence(7).spawn(10)
    whole = draw_veto(arch, seeds, (10, 3, 2), False, True)
    parts = np.concatenate(
        [
            draw_veto(arch, seeds[:4], (4, 3, 2), False, True),
            draw_veto(arch, seeds[4:], (6, 3, 2), False, True),
        ]
    )
    assert np.array_equal(whole, parts)
    delays = draw_authorisation(arch, seeds, (10, 3), 2)
    assert np.array_equal(delays[4:], draw_authorisation(arch, seeds[4:], (6, 3), 2))
    with pytest.raises(JointshieldError, match="one SeedSequence per trial"):
        draw_veto(arch, seeds, (9, 3, 2), False, True)


# --------------------------------------------------------------------------- authorisation


def test_draw_authorisation_median_is_the_parameter() -> None:
    """For one deciding party, half the delays lie below authorisation_delay_s."""
    arch = architecture("data-exchange", authorisation_delay_s=30.0, authorisation_sigma=0.7)
    delay_s = draw_authorisation(arch, np.random.default_rng(3), (100000,), 1)
    assert delay_s.shape == (100000,) and (delay_s > 0).all()
    assert _binomial_ok(int((delay_s < 30.0).sum()), 100000, 0.5)


def test_draw_authorisation_under_a_dual_key_waits_for_the_slower_party() -> None:
    """The delay of two parties has the CDF F(t)² of the larger of two i.i.d. lognormals."""
    arch = architecture(
        "joint", authorisation_delay_s=20.0, consent_delay_s=20.0, authorisation_sigma=0.5
    )
    n = 20000
    delay_s = np.sort(draw_authorisation(arch, np.random.default_rng(11), (n,), 2))
    one = lognorm(s=0.5, scale=20.0)
    empirical_hi = np.arange(1, n + 1) / n
    empirical_lo = np.arange(0, n) / n
    expected = one.cdf(delay_s) ** 2
    distance = max(np.max(np.abs(empirical_hi - expected)), np.max(np.abs(empirical_lo - expected)))
    # Dvoretzky–Kiefer–Wolfowitz: sup |F_n − F| exceeds this with probability DKW_ALPHA.
    band = math.sqrt(math.log(2.0 / DKW_ALPHA) / (2.0 * n))
    assert distance < band
    # and it is told apart from a single party's delay
    single = np.max(np.abs(empirical_hi - one.cdf(delay_s)))
    assert single > 5 * band


def test_draw_authorisation_is_zero_when_instant_or_nobody_decides() -> None:
    """A zero median, or no deciding party, gives no delay at all."""
    rng = np.random.default_rng(0)
    assert not draw_authorisation(architecture("joint", consent_delay_s=0), rng, (5, 2), 2).any()
    arch = architecture("joint", authorisation_delay_s=10.0)
    assert not draw_authorisation(arch, rng, (5, 2), 0).any()
    exact = architecture(
        "joint", authorisation_delay_s=10.0, consent_delay_s=4.0, authorisation_sigma=0.0
    )
    assert np.all(draw_authorisation(exact, rng, 7, 2) == 10.0)
    assert np.all(draw_authorisation(exact, rng, 7, 1) == 10.0)


def test_the_dual_keys_consent_delay_is_the_other_partys() -> None:
    """With a dual key the launch waits for the slower of its own decision and the consent."""
    arch = architecture(
        "joint", authorisation_delay_s=0.0, consent_delay_s=30.0, authorisation_sigma=0.5
    )
    n = 20000
    delay_s = draw_authorisation(arch, np.random.default_rng(4), (n,), 2)
    # its own decision is instant, so the delay is the other party's consent alone
    assert _binomial_ok(int((delay_s < 30.0).sum()), n, 0.5)
    assert not draw_authorisation(arch, np.random.default_rng(4), (n,), 1).any()


def test_draw_authorisation_is_coupled_across_medians() -> None:
    """With the same seed, a longer median lengthens every delay in proportion."""
    short = architecture("national", authorisation_delay_s=5.0)
    long = architecture("national", authorisation_delay_s=15.0)
    a = draw_authorisation(short, np.random.default_rng(9), (50,), 1)
    b = draw_authorisation(long, np.random.default_rng(9), (50,), 1)
    assert np.allclose(b, 3.0 * a, rtol=1e-12)


def test_draw_authorisation_rejects_a_negative_number_of_parties() -> None:
    """The number of deciding parties is a non-negative integer."""
    with pytest.raises(JointshieldError, match="n_consenting"):
        draw_authorisation(architecture("joint"), np.random.default_rng(0), 3, -1)


def test_refusal_reports_responsibility_then_veto_then_authorisation() -> None:
    """The architecture's reason: not responsible before vetoed before not authorised in time."""
    resp = np.array([True, False, True, True, False])
    vetoed = np.array([False, True, True, False, False])
    in_time = np.array([True, False, False, False, True])
    got = refusal(resp, vetoed, in_time)
    assert got.dtype == np.int8
    assert got.tolist() == [0, NOT_RESPONSIBLE, VETOED, NOT_AUTHORISED, NOT_RESPONSIBLE]


# --------------------------------------------------------------------------- sectors

CITIES = {
    "Warsaw": (52.22977, 21.01178, "NATO"),
    "Bucharest": (44.43225, 26.10626, "NATO"),
    "Ankara": (39.91987, 32.85427, "NATO"),
    "Vilnius": (54.68916, 25.27980, "NATO"),
    "Narva": (59.3772, 28.1903, "NATO"),
    "Moscow": (55.75204, 37.61781, "Russia"),
    "Minsk": (53.9, 27.56667, "Russia"),
    "Kaliningrad": (54.71, 20.51, "Russia"),
    "Baku": (40.41, 49.87, "Russia"),
    "Atlantic": (45.0, -30.0, ""),
    "Kyiv": (50.45, 30.52, ""),
    "Tbilisi": (41.72, 44.79, ""),
    "Tabriz": (38.08, 46.29, ""),
}


def test_sector_owner_of_known_cities() -> None:
    """NATO and Russian cities lie in their party's sector; the Atlantic and third states not."""
    lat = np.radians([c[0] for c in CITIES.values()])
    lon = np.radians([c[1] for c in CITIES.values()])
    got = sector_owner(DEFAULT_SECTORS, lat, lon)
    assert got.dtype == object
    assert dict(zip(CITIES, got.tolist(), strict=True)) == {k: c[2] for k, c in CITIES.items()}


def test_sector_owner_is_vectorised_and_wraps_longitude() -> None:
    """Any shape of points broadcasts; NaN lies in no sector; longitude is taken modulo 360°."""
    lat = np.radians([[52.23, 55.75], [np.nan, 45.0]])
    lon = np.radians([[21.01, 37.62], [10.0, -30.0]])
    got = sector_owner(DEFAULT_SECTORS, lat, lon)
    assert got.shape == (2, 2)
    assert got.tolist() == [["NATO", "Russia"], ["", ""]]
    assert np.array_equal(sector_owner(DEFAULT_SECTORS, lat, lon + 2.0 * np.pi), got)
    scalar = sector_owner(DEFAULT_SECTORS, math.radians(55.75), math.radians(37.62))
    assert scalar.shape == () and scalar.item() == "Russia"


def test_the_first_sector_that_contains_a_point_owns_it() -> None:
    """Kaliningrad, listed first, cuts a Russian hole in NATO's sector."""
    later_first = tuple(s for s in DEFAULT_SECTORS if s.name != "Kaliningrad")
    kaliningrad = np.radians(54.71), np.radians(20.51)
    assert sector_owner(later_first, *kaliningrad).item() == "NATO"
    assert sector_owner(DEFAULT_SECTORS, *kaliningrad).item() == "Russia"


def test_default_sectors_are_coarse() -> None:
    """Every default sector is a NATO or Russian polygon of at most 20 vertices."""
    assert {s.party for s in DEFAULT_SECTORS} == {"NATO", "Russia"}
    assert all(3 <= len(s.polygon_deg) <= 20 and s.name for s in DEFAULT_SECTORS)


def test_default_sectors_of_the_two_parties_do_not_overlap() -> None:
    """On a 0.1° grid over Europe no point is in both parties' polygons, but for Kaliningrad."""
    lat, lon = np.meshgrid(np.arange(30.0, 80.0, 0.1), np.arange(-30.0, 70.0, 0.1))
    inside = {
        party: np.any([s.contains(lat, lon) for s in DEFAULT_SECTORS if s.party == party], axis=0)
        for party in ("NATO", "Russia")
    }
    kaliningrad = next(s for s in DEFAULT_SECTORS if s.name == "Kaliningrad")
    both = inside["NATO"] & inside["Russia"]
    assert both.any() and not (both & ~kaliningrad.contains(lat, lon)).any()


def test_the_module_examples_run() -> None:
    """The examples in the module's docstrings run and print what they say."""
    import doctest

    import jointshield.architectures.presets
    import jointshield.architectures.rules
    import jointshield.architectures.sectors

    attempted = 0
    for module in (
        jointshield.architectures.presets,
        jointshield.architectures.rules,
        jointshield.architectures.sectors,
    ):
        result = doctest.testmod(module)
        attempted += result.attempted
        assert result.failed == 0
    assert attempted > 0


def _convex_polygon(
    lat0: float, lon0: float, radius: float, angles: list[float]
) -> tuple[tuple[float, float], ...]:
    """Vertices on an ellipse around (lat0, lon0), in angular order: a convex polygon."""
    return tuple(
        (lat0 + radius * math.sin(a), lon0 + 1.5 * radius * math.cos(a)) for a in sorted(angles)
    )


@settings(max_examples=60, deadline=None)
@given(
    lat0=st.floats(-60.0, 60.0),
    lon0=st.floats(-150.0, 150.0),
    radius=st.floats(0.5, 15.0),
    angles=st.builds(
        # Gaps between successive vertices in proportions of 1 to 1.8: every gap lies between
        # 0.3 rad and π - 0.16 rad for 3 to 12 vertices, so the polygon is convex with an
        # interior, built rather than filtered.
        lambda gaps, turn: [
            (turn + 2 * math.pi * c / sum(gaps)) % (2 * math.pi)
            for c in np.cumsum([0.0, *gaps[:-1]])
        ],
        st.lists(st.floats(1.0, 1.8), min_size=3, max_size=12),
        st.floats(0.0, 2 * math.pi, exclude_max=True),
    ),
    weights=st.lists(st.floats(0.05, 1.0), min_size=12, max_size=12),
    away=st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(0.1, 20.0), st.booleans()),
)
def test_sector_contains_points_inside_a_convex_polygon_and_not_outside_its_box(
    lat0: float,
    lon0: float,
    radius: float,
    angles: list[float],
    weights: list[float],
    away: tuple[float, float, bool],
) -> None:
    """A convex combination of the vertices is inside; a point beyond the bounding box is not."""
    vertices = _convex_polygon(lat0, lon0, radius, angles)
    sector = Sector("P", vertices)
    w = np.array(weights[: len(vertices)])
    w /= w.sum()
    lat_in = float(w @ np.array([v[0] for v in vertices]))
    lon_in = float(w @ np.array([v[1] for v in vertices]))
    # Halfway to the centroid: strictly inside, clear of the edges.
    lat_c = float(np.mean([v[0] for v in vertices]))
    lon_c = float(np.mean([v[1] for v in vertices]))
    lat_in, lon_in = 0.5 * (lat_in + lat_c), 0.5 * (lon_in + lon_c)
    assert sector_owner([sector], math.radians(lat_in), math.radians(lon_in)).item() == "P"
    side, margin, along_lat = away
    lats = [v[0] for v in vertices]
    lons = [v[1] for v in vertices]
    if along_lat:
        lat_out = (max(lats) if side > 0 else min(lats)) + side * margin
        lat_out = max(-89.0, min(89.0, lat_out))
        lon_out = lon_in
    else:
        lat_out = lat_in
        lon_out = (max(lons) if side > 0 else min(lons)) + side * margin
    # (the clamp short of the pole may bring it back into the box)
    assume(not (min(lats) <= lat_out <= max(lats) and min(lons) <= lon_out <= max(lons)))
    assert sector_owner([sector], math.radians(lat_out), math.radians(lon_out)).item() == ""


@pytest.mark.parametrize(
    ("polygon", "match"),
    [
        (((0.0, 0.0), (1.0, 1.0)), "at least 3"),
        (((0.0, 170.0), (10.0, -170.0), (5.0, 175.0)), "date line"),
        (((90.0, 0.0), (80.0, 10.0), (80.0, -10.0)), "pole"),
        (((0.0, 0.0), (10.0, 10.0), (0.0, 10.0), (10.0, 0.0)), "cross"),
        (((0.0, 0.0), (1.0, 1.0), (2.0, 2.0)), "with an area, got vertices on one line"),
        (((0.0, 0.0), (1.0, 200.0), (2.0, 0.0)), "longitude"),
    ],
)
def test_a_sector_must_be_a_simple_polygon_off_the_date_line_and_poles(
    polygon: tuple[tuple[float, float], ...], match: str
) -> None:
    """A sector of too few vertices, across the date line or a pole, or self-crossing is refused."""
    with pytest.raises(JointshieldError, match=match):
        Sector("NATO", polygon, name="bad")


# --------------------------------------------------------------------------- parameters


def test_with_params_reads_command_line_strings() -> None:
    """Numbers, booleans (true/false/yes/no/1/0) and 'none' are read from strings."""
    arch = architecture("joint").with_params(
        latency_s="5",
        availability="0.9",
        dual_key="no",
        other_party_tracks="0",
        fused_picture="Yes",
        veto_own_territory="none",
        sharing="tracks-own-territory",
    )
    assert arch.latency_s == 5.0 and arch.availability == 0.9
    assert (arch.dual_key, arch.other_party_tracks, arch.fused_picture) == (False, False, True)
    assert arch.veto_own_territory is None and arch.sharing == "tracks-own-territory"


def test_unknown_parameter_lists_the_valid_ones_and_suggests_the_closest() -> None:
    """An unknown parameter's error lists every valid one and suggests the closest."""
    with pytest.raises(JointshieldError) as err:
        architecture("joint").with_params(veto_probabilty=0.1)
    message = str(err.value)
    assert "'veto_probabilty'" in message and "did you mean 'veto_probability'" in message
    assert all(name in message for name in PARAMETERS)


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("veto_probability", 1.5, "probability in [0, 1]"),
        ("veto_probability", "often", "probability in [0, 1]"),
        ("veto_probability", None, "probability in [0, 1]"),
        ("latency_s", -1, "in [0, 86400]"),
        ("latency_s", math.inf, "in [0, 86400]"),
        ("authorisation_delay_s", True, "in [0, 86400]"),
        ("availability", "1.2", "[0, 1]"),
        ("other_party_tracks", "maybe", "true or false"),
        ("other_party_tracks", 2, "true or false"),
        ("veto_scope", "raid", "veto scope"),
        ("authorise_from", "launch", "start of authorisation"),
        ("sharing", "everything", "sharing policy"),
        ("defend", "sectors", "did you mean 'sector'"),
    ],
)
def test_a_bad_value_names_the_parameter_and_what_was_expected(
    param: str, value: Any, expected: str
) -> None:
    """A value of the wrong type or range is an error naming the parameter and the expectation."""
    with pytest.raises(JointshieldError) as err:
        architecture("data-exchange", **{param: value})
    message = str(err.value)
    assert param in message and expected in message and repr(value) in message


def test_a_value_set_in_code_must_have_its_type() -> None:
    """Constructed in code, a boolean given as a string is refused (strings are for the CLI)."""
    base = dataclasses.asdict(architecture("national"))
    with pytest.raises(JointshieldError, match="other_party_tracks"):
        Architecture(**{**base, "other_party_tracks": "false"})


def test_parse_set_types_the_values() -> None:
    """NAME=VALUE items become typed parameter values for architecture()."""
    got = parse_set(["latency_s=5", " veto_probability = 0.1 ", "other_party_tracks=false"])
    assert got == {"latency_s": 5.0, "veto_probability": 0.1, "other_party_tracks": False}
    assert architecture("joint", **got).latency_s == 5.0
    assert parse_set([]) == {}


@pytest.mark.parametrize("item", ["latency_s5", "=5", "latency_s=", "latency_s"])
def test_parse_set_bad_syntax_quotes_the_item(item: str) -> None:
    """An item that is not NAME=VALUE is an error that quotes it."""
    with pytest.raises(JointshieldError) as err:
        parse_set([item])
    assert repr(item) in str(err.value) and "NAME=VALUE" in str(err.value)


def test_parse_set_unknown_or_repeated_names_are_errors() -> None:
    """An unknown name is suggested a valid one; a name set twice is refused."""
    with pytest.raises(JointshieldError, match="did you mean 'latency_s'"):
        parse_set(["latency=5"])
    with pytest.raises(JointshieldError, match="twice"):
        parse_set(["latency_s=5", "latency_s=6"])
    with pytest.raises(JointshieldError, match="true or false"):
        parse_set(["dual_key=maybe"])


def test_network_for_applies_the_sharing_and_the_overrides_to_every_link() -> None:
    """Every link takes the architecture's sharing policy, latency and availability."""
    links = (
        LinkModel("a", "NATO", "fusion", latency_s=2.0, latency_jitter_s=0.5, availability=0.99),
        LinkModel("b", "Russia", "fusion", latency_s=3.0, availability=0.95),
    )
    net = Network(PARTIES, links)
    plain = network_for(architecture("early-warning"), net)
    assert [lk.sharing for lk in plain.links] == ["early-warning"] * 2
    assert [lk.latency_s for lk in plain.links] == [2.0, 3.0]
    slow = network_for(architecture("data-exchange", latency_s=10, availability=0.5), net)
    assert [(lk.latency_s, lk.availability) for lk in slow.links] == [(10.0, 0.5)] * 2
    assert slow.links[0].latency_jitter_s == 0.5
