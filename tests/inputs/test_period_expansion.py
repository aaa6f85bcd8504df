"""Planning periods by hand (optimizer.inputs.periods, Index's discount weights): no solver.

Month ordinals are 12 · year + month − 1, so January 2024 is 24288, July 2024 24294, January 2025
24300, January 2026 24312."""

from __future__ import annotations

import random

import pytest

from helpers import SITE, row, write_case
from optimizer.errors import InputError
from optimizer.inputs.load import load_all
from optimizer.inputs.periods import (Period, PeriodKey, canonical_when, describe_periods, expand, month_of,
                                      period_containing, step_values)
from optimizer.model.index import discount_weights

JAN_2024, JAN_2025, JAN_2026 = 24288, 24300, 24312


def mixed() -> list[Period]:
    """July 2024 to the end of 2027: months to 2024-12, quarters through 2025, then 2026 and 2027."""
    return expand(2024, 2027, first_month=7, steps=[("month", "2024-12"), ("quarter", "2025Q4")])


# ---- expand ----------------------------------------------------------------------------------------

def test_months_then_quarters_then_years():
    """6 months (Jul–Dec 2024), 4 quarters of 2025, then whole years 2026 and 2027: 12 periods."""
    periods = mixed()
    assert [p.label for p in periods] == ["2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12",
                                         "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026", "2027"]
    assert [p.key for p in periods] == [p.label for p in periods]
    assert all(type(p.key) is PeriodKey for p in periods)
    # start months: July 2024 = 24294, then one apart, then three apart, then twelve apart
    assert [p.start_month for p in periods] == [JAN_2024 + 6 + i for i in range(6)] + \
        [JAN_2025 + 3 * i for i in range(4)] + [JAN_2026, JAN_2026 + 12]
    assert [p.months for p in periods] == [1] * 6 + [3] * 4 + [12] * 2
    assert [p.length_years for p in periods] == pytest.approx([1 / 12] * 6 + [0.25] * 4 + [1.0] * 2)
    assert [(p.year, p.month) for p in periods] == [(2024, m) for m in range(7, 13)] + \
        [(2025, m) for m in (1, 4, 7, 10)] + [(2026, 1), (2027, 1)]
    assert [p.sub_year for p in periods] == [True] * 10 + [False] * 2
    # consecutive: each period ends where the next begins; the last ends with 2027
    assert all(a.end_month == b.start_month for a, b in zip(periods, periods[1:]))
    assert periods[-1].end_month == 2028 * 12
    assert periods[0].start_date == "2024-07-01" and periods[6].start_date == "2025-01-01"


def test_keys_order_by_time_not_alphabet():
    """'2024-12' < '2025Q1' < '2026' by start month. Alphabetically '-' (0x2d) sorts before 'Q' (0x51),
    so a quarter and the months after it disagree: '2025Q1' starts before '2025-04' but sorts after it."""
    periods = mixed()
    key = {p.label: p.key for p in periods}
    assert key["2024-12"] < key["2025Q1"] < key["2026"] < key["2027"]
    assert key["2027"] > key["2025Q4"] >= key["2025Q4"] > key["2024-07"]
    shuffled = [p.key for p in periods]
    random.Random(0).shuffle(shuffled)
    assert sorted(shuffled) == [p.key for p in periods]

    quarter_first = expand(2025, 2025, steps=[("quarter", "2025Q1"), ("month", "2025-12")])
    labels = [p.label for p in quarter_first]
    assert labels == ["2025Q1"] + [f"2025-{m:02d}" for m in range(4, 13)]
    q1, april = quarter_first[0].key, quarter_first[1].key
    assert str(q1) > str(april)                      # alphabetically the quarter comes last ...
    assert q1 < april and april > q1 and not q1 > april   # ... but it starts in January
    assert sorted(p.key for p in reversed(quarter_first)) == [p.key for p in quarter_first]
    # keys are their labels for hashing and equality: a plain string finds the same dict entry
    assert {q1: 1}["2025Q1"] == 1 and q1 == "2025Q1" and hash(q1) == hash("2025Q1")


