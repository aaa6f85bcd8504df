"""Hostile config files: each is refused with one located problem, quickly, never with a traceback.

Control characters, deep nesting, alias bombs, huge or special files, duplicate year keys that
differ only in quoting, explicit tags, non-finite or absurd numbers, odd encodings and configs
that are not mappings. Each case is a small config written by ``helpers.write_case`` (so that a
config that gets past YAML validates against tiny tables, fast) with the hostile part added.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from helpers import write_case
from optimizer import cli
from optimizer.config.yaml_source import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, parse_yaml
from optimizer.errors import InputError, Problem
from optimizer.inputs.load import load_all


def problems_of(path: Path, overrides=()) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_all(path, overrides)
    return caught.value.problems


def only_problem(path: Path, overrides=()) -> Problem:
    problems = problems_of(path, overrides)
    assert len(problems) == 1, "\n".join(p.render() for p in problems)
    return problems[0]


def case_with(tmp_path: Path, text: str, config: dict | None = None) -> Path:
    """A valid small case whose config has ``text`` appended."""
    path = write_case(tmp_path, config or {})
    path.write_text(path.read_text() + text)
    return path


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` that contains ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_small_case_is_valid(tmp_path):
    load_all(write_case(tmp_path, {}))


# ---- 1. control characters ------------------------------------------------------------------------

def test_nul_byte_names_file_line_and_column(tmp_path):
    path = case_with(tmp_path, "name: a\0b\n")
    problem = only_problem(path)
    assert (problem.file, problem.line) == (str(path), line_of(path, "name: a"))
    assert problem.message == "control character U+0000 (NUL) at column 8 is not allowed in YAML"


@pytest.mark.parametrize("char, name", [("\x1b", "U+001B (ESC)"), ("\x7f", "U+007F (DEL)"), ("\x01", "U+0001"),
                                        ("\x0c", "U+000C (form feed)")])
def test_other_control_characters_are_named(tmp_path, char, name):
    path = case_with(tmp_path, f"description: x{char}y\n")
    problem = only_problem(path)
    assert problem.line == line_of(path, "description: x")
    assert problem.message == f"control character {name} at column 15 is not allowed in YAML"


def test_control_characters_are_reported_once_per_line(tmp_path):
    path = case_with(tmp_path, "name: \0\0\0\ndescription: \0\n")
    problems = problems_of(path)
    assert [p.line for p in problems] == [line_of(path, "name: "), line_of(path, "description: ")]


# ---- 2. deep nesting -----------------------------------------------------------------------------

def test_thousands_of_brackets_are_refused_at_their_line(tmp_path):
    path = case_with(tmp_path, "x: " + "[" * 5000 + "\n")
    problem = only_problem(path)
    assert problem.line == line_of(path, "x: [[[")
    assert problem.message == f"nests mappings and lists more than {MAX_DEPTH} levels deep"


def test_a_mapping_600_deep_is_refused_at_the_first_level_too_deep(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(600)))
    problem = only_problem(path)
    assert (problem.file, problem.line) == (str(path), MAX_DEPTH + 1)
    assert "more than 64 levels deep" in problem.message


def test_nesting_up_to_the_limit_is_read():
    data, _, problems = parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x.yaml")
    assert problems == [] and isinstance(data, list)
    _, _, problems = parse_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x.yaml")
    assert [p.line for p in problems] == [1]


def test_aliases_cannot_nest_deeper_than_the_limit():
    levels = ["a0: &a0 [1]"] + [f"a{i}: &a{i} " + "[" * 10 + f"*a{i - 1}" + "]" * 10 for i in range(1, 8)]
    _, _, [problem] = parse_yaml("\n".join(levels), "x.yaml")
    assert problem.message == "nests more than 64 levels deep once its aliases are expanded"


# ---- 3. alias bombs, huge and special files --------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [" + ",".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi")])


def test_billion_laughs_is_refused_without_expanding(tmp_path):
    path = case_with(tmp_path, BILLION_LAUGHS + "\n")
    problem = only_problem(path)
    # 'e' expands to 66,430 values, the first past the limit of 50,000
    assert MAX_VALUES == 50_000 and problem.line == line_of(path, "e: &e")
    assert problem.message == ("holds more than 50,000 values once its aliases are expanded "
                               "(each use of an alias counts as a full copy)")
    assert "use fewer aliases" in problem.hint


def test_too_many_values_are_refused_while_composing(tmp_path):
    path = case_with(tmp_path, "x:\n" + "- 1\n" * MAX_VALUES)
    problem = only_problem(path)
    assert problem.message == "holds more than 50,000 values"
    assert line_of(path, "x:") < problem.line <= line_of(path, "x:") + MAX_VALUES   # in the list, where it passes


def test_too_many_aliases_are_refused_at_the_first_one_over(tmp_path):
    path = case_with(tmp_path, "x: &x 1\ny: [" + ", ".join(["*x"] * 1001) + "]\n")
    problem = only_problem(path)
    assert problem.line == line_of(path, "y: [")
    assert problem.message == "uses more than 1,000 aliases (*name)"


def test_a_value_containing_itself_is_refused(tmp_path):
    path = case_with(tmp_path, "x: &x [1, *x]\n")
    problem = only_problem(path)
    assert problem.line == line_of(path, "x: &x")
    assert "the value contains itself" in problem.message


def test_a_few_aliases_still_work(tmp_path):
    path = case_with(tmp_path, "budget: &money\n  capex_usd_total: 5.0e+9\ndescription: &d text\nname: *d\n")
    loaded, _ = load_all(path)
    assert loaded.config.name == "text" and loaded.config.budget.capex_usd_total == 5e9


def test_extends_dev_zero_is_refused_at_the_extends_line(tmp_path):
    path = case_with(tmp_path, "extends: /dev/zero\n")
    problem = only_problem(path)
    assert (problem.file, problem.line, problem.key) == (str(path), line_of(path, "extends:"), "extends")
    assert problem.message == "base config '/dev/zero' is not a regular file (a device, pipe or socket)"


def test_extends_a_folder_is_refused(tmp_path):
    path = case_with(tmp_path, f"extends: {tmp_path}\n")
    problem = only_problem(path)
    assert (problem.line, problem.key) == (line_of(path, "extends:"), "extends")
    assert problem.message == f"base config '{tmp_path}' is a folder, not a file"


def test_a_constraint_file_that_is_a_device_is_refused_at_its_entry(tmp_path):
    path = case_with(tmp_path, "constraints:\n  - /dev/zero\n")
    problem = only_problem(path)
    assert (problem.line, problem.key) == (line_of(path, "- /dev/zero"), "constraints[0]")
    assert problem.message == "constraint file '/dev/zero' is not a regular file (a device, pipe or socket)"


def test_a_long_extends_chain_is_refused(tmp_path):
    write_case(tmp_path, {})
    for i in range(20):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: {'config' if i == 0 else f'c{i - 1}'}.yaml\n")
    problems = problems_of(tmp_path / "c19.yaml")
    assert [(Path(p.file).name, p.line, p.key, p.message) for p in problems] == [
        ("c4.yaml", 1, "extends", "extends chains more than 16 files")]   # c19 ... c4: 16 files


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    base = tmp_path / "huge.yaml"
    base.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    path = case_with(tmp_path, "extends: huge.yaml\n")
    problem = only_problem(path)
    assert (problem.line, problem.key) == (line_of(path, "extends:"), "extends")
    assert problem.message == "base config 'huge.yaml' is larger than 1,000,000 bytes, the limit for a config or " \
                              "constraint file"


# ---- 4. duplicate keys that read as the same number -------------------------------------------------

@pytest.mark.parametrize("first, second, shown", [("2026", "'2026'", "'2026' and 2026"),
                                                  ("'2026'", "2026", "2026 and '2026'"),
                                                  ("2026", "2026.0", "2026.0 and 2026"),
                                                  ("2026", "' 2026'", "' 2026' and 2026")])
def test_year_keys_differing_only_in_quotes_are_duplicates(tmp_path, first, second, shown):
    path = case_with(tmp_path, f"targets:\n  compute_h100e:\n    {first}: 10\n    {second}: 20\n")
    problem = only_problem(path)
    first_line = line_of(path, f"    {first}: 10")
    assert problem.line == first_line + 1
    assert problem.message == f"duplicate key: {shown} (line {first_line}) are read as the same key"
    assert problem.key.startswith("targets.compute_h100e")


def test_the_same_key_twice_keeps_its_message(tmp_path):
    path = case_with(tmp_path, "targets:\n  compute_h100e:\n    2026: 10\n    2026: 20\n")
    problem = only_problem(path)
    assert problem.key == "targets.compute_h100e[2026]"
    assert problem.message == f"duplicate key (first written on line {problem.line - 1})"


def test_an_extending_file_replaces_a_year_written_differently(tmp_path):
    case_with(tmp_path, "targets:\n  compute_h100e:\n    2026: 10\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: config.yaml\ntargets:\n  compute_h100e:\n    '2026': 20\n")
    loaded, _ = load_all(child)
    assert loaded.config.targets.compute_h100e == {2026: 20}
    assert loaded.locate(("targets", "compute_h100e", "2026")) == (str(child), 4)


def test_a_set_override_replaces_a_year_written_differently(tmp_path):
    path = case_with(tmp_path, "targets:\n  compute_h100e:\n    '2026': 10\n")
    loaded, _ = load_all(path, ["targets.compute_h100e.2026=30"])
    assert loaded.raw["targets"]["compute_h100e"] == {"2026": 30}
    assert loaded.config.targets.compute_h100e == {2026: 30}


# ---- 5. explicit tags -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, tag", [
    ("!!binary aGVsbG8=", "!!binary"), ("!!timestamp 2026-01-01", "!!timestamp"),
    ("!!python/name:os.system", "!!python/name:os.system"), ("!!python/object/apply:os.system [ls]",
                                                             "!!python/object/apply:os.system"),
    ("!!set {a, b}", "!!set"), ("!!omap [a: 1]", "!!omap"), ("!!pairs [a: 1]", "!!pairs"), ("!local x", "!local")])
def test_explicit_tags_other_than_the_plain_ones_are_refused(tmp_path, value, tag):
    path = case_with(tmp_path, f"name: {value}\n")
    problem = only_problem(path)
    assert (problem.file, problem.line, problem.key) == (str(path), line_of(path, "name:"), "name")
    assert problem.message == f"YAML tag '{tag}' is not allowed"


def test_plain_core_tags_are_allowed(tmp_path):
    path = case_with(tmp_path, "name: !!str 2026\ndescription: !!str text\n",
                     {"solver": {"time_limit_s": 60}})
    path.write_text(path.read_text().replace("time_limit_s: 60", "time_limit_s: !!float 60"))
    loaded, _ = load_all(path)
    assert loaded.config.name == "2026" and loaded.config.solver.time_limit_s == 60.0


def test_a_value_its_tag_cannot_read_is_refused(tmp_path):
    path = case_with(tmp_path, "name: !!int abc\n")
    problem = only_problem(path)
    assert (problem.line, problem.key, problem.message) == (line_of(path, "name:"), "name", "cannot read 'abc' as !!int")


def test_a_number_with_thousands_of_digits_is_refused(tmp_path):
    path = case_with(tmp_path, "policy:\n  carbon_price_usd_per_t: " + "9" * 5000 + "\n")
    problem = only_problem(path)
    assert (problem.line, problem.key) == (line_of(path, "carbon_price"), "policy.carbon_price_usd_per_t")
    assert problem.message.startswith("cannot read '9999")


# ---- 7. non-finite and absurd numbers --------------------------------------------------------------

INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("config, key, line_text, message", [
    ({"reliability": {"reserve_margin": INF}}, "reliability.reserve_margin", "reserve_margin:",
     "must be a finite number (got inf)"),
    ({"reliability": {"reserve_margin": 11.0}}, "reliability.reserve_margin", "reserve_margin:",
     "must be at most 10 (got 11.0)"),
    ({"reliability": {"value_of_lost_load_usd_per_mwh": 1e308}}, "reliability.value_of_lost_load_usd_per_mwh",
     "value_of_lost_load", "must be at most 1e7 (got 1e+308)"),
    ({"targets": {"compute_h100e": {2026: 1e308}}}, "targets.compute_h100e[2026]", "2026: 1.0e+308",
     "must be at most 1e12 (got 1e+308)"),
    ({"targets": {"compute_h100e": {2026: NAN}}}, "targets.compute_h100e[2026]", "2026: .nan",
     "must be a finite number (got nan)"),
    ({"policy": {"carbon_price_usd_per_t": INF}}, "policy.carbon_price_usd_per_t", "carbon_price",
     "expected a finite number or a mapping of year: value (got inf)"),
    ({"policy": {"carbon_cap_t": {2026: INF}}}, "policy.carbon_cap_t[2026]", "2026: .inf",
     "must be a finite number (got inf)"),
    ({"budget": {"capex_usd_total": 1e308}}, "budget.capex_usd_total", "capex_usd_total",
     "must be at most 1e15 (got 1e+308)"),
    ({"budget": {"capex_usd_per_year": INF}}, "budget.capex_usd_per_year", "capex_usd_per_year",
     "expected a finite number or a mapping of year: value (got inf)"),
    ({"grid": {"headroom_mw": {"R1": {2026: INF}}}}, "grid.headroom_mw.R1[2026]", "2026: .inf",
     "must be a finite number (got inf)"),
    ({"supply": {"gpus_per_year": {"X": {2026: 1e300}}}}, "supply.gpus_per_year.X[2026]", "2026: 1.0e+300",
     "must be at most 1e12 (got 1e+300)"),
    ({"facility": {"pue_rise_per_degree_c": NAN}}, "facility.pue_rise_per_degree_c", "pue_rise",
     "must be a finite number (got nan)"),
    ({"solver": {"time_limit_s": INF}}, "solver.time_limit_s", "time_limit_s", "must be a finite number (got inf)"),
    ({"solver": {"time_limit_s": 1e8}}, "solver.time_limit_s", "time_limit_s", "must be at most 1e7 (got 100000000.0)"),
    ({"solver": {"mip_gap": NAN}}, "solver.mip_gap", "mip_gap", "must be a finite number (got nan)"),
    ({"solver": {"seed": -1}}, "solver.seed", "seed", "must be at least 0 (got -1)"),
    ({"horizon": {"discount_rate": NAN}}, "horizon.discount_rate", "discount_rate", "must be a finite number (got nan)"),
    ({"constraints": [{"kind": "tech_capacity", "tech": "gas", "max_mw": 1e308}]}, "constraints[0].max_mw",
     "max_mw", "must be at most 1e7 (got 1e+308)"),
    ({"constraints": [{"kind": "gpu_count", "max_gpus": INF}]}, "constraints[0].max_gpus", "max_gpus",
     "must be a finite number (got inf)"),
    ({"constraints": [{"kind": "max_share", "tech": "gas", "max_share": NAN}]}, "constraints[0].max_share",
     "max_share: .nan", "must be a finite number (got nan)"),
    ({"constraints": [{"kind": "site_count", "max": 10**9}]}, "constraints[0].max", "max:",
     "must be at most 1,000,000 (got 1000000000)"),
])
def test_non_finite_and_absurd_numbers_are_refused_at_their_key(tmp_path, config, key, line_text, message):
    path = write_case(tmp_path, config)
    problem = only_problem(path)
    assert (problem.file, problem.key, problem.message) == (str(path), key, message)
    assert problem.line == line_of(path, line_text)
    if "finite" in message:
        assert "inf and nan are not allowed" in problem.hint or "'year: value' line" in problem.hint


def test_plain_inf_text_is_refused_too(tmp_path):
    path = case_with(tmp_path, "", {"reliability": {"reserve_margin": 0.5}})
    path.write_text(path.read_text().replace("reserve_margin: 0.5", "reserve_margin: inf"))
    problem = only_problem(path)
    assert (problem.key, problem.message) == ("reliability.reserve_margin", "must be a finite number (got 'inf')")


def test_set_overrides_are_guarded_too(tmp_path):
    path = write_case(tmp_path, {})
    problems = problems_of(path, ["reliability.reserve_margin=inf", "name=!!binary aGk=",
                                  "solver.time_limit_s=" + "[" * 100, "targets.compute_h100e.²=1"])
    rendered = [p.render() for p in problems]
    assert "--set: reliability.reserve_margin: must be a finite number (got 'inf') (fix: write a plain number; " \
           "inf and nan are not allowed: leave an optional limit out to have none)" in rendered
    assert any(r.startswith("--set: name: YAML tag '!!binary' is not allowed") for r in rendered)
    assert any(r.startswith("--set: solver.time_limit_s: nests mappings and lists more than 64") for r in rendered)


# ---- 9. encodings, empty files, configs that are not mappings ----------------------------------------

def test_a_latin1_byte_names_its_line_and_column(tmp_path):
    path = write_case(tmp_path, {})
    path.write_bytes(path.read_bytes() + b"description: caf\xe9\n")
    problem = only_problem(path)
    assert problem.line == len(path.read_bytes().splitlines())
    assert problem.message == "is not UTF-8 text: byte 0xE9 at column 17 cannot be read"
    assert "UTF-8" in problem.hint


def test_a_byte_order_mark_is_allowed(tmp_path):
    path = write_case(tmp_path, {"name": "with bom"})
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded, _ = load_all(path)
    assert loaded.config.name == "with bom"


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    path = write_case(tmp_path, {"name": "wide"})
    path.write_bytes(path.read_text().encode("utf-16"))
    loaded, _ = load_all(path)
    assert loaded.config.name == "wide"


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty (it holds no settings, or only comments)"),
    ("# only\n# comments\n", "the file is empty (it holds no settings, or only comments)"),
    ("- horizon\n- data\n", "a config must be a mapping of sections"),
    ("just words\n", "a config must be a mapping of sections"),
    ("42\n", "a config must be a mapping of sections"),
])
def test_configs_that_hold_no_mapping_are_located(tmp_path, text, message):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    problem = only_problem(path)
    assert (problem.file, problem.line, problem.message) == (str(path), 1, message)


def test_a_config_that_is_a_folder_or_missing(tmp_path):
    assert only_problem(tmp_path).message == "is a folder, not a file"
    assert only_problem(tmp_path / "nowhere.yaml").message == "file not found"


# ---- the command line: exit 2, no traceback --------------------------------------------------------

@pytest.mark.parametrize("text", ["name: a\0b\n", "x: " + "[" * 5000 + "\n", BILLION_LAUGHS + "\n",
                                  "extends: /dev/zero\n", "name: !!binary aGk=\n",
                                  "targets:\n  compute_h100e:\n    2026: 1\n    '2026': 2\n",
                                  "policy:\n  carbon_price_usd_per_t: .inf\n"])
def test_cli_exits_2_without_traceback(tmp_path, monkeypatch, capsys, text):
    path = case_with(tmp_path, text)
    monkeypatch.setattr(sys, "argv", ["siting", "validate", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "problem" in err


def test_parse_yaml_keeps_yaml_objects_out():
    """No explicit tag can make the loader build anything but plain data."""
    data, _, problems = parse_yaml("a: !!python/object/new:os.system [ls]\nb: 1\n", "x.yaml")
    assert data == {"b": 1} and [p.line for p in problems] == [1]
    assert yaml.safe_load("b: 1") == data
