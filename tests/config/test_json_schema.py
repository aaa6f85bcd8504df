"""The JSON Schemas for editors (:mod:`optimizer.config.json_schema`) agree with the loader.

- the files under ``schemas/`` are what the models give now;
- every shipped config and constraint file validates against its schema;
- on what a schema can see (keys, types, ranges, required keys, constraint kinds) the schema and
  the loader (``compose`` + ``validate``) reject the same mistakes, at the same key, and accept the
  same valid files. What no schema can see (missing files, extends cycles, ids missing from the
  data, years outside the horizon, YAML-level refusals) is classified, and there the schema must
  accept the file as written.

Files are read as an editor reads them: YAML 1.2 (yaml-language-server's default), in which
``25.0e9`` and ``1e9`` are numbers (PyYAML's YAML 1.1 reads them as text, which pydantic then
coerces); keys become strings, as JSON Schema sees them. Every verdict is checked under draft
2020-12 and under draft-07, the dialect yaml-language-server implements.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator, ValidationError

from optimizer.config.json_schema import (CONFIG_FILE, CONSTRAINTS_FILE, DEFAULT_FOLDER, config_schema,
                                          constraints_schema, main, schema_texts, write_schemas)
from optimizer.config.load import compose, validate

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
CONSTRAINT_FILES = sorted((REPO / "configs" / "constraints").glob("*.yaml"))
BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.stem for p in BROKEN.glob("*.yaml") if not p.name.startswith("_"))
EXPECT = re.compile(r"^# expect: [^|]+\|\s*(?P<key>[^|]*?)\s*\|")
REGENERATE = "regenerate with `siting schema` or `.venv/bin/python -m optimizer.config.json_schema`"


# ---- reading files as an editor does ------------------------------------------------------------

class EditorLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 floats (``25.0e9``, ``1e9``), as yaml-language-server reads them."""


EditorLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"))


def as_json(value: Any) -> Any:
    """Mapping keys as strings (YAML's ``2027:`` is the JSON key ``"2027"``)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def read(path: Path) -> Any:
    return as_json(yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader))


@functools.cache
def validators(which: str) -> tuple[Draft202012Validator, Draft7Validator]:
    schema = config_schema() if which == "config" else constraints_schema()
    return Draft202012Validator(schema), Draft7Validator(schema)


def schema_errors(data: Any, which: str = "config") -> list[ValidationError]:
    """The schema's errors (draft 2020-12); draft-07 must reach the same verdict."""
    modern, draft7 = validators(which)
    errors = list(modern.iter_errors(data))
    assert draft7.is_valid(data) == (not errors), "draft-07 and draft 2020-12 read the schema differently"
    return errors


def loader_problems(path: Path) -> list:
    """What the loader finds in a config file: composing (extends, included files) and pydantic."""
    raw, smap, problems = compose(path)
    if raw is None or problems:
        return problems
    return validate(raw, smap)[1]


def key_parts(key: str) -> list[str]:
    """``constraints[0].max_mw`` -> ``['constraints', '0', 'max_mw']``."""
    return re.findall(r"[^.\[\]]+", key)


def flat(errors: list[ValidationError]) -> list[ValidationError]:
    """Errors and, recursively, the errors inside anyOf / oneOf / if-then branches."""
    out = []
    for error in errors:
        out.append(error)
        out.extend(flat(list(error.context or [])))
    return out


def flags(errors: list[ValidationError], key: str) -> bool:
    """Some error is about ``key``: at or below it, or at its parent naming it (an unknown key,
    a missing required key, a key that is not a year)."""
    parts = key_parts(key)
    for error in flat(errors):
        path = [str(p) for p in error.absolute_path]
        if path[:len(parts)] == parts:
            return True
        if path == parts[:-1] and f"'{parts[-1]}'" in error.message:
            return True
    return False


def shown(errors: list[ValidationError]) -> str:
    return "\n".join(f"  {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:160]}" for e in flat(errors))


# ---- the committed files ------------------------------------------------------------------------