def test_whole_years_keep_int_keys():
    """Without periods, or when every step is a whole year, keys are the calendar years as ints."""
    plain = expand(2026, 2028)
    assert [p.key for p in plain] == [2026, 2027, 2028] and all(type(p.key) is int for p in plain)
    assert [p.start_month for p in plain] == [JAN_2026, JAN_2026 + 12, JAN_2026 + 24]
    assert [p.key for p in expand(2026, 2028, steps=[("year", 2027)])] == [2026, 2027, 2028]
    two = expand(2026, 2030, period_length_years=2)
    assert [(p.key, p.months) for p in two] == [(2026, 24), (2028, 24), (2030, 24)]


def test_quarters_of_one_year_then_nothing_left():
    """Quarters until 2026 (a year: until its December) in a one-year horizon: exactly 4 quarters."""
    periods = expand(2026, 2026, steps=[("quarter", 2026)])
    assert [p.label for p in periods] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert [p.start_month for p in periods] == [JAN_2026, JAN_2026 + 3, JAN_2026 + 6, JAN_2026 + 9]


def test_month_steps_until_a_quarter_run_to_the_quarters_end():
    """until names the last period of the step, up to the end of the date it names: months until
    '2025Q2' are January to June (as months until 2025 run to December), then quarters Q3 and Q4."""
    periods = expand(2025, 2025, steps=[("month", "2025Q2"), ("quarter", "2025Q4")])
    assert [p.label for p in periods] == [f"2025-{m:02d}" for m in range(1, 7)] + ["2025Q3", "2025Q4"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(first_year=2025, last_year=2026, first_month=2, steps=[("quarter", "2025Q4")]),
     "periods[0]: a quarter must start in Jan, Apr, Jul or Oct, but this step starts in 2025-02; use months until "
     "then"),
    (dict(first_year=2025, last_year=2026, first_month=3, steps=[("year", 2025)]),
     "periods[0]: a year must start in January, but this step starts in 2025-03"),
    (dict(first_year=2025, last_year=2026, first_month=6, steps=[("month", "2025-03")]),
     "periods[0] ends (2025-03) before it starts (2025-06): list the steps in time order"),
    (dict(first_year=2025, last_year=2026, steps=[("month", "2025-06"), ("quarter", "2025Q1")]),
     "periods[1] ends (2025-03) before it starts (2025-07)"),
    (dict(first_year=2025, last_year=2026, steps=[("month", "2027-01")]),
     "periods[0] runs past the horizon's last_year 2026"),
    (dict(first_year=2025, last_year=2026, steps=[("quarter", 2027)]),
     "periods[0] runs past the horizon's last_year 2026"),
    (dict(first_year=2025, last_year=2026, steps=[("month", "2025-05")]),
     "after the last step the horizon continues in whole years, which must start in January, not 2025-06: end "
     "the last step in December or at last_year"),
    (dict(first_year=2025, last_year=2026, first_month=3),
     "a horizon starting after January needs periods: [{step: month, until: ...}]"),
    (dict(first_year=2025, last_year=2026, steps=[("month", "2025-5x")]),
     "periods[0].until '2025-5x' is not a year (2025), month ('2024-12') or quarter ('2025Q4')"),
    (dict(first_year=2025, last_year=2026, period_length_years=2, steps=[("month", "2025-12")]),
     "give either periods or period_length_years, not both"),
])
def test_expand_errors(kwargs, message):
    with pytest.raises(ValueError) as caught:
        expand(**kwargs)
    assert message in str(caught.value)


# ---- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("when, month", [
    (2026, JAN_2026), ("2026", JAN_2026), (" 2026 ", JAN_2026), ("2026-01", JAN_2026), ("2026-1", JAN_2026),
    ("2026-12", JAN_2026 + 11), ("2026Q1", JAN_2026), ("2026q3", JAN_2026 + 6), ("2026Q4", JAN_2026 + 9),
    ("2026-13", None), ("2026-00", None), ("2026Q5", None), ("26", None), ("2026-07-01", None), (True, None),
    ("", None)])
def test_month_of(when, month):
    assert month_of(when) == month


@pytest.mark.parametrize("when, canonical", [
    (2027, 2027), ("2027", 2027), ("2024-7", "2024-07"), ("2024-07", "2024-07"), ("2025q1", "2025Q1"),
    (" 2025Q2 ", "2025Q2")])
