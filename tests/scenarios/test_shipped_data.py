"""Sanity review of the shipped data: figures inside the published ranges, every id traced to
data/SOURCES.md, the real campuses present, and every table readable by the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SOURCES = (DATA / "SOURCES.md").read_text()

SITES = pd.read_csv(DATA / "sites.csv")
REGIONS = pd.read_csv(DATA / "regions.csv")
TECHS = pd.read_csv(DATA / "techs.csv").set_index("tech_id")
GPUS = pd.read_csv(DATA / "gpus.csv").set_index("gpu_id")
H100_BF16_TFLOPS = 989

# Overnight capital cost, $/kW: the span of the public figures in SOURCES.md (EIA AEO2026 national
# and regional values, market quotes). Techs without a public figure carry an assumption instead.
CAPEX_RANGES = {
    "gas_aero": (2058, 2400),      # EIA ERCOT 2,058 / national 2,275
    "gas_frame": (1033, 1200),     # EIA ERCOT 1,033 / national 1,158
    "ccgt": (980, 4000),           # EIA ERCOT 980 ... NextEra 2,400 (2025) ... Rystad ceiling 4,000
    "fuel_cell": (7818, 8287),     # EIA, without and with the optimism factor
    "solar_pv": (1342, 1484),      # EIA ERCOT / national
    "wind": (1562, 1712),          # EIA ERCOT / national
    "battery_4h": (1252, 1521),    # Megapack equipment $313/kWh x 4 h ... EIA 1,521
    "smr": (8937, 20000),          # EIA SMR ... NuScale UAMPS ~$20k/kW
}
ASSUMED = {"gas_recip", "gas_mobile", "nuclear_ppa"}
REAL_CAMPUSES = {"memphis", "southaven", "abilene", "richland", "new_albany", "mount_pleasant", "new_carlisle",
                 "cheyenne", "ellendale"}


def test_enough_sites_and_regions_including_the_real_campuses():
    assert len(SITES) >= 25 and len(REGIONS) >= 8
    assert REAL_CAMPUSES <= set(SITES["site_id"])
    assert set(SITES["region_id"]) <= set(REGIONS["region_id"])
    assert {"ERCOT", "TVA", "MISO-S", "PJM", "SPP", "SOUTHWEST", "UPPER-MIDWEST", "MOUNTAIN-WEST"} <= \
        set(REGIONS["region_id"])


@pytest.mark.parametrize("gpu", list(GPUS.index))
def test_facility_kw_per_gpu_is_within_the_public_range(gpu):
    """About 1.3 to 2.5 kW per GPU die at the facility, all-in (server, cluster network and
    storage) at the shipped PUEs (1.15–1.2): about 1.5 kW per H100 at Colossus 1, 1.8 kW per
    GB200 (150 MW for 83k), NVL72 nameplate 1.83 kW IT per GPU plus about 10% of fabric and
    storage; Rubin Ultra's four dies share 4.2 kW (roadmap figures)."""
    p = GPUS.loc[gpu]
    it_kw_per_die = (p.it_kw_per_unit / p.gpus_per_unit + p.cluster_it_kw_per_gpu) / p.dies_per_gpu
    for pue in (SITES["pue"].min(), SITES["pue"].max()):
        assert 1.3 <= it_kw_per_die * pue <= 2.5, f"{gpu}: {it_kw_per_die * pue:.2f} kW per die at PUE {pue}"


@pytest.mark.parametrize("gpu", list(GPUS.index))
def test_h100e_is_dense_bf16_over_the_h100s(gpu):
    p = GPUS.loc[gpu]
    assert p.h100e_per_gpu == pytest.approx(p.bf16_dense_tflops_per_gpu / H100_BF16_TFLOPS, rel=0.01)


def test_gpu_price_per_h100e_falls_with_newer_generations():
    per_h100e = GPUS.price_usd_per_unit / GPUS.gpus_per_unit / GPUS.h100e_per_gpu
    assert per_h100e["H100"] > per_h100e["B200"] > per_h100e["RUBIN"]
    assert per_h100e.between(8_000, 45_000).all()


@pytest.mark.parametrize("tech", sorted(CAPEX_RANGES))
def test_capex_per_kw_is_in_the_published_range(tech):
    low, high = CAPEX_RANGES[tech]
    assert low <= TECHS.at[tech, "capex_usd_per_kw"] <= high


