"""Sub-year planning periods by hand: months and quarters in the plan.

Conventions as in test_micro: one representative day for 365 days (8,760 h; with a day table the
seasons fall back to "year", so every period sees that day weighted to a whole year); GPU unit X =
1 MW of IT, h100e 1, free unless said; grid energy $50/MWh; gas fuel 10 MMBtu/MWh × $3 = $30/MWh.
Costs are per-year rates in every period (cost_musd[c, y]); the objective weighs each by the
period's discount weight, 1/12 for a month and ¼ for a quarter at discount rate 0. An asset with a
one-year life built in period b serves the periods that start within 12 months of b's start.

Yearly rates used below (MUSD a year):
    10 MW from the grid      10 × 8,760 × 50 / 10⁶ = 4.38
    10 MW of gas fuel        10 × 8,760 × 30 / 10⁶ = 2.628   ($80/MWh fuel: 7.008)
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from helpers import GAS, GPU, REGION, SITE, row, solve_case

HOURS = 8760.0
GRID_10MW = 10 * HOURS * 50 / 1e6          # 4.38
FUEL_10MW = 10 * HOURS * 30 / 1e6          # 2.628
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
QUARTERS = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
MONTHLY = {"periods": [{"step": "month", "until": "2026-12"}]}
QUARTERLY = {"periods": [{"step": "quarter", "until": "2026Q4"}]}


def value(x) -> float:
    return pyo.value(x) or 0.0


def every_month(h100e: float) -> dict:
    return {"compute_h100e": {month: h100e for month in MONTHS}}


def values(var, keys) -> list[float]:
    return [value(var[k]) for k in keys]


def npv(m) -> float:
    """Σ_{c, y} discount[y] · cost_musd[c, y]: the objective rebuilt from the cost categories."""
    return sum(m.ix.discount[y] * m.cost_musd[c, y] for c, y in m.cost_musd.keys())


def test_grid_energised_in_april(tmp_path):
    """Grid existing 20 MW, energised only from 2026-04 (0 before); 10 h100e every month. Gas (fuel
    $8/MMBtu: $80/MWh) is dearer than the grid ($50/MWh) but the only power in January–March.

    A one-year gas engine built in January serves all twelve months; after March it stands idle.
    A $1/kW-month demand charge pins the contract to the load: grid_mw = 0, 0, 0, then 10 × 9.
        gas capex      10 MW × $1000/kW = $10M (an annuity of 10 a year over 12 months)
        gas fuel       7.008 a year × 3/12            = 1.752
        grid energy    4.38 a year × 9/12             = 3.285
        demand charge  12 × 1 × 1000 × 10 / 10⁶ = 0.12 a year × 9/12 = 0.09
        total          15.127"""
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    gas = row(GAS, fuel_price_usd_per_mmbtu=8.0)
    region = row(REGION, demand_charge_usd_per_kw_month=1.0)
    config = {"horizon": MONTHLY, "targets": every_month(10), "grid": {"energised_mw": {"A": {"2026-04": 20}}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[gas], regions=[region])
    assert sol.status == "optimal"
    assert m.ix.periods == MONTHS
    assert [m.ix.inputs.energised_mw["A", y] for y in MONTHS] == [0.0] * 3 + [20.0] * 9
    assert values(m.grid_mw, [("A", y) for y in MONTHS]) == pytest.approx([0.0] * 3 + [10.0] * 9)
    assert value(m.cap_new_mw["A", "gas", "2026-01"]) == pytest.approx(10.0)
    assert sum(values(m.cap_new_mw, [("A", "gas", y) for y in MONTHS])) == pytest.approx(10.0)
    assert [m.cost_musd["fuel", y] for y in MONTHS] == pytest.approx([7.008] * 3 + [0.0] * 9)
    assert [m.cost_musd["grid_energy", y] for y in MONTHS] == pytest.approx([0.0] * 3 + [GRID_10MW] * 9)
    assert [m.cost_musd["demand_charge", y] for y in MONTHS] == pytest.approx([0.0] * 3 + [0.12] * 9)
    assert [m.cost_musd["annuity_power", y] for y in MONTHS] == pytest.approx([10.0] * 12)
    assert value(m.capex_musd["power", "2026-01"]) == pytest.approx(10.0)
    assert sol.objective == pytest.approx(10 + 1.752 + 3.285 + 0.09)
    assert npv(m) == pytest.approx(sol.objective)


def test_lead_time_in_months(tmp_path):
    """Gas with lead_time_months 4 (overriding lead_time_years 1) can first come online in the first
    period starting 4 months after January 2026: May. Gas at $100/kW (an annuity of 0.1 MUSD a year
    per MW) and $30/MWh beats the grid's $50/MWh (0.1752 MUSD a year per MW saved), so the plan runs
    January–April on the grid and builds 10 MW of gas in May.
        grid energy    4.38 × 4/12              = 1.46
        gas annuity    1.0 a year × 8/12 (May–December: only periods inside the horizon are charged)
        gas fuel       2.628 × 8/12
        total          1.46 + 3.628 × 8/12      = 3.878667"""
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    gas = row(GAS, capex_usd_per_kw=100.0, lead_time_years=1, lead_time_months=4)
    m, sol = solve_case(tmp_path, {"horizon": MONTHLY, "targets": every_month(10)}, sites=[site], techs=[gas])
    assert sol.status == "optimal"
    built = [y for s, k, y in m.ix.tech_build if k == "gas"]
    assert built == MONTHS[4:]
    assert all(("A", "gas", y) not in m.cap_mw for y in MONTHS[:4])
    assert value(m.cap_new_mw["A", "gas", "2026-05"]) == pytest.approx(10.0)
    assert values(m.cap_mw, [("A", "gas", y) for y in MONTHS[4:]]) == pytest.approx([10.0] * 8)
    assert [m.cost_musd["grid_energy", y] for y in MONTHS] == pytest.approx([GRID_10MW] * 4 + [0.0] * 8)
    assert [m.cost_musd["fuel", y] for y in MONTHS] == pytest.approx([0.0] * 4 + [FUEL_10MW] * 8)
    assert sol.objective == pytest.approx(1.46 + (1.0 + FUEL_10MW) * 8 / 12)


def test_site_lead_time_in_months(tmp_path):
    """A campus with lead_time_months 2 (lead_time_years 0) opens in March: a target in 2026-02 cannot
    be met; one in 2026-03 can, on the grid: one-year GPUs bought in March run March–December,
    4.38 a year × 10/12 = 3.65."""
    site = row(SITE, grid_existing_mw=20.0, lead_time_months=2)
    config = {"horizon": MONTHLY, "targets": {"compute_h100e": {"2026-02": 10}}}
    m, sol = solve_case(tmp_path / "early", config, sites=[site], techs=[])
    assert m.ix.site_build_years["A"] == MONTHS[2:]
    assert not sol.has_solution
    config["targets"] = {"compute_h100e": {"2026-03": 10}}
    m, sol = solve_case(tmp_path / "late", config, sites=[site], techs=[])
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(GRID_10MW * 10 / 12)


def test_rented_turbine_for_three_months(tmp_path):
    """Grid energised from 2026-04; a rented gas turbine (rent $30/kW-month, mobilisation $100/kW)
    bridges January–March and is returned: cap_mw = 10, 10, 10, then 0.
        rental         12 × 30 × 1000 × 10 / 10⁶ = 3.6 a year in months 1–3 → 3.6 × 3/12 = 0.9
                       (10 MW × $30/kW-month × 3 months)
        mobilisation   10 MW × $100/kW = $1M once, in January: a rate of 1 / (1/12) = 12 a year
        fuel           2.628 a year × 3/12 = 0.657
        grid energy    4.38 a year × 9/12  = 3.285
        total          5.842
    Keeping the turbine after March would cost 0.36 MUSD a year per MW of rent to save (50 − 30) ×
    8,760 / 10⁶ = 0.1752 of energy, so it goes back. No capex, annuity or fixed O&M for rented power."""
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    rented = row(GAS, tech_id="bridge", capex_usd_per_kw=100.0, rental_usd_per_kw_month=30.0, rented=True)
    config = {"horizon": MONTHLY, "targets": every_month(10), "grid": {"energised_mw": {"A": {"2026-04": 20}}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[rented])
    assert sol.status == "optimal"
    assert values(m.cap_mw, [("A", "bridge", y) for y in MONTHS]) == pytest.approx([10.0] * 3 + [0.0] * 9)
    assert values(m.rent_added_mw, [("A", "bridge", y) for y in MONTHS]) == pytest.approx([10.0] + [0.0] * 11)
    assert values(m.grid_mw, [("A", y) for y in MONTHS[:3]]) == pytest.approx([0.0] * 3)
    assert [m.cost_musd["rental", y] for y in MONTHS] == pytest.approx([3.6] * 3 + [0.0] * 9)
    assert [m.cost_musd["mobilisation", y] for y in MONTHS] == pytest.approx([12.0] + [0.0] * 11)
    assert [m.cost_musd["fuel", y] for y in MONTHS] == pytest.approx([FUEL_10MW] * 3 + [0.0] * 9)
    assert [m.cost_musd["grid_energy", y] for y in MONTHS] == pytest.approx([0.0] * 3 + [GRID_10MW] * 9)
    for category in ("annuity_power", "fixed_om"):
        assert [m.cost_musd[category, y] for y in MONTHS] == pytest.approx([0.0] * 12)
    assert sum(values(m.capex_musd, [("power", y) for y in MONTHS])) == pytest.approx(0.0)
    by_category = {c: sum(m.ix.discount[y] * m.cost_musd[c, y] for y in MONTHS)
                   for c in ("rental", "mobilisation", "fuel", "grid_energy")}
    assert by_category == pytest.approx({"rental": 0.9, "mobilisation": 1.0, "fuel": 0.657, "grid_energy": 3.285})
    assert sol.objective == pytest.approx(0.9 + 1.0 + 0.657 + 3.285)
    assert npv(m) == pytest.approx(sol.objective)


def test_rented_turbine_mobilisation_is_paid_once_at_any_discount_rate(tmp_path):
    """The same plan at 7 %: the mobilisation fee, a rate of 12 a year in January (weight 1/12 at
    t = 0), is worth exactly $1M; rent in month i (i = 0, 1, 2) weighs (1/12) · 1.07^−(i/12)."""
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    rented = row(GAS, tech_id="bridge", capex_usd_per_kw=100.0, rental_usd_per_kw_month=30.0, rented=True)
    config = {"horizon": {**MONTHLY, "discount_rate": 0.07}, "targets": every_month(10),
              "grid": {"energised_mw": {"A": {"2026-04": 20}}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[rented])
    assert sol.status == "optimal"
    weight = [1 / 12 * 1.07 ** -(i / 12) for i in range(12)]
    assert sum(m.ix.discount[y] * m.cost_musd["mobilisation", y] for y in MONTHS) == pytest.approx(1.0)
    expected = 1.0 + (3.6 + FUEL_10MW) * sum(weight[:3]) + GRID_10MW * sum(weight[3:])
    assert sol.objective == pytest.approx(expected)


def test_rented_mw_that_rise_again_pay_mobilisation_again(tmp_path):
    """The grid is energised in March–April and from July (0 in January–February and May–June); 10 MW
    of load all year. The turbine (rent $30/kW-month, mobilisation $10/kW) bridges January–February
    and May–June and goes back in between: keeping it through March–April would cost (3.6 − 1.752) ×
    2/12 = 0.308 (rent less the fuel saved against the grid), more than mobilising again
    (10 MW × $10/kW = 0.1). So cap_mw = 10, 10, 0, 0, 10, 10, 0 …; rent_added_mw = 10 in January and
    in May.
        rental         3.6 × 4/12 = 1.2
        mobilisation   2 × 0.1    = 0.2
        fuel           2.628 × 4/12 = 0.876
        grid energy    4.38 × 8/12  = 2.92
        total          5.196"""
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=20.0)
    rented = row(GAS, tech_id="bridge", capex_usd_per_kw=10.0, rental_usd_per_kw_month=30.0, rented=True)
    config = {"horizon": MONTHLY, "targets": every_month(10),
              "grid": {"energised_mw": {"A": {"2026-01": 0, "2026-03": 20, "2026-05": 0, "2026-07": 20}}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[rented])
    assert sol.status == "optimal"
    held = [10.0, 10.0, 0.0, 0.0, 10.0, 10.0] + [0.0] * 6
    assert values(m.cap_mw, [("A", "bridge", y) for y in MONTHS]) == pytest.approx(held)
    assert values(m.rent_added_mw, [("A", "bridge", y) for y in MONTHS]) == pytest.approx(
        [10.0, 0.0, 0.0, 0.0, 10.0] + [0.0] * 7)
    assert [m.cost_musd["mobilisation", y] for y in MONTHS] == pytest.approx([1.2, 0, 0, 0, 1.2] + [0.0] * 7)
    assert sol.objective == pytest.approx(1.2 + 0.2 + 0.876 + 2.92)


def test_quarterly_target_applies_in_its_quarter_only(tmp_path):
    """Quarters of 2026; 10 h100e wanted in 2026Q3 only. One-year GPUs at $1M: bought in Q3 they are
    charged for Q3 and Q4 (10 a year × ½ = 5) and draw 10 MW from the grid there (4.38 × ½ = 2.19);
    bought earlier they would cost more, and nothing is wanted before. Total 7.19."""
    site = row(SITE, grid_existing_mw=20.0)
    gpu = row(GPU, price_usd_per_unit=1e6)
    config = {"horizon": QUARTERLY, "targets": {"compute_h100e": {"2026Q3": 10}}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[], gpus=[gpu])
    assert sol.status == "optimal"
    assert list(m.compute_target_lower.keys()) == ["2026Q3"]
    assert values(m.gpu_new_units, [("A", "X", y) for y in QUARTERS]) == pytest.approx([0, 0, 10, 0])
    assert values(m.site_h100e, [("A", y) for y in QUARTERS]) == pytest.approx([0, 0, 10, 10])
    assert [m.cost_musd["grid_energy", y] for y in QUARTERS] == pytest.approx([0, 0, GRID_10MW, GRID_10MW])
    assert sol.objective == pytest.approx(5.0 + 2.19)


def case_for_oracle() -> dict:
    """Grid existing 6 MW ($1/kW-month demand charge), gas $1000/kW for the rest of a 10 MW load,
    GPUs at $1M; one-year lives, so each asset is bought once and serves the whole of 2026."""
    return dict(sites=[row(SITE, grid_existing_mw=6.0, gas_permit_mw=20.0)],
                regions=[row(REGION, demand_charge_usd_per_kw_month=1.0)], techs=[GAS],
                gpus=[row(GPU, price_usd_per_unit=1e6)])


def plan_of(m) -> tuple:
    first = m.ix.periods[0]
    return (value(m.grid_mw["A", first]), value(m.cap_mw["A", "gas", first]),
            sum(value(m.gpu_new_units[k]) for k in m.gpu_new_units))


@pytest.mark.parametrize("rate, at", [(0.0, "start"), (0.07, "start"), (0.07, "midpoint")])
def test_oracle_one_year_as_twelve_months(tmp_path, rate, at):
    """The same case as one yearly period and as twelve months (10 h100e every month). The plan is the
    same: 6 MW of grid, 4 MW of gas, 10 GPUs. At rate r every cost is a constant yearly rate C over
    2026 (annuities C_a = capex · crf(r, 1) = capex · (1 + r)), so
        yearly   objective = C · w_year,  w_year = 1 (start) or (1 + r)^−½ (midpoint)
        monthly  objective = C · Σ_{i<12} (1/12) · (1 + r)^−(i/12 + δ/12),  δ = 0 or ½.
    At r = 0: C = 10 GPUs × 1 + 4 MW gas × 1 + fuel 4 × 8,760 × 30 / 10⁶ + grid 6 × 8,760 × 50 / 10⁶
    + demand 12 × 1 × 1000 × 6 / 10⁶ = 10 + 4 + 1.0512 + 2.628 + 0.072 = 17.7512."""
    tables = case_for_oracle()
    horizon = {"discount_rate": rate, "discount_at": at}
    yearly_m, yearly = solve_case(tmp_path / "yearly", {"horizon": horizon, "targets": {"compute_h100e": {2026: 10}}},
                                  **tables)
    monthly_m, monthly = solve_case(tmp_path / "monthly", {"horizon": {**horizon, **MONTHLY},
                                                           "targets": every_month(10)}, **tables)
    assert yearly.status == monthly.status == "optimal"
    assert plan_of(yearly_m) == pytest.approx((6.0, 4.0, 10.0))
    assert plan_of(monthly_m) == pytest.approx(plan_of(yearly_m))
    assert values(monthly_m.grid_mw, [("A", y) for y in MONTHS]) == pytest.approx([6.0] * 12)
    assert values(monthly_m.cap_mw, [("A", "gas", y) for y in MONTHS]) == pytest.approx([4.0] * 12)
    assert values(monthly_m.site_h100e, [("A", y) for y in MONTHS]) == pytest.approx([10.0] * 12)
    rate_musd = (10 + 4) * (1 + rate) + 4 * HOURS * 30 / 1e6 + 6 * HOURS * 50 / 1e6 + 0.072
    half = 0.5 if at == "midpoint" else 0.0
    w_year = (1 + rate) ** -half
    w_months = sum(1 / 12 * (1 + rate) ** -(i / 12 + half / 12) for i in range(12))
    assert yearly.objective == pytest.approx(rate_musd * w_year, rel=1e-9)
    assert monthly.objective == pytest.approx(rate_musd * w_months, rel=1e-9)
    assert monthly.objective == pytest.approx(yearly.objective * w_months / w_year, rel=1e-9)
    if rate == 0:
        assert yearly.objective == pytest.approx(17.7512) and monthly.objective == pytest.approx(17.7512)


def test_midpoint_discounting_of_two_quarters(tmp_path):
    """A horizon of 2026Q3 and 2026Q4 (first_month 7) at 10 %: 10 MW from the grid in each quarter, a
    rate of 4.38 a year. From the start the quarters weigh ¼ and ¼ · 1.1^−¼; from their midpoints
    ¼ · 1.1^−⅛ and ¼ · 1.1^−⅜ (t = 0 and ¼, plus half of L = ¼)."""
    site = row(SITE, grid_existing_mw=20.0)
    weights = {"start": (0.25, 0.25 * 1.1 ** -0.25), "midpoint": (0.25 * 1.1 ** -0.125, 0.25 * 1.1 ** -0.375)}
    for at, (q3, q4) in weights.items():
        config = {"horizon": {"first_month": 7, "periods": [{"step": "quarter", "until": "2026Q4"}],
                              "discount_rate": 0.1, "discount_at": at},
                  "targets": {"compute_h100e": {"2026Q3": 10, "2026Q4": 10}}}
        m, sol = solve_case(tmp_path / at, config, sites=[site], techs=[])
        assert sol.status == "optimal"
        assert m.ix.periods == ["2026Q3", "2026Q4"]
        assert [m.ix.discount[y] for y in m.ix.periods] == pytest.approx([q3, q4], rel=1e-12)
        assert sol.objective == pytest.approx(GRID_10MW * (q3 + q4), rel=1e-9)


@pytest.mark.parametrize("supply", ["catalog", "config"])
def test_gpu_supply_is_pro_rated_per_month(tmp_path, supply):
    """120 GPUs a year → 10 a month. 25 h100e wanted in 2026-03 only; a one-year GPU at $1M bought in
    month i costs (1 + 0.438) a year (price + 1 MW of grid energy) for months i..12: (13 − i)/12.
    The latest months are cheapest but hold 10 each: 10 in March, 10 in February, 5 in January.
        total = 1.438 × (5 × 12 + 10 × 11 + 10 × 10) / 12 = 1.438 × 22.5 = 32.355"""
    site = row(SITE, grid_existing_mw=100.0)
    if supply == "catalog":
        gpu, extra = row(GPU, price_usd_per_unit=1e6, supply_gpus_per_year=120), {}
    else:
        gpu, extra = row(GPU, price_usd_per_unit=1e6), {"supply": {"gpus_per_year": {"X": {2026: 120}}}}
    config = {"horizon": MONTHLY, "targets": {"compute_h100e": {"2026-03": 25}}, **extra}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[], gpus=[gpu])
    assert sol.status == "optimal"
    assert len(m.compute_supply_upper) == 12
    bought = values(m.gpu_new_units, [("A", "X", y) for y in MONTHS])
    assert bought == pytest.approx([5, 10, 10] + [0] * 9)
    assert sol.objective == pytest.approx(1.438 * 22.5)


def test_months_of_a_year_share_its_budget(tmp_path):
    """Months of 2026, then 2027; $15M a year of capex; two-year GPUs at $1M (an annuity of 0.5 a
    year); 30 h100e wanted in 2027. 2027 buys 15; the other 15 share 2026's one budget (not 1/12 of it
    per month) and are bought in the latest month, December:
        annuities  15 × 0.5 (2027) + 15 × 0.5 × (1/12 + 1) (December and 2027) = 7.5 + 8.125
        energy     30 MW × 0.438 (2027) + 15 MW × 0.438 / 12 (December) = 13.14 + 0.5475
        total      29.3125
    35 h100e would need 20 GPUs in 2026: more than the year's budget, so infeasible."""
    site = row(SITE, grid_existing_mw=100.0)
    gpu = row(GPU, price_usd_per_unit=1e6, lifetime_years=2)
    config = {"horizon": {"last_year": 2027, **MONTHLY}, "targets": {"compute_h100e": {2027: 30}},
              "budget": {"capex_usd_per_year": 15e6}}
    m, sol = solve_case(tmp_path / "thirty", config, sites=[site], techs=[], gpus=[gpu])
    assert sol.status == "optimal"
    assert values(m.gpu_new_units, [("A", "X", y) for y in MONTHS + ["2027"]]) == pytest.approx([0] * 11 + [15, 15])
    assert sol.objective == pytest.approx(29.3125)
    config["targets"] = {"compute_h100e": {2027: 35}}
    _, sol = solve_case(tmp_path / "thirty_five", config, sites=[site], techs=[], gpus=[gpu])
    assert not sol.has_solution


