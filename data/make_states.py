"""Write ``data/us_states.geojson`` (state outlines for the report's map) and rebuild
``data/regions.geojson`` (region outlines made of those states) from the U.S. Census Bureau's
cartographic boundary files (public domain), as redistributed in TopoJSON by the npm package
``us-atlas`` (``states-10m.json``: 2017 edition, 1:10,000,000, longitude/latitude, not projected).

Run once, by hand, with the repository's virtualenv (only shapely is needed); the output is the
same on every run::

    tmp=$(mktemp -d) && (cd "$tmp" && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz)
    .venv/bin/python data/make_states.py "$tmp/package/states-10m.json"

What it does:

- decodes the TopoJSON (quantized, delta-encoded arcs shared by neighbouring states) to rings;
- simplifies every *arc* once (Douglas-Peucker, ``TOLERANCE`` degrees, topology preserved), so a
  border two states share stays one line and the states neither overlap nor leave gaps; islands
  smaller than ``MIN_ISLAND`` square degrees are dropped; coordinates are rounded to ``DIGITS``;
- keeps the lower 48 states and the District of Columbia (Alaska, Hawaii and the territories are
  far off the map of the shipped sites and are dropped), with properties ``name`` and ``postal``;
- builds each region of ``data/regions.csv`` as the union of the states (or parts of a state, cut
  by the straight lines in ``SPLITS``) in ``REGIONS``: see data/SOURCES.md for what each stands for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import LineString, MultiPolygon, Polygon, box, mapping, shape
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
TOLERANCE = 0.02      # degrees (about 2 km): Douglas-Peucker tolerance per shared arc
MIN_ISLAND = 0.005    # square degrees (about 50 km²): smaller islands are dropped
DIGITS = 4            # decimals kept in the coordinates (about 10 m)

POSTAL = {"01": "AL", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
          "12": "FL", "13": "GA", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
          "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO",
          "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC",
          "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
          "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI",
          "56": "WY"}   # the lower 48 and DC by FIPS code; Alaska (02), Hawaii (15), territories left out

# Regions of data/regions.csv: whole states, plus the parts of split states in SPLITS. Straight
# cut lines (schematic, **A**) stand for service-territory boundaries that follow county lines.
REGIONS = {
    "ERCOT": [],                                        # Texas without the Panhandle (SPLITS)
    "SPP": ["OK", "KS", "NE"],                          # + the Texas Panhandle
    "SOUTHWEST": ["AZ", "NM"],
    "MOUNTAIN-WEST": ["WY", "CO", "UT"],
    "UPPER-MIDWEST": ["WI", "IA", "IL", "MN", "ND", "SD"],
    "PJM": ["OH", "IN", "PA", "WV", "MD", "DE", "NJ", "DC"],
    "PJM-DOM": ["VA"],
    "TVA": ["TN"],                                      # + north Alabama, north-east Mississippi, south-west Kentucky
    "SOUTHEAST": ["GA"],                                # + the rest of Alabama, south-east Mississippi
    "MISO-S": ["LA", "AR"],                             # + the rest of Mississippi
}
# state: [(region, area)] in order; each region takes the part of the state inside its area that no
# earlier entry took; area None takes the rest. Where no None entry is given the rest has no region.
PANHANDLE = box(-103.1, 34.31, -100.0, 36.6)   # the 26 Panhandle counties: north of 34.31°N, west of 100°W
SPLITS = {
    "TX": [("SPP", PANHANDLE), ("ERCOT", None)],
    "MS": [("TVA", box(-91.7, 34.25, -88.0, 35.1) | box(-89.75, 33.0, -88.0, 35.1)),  # TVA's north and north-east
           ("SOUTHEAST", box(-89.75, 30.0, -88.0, 32.0)),                              # Mississippi Power
           ("MISO-S", None)],                                                          # Entergy Mississippi
    "AL": [("TVA", box(-88.6, 34.3, -84.8, 35.1)), ("SOUTHEAST", None)],               # north Alabama; Alabama Power
    "KY": [("TVA", box(-89.6, 36.4, -85.0, 37.15))],   # the Jackson Purchase and the Tennessee border counties
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as lists of (longitude, latitude), delta-decoded and de-quantized."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify_arc(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """One arc simplified (its end points kept, so neighbouring arcs still meet) and rounded."""
    line = LineString(points).simplify(TOLERANCE, preserve_topology=True)
    out = [(round(x, DIGITS), round(y, DIGITS)) for x, y in line.coords]
    return [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A ring from arc indexes (a negative index ~i is arc i reversed), shared end points once,
    without spikes (an arc walked there and back, as the source has at a few tripoints)."""
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        for p in arc if not points else arc[1:]:
            if len(points) >= 2 and points[-2] == p:
                points.pop()          # a -> b -> a: back where it was
            elif not points or points[-1] != p:
                points.append(p)
    return points


