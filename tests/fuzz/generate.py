"""Seeded generator of broken and hostile inputs for ``test_fuzz_inputs.py``.

**The fuzz base** is a small copy of the shipped inputs that validates in well under 0.1 s:
``configs/{example,colossus,gigafactory}.yaml`` with ``data.profiles`` pointing at
``data/profiles_days.csv`` (two representative days per zone cut from the shipped hourly
profiles, weights 182 + 183 = 365 days), no ``grid_profiles``, none of the time-slice settings
that need an hourly year (``resolution``, ``link_days``, ``extreme_days``, and
``pue_from_temperature``: a representative-day table has no temperature), one slice per day and
a loose MIP gap so that a sampled run solves in seconds. ``configs/hourly.yaml`` is colossus on
real hourly files cut to its one zone and region (``data/hourly_tva.csv``, ``data/grid_tva.csv``:
8,760 rows each); only the hourly category uses it. Constraint files and the other tables are
the shipped ones.

**A case** is a set of files written over a copy of the base (paths relative to it), the config
to validate and ``--set`` overrides (``{root}`` stands for the case's folder). ``expect`` is
``"error"`` when the input is broken for sure, or ``"error_or_valid"`` when the mutation may leave
a valid input (an optional key removed, markup in a display name...). The expectations come from
the documented contract (``docs/data.md``, the schema's documented ranges), not from the code
under test.

Every category draws from its own ``random.Random(f"{SEED}:{category}")``, so a case id names
the same input on every run. To look at one case by hand::

    .venv/bin/python -m tests.fuzz.generate bad_numbers-017 /tmp/case
    # writes the base and the case into /tmp/case and prints the siting command to run
"""

from __future__ import annotations

import codecs
import copy
import csv
import functools
import gzip
import hashlib
import io
import json
import math
import os
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("SITING_FUZZ_SEED", "20261129"))
ERROR, EITHER = "error", "error_or_valid"

CONFIGS = ("configs/example.yaml", "configs/colossus.yaml", "configs/gigafactory.yaml")
HOURLY = "configs/hourly.yaml"
TABLES = ("sites", "regions", "techs", "gpus")
PROFILE_DAYS = "data/profiles_days.csv"
HOURLY_ZONE = "data/hourly_tva.csv"
HOURLY_GRID = "data/grid_tva.csv"
REP_DAYS = {"2023-01-15": ("winter", 182), "2023-07-15": ("summer", 183)}   # weights sum to 365
DEVICES = ("/dev/zero", "/dev/urandom", "/dev/null", "/dev/full", "/dev/random")


class Draft(NamedTuple):
    """A case before it has an id."""

    description: str
    files: dict[str, bytes]
    config: str
    overrides: tuple[str, ...] = ()
    expect: str = ERROR
    where: tuple[str, int, str] | None = None   # (file name, line, text in key): one problem must match
    run_exits: tuple[int, ...] = (0, 2, 3)      # exit codes a `siting run` of the case may give


class Case(NamedTuple):
    case_id: str
    category: str
    description: str
    files: dict[str, bytes]
    config: str
    overrides: tuple[str, ...]
    expect: str
    where: tuple[str, int, str] | None
    run_exits: tuple[int, ...]


# ---- the fuzz base ---------------------------------------------------------------------------

def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, width=1000, allow_unicode=True).encode()


def _small_config(name: str) -> dict:
    data = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
    data["data"]["profiles"] = "../data/profiles_days.csv"
    data["data"].pop("grid_profiles", None)
    slices = data.setdefault("time_slices", {})
    for key in ("resolution", "link_days", "extreme_days"):
        slices.pop(key, None)
    slices["hours_per_slice"] = 24
    facility = data.get("facility") or {}
    facility.pop("pue_from_temperature", None)
    if not facility:
        data.pop("facility", None)
    data.setdefault("solver", {}).update({"time_limit_s": 60, "mip_gap": 0.05})
    return data


def _hourly_config() -> dict:
    data = yaml.safe_load((REPO / "configs" / "colossus.yaml").read_text())
    data["name"] = "hourly"
    data["data"]["profiles"] = "../" + HOURLY_ZONE
    data["data"]["grid_profiles"] = "../" + HOURLY_GRID
    data.setdefault("solver", {}).update({"time_limit_s": 60, "mip_gap": 0.05})
    return data


def _gz_lines(rel: str) -> list[str]:
    with gzip.open(REPO / rel, "rt", encoding="utf-8") as stream:
        return stream.read().splitlines()


def _representative_days() -> bytes:
    lines = _gz_lines("data/profiles_hourly.csv.gz")
    head = lines[0].split(",")
    at = {name: i for i, name in enumerate(head)}
    out = ["zone,day,hour,weight_days,solar_cf,wind_cf"]
    for line in lines[1:]:
        cells = line.split(",")
        stamp = cells[at["timestamp"]]
        if stamp[:10] in REP_DAYS:
            day, weight = REP_DAYS[stamp[:10]]
            out.append(f"{cells[at['zone']]},{day},{int(stamp[11:13])},{weight},"
                       f"{cells[at['solar_cf']]},{cells[at['wind_cf']]}")
    return ("\n".join(out) + "\n").encode()