def test_canonical_when(when, canonical):
    assert canonical_when(when) == canonical
    assert type(canonical_when(when)) is type(canonical)


@pytest.mark.parametrize("when", ["2024-13", "2025Q0", "July 2024", "2024/07"])
def test_canonical_when_refuses(when):
    with pytest.raises(ValueError, match="is not a year"):
        canonical_when(when)


def test_period_containing():
    periods = mixed()
    assert period_containing(periods, JAN_2025 + 4).label == "2025Q2"      # May 2025 is in Q2
    assert period_containing(periods, JAN_2026 + 7).label == "2026"        # August 2026 is in 2026
    assert period_containing(periods, JAN_2024 + 6).label == "2024-07"
    assert period_containing(periods, JAN_2024 + 5) is None                # June 2024: before the horizon
    assert period_containing(periods, 2028 * 12) is None                   # January 2028: after it


def test_step_values():
    """A step path over the mixed horizon: 0 before the first date; from '2024-10' 5; from '2025Q2' 8
    (also for Q3, Q4); from 2026 (January) 20 for 2026 and 2027. A date inside a period (2025-05 in Q2)
    applies from the next period that starts at or after it (Q3)."""
    periods = mixed()
    base = {p.key: 0.0 for p in periods}
    values = step_values(periods, {"2024-10": 5, "2025Q2": 8, 2026: 20}, base)
    assert list(values) == [p.key for p in periods]
    assert list(values.values()) == [0, 0, 0, 5, 5, 5, 5, 8, 8, 8, 20, 20]
    inside = step_values(periods, {"2025-05": 1}, base)
    assert [inside[k] for k in ("2025Q1", "2025Q2", "2025Q3", "2026")] == [0, 0, 1, 1]
    assert step_values(periods, {}, {p.key: 7 for p in periods}) == {p.key: 7 for p in periods}


# ---- discount weights --------------------------------------------------------------------------------

def test_discount_weights_from_the_start():
    """Rate 10 %, quarters of 2026 then 2027. A quarter (L = ¼) t years in weighs ¼ · 1.1^−t; the year
    2027 (t = 1) weighs 1.1^−1."""
    periods = expand(2026, 2027, steps=[("quarter", "2026Q4")])
    weights = discount_weights(periods, 0.10, "start")
    assert list(weights) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027"]
    assert list(weights.values()) == pytest.approx(
        [0.25, 0.25 / 1.1 ** 0.25, 0.25 / 1.1 ** 0.5, 0.25 / 1.1 ** 0.75, 1 / 1.1], rel=1e-12)


def test_discount_weights_at_the_midpoint():
    """Same horizon, discount_at midpoint: a quarter t years in weighs ¼ · 1.1^−(t + ⅛); 2027 weighs
    1.1^−1.5."""
    periods = expand(2026, 2027, steps=[("quarter", "2026Q4")])
    weights = discount_weights(periods, 0.10, "midpoint")
    assert list(weights.values()) == pytest.approx(
        [0.25 / 1.1 ** 0.125, 0.25 / 1.1 ** 0.375, 0.25 / 1.1 ** 0.625, 0.25 / 1.1 ** 0.875, 1 / 1.1 ** 1.5],
        rel=1e-12)


def test_discount_weights_of_multi_year_periods_and_months():
    """Two-year periods at 10 %: 2026 weighs 1 + 1/1.1 (start) or 1.1^−0.5 + 1.1^−1.5 (midpoint);
    2028 weighs 1.1^−2 + 1.1^−3. Twelve months at rate 0 weigh 1/12 each, one year in all."""
    two = expand(2026, 2029, period_length_years=2)
    assert list(discount_weights(two, 0.10).values()) == pytest.approx(
        [1 + 1 / 1.1, 1.1 ** -2 + 1.1 ** -3], rel=1e-12)
    assert list(discount_weights(two, 0.10, "midpoint").values()) == pytest.approx(
        [1.1 ** -0.5 + 1.1 ** -1.5, 1.1 ** -2.5 + 1.1 ** -3.5], rel=1e-12)
    months = expand(2026, 2026, steps=[("month", "2026-12")])
    assert list(discount_weights(months, 0.0).values()) == pytest.approx([1 / 12] * 12, rel=1e-12)
    assert list(discount_weights(months, 0.0, "midpoint").values()) == pytest.approx([1 / 12] * 12, rel=1e-12)


