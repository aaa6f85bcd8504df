"""The MILP against an independent oracle on small random instances.

Instance: N ≤ 4 campuses, one year, each with a fixed cost, a size, a PUE, a shell cost per kW and
its own grid price; GPUs of 1 MW IT each; a target of T units. With discount rate 0 and one-year
lives, the cost of a plan is Σ_{open} fixed[s] + Σ_s units[s] · per_mw[s], where
per_mw[s] = shell_usd_per_kw · 1000 + pue[s] · 8760 · price[s]. The oracle enumerates every set
of open campuses that can hold T and fills the cheapest per-MW campuses first (optimal for one
resource with capacities), then takes the cheapest set.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REGION, SITE, row, solve_case

HOURS = 8760.0

site_strategy = st.fixed_dictionaries({
    "fixed_musd": st.integers(0, 40),
    "size_mw": st.integers(1, 8),
    "pue": st.sampled_from([1.1, 1.2, 1.35]),
    "shell_usd_per_kw": st.sampled_from([0.0, 500.0, 2000.0]),
    "price": st.sampled_from([30.0, 45.0, 60.0, 90.0]),
})


def oracle(sites: list[dict], target: int) -> float | None:
    best = None
    for n in range(1, len(sites) + 1):
        for chosen in itertools.combinations(range(len(sites)), n):
            if sum(sites[i]["size_mw"] for i in chosen) < target:
                continue
            per_mw = sorted((sites[i]["shell_usd_per_kw"] * 1e3 + sites[i]["pue"] * HOURS * sites[i]["price"], i)
                            for i in chosen)
            left, cost = target, sum(sites[i]["fixed_musd"] * 1e6 for i in chosen)
            for unit_cost, i in per_mw:
                take = min(left, sites[i]["size_mw"])
                cost += take * unit_cost
                left -= take
            best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sites=st.lists(site_strategy, min_size=1, max_size=4), target=st.integers(1, 20))
def test_milp_matches_enumeration(tmp_path_factory, sites, target):
    folder = tmp_path_factory.mktemp("oracle")
    site_rows = [row(SITE, site_id=f"S{i}", region_id=f"R{i}", max_it_mw=float(s["size_mw"]), pue=s["pue"],
                     site_capex_usd=s["fixed_musd"] * 1e6, shell_capex_usd_per_kw=s["shell_usd_per_kw"],
                     grid_existing_mw=100.0) for i, s in enumerate(sites)]
    regions = [row(REGION, region_id=f"R{i}", grid_price_usd_per_mwh=s["price"]) for i, s in enumerate(sites)]
    m, sol = solve_case(folder, {"targets": {"compute_h100e": {2026: target}}}, sites=site_rows,
                        regions=regions, techs=[])
    expected = oracle(sites, target)
    if expected is None:
        assert not sol.has_solution
    else:
        assert sol.status == "optimal"
        assert sol.objective * 1e6 == pytest.approx(expected, rel=1e-7, abs=1e-3)
