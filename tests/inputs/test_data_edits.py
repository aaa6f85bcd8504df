"""Edits of data-table cells: ``data_edits:`` in a config, ``--set data.TABLE.ROW.COLUMN=value``
(``*=`` multiplies) and the Python API's ``{"data.T.R.C": value}`` keys."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pyomo.environ import value

from optimizer import api
from optimizer.errors import InputError, display_path
from optimizer.inputs.load import load_all
from optimizer.model.build import build_model
from optimizer.solve import solve
from tests.helpers import GAS, REGION, SITE, row, write_case

HOURS = 8760
GAS2 = row(GAS, tech_id="gas2", max_mw_per_site=20.0)          # a second tech: untouched unless '*'
REGION2 = row(REGION, region_id="R2", grid_price_usd_per_mwh=40.0, headroom_mw=100.0)


def case(folder: Path, edits: list[str] | None = None, **tables) -> Path:
    tables = {"techs": [GAS, GAS2], "regions": [REGION, REGION2], **tables}
    config = {"targets": {"compute_h100e": {2026: 10}}} | ({"data_edits": edits} if edits is not None else {})
    return write_case(folder, config, **tables)


def with_edit_lines(path: Path, items: list[str]) -> dict[str, int]:
    """Append ``data_edits:`` with ``items`` to the config file; the line of each item."""
    lines = path.read_text().splitlines()
    first = len(lines) + 2
    path.write_text("\n".join(lines + ["data_edits:"] + [f"  - {json.dumps(t)}" for t in items]) + "\n")
    return {t: first + i for i, t in enumerate(items)}


def problems_of(path: Path, overrides=()) -> list:
    with pytest.raises(InputError) as caught:
        load_all(path, overrides)
    return caught.value.problems


# ---- what edits do ----------------------------------------------------------------------------

def test_set_a_cell_from_the_file_and_from_set(tmp_path):
    path = case(tmp_path, ["techs.gas.capex_usd_per_kw=1200"])
    _, inputs = load_all(path, ["data.techs.gas.lead_time_months=24", "data.regions.R2.name=no"])
    techs = inputs.techs
    assert techs.at["gas", "capex_usd_per_kw"] == 1200.0
    assert techs.at["gas", "lead_time_months"] == 24.0
    assert techs.at["gas2", "capex_usd_per_kw"] == 1000.0 and math.isinf(techs.at["gas2", "lead_time_months"])
    assert inputs.regions.at["R2", "name"] == "no"             # a text column keeps the text as written


def test_blank_value_means_what_an_empty_cell_means(tmp_path):
    _, inputs = load_all(case(tmp_path), ["data.techs.gas2.max_mw_per_site="])
    assert math.isinf(inputs.techs.at["gas2", "max_mw_per_site"])   # blank: no limit


def test_a_factor_may_be_written_in_e_notation(tmp_path):
    _, inputs = load_all(case(tmp_path), ["data.techs.gas2.max_mw_per_site*=5e-1"])   # YAML 1.1 reads 5e-1 as text
    assert inputs.techs.at["gas2", "max_mw_per_site"] == 10.0


def test_multiply_every_row_keeps_blank_cells_blank(tmp_path):
    path = case(tmp_path, ["regions.*.headroom_mw*=1.5", "regions.*.grid_price_usd_per_mwh*=1.5",
                           "techs.*.max_mw_per_site*=2"])
    _, inputs = load_all(path)
    assert math.isinf(inputs.regions.at["R1", "headroom_mw"])      # blank: unlimited, stays so
    assert inputs.regions.at["R2", "headroom_mw"] == 150.0
    assert inputs.regions["grid_price_usd_per_mwh"].to_dict() == {"R1": 75.0, "R2": 60.0}
    assert math.isinf(inputs.techs.at["gas", "max_mw_per_site"])
    assert inputs.techs.at["gas2", "max_mw_per_site"] == 40.0
    assert inputs.headroom_mw[("R2", 2026)] == 150.0                # later steps see the edited table


def test_prices_rows_are_chosen_by_year(tmp_path):
    path = case(tmp_path, ["prices.2027.grid_price_adder_usd_per_mwh*=2", "prices.2026.gas_hub_usd_per_mmbtu=3.5",
                           "prices.*.grid_co2_factor*=3"])
    pd.DataFrame([{"year": 2026, "region_id": "", "gas_hub_usd_per_mmbtu": 3.0, "grid_price_adder_usd_per_mwh": "",
                   "grid_co2_factor": ""},
                  {"year": 2027, "region_id": "", "gas_hub_usd_per_mmbtu": 4.0, "grid_price_adder_usd_per_mwh": 5.0,
                   "grid_co2_factor": 0.5},
                  {"year": 2027, "region_id": "R1", "gas_hub_usd_per_mmbtu": "", "grid_price_adder_usd_per_mwh": 7.0,
                   "grid_co2_factor": ""}]).to_csv(tmp_path / "prices.csv", index=False)
    config = yaml.safe_load(path.read_text())
    config["data"]["prices"] = "prices.csv"
    config["horizon"]["last_year"] = 2027
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    _, inputs = load_all(path)
    p = inputs.prices
    assert (p["R1", 2026].gas_hub_usd_per_mmbtu, p["R1", 2026].grid_price_adder_usd_per_mwh,
            p["R1", 2026].grid_co2_factor) == (3.5, 0.0, 1.0)        # blank adder and factor stay blank
    assert (p["R1", 2027].gas_hub_usd_per_mmbtu, p["R1", 2027].grid_price_adder_usd_per_mwh,
            p["R1", 2027].grid_co2_factor) == (4.0, 14.0, 1.5)
    assert p["R2", 2027].grid_price_adder_usd_per_mwh == 10.0


def test_edits_apply_in_order_file_first_then_set(tmp_path):
    loaded, inputs = load_all(case(tmp_path, ["techs.gas.capex_usd_per_kw=1200"]),
                              ["data.techs.*.capex_usd_per_kw*=1.5"])
    assert inputs.techs["capex_usd_per_kw"].to_dict() == {"gas": 1800.0, "gas2": 1500.0}   # set, then multiply
    assert loaded.raw["data_edits"] == ["techs.gas.capex_usd_per_kw=1200", "techs.*.capex_usd_per_kw*=1.5"]
    _, inputs = load_all(case(tmp_path / "other", ["techs.*.capex_usd_per_kw*=1.5"]),
                         ["data.techs.gas.capex_usd_per_kw=1200", "data.techs.gas.capex_usd_per_kw*=0.5"])
    assert inputs.techs["capex_usd_per_kw"].to_dict() == {"gas": 600.0, "gas2": 1500.0}


def test_base_config_edits_come_first(tmp_path):
    base = case(tmp_path, ["techs.gas.capex_usd_per_kw=1200"])
    child = tmp_path / "child.yaml"
    child.write_text("extends: config.yaml\ndata_edits:\n  - techs.gas.capex_usd_per_kw*=2\n")
    grandchild = tmp_path / "grandchild.yaml"
    grandchild.write_text("extends: child.yaml\ndata_edits:\n  - techs.gas2.capex_usd_per_kw=700\n")
    loaded, inputs = load_all(grandchild, ["data.techs.gas.capex_usd_per_kw*=0.5"])
    assert loaded.raw["data_edits"] == ["techs.gas.capex_usd_per_kw=1200", "techs.gas.capex_usd_per_kw*=2",
                                        "techs.gas2.capex_usd_per_kw=700", "techs.gas.capex_usd_per_kw*=0.5"]
    assert inputs.techs["capex_usd_per_kw"].to_dict() == {"gas": 1200.0, "gas2": 700.0}
    base_line = base.read_text().splitlines().index("- techs.gas.capex_usd_per_kw=1200") + 1
    assert [loaded.locate(("data_edits", i)) for i in range(4)] == [
        (display_path(base), base_line), (display_path(child), 3), (display_path(grandchild), 3), ("--set", None)]


def test_resolved_config_holds_every_edit_and_reproduces_the_run(tmp_path):
    path = case(tmp_path / "case", ["techs.gas.capex_usd_per_kw=1200"])
    plan = api.run(path, {"data.techs.gas2.capex_usd_per_kw*": 0.5, "solver.time_limit_s": 30}, out=tmp_path / "run")
    resolved = tmp_path / "run" / "config.resolved.yaml"
    assert yaml.safe_load(resolved.read_text())["data_edits"] == ["techs.gas.capex_usd_per_kw=1200",
                                                                  "techs.gas2.capex_usd_per_kw*=0.5"]
    _, again = load_all(resolved)
    assert again.techs["capex_usd_per_kw"].to_dict() == {"gas": 1200.0, "gas2": 500.0}
    assert plan.inputs.techs["capex_usd_per_kw"].to_dict() == {"gas": 1200.0, "gas2": 500.0}


def test_api_mapping_keys_set_and_multiply(tmp_path):
    overrides = {"data.techs.gas.lead_time_months": 24, "data.regions.*.grid_price_usd_per_mwh*": 1.5}
    assert api.override_texts(overrides) == ["data.techs.gas.lead_time_months=24",
                                             "data.regions.*.grid_price_usd_per_mwh*=1.5"]
    inputs = api.load(case(tmp_path), overrides)
    assert inputs.techs.at["gas", "lead_time_months"] == 24.0
    assert inputs.regions["grid_price_usd_per_mwh"].to_dict() == {"R1": 75.0, "R2": 60.0}


def test_set_of_a_data_file_still_names_a_file(tmp_path):
    path = case(tmp_path)
    other = tmp_path / "other"
    write_case(other, {}, techs=[row(GAS, capex_usd_per_kw=333.0)])
    _, inputs = load_all(path, [f"data.techs={other / 'techs.csv'}"])
    assert inputs.techs["capex_usd_per_kw"].to_dict() == {"gas": 333.0}


def test_checks_across_tables_see_edited_values(tmp_path):
    [problem] = problems_of(case(tmp_path), ["data.sites.A.region_id=R9"])
    assert problem.message == "site 'A' names unknown region 'R9'"


# ---- mistakes ---------------------------------------------------------------------------------

def test_mistakes_in_the_config_name_file_line_and_edit(tmp_path):
    path = case(tmp_path, sites=[row(SITE, lead_time_years=1)])
    items = ["techs.gas_recip=24", "tech.gas.capex_usd_per_kw=1", "techs.gass.capex_usd_per_kw=1",
             "techs.gas.capex_usd_per_k=1", "techs.gas.tech_id=x", "techs.gas.name*=2",
             "techs.gas.capex_usd_per_kw=-5", "techs.gas.capex_usd_per_kw=inf", "techs.gas.capex_usd_per_kw*=abc",
             "prices.*.grid_co2_factor=1", "techs.*.availability*=2", "sites.*.lead_time_years*=1.5",
             "profiles.*.solar_cf=1", "techs.gas.kind=nuke"]
    lines = with_edit_lines(path, items)
    problems = problems_of(path, ["solver.time_limt_s=5"])
    found = {p.key: p for p in reversed(problems)}     # the first problem of each edit
    assert "solver.time_limt_s" in found                         # collected with the other problems
    expected = {
        "techs.gas_recip=24": ("a data edit names a table, a row and a column", "write techs.gas_recip.COLUMN=24"),
        "tech.gas.capex_usd_per_kw=1": ("unknown table 'tech'",
                                        "did you mean 'techs'? editable tables: sites, regions, techs, gpus, prices"),
        "techs.gass.capex_usd_per_kw=1": ("unknown tech 'gass' in table techs", "did you mean 'gas'?"),
        "techs.gas.capex_usd_per_k=1": ("unknown column 'capex_usd_per_k' in table techs",
                                        "did you mean 'capex_usd_per_kw'?"),
        "techs.gas.tech_id=x": ("the id column tech_id cannot be edited", "edit the techs file"),
        "techs.gas.name*=2": ("cannot multiply column name: it holds text", "techs.gas.name=value"),
        "techs.gas.capex_usd_per_kw=-5": ("-5 is below the minimum 0", "overnight capital cost per kW"),
        "techs.gas.capex_usd_per_kw=inf": ("'inf' is not a finite number", "overnight capital cost per kW"),
        "techs.gas.capex_usd_per_kw*=abc": ("a '*=' factor must be a finite number (got 'abc')", "write a number"),
        "prices.*.grid_co2_factor=1": ("the config names no prices table", "add data.prices: FILE"),
        "techs.*.availability*=2": ("row 'gas': 2.0 is above the maximum 1", "share of capacity available"),
        "sites.*.lead_time_years*=1.5": ("row 'A': '1.5' is not a whole number", "years from the build decision"),
        "profiles.*.solar_cf=1": ("table 'profiles' cannot be edited", "editable tables: "),
        "techs.gas.kind=nuke": ("unknown tech kind 'nuke'", "valid: ppa, solar, storage, thermal, wind"),
    }
    for text, (message, hint) in expected.items():
        p = found[text]
        assert (p.file, p.line, p.message) == (display_path(path), lines[text], message), text
        assert hint in p.hint, text
    assert len(problems) == len(expected) + 2         # the override's, and availability: gas and gas2 both
    assert [p.message for p in problems if p.key == "techs.*.availability*=2"] == [
        "row 'gas': 2.0 is above the maximum 1", "row 'gas2': 2.0 is above the maximum 1"]


def test_an_edit_written_as_a_mapping_is_named(tmp_path):
    path = case(tmp_path)
    line = len(path.read_text().splitlines()) + 2
    path.write_text(path.read_text() + "data_edits:\n  - techs.gas.capex_usd_per_kw: 5\n")
    [problem] = problems_of(path)
    assert (problem.file, problem.line, problem.key) == (display_path(path), line, "data_edits[0]")
    assert "with '=', not ':'" in problem.hint


def test_mistakes_on_the_command_line_name_set(tmp_path):
    found = problems_of(case(tmp_path), ["data.techs.gas_recip=24", "data.techs.gas.lead_time_mnths=24",
                                         "data.prices.2027x.grid_co2_factor=1"])
    rendered = sorted(p.render() for p in found)
    assert rendered == sorted([
        "--set: data.techs.gas_recip=24: a data edit names a table, a row and a column (fix: write "
        "data.techs.gas_recip.COLUMN=24 (ROW: an id or *), e.g. data.techs.gas_recip.lead_time_months=24)",
        "--set: data.techs.gas.lead_time_mnths=24: unknown column 'lead_time_mnths' in table techs (fix: did you "
        "mean 'lead_time_months'?)",
        "--set: data.prices.2027x.grid_co2_factor=1: the config names no prices table (fix: add data.prices: FILE "
        "to the config, or remove this edit)"])


def test_a_factor_is_checked_row_by_row(tmp_path):
    [problem] = problems_of(case(tmp_path), ["data.regions.*.grid_price_usd_per_mwh*=2500"])
    assert problem.message == "row 'R1': 125000.0 is above the maximum 100000"   # R2: 40 × 2500 is allowed
    assert (problem.file, problem.line, problem.key) == ("--set", None, "data.regions.*.grid_price_usd_per_mwh*=2500")


# ---- an edit changes the plan -----------------------------------------------------------------

def solve_with(path: Path, overrides: list[str]):
    _, inputs = load_all(path, overrides)
    m = build_model(inputs)
    return m, solve(m, inputs.config.solver, inputs.config.objective.kind)


def test_an_edit_changes_the_plan(tmp_path):
    """A gas-only site: 10 MW of gas at $1000/kW plus fuel (10 MW × 8760 h × 10 MMBtu/MWh × $3).
    Capex × 1.5 adds $5M; a grid site that buys grid power takes gas once gas costs $1/kW to build
    and its fuel costs $1/MMBtu ($10/MWh against the grid's $50/MWh)."""
    gas_only = write_case(tmp_path / "gas", {"targets": {"compute_h100e": {2026: 10}}},
                          sites=[row(SITE, gas_permit_mw=50.0)])
    fuel = 10 * HOURS * 10 * 3 / 1e6
    _, sol = solve_with(gas_only, [])
    assert sol.objective == pytest.approx(10.0 + fuel)
    _, sol = solve_with(gas_only, ["data.techs.gas.capex_usd_per_kw*=1.5"])
    assert sol.objective == pytest.approx(15.0 + fuel)
    grid_site = write_case(tmp_path / "grid", {"targets": {"compute_h100e": {2026: 10}}},
                           sites=[row(SITE, gas_permit_mw=50.0, grid_existing_mw=50.0)])
    m, sol = solve_with(grid_site, [])
    assert sol.objective == pytest.approx(10 * HOURS * 50 / 1e6) and value(m.cap_mw["A", "gas", 2026]) == 0
    m, sol = solve_with(grid_site, ["data.techs.gas.capex_usd_per_kw=1", "data.techs.gas.fuel_price_usd_per_mmbtu=1"])
    assert sol.objective == pytest.approx(10 * 1e3 / 1e6 + 10 * HOURS * 10 / 1e6)
    assert value(m.cap_mw["A", "gas", 2026]) == pytest.approx(10.0)