def test_discount_starts_at_the_horizons_first_month():
    """A horizon starting in July 2024 discounts from July: July weighs 1/12 (t = 0); 2025Q1 (t = ½)
    ¼ · 1.1^−½; 2026 (t = 1½) 1.1^−1.5."""
    weights = discount_weights(mixed(), 0.10)
    assert weights["2024-07"] == pytest.approx(1 / 12)
    assert weights["2025Q1"] == pytest.approx(0.25 * 1.1 ** -0.5)
    assert weights["2026"] == pytest.approx(1.1 ** -1.5)


# ---- descriptions --------------------------------------------------------------------------------------

def test_describe_periods():
    assert describe_periods(mixed()) == "2024-07–2027 (6 months, 4 quarters, 2 years)"
    assert describe_periods(expand(2026, 2030)) == "2026–2030 (5 periods of 1 yr)"
    assert describe_periods(expand(2026, 2030, period_length_years=2)) == "2026–2030 (3 periods of 2 yr)"
    assert describe_periods(expand(2026, 2027, steps=[("month", "2026-03"), ("quarter", "2026Q2"),
                                                      ("month", "2026-12")])) == \
        "2026-01–2027 (9 months, 1 quarter, 1 year)"


# ---- through the loader --------------------------------------------------------------------------------

def line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.mark.parametrize("horizon, message", [
    ({"first_month": 2, "periods": [{"step": "quarter", "until": "2026Q4"}]},
     "horizon: periods[0]: a quarter must start in Jan, Apr, Jul or Oct, but this step starts in 2026-02"),
    ({"periods": [{"step": "month", "until": "2027-06"}]}, "horizon: periods[0] runs past the horizon's last_year "
                                                            "2026"),
    ({"first_month": 3}, "horizon: a horizon starting after January needs periods"),
])
def test_bad_periods_are_a_located_input_error(tmp_path, horizon, message):
    path = write_case(tmp_path, {"horizon": horizon})
    with pytest.raises(InputError) as caught:
        load_all(path)
    text = caught.value.render()
    assert f"{path}:{line_of(path, 'horizon:')}: {message}" in text


def test_a_malformed_until_is_located_at_its_line(tmp_path):
    path = write_case(tmp_path, {"horizon": {"periods": [{"step": "month", "until": "2026-13"}]}})
    with pytest.raises(InputError) as caught:
        load_all(path)
    assert (f"{path}:{line_of(path, 'until:')}: horizon.periods[0].until: '2026-13' is not a year (2027), month "
            "('2024-07') or quarter ('2025Q1')") in caught.value.render()


def test_a_good_config_loads_its_periods(tmp_path):
    """Months to 2026-03, then quarters: 3 months + 3 quarters; the target date names a period start."""
    path = write_case(tmp_path, {"horizon": {"periods": [{"step": "month", "until": "2026-03"},
                                                         {"step": "quarter", "until": "2026Q4"}]},
                                 "targets": {"compute_h100e": {"2026Q3": 4}}})
    _, inputs = load_all(path)
    assert inputs.years == ["2026-01", "2026-02", "2026-03", "2026Q2", "2026Q3", "2026Q4"]
    assert inputs.compute_target_h100e == {"2026Q3": 4.0}
    assert inputs.summary()["periods"] == "2026-01–2026Q4 (3 months, 3 quarters)"


def test_two_spellings_of_one_date_are_refused(tmp_path):
    """'2026-7' and '2026-07' are the same month: the config says so at the second one's line."""
    config = {"horizon": {"first_year": 2026, "last_year": 2026, "periods": [{"step": "month", "until": "2026-12"}]},
              "grid": {"energised_mw": {"A": {"2026-7": 5, "2026-07": 10}}}}
    path = write_case(tmp_path, config, sites=[row(SITE, grid_existing_mw=20.0)], techs=[])
    with pytest.raises(InputError) as caught:
        load_all(path)
    assert any("names the same date as" in p.message and p.key.startswith("grid.energised_mw.A")
               for p in caught.value.problems)
