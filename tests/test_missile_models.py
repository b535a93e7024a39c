"""The built-in missile models reach their published ranges on the flight engine."""

from __future__ import annotations

import pytest

from jointshield.flight.aim import max_range_m
from jointshield.scenario import builtin_names, load_scenario
from jointshield.theatre.compile import compile_missile

RANGE_REL_TOL = 0.02  # the models are tuned to the published figure; allow 2 %


def _missiles() -> list[tuple[str, str]]:
    return [(name, m.name) for name in builtin_names() for m in load_scenario(name).missiles]


@pytest.mark.parametrize(("scenario", "missile"), _missiles())
def test_missile_model_reaches_published_range(scenario: str, missile: str) -> None:
    """A full burn at the best pitch (fixed Earth, drag) reaches the published range within 2 %."""
    m = load_scenario(scenario).missile(missile)
    model = compile_missile(m)
    assert max_range_m(model) / 1e3 == pytest.approx(m.published_range_km, rel=RANGE_REL_TOL)
    assert model.thrust_to_weight > 1.2
