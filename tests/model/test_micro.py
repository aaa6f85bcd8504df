"""Hand-checkable cases, one per constraint family, with exact expected numbers.

Conventions in every case: discount rate 0 and one-year lifetimes, so an annuity equals the
capex; one representative day for 365 days (8,760 h); GPU unit X = 1 MW of IT, h100e 1, free.
"""

from __future__ import annotations

import pytest
import pyomo.environ as pyo

from helpers import GAS, GPU, REGION, SITE, flat_profiles, row, solve_case

HOURS = 8760.0


def value(x) -> float:
    return pyo.value(x)


def test_one_site_on_grid_only(tmp_path):
    """10 MW from the grid at $50/MWh: 10 × 8760 × 50 = $4.38M; 10 × 8760 × 0.4 t = 35,040 t."""
    site = row(SITE, grid_existing_mw=20.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[])
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(10 * HOURS * 50 / 1e6)
    assert value(m.grid_mw["A", 2026]) >= 10 - 1e-6
    assert value(m.gpu_new_units["A", "X", 2026]) == 10
    assert value(m.emissions_t[2026]) == pytest.approx(10 * HOURS * 0.4)


def test_gas_only_site_with_reserve_margin(tmp_path):
    """No grid; 10 MW load with a 10% margin needs 11 MW of gas at $1000/kW = $11M, plus fuel
    10 MW × 8760 h × 10 MMBtu/MWh × $3 = $2.628M."""
    site = row(SITE, gas_permit_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}, "reliability": {"reserve_margin": 0.1}},
                        sites=[site])
    assert sol.status == "optimal"
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(11.0)
    assert sol.objective == pytest.approx(11.0 + 10 * HOURS * 10 * 3 / 1e6)
    assert value(m.emissions_t[2026]) == pytest.approx(10 * HOURS * 10 * 50 / 1e3)


def test_budget_spreads_purchases_to_an_earlier_year(tmp_path):
    """Target 20 units in 2027; a unit costs $1M and lasts 2 years, so buying late is cheaper
    (one year of annuity instead of two). A $15M yearly budget forces 5 units into 2026."""
    gpu = row(GPU, price_usd_per_unit=1e6, lifetime_years=2)
    site = row(SITE, grid_existing_mw=100.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2027: 20}}}
    m, sol = solve_case(tmp_path / "free", config, sites=[site], techs=[], gpus=[gpu])
    assert value(m.gpu_new_units["A", "X", 2027]) == 20
    assert value(m.gpu_new_units["A", "X", 2026]) == 0
    config["budget"] = {"capex_usd_per_year": 15e6}
    m, sol = solve_case(tmp_path / "tight", config, sites=[site], techs=[], gpus=[gpu])
    assert value(m.gpu_new_units["A", "X", 2027]) == 15
    assert value(m.gpu_new_units["A", "X", 2026]) == 5
    assert value(m.capex_total_musd[2027]) == pytest.approx(15.0)


def test_supply_cap_forces_a_second_product(tmp_path):
    """A is cheaper but only 6 GPUs a year can be had; the other 4 of 10 come from B."""
    a = row(GPU, gpu_id="A1", price_usd_per_unit=1e6, supply_gpus_per_year=6)
    b = row(GPU, gpu_id="B1", price_usd_per_unit=2e6)
    site = row(SITE, grid_existing_mw=100.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[], gpus=[a, b])
    assert value(m.gpu_new_units["A", "A1", 2026]) == 6
    assert value(m.gpu_new_units["A", "B1", 2026]) == 4
    assert sol.objective == pytest.approx(6 * 1 + 4 * 2 + 10 * HOURS * 50 / 1e6)


def test_regional_headroom_is_shared_by_two_sites(tmp_path):
    """Two forced 10 MW sites in one region with 15 MW of headroom: the grid gives 15 MW in all,
    gas covers the other 5 MW (grid $50/MWh is cheaper than gas at $1000/kW + $30/MWh)."""
    region = row(REGION, headroom_mw=15.0)
    sites = [row(SITE, site_id=s, max_it_mw=10.0, grid_existing_mw=20.0, gas_permit_mw=20.0) for s in ("A", "B")]
    config = {"targets": {"compute_h100e": {2026: 20}},
              "constraints": [{"kind": "force_site", "site": "A"}, {"kind": "force_site", "site": "B"}]}
    m, sol = solve_case(tmp_path, config, sites=sites, regions=[region])
    assert value(m.grid_mw["A", 2026]) + value(m.grid_mw["B", 2026]) == pytest.approx(15.0)
    assert value(m.cap_mw["A", "gas", 2026]) + value(m.cap_mw["B", "gas", 2026]) == pytest.approx(5.0)
    expected = 15 * HOURS * 50 / 1e6 + 5 * 1.0 + 5 * HOURS * 30 / 1e6
    assert sol.objective == pytest.approx(expected)


