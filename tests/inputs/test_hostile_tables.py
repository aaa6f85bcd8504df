"""Hostile data tables and hourly years: each gives a problem naming file, row line and column.

Non-finite numbers (``inf``, ``nan``, ``1e400``) in any numeric column, absurd magnitudes, data
paths that are folders or devices, tables too large to read, and hourly years with gaps or a
29 February.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import GAS, GPU, REGION, SITE, hourly_profiles, row, write_case
from optimizer.errors import InputError, Problem
from optimizer.inputs import tables
from optimizer.inputs.columns import TABLES
from optimizer.inputs.load import load_all


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_all(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(p.render() for p in problems)
    return problems[0]


def test_every_numeric_column_has_a_finite_range():
    for table, columns in TABLES.items():
        for c in columns:
            if c.kind in ("int", "float"):
                assert c.minimum is not None and c.maximum is not None, (table, c.name)
                assert c.maximum < 1e16, (table, c.name)


# ---- 6. non-finite numbers and absurd magnitudes ---------------------------------------------------

@pytest.mark.parametrize("table, column, text", [
    ("techs", "lead_time_years", "inf"), ("techs", "lifetime_years", "inf"), ("gpus", "gpus_per_unit", "inf"),
    ("gpus", "lifetime_years", "-inf"), ("techs", "lead_time_years", "nan"), ("gpus", "first_year", "1e400"),
])
def test_non_finite_whole_numbers_are_refused(tmp_path, table, column, text):
    """These crashed with OverflowError (int(inf)) before."""
    template = {"techs": GAS, "gpus": GPU}[table]
    path = write_case(tmp_path, {}, **{table: [row(template, **{column: text})]})
    problem = only_problem(path)
    assert (Path(problem.file).name, problem.line, problem.key) == (f"{table}.csv", 2, f"row 2, column {column}")
    assert problem.message == f"'{text}' is not a finite number"


@pytest.mark.parametrize("column, text", [("capex_usd_per_kw", "nan"), ("capex_usd_per_kw", "NaN"),
                                          ("fom_usd_per_kw_year", "-inf"), ("vom_usd_per_mwh", "1e400"),
                                          ("availability", "Infinity"), ("heat_rate_btu_per_kwh", "+inf")])
def test_non_finite_decimals_are_refused(tmp_path, column, text):
    path = write_case(tmp_path, {}, techs=[row(GAS), row(GAS, tech_id="gas2", **{column: text})])
    problem = only_problem(path)
    assert (problem.line, problem.key, problem.message) == (3, f"row 3, column {column}",
                                                            f"'{text}' is not a finite number")


@pytest.mark.parametrize("table, column", [("techs", "max_mw_per_site"), ("gpus", "supply_gpus_per_year"),
                                           ("sites", "water_mgd"), ("regions", "headroom_mw")])
def test_inf_in_a_no_limit_column_says_to_leave_the_cell_empty(tmp_path, table, column):
    template = {"techs": GAS, "gpus": GPU, "sites": SITE, "regions": REGION}[table]
    path = write_case(tmp_path, {}, **{table: [row(template, **{column: "inf"})]})
    problem = only_problem(path)
    assert (problem.line, problem.key) == (2, f"row 2, column {column}")
    assert problem.message == "'inf' is not a finite number: leave the cell empty for no limit"


def test_empty_cells_still_mean_no_limit(tmp_path):
    _, inputs = load_all(write_case(tmp_path, {}))
    assert inputs.techs.loc["gas", "max_mw_per_site"] == float("inf")
    assert inputs.gpus.loc["X", "supply_gpus_per_year"] == float("inf")


@pytest.mark.parametrize("table, column, value, message", [
    ("sites", "max_it_mw", 1e308, "1e+308 is above the maximum 1e7"),
    ("techs", "capex_usd_per_kw", 1e9, "1000000000.0 is above the maximum 1e6"),
    ("techs", "lifetime_years", 1000, "1000 is above the maximum 200"),
    ("gpus", "price_usd_per_unit", "1e13", "1e13 is above the maximum 1e12"),
    ("gpus", "gpus_per_unit", 10**7, "10000000 is above the maximum 1e6"),
])
def test_absurd_magnitudes_are_refused(tmp_path, table, column, value, message):
    template = {"techs": GAS, "gpus": GPU, "sites": SITE}[table]
    path = write_case(tmp_path, {}, **{table: [row(template, **{column: value})]})
    problem = only_problem(path)
    assert (Path(problem.file).name, problem.line, problem.key) == (f"{table}.csv", 2, f"row 2, column {column}")
    assert problem.message == message


def test_several_bad_cells_are_all_reported(tmp_path):
    path = write_case(tmp_path, {}, techs=[row(GAS, lead_time_years="inf", lifetime_years="nan")],
                      gpus=[row(GPU, gpus_per_unit="inf")])
    found = {(Path(p.file).name, p.line, p.key) for p in problems_of(path)}
    assert found == {("techs.csv", 2, "row 2, column lead_time_years"), ("techs.csv", 2, "row 2, column lifetime_years"),
                     ("gpus.csv", 2, "row 2, column gpus_per_unit")}


# ---- special files --------------------------------------------------------------------------------

def test_a_data_path_that_is_a_device_is_refused_without_reading(tmp_path):
    path = write_case(tmp_path, {"data": {"techs": "/dev/zero"}})
    problem = only_problem(path)   # located at the config line that names the file
    assert problem.file.endswith("config.yaml") and problem.line is not None and problem.key == "data.techs"
    assert problem.message == "data file /dev/zero: is not a regular file (it is a device, pipe or socket)"


def test_a_data_path_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "gpus_folder").mkdir(parents=True)
    path = write_case(tmp_path, {"data": {"gpus": "gpus_folder"}})
    assert only_problem(path).message.endswith("gpus_folder: is a folder, not a table")


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_table_past_the_byte_limit_is_refused(tmp_path, monkeypatch, suffix):
    """The limit counts decompressed bytes, so a small .gz cannot expand without bound."""
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 1_000)
    frame = pd.DataFrame([row(GAS, tech_id=f"t{i}") for i in range(50)])
    frame.to_csv(tmp_path / f"big{suffix}", index=False)
    assert (tmp_path / f"big{suffix}").stat().st_size < 1_000 or suffix == ".csv"
    frame, problems = tables.read_table("techs", tmp_path / f"big{suffix}")
    assert frame is None
    assert [p.message for p in problems] == ["holds more than 1,000 bytes of text"]


def test_compressed_tables_are_still_read(tmp_path):
    pd.DataFrame([row(GAS)]).to_csv(tmp_path / "techs.csv.gz", index=False)
    frame, problems = tables.read_table("techs", tmp_path / "techs.csv.gz")
    assert problems == [] and list(frame["tech_id"]) == ["gas"]


# ---- 8. hourly years ------------------------------------------------------------------------------

def hourly_case(folder: Path, profiles: pd.DataFrame) -> Path:
    return write_case(folder, {"time_slices": {"resolution": "full_year", "hours_per_slice": 24}},
                      sites=[row(SITE, solar_land_mw=10.0)], profiles=profiles)


def leap_year(drop_29_february: bool = False) -> pd.DataFrame:
    stamps = pd.date_range("2024-01-01", periods=8784, freq="h", tz="UTC")
    if drop_29_february:
        stamps = stamps[(stamps.month != 2) | (stamps.day != 29)]
    return pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"), "zone": "Z", "solar_cf": 0.2})


def test_missing_hours_name_the_line_after_which_they_start(tmp_path):
    gap = hourly_profiles(solar_cf=0.2).drop(index=range(100, 103))
    problem = only_problem(hourly_case(tmp_path, gap))
    # rows 0..99 are on lines 2..101: the gap starts after the row of 2023-01-05 03:00 on line 101
    assert (Path(problem.file).name, problem.line, problem.key) == ("profiles.csv", 101, "zone Z")
    assert problem.message == "hours are missing after 2023-01-05 03:00 UTC"


def test_a_leap_day_is_named_at_its_first_row(tmp_path):
    problem = only_problem(hourly_case(tmp_path, leap_year()))
    # 29 February 2024 00:00 is hour 59 * 24 of the year: line 59 * 24 + 2
    assert (problem.line, problem.key) == (59 * 24 + 2, "zone Z")
    assert problem.message == "has 29 February (a leap day) and so has 8,784 hours; a year needs 8,760"
    assert problem.hint == "drop 29 February"


def test_24_extra_rows_on_29_february_are_a_leap_day_not_missing_hours(tmp_path):
    year = hourly_profiles(solar_cf=0.2)
    extra = pd.DataFrame({"timestamp": [f"2023-02-29T{h:02d}:00:00Z" for h in range(24)], "zone": "Z",
                          "solar_cf": 0.2})
    frame = pd.concat([year.iloc[:59 * 24], extra, year.iloc[59 * 24:]], ignore_index=True)
    problem = only_problem(hourly_case(tmp_path, frame))
    assert (problem.line, problem.key) == (59 * 24 + 2, "row 1418, column timestamp")
    assert problem.message == "timestamp '2023-02-29T00:00:00Z' is 29 February of a year without one"
    assert "a model year has 8,760 hours" in problem.hint


def test_a_leap_day_and_a_gap_are_both_named(tmp_path):
    frame = leap_year().drop(index=range(5000, 5010))
    messages = [(p.line, p.message) for p in problems_of(hourly_case(tmp_path, frame))]
    assert messages == [(59 * 24 + 2, "has 29 February (a leap day); a model year has 8,760 hours"),
                        (5001, "hours are missing after 2024-07-27 07:00 UTC")]


def test_a_leap_year_with_29_february_dropped_is_read(tmp_path):
    _, inputs = load_all(hourly_case(tmp_path, leap_year(drop_29_february=True)))
    assert len(inputs.slices.table) == 365
    assert inputs.slices.table["weight_h"].sum() == pytest.approx(8760)


def test_an_unreadable_timestamp_names_its_row(tmp_path):
    frame = hourly_profiles(solar_cf=0.2)
    frame.loc[10, "timestamp"] = "2023-13-01T00:00:00Z"
    problem = only_problem(hourly_case(tmp_path, frame))
    assert (problem.line, problem.key) == (12, "row 12, column timestamp")
    assert problem.message == "cannot read the timestamp '2023-13-01T00:00:00Z' (1 such rows)"


def test_non_finite_hourly_values_are_refused(tmp_path):
    frame = hourly_profiles(solar_cf=0.2, temperature_c=20.0).astype({"solar_cf": object, "temperature_c": object})
    frame.loc[7, "temperature_c"] = "nan"
    frame.loc[8, "solar_cf"] = "inf"
    found = {(p.line, p.key, p.message) for p in problems_of(hourly_case(tmp_path, frame))}
    assert found == {(9, "row 9, column temperature_c", "'nan' is not a finite number"),
                     (10, "row 10, column solar_cf", "'inf' is not a finite number")}