def test_every_tech_is_either_ranged_or_an_assumption_in_sources():
    assert set(TECHS.index) == set(CAPEX_RANGES) | ASSUMED
    for tech in ASSUMED:
        line = next(line for line in SOURCES.splitlines() if line.startswith(f"| {tech} "))
        assert "**A**" in line, f"{tech} must be marked as an assumption in data/SOURCES.md"


def test_nuclear_ppa_price_between_the_public_deals():
    """Take-or-pay FOM / (availability × 8.76 MWh per kW-year) lands between Clinton (~$80) and Crane ($115)."""
    ppa = TECHS.loc["nuclear_ppa"]
    assert 80 <= ppa.fom_usd_per_kw_year / (ppa.availability * 8.76) <= 115


def test_gas_heat_rates_and_emissions():
    gas = TECHS[TECHS.fuel == "gas"]
    assert gas.heat_rate_btu_per_kwh.between(6000, 12000).all()
    assert (gas.co2_kg_per_mmbtu == 53.06).all()       # EPA factor for natural gas


def test_every_id_is_named_in_sources():
    for ids in (SITES["site_id"], REGIONS["region_id"], TECHS.index, GPUS.index):
        missing = [i for i in ids if f"{i}" not in SOURCES]
        assert not missing, f"data/SOURCES.md does not mention {missing}"


def lcoe_usd_per_mwh(tech: str, capacity_factor: float, rate: float = 0.07, years: int = 30) -> float:
    t = TECHS.loc[tech]
    crf = rate / (1 - (1 + rate) ** -years)
    fixed = (t.capex_usd_per_kw * crf + t.fom_usd_per_kw_year) / (8.76 * capacity_factor)
    fuel = t.heat_rate_btu_per_kwh / 1e3 * t.fuel_price_usd_per_mmbtu
    return fixed + fuel + t.vom_usd_per_mwh


@pytest.mark.parametrize("tech, cf, low, high, expected", [
    ("solar_pv", 0.25, 38, 78, 65.4), ("wind", 0.40, 37, 86, 49.3), ("ccgt", 0.85, 48, 107, 51.4)])
def test_levelised_costs_inside_lazard_ranges(tech, cf, low, high, expected):
    value = lcoe_usd_per_mwh(tech, cf)
    assert low <= value <= high
    assert value == pytest.approx(expected, abs=0.1)    # the figure quoted in data/SOURCES.md


def test_every_site_lies_in_its_regions_outline():
    import geopandas as gpd

    shapes = gpd.read_file(DATA / "regions.geojson")
    assert set(shapes.region_id) == set(REGIONS.region_id) and shapes.is_valid.all()
    points = gpd.GeoDataFrame(SITES, geometry=gpd.points_from_xy(SITES.lon, SITES.lat), crs=4326)
    joined = gpd.sjoin(points, shapes, predicate="within", how="left")
    assert len(joined) == len(SITES)
    assert (joined.region_id_left == joined.region_id_right).all()


def test_region_outlines_do_not_overlap():
    """Regions touch along state lines and cut lines but share no area: a point in two regions would
    be an error when a blank region_id is filled (optimizer/inputs/shapes.py assign_regions)."""
    import geopandas as gpd

    shapes = gpd.read_file(DATA / "regions.geojson")
    for i, a in shapes.iterrows():
        for b in shapes.loc[i + 1:].itertuples():
            assert a.geometry.intersection(b.geometry).area < 1e-9, (a.region_id, b.region_id)


def test_state_outlines_are_the_lower_48_and_dc_small_and_cited():
    import geopandas as gpd

    path = DATA / "us_states.geojson"
    states = gpd.read_file(path)
    assert len(states) == 49 and states.postal.is_unique and {"TX", "DC", "WY"} <= set(states.postal)
    assert not {"AK", "HI", "PR"} & set(states.postal) and states.is_valid.all()
    assert path.stat().st_size < 400_000
    minx, miny, maxx, maxy = states.total_bounds
    assert -125.5 < minx < -124 and 24 < miny < 25 and -67.5 < maxx < -66.5 and 49 < maxy < 49.5
    assert "us_states.geojson" in SOURCES and "make_states.py" in SOURCES
    # the regions are made of these states: every region lies within the lower 48
    regions = gpd.read_file(DATA / "regions.geojson")
    country = states.union_all()
    assert max(shape.difference(country).area for shape in regions.geometry) < 1e-6   # square degrees
