"""The compile step: every field of a scenario reaches its domain object, and has its effect."""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from jointshield.battle.fight import fight
from jointshield.flight.raid import fly_raid
from jointshield.scenario import builtin_names, load_scenario
from jointshield.scenario.model import Link, Scenario
from jointshield.sensing.network import LinkModel
from jointshield.sensing.picture import sensor_picture
from jointshield.theatre.compile import compile_link, compile_scenario
from jointshield.theatre.model import Theatre
from jointshield.vocabulary import MEAN_OUTAGE_S
from test_battle import _one_on_one
from theatres import theatre

# Fields a scenario carries for people, not for the model: text, cross-references by name
# (a renamed reference is another scenario, not a changed number), and figures kept to
# check the model against (a missile's published range). Each with its reason.
NOT_MODEL_INPUTS: dict[str, str] = {
    "description": "free text",
    "name": "a name (references are resolved, not perturbed)",
    "site": "a reference by name",
    "owner": "a reference by name (perturbing it makes another scenario)",
    "party": "a reference by name",
    "interceptor": "a reference by name",
    "missile": "a reference by name",
    "launch_area": "a reference by name",
    "target": "a reference by name",
    "from_party": "a reference by name",
    "to_party": "a reference by name",
    "id": "a threat's identifier",
    "kind": "the kind of sensor (a radar is compiled as a radar)",
    "propellant": "descriptive: the flight model takes stage masses and impulses",
    "published_range_km": "the published figure the missile model is checked against",
}
# Fields the model does not use yet, each naming what will use it.
NOT_YET_USED: dict[tuple[str, str], str] = {
    ("sensors", "delay_s"): "a space-based sensor's reporting delay; a radar reports at its looks",
}