def test_a_yearly_carbon_cap_is_met_over_the_year_not_month_by_month(tmp_path):
    """Months of 2026; 10 MW of GPUs; the grid (400 kg/MWh, $50/MWh) is energised only from April, gas
    (10 MMBtu/MWh × 50 kg = 500 kg/MWh, $80/MWh) carries January to March. Emissions over the year:
    10 MW × 8,760 h × (3/12 · 0.5 + 9/12 · 0.4) t = 37,230 t. A cap of 37,300 t a year holds although
    the gas months run at a rate of 43,800 t a year; a cap of 37,000 t does not."""
    months = {"horizon": {"first_year": 2026, "last_year": 2026, "periods": [{"step": "month", "until": "2026-12"}]},
              "targets": {"compute_h100e": {f"2026-{m:02d}": 10 for m in range(1, 13)}},
              "grid": {"energised_mw": {"A": {"2026-04": 20}}}}
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=50.0)
    fits = {**months, "policy": {"carbon_cap_t": {2026: 37_300}}}
    gas = [row(GAS, fuel_price_usd_per_mmbtu=8.0)]
    m, sol = solve_case(tmp_path / "fits", fits, sites=[site], techs=gas)
    assert sol.status == "optimal"
    assert sum(pyo.value(m.emissions_t[y]) * m.ix.length_years[y] for y in m.ix.periods) == pytest.approx(37_230)
    tight = {**months, "policy": {"carbon_cap_t": {2026: 37_000}}}
    _, sol = solve_case(tmp_path / "tight", tight, sites=[site], techs=gas)
    assert sol.status == "infeasible"
