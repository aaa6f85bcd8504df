"""A tiny sweep: one gas site whose cost is hand-checkable, and a sweep file around it."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers import SITE, row, write_case

# gas at 1000 USD/kW (1-year life, no discounting), 10,000 Btu/kWh at 3 USD/MMBtu = 30 USD/MWh, 50 kg/MMBtu;
# 1 MW per h100e of the test GPU, PUE 1: T h100e cost 1000·1000·T + 30·8760·T (+ carbon 0.5 t/MWh·price·8760·T)
CAPEX_USD_PER_MW, FUEL_USD_PER_MWH, T_PER_MWH = 1e6, 30.0, 0.5


def expected_cost(target: float, carbon_price: float) -> float:
    return target * (CAPEX_USD_PER_MW + 8760 * (FUEL_USD_PER_MWH + T_PER_MWH * carbon_price))


def case(folder: Path) -> Path:
    return write_case(folder / "case", {"targets": {"compute_h100e": {2026: 50}}},
                      sites=(row(SITE, gas_permit_mw=500.0),))


def sweep_file(folder: Path, body: dict, name: str = "sweep.yaml") -> Path:
    case(folder)
    path = folder / name
    path.write_text(yaml.safe_dump({"name": "tiny", "config": "case/config.yaml", **body}, sort_keys=False))
    return path


GRID = {"design": "grid", "axes": {
    "target": {"key": "targets.compute_h100e", "values": [{2026: 40}, {2026: 60}, {2026: 80}],
               "labels": ["40", "60", "80"]},
    "carbon": {"key": "policy.carbon_price_usd_per_t", "values": [0, 50, 100, 150]}}}