def test_queue_date_delays_grid_energisation(tmp_path):
    """The grid upgrade can only be energised in 2027, so 2026 runs on gas; in 2027 the cheaper grid
    takes over. Gas lasts one year, so none is rebuilt."""
    site = row(SITE, grid_upgrade_max_mw=20.0, grid_upgrade_usd_per_kw=100.0, grid_queue_year=2027,
               gas_permit_mw=20.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2026: 10, 2027: 10}}}
    m, sol = solve_case(tmp_path, config, sites=[site])
    assert ("A", 2026) not in m.grid_upgrade_mw
    assert value(m.grid_upgrade_mw["A", 2027]) == pytest.approx(10.0)
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(10.0)
    assert ("A", "gas", 2027) not in m.cap_mw or value(m.cap_mw["A", "gas", 2027]) == pytest.approx(0.0)
    expected = 10 * 1.0 + 10 * HOURS * 30 / 1e6 + 10 * 0.1 + 10 * HOURS * 50 / 1e6
    assert sol.objective == pytest.approx(expected)


def test_lead_time_makes_an_early_target_infeasible(tmp_path):
    """Gas with a one-year lead time cannot serve a 2026 target on a site with no grid."""
    site = row(SITE, gas_permit_mw=20.0)
    gas = row(GAS, lead_time_years=1)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2026: 10}}}
    m, sol = solve_case(tmp_path / "early", config, sites=[site], techs=[gas])
    assert not sol.has_solution
    assert "infeasible" in sol.status
    config["targets"] = {"compute_h100e": {2027: 10}}
    m, sol = solve_case(tmp_path / "late", config, sites=[site], techs=[gas])
    assert sol.status == "optimal"
    assert ("A", "gas", 2026) not in m.cap_mw
    assert value(m.cap_mw["A", "gas", 2027]) == pytest.approx(10.0)


def test_storage_shifts_solar_to_night(tmp_path):
    """Solar gives cf 1 from 12:00 to 24:00 and nothing before (two 12-hour slices). A 10 MW load
    at night is served from a 12-hour battery with round-trip efficiency 0.81 (0.9 each way):
    charging c satisfies 12 · 0.9 · c = 12 · 10 / 0.9, so c = 10 / 0.81 and solar = 10 + c."""
    solar = row(GAS, tech_id="pv", kind="solar", fuel="none", capex_usd_per_kw=100.0, heat_rate_btu_per_kwh=0.0,
                fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, firm_credit=0.0, clean=True)
    battery = row(GAS, tech_id="bat", kind="storage", fuel="none", capex_usd_per_kw=200.0,
                  heat_rate_btu_per_kwh=0.0, fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0,
                  storage_hours=12.0, round_trip_efficiency=0.81, firm_credit=1.0)
    site = row(SITE, solar_land_mw=100.0)
    profiles = flat_profiles(solar=[0.0] * 12 + [1.0] * 12)
    config = {"targets": {"compute_h100e": {2026: 10}}, "time_slices": {"hours_per_slice": 12}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[solar, battery], profiles=profiles)
    assert sol.status == "optimal"
    charge = 10 / 0.81
    assert value(m.cap_mw["A", "pv", 2026]) == pytest.approx(10 + charge)
    assert value(m.cap_mw["A", "bat", 2026]) == pytest.approx(charge)
    assert value(m.soc_mwh["A", "bat", 2026, "d1/12"]) == pytest.approx(12 * 10 / 0.9)
    assert sol.objective == pytest.approx((10 + charge) * 0.1 + charge * 0.2)


def test_n_minus_1_needs_a_spare_unit(tmp_path):
    """25 MW units: a 40 MW load needs 2 units, and 3 under N+1 (losing one still leaves 50 MW)."""
    site = row(SITE, gas_permit_mw=200.0)
    gas = row(GAS, unit_mw=25.0)
    config = {"targets": {"compute_h100e": {2026: 40}}}
    m, _ = solve_case(tmp_path / "n", config, sites=[site], techs=[gas])
    assert value(m.cap_new_units["A", "gas", 2026]) == 2
    config["reliability"] = {"n_minus_1": True}
    m, _ = solve_case(tmp_path / "n1", config, sites=[site], techs=[gas])
    assert value(m.cap_new_units["A", "gas", 2026]) == 3


