"""Power as planners buy it, by hand: demand charges, take-or-pay, minimum contract terms, the
cost of distance and of a substation, equipment supply caps, fixed facility load, and the
reliability rule switched off.

Conventions as in test_micro: discount rate 0, one-year lifetimes, one representative day for
365 days (8,760 h); GPU unit X = 1 MW of IT, h100e 1, free; grid energy $50/MWh; gas $1000/kW
with fuel at 10 MMBtu/MWh × $3 = $30/MWh.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from helpers import GAS, REGION, SITE, row, solve_case
from optimizer.explain.labels import describe

HOURS = 8760.0
ENERGY_10MW_MUSD = 10 * HOURS * 50 / 1e6      # 4.38


def value(x) -> float:
    return pyo.value(x)


def test_demand_charge_bills_contracted_mw(tmp_path):
    """$10/kW-month on 10 MW contracted: 12 × 10 × 1000 × 10 = $1.2M a year, on top of the energy."""
    region = row(REGION, demand_charge_usd_per_kw_month=10.0)
    site = row(SITE, grid_existing_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], regions=[region],
                        techs=[])
    assert sol.status == "optimal"
    assert value(m.grid_mw["A", 2026]) == pytest.approx(10.0)     # no free contracted MW beyond the load
    assert m.cost_musd["demand_charge", 2026] == pytest.approx(1.2)
    assert sol.objective == pytest.approx(ENERGY_10MW_MUSD + 1.2)


def test_take_or_pay_bills_energy_not_taken(tmp_path):
    """A 50% reserve margin met by the grid alone needs 15 MW contracted for a 10 MW load. With an
    80% take-or-pay, 0.8 × 15 × 8760 = 105,120 MWh are billed but 87,600 taken: 17.52 GWh at $50
    = $0.876M."""
    region = row(REGION, take_or_pay_share=0.8)
    site = row(SITE, grid_existing_mw=50.0)
    config = {"targets": {"compute_h100e": {2026: 10}}, "reliability": {"reserve_margin": 0.5}}
    m, sol = solve_case(tmp_path, config, sites=[site], regions=[region], techs=[])
    assert value(m.grid_mw["A", 2026]) == pytest.approx(15.0)
    assert value(m.grid_top_shortfall_gwh["A", 2026]) == pytest.approx(17.52)
    assert m.cost_musd["take_or_pay", 2026] == pytest.approx(0.876)
    assert sol.objective == pytest.approx(ENERGY_10MW_MUSD + 0.876)


@pytest.mark.parametrize("term_years, contracted_mw", [(0, [10, 2, 2]), (2, [10, 10, 2]), (3, [10, 10, 10])])
def test_minimum_term_holds_a_contract(tmp_path, term_years, contracted_mw):
    """Load 10 MW in 2026, then 2 MW. With a demand charge the contract falls as soon as it may:
    at once without a term, after two years with a 2-year term (2028 − 2026 = 2 is outside it)."""
    region = row(REGION, demand_charge_usd_per_kw_month=10.0, contract_min_years=term_years)
    site = row(SITE, grid_existing_mw=50.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2028},
              "targets": {"compute_h100e": {2026: 10, 2027: 2, 2028: 2}}}
    m, sol = solve_case(tmp_path, config, sites=[site], regions=[region], techs=[])
    assert sol.status == "optimal"
    assert [value(m.grid_mw["A", y]) for y in (2026, 2027, 2028)] == pytest.approx(contracted_mw)
    energy = (10 + 2 + 2) * HOURS * 50 / 1e6
    assert sol.objective == pytest.approx(energy + 0.12 * sum(contracted_mw))


def test_distance_and_substation_cost(tmp_path):
    """10 MW of upgrade at $100/kW ($1M), 50 km at $2,000/MW-km ($1M), and a $3M substation."""
    region = row(REGION, line_usd_per_mw_km=2000.0)
    site = row(SITE, grid_upgrade_max_mw=20.0, grid_upgrade_usd_per_kw=100.0, line_distance_km=50.0,
               substation_usd=3e6)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], regions=[region],
                        techs=[])
    assert value(m.grid_upgrade_mw["A", 2026]) == pytest.approx(10.0)
    assert value(m.substation_build["A", 2026]) == 1
    assert [value(m.capex_musd[c, 2026]) for c in ("grid", "grid_line", "substation")] == pytest.approx([1, 1, 3])
    assert sol.objective == pytest.approx(ENERGY_10MW_MUSD + 5.0)


def test_no_substation_no_upgrade(tmp_path):
    """A $30M substation is dearer than 10 MW of gas ($10M + $2.628M of fuel): the site stays off the grid."""
    site = row(SITE, grid_upgrade_max_mw=20.0, substation_usd=30e6, gas_permit_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site])
    assert value(m.substation_build["A", 2026]) == 0 and value(m.grid_upgrade_mw["A", 2026]) == 0
    assert sol.objective == pytest.approx(10.0 + 10 * HOURS * 10 * 3 / 1e6)


def test_equipment_supply_cap(tmp_path):
    """Gas engines: 6 MW a year can be had; the other 4 MW of a 10 MW load come from a $2000/kW tech."""
    techs = [row(GAS, supply_mw_per_year=6.0), row(GAS, tech_id="gas2", capex_usd_per_kw=2000.0)]
    site = row(SITE, gas_permit_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=techs)
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(6.0)
    assert value(m.cap_mw["A", "gas2", 2026]) == pytest.approx(4.0)
    assert sol.objective == pytest.approx(6 + 8 + 10 * HOURS * 10 * 3 / 1e6)
    limit = describe(m.ix, "power_supply_upper", ("gas", 2026))
    assert (limit.family, limit.what, limit.unit, limit.level) == ("supply", "gas engine equipment supply in 2026",
                                                                   "MW", 6.0)


def test_fixed_load_is_served_when_the_campus_is_open(tmp_path):
    """5 MW of existing halls plus 10 MW of GPUs: 15 MW from the grid, 15 × 8760 × $50 = $6.57M."""
    site = row(SITE, grid_existing_mw=50.0, fixed_load_mw=5.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[])
    assert value(m.grid_mw["A", 2026]) == pytest.approx(15.0)
    assert sol.objective == pytest.approx(15 * HOURS * 50 / 1e6)
    config = {"targets": {"compute_h100e": {2026: 10}}, "facility": {"fixed_load_mw": {"A": 8.0}}}
    m, sol = solve_case(tmp_path / "override", config, sites=[site], techs=[])
    assert sol.objective == pytest.approx(18 * HOURS * 50 / 1e6)


def test_reliability_rule_off(tmp_path):
    """reserve_margin: null: a gas-only 10 MW load builds 10 MW (a 10% margin would need 11)."""
    site = row(SITE, gas_permit_mw=50.0)
    config = {"targets": {"compute_h100e": {2026: 10}}, "reliability": {"reserve_margin": None}}
    m, sol = solve_case(tmp_path, config, sites=[site])
    assert not hasattr(m, "reliability_firm_lower")
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(10.0)
    assert sol.objective == pytest.approx(10.0 + 10 * HOURS * 10 * 3 / 1e6)


def _prices(folder, rows) -> dict:
    """Write a prices table into the case folder; the config entry that names it."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "prices.csv", index=False)
    return {"prices": "prices.csv"}


