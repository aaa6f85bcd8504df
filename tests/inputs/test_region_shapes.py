"""Region polygons: a blank site region is found by a spatial join; bad shapes are clear errors."""

from __future__ import annotations

import json

import pytest

from helpers import REGION, SITE, row, write_case
from optimizer.errors import InputError
from optimizer.inputs.load import load_all


def square(region: str, lon: float, lat: float, half: float = 1.0) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return {"type": "Feature", "properties": {"region_id": region}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def case(tmp_path, features, sites, regions=(REGION, row(REGION, region_id="R2"))):
    path = write_case(tmp_path, {"data": {"region_shapes": "shapes.geojson"}}, sites=sites, regions=regions)
    (tmp_path / "shapes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_blank_region_is_taken_from_the_polygon_holding_the_site(tmp_path):
    sites = [row(SITE, site_id="A", region_id="", lon=-90.0, lat=35.0),
             row(SITE, site_id="B", region_id="", lon=-100.0, lat=32.0),
             row(SITE, site_id="C", region_id="R1", lon=-100.0, lat=32.0)]   # a given region is kept
    path = case(tmp_path, [square("R1", -90, 35), square("R2", -100, 32)], sites)
    _, inputs = load_all(path)
    assert inputs.sites["region_id"].to_dict() == {"A": "R1", "B": "R2", "C": "R1"}
    assert sorted(inputs.region_shapes.region_id) == ["R1", "R2"]


def test_site_outside_every_polygon_names_its_row(tmp_path):
    sites = [row(SITE, site_id="A", region_id="", lon=-80.0, lat=45.0)]
    path = case(tmp_path, [square("R1", -90, 35)], sites)
    with pytest.raises(InputError) as err:
        load_all(path)
    [problem] = err.value.problems
    assert problem.file.endswith("sites.csv") and problem.line == 2
    assert "site 'A' lies in no region shape" in problem.message


def test_blank_region_without_shapes_says_how_to_fix(tmp_path):
    path = write_case(tmp_path, {}, sites=[row(SITE, region_id="")])
    with pytest.raises(InputError) as err:
        load_all(path)
    assert any("has no region_id" in p.message and "region_shapes" in p.hint for p in err.value.problems)


def test_unknown_region_and_non_polygon_shapes_are_reported(tmp_path):
    point = {"type": "Feature", "properties": {"region_id": "R1"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
    path = case(tmp_path, [square("R9", -90, 35), point], [SITE])
    with pytest.raises(InputError) as err:
        load_all(path)
    messages = [p.message for p in err.value.problems]
    assert "unknown region 'R9'" in messages
    assert "a region shape must be a polygon, not Point" in messages


def test_missing_shapes_file_points_at_the_config_line(tmp_path):
    path = write_case(tmp_path, {"data": {"region_shapes": "nowhere.geojson"}})
    with pytest.raises(InputError) as err:
        load_all(path)
    [problem] = err.value.problems
    assert problem.key == "data.region_shapes" and problem.line is not None
    assert "data file not found" in problem.message


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_sites_as_geojson_or_geopackage_read_like_the_csv(tmp_path, suffix):
    import geopandas as gpd
    import pandas as pd

    path = write_case(tmp_path, {}, sites=[row(SITE, site_id="A", lon=-90.5, lat=35.25),
                                           row(SITE, site_id="B", lon=-97.0, lat=31.0)])
    _, from_csv = load_all(path)
    table = pd.read_csv(tmp_path / "sites.csv").drop(columns=["lat", "lon"])
    points = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy([-90.5, -97.0], [35.25, 31.0]), crs=4326)
    points.to_file(tmp_path / f"sites{suffix}")
    config = path.read_text().replace("sites: sites.csv", f"sites: sites{suffix}")
    (tmp_path / "geo.yaml").write_text(config)
    _, from_geo = load_all(tmp_path / "geo.yaml")
    assert from_geo.sites[["lat", "lon"]].to_dict() == from_csv.sites[["lat", "lon"]].to_dict()
    assert from_geo.sites["region_id"].tolist() == ["R1", "R1"]