def _one_key(rel: str, key: str) -> bytes:
    """An hourly table cut to the rows whose second column is ``key``."""
    lines = _gz_lines(rel)
    return ("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[1] == key]) + "\n").encode()


@functools.lru_cache(maxsize=None)
def _base() -> dict[str, bytes]:
    files = {f"configs/{n}.yaml": _dump(_small_config(n)) for n in ("example", "colossus", "gigafactory")}
    files[HOURLY] = _dump(_hourly_config())
    for path in sorted((REPO / "configs" / "constraints").glob("*.yaml")):
        files[f"configs/constraints/{path.name}"] = path.read_bytes()
    for path in sorted((REPO / "data").iterdir()):   # every plain table the shipped configs may name
        if path.suffix in (".csv", ".geojson"):
            files[f"data/{path.name}"] = path.read_bytes()
    files[PROFILE_DAYS] = _representative_days()
    files[HOURLY_ZONE] = _one_key("data/profiles_hourly.csv.gz", "TVA")
    files[HOURLY_GRID] = _one_key("data/grid_hourly.csv.gz", "TVA")
    return files


def base_files() -> dict[str, bytes]:
    """The fuzz base: relative path -> content (a fresh dict)."""
    return dict(_base())


def write_base(root: Path) -> Path:
    for rel, content in _base().items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def materialize(case: Case, base: Path, dest: Path) -> Path:
    """The case's folder: the base's files hard-linked (never written), the case's files written
    fresh over them. Returns the config path."""
    dest.mkdir(parents=True, exist_ok=False)
    for rel in _base():
        if rel in case.files:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(base / rel, target)
        except OSError:
            shutil.copyfile(base / rel, target)
    for rel, content in case.files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return Path(case.config) if os.path.isabs(case.config) else dest / case.config


def overrides_for(case: Case, root: Path) -> list[str]:
    return [o.replace("{root}", str(root)) for o in case.overrides]


CONSTRAINT_FILES = tuple(sorted(rel for rel in _base() if rel.startswith("configs/constraints/")))


@functools.lru_cache(maxsize=None)
def _parsed(rel: str) -> Any:
    return yaml.safe_load(_base()[rel])


def base_data(rel: str) -> Any:
    return copy.deepcopy(_parsed(rel))


def users_of(constraint_rel: str) -> list[str]:
    """The base configs whose constraint list names this file."""
    name = constraint_rel.removeprefix("configs/")
    return [c for c in CONFIGS if name in (base_data(c).get("constraints") or [])]


def model_years(config_rel: str) -> list[int]:
    h = base_data(config_rel)["horizon"]
    return list(range(h["first_year"], h["last_year"] + 1, h.get("period_length_years", 1)))


def referenced_ids(config_rel: str) -> set[str]:
    """Every string written in a config and the constraint files it includes."""
    out: set[str] = set()
    data = base_data(config_rel)
    docs = [data] + [base_data("configs/" + c) for c in data.get("constraints", []) if isinstance(c, str)]
    for doc in docs:
        for _, value in walk(doc):
            if isinstance(value, str):
                out.add(value)
    return out


# ---- the documented columns (docs/data.md) -----------------------------------------------------

class Column(NamedTuple):
    name: str
    kind: str          # str, int, float, bool
    required: bool     # the column must be there
    blank_ok: bool     # an empty cell is allowed
    lo: float | None
    hi: float | None


HEADINGS = (("regions.csv", "regions"), ("sites.csv", "sites"), ("techs.csv", "techs"), ("gpus.csv", "gpus"),
            ("profiles (representative", "profiles"), ("profiles (hourly", "profiles_hourly"),
            ("grid_profiles", "grid_profiles"), ("prices", "prices"))


@functools.lru_cache(maxsize=None)
def documented_columns() -> dict[str, dict[str, Column]]:
    out: dict[str, dict[str, Column]] = {}
    table = None
    for line in (REPO / "docs" / "data.md").read_text().splitlines():
        if line.startswith("## "):
            table = next((key for prefix, key in HEADINGS if line[3:].startswith(prefix)), None)
            continue
        if table is None or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name, kind, default, bounds = cells[0].strip("`"), cells[1], cells[-2], cells[-1]
        lo = hi = None
        if "…" in bounds:
            lo, hi = (float(x.strip()) for x in bounds.split("…"))
        elif bounds.startswith("≥"):
            lo = float(bounds[1:].strip())
        out.setdefault(table, {})[name] = Column(name, kind, default.startswith("required"), default != "required",
                                                 lo, hi)
    assert {"sites", "regions", "techs", "gpus", "profiles"} <= set(out), "docs/data.md: column tables not found"
    return out


# ---- YAML and CSV helpers ------------------------------------------------------------------------

RAW = "__fuzz_raw_{}__"


def walk(node: Any, path: tuple = ()):
    """(path, value) of every node below ``node``, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), value
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield path + (i,), value
            yield from walk(value, path + (i,))


def get_at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def set_at(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        if isinstance(data, dict) and not isinstance(data.get(part), (dict, list)):
            data[part] = {}
        data = data[part]
    data[path[-1]] = value


def delete_at(data: Any, path: tuple) -> None:
    del get_at(data, path[:-1])[path[-1]]


def dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def _child_indent(line: str) -> int:
    rest = line.lstrip(" ")
    col = len(line) - len(rest)
    while rest.startswith("- "):
        rest, col = rest[2:], col + 2
    return col + 2


class Doc:
    """A YAML file as data, with raw YAML text spliced in where a mutation needs exact text
    (``1e400``, ``.nan``, tags, anchors, blocks nested hundreds of levels deep)."""

    def __init__(self, rel: str, data: Any = None):
        self.rel = rel
        self.data = base_data(rel) if data is None else data
        self.raw: list[str] = []

    def token(self, text: str) -> str:
        """A placeholder that renders as ``text``; text starting with a newline is a block,
        indented under the line that holds the placeholder."""
        self.raw.append(text)
        return RAW.format(len(self.raw) - 1)

    def set(self, path: tuple, value: Any) -> "Doc":
        set_at(self.data, path, value)
        return self

    def set_raw(self, path: tuple, text: str) -> "Doc":
        return self.set(path, self.token(text))

    def rename_key(self, path: tuple, new_key: Any) -> "Doc":
        parent = get_at(self.data, path[:-1])
        items = list(parent.items())
        parent.clear()
        parent.update((new_key if k == path[-1] else k, v) for k, v in items)
        return self

    def text(self) -> str:
        text = yaml.safe_dump(self.data, sort_keys=False, width=10**6, allow_unicode=True)
        for i, value in enumerate(self.raw):
            token = RAW.format(i)
            if not value.startswith("\n"):
                text = text.replace(token, value)
                continue
            lines = text.split("\n")
            for n, line in enumerate(lines):
                if token in line:
                    indent = " " * _child_indent(line)
                    block = "\n".join(indent + part if part else part for part in value[1:].split("\n"))
                    lines[n] = line.replace(" " + token, "").replace(token, "") + "\n" + block
            text = "\n".join(lines)
        return text

    def files(self) -> dict[str, bytes]:
        return {self.rel: self.text().encode("utf-8", "surrogatepass")}


def read_rows(rel: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_base()[rel].decode("utf-8"))))


def write_rows(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def base_text(rel: str) -> str:
    return _base()[rel].decode("utf-8")


# ---- 1. deleted keys -----------------------------------------------------------------------------

REQUIRED_PATHS = {("horizon",), ("data",), ("horizon", "first_year"), ("horizon", "last_year")} | {
    ("data", t) for t in ("sites", "regions", "techs", "gpus", "profiles")}
ENTRY_REQUIRED = {"tech_capacity": ("tech",), "force_site": ("site",), "forbid_site": ("site",),
                  "only_sites": ("site",), "forbid_tech": ("tech",), "max_share": ("tech", "max_share"),
                  "clean_share": ("min_share",), "earliest_year": ("year",)}
ENTRY_ONE_OF = {"tech_capacity": ("max_mw", "min_mw"), "site_count": ("max", "min"),
                "gpu_count": ("max_gpus", "min_gpus"), "earliest_year": ("tech", "gpu", "site")}


def _entry_field(rel: str, path: tuple) -> tuple[tuple | None, Any]:
    """(path of the constraint entry, field) when ``path`` is a field of a constraint entry."""
    if rel in CONFIGS and len(path) == 3 and path[0] == "constraints" and isinstance(path[1], int):
        return path[:2], path[2]
    if rel in CONSTRAINT_FILES and len(path) == 2 and isinstance(path[0], int):
        return path[:1], path[1]
    return None, None


def key_required(rel: str, path: tuple) -> bool:
    if rel in CONFIGS and path in REQUIRED_PATHS:
        return True
    entry_path, field = _entry_field(rel, path)
    if entry_path is None:
        return False
    entry = get_at(base_data(rel), entry_path)
    if not isinstance(entry, dict):
        return False
    kind = entry.get("kind")
    group = ENTRY_ONE_OF.get(kind, ())
    return (field == "kind" or field in ENTRY_REQUIRED.get(kind, ())
            or (field in group and not any(f in entry for f in group if f != field)))


def config_for(rel: str, rng: random.Random) -> str:
    """The config to validate when ``rel`` is mutated."""
    if rel in CONSTRAINT_FILES:
        return rng.choice(users_of(rel))
    return rel


def deleted_keys(rng: random.Random) -> list[Draft]:
    singles = [(rel, path) for rel in CONFIGS + CONSTRAINT_FILES for path, _ in walk(base_data(rel))]
    required = [s for s in singles if key_required(*s)]
    optional = [s for s in singles if not key_required(*s)]
    drafts = []
    for rel, path in rng.sample(required, min(36, len(required))) + rng.sample(optional, 22):
        doc = Doc(rel)
        delete_at(doc.data, path)
        drafts.append(Draft(f"{rel}: delete {dotted(path)}", doc.files(), config_for(rel, rng),
                            expect=ERROR if key_required(rel, path) else EITHER))
    for _ in range(8):   # two or three keys at once (mapping keys only, none inside another)
        rel = rng.choice(CONFIGS)
        keys = [p for p, _ in walk(base_data(rel)) if not isinstance(p[-1], int) or isinstance(
            get_at(base_data(rel), p[:-1]), dict)]
        paths: list[tuple] = []
        wanted = rng.choice((2, 3))
        for p in rng.sample(keys, len(keys)):
            if len(paths) < wanted and all(p[:len(q)] != q and q[:len(p)] != p for q in paths):
                paths.append(p)
        doc = Doc(rel)
        for p in sorted(paths, key=len, reverse=True):
            delete_at(doc.data, p)
        drafts.append(Draft(f"{rel}: delete {', '.join(dotted(p) for p in paths)}", doc.files(), rel,
                            expect=ERROR if any(key_required(rel, p) for p in paths) else EITHER))
    for rel in CONFIGS:
        drafts.append(Draft(f"{rel}: every key deleted (empty file)", {rel: b""}, rel))
    drafts.append(Draft("example.yaml: only a comment left", {CONFIGS[0]: b"# nothing here\n"}, CONFIGS[0]))
    for rel in CONSTRAINT_FILES[:2]:
        drafts.append(Draft(f"{rel}: every entry deleted (empty file)", {rel: b""}, config_for(rel, rng),
                            expect=EITHER))
    return drafts


# ---- 2. wrong types --------------------------------------------------------------------------------

NUMBER_OR_MAP = {("budget", "capex_usd_per_year"), ("policy", "carbon_price_usd_per_t"), ("policy", "min_clean_share")}
NULLABLE_MAPS = {("budget", "capex_usd_per_year"), ("policy", "min_clean_share")}


def _wrong_values(rel: str, path: tuple, value: Any) -> list[tuple[str, str]]:
    """(raw YAML, expectation) replacements of a value by a value of another type."""
    if isinstance(value, bool):
        return [("sometimes", ERROR), ("2", ERROR), ("[true]", ERROR), ("{a: b}", ERROR), ("'tru'", ERROR)]
    if isinstance(value, (int, float)):
        return [("[1, 2]", ERROR), ("{a: 1}", ERROR), ("'abc'", ERROR), ("[]", ERROR), ("true", EITHER),
                ("{}", EITHER if path in NUMBER_OR_MAP else ERROR), ("2024-01-01", ERROR)]
    if isinstance(value, str):
        return [("{a: 1}", ERROR), ("{}", ERROR), ("42", ERROR), ("[[a]]", ERROR), ("[1, 2]", ERROR),
                ("3.5", ERROR), ("2024-01-01", ERROR)]
    if isinstance(value, list):
        return [("{a: 1}", ERROR), ("5", ERROR), ("[[1, 2]]", ERROR), ("true", ERROR)]
    if isinstance(value, dict):
        return [("[1, 2]", ERROR), ("'abc'", ERROR), ("5", EITHER if path in NUMBER_OR_MAP else ERROR),
                ("null", EITHER if path in NULLABLE_MAPS else ERROR), ("[]", ERROR)]
    return []


def year_map_paths(rel: str) -> list[tuple]:
    return [p for p, v in walk(base_data(rel)) if isinstance(v, dict) and v and all(
        isinstance(k, int) and not isinstance(k, bool) for k in v)]


def wrong_types(rng: random.Random) -> list[Draft]:
    candidates = []
    for rel in CONFIGS + CONSTRAINT_FILES:
        for path, value in walk(base_data(rel)):
            for raw, expect in _wrong_values(rel, path, value):
                candidates.append((rel, path, raw, expect))
    drafts = []
    for rel, path, raw, expect in rng.sample(candidates, 58):
        doc = Doc(rel).set_raw(path, raw)
        drafts.append(Draft(f"{rel}: {dotted(path)} = {raw}", doc.files(), config_for(rel, rng), expect=expect))
    for rel in CONFIGS:
        whole = rng.choice(["- horizon\n- data\n", "just a sentence\n", "42\n", "[1, 2, 3]\n", "'a string'\n"])
        drafts.append(Draft(f"{rel}: the whole file is {whole.strip()!r}", {rel: whole.encode()}, rel))
    for rel in CONFIGS:   # year keys of the wrong type
        for path in rng.sample(year_map_paths(rel), min(2, len(year_map_paths(rel)))):
            key = rng.choice(list(get_at(base_data(rel), path)))
            raw = rng.choice(["abc", "null", "true", "2027-01-01", "[1, 2]", "{a: 1}"])
            doc = Doc(rel)
            doc.rename_key(path + (key,), doc.token(raw))
            drafts.append(Draft(f"{rel}: year key {dotted(path + (key,))} written as {raw}", doc.files(), rel))
    return drafts


# ---- 3. bad numbers ------------------------------------------------------------------------------

class Spec(NamedTuple):
    kind: str                  # int, float, year, choice
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple = ()


MW, H100E, USD, GPUS = Spec("float", 0, 1e7), Spec("float", 0, 1e12), Spec("float", 0, 1e15, lo_open=True), \
    Spec("float", 0, 1e12)
SHARE = Spec("float", 0, 1)
NUMBER_SPECS = [   # (path pattern, spec): the documented range of every number in a config
    (("horizon", "first_year"), Spec("int", 2000, 2100)), (("horizon", "last_year"), Spec("int", 2000, 2100)),
    (("horizon", "period_length_years"), Spec("int", 0, 100, lo_open=True)),
    (("horizon", "discount_rate"), Spec("float", 0, 1, hi_open=True)),
    (("time_slices", "representative_days"), Spec("int", 1, 364)),
    (("time_slices", "hours_per_slice"), Spec("choice", choices=(1, 2, 3, 4, 6, 8, 12, 24))),
    (("facility", "pue_rise_per_degree_c"), Spec("float", 0, 1)),
    (("facility", "pue_reference_c"), Spec("float", -80, 70)), (("facility", "water_l_per_kwh"), Spec("float", 0, 100)),
    (("targets", "compute_h100e", "*"), H100E),
    (("budget", "capex_usd_per_year"), USD), (("budget", "capex_usd_per_year", "*"), USD),
    (("budget", "capex_usd_total"), USD),
    (("grid", "headroom_mw", "*", "*"), MW), (("supply", "gpus_per_year", "*", "*"), GPUS),
    (("policy", "carbon_price_usd_per_t"), Spec("float", 0, 1e5)),
    (("policy", "carbon_price_usd_per_t", "*"), Spec("float", 0, 1e5)),
    (("policy", "carbon_cap_t", "*"), Spec("float", 0, 1e12)), (("policy", "min_clean_share"), SHARE),
    (("reliability", "reserve_margin"), Spec("float", 0, 10)),
    (("reliability", "value_of_lost_load_usd_per_mwh"), Spec("float", 0, 1e7, lo_open=True)),
    (("solver", "time_limit_s"), Spec("float", 0, 1e7, lo_open=True)), (("solver", "mip_gap"), SHARE),
    (("solver", "threads"), Spec("int", 1, 1024)), (("solver", "seed"), Spec("int", 0, 2**31 - 1)),
    (("constraints", "*", "max_mw"), MW), (("constraints", "*", "min_mw"), MW),
    (("constraints", "*", "max"), Spec("int", 0, 1e6)), (("constraints", "*", "min"), Spec("int", 0, 1e6)),
    (("constraints", "*", "max_share"), SHARE), (("constraints", "*", "min_share"), SHARE),
    (("constraints", "*", "max_gpus"), GPUS), (("constraints", "*", "min_gpus"), GPUS),
    (("constraints", "*", "year"), Spec("year")), (("constraints", "*", "by_year"), Spec("year")),
    (("constraints", "*", "years", "*"), Spec("year")),
]
EXTRA_NUMBERS = [("horizon", "period_length_years"), ("horizon", "discount_rate"), ("time_slices", "representative_days"),
                 ("facility", "pue_rise_per_degree_c"), ("facility", "pue_reference_c"),
                 ("facility", "water_l_per_kwh"), ("budget", "capex_usd_total"), ("policy", "min_clean_share"),
                 ("reliability", "value_of_lost_load_usd_per_mwh"), ("solver", "threads"), ("solver", "seed")]
INF, NAN = float("inf"), float("nan")
# (raw YAML, how pydantic sees it: "int" / "float" number, "text-int" / "text-float" a quoted or
# unresolved number, "nan-text" not a number at all, value)
BAD_NUMBERS = [
    ("-1", "int", -1), ("-0.5", "float", -0.5), ("0", "int", 0), ("0.0", "float", 0.0), (".nan", "float", NAN),
    (".NaN", "float", NAN), (".inf", "float", INF), ("-.inf", "float", -INF), ("1.0e+308", "float", 1e308),
    ("-1.0e+308", "float", -1e308), ("1.0e+400", "float", INF), ("1e308", "text-float", 1e308),
    ("1e400", "text-float", INF), ("nan", "text-float", NAN), ("NaN", "text-float", NAN), ("inf", "text-float", INF),
    ("-inf", "text-float", -INF), ("Infinity", "text-float", INF), ("99999999999999999999999999999", "int", 10**29 - 1),
    ("1" + "0" * 40, "nan-text", None), (str(2**63), "int", 2**63), (str(2**31), "int", 2**31),
    ("12abc", "nan-text", None), ("'1,000'", "nan-text", None), ("10 MW", "nan-text", None),
    ("'5'", "text-int", 5), ("0x1F", "int", 31), ("1_000", "int", 1000), ("1e3", "text-float", 1000.0),
    ("2.5", "float", 2.5), ("1.0e+16", "float", 1e16), ("-2147483649", "int", -2147483649),
]
BAD_YEAR_KEYS = ["-1", "0", "1.0e+400", ".nan", "12abc", "2027.5", "99999999999999999999999", "1e308", "3000",
                 "1999", ".inf"]


def number_spec(rel: str, path: tuple) -> Spec | None:
    full = path if rel in CONFIGS else ("constraints",) + path
    for pattern, spec in NUMBER_SPECS:
        if len(pattern) == len(full) and all(p == "*" or p == q for p, q in zip(pattern, full)):
            return spec
    return None


def number_expect(spec: Spec, how: str, value: Any, years: list[int]) -> str:
    """ERROR when the documented range (or the model years) rules the value out."""
    if how == "nan-text" or value is None or not math.isfinite(value):
        return ERROR
    whole = float(value).is_integer() and how != "text-float"
    if spec.kind in ("int", "year") and not whole:
        return ERROR
    if spec.kind == "year":
        return EITHER if value in years else ERROR
    if spec.kind == "choice":
        return EITHER if value in spec.choices else ERROR
    if spec.lo is not None and (value < spec.lo or (spec.lo_open and value == spec.lo)):
        return ERROR
    if spec.hi is not None and (value > spec.hi or (spec.hi_open and value == spec.hi)):
        return ERROR
    return EITHER


def bad_numbers(rng: random.Random) -> list[Draft]:
    targets = []
    for rel in CONFIGS + CONSTRAINT_FILES:
        for path, value in walk(base_data(rel)):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and number_spec(rel, path):
                targets.append((rel, path))
    for rel in CONFIGS:
        targets += [(rel, p) for p in EXTRA_NUMBERS]
        targets.append((rel, ("policy", "carbon_cap_t", model_years(rel)[0])))
    drafts = []
    for _ in range(60):
        rel, path = rng.choice(targets)
        raw, how, value = rng.choice(BAD_NUMBERS)
        config = config_for(rel, rng)
        expect = number_expect(number_spec(rel, path), how, value, model_years(config))
        drafts.append(Draft(f"{rel}: {dotted(path)} = {raw}", Doc(rel).set_raw(path, raw).files(), config,
                            expect=expect))
    for _ in range(12):   # year keys that are no model year
        rel = rng.choice(CONFIGS)
        path = rng.choice(year_map_paths(rel))
        key = rng.choice(list(get_at(base_data(rel), path)))
        raw = rng.choice(BAD_YEAR_KEYS)
        doc = Doc(rel)
        doc.rename_key(path + (key,), doc.token(raw))
        drafts.append(Draft(f"{rel}: year key {dotted(path + (key,))} written as {raw}", doc.files(), rel))
    return drafts


# ---- 4. broken CSVs --------------------------------------------------------------------------------

def _cells(table: str) -> dict[str, Column]:
    return documented_columns()[table]


def _table_case(table: str, rows: list[list[str]] | bytes, what: str, rng: random.Random, expect: str = ERROR,
                where: tuple | None = None) -> Draft:
    content = rows if isinstance(rows, bytes) else write_rows(rows)
    rel = f"data/{table}.csv"
    return Draft(f"{rel}: {what}", {rel: content}, rng.choice(CONFIGS), expect=expect, where=where)


def _numeric_columns(table: str) -> list[Column]:
    return [c for c in _cells(table).values() if c.kind in ("int", "float")]


def broken_csvs(rng: random.Random) -> list[Draft]:
    groups: dict[str, list[Draft]] = {}

    def add(group: str, draft: Draft) -> None:
        groups.setdefault(group, []).append(draft)

    for table in TABLES:
        rel, rows = f"data/{table}.csv", read_rows(f"data/{table}.csv")
        name, head = f"{table}.csv", rows[0]
        cols = _cells(table)
        id_col = head[0]
        for i, column in enumerate(head):
            required = cols[column].required if column in cols else False
            add("missing column", _table_case(table, [r[:i] + r[i + 1:] for r in rows], f"column {column} removed", rng,
                                              ERROR if required else EITHER,
                                              (name, 1, column) if required else None))
        for extra in ("colour", head[1] + "x", id_col.upper(), "[/]", "<b>x</b>", "x" * 5000, "lat lon"):
            add("unknown column", _table_case(table, [r + [extra if n == 0 else "1"] for n, r in enumerate(rows)],
                                              f"unknown column {extra[:20]!r}", rng, ERROR, (name, 1, "")))
        dup = rng.randrange(1, len(head))
        add("duplicate header", _table_case(table, [r + [r[dup]] for r in rows], f"column {head[dup]} twice", rng))
        for column in _numeric_columns(table):
            j = head.index(column.name) if column.name in head else None
            if j is None:
                continue
            r = rng.randrange(1, len(rows))
            for text in ("abc", "12abc", "1,5", "--1", "1e", "one", "[red]1[/]", "5 MW"):
                mutated = copy.deepcopy(rows)
                mutated[r][j] = text
                add("bad cell", _table_case(table, mutated, f"row {r + 1} {column.name} = {text!r}", rng, ERROR,
                                            (name, r + 1, column.name)))
            if column.lo is not None and column.lo >= 0:
                mutated = copy.deepcopy(rows)
                mutated[r][j] = "-5"
                add("negative", _table_case(table, mutated, f"row {r + 1} {column.name} = -5", rng, ERROR,
                                            (name, r + 1, column.name)))
        for column in head:
            r = rng.randrange(1, len(rows))
            mutated = copy.deepcopy(rows)
            mutated[r][head.index(column)] = ""
            ok = cols[column].blank_ok if column in cols else True
            add("blank cell", _table_case(table, mutated, f"row {r + 1} {column} blank", rng, EITHER if ok else ERROR,
                                          None if ok else (name, r + 1, column)))
        r = rng.randrange(2, len(rows))
        mutated = copy.deepcopy(rows)
        mutated[r][0] = rows[1][0]
        add("duplicate id", _table_case(table, mutated, f"row {r + 1} repeats id {rows[1][0]}", rng, ERROR,
                                        (name, r + 1, id_col)))
        mutated = copy.deepcopy(rows)
        mutated[r][0] = " " + rows[1][0] + " "
        add("duplicate id", _table_case(table, mutated, f"row {r + 1} repeats id ' {rows[1][0]} ' (spaces)", rng,
                                        ERROR, (name, r + 1, id_col)))
        add("duplicate id", _table_case(table, rows + [rows[-1]], "last row twice", rng, ERROR,
                                        (name, len(rows) + 1, id_col)))
        add("empty", _table_case(table, b"", "empty file", rng))
        add("empty", _table_case(table, b"\n\n  \n", "only blank lines", rng))
        add("empty", _table_case(table, write_rows(rows[:1]), "header only", rng, EITHER))
        for kind, junk in (("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
                           ("gzip", gzip.compress(_base()[rel])), ("random", bytes(rng.randrange(256) for _ in range(
                               2000)) + b"\xff\xfe\x00"), ("utf-16", codecs.BOM_UTF16_LE + base_text(rel).encode(
                                   "utf-16-le"))):
            add("binary", _table_case(table, junk, f"binary garbage ({kind})", rng))
        text = base_text(rel)
        for _ in range(2):
            line_no = rng.randrange(1, len(rows))
            lines = text.split("\n")
            cell = rng.randrange(len(head))
            cells = lines[line_no].split(",")
            cell = min(cell, len(cells) - 1)
            cells[cell] = '"' + cells[cell]
            lines[line_no] = ",".join(cells)
            mutated = "\n".join(lines)
            after = mutated.split("\n", line_no)[-1]
            closing = after.count('"') > 1   # another quote later may close it
            add("quote", _table_case(table, mutated.encode(), f"unbalanced quote on line {line_no + 1}", rng,
                                     EITHER if closing else ERROR))
        for sep in (";", "\t", "|"):
            add("delimiter", _table_case(table, text.replace(",", sep).encode(), f"delimiter {sep!r}", rng))
        add("encoding", _table_case(table, codecs.BOM_UTF8 + text.encode(), "UTF-8 byte-order mark", rng, EITHER))
        latin = text.split("\n")
        latin[1] = latin[1].replace(",", ",Caf\xe9 ", 1)
        add("encoding", _table_case(table, "\n".join(latin).encode("latin-1"), "Latin-1 é in a name", rng))
        long_rows = copy.deepcopy(rows)
        long_rows[1][1] = "n" * rng.choice((100_000, 1_000_000))
        add("long", _table_case(table, long_rows, f"a name of {len(long_rows[1][1]):,} characters", rng, EITHER))
        j = head.index(next(c.name for c in _numeric_columns(table) if c.name in head))
        long_rows = copy.deepcopy(rows)
        long_rows[1][j] = "1" * 200_000
        add("long", _table_case(table, long_rows, f"a number of 200,000 digits in {head[j]}", rng, ERROR,
                                (name, 2, head[j])))
        add("long", _table_case(table, text.replace("\n", "," * 100_000 + "\n", 2).encode(), "100,000 commas", rng))
        add("fields", _table_case(table, [r + (["extra"] if n == 2 else []) for n, r in enumerate(rows)],
                                  "one row with an extra field", rng))
        add("fields", _table_case(table, [r[:3] if n == 2 else r for n, r in enumerate(rows)],
                                  "one row cut after 3 fields", rng, EITHER))
        add("line ends", _table_case(table, text.replace("\n", "\r\n").encode(), "CRLF line ends", rng, EITHER))
    for target in ("{root}", "/dev/zero", "/dev/urandom", "{root}/nowhere.csv", "{root}/configs/example.yaml"):
        table = rng.choice(TABLES)
        add("path", Draft(f"--set data.{table}={target}", {}, rng.choice(CONFIGS), (f"data.{table}={target}",)))
    for table in TABLES:
        config = rng.choice(CONFIGS)
        for target in ("../data", "/dev/zero", f"../data/{table}.CSV"):
            doc = Doc(config).set(("data", table), target)
            add("path", Draft(f"{config}: data.{table}: {target}", doc.files(), config))
    quota = {"missing column": 8, "unknown column": 5, "duplicate header": 2, "bad cell": 8, "negative": 4,
             "blank cell": 5, "duplicate id": 5, "empty": 4, "binary": 5, "quote": 5, "delimiter": 3, "encoding": 4,
             "long": 4, "fields": 3, "line ends": 2, "path": 6}
    return [d for group, n in quota.items() for d in rng.sample(groups[group], min(n, len(groups[group])))]


# ---- 5. non-finite and absurd numbers in table columns --------------------------------------------

BAD_CELLS = ["inf", "-inf", "+inf", "nan", "NaN", "-nan", "Infinity", "-Infinity", "INF", "1e308", "-1e308",
             "1e400", "-1e400", "1.7976931348623157e308", "1e19", "18446744073709551616", "9223372036854775808",
             "2.5e15", "1e16"]


def _cell_expect(column: Column, text: str) -> str:
    value = float(text)
    if not math.isfinite(value) or (column.kind == "int" and not value.is_integer()):
        return ERROR
    if (column.lo is not None and value < column.lo) or (column.hi is not None and value > column.hi):
        return ERROR
    return EITHER


def table_numbers(rng: random.Random) -> list[Draft]:
    tables = [(t, f"data/{t}.csv") for t in TABLES] + [("profiles", PROFILE_DAYS)]
    if "prices" in documented_columns() and "data/prices.csv" in _base():   # optional table, when shipped
        tables.append(("prices", "data/prices.csv"))
    columns = [(rel, table, c) for table, rel in tables
               for c in _numeric_columns(table) if c.name in read_rows(rel)[0]]   # columns the file has
    whole = [x for x in columns if x[2].kind == "int"]
    drafts = []
    for n in range(72):
        rel, table, column = rng.choice(whole if n % 2 == 0 else columns)   # whole-number columns are half
        rows = read_rows(rel)
        j = rows[0].index(column.name)
        r = rng.randrange(1, len(rows))
        text = rng.choice(BAD_CELLS + (["2.5", "0.5"] if column.kind == "int" else []))
        rows[r][j] = text
        expect = _cell_expect(column, text)
        drafts.append(Draft(f"{rel}: row {r + 1} {column.name} = {text}", {rel: write_rows(rows)},
                            rng.choice(CONFIGS), expect=expect,
                            where=(Path(rel).name, r + 1, column.name) if expect == ERROR else None))
    return drafts


# ---- 6. broken hourly files ------------------------------------------------------------------------

def _hourly_rows(rel: str) -> tuple[str, list[str]]:
    lines = base_text(rel).rstrip("\n").split("\n")
    return lines[0], lines[1:]


def _hourly(rel: str, head: str, rows: list[str]) -> dict[str, bytes]:
    return {rel: ("\n".join([head] + rows) + "\n").encode()}


def _with_cell(row: str, index: int, text: str) -> str:
    cells = row.split(",")
    cells[index] = text
    return ",".join(cells)


def broken_hourly(rng: random.Random) -> list[Draft]:
    drafts = []

    def add(what: str, files: dict[str, bytes], expect: str = ERROR, overrides: tuple = ()) -> None:
        drafts.append(Draft(what, files, HOURLY, overrides, expect))

    for rel in (HOURLY_ZONE, HOURLY_GRID):
        head, rows = _hourly_rows(rel)
        name = Path(rel).name
        for _ in range(2):
            k = rng.choice((1, 2, 5, 24))
            at = rng.randrange(len(rows) - k)
            add(f"{name}: {k} hour(s) missing from row {at + 2}", _hourly(rel, head, rows[:at] + rows[at + k:]))
        at = rng.randrange(len(rows))
        add(f"{name}: row {at + 2} twice", _hourly(rel, head, rows[:at + 1] + [rows[at]] + rows[at + 1:]))
        add(f"{name}: row {at + 2} repeated with other values",
            _hourly(rel, head, rows[:at + 1] + [_with_cell(rows[at], 2, "0.5")] + rows[at + 1:]))
        feb28 = [i for i, r in enumerate(rows) if r.startswith("2023-02-28")]
        leap = [r.replace("2023-02-28", "2023-02-29", 1) for r in rows[feb28[0]:feb28[-1] + 1]]
        add(f"{name}: 29 February 2023 added", _hourly(rel, head, rows[:feb28[-1] + 1] + leap + rows[feb28[-1] + 1:]))
        at = rng.randrange(len(rows))
        add(f"{name}: row {at + 2} without its UTC offset",
            _hourly(rel, head, rows[:at] + [rows[at].replace("Z,", ",", 1)] + rows[at + 1:]))
        add(f"{name}: every timestamp naive", _hourly(rel, head, [r.replace("Z,", ",", 1) for r in rows]))
        for junk in ("yesterday", "2023-13-01T00:00:00Z", "2023-01-01T25:00:00Z", "", "0", "[/]",
                     "2023-01-01T00:00:00+99:99", "2023-01-01T00:30:00Z"):
            at = rng.randrange(len(rows))
            add(f"{name}: row {at + 2} timestamp {junk!r}",
                _hourly(rel, head, rows[:at] + [_with_cell(rows[at], 0, junk)] + rows[at + 1:]))
        add(f"{name}: the last day missing (8,736 hours)", _hourly(rel, head, rows[:-24]))
        add(f"{name}: a day of 2024 added (8,784 hours)",
            _hourly(rel, head, rows + [r.replace("2023-01-01", "2024-01-01", 1) for r in rows[:24]]))
        add(f"{name}: two years", _hourly(rel, head, rows + [r.replace("2023-", "2024-", 1) for r in rows]))
        add(f"{name}: header only", _hourly(rel, head, []),
            ERROR if rel == HOURLY_ZONE else EITHER)   # grid rows of no candidate's region are ignored
        add(f"{name}: rows shuffled", _hourly(rel, head, rng.sample(rows, len(rows))), EITHER)
        add(f"{name}: CRLF line ends", {rel: ("\r\n".join([head] + rows) + "\r\n").encode()}, EITHER)
        add(f"{name}: header repeated in the middle", _hourly(rel, head, rows[:100] + [head] + rows[100:]))
        for index, text in ((2, "inf"), (3, "abc"), (2, "1e400"), (3, "nan")):
            at = rng.randrange(len(rows))
            add(f"{name}: row {at + 2} column {head.split(',')[index]} = {text}",
                _hourly(rel, head, rows[:at] + [_with_cell(rows[at], index, text)] + rows[at + 1:]))
    head, rows = _hourly_rows(HOURLY_ZONE)
    ghead, grows = _hourly_rows(HOURLY_GRID)
    both = lambda z, g: {**_hourly(HOURLY_ZONE, head, z), **_hourly(HOURLY_GRID, ghead, g)}   # noqa: E731
    at = rng.randrange(len(rows))
    add("hourly_tva.csv: one temperature blank", _hourly(HOURLY_ZONE, head, rows[:at] + [_with_cell(
        rows[at], 4, "")] + rows[at + 1:]))
    add("hourly_tva.csv: one solar_cf blank (default 0)", _hourly(HOURLY_ZONE, head, rows[:at] + [_with_cell(
        rows[at], 2, "")] + rows[at + 1:]), EITHER)
    add("hourly_tva.csv: solar_cf 1.5", _hourly(HOURLY_ZONE, head, rows[:at] + [_with_cell(rows[at], 2, "1.5")]
                                               + rows[at + 1:]))
    add("hourly_tva.csv: temperature 100 °C", _hourly(HOURLY_ZONE, head, rows[:at] + [_with_cell(rows[at], 4, "100")]
                                                     + rows[at + 1:]))
    add("grid_tva.csv: one price blank", _hourly(HOURLY_GRID, ghead, grows[:at] + [_with_cell(grows[at], 2, "")]
                                                 + grows[at + 1:]))
    add("grid_tva.csv: a negative price (allowed)", _hourly(HOURLY_GRID, ghead, grows[:at] + [_with_cell(
        grows[at], 2, "-50")] + grows[at + 1:]), EITHER)
    add("hourly_tva.csv: every row in unknown zone NOWHERE (PUE needs TVA)",
        _hourly(HOURLY_ZONE, head, [_with_cell(r, 1, "NOWHERE") for r in rows]))
    add("hourly_tva.csv: 48 rows moved to unknown zone NOWHERE",
        _hourly(HOURLY_ZONE, head, [_with_cell(r, 1, "NOWHERE") if 1000 <= i < 1048 else r for i, r in enumerate(rows)]))
    add("grid_tva.csv: every row in unknown region NOWHERE", _hourly(HOURLY_GRID, ghead, [
        _with_cell(r, 1, "NOWHERE") for r in grows]), EITHER)
    add("hourly_tva.csv: every hour shifted to +01:00, grid not",
        _hourly(HOURLY_ZONE, head, [r.replace("Z,", "+01:00,", 1) for r in rows]))
    add("both files shifted to +01:00", both([r.replace("Z,", "+01:00,", 1) for r in rows],
                                             [r.replace("Z,", "+01:00,", 1) for r in grows]), EITHER)
    add("hourly_tva.csv: year 2024 (no 29 February), grid 2023", _hourly(HOURLY_ZONE, head, [
        r.replace("2023-", "2024-", 1) for r in rows]))
    add("both files year 2024 without 29 February", both([r.replace("2023-", "2024-", 1) for r in rows],
                                                          [r.replace("2023-", "2024-", 1) for r in grows]), EITHER)
    feb = [i for i, r in enumerate(rows) if r.startswith("2023-02-28")]
    leap24 = [r.replace("2023-02-28", "2024-02-29", 1) for r in rows[feb[0]:feb[-1] + 1]]
    y24 = [r.replace("2023-", "2024-", 1) for r in rows]
    add("hourly_tva.csv: year 2024 with 29 February (8,784 hours)",
        _hourly(HOURLY_ZONE, head, y24[:feb[-1] + 1] + leap24 + y24[feb[-1] + 1:]))
    add("hourly_tva.csv: timestamps with a space instead of T", _hourly(HOURLY_ZONE, head, [
        r.replace("T", " ", 1) for r in rows]), EITHER)
    add("hourly_tva.csv: every timestamp garbage", _hourly(HOURLY_ZONE, head, [
        _with_cell(r, 0, f"hour {i}Z") for i, r in enumerate(rows)]))
    add("hourly_tva.csv: empty file", {HOURLY_ZONE: b""})
    return drafts


# ---- 7. extends --------------------------------------------------------------------------------------

def _with_extends(rel: str, target: str | None, raw: str | None = None, data: Any = None) -> bytes:
    doc = Doc(rel, data)
    value = doc.token(raw) if raw is not None else target
    doc.data = {"extends": value, **doc.data}
    return doc.text().encode()


def broken_extends(rng: random.Random) -> list[Draft]:
    drafts = []
    for rel in CONFIGS:
        stem = Path(rel).name
        drafts.append(Draft(f"{stem} extends itself", {rel: _with_extends(rel, stem)}, rel))
        drafts.append(Draft(f"{stem} extends ./{stem}", {rel: _with_extends(rel, "./" + stem)}, rel))
        a, b = f"configs/{Path(rel).stem}_a.yaml", f"configs/{Path(rel).stem}_b.yaml"
        drafts.append(Draft(f"{Path(a).name} -> {Path(b).name} -> {Path(a).name}", {
            a: _with_extends(rel, Path(b).name), b: b"extends: " + Path(a).name.encode() + b"\nname: b\n"}, a))
        c = f"configs/{Path(rel).stem}_c.yaml"
        drafts.append(Draft("a three-file cycle a -> b -> c -> a", {
            a: _with_extends(rel, Path(b).name), b: f"extends: {Path(c).name}\n".encode(),
            c: f"extends: {Path(a).name}\n".encode()}, a))
        drafts.append(Draft(f"a -> b -> a where b is {stem}", {
            a: b"extends: " + stem.encode() + b"\nname: a\n", rel: _with_extends(rel, Path(a).name)}, a))
        chain = {f"configs/chain{i}.yaml": f"extends: chain{i + 1}.yaml\n".encode() for i in range(20)}
        chain["configs/chain20.yaml"] = _base()[rel]
        drafts.append(Draft(f"a chain of 21 files ending in {stem}", chain, "configs/chain0.yaml"))
        drafts.append(Draft(f"child -> {stem}, valid", {"configs/child.yaml": f"extends: {stem}\nname: child\n".encode()},
                            "configs/child.yaml", expect=EITHER))
        for target in ("nope.yaml", "../configs/nope.yaml", "/nonexistent/base.yaml", stem.upper(), "constraints",
                       ".", "../data", "/", "", "../data/sites.csv", "constraints/max_three_sites.yaml",
                       "../data/regions.geojson", "x" * 5000 + ".yaml") + DEVICES:
            drafts.append(Draft(f"{stem}: extends: {target[:40]!r}", {rel: _with_extends(rel, target)}, rel))
        for raw in ("5", "[example.yaml]", "{a: b}", "true", "1.5", "[]", '"x\\0y.yaml"', "!!binary aGVsbG8=",
                    '"\\x1b[31mred.yaml"'):
            drafts.append(Draft(f"{stem}: extends: {raw}", {rel: _with_extends(rel, None, raw)}, rel))
        drafts.append(Draft(f"{stem}: extends: null", {rel: _with_extends(rel, None, "null")}, rel, expect=EITHER))
        broken_base = Doc(rel)
        broken_base.data["solver"] = {"nonsense_key": 1}
        drafts.append(Draft(f"child -> {stem} with an unknown key", {
            rel: broken_base.text().encode(), "configs/child.yaml": f"extends: {stem}\n".encode()}, "configs/child.yaml"))
        drafts.append(Draft(f"child -> {stem} holding a NUL byte", {
            rel: _base()[rel].replace(b"\n", b"\n\x00", 1), "configs/child.yaml": f"extends: {stem}\n".encode()},
            "configs/child.yaml"))
        drafts.append(Draft("child -> base -> /dev/zero", {
            "configs/base.yaml": b"extends: /dev/zero\n", "configs/child.yaml": _with_extends(rel, "base.yaml")},
            "configs/child.yaml"))
        drafts.append(Draft(f"{stem}: extends written twice", {
            rel: b"extends: " + stem.encode() + b"\n" + _with_extends(rel, "colossus.yaml")}, rel))
    return rng.sample(drafts, min(len(drafts), 68))


# ---- 8. --set ------------------------------------------------------------------------------------------

def bad_overrides(rng: random.Random) -> list[Draft]:
    errors = [
        "solver.time_limit_s", "solver", "", "name", "[/]", "horizon.first_year 2030", "solver.time_limit_s:60",
        "solver.nosuch=1", "nosuch=1", "Solver.time_limit_s=60", "solver.time_limit=60", "extends=base.yaml",
        "constraints.99.max=1", "constraints.-1.kind=site_count", "constraints.1000000000.kind=x",
        "time_slices.extreme_days.3=hottest", "[/]=1", "[red]=1", "<script>=1", "=1", "==", "a..b=1", ".=1",
        "solver..threads=2", "solver.threads.=2", " = ", ".".join(["a"] * 100) + "=1", ".".join(["a"] * 5000) + "=1",
        "solver." + "x." * 500 + "y=1", "horizon.first_year.x=1", "solver.time_limit_s=[[[", "solver.time_limit_s={",
        "solver.time_limit_s=}", "solver.time_limit_s=: :", "solver.time_limit_s=&a [*a]",
        "solver.time_limit_s=*undefined", "solver.time_limit_s=!!python/object/apply:os.system ['echo hi']",
        "solver.time_limit_s=!!binary aGVsbG8=", "solver.time_limit_s=- a", "solver.time_limit_s=|",
        "solver.time_limit_s=@", "solver.time_limit_s=%YAML 1.2", "solver.time_limit_s='unclosed",
        'solver.time_limit_s="unclosed', "solver.time_limit_s=a: b: c", "solver.time_limit_s={a: 1}",
        "solver.time_limit_s=[1,2]", "solver.time_limit_s=" + "[" * 100, "solver.time_limit_s=.inf",
        "solver.time_limit_s=inf", "solver.time_limit_s=-inf", "solver.time_limit_s=nan", "solver.time_limit_s=.nan",
        "solver.time_limit_s=1e400", "solver.time_limit_s=1.0e+400", "horizon.first_year=1e400",
        "budget.capex_usd_per_year=-.inf", "reliability.reserve_margin=NaN", "solver.mip_gap=1e308",
        "solver.threads=99999999999999999999999", "name=a\x00b", "description=\x1b[31mred", "sol\x00ver.threads=1",
        "description=" + "x" * 1_100_000, "data.sites=/dev/zero", "data.profiles=/nonexistent.csv", "data.techs=/",
        "data.gpus=", "data.sites={root}/data", "data.regions=/dev/urandom", "constraints=5", "constraints.0=5",
        "constraints.0.kind=nope", "horizon=", "horizon=[]", "data=null", "solver.highs_options.nosuch_option=1",
        "targets.compute_h100e.'2027'=1", "horizon.last_year=1999", "constraints.0.site=nowhere",
        "constraints.0.site=[nowhere, '[/]']",
    ]
    either = ["name=[/]", "name=<script>alert(1)</script>", "description=[red]x[/red]", "solver.time_limit_s=60",
              "solver.time_limit_s='60'", "solver.highs_options.presolve=maybe", "solver.highs_options.time_limit=-5",
              "name=", "description=" + "y" * 100_000, "solver.seed=7"]
    drafts = []
    for text in errors + either:
        config = rng.choice(CONFIGS)
        drafts.append(Draft(f"--set {text[:60]!r}" + (f" ({len(text):,} characters)" if len(text) > 60 else ""),
                            {}, config, (text,), ERROR if text in errors else EITHER))
    for _ in range(4):   # several at once
        picks = tuple(rng.sample(errors, 3))
        drafts.append(Draft(f"--set {' --set '.join(p[:30] for p in picks)!r}", {}, rng.choice(CONFIGS), picks))
    return drafts


# ---- 9. Rich markup and HTML in user strings ----------------------------------------------------------

MARKUP = ["[/]", "[red]x", "[bold red]", "[link=http://x]y[/link]", "<script>alert(1)</script>", "&lt;b&gt;",
          "${HOME}", "$(rm -rf ~)", "{0}", "%s%n", "\\[/]", "x [/] y", "[[/]]", "ü[/]é", "[/red]", "[#ff0000]x"]
UNREFERENCED_REGIONS = ("MISO-S", "SOUTHEAST", "SPP", "SOUTHWEST", "MOUNTAIN-WEST")


def _relocated(rel: str, depth: int) -> Doc:
    """The config ``rel`` as written from a folder ``depth`` levels below configs/."""
    doc = Doc(rel)
    up = "../" * depth
    for key, value in list(doc.data["data"].items()):
        doc.data["data"][key] = up + value
    doc.data["constraints"] = [up + c if isinstance(c, str) else c for c in doc.data.get("constraints", [])]
    return doc


def _rename_in_rows(rows: list[list[str]], column: str, old: str, new: str) -> list[list[str]]:
    j = rows[0].index(column)
    return [rows[0]] + [[new if (k == j and cell == old) else cell for k, cell in enumerate(r)] for r in rows[1:]]


def markup(rng: random.Random) -> list[Draft]:
    drafts = []
    for text in MARKUP:
        rel = rng.choice(CONFIGS)
        name = f"configs/{text}.yaml"
        depth = len(Path(name).parts) - 2   # '[/].yaml' is the file '].yaml' in a folder '['

        drafts.append(Draft(f"config file named {name!r}", {name: _relocated(rel, depth).text().encode()}, name,
                            expect=EITHER))
        drafts.append(Draft(f"{rel}: name {text!r}", Doc(rel).set(("name",), text).files(), rel, expect=EITHER))
        drafts.append(Draft(f"{rel}: description {text!r}", Doc(rel).set(("description",), text + " <b>x</b>").files(),
                            rel, expect=EITHER))
    for text in rng.sample(MARKUP, 8):
        rel = rng.choice(CONFIGS)
        doc = Doc(rel)
        entry = rng.choice([i for i, c in enumerate(doc.data.get("constraints", [])) if isinstance(c, dict)] or [None])
        if entry is None:
            doc.data.setdefault("constraints", []).append({"kind": "site_count", "max": 26})
            entry = len(doc.data["constraints"]) - 1
        doc.data["constraints"][entry]["name"] = text
        doc.data["constraints"][entry]["note"] = text + "<script>"
        drafts.append(Draft(f"{rel}: constraint name and note {text!r}", doc.files(), rel, expect=EITHER))
        config = rng.choice(CONFIGS)
        drafts.append(Draft(f"{config}: only_sites names unknown site {text!r}",
                            Doc(config).set(("constraints",), [{"kind": "only_sites", "site": [text]}]).files(), config))
        drafts.append(Draft(f"{config}: unknown top-level key {text!r}", Doc(config).set((text,), 1).files(), config))
        drafts.append(Draft(f"{config}: headroom for unknown region {text!r}",
                            Doc(config).set(("grid", "headroom_mw"), {text: {model_years(config)[0]: 10}}).files(),
                            config))
    sites = read_rows("data/sites.csv")
    for text in rng.sample(MARKUP, 8):
        config = rng.choice(CONFIGS)
        r = rng.randrange(1, len(sites))
        old = sites[r][0]
        rows = copy.deepcopy(sites)
        rows[r][1] = text + " <img src=x onerror=alert(1)>"
        drafts.append(Draft(f"sites.csv: row {r + 1} name {text!r}", {"data/sites.csv": write_rows(rows)}, config,
                            expect=EITHER))
        rows = copy.deepcopy(sites)
        rows[r][0] = text
        expect = ERROR if old in referenced_ids(config) else EITHER
        drafts.append(Draft(f"sites.csv: site id {old} renamed {text!r}", {"data/sites.csv": write_rows(rows)}, config,
                            expect=expect))
        region = rng.choice(UNREFERENCED_REGIONS)
        new = text.replace('"', "") + "-region"
        files = {rel: write_rows(_rename_in_rows(read_rows(rel), "region_id", region, new))   # every table naming it
                 for rel in _base() if rel.startswith("data/") and rel.endswith(".csv")
                 and "region_id" in read_rows(rel)[0]}
        files["data/regions.geojson"] = _base()["data/regions.geojson"].replace(json.dumps(region).encode(),
                                                                                json.dumps(new).encode())
        drafts.append(Draft(f"region {region} renamed {new!r} in every table and the shapes", files, config,
                            expect=EITHER))
        zone = sites[r][-1]
        files = {"data/sites.csv": write_rows(_rename_in_rows(sites, "profile_zone", zone, text)),
                 PROFILE_DAYS: write_rows(_rename_in_rows(read_rows(PROFILE_DAYS), "zone", zone, text))}
        drafts.append(Draft(f"profile zone {zone} renamed {text!r}", files, config, expect=EITHER))
        rows = copy.deepcopy(sites)
        rows[0].append(text)
        for row in rows[1:]:
            row.append("1")
        drafts.append(Draft(f"sites.csv: unknown column {text!r}", {"data/sites.csv": write_rows(rows)}, config))
        rows = copy.deepcopy(sites)
        rows[r][3] = text + "12"
        drafts.append(Draft(f"sites.csv: row {r + 1} lat {text + '12'!r}", {"data/sites.csv": write_rows(rows)}, config,
                            where=("sites.csv", r + 1, "lat")))
    for text in rng.sample(MARKUP, 4):
        config = rng.choice(CONFIGS)
        data_name = f"data/{text}sites.csv"
        doc = Doc(config).set(("data", "sites"), "../" + data_name)
        drafts.append(Draft(f"sites table named {data_name!r}", {data_name: _base()["data/sites.csv"], **doc.files()},
                            config, expect=EITHER))
    return rng.sample(drafts, min(len(drafts), 72))


# ---- 10. NUL, control bytes, invalid UTF-8, byte-order marks ------------------------------------------

CONTROL = [b"\x00", b"\x01", b"\x07", b"\x08", b"\x0b", b"\x0c", b"\x0e", b"\x1b", b"\x1f", b"\x7f",
           "\u0080".encode(), "\u009f".encode(), "\ufffe".encode(), "\uffff".encode()]
BAD_UTF8 = [b"\xff", b"\xfe", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80"]


def control_bytes(rng: random.Random) -> list[Draft]:
    files = list(CONFIGS) * 3 + list(CONSTRAINT_FILES)
    drafts = []

    def add(what: str, rel: str, content: bytes, expect: str = ERROR) -> None:
        drafts.append(Draft(f"{rel}: {what}", {rel: content}, config_for(rel, rng), expect=expect))

    for _ in range(26):
        rel, junk = rng.choice(files), rng.choice(CONTROL)
        data = _base()[rel]
        at = rng.randrange(len(data) + 1)
        add(f"{junk!r} inserted at byte {at}", rel, data[:at] + junk + data[at:])
    for _ in range(18):
        rel, junk = rng.choice(files), rng.choice(BAD_UTF8)
        data = _base()[rel]
        at = rng.randrange(len(data) + 1)
        add(f"invalid UTF-8 {junk!r} at byte {at}", rel, data[:at] + junk + data[at:])
    for _ in range(6):
        rel = rng.choice(files)
        data = _base()[rel]
        at = rng.randrange(len(data))
        add(f"byte {at} replaced by NUL", rel, data[:at] + b"\x00" + data[at + 1:])
    for rel in CONFIGS:
        data = _base()[rel]
        text = data.decode()
        add("a UTF-8 byte-order mark", rel, codecs.BOM_UTF8 + data, EITHER)
        add("two UTF-8 byte-order marks", rel, codecs.BOM_UTF8 * 2 + data, EITHER)
        add("a byte-order mark then a NUL", rel, codecs.BOM_UTF8 + b"\x00" + data)
        add("UTF-16 with a byte-order mark", rel, text.encode("utf-16"), EITHER)
        add("UTF-16 without a byte-order mark", rel, text.encode("utf-16-le"))
        add("UTF-32 with a byte-order mark", rel, text.encode("utf-32"))
        add("a Latin-1 é in the description", rel, data.replace(b"description: ", b"description: caf\xe9 ", 1))
        add("NUL on every line", rel, data.replace(b"\n", b"\x00\n"))
        add("NUL at the end", rel, data + b"\x00")
        add("CR line ends only", rel, data.replace(b"\n", b"\r"), EITHER)
        add("a NEL (U+0085) line break", rel, data.replace(b"\n", "\u0085".encode(), 1), EITHER)
        add("a U+2028 line separator", rel, data.replace(b"\n", "\u2028".encode(), 1), EITHER)
    return drafts


# ---- 11. deep nesting ----------------------------------------------------------------------------------------

def _deep(shape: str, n: int) -> str:
    if shape == "flow list":
        return "[" * n + "1" + "]" * n
    if shape == "flow map":
        return "{a: " * n + "1" + "}" * n
    if shape == "mixed":
        return "[{a: " * (n // 2) + "1" + "}]" * (n // 2)
    if shape == "unclosed":
        return "[" * n
    if shape == "block list":
        return "- " * n + "x"
    if shape == "block map":   # a block under the key: one more level per line
        return "\n" + "\n".join("  " * i + f"k{i}:" for i in range(n)) + " 1"
    raise ValueError(shape)


def deep_nesting(rng: random.Random) -> list[Draft]:
    depths = (100, 128, 200, 500, 1000, 2000, 5000, 10000)
    shapes = ("flow list", "flow map", "mixed", "unclosed", "block list", "block map")
    drafts = []
    for _ in range(54):
        rel = rng.choice(CONFIGS + CONFIGS + CONSTRAINT_FILES)
        shape = rng.choice(shapes)
        n = rng.choice(depths[:5] if shape == "block map" else depths)
        paths = [p for p, _ in walk(base_data(rel))]
        path = rng.choice(paths)
        doc = Doc(rel)
        raw = _deep(shape, n)
        if shape == "block list":   # a block sequence needs its own line
            raw = "\n" + raw
        doc.set_raw(path, raw)
        drafts.append(Draft(f"{rel}: {dotted(path)} = {shape} {n} deep", doc.files(), config_for(rel, rng)))
    for _ in range(8):
        shape, n = rng.choice(("flow list", "flow map", "mixed", "unclosed")), rng.choice(depths)
        key = rng.choice(("name", "solver.time_limit_s", "targets", "constraints"))
        drafts.append(Draft(f"--set {key}= {shape} {n} deep", {}, rng.choice(CONFIGS), (f"{key}={_deep(shape, n)}",)))
    for n in (150, 3000):
        drafts.append(Draft(f"the whole file a flow list {n} deep", {CONFIGS[0]: _deep("flow list", n).encode()},
                            CONFIGS[0]))
        drafts.append(Draft(f"child extends a base nested {n} deep", {
            "configs/base.yaml": ("x: " + _deep("flow map", n) + "\n").encode(),
            "configs/child.yaml": b"extends: base.yaml\n" + _base()[CONFIGS[1]]}, "configs/child.yaml"))
    return drafts


# ---- 12. alias bombs and oversize files --------------------------------------------------------------------------

def _laughs(width: int, depth: int, key: str = "description") -> str:
    lines = ["x_bomb:", f"  l0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, depth):
        lines.append(f"  l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    lines.append(f"{key}: *a{depth - 1}")
    return "\n".join(lines) + "\n"


def _merges(width: int, depth: int) -> str:
    lines = ["x_merge:", "  m0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(width)) + "}"]
    for i in range(1, depth):
        lines.append(f"  m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * width)}], d{i}: 1}}")
    lines.append(f"solver: *m{depth - 1}")
    return "\n".join(lines) + "\n"


def without(rel: str, *keys: str) -> str:
    doc = Doc(rel)
    for key in keys:
        doc.data.pop(key, None)
    return doc.text()


def alias_bombs(rng: random.Random) -> list[Draft]:
    drafts = []
    for _ in range(26):
        rel = rng.choice(CONFIGS)
        width, depth = rng.randrange(2, 13), rng.randrange(3, 13)
        key = rng.choice(("description", "name", "constraints", "targets", "x_extra"))
        text = without(rel, key) + _laughs(width, depth, key)
        drafts.append(Draft(f"{rel}: billion laughs {width} wide, {depth} deep, under {key}", {rel: text.encode()}, rel))
    for _ in range(6):
        rel = rng.choice(CONFIGS)
        width, depth = rng.randrange(2, 10), rng.randrange(3, 9)
        drafts.append(Draft(f"{rel}: merge-key bomb {width} wide, {depth} deep", {
            rel: (without(rel, "solver") + _merges(width, depth)).encode()}, rel))
    for rel in CONFIGS:
        drafts.append(Draft(f"{rel}: an alias inside its own anchor", {
            rel: (without(rel, "description") + "description: &a [1, *a]\n").encode()}, rel))
        big = "s" * 10_000
        drafts.append(Draft(f"{rel}: 1,001 aliases of a 10 kB string", {
            rel: (without(rel, "description") + f"x_s: &s {big}\ndescription: [{', '.join(['*s'] * 1001)}]\n").encode()},
            rel))
        drafts.append(Draft(f"{rel}: 900 aliases of a 1 kB string", {
            rel: (without(rel, "description") + f"x_s: &s {'q' * 1000}\ndescription: [{', '.join(['*s'] * 900)}]\n"
                  ).encode()}, rel))
    for rel in CONFIGS + CONSTRAINT_FILES[:2]:
        size = rng.choice((1_000_001, 1_100_000, 5_000_000))
        drafts.append(Draft(f"{rel}: a {size:,}-byte comment", {rel: _base()[rel] + b"#" + b"c" * size + b"\n"},
                            config_for(rel, rng)))
    for rel in CONFIGS:
        drafts.append(Draft(f"{rel}: a 1.5 MB description", {
            rel: (without(rel, "description") + "description: " + "d" * 1_500_000 + "\n").encode()}, rel))
        drafts.append(Draft(f"{rel}: one line of 1.2 MB", {rel: b"x: [" + b"1," * 600_000 + b"1]\n"}, rel))
    drafts.append(Draft("example.yaml: a list of 60,000 items", {
        CONFIGS[0]: (without(CONFIGS[0], "description") + "description: [" + ", ".join(["1"] * 60_000) + "]\n"
                     ).encode()}, CONFIGS[0]))
    drafts.append(Draft("colossus.yaml: 60,000 keys", {
        CONFIGS[1]: (without(CONFIGS[1]) + "x_many:\n" + "".join(f"  k{i}: 1\n" for i in range(60_000))).encode()},
        CONFIGS[1]))
    for device in DEVICES:
        rel = rng.choice(CONFIGS)
        drafts.append(Draft(f"{rel}: extends {device}", {rel: _with_extends(rel, device)}, rel))
        drafts.append(Draft(f"the config itself is {device}", {}, device))
        rel = rng.choice(CONFIGS)
        doc = Doc(rel)
        doc.data.setdefault("constraints", []).append(device)
        drafts.append(Draft(f"{rel}: constraint file {device}", doc.files(), rel))
        table = rng.choice(TABLES)
        drafts.append(Draft(f"{rel}: data.{table} is {device}", Doc(rel).set(("data", table), device).files(), rel))
    drafts.append(Draft("child extends a 2 MB base", {
        "configs/base.yaml": _base()[CONFIGS[0]] + b"#" * 2_000_000 + b"\n",
        "configs/child.yaml": b"extends: base.yaml\nname: child\n"}, "configs/child.yaml"))
    return drafts


# ---- 13. duplicate keys and tags --------------------------------------------------------------------------------

KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- )?(?P<key>[A-Za-z0-9_]+):(?P<rest>.*)$")
YEAR_SPELLINGS = ["'{y}'", "{y}.0", "' {y} '", "+{y}", "0x{h}", '"{y}"', "{y}.00", "2_0{tail}"]
TAGS_ERROR = ["!!binary aGVsbG8=", "!!python/object:os.system {}", "!!python/object/apply:os.system ['echo hi']",
              "!!python/name:os.system", "!!python/tuple [1, 2]", "!!python/bytes aGk=", "!!set {a, b}",
              "!!omap [a: 1]", "!!pairs [a: 1]", "!!timestamp 2001-12-14", "!custom x", "!<tag:example.com,2000:foo> x",
              "!!int abc", "!!float x", "!!bool maybe", "!!map abc", "!!python/str x", "!!python/module:os"]
TAGS_EITHER = ["!!str 5", "!!int '5'", "!!null ''", "!!seq []", "!!map {}", "!!float '0.5'", "!!bool 'true'"]


def _block_end(lines: list[str], n: int, indent: int) -> int:
    """The index after the block of the key on line ``n`` (at ``indent``): deeper lines, and the
    items of a list written at the key's own indentation."""
    end = n + 1
    while end < len(lines):
        line = lines[end]
        depth = len(line) - len(line.lstrip(" "))
        if line.strip() and (depth > indent or (depth == indent and line.lstrip(" ").startswith("- "))):
            end += 1
        else:
            break
    return end


def duplicates_and_tags(rng: random.Random) -> list[Draft]:
    drafts = []
    for _ in range(22):   # a key written twice in its mapping
        rel = rng.choice(CONFIGS + CONFIGS + CONSTRAINT_FILES)
        text = Doc(rel).text()
        lines = text.split("\n")
        keyed = [n for n, line in enumerate(lines) if KEY_LINE.match(line)]
        n = rng.choice(keyed)
        m = KEY_LINE.match(lines[n])
        indent = len(m["indent"]) + (2 if m["dash"] else 0)
        end = _block_end(lines, n, indent)
        copy_lines = [" " * indent + m["key"] + ":" + m["rest"]] + lines[n + 1:end]
        if rng.random() < 0.5 and m["rest"].strip():
            copy_lines[0] = " " * indent + m["key"] + ": 7"
        mutated = lines[:end] + copy_lines + lines[end:]
        drafts.append(Draft(f"{rel}: key {m['key']!r} (line {n + 1}) written twice", {rel: "\n".join(mutated).encode()},
                            config_for(rel, rng)))
    for _ in range(16):   # one year written two ways
        rel = rng.choice(CONFIGS)
        path = rng.choice(year_map_paths(rel))
        year = rng.choice(list(get_at(base_data(rel), path)))
        spelling = rng.choice(YEAR_SPELLINGS).format(y=year, h=format(year, "X"), tail=str(year)[2:])
        doc = Doc(rel)
        get_at(doc.data, path)[doc.token(spelling)] = 5
        drafts.append(Draft(f"{rel}: {dotted(path)} has {year} and {spelling}", doc.files(), rel))
    for rel in CONFIGS:
        drafts.append(Draft(f"{rel}: an anchor defined twice", {
            rel: (without(rel, "name", "description") + "name: &a x\ndescription: &a y\n").encode()}, rel))
    for _ in range(22):
        rel = rng.choice(CONFIGS + CONFIGS + CONSTRAINT_FILES)
        tag = rng.choice(TAGS_ERROR)
        path = rng.choice([p for p, _ in walk(base_data(rel))])
        drafts.append(Draft(f"{rel}: {dotted(path)} = {tag}", Doc(rel).set_raw(path, tag).files(), config_for(rel, rng)))
    for _ in range(4):
        rel = rng.choice(CONFIGS)
        tag = rng.choice(("!!python/name:os.system", "!!binary aGk=", "!custom"))
        doc = Doc(rel)
        doc.rename_key(("name",), doc.token(f"{tag} name"))
        drafts.append(Draft(f"{rel}: key name tagged {tag}", doc.files(), rel))
    for rel in CONFIGS:
        drafts.append(Draft(f"{rel}: a %TAG directive and a !e!tag", {
            rel: ("%TAG !e! tag:example.com,2000:\n---\n" + without(rel, "name") + "name: !e!foo x\n").encode()}, rel))
    for _ in range(6):
        rel = rng.choice(CONFIGS)
        tag = rng.choice(TAGS_EITHER)
        path = rng.choice([p for p, v in walk(base_data(rel)) if not isinstance(v, (dict, list))])
        drafts.append(Draft(f"{rel}: {dotted(path)} = {tag}", Doc(rel).set_raw(path, tag).files(), rel, expect=EITHER))
    return drafts


# ---- 14. no candidate sites left ---------------------------------------------------------------------------

def no_sites(rng: random.Random) -> list[Draft]:
    site_ids = [r[0] for r in read_rows("data/sites.csv")[1:]]
    drafts = []
    none_left = (2, 3)   # a run has no site to build: the input is refused or the solver says why

    def add(what: str, config: str, files: dict, expect: str = EITHER, overrides: tuple = (),
            run_exits: tuple = none_left) -> None:
        drafts.append(Draft(f"{config}: {what}", files, config, overrides, expect, run_exits=run_exits))

    def with_entries(config: str, entries: list, keep: bool = True) -> dict:
        doc = Doc(config)
        doc.data["constraints"] = (doc.data.get("constraints", []) if keep else []) + entries
        return doc.files()

    for config in CONFIGS:
        add("forbid_site with every site", config, with_entries(config, [{"kind": "forbid_site", "site": site_ids}]))
        add("one forbid_site entry per site", config, with_entries(config, [
            {"kind": "forbid_site", "site": s} for s in site_ids]))
        add("only_sites: []", config, with_entries(config, [{"kind": "only_sites", "site": []}]))
        add("only_sites: [] alone", config, with_entries(config, [{"kind": "only_sites", "site": []}], keep=False))
        add("two disjoint only_sites", config, with_entries(config, [
            {"kind": "only_sites", "site": site_ids[:3]}, {"kind": "only_sites", "site": site_ids[3:6]}], keep=False))
        add("site_count max 0", config, with_entries(config, [{"kind": "site_count", "max": 0}]))
        add("only_sites and forbid_site of the same sites", config, with_entries(config, [
            {"kind": "only_sites", "site": site_ids[:4]}, {"kind": "forbid_site", "site": site_ids[:4]}], keep=False))
        rows = read_rows("data/sites.csv")
        j = rows[0].index("max_it_mw")
        add("every site holds 0 MW", config, {"data/sites.csv": write_rows(
            [rows[0]] + [r[:j] + ["0"] + r[j + 1:] for r in rows[1:]])})
        add("sites.csv with no rows", config, {"data/sites.csv": write_rows(rows[:1])})
        add("forbid_site: [] (nothing forbidden)", config, with_entries(config, [{"kind": "forbid_site", "site": []}]),
            run_exits=(0, 2, 3))
        add("--set constraints to [only_sites: []]", config, {}, overrides=("constraints=[{kind: only_sites, site: []}]",))
        for unknown in rng.sample(["nowhere", "Memphis", "memphis ", "", "*", "all", "[/]", "memphis,abilene",
                                   "MEMPHIS", "site_1"], 4):
            add(f"only_sites: [{unknown!r}]", config, with_entries(config, [
                {"kind": "only_sites", "site": [unknown]}]), ERROR, run_exits=(2,))
    return drafts


# ---- 15. YAML syntax errors --------------------------------------------------------------------------------------

def _syntax_mutation(text: str, rng: random.Random) -> tuple[str, str]:
    lines = text.split("\n")
    n = rng.randrange(len(lines) - 1) if len(lines) > 1 else 0
    line = lines[n]
    kind = rng.choice(("indent", "dedent", "tab", "bracket", "brace", "dquote", "squote", "colon", "closer", "alias",
                       "directive", "documents", "reserved", "dash"))
    if kind == "indent":
        line = " " * rng.choice((1, 3)) + line
    elif kind == "dedent":
        line = line[1:] if line.startswith(" ") else " " + line
    elif kind == "tab":
        stripped = line.lstrip(" ")
        line = "\t" * max(1, (len(line) - len(stripped)) // 2) + stripped
    elif kind == "bracket":
        line = line + " [1, 2"
    elif kind == "brace":
        line = line.replace(": ", ": {a: ", 1) if ": " in line else line + ": {a"
    elif kind == "dquote":
        line = line.replace(": ", ': "', 1) if ": " in line else '"' + line
    elif kind == "squote":
        line = line.replace(": ", ": '", 1) if ": " in line else "'" + line
    elif kind == "colon":
        line = line + ": x: y" if ":" in line else line + ": : :"
    elif kind == "closer":
        line = line + " ]}"
    elif kind == "alias":
        line = line.replace(": ", ": *", 1) if ": " in line else line + " *"
    elif kind == "directive":
        line = "%YAML 1.1\n" + line
    elif kind == "documents":
        line = "---\n" + line if n > 0 else line + "\n---\nx: 1"
    elif kind == "reserved":
        line = line.replace(": ", ": @", 1) if ": " in line else "`" + line
    elif kind == "dash":
        line = line + "\n" + " " * rng.choice((0, 1, 3, 5)) + "- stray"
    lines[n] = line
    return "\n".join(lines), f"{kind} at line {n + 1}"


def syntax_errors(rng: random.Random) -> list[Draft]:
    drafts = []
    while len(drafts) < 70:
        rel = rng.choice(CONFIGS + CONFIGS + CONSTRAINT_FILES)
        mutated, what = _syntax_mutation(base_text(rel), rng)
        try:
            yaml.safe_load(mutated)
        except yaml.YAMLError:   # the reference parser refuses it: a syntax error for sure
            drafts.append(Draft(f"{rel}: {what}", {rel: mutated.encode()}, config_for(rel, rng)))
    return drafts


# ---- 16. constraint files ----------------------------------------------------------------------------------------

def constraint_files(rng: random.Random) -> list[Draft]:
    drafts = []

    def add(what: str, config: str, files: dict, expect: str = ERROR) -> None:
        drafts.append(Draft(f"{config}: {what}", files, config, expect=expect))

    def listing(config: str, *names: Any) -> dict:
        doc = Doc(config)
        doc.data["constraints"] = list(doc.data.get("constraints", [])) + list(names)
        return doc.files()

    inc = "configs/constraints/extra.yaml"
    for config in CONFIGS:
        for name in ("constraints/nope.yaml", "constraints/nope.yml", "../constraints/max_three_sites.yaml",
                     "/nonexistent.yaml", "constraints", "", ".", "/dev/zero", "constraints/MAX_THREE_SITES.YAML"):
            add(f"constraint file {name!r}", config, listing(config, name))
        add("a constraint file naming another file", config, {
            **listing(config, "constraints/extra.yaml"),
            inc: b"- kind: site_count\n  max: 5\n- constraints/max_three_sites.yaml\n"})
        add("a constraint file naming itself", config, {**listing(config, "constraints/extra.yaml"),
                                                          inc: b"- constraints/extra.yaml\n"})
        add("a constraint file naming a missing file", config, {**listing(config, "constraints/extra.yaml"),
                                                                  inc: b"- nope.yaml\n"})
        for body in (b"- 1\n- 2\n- 3\n", b"[true, false]\n", b"- null\n", b"- 1.5\n", b"[[{kind: site_count, max: 3}]]\n",
                     b"5\n", b"hello\n", b"{}\n", b"constraints: 5\n", b"constraints: {kind: site_count, max: 3}\n",
                     b"- {}\n", b"- kind: site_count\n  max: 3\n  tech: gas_aero\n"):
            add(f"a constraint file holding {body[:40]!r}", config, {**listing(config, "constraints/extra.yaml"),
                                                                       inc: body})
        for body in (b"constraints:\n- kind: site_count\n  max: 30\n", b"kind: site_count\nmax: 30\n", b"",
                     b"# only a comment\n", b"extends: x.yaml\nconstraints:\n- kind: site_count\n  max: 30\n"):
            add(f"a constraint file holding {body[:40]!r}", config, {**listing(config, "constraints/extra.yaml"),
                                                                       inc: body}, EITHER)
    for rel in CONSTRAINT_FILES:
        config = config_for(rel, rng)
        for kind in ("nope", "Site_Count", "", "[/]"):
            doc = Doc(rel)
            doc.data[0]["kind"] = kind
            add(f"{rel}: unknown kind {kind!r}", config, doc.files())
        doc = Doc(rel)
        doc.set_raw((0, "kind"), rng.choice(("null", "5", "[site_count]")))
        add(f"{rel}: kind of the wrong type", config, doc.files())
        for field in rng.sample(["foo", "maxx", "Max", "[/]", "extends", "constraints", "region_id", "years_"], 4):
            doc = Doc(rel)
            doc.data[0][field] = 1
            add(f"{rel}: unknown field {field!r}", config, doc.files())
        for field, value in (("tech", "gas_turbine"), ("region", "NOWHERE"), ("site", "nowhere"), ("gpu", "H900")):
            doc = Doc(rel)
            doc.data[0][field] = value
            add(f"{rel}: {field} {value}", config, doc.files())
        doc = Doc(rel)
        doc.data[0]["years"] = [1999]
        add(f"{rel}: years [1999]", config, doc.files())
    return rng.sample(drafts, min(len(drafts), 75))


# ---- all cases ----------------------------------------------------------------------------------------------

CATEGORIES: dict[str, Callable[[random.Random], list[Draft]]] = {
    "deleted_keys": deleted_keys,
    "wrong_types": wrong_types,
    "bad_numbers": bad_numbers,
    "broken_csvs": broken_csvs,
    "table_numbers": table_numbers,
    "broken_hourly": broken_hourly,
    "broken_extends": broken_extends,
    "bad_overrides": bad_overrides,
    "markup": markup,
    "control_bytes": control_bytes,
    "deep_nesting": deep_nesting,
    "alias_bombs": alias_bombs,
    "duplicates_and_tags": duplicates_and_tags,
    "no_sites": no_sites,
    "syntax_errors": syntax_errors,
    "constraint_files": constraint_files,
}


def content_hash(draft: Draft) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([draft.config, list(draft.overrides)]).encode("utf-8", "surrogatepass"))
    for rel in sorted(draft.files):
        digest.update(rel.encode("utf-8", "surrogatepass") + b"\0" + hashlib.sha256(draft.files[rel]).digest())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def all_cases() -> tuple[Case, ...]:
    """Every case, deduplicated by content (the first of equal cases is kept), ids in order."""
    seen: set[str] = set()
    cases = []
    for category, make in CATEGORIES.items():
        count = 0
        for draft in make(random.Random(f"{SEED}:{category}")):
            digest = content_hash(draft)
            if digest in seen:
                continue
            seen.add(digest)
            count += 1
            run_exits = (2,) if draft.expect == ERROR else draft.run_exits
            cases.append(Case(f"{category}-{count:03d}", category, draft.description, draft.files, draft.config,
                              tuple(draft.overrides), draft.expect, draft.where, run_exits))
    return tuple(cases)


RUN_VALID_FROM = ("markup", "no_sites")   # their runs matter when the input is valid: markup printed, no site left


def run_sample(cases: tuple[Case, ...] = (), per_category: int = 1) -> list[Case]:
    """The cases that also go through ``siting run``: one per category (seeded); for the
    categories in :data:`RUN_VALID_FROM`, one that may be valid, so that the run solves."""
    cases = cases or all_cases()
    rng = random.Random(f"{SEED}:runs")
    sample = []
    for category in CATEGORIES:
        pool = [c for c in cases if c.category == category]
        if category in RUN_VALID_FROM:
            pool = [c for c in pool if c.expect == EITHER] or pool
        sample += rng.sample(pool, per_category)
    return sample


if __name__ == "__main__":
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    match = [c for c in all_cases() if c.case_id == wanted]
    if not match:
        for category in CATEGORIES:
            print(f"{category}: {sum(c.category == category for c in all_cases())} cases")
        sys.exit("usage: python -m tests.fuzz.generate CASE_ID [FOLDER]" + (f" (no case {wanted!r})" if wanted else ""))
    case = match[0]
    folder = Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/siting-fuzz-{case.case_id}")
    base = write_base(folder / "_base")
    config = materialize(case, base, folder / "case")
    sets = " ".join(f"--set {o!r}" for o in overrides_for(case, folder / "case"))
    print(f"{case.case_id} ({case.category}, expect {case.expect}): {case.description}")
    print(f"siting validate {str(config)!r} {sets}".rstrip())
