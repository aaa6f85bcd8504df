"""Typical days drawn per season (time_slices.seasons), so that a month or quarter of the horizon
sees its own weather and prices.

The synthetic year (2023, UTC, 365 days) has solar_cf = month / 100 in every hour of the month
(January 0.01 … December 0.12): a season's slices must carry its own months' values, and a
month's weights sum to its hours (January 31 · 24 = 744 h, February 672 h, …)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import SITE, hourly_profiles, row, write_case
from optimizer.config.schema import TimeSlices
from optimizer.errors import InputError
from optimizer.inputs.load import load_all
from optimizer.inputs.timeslices import finest_months, from_hourly, resolve_seasons

STAMPS = pd.date_range("2023-01-01", periods=8760, freq="h", tz="UTC")
MONTH = STAMPS.month.to_numpy()                     # 1 … 12 for each hour
DAY = np.arange(8760) // 24                          # day of the year, 0 … 364
MONTH_HOURS = {f"{m:02d}": 24.0 * d for m, d in
               enumerate([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], start=1)}
QUARTER_HOURS = {"Q1": 2160.0, "Q2": 2184.0, "Q3": 2208.0, "Q4": 2208.0}   # 90, 91, 92, 92 days


def wide_year(**columns) -> pd.DataFrame:
    """A wide hourly frame for zone Z: solar_cf = month / 100 plus the ``columns`` given (8,760 values)."""
    frame = pd.DataFrame({"solar_cf|Z": MONTH / 100, **{f"{k}|Z": v for k, v in columns.items()}}, index=STAMPS)
    frame.index.name = "timestamp"
    return frame


def slices_of(wide: pd.DataFrame, seasons: str, cluster: bool = True, **settings):
    found, problems = from_hourly(wide, TimeSlices(hours_per_slice=24, **settings), lambda path: (None, None),
                                  cluster, seasons)
    assert problems == []
    return found


def season_weights(slices) -> dict[str, float]:
    return slices.table.groupby("season", sort=False)["weight_h"].sum().to_dict()


def solar_by_season(slices) -> pd.Series:
    solar = slices.cf.loc["Z", "solar_cf"]
    return solar.groupby(slices.table.set_index("slice")["season"]).agg(["min", "max"])


# ---- settings --------------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, months, seasons", [
    ("auto", 12, "year"), ("auto", 24, "year"), ("auto", 11, "quarter"), ("auto", 3, "quarter"),
    ("auto", 2, "month"), ("auto", 1, "month"),
    ("year", 1, "year"), ("quarter", 12, "quarter"), ("month", 12, "month")])
def test_resolve_seasons(setting, months, seasons):
    assert resolve_seasons(setting, months) == seasons


@pytest.mark.parametrize("periods, months", [
    (None, 12), ([], 12), ([{"step": "year", "until": 2030}], 12),
    ([{"step": "quarter", "until": "2025Q4"}], 3),
    ([{"step": "month", "until": "2024-12"}, {"step": "quarter", "until": "2025Q4"}], 1),
    ("month", 12), ([None, 3, {"step": "fortnight"}, {"until": "2024-12"}], 12), ([{"step": ["month"]}], 12)])
def test_finest_months_of_the_horizon_periods(periods, months):
    assert finest_months(periods) == months


def test_seasons_default_to_auto():
    assert TimeSlices().seasons == "auto"


# ---- typical days per season -------------------------------------------------------------------------

def test_monthly_typical_days_carry_their_months_weather():
    """Wind 0.2 on even days and 0.4 on odd days of the year: two typical days per month find them."""
    slices = slices_of(wide_year(wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4)), "month", representative_days=2)
    assert slices.seasons == list(MONTH_HOURS)
    assert season_weights(slices) == MONTH_HOURS                      # January 744, February 672, ...
    assert slices.season_hours() == MONTH_HOURS
    assert slices.table["weight_h"].sum() == 8760
    assert len(slices.table) == 24                                    # 2 typical days × 12 months
    by_month = solar_by_season(slices)
    for m in range(1, 13):
        assert by_month.loc[f"{m:02d}"].tolist() == pytest.approx([m / 100, m / 100], rel=1e-12)
    # January: days 0..30, 16 even (wind 0.2) and 15 odd (wind 0.4)
    january = slices.table[slices.table["season"] == "01"].set_index("slice")
    wind = slices.cf.loc["Z", "wind_cf"]
    assert sorted(zip(wind[january.index].round(12), january["weight_h"])) == [(0.2, 16 * 24.0), (0.4, 15 * 24.0)]
    assert slices.description == "2 typical days per month × 12 months (tsam, hierarchical) × 1 slices"


def test_typical_day_ids_and_calendar_name_the_season():
    slices = slices_of(wide_year(wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4)), "month", representative_days=2)
    table = slices.table
    assert table["slice"].is_unique and table["period"].nunique() == 24
    assert set(table.loc[table["season"] == "02", "period"]) == {"02d00", "02d01"}
    assert table["slice"].iloc[0] == "01d00/00"
    assert table["period"].str[:2].tolist() == table["season"].tolist()
    assert len(slices.calendar) == 365
    assert [day[:2] for day in slices.calendar] == [f"{m:02d}" for m in MONTH[::24]]   # each day in its own month
    weights = table.groupby("period")["weight_h"].first() / 24
    assert pd.Series(slices.calendar).value_counts().sort_index().tolist() == weights.sort_index().tolist()


def test_quarterly_typical_days_are_the_quarters_months():
    """Wind 0.1 · month: every quarter has three kinds of day, its months; three typical days per
    quarter are exactly those months, each standing for the month's days (Q1: 31, 28, 31 days)."""
    slices = slices_of(wide_year(wind_cf=MONTH / 10), "quarter", representative_days=3)
    assert slices.seasons == ["Q1", "Q2", "Q3", "Q4"]
    assert season_weights(slices) == QUARTER_HOURS == slices.season_hours()
    assert slices.table["weight_h"].sum() == 8760
    assert slices.table["slice"].iloc[0] == "Q1d00/00"
    solar = slices.cf.loc["Z", "solar_cf"].round(12)
    q1 = slices.table[slices.table["season"] == "Q1"]
    assert sorted(zip(solar[q1["slice"]], q1["weight_h"])) == [(0.01, 744.0), (0.02, 672.0), (0.03, 744.0)]
    assert solar_by_season(slices).loc["Q4"].tolist() == pytest.approx([0.10, 0.12], rel=1e-12)
    assert slices.description == "3 typical days per quarter × 4 quarters (tsam, hierarchical) × 1 slices"


