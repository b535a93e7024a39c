"""Test fixtures: missile models that are not scenario data."""

from __future__ import annotations

from jointshield.flight import MissileModel

# A two-stage solid missile of about 2,000 km range (a test fixture, not a scenario).
TWO_STAGE = MissileModel(
    name="two-stage",
    burn_time_s=(50.0, 50.0),
    propellant_kg=(8000.0, 3600.0),
    dry_kg=(1200.0, 600.0),
    isp_s=(245.0, 250.0),
    payload_kg=700.0,
    diameter_m=1.25,
    drag_coefficient=0.3,
    reentry_beta_kg_m2=5000.0,
    vertical_rise_s=8.0,
)
