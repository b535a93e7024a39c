"""Every battle rule can be set from --set and --grid, and acts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jointshield.analysis.runs import run, sweep
from jointshield.battle.context import RULE_PARAMETERS, Rules
from jointshield.cli import main
from jointshield.errors import JointshieldError


def test_every_rule_is_listed_with_its_meaning() -> None:
    """RULE_PARAMETERS names every rule that Rules.parameters reports."""
    assert set(Rules().parameters()) == set(RULE_PARAMETERS)
    assert all(len(text) > 10 for text in RULE_PARAMETERS.values())


def test_a_long_hand_over_stops_launch_on_remote() -> None:
    """europe-2011: the ship launches on the Kürecik track; a 600-s hand-over forbids it."""
    short = run("europe-2011", "national", trials=100, seed=0, params={"handover_s": 0})
    long = run("europe-2011", "national", trials=100, seed=0, params={"handover_s": 600})
    assert short.summary.interceptors.value > 0
    assert long.summary.interceptors.value == 0


def test_rules_from_the_command_line_change_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    """--set doctrine=salvo fires two at once where shoot-look-shoot often fires one."""
    spent = {}
    for doctrine in ("shoot-look-shoot", "salvo"):
        argv = ["run", "europe-2018", "-a", "national", "-n", "200", "--json"]
        assert main([*argv, "--set", f"doctrine={doctrine}"]) == 0
        spent[doctrine] = json.loads(capsys.readouterr().out)["interceptors"]["value"]
    assert spent["salvo"] > spent["shoot-look-shoot"]


def test_a_rule_can_be_swept(tmp_path: Path) -> None:
    """--grid handover_s=0,600 runs two points with their own rules."""
    points = sweep(
        "europe-2011", "national", ["handover_s=0,600"], tmp_path / "s", trials=100, progress=False
    )
    spent = [p["interceptors"]["value"] for p in points]
    assert spent[0] > 0 and spent[1] == 0


@pytest.mark.parametrize(
    "item", ["handover_s=-1", "doctrine=barrage", "salvo_size=0", "reengage=maybe", "handover_s="]
)
def test_a_bad_rule_is_a_clear_error(item: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad rule value stops the command with one line, before any work."""
    assert main(["run", "europe-2011", "-n", "10", "--set", item]) == 2
    err = capsys.readouterr().err
    assert item.partition("=")[0] in err and "Traceback" not in err
    with pytest.raises(JointshieldError):
        Rules().with_params(**{item.partition("=")[0]: item.partition("=")[2]})