def test_typical_days_are_capped_at_the_days_of_a_month():
    """30 typical days asked: February has 28 days, April 30, January 31."""
    slices = slices_of(wide_year(wind_cf=(DAY % 7) / 10), "month", representative_days=30)
    count = slices.table.groupby("season")["period"].nunique()
    assert (count["01"], count["02"], count["04"]) == (30, 28, 30)
    assert season_weights(slices) == MONTH_HOURS
    assert slices.description.startswith("28–30 typical days per month × 12 months")


def test_extreme_days_are_found_in_each_month():
    """Temperature 10 · month + day of the month / 10: each month's hottest day is its last."""
    temperature = 10 * MONTH + STAMPS.day.to_numpy() / 10
    slices = slices_of(wide_year(wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4), temperature_c=temperature),
                       "month", representative_days=2, extreme_days=["hottest"])
    temperature = slices.cf.loc["Z", "temperature_c"].groupby(slices.table.set_index("slice")["season"]).max()
    assert temperature.loc["01"] == pytest.approx(13.1)
    assert temperature.loc["02"] == pytest.approx(22.8)
    assert temperature.loc["12"] == pytest.approx(123.1)
    assert slices.table.groupby("season")["period"].nunique().tolist() == [3] * 12
    assert season_weights(slices) == MONTH_HOURS
    assert slices.description == "2 typical days + 1 extreme per month × 12 months (tsam, hierarchical) × 1 slices"


def test_validation_stand_in_plans_the_seasons_slices():
    wide = wide_year(wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4))
    stand_in = slices_of(wide, "month", cluster=False, representative_days=30, extreme_days=["lowest_wind"])
    assert len(stand_in.table) == 365
    assert stand_in.table["season"].tolist() == [f"{m:02d}" for m in MONTH[::24]]
    assert season_weights(stand_in) == MONTH_HOURS
    # (30 typical, 28 in February + 1 extreme) per month, one slice a day: 11 · 31 + 29
    assert stand_in.planned_slices == 11 * 31 + 29
    assert stand_in.description == ("28–30 typical days + 1 extreme per month × 12 months (tsam, hierarchical) × 1 "
                                    "slices, found when solving")
    quarters = slices_of(wide, "quarter", cluster=False, representative_days=4)
    assert quarters.planned_slices == 16 and season_weights(quarters) == QUARTER_HOURS


# ---- the full year -------------------------------------------------------------------------------------

def test_full_year_by_month_cycles_storage_within_each_month():
    wide = wide_year(wind_cf=0.3)
    found, problems = from_hourly(wide, TimeSlices(resolution="full_year", hours_per_slice=1), None, True, "month")
    assert problems == []
    table = found.table.set_index("slice")
    assert len(table) == 8760 and found.seasons == list(MONTH_HOURS)
    assert table.loc["h0743", ["season", "period", "position"]].tolist() == ["01", "01", 743]
    assert table.loc["h0744", ["season", "period", "position"]].tolist() == ["02", "02", 0]   # 1 February 00:00
    assert table.loc["h8759", ["season", "period", "position"]].tolist() == ["12", "12", 743]
    assert season_weights(found) == MONTH_HOURS
    assert found.cf.loc[("Z", "h0744"), "solar_cf"] == 0.02
    assert found.description == "full year: 8,760 slices of 1 h, storage cycling within each of 12 months"


