"""Compose a config file and validate it into a :class:`Config`, collecting every problem.

:func:`optimizer.inputs.load.load_all` is the entry point: it adds the data tables and the
cross-checks, and raises one :class:`InputError` listing everything found.

Composition, in order:

1. ``extends: base.yaml`` inherits the base file (recursively, at most :data:`MAX_EXTENDS` files
   deep); mappings merge key by key, any other value (lists included) is replaced by the
   extending file's value, except ``data_edits``: the extending file's edits follow the base's.
2. ``constraints:`` entries that are strings name files holding more entries (a list of entries,
   or a mapping with a ``constraints`` list); they are read in place.
3. ``data:`` paths are made absolute, relative to the file that wrote them.
4. ``--set path.to.key=value`` overrides, typed like YAML (``--set solver.time_limit_s=60``);
   ``--set data.TABLE.ROW.COLUMN=value`` (or ``...COLUMN*=factor``) edits table cells: it is
   appended to ``data_edits`` as ``TABLE.ROW.COLUMN=value`` (see :mod:`optimizer.inputs.edits`).
5. pydantic validation; each error is mapped back to file, line and key path.

Every file is read by :func:`optimizer.config.yaml_source.load_yaml`, which refuses hostile
files (too large, not a regular file, control characters, deep nesting, alias bombs, tags).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from optimizer.config.constraints import KINDS
from optimizer.config.schema import Config
from optimizer.config.yaml_source import KeyPath, SourceMap, dotted, load_yaml, parse_value, read_as
from optimizer.errors import Problem, did_you_mean, display_path, unique

DATA_KEYS = ("sites", "regions", "techs", "gpus", "profiles", "grid_profiles", "prices", "region_shapes")
TABLE_KEYS = DATA_KEYS[:-1]  # region_shapes are polygons, read by optimizer.inputs.shapes
MAX_EXTENDS = 16             # files in one extends chain
INDEX = re.compile(r"-?[0-9]{1,9}")   # a list position in a --set key path
BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
          "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}   # pydantic error -> words


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config and the source map that locates each of its keys."""

    config: Config
    path: Path
    source: SourceMap
    raw: dict

    def locate(self, path: KeyPath) -> tuple[str | None, int | None]:
        return self.source.locate(path)

    def problem(self, path: KeyPath, message: str, hint: str = "") -> Problem:
        file, line = self.locate(path)
        return Problem(file, line, dotted(path), message, hint)


def compose(path: str | Path, overrides: Iterable[str] = ()) -> tuple[dict | None, SourceMap, list[Problem]]:
    """The merged raw config (extends, included constraint files, absolute data paths, overrides)."""
    problems: list[Problem] = []
    raw, smap = _read_layer(Path(path), [], problems)
    if raw is None:
        return None, smap, problems
    raw = _include_constraints(raw, smap, problems)
    _absolute_data_paths(raw, smap, problems)
    _apply_overrides(raw, smap, overrides, problems)
    return raw, smap, problems


def validate(raw: dict, smap: SourceMap) -> tuple[Config | None, list[Problem]]:
    """The typed config, or the problems pydantic found, each located in its file."""
    try:
        return Config.model_validate(raw), []
    except ValidationError as exc:
        return None, _pydantic_problems(exc, raw, smap)