def test_site_fixed_cost_and_max_sites_pick_the_cheaper_campus(tmp_path):
    """Two campuses of 10 MW; one must hold the whole 10 MW: the one with the lower fixed cost wins."""
    sites = [row(SITE, site_id="A", max_it_mw=10.0, grid_existing_mw=20.0, site_capex_usd=5e6),
             row(SITE, site_id="B", max_it_mw=10.0, grid_existing_mw=20.0, site_capex_usd=3e6)]
    config = {"targets": {"compute_h100e": {2026: 10}}, "constraints": [{"kind": "site_count", "max": 1}]}
    m, sol = solve_case(tmp_path, config, sites=sites, techs=[])
    assert value(m.site_build["B", 2026]) == 1
    assert value(m.site_build["A", 2026]) == 0
    assert sol.objective == pytest.approx(3.0 + 10 * HOURS * 50 / 1e6)


def test_carbon_cap_and_clean_share(tmp_path):
    """Grid (400 kg/MWh) versus a clean PPA. A cap of half the all-grid emissions forces half the
    energy onto the PPA; a clean share of 0.75 forces three quarters."""
    ppa = row(GAS, tech_id="ppa", kind="ppa", fuel="none", capex_usd_per_kw=0.0, heat_rate_btu_per_kwh=0.0,
              fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, vom_usd_per_mwh=80.0, firm_credit=0.0, clean=True)
    site = row(SITE, grid_existing_mw=20.0)
    base = {"targets": {"compute_h100e": {2026: 10}}}
    all_grid_t = 10 * HOURS * 0.4
    m, _ = solve_case(tmp_path / "cap", {**base, "policy": {"carbon_cap_t": {2026: all_grid_t / 2}}},
                      sites=[site], techs=[ppa])
    assert value(m.emissions_t[2026]) == pytest.approx(all_grid_t / 2)
    assert value(m.gen_mw["A", "ppa", 2026, "d1/00"]) == pytest.approx(5.0)
    m, _ = solve_case(tmp_path / "share", {**base, "policy": {"min_clean_share": 0.75}}, sites=[site], techs=[ppa])
    assert value(m.gen_mw["A", "ppa", 2026, "d1/00"]) == pytest.approx(7.5)


def test_single_cluster_target_puts_gpus_on_one_campus(tmp_path):
    """Site A is cheaper per MW but holds 6 MW; a cluster of 8 must go to B."""
    sites = [row(SITE, site_id="A", max_it_mw=6.0, grid_existing_mw=20.0),
             row(SITE, site_id="B", max_it_mw=10.0, grid_existing_mw=20.0, region_id="R2")]
    regions = [REGION, row(REGION, region_id="R2", grid_price_usd_per_mwh=60.0)]
    config = {"targets": {"compute_h100e": {2026: 10}, "single_cluster": [{"year": 2026, "min_gpus": 8}]}}
    m, sol = solve_case(tmp_path, config, sites=sites, regions=regions, techs=[])
    assert value(m.site_h100e["B", 2026]) == pytest.approx(8.0)
    assert value(m.site_h100e["A", 2026]) == pytest.approx(2.0)
    assert sol.objective == pytest.approx(2 * HOURS * 50 / 1e6 + 8 * HOURS * 60 / 1e6)


def test_user_tech_capacity_and_forbid_tech(tmp_path):
    """A 4 MW cap on gas leaves the rest of a 10 MW gas-preferring site to the grid; forbidding
    gas removes its variables altogether."""
    region = row(REGION, grid_price_usd_per_mwh=500.0)
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    base = {"targets": {"compute_h100e": {2026: 10}}}
    m, _ = solve_case(tmp_path / "cap", {**base, "constraints": [{"kind": "tech_capacity", "tech": "gas", "max_mw": 4}]},
                      sites=[site], regions=[region])
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(4.0)
    m, _ = solve_case(tmp_path / "forbid", {**base, "constraints": [{"kind": "forbid_tech", "tech": "gas"}]},
                      sites=[site], regions=[region])
    assert len(m.cap_mw) == 0


def test_max_compute_within_budget(tmp_path):
    """$10M buys 10 units at $1M: the max-compute objective finds 10 h100e, then the least cost."""
    gpu = row(GPU, price_usd_per_unit=1e6)
    site = row(SITE, grid_existing_mw=100.0)
    config = {"objective": {"kind": "max_compute"}, "budget": {"capex_usd_total": 10.5e6}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[], gpus=[gpu])
    assert sol.compute_measure == pytest.approx(10 / 1e3)
    assert value(m.gpu_new_units["A", "X", 2026]) == 10
    assert sol.objective == pytest.approx(10 + 10 * HOURS * 50 / 1e6)


