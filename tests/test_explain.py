"""The explanation of an architecture's gain, lever by lever."""

from __future__ import annotations

import numpy as np
import pytest
from tests.theatres import theatre

from jointshield.analysis.explain import LEVERS, OUTCOMES, explain
from jointshield.analysis.runs import summarise
from jointshield.architectures.presets import PARAMETERS, architecture
from jointshield.battle.context import deploy
from jointshield.battle.fight import fight
from jointshield.scenario import load_scenario


@pytest.fixture(scope="module")
def explained():
    """europe-2018 without NATO's satellites and forward radar, where Russia's cues matter."""
    sc = load_scenario("europe-2018")
    sc = sc.model_copy(
        update={"sensors": tuple(s for s in sc.sensors if s.name not in ("sbirs", "tpy-2-kurecik"))}
    )
    dep = deploy(theatre(sc))
    return dep, explain([dep], ["early-warning", "joint"], trials=200, seed=6)


def test_the_levers_cover_every_parameter_an_architecture_changes() -> None:
    """Every parameter on which a preset differs from national belongs to a lever."""
    levered = {p for names in LEVERS.values() for p in names}
    assert levered <= set(PARAMETERS)
    national = architecture("national")
    for name in ("early-warning", "data-exchange", "sectoral", "joint"):
        arch = architecture(name)
        differ = {p for p in PARAMETERS if getattr(arch, p) != getattr(national, p)}
        assert differ <= levered, name


def test_the_gains_add_up_to_the_architectures_difference(explained) -> None:
    """Lever gains sum to the architecture minus national, each fought on the same seed."""
    dep, explanations = explained
    national = summarise(*_fought(dep, "national"))
    for exp in explanations:
        target = summarise(*_fought(dep, exp.architecture))
        for key in OUTCOMES:
            want = getattr(target, key).value - getattr(national, key).value
            assert sum(s.gain[key] for s in exp.steps) == pytest.approx(want, abs=1e-9)
            assert exp.total[key] == pytest.approx(want, abs=1e-9)


def test_early_warning_gains_by_sharing_alone(explained) -> None:
    """Early warning changes only what crosses the links: every other lever gains nothing."""
    _, (early, joint) = explained
    steps = {s.lever: s for s in early.steps}
    assert steps["sharing"].changed == {"sharing": "early-warning"}
    for lever in ("other party's data", "fused picture", "responsibility", "dual key"):
        assert steps[lever].changed == {}
        assert all(v == 0 for v in steps[lever].gain.values())
    # The joint system's dual key is a cost here: no gain in population defended.
    key = {s.lever: s for s in joint.steps}["dual key"]
    assert key.changed and key.gain["population_defended"] <= 0


def _fought(dep, name):
    battle = fight(dep, arch=architecture(name), trials=200, seed=6)
    return battle.context, battle.trials


def test_explaining_national_is_empty() -> None:
    """National against itself: every step changes nothing."""
    dep = deploy(theatre("europe-2011"))
    (exp,) = explain([dep], ["national"], trials=50, seed=0)
    assert all(not s.changed for s in exp.steps)
    assert all(np.isclose(v, 0) for v in exp.total.values())


def test_compare_explain_on_the_command_line(tmp_path, capsys) -> None:
    """`compare --explain --json` adds the lever split; --out writes explain.json."""
    import json

    from jointshield.cli import main

    out = tmp_path / "cmp"
    argv = ["compare", "europe-2011", "-n", "100", "--architectures", "national,joint"]
    assert main([*argv, "--explain", "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    (joint,) = data["explain"]
    assert joint["architecture"] == "joint"
    assert [s["lever"] for s in joint["steps"]] == list(LEVERS)
    assert (out / "explain.json").is_file()
    assert main([*argv, "--explain"]) == 0
    assert "What each lever adds" in capsys.readouterr().out