def _read_layer(path: Path, chain: list[Path], problems: list[Problem]) -> tuple[dict | None, SourceMap]:
    """One file and, through ``extends``, its bases, merged."""
    data, smap, found = load_yaml(path)
    problems.extend(found)
    if data is None:
        if not found:
            problems.append(Problem(display_path(path), 1, "", "the file is empty (it holds no settings, "
                                    "or only comments)", "write the config sections (horizon, data, ...)"))
        return None, smap
    if not isinstance(data, dict):
        problems.append(Problem(display_path(path), 1, "", "a config must be a mapping of sections",
                                "start with 'horizon:' and 'data:' at the left margin"))
        return None, smap
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, smap
    file, line = smap.locate(("extends",))
    if not isinstance(base_name, str):
        problems.append(Problem(file, line, "extends", "must be one file name", "write extends: base.yaml"))
        return data, smap
    bad_name = unusable_name(base_name)
    if bad_name:
        problems.append(Problem(file, line, "extends", bad_name, "write a plain file name"))
        return None, smap
    if len(chain) + 1 >= MAX_EXTENDS:
        problems.append(Problem(file, line, "extends", f"extends chains more than {MAX_EXTENDS} files",
                                "let fewer files inherit from each other"))
        return None, smap
    base_path = path.parent / base_name
    here = chain + [path.resolve()]
    if base_path.resolve() in here:
        cycle = " -> ".join(display_path(p) for p in here + [base_path.resolve()])
        problems.append(Problem(file, line, "extends", f"extends cycle: {cycle}",
                                "remove one of the extends entries so that no file inherits itself"))
        return None, smap
    n_before = len(problems)
    base, base_map = _read_layer(base_path, here, problems)
    if base is None:
        missing = any(p.message == "file not found" and p.file == display_path(base_path) and p.line is None
                      for p in problems[n_before:])
        problems[n_before:] = _relocate(problems[n_before:], base_path, file, line, "extends",
                                        f"base config '{base_name}'")
        if missing:
            problems.append(Problem(file, line, "extends", f"base config '{base_name}' not found",
                                    "check the file name; it is relative to this file"))
        return None, smap
    return _merge(base, data, base_map, smap, ()), base_map


def _relocate(found: list[Problem], path: Path, file: str | None, line: int | None, key: str,
              what: str) -> list[Problem]:
    """Problems with the file ``path`` as a whole (not found aside: callers name it) moved to the
    line that names the file: ``/dev/zero: is not a regular file`` becomes
    ``config.yaml:2: extends: base config '/dev/zero' is not a regular file``."""
    shown = display_path(path)
    whole = [p for p in found if p.file == shown and p.line is None]
    return [Problem(file, line, key, f"{what} {p.message}", p.hint) if p in whole else p
            for p in found if not (p in whole and p.message == "file not found")]   # callers name it


def _merge(base: dict, over: dict, base_map: SourceMap, over_map: SourceMap, path: KeyPath) -> dict:
    """Deep-merge ``over`` into ``base`` (mappings merge, anything else replaces). A key written
    differently but read the same (``'2027'`` over ``2027``) replaces the base's key."""
    out = dict(base)
    for key, value in over.items():
        sub = path + (key,)
        if sub == ("data_edits",) and isinstance(value, list) and isinstance(out.get(key), list):
            _concatenate_edits(out, value, base_map, over_map)
            continue
        written = _written_key(out, key)
        if type(written) is not type(key) or written != key:
            del out[written]
            base_map.drop_under(path + (written,))
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, base_map, over_map, sub)
        else:
            base_map.drop_under(sub)
            out[key] = value
            base_map.where.update({k: v for k, v in over_map.where.items() if k[: len(sub)] == sub})
        base_map.where[sub] = over_map.where.get(sub, base_map.where.get(sub))
    return out


def _concatenate_edits(out: dict, edits: list, base_map: SourceMap, over_map: SourceMap) -> None:
    """The extending file's ``data_edits`` after the base's, each item still located in its file."""
    n = len(out["data_edits"])
    out["data_edits"] = out["data_edits"] + edits
    for key, loc in over_map.where.items():
        if len(key) >= 2 and key[0] == "data_edits" and isinstance(key[1], int):
            base_map.where[("data_edits", n + key[1]) + key[2:]] = loc
    base_map.where[("data_edits",)] = over_map.where.get(("data_edits",), base_map.where.get(("data_edits",)))