def state_geometry(geometry: dict, arcs) -> MultiPolygon | Polygon:
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts = []
    for rings in polygons:
        shell, *holes = (ring(r, arcs) for r in rings)
        if len(shell) < 4:
            continue     # an island that simplification reduced to a line
        polygon = Polygon(shell, [h for h in holes if len(h) >= 4])
        if polygon.area >= MIN_ISLAND:
            parts.append(polygon)
    merged = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not merged.is_valid:
        raise SystemExit(f"state {geometry['properties']['name']}: the simplified outline is not valid; "
                         "lower TOLERANCE")
    return merged


def read_states(path: Path) -> list[dict]:
    """The lower 48 and DC: dicts of name, postal code and simplified geometry, by postal code."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = [simplify_arc(a) for a in decode_arcs(topology)]
    states = []
    for geometry in topology["objects"]["states"]["geometries"]:
        postal = POSTAL.get(geometry["id"])
        if postal is not None:
            states.append({"name": geometry["properties"]["name"], "postal": postal,
                           "geometry": state_geometry(geometry, arcs)})
    missing = set(POSTAL.values()) - {s["postal"] for s in states}
    if missing:
        raise SystemExit(f"states missing from {path}: {sorted(missing)}")
    return sorted(states, key=lambda s: s["postal"])


def polygonal(geometry):
    """Only the polygons of a geometry (a cut along a border can leave slivers of lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    return unary_union([g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")])


def region_parts(states: list[dict]) -> dict[str, list]:
    """Per region, the state polygons (or parts of them) it is made of."""
    by_postal = {s["postal"]: s["geometry"] for s in states}
    parts: dict[str, list] = {region: [by_postal[p] for p in postals] for region, postals in REGIONS.items()}
    for postal, entries in SPLITS.items():
        rest = by_postal[postal]
        for region, area in entries:
            piece = rest if area is None else polygonal(rest.intersection(area))
            rest = polygonal(rest.difference(piece)) if area is not None else Polygon()
            if not piece.is_empty:
                parts[region].append(piece)
    used = [p for postals in REGIONS.values() for p in postals]
    assert len(used) == len(set(used)) and not set(used) & set(SPLITS), "a state is in two regions"
    return parts


def build_regions(states: list[dict]) -> list[dict]:
    regions = []
    for region, parts in region_parts(states).items():
        outline = unary_union(parts)   # not rounded again: a cut's end stays on the border it meets
        if not outline.is_valid or outline.is_empty:
            raise SystemExit(f"region {region}: the outline is not valid")
        regions.append({"region_id": region, "geometry": outline})
    for i, a in enumerate(regions):     # regions touch along borders but never overlap
        for b in regions[i + 1:]:
            overlap = a["geometry"].intersection(b["geometry"]).area
            if overlap > 1e-9:
                raise SystemExit(f"regions {a['region_id']} and {b['region_id']} overlap ({overlap:.2g} sq deg)")
    return regions


def rounded(geometry) -> dict:
    """GeoJSON geometry with coordinates rounded to DIGITS (shorter text, same points)."""
    def fix(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, DIGITS) for v in value]
            return [fix(v) for v in value]
        return value
    data = mapping(geometry)
    return {"type": data["type"], "coordinates": fix(data["coordinates"])}


def write_collection(path: Path, name: str, features: list[dict], extra: dict | None = None) -> None:
    collection = {"type": "FeatureCollection", "name": name, **(extra or {}), "features": features}
    lines = [json.dumps(f, separators=(",", ":")) for f in features]     # one feature a line
    head = json.dumps({k: v for k, v in collection.items() if k != "features"}, separators=(",", ":"))[:-1]
    path.write_text(head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    assert shape(json.loads(path.read_text())["features"][0]["geometry"]).is_valid


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    source = Path(argv[0])
    package = source.parent / "package.json"
    version = json.loads(package.read_text())["version"] if package.exists() else "unknown"
    states = read_states(source)
    write_collection(HERE / "us_states.geojson", "us_states", [
        {"type": "Feature", "properties": {"name": s["name"], "postal": s["postal"]},
         "geometry": rounded(s["geometry"])} for s in states], {"source": f"U.S. Census Bureau cartographic boundary files (2017, 1:10,000,000), public "
                                     f"domain, via us-atlas {version} states-10m.json, simplified by "
                                     f"data/make_states.py (tolerance {TOLERANCE} degrees)"})
    regions = build_regions(states)
    write_collection(HERE / "regions.geojson", "regions", [
        {"type": "Feature", "properties": {"region_id": r["region_id"]}, "geometry": mapping(r["geometry"])}
        for r in regions])
    for name in ("us_states.geojson", "regions.geojson"):
        print(f"wrote data/{name}: {(HERE / name).stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])
