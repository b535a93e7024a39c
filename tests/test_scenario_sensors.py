"""Sensor entries: what a radar must give, and what a space-based infrared sensor need not."""

from __future__ import annotations

import pytest

from jointshield.errors import ScenarioError
from jointshield.scenario import parse_scenario
from jointshield.theatre.compile import compile_scenario

HEAD = """schema: jointshield/scenario-1
name: s
title: t
parties: [{name: A}]
sites: [{name: ground, lat_deg: 40, lon_deg: 30, owner: A}]
sensors:
"""


def test_space_ir_sensor_needs_no_radar_figures() -> None:
    """A space-ir entry with only its delay and detection probability is valid."""
    sc = parse_scenario(
        HEAD + "  - {name: sbirs, kind: space-ir, site: ground, p_detect: 0.99, delay_s: 30}\n",
        file="s.yaml",
    )
    (ir,) = compile_scenario(sc).space_ir
    assert ir.delay_s == 30.0 and ir.owner == "A"
    assert compile_scenario(sc).radars == ()


def test_radar_without_its_figures_is_reported_with_line_and_key() -> None:
    """A radar that leaves out revisit time and noise gets one problem per missing key."""
    text = HEAD + (
        "  - {name: r, kind: radar, site: ground, range_max_km: 500, reference_rcs_m2: 1,\n"
        "     sigma_range_m: 10, p_detect: 0.9}\n"
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="s.yaml")
    message = str(err.value)
    for key in ("revisit_s", "sigma_az_mrad", "sigma_el_mrad"):
        assert f"s.yaml:7 sensors[0]: missing key '{key}'" in message
    assert "range_max_km" not in message