def _include_constraints(raw: dict, smap: SourceMap, problems: list[Problem]) -> dict:
    """Replace file names in the ``constraints`` list by the entries those files hold."""
    entries = raw.get("constraints")
    if not isinstance(entries, list):
        return raw
    merged: list[Any] = []
    new_map = SourceMap({k: v for k, v in smap.where.items() if not (k and k[0] == "constraints" and len(k) > 1)})
    for i, entry in enumerate(entries):
        if not isinstance(entry, str):
            for key, loc in smap.where.items():
                if key[:2] == ("constraints", i):
                    new_map.where[("constraints", len(merged)) + key[2:]] = loc
            merged.append(entry)
            continue
        file, line = smap.locate(("constraints", i))
        bad_name = unusable_name(entry)
        if bad_name:
            problems.append(Problem(file, line, f"constraints[{i}]", bad_name, "write a plain file name"))
            continue
        base_dir = Path(file).parent if file else Path.cwd()
        included, inc_map, found = load_yaml(base_dir / entry)
        if found:
            problems.extend(_relocate(found, base_dir / entry, file, line, f"constraints[{i}]",
                                      f"constraint file '{entry}'"))
            if any(p.message == "file not found" for p in found):
                problems.append(Problem(file, line, f"constraints[{i}]",
                                        f"constraint file '{entry}' not found", "check the file name and folder"))
            continue
        prefix: KeyPath = ()
        if isinstance(included, dict) and "constraints" in included:
            included, prefix = included["constraints"], ("constraints",)
        elif isinstance(included, dict):
            included = [included]
            inc_map = SourceMap({(0,) + k: v for k, v in inc_map.where.items()})
        if not isinstance(included, list):
            problems.append(Problem(display_path(base_dir / entry), 1, "", "a constraint file holds a list of entries",
                                    "write each entry as '- kind: ...'"))
            continue
        for j, item in enumerate(included):
            for key, loc in inc_map.where.items():
                if key[: len(prefix) + 1] == prefix + (j,):
                    new_map.where[("constraints", len(merged)) + key[len(prefix) + 1:]] = loc
            if isinstance(item, str):
                problems.append(Problem(*inc_map.locate(prefix + (j,)), "constraints",
                                        "constraint files cannot include further files",
                                        "copy the entries into this file"))
                continue
            merged.append(item)
    smap.where = new_map.where
    return {**raw, "constraints": merged}


def unusable_name(name: str) -> str:
    """Why a file name cannot name a file ('' when it can): empty, or holding control characters."""
    if not name.strip():
        return "the file name is empty"
    if CONTROL.search(name):
        return f"the file name {name!r} holds a control character"
    return ""


def _absolute_data_paths(raw: dict, smap: SourceMap, problems: list[Problem]) -> None:
    data = raw.get("data")
    if not isinstance(data, dict):
        return
    for key, value in list(data.items()):
        if isinstance(value, str) and key in DATA_KEYS and unusable_name(value):
            problems.append(Problem(*smap.locate(("data", key)), f"data.{key}", unusable_name(value),
                                    "write a plain file name"))   # left as written: never opened
        elif isinstance(value, str) and key in DATA_KEYS:
            file = smap.file_of(("data", key))
            base = Path(file).parent if file and file != "--set" else Path.cwd()
            data[key] = str((base / value).resolve())


def _apply_overrides(raw: dict, smap: SourceMap, overrides: Iterable[str], problems: list[Problem]) -> None:
    """Apply ``path.to.key=value`` overrides; the value is parsed as YAML."""
    for text in overrides:
        if "=" not in text:
            problems.append(Problem("--set", None, text, "an override needs '='",
                                    "write --set path.to.key=value, e.g. --set solver.time_limit_s=60"))
            continue
        key, value_text = text.split("=", 1)
        bad = _bad_key_path(key)
        if bad:
            problems.append(Problem("--set", None, repr(key) if CONTROL.search(key) else key, bad,
                                    "write --set section.key=value with plain key names"))
            continue
        names = [p.strip() for p in key.strip().split(".")]
        if len(names) >= 3 and names[0] == "data":   # a table cell: data.TABLE.ROW.COLUMN=value
            _add_data_edit(raw, smap, key.strip()[len("data."):] + "=" + value_text, key, problems)
            continue
        parts: list[Any] = [int(p) if INDEX.fullmatch(p) else p for p in key.strip().split(".")]
        value, found = parse_value(value_text, "--set")
        if found:
            problems.extend(Problem("--set", None, key, p.message, p.hint) for p in found)
            continue
        node: Any = raw
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, dict):
                parts[i] = part = _written_key(node, part)
                if part not in node:   # a key the files do not have: an error about it names --set
                    smap.where[tuple(parts[: i + 1])] = ("--set", None)
                node = node.setdefault(part, {})
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                problems.append(Problem("--set", None, key, "cannot follow this key path",
                                        "check the section and key names"))
                break
        else:
            if isinstance(node, list) and isinstance(parts[-1], int) and 0 <= parts[-1] < len(node):
                node[parts[-1]] = value
            elif isinstance(node, dict):
                parts[-1] = _written_key(node, parts[-1])
                node[parts[-1]] = value
            else:
                problems.append(Problem("--set", None, key, "cannot set this key", "check the key path"))
                continue
            if parts[0] == "data" and isinstance(value, str):
                if unusable_name(value):
                    problems.append(Problem("--set", None, key, unusable_name(value), "write a plain file name"))
                    continue
                node[parts[-1]] = str(Path(value).resolve())
            smap.drop_under(tuple(parts))
            smap.where[tuple(parts)] = ("--set", None)


