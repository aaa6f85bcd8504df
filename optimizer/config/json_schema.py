"""JSON Schemas of config files and constraint files as users write them, for editors.

Editors that read JSON Schema (VS Code's YAML extension, any client of yaml-language-server)
check, complete and explain a config as it is typed; ``docs/editors.md`` says how to hook them
up. The schemas are built from the pydantic models (:mod:`optimizer.config.schema`,
:mod:`optimizer.config.constraints`), adjusted for what the loader (:mod:`optimizer.config.load`)
reads beyond the models:

- ``extends: base.yaml`` at the top; a file that extends another may leave out what its base
  gives (``horizon``, ``data`` and their required keys), since mappings merge key by key;
- ``constraints:`` entries are a constraint mapping (chosen by its ``kind``) or a string naming
  a constraint file;
- year maps (``targets.compute_h100e``, ...) have year keys: YAML integer keys, which JSON
  Schema sees as strings of four digits;
- every number the models bound has its range (``minimum``, ``exclusiveMinimum``, ...), which
  also refuses ``.inf``; a number without a declared range is bounded by the largest finite
  double. ``.nan`` cannot be told apart by JSON Schema: the loader refuses it;
- unknown keys are refused (``additionalProperties: false``); data paths and file names are
  strings that are not blank and hold no control characters;
- a few rules between keys of one entry (``give max_mw, min_mw or both``, ``give exactly one of
  tech, gpu or site``, ``site or region, not both``) are written as JSON Schema too.

What no schema can see is left to ``siting validate``: missing files, extends cycles, ids that
are not in the data tables, years outside the horizon, ``min`` above ``max``.

The constraint-file schema accepts what :func:`optimizer.config.load._include_constraints`
reads: a list of entries, a mapping with a ``constraints`` list, or a single entry.

The schemas declare draft 2020-12 but use only keywords that mean the same in draft-07 (what
yaml-language-server implements): ``$defs`` is reached by JSON pointer, and no keyword sits
beside a ``$ref`` other than annotations.

``python -m optimizer.config.json_schema [FOLDER]`` (or ``siting schema``) writes
``config.schema.json`` and ``constraints.schema.json`` into FOLDER (default: ``schemas/`` at the
repository root); the written files are deterministic (sorted keys, indent 2).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from optimizer.config.schema import Config

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "schemas"
CONFIG_FILE = "config.schema.json"
CONSTRAINTS_FILE = "constraints.schema.json"
GENERATED = ("generated from the config models by optimizer/config/json_schema.py; do not edit: "
             "regenerate with `siting schema` or `python -m optimizer.config.json_schema`")

YEAR_KEY = {"pattern": "^[0-9]{4}$", "patternErrorMessage": "a year key, e.g. 2027"}
WHEN_KEY = {"pattern": "^[0-9]{4}(-(0?[1-9]|1[0-2])|[Qq][1-4])?$",
            "patternErrorMessage": "a year (2027), month (2024-07) or quarter (2025Q1)"}
# not blank and without control characters, as optimizer.config.load._unusable_name asks
FILE_NAME = {"type": "string", "minLength": 1, "pattern": "^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$",
             "patternErrorMessage": "a file name: not blank, without control characters"}
# TABLE.ROW.COLUMN=value or TABLE.ROW.COLUMN*=factor, as optimizer.inputs.edits.parse_edit reads it
DATA_EDIT = {"type": "string", "pattern": "^\\s*[^.=\\s]+\\.[^=]+\\.[^.=]+=",
             "patternErrorMessage": "TABLE.ROW.COLUMN=value or TABLE.ROW.COLUMN*=factor, e.g. "
                                    "techs.gas_recip.lead_time_months=24"}
LARGEST = sys.float_info.max   # the bound of a number the models leave unbounded: refuses .inf

ENTRY = "ConstraintEntry"
ENTRY_OR_FILE = {
    "anyOf": [{"$ref": f"#/$defs/{ENTRY}"},
              {**FILE_NAME, "description": "a constraint file (relative to this file) holding more entries"}]}

# Keys whose subschemas are maps of name -> schema, single schemas or lists of schemas.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "propertyNames", "contains",
               "unevaluatedProperties", "unevaluatedItems")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")


# ---- rules between keys of one mapping (the models' validators that JSON Schema can say) -------

def _given(key: str) -> dict:
    """The key is written with a value other than null."""
    return {"required": [key], "properties": {key: {"not": {"type": "null"}}}}


def _at_least_one(*keys: str) -> dict:
    return {"anyOf": [_given(k) for k in keys]}


def _not_together(keys: tuple[str, ...], message: str) -> list[dict]:
    """No two of ``keys`` are given: once one is, those after it must be null or absent. Said
    with ``type: null`` rather than ``not``, so that editors show ``message`` (yaml-language-server
    shows ``errorMessage`` for a type mismatch, and only a generic text for ``not``)."""
    return [{"if": _given(key),
             "then": {"properties": {other: {"type": "null", "errorMessage": message} for other in keys[i + 1:]}}}
            for i, key in enumerate(keys[:-1])]


def _not_both(a: str, b: str) -> list[dict]:
    return _not_together((a, b), f"give {a} or {b}, not both")


def _exactly_one(*keys: str) -> list[dict]:
    return [_at_least_one(*keys), *_not_together(keys, f"give exactly one of {_words(keys, 'or')}")]


def _words(keys: tuple[str, ...], last: str) -> str:
    return ", ".join(keys[:-1]) + f" {last} " + keys[-1]


# The model validators that JSON Schema can say (min above max, first year after last, cannot).
KEY_RULES: dict[str, list[dict]] = {
    "ClusterTarget": _exactly_one("min_h100e", "min_gpus"),
    "TechCapacity": [_at_least_one("max_mw", "min_mw"), *_not_both("site", "region")],
    "SiteCount": [_at_least_one("max", "min")],
    "CleanShare": _not_both("site", "region"),
    "EarliestYear": _exactly_one("tech", "gpu", "site"),
    "GpuCount": [_at_least_one("max_gpus", "min_gpus"), *_not_both("site", "region")],
}


# ---- generation ---------------------------------------------------------------------------------

class _Generator(GenerateJsonSchema):
    """pydantic's generator, with year keys: ``dict[int, ...]`` maps have four-digit keys."""

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        json_schema = super().dict_schema(schema)
        keys = schema.get("keys_schema", {})
        if keys.get("type") == "int":
            json_schema["propertyNames"] = dict(YEAR_KEY)
        elif keys.get("type") == "function-after" and keys.get("schema", {}).get("type") == "union":
            json_schema["propertyNames"] = dict(WHEN_KEY)   # the When keys of optimizer.config.schema
        return json_schema


