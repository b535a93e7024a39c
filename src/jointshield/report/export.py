"""A flown trajectory as a record, and its export to CSV, GeoJSON and KML."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from jointshield.arrays import FloatArray
from jointshield.flight.flyout import PHASE_NAMES, Flyouts
from jointshield.jsonio import dumps
from jointshield.physics.geo import ecef_to_geodetic


@dataclass(frozen=True)
class Event:
    """A named moment of a flyout."""

    name: str
    t_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float


@dataclass(frozen=True)
class Trajectory:
    """States of one flyout at regular times, ending at impact.

    Attributes
    ----------
    t_s : ndarray
        Time after launch (or after burnout for free flight), s.
    phase : list of str
        ``boost``, ``coast`` or ``reentry`` for each sample.
    lat_deg, lon_deg, alt_m : ndarray
        Geodetic position.
    r_ecef_m, v_ecef_mps : ndarray, shape (k, 3)
        Earth-fixed position and velocity relative to the Earth.
    events : tuple of Event
        Launch, burnout, apogee, re-entry and impact, where they happened.
    """

    t_s: FloatArray
    phase: tuple[str, ...]
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    r_ecef_m: FloatArray
    v_ecef_mps: FloatArray
    events: tuple[Event, ...]

    @classmethod
    def from_flyouts(cls, fl: Flyouts, i: int = 0) -> Trajectory:
        """Extract flyout ``i`` of a batch flown with ``sample_dt_s``, adding its impact point."""
        if fl.samples is None or fl.sample_phase is None or fl.sample_times_s is None:
            raise ValueError("the flyouts were computed without trajectory samples (sample_dt_s)")
        keep = fl.sample_phase[i] >= 0
        t = fl.sample_times_s[keep]
        states = fl.samples[i, keep]
        phases = [PHASE_NAMES[int(p)] for p in fl.sample_phase[i, keep]]
        if np.isfinite(fl.t_impact_s[i]) and (t.size == 0 or fl.t_impact_s[i] > t[-1]):
            t = np.append(t, fl.t_impact_s[i])
            states = np.vstack([states, np.concatenate([fl.impact_r_m[i], fl.impact_v_mps[i]])])
            phases.append("reentry" if phases and phases[-1] != "boost" else "coast")
        r = states[:, :3]
        lat, lon, alt = ecef_to_geodetic(r, fl.earth.ellipsoid)
        ell = fl.earth.ellipsoid

        def event(name: str, t_ev: float) -> Event | None:
            if not np.isfinite(t_ev):
                return None
            k = int(np.argmin(np.abs(t - t_ev)))
            return Event(
                name,
                float(t_ev),
                float(np.degrees(lat[k])),
                float(np.degrees(lon[k])),
                float(alt[k]),
            )

        bo_lat, bo_lon, bo_alt = ecef_to_geodetic(fl.burnout_r_m[i], ell)
        events = [
            Event(
                "launch", 0.0, float(np.degrees(lat[0])), float(np.degrees(lon[0])), float(alt[0])
            ),
            Event(
                "burnout",
                float(fl.t_burnout_s[i]),
                float(np.degrees(bo_lat)),
                float(np.degrees(bo_lon)),
                float(bo_alt),
            ),
            event("apogee", float(fl.t_apogee_s[i])),
            event("reentry", float(fl.t_reentry_s[i])),
            Event(
                "impact",
                float(fl.t_impact_s[i]),
                float(np.degrees(fl.impact_lat_rad[i])),
                float(np.degrees(fl.impact_lon_rad[i])),
                float(alt[-1]),
            ),
        ]
        evs = tuple(e for e in events if e is not None and np.isfinite(e.t_s))
        # The apogee event carries the computed apogee height, not the nearest sample's.
        evs = tuple(
            Event(e.name, e.t_s, e.lat_deg, e.lon_deg, float(fl.apogee_alt_m[i]))
            if e.name == "apogee"
            else e
            for e in evs
        )
        return cls(t, tuple(phases), np.degrees(lat), np.degrees(lon), alt, r, states[:, 3:], evs)

    # ------------------------------------------------------------------ writers

    def to_csv(self) -> str:
        """Return the trajectory as CSV text, one row per sample."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "t_s",
                "phase",
                "lat_deg",
                "lon_deg",
                "alt_km",
                "x_m",
                "y_m",
                "z_m",
                "vx_mps",
                "vy_mps",
                "vz_mps",
                "speed_kms",
            ]
        )
        speed = np.linalg.norm(self.v_ecef_mps, axis=1)
        for k in range(self.t_s.size):
            w.writerow(
                [
                    f"{self.t_s[k]:.3f}",
                    self.phase[k],
                    f"{self.lat_deg[k]:.6f}",
                    f"{self.lon_deg[k]:.6f}",
                    f"{self.alt_m[k] / 1e3:.4f}",
                    *(f"{v:.2f}" for v in self.r_ecef_m[k]),
                    *(f"{v:.3f}" for v in self.v_ecef_mps[k]),
                    f"{speed[k] / 1e3:.4f}",
                ]
            )
        return buf.getvalue()

    def to_geojson(self, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the track and events as a GeoJSON FeatureCollection (RFC 7946; altitude m)."""
        line = {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [round(float(lo), 6), round(float(la), 6), round(float(al), 1)]
                    for lo, la, al in zip(self.lon_deg, self.lat_deg, self.alt_m, strict=True)
                ],
            },
            "properties": {"kind": "trajectory", **(properties or {})},
        }
        points = [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(e.lon_deg, 6), round(e.lat_deg, 6), round(e.alt_m, 1)],
                },
                "properties": {"kind": "event", "event": e.name, "t_s": round(e.t_s, 3)},
            }
            for e in self.events
        ]
        return {"type": "FeatureCollection", "features": [line, *points]}

    def to_kml(self, name: str = "flyout") -> str:
        """Return the trajectory as a KML document (OGC KML 2.2), drawn at its true altitude."""
        coords = " ".join(
            f"{lo:.6f},{la:.6f},{al:.1f}"
            for lo, la, al in zip(self.lon_deg, self.lat_deg, self.alt_m, strict=True)
        )
        marks = "".join(
            f"<Placemark><name>{escape(e.name)} (t={e.t_s:.1f} s)</name>"
            "<Point><altitudeMode>absolute</altitudeMode>"
            f"<coordinates>{e.lon_deg:.6f},{e.lat_deg:.6f},{e.alt_m:.1f}</coordinates></Point></Placemark>"
            for e in self.events
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>{escape(name)}</name>"
            '<Style id="track"><LineStyle><color>ff0000ff</color><width>2</width></LineStyle>'
            "<PolyStyle><color>400000ff</color></PolyStyle></Style>"
            f"<Placemark><name>{escape(name)}</name><styleUrl>#track</styleUrl><LineString><extrude>1</extrude>"
            f"<tessellate>1</tessellate><altitudeMode>absolute</altitudeMode><coordinates>{coords}</coordinates>"
            f"</LineString></Placemark>{marks}</Document></kml>\n"
        )

    def write(
        self,
        path: str | Path,
        fmt: str,
        name: str = "flyout",
        properties: dict[str, Any] | None = None,
    ) -> None:
        """Write the trajectory to ``path`` as ``csv``, ``geojson`` or ``kml``."""
        if fmt == "csv":
            text = self.to_csv()
        elif fmt == "geojson":
            text = dumps(self.to_geojson(properties), indent=1) + "\n"
        elif fmt == "kml":
            text = self.to_kml(name)
        else:
            raise ValueError(f"unknown trajectory format {fmt!r}")
        Path(path).write_text(text, encoding="utf-8")
