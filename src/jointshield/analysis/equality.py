"""Equality: who controls the launch decisions, and whose interceptors fly over whose territory.

Two of the questions a cooperative architecture raises besides how much it
defends: which party decides each launch (alone, with the other's consent, or
as the one who can veto the other's), and how often a party's interceptors fly
over, or meet their targets over, the other party's territory. Both are
counted from a run's own per-trial records (:class:`~jointshield.battle.trial.Trials`):
which battery engaged each warhead, how many interceptors it fired, and where
the first one met the warhead.

Launch decisions follow the architecture's rules
(:func:`jointshield.architectures.rules.consent_needed` and
:func:`~jointshield.architectures.rules.vetoer`): without a dual key the
battery's party decides alone; with one, the battery's party decides with the
others' consent, and the other party can veto. A decision is counted for
every warhead a battery fired at (the launches made, not those vetoed).

Territory is the theatre's sectors (:class:`~jointshield.architectures.sectors.Sector`:
the scenario's, else the default split of Europe along Russia's borders).
An interceptor's ground track is the great circle from its battery to the
intercept's sub-point, sampled at :data:`TRACK_SAMPLES` points (the ends
included) on a sphere: a flight *crosses* another party's territory when
some sample lies in a sector of another party. The interceptors of a salvo
share the first one's track.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike

from jointshield.architectures.rules import consent_needed, vetoer
from jointshield.architectures.sectors import Sector, sector_owner
from jointshield.arrays import BoolArray, FloatArray
from jointshield.battle.context import BattleContext
from jointshield.battle.trial import Trials
from jointshield.montecarlo.stats import Estimate
from jointshield.montecarlo.store import write_rows

__all__ = ["TRACK_SAMPLES", "Equality", "crosses_other", "equality", "write_equality"]

TRACK_SAMPLES: Final = 33
"""Points of an interceptor's ground track tested against the sectors (every ~1/32 of it)."""


def great_circle_points(
    lat0_rad: ArrayLike, lon0_rad: ArrayLike, lat1_rad: ArrayLike, lon1_rad: ArrayLike, k: int
) -> tuple[FloatArray, FloatArray]:
    """Return ``k`` points along each great circle from point 0 to point 1 (ends included).

    Spherical linear interpolation of the unit vectors; shapes ``(..., k)``.
    """

    def unit(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
        la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)

    a, b = unit(lat0_rad, lon0_rad), unit(lat1_rad, lon1_rad)
    omega = np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0))[..., None]
    f = np.linspace(0.0, 1.0, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sin(omega)
        wa = np.where(s > 1e-12, np.sin((1.0 - f) * omega) / s, 1.0 - f)
        wb = np.where(s > 1e-12, np.sin(f * omega) / s, f)
    p = wa[..., None] * a[..., None, :] + wb[..., None] * b[..., None, :]
    lat = np.arcsin(np.clip(p[..., 2] / np.linalg.norm(p, axis=-1), -1.0, 1.0))
    lon = np.arctan2(p[..., 1], p[..., 0])
    return lat, lon


def crosses_other(
    sectors: Sequence[Sector],
    parties: Sequence[str],
    party: ArrayLike,
    from_rad: tuple[ArrayLike, ArrayLike],
    to_rad: tuple[ArrayLike, ArrayLike],
    k: int = TRACK_SAMPLES,
) -> tuple[BoolArray, BoolArray]:
    """Whether each flight's ground track, and its end, lie over another party's sector.

    Parameters
    ----------
    sectors : sequence of Sector
        The territory.
    parties : sequence of str
        The parties (a sector of another name is nobody's).
    party : array_like of str
        The flying battery's party, per flight.
    from_rad, to_rad : (lat, lon) of array_like
        The battery and the intercept's sub-point, rad, per flight.
    k : int
        Points of each track tested.

    Returns
    -------
    track, end : ndarray of bool
        Some point of the track, and the intercept point itself, in another
        party's sector.
    """
    lat, lon = great_circle_points(*from_rad, *to_rad, k)
    owner = sector_owner(sectors, lat, lon)
    mine = np.asarray(party, dtype=object)[..., None]
    other = np.isin(owner, list(parties)) & (owner != mine)
    return other.any(axis=-1), other[..., -1]


@dataclass(frozen=True)
class Equality:
    """One party's share of the launch decisions, and its flights over the other's territory.

    Attributes
    ----------
    architecture, party : str
        The architecture and the party.
    decides_alone, decides_with_consent, can_veto : float
        Shares of all launch decisions of the run: the party's batteries'
        launches it decides alone, those it decides with the others'
        consent, and the other parties' launches it can veto.
    flights : Estimate
        Interceptors the party's batteries fire, per trial.
    flights_over_other : Estimate
        Of those, the ones whose ground track crosses another party's sector.
    intercepts_over_other : Estimate
        Of those, the ones that meet their warhead over another party's sector.
    """

    architecture: str
    party: str
    decides_alone: float
    decides_with_consent: float
    can_veto: float
    flights: Estimate
    flights_over_other: Estimate
    intercepts_over_other: Estimate

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "architecture": self.architecture,
            "party": self.party,
            "decides_alone": self.decides_alone,
            "decides_with_consent": self.decides_with_consent,
            "can_veto": self.can_veto,
            "flights": self.flights.to_json(),
            "flights_over_other": self.flights_over_other.to_json(),
            "intercepts_over_other": self.intercepts_over_other.to_json(),
        }


