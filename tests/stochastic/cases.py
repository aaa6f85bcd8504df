"""A newsvendor in siting terms: GPUs of product X bought in 2026 (first stage) at $1M a unit for the
two years, or product Y bought in 2027 (recourse) at ``late_musd`` a unit for its one year; the 2027
target is the uncertain demand. Power is free (a grid site, energy at $0), so the cost is the GPUs':

    cost(q, D) = q · 1 + late · max(D − q, 0)      (MUSD; q units of X, D h100e wanted in 2027)
"""

from __future__ import annotations

from pathlib import Path

from helpers import GPU, REGION, SITE, row, write_case


def newsvendor(folder: Path, demands: dict[str, float], probabilities: dict[str, float] | None = None,
               late_musd: float = 1.5, risk: dict | None = None, extra: dict | None = None) -> Path:
    site = row(SITE, grid_existing_mw=500.0, max_it_mw=500.0)
    region = row(REGION, grid_price_usd_per_mwh=0.0, grid_co2_kg_per_mwh=0.0)
    early = row(GPU, gpu_id="X", price_usd_per_unit=1e6, first_year=2026, last_year=2026, lifetime_years=2)
    late = row(GPU, gpu_id="Y", name="late unit", price_usd_per_unit=late_musd * 1e6, first_year=2027,
               lifetime_years=1)
    scenarios = [{"name": name, "set": {"targets.compute_h100e": {2027: demand}}}
                 | ({"probability": probabilities[name]} if probabilities else {}) for name, demand in demands.items()]
    uncertainty = {"scenarios": scenarios, "first_stage_until": 2027} | ({"risk": risk} if risk else {}) \
        | (extra or {})
    return write_case(folder, {"name": "newsvendor", "horizon": {"first_year": 2026, "last_year": 2027},
                               "uncertainty": uncertainty}, sites=[site], regions=[region], techs=[],
                      gpus=[early, late])