@pytest.mark.parametrize("name", [CONFIG_FILE, CONSTRAINTS_FILE])
def test_committed_schema_is_current(name: str):
    path = SCHEMAS / name
    assert path.is_file(), f"schemas/{name} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == schema_texts()[name], \
        f"schemas/{name} differs from what the config models give now: {REGENERATE}"


def test_write_schemas_is_deterministic(tmp_path: Path):
    first = write_schemas(tmp_path / "a")
    assert [p.name for p in first] == [CONFIG_FILE, CONSTRAINTS_FILE]
    texts = [p.read_bytes() for p in first]
    assert [p.read_bytes() for p in write_schemas(tmp_path / "b")] == texts
    assert all(t.endswith(b"}\n") and not t.endswith(b"\n\n") for t in texts)
    assert DEFAULT_FOLDER == SCHEMAS


def test_module_writes_into_a_folder(tmp_path: Path, capsys):
    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [CONFIG_FILE, CONSTRAINTS_FILE]
    assert "wrote" in capsys.readouterr().out
    assert main(["a", "b"]) == 2


def test_schemas_are_valid_json_schema():
    for schema in (config_schema(), constraints_schema()):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
        Draft7Validator.check_schema(schema)


def test_descriptions_come_from_the_models():
    solver = config_schema()["$defs"]["Solver"]["properties"]
    assert solver["mip_gap"]["description"].startswith("relative MIP gap")
    assert solver["mip_gap"]["minimum"] == 0 and solver["mip_gap"]["maximum"] == 1
    assert solver["time_limit_s"]["exclusiveMinimum"] == 0
    assert "title" not in solver["mip_gap"]


# ---- the shipped files --------------------------------------------------------------------------

@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_validates(path: Path):
    errors = schema_errors(read(path))
    assert not errors, f"{path.name} fails its schema:\n{shown(errors)}"
    assert not loader_problems(path)


@pytest.mark.parametrize("path", CONSTRAINT_FILES, ids=lambda p: p.name)
def test_shipped_constraint_file_validates(path: Path):
    errors = schema_errors(read(path), "constraints")
    assert not errors, f"{path.name} fails its schema:\n{shown(errors)}"


@pytest.mark.parametrize("path", CONFIGS + CONSTRAINT_FILES, ids=lambda p: p.relative_to(REPO / "configs").as_posix())
def test_shipped_file_names_its_schema(path: Path):
    name = CONSTRAINTS_FILE if path.parent.name == "constraints" else CONFIG_FILE
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path.name}: the first line should be '# yaml-language-server: $schema=...'"
    assert (path.parent / match.group(1)).resolve() == SCHEMAS / name


# ---- the broken-config corpus -------------------------------------------------------------------

# Cases a schema sees: key -> the expectations it must flag too (None: every '# expect:' key).
STRUCTURAL: dict[str, list[str] | None] = {
    "bool_for_number": None,
    "infinite_number": None,          # .inf, and 1e308 above the 1e7 MW bound
    "missing_required": None,
    "negative_value": None,
    "several_mistakes": ["horizon.frist_year", "budget.capex_usd_per_year"],   # the others need the data
    "unknown_constraint_kind": None,
    "unknown_nested_key": None,
    "unknown_top_key": None,
    "wrong_type": None,
    "zero_value": None,
}
# The mistake is in a constraint file the config names: the constraint-file schema flags it.
IN_INCLUDED_FILE = {"bad_included_entry": ("constraints/bad_entry.yaml", "[0].max_mww")}
# Mistakes no schema can see; the schema accepts the file as written.
BEYOND_SCHEMA = {
    "cf_out_of_range": "data table", "duplicate_ids": "data table", "missing_column": "data table",
    "non_numeric_cell": "data table", "several_data_mistakes": "data table", "site_unknown_region": "data table",
    "missing_data_file": "missing file", "missing_constraint_file": "missing file",
    "extends_cycle_a": "extends cycle", "extends_cycle_b": "extends cycle", "extends_device": "not a regular file",
    "last_before_first": "two values compared", "year_outside_horizon": "years of the horizon",
    "unknown_gpu": "ids in the data", "unknown_region": "ids in the data", "unknown_site": "ids in the data",
    "unknown_tech": "ids in the data",
}
# Refused while reading the YAML, before any schema applies.
YAML_LEVEL = {"alias_bomb", "binary_tag", "control_character", "deep_nesting", "duplicate_key",
              "duplicate_year_key", "python_tag", "yaml_syntax"}


