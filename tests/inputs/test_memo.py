"""Tables and time slices read once per process: reused while the files are unchanged, read again
the moment a file changes (even to the same size), never shared mutable between runs."""

from __future__ import annotations

import pandas as pd

from helpers import GAS, hourly_profiles, row, write_case
from optimizer.inputs.load import load_all
from optimizer.inputs.memo import SLICES, TABLES, Memo, file_key


def test_file_key_follows_the_bytes_not_the_clock(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    first = file_key(path)
    path.write_text("x\n2\n")   # same size, most likely the same clock tick
    assert file_key(path) != first and file_key(path)[1] == first[1]
    assert file_key(tmp_path / "missing.csv") is None and file_key(None) is None


def test_a_changed_table_is_read_again(tmp_path):
    config = write_case(tmp_path, {}, techs=(row(GAS, capex_usd_per_kw=1000.0),))
    assert load_all(config)[1].techs.loc["gas", "capex_usd_per_kw"] == 1000.0
    hits = TABLES.hits
    assert load_all(config)[1].techs.loc["gas", "capex_usd_per_kw"] == 1000.0
    assert TABLES.hits > hits
    write_case(tmp_path, {}, techs=(row(GAS, capex_usd_per_kw=2000.0),))   # same size, new value
    assert load_all(config)[1].techs.loc["gas", "capex_usd_per_kw"] == 2000.0


def test_edits_do_not_leak_into_the_memo(tmp_path):
    config = write_case(tmp_path, {})
    edited = load_all(config, ["data.techs.gas.capex_usd_per_kw*=3"])[1]
    assert edited.techs.loc["gas", "capex_usd_per_kw"] == 3000.0
    assert load_all(config)[1].techs.loc["gas", "capex_usd_per_kw"] == 1000.0


def test_time_slices_are_found_once_per_zone_set_and_settings(tmp_path):
    profiles = hourly_profiles(solar_cf=[(h % 24) / 24 for h in range(8760)], wind_cf=0.3, temperature_c=20.0)
    config = write_case(tmp_path, {"time_slices": {"representative_days": 2, "hours_per_slice": 6}},
                        profiles=profiles)
    SLICES.clear()
    first = load_all(config)[1].slices
    again = load_all(config, ["policy.carbon_price_usd_per_t=50"])[1].slices
    assert again is first and (SLICES.hits, SLICES.misses) == (1, 1)
    other = load_all(config, ["time_slices.representative_days=3"])[1].slices
    assert other is not first and SLICES.misses == 2
    pd.testing.assert_frame_equal(load_all(config)[1].slices.cf, first.cf)


def test_memo_keeps_only_clean_values_and_the_most_recent():
    memo = Memo(size=2)
    assert memo.get("a", lambda: (None, ["bad"])) == (None, ["bad"]) and "a" not in memo.entries
    for key in "abc":
        memo.get(key, lambda k=key: (k, []))
    assert list(memo.entries) == ["b", "c"]
    assert memo.get(None, lambda: (1, [])) == (1, []) and None not in memo.entries
