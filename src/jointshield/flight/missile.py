"""Missile models in SI units, as the flight engine uses them.

A :class:`MissileModel` is a stack of stages fired one after the other
without coast between them, each with constant vacuum thrust
``F = Isp·g0·ṁ`` and constant mass flow ``ṁ = m_prop / t_burn``; a payload
on top; one drag coefficient and reference area for the whole body while it
burns; and a re-entry vehicle that separates at burnout and flies on with its
own ballistic coefficient ``β = m / (Cd·A)``. Mass is therefore a known
function of time, not a state of the integrator.

The pitch programme is the one of most open-literature flyout models: a
vertical rise, then the thrust direction turns at a constant rate in the
plane of flight from the vertical to ``pitch_end`` above the local horizontal
at thrust cut-off. Thrust termination before the nominal burn ends
(``cutoff_s``) shortens the range; this is how a liquid missile is commanded
to a shorter range, and it is the usual analyst's approximation for energy
management of a solid one. The turn is spread over the burn actually flown,
so ``pitch_end`` is the thrust's pitch at cut-off whatever the cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError
from jointshield.physics.constants import G0_MPS2


@dataclass(frozen=True)
class MissileModel:
    """A multistage ballistic missile in SI units.

    Parameters
    ----------
    name : str
        Name of the missile type.
    burn_time_s, propellant_kg, dry_kg, isp_s : tuple of float
        Per stage, first stage first: burn time (s), propellant mass (kg),
        dry (structural) mass dropped at the stage's burnout (kg), vacuum
        specific impulse (s).
    payload_kg : float
        Payload (re-entry vehicle) mass, kg.
    diameter_m : float
        Body diameter, m; the drag reference area is a disc of this diameter.
    drag_coefficient : float
        Drag coefficient of the body while it burns.
    reentry_beta_kg_m2 : float
        Ballistic coefficient of the re-entry vehicle, kg/m².
    vertical_rise_s : float
        Time of vertical flight before the pitch-over starts, s.
    """

    name: str
    burn_time_s: tuple[float, ...]
    propellant_kg: tuple[float, ...]
    dry_kg: tuple[float, ...]
    isp_s: tuple[float, ...]
    payload_kg: float
    diameter_m: float
    drag_coefficient: float
    reentry_beta_kg_m2: float
    vertical_rise_s: float = 8.0

    def __post_init__(self) -> None:
        n = len(self.burn_time_s)
        lengths = {len(self.propellant_kg), len(self.dry_kg), len(self.isp_s)}
        if n == 0 or lengths != {n}:
            raise JointshieldError(
                f"missile {self.name!r}: every stage needs burn time, masses and Isp"
            )
        if self.vertical_rise_s >= self.total_burn_s:
            raise JointshieldError(
                f"missile {self.name!r}: vertical rise ({self.vertical_rise_s} s) must end before "
                f"burnout ({self.total_burn_s} s)"
            )
        if self.thrust_to_weight < 1.0:
            raise JointshieldError(
                f"missile {self.name!r}: lift-off thrust-to-weight "
                f"{self.thrust_to_weight:.2f} < 1, "
                "it cannot leave the pad"
            )

    @property
    def n_stages(self) -> int:
        """Number of stages."""
        return len(self.burn_time_s)

    @property
    def total_burn_s(self) -> float:
        """Nominal burn time of all stages together, s."""
        return float(sum(self.burn_time_s))

    @property
    def stage_start_s(self) -> FloatArray:
        """Ignition time of each stage after launch, s."""
        return np.concatenate([[0.0], np.cumsum(self.burn_time_s)[:-1]])

    @property
    def mass_flow_kg_s(self) -> FloatArray:
        """Mass flow of each stage, kg/s."""
        out: FloatArray = np.asarray(self.propellant_kg) / np.asarray(self.burn_time_s)
        return out

    @property
    def thrust_n(self) -> FloatArray:
        """Vacuum thrust of each stage, N."""
        return np.asarray(self.isp_s) * G0_MPS2 * self.mass_flow_kg_s

    @property
    def stage_start_mass_kg(self) -> FloatArray:
        """Mass of the whole stack at each stage's ignition, kg."""
        per_stage = np.asarray(self.propellant_kg) + np.asarray(self.dry_kg)
        above = np.cumsum(per_stage[::-1])[::-1]
        return above + self.payload_kg

    @property
    def launch_mass_kg(self) -> float:
        """Lift-off mass, kg."""
        return float(self.stage_start_mass_kg[0])

    @property
    def reference_area_m2(self) -> float:
        """Drag reference area of the body, m²."""
        return float(np.pi * self.diameter_m**2 / 4.0)

    @property
    def thrust_to_weight(self) -> float:
        """Lift-off thrust-to-weight ratio (vacuum thrust, standard gravity)."""
        return float(self.thrust_n[0] / (self.launch_mass_kg * G0_MPS2))

    @property
    def ideal_delta_v_mps(self) -> float:
        """Tsiolkovsky velocity increment of the full burn, m/s (no gravity or drag loss)."""
        m0 = self.stage_start_mass_kg
        m1 = m0 - np.asarray(self.propellant_kg)
        return float(np.sum(np.asarray(self.isp_s) * G0_MPS2 * np.log(m0 / m1)))