def _perturbed(value: Any, annotation: Any) -> Any:
    """A nearby value of the same kind, inside every domain check of the built-ins."""
    args = typing.get_args(annotation)
    literal = [a for a in args if isinstance(a, str)]
    if typing.get_origin(annotation) is typing.Literal and len(literal) > 1:
        return next(a for a in literal if a != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.95 if value > 0 else value + 0.01
    return None


def _literal_of(annotation: Any) -> Any:
    """The Literal inside an annotation such as ``Literal[...] | None``, or the annotation."""
    if typing.get_origin(annotation) is typing.Literal:
        return annotation
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return arg
    return annotation


def _variants(sc: Scenario) -> list[tuple[str, Scenario]]:
    """One scenario per (collection, item, field) with that field changed a little."""
    out = []
    # A site that nothing stands on is a place to fly from or to, not a model input; nor is
    # the notional ground station of a space-based sensor, which reports from orbit.
    used_sites = {s.site for s in sc.sensors if s.kind == "radar"} | {b.site for b in sc.batteries}
    for collection in (
        "sites",
        "sensors",
        "interceptors",
        "batteries",
        "missiles",
        "assets",
        "launch_areas",
    ):
        items = getattr(sc, collection)
        for i, item in enumerate(items):
            if collection == "sites" and item.name not in used_sites:
                continue
            out.extend(_item_variants(sc, collection, items, i, item))
    for collection in ("links",):
        items = sc.links
        for i, item in enumerate(items):
            out.extend(_item_variants(sc, collection, items, i, item))
    for r, raid in enumerate(sc.raids):
        for t, threat in enumerate(raid.threats):
            for key, new in _field_changes(threat, "threats"):
                threats = list(raid.threats)
                threats[t] = threat.model_copy(update={key: new})
                raids = list(sc.raids)
                raids[r] = raid.model_copy(update={"threats": tuple(threats)})
                out.append(
                    (
                        f"raids[{r}].threats[{t}].{key}",
                        sc.model_copy(update={"raids": tuple(raids)}),
                    )
                )
    for m, missile in enumerate(sc.missiles):
        for s, stage in enumerate(missile.stages):
            for key, new in _field_changes(stage, "stages"):
                stages = list(missile.stages)
                stages[s] = stage.model_copy(update={key: new})
                missiles = list(sc.missiles)
                missiles[m] = missile.model_copy(update={"stages": tuple(stages)})
                out.append(
                    (
                        f"missiles[{m}].stages[{s}].{key}",
                        sc.model_copy(update={"missiles": tuple(missiles)}),
                    )
                )
    return out


def _field_changes(item: BaseModel, collection: str) -> list[tuple[str, Any]]:
    changes = []
    for key, info in type(item).model_fields.items():
        if key in NOT_MODEL_INPUTS or (collection, key) in NOT_YET_USED:
            continue
        if collection == "sensors" and getattr(item, "kind", "") != "radar" and key != "delay_s":
            continue
        new = _perturbed(getattr(item, key), _literal_of(info.annotation))
        if new is not None:
            changes.append((key, new))
    return changes


def _item_variants(
    sc: Scenario, collection: str, items: tuple[Any, ...], i: int, item: BaseModel
) -> list[tuple[str, Scenario]]:
    out = []
    for key, new in _field_changes(item, collection):
        changed = list(items)
        changed[i] = item.model_copy(update={key: new})
        out.append((f"{collection}[{i}].{key}", sc.model_copy(update={collection: tuple(changed)})))
    return out


def _content(t: Theatre) -> Theatre:
    """The theatre without its scenario hash, which changes with any change of the file."""
    return dataclasses.replace(t, scenario_hash="")


@pytest.mark.parametrize("name", builtin_names())
def test_every_field_of_a_built_in_reaches_the_theatre(name: str) -> None:
    """Changing any model field of any item changes the compiled theatre: nothing is dropped."""
    sc = load_scenario(name)
    base = _content(compile_scenario(sc))
    variants = _variants(sc)
    assert len(variants) > 100
    dropped = [where for where, changed in variants if _content(compile_scenario(changed)) == base]
    assert not dropped, f"fields read by nothing: {dropped}"


def test_not_yet_used_fields_are_still_not_used() -> None:
    """Fields listed as not yet used change nothing (take one off the list when it does)."""
    sc = load_scenario("europe-2011")
    base = _content(compile_scenario(sc))
    for collection, key in NOT_YET_USED:
        if collection == "sensors":
            continue  # no built-in has a space-based sensor
        items = list(getattr(sc, collection))
        items[0] = items[0].model_copy(update={key: getattr(items[0], key) * 0.9 + 0.1})
        changed = sc.model_copy(update={collection: tuple(items)})
        assert _content(compile_scenario(changed)) == base, (collection, key)


def test_refraction_none_reaches_the_radar_and_shortens_its_horizon() -> None:
    """``refraction: none`` in a file makes a horizon-limited radar see a rising threat later."""
    sc = load_scenario("europe-2011")
    straight = sc.model_copy(
        update={"sensors": tuple(s.model_copy(update={"refraction": "none"}) for s in sc.sensors)}
    )
    bent, flat = compile_scenario(sc), compile_scenario(straight)
    assert {r.refraction for r in bent.radars} == {"4/3"}
    assert {r.refraction for r in flat.radars} == {"none"}
    geo = fly_raid(bent.raid())
    first_bent = sensor_picture(geo, bent.radars).by_name["daryal-gabala"].first_look_s
    first_flat = sensor_picture(geo, flat.radars).by_name["daryal-gabala"].first_look_s
    seen = np.isfinite(first_bent) & np.isfinite(first_flat)
    assert seen.any()
    # Straight rays see less far over the horizon: never earlier, and later for some threat.
    assert np.all(first_flat[seen] >= first_bent[seen])
    assert np.any(first_flat[seen] > first_bent[seen])


def test_track_confirmation_window_changes_the_outcome() -> None:
    """With rare detections, 3 hits in 3 looks engages less often than 3 in 30 (same draws)."""
    base = _one_on_one(0.9)

    def with_confirmation(n: int) -> Scenario:
        sensors = tuple(
            s.model_copy(update={"p_detect": 0.2, "track_confirm_m": 3, "track_confirm_n": n})
            for s in base.sensors
        )
        return base.model_copy(update={"sensors": sensors})

    assert {r.track_confirm_n for r in compile_scenario(with_confirmation(3)).radars} == {3}
    loose = fight(theatre(with_confirmation(30)), arch="national", trials=400, seed=4).trials
    strict = fight(theatre(with_confirmation(3)), arch="national", trials=400, seed=4).trials
    engaged_loose = np.isfinite(loose.first_launch_s)
    engaged_strict = np.isfinite(strict.first_launch_s)
    # The same detections: whatever the strict rule engages, the loose one engages too.
    assert np.all(engaged_loose[engaged_strict])
    assert engaged_strict.mean() < engaged_loose.mean() - 0.2


def _link(**extra: Any) -> Link:
    return Link.model_validate(
        {"from_party": "NATO", "to_party": "fusion", "latency_s": 2.0, "availability": 1.0, **extra}
    )


def test_link_latency_jitter_from_a_file_reaches_the_link_and_delays_messages() -> None:
    """A file's ``latency_jitter_s`` reaches the link: mean delay = latency + jitter mean."""
    assert _link().latency_jitter_s == 0.0
    link = compile_link(_link(latency_jitter_s=3.0))
    assert link.latency_jitter_s == 3.0
    rng = np.random.default_rng(1)
    delays = link.draw_latency(rng, (20_000,))
    # Exponential jitter of mean 3 s: the sample mean is within 5 standard errors (3/√n).
    assert abs(delays.mean() - 5.0) < 5 * 3.0 / math.sqrt(delays.size)
    assert delays.min() >= 2.0


def test_mean_outage_default_has_one_home() -> None:
    """The schema and the link model take the mean outage duration from the same constant."""
    assert _link().mean_outage_s == MEAN_OUTAGE_S
    assert LinkModel("l", "NATO", "fusion", 1.0).mean_outage_s == MEAN_OUTAGE_S
    assert compile_link(_link()).mean_outage_s == MEAN_OUTAGE_S


def test_compiling_builds_no_reach_table() -> None:
    """The compile step is cheap: reach tables are built on first use, once per theatre."""
    t = compile_scenario(load_scenario("europe-2018"))
    assert len(t.reach) == 0
    assert all(b.organic_radars or b.owner for b in t.batteries)