def test_every_corpus_case_is_classified():
    groups = [set(STRUCTURAL), set(IN_INCLUDED_FILE), set(BEYOND_SCHEMA), YAML_LEVEL]
    assert sum(map(len, groups)) == len(set().union(*groups)), "a case is in two groups"
    assert set().union(*groups) == set(CASES), ("classify each case of tests/config/broken/ here: structural, "
                                                "in an included file, beyond a schema or YAML-level")


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_schema_rejects_structural_corpus_case(case: str):
    path = BROKEN / f"{case}.yaml"
    keys = STRUCTURAL[case] or [m["key"] for m in map(EXPECT.match, path.read_text().splitlines()) if m]
    assert keys
    errors = schema_errors(read(path))
    for key in keys:
        assert flags(errors, key), f"the schema does not flag {key!r} in {case}.yaml; it reports:\n{shown(errors)}"


@pytest.mark.parametrize("case", sorted(IN_INCLUDED_FILE))
def test_schema_rejects_mistake_in_included_constraint_file(case: str):
    included, key = IN_INCLUDED_FILE[case]
    assert not schema_errors(read(BROKEN / f"{case}.yaml"))   # naming a file is fine
    errors = schema_errors(read(BROKEN / included), "constraints")
    assert flags(errors, key), shown(errors)


@pytest.mark.parametrize("case", sorted(BEYOND_SCHEMA))
def test_schema_accepts_what_only_the_loader_can_judge(case: str):
    errors = schema_errors(read(BROKEN / f"{case}.yaml"))
    assert not errors, f"{case}.yaml ({BEYOND_SCHEMA[case]}) is refused by the schema:\n{shown(errors)}"


# ---- valid variants: both accept ----------------------------------------------------------------

BASE = """\
name: variant
description: a valid config written for the schema tests
horizon:
  first_year: 2026
  last_year: 2030
  period_length_years: 1
  discount_rate: 0.07
data:
  sites: data/sites.csv
  regions: data/regions.csv
  techs: data/techs.csv
  gpus: data/gpus.csv
  profiles: data/profiles_hourly.csv.gz
  grid_profiles: data/grid_hourly.csv.gz
"""

