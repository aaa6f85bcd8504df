"""Safe YAML loading that remembers where every key came from.

``load_yaml`` returns the plain data and a :class:`SourceMap` from key paths such as
``("targets", "compute_h100e", 2028)`` to ``(file, line)``, so that every later error can name
the file and line of the key it is about. YAML is loaded with the safe loader: tags that would
construct Python objects are refused. Duplicate keys in one mapping are an error (YAML itself
would silently keep the last one, which hides editing mistakes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from optimizer.errors import Problem, display_path

KeyPath = tuple[Any, ...]
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass
class SourceMap:
    """Where each key path of a config was written: ``path -> (file, line)``."""

    where: dict[KeyPath, tuple[str, int | None]] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> tuple[str | None, int | None]:
        """File and line of ``path``, or of its nearest written ancestor."""
        for n in range(len(path), -1, -1):
            hit = self.where.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return None, None

    def file_of(self, path: KeyPath) -> str | None:
        return self.locate(path)[0]

    def drop_under(self, path: KeyPath) -> None:
        """Forget every entry at or below ``path`` (the value there is being replaced)."""
        n = len(path)
        for key in [k for k in self.where if k[:n] == tuple(path)]:
            del self.where[key]

    def update(self, other: "SourceMap", prefix: KeyPath = ()) -> None:
        for key, loc in other.where.items():
            self.where[tuple(prefix) + key] = loc


def load_yaml(path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    """Read ``path``; return (data, source map, problems). Data is None when unreadable."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, SourceMap(), [Problem(shown, None, "", "file not found",
                                           "check the path; relative paths are relative to the file that names them")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, SourceMap(), [Problem(shown, None, "", f"cannot read file: {exc}", "save it as UTF-8 text")]
    return parse_yaml(text, shown)


def parse_yaml(text: str, shown: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse YAML ``text`` (named ``shown`` in messages) into data and a source map."""
    loader = yaml.SafeLoader(text)
    smap = SourceMap()
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(loader, node, (), smap, shown, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation, colons and quotes near this line"
        if "tag" in str(what) or isinstance(exc, yaml.constructor.ConstructorError):
            hint = "tags such as !!python/... are not allowed; write plain values"
        return None, smap, [Problem(shown, line, "", f"YAML syntax error{col}: {what}", hint)]
    except yaml.YAMLError as exc:
        return None, smap, [Problem(shown, None, "", f"YAML error: {exc}", "check the file's syntax")]
    finally:
        loader.dispose()
    smap.where.setdefault((), (shown, 1))
    return data, smap, problems


def _build(loader, node, path: KeyPath, smap: SourceMap, shown: str, problems: list[Problem]):
    """Turn a composed YAML node into plain data, recording each key's line."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in PLAIN_TAGS:
        problems.append(Problem(shown, node.start_mark.line + 1, dotted(path), f"YAML tag '{node.tag}' is not allowed",
                                "tags such as !!python/... are not allowed; write plain values"))
        return None
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)):
                problems.append(Problem(shown, line, dotted(path), "keys must be plain words or numbers",
                                        "write the key as text"))
                continue
            if key in out:
                problems.append(Problem(shown, line, dotted(path + (key,)),
                                        f"duplicate key (first written on line {smap.where[path + (key,)][1]})",
                                        "keep one of the two entries"))
                continue
            smap.where[path + (key,)] = (shown, line)
            out[key] = _build(loader, value_node, path + (key,), smap, shown, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            smap.where[path + (i,)] = (shown, item.start_mark.line + 1)
            items.append(_build(loader, item, path + (i,), smap, shown, problems))
        return items
    return loader.construct_object(node, deep=True)


def dotted(path: KeyPath) -> str:
    """``("constraints", 2, "max_mw")`` -> ``constraints[2].max_mw``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