def test_relaxed_integrality_gives_fractional_units(tmp_path):
    """The LP relaxation of the 25 MW unit case: 40 MW of load needs 1.6 units."""
    site = row(SITE, gas_permit_mw=200.0)
    gas = row(GAS, unit_mw=25.0)
    config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"relax_integrality": True}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[gas])
    assert sol.status == "optimal" and sol.mip_gap == 0.0
    assert value(m.cap_new_units["A", "gas", 2026]) == pytest.approx(1.6)


def test_cooling_water_caps_the_it_load_of_a_site(tmp_path):
    """Site A has 0.5 million gallons a day; at WUE 1.0 L/kWh that cools
    0.5e6 × 3.785411784 / 24,000 = 78.8627 MW of IT, so 78 one-MW units fit there and the other
    22 of the 100 go to site B (whose grid costs $60/MWh instead of $50)."""
    cap_mw = 0.5e6 * 3.785411784 / 24_000
    a = row(SITE, site_id="A", water_mgd=0.5, grid_existing_mw=200.0)
    b = row(SITE, site_id="B", grid_existing_mw=200.0, region_id="R2")
    regions = [REGION, row(REGION, region_id="R2", grid_price_usd_per_mwh=60.0)]
    config = {"targets": {"compute_h100e": {2026: 100}}, "facility": {"water_l_per_kwh": 1.0}}
    m, sol = solve_case(tmp_path, config, sites=[a, b], regions=regions, techs=[])
    assert sol.status == "optimal"
    assert m.compute_water_upper["A", 2026].upper == pytest.approx(cap_mw)
    assert value(m.gpu_new_units["A", "X", 2026]) == 78
    assert value(m.gpu_new_units["B", "X", 2026]) == 22
    assert sol.objective == pytest.approx((78 * 50 + 22 * 60) * HOURS / 1e6)
    assert ("B", 2026) not in m.compute_water_upper   # no water limit given: no row


def test_clean_share_entry_binds_in_its_region_only(tmp_path):
    """Two forced 10 MW sites on grids with a clean share of 0.2. A `clean_share` entry of 0.6 in
    R1 needs 0.2 · (10 − x) + x ≥ 0.6 · 10 for x MW of PPA at A: x = 5; B in R2 stays on the grid."""
    ppa = row(GAS, tech_id="ppa", kind="ppa", fuel="none", capex_usd_per_kw=0.0, heat_rate_btu_per_kwh=0.0,
              fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, vom_usd_per_mwh=80.0, firm_credit=0.0, clean=True)
    regions = [row(REGION, grid_clean_share=0.2), row(REGION, region_id="R2", grid_clean_share=0.2)]
    sites = [row(SITE, site_id="A", max_it_mw=10.0, grid_existing_mw=20.0),
             row(SITE, site_id="B", region_id="R2", max_it_mw=10.0, grid_existing_mw=20.0)]
    config = {"targets": {"compute_h100e": {2026: 20}},
              "constraints": [{"kind": "force_site", "site": "A"}, {"kind": "force_site", "site": "B"},
                              {"kind": "clean_share", "min_share": 0.6, "region": "R1"}]}
    m, sol = solve_case(tmp_path, config, sites=sites, regions=regions, techs=[ppa])
    assert sol.status == "optimal"
    assert value(m.gen_mw["A", "ppa", 2026, "d1/00"]) == pytest.approx(5.0)
    assert value(m.gen_mw["B", "ppa", 2026, "d1/00"]) == pytest.approx(0.0)
    assert sol.objective == pytest.approx((15 * 50 + 5 * 80) * HOURS / 1e6)


def test_only_sites_leaves_the_other_candidates_out(tmp_path):
    """B is cheaper ($40/MWh grid) but only A is a candidate."""
    sites = [row(SITE, site_id="A", grid_existing_mw=20.0),
             row(SITE, site_id="B", region_id="R2", grid_existing_mw=20.0)]
    regions = [REGION, row(REGION, region_id="R2", grid_price_usd_per_mwh=40.0)]
    config = {"targets": {"compute_h100e": {2026: 10}}, "constraints": [{"kind": "only_sites", "site": ["A"]}]}
    m, sol = solve_case(tmp_path, config, sites=sites, regions=regions, techs=[])
    assert ("B", 2026) not in m.site_open
    assert sol.objective == pytest.approx(10 * HOURS * 50 / 1e6)