VALID: dict[str, dict[str, str]] = {
    "standalone": {"config.yaml": BASE},
    "extends_with_overrides": {
        "base.yaml": BASE,
        "config.yaml": """\
extends: base.yaml
name: child
horizon:
  last_year: 2032
data:
  sites: other/sites.csv
solver:
  mip_gap: 0.05
  time_limit_s: 60
  threads: 2
  highs_options: {mip_heuristic_effort: 0.2, presolve: "on", mip_rel_gap: 1e-4}
time_slices: {resolution: full_year}
""",
    },
    "constraint_files_by_name": {
        "config.yaml": BASE + """\
constraints:
  - constraints/list.yaml
  - kind: site_count
    max: 2
  - constraints/mapping.yaml
  - constraints/single.yaml
  - constraints/empty_mapping.yaml
""",
        "constraints/list.yaml": """\
- kind: tech_capacity
  tech: [gas_recip, gas_aero]
  region: ERCOT
  years: [2027, 2028]
  max_mw: 500
- kind: forbid_site
  site: [memphis, abilene]
- kind: earliest_year
  gpu: RUBIN
  year: 2027
""",
        "constraints/mapping.yaml": """\
constraints:
  - kind: max_share
    tech: gas_mobile
    max_share: 0.2
    note: rented turbines are a bridge
  - kind: gpu_count
    gpu: H100
    site: memphis
    min_gpus: 1000
""",
        "constraints/single.yaml": "kind: clean_share\nregion: PJM\nmin_share: 0.6\n",
        "constraints/empty_mapping.yaml": "constraints: []\n",
    },
    "year_maps": {
        "config.yaml": BASE + """\
facility:
  pue_from_temperature: true
  fixed_load_mw:
    memphis: 20
    abilene: {2027: 5, 2029: 40.5}
targets:
  compute_h100e: {2027: 2.0e5, 2030: 1e6}
  single_cluster:
    - {year: 2028, min_h100e: 1.0e5}
    - {year: 2030, min_gpus: 50000}
budget:
  capex_usd_per_year: {2026: 25.0e9, 2027: 3e10}
  capex_usd_total: 1.0e11
grid:
  headroom_mw: {ERCOT: {2027: 3000, 2028: 4000}}
supply:
  gpus_per_year: {RUBIN: {2027: 100000}}
policy:
  carbon_price_usd_per_t: {2026: 0, 2030: 85}
  carbon_cap_t: {2030: 1.0e6}
  min_clean_share: {2028: 0.5}
reliability:
  reserve_margin: null
  value_of_lost_load_usd_per_mwh: 10000
objective: {kind: max_compute, compute_measure: h100e_years}
""",
    },
    "one_number_for_every_year": {
        "config.yaml": BASE + """\
budget:
  capex_usd_per_year: 25.0e9
policy:
  carbon_price_usd_per_t: 50
  min_clean_share: 0.3
time_slices:
  representative_days: 4
  extreme_days: [lowest_wind, hottest]
  hours_per_slice: 6
""",
    },
}


