"""The columns of every data table: name, type, unit, default and meaning, in one place.

A column without a default is required. ``minimum``/``maximum`` bound numeric cells: every
numeric column has both, the maxima far above any real value (MW at most 1e7, USD at most 1e15,
years of life at most 200, ...) so that a typo such as ``1e308`` is caught here.

Numbers in cells must be finite: ``inf``, ``-inf``, ``nan`` and numbers too large for a float
(``1e400``) are refused. Where "no limit" makes sense the column says so, and an empty cell
means it (``blank_means`` / ``default`` = :data:`INF`); an explicit ``inf`` is refused even
there, so that every table spells "no limit" the same way.

``docs/data.md`` is written from these declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

INF = float("inf")
MAX_MW = 1e7          # 10 TW: more than the world's installed generating capacity
MAX_USD = 1e15        # a quadrillion US dollars
MAX_USD_PER_KW = 1e6  # a thousand times the dearest plant
MAX_USD_PER_MWH = 1e5
MAX_YEARS = 100       # lead times and queues
MAX_LIFE_YEARS = 200
LAST_YEAR = 9999      # calendar years
MAX_CO2_KG_PER_MWH = 3000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str", "float", "int", "bool"
    description: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    blank_means: Any = None  # value of an empty cell when the column is required

    @property
    def required(self) -> bool:
        return self.default is None


def col(name, kind, description, default=None, minimum=None, maximum=None, blank_means=None) -> Column:
    return Column(name, kind, description, default, minimum, maximum, blank_means)


REGIONS = [
    col("region_id", "str", "short id used by sites and configs (e.g. ERCOT)"),
    col("name", "str", "display name", default=""),
    col("grid_price_usd_per_mwh", "float", "all-in industrial energy price", minimum=0, maximum=MAX_USD_PER_MWH),
    col("grid_co2_kg_per_mwh", "float", "average emission rate of grid energy", minimum=0,
        maximum=MAX_CO2_KG_PER_MWH),
    col("grid_clean_share", "float", "share of grid energy from clean sources", default=0.0, minimum=0, maximum=1),
    col("grid_firm_fraction", "float", "share of contracted grid MW counted as firm", default=1.0, minimum=0, maximum=1),
    col("headroom_mw", "float", "new large-load headroom in the first year (blank: unlimited)",
        minimum=0, maximum=MAX_MW, blank_means=INF),
    col("headroom_growth_mw_per_year", "float", "added headroom each later year", default=0.0, minimum=0,
        maximum=MAX_MW),
    col("queue_years", "float", "typical years from request to energisation (informative)", default=0.0,
        minimum=0, maximum=MAX_YEARS),
    col("demand_charge_usd_per_kw_month", "float", "demand (capacity) charge on contracted grid MW, every month",
        default=0.0, minimum=0, maximum=1e4),
    col("take_or_pay_share", "float", "share of contracted MW × hours billed as energy whether taken or not",
        default=0.0, minimum=0, maximum=1),
    col("contract_min_years", "int", "years a rise of contracted grid MW must be held (0: contracts may fall at once)",
        default=0, minimum=0, maximum=MAX_YEARS),
    col("gas_basis_usd_per_mmbtu", "float", "regional gas price minus the hub price (Henry Hub); may be negative",
        default=0.0, minimum=-100, maximum=1e4),
    col("gas_delivery_usd_per_mmbtu", "float", "delivery to an on-site plant (local distribution, lateral), added to "
        "every gas-burning tech's fuel price", default=0.0, minimum=0, maximum=1e4),
    col("exit_fee_usd_per_kw", "float", "fee to end contracted MW inside its minimum term (blank: contracts "
        "cannot be ended inside their term)", default=INF, minimum=0, maximum=MAX_USD_PER_KW),
    col("line_usd_per_mw_km", "float", "cost of the line from a campus to the grid, per MW of upgrade and km "
        "(times the site's line_distance_km)", default=0.0, minimum=0, maximum=MAX_USD_PER_KW),
]

SITES = [
    col("site_id", "str", "short id used in configs"),
    col("name", "str", "display name", default=""),
    col("region_id", "str", "grid region the site belongs to (blank: found from data.region_shapes)",
        blank_means=""),
    col("lat", "float", "latitude, degrees north", minimum=-90, maximum=90),
    col("lon", "float", "longitude, degrees east", minimum=-180, maximum=180),
    col("max_it_mw", "float", "largest IT load the campus can hold", minimum=0, maximum=MAX_MW),
    col("lead_time_years", "int", "years from the build decision until the campus can open", default=1,
        minimum=0, maximum=MAX_YEARS),
    col("lead_time_months", "float", "months from the build decision until the campus can open; overrides "
        "lead_time_years (blank: lead_time_years × 12)", default=INF, minimum=0, maximum=MAX_YEARS * 12),
    col("site_capex_usd", "float", "fixed cost of the campus: land, substation, roads", default=0.0,
        minimum=0, maximum=MAX_USD),
    col("shell_capex_usd_per_kw", "float", "data hall shell, cooling and electrical per kW of IT", minimum=0,
        maximum=MAX_USD_PER_KW),
    col("lifetime_years", "int", "economic life of campus and halls", default=30, minimum=1,
        maximum=MAX_LIFE_YEARS),
    col("pue", "float", "facility load / IT load", default=1.2, minimum=1, maximum=3),
    col("grid_existing_mw", "float", "interconnection already in place", default=0.0, minimum=0, maximum=MAX_MW),
    col("grid_upgrade_max_mw", "float", "largest interconnection upgrade possible", default=0.0, minimum=0,
        maximum=MAX_MW),
    col("grid_upgrade_usd_per_kw", "float", "cost of interconnection upgrades", default=0.0, minimum=0,
        maximum=MAX_USD_PER_KW),
    col("grid_queue_year", "int", "first year an upgrade can be energised", default=0, minimum=0,
        maximum=LAST_YEAR),
    col("line_distance_km", "float", "distance to the substation or transmission line an upgrade connects to",
        default=0.0, minimum=0, maximum=1e4),
    col("substation_usd", "float", "fixed cost of the campus's new substation, paid with its first upgrade",
        default=0.0, minimum=0, maximum=MAX_USD),
    col("fixed_load_mw", "float", "facility load that is not GPUs (existing halls, offices), flat, in every year "
        "the campus is open", default=0.0, minimum=0, maximum=MAX_MW),
    col("gas_permit_mw", "float", "on-site gas-fired MW that may be permitted", default=0.0, minimum=0,
        maximum=MAX_MW),
    col("solar_land_mw", "float", "solar PV MW the land allows", default=0.0, minimum=0, maximum=MAX_MW),
    col("wind_land_mw", "float", "wind MW the land allows", default=0.0, minimum=0, maximum=MAX_MW),
    col("water_mgd", "float", "water available for cooling, million US gallons per day (blank: no limit)",
        default=INF, minimum=0, maximum=1e5),
    col("profile_zone", "str", "zone id in the profile table (default: the site id)", default=""),
]

TECH_KINDS = ("thermal", "solar", "wind", "storage", "ppa")

TECHS = [
    col("tech_id", "str", "short id used in configs"),
    col("name", "str", "display name", default=""),
    col("kind", "str", "thermal, solar, wind, storage or ppa"),
    col("fuel", "str", "gas, uranium or none", default="none"),
    col("capex_usd_per_kw", "float", "overnight capital cost per kW", minimum=0, maximum=MAX_USD_PER_KW),
    col("fom_usd_per_kw_year", "float", "fixed O&M per kW-year", minimum=0, maximum=MAX_USD_PER_KW),
    col("vom_usd_per_mwh", "float", "variable O&M (for ppa: the energy price)", minimum=0,
        maximum=MAX_USD_PER_MWH),
    col("heat_rate_btu_per_kwh", "float", "fuel use per kWh generated (0 if none)", default=0.0, minimum=0,
        maximum=1e5),
    col("fuel_price_usd_per_mmbtu", "float", "delivered fuel price", default=0.0, minimum=0, maximum=1e4),
    col("co2_kg_per_mmbtu", "float", "CO2 per MMBtu of fuel burned", default=0.0, minimum=0, maximum=1000),
    col("lead_time_years", "int", "years from order to first power", minimum=0, maximum=MAX_YEARS),
    col("lead_time_months", "float", "months from order to first power (rented techs: mobilisation, e.g. 0.75 "
        "for three weeks); overrides lead_time_years (blank: lead_time_years × 12)", default=INF, minimum=0,
        maximum=MAX_YEARS * 12),
    col("lifetime_years", "int", "economic life", minimum=1, maximum=MAX_LIFE_YEARS),
    col("unit_mw", "float", "size of one unit; 0 means any MW", default=0.0, minimum=0, maximum=MAX_MW),
    col("availability", "float", "share of capacity available for dispatch", default=1.0, minimum=0, maximum=1),
    col("firm_credit", "float", "share of capacity counted as firm for reliability", minimum=0, maximum=1),
    col("storage_hours", "float", "hours at full power (storage only)", default=0.0, minimum=0, maximum=1e4),
    col("round_trip_efficiency", "float", "storage round-trip efficiency", default=1.0, minimum=0.01, maximum=1),
    col("clean", "bool", "counts toward the clean-energy share", default=False),
    col("first_year", "int", "first year the tech can come online", default=0, minimum=0,
        maximum=LAST_YEAR),
    col("max_mw_per_site", "float", "largest MW at one site (blank: no limit)", default=INF, minimum=0,
        maximum=MAX_MW),
    col("supply_mw_per_year", "float", "MW this buyer can get online per year, all sites together: the "
        "equipment supply chain (blank: no limit)", default=INF, minimum=0, maximum=MAX_MW),
    col("fleet_mw", "float", "MW of the tech in service at once over all sites: a rental fleet (blank: no limit)",
        default=INF, minimum=0, maximum=MAX_MW),
    col("rented", "bool", "bridge power, rented per period and returned when no longer needed: no lifetime, "
        "capex_usd_per_kw is the mobilisation fee paid on each MW added, the rent is rental_usd_per_kw_month",
        default=False),
    col("rental_usd_per_kw_month", "float", "rent of a rented tech per kW and month in service", default=0.0,
        minimum=0, maximum=MAX_USD_PER_KW),
]

GPUS = [
    col("gpu_id", "str", "short id used in configs"),
    col("name", "str", "display name", default=""),
    col("unit_name", "str", "what is bought: server or rack", default="server"),
    col("gpus_per_unit", "int", "GPUs in one unit", minimum=1, maximum=1e6),
    col("it_kw_per_unit", "float", "IT power of one unit at full load", minimum=0, maximum=1e6),
    col("bf16_dense_tflops_per_gpu", "float", "dense BF16 TFLOPS of one GPU (informative)",
        default=float("nan"), minimum=0, maximum=1e7),
    col("h100e_per_gpu", "float", "dense BF16 throughput relative to an H100 SXM", minimum=0, maximum=1e4),
    col("price_usd_per_unit", "float", "purchase price of one unit, installed", minimum=0, maximum=1e12),
    col("first_year", "int", "first year the product can be deployed", minimum=0, maximum=LAST_YEAR),
    col("last_year", "int", "last year the product can be bought (blank: no end)", default=LAST_YEAR,
        minimum=0, maximum=LAST_YEAR),
    col("lifetime_years", "int", "years a unit stays in service", minimum=1, maximum=MAX_LIFE_YEARS),
    col("supply_gpus_per_year", "float", "GPUs obtainable per year (blank: unlimited)", minimum=0,
        maximum=1e12, blank_means=INF),
    col("cluster_usd_per_gpu", "float", "the cluster around each GPU, bought with it: scale-out network, storage, "
        "installation", default=0.0, minimum=0, maximum=1e9),
    col("cluster_it_kw_per_gpu", "float", "IT power of that cluster share per GPU: switches, optics, storage",
        default=0.0, minimum=0, maximum=1e4),
    col("dies_per_gpu", "int", "compute dies in one GPU package (GPUs are counted as packages, as vendors and "
        "buyers count them)", default=1, minimum=1, maximum=64),
]

PROFILES = [
    col("zone", "str", "resource zone (a site's profile_zone)"),
    col("day", "str", "representative day id"),
    col("hour", "int", "hour of the day, 0 to 23", minimum=0, maximum=23),
    col("weight_days", "float", "days of the year this day stands for", minimum=0, maximum=366),
    col("solar_cf", "float", "solar PV output per MW installed", default=0.0, minimum=0, maximum=1),
    col("wind_cf", "float", "wind output per MW installed", default=0.0, minimum=0, maximum=1),
]

PROFILES_HOURLY = [
    col("timestamp", "str", "start of the hour with a UTC offset, e.g. 2023-01-01T00:00:00Z"),
    col("zone", "str", "resource zone (a site's profile_zone)"),
    col("solar_cf", "float", "solar PV output per MW installed", default=0.0, minimum=0, maximum=1),
    col("wind_cf", "float", "wind output per MW installed", default=0.0, minimum=0, maximum=1),
    col("temperature_c", "float", "ambient dry-bulb temperature, °C (drives PUE when asked)",
        default=float("nan"), minimum=-80, maximum=70),
]

GRID_HOURLY = [
    col("timestamp", "str", "start of the hour with a UTC offset, e.g. 2023-01-01T00:00:00Z"),
    col("region_id", "str", "grid region"),
    col("price_usd_per_mwh", "float", "price of grid energy in that hour (may be negative)",
        minimum=-MAX_USD_PER_MWH, maximum=MAX_USD_PER_MWH),
    col("co2_kg_per_mwh", "float", "emission rate of grid energy in that hour", minimum=0,
        maximum=MAX_CO2_KG_PER_MWH),
]

PRICES = [
    col("year", "int", "the year from which the row's prices hold (until the next year given)", minimum=1900,
        maximum=LAST_YEAR),
    col("region_id", "str", "region the row is for (blank: every region without a row of its own)", default=""),
    col("gas_hub_usd_per_mmbtu", "float", "gas hub price (Henry Hub) that year, replacing the techs table's "
        "fuel_price_usd_per_mmbtu of gas techs (blank: keep it)", default=float("nan"), minimum=-100, maximum=1e4),
    col("grid_price_adder_usd_per_mwh", "float", "added to the region's grid energy price that year (capacity "
        "prices, tariff changes); may be negative (blank: not given, 0 unless an earlier row says)",
        default=float("nan"), minimum=-MAX_USD_PER_MWH, maximum=MAX_USD_PER_MWH),
    col("grid_co2_factor", "float", "grid carbon intensity that year relative to the regions table's (blank: not "
        "given, 1 unless an earlier row says)", default=float("nan"), minimum=0, maximum=10),
]

TABLES = {"regions": REGIONS, "sites": SITES, "techs": TECHS, "gpus": GPUS, "profiles": PROFILES,
          "profiles_hourly": PROFILES_HOURLY, "grid_profiles": GRID_HOURLY, "prices": PRICES}
ID_COLUMNS = {"regions": "region_id", "sites": "site_id", "techs": "tech_id", "gpus": "gpu_id"}

TITLES = {"regions": "regions.csv: grid regions", "sites": "sites.csv (or GeoJSON / GeoPackage points): candidate sites",
          "techs": "techs.csv: power technologies", "gpus": "gpus.csv: GPU catalog",
          "profiles": "profiles (representative days): zone, day, hour",
          "profiles_hourly": "profiles (hourly): one row per zone and hour",
          "grid_profiles": "grid_profiles (hourly): price and carbon per region and hour",
          "prices": "prices (optional): price paths by year and region"}


def data_reference() -> str:
    """docs/data.md: every column of every table, from the declarations above."""
    lines = ["# Data tables", "",
             "Written by `python -m optimizer.inputs.columns` from `optimizer/inputs/columns.py`; a test checks",
             "that it is current. A column with a default may be left out; an empty cell takes the default.",
             "Numbers must be finite: `inf`, `nan` and `1e400` are refused; where a column allows \"no limit\",",
             "an empty cell says so. Each number must lie in its range; the upper ends lie far above any real",
             "value and catch typos such as `1e308`.",
             "The shipped tables and the source of every figure: `data/` and `data/SOURCES.md`.", ""]
    for table, columns in TABLES.items():
        lines += [f"## {TITLES[table]}", "", "| column | type | meaning | default | range |", "|---|---|---|---|---|"]
        for c in columns:
            default = "required" if c.required else ("blank" if c.default == "" else _shown(c.default))
            if c.required and c.blank_means is not None:
                default = "required (cells may be empty)" if c.blank_means == "" else \
                    f"required; empty: {_shown(c.blank_means)}"
            bounds = " … ".join(_shown(v) if v is not None else "" for v in (c.minimum, c.maximum)).strip(" …") \
                if c.minimum is not None or c.maximum is not None else ""
            if c.minimum is not None and c.maximum is None:
                bounds = f"≥ {_shown(c.minimum)}"
            lines.append(f"| `{c.name}` | {c.kind} | {c.description} | {default} | {bounds} |")
        lines.append("")
    lines += ["Region outlines (`data.region_shapes`, optional): GeoJSON, GeoPackage or shapefile polygons with a",
              "`region_id` property naming a row of the regions table.", ""]
    lines += EDITING
    return "\n".join(lines)


EDITING = [   # docs/data.md's last section (optimizer/inputs/edits.py reads the edits)
    "## Editing data cells", "",
    "A config can change cells of the sites, regions, techs, gpus and prices tables without copying",
    "the files: `data_edits:` lists edits, applied in order right after each table is read (so every",
    "check sees the edited values), and `--set data.TABLE.ROW.COLUMN=value` adds one after them.", "",
    "```yaml",
    "data_edits:",
    "  - techs.gas_recip.lead_time_months=24            # set one cell",
    "  - \"regions.*.grid_price_usd_per_mwh*=1.2\"        # multiply a column in every row",
    "  - prices.2027.gas_hub_usd_per_mmbtu=4.5          # prices: every row of that year",
    "```", "",
    "- `TABLE.ROW.COLUMN=value` sets a cell; `TABLE.ROW.COLUMN*=factor` (a `*` right before `=`)",
    "  multiplies it by a finite number. Cells that are blank for \"no limit\" or \"not given\" stay",
    "  blank; an int column's product must be a whole number.",
    "- `ROW` is the row's id (`region_id`, `site_id`, `tech_id`, `gpu_id`) or `*` for every row; the",
    "  prices table has no id column: `ROW` is a year (every row of that year) or `*`. Id columns",
    "  cannot be edited.",
    "- The value is read as YAML, then converted and checked as a cell of the file is (type, range,",
    "  finite numbers, what an empty cell means: `techs.gas_recip.max_mw_per_site=` means no limit).",
    "  In a text column it is kept as written. In a YAML list, quote an edit that holds `: ` or ` #`.",
    "- `--set data.techs.gas_recip.lead_time_months=24` is the same as adding",
    "  `techs.gas_recip.lead_time_months=24` at the end of `data_edits`; `--set data.techs=FILE`",
    "  still names another file. From Python: `api.run(config, {\"data.techs.gas_recip.capex_usd_per_kw\": 900,",
    "  \"data.regions.*.grid_price_usd_per_mwh*\": 1.2})` (a `*` ending a key multiplies).",
    "- A config that `extends` another adds its edits after the base's. The run folder's",
    "  `config.resolved.yaml` holds every edit, so it reproduces the run.",
    "- Mistakes (unknown table, row or column, an id column, a factor for a text column, a value the",
    "  column refuses, a table the config does not name) are reported with the file and line of the",
    "  list item, or `--set`, and the edit as written.", "",
]


def _shown(value) -> str:
    if isinstance(value, float):
        if value != value:
            return "none"
        if value == INF:
            return "no limit"
        return number_text(value)
    return str(value)


def number_text(value: float) -> str:
    """A bound as people write it: 1 -> '1', 0.01 -> '0.01', 1e7 -> '1e7', -1e5 -> '-1e5'."""
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "docs" / "data.md"
    target.write_text(data_reference())
    print(f"wrote {target}")