def test_gas_price_is_the_hub_path_plus_basis_and_delivery(tmp_path):
    """Hub $4.00 in 2026 (the techs table says $3), basis −$0.50, delivery +$0.70: $4.20/MMBtu, so
    fuel is 10 MW × 8760 h × 10 MMBtu/MWh × 4.2 = $3.6792M, on top of $10M of gas capacity."""
    region = row(REGION, gas_basis_usd_per_mmbtu=-0.5, gas_delivery_usd_per_mmbtu=0.7)
    data = _prices(tmp_path, [{"year": 2020, "region_id": "", "gas_hub_usd_per_mmbtu": 4.0}])
    site = row(SITE, gas_permit_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}, "data": data}, sites=[site],
                        regions=[region])
    assert m.ix.fuel_usd_per_mmbtu("A", "gas", 2026) == pytest.approx(4.2)
    assert m.cost_musd["fuel", 2026] == pytest.approx(10 * HOURS * 10 * 4.2 / 1e6)
    assert sol.objective == pytest.approx(10.0 + 10 * HOURS * 10 * 4.2 / 1e6)


def test_grid_price_and_carbon_paths_by_year_and_region(tmp_path):
    """2026: the regions table ($50/MWh, 400 kg/MWh); 2027: +$13.70/MWh and 0.5 × the carbon for
    R1 (its own row wins over the all-region row that would add $100)."""
    rows = [{"year": 2027, "region_id": "", "grid_price_adder_usd_per_mwh": 100.0, "grid_co2_factor": 1.0},
            {"year": 2027, "region_id": "R1", "grid_price_adder_usd_per_mwh": 13.7, "grid_co2_factor": 0.5}]
    data = _prices(tmp_path, rows)
    site = row(SITE, grid_existing_mw=50.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "data": data,
              "targets": {"compute_h100e": {2026: 10, 2027: 10}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[])
    assert m.cost_musd["grid_energy", 2026] == pytest.approx(10 * HOURS * 50 / 1e6)
    assert m.cost_musd["grid_energy", 2027] == pytest.approx(10 * HOURS * 63.7 / 1e6)
    assert value(m.emissions_t[2026]) == pytest.approx(10 * HOURS * 0.4)
    assert value(m.emissions_t[2027]) == pytest.approx(10 * HOURS * 0.2)


def test_prices_table_names_known_regions(tmp_path):
    from optimizer.errors import InputError
    from optimizer.inputs.load import load_all
    from helpers import write_case

    data = _prices(tmp_path, [{"year": 2026, "region_id": "R9", "gas_hub_usd_per_mmbtu": 4.0},
                              {"year": 2026, "region_id": "R9", "gas_hub_usd_per_mmbtu": 5.0}])
    path = write_case(tmp_path, {"data": data})
    with pytest.raises(InputError) as info:
        load_all(path)
    texts = [p.render() for p in info.value.problems]
    assert any("prices.csv:2: row 2, column region_id: unknown region 'R9'" in t for t in texts)
    assert any("prices.csv:3: row 3: a second row for this region and year" in t for t in texts)


def test_all_in_cluster_price_and_power(tmp_path):
    """An 8-GPU server of 8 kW and $200k, plus $5k and 0.1 kW per GPU of network and storage:
    $240k and 8.8 kW a unit. 10 h100e (GPUs of 1 h100e) need 2 units (16 GPUs): $480k of capex
    and 17.6 kW × 8760 h × $50/MWh = $7,708.80 of grid energy."""
    from helpers import GPU

    gpu = row(GPU, gpus_per_unit=8, it_kw_per_unit=8.0, price_usd_per_unit=2e5, cluster_usd_per_gpu=5e3,
              cluster_it_kw_per_gpu=0.1, dies_per_gpu=2)
    site = row(SITE, grid_existing_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[], gpus=[gpu])
    assert value(m.gpu_new_units["A", "X", 2026]) == 2
    assert value(m.it_mw["A", 2026]) == pytest.approx(0.0176)
    assert value(m.capex_musd["gpus", 2026]) == pytest.approx(0.48)
    assert sol.objective == pytest.approx(0.48 + 0.0176 * HOURS * 50 / 1e6)


@pytest.mark.parametrize("fee_usd_per_kw, contracted_mw", [(50.0, [10, 2, 2]), (300.0, [10, 10, 10])])
def test_exit_fee_ends_a_contract_inside_its_term(tmp_path, fee_usd_per_kw, contracted_mw):
    """A 3-year term on 10 MW, then 2 MW of load. Ending 8 MW in 2027 saves 8 × $0.12M × 2 years
    = $1.92M of demand charges: worth it at $50/kW ($0.4M), not at $300/kW ($2.4M)."""
    region = row(REGION, demand_charge_usd_per_kw_month=10.0, contract_min_years=3,
                 exit_fee_usd_per_kw=fee_usd_per_kw)
    site = row(SITE, grid_existing_mw=50.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2028},
              "targets": {"compute_h100e": {2026: 10, 2027: 2, 2028: 2}}}
    m, sol = solve_case(tmp_path, config, sites=[site], regions=[region], techs=[])
    assert [value(m.grid_mw["A", y]) for y in (2026, 2027, 2028)] == pytest.approx(contracted_mw)
    energy = (10 + 2 + 2) * HOURS * 50 / 1e6
    exit_musd = 8 * 1e3 * fee_usd_per_kw / 1e6 if contracted_mw[1] == 2 else 0.0
    assert m.cost_musd["grid_exit", 2027] == pytest.approx(exit_musd)
    assert sol.objective == pytest.approx(energy + 0.12 * sum(contracted_mw) + exit_musd)