def config_schema() -> dict:
    """The JSON Schema of a config file (``configs/*.yaml``), as users write it."""
    return copy.deepcopy(_config_schema())


def constraints_schema() -> dict:
    """The JSON Schema of a constraint file (``configs/constraints/*.yaml``): a list of entries,
    a mapping with a ``constraints`` list, or one entry."""
    return copy.deepcopy(_constraints_schema())


def render(schema: dict) -> str:
    """A schema as the text of its file: sorted keys, indent 2, a trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_texts() -> dict[str, str]:
    """File name -> text, for every schema file."""
    return {CONFIG_FILE: render(config_schema()), CONSTRAINTS_FILE: render(constraints_schema())}


def write_schemas(folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """Write ``config.schema.json`` and ``constraints.schema.json`` into ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


@functools.cache
def _config_schema() -> dict:
    schema = Config.model_json_schema(mode="validation", schema_generator=_Generator)
    defs = schema["$defs"]
    _walk(schema, _tidy)
    _rewrite_constraint_union(schema)
    for name, rules in KEY_RULES.items():
        defs[name].setdefault("allOf", []).extend(copy.deepcopy(rules))
    complete = _move_required(schema, Config)
    props = schema["properties"]
    props["extends"] = {**FILE_NAME, "description": "a base config to inherit, relative to this file: mappings "
                        "merge key by key, lists and other values replace the base's (data_edits: this file's "
                        "edits follow the base's); a file that extends another may leave out what the base gives"}
    props["data_edits"]["items"] = DATA_EDIT
    props["constraints"]["description"] = ("user constraints: entries with a kind, or names of constraint files "
                                           "holding more entries")
    out = {
        "$schema": DIALECT,
        "$comment": GENERATED,
        "title": "siting config",
        "description": "A scenario for the siting optimizer (configs/*.yaml): horizon, data tables, targets, "
                       "budgets, policy, solver settings and user constraints.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        "if": {"required": ["extends"]},
        "else": complete,
    }
    _check_draft7_compatible(out)
    return out


@functools.cache
def _constraints_schema() -> dict:
    config = _config_schema()
    names = _referenced(config["$defs"][ENTRY], config["$defs"], {ENTRY})
    entries = {"type": "array", "items": {"$ref": f"#/$defs/{ENTRY}"}}
    out = {
        "$schema": DIALECT,
        "$comment": GENERATED,
        "title": "siting constraint file",
        "description": "Constraint entries named from a config's constraints list: a list of entries "
                       "('- kind: ...'), a mapping with a constraints list, or a single entry.",
        "$defs": {name: copy.deepcopy(config["$defs"][name]) for name in sorted(names)},
        "if": {"type": "object", "required": ["constraints"]},
        "then": {"type": "object", "additionalProperties": False,
                 "properties": {"constraints": {**entries, "description": "the constraint entries"}}},
        "else": {"anyOf": [entries, {"$ref": f"#/$defs/{ENTRY}"}]},
    }
    _check_draft7_compatible(out)
    return out


