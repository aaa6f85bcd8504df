"""docs/formulation.md names every constraint and objective of the model."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo

from helpers import GAS, GPU, REGION, SITE, hourly_profiles, row, write_case
from optimizer.inputs.load import load_all
from optimizer.model.build import build_model
from optimizer.solve import solve

DOC = Path(__file__).resolve().parents[2] / "docs" / "formulation.md"


def test_every_constraint_is_documented(tmp_path):
    """Build a model with every option switched on, so every constraint family has rows."""
    techs = [row(GAS, unit_mw=10.0), row(GAS, tech_id="gas2"),
             row(GAS, tech_id="pv", kind="solar", fuel="none", firm_credit=0.0),
             row(GAS, tech_id="pv2", kind="solar", fuel="none", firm_credit=0.0),
             row(GAS, tech_id="bat", kind="storage", fuel="none", storage_hours=4.0),
             row(GAS, tech_id="ppa", kind="ppa", fuel="none"),
             row(GAS, tech_id="rent", rented=True, rental_usd_per_kw_month=30.0)]
    techs[1]["supply_mw_per_year"] = 100.0
    techs[1]["fleet_mw"] = 100.0
    site = row(SITE, grid_existing_mw=10.0, grid_upgrade_max_mw=10.0, gas_permit_mw=50.0, solar_land_mw=50.0,
               substation_usd=1e6, line_distance_km=10.0, fixed_load_mw=1.0)
    region = row(REGION, headroom_mw=100.0, demand_charge_usd_per_kw_month=5.0, take_or_pay_share=0.5,
                 contract_min_years=2, line_usd_per_mw_km=1000.0, exit_fee_usd_per_kw=100.0)
    gpu = row(GPU, supply_gpus_per_year=100)
    constraints = [{"kind": k, **extra} for k, extra in [
        ("tech_capacity", {"tech": "gas", "max_mw": 100, "min_mw": 0}), ("site_count", {"max": 1, "min": 0}),
        ("force_site", {"site": "A"}), ("max_share", {"tech": "gas", "max_share": 1.0}),
        ("gpu_count", {"max_gpus": 1000, "min_gpus": 0}), ("forbid_tech", {"tech": "gas2", "site": "B"}),
        ("earliest_year", {"tech": "pv2", "year": 2026})]]
    config = {"horizon": {"first_year": 2026, "last_year": 2027},   # two years: contract exits have rows
              "targets": {"compute_h100e": {2026: 5}, "single_cluster": [{"year": 2026, "min_gpus": 1}]},
              "budget": {"capex_usd_per_year": 1e12, "capex_usd_total": 1e13},
              "policy": {"carbon_cap_t": {2026: 1e9}, "min_clean_share": 0.01},
              "reliability": {"n_minus_1": True, "value_of_lost_load_usd_per_mwh": 10000},
              "constraints": constraints, "time_slices": {"representative_days": 2, "link_days": True},
              "facility": {"pue_from_temperature": True},
              "grid": {"energised_mw": {"A": {2026: 10}}, "curtailment": {"R1": {"share": 0.5, "minutes": 30}}},
              "supply": {"committed_gpus": {"X": {2026: 1}}},
              "objective": {"shortfall_usd_per_h100e_month": 1000}}
    profiles = hourly_profiles(solar_cf=[0.5 * (h % 24 in range(8, 16)) for h in range(8760)],
                               temperature_c=[15 + (h % 24) for h in range(8760)])
    path = write_case(tmp_path, config, sites=[site, row(site, site_id="B")], regions=[region], techs=techs,
                      gpus=[gpu], profiles=profiles)
    _, inputs = load_all(path)
    m = build_model(inputs)
    solve(m, inputs.config.solver, "max_compute")  # adds objective_compute_floor
    doc = DOC.read_text()
    names = {c.name for c in m.component_objects((pyo.Constraint, pyo.Objective)) if len(c) > 0}
    names |= {name for name, block in m.row_blocks.items() if len(block) > 0}
    assert {"dispatch_balance", "dispatch_soc_balance", "grid_import_upper", "dispatch_soc_day_balance"} <= names
    assert len(names) >= 30
    missing = sorted(n for n in names if f"`{n}`" not in doc and f"`{n.rsplit('_', 1)[0]}_upper` / `_lower`" not in doc)
    assert not missing, f"constraints missing from docs/formulation.md: {missing}"


def test_fastest_rows_are_documented(tmp_path):
    """Kind fastest adds its own rows."""
    path = write_case(tmp_path, {"objective": {"kind": "fastest", "fastest_h100e": 5},
                                 "horizon": {"first_year": 2026, "last_year": 2027}},
                      sites=[row(SITE, grid_existing_mw=10.0)], techs=[])
    _, inputs = load_all(path)
    m = build_model(inputs)
    names = {c.name for c in m.component_objects(pyo.Constraint) if len(c) > 0}
    assert {"compute_reached_lower", "compute_reached_order"} <= names
    doc = DOC.read_text()
    assert not [n for n in names if f"`{n}`" not in doc]
