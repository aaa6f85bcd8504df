"""Region outlines (optional): polygons per region, read with geopandas from GeoJSON, GeoPackage
or a shapefile. They let a site leave ``region_id`` blank (the region whose polygon holds the
site's point is taken, a spatial join) and draw region outlines on the report's map."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from optimizer.errors import Problem, did_you_mean, display_path

POLYGONS = {"Polygon", "MultiPolygon"}


def read_region_shapes(path: Path, regions: pd.Index | None):
    """A GeoDataFrame (region_id, geometry) in longitude/latitude, or None, and the problems found."""
    import geopandas as gpd

    shown = display_path(path)
    if not path.exists():
        return None, [Problem(shown, None, "data.region_shapes", "data file not found",
                              "check the path under 'data:'; it is relative to the config file")]
    if not path.is_file():   # a folder, a device such as /dev/zero or a pipe: never read
        return None, [Problem(shown, None, "data.region_shapes", "is not a regular file",
                              "point data.region_shapes at a GeoJSON or GeoPackage file")]
    try:
        shapes = gpd.read_file(path)
    except Exception as exc:  # any parser failure is a user-file problem
        return None, [Problem(shown, None, "", f"cannot read the region shapes: {exc}",
                              "save them as GeoJSON or GeoPackage with a region_id property")]
    if "region_id" not in shapes.columns:
        return None, [Problem(shown, None, "region_id", "the shapes have no region_id property",
                              "give every polygon a region_id naming a row of the regions table")]
    problems = []
    lines = feature_lines(path, [str(r) for r in shapes["region_id"]])
    for i, (rid, geometry) in enumerate(zip(shapes["region_id"], shapes.geometry)):
        where, line = f"feature {i + 1} ({rid})", lines[i]
        if geometry is None or geometry.geom_type not in POLYGONS:
            kind = "no geometry" if geometry is None else geometry.geom_type
            problems.append(Problem(shown, line, where, f"a region shape must be a polygon, not {kind}",
                                    "draw the region as a Polygon or MultiPolygon"))
        elif not geometry.is_valid:
            problems.append(Problem(shown, line, where, "the polygon is not valid (it crosses itself)",
                                    "fix the outline, e.g. with shapely's make_valid"))
        if regions is not None and len(regions) and str(rid) not in regions:
            problems.append(Problem(shown, line, where, f"unknown region '{rid}'", did_you_mean(str(rid), regions)))
    if shapes.crs is not None and shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    shapes = shapes[["region_id", "geometry"]].assign(region_id=lambda f: f["region_id"].astype(str))
    return (None if problems else shapes), problems


def feature_lines(path: Path, region_ids: list[str]) -> list[int | None]:
    """For each feature, the line of a GeoJSON file where its region_id is written (features in
    order; None where it cannot be found, or for a GeoPackage)."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return [None] * len(region_ids)
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return [None] * len(region_ids)
    out, start = [], 0
    for rid in region_ids:
        pattern = re.compile(r'"region_id"\s*:\s*"?' + re.escape(rid) + r'"?')
        found = next((i for i in range(start, len(text)) if pattern.search(text[i])), None)
        out.append(None if found is None else found + 1)
        start = found if found is not None else start
    return out


def assign_regions(sites: pd.DataFrame, shapes, sites_file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Fill blank ``region_id`` cells from the polygon that holds each site's point."""
    import geopandas as gpd

    blank = sites["region_id"] == ""
    if not blank.any():
        return sites, []
    lines = {sid: i + 2 for i, sid in enumerate(sites.index)}
    if shapes is None:
        return sites, [Problem(sites_file, lines[sid], f"row {lines[sid]}, column region_id",
                               f"site '{sid}' has no region_id",
                               "give its region, or point data.region_shapes at region polygons")
                       for sid in sites.index[blank]]
    points = gpd.GeoDataFrame({"site": list(sites.index[blank])},
                              geometry=gpd.points_from_xy(sites.loc[blank, "lon"], sites.loc[blank, "lat"]), crs=4326)
    joined = gpd.sjoin(points, shapes, predicate="within", how="left")
    problems, out = [], sites.copy()
    for sid, group in joined.groupby("site", sort=False):
        found = sorted(set(group["region_id"].dropna()))
        line = lines[sid]
        if len(found) == 1:
            out.loc[sid, "region_id"] = found[0]
            continue
        why = "lies in no region shape" if not found else f"lies in several region shapes ({', '.join(found)})"
        problems.append(Problem(sites_file, line, f"row {line}, column region_id", f"site '{sid}' {why}",
                                "give its region_id, or fix the region polygons"))
    return out, problems
