"""The report's site map: grey state outlines under the coloured regions, shipped sites inside the
state their name gives, and site labels that never overlap, for all 26 shipped sites."""

from __future__ import annotations

import json
import re
import shutil
from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

from optimizer.report import charts
from optimizer.report.run_data import SHIPPED_STATE_SHAPES, STATE_SHAPES, RunData, copy_state_shapes, read_run

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SITES = pd.read_csv(DATA / "sites.csv", dtype={"site_id": str, "region_id": str, "name": str})
STATE = re.compile(r",\s*([A-Z]{2})\b")       # "Memphis, TN / Southaven, MS (Colossus 2)" -> TN, MS


def run_folder(folder: Path, sites: pd.DataFrame, states: bool = False) -> RunData:
    """A run folder as the pipeline writes it, for the map only: the sites table (every site chosen)
    and the region shapes; optionally its own copy of the state outlines."""
    tables = folder / "tables"
    tables.mkdir(parents=True)
    table = sites.assign(selected=True, online_year=2026, peak_facility_mw=sites.max_it_mw * sites.pue)
    table.to_csv(tables / "sites.csv", index=False)
    shutil.copyfile(DATA / "regions.geojson", tables / "region_shapes.geojson")
    if states:
        copy_state_shapes(tables)
    (folder / "summary.json").write_text(json.dumps({"name": "map"}))
    return read_run(folder)


@pytest.fixture(scope="module")
def all_sites(tmp_path_factory):
    """The shipped gigafactory set of 26 sites drawn as the report draws it, then laid out and
    rendered as ``_png`` saves it (tight layout, 110 dpi, Agg)."""
    run = run_folder(tmp_path_factory.mktemp("map") / "run", SITES)
    drawn = charts.draw_site_map(run)
    drawn.fig.tight_layout()
    drawn.fig.set_dpi(110)
    drawn.fig.canvas.draw()
    yield drawn
    plt.close(drawn.fig)


def test_state_outlines_are_drawn_in_grey_under_the_regions(all_sites):
    states = all_sites.states
    assert states is not None and states in all_sites.ax.collections
    assert len(states.get_segments()) >= 49                  # every state's outline, islands too
    assert states.get_color()[0][:3] == pytest.approx([0xb4 / 255] * 3)   # light grey
    assert states.get_zorder() < min(c.get_zorder() for c in all_sites.ax.collections if c is not states)
    assert sorted(all_sites.regions) == sorted(SITES.region_id.unique())   # all ten regions coloured
    assert len(all_sites.labels) == len(SITES) == 26


def test_no_two_site_labels_overlap(all_sites):
    renderer = all_sites.fig.canvas.get_renderer()
    boxes = {a.get_text(): Text.get_window_extent(a, renderer) for a in all_sites.labels}   # the text, no leader
    assert len(boxes) == 26
    clashes = [(a, b) for (a, box_a), (b, box_b) in combinations(boxes.items(), 2) if box_a.overlaps(box_b)]
    assert clashes == []
    frame = all_sites.ax.get_window_extent(renderer)
    outside = [n for n, box in boxes.items() if not (frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and
                                                     frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1)]
    assert outside == []


def test_every_shipped_site_lies_in_a_state_its_name_gives():
    import geopandas as gpd

    states = gpd.read_file(SHIPPED_STATE_SHAPES)
    points = gpd.GeoDataFrame(SITES, geometry=gpd.points_from_xy(SITES.lon, SITES.lat), crs=4326)
    joined = gpd.sjoin(points, states[["postal", "geometry"]], predicate="within", how="left")
    assert len(joined) == len(SITES)
    wrong = {r.site_id: (r.postal, STATE.findall(r.name)) for r in joined.itertuples()
             if r.postal not in STATE.findall(r.name)}
    assert wrong == {}
    assert joined.set_index("site_id").loc[["southaven", "amarillo"], "postal"].tolist() == ["MS", "TX"]


def test_run_folder_copy_of_the_states_comes_first_then_the_shipped_file(tmp_path):
    sites = SITES[SITES.site_id.isin(["memphis", "southaven"])]
    own = run_folder(tmp_path / "own", sites, states=True)
    assert (own.folder / "tables" / STATE_SHAPES).is_file() and len(own.state_shapes) == 49
    one = own.state_shapes[own.state_shapes.postal == "TN"]
    (own.folder / "tables" / STATE_SHAPES).write_text(one.to_json())
    assert list(read_run(own.folder).state_shapes.postal) == ["TN"]      # the folder's own copy is used
    shipped = run_folder(tmp_path / "shipped", sites)
    assert len(shipped.state_shapes) == 49                                   # none in the folder: the repository's
    drawn = charts.draw_site_map(shipped)
    assert drawn.states is not None and drawn.regions == ["TVA"]
    x0, x1 = drawn.ax.get_xlim()
    assert x1 - x0 < 20                                                      # a regional view, not the whole country
    plt.close(drawn.fig)


def test_map_without_any_outline_still_draws(tmp_path, monkeypatch):
    monkeypatch.setattr("optimizer.report.run_data.SHIPPED_STATE_SHAPES", tmp_path / "none.geojson")
    run = RunData(tmp_path, {}, "", {"sites": SITES.head(3).assign(selected=False, peak_facility_mw=0.0)})
    drawn = charts.draw_site_map(run)
    assert drawn.states is None and drawn.regions == [] and len(drawn.labels) == 3
    plt.close(drawn.fig)
    chart = charts.site_map(run)
    assert chart.png.startswith(b"\x89PNG") and chart.caption == ""