def test_full_year_by_quarter_in_blocks():
    found, _ = from_hourly(wide_year(), TimeSlices(resolution="full_year", hours_per_slice=6), None, True, "quarter")
    table = found.table.set_index("slice")
    assert table.loc["h2154", "season"] == "Q1" and table.loc["h2160", "season"] == "Q2"
    assert table.loc["h2160", "position"] == 0
    assert season_weights(found) == QUARTER_HOURS


def test_year_is_unchanged():
    """seasons: year (and auto without sub-year periods) keep the plain ids, one period for the full year."""
    wide = wide_year(wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4))
    typical = slices_of(wide, "year", representative_days=2)
    assert typical.table["slice"].tolist() == ["d00/00", "d01/00"]
    assert set(typical.table["season"]) == {"year"} and typical.seasons == ["year"]
    assert sorted(typical.table["weight_h"]) == [182 * 24.0, 183 * 24.0]
    assert typical.season_hours() == {"year": 8760.0}
    assert set(typical.calendar) == {"d00", "d01"} and len(typical.calendar) == 365
    assert typical.description == "2 typical days (tsam, hierarchical) × 1 slices"
    auto, _ = from_hourly(wide, TimeSlices(hours_per_slice=24, representative_days=2), None)
    pd.testing.assert_frame_equal(auto.table, typical.table)
    full, _ = from_hourly(wide, TimeSlices(resolution="full_year"), None)
    assert set(full.table["period"]) == {"year"} and set(full.table["season"]) == {"year"}
    assert full.table["position"].tolist() == list(range(8760))
    assert full.description == "full year: 8,760 slices of 1 h"


# ---- through the loader --------------------------------------------------------------------------------

def case(tmp_path, time_slices, profiles=None):
    year = hourly_profiles(solar_cf=MONTH / 100, wind_cf=np.where(DAY % 2 == 0, 0.2, 0.4))
    return write_case(tmp_path, {"time_slices": {"hours_per_slice": 24, **time_slices}},
                      sites=[row(SITE, solar_land_mw=10.0)], profiles=year if profiles is None else profiles)


def line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def problems_of(path) -> str:
    with pytest.raises(InputError) as caught:
        load_all(path)
    return caught.value.render()


def test_loader_draws_typical_days_per_month(tmp_path):
    _, inputs = load_all(case(tmp_path, {"seasons": "month", "representative_days": 2}))
    assert inputs.slices.seasons == list(MONTH_HOURS)
    assert season_weights(inputs.slices) == MONTH_HOURS


@pytest.mark.parametrize("step, until, seasons", [("month", "2026-12", list(MONTH_HOURS)),
                                                   ("quarter", "2026Q4", list(QUARTER_HOURS))])
def test_auto_follows_the_finest_step_of_the_horizon(tmp_path, step, until, seasons):
    path = case(tmp_path, {"representative_days": 2})
    text = path.read_text().replace("  last_year: 2026\n", f"  last_year: 2027\n  periods:\n  - step: {step}\n"
                                                           f"    until: '{until}'\n")
    assert "periods:" in text
    path.write_text(text)
    _, inputs = load_all(path)
    assert inputs.slices.seasons == seasons


def test_linking_days_across_seasons_is_refused_where_it_is_asked(tmp_path):
    path = case(tmp_path, {"seasons": "quarter", "link_days": True})
    text = problems_of(path)
    assert (f"config.yaml:{line_of(path, 'link_days:')}: time_slices.link_days: linking days across a season is not "
            "supported yet (seasons: quarter) (fix: use seasons: year or link_days: false)") in text


def test_representative_day_table_has_no_seasons(tmp_path):
    path = case(tmp_path, {"seasons": "month"}, profiles=pd.DataFrame(
        [{"zone": "Z", "day": "d1", "hour": h, "weight_days": 365, "solar_cf": 0.1, "wind_cf": 0.2}
         for h in range(24)]))
    text = problems_of(path)
    assert (f"config.yaml:{line_of(path, 'seasons:')}: time_slices.seasons: seasons (month) need hourly profiles to "
            "draw typical days from (fix: point data.profiles at an hourly table (timestamp, zone, ...), or set "
            "time_slices.seasons: year)") in text
    _, inputs = load_all(case(tmp_path / "year", {"seasons": "year"}, profiles=pd.read_csv(tmp_path / "profiles.csv")))
    assert inputs.slices.table["season"].tolist() == ["year"] and inputs.slices.seasons == ["year"]


def test_a_year_starting_in_july_is_read_from_january():
    """An hourly year from 1 July 2022 to 30 June 2023 (solar = month / 100): its seasons are its
    calendar months, January's typical days carry 0.01 and July's 0.07, as for a January start."""
    stamps = pd.date_range("2022-07-01", periods=8760, freq="h", tz="UTC")
    wide = pd.DataFrame({"solar_cf|Z": stamps.month.to_numpy() / 100}, index=stamps)
    wide.index.name = "timestamp"
    found = slices_of(wide, "month", representative_days=1)
    by_season = solar_by_season(found)
    assert by_season.loc["01"].tolist() == pytest.approx([0.01, 0.01])
    assert by_season.loc["07"].tolist() == pytest.approx([0.07, 0.07])
    assert season_weights(found) == pytest.approx(MONTH_HOURS)
