"""The full-year single-site case, side by side with PyPSA: the whole ``siting run`` (load, build,
solve, shadow prices, results, run folder and report) against PyPSA's build + solve of the same
system on the same data, both with HiGHS on one thread.

PyPSA is not a project dependency: give the Python of an environment that has it.

    python3 -m venv /tmp/pypsa-venv && /tmp/pypsa-venv/bin/pip install pypsa highspy
    .venv/bin/python benchmarks/pypsa_full_year.py --pypsa-python /tmp/pypsa-venv/bin/python [--repeat 3]

The same system: one bus with the 100 MW facility load (100 GPU units of 1 MW, PUE 1) in every hour
of the shipped first zone's year; gas (capex 1000 USD/kW, 25 years, 30 USD/MWh of fuel, at most
500 MW), solar and wind (their hourly capacity factors, at most 500 MW each), a 4-hour battery (85%
round trip, 15 years) and 50 MW of grid at the region's 50 USD/MWh; capital costs as annuities at
7%, as the model counts them in its one-year horizon. The tool's model also holds the GPU purchase
(fixed by the target) and the campus; PyPSA's holds the load as given. Each side's time excludes
starting Python and importing. The script prints one JSON line per repeat and the median ratio,
and checks that both find the same MW of each source.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def annuity(rate: float, years: float) -> float:
    return rate / (1 - (1 + rate) ** -years)


def pypsa_side(folder: Path) -> dict:
    """Build and solve the PyPSA network from the case's tables (runs in the PyPSA environment)."""
    import pandas as pd

    t_read = time.perf_counter()
    profiles = pd.read_csv(folder / "profiles.csv")
    techs = pd.read_csv(folder / "techs.csv").set_index("tech_id")
    sites = pd.read_csv(folder / "sites.csv").set_index("site_id")
    regions = pd.read_csv(folder / "regions.csv").set_index("region_id")
    read_s = time.perf_counter() - t_read
    import pypsa

    t0 = time.perf_counter()
    site = sites.iloc[0]
    rate = 0.07
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(len(profiles)))
    n.add("Bus", "site")
    n.add("Load", "facility", bus="site", p_set=100.0 * float(site["pue"]))

    def capital(k: str) -> float:
        t = techs.loc[k]
        return float(t["capex_usd_per_kw"]) * 1e3 * annuity(rate, float(t["lifetime_years"])) + \
            float(t["fom_usd_per_kw_year"]) * 1e3

    gas = techs.loc["gas"]
    n.add("Generator", "gas", bus="site", p_nom_extendable=True, p_nom_max=float(site["gas_permit_mw"]),
          capital_cost=capital("gas"), marginal_cost=float(gas["heat_rate_btu_per_kwh"]) *
          float(gas["fuel_price_usd_per_mmbtu"]) / 1e3 + float(gas["vom_usd_per_mwh"]))
    for k, cf, cap in (("pv", "solar_cf", "solar_land_mw"), ("wind", "wind_cf", "wind_land_mw")):
        n.add("Generator", k, bus="site", p_nom_extendable=True, p_nom_max=float(site[cap]),
              capital_cost=capital(k), p_max_pu=profiles[cf].to_numpy(), marginal_cost=0.0)
    bat = techs.loc["bat"]
    eff = float(bat["round_trip_efficiency"]) ** 0.5
    n.add("StorageUnit", "bat", bus="site", p_nom_extendable=True, max_hours=float(bat["storage_hours"]),
          capital_cost=capital("bat"), efficiency_store=eff, efficiency_dispatch=eff, cyclic_state_of_charge=True)
    region = regions.loc[site["region_id"]]
    n.add("Generator", "grid", bus="site", p_nom=float(site["grid_existing_mw"]),
          marginal_cost=float(region["grid_price_usd_per_mwh"]))
    status = n.optimize(solver_name="highs", solver_options={"threads": 1, "output_flag": False})
    seconds = time.perf_counter() - t0
    mw = {k: float(v) for k, v in n.generators.p_nom_opt.items()}
    mw["bat"] = float(n.storage_units.p_nom_opt["bat"])
    return {"side": "pypsa", "seconds": round(seconds, 3), "read_s": round(read_s, 3), "status": str(status),
            "objective_usd": float(n.objective), "mw": mw}


def tool_side(config: Path, out: Path) -> dict:
    """The whole siting run, in process (as ``siting run`` does it)."""
    from optimizer.pipeline import run_config

    t0 = time.perf_counter()
    outcome = run_config(config, [], out)
    seconds = time.perf_counter() - t0
    s = outcome.summary
    cap = outcome.results.capacity.groupby("tech_id")["capacity_mw"].max()
    return {"side": "siting", "seconds": round(seconds, 3), "status": s["status"],
            "solve_seconds": s["solve_seconds"], "duals_seconds": s["shadow_prices"]["seconds"],
            "objective_usd": s["objective_usd"], "mw": {k: float(v) for k, v in cap.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pypsa-python", help="the Python of an environment with pypsa and highspy")
    parser.add_argument("--pypsa", type=Path, help=argparse.SUPPRESS)   # internal: run the PyPSA side on FOLDER
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.pypsa is not None:
        print(json.dumps(pypsa_side(args.pypsa)))
        return
    from full_year_case import make

    import optimizer.pipeline  # noqa: F401 - imports outside the timed part, as on the PyPSA side
    with tempfile.TemporaryDirectory(prefix="pypsa-bench-") as tmp:
        config = make(Path(tmp) / "case")
        ratios = []
        for i in range(args.repeat):
            tool = tool_side(config, Path(tmp) / f"run-{i}")
            done = subprocess.run([args.pypsa_python, __file__, "--pypsa", str(config.parent)], capture_output=True,
                                  text=True, check=True)
            other = json.loads(done.stdout.strip().splitlines()[-1])
            ratios.append(tool["seconds"] / other["seconds"])
            print(json.dumps({"repeat": i, "siting": tool, "pypsa": other, "ratio": round(ratios[-1], 2)}), flush=True)
        print(json.dumps({"median_ratio_siting_over_pypsa": round(statistics.median(ratios), 2)}))


if __name__ == "__main__":
    main()