def _add_data_edit(raw: dict, smap: SourceMap, text: str, key: str, problems: list[Problem]) -> None:
    """Append ``--set data.T.R.C=V`` to ``data_edits`` as ``T.R.C=V``: applied after the files' edits,
    in the order given, and kept in the resolved config. It is read and checked with the others
    (:func:`optimizer.inputs.edits.parse_edits`)."""
    if raw.get("data_edits") is None:
        raw["data_edits"] = []
        smap.where[("data_edits",)] = ("--set", None)
    edits = raw["data_edits"]
    if not isinstance(edits, list):
        problems.append(Problem("--set", None, key, "cannot add a data edit: data_edits in the config is not a list",
                                "write data_edits as a list of '- TABLE.ROW.COLUMN=value' lines"))
        return
    smap.where[("data_edits", len(edits))] = ("--set", None)
    edits.append(text)


MAX_OVERRIDE_DEPTH = 16
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad_key_path(key: str) -> str:
    """Why an override's key path cannot be used ('' when it can)."""
    if CONTROL.search(key):
        return "the key path holds a control character"
    parts = key.strip().split(".")
    if any(not part.strip() for part in parts):
        return "the key path has an empty part (two dots, or a dot at an end)"
    if len(parts) > MAX_OVERRIDE_DEPTH:
        return f"the key path is deeper than {MAX_OVERRIDE_DEPTH} levels"
    return ""


def _written_key(mapping: dict, key: Any) -> Any:
    """The key of ``mapping`` that reads as ``key`` (``--set targets.compute_h100e.2027=...`` sets
    the file's ``'2027':``), or ``key`` itself: an override never adds a second key for one year."""
    same = read_as(key)
    return next((k for k in mapping if read_as(k) == same), key)


# ---- pydantic errors -> problems ------------------------------------------------------------

def _pydantic_problems(exc: ValidationError, raw: dict, smap: SourceMap, root: type[BaseModel] | None = None
                       ) -> list[Problem]:
    """Pydantic's errors as located problems; ``root`` is the model validated (default: the config)."""
    by_path: dict[KeyPath, list[dict]] = {}
    for err in exc.errors(include_url=False):
        by_path.setdefault(_data_path(err["loc"], raw), []).append(err)
    problems = []
    for path, errs in by_path.items():
        file, line = smap.locate(path)
        if len(errs) > 1 and all(_is_type_error(e["type"]) for e in errs):
            expected = " or ".join(dict.fromkeys(_expected(e) for e in errs))
            hint = "write a plain number, or one 'year: value' line per year" \
                if any(e["type"].startswith("dict") for e in errs) else "write a plain value"
            problems.append(Problem(file, line, dotted(path), f"expected {expected} (got {_got(errs[0])})", hint))
            continue
        for err in errs:
            message, hint = _explain(err, path, raw, root)
            where = (file, line)
            if err["type"] == "union_tag_invalid":   # the kind is wrong: name the line that wrote it
                where = smap.locate(path + ("kind",))
            problems.append(Problem(*where, dotted(path), message, hint))
    return unique(problems)


def _is_type_error(kind: str) -> bool:
    return kind.endswith(("_type", "_parsing")) or kind in BOUNDS or kind == "finite_number"


def _expected(err: dict) -> str:
    kind = err["type"]
    if kind in BOUNDS:
        return f"a number {_bound(err)}"
    if kind == "finite_number":
        return "a finite number"
    if kind.startswith(("float", "int")):
        return "a number"
    if kind.startswith("dict"):
        return "a mapping of year: value"
    if kind.startswith("list"):
        return "a list"
    return kind.split("_")[0]