def write_files(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("variant", sorted(VALID))
def test_schema_and_loader_accept_valid_variant(variant: str, tmp_path: Path):
    write_files(tmp_path, VALID[variant])
    assert not loader_problems(tmp_path / "config.yaml")
    for rel in VALID[variant]:
        which = "constraints" if rel.startswith("constraints/") else "config"
        errors = schema_errors(read(tmp_path / rel), which)
        assert not errors, f"{rel}:\n{shown(errors)}"


def test_schema_accepts_the_starter_config(tmp_path: Path):
    from optimizer.starter import write_starter

    config, constraints = write_starter("starter", tmp_path)
    assert not loader_problems(config)
    assert not schema_errors(read(config))
    assert not schema_errors(read(constraints), "constraints")


# ---- small mistakes: both reject, at the same key -----------------------------------------------

def _set(data: dict, key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _drop(data: dict, key: str) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data[part]
    del data[last]


def entry(**fields: Any) -> dict:
    return {"constraints": [fields]}


# name -> (changes: key -> value, or key -> DROP; the key both must name)
DROP = object()
MUTATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown_top_key": ({"horizn": {"first_year": 2026}}, "horizn"),
    "unknown_nested_key": ({"solver.time_limt_s": 30}, "solver.time_limt_s"),
    "string_for_number": ({"solver.time_limit_s": "fast"}, "solver.time_limit_s"),
    "negative_where_ge_0": ({"facility.water_l_per_kwh": -1}, "facility.water_l_per_kwh"),
    "negative_year_value": ({"targets.compute_h100e": {2028: -5}}, "targets.compute_h100e[2028]"),
    "mip_gap_2": ({"solver.mip_gap": 2}, "solver.mip_gap"),
    "zero_where_gt_0": ({"budget.capex_usd_total": 0}, "budget.capex_usd_total"),
    "above_maximum": ({"grid.headroom_mw": {"ERCOT": {2027: 1e308}}}, "grid.headroom_mw.ERCOT[2027]"),
    "infinite": ({"policy.carbon_price_usd_per_t": math.inf}, "policy.carbon_price_usd_per_t"),
    "fraction_for_integer": ({"solver.threads": 1.5}, "solver.threads"),
    "not_a_choice": ({"time_slices.resolution": "weekly"}, "time_slices.resolution"),
    "not_a_slice_length": ({"time_slices.hours_per_slice": 5}, "time_slices.hours_per_slice"),
    "year_key_not_a_year": ({"targets.compute_h100e": {"next_year": 5}}, "targets.compute_h100e.next_year"),
    "list_for_section": ({"solver": [1, 2]}, "solver"),
    "missing_required_section": ({"data": DROP}, "data"),
    "missing_required_key": ({"horizon.first_year": DROP}, "horizon.first_year"),
    "null_for_required": ({"horizon.last_year": None}, "horizon.last_year"),
    "blank_data_path": ({"data.sites": "  "}, "data.sites"),
    "extends_not_a_name": ({"extends": ["a.yaml", "b.yaml"]}, "extends"),
    "unknown_constraint_kind": (entry(kind="site_cout", max=3), "constraints[0]"),
    "constraint_missing_kind": (entry(max=3), "constraints[0]"),
    "constraint_unknown_key": (entry(kind="site_count", max=3, maxx=4), "constraints[0].maxx"),
    "constraint_number_as_text": (entry(kind="max_share", tech="ccgt", max_share="half"), "constraints[0].max_share"),
    "constraint_share_above_1": (entry(kind="clean_share", min_share=60), "constraints[0].min_share"),
    "constraint_without_bound": (entry(kind="tech_capacity", tech="ccgt"), "constraints[0]"),
    "constraint_site_and_region": (entry(kind="gpu_count", site="memphis", region="TVA", max_gpus=10),
                                   "constraints[0]"),
    "constraint_two_targets": (entry(kind="earliest_year", tech="ccgt", site="memphis", year=2028),
                               "constraints[0]"),
    "constraint_missing_required": (entry(kind="force_site"), "constraints[0].site"),
    "constraint_blank_file_name": ({"constraints": [" "]}, "constraints[0]"),
    "constraints_not_a_list": ({"constraints": {"kind": "site_count", "max": 3}}, "constraints"),
    "cluster_target_both_measures": ({"targets.single_cluster": [{"year": 2028, "min_h100e": 1, "min_gpus": 1}]},
                                     "targets.single_cluster[0]"),
    "cluster_target_without_year": ({"targets.single_cluster": [{"min_gpus": 1}]}, "targets.single_cluster[0].year"),
}


def mutated(changes: dict[str, Any]) -> dict:
    data = yaml.safe_load(BASE)
    for key, value in changes.items():
        if value is DROP:
            _drop(data, key)
        else:
            _set(data, key, value)
    return data


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_schema_and_loader_reject_mistake(name: str, tmp_path: Path):
    changes, key = MUTATIONS[name]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(mutated(changes), sort_keys=False), encoding="utf-8")
    problems = loader_problems(path)
    assert any(p.key == key for p in problems), f"the loader does not name {key!r}: {problems}"
    errors = schema_errors(read(path))
    assert flags(errors, key), f"the schema does not flag {key!r}; it reports:\n{shown(errors)}"


def test_loader_rejects_bool_for_number(tmp_path: Path):
    """Both refuse true where a number goes (the loader no longer reads it as 1, see NoBoolNumbers)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(mutated({"solver.mip_gap": True})), encoding="utf-8")
    assert flags(schema_errors(read(path)), "solver.mip_gap")
    assert any(p.key == "solver.mip_gap" for p in loader_problems(path))


@pytest.mark.parametrize("text, key", [
    ("- kind: site_count\n  maxx: 3\n", "[0].maxx"),
    ("- constraints/other.yaml\n", "[0]"),                                 # no includes in a constraint file
    ("constraints:\n  - kind: forbid_site\n", "constraints[0].site"),
    ("constraints: []\nextra: 1\n", "extra"),                             # the loader ignores it: stricter
    ("kind: only_sites\nsites: [a]\n", "sites"),
])
def test_constraint_file_schema_rejects_mistake(text: str, key: str, tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    errors = schema_errors(read(path), "constraints")
    assert flags(errors, key), shown(errors)