def test_rented_equipment_is_reported_as_rental(tmp_path):
    """Rented turbines at $30/kW-month: 10 MW cost $3.6M a year of rental, no fixed O&M."""
    tech = row(GAS, fom_usd_per_kw_year=0.0, rental_usd_per_kw_month=30.0, capex_usd_per_kw=0.0, rented=True)
    site = row(SITE, gas_permit_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[tech])
    assert m.cost_musd["rental", 2026] == pytest.approx(3.6)
    assert m.cost_musd["fixed_om", 2026] == pytest.approx(0.0)
    assert sol.objective == pytest.approx(3.6 + 10 * HOURS * 10 * 3 / 1e6)


def test_rental_fleet_caps_mw_in_service(tmp_path):
    """A fleet of 6 MW of rented turbines for two years of 10 MW: 6 MW rented, 4 MW of a dearer tech,
    although the supply chain would deliver more each year."""
    techs = [row(GAS, fleet_mw=6.0, supply_mw_per_year=100.0, lifetime_years=1),
             row(GAS, tech_id="gas2", capex_usd_per_kw=2000.0)]
    site = row(SITE, gas_permit_mw=50.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2026: 10, 2027: 10}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=techs)
    assert [value(m.cap_mw["A", "gas", y]) for y in (2026, 2027)] == pytest.approx([6.0, 6.0])
    limit = describe(m.ix, "power_fleet_upper", ("gas", 2027))
    assert (limit.what, limit.level) == ("gas engine fleet in 2027", 6.0)