def _data_path(loc: tuple, raw: Any) -> KeyPath:
    """Drop the parts of a pydantic location that are not keys of the data (union tags)."""
    path: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isdigit() and int(part) in node:
            path.append(int(part))
            node = node[int(part)]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part not in node and not _is_tag(part):
            path.append(part)  # a missing key: name it
            node = None
        elif node is None:
            break
    return tuple(path)


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and (part in KINDS or "[" in part or part in ("int", "float", "str", "dict", "list"))


def _explain(err: dict, path: KeyPath, raw: dict, root: type[BaseModel] | None = None) -> tuple[str, str]:
    """A plain message and a fix for one pydantic error."""
    kind, msg = err["type"], err["msg"].replace("Input should be", "must be")
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], raw, root)
        return f"unknown key '{key}'", did_you_mean(key, allowed) if allowed else "remove it"
    if kind == "missing":
        return "required key is missing", f"add '{key}:' to this section"
    if kind == "union_tag_invalid":
        found = err.get("ctx", {}).get("tag", "?")
        return f"unknown constraint kind '{found}'", did_you_mean(found, KINDS)
    if kind == "union_tag_not_found":
        return "constraint entry has no 'kind'", "add 'kind:' — one of " + ", ".join(KINDS)
    if kind in BOUNDS:
        hint = "use a value in the allowed range"
        if kind.startswith("less"):
            hint = "the limit is far beyond any real plan: check the number and its unit"
        return f"must be {_bound(err)} (got {_got(err)})", hint
    if kind == "finite_number":
        return f"must be a finite number (got {_got(err)})", \
            "write a plain number; inf and nan are not allowed: leave an optional limit out to have none"
    if kind == "string_type" and path[:1] == ("data_edits",):
        return f"{msg} (got {_got(err)})", ("write each edit as one text, '- TABLE.ROW.COLUMN=value' (with '=', "
                                             "not ':'); quote an edit that holds ': ' or ' #'")
    if kind.startswith(("int_", "float_", "bool_", "string_", "literal_", "dict_", "list_", "model_")):
        return f"{msg} (got {_got(err)})", _type_hint(kind)
    if kind == "value_error":
        return msg.removeprefix("Value error, "), "see the message"
    return msg, ""


def _bound(err: dict) -> str:
    """``at most 1e12``, ``greater than 0``: the bound a number broke, readable."""
    key, words = BOUNDS[err["type"]]
    return f"{words} {_number(err.get('ctx', {}).get(key))}"


def _number(value: Any) -> str:
    """1e12 -> '1e12', 1e-07 -> '1e-7', 10.0 -> '10', 2147483647 -> '2,147,483,647', 0.01 -> '0.01'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) < 10**7 or str(value).rstrip("0") != "1" else f"1e{len(str(value)) - 1}"
    if value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")


def _got(err: dict) -> str:
    """The value an error is about, shortened when long."""
    text = repr(err.get("input"))
    return text if len(text) <= 60 else text[:57] + "..."


def _type_hint(kind: str) -> str:
    return {
        "int_parsing": "write a whole number without quotes", "int_from_float": "write a whole number",
        "float_parsing": "write a number without quotes or units", "bool_parsing": "write true or false",
        "string_type": "write text", "dict_type": "write a mapping of 'key: value' lines",
        "list_type": "write a list of '- item' lines", "model_type": "write a mapping of 'key: value' lines",
        "model_attributes_type": "write a mapping of 'key: value' lines",
    }.get(kind, "write a value of the expected type")


def _allowed_keys(parent: KeyPath, raw: dict, root: type[BaseModel] | None = None) -> list[str]:
    """Keys allowed at ``parent``, found by walking the schema (``root``, default the config) along the path."""
    model: Any = root or Config
    node: Any = raw
    for part in parent:
        node = node[part] if isinstance(node, (dict, list)) else None
        if isinstance(part, int) and isinstance(node, dict) and "kind" in node:
            model = KINDS.get(node["kind"])
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part) if isinstance(part, str) else None
        model = _inner_model(field.annotation) if field else None
        if model is None and part == "constraints":
            model = None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation like ``list[X]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
