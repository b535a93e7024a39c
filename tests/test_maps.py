"""Base maps: country outlines drawn headless, matplotlib loaded only when a map is made."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jointshield.data import OUTLINES_ATTRIBUTION
from jointshield.report.maps import aspect, draw_basemap, new_map, save_figure

EUROPE = (30.0, 72.0, -25.0, 65.0)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_map_of_europe_is_written_as_png(tmp_path: Path) -> None:
    """new_map draws over 60 countries of Europe and save_figure writes a PNG."""
    fig, ax = new_map(EUROPE)
    land = next(c for c in ax.collections if c.get_gid() == "basemap-land")
    assert len(land.get_paths()) > 60
    assert ax.get_xlim() == (-25.0, 65.0) and ax.get_ylim() == (30.0, 72.0)
    assert ax.get_aspect() == aspect(EUROPE)
    assert any(t.get_text() == OUTLINES_ATTRIBUTION for t in ax.texts)
    out = save_figure(fig, tmp_path / "maps" / "europe.png")
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000


def test_the_suffix_chooses_the_format(tmp_path: Path) -> None:
    """A .svg name writes SVG, a .pdf name PDF; any other suffix is refused."""
    fig, _ = new_map((38.0, 44.0, 40.0, 50.0), figsize=(5.0, 4.0))
    assert b"<svg" in save_figure(fig, tmp_path / "caucasus.svg").read_bytes()[:1000]
    assert save_figure(fig, tmp_path / "caucasus.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match="expected a file name ending"):
        save_figure(fig, tmp_path / "caucasus.jpg")


def test_basemap_draws_on_given_axes_without_attribution() -> None:
    """draw_basemap draws on a caller's axes; attribution=None writes no credit."""
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    land = draw_basemap(ax, (45.0, 56.0, 10.0, 30.0), attribution=None)
    assert land in ax.collections and not ax.texts


def test_maps_are_drawn_from_threads(tmp_path: Path) -> None:
    """Two maps drawn in two threads at once both come out (no pyplot state)."""
    errors: list[BaseException] = []

    def draw(i: int) -> None:
        try:
            fig, _ = new_map(EUROPE, figsize=(4.0, 3.0), dpi=60)
            save_figure(fig, tmp_path / f"{i}.png")
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all((tmp_path / f"{i}.png").stat().st_size > 0 for i in range(2))


def test_importing_maps_does_not_import_matplotlib() -> None:
    """Matplotlib is loaded when a map is made, not when the module is imported."""
    probe = "import sys, jointshield.report.maps; print('matplotlib' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