def test_exit_fee_counts_once_in_a_multi_year_period(tmp_path):
    """Periods of 2 years, a 3-year term: 8 MW of the 2026 contract ended in 2028 for $50/kW = $0.4M,
    once. Energy 2 × (4.38 + 0.876), demand charges 2 × (1.2 + 0.24), exit 0.4: 13.792."""
    region = row(REGION, demand_charge_usd_per_kw_month=10.0, contract_min_years=3, exit_fee_usd_per_kw=50.0)
    site = row(SITE, grid_existing_mw=50.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2028, "period_length_years": 2},
              "targets": {"compute_h100e": {2026: 10, 2028: 2}}}
    m, sol = solve_case(tmp_path, config, sites=[site], regions=[region], techs=[])
    assert value(m.grid_exit_mw["A", 2026, 2028]) == pytest.approx(8.0)
    assert m.cost_musd["grid_exit", 2028] == pytest.approx(0.2)          # per year of the 2-year period
    assert sol.objective == pytest.approx(2 * (4.38 + 0.876) + 2 * (1.2 + 0.24) + 0.4)


def test_take_or_pay_counts_grid_delivered_ppa_energy(tmp_path):
    """A PPA at $40/MWh delivered over the grid contract: 10 MW of it fills the contract and is taken
    energy, so an 80% take-or-pay bills nothing extra: 10 × 8760 × 40 = $3.504M."""
    ppa = row(GAS, tech_id="ppa", kind="ppa", fuel="none", capex_usd_per_kw=0.0, heat_rate_btu_per_kwh=0.0,
              fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, vom_usd_per_mwh=40.0, firm_credit=0.0, clean=True)
    region = row(REGION, take_or_pay_share=0.8)
    site = row(SITE, grid_existing_mw=50.0)
    m, sol = solve_case(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], regions=[region],
                        techs=[ppa])
    assert sol.objective == pytest.approx(10 * HOURS * 40 / 1e6)
    assert value(m.grid_top_shortfall_gwh["A", 2026]) == pytest.approx(0.0, abs=1e-9)