def equality(ctx: BattleContext, trials: Trials, sectors: Sequence[Sector]) -> tuple[Equality, ...]:
    """Count one run's launch decisions and overflights, per party.

    Parameters
    ----------
    ctx : BattleContext
        The prepared battle the trials ran (its architecture, batteries, parties).
    trials : Trials
        The run's per-trial records.
    sectors : sequence of Sector
        The theatre's sectors (its territory).

    Returns
    -------
    tuple of Equality
        One per party, in the theatre's order.
    """
    dep = ctx.deployment
    arch = ctx.architecture
    parties = dep.parties
    owners = np.array([b.owner for b in dep.batteries], dtype=object)
    battery = np.asarray(trials.battery)
    shots = np.asarray(trials.shots)
    fired = (battery >= 0) & (shots > 0)
    b = np.where(fired, battery, 0)
    party = np.where(fired, owners[b], "")
    decisions = max(int(fired.sum()), 1)
    lat0 = np.array([x.lat_rad for x in dep.batteries])[b]
    lon0 = np.array([x.lon_rad for x in dep.batteries])[b]
    lat1 = np.radians(np.asarray(trials.intercept_lat_deg, dtype=float))
    lon1 = np.radians(np.asarray(trials.intercept_lon_deg, dtype=float))
    track = np.zeros(fired.shape, dtype=bool)
    end = np.zeros(fired.shape, dtype=bool)
    where = fired & np.isfinite(lat1) & np.isfinite(lon1)
    if where.any():
        t, e = crosses_other(
            sectors, parties, party[where], (lat0[where], lon0[where]), (lat1[where], lon1[where])
        )
        track[where], end[where] = t, e
    vetoed_by = {q: vetoer(arch, q, parties) for q in parties}
    out = []
    for p in parties:
        own = fired & (party == p)
        needs = bool(consent_needed(arch, p, parties))
        veto = sum(
            int((fired & (party == q)).sum()) for q in parties if q != p and vetoed_by[q] == p
        )
        n_own = int(own.sum())
        weights = np.where(own, shots, 0)
        out.append(
            Equality(
                architecture=arch.name,
                party=p,
                decides_alone=0.0 if needs else n_own / decisions,
                decides_with_consent=n_own / decisions if needs else 0.0,
                can_veto=veto / decisions,
                flights=Estimate.from_samples(weights.sum(axis=1)),
                flights_over_other=Estimate.from_samples((weights * track).sum(axis=1)),
                intercepts_over_other=Estimate.from_samples((weights * end).sum(axis=1)),
            )
        )
    return tuple(out)


def write_equality(rows: Sequence[Equality], path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write one row per (architecture, party) to Parquet, typed and labelled.

    Columns: ``architecture`` and ``party`` (categories); the three decision
    shares; the value, ``_lo`` and ``_hi`` of ``flights``,
    ``flights_over_other`` and ``intercepts_over_other`` (per trial).
    """
    records = []
    for r in rows:
        row: dict[str, Any] = {
            "architecture": r.architecture,
            "party": r.party,
            "decides_alone": r.decides_alone,
            "decides_with_consent": r.decides_with_consent,
            "can_veto": r.can_veto,
        }
        for key in ("flights", "flights_over_other", "intercepts_over_other"):
            row.update(getattr(r, key).columns(key))
        records.append(row)
    return write_rows(path, records, ("architecture", "party"), meta)