def _walk(schema: Any, visit: Callable[[dict], None]) -> None:
    """Call ``visit`` on every subschema (keys of ``properties`` are names, not keywords)."""
    if not isinstance(schema, dict):
        return
    visit(schema)
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                _walk(sub, visit)
        elif key in _SCHEMA_ONE:
            _walk(value, visit)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for sub in value:
                _walk(sub, visit)


def _tidy(node: dict) -> None:
    """pydantic's output made editor-friendly: no generated titles, paths as file names,
    descriptions as one line per paragraph, every number bounded."""
    node.pop("title", None)
    if node.get("format") == "path":
        del node["format"]
        node.update({k: v for k, v in FILE_NAME.items() if k not in node})
    if isinstance(node.get("description"), str):
        node["description"] = _one_line(node["description"])
    if node.get("type") == "number":
        if "maximum" not in node and "exclusiveMaximum" not in node:
            node["maximum"] = LARGEST
        if "minimum" not in node and "exclusiveMinimum" not in node:
            node["minimum"] = -LARGEST


def _one_line(text: str) -> str:
    """A docstring as plain text: paragraphs joined into lines, ``code`` as `code`."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(paragraphs).replace("``", "`")


def _rewrite_constraint_union(schema: dict) -> None:
    """The discriminated union of constraint entries (pydantic's ``oneOf`` with an OpenAPI
    ``discriminator``) as one ``ConstraintEntry``: ``kind`` is one of the kinds, and each kind
    checks its own keys. Editors then complete ``kind`` first and report an unknown kind as such."""
    items = schema["properties"]["constraints"]["items"]
    refs = [branch["$ref"] for branch in items["oneOf"]]
    by_ref = {ref: kind for kind, ref in items["discriminator"]["mapping"].items()}
    kinds = [by_ref[ref] for ref in refs]
    schema["$defs"][ENTRY] = {
        "description": "a user constraint: its kind says what it limits (" + ", ".join(kinds) + ")",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": kinds, "description": "what the entry limits"}},
        "allOf": [{"if": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": kind}}},
                   "then": {"$ref": ref}}
                  for kind, ref in zip(kinds, refs)],
    }
    schema["properties"]["constraints"]["items"] = copy.deepcopy(ENTRY_OR_FILE)


def _move_required(root: dict, model: type[BaseModel], node: dict | None = None) -> dict:
    """Take ``required`` out of the config and of the sections it holds directly (they merge key
    by key under ``extends``); return it as a schema that applies when the file extends nothing."""
    node = root if node is None else node
    complete: dict = {}
    required = node.pop("required", [])
    if required:
        complete["required"] = required
    for name, field in model.model_fields.items():
        sub = field.annotation
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)) or sub.__name__ not in root["$defs"]:
            continue
        ref = json.dumps(f"#/$defs/{sub.__name__}")
        uses = json.dumps(root).count(ref)
        if uses != 1:   # a section also used elsewhere (in a list, say) would lose its required keys there
            raise AssertionError(f"{sub.__name__} is used {uses} times; its required keys cannot move")
        inner = _move_required(root, sub, root["$defs"][sub.__name__])
        if inner:
            complete.setdefault("properties", {})[name] = inner
    return complete


def _referenced(node: Any, defs: dict, found: set[str]) -> set[str]:
    """``found`` and the names of the ``$defs`` that ``node`` reaches through ``$ref``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") not in found:
            found.add(ref.removeprefix("#/$defs/"))
            _referenced(defs[ref.removeprefix("#/$defs/")], defs, found)
        for value in node.values():
            _referenced(value, defs, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, defs, found)
    return found


DRAFT_2019_ONLY = {"unevaluatedProperties", "unevaluatedItems", "prefixItems", "dependentRequired",
                   "dependentSchemas", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
                   "minContains", "maxContains"}
ANNOTATIONS = {"description", "default", "title", "$comment", "examples"}


def _check_draft7_compatible(schema: dict) -> None:
    """Keep the schema readable by draft-07 tools: no newer keywords, nothing but annotations
    beside a ``$ref`` (draft-07 ignores a ``$ref``'s siblings)."""
    def visit(node: dict) -> None:
        newer = DRAFT_2019_ONLY & set(node)
        if newer:
            raise AssertionError(f"keywords draft-07 does not know: {sorted(newer)}")
        if "$ref" in node and set(node) - ANNOTATIONS - {"$ref"}:
            raise AssertionError(f"keywords beside a $ref: {sorted(set(node) - ANNOTATIONS - {'$ref'})}")

    _walk(schema, visit)


def main(argv: list[str] | None = None) -> int:
    """``python -m optimizer.config.json_schema [FOLDER]``: write the schema files."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m optimizer.config.json_schema [FOLDER]\n"
              f"write {CONFIG_FILE} and {CONSTRAINTS_FILE} into FOLDER (default: {DEFAULT_FOLDER})",
              file=sys.stderr if len(args) > 1 else sys.stdout)
        return 2 if len(args) > 1 else 0
    for path in write_schemas(Path(args[0]) if args else DEFAULT_FOLDER):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
